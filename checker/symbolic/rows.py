"""Which properties the rows decide alone: a safety property no state breaks, reachable
or not.

Such a property holds because the rows it watches say so (their guards and effects
imply it) and on no fact about which states a run reaches: it is a check that the rows
state the sentence, and it fails only when a row is edited.  That is worth having (it
is what kills a careless edit's mutant), but it is weaker than a property reachability
decides, and the property table says which is which.

>>> import hapair
>>> spec = hapair.load("vrrp")
>>> decided = decided_by_the_rows(spec)
>>> decided["EffectsInDomain"], sum(decided.values()), len(decided)
(True, 19, 20)
"""

from __future__ import annotations

from hapair.checker.symbolic.relation import Encoding
from hapair.spec.schema import Spec


def decided_by_the_rows(spec: Spec, timeout_ms: int = 20_000) -> dict[str, bool]:
    """Each ``always`` / ``action`` / ``enabled`` property expected to hold (any kind of
    the invariant or step form): True when no state of the variables' domains (nor any
    watched step from one) breaks it, False when one does or z3 cannot tell."""
    import z3

    enc = Encoding(spec, (), None, bits=False)
    pre, post, sel = enc.state("a"), enc.state("b"), enc.selector("s")
    out = {}
    for name, prop in spec.properties.items():
        if prop.expect != "holds" or prop.form not in ("invariant", "step"):
            continue
        solver = z3.Solver()
        solver.set("timeout", timeout_ms)
        solver.add(enc.domain(pre))
        if prop.form == "step":
            solver.add(enc.domain(post), enc.step(pre, sel, post),
                       enc.bad_step(prop, pre, sel, post))
        else:
            solver.add(enc.bad_state(prop, pre))
        out[name] = solver.check() == z3.unsat
    return out
