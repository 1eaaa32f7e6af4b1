"""The z3 engine: its translation agrees with the compiled rules, it proves the
invariants, finds the partition counterexample (shortest, and it replays), certifies the
explicit state set, and catches a broken spec."""

from __future__ import annotations

import copy
import random

import pytest

import hapair
from hapair import spec
from hapair.checker import symbolic, trace
from hapair.model import slicing
from hapair.model.product import Model
from hapair.runtime.pair import Pair
from hapair.specs import vsg

SP = hapair.load()
SAFETY = [p for p in SP.properties.values() if p.kind in ("always", "action")]
HOLDS = [p for p in SAFETY if p.expect == "holds"]


def slice_of(sp, prop):
    """The property's assumptions and cone of influence, as the checker slices it."""
    sl = slicing.slice_of(sp, prop)
    return sl.assume, sl.keep


def reachable(model: Model) -> set:
    """A plain BFS over ``Model.successors``."""
    start = model.init_states()[0]
    seen, frontier = {start}, [start]
    while frontier:
        nxt = []
        for s in frontier:
            for _, t in model.successors(s):
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    return seen


def replay(sp, trace) -> None:
    """Fire each step on the embeddable machine; the tracked variables must follow."""
    pair = Pair(sp)
    tracked = [sp.by_name[name].index for name in trace.tracked]
    assert trace.states[0] == pair.state
    for step, want in zip(trace.steps, trace.states[1:]):
        taken = pair.fire(step.trigger, step.node)
        assert taken.rule == step.rule
        assert [pair.state[i] for i in tracked] == [want[i] for i in tracked]


def broken_switchover(widen: bool = True):
    """The switchover row without its ``peer.state == 'ha_standby'`` guard and, with
    ``widen``, also accepted on an active without an HA standby.  (Dropping the guard
    alone is harmless: an ``active_ha_standby`` node always has an HA standby peer, which
    ``StatusConsistent`` proves, so the guard is redundant for the property.)"""
    from hapair.specs.vsg import SPEC

    data = copy.deepcopy(SPEC)
    red = next(m for m in data["machines"] if m["name"] == "redundancy")
    row = next(t for t in red["transitions"] if t["trigger"] == "system_switchover")
    assert "peer.state == 'ha_standby' and " in row["conditions"]
    row["conditions"] = row["conditions"].replace("peer.state == 'ha_standby' and ", "")
    if widen:
        row["source"] = ["active_no_standby", "active_ha_standby"]
    return hapair.load(data)


# -- the translation ------------------------------------------------------------------


def test_translation_agrees_with_the_compiled_rules_on_reachable_states():
    """Every guard and effect, evaluated by z3 on concrete states, gives what the
    compiled Python gives (the two walk the same trees independently)."""
    import z3

    model = Model(SP)
    states = random.Random(7).sample(sorted(reachable(Model(SP, keep=slice_of(
        SP, SP.properties["StandbyInSync"])[1]))), 40)
    for s in states:
        vec = [z3.IntVal(v) for v in s]
        tr = symbolic.Translator(vec)
        for i, rule in enumerate(SP.rules):
            got = z3.is_true(z3.simplify(tr.formula(rule.guard)))
            assert got == model.guards[i](s), (i, s)
            if got:
                new = list(s)
                for v, e in rule.effects:
                    new[v] = z3.simplify(tr.value(e)).as_long()
                assert tuple(new) == model.apply(i, s)


@pytest.mark.parametrize("bits", [True, False])
def test_one_step_is_the_models_successor_relation(bits):
    """From concrete states, the z3 successors (rule and state) are exactly
    ``Model.successors``."""
    import z3

    assume, keep = slice_of(SP, SP.properties["DualActiveResetsPrimary"])
    model = Model(SP, assume, keep)
    enc = symbolic.Encoding(SP, assume, keep, bits=bits)
    pre, post, sel = enc.state("a"), enc.state("b"), enc.selector("a")
    solver = z3.Solver()
    solver.add(enc.step(pre, sel, post))
    for s in random.Random(3).sample(sorted(reachable(model)), 25):
        solver.push()
        solver.add(*[pre[i] == enc.num(s[i]) for i in enc.keep])
        found = set()
        while solver.check() == z3.sat:
            m = solver.model()
            rule = m.eval(sel).as_long()
            found.add((rule, enc.concrete(m, post)))
            solver.add(sel != rule)
        solver.pop()
        assert found == set(model.successors(s))


# -- proofs ---------------------------------------------------------------------------


@pytest.mark.parametrize("prop", HOLDS, ids=[p.name for p in HOLDS])
def test_z3_proves_every_safety_property_that_must_hold(prop):
    assume, keep = slice_of(SP, prop)
    r = symbolic.prove(SP, prop, assume=assume, keep=keep)
    assert r.verdict == "proved", r.note
    assert r.engine == "z3" and r.note


