"""Trace validation: do the step logs of real nodes describe a run of the model?

Each node logs every step it takes (``hapair node``: ``steps.jsonl``): the trigger, the
product state it decided on (its own state and its view of the peer) and the model's
successor.  ``validate`` merges the logs by time and checks two things per step:

1. it is a step of the model on the node's own view: ``next_state(before, (node,
   trigger)) == after``;
2. it fits the pair's history: some state the model can be in now agrees with
   ``before`` on the node's machine variables (one per machine of the node: its
   redundancy state, role, ...), and the step leads to one that agrees with ``after``.
   "Can be in now" is the set of states the previous steps lead to, closed under at
   most ``hidden_depth`` (default 4) *hidden* steps: the environment's events that no
   node logs (those physical triggers that appear in no log: a ``kill -9`` is a power
   off, a cut link is a link down ...).  The views may lag behind the peer, which is why
   only the node's own machine variables are compared; the configuration equalities are
   checked on the node's view (1.).

The first step that fails either check is the divergence; the report shows the states
on both sides.

``settled=True`` (``hapair validate --settled``) says the run ended quiet (the nodes
were stopped well after the last fault): then the pair's last picture is checked too.
A node also logs what it observed of its environment (``"observed": true`` records:
the link going down or up, its peer's unseen restart); they are no steps, but they
say what each node last saw.  The picture is each node's last own machine state and
the environment's variables (shared, written by physical rows only: the link) as
the nodes last saw them (they must agree); some state the pair can be in
must show it, and in it no weakly or strongly fair step (by default a trigger of kind
``internal``: its declared ``fairness``, as in the checker) may be enabled: a pair
that stops there has stopped where the spec
says it moves on (two actives that hear each other and stay so).  Bound:
``hidden_depth`` hidden steps between two logged steps, and at
most ``MAX_STATES`` candidate states at once (more is reported as bad input).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from hapair.model.product import Model
from hapair.spec import Spec, TraceError
from hapair.specs import load

MAX_STATES = 50_000


@dataclass
class Report:
    ok: bool
    steps: int
    logs: int
    hidden_depth: int
    divergence: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)

    def text(self) -> str:
        if self.ok:
            return (f"valid: {self.steps} logged steps from {self.logs} log(s) are a run of "
                    f"the model (at most {self.hidden_depth} hidden steps between two)")
        return "\n".join(self.lines)


def read_logs(paths: list) -> list[dict]:
    """Every record of every log, merged by time (then node, then sequence)."""
    records = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TraceError(f"{path}: cannot read: {exc}") from None
        lines = text.splitlines()
        if lines and not text.endswith("\n"):
            lines.pop()  # a last line cut short (the node died, or its disk filled, mid-write)
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                key = (float(rec["time"]), int(rec["node"]), int(rec["seq"]))
                if not isinstance(rec["before"], dict) or not isinstance(rec["after"], dict):
                    raise TypeError("before / after are not objects")
                str(rec["trigger"])
            except (ValueError, KeyError, TypeError) as exc:
                raise TraceError(f"{path}:{n}: not a step record ({exc})") from None
            except RecursionError:
                raise TraceError(f"{path}:{n}: not a step record (nested too deeply)") \
                    from None
            records.append((key, str(path), n, rec))
    if not records:
        raise TraceError("no step records in " + ", ".join(map(str, paths)))
    records.sort(key=lambda r: r[0])
    return [dict(r[3], where=f"{r[1]}:{r[2]}") for r in records]


class Validator:
    def __init__(self, spec: Spec, hidden: tuple, hidden_depth: int):
        self.spec, self.model = spec, Model(spec)
        self.depth = hidden_depth
        self.hidden = [a for a in self.model.action_list if a[1] in hidden]
        machine_vars = {m.variable for m in spec.machines.values() if m.scope == "node"}
        self.own: dict = {}
        for v in spec.variables:
            if v.node is not None and v.local in machine_vars:
                self.own.setdefault(v.node, []).append(v.index)

    def encode(self, values: dict, where: str) -> tuple:
        try:
            return self.spec.encode(values)
        except Exception as exc:  # noqa: BLE001 - any malformed state is bad input
            raise TraceError(f"{where}: a state that is not the spec's: {exc}") from None

    def closure(self, states: set) -> set:
        seen, frontier = set(states), set(states)
        for _ in range(self.depth):
            frontier = {n for s in frontier for a in self.hidden
                        if (n := self.model.next_state(s, a)) is not None} - seen
            seen |= frontier
            if len(seen) > MAX_STATES:
                raise TraceError(f"more than {MAX_STATES} candidate states: lower --depth")
        return seen

    def project(self, state: tuple, node: int) -> tuple:
        return tuple(state[i] for i in self.own[node])


def _check_record(v: Validator, rec: dict, current: set) -> tuple[set, dict | None]:
    """The next candidate set, or a divergence: (what failed, model side, log side)."""
    node, trigger = int(rec["node"]), str(rec["trigger"])
    if trigger not in v.spec.triggers or node not in v.own:
        raise TraceError(f"{rec['where']}: unknown trigger '{trigger}' or node {node}")
    pre, post = v.encode(rec["before"], rec["where"]), v.encode(rec["after"], rec["where"])
    action = (node, trigger)
    expected = v.model.next_state(pre, action)
    if expected != post:
        return current, {"why": f"'{trigger}' on module {node} is not a step of the model "
                                "from the node's own view",
                         "model": pre if expected is None else expected, "log": post,
                         "model_label": "before (no row enabled)" if expected is None
                         else "the model's step from before", "log_label": "logged after"}
    reach = v.closure(current)
    want_pre, want_post = v.project(pre, node), v.project(post, node)
    matches = [s for s in reach if v.project(s, node) == want_pre]
    nexts = {n for s in matches if (n := v.model.next_state(s, action)) is not None
             and v.project(n, node) == want_post}
    if nexts:
        return nexts, None
    closest = max(reach, key=lambda s: sum(a == b for a, b in zip(s, pre)))
    why = (f"module {node} took '{trigger}' from a state the pair cannot be in"
           if not matches else f"'{trigger}' on module {node} cannot be taken in any state "
           "the pair can be in")
    return current, {"why": why, "model": closest, "log": pre,
                     "model_label": "the closest state the model can be in",
                     "log_label": "the node's state before"}


def validate(paths: list, spec: Spec | None = None, hidden_depth: int = 4,
             settled: bool = False) -> Report:
    """Check the merged logs; ``TraceError`` for bad input (unreadable, malformed)."""
    if type(hidden_depth) is not int or not 0 <= hidden_depth <= 8:
        raise TraceError(f"--depth {hidden_depth!r}: a whole number from 0 to 8")
    spec = spec or load()
    records = read_logs(paths)
    steps = [r for r in records if r.get("observed") is not True]
    logged = {str(r["trigger"]) for r in steps}
    hidden = tuple(t for t, meta in spec.triggers.items()
                   if meta.kind == "physical" and t not in logged)
    v = Validator(spec, hidden, hidden_depth)
    current = set(v.model.init_states())
    last: dict = {}  # node -> its last record (a step or an observation)
    for i, rec in enumerate(records):
        if rec.get("observed") is not True:
            current, div = _check_record(v, rec, current)
            if div:
                return Report(False, i, len(paths), hidden_depth, div,
                              _divergence_lines(spec, rec, i, div))
        last[int(rec["node"])] = rec
    if settled:
        div = _check_settled(v, current, last)
        if div:
            return Report(False, len(records), len(paths), hidden_depth, div,
                          _divergence_lines(spec, records[-1], len(records) - 1, div))
    return Report(True, len(steps), len(paths), hidden_depth)


def _environment(spec: Spec) -> list:
    """The variables of the pair's environment: shared, and written by physical rows
    only (a link, say); each node sees them, so a settled run's nodes agree on them."""
    written: dict = {}
    for rule in spec.rules:
        for index, _ in rule.effects:
            written.setdefault(index, set()).add(spec.triggers[rule.transition.trigger].kind)
    return [x for x in spec.variables
            if x.node is None and written.get(x.index, set()) == {"physical"}]


