"""The small expression language of guards, effects and properties.

Guards and effects are written as Python-syntax strings (``"self.state == 'ha_standby'
and visible"``) so that people can read them on a diagram, and a program can analyse
them: each string is parsed once into a typed tree (``Node``) that the Python compiler,
the z3 translator and the Promela exporter all walk.  Nothing here evaluates anything.

Names:
  ``self.x`` / ``peer.x``   a node variable of the acting node / the other node
  ``n1.x`` / ``n2.x``       a node variable of module 1 / module 2
  ``x``                     a global variable, a macro, or a bound (UPPER_CASE)
  ``pre.…`` / ``post.…``    in action properties: the state before / after the step
  ``any(E for o in others)`` / ``all(...)`` / ``count(...)``  over ``nodes`` (every node)
                            or ``others`` (every node but ``self``): expanded here into
                            ``or`` / ``and`` / a sum, so no backend sees a quantifier
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Callable

from hapair.spec.errors import SpecError

BOOL = ("bool",)


@dataclass(frozen=True)
class Type:
    """A finite domain: an enum (``values`` named), a bool, or an int range."""

    kind: str  # "enum" | "bool" | "int"
    values: tuple = ()  # enum names, in encoding order
    hi: int = 1  # int: 0..hi

    @property
    def size(self) -> int:
        return len(self.values) if self.kind == "enum" else self.hi + 1

    def encode(self, value) -> int:
        if self.kind == "enum":
            return self.values.index(value)
        return int(value)

    def decode(self, code: int):
        if self.kind == "enum":
            return self.values[code]
        if self.kind == "bool":
            return bool(code)
        return code


BOOL_T = Type("bool")
INT_T = Type("int", hi=1 << 30)


@dataclass(frozen=True)
class Node:
    """A typed expression tree.  ``op`` is one of: var, const, not, and, or, cmp, in,
    arith, ite, min, max.  ``args`` holds children, ``data`` the operator or index."""

    op: str
    type: Type
    args: tuple = ()
    data: object = None

    def __hash__(self) -> int:
        """The tree's hash, computed once: the compilers key their memos by node, and the
        rules' first-match conditions share large subtrees."""
        try:
            return self.__dict__["_hash"]
        except KeyError:
            h = hash((self.op, self.type, self.args, self.data))
            object.__setattr__(self, "_hash", h)
            return h

    def __getstate__(self) -> dict:  # a str's hash differs between processes: not kept
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}


def var(index: int, t: Type) -> Node:
    return Node("var", t, data=index)


def const(value: int, t: Type) -> Node:
    return Node("const", t, data=value)


_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-"}

# A resolver maps a dotted name ("self.state", "link_up", "pre.peer.role") to a Node,
# or returns None when the name is unknown.
Resolver = Callable[[str], "Node | None"]


MAX_CHARS = 10_000  # an expression's text
MAX_DEPTH = 50  # nesting: 'not not ... x', '((((x))))', 'a if (b if ...) ...'


def parse(text: str, where: str) -> ast.expr:
    """Parse ``text`` as one expression; errors name ``where`` (machine/transition).
    An expression is at most ``MAX_CHARS`` characters and ``MAX_DEPTH`` levels deep."""
    if len(text) > MAX_CHARS:
        raise SpecError(f"{where}: expression of {len(text)} characters, at most "
                        f"{MAX_CHARS}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise SpecError(f"{where}: cannot parse {text[:60]!r}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):  # the parser's own limits, NUL bytes
        raise SpecError(f"{where}: expression nested too deeply or not text (at most "
                        f"{MAX_DEPTH} levels)") from None
    if _depth(tree) > MAX_DEPTH:
        raise SpecError(f"{where}: expression nested more than {MAX_DEPTH} levels deep")
    return tree


