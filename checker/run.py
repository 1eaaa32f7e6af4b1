"""A checker run: every property, both engines, coverage, the certificate.

Each property is checked on the product sliced to its cone of influence under its
assumptions; properties that share a slice share one exploration.  The explicit engine
decides every property; z3 proves (or refutes) every safety property on its own, and
certifies that each explored state set is closed under the symbolic transition relation.
A disagreement between the engines fails the run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from hapair.model.product import Model, cone_of_influence
from hapair.spec import Property, Spec, SpecError
from hapair.spec.lang import names

from . import properties as props
from .explicit import StateGraph, explore
from .results import CheckResult, PropertyResult, SliceStats

log = logging.getLogger(__name__)
ENGINES = ("explicit", "z3")


@dataclass(frozen=True)
class Slice:
    assume: tuple
    keep: frozenset


def reads(spec: Spec, prop: Property) -> set:
    n = len(spec.variables)
    out: set = set()
    for node in (prop.expr, prop.p, prop.q, *prop.require):
        if node is not None:
            out |= {i % n for i in names(node)}
    return out


def slice_of(spec: Spec, prop: Property) -> Slice:
    assume = tuple(sorted(prop.assume))
    return Slice(assume, cone_of_influence(spec, reads(spec, prop), assume))


def select(spec: Spec, only: tuple | None) -> list[Property]:
    if not only:
        return list(spec.properties.values())
    unknown = [n for n in only if n not in spec.properties]
    if unknown:
        raise SpecError(f"unknown property '{unknown[0]}' (available: "
                        f"{', '.join(spec.properties)})")
    return [spec.properties[n] for n in only]


def check(spec: Spec, *, only: tuple | None = None, engines: tuple = ENGINES,
          strict: bool = False, bmc_depth: int = 30, progress=None) -> CheckResult:
    """Check ``spec``'s properties (or ``only`` these) and return every verdict.

    ``progress(message)`` is called as slices are explored and proofs run.
    """
    for e in engines:
        if e not in ENGINES:
            raise SpecError(f"unknown engine '{e}' (available: {', '.join(ENGINES)})")
    start = time.perf_counter()
    chosen = select(spec, only)
    result = CheckResult(spec.name, dict(spec.bounds), strict=strict)
    groups: dict[Slice, list[Property]] = {}
    for p in chosen:
        groups.setdefault(slice_of(spec, p), []).append(p)
    fired: set = set()
    graphs: dict[Slice, StateGraph] = {}
    for sl, members in groups.items():
        g = _explore(spec, sl, progress)
        graphs[sl] = g
        result.graphs.append(g)
        fired |= set(g.rule)
        result.slices.append(_stats(spec, sl, g))
        if "explicit" in engines:
            for p in members:
                result.results.append(_explicit(g, p))
    if not only:
        result.dead_transitions = dead_transitions(spec, fired)
    if "z3" in engines:
        _symbolic(spec, groups, graphs, result, bmc_depth, progress)
    result.seconds = time.perf_counter() - start
    return result


def _explore(spec: Spec, sl: Slice, progress) -> StateGraph:
    if progress:
        progress(f"exploring {len(sl.keep)} variables, assuming {', '.join(sl.assume) or '-'}")
    return explore(Model(spec, sl.assume, sl.keep))


def _stats(spec: Spec, sl: Slice, g: StateGraph) -> SliceStats:
    variables = tuple(v.name for v in spec.variables if v.index in sl.keep)
    return SliceStats(sl.assume, variables, len(g.states), len(g.src), g.max_depth, g.seconds,
                      len(props.deadlocks(g)))


def _explicit(g: StateGraph, p: Property) -> PropertyResult:
    t = time.perf_counter()
    found = props.decide(g, p)
    return PropertyResult(p.name, p.kind, p.meaning, p.assume, p.expect, found.verdict,
                          "explicit", len(g.states), len(g.src), time.perf_counter() - t,
                          trace=found.trace, witnesses=found.witnesses, note=found.note)


def dead_transitions(spec: Spec, fired: set) -> list[str]:
    """Declared rows that fired on neither node anywhere in the explored product."""
    live = {spec.rules[r].transition.id for r in fired}
    return [t.label for t in spec.transitions if t.id not in live]


def _symbolic(spec: Spec, groups: dict, graphs: dict, result: CheckResult, depth: int,
              progress) -> None:
    from . import symbolic

    explicit = {r.name: r for r in result.results}
    certificates = []
    for sl, members in groups.items():
        for p in members:
            if p.kind == "leads_to":
                continue
            if progress:
                progress(f"z3: {p.name}")
            r = symbolic.prove(spec, p, assume=sl.assume, keep=sl.keep)
            if r.verdict not in ("proved", "violated"):
                r = symbolic.bmc(spec, p, depth, assume=sl.assume, keep=sl.keep)
            result.results.append(r)
            mine = explicit.get(p.name)
            if mine is not None and _disagree(mine, r):
                result.disagreements.append(p.name)
        ok, message = symbolic.certify(spec, graphs[sl].states, assume=sl.assume, keep=sl.keep)
        certificates.append((ok, message))
    bad = [m for ok, m in certificates if not ok]
    total = sum(len(g.states) for g in graphs.values())
    result.certificate = ("FAILED: " + bad[0]) if bad else \
        f"z3 certified {len(certificates)} state graphs ({total} states) closed under the " \
        "symbolic transition relation"


def _disagree(a: PropertyResult, b: PropertyResult) -> bool:
    """Explicit exhaustive search is a proof on the finite model: z3 must agree."""
    if a.verdict == "vacuous":
        return False
    if b.verdict == "holds to depth":
        return a.verdict == "violated" and a.trace is not None and len(a.trace) <= b.depth
    if b.verdict == "unknown":
        return False
    return (a.verdict == "violated") != (b.verdict == "violated")
