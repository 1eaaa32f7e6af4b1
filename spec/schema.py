"""Loading a declared spec: plain data in, a checked ``Spec`` of guarded commands out.

A spec is transitions-style data (machines with states and ``{'trigger', 'source',
'dest', 'conditions', 'unless', 'effects'}`` rows) for one node, instantiated for each
node the spec declares (``"nodes": ["module 1", "module 2"]``) plus global machines such
as the link.  Loading checks every key, every name, every expression and every
assignment against its variable's domain, and compiles the machines into ``Rule``s: one
guarded command per declared row and node, grouped by action, with the first-match
condition (``Rule.fires``) decided here once.  The runtime, both engines, the diagrams
and the Promela export all read these rules; none of them sees the declaration again.
The format is documented in ``docs/spec-format.md``.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hapair.spec import views
from hapair.spec.checks import MAX_BOUND, check_property_decl
from hapair.spec.errors import SpecError
from hapair.spec.lang import BOOL_T, INT_T, Node, Type, const, interval, typed, var

KINDS = ("internal", "physical", "fault", "traffic", "operator")
# How often a run must take a trigger's action (each node's separately), for liveness:
# weak (taken if enabled from some point on), strong (taken if enabled infinitely often),
# none (no demand), finite (taken only finitely often: it eventually stops).
FAIRNESS = ("weak", "strong", "none", "finite")
MAX_NODES = 8
SPEC_KEYS = {"name", "doc", "nodes", "bounds", "machines", "variables", "triggers", "macros",
             "assumptions", "initial", "properties", "views", "diagrams"}
MACHINE_KEYS = {"name", "scope", "variable", "states", "initial", "transitions", "doc"}
ROW_KEYS = {"trigger", "source", "dest", "conditions", "unless", "effects", "ops", "doc"}
TRIGGER_KEYS = {"kind", "doc", "refusal", "refused_when", "tags", "fairness"}
ASSUMPTION_KEYS = {"doc", "without"}
# pytransitions keys that would run code: hapair must see what a step does as data.
CALLBACKS = {"before", "after", "prepare", "on_enter", "on_exit", "on_exception",
             "finalize_event", "callbacks"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def digest(data: dict) -> str:
    """A content hash of a spec's data: a trace names the spec it was found on."""
    import hashlib
    import json

    text = json.dumps(data, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _near(name: str, known) -> str:
    near = difflib.get_close_matches(name, sorted(known), 1)
    return f" (did you mean '{near[0]}'?)" if near else ""


def known_keys(where: str, d: Any, known: set, required: tuple = ()) -> dict:
    """``d`` as a mapping whose every key is known; the near miss is suggested."""
    if not isinstance(d, dict):
        raise SpecError(f"{where}: expected a mapping, got {type(d).__name__}")
    for k in d:
        if not isinstance(k, str):
            yaml = " (YAML reads on / yes / no unquoted as booleans: quote the key)" \
                if isinstance(k, bool) else ""
            raise SpecError(f"{where}: key {k!r} is not a string{yaml}")
        if k in CALLBACKS and "trigger" in known:
            raise SpecError(f"{where}: '{k}' (a pytransitions callback) is not supported: "
                            "hapair must see what a step does, so write it as 'effects'")
        if k not in known:
            near = difflib.get_close_matches(k, sorted(known), 1)
            hint = f"did you mean '{near[0]}'?" if near else "known: " + ", ".join(sorted(known))
            raise SpecError(f"{where}: unknown key '{k}' ({hint})")
    for k in required:
        if k not in d:
            raise SpecError(f"{where}: missing '{k}'")
    return d


def _texts(where: str, value: Any) -> list[str]:
    """``conditions`` / ``unless``: one expression, or a list of them (as pytransitions)."""
    items = value if isinstance(value, list) else [value]
    for v in items:
        if not isinstance(v, str) or not v.strip():
            raise SpecError(f"{where}: expected an expression string or a list of them, got "
                            f"{v!r:.40}")
    return items


def _name(where: str, value: Any) -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise SpecError(f"{where}: {value!r:.40} is not a plain name (letters, digits, _)")
    return value


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
    """A guarded command of the product: ``guard`` then all ``effects`` at once.

    ``selected`` is the one place first-match is decided: the guard, and no earlier row of
    the same action enabled.  ``fires``: selected, and every effect inside its variable's
    domain (``domain``; a step that would leave it is no step, and the built-in
    ``EffectsInDomain`` property reports it as an error of the spec: selected, not in
    its domain)."""

    transition: Transition
    node: int | None
    guard: Node
    effects: tuple  # ((var index, Node), ...)
    domain: Node | None = None  # None: every effect is in its domain by its type
    fires: Node | None = None  # set when the rules of its action are compiled
    selected: Node | None = None  # the same

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
    refused_when: str = "True"  # where the refusal is shown (else "not allowed")
    fairness: str = "finite"  # one of FAIRNESS (default: weak if internal, else finite)


@dataclass(frozen=True)
class Property:
    """A compiled property: the fields its kind (``hapair.spec.kinds``) fills in.  The
    engines read its ``form``, never its kind's name."""

    name: str
    kind: str  # a name in hapair.spec.kinds.KINDS
    meaning: str
    expr: Node | None = None  # invariant, witness: the state condition
    on: tuple = ()  # action: triggers or tags it watches
    require: tuple = ()  # action: one Node per node binding (index 0 = node 1)
    p: Node | None = None  # response: the premise; invariant: a premise for vacuity
    q: Node | None = None  # response: what every fair run reaches
    assume: tuple = ()
    expect: str = "holds"  # holds | violated
    guide: str = ""  # the guide's sentence the property states
    steps: tuple = ()  # scenario: ((node | None, trigger, Node | None precondition), ...)
    avoids: Node | None = None  # scenario: a state no run that follows the steps may reach
    text: dict = field(default_factory=dict, compare=False)
    decl: dict = field(default_factory=dict, compare=False)  # as declared (JSON-able)

    @property
    def form(self) -> str:
        """How the engines decide it: ``invariant``, ``step``, ``witness`` or
        ``response`` (``hapair.spec.kinds.FORMS``)."""
        from hapair.spec.kinds import KINDS

        return KINDS[self.kind].form

    @property
    def is_state_invariant(self) -> bool:
        """Of the invariant form with no premise (``always``): every reachable state
        satisfies ``expr``, and nothing else is asked."""
        return self.form == "invariant" and self.p is None


@dataclass
class Machine:
    name: str
    scope: str  # node | global
    variable: str
    states: tuple
    initial: Any
    transitions: list


_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
PROPERTY_KEYS = {"name", "kind", "meaning", "assume", "expect", "guide"}  # and its kind's


DOMAIN_PROPERTY = "EffectsInDomain"


def _in_domain(where: str, t: Type, rhs: Node) -> list[Node]:
    """Check a value against the type it is stored in: statically where the types say
    so (a condition into an enum, a literal out of range); otherwise the range condition
    that the step needs (empty when the value's interval fits)."""
    if t.kind == "enum" and rhs.type != t:
        raise SpecError(f"{where}: expects one of {', '.join(t.values)}, not a "
                        f"{'condition' if rhs.type.kind == 'bool' else rhs.type.kind}")
    if t.kind == "bool" and rhs.type.kind != "bool":
        raise SpecError(f"{where}: expects a condition (True / False), not a {rhs.type.kind}")
    if t.kind != "int":
        return []
    if rhs.type.kind != "int":
        raise SpecError(f"{where}: expects a number 0..{t.hi}, not a "
                        f"{'condition' if rhs.type.kind == 'bool' else 'state name'}")
    lo, hi = interval(rhs)
    if hi < 0 or lo > t.hi:
        raise SpecError(f"{where}: the value ({lo}..{hi}) is outside the domain 0..{t.hi}")
    if lo >= 0 and hi <= t.hi:
        return []
    top = Node("cmp", BOOL_T, (rhs, const(t.hi, INT_T)), "<=")
    bottom = Node("cmp", BOOL_T, (rhs, const(0, INT_T)), ">=")
    return [c for c, needed in ((bottom, lo < 0), (top, hi > t.hi)) if needed]


class Spec:
    """A loaded, checked spec.  Build it with ``Spec.load(data, bounds=...)``."""

    def __init__(self, data: dict, bounds: dict | None = None):
        known_keys("spec", data, SPEC_KEYS, required=("machines",))
        self.data = data
        self.name = data.get("name", "spec")
        self.source = self.name  # a built-in name or a file path (hapair.specs.load)
        if not isinstance(self.name, str) or not self.name:
            raise SpecError("spec: 'name' must be a non-empty string")
        self._declare_nodes(data.get("nodes", 2))
        self.bounds = self._bounds(data.get("bounds", {}), bounds or {})
        self.variables: list[Variable] = []
        self.by_name: dict[str, Variable] = {}
        self.machines: dict[str, Machine] = {}
        self.triggers: dict[str, Trigger] = {}
        self.macros: dict[str, str] = self._macros(data.get("macros", {}))
        self.assumptions: dict[str, dict] = {}
        self.transitions: list[Transition] = []
        self.rules: list[Rule] = []
        self.actions: dict[tuple, tuple[int, ...]] = {}  # (node, trigger) -> rules in order
        self._properties: dict[str, Property] = {}
        self.views = views.check(data.get("views", {}))
        self.diagrams: dict = {}
        self._declare_machines()
        self._declare_data()
        self._declare_triggers()
        self._declare_assumptions(data.get("assumptions", {}))
        self._declare_diagrams(data.get("diagrams", {}))
        self.initial = self._initial()
        self._instantiate()
        self._compile_first_match()
        self._add_domain_property()
        props = data.get("properties", [])
        if not isinstance(props, list):
            raise SpecError("spec: 'properties' must be a list of property mappings")
        for prop in props:
            self._add_property(prop)
        self.digest = digest(data)

    # -- a spec is a value: equal content, equal spec; a change makes a new one --------

    @property
    def key(self) -> str:
        """A hash of everything that decides a verdict: the declared data, the bounds
        and every property as compiled (a property added or re-assumed changes it).
        Every cache of something derived from a spec is keyed by it, never by ``id``."""
        if "_key" not in self.__dict__:
            import hashlib

            text = repr((self.digest, sorted(self.bounds.items()),
                         [repr(p) for p in self.properties.values()]))
            self.__dict__["_key"] = hashlib.sha256(text.encode()).hexdigest()
        return self.__dict__["_key"]

    @property
    def properties(self) -> MappingProxyType:
        """The properties by name, read-only: ``with_property`` makes a new spec."""
        return MappingProxyType(self._properties)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Spec) and other.key == self.key

    def with_properties(self, properties: dict) -> "Spec":
        """A new spec with these compiled properties (by name) in place of this one's;
        this one is unchanged.  Derived caches that read only the rules are shared."""
        out = object.__new__(Spec)
        out.__dict__.update({k: v for k, v in self.__dict__.items() if k != "_key"})
        out._properties = dict(properties)
        return out

    def with_property(self, decl: dict) -> "Spec":
        """A new spec with one more property (``decl``: the same dict form as in the
        spec); this one is unchanged."""
        out = self.with_properties(self.properties)
        out._add_property(decl)
        return out

    def with_assumptions(self, assume: tuple) -> "Spec":
        """A new spec whose every property is checked under exactly ``assume``
        (``hapair check --assume NAME`` / ``--no-assumptions``)."""
        self.without(assume)  # names every unknown assumption
        return self.with_properties({n: dataclasses.replace(p, assume=tuple(assume))
                                     for n, p in self.properties.items()})

    @classmethod
    def load(cls, data: dict, bounds: dict | None = None) -> "Spec":
        if not isinstance(data, dict) or "machines" not in data:
            raise SpecError("a spec is a mapping with 'machines', 'variables' and 'triggers'")
        return cls(data, bounds)

    # -- declarations -------------------------------------------------------------

    def _declare_nodes(self, decl: Any) -> None:
        """``"nodes": 3`` (named node 1..3) or ``["module 1", "module 2"]``."""
        if isinstance(decl, int) and not isinstance(decl, bool):
            if not 1 <= decl <= MAX_NODES:  # checked before a name is made
                raise SpecError(f"spec: 'nodes' must name 1 to {MAX_NODES} distinct nodes, "
                                f"got {str(decl)[:40]}")
            names = [f"node {k}" for k in range(1, decl + 1)]
        elif isinstance(decl, list) and len(decl) > MAX_NODES:
            raise SpecError(f"spec: 'nodes' must name 1 to {MAX_NODES} distinct nodes, got "
                            f"{len(decl)}")
        elif isinstance(decl, list) and all(isinstance(n, str) and n.strip() for n in decl):
            names = list(decl)
        else:
            raise SpecError(f"spec: 'nodes' must be a count or a list of node names, got "
                            f"{decl!r:.40}")
        if not 1 <= len(names) <= MAX_NODES or len(set(names)) != len(names):
            raise SpecError(f"spec: 'nodes' must name 1 to {MAX_NODES} distinct nodes")
        self.nodes = tuple(range(1, len(names) + 1))
        self.node_names = {k: n for k, n in zip(self.nodes, names)}

    def _bounds(self, declared: Any, given: dict) -> dict:
        known_keys("spec 'bounds'", declared, set(declared) if isinstance(declared, dict)
                   else set())
        for key, value in declared.items():
            if not _UPPER.match(key) or isinstance(value, bool) or not isinstance(value, int) \
                    or not 0 <= value <= MAX_BOUND:
                raise SpecError(f"spec 'bounds': '{key}' must be an UPPER_CASE name with a "
                                f"whole number 0..{MAX_BOUND}, got {value!r:.40}")
        for key, value in given.items():
            if key not in declared:
                raise SpecError(f"unknown bound '{key}' (known: "
                                f"{', '.join(sorted(declared)) or 'none'})")
            if isinstance(value, bool) or not isinstance(value, int) \
                    or not 0 <= value <= MAX_BOUND:
                raise SpecError(f"bound '{key}' must be a whole number 0..{MAX_BOUND}, got "
                                f"{value!r:.40}")
        return {**declared, **given}

    def _macros(self, decl: Any) -> dict:
        known_keys("spec 'macros'", decl, set(decl) if isinstance(decl, dict) else set())
        for name, text in decl.items():
            _name(f"macro {name!r}", name)
            _texts(f"macro '{name}'", text)
        return dict(decl)

    def _declare_diagrams(self, decl: Any) -> None:
        """The product pictures: which variables to group by, under which assumptions."""
        known_keys("spec 'diagrams'", decl, {"quotient", "full"})
        first = next(iter(self.machines.values()))
        default = tuple(f"n{k}.{first.variable}" for k in self.nodes) \
            if first.scope == "node" else (first.variable,)
        titles = {"quotient": "the product by " + " x ".join(default),
                  "full": "every state of the product"}
        for picture in ("quotient", "full"):
            where = f"spec 'diagrams' {picture}"
            d = known_keys(where, decl.get(picture, {}), {"assume", "by", "title"})
            by, assume = d.get("by", list(default)), d.get("assume", [])
            for name in (by if isinstance(by, list) else [None]):
                if not isinstance(name, str) or name not in self.by_name:
                    raise SpecError(f"{where}: 'by' must list variables, got {name!r:.40}"
                                    + (_near(name, self.by_name) if isinstance(name, str)
                                       else ""))
            try:
                self.without(tuple(assume) if isinstance(assume, list) else (None,))
            except (SpecError, TypeError):
                raise SpecError(f"{where}: 'assume' must list assumptions (known: "
                                f"{', '.join(self.assumptions) or 'none'})") from None
            if not isinstance(d.get("title", ""), str):
                raise SpecError(f"{where}: 'title' must be a string")
            self.diagrams[picture] = {"assume": tuple(assume), "by": tuple(by),
                                      "title": d.get("title", titles[picture])}

    def _declare_assumptions(self, decl: Any) -> None:
        known_keys("spec 'assumptions'", decl, set(decl) if isinstance(decl, dict) else set())
        for name, a in decl.items():
            where = f"assumption '{name}'"
            _name(where, name)
            known_keys(where, a, ASSUMPTION_KEYS, required=("without",))
            without = a["without"]
            if not isinstance(without, list) or not all(isinstance(t, str) for t in without):
                raise SpecError(f"{where}: 'without' must be a list of trigger names")
            for t in without:
                if t not in self.triggers:
                    raise SpecError(f"{where}: 'without' names '{t}', which is no trigger"
                                    + _near(t, self.triggers))
            self.assumptions[name] = dict(a)

    def _domain(self, decl: Any, where: str) -> Type:
        if decl == "bool":
            return BOOL_T
        if isinstance(decl, list) and decl and all(isinstance(v, str) and _IDENT.match(v)
                                                   for v in decl) \
                and len(set(decl)) == len(decl):
            return Type("enum", tuple(decl))
        if isinstance(decl, str) and decl.startswith("0.."):
            hi = decl[3:]
            if hi.isascii() and hi.isdigit() and int(hi) <= MAX_BOUND:
                return Type("int", hi=int(hi))
            if hi in self.bounds:
                return Type("int", hi=self.bounds[hi])
        raise SpecError(f"{where}: domain {decl!r:.40} is not 'bool', a list of distinct "
                        f"names, or '0..N' (N <= {MAX_BOUND}) / '0..BOUND'")

    def _add_var(self, local: str, t: Type, scope: str) -> None:
        _name(f"variable {local!r}", local)
        nodes = self.nodes if scope == "node" else (None,)
        for n in nodes:
            name = f"n{n}.{local}" if n else local
            if name in self.by_name:
                raise SpecError(f"variable '{local}' is declared twice")
            v = Variable(name, t, len(self.variables), n, local)
            self.variables.append(v)
            self.by_name[name] = v

    def _declare_machines(self) -> None:
        machines = self.data["machines"]
        if not isinstance(machines, list) or not machines:
            raise SpecError("spec: 'machines' must be a non-empty list of machines")
        for k, m in enumerate(machines):
            where = f"machine {m.get('name', k) if isinstance(m, dict) else k!r}"
            known_keys(where, m, MACHINE_KEYS, required=("name", "scope", "variable", "states",
                                                         "initial", "transitions"))
            name = _name(where, m["name"])
            if name in self.machines:
                raise SpecError(f"{where}: declared twice")
            if m["scope"] not in ("node", "global"):
                raise SpecError(f"{where}: scope must be 'node' or 'global'")
            states = m["states"]
            if not isinstance(states, list) or not states or len(set(map(str, states))) != \
                    len(states) or not all(isinstance(x, str) and _IDENT.match(x) for x in states):
                raise SpecError(f"{where}: 'states' must be a list of distinct plain names")
            if m["initial"] not in states:
                raise SpecError(f"{where}: initial state {m['initial']!r:.40} is not one of its "
                                "states")
            if not isinstance(m["transitions"], list):
                raise SpecError(f"{where}: 'transitions' must be a list of rows")
            self.machines[name] = Machine(name, m["scope"], _name(where, m["variable"]),
                                          tuple(states), m["initial"], list(m["transitions"]))

    def _declare_data(self) -> None:
        decl = known_keys("spec 'variables'", self.data.get("variables", {}),
                          {"global", "node"})
        for scope in decl.values():
            known_keys("spec 'variables'", scope, set(scope) if isinstance(scope, dict)
                       else set())
        # Machine state variables first (in machine order), then data, so the layout
        # of a state reads like the spec.
        for scope in ("global", "node"):
            for m in self.machines.values():
                if m.scope == scope:
                    self._add_var(m.variable, Type("enum", m.states), scope)
            for local, decl in self.data.get("variables", {}).get(scope, {}).items():
                self._add_var(local, self._domain(decl, f"variable '{local}'"), scope)

    def _declare_triggers(self) -> None:
        scopes = self._trigger_scopes()
        triggers = self.data.get("triggers", {})
        known_keys("spec 'triggers'", triggers, set(scopes) | set(triggers)
                   if isinstance(triggers, dict) else set())
        for name, meta in triggers.items():
            if name not in scopes:
                raise SpecError(f"trigger '{name}' is described but no machine uses it"
                                + _near(name, scopes))
            self.triggers[name] = self._trigger(name, meta, scopes[name])
        missing = sorted(set(scopes) - set(self.triggers))
        if missing:
            raise SpecError(f"trigger '{missing[0]}' has no entry in 'triggers' "
                            "(say its kind: one of " + ", ".join(KINDS) + ")")

    def _trigger_scopes(self) -> dict:
        """Each trigger used by a row, with its machine's scope; rows' keys checked."""
        scopes: dict = {}
        for m in self.machines.values():
            for k, t in enumerate(m.transitions):
                where = f"machine '{m.name}', row {k + 1}"
                known_keys(where, t, ROW_KEYS, required=("trigger", "source", "dest"))
                trig = _name(where + " (trigger)", t["trigger"])
                if scopes.setdefault(trig, m.scope) != m.scope:
                    raise SpecError(f"trigger '{trig}' is used by a node and a global machine")
        return scopes

    def _trigger(self, name: str, meta: Any, scope: str) -> Trigger:
        where = f"trigger '{name}'"
        known_keys(where, meta, TRIGGER_KEYS, required=("kind",))
        if meta["kind"] not in KINDS:
            raise SpecError(f"{where}: kind must be one of {', '.join(KINDS)}")
        tags = meta.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(x, str) for x in tags):
            raise SpecError(f"{where}: 'tags' must be a list of names")
        for key in ("doc", "refusal", "refused_when", "fairness"):
            if not isinstance(meta.get(key, ""), str):
                raise SpecError(f"{where}: '{key}' must be a string")
        fairness = meta.get("fairness", "weak" if meta["kind"] == "internal" else "finite")
        if fairness not in FAIRNESS:
            raise SpecError(f"{where}: fairness must be one of {', '.join(FAIRNESS)}, "
                            f"not '{fairness}'")
        when = meta.get("refused_when", "True")
        for node in (self.nodes if scope == "node" else (None,)):
            typed(when, self.resolver(node), f"{where} (refused_when)", BOOL_T)
        return Trigger(name, meta["kind"], scope, meta.get("doc", ""), meta.get("refusal"),
                       tuple(tags), when, fairness)

    def _initial(self) -> tuple:
        values = self.data.get("initial", {})
        node_keys = {f"n{k}" for k in self.nodes}
        known_keys("spec 'initial'", values, node_keys | {v.local for v in self.variables
                                                          if v.node is None})
        for k in node_keys & set(values):
            known_keys(f"spec 'initial' {k}", values[k], {v.local for v in self.variables
                                                            if v.node is not None})
        out = []
        for v in self.variables:
            scope = values.get(f"n{v.node}", {}) if v.node else values
            if v.local in scope:
                raw = scope[v.local]
            else:
                m = next((m for m in self.machines.values() if m.variable == v.local), None)
                raw = m.initial if m else v.type.decode(0)  # the domain's first value
            try:
                if (v.type.kind == "bool") != isinstance(raw, bool) or isinstance(raw, float):
                    raise TypeError
                out.append(v.type.encode(raw))
            except (ValueError, TypeError):
                raise SpecError(f"initial value {raw!r:.40} of '{v.name}' is not in its "
                                "domain") from None
            if not 0 <= out[-1] < v.type.size:
                raise SpecError(f"initial value {raw!r} of '{v.name}' is out of range")
        return tuple(out)

    # -- names --------------------------------------------------------------------

    def resolver(self, node: int | None, prefix: str = "", offset: int = 0, depth: int = 0,
                 bound: dict | None = None):
        """Names as seen by an expression bound to ``node`` (``self``); ``peer`` is the
        other node of a two-node spec; ``bound`` adds names for other nodes (``other``)."""
        aliases = {f"n{k}": k for k in self.nodes}
        if node is not None:
            aliases["self"] = node
            if len(self.nodes) == 2:
                aliases["peer"] = 3 - node
        aliases.update(bound or {})

        def resolve(name: str) -> Node | None:
            if prefix:
                if not name.startswith(prefix + "."):
                    return None
                name = name[len(prefix) + 1:]
            head, _, rest = name.partition(".")
            if rest and head in aliases:
                v = self.by_name.get(f"n{aliases[head]}.{rest}")
                return var(v.index + offset, v.type) if v else None
            if name in self.by_name and self.by_name[name].node is None:
                v = self.by_name[name]
                return var(v.index + offset, v.type)
            if _UPPER.match(name) and name in self.bounds:
                return const(self.bounds[name], Type("int", hi=self.bounds[name]))
            if name in self.macros and depth < 8:
                inner = self.resolver(node, "", offset, depth + 1, bound)
                return typed(self.macros[name], inner, f"macro '{name}'", BOOL_T)
            return None

        resolve.nodes, resolve.self_node = self.nodes, node  # for any / all / count
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

        resolve.nodes, resolve.self_node = self.nodes, node
        return resolve

    # -- rules ----------------------------------------------------------------------

    def _instantiate(self) -> None:
        for m in self.machines.values():
            for k, row in enumerate(m.transitions):
                for t in self._rows(m, row, f"machine '{m.name}', row {k + 1}"):
                    self.transitions.append(t)
                    for n in (self.nodes if m.scope == "node" else (None,)):
                        self.rules.append(self._rule(m, t, n))

    def _rows(self, m: Machine, row: dict, where: str):
        sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
        if sources == ["*"]:
            sources = list(m.states)
        if row["dest"] != "=" and row["dest"] not in m.states:
            raise SpecError(f"{where} ('{row['trigger']}'): unknown dest {row['dest']!r:.40}"
                            + (_near(row["dest"], m.states) if isinstance(row["dest"], str)
                               else "") + f" (states: {', '.join(m.states)})")
        for src in sources:
            if src not in m.states:
                raise SpecError(f"{where} ('{row['trigger']}'): unknown source {src!r:.40}"
                                + (_near(src, m.states) if isinstance(src, str) else "")
                                + f" (states: {', '.join(m.states)})")
        texts = _texts(f"{where} (conditions)", row.get("conditions", "True"))
        unless = _texts(f"{where} (unless)", row["unless"]) if "unless" in row else []
        conditions = " and ".join([f"({c})" if len(texts) > 1 or unless else c for c in texts]
                                  + [f"not ({u})" for u in unless])
        effects = row.get("effects") or {}
        if not isinstance(effects, dict):
            raise SpecError(f"{where}: 'effects' must map variables to expressions")
        for target, value in effects.items():
            if isinstance(value, float) or not isinstance(value, (str, int)):
                raise SpecError(f"{where}: effect on '{target}' must be an expression string, "
                                f"got {value!r:.40}")
        ops = row.get("ops", [])
        if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
            raise SpecError(f"{where}: 'ops' must be a list of names")
        for src in dict.fromkeys(sources):
            dest = src if row["dest"] == "=" else row["dest"]
            yield Transition(len(self.transitions), m.name, row["trigger"], src, dest,
                             conditions, tuple(effects.items()), tuple(ops))

    def _rule(self, m: Machine, t: Transition, node: int | None) -> Rule:
        where = f"machine '{m.name}', {t.source} --{t.trigger}--> {t.dest}" + \
            (f" on {self.node_names[node]}" if node and len(self.nodes) > 2 else "")
        resolve = self.resolver(node)
        own = self.by_name[f"n{node}.{m.variable}" if node else m.variable]
        src = Node("cmp", BOOL_T, (var(own.index, own.type), const(m.states.index(t.source),
                                                                    own.type)), "==")
        guard = typed(t.conditions, resolve, where + " (conditions)", BOOL_T)
        guard = Node("and", BOOL_T, (src, guard))
        effects = {own.index: const(m.states.index(t.dest), own.type)}
        checks: list[Node] = []
        for target, text in t.effects:
            for tv, rhs in self._assignments(where, node, target, str(text)):
                if tv.data == own.index:
                    raise SpecError(f"{where}: effect sets '{target}', which is the machine's "
                                    "own state; use 'dest' instead")
                if tv.data in effects:
                    raise SpecError(f"{where}: '{target}' is assigned twice")
                checks += _in_domain(f"{where} (effect on {target})", tv.type, rhs)
                effects[tv.data] = rhs
        domain = None if not checks else checks[0] if len(checks) == 1 else \
            Node("and", BOOL_T, tuple(checks))
        return Rule(t, node, guard, tuple(sorted(effects.items())), domain)

    def _assignments(self, where: str, node: int | None, target: str, text: str):
        """``(variable, value)`` for one effect; ``others.x`` assigns ``x`` of every node
        but ``self``, with ``other`` naming the node assigned."""
        head, _, rest = target.partition(".")
        if head == "others" and rest and node is not None:
            binds = [{"other": k} for k in self.nodes if k != node]
            target = f"other.{rest}"
        else:
            binds = [{}]
        for bind in binds:
            resolve = self.resolver(node, bound=bind)
            tv = resolve(target)
            if tv is None or tv.op != "var":
                raise SpecError(f"{where}: effect target '{target}' is not a variable"
                                + _near(target, self.by_name))
            rhs = typed(text, resolve, f"{where} (effect on {target})", tv.type)
            yield tv, rhs

    def _compile_first_match(self) -> None:
        """Group the rules by action, in declaration order, and decide first match once:
        a rule fires when its guard holds, no earlier rule of its action is enabled, and
        its effects stay in their domains."""
        for i, r in enumerate(self.rules):
            self.actions.setdefault(r.action, ())
            self.actions[r.action] += (i,)
        for rules in self.actions.values():
            earlier: list[Node] = []
            for i in rules:
                r = self.rules[i]
                parts = [r.guard, *(Node("not", BOOL_T, (g,)) for g in earlier)]
                selected = parts[0] if len(parts) == 1 else Node("and", BOOL_T, tuple(parts))
                fires = selected if r.domain is None else \
                    Node("and", BOOL_T, (*parts, r.domain))
                self.rules[i] = dataclasses.replace(r, fires=fires, selected=selected)
                earlier.append(r.guard)

    def _add_domain_property(self) -> None:
        """An effect that can leave its variable's domain (``x + 1`` at the top of its
        range) is an error of the spec: a built-in invariant that both engines check."""
        bad = [Node("and", BOOL_T, (r.selected, Node("not", BOOL_T, (r.domain,))))
               for r in self.rules if r.domain is not None]
        if not bad:
            return
        expr = Node("not", BOOL_T, (bad[0] if len(bad) == 1 else Node("or", BOOL_T,
                                                                          tuple(bad)),))
        self._properties[DOMAIN_PROPERTY] = Property(
            DOMAIN_PROPERTY, "always", "no step assigns a value outside its variable's "
            "domain (an overflow is an error of the spec, never a wrap)", expr=expr,
            text={"expr": "(every effect within its domain)"})

    # -- properties -----------------------------------------------------------------

    def _add_property(self, decl: dict) -> Property:
        """Check and add one property while the spec is built (``with_property`` after):
        its kind (``hapair.spec.kinds``) builds it."""
        from hapair.spec.kinds import KINDS

        name, where = self._check_header(decl)
        kind = KINDS.get(decl.get("kind"))
        if kind is None:
            raise SpecError(f"{where}: kind must be one of {', '.join(KINDS)}")
        fields = set().union(*(k.fields for k in KINDS.values()))
        for key in decl:
            if key in fields and key not in kind.fields:
                raise SpecError(f"{where}: '{key}' is not a field of a {kind.name} property "
                                f"(its fields: {', '.join(sorted(kind.fields))})")
        common = dict(name=name, kind=kind.name, meaning=decl.get("meaning", ""),
                      decl=dict(decl), assume=tuple(decl.get("assume", ())),
                      expect=decl.get("expect", "holds"), guide=decl.get("guide", ""),
                      text={k: decl[k] for k in ("expr", "require", "p", "q", "when")
                            if k in decl})
        prop = kind.build(self, decl, where, common)
        self._properties[name] = prop
        return prop

    def _check_header(self, decl) -> tuple[str, str]:
        """The name, keys, assumptions and expectation of a property declaration."""
        if not isinstance(decl, dict) or "name" not in decl:
            raise SpecError(f"a property needs a 'name' (got {decl!r:.60})")
        check_property_decl(decl)
        name = decl["name"]
        from hapair.spec.kinds import KINDS

        known_keys(f"property {name!r}", decl,
                   PROPERTY_KEYS.union(*(k.fields for k in KINDS.values())))
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

    def condition(self, decl: dict, key: str, where: str) -> Node:
        """The declaration's ``key``, a condition over the state (a property's field)."""
        if key not in decl:
            raise SpecError(f"{where}: missing '{key}'")
        return typed(str(decl[key]), self.resolver(None), f"{where} ({key})", BOOL_T)

    @property
    def node_noun(self) -> str:
        """What the spec calls a node: the first word all its names share ("module"),
        else "node"."""
        words = {n.split()[0] for n in self.node_names.values() if len(n.split()) == 2}
        return words.pop() if len(words) == 1 and len(self.node_names) == len(
            [n for n in self.node_names.values() if len(n.split()) == 2]) else "node"
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
            if not isinstance(a, str) or a not in self.assumptions:
                raise SpecError(f"unknown assumption '{a}' (known: "
                                f"{', '.join(sorted(self.assumptions))})")
            out |= set(self.assumptions[a].get("without", ()))
        return frozenset(out)
