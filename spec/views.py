"""What a person sees of one node in a state: the spec's own device view (the VSG's
``show system redundancy status``), or, for a spec that declares none, a plain table of
the node's variables.  The printed counterexamples, the HTML report and the trace
pictures show nodes only through here, so the engines know nothing of any device.

A spec names its view as ``"views": {"node": "package.module:function"}``; the function
takes ``(spec, state, node)`` and returns a ``View``, or any value with the same
``caption``, ``text`` and ``render()`` (the VSG returns its ``Status``, whose fields a
program can read).

>>> import hapair
>>> print(node_view(hapair.load("vrrp"), hapair.load("vrrp").initial, 1).render())
state    down
prio     2
preempt  True
addr     0
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from hapair.spec.errors import SpecError


@dataclass(frozen=True)
class View:
    caption: str  # what the view is: a command, or "state"
    text: str

    def render(self) -> str:
        return self.text


def node_view(spec, state: tuple, node: int) -> View:
    ref = spec.views.get("node")
    if not ref:
        return table(spec, state, node)
    try:
        return _function(ref)(spec, state, node)
    except SpecError:
        raise
    except Exception as exc:  # noqa: BLE001 - the spec's own code: its failure, named
        raise SpecError(f"spec 'views': {ref} failed: {type(exc).__name__}: "
                        f"{str(exc)[:120]}") from None


def table(spec, state: tuple, node: int) -> View:
    values = spec.decode(state)
    width = max((len(v.local) for v in spec.variables if v.node == node), default=0)
    rows = [f"{v.local:<{width}}  {values[v.name]}" for v in spec.variables if v.node == node]
    return View("state", "\n".join(rows))


def where(spec, node: int | None, trigger: str) -> str:
    """Where a step happens: the node's name, or the global machine of the trigger."""
    if node:
        return spec.node_names[node]
    return next(t.machine for t in spec.transitions if t.trigger == trigger)


def check(views) -> dict:
    """The ``views`` key of a spec, checked when it is loaded (imported when used)."""
    if not isinstance(views, dict) or set(views) - {"node"}:
        raise SpecError("spec 'views': expected {\"node\": \"module:function\"}")
    for ref in views.values():
        if not isinstance(ref, str) or ref.count(":") != 1:
            raise SpecError(f"spec 'views': {ref!r:.40} is not 'module:function'")
    return dict(views)


def _function(ref: str):
    module, _, name = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise SpecError(f"spec 'views': cannot load {ref}: {exc}") from None
