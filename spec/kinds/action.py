"""``action``: every step of a watched trigger satisfies ``require``, a condition over
the state before (``pre.``) and after (``post.``) the step, bound to the node that
steps (TLA+'s ``[][A => P]_vars``).  ``on`` names triggers, tags or ``*``.  A property
whose triggers never fire is ``vacuous``."""

from hapair.spec.kinds import Kind, as_list


class Action(Kind):
    name, fields, form = "action", frozenset({"on", "require"}), "step"

    def build(self, spec, decl, where, common):
        from hapair.spec.errors import SpecError
        from hapair.spec.lang import BOOL_T, typed
        from hapair.spec.schema import Property

        on = decl.get("on", ())
        on = (on,) if isinstance(on, str) else tuple(on)  # "*" as the docs' table writes it
        known = {"*"} | set(spec.triggers) | {tag for t in spec.triggers.values()
                                              for tag in t.tags}
        for o in on:
            if o not in known:
                raise SpecError(f"{where}: 'on' names '{o}', which is neither a trigger nor a "
                                "tag")
        if not on or "require" not in decl:
            raise SpecError(f"{where}: an action property needs 'on' and 'require'")
        req = tuple(typed(str(decl["require"]), spec.action_resolver(n), f"{where} (require)",
                          BOOL_T) for n in spec.nodes)
        return Property(on=on, require=req, **common)

    def reference(self, ref, graph, decl):
        on = as_list(decl["on"])
        watched = [e for e in graph.edges if "*" in on or e[1][1] in on
                   or set(ref.triggers[e[1][1]].get("tags", [])) & set(on)]
        if not watched:
            return "vacuous"
        for src, (node, _), _, dst in watched:
            pair = (graph.states[src], graph.states[dst])
            for me in ([node] if node is not None else ref.nodes):
                if not ref.eval(decl["require"], pair[0], me, steps=pair):
                    return "violated"
        return "proved"


KIND = Action
