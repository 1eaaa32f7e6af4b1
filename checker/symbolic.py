"""The symbolic engine: the spec's guards and effects in z3, for BMC, proofs and a
certificate of the explicit engine.

The translator walks the same typed ``Node`` trees that ``model.compile`` turns into
Python, but on its own, so the two engines share the spec and nothing else.  A state is a
vector of small signed z3 bit-vectors (``bits=False``: z3 Ints), one per variable, each
in ``0..size-1``; variables outside ``keep``
(the cone of influence) are not variables at all but their initial value, exactly as in
``Model(spec, assume, keep)``.  One step is the relation ``T(s, sel, s')``: ``sel`` is the
index of the rule that fired (so traces name their rows), the rule's guard holds and no
earlier row of its action is enabled (first match wins), and ``s'`` is its effects on the
kept variables, every other kept variable unchanged.  A row whose effects are all outside
``keep`` blocks the rows after it but is no step, as in the product.

What the verdicts mean here:

* ``bmc`` -- "holds to depth N": no run of at most N steps from the initial state
  violates the property; "violated": the shortest such run, as a ``Trace``.
* ``prove`` -- "proved": k-induction over simple paths (complete for a finite system:
  it succeeds once k exceeds the longest simple path in the bad region) or, when
  k-induction gives up at ``k_max``, z3's Spacer (CHC) engine, whose "unsat" is an
  inductive invariant.  Both are proofs over every reachable state of the sliced model;
  the slice is sound because the cone contains every variable the property reads.  On
  the VSG spec most action properties are 1-inductive; the state invariants (and
  ``UnsavedConfigSurvivesFailover``) are not k-inductive for small k (the unreachable
  part of the domain has long simple paths into bad states), and Spacer proves each in
  well under a second.
* "unknown": z3 gave up (it never does on the built-in spec).
* ``certify`` -- a z3 proof that a set of explicit states contains the initial state and
  is closed under ``T``, so an explicit search that found it missed no successor.

Action properties are checked on the steps of the model: a row with a watched trigger
whose effects fall outside the slice is no step, and is not checked (as in the explicit
engine).

>>> import hapair
>>> sp = hapair.load()
>>> prove(sp, sp.properties["NoDualActive"]).verdict
'proved'
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from hapair.checker.arrays import distinct_rows, run_starts
from hapair.checker.results import PropertyResult, Trace, TraceStep
from hapair.spec import HapairError, Property, Spec
from hapair.spec.lang import Node

log = logging.getLogger(__name__)

_CMP = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _z3():
    import z3  # lazy: `import hapair` and the runtime never load z3

    return z3


# -- expressions ----------------------------------------------------------------------


class Translator:
    """Typed ``Node`` trees to z3 terms over ``vec`` (state index -> z3 Int term).

    ``formula(node)`` gives a z3 Bool for a condition, ``value(node)`` a z3 Int for any
    node (conditions stored in a bool variable become 0/1).  Results are memoised per
    tree node, and z3 hash-conses equal terms, so macros used many times are shared.
    """

    def __init__(self, vec: list, num=None):
        self.z3 = _z3()
        self.vec = vec
        self.num = num or self.z3.IntVal
        self._f: dict[int, Any] = {}
        self._v: dict[int, Any] = {}
        self._keep: list = []  # keeps memoised nodes alive, so ids stay unique

    def formula(self, node: Node):
        key = id(node)
        if key not in self._f:
            self._keep.append(node)
            self._f[key] = self._formula(node)
        return self._f[key]

    def value(self, node: Node):
        key = id(node)
        if key not in self._v:
            self._keep.append(node)
            self._v[key] = self._value(node)
        return self._v[key]

    def _formula(self, node: Node):
        z3, op, a = self.z3, node.op, node.args
        if op in ("var", "const", "min", "max", "arith"):
            return self.value(node) != 0
        if op == "not":
            return z3.Not(self.formula(a[0]))
        if op in ("and", "or"):
            parts = [self.formula(x) for x in a]
            return conjunction(z3, parts) if op == "and" else disjunction(z3, parts)
        if op == "cmp":
            return self._compare(node)
        if op == "in":
            x = self.value(a[0])
            return z3.Or([x == v for v in node.data]) if node.data else z3.BoolVal(False)
        if op == "ite":
            return z3.If(self.formula(a[0]), self.formula(a[1]), self.formula(a[2]))
        raise ValueError(f"unknown expression node {op!r}")

    def _compare(self, node: Node):
        left, right = node.args
        if node.data in ("==", "!=") and "bool" == left.type.kind == right.type.kind \
                and (left.op not in ("var", "const") or right.op not in ("var", "const")):
            eq = self.formula(left) == self.formula(right)
            return eq if node.data == "==" else self.z3.Not(eq)
        return _CMP[node.data](self.value(left), self.value(right))

    def _value(self, node: Node):
        z3, op, a = self.z3, node.op, node.args
        if op == "var":
            return self.vec[node.data]
        if op == "const":
            return self.num(int(node.data))
        if op == "arith":
            x, y = self.value(a[0]), self.value(a[1])
            return x + y if node.data == "+" else x - y
        if op == "ite":
            return z3.If(self.formula(a[0]), self.value(a[1]), self.value(a[2]))
        if op in ("min", "max"):
            out = self.value(a[0])
            for x in a[1:]:
                y = self.value(x)
                out = z3.If(y < out, y, out) if op == "min" else z3.If(y > out, y, out)
            return out
        return z3.If(self.formula(node), self.num(1), self.num(0))


# -- the transition relation ----------------------------------------------------------


def is_state_property(prop: Property) -> bool:
    """Checked state by state: an invariant, or an ``enabled`` property (an invariant
    over the guards of its triggers)."""
    return prop.kind in ("always", "enabled")


class Encoding:
    """``Model(spec, assume, keep)`` as z3 formulas: states, ``init``, ``step``.

    >>> import hapair
    >>> enc = Encoding(hapair.load(), ("no_partition",))
    >>> len(enc.live) > 0
    True
    """

    def __init__(self, spec: Spec, assume: tuple = (), keep=None, *, bits: bool = True):
        z3 = self.z3 = _z3()
        self.spec = spec
        if bits:  # small signed bit-vectors: every domain and constant, and a +/- step
            width = _largest(spec).bit_length() + 2
            self.sort = z3.BitVecSort(width)
            self.num = lambda v: z3.BitVecVal(v, width)
            self.sel_sort = z3.BitVecSort(len(spec.rules).bit_length() + 1)
            self.logic = "QF_BV"
        else:
            self.sort, self.num = z3.IntSort(), z3.IntVal
            self.sel_sort, self.logic = z3.IntSort(), "QF_LIA"
        from hapair.model.product import Model

        self.width = len(spec.variables)
        self.assume = tuple(assume)
        model = Model(spec, self.assume, keep)
        self.keep = tuple(sorted(model.keep))
        self.groups = model.action_rules
        self.effects = {i: dict(model.effects[i]) for rs in self.groups.values() for i in rs}
        self.live = model.rows
        self.tracked = tuple(spec.variables[i].name for i in self.keep)

    # states

    def state(self, tag: str) -> list:
        """A fresh state vector: z3 Ints for kept variables, constants elsewhere."""
        z3, kept = self.z3, set(self.keep)
        return [z3.Const(f"{tag}|{v.name}", self.sort) if v.index in kept
                else self.num(self.spec.initial[v.index]) for v in self.spec.variables]

    def selector(self, tag: str):
        return self.z3.Const(f"{tag}|#rule", self.sel_sort)

    def domain(self, s: list):
        z3 = self.z3
        size = [v.type.size for v in self.spec.variables]
        zero = self.num(0)
        return conjunction(z3, [t for i in self.keep
                                for t in (s[i] >= zero, s[i] < self.num(size[i]))])

    def init(self, s: list):
        return self.z3.And([s[i] == self.num(self.spec.initial[i]) for i in self.keep])

    def different(self, a: list, b: list):
        return self.z3.Or([a[i] != b[i] for i in self.keep])

    def concrete(self, model, s: list) -> tuple:
        """The full-width state tuple a z3 model gives to ``s``."""
        return tuple(model.eval(x, model_completion=True).as_long() for x in s)

    # one step

    def step(self, pre: list, sel, post: list):
        """``T(pre, sel, post)``: rule ``sel`` fires first in its action on ``pre``.
        Translated once over template states, then instantiated by substitution."""
        if getattr(self, "_template", None) is None:
            tp, ts, tq = self.state("T"), self.selector("T"), self.state("T'")
            self._template = (tp, ts, tq, self._step(tp, ts, tq))
        tp, ts, tq, formula = self._template
        pairs = [(tp[i], pre[i]) for i in self.keep] + [(tq[i], post[i]) for i in self.keep]
        return self.z3.substitute(formula, *pairs, (ts, sel))

    def _step(self, pre: list, sel, post: list):
        z3 = self.z3
        tr = Translator(pre, self.num)
        same = {v: post[v] == pre[v] for v in self.keep}  # the frame, shared by the rows
        cases = []
        for i in self.live:
            new = self.effects[i]
            frame = [post[v] == tr.value(new[v]) if v in new else same[v] for v in self.keep]
            cases.append(conjunction(z3, [sel == i, tr.formula(self.spec.rules[i].fires),
                                          *frame]))
        return z3.Or(cases)

    # properties

    def bad_state(self, prop: Property, s: list):
        return self.z3.Not(Translator(s, self.num).formula(prop.expr))

    def bad_step(self, prop: Property, pre: list, sel, post: list):
        """Rule ``sel`` is watched by ``prop`` and its step breaks ``require``."""
        z3, rules = self.z3, self.spec.rules
        tr = Translator(pre + post, self.num)
        cases = []
        for i in self.live:
            r = rules[i]
            if not self.spec.watches(prop, r.transition.trigger):
                continue
            binds = (r.node - 1,) if r.node else range(len(prop.require))
            ok = z3.And([tr.formula(prop.require[b]) for b in binds])
            cases.append(z3.And(sel == i, z3.Not(ok)))
        return z3.Or(cases) if cases else z3.BoolVal(False)


def conjunction(z3, parts: list):
    """``z3.And(parts)`` of Boolean terms, made by z3's C API in one call (``z3.And``
    checks and coerces every argument in Python first: most of a large formula's cost)."""
    if not parts:
        return z3.BoolVal(True)
    ctx = parts[0].ctx
    args = (z3.Ast * len(parts))(*[p.as_ast() for p in parts])
    return z3.BoolRef(z3.Z3_mk_and(ctx.ref(), len(parts), args), ctx)


