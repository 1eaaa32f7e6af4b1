"""Deciding the spec's named properties on an explicit state graph, one function per
decision form (``hapair.spec.kinds.FORMS``; ``FORMS`` at the end of this module).

``invariant``: every reachable state satisfies the condition (the first violation in
BFS order is a shortest counterexample); with a premise, vacuous when no state has it.
``step``: every step of a watched trigger satisfies the condition over (pre, post);
vacuous when no watched step fires.  ``response`` P ~> Q: from every P-state, every fair
run reaches Q.  Fairness is each trigger's declared ``fairness`` (by default weak for
internal steps, and every other action eventually stops: ``hapair.spec.kinds.leads_to``
says it exactly): a violation is a P-state from which the run can reach, without Q, a
fair cycle, or a state where no weakly or strongly fair action is enabled.
``persistence`` <>[] Q: no fair run meets a non-Q state again and again (a fair cycle
through one, or a stop at one).  ``witness``: the model admits the listed steps in
order, with internal steps in between, ending in a state that satisfies the condition (the witness
is a shortest such run; with no steps, a shortest run to such a state).  A witness
property that fails has no trace: the whole explored graph is the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hapair.checker.explicit import StateGraph
from hapair.checker.results import Trace
from hapair.model.compile import predicate
from hapair.spec import Property, Spec
from hapair.spec.lang import names


@dataclass
class Finding:
    verdict: str  # proved | violated | vacuous
    trace: Trace | None = None
    witnesses: int = 0
    note: str = ""
    witness: Trace | None = None  # reachable / scenario: a shortest run that shows it
    reached: object = None  # every (state, k) pair reached: a scenario that met no
    # hazard, or a scenario or reachable property with no witness


class Evaluator:
    """A property's compiled conditions, shared by the engine and trace replay."""

    def __init__(self, spec: Spec, prop: Property):
        self.spec, self.prop = spec, prop
        if prop.form in ("invariant", "witness"):
            self.holds = predicate(prop.expr)
        elif prop.form == "step":
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
    """The property's verdict on ``g``, by its form (``hapair.spec.kinds.FORMS``)."""
    return FORMS[prop.form](g, Evaluator(g.model.spec, prop))


def _invariant(g: StateGraph, ev: Evaluator) -> Finding:
    """Every state satisfies ``expr``; with a premise ``p``, vacuous when none has it."""
    if ev.prop.p is None:
        return _always(g, ev)
    seen = int(np.count_nonzero(on_states(g, ev.prop.p)))
    if not seen:
        return Finding("vacuous", note="'when' never holds in the explored graph")
    found = _always(g, ev)
    found.witnesses = seen
    return found


def _witness(g: StateGraph, ev: Evaluator) -> Finding:
    """A shortest run that takes the listed steps and ends in ``expr`` (with none
    listed, a shortest run to an ``expr``-state); with ``avoids``, the hazard searched."""
    return _scenario(g, ev) if ev.prop.steps or ev.prop.avoids is not None \
        else _reachable(g, ev)


def _reachable(g: StateGraph, ev: Evaluator) -> Finding:
    found = np.flatnonzero(on_states(g, ev.prop.expr))
    if len(found):  # BFS order: the first is a shortest witness
        return Finding("proved", witnesses=1, witness=g.trace_to(int(found[0])))
    return Finding("violated", note="no reachable state satisfies it",
                   reached=(np.arange(len(g)), np.zeros(len(g), np.int64)))


