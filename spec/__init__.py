"""The VSG HA specification as data: machines, rules, properties, bounds."""

from .errors import EventNotAllowed, HapairError, Refused, SpecError, TraceError
from .schema import Property, Rule, Spec, Transition, Trigger, Variable


def load(bounds: dict | None = None, data: dict | None = None) -> Spec:
    """The built-in VSG spec (or ``data``), checked, with ``bounds`` overriding defaults.

    >>> load().bounds
    {'MAX_RESTARTS': 1, 'MORE_DOWN': 1}
    """
    if data is None:
        from hapair.specs import load as builtin
        return builtin("vsg", bounds)
    return Spec.load(data, bounds)


__all__ = ["EventNotAllowed", "HapairError", "Property", "Refused", "Rule", "Spec",
           "SpecError", "TraceError", "Transition", "Trigger", "Variable", "load"]
