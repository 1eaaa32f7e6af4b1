"""The explicit engine: breadth-first search of the product into a state graph.

BFS gives every state its shortest path from the initial state, so the first violation
found is a shortest counterexample.  The graph is kept as flat arrays (state id, rule,
state id) in BFS order; ``to_networkx()`` builds the networkx view for the analyses
that need graph algorithms (SCCs for liveness, the diagrams).
"""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass, field

from hapair.model import Model

from .results import Explored, Trace, TraceStep  # noqa: F401 - Explored: public here too


@dataclass
class StateGraph:
    """All reachable states of ``model`` and every edge between them."""

    model: Model
    states: list = field(default_factory=list)  # id -> state tuple, BFS order
    ids: dict = field(default_factory=dict)  # state tuple -> id
    depth: array = field(default_factory=lambda: array("i"))
    parent: array = field(default_factory=lambda: array("i"))  # id -> parent id (-1)
    via: array = field(default_factory=lambda: array("i"))  # id -> rule from parent
    src: array = field(default_factory=lambda: array("i"))
    rule: array = field(default_factory=lambda: array("i"))
    dst: array = field(default_factory=lambda: array("i"))
    seconds: float = 0.0

    @property
    def max_depth(self) -> int:
        return max(self.depth) if self.depth else 0

    def edges(self):
        return zip(self.src, self.rule, self.dst)

    def trace_to(self, sid: int) -> Trace:
        """The BFS (shortest) path from the initial state to state ``sid``."""
        ids = []
        while sid != -1:
            ids.append(sid)
            sid = self.parent[sid]
        ids.reverse()
        return self.trace_of(ids, [self.via[i] for i in ids[1:]])

    def trace_of(self, ids: list, rules: list, loop: int | None = None) -> Trace:
        rules_ = self.model.spec.rules
        steps = [TraceStep(rules_[r].node, rules_[r].transition.trigger, r) for r in rules]
        tracked = tuple(v.name for v in self.model.spec.variables if v.index in self.model.keep)
        return Trace([self.states[i] for i in ids], steps, loop, tracked)

    def to_networkx(self):
        """A ``networkx.MultiDiGraph``: nodes are state ids (attribute ``state``), edges
        carry their ``rule``."""
        import networkx as nx

        g = nx.MultiDiGraph()
        g.add_nodes_from((i, {"state": s}) for i, s in enumerate(self.states))
        g.add_edges_from((a, b, {"rule": r}) for a, r, b in self.edges())
        return g


def explore_packed(model: Model) -> StateGraph:
    """The same graph, found by the packed NumPy engine (``checker.fast``) and unpacked:
    the same states, edges and depths as ``explore``; ids in BFS order, each level
    sorted by packed code; edges grouped by level, so the first bad one still has a
    shortest prefix."""
    import numpy as np

    from .fast import explore_fast

    res = explore_fast(model, edges=True)
    codes = res.codes
    g = StateGraph(model, seconds=res.seconds)
    g.states = [tuple(row) for row in res.layout.unpack_many(codes).tolist()]
    g.ids = {s: i for i, s in enumerate(g.states)}
    lengths = [len(level) for level in res.levels]
    g.depth = array("i", np.repeat(np.arange(len(lengths), dtype=np.int32), lengths).tobytes())
    g.parent = array("i", res.parent.astype(np.int32).tobytes())
    g.via = array("i", res.via.astype(np.int32).tobytes())
    src, rules, dst_codes = res.edge_list
    order = np.argsort(codes, kind="stable")
    dst = order[np.searchsorted(codes, dst_codes, sorter=order)]
    g.src = array("i", np.asarray(src, np.int32).tobytes())
    g.rule = array("i", np.asarray(rules, np.int32).tobytes())
    g.dst = array("i", dst.astype(np.int32).tobytes())
    return g


def explore(model: Model, *, progress=None, limit: int | None = None) -> StateGraph:
    """BFS from every initial state; ``progress(states, depth)`` is called per level."""
    g = StateGraph(model)
    start = time.perf_counter()
    ids, states = g.ids, g.states
    for s in model.init_states():
        if s not in ids:
            ids[s] = len(states)
            states.append(s)
            g.depth.append(0)
            g.parent.append(-1)
            g.via.append(-1)
    successors = model.successors
    src, rule, dst, depth, parent, via = g.src, g.rule, g.dst, g.depth, g.parent, g.via
    head, level = 0, 0
    while head < len(states):
        if depth[head] != level:
            level = depth[head]
            if progress:
                progress(len(states), level)
        s = states[head]
        d = depth[head] + 1
        for r, t in successors(s):
            tid = ids.get(t)
            if tid is None:
                tid = len(states)
                ids[t] = tid
                states.append(t)
                depth.append(d)
                parent.append(head)
                via.append(r)
                if limit is not None and tid >= limit:
                    raise MemoryError(f"more than {limit} states")
            src.append(head)
            rule.append(r)
            dst.append(tid)
        head += 1
    g.seconds = time.perf_counter() - start
    return g
