"""SPIN as an independent witness: the Promela export has hapair's reachable states, and
SPIN's assertion verdicts are the invariants' expected verdicts."""

from __future__ import annotations

import copy
import os

import pytest

from hapair import spec
from hapair.checker.explicit import explore
from hapair.checker.fast import explore_fast
from hapair.checker.promela import export, properties_for, run_spin, spin_available
from hapair.model import Model
from hapair.model.slicing import cone_of_influence, reads
from hapair.spec.lang import names

needs_spin = pytest.mark.skipif(
    not spin_available() and not os.environ.get("CI"),  # in CI it must be there
    reason="spin or gcc is not on PATH (the project setup installs the Debian package spin)")

SPEC = spec.load()


def spin(source: str, workdir) -> object:
    """SPIN on a small model: ``pan`` compiled with -O0, a fifth of -O2's compile time
    for a search that takes a fraction of a second either way."""
    return run_spin(source, workdir, optimize="-O0")


def cone(name: str) -> tuple:
    p = SPEC.properties[name]
    return p.assume, cone_of_influence(SPEC, names(p.expr), p.assume)


def expected_violations(s, assume: tuple) -> list:
    """Properties expected to fail under exactly these assumptions (a violation under
    fewer assumptions need not survive more)."""
    return sorted(n for n in properties_for(s, assume) if s.properties[n].expect == "violated"
                  and set(s.properties[n].assume) == set(assume))


def test_export_is_deterministic_and_commented():
    a = export(SPEC, assume=("no_partition",))
    assert a == export(spec.load(), assume=("no_partition",))
    assert "/* bounds: MAX_RESTARTS=1, MORE_DOWN=1 */" in a
    assert "/* assumptions: no_partition */" in a
    assert "byte n1_state = state_off;" in a


def test_slice_defines_untracked_variables_as_their_initial_value():
    text = export(SPEC, keep=frozenset({SPEC.by_name["n1.state"].index}))
    assert "#define n2_state state_off" in text
    assert "byte n1_state = state_off;" in text


def test_unknown_property_names_the_known_ones():
    with pytest.raises(ValueError, match="StandbyInSync"):
        export(SPEC, properties=("Nope",))


FIXED = ("no_partition", "fixed_pairing")
# The product with them, but for the stateless service's MTS queues: 0.81 million states
# (with them, 2.6 million).  Nothing else reads those queues, so the slice is exact for
# every other variable.
NO_STATELESS_QUEUES = frozenset(v.index for v in SPEC.variables if v.local != "stateless_mts")


def kept(name: str) -> bool:
    return reads(SPEC, SPEC.properties[name]) <= NO_STATELESS_QUEUES


CASES = {
    "no_partition+fixed_pairing": (FIXED, NO_STATELESS_QUEUES),
    "fixed_pairing, the protocol": (("fixed_pairing",), cone("NoDualActive")[1]),
    "cone of StandbyInSync": cone("StandbyInSync"),
    "cone of StatusConsistent": cone("StatusConsistent"),
    "cone of NoDualActive": cone("NoDualActive"),
}


@needs_spin
@pytest.mark.parametrize("case", sorted(CASES))
def test_spin_stores_the_same_states_and_verdicts(case, tmp_path):
    assume, keep = CASES[case]
    graph = explore(Model(SPEC, assume, keep))
    result = spin(export(SPEC, assume=assume, keep=keep), tmp_path)
    assert result.states == len(graph.states)
    assert result.violated == expected_violations(SPEC, assume)


@needs_spin
def test_invariants_that_hold_give_no_assertion_violation(tmp_path):
    props = tuple(n for n in properties_for(SPEC, FIXED)
                  if SPEC.properties[n].expect == "holds" and kept(n))
    result = spin(export(SPEC, assume=FIXED, keep=NO_STATELESS_QUEUES, properties=props),
                  tmp_path)
    assert props and result.errors == 0 and result.violated == []


def takeover_while_syncing() -> dict:
    """Mutant: an unstable standby (still syncing) also takes over."""
    data = copy.deepcopy(spec.vsg.SPEC)
    red = next(m for m in data["machines"] if m["name"] == "redundancy")
    row = next(t for t in red["transitions"] if t["trigger"] == "takeover")
    row["source"] = ["ha_standby", "standby_syncing"]
    return data


@needs_spin
def test_spin_finds_the_mutant(tmp_path):
    # (On NoDualActive's slice: the mutant's whole product has 11.8 million states.)
    broken = spec.load(data=takeover_while_syncing())
    assume, keep = cone("NoDualActive")
    result = spin(export(broken, assume=assume, keep=keep), tmp_path)
    assert "NoDualActive" in result.violated
    assert result.states == explore_fast(Model(broken, assume, keep)).state_count


@needs_spin
@pytest.mark.long
def test_spin_on_the_product_with_no_partition_and_fixed_pairing(tmp_path):
    # 2.6 million states, every variable (with fixed_pairing alone, 38 million even
    # without the stateless MTS queues: beyond a test).
    result = run_spin(export(SPEC, assume=FIXED), tmp_path)
    assert result.states == explore_fast(Model(SPEC, FIXED)).state_count
    assert result.violated == expected_violations(SPEC, FIXED)


def mutants():
    from mutants import MUTANTS, build

    return [pytest.param(m.caught_by, build(m), id=m.name) for m in MUTANTS
            if SPEC.properties[m.caught_by].kind in ("always", "action")]


def sliced_for(s, name: str) -> tuple:
    """The property's assumptions and its cone of influence, as the checker slices."""
    from hapair.checker.run import slice_of

    sl = slice_of(s, s.properties[name])
    return sl.assume, sl.keep


@needs_spin
@pytest.mark.parametrize("caught_by, data", mutants())
def test_spin_catches_every_mutant_with_its_property(caught_by, data, tmp_path):
    """Every mutant whose property is an invariant or an action property (leads_to is
    not exported), on the cone of influence of that property."""
    broken = spec.load(data=data)
    assume, keep = sliced_for(broken, caught_by)
    result = spin(export(broken, assume=assume, keep=keep, properties=(caught_by,)),
                  tmp_path)
    assert result.violated == [caught_by]
    assert result.states == explore_fast(Model(broken, assume, keep)).state_count


@needs_spin
def test_action_properties_hold_on_the_real_spec(tmp_path):
    props = tuple(n for n, p in SPEC.properties.items()
                  if p.kind == "action" and not p.assume and kept(n))
    result = spin(export(SPEC, assume=FIXED, keep=NO_STATELESS_QUEUES, properties=props),
                  tmp_path)
    assert props and result.errors == 0
