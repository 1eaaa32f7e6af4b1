"""Counterexamples people can use: hapair's JSON trace, Apalache's ITF, replay on the
embeddable machine, and a pytest file that turns a violation into a regression test.

The JSON trace (``hapair-trace/1``)::

    {"format": "hapair-trace/1", "spec": "vsg", "spec_source": "vsg" | "path/to/spec.toml",
     "spec_hash": "<sha256 of the spec's data, 16 hex>", "bounds": {...}, "property": "Name",
     "assume": [...], "tracked": ["link", "n1.state", ...], "loop": null | k,
     "steps": [{"event": null, "node": null, "state": {...}},          # initial state
               {"event": "power_on", "node": 1, "state": {...}}, ...]}

``state`` holds the tracked variables (the property's cone of influence), decoded.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hapair.checker.files import read_json, refuse_special
from hapair.checker.results import Trace
from hapair.spec import EventNotAllowed, HapairError, Spec, TraceError
from hapair.spec.checks import check_bounds, short
from hapair.spec.schema import MAX_NODES

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
    out = {"format": FORMAT, "spec": spec.name, "spec_source": spec.source,
           "spec_hash": spec.digest, "bounds": dict(spec.bounds), "property": prop,
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
                     f"counterexample to {data['property']}",
                     **({"run_id": data["run_id"]} if data.get("run_id") else {})},
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
    refuse_special(path)
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
    return validate(read_json(path, "a trace", TraceError), str(path))


# Optional top-level fields and their types (``steps`` and ``loop`` are checked apart).
_FIELDS = {"spec": str, "property": str, "tracked": list, "assume": list, "definition": dict,
           "run_id": str}


def validate(data, where: str = "trace") -> dict:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TraceError(f"{where}: not a hapair trace (expected \"format\": \"{FORMAT}\")")
    _check_fields(data, where)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise TraceError(f"{where}: 'steps' must be a non-empty list")
    for i, s in enumerate(steps):
        _check_step(s, i, where)
    loop = data.get("loop")
    if loop is not None and not (type(loop) is int and 0 <= loop < len(steps)):
        raise TraceError(f"{where}: 'loop' must be a step index or null, got {short(loop)}")
    return data


def _check_fields(data: dict, where: str) -> None:
    for key, kind in _FIELDS.items():
        value = data.get(key)
        if value is not None and not isinstance(value, kind):
            raise TraceError(f"{where}: '{key}' must be a {kind.__name__}, got {short(value)}")
    for key in ("tracked", "assume"):
        if not all(isinstance(v, str) for v in data.get(key) or ()):
            raise TraceError(f"{where}: '{key}' must be a list of names")
    if data.get("bounds") is not None:
        try:
            check_bounds(data["bounds"], where)
        except HapairError as exc:
            raise TraceError(str(exc)) from None


def _check_step(s, i: int, where: str) -> None:
    if not isinstance(s, dict) or not isinstance(s.get("state"), dict):
        raise TraceError(f"{where}: step {i} has no 'state' mapping")
    if i and not isinstance(s.get("event"), str):
        raise TraceError(f"{where}: step {i} has no 'event'")
    node = s.get("node")
    if node is not None and (type(node) is not int or not 1 <= node <= MAX_NODES):
        raise TraceError(f"{where}: step {i}: 'node' must be 1 to {MAX_NODES} or null, got "
                         f"{short(node)}")


def load_any(path: str | Path) -> dict:
    """Read a trace file of either format (``hapair-trace/1`` or ITF) and validate it."""
    data = read_json(path, "a trace", TraceError)
    if isinstance(data, dict) and str(data.get("format", "")).startswith("hapair-trace"):
        return validate(data, str(path))
    return validate_itf(data, str(path))


def validate_itf(data, where: str = "ITF trace") -> dict:
    """An ITF trace as ``hapair diagram`` draws it: ``states`` a non-empty list of
    objects, ``vars`` names, ``loop`` a state index, ``#meta`` objects."""
    if not isinstance(data, dict):
        raise TraceError(f"{where}: a trace file holds one JSON object, got {short(data)}")
    if not isinstance(data.get("states"), list) or not data["states"]:
        raise TraceError(f"{where}: not a trace: expected a '{FORMAT}' file with 'steps', "
                         "or an ITF trace with a non-empty list 'states'")
    if not isinstance(data.get("#meta", {}), dict):
        raise TraceError(f"{where}: '#meta' must be an object")
    if not isinstance(data.get("vars", []), list) or \
            not all(isinstance(v, str) for v in data.get("vars", [])):
        raise TraceError(f"{where}: 'vars' must be a list of names")
    for i, state in enumerate(data["states"]):
        _check_itf_state(state, i, where)
    loop = data.get("loop")
    if loop is not None and not (type(loop) is int and 0 <= loop < len(data["states"])):
        raise TraceError(f"{where}: 'loop' must be a state index or null, got {short(loop)}")
    return data


