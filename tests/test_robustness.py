"""Bad input, interrupts and outputs (issue 10): each reproducer of the issue, as a test.

Every bad input is one line on stderr and exit 2 (never a traceback); flags, bounds and
output paths are checked before any work; special files are refused, never replaced;
an output set carries one run id; workers die with the parent.
"""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hapair
from hapair.cli import main
from hapair.specs.vsg.console import main as console_main


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("hapair"), err
    assert "Traceback" not in err
    for w in words:
        assert w in err, err


def _console(lines: str | bytes, tmp_path=None, script: bool = False):
    """Run the console on ``lines`` from stdin (or from a script file)."""
    data = lines.encode() if isinstance(lines, str) else lines
    out, err = io.StringIO(), io.StringIO()
    if script:
        path = tmp_path / "script.txt"
        path.write_bytes(data)
        code = console_main(["--script", str(path)], stdout=out, stderr=err)
    else:
        stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
        code = console_main([], stdin=stdin, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _props(tmp_path, *decls, raw: bytes | None = None) -> str:
    path = tmp_path / "props.json"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(json.dumps(list(decls)))
    return str(path)


def test_explore_of_a_product_too_wide_to_pack_is_one_line(capsys):
    """Issue 22: ``explore --bound MAX_RESTARTS=1000`` ended in a ValueError traceback."""
    _one_line_error(*_run(["explore", "--bound", "MAX_RESTARTS=1000"], capsys)[::2],
                    "needs 67 bits", "at most 63")


# -- the console -----------------------------------------------------------------------------

def _ha_pair_id(value: str):
    return _console(f"configure\nha-pair id {value}\nend\nshow system redundancy status\n")


def test_ha_pair_id_superscript_two_is_refused():
    code, out, err = _ha_pair_id("²")
    assert code == 0 and "% Invalid command at '^' marker." in out and not err


def test_ha_pair_id_arabic_indic_one_is_refused_not_taken_as_1():
    code, out, _ = _ha_pair_id("١")
    assert code == 0 and "% Invalid command at '^' marker." in out


def test_ha_pair_id_with_5000_digits_is_refused():
    code, out, err = _ha_pair_id("9" * 5000)
    assert code == 0 and "% Invalid command at '^' marker." in out and not err


def test_form_feed_is_handled_the_same_in_script_and_on_stdin(tmp_path):
    text = "show system redundancy status\fshow running-config\nexit\n"
    stdin = _console(text)
    script = _console(text, tmp_path, script=True)
    assert stdin == script
    assert stdin[1].count("vsg# ") == 2  # one line (refused at the form feed), then exit


def test_non_utf8_is_handled_the_same_in_script_and_on_stdin(tmp_path):
    data = b"configure\nhostname \xff\xfe\nend\n"
    stdin = _console(data)
    script = _console(data, tmp_path, script=True)
    assert stdin[0] == script[0] == 2
    assert stdin[2].split(": ", 2)[2] == script[2].split(": ", 2)[2]  # all but the name
    _one_line_error(stdin[0], stdin[2], "line 2 is not UTF-8")


# -- files -----------------------------------------------------------------------------------

def test_non_utf8_properties_file_is_one_line(tmp_path, capsys):
    path = _props(tmp_path, raw=b'[{"name": "A\xff", "kind": "always", "expr": "True"}]')
    _one_line_error(*_run(["check", "--properties", path], capsys)[::2], "not UTF-8")


@pytest.mark.parametrize("command", ["properties", "replay", "diagram", "console"])
def test_a_device_or_directory_as_input_is_one_line(tmp_path, capsys, command):
    argv = {"properties": ["check", "--properties", "/dev/zero"],
            "replay": ["replay", str(tmp_path)],
            "diagram": ["diagram", "--trace", "/dev/zero", "--out", str(tmp_path / "p")],
            "console": ["console", "--script", "/dev/zero"]}
    _one_line_error(*_run(argv[command], capsys)[::2], "not a file")


def test_non_utf8_replay_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "t.trace.json"
    path.write_bytes(b'{"format": "hapair-trace/1\xff"}')
    _one_line_error(*_run(["replay", str(path)], capsys)[::2], "not UTF-8")


def test_non_utf8_diagram_trace_is_one_line(tmp_path, capsys):
    path = tmp_path / "t.itf.json"
    path.write_bytes(b'{"states": [{"x\xff": 1}]}')
    _one_line_error(*_run(["diagram", "--trace", str(path), "--out", str(tmp_path / "p")],
                          capsys)[::2], "not UTF-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.itf.json"]


@pytest.mark.parametrize("command", ["properties", "replay", "diagram"])
def test_deeply_nested_json_is_one_line(tmp_path, capsys, command):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    argv = {"properties": ["check", "--properties", str(path)],
            "replay": ["replay", str(path)],
            "diagram": ["diagram", "--trace", str(path), "--out", str(tmp_path / "p")]}
    _one_line_error(*_run(argv[command], capsys)[::2], "nested")


@pytest.mark.parametrize("field, value", [("on", 5), ("assume", None), ("name", True),
                                          ("meaning", 5), ("meaning", ["x"]), ("expr", 1),
                                          ("on", [1]), ("assume", "no_partition"),
                                          ("expect", None), ("kind", ["always"])])
def test_property_field_of_wrong_type_is_refused_at_load(tmp_path, capsys, field, value):
    decl = {"name": "A", "kind": "action", "on": ["reload"], "require": "True"}
    decl[field] = value
    _one_line_error(*_run(["check", "--properties", _props(tmp_path, decl)], capsys)[::2],
                    repr(field))


def test_non_string_meaning_is_refused_before_any_output(tmp_path, capsys):
    decl = {"name": "A", "kind": "always", "expr": "True", "meaning": 5}
    code, _, err = _run(["check", "--properties", _props(tmp_path, decl), "--json",
                         str(tmp_path / "c.json"), "--junit", str(tmp_path / "j.xml")], capsys)
    _one_line_error(code, err, "'meaning'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["props.json"]


@pytest.mark.parametrize("count", [3000, 2400, 60])
def test_3000_nested_not_is_one_line(tmp_path, capsys, count):
    decl = {"name": "A", "kind": "always", "expr": "not " * count + "True"}
    _one_line_error(*_run(["check", "--properties", _props(tmp_path, decl)], capsys)[::2],
                    "property 'A' (expr)")


def test_a_very_long_expression_is_one_line(tmp_path, capsys):
    decl = {"name": "A", "kind": "always", "expr": " and ".join(["True"] * 20_000)}
    _one_line_error(*_run(["check", "--properties", _props(tmp_path, decl)], capsys)[::2],
                    "characters")


def _trace(tmp_path, **changes) -> str:
    data = {"format": "hapair-trace/1", "spec": "vsg", "bounds": {"MAX_RESTARTS": 1},
            "property": "InternalStepsNeverPowerOff", "assume": [], "tracked": ["n1.state"],
            "loop": None, "steps": [{"event": None, "node": None, "state": {"n1.state": "off"}},
                                    {"event": "power_on", "node": 1,
                                     "state": {"n1.state": "booting"}}]}
    data.update(changes)
    path = tmp_path / "t.trace.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_replay_of_a_valid_trace_still_works(tmp_path, capsys):
    code, out, _ = _run(["replay", _trace(tmp_path)], capsys)
    assert code == 0 and "InternalStepsNeverPowerOff: not violated" in out


def test_replay_node_3_is_refused(tmp_path, capsys):
    steps = [{"event": None, "node": None, "state": {}},
             {"event": "power_on", "node": 3, "state": {}}]
    _one_line_error(*_run(["replay", _trace(tmp_path, steps=steps)], capsys)[::2],
                    "step 1", "needs a node (1, 2), got 3")


def test_replay_bounds_as_a_list_is_refused(tmp_path, capsys):
    _one_line_error(*_run(["replay", _trace(tmp_path, bounds=["MAX_RESTARTS", 1])],
                          capsys)[::2], "'bounds'")


def test_replay_action_property_with_a_one_step_trace_is_refused(tmp_path, capsys):
    steps = [{"event": None, "node": None, "state": {"n1.state": "off"}}]
    _one_line_error(*_run(["replay", _trace(tmp_path, steps=steps)], capsys)[::2],
                    "at least 2 steps")


@pytest.mark.parametrize("field, value", [("property", ["x"]), ("tracked", "n1.state"),
                                          ("loop", True), ("spec", 5),
                                          ("bounds", {"MAX_RESTARTS": "1"})])
def test_replay_other_fields_of_the_wrong_type_are_refused(tmp_path, capsys, field, value):
    _one_line_error(*_run(["replay", _trace(tmp_path, **{field: value})], capsys)[::2],
                    repr(field))


def _itf(tmp_path, data) -> list[str]:
    path = tmp_path / "t.itf.json"
    path.write_text(json.dumps(data))
    return ["diagram", "--trace", str(path), "--out", str(tmp_path / "pic")]


def test_diagram_itf_states_of_numbers_is_refused(tmp_path, capsys):
    _one_line_error(*_run(_itf(tmp_path, {"states": [1, 2]}), capsys)[::2], "state 0")
    assert not (tmp_path / "pic.dot").exists()


def test_diagram_itf_empty_states_is_refused(tmp_path, capsys):
    _one_line_error(*_run(_itf(tmp_path, {"states": []}), capsys)[::2], "'states'")
    assert not (tmp_path / "pic.dot").exists()


@pytest.mark.parametrize("data, word", [({"states": [{}], "loop": 5}, "'loop'"),
                                        ({"states": [{}], "vars": 3}, "'vars'"),
                                        ({"states": [{"#meta": 1}, {"#meta": {"node": []}}]},
                                         "'#meta'")])
def test_diagram_itf_other_malformed_fields_are_refused(tmp_path, capsys, data, word):
    _one_line_error(*_run(_itf(tmp_path, data), capsys)[::2], word)


# -- flags -----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["check"], ["explore"], ["export", "--promela", "x.pml"],
                                     ["replay", "x.json"]])
