"""Reports of a checker run, for people (a table and numbered counterexamples) and for
CI (a JSON document with a stable schema, and JUnit XML: one test case per property).

JSON schema ``hapair-check/1``::

    {"schema": "hapair-check/1", "spec": str, "bounds": {str: int}, "ok": bool,
     "seconds": float, "certificate": str, "dead_transitions": [str],
     "disagreements": [str], "fairness": {str: "weak"|"strong"|"none"|"finite"},
     "run_id": str (hapair check: the same in every file of the run's output set),
     "slices": [{"assume": [str], "variables": [str], "states": int, "edges": int,
                 "depth": int, "seconds": float, "deadlocks": int}],
     "properties": [{"name": str, "kind": str, "meaning": str, "assume": [str],
                     "expect": "holds"|"violated", "verdict": str, "engine": str,
                     "ok": bool, "states": int, "edges": int, "seconds": float,
                     "depth": int|null, "witnesses": int, "note": str, "guide": str,
                     "trace": hapair-trace/1 | null, "witness": hapair-trace/1 | null}]}

``fairness`` is each trigger's declared fairness (the spec's ``fairness`` key, or its
default: ``weak`` for internal triggers, ``finite`` for the others), which every
liveness verdict assumes; ``guide`` quotes the guide's sentence the property states;
``witness`` is the shortest run that shows a ``reachable`` or ``scenario`` property.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hapair.checker import trace as traces
from hapair.checker.results import CheckResult, PropertyResult
from hapair.spec import Spec

SCHEMA = "hapair-check/1"


def to_json(result: CheckResult, spec: Spec) -> dict:
    return {
        "schema": SCHEMA, "spec": result.spec, "bounds": result.bounds, "ok": result.ok,
        "seconds": round(result.seconds, 3), "certificate": result.certificate,
        "dead_transitions": result.dead_transitions, "disagreements": result.disagreements,
        "fairness": {name: t.fairness for name, t in spec.triggers.items()},
        "slices": [{"assume": list(s.assume), "variables": list(s.variables),
                    "states": s.states, "edges": s.edges, "depth": s.depth,
                    "seconds": round(s.seconds, 4), "deadlocks": s.deadlocks}
                   for s in result.slices],
        "properties": [_prop_json(r, spec) for r in result.results],
    }


def declared_fairness(spec: Spec) -> str:
    """The triggers whose fairness is not their kind's default, grouped (empty if none):
    ``"none: blink; strong: grant"`` (in the order of the triggers)."""
    groups: dict = {}
    for name, t in spec.triggers.items():
        if t.fairness != ("weak" if t.kind == "internal" else "finite"):
            groups.setdefault(t.fairness, []).append(name)
    return "; ".join(f"{f}: {', '.join(names)}" for f, names in groups.items())


def _prop_json(r: PropertyResult, spec: Spec) -> dict:
    return {"name": r.name, "kind": r.kind, "meaning": r.meaning, "assume": list(r.assume),
            "expect": r.expect, "verdict": r.verdict, "engine": r.engine, "ok": r.ok,
            "states": r.states, "edges": r.edges, "seconds": round(r.seconds, 4),
            "depth": r.depth, "witnesses": r.witnesses, "note": r.note,
            "guide": spec.properties[r.name].guide if r.name in spec.properties else "",
            "trace": traces.to_json(spec, r.trace, r.name, r.assume) if r.trace else None,
            "witness": traces.to_json(spec, r.witness, r.name, r.assume) if r.witness
            else None}


def to_junit(result: CheckResult, *, run_id: str | None = None) -> str:
    """One ``testcase`` per property and engine; a failure when the verdict is not the
    expected one.  ``run_id`` (the run's output set) goes in a ``property``."""
    suite = ET.Element("testsuite", name=f"hapair.{result.spec}", tests=str(len(result.results)),
                       failures=str(sum(not r.ok for r in result.results)),
                       time=f"{result.seconds:.3f}")
    if run_id:
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="hapair.run_id",
                      value=run_id)
    for r in result.results:
        case = ET.SubElement(suite, "testcase", classname=f"hapair.{result.spec}.{r.engine}",
                             name=r.name, time=f"{r.seconds:.4f}")
        if not r.ok:
            failure = ET.SubElement(case, "failure", message=_why(r), type=r.verdict)
            failure.text = r.meaning
    if result.dead_transitions:
        case = ET.SubElement(suite, "testcase", classname=f"hapair.{result.spec}",
                             name="transition_coverage")
        if result.strict:
            ET.SubElement(case, "failure", message="dead transitions").text = \
                "\n".join(result.dead_transitions)
    return ET.tostring(suite, encoding="unicode")


