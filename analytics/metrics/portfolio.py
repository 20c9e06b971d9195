"""Portfolio KPIs and delinquency trends, as Ibis expressions (DuckDB, Spark, ... alike).

Definitions (DESIGN.md section 5), all per calendar month, over loans whose status at month end
is ``active`` unless said otherwise:

- ``active_loans``: count of active loans.
- ``outstanding_balance``: sum of their closing balance.
- ``dpd{30,60,90}_rate_count``: share of active loans 30+ / 60+ / 90+ days past due, by the
  market's bucket rule (the stored ``bucket``: us DPD >= 30 / 60 / 90, cn >= 31 / 61 / 91).
- ``dpd{30,60,90}_rate_balance``: the same, weighted by closing balance.
- ``net_chargeoff_rate_annualized``: (charge-offs - recoveries) booked in the month, over all
  loans, x 12 / outstanding balance at the end of the previous month. A charge-off is booked in
  the closing row, a recovery in the month it arrives (often on a later, post-closure row of the
  loan: docs/data_dictionary.md, "Closures and recoveries").
- ``cure_rate``: of loans active and 30+ (same rule) at the end of the previous month, the share at
  DPD 0 this month (still active, or paid off in full). Horizon h = 1 month.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from analytics.metrics.expr import count_if, month_index, next_month, ratio, sum_if
from analytics.schema import BUCKETS, DQ_LEVEL_BUCKETS

KPI_METRICS: tuple[str, ...] = (
    "active_loans",
    "outstanding_balance",
    "dpd30_rate_count",
    "dpd60_rate_count",
    "dpd90_rate_count",
    "dpd30_rate_balance",
    "dpd60_rate_balance",
    "dpd90_rate_balance",
    "net_chargeoff_rate_annualized",
    "cure_rate",
)


def monthly_aggregates(perf: ir.Table) -> ir.Table:
    """One row per month with the numerators and denominators of the KPIs (wide)."""
    active = perf.status == "active"
    bal = perf.closing_balance.fill_null(0.0)
    b = perf.bucket
    dq30, dq60, dq90 = (b.isin(list(DQ_LEVEL_BUCKETS[k])) for k in (30, 60, 90))
    net_co = perf.charge_off_amount.fill_null(0.0) - perf.recovery_amount.fill_null(0.0)
    agg = perf.group_by("as_of_month").aggregate(
        active_loans=count_if(active),
        outstanding_balance=sum_if(active, bal),
        dq30=count_if(active & dq30),
        dq60=count_if(active & dq60),
        dq90=count_if(active & dq90),
        dq30_bal=sum_if(active & dq30, bal),
        dq60_bal=sum_if(active & dq60, bal),
        dq90_bal=sum_if(active & dq90, bal),
        net_chargeoff=net_co.sum(),
    )
    return agg.mutate(mi=month_index(agg.as_of_month))


def cure_counts(perf: ir.Table) -> ir.Table:
    """Per month: loans 30+ and active at the previous month end, and how many are at DPD 0 now."""
    # Join on the month date shifted on the small (30+) side only: no per-row date parts or
    # filters on the large side, which is what makes this the cheapest join on DuckDB.
    prev = perf.filter((perf.status == "active") & perf.bucket.isin(list(DQ_LEVEL_BUCKETS[30]))).select(
        "loan_id", as_of_month=next_month(perf.as_of_month))
    now = perf.select("loan_id", "as_of_month", "days_past_due", "status")
    j = prev.left_join(now, ["loan_id", "as_of_month"])
    cured = (j.days_past_due == 0) & j.status.isin(["active", "paid_off"])
    out = j.group_by(j.as_of_month).aggregate(cure_base=j.loan_id.count(), cured=count_if(cured.fill_null(False)))
    return out.select(mi=month_index(out.as_of_month), cure_base=out.cure_base, cured=out.cured)


def monthly_kpis_wide(perf: ir.Table) -> ir.Table:
    """One row per month, one column per KPI (see module docstring)."""
    return kpis_from_aggregates(monthly_aggregates(perf), cure_counts(perf))


def kpis_from_aggregates(agg: ir.Table, cures: ir.Table) -> ir.Table:
    """The wide KPIs from :func:`monthly_aggregates` and :func:`cure_counts` shaped tables (rows
    or a cube: analytics/metrics/cubed.py)."""
    prev = agg.select(mi=agg.mi + 1, prev_balance=agg.outstanding_balance)
    t = agg.left_join(prev, "mi").left_join(cures, "mi")
    return t.select(
        "as_of_month",
        active_loans=t.active_loans.cast("float64"),
        outstanding_balance=t.outstanding_balance,
        dpd30_rate_count=ratio(t.dq30, t.active_loans),
        dpd60_rate_count=ratio(t.dq60, t.active_loans),
        dpd90_rate_count=ratio(t.dq90, t.active_loans),
        dpd30_rate_balance=ratio(t.dq30_bal, t.outstanding_balance),
        dpd60_rate_balance=ratio(t.dq60_bal, t.outstanding_balance),
        dpd90_rate_balance=ratio(t.dq90_bal, t.outstanding_balance),
        net_chargeoff_rate_annualized=ratio(t.net_chargeoff * 12, t.prev_balance),
        cure_rate=ratio(t.cured, t.cure_base),
    ).order_by("as_of_month")


def monthly_kpis(perf: ir.Table) -> ir.Table:
    """The KPIs in long form: ``as_of_month, metric, value`` (rates as fractions)."""
    return long_kpis(monthly_kpis_wide(perf))


def long_kpis(wide: ir.Table) -> ir.Table:
    # One row per metric by unnesting the metric names and picking the column with a CASE, not
    # pivot_longer: Ibis compiles that through JSON on PostgreSQL, which fails on a NULL rate
    # ("cannot cast jsonb null to type double precision"); an array of names unnests anywhere.
    long = wide.mutate(metric=ibis.array(list(KPI_METRICS)).unnest())
    value = ibis.cases(*[(long.metric == m, long[m].cast("float64")) for m in KPI_METRICS])
    return long.select("as_of_month", "metric", value=value).order_by(["as_of_month", "metric"])


def delinquency_trend(perf: ir.Table) -> ir.Table:
    """Per month and bucket, active loans and balance, and their share of the active book."""
    active = perf.filter(perf.status == "active")
    return trend_from_counts(active.group_by(["as_of_month", "bucket"]).aggregate(
        loans=active.loan_id.count(), balance=active.closing_balance.fill_null(0.0).sum()))


def trend_from_counts(by: ir.Table) -> ir.Table:
    """:func:`delinquency_trend` from active ``as_of_month, bucket, loans, balance`` (rows or a cube)."""
    tot = by.group_by("as_of_month").aggregate(all_loans=by.loans.sum(), all_balance=by.balance.sum())
    j = by.inner_join(tot, "as_of_month")
    order = ibis.cases(*[(j.bucket == b, i) for i, b in enumerate(BUCKETS)], else_=len(BUCKETS))
    return j.select(
        "as_of_month", "bucket", "loans", "balance",
        share_count=ratio(j.loans, j.all_loans),
        share_balance=ratio(j.balance, j.all_balance),
        bucket_order=order,
    ).order_by(["as_of_month", "bucket_order"]).drop("bucket_order")


def kpi_snapshot(kpis_long, month) -> dict[str, dict[str, float | None]]:
    """For a pandas long KPI frame: {metric: {value, previous, change}} at ``month``.

    ``change`` is the difference from the previous month (rates in fractions, so x100 gives pp).
    """
    import pandas as pd

    df = kpis_long.copy()
    df["as_of_month"] = pd.to_datetime(df["as_of_month"])
    wide = df.pivot(index="as_of_month", columns="metric", values="value").sort_index()
    month = pd.Timestamp(month)
    wide = wide[wide.index <= month]
    if wide.empty:
        return {}
    cur = wide.iloc[-1]
    prev = wide.iloc[-2] if len(wide) > 1 else None
    out = {}
    for metric in KPI_METRICS:
        v = cur.get(metric)
        p = None if prev is None else prev.get(metric)
        v = None if pd.isna(v) else float(v)
        p = None if p is None or pd.isna(p) else float(p)
        out[metric] = {"value": v, "previous": p,
                       "change": None if v is None or p is None else v - p}
    return out
