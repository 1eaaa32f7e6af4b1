"""Safety in z3: BMC ("holds to depth N", or the shortest violation), proofs
(k-induction over simple paths, then Spacer), and the witness search of ``reachable``,
``enabled`` and ``scenario`` properties."""

from __future__ import annotations

import logging
import time

from hapair.checker.arrays import distinct_rows
from hapair.checker.results import PropertyResult, Trace
from hapair.checker.symbolic.certificate import _SetFormula
from hapair.checker.symbolic.relation import (
    Encoding,
    Translator,
    Undecided,
    Unrolling,
    _result,
    _setup,
    conjunction,
    disjunction,
    is_state_property,
)
from hapair.checker.symbolic.spacer import _ask, _fixedpoint, _spacer
from hapair.spec import HapairError, Property, Spec

log = logging.getLogger(__name__)

SPACER_BMC_LIMIT = 200  # steps BMC may take to replay a violation Spacer found


def _safety(prop: Property) -> None:
    if prop.form not in ("invariant", "step"):
        raise HapairError(f"property '{prop.name}' is {prop.kind} (form {prop.form}): prove "
                          "and bmc check the invariant and step forms; lasso_bmc searches "
                          "the response form, witness the witness form")


def bmc(spec: Spec, prop: Property, depth: int, *, assume=None, keep=None,
        bits: bool = True) -> PropertyResult:
    """Bounded model checking of a safety property, depth 0, 1, ..., ``depth``.

    ``assume`` defaults to the property's own assumptions and ``keep`` to its cone of
    influence; ``bits`` encodes states as small bit-vectors (else z3 Ints).  The first
    depth with a violation gives the shortest counterexample.

    >>> import hapair
    >>> sp = hapair.load()
    >>> r = bmc(sp, sp.properties["DualActiveOnPartition"], 10)
    >>> r.verdict, len(r.trace)
    ('violated', 5)
    """
    _safety(prop)
    start = time.perf_counter()
    enc = _setup(spec, prop, assume, keep, bits)
    path = Unrolling(enc, prop, "b", initial=True)
    try:
        found = _search(path, depth)
    except Undecided as why:
        return _result(prop, enc, "unknown", start, depth=len(path.states) - 2,
                       note=f"BMC: z3 gave up ({why})")
    if found is not None:
        return _result(prop, enc, "violated", start, trace=found, depth=len(found),
                       note=f"BMC: shortest counterexample, {len(found)} steps")
    return _result(prop, enc, "holds to depth", start, depth=depth,
                   note=f"BMC: no violation in {depth} steps")


def _search(path: Unrolling, depth: int) -> Trace | None:
    """Extend ``path`` to ``depth``, checking each new position; the first violation."""
    z3 = path.enc.z3
    for k in range(len(path.states) - 1, depth + 1):
        while len(path.states) <= k:
            path.extend()
        model = path.check(k)
        if model is not None:
            return path.trace(model, k)
        path.solver.add(z3.Not(path.bad(k)))
    return None


def prove(spec: Spec, prop: Property, *, assume=None, keep=None, k_max: int = 2,
          spacer: bool = True, bits: bool = True) -> PropertyResult:
    """An unbounded proof of an 'always' or 'action' property.

    First k-induction over simple paths for k = 0 .. ``k_max`` (its base case is BMC,
    so a violation comes back with its shortest trace); if that is inconclusive and
    ``spacer`` is set, z3's Spacer CHC engine (a violation it finds is then replayed by
    BMC for the shortest trace).  "proved" is only returned for a proof, and the note
    says which; otherwise "holds to depth" (BMC clean to ``k_max``) or "unknown".

    >>> import hapair
    >>> sp = hapair.load()
    >>> r = prove(sp, sp.properties["SwitchoverOnlyToHAStandby"])
    >>> r.verdict, r.note
    ('proved', 'k-induction, k=1 (simple paths)')
    """
    _safety(prop)
    start = time.perf_counter()
    enc = _setup(spec, prop, assume, keep, bits)
    base = Unrolling(enc, prop, "b", initial=True)
    try:
        outcome = _induction(enc, prop, base, k_max)
        if outcome is None and spacer:
            outcome = _by_spacer(enc, prop, base, k_max)
    except Undecided as why:
        outcome = ("unknown", None, None, f"z3 gave up ({why})")
    if outcome is None:
        outcome = ("holds to depth", k_max, None,
                   f"k-induction inconclusive to k={k_max}; BMC clean to {k_max}")
    verdict, depth, trace, note = outcome
    return _result(prop, enc, verdict, start, depth=depth, trace=trace, note=note)


