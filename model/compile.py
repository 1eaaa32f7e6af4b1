"""Compiling the spec's typed expressions into Python, once.

Guards, effects and properties become plain Python functions over a state tuple of small
ints, generated from the one typed tree each; the runtime and the explicit engine call
the same functions, so there is no second copy of any rule.
"""

from __future__ import annotations

from hapair.spec.lang import Node


def py(node: Node) -> str:
    """Python source for a typed expression over the state tuple ``s``."""
    op, a = node.op, node.args
    if op == "var":
        return f"s[{node.data}]"
    if op == "const":
        return str(int(node.data))
    if op == "not":
        return f"(not {py(a[0])})"
    if op in ("and", "or"):
        return "(" + f" {op} ".join(py(x) for x in a) + ")"
    if op == "cmp":
        return f"({py(a[0])} {node.data} {py(a[1])})"
    if op == "in":
        return f"({py(a[0])} in {tuple(node.data)!r})"
    if op == "arith":
        return f"({py(a[0])} {node.data} {py(a[1])})"
    if op == "ite":
        return f"({py(a[1])} if {py(a[0])} else {py(a[2])})"
    if op in ("min", "max"):
        return f"{op}(" + ", ".join(py(x) for x in a) + ")"
    raise ValueError(f"unknown expression node {op!r}")


def value(node: Node) -> str:
    """Like ``py`` but always an int (conditions stored in a state become 0/1)."""
    src = py(node)
    return src if node.type.kind != "bool" or node.op in ("var", "const") else f"int({src})"


def predicate(node: Node):
    """A Python function ``f(s) -> bool`` for a condition."""
    return eval(f"lambda s: {py(node)}")  # noqa: S307 - source built from a typed tree


def effect_source(effects: tuple, width: int) -> str:
    """Source of the successor tuple: every effect reads the state before the step."""
    new = dict(effects)
    return "(" + ", ".join(value(new[i]) if i in new else f"s[{i}]" for i in range(width)) \
        + ",)"


def effect(effects: tuple, width: int):
    return eval(f"lambda s: {effect_source(effects, width)}")  # noqa: S307
