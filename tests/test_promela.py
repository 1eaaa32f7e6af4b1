"""SPIN as an independent witness: the Promela export has hapair's reachable states, and
SPIN's assertion verdicts are the invariants' expected verdicts."""

from __future__ import annotations

import copy
import os
import re

import pytest

import hapair
from hapair.checker.fast import explore_fast
from hapair.checker.promela import export, properties_for, run_spin, spin_available
from hapair.model import Model
from hapair.model.slicing import reads, slice_of
from hapair.specs import vsg

needs_spin = pytest.mark.skipif(
    not spin_available() and not os.environ.get("CI"),  # in CI it must be there
    reason="spin or gcc is not on PATH (the project setup installs the Debian package spin)")

SPEC = hapair.load()


def spin(source: str, workdir, optimize: str = "-O0") -> object:
    """SPIN on a small model: ``pan`` compiled with -O0, a fifth of -O2's compile time
    for a search that takes a fraction of a second either way (on the 0.81 million
    states of ``FIXED``, -O1: about 1.5 s more to compile, 2.5 s less to search)."""
    return run_spin(source, workdir, optimize=optimize)


def cone(name: str) -> tuple:
    sl = slice_of(SPEC, SPEC.properties[name])
    return sl.assume, sl.keep


def expected_violations(s, assume: tuple) -> list:
    """Properties expected to fail under exactly these assumptions (a violation under
    fewer assumptions need not survive more)."""
    return sorted(n for n in properties_for(s, assume) if s.properties[n].expect == "violated"
                  and set(s.properties[n].assume) == set(assume))


def test_export_is_deterministic_and_commented():
    a = export(SPEC, assume=("no_partition",))
    assert a == export(hapair.load(), assume=("no_partition",))
    assert "/* bounds: MAX_RESTARTS=1, MORE_DOWN=1 */" in a
    assert "/* assumptions: no_partition */" in a
    assert "byte n1_state = e1_state_off;" in a  # names: tests/test_promela_names.py
    assert "byte gv_link = e0_link_up;" in a


def test_slice_defines_untracked_variables_as_their_initial_value():
    text = export(SPEC, keep=frozenset({SPEC.by_name["n1.state"].index}))
    assert "#define n2_state e1_state_off" in text
    assert "byte n1_state = e1_state_off;" in text


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


@pytest.fixture(scope="module")
def fixed_spin(tmp_path_factory):
    """SPIN on the product under ``FIXED`` (without the stateless MTS queues) with the
    export's default properties (every ``always`` and ``action`` one whose assumptions
    are among ``FIXED`` and that reads only kept variables), run once for the module:
    the state count and the verdicts below read the same run.  Returns ``(Promela
    source, SpinResult)``."""
    source = export(SPEC, assume=FIXED, keep=NO_STATELESS_QUEUES)
    return source, spin(source, tmp_path_factory.mktemp("fixed"), "-O1")


@needs_spin
@pytest.mark.parametrize("case", sorted(CASES))
def test_spin_stores_the_same_states_and_verdicts(case, tmp_path, request):
    # hapair's count from the packed engine, the checker's (the reference BFS agrees with
    # it on every slice: tests/test_checker.py, tests/test_fast.py).
    assume, keep = CASES[case]
    shared = (assume, keep) == (FIXED, NO_STATELESS_QUEUES)  # the module's run
    result = request.getfixturevalue("fixed_spin")[1] if shared \
        else spin(export(SPEC, assume=assume, keep=keep), tmp_path)
    assert result.states == explore_fast(Model(SPEC, assume, keep)).state_count
    assert result.violated == expected_violations(SPEC, assume)


def _actions_without_assumptions() -> tuple:
    return tuple(n for n, p in SPEC.properties.items()
                 if p.kind == "action" and not p.assume and kept(n))


@needs_spin
def test_invariants_that_hold_give_no_assertion_violation(fixed_spin):
    props = tuple(n for n in properties_for(SPEC, FIXED)
                  if SPEC.properties[n].expect == "holds" and kept(n))
    # ... among them every action property without assumptions (the slow-marked
    # test_action_properties_hold_on_the_real_spec exports only those).
    assert set(_actions_without_assumptions()) <= set(props)
    # fixed_spin asserts these and the properties expected to fail under fewer
    # assumptions (which must hold under these): no assertion fails, no error at all.
    source, result = fixed_spin
    asserted = re.search(r"/\* properties asserted: (.*) \*/", source).group(1).split(", ")
    assert props and set(props) <= set(asserted)
    assert result.errors == 0 and result.violated == []


def takeover_while_syncing() -> dict:
    """Mutant: an unstable standby (still syncing) also takes over."""
    data = copy.deepcopy(vsg.SPEC)
    red = next(m for m in data["machines"] if m["name"] == "redundancy")
    row = next(t for t in red["transitions"] if t["trigger"] == "takeover")
    row["source"] = ["ha_standby", "standby_syncing"]
    return data


def _spin_finds_the_mutant(tmp_path, bounds=None, keep=None, **options) -> None:
    broken = hapair.load(takeover_while_syncing(), bounds)
    assume = SPEC.properties["NoDualActive"].assume
    result = run_spin(export(broken, assume=assume, keep=keep), tmp_path,
                      **{"optimize": "-O0", **options})
    assert "NoDualActive" in result.violated
    assert result.states == explore_fast(Model(broken, assume, keep)).state_count


@needs_spin
def test_spin_finds_the_mutant_on_a_smaller_product(tmp_path):
    # The product but for the stateless MTS queues (every property that reads no queue
    # exported) at the smallest bounds: 63,048 states; at the spec's bounds (3.3 million)
    # it is slow-marked below.
    _spin_finds_the_mutant(tmp_path, {"MAX_RESTARTS": 0, "MORE_DOWN": 0}, NO_STATELESS_QUEUES)


@needs_spin
@pytest.mark.slow
def test_spin_finds_the_mutant(tmp_path):
    # pan's search goes deep here: one run with room for that; and on 3.3 million states
    # -O1's faster pan is worth its longer compile.
    _spin_finds_the_mutant(tmp_path, keep=NO_STATELESS_QUEUES, depth=1 << 18,
                           optimize="-O1")


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
    broken = hapair.load(data)
    assume, keep = sliced_for(broken, caught_by)
    result = spin(export(broken, assume=assume, keep=keep, properties=(caught_by,)),
                  tmp_path)
    assert result.violated == [caught_by]
    assert result.states == explore_fast(Model(broken, assume, keep)).state_count


@needs_spin
@pytest.mark.slow
def test_action_properties_hold_on_the_real_spec(tmp_path):
    # The quick suite exports these with every other property that holds on the same
    # product (test_invariants_that_hold_give_no_assertion_violation).
    props = _actions_without_assumptions()
    result = spin(export(SPEC, assume=FIXED, keep=NO_STATELESS_QUEUES, properties=props),
                  tmp_path)
    assert props and result.errors == 0