def _induction(enc: Encoding, prop: Property, base: Unrolling, k_max: int):
    """k-induction; ``(verdict, depth, trace, note)`` or None when inconclusive."""
    z3 = enc.z3
    step = Unrolling(enc, prop, "i", initial=False)
    for k in range(k_max + 1):
        if k:
            step.extend(distinct=True)
        trace = _search(base, k)
        if trace is not None:
            return "violated", k, trace, f"k-induction base case: counterexample, {k} steps"
        if (k or is_state_property(prop)) and step.check(k) is None:
            return "proved", k, None, f"k-induction, k={k} (simple paths)"
        step.solver.add(z3.Not(step.bad(k)))
    return None


def _by_spacer(enc: Encoding, prop: Property, base: Unrolling, k_max: int):
    verdict = _spacer(enc, prop)
    if verdict == "proved":
        return "proved", None, None, f"Spacer (CHC); k-induction inconclusive to k={k_max}"
    if verdict == "violated":
        trace = _search(base, SPACER_BMC_LIMIT)
        if trace is not None:
            return "violated", len(trace), trace, \
                f"Spacer (CHC) found a violation; BMC: shortest counterexample, " \
                f"{len(trace)} steps"
    log.info("%s: Spacer says %s", prop.name, verdict)
    return None


def witness(spec: Spec, prop: Property, depth: int, *, assume=None, keep=None,
            bits: bool = True, reached: tuple | None = None) -> PropertyResult:
    """A ``reachable`` or ``scenario`` property: BMC for the shortest run that shows it
    ("proved", the run in ``witness``); if there is none of at most ``depth`` steps,
    Spacer decides whether a longer one exists ("proved", no run) or none does
    ("violated").  A scenario's run takes its listed steps in order (each from a state
    meeting its precondition) and internal steps in between, as in the explicit engine.

    ``reached``: the pairs (state, listed steps taken) an explicit search reached, every
    run that follows the steps (``_Reached``).  When z3 proves them an inductive
    invariant of those runs, a hazard (``avoids``) or the scenario's end that none of
    them meets is out of reach: no BMC or Spacer for it.

    >>> import hapair
    >>> sp = hapair.load().with_property({"name": "BothUp", "kind": "reachable",
    ...                                 "expr": "n1_active and n2.state == 'ha_standby'"})
    >>> r = witness(sp, sp.properties["BothUp"], 10)
    >>> r.verdict, len(r.witness)
    ('proved', 5)
    """
    start = time.perf_counter()
    enc = _setup(spec, prop, assume, keep, bits)
    invariant = None if reached is None else _Reached.closed(enc, prop, reached)
    if prop.avoids is not None and not (invariant and invariant.excludes(hazard=True)):
        met = _hazard(enc, prop, depth, start)  # no run that follows the steps meets it?
        if met is not None:
            return met
    if invariant and invariant.excludes(hazard=False):
        return _result(prop, enc, "violated", start, note=f"no run shows it: the "
                       f"{invariant.size} pairs (state, steps taken) reached are an "
                       "inductive invariant of the runs, and none shows it")
    search = _Witness(enc, prop)
    try:
        for k in range(depth + 1):
            found = search.at(k)
            if found is not None:
                return _result(prop, enc, "proved", start, depth=k, witness=found,
                               witnesses=1, note=f"BMC: a shortest witness, {k} steps")
        verdict = search.spacer()
    except Undecided as why:
        return _result(prop, enc, "unknown", start, note=f"z3 gave up ({why})")
    if verdict == "violated":
        return _result(prop, enc, "violated", start, note="Spacer (CHC): no run shows it")
    if verdict == "proved":
        return _result(prop, enc, "proved", start,
                       note=f"Spacer (CHC): only runs longer than {depth} steps show it")
    return _result(prop, enc, "unknown", start, note=f"Spacer says {verdict}")


