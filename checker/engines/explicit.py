"""The explicit engine: the slice explored exhaustively (the packed NumPy search, or
the plain BFS with ``Options.reference``), the property decided on the state graph by
its form (``checker/properties.py``).  It decides every form, and it is the engine the
others are held to."""

from __future__ import annotations


class Explicit:
    name = "explicit"

    def decides(self, prop) -> bool:
        return True

    def decide(self, spec, prop, sl, options):
        from hapair.checker.explicit import explore, explore_packed
        from hapair.checker.run import explicit_result
        from hapair.model.product import Model

        model = Model(spec, sl.assume, sl.keep)
        graph = explore(model) if options.reference else explore_packed(model)
        return explicit_result(graph, prop)


ENGINE = Explicit
