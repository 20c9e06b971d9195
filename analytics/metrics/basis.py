"""The basis buckets are counted on: days past due (every market) or missed instalments (cn).

DESIGN section 5: cn lenders count M buckets by days (M1 = 1–30 DPD …) "or by missed
instalments, 逾期期数, where the data has them". On the instalment basis a loan with k instalments
in arrears (performance.instalments_missed) is in slot k: M1 = 1 missed instalment, M2 = 2, …,
M5+ = 5 or more; none missed is M0 (current). The canonical slot names stay (``dpd_1_29`` is M1),
so every metric that groups by ``bucket`` (trend, rates, transitions, roll rates) works unchanged
on the table :func:`with_basis` returns.

A row without the count (a source that does not carry it, or a month it was missing) keeps its
days-past-due bucket; :func:`instalment_coverage` says how many rows that is, and the pages offer
the instalment basis only when every active row of the data has the count.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from analytics.schema import BUCKETS

BASES: tuple[str, ...] = ("days", "instalments")
COLUMN = "instalments_missed"


def has_column(perf: ir.Table) -> bool:
    return COLUMN in perf.columns


def instalment_coverage(perf: ir.Table) -> tuple[int, int]:
    """(active rows, of them with a missed-instalment count); (n, 0) when the column is absent."""
    active = perf.filter(perf.status == "active")
    if not has_column(perf):
        return int(active.count().to_pandas()), 0
    agg = active.aggregate(n=active.count(), k=active[COLUMN].count()).to_pandas()
    return int(agg["n"].iloc[0]), int(agg["k"].iloc[0])


def available(perf: ir.Table) -> bool:
    """True when every active row has a missed-instalment count (and there is at least one)."""
    n, k = instalment_coverage(perf)
    return n > 0 and k == n


def instalment_bucket(k: ir.IntegerValue) -> ir.StringValue:
    """The slot of ``k`` missed instalments: 0 current, 1 … 4 the first four stages, 5+ the last."""
    last = len(BUCKETS) - 1
    return ibis.cases(*[(k == i, BUCKETS[i]) for i in range(last)], else_=BUCKETS[last])


def with_basis(perf: ir.Table, basis: str = "days") -> ir.Table:
    """``perf`` with ``bucket`` counted on ``basis`` (``days``: as stored; ``instalments``: from
    ``instalments_missed``, rows without it keeping their stored bucket)."""
    if basis not in BASES:
        raise ValueError(f"unknown bucket basis {basis!r}: use one of {', '.join(BASES)}")
    if basis == "days":
        return perf
    k = perf[COLUMN]
    return perf.mutate(bucket=ibis.ifelse(k.isnull(), perf.bucket, instalment_bucket(k.clip(lower=0))))