@pytest.mark.parametrize("value", ["²", "١", "1099511627776", "9" * 5000, "-1", " 1", "1.0"])
def test_bound_values_are_ascii_numbers_in_range(tmp_path, monkeypatch, capsys, command, value):
    monkeypatch.chdir(tmp_path)
    _one_line_error(*_run([*command, "--bound", f"MAX_RESTARTS={value}"], capsys)[::2],
                    "--bound")
    assert list(tmp_path.iterdir()) == []


def test_explore_bound_2_to_the_40_is_refused_before_exploring(capsys):
    start = time.perf_counter()
    _one_line_error(*_run(["explore", "--bound", "MAX_RESTARTS=1099511627776"], capsys)[::2],
                    "0..1000")
    assert time.perf_counter() - start < 5


def test_an_unknown_bound_is_refused_before_work(capsys):
    _one_line_error(*_run(["explore", "--bound", "MAX_RESTART=2"], capsys)[::2],
                    "unknown bound 'MAX_RESTART'")


def test_export_promela_bound_300_sizes_the_counter_to_the_bound(tmp_path, capsys):
    pml = tmp_path / "m.pml"
    code, _, err = _run(["export", "--promela", str(pml), "--bound", "MAX_RESTARTS=300"], capsys)
    assert code == 0, err
    text = pml.read_text()
    assert "short n1_restarts = 0;" in text and "byte n1_restarts" not in text
    assert "byte n1_state" in text  # the small ones stay bytes


