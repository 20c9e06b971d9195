"""Twenty colleagues at once (issue 16): 20 browser sessions open four pages together against one
local server while a command-line import appends a month to the same store; no session sees an
error box, the import succeeds and the sessions' next page shows the new version. Loopback only,
bounded (20 sessions x 4 pages).

Each session is one browser context that opens the Overview (a new Streamlit session each) and
then goes to the other pages through the sidebar links, as a user does: the same 20 x 4 script
runs on the server, without reloading Streamlit's JavaScript 80 times. A page counts as loaded
when its own title is on screen and Streamlit's run state is ``notRunning`` (the run ended: every
error box it could draw is there); the charts' drawing in the browser is not waited for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from analytics import store
from analytics.cli import main
from analytics.display import i18n
from tests.browser import CHROMIUM, FLAGS, ROOT, TIMEOUT_MS, chromium_or_skip, streamlit_server
from tests.conftest import build_sample

pytestmark = pytest.mark.browser
SESSIONS = 20
# (sidebar link's path, the page's title key)
PAGES = [("", "overview.title"), ("Delinquency", "dq.title"), ("Roll_rates", "rr.title"), ("Cohorts", "co.title")]
# Rendering 20 pages on 2 cores: a modest viewport, no animations, no background work.
VIEWPORT = {"width": 1024, "height": 720}
LIGHT_FLAGS = [*FLAGS, "--disable-extensions", "--mute-audio", "--hide-scrollbars", "--disable-smooth-scrolling",
               "--force-prefers-reduced-motion", "--disable-renderer-backgrounding",
               "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"]
# The page with this title has been drawn by a run that has ended.
DONE = ("(title) => { const h = document.querySelector('[data-testid=\"stMainBlockContainer\"] h1');"
        " const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return !!h && h.innerText.trim().startsWith(title) && !!app"
        " && app.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]'); }")
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
BANNER = '[data-testid="stAlertContentInfo"]'
TAPE = ("l.loan_id, l.pool, l.origination_date, l.original_amount, l.term_months, l.apr, l.region, "
        "l.vehicle_condition, p.as_of_month, p.months_on_book, p.days_past_due, p.status, p.opening_balance, "
        "p.scheduled_payment, p.amount_paid, p.closing_balance, p.charge_off_amount, p.recovery_amount")


def monthly_files(sample: Path, folder: Path) -> tuple[Path, Path, int]:
    """The sample's loans as a lender's tape: every month but the last (the book), and the last
    month alone (next month's file); with the number of rows of the last month."""
    con = duckdb.connect(str(sample), read_only=True)
    try:
        last = con.execute("SELECT max(as_of_month) FROM performance").fetchone()[0]
        book, month = folder / "book.csv", folder / f"month_{last:%Y-%m}.csv"
        for path, cmp in ((book, "<"), (month, "=")):
            con.execute(f"COPY (SELECT {TAPE} FROM performance p JOIN loans l USING (loan_id) "
                        f"WHERE p.as_of_month {cmp} ? ORDER BY ALL) TO '{path}' (HEADER)", [last])
        rows = con.execute("SELECT count(*) FROM performance WHERE as_of_month = ?", [last]).fetchone()[0]
    finally:
        con.close()
    return book, month, rows


@pytest.mark.timeout(1800)
def test_twenty_sessions_over_four_pages_see_no_error_while_the_cli_imports(tmp_path_factory, monkeypatch):
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("many")
    book, month, month_rows = monthly_files(build_sample(folder / "sample.duckdb", loans=500, seed=7), folder)
    db, audit_log = folder / "portfolio.duckdb", folder / "audit.jsonl"
    monkeypatch.setenv("COLLECTLENS_AUDIT_LOG", str(audit_log))
    assert main(["--db", str(db), "import", str(book)]) == 0  # version 0001: the book without its last month
    env = {"COLLECTLENS_DB": str(db), "COLLECTLENS_AUDIT_LOG": str(audit_log)}
    titles = [i18n.t(key, "en") for _path, key in PAGES]
    figures: dict = {"sessions": SESSIONS, "page_loads": 0, "errors": 0, "slowest_s": {}, "import": {}}
    problems: list[str] = []
    loads: list[tuple[float, float]] = []  # (asked, done) of every page load
    begin = time.monotonic()
    with streamlit_server(folder, env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LIGHT_FLAGS)
        contexts = [browser.new_context(viewport=VIEWPORT, reduced_motion="reduce") for _ in range(SESSIONS)]
        pages = [c.new_page() for c in contexts]
        cli, waiter, ended = None, None, []
        for n, ((path, _key), title) in enumerate(zip(PAGES, titles, strict=True)):
            if n == len(PAGES) - 1:  # the last round starts once the import has switched versions
                waiter.join(timeout=600)
                assert ended, "the CLI import did not end"
            start = time.monotonic()
            for page in pages:  # every session asks at (nearly) the same moment
                if n == 0:
                    page.goto(url, wait_until="commit", timeout=600_000)
                else:
                    page.locator(f'[data-testid="stSidebar"] a[href="{path}"]').click(timeout=TIMEOUT_MS)
            if cli is None:  # the monthly import, started while the 20 sessions load their first page
                cli_start = time.monotonic()
                cli = subprocess.Popen(
                    [sys.executable, "-m", "analytics", "--db", str(db), "import", str(month), "--mode", "append"],
                    cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True)
                waiter = threading.Thread(  # its output read as it comes (a full pipe would block it)
                    target=lambda proc=cli: ended.append((proc.communicate()[0], time.monotonic())), daemon=True)
                waiter.start()
            slowest = 0.0
            for i, page in enumerate(pages):
                page.wait_for_function(DONE, arg=title, timeout=600_000, polling=250)
                done = time.monotonic()
                slowest = max(slowest, done - start)
                loads.append((start, done))
                boxes = page.locator(ERRORS).all_inner_texts()
                figures["page_loads"] += 1
                if boxes:
                    figures["errors"] += 1
                    problems.append(f"session {i} {title}: {boxes}")
                if n == len(PAGES) - 1:  # the new version is what the sessions now see
                    banner = " ".join(page.locator(BANNER).all_inner_texts())
                    if month.name not in banner:
                        problems.append(f"session {i} {title}: still the old version ({banner!r})")
            figures["slowest_s"][title] = round(slowest, 1)
            print(f"{title}: {SESSIONS} sessions done, slowest {slowest:.1f} s", flush=True)
        browser.close()
    output, cli_end = ended[0]
    imported_at = (cli_start, cli_end)
    figures["import"] = {
        "seconds": round(cli_end - cli_start, 1), "exit": cli.returncode, "rows": month_rows,
        "page_loads_during": sum(1 for a, d in loads if a < imported_at[1] and d > imported_at[0]),
        "version": store.current_version(db)}
    figures["total_s"] = round(time.monotonic() - begin, 1)
    Path(folder / "figures.json").write_text(json.dumps(figures))
    print("concurrency figures:", json.dumps(figures))
    assert cli.returncode == 0, output
    assert "it deletes nothing" in output  # a month appended, no confirmation needed
    assert store.current_version(db) == "0002"
    con = store.open_current(db)
    try:  # the appended month is in the current version, whole
        assert con.execute("SELECT count(*) FROM performance WHERE as_of_month = (SELECT max(as_of_month) "
                           "FROM performance)").fetchone()[0] == month_rows
    finally:
        con.close()
    assert figures["page_loads"] == SESSIONS * len(PAGES)
    assert figures["import"]["page_loads_during"] >= SESSIONS
    assert not problems, problems
