"""Deciding the spec's named properties on an explicit state graph.

``always``: every reachable state satisfies the condition (the first violation in BFS
order is a shortest counterexample).  ``action``: every step of a watched trigger
satisfies the condition over (pre, post); a property whose trigger never fires is
vacuous.  ``leads_to`` P ~> Q: from every P-state, every fair run reaches Q.  Fairness is
weak fairness of each node's internal steps in an environment that eventually stops
acting (faults, power, link and operator commands may happen any finite number of
times): a violation is a P-state from which the run can reach, without Q, a cycle of
internal steps that is weakly fair, or a state where no internal step is enabled.

The properties of what must be possible (TLC's ``ENABLED`` and reachability):
``reachable``: some reachable state satisfies the condition (the witness is a shortest run
to one); ``enabled``: in every reachable state where ``when`` holds for a node, each
trigger in ``on`` is enabled for it (an invariant over the triggers' guards; vacuous when
``when`` never holds); ``scenario``: the model admits the listed steps in order, with
internal steps in between, ending in a state that satisfies ``expr`` (the witness is a
shortest such run).  A ``reachable`` or ``scenario`` property that fails has no trace:
the whole explored graph is the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hapair.model.compile import predicate
from hapair.spec import Property, Spec

from .explicit import StateGraph
from .results import Trace


@dataclass
class Finding:
    verdict: str  # proved | violated | vacuous
    trace: Trace | None = None
    witnesses: int = 0
    note: str = ""
    witness: Trace | None = None  # reachable / scenario: a shortest run that shows it


class Evaluator:
    """A property's compiled conditions, shared by the engine and trace replay."""

    def __init__(self, spec: Spec, prop: Property):
        self.spec, self.prop = spec, prop
        if prop.kind in ("always", "reachable", "enabled", "scenario"):
            self.holds = predicate(prop.expr)
            if prop.kind == "enabled":
                self.when = predicate(prop.p)
        elif prop.kind == "action":
            self.require = [predicate(r) for r in prop.require]
            self.watched = {t for t in spec.triggers if spec.watches(prop, t)}
        else:
            self.p, self.q = predicate(prop.p), predicate(prop.q)

    def step_ok(self, node: int | None, pre: tuple, post: tuple) -> bool:
        """An action property on one step (both bindings for a global step)."""
        both = pre + post
        if node is None:
            return all(req(both) for req in self.require)
        return self.require[node - 1](both)


def decide(g: StateGraph, prop: Property) -> Finding:
    ev = Evaluator(g.model.spec, prop)
    if prop.kind == "always":
        return _always(g, ev)
    if prop.kind == "action":
        return _action(g, ev)
    if prop.kind == "reachable":
        return _reachable(g, ev)
    if prop.kind == "enabled":
        return _enabled(g, ev)
    if prop.kind == "scenario":
        return _scenario(g, ev)
    return _leads_to(g, ev)


def _reachable(g: StateGraph, ev: Evaluator) -> Finding:
    for sid, s in enumerate(g.states):  # BFS order: the first is a shortest witness
        if ev.holds(s):
            return Finding("proved", witnesses=1, witness=g.trace_to(sid))
    return Finding("violated", note="no reachable state satisfies it")


def _enabled(g: StateGraph, ev: Evaluator) -> Finding:
    seen = sum(1 for s in g.states if ev.when(s))
    if not seen:
        return Finding("vacuous", note="'when' never holds in the explored graph")
    found = _always(g, ev)
    found.witnesses = seen
    return found