def disjunction(z3, parts: list):
    """``z3.Or(parts)`` of Boolean terms (see ``conjunction``)."""
    if not parts:
        return z3.BoolVal(False)
    ctx = parts[0].ctx
    args = (z3.Ast * len(parts))(*[p.as_ast() for p in parts])
    return z3.BoolRef(z3.Z3_mk_or(ctx.ref(), len(parts), args), ctx)


@functools.lru_cache(maxsize=32)
def encoding(spec: Spec, assume: tuple, keep: frozenset | None, bits: bool) -> Encoding:
    """One encoding per slice, shared by every property on it and its certificate."""
    return Encoding(spec, assume, keep, bits=bits)


def _largest(spec: Spec) -> int:
    """The largest magnitude any value of ``spec`` can take: every domain, and every
    number a rule, a domain check or a property can compute (``interval`` of each
    subterm: ``a + b + c`` can exceed each of its parts).  The bit-vectors are wide
    enough for it, so no term wraps."""
    from hapair.spec.lang import interval

    trees = [t for r in spec.rules for t in (r.guard, r.fires, r.domain) if t is not None]
    trees += [e for r in spec.rules for _, e in r.effects]
    for p in spec.properties.values():
        trees += [t for t in (p.expr, p.p, p.q, p.avoids, *p.require) if t is not None]
        trees += [c for *_, c in p.steps if c is not None]
    out = max(v.type.size for v in spec.variables)
    seen: set = set()
    while trees:
        t = trees.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.type.kind == "int" and t.op in ("const", "arith", "ite", "min", "max"):
            lo, hi = interval(t)
            out = max(out, abs(lo), abs(hi))
        trees.extend(t.args)
    return out


