"""The command line: ``hapair check | specs | mutate | console | replay | diagrams |
diagram | export | explore | node | validate``; ``--spec NAME|FILE`` picks the spec
(default: the built-in VSG).

Exit codes: 0 every property has its expected verdict; 1 one does not; 2 bad usage, a
malformed spec, property or trace, or a replay that diverges (one line on stderr).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hapair import validate_args
from hapair.spec import HapairError, SpecError


def _bounds(items: list[str]) -> dict:
    return validate_args.bounds(items)


def load_spec(args):
    from hapair import specs

    sp = specs.load(getattr(args, "spec", None) or "vsg",
                    bounds=_bounds(getattr(args, "bound", None)))
    for path in getattr(args, "properties", None) or []:
        sp = add_properties(sp, path)
    return sp


def add_properties(sp, path: str):
    """``sp`` with the user properties of ``path`` (a JSON list of property objects, the
    same form as the spec's)."""
    from hapair.checker.files import read_json

    decls = read_json(path, "a JSON list of properties", SpecError)
    if not isinstance(decls, list):
        raise SpecError(f"{path}: expected a JSON list of properties")
    for i, d in enumerate(decls):
        if not isinstance(d, dict):
            raise SpecError(f"{path}: item {i} is not an object")
        try:
            sp = sp.with_property(d)
        except SpecError as exc:
            raise SpecError(f"{path}: {exc}") from None
    return sp


def cmd_check(args) -> int:
    from rich.console import Console

    from hapair.checker.files import OutputSet
    from hapair.checker.run import check
    from hapair.reports import text as report

    validate_args.check_outputs("check", args)
    sp = load_spec(args)
    if args.assume is not None or args.no_assumptions:
        sp = sp.with_assumptions(tuple(args.assume or ()))
    # CI logs are not terminals: give the table and the traces room instead of 80 columns.
    out = Console() if sys.stdout.isatty() else Console(width=150)
    err = Console(stderr=True)
    engines = tuple(args.engine) if args.engine else ("explicit", "z3")
    with err.status("checking", spinner="dots") as status:
        result = check(sp, only=tuple(args.property or ()), engines=engines, strict=args.strict,
                       reference=args.reference, liveness_depth=args.liveness_depth,
                       use_cache=not args.no_cache,
                       progress=lambda msg: status.update(msg))
    out.print(report.table(result))
    _print_stats(out, result)
    declared = report.declared_fairness(sp)
    if declared:
        out.print(f"fairness (leads_to assumes it): {declared}", markup=False)
    with ThreadPoolExecutor(max_workers=1) as beside:
        # The diagrams depend on the spec alone: drawn beside the outputs of the run
        # (much of either is waiting for a dot process), reported after them.
        drawing = beside.submit(_draw, Path(args.diagrams), sp) if args.diagrams else None
        with OutputSet() as outputs:  # one set, one run id, renamed into place together
            written = _write_traces(sp, result, Path(args.out), args.emit_pytest, out,
                                    outputs)
            if args.json:
                outputs.write_json(args.json, {**report.to_json(result, sp),
                                               "run_id": outputs.run_id})
            if args.junit:
                outputs.write_text(args.junit, report.to_junit(result, run_id=outputs.run_id))
            if args.html:
                from hapair.reports.html import html_text
                outputs.write_text(args.html, html_text(result, spec=sp,
                                                        run_id=outputs.run_id))
            outputs.commit()
        if drawing is not None:
            _report_drawn(Path(args.diagrams), out, *drawing.result())
    for line in written:
        out.print(line)
    failures = result.failures()
    if failures:
        out.print("[bold red]FAILED[/bold red]: " + failures[0] + "".join(
            f"\n  also: {f}" for f in failures[1:]))
    else:
        out.print("[green]OK[/green]: every property has its expected verdict")
    return 0 if result.ok else 1


def _print_stats(out, result) -> None:
    for s in result.slices:
        out.print(f"explored {s.states} states, {s.edges} edges, diameter (BFS depth) {s.depth} in "
                  f"{s.seconds:.2f}s ({s.rate:,.0f} states/s), assuming "
                  f"{', '.join(s.assume) or 'nothing'}; {s.deadlocks} deadlocks")
    out.print(f"transition coverage: {len(result.dead_transitions)} dead transitions"
              + ("".join(f"\n  dead: {d}" for d in result.dead_transitions)))
    if result.certificate:
        out.print(f"certificate: {result.certificate}")
    if result.disagreements:
        out.print(f"[bold red]engines disagree on: {', '.join(result.disagreements)}")
    out.print(f"total {result.seconds:.2f}s")


def _write_traces(sp, result, out_dir: Path, emit_dir, out, outputs) -> list[str]:
    from hapair.checker import trace
    from hapair.reports import text as report

    lines, done = [], set()
    stage = emit = None
    for r in result.results:
        if r.trace is None or r.name in done:
            continue
        done.add(r.name)
        stage = stage or outputs.directory(out_dir)
        data = {**trace.to_json(sp, r.trace, r.name, r.assume), "run_id": outputs.run_id}
        tag = "expected violation" if r.expect == "violated" else "VIOLATION"
        out.print(f"\n{tag}: {r.name} ({r.meaning}), shortest counterexample "
                  f"({len(r.trace)} steps, {r.engine}):", markup=False)
        out.print("\n".join(report.trace_lines(sp, data)), markup=False, highlight=False)
        if r.trace.loop is not None and r.note:  # which fair actions the lasso serves
            out.print(f"  fairness: {r.note}", markup=False, highlight=False)
        trace.write_json(stage / f"{r.name}.trace.json", data)
        trace.write_json(stage / f"{r.name}.itf.json", trace.to_itf(data))
        lines.append(f"wrote {out_dir / (r.name + '.trace.json')} and .itf.json")
        from hapair.diagrams import trace_picture
        pictures = trace_picture(r.trace, sp, stage / f"{r.name}.trace",
                                 title=f"{r.name}: {r.meaning}")
        lines += [f"wrote {out_dir / p.name}" for p in pictures] + (
            [pictures.message] if pictures.message else [])
        if emit_dir:
            emit = emit or outputs.directory(Path(emit_dir))
            lines.append(f"wrote {Path(emit_dir) / trace.emit_pytest(data, r.meaning, emit).name}")
    return lines


def _diagrams(directory: Path, out, png: bool, spec=None) -> None:
    _report_drawn(directory, out, *_draw(directory, spec, png))


def _draw(directory: Path, spec, png: bool = False) -> tuple[list, str]:
    from hapair.diagrams import write_all

    return write_all(directory, png=png, spec=spec)


def _report_drawn(directory: Path, out, written: list, message: str) -> None:
    out.print(f"wrote {len(written)} diagram files to {directory}")
    if message:
        out.print(message)


def cmd_replay(args) -> int:
    """Run a trace on the embeddable machine, step by step, and say what it shows."""
    from hapair.checker import trace
    from hapair.reports import text as report

    _bounds(args.bound)  # flags first, then the file
    data = trace.load(args.file)
    sp = load_spec(args) if args.bound or args.spec else trace.spec_of(data)
    run = trace.replay(data, sp)
    sp = run.spec  # with the trace's own property, when it defines one
    print("\n".join(report.trace_lines(sp, data)))
    print(f"replayed {len(data['steps']) - 1} steps of {args.file} on the embeddable machine")
    name = data.get("property")
    if name in sp.properties:
        print(f"{name}: {'violated' if run.violates() else 'not violated'} by this run")
    else:
        print(f"{name}: not a property of this spec, only the steps were checked")
    return 0


def cmd_diagrams(args) -> int:
    from rich.console import Console

    sp = load_spec(args)
    args.out = f"diagrams/{sp.name}" if args.out is None else args.out
    validate_args.check_outputs("diagrams", args)
    _diagrams(Path(args.out), Console(), png=args.png, spec=sp)
    return 0


def cmd_specs(args) -> int:
    """The built-in specs, one a line: name, size, what it is."""
    from hapair import specs

    for name in specs.BUILTIN:
        data, _ = specs.read(name)
        sp = specs.load(data)
        print(f"{name:6} {len(sp.nodes)} nodes, {len(sp.variables):2} variables, "
              f"{len(sp.rules):3} rules, {len(sp.properties):2} properties  "
              f"{data.get('doc', '')}")
    return 0


def cmd_diagram(args) -> int:
    from hapair.checker import trace
    from hapair.diagrams import render_trace_file

    out = validate_args.diagram_target(args.out)
    data = trace.load_any(args.trace)
    if data.get("format") == trace.FORMAT:  # a hapair trace must also replay; ITF is drawn
        trace.replay(data)
    if out.is_dir():
        out = out / (Path(args.trace).name.split(".")[0] or "trace")
    written = render_trace_file(args.trace, out)
    for path in written:
        print(f"wrote {path}")
    if written.message:
        print(written.message)
    return 0


def cmd_export(args) -> int:
    from hapair.checker import promela, trace

    validate_args.check_outputs("export", args)
    sp = load_spec(args)
    trace.write_text(Path(args.promela), promela.export(sp, assume=tuple(args.assume or ())))
    print(f"wrote {args.promela}")
    return 0


def cmd_explore(args) -> int:
    """The full product (no slicing): states, edges, depth, time."""
    import time

    from hapair.model import Model

    sp = load_spec(args)
    model = Model(sp, tuple(args.assume or ()))
    start = time.perf_counter()
    if args.reference:
        from hapair.checker.explicit import explore
        g = explore(model)
        states, edges, depth = len(g.states), len(g.src), g.max_depth
    else:
        from hapair.checker.fast import explore_fast
        r = explore_fast(model)
        states, edges, depth = r.state_count, r.edge_count, r.max_depth
    took = time.perf_counter() - start
    print(f"{states} states, {edges} edges, depth {depth}, {took:.2f}s "
          f"({states / took:,.0f} states/s), bounds {sp.bounds}, assuming "
          f"{', '.join(args.assume or ()) or 'nothing'}")
    return 0


def _mutation_spec(name: str) -> tuple[str, dict, Path]:
    """``--spec``: a built-in spec's name, a spec folder or a spec file
    (``hapair.specs.read``); with the file of its committed equivalent mutants."""
    from hapair import specs

    data, source = specs.read(name)
    stem = Path(source).name.split(".")[0]
    return str(data.get("name", stem)), data, specs.equivalents_file(name)


def cmd_mutate(args) -> int:
    """Mutation testing: every mutant (or a sample) checked; exit 0 when the score is
    at least --min-score and every committed equivalent still is one."""
    from rich.console import Console

    from hapair import mutate

    if args.sample is not None and args.sample < 1 or args.jobs < 1 or args.z3_sample < 0 \
            or not 0 <= args.min_score <= 1:
        raise SpecError("--sample and --jobs must be at least 1, --z3-sample at least 0, "
                        "--min-score between 0 and 1")
    name, data, equivalents = _mutation_spec(args.spec or "vsg")
    listed = mutate.load_equivalents(Path(args.equivalents) if args.equivalents
                                     else equivalents)
    out, err = Console() if sys.stdout.isatty() else Console(width=150), Console(stderr=True)
    with err.status("mutating", spinner="dots") as status:
        report = mutate.run(data, name=name, bounds=_bounds(args.bound), sample=args.sample,
                            seed=args.seed, jobs=args.jobs, listed=listed,
                            progress=lambda k, n: status.update(f"mutant {k}/{n}"))
        if args.z3_sample:
            status.update("z3 on a sample of the killed mutants")
            report.z3 = mutate.agreement(data, report, args.z3_sample,
                                         bounds=_bounds(args.bound), seed=args.seed)
    out.print(_mutation_table(report, args.all))
    _print_mutation_summary(out, report, args.min_score)
    if args.json:
        from hapair.checker import trace
        trace.write_json(Path(args.json), report.to_json())
    return 0 if report.ok(args.min_score) else 1


def _mutation_table(report, every: bool):
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"mutants of {report.spec}" + ("" if every else " (not killed)"))
    for col in ("mutant", "outcome", "by / why"):
        t.add_column(col)
    for o in report.outcomes:
        if every or o.status not in ("killed", "rejected"):
            t.add_row(escape(o.id), o.status, escape(o.by or o.note))
    return t


