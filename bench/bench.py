"""Benchmark: hapair's fast explicit engine against SPIN on the Promela export.

Scales the product through its bounds (``MAX_RESTARTS``) and assumptions (partitions and
role changes on and off) from about 0.16 to about 4.2 million reachable states.  For each
size it runs

* hapair: ``explore_fast`` in a child process (spec load, model, compile, search), timed
  from process start to exit, peak memory from the child's ``ru_maxrss``;
* SPIN: the export (``checker.promela.export``), ``spin -a``, ``gcc -O2 -DSAFETY
  -DNOREDUCE``, ``./pan``; wall time includes the compile, peak memory is pan's
  ``ru_maxrss``;

and prints one table row: reachable states of both (a loud MISMATCH if they differ),
wall time, states per second, peak memory, bytes per stored state (peak RSS / states),
and the ratios hapair / SPIN.

    python bench/bench.py            # all sizes, a few minutes on 2 cores
    python bench/bench.py --quick    # the two smallest sizes

Not a test: nothing here asserts; the table is for docs/speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hapair

# (MAX_RESTARTS, assumptions), smallest first (state counts of the spec as of writing:
# 0.16M, 0.39M, 0.73M, 1.67M, 4.23M).  The full product without assumptions (the services
# of both VSGs beside every role change and partition) is beyond both tools here; the
# checker never explores it: every property has its cone of influence.
FIXED = ("no_partition", "fixed_pairing")
SIZES = [
    (1, FIXED),
    (2, FIXED),
    (3, FIXED),
    (1, ("fixed_pairing",)),
    (2, ("fixed_pairing",)),
]


def child(restarts: int, assume: tuple) -> None:
    """Runs in the child process: one hapair search, result as JSON on stdout."""
    start = time.perf_counter()
    from hapair.checker.fast import explore_fast
    from hapair.model import Model

    model = Model(hapair.load(bounds={"MAX_RESTARTS": restarts}), assume)
    result = explore_fast(model)
    print(json.dumps({"states": result.state_count, "edges": result.edge_count,
                      "depth": result.max_depth, "search": result.seconds,
                      "inside": time.perf_counter() - start, "held": result.nbytes}))


def children_cpu() -> float:
    """CPU seconds (user + system) of every child waited for so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_hapair(restarts: int, assume: tuple) -> dict:
    args = [sys.executable, __file__, "--child", str(restarts), ",".join(assume)]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(args, stdout=out)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if status != 0:
        raise RuntimeError(f"hapair child failed ({status}): {text}")
    return {**json.loads(text), "wall": wall, "peak_kib": usage.ru_maxrss,
            "cpu": usage.ru_utime + usage.ru_stime}


def run_spin_on(restarts: int, assume: tuple, states_hint: int) -> dict:
    from hapair.checker.promela import export

    source = export(hapair.load(bounds={"MAX_RESTARTS": restarts}), assume=assume)
    return run_spin_source(source, states_hint)


