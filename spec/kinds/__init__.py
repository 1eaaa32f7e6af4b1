"""Property kinds: one module each, registered here in ``KINDS``.

A kind is one small class (``Kind``) that knows four things: the fields its declaration
holds, how a declaration becomes a ``Property`` of the compiled spec (``build``), what
it means (``reference``: its verdict by brute force on the reference graph of
``hapair.spec.reference``, the definition every engine is held to), and how the engines
decide it: its ``form``, one of the four decision forms below that every engine
implements once.  An engine never switches on a kind's name, only on its form.

So a new kind that one of the forms decides (``never``: an invariant of ``not expr``;
``possible``: a witness) is one new module here and one line in ``_REGISTERED``, and
every engine, report and the conformance suite take it as it is (``infinitely_often``
is the response ``True ~> expr``).  A kind that needs a new form (``eventually_always``:
``persistence``) needs that form in each engine too.

>>> sorted(KINDS)[:5]
['action', 'always', 'enabled', 'eventually_always', 'infinitely_often']
>>> KINDS["enabled"].form, KINDS["leads_to"].form
('invariant', 'response')
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from importlib import import_module
from typing import ClassVar

FORMS = {
    "invariant": "every reachable state satisfies expr; with a premise (p), vacuous when "
                 "no reachable state satisfies it",
    "step": "every step of a watched trigger satisfies require; vacuous when none fires",
    "witness": "some run takes the listed steps in order (internal steps between) and ends "
               "in expr; with avoids, no run that follows them meets avoids",
    "response": "from every reachable p-state every fair run reaches q; vacuous when no "
                "reachable state satisfies p",
    "persistence": "on every fair run, from some point on every state satisfies q",
}


class Kind(ABC):
    """A property kind.  Subclass it in a module of this package and add the module to
    ``_REGISTERED``."""

    name: ClassVar[str]
    fields: ClassVar[frozenset]  # its own declaration fields: any other is refused
    form: ClassVar[str]  # one of FORMS
    title: ClassVar[str] = ""  # as reports write it (default: the name)

    @abstractmethod
    def build(self, spec, decl: dict, where: str, common: dict):
        """The compiled ``Property`` of ``decl`` (``common``: the fields every kind has),
        or a ``SpecError`` that names the problem and ``where`` it is."""

    @abstractmethod
    def reference(self, ref, graph, decl: dict) -> str:
        """Its verdict (``proved``, ``violated`` or ``vacuous``) on ``graph``, the
        reference's reachable graph under the property's assumptions, read from the
        declaration as written."""


_REGISTERED = ("always", "action", "leads_to", "infinitely_often", "eventually_always",
               "reachable", "enabled", "scenario")
KINDS: dict[str, Kind] = {}


def register(kind: type[Kind]) -> type[Kind]:
    """Add a kind (its module calls nothing: ``_REGISTERED`` imports it)."""
    if kind.form not in FORMS:
        raise ValueError(f"kind {kind.name!r}: form must be one of {', '.join(FORMS)}")
    KINDS[kind.name] = kind()
    return kind


def _load() -> None:
    for module in _REGISTERED:
        found = import_module(f"{__name__}.{module}")
        register(found.KIND)


def as_list(value) -> list:
    """A field that may be written as one item or a list of them."""
    return value if isinstance(value, list) else [value]


_load()
