"""Valid hapair specs drawn at random: the programs of the conformance suite.

Csmith keeps C compilers honest by generating valid programs that every back end must
agree on; this module does the same for the spec format.  ``specs()`` is a Hypothesis
strategy of spec dicts (plain, JSON-able data) covering the whole grammar of
``docs/spec-format.md``, the only source of truth used here: where the loader refuses
something the docs allow, the generator still makes it, because that is a loader bug.
Every expression is well typed per the docs, every trigger used has its entry and every
entry is used, and the product of the domains stays small (at most 2,000 states, one spec
in ten 10,000) so that every backend can explore it.  Each machine's first rows usually
cycle through its states and guards are sparse, else a random spec rarely leaves its
initial state: over seeds 0..299 the median spec reaches 15 states, one in ten 400 or more.

Names the docs leave open are avoided (``SILENT_NAMES``); names that collide with what a
backend generates (``COLLIDE``: ``P0``, ``proctype``, ``n1_door`` beside a node variable
``door``, ...) are drawn often.

Every choice is an integer drawn from one ``Chooser``: Hypothesis's ``draw`` (so a
failing spec shrinks) or a seeded ``random.Random`` (``spec_from_seed``: the same spec
for the same seed, without a test context).

>>> spec_from_seed(7) == spec_from_seed(7)
True

``features(spec)`` names the parts of the format a spec uses (``FEATURES`` lists them):
the coverage test asserts that a few hundred seeds reach every one.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, NamedTuple, Sequence, TypeVar

from hypothesis import strategies as st

# The docs' grammar gives these words a meaning of their own (name forms, operators,
# literals, quantifiers, nK): never an expression name (variable, macro, bound, quantifier).
RESERVED = frozenset({"self", "peer", "others", "other", "nodes", "pre", "post", "True",
                      "False", "and", "or", "not", "in", "if", "else", "for", "any", "all",
                      "count", "min", "max"})
# Python keywords the grammar does not use: the docs neither allow nor forbid them as a
# variable name (expressions are Python syntax, where they would not parse), so avoided.
SILENT_NAMES = ["None", "as", "assert", "async", "await", "break", "class", "continue", "def",
                "del", "elif", "except", "finally", "from", "global", "import", "is",
                "lambda", "nonlocal", "pass", "raise", "return", "try", "while", "with",
                "yield"]
# Names a backend might generate itself (SPIN's, z3's, the exporters'), drawn often.
COLLIDE = ("P0", "P1", "n1_door", "state", "init", "run", "active", "proctype", "byte",
           "bit", "int", "chan", "never", "assert", "skip", "timeout", "np_", "len", "rule",
           "sel", "pre", "post", "step", "s", "x", "And", "Or", "If")
BUILTIN_PROPERTY = "EffectsInDomain"  # the docs' built-in invariant: not a user's name
QVARS = ("o", "m", "w", "u")  # quantifier variables: kept out of every other expression name
KINDS = ("internal", "physical", "fault", "traffic", "operator")
FAIRNESS = ("weak", "strong", "none", "finite")
CMP = ("==", "!=", "<", "<=", ">", ">=")
MAX_DEPTH = 3  # expression nesting: small trees load and evaluate fast
DISPLAY = ("door A", "door B", "module 1", "module 2", "node 2", "n1", "left side",
           "Ölpumpe", "rack-3 'east'", "x")
TEXTS = ("", "why it is there", "l'ami \"quoted\"", "über alles", "a: b # c", "one line")
VALUE_POOL = ("off", "on", "idle", "busy", "open", "closed", "init", "active", "timeout",
              "skip", "up", "down")
VAR_POOL = ("door", "openings", "prio", "up", "flag", "mode", "link", "role")
BOUND_POOL = ("MAX", "LIMIT", "CAP", "N_MAX", "MAX_OPENINGS", "P0", "K")
TAG_POOL = ("failover", "fault", "ops", "step", "run", "election")
LOWER = "abcdefghijklmnopqrstuvwxyz"

T = TypeVar("T")


class Chooser:
    """Every choice as an integer from one source; the helpers shrink toward the first
    option and toward "no" (a failing spec shrinks to a small one)."""

    def __init__(self, integer: Callable[[int, int], int]):
        self.integer = integer

    def chance(self, p: float) -> bool:
        return self.integer(0, 99) >= 100 - round(100 * p)

    def pick(self, items: Sequence[T]) -> T:
        return items[self.integer(0, len(items) - 1)]

    def some(self, items: Sequence[T], lo: int, hi: int) -> list[T]:
        """``lo`` to ``hi`` distinct items, in drawn order."""
        pool, out = list(items), []
        for _ in range(self.integer(min(lo, len(pool)), min(hi, len(pool)))):
            out.append(pool.pop(self.integer(0, len(pool) - 1)))
        return out

    def text(self) -> str:
        return self.pick(TEXTS)


# -- types and the names an expression can see -------------------------------------


@dataclass(frozen=True)
class Ty:
    """A domain of the docs: bool, an enum (``key``: the variable it belongs to, so two
    enums are never compared even when their names agree), or an int range 0..hi."""

    kind: str
    key: str = ""
    values: tuple[str, ...] = ()
    hi: int = 1

    @property
    def size(self) -> int:
        return len(self.values) if self.kind == "enum" else 2 if self.kind == "bool" \
            else self.hi + 1

    def value(self, ch: Chooser) -> Any:
        """A JSON value of the domain (for ``initial``)."""
        if self.kind == "enum":
            return ch.pick(self.values)
        return ch.chance(0.5) if self.kind == "bool" else ch.integer(0, self.hi)


@dataclass
class World:
    """What expressions may name: node and global variables, bounds, macros."""

    n: int
    bounds: dict[str, int] = field(default_factory=dict)
    node_vars: dict[str, Ty] = field(default_factory=dict)
    global_vars: dict[str, Ty] = field(default_factory=dict)
    macros: list[tuple[str, bool]] = field(default_factory=list)  # (name, uses self)


@dataclass(frozen=True)
class Ctx:
    """Where an expression is typed: with a ``self`` (node rows, node-bound properties),
    an ``other`` (an ``others.x`` effect), quantifier variables, and in an action
    property's ``require`` (``prefix``: every state name is ``pre.`` or ``post.``)."""

    world: World
    self_ok: bool = False
    other_ok: bool = False
    bound: tuple[str, ...] = ()
    prefix: bool = False
    depth: int = 0

    def deeper(self) -> Ctx:
        return replace(self, depth=self.depth + 1)


