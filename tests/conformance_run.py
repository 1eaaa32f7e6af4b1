"""The long conformance run, resumable and shareable: one line per generated spec.

    python tests/conformance_run.py START STOP [STEP OFFSET] OUT

runs ``conforms(spec_from_seed(seed))`` (every backend against the reference, z3
included: what ``pytest -m long -k ten_thousand`` runs) for seeds ``START + OFFSET``,
``+ STEP`` ... below ``STOP``, and appends ``SEED ok SECONDS`` or ``SEED FAIL why`` to
OUT, flushed after each spec (two processes with STEP 2 and OFFSETs 0 and 1 share two
cores; a stopped run goes on from its last line).  ``--summary OUT...`` counts the
lines of one or more such files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def run(start: int, stop: int, step: int, offset: int, out: Path) -> None:
    import specgen
    from conformance import conforms

    with out.open("a") as f:
        for seed in range(start + offset, stop, step):
            began = time.time()
            try:
                conforms(specgen.spec_from_seed(seed))
                f.write(f"{seed} ok {time.time() - began:.2f}\n")
            except Exception as exc:  # noqa: BLE001 - a disagreement or a crash: recorded
                f.write(f"{seed} FAIL {type(exc).__name__}: {str(exc)[:300]!r}\n")
            f.flush()


def summary(paths: list[Path]) -> str:
    seeds, failed = set(), []
    for path in paths:
        for line in path.read_text().splitlines():
            seed, verdict, *_ = line.split()
            seeds.add(int(seed))
            if verdict != "ok":
                failed.append(line)
    return (f"{len(seeds)} specs (seeds {min(seeds)}..{max(seeds)}), "
            f"{len(failed)} disagreements" + "".join(f"\n  {x}" for x in failed))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--summary":
        print(summary([Path(a) for a in args[1:]]))
    elif len(args) == 5:
        run(*map(int, args[:4]), Path(args[4]))
    elif len(args) == 3:
        run(int(args[0]), int(args[1]), 1, 0, Path(args[2]))
    else:
        sys.exit(__doc__)
