"""The product automaton of two VSGs and their environment: hapair's one core abstraction.

A ``Model`` is three methods, as in Stateright: ``init_states()``, ``actions(state)`` and
``next_state(state, action)``.  A state is a tuple of small ints (the spec's variables in
order); an action is ``(node, trigger)`` (node ``None`` for the link).  Within an action
the first enabled row wins, exactly as in a ``transitions`` machine whose conditions are
tried in order.  Assumptions remove environment triggers, nothing else.

>>> from hapair import spec
>>> m = Model(spec.load())
>>> s0 = m.init_states()[0]
>>> m.actions(s0)[:3]
[(1, 'power_on'), (2, 'power_on'), (1, 'replace_primary')]
"""

from __future__ import annotations

from dataclasses import dataclass

from hapair.spec import Rule, Spec

from .compile import effect_source, predicate, py

Action = tuple  # (node | None, trigger)


@dataclass(frozen=True)
class Edge:
    """One step of the product: which declared row fired, on which node."""

    rule: int  # index into spec.rules
    action: Action


def cone_of_influence(spec: Spec, reads: set[int], assume: tuple = ()) -> frozenset[int]:
    """The variables that can influence ``reads``: those read, and, for every action
    that writes one of them, all that its rows' guards and those effects read.

    Checking a property on the model sliced to its cone gives the same verdict and the
    same action sequences as the full product (rules that write nothing relevant become
    stutters), and it keeps, say, the process counters out of a dual-active proof.
    """
    from hapair.spec.lang import names

    excluded = spec.without(assume)
    groups: dict[Action, list[Rule]] = {}
    for r in spec.rules:
        if r.transition.trigger not in excluded:
            groups.setdefault(r.action, []).append(r)
    keep = set(reads)
    changed = True
    while changed:
        changed = False
        for rules in groups.values():
            writes = {i for r in rules for i, _ in _changes(spec, r)}
            if not writes & keep:
                continue
            need = set()
            for r in rules:
                need |= names(r.guard)
                need |= {v for i, e in r.effects if i in keep for v in names(e)}
            if not need <= keep:
                keep |= need
                changed = True
    return frozenset(keep)


def _changes(spec: Spec, rule: Rule) -> tuple:
    """A rule's effects less the machine's own state when it stays (``dest: "="``): an
    assignment of the value the guard already fixes influences nothing."""
    t = rule.transition
    if t.source != t.dest:
        return rule.effects
    own = spec.machines[t.machine].variable
    index = spec.by_name[f"n{rule.node}.{own}" if rule.node else own].index
    return tuple((i, e) for i, e in rule.effects if i != index)


class Model:
    def __init__(self, spec: Spec, assume: tuple = (), keep: frozenset | None = None):
        """``keep``: the variables to track (a cone of influence); None keeps all."""
        self.spec = spec
        self.assume = tuple(assume)
        excluded = spec.without(self.assume)
        self.width = len(spec.variables)
        self.keep = frozenset(range(self.width)) if keep is None else frozenset(keep)
        groups: dict[Action, list[int]] = {}
        for i, r in enumerate(spec.rules):
            if r.transition.trigger not in excluded:
                groups.setdefault(r.action, []).append(i)
        # An action none of whose rows writes a kept variable is a stutter: drop it.
        self.action_rules = {a: rs for a, rs in groups.items()
                             if any(self._kept(spec.rules[i]) for i in rs)}
        self.action_list = list(self.action_rules)
        self.internal = frozenset(a for a in self.action_rules
                                  if spec.triggers[a[1]].kind == "internal")
        self.guards = [predicate(r.guard) for r in spec.rules]
        self._successors = self._compile_successors()

    def _kept(self, rule: Rule) -> tuple:
        return tuple((i, e) for i, e in rule.effects if i in self.keep)

    def _compile_successors(self):
        """One generated function that returns every ``(rule, next_state)`` at once.
        Rows of an action are tried in order; a row that writes nothing kept still
        blocks the rows after it, so the slice takes exactly the full model's steps."""
        lines = ["def successors(s):", "    out = []"]
        for rules in self.action_rules.values():
            for k, i in enumerate(rules):
                rule: Rule = self.spec.rules[i]
                kw = "if" if k == 0 else "elif"
                lines.append(f"    {kw} {py(rule.guard)}:")
                kept = self._kept(rule)
                lines.append(f"        out.append(({i}, {effect_source(kept, self.width)}))"
                             if kept else "        pass")
        lines.append("    return out")
        scope: dict = {}
        exec("\n".join(lines), scope)  # noqa: S102 - source built from typed trees
        return scope["successors"]

    # -- the contract ---------------------------------------------------------------

    def init_states(self) -> list[tuple]:
        return [self.spec.initial]

    def actions(self, state: tuple) -> list[Action]:
        return [a for a in self.action_list if self.fired_rule(state, a) is not None]

    def next_state(self, state: tuple, action: Action) -> tuple | None:
        i = self.fired_rule(state, action)
        return None if i is None else self.apply(i, state)

    # -- helpers built on it --------------------------------------------------------

    def successors(self, state: tuple) -> list[tuple[int, tuple]]:
        """Every enabled ``(rule index, next state)``, in action order (fast path)."""
        return self._successors(state)

    def fired_rule(self, state: tuple, action: Action) -> int | None:
        for i in self.action_rules.get(action, ()):
            if self.guards[i](state):
                return i
        return None

    def apply(self, rule: int, state: tuple) -> tuple:
        return self._effects[rule](state)

    @property
    def _effects(self):
        if not hasattr(self, "_effect_fns"):
            from .compile import effect
            self._effect_fns = [effect(self._kept(r), self.width) for r in self.spec.rules]
        return self._effect_fns
