"""A cache of z3's answers, so that a check of an unchanged spec does not prove again.

An answer is stored under a key that holds everything it depends on: the spec's content
hash and bounds, the property's definition, the slice (assumptions and tracked
variables), the search depths, for a certificate the hash of the explored state set, and
the versions of z3 and of hapair's own source (the hash of every module of the spec,
the model and the checker).  Change any of them and the key changes: the answer is
computed again.  A hit is marked in the result's note ("cached"), so a report never
passes a cached proof off as a fresh one.  ``hapair check --no-cache`` bypasses it.

Entries are small JSON files under ``$HAPAIR_CACHE_DIR`` (default
``$XDG_CACHE_HOME/hapair`` or ``~/.cache/hapair``), written atomically; an unreadable
entry is a miss, a cache directory that cannot be written is no cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from hapair.checker.results import PropertyResult, Trace, TraceStep

log = logging.getLogger(__name__)
SOURCES = ("spec", "model", "checker")  # the packages whose code decides an answer


def directory() -> Path:
    if os.environ.get("HAPAIR_CACHE_DIR"):
        return Path(os.environ["HAPAIR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hapair"


@functools.lru_cache(maxsize=1)
def engine_version() -> str:
    """z3's version and a hash of hapair's own spec, model and checker modules."""
    import hapair.checker
    import hapair.model
    import hapair.spec

    digest = hashlib.sha256()
    for package in (hapair.spec, hapair.model, hapair.checker):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):  # subpackages too (checker/symbolic/)
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    try:
        import z3
        z3_version = z3.get_version_string()
    except ImportError:  # pragma: no cover - z3 is a dependency
        z3_version = "none"
    return f"z3 {z3_version}; hapair {digest.hexdigest()[:16]}"


def key(*parts) -> str:
    text = json.dumps([engine_version(), *parts], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def states_hash(states) -> str:
    """A hash of an explored state list (in its deterministic BFS order: the same set
    found in another order is only a miss)."""
    import numpy as np

    return hashlib.sha256(np.asarray(states, dtype=np.int16).tobytes()).hexdigest()


def columns_hash(columns: list) -> str:
    """A hash of states given a variable at a time (equal columns in the same order,
    equal hashes), without making the table."""
    import numpy as np

    digest = hashlib.sha256()
    for column in columns:
        digest.update(np.asarray(column, dtype=np.int16).tobytes())
    return digest.hexdigest()


def get(k: str):
    path = directory() / k[:2] / f"{k}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def put(k: str, value) -> None:
    folder = directory() / k[:2]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f)
        os.replace(tmp, folder / f"{k}.json")
    except OSError as exc:
        log.info("proof cache not written: %s", exc)


TRACES = ("trace", "witness")  # the PropertyResult fields that hold a Trace


def _trace(t: dict | None) -> Trace | None:
    if t is None:
        return None
    return Trace([tuple(s) for s in t["states"]], [TraceStep(**st) for st in t["steps"]],
                 t["loop"], tuple(t["tracked"]))


def encode_result(r: PropertyResult) -> dict:
    return asdict(r)


def decode_result(data: dict) -> PropertyResult:
    """A stored result back, its traces (counterexample, witness) as ``Trace`` again."""
    r = PropertyResult(**{k: _trace(v) if k in TRACES else v for k, v in data.items()})
    r.note = (r.note + "; " if r.note else "") + "cached"
    r.seconds = 0.0
    return r
