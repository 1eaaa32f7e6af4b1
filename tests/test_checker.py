"""The checker on the built-in VSG spec: verdicts, pinned state counts, the partition
counterexample, coverage, and the outputs CI reads."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import resources

import pytest

import hapair
from hapair.checker import trace
from hapair.checker.run import check
from hapair.cli import main
from hapair.reports import text as report

EXPECTED = json.loads(resources.files("hapair.specs.vsg").joinpath("expected.json").read_text())


@pytest.fixture(scope="module")
def vsg():
    return hapair.load()


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """``hapair check --engine explicit`` on the whole spec, run once for the module: its
    exit code, its output folder, and the ``CheckResult`` it printed and wrote (the
    ``explicit`` fixture: the verdict tests read the very run the CLI made)."""
    import hapair.checker.run as run

    tmp, made = tmp_path_factory.mktemp("cli"), []

    def keep(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    real = run.check
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "check", keep)
        code = main(["check", "--engine", "explicit", "--out", str(tmp / "out"), "--json",
                     str(tmp / "r.json"), "--junit", str(tmp / "j.xml")])
    assert len(made) == 1
    return code, tmp, made[0]


@pytest.fixture(scope="module")
def explicit(cli_run):
    return cli_run[2]


def test_every_property_has_its_expected_verdict(explicit):
    assert {r.name: r.verdict for r in explicit.results} == EXPECTED["properties"]
    assert explicit.ok


def test_state_counts_are_pinned(explicit):
    got = [{"assume": list(s.assume), "variables": len(s.variables), "states": s.states,
            "edges": s.edges} for s in explicit.slices]
    assert got == EXPECTED["slices"]


def test_no_dead_transition_no_deadlock_no_vacuous_property(explicit):
    assert explicit.dead_transitions == []
    assert all(s.deadlocks == 0 for s in explicit.slices)
    assert all(r.witnesses > 0 for r in explicit.results if r.verdict == "proved")
    assert not [r.name for r in explicit.results if r.verdict == "vacuous"]


def test_the_partition_counterexample_is_shown_and_replays(vsg, explicit):
    r = next(r for r in explicit.results if r.name == "DualActiveOnPartition")
    events = [(s.trigger, s.node) for s in r.trace.steps]
    assert ("link_down", None) in events
    assert len(events) == 5  # the shortest: two boots, a partition, around it two powers
    data = trace.to_json(vsg, r.trace, r.name, r.assume)
    assert trace.replay(trace.validate(data), vsg).violates()
    lines = report.trace_lines(vsg, data)
    assert lines[-1].strip() == "Redundancy state: Not present"
    assert "      Internal state: Active with no standby" in "\n".join(lines)


def test_json_report_schema(vsg, explicit):
    doc = json.loads(json.dumps(report.to_json(explicit, vsg)))
    assert doc["schema"] == "hapair-check/1" and doc["ok"] is True
    names = [p["name"] for p in doc["properties"]]
    assert names == list(EXPECTED["properties"])
    keys = {"name", "kind", "meaning", "assume", "expect", "verdict", "engine", "ok",
            "states", "edges", "seconds", "depth", "witnesses", "note", "trace", "guide",
            "witness"}
    assert all(set(p) == keys for p in doc["properties"])
    bad = next(p for p in doc["properties"] if p["name"] == "DualActiveOnPartition")
    assert bad["trace"]["format"] == "hapair-trace/1" and bad["ok"] is True


def test_junit_report_has_one_case_per_property(explicit):
    root = ET.fromstring(report.to_junit(explicit))
    cases = root.findall("testcase")
    assert [c.get("name") for c in cases] == list(EXPECTED["properties"])
    assert root.get("failures") == "0" and not root.findall(".//failure")


def test_itf_trace(vsg, explicit):
    r = next(r for r in explicit.results if r.name == "DualActiveOnPartition")
    itf = trace.to_itf(trace.to_json(vsg, r.trace, r.name))
    assert itf["#meta"]["format"] == "ITF" and "link" in itf["vars"]
    assert itf["states"][0]["link"] == "up" and itf["states"][-2]["link"] == "down"


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_exit_0_and_files(cli_run):
    code, tmp_path, result = cli_run
    assert code == 0 and result.ok
    assert (tmp_path / "out" / "DualActiveOnPartition.trace.json").exists()
    assert (tmp_path / "out" / "DualActiveOnPartition.itf.json").exists()
    assert json.loads((tmp_path / "r.json").read_text())["ok"] is True
    ET.parse(tmp_path / "j.xml")


def _props(tmp_path, *decls):
    path = tmp_path / "props.json"
    path.write_text(json.dumps(list(decls)))
    return str(path)


def test_a_user_property_that_fails_exits_1_with_a_replayable_trace(tmp_path, capsys):
    f = _props(tmp_path, {"name": "SecondaryNeverActive", "kind": "always",
                          "meaning": "module 2 is never active", "expr": "not n2_active"})
    code, out, _ = _run(["check", "--engine", "explicit", "--properties", f,
                         "--property", "SecondaryNeverActive", "--out",
                         str(tmp_path / "o"), "--emit-pytest", str(tmp_path / "t")], capsys)
    assert code == 1
    assert "VIOLATION: SecondaryNeverActive" in out
    code, out, _ = _run(["replay", str(tmp_path / "o" / "SecondaryNeverActive.trace.json")],
                        capsys)
    assert code == 0 and "replayed" in out
    emitted = tmp_path / "t" / "test_secondaryneveractive.py"
    assert emitted.exists()


def test_emitted_pytest_passes(tmp_path, capsys):
    _run(["check", "--engine", "explicit", "--property", "DualActiveOnPartition", "--out",
          str(tmp_path / "o"), "--emit-pytest", str(tmp_path / "t")], capsys)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(tmp_path / "t")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_an_expected_violation_that_does_not_happen_fails(tmp_path, capsys):
    f = _props(tmp_path, {"name": "Wrong", "kind": "always", "expect": "violated",
                          "expr": "True"})
    assert _run(["check", "--engine", "explicit", "--properties", f, "--property", "Wrong",
                 "--out", str(tmp_path)], capsys)[0] == 1


def test_a_vacuous_property_fails(tmp_path, capsys):
    f = _props(tmp_path, {"name": "NoPartitionStep", "kind": "action", "on": ["link_down"],
                          "assume": ["no_partition"], "require": "True"})
    code, out, _ = _run(["check", "--engine", "explicit", "--properties", f, "--property",
                         "NoPartitionStep", "--out", str(tmp_path)], capsys)
    assert code == 1 and "vacuous" in out


@pytest.mark.parametrize("decl, message", [
    ({"name": "X", "kind": "always", "expr": "n3.state == 'off'"}, "unknown name 'n3.state'"),
    ({"name": "X", "kind": "always", "expr": "n1.state == 'on'"}, "'on' is not a value here"),
    ({"name": "X", "kind": "always", "expr": "n1.state =="}, "cannot parse"),
    ({"name": "X", "kind": "sometimes", "expr": "True"}, "kind must be"),
    ({"name": "X", "kind": "always", "expr": "True", "assume": ["calm"]},
     "unknown assumption 'calm'"),
    ({"name": "X", "kind": "action", "on": ["explode"], "require": "True"},
     "neither a trigger nor a tag"),
])
def test_malformed_properties_exit_2_with_one_line(tmp_path, capsys, decl, message):
    code, out, err = _run(["check", "--properties", _props(tmp_path, decl)], capsys)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON"),
    ('{"format": "other"}', "not a hapair trace"),
    ('{"format": "hapair-trace/1", "steps": []}', "non-empty list"),
    ('{"format": "hapair-trace/1", "spec": "vsg", "property": "P", "steps": [{"state": {}}, '
     '{"event": "fly", "node": 1, "state": {}}]}', "does not replay"),
    ('{"format": "hapair-trace/1", "property": "P", "steps": [{"state": {}}, '
     '{"event": "fly", "node": 1, "state": {}}]}', "names no spec"),
])
def test_corrupt_trace_files_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "t.json"
    path.write_text(content)
    code, _, err = _run(["replay", str(path)], capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_unknown_property_names_the_available_ones(capsys):
    code, _, err = _run(["check", "--property", "Nope"], capsys)
    assert code == 2 and "available: NoDualActive" in err


def test_the_machine_stays_inside_what_the_checker_explored(vsg, explicit):
    import random

    from hapair.runtime.pair import InvalidState, Pair
    from hapair.spec import EventNotAllowed

    pair, rng = Pair(vsg, explored=explicit.explored()), random.Random(7)
    for _ in range(2000):
        pair.fire(*rng.choice(pair.allowed()))  # never refused: every step was explored
    values = dict(Pair(vsg).values, **{"n1.state": "ha_standby", "n2.state": "ha_standby"})
    nowhere = Pair(vsg, state=vsg.encode(values), explored=explicit.explored())
    with pytest.raises(EventNotAllowed, match="leaves the explored state space"):
        nowhere.fire("power_off", 1)
    assert nowhere.values == values
    with pytest.raises(InvalidState, match="AtMostOneHAStandby"):
        pair.restore({"spec": vsg.name, "state": values})
    # Every invariant holds, but no run reaches it (role standalone, administrative
    # role primary: standalone -> primary takes effect at once): refused too.
    saved = pair.save()
    pair.restore(saved)
    odd = dict(Pair(vsg).values, **{"n1.role": "standalone", "n1.admin_role": "primary"})
    with pytest.raises(InvalidState, match="outside the checked reachable set"):
        pair.restore({"spec": vsg.name, "state": odd})
    assert pair.save() == saved
    with pytest.raises(InvalidState, match="outside its domain"):
        pair.restore({"spec": vsg.name, "state": dict(saved["state"], **{"n1.restarts": 9})})


def test_assumptions_can_be_dropped_to_see_why_they_are_there(tmp_path, capsys):
    code, out, _ = _run(["check", "--engine", "explicit", "--no-assumptions", "--property",
                         "NoDualActive", "--out", str(tmp_path)], capsys)
    assert code == 1 and "VIOLATION: NoDualActive" in out
    code, out, _ = _run(["check", "--engine", "explicit", "--assume", "no_partition",
                         "--assume", "fixed_pairing", "--property", "NoDualActive", "--out",
                         str(tmp_path)], capsys)
    assert code == 0
    assert _run(["check", "--assume", "calm"], capsys)[0] == 2


def _explore_both(capsys, *args) -> None:
    code, fast, _ = _run(["explore", *args], capsys)
    code2, ref, _ = _run(["explore", "--reference", *args], capsys)
    assert code == code2 == 0
    assert fast.split(",")[:3] == ref.split(",")[:3]


def test_explore_counts_a_smaller_full_product_with_both_engines(capsys):
    # 55,336 states (MAX_RESTARTS=0, MORE_DOWN=0); the product at the spec's bounds is
    # slow-marked below.
    _explore_both(capsys, "--bound", "MAX_RESTARTS=0", "--bound", "MORE_DOWN=0", "--assume",
                  "no_partition", "--assume", "fixed_pairing")


@pytest.mark.slow
def test_explore_counts_the_full_product_with_both_engines(capsys):
    # 2,557,160 states: the reference BFS takes a few minutes.
    _explore_both(capsys, "--assume", "no_partition", "--assume", "fixed_pairing")


def _agree(reference, packed) -> None:
    assert [(s.assume, s.states, s.edges, s.depth) for s in reference.slices] == \
        [(s.assume, s.states, s.edges, s.depth) for s in packed.slices]
    assert [(r.name, r.verdict, r.witnesses, len(r.trace) if r.trace else None)
            for r in reference.results] == \
        [(r.name, r.verdict, r.witnesses, len(r.trace) if r.trace else None)
         for r in packed.results]


def test_the_packed_engine_and_the_reference_bfs_agree_on_the_smaller_slices(vsg, explicit):
    # Every property whose slice has at most 20,000 states (the whole run is slow-marked):
    # each kind of property, with and without assumptions.
    small = tuple(r.name for r in explicit.results if r.states <= 20_000)
    kinds = {vsg.properties[n].kind for n in small}
    assert len(small) >= 40 and {"always", "action", "leads_to", "scenario"} <= kinds
    _agree(check(vsg, only=small, engines=("explicit",), reference=True),
           check(vsg, only=small, engines=("explicit",)))


@pytest.mark.slow
def test_the_packed_engine_and_the_reference_bfs_agree(vsg, explicit):
    _agree(check(vsg, engines=("explicit",), reference=True), explicit)


@pytest.mark.parametrize("args", [["explore", "--assume", "calm"],
                                  ["export", "--promela", "x.pml", "--assume", "calm"]])
def test_unknown_assumptions_exit_2_and_write_nothing(tmp_path, monkeypatch, capsys, args):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(args, capsys)
    assert code == 2 and "unknown assumption 'calm'" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_output_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path, capsys):
    code, _, err = _run(["export", "--promela", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in err and "Traceback" not in err
    (tmp_path / "afile").write_text("x")
    code, _, err = _run(["diagrams", "--out", str(tmp_path / "afile")], capsys)
    assert code == 2 and "expected a directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_user_property_trace_replays_and_its_emitted_test_passes(tmp_path, capsys):
    f = _props(tmp_path, {"name": "SecondaryNeverActive", "kind": "always",
                          "expr": "not n2_active"})
    _run(["check", "--engine", "explicit", "--properties", f, "--property",
          "SecondaryNeverActive", "--out", str(tmp_path / "o"), "--emit-pytest",
          str(tmp_path / "t")], capsys)
    code, out, _ = _run(["replay", str(tmp_path / "o" / "SecondaryNeverActive.trace.json")],
                        capsys)
    assert code == 0 and "SecondaryNeverActive: violated by this run" in out
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(tmp_path / "t")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_misspelt_property_key_is_refused(tmp_path, capsys):
    f = _props(tmp_path, {"name": "A", "kind": "always", "expr": "True", "expext": "violated"})
    code, _, err = _run(["check", "--properties", f], capsys)
    assert code == 2 and "unknown key 'expext'" in err


def test_a_nested_slice_must_be_the_projection_of_the_certified_one():
    import numpy as np

    from hapair.checker.run import _projection_keys

    def _same_projection(wide, narrow, keep):
        sizes = [6] * len(wide[0])
        return np.array_equal(_projection_keys(wide, keep, sizes),
                              _projection_keys(narrow, keep, sizes))

    wide = [(0, 1, 0), (1, 1, 1), (1, 0, 1)]
    assert _same_projection(wide, [(0, 0, 0), (1, 0, 1)], [0, 2])
    assert not _same_projection(wide, [(0, 0, 0)], [0, 2])
    assert not _same_projection(wide, [(0, 0, 0), (1, 0, 0)], [0, 2])
    # the same values in each column, paired otherwise: not the projection
    assert not _same_projection([(0, 1), (1, 0)], [(0, 0), (1, 1)], [0, 1])
    assert _same_projection([(2, 5), (3, 4), (2, 5)], [(3, 4), (2, 5)], [0, 1])
