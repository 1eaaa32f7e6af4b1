"""Seeds whose verdicts the seed-8018 fix can change: an action property whose slice keeps
some watched (non-excluded) rows and drops others."""
import sys, time
sys.path.insert(0, "/tmp/lr2/tests")
import specgen, hapair
from hapair.model.product import Model
from hapair.model.slicing import slice_of
lo, hi, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(out, "a") as f:
    for seed in range(lo, hi):
        try:
            sp = hapair.load(specgen.spec_from_seed(seed))
        except Exception as e:
            f.write(f"{seed} LOADFAIL {e!r:.100}\n"); continue
        hit = []
        for p in sp.properties.values():
            if p.kind != "action":
                continue
            sl = slice_of(sp, p)
            excluded = sp.without(sl.assume)
            m = Model(sp, sl.assume, sl.keep)
            rows = set(m.rows)
            watched = [i for i, r in enumerate(sp.rules)
                       if sp.watches(p, r.transition.trigger) and r.transition.trigger not in excluded]
            if any(i in rows for i in watched) and any(i not in rows for i in watched):
                hit.append(p.name)
        f.write(f"{seed} {'HIT ' + ','.join(hit) if hit else 'no'}\n")
        f.flush()
