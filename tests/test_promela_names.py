"""The Promela export under hostile names and small hand-written specs: every Promela
name is a spec name behind a prefix of its kind (``checker.promela``'s module doc), so
names that are Promela keywords, SPIN internals or identifiers of pan's C source, and
spec names that only differ by a dot, still compile; and SPIN stores exactly hapair's
states (``spin_count`` against ``len(explore(Model(spec)))``), write-only variables
included."""

from __future__ import annotations

import copy
import itertools
import os
import re
import subprocess

import pytest

from hapair.checker.explicit import explore
from hapair.checker.promela import (
    export,
    ident,
    property_ident,
    run_spin,
    spin_available,
    spin_count,
)
from hapair.model import Model
from hapair.model.compile import predicate
from hapair.spec import Spec

needs_spin = pytest.mark.skipif(
    not spin_available() and not os.environ.get("CI"),  # in CI it must be there
    reason="spin or gcc is not on PATH (the project setup installs the Debian package spin)")


def hapair_count(sp: Spec, assume: tuple = ()) -> int:
    return len(explore(Model(sp, assume)))


def always(name: str, expr: str, expect: str = "holds", meaning: str = "") -> dict:
    return {"name": name, "kind": "always", "meaning": meaning or f"{name} holds",
            "expr": expr, "expect": expect}


# -- the issue's reproducers ------------------------------------------------------------

WRITE_ONLY = {  # the issue's reproducer, as written there
    "name": "writeonly", "nodes": 1,
    "machines": [{"name": "m", "scope": "node", "variable": "m", "initial": "a",
                  "states": ["a"],
                  "transitions": [{"trigger": "t", "source": "a", "dest": "=",
                                   "effects": {"self.flag": "True"}}]}],
    "variables": {"node": {"flag": "bool"}},
    "triggers": {"t": {"kind": "operator"}},
}


def doors(name: str = "doors", counter: str = "total", properties: tuple = ()) -> dict:
    """The door spec of docs/spec-format.md, with a global counter of all openings
    (``counter``) and the ``always`` properties ``properties`` (name, expression,
    expect)."""
    return {
        "name": name, "nodes": 2, "bounds": {"MAX_OPENINGS": 2},
        "machines": [{
            "name": "door", "scope": "node", "variable": "door", "initial": "closed",
            "states": ["closed", "open"],
            "transitions": [
                {"trigger": "open", "source": "closed", "dest": "open",
                 "conditions": "peer.door == 'closed'",
                 "unless": "self.openings == MAX_OPENINGS",
                 "effects": {"self.openings": "self.openings + 1",
                             counter: f"min({counter} + 1, MAX_OPENINGS)"}},
                {"trigger": "close", "source": "open", "dest": "closed"},
                {"trigger": "service", "source": "closed", "dest": "=",
                 "effects": {"self.openings": "0"}}]}],
        "variables": {"node": {"openings": "0..MAX_OPENINGS"},
                      "global": {counter: "0..MAX_OPENINGS"}},
        "triggers": {"open": {"kind": "operator"}, "close": {"kind": "internal"},
                     "service": {"kind": "operator"}},
        "properties": [always(*p) for p in properties],
    }


AIRLOCK = "not (n1.door == 'open' and n2.door == 'open')"
ISSUE = {  # each one collision of the issue, alone: (the doors spec's arguments, violated)
    "property P0": ({"properties": (("P0", AIRLOCK),)}, []),
    "global n1_openings beside n1.openings": ({"counter": "n1_openings"}, []),
    "property n1_door beside n1.door": (
        {"properties": (("n1_door", "n1.door == 'closed'", "violated"),)}, ["n1_door"]),
    "property n1_openings beside n1.openings and the global": (
        {"counter": "n1_openings", "properties": (
            ("n1_openings", "n1_openings < MAX_OPENINGS", "violated"),
            ("n2_openings", "n2.openings <= n1_openings"))}, ["n1_openings"]),
    "free text that closes a comment": (
        {"name": "doors */ +", "properties": (("Airlock", AIRLOCK, "holds", "*/ never"),)},
        []),
}


NODE_KEYWORDS = ("byte", "bit", "int", "chan", "skip", "len", "proctype", "printf",
                 "now", "state", "_pid", "S", "Pn", "P0", "hidden", "show", "d_step",
                 "mtype", "od", "do", "fi", "atomic", "unless", "provided", "priority")