class Ex(NamedTuple):
    """An expression's text; ``atom``: needs no parentheses as an operand; ``lo``..``hi``:
    the values an int expression can take (the loader refuses an effect outside)."""

    text: str
    atom: bool = True
    lo: int = 0
    hi: int = 1


def wrap(e: Ex) -> str:
    return e.text if e.atom else f"({e.text})"


def _heads(c: Ctx) -> list[str]:
    """How a node variable can be named here (repeats weight the local forms)."""
    heads = [f"n{k}" for k in range(1, c.world.n + 1)]
    if c.self_ok:
        heads += ["self"] * 3 + (["peer"] * 2 if c.world.n == 2 else [])
    if c.other_ok:
        heads += ["other"] * 3
    return heads + [v for v in c.bound for _ in range(4)]


def _ref(ch: Chooser, c: Ctx, name: str, node: bool) -> str:
    text = f"{ch.pick(_heads(c))}.{name}" if node else name
    return ch.pick(("pre.", "post.")) + text if c.prefix else text


def _vars(c: Ctx, kind: str, key: str = "") -> list[tuple[str, bool, Ty]]:
    w = c.world
    found = [(x, True, t) for x, t in w.node_vars.items()]
    found += [(g, False, t) for g, t in w.global_vars.items()]
    return [v for v in found if v[2].kind == kind and (not key or v[2].key == key)]


def _subjects(c: Ctx) -> list[Ty]:
    """The types a comparison can be about: every variable's, and plain numbers."""
    return [*c.world.node_vars.values(), *c.world.global_vars.values(),
            Ty("int", hi=c.world.n)]


# -- expressions ---------------------------------------------------------------------


def gen_bool(ch: Chooser, c: Ctx) -> Ex:
    """A condition."""
    kinds = ("lit", "var", "var", "var", "macro") if c.depth >= MAX_DEPTH else BOOL_KINDS
    return _BOOL[ch.pick(kinds)](ch, c)


def _b_lit(ch: Chooser, c: Ctx) -> Ex:
    return Ex(ch.pick(("True", "False")))


def _b_var(ch: Chooser, c: Ctx) -> Ex:
    found = _vars(c, "bool")
    if not found:
        return _b_cmp(ch, c.deeper()) if c.depth < MAX_DEPTH else _b_lit(ch, c)
    name, node, _ = ch.pick(found)
    return Ex(_ref(ch, c, name, node))


def _b_macro(ch: Chooser, c: Ctx) -> Ex:
    usable = [m for m, needs_self in c.world.macros if c.self_ok or not needs_self]
    if not usable:
        return _b_var(ch, c)
    name = ch.pick(usable)
    return Ex(ch.pick(("pre.", "post.")) + name if c.prefix else name)


def _b_not(ch: Chooser, c: Ctx) -> Ex:
    return Ex("not " + wrap(gen_bool(ch, c.deeper())), atom=False)


def _b_andor(ch: Chooser, c: Ctx) -> Ex:
    parts = [wrap(gen_bool(ch, c.deeper())) for _ in range(ch.integer(2, 3))]
    return Ex(f" {ch.pick(('and', 'or'))} ".join(parts), atom=False)


def _b_ite(ch: Chooser, c: Ctx) -> Ex:
    d = c.deeper()
    a, test, b = gen_bool(ch, d), gen_bool(ch, d), gen_bool(ch, d)
    return Ex(f"{wrap(a)} if {wrap(test)} else {wrap(b)}", atom=False)


def _b_quant(ch: Chooser, c: Ctx) -> Ex:
    text, _ = _quantifier(ch, c, ch.pick(("any", "all")))
    return Ex(text)


def _b_paren(ch: Chooser, c: Ctx) -> Ex:
    return Ex(f"({gen_bool(ch, c.deeper()).text})")


def _b_cmp(ch: Chooser, c: Ctx) -> Ex:
    """``a OP b`` of one type, a literal on either side (``'open' != n1.door``)."""
    ty, d = ch.pick(_subjects(c)), c.deeper()
    if ty.kind == "int":
        a, b = gen_int(ch, d, ty.hi), _i_lit(ch, d, ty.hi) if ch.chance(0.4) \
            else gen_int(ch, d, ty.hi)
        op = ch.pick(CMP)
    elif ty.kind == "enum":
        a, b, op = gen_enum(ch, d, ty, free=False), gen_enum(ch, d, ty), ch.pick(CMP[:2])
    else:
        a, b, op = gen_bool(ch, d), gen_bool(ch, d), ch.pick(CMP[:2])
    if ch.chance(0.35):
        a, b = b, a
    return Ex(f"{wrap(a)} {op} {wrap(b)}", atom=False)


def _b_in(ch: Chooser, c: Ctx) -> Ex:
    """``a in (literal, ...)`` / ``not in``, literals of ``a``'s domain."""
    ty, d = ch.pick(_subjects(c)), c.deeper()
    if ty.kind == "int":
        left = gen_int(ch, d, ty.hi)
        items = [str(k) for k in ch.some(range(ty.hi + 2), 2, 3)]
    elif ty.kind == "enum":
        left = gen_enum(ch, d, ty, free=False)
        items = [f"'{v}'" for v in ch.some(ty.values, 2, 3)]
    else:
        left, items = gen_bool(ch, d), ch.some(("True", "False"), 2, 2)
    op = ch.pick(("in", "not in"))
    return Ex(f"{wrap(left)} {op} ({', '.join(items)})", atom=False)


BOOL_KINDS = ("lit", "var", "var", "macro", "cmp", "cmp", "cmp", "cmp", "in", "not",
              "andor", "ite", "quant", "paren")
