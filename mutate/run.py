"""A mutation run: every mutant (or a sample) judged in worker processes, the survivors
compared with the spec's committed list of equivalents, and z3's agreement on a sample
of kills."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from hapair.mutate.kill import Killer, Outcome, Reference, equivalent
from hapair.mutate.operators import Mutant, mutants
from hapair.spec import Spec, SpecError

# -- a run -----------------------------------------------------------------------------

EQUIVALENT = "equivalent: same successor function on the reachable states"
SILENT = "guide silent: "
MEMORY_BUDGET = 6 << 30  # bytes of address space judging one mutant may add


@contextmanager
def memory_budget(extra: int = MEMORY_BUDGET):
    """Judge a mutant within ``extra`` more bytes of address space (RLIMIT_AS, put back
    after): a mutant whose slices outgrow it is "undecided", never a process the
    operating system kills for memory.  A no-op where the limit cannot be read."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * resource.getpagesize()
    except (ImportError, OSError, ValueError):
        yield
        return
    limit = used + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@dataclass
class Agreement:
    id: str
    property: str
    explicit: str
    z3: str
    agree: bool


@dataclass
class Report:
    spec: str
    total: int  # mutants generated
    outcomes: list = field(default_factory=list)  # Outcome, in generation order
    stale: list = field(default_factory=list)  # listed equivalents that no longer are
    z3: list = field(default_factory=list)  # Agreement
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def score(self) -> float:
        """Killed (by a property, a check or the loader) among the mutants that are
        neither equivalent nor listed as ones the guide is silent about."""
        judged = len(self.outcomes) - self.count("equivalent") - self.count("silent")
        return (self.count("killed") + self.count("rejected")) / judged if judged else 1.0

    def ok(self, min_score: float) -> bool:
        return self.score >= min_score and not self.stale and all(a.agree for a in self.z3)

    def to_json(self) -> dict:
        return {"schema": "hapair-mutate/1", "spec": self.spec, "generated": self.total,
                "run": len(self.outcomes), "score": round(self.score, 4),
                "counts": {s: self.count(s) for s in STATUSES},
                "stale": self.stale, "seconds": round(self.seconds, 2),
                "z3": [a.__dict__ for a in self.z3],
                "mutants": [{"id": o.id, "status": o.status, "by": o.by, "note": o.note,
                             "seconds": round(o.seconds, 3)} for o in self.outcomes]}


STATUSES = ("killed", "rejected", "equivalent", "silent", "survived", "undecided")


def load_equivalents(path) -> dict:
    """``{mutant id: reason}`` from a committed equivalents file (JSON), {} if absent."""
    import json
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    mutants_ = doc.get("mutants") if isinstance(doc, dict) else None
    if not isinstance(mutants_, dict) or not all(
            isinstance(v, str) and (v == EQUIVALENT or v.startswith(SILENT))
            for v in mutants_.values()):
        raise SpecError(f"{path}: expected {{\"mutants\": {{id: reason}}}}, each reason "
                        f"'{EQUIVALENT}' or '{SILENT}<the guide's line>'")
    return mutants_


class _Work:
    """One process's tools: the checker and, when a survivor needs it, the reference."""

    def __init__(self, data: dict, bounds: dict | None, listed: dict):
        self.data, self.bounds, self.listed = data, bounds, listed
        self.checker = Killer(data, bounds)
        self._reference: Reference | None = None

    def reference(self) -> Reference:
        if self._reference is None:
            self._reference = Reference(self.checker.base)
        return self._reference

    def judge(self, mutant: Mutant) -> Outcome:
        start = time.perf_counter()
        try:
            with memory_budget():
                out = self.checker.classify(mutant)
        except MemoryError:
            return Outcome(mutant.id, "undecided",
                           note=f"undecided: its check needs more than {MEMORY_BUDGET >> 30} "
                                "GiB", seconds=time.perf_counter() - start)
        if out.status != "survived":
            return out
        start = time.perf_counter()
        try:
            same, where = equivalent(self.reference(), self.data, mutant, self.bounds)
        except MemoryError as exc:  # its cone is beyond the budget: neither way
            out.seconds += time.perf_counter() - start
            out.status, out.note = "undecided", f"undecided: its cone has {exc}"
            return out
        out.seconds += time.perf_counter() - start
        reason = self.listed.get(mutant.id, "")
        if same:
            out.status, out.note = "equivalent", EQUIVALENT
        elif reason.startswith(SILENT):
            out.status, out.note = "silent", reason
        else:
            out.note = f"differs: {where}"
        return out


