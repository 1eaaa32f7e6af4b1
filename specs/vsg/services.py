"""The processes of one VSG as System Manager keeps them: ``Services``.

The spec has one service of each restart policy per VSG (``stateful``, ``stateless``);
here every process of the guide's ``show processes`` table has its policy
(``specs/vsg/ha_policies.tsv``), a ``Start_cnt``, the state it holds (a version number), and
for a stateful one a PSS checkpoint with its scope.  The model's service of a policy is
one process of it, ``MODEL_PROCESS`` (every process of a policy has the same rows, so
any one stands for each); a failure of any other is one of the model's
``*_more_down``.  The model's ``service_update`` / ``pss_checkpoint`` are every running
process of the policy changing / checkpointing its state.  An HA standby mirrors the
active process by process (the same row of the table).  ``facts()`` is what the model's
variables say, for the refinement checks of ``Lab`` and ``Node``.

PSS scopes, as the guide defines them: a checkpoint is read by its own service always;
by another service only when shared; from the other supervisor only when shared
global.

>>> s = Services()
>>> s.fail("aaa")                        # a stateful process: System Manager restarts it
'fail_stateful'
>>> s.fail("policy_engine")              # native to the VSG: a failover
'fail_native'
>>> s.fail("clis")                       # another stateful one than the model's
'fail_another_stateful'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from hapair.spec import HapairError
from hapair.specs.vsg import guide

POLICIES = ("stateful", "stateless", "failover")
# The process the model's service of each restarting policy is (any would do).
MODEL_PROCESS = {"stateful": "aaa", "stateless": "vsh"}
SCOPES = ("private", "shared-local", "shared-global")
LOCAL_MESSAGE = "persistent from this supervisor"  # an MTS message unless said otherwise


@dataclass(frozen=True)
class HaPolicy:
    process: str
    policy: str  # stateful | stateless | failover
    pss: str  # a scope of SCOPES, or "-" (no checkpoint)
    source: str  # guide | reading
    reason: str


@cache
def policies() -> dict[str, HaPolicy]:
    """``specs/vsg/ha_policies.tsv``: the HA policy of every process of the table."""
    text = resources.files("hapair.specs.vsg").joinpath("ha_policies.tsv").read_text()
    rows = [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]
    return {r[0]: HaPolicy(*r) for r in rows}


_processes = cache(guide.processes)


class Pss:
    """The Persistent Storage Service of one supervisor: checkpoints by service."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[int, str]] = {}  # service -> (state, scope)

    def checkpoint(self, service: str, state: int, scope: str) -> None:
        if scope not in SCOPES:
            raise HapairError(f"a PSS scope is one of {', '.join(SCOPES)}, not '{scope}'")
        self.records[service] = (state, scope)

    def read(self, service: str, reader: str, *, same_supervisor: bool = True) -> int | None:
        """What ``reader`` may read of ``service``'s checkpoint (None: nothing)."""
        state, scope = self.records.get(service, (None, "private"))
        if reader == service and same_supervisor:
            return state
        if scope == "shared-global" or (scope == "shared-local" and same_supervisor):
            return state
        return None


