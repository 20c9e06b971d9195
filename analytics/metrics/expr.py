"""Small Ibis expression helpers shared by the metric modules (engine-portable)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def month_index(col: ir.DateValue) -> ir.IntegerValue:
    """Months since year 0: consecutive months differ by 1 on every engine (joins on t-1)."""
    return (col.year() * 12 + col.month() - 1).cast("int64")


def next_month(col: ir.DateValue) -> ir.DateValue:
    """The first day of the month after ``col`` (a first-of-month date)."""
    return (col + ibis.interval(months=1)).cast("date")


def count_if(pred: ir.BooleanValue) -> ir.IntegerScalar:
    return pred.cast("int64").sum()


def sum_if(pred: ir.BooleanValue, value: ir.NumericValue) -> ir.NumericScalar:
    return ibis.ifelse(pred, value, 0.0).sum()


def ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """num / den, null where the denominator is zero (no division errors on any engine)."""
    return ibis.ifelse(den == 0, ibis.null(), num.cast("float64") / den.cast("float64"))