@pytest.mark.parametrize("value", ["-1", "100000", "65", "x", "６"])
def test_liveness_depth_out_of_range_is_refused(capsys, value):
    _one_line_error(*_run(["check", "--liveness-depth", value], capsys)[::2],
                    "--liveness-depth", "0..64")


@pytest.mark.parametrize("flag", ["--json", "--junit", "--html", "--out", "--emit-pytest",
                                  "--diagrams"])
def test_an_empty_output_path_is_refused(capsys, flag):
    _one_line_error(*_run(["check", "--property", "NoDualActive", flag, ""], capsys)[::2],
                    flag)


def test_an_empty_path_is_refused_by_every_command(capsys, tmp_path):
    _one_line_error(*_run(["export", "--promela", ""], capsys)[::2], "--promela")
    _one_line_error(*_run(["diagrams", "--out", ""], capsys)[::2], "--out")
    _one_line_error(*_run(["diagram", "--trace", _trace(tmp_path), "--out", ""], capsys)[::2],
                    "--out")


def test_property_reading_no_variable_reports_no_deadlock(tmp_path, capsys):
    f = _props(tmp_path, {"name": "Trivial", "kind": "always", "expr": "True"})
    code, out, err = _run(["check", "--properties", f, "--property", "Trivial", "--engine",
                           "explicit", "--out", str(tmp_path / "o")], capsys)
    assert code == 0, out + err
    assert "; 0 deadlocks" in out and "FAILED" not in out


