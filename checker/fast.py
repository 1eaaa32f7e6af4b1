"""The fast explicit engine: breadth-first search over packed states with NumPy.

Same search as ``checker.explicit.explore`` and the same results (states, edges, depth),
built for speed and small memory:

* a state is one ``int64``: each tracked variable gets a bit field just wide enough for
  its domain (``Layout``); variables outside the slice are not stored at all;
* the model's guards and effects are compiled once (from the same typed trees as
  ``Model``) into one generated NumPy function that takes a whole chunk of the frontier:
  every row's ``fires`` condition (first match, decided by the spec) is a boolean mask
  over the chunk (shared subexpressions computed once), and each row's effects are
  applied to the states it selects, all at once;
* the visited set is a sorted ``int64`` array; each BFS level is deduplicated with
  one sort and a ``searchsorted`` against it, then merged in.

Per stored state it keeps 22 bytes: the code twice (the sorted set and the level it was
found at), the parent's id (``int32``) and the rule from it (``int16``); edges are
counted, not stored, unless ``edges=True`` (then also each state's id beside the sorted
set, and per edge its source's id, its rule and its successor's id: 10 bytes).

>>> import hapair
>>> from hapair.model import Model
>>> from hapair.checker.explicit import explore
>>> m = Model(hapair.load("vrrp"))
>>> r, g = explore_fast(m), explore(m)
>>> (r.state_count, r.edge_count, r.max_depth) == (len(g.states), len(g.src), g.max_depth)
True
>>> r.decode(r.codes[0]) == hapair.load("vrrp").initial
True

Limits: at most 63 bits of tracked state, 2**31 states (and candidates a level) and
2**15 rules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from hapair.checker.arrays import first_of_each
from hapair.checker.results import Trace, TraceStep
from hapair.model import Model
from hapair.spec.errors import HapairError
from hapair.spec.lang import Node, interval


class StateTooWide(HapairError, ValueError):
    """A product whose packed state does not fit in 63 bits: a one-line error."""


class Layout:
    """Bit fields for the tracked variables: ``code = sum(value_i << shift_i)``."""

    def __init__(self, model: Model):
        self.width = model.width
        self.initial = tuple(model.spec.initial)
        self.kept = tuple(sorted(model.keep))
        self.shift: dict[int, int] = {}
        self.bits: dict[int, int] = {}
        at = 0
        for i in self.kept:
            size = model.spec.variables[i].type.size
            self.bits[i] = max(1, (size - 1).bit_length())
            self.shift[i] = at
            at += self.bits[i]
        if at > 63:
            raise StateTooWide(f"the tracked state needs {at} bits; the packed engine stores "
                               "at most 63 (an int64): lower the bounds, assume more, or "
                               "slice the model (keep=)")
        self.total_bits = at

    def mask(self, i: int) -> int:
        return (1 << self.bits[i]) - 1

    def pack(self, state: tuple) -> int:
        return sum(int(state[i]) << self.shift[i] for i in self.kept)

    def unpack(self, code: int) -> tuple:
        out = list(self.initial)
        for i in self.kept:
            out[i] = (int(code) >> self.shift[i]) & self.mask(i)
        return tuple(out)

    def unpack_many(self, codes: np.ndarray) -> np.ndarray:
        """An ``(n, width)`` array of variable values."""
        codes = np.asarray(codes, dtype=np.int64)
        out = np.tile(np.asarray(self.initial, dtype=np.int16), (len(codes), 1))
        for i in self.kept:
            out[:, i] = (codes >> self.shift[i]) & self.mask(i)
        return out

    def unpack_columns(self, codes: np.ndarray) -> np.ndarray:
        """The same values as ``unpack_many``, as ``int64`` in column-major order: a
        variable of every state is one contiguous column (the analyses read columns)."""
        codes = np.asarray(codes, dtype=np.int64)
        out = np.empty((len(codes), self.width), np.int64, order="F")
        for i in range(self.width):
            if i in self.shift:
                np.bitwise_and(codes >> self.shift[i], self.mask(i), out=out[:, i])
            else:
                out[:, i] = self.initial[i]
        return out


# -- compiling the rules into one NumPy step function -------------------------------

class _Gen:
    """Generates the source of ``step(c)``: for a chunk ``c`` of codes, every
    ``(source positions, rule, successor codes)``."""

    def __init__(self, model: Model, layout: Layout):
        self.model, self.layout = model, layout
        self.lines: list[str] = []
        self.memo: dict = {}
        self.count = 0
        self.indent = "    "

    def emit(self, text: str) -> None:
        self.lines.append(self.indent + text)

    def temp(self, key, text: str, memo: dict) -> str:
        if key not in memo:
            self.count += 1
            memo[key] = f"t{self.count}"
            self.emit(f"{memo[key]} = {text}")
        return memo[key]

    def var(self, i: int, env: str) -> str:
        if i not in self.layout.shift:
            return str(self.layout.initial[i])
        return f"{env}{i}"

    def boolean(self, node: Node, env: str, memo: dict) -> str:
        """A name or literal holding a condition (bool array or Python bool)."""
        op = node.op
        if op == "const":
            return "True" if node.data else "False"
        if op == "var":
            v = self.var(node.data, env)
            return v if v.isdigit() else self.temp((node, "b"), f"({v} != 0)", memo)
        if op in ("and", "or"):
            return self.junction(node, env, memo)
        if op == "not":
            inner = self.boolean(node.args[0], env, memo)
            return self.temp((node, "b"), f"np.logical_not({inner})", memo)
        if op == "cmp":
            a, b = (self.value(x, env, memo) for x in node.args)
            return self.temp((node, "b"), f"({a} {node.data} {b})", memo)
        if op == "in":
            x = self.value(node.args[0], env, memo)
            text = " | ".join(f"({x} == {c})" for c in node.data) or "False"
            return self.temp((node, "b"), f"({text})", memo)
        if op == "ite":
            c, t, e = (self.boolean(x, env, memo) for x in node.args)
            return self.temp((node, "b"), f"np.where({c}, {t}, {e})", memo)
        raise ValueError(f"{op!r} is not a condition")

    def junction(self, node: Node, env: str, memo: dict) -> str:
        unit, zero = ("True", "False") if node.op == "and" else ("False", "True")
        parts = []
        for x in node.args:
            p = self.boolean(x, env, memo)
            if p == zero:
                return zero
            if p != unit and p not in parts:
                parts.append(p)
        if not parts:
            return unit
        if len(parts) == 1:
            return parts[0]
        sym = " & " if node.op == "and" else " | "
        return self.temp((node, "b"), "(" + sym.join(parts) + ")", memo)

    def value(self, node: Node, env: str, memo: dict) -> str:
        """A name or literal holding a number (int16 array or Python int)."""
        op, a = node.op, node.args
        if op == "const":
            return str(int(node.data))
        if op == "var":
            return self.var(node.data, env)
        if node.type.kind == "bool":
            b = self.boolean(node, env, memo)
            return {"True": "1", "False": "0"}.get(b) or \
                self.temp((node, "i"), f"np.asarray({b}, dtype=np.int16)", memo)
        if op == "arith":
            x, y = (self.value(n, env, memo) for n in a)
            lo, hi = interval(node)
            if lo < -(1 << 14) or hi >= 1 << 14:  # past int16: compute in int64
                x = f"np.asarray({x}, dtype=np.int64)"
            return self.temp((node, "i"), f"({x} {node.data} {y})", memo)
        if op == "ite":
            c = self.boolean(a[0], env, memo)
            x, y = (self.value(n, env, memo) for n in a[1:])
            return self.temp((node, "i"), f"np.where({c}, {x}, {y})", memo)
        if op in ("min", "max"):
            out = self.value(a[0], env, memo)
            for n in a[1:]:
                out = self.temp((node, "i", out), f"np.{op}imum({out}, "
                                f"{self.value(n, env, memo)})", memo)
            return out
        raise ValueError(f"{op!r} is not a number")

    # -- the step function ------------------------------------------------------------

    def extract(self, env: str, source: str, wanted) -> None:
        lay = self.layout
        for i in sorted(wanted):
            if i in lay.shift:
                self.emit(f"{env}{i} = (({source} >> {lay.shift[i]}) & {lay.mask(i)})"
                          ".astype(np.int16)")

    def source(self) -> str:
        self.lines = ["def step(c, n):", "    out = []"]
        self.extract("V", "c", self.layout.kept)
        for i in self.model.rows:
            self.row(i)
        self.lines.append("    return out")
        return "\n".join(self.lines)

    def row(self, i: int) -> None:
        """The states where rule ``i`` fires (``Rule.fires``: first match is decided in
        the spec), and its kept effects on them."""
        fire = self.boolean(self.model.spec.rules[i].fires, "V", self.memo)
        if fire == "False":
            return
        self.emit(f"idx = _where({fire}, n)")
        self.emit("if idx.size:")
        self.indent = "        "
        self.effects(i, self.model.effects[i])
        self.indent = "    "

    def effects(self, rule: int, kept: tuple) -> None:
        from hapair.spec.lang import names

        lay = self.layout
        reads = set().union(*(names(e) for _, e in kept)) & set(lay.shift)
        self.emit("cs = c[idx]")
        for i in sorted(reads):
            self.emit(f"W{i} = V{i}[idx]")
        clear = sum(lay.mask(i) << lay.shift[i] for i, _ in kept)
        fixed, parts, memo = 0, [], {}
        for i, e in kept:
            v = self.value(e, "W", memo)
            if v.lstrip("-").isdigit():
                fixed |= (int(v) & lay.mask(i)) << lay.shift[i]
            else:
                parts.append(f"(np.asarray({v}, dtype=np.int64) << {lay.shift[i]})")
        keep_mask = ((1 << 63) - 1) & ~clear
        expr = " | ".join([f"(cs & {keep_mask})", *([str(fixed)] if fixed else []), *parts])
        self.emit(f"out.append((idx, {rule}, {expr}))")


def _where(mask, n: int) -> np.ndarray:
    """The positions where ``mask`` holds: a bool array over the chunk, or one bool (a
    condition on untracked variables only) that holds everywhere or nowhere."""
    if mask.__class__ is np.ndarray and mask.shape == (n,):
        return mask.nonzero()[0]
    return np.flatnonzero(np.broadcast_to(mask, (n,)))


def compile_step(model: Model, layout: Layout):
    """The generated NumPy successor function ``step(codes, n) -> [(idx, rule, new)]``."""
    src = _Gen(model, layout).source()
    scope: dict = {"np": np, "_where": _where}
    exec(src, scope)  # noqa: S102 - source built from the spec's typed trees
    return scope["step"], src


# -- the search ---------------------------------------------------------------------

@dataclass
class FastResult:
    """Reachable states of ``model`` as packed codes, level by level (BFS order, each
    level sorted by code).  A state's id is its position in ``codes``."""

    model: Model
    layout: Layout
    levels: list = field(default_factory=list)
    parent: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    via: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    edge_count: int = 0
    seconds: float = 0.0
    edge_ids: tuple | None = None  # (src ids, rules, dst ids) with edges=True

    @property
    def state_count(self) -> int:
        return sum(len(x) for x in self.levels)

    @property
    def max_depth(self) -> int:
        return len(self.levels) - 1

    @property
    def codes(self) -> np.ndarray:
        return np.concatenate(self.levels) if self.levels else np.zeros(0, np.int64)

    @property
    def edge_list(self) -> tuple | None:
        """``(src ids, rules, dst codes)`` of every edge, with ``edges=True``."""
        if self.edge_ids is None:
            return None
        src, rule, dst = self.edge_ids
        return src, rule, self.codes[dst]

    @property
    def nbytes(self) -> int:
        """Bytes held per the result (levels, parent, via; the sorted set is dropped)."""
        return sum(x.nbytes for x in self.levels) + self.parent.nbytes + self.via.nbytes

    def decode(self, code: int) -> tuple:
        """The state tuple (full width, as ``Model`` has it) of a packed code."""
        return self.layout.unpack(code)

    def state(self, sid: int) -> tuple:
        for lv in self.levels:
            if sid < len(lv):
                return self.decode(lv[sid])
            sid -= len(lv)
        raise IndexError("state id out of range")

    def states(self) -> set:
        """Every reachable state as a tuple (small models only)."""
        return {tuple(int(x) for x in row) for row in self.layout.unpack_many(self.codes)}

    def trace_to(self, sid: int) -> Trace:
        """A shortest path from the initial state to state ``sid``."""
        ids = []
        while sid != -1:
            ids.append(sid)
            sid = int(self.parent[sid])
        ids.reverse()
        rules = self.model.spec.rules
        steps = [TraceStep(rules[r].node, rules[r].transition.trigger, r)
                 for r in (int(self.via[i]) for i in ids[1:])]
        tracked = tuple(v.name for v in self.model.spec.variables if v.index in self.model.keep)
        return Trace([self.state(i) for i in ids], steps, None, tracked)


