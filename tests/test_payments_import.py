"""Importing a lender's payments file (the optional ``payments`` table, issue 15): Chinese headers
through the command line into a tiny book, the cure curves then read from the payments (worked out
by hand below), bad files refused with the house message and the store version left as it was,
and the same import from the Data page.

The tiny book: five loans A-E, funded 2026-01-10 (due on the 10th), 1,000 due each month,
reporting months 2026-05 to 2026-08, all current at the end of May.

June due date 2026-06-10; payments:
- A pays 1,000 on 06-09, by the due date: not in the June cohort;
- B pays 1,000 on 06-13: cured on day 3;
- C pays 500 on 06-15 and 500 on 06-20: covered on 06-20, day 10;
- D pays 2,000 on 07-15: one more due date (07-10) has passed, so 2 x 1,000 is owed; 2,000
  covers it: day 35 (06-10 -> 07-15);
- E pays nothing: not cured.
So the June cohort is B, C, D, E (4 loans): cured share 0 on days 1-2, 1/4 on days 3-9, 2/4 on
days 10-34, 3/4 on days 35-60. A, B, C pay July and August on 07-08 / 08-08 and D August on 08-08
(before the due dates), so the July and August cohorts are empty. The last month is 2026-08, so
every day up to 60 is covered (06-28 + 60 days is before 08-31).

Before the payments are loaded the curve is the month-end approximation: the June cohort is the
loans current at the end of May and past due at the end of June, D and E (DPD 20); D is back to
DPD 0 at the end of July: cured on day 20 + 31 (June 30 -> July 31) = 51; E never (DPD 51, 82).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import ibis
import pytest

from analytics import store
from analytics.cli import main
from analytics.display import i18n
from analytics.ingest import suggest_mapping
from analytics.metrics import collections as C
from analytics.metrics import ops_cubed as O
from tests.apptest import DATA as DATA_PAGE
from tests.apptest import no_errors, start, switch
from tests.conftest import app_on

MONTHS = ("2026-05", "2026-06", "2026-07", "2026-08")
DPD = {"A": (0, 0, 0, 0), "B": (0, 0, 0, 0), "C": (0, 0, 0, 0), "D": (0, 20, 0, 0), "E": (0, 20, 51, 82)}
PAID = {"A": (1000, 1000, 1000, 1000), "B": (1000, 1000, 1000, 1000), "C": (1000, 1000, 1000, 1000),
        "D": (1000, 0, 2000, 1000), "E": (1000, 0, 0, 0)}
PAYMENTS = """贷款编号,还款时间,还款金额
A,2026-06-09 10:00:00,1000
B,2026-06-13 09:30:00,1000
C,2026-06-15 12:00:00,500
C,2026-06-20 18:45:00,500
D,2026-07-15 11:00:00,"2,000"
A,2026-07-08 10:00:00,1000
B,2026-07-08 10:00:00,1000
C,2026-07-08 10:00:00,1000
A,2026-08-08 10:00:00,1000
B,2026-08-08 10:00:00,1000
C,2026-08-08 10:00:00,¥1000
D,2026-08-08 10:00:00,1000
"""


def write_book(folder: Path) -> Path:
    rows = ["贷款编号,统计月份,放款日期,贷款金额,贷款期限,年利率,逾期天数,本期应还,本期实还,剩余本金"]
    for lid in "ABCDE":
        for i, m in enumerate(MONTHS):
            rows.append(f"{lid},{m},2026-01-10,60000,60,0.06,{DPD[lid][i]},1000,{PAID[lid][i]},{50000 - 1000 * i}")
    path = folder / "book.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def tiny_book(folder: Path) -> Path:
    db = folder / "s.duckdb"
    assert main(["--db", str(db), "import", str(write_book(folder)), "--market", "cn"]) == 0
    return db


def curves(db: Path):
    """The page's cure curves (ops_cubed from the operations cubes, as ui/cache.py reads them)."""
    con = store.open_current(db)
    try:
        t = store.Tables.of(ibis.duckdb.from_connection(con))
        assert t.ops is not None, "operations cubes missing or stale"
        return C.cure_curves(O.cure_day_counts(t.ops).to_pandas(), O.last_month(t.cubes)), t.ops.payments
    finally:
        con.close()


def shares(c, days):
    return {d: float(c.loc[c.day == d, "cured_share"].iloc[0]) for d in days}


def test_suggested_mapping_of_a_payments_file():
    assert suggest_mapping(["贷款编号", "还款时间", "还款金额"]).fields == {
        "loan_id": "贷款编号", "paid_at": "还款时间", "payment_amount": "还款金额"}
    assert suggest_mapping(["Loan ID", "Payment Date", "Amount"]).fields == {
        "loan_id": "Loan ID", "paid_at": "Payment Date", "payment_amount": "Amount"}
    assert suggest_mapping(["合同编号", "入账时间", "payment amount"]).fields == {
        "loan_id": "合同编号", "paid_at": "入账时间", "payment_amount": "payment amount"}
    # In a monthly tape 还款金额 stays the month's amount paid, and a bare "amount" maps nothing.
    assert suggest_mapping(["贷款编号", "统计月份", "逾期天数", "还款金额"]).fields["amount_paid"] == "还款金额"
    assert "payment_amount" not in suggest_mapping(["loan id", "origination date", "amount", "term"]).fields