def test_a_real_deadlock_is_still_reported():
    from hapair.checker.explicit import explore
    from hapair.checker.properties import deadlocks
    from hapair.model import Model

    sp = hapair.load(_stuck_spec())
    assert len(deadlocks(explore(Model(sp)))) == 1
    # A slice that tracks nothing cannot tell 'a' (go is enabled) from 'b': no claim.
    assert deadlocks(explore(Model(sp, keep=frozenset()))) == []


def _stuck_spec() -> dict:
    """One global machine that goes a -> b and then has nothing left to do."""
    return {"name": "stuck", "machines": [
        {"name": "m", "scope": "global", "variable": "m", "states": ["a", "b"],
         "initial": "a", "transitions": [{"trigger": "go", "source": "a", "dest": "b"}]}],
        "triggers": {"go": {"kind": "internal"}}}


def test_a_newline_in_an_argument_keeps_the_error_on_one_line(capsys):
    _one_line_error(*_run(["check", "--frob\nnicate"], capsys)[::2], "--frob\\nnicate")
    _one_line_error(*_run(["check", "--json", "a\nb/\x00"], capsys)[::2], "--json")
    err = io.StringIO()
    code = console_main(["\n"], stdout=io.StringIO(), stderr=err)
    _one_line_error(code, err.getvalue(), "unrecognized arguments")


def test_an_unknown_engine_or_bad_flag_is_one_line(capsys):
    _one_line_error(*_run(["check", "--engine", "tlc"], capsys)[::2], "--engine")
    _one_line_error(*_run(["check", "--frobnicate"], capsys)[::2], "--frobnicate")
    _one_line_error(*_run([], capsys)[::2])


# -- paths -----------------------------------------------------------------------------------

def test_diagrams_out_under_proc_fails_before_work(capsys):
    start = time.perf_counter()
    _one_line_error(*_run(["diagrams", "--out", "/proc/hapair-x"], capsys)[::2], "/proc")
    _one_line_error(*_run(["check", "--diagrams", "/proc/hapair-x"], capsys)[::2], "/proc")
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("flag", ["--json", "--junit", "--html"])
def test_an_output_in_an_unwritable_place_fails_before_work(capsys, flag):
    start = time.perf_counter()
    _one_line_error(*_run(["check", flag, "/proc/hapair-x/c.json"], capsys)[::2], flag)
    assert time.perf_counter() - start < 5


def test_a_300_character_property_name_is_refused_at_load(tmp_path, capsys):
    decl = {"name": "A" * 300, "kind": "always", "expr": "False"}
    code, _, err = _run(["check", "--properties", _props(tmp_path, decl), "--out",
                         str(tmp_path / "o"), "--engine", "explicit"], capsys)
    _one_line_error(code, err, "at most 100 characters")
    assert not (tmp_path / "o").exists()


def test_a_too_long_file_name_is_refused_before_work(tmp_path, capsys):
    _one_line_error(*_run(["check", "--json", str(tmp_path / ("x" * 300))], capsys)[::2],
                    "--json", "too long")


@pytest.mark.parametrize("kind", ["fifo", "symlink", "device"])
def test_special_files_are_refused_never_replaced(tmp_path, capsys, kind):
    target = tmp_path / "special"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "real.pml").write_text("keep me")
        target.symlink_to(tmp_path / "real.pml")
    else:
        try:
            os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except (PermissionError, OSError):
            pytest.skip("cannot make a device node here")
    before = os.lstat(target)
    _one_line_error(*_run(["export", "--promela", str(target)], capsys)[::2], "--promela",
                    "not a regular file")
    after = os.lstat(target)
    assert (before.st_ino, before.st_mode) == (after.st_ino, after.st_mode)
    if kind == "symlink":
        assert (tmp_path / "real.pml").read_text() == "keep me"


def test_the_atomic_writer_refuses_special_files_too(tmp_path):
    from hapair.checker.trace import write_text
    from hapair.spec import HapairError

    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(HapairError, match="not a regular file"):
        write_text(tmp_path / "fifo", "x")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)


