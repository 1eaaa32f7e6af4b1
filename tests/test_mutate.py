"""Mutation testing: the generator is systematic and stable, a fixed sample of the VSG
spec's mutants (and of the other built-in specs') is killed (or proved equivalent, or
listed as guide silent) on every run, and the committed lists of equivalent mutants are
true.  The whole run of every spec is long-marked (hours: ``pytest -m long``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hapair import mutate, specs
from hapair.cli import main
from hapair.spec import Spec, SpecError
from hapair.specs import vsg

EQUIVALENTS = Path(vsg.__file__).with_name("equivalents.json")
LISTED = mutate.load_equivalents(EQUIVALENTS)
ALL = mutate.mutants(vsg.SPEC)
BY_ID = {m.id: m for m in ALL}

# A spec that is not the VSG: one lamp per node and a global switch.
TOY = {
    "name": "toy",
    "machines": [
        {"name": "lamp", "scope": "node", "variable": "lamp", "initial": "off",
         "states": ["off", "on", "broken"],
         "transitions": [
             {"trigger": "switch_on", "source": "off", "dest": "on",
              "conditions": "mains == 'live' and not self.fused", "effects": {"self.uses": "1"}},
             {"trigger": "switch_off", "source": "*", "dest": "off"},
             {"trigger": "blow", "source": "on", "dest": "broken",
              "effects": {"self.fused": "True"}}]},
        {"name": "mains", "scope": "global", "variable": "mains", "initial": "live",
         "states": ["live", "dead"],
         "transitions": [{"trigger": "cut", "source": "live", "dest": "dead"}]},
    ],
    "variables": {"node": {"fused": "bool", "uses": "0..1"}},
    "triggers": {"switch_on": {"kind": "operator"}, "switch_off": {"kind": "operator"},
                 "blow": {"kind": "fault"}, "cut": {"kind": "physical"}},
    "macros": {"lit": "n1.lamp == 'on' or n2.lamp == 'on'"},
    "initial": {"n1": {"fused": False, "uses": 0}, "n2": {"fused": False, "uses": 0}},
    "properties": [
        {"name": "NoLightWithoutMains", "kind": "always",
         "expr": "not (lit and mains == 'dead') or True"},
        {"name": "CanLight", "kind": "reachable", "expr": "n1.lamp == 'on'"}],
}


def test_ids_are_unique_stable_and_in_a_fixed_order():
    again = [m.id for m in mutate.mutants(vsg.SPEC)]
    assert again == [m.id for m in ALL]
    assert len(set(again)) == len(again)
    assert "redundancy/takeover#0:dest=booting" in BY_ID
    assert "redundancy/boot#1:cond.drop[peer_active]" in BY_ID


@pytest.mark.parametrize("kind", ["dest=", "source+", "source-", "cond=True", "cond=negate",
                                  "cond.drop[", "cond.negate[", "cond.flip[", "cond.value[",
                                  "effect-", "effect.", ":delete", ":swap#", "macro/",
                                  "initial/"])
def test_every_kind_of_edit_is_generated(kind):
    assert any(kind in m.id for m in ALL)


def test_building_a_mutant_never_touches_the_spec():
    before = json.dumps(vsg.SPEC, sort_keys=True)
    for m in ALL[::25]:
        m.build(vsg.SPEC)
    assert json.dumps(vsg.SPEC, sort_keys=True) == before


def test_any_spec_can_be_mutated_and_its_mutants_judged():
    ms = mutate.mutants(TOY)
    assert {"lamp/switch_on#0:dest=broken", "lamp/switch_on#0:cond.drop[not self.fused]",
            "lamp/switch_on#0:effect.self.uses=0", "mains/cut#0:delete",
            "macro/lit:negate", "initial/n1.fused=True"} <= {m.id for m in ms}
    report = mutate.run(TOY, name="toy")
    statuses = {o.id: o.status for o in report.outcomes}
    assert statuses["mains/cut#0:delete"] == "rejected"  # 'cut' is then used by no machine
    assert statuses["lamp/switch_on#0:dest=broken"] == "killed"  # CanLight
    assert statuses["lamp/switch_on#0:effect-self.uses"] == "survived"  # nothing reads it


def test_a_survivor_whose_cone_is_beyond_the_budget_is_undecided(monkeypatch):
    # (The VSG's system_switchover mutants grew past it when the MTS queues became two.)
    monkeypatch.setattr(mutate.kill, "EQUIVALENCE_LIMIT", 1)
    report = mutate.run(TOY, name="toy")
    statuses = {o.id: o.status for o in report.outcomes}
    assert statuses["lamp/switch_on#0:effect-self.uses"] == "undecided"
    assert statuses["lamp/switch_on#0:dest=broken"] == "killed"
    assert report.score < 1.0  # not killed, so not counted as one


def test_the_unmutated_spec_must_pass():
    broken = json.loads(json.dumps(TOY))
    broken["properties"][1]["expr"] = "n1.lamp == 'broken' and not n1.fused"
    with pytest.raises(SpecError, match="unmutated spec fails"):
        mutate.Killer(broken)


def _fixed_sample(size: int) -> None:
    report = mutate.run(vsg.SPEC, name="vsg", sample=size, seed=12, listed=LISTED)
    assert len(report.outcomes) == size
    assert report.count("survived") == 0, [o for o in report.outcomes
                                           if o.status == "survived"]
    assert report.count("killed") >= 2 * size // 3  # mostly kills, not a list of excuses
    assert report.stale == []


def test_a_small_fixed_sample_is_killed_or_accounted_for():
    _fixed_sample(4)


@pytest.mark.slow
def test_a_fixed_sample_is_killed_or_accounted_for():
    _fixed_sample(16)


@pytest.mark.slow
def test_the_killer_is_a_property_that_really_fails():
    report = mutate.run(vsg.SPEC, sample=4, seed=5, listed=LISTED)
    for o in report.outcomes:
        if o.status == "killed" and not o.by.startswith("deadlock"):
            from hapair.checker.run import check

            broken = Spec.load(BY_ID[o.id].build(vsg.SPEC))
            assert not check(broken, only=(o.by,), engines=("explicit",)).ok


def test_a_watched_self_loop_is_sliced_with_its_guard():
    # Found by mutation testing, and so unsound before: an action property that a step
    # changing nothing it reads can break (``pre.self_active``) watched the checkpoint
    # rows, whose guard reads the service's state; its slice held that state constant,
    # so a mutant's checkpoint on a standby went unseen and the property was "proved".
    from hapair.checker.run import check
    from hapair.model.slicing import slice_of, stutters_satisfy

    mutant = "stateful/pss_checkpoint#1:cond.drop[self.state == 'active_ha_standby']"
    spec = Spec.load(BY_ID[mutant].build(vsg.SPEC))
    prop = spec.properties["ServicesChangeOnlyOnTheActive"]
    assert not stutters_satisfy(spec, prop)
    assert spec.by_name["n1.stateful_data"].index in slice_of(spec, prop).keep
    result = check(spec, only=(prop.name,), engines=("explicit",))
    assert [r.verdict for r in result.results] == ["violated"]
    # A property that only a change can break keeps its small cone.
    assert stutters_satisfy(spec, spec.properties["PoweredOffVSGUntouched"])


def test_equivalence_is_decided_on_the_full_product():
    ref = mutate.Reference(Spec.load(vsg.SPEC))
    same, where = mutate.equivalent(ref, vsg.SPEC, BY_ID["redundancy/takeover#0:dest=booting"])
    assert not same and where.startswith("takeover on n")
    same, where = mutate.equivalent(ref, vsg.SPEC, BY_ID["redundancy/boot#0:swap#1"])
    assert same and where == ""


def _listed_are_right(entries) -> None:
    ref = mutate.Reference(Spec.load(vsg.SPEC))
    for mid, reason in entries:
        assert mid in BY_ID, f"{mid}: no such mutant"
        same, where = mutate.equivalent(ref, vsg.SPEC, BY_ID[mid])
        if reason == mutate.EQUIVALENT:
            assert same, f"{mid} is no longer equivalent: {where}"
        else:
            assert reason.startswith(mutate.SILENT) and len(reason) > len(mutate.SILENT) + 10
            assert not same, f"{mid} is equivalent: list it so"


@pytest.mark.slow
def test_a_sample_of_the_listed_equivalents_is_equivalent_and_no_silent_one_is():
    _listed_are_right(sorted(LISTED.items())[:12])  # the whole list: hours (long)


@pytest.mark.long
def test_every_listed_equivalent_is_equivalent_and_no_silent_one_is():
    _listed_are_right(LISTED.items())


@pytest.mark.slow
def test_a_sample_of_the_silent_mutants_still_survives():
    """(The slow run checks them all: a silent mutant that is killed is stale.)"""
    checker = mutate.Killer(vsg.SPEC)
    silent = sorted(m for m, r in LISTED.items() if r.startswith(mutate.SILENT))
    for mid in silent[::19]:
        assert checker.classify(BY_ID[mid]).status == "survived", f"{mid} is now killed"


def test_a_stale_equivalent_is_reported():
    killed = "redundancy/takeover#0:dest=booting"
    report = mutate.run(vsg.SPEC, sample=1, seed=0, listed={killed: mutate.EQUIVALENT,
                                                             "no/such#0:mutant": mutate.EQUIVALENT})
    assert any("no such mutant" in s for s in report.stale)
    assert not report.ok(0.0)


def spec_and_listed(name: str) -> tuple[dict, dict]:
    from hapair.cli import _mutation_spec

    _, data, equivalents = _mutation_spec(name)
    return data, mutate.load_equivalents(equivalents)


@pytest.mark.parametrize("name", ["vrrp", "trio"])
def test_a_fixed_sample_of_each_other_spec_is_killed(name):
    data, listed = spec_and_listed(name)
    report = mutate.run(data, name=name, sample=12, seed=3, listed=listed)
    assert report.count("survived") == 0, [o for o in report.outcomes
                                           if o.status == "survived"]
    assert report.stale == []


@pytest.mark.long
@pytest.mark.parametrize("name", sorted(specs.BUILTIN))
def test_every_mutant_of_every_spec(name):
    data, listed = spec_and_listed(name)
    report = mutate.run(data, name=name, listed=listed, jobs=2)
    survivors = [(o.id, o.note) for o in report.outcomes if o.status == "survived"]
    assert report.score >= 0.98, survivors
    assert report.stale == []
    proved = {o.id for o in report.outcomes if o.status == "equivalent"}
    assert proved == {m for m, r in listed.items() if r == mutate.EQUIVALENT}


def _run(args, capsys):
    code = main(args)
    return code, capsys.readouterr()


@pytest.mark.slow
def test_cli_runs_a_sample_writes_json_and_checks_z3(tmp_path, capsys):
    out = tmp_path / "m.json"
    code, cap = _run(["mutate", "--sample", "3", "--seed", "2", "--z3-sample", "1",
                      "--min-score", "0", "--json", str(out)], capsys)
    doc = json.loads(out.read_text())
    assert code == 0 and "score" in cap.out and "z3 agrees on 1 of 1" in cap.out
    assert doc["schema"] == "hapair-mutate/1" and doc["run"] == 3
    assert set(doc["counts"]) == set(mutate.STATUSES)


@pytest.mark.parametrize("args, message", [
    (["--sample", "0"], "--sample"), (["--spec", "nosuch"], "unknown spec"),
    (["--min-score", "2"], "--min-score")])
def test_cli_bad_usage_exits_2_with_one_line(args, message, capsys):
    code, cap = _run(["mutate", *args], capsys)
    assert code == 2 and message in cap.err and cap.err.count("\n") == 1


def test_cli_fails_when_the_score_is_too_low(tmp_path, capsys):
    spec = tmp_path / "toy.json"
    spec.write_text(json.dumps(TOY))
    code, cap = _run(["mutate", "--spec", str(spec), "--min-score", "1"], capsys)
    assert code == 1 and "FAILED" in cap.out
