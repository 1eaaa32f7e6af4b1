"""The HTML report: one self-contained page, and its step-through in a real browser.

The mutant lets ``takeover`` start from ``standby_syncing`` too: an unstable standby then
takes over beside a live active, and ``NoDualActive`` fails in five steps.  The browser
test drives Debian's headless ``chromium`` over its DevTools pipe (no Python package,
no download): it clicks through that counterexample, checks that both consoles show
the status the spec gives for each state of the trace, and keeps a screenshot under
``artifacts/``.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import hapair
from hapair import spec as hspec
from hapair.checker.explicit import explore
from hapair.checker.results import CheckResult, PropertyResult
from hapair.model.compile import predicate
from hapair.model.product import Model
from hapair.model.slicing import slice_of
from hapair.reports.html import step_data, write_html
from hapair.runtime.pair import Pair
from hapair.specs.vsg import SPEC

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"


def takeover_from_syncing() -> hspec.Spec:
    """The mutant: an unstable standby (``standby_syncing``) may take over too."""
    data = copy.deepcopy(SPEC)
    red = next(m for m in data["machines"] if m["name"] == "redundancy")
    row = next(r for r in red["transitions"] if r["trigger"] == "takeover")
    row["source"] = ["ha_standby", "standby_syncing"]
    return hapair.load(data)


def first_violation(spec: hspec.Spec, name: str) -> PropertyResult:
    """Explore the property's slice and return the BFS-first violation as a result."""
    p = spec.properties[name]
    start = time.perf_counter()
    sl = slice_of(spec, p)
    g = explore(Model(spec, sl.assume, sl.keep))
    holds = predicate(p.expr)
    bad = next(i for i, s in enumerate(g.states) if not holds(s))
    return PropertyResult(p.name, p.kind, p.meaning, p.assume, p.expect, "violated",
                          "explicit", len(g.states), len(g.src), time.perf_counter() - start,
                          trace=g.trace_to(bad))


@pytest.fixture(scope="module")
def mutant():
    spec = takeover_from_syncing()
    result = first_violation(spec, "NoDualActive")
    return spec, result, CheckResult(spec.name, dict(spec.bounds), results=[result])


def expected_status(spec, trace) -> list:
    return [[Pair(spec, state=s).status(n).render() for n in (1, 2)] for s in trace.states]


def test_mutant_counterexample_is_the_short_one(mutant):
    spec, result, _ = mutant
    steps = [(s.trigger, s.node) for s in result.trace.steps]
    assert steps == [("power_on", 1), ("power_on", 2), ("boot", 1), ("boot", 2),
                     ("takeover", 2)]


def test_step_data_is_the_guides_status_at_each_step(mutant):
    spec, result, _ = mutant
    data = step_data(result.trace, spec)
    assert [s["status"] for s in data["steps"]] == expected_status(spec, result.trace)
    assert data["steps"][0]["event"] == "initial state"
    assert data["steps"][-1]["event"] == "takeover on module 2"
    assert data["steps"][-1]["changed"] == "failover_lock = true; n2.state = active_no_standby"
    assert data["loop"] is None


def test_report_is_self_contained(mutant, tmp_path):
    spec, _, res = mutant
    page = write_html(res, tmp_path / "report.html", spec=spec).read_text()
    assert page.count("class='stepper'") == 1
    assert "<svg" in page  # the diagrams are inline
    # nothing to fetch: no external scripts, styles, images or fonts
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert not re.search(r"url\(\s*['\"]?https?:", page)
    assert "NoDualActive" in page and "violated" in page


def test_report_without_diagrams_is_quick(mutant, tmp_path):
    spec, _, res = mutant
    page = write_html(res, tmp_path / "r.html", spec=spec, diagrams=False).read_text()
    assert "<svg" not in page and "class='stepper'" in page


