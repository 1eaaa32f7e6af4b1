"""The spec format: the expression language, the declared data's schema and checks, the
reference semantics every backend is held to, and the one root exception.  It knows no
spec: the specs are folders under ``specs/``."""

from hapair.spec.errors import EventNotAllowed, HapairError, Refused, SpecError, TraceError
from hapair.spec.schema import Property, Rule, Spec, Transition, Trigger, Variable

__all__ = ["EventNotAllowed", "HapairError", "Property", "Refused", "Rule", "Spec",
           "SpecError", "TraceError", "Transition", "Trigger", "Variable"]