def _check_itf_state(state, i: int, where: str) -> None:
    if not isinstance(state, dict):
        raise TraceError(f"{where}: state {i} is not an object (got {short(state)})")
    meta = state.get("#meta", {})
    if not isinstance(meta, dict) or not isinstance(meta.get("event", ""), (str, type(None))) \
            or meta.get("node") not in (None, *range(1, MAX_NODES + 1)) \
            or isinstance(meta.get("node"), bool):
        raise TraceError(f"{where}: state {i}: '#meta' must be an object with 'event' a name "
                         f"and 'node' 1 to {MAX_NODES} or null")
    for key, value in state.items():
        big = value.get("#bigint") if isinstance(value, dict) else None
        if big is not None and not (isinstance(big, str) and _BIGINT.fullmatch(big)):
            raise TraceError(f"{where}: state {i}: '{key}' holds a malformed #bigint")


_BIGINT = re.compile(r"-?[0-9]{1,40}")


@dataclass
class Replay:
    spec: Spec
    data: dict
    states: list  # state tuples the runtime went through

    def violates(self, name: str | None = None) -> bool:
        """Does the replayed run violate the property (by default, the trace's)?"""
        from hapair.checker.properties import Evaluator

        prop = self.spec.properties[name or self.data["property"]]
        ev = Evaluator(self.spec, prop)
        if prop.form == "invariant":
            return not ev.holds(self.states[-1])
        if prop.form == "step":
            last = self.data["steps"][-1]
            return not ev.step_ok(last["node"], self.states[-2], self.states[-1])
        if prop.form == "witness" and prop.avoids is not None:  # the run meets the hazard
            from hapair.model.compile import predicate

            return predicate(prop.avoids)(self.states[-1])
        loop = self.data.get("loop")
        if loop is None:
            return False
        tracked = [v.index for v in self.spec.variables if v.name in self.data["tracked"]]
        if [self.states[-1][i] for i in tracked] != [self.states[loop][i] for i in tracked]:
            return False  # the cycle does not close
        if prop.form == "persistence":  # the cycle passes a state that breaks Q
            return any(not ev.q(s) for s in self.states[loop:])
        # Some P-state at or before the loop, and no Q from there on, cycle included.
        last_q = max((i for i, s in enumerate(self.states) if ev.q(s)), default=-1)
        return any(ev.p(s) for s in self.states[last_q + 1:loop + 1])


def spec_of(data: dict) -> Spec:
    """The spec a trace was found on: its ``spec_source`` (a built-in name or a path),
    checked against its ``spec_hash``, with its bounds.  A trace is data: a ``.py`` spec
    it names is never run (the user names it with ``--spec``)."""
    from hapair import specs

    source = data.get("spec_source") or data.get("spec")
    bounds = data.get("bounds") or None
    if not source:
        raise TraceError("the trace names no spec ('spec_source' or 'spec'): pass --spec")
    if not isinstance(source, str) or (bounds is not None and not isinstance(bounds, dict)):
        raise TraceError("the trace's 'spec_source' must be a name or path, 'bounds' a "
                         "mapping")
    spec = specs.load(source, bounds, code=False)
    want = data.get("spec_hash")
    if want is not None and want != spec.digest:
        raise TraceError(f"the trace was found on another version of spec '{source}' "
                         f"(hash {want}, now {spec.digest}): pass --spec to replay anyway")
    return spec


def replay(data: dict, spec: Spec | None = None) -> Replay:
    """Run a trace on the embeddable machine, checking every tracked variable."""
    from hapair.runtime.pair import Pair

    spec = spec or spec_of(data)
    if data.get("spec", spec.name) != spec.name:
        raise TraceError(f"the trace is of spec '{data['spec']}', not '{spec.name}'")
    name, definition = data.get("property"), data.get("definition")
    if name and name not in spec.properties and isinstance(definition, dict):
        spec = spec.with_property(definition)
    prop = spec.properties.get(name) if isinstance(name, str) else None
    if prop is not None and prop.form == "step" and len(data["steps"]) < 2:
        raise TraceError(f"a trace of the action property '{name}' needs at least 2 steps "
                         "(a step to judge)")
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
