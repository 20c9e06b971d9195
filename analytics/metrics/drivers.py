"""Which segments drove this month's change in delinquency: the "driven by ..." of the narrative.

For each of a few loan dimensions, the month-over-month change of the book's 60+ (or 30+) rate is
split into mix and rate effects by segment (:func:`analytics.metrics.delinquency.mix_rate_effects`,
effects add up to the book's change). The driver of a dimension is the segment with the largest
effect in the direction of the change, kept only if it explains at least ``min_share`` of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir

from analytics.metrics.delinquency import mix_rate_effects, previous_month, segment_rates
from analytics.metrics.segments import UNKNOWN

NARRATIVE_DIMENSIONS: tuple[str, ...] = ("region", "vintage_year", "vehicle_condition")


@dataclass(frozen=True)
class Driver:
    dimension: str
    segment: str
    effect: float  # change of the book's rate this segment accounts for (fraction)
    share: float   # effect / the book's change


def top_drivers(perf: ir.Table, loans: ir.Table, month: date, level: int = 60,
                dims: tuple[str, ...] = NARRATIVE_DIMENSIONS, min_share: float = 0.25) -> list[Driver]:
    prev = previous_month(month)
    out = []
    for dim in dims:
        eff = mix_rate_effects(segment_rates(perf, loans, dim, [prev, month]), month, prev, level).to_pandas()
        total = float(eff["total_effect"].sum()) if len(eff) else 0.0
        if abs(total) < 1e-6:
            continue
        eff = eff[eff["segment"] != UNKNOWN]
        if eff.empty:
            continue
        # the segment pushing hardest in the direction of the change
        best = eff.loc[(eff["total_effect"] * (1 if total > 0 else -1)).idxmax()]
        share = float(best["total_effect"]) / total
        if share >= min_share:
            out.append(Driver(dim, str(best["segment"]), float(best["total_effect"]), share))
    return out
