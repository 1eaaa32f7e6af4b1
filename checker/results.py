"""What a checker run returns: the same types from both engines.  A leaf module: it
imports nothing of hapair, so every engine and front end can use it.

A ``Trace`` is a run of the product from an initial state: ``states[0]`` is initial and
``steps[i]`` leads from ``states[i]`` to ``states[i + 1]``.  A lasso (a liveness
counterexample) also has ``loop``: the index of the state where the cycle starts again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VERDICTS = ("proved", "holds to depth", "violated", "vacuous", "unknown")


@dataclass(frozen=True)
class TraceStep:
    node: int | None
    trigger: str
    rule: int


@dataclass
class Trace:
    states: list  # state tuples (full width; variables outside ``tracked`` stay initial)
    steps: list  # TraceStep, one fewer than states
    loop: int | None = None
    tracked: tuple = ()  # names of the variables this trace speaks for (its slice)

    def __len__(self) -> int:
        return len(self.steps)


@dataclass
class PropertyResult:
    name: str
    kind: str  # always | action | leads_to | reachable | enabled | scenario
    meaning: str
    assume: tuple
    expect: str  # holds | violated
    verdict: str  # one of VERDICTS
    engine: str  # explicit | z3
    states: int = 0
    edges: int = 0
    seconds: float = 0.0
    depth: int | None = None  # for "holds to depth"
    trace: Trace | None = None
    witnesses: int = 0  # how often the trigger / premise occurs in the explored graph
    note: str = ""
    witness: Trace | None = None  # reachable / scenario: a shortest run that shows it

    @property
    def ok(self) -> bool:
        """The verdict is the expected one: a proof, or the expected violation.  A
        bounded result ("holds to depth"), "unknown" and "vacuous" are never ok."""
        return self.verdict == ("violated" if self.expect == "violated" else "proved")


@dataclass
class SliceStats:
    assume: tuple
    variables: tuple  # the cone of influence explored
    states: int
    edges: int
    depth: int
    seconds: float
    deadlocks: int = 0

    @property
    def rate(self) -> float:
        return self.states / self.seconds if self.seconds else float("inf")


class Explored:
    """The states a checker run explored, for ``Pair(explored=...)``.

    A step ``(state, rule)`` of the full machine is inside the run when the row is part
    of an explored slice and the state's projection onto every explored slice was
    explored: BFS expanded every enabled row of every explored state, so the step itself
    was explored too.  Only slices without assumptions count (an assumption removes
    events the machine may still take).
    """

    def __init__(self, graphs: list):
        self.slices = [_Rows(g, sorted(g.model.keep)) for g in graphs
                       if not g.model.assume]
        self.rules = {i for g in graphs if not g.model.assume
                      for rules in g.model.action_rules.values() for i in rules}

    def __contains__(self, item) -> bool:
        state, rule = item
        return rule in self.rules and all(state in rows for rows in self.slices)


class _Rows:
    """The distinct rows of a state table on some columns, for membership: each row read
    as one number in mixed radix over the columns' ranges, kept sorted (or, when that
    does not fit in an int64, a set of tuples).  ``table``: an array, or a graph whose
    columns are read one at a time (``StateGraph.column``)."""

    def __init__(self, table, columns: list):
        import numpy as np

        if hasattr(table, "column"):
            n, cols = len(table), [table.column(i) for i in columns]
        else:
            part = np.asarray(table, dtype=np.int64).reshape(len(table), -1)[:, columns]
            n, cols = len(part), [part[:, k] for k in range(len(columns))]
        self.columns, self.keys, self.rows = columns, None, None
        low = np.array([c.min() if n else 0 for c in cols], np.int64)
        span = np.array([c.max() - lo + 1 if n else 1 for c, lo in zip(cols, low)], np.int64)
        if float(np.prod(span.astype(float))) >= 2.0 ** 62:
            self.rows = set(zip(*(c.tolist() for c in cols)))
            return
        weights = np.concatenate(([1], np.cumprod(span[:-1]))).astype(np.int64)
        keys = np.zeros(n, np.int64)
        for c, lo, w in zip(cols, low.tolist(), weights.tolist()):
            keys += (c - lo) * w
        keys.sort()
        first = np.ones(n, bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        self.keys = keys[first]
        self.radix = list(zip(columns, low.tolist(), span.tolist(), weights.tolist()))

    def __contains__(self, state) -> bool:
        if self.rows is not None:
            return tuple(state[i] for i in self.columns) in self.rows
        key = 0
        for i, low, span, weight in self.radix:
            v = state[i] - low
            if not 0 <= v < span:
                return False
            key += v * weight
        pos = int(self.keys.searchsorted(key))
        return pos < len(self.keys) and int(self.keys[pos]) == key


@dataclass
class CheckResult:
    spec: str
    bounds: dict
    results: list = field(default_factory=list)  # PropertyResult (both engines)
    slices: list = field(default_factory=list)  # SliceStats
    dead_transitions: list = field(default_factory=list)  # labels of rows never fired
    disagreements: list = field(default_factory=list)  # property names
    certificate: str = ""  # z3 certificate of the explicit state graph
    seconds: float = 0.0
    strict: bool = False
    graphs: list = field(default_factory=list, repr=False)  # explicit StateGraphs

    def explored(self) -> "Explored":
        """What this run explored, for ``Pair(explored=result.explored())``."""
        return Explored(self.graphs)

    @property
    def ok(self) -> bool:
        return not self.failures()

    def failures(self) -> list[str]:
        """Why the run is not OK, one line each (empty: it is OK)."""
        out = [f"{r.name} ({r.engine}): {r.verdict}, expected "
               f"{'a violation' if r.expect == 'violated' else 'a proof'}"
               for r in self.results if not r.ok]
        out += [f"the engines disagree on {name}" for name in self.disagreements]
        if self.strict and self.dead_transitions:
            out.append(f"{len(self.dead_transitions)} dead transitions (--strict)")
        if "FAILED" in self.certificate:
            out.append(f"certificate: {self.certificate}")
        stuck = [s for s in self.slices if s.deadlocks]
        if stuck:
            s = max(stuck, key=lambda s: s.deadlocks)
            out.append(f"{s.deadlocks} deadlocks (reachable states where no action is "
                       f"enabled), assuming {', '.join(s.assume) or 'nothing'}")
        return out
