"""Plausibility rules (analytics/ingest/plausibility.py): for each, one file that trips it and one
that does not; the data-health table worked out by hand.

Books are written here as plain CSV (loan facts and monthly rows in one file, mapped from the
headers), so each expected outcome follows from the rows as written.
"""

from __future__ import annotations

import csv
import datetime as dt
import re

import duckdb
import pytest

from analytics.ingest import run_import
from tests import test_ingest_tape as tape

TODAY = dt.date(2026, 11, 30)
HEADER = ["loan_id", "origination_date", "original_amount", "term_months", "apr", "as_of_month", "days_past_due",
          "closing_balance", "status"]
MONTHS = [f"2026-0{m}" for m in range(1, 7)]


def book(n_loans: int = 20, months=MONTHS, edit=None) -> list[list[str]]:
    """Active loans of 10,000 at 1% DPD-free amortisation; ``edit(loan, k, row)`` changes row k."""
    rows = []
    for i in range(n_loans):
        for k, m in enumerate(months):
            row = [f"L{i:03d}", "2025-06-15", "10000", "48", "0.08", m, "0", f"{10000 - 200 * (k + 1)}", "active"]
            if edit:
                row = edit(i, k, row)
            if row is not None:
                rows.append(row)
    return rows


def load(tmp_path, rows, name="book.csv", threshold=0.3):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    con = duckdb.connect()
    return con, run_import(con, [path], threshold=threshold, today=TODAY)


def assert_zh(f, column: str, *facts: str) -> None:
    """The refusal in Chinese names the column and the counts, and has no English word beyond the
    column name (the Data page shows it to a Chinese reader; the CLI keeps ``problem`` in English)."""
    zh = f.problem_text("zh")
    assert column in zh, zh
    for fact in facts:
        assert fact in zh, (fact, zh)
    assert not re.findall(r"[A-Za-z]{2,}", zh.replace(column, "")), zh
    assert f.problem_text("en") == f.problem


def codes(report) -> dict[str, int]:
    return dict(zip(report.reasons.code, report.reasons.rows, strict=True)) if not report.reasons.empty else {}


# ---- row rules ---------------------------------------------------------------------------------

def test_closed_with_balance_rejects_rows(tmp_path):
    # Loans 0-2 say paid off in the last month but keep 8,800 of balance: three rows rejected.
    def edit(i, k, row):
        if i < 3 and k == 5:
            row[8] = "paid_off"
        return row
    con, report = load(tmp_path, book(edit=edit))
    assert codes(report) == {"closed_with_balance": 3}
    assert not report.files[0].refused
    assert con.execute("SELECT count(*) FROM performance WHERE status = 'paid_off'").fetchone()[0] == 0


def test_closed_with_zero_balance_is_fine(tmp_path):
    # Loans 0, 1, 2 pay off (zero balance) in months 4, 5, 6 and are not reported after.
    def edit(i, k, row):
        if i < 3 and k == 3 + i:
            row[7], row[8] = "0", "paid_off"
        return None if i < 3 and k > 3 + i else row
    con, report = load(tmp_path, book(edit=edit))
    assert codes(report) == {}
    assert con.execute("SELECT count(*) FROM performance WHERE status = 'paid_off'").fetchone()[0] == 3


def test_balance_far_above_original_rejects_row(tmp_path):
    # 25,000 owed on 10,000 financed: 2.5 times, above the 1.5 bound.
    def edit(i, k, row):
        if i == 4 and k == 2:
            row[7] = "25000"
        return row
    _con, report = load(tmp_path, book(edit=edit))
    assert codes(report) == {"balance_above_original": 1}
    assert report.rejected.iloc[0]["source_row"] == 4 * 6 + 2 + 2   # header is row 1


def test_balance_slightly_above_original_is_fine(tmp_path):
    # 11,000 on 10,000: capitalised interest on a deferral, within the bound.
    def edit(i, k, row):
        if i == 4 and k == 2:
            row[7] = "11000"
        return row
    _con, report = load(tmp_path, book(edit=edit))
    assert codes(report) == {}


# ---- file rules --------------------------------------------------------------------------------

