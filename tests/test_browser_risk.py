"""The Risk page in a real browser: train from the page, then open every tab, in both languages.

Its own server and models folder (a trained model must not leak into other tests). Fails on
any exception box, error message or console error; keeps screenshots in tests/artifacts/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import build_sample
from tests.test_browser import CHROMIUM, FLAGS, ROOT, _chromium_or_skip, _free_port

pytestmark = pytest.mark.browser

TABS = {"en": ["Early-warning queue", "Explain a loan", "Drivers", "Segments", "Model", "Monitoring"],
        "zh": ["预警名单", "单笔解释", "风险驱动因素", "细分群体", "模型", "稳定性监控"]}
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


@pytest.fixture(scope="module")
def risk_server(tmp_path_factory):
    _chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser_risk")
    db = build_sample(folder / "portfolio.duckdb", loans=3000, seed=11)  # enough bad outcomes to train
    port = _free_port()
    env = {**os.environ, "COLLECTLENS_DB": str(db), "COLLECTLENS_MODELS_DIR": str(folder / "models"),
           "COLLECTLENS_TRAIN_THREADS": "1"}
    log = open(folder / "streamlit.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.seek(0)
    server_log = log.read()
    assert "Traceback" not in server_log, server_log


def settle(page, ms: int = 800) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=120_000)
    page.wait_for_timeout(ms)


def check(page, what: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, what
    assert not page.locator('[data-testid="stAlertContentError"]').all_inner_texts(), what


def test_train_then_every_tab(risk_server, artifacts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1800})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(risk_server, wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
        page.locator('[data-testid="stSidebar"] a', has_text="Risk & explanations").first.click()
        page.get_by_role("button", name="Train model").click()
        page.get_by_role("tab", name=TABS["en"][0]).wait_for(timeout=180_000)
        settle(page)
        check(page, "after training")
        for lang in ("en", "zh"):
            if lang == "zh":
                page.locator('[data-testid="stSidebar"]').get_by_text("简体中文").click()
                settle(page)
            for i, tab in enumerate(TABS[lang]):
                page.get_by_role("tab", name=tab).click()
                settle(page, 1200)
                check(page, f"{lang} {tab}")
                assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1, f"{lang} {tab}"
                page.screenshot(path=str(artifacts / f"risk_{lang}_{i}.png"))
        browser.close()
    assert not errors, errors
