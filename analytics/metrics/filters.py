"""Portfolio filters: one frozen (hashable) dataclass, applied the same way by every page.

The frame builds a :class:`PortfolioFilter` once per rerun from the sidebar; being frozen it is
a cache key as it stands. :func:`apply` narrows the performance table to the chosen loans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir


@dataclass(frozen=True)
class PortfolioFilter:
    """What slice of the book to look at. Empty tuples and None mean 'all'."""

    as_of_month: date | None = None
    regions: tuple[str, ...] = ()
    credit_tiers: tuple[str, ...] = ()
    vintage_from: date | None = None
    vintage_to: date | None = None
    vehicle_conditions: tuple[str, ...] = ()

    @property
    def narrows_loans(self) -> bool:
        return bool(self.regions or self.credit_tiers or self.vintage_from or self.vintage_to
                    or self.vehicle_conditions)


def segment_predicates(t: ir.Table, f: PortfolioFilter) -> list:
    """Conditions on region, credit tier and vehicle condition, for any table that has the three
    columns (loans, or a cube keyed by them)."""
    preds = []
    if f.regions:
        preds.append(t.region.isin(list(f.regions)))
    if f.credit_tiers:
        preds.append(t.credit_tier.isin(list(f.credit_tiers)))
    if f.vehicle_conditions:
        preds.append(t.vehicle_condition.isin(list(f.vehicle_conditions)))
    return preds


def filter_loans(loans: ir.Table, f: PortfolioFilter) -> ir.Table:
    preds = segment_predicates(loans, f)
    if f.vintage_from:
        preds.append(loans.origination_date >= ibis.date(f.vintage_from))
    if f.vintage_to:
        # Vintage is the origination month: include the whole 'to' month.
        nxt = date(f.vintage_to.year + (f.vintage_to.month == 12), f.vintage_to.month % 12 + 1, 1)
        preds.append(loans.origination_date < ibis.date(nxt))
    return loans.filter(preds) if preds else loans


def apply(perf: ir.Table, loans: ir.Table, f: PortfolioFilter) -> ir.Table:
    """Performance rows of the filtered loans, up to the as-of month."""
    if f.as_of_month is not None:
        perf = perf.filter(perf.as_of_month <= ibis.date(f.as_of_month))
    if f.narrows_loans:
        chosen = filter_loans(loans, f).select("loan_id")
        perf = perf.semi_join(chosen, "loan_id")
    return perf
