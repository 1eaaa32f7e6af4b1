"""``hapair node``: one VSG as an operating-system process, and ``hapair console
--connect``, its ``vsg#`` console over a local socket.

A node runs a ``runtime.node.Node`` in one asyncio loop:

- heartbeats: every ``--heartbeat`` seconds (default 0.05) it sends its heartbeat (one
  JSON line) over TCP to ``--peer``, and at once after every step; it listens on
  ``--listen`` for the peer's.  No message for ``--timeout`` seconds (default 10
  heartbeats) is a lost link.
- persistence: after every change the node's checkpoint (its PSS: state, role, HA pair
  ID, running and startup configuration, what it knows of its peer, Start_cnt) goes to
  ``DIR/vsg.sqlite`` in one transaction, so it survives ``kill -9``; a node started on
  a directory that holds a checkpoint resumes from it, powered off, then powers on.
- the step log: ``DIR/steps.jsonl``, one JSON object per step: ``time`` (Unix seconds),
  ``node``, ``seq``, ``trigger``, ``rule``, ``before`` and ``after`` (the product state
  the node decided on, and the model's successor).  ``hapair validate`` reads it.
- the console (``--console HOST:PORT``): the ``vsg#`` console of ``hapair console``
  (the same commands and the guide's outputs), on this VSG; ``lab ...`` commands are
  the simulated lab's and are refused here.

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
import io
import json
import logging
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

from hapair.runtime.node import Node
from hapair.runtime.pair import Step, Vetoed
from hapair.spec import HapairError
from hapair.specs.vsg import guide

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost")
PROMPT_MARK = "\x00"  # console protocol: a line "\0<prompt>" ends each answer
LAB_REFUSED = "% lab commands drive the simulated lab (hapair console), not a real VSG"


def address(text: str, what: str) -> tuple[str, int]:
    """``HOST:PORT`` on loopback, or ``HapairError``."""
    host, _, port = str(text).rpartition(":")
    if host not in LOOPBACK:
        raise HapairError(f"{what} {text!r}: only loopback (127.0.0.1) is allowed")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise HapairError(f"{what} {text!r}: expected HOST:PORT, e.g. 127.0.0.1:7001")
    return "127.0.0.1", int(port)


class Store:
    """The node's SQLite file: its checkpoint (PSS) and queued MTS messages."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS pss (key TEXT PRIMARY KEY, value TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS mts (id INTEGER PRIMARY KEY, "
                        "message TEXT)")
        self.last: str | None = None

    def load(self) -> dict | None:
        row = self.db.execute("SELECT value FROM pss WHERE key = 'node'").fetchone()
        return json.loads(row[0]) if row else None

    def save(self, checkpoint: dict) -> None:
        text = json.dumps(checkpoint, sort_keys=True)
        if text == self.last:
            return
        with self.db:  # one transaction: the checkpoint and the MTS queue together
            self.db.execute("BEGIN")
            self.db.execute("INSERT OR REPLACE INTO pss VALUES ('node', ?)", (text,))
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
            self.home, self.attached = node.module, None  # this VSG's own console

        def _c_attach(self, args: list, words: list) -> None:
            if args[0] == node.module:
                self.say(guide.ATTACH_SELF)
            else:
                self.say(guide.ATTACH_ABSENT.format(module=args[0]))

    console = NodeConsole(NodeLab(node), out)
    console.home = node.module
    return console


