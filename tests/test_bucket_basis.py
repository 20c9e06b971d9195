"""Buckets counted by missed instalments (逾期期数, analytics/metrics/basis.py; DESIGN section 5).

A five-loan cn book where days past due and missed instalments disagree, worked out by hand from
the cn rules: by days M1 = 1-30 DPD, M2 = 31-60, M3 = 61-90, M4 = 91-120; by instalments M1 = 1
missed, M2 = 2, M3 = 3 ...

    loan  May (DPD, missed)   June (DPD, missed)   June by days   June by instalments
    L0    0, 0                35, 1                M2             M1
    L1    0, 0                20, 1                M1             M1
    L2    0, 0                0, 0                 M0             M0
    L3    65, 2               95, 3                M4             M3
    L4    10, 1               40, 1                M2             M1
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from analytics.ingest import run_import
from tests.apptest import start, values
from tests.conftest import app_on

ROWS = {  # loan: ((May DPD, missed), (June DPD, missed))
    "L0": ((0, 0), (35, 1)), "L1": ((0, 0), (20, 1)), "L2": ((0, 0), (0, 0)),
    "L3": ((65, 2), (95, 3)), "L4": ((10, 1), (40, 1)),
}


def _book(tmp_path: Path, with_missed: bool = True, market: str = "cn") -> Path:
    path = tmp_path / "book.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        # The Chinese header maps to instalments_missed (analytics/ingest/fields.py).
        w.writerow(["loan_id", "origination_date", "original_amount", "term_months", "as_of_month", "days_past_due",
                    "closing_balance"] + (["逾期期数"] if with_missed else []))
        for loan, months in ROWS.items():
            for month, (dpd, missed) in zip(("2026-05", "2026-06"), months, strict=True):
                w.writerow([loan, "2025-01-10", "10000", "48", month, dpd, "8000"] + ([missed] if with_missed else []))
    db = tmp_path / "book.duckdb"
    con = store.open_duckdb(db)
    try:
        report = run_import(con, [path], market=market, today=dt.date(2026, 11, 30))
        assert not report.refused, report.why_nothing()
    finally:
        con.close()
    return db


def _export(db: Path, tmp_path: Path, table: str, basis: str) -> pd.DataFrame:
    out = tmp_path / f"{table}_{basis}.csv"
    assert main(["--db", str(db), "export", table, "--bucket-basis", basis, "--out", str(out)]) == 0
    return pd.read_csv(out)


def test_import_keeps_the_missed_instalments(tmp_path):
    db = _book(tmp_path)
    con = duckdb.connect(str(db), read_only=True)
    got = dict(con.execute("SELECT loan_id, instalments_missed FROM performance WHERE as_of_month = '2026-06-01'"
                           ).fetchall())
    con.close()
    assert got == {loan: months[1][1] for loan, months in ROWS.items()}


def test_exports_by_days_and_by_instalments(tmp_path):
    db = _book(tmp_path)
    june = "2026-06-01"
    by_days = _export(db, tmp_path, "delinquency_trend", "days")
    by_inst = _export(db, tmp_path, "delinquency_trend", "instalments")
    days = by_days[by_days.as_of_month.str.startswith(june)].set_index("bucket_label")["loans"].to_dict()
    inst = by_inst[by_inst.as_of_month.str.startswith(june)].set_index("bucket_label")["loans"].to_dict()
    assert days == {"M0": 1, "M1": 1, "M2": 2, "M4": 1}        # table above, June by days
    assert inst == {"M0": 1, "M1": 3, "M3": 1}                 # June by instalments

    tm = _export(db, tmp_path, "transition_matrix", "instalments")
    flows = tm[tm.as_of_month.str.startswith(june)].set_index("flow_label")["loans"].to_dict()
    # May -> June by instalments: L0, L1 current -> M1; L2 stays; L4 M1 -> M1; L3 M2 -> M3.
    assert flows == {"C-M1": 2, "C-C": 1, "M1-M1": 1, "M2-M3": 1}
    tm_days = _export(db, tmp_path, "transition_matrix", "days")
    flows_days = tm_days[tm_days.as_of_month.str.startswith(june)].set_index("flow_label")["loans"].to_dict()
    # By days: L0 current -> M2 (35 DPD), L1 current -> M1, L2 stays, L4 M1 -> M2, L3 M3 -> M4.
    assert flows_days == {"C-M2": 1, "C-M1": 1, "C-C": 1, "M1-M2": 1, "M3-M4": 1}

    rr = _export(db, tmp_path, "roll_rates", "instalments")
    june_rr = rr[rr.as_of_month.str.startswith(june)].set_index("flow_label")["rate_count"]
    assert june_rr["M1-M2"] == 0.0      # L4 stays one instalment behind
    assert june_rr["M2-M3"] == 1.0      # L3 goes from two to three
    rr_days = _export(db, tmp_path, "roll_rates", "days")
    assert rr_days[rr_days.as_of_month.str.startswith(june)].set_index("flow_label")["rate_count"]["M1-M2"] == 1.0


def test_instalment_basis_refused_without_the_column(tmp_path, capsys):
    db = _book(tmp_path, with_missed=False)
    assert main(["--db", str(db), "export", "delinquency_trend", "--bucket-basis", "instalments",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "instalments_missed" in capsys.readouterr().err and not (tmp_path / "x.csv").exists()
    (tmp_path / "us").mkdir()
    db_us = _book(tmp_path / "us", market="us")
    assert main(["--db", str(db_us), "export", "delinquency_trend", "--bucket-basis", "instalments",
                 "--out", str(tmp_path / "y.csv")]) == 2
    assert "cn convention" in capsys.readouterr().err


def test_sample_carries_missed_instalments_consistent_with_dpd(small_db):
    # The generator's DPD is counted from the oldest unpaid instalment's due date, so a loan is past
    # due exactly when it has an instalment in arrears.
    # Opened as the other tests of the session open the shared sample (read-write, never writing):
    # DuckDB refuses a read-only open of a file this process already holds read-write.
    con = duckdb.connect(str(small_db))
    n, missing, disagree = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE instalments_missed IS NULL),
               count(*) FILTER (WHERE (instalments_missed > 0) <> (days_past_due > 0))
        FROM performance WHERE status = 'active'""").fetchone()
    con.close()
    assert n > 0 and missing == 0 and disagree == 0


