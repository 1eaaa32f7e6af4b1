"""The reference semantics of the spec language: the definition every backend is held to.

Written for clarity, not speed.  It reads the spec as declared (the rows, the expression
strings, the properties), evaluates expressions with Python's own ``ast`` on decoded
states (``{"n1.door": "open", "g": 2, ...}``), finds successors by first match over the
declared rows, and decides each property by brute force over the reachable graph.  It
shares nothing with the compiled form but the loader's verdict that the spec is valid;
the conformance suite (``tests/test_conformance.py``) holds the Python successor
function, the packed engine, z3, SPIN's export and the runtime to it, state by state and
verdict by verdict.  ``docs/spec-format.md`` ("Semantics") cites this module.

Decisions the docs' tables leave open, made here once:

* An action is a trigger on a node (a node trigger) or a global trigger.  Its rows are
  tried in declaration order: machines in order, rows in order, a source list in order;
  the first row whose source matches its machine's state, whose ``conditions`` all hold
  and none of whose ``unless`` holds is the row that fires.  A trigger is used by node
  machines or by global machines, never both (the loader refuses it).
* A row that is first but would assign a value outside its target's domain takes no
  step, and no later row of the action fires in its place; the built-in invariant
  ``EffectsInDomain`` is violated in that state.
* Every effect reads the state before the step; ``dest: "="`` keeps the state.
* A global row has no ``self``: it may name nodes only as ``n1.x`` ... or by quantifying
  over ``nodes``.
* A deadlock is a reachable state (under the assumptions checked) where no action fires.
* Each property kind's meaning is its ``reference`` method, beside its compiled form in
  ``hapair.spec.kinds`` (one module a kind): ``leads_to``'s fairness, the vacuity of
  ``action`` and ``enabled``, how a ``scenario`` takes its listed steps are written there.

>>> ref = Reference({"name": "d", "nodes": 1, "machines": [{"name": "m", "scope": "node",
...     "variable": "m", "initial": "a", "states": ["a", "b"],
...     "transitions": [{"trigger": "go", "source": "a", "dest": "b"}]}],
...     "triggers": {"go": {"kind": "operator"}},
...     "properties": [{"name": "StaysA", "kind": "always", "expr": "n1.m == 'a'"}]})
>>> len(ref.graph(()).states), ref.verdict("StaysA")
(2, 'violated')
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hapair.spec.kinds import KINDS
from hapair.spec.schema import DOMAIN_PROPERTY, Spec

Row = tuple  # (transition ordinal, node): the same numbering as the loader's Transition.id


@dataclass
class Graph:
    """The reachable states under some assumptions, and every step between them."""

    states: list  # decoded states (dicts), BFS order
    index: dict  # frozen state -> position
    edges: list = field(default_factory=list)  # (src, action, row, dst)
    blocked: set = field(default_factory=set)  # states where a first row leaves its domain


def _frozen(state: dict) -> tuple:
    return tuple(sorted(state.items()))


class Reference:
    """The reference semantics of one spec (the declared ``data``, with ``bounds``)."""

    def __init__(self, data: dict, bounds: dict | None = None):
        self.spec = Spec.load(data, bounds)  # refuses what is not a valid spec
        self.data = data
        self.bounds = {**data.get("bounds", {}), **(bounds or {})}
        count = data.get("nodes", 2)
        self.nodes = list(range(1, (count if isinstance(count, int) else len(count)) + 1))
        self.machines = data["machines"]
        self.triggers = data.get("triggers", {})
        self.macros = data.get("macros", {})
        self.domains = self._domains()
        self.rows = self._rows()
        self._graphs: dict = {}

    # -- declarations ---------------------------------------------------------------

    def _domain(self, decl: Any) -> tuple:
        """``("bool",)``, ``("enum", names)`` or ``("int", hi)``."""
        if decl == "bool":
            return ("bool",)
        if isinstance(decl, list):
            return ("enum", tuple(decl))
        hi = decl[3:]
        return ("int", int(hi) if hi.isdigit() else self.bounds[hi])

    def _domains(self) -> dict:
        out = {}
        for m in self.machines:
            names = [f"n{k}.{m['variable']}" for k in self.nodes] \
                if m["scope"] == "node" else [m["variable"]]
            out.update({n: ("enum", tuple(m["states"])) for n in names})
        for scope, decls in self.data.get("variables", {}).items():
            for local, decl in decls.items():
                names = [f"n{k}.{local}" for k in self.nodes] if scope == "node" else [local]
                out.update({n: self._domain(decl) for n in names})
        return out

    def _rows(self) -> list:
        """The declared rows, one per source state: (ordinal, machine, row, source)."""
        out = []
        for m in self.machines:
            for row in m["transitions"]:
                sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
                if sources == ["*"]:
                    sources = list(m["states"])
                for src in dict.fromkeys(sources):
                    out.append((len(out), m, row, src))
        return out

    def initial(self) -> dict:
        given = self.data.get("initial", {})
        state = {}
        for name, dom in self.domains.items():
            head, _, local = name.rpartition(".")
            value = given.get(head, {}).get(local) if head else given.get(name)
            if value is None:
                machine = next((m for m in self.machines if m["variable"] == (local or name)),
                               None)
                value = machine["initial"] if machine else \
                    {"bool": False, "enum": dom[1][0] if dom[0] == "enum" else 0,
                     "int": 0}[dom[0]]
            state[name] = value
        return state

    def in_domain(self, name: str, value: Any) -> bool:
        dom = self.domains[name]
        if dom[0] == "bool":
            return isinstance(value, bool)
        if dom[0] == "enum":
            return value in dom[1]
        return not isinstance(value, bool) and 0 <= value <= dom[1]

    # -- expressions ----------------------------------------------------------------

    def eval(self, text: str, state: dict, me: int | None = None, bound: dict | None = None,
             steps: tuple | None = None) -> Any:
        """The value of ``text`` in ``state``, with ``self`` the node ``me``; ``steps``
        (pre, post) for an action property's ``pre.`` and ``post.`` names."""
        return _Eval(self, state, me, bound or {}, steps).run(ast.parse(str(text).strip(),
                                                                        mode="eval").body)

    def holds(self, texts: Any, state: dict, me: int | None) -> bool:
        items = texts if isinstance(texts, list) else [texts]
        return all(self.eval(t, state, me) for t in items)

    # -- steps ----------------------------------------------------------------------

    def actions(self, assume: tuple = ()) -> list:
        """Every action ``(node, trigger)`` the assumptions leave in."""
        excluded = {t for a in assume for t in self.data["assumptions"][a]["without"]}
        scope = {row["trigger"]: m["scope"] for _, m, row, _ in self.rows}
        return [(k, t) for t in self.triggers if t not in excluded
                for k in (self.nodes if scope[t] == "node" else [None])]

    def first_row(self, state: dict, action: tuple):
        """The row that is first for ``action`` in ``state``: ``(ordinal, machine, row)``,
        or None."""
        node, trigger = action
        for ordinal, m, row, src in self.rows:
            if row["trigger"] != trigger:
                continue
            own = f"n{node}.{m['variable']}" if node else m["variable"]
            if state[own] != src:
                continue
            if self.holds(row.get("conditions", "True"), state, node) and \
                    not any(self.eval(u, state, node) for u in _list(row.get("unless", []))):
                return ordinal, m, row
        return None

    def assignments(self, state: dict, node: int | None, m: dict, row: dict) -> dict:
        """What a row assigns, every expression read in ``state``."""
        own = f"n{node}.{m['variable']}" if node else m["variable"]
        out = {own: state[own] if row["dest"] == "=" else row["dest"]}
        for target, text in row.get("effects", {}).items():
            head, _, rest = target.partition(".")
            if head == "others" and rest:
                for k in self.nodes:
                    if k != node:
                        out[f"n{k}.{rest}"] = self.eval(text, state, node, {"other": k})
                continue
            out[self._target(target, node)] = self.eval(text, state, node)
        return out

    def _target(self, target: str, node: int | None) -> str:
        head, _, rest = target.partition(".")
        if not rest:
            return target
        k = {"self": node, "peer": None if node is None else 3 - node}.get(head)
        return f"n{k}.{rest}" if k is not None else target

    def step(self, state: dict, action: tuple):
        """``(row, next state)`` for ``action`` in ``state``; ``(row, None)`` when its first
        row would leave a domain (no step); ``None`` when no row is first."""
        found = self.first_row(state, action)
        if found is None:
            return None
        ordinal, m, row = found
        new = self.assignments(state, action[0], m, row)
        if not all(self.in_domain(k, v) for k, v in new.items()):
            return (ordinal, action[0]), None
        return (ordinal, action[0]), {**state, **new}

    def graph(self, assume: tuple) -> Graph:
        """Breadth-first search of every action the assumptions leave in."""
        key = tuple(sorted(assume))
        if key in self._graphs:
            return self._graphs[key]
        start = self.initial()
        g = Graph([start], {_frozen(start): 0})
        queue, actions = deque([0]), self.actions(key)
        while queue:
            i = queue.popleft()
            for action in actions:
                found = self.step(g.states[i], action)
                if found is None:
                    continue
                row, new = found
                if new is None:
                    g.blocked.add(i)
                    continue
                j = g.index.setdefault(_frozen(new), len(g.states))
                if j == len(g.states):
                    g.states.append(new)
                    queue.append(j)
                g.edges.append((i, action, row, j))
        self._graphs[key] = g
        return g

    def deadlocks(self, assume: tuple = ()) -> list[int]:
        g = self.graph(assume)
        moving = {src for src, *_ in g.edges}
        return [i for i in range(len(g.states)) if i not in moving]

    # -- properties -----------------------------------------------------------------

    def verdict(self, name: str) -> str:
        """``proved``, ``violated`` or ``vacuous``, decided on the whole product by the
        property's kind: each kind's ``reference`` in ``hapair.spec.kinds`` is its
        meaning."""
        if name == DOMAIN_PROPERTY:
            return "violated" if self.graph(()).blocked else "proved"
        decl = next(p for p in self.data.get("properties", []) if p["name"] == name)
        g = self.graph(tuple(decl.get("assume", ())))
        return KINDS[decl["kind"]].reference(self, g, decl)

    def verdicts(self) -> dict:
        names = [p["name"] for p in self.data.get("properties", [])]
        if DOMAIN_PROPERTY in self.spec.properties:
            names.append(DOMAIN_PROPERTY)
        return {n: self.verdict(n) for n in names}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


