"""A z3 certificate of the explicit engine: a proof that a set of explicit states holds
the initial state and is closed under ``T``, so the search that found it missed no
successor (the set as a decision diagram, ``_SetFormula``)."""

from __future__ import annotations

import logging
import time

from hapair.checker.arrays import distinct_rows, run_starts
from hapair.checker.symbolic.relation import (
    Encoding,
    _result,
    conjunction,
    disjunction,
    encoding,
    is_state_property,
)
from hapair.spec import Spec

log = logging.getLogger(__name__)

class _SetFormula:
    """A set of states as a z3 formula: its multi-valued decision diagram (a trie with
    equal sub-tries merged), each node a z3 Bool shared by all its parents.  The
    variables come in the spec's order or greedily (each next one the variable that
    splits the set into the fewest distinct prefixes), whichever gives fewer nodes: on
    one VSG slice the greedy diagram is a third of the other, and the query as faster.

    The diagram is built bottom up with NumPy, a level at a time: the nodes of a level
    are the distinct prefixes of that length, each a row ``child + 2`` indexed by the
    next variable's value (0: no such child), and equal rows are one node."""

    def __init__(self, enc: Encoding, columns: list, sizes: list | None = None):
        """``columns``: the kept variables of a set of distinct states, a variable at a
        time in ``enc.keep``'s order (or other columns, each in ``0 .. sizes[c] - 1``)."""
        self.enc = enc
        if sizes is None:
            sizes = [enc.spec.variables[i].type.size for i in enc.keep]
        best = None
        for order in (list(range(len(sizes))), _greedy_order(columns, sizes)):
            levels = _diagram_levels(columns, sizes, order)
            count = sum(len(unique) for _, unique in levels)
            if best is None or count < best[2]:
                best = (order, levels, count)
        self.order, self.nodes = best[0], _nodes(best[1])  # id -> (level, ((value, child), ...))
        self.root = len(self.nodes) - 1  # -1, the accepting leaf, for no variable

    def member(self, s: list, columns: list | None = None):
        """``s`` (a state vector) is in the set; or, given ``columns`` (a z3 term a
        column), the row they make."""
        z3 = self.enc.z3
        if columns is None:
            columns = [s[i] for i in self.enc.keep]
        formulas: list = []  # by node id; a child's id is below its parent's
        equals: dict = {}  # (level, value) -> the test of that level's variable
        for level, children in self.nodes:
            x = columns[self.order[level]]
            num = self.enc.num if x.sort() == self.enc.sort else \
                (lambda v, x=x: z3.BitVecVal(v, x.sort()))
            tests = []
            for v, c in children:
                if (level, v) not in equals:
                    equals[level, v] = x == num(v)
                tests.append(equals[level, v] if c < 0 else
                             conjunction(z3, [equals[level, v], formulas[c]]))
            formulas.append(disjunction(z3, tests))
        return formulas[self.root] if self.nodes else z3.BoolVal(True)


def _nodes(levels: list) -> list:
    """The diagram's nodes from ``_diagram_levels``: a row ``child + 2`` by value (0: no
    such child) becomes ``(level, ((value, child), ...))``."""
    nodes: list = []
    for level, unique in levels:
        for row in unique.tolist():
            nodes.append((level, tuple((v, c - 2) for v, c in enumerate(row) if c)))
    return nodes


def _diagram_levels(columns: list, sizes: list, order: list | None = None) -> list:
    """The nodes of the reduced trie of the distinct rows ``columns`` make (children before
    parents; child -1: the accepting leaf) as arrays, a level at a time from the last
    variable: ``[(level, rows), ...]``, each row a node (its child ids + 2 by value), ids
    counted through the levels in this order.  Their number is the diagram's size, known
    before any node is made a Python object.  ``order``: the columns (each in
    ``0 .. sizes[c] - 1``) taken as the variables, in that order (default: all).

    Each row is read as one number in mixed radix, the first variable most significant,
    so that a prefix of a row is the number divided by the weight of the columns after
    it: one sort, then each level works on the distinct prefixes of the level below."""
    import numpy as np

    order = list(range(len(columns))) if order is None else list(order)
    sizes, m = [sizes[c] for c in order], len(order)
    if m == 0:
        return []
    if float(np.prod([float(s) for s in sizes])) >= 2.0 ** 62:  # too wide for an int64
        return _diagram_levels_wide(np.column_stack([columns[c] for c in order]), sizes)
    prefixes = np.zeros(len(columns[0]), np.int64)
    for level, c in enumerate(order):
        prefixes *= sizes[level]
        prefixes += columns[c]
    prefixes.sort()
    prefixes = prefixes[run_starts(prefixes)]  # the distinct rows, then shorter prefixes
    child = np.full(len(prefixes), -1, np.int64)  # per prefix: its node (-1: accept)
    levels: list = []
    base = 0
    for level in range(m - 1, -1, -1):
        parent, value = np.divmod(prefixes, sizes[level])
        first = run_starts(parent)
        group = np.cumsum(first) - 1
        grid = np.zeros((group[-1] + 1, sizes[level]), np.int64)
        grid[group, value] = child + 2
        unique, inverse = distinct_rows(grid, inverse=True)
        levels.append((level, unique))
        prefixes, child = parent[first], base + inverse.reshape(-1)
        base += len(unique)
    return levels


