"""Each KPI against a tiny table worked out by hand (see the comments for the arithmetic)."""

from datetime import date

import duckdb
import ibis
import pandas as pd
import pytest

from analytics.metrics import portfolio
from analytics.schema import bucket_of_dpd

J, F, M = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
# loan, month, dpd, status, closing balance, charge-off, recovery
ROWS = [
    ("A", J, 0, "active", 1000, 0, 0), ("A", F, 0, "active", 900, 0, 0), ("A", M, 0, "paid_off", 0, 0, 0),
    ("B", J, 35, "active", 2000, 0, 0), ("B", F, 0, "active", 1900, 0, 0), ("B", M, 31, "active", 1900, 0, 0),
    ("C", J, 65, "active", 3000, 0, 0), ("C", F, 95, "charged_off", 0, 3000, 500),
    ("D", J, 95, "active", 4000, 0, 0), ("D", F, 125, "active", 4000, 0, 0),
    ("D", M, 155, "repossessed", 0, 4000, 2500),
    ("E", F, 40, "active", 500, 0, 0), ("E", M, 0, "paid_off", 0, 0, 0),
]


def tiny_perf() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=["loan_id", "as_of_month", "days_past_due", "status", "closing_balance",
                                     "charge_off_amount", "recovery_amount"])
    df["as_of_month"] = pd.to_datetime(df["as_of_month"]).dt.date
    # The bucket as every source stores it (schema's one rule; no DPD here sits on a us/cn edge).
    df["bucket"] = bucket_of_dpd(df["days_past_due"].to_numpy(), "us")
    for col in ("closing_balance", "charge_off_amount", "recovery_amount"):
        df[col] = df[col].astype(float)
    return df


# Hand computation. Jan: active A,B,C,D (4), balance 10,000. Feb: active A,B,D,E (4), balance 7,300.
# Mar: active B (1), balance 1,900.
EXPECTED = {
    J: {"active_loans": 4, "outstanding_balance": 10000,
        "dpd30_rate_count": 3 / 4, "dpd60_rate_count": 2 / 4, "dpd90_rate_count": 1 / 4,
        "dpd30_rate_balance": 9000 / 10000, "dpd60_rate_balance": 7000 / 10000, "dpd90_rate_balance": 4000 / 10000,
        "net_chargeoff_rate_annualized": None, "cure_rate": None},
    F: {"active_loans": 4, "outstanding_balance": 7300,
        "dpd30_rate_count": 2 / 4, "dpd60_rate_count": 1 / 4, "dpd90_rate_count": 1 / 4,
        "dpd30_rate_balance": 4500 / 7300, "dpd60_rate_balance": 4000 / 7300, "dpd90_rate_balance": 4000 / 7300,
        # C charged off 3,000, recovered 500, over January's 10,000 balance
        "net_chargeoff_rate_annualized": (3000 - 500) * 12 / 10000,
        # 30+ and active in Jan: B, C, D; at 0 DPD in Feb: B
        "cure_rate": 1 / 3},
    M: {"active_loans": 1, "outstanding_balance": 1900,
        "dpd30_rate_count": 1.0, "dpd60_rate_count": 0.0, "dpd90_rate_count": 0.0,
        "dpd30_rate_balance": 1.0, "dpd60_rate_balance": 0.0, "dpd90_rate_balance": 0.0,
        "net_chargeoff_rate_annualized": (4000 - 2500) * 12 / 7300,
        # 30+ and active in Feb: D, E; E paid off in full (0 DPD) counts as cured, D was repossessed
        "cure_rate": 1 / 2},
}


@pytest.fixture
def perf_table():
    con = ibis.duckdb.connect()
    return con.create_table("performance", tiny_perf())


def test_each_kpi_matches_hand_computation(perf_table):
    out = portfolio.monthly_kpis(perf_table).to_pandas()
    assert set(out["metric"]) == set(portfolio.KPI_METRICS)
    assert len(out) == 3 * len(portfolio.KPI_METRICS)
    for month, metrics in EXPECTED.items():
        for metric, expected in metrics.items():
            got = out[(out["as_of_month"] == pd.Timestamp(month)) & (out["metric"] == metric)]["value"].iloc[0]
            if expected is None:
                assert pd.isna(got), (month, metric, got)
            else:
                assert got == pytest.approx(expected), (month, metric)


