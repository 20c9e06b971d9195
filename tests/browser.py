"""Real-browser helpers shared by the browser tests: Chromium, a `streamlit run` server on a free
port, and waits on conditions (never fixed sleeps).

Waiting rule: wait for the element a step needs (a chart in the open tab, the page heading),
then for Streamlit's script run to finish (``data-test-script-state`` on the app root is
``notRunning``) and for every chart to be drawn. Timeouts are generous (``TIMEOUT_MS``): on a
machine whose cores are busy a script run can take many seconds, and a wait on a condition
returns as soon as it holds, so a long limit costs nothing when the machine is idle.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import in_ci

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]
TIMEOUT_MS = 120_000  # one condition (a page run, training a small model) under load
SERVER_START_S = 120

# Streamlit's own run state on the app root: "running" while the script runs, "notRunning" after.
SCRIPT_DONE = ("() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
               " return !!app && app.getAttribute('data-test-script-state') === 'notRunning'"
               " && !document.querySelector('[data-testid=\"stStatusWidget\"]'); }")
# Every chart on the page has its SVG (plotly draws after the element arrives).
CHARTS_DRAWN = ("() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
                ".every(c => c.querySelector('.main-svg'))")


def chromium_or_skip() -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    if in_ci():
        pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium (.ci/run)")
    pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package to run browser tests")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def streamlit_server(folder: Path, env: dict[str, str]):
    """`streamlit run app.py` on a free local port with ``env``; yields its URL. On exit the
    server log must hold no traceback."""
    port = free_port()
    log = open(folder / "streamlit.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while not _healthy(url):
        # Between probes, wait for the server process to end (it should not): a crash fails at
        # once with its log instead of after the whole deadline.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.5)
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            pytest.fail("streamlit did not start:\n" + log.read())
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log.seek(0)
    server_log = log.read()
    assert "Traceback" not in server_log, server_log


def settled(page, needed: str | None = None, timeout: int = TIMEOUT_MS) -> None:
    """Wait for ``needed`` (a selector the step must show), then for the run to end and the charts
    to be drawn."""
    if needed:
        page.locator(needed).first.wait_for(state="visible", timeout=timeout)
    page.wait_for_function(SCRIPT_DONE, timeout=timeout)
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout)


def open_page(browser, url: str, shot: Path, wait_for: str = '[data-testid="stMetric"]'):
    """Open ``url`` in a new page, wait until it has settled, keep a screenshot; return the count of
    exception boxes, the error alerts' texts and the console errors."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors = page_errors(page)
    page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    # The element needed, then the script run finished and the charts drawn, before judging the page.
    settled(page, wait_for)
    page.screenshot(path=str(shot), full_page=True)
    exceptions = page.locator('[data-testid="stException"]').count()
    alerts = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    page.close()
    return exceptions, alerts, errors()


# Opened at a page's own address (/Roll_rates), Streamlit's frontend first looks for the server
# under that path (/Roll_rates/_stcore/health and /host-config), gets 404 and then uses the root:
# the browser logs each 404 as "Failed to load resource". Those two probes are not the app's errors.
PATH_PROBES = ("/_stcore/health", "/_stcore/host-config")


def page_errors(page) -> Callable[[], list[str]]:
    """Collect ``page``'s console and script errors from now on; the returned function gives them
    without the 404s of Streamlit's path probes (PATH_PROBES: also seen after a page was reached
    from the menu, when the frontend reconnects on a busy machine), and with the address of any
    other failed request."""
    console_errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    return lambda: _without_path_probes(console_errors, failed)


def _without_path_probes(console_errors: list[str], failed: list[str]) -> list[str]:
    probes = sum(1 for u in failed if urlparse(u).path.endswith(PATH_PROBES) and urlparse(u).path.count("/") > 2)
    if probes != len(failed):  # another resource failed too: report every console error and address
        return [*console_errors, *(f"failed request: {u}" for u in failed)]
    out = list(console_errors)
    for _ in range(probes):
        hit = next((e for e in out if e.startswith("Failed to load resource") and "404" in e), None)
        if hit is not None:
            out.remove(hit)
    return out
