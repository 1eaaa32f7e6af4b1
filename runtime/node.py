"""One VSG of the pair, as its own process runs it: ``Node``.

A ``Node`` holds one VSG's machines (its redundancy state, role, System Manager, ...)
and a *view* of its peer built only from the messages it has received: the peer's
heartbeats carry its own variables, its HA pair ID and its configurations.  Every
decision is the spec's rows evaluated on one product state assembled from the node's
own state and that view, with the compiled guards and effects of ``Model`` (no rule is
written here a second time):

- the link variable is the node's own observation: ``'down'`` once no message came for
  ``timeout`` seconds (``tick``), ``'up'`` again at the next message; the spec's
  ``link_down`` / ``link_up`` rows give what that observation does to the node's own
  state (the status then shows the peer "Not present");
- the configuration equalities and ``same_pair_id`` follow from the concrete
  configurations (each with a version, as in ``Lab``) and IDs the node holds and has
  heard;
- a row that also writes the peer's variables (``sync_done``, ``system_switchover``, a
  mirrored edit ...) is a prediction for the peer: every message carries the sender's
  steps the peer has not acknowledged yet, and the peer takes that row's effects on its
  own variables when the sender's view of it was right (otherwise the step was taken on
  a stale view and the peer ignores it: its next heartbeat corrects the sender's view).
  Until the peer acknowledges a step, its older heartbeats do not overwrite the
  prediction.

Threads: one ``threading.RLock`` per node guards every method; observers (``before`` /
``after`` / ``on_enter``, as in ``Pair``) run inside it.

>>> a, b = Node(1, clock=lambda: 0.0), Node(2, clock=lambda: 0.0)
>>> _ = a.fire("power_on"); _ = b.fire("power_on")
>>> for _ in range(4):
...     b.receive(a.heartbeat()); a.receive(b.heartbeat())
...     _ = a.settle(); _ = b.settle()
>>> a["n1.state"], b["n2.state"]
('active_ha_standby', 'ha_standby')
>>> a.status().this[2], b.status().other[2]
('Active with HA standby', 'Active with HA standby')

Limits: one peer; a message is a whole heartbeat (state, IDs, both configurations, the
services: a few kilobytes); steps are retransmitted until acknowledged, at most ``KEEP_STEPS`` of
them (older ones count as lost, as during a partition).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
import uuid
from datetime import datetime
from typing import Any, Callable

from hapair.model.product import Model
from hapair.runtime.pair import (
    Observers,
    Step,
    check_event,
    refusal,
    settle,
    trigger_names,
    well_formed,
)
from hapair.spec import EventNotAllowed, HapairError, Spec
from hapair.specs import load
from hapair.specs.vsg import guide
from hapair.specs.vsg.services import Services

log = logging.getLogger(__name__)

KEEP_STEPS = 64
MAX_CONFIG_BYTES = 1 << 20  # a running configuration's text at most (a heartbeat carries it)
MAX_LINE = 1024  # characters in one configuration line
DEFAULT_PAIR_ID = 1
_MUTABLE = ("own", "peer_vars", "failover_lock", "running", "startup", "peer_running",
            "peer_startup", "pair_id", "peer_pair_id", "services", "peer_services",
            "syslog", "seq",
            "pending", "sent", "powered_at", "_clock")


_IMMUTABLE = (tuple, str, int, float, bool, type(None), datetime)  # held as they are: a
# configuration is a (version, lines) tuple of strings, copied by reference


class Node(Observers):
    """One VSG: its own machines, its data, and its view of the peer."""

    def __init__(self, module: int, *, spec: Spec | None = None, timeout: float = 0.5,
                 clock: Callable[[], float] = time.monotonic):
        if module not in (1, 2):
            raise HapairError(f"a module is 1 or 2, got {module!r}")
        if not (isinstance(timeout, (int, float)) and timeout > 0):
            raise HapairError(f"the heartbeat timeout must be > 0 s, got {timeout!r}")
        super().__init__()
        self._lock = threading.RLock()
        self._stepping = False
        self.module, self.peer = module, 3 - module
        self.spec = spec or load()
        self.model = Model(self.spec)
        self.triggers = trigger_names(self.spec)
        self.timeout, self.clock = timeout, clock
        init = self.spec.decode(self.spec.initial)
        self.own = {v.local: init[v.name] for v in self.spec.variables if v.node == module}
        self.peer_vars = {v.local: init[v.name] for v in self.spec.variables
                          if v.node == self.peer}
        self.link, self.failover_lock = "down", False  # nothing heard yet
        config = ("0", tuple(guide.DEFAULT_CONFIG))
        self.running, self.startup = config, config
        self.peer_running, self.peer_startup = config, config
        self.pair_id = self.peer_pair_id = DEFAULT_PAIR_ID
        self.services = Services()  # its processes: Start_cnt, PSS, MTS queue, ...
        self.peer_services = self.services.save()  # as the peer's last heartbeat said
        self.processes = self.services.processes
        self.syslog: dict[int, list[str]] = {1: [], 2: []}
        self.seq = 0  # my steps so far
        self.ack = 0  # the peer's steps I have taken in
        self.peer_ack = 0  # my steps the peer has taken in (and saved: it acks after)
        self.pending = 0  # my last step that predicted the peer's variables
        self.peer_incarnation: str | None = None
        self.incarnation = uuid.uuid4().hex[:8]
        self.sent: list[dict] = []  # my steps not yet acknowledged
        self.partitions = 0  # the links lost as this node saw them
        self.peer_partitions: int | None = None  # the same count, as the peer last said
        self.last_heard: float | None = None
        self.powered_at = self.clock()
        # called (trigger, node, before, after) with what it observed: the step log
        self.observer: Callable | None = None
        self._clock = datetime.strptime(guide.CLOCK_START, guide.LOG_TIME)
        self._sees_peer = guide.sees_peer(self.spec, module)
        self._derived_names = frozenset(self._derived())  # the same names in every state
        self._ops = {"reboot": self._reboot, "load_startup": self._load_startup,
                     "sync_from_peer": self._sync_from_peer, "edit": self._edit,
                     "copy": self._copy, "log_switchover": self._log_switchover,
                     "log_takeover": self._log_takeover, "fresh": self._fresh,
                     "stop": self._reboot, "new_flow": lambda line, mirrored: None}

    # -- the view -------------------------------------------------------------------

    def _derived(self) -> dict:
        me, peer = f"n{self.module}.", f"n{self.peer}."
        run, start = self.running[0], self.startup[0]
        prun, pstart = self.peer_running[0], self.peer_startup[0]
        services = self.services.facts(self.spec.bounds["MAX_RESTARTS"],
                                       self.spec.bounds["MORE_DOWN"])
        return {"same_pair_id": self.pair_id == self.peer_pair_id, "run_eq": run == prun,
                "start_eq": start == pstart, me + "saved": run == start,
                me + "run_is_peer_start": run == pstart, peer + "saved": prun == pstart,
                peer + "run_is_peer_start": prun == start,
                **{me + k: v for k, v in services.items()}}

    def _values(self) -> dict:
        out = {"link": self.link, "failover_lock": self.failover_lock}
        out.update({f"n{self.module}.{k}": v for k, v in self.own.items()})
        out.update({f"n{self.peer}.{k}": v for k, v in self.peer_vars.items()})
        out.update(self._derived())
        return out

    def view(self) -> tuple:
        """The product state this node decides on (own state + what it heard)."""
        with self._lock:
            return self.spec.encode(self._values())

    @property
    def values(self) -> dict:
        with self._lock:
            return self._values()

    def __getitem__(self, name: str):
        values = self.values
        if name not in values:
            raise HapairError(f"unknown variable '{name}'")
        return values[name]

    @property
    def state(self) -> str:
        return self.own["state"]

    def status(self) -> guide.Status:
        """``show system redundancy status`` on this VSG."""
        with self._lock:
            view = self.view()
            return guide.status(self.spec.decode(view), self.module, self._sees_peer(view))

    def allowed(self) -> list[tuple]:
        """This node's events possible now, as ``(trigger, module)``."""
        with self._lock:
            view = self.view()
            return [(t, n) for n, t in self.model.action_list
                    if n == self.module and self.model.fired_rule(view, (n, t)) is not None]

    # -- own steps ------------------------------------------------------------------

    def fire(self, trigger: str, *, line: str | None = None,
             pair_id: int | None = None) -> Step:
        """Take one event on this VSG (``line``: the configuration line of a
        ``config_edit``; ``pair_id``: the new ID of ``ha_pair_id_*``, by default the
        peer's for ``_same`` and a new one for ``_other``).  Raises
        ``EventNotAllowed`` (``Refused``, ``Vetoed``) and changes nothing otherwise."""
        check_event(self.spec, trigger, self.module)
        if pair_id is not None and (type(pair_id) is not int or pair_id < 1):
            raise HapairError(f"an HA pair ID is a whole number >= 1, got {pair_id!r}")
        with self._lock:
            self._no_reentry()
            rule = self.model.fired_rule(self.view(), (self.module, trigger))
            if rule is None:
                raise refusal(self.spec, self.view(), trigger, self.module)
            if not self.services.admits(trigger, self.spec.bounds["MORE_DOWN"]):
                raise EventNotAllowed(f"'{trigger}' on module {self.module}: "
                                      f"{self.services.why_not(trigger)}")
            if pair_id is None and trigger == "ha_pair_id_same":
                pair_id = self.peer_pair_id
            elif pair_id is None and trigger == "ha_pair_id_other":
                pair_id = max(self.pair_id, self.peer_pair_id) + 1
            return self._step(trigger, rule, line=line, pair_id=pair_id)

    def set_pair_id(self, number: int) -> Step:
        """``ha-pair id N``: the same ID as the peer's, or another (refused while a
        standby is in view: then the standby takes the new ID too, as in ``Lab``)."""
        with self._lock:
            if number == self.peer_pair_id:
                return self.fire("ha_pair_id_same", pair_id=number)
            if self.model.fired_rule(self.view(), (self.module, "ha_pair_id_other")):
                return self.fire("ha_pair_id_other", pair_id=number)
            return self.fire("ha_pair_id_same", pair_id=number)

    def internal_step(self) -> Step | None:
        """The first enabled internal step of this VSG (in the spec's order), if any.
        A booting VSG that has heard nothing negotiates for one ``timeout`` first."""
        with self._lock:
            self._no_reentry()
            view = self.view()
            waiting = self.state == "booting" and self.link == "down" and \
                self.clock() < self.powered_at + self.timeout
            for action in self.model.action_list:
                if action[0] != self.module or action not in self.model.internal or \
                        not self.services.admits(action[1], self.spec.bounds["MORE_DOWN"]):
                    continue
                rule = self.model.fired_rule(view, action)
                if rule is not None and not (waiting and action[1] == "boot"):
                    return self._step(action[1], rule)
        return None

    def settle(self, limit: int = 50) -> list[Step]:
        with self._lock:
            return settle(self.internal_step, limit, f"module {self.module}")

    def _no_reentry(self) -> None:
        if self._stepping:
            raise HapairError("an observer cannot change the node it observes")

    def _step(self, trigger: str, rule: int, **args) -> Step:
        pre = self.view()
        post = self.model.apply(rule, pre)
        before, after = self.spec.decode(pre), self.spec.decode(post)
        changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        step = Step(trigger, self.module, rule, before, after, changed, pre, post)
        self._stepping = True
        try:
            self._veto(step)
            snapshot = {k: v if isinstance(v, _IMMUTABLE) else copy.deepcopy(v)
                        for k, v in vars(self).items() if k in _MUTABLE}
            try:
                self._commit(step, **args)
            except HapairError:  # the refinement check failed: undo, then report
                vars(self).update(snapshot)
                raise
            self._notify(step)
        finally:
            self._stepping = False
        return step

    def _commit(self, step: Step, *, line: str | None = None,
                pair_id: int | None = None) -> None:
        if pair_id is not None:
            self.pair_id = pair_id
            if step.trigger == "ha_pair_id_same" and pair_id != self.peer_pair_id:
                self.peer_pair_id = pair_id  # the standby in view mirrors it
        ops = self.spec.rules[step.rule].transition.ops
        for op in ops:
            if op in self._ops:
                self._ops[op](line if op == "edit" else None, "mirror" in ops)
            elif op not in ("mirror", "follow"):  # a service's op
                self.services.op(op, self._serial(self.seq + 1, self.module))
                if "follow" in ops:
                    self.services.follow(self._active_services(), op.rpartition("_")[2])
        self._predict_peer_queue(ops)
        if step.trigger == "power_on":
            self.powered_at = self.clock()
        self._take_values(step.after, own=True, peer=True)
        if any(k.startswith(f"n{self.peer}.") for k in step.changed) or \
                "mirror" in ops or pair_id is not None:
            self.pending = self.seq + 1
        self.seq += 1
        self.sent = [*self.sent, {"seq": self.seq, "trigger": step.trigger,
                                  "rule": step.rule, "pre": list(step.pre),
                                  "post": list(step.post),
                                  "partitions": self.partitions,
                                  "seen": -1 if self.peer_partitions is None
                                  else self.peer_partitions}][-KEEP_STEPS:]
        if self.view() != step.post:
            got = self.spec.decode(self.view())
            wrong = [k for k in got if got[k] != step.after[k]]
            raise HapairError(f"internal error: module {self.module}'s data disagree with "
                              f"the model after '{step.trigger}' on {', '.join(wrong)}")
        log.debug("module %s %s: %s", self.module, step.trigger, step.changed)

    def _predict_peer_queue(self, ops: list) -> None:
        """A row that changes the peer's MTS queue (one held on both supervisors, or
        merged at the end of synchronisation): the peer's services, as this node
        predicts them until the peer acknowledges, change with the row's prediction of
        its variables, so that the two stay one view."""
        mts = [op for op in ops if op.startswith("mts_")] if "mirror" in ops else []
        if mts or "sync_from_peer" in ops:
            peer = self._active_services()
            if "sync_from_peer" in ops:
                peer.merge_queue(self.services)
            for op in mts:
                peer.mirror(op, self._serial(self.seq + 1, self.module), self.services)
            self.peer_services = peer.save()

    @staticmethod
    def _serial(seq: int, module: int) -> int:
        """A version of a service's state, unique across both modules (a standby holds
        the versions its active's steps made)."""
        return 2 * seq + module - 1

    def _take_values(self, values: dict, *, own: bool, peer: bool) -> None:
        """Take the stored (not derived) variables from a decoded product state."""
        derived = self._derived_names
        if own:
            for k in self.own:
                if f"n{self.module}.{k}" not in derived:
                    self.own[k] = values[f"n{self.module}.{k}"]
            self.failover_lock = values["failover_lock"]
        if peer:
            for k in self.peer_vars:
                if f"n{self.peer}.{k}" not in derived:
                    self.peer_vars[k] = values[f"n{self.peer}.{k}"]

    # -- messages -------------------------------------------------------------------

    def heartbeat(self) -> dict:
        """The message to send to the peer now (JSON-able)."""
        with self._lock:
            values = self._values()
            return {"module": self.module, "incarnation": self.incarnation,
                    "seq": self.seq, "ack": self.ack,
                    "own": {k: values[f"n{self.module}.{k}"] for k in self.own},
                    "pair_id": self.pair_id, "running": list(self.running),
                    "startup": list(self.startup), "services": self.services.save(),
                    "steps": list(self.sent), "partitions": self.partitions}

    def receive(self, message: Any) -> None:
        """Take in a message from the peer (``HapairError`` when it is malformed)."""
        with self._lock:
            msg = self._checked(message)
            self._no_reentry()
            self.last_heard = self.clock()
            if msg["incarnation"] != self.peer_incarnation:
                self._peer_restarted()
                self.peer_incarnation, self.peer_partitions = msg["incarnation"], None
            for sent in msg["steps"]:
                if sent["seq"] > self.ack:
                    self._links_lost_by_peer(sent["partitions"])
                    if self._adopt(sent, msg) and 0 <= sent["seen"] < self.partitions:
                        # taken before this node lost the link (it reached it late):
                        # for the model the link went down after it, so once more here
                        self._observe("link_down", None)
                        self._observe("link_up", None)
                    self.ack = sent["seq"]
            self._links_lost_by_peer(msg["partitions"])
            self.ack = max(self.ack, msg["seq"])
            self.peer_ack = msg["ack"]
            self.sent = [s for s in self.sent if s["seq"] > msg["ack"]]
            if msg["ack"] >= self.pending:
                self.peer_vars = dict(msg["own"])
                self.peer_pair_id = msg["pair_id"]
                self.peer_running = (msg["running"][0], tuple(msg["running"][1]))
                self.peer_startup = (msg["startup"][0], tuple(msg["startup"][1]))
                self.peer_services = msg["services"]

    def _links_lost_by_peer(self, count: int) -> None:
        """The peer counts ``count`` links lost by the time of its step (or message).
        More than this node last heard: the peer lost the link and this node never saw
        it (it was paused, its clock stood still, the other direction kept working):
        for the model the link went down for both, so it does here too, in the peer's
        order: after the steps the peer took before, before those it took after.  And
        a message heard is the link up."""
        if self.peer_partitions is not None and count > self.peer_partitions and \
                self.link == "up":
            self._observe("link_down", None)
        if self.peer_partitions is None or count > self.peer_partitions:
            self.peer_partitions = count
        if self.link == "down":
            self._observe("link_up", None)

    def _checked(self, msg: Any) -> dict:
        keys = {"module", "incarnation", "seq", "ack", "own", "pair_id", "running",
                "startup", "services", "steps", "partitions"}
        if not isinstance(msg, dict) or set(msg) != keys or msg["module"] != self.peer:
            raise HapairError(f"module {self.module}: not a heartbeat of module "
                              f"{self.peer}: {str(msg)[:60]!r}")
        if set(msg["own"]) != set(self.peer_vars):
            raise HapairError(f"module {self.module}: heartbeat without the peer's state")
        try:
            values = {f"n{self.peer}.{k}": v for k, v in msg["own"].items()}
            self.spec.encode({**self._values(), **values})
            _config(msg["running"]), _config(msg["startup"])
            Services().restore(msg["services"])
            if not all(type(msg[k]) is int and msg[k] >= 0
                       for k in ("seq", "ack", "pair_id", "partitions")):
                raise TypeError("seq, ack, pair_id and partitions are whole numbers")
            for s in msg["steps"]:
                well_formed(self.spec, s["pre"]), well_formed(self.spec, s["post"])
                rule = s["rule"]
                if type(rule) is not int or not 0 <= rule < len(self.spec.rules) or \
                        self.spec.rules[rule].node != self.peer or type(s["seq"]) is not int \
                        or type(s["partitions"]) is not int or s["partitions"] < 0 \
                        or type(s["seen"]) is not int or s["seen"] < -1:
                    raise TypeError(f"a step of another module or no step: {s!r:.40}")
        except (HapairError, KeyError, TypeError, ValueError) as exc:
            raise HapairError(f"module {self.module}: malformed heartbeat: {exc}") from None
        return msg

    def tick(self) -> None:
        """Notice a silent peer: no message for ``timeout`` seconds is a lost link."""
        with self._lock:
            self._no_reentry()
            heard = self.last_heard if self.last_heard is not None else self.powered_at
            if self.link == "up" and self.clock() - heard > self.timeout:
                self._observe("link_down", None)
                self.partitions += 1

    def _observe(self, trigger: str, node: int | None) -> None:
        """What an observation (the link, the peer's restart) does to this node: the
        effects of the spec's row for it, on this node's own variables only."""
        view = self.view()
        before = self.values
        rule = self.model.fired_rule(view, (node, trigger))
        if rule is not None:
            after = self.spec.decode(self.model.apply(rule, view))
            self._take_values(after, own=True, peer=False)
        if trigger in ("link_up", "link_down"):
            self.link = "up" if trigger == "link_up" else "down"
        log.info("module %s observes %s", self.module, trigger)
        if self.observer is not None:
            self.observer(trigger, node, before, self.values)

    def _peer_restarted(self) -> None:
        if self.peer_incarnation is not None and self.link == "up":
            self._observe("power_off", self.peer)  # it went away unseen, and came back
        self.ack = self.pending = self.peer_ack = 0  # its steps start afresh; mine are
        # lost to it
        self.sent = []

    def _adopt(self, sent: dict, msg: dict) -> bool:
        """The peer took a row: take its effects on this node, if it saw this node as
        it is.  Whether this node's own state changed."""
        pre = self.spec.decode(tuple(sent["pre"]))
        mine = f"n{self.module}."
        if any(pre[mine + k] != v for k, v in self.own.items()
               if mine + k not in self._derived_names):
            log.info("module %s ignores the peer's '%s' (taken on a stale view)",
                     self.module, sent["trigger"])
            return False
        before = self.values
        after = self.spec.decode(self.model.apply(sent["rule"], tuple(sent["pre"])))
        self._take_values(after, own=True, peer=False)
        changed = before != self.values
        if self.observer is not None and changed:
            self.observer(sent["trigger"], self.peer, before, self.values)
        ops = self.spec.rules[sent["rule"]].transition.ops
        if "mirror" in ops and "edit" in ops:
            self.running = (msg["running"][0], tuple(msg["running"][1]))
        if "mirror" in ops and "copy" in ops:
            self.startup = self.running
        if sent["trigger"] == "ha_pair_id_same" and after["same_pair_id"]:
            self.pair_id = msg["pair_id"]
        if "log_switchover" in ops:
            self._log_switchover_here()
        services = [op for op in ops if op == "checkpoint"
                    or op.startswith(("update_", "restart_", "mts_"))]
        if ("mirror" in ops and services) or "sync_from_peer" in ops:
            active = Services()  # as it is when it sends: its PSS
            active.restore(msg["services"])
            if "sync_from_peer" in ops:  # it synchronised with this one: the MTS queues
                self.services.merge_queue(active)  # become one
            for op in services if "mirror" in ops else ():  # the active's service
                self.services.mirror(op, self._serial(sent["seq"], self.peer), active)
        return changed

    # -- saving ---------------------------------------------------------------------

    def save(self) -> dict:
        """Everything this node keeps across a restart (a PSS checkpoint), JSON-able."""
        with self._lock:
            return {"module": self.module, "own": dict(self.own),
                    "failover_lock": self.failover_lock, "pair_id": self.pair_id,
                    "running": list(self.running), "startup": list(self.startup),
                    "peer": {"own": dict(self.peer_vars), "pair_id": self.peer_pair_id,
                             "running": list(self.peer_running),
                             "startup": list(self.peer_startup)},
                    "seq": self.seq, "start_cnt": list(self.services.start_cnt),
                    "mts": list(self.services.mts), "services": self.services.save()}

    def restore(self, saved: Any, *, powered_off: bool = True) -> None:
        """Resume from ``save()``; a node that was killed comes back powered off (then
        ``fire('power_on')``).  ``HapairError`` when ``saved`` is not a checkpoint of
        this module."""
        try:
            if saved["module"] != self.module:
                raise HapairError(f"a checkpoint of module {saved['module']}, not "
                                  f"{self.module}")
            own = dict(saved["own"], **({"state": "off"} if powered_off else {}))
            peer = dict(saved["peer"]["own"])
            self.spec.encode({**self._values(),
                              **{f"n{self.module}.{k}": v for k, v in own.items()},
                              **{f"n{self.peer}.{k}": v for k, v in peer.items()}})
            if set(own) != set(self.own) or set(peer) != set(self.peer_vars):
                raise HapairError("the checkpoint's variables are not this spec's")
            data = (bool(saved["failover_lock"]), int(saved["pair_id"]),
                    _config(saved["running"]), _config(saved["startup"]),
                    int(saved["peer"]["pair_id"]), _config(saved["peer"]["running"]),
                    _config(saved["peer"]["startup"]), int(saved["seq"]))
            services = Services()
            if not powered_off:  # a powered-off VSG's services start afresh
                services.restore(saved["services"])
        except (KeyError, TypeError, ValueError) as exc:
            raise HapairError(f"not a checkpoint of module {self.module}: {exc!r}") from None
        with self._lock:
            self.own, self.peer_vars = own, peer
            (self.failover_lock, self.pair_id, self.running, self.startup,
             self.peer_pair_id, self.peer_running, self.peer_startup, self.seq) = data
            self.services = services

    # -- the concrete ops of a row (as in Lab) ---------------------------------------

    def _reboot(self, line: Any, mirrored: bool) -> None:
        self.services.reboot()

    @property
    def start_cnt(self) -> list[int]:
        return self.services.start_cnt

    @property
    def mts(self) -> list[str]:
        return self.services.mts

    def _load_startup(self, line: Any, mirrored: bool) -> None:
        self.running = self.startup

    def _sync_from_peer(self, line: Any, mirrored: bool) -> None:
        self.running, self.startup = self.peer_running, self.peer_startup
        self.services.sync_from(self._active_services())

    def _active_services(self) -> Services:
        """The peer's services, as its last heartbeat said."""
        active = Services()
        active.restore(self.peer_services)
        return active

    def _edit(self, line: str | None, mirrored: bool) -> None:
        line = line if line is not None else f"! edit {self.seq + 1}"
        if len(line) > MAX_LINE or not line.isprintable():
            raise HapairError(f"a configuration line is printable text of at most "
                              f"{MAX_LINE} characters")
        if sum(len(x) + 1 for x in self.running[1]) + len(line) > MAX_CONFIG_BYTES:
            raise HapairError(f"the running configuration is at its limit "
                              f"({MAX_CONFIG_BYTES >> 20} MiB)")
        self.running = (uuid.uuid4().hex[:12], (*self.running[1], line))
        if mirrored:
            self.peer_running = self.running

    def _copy(self, line: Any, mirrored: bool) -> None:
        self.startup = self.running
        if mirrored:
            self.peer_startup = self.peer_running

    def fail(self, process: str) -> Step:
        """Process ``process`` fails: by its HA policy System Manager restarts it
        (statefully or statelessly) or fails over (a native one)."""
        with self._lock:
            trigger = self.services.fail(process)
            self.services.failing(process)
            try:
                return self.fire(trigger)
            finally:
                self.services.next_failure = None

    def _log_switchover(self, line: Any, mirrored: bool) -> None:
        offset, text = guide.MODULE_REMOVED  # what the new active shows (predicted)
        self._write(self.peer, (*guide.SWITCHOVER_LOG,
                                (offset, text.format(module=self.module))))

    def _log_switchover_here(self) -> None:
        offset, text = guide.MODULE_REMOVED
        self._write(self.module, (*guide.SWITCHOVER_LOG,
                                  (offset, text.format(module=self.peer))))

    def _log_takeover(self, line: Any, mirrored: bool) -> None:
        self._write(self.module, guide.SWITCHOVER_LOG)

    def _fresh(self, line: Any, mirrored: bool) -> None:
        config = (uuid.uuid4().hex[:12], guide.fresh_config(self.seq + 1))
        self.running = self.startup = config
        self.pair_id = max(self.pair_id, self.peer_pair_id) + 1  # its own, not the pair's

    def _write(self, module: int, entries: tuple) -> None:
        lines, self._clock = guide.log_lines(self._clock, entries)
        self.syslog[module] += lines


def _config(raw: Any) -> tuple:
    version, lines = raw
    return (str(version), tuple(str(line) for line in lines))


__all__ = ["KEEP_STEPS", "Node"]
