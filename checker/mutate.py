"""Mutation testing: derive broken variants of any spec, row by row, and see whether the
checker catches them.

``mutants(data)`` reads a declared spec (the plain data ``Spec.load`` takes) and returns
every mutant a careless edit could make, in a fixed order, each with a stable id
``<machine>/<trigger>#<k>:<edit>`` (``k`` counts the rows of that trigger in that
machine), ``macro/<name>:<edit>`` or ``initial/<variable>=<value>``:

* a row's destination changed to every other state (or ``=``);
* its source states widened by one state or narrowed by one;
* its conditions dropped, negated, or edited inside: each operand of an ``and`` / ``or``
  dropped or negated, a ``not`` removed, a comparison flipped (``==``/``!=``,
  ``in``/``not in``), a compared constant replaced by another value of its domain, a
  member of an ``in`` tuple removed or another value added, ``True``/``False`` flipped;
* each effect dropped, set to every other value of its variable's domain, negated (a
  condition), or edited inside as a condition is;
* the row deleted (the loader may then reject the spec: a kill by the loader);
* two neighbouring rows of one trigger swapped (the first enabled row wins);
* each macro negated and edited inside as a condition;
* each initial value changed to every other value of its domain.

``Checker.classify`` runs one mutant: "rejected" (the loader refused it), "killed" (a property
does not get its expected verdict, or a slice deadlocks, exactly when ``hapair check``
with the explicit engine would exit 1; ``by`` names the first such property or check),
or "survived".  ``equivalent`` decides whether a survivor is behaviourally the same: the
same successor for every reachable state of the unmutated full product and every action
(hence the same reachable states, and the same product), where a step that changes
nothing (a self-loop: a command accepted that does nothing) counts as no step.

Limits: trigger kinds (hence fairness), assumptions, bounds and properties are not
mutated; "equivalent" is equality of the product up to self-loops, not up to a quotient
of unobservable values (a mutant that differs only there, such as the role a VSG holds
before it first boots, is listed by hand with the guide's line).

>>> from hapair.specs import vsg
>>> ms = mutants(vsg.SPEC)
>>> ms[0].id
'redundancy/power_on#0:dest=off'
>>> len({m.id for m in ms}) == len(ms)
True
"""

from __future__ import annotations

import ast
import copy
import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from hapair.spec import Spec, SpecError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mutant:
    id: str
    edit: Callable[[dict], None] = field(repr=False, compare=False)

    def build(self, data: dict) -> dict:
        """A mutated deep copy of ``data`` (``data`` itself is never touched)."""
        out = copy.deepcopy(data)
        self.edit(out)
        return out


# -- domains ----------------------------------------------------------------------------


class Domains:
    """The literal values each declared variable can take, as expression text."""

    def __init__(self, data: dict):
        self.values: dict[str, list[str]] = {}
        self.scope: dict[str, str] = {}
        bounds = data.get("bounds", {})
        for m in data.get("machines", []):
            self.values[m["variable"]] = [repr(s) for s in m["states"]]
            self.scope[m["variable"]] = m.get("scope", "node")
        for scope, decls in data.get("variables", {}).items():
            for local, decl in decls.items():
                self.values[local] = _literals(decl, bounds)
                self.scope[local] = scope

    def of(self, name: str) -> list[str]:
        """Values of a variable named as in an expression (``self.x``, ``n1.x``, ``x``)."""
        parts = name.split(".")
        while parts and parts[0] in ("self", "peer", "n1", "n2", "pre", "post"):
            parts = parts[1:]
        return self.values.get(".".join(parts), [])

    def enum_holding(self, literal: str) -> list[str]:
        for values in self.values.values():
            if literal in values and len(values) > 2:
                return values
        return []


def _literals(decl, bounds: dict) -> list[str]:
    if decl == "bool":
        return ["True", "False"]
    if isinstance(decl, list):
        return [repr(v) for v in decl]
    if isinstance(decl, str) and decl.startswith("0.."):
        hi = decl[3:]
        top = int(hi) if hi.isdigit() else bounds.get(hi, 0)
        return [str(i) for i in range(top + 1)]
    return []


# -- edits of one expression -----------------------------------------------------------


def _preorder(node: ast.AST):
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _preorder(child)


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


_FLIP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
         ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt}