class Undecided(HapairError):
    """z3 answered "unknown" (a resource limit, or a theory it gave up on)."""


class Unrolling:
    """A path ``s0 -sel0-> s1 -> ...`` in one incremental solver."""

    def __init__(self, enc: Encoding, prop: Property, tag: str, *, initial: bool):
        self.enc, self.prop, self.tag = enc, prop, tag
        self.solver = enc.z3.SolverFor(enc.logic)
        self.states = [enc.state(f"{tag}0")]
        self.sels: list = []
        self.solver.add(enc.domain(self.states[0]))
        if initial:
            self.solver.add(enc.init(self.states[0]))

    def extend(self, distinct: bool = False) -> None:
        enc, k = self.enc, len(self.states)
        s, sel = enc.state(f"{self.tag}{k}"), enc.selector(f"{self.tag}{k - 1}")
        self.solver.add(enc.domain(s), enc.step(self.states[-1], sel, s))
        if distinct:
            self.solver.add(*[enc.different(t, s) for t in self.states[:-1]])
        self.states.append(s)
        self.sels.append(sel)

    def bad(self, k: int):
        """The property fails at position ``k`` (state k, or the step into it)."""
        enc, p = self.enc, self.prop
        if is_state_property(p):
            return enc.bad_state(p, self.states[k])
        if k == 0:
            return enc.z3.BoolVal(False)
        return enc.bad_step(p, self.states[k - 1], self.sels[k - 1], self.states[k])

    def check(self, k: int):
        """A model of the path up to ``k`` failing at ``k``, or None."""
        model = self.query([self.bad(k)])
        return model

    def query(self, goal: list):
        """A model of the path and ``goal`` (constraints), or None.  The goal is asserted
        under a fresh literal and checked as an assumption, so it binds this query only
        (cheaper than a push and pop around it, which z3 pays for on every call)."""
        z3 = self.enc.z3
        self._queries = getattr(self, "_queries", 0) + 1
        guard = z3.Bool(f"{self.tag}|#goal{self._queries}")
        self.solver.add(z3.Implies(guard, conjunction(z3, goal)))
        res = self.solver.check(guard)
        if res == z3.unknown:
            raise Undecided(self.solver.reason_unknown())
        return self.solver.model() if res == z3.sat else None

    def trace(self, model, k: int) -> Trace:
        enc = self.enc
        states = [enc.concrete(model, s) for s in self.states[:k + 1]]
        steps = []
        for sel in self.sels[:k]:
            i = model.eval(sel, model_completion=True).as_long()
            r = enc.spec.rules[i]
            steps.append(TraceStep(r.node, r.transition.trigger, i))
        return Trace(states, steps, None, enc.tracked)


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


