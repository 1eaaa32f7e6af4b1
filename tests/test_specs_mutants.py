"""The other built-in specs have their own mutants and their own SPIN cross-check: each
broken spec is caught by the property that names its bug, by both engines, with a
counterexample that replays; SPIN stores the states hapair explores."""

from __future__ import annotations

import os

import pytest
from mutants_specs import MUTANTS, build

from hapair import specs
from hapair.checker import trace
from hapair.checker.explicit import explore
from hapair.checker.promela import export, run_spin, spin_available
from hapair.checker.run import check
from hapair.model import Model
from hapair.spec import Spec


@pytest.mark.parametrize("m", MUTANTS, ids=[f"{m.spec}-{m.name}" for m in MUTANTS])
def test_the_mutant_is_caught_by_both_engines_and_replays(m):
    broken = Spec.load(build(m))
    result = check(broken, only=(m.caught_by,), jobs=1, liveness_depth=10)
    verdicts = {r.engine: r for r in result.results}
    assert verdicts["explicit"].verdict == "violated", m.bug
    assert verdicts["z3"].verdict == "violated", m.bug
    assert not result.disagreements
    for r in result.results:
        data = trace.to_json(broken, r.trace, r.name, r.assume)
        assert trace.replay(data, broken).violates(), f"{r.engine} trace does not replay"


@pytest.mark.parametrize("name", ["vrrp", "trio"])
def test_each_spec_has_mutants_and_passes_where_they_fail(name):
    mine = [m for m in MUTANTS if m.spec == name]
    assert len(mine) >= 4
    real = check(specs.load(name), only=tuple({m.caught_by for m in mine}),
                 engines=("explicit",))
    assert real.ok


@pytest.mark.skipif(not spin_available() and not os.environ.get("CI"),
                    reason="spin or gcc is not on PATH (setup.sh installs it)")
@pytest.mark.parametrize("name,assume", [("vrrp", ()), ("vrrp", ("no_partition",)),
                                         ("trio", ())])
def test_spin_stores_the_same_states(name, assume, tmp_path):
    sp = specs.load(name)
    graph = explore(Model(sp, assume))
    result = run_spin(export(sp, assume=assume), tmp_path, optimize="-O0")  # small
    assert result.states == len(graph.states)
