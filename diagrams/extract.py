"""Extract: the spec, a checker run or a trace, reduced to plain dataclasses (the IR).

Nothing here draws.  ``render`` turns these dataclasses into DOT text, and a test can read
them without Graphviz.  Every function returns its items in a deterministic order (the
spec's order, BFS order, or sorted), so the pictures are reproducible byte for byte.

>>> import hapair
>>> m = machine_ir(hapair.load(), "link")
>>> for e in m.edges[:3]:
...     print(e.source, e.trigger, e.dest)
up link_down down
down link_up up
up host_fail up
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Collection, Iterable

from hapair.spec import Spec

# -- machines --------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """What a checker run reached: ``(machine, state)`` pairs and fired transition ids."""

    reached: frozenset = frozenset()
    fired: frozenset = frozenset()


@dataclass(frozen=True)
class StateIR:
    name: str
    initial: bool = False
    reached: bool = True


@dataclass(frozen=True)
class EdgeIR:
    """One declared row (after its source list is expanded): ``Transition.id``."""

    id: int
    source: str
    dest: str
    trigger: str
    conditions: str  # "" when the row has none
    effects: tuple  # ((target, expression text), ...)
    fired: bool = True


@dataclass(frozen=True)
class MachineIR:
    name: str
    scope: str  # node | global
    variable: str
    states: tuple  # StateIR, in declared order
    edges: tuple  # EdgeIR, in declared order
    checked: bool = False  # reached / fired come from a checker run
    scope_note: str = "global"  # "one per module; self = the module, peer = the other"


def machine_ir(spec: Spec, name: str, coverage: Coverage | None = None) -> MachineIR:
    """One declared machine; with ``coverage``, what the checker never reached is marked."""
    m = spec.machines[name]
    states = tuple(StateIR(s, s == m.initial, coverage is None or (name, s) in coverage.reached)
                   for s in m.states)
    edges = tuple(
        EdgeIR(t.id, t.source, t.dest, t.trigger,
               "" if t.conditions.strip() == "True" else t.conditions, tuple(t.effects),
               coverage is None or t.id in coverage.fired)
        for t in spec.transitions if t.machine == name)
    noun = spec.node_noun
    note = "global" if m.scope == "global" else f"one per {noun}; self = the {noun}" + \
        (", peer = the other" if len(spec.nodes) == 2 else "")
    return MachineIR(name, m.scope, m.variable, states, edges, coverage is not None, note)


def coverage_of(graph) -> Coverage:
    """The coverage of an explored ``StateGraph``: every machine state a node took in
    some reachable state, every declared row that fired on some edge.  On a slice only
    the machines whose variables are kept are meaningful."""
    spec = graph.model.spec
    cols = _machine_columns(spec)
    reached = {(m, spec.variables[i].type.decode(s[i])) for s in graph.states
               for i, m in cols}
    fired = {spec.rules[r].transition.id for r in set(graph.rule)}
    return Coverage(frozenset(reached), frozenset(fired))


def coverage_fast(spec: Spec, machines: Collection[str]) -> Coverage:
    """What the checker reaches of ``machines``: a row fired iff its first-match condition
    (``Rule.fires``) holds on some reachable state, a state is reached iff some reachable
    state has it.  Each question is asked of the cone of influence of what it reads,
    explored by the packed NumPy engine: exact, since a cone's states are the projection
    of the full product's, and far smaller than one slice holding every machine."""
    import numpy as np

    from hapair.checker.fast import explore_fast
    from hapair.checker.properties import vector
    from hapair.model.product import Model
    from hapair.model.slicing import cone_of_influence
    from hapair.spec.lang import names

    columns = [(i, m) for i, m in _machine_columns(spec) if m in machines]
    asks: dict[frozenset, list] = defaultdict(list)
    for r in spec.rules:
        if r.transition.machine in machines:
            asks[cone_of_influence(spec, names(r.fires))].append(r)
    for i, _ in columns:
        asks.setdefault(cone_of_influence(spec, {i}), [])
    reached, fired = set(), set()
    for keep, rules in asks.items():
        res = explore_fast(Model(spec, (), keep))
        values = res.layout.unpack_many(res.codes)
        cols = [values[:, i] for i in range(values.shape[1])]
        reached |= {(m, spec.variables[i].type.decode(int(v)))
                    for i, m in columns if i in keep for v in np.unique(values[:, i]).tolist()}
        fired |= {r.transition.id for r in rules
                  if np.any(np.asarray(vector(r.fires, cols, {}), dtype=bool))}
    return Coverage(frozenset(reached), frozenset(fired))


