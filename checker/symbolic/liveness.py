"""``leads_to`` in z3: a short lasso search (a fair cycle reached from the initial state
where ``p`` held and ``q`` never after), then liveness to safety solved by Spacer."""

from __future__ import annotations

import logging
import time

from hapair.checker.results import PropertyResult
from hapair.checker.symbolic.relation import (
    Encoding,
    Translator,
    Undecided,
    Unrolling,
    _result,
    _setup,
    disjunction,
    z3_true,
)
from hapair.checker.symbolic.spacer import _ask, _fixedpoint
from hapair.spec import Property, Spec

log = logging.getLogger(__name__)

class Lasso:
    """A leads-to counterexample of exactly ``k`` steps, as z3 constraints over a path:
    a P-state at ``p``, no Q from there on, and either a loop back from state ``k`` to
    state ``l <= k - 1`` made of internal steps that is weakly fair (each internal action
    is taken in the loop or disabled somewhere in it), or, with ``l = k``, a last state
    where no internal step is enabled (the run stays there).  The environment takes no
    step in the loop: it eventually stops acting, as the explicit engine assumes."""

    def __init__(self, enc: Encoding, prop: Property):
        self.enc, self.prop, z3 = enc, prop, enc.z3
        internal = {a: rs for a, rs in enc.groups.items()
                    if enc.spec.triggers[a[1]].kind == "internal"}
        self.internal = {a: rs for a, rs in internal.items() if any(enc.effects[i] for i in rs)}
        self.internal_rules = [i for rs in self.internal.values() for i in rs
                               if enc.effects[i]]
        self.z3 = z3
        self._enabled: dict = {}

    def enabled(self, s: list, k: int, action) -> object:
        """The action fires a row with a kept effect in state ``s`` (first match)."""
        key = (k, action)
        if key not in self._enabled:
            tr, z3 = Translator(s, self.enc.num), self.z3
            cases = [tr.formula(self.enc.spec.rules[i].fires) for i in self.enc.groups[action]
                     if self.enc.effects[i]]
            self._enabled[key] = z3.Or(cases) if cases else z3.BoolVal(False)
        return self._enabled[key]

    def constraints(self, states: list, sels: list, tag: str) -> tuple[list, list]:
        z3, k = self.z3, len(states) - 1
        loop = [z3.Bool(f"{tag}loop{i}") for i in range(k + 1)]
        start = [z3.Bool(f"{tag}p{i}") for i in range(k + 1)]
        out = [z3.PbEq([(b, 1) for b in loop], 1), z3.Or(start)]
        for j in range(k + 1):
            p, q = self._pq(states, j)
            out.append(z3.Implies(start[j], z3.And(p, z3.Or(loop[j:]))))
            out.append(z3.Implies(z3.Or(start[:j + 1]), z3.Not(q)))
        for lo in range(k):
            out.append(z3.Implies(loop[lo], self._fair_loop(states, sels, lo, k)))
        out.append(z3.Implies(loop[k], z3.And([z3.Not(self.enabled(states[k], k, a))
                                              for a in self.internal] or [z3.BoolVal(True)])))
        return out, loop

    def _pq(self, states: list, i: int) -> tuple:
        if ("pq", i) not in self._enabled:
            tr = Translator(states[i], self.enc.num)
            self._enabled["pq", i] = (tr.formula(self.prop.p), tr.formula(self.prop.q))
        return self._enabled["pq", i]

    def _step(self, states: list, sels: list, i: int) -> tuple:
        """Step ``i`` is internal; and, per internal action, it takes the action or the
        action is disabled before it (the two ways a loop step serves weak fairness)."""
        if ("step", i) not in self._enabled:
            z3 = self.z3
            internal = disjunction(z3, [sels[i] == r for r in self.internal_rules])
            serves = {a: z3.Or(*[sels[i] == r for r in rs],
                               z3.Not(self.enabled(states[i], i, a)))
                      for a, rs in self.internal.items()}
            self._enabled["step", i] = (internal, serves)
        return self._enabled["step", i]

    def _fair_loop(self, states: list, sels: list, lo: int, k: int):
        z3, enc = self.z3, self.enc
        same = z3.And([states[k][i] == states[lo][i] for i in enc.keep] or [z3.BoolVal(True)])
        steps = [self._step(states, sels, i) for i in range(lo, k)]
        fair = [z3.Or([serves[a] for _, serves in steps]) for a in self.internal]
        return z3.And(same, *[internal for internal, _ in steps], *fair)


def lasso_bmc(spec: Spec, prop: Property, depth: int, *, assume=None, keep=None,
              bits: bool = True) -> PropertyResult:
    """Bounded search for a counterexample to a leads-to property: the shortest lasso of
    at most ``depth`` steps (see ``Lasso``), or "holds to depth".  This is a bounded
    check, independent of the explicit engine's SCC analysis, which decides it.

    >>> import hapair
    >>> sp = hapair.load()
    >>> lasso_bmc(sp, sp.properties["DualActiveResolved"], 6).verdict
    'holds to depth'
    """
    start = time.perf_counter()
    enc = _setup(spec, prop, assume, keep, bits)
    path, lasso = Unrolling(enc, prop, "l", initial=True), Lasso(enc, prop)
    for k in range(depth + 1):
        while len(path.states) <= k:
            path.extend()
        constraints, loop = lasso.constraints(path.states, path.sels, f"k{k}")
        try:
            model = path.query(constraints)
        except Undecided as why:
            return _result(prop, enc, "unknown", start, depth=k - 1,
                           note=f"lasso BMC: z3 gave up ({why})")
        if model is not None:
            trace = path.trace(model, k)
            trace.loop = next(i for i, b in enumerate(loop)
                              if z3_true(model.eval(b, model_completion=True)))
            return _result(prop, enc, "violated", start, trace=trace, depth=k,
                           note=f"lasso BMC: a fair lasso of {k} steps")
    return _result(prop, enc, "holds to depth", start, depth=depth,
                   note=f"lasso BMC: no fair lasso within {depth} steps")


