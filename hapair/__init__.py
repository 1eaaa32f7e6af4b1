"""hapair: a formally checked specification of an active/standby HA pair (Cisco VSG, as
its configuration guide defines it), and a kit for checking and running specifications
of the same kind.

The public API, in one place (``docs/api.md``)::

    import hapair
    sp = hapair.load("vsg")            # a built-in name, a spec folder or file, or data
    run = hapair.check(sp)             # every property, both engines
    pair = hapair.Pair(sp)             # the embeddable machine, driven by events

>>> import hapair
>>> hapair.load("vrrp").nodes
(1, 2)

Names are imported on first use, so ``import hapair`` loads neither z3 nor Graphviz.
"""

from __future__ import annotations

import importlib

# public name -> the module that defines it
_EXPORTS = {
    "load": "hapair.specs",
    "Spec": "hapair.spec.schema",
    "HapairError": "hapair.spec.errors",
    "SpecError": "hapair.spec.errors",
    "EventNotAllowed": "hapair.spec.errors",
    "Refused": "hapair.spec.errors",
    "TraceError": "hapair.spec.errors",
    "Model": "hapair.model.product",
    "check": "hapair.checker.run",
    "Checker": "hapair.checker.run",
    "Options": "hapair.checker.run",
    "CheckResult": "hapair.checker.results",
    "PropertyResult": "hapair.checker.results",
    "Trace": "hapair.checker.results",
    "Pair": "hapair.runtime.pair",
    "AsyncPair": "hapair.runtime.pair",
    "Step": "hapair.runtime.pair",
    "Node": "hapair.runtime.node",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hapair' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