class _Eval:
    """One expression's value: Python's meaning of each construct the grammar allows."""

    def __init__(self, ref: Reference, state: dict, me: int | None, bound: dict,
                 steps: tuple | None):
        self.ref, self.state, self.me, self.bound, self.steps = ref, state, me, bound, steps

    def run(self, n: ast.expr) -> Any:
        return getattr(self, "e_" + type(n).__name__)(n)

    def e_Constant(self, n: ast.Constant) -> Any:
        return n.value

    def e_Name(self, n: ast.Name) -> Any:
        if n.id in ("True", "False"):
            return n.id == "True"
        if n.id in self.state:
            return self.state[n.id]
        if n.id in self.ref.bounds:
            return self.ref.bounds[n.id]
        return self.ref.eval(self.ref.macros[n.id], self.state, self.me, self.bound,
                             self.steps)

    def e_Attribute(self, n: ast.Attribute) -> Any:
        path = ast.unparse(n)
        head, _, rest = path.partition(".")
        if head in ("pre", "post") and self.steps is not None:
            state = self.steps[0] if head == "pre" else self.steps[1]
            return _Eval(self.ref, state, self.me, self.bound, None).run(
                ast.parse(rest, mode="eval").body)
        k = self.node(head)
        return self.state[f"n{k}.{rest}"]

    def node(self, name: str) -> int:
        if name in self.bound:
            return self.bound[name]
        if name == "self":
            return self.me
        if name == "peer":
            return 3 - self.me
        return int(name[1:])

    def e_BoolOp(self, n: ast.BoolOp) -> bool:
        values = (bool(self.run(v)) for v in n.values)
        return all(values) if isinstance(n.op, ast.And) else any(values)

    def e_UnaryOp(self, n: ast.UnaryOp) -> bool:
        return not self.run(n.operand)

    def e_Compare(self, n: ast.Compare) -> bool:
        left, op, right = self.run(n.left), n.ops[0], n.comparators[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            inside = left in [self.run(e) for e in right.elts]
            return inside if isinstance(op, ast.In) else not inside
        right = self.run(right)
        return {ast.Eq: left == right, ast.NotEq: left != right}.get(type(op)) \
            if type(op) in (ast.Eq, ast.NotEq) else _ORDER[type(op)](left, right)

    def e_BinOp(self, n: ast.BinOp) -> int:
        a, b = self.run(n.left), self.run(n.right)
        return a + b if isinstance(n.op, ast.Add) else a - b

    def e_IfExp(self, n: ast.IfExp) -> Any:
        return self.run(n.body) if self.run(n.test) else self.run(n.orelse)

    def e_Call(self, n: ast.Call) -> Any:
        name = n.func.id
        if name in ("min", "max"):
            return (min if name == "min" else max)(self.run(a) for a in n.args)
        gen = n.args[0]
        loop = gen.generators[0]
        members = [k for k in self.ref.nodes if loop.iter.id == "nodes" or k != self.me]
        values = []
        for k in members:
            inner = _Eval(self.ref, self.state, self.me, {**self.bound, loop.target.id: k},
                          self.steps)
            if all(inner.run(c) for c in loop.ifs):
                values.append(bool(inner.run(gen.elt)))
        return {"any": any, "all": all, "count": sum}[name](values)


_ORDER = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
          ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}