def test_report_without_the_dot_program_says_how_to_get_pictures(mutant, tmp_path,
                                                                 monkeypatch):
    from hapair.diagrams.render import NO_DOT
    from hapair.reports import html as report

    spec, _, res = mutant
    monkeypatch.setattr(report, "have_dot", lambda: False)
    page = write_html(res, tmp_path / "r.html", spec=spec).read_text()
    assert "<svg" not in page and "<pre>digraph" in page
    assert NO_DOT.replace("'", "&#x27;") in page


# -- a real browser ------------------------------------------------------------------------


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """The Chrome DevTools protocol over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, binary: str, profile: Path, url: str):
        cmd_r, self.cmd_w = os.pipe()
        self.resp_r, resp_w = os.pipe()

        def wire():  # in the child: commands on fd 3, responses on fd 4
            os.dup2(cmd_r, 3)
            os.dup2(resp_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", "--remote-debugging-pipe", url],
            preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(resp_w)
        self.next_id, self.buf, self.session = 0, b"", None

    def send(self, method: str, params: dict | None = None, timeout: float = 20) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.resp_r], [], [], left)[0]:
                raise TimeoutError(f"chromium did not answer {method}")
            chunk = os.read(self.resp_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buf += chunk

    def attach(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            pages = [t for t in self.send("Target.getTargets")["targetInfos"]
                     if t["type"] == "page"]
            if pages or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        target = pages[0]["targetId"]
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]

    def js(self, expression: str):
        out = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in out:
            raise RuntimeError(f"page error: {out['exceptionDetails']}")
        return out["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"page never satisfied {expression}")
            time.sleep(0.05)

    def close(self) -> None:
        try:
            self.session = None
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.resp_r)


SHOWN = """JSON.stringify((function () {
  var box = document.querySelector('.stepper[data-property="NoDualActive"]');
  return {step: box.dataset.step, event: box.querySelector('.event').textContent,
          where: box.querySelector('.where').textContent,
          status: [1, 2].map(function (n) {
            return box.querySelector('.console.n' + n + ' pre').textContent; }),
          acting: [1, 2].filter(function (n) {
            return box.querySelector('.console.n' + n).classList.contains('acting'); }),
          prev: box.querySelector('button.prev').disabled,
          next: box.querySelector('button.next').disabled};
})())"""
CLICK = "document.querySelector('.stepper[data-property=\"NoDualActive\"] button.{}').click()"


@pytest.mark.skipif(chromium() is None and not os.environ.get("CI"),
                    reason="needs Debian's chromium (setup.sh installs it; in CI it must "
                           "be there, so this never skips)")
def test_step_through_in_headless_chromium(mutant, tmp_path):
    spec, result, res = mutant
    trace = result.trace
    page = write_html(res, tmp_path / "report.html", spec=spec)
    want = expected_status(spec, trace)
    events = ["initial state"] + [f"{s.trigger} on module {s.node}" for s in trace.steps]
    browser = DevTools(chromium(), tmp_path / "profile", page.as_uri() + "#step=2")
    try:
        browser.attach()
        browser.wait_for("document.readyState === 'complete' && "
                         "!!document.querySelector('.stepper[data-step]')")
        shown = json.loads(browser.js(SHOWN))
        assert shown["step"] == "2"  # the URL fragment picks the step
        browser.js(CLICK.format("prev"))
        browser.js(CLICK.format("prev"))
        for i in range(len(trace.states)):
            shown = json.loads(browser.js(SHOWN))
            assert shown["step"] == str(i)
            assert shown["event"] == events[i]
            assert shown["status"] == want[i], f"step {i}"
            assert shown["acting"] == ([trace.steps[i - 1].node] if i else [])
            assert shown["prev"] == (i == 0)
            assert shown["next"] == (i == len(trace.states) - 1)
            if i < len(trace.states) - 1:
                browser.js(CLICK.format("next"))
        assert "Active with no standby" in shown["status"][0]
        assert "Active with no standby" in shown["status"][1]  # the dual active
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 1500, "deviceScaleFactor": 1,
                      "mobile": False})
        png = browser.send("Page.captureScreenshot", {"format": "png"})["data"]
    finally:
        browser.close()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-NoDualActive-step5.png"
    shot.write_bytes(base64.b64decode(png))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
