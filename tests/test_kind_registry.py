"""Adding a property kind is one module and one registration (``hapair.spec.kinds``):
a kind decided by an existing form reaches the loader, the reference semantics, both
engines, trace replay and the Promela export with no other change."""

from __future__ import annotations

import pytest

from hapair.checker import trace
from hapair.checker.run import check
from hapair.spec import Spec, SpecError
from hapair.spec.kinds import FORMS, KINDS, Kind, register
from hapair.spec.reference import Reference


class Never(Kind):
    """``never``: no reachable state satisfies ``expr`` (an invariant of ``not expr``)."""

    name, fields, form = "never", frozenset({"expr"}), "invariant"

    def build(self, spec, decl, where, common):
        from hapair.spec.lang import BOOL_T, Node
        from hapair.spec.schema import Property

        bad = spec.condition(decl, "expr", where)
        return Property(expr=Node("not", BOOL_T, (bad,)), **common)

    def reference(self, ref, graph, decl):
        hit = any(ref.eval(decl["expr"], s) for s in graph.states)
        return "violated" if hit else "proved"


@pytest.fixture
def never():
    register(Never)
    yield KINDS["never"]
    del KINDS["never"]


def door(never_expr: str) -> dict:
    return {"name": "door", "nodes": 1, "bounds": {"N": 2},
            "machines": [{"name": "door", "scope": "node", "variable": "door",
                          "initial": "shut", "states": ["shut", "open"],
                          "transitions": [{"trigger": "push", "source": "shut",
                                           "dest": "open"},
                                          {"trigger": "pull", "source": "open",
                                           "dest": "shut"}]}],
            "triggers": {"push": {"kind": "operator"}, "pull": {"kind": "operator"}},
            "properties": [{"name": "NeverAjar", "kind": "never", "expr": never_expr}]}


@pytest.mark.parametrize("expr, want", [("n1.door == 'open'", "violated"),
                                        ("n1.door != 'open' and n1.door != 'shut'", "proved")])
def test_a_registered_kind_is_decided_alike_by_the_reference_and_both_engines(
        never, expr, want):
    data = door(expr)
    assert Reference(data).verdict("NeverAjar") == want
    result = check(Spec(data), engines=("explicit", "z3"), jobs=1, use_cache=False)
    assert {r.engine: r.verdict for r in result.results} == {"explicit": want, "z3": want}
    assert not result.disagreements
    for r in result.results:
        if r.trace is not None:  # its counterexample replays and violates it
            data_t = trace.to_json(Spec(data), r.trace, r.name, r.assume)
            assert trace.replay(data_t, Spec(data)).violates()


def test_an_unregistered_kind_is_refused_naming_the_known_ones():
    with pytest.raises(SpecError, match="property 'NeverAjar': kind must be one of always, "):
        Spec(door("n1.door == 'open'"))


def test_a_kind_field_of_another_kind_is_refused(never):
    data = door("n1.door == 'open'")
    data["properties"][0]["require"] = "True"
    with pytest.raises(SpecError, match="'require' is not a field of a never property"):
        Spec(data)


def test_a_kind_must_name_a_form_every_engine_decides():
    class Odd(Kind):
        name, fields, form = "odd", frozenset(), "until"

    with pytest.raises(ValueError, match="form must be one of invariant, step"):
        register(Odd)
    assert "odd" not in KINDS and set(FORMS) == {"invariant", "step", "witness", "response",
                                                 "persistence"}
