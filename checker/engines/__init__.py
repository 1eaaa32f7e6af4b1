"""The engines a run can use, behind one protocol, registered in ``ENGINES``.

An engine decides one property on its slice (``hapair.model.slicing``): ``decides(prop)``
says whether it can, ``decide(spec, prop, sl, options)`` returns its
``PropertyResult``.  ``Checker.run`` runs the explicit and z3 engines together (they
share explorations, certificates and proofs: ``checker/run.py``) and any other
registered engine property by property through ``decide``, in the same worker
processes; every engine's verdict is held to the explicit engine's exhaustive one, and
a property an engine cannot decide is reported "unknown" (never OK) when no other
engine of the run decides it.

A new engine is one module here (a class with the three members below, ``ENGINE =
TheClass``) and one name in ``_REGISTERED``; the conformance suite runs every
registered engine over generated specs (``tests/conformance.py``).

>>> sorted(ENGINES)
['explicit', 'spin', 'z3']
>>> import hapair
>>> vrrp = hapair.load("vrrp")
>>> [p.kind for p in vrrp.properties.values() if not ENGINES["spin"].decides(p)][:1]
['leads_to']
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol


class Engine(Protocol):
    name: str

    def decides(self, prop) -> bool:
        """Whether it decides ``prop`` (by its form: ``hapair.spec.kinds.FORMS``)."""

    def decide(self, spec, prop, sl, options):
        """Its ``PropertyResult`` for ``prop`` on the slice ``sl`` (``options``: the run's
        ``Options``)."""


_REGISTERED = ("explicit", "z3", "spin")
ENGINES: dict[str, Engine] = {}
for _module in _REGISTERED:
    _engine = import_module(f"{__name__}.{_module}").ENGINE()
    ENGINES[_engine.name] = _engine