def coverage_of_dead(spec: Spec, dead: Iterable[str]) -> Coverage:
    """Coverage from a ``CheckResult.dead_transitions`` list (labels of rows that never
    fired).  A state counts as reached when it is initial, the source or target of a row
    that fired, or named by an effect of such a row on that machine's variable (``peer.state
    := 'active_ha_standby'``): read off the declaration, so it can over-approximate."""
    dead = set(dead)
    fired = {t.id for t in spec.transitions if t.label not in dead}
    reached = {(m.name, m.initial) for m in spec.machines.values()}
    by_var = {m.variable: m for m in spec.machines.values()}
    for t in spec.transitions:
        if t.id not in fired:
            continue
        reached |= {(t.machine, t.source), (t.machine, t.dest)}
        for target, text in t.effects:
            m = by_var.get(target.rpartition(".")[2])
            if m is not None:
                reached |= {(m.name, v) for v in re.findall(r"'([^']*)'", str(text))
                            if v in m.states}
    return Coverage(frozenset(reached), frozenset(fired))


def _machine_columns(spec: Spec) -> list[tuple[int, str]]:
    by_var = {m.variable: m.name for m in spec.machines.values()}
    return [(v.index, by_var[v.local]) for v in spec.variables if v.local in by_var]


# -- the product ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductNode:
    key: str  # DOT node name
    lines: tuple  # label lines
    count: int = 1  # product states behind this node
    violating: int = 0  # how many of them violate
    initial: bool = False
    cell: tuple = ()  # (column, row) in a grid, for a quotient by two variables


@dataclass(frozen=True)
class ProductEdge:
    source: str
    dest: str
    events: tuple  # distinct event names, sorted ("boot@1", "link_down")
    count: int = 1  # product edges behind this edge
    actor: int | None = None  # the node all these events happened on (None: the link, mixed)


@dataclass(frozen=True)
class ProductIR:
    title: str
    kind: str  # full | quotient
    nodes: tuple
    edges: tuple
    notes: tuple = ()  # lines for the legend: slice, constants, omissions
    states: int = 0  # product states in the graph it was made from
    edges_total: int = 0
    axes: tuple = ()  # a grid: (row values, column values) of the two key variables
    actors: tuple = ("global", "node 1", "node 2")  # what a global event is, node names


Violating = Callable[[tuple], bool] | Collection[int] | None


def _violation_flags(graph, violating: Violating) -> list[bool]:
    if violating is None:
        return [False] * len(graph.states)
    if callable(violating):
        return [bool(violating(s)) for s in graph.states]
    bad = set(violating)
    return [i in bad for i in range(len(graph.states))]