class NodeProcess:
    """The asyncio side of one VSG: sockets, timers, the store and the step log."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.period = args.heartbeat
        data = Path(args.data)
        data.mkdir(parents=True, exist_ok=True)
        self.node = Node(args.module, timeout=args.timeout)
        self.store = Store(data / "vsg.sqlite")
        self.steps = open(data / "steps.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self.writer: asyncio.StreamWriter | None = None
        self.hold_sync = os.environ.get("HAPAIR_HOLD_SYNC") == "1"
        self.broken = os.environ.get("HAPAIR_BROKEN_TAKEOVER") == "1"
        self.parent = os.getppid() if os.environ.get("HAPAIR_EXIT_WITH_PARENT") == "1" \
            else None
        self.stop: asyncio.Future | None = None
        checkpoint = self.store.load()
        if checkpoint is not None:
            self.node.restore(checkpoint)  # powered off, as it was killed
        self.node.after(self._record)
        if self.hold_sync:
            self.node.before(lambda step: False, trigger="sync_done")

    def _record(self, step: Step, trigger: str | None = None) -> None:
        self.steps.write(json.dumps({
            "time": time.time(), "node": self.node.module, "seq": self.node.seq,
            "trigger": trigger or step.trigger, "rule": step.rule,
            "before": step.before, "after": step.after}) + "\n")
        self.steps.flush()

    # -- the loop -------------------------------------------------------------------

    async def run(self) -> None:
        listen = address(self.args.listen, "--listen")
        servers = [await asyncio.start_server(self._peer_conn, *listen)]
        if self.args.console:
            servers.append(await asyncio.start_server(
                self._console_conn, *address(self.args.console, "--console")))
        self.node.fire("power_on")
        self._changed()
        stop = self.stop = asyncio.get_running_loop().create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, self._quit)
        tasks = [asyncio.ensure_future(self._ticker()), asyncio.ensure_future(self._sender())]
        log.info("module %s up on %s, peer %s", self.node.module, self.args.listen,
                 self.args.peer)
        await stop
        for t in tasks:
            t.cancel()
        for s in servers:
            s.close()

    def _quit(self) -> None:
        if self.stop is not None and not self.stop.done():
            self.stop.set_result(None)

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

    def _changed(self) -> None:
        """After anything happened: internal steps, persist, tell the peer now."""
        self._settle()
        self.store.save(self.node.save())
        self._send()

    async def _ticker(self) -> None:
        while True:
            if self.parent is not None and os.getppid() != self.parent:
                self._quit()  # HAPAIR_EXIT_WITH_PARENT: no orphan outlives its starter
            self.node.tick()
            self._changed()
            await asyncio.sleep(self.period)

    def _send(self) -> None:
        if self.writer is not None and not self.writer.is_closing():
            self.writer.write((json.dumps(self.node.heartbeat()) + "\n").encode())

    async def _sender(self) -> None:
        """Keep a connection to the peer open (reconnect every heartbeat period)."""
        peer = address(self.args.peer, "--peer")
        while True:
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(*peer),
                                                   self.period * 4)
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(self.period)
                continue
            self.writer = writer
            try:
                while not writer.is_closing():
                    await asyncio.wait_for(writer.drain(), self.args.timeout)
                    await asyncio.sleep(self.period)
            except (OSError, asyncio.TimeoutError):
                pass
            self.writer = None
            writer.close()
            await asyncio.sleep(self.period)

    async def _peer_conn(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    self.node.receive(json.loads(line))
                except (HapairError, ValueError) as exc:
                    log.warning("module %s: dropped a message: %s", self.node.module, exc)
                    continue
                self._changed()
        except OSError:
            pass
        finally:
            writer.close()

    async def _console_conn(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> None:
        out = io.StringIO()
        console = make_console(self.node, out)
        try:
            writer.write(f"{PROMPT_MARK}{console.prompt}\n".encode())
            while not console.done and (line := await reader.readline()):
                console.run(line.decode("utf-8", "replace").rstrip("\r\n"))
                self._changed()
                text, _ = out.getvalue(), out.truncate(0)
                out.seek(0)
                writer.write(f"{text}{PROMPT_MARK}{console.prompt}\n".encode())
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


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
    asyncio.run(process.run())
    return 0


def add_node_parser(sub) -> None:
    n = sub.add_parser("node", help="run one VSG of a real pair as a process")
    n.add_argument("--module", type=int, required=True, help="1 or 2")
    n.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="where the peer's heartbeats arrive (loopback)")
    n.add_argument("--peer", required=True, metavar="HOST:PORT",
                   help="where the peer listens (loopback)")
    n.add_argument("--data", required=True, metavar="DIR",
                   help="SQLite checkpoint and step log (steps.jsonl) go here")
    n.add_argument("--console", metavar="HOST:PORT",
                   help="serve the vsg# console here (hapair console --connect)")
    n.add_argument("--heartbeat", type=float, default=0.05, metavar="SECONDS",
                   help="heartbeat period (default 0.05)")
    n.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="no heartbeat for this long is a lost link (default 10 periods)")
    n.set_defaults(func=_node_cmd)


def _node_cmd(args: argparse.Namespace) -> int:
    if args.timeout is None:
        args.timeout = 10 * args.heartbeat
    return node_main(args)


# -- the console client ---------------------------------------------------------------------

def _answer(sock_file) -> tuple[str, str | None]:
    """The output of one command and the next prompt (``None``: the VSG hung up)."""
    out = []
    while line := sock_file.readline():
        if line.startswith(PROMPT_MARK):
            return "".join(out), line[1:].rstrip("\n")
        out.append(line)
    return "".join(out), None


def console_client(target: str, stdin=None, stdout=None, timeout: float = 30) -> int:
    """``hapair console --connect HOST:PORT``: a transcript for piped input, a prompt on
    a terminal."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    host, port = address(target, "--connect")
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise HapairError(f"cannot connect to the console at {target}: "
                          f"{exc.strerror or exc}") from None
    with sock, sock.makefile("rw", encoding="utf-8", newline="\n") as f:
        _, prompt = _answer(f)
        interactive = stdin.isatty()
        while prompt is not None:
            if interactive:
                stdout.write(prompt)
                stdout.flush()
            line = stdin.readline()
            if not line:
                stdout.write("\n" if interactive else prompt.rstrip() + "\n")
                break
            line = line.rstrip("\n")
            if not interactive:
                stdout.write(prompt + line + "\n")
            f.write(line + "\n")
            f.flush()
            text, prompt = _answer(f)
            stdout.write(text)
    return 0
