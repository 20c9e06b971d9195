"""The Collections operations page in a real browser, every tab, in English and Chinese.

Fails on any exception box, error message or console error; keeps screenshots of every tab in
tests/artifacts/ (and in COLLECTLENS_SHOTS when set, for the issue's closing note).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, FLAGS, chromium_or_skip, page_errors, streamlit_server
from tests.conftest import build_sample

pytestmark = pytest.mark.browser

TABS = {"en": ["Entry & first payment", "Cure curves", "Contact funnel & cost", "Compliance", "Agents & agencies"],
        "zh": ["入催与首逾", "账期催回率", "联络漏斗与成本", "合规", "催收员与委外机构"]}
TITLE = {"en": "Collections operations", "zh": "催收运营"}
NAV = {"en": "Collections", "zh": "催收运营"}
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


@pytest.fixture(scope="module")
def ops_server(tmp_path_factory):
    chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser_ops")
    db = build_sample(folder / "portfolio.duckdb", loans=3000, seed=11)
    with streamlit_server(folder, {"COLLECTLENS_DB": str(db)}) as url:
        yield url


def test_every_tab_in_both_languages(ops_server, artifacts):
    from playwright.sync_api import sync_playwright

    shots = [artifacts] + ([Path(os.environ["COLLECTLENS_SHOTS"])] if os.environ.get("COLLECTLENS_SHOTS") else [])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        for lang in ("en", "zh"):
            page = browser.new_page(viewport={"width": 1440, "height": 1600})
            errors = page_errors(page)
            page.goto(f"{ops_server}/?lang={lang}", wait_until="domcontentloaded")
            page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
            page.locator('[data-testid="stSidebar"] a', has_text=NAV[lang]).first.click()
            page.get_by_role("heading", name=TITLE[lang]).wait_for(timeout=120_000)
            for i, tab in enumerate(TABS[lang]):
                page.get_by_role("tab", name=tab).click()
                page.get_by_role("tab", name=tab, selected=True).wait_for(timeout=60_000)
                page.wait_for_function(IDLE, timeout=120_000)
                page.locator('[data-testid="stTabPanel"]:visible .js-plotly-plot').first.wait_for(timeout=60_000)
                for folder in shots:
                    folder.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(folder / f"collections_{lang}_{i + 1}.png"), full_page=True)
                assert page.locator('[data-testid="stException"]').count() == 0, (lang, tab)
                assert not page.locator('[data-testid="stAlertContentError"]').all_inner_texts(), (lang, tab)
            page.close()
            assert not errors(), errors()
        browser.close()