class _Level:
    """Candidates of the next level, collected chunk by chunk; with edges, each chunk's
    successor ids, a candidate's written as ``-1 - k`` (its place among the level's
    candidates) until the level is closed."""

    def __init__(self):
        self.codes, self.src, self.rule, self.dst = [], [], [], []
        self.count = 0

    def add(self, codes: np.ndarray, src: np.ndarray, rule: np.ndarray) -> None:
        self.codes.append(codes)
        self.src.append(src)
        self.rule.append(rule)
        self.count += len(codes)


class _Seen:
    """The visited set: sorted codes, and (when edges are kept) each one's state id."""

    def __init__(self, init: np.ndarray, ids: bool):
        self.codes = init
        self.ids = np.arange(len(init), dtype=np.int32) if ids else None

    def add(self, new: np.ndarray, first_id: int) -> None:
        if self.ids is None:
            self.codes = np.concatenate((self.codes, new))
            self.codes.sort(kind="stable")  # in place; timsort merges the two sorted runs
            return
        at = np.searchsorted(self.codes, new)
        self.codes = np.insert(self.codes, at, new)
        self.ids = np.insert(self.ids, at, np.arange(first_id, first_id + len(new),
                                                     dtype=np.int32))


def _chunk(step, frontier: np.ndarray, base: int, seen: _Seen, level: _Level,
           edges: list | None, bits: int = 63) -> int:
    """Expand one chunk of the frontier; returns its number of edges.  ``bits``: the
    width of a code."""
    found = step(frontier, len(frontier))
    if not found:
        return 0
    codes = np.concatenate([f[2] for f in found])
    src = np.concatenate([f[0] for f in found]).astype(np.int32) + base
    rule = np.concatenate([np.full(len(f[0]), f[1], np.int16) for f in found])
    uniq, first, *which = first_of_each(codes, bits, inverse=edges is not None)
    pos, old = _where_seen(seen.codes, uniq)
    fresh = ~old
    if edges is not None:  # each successor's id (a candidate's: -1 - its place)
        ids = np.empty(len(uniq), np.int32)
        ids[old] = seen.ids[pos[old]]
        ids[fresh] = -1 - level.count - np.arange(np.count_nonzero(fresh), dtype=np.int32)
        edges.append((src, rule, ids[which[0]]))
        level.dst.append(edges[-1][2])
    first = first[fresh]
    level.add(uniq[fresh], src[first], rule[first])
    return len(codes)