def quotient_ir(graph, key: tuple, *, violating: Violating = None,
                title: str = "", self_loops: bool = False) -> ProductIR:
    """The explored graph collapsed by the values of the variables in ``key`` (say, each
    node's redundancy state): one node per value combination that occurs, with the
    number of product states behind it and how many of them violate; one edge per pair
    of such nodes, labelled with the distinct events between them."""
    spec = graph.model.spec
    idx = [spec.by_name[k].index for k in key]
    types = [spec.by_name[k].type for k in key]
    flags = _violation_flags(graph, violating)
    cls = [tuple(s[i] for i in idx) for s in graph.states]
    counts, bad = Counter(cls), Counter(c for c, f in zip(cls, flags) if f)
    init = set(cls[: len(graph.model.init_states())])

    def name(c: tuple) -> str:
        return "q_" + "_".join(str(v) for v in c)

    grid = len(key) == 2
    nodes = tuple(ProductNode(name(c), tuple(f"{k}: {t.decode(v)}" for k, t, v in
                                             zip(key, types, c)), counts[c], bad[c], c in init,
                              (c[1], c[0]) if grid else ())
                  for c in sorted(counts))
    events: dict = defaultdict(set)
    many: Counter = Counter()
    for a, r, b in graph.edges():
        ca, cb = cls[a], cls[b]
        if ca == cb and not self_loops:
            continue
        rule = spec.rules[r]
        events[(ca, cb, rule.node or 0)].add(rule.transition.trigger)
        many[(ca, cb, rule.node or 0)] += 1
    edges = tuple(ProductEdge(name(ca), name(cb), tuple(sorted(ev)), many[(ca, cb, n)],
                              n or None)
                  for (ca, cb, n), ev in sorted(events.items()))
    notes = [_slice_note(graph), f"{len(graph.states)} product states, {len(graph.src)} edges"]
    if not self_loops:
        notes.append("events that keep " + " and ".join(key) + " are not drawn")
    return ProductIR(title or "product by " + " x ".join(key), "quotient", nodes, edges,
                     tuple(notes), len(graph.states), len(graph.src),
                     tuple(tuple(t.values) for t in types) if grid else (), actors(spec))


def actors(spec: Spec) -> tuple:
    """Who acts on a product edge: the global machines ("the link"), then each node."""
    shared = [m.name for m in spec.machines.values() if m.scope == "global"]
    return ("the " + " / ".join(shared) if shared else "global",
            *(spec.node_names[k] for k in spec.nodes))


def _slice_note(graph) -> str:
    model = graph.model
    assume = ", ".join(model.assume) or "none"
    kept = len(model.keep)
    if kept == model.width:
        return f"assumptions: {assume}; all variables"
    return f"assumptions: {assume}; cone of influence: {kept} of {model.width} variables"


def full_ir(graph, *, violating: Violating = None, title: str = "") -> ProductIR:
    """Every state and edge of a (small) explored graph.  Node labels show only the
    tracked variables that vary; the constant ones go to the notes.  Parallel edges
    between two states are drawn once, with all their events."""
    spec = graph.model.spec
    flags = _violation_flags(graph, violating)
    kept = [v for v in spec.variables if v.index in graph.model.keep]
    varying = [v for v in kept if len({s[v.index] for s in graph.states}) > 1]
    constant = [v for v in kept if v not in varying]
    n_init = len(graph.model.init_states())
    nodes = tuple(ProductNode(f"s{i}", _state_lines(varying, s, i), 1, int(flags[i]),
                              i < n_init) for i, s in enumerate(graph.states))
    events: dict = defaultdict(set)
    many: Counter = Counter()
    for a, r, b in graph.edges():
        rule = spec.rules[r]
        events[(a, b, rule.node or 0)].add(rule.transition.trigger)
        many[(a, b, rule.node or 0)] += 1
    edges = tuple(ProductEdge(f"s{a}", f"s{b}", tuple(sorted(ev)), many[(a, b, n)], n or None)
                  for (a, b, n), ev in sorted(events.items()))
    first = graph.states[0] if graph.states else ()
    const = ", ".join(f"{v.name}={v.type.decode(first[v.index])}" for v in constant)
    notes = (_slice_note(graph), f"{len(graph.states)} states, {len(graph.src)} edges",
             *((f"constant: {const}",) if const else ()))
    return ProductIR(title or "product state graph", "full", nodes, edges, notes,
                     len(graph.states), len(graph.src), (), actors(spec))


