"""Fuzzing every surface a user reaches (issue 10): the console, each file the CLI reads
(specs, properties, hapair traces, ITF traces), every flag, and an output set cut short.

The property, for each input: the exit code is 0, 1 or 2 as documented; exit 2 is
exactly one line on stderr; there is never a traceback; no file is left that
contradicts the others.  Each surface runs in-process with a fixed budget (100
examples, derandomized); ``pytest -m long tests/test_fuzz.py`` runs 10,000 a surface.
Work that would take seconds (a checker run, an exploration, drawing) is replaced by a
stub that raises ``Reached``: the flags were accepted, and the run would have begun.
Spec files are TOML, YAML and JSON ones made from the built-in ``vrrp`` and ``trio``
specs by a few edits anywhere in them; a ``.py`` spec is the user's own program, which
``--spec`` runs, so it is not fuzzed (its exceptions are one line: ``tests/test_spec_format``).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import hapair
import hapair.checker.explicit
import hapair.checker.fast
import hapair.checker.promela
import hapair.checker.run
import hapair.diagrams
import hapair.diagrams.render
import hapair.specs
from hapair import cli
from hapair.checker import files
from hapair.specs.vsg import console

FAST = settings(max_examples=100, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SLOW = settings(FAST, max_examples=10_000)


class Reached(Exception):
    """The stubbed work was reached: every check before it passed."""


def _reached(*args, **kwargs):
    raise Reached


def _run_cli(argv: list[str]) -> tuple[int | None, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except Reached:
            code = None
    return code, out.getvalue(), err.getvalue()


def _assert_documented(code, out: str, err: str, allowed=(0, 1, 2)) -> None:
    event("work reached" if code is None else f"exit {code}")
    assert "Traceback" not in out + err, err
    if code is None:  # the work was reached
        return
    assert code in allowed, (code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.endswith("\n"), err


@pytest.fixture
def quick(monkeypatch):
    """The built-in spec loaded once, and no long work."""
    real, cache = hapair.specs.load, {}

    def load_named(source="vsg", bounds=None, *, code=True):
        if source != "vsg" or not isinstance(bounds, (dict, type(None))):
            return real(source, bounds, code=code)
        key = tuple(sorted((bounds or {}).items()))
        if key not in cache:
            cache[key] = real("vsg", bounds)
        return cache[key]  # a spec is a value: nothing can change the cached one

    monkeypatch.setattr(hapair.specs, "load", load_named)
    monkeypatch.setattr(hapair.checker.run, "check", _reached)
    monkeypatch.setattr(hapair.checker.fast, "explore_fast", _reached)
    monkeypatch.setattr(hapair.checker.explicit, "explore", _reached)
    monkeypatch.setattr(hapair.checker.promela, "export", _reached)
    monkeypatch.setattr(hapair.diagrams, "write_all", _reached)
    monkeypatch.setattr(hapair.diagrams.render, "have_dot", lambda: False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def _workdir(base: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=base))


def _listing(d: Path) -> set:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


# -- shared strategies ------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=8)
digits = st.text(alphabet="0123456789", min_size=1, max_size=6000)
odd_numbers = st.sampled_from(["²", "١", "６", "-1", "1e3", "0x10", "1_000", " 1", "1.0"])


def _file_bytes(document) -> st.SearchStrategy:
    """A document as JSON bytes, or as bytes that are nearly JSON, or garbage."""
    odd = st.one_of(
        document.map(lambda d: json.dumps(d).encode()[:-1]),
        st.binary(max_size=200),
        st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
        digits.map(str.encode),
        st.text(max_size=50).map(lambda t: t.encode("utf-8", "surrogatepass")))
    return st.integers(0, 3).flatmap(
        lambda i: odd if i == 0 else document.map(lambda d: json.dumps(d).encode()))


# -- the console ------------------------------------------------------------------------------

def _keywords(tree: dict) -> set:
    out = set()
    for key, sub in tree.items():
        if key == console._ARG:
            out |= _keywords(sub[1])
        elif key != console._DO:
            out |= {key} | _keywords(sub)
    return out


WORDS = sorted(_keywords({**console.EXEC, **console.CONFIG, **console.LAB}))
console_words = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).flatmap(lambda w: st.integers(1, len(w)).map(lambda n: w[:n])),
    st.sampled_from(WORDS).map(str.upper),
    st.sampled_from(["1", "2", "0", "3", "4095", "4096", "?", "policy_engine", "sysmgr"]),
    odd_numbers, digits, st.text(max_size=8))
console_lines = st.one_of(
    st.lists(console_words, max_size=6).flatmap(
        lambda ws: st.sampled_from([" ", "  ", "\t", "\f", "\r", "\x0b"]).map(
            lambda sep: sep.join(ws))),
    st.lists(console_words, max_size=5).map(lambda ws: " ".join(ws) + "?"),
    st.text(max_size=30))
console_input = st.one_of(
    st.lists(console_lines, max_size=12).map(lambda ls: "\n".join(ls).encode("utf-8",
                                                                            "surrogatepass")),
    st.binary(max_size=300))


def _check_console(data: bytes, options: list, script: bool, where: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    if script:
        path = _workdir(where) / "script"
        path.write_bytes(data)
        code = console.main([*options, "--script", str(path)], stdout=out, stderr=err)
    else:
        stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
        code = console.main(options, stdin=stdin, stdout=out, stderr=err)
    _assert_documented(code, out.getvalue(), err.getvalue(), allowed=(0, 2))
    if code == 0:
        assert not err.getvalue()


console_cases = (console_input, st.sampled_from([[], ["--standalone"]]), st.booleans())


@pytest.fixture
def quick_lab(monkeypatch):
    """Labs built on one loaded spec (each one fresh)."""
    from hapair.specs.vsg.lab import Lab, settled, standalone

    sp = hapair.load()
    monkeypatch.setattr(console, "Lab", type("QuickLab", (Lab,), {
        "__init__": lambda self, pair=None, **k: Lab.__init__(self, pair or settled(sp),
                                                              **k),
        "standalone": classmethod(lambda cls, **k: cls(standalone(sp), **k))}))


@FAST
@given(*console_cases)
def test_fuzz_console(quick_lab, tmp_path, data, options, script):
    _check_console(data, options, script, tmp_path)


# -- files the CLI reads: properties ----------------------------------------------------------

TOKENS = ["n1.state", "n2.state", "link", "failover_lock", "dual_active", "pairable",
          "n1_active", "'off'", "'booting'", "'active_ha_standby'", "True", "False",
          "MAX_RESTARTS", "n1.restarts", "post.self.state", "pre.peer.state", "and", "or",
          "not", "==", "!=", "<", ">=", "in", "+", "-", "(", ")", "if", "else", "min", "max",
          ",", "0", "1", "99999999999999999999", "x", "self.state", "__import__", "lambda"]
expressions = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join),
                        st.integers(0, 3000).map(lambda n: "not " * n + "True"),
                        st.text(max_size=20))
decls = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(["A", "B1", "x_y", "A" * 101, "1a", "a-b", "A\n"]),
                       json_values),
     "kind": st.one_of(st.sampled_from(["always", "action", "leads_to", "sometimes"]),
                       json_values)},
    optional={"expr": expressions | json_values, "p": expressions, "q": expressions,
              "require": expressions | json_values,
              "on": st.lists(st.sampled_from(["reload", "*", "boot", "fly", "operator"]),
                             max_size=3) | json_values,
              "assume": st.lists(st.sampled_from(["no_partition", "fixed_pairing", "calm"]),
                                 max_size=2) | json_values,
              "meaning": st.text(max_size=10) | json_values,
              "expect": st.sampled_from(["holds", "violated"]) | json_values,
              "extra": json_values})
property_files = _file_bytes(st.lists(decls, max_size=3) | json_values)


@FAST
@given(property_files)
def test_fuzz_properties_file(quick, tmp_path, data):
    path = _workdir(tmp_path) / "props.json"
    path.write_bytes(data)
    code, out, err = _run_cli(["check", "--properties", str(path), "--property", "Zz"])
    _assert_documented(code, out, err)
    assert code is None or code == 2  # loading succeeds or fails; 'Zz' is never there


# -- files the CLI reads: specs ---------------------------------------------------------------

SPEC_SOURCES = {name: hapair.specs.read(name)[0] for name in ("vrrp", "trio")}
SPEC_TEXTS = {".toml": (Path(hapair.specs.__file__).parent / "vrrp" / "spec.toml").read_text(),
              ".yaml": (Path(hapair.specs.__file__).parent / "trio" / "spec.yaml").read_text()}


def _places(doc, at=()):
    """Every place in a nested document: the path of keys and indexes to it."""
    yield at
    inside = doc.items() if isinstance(doc, dict) else \
        enumerate(doc) if isinstance(doc, list) else ()
    for key, value in inside:
        yield from _places(value, (*at, key))


@st.composite
def spec_documents(draw):
    """A built-in spec's data with up to four edits: a value replaced (by any JSON value
    or an expression), a key or item removed, an unknown key added."""
    doc = copy.deepcopy(SPEC_SOURCES[draw(st.sampled_from(sorted(SPEC_SOURCES)))])
    for _ in range(draw(st.integers(0, 4))):
        *parent, last = draw(st.sampled_from([p for p in _places(doc) if p]))
        holder = doc
        for key in parent:
            holder = holder[key]
        edit = draw(st.sampled_from(["replace", "expression", "remove", "add"]))
        if edit == "remove":
            del holder[last]
        elif edit == "add" and isinstance(holder, dict):
            holder[draw(st.text(max_size=6))] = draw(json_values)
        else:
            holder[last] = draw(expressions if edit == "expression" else json_values)
    return doc


def _spec_text(doc, suffix: str) -> bytes:
    import yaml

    return (yaml.safe_dump(doc) if suffix == ".yaml" else json.dumps(doc)).encode()


@st.composite
def _text_edits(draw, text: str) -> bytes:
    """A spec file's text with a few lines removed, repeated or cut short."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["remove", "repeat", "cut", "replace"]))
        if edit == "remove":
            del lines[i]
        elif edit == "repeat":
            lines.insert(i, lines[i])
        elif edit == "cut":
            lines[i] = lines[i][:draw(st.integers(0, len(lines[i])))]
        else:
            lines[i] = draw(st.text(max_size=30)) + "\n"
    return "".join(lines).encode("utf-8", "surrogatepass")