def _hazard(enc: Encoding, prop: Property, depth: int, start: float) -> PropertyResult | None:
    """A scenario's ``avoids``: the shortest run that follows the steps and meets it (BMC),
    or Spacer's answer beyond ``depth``; None when no run meets it."""
    hazard = _Witness(enc, prop, hazard=True)
    try:
        for k in range(depth + 1):
            found = hazard.at(k)
            if found is not None:
                return _result(prop, enc, "violated", start, depth=k, trace=found,
                               note=f"BMC: a run that follows the steps meets what it "
                                    f"avoids, {k} steps")
        verdict = hazard.spacer()
    except Undecided as why:
        return _result(prop, enc, "unknown", start, note=f"z3 gave up ({why})")
    if verdict == "violated":  # Spacer: no run meets it
        return None
    return _result(prop, enc, "violated" if verdict == "proved" else "unknown", start,
                   note=f"Spacer (CHC) on what it avoids: {verdict}")


class _Reached:
    """The pairs (state, listed steps taken) an explicit search reached, as a z3 set
    ``In(s, ph)`` (a decision diagram) that z3 has proved to hold the initial pair and to
    be closed under every step and phase move (``In(s, ph) /\\ T(s, r, s') /\\
    moves(ph, ph') /\\ not In(s', ph')`` unsat): an inductive invariant of the runs that
    follow a scenario's steps, as ``certify`` is for a slice.  What none of its pairs
    meets, no such run meets."""

    def __init__(self, witness: _Witness, solver, pre: list, ph, size: int):
        self.witness, self.solver, self.pre, self.ph, self.size = witness, solver, pre, ph, size

    @classmethod
    def closed(cls, enc: Encoding, prop: Property, reached: tuple) -> _Reached | None:
        """``reached = (states, phases)`` (full-width states a row) as a proved inductive
        invariant, or None when it is not one (then BMC and Spacer decide)."""
        import numpy as np

        z3, w = enc.z3, _Witness(enc, prop, hazard=True)
        states, phases = reached
        keep = list(enc.keep)
        table = np.asarray(states, dtype=np.int64).reshape(len(phases), -1)
        rows = distinct_rows(np.column_stack([table[:, keep], np.asarray(phases, np.int64)]))
        first = np.array([enc.spec.initial[i] for i in keep] + [0], np.int64)
        if not len(rows) or not (rows == first).all(axis=1).any():
            return None
        sizes = [enc.spec.variables[i].type.size for i in keep] + [len(prop.steps) + 1]
        dd = _SetFormula(enc, list(rows.T), sizes)
        pre, post, sel = enc.state("h"), enc.state("h'"), enc.selector("h")
        ph, nph = z3.Const("h|phase", w.psort), z3.Const("h'|phase", w.psort)
        inside = dd.member(pre, [pre[i] for i in keep] + [ph])
        outside = z3.Not(z3.substitute(inside, *[(pre[i], post[i]) for i in keep], (ph, nph)))
        solver = z3.SolverFor(enc.logic)
        solver.add(inside)
        closure = z3.And(enc.step(pre, sel, post), w.moves(pre, sel, ph, nph), outside)
        if solver.check(closure) != z3.unsat:
            return None
        return cls(w, solver, pre, ph, len(rows))

    def excludes(self, *, hazard: bool) -> bool:
        """No pair meets the scenario's hazard (``avoids``), or its end."""
        w = self.witness
        goal = w.goal(self.pre, self.ph) if hazard else \
            w.z3.And(Translator(self.pre, w.enc.num).formula(w.prop.expr),
                     self.ph == len(w.steps))
        return self.solver.check(goal) == w.z3.unsat