def _value_text(v, code: int) -> str:
    value = v.type.decode(code)
    if v.type.kind == "bool":
        return v.local if value else "not " + v.local
    if v.type.kind == "int":
        return f"{v.local}={value}"
    return str(value)


def _state_lines(varying: list, s: tuple, i: int) -> tuple:
    groups: dict = {}
    for v in varying:
        groups.setdefault(v.node, []).append(_value_text(v, s[v.index]))
    lines = [f"#{i}"]
    lines += [f"{'n%d' % n if n else 'pair'}: {' '.join(vals)}"
              for n, vals in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]
    return tuple(lines)


def always_violations(spec: Spec, graph, names: Iterable[str] | None = None) -> dict:
    """``{property name: predicate}`` for the ``always`` properties that this graph can
    decide: their assumptions are among the graph's (so a violation found is real) and
    their variables are all kept by its slice."""
    from hapair.model.compile import predicate
    from hapair.spec.lang import names as read

    out = {}
    for name, p in spec.properties.items():
        if not p.is_state_invariant or (names is not None and name not in names):
            continue
        if set(p.assume) <= set(graph.model.assume) and read(p.expr) <= graph.model.keep:
            holds = predicate(p.expr)
            out[name] = (lambda f: lambda s: not f(s))(holds)
    return out


# -- traces ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceRow:
    index: int
    event: str | None  # None for the initial state
    node: int | None
    changed: tuple  # ((column, ((field, value), ...)), ...) for each of ``Columns.keys``
    status: tuple = ()  # optional: each node's view text, for the report
    actor: str = ""  # where the event happened: a node's name ("module 1"), or ""


@dataclass(frozen=True)
class Columns:
    """The columns of a trace table: one per node and one for the shared variables (for
    two nodes the shared one sits between them), with their headings."""

    keys: tuple  # node numbers and "pair"
    headings: tuple
    names: dict  # node number -> its name ("module 1")

    @classmethod
    def of(cls, names: dict, shared: str = "shared") -> "Columns":
        nodes = tuple(names)
        keys = (nodes[0], "pair", nodes[1]) if len(nodes) == 2 else (*nodes, "pair")
        return cls(keys, tuple(names[k] if k != "pair" else shared for k in keys), dict(names))

    @classmethod
    def for_spec(cls, spec: Spec) -> "Columns":
        shared = [m.name for m in spec.machines.values() if m.scope == "global"]
        return cls.of(spec.node_names, " / ".join([*shared, "shared"]))

    @classmethod
    def guessed(cls, variables) -> "Columns":
        """For a trace file read without its spec: nodes from the ``nK.`` names."""
        nodes = sorted({int(h[1:]) for h in (v.partition(".")[0] for v in variables
                                            if "." in v) if h[1:].isdigit()}) or [1, 2]
        return cls.of({k: f"node {k}" for k in nodes})

    def column_of(self, name: str) -> tuple:
        """``("n1.state")`` -> ``(1, "state")``; a global -> ``("pair", name)``."""
        head, _, rest = name.partition(".")
        if rest and head[:1] == "n" and head[1:].isdigit() and int(head[1:]) in self.names:
            return int(head[1:]), rest
        return "pair", name

    def changes(self, before: dict | None, after: dict) -> tuple:
        cols: dict = {c: [] for c in self.keys}
        for name, value in after.items():
            if before is None or before.get(name) != value:
                col, fld = self.column_of(name)
                cols[col].append((fld, value))
        return tuple((c, tuple(cols[c])) for c in self.keys)

    def actor(self, node: int | None) -> str:
        return self.names.get(node, f"node {node}") if node else ""


@dataclass(frozen=True)
class TraceIR:
    title: str
    rows: tuple
    loop: int | None = None
    tracked: tuple = ()
    loop_event: str | None = None  # a lasso whose last step leads back: that step's event
    columns: Columns | None = None