def _depth(tree: ast.AST) -> int:
    """The depth of a syntax tree, without recursion."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        todo += [(child, depth + 1) for child in ast.iter_child_nodes(node)]
    return deepest


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


class Typer:
    """Turns a parsed expression into a typed ``Node`` tree, checking every name,
    every enum literal and every operator against the declared domains."""

    def __init__(self, resolve: Resolver, where: str, text: str):
        self.resolve, self.where, self.text = resolve, where, text

    def fail(self, why: str) -> SpecError:
        return SpecError(f"{self.where}: {why} in {self.text!r}")

    def run(self, node: ast.expr, expect: Type | None = None) -> Node:
        out = self.node(node, expect)
        if expect is not None and expect.kind == "bool" and out.type.kind != "bool":
            raise self.fail("expected a condition (true/false)")
        return out

    def node(self, n: ast.expr, hint: Type | None = None) -> Node:
        name = dotted(n)
        if name is not None:
            return self.name(name)
        method = getattr(self, "n_" + type(n).__name__, None)
        if method is None:
            raise self.fail(f"'{ast.unparse(n)}' is not allowed (use names, literals, "
                            "and/or/not, comparisons, +, -, min, max, x if c else y)")
        return method(n, hint)

    def name(self, name: str) -> Node:
        if name in ("True", "False"):
            return const(int(name == "True"), BOOL_T)
        found = self.resolve(name)
        if found is None:
            raise self.fail(f"unknown name '{name}'")
        return found

    def literal(self, n: ast.expr, t: Type) -> Node:
        """A literal in a position whose type is known (enum names become codes)."""
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            if t.kind != "enum" or n.value not in t.values:
                allowed = ", ".join(t.values) if t.kind == "enum" else "a number"
                raise self.fail(f"'{n.value}' is not a value here (allowed: {allowed})")
            return const(t.values.index(n.value), t)
        return self.node(n, t)

    def n_Constant(self, n: ast.Constant, hint: Type | None) -> Node:
        if isinstance(n.value, bool):
            return const(int(n.value), BOOL_T)
        if isinstance(n.value, int):
            return const(n.value, INT_T)
        if isinstance(n.value, str) and hint is not None:
            return self.literal(n, hint)
        raise self.fail(f"literal {n.value!r} needs a variable to compare with")

    def n_BoolOp(self, n: ast.BoolOp, hint: Type | None) -> Node:
        parts = tuple(self.run(v, BOOL_T) for v in n.values)
        return Node("and" if isinstance(n.op, ast.And) else "or", BOOL_T, parts)

    def n_UnaryOp(self, n: ast.UnaryOp, hint: Type | None) -> Node:
        if not isinstance(n.op, ast.Not):
            raise self.fail("only 'not' is allowed as a unary operator")
        return Node("not", BOOL_T, (self.run(n.operand, BOOL_T),))

    def n_Compare(self, n: ast.Compare, hint: Type | None) -> Node:
        if len(n.ops) != 1:
            raise self.fail("chained comparisons are not allowed")
        op, right = n.ops[0], n.comparators[0]
        left = None if _untyped(n.left) else self.node(n.left)
        if isinstance(op, (ast.In, ast.NotIn)):
            if left is None:
                raise self.fail(f"'{ast.unparse(n.left)}' needs a variable to compare with")
            if not isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                raise self.fail("'in' needs a tuple of values")
            items = tuple(self.literal(e, left.type) for e in right.elts)
            if any(i.op != "const" for i in items):
                raise self.fail("'in' needs literal values")
            node = Node("in", BOOL_T, (left,), tuple(i.data for i in items))
            return Node("not", BOOL_T, (node,)) if isinstance(op, ast.NotIn) else node
        if type(op) not in _CMP:
            raise self.fail("unsupported comparison")
        if left is None:
            rnode = self.node(right)  # 'open' != n1.door: the literal takes the right's type
            left = self.literal(n.left, rnode.type)
        else:
            rnode = self.literal(right, left.type)
        if "enum" in (left.type.kind, rnode.type.kind) and _CMP[type(op)] not in ("==", "!="):
            raise self.fail("enum values have no order: compare them with == or != (or use "
                            "'in')")
        if left.op == "const" and left.type is INT_T and rnode.type is not INT_T:
            left = const(left.data, rnode.type)
        self.check_same(left, rnode)
        return Node("cmp", BOOL_T, (left, rnode), _CMP[type(op)])

    def check_same(self, a: Node, b: Node) -> None:
        ka, kb = a.type.kind, b.type.kind
        if ka == "enum" or kb == "enum":
            if a.type != b.type:
                raise self.fail("compares values of different kinds")
        elif (ka == "bool") != (kb == "bool") and not (a.op == "const" or b.op == "const"):
            raise self.fail("compares a condition with a number")

    def n_BinOp(self, n: ast.BinOp, hint: Type | None) -> Node:
        if type(n.op) not in _ARITH:
            raise self.fail("only + and - are allowed")
        a, b = self.node(n.left), self.node(n.right)
        if a.type.kind != "int" or b.type.kind != "int":
            raise self.fail("+ and - need numbers")
        return Node("arith", INT_T, (a, b), _ARITH[type(n.op)])

    def n_IfExp(self, n: ast.IfExp, hint: Type | None) -> Node:
        cond = self.run(n.test, BOOL_T)
        if hint is None and _untyped(n.body) and not _untyped(n.orelse):
            other = self.node(n.orelse)  # 'on' if c else self.mode: the literal takes its type
            return Node("ite", other.type, (cond, self.literal(n.body, other.type), other))
        body = self.node(n.body, hint)
        other = self.literal(n.orelse, body.type) if body.type.kind == "enum" else \
            self.node(n.orelse, hint)
        if body.type.kind == "enum" or other.type.kind == "enum":
            self.check_same(body, other)
        return Node("ite", body.type if body.type is not INT_T else other.type,
                    (cond, body, other))

    def n_Call(self, n: ast.Call, hint: Type | None) -> Node:
        fname = n.func.id if isinstance(n.func, ast.Name) else None
        if fname in QUANTIFIERS and len(n.args) == 1 and isinstance(n.args[0], ast.GeneratorExp):
            return self.quantifier(fname, n.args[0])
        if fname not in ("min", "max") or n.keywords or len(n.args) < 2:
            raise self.fail("only min(a, b, ...), max(a, b, ...) and any / all / count(E for "
                            "n in nodes|others) may be called")
        args = tuple(self.node(a) for a in n.args)
        if any(a.type.kind != "int" for a in args):
            raise self.fail(f"{fname}() needs numbers")
        return Node(fname, INT_T, args)


    def quantifier(self, fname: str, gen: ast.GeneratorExp) -> Node:
        """``any(E for o in others if C)``: one copy of ``E`` per node, ``o`` renamed."""
        if len(gen.generators) != 1 or gen.generators[0].is_async:
            raise self.fail(f"{fname}() takes one 'for' clause")
        loop = gen.generators[0]
        if not isinstance(loop.target, ast.Name) or not isinstance(loop.iter, ast.Name) \
                or loop.iter.id not in ("nodes", "others"):
            raise self.fail(f"{fname}() ranges over 'nodes' or 'others': "
                            f"{fname}(E for n in nodes)")
        scope = getattr(self.resolve, "nodes", None)
        me = getattr(self.resolve, "self_node", None)
        if scope is None:
            raise self.fail(f"{fname}() is not available here")
        if loop.iter.id == "others" and me is None:
            raise self.fail("'others' needs a node (self): use 'nodes' here")
        members = [k for k in scope if loop.iter.id == "nodes" or k != me]
        parts = []
        for k in members:
            rename = _Rename(loop.target.id, f"n{k}")
            elt = rename.visit(copy.deepcopy(gen.elt))
            conds = [rename.visit(copy.deepcopy(c)) for c in loop.ifs]
            test = self.run(elt, BOOL_T)
            for c in conds:
                cond = self.run(c, BOOL_T)
                test = Node("and", BOOL_T, (cond, test)) if fname != "all" else \
                    Node("or", BOOL_T, (Node("not", BOOL_T, (cond,)), test))
            parts.append(test)
        if fname == "count":
            total: Node = const(0, Type("int", hi=len(members)))
            for p in parts:
                one = Node("ite", INT_T, (p, const(1, INT_T), const(0, INT_T)))
                total = Node("arith", INT_T, (total, one), "+")
            return total
        if not parts:
            return const(int(fname == "all"), BOOL_T)
        return parts[0] if len(parts) == 1 else Node("and" if fname == "all" else "or",
                                                      BOOL_T, tuple(parts))


QUANTIFIERS = ("any", "all", "count")


def _untyped(n: ast.expr) -> bool:
    """An enum literal, or a choice between such: its type comes from what it meets."""
    if isinstance(n, ast.Constant):
        return isinstance(n.value, str)
    return isinstance(n, ast.IfExp) and _untyped(n.body) and _untyped(n.orelse)


class _Rename(ast.NodeTransformer):
    """``o.state`` -> ``n2.state`` (also after ``pre.`` / ``post.``)."""

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.new, node.ctx) if node.id == self.old else node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if node.attr == self.old and isinstance(node.value, ast.Name) \
                and node.value.id in ("pre", "post"):
            return ast.Attribute(node.value, self.new, node.ctx)
        return self.generic_visit(node)


def typed(text: str, resolve: Resolver, where: str, expect: Type | None = None) -> Node:
    """Parse and type ``text``; ``expect`` is the type of the target (bool for guards)."""
    typer = Typer(resolve, where, text)
    tree = parse(text, where)
    if expect is not None and expect.kind == "enum":
        return typer.literal(tree, expect)
    return typer.run(tree, expect)


def names(node: Node) -> frozenset[int]:
    """Indexes of the state variables an expression reads (computed once a node: slicing
    asks for the same large first-match conditions again and again)."""
    try:
        return node.__dict__["_names"]
    except KeyError:
        pass
    out = frozenset((node.data,)) if node.op == "var" else \
        frozenset().union(*(names(a) for a in node.args))
    object.__setattr__(node, "_names", out)
    return out


def interval(node: Node) -> tuple[int, int]:
    """The least and greatest value an int expression can take (from its variables'
    domains): the loader compares it with the domain of the variable it is stored in."""
    op, a = node.op, node.args
    if op == "var":
        return (0, node.type.size - 1) if node.type.kind != "enum" else (0, node.type.size - 1)
    if op == "const":
        return int(node.data), int(node.data)
    if op == "arith":
        (alo, ahi), (blo, bhi) = interval(a[0]), interval(a[1])
        return (alo + blo, ahi + bhi) if node.data == "+" else (alo - bhi, ahi - blo)
    if op == "ite":
        (blo, bhi), (clo, chi) = interval(a[1]), interval(a[2])
        return min(blo, clo), max(bhi, chi)
    if op in ("min", "max"):
        spans = [interval(x) for x in a]
        pick = min if op == "min" else max
        return pick(s[0] for s in spans), pick(s[1] for s in spans)
    return 0, 1  # a condition stored as 0/1