_WORK: list = []  # the forked workers' _Work (inherited, never pickled)


def _judge(index: int) -> Outcome:
    work, ms = _WORK
    return work.judge(ms[index])


def choose(ms: list, sample: int | None, seed: int) -> list:
    """``sample`` of the mutants, drawn with ``seed``, in generation order (all if None)."""
    import random

    if sample is None or sample >= len(ms):
        return list(ms)
    picked = set(random.Random(seed).sample(range(len(ms)), sample))
    return [m for i, m in enumerate(ms) if i in picked]


def run(data: dict, *, name: str = "spec", bounds: dict | None = None,
        sample: int | None = None, seed: int = 0, jobs: int = 1, listed: dict | None = None,
        progress: Callable[[int, int], None] | None = None) -> Report:
    """Generate the mutants of ``data``, check ``sample`` of them (all by default) in
    ``jobs`` processes, and compare with the ``listed`` equivalents."""
    import multiprocessing as mp

    start = time.perf_counter()
    listed = dict(listed or {})
    every = mutants(data)
    chosen = choose(every, sample, seed)
    work = _Work(data, bounds, listed)
    report = Report(name, len(every))
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        _WORK[:] = [work, chosen]
        try:
            with mp.get_context("fork").Pool(jobs) as pool:
                for k, out in enumerate(pool.imap(_judge, range(len(chosen)))):
                    report.outcomes.append(out)
                    if progress:
                        progress(k + 1, len(chosen))
        finally:
            _WORK.clear()
    else:
        for k, m in enumerate(chosen):
            report.outcomes.append(work.judge(m))
            if progress:
                progress(k + 1, len(chosen))
    report.stale = stale(report, listed, {m.id for m in every}, {m.id for m in chosen})
    report.seconds = time.perf_counter() - start
    return report


def stale(report: Report, listed: dict, generated: set, chosen: set) -> list[str]:
    """Listed mutants that are no longer what the list says (or no longer generated)."""
    status = {o.id: o.status for o in report.outcomes}
    out = []
    for mid, reason in listed.items():
        if mid not in generated:
            out.append(f"{mid}: listed, but no such mutant is generated")
        elif mid in chosen and reason == EQUIVALENT and \
                status[mid] not in ("equivalent", "undecided"):
            out.append(f"{mid}: listed as equivalent, but it is {status[mid]}")
        elif mid in chosen and reason.startswith(SILENT) and status[mid] != "silent":
            out.append(f"{mid}: listed as guide silent, but it is {status[mid]}")
    return out


def agreement(data: dict, report: Report, count: int, *, bounds: dict | None = None,
              seed: int = 0) -> list[Agreement]:
    """z3 on ``count`` of the mutants a property killed: the killing property checked by
    both engines, which agree as ``hapair check`` judges it (z3 finds the violation; or,
    for a leads-to property, its bounded lasso search finds none within its depth while
    the explicit engine's lasso is longer; a vacuous property is the explicit engine's
    finding alone)."""
    import random

    from hapair.checker.run import check

    killed = [o for o in report.outcomes if o.status == "killed" and o.by
              and not o.by.startswith("deadlock")]
    ms = {m.id: m for m in mutants(data)}
    picked = sorted(random.Random(seed).sample(range(len(killed)), min(count, len(killed))))
    out = []
    for i in picked:
        o = killed[i]
        spec = Spec.load(ms[o.id].build(data), bounds)
        res = check(spec, only=(o.by,), jobs=1)
        verdicts = {r.engine: r for r in res.results}
        e, z = verdicts["explicit"], verdicts["z3"]
        out.append(Agreement(o.id, o.by, e.verdict, z.verdict, not res.disagreements))
    return out
