"""Every backend held to the reference semantics (``hapair.spec.reference``), one spec at
a time: the harness the conformance tests run over the regression specs and over
generated ones.  Each ``check_*`` raises ``AssertionError`` naming the spec, the state
and the backend that disagrees.

What a backend may answer besides the reference's verdict: z3 has no vacuity (a property
whose premise never holds is "proved" there) and may say "unknown" (it gave up), never
the opposite verdict; a run reports a deadlock only where the reference has one.
"""

from __future__ import annotations

import json
import random

from hapair.checker.explicit import explore, explore_packed
from hapair.model import Model
from hapair.spec import Spec
from hapair.spec.reference import Reference

MAX_STATES = 20_000  # generated specs stay small: the reference is written for clarity
SPACER_RLIMIT = 100_000_000  # z3's Spacer budget here: "unknown" is allowed, hours not


class Subject:
    """A spec, its reference semantics and the loader's compiled form, side by side."""

    def __init__(self, data: dict):
        self.data = data
        self.ref = Reference(data)
        self.spec: Spec = self.ref.spec
        self.rule_of = {(r.transition.id, r.node): i for i, r in enumerate(self.spec.rules)}
        self.graph = self.ref.graph(())

    def encode(self, state: dict) -> tuple:
        return self.spec.encode(state)

    def expected(self, state: dict) -> set:
        """The reference's steps from ``state``: ``{(rule index, next state)}``."""
        out = set()
        for action in self.ref.actions(()):
            found = self.ref.step(state, action)
            if found is not None and found[1] is not None:
                out.add((self.rule_of[found[0]], self.encode(found[1])))
        return out

    def where(self, state: dict) -> str:
        return f"spec {self.data.get('name')!r}, state {state}"


def check_successors(s: Subject) -> None:
    """The Python successor function and ``Model``'s contract, state by state."""
    model = Model(s.spec)
    for state in s.graph.states:
        code = s.encode(state)
        got = set(model.successors(code))
        assert got == s.expected(state), f"Model.successors differs at {s.where(state)}"
        by_action = {a: model.next_state(code, a) for a in model.actions(code)}
        assert set(by_action.values()) == {b for _, b in got}, s.where(state)


def check_counts(s: Subject) -> None:
    """The reference BFS and the packed NumPy engine find the reference's states and
    edges (a self-loop is an edge)."""
    want = (len(s.graph.states), len(s.graph.edges))
    for name, engine in (("explore", explore), ("packed", explore_packed)):
        g = engine(Model(s.spec))
        got = (len(g), len(g.src))
        assert got == want, f"{name}: {got} states/edges, reference {want} ({s.where({})})"
        if name == "packed":
            codes = {g.state(i) for i in range(len(g))}
            assert codes == {s.encode(x) for x in s.graph.states}, \
                f"packed states differ: {s.where({})}"


def check_z3_steps(s: Subject, samples: int = 12, seed: int = 0) -> None:
    """z3's transition relation ``T(s, rule, s')`` has exactly the reference's steps from
    each of ``samples`` reachable states (every solution enumerated)."""
    from hapair.checker.symbolic import encoding

    enc = encoding(s.spec, (), None, True)
    z3 = enc.z3
    rng = random.Random(seed)
    states = s.graph.states if len(s.graph.states) <= samples else \
        rng.sample(s.graph.states, samples)
    for state in states:
        code = s.encode(state)
        pre = [enc.num(v) for v in code]
        post, sel = enc.state("n"), enc.selector("n")
        solver = z3.Solver()
        solver.add(enc.step(pre, sel, post), enc.domain(post))
        got = set()
        while solver.check() == z3.sat and len(got) <= 64:
            m = solver.model()
            rule = m.eval(sel, model_completion=True).as_long()
            nxt = enc.concrete(m, post)
            got.add((rule, nxt))
            solver.add(z3.Or(sel != rule, enc.different(post, [enc.num(v) for v in nxt])))
        assert got == s.expected(state), f"z3's T differs at {s.where(state)}"


