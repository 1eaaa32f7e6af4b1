"""Engines over the model: explicit BFS into a state graph, and z3."""
