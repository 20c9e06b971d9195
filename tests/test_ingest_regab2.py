"""Reg AB II import on the real CarMax 2026-2 excerpts, values read by hand from the XML.

The expected numbers below were read from the filings themselves (opened in an editor), not
computed by the importer: each comment names the element they come from.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from analytics.errors import InputError
from analytics.ingest import regab2_xml, run_import
from analytics.metrics import portfolio
from tests import regab2_fixture as fx

TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def samples():
    return fx.samples_dir()


@pytest.fixture(scope="module")
def imported(samples, tmp_path_factory):
    """Both real months imported into a fresh store (replace mode)."""
    db = tmp_path_factory.mktemp("regab2") / "store.duckdb"
    con = store.open_duckdb(db)
    report = run_import(con, [samples / fx.JUNE, samples / fx.JULY], today=TODAY)
    con.close()
    return db, report


def query(db, sql, *params):
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def loan(db, asset):
    return query(db, "SELECT * FROM loans WHERE loan_id = ?", asset).iloc[0]


def perf(db, asset, month):
    return query(db, "SELECT * FROM performance WHERE loan_id = ? AND as_of_month = ?", asset,
                 dt.date.fromisoformat(month)).iloc[0]


def test_both_months_load_without_rejections(imported):
    db, report = imported
    assert [f.rows for f in report.files] == [14, 15]  # 14 and 15 <assets> records (README)
    assert report.rejected_total == 0 and not report.refused
    assert report.months == ["2026-06", "2026-07"]
    counts = query(db, "SELECT (SELECT count(*) FROM loans) l, (SELECT count(*) FROM performance) p").iloc[0]
    assert (counts.l, counts.p) == (22, 29)  # 14 + 15 - 7 loans in both months; 14 + 15 loan-months
    meta = store.read_metadata(duckdb.connect(str(db)))
    assert meta["pools"] == ["carmax-2026-2"] and meta["market"] == "us" and meta["currency"] == "USD"
    assert "carmax-2026-2" in meta["source"] and meta["source"] != "sample"


def test_loan_values_match_the_filing(imported):
    db, _ = imported
    a = loan(db, "+JvhGfqaCSntQUZDQMFDyw==")
    assert a.pool == "carmax-2026-2"
    assert a.origination_date == pd.Timestamp("2025-12-01")    # <originationDate>12/2025
    assert a.original_amount == pytest.approx(11234.86)         # <originalLoanAmount>
    assert a.term_months == 67                                  # <originalLoanTerm>
    assert a.apr == pytest.approx(0.0534)                       # <originalInterestRatePercentage>
    assert a.credit_score == 867 and a.credit_tier == "super_prime"  # <obligorCreditScore>867
    assert a.pti == pytest.approx(0.0241)                       # <paymentToIncomePercentage>
    assert a.region == "GA"                                     # <obligorGeographicLocation>
    assert a.vehicle_condition == "used" and a.vehicle_type == "suv"  # codes 2 and 3
    assert a.vehicle_value == pytest.approx(23998.00)
    assert a.ltv == pytest.approx(round(11234.86 / 23998.00, 4))
    assert not a.co_borrower and not a.income_verified          # coObligorIndicator false, level 2

    b = loan(db, "Q2eQMl8gwSL37EKbpOP5oQ==")
    assert b.credit_score == 800.5                              # half points are filed as such
    assert b.co_borrower and b.region == "NC" and b.apr == pytest.approx(0.0524)
    c = loan(db, "9VoOFKmmdmYAjpHKGmS2LA==")
    assert c.vehicle_type == "sedan" and c.apr == pytest.approx(0.1489) and c.region == "CA"  # type code 1
    assert loan(db, "PoUpWAMS0KR2KFKEAivEyQ==").credit_tier == "near_prime"  # score 654.5


def test_performance_values_match_the_filing(imported):
    db, _ = imported
    june = perf(db, "+JvhGfqaCSntQUZDQMFDyw==", "2026-06-01")
    assert june.opening_balance == pytest.approx(10662.48)     # reportingPeriodBeginningLoanBalanceAmount
    assert june.closing_balance == pytest.approx(10513.58)     # reportingPeriodActualEndBalanceAmount
    assert june.scheduled_payment == pytest.approx(196.82)     # reportingPeriodScheduledPaymentAmount
    assert june.amount_paid == pytest.approx(197.26)           # totalActualAmountPaid
    assert june.days_past_due == 0 and june.status == "active" and june.months_on_book == 6  # 12/2025 -> 06/2026
    july = perf(db, "+JvhGfqaCSntQUZDQMFDyw==", "2026-07-01")
    assert july.opening_balance == pytest.approx(10513.58) and july.closing_balance == pytest.approx(10362.46)

    late_june = perf(db, "e962YCmOcgl4XNHXnGAe/w==", "2026-06-01")
    late_july = perf(db, "e962YCmOcgl4XNHXnGAe/w==", "2026-07-01")
    assert (late_june.days_past_due, late_july.days_past_due) == (5, 6)  # currentDelinquencyStatus
    assert late_june.bucket == late_july.bucket == "dpd_1_29"
    assert late_july.closing_balance == pytest.approx(17541.19) and late_july.amount_paid == pytest.approx(362.00)

    unpaid = perf(db, "Q2eQMl8gwSL37EKbpOP5oQ==", "2026-06-01")
    assert unpaid.amount_paid == 0 and unpaid.days_past_due == 0  # paid nothing, filed as 0 DPD

    # Paid off in July: zeroBalanceCode 1, end balance 0.00, currentDelinquencyStatus left out.
    paid = perf(db, "CqW+ObzooxdcvZIW/loatg==", "2026-07-01")
    assert paid.status == "paid_off" and paid.days_past_due == 0 and paid.closing_balance == 0
    assert paid.opening_balance == pytest.approx(28121.06) and paid.amount_paid == pytest.approx(28178.18)
    assert paid.months_on_book == 10 and pd.isna(paid.scheduled_payment)  # 09/2025; element absent


def test_loans_in_both_months_give_transitions(imported):
    db, _ = imported
    moves = query(db, """
        SELECT a.bucket AS from_bucket, b.bucket AS to_bucket, count(*) AS n
        FROM performance a JOIN performance b ON b.loan_id = a.loan_id AND b.as_of_month = DATE '2026-07-01'
        WHERE a.as_of_month = DATE '2026-06-01' GROUP BY ALL ORDER BY n DESC""")
    # Seven loans are in both files: six current in both months, e962... at 5 then 6 DPD.
    assert moves.to_dict("records") == [{"from_bucket": "current", "to_bucket": "current", "n": 6},
                                        {"from_bucket": "dpd_1_29", "to_bucket": "dpd_1_29", "n": 1}]


def test_overview_kpis_on_the_imported_months(imported):
    db, _ = imported
    import ibis

    con = duckdb.connect(str(db))
    try:
        kpis = portfolio.monthly_kpis_wide(ibis.duckdb.from_connection(con).table("performance")).to_pandas()
    finally:
        con.close()
    july = kpis[kpis.as_of_month == pd.Timestamp("2026-07-01")].iloc[0]
    # July end balances of the 14 loans still open (CqW+... paid off), read from the filing.
    balances = [20019.83, 21359.49, 17541.19, 23418.87, 24286.71, 18017.19, 18264.40, 21408.27, 10362.46,
                20247.47, 18622.07, 30233.14, 27122.35, 16601.77]
    assert july.active_loans == 14
    assert july.outstanding_balance == pytest.approx(sum(balances))
    assert july.dpd30_rate_count == 0


# ---- edited records: the rules a real filing exercises only sometimes -------------------------

def import_records(tmp_path, recs, name="deal-1_2026-07.xml", prefix=None):
    path = fx.write(tmp_path, name, recs, prefix)
    db = tmp_path / f"{name}.duckdb"
    con = store.open_duckdb(db)
    report = run_import(con, [path], today=TODAY)
    con.close()
    return db, report


def test_every_value_of_repeating_elements_is_kept(samples, tmp_path):
    base = fx.record(samples / fx.JUNE, "+JvhGfqaCSntQUZDQMFDyw==")
    rec = fx.edit(base, zeroBalanceCode=["1", "4"], modificationTypeCode=["3", "4"], paymentExtendedNumber="2",
                  reportingPeriodModificationIndicator="true", chargedoffPrincipalAmount="10513.58",
                  reportingPeriodActualEndBalanceAmount="0.00", currentDelinquencyStatus=None)
    parsed = next(regab2_xml.iter_records(__import__("io").BytesIO(fx.filing([rec]).encode()), "x"))
    assert parsed["zeroBalanceCode"] == ["1", "4"] and parsed["modificationTypeCode"] == ["3", "4"]
    assert parsed["subvented"] == ["0"]

    db, report = import_records(tmp_path, [rec])
    assert report.rejected_total == 0
    row = perf(db, "+JvhGfqaCSntQUZDQMFDyw==", "2026-06-01")
    # Code 4 (charged off) is the second value: it must not be lost behind the first (1).
    assert row.status == "charged_off" and row.charge_off_amount == pytest.approx(10513.58)
    assert row.days_past_due == 120  # DPD left out for the closed loan: the charge-off convention
    mods = query(db, "SELECT * FROM restructures ORDER BY kind")
    assert mods.kind.tolist() == ["deferral", "extension"]  # code 4 payment extension, code 3 term
    assert mods.months_extended.tolist() == [2, 2]
    assert (mods.effective_month == pd.Timestamp("2026-06-01")).all()
    assert mods.payment_before.tolist() == pytest.approx([196.82] * 2)  # reportingPeriodScheduledPaymentAmount
    assert mods.payment_after.tolist() == pytest.approx([197.26] * 2)   # nextReportingPeriodPaymentAmountDue
    assert mods.apr_after.tolist() == pytest.approx([0.0534] * 2)       # nextInterestRatePercentage


@pytest.mark.parametrize("changes, status, dpd, recovery", [
    # Charged off, issuer still counting days: the count is kept.
    ({"zeroBalanceCode": "4", "currentDelinquencyStatus": "150", "chargedoffPrincipalAmount": "9000.00",
      "recoveredAmount": "250.00"}, "charged_off", 150, 250.0),
    # Charged off, issuer files 0 for closed loans: 120 (the usual charge-off point).
    ({"zeroBalanceCode": "4", "currentDelinquencyStatus": "0"}, "charged_off", 120, None),
    # Repossessed, with sale proceeds and other recoveries.
    ({"repossessedIndicator": "true", "repossessedProceedsAmount": "9000.00", "recoveredAmount": "500.00",
      "currentDelinquencyStatus": "95"}, "repossessed", 95, 9500.0),
    # Prepaid (code 1) while filed 30 days late: a paid-off loan owes nothing.
    ({"zeroBalanceCode": "1", "currentDelinquencyStatus": "30", "reportingPeriodActualEndBalanceAmount": "0.00"},
     "paid_off", 0, None),
])
def test_closed_loan_conventions(samples, tmp_path, changes, status, dpd, recovery):
    rec = fx.edit(fx.record(samples / fx.JULY, "MEj7OyyYN8Vuo/LgcXz06w=="), **changes)
    db, report = import_records(tmp_path, [rec])
    assert report.rejected_total == 0
    row = perf(db, "MEj7OyyYN8Vuo/LgcXz06w==", "2026-07-01")
    assert (row.status, row.days_past_due) == (status, dpd)
    assert (pd.isna(row.recovery_amount) if recovery is None else row.recovery_amount == pytest.approx(recovery))


@pytest.mark.parametrize("score, score_type", [("0", "Bureau"), ("None", "Bureau"), ("", "Bureau"),
                                               ("700", "None"), ("NA", "Bureau")])
def test_no_score_markers_give_a_missing_score(samples, tmp_path, score, score_type):
    rec = fx.edit(fx.record(samples / fx.JULY, "MEj7OyyYN8Vuo/LgcXz06w=="), obligorCreditScore=score,
                  obligorCreditScoreType=score_type)
    db, report = import_records(tmp_path, [rec])
    assert report.rejected_total == 0
    row = loan(db, "MEj7OyyYN8Vuo/LgcXz06w==")
    assert pd.isna(row.credit_score) and row.credit_tier is None


def test_payment_to_income_in_percent_is_read_as_a_fraction(samples, tmp_path):
    recs = []
    for rec in fx.records(samples / fx.JUNE):
        pti = float(fx.re.search(r"<paymentToIncomePercentage>([^<]+)<", rec).group(1))
        recs.append(fx.edit(rec, paymentToIncomePercentage=f"{pti * 100:.2f}"))
    db, _ = import_records(tmp_path, recs, name="deal-2_2026-06.xml")
    assert loan(db, "+JvhGfqaCSntQUZDQMFDyw==").pti == pytest.approx(0.0241)  # filed 2.41 here
    assert loan(db, "e962YCmOcgl4XNHXnGAe/w==").pti == pytest.approx(0.0965)


def test_both_date_formats_in_any_date_element(samples, tmp_path):
    rec = fx.edit(fx.record(samples / fx.JUNE, "+JvhGfqaCSntQUZDQMFDyw=="), originationDate="12-15-2025",
                  reportingPeriodEndingDate="06/2026")
    db, report = import_records(tmp_path, [rec])
    assert report.rejected_total == 0
    assert loan(db, "+JvhGfqaCSntQUZDQMFDyw==").origination_date == pd.Timestamp("2025-12-15")
    assert perf(db, "+JvhGfqaCSntQUZDQMFDyw==", "2026-06-01").months_on_book == 6


def test_namespace_prefix_does_not_matter(samples, tmp_path):
    recs = fx.records(samples / fx.JUNE)
    plain, _ = import_records(tmp_path, recs, name="a_2026-06.xml")
    prefixed, _ = import_records(tmp_path, recs, name="a_2026-06b.xml", prefix="ns1")
    cols = "loan_id, origination_date, original_amount, apr, credit_score, region"
    assert query(plain, f"SELECT {cols} FROM loans ORDER BY 1").equals(query(prefixed, f"SELECT {cols} FROM loans ORDER BY 1"))


def test_regab2_in_csv_form_gives_the_same_tables(samples, tmp_path, imported):
    db_xml, _ = imported
    for name in (fx.JUNE, fx.JULY):
        with open(samples / name, "rb") as fh:
            rows = [{k: ";".join(v) if isinstance(v, list) else v for k, v in r.items()}
                    for r in regab2_xml.iter_records(fh, name)]
        pd.DataFrame(rows).to_csv(tmp_path / name.replace(".xml", ".csv"), index=False)
    con = store.open_duckdb(tmp_path / "csv.duckdb")
    report = run_import(con, sorted(tmp_path.glob("*.csv")), today=TODAY)
    con.close()
    assert [f.label for f in report.files] == ["Reg AB II CSV"] * 2 and report.rejected_total == 0
    for table in ("loans", "performance"):
        a = query(db_xml, f"SELECT * FROM {table} ORDER BY ALL")
        b = query(tmp_path / "csv.duckdb", f"SELECT * FROM {table} ORDER BY ALL")
        pd.testing.assert_frame_equal(a, b)


def test_another_asset_class_is_refused_by_name(samples, tmp_path):
    lease = fx.filing(fx.records(samples / fx.JUNE)[:2]).replace("/autoloan/", "/autolease/")
    path = tmp_path / "lease_2026-06.xml"
    path.write_text(lease)
    with pytest.raises(InputError, match="autolease"):
        list(regab2_xml.iter_records(open(path, "rb"), path.name))


# ---- hostile and damaged files ---------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE assetData [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<assetData xmlns="{ns}"><assets><assetNumber>&lol9;</assetNumber></assets></assetData>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE assetData [<!ENTITY secret SYSTEM "file://{secret}">]>
<assetData xmlns="{ns}"><assets><assetNumber>&secret;</assetNumber></assets></assetData>"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE assetData SYSTEM "http://127.0.0.1:9/evil.dtd">
<assetData xmlns="{ns}"><assets><assetNumber>A1</assetNumber></assets></assetData>"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE assetData [<!ENTITY % remote SYSTEM "file://{secret}"> %remote;]>
<assetData xmlns="{ns}"></assetData>"""