def check_runtime(s: Subject, walks: int = 3, length: int = 30, seed: int = 0) -> None:
    """The embeddable ``Pair`` takes exactly the reference's steps on random walks (its
    transitions machines cross-check every step)."""
    from hapair.runtime.pair import Pair

    rng = random.Random(seed)
    for _ in range(walks):
        pair = Pair(s.spec)
        state = s.ref.initial()
        for _ in range(length):
            options = sorted((a for a in s.ref.actions(()) if (f := s.ref.step(state, a))
                              and f[1] is not None), key=str)
            allowed = sorted(((n, t) for t, n in pair.allowed()), key=str)
            assert allowed == options, f"Pair.allowed differs at {s.where(state)}"
            if not options:
                break
            node, trigger = rng.choice(options)
            step = pair.fire(trigger, node)
            row, state = s.ref.step(state, (node, trigger))
            assert step.rule == s.rule_of[row] and step.post == s.encode(state), \
                f"Pair.fire({trigger!r}, {node}) differs at {s.where(state)}"


def check_verdicts(s: Subject, engines: tuple = ("explicit",)) -> dict:
    """Each engine alone gives the reference's verdict on every property (z3: or
    "unknown", and "proved" for "vacuous"; spin: "proved" for "vacuous", and "unknown"
    only where it does not decide the kind); a reported deadlock is a real one."""
    from hapair.checker import symbolic
    from hapair.checker.engines import ENGINES
    from hapair.checker.run import check

    symbolic.spacer.SPACER_RLIMIT = SPACER_RLIMIT  # jobs=1: read in this process
    want = s.ref.verdicts()
    got = {}
    for engine in engines:
        result = check(s.spec, engines=(engine,), jobs=1, use_cache=False)
        for r in result.results:
            undecided = engine == "z3" or not ENGINES[engine].decides(
                s.spec.properties[r.name])
            ok = r.verdict == want[r.name] or (engine != "explicit" and (
                (r.verdict == "unknown" and undecided)
                or (want[r.name], r.verdict) == ("vacuous", "proved")))
            assert ok, (f"{engine} says {r.verdict} for {r.name}, the reference "
                        f"{want[r.name]} ({s.where({})})")
            got[engine, r.name] = r.verdict
            if r.verdict == "violated" and r.trace is not None:
                check_replay(s, r)
        reported = {sl.assume for sl in result.slices if sl.deadlocks}
        assert all(s.ref.deadlocks(a) for a in reported), \
            f"{engine} reports a deadlock the reference does not have ({s.where({})})"
        used = {tuple(sorted(p.get("assume", ()))) for p in s.data.get("properties", [])}
        missed = [a for a in used if s.ref.deadlocks(a) and a not in reported]
        assert not missed, f"{engine} misses the deadlocks assuming {missed[0]} " \
            f"({s.where({})})"
    return got


def check_spin(s: Subject, workdir) -> None:
    """SPIN stores exactly the reference's states from the Promela export (plain
    ``spin -a``), and with the ``always`` and ``action`` properties that need no
    assumption asserted, names exactly those the reference finds violated."""
    from pathlib import Path

    from hapair.checker.promela import export, properties_for, run_spin, spin_count

    got = spin_count(s.spec, workdir=workdir)
    assert got == len(s.graph.states), \
        f"SPIN stores {got} states, the reference {len(s.graph.states)} ({s.where({})})"
    names = properties_for(s.spec, ())
    if names:
        want = sorted(n for n in names if s.ref.verdict(n) == "violated")
        result = run_spin(export(s.spec, properties=tuple(names)), Path(workdir),
                          optimize="-O0")
        assert sorted(set(result.violated)) == want, \
            f"SPIN finds {sorted(set(result.violated))} violated, the reference {want} " \
            f"({s.where({})})"


def check_replay(s: Subject, r) -> None:
    """A counterexample replays on the embeddable machine, through its JSON and ITF
    forms, and violates its property there."""
    from hapair.checker import trace

    data = trace.validate(json.loads(json.dumps(trace.to_json(s.spec, r.trace, r.name,
                                                                r.assume))))
    trace.validate_itf(trace.to_itf(data))
    assert trace.replay(data, s.spec).violates(), \
        f"{r.engine}'s counterexample to {r.name} does not violate it on replay " \
        f"({s.where({})})"


def conforms(data: dict, *, z3: bool = True) -> Subject:
    """Every check above on one spec."""
    s = Subject(data)
    assert len(s.graph.states) <= MAX_STATES, "generated spec too large for the reference"
    check_successors(s)
    check_counts(s)
    check_runtime(s)
    if z3:
        check_z3_steps(s)
    check_verdicts(s, ("explicit", "z3") if z3 else ("explicit",))
    return s


__all__ = ["Subject", "check_counts", "check_runtime", "check_successors", "check_verdicts",
           "check_replay", "check_spin", "check_z3_steps", "conforms"]
