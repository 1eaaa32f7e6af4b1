"""The product automaton as a Promela model, for SPIN as an independent witness.

``export(spec)`` writes one process whose ``do`` loop holds one ``d_step`` per action of
the ``Model`` (``(node, trigger)``): the guard of each row is its ``Rule.fires`` (its
guard and the negation of the guards of the rows before it: first match, decided once
in the spec), and the effects all read the state before the step (every value that reads
a written variable goes through a ``hidden`` temporary first).  Each variable is one
``byte`` (``short`` or ``int`` when its domain needs it: SPIN wraps a ``byte`` silently);
enum values are ``#define``\\ d; a variable outside the slice ``keep`` is a ``#define``
of its initial value.  The ``do`` loop head is the only control point, so SPIN's stored
states correspond one to one with hapair's reachable states: ``spin -a model.pml``,
``gcc -DSAFETY -DNOREDUCE pan.c``, ``./pan`` stores exactly hapair's state count
(``spin_count``), with no option of ``spin`` needed.

**Names.**  No spec name is used as it is: each Promela name is a spec name behind a
prefix that tells its kind, so a spec name can be a Promela keyword (``init``, ``run``,
``never``, ``byte``), a SPIN internal (``_pid``, ``np_``) or a name of pan's C source
(``P0``, ``now``, ``S``) and two spec names never meet in one Promela name:

* node variable ``nK.x``: ``nK_x``;  global variable ``x``: ``gv_x``;
* value ``v`` of the K-th enum type (its first variable's local name ``l``): ``eK_l_v``;
* property ``P`` (the ``hidden`` flag that names it in pan's messages): ``pr_P``;
* the export's own helpers: ``hp_t<k>`` (temporaries), ``hp_pre_<variable's name>``
  (pre-step copies); the process is ``product``.

The kinds start differently (``n`` and a digit, ``gv_``, ``e`` and a digit, ``pr_``,
``hp_``, ``product``), and within a kind the spec name is recovered from the Promela name
(the node number ends at the first ``_``, as digits hold none; K fixes the enum type, so
its ``l``), so the map is injective.  No Promela keyword, SPIN built-in or identifier of
pan's C source (``pan.c``, ``pan.h``, and the C library they include) starts with one of
these prefixes (tests/test_promela_names.py checks that on the generated ``pan.c``).

**Write-only variables.**  ``spin -a`` hides a global variable that no expression reads
(its ``chanaccess``: a variable never read but in a ``printf`` is auto-hidden, i.e. left
out of the state vector, unless ``-o2``), which merges states that hapair tells apart.
So every kept variable that no guard, effect or property reads is read by one more loop
option, ``:: d_step { (x > top || ...) -> skip }`` (``top`` the largest value of its
domain: never enabled), and the plain ``spin -a`` keeps it.

Invariants (``always`` properties) are checked by the same process: one loop option per
property, ``:: d_step { !(expr) -> assert(pr_Name || (expr)) }``, enabled only in a state
that breaks the property (and then a step back to the same state).  SPIN evaluates every
option in every state it stores, so each reachable state (the initial one and deadlocks
included) is checked, and no state is added, even with ``-c0`` after a violation.  The
property's flag is a ``hidden`` bit (always 0), so pan's message names the property.

Action properties are assertions inside the steps they watch: the step first copies the
pre-step values they read (of the variables it writes) into ``hidden`` bytes, applies its
effects, then asserts ``require`` (for a node's step, the binding of that node; for a
global step, both), as ``checker.properties`` evaluates them.

Limits: ``leads_to`` properties are not exported; the loop head carries an ``end``
label, so states without a successor are not reported as invalid end states.

>>> import hapair
>>> text = export(hapair.load(), assume=("no_partition",))
>>> text.splitlines()[0]
'/* hapair product of spec vsg, as Promela */'
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from hapair.model import Model
from hapair.spec import Spec
from hapair.spec.lang import Node, Type, names

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE = re.compile(r"n([1-9][0-9]*)\.([A-Za-z_][A-Za-z0-9_]*)")


def _plain(name: str) -> str:
    if not isinstance(name, str) or not _PLAIN.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain name (letters, digits, _): it has no "
                         "Promela name")
    return name


def ident(name: str) -> str:
    """The Promela name of a spec variable: ``n1.state`` -> ``n1_state``, the global
    ``link`` -> ``gv_link``."""
    m = _VARIABLE.fullmatch(name)
    return f"n{m.group(1)}_{m.group(2)}" if m else f"gv_{_plain(name)}"


def property_ident(name: str) -> str:
    """The Promela name of a property's flag: ``Airlock`` -> ``pr_Airlock``."""
    return f"pr_{_plain(name)}"