def test_payments_with_chinese_headers_through_the_cli(tmp_path, capsys):
    db = tiny_book(tmp_path)
    before, with_payments = curves(db)
    assert not with_payments and set(before.method) == {"month_end"}
    assert set(before.cohort) == {2}  # D and E
    assert shares(before, [50, 51, 60]) == {50: 0.0, 51: 0.5, 60: 0.5}
    version = store.current_version(db)

    (tmp_path / "还款流水.csv").write_text(PAYMENTS, encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(tmp_path / "还款流水.csv"), "--mode", "append"]) == 0
    out = capsys.readouterr().out
    assert "payments 12." in out and "months" not in out.split("Loaded into")[1].split("The store")[0]
    assert store.current_version(db) != version  # a new version, switched to atomically
    con = duckdb.connect(str(store.current_file(db)), read_only=True)
    try:
        got = con.execute("SELECT loan_id, strftime(paid_at, '%m-%d %H:%M'), amount FROM payments "
                          "WHERE loan_id IN ('C', 'D')").fetchall()
        meta = store.read_metadata(con)
        stamp = con.execute("SELECT load_id, payments FROM ops_cube_meta").fetchone()
    finally:
        con.close()
    assert sorted(got, key=lambda r: (r[0], r[1])) == [
        ("C", "06-15 12:00", 500.0), ("C", "06-20 18:45", 500.0), ("C", "07-08 10:00", 1000.0),
        ("C", "08-08 10:00", 1000.0), ("D", "07-15 11:00", 2000.0), ("D", "08-08 10:00", 1000.0)]
    assert meta["row_counts"]["payments"] == 12 and meta["row_counts"]["performance"] == 20
    assert stamp == (meta["load_id"], True)  # the operations cubes of the new version, with payments

    after, with_payments = curves(db)
    assert with_payments and set(after.method) == {"payments"}
    assert sorted(set(after.cohort_month.astype(str))) == ["2026-06-01"] and set(after.cohort) == {4}
    assert after.day.max() == 60
    assert shares(after, [1, 2, 3, 9, 10, 34, 35, 60]) == {
        1: 0.0, 2: 0.0, 3: 0.25, 9: 0.25, 10: 0.5, 34: 0.5, 35: 0.75, 60: 0.75}

    # The same file again changes nothing (payments are keyed by loan and time).
    assert main(["--db", str(db), "import", str(tmp_path / "还款流水.csv"), "--mode", "append"]) == 0
    again, _ = curves(db)
    assert again.equals(after)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return tiny_book(tmp_path_factory.mktemp("paybook"))


# Each bad file: the 12 good rows and one bad row (data row 13, line 14 of the file counting the
# header): 1 of 13 rows bad is above the 5% threshold, so the file is refused whole.
BAD = [
    ("Z,2026-06-15 10:00:00,100", "unknown_loan", "贷款编号", "未知贷款"),
    ("A,2026-13-45 25:00,100", "bad_date", "还款时间", "日期无法识别"),
    ("A,2026-06-16 10:00:00,-100", "negative_amount", "还款金额", "金额为负"),
    ("A,2026-06-17 10:00:00,abc", "bad_number", "还款金额", "非数字"),
    ("A,2031-06-17 10:00:00,100", "payment_in_future", "还款时间", "还款时间在未来"),
    # A was funded on 2026-01-10: a payment the day before cannot be its.
    ("A,2026-01-09 10:00:00,100", "payment_before_origination", "还款时间", "还款早于放款"),
]


@pytest.mark.parametrize(("line", "code", "column", "zh_code"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_payments_file_is_refused_and_the_store_version_kept(book, tmp_path, capsys, line, code, column,
                                                                  zh_code):
    bad = tmp_path / "pays_bad.csv"
    bad.write_text(PAYMENTS + line + "\n", encoding="utf-8")
    version, size = store.current_version(book), store.current_file(book).stat().st_size
    capsys.readouterr()
    assert main(["--db", str(book), "import", str(bad), "--mode", "append"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # The house message: file, column, row, what was wrong and what to do.
    assert "Nothing was loaded" in err and "is unchanged" in err
    assert "pays_bad.csv" in err and f"{code} in column {column}" in err and "pays_bad.csv row 14" in err
    assert "See the rejected rows" in err
    assert store.current_version(book) == version and store.current_file(book).stat().st_size == size
    con = duckdb.connect(str(store.current_file(book)), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM payments").fetchone()[0] == 0
    finally:
        con.close()
    # In Chinese too.
    assert main(["--db", str(book), "import", str(bad), "--mode", "append", "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert zh_code in err and column in err and store.current_version(book) == version
    # The reason of the rejected row, in both languages.
    assert i18n.has(f"reason.{code}") and i18n.t(f"reason.{code}", "zh") != i18n.t(f"reason.{code}", "en")


def test_payments_file_from_the_data_page(tmp_path, monkeypatch):
    db = tiny_book(tmp_path)
    folder = tmp_path / "payments"
    folder.mkdir()
    (folder / "还款流水.csv").write_text(PAYMENTS, encoding="utf-8")
    monkeypatch.setenv("COLLECTLENS_IMPORT_ROOTS", os.pathsep.join([str(tmp_path)]))
    with app_on(db, monkeypatch):
        at = start("pages/7_Collections.py")
        no_errors(at)
        assert any("Month-end approximation" in w.value for w in at.warning)
        at = switch(at, DATA_PAGE)
        at.text_input(key="w_di_folder").input(str(folder)).run()
        no_errors(at)
        at.radio(key="w_di_mode").set_value("append").run()
        at.button(key="w_di_load").click().run()
        no_errors(at)
        assert any("12 payments" in s.value for s in at.success), [s.value for s in at.success]
        at = switch(at, "pages/7_Collections.py")
        no_errors(at)
        assert not any("Month-end approximation" in w.value for w in at.warning)
        assert any(str(c.value).startswith(i18n.t("ops.cure.payments", "en")[:40]) for c in at.caption)
