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

from hapair.checker.results import Explored, Trace, TraceStep  # noqa: F401 - Explored: public here too
from hapair.model import Model


@dataclass
class StateGraph:
    """All reachable states of ``model`` and every edge between them.

    The states are held as a list of tuples (``states``, with ``ids`` its inverse), as
    one (states x variables) NumPy array (``table``), or as the packed engine's codes:
    then a variable of every state (``column``) is decoded when an analysis first reads
    it, and the table and the tuples are made only when something asks for them.  The
    per-state and per-edge columns (``depth`` ... ``dst``) are ``array("i")`` from
    ``explore`` and NumPy arrays from ``explore_packed`` (``int32``; ``rule`` ``int16``):
    read them with ``np.asarray``."""

    model: Model
    _states: list | None = None  # id -> state tuple, BFS order
    _ids: dict | None = None  # state tuple -> id
    depth: array = field(default_factory=lambda: array("i"))
    parent: array = field(default_factory=lambda: array("i"))  # id -> parent id (-1)
    via: array = field(default_factory=lambda: array("i"))  # id -> rule from parent
    src: array = field(default_factory=lambda: array("i"))
    rule: array = field(default_factory=lambda: array("i"))
    _dst: array = field(default_factory=lambda: array("i"))
    seconds: float = 0.0
    _table: object = None  # (states x variables) int64 array, BFS order
    _packed: tuple | None = None  # (fast.Layout, state codes in id order)

    @property
    def dst(self):
        return self._dst

    def dst_at(self, edges):
        """The successor ids of the edges ``edges`` (an index into the edge arrays)."""
        import numpy as np

        return self._dst[edges] if isinstance(self._dst, np.ndarray) \
            else np.frombuffer(self._dst, dtype=np.int32)[edges]

    @property
    def states(self) -> list:
        if self._states is None:
            self._states = [tuple(row) for row in self.table.tolist()] \
                if self._table is not None or self._packed is not None else []
        return self._states

    @property
    def ids(self) -> dict:
        if self._ids is None:
            self._ids = {s: i for i, s in enumerate(self.states)}
        return self._ids

    @property
    def table(self):
        """The states as one (states x variables) ``int64`` array, made once."""
        if self._table is None:
            import numpy as np

            if self._packed is not None:
                layout, codes = self._packed
                self._table = layout.unpack_columns(codes)
            else:
                states = self.states
                self._table = np.asarray(states, dtype=np.int64).reshape(len(states),
                                                                          self.model.width)
        return self._table

    def column(self, v: int):
        """Variable ``v`` of every state, in id order: one contiguous ``int64`` array,
        made once (from the packed codes without the whole table, when there are some)."""
        import numpy as np

        cols = self.__dict__.setdefault("_cols", {})
        if v not in cols:
            if self._packed is not None and self._table is None:
                layout, codes = self._packed
                cols[v] = (codes >> layout.shift[v]) & layout.mask(v) if v in layout.shift \
                    else np.full(len(codes), layout.initial[v], np.int64)
            else:
                cols[v] = np.ascontiguousarray(self.table[:, v])
        return cols[v]

    def rows(self, ids):
        """The states ``ids`` (an index into the states) as a (len x variables) ``int64``
        array: the same rows as ``table[ids]``."""
        import numpy as np

        if self._packed is not None and self._table is None:
            layout, codes = self._packed
            return layout.unpack_many(codes[ids]).astype(np.int64)
        return self.table[ids]

    def __len__(self) -> int:
        """The number of states."""
        if self._packed is not None:
            return len(self._packed[1])
        return len(self._table) if self._table is not None else len(self.states)

    def state(self, sid: int) -> tuple:
        if self._states is not None:
            return self._states[sid]
        if self._table is None and self._packed is not None:
            return self._packed[0].unpack(self._packed[1][sid])
        return tuple(int(v) for v in self.table[sid])

    @property
    def max_depth(self) -> int:
        return int(max(self.depth)) if len(self.depth) else 0

    def edges(self):
        return zip(self.src.tolist(), self.rule.tolist(), self.dst.tolist())

    def path_to(self, sid: int) -> tuple[list, list]:
        """The BFS (shortest) path from the initial state to state ``sid``: its state ids
        and the rules between them."""
        ids = []
        while sid != -1:
            ids.append(sid)
            sid = int(self.parent[sid])
        ids.reverse()
        return ids, [int(self.via[i]) for i in ids[1:]]

    def trace_to(self, sid: int) -> Trace:
        """The BFS (shortest) path from the initial state to state ``sid``."""
        return self.trace_of(*self.path_to(sid))

    def trace_of(self, ids: list, rules: list, loop: int | None = None) -> Trace:
        rules_ = self.model.spec.rules
        steps = [TraceStep(rules_[r].node, rules_[r].transition.trigger, r) for r in rules]
        tracked = tuple(v.name for v in self.model.spec.variables if v.index in self.model.keep)
        return Trace([self.state(i) for i in ids], steps, loop, tracked)

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

    from hapair.checker.fast import explore_fast

    res = explore_fast(model, edges=True)
    codes = res.codes
    g = StateGraph(model, seconds=res.seconds)
    g._packed = (res.layout, codes)
    lengths = [len(level) for level in res.levels]
    g.depth = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    g.parent = res.parent.astype(np.int32)
    g.via = res.via.astype(np.int32)
    src, rules, dst = res.edge_ids
    g.src, g.rule, g._dst = src, rules, dst  # int32, int16, int32
    return g


def explore(model: Model, *, progress=None, limit: int | None = None) -> StateGraph:
    """BFS from every initial state; ``progress(states, depth)`` is called per level."""
    g = StateGraph(model, _states=[], _ids={})
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
    src, rule, dst, depth, parent, via = g.src, g.rule, g._dst, g.depth, g.parent, g.via
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
