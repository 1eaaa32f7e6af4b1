"""A simulated lab: an HA pair plus the concrete data that the model abstracts.

The spec keeps only what matters for the guide's rules: equalities between the four
configurations (is a running config saved? do the two modules hold the same?), whether
the HA pair IDs match, and a bounded restart counter.  The lab keeps the data itself:
each module's running and startup config (lists of lines), its HA pair ID, the
``Start_cnt`` of each process, a clock and each module's syslog.  It applies the
concrete ``ops`` of every row that fires, and after every step checks that the model's
abstraction still describes the data: a refinement check, which raises
``RefinementError("internal error: ...")`` (a ``HapairError``) when it fails.

The spec says a configuration line gives the running config a value no other
configuration holds.  So each configuration also carries a version: an edit makes a new
one, copy, load and sync copy it.  The check compares versions (the same line typed
again after it was lost is a new version, with the same text), and that two configs of
the same version hold the same lines.

>>> lab = Lab()                           # module 1 active, module 2 its HA standby
>>> lab.edit(1, "telnet server enable")
>>> lab.running[2][-1]                    # the standby mirrors the line
'telnet server enable'
>>> lab.running[1] == lab.startup[1]
False
"""

from __future__ import annotations

import logging
from datetime import datetime

from hapair.runtime.pair import Pair, Step
from hapair.spec import EventNotAllowed, HapairError, Spec
from hapair.specs.vsg import guide
from hapair.specs.vsg.services import LOCAL_MESSAGE, MODEL_PROCESS, Services

log = logging.getLogger(__name__)

MODULES = (1, 2)
DEFAULT_PAIR_ID = 1  # both modules of a new lab share it (the guide: same ID, paired)
SERVICES_ROW = "{:<17}{:<11}{:<15}{:<11}{}"  # lab services N (not a device command)


def settled(spec: Spec | None = None) -> Pair:
    """Module 1 primary and active, module 2 secondary and HA standby: each powered on in
    turn, settled.

    >>> settled().status(2).this[2]
    'HA standby'
    """
    pair = Pair(spec)
    for node in pair.spec.nodes:
        pair.fire("power_on", node)
        pair.settle()
    return pair


def standalone(spec: Spec | None = None) -> Pair:
    """One VSG with role standalone, active; module 2 is not installed (off).  Reached by
    the guide's own steps: role change, then reload."""
    pair = Pair(spec)
    pair.fire("power_on", 1)
    pair.settle()
    pair.fire("role_standalone", 1)
    pair.fire("reload", 1)
    pair.settle()
    return pair


class RefinementError(HapairError):
    """The model's abstract facts no longer describe the lab's data: a hapair bug, or
    one of the limits in this module's docstring."""