_BOOL: dict[str, Callable[[Chooser, Ctx], Ex]] = {
    "lit": _b_lit, "var": _b_var, "macro": _b_macro, "cmp": _b_cmp, "in": _b_in,
    "not": _b_not, "andor": _b_andor, "ite": _b_ite, "quant": _b_quant, "paren": _b_paren}


def _quantifier(ch: Chooser, c: Ctx, fname: str) -> tuple[str, int]:
    """``fname(E for V in nodes|others [if C])`` and how many nodes it ranges over;
    ``others`` only where there is a ``self``."""
    v = ch.pick([q for q in QVARS if q not in c.bound])
    over = "others" if c.self_ok and ch.chance(0.4) else "nodes"
    inner = replace(c, bound=c.bound + (v,), depth=c.depth + 1)
    body = wrap(_about(ch, inner, v) if ch.chance(0.6) else gen_bool(ch, inner))
    cond = f" if {wrap(gen_bool(ch, inner))}" if ch.chance(0.3) else ""
    return f"{fname}({body} for {v} in {over}{cond})", c.world.n - (over == "others")


def _about(ch: Chooser, c: Ctx, v: str) -> Ex:
    """A condition on node ``v``'s own variable (a quantifier's usual body)."""
    if not c.world.node_vars:
        return gen_bool(ch, c)
    x = ch.pick(sorted(c.world.node_vars))
    ty, name = c.world.node_vars[x], f"{v}.{x}"
    name = ch.pick(("pre.", "post.")) + name if c.prefix else name
    if ty.kind == "bool":
        return Ex(name)
    other = gen_enum(ch, c.deeper(), ty) if ty.kind == "enum" else gen_int(ch, c, ty.hi)
    op = ch.pick(CMP if ty.kind == "int" else CMP[:2])
    return Ex(f"{name} {op} {wrap(other)}", atom=False)


def gen_int(ch: Chooser, c: Ctx, hi: int) -> Ex:
    """A number; ``hi``: the top of the range its literals are drawn around."""
    kinds = ("lit", "var", "var", "bound") if c.depth >= MAX_DEPTH else INT_KINDS
    return _INT[ch.pick(kinds)](ch, c, hi)


def _i_lit(ch: Chooser, c: Ctx, hi: int) -> Ex:
    k = ch.integer(0, hi + 1)
    return Ex(str(k), lo=k, hi=k)


def _i_var(ch: Chooser, c: Ctx, hi: int) -> Ex:
    found = _vars(c, "int")
    if not found:
        return _i_lit(ch, c, hi)
    name, node, ty = ch.pick(found)
    return Ex(_ref(ch, c, name, node), lo=0, hi=ty.hi)


def _i_bound(ch: Chooser, c: Ctx, hi: int) -> Ex:
    if not c.world.bounds:
        return _i_var(ch, c, hi)
    name = ch.pick(sorted(c.world.bounds))
    return Ex(name, lo=c.world.bounds[name], hi=c.world.bounds[name])


def _i_arith(ch: Chooser, c: Ctx, hi: int) -> Ex:
    a, b, op = gen_int(ch, c.deeper(), hi), gen_int(ch, c.deeper(), hi), ch.pick("+-")
    lo, top = (a.lo + b.lo, a.hi + b.hi) if op == "+" else (a.lo - b.hi, a.hi - b.lo)
    return Ex(f"{wrap(a)} {op} {wrap(b)}", False, lo, top)


def _i_minmax(ch: Chooser, c: Ctx, hi: int) -> Ex:
    args = [gen_int(ch, c.deeper(), hi) for _ in range(ch.integer(2, 3))]
    f = ch.pick((min, max))
    return Ex(f"{f.__name__}({', '.join(a.text for a in args)})", True,
              f(a.lo for a in args), f(a.hi for a in args))


def _i_ite(ch: Chooser, c: Ctx, hi: int) -> Ex:
    d = c.deeper()
    a, test, b = gen_int(ch, d, hi), gen_bool(ch, d), gen_int(ch, d, hi)
    return Ex(f"{wrap(a)} if {wrap(test)} else {wrap(b)}", False, min(a.lo, b.lo),
              max(a.hi, b.hi))


def _i_count(ch: Chooser, c: Ctx, hi: int) -> Ex:
    text, members = _quantifier(ch, c, "count")
    return Ex(text, lo=0, hi=members)


INT_KINDS = ("lit", "lit", "var", "var", "var", "bound", "arith", "arith", "minmax", "ite",
             "count")
_INT: dict[str, Callable[[Chooser, Ctx, int], Ex]] = {
    "lit": _i_lit, "var": _i_var, "bound": _i_bound, "arith": _i_arith,
    "minmax": _i_minmax, "ite": _i_ite, "count": _i_count}


def gen_enum(ch: Chooser, c: Ctx, ty: Ty, free: bool = True) -> Ex:
    """A value of the enum ``ty``; unless ``free``, it names a variable of it (the
    other side of a comparison may be a bare literal)."""
    kind = ch.pick(("var", "lit", "lit") if c.depth >= MAX_DEPTH
                   else ("var", "lit", "lit", "ite"))
    if kind == "ite":
        d = c.deeper()
        first, test = ch.chance(0.5), wrap(gen_bool(ch, d))
        a = gen_enum(ch, d, ty, free or not first)
        b = gen_enum(ch, d, ty, free or first)
        return Ex(f"{wrap(a)} if {test} else {wrap(b)}", atom=False)
    if kind == "lit" and free:
        return Ex(f"'{ch.pick(ty.values)}'")
    name, node, _ = ch.pick(_vars(c, "enum", ty.key))
    return Ex(_ref(ch, c, name, node))


# -- names -------------------------------------------------------------------------------


def _plain(name: str) -> bool:
    """A name every namespace accepts (the docs' plain name, none of the grammar's)."""
    return name not in RESERVED and name not in SILENT_NAMES and not re.fullmatch(
        r"n\d+", name) and name.isidentifier() and name != BUILTIN_PROPERTY