def _diagram_levels_wide(table, sizes: list) -> list:
    """``_diagram_levels`` of rows too wide to be one int64: sorted column by column."""
    import numpy as np

    n, m = table.shape
    table = table[np.lexsort(table.T[::-1])] if m > 1 else np.sort(table, axis=0)
    # starts[l]: the rows where a new prefix of length l begins
    change = np.zeros((n, m + 1), bool)
    change[1:, 1:] = table[1:] != table[:-1]
    starts = np.logical_or.accumulate(change, axis=1)
    starts[0, :] = True
    child = np.full(n, -1, np.int64)  # per row: the node of its prefix of length l + 1
    levels: list = []
    base = 0
    for level in range(m - 1, -1, -1):
        group = np.cumsum(starts[:, level]) - 1  # the prefix of length level, per row
        first = np.flatnonzero(starts[:, level + 1])  # one row per longer prefix
        grid = np.zeros((group[-1] + 1, sizes[level]), np.int64)
        grid[group[first], table[first, level]] = child[first] + 2
        unique, inverse = distinct_rows(grid, inverse=True)
        levels.append((level, unique))
        child = base + inverse.reshape(-1)[group]
        base += len(unique)
    return levels


def _greedy_order(columns: list, sizes: list) -> list[int]:
    """Column positions, the fewest distinct prefixes first (ties: the spec's order).
    A prefix is numbered by its rank among the distinct prefixes (so the numbers stay
    below the number of rows), and one more column's distinct values are counted by
    marking ``code * size + value`` in a table of booleans."""
    import numpy as np

    n = len(columns[0]) if columns else 0
    if not n or not sizes:
        return list(range(len(sizes)))
    code, count = np.zeros(n, np.int64), 1
    order, rest = [], list(range(len(sizes)))

    def marks(c: int):
        seen = np.zeros(count * sizes[c], bool)
        seen[code * sizes[c] + columns[c]] = True
        return seen

    while rest and count < n:
        best = min(rest, key=lambda c: (int(np.count_nonzero(marks(c))), c))
        seen = marks(best)
        rank = np.cumsum(seen) - 1
        code, count = rank[code * sizes[best] + columns[best]], int(rank[-1]) + 1
        order.append(best)
        rest.remove(best)
    return order + rest  # every prefix distinct: each column ties, in the spec's order


def certify(spec: Spec, states, *, assume=(), keep=None, bits: bool = True,
            per_rule: bool = False, props: tuple = ()) -> tuple[bool, str]:
    """Prove with z3 that ``states`` (full-width tuples) hold the initial state and are
    closed under every rule of ``Model(spec, assume, keep)``.

    The set becomes a decision diagram over the kept variables, one formula ``In(s)``,
    built once; the query ``In(s) /\\ T(s, r, s') /\\ not In(s')`` must be unsat (one
    query for all rules, or one per rule with ``per_rule``).  A model of it is a missed
    successor, and the message names the state and the rule.  Returns ``(ok, message)``.

    >>> import hapair
    >>> certify(hapair.load(), [hapair.load().initial], assume=(), keep=frozenset())
    (True, 'certified: 1 states closed under 0 rules (0 variables)')
    """
    ok, message, _ = certify_and_prove(spec, states, assume=assume, keep=keep, bits=bits,
                                       per_rule=per_rule, props=props)
    return ok, message


