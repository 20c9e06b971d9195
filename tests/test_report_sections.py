"""The briefing pack's section list: one ordered list with keys and titles; a builder that cannot
work on the data raises SectionUnavailable and the slide says "not available" with the reason under
the entry's title; the folders a section reads come in ReportInput (no settings read)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import store
from analytics.display.i18n import LANGUAGES, STRINGS, t
from analytics.report.base import Content, ReportInput, SectionSpec, SectionUnavailable, prepare
from analytics.report.sections import SECTIONS, build_section, spec
from analytics.store import Tables
from tests.tiny_book import JUL, build_tiny_book


def _input(lang="en", **kw) -> ReportInput:
    return ReportInput(tables=None, meta={}, month=date(2026, 9, 1), lang=lang, kpis=None, snapshot={}, **kw)


def test_one_ordered_list_with_unique_keys_and_translated_titles():
    assert [s.key for s in SECTIONS] == ["kpis", "trend", "mix", "vintages", "forecast", "risk", "strategy", "operations"]
    for s in SECTIONS:
        assert all(STRINGS[s.title].get(lang) for lang in LANGUAGES), s.title


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unavailable_section_becomes_a_not_available_slide_under_its_title(lang):
    def builder(r):
        raise SectionUnavailable("no data for this")

    slide = build_section(SectionSpec("vintages", "report.vintages", builder), _input(lang))
    assert slide.key == "vintages" and slide.title == t("report.vintages", lang)
    assert slide.unavailable == t("report.na", lang, reason="no data for this")
    assert slide.figure is None and not slide.kpis


def test_builder_content_keeps_the_entry_title():
    slide = build_section(SectionSpec("trend", "overview.trend", lambda r: Content("a message")), _input("zh"))
    assert (slide.title, slide.message, slide.unavailable) == (t("overview.trend", "zh"), "a message", None)


def test_a_bug_in_a_builder_is_not_hidden_as_unavailable():
    def builder(r):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        build_section(SectionSpec("trend", "overview.trend", builder), _input())


@pytest.mark.parametrize("models_dir", [None, "empty"])
def test_risk_section_without_a_model_says_so(models_dir, tmp_path):
    folder = None if models_dir is None else tmp_path  # an empty folder: nothing trained there
    slide = build_section(spec("risk"), _input("en", models_dir=folder))
    assert slide.unavailable == t("report.na", "en", reason=t("report.no_model", "en"))


def test_two_month_book_forecast_and_vintages_unavailable(tmp_path):
    """The tiny book has two months: too few for the forecast (3 months of transitions needed) and
    no vintage reaches a common months-on-book with another."""
    con = store.open_duckdb(build_tiny_book(tmp_path / "tiny.duckdb"))
    try:
        r = prepare(Tables.of(store.reader(con)), {"market": "us"}, JUL, "zh")
        for key in ("forecast", "vintages"):
            slide = build_section(spec(key), r)
            assert slide.unavailable == t("report.na", "zh", reason=t("report.too_short", "zh")), key
        assert not build_section(spec("trend"), r).unavailable
    finally:
        con.close()
