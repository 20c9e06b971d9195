"""`python -m analytics export` for vintages and flows: the fixed shapes, and the numbers of a
hand-written SQL over the same database (acceptance)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.cli import main
from analytics.metrics.transitions import STATES


def export(db, table, tmp_path, *extra) -> pd.DataFrame:
    out = tmp_path / f"{table}.csv"
    assert main(["--db", str(db), "export", table, "--out", str(out), *extra]) == 0
    return pd.read_csv(out)


def sql_df(db, query: str) -> pd.DataFrame:
    con = duckdb.connect(str(db))
    try:
        return con.execute(query).df()
    finally:
        con.close()


def test_vintage_curves_shape_and_values(small_db, tmp_path):
    v = export(small_db, "vintage_curves", tmp_path)
    assert list(v.columns) == ["vintage", "months_on_book", "metric", "value", "loans"]
    assert set(v["metric"]) == {"ever_30", "ever_60", "ever_90", "cnl"}
    assert pd.to_datetime(v["vintage"]).dt.day.eq(1).all()
    ref = sql_df(small_db, """
        WITH l AS (SELECT loan_id, date_trunc('month', origination_date) AS v, original_amount FROM loans),
        first60 AS (SELECT p.loan_id, min(date_diff('month', l.v, p.as_of_month)) AS m FROM performance p
                    JOIN l USING (loan_id)  -- 60+ by the stored bucket: the market's rule (this cn sample: DPD >= 61)
                    WHERE p.bucket IN ('dpd_60_89', 'dpd_90_119', 'dpd_120_plus') OR p.status IN ('charged_off', 'repossessed')
                    GROUP BY 1),
        nco AS (SELECT l.v, sum(coalesce(charge_off_amount, 0) - coalesce(recovery_amount, 0)) AS amt
                FROM performance p JOIN l USING (loan_id)
                WHERE date_diff('month', l.v, p.as_of_month) <= 24 GROUP BY 1)
        SELECT l.v AS vintage, count(*) AS loans, count(f.m) FILTER (WHERE f.m <= 24) / count(*) AS ever_60,
          any_value(nco.amt) / sum(l.original_amount) AS cnl
        FROM l LEFT JOIN first60 f USING (loan_id) LEFT JOIN nco USING (v)
        WHERE l.v <= DATE '2024-10-01' GROUP BY 1 ORDER BY 1""")
    for metric in ("ever_60", "cnl"):
        got = v[(v["metric"] == metric) & (v["months_on_book"] == 24)].set_index("vintage")
        got.index = pd.to_datetime(got.index)
        r = ref.set_index(pd.to_datetime(ref["vintage"]))
        np.testing.assert_allclose(got.loc[r.index, "value"].to_numpy(), r[metric].fillna(0).to_numpy(), rtol=1e-9)
        assert (got.loc[r.index, "loans"].to_numpy() == r["loans"].to_numpy()).all()


def test_transition_matrix_shape_and_values(small_db, tmp_path):
    t = export(small_db, "transition_matrix", tmp_path, "--month", "2026-09")
    # The fixed shape, then the market's labels (small_db is cn: M names, flows C-M1 ...).
    assert list(t.columns) == ["as_of_month", "from_state", "to_state", "loans", "balance", "share",
                               "from_label", "to_label", "flow_label"]
    first = t[(t.from_state == "current") & (t.to_state == "dpd_1_29")].iloc[0]
    assert (first.from_label, first.to_label, first.flow_label) == ("M0", "M1", "C-M1")
    assert set(t["as_of_month"]) == {"2026-09-01"}
    assert set(t["from_state"]) <= set(STATES[:6]) and set(t["to_state"]) <= set(STATES)
    assert t.groupby("from_state")["share"].sum().to_numpy() == pytest.approx(1.0)
    ref = sql_df(small_db, """
        SELECT p.bucket AS from_state, CASE WHEN c.status = 'active' THEN c.bucket ELSE c.status END AS to_state,
          count(*) AS loans, sum(p.closing_balance) AS balance
        FROM performance p JOIN performance c ON c.loan_id = p.loan_id
          AND c.as_of_month = p.as_of_month + INTERVAL 1 MONTH
        WHERE p.status = 'active' AND c.as_of_month = DATE '2026-09-01' GROUP BY 1, 2""")
    m = t.merge(ref, on=["from_state", "to_state"], suffixes=("", "_sql"), how="outer")
    assert m["loans"].notna().all() and m["loans_sql"].notna().all()
    assert (m["loans"] == m["loans_sql"]).all()
    np.testing.assert_allclose(m["balance"], m["balance_sql"], rtol=1e-9)


def test_roll_cure_and_forecast_exports(small_db, tmp_path):
    r = export(small_db, "roll_rates", tmp_path)
    assert {"as_of_month", "from_state", "to_state", "rate_count", "rate_balance"} <= set(r.columns)
    assert r["rate_count"].between(0, 1).all()
    c = export(small_db, "cure_rates", tmp_path)
    assert set(c["horizon"]) == {1, 3, 6}
    f = export(small_db, "forecast", tmp_path)
    assert list(f.columns) == ["dimension", "segment", "base_month", "as_of_month", "horizon", "state", "loans",
                               "balance", "loans_share", "balance_share", "state_label"]
    assert dict(zip(f.state, f.state_label, strict=True))["dpd_30_59"] == "M2"
    book = f[(f["dimension"] == "all") & (f["horizon"] == 12) & (f["state"] != "new_loss")]
    assert book["loans_share"].sum() == pytest.approx(1.0)
    # Per-tier forecasts add up to no more loans than the book (tiers partition the active loans).
    tiers = f[(f["dimension"] == "credit_tier") & (f["horizon"] == 1) & (f["state"] != "new_loss")]
    assert tiers["loans"].sum() == pytest.approx(f[(f["dimension"] == "all") & (f["horizon"] == 1)
                                                   & (f["state"] != "new_loss")]["loans"].sum())