def _random_name(ch: Chooser, upper: bool = False) -> str:
    letters = LOWER.upper() if upper else LOWER
    tail = "".join(ch.pick(letters + "0123456789_") for _ in range(ch.integer(0, 3)))
    return ch.pick(letters) + tail


def fresh(ch: Chooser, taken: set[str], pool: Sequence[str] = (), p_pool: float = 0.5,
          expr: bool = False, upper: bool = False) -> str:
    """A name not in ``taken`` (then added), often from ``pool``; an expression name
    (``expr``) is also none of the grammar's words, ``pre`` and ``post`` included."""
    usable = [p for p in pool if p not in taken and (_plain(p) or not expr)]
    name = ch.pick(usable) if usable and ch.chance(p_pool) else _random_name(ch, upper)
    base, k = name, 1
    while name in taken or (name not in pool and not _plain(name)) \
            or (expr and not _plain(name)):
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


# -- the spec --------------------------------------------------------------------------


@dataclass
class Machine:
    name: str
    scope: str
    variable: str
    states: list[str]
    initial: str
    rows: list[dict] = field(default_factory=list)
    doc: str | None = None


class Builder:
    """One spec, built in the order its parts depend on each other: nodes, bounds,
    machines and variables (within a state budget), macros, rows, triggers,
    assumptions, properties."""

    def __init__(self, ch: Chooser, max_nodes: int):
        self.ch = ch
        n = ch.pick([k for k in (2, 2, 2, 1, 3, 3, 4, 5, 6, 7, 8) if k <= max_nodes])
        self.w = World(n)
        self.limit = 10_000 if ch.chance(0.1) else 2_000
        self.size = 1  # the product of every variable's domain, over all nodes
        self.expr_names: set[str] = set(QVARS)
        self.machine_names: set[str] = set()
        self.trigger_names: set[str] = set()
        self.triggers: dict[str, str] = {}  # name -> scope, in order of first use
        self.machines: list[Machine] = []
        self.data: dict[str, dict[str, Any]] = {"global": {}, "node": {}}
        self.tags: list[str] = []  # every tag name drawn (not all end up on a trigger)
        self.tag_map: dict[str, list[str]] = {}  # trigger -> its tags
        self.assumptions: dict[str, list[str]] = {}

    # budget
    def fits(self, size: int, node: bool) -> bool:
        return self.size * size ** (self.w.n if node else 1) <= self.limit

    def take(self, size: int, node: bool) -> None:
        self.size *= size ** (self.w.n if node else 1)

    def nodes_decl(self) -> int | list[str]:
        """A count, a list of display names, or (for 2) often nothing: the default."""
        n, ch = self.w.n, self.ch
        if ch.chance(0.5):
            return n
        names: list[str] = []
        for k in range(1, n + 1):
            spare = [d for d in DISPLAY if d not in names]
            name = ch.pick(spare) if ch.chance(0.5) else f"box {k}"
            names.append(name if name not in names else f"{name} {k}")
        return names

    def bounds(self) -> None:
        taken = self.expr_names
        for _ in range(self.ch.integer(0, 2)):
            name = fresh(self.ch, taken, BOUND_POOL, 0.7, expr=True, upper=True)
            self.w.bounds[name] = self.ch.pick((2, 1, 3, 4, 0))

    def machine(self, scope: str) -> None:
        """A machine of 2 to 4 states, as many as the budget allows."""
        ch, node = self.ch, scope == "node"
        states = ch.integer(2, 4)
        while states > 2 and not self.fits(states, node):
            states -= 1
        if not self.fits(states, node) and self.machines:
            return
        self.take(states, node)
        var = fresh(ch, self.expr_names, ("state", "door", "role", "mode", "s", "x", "run",
                                          "active"), 0.6, expr=True)
        names: set[str] = set()
        values = [fresh(ch, names, VALUE_POOL + COLLIDE, 0.6) for _ in range(states)]
        name = var if ch.chance(0.4) and var not in self.machine_names else \
            fresh(ch, self.machine_names, COLLIDE)
        self.machine_names.add(name)
        self.machines.append(Machine(name, scope, var, values, ch.pick(values),
                                     doc=ch.text() if ch.chance(0.3) else None))
        self._vars(scope)[var] = Ty("enum", var, tuple(values))

    def _vars(self, scope: str) -> dict[str, Ty]:
        return self.w.node_vars if scope == "node" else self.w.global_vars

    def domain(self) -> tuple[Any, Ty]:
        """A domain of each kind the docs name: bool, a list, 0..N, 0..BOUND."""
        ch, kind = self.ch, self.ch.integer(0, 3)
        if kind == 1:
            names: set[str] = set()
            values = tuple(fresh(ch, names, VALUE_POOL, 0.7) for _ in range(ch.integer(2, 3)))
            return list(values), Ty("enum", values=values)
        if kind == 3 and self.w.bounds:
            bound = ch.pick(sorted(self.w.bounds))
            return f"0..{bound}", Ty("int", hi=self.w.bounds[bound])
        if kind >= 2:
            hi = ch.pick((2, 1, 3, 4, 0))
            return f"0..{hi}", Ty("int", hi=hi)
        return "bool", Ty("bool")

    def variable(self, scope: str, name: str | None = None) -> None:
        """A data variable, if its domain (or a bool) fits the budget."""
        node = scope == "node"
        decl, ty = self.domain()
        if not self.fits(ty.size, node):
            decl, ty = "bool", Ty("bool")
        if not self.fits(ty.size, node) or (name and name in self.expr_names):
            return
        self.take(ty.size, node)
        name = name or fresh(self.ch, self.expr_names, VAR_POOL + COLLIDE, 0.6, expr=True)
        self.expr_names.add(name)
        self._vars(scope)[name] = replace(ty, key=name) if ty.kind == "enum" else ty
        self.data[scope][name] = decl

    def declare(self) -> None:
        """Machines and data variables: fewer of them as nodes grow (the budget)."""
        ch, n = self.ch, self.w.n
        node_machines = ch.integer(0 if n < 5 else 1, 2 if n < 5 else 1)
        global_machines = ch.integer(0 if node_machines else 1, 2)
        for scope, count in (("node", node_machines), ("global", global_machines)):
            for _ in range(count):
                self.machine(scope)
        for scope in ("node", "global"):
            for _ in range(ch.integer(0, 2)):
                self.variable(scope)
        if self.w.node_vars and ch.chance(0.3):  # n1_openings beside node's openings
            self.variable("global", "n1_" + ch.pick(sorted(self.w.node_vars)))

    def macros(self) -> dict[str, str]:
        """Named conditions; some read ``self`` (typed where they are used)."""
        out: dict[str, str] = {}
        for _ in range(self.ch.integer(0, 3)):
            needs_self = bool(self.w.node_vars) and self.ch.chance(0.4)
            body = gen_bool(self.ch, Ctx(self.w, self_ok=needs_self, depth=1))
            name = fresh(self.ch, self.expr_names, ("both_open", "ready", "ok", "safe"), 0.5,
                         expr=True)
            out[name] = body.text
            self.w.macros.append((name, needs_self))
        return out

    # rows
    def trigger(self, scope: str) -> str:
        """A trigger for a row: often one already used in this scope (shared)."""
        used = [t for t, s in self.triggers.items() if s == scope]
        if used and self.ch.chance(0.45):
            return self.ch.pick(used)
        name = fresh(self.ch, self.trigger_names, COLLIDE + ("open", "close", "service"))
        self.triggers[name] = scope
        return name

    def guards(self, c: Ctx) -> str | list[str]:
        """One expression, or a list of them."""
        if self.ch.chance(0.65):
            return gen_bool(self.ch, c).text
        return [gen_bool(self.ch, c).text for _ in range(self.ch.integer(1, 2))]

    def targets(self, m: Machine) -> list[tuple[list[str], Ty]]:
        """Per variable a row may assign, the ways to name it: never the row's own
        state (that is ``dest``), each variable at most once."""
        n, node, out = self.w.n, m.scope == "node", []
        for x, ty in self.w.node_vars.items():
            own = node and x == m.variable
            forms = [f"n{k}.{x}" for k in range(1, n + 1)] if not own else []
            if node:
                forms += ([] if own else [f"self.{x}"] * n) + (["peer." + x] * 2 if n == 2
                                                               else []) + ["others." + x] * 2
            if forms:
                out.append((forms, ty))
        out += [([g], ty) for g, ty in self.w.global_vars.items() if node or g != m.variable]
        return out

    def rhs(self, target: str, ty: Ty, c: Ctx) -> str:
        """A value of the target's type; numbers that can leave the range (an error of
        the spec the checker reports), never one wholly outside (refused when loaded)."""
        ch, read = self.ch, target.replace("others.", "other.", 1)
        c = replace(c, other_ok=target.startswith("others."))
        if ty.kind == "enum":
            return gen_enum(ch, c, ty).text
        if ty.kind == "bool":
            special = (f"not {read}", "1 > 2", "2 > 1", "0 <= 0")
            return ch.pick(special) if ch.chance(0.25) else gen_bool(ch, c).text
        if ty.hi >= 1 and ch.chance(0.35):  # into 0..0 either is wholly outside
            return ch.pick((f"{read} + 1", f"{read} - 1"))
        e = gen_int(ch, c, ty.hi)
        return e.text if e.hi >= 0 and e.lo <= ty.hi else str(ch.integer(0, ty.hi))

    def effects(self, m: Machine, c: Ctx) -> dict[str, str]:
        out: dict[str, str] = {}
        for forms, ty in self.ch.some(self.targets(m), 0, 3):
            target = self.ch.pick(forms)
            out[target] = self.rhs(target, ty, c)
        return out

    def source(self, m: Machine) -> str | list[str]:
        form = self.ch.integer(0, 3)
        if form == 3:
            return "*"
        return self.ch.some(m.states, 1, len(m.states)) if form == 2 else \
            self.ch.pick(m.states)

    def row(self, m: Machine, k: int) -> dict:
        """Row ``k``; the first rows often step through the states in a cycle (the
        backbone: without it most random machines never leave their initial state)."""
        ch, c = self.ch, Ctx(self.w, self_ok=m.scope == "node")
        backbone = k < len(m.states) and ch.chance(0.8)
        source = m.states[k] if backbone else self.source(m)
        dest = m.states[(k + 1) % len(m.states)] if backbone else \
            "=" if ch.chance(0.25) else ch.pick(m.states)
        row: dict[str, Any] = {"trigger": self.trigger(m.scope), "source": source,
                               "dest": dest}
        for key, p in (("conditions", 0.25 if backbone else 0.6), ("unless", 0.2)):
            guard = self.guards(c.deeper()) if ch.chance(p) else None
            if guard is not None:
                row[key] = guard
        effects = self.effects(m, c)
        if effects:
            row["effects"] = effects
        if ch.chance(0.1):
            row["ops"] = ch.some(("save", "notify", "reload"), 1, 2)
        if ch.chance(0.1):
            row["doc"] = ch.text()
        return row

    # triggers, assumptions
    def trigger_entry(self, name: str) -> dict:
        ch, entry = self.ch, {"kind": self.ch.pick(KINDS)}
        if ch.chance(0.4):
            entry["doc"] = ch.text()
        if ch.chance(0.35):
            names = set(self.trigger_names) | set(self.tags)
            if not self.tags or ch.chance(0.3):
                self.tags.append(fresh(ch, names, TAG_POOL, 0.7))
            entry["tags"] = self.tag_map[name] = ch.some(self.tags, 1, 2)
        if ch.chance(0.15):
            entry["refusal"] = ch.pick(("Failed to switchover (peer not ready)", "busy"))
        if ch.chance(0.15):
            c = Ctx(self.w, self_ok=self.triggers[name] == "node", depth=1)
            entry["refused_when"] = gen_bool(ch, c).text
        if ch.chance(0.3):  # declared fairness (the default otherwise)
            entry["fairness"] = ch.pick(FAIRNESS)
        return entry

    def assumptions_decl(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        taken: set[str] = set()
        for _ in range(self.ch.integer(0, 2)):
            name = fresh(self.ch, taken, ("no_crash", "calm", "stable"), 0.6)
            without = self.ch.some(list(self.triggers), 1, 2)
            self.assumptions[name] = without
            out[name] = {"without": without}
            if self.ch.chance(0.5):
                out[name]["doc"] = self.ch.text()
        return out

    def initial(self) -> dict[str, Any]:
        """Initial values of data variables: globals by name, node ones under nK."""
        ch, out = self.ch, {}
        for g in self.data["global"]:
            if ch.chance(0.3):
                out[g] = self.w.global_vars[g].value(ch)
        for k in range(1, self.w.n + 1):
            for x in self.data["node"]:
                if ch.chance(0.2):
                    out.setdefault(f"n{k}", {})[x] = self.w.node_vars[x].value(ch)
        return out

    def build(self) -> dict:
        ch, spec = self.ch, {}
        if ch.chance(0.7):
            spec["name"] = ch.pick(("doors", "spec", "t", "ha pair"))
        if ch.chance(0.4):
            spec["doc"] = ch.text()
        if self.w.n != 2 or ch.chance(0.7):
            spec["nodes"] = self.nodes_decl()
        self.bounds()
        self.declare()
        macros = self.macros()
        for m in self.machines:
            m.rows = [self.row(m, k) for k in range(len(m.states) + ch.integer(-1, 2))]
        spec["machines"] = [machine_decl(m) for m in self.machines]
        triggers = {t: self.trigger_entry(t) for t in self.triggers}
        parts = {"bounds": dict(self.w.bounds),
                 "variables": {s: d for s, d in self.data.items() if d},
                 "triggers": triggers, "macros": macros,
                 "assumptions": self.assumptions_decl(), "initial": self.initial(),
                 "properties": Properties(self).all()}
        spec.update((k, v) for k, v in parts.items() if v or k == "triggers")
        spec.update(self.extras())
        return spec

    def extras(self) -> dict[str, Any]:
        """``views`` (a function the package has) and ``diagrams``."""
        ch, out = self.ch, {}
        if ch.chance(0.1):
            out["views"] = {"node": "hapair.spec.views:table"}
        if ch.chance(0.25):
            names = [f"n{k}.{x}" for k in range(1, self.w.n + 1) for x in self.w.node_vars]
            names += list(self.w.global_vars)
            out["diagrams"] = {}
            for picture in ch.some(("quotient", "full"), 1, 2):
                d: dict[str, Any] = {"by": ch.some(names, 1, 2)} if ch.chance(0.7) else {}
                if self.assumptions and ch.chance(0.5):
                    d["assume"] = ch.some(list(self.assumptions), 1, 1)
                if ch.chance(0.5):
                    d["title"] = ch.text()
                out["diagrams"][picture] = d
        return out


def machine_decl(m: Machine) -> dict:
    out = {"name": m.name, "scope": m.scope, "variable": m.variable, "initial": m.initial,
           "states": m.states, "transitions": m.rows}
    return out | ({"doc": m.doc} if m.doc is not None else {})


class Properties:
    """The ``properties`` list: every kind with only its own fields."""

    def __init__(self, b: Builder):
        self.b, self.ch, self.w = b, b.ch, b.w
        self.taken = {BUILTIN_PROPERTY}

    def all(self) -> list[dict]:
        kinds = ("always", "reachable", "action", "leads_to", "enabled", "scenario",
                 "infinitely_often", "eventually_always")
        return [self.one(self.ch.pick(kinds)) for _ in range(self.ch.integer(0, 5))]

    def expr(self, self_ok: bool = False, prefix: bool = False) -> str:
        return gen_bool(self.ch, Ctx(self.w, self_ok=self_ok, prefix=prefix)).text

    def one(self, kind: str) -> dict:
        ch = self.ch
        pool = ("P0", "P1", *(f"n1_{x}" for x in self.w.node_vars), *COLLIDE)
        p: dict[str, Any] = {"name": fresh(ch, self.taken, pool, 0.5), "kind": kind}
        if ch.chance(0.8):
            p["meaning"] = ch.text()
        if self.b.assumptions and ch.chance(0.35):
            p["assume"] = ch.some(list(self.b.assumptions), 1, 2)
        excluded = {t for a in p.get("assume", ()) for t in self.b.assumptions[a]}
        if kind in ("enabled", "scenario") and not self.usable(excluded):
            p.pop("assume")  # it rules out every trigger such a property could name
            excluded = set()
        p.update(getattr(self, "k_" + kind)(excluded))
        if ch.chance(0.3):
            p["guide"] = ch.text()
        if ch.chance(0.5):
            p["expect"] = ch.pick(("holds", "violated"))
        return p

    def k_always(self, excluded: set[str]) -> dict:
        return {"expr": self.expr()}

    k_reachable = k_infinitely_often = k_eventually_always = k_always

    def k_leads_to(self, excluded: set[str]) -> dict:
        return {"p": self.expr(), "q": self.expr()}

    def k_action(self, excluded: set[str]) -> dict:
        """``on``: triggers, tags, both, or every step (``"*"``, bare or listed);
        ``require`` over ``pre.``/``post.``, with ``self`` when only node steps watched."""
        ch, b = self.ch, self.b
        tags = sorted({tag for ts in b.tag_map.values() for tag in ts})
        form = ch.integer(0, 4)
        if form <= 1:
            on: str | list[str] = "*" if form == 0 else ["*"]
            node_only = False
        else:
            names = list(b.triggers) if form == 2 or not tags else \
                tags if form == 3 else [*b.triggers, *tags]
            on = ch.some(names, 1, 2)
            node_only = all(b.triggers[t] == "node" for t in b.triggers
                            if t in on or set(b.tag_map.get(t, ())) & set(on))
            on = on[0] if len(on) == 1 and ch.chance(0.3) else on  # one name, bare
        return {"on": on, "require": self.expr(self_ok=node_only, prefix=True)}

    def usable(self, excluded: set[str]) -> dict[str, list[str]]:
        by: dict[str, list[str]] = {}
        for t, scope in self.b.triggers.items():
            if t not in excluded:
                by.setdefault(scope, []).append(t)
        return by

    def k_enabled(self, excluded: set[str]) -> dict:
        """``on``: triggers of one scope the assumptions keep; ``when`` bound to each
        node as ``self`` for node triggers."""
        by = self.usable(excluded)
        scope = self.ch.pick(sorted(by))
        on: str | list[str] = self.ch.some(by[scope], 1, 2)
        on = on[0] if len(on) == 1 and self.ch.chance(0.3) else on  # one name, bare
        return {"when": self.expr(self_ok=scope == "node"), "on": on}

    def k_scenario(self, excluded: set[str]) -> dict:
        ch, by = self.ch, self.usable(excluded)
        steps: list[Any] = []
        for _ in range(ch.integer(1, 4)):
            scope = ch.pick(sorted(by))
            if ch.chance(0.3):
                steps.append({"until": self.expr()})
            t = ch.pick(by[scope])
            steps.append(f"n{ch.integer(1, self.w.n)}.{t}" if scope == "node" else t)
        out = {"steps": steps, "expr": self.expr()}
        return out | ({"avoids": self.expr()} if ch.chance(0.4) else {})


def build(ch: Chooser, max_nodes: int = 8) -> dict:
    """One valid spec from the choices of ``ch``."""
    return Builder(ch, max_nodes).build()


def specs(max_nodes: int = 8) -> st.SearchStrategy[dict]:
    """Valid spec dicts of 1 to ``max_nodes`` nodes, covering the whole format."""

    @st.composite
    def draw_spec(draw: st.DrawFn) -> dict:
        return build(Chooser(lambda lo, hi: draw(st.integers(lo, hi))), max_nodes)

    return draw_spec()


def spec_from_seed(seed: int, max_nodes: int = 8) -> dict:
    """The spec of ``seed``, the same every time (no Hypothesis context needed)."""
    return build(Chooser(random.Random(seed).randint), max_nodes)


# -- what a spec uses --------------------------------------------------------------------

FEATURES = (
    *(f"nodes={k}" for k in range(1, 9)), "nodes_count", "nodes_list", "nodes_default",
    "machine_node", "machine_global", "trigger_rows", "trigger_machines",
    "source_state", "source_list", "source_star", "dest_state", "dest_stay",
    "conditions_str", "conditions_list", "unless_str", "unless_list",
    "effect_self", "effect_peer", "effect_node", "effect_global", "effect_others",
    "effect_reads_other", "effect_overflow", "effect_negative", "bool_from_cmp",
    "bool_from_not", "domain_bool", "domain_enum", "domain_range", "domain_bound",
    "cmp", "min", "max", "ite_num", "ite_enum", "ite_cond", "in", "not_in", "lit_left_enum",
    "lit_left_int", "true_false", "and", "or", "not", "parens", "any", "all", "count",
    "over_nodes", "over_others", "quant_if", "macro_in_guard", "macro_in_property",
    "initial_global", "initial_node", *(f"kind_{k}" for k in KINDS), "tags",
    "refused_when", "assumptions", "assume", *(f"prop_{k}" for k in (
        "always", "reachable", "action", "leads_to", "enabled", "scenario",
        "infinitely_often", "eventually_always")), *(f"fairness_{f}" for f in FAIRNESS),
    "on_triggers", "on_tags", "on_star", "on_star_list", "on_one_name", "require_pre",
    "require_post", "step_node", "step_global", "step_until", "avoids", "expect_holds",
    "expect_violated", "meaning", "guide", "doc", "name_collide", "prop_named_var",
    "global_n1_var", "prop_P0", "prop_P1", "diagrams", "views")


def features(spec: dict) -> set[str]:
    """The parts of the format ``spec`` uses (names from ``FEATURES``), read from the
    data alone: the coverage test holds the generator to the docs with it."""
    return _Features(spec).found


def _ite_kind(e: ast.expr) -> str | None:
    """What a conditional's branch is: a number, an enum literal, or a condition."""
    if isinstance(e, ast.Constant):
        return {bool: "cond", int: "num", str: "enum"}.get(type(e.value))
    if isinstance(e, ast.BinOp) or isinstance(e, ast.Call) and getattr(
            e.func, "id", "") in ("min", "max", "count"):
        return "num"
    if isinstance(e, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Call)):
        return "cond"
    return _ite_kind(e.body) if isinstance(e, ast.IfExp) else None


