"""File imports: GBK CSV with Chinese headers, Excel, Parquet, the row-level report, the
bad-share threshold, append mode, and failures in the middle of a load.

Fixture files are built here from small frames; every expected value is written out by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics import store
from analytics.cli import main
from analytics.errors import InputError
from analytics.ingest import Mapping, inspect_file, run_import, suggest_mapping
from tests.conftest import build_sample
from tests.file_fixtures import GBK_ROWS, gbk_csv, same, snapshot

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 29)


def db_query(db, sql):
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def do_import(db, files, **kw):
    con = store.open_duckdb(db)
    try:
        return run_import(con, files, today=TODAY, **kw)
    finally:
        con.close()


# ---- GBK CSV with Chinese headers -------------------------------------------------------------

def test_gbk_csv_with_chinese_headers(tmp_path):
    path = gbk_csv(tmp_path / "贷后数据_2026-06.csv")
    src = inspect_file(path)
    assert src.encoding == "gb18030" and src.delimiter == "," and src.flavor == "table"
    mapping = suggest_mapping(list(src.columns))
    assert mapping.fields == {
        "loan_id": "贷款编号", "as_of_month": "统计月份", "origination_date": "放款日期", "original_amount": "贷款金额",
        "term_months": "贷款期限", "apr": "年利率（%）", "days_past_due": "逾期天数", "closing_balance": "剩余本金",
        "status": "贷款状态", "region": "省份", "vehicle_condition": "新车/二手车"}
    assert (mapping.options.market, mapping.options.currency) == ("cn", "CNY")

    db = tmp_path / "s.duckdb"
    report = do_import(db, [path], market="cn")
    assert report.rejected_total == 0 and report.loaded["performance"] == 4 and report.loaded["loans"] == 2
    assert report.files[0].percent["apr"] is True  # 6.5 and 7.2: a percent column
    loans = db_query(db, "SELECT * FROM loans ORDER BY loan_id")
    assert loans.apr.tolist() == pytest.approx([0.065, 0.072])
    assert loans.original_amount.tolist() == [120000.0, 80000.0]  # thousands separators read
    assert loans.region.tolist() == ["广东", "四川"] and loans.vehicle_condition.tolist() == ["new", "used"]
    assert loans.origination_date.tolist() == [pd.Timestamp("2025-11-03"), pd.Timestamp("2024-02-10")]
    perf = db_query(db, "SELECT * FROM performance ORDER BY loan_id, as_of_month")
    assert perf.days_past_due.tolist() == [0, 35, 0, 0]
    assert perf.bucket.tolist() == ["current", "dpd_30_59", "current", "current"]
    assert perf.status.tolist() == ["active", "active", "active", "paid_off"]  # 逾期 is active, 结清 paid off
    assert perf.closing_balance.tolist() == [100000.5, 98000.0, 30000.0, 0.0]  # ￥98,000.00 (full-width yen, as GBK writes it)
    assert perf.months_on_book.tolist() == [6, 7, 27, 28]  # 2025-11 -> 2026-05 is 6 months
    meta = store.read_metadata(duckdb.connect(str(db)))
    assert meta["market"] == "cn" and meta["currency"] == "CNY" and meta["source"] == "贷后数据_2026-06.csv"


def test_utf8_bom_and_semicolons_are_detected(tmp_path):
    path = tmp_path / "perf.csv"
    path.write_bytes("\ufeffLoan ID;As of month;DPD;Ending balance\nA1;2026-06;0;100,5\n".encode())
    src = inspect_file(path)
    assert (src.encoding, src.delimiter) == ("utf-8-sig", ";")
    assert src.columns == ("Loan ID", "As of month", "DPD", "Ending balance")
    assert suggest_mapping(list(src.columns)).fields == {
        "loan_id": "Loan ID", "as_of_month": "As of month", "days_past_due": "DPD", "closing_balance": "Ending balance"}


# ---- Excel and Parquet -------------------------------------------------------------------------

def test_excel_loans_and_parquet_performance(tmp_path):
    loans = pd.DataFrame({
        "Account Number": [10001, 10002],                       # numbers in Excel: ids must not become 10001.0
        "Funding Date": [dt.datetime(2025, 3, 14), dt.datetime(2025, 8, 1)],
        "Amount Financed": [25000.0, 18250.5], "Term": [60, 48], "APR": [0.059, 0.1125],
        "FICO": [712, 640], "State": ["TX", "OH"], "Co-borrower": ["Y", "N"]})
    xlsx = tmp_path / "loans.xlsx"
    loans.to_excel(xlsx, index=False, sheet_name="Loans")
    perf = pa.table({
        "loan_id": pa.array(["10001", "10002", "10001", "10002"]),
        "as_of_month": pa.array([dt.date(2026, 6, 1), dt.date(2026, 6, 1), dt.date(2026, 7, 1), dt.date(2026, 7, 1)]),
        "days_past_due": pa.array([0, 31, 0, 62], pa.int32()),
        "closing_balance": pa.array([20100.0, 15000.25, 19800.0, 15000.25]),
        "status": pa.array(["current", "current", "current", "current"])})
    parquet = tmp_path / "perf.parquet"
    pq.write_table(perf, parquet)

    assert inspect_file(xlsx).format == "excel" and inspect_file(parquet).format == "parquet"
    db = tmp_path / "s.duckdb"
    report = do_import(db, [xlsx, parquet])
    assert report.rejected_total == 0, report.rejected
    got = db_query(db, "SELECT * FROM loans ORDER BY loan_id")
    assert got.loan_id.tolist() == ["10001", "10002"]
    assert got.origination_date.tolist() == [pd.Timestamp("2025-03-14"), pd.Timestamp("2025-08-01")]
    assert got.apr.tolist() == pytest.approx([0.059, 0.1125]) and got.term_months.tolist() == [60, 48]
    assert got.credit_score.tolist() == [712, 640] and got.credit_tier.tolist() == ["prime", "near_prime"]
    assert got.co_borrower.tolist() == [True, False] and got.region.tolist() == ["TX", "OH"]
    p = db_query(db, "SELECT * FROM performance ORDER BY loan_id, as_of_month")
    assert p.bucket.tolist() == ["current", "current", "dpd_30_59", "dpd_60_89"]
    assert p.months_on_book.tolist() == [15, 16, 10, 11]  # 2025-03 -> 2026-06 is 15 months


# ---- validation report -------------------------------------------------------------------------

LOANS_CSV = """loan_id,origination_date,original_amount,term_months,apr
L1,2025-01-15,20000,60,0.06
L2,2025-02-15,15000,48,0.08
L3,2025-03-15,30000,72,1.5
L4,2027-01-01,10000,36,0.05
L5,2025-05-15,12000,,0.07
L6,2025-06-15,18000,60,0.09
"""
# Row numbers as a spreadsheet shows them: the header is row 1.
PERF_CSV = """loan_id,as_of_month,days_past_due,closing_balance,status
L1,2026-05-01,0,19000,active
L1,2026-06-01,0,-5,active
L2,2026-05-01,-3,14000,active
L2,2026-06-13x,0,13800,active
L6,2026-05-01,0,abc,active
L6,2026-06-01,0,17500,active
L6,2026-06-01,0,17400,active
ZZZ,2026-06-01,0,100,active
L3,2026-06-01,0,29000,active
L1,2024-12-01,0,20000,active
L2,2026-07-01,130,0,charged_off
L2,2026-08-01,0,13000,active
,2026-06-01,0,100,active
"""
EXPECTED = {  # (file, row) -> reason code, each worked out from the rows above
    ("loans.csv", 4): "apr_out_of_range", ("loans.csv", 5): "origination_in_future",
    ("loans.csv", 6): "missing_value",
    ("perf.csv", 3): "negative_balance", ("perf.csv", 4): "negative_dpd", ("perf.csv", 5): "bad_date",
    ("perf.csv", 6): "bad_number", ("perf.csv", 7): "duplicate_loan_month", ("perf.csv", 8): "duplicate_loan_month",
    ("perf.csv", 9): "unknown_loan", ("perf.csv", 10): "unknown_loan",  # L3 was rejected (APR 150%)
    ("perf.csv", 11): "month_before_origination", ("perf.csv", 13): "reopened_after_close",
    ("perf.csv", 14): "missing_value",
}


def write_book(folder: Path) -> list[Path]:
    (folder / "loans.csv").write_text(LOANS_CSV)
    (folder / "perf.csv").write_text(PERF_CSV)
    return [folder / "loans.csv", folder / "perf.csv"]


def test_every_bad_row_is_reported_with_its_reason(tmp_path):
    db = tmp_path / "s.duckdb"
    out = tmp_path / "rejected.csv"
    report = do_import(db, write_book(tmp_path), threshold=1.0, rejected_out=out)
    got = {(r.source, r.source_row): r.reason_codes for r in report.rejected.itertuples()}
    assert got == EXPECTED
    # Loaded: the rest, and nothing twice.
    assert db_query(db, "SELECT loan_id FROM loans ORDER BY 1").loan_id.tolist() == ["L1", "L2", "L6"]
    perf = db_query(db, "SELECT loan_id, strftime(as_of_month, '%Y-%m') m, status FROM performance ORDER BY 1, 2")
    assert perf.values.tolist() == [["L1", "2026-05", "active"], ["L2", "2026-07", "charged_off"]]
    # In the store too, with a readable reason and the row exactly as it was in the file.
    stored = db_query(db, "SELECT * FROM rejected_rows WHERE source = 'perf.csv' AND source_row = 6")
    row = stored.iloc[0]
    assert row.columns == "closing_balance" and "'abc' is not a number" in row.reasons
    assert json.loads(row.raw) == {"loan_id": "L6", "as_of_month": "2026-05-01", "days_past_due": "0",
                                   "closing_balance": "abc", "status": "active"}
    reopened = db_query(db, "SELECT reasons FROM rejected_rows WHERE source_row = 13").reasons[0]
    assert "charged_off 2026-07" in reopened
    # The downloadable CSV holds the same rows.
    csv = pd.read_csv(out)
    assert sorted(zip(csv.source, csv.source_row, strict=True)) == sorted(EXPECTED)


def test_a_file_above_the_threshold_is_refused_whole(tmp_path):
    db = build_sample(tmp_path / "s.duckdb", loans=200, seed=3)
    before = snapshot(db)
    report = do_import(db, write_book(tmp_path))  # default threshold 5%
    assert {f.name for f in report.refused} == {"loans.csv", "perf.csv"}
    assert "above the 5% threshold" in report.files[1].problem
    assert "3 of 6 rows (50.0%)" in report.files[0].problem
    assert not report.loaded_anything and same(before, snapshot(db))
    # Every bad row is still in the report, marked as belonging to a refused file.
    assert report.rejected.file_refused.all() and len(report.rejected) == len(EXPECTED)


def test_threshold_counts_rows_per_file(tmp_path):
    rows = ["loan_id,as_of_month,days_past_due,closing_balance,origination_date,original_amount,term_months"]
    rows += [f"A{i},2026-06-01,0,{1000 + i},2025-01-01,5000,36" for i in range(19)]
    rows.append("A99,2026-06-01,-1,1000,2025-01-01,5000,36")  # 1 bad row of 20 = 5%: not above 5%
    (tmp_path / "tape.csv").write_text("\n".join(rows) + "\n")
    report = do_import(tmp_path / "a.duckdb", [tmp_path / "tape.csv"])
    assert not report.refused and report.loaded["performance"] == 19
    report = do_import(tmp_path / "b.duckdb", [tmp_path / "tape.csv"], threshold=0.04)
    assert report.refused and not report.loaded_anything


def test_malformed_line_is_a_rejected_row_and_numbering_stays_right(tmp_path):
    text = ("loan_id,as_of_month,days_past_due,closing_balance,origination_date,original_amount,term_months\n"
            "A1,2026-06-01,0,100,2025-01-01,5000,36\n"
            "A2,2026-06-01,0,100,2025-01-01,5000,36,EXTRA\n"     # row 3: one field too many
            "A3,2026-06-01,0,-100,2025-01-01,5000,36\n")         # row 4: negative balance
    (tmp_path / "m.csv").write_text(text)
    report = do_import(tmp_path / "s.duckdb", [tmp_path / "m.csv"], threshold=1.0)
    got = {r.source_row: r.reason_codes for r in report.rejected.itertuples()}
    assert got == {3: "malformed_line", 4: "negative_balance"}
    assert "A2,2026-06-01" in report.rejected.set_index("source_row").raw[3]
    assert report.loaded["performance"] == 1


@pytest.mark.parametrize("text, month", [("2026/07/31", "2026-07"), ("07/31/2026", "2026-07"),
                                         ("31/07/2026", "2026-07"), ("2026年7月", "2026-07"), ("202607", "2026-07")])
def test_date_formats_are_detected_per_column(tmp_path, text, month):
    (tmp_path / "d.csv").write_text("loan_id,month,dpd,origination_date,original_amount,term_months\n"
                                    f"A1,{text},0,2025-01-01,5000,36\nA2,{text},0,2025-01-01,5000,36\n")
    db = tmp_path / "s.duckdb"
    report = do_import(db, [tmp_path / "d.csv"])
    assert report.rejected_total == 0 and report.months == [month]


# ---- mapping files ------------------------------------------------------------------------------

def test_mapping_json_round_trip_and_an_edited_target(tmp_path):
    (tmp_path / "odd.csv").write_text("Acct,Snapshot,Days Late,Bal_EOM,Opened,Principal,Months\n"
                                      "X1,2026-06-30,12,900,2025-06-01,1000,12\n")
    suggested = suggest_mapping(["Acct", "Snapshot", "Days Late", "Bal_EOM", "Opened", "Principal", "Months"])
    assert "closing_balance" not in suggested.fields  # Bal_EOM is not a name we know
    edited = Mapping.of({**suggested.fields, "loan_id": "Acct", "as_of_month": "Snapshot", "days_past_due": "Days Late",
                         "closing_balance": "Bal_EOM", "origination_date": "Opened", "original_amount": "Principal",
                         "term_months": "Months"}, suggested.options).with_options(pool="Book A")
    again = Mapping.from_json(edited.to_json())
    assert again == edited
    path = tmp_path / "m.json"
    path.write_text(edited.to_json())
    db = tmp_path / "s.duckdb"
    assert main(["--db", str(db), "import", str(tmp_path / "odd.csv"), "--mapping", str(path)]) == 0
    row = db_query(db, "SELECT * FROM performance").iloc[0]
    assert (row.closing_balance, row.days_past_due, row.bucket) == (900.0, 12, "dpd_1_29")
    assert db_query(db, "SELECT pool FROM loans").pool[0] == "Book A"


@pytest.mark.parametrize("text, message", [
    ("{not json", "is not valid JSON"),
    ('{"format": "something"}', "is not a CollectLens mapping"),
    ('{"format": "collectlens-mapping", "version": 1, "columns": {"loan_number": "x"}}', "unknown fields"),
    ('{"format": "collectlens-mapping", "version": 1, "options": {"apr_unit": "basis points"}}', "apr_unit"),
])
def test_bad_mapping_files_are_explained(tmp_path, text, message, capsys):
    (tmp_path / "m.json").write_text(text)
    (tmp_path / "f.csv").write_text("loan_id,as_of_month,days_past_due\nA,2026-06-01,0\n")
    code = main(["--db", str(tmp_path / "s.duckdb"), "import", str(tmp_path / "f.csv"), "--mapping",
                 str(tmp_path / "m.json")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_mapping_lacking_a_required_field_says_which(tmp_path):
    m = Mapping.of({"loan_id": "id", "as_of_month": "month"})
    with pytest.raises(InputError, match="no column is mapped to days_past_due"):
        m.check(["id", "month"], "f.csv")


# ---- loading: append, idempotence, failures -----------------------------------------------------

def july_rows():
    return [("C001", "2026-07", "2025-11-03", "120,000.00", "36", "6.5", "65", "97000", "逾期", "广东", "新车"),
            ("C003", "2026-07", "2026-06-20", "50,000.00", "12", "5.0", "0", "48000", "正常", "湖北", "新车"),
            ("C003", "2026-07", "2026-06-20", "50,000.00", "12", "5.0", "-1", "48000", "正常", "湖北", "新车")]


def test_append_adds_a_month_and_twice_changes_nothing(tmp_path):
    db = tmp_path / "s.duckdb"
    do_import(db, [gbk_csv(tmp_path / "book_2026-06.csv")])
    july = gbk_csv(tmp_path / "book_2026-07.csv", july_rows())
    first = do_import(db, [july], mode="append", threshold=0.5)
    # The C003 row with -1 DPD is rejected; its twin then loads (duplicates are judged among good rows).
    assert first.loaded["performance"] == 2 and first.rejected_total == 1
    after_once = snapshot(db)
    months = db_query(db, "SELECT DISTINCT strftime(as_of_month, '%Y-%m') m FROM performance ORDER BY 1").m
    assert months.tolist() == ["2026-05", "2026-06", "2026-07"]
    assert db_query(db, "SELECT days_past_due FROM performance WHERE loan_id = 'C001' AND as_of_month = "
                        "DATE '2026-07-01'").days_past_due[0] == 65
    do_import(db, [july], mode="append", threshold=0.5)
    after_twice = snapshot(db)
    assert same(after_once, after_twice)
    assert after_once["loaded_at"].value[0] != "" and len(after_twice["rejected"]) == 1
    sources = store.read_metadata(duckdb.connect(str(db)))["sources"]
    assert [s["file"] for s in sources] == ["book_2026-06.csv", "book_2026-07.csv"]


def test_append_replaces_a_whole_month_of_the_same_pool(tmp_path):
    db = tmp_path / "s.duckdb"
    do_import(db, [gbk_csv(tmp_path / "book_2026-06.csv")], pool="servicer")
    # A corrected June file without C002: June of this pool is the file's June.
    do_import(db, [gbk_csv(tmp_path / "fix_2026-06.csv", [GBK_ROWS[1]])], mode="append", pool="servicer")
    june = db_query(db, "SELECT loan_id FROM performance WHERE as_of_month = DATE '2026-06-01'").loan_id
    assert june.tolist() == ["C001"]
    assert db_query(db, "SELECT count(*) n FROM performance WHERE as_of_month = DATE '2026-05-01'").n[0] == 2


def test_append_without_a_pool_never_replaces_a_whole_month(tmp_path):
    """An empty pool matches no other pool (issue 16): only the file's own loan x month rows change."""
    db = tmp_path / "s.duckdb"
    do_import(db, [gbk_csv(tmp_path / "book_2026-06.csv")])
    do_import(db, [gbk_csv(tmp_path / "fix_2026-06.csv", [GBK_ROWS[1]])], mode="append")
    june = db_query(db, "SELECT loan_id FROM performance WHERE as_of_month = DATE '2026-06-01' ORDER BY 1").loan_id
    assert june.tolist() == ["C001", "C002"]