GLOBAL_KEYWORDS = ("end", "product", "_nr_pr", "_last", "pc_value", "enabled", "full",
                   "empty", "eval", "typedef", "inline", "c_code", "trpt", "depth", "tau",
                   "A", "B", "SYNC", "ASYNC", "Maxbody", "uchar", "main")


def keywords() -> dict:
    """Every kind of name a Promela keyword, a SPIN internal or a name of pan.c: machines,
    their variables and states, triggers, data variables of both scopes, properties."""
    node_vars = {k: "0..2" if k == "int" else "bool" for k in NODE_KEYWORDS}
    global_vars = {k: "bool" for k in GLOBAL_KEYWORDS}
    return {
        "name": "keywords", "nodes": 2,
        "machines": [
            {"name": "init", "scope": "node", "variable": "run", "initial": "active",
             "states": ["active", "byte", "never"],
             "transitions": [
                 {"trigger": "assert", "source": "active", "dest": "byte",
                  "effects": {"self.int": "min(self.int + 1, 2)", "self._pid": "True",
                              "others.S": "not other.S", "end": "not end"}},
                 {"trigger": "assert", "source": "byte", "dest": "never",
                  "conditions": "peer.run != 'never'",
                  "effects": {"self.printf": "self.int == 2", "self.Pn": "peer.S"}},
                 {"trigger": "skip", "source": ["byte", "never"], "dest": "active",
                  "effects": {"self.int": "0", "self.now": "not self.now",
                              "SYNC": "any(n.run == 'never' for n in nodes)"}}]},
            {"name": "proctype", "scope": "global", "variable": "timeout",
             "initial": "np_", "states": ["np_", "_pid", "P0"],
             "transitions": [
                 {"trigger": "never", "source": "np_", "dest": "_pid",
                  "effects": {"main": "True", "n1.chan": "n2.run == 'byte'"}},
                 {"trigger": "never", "source": "_pid", "dest": "P0",
                  "conditions": "count(n.run == 'never' for n in nodes) >= 1"},
                 {"trigger": "printf", "source": "*", "dest": "np_",
                  "effects": {"main": "False", "A": "timeout in ('P0', '_pid')"}}]}],
        "variables": {"node": node_vars, "global": global_vars},
        "triggers": {"assert": {"kind": "operator"}, "skip": {"kind": "internal"},
                     "never": {"kind": "fault"}, "printf": {"kind": "operator"}},
        "properties": [always(*p) for p in (
            ("P0", "n1.int <= 1"), ("init", "n2.int <= 2"), ("product", "True"),
            ("S", "n1.run != 'never' or n2.run != 'never' or SYNC"),
            ("assert", "not end or end"), ("now", "True", "holds", "*/ never */"))]
        + [always("Pn", "n1.int < 1", "violated"), always("never", "timeout != 'P0'", "violated")]
        + [{"name": "len", "kind": "action", "meaning": "assert steps count up",
            "on": ["assert"], "require": "post.self.int >= pre.self.int"}],
    }


def enum_values() -> dict:
    """Enum values that met in one name when a value was ``<variable>_<value>``: ``a``'s
    ``b_c`` (1) and ``a_b``'s ``c`` (0); the machines step only on ``a == 'b_c'``."""
    return {"name": "enums", "nodes": 2,
            "machines": [
                {"name": "first", "scope": "node", "variable": "a", "initial": "x",
                 "states": ["x", "b_c"],
                 "transitions": [{"trigger": "go", "source": "x", "dest": "b_c"}]},
                {"name": "second", "scope": "global", "variable": "a_b", "initial": "c",
                 "states": ["c", "y", "z"],
                 "transitions": [
                     {"trigger": "tick", "source": "c", "dest": "y",
                      "conditions": "n1.a == 'b_c'"},
                     {"trigger": "tick", "source": "y", "dest": "z",
                      "conditions": "n2.a == 'b_c'"}]}],
            "triggers": {"go": {"kind": "operator"}, "tick": {"kind": "internal"}}}


EXPECTED_KEYWORD_VIOLATIONS = ["Pn", "never"]


@needs_spin
def test_the_write_only_reproducer_keeps_its_variable(tmp_path):
    sp = Spec.load(WRITE_ONLY)
    assert hapair_count(sp) == 2  # flag False, then True
    assert spin_count(sp, workdir=tmp_path) == 2
    assert (tmp_path / "pan").exists()  # gcc compiled it


