"""Render: the IR of ``extract`` as DOT text, and DOT as SVG / PNG through Graphviz.

DOT comes from the ``graphviz`` package (imported lazily) and depends on nothing but the
IR and one ``RenderConfig``, so it is the same byte for byte on every machine; tests
compare it.  SVG and PNG need the ``dot`` binary and vary a little with its version.

>>> import hapair
>>> from hapair.diagrams.extract import machine_ir
>>> print(machine_dot(machine_ir(hapair.load(), "link")).splitlines()[0])
digraph link {
"""

from __future__ import annotations

import html
import json
import logging
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

from hapair.diagrams.extract import Columns, EdgeIR, MachineIR, ProductIR, TraceIR

log = logging.getLogger(__name__)

NO_DOT = ("the Graphviz 'dot' program is not installed, so only the .dot files were "
          "written; to get pictures install Graphviz (e.g. 'apt-get install graphviz' or "
          "'brew install graphviz') and run again")


@dataclass(frozen=True)
class RenderConfig:
    """Every renderer setting, in one place."""

    font: str = "Helvetica"
    fontsize: int = 11
    small: int = 9  # edge labels and notes
    wrap: int = 44  # characters per line of a condition or an effect
    max_events: int = 6  # events shown on a product edge before "+N more"
    machine_rankdir: str = "TB"
    product_rankdir: str = "TB"
    unreached: str = "gray60"  # colour of states / rows the checker never reached
    violating: str = "#f4a6a6"  # fill of states where a property is violated
    initial: str = "#d9ead3"
    acting: str = "#fff2cc"  # the trace cell of the node that acted
    grid_x: float = 3.0  # inches between the columns of a grid quotient
    grid_y: float = 2.0
    # edge colours: a global event, then node 1, 2, ...
    actors: tuple = ("black", "blue", "darkgreen", "purple", "darkorange3", "brown",
                     "deeppink3", "teal", "crimson")
    full_limit: int = 300  # draw the full product only up to this many states


DEFAULT = RenderConfig()


def _esc(text: str) -> str:
    """Text for a quoted DOT label (``\\l`` ends a left-aligned line)."""
    return str(text).replace("\\", "\\\\")


def _lines(*lines: str) -> str:
    return "".join(_esc(x) + "\\l" for x in lines)


def _digraph(name: str, title: str, notes: tuple, cfg: RenderConfig, rankdir: str):
    import graphviz

    g = graphviz.Digraph(name)
    label = _lines(title, *notes) if notes else _esc(title)
    g.attr("graph", rankdir=rankdir, fontname=cfg.font, fontsize=str(cfg.fontsize),
           label=label, labelloc="t", labeljust="l")
    g.attr("node", fontname=cfg.font, fontsize=str(cfg.fontsize))
    g.attr("edge", fontname=cfg.font, fontsize=str(cfg.small))
    return g


# -- machines --------------------------------------------------------------------------


def edge_lines(e: EdgeIR, cfg: RenderConfig = DEFAULT) -> list:
    """``trigger [conditions] / effects``, wrapped at ``cfg.wrap``.  Effects are shown in
    full when they fit on two lines, else as the list of what they set (the spec has the
    expressions)."""
    text = e.trigger + (f" [{e.conditions}]" if e.conditions else "")
    lines = textwrap.wrap(" ".join(text.split()), cfg.wrap, subsequent_indent="    ",
                          break_on_hyphens=False)
    if e.effects:
        full = "/ " + "; ".join(f"{t} := {' '.join(str(v).split())}" for t, v in e.effects)
        if len(full) > 2 * cfg.wrap:
            full = "/ sets " + ", ".join(t for t, _ in e.effects)
        lines += textwrap.wrap(full, cfg.wrap, subsequent_indent="    ",
                               break_on_hyphens=False)
    return lines


def machine_dot(ir: MachineIR, cfg: RenderConfig = DEFAULT) -> str:
    """One machine: states (the initial one with a start arrow) and its rows; rows with
    the same source and target share one arrow, one label block per row."""
    notes = [f"variable: {ir.variable} ({ir.scope_note}); {len(ir.states)} states, "
             f"{len(ir.edges)} rows"]
    if ir.checked:
        missed = sum(not s.reached for s in ir.states) + sum(not e.fired for e in ir.edges)
        notes.append("grey dashed: never reached / never fired by the checker"
                     if missed else "every state reached and every row fired by the checker")
    g = _digraph(ir.name, f"machine {ir.name}", tuple(notes), cfg, cfg.machine_rankdir)
    g.node("__start", label="", shape="point", width="0.12")
    for s in ir.states:
        attrs = {"shape": "box", "style": "rounded"}
        if s.initial:
            attrs.update(style="rounded,filled,bold", fillcolor=cfg.initial)
        if not s.reached:
            attrs.update(style="rounded,dashed", color=cfg.unreached, fontcolor=cfg.unreached)
        g.node(s.name, label=_esc(s.name), **attrs)
        if s.initial:
            g.edge("__start", s.name)
    groups: dict = {}
    for e in ir.edges:
        groups.setdefault((e.source, e.dest, e.fired), []).append(e)
    for (src, dst, fired), edges in groups.items():
        attrs = {} if fired else {"style": "dashed", "color": cfg.unreached,
                                  "fontcolor": cfg.unreached}
        lines = [line for e in edges for line in edge_lines(e, cfg)]
        g.edge(src, dst, label=_lines(*lines), **attrs)
    return g.source


