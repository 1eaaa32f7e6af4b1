"""The embeddable machine: an HA pair that other code drives with events.

Each node's machines (redundancy, role, sysmgr) and the link are ``transitions``
machines built from the spec's rows, with the spec's compiled guards as conditions and
its compiled effects as callbacks; the successor is the product model's own, and a
step that the model would not take is impossible (``EventNotAllowed``).

>>> pair = Pair()                       # module 1 primary, module 2 secondary, both off
>>> _ = pair.fire("power_on", 1); _ = pair.settle()
>>> _ = pair.fire("power_on", 2); _ = pair.settle()
>>> pair.status(1).this[2], pair.status(1).other[2]
('Active with HA standby', 'HA standby')
>>> pair.fire("system_switchover", 2)
Traceback (most recent call last):
...
hapair.spec.errors.EventNotAllowed: 'system_switchover' is not allowed on module 2 now \
(redundancy: ha_standby, role: secondary, sysmgr: ok)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

from transitions import Machine as _TMachine
from transitions import MachineError

from hapair.spec import EventNotAllowed, HapairError, Refused, Spec, guide, load
from hapair.spec.lang import BOOL_T, typed

from .compile import predicate
from .product import Model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """One step the pair took: which declared row, on which node, what changed."""

    trigger: str
    node: int | None
    rule: int
    before: dict
    after: dict
    changed: dict = field(default_factory=dict)  # name -> (old, new)


class _View:
    """The model object a ``transitions`` machine drives (one per node and machine)."""

    def __init__(self, name: str):
        self.name = name


class Pair:
    """Two VSGs (module 1 and 2) and the link between them."""

    def __init__(self, spec: Spec | None = None, *, state: tuple | None = None,
                 explored: set | None = None):
        """``explored``: the (state, rule) pairs a checker run explored; when given, the
        pair refuses any step outside them (see ``hapair.checker.explicit``)."""
        self.spec = spec or load()
        self.model = Model(self.spec)
        self.state = tuple(state) if state is not None else self.model.init_states()[0]
        self.explored = explored
        self._callbacks: list[tuple[str | None, Callable]] = []
        self._machine_of = {t.trigger: t.machine for t in self.spec.transitions}
        self._refusals: dict = {}
        self._build_machines()

    # -- construction ---------------------------------------------------------------

    def _build_machines(self) -> None:
        values = self.values
        self.machines: dict[tuple, _TMachine] = {}
        self._views: dict[tuple, _View] = {}
        for m in self.spec.machines.values():
            for node in (self.spec.nodes if m.scope == "node" else (None,)):
                key = (node, m.name)
                var = f"n{node}.{m.variable}" if node else m.variable
                view = _View(f"module {node} {m.name}" if node else m.name)
                tm = _TMachine(model=view, states=list(m.states), initial=values[var],
                               auto_transitions=False, send_event=True,
                               ignore_invalid_triggers=False)
                self.machines[key], self._views[key] = tm, view
        for i, rule in enumerate(self.spec.rules):
            t = rule.transition
            tm = self.machines[(rule.node, t.machine)]
            tm.add_transition(t.trigger, t.source, t.dest,
                              conditions=[partial(self._guard, i)],
                              after=[partial(self._take, i)])

    def _guard(self, rule: int, event) -> bool:
        return self.model.guards[rule](self._pre)

    def _take(self, rule: int, event) -> None:
        self._fired = rule

    # -- reading --------------------------------------------------------------------

    @property
    def values(self) -> dict:
        """Every variable, decoded: ``{'link': 'up', 'n1.state': 'off', ...}``."""
        return self.spec.decode(self.state)

    def __getitem__(self, name: str):
        return self.values[name]

    def status(self, node: int) -> guide.Status:
        """What ``show system redundancy status`` shows on module ``node``."""
        return guide.status(self.values, node, guide.sees_peer(self.spec, node)(self.state))

    def allowed(self, kinds: tuple | None = None) -> list[tuple]:
        """The events the pair can take now, as ``(node, trigger)``."""
        acts = self.model.actions(self.state)
        if kinds is not None:
            acts = [a for a in acts if self.spec.triggers[a[1]].kind in kinds]
        return acts

    def can(self, trigger: str, node: int | None = None) -> bool:
        return self.model.fired_rule(self.state, (node, trigger)) is not None

    # -- driving --------------------------------------------------------------------

    def on(self, callback: Callable[[Step], None], trigger: str | None = None) -> None:
        """Call ``callback(step)`` after every step (or only after ``trigger``)."""
        self._callbacks.append((trigger, callback))

    def fire(self, trigger: str, node: int | None = None) -> Step:
        """Take one event; raise ``EventNotAllowed`` (or ``Refused``) and change nothing
        when the spec does not allow it now."""
        if trigger not in self.spec.triggers:
            raise EventNotAllowed(f"unknown event '{trigger}' (known: "
                                  f"{', '.join(sorted(self.spec.triggers))})")
        scope = self.spec.triggers[trigger].scope
        if (scope == "node") != (node in self.spec.nodes):
            where = f"a node ({', '.join(map(str, self.spec.nodes))})" if scope == "node" \
                else "no node"
            raise EventNotAllowed(f"event '{trigger}' needs {where}, got {node!r}")
        rule = self.model.fired_rule(self.state, (node, trigger))
        if rule is None:
            raise self._refusal(trigger, node)
        if self.explored is not None and (self.state, rule) not in self.explored:
            raise EventNotAllowed(f"'{trigger}' on module {node} leaves the explored state "
                                  "space of this checker run")
        return self._step(trigger, node, rule)

    def _refusal(self, trigger: str, node: int | None) -> EventNotAllowed:
        meta = self.spec.triggers[trigger]
        v = self.values
        if meta.refusal and node and self._refused_when(trigger, node)(self.state):
            return Refused(meta.refusal)
        where = f"on module {node}" if node else ""
        now = ", ".join(f"{m.name}: {v[(f'n{node}.' if node else '') + m.variable]}"
                        for m in self.spec.machines.values()
                        if (m.scope == "node") == bool(node))
        return EventNotAllowed(f"'{trigger}' is not allowed {where} now ({now})".replace(
            "  ", " "))

    def _refused_when(self, trigger: str, node: int):
        """Where the device answers a command it cannot take with its own message (the
        trigger's ``refused_when``), rather than "not allowed"."""
        key = (trigger, node)
        if key not in self._refusals:
            text = self.spec.triggers[trigger].refused_when
            self._refusals[key] = predicate(typed(text, self.spec.resolver(node),
                                                  f"trigger '{trigger}' (refused_when)",
                                                  BOOL_T))
        return self._refusals[key]

    def _step(self, trigger: str, node: int | None, rule: int) -> Step:
        before, self._pre, self._fired = self.values, self.state, None
        key = (node, self._machine_of[trigger])
        try:
            self.machines[key].events[trigger].trigger(self._views[key])
        except MachineError as exc:  # the transitions machine disagrees: a hapair bug
            raise HapairError(f"internal error: {exc}") from None
        if self._fired != rule:
            raise HapairError(f"internal error: transitions took row {self._fired}, the "
                              f"model row {rule}")
        self.state = self.model.apply(rule, self._pre)
        after = self.values
        for (n, mname), tm in self.machines.items():
            var = self.spec.machines[mname].variable
            value = after[f"n{n}.{var}" if n else var]
            if self._views[(n, mname)].state != value:
                tm.set_state(value, self._views[(n, mname)])
        changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        step = Step(trigger, node, rule, before, after, changed)
        log.debug("module %s %s: %s", node, trigger, changed)
        for only, callback in self._callbacks:
            if only is None or only == trigger:
                callback(step)
        return step

    def internal_step(self) -> Step | None:
        """Take the first enabled internal step (in the spec's order), if any."""
        for action in self.model.action_list:
            if action in self.model.internal:
                rule = self.model.fired_rule(self.state, action)
                if rule is not None:
                    return self._step(action[1], action[0], rule)
        return None

    def settle(self, limit: int = 200) -> list[Step]:
        """Take internal steps until none is enabled (boot, sync, takeover, ...)."""
        steps = []
        while (step := self.internal_step()) is not None:
            steps.append(step)
            if len(steps) >= limit:
                raise HapairError(f"the pair did not settle within {limit} internal steps")
        return steps

    # -- ready-made labs ------------------------------------------------------------

    @classmethod
    def settled(cls, spec: Spec | None = None) -> "Pair":
        """Module 1 primary and active, module 2 secondary and HA standby."""
        pair = cls(spec)
        for node in pair.spec.nodes:
            pair.fire("power_on", node)
            pair.settle()
        return pair

    @classmethod
    def standalone(cls, spec: Spec | None = None) -> "Pair":
        """One VSG with role standalone, active; module 2 is not installed (off).
        Reached by the guide's own steps: role change, then reload."""
        pair = cls(spec)
        pair.fire("power_on", 1)
        pair.settle()
        pair.fire("role_standalone", 1)
        pair.fire("reload", 1)
        pair.settle()
        return pair
