"""Files in and out, safely: JSON input as one-line errors, output paths checked before a
run does any work, special files refused, and a run's outputs written as one set.

Input: ``read_json(path, what)`` reads strict UTF-8 JSON; an unreadable file, a device or
a directory, more than 64 MiB, bytes that are not UTF-8, JSON that is malformed, nested
too deeply or holds a number too long to convert are each one ``HapairError`` naming the
file.  A FIFO is read as ``cat`` reads it (once something writes to it).

Output: ``check_file``/``check_dir`` say before any work whether a path can be written
(not empty, names not too long, not a directory where a file is expected, not a device,
FIFO, socket or symlink, and its directory exists or can be made and is writable: a
probe file is created and removed).  ``refuse_special`` guards every write: hapair never
replaces anything but a regular file.

A set: ``OutputSet`` stages every file of a run under a temporary name beside its target
(``.NAME.XXXX.part``, or a ``.hapair-RUN-XXXX`` folder for a directory's files) and
``commit`` renames them all into place at the end, so an interrupted run leaves the
previous set as it was; each file of the set carries the set's ``run_id``, so even an
interrupt during the renames leaves files that say which run wrote them.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> with OutputSet("0123456789ab") as out:
...     _ = out.write_text(d / "a.txt", "one")
...     (d / "a.txt").exists()
...     out.commit()
False
>>> (d / "a.txt").read_text()
'one'
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import uuid
from pathlib import Path

from hapair.spec import HapairError

NAME_MAX = 255  # bytes in one path component (Linux, macOS)
PATH_MAX = 4096  # bytes in a whole path
MAX_INPUT = 64 << 20  # bytes of a JSON input file

_KINDS = ((stat.S_ISLNK, "a symlink"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR,
          "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a directory"))


def read_json(path, what: str, error: type[HapairError] = HapairError):
    """The JSON document in ``path`` (strict UTF-8); ``what`` names it in errors."""
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind in ("a character device", "a block device", "a directory", "a socket"):
            raise error(f"{path}: cannot read {what}: {kind}, not a file")
        with open(path, "rb") as f:  # a FIFO is read as `cat` reads it: once written
            raw = f.read(MAX_INPUT + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror}") from None
    except ValueError as exc:  # a NUL or an unencodable character in the name
        raise error(f"{_show(path)}: cannot read {what}: bad file name ({exc})") from None
    if len(raw) > MAX_INPUT:
        raise error(f"{path}: {what} is larger than {MAX_INPUT >> 20} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise error(f"{path}: {what} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line "
                    f"{line})") from None
    if not text.strip():
        raise error(f"{path}: empty file, expected {what}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: "
                    f"{exc.msg})") from None
    except RecursionError:
        raise error(f"{path}: {what} is nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise error(f"{path}: not usable JSON ({str(exc).split(':')[0]})") from None


def _show(path) -> str:
    text = str(path)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _kind(mode: int) -> str | None:
    return next((name for test, name in _KINDS if test(mode)), None)


def refuse_special(path: Path, flag: str = "") -> None:
    """Raise unless ``path`` is absent or a regular file (never follows a symlink)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise HapairError(f"{_where(flag, path)}: {exc.strerror}") from None
    kind = _kind(st.st_mode)
    if kind == "a directory":
        raise HapairError(f"{_where(flag, path)}: is a directory, expected a file name")
    if kind is not None:
        raise HapairError(f"{_where(flag, path)}: not a regular file ({kind}); hapair never "
                          "replaces one")


def _where(flag: str, path) -> str:
    return f"{flag} {path}" if flag else str(path)


