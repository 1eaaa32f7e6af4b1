"""The embeddable machine: an HA pair that other code drives with events.

Each node's machines (redundancy, role, stateful, stateless) and the link are ``transitions``
machines built from the spec's rows, with the spec's compiled guards as conditions and
its compiled effects as callbacks; the successor is the product model's own, and a
step that the model would not take is impossible (``EventNotAllowed``).

Threads: one ``threading.RLock`` per ``Pair`` guards every read and every step, so any
number of threads may call ``fire``, ``settle``, ``allowed``, ``save`` ... on one pair;
each step is atomic and observers run inside it, in step order.  ``AsyncPair`` is the
asyncio face.  Arguments are always ``(trigger, node)``, in ``fire``, ``can`` and what
``allowed`` returns; trigger names are also constants (``Pair.triggers`` or, for the
built-in spec, ``Triggers``).

>>> pair = Pair()                       # module 1 primary, module 2 secondary, both off
>>> _ = pair.fire(pair.triggers.POWER_ON, 1); _ = pair.settle()
>>> _ = pair.fire("power_on", 2); _ = pair.settle()
>>> pair.status(1).this[2], pair.status(1).other[2]
('Active with HA standby', 'HA standby')
>>> pair.fire("system_switchover", 2)
Traceback (most recent call last):
...
hapair.spec.errors.EventNotAllowed: 'system_switchover' is not allowed on module 2 now \
(redundancy: ha_standby, role: secondary, stateful: running, stateless: running, compute: connected)
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from transitions import Machine as _TMachine
from transitions import MachineError

from hapair.model.compile import predicate
from hapair.model.product import Model
from hapair.spec import EventNotAllowed, HapairError, Refused, Spec
from hapair.spec.lang import BOOL_T, typed
from hapair.spec.views import View, node_view
from hapair.specs import load

log = logging.getLogger(__name__)


class InvalidState(HapairError):
    """A state that is malformed, breaks one of the spec's invariants, or lies outside
    the checked reachable set (``restore``, ``check_state``)."""


class Vetoed(EventNotAllowed):
    """A ``before`` observer refused the step; nothing changed."""


def trigger_names(spec: Spec) -> type[enum.StrEnum]:
    """The spec's triggers as constants: ``Triggers.POWER_ON == 'power_on'``."""
    return enum.StrEnum("Triggers", {name.upper(): name for name in spec.triggers})


def __getattr__(name: str):  # ``Triggers`` for the built-in spec, built on first use
    if name == "Triggers":
        globals()["Triggers"] = trigger_names(load())
        return globals()["Triggers"]
    raise AttributeError(name)


@dataclass(frozen=True)
class Step:
    """One step the pair took: which declared row, on which node, what changed;
    ``pre`` and ``post`` are the encoded states (``Model.next_state(pre, (node,
    trigger)) == post``)."""

    trigger: str
    node: int | None
    rule: int
    before: dict
    after: dict
    changed: dict = field(default_factory=dict)  # name -> (old, new)
    pre: tuple = ()
    post: tuple = ()


@dataclass(frozen=True, eq=False)
class Subscription:
    """What ``before`` / ``after`` / ``on_enter`` return; ``cancel()`` unsubscribes."""

    owner: Any
    kind: str  # before | after | enter
    callback: Callable
    trigger: str | None = None
    state: tuple | None = None  # (variable, value) for ``on_enter``

    def cancel(self) -> None:
        self.owner.unsubscribe(self)


def invariants(spec: Spec) -> list[tuple[str, Callable]]:
    """The spec's state invariants (``always``) that hold in every reachable state (no
    assumption, expected to hold), compiled: ``[(name, f(state) -> bool), ...]``."""
    return [(p.name, predicate(p.expr)) for p in spec.properties.values()
            if p.is_state_invariant and not p.assume and p.expect == "holds"]