def test_action_properties_are_one_inductive_and_invariants_need_spacer():
    r = symbolic.prove(SP, SP.properties["SwitchoverOnlyToHAStandby"])
    assert r.note == "k-induction, k=1 (simple paths)"
    r = symbolic.prove(SP, SP.properties["NoDualActive"], spacer=False)
    assert r.verdict == "holds to depth" and r.depth == 2  # not 2-inductive: no proof


def test_leads_to_is_searched_for_lassos_not_proved():
    with pytest.raises(spec.HapairError, match="leads_to"):
        symbolic.prove(SP, SP.properties["EventuallyActive"])
    assert symbolic.lasso_bmc(SP, SP.properties["EventuallyActive"], 6).verdict == \
        "holds to depth"
    broken = copy.deepcopy(vsg.SPEC)
    row = next(r for r in broken["machines"][0]["transitions"] if r["trigger"] == "takeover")
    row["conditions"] = "False"  # a stable standby never takes over
    bad = hapair.load(broken)
    r = symbolic.lasso_bmc(bad, bad.properties["EventuallyActive"], 8)
    assert r.verdict == "violated" and r.trace.loop is not None
    data = trace.to_json(bad, r.trace, r.name)
    assert trace.replay(data, bad).violates()


# -- counterexamples ------------------------------------------------------------------


@pytest.mark.parametrize("bits", [True, False])
def test_bmc_finds_the_partition_dual_active_shortest_and_it_replays(bits):
    prop = SP.properties["DualActiveOnPartition"]
    assert prop.expect == "violated"
    assume, keep = slice_of(SP, prop)
    r = symbolic.bmc(SP, prop, 12, assume=assume, keep=keep, bits=bits)
    assert r.verdict == "violated" and r.ok
    trace = r.trace
    assert len(trace) == 5 and r.depth == 5
    assert [s.trigger for s in trace.steps].count("link_down") == 1
    last = SP.decode(trace.states[-1])
    assert {last["n1.state"], last["n2.state"]} <= {"active_no_standby", "active_ha_standby"}
    replay(SP, trace)
    # four steps are not enough: shortest means BMC to depth 4 finds nothing
    assert symbolic.bmc(SP, prop, 4, assume=assume, keep=keep).verdict == "holds to depth"


def test_prove_returns_the_same_shortest_counterexample():
    prop = SP.properties["DualActiveOnPartition"]
    r = symbolic.prove(SP, prop)
    assert r.verdict == "violated" and len(r.trace) == 5
    replay(SP, r.trace)


def test_bmc_reports_the_depth_it_reached():
    r = symbolic.bmc(SP, SP.properties["NoDualActive"], 6)
    assert (r.verdict, r.depth) == ("holds to depth", 6)
    assert not r.ok or r.verdict != "proved"


def test_a_broken_spec_is_caught_and_the_trace_replays_on_it():
    broken = broken_switchover()
    prop = broken.properties["SwitchoverOnlyToHAStandby"]
    assume, keep = slice_of(broken, prop)
    for r in (symbolic.prove(broken, prop, assume=assume, keep=keep),
              symbolic.bmc(broken, prop, 10, assume=assume, keep=keep)):
        assert r.verdict == "violated"
        assert r.trace.steps[-1].trigger == "system_switchover"
        replay(broken, r.trace)
    # the guard alone is redundant, and z3 proves that too
    narrow = broken_switchover(widen=False)
    assert symbolic.prove(narrow, narrow.properties["SwitchoverOnlyToHAStandby"]).verdict \
        == "proved"


# -- the certificate ------------------------------------------------------------------


@pytest.fixture(scope="module")
def explored():
    assume, keep = slice_of(SP, SP.properties["DualActiveResetsPrimary"])
    states = reachable(Model(SP, assume, keep))
    assert len(states) == 3692
    return assume, keep, states


def test_certify_passes_on_the_reachable_set(explored):
    assume, keep, states = explored
    ok, message = symbolic.certify(SP, states, assume=assume, keep=keep)
    assert ok, message
    assert message.startswith("certified: 3692 states closed under")


