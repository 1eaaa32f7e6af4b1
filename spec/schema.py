"""Loading a declared spec: plain data in, a checked ``Spec`` of guarded commands out.

A spec is transitions-style data (machines with states and ``{'trigger', 'source',
'dest', 'conditions', 'effects'}`` rows) for one node, instantiated for two nodes
("module 1" and "module 2") plus global machines such as the link.  Loading checks every
name and every expression and flattens the machines into ``Rule``s: one guarded command
per declared row and node.  The runtime, both engines, the diagrams and the Promela
export all read these rules; none of them sees the declaration again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .lang import BOOL_T, Node, Type, const, typed, var

NODES = (1, 2)
KINDS = ("internal", "physical", "fault", "traffic", "operator")


@dataclass(frozen=True)
class Variable:
    name: str  # "link_up" or "n1.state"
    type: Type
    index: int
    node: int | None  # None for globals
    local: str  # name inside its scope ("state")


@dataclass(frozen=True)
class Transition:
    """One declared row of a machine, before it is instantiated per node."""

    id: int
    machine: str
    trigger: str
    source: str
    dest: str
    conditions: str
    effects: tuple  # ((target, expression text), ...)
    ops: tuple = ()  # what the row does to concrete data the model abstracts (runtime)

    @property
    def label(self) -> str:
        return f"{self.machine}: {self.source} --{self.trigger}--> {self.dest}"


@dataclass(frozen=True)
class Rule:
    """A guarded command of the product: ``guard`` then all ``effects`` at once."""

    transition: Transition
    node: int | None
    guard: Node
    effects: tuple  # ((var index, Node), ...)

    @property
    def action(self) -> tuple[int | None, str]:
        return (self.node, self.transition.trigger)


@dataclass(frozen=True)
class Trigger:
    name: str
    kind: str  # internal | physical | fault | operator
    scope: str  # node | global
    doc: str = ""
    refusal: str | None = None  # the device's message when the command is refused
    tags: tuple = ()


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # always | action | leads_to | reachable | enabled | scenario
    meaning: str
    expr: Node | None = None  # always
    on: tuple = ()  # action: triggers or tags it watches
    require: tuple = ()  # action: one Node per node binding (index 0 = node 1)
    p: Node | None = None  # leads_to
    q: Node | None = None
    assume: tuple = ()
    expect: str = "holds"  # holds | violated
    guide: str = ""  # the guide's sentence the property states
    steps: tuple = ()  # scenario: ((node | None, trigger, Node | None precondition), ...)
    text: dict = field(default_factory=dict, compare=False)
    decl: dict = field(default_factory=dict, compare=False)  # as declared (JSON-able)


@dataclass
class Machine:
    name: str
    scope: str  # node | global
    variable: str
    states: tuple
    initial: Any
    transitions: list


_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
PROPERTY_KEYS = {"name", "kind", "meaning", "expr", "on", "require", "p", "q", "assume",
                 "expect", "guide", "when", "steps"}
PROPERTY_KINDS = ("always", "action", "leads_to", "reachable", "enabled", "scenario")


class Spec:
    """A loaded, checked spec.  Build it with ``Spec.load(data, bounds=...)``."""

    def __init__(self, data: dict, bounds: dict | None = None):
        self.data = data
        self.name = data.get("name", "spec")
        self.bounds = {**data.get("bounds", {}), **(bounds or {})}
        for key, value in (bounds or {}).items():
            if key not in data.get("bounds", {}):
                raise SpecError(f"unknown bound '{key}' (known: "
                                f"{', '.join(sorted(data.get('bounds', {})))})")
            if not isinstance(value, int) or value < 0:
                raise SpecError(f"bound '{key}' must be a whole number >= 0, got {value!r}")
        self.variables: list[Variable] = []
        self.by_name: dict[str, Variable] = {}
        self.machines: dict[str, Machine] = {}
        self.triggers: dict[str, Trigger] = {}
        self.macros: dict[str, str] = dict(data.get("macros", {}))
        self.assumptions: dict[str, dict] = dict(data.get("assumptions", {}))
        self.transitions: list[Transition] = []
        self.rules: list[Rule] = []
        self.properties: dict[str, Property] = {}
        self._declare_machines()
        self._declare_data()
        self._declare_triggers()
        self.initial = self._initial()
        self._instantiate()
        for prop in data.get("properties", []):
            self.add_property(prop)

    @classmethod
    def load(cls, data: dict, bounds: dict | None = None) -> "Spec":
        if not isinstance(data, dict) or "machines" not in data:
            raise SpecError("a spec is a mapping with 'machines', 'variables' and 'triggers'")
        return cls(data, bounds)

    # -- declarations -------------------------------------------------------------

    def _domain(self, decl: Any, where: str) -> Type:
        if decl == "bool":
            return BOOL_T
        if isinstance(decl, (list, tuple)) and decl and all(isinstance(v, str) for v in decl):
            return Type("enum", tuple(decl))
        if isinstance(decl, str) and decl.startswith("0.."):
            hi = decl[3:]
            if hi.isdigit():
                return Type("int", hi=int(hi))
            if hi in self.bounds:
                return Type("int", hi=self.bounds[hi])
        raise SpecError(f"{where}: domain {decl!r} is not 'bool', a list of names, "
                        "or '0..N' / '0..BOUND'")

    def _add_var(self, local: str, t: Type, scope: str) -> None:
        nodes = NODES if scope == "node" else (None,)
        for n in nodes:
            name = f"n{n}.{local}" if n else local
            if name in self.by_name:
                raise SpecError(f"variable '{local}' is declared twice")
            v = Variable(name, t, len(self.variables), n, local)
            self.variables.append(v)
            self.by_name[name] = v

    def _declare_machines(self) -> None:
        for m in self.data["machines"]:
            where = f"machine {m.get('name', '?')!r}"
            for key in ("name", "scope", "variable", "states", "initial", "transitions"):
                if key not in m:
                    raise SpecError(f"{where}: missing '{key}'")
            if m["scope"] not in ("node", "global"):
                raise SpecError(f"{where}: scope must be 'node' or 'global'")
            states = tuple(m["states"])
            self.machines[m["name"]] = Machine(m["name"], m["scope"], m["variable"], states,
                                               m["initial"], list(m["transitions"]))

    def _declare_data(self) -> None:
        # Machine state variables first (in machine order), then data, so the layout
        # of a state reads like the spec.
        for scope in ("global", "node"):
            for m in self.machines.values():
                if m.scope == scope:
                    self._add_var(m.variable, Type("enum", m.states), scope)
            for local, decl in self.data.get("variables", {}).get(scope, {}).items():
                self._add_var(local, self._domain(decl, f"variable '{local}'"), scope)

    def _declare_triggers(self) -> None:
        scopes = {}
        for m in self.machines.values():
            for t in m.transitions:
                trig = t.get("trigger")
                if scopes.setdefault(trig, m.scope) != m.scope:
                    raise SpecError(f"trigger '{trig}' is used by a node and a global machine")
        for name, meta in self.data.get("triggers", {}).items():
            if name not in scopes:
                raise SpecError(f"trigger '{name}' is described but no machine uses it")
            kind = meta.get("kind")
            if kind not in KINDS:
                raise SpecError(f"trigger '{name}': kind must be one of {', '.join(KINDS)}")
            self.triggers[name] = Trigger(name, kind, scopes[name], meta.get("doc", ""),
                                          meta.get("refusal"), tuple(meta.get("tags", ())))
        missing = sorted(set(scopes) - set(self.triggers))
        if missing:
            raise SpecError(f"trigger '{missing[0]}' has no entry in 'triggers' "
                            "(say its kind: one of " + ", ".join(KINDS) + ")")

    def _initial(self) -> tuple:
        values = self.data.get("initial", {})
        out = []
        for v in self.variables:
            scope = values.get(f"n{v.node}", {}) if v.node else values
            if v.local in scope:
                raw = scope[v.local]
            else:
                m = next((m for m in self.machines.values() if m.variable == v.local), None)
                if m is None:
                    raise SpecError(f"initial value of '{v.name}' is missing")
                raw = m.initial
            try:
                out.append(v.type.encode(raw))
            except (ValueError, TypeError):
                raise SpecError(f"initial value {raw!r} of '{v.name}' is not in its domain") \
                    from None
            if not 0 <= out[-1] < v.type.size:
                raise SpecError(f"initial value {raw!r} of '{v.name}' is out of range")
        return tuple(out)

    # -- names --------------------------------------------------------------------

    def resolver(self, node: int | None, prefix: str = "", offset: int = 0, depth: int = 0):
        """Names as seen by an expression bound to ``node`` (self) and its peer."""

        def resolve(name: str) -> Node | None:
            if prefix:
                if not name.startswith(prefix + "."):
                    return None
                name = name[len(prefix) + 1:]
            head, _, rest = name.partition(".")
            if rest and head in ("self", "peer", "n1", "n2"):
                if head in ("self", "peer") and node is None:
                    return None
                n = {"self": node, "peer": 3 - (node or 0), "n1": 1, "n2": 2}[head]
                v = self.by_name.get(f"n{n}.{rest}")
                return var(v.index + offset, v.type) if v else None
            if name in self.by_name and self.by_name[name].node is None:
                v = self.by_name[name]
                return var(v.index + offset, v.type)
            if _UPPER.match(name) and name in self.bounds:
                return const(self.bounds[name], Type("int", hi=self.bounds[name]))
            if name in self.macros and depth < 8:
                inner = self.resolver(node, "", offset, depth + 1)
                return typed(self.macros[name], inner, f"macro '{name}'", BOOL_T)
            return None

        return resolve

    def action_resolver(self, node: int | None):
        """Names of an action property: ``pre.x`` and ``post.x`` (and bare ``x`` = pre)."""
        n = len(self.variables)
        pre, post = self.resolver(node, "pre"), self.resolver(node, "post", offset=n)
        plain = self.resolver(node)

        def resolve(name: str) -> Node | None:
            if name.startswith("pre."):
                return pre(name)
            if name.startswith("post."):
                return post(name)
            return plain(name)

        return resolve

    # -- rules ----------------------------------------------------------------------

    def _instantiate(self) -> None:
        for m in self.machines.values():
            for row in m.transitions:
                for t in self._rows(m, row):
                    self.transitions.append(t)
                    for n in (NODES if m.scope == "node" else (None,)):
                        self.rules.append(self._rule(m, t, n))

    def _rows(self, m: Machine, row: dict):
        where = f"machine '{m.name}'"
        for key in ("trigger", "source", "dest"):
            if key not in row:
                raise SpecError(f"{where}: a transition is missing '{key}' ({row!r})")
        sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
        if sources == ["*"]:
            sources = list(m.states)
        for src in sources:
            dest = src if row["dest"] == "=" else row["dest"]
            for s in (src, dest):
                if s not in m.states:
                    raise SpecError(f"{where}, trigger '{row['trigger']}': unknown state "
                                    f"'{s}' (states: {', '.join(m.states)})")
            effects = tuple((row.get("effects") or {}).items())
            yield Transition(len(self.transitions), m.name, row["trigger"], src, dest,
                             row.get("conditions", "True"), effects, tuple(row.get("ops", ())))

    def _rule(self, m: Machine, t: Transition, node: int | None) -> Rule:
        where = f"machine '{m.name}', {t.source} --{t.trigger}--> {t.dest}"
        resolve = self.resolver(node)
        own = self.by_name[f"n{node}.{m.variable}" if node else m.variable]
        src = Node("cmp", BOOL_T, (var(own.index, own.type), const(m.states.index(t.source),
                                                                    own.type)), "==")
        guard = typed(t.conditions, resolve, where + " (conditions)", BOOL_T)
        guard = Node("and", BOOL_T, (src, guard))
        effects = {own.index: const(m.states.index(t.dest), own.type)}
        for target, text in t.effects:
            tv = resolve(target)
            if tv is None or tv.op != "var":
                raise SpecError(f"{where}: effect target '{target}' is not a variable")
            if tv.data == own.index:
                raise SpecError(f"{where}: effect sets '{target}', which is the machine's own "
                                "state; use 'dest' instead")
            rhs = typed(str(text), resolve, f"{where} (effect on {target})", tv.type)
            effects[tv.data] = rhs
        return Rule(t, node, guard, tuple(sorted(effects.items())))

    # -- properties -----------------------------------------------------------------

    def add_property(self, decl: dict) -> Property:
        """Check and add one property; ``decl`` is the same dict form as in the spec."""
        name, where = self._check_header(decl)
        kind = decl.get("kind")
        common = dict(name=name, kind=kind, meaning=decl.get("meaning", ""), decl=dict(decl),
                      assume=tuple(decl.get("assume", ())), expect=decl.get("expect", "holds"),
                      guide=decl.get("guide", ""),
                      text={k: decl[k] for k in ("expr", "require", "p", "q", "when")
                            if k in decl})
        if kind in ("always", "reachable"):
            prop = Property(expr=self._expr(decl, "expr", where), **common)
        elif kind == "leads_to":
            prop = Property(p=self._expr(decl, "p", where), q=self._expr(decl, "q", where),
                            **common)
        elif kind == "action":
            prop = self._action_property(decl, where, common)
        elif kind == "enabled":
            prop = self._enabled_property(decl, where, common)
        elif kind == "scenario":
            prop = self._scenario_property(decl, where, common)
        else:
            raise SpecError(f"{where}: kind must be one of {', '.join(PROPERTY_KINDS)}")
        self.properties[name] = prop
        return prop

    def _check_header(self, decl) -> tuple[str, str]:
        """The name, keys, assumptions and expectation of a property declaration."""
        if not isinstance(decl, dict) or "name" not in decl:
            raise SpecError(f"a property needs a 'name' (got {decl!r:.60})")
        name = decl["name"]
        unknown = sorted(set(decl) - PROPERTY_KEYS)
        if unknown:
            raise SpecError(f"property {name!r}: unknown key '{unknown[0]}' (known: "
                            f"{', '.join(sorted(PROPERTY_KEYS))})")
        if not name or not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", str(name)):
            raise SpecError(f"property name {name!r} must be a plain identifier")
        if name in self.properties:
            raise SpecError(f"property '{name}' is declared twice")
        where = f"property '{name}'"
        try:
            self.without(tuple(decl.get("assume", ())))
        except SpecError as exc:
            raise SpecError(f"{where}: {exc}") from None
        if decl.get("expect", "holds") not in ("holds", "violated"):
            raise SpecError(f"{where}: expect must be 'holds' or 'violated'")
        if not isinstance(decl.get("guide", ""), str):
            raise SpecError(f"{where}: 'guide' must be a string (the guide's sentence the "
                            "property states)")
        return name, where

    def _expr(self, decl: dict, key: str, where: str) -> Node:
        if key not in decl:
            raise SpecError(f"{where}: missing '{key}'")
        return typed(str(decl[key]), self.resolver(None), f"{where} ({key})", BOOL_T)

    def _action_property(self, decl: dict, where: str, common: dict) -> Property:
        on = tuple(decl.get("on", ()))
        known = {"*"} | set(self.triggers) | {tag for t in self.triggers.values() for tag in t.tags}
        for o in on:
            if o not in known:
                raise SpecError(f"{where}: 'on' names '{o}', which is neither a trigger nor a "
                                "tag")
        if not on or "require" not in decl:
            raise SpecError(f"{where}: an action property needs 'on' and 'require'")
        req = tuple(typed(str(decl["require"]), self.action_resolver(n), f"{where} (require)",
                          BOOL_T) for n in NODES)
        return Property(on=on, require=req, **common)

    def _enabled_property(self, decl: dict, where: str, common: dict) -> Property:
        """``when`` (bound to each node as ``self``) implies that every trigger in ``on``
        is enabled for that node: an invariant over the triggers' guards."""
        on = decl.get("on")
        if not on or not isinstance(on, list) or "when" not in decl:
            raise SpecError(f"{where}: an enabled property needs 'when' and 'on' (a list of "
                            "triggers)")
        scopes = set()
        for t in on:
            if t not in self.triggers:
                raise SpecError(f"{where}: 'on' names '{t}', which is not a trigger "
                                f"(triggers: {', '.join(self.triggers)})")
            if t in self.without(common["assume"]):
                raise SpecError(f"{where}: its assumptions rule out '{t}'")
            scopes.add(self.triggers[t].scope)
        if len(scopes) > 1:
            raise SpecError(f"{where}: 'on' mixes node and global triggers")
        nodes = NODES if scopes == {"node"} else (None,)
        whens, claims = [], []
        for n in nodes:
            when = typed(str(decl["when"]), self.resolver(n), f"{where} (when)", BOOL_T)
            able = [Node("or", BOOL_T, tuple(r.guard for r in self.rules
                                             if r.action == (n, t)) or (const(0, BOOL_T),))
                    for t in on]
            whens.append(when)
            claims.append(Node("or", BOOL_T, (Node("not", BOOL_T, (when,)),
                                              Node("and", BOOL_T, tuple(able)))))
        return Property(on=tuple(on), p=Node("or", BOOL_T, tuple(whens)),
                        expr=Node("and", BOOL_T, tuple(claims)), **common)

    def _scenario_property(self, decl: dict, where: str, common: dict) -> Property:
        """Steps ``"n1.power_on"`` (an action) or ``{"until": expr}`` (the next action is
        taken from a state where expr holds), internal steps in between; ``expr``: the
        state the scenario ends in."""
        items = decl.get("steps")
        if not items or not isinstance(items, list):
            raise SpecError(f"{where}: a scenario needs 'steps', a list of actions such as "
                            "'n1.power_on' and {'until': condition}")
        steps, pending, excluded = [], [], self.without(common["assume"])
        for item in items:
            if isinstance(item, dict) and set(item) == {"until"}:
                pending.append(typed(str(item["until"]), self.resolver(None),
                                     f"{where} (until)", BOOL_T))
                continue
            node, trig = self._scenario_action(item, where)
            if trig in excluded:
                raise SpecError(f"{where}: its assumptions rule out '{trig}'")
            cond = Node("and", BOOL_T, tuple(pending)) if pending else None
            steps.append((node, trig, cond))
            pending = []
        final = self._expr(decl, "expr", where)
        if pending:
            final = Node("and", BOOL_T, (*pending, final))
        return Property(steps=tuple(steps), expr=final, **common)

    def _scenario_action(self, item, where: str) -> tuple:
        head, _, rest = str(item).partition(".")
        node, trig = ({"n1": 1, "n2": 2}.get(head), rest) if rest else (None, head)
        t = self.triggers.get(trig)
        if t is None or (t.scope == "node") != (node is not None):
            raise SpecError(f"{where}: step {item!r} is not 'n1.<trigger>', 'n2.<trigger>' "
                            "(node triggers), '<trigger>' (global ones) or {'until': expr}")
        return node, trig

    def watches(self, prop: Property, trigger: str) -> bool:
        t = self.triggers[trigger]
        return "*" in prop.on or trigger in prop.on or any(tag in prop.on for tag in t.tags)

    # -- helpers --------------------------------------------------------------------

    def decode(self, state: tuple) -> dict:
        """A state as ``{'link_up': True, 'n1.state': 'active_ha_standby', ...}``."""
        return {v.name: v.type.decode(c) for v, c in zip(self.variables, state)}

    def encode(self, values: dict) -> tuple:
        try:
            return tuple(v.type.encode(values[v.name]) for v in self.variables)
        except KeyError as exc:
            raise SpecError(f"state is missing variable {exc.args[0]!r}") from None
        except ValueError as exc:
            raise SpecError(f"state has a value outside its domain: {exc}") from None

    def without(self, assume: tuple) -> frozenset:
        """Triggers that the named assumptions rule out."""
        out: set = set()
        for a in assume:
            if a not in self.assumptions:
                raise SpecError(f"unknown assumption '{a}' (known: "
                                f"{', '.join(sorted(self.assumptions))})")
            out |= set(self.assumptions[a].get("without", ()))
        return frozenset(out)
