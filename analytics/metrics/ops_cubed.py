"""The Collections page's computations from the operations cubes (analytics/ops_cubes.py).

Each function returns what its row-based twin in :mod:`analytics.metrics.collections` returns
(same columns, same definitions), or None when the cubes cannot answer (no fresh cubes, a
segment outside the cube's keys, a vintage bound that is not a month start, another market's
contact rules); the caller then computes from the rows (``cubed.answer``). Counts are equal
exactly; sums of money to floating-point rounding (added in another order).
"""

from __future__ import annotations

from datetime import date, datetime

import ibis
import ibis.expr.types as ir

from analytics.cubes import CUBE_SEGMENTS
from analytics.metrics import cubed
from analytics.metrics.expr import ratio
from analytics.metrics.filters import PortfolioFilter
from analytics.ops_cubes import ROLLUPS
from analytics.strategy.rules import rules_for

ALL = PortfolioFilter()
FPD_SEGMENTS = ("vintage", "dealer_id", "channel", *CUBE_SEGMENTS)


def _month_start(d: date | None) -> bool:
    return d is None or d.day == 1


def _filter_columns(f: PortfolioFilter) -> set[str]:
    """The cube columns the sidebar's filter reads (the month column is in every cube and roll-up)."""
    cols = {c for c, on in (("region", f.regions), ("credit_tier", f.credit_tiers),
                            ("vehicle_condition", f.vehicle_conditions)) if on}
    return cols | ({"vintage"} if f.vintage_from or f.vintage_to else set())


def _cube(ops, name: str, f: PortfolioFilter, needs: tuple[str, ...] = ()) -> ir.Table:
    """The smallest table of cube ``name`` with the columns the filter and ``needs`` (a segment's)
    read: the whole-book roll-up, the roll-up by segment (ops_cubes.SEG_KEYS: no vintage; for fpd,
    no dealer or channel, so it comes first), else the cube by loan dimensions. Every roll-up sums
    the cube over the columns it leaves out, so each gives the same answer."""
    cols = set(needs) | _filter_columns(f)
    kinds = ("seg", "all") if name == "fpd" else ("all", "seg")
    for kind in kinds:
        table = (getattr(ops, "segs" if kind == "seg" else "rollups", None) or {}).get(name)
        if table is not None and cols <= set(ROLLUPS[kind][name]):
            return table
    return getattr(ops, name)


def last_month(cubes, f: PortfolioFilter = ALL) -> date | None:
    """The last month with rows of the chosen loans (from the portfolio cube ``cube_month``)."""
    m = None if cubes is None else cubed._narrow(cubes.month, f)
    if m is None:
        return None
    return m.as_of_month.max().to_pandas()


def _seg_cols(dim: str | None) -> tuple[str, ...]:
    """The cube columns a segment is made of."""
    if dim is None:
        return ()
    return ("vintage",) if dim in ("vintage", "vintage_year") else (dim,)


def entry_rates(ops, f: PortfolioFilter = ALL, dim: str | None = None) -> ir.Table | None:
    """:func:`collections.entry_rates` over the filtered rows."""
    if ops is None or (dim is not None and dim not in CUBE_SEGMENTS):
        return None
    e = cubed._narrow(_cube(ops, "entry", f, _seg_cols(dim)), f)
    if e is None:
        return None
    e = e.mutate(segment=ibis.literal("all") if dim is None else cubed._segment(e, dim))
    t = e.group_by(["as_of_month", "segment"]).aggregate(base=e.base.sum(), entered=e.entered.sum())
    return t.mutate(entry_rate=ratio(t.entered, t.base)).order_by(["as_of_month", "segment"])