spec_files = st.one_of(
    st.tuples(st.sampled_from([".json", ".yaml"]), spec_documents()).map(
        lambda c: (c[0], _spec_text(c[1], c[0]))),
    st.sampled_from(sorted(SPEC_TEXTS)).flatmap(
        lambda suffix: _text_edits(SPEC_TEXTS[suffix]).map(lambda b: (suffix, b))),
    st.tuples(st.sampled_from([".toml", ".yaml", ".json"]),
              _file_bytes(json_values)))


@FAST
@given(spec_files)
def test_fuzz_spec_file(quick, tmp_path, case):
    suffix, data = case
    path = _workdir(tmp_path) / f"spec{suffix}"
    path.write_bytes(data)
    code, out, err = _run_cli(["check", "--spec", str(path), "--property", "Zz"])
    _assert_documented(code, out, err)
    assert code is None or code == 2  # loading succeeds or fails; 'Zz' is never there


# -- files the CLI reads: hapair traces and ITF -----------------------------------------------

GOOD_STEPS = [{"event": None, "node": None, "state": {"n1.state": "off"}},
              {"event": "power_on", "node": 1, "state": {"n1.state": "booting"}}]
steps = st.lists(st.fixed_dictionaries(
    {"event": st.sampled_from([None, "power_on", "boot", "fly", "link_down"]) | json_values,
     "node": st.sampled_from([None, 1, 2, 3, True, 0, -1]) | json_values,
     "state": st.dictionaries(st.sampled_from(["n1.state", "n2.state", "link", "zz"]),
                              st.sampled_from(["off", "booting", "up", 1, None]) | json_values,
                              max_size=3) | json_values}), max_size=4)