def test_delinquency_trend_shares_sum_to_one(perf_table):
    tiny = tiny_perf()
    tiny["bucket"] = ["current", "current", "current", "dpd_30_59", "current", "dpd_30_59", "dpd_60_89",
                      "dpd_90_119", "dpd_90_119", "dpd_120_plus", "dpd_120_plus", "dpd_30_59", "current"]
    con = ibis.duckdb.connect()
    out = portfolio.delinquency_trend(con.create_table("performance", tiny)).to_pandas()
    jan = out[out["as_of_month"] == pd.Timestamp(J)].set_index("bucket")
    assert jan["loans"].to_dict() == {"current": 1, "dpd_30_59": 1, "dpd_60_89": 1, "dpd_90_119": 1}
    assert jan.loc["dpd_90_119", "share_balance"] == pytest.approx(0.4)
    assert out.groupby("as_of_month")["share_count"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_kpi_snapshot_gives_change_from_previous_month(perf_table):
    out = portfolio.monthly_kpis(perf_table).to_pandas()
    snap = portfolio.kpi_snapshot(out, F)
    assert snap["dpd30_rate_count"]["change"] == pytest.approx(0.5 - 0.75)
    assert snap["active_loans"]["previous"] == 4


# small_db is a cn book: under the cn rule (M1 = 1-30 days, M2 = 31-60 ...) 30+ / 60+ / 90+ are
# DPD >= 31 / 61 / 91, written here from the rule, not from the code's edges.
HAND_SQL = """
WITH m AS (
  SELECT as_of_month,
    count(*) FILTER (WHERE status = 'active') AS n,
    sum(closing_balance) FILTER (WHERE status = 'active') AS bal,
    count(*) FILTER (WHERE status = 'active' AND days_past_due >= 61) AS n60,
    coalesce(sum(closing_balance) FILTER (WHERE status = 'active' AND days_past_due >= 91), 0) AS bal90,
    sum(charge_off_amount - recovery_amount) AS nco
  FROM performance GROUP BY 1),
cure AS (
  SELECT p.as_of_month + INTERVAL 1 MONTH AS as_of_month, count(*) AS base,
    count(*) FILTER (WHERE c.days_past_due = 0 AND c.status IN ('active', 'paid_off')) AS cured
  FROM performance p LEFT JOIN performance c
    ON c.loan_id = p.loan_id AND c.as_of_month = p.as_of_month + INTERVAL 1 MONTH
  WHERE p.status = 'active' AND p.days_past_due >= 31 GROUP BY 1)
SELECT m.as_of_month, m.n AS active_loans, m.bal AS outstanding_balance, m.n60 / m.n AS dpd60_rate_count,
  m.bal90 / m.bal AS dpd90_rate_balance, m.nco * 12 / prev.bal AS net_chargeoff_rate_annualized,
  cure.cured / cure.base AS cure_rate
FROM m LEFT JOIN m prev ON prev.as_of_month = m.as_of_month - INTERVAL 1 MONTH
LEFT JOIN cure ON cure.as_of_month = m.as_of_month
ORDER BY 1
"""


def test_cli_export_equals_hand_written_sql(small_db, tmp_path):
    """Acceptance: `export kpis` gives the numbers a hand-written SQL gives over the same tables."""
    from analytics.cli import main

    out = tmp_path / "k.csv"
    assert main(["--db", str(small_db), "export", "kpis", "--out", str(out)]) == 0
    k = pd.read_csv(out, parse_dates=["as_of_month"])
    wide = k.pivot(index="as_of_month", columns="metric", values="value")
    con = duckdb.connect(str(small_db))
    try:
        ref = con.execute(HAND_SQL).df().set_index("as_of_month")
    finally:
        con.close()
    ref.index = pd.to_datetime(ref.index)
    assert len(wide) == len(ref) > 60
    for col in ref.columns:
        pd.testing.assert_series_equal(wide[col].astype(float), ref[col].astype(float), check_names=False, check_index_type=False,
                                       rtol=1e-9, atol=1e-9)


def test_cli_export_one_month(small_db, tmp_path):
    from analytics.cli import main

    out = tmp_path / "k.csv"
    assert main(["--db", str(small_db), "export", "kpis", "--out", str(out), "--month", "2026-09"]) == 0
    k = pd.read_csv(out)
    assert set(k["as_of_month"]) == {"2026-09-01"}
    assert len(k) == len(portfolio.KPI_METRICS)
