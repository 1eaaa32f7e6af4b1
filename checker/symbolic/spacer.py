"""z3's Spacer (CHC) engine, with one deterministic resource budget for every query
(``SPACER_RLIMIT``): an "unsat" is an inductive invariant, past the budget the answer is
"unknown"."""

from __future__ import annotations

import logging

from hapair.checker.symbolic.relation import Encoding, _z3, is_state_property
from hapair.spec import Property

log = logging.getLogger(__name__)

# z3's resource budget for one Spacer query: deterministic (the same answer on a busy
# machine as on an idle one), about 1.5 times what the VSG's hardest proof needs (about
# a minute of CPU where Spacer finds no invariant at all); past it, "unknown".
SPACER_RLIMIT = 600_000_000


def _fixedpoint(z3, rlimit: int | None = None):
    """A Spacer engine with its resource budget (``SPACER_RLIMIT``, read now)."""
    fp = z3.Fixedpoint()
    fp.set(engine="spacer", rlimit=rlimit or SPACER_RLIMIT)
    return fp


def _ask(fp, goal) -> str:
    """``fp.query(goal)`` as "unsat", "sat" or "unknown" (the budget ran out)."""
    z3 = _z3()
    try:
        res = fp.query(goal)
    except z3.Z3Exception as exc:  # the budget cancels the query
        log.info("Spacer stopped: %s", exc)
        return "unknown"
    return "unsat" if res == z3.unsat else "sat" if res == z3.sat else "unknown"


def _spacer(enc: Encoding, prop: Property) -> str:
    """Spacer on ``init => Reach``, ``Reach /\\ T => Reach'``, query ``Reach /\\ bad``."""
    z3 = enc.z3
    pre, post, sel = enc.state("p"), enc.state("q"), enc.selector("p")
    sorts = [enc.sort] * len(enc.keep)
    reach = z3.Function("reach", *sorts, z3.BoolSort())
    fp = _fixedpoint(z3)
    fp.register_relation(reach)
    fp.declare_var(*[pre[i] for i in enc.keep], *[post[i] for i in enc.keep], sel)

    def at(s: list):
        return reach(*[s[i] for i in enc.keep])

    fp.rule(reach(*[enc.num(enc.spec.initial[i]) for i in enc.keep]))
    fp.rule(at(post), [at(pre), enc.domain(pre), enc.step(pre, sel, post)])
    if is_state_property(prop):
        goal = z3.And(at(pre), enc.bad_state(prop, pre))
    else:
        goal = z3.And(at(pre), enc.step(pre, sel, post), enc.bad_step(prop, pre, sel, post))
    return {"unsat": "proved", "sat": "violated"}.get(_ask(fp, goal), "unknown")


