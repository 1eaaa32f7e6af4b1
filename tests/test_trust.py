"""The trust boundary (issue 23): opening a file never runs code the user did not name,
and a hostile spec file cannot take the machine's memory."""

from __future__ import annotations

import json

import pytest

import hapair
from hapair.checker import trace
from hapair.cli import main
from hapair.spec import SpecError

EVIL = """import pathlib
pathlib.Path({marker!r}).write_text("ran")
SPEC = {{"name": "x", "machines": []}}
"""


def a_trace_naming(source: str) -> dict:
    spec = hapair.load("vrrp")
    result = hapair.check(spec, only=("TwoMastersOnPartition",), engines=("explicit",),
                          jobs=1)
    data = trace.to_json(spec, result.results[0].trace, "TwoMastersOnPartition", ())
    data["spec_source"] = source
    return data


@pytest.mark.parametrize("command", [["replay"], ["diagram", "--out", "d.svg", "--trace"]])
def test_opening_a_trace_never_runs_the_python_spec_it_names(tmp_path, monkeypatch, capsys,
                                                             command):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "ran.txt"
    (tmp_path / "evil.py").write_text(EVIL.format(marker=str(marker)))
    (tmp_path / "t.json").write_text(json.dumps(a_trace_naming("evil.py")))
    code = main([*command, "t.json"])
    err = capsys.readouterr().err
    assert code != 0 and not marker.exists()
    assert "a Python spec runs as code" in err and "--spec evil.py" in err
    assert len(err.strip().splitlines()) == 1


def test_a_spec_folder_with_a_python_spec_is_not_run_for_a_trace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "ran.txt"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "spec.py").write_text(EVIL.format(marker=str(marker)))
    with pytest.raises(SpecError, match="a Python spec runs as code"):
        trace.spec_of(a_trace_naming("mine"))
    assert not marker.exists()


def test_a_trace_of_a_built_in_spec_still_replays():
    assert trace.replay(a_trace_naming("vrrp")).violates()


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for k in range(1, 12):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]")
    lines.append("name: bomb")
    path = tmp_path / "spec.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 10_000
    with pytest.raises(SpecError, match="an alias bomb"):  # counted, never expanded
        hapair.load(str(path))


def test_yaml_aliases_within_the_limit_are_fine(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("name: small\nrow: &r {trigger: go, source: a, dest: b}\n"
                    "machines: [{name: m, scope: node, variable: m, initial: a, "
                    "states: [a, b], transitions: [*r, *r]}]\n"
                    "triggers: {go: {kind: operator}}\n")
    with pytest.raises(SpecError, match="row"):  # a key the format does not know
        hapair.load(str(path))


def test_a_huge_node_count_is_refused_before_anything_is_allocated():
    for nodes in (10 ** 9, ["n"] * 10 ** 6):  # a billion names were made, then counted
        with pytest.raises(SpecError, match="'nodes' must name 1 to 8 distinct nodes, got"):
            hapair.load({"name": "many", "nodes": nodes, "machines": []})


def test_validate_refuses_a_deeply_nested_line_in_one_line(tmp_path, capsys):
    log = tmp_path / "steps.jsonl"
    log.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["validate", str(log)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("steps.jsonl:1: not a step record (nested too deeply)")
    assert len(err.splitlines()) == 1


def test_a_configuration_line_with_a_nul_cannot_spoof_the_console_prompt():
    from hapair.runtime.node import Node

    now = [0.0]
    a = Node(1, clock=lambda: now[0])
    a.fire("power_on")
    now[0] = 1.0  # it has negotiated alone for its timeout: it boots active
    a.settle()
    assert a.state == "active_no_standby"
    with pytest.raises(hapair.HapairError, match="printable text"):
        a.fire("config_edit", line="\0vsg(config)# ")
    assert all("\0" not in line for line in a.running[1])


def test_python_m_hapair_imports_nothing_from_the_working_directory(tmp_path):
    import subprocess
    import sys

    marker = tmp_path / "ran.txt"
    for name in ("yaml.py", "tomllib.py"):
        (tmp_path / name).write_text(f"import pathlib\npathlib.Path({str(marker)!r})"
                                     ".write_text('ran')\n")
    (tmp_path / "t.json").write_text(json.dumps(a_trace_naming("vrrp")))
    done = subprocess.run([sys.executable, "-m", "hapair", "replay", "t.json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()


def test_a_trace_naming_a_data_spec_whose_view_names_code_never_imports_it(
        tmp_path, monkeypatch, capsys):
    # Found by the fault campaign: a JSON spec's "views" named any installed module, and
    # opening a trace that named that spec imported it and called it.
    from hapair import specs

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    marker = tmp_path / "ran.txt"
    (tmp_path / "viewbomb.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "def view(spec, state, node):\n    return None\n")
    data = dict(specs.read("vrrp")[0], views={"node": "viewbomb:view"})
    (tmp_path / "spec.json").write_text(json.dumps(data))
    (tmp_path / "t.json").write_text(json.dumps(a_trace_naming("spec.json")))
    code = main(["replay", "t.json"])
    err = capsys.readouterr().err
    assert code != 0 and not marker.exists()
    assert "spec 'views' names code" in err and len(err.strip().splitlines()) == 1


def test_a_view_that_fails_is_one_line_naming_it():
    from hapair import specs
    from hapair.spec.views import node_view

    spec = hapair.load(dict(specs.read("vrrp")[0], views={"node": "os:getcwd"}))
    with pytest.raises(SpecError, match="spec 'views': os:getcwd failed: TypeError"):
        node_view(spec, spec.initial, 1)
