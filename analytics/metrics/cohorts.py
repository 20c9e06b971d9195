"""Vintage curves and cohort tables: how each origination cohort performs as it ages.

A loan's vintage is the first day of its origination month; its months on book (MOB) in a month
m is the number of calendar months from the vintage to m (1 in the first month after funding,
as ``performance.months_on_book``). A vintage is observed at MOB k when month vintage+k is in the
data, so each curve ends at the vintage's age and a history that starts after origination starts
at the MOB of the first month in the data.

Definitions (DESIGN.md section 5), for loans originated in vintage v, at MOB k:

- ``ever_30`` / ``ever_60`` / ``ever_90``: share of the vintage's loans that reached 30+ / 60+ / 90+
  by the market's bucket rule (the stored ``bucket``, as every other 30+ figure: us DPD >= 30,
  cn M2+ = DPD >= 31; ``schema.DQ_LEVEL_BUCKETS``), or were charged off or repossessed, in any
  month with MOB <= k. Loans that paid off earlier stay in the denominator (the number of loans
  originated).
- ``cnl``: cumulative (charge-offs - recoveries) booked at MOB <= k, divided by the vintage's
  original amount.

Grouped vintages (quarter, year) add numerators and denominators of their month vintages and
show a MOB only when every month vintage of the group is observed there, so a group's curve is
never a mix of old and young members. Cohorts compared by a loan attribute pool all vintages
observed at each MOB.
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.metrics.expr import month_index, ratio
from analytics.metrics.segments import segment_expr
from analytics.schema import DQ_LEVEL_BUCKETS

EVER_LEVELS: dict[str, int] = {"ever_30": 30, "ever_60": 60, "ever_90": 90}
# The ever metrics in order of level: a loan at a later one is at every earlier one too.
METRICS: tuple[str, ...] = ("ever_30", "ever_60", "ever_90", "cnl")
LOSS_STATUSES: tuple[str, ...] = ("charged_off", "repossessed")
GRAINS: tuple[str, ...] = ("month", "quarter", "year")


def period_start(d: ir.DateValue, grain: str) -> ir.DateValue:
    """First day of the month, quarter or year of ``d``. Built from year and month rather than
    ``truncate``, which Spark answers with a timestamp that then fails to match dates."""
    y, m = d.year(), d.month()
    if grain == "year":
        return ibis.date(y, 1, 1)
    if grain == "quarter":
        return ibis.date(y, ((m - 1) // 3) * 3 + 1, 1)
    return ibis.date(y, m, 1)


def _loan_vintages(loans: ir.Table, by: str | None) -> tuple[ir.Table, list[str]]:
    cols = {"vintage": period_start(loans.origination_date, "month"),
            "original_amount": loans.original_amount.cast("float64")}
    if by is not None:
        cols["segment"] = segment_expr(loans, by)
    return loans.select("loan_id", **cols), (["segment"] if by is not None else [])


def vintage_counts(perf: ir.Table, loans: ir.Table, by: str | None = None) -> ir.Table:
    """Month vintages x observed MOB x metric: ``vintage, [segment,] months_on_book, metric, events,
    denominator, loans``. ``events`` is the loan count (ever metrics) or net loss amount (cnl);
    ``denominator`` the loans originated or original amount; ``value = events / denominator``."""
    lv, seg = _loan_vintages(loans, by)
    keys = ["vintage", *seg]
    v = lv.group_by(keys).aggregate(loans=lv.loan_id.count(), amount=lv.original_amount.sum())
    months = perf.select(m=perf.as_of_month).distinct()
    grid = v.cross_join(months)
    grid = grid.mutate(months_on_book=month_index(grid.m) - month_index(grid.vintage))
    grid = grid.filter(grid.months_on_book >= 1).drop("m")

    # First month each loan reached each level, from the few rows at 30+ DPD or lost, aggregated
    # per loan before the join with loans (the join then handles one small row per loan).
    lost = perf.status.isin(list(LOSS_STATUSES))
    bad = perf.filter(perf.bucket.isin(list(DQ_LEVEL_BUCKETS[min(EVER_LEVELS.values())])) | lost)
    bad = bad.select("loan_id", mi=month_index(bad.as_of_month), bucket=bad.bucket,
                     lost=bad.status.isin(list(LOSS_STATUSES)))
    per_loan = bad.group_by("loan_id").aggregate(**{
        name: ibis.ifelse(bad.bucket.isin(list(DQ_LEVEL_BUCKETS[level])) | bad.lost, bad.mi,
                          ibis.null("int64")).min()
        for name, level in EVER_LEVELS.items()})
    first = per_loan.inner_join(lv, "loan_id")
    ev_parts = []
    for name in EVER_LEVELS:
        f = first.filter(first[name].notnull())
        f = f.mutate(event_mob=f[name] - month_index(f.vintage))
        ev_parts.append(f.group_by([*keys, "event_mob"]).aggregate(
            amount=f.loan_id.count().cast("float64")).mutate(metric=ibis.literal(name)))
    # Net charge-off amounts by the MOB they were booked in (per loan and month, before the join).
    # Two single-column filters (the engine applies each inside the scan, so the loan ids of the few
    # matching rows are all it reads) joined by a distinct union, rather than one OR across columns.
    cols = ["loan_id", "as_of_month", "charge_off_amount", "recovery_amount"]
    co = perf.filter(perf.charge_off_amount != 0).select(*cols).union(
        perf.filter(perf.recovery_amount != 0).select(*cols), distinct=True)
    co = co.group_by(["loan_id", "as_of_month"]).aggregate(
        net=(co.charge_off_amount.fill_null(0.0) - co.recovery_amount.fill_null(0.0)).sum())
    c = co.inner_join(lv, "loan_id")
    c = c.mutate(event_mob=month_index(c.as_of_month) - month_index(c.vintage))
    ev_parts.append(c.group_by([*keys, "event_mob"]).aggregate(amount=c.net.sum()).mutate(metric=ibis.literal("cnl")))
    events = ev_parts[0].union(*ev_parts[1:]).select(*keys, "metric", "event_mob", "amount")

    gm = [grid.mutate(metric=ibis.literal(name)) for name in METRICS]
    gm = gm[0].union(*gm[1:])
    ev = events.rename(**{f"e_{k}": k for k in keys}, e_metric="metric", ev_amount="amount")
    preds = [gm[k] == ev[f"e_{k}"] for k in keys] + [gm.metric == ev.e_metric, ev.event_mob <= gm.months_on_book]
    j = gm.left_join(ev, preds)
    agg = j.group_by([*keys, "months_on_book", "metric", "loans", "amount"]).aggregate(
        events=j.ev_amount.sum().fill_null(0.0))
    den = ibis.ifelse(agg.metric == "cnl", agg.amount, agg.loans.cast("float64"))
    # No order_by here: it is an intermediate table (ibis on Spark adds sort keys to a later DISTINCT).
    return agg.select(*keys, "months_on_book", "metric", events=agg.events, denominator=den, loans=agg.loans)


def vintage_curves(perf: ir.Table, loans: ir.Table, grain: str = "month", by: str | None = None) -> ir.Table:
    """``vintage, [segment,] months_on_book, metric, value, loans, events, denominator``.

    ``grain`` groups month vintages into quarters or years (``vintage`` is then the first day of
    the quarter or year); see the module docstring for the definitions and the grouping rule.
    """
    return curves_from_counts(vintage_counts(perf, loans, by), grain, keep_segment=by is not None)


def curves_from_counts(vc: ir.Table, grain: str = "month", keep_segment: bool = False) -> ir.Table:
    """Vintage curves from a :func:`vintage_counts` table. Segments are added up unless ``keep_segment``,
    so one counts table (read once from the performance data) serves the vintage curves and the
    cohort comparison alike."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    seg = ["segment"] if keep_segment else []
    if "segment" in vc.columns and not keep_segment:
        vc = vc.group_by(["vintage", "months_on_book", "metric"]).aggregate(
            events=vc.events.sum(), denominator=vc.denominator.sum(), loans=vc.loans.sum())
    if grain == "month":
        return vc.mutate(value=ratio(vc.events, vc.denominator)).select(
            "vintage", *seg, "months_on_book", "metric", "value", "loans", "events", "denominator",
        ).order_by(["vintage", *seg, "metric", "months_on_book"])
    g = vc.mutate(group=period_start(vc.vintage, grain))
    first = g.filter(g.metric == METRICS[0])
    members = first.group_by(["group", *seg, "vintage"]).aggregate(n=first.vintage.count())
    members = members.group_by(["group", *seg]).aggregate(members=members.vintage.count())
    agg = g.group_by(["group", *seg, "months_on_book", "metric"]).aggregate(
        events=g.events.sum(), denominator=g.denominator.sum(), loans=g.loans.sum(), present=g.vintage.count())
    j = agg.inner_join(members, ["group", *seg])
    j = j.filter(j.present == j.members)
    return j.select(vintage=j.group, **{s: j[s] for s in seg}, months_on_book=j.months_on_book, metric=j.metric,
                    value=ratio(j.events, j.denominator), loans=j.loans, events=j.events,
                    denominator=j.denominator).order_by(["vintage", *seg, "metric", "months_on_book"])


