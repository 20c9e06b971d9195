"""Overview computations: our Ibis functions vs a hand-written DuckDB SQL floor vs plain pandas."""

from __future__ import annotations

import ibis
import pandas as pd

from analytics.metrics import portfolio
from bench.harness import Row, cold

KPI_SQL = """
WITH m AS (
  SELECT as_of_month, count(*) FILTER (WHERE status = 'active') AS n,
    coalesce(sum(closing_balance) FILTER (WHERE status = 'active'), 0) AS bal,
    count(*) FILTER (WHERE status = 'active' AND days_past_due >= 30) AS n30,
    count(*) FILTER (WHERE status = 'active' AND days_past_due >= 60) AS n60,
    count(*) FILTER (WHERE status = 'active' AND days_past_due >= 90) AS n90,
    coalesce(sum(closing_balance) FILTER (WHERE status = 'active' AND days_past_due >= 30), 0) AS b30,
    coalesce(sum(closing_balance) FILTER (WHERE status = 'active' AND days_past_due >= 60), 0) AS b60,
    coalesce(sum(closing_balance) FILTER (WHERE status = 'active' AND days_past_due >= 90), 0) AS b90,
    sum(coalesce(charge_off_amount, 0) - coalesce(recovery_amount, 0)) AS nco
  FROM performance GROUP BY 1),
cure AS (
  SELECT p.as_of_month + INTERVAL 1 MONTH AS as_of_month, count(*) AS base,
    count(*) FILTER (WHERE c.days_past_due = 0 AND c.status IN ('active', 'paid_off')) AS cured
  FROM performance p LEFT JOIN performance c
    ON c.loan_id = p.loan_id AND c.as_of_month = p.as_of_month + INTERVAL 1 MONTH
  WHERE p.status = 'active' AND p.days_past_due >= 30 GROUP BY 1)
SELECT m.as_of_month, m.n, m.bal, m.n30 / m.n, m.n60 / m.n, m.n90 / m.n, m.b30 / m.bal, m.b60 / m.bal,
  m.b90 / m.bal, m.nco * 12 / prev.bal, cure.cured / cure.base
FROM m LEFT JOIN m prev ON prev.as_of_month = m.as_of_month - INTERVAL 1 MONTH
LEFT JOIN cure ON cure.as_of_month = m.as_of_month ORDER BY 1
"""

TREND_SQL = """
SELECT as_of_month, bucket, count(*) AS loans, sum(closing_balance) AS balance,
  count(*) / sum(count(*)) OVER (PARTITION BY as_of_month) AS share_count,
  sum(closing_balance) / sum(sum(closing_balance)) OVER (PARTITION BY as_of_month) AS share_balance
FROM performance WHERE status = 'active' GROUP BY 1, 2 ORDER BY 1, 2
"""


def pandas_kpis(con) -> pd.DataFrame:
    df = con.sql("SELECT loan_id, as_of_month, status, days_past_due, closing_balance, charge_off_amount, "
                 "recovery_amount FROM performance").df()
    act = df[df["status"] == "active"]
    g = act.groupby("as_of_month")
    out = pd.DataFrame({"n": g.size(), "bal": g["closing_balance"].sum()})
    for lv in (30, 60, 90):
        dq = act[act["days_past_due"] >= lv].groupby("as_of_month")
        out[f"r{lv}"] = dq.size().reindex(out.index, fill_value=0) / out["n"]
        out[f"b{lv}"] = dq["closing_balance"].sum().reindex(out.index, fill_value=0) / out["bal"]
    nco = (df["charge_off_amount"].fillna(0) - df["recovery_amount"].fillna(0)).groupby(df["as_of_month"]).sum()
    out["nco"] = nco.reindex(out.index) * 12 / out["bal"].shift(1)
    prev = act[act["days_past_due"] >= 30][["loan_id", "as_of_month"]].copy()
    prev["as_of_month"] = pd.to_datetime(prev["as_of_month"]) + pd.offsets.MonthBegin(1)
    now = df[["loan_id", "as_of_month", "days_past_due", "status"]].copy()
    now["as_of_month"] = pd.to_datetime(now["as_of_month"])
    j = prev.merge(now, on=["loan_id", "as_of_month"], how="left")
    j["cured"] = (j["days_past_due"] == 0) & j["status"].isin(["active", "paid_off"])
    out["cure"] = j.groupby("as_of_month")["cured"].mean().reindex(pd.to_datetime(out.index)).to_numpy()
    return out


def pandas_trend(con) -> pd.DataFrame:
    df = con.sql("SELECT as_of_month, bucket, status, closing_balance FROM performance").df()
    act = df[df["status"] == "active"]
    g = act.groupby(["as_of_month", "bucket"]).agg(loans=("bucket", "size"), balance=("closing_balance", "sum"))
    tot = g.groupby(level=0).transform("sum")
    g["share_count"] = g["loans"] / tot["loans"]
    g["share_balance"] = g["balance"] / tot["balance"]
    return g


def run(db_path: str) -> list[Row]:
    def ours(fn):
        return lambda con: fn(ibis.duckdb.from_connection(con).table("performance")).to_pandas()

    return [
        Row("overview", "monthly_kpis", cold(db_path, ours(portfolio.monthly_kpis)),
            cold(db_path, lambda c: c.sql(KPI_SQL).df()), cold(db_path, pandas_kpis, repeat=1),
            target="<1s at 1M loans, <=2x floor"),
        Row("overview", "delinquency_trend", cold(db_path, ours(portfolio.delinquency_trend)),
            cold(db_path, lambda c: c.sql(TREND_SQL).df()), cold(db_path, pandas_trend, repeat=1),
            target="<1s at 1M loans, <=2x floor"),
    ]