def _mix(at) -> dict[str, float]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    mix = next(s for s in specs if any(t.get("stackgroup") for t in s["data"]))
    out = {}
    for t in mix["data"]:  # June's share; a slot with no loan in June has no point there
        june = [float(y) for x, y in zip(t["x"], values(t["y"]), strict=True) if str(x).startswith("2026-06")]
        out[t["name"]] = june[0] if june else 0.0
    return out


def test_delinquency_and_roll_rate_pages_by_instalments(tmp_path, monkeypatch):
    db = _book(tmp_path)
    with app_on(db, monkeypatch):
        at = start("pages/2_Delinquency.py", lang="zh", basis="instalments")
        assert not at.exception, [e.value for e in at.exception]
        mix = _mix(at)
        # June by instalments: M1 3 of 5, M3 1 of 5 (the mix shows the delinquent slots).
        assert mix["M1"] == pytest.approx(3 / 5) and mix["M3"] == pytest.approx(1 / 5) and mix["M2"] == 0
        at.segmented_control(key="w_dq_basis").set_value("days").run()
        mix = _mix(at)
        assert mix["M2"] == pytest.approx(2 / 5) and mix["M4"] == pytest.approx(1 / 5)   # by days
        assert at.query_params["basis"] in ("days", ["days"])
        at = start("pages/4_Roll_rates.py", lang="zh", basis="instalments")
        assert not at.exception, [e.value for e in at.exception]
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        heat = next(s for s in specs if s["data"] and s["data"][0].get("type") == "heatmap")
        trace = heat["data"][0]
        raw = trace["z"]
        z = np.array(values(raw), dtype=float)
        if isinstance(raw, dict) and "shape" in raw:  # a typed array: shape "rows, cols"
            z = z.reshape([int(v) for v in str(raw["shape"]).split(",")])
        z = pd.DataFrame(z, index=trace["y"], columns=trace["x"])
        # Pooled over the window (one month of transitions): from M1 all stay M1, from M2 all go to M3;
        # by days L4 would go M1 -> M2 and L3 M3 -> M4.
        assert z.loc["M1", "M1"] == pytest.approx(1.0) and z.loc["M2", "M3"] == pytest.approx(1.0)


def test_pages_disable_the_option_without_the_column(tmp_path, monkeypatch):
    db = _book(tmp_path, with_missed=False)
    with app_on(db, monkeypatch):
        at = start("pages/2_Delinquency.py", lang="en", basis="instalments")
        assert not at.exception, [e.value for e in at.exception]
        assert at.segmented_control(key="w_dq_basis").disabled
        assert any("needs the column instalments_missed" in c.value for c in at.caption)
        assert _mix(at)["M2"] == pytest.approx(2 / 5)   # by days, whatever the link asked


def test_append_to_a_store_written_before_the_column(tmp_path):
    # A store from before instalments_missed existed: appending a month that carries it works, the
    # old rows have no count (so the pages keep the days basis: not every active row has one).
    db = _book(tmp_path, with_missed=False)
    con = store.open_duckdb(db)
    con.execute("ALTER TABLE performance DROP COLUMN instalments_missed")
    con.close()
    path = tmp_path / "july.csv"
    path.write_text("loan_id,as_of_month,days_past_due,closing_balance,逾期期数\n"
                    + "".join(f"{loan},2026-07,0,7800,0\n" for loan in ROWS), encoding="utf-8")
    con = store.open_duckdb(db)
    try:
        report = run_import(con, [path], mode="append", market="cn", today=dt.date(2026, 11, 30))
        assert report.loaded_anything, report.why_nothing()
        got = con.execute("SELECT as_of_month, count(instalments_missed) FROM performance GROUP BY 1 ORDER BY 1"
                          ).fetchall()
    finally:
        con.close()
    assert [n for _m, n in got] == [0, 0, 5]
