"""Loan dimensions the pages break the book down by, as one string column per loan.

Every dimension is a fact at origination (a column of ``loans`` or derived from one), so a loan
stays in the same segment all its life. A missing value becomes the segment ``unknown``: imported
sources often lack a score, region or dealer, and the loan must still be counted.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from analytics.errors import InputError

DIMENSIONS: tuple[str, ...] = (
    "region", "dealer_id", "credit_tier", "term_months", "vehicle_condition", "channel", "vintage_year",
    "apr_band", "vehicle_type",
)
UNKNOWN = "unknown"
# APR bands (fractions): lower edges and their labels.
APR_EDGES: tuple[float, ...] = (0.0, 0.05, 0.08, 0.12, 0.16)
APR_LABELS: tuple[str, ...] = ("<5%", "5–8%", "8–12%", "12–16%", "16%+")


def segment_expr(loans: ir.Table, dim: str) -> ir.StringValue:
    """The segment of each loan for dimension ``dim`` (a string; ``unknown`` where missing)."""
    if dim not in DIMENSIONS:
        raise InputError(f"Unknown dimension '{dim}'. Choose one of: {', '.join(DIMENSIONS)}.")
    if dim == "vintage_year":
        value = loans.origination_date.year().cast("string")
    elif dim == "term_months":
        value = loans.term_months.cast("string")
    elif dim == "apr_band":
        cases = [(loans.apr >= lo, label) for lo, label in zip(APR_EDGES[::-1], APR_LABELS[::-1], strict=True)]
        value = ibis.cases(*cases, else_=ibis.null("string"))
    else:
        value = loans[dim].cast("string")
    return value.fill_null(UNKNOWN)


def segment_table(loans: ir.Table, dim: str) -> ir.Table:
    """``loan_id, segment`` for dimension ``dim``."""
    return loans.select("loan_id", segment=segment_expr(loans, dim))


def segment_order(dim: str, values: list[str]) -> list[str]:
    """A natural order for a dimension's segments (bands and terms by size, names alphabetically)."""
    def key(v: str):
        if v == UNKNOWN:
            return (2, 0, v)
        if dim == "apr_band" and v in APR_LABELS:
            return (0, APR_LABELS.index(v), v)
        if dim in ("term_months", "vintage_year") and v.isdigit():
            return (0, int(v), v)
        if dim == "credit_tier":
            from analytics.schema import CREDIT_TIERS
            return (0, CREDIT_TIERS.index(v) if v in CREDIT_TIERS else 99, v)
        return (1, 0, v)
    return sorted(values, key=key)