def _check_name(path: str, flag: str, expect: str) -> Path:
    if not isinstance(path, str) or not path.strip():
        raise HapairError(f"{flag}: empty path, expected {expect}")
    try:
        raw = os.fsencode(path)
    except UnicodeError:
        raise HapairError(f"{flag} {_show(path)}: not a valid file name") from None
    if b"\0" in raw:
        raise HapairError(f"{flag} {_show(path)}: a file name cannot hold a NUL character")
    if len(raw) > PATH_MAX or any(len(part) > NAME_MAX for part in raw.split(b"/")):
        raise HapairError(f"{flag} {_show(path)}: file name too long (at most {NAME_MAX} "
                          f"bytes a name, {PATH_MAX} in all)")
    return Path(path)


def _probe(directory: Path, flag: str, path) -> None:
    """Can files be made in ``directory`` (or, when it does not exist yet, can it be made)?"""
    here = directory
    while not os.path.lexists(here) and here != here.parent:
        here = here.parent
    if not here.is_dir():
        raise HapairError(f"{_where(flag, path)}: {here} is not a directory")
    try:
        if here == directory:
            fd, probe = tempfile.mkstemp(dir=here, prefix=".hapair-probe-")
            os.close(fd)
            os.unlink(probe)
        else:
            os.rmdir(tempfile.mkdtemp(dir=here, prefix=".hapair-probe-"))
    except OSError as exc:
        raise HapairError(f"{_where(flag, path)}: cannot write in {here}: "
                          f"{exc.strerror}") from None


def check_file(path: str, flag: str) -> Path:
    """Check, before any work, that the output file ``path`` (given as ``flag``) can be
    written: see the module's docstring."""
    p = _check_name(path, flag, "a file name")
    refuse_special(p, flag)
    _probe(p.parent, flag, path)
    return p


def check_dir(path: str, flag: str) -> Path:
    """Check, before any work, that files can be written in the directory ``path``."""
    p = _check_name(path, flag, "a directory")
    if os.path.lexists(p) and not p.is_dir():
        raise HapairError(f"{flag} {path}: is a file, expected a directory")
    _probe(p, flag, path)
    return p


def new_run_id() -> str:
    """A fresh run id: 16 hex digits."""
    return uuid.uuid4().hex[:16]


def _mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class OutputSet:
    """The files of one run, staged and then renamed into place together (``commit``);
    leaving the ``with`` block without a commit removes what was staged."""

    def __init__(self, run_id: str | None = None):
        self.run_id = run_id or new_run_id()
        self._files: list[tuple[Path, Path]] = []  # (temporary, target)
        self._dirs: list[tuple[Path, Path]] = []  # (staging folder, target folder)

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def write_bytes(self, target, data: bytes) -> Path:
        target = Path(target)
        refuse_special(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                       suffix=".part")
            self._files.append((Path(tmp), target))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, _mode())
        except OSError as exc:
            raise HapairError(f"{target}: cannot write: {exc.strerror}") from None
        return target

    def write_text(self, target, text: str) -> Path:
        return self.write_bytes(target, text.encode())

    def write_json(self, target, data) -> Path:
        return self.write_text(target, json.dumps(data, indent=1) + "\n")

    def directory(self, target) -> Path:
        """A staging folder: what is written in it goes into ``target`` at ``commit``."""
        target = Path(target)
        try:
            target.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=target, prefix=f".hapair-{self.run_id}-"))
        except OSError as exc:
            raise HapairError(f"{target}: cannot write: {exc.strerror}") from None
        self._dirs.append((tmp, target))
        return tmp

    def commit(self) -> None:
        """Rename every staged file into place."""
        moves = list(self._files)
        for tmp, target in self._dirs:
            moves += [(f, target / f.name) for f in sorted(tmp.iterdir())]
        for _, target in moves:
            refuse_special(target)
        try:
            for tmp, target in moves:
                os.replace(tmp, target)
        except OSError as exc:
            raise HapairError(f"{target}: cannot write: {exc.strerror}") from None
        self._files = []
        self.discard()

    def discard(self) -> None:
        """Remove whatever is still staged."""
        for tmp, _ in self._files:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        for tmp, _ in self._dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        self._files, self._dirs = [], []