def z3_true(value) -> bool:
    return _z3().is_true(value)


# -- public verbs ---------------------------------------------------------------------


SPACER_BMC_LIMIT = 200  # steps BMC may take to replay a violation Spacer found


def _safety(prop: Property) -> None:
    if prop.kind in ("leads_to", "reachable", "scenario"):
        raise HapairError(f"property '{prop.name}' is {prop.kind}: prove and bmc check "
                          "'always', 'enabled' and 'action' properties; lasso_bmc searches "
                          "leads_to ones, witness reachable and scenario ones")


def _setup(spec: Spec, prop: Property, assume, keep, bits: bool = True) -> Encoding:
    from hapair.model.slicing import cone_of_influence, reads

    if prop.kind not in ("always", "action", "leads_to", "reachable", "enabled", "scenario"):
        raise HapairError(f"property '{prop.name}' is {prop.kind}; the z3 engine checks "
                          "'always', 'action', 'enabled', 'reachable', 'scenario' and "
                          "(bounded) 'leads_to' properties")
    assume = prop.assume if assume is None else tuple(assume)
    if keep is None:
        keep = cone_of_influence(spec, reads(spec, prop), assume)
    return encoding(spec, tuple(assume), None if keep is None else frozenset(keep), bits)


def _result(prop: Property, enc: Encoding, verdict: str, start: float, **kw) -> PropertyResult:
    return PropertyResult(prop.name, prop.kind, prop.meaning, enc.assume,
                          prop.expect, verdict, "z3", seconds=time.perf_counter() - start,
                          **kw)


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


# -- certificate of the explicit engine -----------------------------------------------


