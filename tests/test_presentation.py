"""Presentation mode on every page: no name, phone or full loan id on screen; and every page in
Chinese: no element shows an English UI string (untranslated text)."""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.display import i18n
from tests.apptest import start
from ui.frame import PAGES
from ui.state import RISK_TAB

FULL_LOAN_ID = re.compile(r"\bL\d{8}\b")
RISK_TABS = ("risk.tab.queue", "risk.tab.loan")


@pytest.fixture
def trained(app_env, small_model_dir, monkeypatch):
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(small_model_dir))
    return app_env


def texts(at: AppTest) -> list[str]:
    """Every string a person can read on the page: text elements, labels, options, table cells."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error",
                 "text", "latex"):
        out += [str(e.value) for e in getattr(at, kind, [])]
    for m in at.metric:
        out += [str(m.label), str(m.value)]
    for kind in ("button", "selectbox", "multiselect", "radio", "select_slider", "text_input", "number_input",
                 "toggle", "checkbox", "slider", "segmented_control"):
        for w in getattr(at, kind, []):
            out.append(str(getattr(w, "label", "")))
            for opt in getattr(w, "options", []) or []:
                out.append(str(opt))
    for df in at.dataframe:
        frame = df.value
        if isinstance(frame, pd.DataFrame):
            # cells only: headers may be relabelled by column_config, which AppTest does not expose
            out += [str(v) for v in frame.astype(str).to_numpy().ravel()]
    return out


def visit(page: str, lang: str, present: bool, risk_tab: str | None = None) -> AppTest:
    query = {"lang": lang, **({"present": "1"} if present else {})}
    at = start(page, session={RISK_TAB: i18n.t(risk_tab, lang)} if risk_tab else None, **query)
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_visits():
    for script, _key, _icon in PAGES:
        if script.endswith("5_Risk.py"):
            for tab in RISK_TABS:
                yield script, tab
        else:
            yield script, None


def test_presentation_mode_shows_no_personal_data(trained):
    con = duckdb.connect(str(trained))
    names = {r[0] for r in con.execute("SELECT DISTINCT borrower_name FROM loans").fetchall()}
    phones = {r[0] for r in con.execute("SELECT DISTINCT phone FROM loans").fetchall()}
    con.close()
    seen_loans = 0
    for page, tab in page_visits():
        at = visit(page, "en", present=True, risk_tab=tab)
        shown = texts(at)
        assert not [s for s in shown if FULL_LOAN_ID.search(s)], (page, tab)
        assert not [s for s in shown if s in names or s in phones], (page, tab)
        seen_loans += sum(1 for s in shown if "•" in s)
    # loan-level tables were on screen, masked (not simply absent)
    assert seen_loans > 0
    # and without presentation mode the same views do show full loan ids
    at = visit("pages/5_Risk.py", "en", present=False, risk_tab="risk.tab.queue")
    assert any(FULL_LOAN_ID.search(s) for s in texts(at))


ENGLISH_ONLY = {v["en"] for v in i18n.STRINGS.values()
                if v["en"] != v["zh"] and re.search(r"[A-Za-z]{3}", v["en"]) and "{" not in v["en"]}


def test_every_page_in_chinese_has_no_untranslated_text(trained):
    for page, tab in page_visits():
        at = visit(page, "zh", present=False, risk_tab=tab)
        leftovers = sorted({s for s in texts(at) if s.strip() in ENGLISH_ONLY})
        assert not leftovers, (page, tab, leftovers)
