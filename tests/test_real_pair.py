"""A real pair: two ``hapair node`` processes on loopback, a link between them that the
test can cut, and their consoles.  After every test ``hapair validate`` passes on the
nodes' step logs and no configuration line typed on a synchronised pair is lost.

Heartbeats every 50 ms, a lost link after 10 of them (0.5 s).  Every wait is bounded.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_guide_examples import (
    GUIDE_SWITCHOVER,
    GUIDE_SWITCHOVER_REFUSED,
    GUIDE_SYNCHRONIZED,
    normalised,
)

from hapair.checker.validate import validate
from hapair.runtime.process import PairKey, console_client
from hapair.specs.vsg import guide

PERIOD = 0.05
TIMEOUT_PERIODS = 10
TAKEOVER_PERIODS = 15  # stated: kill -9 of the active -> the standby logs its takeover
# (the timeout, 10 periods, then at most one tick; measured 10.2 to 10.9)
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Link:
    """Two TCP forwarders (one per direction) that ``cut()`` stops and ``heal()``
    starts again on the same ports; ``drop(port)`` discards what goes to the node
    listening on ``port`` (one direction of the link lost), ``drop()`` stops that;
    ``stall(port)`` holds what goes to it on the connections open now (new ones pass;
    the held bytes are delivered, late, by ``stall()``)."""

    def __init__(self, targets: dict[int, int]):
        self.targets = targets  # listen port -> node port
        self.socks: list[socket.socket] = []
        self.up = False
        self.dropping: set[int] = set()
        self.stalled: set[int] = set()  # pumps (by number) that hold their bytes
        self.pumps: dict[int, int] = {}  # pump number -> the node port it feeds
        self.recorded: dict[int, bytearray] = {}  # node port -> the first bytes sent to it
        self.heal()

    def drop(self, port: int | None = None) -> None:
        self.dropping = set() if port is None else {port}

    def stall(self, port: int | None = None) -> None:
        self.stalled = {n for n, to in self.pumps.items() if to == port}

    def heal(self) -> None:
        self.up = True
        for port, target in self.targets.items():
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((HOST, port))
            server.listen()
            self.socks.append(server)
            threading.Thread(target=self._accept, args=(server, target), daemon=True).start()

    def cut(self) -> None:
        self.up = False
        socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, server: socket.socket, target: int) -> None:
        while self.up:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((HOST, target), timeout=1)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self.socks += [client, upstream]
            for a, b, to in ((client, upstream, target), (upstream, client, None)):
                self.pumps[len(self.pumps)] = to
                threading.Thread(target=self._pump, args=(a, b, to, len(self.pumps) - 1),
                                 daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket, to: int | None, number: int) -> None:
        try:
            while self.up:
                while number in self.stalled and self.up:
                    time.sleep(0.01)
                if not (data := a.recv(65536)):
                    break
                if to is not None and len(self.recorded.setdefault(to, bytearray())) < 1 << 20:
                    self.recorded[to] += data
                if to not in self.dropping:
                    b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass


class RealPair:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = {n: free_port() for n in (1, 2)}  # where each node listens
        self.via = {n: free_port() for n in (1, 2)}  # the link's end in front of it
        self.console_port = {n: free_port() for n in (1, 2)}
        self.link = Link({self.via[n]: self.port[n] for n in (1, 2)})
        self.procs: dict[int, subprocess.Popen] = {}
        self.typed: list[str] = []  # lines typed on a synchronised pair
        self.key = tmp / "pair.key"
        if not self.key.exists():
            PairKey.make(self.key)

    def start(self, module: int, skew: float = 0.0, **env: str) -> None:
        """Start module's node (``skew``: its wall clock that many seconds off)."""
        data = self.tmp / f"n{module}"
        run = ["-m", "hapair"] if not skew else [
            "-c", f"import sys, time; t = time.time; time.time = lambda: t() + {skew}; "
                  "from hapair.cli import main; sys.exit(main())"]
        cmd = [sys.executable, *run, "node", "--module", str(module),
               "--listen", f"{HOST}:{self.port[module]}",
               "--peer", f"{HOST}:{self.via[3 - module]}", "--data", str(data),
               "--console", f"{HOST}:{self.console_port[module]}", "--key", str(self.key),
               "--heartbeat", str(PERIOD), "--timeout", str(PERIOD * TIMEOUT_PERIODS)]
        err = open(self.tmp / f"n{module}.err", "a")  # noqa: SIM115 - closed with the process
        self.procs[module] = subprocess.Popen(cmd, stderr=err, stdout=subprocess.DEVNULL,
                                              env={**os.environ, **env,
                                                   "HAPAIR_EXIT_WITH_PARENT": "1"})
        err.close()

    def kill(self, module: int) -> None:
        proc = self.procs.pop(module)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for module in list(self.procs):
            proc = self.procs.pop(module)
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.link.cut()

    def console(self, module: int, *lines: str) -> str:
        out = io.StringIO()
        console_client(f"{HOST}:{self.console_port[module]}", str(self.key),
                       stdin=io.StringIO("".join(line + "\n" for line in lines)),
                       stdout=out, timeout=10)
        return out.getvalue()

    def internal(self, module: int) -> str | None:
        """The ``Internal state`` line of module's status (None while it is down)."""
        try:
            text = self.console(module, "show system redundancy status")
        except Exception:  # noqa: BLE001 - not up yet
            return None
        lines = [x.split(": ", 1)[1] for x in text.splitlines() if "Internal state" in x]
        return lines[0] if lines else None

    def wait(self, what, timeout: float = 10.0) -> float:
        start = time.monotonic()
        while not what():
            if time.monotonic() - start > timeout:
                raise AssertionError(f"not within {timeout} s: {what.__doc__ or what}")
            time.sleep(PERIOD / 2)
        return time.monotonic() - start

    def wait_states(self, one: str | None, two: str | None, timeout: float = 10.0) -> float:
        def both():
            return (one is None or self.internal(1) == one) and \
                (two is None or self.internal(2) == two)
        both.__doc__ = f"module 1 {one}, module 2 {two} (now {self.internal(1)}, " \
                       f"{self.internal(2)})"
        return self.wait(both, timeout)

    def paired(self) -> None:
        self.start(1)
        self.start(2)
        self.wait_states("Active with HA standby", "HA standby")

    def type(self, module: int, *lines: str) -> None:
        self.console(module, "configure", *lines, "end")
        self.typed += lines

    def took_over(self, module: int) -> float:
        """When module logged its last takeover (Unix time)."""
        log = (self.tmp / f"n{module}" / "steps.jsonl").read_text().splitlines()
        return [json.loads(x)["time"] for x in log if '"takeover"' in x][-1]

    def logs(self) -> list[Path]:
        return [p for p in (self.tmp / "n1" / "steps.jsonl", self.tmp / "n2" / "steps.jsonl")
                if p.exists()]


