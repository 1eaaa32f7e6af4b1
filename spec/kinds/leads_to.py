"""``leads_to`` P ~> Q: from every reachable P-state, every fair run reaches Q.

A run is fair by its triggers' declared ``fairness`` (each node's action separately):
a ``weak`` action enabled from some point on is taken again and again, a ``strong`` one
enabled again and again is taken again and again, a ``finite`` one is taken only
finitely often (it eventually stops), a ``none`` one is free.  The defaults keep the
original meaning: internal actions are weakly fair, every other one eventually stops.
So the property fails when, from a P-state, a path through non-Q states reaches a state
where no weakly or strongly fair action is enabled (the run may stay there), or a cycle
through non-Q states that takes no ``finite`` action and is fair: every weak action
enabled in all of its states is taken on it, and every strong action enabled in one of
its states is taken on it.  It is ``vacuous`` when no reachable state satisfies P."""

from hapair.spec.kinds import Kind


class LeadsTo(Kind):
    name, fields, form, title = "leads_to", frozenset({"p", "q"}), "response", "leads-to"

    def build(self, spec, decl, where, common):
        from hapair.spec.schema import Property

        return Property(p=spec.condition(decl, "p", where), q=spec.condition(decl, "q", where),
                        **common)

    def reference(self, ref, graph, decl):
        p = [ref.eval(decl["p"], s) for s in graph.states]
        q = [ref.eval(decl["q"], s) for s in graph.states]
        if not any(p):
            return "vacuous"
        out = successors(graph)
        region = {i for i in range(len(graph.states)) if p[i] and not q[i]}
        todo = list(region)
        while todo:  # every non-Q state reachable from a P-state through non-Q states
            for _, j in out[todo.pop()]:
                if not q[j] and j not in region:
                    region.add(j)
                    todo.append(j)
        return "violated" if fair_run_stays(ref, out, region, region) else "proved"


def successors(graph) -> dict:
    """Each state's ``(action, successor)`` pairs."""
    out: dict = {i: [] for i in range(len(graph.states))}
    for src, action, _, dst in graph.edges:
        out[src].append((action, dst))
    return out


def fair_run_stays(ref, out: dict, region: set, accept: set) -> bool:
    """Whether a fair run can stay inside ``region`` for ever, meeting ``accept`` again
    and again: by stopping at an ``accept`` state where no weakly or strongly fair
    action is enabled, or by a fair cycle of ``region`` through an ``accept`` state."""
    import networkx as nx

    fairness = {t: d.get("fairness", "weak" if d["kind"] == "internal" else "finite")
                for t, d in ref.triggers.items()}
    enabled = {i: {a for a, _ in out[i]} for i in region}
    if any(not {a for a in enabled[i] if fairness[a[1]] in ("weak", "strong")}
           for i in region & accept):
        return True  # no fair action is enabled: the run may stay here forever
    inner = nx.MultiDiGraph()
    inner.add_nodes_from(region)
    inner.add_edges_from((i, j, a) for i in region for a, j in out[i]
                         if fairness[a[1]] != "finite" and j in region)

    def fair_cycle_within(states) -> bool:
        sub = inner.subgraph(states)
        for comp in nx.strongly_connected_components(sub):
            edges = sub.subgraph(comp).edges(keys=True)
            if not edges or not comp & accept:
                continue
            taken = {a for _, _, a in edges}
            always = set.intersection(*(enabled[i] for i in comp))
            if any(fairness[a[1]] == "weak" and a not in taken for a in always):
                continue  # a weak action always enabled, never taken: nor in a part
            starved = {a for i in comp for a in enabled[i]
                       if fairness[a[1]] == "strong" and a not in taken}
            if not starved:
                return True
            if fair_cycle_within({i for i in comp if not enabled[i] & starved}):
                return True  # a part of it that never enables the starved ones
        return False

    return fair_cycle_within(region)


KIND = LeadsTo
