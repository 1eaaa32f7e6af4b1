"""A checker run: every property, the chosen engines, coverage, the certificate.

Each property is checked on the product sliced to its cone of influence under its
assumptions; properties that share a slice share one exploration.  The explicit engine
decides every property; z3 proves (or refutes) every safety property on its own, and
certifies that each explored state set is closed under the symbolic transition relation.
A disagreement between the engines fails the run.  Any other engine registered in
``checker/engines`` decides the properties it can, one at a time, after them.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from hapair.checker import cache, workers
from hapair.checker import properties as props
from hapair.checker.explicit import StateGraph, explore, explore_packed
from hapair.checker.results import CheckResult, PropertyResult, SliceStats
from hapair.model.product import Model
from hapair.model.slicing import Slice, slice_of
from hapair.spec import Property, Spec, SpecError

log = logging.getLogger(__name__)
ENGINES = ("explicit", "z3")  # the default engines of a run (every one: checker.engines)


def select(spec: Spec, only: tuple | None) -> list[Property]:
    if not only:
        return list(spec.properties.values())
    unknown = [n for n in only if n not in spec.properties]
    if unknown:
        raise SpecError(f"unknown property '{unknown[0]}' (available: "
                        f"{', '.join(spec.properties)})")
    return [spec.properties[n] for n in only]


@dataclass(frozen=True)
class Options:
    """How a run checks: one value, every field with its default.

    ``only``: these properties (default: all); ``engines``: ``explicit`` and/or ``z3``;
    ``strict``: an unexpected verdict of either engine fails the run; ``bmc_depth`` and
    ``liveness_depth``: z3's search depths; ``jobs``: worker processes (default: up to
    two; ``1`` keeps everything in this process, and only then are the state graphs kept
    in the result: ``result.graphs``, ``result.explored()``); ``reference``: explore
    with the plain BFS instead of the packed NumPy search (the same graph);
    ``progress(message)``: called as slices are explored and proofs run; ``use_cache``:
    z3's answers from the proof cache (``checker.cache``) when nothing they depend on
    changed.

    >>> Options(jobs=1).replace(engines=("explicit",)).engines
    ('explicit',)
    """

    only: tuple | None = None
    engines: tuple = ENGINES
    strict: bool = False
    bmc_depth: int = 30
    liveness_depth: int = 6
    jobs: int | None = None
    reference: bool = False
    progress: Callable[[str], None] | None = None
    use_cache: bool = True

    def replace(self, **changes) -> "Options":
        return dataclasses.replace(self, **changes)


class Checker:
    """A run of every property of ``spec`` under ``options``; nothing runs until ``run``.

    >>> import hapair
    >>> run = Checker(hapair.load("vrrp"), Options(engines=("explicit",), jobs=1)).run()
    >>> run.ok, len(run.results) == len(hapair.load("vrrp").properties)
    (True, True)
    """

    def __init__(self, spec: Spec, options: Options = Options()):
        from hapair.checker.engines import ENGINES as REGISTERED

        for e in options.engines:
            if e not in REGISTERED:
                raise SpecError(f"unknown engine '{e}' (available: "
                                f"{', '.join(REGISTERED)})")
        self.spec, self.options = spec, options

    def run(self) -> CheckResult:
        """Each slice is one task (explore it, decide its properties, and with z3 certify
        its state set and search its reachable and scenario properties), run with z3's
        other proofs in the worker processes, the longest queued first."""
        spec, o = self.spec, self.options
        start = time.perf_counter()
        chosen = select(spec, o.only)
        result = CheckResult(spec.name, dict(spec.bounds), strict=o.strict)
        groups: dict[Slice, list[Property]] = {}
        for p in chosen:
            groups.setdefault(slice_of(spec, p), []).append(p)
        with _Z3Work(spec, o.jobs if "z3" in o.engines else 0, o.use_cache) as z3work:
            done = _run_slices(spec, z3work, groups, o, result)
            if not o.only:
                result.dead_transitions = dead_transitions(
                    spec, {r for d in done.values() for r in d.fired},
                    {r for d in done.values() for r in d.considered})
            if o.progress and z3work.active:
                o.progress("z3: proofs and certificates")
            z3work.certificates = [done[sl].certificate for sl in groups
                                   if done[sl].certificate is not None]
            z3work.in_slices = {n: r for sl in groups for n, r in done[sl].z3.items()}
            z3work.collect(result)
            if z3work.active:
                result.certificate += _projections(_nesting(groups)[0], done)
        _other_engines(spec, groups, o, result)
        result.seconds = time.perf_counter() - start
        return result


def _other_engines(spec: Spec, groups: dict, o: Options, result: CheckResult) -> None:
    """The registered engines besides explicit and z3, property by property on its
    slice, here (SPIN's own work runs in its own processes); a property that no engine
    of the run decides gets "unknown" from the first that cannot."""
    from hapair.checker.engines import ENGINES as REGISTERED

    others = [REGISTERED[e] for e in o.engines if e not in ENGINES]
    decided_here = {r.name for r in result.results}
    explicit = {r.name: r for r in result.results if r.engine == "explicit"}
    for engine in others:
        for sl, ps in groups.items():
            for p in ps:
                if engine.decides(p):
                    r = engine.decide(spec, p, sl, o)
                elif p.name in decided_here:
                    continue
                else:
                    r = PropertyResult(p.name, p.kind, p.meaning, p.assume, p.expect,
                                       "unknown", engine.name,
                                       note=f"{engine.name} does not decide {p.kind} "
                                            "properties")
                decided_here.add(p.name)
                result.results.append(r)
                if p.name in explicit and _disagree(explicit[p.name], r):
                    result.disagreements.append(p.name)


def check(spec: Spec, **options) -> CheckResult:
    """Check ``spec``'s properties and return every verdict: ``Checker(spec,
    Options(**options)).run()`` (the keywords are ``Options``'s fields)."""
    return Checker(spec, Options(**options)).run()


def _nesting(groups: dict) -> tuple[dict, dict]:
    """Each slice's widest wider slice under the same assumptions (or None), and each
    root slice's nested slices' kept variables."""
    inside = {sl: _widest_above(sl, groups) for sl in groups}
    nested: dict = {sl: [] for sl in groups}
    for sl in groups:
        if inside[sl] is not None:
            nested[_root(sl, inside)].append(sorted(sl.keep))
    return inside, nested


def _run_slices(spec: Spec, z3work, groups: dict, o: Options, result: CheckResult) -> dict:
    """One task a slice (explore, decide, and for a widest slice its z3 certificate), in
    the worker processes when there are some, so that the slices are explored side by
    side and z3's proofs run beside them; the results, the graphs and the slices' figures
    into ``result``."""
    inside, nested = _nesting(groups)
    tasks = _queue(z3work, groups, inside, nested,
                   ("explicit" in o.engines, o.reference, o.progress),
                   (o.bmc_depth, o.liveness_depth))
    done = {sl: tasks[sl].get() for sl in groups}
    result.graphs = [done[sl].graph for sl in groups if done[sl].graph is not None]
    result.slices = [done[sl].stats for sl in groups] + _whole_products(spec, groups)
    result.results = [r for sl in groups for r in done[sl].results]
    return done


WHOLE_PRODUCT = 1 << 20  # at most this many potential states (the domains' product)


def _whole_products(spec: Spec, groups: dict) -> list[SliceStats]:
    """The whole product under each set of assumptions the slices use, when it is small
    (at most ``WHOLE_PRODUCT`` potential states) and no slice already tracks every
    variable: a deadlock that no slice can see (a dropped action's guard reads a
    variable outside it) is found there.  Larger products are decided on the slices
    alone (``properties.deadlocks``)."""
    from math import prod

    if prod(v.type.size for v in spec.variables) > WHOLE_PRODUCT:
        return []
    width = len(spec.variables)
    whole = {sl.assume for sl in groups if len(sl.keep) == width}
    out = []
    for assume in sorted({sl.assume for sl in groups} - whole):
        g = explore_packed(Model(spec, assume))
        out.append(_stats(spec, Slice(assume, frozenset(range(width))), g))
    return out


def _queue(z3work, groups: dict, inside: dict, nested: dict, how: tuple,
           depths: tuple) -> dict:
    """Queue every slice's task and every z3 proof, the longest first: the certificates
    (widest slices first) and, without the explicit engine, the scenarios' searches for
    what they avoid; then the other slices and the other proofs.  Returns each slice's
    task."""
    order = sorted(groups, key=lambda s: -len(s.keep))
    if z3work.active and how[0]:  # reachable and scenario: z3 in their slice's task
        z3work.handed.update({p.name: sl for sl in order for p in groups[sl]
                              if _after_search(p)})
    tasks = {sl: _submit_slice(z3work, sl, groups, inside, nested[sl], *how, depths[0])
             for sl in order if z3work.active and inside[sl] is None}
    z3work.prove(groups, *depths, costly=True)
    tasks.update({sl: _submit_slice(z3work, sl, groups, inside, nested[sl], *how, depths[0])
                  for sl in order if sl not in tasks})
    z3work.prove(groups, *depths, costly=False)
    return tasks


def _costly(p: Property) -> bool:
    return p.form == "witness" and p.avoids is not None


def _after_search(p: Property) -> bool:
    """z3 checks it in its slice's task, after the explicit search, which hands it the
    pairs (state, steps taken) it reached: when they hold no witness (or no hazard), z3
    tries them as an inductive invariant before any BMC or Spacer (``symbolic.witness``)."""
    return p.form == "witness"


def _submit_slice(z3work, sl: Slice, groups: dict, inside: dict, nested: list,
                  explicit_on: bool, reference: bool, progress, depth: int):
    """Queue ``_slice_task`` for ``sl`` (in a worker, or run it here without a pool)."""
    if progress:
        progress(f"exploring {len(sl.keep)} variables, assuming {', '.join(sl.assume) or '-'}")
    names = tuple(p.name for p in groups[sl]) if explicit_on else ()
    certify = _by_invariant(sl, groups, inside) \
        if z3work.active and inside[sl] is None else None
    searched = tuple(p.name for p in groups[sl] if _after_search(p)) \
        if z3work.active and explicit_on else ()
    z3work.handed.update({n: sl for n in (*(certify or ()), *searched)})
    plan = _SlicePlan(names, tuple(nested), certify, searched, reference, z3work.use_cache,
                      z3work.pool is None, depth)
    return z3work.run(_slice_task, (sl.assume, sl.keep, plan))


def _root(sl: Slice, inside: dict) -> Slice:
    while inside[sl] is not None:
        sl = inside[sl]
    return sl


def _by_invariant(root: Slice, groups: dict, inside: dict) -> tuple:
    """The safety properties z3 first tries to prove with ``root``'s certified state set
    as the inductive invariant: those of ``root`` and of every slice nested in it (a
    nested cone's variables are all tracked in ``root``, and ``root``'s steps include
    every step of the nested slice, so a proof there is a proof of the property)."""
    return tuple(p.name for sl, ps in groups.items() if _root(sl, inside) == root
                 for p in ps if p.form in ("invariant", "step")
                 and p.expect == "holds")


def _widest_above(sl: Slice, groups: dict) -> Slice | None:
    """A wider slice under the same assumptions, if any.  A cone of influence is closed,
    so the narrower slice's product is the wider one's projection: it needs no z3
    certificate of its own, only to equal the projection of a certified set."""
    wider = [o for o in groups if o.assume == sl.assume and sl.keep < o.keep]
    return max(wider, key=lambda o: (len(o.keep), sorted(o.keep))) if wider else None


def _projections(inside: dict, done: dict) -> str:
    """Check each nested slice's states against the projection of its certified (widest)
    slice's, both as the distinct keys ``_projection_keys`` gives."""
    checked = 0
    for sl, wide in inside.items():
        if wide is None:
            continue
        root = _root(sl, inside)
        theirs = done[root].projections[tuple(sorted(sl.keep))]
        if not np.array_equal(theirs, done[sl].projections[tuple(sorted(sl.keep))]):
            return (f"; FAILED: the {done[sl].stats.states} states of a slice are not the "
                    "projection of a certified one")
        checked += 1
    return f"; {checked} narrower state graphs equal projections of certified ones" \
        if checked else ""


def _projection_keys(table, keep: list, sizes: list, *, distinct: bool = False):
    """The distinct rows of ``table`` (an array, a list of states or a ``StateGraph``) on
    the columns ``keep``, each read as one number in mixed radix over the variables'
    domains (``sizes[i]``: variable ``i`` is in ``0 .. sizes[i] - 1``), sorted; or the
    distinct rows themselves when that is too wide for an int64.  Equal keys, equal sets.
    ``distinct``: the rows are known to be distinct on ``keep`` (a slice's own states)."""
    if isinstance(table, StateGraph):
        n, column = len(table), table.column
    else:
        table = np.asarray(table, dtype=np.int64).reshape(len(table), -1)
        n, column = len(table), (lambda i: table[:, i])
    if float(np.prod([float(sizes[i]) for i in keep])) >= 2.0 ** 62:  # too wide: rows
        return np.unique(np.column_stack([column(i) for i in keep]).reshape(n, len(keep)),
                         axis=0)
    keys, weight = np.zeros(n, np.int64), 1
    for i in keep:  # a column at a time: NumPy has no fast integer matrix product
        keys += column(i) * weight
        weight *= sizes[i]
    keys.sort()
    if distinct:
        return keys
    from hapair.checker.arrays import run_starts

    return keys[run_starts(keys)]  # np.unique of sorted keys (it would hash them first)


def _explore(spec: Spec, sl: Slice, progress, reference: bool) -> StateGraph:
    if progress:
        progress(f"exploring {len(sl.keep)} variables, assuming {', '.join(sl.assume) or '-'}")
    model = Model(spec, sl.assume, sl.keep)
    return explore(model) if reference else explore_packed(model)


@dataclass
class _SliceDone:
    """What a slice's task sends back: small, so that it crosses processes cheaply."""

    stats: SliceStats
    results: list  # the explicit engine's PropertyResults
    fired: set  # the rules that fired somewhere in the slice
    considered: set  # the rules the slice explored (its steps)
    projections: dict  # sorted keep -> _projection_keys of the states on it
    certificate: tuple | None  # _certify's answer (for a widest slice, with z3 on)
    graph: StateGraph | None = None  # only when the task ran in this process
    z3: dict = field(default_factory=dict)  # name -> z3's result (plan.searched)


@dataclass(frozen=True)
class _SlicePlan:
    """What a slice's task does (``_slice_task``)."""

    names: tuple  # the properties the explicit engine decides on it
    nested: tuple  # the sorted variables of each slice nested in it
    certify: tuple | None  # with z3: the properties to prove with its certificate
    searched: tuple  # with z3: the reachable and scenario properties z3 checks here
    reference: bool
    use_cache: bool
    keep_graph: bool
    depth: int = 30


def _slice_task(assume: tuple, keep: frozenset, plan: _SlicePlan) -> _SliceDone:
    """One slice: explore it, decide the properties ``plan.names`` on it, the keys of its
    states on its own variables and on those of each nested slice; with z3, the
    certificate (proving ``plan.certify`` with it) and the properties ``plan.searched``,
    given the pairs the explicit search reached (``symbolic.witness``)."""
    spec = _SPEC[0]
    sl = Slice(assume, keep)
    g = _explore(spec, sl, None, plan.reference)
    found = {n: _explicit_found(g, spec.properties[n]) for n in plan.names}
    fired = set(np.flatnonzero(np.bincount(np.asarray(g.rule))).tolist())
    sizes = [v.type.size for v in spec.variables]
    projections = {tuple(k): _projection_keys(g, list(k), sizes) for k in plan.nested}
    projections[tuple(sorted(keep))] = _projection_keys(g, sorted(keep), sizes,
                                                        distinct=True)
    done = None if plan.certify is None else \
        _certified(spec, sl, g, plan.certify, plan.use_cache)
    z3 = {n: _searched_proof(spec, sl, spec.properties[n], g, found[n][1].reached, plan)
          for n in plan.searched}
    return _SliceDone(_stats(spec, sl, g), [r for r, _ in found.values()], fired,
                      set(g.model.rows), projections, done, g if plan.keep_graph else None, z3)


def _searched_proof(spec: Spec, sl: Slice, p: Property, g: StateGraph, reached,
                    plan: _SlicePlan):
    """z3 on a reachable or scenario property, given ``reached`` (the pairs the explicit
    search reached, when they hold no hazard or no witness), or its answer from the
    proof cache."""
    from hapair.checker import symbolic

    pairs = None if reached is None else (g.rows(reached[0]), reached[1])
    k = cache.key("prove", spec.digest, spec.bounds, repr(p), sl.assume, sorted(sl.keep),
                  plan.depth, "reached",
                  None if pairs is None else cache.states_hash(np.column_stack(pairs)))
    hit = cache.get(k) if plan.use_cache else None
    if hit is not None:
        return cache.decode_result(hit)
    r = symbolic.witness(spec, p, plan.depth, assume=sl.assume, keep=sl.keep, reached=pairs)
    if plan.use_cache:
        cache.put(k, cache.encode_result(r))
    return r


def _certified(spec: Spec, sl: Slice, g: StateGraph, names: tuple, use_cache: bool) -> tuple:
    """``_certify`` of ``g``'s states, or its answer from the proof cache (keyed by the
    states on the slice's variables: every other one is its initial value)."""
    kept = [g.column(i) for i in sorted(sl.keep)]
    k = cache.key("certify", spec.digest, spec.bounds, sl.assume, sorted(sl.keep), len(g),
                  cache.columns_hash(kept), [repr(spec.properties[n]) for n in names])
    hit = cache.get(k) if use_cache else None
    if hit is not None:
        return _decode_certificate(hit)
    done = _certify(sl.assume, sl.keep, g, names)
    if use_cache:
        cache.put(k, _encode_certificate(done))
    return done


def _stats(spec: Spec, sl: Slice, g: StateGraph) -> SliceStats:
    variables = tuple(v.name for v in spec.variables if v.index in sl.keep)
    return SliceStats(sl.assume, variables, len(g), len(g.src), g.max_depth, g.seconds,
                      len(props.deadlocks(g)))


def explicit_result(g: StateGraph, p: Property) -> PropertyResult:
    """The explicit engine's result on ``p``, decided on the explored slice ``g``."""
    return _explicit_found(g, p)[0]


def _explicit_found(g: StateGraph, p: Property) -> tuple:
    """The explicit engine's result on ``p``, and its ``Finding``."""
    t = time.perf_counter()
    found = props.decide(g, p)
    return PropertyResult(p.name, p.kind, p.meaning, p.assume, p.expect, found.verdict,
                          "explicit", len(g), len(g.src), time.perf_counter() - t,
                          trace=found.trace, witnesses=found.witnesses, note=found.note,
                          witness=found.witness), found


def dead_transitions(spec: Spec, fired: set, considered: set | None = None) -> list[str]:
    """Declared rows that fired on no node anywhere in the explored slices, among those
    some slice explored (``considered``; a row no slice tracks was not explored, so it
    is not called dead)."""
    live = {spec.rules[r].transition.id for r in fired}
    seen = None if considered is None else {spec.rules[r].transition.id for r in considered}
    return [t.label for t in spec.transitions
            if t.id not in live and (seen is None or t.id in seen)]


# -- z3, beside the explicit engine -----------------------------------------------------

_SPEC: list = []  # the spec a forked worker checks (inherited, never pickled)


def _prove(name: str, assume: tuple, keep: frozenset, depth: int,
           liveness_depth: int, refuted: bool = False) -> PropertyResult:
    """``z3_result`` in a worker, on the spec it inherited."""
    spec = _SPEC[0]
    return z3_result(spec, spec.properties[name], assume, keep, depth, liveness_depth,
                     refuted)


def z3_result(spec: Spec, prop: Property, assume: tuple, keep: frozenset, depth: int,
              liveness_depth: int, refuted: bool = False) -> PropertyResult:
    """z3 on one property, by its form.  ``refuted``: a certified reachable set held a
    state or step that breaks it, so a counterexample is likely: BMC looks for the
    shortest first."""
    from hapair.checker import symbolic

    if prop.form == "witness":  # BMC: the shortest witness
        return symbolic.witness(spec, prop, depth, assume=assume, keep=keep)
    if prop.form in ("response", "persistence"):  # a short fair lasso, else liveness
        # to safety (Spacer)
        return symbolic.decide_leads_to(spec, prop, liveness_depth, assume=assume, keep=keep,
                                        trace_depth=depth)
    if prop.expect == "violated" or refuted:  # BMC finds the shortest run directly
        r = symbolic.bmc(spec, prop, depth, assume=assume, keep=keep)
        if r.verdict == "violated":
            return r
    # k-induction settles the action properties at k=1; the invariants are not
    # k-inductive for small k, so they go (almost) straight to Spacer.
    k_max = 1 if prop.form == "step" else 0
    r = symbolic.prove(spec, prop, assume=assume, keep=keep, k_max=k_max)
    if r.verdict not in ("proved", "violated"):
        r = symbolic.bmc(spec, prop, depth, assume=assume, keep=keep)
    return r


def _certify(assume: tuple, keep: frozenset, states, names: tuple) -> tuple:
    """The certificate of an explored state set and, with it as the invariant, the
    proofs of the properties ``names``: ``(ok, message, states, {name: result})``."""
    from hapair.checker import symbolic

    spec = _SPEC[0]
    ok, message, proved = symbolic.certify_and_prove(
        spec, states, assume=assume, keep=keep, props=tuple(spec.properties[n] for n in names))
    return ok, message, len(states), proved


class _Z3Work:
    """z3 tasks, run in forked workers (or here, with one job); results in order."""

    def __init__(self, spec: Spec, jobs: int | None, use_cache: bool = True):
        self.active = jobs != 0
        self.use_cache = use_cache
        self.to_store: list = []  # (key, job, encode) of the answers not in the cache
        jobs = min(2, os.cpu_count() or 1) if jobs is None else jobs
        self.pool = None
        _SPEC[:] = [spec]
        if self.active and jobs > 1 and "fork" in mp.get_all_start_methods():
            import z3  # noqa: F401 - loaded once here, shared by the forked workers
            self.pool = mp.get_context("fork").Pool(jobs, initializer=workers.init,
                                                    initargs=(os.getpid(),))
        self.proofs: list = []
        self.certificates: list = []
        self.handed: dict = {}  # property name -> the slice whose task proves it
        self.in_slices: dict = {}  # name -> z3's result from a slice's task

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.terminate()
        _SPEC.clear()

    def _submit(self, fn, args, key: str | None = None, decode=None, encode=None):
        """Run ``fn(*args)`` in a worker, or answer it from the proof cache."""
        if key is not None and self.use_cache:
            hit = cache.get(key)
            if hit is not None:
                return _Done(decode(hit))
        job = self.run(fn, args)
        if key is not None and self.use_cache:
            self.to_store.append((key, job, encode))
        return job

    def prove(self, groups: dict, depth: int, liveness_depth: int, *,
              costly: bool | None = None) -> None:
        """Every property: safety ones proved (or refuted), leads-to ones searched for a
        fair lasso of at most ``liveness_depth`` steps.  ``costly=True`` queues only the
        scenarios with ``avoids`` (a Spacer proof each, among the longest z3 tasks: queued
        early, beside the certificates), ``costly=False`` the others."""
        if not self.active:
            return
        # Invariants (Spacer) and leads-to (lasso search) take longest: queue them first.
        cost = {"invariant": 0, "response": 1, "persistence": 1}
        tasks = sorted(((sl, p) for sl, ps in groups.items() for p in ps),
                       key=lambda t: cost.get(t[1].form, 2))
        self.depths = (depth, liveness_depth)
        self.own_slice = {p.name: sl for sl, p in tasks}
        self.proofs += [self._proof(sl, p) for sl, p in tasks if p.name not in self.handed
                        and (costly is None or costly == _costly(p))]

    def _proof(self, sl: Slice, p: Property, refuted: bool = False):
        spec, (depth, liveness_depth) = _SPEC[0], self.depths
        return self._submit(_prove, (p.name, sl.assume, sl.keep, depth, liveness_depth,
                                     refuted),
                            cache.key("prove", spec.digest, spec.bounds, repr(p), sl.assume,
                                      sorted(sl.keep), depth, liveness_depth, refuted),
                            cache.decode_result, cache.encode_result)

    def run(self, fn, args):
        """``fn(*args)`` in a worker, or here when there is no pool."""
        return _Done(fn(*args)) if self.pool is None else self.pool.apply_async(fn, args)

    def collect(self, result: CheckResult) -> None:
        if not self.active:
            return
        explicit = {r.name: r for r in result.results}
        done = self.certificates
        proved = {name: r for *_, by_set in done for name, r in by_set.items()}
        proved.update(self.in_slices)
        # What the certified sets did not prove (a violation, say): z3 on its own.
        rest = [self._proof(self.own_slice[n], _SPEC[0].properties[n], refuted=True)
                for n in self.handed if n not in proved]
        proved.update({r.name: r for r in (job.get() for job in self.proofs + rest)})
        for name in (p for p in _SPEC[0].properties if p in proved):  # the spec's order
            r = proved[name]
            result.results.append(r)
            if r.name in explicit and _disagree(explicit[r.name], r):
                result.disagreements.append(r.name)
        for k, job, encode in self.to_store:
            cache.put(k, encode(job.get()))
        bad = [m for ok, m, *_ in done if not ok]
        total = sum(n for _, _, n, _ in done)
        cached = sum(m.endswith("(cached)") for _, m, *_ in done)
        result.certificate = ("FAILED: " + bad[0]) if bad else \
            f"z3 certified {len(done)} state graphs ({total} states) closed under the " \
            "symbolic transition relation" + (f" ({cached} of them cached)" if cached else "")


def _encode_certificate(done: tuple) -> list:
    ok, message, n, proved = done
    return [ok, message, n, {k: cache.encode_result(r) for k, r in proved.items()}]


def _decode_certificate(hit: list) -> tuple:
    ok, message, n, proved = hit
    return ok, message + " (cached)", n, {k: cache.decode_result(r) for k, r in proved.items()}


@dataclass
class _Done:
    value: object

    def get(self):
        return self.value


def _disagree(a: PropertyResult, b: PropertyResult) -> bool:
    """Explicit exhaustive search is a proof on the finite model: z3 must agree."""
    if a.verdict == "vacuous":
        return False
    if b.verdict == "holds to depth":
        return a.verdict == "violated" and a.trace is not None and len(a.trace) <= b.depth
    if b.verdict == "unknown":
        return False
    return (a.verdict == "violated") != (b.verdict == "violated")
