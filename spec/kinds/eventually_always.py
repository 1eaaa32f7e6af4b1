"""``eventually_always`` (LTL's ``<>[] expr``): on every fair run, from some point on
every state satisfies expr.

It fails when a fair run meets a state breaking expr again and again: it stops at such
a state (no weakly or strongly fair action is enabled there), or it goes round a fair
cycle through one (fair as for ``leads_to``, by the triggers' declared ``fairness``).
Decided by the ``persistence`` form."""

from hapair.spec.kinds import Kind
from hapair.spec.kinds.leads_to import fair_run_stays, successors


class EventuallyAlways(Kind):
    name, fields, form = "eventually_always", frozenset({"expr"}), "persistence"
    title = "eventually always"

    def build(self, spec, decl, where, common):
        from hapair.spec.schema import Property

        return Property(p=spec.condition({"p": "True"}, "p", where),
                        q=spec.condition(decl, "expr", where), **common)

    def reference(self, ref, graph, decl):
        everywhere = set(range(len(graph.states)))
        breaking = {i for i, s in enumerate(graph.states) if not ref.eval(decl["expr"], s)}
        return ("violated" if fair_run_stays(ref, successors(graph), everywhere, breaking)
                else "proved")


KIND = EventuallyAlways
