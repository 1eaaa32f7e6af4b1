"""The mutants of a spec: every broken variant a careless edit of its declared data could
make, row by row.

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
from dataclasses import dataclass, field
from typing import Callable


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
