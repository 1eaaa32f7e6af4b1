"""``enabled``: in every reachable state where ``when`` holds for a node (bound as
``self``), each trigger in ``on`` is enabled for it (TLC's ``ENABLED``): an invariant
over the triggers' guards, with ``when`` as its premise, so ``vacuous`` when ``when``
never holds."""

from hapair.spec.kinds import Kind, as_list


class Enabled(Kind):
    name, fields, form = "enabled", frozenset({"when", "on"}), "invariant"

    def build(self, spec, decl, where, common):
        from hapair.spec.errors import SpecError
        from hapair.spec.lang import BOOL_T, Node, const, typed
        from hapair.spec.schema import Property

        on = decl.get("on")
        on = [on] if isinstance(on, str) else on
        if not on or not isinstance(on, list) or "when" not in decl:
            raise SpecError(f"{where}: an enabled property needs 'when' and 'on' (a list of "
                            "triggers)")
        tagged = {name: [t for t, d in spec.triggers.items() if name in d.tags]
                  for name in on if name not in spec.triggers}
        on = list(dict.fromkeys(t for name in on for t in tagged.get(name) or [name]))
        scopes = set()
        for t in on:
            if t not in spec.triggers:
                raise SpecError(f"{where}: 'on' names '{t}', which is neither a trigger nor a "
                                f"tag (triggers: {', '.join(spec.triggers)})")
            if t in spec.without(common["assume"]):
                raise SpecError(f"{where}: its assumptions rule out '{t}'")
            scopes.add(spec.triggers[t].scope)
        if len(scopes) > 1:
            raise SpecError(f"{where}: 'on' mixes node and global triggers")
        nodes = spec.nodes if scopes == {"node"} else (None,)
        whens, claims = [], []
        for n in nodes:
            when = typed(str(decl["when"]), spec.resolver(n), f"{where} (when)", BOOL_T)
            able = [Node("or", BOOL_T, tuple(r.fires for r in spec.rules
                                             if r.action == (n, t)) or (const(0, BOOL_T),))
                    for t in on]
            whens.append(when)
            claims.append(Node("or", BOOL_T, (Node("not", BOOL_T, (when,)),
                                              Node("and", BOOL_T, tuple(able)))))
        return Property(on=tuple(on), p=Node("or", BOOL_T, tuple(whens)),
                        expr=Node("and", BOOL_T, tuple(claims)), **common)

    def reference(self, ref, graph, decl):
        scope = {row["trigger"]: m["scope"] for _, m, row, _ in ref.rows}
        on = [t for name in as_list(decl["on"]) for t in ref.triggers
              if t == name or name in ref.triggers[t].get("tags", [])]
        nodes = ref.nodes if scope[on[0]] == "node" else [None]
        seen = False
        for s in graph.states:
            for me in nodes:
                if not ref.eval(decl["when"], s, me):
                    continue
                seen = True
                for t in on:
                    found = ref.step(s, (me, t))
                    if found is None or found[1] is None:
                        return "violated"
        return "proved" if seen else "vacuous"


KIND = Enabled
