"""``scenario``: the model admits the listed steps in order, with internal steps in
between, ending in a state that satisfies ``expr`` (the witness is a shortest such run).
Steps are ``"n1.<trigger>"`` (a node's action), ``"<trigger>"`` (a global one) or
``{"until": expr}`` (the next listed action is taken from a state where expr holds).
With ``avoids``: no run that takes only the listed and internal steps meets that hazard,
at any point (the procedure is safe).  A listed action that is internal may be taken as
the listed step or as one of the internal steps in between."""

from collections import deque

from hapair.spec.kinds import Kind


class Scenario(Kind):
    name, fields, form = "scenario", frozenset({"steps", "expr", "avoids"}), "witness"

    def build(self, spec, decl, where, common):
        from hapair.spec.errors import SpecError
        from hapair.spec.lang import BOOL_T, Node, typed
        from hapair.spec.schema import Property

        items = decl.get("steps")
        if not items or not isinstance(items, list):
            raise SpecError(f"{where}: a scenario needs 'steps', a list of actions such as "
                            "'n1.<trigger>' and {'until': condition}")
        steps, pending, excluded = [], [], spec.without(common["assume"])
        for item in items:
            if isinstance(item, dict) and set(item) == {"until"}:
                pending.append(typed(str(item["until"]), spec.resolver(None),
                                     f"{where} (until)", BOOL_T))
                continue
            node, trig = _action(spec, item, where)
            if trig in excluded:
                raise SpecError(f"{where}: its assumptions rule out '{trig}'")
            cond = Node("and", BOOL_T, tuple(pending)) if pending else None
            steps.append((node, trig, cond))
            pending = []
        final = spec.condition(decl, "expr", where)
        if pending:
            final = Node("and", BOOL_T, (*pending, final))
        avoids = spec.condition(decl, "avoids", where) if "avoids" in decl else None
        return Property(steps=tuple(steps), expr=final, avoids=avoids, **common)

    def reference(self, ref, graph, decl):
        """Search the pairs (state, listed steps taken)."""
        steps, final = _listed(decl)
        internal = {t for t, d in ref.triggers.items() if d["kind"] == "internal"}
        out: dict = {}
        for src, action, _, dst in graph.edges:
            out.setdefault(src, []).append((action, dst))
        seen, queue, shown = {(0, 0)}, deque([(0, 0)]), False
        while queue:
            i, k = queue.popleft()
            if "avoids" in decl and ref.eval(decl["avoids"], graph.states[i]):
                return "violated"
            if k == len(steps) and all(ref.eval(c, graph.states[i]) for c in final):
                shown = True
            for action, j in out.get(i, []):
                nexts = [k] if action[1] in internal else []
                if k < len(steps) and action == steps[k][0] and \
                        all(ref.eval(c, graph.states[i]) for c in steps[k][1]):
                    nexts.append(k + 1)
                for n in nexts:
                    if (j, n) not in seen:
                        seen.add((j, n))
                        queue.append((j, n))
        return "proved" if shown else "violated"


def _action(spec, item, where: str) -> tuple:
    from hapair.spec.errors import SpecError

    head, _, rest = str(item).partition(".")
    node, trig = ({f"n{k}": k for k in spec.nodes}.get(head), rest) if rest else (None, head)
    t = spec.triggers.get(trig)
    if t is None or (t.scope == "node") != (node is not None):
        raise SpecError(f"{where}: step {item!r} is not 'nK.<trigger>' (a node trigger), "
                        "'<trigger>' (a global one) or {'until': expr}")
    return node, trig


def _listed(decl: dict) -> tuple[list, list]:
    """The declared steps (for the reference), each with the ``until`` conditions before
    it, and the conditions its last state must meet."""
    steps, pending = [], []
    for item in decl["steps"]:
        if isinstance(item, dict):
            pending.append(item["until"])
            continue
        head, _, rest = item.partition(".")
        steps.append(((int(head[1:]), rest) if rest else (None, head), pending))
        pending = []
    return steps, [*pending, decl["expr"]]


KIND = Scenario
