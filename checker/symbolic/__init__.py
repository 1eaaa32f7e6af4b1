"""The symbolic engine: the spec's guards and effects in z3, for BMC, proofs and a
certificate of the explicit engine.

The translator walks the same typed ``Node`` trees that ``model.compile`` turns into
Python, but on its own, so the two engines share the spec and nothing else.  A state is a
vector of small signed z3 bit-vectors (``bits=False``: z3 Ints), one per variable, each
in ``0..size-1``; variables outside ``keep``
(the cone of influence) are not variables at all but their initial value, exactly as in
``Model(spec, assume, keep)``.  One step is the relation ``T(s, sel, s')``: ``sel`` is the
index of the rule that fired (so traces name their rows), the rule's guard holds and no
earlier row of its action is enabled (first match wins), and ``s'`` is its effects on the
kept variables, every other kept variable unchanged.  A row whose effects are all outside
``keep`` blocks the rows after it but is no step, as in the product.

What the verdicts mean here:

* ``bmc`` -- "holds to depth N": no run of at most N steps from the initial state
  violates the property; "violated": the shortest such run, as a ``Trace``.
* ``prove`` -- "proved": k-induction over simple paths (complete for a finite system:
  it succeeds once k exceeds the longest simple path in the bad region) or, when
  k-induction gives up at ``k_max``, z3's Spacer (CHC) engine, whose "unsat" is an
  inductive invariant.  Both are proofs over every reachable state of the sliced model;
  the slice is sound because the cone contains every variable the property reads.  On
  the VSG spec most action properties are 1-inductive; the state invariants (and
  ``UnsavedConfigSurvivesFailover``) are not k-inductive for small k (the unreachable
  part of the domain has long simple paths into bad states), and Spacer proves each in
  well under a second.
* "unknown": z3 gave up (it never does on the built-in spec).
* ``certify`` -- a z3 proof that a set of explicit states contains the initial state and
  is closed under ``T``, so an explicit search that found it missed no successor.

Action properties are checked on the steps of the model: a row with a watched trigger
whose effects fall outside the slice is no step, and is not checked (as in the explicit
engine).

>>> import hapair
>>> sp = hapair.load()
>>> prove(sp, sp.properties["NoDualActive"]).verdict
'proved'

The engine's parts, one concern each: ``relation`` (the spec in z3, the one place it is
read), ``safety`` (BMC, k-induction, witnesses), ``spacer`` (Spacer's queries and their
budget), ``certificate`` (the explicit engine's certificate), ``liveness`` (``leads_to``).
"""

from hapair.checker.symbolic.certificate import certify, certify_and_prove
from hapair.checker.symbolic.liveness import Lasso, PersistenceLasso, decide_leads_to, lasso_bmc
from hapair.checker.symbolic.relation import (
    Encoding,
    Translator,
    Undecided,
    Unrolling,
    conjunction,
    disjunction,
    encoding,
    is_state_property,
    z3_true,
)
from hapair.checker.symbolic.safety import bmc, prove, witness

__all__ = ["Encoding", "Lasso", "PersistenceLasso", "Translator", "Undecided", "Unrolling",
           "bmc", "certify",
           "certify_and_prove", "conjunction", "decide_leads_to", "disjunction", "encoding",
           "is_state_property", "lasso_bmc", "prove", "witness", "z3_true"]