def _print_mutation_summary(out, report, min_score: float) -> None:
    from hapair import mutate

    counts = ", ".join(f"{report.count(s)} {s}" for s in mutate.STATUSES)
    out.print(f"{len(report.outcomes)} of {report.total} mutants run: {counts} "
              "(rejected: killed by the loader; silent: listed as a change the guide does "
              "not constrain; undecided: a survivor whose equivalence check would explore "
              f"more than {mutate.EQUIVALENCE_LIMIT:,} states)")
    for line in report.stale:
        out.print(f"[bold red]stale equivalent[/bold red]: {line}")
    if report.z3:
        agree = sum(a.agree for a in report.z3)
        found = sum(a.z3 == "violated" for a in report.z3)
        out.print(f"z3 agrees on {agree} of {len(report.z3)} sampled kills (finds the "
                  f"violation itself in {found})")
        for a in report.z3:
            if not a.agree:
                out.print(f"[bold red]engines disagree[/bold red] on {a.id}: {a.property} "
                          f"explicit {a.explicit}, z3 {a.z3}")
    verdict = "OK" if report.ok(min_score) else "FAILED"
    out.print(f"score {report.score:.1%} (minimum {min_score:.0%}) in {report.seconds:.1f}s: "
              f"{verdict}")


def cmd_console(args, rest) -> int:
    if any(r == "--connect" or r.startswith("--connect=") for r in rest):
        from hapair.runtime.process import console_client

        p = argparse.ArgumentParser(prog="hapair console", add_help=False)
        p.add_argument("--connect", metavar="HOST:PORT", action="append")
        p.add_argument("--key", metavar="FILE")
        given, extra = p.parse_known_args(rest)
        if extra or not given.connect or len(given.connect) > 2 or not given.key:
            raise HapairError("usage: hapair console --connect HOST:PORT "
                              "[--connect HOST:PORT] --key FILE")
        return console_client(given.connect, given.key)
    from hapair.specs.vsg.console import main as console_main

    return console_main(rest)