def expression_edits(text: str, domains: Domains) -> list[tuple[str, str]]:
    """Every one-place edit of an expression: ``[(tag, new text), ...]``, in order."""
    try:
        tree = ast.parse(str(text).strip(), mode="eval")
    except SyntaxError:
        return []
    out: list[tuple[str, str]] = []
    for index, node in enumerate(_preorder(tree.body)):
        for tag, replace in _node_edits(node, domains):
            new = copy.deepcopy(tree)
            target = list(_preorder(new.body))[index]
            result = replace(target)
            new_body = result if target is new.body else new.body
            if target is not new.body:
                _swap(new.body, target, result)
            out.append((tag, ast.unparse(new_body)))
    return out


def _swap(root: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in _preorder(root):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[[v is old for v in value].index(True)] = new
                return


def _not(node: ast.AST) -> ast.AST:
    return ast.UnaryOp(ast.Not(), node)


def _node_edits(node: ast.AST, domains: Domains):
    """(tag, function turning the node into its edited copy) for one node."""
    if isinstance(node, ast.BoolOp):
        yield from _boolop_edits(node)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield f"unnot[{_short(node)}]", lambda n: n.operand
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        yield from _compare_edits(node, domains)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield f"flip[{node.value}]", lambda n: ast.Constant(not n.value)
    elif isinstance(node, ast.IfExp):
        yield f"swap[{_short(node)}]", lambda n: ast.IfExp(n.test, n.orelse, n.body)


def _boolop_edits(node: ast.BoolOp):
    for j, operand in enumerate(node.values):
        snippet = _short(operand)

        def drop(n, j=j):
            rest = n.values[:j] + n.values[j + 1:]
            return rest[0] if len(rest) == 1 else ast.BoolOp(n.op, rest)

        def negate(n, j=j):
            return ast.BoolOp(n.op, n.values[:j] + [_not(n.values[j])] + n.values[j + 1:])

        yield f"drop[{snippet}]", drop
        yield f"negate[{snippet}]", negate


def _compare_edits(node: ast.Compare, domains: Domains):
    op = type(node.ops[0])
    if op in _FLIP:
        yield f"flip[{_short(node)}]", \
            lambda n: ast.Compare(n.left, [_FLIP[type(n.ops[0])]()], n.comparators)
    right = node.comparators[0]
    left = ast.unparse(node.left)
    if isinstance(right, ast.Constant) and isinstance(right.value, str):
        values = domains.of(left) or domains.enum_holding(repr(right.value))
        for v in values:
            if v != repr(right.value):
                yield f"value[{_short(node)}->{v}]", \
                    lambda n, v=v: ast.Compare(n.left, n.ops, [ast.parse(v, mode="eval").body])
    elif isinstance(right, ast.Tuple) and all(isinstance(e, ast.Constant) for e in right.elts):
        have = [repr(e.value) for e in right.elts]
        values = domains.of(left) or (domains.enum_holding(have[0]) if have else [])
        for j, v in enumerate(have):
            if len(have) > 1:
                yield f"without[{left} {v}]", lambda n, j=j: ast.Compare(
                    n.left, n.ops, [ast.Tuple(n.comparators[0].elts[:j]
                                              + n.comparators[0].elts[j + 1:], ast.Load())])
        for v in values:
            if v not in have:
                yield f"with[{left} {v}]", lambda n, v=v: ast.Compare(
                    n.left, n.ops, [ast.Tuple(n.comparators[0].elts
                                              + [ast.parse(v, mode="eval").body], ast.Load())])


# -- the generator ---------------------------------------------------------------------


def _states_of(machine: dict, source) -> list:
    if source == "*":
        return list(machine["states"])
    return list(source) if isinstance(source, list) else [source]


class _Generator:
    def __init__(self, data: dict):
        self.data = data
        self.domains = Domains(data)
        self.out: list[Mutant] = []
        self.ids: set[str] = set()

    def add(self, mid: str, edit: Callable[[dict], None]) -> None:
        base, n = mid, 2
        while mid in self.ids:  # two edits that print alike still get their own ids
            mid, n = f"{base}~{n}", n + 1
        self.ids.add(mid)
        self.out.append(Mutant(mid, edit))

    def run(self) -> list[Mutant]:
        for mi, m in enumerate(self.data.get("machines", [])):
            seen: dict[str, int] = {}
            for ri, row in enumerate(m.get("transitions", [])):
                k = seen[row.get("trigger")] = seen.get(row.get("trigger"), -1) + 1
                self.row(mi, ri, f"{m['name']}/{row.get('trigger')}#{k}")
            self.reorders(mi)
        for name, text in self.data.get("macros", {}).items():
            self.macro(name, text)
        self.initial()
        return self.out

    # rows

    def row(self, mi: int, ri: int, rid: str) -> None:
        m = self.data["machines"][mi]
        row = m["transitions"][ri]

        def setter(key, value):
            def edit(d):
                d["machines"][mi]["transitions"][ri][key] = copy.deepcopy(value)
            return edit

        sources = _states_of(m, row.get("source"))
        dest = row.get("dest")
        for s in [*m["states"], "="]:
            same = s == dest or (len(sources) == 1 and {s, dest} == {"=", sources[0]})
            if not same:
                self.add(f"{rid}:dest={s if s != '=' else '(stay)'}", setter("dest", s))
        for s in m["states"]:
            if s not in sources:
                widened = [x for x in m["states"] if x in sources or x == s]
                self.add(f"{rid}:source+{s}", setter("source", widened))
        if len(sources) > 1:
            for s in sources:
                self.add(f"{rid}:source-{s}", setter("source", [x for x in sources if x != s]))
        self.conditions(rid, row.get("conditions"), setter)
        self.effects(mi, ri, rid, row.get("effects") or {})
        self.add(f"{rid}:delete", lambda d: d["machines"][mi]["transitions"].pop(ri))

    def conditions(self, rid: str, text, setter) -> None:
        if text is None or str(text).strip() == "True":
            self.add(f"{rid}:cond=False", setter("conditions", "False"))
            return
        self.add(f"{rid}:cond=True", setter("conditions", "True"))
        self.add(f"{rid}:cond=negate", setter("conditions", f"not ({text})"))
        for tag, new in expression_edits(text, self.domains):
            self.add(f"{rid}:cond.{tag}", setter("conditions", new))

    def effects(self, mi: int, ri: int, rid: str, effects: dict) -> None:
        def put(target, value):
            def edit(d):
                row = d["machines"][mi]["transitions"][ri]
                new = dict(row.get("effects") or {})
                if value is None:
                    new.pop(target)
                else:
                    new[target] = value
                row["effects"] = new
            return edit

        for target, text in effects.items():
            self.add(f"{rid}:effect-{target}", put(target, None))
            values = self.domains.of(target)
            for v in values:
                if v != str(text).strip():
                    self.add(f"{rid}:effect.{target}={v}", put(target, v))
            if values == ["True", "False"] and str(text).strip() not in values:
                self.add(f"{rid}:effect.{target}=negate", put(target, f"not ({text})"))
            for tag, new in expression_edits(text, self.domains):
                if new not in values:
                    self.add(f"{rid}:effect.{target}.{tag}", put(target, new))

    def reorders(self, mi: int) -> None:
        m = self.data["machines"][mi]
        by_trigger: dict[str, list[int]] = {}
        for ri, row in enumerate(m["transitions"]):
            by_trigger.setdefault(row.get("trigger"), []).append(ri)
        for trigger, rows in by_trigger.items():
            for k in range(len(rows) - 1):
                a, b = rows[k], rows[k + 1]

                def edit(d, a=a, b=b):
                    ts = d["machines"][mi]["transitions"]
                    ts[a], ts[b] = ts[b], ts[a]

                self.add(f"{m['name']}/{trigger}#{k}:swap#{k + 1}", edit)

    # macros and initial values

    def macro(self, name: str, text: str) -> None:
        def setter(value):
            def edit(d):
                d["macros"][name] = value
            return edit

        self.add(f"macro/{name}:negate", setter(f"not ({text})"))
        for tag, new in expression_edits(text, self.domains):
            self.add(f"macro/{name}:{tag}", setter(new))

    def initial(self) -> None:
        init = self.data.get("initial", {})
        for m in self.data.get("machines", []):
            for s in m["states"]:
                if s != m["initial"]:
                    self.add(f"initial/{m['variable']}={s}", _initial_machine(m["name"], s))
        for key, value in init.items():
            if isinstance(value, dict):
                for local, v in value.items():
                    self._initial_value(f"{key}.{local}", (key, local), v)
            else:
                self._initial_value(key, (key,), value)

    def _initial_value(self, name: str, path: tuple, value) -> None:
        for lit in self.domains.of(name):
            new = ast.literal_eval(lit)
            if new != value:
                self.add(f"initial/{name}={lit}", _initial_set(path, new))


def _initial_machine(name: str, state: str):
    def edit(d):
        next(m for m in d["machines"] if m["name"] == name)["initial"] = state
    return edit


def _initial_set(path: tuple, value):
    def edit(d):
        target = d["initial"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


def mutants(data: dict) -> list[Mutant]:
    """Every mutant of a declared spec, in a fixed order with unique, stable ids."""
    return _Generator(data).run()


# -- running one mutant ----------------------------------------------------------------


@dataclass
class Outcome:
    id: str
    status: str  # rejected | killed | survived | equivalent | silent
    by: str = ""  # the property or check that killed it ("loader" when rejected)
    note: str = ""
    seconds: float = 0.0


_PASSING: set = set()  # (digest, bounds) of the unmutated specs found to pass here


class Checker:
    """Checks mutants of one spec with the explicit engine, slice by slice (smallest
    first), stopping at the first property that does not get its expected verdict.

    A slice whose generated successor function is the unmutated spec's, with the same
    initial state and the same properties, has the same state graph and the same
    verdicts: it is not explored again (the unmutated spec must pass, which is checked
    once).  This is what makes a run of every mutant affordable.
    """

    def __init__(self, data: dict, bounds: dict | None = None):
        self.data, self.bounds = data, bounds
        self.base = Spec.load(data, bounds)
        self._sources: dict = {}
        known = (self.base.digest, tuple(sorted(self.base.bounds.items())))
        if known in _PASSING:  # checked already in this process
            return
        bad = self.failures(self.base, first=True)
        if bad:
            raise SpecError(f"the unmutated spec fails ({bad[0]}): mutation testing needs a "
                            "spec that passes")
        _PASSING.add(known)

    @staticmethod
    def _rows(spec: Spec, sl) -> dict:
        """What ``Model(spec, sl.assume, sl.keep)`` is made of: per action, its rows'
        guards and kept effects in order (an action that writes nothing kept is not in
        the model).  Equal rows make the same generated successor function."""
        excluded = spec.without(sl.assume)
        rows: dict = {}
        for r in spec.rules:
            if r.transition.trigger not in excluded:
                kept = tuple((i, e) for i, e in r.effects if i in sl.keep)
                rows.setdefault(r.action, []).append((r.guard, kept))
        return {a: rs for a, rs in rows.items() if any(k for _, k in rs)}

    def _unchanged(self, spec: Spec, sl, props: list) -> bool:
        if spec is self.base or spec.initial != self.base.initial or \
                spec.macros != self.base.macros or \
                any(self.base.properties.get(p.name) != p for p in props):
            return False
        key = (sl.assume, sl.keep)
        if key not in self._sources:
            self._sources[key] = self._rows(self.base, sl)
        return self._sources[key] == self._rows(spec, sl)

    def failures(self, spec: Spec, *, first: bool = True) -> list[str]:
        """What would make ``hapair check --engine explicit`` fail on ``spec``: property
        names, or ``deadlock (assuming ...)``."""
        from hapair.checker import properties as props
        from hapair.checker.run import _explore, explicit_result, slice_of

        groups: dict = {}
        for p in spec.properties.values():
            groups.setdefault(slice_of(spec, p), []).append(p)
        out: list[str] = []
        for sl in sorted(groups, key=lambda s: (len(s.keep), sorted(s.keep), s.assume)):
            if self._unchanged(spec, sl, groups[sl]):
                continue
            g = _explore(spec, sl, None, False)
            if props.deadlocks(g):
                out.append(f"deadlock (assuming {', '.join(sl.assume) or 'nothing'})")
            out += [p.name for p in groups[sl] if not explicit_result(g, p).ok]
            if out and first:
                return out[:1]
        return out

    def classify(self, mutant: Mutant, *, all_killers: bool = False) -> Outcome:
        """"rejected" (by the loader), "killed" (``by`` names the first failing property
        or check, or all of them), or "survived"."""
        start = time.perf_counter()
        try:
            spec = Spec.load(mutant.build(self.data), self.bounds)
        except SpecError as exc:
            return Outcome(mutant.id, "rejected", "loader", str(exc),
                           time.perf_counter() - start)
        killers = self.failures(spec, first=not all_killers)
        return Outcome(mutant.id, "killed" if killers else "survived", ", ".join(killers),
                       "", time.perf_counter() - start)


# -- equivalence -----------------------------------------------------------------------


class Reference:
    """The unmutated spec, to compare mutants against.  A mutant differs from it only in
    the rows of some actions; whether those actions step the same way on every reachable
    state is decided on the cone of influence of everything their rows (both versions)
    read and write: a cone's reachable states are the projection of the full product's,
    and the steps of those actions read and write nothing outside it, so the answer is
    the full product's, without exploring it (the VSG's has about 87 million states)."""

    def __init__(self, spec: Spec, chunk: int = 1 << 15):
        from hapair.model import Model

        self.spec, self.chunk = spec, chunk
        self.model = Model(spec)
        self.actions: dict = {}
        self._slices: dict = {}  # cone -> (model, layout, reachable codes)

    def _slice(self, keep: frozenset) -> tuple:
        from hapair.checker.fast import Layout, explore_fast
        from hapair.model import Model

        if keep not in self._slices:
            model = Model(self.spec, (), keep)
            self._slices[keep] = (model, Layout(model),
                                  explore_fast(model, limit=EQUIVALENCE_LIMIT).codes)
        return self._slices[keep]

    def _step(self, model, only: set, layout):
        """The generated NumPy successor function of ``model`` restricted to the actions
        in ``only``, and the action id of each rule."""
        import numpy as np

        from hapair.checker.fast import compile_step

        fn, _ = compile_step(model.taking(only), layout)
        for r in model.spec.rules:  # one numbering of actions for every spec compared
            self.actions.setdefault(r.action, len(self.actions))
        return fn, np.array([self.actions[r.action] for r in model.spec.rules], np.int64)

    def successors(self, step, codes, lo: int):
        """(state index, action id, successor code) of a chunk, sorted; self-loops left out."""
        import numpy as np

        fn, act = step
        chunk = codes[lo:lo + self.chunk]
        found = fn(chunk, len(chunk))
        if not found:
            return np.zeros((0, 3), np.int64)
        rows = np.concatenate([np.stack([idx.astype(np.int64), np.full(len(idx), act[r]),
                                         np.asarray(new, np.int64)], axis=1)
                               for idx, r, new in found])
        rows = rows[rows[:, 2] != chunk[rows[:, 0]]]  # a step that changes nothing is none
        return rows[np.lexsort((rows[:, 1], rows[:, 0]))]

    def differs(self, other: Spec) -> str:
        """Where ``other`` steps differently from the reference on a reachable state
        ("" when it never does: the same successor function, the same product)."""
        import numpy as np

        from hapair.model import Model

        if [v.type for v in other.variables] != [v.type for v in self.spec.variables]:
            return "the variables differ"
        if other.initial != self.spec.initial:
            return "the initial state differs"
        changed = _changed_actions(self.model, Model(other))
        if not changed:
            return ""
        keep = _cone_of(self.spec, other, changed)
        model, layout, codes = self._slice(keep)
        mine = Model(other, (), keep)
        ref, step = self._step(model, changed, layout), self._step(mine, changed, layout)
        for lo in range(0, len(codes), self.chunk):
            a, b = self.successors(ref, codes, lo), self.successors(step, codes, lo)
            if not np.array_equal(a, b):
                return self._first_difference(layout, codes, lo, a, b)
        return ""

    def _first_difference(self, layout, codes, lo: int, a, b) -> str:
        names = {i: act for act, i in self.actions.items()}
        left = {(int(s), int(x)): int(c) for s, x, c in a}
        right = {(int(s), int(x)): int(c) for s, x, c in b}
        key = min(k for k in set(left) | set(right) if left.get(k) != right.get(k))
        state = self.spec.decode(layout.unpack(int(codes[lo + key[0]])))
        shown = ", ".join(f"{k}={v}" for k, v in state.items())
        node, trigger = names[key[1]]
        return f"{trigger} on {f'n{node}' if node else 'the pair'} from {{{shown}}}"


def _cone_of(spec: Spec, other: Spec, actions: set) -> frozenset:
    """The cone of influence (in ``spec``) of what the rows of ``actions`` read and write
    in either spec."""
    from hapair.model.slicing import cone_of_influence
    from hapair.spec.lang import names

    touched: set = set()
    for sp in (spec, other):
        for action in actions:
            for i in sp.actions.get(action, ()):
                r = sp.rules[i]
                touched |= names(r.fires) | {t for t, _ in r.effects}
                touched |= {v for _, e in r.effects for v in names(e)}
    return cone_of_influence(spec, touched)


def _changed_actions(a, b) -> set:
    """Actions whose rows (guards and effects, in order) differ between two models."""
    def rows(model):
        return {act: [(model.spec.rules[i].guard, model.spec.rules[i].effects) for i in rs]
                for act, rs in model.action_rules.items()}

    ra, rb = rows(a), rows(b)
    return {act for act in set(ra) | set(rb) if ra.get(act) != rb.get(act)}


def equivalent(reference: Reference, data: dict, mutant: Mutant,
               bounds: dict | None = None) -> tuple[bool, str]:
    """Is the mutant the same product as the reference?  (True, "") or (False, where)."""
    try:
        spec = Spec.load(mutant.build(data), bounds)
    except SpecError as exc:
        return False, f"rejected at load: {exc}"
    where = reference.differs(spec)
    return not where, where


# -- a run -----------------------------------------------------------------------------

EQUIVALENT = "equivalent: same successor function on the reachable states"
SILENT = "guide silent: "


@dataclass
class Agreement:
    id: str
    property: str
    explicit: str
    z3: str
    agree: bool


@dataclass
class Report:
    spec: str
    total: int  # mutants generated
    outcomes: list = field(default_factory=list)  # Outcome, in generation order
    stale: list = field(default_factory=list)  # listed equivalents that no longer are
    z3: list = field(default_factory=list)  # Agreement
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def score(self) -> float:
        """Killed (by a property, a check or the loader) among the mutants that are
        neither equivalent nor listed as ones the guide is silent about."""
        judged = len(self.outcomes) - self.count("equivalent") - self.count("silent")
        return (self.count("killed") + self.count("rejected")) / judged if judged else 1.0

    def ok(self, min_score: float) -> bool:
        return self.score >= min_score and not self.stale and all(a.agree for a in self.z3)

    def to_json(self) -> dict:
        return {"schema": "hapair-mutate/1", "spec": self.spec, "generated": self.total,
                "run": len(self.outcomes), "score": round(self.score, 4),
                "counts": {s: self.count(s) for s in STATUSES},
                "stale": self.stale, "seconds": round(self.seconds, 2),
                "z3": [a.__dict__ for a in self.z3],
                "mutants": [{"id": o.id, "status": o.status, "by": o.by, "note": o.note,
                             "seconds": round(o.seconds, 3)} for o in self.outcomes]}


STATUSES = ("killed", "rejected", "equivalent", "silent", "survived", "undecided")
# The most states an equivalence check explores (the cone of the actions a mutant
# changes, in the reference): beyond it a survivor is "undecided", counted as not killed.
EQUIVALENCE_LIMIT = 1_000_000


def load_equivalents(path) -> dict:
    """``{mutant id: reason}`` from a committed equivalents file (JSON), {} if absent."""
    import json
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    mutants_ = doc.get("mutants") if isinstance(doc, dict) else None
    if not isinstance(mutants_, dict) or not all(
            isinstance(v, str) and (v == EQUIVALENT or v.startswith(SILENT))
            for v in mutants_.values()):
        raise SpecError(f"{path}: expected {{\"mutants\": {{id: reason}}}}, each reason "
                        f"'{EQUIVALENT}' or '{SILENT}<the guide's line>'")
    return mutants_


class _Work:
    """One process's tools: the checker and, when a survivor needs it, the reference."""

    def __init__(self, data: dict, bounds: dict | None, listed: dict):
        self.data, self.bounds, self.listed = data, bounds, listed
        self.checker = Checker(data, bounds)
        self._reference: Reference | None = None

    def reference(self) -> Reference:
        if self._reference is None:
            self._reference = Reference(self.checker.base)
        return self._reference

    def judge(self, mutant: Mutant) -> Outcome:
        out = self.checker.classify(mutant)
        if out.status != "survived":
            return out
        start = time.perf_counter()
        try:
            same, where = equivalent(self.reference(), self.data, mutant, self.bounds)
        except MemoryError as exc:  # its cone is beyond the budget: neither way
            out.seconds += time.perf_counter() - start
            out.status, out.note = "undecided", f"undecided: its cone has {exc}"
            return out
        out.seconds += time.perf_counter() - start
        reason = self.listed.get(mutant.id, "")
        if same:
            out.status, out.note = "equivalent", EQUIVALENT
        elif reason.startswith(SILENT):
            out.status, out.note = "silent", reason
        else:
            out.note = f"differs: {where}"
        return out


_WORK: list = []  # the forked workers' _Work (inherited, never pickled)


def _judge(index: int) -> Outcome:
    work, ms = _WORK
    return work.judge(ms[index])


def choose(ms: list, sample: int | None, seed: int) -> list:
    """``sample`` of the mutants, drawn with ``seed``, in generation order (all if None)."""
    import random

    if sample is None or sample >= len(ms):
        return list(ms)
    picked = set(random.Random(seed).sample(range(len(ms)), sample))
    return [m for i, m in enumerate(ms) if i in picked]


def run(data: dict, *, name: str = "spec", bounds: dict | None = None,
        sample: int | None = None, seed: int = 0, jobs: int = 1, listed: dict | None = None,
        progress: Callable[[int, int], None] | None = None) -> Report:
    """Generate the mutants of ``data``, check ``sample`` of them (all by default) in
    ``jobs`` processes, and compare with the ``listed`` equivalents."""
    import multiprocessing as mp

    start = time.perf_counter()
    listed = dict(listed or {})
    every = mutants(data)
    chosen = choose(every, sample, seed)
    work = _Work(data, bounds, listed)
    report = Report(name, len(every))
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        _WORK[:] = [work, chosen]
        try:
            with mp.get_context("fork").Pool(jobs) as pool:
                for k, out in enumerate(pool.imap(_judge, range(len(chosen)))):
                    report.outcomes.append(out)
                    if progress:
                        progress(k + 1, len(chosen))
        finally:
            _WORK.clear()
    else:
        for k, m in enumerate(chosen):
            report.outcomes.append(work.judge(m))
            if progress:
                progress(k + 1, len(chosen))
    report.stale = stale(report, listed, {m.id for m in every}, {m.id for m in chosen})
    report.seconds = time.perf_counter() - start
    return report


def stale(report: Report, listed: dict, generated: set, chosen: set) -> list[str]:
    """Listed mutants that are no longer what the list says (or no longer generated)."""
    status = {o.id: o.status for o in report.outcomes}
    out = []
    for mid, reason in listed.items():
        if mid not in generated:
            out.append(f"{mid}: listed, but no such mutant is generated")
        elif mid in chosen and reason == EQUIVALENT and \
                status[mid] not in ("equivalent", "undecided"):
            out.append(f"{mid}: listed as equivalent, but it is {status[mid]}")
        elif mid in chosen and reason.startswith(SILENT) and status[mid] != "silent":
            out.append(f"{mid}: listed as guide silent, but it is {status[mid]}")
    return out


def agreement(data: dict, report: Report, count: int, *, bounds: dict | None = None,
              seed: int = 0) -> list[Agreement]:
    """z3 on ``count`` of the mutants a property killed: the killing property checked by
    both engines, which agree as ``hapair check`` judges it (z3 finds the violation; or,
    for a leads-to property, its bounded lasso search finds none within its depth while
    the explicit engine's lasso is longer; a vacuous property is the explicit engine's
    finding alone)."""
    import random

    from hapair.checker.run import check

    killed = [o for o in report.outcomes if o.status == "killed" and o.by
              and not o.by.startswith("deadlock")]
    ms = {m.id: m for m in mutants(data)}
    picked = sorted(random.Random(seed).sample(range(len(killed)), min(count, len(killed))))
    out = []
    for i in picked:
        o = killed[i]
        spec = Spec.load(ms[o.id].build(data), bounds)
        res = check(spec, only=(o.by,), jobs=1)
        verdicts = {r.engine: r for r in res.results}
        e, z = verdicts["explicit"], verdicts["z3"]
        out.append(Agreement(o.id, o.by, e.verdict, z.verdict, not res.disagreements))
    return out