@pytest.mark.parametrize("template", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY],
                         ids=["billion_laughs", "external_entity", "external_dtd", "parameter_entity"])
def test_malicious_xml_is_refused_and_the_store_kept(template, tmp_path, samples, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    path = tmp_path / "evil_2026-07.xml"
    path.write_text(template.format(ns=fx.NS, secret=secret))
    with pytest.raises(InputError, match="document type declaration"):
        list(regab2_xml.iter_records(open(path, "rb"), path.name))

    db = tmp_path / "store.duckdb"
    con = store.open_duckdb(db)
    run_import(con, [samples / fx.JUNE], today=TODAY)
    before = query(db, "SELECT * FROM performance ORDER BY ALL")
    report = run_import(con, [path], mode="append", today=TODAY)
    con.close()
    assert report.refused and "document type declaration" in report.files[0].problem
    assert not report.loaded_anything
    assert "TOP-SECRET" not in report.rejected.to_string()
    pd.testing.assert_frame_equal(before, query(db, "SELECT * FROM performance ORDER BY ALL"))
    # The command line says the same in one line, exit code 2.
    assert main(["--db", str(db), "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "document type declaration" in err and "Traceback" not in err and "TOP-SECRET" not in err


def test_truncated_filing_is_refused_with_the_line(samples, tmp_path):
    text = (samples / fx.JUNE).read_text()
    path = tmp_path / "cut_2026-06.xml"
    path.write_text(text[: len(text) // 2])
    db = tmp_path / "s.duckdb"
    con = store.open_duckdb(db)
    report = run_import(con, [path], today=TODAY)
    con.close()
    assert report.refused and "not well-formed XML at line" in report.files[0].problem
    assert "cut short" in report.files[0].problem and not report.loaded_anything