def well_formed(spec: Spec, state: Any) -> tuple:
    """``state`` (encoded or decoded) as an encoded tuple, or ``InvalidState``."""
    if isinstance(state, dict):
        extra = sorted(set(state) - set(spec.by_name))
        if extra:
            raise InvalidState(f"unknown variable '{extra[0]}' in the state")
        try:
            state = spec.encode(state)
        except HapairError as exc:
            raise InvalidState(str(exc)) from None
    if not isinstance(state, (tuple, list)) or len(state) != len(spec.variables):
        raise InvalidState(f"a state is {len(spec.variables)} small ints or a mapping of "
                           f"every variable, got {str(state)[:60]!r}")
    for v, c in zip(spec.variables, state):
        if type(c) is not int or not 0 <= c < v.type.size:
            raise InvalidState(f"'{v.name}' = {c!r} is outside its domain")
    return tuple(state)


def check_state(spec: Spec, state: Any, *, model: Model | None = None,
                explored: Any = None) -> tuple:
    """``state`` (encoded tuple, or decoded ``{name: value}``) as a checked tuple, or
    ``InvalidState``: malformed, an invariant broken, or (with ``explored``, the
    ``(state, rule)`` pairs of a checker run) not a state the checker reached."""
    state = well_formed(spec, state)
    broken = [name for name, holds in invariants(spec) if not holds(state)]
    if broken:
        raise InvalidState(f"the state breaks the spec's invariants: {', '.join(broken)}")
    if explored is not None:
        model = model or Model(spec)
        if not any((state, rule) in explored for rule, _ in model.successors(state)):
            raise InvalidState("the state is outside the checked reachable set")
    return state


def refusal(spec: Spec, state: tuple, trigger: str, node: int | None) -> EventNotAllowed:
    """The error for an event that no row allows now: the device's own message where the
    trigger's ``refused_when`` holds (the VSG: a refused switchover on an active VSG)."""
    meta, values = spec.triggers[trigger], spec.decode(state)
    if meta.refusal and node and refused_when(spec, trigger, node)(state):
        return Refused(meta.refusal)
    where = f"on {spec.node_names[node]}" if node else ""
    now = ", ".join(f"{m.name}: {values[(f'n{node}.' if node else '') + m.variable]}"
                    for m in spec.machines.values() if (m.scope == "node") == bool(node))
    return EventNotAllowed(f"'{trigger}' is not allowed {where} now ({now})".replace(
        "  ", " "))


def refused_when(spec: Spec, trigger: str, node: int):
    """The trigger's ``refused_when`` on ``node``, compiled once per spec."""
    cache = spec.__dict__.setdefault("_refused_when", {})
    if (trigger, node) not in cache:
        cache[trigger, node] = predicate(typed(spec.triggers[trigger].refused_when,
                                               spec.resolver(node), "refused_when", BOOL_T))
    return cache[trigger, node]


def check_event(spec: Spec, trigger: Any, node: Any) -> None:
    """``EventNotAllowed`` for an unknown trigger or a node that does not fit it."""
    if not isinstance(trigger, str) or trigger not in spec.triggers:
        raise EventNotAllowed(f"unknown event {trigger!r} (known: "
                              f"{', '.join(sorted(spec.triggers))})")
    scope = spec.triggers[trigger].scope
    if (scope == "node") != (type(node) is int and node in spec.nodes):
        where = f"a node ({', '.join(map(str, spec.nodes))})" if scope == "node" else "no node"
        raise EventNotAllowed(f"event '{trigger}' needs {where}, got {node!r}")