def first_payment_default(ops, f: PortfolioFilter = ALL, dim: str = "vintage") -> ir.Table | None:
    """:func:`collections.first_payment_default` over the filtered rows."""
    if ops is None or dim not in FPD_SEGMENTS:
        return None
    c = cubed._narrow(_cube(ops, "fpd", f, _seg_cols(dim)), f)
    if c is None:
        return None
    if dim == "vintage":
        seg = c.vintage.strftime("%Y-%m-%d")
    elif dim in ("dealer_id", "channel"):
        seg = c[dim]
    else:
        seg = cubed._segment(c, dim)
    c = c.mutate(segment=seg)
    t = c.group_by("segment").aggregate(loans=c.loans.sum(), fpd=c.fpd.sum(), loans_30=c.loans_30.sum(),
                                        fpd30=c.fpd30.sum())
    return t.mutate(fpd_rate=ratio(t.fpd, t.loans), fpd30_rate=ratio(t.fpd30, t.loans_30)).order_by("segment")


def cure_day_counts(ops, f: PortfolioFilter = ALL) -> ir.Table | None:
    """:func:`collections.cure_day_counts` over the filtered rows (and payments up to the month)."""
    c = None if ops is None else cubed._narrow(_cube(ops, "cure", f), f, "cohort_month")
    if c is None:
        return None
    return c.group_by(["cohort_month", "cured_day", "method"]).aggregate(loans=c.loans.sum())


def _months(t: ir.Table, start: date | None, end: date | None) -> ir.Table:
    if start is not None:
        t = t.filter(t.as_of_month >= ibis.date(start))
    if end is not None:
        t = t.filter(t.as_of_month <= ibis.date(end.replace(day=1)))
    return t


def contact_funnel(ops, f: PortfolioFilter = ALL, start: date | None = None, end: date | None = None,
                   by_month: bool = False) -> ir.Table | None:
    """:func:`collections.contact_funnel` over the filtered contacts (months ``start..end``)."""
    if ops is None or not _month_start(start):
        return None
    fu, ke = cubed._narrow(_cube(ops, "funnel", f), f), cubed._narrow(_cube(ops, "kept", f), f)
    if fu is None or ke is None:
        return None
    fu, ke = _months(fu, start, end), _months(ke, start, end)
    ke = ke.filter(ke.kept_month.notnull())
    if f.as_of_month is not None:  # kept with the payments up to the month, as the rows see them
        ke = ke.filter(ke.kept_month <= ibis.date(f.as_of_month))
    keys = ["as_of_month", "channel", "bucket"] if by_month else ["channel", "bucket"]
    base = fu.group_by(keys).aggregate(
        attempts=fu.attempts.sum(), reached=fu.reached.sum(), promises=fu.promises.sum(), paid=fu.paid.sum(),
        complaints=fu.complaints.sum(), cost=fu.cost.sum(), collected=fu.collected.sum())
    kept = ke.group_by(keys).aggregate(kept=ke.kept.sum())
    t = base.left_join(kept, keys).drop(*[f"{c}_right" for c in keys])
    t = t.mutate(collected=t.collected.fill_null(0.0), kept=t.kept.fill_null(0))
    return t.mutate(ptp_kept_rate=ratio(t.kept, t.promises), complaints_per_10k=ratio(t.complaints * 10_000, t.attempts),
                    cost_per_contact=ratio(t.cost, t.attempts),
                    cost_per_yuan_collected=ratio(t.cost, t.collected)).order_by(keys)


def _cost_by_month(ops, f: PortfolioFilter) -> ir.Table | None:
    fu = cubed._narrow(_cube(ops, "funnel", f), f)
    return None if fu is None else fu.group_by(_m=fu.as_of_month).aggregate(cost=fu.cost.sum(),
                                                                            contacts=fu.attempts.sum())


def collection_effectiveness(ops, f: PortfolioFilter = ALL) -> ir.Table | None:
    """:func:`collections.collection_effectiveness` over the filtered rows and contacts."""
    d = None if ops is None else cubed._narrow(_cube(ops, "cei", f), f)
    c = None if ops is None else _cost_by_month(ops, f)
    if d is None or c is None:
        return None
    m = d.group_by("as_of_month").aggregate(loans=d.loans.sum(), collected=d.collected.sum(),
                                            collectible=d.collectible.sum())
    t = m.left_join(c.drop("contacts"), m.as_of_month == c._m).drop("_m")
    t = t.mutate(cost=t.cost.fill_null(0.0))
    return t.mutate(cei=ratio(t.collected, t.collectible),
                    cost_per_yuan_collected=ratio(t.cost, t.collected)).order_by("as_of_month")


