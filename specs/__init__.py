"""The specs hapair knows by name, and reading a spec from a file.

``hapair check --spec X``: X is a built-in name (``hapair specs`` lists them) or a path
to a Python file that defines a module-level ``SPEC`` dict, or a TOML, YAML or JSON file
of the same structure (``docs/spec-format.md``).

>>> sorted(BUILTIN)
['trio', 'vrrp', 'vsg']
>>> load("vrrp").name
'vrrp'
"""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path
from typing import Any

from hapair.spec.errors import SpecError

# name -> (file in this package, one line on what it is)
BUILTIN = {
    "vsg": ("vsg.py", "Cisco VSG HA pair, as the configuration guide describes it"),
    "vrrp": ("vrrp.toml", "a VRRP-style master/backup pair with priorities and preemption"),
    "trio": ("trio.yaml", "three nodes electing one leader by quorum (needs quantifiers)"),
}
MAX_SPEC_BYTES = 4 << 20


def read(source: str) -> tuple[dict, str]:
    """``(spec data, source)``: ``source`` is the built-in name or the resolved path."""
    if source in BUILTIN:
        if source == "vsg":
            from hapair.spec.vsg import SPEC
            return SPEC, source
        with resources.as_file(resources.files(__name__) / BUILTIN[source][0]) as path:
            return read_file(path), source
    path = Path(source)
    if not path.suffix:
        raise SpecError(f"unknown spec '{source}' (built-in: {', '.join(BUILTIN)}; or a "
                        ".py, .toml, .yaml or .json file)")
    return read_file(path), str(path.resolve())


def read_file(path: Path) -> dict:
    """A spec file's data; every problem is one ``SpecError`` line naming the file."""
    suffix = path.suffix.lower()
    if suffix not in (".py", ".toml", ".yaml", ".yml", ".json"):
        raise SpecError(f"{path}: a spec file is .py, .toml, .yaml or .json")
    try:
        if not path.is_file():
            raise SpecError(f"{path}: no such spec file")
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(f"{path}: larger than {MAX_SPEC_BYTES >> 20} MiB")
        data = _python(path) if suffix == ".py" else _parse(path, suffix,
                                                            path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: the spec must be a mapping (got {type(data).__name__})")
    return data


def _parse(path: Path, suffix: str, text: str) -> Any:
    if suffix == ".toml":
        import tomllib
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path}: not TOML ({exc})") from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    import yaml
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f"line {where.line + 1}: " if where else ""
        raise SpecError(f"{path}: not YAML ({line}{getattr(exc, 'problem', exc)})") from None


def _python(path: Path) -> Any:
    """A Python spec file runs as a module (it is the user's own code) and must define
    ``SPEC``."""
    spec = importlib.util.spec_from_file_location(f"hapair_user_spec_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise SpecError(f"{path}: cannot load as Python")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SpecError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's file: say what it raised, one line
        raise SpecError(f"{path}: running it raised {type(exc).__name__}: {exc}") from None
    if not hasattr(module, "SPEC"):
        raise SpecError(f"{path}: defines no module-level SPEC dict")
    return module.SPEC


def load(source: str = "vsg", bounds: dict | None = None):
    """The checked ``Spec`` of a built-in name or a file."""
    from hapair.spec.schema import Spec

    data, origin = read(source)
    try:
        sp = Spec.load(data, bounds)
    except SpecError as exc:  # a file's problem says which file, as its syntax errors do
        if origin in BUILTIN:
            raise
        raise SpecError(f"{origin}: {exc}") from None
    sp.source = origin
    return sp
