"""SPIN as an engine: the slice exported as Promela with the property asserted
(``checker/promela.py``), ``pan`` compiled and run exhaustively (``-DSAFETY
-DNOREDUCE``, full state storage, the depth limit doubled until the search is whole).
It decides the state invariants (``always``) and the step properties (``action``); it
has no vacuity and gives no trace (the explicit engine's counterexample is the one to
replay).  SPIN and gcc must be on the PATH (``setup.sh`` installs them)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


class Spin:
    name = "spin"

    def decides(self, prop) -> bool:
        return prop.is_state_invariant or prop.form == "step"

    def decide(self, spec, prop, sl, options):
        from hapair.checker.promela import export, run_spin, spin_available
        from hapair.checker.results import PropertyResult

        start = time.perf_counter()

        def result(verdict: str, note: str, states: int = 0, edges: int = 0):
            return PropertyResult(prop.name, prop.kind, prop.meaning, sl.assume,
                                  prop.expect, verdict, "spin", states, edges,
                                  time.perf_counter() - start, note=note)

        if not spin_available():
            return result("unknown", "spin or gcc is not on the PATH")
        source = export(spec, assume=sl.assume, keep=sl.keep, properties=(prop.name,))
        with tempfile.TemporaryDirectory(prefix="hapair-spin-") as tmp:
            found = run_spin(source, Path(tmp), optimize="-O0")
        if prop.name in found.violated:
            return result("violated", "pan: assertion violated (no trace here: the "
                          "explicit engine's counterexample replays)",
                          found.states, found.transitions)
        whole = found.errors == 0 and found.states >= 0 and \
            "out of memory" not in found.output
        if not whole:
            return result("unknown", "pan did not finish cleanly")
        return result("proved", f"pan: {found.states} states, no assertion violated",
                      found.states, found.transitions)


ENGINE = Spin
