"""The processes of one VSG as System Manager keeps them: ``Services``.

The spec has one service of each restart policy per VSG (``stateful``, ``stateless``);
here every process of the guide's ``show processes`` table has its policy
(``spec/ha_policies.tsv``), a ``Start_cnt``, the state it holds (a version number), and
for a stateful one a PSS checkpoint with its scope.  The model's service of a policy is
the process of that policy that failed last (the first of the table until then); the
model's ``service_update`` / ``pss_checkpoint`` are every running process of the policy
changing / checkpointing its state, so that all of them but a failed one hold what the
model says.  ``facts()`` is what the model's variables say, for the refinement checks of
``Lab`` and ``Node``.

PSS scopes, as the guide defines them: a checkpoint is read by its own service always;
by another service only when shared; from the other supervisor only when shared
global.

>>> s = Services()
>>> s.fail("aaa")                        # a stateful process: System Manager restarts it
'fail_stateful'
>>> s.fail("policy_engine")              # native to the VSG: a failover
'fail_native'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from hapair.spec import HapairError, guide

POLICIES = ("stateful", "stateless", "failover")
SCOPES = ("private", "shared-local", "shared-global")


@dataclass(frozen=True)
class HaPolicy:
    process: str
    policy: str  # stateful | stateless | failover
    pss: str  # a scope of SCOPES, or "-" (no checkpoint)
    source: str  # guide | reading
    reason: str


@cache
def policies() -> dict[str, HaPolicy]:
    """``spec/ha_policies.tsv``: the HA policy of every process of the table."""
    text = resources.files("hapair.spec").joinpath("ha_policies.tsv").read_text()
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

    def reboot(self) -> None:
        """Powered off or rebooting: every service starts afresh."""
        self.start_cnt = list(self.base)
        self.failed: dict[str, int | None] = {"stateful": None, "stateless": None}
        self.current = {kind: self._first(kind) for kind in ("stateful", "stateless")}
        self.held: dict[int, int] = {}  # process row -> the version of state it holds
        self.pss = Pss()
        self.mts: list[str] = []
        self.recovered: dict[int, str] = {}  # process row -> what its last restart gave
        self.next_failure: int | None = None

    def _running(self, kind: str) -> list[int]:
        return [i for i, p in enumerate(self.processes) if p.running
                and self.policy[p.name].policy == kind and self.failed[kind] != i]

    def _first(self, kind: str) -> int:
        return next(i for i, p in enumerate(self.processes)
                    if p.running and self.policy[p.name].policy == kind)

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
        """The trigger of the model that a failure of process ``name`` is."""
        kind = self.policy[self.processes[self.row(name)].name].policy
        return "fail_native" if kind == "failover" else f"fail_{kind}"

    # -- the concrete ops of the service rows -----------------------------------------

    def failing(self, name: str | None) -> None:
        """Before a failure fires: which process it is (None: the model's own)."""
        self.next_failure = None if name is None else self.row(name)

    def op(self, op: str, serial: int) -> None:
        """The concrete op ``op`` of a service row (``serial``: a fresh version)."""
        name, _, kind = op.rpartition("_")
        if op == "checkpoint":
            self._checkpoint()
        elif op.startswith("mts_"):
            self._mts(kind)
        else:
            {"update": self._update, "fail": self._fail, "restart": self._restart}[name](
                kind, serial)

    def _update(self, kind: str, serial: int) -> None:
        for j in self._running(kind):
            self.held[j] = serial

    def _checkpoint(self) -> None:
        for j in self._running("stateful"):
            name = self.processes[j].name
            if j in self.held:
                self.pss.checkpoint(name, self.held[j], self.policy[name].pss)

    def _fail(self, kind: str, serial: int) -> None:
        if self.next_failure is not None:
            self.current[kind] = self.next_failure
        self.next_failure = None
        self.failed[kind] = self.current[kind]
        self.held.pop(self.current[kind], None)

    def _restart(self, kind: str, serial: int) -> None:
        i, self.failed[kind] = self.failed[kind], None
        self.start_cnt[i] += 1
        name = self.processes[i].name
        state = self.pss.read(name, name) if kind == "stateful" else None
        if state is not None:
            self.held[i] = state
        self.recovered[i] = "its last checkpoint" if state is not None else "nothing"

    def mirror(self, op: str, serial: int, active: "Services") -> None:
        """The ``active``'s ``update_*``, ``checkpoint`` or ``restart_stateful`` op, as
        this VSG's services take it when it is the HA standby: its running services of
        that policy are updated along (the same state), its PSS takes the active's
        checkpoints, or its running stateful services go back to their checkpoint there
        (the active's restarted one went back to the same)."""
        if op == "checkpoint":
            self._take(active, "stateful", state=False)
        elif op == "restart_stateful":
            for j in self._running("stateful"):
                state = self.pss.read(self.processes[j].name, self.processes[j].name)
                self.held.pop(j, None)
                if state is not None:
                    self.held[j] = state
        elif op.startswith("update_"):
            self.op(op, serial)
        else:
            raise HapairError(f"internal error: '{op}' is not mirrored to a standby")

    def follow(self, active: "Services", kind: str) -> None:
        """The HA standby's service of ``kind`` just restarted: it takes the active's
        state and PSS checkpoint, as at the end of synchronisation."""
        restarted = self.current[kind]
        self._take(active, kind)
        self.recovered[restarted] = "the active's state"

    def sync_from(self, active: "Services") -> None:
        """A standby that finishes synchronising: its PSS takes the active's checkpoints,
        and each of its running services the active's state; a failed one keeps what it
        had (nothing)."""
        for kind in ("stateful", "stateless"):
            self._take(active, kind, state=self.failed[kind] is None)

    def _take(self, active: "Services", kind: str, *, state: bool = True) -> None:
        """Every process of ``kind`` takes the active's PSS checkpoint, and if ``state``
        also the active's state (then the model's service of that policy becomes the
        active's)."""
        if state:
            self.current[kind] = active.current[kind]
        for j, p in enumerate(self.processes):
            if p.running and self.policy[p.name].policy == kind:
                if state:
                    self.held.pop(j, None)
                    if j in active.held:
                        self.held[j] = active.held[j]
                if kind == "stateful":
                    self.pss.records.pop(p.name, None)
                    if p.name in active.pss.records:
                        self.pss.records[p.name] = active.pss.records[p.name]

    def _mts(self, what: str) -> None:
        if what == "queue":
            self.mts.append(f"for {self.processes[self.current['stateful']].name}")
        else:
            self.mts.pop(0)

    def save(self) -> dict:
        """JSON-able: what ``restore`` takes back (a node's checkpoint)."""
        return {"start_cnt": list(self.start_cnt), "failed": dict(self.failed),
                "current": dict(self.current), "held": [[i, v] for i, v in self.held.items()],
                "pss": [[k, v, sc] for k, (v, sc) in self.pss.records.items()],
                "mts": list(self.mts), "recovered": [[i, v] for i, v in self.recovered.items()]}

    def restore(self, saved: dict) -> None:
        """Back from ``save()`` (``KeyError`` / ``TypeError`` / ``ValueError`` when it is
        not one)."""
        n = len(self.processes)
        start_cnt = [int(c) for c in saved["start_cnt"]]
        rows = [*saved["failed"].values(), *saved["current"].values()]
        if len(start_cnt) != n or set(saved["failed"]) != set(self.failed) or \
                set(saved["current"]) != set(self.current) or \
                any(r is not None and not (type(r) is int and 0 <= r < n) for r in rows):
            raise ValueError("not the services of this process table")
        self.start_cnt, self.failed, self.current = start_cnt, dict(saved["failed"]), \
            dict(saved["current"])
        self.held = {int(i): int(v) for i, v in saved["held"]}
        self.pss = Pss()
        for name, v, scope in saved["pss"]:
            self.pss.checkpoint(str(name), int(v), str(scope))
        self.mts = [str(m) for m in saved["mts"]]
        self.recovered = {int(i): str(v) for i, v in saved["recovered"]}

    def facts(self, cap: int) -> dict:
        """The model's variables of this VSG's services, as this data says them."""
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
                "mts_queued": bool(self.mts),
                "restarts": min(sum(c - b for c, b in zip(self.start_cnt, self.base)), cap)}
