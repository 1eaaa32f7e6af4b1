"""Declared fairness (issue 25): each trigger says what a fair run owes its action, and
the reference, the explicit engine and z3 each decide ``leads_to`` by it.

The example is the one of docs/spec-format.md ("leads_to"): a request granted only while
a lamp that blinks forever is on."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from hapair import specs
from hapair.checker.run import check
from hapair.spec.errors import SpecError
from hapair.spec.reference import Reference

ROOT = Path(__file__).resolve().parents[1]


def lamp(grant: str, blink: str = "weak") -> dict:
    doc = (ROOT / "docs" / "spec-format.md").read_text()
    example = doc.split("  ```yaml\n", 1)[1].split("  ```", 1)[0]
    data = yaml.safe_load(textwrap.dedent(example))
    data["triggers"]["grant"]["fairness"] = grant
    data["triggers"]["blink"]["fairness"] = blink
    return data


def verdicts(data: dict, name: str = "Granted") -> dict:
    """The verdict of property ``name`` by the reference and by each engine alone."""
    spec = specs.load(data)
    out = {"reference": Reference(data).verdicts()[name]}
    for engine in ("explicit", "z3"):
        out[engine] = check(spec, engines=(engine,), only=(name,)).results[0].verdict
    return out


@pytest.mark.parametrize("grant, blink, expected", [
    ("strong", "weak", "proved"),  # the lamp is on again and again: granted
    ("weak", "weak", "violated"),  # never on all along: a weak grant may starve
    ("none", "weak", "violated"),
    ("finite", "weak", "violated"),
    ("strong", "none", "violated"),  # the lamp may stay off: the run stops there
    ("strong", "finite", "violated"),  # it stops blinking, possibly while off
    ("weak", "strong", "violated"),
])
def test_granted_only_when_the_fairness_owes_it(grant, blink, expected):
    assert verdicts(lamp(grant, blink)) == dict.fromkeys(("reference", "explicit", "z3"),
                                                         expected)


def test_the_counterexample_says_which_fair_action_it_never_takes():
    result = check(specs.load(lamp("weak")), engines=("explicit",))
    r = next(r for r in result.results if r.name == "Granted")
    assert r.trace.loop is not None
    assert r.note.endswith("it never takes grant on node 1 (weakly fair, not enabled all "
                           "along)")


def test_a_run_that_stops_says_what_was_enabled_but_not_owed():
    result = check(specs.load(lamp("strong", "none")), engines=("explicit",))
    r = next(r for r in result.results if r.name == "Granted")
    assert r.note == ("the run stops where no weakly or strongly fair action is enabled "
                      "(enabled, not fair: blink)")


def test_defaults_keep_the_original_meaning():
    spec = specs.load("vrrp")
    assert {t.kind for t in spec.triggers.values() if t.fairness == "weak"} == {"internal"}
    assert {t.fairness for t in spec.triggers.values() if t.kind != "internal"} == {"finite"}


def test_an_unknown_fairness_is_a_one_line_error():
    data = lamp("strong")
    data["triggers"]["grant"]["fairness"] = "eventually"
    with pytest.raises(SpecError, match=r"^trigger 'grant': fairness must be one of weak, "
                                        r"strong, none, finite, not 'eventually'$"):
        specs.load(data)


def test_reports_say_the_fairness_every_leads_to_verdict_assumes():
    from hapair.reports.text import declared_fairness, to_json

    spec = specs.load(lamp("strong", "none"))
    assert declared_fairness(spec) == "none: blink; strong: grant"
    assert declared_fairness(specs.load("vrrp")) == ""  # the defaults: nothing to say
    result = check(spec, engines=("explicit",))
    assert to_json(result, spec)["fairness"] == {"blink": "none", "grant": "strong"}


@pytest.mark.parametrize("blink, expected", [
    ("weak", "proved"), ("strong", "proved"), ("none", "violated"), ("finite", "violated")])
def test_the_lamp_is_on_again_and_again_while_blinking_is_owed(blink, expected):
    """``infinitely_often`` (LTL's []<>): the reference and each engine alone."""
    assert verdicts(lamp("strong", blink), "LampOnAgainAndAgain") == dict.fromkeys(
        ("reference", "explicit", "z3"), expected)


@pytest.mark.parametrize("blink, expected", [
    ("weak", "violated"),  # it blinks for ever: off again and again
    ("none", "violated"),  # it may stop while off
    ("finite", "violated"),  # it may stop blinking while off
])
def test_the_lamp_never_settles_on(blink, expected):
    """``eventually_always`` (LTL's <>[]), declared expected violated: the reference and
    each engine alone."""
    assert verdicts(lamp("strong", blink), "LampSettles") == dict.fromkeys(
        ("reference", "explicit", "z3"), expected)


@pytest.mark.parametrize("repair, expected", [
    ("strong", "proved"), ("weak", "proved"), ("none", "violated"), ("finite", "violated")])
def test_a_light_that_flickers_until_repaired_settles_on_once_repair_is_owed(repair, expected):
    data = yaml.safe_load(textwrap.dedent(f"""
        name: settle
        nodes: 1
        machines:
          - {{name: light, scope: node, variable: light, initial: "off", states: ["off", "on"],
             transitions: [{{trigger: flick, source: "off", dest: "on"}},
                           {{trigger: flick, source: "on", dest: "off",
                             conditions: "self.fixed == 'no'"}}]}}
          - {{name: fix, scope: node, variable: fixed, initial: "no", states: ["no", "yes"],
             transitions: [{{trigger: repair, source: "no", dest: "yes"}}]}}
        triggers:
          flick: {{kind: internal}}
          repair: {{kind: internal, fairness: {repair}}}
        properties:
          - {{name: SettlesOn, kind: eventually_always, expr: "n1.light == 'on'"}}
        """))
    assert verdicts(data, "SettlesOn") == dict.fromkeys(("reference", "explicit", "z3"),
                                                        expected)
