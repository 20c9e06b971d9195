"""The page and export computations from the pre-aggregated cubes (analytics/cubes.py).

Each function returns exactly what its row-based twin returns (same columns, same definitions:
see portfolio, transitions, cohorts), or None when the cubes cannot answer (no fresh cubes, a
segment outside :data:`analytics.cubes.CUBE_SEGMENTS`, a vintage bound that is not a month
start); the caller then computes from the rows. ``answer`` picks one or the other, so a page
or an export never has to know which it got.

One difference is stated, not hidden: with a filter that narrows the loans, the vintage grid of
the cube spans every month of the data, while the row-based grid spans the months in which the
chosen loans have rows; curves agree wherever both have a point.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics.cubes import CUBE_SEGMENTS
from analytics.metrics import delinquency, portfolio, transitions
from analytics.metrics.expr import month_index, ratio
from analytics.metrics.filters import PortfolioFilter, segment_predicates
from analytics.metrics.segments import UNKNOWN

ALL = PortfolioFilter()


def _narrow(c: ir.Table, f: PortfolioFilter, month_col: str = "as_of_month") -> ir.Table | None:
    preds = segment_predicates(c, f)
    if f.as_of_month is not None:
        preds.append(c[month_col] <= ibis.date(f.as_of_month))
    for bound in (f.vintage_from, f.vintage_to):
        if bound is not None and bound.day != 1:
            return None  # the cube's vintage is a month: only month bounds are exact
    if f.vintage_from is not None:
        preds.append(c.vintage >= ibis.date(f.vintage_from))
    if f.vintage_to is not None:
        preds.append(c.vintage <= ibis.date(f.vintage_to))
    return c.filter(preds) if preds else c


def _segment(c: ir.Table, by: str) -> ir.StringValue:
    """The same segment strings as analytics.metrics.segments.segment_expr."""
    value = c.vintage.year().cast("string") if by == "vintage_year" else c[by].cast("string")
    return value.fill_null(UNKNOWN)


def kpis(cubes, f: PortfolioFilter = ALL) -> ir.Table | None:
    """:func:`analytics.metrics.portfolio.monthly_kpis` from ``cube_month`` and ``cube_cure``."""
    if cubes is None:
        return None
    m, c = _narrow(cubes.month, f), _narrow(cubes.cure, f)
    if m is None or c is None:
        return None
    active = m.status == "active"

    def n(pred):
        return ibis.ifelse(pred, m.loans, 0).sum()

    def bal(pred):
        return ibis.ifelse(pred, m.balance, 0.0).sum()

    agg = m.group_by("as_of_month").aggregate(
        active_loans=n(active), outstanding_balance=bal(active),
        dq30=n(active & (m.dpd_level >= 30)), dq60=n(active & (m.dpd_level >= 60)),
        dq90=n(active & (m.dpd_level >= 90)),
        dq30_bal=bal(active & (m.dpd_level >= 30)), dq60_bal=bal(active & (m.dpd_level >= 60)),
        dq90_bal=bal(active & (m.dpd_level >= 90)), net_chargeoff=m.net_co.sum())
    agg = agg.mutate(mi=month_index(agg.as_of_month))
    cures = c.group_by("as_of_month").aggregate(cure_base=c.cure_base.sum(), cured=c.cured.sum())
    cures = cures.select(mi=month_index(cures.as_of_month), cure_base=cures.cure_base, cured=cures.cured)
    return portfolio.long_kpis(portfolio.kpis_from_aggregates(agg, cures))


def delinquency_trend(cubes, f: PortfolioFilter = ALL) -> ir.Table | None:
    """:func:`analytics.metrics.portfolio.delinquency_trend` from ``cube_month``."""
    m = None if cubes is None else _narrow(cubes.month, f)
    if m is None:
        return None
    a = m.filter(m.status == "active")
    return portfolio.trend_from_counts(a.group_by(["as_of_month", "bucket"]).aggregate(
        loans=a.loans.sum(), balance=a.balance.sum()))


def transition_matrix(cubes, f: PortfolioFilter = ALL, by: str | None = None, end: date | None = None,
                      months: int | None = None) -> ir.Table | None:
    """:func:`analytics.metrics.transitions.transition_matrix` (over ``transitions.window(perf, end,
    months)`` when both are given) from ``cube_transition``."""
    if cubes is None or (by is not None and by not in CUBE_SEGMENTS):
        return None
    t = _narrow(cubes.transition, f)
    if t is None:
        return None
    if end is not None and months is not None:
        # The window's rows run from its start month, so transitions arrive after it.
        t = t.filter((t.as_of_month > ibis.date(transitions._window_start(end, months)))
                     & (t.as_of_month <= ibis.date(end)))
    seg = {}
    if by is not None:
        seg = {"segment": _segment(t, by)}
    t = t.mutate(**seg)
    keys = ["as_of_month", *seg, "from_state", "to_state"]
    agg = t.group_by(keys).aggregate(loans=t.loans.sum(), balance=t.balance.sum())
    return transitions.matrix_from_counts(agg, list(seg))


def vintage_counts(cubes, f: PortfolioFilter = ALL, by: str | None = None) -> ir.Table | None:
    """:func:`analytics.metrics.cohorts.vintage_counts` from ``cube_vintage``."""
    if cubes is None or (by is not None and by not in CUBE_SEGMENTS):
        return None
    v = _narrow(cubes.vintage, f)
    if v is None:
        return None
    seg = {"segment": _segment(v, by)} if by is not None else {}
    v = v.mutate(**seg)
    keys = ["vintage", *seg, "months_on_book", "metric"]
    agg = v.group_by(keys).aggregate(events=v.events.sum(), denominator=v.denominator.sum(), loans=v.loans.sum())
    return agg.select("vintage", *seg, "months_on_book", "metric", "events", "denominator", "loans")


def answer(from_cube: ir.Table | None, from_rows: Callable[[], ir.Table]) -> ir.Table:
    """The cube's answer when there is one, else the rows'."""
    return from_cube if from_cube is not None else from_rows()


# --- Delinquency and Roll-rate pages: segment trend, state mix, cure rates, data checks ---------

def _has(t: ir.Table | None, *cols: str) -> bool:
    """Whether a cube has the columns (cubes built by an earlier version lack the newer ones)."""
    return t is not None and set(cols) <= set(t.columns)


def segment_trend(cubes, f: PortfolioFilter = ALL, dim: str = "credit_tier", start: date | None = None
                  ) -> ir.Table | None:
    """:func:`analytics.metrics.delinquency.segment_trend` of the rows from ``start`` from
    ``cube_month`` (its ``dpd_days`` key: DPD >= 30/60/90, the segment rates' rule)."""
    if cubes is None or dim not in CUBE_SEGMENTS or not _has(cubes.month, "dpd_days"):
        return None
    m = _narrow(cubes.month, f)
    if m is None:
        return None
    m = m.filter(m.status == "active")
    if start is not None:
        m = m.filter(m.as_of_month >= ibis.date(start))
    m = m.mutate(segment=_segment(m, dim))
    aggs = {"loans": m.loans.sum(), "balance": m.balance.sum()}
    for lv in delinquency.LEVELS:
        aggs[f"dq{lv}"] = ibis.ifelse(m.dpd_days >= lv, m.loans, 0).sum()
        aggs[f"dq{lv}_bal"] = ibis.ifelse(m.dpd_days >= lv, m.balance, 0.0).sum()
    t = m.group_by(["as_of_month", "segment"]).aggregate(**aggs)
    return delinquency._with_rates(t).order_by(["segment", "as_of_month"])


def state_mix(cubes, f: PortfolioFilter = ALL, month: date | None = None, by: str | None = None
              ) -> ir.Table | None:
    """:func:`analytics.metrics.transitions.state_mix` from ``cube_month``."""
    if cubes is None or month is None or (by is not None and by not in CUBE_SEGMENTS):
        return None
    m = _narrow(cubes.month, f)
    if m is None:
        return None
    m = m.filter((m.as_of_month == ibis.date(month)) & (m.status == "active"))
    seg = {"segment": _segment(m, by)} if by is not None else {}
    m = m.mutate(**seg)
    keys = [*seg, "bucket"]
    out = m.group_by(keys).aggregate(loans=m.loans.sum(), balance=m.balance.sum())
    return out.rename(state="bucket").order_by([*seg, "state"])


def cure_rates(cubes, f: PortfolioFilter = ALL, end: date | None = None, months: int | None = None
               ) -> ir.Table | None:
    """:func:`analytics.metrics.transitions.cure_rates` of the filtered rows (over
    ``transitions.window(perf, end, months)`` when both are given) from ``cube_cure_h``.

    The cube keeps t+h only where it is a month of the data; with a filter that narrows the
    loans, t+h must also be a month in which the chosen loans have rows (as the rows' rule),
    which ``cube_month`` says."""
    if cubes is None or cubes.cure_h is None:
        return None
    c = _narrow(cubes.cure_h, f)
    if c is None:
        return None
    target = month_index(c.as_of_month) + c.horizon
    limits = [ibis.date(x) for x in (end, f.as_of_month) if x is not None]
    for lim in limits:
        c = c.filter(target <= month_index(lim))
    if end is not None and months is not None:
        c = c.filter((c.as_of_month >= ibis.date(transitions._window_start(end, months)))
                     & (c.as_of_month <= ibis.date(end)))
    if f.narrows_loans:
        m = _narrow(cubes.month, f)
        if m is None:
            return None
        seen = m.select(mi=month_index(m.as_of_month)).distinct()
        c = c.mutate(target_mi=month_index(c.as_of_month) + c.horizon)
        c = c.semi_join(seen, c.target_mi == seen.mi)
    keys = ["as_of_month", "bucket", "horizon"]
    agg = c.group_by(keys).aggregate(base=c.base.sum(), cured=c.cured.sum())
    return agg.select(*keys, "base", "cured", cure_rate=ratio(agg.cured, agg.base)).order_by(keys)


def data_shape(cubes, f: PortfolioFilter = ALL) -> dict | None:
    """Months of the filtered data, first and last, and the share of the first month's rows
    with months on book > 1 (``ui.cache.data_shape``'s figures) from ``cube_month``."""
    if cubes is None or not _has(cubes.month, "mid_life"):
        return None
    m = _narrow(cubes.month, f)
    if m is None:
        return None
    per = m.group_by("as_of_month").aggregate(n=m.loans.sum(), mid=m.mid_life.sum()).to_pandas()
    return shape_of(per)


def shape_of(per: pd.DataFrame) -> dict:
    """``{months, first, last, mid_life_share}`` from ``as_of_month, n, mid`` per month."""
    if per.empty:
        return {"months": 0, "first": None, "last": None, "mid_life_share": 0.0}
    per = per.assign(as_of_month=pd.to_datetime(per["as_of_month"])).sort_values("as_of_month")
    first = per.iloc[0]
    n, mid = int(first["n"]), int(first["mid"] or 0)
    return {"months": len(per), "first": per["as_of_month"].iloc[0].date(), "last": per["as_of_month"].iloc[-1].date(),
            "mid_life_share": mid / n if n else 0.0}


def instalment_coverage(cubes) -> tuple[int, int] | None:
    """:func:`analytics.metrics.basis.instalment_coverage` (active rows, of them with a
    missed-instalment count) from ``cube_month``."""
    if cubes is None or not _has(cubes.month, "instalments"):
        return None
    m = cubes.month.filter(cubes.month.status == "active")
    agg = m.aggregate(n=m.loans.sum(), k=m.instalments.sum()).to_pandas()
    return int(agg["n"].iloc[0] or 0), int(agg["k"].iloc[0] or 0)


def actual_path(cubes, f: PortfolioFilter = ALL, base: date | None = None, h: int = 6, by: str | None = None
                ) -> ir.Table | None:
    """:func:`analytics.metrics.transitions.actual_path` of the filtered rows from ``cube_path``,
    when ``base`` is its base (the last month - 6) and ``h`` <= 6; else None.

    With a filter that narrows the loans, a closed loan is carried only into months in which
    the chosen loans have rows (the rows' rule), which ``cube_month`` says."""
    from analytics.cubes import PATH_HORIZONS

    if (cubes is None or cubes.path is None or base is None or h > max(PATH_HORIZONS)
            or (by is not None and by not in CUBE_SEGMENTS)):
        return None
    held = cubes.path.filter(cubes.path.base_month == ibis.date(base)).count().to_pandas()
    if not held:
        return None
    p = _narrow(cubes.path, f)
    if p is None:
        return None
    last = base.year * 12 + base.month - 1 + h
    p = p.filter((p.base_month == ibis.date(base)) & (month_index(p.as_of_month) <= last))
    if f.narrows_loans:
        m = _narrow(cubes.month, f)
        seen = m.select(seen_month=m.as_of_month).distinct()
        carried = p.filter(p.carried)
        carried = carried.semi_join(seen, carried.as_of_month == seen.seen_month)
        p = p.filter(~p.carried).union(carried)
    seg = {"segment": _segment(p, by)} if by is not None else {}
    p = p.mutate(**seg)
    keys = ["as_of_month", *seg, "state"]
    return p.group_by(keys).aggregate(loans=p.loans.sum(), balance=p.balance.sum()).order_by(keys)
