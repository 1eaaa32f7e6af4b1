"""Mutation testing, for any spec: derive the broken variants of its declared data
(``operators``), judge each with the explicit engine on the compiled form and decide
whether a survivor is the same product (``kill``), and run a campaign against the spec's
committed equivalents (``run``).  ``hapair mutate`` is its front end; the gate in CI
holds each built-in spec to its score.

>>> from hapair import specs
>>> report = run(specs.read("vrrp")[0], name="vrrp", sample=5, seed=1)
>>> report.total > 100, len(report.outcomes), report.count("survived")
(True, 5, 0)
"""

from hapair.mutate.kill import EQUIVALENCE_LIMIT, Killer, Outcome, Reference, equivalent
from hapair.mutate.operators import Domains, Mutant, expression_edits, mutants
from hapair.mutate.run import (
                               EQUIVALENT,
                               SILENT,
                               STATUSES,
                               Agreement,
                               Report,
                               agreement,
                               choose,
                               load_equivalents,
                               run,
                               stale,
)

__all__ = ["EQUIVALENCE_LIMIT", "EQUIVALENT", "SILENT", "STATUSES", "Agreement", "Domains",
           "Killer", "Mutant", "Outcome", "Reference", "Report", "agreement", "choose",
           "equivalent", "expression_edits", "load_equivalents", "mutants", "run", "stale"]
