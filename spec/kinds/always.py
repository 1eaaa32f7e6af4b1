"""``always``: every reachable state satisfies ``expr`` (TLC's invariant, SPIN's
``assert`` at every state).  The first violation in BFS order is a shortest
counterexample."""

from hapair.spec.kinds import Kind


class Always(Kind):
    name, fields, form = "always", frozenset({"expr"}), "invariant"

    def build(self, spec, decl, where, common):
        from hapair.spec.schema import Property

        return Property(expr=spec.condition(decl, "expr", where), **common)

    def reference(self, ref, graph, decl):
        ok = all(ref.eval(decl["expr"], s) for s in graph.states)
        return "proved" if ok else "violated"


KIND = Always
