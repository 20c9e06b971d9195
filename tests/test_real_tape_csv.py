"""A second real Reg AB II auto tape, in CSV as a third party republished it: World Omni Financial's
July 2020 asset-level filing (World Omni Auto Receivables Trust 2020-A, SEC EDGAR
https://www.sec.gov/Archives/edgar/data/1083199/000110465920101638/wosat2020aaex102jul20upsize.xml),
as Consumer Reports published it for its 2021 auto-loan investigation: repository
consumerreports/auto-loan-investigation-2021, path "WORLD OMNI FINANCIAL CORP.csv" (commit 995364b).
7,572 loans, one reporting period, written by R: empty codes as ``NA``, indicators ``true/false``,
repeated elements as ``modificationTypeCode.1``, and 18-digit asset numbers that R stored as
floating point, so distinct loans share rounded ids. This is the tape of issue 13.

The file is public (an SEC filing) but is not kept in this repository: data fetched from public
repositories lives only in the team's shared folder, at
``shared/samples/regab2_csv/worldomni-wosat-2020-a_2020-07.csv`` (the file as published, renamed).

Expected figures come from the file read with the csv module alone (:func:`independent_figures`),
not from the importer.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import duckdb
import pytest

from analytics import config
from analytics.ingest import run_import

NAME = "worldomni-wosat-2020-a_2020-07.csv"
TODAY = dt.date(2026, 11, 30)
BANDS = ((0, 0, "current"), (1, 29, "dpd_1_29"), (30, 59, "dpd_30_59"), (60, 89, "dpd_60_89"),
         (90, 119, "dpd_90_119"), (120, 10**6, "dpd_120_plus"))


@pytest.fixture(scope="module")
def tape():
    path = config.REGAB2_CSV_SAMPLES_DIR / NAME
    if not path.is_file():
        pytest.skip(f"the World Omni tape is not in the shared folder ({path}); see this module's docstring")
    return path


def independent_figures(path) -> dict:
    """Counts and sums read from the CSV with the csv module, by the Reg AB II definitions:
    a loan is closed when it has a zero-balance code or a zero end balance; DPD is
    currentDelinquencyStatus (days); a modification is a modificationTypeCode other than NA."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    na = {"", "NA"}
    active = [r for r in rows if r["zeroBalanceCode"] in na and float(r["reportingPeriodActualEndBalanceAmount"]) != 0]
    dpd = [int(r["currentDelinquencyStatus"]) for r in active]
    bands = Counter(name for d in dpd for lo, hi, name in BANDS if lo <= d <= hi)
    mods = [r for r in rows if r["modificationTypeCode"] not in na]
    return {
        "rows": len(rows), "ids": len({r["assetNumber"] for r in rows}), "active": len(active),
        "closed": len(rows) - len(active), "dpd30": sum(d >= 30 for d in dpd), "dpd60": sum(d >= 60 for d in dpd),
        "balance": sum(float(r["reportingPeriodActualEndBalanceAmount"]) for r in active), "bands": dict(bands),
        "mod_codes": Counter(r["modificationTypeCode"] for r in mods),
        "months_extended": sum(int(r["paymentExtendedNumber"]) for r in mods if r["paymentExtendedNumber"] not in na),
        "months": {r["reportingPeriodEndingDate"] for r in rows},
    }


def test_tape_as_published_is_refused_naming_the_rounded_ids(tape):
    expected = independent_figures(tape)
    con = duckdb.connect()
    report = run_import(con, [tape], today=TODAY)
    f = report.files[0]
    assert f.flavor == "regab2" and f.refused
    assert "assetNumber" in f.problem and "floating point" in f.problem and "duplicate_loan_month" in f.problem
    # The data-health table shows the file as read, so the user sees what was refused.
    (h,) = report.health.itertuples()
    assert (h.month, h.loans, h.active, h.closed, h.dpd30, h.dpd60) == (
        "2020-07", expected["ids"], expected["active"], expected["closed"], expected["dpd30"], expected["dpd60"])
    assert h.balance == pytest.approx(expected["balance"], abs=0.01)
    assert h.refused


def test_tape_loads_with_row_ids_and_matches_independent_figures(tape):
    expected = independent_figures(tape)
    assert expected["months"] == {"07-31-2020"} and expected["mod_codes"] == {"4": 47}
    con = duckdb.connect()
    report = run_import(con, [tape], today=TODAY, row_ids=True)
    assert not report.refused and report.rejected_total == 0
    assert con.execute("SELECT count(*), count(DISTINCT loan_id) FROM loans").fetchone() == (expected["rows"],) * 2
    got = dict(con.execute("SELECT bucket, count(*) FROM performance WHERE status = 'active' GROUP BY 1").fetchall())
    assert got == expected["bands"]
    n_active, balance = con.execute(
        "SELECT count(*), sum(closing_balance) FROM performance WHERE status = 'active'").fetchone()
    assert n_active == expected["active"]
    assert balance == pytest.approx(expected["balance"], abs=0.01)
    # Code 4 (payment extension) is a deferral; months extended from paymentExtendedNumber.
    assert con.execute("SELECT kind, count(*), sum(months_extended) FROM restructures GROUP BY 1").fetchall() == [
        ("deferral", 47, expected["months_extended"])]
    (h,) = report.health.itertuples()
    assert (h.loans, h.active, h.dpd30, h.dpd60) == (expected["rows"], expected["active"], expected["dpd30"],
                                                     expected["dpd60"])
