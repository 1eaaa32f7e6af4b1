"""One semantics: every backend agrees with the reference (``hapair.spec.reference``).

The regression specs in ``tests/regressions/`` are the disagreements found so far (the
issue's reproducers first); each is held to the reference by every backend, and its
reference verdicts are pinned here as the issue states them.  Generated specs
(``tests/specgen.py``) do the same at random: a few hundred in the quick suite, 10,000
in the ``long`` run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import specgen
from conformance import Subject, check_spin, check_verdicts, conforms

from hapair import specs
from hapair.checker import symbolic
from hapair.checker.promela import spin_available
from hapair.checker.results import CheckResult, PropertyResult, SliceStats

REGRESSIONS = sorted(Path(__file__).parent.joinpath("regressions").glob("*.json"))

# The reference's verdicts, as the issue gives them for its reproducers.
PINNED = {
    "z3false": {"Never": "violated"},
    "overflow3": {"EffectsInDomain": "violated"},
    "leadsto": {"Prop1": "violated"},
    "shared": {"NeverA1": "violated"},
    "writeonly": {},
    "doors_bool": {"Airlock": "proved", "NeverB": "proved", "DoorsClose": "proved",
                   "EffectsInDomain": "proved"},
    "literal_left": {"EveryStepMoves": "proved", "Airlock": "proved"},
    "internal_step": {"BootsUp": "proved"},
    "enabled_false": {"AlwaysEnabled": "violated"},  # z3 proved it on a deadlock state
    "enabled_tag": {"GoAlwaysEnabled": "proved"},  # the audit: a tag in an enabled 'on'
    # the audit: a deadlock under an assumption that the property's slice cannot see
    "deadlock_under_assumption": {"StaysA": "proved", "ReachB": "proved"},
    # Found by the generated specs (tests/specgen.py seeds 128, 204, 11, 35, 5, 13):
    # a variable named like z3's step selector; a trigger named 'state'; an action
    # property whose watched steps are all stutters of the slice; a scenario's hazard
    # on replay; 'on' as one name in an enabled property.
    "z3_names_rule": {"rule": "proved", "EffectsInDomain": "violated"},
    "z3_names_rule_global": {"post": "violated", "w": "vacuous", "e": "violated",
                             "u": "proved", "i5kc": "vacuous", "EffectsInDomain": "proved"},
    "trigger_named_state": {"x": "proved", "f": "proved", "lv": "violated"},
    "action_stutters_only": {"evsd": "vacuous", "assert": "proved", "z9": "violated"},
    "scenario_avoids_replay": {"i": "vacuous", "r2o": "violated", "n7_1": "violated"},
    "enabled_on_one_name": {"int": "vacuous", "chan": "proved", "qds": "vacuous",
                            "lig": "vacuous"},
    # The long run (seed 8018): an action property on every trigger whose slice kept a
    # watched row that never fires and dropped one that does: called vacuous.
    "action_watched_row_dropped": {"v": "violated", "axx3": "proved"},
}


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.stem)
def test_every_backend_agrees_with_the_reference_on_a_regression_spec(path):
    s = conforms(json.loads(path.read_text()))
    assert s.ref.verdicts() == PINNED[path.stem]


def test_the_writeonly_spec_has_two_states_and_a_self_loop():
    s = conforms(json.loads((Path(__file__).parent / "regressions/writeonly.json").read_text()))
    assert (len(s.graph.states), len(s.graph.edges)) == (2, 2)


@pytest.mark.parametrize("name", ["vrrp", "trio"])
def test_the_built_in_small_specs_agree_with_the_reference(name):
    check_verdicts(Subject(specs.load(name).data))


def test_a_spec_is_a_value_and_z3_caches_by_content():
    """The issue's reproducer: after a first z3 call, a property added to the spec must
    be checked on an encoding wide enough for it (it held on a fresh spec)."""
    vsg = specs.load("vsg")
    symbolic.prove(vsg, vsg.properties["NoDualActive"])
    more = vsg.with_property({"name": "Not33", "kind": "always",
                              "expr": "n1.restarts != 33"})
    assert "Not33" not in vsg.properties and more != vsg
    assert symbolic.prove(more, more.properties["Not33"]).verdict == "proved"
    assert specs.load("vsg") == vsg and hash(specs.load("vsg")) == hash(vsg)


def _result(verdict: str, expect: str = "holds") -> PropertyResult:
    return PropertyResult("P", "leads_to", "", (), expect, verdict, "z3")


@pytest.mark.parametrize("verdict", ["holds to depth", "unknown", "vacuous"])
def test_a_bounded_or_undecided_verdict_never_makes_a_run_ok(verdict):
    run = CheckResult("s", {}, results=[_result(verdict)])
    assert not run.ok and run.failures() == [f"P (z3): {verdict}, expected a proof"]


def test_a_run_that_fails_on_deadlocks_says_so():
    run = CheckResult("s", {}, results=[_result("proved")],
                      slices=[SliceStats((), ("x",), 3, 2, 2, 0.0, deadlocks=16)])
    assert run.failures() == ["16 deadlocks (reachable states where no action is enabled), "
                              "assuming nothing"]


# -- generated specs ----------------------------------------------------------------------
# (Seed 1111 ran z3's unbudgeted Spacer witness search for more than 25 minutes: every
# Spacer query now has a resource budget, ``symbolic.spacer.SPACER_RLIMIT``.)
# Seeds, not Hypothesis's own search, in the quick and slow runs: each test id names the
# spec (``tests/specgen.py``: ``spec_from_seed``), and a failure reproduces as it is.

needs_spin = pytest.mark.skipif(not spin_available() and not os.environ.get("CI"),
                                reason="spin is not installed")


@pytest.mark.parametrize("seed", range(30))
def test_a_generated_spec_conforms(seed):
    conforms(specgen.spec_from_seed(seed), z3=seed < 8)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(30, 330))
def test_a_generated_spec_conforms_slow(seed):
    conforms(specgen.spec_from_seed(seed), z3=seed < 130)


@needs_spin
@pytest.mark.parametrize("seed", range(3))
def test_spin_stores_the_reference_states_of_a_generated_spec(seed, tmp_path):
    check_spin(Subject(specgen.spec_from_seed(seed)), tmp_path)


@needs_spin
@pytest.mark.parametrize("seed", [4, 13])  # a slice with no action: pan's source was empty
def test_the_spin_engine_alone_gives_the_reference_verdicts(seed):
    check_verdicts(Subject(specgen.spec_from_seed(seed)), ("spin",))


@pytest.mark.slow
@needs_spin
@pytest.mark.parametrize("seed", [s for s in range(62) if s not in (4, 13)])
def test_the_spin_engine_alone_gives_the_reference_verdicts_slow(seed):
    check_verdicts(Subject(specgen.spec_from_seed(seed)), ("spin",))


@pytest.mark.slow
@needs_spin
@pytest.mark.parametrize("seed", range(3, 103))
def test_spin_stores_the_reference_states_of_a_generated_spec_slow(seed, tmp_path):
    check_spin(Subject(specgen.spec_from_seed(seed)), tmp_path)


# The long run's seeds; HAPAIR_CONFORMANCE_SEEDS=START:STOP runs a part of it (to share
# it between machines, or to go on where a run stopped).
LONG_SEEDS = range(*map(int, os.environ.get("HAPAIR_CONFORMANCE_SEEDS", "330:10330")
                        .split(":")))


@pytest.mark.long
@pytest.mark.parametrize("seed", LONG_SEEDS)
def test_ten_thousand_generated_specs_conform(seed):
    conforms(specgen.spec_from_seed(seed))
