"""Delinquency trends and breakdowns: rates over time, by segment, the loans behind them, and what
drove a month's change (mix effect vs rate effect).

Definitions (DESIGN.md section 5), per calendar month, over loans whose status at month end is
``active``:

- 30+ / 60+ / 90+ rate by count: active loans in the buckets at or past 30 / 60 / 90 (the market's
  rule, schema.DQ_LEVEL_BUCKETS: us DPD >= 30 / 60 / 90, cn >= 31 / 61 / 91) over active loans.
  By balance: their closing balance divided by the active closing balance.
- Segment rate: the same within a segment of a loan dimension (:mod:`analytics.metrics.segments`);
  segment weight: the segment's active loans (or balance) divided by the book's.
- Mix and rate effects of the change of a rate R = sum_s w_s r_s from month t-1 to t, split
  symmetrically so they add up exactly to the change:
  ``mix_s = (w_s,t - w_s,t-1) (r_s,t + r_s,t-1) / 2`` and
  ``rate_s = (r_s,t - r_s,t-1) (w_s,t + w_s,t-1) / 2``. A segment present in only one of the two
  months takes its rate in the other month as equal, so all its contribution is mix.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics.metrics.expr import count_if, ratio, sum_if
from analytics.metrics.segments import segment_table

LEVELS: tuple[int, ...] = (30, 60, 90)
# Buckets at or past each level (the bucket is derived from DPD by one rule, schema.bucket_of_dpd).
BUCKETS_AT_OR_PAST: dict[int, tuple[str, ...]] = {
    30: ("dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_plus"),
    60: ("dpd_60_89", "dpd_90_119", "dpd_120_plus"),
    90: ("dpd_90_119", "dpd_120_plus"),
}
RATE_COLUMNS: tuple[str, ...] = tuple(f"dpd{lv}_rate_{m}" for m in ("count", "balance") for lv in LEVELS)


def rates_from_trend(trend: ir.Table) -> ir.Table:
    """30+/60+/90+ rates by count and balance per month, from :func:`portfolio.delinquency_trend`.

    ``as_of_month, active_loans, balance, dpd{30,60,90}_rate_{count,balance}``. Computing both the
    bucket mix and the rates from one grouped table reads the performance table once.
    """
    aggs = {"active_loans": trend.loans.sum(), "balance": trend.balance.sum()}
    for lv in LEVELS:
        past = trend.bucket.isin(list(BUCKETS_AT_OR_PAST[lv]))
        aggs[f"dq{lv}"] = ibis.ifelse(past, trend.loans, 0).sum()
        aggs[f"dq{lv}_bal"] = ibis.ifelse(past, trend.balance, 0.0).sum()
    t = trend.group_by("as_of_month").aggregate(**aggs)
    out = {"active_loans": t.active_loans, "balance": t.balance}
    for lv in LEVELS:
        out[f"dpd{lv}_rate_count"] = ratio(t[f"dq{lv}"], t.active_loans)
    for lv in LEVELS:
        out[f"dpd{lv}_rate_balance"] = ratio(t[f"dq{lv}_bal"], t.balance)
    return t.select("as_of_month", **out).order_by("as_of_month")


def _segment_aggregates(perf: ir.Table, loans: ir.Table, dim: str) -> ir.Table:
    act = perf.filter(perf.status == "active")
    act = act.select("loan_id", "as_of_month", dpd=act.days_past_due, bal=act.closing_balance.fill_null(0.0))
    j = act.inner_join(segment_table(loans, dim), "loan_id")
    aggs = {"loans": j.loan_id.count(), "balance": j.bal.sum()}
    for lv in LEVELS:
        aggs[f"dq{lv}"] = count_if(j.dpd >= lv)
        aggs[f"dq{lv}_bal"] = sum_if(j.dpd >= lv, j.bal)
    return j.group_by(["as_of_month", "segment"]).aggregate(**aggs)


def _with_rates(t: ir.Table) -> ir.Table:
    out = {}
    for lv in LEVELS:
        out[f"dpd{lv}_rate_count"] = ratio(t[f"dq{lv}"], t.loans)
        out[f"dpd{lv}_rate_balance"] = ratio(t[f"dq{lv}_bal"], t.balance)
    return t.mutate(**out)


def segment_rates(perf: ir.Table, loans: ir.Table, dim: str, months: list[date]) -> ir.Table:
    """Per month in ``months`` and segment of ``dim``: active loans, balance, loans and balance at
    30+/60+/90+ (``dq30``, ``dq30_bal``, ...), and the rates ``dpd30_rate_count`` ... ``dpd90_rate_balance``."""
    p = perf.filter(perf.as_of_month.isin([ibis.date(m) for m in months]))
    return _with_rates(_segment_aggregates(p, loans, dim)).order_by(["as_of_month", "segment"])


def segment_trend(perf: ir.Table, loans: ir.Table, dim: str, segments: list[str] | None = None) -> ir.Table:
    """Like :func:`segment_rates` for every month of ``perf`` (pass a window), optionally only ``segments``."""
    t = _segment_aggregates(perf, loans, dim)
    if segments is not None:
        t = t.filter(t.segment.isin(list(segments)))
    return _with_rates(t).order_by(["segment", "as_of_month"])


def mix_rate_effects(seg: ir.Table, month: date, prev_month: date, level: int = 30,
                     measure: str = "count") -> ir.Table:
    """Split the change of the ``level``+ rate from ``prev_month`` to ``month`` into mix and rate
    effects by segment (module docstring). ``seg`` is a :func:`segment_rates` table holding both
    months. Returns ``segment, weight_prev, weight, rate_prev, rate, mix_effect, rate_effect,
    total_effect`` (fractions; the effects add up to the change of the book's rate)."""
    size, dq = ("loans", f"dq{level}") if measure == "count" else ("balance", f"dq{level}_bal")

    def month_side(m: date, sfx: str) -> ir.Table:
        s = seg.filter(seg.as_of_month == ibis.date(m))
        tot = s.aggregate(total=s[size].sum())
        s = s.cross_join(tot)
        return s.select(**{f"seg{sfx}": s.segment, f"w{sfx}": ratio(s[size], s.total),
                           f"r{sfx}": ratio(s[dq], s[size])})

    now, prev = month_side(month, "1"), month_side(prev_month, "0")
    j = now.outer_join(prev, now.seg1 == prev.seg0)
    w1, w0 = j.w1.fill_null(0.0), j.w0.fill_null(0.0)
    # A segment missing in one month: its rate there is taken equal to the other month's.
    r1 = j.r1.fill_null(j.r0).fill_null(0.0)
    r0 = j.r0.fill_null(j.r1).fill_null(0.0)
    mix = (w1 - w0) * (r1 + r0) / 2
    rate = (r1 - r0) * (w1 + w0) / 2
    return j.select(segment=j.seg1.fill_null(j.seg0), weight_prev=w0, weight=w1, rate_prev=j.r0, rate=j.r1,
                    mix_effect=mix, rate_effect=rate, total_effect=mix + rate).order_by("segment")


DRILL_COLUMNS: tuple[str, ...] = (
    "loan_id", "origination_date", "region", "dealer_id", "credit_tier", "credit_score", "term_months", "apr",
    "original_amount", "months_on_book", "days_past_due", "bucket", "closing_balance",
)


def segment_loans(perf: ir.Table, loans: ir.Table, dim: str, segment: str, month: date,
                  min_dpd: int = 30) -> ir.Table:
    """The active loans of ``segment`` at the end of ``month`` with DPD >= ``min_dpd`` (drill-down).

    No personal data (names, phones) is included: the table is meant to be exported.
    """
    p = perf.filter((perf.as_of_month == ibis.date(month)) & (perf.status == "active")
                    & (perf.days_past_due >= min_dpd))
    seg = segment_table(loans, dim)
    seg = seg.filter(seg.segment == segment)
    j = p.inner_join(seg, "loan_id").inner_join(loans, "loan_id")
    return j.select(*DRILL_COLUMNS).order_by([ibis.desc("days_past_due"), ibis.desc("closing_balance"), "loan_id"])


def wilson_interval(events: pd.Series, n: pd.Series, z: float = 1.96) -> tuple[pd.Series, pd.Series]:
    """95% Wilson score interval of a rate (low, high): small segments get wide intervals."""
    n = n.astype(float)
    p = events.astype(float) / n.where(n > 0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return (centre - half).clip(lower=0.0), (centre + half).clip(upper=1.0)


def previous_month(month: date) -> date:
    mi = month.year * 12 + month.month - 2
    return date(mi // 12, mi % 12 + 1, 1)


def months_back(month: date, k: int) -> date:
    mi = month.year * 12 + month.month - 1 - k
    return date(mi // 12, mi % 12 + 1, 1)