def test_append_refuses_to_mix_with_the_sample_or_another_currency(tmp_path):
    sample = build_sample(tmp_path / "sample.duckdb", loans=100, seed=4)
    with pytest.raises(InputError, match="synthetic sample"):
        do_import(sample, [gbk_csv(tmp_path / "a.csv")], mode="append")
    db = tmp_path / "s.duckdb"
    do_import(db, [gbk_csv(tmp_path / "b.csv")], market="cn")
    with pytest.raises(InputError, match="CNY and these files are in USD"):
        do_import(db, [gbk_csv(tmp_path / "c.csv", july_rows()[:1])], mode="append", currency="USD")


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_injected_failure_mid_load_keeps_earlier_data(tmp_path, monkeypatch, mode):
    db = tmp_path / "s.duckdb"
    do_import(db, [gbk_csv(tmp_path / "book_2026-06.csv")])
    before = snapshot(db)
    real = store._insert

    def failing(con, stage, batch):
        real(con, stage, batch)
        if batch.table == "performance":  # loans already staged, performance just written
            raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        do_import(db, [gbk_csv(tmp_path / "book_2026-07.csv", july_rows()[:2])], mode=mode)
    assert same(before, snapshot(db), skip=())


@pytest.mark.parametrize("mode, hook", [("replace", "_insert"), ("append", "_merge")])
def test_killed_process_mid_load_keeps_earlier_data(tmp_path, mode, hook):
    db = tmp_path / "s.duckdb"
    first = gbk_csv(tmp_path / "book_2026-06.csv")
    do_import(db, [first])
    before = snapshot(db)
    july = gbk_csv(tmp_path / "book_2026-07.csv", july_rows()[:2])
    script = textwrap.dedent(f"""
        import os, signal
        from analytics import store
        from analytics.ingest import run_import
        real = store.{hook}
        def killer(con, *args):
            real(con, *args)
            os.kill(os.getpid(), signal.SIGKILL)
        store.{hook} = killer
        run_import(store.open_duckdb({str(db)!r}), [{str(july)!r}], mode={mode!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == -9, proc.stderr.decode()
    assert same(before, snapshot(db), skip=())


def test_cli_import_exit_codes_and_summary(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    good = gbk_csv(tmp_path / "book_2026-06.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("loan_id,as_of_month,days_past_due,origination_date,original_amount,term_months\n"
                   "A,2026-06-01,-1,2025-01-01,100,12\n")
    assert main(["--db", str(db), "import", str(good), str(bad)]) == 1  # loaded, one file refused
    out = capsys.readouterr().out
    assert "book_2026-06.csv" in out and "refused" in out and "Loaded into" in out
    before = snapshot(db)
    assert main(["--db", str(db), "import", str(bad), "--rejected-out", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "Nothing was loaded" in err and "negative_dpd" in err and "Traceback" not in err
    assert same(before, snapshot(db), skip=())
    assert pd.read_csv(tmp_path / "r.csv").reason_codes.tolist() == ["negative_dpd"]
    assert main(["--db", str(db), "import", str(good), "--check"]) == 0
    assert "Check only" in capsys.readouterr().out and same(before, snapshot(db), skip=())


def test_cli_in_a_subprocess_with_a_folder(tmp_path):
    """As a user runs it: a folder of monthly files, then the mapping command."""
    folder = tmp_path / "in"
    folder.mkdir()
    gbk_csv(folder / "book_2026-06.csv")
    db = tmp_path / "s.duckdb"
    r = subprocess.run([sys.executable, "-m", "analytics", "--db", str(db), "import", str(folder), "--market", "cn"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "loans 2, performance 4" in r.stdout
    r = subprocess.run([sys.executable, "-m", "analytics", "mapping", str(folder / "book_2026-06.csv"), "--out",
                        str(tmp_path / "m.json")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert Mapping.load(tmp_path / "m.json").fields["days_past_due"] == "逾期天数"


def test_contacts_and_restructures_files_with_chinese_words(tmp_path):
    (tmp_path / "loans.csv").write_text("贷款编号,放款日期,贷款金额,贷款期限,年利率\n"
                                        "C1,2025-01-10,100000,36,0.06\nC2,2025-02-10,80000,24,0.07\n")
    (tmp_path / "contacts.csv").write_text(
        "贷款编号,催收时间,催收方式,催收结果,催收成本,催收时逾期天数\n"
        "C1,2026-06-03 10:15:00,短信,未接通,0.05,-3\n"          # a reminder before the due date: DPD -3 is fine
        "C1,2026-06-05 14:00:00,智能语音,承诺还款,0.2,2\n"
        "C2,2026-06-05 14:00:00,电话,投诉,2.5,35\n"
        "C9,2026-06-05 14:00:00,电话,投诉,2.5,35\n"             # row 5: no such loan
        "C2,2026-06-07 09:00:00,飞鸽传书,已联系,1,40\n")         # row 6: not a channel we know
    (tmp_path / "restructures.csv").write_text(
        "贷款编号,生效月份,重组类型,展期月数,调整前月供,调整后月供\n"
        "C1,2026-05,展期,6,3042.19,2600.50\nC2,2026-04,延期还款,2,3585.00,3585.00\n"
        "C2,2024-01,展期,3,3585.00,3000\n")                     # row 4: before the loan existed
    db = tmp_path / "s.duckdb"
    report = do_import(db, [tmp_path / n for n in ("loans.csv", "contacts.csv", "restructures.csv")], threshold=1.0)
    got = {(r.source, r.source_row): (r.reason_codes, r.columns) for r in report.rejected.itertuples()}
    assert got == {("contacts.csv", 5): ("unknown_loan", "贷款编号"), ("contacts.csv", 6): ("bad_category", "催收方式"),
                   ("restructures.csv", 4): ("month_before_origination", "生效月份")}
    actions = db_query(db, "SELECT channel, outcome, dpd_at_action, cost FROM actions ORDER BY action_time, loan_id")
    assert actions.values.tolist() == [["sms", "no_contact", -3, 0.05], ["ai_voice", "promise_to_pay", 2, 0.2],
                                       ["agent_call", "complaint", 35, 2.5]]
    mods = db_query(db, "SELECT loan_id, strftime(effective_month, '%Y-%m') m, kind, months_extended, payment_after "
                        "FROM restructures ORDER BY loan_id")
    assert mods.values.tolist() == [["C1", "2026-05", "extension", 6, 2600.5], ["C2", "2026-04", "deferral", 2, 3585.0]]
