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

**Macro paths.** Beyond the seasons, the miss rate moves persistently (a regional downturn, a
vintage that turns out worse): log(miss rate ÷ season) over the window is read as an AR(1) around
its long-run mean, its variance being the scatter less the Poisson noise of each month's rate
(1 / misses) and its autocorrelation the lag-1 covariance over that net variance. Each path
starts from the level of the last three months and drifts back toward the window's mean with
that persistence and spread, both relative to the 12 months the matrices average (so a book
leaving a bad year sees its misses fall back on most paths, and a run of bad months is possible
on others). Needs 24 months.

**Cures.** The same classes and weighting give a factor on delinquent loans' cures (back to
current from 1+ DPD): in the Spring Festival month collectors are on leave and borrowers travel,
so fewer cure (50,000-loan cn sample, as-of 2025-06: 0.81 against 1.01 for other months). A
missed month that is not cured stays in arrears and feeds the 30+ rate for months after.

The engine scales the chance that a current loan misses by the month's factor (the mass comes
from staying current, as for a treatment's effect; :func:`analytics.strategy.engine.apply_effects`),
the row the factor was estimated on, and delinquent loans' cures by the cure factor (the mass
goes to staying and rolling in proportion); the deeper rolls follow through the chain a month or
more later, as they do in the data. The factors are used where a baseline carries them
(:func:`analytics.strategy.backtest.backtest` estimates them; elsewhere the matrices' 12-month
average stands).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
MIN_MACRO_MONTHS = 24   # months of rates needed before a persistent movement is estimated
NOW_MONTHS = 3          # months averaged for the level at the as-of month (one month is noisy)


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
    # The miss rate's persistent movement beyond the seasons (module docstring, "Macro paths"):
    # sd and month-to-month autocorrelation of log(miss rate ÷ season), its level now and its
    # long-run mean, both relative to the matrices' 12-month year.
    macro_sd: float = 0.0
    macro_rho: float = 0.0
    level_now: float = 0.0
    level_mean: float = 0.0
    # Factors on delinquent loans' cures per class (the same credibility weighting; empty: none).
    cure_factors: dict[str, float] = field(default_factory=dict)

    def paths(self, paths: int, months: int, seed: int) -> np.ndarray:
        """Per path and simulated month, the factor on current loans' misses (paths, months): the
        season's times a persistent macro movement exp(z_t), z an AR(1) from ``level_now`` back
        toward ``level_mean`` with the data's sd and autocorrelation (the same on every strategy's
        path k: seeded by ``seed``)."""
        season = self.horizon(months)[None, :]
        if self.macro_sd <= 0:
            return np.broadcast_to(season, (paths, months)).copy()
        rng = np.random.default_rng([seed, 303])
        rho, mu = self.macro_rho, self.level_mean
        eps = rng.standard_normal((paths, months)) * self.macro_sd * np.sqrt(max(1 - rho ** 2, 0.0))
        z = np.empty((paths, months))
        prev = np.full(paths, self.level_now)
        for t in range(months):
            prev = mu + rho * (prev - mu) + eps[:, t]
            z[:, t] = prev
        return season * np.exp(z)

    def factor(self, month_index: int) -> float:
        return float(self.factors.get(season_class(self.market, month_index), 1.0))

    def horizon(self, months: int) -> np.ndarray:
        """Factors of the ``months`` simulated months after the as-of month."""
        return np.array([self.factor(self.as_of_index + t + 1) for t in range(months)])

    def cure_horizon(self, months: int) -> np.ndarray:
        """Factors on cures of the ``months`` simulated months after the as-of month."""
        return np.array([float(self.cure_factors.get(season_class(self.market, self.as_of_index + t + 1), 1.0))
                         for t in range(months)])