def test_an_output_set_carries_one_run_id(tmp_path, capsys):
    f = _props(tmp_path, {"name": "SecondaryNeverActive", "kind": "always",
                          "expr": "not n2_active"})
    code, _, err = _run(["check", "--engine", "explicit", "--properties", f, "--property",
                         "SecondaryNeverActive", "--out", str(tmp_path / "o"), "--json",
                         str(tmp_path / "c.json"), "--junit", str(tmp_path / "j.xml"), "--html",
                         str(tmp_path / "r.html")], capsys)
    assert code == 1, err
    run_id = json.loads((tmp_path / "c.json").read_text())["run_id"]
    assert len(run_id) >= 12
    assert f'name="hapair.run_id" value="{run_id}"' in (tmp_path / "j.xml").read_text()
    assert f'<meta name="hapair-run-id" content="{run_id}">' in \
        (tmp_path / "r.html").read_text()
    o = tmp_path / "o"
    assert json.loads((o / "SecondaryNeverActive.trace.json").read_text())["run_id"] == run_id
    assert json.loads((o / "SecondaryNeverActive.itf.json").read_text())["#meta"]["run_id"] \
        == run_id
    assert not [p for p in tmp_path.rglob(".*")]  # no temporary file is left


def test_an_interrupted_write_leaves_the_old_set_whole(tmp_path, capsys, monkeypatch):
    args = ["check", "--engine", "explicit", "--property", "NoDualActive", "--json",
            str(tmp_path / "c.json"), "--junit", str(tmp_path / "j.xml")]
    assert _run(args, capsys)[0] == 0
    old = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    from hapair.reports import html as report

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "html_text", interrupted)
    assert _run([*args, "--html", str(tmp_path / "r.html")], capsys)[0] == 130
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old


# -- signals ---------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat_file.parent.name))
    return out


# How long a signalled check may take to stop: a liveness bound, not a speed target (on a
# loaded 2-core machine the parent can be inside a long NumPy call when the signal comes).
PATIENCE = 60


def _as_from_a_terminal() -> None:
    """SIGINT's default action in the child, as a shell gives a foreground command: a test
    runner's worker may ignore SIGINT, and a program started so keeps ignoring it (as
    hapair rightly does, like any program started in the background)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_check(tmp_path, **popen):
    """``hapair check`` in a child process, once its two z3 workers run (with a proof
    cache of its own: one that another test filled would leave them nothing to do)."""
    proc = subprocess.Popen([sys.executable, "-m", "hapair", "check", "--out",
                             str(tmp_path / "o"), "--json", str(tmp_path / "c.json")],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "HAPAIR_CACHE_DIR": str(tmp_path / "cache")},
                            text=True, preexec_fn=_as_from_a_terminal, **popen)
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) >= 2 and _busy(workers):  # killed in the middle of z3 work
            return proc, workers
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no z3 workers started")


def _cpu(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def _busy(pids) -> bool:
    """Does some worker use the CPU (z3 at work, not waiting for a task)?"""
    before = {p: _cpu(p) for p in pids}
    time.sleep(0.2)
    return any(_cpu(p) > before[p] for p in pids)


def _alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in text


def _gone(pids, seconds: float = 1.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(sys.platform != "linux" or (os.cpu_count() or 1) < 2,
                    reason="prctl and /proc are Linux's; one core runs z3 without workers")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_the_parent(tmp_path, sig):
    proc, workers = _start_check(tmp_path)
    proc.send_signal(sig)
    proc.wait(timeout=PATIENCE)
    err = proc.stderr.read()
    assert _gone(workers), f"orphan z3 workers after {sig.name}"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.count("\n") <= 1, err
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143,
                               signal.SIGKILL: -signal.SIGKILL}[sig]
    assert not (tmp_path / "c.json").exists()


@pytest.mark.skipif(sys.platform != "linux" or (os.cpu_count() or 1) < 2,
                    reason="process groups and /proc; one core runs z3 without workers")
def test_ctrl_c_on_the_whole_process_group_prints_no_traceback(tmp_path):
    """A terminal's Ctrl-C goes to every process of the foreground group, workers too."""
    proc, workers = _start_check(tmp_path, start_new_session=True)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=PATIENCE)
    err = proc.stderr.read()
    assert proc.returncode == 130 and "Traceback" not in err and err.count("\n") <= 1, err
    assert _gone(workers)


def test_an_os_error_with_no_file_says_what_failed(monkeypatch, capsys):
    # The fresh Debian 12 run (issue 10): a /dev/shm the user cannot write made z3's
    # worker pool fail with a PermissionError that names no file, and the line read
    # "hapair: error: : Permission denied".
    import hapair.checker.run

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(hapair.checker.run, "check", refused)
    code, _, err = _run(["check", "--property", "NoDualActive"], capsys)
    _one_line_error(code, err, "the system refused an operation (PermissionError)",
                    "Permission denied")
    assert ": :" not in err
