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
from datetime import datetime, timedelta

from hapair.spec import EventNotAllowed, HapairError, guide

from .runtime import Pair, Step

log = logging.getLogger(__name__)

MODULES = (1, 2)
DEFAULT_PAIR_ID = 1  # both modules of a new lab share it (the guide: same ID, paired)
ROLES = ("primary", "secondary")
_TIME = "%Y %b %d %H:%M:%S"


class RefinementError(HapairError):
    """The model's abstract facts no longer describe the lab's data: a hapair bug, or
    one of the limits in this module's docstring."""


class Lab:
    """A pair of VSGs with their configurations, counters and logs."""

    def __init__(self, pair: Pair | None = None, *, settling: bool = True):
        """``pair`` (default: ``Pair.settled()``) must be in a state where both modules
        hold the same saved configuration, as every ready-made pair does."""
        self.pair = pair if pair is not None else Pair.settled()
        self.spec = self.pair.spec
        self.settling = settling
        self.processes = guide.processes()
        self._base = [1 if p.running else 0 for p in self.processes]
        self.running = {n: list(guide.DEFAULT_CONFIG) for n in MODULES}
        self.startup = {n: list(guide.DEFAULT_CONFIG) for n in MODULES}
        self.version = {("running", n): 0 for n in MODULES} | \
            {("startup", n): 0 for n in MODULES}
        self.pair_id = {n: DEFAULT_PAIR_ID for n in MODULES}
        self.start_cnt = {n: list(self._base) for n in MODULES}
        self.clock = datetime.strptime(guide.CLOCK_START, _TIME)
        self.log: dict[int, list[str]] = {n: [] for n in MODULES}
        self._failed: dict[int, int | None] = {n: None for n in MODULES}
        self._line: str | None = None  # the configuration line of the next edit
        self._serial = 0  # for fresh lines and fresh VSGs
        self._ops = {"reboot": self._reboot, "load_startup": self._load_startup,
                     "sync_from_peer": self._sync_from_peer, "edit": self._edit,
                     "copy": self._copy, "restart_process": self._restart_process,
                     "log_switchover": self._log_switchover,
                     "log_takeover": self._log_takeover, "fresh": self._fresh}
        self.check()

    @classmethod
    def standalone(cls, *, settling: bool = True) -> "Lab":
        """One VSG, role standalone and active; module 2 is not installed (off)."""
        return cls(Pair.standalone(), settling=settling)

    # -- driving --------------------------------------------------------------------

    def fire(self, trigger: str, node: int | None = None) -> Step:
        """Take one event (see ``Pair.fire``), then settle if settling is on."""
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
        """Process ``process`` fails on module ``node``: a native one causes a failover,
        a borrowed one is restarted by System Manager."""
        index = self.process_index(process)
        if process in guide.NATIVE_PROCESSES:
            self.fire("fail_native", node)
            return
        self._apply(self.pair.fire("fail_borrowed", node))
        self._failed[node] = index
        self._settle()

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

    def replace(self, node: int, role: str) -> None:
        """Power module ``node`` off if needed, then install a fresh VSG with ``role``
        and the pair's ID in its place, powered off (the guide's replacement steps)."""
        if role not in ROLES:
            raise HapairError(f"a replacement VSG is primary or secondary, not '{role}'")
        if self.pair[f"n{node}.state"] != "off":
            self.fire("power_off", node)
        self.fire(f"replace_{role}", node)

    def step(self) -> Step | None:
        """One internal transition (for watching transient states with settling off)."""
        step = self.pair.internal_step()
        return step and self._apply(step)

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

    def process_index(self, name: str) -> int:
        """The row of the first process called ``name`` that is running."""
        rows = [i for i, p in enumerate(self.processes) if p.name == name]
        if not rows:
            raise HapairError(f"unknown process '{name}'")
        running = [i for i in rows if self.processes[i].running]
        if not running:
            raise HapairError(f"process '{name}' is not running")
        return running[0]

    def restarts(self, node: int) -> int:
        """Process restarts on module ``node`` since it booted."""
        return sum(c - b for c, b in zip(self.start_cnt[node], self._base))

    def check(self) -> None:
        """The refinement check: the model's abstract facts equal the lab's data."""
        values, cap = self.pair.values, self.spec.bounds["MAX_RESTARTS"]
        v = self.version
        facts = {"run_eq": v["running", 1] == v["running", 2],
                 "start_eq": v["startup", 1] == v["startup", 2],
                 "same_pair_id": self.pair_id[1] == self.pair_id[2]}
        for n in MODULES:
            facts[f"n{n}.saved"] = v["running", n] == v["startup", n]
            facts[f"n{n}.run_is_peer_start"] = v["running", n] == v["startup", 3 - n]
            facts[f"n{n}.restarts"] = min(self.restarts(n), cap)
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

    # -- the concrete ops of a row ----------------------------------------------------

    def _apply(self, step: Step) -> Step:
        """The concrete ops of the row the pair just took, then the refinement check.
        (The lab applies them itself rather than as an ``after`` observer: a failed
        refinement check must reach the caller.)"""
        ops = self.spec.rules[step.rule].transition.ops
        for op in ops:
            if op != "mirror":  # a modifier of edit and copy
                self._ops[op](step.node, "mirror" in ops)
        self.check()
        return step

    def _reboot(self, node: int, mirrored: bool) -> None:
        self.start_cnt[node] = list(self._base)
        self._failed[node] = None

    def _load_startup(self, node: int, mirrored: bool) -> None:
        self.running[node] = list(self.startup[node])
        self.version["running", node] = self.version["startup", node]

    def _sync_from_peer(self, node: int, mirrored: bool) -> None:
        peer = 3 - node
        self.running[node] = list(self.running[peer])
        self.startup[node] = list(self.startup[peer])
        self.version["running", node] = self.version["running", peer]
        self.version["startup", node] = self.version["startup", peer]

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

    def _restart_process(self, node: int, mirrored: bool) -> None:
        index = self._failed[node]
        if index is None:  # a failure fired on the pair directly: the first borrowed one
            index = next(i for i, p in enumerate(self.processes)
                         if p.running and not p.native)
        self.start_cnt[node][index] += 1
        self._failed[node] = None

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
        self.pair_id[node] = self.pair_id[3 - node]
        self.log[node] = []

    def _write(self, node: int, entries: tuple) -> None:
        start = self.clock
        for offset, text in entries:
            self.clock = start + timedelta(seconds=offset)
            self.log[node].append(guide.LOG_LINE.format(
                time=self.clock.strftime(_TIME), host=guide.HOSTNAME, text=text))
        log.debug("module %s logged %d lines", node, len(entries))