def test_every_loan_closed_first_month_refuses_file(tmp_path):
    # 12 loans, one month, every one paid off at a zero balance: 12 of 12 closed at first sight.
    def edit(i, k, row):
        row[7], row[8] = "0", "paid_off"
        return row
    con, report = load(tmp_path, book(12, ["2026-06"], edit))
    f = report.files[0]
    assert f.refused and "12 of 12 loans" in f.problem and "status" in f.problem
    assert_zh(f, "status", "12 笔贷款中有 12 笔", "100%")
    assert not report.loaded_anything


def test_some_loans_closed_first_month_is_fine(tmp_path):
    def edit(i, k, row):
        if i < 2:
            row[7], row[8] = "0", "paid_off"
        return row
    con, report = load(tmp_path, book(12, ["2026-06"], edit))
    assert not report.files[0].refused
    assert con.execute("SELECT count(*) FROM performance").fetchone()[0] == 12


def test_payoff_jump_refuses_file(tmp_path):
    # Months 1-5: no payoffs. Month 6: 15 of 20 loans paid off (75%), far above 0% + 10 points.
    def edit(i, k, row):
        if k == 5 and i < 15:
            row[7], row[8] = "0", "paid_off"
        return row
    _con, report = load(tmp_path, book(edit=edit))
    f = report.files[0]
    assert f.refused and "payoff share jumps to 75.0% in 2026-06" in f.problem and "status" in f.problem
    assert_zh(f, "status", "结清占比在 2026-06 跃升至 75.0%", "其他 5 个月最高为 0.0%")


def test_steady_payoffs_are_fine(tmp_path):
    # One loan pays off each month (5% of 20): no month stands out.
    def edit(i, k, row):
        if i == k:
            row[7], row[8] = "0", "paid_off"
        return row if not (i < k) else None
    con, report = load(tmp_path, book(edit=edit))
    assert not report.files[0].refused, report.files[0].problem
    assert con.execute("SELECT count(*) FROM performance WHERE status = 'paid_off'").fetchone()[0] == 6


def test_delinquency_jump_refuses_file(tmp_path):
    # Months 1-5: loan 0 alone is 30+ (1 of 20 = 5%); month 6: 12 of 20 at 45 DPD (60%).
    def edit(i, k, row):
        if (i == 0) or (k == 5 and i < 12):
            row[6] = "45"
        return row
    _con, report = load(tmp_path, book(edit=edit))
    f = report.files[0]
    assert f.refused and "30+ share of active loans jumps to 60.0% in 2026-06" in f.problem
    assert "days_past_due" in f.problem
    # Months 1-5: 1 of 20 = 5.0% (the highest of the others); month 6: 12 of 20 = 60.0%.
    assert_zh(f, "days_past_due", "逾期30天以上的占比在 2026-06 跃升至 60.0%", "最高为 5.0%")


def test_modifications_on_most_loans_refuse_tape(tmp_path):
    # The shape: a code on every loan (here 98, "other") - 14 of 14 loans modified.
    path = tmp_path / "carmax-2026-2_2026-06.csv"
    tape.write_tape(path, "nan")
    text = path.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([text[0]]))
    col = header.index("modificationTypeCode")
    rows = [next(csv.reader([line])) for line in text[1:]]
    for r in rows:
        r[col] = "98.0"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    con = duckdb.connect()
    report = run_import(con, [path], today=TODAY)
    f = report.files[0]
    assert f.refused and f.problem.startswith("was refused as not plausible: modificationTypeCode: 14 of 14 loans")
    assert_zh(f, "modificationTypeCode", "14 笔贷款中的 14 笔（100%）", "2026-06")


def test_more_restructures_than_loans_refuses_file(tmp_path):
    loans = tmp_path / "loans.csv"
    loans.write_text("loan_id,origination_date,original_amount,term_months\n"
                     + "".join(f"L{i},2025-01-10,9000,36\n" for i in range(10)), encoding="utf-8")
    restr = tmp_path / "restructures.csv"
    # 12 restructures of 10 loans (loans 0 and 1 twice, in different months).
    restr.write_text("loan_id,effective_month,kind\n" + "".join(
        f"L{i},2026-0{m},extension\n" for i, m in [(i, 1) for i in range(10)] + [(0, 3), (1, 4)]), encoding="utf-8")
    con = duckdb.connect()
    report = run_import(con, [loans, restr], today=TODAY)
    bad = {f.name: f for f in report.files}["restructures.csv"]
    assert bad.refused and "12 restructures for 10 loans" in bad.problem
    assert_zh(bad, "kind", "10 笔贷款对应 12 笔重组")
    assert not {f.name: f for f in report.files}["loans.csv"].refused


