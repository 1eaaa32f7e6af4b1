"""The seeds whose verdicts the seed-8018 fix can change: an action property whose slice
keeps some watched (not excluded) rows and drops others.

    python docs/conformance-long-run/filter8018.py START STOP OUT

appends ``SEED no`` or ``SEED HIT property,...`` to OUT for each seed in START..STOP-1.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

import specgen  # noqa: E402

import hapair  # noqa: E402
from hapair.model.product import Model  # noqa: E402
from hapair.model.slicing import slice_of  # noqa: E402


def hits(sp) -> list[str]:
    out = []
    for p in sp.properties.values():
        if p.kind != "action":
            continue
        sl = slice_of(sp, p)
        excluded = sp.without(sl.assume)
        rows = set(Model(sp, sl.assume, sl.keep).rows)
        watched = [i for i, r in enumerate(sp.rules) if sp.watches(p, r.transition.trigger)
                   and r.transition.trigger not in excluded]
        if any(i in rows for i in watched) and any(i not in rows for i in watched):
            out.append(p.name)
    return out


if __name__ == "__main__":
    lo, hi, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(out, "a") as f:
        for seed in range(lo, hi):
            found = hits(hapair.load(specgen.spec_from_seed(seed)))
            f.write(f"{seed} {'HIT ' + ','.join(found) if found else 'no'}\n")
            f.flush()
