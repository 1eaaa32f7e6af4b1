"""The fast engine finds exactly what the reference engine finds: the same states, the
same number of edges, the same depth."""

from __future__ import annotations

import numpy as np
import pytest

import hapair
from hapair.checker.explicit import explore
from hapair.checker.fast import Layout, explore_fast
from hapair.model import Model
from hapair.model.slicing import slice_of

SPEC = hapair.load()


def cone(s, name: str) -> tuple:
    sl = slice_of(s, s.properties[name])
    return sl.assume, sl.keep


def by_local(*local: str) -> frozenset:
    return frozenset(v.index for v in SPEC.variables if v.local in local)


# The pair's protocol: every variable the redundancy states depend on (the services,
# flows and configurations are left out: the full product is too large for a unit test).
PROTOCOL = cone(SPEC, "NoDualActive")[1]

SERVICE = by_local("stateful", "stateful_data", "pss_checkpoint")

CASES = {
    "no_partition+fixed_pairing": (SPEC, ("no_partition", "fixed_pairing"), PROTOCOL),
    "fixed_pairing": (SPEC, ("fixed_pairing",), PROTOCOL),
    "cone of StandbyInSync": (SPEC, *cone(SPEC, "StandbyInSync")),
    "cone of NoDualActive": (SPEC, *cone(SPEC, "NoDualActive")),
    "state and roles only": (SPEC, (), by_local("state", "role", "admin_role")),
    "stateful service slice": (SPEC, (), by_local("state", "stateful", "stateful_data",
                                                  "pss_checkpoint", "stateful_mts")),
    "MAX_RESTARTS=3, fixed_pairing": (hapair.load(bounds={"MAX_RESTARTS": 3}),
                                      ("fixed_pairing",),
                                      PROTOCOL | by_local("stateless", "restarts")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_states_edges_and_depth_as_explore(case):
    s, assume, keep = CASES[case]
    model = Model(s, assume, keep)
    ref = explore(model)
    fast = explore_fast(model, chunk=997)  # several chunks per level
    assert fast.state_count == len(ref.states)
    assert fast.edge_count == len(ref.src)
    assert fast.max_depth == ref.max_depth
    assert fast.states() == set(ref.states)


def test_each_state_is_found_at_its_bfs_depth():
    model = Model(SPEC, ("fixed_pairing",), PROTOCOL)
    ref, fast = explore(model), explore_fast(model)
    depth = {s: d for s, d in zip(ref.states, ref.depth)}
    for d, level in enumerate(fast.levels):
        assert {depth[fast.decode(c)] for c in level} == {d}


def test_edges_when_kept_are_the_reference_edges():
    model = Model(SPEC, ("no_partition", "fixed_pairing"), PROTOCOL)
    ref, fast = explore(model), explore_fast(model, edges=True)
    src, rule, dst = fast.edge_list
    got = sorted((fast.state(int(a)), int(r), fast.decode(int(b))) for a, r, b in
                 zip(src, rule, dst))
    want = sorted((ref.states[a], r, ref.states[b]) for a, r, b in ref.edges())
    assert got == want


def test_traces_are_shortest_paths_of_the_model():
    model = Model(SPEC, ("fixed_pairing",), PROTOCOL)
    fast = explore_fast(model)
    sid = fast.state_count - 1
    trace = fast.trace_to(sid)
    assert len(trace) == fast.max_depth
    for before, step, after in zip(trace.states, trace.steps, trace.states[1:]):
        assert model.next_state(before, (step.node, step.trigger)) == after


def test_layout_round_trips_and_stays_small():
    model = Model(SPEC)
    layout = Layout(model)
    assert layout.total_bits <= 63
    assert layout.unpack(layout.pack(SPEC.initial)) == SPEC.initial
    codes = explore_fast(Model(SPEC, ("no_partition", "fixed_pairing"), PROTOCOL)).codes
    rows = layout.unpack_many(codes)
    assert [layout.pack(tuple(r)) for r in rows[:50]] == list(codes[:50])
    assert codes.dtype == np.int64


def test_memory_per_stored_state_is_small():
    fast = explore_fast(Model(SPEC, ("no_partition",), PROTOCOL | SERVICE))
    assert fast.state_count > 10_000 and fast.nbytes / fast.state_count <= 16


@pytest.mark.slow
def test_a_large_slice_matches_explore():
    model = Model(SPEC, (), PROTOCOL | SERVICE | by_local("saved"))
    ref, fast = explore(model), explore_fast(model)
    assert (fast.state_count, fast.edge_count, fast.max_depth) == \
        (len(ref.states), len(ref.src), ref.max_depth)