def test_fewer_restructures_than_loans_is_fine(tmp_path):
    loans = tmp_path / "loans.csv"
    loans.write_text("loan_id,origination_date,original_amount,term_months\n"
                     + "".join(f"L{i},2025-01-10,9000,36\n" for i in range(4)), encoding="utf-8")
    restr = tmp_path / "restructures.csv"
    restr.write_text("loan_id,effective_month,kind\nL0,2026-01,extension\nL1,2026-03,deferral\n", encoding="utf-8")
    con = duckdb.connect()
    report = run_import(con, [loans, restr], today=TODAY)
    assert not report.refused
    assert con.execute("SELECT count(*) FROM restructures").fetchone()[0] == 2


def test_checks_can_be_switched_off(tmp_path):
    def edit(i, k, row):
        row[7], row[8] = "0", "paid_off"
        return row
    path = tmp_path / "book.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *book(12, ["2026-06"], edit)])
    report = run_import(duckdb.connect(), [path], today=TODAY, plausibility_checks=False)
    assert not report.refused


# ---- the data-health table ---------------------------------------------------------------------

@pytest.mark.parametrize("na", ["", "nan"])
def test_health_table_of_republished_tape(tmp_path, na):
    path = tmp_path / "carmax-2026-2_2026-06.csv"
    tape.write_tape(path, na)
    # By hand from the rows as written: the paid-off loan is the only closed one; active balance is
    # the sum of the end balances of the other 13 rows.
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    active = [r for r in rows if r["zeroBalanceCode"] in ("", "nan")]
    balance = sum(float(r["reportingPeriodActualEndBalanceAmount"]) for r in active)
    report = run_import(duckdb.connect(), [path], today=TODAY)
    h = report.health
    assert len(h) == 1
    row = h.iloc[0]
    assert (row.month, row.loans, row.active, row.closed, row.dpd30, row.dpd60) == ("2026-06", 14, 13, 1, 2, 1)
    assert row.balance == pytest.approx(balance, abs=0.005)
    assert len(active) == 13


def test_cli_import_prints_the_refusal_in_the_chosen_language(tmp_path, capsys):
    from analytics.cli import main

    def edit(i, k, row):
        row[7], row[8] = "0", "paid_off"
        return row
    path = tmp_path / "book.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(book(12, ["2026-06"], edit))
    db = tmp_path / "store.duckdb"
    assert main(["--db", str(db), "import", str(path), "--check"]) == 0
    out = capsys.readouterr().out
    assert "status: 12 of 12 loans (100%) are closed" in out and "Data health" in out
    assert main(["--db", str(db), "import", str(path), "--check", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "status：12 笔贷款中有 12 笔（100%）在首个报告月即已结束" in out and "数据体检" in out


def test_health_counts_a_closure_once_when_recovery_rows_follow(tmp_path):
    # Loan L000 is charged off in 2026-03 and keeps two rows for its recovery (04, 05: zero balance,
    # the same status); L001 pays off in 2026-05. By hand, closures per month: 03 -> 1 (L000),
    # 04 -> 0, 05 -> 1 (L001), 06 -> 0. Active: 20 loans in 01-02, 19 in 03-04, 18 in 05-06.
    def edit(i, k, row):
        if i == 0 and k >= 2:
            row[6], row[7], row[8] = "125", "0", "charged_off"
            return row if k <= 4 else None
        if i == 1 and k >= 4:
            row[7], row[8] = "0", "paid_off"
            return row if k == 4 else None
        return row

    _, report = load(tmp_path, book(edit=edit))
    h = report.health.set_index("month")
    assert h["closed"].to_dict() == {"2026-01": 0, "2026-02": 0, "2026-03": 1, "2026-04": 0, "2026-05": 1,
                                     "2026-06": 0}
    assert h["active"].to_dict() == {"2026-01": 20, "2026-02": 20, "2026-03": 19, "2026-04": 19, "2026-05": 18,
                                     "2026-06": 18}
