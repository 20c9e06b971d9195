"""Seasonal factors on the roll rates, estimated from the data's own transitions.

The simulator's matrices average the 12 months before the as-of month, so a month with more
missed instalments than usual (the Spring Festival month in China, the months after the holidays
in the US) is spread over the year. Here each calendar month gets a factor on the chance that a
current loan misses (moves to 1-29 DPD or worse):

- **cn**: three classes, the Spring Festival month (the Gregorian month of Chinese New Year's
  Day, :data:`CNY_MONTH`), the month after it, and every other month. The festival moves between
  January and February, so calendar months would mix it with ordinary months.
- **us** (and any other market): the twelve calendar months.

A class's factor is its miss rate over the book's mean, from the transitions of up to
:data:`WINDOW_MONTHS` months before the as-of month, credibility-weighted toward 1:
``f_c = (x_c + A) / (n_c · r + A)`` with ``x_c`` misses out of ``n_c`` current loan-months in the
class, ``r`` the window's mean miss rate and ``A`` = :data:`PSEUDO_MISSES` (an assumption: a class
needs well over 50 misses before its own rate counts for more than the prior of no seasonality).
The factors are then divided by their average over the 12 months the matrices were estimated on
(weighted by their current loan-months), so the mean of the year stays the matrices' and a month
the year already averaged in is not counted twice.

The engine scales the chance that a current loan misses by the month's factor (the mass comes
from staying current, as for a treatment's effect; :func:`analytics.strategy.engine.apply_effects`),
the row the factor was estimated on; the deeper rolls follow through the chain a month or more
later, as they do in the data. The factors are used where a baseline carries them
(:func:`analytics.strategy.backtest.backtest` estimates them; elsewhere the matrices' 12-month
average stands).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.metrics import transitions

# Gregorian month of Chinese New Year's Day (the first day of the lunar year), from the Hong Kong
# Observatory's Gregorian-Lunar calendar conversion tables (public calendar, not the sample's).
CNY_MONTH: dict[int, int] = {2015: 2, 2016: 2, 2017: 1, 2018: 2, 2019: 2, 2020: 1, 2021: 2, 2022: 2, 2023: 1,
                             2024: 2, 2025: 1, 2026: 2, 2027: 2, 2028: 1, 2029: 2, 2030: 2, 2031: 1, 2032: 2,
                             2033: 1, 2034: 2, 2035: 2}
WINDOW_MONTHS = 36
PSEUDO_MISSES = 50.0
MATRIX_MONTHS = 12


def season_class(market: str, month_index: int) -> str:
    """The seasonal class of a calendar month (``month_index`` = year · 12 + month - 1)."""
    year, month = month_index // 12, month_index % 12 + 1
    if market == "cn":
        sf = CNY_MONTH.get(year, 2)
        if month == sf:
            return "spring_festival"
        if month == sf % 12 + 1:
            return "after_spring_festival"
        return "other"
    return f"m{month:02d}"


@dataclass(frozen=True)
class Seasonality:
    """Factors per class and what they were estimated from."""

    market: str
    factors: dict[str, float]          # class -> factor relative to the matrices' 12-month mean
    misses: dict[str, float]           # class -> misses seen
    exposure: dict[str, float]         # class -> current loan-months seen
    as_of_index: int                   # the as-of month (year · 12 + month - 1)

    def factor(self, month_index: int) -> float:
        return float(self.factors.get(season_class(self.market, month_index), 1.0))

    def horizon(self, months: int) -> np.ndarray:
        """Factors of the ``months`` simulated months after the as-of month."""
        return np.array([self.factor(self.as_of_index + t + 1) for t in range(months)])


def miss_counts(perf: ir.Table, as_of: date, months: int = WINDOW_MONTHS) -> pd.DataFrame:
    """Per arrival month: current loan-months (``current``) and those that missed (``missed``)."""
    tm = transitions.transition_matrix(transitions.window(perf, as_of, months)).to_pandas()
    cur = tm[tm["from_state"] == "current"]
    missed = ~cur["to_state"].isin(["current", "paid_off"])
    out = cur.assign(missed=cur["loans"].where(missed, 0)).groupby("as_of_month", as_index=False)[
        ["loans", "missed"]].sum().rename(columns={"loans": "current"})
    out["as_of_month"] = pd.to_datetime(out["as_of_month"])
    return out


def from_counts(counts: pd.DataFrame, market: str, as_of: date, pseudo: float = PSEUDO_MISSES) -> Seasonality:
    """Factors from :func:`miss_counts` (module docstring)."""
    as_of_index = as_of.year * 12 + as_of.month - 1
    if counts.empty or counts["current"].sum() <= 0:
        return Seasonality(market, {}, {}, {}, as_of_index)
    mi = counts["as_of_month"].dt.year * 12 + counts["as_of_month"].dt.month - 1
    cls = [season_class(market, int(m)) for m in mi]
    df = counts.assign(cls=cls, mi=mi.to_numpy())
    r = df["missed"].sum() / df["current"].sum()
    g = df.groupby("cls")[["missed", "current"]].sum()
    raw = {c: float((row.missed + pseudo) / (row.current * r + pseudo)) for c, row in g.iterrows()}
    # Relative to the mean over the matrices' window, weighted by its current loan-months.
    win = df[df["mi"] > as_of_index - MATRIX_MONTHS]
    if win["current"].sum() > 0:
        mean = float(sum(raw[c] * n for c, n in zip(win["cls"], win["current"], strict=True)) / win["current"].sum())
    else:
        mean = 1.0
    factors = {c: f / mean for c, f in raw.items()}
    return Seasonality(market, factors, g["missed"].astype(float).to_dict(), g["current"].astype(float).to_dict(),
                       as_of_index)


def estimate(perf: ir.Table, market: str, as_of: date, months: int = WINDOW_MONTHS) -> Seasonality:
    """:func:`from_counts` on the data up to ``as_of``."""
    return from_counts(miss_counts(perf, as_of, months), market, as_of)
