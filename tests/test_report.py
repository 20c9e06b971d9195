"""The briefing pack: the deck opens with python-pptx with the expected slides, each with a
picture (charts) or numbers (KPIs) and its one-line message; the HTML report opens offline in
headless Chromium with its charts drawn."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from analytics.cli import main
from analytics.display import i18n
from analytics.report.sections import SECTIONS
from tests.conftest import in_ci
from tests.test_browser import CHROMIUM, FLAGS


def _need_chromium():
    if shutil.which("chromium") or __import__("pathlib").Path(CHROMIUM).exists():
        return
    if in_ci():
        pytest.fail("Chromium is needed to render chart images; CI must install it (.ci/run)")
    pytest.skip("Chromium not installed: chart images cannot be rendered")


@pytest.fixture(scope="module")
def pack(small_db, small_model_dir, tmp_path_factory):
    """The English pack with a trained risk model, the Chinese one without (its risk slide says so)."""
    import os

    _need_chromium()
    out = tmp_path_factory.mktemp("pack")
    before = os.environ.get("COLLECTLENS_MODELS_DIR")
    try:
        for lang, models in (("en", small_model_dir), ("zh", tmp_path_factory.mktemp("no_model"))):
            os.environ["COLLECTLENS_MODELS_DIR"] = str(models)
            assert main(["--db", str(small_db), "report", "--month", "2026-09", "--lang", lang,
                         "--out", str(out / f"pack_{lang}.pptx"), str(out / f"pack_{lang}.html")]) == 0
    finally:
        if before is not None:
            os.environ["COLLECTLENS_MODELS_DIR"] = before
    return out


def _texts(slide):
    return [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.strip()]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_deck_has_expected_slides_with_picture_and_message(pack, small_db, lang):
    deck = Presentation(str(pack / f"pack_{lang}.pptx"))
    slides = list(deck.slides)
    assert len(slides) == 1 + len(SECTIONS)
    assert i18n.t("report.title", lang) in _texts(slides[0])
    titles = [_texts(s)[0] for s in slides[1:]]
    assert titles == [i18n.t(k, lang) for k in ("report.kpis", "overview.trend", "overview.mix", "report.vintages",
                                                 "report.forecast", "report.risk", "report.strategy")]
    for slide in slides[1:]:
        texts = _texts(slide)
        assert len(texts) >= 3, texts  # title, one-line message, footer at least
        pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        if texts[0] == i18n.t("report.kpis", lang):
            continue
        if lang == "zh" and texts[0] == i18n.t("report.risk", lang):  # no model trained for this pack
            assert not pictures and i18n.t("report.no_model", lang) in texts[1]
            continue
        assert len(pictures) == 1 and len(pictures[0].image.blob) > 10_000, texts[0]
    # The KPI slide shows the month's 60+ rate as computed independently from the store.
    con = duckdb.connect(str(small_db))
    n, d = con.execute("""SELECT count(*) FILTER (WHERE days_past_due >= 60), count(*) FROM performance
                          WHERE status = 'active' AND as_of_month = DATE '2026-09-01'""").fetchone()
    con.close()
    assert f"{n / d:.2%}" in _texts(slides[1])


def test_html_report_opens_offline_with_charts_drawn(pack, artifacts):
    from playwright.sync_api import sync_playwright

    html = (pack / "pack_zh.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*FLAGS, "--disable-web-security"])
        context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
        page = context.new_page()
        page.goto((pack / "pack_zh.html").as_uri())
        page.wait_for_load_state("load")
        drawn = page.evaluate("() => Array.from(document.images).map(i => i.complete && i.naturalWidth)")
        page.screenshot(path=str(artifacts / "report_zh.png"), full_page=True)
        browser.close()
    charts = len(SECTIONS) - 2  # every section but the KPIs has a chart; no model for risk here
    assert len(drawn) == charts and all(w and w > 1000 for w in drawn), drawn


def test_bad_report_arguments(small_db, tmp_path, capsys):
    assert main(["--db", str(small_db), "report", "--out", str(tmp_path / "x.pdf")]) == 2
    assert ".pptx or .html" in capsys.readouterr().err
    assert main(["--db", str(small_db), "report", "--lang", "fr", "--out", str(tmp_path / "x.html")]) == 2
    assert "Unknown language 'fr'" in capsys.readouterr().err
