"""A Reg AB II tape as third parties republish it in CSV: indicators written True/False, empty (or
``nan`` / ``NULL`` / ``NA``) zeroBalanceCode and modificationTypeCode for loans without one, codes
written as floats (``1.0``). Issue 13: such a file once loaded every loan as paid off with DPD 0
and one restructure per loan, and said "ok, 0 rejected".

The tape is built from the real June CarMax records in shared/samples (every element as filed),
with a few edits whose expected outcome is worked out by hand below.
"""

from __future__ import annotations

import csv
import datetime as dt
import re

import duckdb
import pytest

from analytics.ingest import run_import
from tests import regab2_fixture as fx

TODAY = dt.date(2026, 11, 30)


def _records() -> list[dict[str, str]]:
    """The June records as element -> text, read with a regex (not the importer's XML reader)."""
    out = []
    for rec in fx.records(fx.samples_dir() / fx.JUNE):
        out.append({m.group(1): m.group(2) for m in re.finditer(r"<(\w+)>([^<]*)</\1>", rec)})
    return out


def write_tape(path, na: str = "", indicator=None) -> dict[str, str]:
    """Write the tape; returns asset number -> role of the edited loans."""
    recs = _records()
    roles = {}
    a, b, c, d = (r["assetNumber"] for r in recs[:4])
    roles.update({a: "dpd35", b: "dpd65", c: "paid", d: "extended"})
    recs[0]["currentDelinquencyStatus"] = "35"
    recs[1]["currentDelinquencyStatus"] = "65.0"           # a float DPD, as pandas writes it
    recs[2]["zeroBalanceCode"] = "1.0"                      # prepaid, as a float code
    recs[2]["reportingPeriodActualEndBalanceAmount"] = "0.00"
    recs[3]["modificationTypeCode"] = "3.0"                 # term modification
    recs[3]["paymentExtendedNumber"] = "2.0"
    recs[3]["reportingPeriodModificationIndicator"] = "true"
    columns = list(dict.fromkeys(k for r in recs for k in r)) + ["zeroBalanceCode", "modificationTypeCode",
                                                                 "paymentExtendedNumber"]
    columns = list(dict.fromkeys(columns))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in recs:
            row = []
            for col in columns:
                v = r.get(col)
                if v in ("true", "false"):
                    v = indicator(col, v) if indicator else v.capitalize()   # True / False
                row.append(na if v is None else v)
            w.writerow(row)
    return roles


@pytest.mark.parametrize("na", ["", "nan", "NULL", "NA"])
def test_republished_tape_loads_right(tmp_path, na):
    path = tmp_path / "carmax-2026-2_2026-06.csv"
    roles = write_tape(path, na)
    con = duckdb.connect()
    report = run_import(con, [path], today=TODAY)
    assert report.files[0].flavor == "regab2" and not report.files[0].refused
    perf = dict(((lid, (st, dpd)) for lid, st, dpd in con.execute(
        "SELECT loan_id, status, days_past_due FROM performance").fetchall()))
    n = len(perf)
    assert n == 14
    by_role = {role: perf[lid] for lid, role in roles.items()}
    # By hand: one loan left with zero-balance code 1 (paid off, DPD 0 by the closed-loan rule);
    # the two edited DPDs stand; all the others are active as filed.
    assert by_role["dpd35"] == ("active", 35)
    assert by_role["dpd65"] == ("active", 65)
    assert by_role["paid"] == ("paid_off", 0)
    statuses = [st for st, _ in perf.values()]
    assert statuses.count("active") == 13 and statuses.count("paid_off") == 1
    # 30+ among active loans: exactly the two edited (the filed June DPDs are all below 30).
    assert sum(1 for st, dpd in perf.values() if st == "active" and dpd >= 30) == 2
    # One restructure, of the loan with code 3 (term -> extension), 2 months extended.
    assert con.execute("SELECT loan_id, kind, months_extended FROM restructures").fetchall() == [
        (next(k for k, v in roles.items() if v == "extended"), "extension", 2)]
    assert report.rejected_total == 0


def test_broken_indicator_refuses_file_naming_column(tmp_path):
    path = tmp_path / "carmax-2026-2_2026-06.csv"
    write_tape(path, "nan", indicator=lambda col, v: "Maybe" if col == "repossessedIndicator" else v.capitalize())
    con = duckdb.connect()
    report = run_import(con, [path], today=TODAY)
    f = report.files[0]
    assert f.refused
    assert "repossessedIndicator" in f.problem and "bad_boolean" in f.problem
    assert not report.loaded_anything


def test_one_broken_indicator_rejects_that_row(tmp_path):
    path = tmp_path / "carmax-2026-2_2026-06.csv"
    roles = write_tape(path, "")
    text = path.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    col = header.index("reportingPeriodModificationIndicator")
    cells = next(csv.reader([text[5]]))
    cells[col] = "perhaps"
    text[5] = ",".join(cells)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    con = duckdb.connect()
    report = run_import(con, [path], threshold=0.2, today=TODAY)
    assert report.rejected_total == 1
    row = report.rejected.iloc[0]
    assert row["source_row"] == 6 and "reportingPeriodModificationIndicator" in row["columns"]
    assert len(roles) == 4