@pytest.fixture
def pair(tmp_path):
    p = RealPair(tmp_path)
    try:
        yield p
        for module in (1, 2):  # no configuration line typed on a synchronised pair is lost
            if p.internal(module) in ("Active with HA standby", "Active with no standby"):
                running = p.console(module, "show running-config")
                assert all(line in running.splitlines() for line in p.typed), running
        report = validate(p.logs())
        assert report.ok, report.text()
    finally:
        p.stop()


def test_pair_fails_over_and_the_old_active_comes_back_as_standby(pair):
    pair.paired()
    status = pair.console(1, "show system redundancy status")
    assert normalised(status) == normalised(GUIDE_SYNCHRONIZED)
    pair.type(1, "telnet server enable")  # unsaved, mirrored to the standby
    killed = time.time()
    pair.kill(1)
    pair.wait_states(None, "Active with no standby", timeout=5)
    took = pair.took_over(2) - killed  # from the standby's own step log
    assert 0 < took <= TAKEOVER_PERIODS * PERIOD, f"{took / PERIOD:.1f} periods"
    shown = pair.console(2, "show system redundancy status")
    expected = guide.Status("secondary", "secondary", "HA", "None", "sup-2",
                            guide.DISPLAY["active_no_standby"], "sup-1", guide.DISPLAY["off"])
    assert shown == f"vsg# show system redundancy status\n{expected.render()}\nvsg#\n"
    assert "+ telnet server enable" in pair.console(2, "show running-config diff")
    pair.start(1)  # from its SQLite checkpoint: still primary, comes back as standby
    pair.wait_states("HA standby", "Active with HA standby")
    assert "administrative: primary" in pair.console(1, "show system redundancy status")
    assert "telnet server enable" in pair.console(1, "show running-config").splitlines()


def test_partition_makes_two_actives_and_healing_resets_the_primary(pair):
    pair.paired()
    pair.type(1, "ip domain-lookup vsg-test")
    pair.console(1, "copy running-config startup-config")
    pair.link.cut()
    pair.wait_states("Active with no standby", "Active with no standby")
    pair.link.heal()  # the primary (module 1) is reset and comes back as standby
    pair.wait_states("HA standby", "Active with HA standby")


