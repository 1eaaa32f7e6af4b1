"""The command line's flags, checked before any work: a one-line parser, bounds and
depths in their ranges, and every output path writable (``hapair.checker.files``).

Ranges (``docs/checker.md``, "Bad input"):

- ``--bound NAME=N``: N is ASCII digits, 0..1000 (``spec.checks.MAX_BOUND``).  At 1000
  the full product needs 67 bits, more than the packed engine's 63 (``hapair
  explore`` says so in one line; 49 at the default bounds), z3's bit-vectors are 12 bits
  wide and Promela holds the counters in a ``short``; a bound that large would not
  finish exploring anyway (the states grow with its square).
- ``--liveness-depth N``: 0..64 steps of z3's lasso search.

>>> bounds(["MAX_RESTARTS=2"])
{'MAX_RESTARTS': 2}
>>> bounds(["MAX_RESTARTS=²"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hapair.spec.errors.SpecError: --bound 'MAX_RESTARTS=²': expected NAME=N with N a whole ...
"""

from __future__ import annotations

import argparse
import re

from hapair.spec import HapairError, SpecError
from hapair.spec.checks import MAX_BOUND, short

LIVENESS_DEPTHS = range(0, 65)
_BOUND = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=([0-9]{1,4})")


def one_line(text: str) -> str:
    """``text`` with every character that is not printable escaped (a newline in an
    argument cannot break an error message in two).

    >>> one_line("unrecognized arguments: \\n")
    'unrecognized arguments: \\\\n'
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UsageError(HapairError):
    """A command line that cannot be parsed (argparse's complaint, on one line)."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``UsageError`` line (no usage block)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def bounds(items: list[str] | None) -> dict:
    """``--bound NAME=N`` items as a mapping; N in 0..MAX_BOUND, ASCII digits."""
    out = {}
    for item in items or []:
        m = _BOUND.fullmatch(item)
        if m is None or int(m.group(2)) > MAX_BOUND:
            raise SpecError(f"--bound {short(item)}: expected NAME=N with N a whole number "
                            f"0..{MAX_BOUND} in ASCII digits, e.g. MAX_RESTARTS=2")
        out[m.group(1)] = int(m.group(2))
    return out


def liveness_depth(text: str) -> int:
    """argparse type of ``--liveness-depth``."""
    top = LIVENESS_DEPTHS[-1]
    if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > top:
        raise argparse.ArgumentTypeError(f"expected a whole number of steps 0..{top}, got "
                                         f"{short(text)}")
    return int(text)


# The output flags of each command: (attribute, flag, "file" | "dir").
OUTPUTS = {"check": (("json", "--json", "file"), ("junit", "--junit", "file"),
                     ("html", "--html", "file"), ("out", "--out", "dir"),
                     ("emit_pytest", "--emit-pytest", "dir"), ("diagrams", "--diagrams", "dir")),
           "export": (("promela", "--promela", "file"),),
           "diagrams": (("out", "--out", "dir"),)}


def check_outputs(command: str, args) -> None:
    """Every output path of ``command`` can be written (before any work is done)."""
    from hapair.checker.files import check_dir, check_file

    for attr, flag, kind in OUTPUTS.get(command, ()):
        value = getattr(args, attr, None)
        if value is None:
            continue
        (check_file if kind == "file" else check_dir)(value, flag)


def diagram_target(path: str):
    """``hapair diagram --out PATH``: a directory, or the stem of PATH.dot / PATH.svg."""
    from pathlib import Path

    from hapair.checker.files import check_dir, check_file

    if path and Path(path).is_dir():
        return check_dir(path, "--out")
    stem = path[:-4] if path.endswith((".dot", ".svg", ".png")) else path
    check_file(stem + ".svg" if stem else "", "--out")
    return Path(path)