def _where_seen(seen: np.ndarray, codes: np.ndarray) -> tuple:
    """For sorted ``codes``: their positions in ``seen`` and whether they are there."""
    if not len(seen):
        return np.zeros(len(codes), np.int64), np.zeros(len(codes), bool)
    pos = np.searchsorted(seen, codes)
    np.minimum(pos, len(seen) - 1, out=pos)
    return pos, seen[pos] == codes


def _close(level: _Level, bits: int = 63, first_id: int = 0) -> tuple:
    """The new level (sorted codes) with each state's parent and rule; with edges, the
    candidates' ids (``first_id`` onwards, in code order) put into the level's edges."""
    if not level.codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int16)
    codes = np.concatenate(level.codes)
    uniq, first, *which = first_of_each(codes, bits, inverse=bool(level.dst))
    if level.dst:
        ids = first_id + which[0]
        for dst in level.dst:
            later = dst < 0
            dst[later] = ids[-1 - dst[later]]
    return uniq, np.concatenate(level.src)[first], np.concatenate(level.rule)[first]


def explore_fast(model: Model, *, chunk: int = 1 << 16, edges: bool = False,
                 limit: int | None = None) -> FastResult:
    """BFS of ``model`` over packed states; the same states, edges and depth as
    ``explore(model)``.  ``chunk``: frontier states expanded per NumPy call (memory
    versus per-call overhead); ``edges=True`` keeps every edge (``edge_list``)."""
    layout = Layout(model)
    step, _ = compile_step(model, layout)
    start = time.perf_counter()
    init = np.unique(np.array([layout.pack(s) for s in model.init_states()], np.int64))
    res = FastResult(model, layout, levels=[init])
    parents, vias = [np.full(len(init), -1, np.int32)], [np.full(len(init), -1, np.int16)]
    seen, base, kept_edges = _Seen(init, edges), 0, [] if edges else None
    while len(res.levels[-1]):
        frontier, level = res.levels[-1], _Level()
        for lo in range(0, len(frontier), chunk):
            res.edge_count += _chunk(step, frontier[lo:lo + chunk], base + lo, seen, level,
                                     kept_edges, layout.total_bits)
        base += len(frontier)
        new, parent, via = _close(level, layout.total_bits, len(seen.codes))
        if len(new):
            seen.add(new, len(seen.codes))
            if limit is not None and len(seen.codes) > limit:
                raise MemoryError(f"more than {limit} states")
            res.levels.append(new)
            parents.append(parent)
            vias.append(via)
        else:
            break
    res.parent, res.via = np.concatenate(parents), np.concatenate(vias)
    if kept_edges is not None:
        kinds = (np.int32, np.int16, np.int32)
        res.edge_ids = tuple(np.concatenate([e[k] for e in kept_edges]) if kept_edges
                             else np.zeros(0, kinds[k]) for k in range(3))
    res.seconds = time.perf_counter() - start
    return res