# -- the product -------------------------------------------------------------------------


def _events_label(events: tuple, count: int, cfg: RenderConfig) -> str:
    shown = list(events[: cfg.max_events])
    if len(events) > len(shown):
        shown.append(f"+{len(events) - len(shown)} more")
    return _lines(*shown)


def product_dot(ir: ProductIR, cfg: RenderConfig = DEFAULT) -> str:
    """A quotient (node = class of states, with its size) or the full graph.  A quotient
    by two variables is drawn as a grid: a row per value of the first, a column per
    value of the second, so a step of one node moves up or down, one of the other sideways."""
    notes = list(ir.notes)
    if any(e.actor for e in ir.edges):
        shared, *nodes = ir.actors
        legend = [f"{cfg.actors[k]} = {'an event ' if k == 1 else ''}on {name}"
                  for k, name in enumerate(nodes, 1)]
        notes.append("edges: " + ", ".join([*legend, f"{cfg.actors[0]} = {shared}"]))
    if any(n.violating for n in ir.nodes):
        notes.append("red: a property is violated in (some of) these states")
    grid = bool(ir.axes) and all(n.cell for n in ir.nodes)
    g = _digraph("product", ir.title, tuple(notes), cfg, cfg.product_rankdir)
    g.attr("node", shape="box", style="rounded")
    if grid:
        _grid_frame(g, ir, cfg)
    for n in ir.nodes:
        attrs = {"pos": _pos(*n.cell, cfg)} if grid else {}
        if n.violating or n.initial:
            attrs.update(style="rounded,filled,bold",
                         fillcolor=cfg.violating if n.violating else cfg.initial)
        g.node(n.key, label=_lines(*_node_lines(n, ir.kind, grid)), **attrs)
    for e in ir.edges:
        colour = cfg.actors[e.actor or 0]
        g.edge(e.source, e.dest, label=_events_label(e.events, e.count, cfg), color=colour,
               fontcolor=colour)
    return g.source


def _node_lines(n, kind: str, grid: bool) -> list:
    lines = [] if grid else list(n.lines)
    if kind == "quotient":
        lines.append(f"{n.count} state{'s' if n.count != 1 else ''}")
        if n.violating:
            lines.append(f"{n.violating} violating")
    return lines


def _pos(col: int, row: int, cfg: RenderConfig) -> str:
    return f"{(col + 1) * cfg.grid_x:.2f},{-(row + 1) * cfg.grid_y:.2f}!"


def _grid_frame(g, ir: ProductIR, cfg: RenderConfig) -> None:
    """Pinned positions (neato) and the row / column headings of a grid quotient."""
    g.attr("graph", layout="neato", splines="true", overlap="false", outputorder="edgesfirst",
           sep="+6")
    g.attr("edge", arrowsize="0.6")
    rows, cols = ir.axes
    first, second = (ln.split(":")[0] for ln in ir.nodes[0].lines)
    g.node("__corner", label=_esc(f"{first} \u2193  {second} \u2192"), shape="plaintext",
           pos=_pos(-1, -1, cfg))
    for i, value in enumerate(rows):
        g.node(f"__row{i}", label=_esc(value), shape="plaintext", pos=_pos(-1, i, cfg))
    for j, value in enumerate(cols):
        g.node(f"__col{j}", label=_esc(value), shape="plaintext", pos=_pos(j, -1, cfg))


# -- traces ------------------------------------------------------------------------------


def _cell(text_lines: list, bg: str | None = None, port: str | None = None,
          bold: bool = False) -> str:
    body = "<br align='left'/>".join(html.escape(x) for x in text_lines) or " "
    if bold:
        body = f"<b>{body}</b>"
    attrs = "".join([f" bgcolor='{bg}'" if bg else "", f" port='{port}'" if port else ""])
    return f"<td align='left' balign='left' valign='top'{attrs}>{body}</td>"


def _row(r, ir: TraceIR, cfg: RenderConfig) -> str:
    if r.event is None:
        event = "initial state"
    else:
        event = f"{r.event} @ {r.actor}" if r.node else str(r.event)
    changed = dict(r.changed)
    cells = [_cell([f"{r.index}"], port=f"w{r.index}"), _cell([event], bold=r.index > 0)]
    keys = _columns(ir).keys
    for col in keys:
        fields = [f"{k} = {fmt_value(v)}" for k, v in changed.get(col, ())]
        acting = r.node == col or (r.node is None and col == "pair" and r.index > 0)
        cells.append(_cell(fields, cfg.acting if acting and r.event else None,
                           port=f"e{r.index}" if col == keys[-1] else None))
    return "<tr>" + "".join(cells) + "</tr>"