def test_certify_fails_when_a_reachable_state_is_missing(explored):
    assume, keep, states = explored
    missing = sorted(states)[len(states) // 2]
    ok, message = symbolic.certify(SP, states - {missing}, assume=assume, keep=keep)
    assert not ok
    assert message.startswith("missed successor: rule ")
    shown = SP.decode(missing)
    assert "{" + ", ".join(f"{n}={shown[n]}" for n in
                           (v.name for v in SP.variables if v.index in keep)) + "}" in message


def test_certify_per_rule_and_without_the_initial_state(explored):
    assume, keep, states = explored
    assert symbolic.certify(SP, states, assume=assume, keep=keep, per_rule=True)[0]
    ok, message = symbolic.certify(SP, states - {SP.initial}, assume=assume, keep=keep)
    assert (ok, message) == (False, "the initial state is missing from the set")


def test_a_scenario_avoids_its_hazard_by_the_pairs_the_explicit_search_reached():
    # z3 proves it from the explicit (state, steps taken) pairs only when they are an
    # inductive invariant: drop one and the proof fails (BMC and Spacer decide instead).
    import numpy as np

    from hapair.checker import properties
    from hapair.checker.explicit import explore_packed
    from hapair.model.slicing import slice_of as cone

    prop = SP.properties["AddSecondaryIsReloaded"]
    sl = cone(SP, prop)
    g = explore_packed(Model(SP, sl.assume, sl.keep))
    sid, k = properties.decide(g, prop).reached
    enc = symbolic.encoding(SP, tuple(sl.assume), frozenset(sl.keep), True)
    assert symbolic.safety._Reached.closed(enc, prop, (g.table[sid], k)).excludes(hazard=True)
    for drop in (0, len(k) // 2, len(k) - 1):
        assert symbolic.safety._Reached.closed(enc, prop, (g.table[np.delete(sid, drop)],
                                                    np.delete(k, drop))) is None
    r = symbolic.witness(SP, prop, 30, assume=sl.assume, keep=sl.keep,
                         reached=(g.table[sid], k))
    assert r.verdict == "proved" and len(r.witness) == 10


@pytest.mark.parametrize("name", ["SharedHostFailureLeavesAnActive",
                                  "MismatchedPortGroupFailsOverTraffic"])
def test_a_scenario_no_run_shows_is_refuted_by_the_pairs_the_explicit_search_reached(name):
    # The hazards of one host and of port groups set up differently: no run shows
    # what these scenarios ask for.  z3 takes the explicit (state, steps taken) pairs as an
    # inductive invariant that no pair completes; one pair fewer and BMC and Spacer
    # decide instead, with the same verdict.
    import numpy as np

    from hapair.checker import properties
    from hapair.checker.explicit import explore_packed
    from hapair.model.slicing import slice_of as cone

    prop = SP.properties[name]
    sl = cone(SP, prop)
    g = explore_packed(Model(SP, sl.assume, sl.keep))
    found = properties.decide(g, prop)
    assert found.verdict == "violated" and found.reached is not None
    sid, k = found.reached
    r = symbolic.witness(SP, prop, 30, assume=sl.assume, keep=sl.keep,
                         reached=(g.table[sid], k))
    assert r.verdict == "violated" and r.note.startswith("no run shows it: the ")
    middle = len(k) // 2
    r = symbolic.witness(SP, prop, 30, assume=sl.assume, keep=sl.keep,
                         reached=(g.table[np.delete(sid, middle)], np.delete(k, middle)))
    assert r.verdict == "violated" and r.note.startswith("Spacer")


@pytest.mark.parametrize("wide", [False, True])
def test_the_decision_diagram_of_a_set_holds_exactly_its_rows(wide):
    # The certificate's In(s): every point of a small domain is in the formula exactly
    # when it is a row of the set, in either variable order, whether the rows fit one
    # int64 key or are sorted column by column (``wide``: domains too large for a key).
    import itertools

    import numpy as np
    import z3

    rng = np.random.default_rng(7)
    enc = symbolic.encoding(SP, (), None, True)
    for trial in range(12):
        m = 4 if wide else int(rng.integers(1, 5))
        sizes = [int(x) for x in rng.integers(1, 4, m)]
        rows = np.unique(np.column_stack([rng.integers(0, s, 12) for s in sizes]), axis=0)
        if wide:  # the same values, declared in domains whose product passes 2 ** 62
            sizes = [2 ** 16] * m
        dd = symbolic.certificate._SetFormula(enc, list(rows.T), sizes)
        xs = [z3.BitVec(f"x{i}", 20) for i in range(m)]
        member = dd.member(None, xs)
        inside = {tuple(r) for r in rows.tolist()}
        for point in itertools.product(*[range(3)] * m):
            got = z3.simplify(z3.substitute(member, *[(x, z3.BitVecVal(v, 20))
                                                      for x, v in zip(xs, point)]))
            assert z3.is_true(got) == (point in inside), (sizes, point)
        keyed = symbolic.certificate._diagram_levels(list(rows.T), sizes, dd.order)
        by_columns = symbolic.certificate._diagram_levels_wide(rows[:, dd.order],
                                                   [sizes[c] for c in dd.order])
        assert [(lv, u.tolist()) for lv, u in keyed] == \
            [(lv, u.tolist()) for lv, u in by_columns]