class Services:
    """One VSG's processes, their policies, Start_cnt, states, PSS and MTS queue."""

    def __init__(self) -> None:
        self.processes = _processes()
        self.policy = policies()
        missing = {p.name for p in self.processes} - set(self.policy)
        if missing:
            raise HapairError(f"ha_policies.tsv has no policy for {', '.join(sorted(missing))}")
        unknown = {p.policy for p in self.policy.values()} - set(POLICIES)
        if unknown:
            raise HapairError(f"ha_policies.tsv: unknown policy {', '.join(sorted(unknown))}")
        self.base = [1 if p.running else 0 for p in self.processes]
        self.reboot()

    def __deepcopy__(self, memo: dict) -> "Services":
        """A copy of the state; the process and policy tables (the guide's, read once)
        are shared."""
        import copy

        twin = object.__new__(Services)
        for key, value in vars(self).items():
            shared = key in ("processes", "policy", "base")
            setattr(twin, key, value if shared else copy.deepcopy(value, memo))
        return twin

    def reboot(self) -> None:
        """Powered off or rebooting: every service starts afresh."""
        self.start_cnt = list(self.base)
        self.failed: dict[str, int | None] = {"stateful": None, "stateless": None}
        self.more: dict[str, list[int]] = {"stateful": [], "stateless": []}  # also down
        self.current = {kind: self.row(name) for kind, name in MODEL_PROCESS.items()}
        self.last_restarted: dict[str, int | None] = {"stateful": None, "stateless": None}
        self.held: dict[int, int] = {}  # process row -> the version of state it holds
        self.pss = Pss()
        self.queue: list[list] = []  # MTS: [id, policy, text] of each queued message (the
        # id: the serial of the step that queued it, unique across both VSGs)
        self.recovered: dict[int, str] = {}  # process row -> what its last restart gave
        self.next_failure: int | None = None
        self.next_message = LOCAL_MESSAGE  # what the next one is

    def _running(self, kind: str) -> list[int]:
        return [i for i in self.processes_of(kind) if self.failed[kind] != i
                and i not in self.more[kind]]

    def processes_of(self, kind: str) -> list[int]:
        """The rows of the processes of policy ``kind`` (those the table shows running)."""
        return [i for i, p in enumerate(self.processes)
                if p.running and self.policy[p.name].policy == kind]

    def row(self, name: str) -> int:
        """The row of process ``name`` (the first running one of that name) or of the
        process with PID ``name`` (two instances of a service are two processes)."""
        rows = [i for i, p in enumerate(self.processes) if name in (p.name, p.pid)]
        if not rows:
            raise HapairError(f"unknown process '{name}'")
        running = [i for i in rows if self.processes[i].running]
        if not running:
            raise HapairError(f"process '{name}' is not running")
        return running[0]

    def fail(self, name: str) -> str:
        """The trigger of the model that a failure of process ``name`` is: the model's
        service of its policy, or another of that policy while that one is down."""
        row = self.row(name)
        kind = self.policy[self.processes[row].name].policy
        if kind == "failover":
            return "fail_native"
        if row in self.more[kind] or row == self.failed[kind]:
            raise HapairError(f"process '{name}' is down")
        return f"fail_{kind}" if row == self.current[kind] else f"fail_another_{kind}"

    # -- the concrete ops of the service rows -----------------------------------------

    def failing(self, name: str | None) -> None:
        """Before a failure fires: which process it is (None: the model's own)."""
        self.next_failure = None if name is None else self.row(name)

    def op(self, op: str, serial: int) -> None:
        """The concrete op ``op`` of a service row (``serial``: a fresh version)."""
        name, _, kind = op.rpartition("_")
        if op == "checkpoint":
            self._checkpoint()
        elif name == "mts_queue":
            self.queue.append([serial, kind, f"{self.next_message} for "
                               f"{self.processes[self.current[kind]].name}"])
            self.next_message = LOCAL_MESSAGE
        elif name == "mts_deliver":  # all of them, at once
            self.queue = [m for m in self.queue if m[1] != kind]
        else:
            {"update": self._update, "fail": self._fail, "restart": self._restart,
             "fail_another": self._fail_another, "restart_another": self._restart_another}[
                name](kind, serial)

    def _update(self, kind: str, serial: int) -> None:
        for j in self._running(kind):
            self.held[j] = serial

    def _checkpoint(self) -> None:
        for j in self._running("stateful"):
            name = self.processes[j].name
            if j in self.held:
                self.pss.checkpoint(name, self.held[j], self.policy[name].pss)

    def _fail(self, kind: str, serial: int) -> None:
        self.next_failure = None
        self.failed[kind] = self.current[kind]
        self.held.pop(self.current[kind], None)

    def _restart(self, kind: str, serial: int) -> None:
        i, self.failed[kind] = self.failed[kind], None
        self._restarted(i, kind)

    def _fail_another(self, kind: str, serial: int) -> None:
        row = self.next_failure if self.next_failure is not None else \
            next(i for i in self._running(kind) if i != self.current[kind])
        self.next_failure = None
        self.more[kind].append(row)
        self.held.pop(row, None)

    def admits(self, trigger: str, bound: int) -> bool:
        """Whether the data lets ``trigger`` be the restart taken: the model's count of
        other processes down stops at ``bound`` (MORE_DOWN, "or more"), so at the bound
        it has two rows for a restart, and only the data says which one is true
        (``restart_more_*``: more than ``bound`` are down; ``restart_another_*``: not)."""
        name, _, kind = trigger.rpartition("_")
        if name == "restart_more":
            return len(self.more[kind]) > bound
        if name == "restart_another":
            return len(self.more[kind]) <= bound
        return True

    def why_not(self, trigger: str) -> str:
        """Why ``admits`` refused ``trigger`` (one line)."""
        kind = trigger.rpartition("_")[2]
        return f"{len(self.more[kind])} other {kind} processes are down"

    def _restart_another(self, kind: str, serial: int) -> None:
        self._restarted(self.more[kind].pop(0), kind)

    def _restarted(self, i: int, kind: str) -> None:
        self.last_restarted[kind] = i
        self.start_cnt[i] += 1
        state = self._resume(i) if kind == "stateful" else None
        self.recovered[i] = "its last checkpoint" if state is not None else "nothing"

    def _resume(self, i: int) -> int | None:
        """Process ``i`` goes back to its PSS checkpoint (nothing if it has none)."""
        name = self.processes[i].name
        state = self.pss.read(name, name)
        self.held.pop(i, None)
        if state is not None:
            self.held[i] = state
        return state

    def mirror(self, op: str, serial: int, active: "Services") -> None:
        """The ``active``'s ``update_*``, ``checkpoint``, stateful restart or MTS op, as
        this VSG's services take it when it is the HA standby, process by process: its
        running processes of that policy are updated along (the same state), its PSS
        takes the active's new checkpoints, the process that restarted on the active
        goes back to its checkpoint here too (from this VSG's PSS, which holds the
        active's), or its MTS queue takes the message or delivers with the active's.
        (An MTS op also goes the other way: ``active`` is then the HA standby.)"""
        if op == "checkpoint":
            for j in active._running("stateful"):
                self._take_row(active, j, state=False)
        elif op.startswith("mts_queue_"):
            self.merge_queue(active, op.rpartition("_")[2])
        elif op.startswith("mts_deliver_"):
            self.op(op, serial)
        elif op in ("restart_stateful", "restart_another_stateful"):
            j = active.last_restarted["stateful"]
            if j is not None and j not in self.down():
                self._resume(j)
        elif op.startswith("update_"):
            self.op(op, serial)
        else:
            raise HapairError(f"internal error: '{op}' is not mirrored to a standby")

    def follow(self, active: "Services", kind: str) -> None:
        """A process of ``kind`` just restarted on the HA standby: it takes its
        counterpart's state and PSS checkpoint on the active, when that one runs (as at
        the end of synchronisation)."""
        j = self.last_restarted[kind]
        if j is not None and j not in active.down():
            self._take_row(active, j)
            self.recovered[j] = "the active's state"

    def sync_from(self, active: "Services") -> None:
        """A standby that finishes synchronising: its PSS takes the active's checkpoints,
        each of its running processes its counterpart's state on the active (when that
        one is down: a stateful one the checkpoint it restarts from, a stateless one
        keeps what it had; a process down here keeps what it had), and its MTS queue the
        active's messages (the active takes its messages too: ``merge_queue``)."""
        for kind in ("stateful", "stateless"):
            for j in self.processes_of(kind):
                self._take_row(active, j, state=j not in active.down())
                if kind == "stateful" and j in active.down() and j not in self.down():
                    self._resume(j)  # the checkpoint the active's restarts from
        self.merge_queue(active)

    def _take_row(self, active: "Services", j: int, *, state: bool = True) -> None:
        """Process ``j`` takes the active's PSS checkpoint of it, and if ``state`` and it
        runs here, also its state."""
        name = self.processes[j].name
        if state and j not in self.down():
            self.held.pop(j, None)
            if j in active.held:
                self.held[j] = active.held[j]
        if self.policy[name].policy == "stateful":
            self.pss.records.pop(name, None)
            if name in active.pss.records:
                self.pss.records[name] = active.pss.records[name]

    def merge_queue(self, other: "Services", kind: str | None = None) -> None:
        """The MTS queue held on both supervisors: this one takes the messages of
        ``other``'s (for services of policy ``kind``, or all) that it does not hold."""
        held = {m[0] for m in self.queue}
        self.queue = sorted([*self.queue, *(list(m) for m in other.queue
                                            if m[0] not in held and kind in (None, m[1]))])

    @property
    def mts(self) -> list[str]:
        """The queued MTS messages, oldest first."""
        return [text for _, _, text in self.queue]

    def sending(self, kind: str, *, other_supervisor: bool) -> None:
        """Before a message is queued: persistent or logged, and from a service on this
        supervisor or on the other (the model's queue is the same for all four)."""
        if kind not in ("persistent", "logged"):
            raise HapairError(f"an MTS message is persistent or logged, not '{kind}'")
        self.next_message = f"{kind} from " + ("the other supervisor" if other_supervisor
                                               else "this supervisor")

    def down(self) -> set[int]:
        """The rows of the processes that are down now."""
        return {i for i in self.failed.values() if i is not None} | \
            {i for rows in self.more.values() for i in rows}

    def save(self) -> dict:
        """JSON-able: what ``restore`` takes back (a node's checkpoint)."""
        return {"start_cnt": list(self.start_cnt), "failed": dict(self.failed),
                "more": {k: list(v) for k, v in self.more.items()},
                "last_restarted": dict(self.last_restarted),
                "current": dict(self.current), "held": [[i, v] for i, v in self.held.items()],
                "pss": [[k, v, sc] for k, (v, sc) in self.pss.records.items()],
                "mts": [list(m) for m in self.queue],
                "recovered": [[i, v] for i, v in self.recovered.items()]}

    def restore(self, saved: dict) -> None:
        """Back from ``save()`` (``KeyError`` / ``TypeError`` / ``ValueError`` when it is
        not one)."""
        n = len(self.processes)
        start_cnt = [int(c) for c in saved["start_cnt"]]
        more = {str(k): [int(r) for r in v] for k, v in saved["more"].items()}
        rows = [*saved["failed"].values(), *saved["current"].values(),
                *(r for v in more.values() for r in v)]
        if len(start_cnt) != n or set(saved["failed"]) != set(self.failed) or \
                set(more) != set(self.more) or \
                set(saved["current"]) != set(self.current) or \
                any(r is not None and not (type(r) is int and 0 <= r < n) for r in rows):
            raise ValueError("not the services of this process table")
        self.start_cnt, self.failed, self.current = start_cnt, dict(saved["failed"]), \
            dict(saved["current"])
        self.more = more
        last = {str(k): v for k, v in saved["last_restarted"].items()}
        if set(last) != set(self.last_restarted) or \
                any(r is not None and not (type(r) is int and 0 <= r < n) for r in last.values()):
            raise ValueError("not the services of this process table")
        self.last_restarted = last
        self.held = {int(i): int(v) for i, v in saved["held"]}
        self.pss = Pss()
        for name, v, scope in saved["pss"]:
            self.pss.checkpoint(str(name), int(v), str(scope))
        self.queue = [[int(i), str(kind), str(text)] for i, kind, text in saved["mts"]]
        if any(kind not in self.failed for _, kind, _ in self.queue):
            raise ValueError("not the services of this process table")
        self.recovered = {int(i): str(v) for i, v in saved["recovered"]}

    def facts(self, cap: int, more_cap: int) -> dict:
        """The model's variables of this VSG's services, as this data says them
        (``cap``: MAX_RESTARTS; ``more_cap``: MORE_DOWN, which stands for "or more")."""
        sf, sl = self.current["stateful"], self.current["stateless"]
        name = self.processes[sf].name
        ckpt = self.pss.records.get(name)
        held = self.held.get(sf)
        data = "none" if held is None else \
            "checkpoint" if ckpt is not None and ckpt[0] == held else "newer"
        return {"stateful": "failed" if self.failed["stateful"] is not None else "running",
                "stateless": "failed" if self.failed["stateless"] is not None else "running",
                "stateful_data": data, "pss_checkpoint": ckpt is not None,
                "stateless_data": "some" if sl in self.held else "none",
                **{f"{kind}_mts": any(m[1] == kind for m in self.queue)
                   for kind in ("stateful", "stateless")},
                "stateful_more_down": min(len(self.more["stateful"]), more_cap),
                "stateless_more_down": min(len(self.more["stateless"]), more_cap),
                "restarts": min(sum(c - b for c, b in zip(self.start_cnt, self.base)), cap)}
