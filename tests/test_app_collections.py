"""The Collections operations page under AppTest: every tab draws, switches work, agent names are
masked in presentation mode, and a source without contacts gets sentences, not errors."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/7_Collections.py"


def _open(**state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_collections_page_draws_every_tab(app_env):
    at = _open()
    assert at.title[0].value == "Collections operations"
    assert len(at.tabs) == 5
    charts = at.get("plotly_chart")
    assert len(charts) >= 6  # entry, FPD, cure curves, funnel, CEI, compliance, agents
    said = " ".join(str(c.value) for c in at.caption)
    assert "due on the origination day" in said  # the assumption behind the cure curves is stated
    assert "assumed internal cap" in said  # the cn call cap is labelled an assumption
    names = at.dataframe[-1].value.iloc[:, 1].tolist()  # agents table: real ids outside the meeting room
    assert any(str(n).startswith("IH") for n in names)
    at.segmented_control(key="w_ops_level").set_value("agency").run()
    assert not at.exception
    assert "In-house" in at.dataframe[-1].value.iloc[:, 1].tolist()


def test_collections_page_in_chinese_and_presentation_masks_agents(app_env):
    at = _open(lang="zh", present=True)
    assert at.title[0].value == "催收运营"
    names = at.dataframe[-1].value.iloc[:, 1].tolist()
    assert names and all("•" in str(n) for n in names), names
    assert not any(b.label for b in at.get("download_button"))  # no breach list export from the meeting room


def test_filings_without_contacts_get_sentences(regab2_db):  # noqa: F811
    at = _open()
    said = " ".join(str(e.value) for e in [*at.info, *at.warning])
    # Two monthly filings: no contacts (funnel, compliance, agents say so), no payment records
    # (the cure curve is the labelled month-end approximation, or says no loan entered).
    assert "Collection contacts" in said, said[:800]
    assert "month-end approximation" in said.lower() or "no loan entered" in said.lower(), said[:800]


def test_presentation_mode_shows_the_operations_chart_with_its_sentence(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params["present"] = "1"
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = " ".join(str(m.value) for m in at.markdown)
    # The slide's title and sentence (strings ops.slide.*), beside the book's key charts.
    assert "**催收运营**" in said and "承诺还款履约率" in said, said[:600]