class _SetFormula:
    """A set of states as a z3 formula: its multi-valued decision diagram (a trie with
    equal sub-tries merged), each node a z3 Bool shared by all its parents.  The
    variables come in the spec's order or greedily (each next one the variable that
    splits the set into the fewest distinct prefixes), whichever gives fewer nodes: on
    one VSG slice the greedy diagram is a third of the other, and the query as faster.

    The diagram is built bottom up with NumPy, a level at a time: the nodes of a level
    are the distinct prefixes of that length, each a row ``child + 2`` indexed by the
    next variable's value (0: no such child), and equal rows are one node."""

    def __init__(self, enc: Encoding, columns: list, sizes: list | None = None):
        """``columns``: the kept variables of a set of distinct states, a variable at a
        time in ``enc.keep``'s order (or other columns, each in ``0 .. sizes[c] - 1``)."""
        self.enc = enc
        if sizes is None:
            sizes = [enc.spec.variables[i].type.size for i in enc.keep]
        best = None
        for order in (list(range(len(sizes))), _greedy_order(columns, sizes)):
            levels = _diagram_levels(columns, sizes, order)
            count = sum(len(unique) for _, unique in levels)
            if best is None or count < best[2]:
                best = (order, levels, count)
        self.order, self.nodes = best[0], _nodes(best[1])  # id -> (level, ((value, child), ...))
        self.root = len(self.nodes) - 1  # -1, the accepting leaf, for no variable

    def member(self, s: list, columns: list | None = None):
        """``s`` (a state vector) is in the set; or, given ``columns`` (a z3 term a
        column), the row they make."""
        z3 = self.enc.z3
        if columns is None:
            columns = [s[i] for i in self.enc.keep]
        formulas: list = []  # by node id; a child's id is below its parent's
        equals: dict = {}  # (level, value) -> the test of that level's variable
        for level, children in self.nodes:
            x = columns[self.order[level]]
            num = self.enc.num if x.sort() == self.enc.sort else \
                (lambda v, x=x: z3.BitVecVal(v, x.sort()))
            tests = []
            for v, c in children:
                if (level, v) not in equals:
                    equals[level, v] = x == num(v)
                tests.append(equals[level, v] if c < 0 else
                             conjunction(z3, [equals[level, v], formulas[c]]))
            formulas.append(disjunction(z3, tests))
        return formulas[self.root] if self.nodes else z3.BoolVal(True)


def _nodes(levels: list) -> list:
    """The diagram's nodes from ``_diagram_levels``: a row ``child + 2`` by value (0: no
    such child) becomes ``(level, ((value, child), ...))``."""
    nodes: list = []
    for level, unique in levels:
        for row in unique.tolist():
            nodes.append((level, tuple((v, c - 2) for v, c in enumerate(row) if c)))
    return nodes


def _diagram_levels(columns: list, sizes: list, order: list | None = None) -> list:
    """The nodes of the reduced trie of the distinct rows ``columns`` make (children before
    parents; child -1: the accepting leaf) as arrays, a level at a time from the last
    variable: ``[(level, rows), ...]``, each row a node (its child ids + 2 by value), ids
    counted through the levels in this order.  Their number is the diagram's size, known
    before any node is made a Python object.  ``order``: the columns (each in
    ``0 .. sizes[c] - 1``) taken as the variables, in that order (default: all).

    Each row is read as one number in mixed radix, the first variable most significant,
    so that a prefix of a row is the number divided by the weight of the columns after
    it: one sort, then each level works on the distinct prefixes of the level below."""
    import numpy as np

    order = list(range(len(columns))) if order is None else list(order)
    sizes, m = [sizes[c] for c in order], len(order)
    if m == 0:
        return []
    if float(np.prod([float(s) for s in sizes])) >= 2.0 ** 62:  # too wide for an int64
        return _diagram_levels_wide(np.column_stack([columns[c] for c in order]), sizes)
    prefixes = np.zeros(len(columns[0]), np.int64)
    for level, c in enumerate(order):
        prefixes *= sizes[level]
        prefixes += columns[c]
    prefixes.sort()
    prefixes = prefixes[run_starts(prefixes)]  # the distinct rows, then shorter prefixes
    child = np.full(len(prefixes), -1, np.int64)  # per prefix: its node (-1: accept)
    levels: list = []
    base = 0
    for level in range(m - 1, -1, -1):
        parent, value = np.divmod(prefixes, sizes[level])
        first = run_starts(parent)
        group = np.cumsum(first) - 1
        grid = np.zeros((group[-1] + 1, sizes[level]), np.int64)
        grid[group, value] = child + 2
        unique, inverse = distinct_rows(grid, inverse=True)
        levels.append((level, unique))
        prefixes, child = parent[first], base + inverse.reshape(-1)
        base += len(unique)
    return levels