def _scenario(g: StateGraph, ev: Evaluator) -> Finding:
    """BFS over (state, steps done): internal steps keep the count, the next listed
    action (from a state meeting its precondition) advances it.  With ``avoids``, every
    such run is searched: the first that meets the hazard is the counterexample.

    Level by level over arrays: a pair ``(state, k)`` is the number ``state * (K + 1) +
    k``, and the pairs of a level keep the order in which a queue would meet them."""
    steps, n = ev.prop.steps, len(g)
    width = len(steps) + 1
    holds = on_states(g, ev.prop.expr)
    hazard = on_states(g, ev.prop.avoids) if ev.prop.avoids is not None else None
    conds = [on_states(g, c) if c is not None else np.ones(n, bool) for _, _, c in steps]
    rules, internal = g.model.spec.rules, g.model.internal
    is_internal = np.array([r.action in internal for r in rules], bool)
    listed = np.array([[r.action == st[:2] for st in steps] + [False] for r in rules], bool)
    ptr, edge_rule, edge_dst = _csr(g)
    back = np.full(n * width, -2, np.int64)  # pair -> the pair it was reached from
    back_rule = np.full(n * width, -1, np.int64)
    back[0] = -1
    frontier, shown = np.zeros(1, np.int64), None
    while len(frontier) and (shown is None or hazard is not None):
        sid, k = frontier // width, frontier % width
        if hazard is not None and hazard[sid].any():
            at = int(frontier[np.argmax(hazard[sid])])
            return Finding("violated", trace=_unwind(g, back, back_rule, at, width),
                           note="a run that follows the steps meets what it avoids")
        if shown is None:
            done = (k == len(steps)) & holds[sid]
            if done.any():
                shown = int(frontier[np.argmax(done)])
        frontier = _scenario_level(frontier, (ptr, edge_rule, edge_dst), width,
                                   (is_internal, listed, conds), (back, back_rule))
    # With avoids, or with no run that shows it, every pair was reached (and none met
    # the hazard): ``reached`` (state ids, k), for z3 to prove an inductive invariant.
    reached = None if hazard is None and shown is not None else \
        np.divmod(np.flatnonzero(back > -2), width)
    if shown is not None:
        return Finding("proved", witnesses=1, reached=reached,
                       witness=_unwind(g, back, back_rule, shown, width))
    return Finding("violated", note="the model does not admit these steps", reached=reached)


def _scenario_level(frontier, csr: tuple, width: int, moves: tuple, backs: tuple):
    """The pairs first reached from ``frontier`` (recorded in ``backs``), in queue order."""
    ptr, edge_rule, edge_dst = csr
    is_internal, listed, conds = moves
    back, back_rule = backs
    sid, k = frontier // width, frontier % width
    edges = _out_edges(ptr, sid)
    at = np.repeat(np.arange(len(frontier)), ptr[sid + 1] - ptr[sid])
    r, b, k = edge_rule[edges], edge_dst[edges].astype(np.int64), k[at]  # b * width: int64
    advance = listed[r, k]  # the next listed action, from a state meeting its precondition
    if advance.any():
        ok = np.zeros(len(r), bool)
        for j, cond in enumerate(conds):
            here = advance & (k == j)
            ok[here] = cond[sid[at[here]]]
        advance &= ok
    # An internal step keeps the count; a listed one advances it; a listed internal
    # action may do either (the reference semantics: ``spec.reference``).
    stay, move = np.flatnonzero(is_internal[r]), np.flatnonzero(advance)
    order = np.argsort(np.concatenate([stay * 2, move * 2 + 1]), kind="stable")
    edge = np.concatenate([stay, move])[order]  # in edge order: the queue's order
    to = b[edge] * width + k[edge] + np.concatenate([0 * stay, 1 + 0 * move])[order]
    src_at, rule_of = at[edge], r[edge]
    fresh = back[to] == -2
    to, src, rule = to[fresh], frontier[src_at[fresh]], rule_of[fresh]
    to, first = np.unique(to, return_index=True)
    order = np.argsort(first)
    to, first = to[order], first[order]
    back[to], back_rule[to] = src[first], rule[first]
    return to


