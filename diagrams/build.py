"""The generated set for a spec (the built-in VSG by default), and trace pictures.

``write_all`` is what ``hapair diagrams --out DIR`` runs; ``render_trace_file`` is
``hapair diagram --trace FILE``.  The set is committed under ``diagrams/vsg/`` and
``tests/test_diagrams.py`` fails when it is stale.

What each picture explores (slices keep the checks fast, see ``model.cone_of_influence``):

* ``machine-<name>``: the declared rows; grey dashed what the checker never reached,
  judged on the cone of influence of that machine's own variable with no assumptions
  (exact for that machine: its rows' guards are all in the cone).
* ``product-quotient``: the product under the assumptions the spec's ``diagrams`` key
  names, sliced to the cone of the variables it groups by, collapsed by their values
  (for the VSG: under ``fixed_pairing``, by ``n1.state x n2.state``); red where an
  ``always`` property decidable on that slice fails (here the expected
  ``DualActiveOnPartition``).
* ``product-full``: every state and edge of the spec's ``full`` slice (for the VSG: the
  same, with the link kept up too).
* ``counterexample-<property>``: the shortest run to the first violation of each
  property that is expected to be violated.

>>> sorted(diagram_sources())[:2]
['counterexample-DualActiveOnPartition', 'counterexample-RoleChangeConflict']
"""

from __future__ import annotations

from pathlib import Path

from hapair.diagrams import extract as x
from hapair.diagrams.render import (
    DEFAULT,
    RenderConfig,
    Written,
    machine_dot,
    product_dot,
    trace_dot,
    write,
)
from hapair.model.slicing import Slice, slice_reading
from hapair.spec import Spec


def picture_slice(spec: Spec, picture: str) -> tuple[Slice, tuple, str]:
    """The slice of ``product-quotient`` or ``product-full`` (the cone of the variables
    the spec's ``diagrams`` key names, under its assumptions; by default each node's
    first machine, no assumption), those variables' names, and the picture's title."""
    d = spec.diagrams[picture]
    return slice_reading(spec, d["by"], d["assume"]), tuple(d["by"]), \
        f"{spec.name}: {d['title']}"


def explore_slice(spec: Spec, sl: Slice):
    from hapair.checker.explicit import explore
    from hapair.model.product import Model

    return explore(Model(spec, sl.assume, sl.keep))


def machine_coverage(spec: Spec, name: str | None = None) -> x.Coverage:
    """What the checker reaches of each machine (or of ``name`` only): exact, see
    ``extract.coverage_fast``."""
    return x.coverage_fast(spec, [name] if name else list(spec.machines))


def _violations(spec: Spec, graph) -> tuple:
    props = x.always_violations(spec, graph)
    if not props:
        return None, ()
    fns = list(props.values())
    names = ", ".join(f"{n} (expected)" if spec.properties[n].expect == "violated" else n
                      for n in props)
    return (lambda s: any(f(s) for f in fns)), (f"checked here: {names}",)


def product_sources(spec: Spec, cfg: RenderConfig = DEFAULT) -> dict:
    out = {}
    sl, by, title = picture_slice(spec, "quotient")
    g = explore_slice(spec, sl)
    bad, notes = _violations(spec, g)
    ir = x.quotient_ir(g, by, violating=bad, title=title)
    out["product-quotient"] = product_dot(_with_notes(ir, notes), cfg)
    sl, _, title = picture_slice(spec, "full")
    g = explore_slice(spec, sl)
    if len(g.states) <= cfg.full_limit:
        bad, notes = _violations(spec, g)
        ir = x.full_ir(g, violating=bad, title=title)
        out["product-full"] = product_dot(_with_notes(ir, notes), cfg)
    return out


def _with_notes(ir: x.ProductIR, notes: tuple) -> x.ProductIR:
    from dataclasses import replace

    return replace(ir, notes=ir.notes + notes)


def expected_counterexamples(spec: Spec) -> dict:
    """``{property: Trace}``: the counterexample ``hapair check`` shows for each ``always``
    property that the spec expects to be violated (the same run, picture and printout)."""
    from hapair.checker.run import check

    out = {}
    for name, p in spec.properties.items():
        if not p.is_state_invariant or p.expect != "violated":
            continue
        found = check(spec, only=(name,), engines=("explicit",)).results[0]
        if found.trace is not None:
            out[name] = found.trace
    return out


def diagram_sources(spec: Spec | None = None, cfg: RenderConfig = DEFAULT) -> dict:
    """``{file stem: DOT text}`` for the whole set, in a fixed order."""
    from hapair.specs import load

    spec = spec or load()
    out = {}
    coverage = machine_coverage(spec)
    for name in spec.machines:
        ir = x.machine_ir(spec, name, coverage)
        out[f"machine-{name}"] = machine_dot(ir, cfg)
    out.update(product_sources(spec, cfg))
    for name, trace in expected_counterexamples(spec).items():
        ir = x.trace_ir_of(trace, spec, title=f"{spec.name}: counterexample to {name} "
                           f"({spec.properties[name].meaning})")
        out[f"counterexample-{name}"] = trace_dot(ir, cfg)
    return out


def write_all(out_dir, *, formats: tuple = ("dot", "svg"), png: bool = False,
              spec: Spec | None = None, config: RenderConfig = DEFAULT) -> tuple[list, str]:
    """Generate the whole set into ``out_dir``; returns ``(paths written, message)``.
    Without the ``dot`` program only the .dot files are written and the message says
    how to get the pictures (else it is "").

    >>> import tempfile
    >>> paths, message = write_all(tempfile.mkdtemp(), formats=("dot",))
    >>> sorted(p.name for p in paths)[0], message
    ('counterexample-DualActiveOnPartition.dot', '')
    """
    written = write(diagram_sources(spec, config), out_dir, formats=formats, png=png)
    return list(written), written.message


def trace_picture(trace, spec: Spec, out, *, title: str = "", formats: tuple = ("dot", "svg"),
                  png: bool = False, config: RenderConfig = DEFAULT) -> Written:
    """Draw a checker ``Trace``; ``out`` is a path without (or with) an extension."""
    out = Path(out)
    ir = x.trace_ir_of(trace, spec, title=title)
    return write({out.stem: trace_dot(ir, config)}, out.parent, formats=formats, png=png)


def render_trace_file(path, out=None, *, formats: tuple = ("dot", "svg"), png: bool = False,
                      config: RenderConfig = DEFAULT) -> Written:
    """``hapair diagram --trace FILE``: draw a trace file (``hapair-trace/1`` JSON or
    ITF) as ``out`` (default: beside the file, same name) .dot / .svg / .png."""
    from hapair.checker.trace import load_any

    path = Path(path)
    ir = x.trace_ir_from_json(load_any(path))
    out = Path(out) if out is not None else path.with_suffix("")
    if out.suffix in (".dot", ".svg", ".png"):
        out = out.with_suffix("")
    return write({out.name: trace_dot(ir, config)}, out.parent, formats=formats, png=png)
