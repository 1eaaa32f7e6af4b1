"""``hapair node``: one VSG as an operating-system process, and ``hapair console
--connect``, its ``vsg#`` console over a local socket.

A node runs a ``runtime.node.Node``:

- heartbeats, in a thread of their own: every ``--heartbeat`` seconds (default 0.05),
  and at once after every step, it sends its heartbeat over TCP to ``--peer`` as one
  frame (a 4-byte length, at most ``MAX_FRAME`` bytes, then the body sealed with
  HMAC-SHA256 under the pair key; ``PairKey``).  The receiver opens each connection
  with a fresh random nonce that every frame on it must carry, numbered from 1, and
  answers each frame it takes with its number: no clock is read, and a frame recorded
  on one connection means nothing on another.  A connection that acknowledges nothing
  for ``--timeout`` seconds is replaced (a link that silently swallows one direction);
  it listens on ``--listen`` for the peer's.  No message for ``--timeout`` seconds
  (default 10 heartbeats) is a lost link.  A frame without the key's seal, replayed or
  out of order is dropped.
- persistence: after every change the node's checkpoint (its PSS: state, role, HA pair
  ID, running and startup configuration, what it knows of its peer, Start_cnt) goes to
  ``DIR/vsg.sqlite`` in one durable transaction with its digest, before the peer hears
  of the change; a node started on a directory that holds a checkpoint resumes from it,
  powered off, then powers on; a damaged checkpoint is refused with one line.  One node
  a directory (a lock); no symbolic links in it.  A node that cannot write its data
  (a full or read-only disk) steps down: it stops and exits 1, and its peer takes over.
- the step log: ``DIR/steps.jsonl``, one JSON object per step: ``time`` (Unix seconds),
  ``node``, ``seq``, ``trigger``, ``rule``, ``before`` and ``after`` (the product state
  the node decided on, and the model's successor); and what it observed (the link
  going down or up, the peer's steps taken in: ``"observed": true``).  ``hapair
  validate`` reads it.
- the console (``--console HOST:PORT``): the ``vsg#`` console of ``hapair console``
  (the same commands and the guide's outputs), on this VSG, for a client that proves it
  holds the pair key; ``lab ...`` commands are the simulated lab's and are refused
  here.  A command the standby must mirror (an edit, ``copy running-config
  startup-config``) is answered once the standby has taken it in and saved it, or once
  it is out of view.

Only loopback addresses are accepted.  Test hooks (environment): ``HAPAIR_HOLD_SYNC=1``
keeps a standby from finishing its synchronisation (a slow standby: still the model's
behaviour); ``HAPAIR_BROKEN_TAKEOVER=1`` makes a standby that is still synchronising
take over when it loses its active, which the spec forbids (``hapair validate`` must
catch it); ``HAPAIR_EXIT_WITH_PARENT=1`` ends the node when the process that started it
is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import io
import json
import logging
import os
import secrets
import signal
import socket
import sqlite3
import stat
import sys
import threading
import time
from pathlib import Path

from hapair.runtime.node import Node
from hapair.runtime.pair import Step, Vetoed
from hapair.spec import HapairError
from hapair.specs.vsg import guide

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost")
PROMPT_MARK = "\x00"  # console protocol: a line "\0<prompt>" ends each answer
STAYS = ("% module {module} is now active: this console stays on this VSG "
         "(--connect both consoles to follow the active)\n")
LAB_REFUSED = "% lab commands drive the simulated lab (hapair console), not a real VSG"
MAX_FRAME = 16 << 20  # bytes in one heartbeat frame (a running configuration is <= 1 MiB)
NONCE = 16  # bytes of the nonce that opens a heartbeat connection
MAX_CONSOLES = 8  # console sessions at once
MAX_CHALLENGED = 64  # console connections not yet authenticated, at once; the oldest
# gives way to a new one, so a flood bars a true client only if 64 strangers arrive
# within its challenge's round trip
MAX_STRANGERS = 8  # heartbeat connections without a sealed frame yet, at once (the same
# rule; each may hold a frame of up to MAX_FRAME in memory until it is judged)
CHALLENGE_SECONDS = 2.0  # to answer the challenge
CONSOLE_LINE = 64 << 10  # bytes in one console line


def address(text: str, what: str) -> tuple[str, int]:
    """``HOST:PORT`` on loopback, or ``HapairError``."""
    host, _, port = str(text).rpartition(":")
    if host not in LOOPBACK:
        raise HapairError(f"{what} {text!r}: only loopback (127.0.0.1) is allowed")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise HapairError(f"{what} {text!r}: expected HOST:PORT, e.g. 127.0.0.1:7001")
    return "127.0.0.1", int(port)


class Store:
    """The node's SQLite file: its checkpoint (PSS) with its SHA-256, and queued MTS
    messages, written in one transaction, durable when it commits (WAL,
    ``synchronous=FULL``: fsync before the commit returns).  A checkpoint that does not
    match its digest, or a file that is not this store, is refused with one line: the
    node never starts fresh over damaged data."""

    def __init__(self, path: Path):
        self.path = path
        if not path.exists():
            self._create(path)
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as exc:
            raise self.damaged(str(exc)) from None
        self.last: str | None = None

    @staticmethod
    def _create(path: Path) -> None:
        """A new, empty store, whole or not at all: built under another name (private:
        it will hold the configuration), marked as made, then renamed into place; so a
        store without a checkpoint and without the mark is damage, and a node that
        stopped before its first checkpoint (a port in use) leaves one that starts."""
        new = path.with_name(path.name + ".new")
        new.unlink(missing_ok=True)  # a creation cut short
        os.close(os.open(new, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        db = sqlite3.connect(new, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")
            with db:
                db.execute("BEGIN")
                db.execute("CREATE TABLE pss (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("CREATE TABLE mts (id INTEGER PRIMARY KEY, message TEXT)")
                db.execute("INSERT INTO pss VALUES ('made', 'hapair node')")
        finally:
            db.close()
        os.rename(new, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def damaged(self, why: str) -> HapairError:
        return HapairError(f"{self.path}: the checkpoint is damaged ({why}): move it away "
                           "to start this VSG afresh (it then synchronises from its peer)")

    def load(self) -> dict | None:
        try:
            rows = dict(self.db.execute("SELECT key, value FROM pss").fetchall())
        except sqlite3.Error as exc:
            raise self.damaged(str(exc)) from None
        if "node" not in rows:
            if rows.get("made") != "hapair node":
                raise self.damaged("it holds no checkpoint")
            return None  # made, and stopped before its first checkpoint
        text, digest = rows.get("node"), rows.get("sha256")
        if not isinstance(text, str) or \
                digest != hashlib.sha256(text.encode()).hexdigest():
            raise self.damaged("its digest does not match")
        try:
            return json.loads(text)
        except ValueError as exc:
            raise self.damaged(str(exc)) from None

    def save(self, checkpoint: dict) -> None:
        text = json.dumps(checkpoint, sort_keys=True)
        if text == self.last:
            return
        with self.db:  # one transaction: the checkpoint and the MTS queue together
            self.db.execute("BEGIN")
            self.db.execute("INSERT OR REPLACE INTO pss VALUES ('node', ?)", (text,))
            self.db.execute("INSERT OR REPLACE INTO pss VALUES ('sha256', ?)",
                            (hashlib.sha256(text.encode()).hexdigest(),))
            self.db.execute("DELETE FROM mts")
            self.db.executemany("INSERT INTO mts (message) VALUES (?)",
                                [(m,) for m in checkpoint["mts"]])
        self.last = text


class NodeLab:
    """What the console needs of a lab, on one real VSG."""

    def __init__(self, node: Node):
        self.node, self.pair, self.spec = node, self, node.spec
        self.processes = node.processes
        self.settling = True

    def __getitem__(self, name: str):  # the console reads ``lab.pair[name]``
        return self.node[name]

    def status(self, module: int) -> guide.Status:
        return self.node.status()

    @property
    def running(self) -> dict:
        return {self.node.module: list(self.node.running[1])}

    @property
    def startup(self) -> dict:
        return {self.node.module: list(self.node.startup[1])}

    @property
    def log(self) -> dict:
        return self.node.syslog

    @property
    def start_cnt(self) -> dict:
        return {self.node.module: self.node.start_cnt}

    @property
    def pair_id(self) -> dict:
        return {self.node.module: self.node.pair_id}

    def _here(self, module: int) -> None:
        if module != self.node.module:
            raise HapairError(f"this console is on module {self.node.module}")

    def fire(self, trigger: str, module: int | None = None) -> Step:
        self._here(module)
        return self.node.fire(trigger)

    def edit(self, module: int, line: str) -> None:
        self._here(module)
        self.node.fire("config_edit", line=line)

    def ha_pair_id(self, module: int, number: int) -> None:
        self._here(module)
        self.node.set_pair_id(number)

    def fail(self, module: int, process: str) -> None:
        self._here(module)
        self.node.fail(process)


def make_console(node: Node, out: io.StringIO):
    """The ``vsg#`` console of ``hapair.specs.vsg.console`` on one real VSG."""
    from hapair.specs.vsg.console import Console

    class NodeConsole(Console):
        def run(self, line: str) -> None:
            if line.split()[:1] and line.split()[0].lower() == "lab":
                self.say(LAB_REFUSED)
                return
            super().run(line)

        def _c_switchover(self, args: list, words: list) -> None:
            super()._c_switchover(args, words)
            if self.home != node.module:  # the simulated console follows the new active:
                self.moved = self.home  # the client does, when it knows the pair
            self.home, self.attached = node.module, None  # this VSG's own console

        def _c_attach(self, args: list, words: list) -> None:
            if args[0] == node.module:
                self.say(guide.ATTACH_SELF)
            else:
                self.say(guide.ATTACH_ABSENT.format(module=args[0]))

    console = NodeConsole(NodeLab(node), out)
    console.home, console.moved = node.module, None
    return console


