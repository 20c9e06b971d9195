"""The Risk page in a real browser: train from the page, then open every tab, in both languages.

Its own server and models folder (a trained model must not leak into other tests). Fails on
any exception box, error message or console error; keeps screenshots in tests/artifacts/.
"""

from __future__ import annotations

import pytest

from tests.browser import (
    CHROMIUM,
    FLAGS,
    TIMEOUT_MS,
    chromium_or_skip,
    page_errors,
    settled,
    streamlit_server,
)
from tests.conftest import build_sample

pytestmark = pytest.mark.browser

TABS = {"en": ["Early-warning queue", "Explain a loan", "Drivers", "Segments", "Model", "Monitoring"],
        "zh": ["预警名单", "单笔解释", "风险驱动因素", "细分群体", "模型", "稳定性监控"]}
# A chart inside the open tab: only the open tab computes, so this is drawn by the run the click started.
TAB_CHART = '[role="tabpanel"]:not([hidden]) [data-testid="stPlotlyChart"] .main-svg'


@pytest.fixture(scope="module")
def risk_server(tmp_path_factory):
    chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser_risk")
    db = build_sample(folder / "portfolio.duckdb", loans=3000, seed=11)  # enough bad outcomes to train
    env = {"COLLECTLENS_DB": str(db), "COLLECTLENS_MODELS_DIR": str(folder / "models"),
           "COLLECTLENS_TRAIN_THREADS": "1"}
    with streamlit_server(folder, env) as url:
        yield url


def open_tab(page, name: str) -> None:
    """Click a tab and wait until it is the selected one, holds its chart, and the run is over."""
    tab = page.get_by_role("tab", name=name)
    tab.click()
    tab.and_(page.locator('[aria-selected="true"]')).wait_for(timeout=TIMEOUT_MS)
    settled(page, TAB_CHART)


def check(page, what: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, what
    assert not page.locator('[data-testid="stAlertContentError"]').all_inner_texts(), what


def test_train_then_every_tab(risk_server, artifacts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1800})
        errors = page_errors(page)
        page.goto(risk_server, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        settled(page, '[data-testid="stMetric"]')
        page.locator('[data-testid="stSidebar"] a', has_text="Risk & explanations").first.click()
        train = page.get_by_role("button", name="Train model")
        train.wait_for(timeout=TIMEOUT_MS)
        settled(page)
        train.click()
        # Training a small model on one thread: the tabs appear when it is done.
        settled(page, f'[role="tab"]:has-text("{TABS["en"][0]}")', timeout=3 * TIMEOUT_MS)
        check(page, "after training")
        for lang in ("en", "zh"):
            if lang == "zh":
                page.locator('[data-testid="stSidebar"]').get_by_text("简体中文").click()
                settled(page, f'[role="tab"]:has-text("{TABS["zh"][0]}")')
            for i, tab in enumerate(TABS[lang]):
                open_tab(page, tab)
                check(page, f"{lang} {tab}")
                assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1, f"{lang} {tab}"
                page.screenshot(path=str(artifacts / f"risk_{lang}_{i}.png"))
        browser.close()
    assert not errors(), errors()
