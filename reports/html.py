"""The HTML report of a checker run: one self-contained file (inline CSS, JS and SVG).

It holds the property table (verdict, engine, states, time), the diagrams, and each
counterexample as a step-through: next / previous buttons, and at each step the event
and every node's view (the VSG's ``show system redundancy status``).  Opening it needs
no network.
A URL fragment picks a step: ``report.html#step=3`` (every counterexample) or
``report.html#cex=NoDualActive&step=3``.

Without the ``dot`` program the diagrams are included as DOT text with a note saying
how to get pictures.

>>> import hapair
>>> from hapair.checker.results import CheckResult
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "r.html"
>>> write_html(CheckResult("vsg", {}), out, spec=hapair.load(), diagrams=False).name
'r.html'
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

from hapair.diagrams import extract as x
from hapair.diagrams.render import (
    DEFAULT,
    NO_DOT,
    RenderConfig,
    fmt_value,
    have_dot,
    machine_dot,
    svgs_inline,
    trace_dot,
)
from hapair.spec import Spec

log = logging.getLogger(__name__)

CSS = """
body { font: 14px/1.4 system-ui, Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table.props { border-collapse: collapse; }
table.props th, table.props td { border: 1px solid #ccc; padding: 3px 8px; text-align: left;
  vertical-align: top; }
table.props th { background: #eee; }
tr.ok td.verdict { background: #d9ead3; } tr.bad td.verdict { background: #f4cccc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.figure { overflow-x: auto; margin: 1em 0; } .figure svg { max-width: 100%; height: auto; }
.stepper { border: 1px solid #bbb; padding: .8em; margin: 1em 0; background: #fafafa; }
.stepper button { font-size: 1em; padding: .2em .9em; margin-right: .4em; }
.stepper .where { font-weight: bold; margin-left: .6em; }
.stepper .event { margin: .5em 0; font-size: 1.1em; }
.stepper .changed { color: #555; margin: .3em 0 .6em; }
.consoles { display: flex; gap: 1em; flex-wrap: wrap; }
.console { flex: 1 1 22em; }
.console pre { background: #111; color: #ddd; padding: .6em; margin: .2em 0; min-height: 20em;
  font: 12px/1.3 ui-monospace, Menlo, Consolas, monospace; }
.console.acting pre { outline: 3px solid #e0b000; }
.note { color: #666; }
"""

JS = """
(function () {
  function fragment() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var p = kv.split('=');
      if (p[0]) { out[decodeURIComponent(p[0])] = decodeURIComponent(p[1] || ''); }
    });
    return out;
  }
  function setup(box) {
    var data = JSON.parse(box.querySelector('script.steps').textContent);
    var i = 0;
    function show() {
      var s = data.steps[i];
      box.dataset.step = String(i);
      box.querySelector('.where').textContent = 'step ' + i + ' of ' + (data.steps.length - 1);
      box.querySelector('.event').textContent = s.event;
      box.querySelector('.changed').textContent = s.changed;
      data.nodes.forEach(function (n, k) {
        var c = box.querySelector('.console.n' + n);
        c.querySelector('pre').textContent = s.status[k];
        c.classList.toggle('acting', s.node === n);
      });
      box.querySelector('button.prev').disabled = i === 0;
      box.querySelector('button.next').disabled =
        i === data.steps.length - 1 && data.loop === null;
    }
    box.go = function (k) { i = Math.max(0, Math.min(data.steps.length - 1, k)); show(); };
    box.querySelector('button.prev').addEventListener('click', function () { box.go(i - 1); });
    box.querySelector('button.next').addEventListener('click', function () {
      if (i === data.steps.length - 1 && data.loop !== null) { box.go(data.loop); }
      else { box.go(i + 1); }
    });
    var f = fragment();
    var k = (!f.cex || f.cex === box.dataset.property) ? parseInt(f.step || '0', 10) : 0;
    box.go(isNaN(k) ? 0 : k);
  }
  document.querySelectorAll('.stepper').forEach(setup);
  window.addEventListener('hashchange', function () {
    var f = fragment();
    document.querySelectorAll('.stepper').forEach(function (box) {
      if (!f.cex || f.cex === box.dataset.property) { box.go(parseInt(f.step || '0', 10) || 0); }
    });
  });
})();
"""


def write_html(check_result, path, *, spec: Spec, diagrams: bool = True,
               config: RenderConfig = DEFAULT) -> Path:
    """Write the report of ``check_result`` (a ``checker.results.CheckResult``) to
    ``path`` and return the path.  ``diagrams=False`` leaves the pictures out (fast)."""
    from hapair.checker.trace import write_text

    path = Path(path)
    write_text(path, html_text(check_result, spec=spec, diagrams=diagrams, config=config))
    return path


def html_text(check_result, *, spec: Spec, diagrams: bool = True,
              config: RenderConfig = DEFAULT, run_id: str | None = None) -> str:
    """The report page as text; ``run_id`` (the run's output set) goes in a ``meta``."""
    parts = [_head(check_result, spec), _table(check_result), _problems(check_result)]
    cexs = [r for r in check_result.results if r.trace is not None]
    parts += _counterexamples(cexs, spec, config, diagrams)
    if diagrams:
        parts += _diagrams(check_result, spec, config)
    figures = [p for p in parts if isinstance(p, _Figure)]
    if figures and have_dot():  # every picture drawn at once, then put in its place
        drawn = dict(zip(map(id, figures), svgs_inline([f.source for f in figures])))
    else:
        drawn = {id(f): f"<pre>{_e(f.source)}</pre>" for f in figures}
    body = "".join(f"<div class='figure'>{drawn[id(p)]}</div>" if isinstance(p, _Figure)
                   else p for p in parts)
    run = f'<meta name="hapair-run-id" content="{_e(run_id)}">' if run_id else ""
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"{run}<title>hapair check: {_e(check_result.spec)}</title><style>{CSS}</style>"
            f"</head><body>{body}<script>{JS}</script></body></html>\n")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _head(res, spec: Spec) -> str:
    bounds = ", ".join(f"{k}={v}" for k, v in sorted(res.bounds.items())) or "none"
    verdict = "every verdict as expected" if res.ok else "SOME VERDICTS ARE NOT AS EXPECTED"
    return (f"<h1>hapair check: {_e(res.spec)}</h1><p>{_e(verdict)}; bounds: {_e(bounds)}; "
            f"{len(res.results)} results in {res.seconds:.2f} s.</p>")


def _anchor(r) -> str:
    return f"cex-{r.name}-{r.engine}"


def _table(res) -> str:
    head = ("<tr><th>property</th><th>kind</th><th>meaning</th><th>assumes</th>"
            "<th>expected</th><th>verdict</th><th>engine</th><th>states</th><th>edges</th>"
            "<th>seconds</th><th>counterexample</th></tr>")
    rows = []
    for r in res.results:
        depth = f" (depth {r.depth})" if r.depth is not None else ""
        cex = (f"<a href='#{_e(_anchor(r))}'>{len(r.trace)} steps</a>" if r.trace else "")
        note = f"<br><span class='note'>{_e(r.note)}</span>" if r.note else ""
        rows.append(
            f"<tr class='{'ok' if r.ok else 'bad'}' data-property='{_e(r.name)}'>"
            f"<td>{_e(r.name)}</td><td>{_e(r.kind)}</td><td>{_e(r.meaning)}{note}</td>"
            f"<td>{_e(', '.join(r.assume) or '-')}</td><td>{_e(r.expect)}</td>"
            f"<td class='verdict'>{_e(r.verdict + depth)}</td><td>{_e(r.engine)}</td>"
            f"<td class='num'>{r.states}</td><td class='num'>{r.edges}</td>"
            f"<td class='num'>{r.seconds:.3f}</td><td>{cex}</td></tr>")
    return f"<h2>Properties</h2><table class='props'>{head}{''.join(rows)}</table>"


def _problems(res) -> str:
    out = []
    if res.slices:
        rows = "".join(
            f"<tr><td>{_e(', '.join(s.assume) or '-')}</td><td class='num'>{len(s.variables)}"
            f"</td><td class='num'>{s.states}</td><td class='num'>{s.edges}</td>"
            f"<td class='num'>{s.depth}</td><td class='num'>{s.seconds:.3f}</td></tr>"
            for s in res.slices)
        out.append("<h2>State spaces explored</h2><table class='props'><tr><th>assumes</th>"
                   "<th>variables</th><th>states</th><th>edges</th><th>depth</th>"
                   f"<th>seconds</th></tr>{rows}</table>")
    if res.dead_transitions:
        items = "".join(f"<li>{_e(d)}</li>" for d in res.dead_transitions)
        out.append(f"<h2>Rows that never fired</h2><ul>{items}</ul>")
    if res.disagreements:
        out.append("<h2>Engines disagree</h2><p>" + _e(", ".join(res.disagreements)) + "</p>")
    if res.certificate:
        out.append(f"<p class='note'>certificate: {_e(res.certificate)}</p>")
    return "".join(out)


class _Figure:
    """A picture's place in the page, drawn from its DOT text when the page is made."""

    def __init__(self, source: str):
        self.source = source


def step_data(trace, spec: Spec) -> dict:
    """What the step-through shows: per step the event, the changed fields and every
    node's view (the VSG's ``show system redundancy status``)."""
    ir = x.trace_ir_of(trace, spec, with_status=True)
    steps = []
    for row in ir.rows:
        if row.event is None:
            event = "initial state"
        else:
            event = f"{row.event} on {row.actor}" if row.node else str(row.event)
        changed = "; ".join(f"{'n%s.' % c if c != 'pair' else ''}{k} = {fmt_value(v)}"
                            for c, fields in row.changed for k, v in fields)
        steps.append({"event": event, "node": row.node, "changed": changed,
                      "status": list(row.status)})
    return {"steps": steps, "loop": trace.loop, "nodes": list(spec.nodes)}


def _stepper(r, spec: Spec) -> str:
    data = json.dumps(step_data(r.trace, spec), sort_keys=True).replace("</", "<\\/")
    from hapair.spec.views import node_view

    consoles = "".join(
        f"<div class='console n{n}'><div>{_e(spec.node_names[n])}: <code>"
        f"{_e(node_view(spec, spec.initial, n).caption)}</code></div><pre></pre></div>"
        for n in spec.nodes)
    return (f"<div class='stepper' data-property='{_e(r.name)}' data-engine='{_e(r.engine)}'>"
            "<button class='prev' type='button'>&#9664; previous</button>"
            "<button class='next' type='button'>next &#9654;</button><span class='where'>"
            "</span><div class='event'></div><div class='changed'></div>"
            f"<div class='consoles'>{consoles}</div>"
            f"<script type='application/json' class='steps'>{data}</script></div>")


def _counterexamples(results: list, spec: Spec, cfg: RenderConfig, diagrams: bool) -> list:
    """The section's parts: HTML text, and a ``_Figure`` for each picture."""
    if not results:
        return []
    out: list = ["<h2>Counterexamples</h2>"]
    if diagrams and not have_dot():
        out.append(f"<p class='note'>{_e(NO_DOT)}</p>")
    for r in results:
        kind = "lasso" if r.trace.loop is not None else "run"
        out.append(f"<h3 id='{_e(_anchor(r))}'>{_e(r.name)} ({_e(r.engine)}): a {kind} of "
                   f"{len(r.trace)} steps</h3><p>{_e(r.meaning)}</p>")
        out.append(_stepper(r, spec))
        if diagrams:
            ir = x.trace_ir_of(r.trace, spec, title=f"counterexample to {r.name}")
            out.append(_Figure(trace_dot(ir, cfg)))
    return out


def _diagrams(res, spec: Spec, cfg: RenderConfig) -> list:
    """The section's parts: HTML text, and a ``_Figure`` for each picture."""
    from hapair.diagrams.build import product_sources

    out: list = ["<h2>Diagrams</h2>"]
    if not have_dot():
        out.append(f"<p class='note'>{_e(NO_DOT)}</p>")
    complete = {r.name for r in res.results} >= set(spec.properties)
    cov = x.coverage_of_dead(spec, res.dead_transitions) if complete else None
    for name in spec.machines:
        out.append(f"<h3>machine {_e(name)}</h3>")
        out.append(_Figure(machine_dot(x.machine_ir(spec, name, cov), cfg)))
    for stem, source in product_sources(spec, cfg).items():
        out.append(f"<h3>{_e(stem)}</h3>")
        out.append(_Figure(source))
    return out
