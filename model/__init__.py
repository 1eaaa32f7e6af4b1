"""Composition: the product automaton (``Model``) over the spec's compiled rules, and the
slices every engine explores (``slicing``)."""

from hapair.model.product import Edge, Model

__all__ = ["Edge", "Model"]