def _scenario(g: StateGraph, ev: Evaluator) -> Finding:
    """BFS over (state, steps done): internal steps keep the count, the next listed
    action (from a state meeting its precondition) advances it.  With ``avoids``, every
    such run is searched: the first that meets the hazard is the counterexample."""
    adj, steps = _adjacency(g), ev.prop.steps
    conds = [predicate(c) if c is not None else None for _, _, c in steps]
    hazard = predicate(ev.prop.avoids) if ev.prop.avoids is not None else None
    start = (0, 0)
    back: dict = {start: None}
    frontier, shown = [start], None
    while frontier and (shown is None or hazard is not None):
        nxt = []
        for sid, k in frontier:
            if hazard is not None and hazard(g.states[sid]):
                return Finding("violated", trace=_unwind(g, back, (sid, k)),
                               note="a run that follows the steps meets what it avoids")
            if shown is None and k == len(steps) and ev.holds(g.states[sid]):
                shown = (sid, k)
            for r, to in _scenario_moves(g, adj[sid], steps, conds, sid, k):
                if to not in back:
                    back[to] = ((sid, k), r)
                    nxt.append(to)
        frontier = nxt
    if shown is not None:
        return Finding("proved", witnesses=1, witness=_unwind(g, back, shown))
    return Finding("violated", note="the model does not admit these steps")


def _scenario_moves(g: StateGraph, out: list, steps: tuple, conds: list, sid: int, k: int):
    """The moves of a scenario's run from state ``sid`` with ``k`` steps taken."""
    model, rules = g.model, g.model.spec.rules
    for r, b in out:
        act = rules[r].action
        if act in model.internal:
            yield r, (b, k)
        elif k < len(steps) and act == steps[k][:2] and \
                (conds[k] is None or conds[k](g.states[sid])):
            yield r, (b, k + 1)


def _unwind(g: StateGraph, back: dict, at: tuple) -> Trace:
    ids, rules = [at[0]], []
    while back[at] is not None:
        at, r = back[at]
        ids.append(at[0])
        rules.append(r)
    return g.trace_of(ids[::-1], rules[::-1])


def _always(g: StateGraph, ev: Evaluator) -> Finding:
    for sid, s in enumerate(g.states):
        if not ev.holds(s):
            return Finding("violated", g.trace_to(sid))
    return Finding("proved", witnesses=len(g.states))


def _action(g: StateGraph, ev: Evaluator) -> Finding:
    """Every watched edge at once: ``require`` evaluated with NumPy over the arrays of
    the edges' pre and post states (the same typed trees as ``step_ok``)."""
    rules = g.model.spec.rules
    watched = [i for i, r in enumerate(rules) if r.transition.trigger in ev.watched]
    edge_rules = np.frombuffer(g.rule, dtype=np.int32)
    hits = np.flatnonzero(np.isin(edge_rules, watched))
    seen = len(hits)
    if not seen:
        return Finding("vacuous", note="its trigger never fires in the explored graph")
    cols = _StepColumns(_table(g), np.frombuffer(g.src, dtype=np.int32)[hits],
                        np.frombuffer(g.dst, dtype=np.int32)[hits])
    node_of = np.array([r.node or 0 for r in rules], dtype=np.int32)[edge_rules[hits]]
    ok = np.ones(seen, dtype=bool)
    for k, req in enumerate(ev.prop.require, 1):
        binds = (node_of == k) | (node_of == 0)  # a global step: every binding
        if binds.any():
            holds = np.asarray(vector(req, cols, {})).astype(bool)
            ok &= ~binds | np.broadcast_to(holds, (seen,))
    bad = np.flatnonzero(~ok)
    if len(bad):  # BFS order: the first bad edge has a shortest prefix
        e = int(hits[bad[0]])
        a, r, b = g.src[e], g.rule[e], g.dst[e]
        trace = g.trace_to(a)
        return Finding("violated", g.trace_of(_ids(trace, g) + [b],
                                              [s.rule for s in trace.steps] + [r]), seen)
    return Finding("proved", witnesses=seen)


class _StepColumns(dict):
    """Column ``i`` of the watched steps: variable ``i`` before the step, ``n + i``
    after it; each taken from the state table when an expression first reads it."""

    def __init__(self, table, src, dst):
        super().__init__()
        self.table, self.src, self.dst = table, src, dst

    def __missing__(self, i: int):
        n = self.table.shape[1]
        self[i] = self.table[self.src, i] if i < n else self.table[self.dst, i - n]
        return self[i]