@needs_spin
def test_write_only_global_and_node_variables_of_three_nodes(tmp_path):
    data = copy.deepcopy(WRITE_ONLY)
    data["nodes"] = 3
    data["variables"]["global"] = {"last": "0..3", "never_set": "bool"}
    row = data["machines"][0]["transitions"][0]
    row["effects"]["last"] = "min(last + 1, 3)"
    sp = Spec.load(data)
    assert hapair_count(sp) == 1 + 3 * 3 + 3 * 2 + 1  # by how many flags are set: last
    assert spin_count(sp, workdir=tmp_path) == hapair_count(sp)


@needs_spin
@pytest.mark.parametrize("case", sorted(ISSUE))
def test_colliding_names_compile_and_count(case, tmp_path):
    args, violated = ISSUE[case]
    sp = Spec.load(doors(**args))
    result = run_spin(export(sp), tmp_path, optimize="-O0")
    assert (tmp_path / "pan").exists()  # gcc compiled it
    assert result.states == hapair_count(sp) > 10
    assert result.violated == violated


@needs_spin
def test_keyword_names_compile_count_and_name_their_violations(tmp_path):
    sp = Spec.load(keywords())
    result = run_spin(export(sp), tmp_path, optimize="-O0")
    assert result.states == hapair_count(sp) > 10
    states = explore(Model(sp)).states
    broken = sorted(n for n, p in sp.properties.items() if p.kind == "always"
                    and not all(predicate(p.expr)(s) for s in states))
    assert result.violated == broken == EXPECTED_KEYWORD_VIOLATIONS


# -- names: injective, and foreign to SPIN ----------------------------------------------

TOKENS = ("n1", "n12", "_", "gv", "e0", "pr", "hp", "x", "1", "t0", "pre")


def plain_names(most: int = 3) -> list[str]:
    out = set()
    for k in range(1, most + 1):
        for parts in itertools.product(TOKENS, repeat=k):
            name = "_".join(parts) if len(parts) > 1 else parts[0]
            for name in (name, "".join(parts)):
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    out.add(name)
    return sorted(out)


def test_variable_and_property_names_map_injectively():
    locals_ = plain_names()
    spec_names = [f"n{k}.{x}" for k in range(1, 9) for x in locals_] + locals_
    promela = [ident(n) for n in spec_names]
    assert len(set(promela)) == len(spec_names)
    flags = {property_ident(p) for p in locals_}
    assert len(flags) == len(locals_) and not flags & set(promela)


DECLARED = re.compile(r"^(?:#define|(?:hidden )?(?:byte|short|int|bit))\s+(\w+)", re.M)
OURS = re.compile(r"^(?:n[0-9]+_|gv_|e[0-9]+_|pr_|hp_)")


def declared(source: str) -> list[str]:
    return DECLARED.findall(source)


@pytest.mark.parametrize("data", [doors(**ISSUE["property n1_openings beside n1.openings and "
                                                 "the global"][0]), keywords(),
                                  enum_values()], ids=["doors", "keywords", "enums"])
def test_every_declared_name_is_prefixed_and_declared_once(data):
    source = export(Spec.load(data))
    names = declared(source)
    assert names and len(names) == len(set(names))
    assert all(OURS.match(n) for n in names), [n for n in names if not OURS.match(n)]
    assert "*/ never" not in source


@needs_spin
def test_no_name_of_pan_or_its_headers_starts_with_a_prefix_of_ours(tmp_path):
    source = export(Spec.load(keywords()))
    (tmp_path / "model.pml").write_text(source)
    subprocess.run(["spin", "-a", "model.pml"], cwd=tmp_path, check=True,
                   capture_output=True)
    c = subprocess.run(["gcc", "-E", "-DSAFETY", "-DNOREDUCE", "pan.c"], cwd=tmp_path,
                       check=True, capture_output=True, text=True).stdout
    theirs = {n for n in re.findall(r"\b[A-Za-z_]\w*\b", c) if OURS.match(n)}
    assert theirs <= set(declared(source)) | {"product"}, theirs - set(declared(source))


# -- small specs: SPIN stores hapair's states ---------------------------------------------