def test_switchover_on_a_synchronised_pair(pair):
    pair.paired()
    pair.type(1, "logging server vsg-test")
    text = pair.console(1, "system switchover")
    assert text.startswith(GUIDE_SWITCHOVER)  # the new active's messages, as the guide
    # this is module 1's own console: it says the messages were module 2's and stays
    assert "% module 2 is now active: this console stays on this VSG" in text
    pair.wait_states("HA standby", "Active with HA standby")


def test_switchover_refused_while_the_standby_synchronises(pair):
    pair.start(1)
    pair.start(2, HAPAIR_HOLD_SYNC="1")  # a standby that stays unstable
    pair.wait(lambda: pair.internal(2) == "HA synchronization in progress")
    assert pair.internal(1) == "Active with no standby"
    text = pair.console(1, "system switchover")
    assert text == f"vsg# system switchover\n{GUIDE_SWITCHOVER_REFUSED}vsg#\n"
    cli = [sys.executable, "-m", "hapair"]
    shown = subprocess.run(cli + ["console", "--connect", f"{HOST}:{pair.console_port[2]}",
                                  "--key", str(pair.key)],
                           input="show system redundancy status\n", capture_output=True,
                           text=True, timeout=30)
    assert shown.returncode == 0 and shown.stdout.endswith("vsg(standby)#\n")
    assert "Supervisor state: HA synchronization in progress" in shown.stdout
    valid = subprocess.run(cli + ["validate", *map(str, pair.logs())], capture_output=True,
                           text=True, timeout=60)
    assert valid.returncode == 0 and valid.stdout.startswith("valid: "), valid.stdout


def test_a_broken_node_is_caught_by_validate(tmp_path):
    pair = RealPair(tmp_path)
    try:
        pair.start(1)
        pair.start(2, HAPAIR_HOLD_SYNC="1", HAPAIR_BROKEN_TAKEOVER="1")
        pair.wait(lambda: pair.internal(2) == "HA synchronization in progress")
        pair.link.cut()  # the unstable standby takes over: the spec says it must restart
        pair.wait_states(None, "Active with no standby")
    finally:
        pair.stop()
    logs = [str(p) for p in pair.logs()]
    cli = [sys.executable, "-m", "hapair", "validate"]
    bad = subprocess.run(cli + logs, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "divergence" in bad.stdout and "'takeover' on module 2" in bad.stdout
    assert "n2.state" in bad.stdout and "standby_syncing" in bad.stdout
    junk = tmp_path / "junk.jsonl"
    junk.write_text("{not json\n")
    wrong = subprocess.run(cli + [str(junk)], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1, wrong.stderr


def test_the_pair_console_follows_the_new_active_as_the_simulated_one_does(pair):
    """L338: the guide shows, at one vsg# prompt, the switchover's messages and then the
    new active's console.  Given both addresses, the real console does what the simulated
    one does (tests/test_console.py::test_switchover_follows_the_new_active)."""
    from test_console import status_line

    from hapair.specs.vsg.console import main as simulated_console

    pair.paired()
    lines = "system switchover\nshow system redundancy status\n"
    real = io.StringIO()
    console_client([f"{HOST}:{pair.console_port[1]}", f"{HOST}:{pair.console_port[2]}"],
                   str(pair.key), stdin=io.StringIO(lines), stdout=real, timeout=10)
    simulated = io.StringIO()
    simulated_console([], stdin=io.StringIO(lines), stdout=simulated)
    for text in (real.getvalue(), simulated.getvalue()):
        switchover, status = text.split("vsg# show system redundancy status\n")
        assert switchover.startswith(GUIDE_SWITCHOVER)
        assert status_line(status, "Internal state") == "Active with HA standby"
        assert "This supervisor (sup-2)" in status
        assert text.endswith("vsg#\n")


def test_the_standby_s_own_console_shows_the_switchover_as_it_becomes_active(pair):
    """L338: "the output that appears on the standby Cisco VSG as it becomes the active
    Cisco VSG": a session open on module 2's console shows it (logging console) with its
    next answer, and module 2 is then the active."""
    from test_console import status_line

    from hapair.runtime.process import _Session

    pair.paired()
    standby = _Session(f"{HOST}:{pair.console_port[2]}", PairKey(str(pair.key)), 10)
    try:
        assert standby.prompt == "vsg(standby)# "
        pair.console(1, "system switchover")
        pair.wait_states("HA standby", "Active with HA standby")
        shown = standby.run("show system redundancy status")
    finally:
        standby.close()
    assert "This supervisor is becoming active (pre-start phase)." in shown.splitlines()
    assert any(x.endswith("%SYSMGR-2-SWITCHOVER_OVER: Switchover completed.")
               for x in shown.splitlines())
    assert status_line(shown, "Internal state") == "Active with HA standby"
    assert standby.prompt == "vsg# "
