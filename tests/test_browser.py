"""A real browser: `streamlit run app.py` on a free port, every page opened in headless Chromium.

Fails on any Streamlit exception box or error message and on browser console errors; keeps a
screenshot of every page in tests/artifacts/. Skips with the reason where Chromium is absent,
and fails instead when CI is set (CI must install it: see .ci/run).
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
from pathlib import Path

import pytest

from tests.conftest import build_sample, in_ci
from ui.frame import PAGES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.browser


def _chromium_or_skip():
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    if in_ci():
        pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium (.ci/run)")
    pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package to run browser tests")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(folder: Path, env: dict[str, str]):
    """`streamlit run app.py` on a free local port with ``env``; yields its URL. On exit the
    server log must hold no traceback."""
    port = _free_port()
    log = open(folder / "streamlit.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail("streamlit did not start:\n" + log.read())
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    log.seek(0)
    server_log = log.read()
    assert "Traceback" not in server_log, server_log


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser")
    db = build_sample(folder / "portfolio.duckdb", loans=2000, seed=21)
    with streamlit_server(folder, {"COLLECTLENS_DB": str(db)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def open_page(browser, url: str, shot: Path, wait_for: str = '[data-testid="stMetric"]'):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(wait_for, timeout=90_000)
    # Let the script run finish (the status widget disappears) before judging the page.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shot), full_page=True)
    exceptions = page.locator('[data-testid="stException"]').count()
    alerts = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    page.close()
    return exceptions, alerts, console_errors


def test_overview_in_chromium(server, browser, artifacts):
    exceptions, alerts, console = open_page(browser, server, artifacts / "overview_en.png")
    assert exceptions == 0 and not alerts, alerts
    assert not console, console


def test_overview_in_chinese(server, browser, artifacts):
    exceptions, alerts, console = open_page(browser, server + "/?lang=zh", artifacts / "overview_zh.png")
    assert exceptions == 0 and not alerts, alerts
    assert not console, console


def test_every_page_from_the_menu(server, browser, artifacts):
    """Open each page the sidebar menu lists, by its link, as a person would."""
    from analytics.display import i18n

    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
    for script, key, _icon in PAGES:
        label = i18n.t(key, "en")
        page.locator('[data-testid="stSidebar"] a', has_text=label).first.click()
        page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=90_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                               timeout=90_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(artifacts / f"menu_{Path(script).stem}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0, script
        assert not page.locator('[data-testid="stAlertContentError"]').all_inner_texts(), script
    page.close()
    assert not errors, errors