def _table(g: StateGraph):
    """The graph's states as one (states x variables) array, made once per graph."""
    if getattr(g, "_table", None) is None:
        g._table = np.asarray(g.states, dtype=np.int64).reshape(len(g.states), -1)
    return g._table


def vector(node, cols, memo: dict):
    """A typed expression over many states at once: ``cols[i]`` holds variable ``i`` of
    each (conditions are bool or 0/1 arrays, numbers int arrays; constants scalars)."""
    key = id(node)
    if key not in memo:
        memo[key] = _VECTOR[node.op](node, lambda x: vector(x, cols, memo), cols)
    return memo[key]


def _fold(fn, node, v):
    out = v(node.args[0])
    for x in node.args[1:]:
        out = fn(out, v(x))
    return out


_VECTOR = {
    "var": lambda n, v, cols: cols[n.data],
    "const": lambda n, v, cols: int(n.data),
    "not": lambda n, v, cols: np.logical_not(v(n.args[0])),
    "and": lambda n, v, cols: _fold(np.logical_and, n, v),
    "or": lambda n, v, cols: _fold(np.logical_or, n, v),
    "cmp": lambda n, v, cols: {"==": np.equal, "!=": np.not_equal, "<": np.less,
                               "<=": np.less_equal, ">": np.greater,
                               ">=": np.greater_equal}[n.data](v(n.args[0]), v(n.args[1])),
    "in": lambda n, v, cols: np.isin(v(n.args[0]), list(n.data)),
    "arith": lambda n, v, cols: v(n.args[0]) + v(n.args[1]) if n.data == "+"
    else v(n.args[0]) - v(n.args[1]),
    "ite": lambda n, v, cols: np.where(v(n.args[0]), v(n.args[1]), v(n.args[2])),
    "min": lambda n, v, cols: _fold(np.minimum, n, v),
    "max": lambda n, v, cols: _fold(np.maximum, n, v),
}


def _ids(trace: Trace, g: StateGraph) -> list:
    return [g.ids[s] for s in trace.states]


def _leads_to(g: StateGraph, ev: Evaluator) -> Finding:
    states = g.states
    q = [ev.q(s) for s in states]
    starts = [i for i, s in enumerate(states) if ev.p(s)]
    if not starts:
        return Finding("vacuous", note="its premise never holds in the explored graph")
    region, back = _region(g, starts, q)
    bad = _fair_trap(g, region)
    if bad is None:
        return Finding("proved", witnesses=len(starts))
    entry, cycle_ids, cycle_rules = bad
    return Finding("violated", _lasso(g, back, entry, cycle_ids, cycle_rules), len(starts))


def _region(g: StateGraph, starts: list, q: list) -> tuple[set, dict]:
    """States reachable from a P-state without passing a Q-state, with BFS parents."""
    adj = _adjacency(g)
    back: dict = {s: None for s in starts if not q[s]}
    frontier = list(back)
    while frontier:
        nxt = []
        for a in frontier:
            for r, b in adj[a]:
                if not q[b] and b not in back:
                    back[b] = (a, r)
                    nxt.append(b)
        frontier = nxt
    return set(back), back


def _adjacency(g: StateGraph) -> list:
    if getattr(g, "_adj", None) is None:
        adj: list = [[] for _ in g.states]
        for a, r, b in g.edges():
            adj[a].append((r, b))
        g._adj = adj
    return g._adj


