"""Counterexamples people can use: hapair's JSON trace, Apalache's ITF, replay on the
embeddable machine, and a pytest file that turns a violation into a regression test.

The JSON trace (``hapair-trace/1``)::

    {"format": "hapair-trace/1", "spec": "vsg", "bounds": {...}, "property": "Name",
     "assume": [...], "tracked": ["link", "n1.state", ...], "loop": null | k,
     "steps": [{"event": null, "node": null, "state": {...}},          # initial state
               {"event": "power_on", "node": 1, "state": {...}}, ...]}

``state`` holds the tracked variables (the property's cone of influence), decoded.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hapair.spec import EventNotAllowed, HapairError, Spec, TraceError

from .results import Trace

FORMAT = "hapair-trace/1"


def to_json(spec: Spec, trace: Trace, prop: str, assume: tuple = ()) -> dict:
    tracked = list(trace.tracked) or [v.name for v in spec.variables]
    steps = []
    for i, state in enumerate(trace.states):
        values = spec.decode(state)
        step = trace.steps[i - 1] if i else None
        steps.append({"event": step.trigger if step else None,
                      "node": step.node if step else None,
                      "state": {k: values[k] for k in tracked}})
    out = {"format": FORMAT, "spec": spec.name, "bounds": dict(spec.bounds), "property": prop,
           "assume": list(assume), "tracked": tracked, "loop": trace.loop, "steps": steps}
    if prop in spec.properties:  # so that a user property's trace replays on its own
        out["definition"] = spec.properties[prop].decl
    return out


def to_itf(data: dict) -> dict:
    """Apalache's Informal Trace Format (ADR-015): ``#meta``, ``vars``, ``states``,
    ``loop``; integers as ``{"#bigint": "N"}``."""
    def enc(v):
        return {"#bigint": str(v)} if isinstance(v, int) and not isinstance(v, bool) else v

    states = [{"#meta": {"index": i, "event": s["event"], "node": s["node"]},
               **{k: enc(v) for k, v in s["state"].items()}}
              for i, s in enumerate(data["steps"])]
    out = {"#meta": {"format": "ITF", "format-description":
                     "https://apalache-mc.org/docs/adr/015adr-trace.html",
                     "source": f"hapair {data['spec']}", "description":
                     f"counterexample to {data['property']}"},
           "vars": list(data["tracked"]), "states": states}
    if data.get("loop") is not None:
        out["loop"] = data["loop"]
    return out


def write_json(path: Path, data: dict) -> None:
    write_text(path, json.dumps(data, indent=1) + "\n")


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode())


def write_bytes(path: Path, data: bytes) -> None:
    """Write atomically (a reader never sees half a file, a failure leaves nothing
    behind), with the permissions a plain ``open`` would give; a problem is one line."""
    path = Path(path)
    if path.is_dir():
        raise HapairError(f"{path}: is a directory, expected a file name")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise HapairError(f"{path}: cannot write: {exc.strerror}") from None


def load(path: str | Path) -> dict:
    """Read and validate a trace file; problems are one-line ``TraceError``s."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise TraceError(f"{path}: cannot read trace: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TraceError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg})") from None
    return validate(data, str(path))


def validate(data, where: str = "trace") -> dict:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TraceError(f"{where}: not a hapair trace (expected \"format\": \"{FORMAT}\")")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise TraceError(f"{where}: 'steps' must be a non-empty list")
    for i, s in enumerate(steps):
        if not isinstance(s, dict) or not isinstance(s.get("state"), dict):
            raise TraceError(f"{where}: step {i} has no 'state' mapping")
        if i and not isinstance(s.get("event"), str):
            raise TraceError(f"{where}: step {i} has no 'event'")
    loop = data.get("loop")
    if loop is not None and not (isinstance(loop, int) and 0 <= loop < len(steps)):
        raise TraceError(f"{where}: 'loop' must be a step index or null")
    return data


@dataclass
class Replay:
    spec: Spec
    data: dict
    states: list  # state tuples the runtime went through

    def violates(self, name: str | None = None) -> bool:
        """Does the replayed run violate the property (by default, the trace's)?"""
        from .properties import Evaluator

        prop = self.spec.properties[name or self.data["property"]]
        ev = Evaluator(self.spec, prop)
        if prop.kind in ("always", "enabled"):
            return not ev.holds(self.states[-1])
        if prop.kind == "action":
            last = self.data["steps"][-1]
            return not ev.step_ok(last["node"], self.states[-2], self.states[-1])
        loop = self.data.get("loop")
        if loop is None:
            return False
        tracked = [v.index for v in self.spec.variables if v.name in self.data["tracked"]]
        if [self.states[-1][i] for i in tracked] != [self.states[loop][i] for i in tracked]:
            return False  # the cycle does not close
        # Some P-state at or before the loop, and no Q from there on, cycle included.
        last_q = max((i for i, s in enumerate(self.states) if ev.q(s)), default=-1)
        return any(ev.p(s) for s in self.states[last_q + 1:loop + 1])


def replay(data: dict, spec: Spec | None = None) -> Replay:
    """Run a trace on the embeddable machine, checking every tracked variable."""
    from hapair import spec as spec_pkg
    from hapair.model.runtime import Pair

    spec = spec or spec_pkg.load(bounds=data.get("bounds") or None)
    if data.get("spec", spec.name) != spec.name:
        raise TraceError(f"the trace is of spec '{data['spec']}', not '{spec.name}'")
    name, definition = data.get("property"), data.get("definition")
    if name and name not in spec.properties and isinstance(definition, dict):
        spec.add_property(definition)
    pair = Pair(spec)
    tracked = data.get("tracked") or [v.name for v in spec.variables]
    states = [pair.state]
    for i, step in enumerate(data["steps"]):
        if i:
            try:
                pair.fire(step["event"], step.get("node"))
            except EventNotAllowed as exc:
                raise TraceError(f"step {i} ({step['event']} on module {step.get('node')}) "
                                 f"does not replay: {exc}") from None
            states.append(pair.state)
        got = pair.values
        bad = [k for k in tracked if k in step["state"] and got.get(k) != step["state"][k]]
        if bad:
            raise TraceError(f"step {i}: '{bad[0]}' is {got.get(bad[0])!r} on the machine, "
                             f"{step['state'][bad[0]]!r} in the trace")
    return Replay(spec, data, states)


PYTEST_TEMPLATE = '''"""Written by `hapair check --emit-pytest`: {prop} was violated.

{meaning}
Replays the checker's counterexample on the embeddable machine and asserts that the
violation happens there too.  When the spec is fixed, this test fails: delete it or
invert it.
"""

import json

from hapair.checker.trace import replay, validate

TRACE = json.loads(r"""
{trace}
""")


def test_{slug}_is_violated():
    run = replay(validate(TRACE))
    assert run.violates("{prop}")
'''


def emit_pytest(data: dict, meaning: str, directory: Path) -> Path:
    slug = "".join(c if c.isalnum() else "_" for c in data["property"]).lower()
    path = Path(directory) / f"test_{slug}.py"
    write_text(path, PYTEST_TEMPLATE.format(prop=data["property"], meaning=meaning,
                                            trace=json.dumps(data, indent=1), slug=slug))
    return path