def certify_and_prove(spec: Spec, states, *, assume=(), keep=None, bits: bool = True,
                      per_rule: bool = False, props: tuple = ()) -> tuple[bool, str, dict]:
    """``certify``, and then, with the certified set as an inductive invariant (it holds
    initially and is closed under every step, so it contains every reachable state),
    an unbounded proof of each ``always`` / ``action`` property of ``props`` that holds
    on it: ``In(s) /\\ not P(s)``, or ``In(s) /\\ T(s, r, s') /\\ bad step``, unsat.
    Returns ``(ok, message, {name: PropertyResult})``: a property that fails on the set
    is left out, for BMC to find its counterexample."""
    start = time.perf_counter()
    enc = encoding(spec, tuple(assume), None if keep is None else frozenset(keep), bits)
    columns, count, why = _project(enc, states)
    if why:
        return False, why, {}
    z3 = enc.z3
    pre, post, sel = enc.state("c"), enc.state("d"), enc.selector("c")
    dd = _SetFormula(enc, columns)
    solver = z3.SolverFor(enc.logic)
    inside = dd.member(pre)  # built once, then renamed for the successor
    outside = z3.Not(z3.substitute(inside, *[(pre[i], post[i]) for i in enc.keep]))
    solver.add(inside)
    solver.push()  # the step in a scope of its own: a state with no successor (a
    solver.add(enc.step(pre, sel, post))  # deadlock) must still answer for an invariant
    for group in ([[i] for i in enc.live] if per_rule else [enc.live]):
        res = solver.check(outside, z3.Or([sel == i for i in group]))
        if res != z3.unsat:
            return False, _missed(enc, solver, res, pre, sel, post), {}
    message = (f"certified: {count} states closed under {len(enc.live)} rules "
               f"({len(enc.keep)} variables)")
    proved = {}
    note = f"inductive invariant: the certified reachable set ({count} states) holds it"
    for prop in props:  # the steps' properties, with the step
        t = time.perf_counter()
        if prop.form == "step" and \
                solver.check(enc.bad_step(prop, pre, sel, post)) == z3.unsat:
            proved[prop.name] = _result(prop, enc, "proved", t, note=note)
    solver.pop()
    for prop in props:  # the states' properties, on every state of the set
        t = time.perf_counter()
        if is_state_property(prop) and solver.check(enc.bad_state(prop, pre)) == z3.unsat:
            proved[prop.name] = _result(prop, enc, "proved", t, note=note)
    log.debug("certified and proved %d properties in %.2fs", len(proved),
              time.perf_counter() - start)
    return True, message, proved


def _project(enc: Encoding, states) -> tuple:
    """The states on the kept variables, distinct, a variable at a time in ``enc.keep``'s
    order: ``(columns, number of states, "")``, or ``([], 0, why)`` when they cannot be.
    ``states``: full-width state tuples, an array with a state a row, or the
    ``StateGraph`` of a slice that tracks no variable outside ``enc.keep`` (its states
    hold every other variable at its initial value, and differ on the kept ones)."""
    import numpy as np

    spec = enc.spec
    initial = np.asarray(spec.initial, dtype=np.int64)
    if hasattr(states, "column") and set(states.model.keep) <= set(enc.keep):
        columns, count = [states.column(i) for i in enc.keep], len(states)
    else:
        if hasattr(states, "column"):
            states = states.table
        if not isinstance(states, np.ndarray):
            states = list(states)
        table = np.asarray(states, dtype=np.int64).reshape(-1, len(spec.variables))
        outside = [v.index for v in spec.variables if v.index not in enc.keep]
        off_rows = np.flatnonzero((table[:, outside] != initial[outside]).any(axis=1))
        if len(off_rows):
            full = tuple(int(v) for v in table[off_rows[0]])
            off = next(spec.variables[i].name for i in outside if full[i] != spec.initial[i])
            return [], 0, f"state {spec.decode(full)} sets {off}, outside the slice"
        rows = distinct_rows(table[:, list(enc.keep)])
        columns, count = [rows[:, c] for c in range(len(enc.keep))], len(rows)
    at_start = np.ones(count, bool)
    for i, column in zip(enc.keep, columns):
        at_start &= column == initial[i]
    if not at_start.any():
        return [], 0, "the initial state is missing from the set"
    return columns, count, ""


def _missed(enc: Encoding, solver, res, pre: list, sel, post: list) -> str:
    if res != enc.z3.sat:
        return f"z3 could not decide closure ({solver.reason_unknown()[:200]})"
    m = solver.model()
    i = m.eval(sel, model_completion=True).as_long()
    r = enc.spec.rules[i]
    where = f"module {r.node}" if r.node else "the link"

    def show(s: list) -> str:
        values = enc.spec.decode(enc.concrete(m, s))
        return "{" + ", ".join(f"{k}={values[k]}" for k in enc.tracked) + "}"

    return (f"missed successor: rule {i} ({r.transition.label}, on {where}) leads from "
            f"{show(pre)} to {show(post)}, which is not in the set")




