"""Every page on the real Reg AB II excerpts (two months of one deal, no contact history):
each works or says what the source lacks; none shows an exception or an error box."""

from __future__ import annotations

import pytest

from tests.apptest import no_errors, start
from ui.frame import PAGES


@pytest.mark.parametrize("page", [p[0] for p in PAGES])
def test_page_works_on_the_imported_filings(regab2_db, page):
    at = start(page)
    no_errors(at)
    assert at.title, page  # the page drew its heading
    said = " ".join(str(e.value) for e in [*at.info, *at.warning, *at.caption, *at.markdown])
    if page.endswith(("3_Cohorts.py", "4_Roll_rates.py")):
        # two months cannot carry vintage curves or a forecast backtest: the page says so
        assert "history" in said.lower() or "months" in said.lower(), said[:500]