class Lab:
    """A pair of VSGs with their configurations, counters and logs."""

    def __init__(self, pair: Pair | None = None, *, settling: bool = True):
        """``pair`` (default: ``settled()``) must be in a state where both modules
        hold the same saved configuration, as every ready-made pair does."""
        self.pair = pair if pair is not None else settled()
        self.spec = self.pair.spec
        self.settling = settling
        self.services = {n: Services() for n in MODULES}
        self.processes = self.services[1].processes
        self.running = {n: list(guide.DEFAULT_CONFIG) for n in MODULES}
        self.startup = {n: list(guide.DEFAULT_CONFIG) for n in MODULES}
        self.version = {("running", n): 0 for n in MODULES} | \
            {("startup", n): 0 for n in MODULES}
        self.pair_id = {n: DEFAULT_PAIR_ID for n in MODULES}
        self.flows: dict[int, int | None] = {n: None for n in MODULES}  # a table's version
        self._flows: int | None = None  # the version of the newest flow table
        self.clock = datetime.strptime(guide.CLOCK_START, guide.LOG_TIME)
        self.log: dict[int, list[str]] = {n: [] for n in MODULES}
        self._line: str | None = None  # the configuration line of the next edit
        self._serial = 0  # for fresh lines and fresh VSGs
        self._isolation_cut_link = False  # the link is down because of a port group
        self._switch_failed = False  # the upstream switch both share is down
        self._ops = {"reboot": self._reboot, "load_startup": self._load_startup,
                     "sync_from_peer": self._sync_from_peer, "edit": self._edit,
                     "copy": self._copy, "log_switchover": self._log_switchover,
                     "log_takeover": self._log_takeover, "fresh": self._fresh,
                     "stop": self._stop, "new_flow": self._new_flow,
                     "stop_both": self._stop_both}
        self.check()

    @classmethod
    def standalone(cls, *, settling: bool = True) -> "Lab":
        """One VSG, role standalone and active; module 2 is not installed (off)."""
        return cls(standalone(), settling=settling)

    # -- driving --------------------------------------------------------------------

    def fire(self, trigger: str, node: int | None = None) -> Step:
        """Take one event (see ``Pair.fire``), then settle if settling is on."""
        if node is not None and not self._admits((node, trigger)):
            raise EventNotAllowed(f"'{trigger}' on module {node}: "
                                  f"{self.services[node].why_not(trigger)}")
        step = self._apply(self.pair.fire(trigger, node))
        self._settle()
        return step

    def edit(self, node: int, line: str) -> None:
        """A configuration line typed on module ``node`` (configure mode)."""
        self._line = line
        try:
            self._apply(self.pair.fire("config_edit", node))
        finally:
            self._line = None
        self._settle()

    def fail(self, node: int, process: str) -> None:
        """Process ``process`` fails on module ``node``: by its HA policy, System Manager
        restarts it (statefully or statelessly) or fails over (a native one)."""
        services = self.services[node]
        trigger = services.fail(process)
        services.failing(process)
        try:
            self._apply(self.pair.fire(trigger, node))
        finally:
            services.next_failure = None
        self._settle()

    @property
    def start_cnt(self) -> dict[int, list[int]]:
        return {n: self.services[n].start_cnt for n in MODULES}

    def ha_pair_id(self, node: int, number: int) -> None:
        """``ha-pair id N`` on module ``node``.  An HA standby in view mirrors the new
        ID, so then both modules take it."""
        peer = 3 - node
        if number == self.pair_id[peer]:
            self._fire_with_ids("ha_pair_id_same", node, {node: number})
        elif self.pair.can("ha_pair_id_other", node):
            self._fire_with_ids("ha_pair_id_other", node, {node: number})
        else:
            self._fire_with_ids("ha_pair_id_same", node, {node: number, peer: number})
        self._settle()

    def install(self, node: int, role: str | None = None, number: int | None = None) -> None:
        """Power module ``node`` off if needed, then install a fresh VSG in its place:
        standalone, its own configuration and HA pair ID, powered off (the operator then
        powers it on and sets its role and ID on its own console).

        With ``role`` and ``number`` the installer also gives it that role and HA pair ID,
        as the guide's "Install the new Cisco VSG as a standby, with the same domain ID"
        (L546, L568) asks, where nothing can interact with the pair: isolated, its first
        boot, the role command, ``ha-pair id``, saved, powered off, its port group
        changed back.  It is then powered off, as after a plain install; powered on, it
        joins the pair (it never acts on it while it is standalone)."""
        if self.pair[f"n{node}.state"] != "off":
            self.fire("power_off", node)
        self.fire("install", node)
        if role is None:
            return
        settling, self.settling = self.settling, True  # the installer waits for each step
        isolated = self.pair[f"n{node}.compute"] == "isolated"
        try:
            if not isolated:
                self.isolate(node)
            self.fire("power_on", node)
            self.fire(f"role_{role}", node)
            self.ha_pair_id(node, number)
            self.fire("copy_rs", node)
            self.fire("power_off", node)
            if not isolated:
                self.connect(node)
        finally:
            self.settling = settling

    def isolate(self, node: int) -> None:
        """Change module ``node``'s port group (vSphere) to prevent communication with
        the other VSG (the link) and the compute nodes."""
        self.fire("compute_isolate", node)
        if self.pair["link"] == "up":
            self.fire("link_down")
            self._isolation_cut_link = True

    def connect(self, node: int) -> None:
        """Change it back: the VSG and the compute nodes can communicate again (the
        link comes back only if an isolation cut it, not a failure, and no module is
        isolated any more)."""
        self.fire("compute_connect", node)
        if self._isolation_cut_link and self.pair["link"] == "down" and \
                all(self.pair[f"n{n}.compute"] == "connected" for n in MODULES):
            self._isolation_cut_link = False
            self.fire("link_up")

    def fail_switch(self) -> None:
        """The upstream switch both VSGs connect to fails: the link, and the compute
        nodes of both, are cut."""
        self.fire("switch_fail")
        self._switch_failed = True

    def restore_switch(self) -> None:
        """It works again: both VSGs and their compute nodes communicate again."""
        if not self._switch_failed:
            raise HapairError("the upstream switch has not failed")
        self._switch_failed = False
        for n in MODULES:
            if self.pair[f"n{n}.compute"] == "isolated":
                self.fire("compute_connect", n)
        if self.pair["link"] == "down":
            self.fire("link_up")

    def step(self) -> Step | None:
        """One internal transition (for watching transient states with settling off)."""
        step = self.pair.internal_step(self._admits)
        return step and self._apply(step)

    def allowed(self) -> list[tuple]:
        """The (trigger, node) events the lab can take now: the pair's, less the
        restarts its data rules out (``Services.admits``)."""
        return [(t, n) for t, n in self.pair.allowed() if self._admits((n, t))]

    def _admits(self, action: tuple) -> bool:
        node, trigger = action
        return node is None or \
            self.services[node].admits(trigger, self.spec.bounds["MORE_DOWN"])

    def settle(self, limit: int = 200) -> list[Step]:
        """Take internal steps until none is enabled, applying each one's ops."""
        steps = []
        while (step := self.step()) is not None:
            steps.append(step)
            if len(steps) >= limit:
                raise HapairError(f"the lab did not settle within {limit} internal steps")
        return steps

    def _settle(self) -> None:
        if self.settling:
            self.settle()

    def _fire_with_ids(self, trigger: str, node: int, ids: dict) -> None:
        # The ha-pair rows carry no ops: the IDs are set before the step, so that the
        # refinement check after it sees them, and put back if the step is refused.
        before = dict(self.pair_id)
        self.pair_id.update(ids)
        try:
            self._apply(self.pair.fire(trigger, node))
        except EventNotAllowed:
            self.pair_id = before
            raise

    # -- reading --------------------------------------------------------------------

    def services_table(self, node: int) -> list[str]:
        """What ``lab services N`` prints: the processes that failed since the module
        booted, each with its HA policy and what its restart recovered."""
        s = self.services[node]
        rows = [i for i, (c, b) in enumerate(zip(s.start_cnt, s.base)) if c > b]
        rows += [i for i in s.down() if i not in rows]
        out = [f"lab: no service has failed since module {node} booted"] if not rows else \
            [SERVICES_ROW.format("Process", "HA policy", "PSS", "Start_cnt", "Restart")]
        for i in sorted(rows):
            p = s.policy[s.processes[i].name]
            done = "down" if i in s.down() else f"recovered {s.recovered[i]}"
            out.append(SERVICES_ROW.format(p.process, p.policy, p.pss, s.start_cnt[i], done))
        out += [f"MTS: queued, {m}" for m in s.mts]
        return out

    def message(self, node: int, kind: str = "persistent", sender: int | None = None,
                to: str | None = None) -> None:
        """An MTS message (persistent or logged) for the failed process ``to`` of module
        ``node`` (the model's stateful process unless said), from a service on the same
        VSG or on ``sender``'s (the other supervisor, which must be running to send it)."""
        s = self.services[node]
        policy = "stateful" if to is None else s.policy[s.processes[s.row(to)].name].policy
        if to is not None and s.row(to) != s.current.get(policy):
            raise HapairError("the model queues MTS messages for "
                              + " and ".join(f"{p} ({k})" for k, p in MODEL_PROCESS.items())
                              + f" only, not {to}")
        other = sender is not None and sender != node
        if other and self.pair[f"n{sender}.state"] in ("off", "booting"):
            raise HapairError(f"module {sender} is not running: it sends no message")
        if other and self.pair["link"] != "up":
            raise HapairError(f"module {sender} cannot reach module {node}: the link is down")
        self.services[node].sending(kind, other_supervisor=other)
        try:
            self.fire(f"mts_message_{policy}", node)
        finally:
            self.services[node].next_message = LOCAL_MESSAGE

    def read_checkpoint(self, node: int, reader: str, owner: str, where: int) -> str:
        """What process ``reader`` on module ``node`` reads of process ``owner``'s PSS
        checkpoint on module ``where``: the guide's scope rules (private, shared local,
        shared global) decide."""
        if node != where and self.pair["link"] != "up":
            raise HapairError(f"module {node} cannot reach module {where}: the link is down")
        s, pss = self.services[node], self.services[where].pss
        name = s.processes[s.row(reader)].name
        owned = s.processes[s.row(owner)].name
        if owned not in pss.records:
            return f"lab: {owned} has no checkpoint on module {where}"
        state = pss.read(owned, name, same_supervisor=node == where)
        scope = pss.records[owned][1]
        if state is None:
            return f"lab: {name} on module {node} may not read it ({owned}'s checkpoint is " \
                   f"{scope})"
        return f"lab: {name} on module {node} reads version {state} ({scope})"

    def restarts(self, node: int) -> int:
        """Process restarts on module ``node`` since it booted."""
        s = self.services[node]
        return sum(c - b for c, b in zip(s.start_cnt, s.base))

    def check(self) -> None:
        """The refinement check: the model's abstract facts equal the lab's data."""
        values, cap = self.pair.values, self.spec.bounds["MAX_RESTARTS"]
        more = self.spec.bounds["MORE_DOWN"]
        v = self.version
        facts = {"run_eq": v["running", 1] == v["running", 2],
                 "start_eq": v["startup", 1] == v["startup", 2],
                 "same_pair_id": self.pair_id[1] == self.pair_id[2]}
        for n in MODULES:
            facts[f"n{n}.saved"] = v["running", n] == v["startup", n]
            facts[f"n{n}.run_is_peer_start"] = v["running", n] == v["startup", 3 - n]
            facts[f"n{n}.flows"] = self.flows[n] is not None and self.flows[n] == self._flows
            facts.update({f"n{n}.{k}": v for k, v in self.services[n].facts(cap, more).items()})
        texts = {("running", n): self.running[n] for n in MODULES} | \
            {("startup", n): self.startup[n] for n in MODULES}
        for a in texts:
            for b in texts:
                if v[a] == v[b] and texts[a] != texts[b]:
                    raise RefinementError(f"internal error: {a} and {b} share a version "
                                          "but not their lines")
        wrong = [f"{k} (model {values[k]}, lab {v})" for k, v in facts.items()
                 if values[k] != v]
        if wrong:
            raise RefinementError("internal error: the model and the lab disagree on "
                              + ", ".join(wrong))
        self._check_mirrored()

    def _check_mirrored(self) -> None:
        """Beyond the model's process: on an HA pair, every stateful process running on
        both VSGs holds the same state, and both PSSs the same checkpoints ("The two
        Cisco VSGs constantly synchronize the state")."""
        states = {self.pair[f"n{n}.state"]: n for n in MODULES}
        if self.pair["link"] != "up" or set(states) != {"active_ha_standby", "ha_standby"}:
            return
        a, b = self.services[states["active_ha_standby"]], self.services[states["ha_standby"]]
        for j in set(a.processes_of("stateful")) - a.down() - b.down():
            name = a.processes[j].name
            if a.held.get(j) != b.held.get(j) or \
                    a.pss.records.get(name) != b.pss.records.get(name):
                raise RefinementError(f"internal error: the HA standby's {name} is not "
                                      "the active's")

    # -- the concrete ops of a row ----------------------------------------------------

    def _apply(self, step: Step) -> Step:
        """The concrete ops of the row the pair just took, then the refinement check.
        (The lab applies them itself rather than as an ``after`` observer: a failed
        refinement check must reach the caller.)"""
        ops = self.spec.rules[step.rule].transition.ops
        for op in ops:
            if op in self._ops:
                self._ops[op](step.node, "mirror" in ops)
            elif op not in ("mirror", "follow"):  # modifiers: see below and the ops
                self._serial += 1
                self.services[step.node].op(op, self._serial)
                if "mirror" in ops:
                    self.services[3 - step.node].mirror(op, self._serial,
                                                        self.services[step.node])
                if "follow" in ops:
                    self.services[step.node].follow(self.services[3 - step.node],
                                                    op.rpartition("_")[2])
        self.check()
        return step

    def _reboot(self, node: int, mirrored: bool) -> None:
        self._stop(node, mirrored)

    def _stop(self, node: int, mirrored: bool) -> None:
        self.services[node].reboot()
        self.flows[node] = None

    def _stop_both(self, node: None, mirrored: bool) -> None:
        for n in MODULES:
            self._stop(n, mirrored)

    def _new_flow(self, node: int, mirrored: bool) -> None:
        self._flows = self._new_version()
        for n in (node, 3 - node) if mirrored else (node,):
            self.flows[n] = self._flows

    def _load_startup(self, node: int, mirrored: bool) -> None:
        self.running[node] = list(self.startup[node])
        self.version["running", node] = self.version["startup", node]

    def _sync_from_peer(self, node: int, mirrored: bool) -> None:
        peer = 3 - node
        self.running[node] = list(self.running[peer])
        self.startup[node] = list(self.startup[peer])
        self.version["running", node] = self.version["running", peer]
        self.version["startup", node] = self.version["startup", peer]
        self.flows[node] = self.flows[peer]
        self.services[node].sync_from(self.services[peer])
        self.services[peer].merge_queue(self.services[node])  # the MTS queues become one

    def _new_version(self) -> int:
        self._serial += 1
        return self._serial

    def _edit(self, node: int, mirrored: bool) -> None:
        line = self._line
        if line is None:  # an edit fired on the pair directly: a fresh line
            self._serial += 1
            line = f"! edit {self._serial}"
        version = self._new_version()
        for n in (node, 3 - node) if mirrored else (node,):
            self.running[n].append(line)
            self.version["running", n] = version

    def _copy(self, node: int, mirrored: bool) -> None:
        for n in (node, 3 - node) if mirrored else (node,):
            self.startup[n] = list(self.running[n])
            self.version["startup", n] = self.version["running", n]

    def _log_switchover(self, node: int, mirrored: bool) -> None:
        # The row fires on the old active; its peer becomes active and logs the removal.
        offset, text = guide.MODULE_REMOVED
        self._write(3 - node, (*guide.SWITCHOVER_LOG, (offset, text.format(module=node))))

    def _log_takeover(self, node: int, mirrored: bool) -> None:
        self._write(node, guide.SWITCHOVER_LOG)

    def _fresh(self, node: int, mirrored: bool) -> None:
        version = self._new_version()
        config = guide.fresh_config(version)
        self.running[node], self.startup[node] = list(config), list(config)
        self.version["running", node] = self.version["startup", node] = version
        self.pair_id[node] = max(self.pair_id.values()) + 1  # its own, not the pair's
        self.log[node] = []

    def _write(self, node: int, entries: tuple) -> None:
        lines, self.clock = guide.log_lines(self.clock, entries)
        self.log[node] += lines
        log.debug("module %s logged %d lines", node, len(entries))