class Observers:
    """``before`` / ``after`` / ``on_enter`` subscriptions, shared by ``Pair`` and ``Node``.

    ``before(step)`` runs before anything changes; returning ``False`` or raising vetoes
    the step (``Vetoed``, nothing changed).  ``after(step)`` runs once the step is
    complete; an exception there is logged and changes nothing (the step stays taken,
    the other observers still run).  ``on_enter(variable, value, cb)`` calls ``cb(step)``
    after each step that gives ``variable`` the value ``value``.
    """

    def __init__(self):
        self._subs: list[Subscription] = []

    def before(self, callback: Callable, trigger: str | None = None) -> Subscription:
        return self._add(Subscription(self, "before", callback, trigger))

    def after(self, callback: Callable, trigger: str | None = None) -> Subscription:
        return self._add(Subscription(self, "after", callback, trigger))

    def on_enter(self, variable: str, value: Any, callback: Callable) -> Subscription:
        return self._add(Subscription(self, "enter", callback, state=(variable, value)))

    def unsubscribe(self, sub: Subscription) -> None:
        """Remove a subscription (``HapairError`` when it is not one of this object's)."""
        with self._lock:
            if sub not in self._subs:
                raise HapairError("not subscribed here (already cancelled?)")
            self._subs.remove(sub)

    def _add(self, sub: Subscription) -> Subscription:
        if not callable(sub.callback):
            raise HapairError(f"an observer must be callable, got {sub.callback!r}")
        if sub.trigger is not None and sub.trigger not in self.spec.triggers:
            raise EventNotAllowed(f"unknown event {sub.trigger!r}")
        if sub.state is not None and sub.state[0] not in self.spec.by_name:
            raise HapairError(f"unknown variable '{sub.state[0]}'")
        with self._lock:
            self._subs.append(sub)
        return sub

    def _veto(self, step: Step) -> None:
        for sub in [s for s in self._subs if s.kind == "before"]:
            if sub.trigger not in (None, step.trigger):
                continue
            try:
                ok = sub.callback(step)
            except Exception as exc:  # noqa: BLE001 - any refusal vetoes the step
                raise Vetoed(f"'{step.trigger}' vetoed by an observer: {exc}") from exc
            if ok is False:
                raise Vetoed(f"'{step.trigger}' vetoed by an observer")

    def _notify(self, step: Step) -> None:
        for sub in list(self._subs):
            if sub.kind == "after" and sub.trigger in (None, step.trigger):
                pass
            elif not (sub.kind == "enter" and sub.state[0] in step.changed
                      and step.after[sub.state[0]] == sub.state[1]):
                continue
            try:
                sub.callback(step)
            except Exception:  # noqa: BLE001 - an observer cannot undo a step
                log.exception("observer %r failed after '%s' (the step stands)",
                              sub.callback, step.trigger)


# Where a transitions machine keeps its state on the object it drives: a name no trigger
# can have (a spec's trigger may well be called ``state`` or ``name``).
STATE_ATTRIBUTE = "machine state"


class _View:
    """The object a ``transitions`` machine drives (one per node and machine); its only
    attributes have names that no trigger can take (``transitions`` binds a method per
    trigger on it, and skips a name already taken)."""

    def __init__(self, name: str):
        setattr(self, "machine name", name)


