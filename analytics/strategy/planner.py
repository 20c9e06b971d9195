"""Sample size and power for a champion/challenger test of a roll or cure rate.

Two-sided test of two proportions with the normal approximation and a pooled variance under the
null (Fleiss, without continuity correction). With the control rate p_c, the challenger's rate
p_t (a relative cut of a roll rate, or a relative rise of a cure rate), k = n_t / n_c and
p̄ = (p_c + k p_t) / (1 + k):

    n_c = [z(1-α/2) sqrt(p̄ (1-p̄) (1 + 1/k)) + z(1-β) sqrt(p_c (1-p_c) + p_t (1-p_t) / k)]² / (p_c - p_t)²

and the power of given arms is
Φ((|p_c - p_t| - z(1-α/2) sqrt(p̄ (1-p̄) (1/n_c + 1/n_t))) / sqrt(p_c (1-p_c)/n_c + p_t (1-p_t)/n_t)).
A unit is one loan-month: a loan eligible in a month is randomised that month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from analytics.errors import InputError


def challenger_rate(p_control: float, relative_effect: float, kind: str = "roll") -> float:
    """The challenger's rate: roll rates fall by the effect, cure rates rise by it."""
    p = p_control * (1 - relative_effect) if kind == "roll" else p_control * (1 + relative_effect)
    return float(p)


def _check(p_c: float, p_t: float, alpha: float, ratio: float) -> None:
    if not (0 < p_c < 1):
        raise InputError(f"the control rate must be between 0 and 1 (got {p_c:.4g}).")
    if not (0 < p_t < 1):
        raise InputError(f"the challenger's rate {p_t:.4g} is outside (0, 1): use a smaller effect.")
    if p_t == p_c:
        raise InputError("an effect of zero cannot be detected: enter the smallest effect worth finding.")
    if not (0 < alpha < 1) or ratio <= 0:
        raise InputError("the significance level must be between 0 and 1 and the allocation ratio positive.")


def sample_size(p_control: float, relative_effect: float, kind: str = "roll", alpha: float = 0.05,
                power: float = 0.8, ratio: float = 1.0) -> tuple[int, int]:
    """Loan-months needed in (control, challenger) arms; ``ratio`` = challenger / control size."""
    p_c, p_t = p_control, challenger_rate(p_control, relative_effect, kind)
    _check(p_c, p_t, alpha, ratio)
    if not (0 < power < 1):
        raise InputError("power must be between 0 and 1, e.g. 0.8.")
    k = ratio
    pbar = (p_c + k * p_t) / (1 + k)
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    n_c = (za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + zb * math.sqrt(p_c * (1 - p_c) + p_t * (1 - p_t) / k)) ** 2
    n_c /= (p_c - p_t) ** 2
    return math.ceil(n_c), math.ceil(k * n_c)


def power_of(p_control: float, relative_effect: float, n_control: float, n_treated: float, kind: str = "roll",
             alpha: float = 0.05) -> float:
    p_c, p_t = p_control, challenger_rate(p_control, relative_effect, kind)
    _check(p_c, p_t, alpha, 1.0)
    pbar = (n_control * p_c + n_treated * p_t) / (n_control + n_treated)
    za = norm.ppf(1 - alpha / 2)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n_control + 1 / n_treated))
    se1 = math.sqrt(p_c * (1 - p_c) / n_control + p_t * (1 - p_t) / n_treated)
    return float(norm.cdf((abs(p_c - p_t) - za * se0) / se1))


@dataclass(frozen=True)
class TestPlan:
    n_control: int
    n_treated: int
    months: float | None        # months to enrol them at the eligible flow given
    p_control: float
    p_treated: float


def plan_test(p_control: float, relative_effect: float, kind: str = "roll", alpha: float = 0.05,
              power: float = 0.8, ratio: float = 1.0, eligible_per_month: float | None = None,
              share_in_test: float = 1.0) -> TestPlan:
    """Sample size and, given the eligible loans per month and the share put in the test, months."""
    n_c, n_t = sample_size(p_control, relative_effect, kind, alpha, power, ratio)
    months = None
    if eligible_per_month:
        flow = eligible_per_month * share_in_test
        months = (n_c + n_t) / flow if flow > 0 else math.inf
    return TestPlan(n_c, n_t, months, p_control, challenger_rate(p_control, relative_effect, kind))


def power_curve(p_control: float, relative_effect: float, kind: str = "roll", alpha: float = 0.05,
                ratio: float = 1.0, max_total: int | None = None, points: int = 40) -> list[tuple[int, float]]:
    """(total loan-months, power) pairs up to ``max_total`` (default: 2.5 × what 80% power needs)."""
    n_c, n_t = sample_size(p_control, relative_effect, kind, alpha, 0.8, ratio)
    top = max_total or int(2.5 * (n_c + n_t))
    out = []
    for total in np.linspace(max(top / points, 4), top, points):
        nc = total / (1 + ratio)
        out.append((int(total), power_of(p_control, relative_effect, nc, total - nc, kind, alpha)))
    return out