def _why(r: PropertyResult) -> str:
    if r.verdict == "vacuous":
        return f"vacuous: {r.note}"
    if r.expect == "violated":
        return "expected a violation, none was found"
    return f"{r.verdict} (expected to hold)"


def verdict_text(r: PropertyResult) -> str:
    if r.verdict == "holds to depth":
        return f"holds to depth {r.depth}"
    return r.verdict


def trace_lines(spec: Spec, data: dict) -> list[str]:
    """A counterexample as numbered steps: the event, the node, only what changed; then
    every node's view of the last state (the spec's node view: ``spec.views``)."""
    from hapair.spec.views import node_view, where

    lines, prev = [], None
    for i, step in enumerate(data["steps"]):
        state = step["state"]
        if prev is None:
            shown = ", ".join(f"{k}={v}" for k, v in state.items())
            lines.append(f"  0. initial: {shown}")
        else:
            at = where(spec, step["node"], step["event"])
            changed = ", ".join(f"{k}: {prev[k]} -> {v}" for k, v in state.items()
                                if prev.get(k) != v) or "(nothing tracked changed)"
            mark = "  <- loop starts here" if data.get("loop") == i else ""
            lines.append(f"{i:3}. {step['event']} on {at}: {changed}{mark}")
        prev = state
    if data.get("loop") is not None:
        lines.append(f"     ... and back to step {data['loop']}, forever")
    last = traces.replay(data, spec).states[-1]
    for node in spec.nodes:
        view = node_view(spec, last, node)
        lines.append(f"  {spec.node_names[node]}: {view.caption}")
        lines += ["    " + x for x in view.text.splitlines()]
    return lines


def table(result: CheckResult):
    """The property table as a rich Table: one row per property, a verdict per engine
    (a column for each engine that answered, explicit and z3 always)."""
    from rich.table import Table

    engines = list(dict.fromkeys(("explicit", "z3", *(r.engine for r in result.results))))
    t = Table(title=f"hapair check: {result.spec} {result.bounds}")
    for col in ("property", "kind", "assume", *engines, "expected", "states", "time"):
        t.add_column(col, justify="right" if col in ("states", "time") else "left")
    rows: dict[str, dict] = {}
    for r in result.results:
        rows.setdefault(r.name, {})[r.engine] = r
    for name, by_engine in rows.items():
        first = next(iter(by_engine.values()))
        ok = all(r.ok for r in by_engine.values()) and name not in result.disagreements
        cells = [verdict_text(by_engine[e]) if e in by_engine else "-" for e in engines]
        states = by_engine["explicit"].states if "explicit" in by_engine else 0
        seconds = sum(r.seconds for r in by_engine.values())
        t.add_row(name, first.kind, ", ".join(first.assume) or "-", *cells, first.expect,
                  f"{states:,}" if states else "-", f"{seconds:.2f}s",
                  style="green" if ok else "bold red")
    return t


def properties_markdown(spec: Spec) -> str:
    """The property table of ``docs/vsg.md``: each property, its kind, assumptions, meaning,
    the guide's sentence it states, and what decides it: ``rows`` when no state breaks it,
    reachable or not (``checker.symbolic.rows``: it checks that the rows say so), ``runs``
    when it depends on which states and runs the pair reaches."""
    from hapair.checker.symbolic.rows import decided_by_the_rows
    from hapair.spec.kinds import KINDS

    by_rows = decided_by_the_rows(spec)
    rows = ["| property | kind | assumes | meaning | the guide says | decided by |",
            "|---|---|---|---|---|---|"]
    for p in spec.properties.values():
        kind = (KINDS[p.kind].title or p.kind) + (", expected violated" if p.expect == "violated"
                                            else "")
        rows.append(f"| {p.name} | {kind} | {', '.join(p.assume)} | {p.meaning} | "
                    f"{p.guide.replace('|', '&#124;') or '(silent)'} | "
                    f"{'rows' if by_rows.get(p.name) else 'runs'} |")
    return "\n".join(rows)