class PairKey:
    """The pair's shared secret (``hapair pair-key FILE`` makes one; both nodes and
    their console clients read the same file, which only its owner may read).  Every
    heartbeat frame is sealed with HMAC-SHA256 under it, and a console session starts
    with a proof of it over a fresh challenge."""

    def __init__(self, path: str | Path):
        path = Path(path)
        try:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
                raise HapairError(f"pair key {path}: not a regular file")
            if info.st_mode & 0o077:
                raise HapairError(f"pair key {path}: readable by others (chmod 600 {path})")
            text = path.read_text(encoding="ascii").strip()
        except OSError as exc:
            raise HapairError(f"pair key {path}: {exc.strerror} (make one with hapair "
                              f"pair-key {path})") from None
        except UnicodeDecodeError:
            raise HapairError(f"pair key {path}: not a key made by hapair pair-key") from None
        if len(text) < 64 or any(c not in "0123456789abcdef" for c in text):
            raise HapairError(f"pair key {path}: not a key made by hapair pair-key")
        self._key = bytes.fromhex(text)

    @staticmethod
    def make(path: str | Path) -> None:
        """Write a new key to ``path`` (mode 600; an existing file is never replaced)."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise HapairError(f"pair key {path}: {exc.strerror}") from None
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")

    def seal(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest() + body

    def open(self, frame: bytes) -> bytes | None:
        """The body of a sealed frame, or None when the seal is wrong."""
        mac, body = frame[:32], frame[32:]
        good = hmac.new(self._key, body, hashlib.sha256).digest()
        return body if hmac.compare_digest(mac, good) else None

    def proof(self, challenge: str) -> str:
        return hmac.new(self._key, b"console:" + challenge.encode(), hashlib.sha256).hexdigest()


class Unproven:
    """Connections that have not proved the pair key yet, oldest first: at most
    ``limit``; a new one closes the oldest (a client that holds the key answers
    at once, so only ``limit`` strangers within that round trip keep it out)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.waiting: dict = {}  # writer -> None, in order of arrival

    def admit(self, writer: asyncio.StreamWriter) -> None:
        while len(self.waiting) >= self.limit:
            oldest = next(iter(self.waiting))
            del self.waiting[oldest]
            oldest.close()
        self.waiting[writer] = None

    def proven(self, writer: asyncio.StreamWriter) -> None:
        self.waiting.pop(writer, None)


