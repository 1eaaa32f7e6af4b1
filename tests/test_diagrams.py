"""Diagrams: extracted from the spec or a run, rendered as DOT, and the committed set
under ``diagrams/<spec>/`` (one folder per built-in spec) is never stale.  Tests
compare DOT text, never images.

Regenerate a committed set with::

    .venv/bin/python -m hapair diagrams --spec NAME --png
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

import hapair
from hapair import spec as hspec
from hapair import specs
from hapair.checker.explicit import explore
from hapair.checker.results import Trace, TraceStep
from hapair.diagrams import NO_DOT, diagram_sources, render, render_trace_file, write_all
from hapair.diagrams import extract as x
from hapair.diagrams.build import explore_slice, picture_slice
from hapair.model.product import Model
from hapair.model.slicing import cone_of_influence

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "diagrams" / "vsg"
REGENERATE = ".venv/bin/python -m hapair diagrams --spec {} --png"


@pytest.fixture(scope="module")
def spec():
    return hapair.load()


@pytest.fixture(scope="module")
def sources(spec):
    return diagram_sources(spec)


# -- the committed set ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(specs.BUILTIN))
def test_committed_diagrams_are_not_stale(tmp_path, name):
    written, message = write_all(tmp_path, formats=("dot",), spec=specs.load(name))
    assert message == ""
    fresh = {p.name: p.read_bytes() for p in written}
    committed = {p.name: p.read_bytes() for p in (ROOT / "diagrams" / name).glob("*.dot")}
    assert sorted(committed) == sorted(fresh), f"regenerate: {REGENERATE.format(name)}"
    stale = [n for n in fresh if fresh[n] != committed[n]]
    assert not stale, f"stale diagrams {stale}; regenerate: {REGENERATE.format(name)}"


@pytest.mark.parametrize("name", sorted(specs.BUILTIN))
def test_every_committed_dot_has_its_svg(name):
    dots = sorted((ROOT / "diagrams" / name).glob("*.dot"))
    assert dots
    missing = [p.name for p in dots if not p.with_suffix(".svg").exists()]
    assert not missing, f"no SVG for {missing}; regenerate: {REGENERATE.format(name)}"


def test_the_set_is_reproducible(spec, sources):
    assert diagram_sources(spec) == sources
    assert list(sources) == ["machine-redundancy", "machine-role", "machine-stateful",
                             "machine-stateless", "machine-compute", "machine-link",
                             "product-quotient",
                             "product-full", "counterexample-DualActiveOnPartition",
                             "counterexample-RoleChangeConflict"]


# -- machines ---------------------------------------------------------------------------


def graphmachine_edges(spec, name) -> dict:
    """What ``transitions``' own GraphMachine draws for the machine's declared rows: an
    independent expansion of source lists, ``'*'`` and ``'='``."""
    from transitions.extensions import GraphMachine

    decl = next(m for m in spec.data["machines"] if m["name"] == name)

    class View:
        pass

    view = View()
    gm = GraphMachine(model=view, states=list(decl["states"]), initial=decl["initial"],
                      auto_transitions=False, show_conditions=True, title=name)
    for row in decl["transitions"]:
        conds = [row["conditions"]] if row.get("conditions") else None
        gm.add_transition(row["trigger"], row["source"], row["dest"], conditions=conds)
    edges = defaultdict(set)
    for a, b, quoted, plain in re.findall(r'^\s*(\w+) -> (\w+) \[label=(?:"(.*)"|(\w+))\]$',
                                          view.get_graph().source, re.M):
        label = quoted.replace('\\"', '"') or plain
        edges[(a, b)] |= set(label.split(" | "))
    return dict(edges)


@pytest.mark.parametrize("name", ["redundancy", "role", "stateful", "stateless", "link"])
def test_machine_edges_agree_with_transitions_graphmachine(spec, name):
    ir = x.machine_ir(spec, name)
    ours = defaultdict(set)
    for e in ir.edges:
        ours[(e.source, e.dest)].add(e.trigger + (f" [{e.conditions}]" if e.conditions else ""))
    assert dict(ours) == graphmachine_edges(spec, name)


def test_machine_diagram_marks_initial_and_unreached(spec):
    m = spec.machines["redundancy"]
    ha = [t.id for t in spec.transitions if t.machine == "redundancy" and
          "ha_standby" in (t.source, t.dest)]
    cov = x.Coverage(frozenset(("redundancy", s) for s in m.states if s != "ha_standby"),
                     frozenset(t.id for t in spec.transitions) - set(ha))
    ir = x.machine_ir(spec, "redundancy", cov)
    assert [s.name for s in ir.states if s.initial] == ["off"]
    assert [s.name for s in ir.states if not s.reached] == ["ha_standby"]
    dot = render.machine_dot(ir)
    assert "__start -> off" in dot
    assert re.search(r"ha_standby \[label=ha_standby color=gray60 fontcolor=gray60 "
                     r"shape=box style=\"rounded,dashed\"\]", dot)
    assert "grey dashed: never reached" in dot
    assert dot.count("style=dashed") == len({(t.source, t.dest) for t in spec.transitions
                                             if t.id in ha})


def test_machine_coverage_of_the_builtin_spec_is_complete(sources):
    for name in ("redundancy", "role", "stateful", "stateless", "link"):
        assert "every state reached and every row fired" in sources[f"machine-{name}"]


def test_edge_labels_are_trigger_conditions_effects(spec):
    ir = x.machine_ir(spec, "stateless")
    restart = next(e for e in ir.edges if e.trigger == "restart_stateless")
    label = " ".join(" ".join(render.edge_lines(restart)).split())
    assert label.startswith("restart_stateless [self.state in ('active_no_standby', ")
    assert label.endswith("/ self.restarts := min(self.restarts + 1, MAX_RESTARTS); "
                          "self.stateless_data := 'none'")
    boot = next(e for e in x.machine_ir(spec, "redundancy").edges if e.trigger == "power_on")
    assert "/ sets self.role, self.stateful" in " ".join(render.edge_lines(boot))


def test_coverage_from_dead_transitions(spec):
    dead = [t.label for t in spec.transitions
            if t.machine == "stateful" and "failed" in (t.source, t.dest)]
    cov = x.coverage_of_dead(spec, dead)
    assert ("stateful", "failed") not in cov.reached
    assert not any(t.id in cov.fired for t in spec.transitions if t.trigger == "fail_stateful")
    assert x.coverage_of_dead(spec, []).reached == {
        (m.name, s) for m in spec.machines.values() for s in m.states}


# -- the product --------------------------------------------------------------------------


def test_quotient_counts_every_state_once_and_highlights_violations(spec):
    sl, _, _ = picture_slice(spec, "quotient")
    g = explore_slice(spec, sl)
    bad = x.always_violations(spec, g)
    assert "DualActiveOnPartition" in bad and "NoDualActive" not in bad
    ir = x.quotient_ir(g, ("n1.state", "n2.state"), violating=bad["DualActiveOnPartition"])
    assert sum(n.count for n in ir.nodes) == len(g.states)
    red = [n.lines for n in ir.nodes if n.violating]
    assert red == [("n1.state: active_no_standby", "n2.state: active_no_standby")]
    assert all(e.source != e.dest for e in ir.edges)
    dot = render.product_dot(ir)
    assert "layout=neato" in dot and 'pos="' in dot


def test_full_graph_of_a_small_slice(spec):
    keep = cone_of_influence(spec, {spec.by_name["link"].index})
    g = explore(Model(spec, (), keep))
    ir = x.full_ir(g, violating={1})
    assert [n.key for n in ir.nodes] == ["s0", "s1"]
    assert [(e.source, e.dest, e.events) for e in ir.edges] == [
        ("s0", "s1", ("link_down", "switch_fail")), ("s1", "s0", ("link_up",))]
    assert ir.nodes[1].violating and ir.nodes[0].initial


# -- traces ------------------------------------------------------------------------------


def _lasso(spec) -> Trace:
    s0 = spec.initial
    i = spec.by_name["link"].index
    s1 = s0[:i] + (1,) + s0[i + 1:]
    down = next(k for k, r in enumerate(spec.rules) if r.transition.trigger == "link_down")
    up = next(k for k, r in enumerate(spec.rules) if r.transition.trigger == "link_up")
    return Trace([s0, s1, s0], [TraceStep(None, "link_down", down),
                                TraceStep(None, "link_up", up)], loop=0)


def test_trace_rows_show_only_changes(spec):
    ir = x.trace_ir_of(_lasso(spec), spec)
    assert ir.rows[0].event is None and len(dict(ir.rows[0].changed)["pair"]) == 5
    assert ir.rows[1].changed == ((1, ()), ("pair", (("link", "down"),)), (2, ()))
    dot = render.trace_dot(ir)
    assert "run:e2:e -> run:e0:e" in dot and "lasso" in dot


def test_render_trace_file(spec, tmp_path):
    steps = [{"event": None, "node": None, "state": {"link": "up", "n1.state": "off"}},
             {"event": "power_on", "node": 1, "state": {"link": "up", "n1.state": "booting"}}]
    path = tmp_path / "cex.json"
    path.write_text(json.dumps({"format": "hapair-trace/1", "spec": "vsg", "bounds": {},
                                "property": "X", "assume": [], "tracked": [], "loop": None,
                                "steps": steps}))
    written = render_trace_file(path, tmp_path / "out" / "cex.svg", formats=("dot",))
    assert [p.name for p in written] == ["cex.dot"]
    dot = written[0].read_text()
    assert "power_on @ module 1" in dot and "state = booting" in dot and "vsg X" in dot
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(hspec.HapairError, match="one JSON object"):
        render_trace_file(bad)


def test_without_dot_only_dot_files_and_a_message(monkeypatch, tmp_path):
    monkeypatch.setattr(render, "have_dot", lambda: False)
    written = render.write({"a": "digraph a {}\n"}, tmp_path, formats=("dot", "svg"), png=True)
    assert [p.name for p in written] == ["a.dot"]
    assert written.message == NO_DOT and "apt-get install graphviz" in NO_DOT
