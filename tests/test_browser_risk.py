"""The Risk page in a real browser: train from the page, then open every tab, in both languages.

Its own server and models folder (a trained model must not leak into other tests). Fails on
any exception box, error message or console error; keeps screenshots in tests/artifacts/.
"""

from __future__ import annotations

import pytest

from tests.conftest import build_sample
from tests.test_browser import CHROMIUM, FLAGS, _chromium_or_skip, streamlit_server

pytestmark = pytest.mark.browser

TABS = {"en": ["Early-warning queue", "Explain a loan", "Drivers", "Segments", "Model", "Monitoring"],
        "zh": ["预警名单", "单笔解释", "风险驱动因素", "细分群体", "模型", "稳定性监控"]}
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


@pytest.fixture(scope="module")
def risk_server(tmp_path_factory):
    _chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser_risk")
    db = build_sample(folder / "portfolio.duckdb", loans=3000, seed=11)  # enough bad outcomes to train
    env = {"COLLECTLENS_DB": str(db), "COLLECTLENS_MODELS_DIR": str(folder / "models"),
           "COLLECTLENS_TRAIN_THREADS": "1"}
    with streamlit_server(folder, env) as url:
        yield url


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