def _property_name(flag: str) -> str:
    return flag[3:] if flag.startswith("pr_") else flag


def ctype(t: Type) -> str:
    """The smallest Promela type that holds every value of ``t`` (SPIN would wrap a
    ``byte`` silently): ``byte`` to 255, ``short`` to 32767, else ``int``."""
    top = t.size - 1
    return "byte" if top <= 255 else "short" if top <= 32767 else "int"


class _Writer:
    """Translates typed trees to Promela expressions over the spec's variables."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.var_names = [ident(v.name) for v in spec.variables]
        self.index = {name: i for i, name in enumerate(self.var_names)}
        self.read: set[int] = set()  # the variables some emitted expression reads
        self.enum_prefix: dict[Type, str] = {}
        for v in spec.variables:
            if v.type.kind == "enum" and v.type not in self.enum_prefix:
                self.enum_prefix[v.type] = f"e{len(self.enum_prefix)}_{_plain(v.local)}"

    def enum_value(self, t: Type, code: int) -> str:
        return f"{self.enum_prefix[t]}_{_plain(t.values[code])}" if t in self.enum_prefix \
            else str(code)

    def expr(self, node: Node, sub: dict | None = None) -> str:
        """``sub`` maps a variable index to the name that holds its value instead."""
        op, a = node.op, node.args
        if op == "var":
            out = sub[node.data] if sub and node.data in sub else self.var_names[node.data]
            if out in self.index:
                self.read.add(self.index[out])
            return out
        if op == "const":
            is_enum = node.type.kind == "enum" and 0 <= node.data < node.type.size
            return self.enum_value(node.type, node.data) if is_enum else str(int(node.data))
        if op == "not":
            return f"!({self.expr(a[0], sub)})"
        if op in ("and", "or"):
            joint = " && " if op == "and" else " || "
            return "(" + joint.join(self.expr(x, sub) for x in a) + ")"
        return self._compound(node, sub)

    def _compound(self, node: Node, sub: dict | None) -> str:
        op, a = node.op, node.args
        if op in ("cmp", "arith"):
            return f"({self.expr(a[0], sub)} {node.data} {self.expr(a[1], sub)})"
        if op == "in":
            x = self.expr(a[0], sub)
            return "(" + " || ".join(f"{x} == {self.enum_or_int(a[0].type, c)}"
                                     for c in node.data) + ")" if node.data else "0"
        if op == "ite":
            c, t, e = (self.expr(x, sub) for x in a)
            return f"({c} -> {t} : {e})"
        if op in ("min", "max"):
            out = self.expr(a[0], sub)
            for x in a[1:]:
                y = self.expr(x, sub)
                cmp = "<" if op == "min" else ">"
                out = f"(({out}) {cmp} ({y}) -> ({out}) : ({y}))"
            return out
        raise ValueError(f"unknown expression node {op!r}")

    def enum_or_int(self, t: Type, code: int) -> str:
        return self.enum_value(t, code) if t.kind == "enum" and 0 <= code < t.size \
            else str(code)


@dataclass
class _Parts:
    header: list = field(default_factory=list)
    decls: list = field(default_factory=list)
    options: list = field(default_factory=list)
    temps: int = 0
    pre: set = field(default_factory=set)  # variables whose pre-step value is copied
    flags: list = field(default_factory=list)  # property names (hidden, always 0)
    steps: list = field(default_factory=list)  # the action properties exported


def _comment(text: str) -> str:
    """Free text inside a Promela comment: on one line, and never closing it."""
    return " ".join(str(text).split()).replace("*/", "* /")


def _declarations(model: Model, w: _Writer, parts: _Parts) -> None:
    spec = model.spec
    for t in w.enum_prefix:
        for code in range(t.size):
            parts.decls.append(f"#define {w.enum_value(t, code)} {code}")
    if w.enum_prefix:
        parts.decls.append("")
    for v in spec.variables:
        init = spec.initial[v.index]
        shown = w.enum_or_int(v.type, init)
        if v.index in model.keep:
            parts.decls.append(f"{ctype(v.type)} {w.var_names[v.index]} = {shown};  "
                               f"/* {v.name}: 0..{v.type.size - 1} */")
        else:
            parts.decls.append(f"#define {w.var_names[v.index]} {shown}  "
                               f"/* {v.name}: outside the slice, stays initial */")


def _effects(kept: tuple, w: _Writer, parts: _Parts) -> list[str]:
    """Statements for simultaneous assignment: values that read a written variable are
    computed into hidden temporaries first."""
    written = {i for i, _ in kept}
    first, then = [], []
    for i, e in kept:
        value = w.expr(e)
        if names(e) & (written - {i}):
            tmp = f"hp_t{len(first)}"
            first.append(f"{tmp} = {value}")
            value = tmp
        then.append(f"{w.var_names[i]} = {value}")
    parts.temps = max(parts.temps, len(first))
    return first + then


def _step_checks(model: Model, action: tuple, kept: tuple, w: _Writer,
                 parts: _Parts) -> tuple[list, list]:
    """Action properties watching this step: copies of the pre-step values they read
    (of the variables the step writes), and the assertions after the effects."""
    node, trigger = action
    n, written = model.width, {i for i, _ in kept}
    copied: set[int] = set()
    checks: list[str] = []
    for name in parts.steps:
        prop = model.spec.properties[name]
        if not model.spec.watches(prop, trigger):
            continue
        for req in (prop.require if node is None else (prop.require[node - 1],)):
            pre = {i for i in names(req) if i < n and i in written}
            copied |= pre
            sub = {i: f"hp_pre_{w.var_names[i]}" if i in pre else w.var_names[i]
                   for i in range(n)}
            sub.update({n + i: w.var_names[i] for i in range(n)})
            e = w.expr(req, sub)
            checks.append(f"assert({property_ident(name)} || {e})")
    parts.pre |= copied
    w.read |= copied  # read by the copies
    return [f"hp_pre_{w.var_names[i]} = {w.var_names[i]}" for i in sorted(copied)], checks


def _action(model: Model, action: tuple, rows: list, w: _Writer, parts: _Parts) -> None:
    node, trigger = action
    for i in rows:
        rule, kept = model.spec.rules[i], model.effects[i]
        if kept:  # the row fires by ``Rule.fires``: first match is decided in the spec
            copies, checks = _step_checks(model, action, kept, w, parts)
            body = "; ".join([*copies, *_effects(kept, w, parts), *checks])
            who = f"n{node}" if node else "global"
            parts.options.append(f"    /* {who} {trigger}: {_comment(rule.transition.label)} */")
            parts.options.append(f"    :: d_step {{ ({w.expr(rule.fires)}) -> {body} }}")


def _invariants(spec: Spec, props: list, w: _Writer, parts: _Parts) -> None:
    for name in props:
        p = spec.properties[name]
        if not p.is_state_invariant:
            continue
        e = w.expr(p.expr)
        parts.options.append(f"    /* invariant {name}: {_comment(p.meaning)} */")
        parts.options.append(f"    :: d_step {{ !({e}) -> assert({property_ident(name)} || {e}) }}")


def _unread(model: Model, w: _Writer, parts: _Parts) -> None:
    """A loop option that reads every kept variable nothing else reads and is never
    enabled (each value stays in its domain): ``spin -a`` would hide such a variable
    (leave it out of the state vector), which merges states hapair tells apart."""
    unread = sorted(model.keep - w.read)
    if not unread:
        return
    tests = " || ".join(f"{w.var_names[i]} > {model.spec.variables[i].type.size - 1}"
                        for i in unread)
    parts.options.append("    /* read here only (never enabled), so that spin -a keeps them "
                         "in the state vector */")
    parts.options.append(f"    :: d_step {{ ({tests}) -> skip }}")


def properties_for(spec: Spec, assume: tuple) -> list[str]:
    """The properties of the invariant form without a premise (``always``) and of the
    step form (``action``) whose assumptions are all among ``assume``: the ones an
    export asserts."""
    return [n for n, p in spec.properties.items()
            if _asserted(p) and set(p.assume) <= set(assume)]


def _asserted(p) -> bool:
    return p.is_state_invariant or p.form == "step"


def export(spec: Spec, *, assume: tuple = (), keep: frozenset | None = None,
           properties: tuple | None = None) -> str:
    """The product of ``spec`` (with ``assume`` and slice ``keep``) as Promela source.

    ``properties``: the ``always`` and ``action`` properties to assert; by default
    every one whose assumptions are among ``assume`` and, on a slice, that reads only
    variables the slice keeps.  The text is deterministic.
    """
    model = Model(spec, tuple(assume), keep)
    if properties is not None:
        props = list(properties)
    else:  # on a slice, only the properties it can decide (all they read is kept)
        from hapair.model.slicing import reads as property_reads

        props = [n for n in properties_for(spec, model.assume)
                 if property_reads(spec, spec.properties[n]) <= model.keep]
    for name in props:
        if name not in spec.properties or not _asserted(spec.properties[name]):
            known = ", ".join(properties_for(spec, tuple(spec.assumptions)))
            raise ValueError(f"'{name}' is not an always or action property (known: "
                             f"{known})")
    w, parts = _Writer(spec), _Parts()
    parts.steps = [n for n in props if spec.properties[n].form == "step"]
    _declarations(model, w, parts)
    for name in props:
        parts.decls.append(f"hidden byte {property_ident(name)};  /* always 0: names {name} "
                           "in pan's messages */")
    for action, rows in model.action_rules.items():
        _action(model, action, rows, w, parts)
    _invariants(spec, props, w, parts)
    _unread(model, w, parts)
    return _assemble(model, props, parts)


def _assemble(model: Model, props: list, parts: _Parts) -> str:
    spec = model.spec
    widest = ctype(max((v.type for v in spec.variables), key=lambda t: t.size))
    bounds = ", ".join(f"{k}={v}" for k, v in sorted(spec.bounds.items())) or "none"
    sliced = "all variables" if len(model.keep) == model.width else \
        ", ".join(spec.variables[i].name for i in sorted(model.keep))
    lines = [
        f"/* hapair product of spec {_comment(spec.name)}, as Promela */",
        f"/* bounds: {bounds} */",
        f"/* assumptions: {', '.join(model.assume) or 'none'} */",
        f"/* tracked: {sliced} */",
        f"/* properties asserted: {', '.join(props) or 'none'} */",
        f"/* {len(model.action_rules)} actions; one loop head: states correspond one to one "
        "with hapair's */",
        "",
        *parts.decls,
        *(f"hidden {widest} hp_t{k};" for k in range(parts.temps)),
        *(f"hidden {ctype(spec.variables[i].type)} hp_pre_{ident(spec.variables[i].name)};  "
          f"/* {spec.variables[i].name} before the step */" for i in sorted(parts.pre)),
        "",
        "active proctype product() {",
        "end:",
        "    do",
        *(parts.options or ["    :: (false) -> skip  /* no action in this slice */"]),
        "    od",
        "}",
        "",
    ]
    return "\n".join(lines)


# -- running SPIN ---------------------------------------------------------------------

@dataclass
class SpinResult:
    """What pan said: ``states`` stored, ``violated`` property names, and the timings."""

    states: int
    transitions: int
    depth: int
    violated: list
    errors: int
    compile_seconds: float
    run_seconds: float
    peak_kib: int
    output: str
    attempts: int = 1

    @property
    def seconds(self) -> float:
        return self.compile_seconds + self.run_seconds


def spin_available() -> bool:
    return shutil.which("spin") is not None and shutil.which("gcc") is not None


def run_spin(source: str, workdir: Path, *, depth: int = 100_000, hash_bits: int = 22,
             all_errors: bool = True, extra_cc: tuple = (), optimize: str = "-O2"
             ) -> SpinResult:
    """Write ``source`` to ``workdir``, run ``spin -a``, compile ``pan`` with
    ``<optimize> -DSAFETY -DNOREDUCE`` and run ``./pan -m<depth> -w<hash_bits>``.

    ``optimize`` is gcc's optimisation flag: ``-O2`` makes the fastest ``pan`` (the
    benchmark's); ``-O0`` compiles in a fifth of the CPU time, which is the better trade
    for a small model that pan explores in a fraction of a second (the tests).

    pan searches depth first; when ``depth`` proves too small (pan truncates the search
    and says so), pan runs again with twice the depth, and the result reports the
    last run (``attempts`` counts them).  ``all_errors`` (``-c0``) goes on after a
    violation, so every violated invariant is named.
    """
    workdir = Path(workdir)
    (workdir / "model.pml").write_text(source)
    t0 = time.perf_counter()
    _run(["spin", "-a", "model.pml"], workdir)
    _run(["gcc", optimize, "-DSAFETY", "-DNOREDUCE", "-DMEMLIM=20000", *extra_cc, "-o", "pan",
          "pan.c"], workdir)
    compile_s, attempts = time.perf_counter() - t0, 0
    while True:
        attempts += 1
        out, violated, run_s, peak = _pan(workdir, ["./pan", f"-m{depth}", f"-w{hash_bits}"]
                                          + (["-c0"] if all_errors else []))
        if "max search depth too small" not in out:
            break
        depth *= 2
    result = _parse(out, violated, compile_s, run_s, peak)
    result.attempts = attempts
    return result


def spin_count(spec: Spec, *, assume: tuple = (), workdir: Path) -> int:
    """SPIN's number of stored states for the whole product of ``spec`` under ``assume``
    (no slice, no property): the export run as ``spin -a``, ``gcc -O0 -DSAFETY
    -DNOREDUCE``, ``./pan`` (``run_spin``) in ``workdir``; equal to hapair's
    ``len(explore(Model(spec, assume)))``."""
    result = run_spin(export(spec, assume=tuple(assume), properties=()), Path(workdir),
                      optimize="-O0")
    if result.states < 0 or result.errors != 0:
        raise RuntimeError(f"pan did not finish cleanly:\n{result.output}")
    return result.states


KEPT_VIOLATIONS = 100  # assertion-violation lines kept in ``SpinResult.output``
_VIOLATED = re.compile(rb"assertion violated \(+(\w+)\s*\|\|")


def _pan(workdir: Path, args: list) -> tuple[str, list, float, int]:
    """Run pan; its output, the names of the violated properties, wall seconds and peak
    RSS (KiB) of pan alone.  With ``-c0`` pan prints a line for every violation it meets
    (millions on a large broken model): the names are read as the lines stream past, and
    the output keeps the first ``KEPT_VIOLATIONS`` of those lines and every other line."""
    start = time.perf_counter()
    kept, names, seen, gap = [], set(), 0, None
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, bufsize=1 << 20)
    for line in proc.stdout:  # bytes: decoded only when kept
        if b"assertion violated" in line:
            m = _VIOLATED.search(line)
            if m:
                names.add(_property_name(m.group(1).decode()))
            seen += 1
            if seen > KEPT_VIOLATIONS:
                if gap is None:
                    gap = len(kept)
                    kept.append("")
                continue
        kept.append(line.decode(errors="replace"))
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    if gap is not None:
        kept[gap] = f"... ({seen - KEPT_VIOLATIONS} more assertion violation lines)\n"
    out = "".join(kept)
    (workdir / "pan.out").write_text(out)
    return out, sorted(names), time.perf_counter() - start, usage.ru_maxrss


def _run(args: list, cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")


def _parse(out: str, violated: list, compile_s: float, run_s: float,
           peak: int) -> SpinResult:
    def number(pattern: str) -> int:
        m = re.search(pattern, out)
        return int(m.group(1)) if m else -1

    return SpinResult(states=number(r"(\d+) states, stored"),
                      transitions=number(r"(\d+) transitions \(= stored\+matched\)"),
                      depth=number(r"depth reached (\d+)"), violated=violated,
                      errors=number(r"errors: (\d+)"), compile_seconds=compile_s,
                      run_seconds=run_s, peak_kib=peak, output=out)
