"""Judging one mutant: ``Killer.classify`` runs it with the explicit engine, slice by
slice, as ``hapair check`` would: "rejected" (the loader refused it), "killed" (a
property does not get its expected verdict, or a slice deadlocks, exactly when ``hapair
check`` with the explicit engine would exit 1; ``by`` names the first such property or
check), or "survived".  ``equivalent`` decides whether a survivor is behaviourally the
same: the same successor for every reachable state of the unmutated full product and
every action (hence the same reachable states, and the same product), where a step that
changes nothing (a self-loop: a command accepted that does nothing) counts as no step.
Both read the compiled form (``Model``): nothing here regroups a spec's rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hapair.mutate.operators import Mutant
from hapair.spec import Spec, SpecError

# The most states an equivalence check explores (the cone of the actions a mutant
# changes, in the reference): beyond it a survivor is "undecided", counted as not killed.
EQUIVALENCE_LIMIT = 1_000_000


@dataclass
class Outcome:
    id: str
    status: str  # rejected | killed | survived | equivalent | silent
    by: str = ""  # the property or check that killed it ("loader" when rejected)
    note: str = ""
    seconds: float = 0.0


_PASSING: set = set()  # (digest, bounds) of the unmutated specs found to pass here


class Killer:
    """Checks mutants of one spec with the explicit engine, slice by slice (smallest
    first), stopping at the first property that does not get its expected verdict.

    A slice whose generated successor function is the unmutated spec's, with the same
    initial state and the same properties, has the same state graph and the same
    verdicts: it is not explored again (the unmutated spec must pass, which is checked
    once).  This is what makes a run of every mutant affordable.
    """

    def __init__(self, data: dict, bounds: dict | None = None):
        self.data, self.bounds = data, bounds
        self.base = Spec.load(data, bounds)
        self._sources: dict = {}
        known = (self.base.digest, tuple(sorted(self.base.bounds.items())))
        if known in _PASSING:  # checked already in this process
            return
        bad = self.failures(self.base, first=True)
        if bad:
            raise SpecError(f"the unmutated spec fails ({bad[0]}): mutation testing needs a "
                            "spec that passes")
        _PASSING.add(known)

    @staticmethod
    def _rows(spec: Spec, sl) -> dict:
        """What ``Model(spec, sl.assume, sl.keep)`` steps by: per action, its rows' guards
        and kept effects in order.  Equal rows make the same generated successor
        function."""
        from hapair.model import Model

        model = Model(spec, sl.assume, sl.keep)
        return {a: [(spec.rules[i].guard, model.effects[i]) for i in rs]
                for a, rs in model.action_rules.items()}

    def _unchanged(self, spec: Spec, sl, props: list) -> bool:
        if spec is self.base or spec.initial != self.base.initial or \
                spec.macros != self.base.macros or \
                any(self.base.properties.get(p.name) != p for p in props):
            return False
        key = (sl.assume, sl.keep)
        if key not in self._sources:
            self._sources[key] = self._rows(self.base, sl)
        return self._sources[key] == self._rows(spec, sl)

    def failures(self, spec: Spec, *, first: bool = True) -> list[str]:
        """What would make ``hapair check --engine explicit`` fail on ``spec``: property
        names, or ``deadlock (assuming ...)``."""
        from hapair.checker import properties as props
        from hapair.checker.run import _explore, explicit_result, slice_of

        groups: dict = {}
        for p in spec.properties.values():
            groups.setdefault(slice_of(spec, p), []).append(p)
        out: list[str] = []
        for sl in sorted(groups, key=lambda s: (len(s.keep), sorted(s.keep), s.assume)):
            if self._unchanged(spec, sl, groups[sl]):
                continue
            g = _explore(spec, sl, None, False)
            if props.deadlocks(g):
                out.append(f"deadlock (assuming {', '.join(sl.assume) or 'nothing'})")
            out += [p.name for p in groups[sl] if not explicit_result(g, p).ok]
            if out and first:
                return out[:1]
        return out

    def classify(self, mutant: Mutant, *, all_killers: bool = False) -> Outcome:
        """"rejected" (by the loader), "killed" (``by`` names the first failing property
        or check, or all of them), or "survived"."""
        start = time.perf_counter()
        try:
            spec = Spec.load(mutant.build(self.data), self.bounds)
        except SpecError as exc:
            return Outcome(mutant.id, "rejected", "loader", str(exc),
                           time.perf_counter() - start)
        killers = self.failures(spec, first=not all_killers)
        return Outcome(mutant.id, "killed" if killers else "survived", ", ".join(killers),
                       "", time.perf_counter() - start)


# -- equivalence -----------------------------------------------------------------------


class Reference:
    """The unmutated spec, to compare mutants against.  A mutant differs from it only in
    the rows of some actions; whether those actions step the same way on every reachable
    state is decided on the cone of influence of everything their rows (both versions)
    read and write: a cone's reachable states are the projection of the full product's,
    and the steps of those actions read and write nothing outside it, so the answer is
    the full product's, without exploring it (the VSG's has about 87 million states)."""

    def __init__(self, spec: Spec, chunk: int = 1 << 15):
        from hapair.model import Model

        self.spec, self.chunk = spec, chunk
        self.model = Model(spec)
        self.actions: dict = {}
        self._slices: dict = {}  # cone -> (model, layout, reachable codes)

    def _slice(self, keep: frozenset) -> tuple:
        from hapair.checker.fast import Layout, explore_fast
        from hapair.model import Model

        if keep not in self._slices:
            model = Model(self.spec, (), keep)
            self._slices[keep] = (model, Layout(model),
                                  explore_fast(model, limit=EQUIVALENCE_LIMIT).codes)
        return self._slices[keep]

    def _step(self, model, only: set, layout):
        """The generated NumPy successor function of ``model`` restricted to the actions
        in ``only``, and the action id of each rule."""
        import numpy as np

        from hapair.checker.fast import compile_step

        fn, _ = compile_step(model.taking(only), layout)
        for r in model.spec.rules:  # one numbering of actions for every spec compared
            self.actions.setdefault(r.action, len(self.actions))
        return fn, np.array([self.actions[r.action] for r in model.spec.rules], np.int64)

    def successors(self, step, codes, lo: int):
        """(state index, action id, successor code) of a chunk, sorted; self-loops left out."""
        import numpy as np

        fn, act = step
        chunk = codes[lo:lo + self.chunk]
        found = fn(chunk, len(chunk))
        if not found:
            return np.zeros((0, 3), np.int64)
        rows = np.concatenate([np.stack([idx.astype(np.int64), np.full(len(idx), act[r]),
                                         np.asarray(new, np.int64)], axis=1)
                               for idx, r, new in found])
        rows = rows[rows[:, 2] != chunk[rows[:, 0]]]  # a step that changes nothing is none
        return rows[np.lexsort((rows[:, 1], rows[:, 0]))]

    def differs(self, other: Spec) -> str:
        """Where ``other`` steps differently from the reference on a reachable state
        ("" when it never does: the same successor function, the same product)."""
        import numpy as np

        from hapair.model import Model

        if [v.type for v in other.variables] != [v.type for v in self.spec.variables]:
            return "the variables differ"
        if other.initial != self.spec.initial:
            return "the initial state differs"
        changed = _changed_actions(self.model, Model(other))
        if not changed:
            return ""
        keep = _cone_of(self.spec, other, changed)
        model, layout, codes = self._slice(keep)
        mine = Model(other, (), keep)
        ref, step = self._step(model, changed, layout), self._step(mine, changed, layout)
        for lo in range(0, len(codes), self.chunk):
            a, b = self.successors(ref, codes, lo), self.successors(step, codes, lo)
            if not np.array_equal(a, b):
                return self._first_difference(layout, codes, lo, a, b)
        return ""

    def _first_difference(self, layout, codes, lo: int, a, b) -> str:
        names = {i: act for act, i in self.actions.items()}
        left = {(int(s), int(x)): int(c) for s, x, c in a}
        right = {(int(s), int(x)): int(c) for s, x, c in b}
        key = min(k for k in set(left) | set(right) if left.get(k) != right.get(k))
        state = self.spec.decode(layout.unpack(int(codes[lo + key[0]])))
        shown = ", ".join(f"{k}={v}" for k, v in state.items())
        node, trigger = names[key[1]]
        return f"{trigger} on {f'n{node}' if node else 'the pair'} from {{{shown}}}"


def _cone_of(spec: Spec, other: Spec, actions: set) -> frozenset:
    """The cone of influence (in ``spec``) of what the rows of ``actions`` read and write
    in either spec."""
    from hapair.model.slicing import cone_of_influence
    from hapair.spec.lang import names

    touched: set = set()
    for sp in (spec, other):
        for action in actions:
            for i in sp.actions.get(action, ()):
                r = sp.rules[i]
                touched |= names(r.fires) | {t for t, _ in r.effects}
                touched |= {v for _, e in r.effects for v in names(e)}
    return cone_of_influence(spec, touched)


def _changed_actions(a, b) -> set:
    """Actions whose rows (guards and effects, in order) differ between two models."""
    def rows(model):
        return {act: [(model.spec.rules[i].guard, model.spec.rules[i].effects) for i in rs]
                for act, rs in model.action_rules.items()}

    ra, rb = rows(a), rows(b)
    return {act for act in set(ra) | set(rb) if ra.get(act) != rb.get(act)}


def equivalent(reference: Reference, data: dict, mutant: Mutant,
               bounds: dict | None = None) -> tuple[bool, str]:
    """Is the mutant the same product as the reference?  (True, "") or (False, where)."""
    try:
        spec = Spec.load(mutant.build(data), bounds)
    except SpecError as exc:
        return False, f"rejected at load: {exc}"
    where = reference.differs(spec)
    return not where, where
