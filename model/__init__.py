"""Composition: the product automaton and the embeddable runtime over the same rules."""

from hapair.model.product import Edge, Model

__all__ = ["Edge", "Model"]