def cohort_curves(perf: ir.Table, loans: ir.Table, by: str) -> ir.Table:
    """Cohorts compared by a loan attribute: ``segment, months_on_book, metric, value, loans, vintages``,
    pooling every vintage observed at that MOB (numerators and denominators added)."""
    return cohort_curves_from_counts(vintage_counts(perf, loans, by))


def cohort_curves_from_counts(vc: ir.Table) -> ir.Table:
    """:func:`cohort_curves` from a :func:`vintage_counts` table with a segment."""
    agg = vc.group_by(["segment", "months_on_book", "metric"]).aggregate(
        events=vc.events.sum(), denominator=vc.denominator.sum(), loans=vc.loans.sum(), vintages=vc.vintage.count())
    return agg.select("segment", "months_on_book", "metric", value=ratio(agg.events, agg.denominator),
                      loans=agg.loans, vintages=agg.vintages, events=agg.events,
                      denominator=agg.denominator).order_by(["segment", "metric", "months_on_book"])


def heatmap_frame(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Vintage x MOB table of ``value`` (the triangle), vintages as rows, newest last."""
    d = curves[curves["metric"] == metric]
    if d.empty:
        return pd.DataFrame()
    return d.pivot_table(index="vintage", columns="months_on_book", values="value", aggfunc="first").sort_index()


# The flag test, stated on the page: a one-sided two-proportion z-test at this level.
FLAG_ALPHA = 0.05
FLAG_TRAILING = 6
CNL_FLAG_RATIO = 1.25


def flag_vintages(curves: pd.DataFrame, metric: str, trailing: int = FLAG_TRAILING,
                  alpha: float = FLAG_ALPHA) -> pd.DataFrame:
    """Vintages running worse than the trailing average at the same MOB, at their latest MOB.

    For each vintage v (of one grain and no segment) at its latest observed MOB k, the reference is
    the pooled value of the ``trailing`` previous vintages observed at MOB k (numerators and
    denominators added). Ever metrics: flagged when a one-sided two-proportion z-test rejects
    "v is no worse than the reference" at level ``alpha``. ``cnl`` (an amount ratio, no count to
    test): flagged when v exceeds the reference by more than 25%.
    Returns ``vintage, months_on_book, value, reference, z, p_value, flagged`` (one row per vintage).
    """
    d = curves[curves["metric"] == metric]
    cols = ["vintage", "months_on_book", "value", "reference", "loans", "z", "p_value", "flagged"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    vintages = sorted(d["vintage"].unique())
    by_key = d.set_index(["vintage", "months_on_book"])
    rows = []
    for i, v in enumerate(vintages):
        dv = d[d["vintage"] == v]
        k = int(dv["months_on_book"].max())
        cur = by_key.loc[(v, k)]
        ref_keys = [(r, k) for r in vintages[max(0, i - trailing):i] if (r, k) in by_key.index]
        if not ref_keys:
            rows.append((v, k, cur["value"], np.nan, cur["loans"], np.nan, np.nan, False))
            continue
        ref = by_key.loc[ref_keys]
        e_ref, n_ref = float(ref["events"].sum()), float(ref["denominator"].sum())
        p_ref = e_ref / n_ref if n_ref else np.nan
        if metric == "cnl":
            flagged = bool(p_ref > 0 and cur["value"] > CNL_FLAG_RATIO * p_ref)
            rows.append((v, k, cur["value"], p_ref, cur["loans"], np.nan, np.nan, flagged))
            continue
        z, p = two_proportion_z(float(cur["events"]), float(cur["denominator"]), e_ref, n_ref)
        rows.append((v, k, cur["value"], p_ref, cur["loans"], z, p, bool(p < alpha)))
    return pd.DataFrame(rows, columns=cols)


def two_proportion_z(e1: float, n1: float, e2: float, n2: float) -> tuple[float, float]:
    """One-sided test of p1 > p2 with the pooled variance: (z, p-value). NaN where undefined."""
    if n1 <= 0 or n2 <= 0:
        return np.nan, np.nan
    p1, p2, pooled = e1 / n1, e2 / n2, (e1 + e2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return np.nan, 1.0 if p1 <= p2 else 0.0
    z = (p1 - p2) / math.sqrt(var)
    return z, 0.5 * math.erfc(z / math.sqrt(2))
