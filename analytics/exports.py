"""Tables that ``python -m analytics export`` writes, by name. Later features add theirs here.

Each entry takes the canonical tables (Ibis) and returns a pandas frame. ``--month`` keeps the
rows of one month where the table has ``as_of_month``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from analytics import portfolio


@dataclass(frozen=True)
class Tables:
    """The canonical tables of one backend, as Ibis tables."""

    loans: ir.Table
    performance: ir.Table
    actions: ir.Table
    restructures: ir.Table

    @classmethod
    def of(cls, backend) -> Tables:
        return cls(*(backend.table(n) for n in ("loans", "performance", "actions", "restructures")))


EXPORTS: dict[str, Callable[[Tables], pd.DataFrame]] = {
    "kpis": lambda t: portfolio.monthly_kpis(t.performance).to_pandas(),
    "delinquency_trend": lambda t: portfolio.delinquency_trend(t.performance).to_pandas(),
}
