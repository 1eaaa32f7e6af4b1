"""The spec in z3: expressions (``Translator``), the transition relation ``T(s, sel, s')``
of a slice (``Encoding``, cached by content), and its unrolling into paths
(``Unrolling``).  Every z3 engine (``safety``, ``spacer``, ``certificate``,
``liveness``) reads the spec only through here."""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

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
    """Checked state by state: the invariant form (``always``, and ``enabled``: an
    invariant over the guards of its triggers)."""
    return prop.form == "invariant"


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


def z3_true(value) -> bool:
    return _z3().is_true(value)


def _setup(spec: Spec, prop: Property, assume, keep, bits: bool = True) -> Encoding:
    from hapair.model.slicing import cone_of_influence, reads

    assume = prop.assume if assume is None else tuple(assume)
    if keep is None:
        keep = cone_of_influence(spec, reads(spec, prop), assume)
    return encoding(spec, tuple(assume), None if keep is None else frozenset(keep), bits)


def _result(prop: Property, enc: Encoding, verdict: str, start: float, **kw) -> PropertyResult:
    return PropertyResult(prop.name, prop.kind, prop.meaning, enc.assume,
                          prop.expect, verdict, "z3", seconds=time.perf_counter() - start,
                          **kw)