def run_spin_source(source: str, states_hint: int) -> dict:
    from hapair.checker.promela import run_spin

    cpu = children_cpu()
    with tempfile.TemporaryDirectory(prefix="hapair-bench-") as tmp:
        r = run_spin(source, Path(tmp), depth=max(10_000, states_hint // 5),
                     hash_bits=max(18, states_hint.bit_length()))
    return {"states": r.states, "wall": r.seconds, "compile": r.compile_seconds,
            "run": r.run_seconds, "peak_kib": r.peak_kib, "errors": r.errors,
            "depth": r.depth, "attempts": r.attempts, "cpu": children_cpu() - cpu}


HEADER = ("bounds/assumptions", "states hapair", "states SPIN", "hapair s", "SPIN s",
          "(compile", "pan)", "h cpu s", "S cpu s", "hapair st/s", "SPIN st/s", "hapair MiB",
          "SPIN MiB", "hapair B/st", "SPIN B/st", "time h/S", "cpu h/S", "mem h/S")
WIDTHS = (27, 13, 13, 8, 7, 8, 5, 7, 7, 11, 9, 10, 8, 11, 9, 8, 7, 7)


def fmt_row(cells) -> str:
    return " | ".join(str(c).rjust(w) for c, w in zip(cells, WIDTHS))


def row(restarts: int, assume: tuple, h: dict, s: dict) -> str:
    label = f"MAX_RESTARTS={restarts}" + (" " + "+".join(assume) if assume else "")
    hb, sb = h["peak_kib"] * 1024, s["peak_kib"] * 1024
    cells = (label, f"{h['states']:,}", f"{s['states']:,}", f"{h['wall']:.2f}",
             f"{s['wall']:.2f}", f"{s['compile']:.2f}", f"{s['run']:.2f}",
             f"{h['cpu']:.2f}", f"{s['cpu']:.2f}", f"{h['states'] / h['wall']:,.0f}",
             f"{s['states'] / s['wall']:,.0f}", f"{hb / 2**20:.0f}", f"{sb / 2**20:.0f}",
             f"{hb / h['states']:.1f}", f"{sb / s['states']:.1f}",
             f"{h['wall'] / s['wall']:.2f}", f"{h['cpu'] / s['cpu']:.2f}", f"{hb / sb:.2f}")
    return fmt_row(cells)


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    spin = subprocess.run(["spin", "-V"], capture_output=True, text=True).stdout.strip()
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout
    import numpy

    return (f"machine: {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, numpy "
            f"{numpy.__version__}; {spin}; {gcc.splitlines()[0] if gcc else 'gcc ?'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the two smallest sizes")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(int(args.child[0]), tuple(a for a in args.child[1].split(",") if a))
        return 0
    print(machine())
    print("hapair: explore_fast in a child process (start to exit); SPIN: spin -a + gcc -O2 "
          "-DSAFETY -DNOREDUCE + ./pan (DFS, -m tight: states/5, doubled while too small; "
          "the last pan run is timed); cpu = user+sys of spin, gcc and every pan run; "
          "B/st = peak RSS / stored states")
    print(fmt_row(HEADER))
    print("-" * (sum(WIDTHS) + 3 * (len(WIDTHS) - 1)))
    mismatches = 0
    for restarts, assume in (SIZES[:2] if args.quick else SIZES):
        h = run_hapair(restarts, assume)
        s = run_spin_on(restarts, assume, h["states"])
        print(row(restarts, assume, h, s) + ("" if s["attempts"] == 1 else
                                             f"  (pan runs: {s['attempts']})"), flush=True)
        if h["states"] != s["states"]:
            mismatches += 1
            print(f"!!! MISMATCH: hapair {h['states']:,} states, SPIN {s['states']:,} !!!")
    end_to_end(run_spin_slices())
    z3_proofs()
    return 1 if mismatches else 0


def run_spin_slices() -> dict:
    """SPIN on the work ``hapair check`` does: each slice the check explores (a property's
    cone of influence under its assumptions), exported with the invariants and action
    properties it holds, compiled and run; wall and CPU summed over the slices."""
    from hapair.checker.fast import explore_fast
    from hapair.checker.promela import export
    from hapair.model import Model
    from hapair.model.slicing import slice_of

    sp = hapair.load()
    slices = {}
    for p in sp.properties.values():
        slices.setdefault(slice_of(sp, p), None)
    total = {"states": 0, "wall": 0.0, "cpu": 0.0, "slices": len(slices)}
    for sl in slices:
        hint = explore_fast(Model(sp, sl.assume, sl.keep)).state_count
        r = run_spin_source(export(sp, assume=sl.assume, keep=sl.keep), hint)
        for k in ("states", "wall", "cpu"):
            total[k] += r[k]
    return total


def end_to_end(spin: dict, runs: int = 3) -> None:
    """`hapair check` (both engines, every property, traces written) against SPIN's
    compile plus run of every slice the check explores (``run_spin_slices``); the median
    of ``runs`` for hapair."""
    walls, verdict = [], "OK"
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "hapair", "check", "--out", tmp],
                                 capture_output=True, text=True)
            walls.append(time.perf_counter() - t)
        if run.returncode != 0:
            verdict = f"exit {run.returncode}"
    wall, spin_wall = sorted(walls)[runs // 2], spin["wall"]
    print(f"\nhapair check end to end on the default model (median of {runs}): {wall:.2f} s "
          f"({verdict}); SPIN compile + run of its {spin['slices']} slices "
          f"({spin['states']:,} states): {spin_wall:.2f} s; ratio hapair/SPIN "
          f"{wall / spin_wall:.2f}")


def z3_proofs() -> None:
    """z3's unbounded proof of each safety property of the default model, one by one."""
    from hapair.checker import symbolic
    from hapair.checker.run import slice_of

    sp = hapair.load()
    print("\nz3 per property (default model, each on its cone of influence):")
    total = 0.0
    for p in sp.properties.values():
        if p.kind == "leads_to":
            continue
        sl = slice_of(sp, p)
        t = time.perf_counter()
        r = symbolic.prove(sp, p, assume=sl.assume, keep=sl.keep)
        took = time.perf_counter() - t
        total += took if p.kind == "always" else 0.0
        print(f"  {p.name:34} {p.kind:7} {r.verdict:9} {took:6.2f} s  {r.note}")
    print(f"  every invariant ('always') together: {total:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