class Fatal(HapairError):
    """The node cannot keep its promises (its disk failed): it steps down."""


class NodeProcess:
    """The sockets, timers, the store and the step log of one VSG.  The heartbeats (the
    peer's listener, the sender, the ticker) run in a thread of their own with their own
    event loop, so that no console session can delay them; the console's loop runs in
    the main thread."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.period = args.heartbeat
        self.key = PairKey(args.key)
        data = _data_dir(Path(args.data))
        self.lock = _lock(data)
        self.node = Node(args.module, timeout=args.timeout)
        self.store = Store(data / "vsg.sqlite")
        self.steps = _append_only(data / "steps.jsonl")
        self.writer: asyncio.StreamWriter | None = None
        self.hold_sync = os.environ.get("HAPAIR_HOLD_SYNC") == "1"
        self.broken = os.environ.get("HAPAIR_BROKEN_TAKEOVER") == "1"
        self.parent = os.getppid() if os.environ.get("HAPAIR_EXIT_WITH_PARENT") == "1" \
            else None
        self.stop: asyncio.Future | None = None
        self.stopping = False  # SIGTERM: the heartbeats' loops end
        self.main_loop: asyncio.AbstractEventLoop | None = None
        self.peer_loop: asyncio.AbstractEventLoop | None = None
        self.persisting = threading.Lock()
        self.failure: str | None = None
        self.frame = 0  # frames sent on the current connection
        self.nonce = ""  # the current connection's, from the peer
        self.acked = 0.0  # when the peer last acknowledged a frame (monotonic)
        self.unsent = False  # a heartbeat was skipped while the socket's buffer drained
        self.last_sent: str | None = None
        self.accepted = 0  # heartbeat connections accepted so far
        self.newest = 0  # the newest of them that delivered a frame
        self.strangers = Unproven(MAX_STRANGERS)  # heartbeat connections without a frame yet
        self.consoles = 0
        self.challenged = Unproven(MAX_CHALLENGED)
        self.warned: dict[str, float] = {}  # kind of warning -> when last given
        self.tasks: set = set()  # the connections' tasks, in either loop
        checkpoint = self.store.load()
        if checkpoint is not None:
            self.node.restore(checkpoint)  # powered off, as it was killed
        self.node.after(self._record)
        self.node.observer = self._record_observation
        if self.hold_sync:
            self.node.before(lambda step: False, trigger="sync_done")

    def _record(self, step: Step, trigger: str | None = None) -> None:
        self._log({"trigger": trigger or step.trigger, "rule": step.rule,
                   "before": step.before, "after": step.after})

    def _record_observation(self, trigger: str, node: int | None, before: dict,
                            after: dict) -> None:
        """What the node saw of its environment (the link, its peer's restart): no
        step of its own, but what ``hapair validate --settled`` needs to know where the
        run ended."""
        self._log({"trigger": trigger, "observed": True, "of": node, "before": before,
                   "after": after})

    def _log(self, record: dict) -> None:
        try:
            self.steps.write(json.dumps({"time": time.time(), "node": self.node.module,
                                         "seq": self.node.seq, **record}) + "\n")
            self.steps.flush()
        except OSError as exc:
            self._fail(f"cannot write its step log ({exc.strerror or exc})")

    # -- the loops ------------------------------------------------------------------

    async def run(self) -> int:
        """Serve until SIGTERM or SIGINT (0), or until the node cannot persist (1)."""
        self.main_loop = asyncio.get_running_loop()
        self.stop = self.main_loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.main_loop.add_signal_handler(sig, self._quit)
        listen = address(self.args.listen, "--listen")
        self.peer_loop = asyncio.new_event_loop()
        peer_thread = threading.Thread(target=self.peer_loop.run_forever, name="heartbeats",
                                       daemon=True)
        peer_thread.start()
        try:
            peer_server = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(
                asyncio.start_server(self._peer_conn, *listen), self.peer_loop))
            console = None
            if self.args.console:
                console = await asyncio.start_server(
                    self._console_conn, *address(self.args.console, "--console"),
                    limit=CONSOLE_LINE)
        except OSError as exc:
            self.peer_loop.call_soon_threadsafe(self.peer_loop.stop)
            raise HapairError(f"cannot listen: {exc.strerror or exc}") from None
        self.node.fire("power_on")
        self._changed()
        jobs = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(
            self._start_heartbeats(), self.peer_loop))
        log.info("module %s up on %s, peer %s", self.node.module, self.args.listen,
                 self.args.peer)
        await self.stop
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(
            self._stop_heartbeats(jobs, peer_server), self.peer_loop))
        self.peer_loop.call_soon_threadsafe(self.peer_loop.stop)
        peer_thread.join(timeout=5)
        if console is not None:
            console.close()
        await _cancel_all(self.tasks)
        if self.failure:
            log.error("%s", self.failure)
            return 1
        return 0

    async def _start_heartbeats(self) -> list:
        return [asyncio.ensure_future(self._ticker()), asyncio.ensure_future(self._sender())]

    async def _stop_heartbeats(self, jobs: list, server) -> None:
        self.stopping, self.writer = True, None  # no heartbeat leaves from here on
        server.close()
        await _cancel_all(self.tasks | set(jobs))

    def _quit(self) -> None:
        if self.stop is not None and not self.stop.done():
            self.stop.set_result(None)

    def _fail(self, why: str) -> None:
        """Step down: stop sending heartbeats (the peer takes over) and exit."""
        if self.failure is None:
            self.failure = f"{why}; stepping down"
            self.writer = None
            if self.main_loop is not None:
                self.main_loop.call_soon_threadsafe(self._quit)

    def _settle(self) -> None:
        if self.broken and self.node.state == "standby_syncing" and \
                self.node.link == "down":
            self._broken_takeover()  # instead of the restart the spec requires
        try:
            self.node.settle()
        except Vetoed:  # HAPAIR_HOLD_SYNC: the standby does not finish synchronising
            pass

    def _broken_takeover(self) -> None:
        before = self.node.values
        self.node.own["state"] = "active_no_standby"
        self.node.failover_lock = True
        after = self.node.values
        changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        self._record(Step("takeover", self.node.module, -1, before, after, changed))

    def _changed(self, periodic: bool = False) -> None:
        """After anything happened (in either thread): internal steps, persist, then
        tell the peer what changed (``periodic``: the heartbeat, changed or not).  A
        node that cannot persist steps down."""
        if self.failure:
            return
        with self.persisting:
            try:
                self._settle()
                self.store.save(self.node.save())
            except (OSError, sqlite3.Error) as exc:
                self._fail(f"cannot write its data ({exc})")
                return
        if self.peer_loop is not None:
            try:
                self.peer_loop.call_soon_threadsafe(self._send, periodic)
            except RuntimeError:  # the loop has stopped
                pass

    async def _ticker(self) -> None:
        while not (self.failure or self.stopping):
            if self.parent is not None and os.getppid() != self.parent:
                self.main_loop.call_soon_threadsafe(self._quit)  # no orphan outlives
            self.node.tick()  # its starter (HAPAIR_EXIT_WITH_PARENT)
            self._changed(periodic=True)
            await asyncio.sleep(self.period)

    def _send(self, periodic: bool = True) -> None:
        """Send the current heartbeat: every period, and at once when it says something
        new (an answer that changes nothing is not answered again, so two nodes never
        echo each other); never while the last one is still in the socket's buffer: a
        heartbeat is the whole state (and every step not yet acknowledged), so the next
        one, sent when the buffer drains, says all a skipped one would have, and a slow
        peer never meets a growing backlog."""
        writer = self.writer  # (another thread may drop it: _fail)
        if self.failure or self.stopping or writer is None or writer.is_closing():
            return
        if writer.transport.get_write_buffer_size():
            self.unsent = True
            return
        heartbeat = json.dumps(self.node.heartbeat())
        if heartbeat == self.last_sent and not (periodic or self.unsent):
            return
        self.unsent, self.last_sent = False, heartbeat
        self.frame += 1
        body = json.dumps({"nonce": self.nonce, "frame": self.frame})[:-1] + \
            f', "heartbeat": {heartbeat}}}'
        frame = self.key.seal(body.encode())
        if len(frame) > MAX_FRAME:
            self._fail(f"a heartbeat of {len(frame)} bytes is over the limit")
            return
        writer.write(len(frame).to_bytes(4, "big") + frame)

    async def _sender(self) -> None:
        """Keep a connection to the peer open: reconnect every heartbeat period while
        it cannot be had, and replace one that acknowledges nothing for ``--timeout``
        seconds (a path that swallows what is sent never heals by itself)."""
        peer = address(self.args.peer, "--peer")
        while not (self.failure or self.stopping):
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(*peer),
                                                        self.period * 4)
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(self.period)
                continue
            acks = None
            try:
                nonce = await asyncio.wait_for(reader.readexactly(NONCE), self.args.timeout)
                self.nonce, self.frame, self.acked = nonce.hex(), 0, time.monotonic()
                self.writer, self.last_sent = writer, None
                acks = asyncio.ensure_future(self._acks(reader, writer))
                self.tasks.add(acks)
                self._send()
                while not writer.is_closing() and \
                        time.monotonic() - self.acked <= self.args.timeout:
                    await asyncio.wait_for(writer.drain(), self.args.timeout)
                    if self.unsent:
                        self._send()
                    await asyncio.sleep(self.period / 5 if self.unsent else self.period)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                pass
            if acks is not None:
                acks.cancel()
                await asyncio.gather(acks, return_exceptions=True)
                self.tasks.discard(acks)
            self.writer = None
            writer.close()
            await asyncio.sleep(self.period)

    async def _acks(self, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> None:
        """The peer's acknowledgements (a frame number each) on the sending connection."""
        try:
            while True:
                await reader.readexactly(4)
                self.acked = time.monotonic()
        except (OSError, asyncio.IncompleteReadError):
            writer.close()  # the peer closed it: the sender makes a new one

    async def _peer_conn(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        """Frames from the peer: this connection's nonce first, then for each frame a
        4-byte length and a sealed JSON body, each taken answered with its number.  A
        frame over ``MAX_FRAME`` ends the connection, and so does a newer connection
        that delivers; a frame with a wrong seal, another connection's nonce, or a
        number not above the last is dropped (a warning, at most one a second)."""
        self.tasks.add(asyncio.current_task())
        self.accepted += 1
        mine, nonce, last = self.accepted, secrets.token_bytes(NONCE).hex(), 0
        self.strangers.admit(writer)
        try:
            writer.write(bytes.fromhex(nonce))
            while not (self.failure or self.stopping) and mine >= self.newest:
                size = int.from_bytes(await reader.readexactly(4), "big")
                if size > MAX_FRAME:
                    self._warn(f"a frame of {size} bytes (at most {MAX_FRAME}): connection "
                               "closed")
                    return
                frame = await reader.readexactly(size)
                if mine < self.newest:
                    return  # a newer connection from the peer delivers
                taken = self._frame(frame, nonce, last)
                if taken:
                    self.strangers.proven(writer)
                    self.newest, last = mine, taken
                    if not writer.is_closing():
                        writer.write(taken.to_bytes(4, "big"))
                    self._changed()
        except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self.strangers.proven(writer)
            self.tasks.discard(asyncio.current_task())
            writer.close()

    def _frame(self, frame: bytes, nonce: str, last: int) -> int:
        """The number of the frame, once taken in; 0 when it is dropped."""
        body = self.key.open(frame)
        if body is None:
            self._warn("dropped a frame not sealed with the pair key")
            return 0
        try:
            envelope = json.loads(body)
            if not isinstance(envelope, dict) or set(envelope) != {
                    "nonce", "frame", "heartbeat"} or type(envelope["frame"]) is not int:
                raise ValueError("not a heartbeat envelope")
            if envelope["nonce"] != nonce or envelope["frame"] <= last:
                self._warn("dropped a replayed frame")
                return 0
            self.node.receive(envelope["heartbeat"])
        except (HapairError, ValueError, RecursionError) as exc:
            self._warn(f"dropped a message: {str(exc)[:200]}")
            return 0
        return envelope["frame"]

    def _warn(self, text: str) -> None:
        """A warning on stderr, each kind (its first three words) at most once a second."""
        kind = " ".join(text.split()[:3])
        if time.monotonic() - self.warned.get(kind, -1.0) >= 1:
            self.warned[kind] = time.monotonic()
            log.warning("%s", text)

    async def _console_conn(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> None:
        """A console session: a challenge the client answers with the pair key, then
        one command a line.  At most ``MAX_CONSOLES`` at once; a line over
        ``CONSOLE_LINE`` bytes ends the session."""
        if self.consoles >= MAX_CONSOLES:
            writer.write(f"% at most {MAX_CONSOLES} console sessions at once\n".encode())
            writer.close()
            return
        self.tasks.add(asyncio.current_task())
        try:
            await self._console_session(reader, writer)
        finally:
            self.tasks.discard(asyncio.current_task())

    def _logged_since(self, logged: int, text: str) -> tuple[int, str]:
        """``logging console``: what this VSG logged since entry ``logged``, before the
        answer ``text`` (a standby that became active shows the switchover's messages,
        as the guide's L338 example)."""
        own = self.node.syslog[self.node.module]
        return len(own), "".join(x + "\n" for x in own[logged:]) + text

    def _prompt_line(self, console) -> bytes:
        """The line that ends an answer: the prompt, this VSG's redundancy state, and the
        module the session moves to (after ``system switchover``; empty otherwise)."""
        moved, console.moved = console.moved, None
        return (f"{PROMPT_MARK}{console.prompt}{PROMPT_MARK}{self.node.state}"
                f"{PROMPT_MARK}{moved or ''}\n").encode()

    async def _console_session(self, reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        self.challenged.admit(writer)  # until it answers: a client that never does
        try:  # holds no session's place, and only for CHALLENGE_SECONDS
            challenge = secrets.token_hex(16)
            writer.write(f"{PROMPT_MARK}challenge {challenge}\n".encode())
            answer = await asyncio.wait_for(reader.readline(), CHALLENGE_SECONDS)
        except (OSError, ValueError, asyncio.TimeoutError, asyncio.CancelledError):
            writer.close()
            return
        finally:
            self.challenged.proven(writer)
        if writer.is_closing():
            return  # it gave way to a newer stranger
        if not hmac.compare_digest(answer.strip(), self.key.proof(challenge).encode()):
            writer.write(b"% not authenticated: the pair key is needed\n")
            writer.close()
            return
        if self.consoles >= MAX_CONSOLES:
            writer.write(f"% at most {MAX_CONSOLES} console sessions at once\n".encode())
            writer.close()
            return
        self.consoles += 1
        out = io.StringIO()
        console = make_console(self.node, out)
        logged = len(self.node.syslog[self.node.module])
        try:
            writer.write(self._prompt_line(console))
            while not console.done and (line := await reader.readline()):
                if self.failure:
                    return
                target = self.node.pending
                console.run(line.decode("utf-8", "replace").rstrip("\r\n"))
                self._changed()
                if self.node.pending > target:  # the standby must hold it first
                    await self._acknowledged(self.node.pending)
                if self.failure:  # not on this disk: what the command said is void
                    writer.write(f"% this VSG {self.failure}\n".encode())
                    await writer.drain()
                    return
                text, _ = out.getvalue(), out.truncate(0)
                out.seek(0)
                logged, text = self._logged_since(logged, text)
                text = text.replace(PROMPT_MARK, "^@")  # a prompt only where it is one
                writer.write(text.encode() + self._prompt_line(console))
                await writer.drain()
        except ValueError:  # a line over the limit
            writer.write(f"% a line is at most {CONSOLE_LINE} bytes\n".encode())
        except (OSError, asyncio.TimeoutError, asyncio.CancelledError):
            pass
        finally:
            self.consoles -= 1
            writer.close()

    async def _acknowledged(self, seq: int) -> None:
        """Wait until the peer has taken (and saved) step ``seq``, or is no longer in
        view: only then does the console answer (an acknowledged save is on both)."""
        incarnation = self.node.peer_incarnation
        while self.node.peer_ack < seq and self.node.link == "up" and \
                self.node.peer_incarnation == incarnation and not self.failure:
            await asyncio.sleep(min(self.period / 2, 0.005))


async def _cancel_all(mine: set) -> None:
    """The node's tasks on the running loop (connections, timers) cancelled and done:
    a node stops without a task left pending.  Cancelled again until done: Python
    3.11's ``asyncio.wait_for`` can swallow a cancellation that meets its own end."""
    loop = asyncio.get_running_loop()
    pending = {t for t in list(mine) if t.get_loop() is loop and not t.done()}
    while pending:
        for t in pending:
            t.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.2)


def _data_dir(path: Path) -> Path:
    """``--data``: a directory of its own (never a symlink, nor one holding symlinks
    where the node writes)."""
    if path.is_symlink():
        raise HapairError(f"--data {path}: a symbolic link (give the directory itself)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HapairError(f"--data {path}: {exc.strerror}") from None
    for name in ("vsg.sqlite", "vsg.sqlite-wal", "vsg.sqlite-shm", "steps.jsonl", "lock"):
        if (path / name).is_symlink():
            raise HapairError(f"--data {path}: {name} is a symbolic link")
    return path


def _lock(path: Path):
    """One node per data directory: an exclusive lock held while the node runs."""
    import fcntl

    fd = os.open(path / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise HapairError(f"--data {path}: another node uses it") from None
    return fd


def _append_only(path: Path):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8")


def node_main(args: argparse.Namespace) -> int:
    for name in ("listen", "peer", "console"):
        if getattr(args, name):
            address(getattr(args, name), f"--{name}")
    if args.module not in (1, 2):
        raise HapairError(f"--module {args.module}: a module is 1 or 2")
    if not 0 < args.heartbeat <= 10 or not args.heartbeat < args.timeout <= 600:
        raise HapairError("--heartbeat must be in (0, 10] s and below --timeout")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format=f"module {args.module}: %(message)s")
    process = NodeProcess(args)
    return asyncio.run(process.run())


def add_node_parser(sub) -> None:
    n = sub.add_parser("node", help="run one VSG of a real pair as a process")
    n.add_argument("--module", type=int, required=True, help="1 or 2")
    n.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="where the peer's heartbeats arrive (loopback)")
    n.add_argument("--peer", required=True, metavar="HOST:PORT",
                   help="where the peer listens (loopback)")
    n.add_argument("--data", required=True, metavar="DIR",
                   help="SQLite checkpoint and step log (steps.jsonl) go here; one node a "
                   "directory")
    n.add_argument("--key", required=True, metavar="FILE",
                   help="the pair key (hapair pair-key FILE): heartbeats and console "
                   "sessions without it are refused")
    n.add_argument("--console", metavar="HOST:PORT",
                   help="serve the vsg# console here (hapair console --connect ... --key)")
    n.add_argument("--heartbeat", type=float, default=0.05, metavar="SECONDS",
                   help="heartbeat period (default 0.05)")
    n.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="no heartbeat for this long is a lost link (default 10 periods)")
    n.set_defaults(func=_node_cmd)
    k = sub.add_parser("pair-key", help="make a pair key for hapair node (mode 600)")
    k.add_argument("file", metavar="FILE")
    k.set_defaults(func=lambda args: PairKey.make(args.file) or 0)


def _node_cmd(args: argparse.Namespace) -> int:
    if args.timeout is None:
        args.timeout = 10 * args.heartbeat
    return node_main(args)


# -- the console client ---------------------------------------------------------------------

def _answer(sock_file) -> tuple[str, list]:
    """The output of one command and the fields of the line that ends it: the next
    prompt (``[None]``: the VSG hung up), then what ``_prompt_line`` adds."""
    out = []
    while line := sock_file.readline():
        if line.startswith(PROMPT_MARK):
            return "".join(out), line[1:].rstrip("\n").split(PROMPT_MARK)
        out.append(line)
    return "".join(out), [None]


class _Session:
    """One authenticated console session on one VSG."""

    def __init__(self, target: str, pair_key: "PairKey", timeout: float):
        host, port = address(target, "--connect")
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise HapairError(f"cannot connect to the console at {target}: "
                              f"{exc.strerror or exc}") from None
        self.file = self.sock.makefile("rw", encoding="utf-8", newline="\n")
        try:
            said, (challenge, *_) = _answer(self.file)
            if challenge is None or not challenge.startswith("challenge "):
                raise HapairError(f"the console at {target} said {said.strip()[:80]!r}")
            self.file.write(pair_key.proof(challenge.split()[1]) + "\n")
            self.file.flush()
            said = self._read()
            if self.prompt is None:
                raise HapairError(f"the console at {target}: {said.strip()[:120]}")
        except BaseException:
            self.close()
            raise

    def run(self, line: str) -> str:
        self.file.write(line + "\n")
        self.file.flush()
        return self._read()

    def _read(self) -> str:
        text, fields = _answer(self.file)
        self.prompt, self.state, self.moved = (fields + ["", ""])[:3]
        return text

    @property
    def active(self) -> bool:
        from hapair.specs.vsg.console import ACTIVE_STATES

        return self.prompt is not None and self.state in ACTIVE_STATES

    def close(self) -> None:
        for part in (getattr(self, "file", None), self.sock):
            try:
                if part is not None:
                    part.close()
            except OSError:
                pass


def _active_session(targets: list[str], pair_key: "PairKey", timeout: float) -> _Session:
    """A session on whichever of the pair's VSGs is active (waiting up to ``timeout``
    for one to be): what a session to the pair's management address reaches."""
    deadline, said = time.monotonic() + timeout, None
    while True:
        for target in targets:
            try:
                session = _Session(target, pair_key, timeout)
            except HapairError as exc:
                said = exc
                continue
            if session.active:
                return session
            session.close()
        if time.monotonic() > deadline:
            raise HapairError(f"no active VSG at {' or '.join(targets)} within {timeout:g} s"
                              + (f" ({said})" if said else ""))
        time.sleep(0.1)


def console_client(target: str | list[str], key: str, stdin=None, stdout=None,
                   timeout: float = 30) -> int:
    """``hapair console --connect HOST:PORT --key FILE``: a transcript for piped input, a
    prompt on a terminal.

    With one address the session is that VSG's own console.  With both of a pair's
    (``--connect A --connect B``) it is the pair's console, as a session to the pair's
    management address is: it reaches the active VSG and, after ``system switchover``
    (or when the VSG hangs up), continues on the active one, as the simulated console
    does.
    """
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    targets = [target] if isinstance(target, str) else list(target)
    pair_key = PairKey(key)
    follow = len(targets) > 1
    session = (_active_session(targets, pair_key, timeout) if follow
               else _Session(targets[0], pair_key, timeout))
    try:
        interactive = stdin.isatty()
        while session.prompt is not None:
            if interactive:
                stdout.write(session.prompt)
                stdout.flush()
            line = stdin.readline()
            if not line:
                stdout.write("\n" if interactive else session.prompt.rstrip() + "\n")
                break
            line = line.rstrip("\n")
            if not interactive:
                stdout.write(session.prompt + line + "\n")
            stdout.write(session.run(line))
            if session.moved and not follow:  # the messages above were the new active's
                stdout.write(STAYS.format(module=session.moved))
            if follow and (session.moved or session.prompt is None):
                session.close()
                session = _active_session(targets, pair_key, timeout)
    finally:
        session.close()
    return 0