def _syntax(node: ast.AST) -> set[str]:
    """The grammar's forms one syntax node uses."""
    out: set[str] = set()
    if isinstance(node, ast.BoolOp):
        out.add("and" if isinstance(node.op, ast.And) else "or")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.add("not")
    elif isinstance(node, ast.Compare):
        op, left = node.ops[0], node.left
        out.add({ast.In: "in", ast.NotIn: "not_in"}.get(type(op), "cmp"))
        if isinstance(left, ast.Constant) and not isinstance(op, (ast.In, ast.NotIn)):
            out.add("lit_left_enum" if isinstance(left.value, str) else "lit_left_int")
    elif isinstance(node, ast.IfExp):
        out |= {f"ite_{k}" for k in (_ite_kind(node.body), _ite_kind(node.orelse)) if k}
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        out.add(node.func.id)
    elif isinstance(node, ast.comprehension):
        out |= {f"over_{getattr(node.iter, 'id', '')}"} | ({"quant_if"} if node.ifs else set())
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.add("true_false")
    return out


class _Features:
    """One pass over a spec dict, section by section."""

    def __init__(self, spec: dict):
        self.spec, self.found = spec, set()
        variables = spec.get("variables", {})
        self.node_vars = dict(variables.get("node", {}))
        self.global_vars = dict(variables.get("global", {}))
        self.macros = set(spec.get("macros", {}))
        for m in spec["machines"]:
            vars_ = self.node_vars if m["scope"] == "node" else self.global_vars
            vars_[m["variable"]] = m["states"]
        self.top()
        for m in spec["machines"]:
            self.machine(m)
        self.triggers(spec["machines"], spec.get("triggers", {}))
        for text in spec.get("macros", {}).values():
            self.expr(text)
        for p in spec.get("properties", []):
            self.prop(p)
        self.names()

    def add(self, *names: str) -> None:
        self.found.update(names)

    def expr(self, text: str, where: str = "") -> None:
        tree = ast.parse(text, mode="eval")
        for node in ast.walk(tree):
            self.found |= _syntax(node)
            if isinstance(node, ast.Name) and node.id in self.macros and where:
                self.add(f"macro_in_{where}")
            if isinstance(node, ast.Attribute) and node.attr in self.macros and where:
                self.add(f"macro_in_{where}")  # pre.M / post.M
        if re.search(r"(?<![\w])(?<!in )\(", text):
            self.add("parens")

    def top(self) -> None:
        spec, nodes = self.spec, self.spec.get("nodes", 2)
        n = nodes if isinstance(nodes, int) else len(nodes)
        self.add(f"nodes={n}", "nodes_default" if "nodes" not in spec else
                 "nodes_count" if isinstance(nodes, int) else "nodes_list")
        self.add(*("doc" for _ in [0] if "doc" in spec))
        for decl in [*self.spec.get("variables", {}).get("node", {}).values(),
                     *self.spec.get("variables", {}).get("global", {}).values()]:
            self.add("domain_bool" if decl == "bool" else "domain_enum"
                     if isinstance(decl, list) else "domain_range"
                     if decl[3:].isdigit() else "domain_bound")
        initial = spec.get("initial", {})
        self.add(*("initial_node" for k in initial if re.fullmatch(r"n\d+", k)))
        self.add(*("initial_global" for k in initial if not re.fullmatch(r"n\d+", k)))
        self.add(*(k for k in ("diagrams", "views") if k in spec))
        self.add(*("assumptions" for _ in [0] if spec.get("assumptions")))

    def machine(self, m: dict) -> None:
        self.add(f"machine_{m['scope']}", *("doc" for _ in [0] if "doc" in m))
        rows = [r["trigger"] for r in m["transitions"]]
        if len(set(rows)) < len(rows):
            self.add("trigger_rows")
        for row in m["transitions"]:
            src = row["source"]
            self.add("source_star" if src == "*" else "source_list" if isinstance(src, list)
                     else "source_state", "dest_stay" if row["dest"] == "=" else "dest_state")
            for key in ("conditions", "unless"):
                if key in row:
                    self.add(f"{key}_{'list' if isinstance(row[key], list) else 'str'}")
                    for text in row[key] if isinstance(row[key], list) else [row[key]]:
                        self.expr(text, "guard")
            for target, text in row.get("effects", {}).items():
                self.effect(target, text)

    def effect(self, target: str, text: str) -> None:
        head, _, local = target.rpartition(".")
        kind = {"self": "self", "peer": "peer", "others": "others", "": "global"}.get(
            head, "node")
        self.add(f"effect_{kind}")
        read = target.replace("others.", "other.", 1)
        if re.search(r"\bother\.", text) and kind == "others":
            self.add("effect_reads_other")
        squashed = text.replace(" ", "")
        self.add(*(f for f, tail in (("effect_overflow", "+1"), ("effect_negative", "-1"))
                   if squashed == read + tail))
        domain = (self.node_vars if head else self.global_vars).get(local)
        body = ast.parse(text, mode="eval").body
        if domain == "bool" and isinstance(body, ast.Compare):
            self.add("bool_from_cmp")
        if domain == "bool" and isinstance(body, ast.UnaryOp):
            self.add("bool_from_not")
        self.expr(text, "guard")

    def triggers(self, machines: list[dict], entries: dict) -> None:
        users: dict[str, set[str]] = {}
        for m in machines:
            for row in m["transitions"]:
                users.setdefault(row["trigger"], set()).add(m["name"])
        if any(len(u) > 1 for u in users.values()):
            self.add("trigger_machines")
        for entry in entries.values():
            if "fairness" in entry:
                self.add(f"fairness_{entry['fairness']}")
            self.add(f"kind_{entry['kind']}", *(k for k in ("tags", "refused_when", "doc")
                                                 if k in entry))
            if "refused_when" in entry:
                self.expr(entry["refused_when"])

    def prop(self, p: dict) -> None:
        self.add(f"prop_{p['kind']}", *(k for k in ("meaning", "guide", "assume", "avoids")
                                        if k in p))
        self.add(f"expect_{p.get('expect', 'holds')}")
        for key in ("expr", "p", "q", "when", "require", "avoids"):
            if key in p:
                self.expr(p[key], "property")
        if p["kind"] == "action":
            self.action(p)
        if p["kind"] == "enabled" and isinstance(p["on"], str):
            self.add("on_one_name")
        for step in p.get("steps", []):
            if isinstance(step, dict):
                self.add("step_until")
                self.expr(step["until"], "property")
            else:
                self.add("step_node" if "." in step else "step_global")

    def action(self, p: dict) -> None:
        on, tags = p["on"], {t for e in self.spec["triggers"].values()
                             for t in e.get("tags", ())}
        self.add("on_star" if on == "*" else "on_star_list" if on == ["*"] else
                 "on_one_name" if isinstance(on, str) else "on_triggers")
        if isinstance(on, list) and set(on) & tags:
            self.add("on_tags")
        self.add(*(f"require_{w}" for w in ("pre", "post") if f"{w}." in p["require"]))

    def names(self) -> None:
        spec = self.spec
        names = {m["name"] for m in spec["machines"]} | set(self.node_vars) | \
            set(self.global_vars) | set(spec["triggers"]) | \
            {p["name"] for p in spec.get("properties", [])}
        if names & set(COLLIDE):
            self.add("name_collide")
        props = {p["name"] for p in spec.get("properties", [])}
        exported = {f"n1_{x}" for x in self.node_vars}
        self.add(*("prop_named_var" for _ in [0] if props & exported))
        self.add(*("global_n1_var" for _ in [0] if set(self.global_vars) & exported))
        self.add(*(f"prop_{p}" for p in ("P0", "P1") if p in props))
