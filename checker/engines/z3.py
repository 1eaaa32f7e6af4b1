"""The z3 engine: safety properties proved unboundedly (k-induction, then Spacer) or
refuted by BMC; witnesses searched by BMC; leads-to searched for a short fair lasso,
then proved by liveness to safety (``checker/symbolic``).  It decides every form; it
has no vacuity, and it may answer "unknown" or "holds to depth", never the opposite of
the explicit engine's verdict."""

from __future__ import annotations


class Z3:
    name = "z3"

    def decides(self, prop) -> bool:
        return True

    def decide(self, spec, prop, sl, options):
        from hapair.checker.run import z3_result

        return z3_result(spec, prop, sl.assume, sl.keep, options.bmc_depth,
                         options.liveness_depth)


ENGINE = Z3
