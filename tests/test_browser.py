"""A real browser: `streamlit run app.py` on a free port, every page opened in headless Chromium.

Fails on any Streamlit exception box or error message and on browser console errors; keeps a
screenshot of every page in tests/artifacts/. Skips with the reason where Chromium is absent,
and fails instead when CI is set (CI must install it: see .ci/run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.display import i18n
from tests.browser import TIMEOUT_MS, chromium_or_skip, open_page, page_errors, settled, streamlit_server
from tests.conftest import build_sample
from ui.frame import PAGES

pytestmark = pytest.mark.browser

# The heading each page draws first (how a test knows the page it clicked has arrived).
TITLES = {"app.py": "overview.title", "pages/1_Data.py": "data.title", "pages/2_Delinquency.py": "dq.title",
          "pages/3_Cohorts.py": "co.title", "pages/4_Roll_rates.py": "rr.title", "pages/5_Risk.py": "risk.title",
          "pages/6_Strategy.py": "strategy.title", "pages/7_Collections.py": "ops.title",
          "pages/7_Audit.py": "audit.title"}


def heading(script: str, lang: str = "en") -> str:
    """A selector for the page's own heading (not the one of the page before)."""
    return f'[data-testid="stMainBlockContainer"] h1:has-text("{i18n.t(TITLES[script], lang)}")'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    chromium_or_skip()
    folder = tmp_path_factory.mktemp("browser")
    db = build_sample(folder / "portfolio.duckdb", loans=2000, seed=21)
    with streamlit_server(folder, {"COLLECTLENS_DB": str(db)}) as url:
        yield url


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
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors = page_errors(page)
    page.goto(server, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    settled(page, '[data-testid="stMetric"]')
    for script, key, _icon in PAGES:
        label = i18n.t(key, "en")
        page.locator('[data-testid="stSidebar"] a', has_text=label).first.click()
        settled(page, heading(script))
        page.screenshot(path=str(artifacts / f"menu_{Path(script).stem}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0, script
        assert not page.locator('[data-testid="stAlertContentError"]').all_inner_texts(), script
    page.close()
    assert not errors(), errors()


def test_only_streamlits_own_path_probes_are_forgiven():
    """A 404 console error is dropped only when the failed request was Streamlit's probe under a
    page's path; any other failed request keeps every error and names its address."""
    from tests.browser import _without_path_probes
    e = ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    assert _without_path_probes(e, ["http://127.0.0.1:1/Roll_rates/_stcore/health"]) == []
    assert _without_path_probes([*e, "TypeError: x"], ["http://127.0.0.1:1/Roll_rates/_stcore/host-config"]) == [
        "TypeError: x"]
    for url in ("http://127.0.0.1:1/_stcore/health", "http://127.0.0.1:1/static/app.js"):
        assert _without_path_probes(e, [url]) == [*e, f"failed request: {url}"]