def maybe(valid, *others) -> st.SearchStrategy:
    """Mostly ``valid``, sometimes one of ``others`` (so that deep paths are reached)."""
    other = st.one_of(*others)
    return st.integers(0, 9).flatmap(lambda i: other if i == 0 else st.just(valid))


traces = st.fixed_dictionaries(
    {"format": maybe("hapair-trace/1", st.just("hapair-trace/2"), json_values),
     "spec": maybe("vsg", st.just("other"), json_values),
     "bounds": maybe({"MAX_RESTARTS": 1}, st.dictionaries(
         st.sampled_from(["MAX_RESTARTS", "NOPE"]), st.integers(-2, 2000) | json_values,
         max_size=2), json_values),
     "property": maybe("InternalStepsNeverPowerOff", st.sampled_from(
         ["NoDualActive", "DualActiveResolved", "BootEnds", "Nope"]), json_values),
     "tracked": maybe(["n1.state"], st.just([]), json_values),
     "loop": maybe(None, st.integers(-1, 3), json_values),
     "steps": maybe(GOOD_STEPS, st.just(GOOD_STEPS[:1]), steps)},
    optional={"assume": json_values, "run_id": json_values,
              "definition": maybe({"name": "BootEnds", "kind": "leads_to",
                                   "p": "n1.state == 'booting'", "q": "n1.state != 'booting'"},
                                  json_values)})


@FAST
@given(_file_bytes(traces))
def test_fuzz_replay_file(quick, tmp_path, data):
    path = _workdir(tmp_path) / "t.trace.json"
    path.write_bytes(data)
    _assert_documented(*_run_cli(["replay", str(path)]), allowed=(0, 2))


