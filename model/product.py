"""The product automaton of a spec's nodes and their environment: hapair's one core
abstraction.

A ``Model`` is three methods, as in Stateright: ``init_states()``, ``actions(state)`` and
``next_state(state, action)``.  A state is a tuple of small ints (the spec's variables in
order); an action is ``(node, trigger)`` (node ``None`` for the link).  Within an action
the first enabled row wins, exactly as in a ``transitions`` machine whose conditions are
tried in order.  Assumptions remove environment triggers, nothing else.

>>> import hapair
>>> m = Model(hapair.load())
>>> s0 = m.init_states()[0]
>>> m.actions(s0)[:3]
[(1, 'power_on'), (2, 'power_on'), (1, 'install')]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import MappingProxyType

from hapair.model.compile import effect_source, predicate, py
from hapair.model.slicing import cone_of_influence  # noqa: F401 - the public name, kept here too
from hapair.spec import Spec

Action = tuple  # (node | None, trigger)


@dataclass(frozen=True)
class Edge:
    """One step of the product: which declared row fired, on which node."""

    rule: int  # index into spec.rules
    action: Action


class Model:
    """The product under ``assume``, tracking the variables ``keep`` (a cone of
    influence; None keeps all), taking the actions ``only`` (None: all).  Everything a
    backend needs is here, decided once: the actions in order with their rows (grouped
    and first-match-compiled by the spec: ``Rule.fires``), each row's effects on the kept
    variables (``effects``), and which rows are steps at all (``rows``: those that write
    a kept variable).  A value: nothing changes it after it is made (derive another)."""

    def __init__(self, spec: Spec, assume: tuple = (), keep: frozenset | None = None,
                 only: frozenset | None = None):
        self.spec = spec
        self.assume = tuple(assume)
        excluded = spec.without(self.assume)
        self.width = len(spec.variables)
        self.keep = frozenset(range(self.width)) if keep is None else frozenset(keep)
        self.effects = tuple(tuple((i, e) for i, e in r.effects if i in self.keep)
                             for r in spec.rules)
        # An action none of whose rows writes a kept variable is a stutter: drop it.
        self.action_rules = MappingProxyType({
            a: rs for a, rs in spec.actions.items()
            if a[1] not in excluded and any(self.effects[i] for i in rs)
            and (only is None or a in only)})
        self.action_list = tuple(self.action_rules)
        self.rows = tuple(i for rs in self.action_rules.values() for i in rs if self.effects[i])
        self.internal = frozenset(a for a in self.action_rules
                                  if spec.triggers[a[1]].kind == "internal")
        self._made = True

    def __setattr__(self, name: str, value) -> None:
        if "_made" in self.__dict__:
            raise AttributeError(f"a Model is a value: '{name}' cannot change (make another)")
        object.__setattr__(self, name, value)

    def taking(self, actions) -> "Model":
        """The same product taking only ``actions`` (each ``(node, trigger)``)."""
        return Model(self.spec, self.assume, self.keep, frozenset(actions))

    # Compiled when first used (the packed engine and z3 need none of them).

    @functools.cached_property
    def guards(self) -> list:
        return [predicate(r.guard) for r in self.spec.rules]

    @functools.cached_property
    def fires(self) -> list:
        return [predicate(r.fires) for r in self.spec.rules]

    @functools.cached_property
    def _successors(self):
        """One generated function that returns every ``(rule, next_state)`` at once."""
        lines = ["def successors(s):", "    out = []"]
        for i in self.rows:
            lines.append(f"    if {py(self.spec.rules[i].fires)}:")
            lines.append(f"        out.append(({i}, {effect_source(self.effects[i], self.width)}))")
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
            if self.fires[i](state):
                return i
        return None

    def apply(self, rule: int, state: tuple) -> tuple:
        return self._effects[rule](state)

    @functools.cached_property
    def _effects(self):
        from hapair.model.compile import effect

        return [effect(e, self.width) for e in self.effects]