def compliance_trend(ops, f: PortfolioFilter = ALL, market: str | None = None) -> ir.Table | None:
    """:func:`collections.compliance_trend` with ``rules_for(market)`` over the filtered contacts."""
    if ops is None or ops.compliance is None or rules_for(market) != rules_for(ops.market):
        return None
    b, tot = cubed._narrow(_cube(ops, "compliance", f), f), _cost_by_month(ops, f)
    if b is None or tot is None:
        return None
    per = b.group_by(["as_of_month", "rule"]).aggregate(breaches=b.breaches.sum())
    t = per.inner_join(tot.drop("cost"), per.as_of_month == tot._m).drop("_m")
    return t.mutate(per_10k=ratio(t.breaches * 10_000, t.contacts)).order_by(["as_of_month", "rule"])


def breach_list(ops, f: PortfolioFilter = ALL, market: str | None = None, since: date | None = None) -> ir.Table | None:
    """:func:`collections.compliance_breaches` (``rules_for(market)``, contacts from ``since`` on)
    over the filtered contacts, from the stored list ``ops_breaches``; unordered, as the rows'."""
    if ops is None or ops.breaches is None or rules_for(market) != rules_for(ops.market):
        return None
    b = cubed._narrow(ops.breaches, f)
    if b is None:
        return None
    if since is not None:
        b = b.filter(b.action_time >= ibis.timestamp(datetime(since.year, since.month, since.day)))
    return b.select("loan_id", "action_time", "channel", "agent_id", "agency", "outcome", "rule")


def agent_performance(ops, f: PortfolioFilter = ALL, level: str = "agent", start: date | None = None,
                      end: date | None = None) -> ir.Table | None:
    """:func:`collections.agent_performance` (bucket-mix expectation) over the filtered contacts."""
    c = None if ops is None or ops.agent is None else cubed._narrow(_cube(ops, "agent", f), f, "month")
    if c is None:
        return None
    if start is not None:
        c = c.filter(c.month >= ibis.date(start))
    if end is not None:
        c = c.filter(c.month <= ibis.date(end))
    rates = c.group_by("bucket").aggregate(_rate=c.successes.sum().cast("float64") / c.cases.sum().cast("float64"))
    j = c.inner_join(rates, "bucket")
    key = "agent_id" if level == "agent" else "agency"
    g = j.group_by(name=j[key], agency=j.agency).aggregate(
        cases=j.cases.sum(), actual=j.successes.sum(), expected=(j._rate * j.cases).sum(),
        var=(j._rate * (1 - j._rate) * j.cases).sum())
    return g.order_by("name")


def row_tables(t, f: PortfolioFilter = ALL, with_payments: bool = True):
    """(performance, loans, actions, payments or None) of the filtered loans up to the month: the
    rows the twins in :mod:`analytics.metrics.collections` read (``t``: a store.Tables)."""
    import pandas as pd

    from analytics.metrics.filters import apply, filter_loans

    perf = apply(t.performance, t.loans, f)
    actions, payments = t.actions, (t.payments if with_payments else None)
    if f.as_of_month is not None:
        nxt = ibis.timestamp(pd.Timestamp(f.as_of_month) + pd.offsets.MonthBegin(1))
        actions = actions.filter(actions.action_time < nxt)
        if payments is not None:
            payments = payments.filter(payments.paid_at < nxt)
    if f.narrows_loans:
        chosen = filter_loans(t.loans, f).select("loan_id")
        actions = actions.semi_join(chosen, "loan_id")
        if payments is not None:
            payments = payments.semi_join(chosen, "loan_id")
    return perf, t.loans, actions, payments
