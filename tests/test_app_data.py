"""The Data page through AppTest: a new user imports the two real Reg AB II filings and the
Overview then shows them; checks write nothing; bad input shows a message, not a traceback."""

from __future__ import annotations

import os

import pytest

from analytics import store
from analytics.display import i18n
from tests import regab2_fixture as fx
from tests.apptest import DATA as DATA_PAGE
from tests.apptest import no_errors, start
from tests.conftest import app_on, build_sample
from tests.file_fixtures import gbk_csv


@pytest.fixture
def fresh_db(tmp_path, monkeypatch):
    """A store of its own holding a small sample (as on a first start), with clean caches; the
    test's folder and the sample filings are the import roots the server may read from."""
    monkeypatch.setenv("COLLECTLENS_IMPORT_ROOTS", os.pathsep.join([str(tmp_path), str(fx.samples_dir())]))
    with app_on(build_sample(tmp_path / "portfolio.duckdb", loans=300, seed=5), monkeypatch) as db:
        yield db


def open_data_page(**query):
    at = start(DATA_PAGE, **query)
    no_errors(at)
    return at


def sql(db, text):
    con = store.open_current(db)  # the version the app reads, opened the way the app opens it
    try:
        return con.execute(text).fetchall()
    finally:
        con.close()


def test_new_user_imports_the_two_filings_and_sees_them_on_the_overview(fresh_db):
    samples = fx.samples_dir()
    at = open_data_page()
    assert at.title[0].value == "Import data"
    at.text_input(key="w_di_folder").input(str(samples)).run()
    no_errors(at)
    assert at.radio(key="w_di_mode").value == "replace"
    at.button(key="w_di_load").click().run()
    no_errors(at)
    assert any("Loaded: 22 loans, 29 performance rows" in s.value for s in at.success)
    assert any("carmax-2026-2 (2 files)" in m.value for m in at.markdown)
    assert any("2026-06 to 2026-07 (2 months)" in m.value for m in at.markdown)
    # The data-health table of the import summary, by file and month (the README of the samples:
    # 14 June records all open; 15 July records, one paid off).
    health = next(d.value for d in at.dataframe if "Closed" in d.value.columns)
    rows = {r.Month: (r.Loans, r.Active, r.Closed) for r in health.itertuples()}
    assert rows == {"2026-06": (14, 14, 0), "2026-07": (15, 14, 1)}

    at.switch_page("app.py").run()
    no_errors(at)
    assert any(i.value.startswith("Imported data: carmax-2026-2 (2 files)") for i in at.info)
    assert at.selectbox(key="w_month").options == ["2026-07", "2026-06"]
    (active,) = sql(fresh_db, "SELECT count(*) FROM performance WHERE status = 'active' "
                              "AND as_of_month = DATE '2026-07-01'")[0]
    assert active == 14  # 15 July records, one paid off
    assert next(m.value for m in at.metric if m.label == "Active loans") == "14"
    assert next(m.value for m in at.metric if m.label == "Outstanding balance").startswith("$")
    at.selectbox(key="w_month").select("2026-06").run()
    no_errors(at)
    assert next(m.value for m in at.metric if m.label == "Active loans") == "14"  # 14 June records, all open


def test_check_only_writes_nothing_and_reports_rows(fresh_db, tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    gbk_csv(folder / "贷后数据_2026-06.csv")
    before = sql(fresh_db, "SELECT count(*), (SELECT value FROM metadata WHERE key = 'loaded_at') FROM loans")
    at = open_data_page()
    at.text_input(key="w_di_folder").input(str(folder)).run()
    no_errors(at)
    assert len(at.get("data_editor")) == 1  # the mapping editor of the one file layout
    at.button(key="w_di_check").click().run()
    no_errors(at)
    assert any("4 rows would load, 0 rows would be rejected" in i.value for i in at.info)
    assert sql(fresh_db, "SELECT count(*), (SELECT value FROM metadata WHERE key = 'loaded_at') FROM loans") == before


def test_bad_folder_and_bad_file_show_messages_not_tracebacks(fresh_db, tmp_path):
    before = sql(fresh_db, "SELECT count(*), (SELECT value FROM metadata WHERE key = 'loaded_at') FROM loans")
    at = open_data_page()
    at.text_input(key="w_di_folder").input(str(tmp_path / "nowhere")).run()
    assert not at.exception
    assert any("does not exist" in e.value for e in at.error)
    (tmp_path / "junk.csv").write_bytes(b"\x00\x01\x02 not a table")
    (tmp_path / "odd.csv").write_text("colour,size\nred,3\n")
    at.text_input(key="w_di_folder").input(str(tmp_path)).run()
    assert not at.exception
    files = at.dataframe[0].value
    assert "is not a text, Excel, Parquet or XML file." in files.to_string()
    assert any("cannot be used yet" in w.value for w in at.warning)  # odd.csv: nothing maps
    at.button(key="w_di_load").click().run()
    assert not at.exception
    assert any("Nothing was loaded; the store is unchanged" in e.value for e in at.error)
    assert sql(fresh_db, "SELECT count(*), (SELECT value FROM metadata WHERE key = 'loaded_at') FROM loans") == before


def test_data_page_in_chinese_with_a_gbk_book(fresh_db, tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    gbk_csv(folder / "贷后数据_2026-06.csv")
    at = open_data_page(lang="zh")
    assert at.title[0].value == i18n.t("data.title", "zh")
    at.text_input(key="w_di_folder").input(str(folder)).run()
    no_errors(at)
    at.button(key="w_di_load").click().run()
    no_errors(at)
    assert any(s.value.startswith("导入完成：贷款 2 笔，表现数据 4 行") for s in at.success)
    assert sql(fresh_db, "SELECT value FROM metadata WHERE key = 'currency'") == [('"CNY"',)]


def test_a_page_says_what_a_source_lacks(fresh_db, monkeypatch):
    """Reg AB II has no contact history: a page that needs it says so instead of failing."""
    from analytics import store
    from analytics.ingest import run_import
    from ui import frame as frame_module

    con = store.open_duckdb(fresh_db)
    run_import(con, [fx.samples_dir() / fx.JUNE])
    meta = {**store.read_metadata(con), **store.describe(con)}
    con.close()
    shown: list[str] = []
    monkeypatch.setattr(frame_module.st, "info", lambda text, **_: shown.append(text))
    ctx = frame_module.PageContext(lang="en", filters=None, data_version="v", meta=meta)
    assert frame_module.needs(ctx, "performance", "loans")
    assert not frame_module.needs(ctx, "actions")
    assert shown == ["This page needs Collection contacts, which the loaded data (carmax-2026-2 (1 file)) does not "
                     "include. Load a source that has it on the Data page."]