def _fair_lasso_spacer(enc: Encoding, prop: Property) -> str:
    """Liveness to safety (Biere, Artho, Schuppan 2002), decided by Spacer: a leads-to
    property fails exactly when some state of ``region`` (reachable, then from a P-state
    through non-Q states) has no internal step, or when a copy of a region state ``s0``
    saved on the way comes back to ``s0`` by internal steps through non-Q states that
    serve every internal action (took it, or passed a state where it is disabled).
    "proved" (no such run: the property holds on every reachable state), "violated", or
    "unknown" (Spacer gave up within its resource budget, ``SPACER_RLIMIT``)."""
    z3, lasso = enc.z3, Lasso(enc, prop)
    keep, actions = list(enc.keep), list(lasso.internal)
    s, t, s0, sel = enc.state("a"), enc.state("b"), enc.state("o"), enc.selector("a")
    f = [z3.Bool(f"f{j}") for j in range(len(actions))]
    moved = z3.Bool("moved")
    sorts = [enc.sort] * len(keep)
    reach = z3.Function("reach", *sorts, z3.BoolSort())
    region = z3.Function("region", *sorts, z3.BoolSort())
    loop = z3.Function("loop", *sorts, *sorts, *[z3.BoolSort()] * (len(f) + 1), z3.BoolSort())
    bad = z3.Function("bad", z3.BoolSort())
    fp = _fixedpoint(z3)
    for rel in (reach, region, loop, bad):
        fp.register_relation(rel)
    fp.declare_var(*[x[i] for x in (s, t, s0) for i in keep], sel, *f, moved)

    def at(rel, x: list):
        return rel(*[x[i] for i in keep])

    def disabled(x: list, j: int):
        return z3.Not(lasso.enabled(x, id(x), actions[j]))

    p, q = (Translator(s, enc.num).formula(e) for e in (prop.p, prop.q))
    q_next = Translator(t, enc.num).formula(prop.q)
    step, internal = enc.step(s, sel, t), disjunction(z3, [sel == r for r in lasso.internal_rules])
    fp.rule(at(reach, [enc.num(enc.spec.initial[i]) for i in range(enc.width)]))
    fp.rule(at(reach, t), [at(reach, s), enc.domain(s), step])
    fp.rule(at(region, s), [at(reach, s), p, z3.Not(q)])
    fp.rule(at(region, t), [at(region, s), step, z3.Not(q_next)])
    fp.rule(bad(), [at(region, s), *[disabled(s, j) for j in range(len(actions))]])
    fp.rule(loop(*[s[i] for i in keep], *[s[i] for i in keep],
                 *[disabled(s, j) for j in range(len(actions))], z3.BoolVal(False)),
            [at(region, s)])
    served = [z3.Or(f[j], *[sel == r for r in lasso.internal[a] if enc.effects[r]],
                    disabled(t, j)) for j, a in enumerate(actions)]
    fp.rule(loop(*[s0[i] for i in keep], *[t[i] for i in keep], *served, z3.BoolVal(True)),
            [loop(*[s0[i] for i in keep], *[s[i] for i in keep], *f, moved), step, internal,
             z3.Not(q_next)])
    fp.rule(bad(), [loop(*[s0[i] for i in keep], *[s[i] for i in keep], *f, moved), moved,
                    *[s[i] == s0[i] for i in keep], *f])
    return {"unsat": "proved", "sat": "violated"}.get(_ask(fp, bad()), "unknown")


def decide_leads_to(spec: Spec, prop: Property, depth: int, *, assume=None, keep=None,
                    trace_depth: int = 30) -> PropertyResult:
    """A leads-to property, decided completely: BMC for a short fair lasso (up to
    ``depth`` steps), then liveness-to-safety with Spacer for a proof; a violation Spacer
    finds is shown by a longer lasso search (up to ``trace_depth``).  The verdict is
    "proved", "violated", or "unknown" when z3 gives up: never "holds to depth"."""
    start = time.perf_counter()
    short = lasso_bmc(spec, prop, depth, assume=assume, keep=keep)
    if short.verdict == "violated":
        return short
    enc = _setup(spec, prop, assume, keep)
    verdict = _fair_lasso_spacer(enc, prop)
    if verdict == "proved":
        return _result(prop, enc, "proved", start, note="liveness to safety: Spacer proved "
                       "that no fair run from a P-state avoids Q")
    if verdict == "violated":
        long = lasso_bmc(spec, prop, trace_depth, assume=assume, keep=keep)
        if long.verdict == "violated":
            return long
        return _result(prop, enc, "violated", start, note="liveness to safety: Spacer found "
                       f"a fair run that avoids Q (its lasso is longer than {trace_depth} "
                       "steps; the explicit engine shows one)")
    return _result(prop, enc, "unknown", start, note="liveness to safety: Spacer gave up; "
                   f"no fair lasso within {depth} steps")
