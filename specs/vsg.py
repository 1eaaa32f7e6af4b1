"""The built-in VSG spec, by its public name: ``hapair.specs.vsg.SPEC``.  It is written
in ``spec/vsg.py`` (the house layout keeps the VSG beside its guide strings)."""

from hapair.spec.vsg import SPEC

__all__ = ["SPEC"]
