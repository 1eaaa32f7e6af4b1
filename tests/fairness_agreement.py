"""The figures of declared fairness's agreement (issue 25): for the generated specs of
seeds LO..HI that declare some trigger's ``fairness`` and have a ``leads_to`` property,
each engine alone against the reference, on every ``leads_to``, ``infinitely_often``
and ``eventually_always`` verdict.

    .venv/bin/python tests/fairness_agreement.py 0 1500 explicit
    .venv/bin/python tests/fairness_agreement.py 0 300 z3

Prints each disagreement, then the counts of (engine, reference verdict, engine's
verdict); z3 may say "unknown", and "proved" where the reference says "vacuous".
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import specgen  # noqa: E402
from conformance import MAX_STATES, SPACER_RLIMIT, Subject  # noqa: E402

from hapair.checker import symbolic  # noqa: E402
from hapair.checker.run import check  # noqa: E402


def main(lo: int, hi: int, engines: tuple) -> int:
    symbolic.spacer.SPACER_RLIMIT = SPACER_RLIMIT
    counts: collections.Counter = collections.Counter()
    bad = 0
    for seed in range(lo, hi):
        data = specgen.spec_from_seed(seed)
        if not any("fairness" in t for t in data.get("triggers", {}).values()):
            continue
        names = tuple(p["name"] for p in data.get("properties", [])
                      if p["kind"] in ("leads_to", "infinitely_often", "eventually_always"))
        if not names:
            continue
        subject = Subject(data)
        if len(subject.graph.states) > MAX_STATES:
            continue
        want = subject.ref.verdicts()
        counts["specs"] += 1
        for engine in engines:
            result = check(subject.spec, only=names, engines=(engine,), jobs=1,
                           use_cache=False)
            for r in result.results:
                w = want[r.name]
                ok = r.verdict == w or (engine == "z3" and (
                    r.verdict == "unknown" or (w, r.verdict) == ("vacuous", "proved")))
                counts[engine, w, r.verdict] += 1
                if not ok:
                    bad += 1
                    print(f"seed {seed}: {engine} says {r.verdict} for {r.name}, "
                          f"the reference {w}", flush=True)
    for key, n in sorted(counts.items(), key=str):
        print(key, n)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2]),
                  tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else ("explicit", "z3")))
