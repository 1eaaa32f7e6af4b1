"""Shape checks of declared data, before anything reads it: the type of each property
field, the length of names, the range of bounds.  Each problem is one ``SpecError``
naming the field.

>>> check_property_decl({"name": "A", "kind": "always", "expr": "True", "meaning": 5})
Traceback (most recent call last):
...
hapair.spec.errors.SpecError: property 'A': 'meaning' must be a string, got 5
"""

from __future__ import annotations

import re

from hapair.spec.errors import SpecError

MAX_BOUND = 1000  # every bound is 0..1000: see docs/checker.md, "Bad input"
NAME_MAX = 100  # characters in a property name (it names files: NAME.trace.json, ...)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_TEXT = ("kind", "meaning", "expr", "require", "p", "q", "expect")
_NAMES = ("on", "assume")


def short(value, width: int = 40) -> str:
    """``repr(value)``, cut to ``width`` characters (error messages stay one short line)."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def check_property_decl(decl: dict) -> None:
    """The types of a property declaration's fields (its meaning is checked later)."""
    name = decl["name"]
    if not isinstance(name, str):
        raise SpecError(f"property 'name' must be a string, got {short(name)}")
    if len(name) > NAME_MAX:
        raise SpecError(f"property name {short(name, 30)} is too long: at most {NAME_MAX} "
                        "characters")
    if not _NAME.fullmatch(name):
        raise SpecError(f"property name {short(name)} must be a plain identifier")
    where = f"property {name!r}"
    for key in _TEXT:
        if key in decl and not isinstance(decl[key], str):
            raise SpecError(f"{where}: '{key}' must be a string, got {short(decl[key])}")
    for key in _NAMES:
        value = decl.get(key, ())
        if key == "on" and isinstance(value, str):  # one trigger or tag, or "*"
            continue
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise SpecError(f"{where}: '{key}' must be a list of names, got {short(value)}")


def check_bounds(bounds, where: str) -> dict:
    """A ``{NAME: N}`` mapping with each N a whole number in 0..MAX_BOUND."""
    if not isinstance(bounds, dict):
        raise SpecError(f"{where}: 'bounds' must be a mapping of names to numbers, got "
                        f"{short(bounds)}")
    for key, value in bounds.items():
        if not isinstance(value, int) or isinstance(value, bool) or \
                not 0 <= value <= MAX_BOUND:
            raise SpecError(f"{where}: 'bounds': {short(key)} must be a whole number "
                            f"0..{MAX_BOUND}, got {short(value)}")
    return bounds
