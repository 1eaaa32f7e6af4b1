"""The proof cache: an unchanged spec is not proved again, anything that changes an
answer changes its key, a hit says so, and a broken entry is only a miss."""

from __future__ import annotations

import copy

import pytest

import hapair
from hapair.checker import cache
from hapair.checker.run import check
from hapair.specs.vsg import SPEC

ONLY = ("NoDualActive", "StartCntCounts_m1")


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("HAPAIR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def z3_notes(result) -> dict:
    return {r.name: r.note for r in result.results if r.engine == "z3"}


def test_a_second_check_is_answered_from_the_cache_with_the_same_verdicts(fresh):
    first = check(hapair.load(), only=ONLY, jobs=1)
    again = check(hapair.load(), only=ONLY, jobs=1)
    assert not any("cached" in n for n in z3_notes(first).values())
    assert all(n.endswith("cached") for n in z3_notes(again).values())
    assert [(r.name, r.engine, r.verdict) for r in first.results] == \
        [(r.name, r.engine, r.verdict) for r in again.results]
    assert "of them cached)" in again.certificate and again.ok


def test_no_cache_proves_again(fresh):
    check(hapair.load(), only=ONLY, jobs=1)
    again = check(hapair.load(), only=ONLY, jobs=1, use_cache=False)
    assert not any("cached" in n for n in z3_notes(again).values())


def test_a_changed_spec_or_bound_misses(fresh):
    check(hapair.load(), only=ONLY, jobs=1)
    data = copy.deepcopy(SPEC)
    stateless = next(m for m in data["machines"] if m["name"] == "stateless")
    restart = next(t for t in stateless["transitions"] if t["trigger"] == "restart_stateless")
    restart["effects"] = {"self.restarts": "self.restarts", "self.stateless_data": "'none'"}
    broken = check(hapair.load(data), only=("StartCntCounts_m1",), jobs=1)
    assert {r.engine: r.verdict for r in broken.results} == {"explicit": "violated",
                                                            "z3": "violated"}
    wider = check(hapair.load(bounds={"MAX_RESTARTS": 2}), only=ONLY, jobs=1)
    assert not any("cached" in n for n in z3_notes(wider).values())


def test_an_unreadable_entry_is_a_miss(fresh):
    check(hapair.load(), only=ONLY, jobs=1)
    for entry in fresh.rglob("*.json"):
        entry.write_text("{not json")
    again = check(hapair.load(), only=ONLY, jobs=1)
    assert not any("cached" in n for n in z3_notes(again).values()) and again.ok


def test_the_key_holds_the_engine_version():
    assert cache.engine_version().startswith("z3 ") and "hapair " in cache.engine_version()
    assert cache.key("a", 1) != cache.key("a", 2)


def test_a_cached_witness_is_a_trace_again(fresh):
    from hapair.checker import trace
    from hapair.checker.results import Trace

    sp = hapair.load()
    check(sp, only=("StandaloneStatusShown",), jobs=1)
    again = check(hapair.load(), only=("StandaloneStatusShown",), jobs=1)
    z3 = next(r for r in again.results if r.engine == "z3")
    assert z3.note.endswith("cached") and isinstance(z3.witness, Trace)
    assert trace.to_json(sp, z3.witness, z3.name)["steps"]
