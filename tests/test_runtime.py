"""The guide's rules through the embeddable ``Pair``, and the lab's refinement check."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from hapair.model.lab import Lab, RefinementError
from hapair.model.runtime import Pair
from hapair.spec import EventNotAllowed, HapairError, Refused, guide


def states(pair: Pair) -> tuple[str, str]:
    return pair["n1.state"], pair["n2.state"]


def triggers(steps) -> list[tuple]:
    return [(s.node, s.trigger) for s in steps]


# -- boot negotiation --------------------------------------------------------------------------

def test_primary_takes_precedence_when_both_boot():
    for first in (2, 1):
        pair = Pair()
        pair.fire("power_on", first)
        pair.fire("power_on", 3 - first)
        pair.settle()
        assert states(pair) == ("active_ha_standby", "ha_standby")


def test_the_secondary_waits_for_the_primary():
    pair = Pair()
    pair.fire("power_on", 1)
    pair.fire("power_on", 2)
    assert not pair.can("boot", 2) and pair.can("boot", 1)


def test_a_secondary_alone_becomes_active():
    pair = Pair()
    pair.fire("power_on", 2)
    pair.settle()
    assert states(pair) == ("off", "active_no_standby")


def test_a_node_that_finds_an_active_peer_becomes_standby():
    # The guide's replacement of the active: the secondary is active, the new primary
    # boots and becomes its standby.
    pair = Pair.settled()
    pair.fire("power_off", 1)
    pair.settle()
    pair.fire("power_on", 1)
    pair.fire("boot", 1)
    assert states(pair) == ("standby_syncing", "active_no_standby")


# -- pairing ----------------------------------------------------------------------------------

def _second_boots_after(setup) -> tuple[str, str]:
    pair = Pair.settled()
    pair.fire("power_off", 2)
    setup(pair)
    pair.fire("power_on", 2)
    pair.settle()
    return states(pair)


def test_pairing_needs_the_same_ha_pair_id():
    assert _second_boots_after(lambda p: p.fire("ha_pair_id_other", 1)) \
        == ("active_no_standby", "active_no_standby")


def test_pairing_needs_opposite_roles():
    def both_secondary(pair):
        pair.fire("role_secondary", 1)
        pair.fire("reload", 1)
        pair.settle()
    assert _second_boots_after(both_secondary) == ("active_no_standby", "active_no_standby")


def test_a_standalone_never_pairs():
    def standalone(pair):
        pair.fire("role_standalone", 1)
        pair.fire("reload", 1)
        pair.settle()
    assert _second_boots_after(standalone) == ("active_no_standby", "active_no_standby")
    assert Pair.standalone().status(1).other == guide.DISPLAY["off"]


# -- synchronisation -------------------------------------------------------------------------

def test_the_standby_synchronises_then_is_stable():
    pair = Pair()
    pair.fire("power_on", 1)
    pair.settle()
    pair.fire("power_on", 2)
    assert triggers(pair.settle()) == [(2, "boot"), (2, "sync_done")]
    assert states(pair) == ("active_ha_standby", "ha_standby")
    assert pair["run_eq"] and pair["start_eq"]
    assert pair.status(1).oper_mode == pair.status(2).oper_mode == "HA"


# -- failovers -------------------------------------------------------------------------------

def test_automatic_failover_from_the_ha_standby():
    pair = Pair.settled()
    pair.fire("power_off", 1)
    assert triggers(pair.settle()) == [(2, "takeover")]
    assert states(pair) == ("off", "active_no_standby")


def test_an_unstable_standby_restarts_instead_of_taking_over():
    pair = Pair.settled()
    pair.fire("power_off", 2)
    pair.fire("power_on", 2)
    pair.fire("boot", 2)
    assert states(pair) == ("active_no_standby", "standby_syncing")
    pair.fire("power_off", 1)
    assert triggers(pair.settle()) == [(2, "restart_pair"), (2, "boot")]


def test_one_failover_at_a_time():
    pair = Pair.settled()
    pair.fire("system_switchover", 1)
    assert pair["failover_lock"]
    with pytest.raises(Refused):
        pair.fire("system_switchover", 2)
    assert triggers(pair.settle()) == [(1, "boot"), (1, "sync_done")]
    assert not pair["failover_lock"]
    pair.fire("system_switchover", 2)


def test_switchover_only_to_an_ha_standby_with_the_guide_message():
    pair = Pair.standalone()
    before = pair.state
    with pytest.raises(Refused, match=r"^Failed to switchover \(standby not ready"):
        pair.fire("system_switchover", 1)
    assert pair.state == before


def test_the_old_active_comes_back_as_standby_after_a_switchover():
    pair = Pair.settled()
    pair.fire("system_switchover", 1)
    pair.settle()
    assert states(pair) == ("ha_standby", "active_ha_standby")


def test_a_native_process_failure_causes_a_failover():
    pair = Pair.settled()
    pair.fire("fail_native", 1)
    pair.settle()
    assert states(pair) == ("ha_standby", "active_ha_standby")


def test_dual_active_resets_the_primary():
    pair = Pair.settled()
    pair.fire("link_down")
    pair.settle()
    pair.fire("link_up")
    assert states(pair) == ("active_no_standby", "active_no_standby")
    step = pair.internal_step()
    assert (step.node, step.trigger, pair["n1.state"]) == (1, "resolve_dual_active", "booting")
    pair.settle()
    assert states(pair) == ("ha_standby", "active_ha_standby")


# -- roles -----------------------------------------------------------------------------------

def test_standalone_to_primary_is_immediate():
    pair = Pair.standalone()
    pair.fire("role_primary", 1)
    assert (pair["n1.role"], pair["n1.admin_role"]) == ("primary", "primary")


def test_a_change_to_secondary_takes_effect_at_reload():
    pair = Pair.standalone()
    pair.fire("role_secondary", 1)
    assert (pair["n1.role"], pair["n1.admin_role"]) == ("standalone", "secondary")
    pair.fire("reload", 1)
    assert pair["n1.role"] == "secondary"


def test_roles_change_only_on_the_active():
    with pytest.raises(EventNotAllowed):
        Pair.settled().fire("role_primary", 2)


# -- configuration (concrete, through the lab) ------------------------------------------------

def test_unsaved_running_config_survives_a_failover():
    lab = Lab()
    lab.edit(1, "vlan 10")
    lab.fire("system_switchover", 1)
    assert lab.running[2][-1] == "vlan 10" and lab.running[2] != lab.startup[2]
    assert not lab.pair["n2.saved"]


def test_copy_saves_on_both():
    lab = Lab()
    lab.edit(1, "vlan 10")
    lab.fire("copy_rs", 1)
    assert lab.startup[1] == lab.startup[2] == lab.running[1]


def test_reload_restarts_from_the_startup_config():
    lab = Lab.standalone()
    lab.edit(1, "vlan 10")
    lab.fire("reload", 1)
    assert lab.running[1] == lab.startup[1] == list(guide.DEFAULT_CONFIG)


def test_process_restarts_bump_start_cnt_and_a_reboot_resets_it():
    lab = Lab()
    row = lab.process_index("aaa")
    lab.fail(1, "aaa")
    lab.fail(1, "aaa")
    assert lab.start_cnt[1][row] == 3 and lab.restarts(1) == 2
    assert lab.pair["n1.restarts"] == lab.spec.bounds["MAX_RESTARTS"]
    lab.fire("reload", 1)
    assert lab.start_cnt[1][row] == 1


def test_a_restart_waits_while_settling_is_off():
    lab = Lab(settling=False)
    lab.fail(1, "aaa")
    assert lab.pair["n1.sysmgr"] == "restarting" and lab.restarts(1) == 0
    assert lab.step().trigger == "restart_service" and lab.restarts(1) == 1


def test_ha_pair_id_mirrored_by_a_visible_standby():
    lab = Lab()
    lab.ha_pair_id(1, 10)
    assert lab.pair_id == {1: 10, 2: 10} and states(lab.pair)[1] == "ha_standby"


def test_ha_pair_id_alone_splits_the_pair():
    lab = Lab()
    lab.fire("power_off", 2)
    lab.ha_pair_id(1, 10)
    assert lab.pair_id == {1: 10, 2: 1} and not lab.pair["same_pair_id"]


def test_a_refused_ha_pair_id_changes_nothing():
    lab = Lab()
    with pytest.raises(EventNotAllowed):
        lab.ha_pair_id(2, 10)
    assert lab.pair_id == {1: 1, 2: 1}


def test_replace_installs_a_fresh_vsg_with_the_pairs_id():
    lab = Lab()
    lab.fire("power_off", 2)
    lab.ha_pair_id(1, 10)
    lab.replace(2, "secondary")
    assert lab.pair_id[2] == 10 and lab.running[2] == lab.startup[2] != lab.running[1]
    lab.fire("power_on", 2)
    assert lab.running[2] == lab.running[1]
    with pytest.raises(HapairError, match="primary or secondary"):
        lab.replace(2, "standalone")


def test_the_switchover_log_and_clock():
    lab = Lab()
    lab.fire("system_switchover", 1)
    assert lab.log[2][0].startswith("2011 Jan 18 04:21:56 n1000v %% VDC-1 %% ")
    assert lab.log[2][-1].startswith("2011 Jan 18 04:22:03")
    assert "Module 1 removed" in lab.log[2][-1] and lab.log[1] == []


# -- the API: callbacks, allowed(), typed errors ----------------------------------------------

def test_callbacks_see_each_step_with_its_row():
    pair, seen, boots = Pair(), [], []
    pair.on(seen.append)
    pair.on(boots.append, trigger="boot")
    pair.fire("power_on", 1)
    pair.settle()
    assert [s.trigger for s in seen] == ["power_on", "boot"]
    assert [s.trigger for s in boots] == ["boot"]
    boot = boots[0]
    assert pair.spec.rules[boot.rule].transition.ops == ("load_startup",)
    assert boot.changed["n1.state"] == ("booting", "active_no_standby")


def test_allowed_lists_what_can_happen_now():
    pair = Pair.settled()
    allowed = pair.allowed()
    assert (1, "system_switchover") in allowed and (2, "system_switchover") not in allowed
    assert all(pair.can(t, n) for n, t in allowed)
    assert set(pair.allowed(kinds=("physical",))) == {(1, "power_off"), (2, "power_off"),
                                                      (None, "link_down")}


@pytest.mark.parametrize("trigger, node", [("power_on", 1), ("boot", 1), ("link_up", None),
                                           ("no_such_event", 1), ("link_down", 1),
                                           ("power_off", None), ("config_edit", 2)])
def test_typed_errors_change_nothing(trigger, node):
    pair, seen = Pair.settled(), []
    pair.on(seen.append)
    before = pair.state
    with pytest.raises(EventNotAllowed) as info:
        pair.fire(trigger, node)
    assert isinstance(info.value, HapairError) and "\n" not in str(info.value)
    assert pair.state == before and seen == []


# -- the refinement check ---------------------------------------------------------------------

def test_a_lab_over_a_pair_the_defaults_cannot_describe_is_refused():
    pair = Pair.settled()
    pair.fire("config_edit", 1)
    with pytest.raises(RefinementError, match="internal error"):
        Lab(pair)


_RARE = {"replace_primary": .1, "replace_secondary": .1, "role_standalone": .1,
         "role_primary": .2, "role_secondary": .2, "ha_pair_id_other": .2}
_WEIGHT = {"internal": 6}


def _walk(lab: Lab, rng: random.Random, steps: int, counts: Counter) -> None:
    borrowed = [p.name for p in lab.processes if p.running and not p.native]
    for i in range(steps):
        actions = lab.pair.allowed()
        weights = [_RARE.get(t, _WEIGHT.get(lab.spec.triggers[t].kind, 1))
                   for _, t in actions]
        node, trigger = rng.choices(actions, weights)[0]
        counts[trigger] += 1
        if trigger == "config_edit":
            lab.edit(node, f"description walk {i}")
        elif trigger == "fail_borrowed":
            lab.fail(node, rng.choice(borrowed))
        elif trigger.startswith("ha_pair_id"):
            lab.ha_pair_id(node, rng.choice([1, 2, 3]))
        else:
            lab.fire(trigger, node)


def test_refinement_holds_over_long_random_walks():
    # Walks of 250 steps from the settled pair and from a standalone VSG; the lab
    # checks the abstraction after every step and raises if it ever fails.
    rng, counts = random.Random(20110118), Counter()
    for walk in range(16):
        lab = Lab(settling=False) if walk % 4 else Lab.standalone(settling=False)
        _walk(lab, rng, 250, counts)
    assert sum(counts.values()) == 4000
    assert set(counts) == set(Lab().spec.triggers)  # every event was exercised


def test_retyping_a_lost_line_is_a_new_version_with_the_same_text():
    lab = Lab()
    lab.edit(1, "vlan 10")          # mirrored: both running configs end with it
    lab.fire("power_off", 2)        # module 2 keeps it, unsaved
    lab.fire("reload", 1)           # module 1 loses it
    lab.edit(1, "vlan 10")          # typed again: the same lines, a new version
    assert lab.running[1] == lab.running[2]
    assert lab.pair["run_eq"] is False