class Pair(Observers):
    """Two VSGs (module 1 and 2) and the link between them.

    Every method raises only ``HapairError`` subclasses on bad input: ``EventNotAllowed``
    (unknown trigger, wrong node, or not allowed now; ``Refused`` with the device's
    message; ``Vetoed`` by an observer), ``InvalidState`` (``state=`` or ``restore``).
    """

    def __init__(self, spec: Spec | None = None, *, state: Any = None,
                 explored: Any = None):
        """``state``: start there (encoded or decoded; it must be well formed, any
        invariant may be broken, e.g. to show a counterexample's state; ``restore``
        checks more).  ``explored``: the (state, rule) pairs a checker run explored;
        when given, the pair refuses any step outside them (see
        ``hapair.checker.explicit``) and ``restore`` any state outside them."""
        super().__init__()
        self._lock = threading.RLock()
        self._stepping = False
        self.spec = spec or load()
        self.model = Model(self.spec)
        self.triggers = trigger_names(self.spec)
        self.state = self.model.init_states()[0] if state is None else \
            well_formed(self.spec, state)
        self.explored = explored
        self._build_machines()

    # -- construction ---------------------------------------------------------------

    def _build_machines(self) -> None:
        values = self.spec.decode(self.state)
        self.machines: dict[tuple, _TMachine] = {}
        self._views: dict[tuple, _View] = {}
        for m in self.spec.machines.values():
            for node in (self.spec.nodes if m.scope == "node" else (None,)):
                key = (node, m.name)
                var = f"n{node}.{m.variable}" if node else m.variable
                view = _View(f"{self.spec.node_names[node]} {m.name}" if node else m.name)
                tm = _TMachine(model=view, states=list(m.states), initial=values[var],
                               auto_transitions=False, send_event=True,
                               ignore_invalid_triggers=False,
                               model_attribute=STATE_ATTRIBUTE)
                self.machines[key], self._views[key] = tm, view
        for i, rule in enumerate(self.spec.rules):
            t = rule.transition
            tm = self.machines[(rule.node, t.machine)]
            tm.add_transition(t.trigger, t.source, t.dest,
                              conditions=[partial(self._guard, i)],
                              after=[partial(self._take, i)])

    def _guard(self, rule: int, event) -> bool:
        """A row's condition in its transitions machine: the compiled first match over
        every machine of the action (``Rule.fires``), so a trigger shared by two machines
        takes the row the model takes."""
        return self.model.fires[rule](self._pre)

    def _take(self, rule: int, event) -> None:
        self._fired = rule

    def _sync_machines(self) -> None:
        after = self.spec.decode(self.state)
        for (n, mname), tm in self.machines.items():
            var = self.spec.machines[mname].variable
            value = after[f"n{n}.{var}" if n else var]
            if getattr(self._views[(n, mname)], STATE_ATTRIBUTE) != value:
                tm.set_state(value, self._views[(n, mname)])

    # -- reading --------------------------------------------------------------------

    @property
    def values(self) -> dict:
        """Every variable, decoded: ``{'link': 'up', 'n1.state': 'off', ...}``."""
        with self._lock:
            return self.spec.decode(self.state)

    def __getitem__(self, name: str):
        values = self.values
        if name not in values:
            raise HapairError(f"unknown variable '{name}'")
        return values[name]

    def status(self, node: int) -> View:
        """What ``node`` shows: the spec's node view (the VSG's ``show system redundancy
        status``; a table of the node's variables for a spec that declares none)."""
        if node not in self.spec.nodes:
            raise HapairError(f"a node is one of {self.spec.nodes}, got {node!r}")
        with self._lock:
            return node_view(self.spec, self.state, node)

    def allowed(self, kinds: tuple | None = None) -> list[tuple]:
        """The events the pair can take now, as ``(trigger, node)`` (the order of
        ``fire``); ``kinds`` keeps only those triggers' kinds (``('physical',)``)."""
        if kinds is not None and not {"internal", "physical", "fault", "traffic",
                                      "operator"} >= set(kinds):
            raise HapairError(f"unknown kind in {kinds!r}")
        with self._lock:
            acts = self.model.actions(self.state)
        return [(t, n) for n, t in acts
                if kinds is None or self.spec.triggers[t].kind in kinds]

    def can(self, trigger: str, node: int | None = None) -> bool:
        check_event(self.spec, trigger, node)
        with self._lock:
            return self.model.fired_rule(self.state, (node, trigger)) is not None

    # -- saving ---------------------------------------------------------------------

    def save(self) -> dict:
        """The state as plain JSON-able data, for ``restore``."""
        with self._lock:
            return {"spec": self.spec.name, "state": self.spec.decode(self.state)}

    def restore(self, saved: Any) -> None:
        """Go back to a ``save()``d state; ``InvalidState`` (and nothing changes) when it
        is malformed, breaks an invariant of the spec, or, with ``explored``, was never
        reached by the checker run."""
        if not isinstance(saved, dict) or set(saved) != {"spec", "state"}:
            raise InvalidState("restore() takes what save() returned: "
                               "{'spec': NAME, 'state': {...}}")
        if saved["spec"] != self.spec.name:
            raise InvalidState(f"saved from spec '{saved['spec']}', this is "
                               f"'{self.spec.name}'")
        state = check_state(self.spec, saved["state"], model=self.model,
                            explored=self.explored)
        with self._lock:
            self._no_reentry()
            self.state = state
            self._sync_machines()

    # -- driving --------------------------------------------------------------------

    def fire(self, trigger: str, node: int | None = None) -> Step:
        """Take one event; raise ``EventNotAllowed`` (or ``Refused``, ``Vetoed``) and
        change nothing when the spec (or an observer) does not allow it now."""
        check_event(self.spec, trigger, node)
        with self._lock:
            self._no_reentry()
            rule = self.model.fired_rule(self.state, (node, trigger))
            if rule is None:
                raise refusal(self.spec, self.state, trigger, node)
            if self.explored is not None and (self.state, rule) not in self.explored:
                raise EventNotAllowed(f"'{trigger}' on {self.spec.node_names.get(node, node)} "
                                      "leaves the explored "
                                      "state space of this checker run")
            return self._step(trigger, node, rule)

    def _no_reentry(self) -> None:
        if self._stepping:
            raise HapairError("an observer cannot change the pair it observes; "
                              "fire from another thread or after the step")

    def _step(self, trigger: str, node: int | None, rule: int) -> Step:
        pre = self.state
        post = self.model.apply(rule, pre)
        before, after = self.spec.decode(pre), self.spec.decode(post)
        changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        step = Step(trigger, node, rule, before, after, changed, pre, post)
        self._stepping = True
        try:
            self._veto(step)
            self._drive(step)
            self.state = post
            log.debug("module %s %s: %s", node, trigger, changed)
            self._notify(step)
        finally:
            self._stepping = False
        return step

    def _drive(self, step: Step) -> None:
        """The transitions machine takes the same row (a cross-check of the model)."""
        self._pre, self._fired = step.pre, None
        key = (step.node, self.spec.rules[step.rule].transition.machine)
        try:
            self.machines[key].events[step.trigger].trigger(self._views[key])
            if self._fired != step.rule:
                raise HapairError(f"internal error: transitions took row {self._fired}, "
                                  f"the model row {step.rule}")
        except MachineError as exc:  # the transitions machine disagrees: a hapair bug
            raise HapairError(f"internal error: {exc}") from None
        finally:
            self.state = step.post if self._fired == step.rule else step.pre
            self._sync_machines()

    def internal_step(self, admit: Callable | None = None) -> Step | None:
        """Take the first enabled internal step (in the spec's order), if any;
        ``admit(action)``, when given, leaves out the actions it says False to (a
        simulation whose data resolves a choice the model leaves open)."""
        with self._lock:
            self._no_reentry()
            for action in self.model.action_list:
                if action in self.model.internal and (admit is None or admit(action)):
                    rule = self.model.fired_rule(self.state, action)
                    if rule is not None:
                        return self._step(action[1], action[0], rule)
        return None

    def settle(self, limit: int = 200) -> list[Step]:
        """Take internal steps until none is enabled (boot, sync, takeover, ...)."""
        if type(limit) is not int or limit < 1:
            raise HapairError(f"settle(limit=...) takes a whole number >= 1, got {limit!r}")
        with self._lock:
            return settle(self.internal_step, limit, "the pair")