def cmd_validate(args) -> int:
    from hapair.checker.validate import validate

    report = validate(args.logs, hidden_depth=args.depth, settled=args.settled)
    print(report.text())
    return 0 if report.ok else 1


def _spec_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec", metavar="NAME|FILE", help="a built-in spec (hapair specs) or a "
                   ".py / .toml / .yaml / .json spec file (default: vsg)")


def parser() -> argparse.ArgumentParser:
    p = validate_args.Parser(
        prog="hapair", description="A formally checked specification of a Cisco VSG HA pair: "
        "check it, drive it on a vsg# console, replay and draw its traces, export it.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="check every property of a spec (default: the VSG)")
    c.add_argument("--property", action="append", metavar="NAME", help="only this property")
    _spec_arg(c)
    c.add_argument("--properties", action="append", metavar="FILE",
                   help="add properties from a JSON file")
    from hapair.checker.engines import ENGINES

    c.add_argument("--engine", action="append", choices=sorted(ENGINES),
                   help="an engine to run (repeat for more; default: explicit and z3; spin "
                   "decides always and action properties)")
    c.add_argument("--strict", action="store_true", help="a dead transition fails the run")
    given = c.add_mutually_exclusive_group()
    given.add_argument("--assume", action="append", metavar="NAME",
                       help="check every property under these assumptions instead of its own")
    given.add_argument("--no-assumptions", action="store_true",
                       help="check every property with no assumption at all")
    c.add_argument("--liveness-depth", type=validate_args.liveness_depth, default=6,
                   metavar="N", help="z3 searches leads-to counterexamples (fair lassos) up to "
                   "N steps, 0..64 (default 6; the explicit engine decides them exhaustively)")
    c.add_argument("--reference", action="store_true",
                   help="explore with the plain BFS engine instead of the packed one")
    c.add_argument("--no-cache", action="store_true",
                   help="prove everything again with z3 (by default z3's answers for an "
                        "unchanged spec, property and hapair come from the proof cache)")
    c.add_argument("--bound", action="append", metavar="NAME=N",
                   help="change a bound of the model, e.g. MAX_RESTARTS=2")
    c.add_argument("--json", metavar="FILE")
    c.add_argument("--junit", metavar="FILE")
    c.add_argument("--html", metavar="FILE")
    c.add_argument("--out", default="out", metavar="DIR",
                   help="where counterexample traces go (default: out)")
    c.add_argument("--emit-pytest", metavar="DIR", help="a regression test per violation")
    c.add_argument("--diagrams", metavar="DIR", help="also write the spec's diagrams")
    c.set_defaults(func=cmd_check)
    r = sub.add_parser("replay", help="run a trace file on the embeddable machine")
    r.add_argument("file")
    _spec_arg(r)
    r.add_argument("--bound", action="append", metavar="NAME=N")
    r.set_defaults(func=cmd_replay)
    d = sub.add_parser("diagrams", help="write the diagrams of a spec")
    _spec_arg(d)
    d.add_argument("--bound", action="append", metavar="NAME=N")
    d.add_argument("--out", help="a directory (default: diagrams/<spec name>)")
    d.add_argument("--png", action="store_true", help="PNG pictures too")
    d.set_defaults(func=cmd_diagrams)
    t = sub.add_parser("diagram", help="draw a counterexample trace")
    t.add_argument("--trace", required=True, metavar="FILE",
                   help="a .trace.json (checked by replaying it) or an .itf.json file")
    t.add_argument("--out", required=True, metavar="PATH",
                   help="PATH.dot and PATH.svg (or DIR/<trace name>.* when PATH is a directory)")
    t.set_defaults(func=cmd_diagram)
    e = sub.add_parser("export", help="export the product automaton")
    e.add_argument("--promela", required=True, metavar="FILE", help="the Promela model to write")
    _spec_arg(e)
    e.add_argument("--assume", action="append", metavar="NAME",
                   help="leave out the environment events this assumption rules out")
    e.add_argument("--bound", action="append", metavar="NAME=N")
    e.set_defaults(func=cmd_export)
    x = sub.add_parser("explore", help="count the states of the full product")
    x.add_argument("--bound", action="append", metavar="NAME=N")
    _spec_arg(x)
    x.add_argument("--assume", action="append")
    x.add_argument("--reference", action="store_true",
                   help="the straightforward engine instead of the packed NumPy one")
    x.set_defaults(func=cmd_explore)
    sub.add_parser("specs", help="list the built-in specs").set_defaults(func=cmd_specs)
    _mutate_parser(sub)
    sub.add_parser("console", help="a vsg# console over a simulated lab (--connect "
                   "HOST:PORT: a real node's; twice: the pair's, which follows the active)",
                   add_help=False)
    from hapair.runtime.process import add_node_parser

    add_node_parser(sub)
    v = sub.add_parser("validate", help="check the step logs of real nodes against the model")
    v.add_argument("logs", nargs="+", metavar="LOG", help="steps.jsonl files of the nodes")
    v.add_argument("--depth", type=int, default=4, metavar="N",
                   help="at most N hidden steps (power off, link down / up) between two "
                        "logged steps (default 4)")
    v.add_argument("--settled", action="store_true",
                   help="the run ended quiet: the pair's last picture must be one where "
                        "the spec has no internal step left to take")
    v.set_defaults(func=cmd_validate)
    return p


class _Terminated(BaseException):
    """SIGTERM, turned into an exception so that the z3 workers are stopped on the way out."""


def _on_sigterm(signum, frame):
    raise _Terminated


def _mutate_parser(sub) -> None:
    m = sub.add_parser("mutate", help="mutation testing: break the spec row by row and see "
                                      "the checker catch it")
    _spec_arg(m)
    m.add_argument("--sample", type=int, metavar="N", help="only N mutants, drawn with --seed")
    m.add_argument("--seed", type=int, default=0, metavar="S")
    m.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes")
    m.add_argument("--z3-sample", type=int, default=0, metavar="N",
                   help="check N killed mutants with z3 too, to show the engines agree")
    m.add_argument("--min-score", type=float, default=0.98, metavar="F",
                   help="the kill rate to pass (default 0.98)")
    m.add_argument("--equivalents", metavar="FILE",
                   help="the committed equivalent mutants (default: equivalents.json in "
                        "the spec's folder, or <stem>.equivalents.json beside a spec file)")
    m.add_argument("--bound", action="append", metavar="NAME=N")
    m.add_argument("--all", action="store_true", help="list every mutant, not only the ones "
                                                      "not killed")
    m.add_argument("--json", metavar="FILE")
    m.set_defaults(func=cmd_mutate)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: the workers ignore it, the pool is terminated
        print("hapair: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("hapair: terminated", file=sys.stderr)
        return 143
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["console"]:
            return cmd_console(None, argv[1:])
        args = parser().parse_args(argv)
        return args.func(args)
    except HapairError as exc:
        print(f"hapair: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`: the reader has gone, stop quietly
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a file's error names the file; another says what failed
        where = validate_args.one_line(str(exc.filename)) if exc.filename else \
            f"the system refused an operation ({type(exc).__name__})"
        print(f"hapair: error: {where}: {exc.strerror or _one_line(exc)}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help (argparse has printed it)
        return exc.code if isinstance(exc.code, int) else 0


def _one_line(exc: Exception) -> str:
    return validate_args.one_line(str(exc))


if __name__ == "__main__":
    sys.exit(main())
