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
    # Through int32: PostgreSQL casts boolean to integer but not to bigint (CAST(b AS BIGINT) fails
    # there); the sum of int32 is int64 on every engine, and a NULL stays NULL as before.
    return pred.cast("int32").sum()


def as_float(pred: ir.BooleanValue) -> ir.FloatingValue:
    """1.0 / 0.0 (NULL stays NULL) through int32: PostgreSQL has no boolean-to-double cast."""
    return pred.cast("int32").cast("float64")


def sum_if(pred: ir.BooleanValue, value: ir.NumericValue) -> ir.NumericScalar:
    return ibis.ifelse(pred, value, 0.0).sum()


def ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """num / den, null where the denominator is zero (no division errors on any engine)."""
    return ibis.ifelse(den == 0, ibis.null(), num.cast("float64") / den.cast("float64"))


def closing_rows(perf: ir.Table) -> ir.Table:
    """Each closed loan's closing row: its first row whose status is not ``active``.

    A loan may keep rows after it closed (post-closure rows: zero balance, the closed status,
    only the recovery cash that arrived that month; docs/data_dictionary.md, "Closures and
    recoveries"). Measures that count closures (charge-offs, repossessions, payoffs, transitions
    into a closed state) count this row only, so a closure is counted once."""
    closed = perf.filter(perf.status != "active")
    first = closed.group_by("loan_id").aggregate(as_of_month=closed.as_of_month.min())
    # Same schema as ``perf`` (nullability included), so the result unions with its other rows.
    return closed.semi_join(first, ["loan_id", "as_of_month"]).cast(perf.schema())