itf_states = st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["n1.state", "link", "#meta", "x"]),
                    st.sampled_from(["off", 1, {"#bigint": "12"}, {"#bigint": "x"},
                                     {"event": "boot", "node": 1}, {"node": 3}]) | json_values,
                    max_size=3),
    json_values), max_size=4)
GOOD_ITF = [{"#meta": {"index": 0, "event": None, "node": None}, "n1.state": "off",
             "n1.restarts": {"#bigint": "0"}},
            {"#meta": {"index": 1, "event": "power_on", "node": 1}, "n1.state": "booting",
             "n1.restarts": {"#bigint": "0"}}]
itfs = st.fixed_dictionaries({"states": maybe(GOOD_ITF, itf_states, json_values)},
                             optional={"vars": maybe(["n1.state", "n1.restarts"], json_values),
                                       "loop": maybe(1, st.integers(-1, 4), json_values),
                                       "#meta": maybe({"format": "ITF"}, json_values),
                                       "format": st.just("hapair-trace/1") | json_values})


@FAST
@given(_file_bytes(itfs))
def test_fuzz_diagram_trace_file(quick, tmp_path, data):
    where = _workdir(tmp_path)
    path = where / "t.itf.json"
    path.write_bytes(data)
    code, out, err = _run_cli(["diagram", "--trace", str(path), "--out", str(where / "pic")])
    _assert_documented(code, out, err, allowed=(0, 2))
    drawn = {p.name for p in where.iterdir()} - {"t.itf.json"}
    assert drawn == ({"pic.dot"} if code == 0 else set()), (code, drawn, err)


# -- every flag -------------------------------------------------------------------------------

COMMANDS = ["check", "explore", "export", "replay", "diagrams", "diagram", "console", "bogus"]
FLAGS = ["--property", "--properties", "--engine", "--strict", "--assume", "--no-assumptions",
         "--liveness-depth", "--reference", "--bound", "--json", "--junit", "--html", "--out",
         "--emit-pytest", "--diagrams", "--promela", "--trace", "--png", "--standalone",
         "--script", "--spec", "-h", "--", "-"]
VALUES = ["", "NoDualActive", "Nope", "explicit", "z3", "spin", "no_partition", "calm", "0",
          "6", "64", "65", "-1", "100000", "MAX_RESTARTS=2", "MAX_RESTARTS=1001", "NOPE=1",
          "MAX_RESTARTS=²", "MAX_RESTARTS=", "=2", "{dir}", "{dir}/a.json", "{dir}/new/b.xml",
          "{dir}/fifo", "{dir}/link", "{dir}/file", "{dir}/file/x", "/proc/hapair-x",
          "{dir}/" + "x" * 300, "a\x00b", "\udcff", "{dir}/props.json", "{dir}/t.trace.json",
          "vsg", "vrrp", "trio", "{dir}/spec.toml", "{dir}/spec.py"]
tokens = st.one_of(st.sampled_from(FLAGS), st.sampled_from(VALUES), odd_numbers, digits,
                   st.text(max_size=6))
FLAGS_OF = {"check": ["--property", "--properties", "--engine", "--strict", "--assume",
                      "--no-assumptions", "--liveness-depth", "--reference", "--bound",
                      "--json", "--junit", "--html", "--out", "--emit-pytest", "--diagrams",
                      "--spec"],
            "explore": ["--bound", "--assume", "--reference", "--spec"],
            "export": ["--promela", "--promela", "--assume", "--bound", "--spec"],
            "replay": ["{dir}/t.trace.json", "--bound", "--spec"],
            "diagrams": ["--out", "--png", "--spec"],
            "diagram": ["--trace", "--out"], "console": ["--standalone", "--script"],
            "bogus": FLAGS}


def _argv(command: str) -> st.SearchStrategy:
    pairs = st.tuples(st.sampled_from(FLAGS_OF[command]), st.sampled_from(VALUES))
    return st.lists(st.one_of(pairs, pairs, pairs, tokens.map(lambda t: (t,))), max_size=5).map(
        lambda groups: [command, *(t for g in groups for t in g)])


argvs = st.sampled_from(COMMANDS).flatmap(_argv)


def _flag_workdir(base: Path) -> Path:
    d = _workdir(base)
    os.mkfifo(d / "fifo")
    (d / "file").write_text("x")
    (d / "link").symlink_to(d / "file")
    (d / "props.json").write_text('[{"name": "T", "kind": "always", "expr": "True"}]')
    (d / "spec.toml").write_text(SPEC_TEXTS[".toml"])
    (d / "spec.py").write_text("SPEC = 1\n")
    (d / "t.trace.json").write_text(json.dumps({"format": "hapair-trace/1", "spec": "vsg",
                                                "property": "NoDualActive",
                                                "steps": GOOD_STEPS[:1]}))
    return d