def _out_edges(ptr, sid):
    """The edge positions (in the CSR order) out of each state of ``sid``, in turn."""
    counts = ptr[sid + 1] - ptr[sid]
    if not len(counts) or not counts.sum():
        return np.zeros(0, np.int64)
    starts = np.repeat(ptr[sid] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return starts + np.arange(counts.sum())


def _unwind(g: StateGraph, back, back_rule, at: int, width: int) -> Trace:
    ids, rules = [at // width], []
    while back[at] != -1:
        rules.append(int(back_rule[at]))
        at = int(back[at])
        ids.append(at // width)
    return g.trace_of(ids[::-1], rules[::-1])


def _always(g: StateGraph, ev: Evaluator) -> Finding:
    bad = np.flatnonzero(~on_states(g, ev.prop.expr))
    if len(bad):  # BFS order: the first is a shortest counterexample
        return Finding("violated", g.trace_to(int(bad[0])))
    return Finding("proved", witnesses=len(g))


def on_states(g: StateGraph, node) -> np.ndarray:
    """A condition on every state of ``g`` at once (a bool array in state order),
    evaluated with NumPy over the graph's state table (the same typed tree as
    ``model.compile.predicate``)."""
    cols = _Columns(g)
    return np.broadcast_to(np.asarray(vector(node, cols, {}), dtype=bool), (len(g),))


class _Columns(dict):
    def __init__(self, g: StateGraph):
        super().__init__()
        self.g = g

    def __missing__(self, i: int):
        self[i] = self.g.column(i)
        return self[i]


def _action(g: StateGraph, ev: Evaluator) -> Finding:
    """Every watched edge at once: ``require`` evaluated with NumPy over the arrays of
    the edges' pre and post states (the same typed trees as ``step_ok``)."""
    rules = g.model.spec.rules
    watched = np.array([r.transition.trigger in ev.watched for r in rules], bool)
    edge_rules = np.asarray(g.rule)
    hits = np.flatnonzero(watched[edge_rules])
    seen = len(hits)
    if not seen:
        if _watched_fire_beyond_the_slice(g.model, watched):
            return Finding("proved", note="every watched step leaves what it reads unchanged")
        return Finding("vacuous", note="its trigger never fires in the explored graph")
    cols = _StepColumns(g, np.frombuffer(g.src, dtype=np.int32)[hits], g.dst_at(hits))
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
        a, r, b = int(g.src[e]), int(g.rule[e]), int(g.dst_at([e])[0])
        ids, path = g.path_to(a)
        return Finding("violated", g.trace_of(ids + [b], path + [r]), seen)
    return Finding("proved", witnesses=seen)


def _watched_fire_beyond_the_slice(model, watched) -> bool:
    """Whether a watched row fires in some reachable state, when the slice dropped every
    watched row (each step of one leaves what the property reads unchanged and satisfies
    it: ``slicing.stutters_satisfy``): explored on the cone of what they read and write,
    so that vacuity is the whole product's."""
    from hapair.checker.explicit import explore_packed
    from hapair.model.product import Model
    from hapair.model.slicing import _written, cone_of_influence

    spec = model.spec
    kept = set(model.rows)
    dropped = [i for i in range(len(spec.rules)) if watched[i] and i not in kept]
    if not dropped:
        return False  # the slice kept every watched row: none fired
    # (The rows it kept fire in the slice exactly when they fire in the product; one it
    # dropped may fire beside them: seed 8018 of the long conformance run.)
    reads = set().union(*(names(spec.rules[i].fires) | _written(spec, spec.rules[i])
                          for i in dropped))
    wide = explore_packed(Model(spec, model.assume, cone_of_influence(spec, reads,
                                                                      model.assume)))
    return bool(watched[np.asarray(wide.rule)].any())


class _StepColumns(dict):
    """Column ``i`` of the watched steps: variable ``i`` before the step, ``n + i``
    after it; each taken from the state table when an expression first reads it (a
    variable outside the slice is its initial value, before and after)."""

    def __init__(self, g: StateGraph, src, dst):
        super().__init__()
        self.g, self.src, self.dst = g, src, dst

    def __missing__(self, i: int):
        model = self.g.model
        n = model.width
        v, ends = (i, self.src) if i < n else (i - n, self.dst)
        self[i] = self.g.column(v)[ends] if v in model.keep else int(model.spec.initial[v])
        return self[i]


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


def _leads_to(g: StateGraph, ev: Evaluator) -> Finding:
    q = on_states(g, ev.prop.q)
    starts = np.flatnonzero(on_states(g, ev.prop.p))
    if not len(starts):
        return Finding("vacuous", note="its premise never holds in the explored graph")
    back, back_rule = _region(g, starts, q)
    bad = _fair_trap(g, back > -2)
    if bad is None:
        return Finding("proved", witnesses=len(starts))
    entry, cycle_ids, cycle_rules, note = bad
    return Finding("violated", _lasso(g, (back, back_rule), entry, cycle_ids, cycle_rules),
                   len(starts), note=note)


def _region(g: StateGraph, starts, q) -> tuple:
    """States reachable from a P-state without passing a Q-state, with BFS parents:
    ``(back, back_rule)`` arrays, ``back`` -1 at a start, -2 outside the region."""
    ptr, edge_rule, edge_dst = _csr(g)
    back = np.full(len(g), -2, np.int64)
    back_rule = np.full(len(g), -1, np.int64)
    frontier = starts[~q[starts]]
    back[frontier] = -1
    while len(frontier):
        edges = _out_edges(ptr, frontier)
        at = np.repeat(frontier, ptr[frontier + 1] - ptr[frontier])
        b = edge_dst[edges]
        fresh = ~q[b] & (back[b] == -2)
        b, a, r = b[fresh], at[fresh], edge_rule[edges][fresh]
        b, first = np.unique(b, return_index=True)
        order = np.argsort(first)  # in the order a queue meets them
        frontier, first = b[order], first[order]
        back[frontier], back_rule[frontier] = a[first], r[first]
    return back, back_rule


def _csr(g: StateGraph) -> tuple:
    """The edges grouped by source state (each state's in their BFS order):
    ``(ptr, rule, dst)``, the edges out of state ``a`` at ``ptr[a]:ptr[a + 1]``."""
    if getattr(g, "_csr", None) is None:
        src = np.frombuffer(g.src, dtype=np.int32)
        order = np.argsort(src, kind="stable")
        ptr = np.zeros(len(g) + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=len(g)), out=ptr[1:])
        g._csr = (ptr, np.asarray(g.rule)[order], np.asarray(g.dst)[order])
    return g._csr


def _out(g: StateGraph, a: int) -> list:
    """The ``(rule, successor)`` pairs of state ``a``, in edge order."""
    ptr, rule, dst = _csr(g)
    lo, hi = ptr[a], ptr[a + 1]
    return list(zip(rule[lo:hi].tolist(), dst[lo:hi].tolist()))


def _fairness(model) -> np.ndarray:
    """Each rule's action's declared fairness, as an index into ``FAIRNESS``."""
    from hapair.spec.schema import FAIRNESS

    return np.array([FAIRNESS.index(model.spec.triggers[r.transition.trigger].fairness)
                     for r in model.spec.rules], np.int8)


_WEAK, _STRONG, _FREE, _FINITE = range(4)  # FAIRNESS's order


def _fair_trap(g: StateGraph, inside, accept=None):
    """Where a fair run may stay inside the region (``inside``: a bool per state): a
    state where no weakly or strongly fair action is enabled, or a fair cycle (no
    ``finite`` action; every weak action enabled all along taken; every strong action
    enabled somewhere taken: a component is cut down, Streett-style, to the states that
    do not enable a strong action it never takes).  With ``accept`` (a bool per state),
    only a stop at an accepting state, or a cycle through one, counts.  Returns (entry
    state, cycle state ids, cycle rules, note) or None."""
    import networkx as nx

    model = g.model
    rules = model.spec.rules
    fair = _fairness(model)
    demanding = fair <= _STRONG
    ptr, edge_rule, _ = _csr(g)
    region = np.flatnonzero(inside)
    before = np.concatenate(([0], np.cumsum(demanding[edge_rule])))  # demanding edges
    stuck = region[before[ptr[region + 1]] == before[ptr[region]]]
    if accept is not None:
        stuck = stuck[accept[stuck]]
    if len(stuck):
        a = int(stuck[0])
        free = sorted({_named(rules[r].action) for r, _ in _out(g, a)})
        return a, [a], [], ("the run stops where no weakly or strongly fair action is "
                            "enabled" + (f" (enabled, not fair: {', '.join(free)})"
                                         if free else ""))
    enabled: dict = {}
    sub = nx.MultiDiGraph()  # one edge per action: two self-loops are two actions taken
    for a in region.tolist():
        out = [(r, b) for r, b in _out(g, a) if fair[r] != _FINITE]
        enabled[a] = {rules[r].action for r, _ in out if demanding[r]}
        sub.add_node(a)
        sub.add_edges_from((a, b, {"rule": r}) for r, b in out if inside[b])
    strong = {rules[r].action for r in np.flatnonzero(fair == _STRONG).tolist()}
    accepting = set(region.tolist() if accept is None else np.flatnonzero(accept).tolist())
    return _fair_component(sub, sorted(sub.nodes), enabled, strong, model, accepting)


def _fair_component(sub, states: list, enabled: dict, strong: set, model, accepting: set):
    import networkx as nx

    rules = model.spec.rules
    for comp in sorted(nx.strongly_connected_components(sub.subgraph(states)), key=min):
        inner = sub.subgraph(comp)
        if inner.number_of_edges() == 0 or not comp & accepting:
            continue
        taken = {rules[d["rule"]].action for _, _, d in inner.edges(data=True)}
        always = set.intersection(*(enabled[s] for s in comp))
        if not always <= taken:
            continue  # a weak action enabled all along, never taken: nor in a part of it
        somewhere = set().union(*(enabled[s] for s in comp))
        starved = (somewhere & strong) - taken
        if starved:
            found = _fair_component(sub, sorted(s for s in comp if not enabled[s] & starved),
                                    enabled, strong, model, accepting)
            if found is not None:
                return found
            continue
        entry, ids, cycle_rules = _fair_cycle(inner, always | (somewhere & strong), model,
                                              min(comp & accepting))
        left = sorted(_named(action) for action in somewhere - taken)
        return entry, ids, cycle_rules, (
            "a fair cycle: it takes every fair action enabled all along it"
            + (f"; it never takes {', '.join(left)} (weakly fair, not enabled all along)"
               if left else ""))
    return None


def _named(action: tuple) -> str:
    node, trigger = action
    return trigger if node is None else f"{trigger} on node {node}"


def _fair_cycle(inner, need: set, model, start: int):
    """A cycle through the SCC from ``start`` that takes one edge of each action in
    ``need``."""
    import networkx as nx

    ids, rules, here = [start], [], start
    edges = sorted((a, b, d["rule"]) for a, b, d in inner.edges(data=True))
    targets = []
    for action in sorted(need, key=str):
        targets += [e for e in edges if model.spec.rules[e[2]].action == action][:1]
    if not targets:
        targets = [next(e for e in edges if e[0] == start)]

    def walk(frm: int, to: int) -> None:
        path = nx.shortest_path(inner, frm, to)
        for x, y in zip(path, path[1:]):
            ids.append(y)
            rules.append(min(d["rule"] for d in inner.get_edge_data(x, y).values()))

    for a, b, r in targets:
        walk(here, a)
        ids.append(b)
        rules.append(r)
        here = b
    walk(here, start)
    return start, ids, rules


def _lasso(g: StateGraph, backs: tuple, entry: int, cycle_ids: list, cycle_rules: list):
    """Initial state -> a P-state -> (no Q) -> entry, then the cycle back to entry."""
    back, back_rule = backs
    mid_ids, mid_rules, cur = [], [], entry
    while back[cur] != -1:
        mid_ids.append(cur)
        mid_rules.append(int(back_rule[cur]))
        cur = int(back[cur])
    ids, rules = g.path_to(cur)
    return _closed(g, ids + mid_ids[::-1], rules + mid_rules[::-1], cycle_ids, cycle_rules)


def _closed(g: StateGraph, ids: list, rules: list, cycle_ids: list, cycle_rules: list):
    """A run to the cycle's first state (``ids``, ``rules``), then round the cycle."""
    return g.trace_of(ids + cycle_ids[1:], rules + cycle_rules, len(ids) - 1)


def deadlocks(g: StateGraph) -> list:
    """States with no enabled action at all (in the full action set, not the slice).

    A slice drops the actions that write no tracked variable; a state of the slice with no
    successor is a deadlock only if each dropped action is disabled there too, which the
    slice can tell only when that action's guards read tracked variables alone.  So a
    slice reports a deadlock only where the whole product has one (a property that reads
    no variable has an empty slice: one state, no action, and no deadlock)."""
    has = np.zeros(len(g), bool)
    has[np.frombuffer(g.src, dtype=np.int32)] = True
    ends = np.flatnonzero(~has).tolist()  # states without a successor
    stuck = [i for i in ends if not any(g.model.fired_rule(g.state(i), a) is not None
                                        for a in g.model.action_rules)]
    if not stuck:
        return stuck
    dropped = _dropped_guards(g.model)
    if dropped is None:
        return []
    return [i for i in stuck if not any(guard(g.state(i)) for guard in dropped)]


def _dropped_guards(model) -> list | None:
    """The first-match conditions of the rows the slice dropped, or None if one reads an
    untracked variable (the slice cannot decide it)."""

    spec = model.spec
    excluded = spec.without(model.assume)
    out = []
    for i, r in enumerate(spec.rules):
        if r.action in model.action_rules or r.transition.trigger in excluded:
            continue
        if not names(r.fires) <= model.keep:
            return None
        out.append(model.fires[i])  # first match and domain: the row really fires
    return out


def _persistence(g: StateGraph, ev: Evaluator) -> Finding:
    """<>[] Q: no fair run meets a non-Q state again and again."""
    bad = _fair_trap(g, np.ones(len(g), bool), ~on_states(g, ev.prop.q))
    if bad is None:
        return Finding("proved", witnesses=len(g))
    entry, cycle_ids, cycle_rules, note = bad
    ids, rules = g.path_to(entry)
    return Finding("violated", _closed(g, ids, rules, cycle_ids, cycle_rules), len(g),
                   note=note)


FORMS = {"invariant": _invariant, "step": _action, "witness": _witness,
         "response": _leads_to, "persistence": _persistence}  # each form's decision