def miss_counts(perf: ir.Table, as_of: date, months: int = WINDOW_MONTHS) -> pd.DataFrame:
    """Per arrival month: current loan-months (``current``) and those that missed (``missed``)."""
    tm = transitions.transition_matrix(transitions.window(perf, as_of, months)).to_pandas()
    cur = tm[tm["from_state"] == "current"]
    missed = ~cur["to_state"].isin(["current", "paid_off"])
    out = cur.assign(missed=cur["loans"].where(missed, 0)).groupby("as_of_month", as_index=False)[
        ["loans", "missed"]].sum().rename(columns={"loans": "current"})
    # Delinquent loan-months (1+ DPD, open) and those that cured (back to current).
    dq = tm[tm["from_state"].isin(transitions.STATES[1:6])]
    cured = dq.assign(cured=dq["loans"].where(dq["to_state"] == "current", 0)).groupby(
        "as_of_month", as_index=False)[["loans", "cured"]].sum().rename(columns={"loans": "delinquent"})
    out = out.merge(cured, on="as_of_month", how="outer").fillna(0.0)
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
    g = df.groupby("cls")[["missed", "current"]].sum()
    factors = _class_factors(df, "missed", "current", as_of_index, pseudo)
    cures = _class_factors(df, "cured", "delinquent", as_of_index, pseudo) if "cured" in df else {}
    macro = _macro(df, factors, as_of_index)
    return Seasonality(market, factors, g["missed"].astype(float).to_dict(), g["current"].astype(float).to_dict(),
                       as_of_index, **macro, cure_factors=cures)


def _class_factors(df: pd.DataFrame, events: str, exposure: str, as_of_index: int, pseudo: float) -> dict[str, float]:
    """Per class ``(x_c + A) / (n_c · r + A)`` (module docstring), relative to the mean over the
    matrices' window weighted by its exposure, so the year the matrices average keeps its mean."""
    if df[exposure].sum() <= 0:
        return {}
    r = df[events].sum() / df[exposure].sum()
    g = df.groupby("cls")[[events, exposure]].sum()
    raw = {c: float((row[events] + pseudo) / (row[exposure] * r + pseudo)) for c, row in g.iterrows()}
    win = df[df["mi"] > as_of_index - MATRIX_MONTHS]
    if win[exposure].sum() > 0:
        mean = float(sum(raw[c] * n for c, n in zip(win["cls"], win[exposure], strict=True)) / win[exposure].sum())
    else:
        mean = 1.0
    return {c: f / mean for c, f in raw.items()}


def _macro(df: pd.DataFrame, factors: dict[str, float], as_of_index: int) -> dict[str, float]:
    """Macro paths from the monthly miss rates ÷ their season (module docstring)."""
    d = df[(df["current"] > 0) & (df["missed"] > 0)].sort_values("mi")
    if len(d) < MIN_MACRO_MONTHS:
        return {}
    x = np.log(d["missed"].to_numpy() / d["current"].to_numpy() / np.array([factors[c] for c in d["cls"]]))
    noise = float(np.mean(1.0 / d["missed"].to_numpy()))   # Poisson noise of a log rate: 1 / misses
    var = float(np.var(x, ddof=1)) - noise
    if var <= 0:
        return {}
    xc = x - x.mean()
    # The lag-1 autocorrelation of the movement itself: month-to-month Poisson noise adds to the
    # variance but not to the lag-1 covariance (independent from month to month), so the
    # covariance is divided by the variance net of noise (the plain lag-1 correlation of the noisy
    # series is biased toward 0 by var / (var + noise): the moment correction for an AR(1)
    # observed with error, Staudenmayer & Buonaccorsi, JASA 100, 2005, 841-852).
    rho = float(np.clip(np.sum(xc[1:] * xc[:-1]) / (len(x) - 1) / var, 0.0, 0.95))
    window = d["mi"].to_numpy() > as_of_index - MATRIX_MONTHS
    base = float(x[window].mean()) if window.any() else float(x.mean())
    return {"macro_sd": float(np.sqrt(var)), "macro_rho": rho, "level_now": float(x[-NOW_MONTHS:].mean()) - base,
            "level_mean": float(x.mean()) - base}


def estimate(perf: ir.Table, market: str, as_of: date, months: int = WINDOW_MONTHS) -> Seasonality:
    """:func:`from_counts` on the data up to ``as_of``."""
    return from_counts(miss_counts(perf, as_of, months), market, as_of)
