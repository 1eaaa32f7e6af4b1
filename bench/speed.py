"""The three speed figures of docs/speed.md, each with its ratio, measured in one run:

1. the README's main command (``hapair check`` with ``--diagrams``, ``--html``,
   ``--json``, ``--junit``) end to end, wall and CPU, against its target of 10 s;
2. the README's test command (``python -m pytest``), wall and CPU, against its target of
   2 minutes;
3. ``hapair check`` against SPIN's compile and run of the same work: every slice the check
   explores, exported with its invariants and action properties asserted
   (``bench.run_spin_slices``), in CPU seconds and wall: with a cold proof cache (every
   z3 answer computed) and with a warm one.

Each hapair figure is the median of ``--runs`` runs (default 3; the test suite runs
once).  CPU is user + system time of the process and every child it waited for (z3's
workers included).  Nothing here asserts: the figures are for docs/speed.md.

    python bench/speed.py            # about 4 minutes on 2 cores
    python bench/speed.py --no-tests # without the test suite
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import machine, run_spin_slices  # noqa: E402 - the benchmark beside this file


def timed(args: list[str], env: dict | None = None, cwd: Path = ROOT) -> tuple[float, float, int]:
    """``(wall, cpu, exit code)`` of one command and every child it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def median(runs: list[tuple]) -> tuple:
    walls = sorted(r[0] for r in runs)
    cpus = sorted(r[1] for r in runs)
    return walls[len(runs) // 2], cpus[len(runs) // 2], max(r[2] for r in runs)


def check_args(out: Path, *, full: bool) -> list[str]:
    args = [sys.executable, "-m", "hapair", "check", "--out", str(out / "traces")]
    if full:
        args += ["--diagrams", str(out / "diagrams"), "--html", str(out / "report.html"),
                 "--json", str(out / "check.json"), "--junit", str(out / "junit.xml")]
    return args


def hapair_check(runs: int, *, full: bool, warm: bool) -> tuple:
    """The check in a fresh folder (the committed diagrams copied in, as the README's
    command finds them), with a proof cache that is empty (cold) or filled (warm)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="hapair-speed-") as tmp:
        cache = Path(tmp) / "cache"
        env = {"HAPAIR_CACHE_DIR": str(cache)}
        if warm:
            timed(check_args(Path(tmp) / "warmup", full=full), env)
        for k in range(runs):
            out = Path(tmp) / f"run{k}"
            shutil.copytree(ROOT / "diagrams" / "vsg", out / "diagrams")
            if not warm:
                shutil.rmtree(cache, ignore_errors=True)
            results.append(timed(check_args(out, full=full), env))
    return median(results)


def line(label: str, wall: float, cpu: float, code: int, peer: str, peer_wall: float,
         peer_cpu: float | None = None) -> str:
    ratio = f"wall {wall / peer_wall:.2f}" + (f", cpu {cpu / peer_cpu:.2f}" if peer_cpu else "")
    status = "" if code == 0 else f" (exit {code})"
    return (f"{label:44} {wall:7.2f} s wall {cpu:7.2f} s cpu{status:10} | {peer}: "
            f"{peer_wall:.2f} s" + (f" wall {peer_cpu:.2f} s cpu" if peer_cpu else "")
            + f" | ratio {ratio}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-tests", action="store_true", help="skip the test suite figure")
    args = ap.parse_args(argv)
    print(machine())
    wall, cpu, code = hapair_check(args.runs, full=True, warm=False)
    print(line("1. main command, cold proof cache", wall, cpu, code, "target", 10.0))
    wall, cpu, code = hapair_check(args.runs, full=True, warm=True)
    print(line("   main command, warm proof cache", wall, cpu, code, "target", 10.0))
    if not args.no_tests:
        with tempfile.TemporaryDirectory(prefix="hapair-speed-") as tmp:
            wall, cpu, code = timed([sys.executable, "-m", "pytest", "-q", "-p",
                                     "no:cacheprovider"], {"HAPAIR_CACHE_DIR": tmp})
        print(line("2. test suite (python -m pytest)", wall, cpu, code, "target", 120.0))
    spins = [run_spin_slices() for _ in range(args.runs)]
    spin_wall = sorted(s["wall"] for s in spins)[args.runs // 2]
    spin_cpu = sorted(s["cpu"] for s in spins)[args.runs // 2]
    wall, cpu, code = hapair_check(args.runs, full=False, warm=False)
    print(line("3. hapair check, cold proof cache", wall, cpu, code, "SPIN compile+run",
               spin_wall, spin_cpu))
    wall, cpu, code = hapair_check(args.runs, full=False, warm=True)
    print(line("   hapair check, warm proof cache", wall, cpu, code, "SPIN compile+run",
               spin_wall, spin_cpu))
    return 0


if __name__ == "__main__":
    sys.exit(main())
