"""The specs hapair knows by name, and reading a spec from a folder or a file.

Every spec is a folder of the same shape, the built-in ones here (``specs/vsg/``,
``specs/vrrp/``, ``specs/trio/``) as a user's own:

* ``spec.py`` (a module-level ``SPEC`` dict), ``spec.toml``, ``spec.yaml`` or
  ``spec.json``: the spec (``docs/spec-format.md``);
* ``equivalents.json`` (optional): the mutants ``hapair mutate`` accepts as equivalent;
* anything else the spec's faces need (the VSG keeps its guide strings, process and
  policy tables, expected results and console beside its rows).

``hapair check --spec X``: X is a built-in name (``hapair specs`` lists them), a spec
folder, or one spec file (its equivalents then in ``<stem>.equivalents.json`` beside it).

>>> sorted(BUILTIN)
['trio', 'vrrp', 'vsg']
>>> load("vrrp").name
'vrrp'
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

from hapair.spec.errors import SpecError

SPEC_FILES = ("spec.py", "spec.toml", "spec.yaml", "spec.yml", "spec.json")
HERE = Path(__file__).resolve().parent
# name -> its folder: every folder here that holds a spec file is a built-in spec
BUILTIN = {folder.name: folder for folder in sorted(HERE.iterdir())
           if any((folder / name).is_file() for name in SPEC_FILES)}
MAX_SPEC_BYTES = 4 << 20
MAX_YAML_NODES = 200_000  # a YAML spec's values once its aliases are expanded


def spec_file(folder: Path) -> Path:
    """The one spec file of a spec folder."""
    found = [folder / name for name in SPEC_FILES if (folder / name).is_file()]
    if len(found) != 1:
        raise SpecError(f"{folder}: a spec folder holds one of {', '.join(SPEC_FILES)} "
                        f"(found {len(found) or 'none'})")
    return found[0]


def read(source: str, *, code: bool = True) -> tuple[dict, str]:
    """``(spec data, source)``: ``source`` is the built-in name or the resolved path.
    ``code=False``: a ``.py`` spec that is not built in is refused, not run (the source
    came from a file, such as a trace, not from the user)."""
    if source in BUILTIN:
        path = spec_file(BUILTIN[source])
        if path.suffix == ".py":  # a built-in module: imported, as the package's own code
            return importlib.import_module(f"{__name__}.{source}.spec").SPEC, source
        return read_file(path), source
    path = Path(source)
    if path.is_dir():
        path = spec_file(path)
        if not code:
            _no_code(path, source)
        return read_file(path), str(path.parent.resolve())
    if not code:
        _no_code(path, source)
    if not path.suffix:
        raise SpecError(f"unknown spec '{source}' (built-in: {', '.join(BUILTIN)}; or a "
                        "spec folder, or a .py, .toml, .yaml or .json file)")
    return read_file(path), str(path.resolve())


def _no_code(path: Path, source: str) -> None:
    if path.suffix.lower() == ".py":
        raise SpecError(f"{source}: a Python spec runs as code when it is opened; it is not "
                        f"opened for a file that names it: pass --spec {source} to run it "
                        "yourself")


def equivalents_file(source: str) -> Path:
    """Where the committed equivalent mutants of a spec are (the file may be absent)."""
    if source in BUILTIN:
        return BUILTIN[source] / "equivalents.json"
    path = Path(source)
    if path.is_dir():
        return path / "equivalents.json"
    return path.with_name(f"{path.name.split('.')[0]}.equivalents.json")


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
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and _expanded(node, {}) > MAX_YAML_NODES:
                raise SpecError(f"{path}: more than {MAX_YAML_NODES:,} values once its "
                                "aliases are expanded (an alias bomb?)")
            return None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f"line {where.line + 1}: " if where else ""
        raise SpecError(f"{path}: not YAML ({line}{getattr(exc, 'problem', exc)})") from None


def _expanded(node, memo: dict) -> int:
    """How many values a composed YAML node stands for with every alias expanded (an
    alias is the anchored node itself: counted once per use, computed once)."""
    key = id(node)
    if key not in memo:
        memo[key] = MAX_YAML_NODES + 1  # a cycle counts as too many
        children = node.value if isinstance(node.value, list) else []
        flat = [c for item in children for c in (item if isinstance(item, tuple) else (item,))]
        total = 1
        for child in flat:
            total += _expanded(child, memo)
            if total > MAX_YAML_NODES:
                break
        memo[key] = total
    return memo[key]


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


def load(source: str | dict = "vsg", bounds: dict | None = None, *, code: bool = True):
    """The checked ``Spec`` of a built-in name, a spec folder or file, or spec data (a
    dict in the format of ``docs/spec-format.md``); ``bounds`` override the defaults;
    ``code=False`` refuses a ``.py`` spec that is not built in (``read``).

    >>> load(bounds={"MAX_RESTARTS": 2}).bounds
    {'MAX_RESTARTS': 2, 'MORE_DOWN': 1}
    """
    from hapair.spec.schema import Spec

    if isinstance(source, dict):
        return Spec.load(source, bounds)
    data, origin = read(source, code=code)
    views = data.get("views") if isinstance(data, dict) else None
    if not code and origin not in BUILTIN and isinstance(views, dict):
        for ref in views.values():  # a view is imported and run when a state is shown
            if not str(ref).startswith("hapair."):
                raise SpecError(f"{origin}: spec 'views' names code ({str(ref)[:60]!r}), "
                                "which opening a file never runs: pass --spec to use it")
    try:
        sp = Spec.load(data, bounds)
    except SpecError as exc:  # a file's problem says which file, as its syntax errors do
        if origin in BUILTIN:
            raise
        raise SpecError(f"{origin}: {exc}") from None
    sp.source = origin
    return sp