def trace_ir(states: list, events: list, *, loop: int | None = None, title: str = "",
             tracked: tuple = (), status: list | None = None,
             columns: Columns | None = None) -> TraceIR:
    """A run as rows: ``states`` are decoded dicts, ``events[i] = (trigger, node)`` leads
    into ``states[i + 1]``.  Row 0 shows every field; each later row only the changed
    ones.  ``tracked`` limits the fields (a sliced trace speaks only for its slice)."""
    if tracked:
        states = [{k: v for k, v in s.items() if k in tracked} for s in states]
    cols = columns or Columns.guessed(states[0] if states else ())
    rows = []
    for i, s in enumerate(states):
        ev, node = (None, None) if i == 0 else events[i - 1]
        text = tuple(status[i]) if status else ()
        rows.append(TraceRow(i, ev, node, cols.changes(states[i - 1] if i else None, s), text,
                             cols.actor(node)))
    return TraceIR(title or "counterexample", tuple(rows), loop, tuple(tracked), None, cols)


def trace_ir_of(trace, spec: Spec, *, title: str = "", with_status: bool = False) -> TraceIR:
    """The IR of a checker ``Trace`` (``checker.results.Trace``)."""
    states = [spec.decode(s) for s in trace.states]
    events = [(st.trigger, st.node) for st in trace.steps]
    status = [status_texts(spec, s) for s in trace.states] if with_status else None
    cols = Columns.for_spec(spec)
    ir = trace_ir(states, events, loop=trace.loop, title=title,
                  tracked=tuple(trace.tracked), status=status, columns=cols)
    if len(events) == len(states) and events:  # the last step closes the lasso
        trigger, node = events[-1]
        ir = replace(ir, loop_event=f"{trigger} @ {cols.actor(node)}" if node else trigger)
    return ir


def status_texts(spec: Spec, state: tuple) -> tuple:
    """Every node's view of ``state`` (the VSG's ``show system redundancy status``)."""
    from hapair.spec.views import node_view

    return tuple(node_view(spec, state, n).text for n in spec.nodes)


def trace_ir_from_json(data: dict, *, title: str = "") -> TraceIR:
    """The IR of a trace file: ``hapair-trace/1`` (``{"steps": [{"event", "node",
    "state"}]}``) or an ITF trace (``{"states": [...], "loop": k}``)."""
    from hapair.spec import TraceError

    fmt = str(data.get("format", ""))
    if fmt.startswith("hapair-trace/") and isinstance(data.get("steps"), list):
        steps = data["steps"]
        states = [dict(s.get("state", {})) for s in steps]
        events = [(s.get("event"), s.get("node")) for s in steps[1:]]
        name = title or f"{data.get('spec', '')} {data.get('property', '')}".strip()
        return trace_ir(states, events, loop=data.get("loop"), title=name or "trace",
                        tracked=tuple(data.get("tracked") or ()), columns=_columns_of(data))
    if isinstance(data.get("states"), list):
        states = [{k: _itf(v) for k, v in s.items() if not k.startswith("#")}
                  for s in data["states"]]
        events = [_itf_action(s) for s in data["states"][1:]]
        meta = data.get("#meta") if isinstance(data.get("#meta"), dict) else {}
        return trace_ir(states, events, loop=data.get("loop"),
                        title=title or str(meta.get("description") or "trace"),
                        tracked=tuple(data.get("vars") or ()))
    raise TraceError("not a trace: expected a 'hapair-trace/1' file with 'steps', or an "
                     "ITF trace with 'states'")


def _columns_of(data: dict) -> Columns | None:
    """The trace's own spec names its nodes; without it they are guessed."""
    from hapair.checker.trace import spec_of
    from hapair.spec import HapairError

    try:
        return Columns.for_spec(spec_of(data))
    except HapairError:
        return None


def _itf(value):
    if isinstance(value, dict) and "#bigint" in value:
        return int(value["#bigint"])
    return value


def _itf_action(state: dict) -> tuple:
    meta = state.get("#meta", {}) if isinstance(state.get("#meta"), dict) else {}
    return meta.get("event"), meta.get("node")