def settle(internal_step, limit: int, who: str) -> list[Step]:
    """``internal_step()`` until it takes none; more than ``limit`` steps is an error."""
    steps = []
    while (step := internal_step()) is not None:
        steps.append(step)
        if len(steps) >= limit:
            raise HapairError(f"{who} did not settle within {limit} internal steps")
    return steps


class AsyncPair:
    """The asyncio face of a ``Pair``: the same steps, awaited.

    A step takes microseconds, so it runs in the event loop itself, under the pair's
    lock (other threads may share the pair); ``wait_for`` waits for a variable's value
    without polling, through ``on_enter``.

    >>> async def main():
    ...     pair = AsyncPair(Pair())
    ...     await pair.fire("power_on", 1)
    ...     await pair.settle()
    ...     return pair.pair["n1.state"]
    >>> asyncio.run(main())
    'active_no_standby'
    """

    def __init__(self, pair: Pair | None = None):
        self.pair = pair if pair is not None else Pair()

    async def fire(self, trigger: str, node: int | None = None) -> Step:
        return self.pair.fire(trigger, node)

    async def settle(self, limit: int = 200) -> list[Step]:
        return self.pair.settle(limit)

    async def allowed(self, kinds: tuple | None = None) -> list[tuple]:
        return self.pair.allowed(kinds)

    async def wait_for(self, variable: str, value: Any, timeout: float) -> None:
        """Return once ``variable == value`` (``TimeoutError`` after ``timeout`` s)."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def entered(step: Step) -> None:
            loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))

        sub = self.pair.on_enter(variable, value, entered)
        try:
            if self.pair[variable] != value:
                await asyncio.wait_for(done, timeout)
        finally:
            sub.cancel()
