"""``infinitely_often`` (always eventually, LTL's ``[]<> expr``): on every fair run, expr
holds again and again.

It is the response ``True ~> expr`` (from every reachable state every fair run reaches
expr; a run is fair by the triggers' declared ``fairness``, as for ``leads_to``), which
is how the engines decide it: the ``response`` form with the premise ``True``.  It is
never vacuous (the initial state is reachable)."""

from hapair.spec.kinds import Kind
from hapair.spec.kinds.leads_to import LeadsTo


class InfinitelyOften(Kind):
    name, fields, form = "infinitely_often", frozenset({"expr"}), "response"
    title = "always eventually"

    def build(self, spec, decl, where, common):
        from hapair.spec.schema import Property

        return Property(p=spec.condition({"p": "True"}, "p", where),
                        q=spec.condition(decl, "expr", where), **common)

    def reference(self, ref, graph, decl):
        return LeadsTo().reference(ref, graph, {"p": "True", "q": decl["expr"]})


KIND = InfinitelyOften