def _columns(ir: TraceIR) -> Columns:
    return ir.columns or Columns.of({1: "node 1", 2: "node 2"})


def fmt_value(v) -> str:
    return json.dumps(v) if isinstance(v, bool) or v is None else str(v)


def trace_dot(ir: TraceIR, cfg: RenderConfig = DEFAULT) -> str:
    """The run as one table: a row per step, a column per node and one for the shared
    variables (between the two nodes of a pair); each row shows the event and what changed.
    A lasso gets an arrow from its last row back to the row where the loop starts."""
    notes = ["row 0: the initial state; later rows: only the fields that changed",
             "yellow: the node the event happened on"]
    if ir.loop is not None:
        notes.append(f"lasso: after the last row the run returns to row {ir.loop}")
    if ir.tracked:
        notes.append("fields: the checker's slice (" + str(len(ir.tracked)) + " variables)")
    g = _digraph("trace", ir.title, tuple(notes), cfg, "TB")
    head = ("<tr>" + "".join(_cell([h], "#eeeeee", bold=True) for h in
                             ("#", "event", *_columns(ir).headings)) + "</tr>")
    rows = "".join(_row(r, ir, cfg) for r in ir.rows)
    table = (f"<<table border='0' cellborder='1' cellspacing='0' cellpadding='4'>{head}{rows}"
             "</table>>")
    g.node("run", label=table, shape="plain")
    if ir.loop is not None and ir.rows:
        last = ir.rows[-1].index
        label = f"loop: {ir.loop_event}" if ir.loop_event else "loop"
        g.edge(f"run:e{last}:e", f"run:e{ir.loop}:e", label=_esc(label), color="#cc0000",
               fontcolor="#cc0000", constraint="false")
    return g.source


# -- output ---------------------------------------------------------------------------


def have_dot() -> bool:
    return shutil.which("dot") is not None


def convert(source: str, fmt: str) -> bytes:
    """DOT text -> ``fmt`` (svg, png, ...) through the ``dot`` program."""
    done = subprocess.run(["dot", f"-T{fmt}"], input=source.encode(), capture_output=True,
                          check=False, timeout=120)
    if done.returncode != 0:
        from hapair.spec import HapairError

        raise HapairError(f"dot -T{fmt} failed: {done.stderr.decode(errors='replace')[:300]}")
    return done.stdout


def convert_all(sources: list, fmt: str) -> list[bytes]:
    """``convert`` of each DOT text, a ``dot`` process per core at once (each layout is
    a process of its own, so threads are enough to keep the cores busy)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    if len(sources) < 2:
        return [convert(source, fmt) for source in sources]
    with ThreadPoolExecutor(max_workers=min(len(sources), os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda source: convert(source, fmt), sources))


def svgs_inline(sources: list) -> list[str]:
    """Each DOT text as an SVG element to paste into HTML (no XML prolog, no doctype),
    drawn side by side (``convert_all``)."""
    texts = [svg.decode() for svg in convert_all(sources, "svg")]
    return [text[text.index("<svg"):] for text in texts]


class Written(list):
    """The paths written (a list), plus ``message``: "" or how to get the pictures."""

    message: str = ""


def write(sources: dict, out_dir, *, formats: tuple = ("dot", "svg"),
          png: bool = False) -> Written:
    """Write ``{stem: DOT text}`` as ``stem.dot`` (+ ``.svg``, ``.png``) under ``out_dir``.
    A picture whose DOT file already holds the same text is not drawn again: Graphviz's
    layout is not reproducible byte for byte, the DOT text is."""
    from hapair.checker.trace import write_bytes, write_text

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        from hapair.spec import HapairError

        raise HapairError(f"{out}: is a file, expected a directory for the diagrams")
    fmts = [f for f in dict.fromkeys((*formats, *(("png",) if png else ()))) if f != "dot"]
    written = Written()
    drawable = have_dot()
    if fmts and not drawable:
        written.message = NO_DOT
        log.warning(NO_DOT)
    drawn: dict = {}  # path -> DOT text, the pictures to draw (all at once, below)
    for stem, source in sources.items():
        dot_path = out / f"{stem}.dot"
        unchanged = dot_path.is_file() and dot_path.read_text(encoding="utf-8") == source
        if "dot" in formats or not drawable:
            write_text(dot_path, source)
            written.append(dot_path)
        for fmt in fmts if drawable else ():
            path = out / f"{stem}.{fmt}"
            if not (unchanged and path.is_file()):
                drawn[path] = source
            written.append(path)
    for fmt in fmts:
        paths = [p for p in drawn if p.suffix == f".{fmt}"]
        for path, picture in zip(paths, convert_all([drawn[p] for p in paths], fmt)):
            write_bytes(path, picture)
    return written
