"""What must be possible, as TLC checks ``ENABLED`` and reachability: ``reachable``,
``enabled`` and ``scenario`` properties, decided by both engines, with witness runs that
replay on the embeddable machine; and the ``guide`` key every property carries."""

from __future__ import annotations

import pytest

import hapair
from hapair.checker import trace
from hapair.checker.run import check
from hapair.spec import SpecError

NEW_KINDS = ("reachable", "enabled", "scenario")


@pytest.fixture(scope="module")
def vsg():
    return hapair.load()


@pytest.fixture(scope="module")
def both(vsg):
    names = tuple(n for n, p in vsg.properties.items() if p.kind in NEW_KINDS)
    return check(vsg, only=names, jobs=1)


SILENT = ("the guide is silent on it", "of which the guide says nothing")


def test_every_property_quotes_the_guide_or_says_it_is_silent(vsg):
    for p in vsg.properties.values():
        assert p.guide or any(x in p.meaning for x in SILENT), p.name
        assert p.decl.get("guide", "") == p.guide


def test_every_quote_is_the_guide_s_own_words(vsg):
    """A quote no longer than what the property checks is still the guide's, word for word
    (bold and markup dropped, white space collapsed)."""
    from test_guide_audit import flat, guide_lines

    text = flat("\n".join(guide_lines()))
    assert [p.name for p in vsg.properties.values()
            if p.guide and flat(p.guide) not in text] == []


def test_the_new_kinds_are_there_and_both_engines_prove_them(vsg, both):
    kinds = {p.kind for p in vsg.properties.values()}
    assert set(NEW_KINDS) <= kinds
    assert both.ok and not both.disagreements
    by = {(r.name, r.engine): r for r in both.results}
    for (name, engine), r in by.items():
        want = "proved" if vsg.properties[name].expect == "holds" else "violated"
        assert r.verdict == want, (name, engine, r.note)


def test_witnesses_are_shortest_and_replay(vsg, both):
    by = {(r.name, r.engine): r for r in both.results}
    for (name, engine), r in by.items():
        prop = vsg.properties[name]
        if prop.kind == "enabled" or prop.expect == "violated":
            assert r.witness is None  # a hazard met: its run is the counterexample
            continue
        assert r.witness is not None, (name, engine)
        assert len(r.witness) == len(by[name, "explicit"].witness)  # both shortest
        data = trace.to_json(vsg, r.witness, name, r.assume)
        run = trace.replay(data, vsg)
        from hapair.model.compile import predicate
        assert predicate(prop.expr)(run.states[-1])
        if prop.kind == "scenario":
            taken = [(s.node, s.trigger) for s in r.witness.steps
                     if vsg.triggers[s.trigger].kind != "internal"]
            assert taken == [(n, t) for n, t, _ in prop.steps]


def _with(*decls):
    sp = hapair.load()
    for d in decls:
        sp = sp.with_property(d)
    return sp


def test_a_scenario_the_model_does_not_admit_fails_in_both_engines():
    sp = _with({"name": "SwitchoverFromNothing", "kind": "scenario",
                      "guide": "a test", "steps": ["n1.power_on", "n1.system_switchover"],
                      "expr": "True"})
    r = check(sp, only=("SwitchoverFromNothing",), jobs=1)
    assert {x.engine: x.verdict for x in r.results} == {"explicit": "violated", "z3": "violated"}
    assert not r.ok and not r.disagreements


def test_an_unreachable_state_fails_in_both_engines():
    sp = _with({"name": "TwoStandbys", "kind": "reachable",
                      "expr": "n1.state == 'ha_standby' and n2.state == 'ha_standby'"})
    r = check(sp, only=("TwoStandbys",), jobs=1)
    assert {x.engine: x.verdict for x in r.results} == {"explicit": "violated", "z3": "violated"}


def test_a_disabled_command_gives_a_replayable_counterexample():
    sp = _with({"name": "SwitchoverAlways", "kind": "enabled", "when": "self_active",
                      "on": ["system_switchover"]})
    r = check(sp, only=("SwitchoverAlways",), jobs=1)
    assert {x.engine: x.verdict for x in r.results} == {"explicit": "violated", "z3": "violated"}
    for x in r.results:
        data = trace.to_json(sp, x.trace, x.name, x.assume)
        assert trace.replay(data, sp).violates()
    assert len(r.results[0].trace) == len(r.results[1].trace)


def test_an_enabled_property_whose_when_never_holds_is_vacuous():
    sp = _with({"name": "Never", "kind": "enabled", "when": "self.state == 'off' "
                      "and self_active", "on": ["reload"]})
    r = check(sp, only=("Never",), engines=("explicit",))
    assert r.results[0].verdict == "vacuous" and not r.ok


@pytest.mark.parametrize("decl, message", [
    ({"kind": "always", "expr": "True", "guide": 3}, "'guide' must be a string"),
    ({"kind": "enabled", "on": ["reload"]}, "needs 'when' and 'on'"),
    ({"kind": "enabled", "when": "True", "on": ["nosuch"]}, "neither a trigger nor a tag"),
    ({"kind": "enabled", "when": "True", "on": ["reload", "link_up"]}, "mixes node and global"),
    ({"kind": "enabled", "when": "True", "on": ["link_down"], "assume": ["no_partition"]},
     "rule out 'link_down'"),
    ({"kind": "scenario", "expr": "True"}, "needs 'steps'"),
    ({"kind": "scenario", "steps": ["power_on"], "expr": "True"}, "is not 'nK.<trigger>'"),
    ({"kind": "scenario", "steps": ["n1.link_down"], "expr": "True"}, "is not 'nK.<trigger>'"),
    ({"kind": "scenario", "steps": ["n3.power_on"], "expr": "True"}, "is not 'nK.<trigger>'"),
    ({"kind": "scenario", "steps": ["n1.power_on", {"until": "nosuch"}], "expr": "True"},
     "nosuch"),
    ({"kind": "eventually", "expr": "True"}, "kind must be one of"),
])
def test_malformed_new_properties_are_refused_at_load(decl, message):
    with pytest.raises(SpecError, match=message):
        hapair.load().with_property({"name": "Bad", **decl})