def _diagram_levels_wide(table, sizes: list) -> list:
    """``_diagram_levels`` of rows too wide to be one int64: sorted column by column."""
    import numpy as np

    n, m = table.shape
    table = table[np.lexsort(table.T[::-1])] if m > 1 else np.sort(table, axis=0)
    # starts[l]: the rows where a new prefix of length l begins
    change = np.zeros((n, m + 1), bool)
    change[1:, 1:] = table[1:] != table[:-1]
    starts = np.logical_or.accumulate(change, axis=1)
    starts[0, :] = True
    child = np.full(n, -1, np.int64)  # per row: the node of its prefix of length l + 1
    levels: list = []
    base = 0
    for level in range(m - 1, -1, -1):
        group = np.cumsum(starts[:, level]) - 1  # the prefix of length level, per row
        first = np.flatnonzero(starts[:, level + 1])  # one row per longer prefix
        grid = np.zeros((group[-1] + 1, sizes[level]), np.int64)
        grid[group[first], table[first, level]] = child[first] + 2
        unique, inverse = distinct_rows(grid, inverse=True)
        levels.append((level, unique))
        child = base + inverse.reshape(-1)[group]
        base += len(unique)
    return levels


def _greedy_order(columns: list, sizes: list) -> list[int]:
    """Column positions, the fewest distinct prefixes first (ties: the spec's order).
    A prefix is numbered by its rank among the distinct prefixes (so the numbers stay
    below the number of rows), and one more column's distinct values are counted by
    marking ``code * size + value`` in a table of booleans."""
    import numpy as np

    n = len(columns[0]) if columns else 0
    if not n or not sizes:
        return list(range(len(sizes)))
    code, count = np.zeros(n, np.int64), 1
    order, rest = [], list(range(len(sizes)))

    def marks(c: int):
        seen = np.zeros(count * sizes[c], bool)
        seen[code * sizes[c] + columns[c]] = True
        return seen

    while rest and count < n:
        best = min(rest, key=lambda c: (int(np.count_nonzero(marks(c))), c))
        seen = marks(best)
        rank = np.cumsum(seen) - 1
        code, count = rank[code * sizes[best] + columns[best]], int(rank[-1]) + 1
        order.append(best)
        rest.remove(best)
    return order + rest  # every prefix distinct: each column ties, in the spec's order


def certify(spec: Spec, states, *, assume=(), keep=None, bits: bool = True,
            per_rule: bool = False, props: tuple = ()) -> tuple[bool, str]:
    """Prove with z3 that ``states`` (full-width tuples) hold the initial state and are
    closed under every rule of ``Model(spec, assume, keep)``.

    The set becomes a decision diagram over the kept variables, one formula ``In(s)``,
    built once; the query ``In(s) /\\ T(s, r, s') /\\ not In(s')`` must be unsat (one
    query for all rules, or one per rule with ``per_rule``).  A model of it is a missed
    successor, and the message names the state and the rule.  Returns ``(ok, message)``.

    >>> import hapair
    >>> certify(hapair.load(), [hapair.load().initial], assume=(), keep=frozenset())
    (True, 'certified: 1 states closed under 0 rules (0 variables)')
    """
    ok, message, _ = certify_and_prove(spec, states, assume=assume, keep=keep, bits=bits,
                                       per_rule=per_rule, props=props)
    return ok, message


