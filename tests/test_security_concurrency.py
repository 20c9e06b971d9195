"""Twenty colleagues at once (issue 16): 20 browser sessions open four pages together against one
local server; no session sees an error box. Loopback only, bounded (20 sessions x 4 pages)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, FLAGS, chromium_or_skip, streamlit_server
from tests.conftest import build_sample

pytestmark = pytest.mark.browser
SESSIONS = 20
PAGES = ["", "Delinquency", "Roll_rates", "Cohorts"]
DONE = ("() => document.querySelector('[data-testid=\"stMainBlockContainer\"] h1') && "
        "!document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "!document.querySelector('[data-testid=\"stSkeleton\"]')")
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@pytest.mark.timeout(1800)
def test_twenty_sessions_over_four_pages_see_no_error(tmp_path_factory):
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("many")
    db = build_sample(folder / "portfolio.duckdb", loans=500, seed=7)
    figures = {"sessions": SESSIONS, "page_loads": 0, "errors": 0, "slowest_s": 0.0, "per_page": {}}
    with streamlit_server(folder, {"COLLECTLENS_DB": str(db)}) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(SESSIONS)]
        pages = [c.new_page() for c in contexts]
        problems: list[str] = []
        for name in PAGES:
            start = time.monotonic()
            for page in pages:  # every session asks at (nearly) the same moment
                page.goto(f"{url}/{name}", wait_until="commit", timeout=600_000)
            slowest = 0.0
            for i, page in enumerate(pages):
                page.wait_for_function(DONE, timeout=600_000, polling=250)
                slowest = max(slowest, time.monotonic() - start)
                boxes = page.locator(ERRORS).all_inner_texts()
                figures["page_loads"] += 1
                if boxes:
                    figures["errors"] += 1
                    problems.append(f"session {i} {name or 'Overview'}: {boxes}")
            figures["per_page"][name or "Overview"] = round(slowest, 1)
            print(f"{name or 'Overview'}: {SESSIONS} sessions done, slowest {slowest:.1f} s", flush=True)
            figures["slowest_s"] = max(figures["slowest_s"], round(slowest, 1))
        browser.close()
    Path(folder / "figures.json").write_text(json.dumps(figures))
    print("concurrency figures:", json.dumps(figures))
    assert figures["page_loads"] == SESSIONS * len(PAGES)
    assert not problems, problems
