"""Every deliberately broken spec is caught by the property that names its bug, by both
engines, with a counterexample that replays on the broken spec's embeddable machine."""

from __future__ import annotations

import pytest

import hapair
from hapair.checker import trace
from hapair.checker.run import check

from mutants import MUTANTS, build


@pytest.fixture(params=MUTANTS, ids=[m.name for m in MUTANTS])
def mutant(request):
    return request.param, hapair.load(build(request.param))


def test_at_least_twelve_mutants_each_naming_a_distinct_bug():
    assert len(MUTANTS) >= 12
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    assert {m.caught_by for m in MUTANTS} <= set(hapair.load().properties)


def test_the_mutant_is_caught_by_both_engines_and_replays(mutant):
    m, broken = mutant
    result = check(broken, only=(m.caught_by,), jobs=1)
    verdicts = {r.engine: r for r in result.results}
    assert verdicts["explicit"].verdict == "violated", m.bug
    assert verdicts["z3"].verdict == "violated", m.bug
    assert not result.disagreements
    prop = broken.properties[m.caught_by]
    if prop.kind in ("reachable", "scenario") and verdicts["explicit"].trace is None:
        # What the guide shows is not a run of the mutant: there is no trace to show.
        assert verdicts["z3"].trace is None and verdicts["explicit"].trace is None
        return
    if prop.kind != "leads_to":  # a lasso need not be shortest
        assert len(verdicts["z3"].trace) == len(verdicts["explicit"].trace)  # both shortest
    for r in result.results:
        data = trace.to_json(broken, r.trace, r.name, r.assume)
        assert trace.replay(data, broken).violates(), f"{r.engine} trace does not replay"


def test_the_real_spec_passes_where_each_mutant_fails():
    real = check(hapair.load(), only=tuple(sorted({m.caught_by for m in MUTANTS})),
                 engines=("explicit",))
    assert real.ok
