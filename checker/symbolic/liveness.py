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
    state ``l <= k - 1`` that is fair by the triggers' declared fairness (no ``finite``
    action in it; each weak action taken in it or disabled somewhere in it; each strong
    action taken in it or disabled all along it), or, with ``l = k``, a last state where
    no weakly or strongly fair action is enabled (the run stays there).  By default
    internal actions are weak and the others finite, so the environment takes no step in
    the loop: it eventually stops acting, as the explicit engine assumes."""

    def __init__(self, enc: Encoding, prop: Property):
        self.enc, self.prop, z3 = enc, prop, enc.z3
        fairness = {a: enc.spec.triggers[a[1]].fairness for a in enc.groups}
        live = {a: [i for i in rs if enc.effects[i]] for a, rs in enc.groups.items()}
        self.weak = {a: rs for a, rs in live.items() if rs and fairness[a] == "weak"}
        self.strong = {a: rs for a, rs in live.items() if rs and fairness[a] == "strong"}
        self.loop_rules = [i for a, rs in live.items() if fairness[a] != "finite" for i in rs]
        self.z3 = z3
        self._enabled: dict = {}

    @property
    def demanding(self) -> dict:
        """The weakly and strongly fair actions (a run may not stop where one is enabled)."""
        return {**self.weak, **self.strong}

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
                                              for a in self.demanding]
                                             or [z3.BoolVal(True)])))
        return out, loop

    def _pq(self, states: list, i: int) -> tuple:
        if ("pq", i) not in self._enabled:
            tr = Translator(states[i], self.enc.num)
            self._enabled["pq", i] = (tr.formula(self.prop.p), tr.formula(self.prop.q))
        return self._enabled["pq", i]

    def _step(self, states: list, sels: list, i: int) -> tuple:
        """Step ``i`` may be in a loop (no finite action); per fair action, whether it
        takes the action, and whether the action is enabled before it."""
        if ("step", i) not in self._enabled:
            z3 = self.z3
            movable = disjunction(z3, [sels[i] == r for r in self.loop_rules])
            takes = {a: z3.Or(*[sels[i] == r for r in rs])
                     for a, rs in self.demanding.items()}
            on = {a: self.enabled(states[i], i, a) for a in self.demanding}
            self._enabled["step", i] = (movable, takes, on)
        return self._enabled["step", i]

    def _fair_loop(self, states: list, sels: list, lo: int, k: int):
        z3, enc = self.z3, self.enc
        same = z3.And([states[k][i] == states[lo][i] for i in enc.keep] or [z3.BoolVal(True)])
        steps = [self._step(states, sels, i) for i in range(lo, k)]
        weak = [z3.Or([z3.Or(takes[a], z3.Not(on[a])) for _, takes, on in steps])
                for a in self.weak]
        strong = [z3.Or(z3.Or([takes[a] for _, takes, _ in steps]),
                        z3.And([z3.Not(on[a]) for _, _, on in steps]))
                  for a in self.strong]
        return z3.And(same, *[movable for movable, _, _ in steps], *weak, *strong)


class PersistenceLasso(Lasso):
    """A counterexample to ``<>[] Q`` of exactly ``k`` steps: a loop back to state
    ``l <= k - 1``, fair as for ``Lasso``, that passes a state breaking Q; or, with
    ``l = k``, a last state that breaks Q where no weakly or strongly fair action is
    enabled (the run stays there)."""

    def constraints(self, states: list, sels: list, tag: str) -> tuple[list, list]:
        z3, k = self.z3, len(states) - 1
        loop = [z3.Bool(f"{tag}loop{i}") for i in range(k + 1)]
        breaks = [z3.Not(self._q(states, j)) for j in range(k + 1)]
        out = [z3.PbEq([(b, 1) for b in loop], 1)]
        for lo in range(k):
            out.append(z3.Implies(loop[lo], z3.And(self._fair_loop(states, sels, lo, k),
                                                   z3.Or(breaks[lo:k]))))
        out.append(z3.Implies(loop[k], z3.And(breaks[k], *[
            z3.Not(self.enabled(states[k], k, a)) for a in self.demanding])))
        return out, loop

    def _q(self, states: list, i: int):
        if ("q", i) not in self._enabled:
            self._enabled["q", i] = Translator(states[i], self.enc.num).formula(self.prop.q)
        return self._enabled["q", i]


def _lasso_of(enc: Encoding, prop: Property) -> Lasso:
    return (PersistenceLasso if prop.form == "persistence" else Lasso)(enc, prop)


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
    path, lasso = Unrolling(enc, prop, "l", initial=True), _lasso_of(enc, prop)
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
    through non-Q states) enables no weakly or strongly fair action, or when a copy of a
    region state ``s0`` saved on the way comes back to ``s0`` through non-Q states by
    steps of no ``finite`` action, having served each weak action (took it, or passed a
    state where it is disabled) and each strong one (took it, or never passed a state
    where it is enabled).  "proved" (no such run: the property holds on every reachable
    state), "violated", or "unknown" (Spacer gave up within its resource budget,
    ``SPACER_RLIMIT``)."""
    z3, lasso = enc.z3, Lasso(enc, prop)
    keep, weak, strong = list(enc.keep), list(lasso.weak), list(lasso.strong)
    persistence = prop.form == "persistence"  # <>[] Q: the loop must pass a non-Q state
    s, t, s0, sel = enc.state("a"), enc.state("b"), enc.state("o"), enc.selector("a")
    f = [z3.Bool(f"f{j}") for j in range(len(weak))]  # served
    g = [z3.Bool(f"g{j}") for j in range(len(strong))]  # taken
    h = [z3.Bool(f"h{j}") for j in range(len(strong))]  # enabled somewhere
    seen = [z3.Bool("seen")] if persistence else []  # passed a non-Q state
    flags = f + g + h + seen
    moved = z3.Bool("moved")
    sorts = [enc.sort] * len(keep)
    reach = z3.Function("reach", *sorts, z3.BoolSort())
    region = z3.Function("region", *sorts, z3.BoolSort())
    loop = z3.Function("loop", *sorts, *sorts, *[z3.BoolSort()] * (len(flags) + 1),
                       z3.BoolSort())
    bad = z3.Function("bad", z3.BoolSort())
    fp = _fixedpoint(z3)
    for rel in (reach, region, loop, bad):
        fp.register_relation(rel)
    fp.declare_var(*[x[i] for x in (s, t, s0) for i in keep], sel, *flags, moved)

    def at(rel, x: list):
        return rel(*[x[i] for i in keep])

    def on(x: list, action):
        return lasso.enabled(x, id(x), action)

    def takes(action):
        return z3.Or(*[sel == r for r in lasso.demanding[action]])

    p = z3.BoolVal(True) if persistence else Translator(s, enc.num).formula(prop.p)
    q = Translator(s, enc.num).formula(prop.q)
    q_next = Translator(t, enc.num).formula(prop.q)
    stays = [] if persistence else [z3.Not(q)]  # what every region state satisfies
    stays_next = [] if persistence else [z3.Not(q_next)]
    step = enc.step(s, sel, t)
    movable = disjunction(z3, [sel == r for r in lasso.loop_rules])
    fp.rule(at(reach, [enc.num(enc.spec.initial[i]) for i in range(enc.width)]))
    fp.rule(at(reach, t), [at(reach, s), enc.domain(s), step])
    fp.rule(at(region, s), [at(reach, s), p, *stays])
    fp.rule(at(region, t), [at(region, s), step, *stays_next])
    fp.rule(bad(), [at(region, s), *([z3.Not(q)] if persistence else []),
                    *[z3.Not(on(s, a)) for a in lasso.demanding]])
    fp.rule(loop(*[s[i] for i in keep], *[s[i] for i in keep],
                 *[z3.Not(on(s, a)) for a in weak], *[z3.BoolVal(False)] * len(strong),
                 *[on(s, a) for a in strong], *[z3.Not(q)] * len(seen), z3.BoolVal(False)),
            [at(region, s)])
    served = ([z3.Or(f[j], takes(a), z3.Not(on(t, a))) for j, a in enumerate(weak)]
              + [z3.Or(g[j], takes(a)) for j, a in enumerate(strong)]
              + [z3.Or(h[j], on(t, a)) for j, a in enumerate(strong)]
              + [z3.Or(x, z3.Not(q_next)) for x in seen])
    fp.rule(loop(*[s0[i] for i in keep], *[t[i] for i in keep], *served, z3.BoolVal(True)),
            [loop(*[s0[i] for i in keep], *[s[i] for i in keep], *flags, moved), step,
             movable, *stays_next])
    fp.rule(bad(), [loop(*[s0[i] for i in keep], *[s[i] for i in keep], *flags, moved), moved,
                    *[s[i] == s0[i] for i in keep], *f, *seen,
                    *[z3.Or(g[j], z3.Not(h[j])) for j in range(len(strong))]])
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
                       "that no fair run " + ("meets a non-Q state again and again"
                                              if prop.form == "persistence"
                                              else "from a P-state avoids Q"))
    if verdict == "violated":
        long = lasso_bmc(spec, prop, trace_depth, assume=assume, keep=keep)
        if long.verdict == "violated":
            return long
        return _result(prop, enc, "violated", start, note="liveness to safety: Spacer found "
                       f"a fair run that avoids Q (its lasso is longer than {trace_depth} "
                       "steps; the explicit engine shows one)")
    return _result(prop, enc, "unknown", start, note="liveness to safety: Spacer gave up; "
                   f"no fair lasso within {depth} steps")