def _check_settled(v: Validator, current: set, last: dict) -> dict | None:
    """A divergence when the run cannot have ended quiet where the nodes last were."""
    env = {}
    for x in _environment(v.spec):
        seen = {n: rec["after"].get(x.name) for n, rec in sorted(last.items())}
        if len(set(map(str, seen.values()))) > 1:
            views = ", ".join(f"module {n}: {value}" for n, value in seen.items())
            return {"why": f"the run ended with the nodes disagreeing about {x.name} "
                           f"({views})",
                    "model": v.encode(last[min(last)]["after"], "settled"),
                    "log": v.encode(last[max(last)]["after"], "settled"),
                    "model_label": f"module {min(last)} last",
                    "log_label": f"module {max(last)} last"}
        env[x.index] = v.encode(last[min(last)]["after"], "settled")[x.index]
    want = {n: v.project(v.encode(rec["after"], rec["where"]), n) for n, rec in last.items()}
    pictures = [s for s in v.closure(current)
                if all(v.project(s, n) == w for n, w in want.items())
                and all(s[i] == value for i, value in env.items())]
    internal = [a for a in v.model.action_list
                if v.spec.triggers[a[1]].fairness in ("weak", "strong")]
    quiet = [s for s in pictures
             if not any(v.model.next_state(s, a) is not None for a in internal)]
    if quiet:
        return None
    newest = max(last.values(), key=lambda r: float(r["time"]))
    logged = v.encode(newest["after"], newest["where"])
    if not pictures:
        return {"why": "the run ended where the pair cannot be: the nodes' last states "
                       "together are no state the model reaches",
                "model": logged, "log": logged, "model_label": "the last logged state",
                "log_label": "the last logged state"}
    s = pictures[0]
    pending = [f"'{a[1]}' on module {a[0]}" for a in internal
               if v.model.next_state(s, a) is not None]
    return {"why": "the run ended where the spec says the pair moves on: "
                   f"{', '.join(pending)} still to be taken",
            "model": s, "log": logged, "model_label": "where the pair stopped",
            "log_label": "the last logged state"}


def _divergence_lines(spec: Spec, rec: dict, index: int, div: dict) -> list[str]:
    lines = [f"divergence at logged step {index + 1} ({rec['where']}, time {rec['time']}): "
             f"{div['why']}"]
    model, log = spec.decode(div["model"]), spec.decode(div["log"])
    lines.append(f"  {'variable':<24} {div['model_label']:<38} {div['log_label']}")
    for name in log:
        mark = "" if model[name] == log[name] else "   <-- differs"
        lines.append(f"  {name:<24} {str(model[name]):<38} {log[name]}{mark}")
    return lines