def _fair_trap(g: StateGraph, region: set):
    """A stutter state or a weakly fair SCC of internal steps inside ``region``.
    Returns (entry state, cycle state ids, cycle rules) or None."""
    import networkx as nx

    model, adj = g.model, _adjacency(g)
    internal_rules = {i for i, r in enumerate(model.spec.rules) if r.action in model.internal}
    enabled: dict = {}
    sub = nx.DiGraph()
    for a in sorted(region):
        acts = {model.spec.rules[r].action for r, _ in adj[a] if r in internal_rules}
        enabled[a] = acts
        if not acts:
            return a, [a], []  # no internal step: the run may stay here forever
        sub.add_node(a)
        for r, b in adj[a]:
            if r in internal_rules and b in region:
                sub.add_edge(a, b, rule=r)
    for comp in sorted(nx.strongly_connected_components(sub), key=min):
        inner = sub.subgraph(comp)
        if inner.number_of_edges() == 0:
            continue
        taken = {model.spec.rules[d["rule"]].action for _, _, d in inner.edges(data=True)}
        always = set.intersection(*(enabled[s] for s in comp))
        if always <= taken:
            return _fair_cycle(inner, always, model)
    return None


def _fair_cycle(inner, need: set, model):
    """A cycle through the SCC that takes one edge of each action in ``need``."""
    import networkx as nx

    start = min(inner.nodes)
    ids, rules, here = [start], [], start
    targets = []
    for action in sorted(need, key=str):
        for a, b, d in sorted(inner.edges(data=True)):
            if model.spec.rules[d["rule"]].action == action:
                targets.append((a, b, d["rule"]))
                break
    if not targets:
        b = min(inner.successors(start))
        targets.append((start, b, inner.edges[start, b]["rule"]))
    for a, b, r in targets:
        path = nx.shortest_path(inner, here, a)
        for x, y in zip(path, path[1:]):
            ids.append(y)
            rules.append(inner.edges[x, y]["rule"])
        ids.append(b)
        rules.append(r)
        here = b
    path = nx.shortest_path(inner, here, start)
    for x, y in zip(path, path[1:]):
        ids.append(y)
        rules.append(inner.edges[x, y]["rule"])
    return start, ids, rules


def _lasso(g: StateGraph, back: dict, entry: int, cycle_ids: list, cycle_rules: list):
    """Initial state -> a P-state -> (no Q) -> entry, then the cycle back to entry."""
    mid_ids, mid_rules, cur = [], [], entry
    while back[cur] is not None:
        prev, r = back[cur]
        mid_ids.append(cur)
        mid_rules.append(r)
        cur = prev
    prefix = g.trace_to(cur)
    ids = _ids(prefix, g) + mid_ids[::-1]
    rules = [s.rule for s in prefix.steps] + mid_rules[::-1]
    loop = len(ids) - 1
    ids += cycle_ids[1:]
    rules += cycle_rules
    return g.trace_of(ids, rules, loop)


def deadlocks(g: StateGraph) -> list:
    """States with no enabled action at all (in the full action set, not the slice).

    A slice drops the actions that write no tracked variable; a state of the slice with no
    successor is a deadlock only if each dropped action is disabled there too, which the
    slice can tell only when that action's guards read tracked variables alone.  So a
    slice reports a deadlock only where the whole product has one (a property that reads
    no variable has an empty slice: one state, no action, and no deadlock)."""
    has_successor = set(g.src)
    stuck = [i for i, s in enumerate(g.states)
             if i not in has_successor and not any(g.model.fired_rule(s, a) is not None
                                                   for a in g.model.action_rules)]
    if not stuck:
        return stuck
    dropped = _dropped_guards(g.model)
    if dropped is None:
        return []
    return [i for i in stuck if not any(guard(g.states[i]) for guard in dropped)]


def _dropped_guards(model) -> list | None:
    """The guards of the actions the slice dropped, or None if one reads an untracked
    variable (the slice cannot decide it)."""
    from hapair.spec.lang import names

    spec = model.spec
    excluded = spec.without(model.assume)
    out = []
    for i, r in enumerate(spec.rules):
        if r.action in model.action_rules or r.transition.trigger in excluded:
            continue
        if not names(r.guard) <= model.keep:
            return None
        out.append(model.guards[i])
    return out
