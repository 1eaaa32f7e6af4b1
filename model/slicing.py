"""Slicing, decided in one place: the variables a property reads and their cone of
influence.  ``hapair check``, z3, the diagrams and the tests all slice through here.

Checking a property on the model sliced to its cone gives the same verdict and the same
action sequences as the full product (rules that write nothing in the cone become
stutters), and it keeps, say, the process counters out of a dual-active proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from math import prod

from hapair.model.compile import predicate, value
from hapair.spec import Property, Rule, Spec
from hapair.spec.lang import names


@dataclass(frozen=True)
class Slice:
    """Where a property is checked: under ``assume``, tracking the variables ``keep``."""

    assume: tuple
    keep: frozenset


def reads(spec: Spec, prop: Property) -> set[int]:
    """The variables a property reads (``pre.`` and ``post.`` folded together).  For an
    action property that a step changing none of them can break (``pre.self_active``),
    also what keeps each watched row a step, exactly when it fires: what it writes (the
    machine's state for a row that changes it, its effects' targets for one that does
    not) and what its first-match condition reads.  Otherwise a watched step is sliced
    away as a stutter, or fires on a guard that reads a variable held constant (mutation
    testing found this: a checkpoint on a standby went unseen).  When every such step
    satisfies the property, the steps that can break it change what it reads, and the
    cone already keeps those exactly."""
    n = len(spec.variables)
    out: set = set()
    for node in (prop.expr, prop.p, prop.q, prop.avoids, *prop.require):
        if node is not None:
            out |= {i % n for i in names(node)}
    if prop.form == "step" and not stutters_satisfy(spec, prop):
        for r in spec.rules:
            if spec.watches(prop, r.transition.trigger):
                out |= _written(spec, r) | names(r.fires)
    if prop.form == "witness":
        out |= scenario_reads(spec, prop)
    return out


STUTTER_CHECK = 200_000  # value combinations tried at most; beyond, assume the worst


def stutters_satisfy(spec: Spec, prop: Property) -> bool:
    """Whether every step that leaves the variables an action property reads unchanged
    satisfies it: ``require`` with ``post`` = ``pre`` holds for every combination of
    their values (all of the domain, reachable or not)."""
    n = len(spec.variables)
    read = tuple(sorted({i % n for node in prop.require for i in names(node)}))
    sizes = tuple(spec.variables[i].type.size for i in read)
    return _stutters_satisfy(prop.require, read, sizes, tuple(spec.initial))


@lru_cache(maxsize=4096)  # mutation testing asks again for every mutant of a spec
def _stutters_satisfy(require: tuple, read: tuple, sizes: tuple, initial: tuple) -> bool:
    if prod(sizes) > STUTTER_CHECK:
        return False
    checks = [predicate(node) for node in require]
    state = list(initial)
    for values in product(*(range(size) for size in sizes)):
        for i, v in zip(read, values):
            state[i] = v
        both = tuple(state) * 2
        if not all(check(both) for check in checks):
            return False
    return True


def scenario_reads(spec: Spec, prop: Property) -> set:
    """What keeps a scenario's listed steps steps in a slice, exactly when they fire (a
    row that writes nothing kept is dropped as a stutter): what each row writes and what
    its first-match condition reads; and the steps' preconditions."""
    n = len(spec.variables)
    listed = {(node, trigger) for node, trigger, _ in prop.steps}
    out = {i % n for _, _, c in prop.steps if c is not None for i in names(c)}
    for r in spec.rules:
        if r.action in listed:
            out |= _written(spec, r) | names(r.fires)
    return out


def _written(spec: Spec, rule: Rule) -> set:
    """What keeps ``rule`` a step in a slice: the machine's state for a row that changes
    it; for one that does not, one effect's target that every firing changes, if there
    is one (checked on every combination of the values it depends on), else every
    effect's target."""
    if rule.transition.source != rule.transition.dest:
        return {own_state(spec, rule)}
    for i, e in rule.effects:
        if _always_changes(spec, rule, i, e):
            return {i}
    return {i for i, _ in rule.effects} or {own_state(spec, rule)}


def _always_changes(spec: Spec, rule: Rule, target: int, expr) -> bool:
    n = len(spec.variables)
    read = tuple(sorted({i % n for i in names(rule.fires) | names(expr)} | {target}))
    sizes = tuple(spec.variables[i].type.size for i in read)
    return _changes_always(rule.fires, target, expr, read, sizes, tuple(spec.initial))


@lru_cache(maxsize=4096)
def _changes_always(fires_node, target: int, expr, read: tuple, sizes: tuple,
                    initial: tuple) -> bool:
    if prod(sizes) > STUTTER_CHECK:
        return False
    fires, new = predicate(fires_node), eval(f"lambda s: {value(expr)}")  # noqa: S307
    state = list(initial)
    for values in product(*(range(size) for size in sizes)):
        for i, v in zip(read, values):
            state[i] = v
        if fires(state) and new(state) == state[target]:
            return False
    return True


def own_state(spec: Spec, rule: Rule) -> int:
    """The index of the state variable of the machine ``rule`` belongs to."""
    own = spec.machines[rule.transition.machine].variable
    return spec.by_name[f"n{rule.node}.{own}" if rule.node else own].index


def cone_of_influence(spec: Spec, read: set[int], assume: tuple = ()) -> frozenset[int]:
    """The variables that can influence ``read``: those read, and, for every action that
    writes one of them, everything that decides which of its rows fires (guards, first
    match, domains) and what those effects read."""
    keep = set(read)
    changed = True
    while changed:
        changed = False
        for writes, fires, effects in _actions(spec, spec.without(assume)):
            if not writes & keep:
                continue
            need = fires.union(*(reads for i, reads in effects if i in keep))
            if not need <= keep:
                keep |= need
                changed = True
    return frozenset(keep)


def _actions(spec: Spec, excluded: frozenset) -> list:
    """Each action not ``excluded``, for the cone: what its rows change, what their
    first-match conditions read, and what each effect reads; worked out once a spec."""
    known = spec.__dict__.setdefault("_cone_actions", {})
    if excluded not in known:
        known[excluded] = []
        for (_, trigger), rs in spec.actions.items():
            if trigger in excluded:
                continue
            rules = [spec.rules[r] for r in rs]
            known[excluded].append((
                frozenset(i for rule in rules for i, _ in changes(spec, rule)),
                frozenset().union(*(names(rule.fires) for rule in rules)),
                [(i, names(e)) for rule in rules for i, e in rule.effects]))
    return known[excluded]


def changes(spec: Spec, rule: Rule) -> tuple:
    """A rule's effects less the machine's own state when it stays (``dest: "="``): an
    assignment of the value the guard already fixes influences nothing."""
    t = rule.transition
    if t.source != t.dest:
        return rule.effects
    index = own_state(spec, rule)
    return tuple((i, e) for i, e in rule.effects if i != index)


def slice_reading(spec: Spec, names: tuple, assume: tuple = ()) -> Slice:
    """The slice that tracks the variables ``names`` (and their cone) under ``assume``.

    >>> import hapair
    >>> vsg = hapair.load()
    >>> sl = slice_reading(vsg, ("link",))
    >>> sl.assume, [vsg.variables[i].name for i in sorted(sl.keep)]
    ((), ['link'])
    """
    assume = tuple(assume)  # in the order given: a picture's title names them so
    return Slice(assume, cone_of_influence(spec, {spec.by_name[n].index for n in names}, assume))


def slice_of(spec: Spec, prop: Property) -> Slice:
    assume = tuple(sorted(prop.assume))
    return Slice(assume, cone_of_influence(spec, reads(spec, prop), assume))