OUTPUT_FLAGS = {"--json", "--junit", "--html", "--promela", "--out", "--emit-pytest",
                "--diagrams"}


def _no_fifo_input(argv: list) -> list:
    """The FIFO only where an output goes: read as an input, a FIFO waits for a writer
    (as `cat` does), and this test has none."""
    return [t if t != "{dir}/fifo" or prev in OUTPUT_FLAGS else "{dir}/file"
            for prev, t in zip(["", *argv], argv)]


@FAST
@given(argvs)
def test_fuzz_flags(quick, tmp_path, argv):
    d = _flag_workdir(tmp_path)
    before = _listing(d)
    code, out, err = _run_cli([t.replace("{dir}", str(d)) for t in _no_fifo_input(argv)])
    _assert_documented(code, out, err)
    assert _listing(d) == before  # nothing written, no probe or staging file left
    assert (d / "file").read_text() == "x" and (d / "link").is_symlink()


# -- an output set cut short ------------------------------------------------------------------

SET_NAMES = ["c.json", "j.xml", "r.html", "sub/a.trace.json", "sub/a.itf.json"]


def _check_output_set(names: list, stop: int, where: Path) -> None:
    """Write a set as run 'old', then as run 'new' interrupted at the ``stop``-th rename:
    every file says which run wrote it, and no temporary file is left."""
    with files.OutputSet("old") as out:
        for n in names:
            out.write_text(where / n, "old")
        out.commit()
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) > stop:
            raise KeyboardInterrupt
        real(src, dst)

    os.replace = replace
    try:
        with files.OutputSet("new") as out:
            for n in names:
                out.write_text(where / n, out.run_id)
            stage = out.directory(where / "o")
            (stage / "t.json").write_text(out.run_id)
            out.commit()
    except KeyboardInterrupt:
        pass
    finally:
        os.replace = real
    texts = {p.name: p.read_text() for p in where.rglob("*") if p.is_file()}
    assert set(texts.values()) <= {"old", "new"}
    assert not [p for p in where.rglob(".*")]
    if stop >= len(names) + 1:
        assert set(texts.values()) == {"new"}


@FAST
@given(st.lists(st.sampled_from(SET_NAMES), min_size=1, max_size=5,
                unique=True), st.integers(0, 7))
def test_fuzz_interrupted_output_set(tmp_path, names, stop):
    _check_output_set(names, stop, _workdir(tmp_path))


# -- the long run: 10,000 examples a surface ----------------------------------------------------

@pytest.mark.long
@pytest.mark.parametrize("surface", ["console", "specs", "properties", "replay", "diagram",
                                     "flags", "outputs"])
def test_fuzz_10000_examples_a_surface(request, surface, tmp_path):
    fixtures = {"console": "quick_lab", "outputs": None}.get(surface, "quick")
    if fixtures:
        request.getfixturevalue(fixtures)
    bodies = {
        "console": given(*console_cases)(lambda d, o, s: _check_console(d, o, s, tmp_path)),
        "specs": given(spec_files)(
            lambda case: test_fuzz_spec_file.hypothesis.inner_test(None, tmp_path, case)),
        "properties": given(property_files)(
            lambda data: test_fuzz_properties_file.hypothesis.inner_test(None, tmp_path, data)),
        "replay": given(_file_bytes(traces))(
            lambda data: test_fuzz_replay_file.hypothesis.inner_test(None, tmp_path, data)),
        "diagram": given(_file_bytes(itfs))(
            lambda data: test_fuzz_diagram_trace_file.hypothesis.inner_test(None, tmp_path,
                                                                            data)),
        "flags": given(argvs)(
            lambda argv: test_fuzz_flags.hypothesis.inner_test(None, tmp_path, argv)),
        "outputs": given(st.lists(st.sampled_from(SET_NAMES), min_size=1, max_size=5,
                                  unique=True), st.integers(0, 7))(
            lambda names, stop: _check_output_set(names, stop, _workdir(tmp_path)))}
    counted = []
    body = bodies[surface]
    inner = body.hypothesis.inner_test

    def counting(*args, **kwargs):
        counted.append(1)
        inner(*args, **kwargs)

    body.hypothesis.inner_test = counting
    SLOW(body)()
    print(f"fuzz {surface}: {len(counted)} examples run (10,000 asked), none failed")
