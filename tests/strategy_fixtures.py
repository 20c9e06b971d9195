"""A hand-made baseline for the strategy tests: three bands, a plausible 9-state chain, round numbers."""

from __future__ import annotations

from datetime import date

import numpy as np

from analytics.strategy.baseline import Baseline

# Rows: current, 1-29, 30-59, 60-89, 90-119, 120+, paid_off, charged_off, repossessed.
P_HIGH = np.array([
    [0.90, 0.07, 0, 0, 0, 0, 0.03, 0, 0],
    [0.50, 0.30, 0.18, 0, 0, 0, 0.02, 0, 0],
    [0.20, 0.10, 0.30, 0.40, 0, 0, 0, 0, 0],
    [0.05, 0, 0.10, 0.30, 0.55, 0, 0, 0, 0],
    [0.02, 0, 0, 0.05, 0.23, 0.30, 0, 0.20, 0.20],
    [0, 0, 0, 0, 0.05, 0.05, 0, 0.45, 0.45],
    [0, 0, 0, 0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 1, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 1],
])


def scaled(P: np.ndarray, miss: float) -> np.ndarray:
    """P with the current row's miss probability set to ``miss`` (the rest stays current)."""
    Q = P.copy()
    Q[0, 1] = miss
    Q[0, 0] = 1 - miss - Q[0, 6]
    return Q


def toy_baseline(scale: float = 1.0, kappa: float = np.inf) -> Baseline:
    """High, medium and low bands differing in the miss rate; ``scale`` multiplies every count."""
    mats = np.stack([P_HIGH, scaled(P_HIGH, 0.03), scaled(P_HIGH, 0.01)])
    counts = np.array([[20_000, 1_500, 600, 300, 200, 100, 0, 0, 0],
                       [60_000, 1_800, 400, 150, 80, 40, 0, 0, 0],
                       [40_000, 400, 80, 30, 20, 10, 0, 0, 0]], dtype=float) * scale
    ones = np.ones((3, 9))
    conc = np.full((3, 9), kappa)
    conc[:, 6:] = np.inf
    return Baseline(
        bands=("high", "medium", "low"), as_of_month=date(2026, 10, 1), window_months=12, matrix=mats,
        transitions=mats * 10_000, concentration=conc, counts=np.round(counts), balance=ones * 50_000.0,
        vehicle_value=ones * 80_000.0, months_on_book=ones * 20.0, apr=ones * 0.10, remaining_term=ones * 36.0,
        payment=ones * 1_600.0, recovery={"charged_off": 0.05, "repossessed": 0.6}, market="cn",
    )