class _Witness:
    """A path with a phase counter: how many of a scenario's listed steps it has taken
    (always 0 for a ``reachable`` property, whose path may take any step)."""

    def __init__(self, enc: Encoding, prop: Property, *, hazard: bool = False):
        z3, rules = enc.z3, enc.spec.rules
        self.enc, self.prop, self.z3, self.hazard = enc, prop, z3, hazard
        self.steps = prop.steps
        self.psort = z3.BitVecSort(max(2, (len(self.steps) + 1).bit_length() + 1))
        self.internal = [i for i in enc.live
                         if enc.spec.triggers[rules[i].transition.trigger].kind == "internal"]
        self.listed = [[i for i in enc.live if rules[i].action == (n, t)]
                       for n, t, _ in self.steps]
        self.path = Unrolling(enc, prop, "w", initial=True)
        self.phases = [self._phase(0)]
        self.path.solver.add(self.phases[0] == 0)

    def _phase(self, k: int):
        return self.z3.Const(f"w|phase{k}", self.psort)

    def _any(self, sel, rules: list):
        return disjunction(self.z3, [sel == i for i in rules])

    def moves(self, pre: list, sel, ph, nph):
        """The phase goes from ``ph`` to ``nph`` as rule ``sel`` fires on ``pre``."""
        z3 = self.z3
        if not self.steps:
            return nph == ph
        tr = Translator(pre, self.enc.num)
        opts = [z3.And(self._any(sel, self.internal), nph == ph)]
        for i, ((_, _, cond), rs) in enumerate(zip(self.steps, self.listed)):
            parts = [ph == i, self._any(sel, rs), nph == i + 1]
            if cond is not None:
                parts.append(tr.formula(cond))
            opts.append(conjunction(z3, parts))
        return disjunction(z3, opts)

    def goal(self, s: list, ph):
        """The end of the scenario; or, for ``hazard``, what it avoids, at any phase."""
        tr = Translator(s, self.enc.num)
        if self.hazard:
            return tr.formula(self.prop.avoids)
        return self.z3.And(tr.formula(self.prop.expr), ph == len(self.steps))

    def at(self, k: int) -> Trace | None:
        path = self.path
        while len(path.states) <= k:
            path.extend()
            self.phases.append(self._phase(len(self.phases)))
            path.solver.add(self.moves(path.states[-2], path.sels[-1], self.phases[-2],
                                       self.phases[-1]))
        model = path.query([self.goal(path.states[k], self.phases[k])])
        return None if model is None else path.trace(model, k)

    def spacer(self) -> str:
        z3, enc = self.z3, self.enc
        pre, post, sel = enc.state("p"), enc.state("q"), enc.selector("p")
        ph, nph = z3.Const("p|#phase", self.psort), z3.Const("q|#phase", self.psort)
        reach = z3.Function("reach", *([enc.sort] * len(enc.keep)), self.psort,
                            z3.BoolSort())
        fp = _fixedpoint(z3)
        fp.register_relation(reach)
        fp.declare_var(*[pre[i] for i in enc.keep], *[post[i] for i in enc.keep], sel,
                       ph, nph)
        fp.rule(reach(*[enc.num(enc.spec.initial[i]) for i in enc.keep],
                      z3.BitVecVal(0, self.psort)))
        fp.rule(reach(*[post[i] for i in enc.keep], nph),
                [reach(*[pre[i] for i in enc.keep], ph), enc.domain(pre),
                 enc.step(pre, sel, post), self.moves(pre, sel, ph, nph)])
        res = _ask(fp, z3.And(reach(*[pre[i] for i in enc.keep], ph), self.goal(pre, ph)))
        return {"unsat": "violated", "sat": "proved"}.get(res, "unknown")