def certify_and_prove(spec: Spec, states, *, assume=(), keep=None, bits: bool = True,
                      per_rule: bool = False, props: tuple = ()) -> tuple[bool, str, dict]:
    """``certify``, and then, with the certified set as an inductive invariant (it holds
    initially and is closed under every step, so it contains every reachable state),
    an unbounded proof of each ``always`` / ``action`` property of ``props`` that holds
    on it: ``In(s) /\\ not P(s)``, or ``In(s) /\\ T(s, r, s') /\\ bad step``, unsat.
    Returns ``(ok, message, {name: PropertyResult})``: a property that fails on the set
    is left out, for BMC to find its counterexample."""
    start = time.perf_counter()
    enc = encoding(spec, tuple(assume), None if keep is None else frozenset(keep), bits)
    columns, count, why = _project(enc, states)
    if why:
        return False, why, {}
    z3 = enc.z3
    pre, post, sel = enc.state("c"), enc.state("d"), enc.selector("c")
    dd = _SetFormula(enc, columns)
    solver = z3.SolverFor(enc.logic)
    inside = dd.member(pre)  # built once, then renamed for the successor
    outside = z3.Not(z3.substitute(inside, *[(pre[i], post[i]) for i in enc.keep]))
    solver.add(inside)
    solver.push()  # the step in a scope of its own: a state with no successor (a
    solver.add(enc.step(pre, sel, post))  # deadlock) must still answer for an invariant
    for group in ([[i] for i in enc.live] if per_rule else [enc.live]):
        res = solver.check(outside, z3.Or([sel == i for i in group]))
        if res != z3.unsat:
            return False, _missed(enc, solver, res, pre, sel, post), {}
    message = (f"certified: {count} states closed under {len(enc.live)} rules "
               f"({len(enc.keep)} variables)")
    proved = {}
    note = f"inductive invariant: the certified reachable set ({count} states) holds it"
    for prop in props:  # the steps' properties, with the step
        t = time.perf_counter()
        if prop.kind == "action" and \
                solver.check(enc.bad_step(prop, pre, sel, post)) == z3.unsat:
            proved[prop.name] = _result(prop, enc, "proved", t, note=note)
    solver.pop()
    for prop in props:  # the states' properties, on every state of the set
        t = time.perf_counter()
        if is_state_property(prop) and solver.check(enc.bad_state(prop, pre)) == z3.unsat:
            proved[prop.name] = _result(prop, enc, "proved", t, note=note)
    log.debug("certified and proved %d properties in %.2fs", len(proved),
              time.perf_counter() - start)
    return True, message, proved


def _project(enc: Encoding, states) -> tuple:
    """The states on the kept variables, distinct, a variable at a time in ``enc.keep``'s
    order: ``(columns, number of states, "")``, or ``([], 0, why)`` when they cannot be.
    ``states``: full-width state tuples, an array with a state a row, or the
    ``StateGraph`` of a slice that tracks no variable outside ``enc.keep`` (its states
    hold every other variable at its initial value, and differ on the kept ones)."""
    import numpy as np

    spec = enc.spec
    initial = np.asarray(spec.initial, dtype=np.int64)
    if hasattr(states, "column") and set(states.model.keep) <= set(enc.keep):
        columns, count = [states.column(i) for i in enc.keep], len(states)
    else:
        if hasattr(states, "column"):
            states = states.table
        if not isinstance(states, np.ndarray):
            states = list(states)
        table = np.asarray(states, dtype=np.int64).reshape(-1, len(spec.variables))
        outside = [v.index for v in spec.variables if v.index not in enc.keep]
        off_rows = np.flatnonzero((table[:, outside] != initial[outside]).any(axis=1))
        if len(off_rows):
            full = tuple(int(v) for v in table[off_rows[0]])
            off = next(spec.variables[i].name for i in outside if full[i] != spec.initial[i])
            return [], 0, f"state {spec.decode(full)} sets {off}, outside the slice"
        rows = distinct_rows(table[:, list(enc.keep)])
        columns, count = [rows[:, c] for c in range(len(enc.keep))], len(rows)
    at_start = np.ones(count, bool)
    for i, column in zip(enc.keep, columns):
        at_start &= column == initial[i]
    if not at_start.any():
        return [], 0, "the initial state is missing from the set"
    return columns, count, ""


def _missed(enc: Encoding, solver, res, pre: list, sel, post: list) -> str:
    if res != enc.z3.sat:
        return f"z3 could not decide closure ({solver.reason_unknown()[:200]})"
    m = solver.model()
    i = m.eval(sel, model_completion=True).as_long()
    r = enc.spec.rules[i]
    where = f"module {r.node}" if r.node else "the link"

    def show(s: list) -> str:
        values = enc.spec.decode(enc.concrete(m, s))
        return "{" + ", ".join(f"{k}={values[k]}" for k in enc.tracked) + "}"

    return (f"missed successor: rule {i} ({r.transition.label}, on {where}) leads from "
            f"{show(pre)} to {show(post)}, which is not in the set")




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
