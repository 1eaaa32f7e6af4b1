"""``reachable``: some reachable state satisfies ``expr`` (what must be possible; the
witness is a shortest run to one).  One that fails has no trace: the whole explored
graph is the evidence."""

from hapair.spec.kinds import Kind


class Reachable(Kind):
    name, fields, form = "reachable", frozenset({"expr"}), "witness"

    def build(self, spec, decl, where, common):
        from hapair.spec.schema import Property

        return Property(expr=spec.condition(decl, "expr", where), **common)

    def reference(self, ref, graph, decl):
        return "proved" if any(ref.eval(decl["expr"], s) for s in graph.states) \
            else "violated"


KIND = Reachable