def shared_trigger(nodes: int) -> dict:
    """Two node machines whose rows share triggers (first match runs over both, in
    declaration order), ``others.x`` effects, quantifiers, min / max / if-else / in, and
    names that collide once the dot is gone (``n1_level`` global, ``level`` per node)."""
    peer_or_all = "any(o.mode == 'on' for o in others)" if nodes > 1 else "False"
    return {
        "name": f"shared{nodes}", "nodes": nodes, "bounds": {"TOP": 2},
        "machines": [
            {"name": "state", "scope": "node", "variable": "mode", "initial": "off",
             "states": ["off", "on", "init"],
             "transitions": [
                 {"trigger": "run", "source": "off", "dest": "on",
                  "unless": peer_or_all,
                  "effects": {"self.level": "max(self.level - 1, 0)",
                              "n1_level": "self.level if n1_level == 0 else n1_level"}},
                 {"trigger": "run", "source": "on", "dest": "init",
                  "effects": {"others.level": "min(other.level + 1, TOP)"}},
                 {"trigger": "never", "source": "*", "dest": "off",
                  "conditions": "self.mode in ('on', 'init')"}]},
            {"name": "int", "scope": "node", "variable": "chan", "initial": "P0",
             "states": ["P0", "S"],
             "transitions": [
                 {"trigger": "run", "source": "P0", "dest": "S",  # after state's rows
                  "effects": {"self.level": "TOP"}},
                 {"trigger": "never", "source": "S", "dest": "P0",  # shadowed by state
                  "effects": {"n1_level": "0"}},
                 {"trigger": "skip", "source": "S", "dest": "P0",
                  "conditions": "count(o.chan == 'S' for o in nodes) >= 1",
                  "effects": {"n1_level": "min(n1_level + 1, TOP)",
                              "self.written": "not self.written"}}]}],
        "variables": {"node": {"level": "0..TOP", "written": "bool"},
                      "global": {"n1_level": "0..TOP"}},
        "triggers": {"run": {"kind": "operator"}, "never": {"kind": "fault"},
                     "skip": {"kind": "internal"}},
        "assumptions": {"no_faults": {"without": ["never"], "doc": "no fault"}},
    }


def with_global_machine(nodes: int) -> dict:
    """``shared_trigger`` plus a global machine (the link) that node rows read and
    global rows write, one of its triggers shared by two global machines."""
    data = shared_trigger(nodes)
    data["machines"] += [
        {"name": "link", "scope": "global", "variable": "now", "initial": "up",
         "states": ["up", "down"],
         "transitions": [
             {"trigger": "cut", "source": "up", "dest": "down",
              "effects": {"n1.level": "0"}},
             {"trigger": "mend", "source": "down", "dest": "up"}]},
        {"name": "alarm", "scope": "global", "variable": "_pid", "initial": "quiet",
         "states": ["quiet", "loud"],
         "transitions": [
             {"trigger": "cut", "source": "quiet", "dest": "loud"},  # the link's first
             {"trigger": "mend", "source": "loud", "dest": "quiet",
              "conditions": "now == 'up'"}]}]
    data["machines"][0]["transitions"][0]["conditions"] = "now == 'up'"
    data["triggers"].update(cut={"kind": "fault"}, mend={"kind": "internal"})
    return data


def eight_nodes() -> dict:
    return {"name": "eight", "nodes": 8,
            "machines": [{"name": "m", "scope": "node", "variable": "bit", "initial": "lo",
                          "states": ["lo", "hi"],
                          "transitions": [
                              {"trigger": "up", "source": "lo", "dest": "hi",
                               "conditions": "count(o.bit == 'hi' for o in nodes) < 3",
                               "effects": {"total": "min(total + 1, 3)"}},
                              {"trigger": "down", "source": "hi", "dest": "lo"}]}],
            "variables": {"global": {"total": "0..3"}},
            "triggers": {"up": {"kind": "operator"}, "down": {"kind": "internal"}}}


SMALL = {
    "1 node, shared trigger": (lambda: shared_trigger(1), ()),
    "2 nodes, shared trigger": (lambda: shared_trigger(2), ()),
    "3 nodes, shared trigger": (lambda: shared_trigger(3), ()),
    "3 nodes, no faults": (lambda: shared_trigger(3), ("no_faults",)),
    "1 node, global machines": (lambda: with_global_machine(1), ()),
    "2 nodes, global machines": (lambda: with_global_machine(2), ()),
    "8 nodes": (eight_nodes, ()),
    "enum values": (enum_values, ()),
}


@needs_spin
@pytest.mark.parametrize("case", sorted(SMALL))
def test_spin_stores_hapairs_states(case, tmp_path):
    make, assume = SMALL[case]
    sp = Spec.load(make())
    expected = hapair_count(sp, assume)
    assert expected > 2
    assert spin_count(sp, assume=assume, workdir=tmp_path) == expected
