"""Diagrams of the spec and of checker runs: extract -> IR (plain dataclasses) -> render.

Graphviz is imported only when something is drawn.  The entry points for the CLI:

* ``write_all(out_dir, *, formats=("dot", "svg"), png=False) -> (paths, message)``: the
  generated set; ``message`` is "" or, without the ``dot`` program, how to get pictures;
* ``render_trace_file(path, out=None) -> Written``: a trace file as a picture (a list
  of paths with ``.message``);
* ``trace_picture(trace, spec, out) -> Written``: a checker ``Trace`` as a picture;
* ``report.write_html(check_result, path, *, spec)``: the self-contained HTML report.
"""

from hapair.diagrams.build import diagram_sources, render_trace_file, trace_picture, write_all
from hapair.diagrams.render import NO_DOT, RenderConfig, Written, have_dot

__all__ = ["NO_DOT", "RenderConfig", "Written", "diagram_sources", "have_dot",
           "render_trace_file", "trace_picture", "write_all"]
