"""``leads_to`` P ~> Q: from every reachable P-state, every fair run reaches Q.

A fair run is one where the environment eventually stops acting (faults, power, link and
operator commands happen any finite number of times) and each node's internal actions
are weakly fair.  So it fails when, from a P-state, a path through non-Q states reaches
a state where no internal action fires, or a cycle of internal steps through non-Q
states on which every internal action enabled in all of its states is taken.  It is
``vacuous`` when no reachable state satisfies P."""

from hapair.spec.kinds import Kind


class LeadsTo(Kind):
    name, fields, form, title = "leads_to", frozenset({"p", "q"}), "response", "leads-to"

    def build(self, spec, decl, where, common):
        from hapair.spec.schema import Property

        return Property(p=spec.condition(decl, "p", where), q=spec.condition(decl, "q", where),
                        **common)

    def reference(self, ref, graph, decl):
        import networkx as nx

        p = [ref.eval(decl["p"], s) for s in graph.states]
        q = [ref.eval(decl["q"], s) for s in graph.states]
        if not any(p):
            return "vacuous"
        internal = {t for t, d in ref.triggers.items() if d["kind"] == "internal"}
        out: dict = {i: [] for i in range(len(graph.states))}
        for src, action, _, dst in graph.edges:
            out[src].append((action, dst))
        region = {i for i in range(len(graph.states)) if p[i] and not q[i]}
        todo = list(region)
        while todo:  # every non-Q state reachable from a P-state through non-Q states
            for _, j in out[todo.pop()]:
                if not q[j] and j not in region:
                    region.add(j)
                    todo.append(j)
        enabled = {i: {a for a, _ in out[i] if a[1] in internal} for i in region}
        if any(not enabled[i] for i in region):
            return "violated"  # no internal step: the run may stay here forever
        inner = nx.MultiDiGraph()
        inner.add_nodes_from(region)
        inner.add_edges_from((i, j, a) for i in region for a, j in out[i]
                             if a[1] in internal and j in region)
        for comp in nx.strongly_connected_components(inner):
            sub = inner.subgraph(comp)
            if sub.number_of_edges() == 0:
                continue
            taken = {a for _, _, a in sub.edges(keys=True)}
            if set.intersection(*(enabled[i] for i in comp)) <= taken:
                return "violated"  # a weakly fair cycle that never reaches Q
        return "proved"


KIND = LeadsTo
