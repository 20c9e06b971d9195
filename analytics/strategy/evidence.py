"""What each strategy's effects rest on, and the combined effect per segment.

- :func:`effect_evidence`: for every channel × band × stage a strategy changes, the prior
  (assumed, cited) effect, the test's measurement with its 95% interval, the combined
  (precision-weighted, :func:`analytics.strategy.effects._combined`) value in use, the
  measurement's weight in it, and which one drives it (the measurement when its weight is above
  one half, as ``Effect.kind``).
- :func:`combined_by_segment`: per band × stage the combined relative cut of the roll
  probability ``E = 1 - Π(1 - q_j e_j)`` (capped at the book's cap, floored at ``-MAX_HARM``) and
  rise of the cure probability, for today's practice (``E0``) and for the strategy (its
  treatments plus today's contacts it keeps), on point effects at the planned shares (no
  capacity or budget cut). The engine scales the roll by ``(1 - E)/(1 - E0)`` and the cure by
  ``(1 + C)/(1 + C0)`` (:func:`analytics.strategy.engine.effect_multipliers`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.strategy.baseline import STAGE_STATES
from analytics.strategy.effects import MAX_HARM, EffectBook
from analytics.strategy.engine import Plan
from analytics.strategy.spec import STAGES, Strategy


def effect_evidence(strategy: Strategy, book: EffectBook) -> pd.DataFrame:
    """One row per effect the strategy changes (module docstring)."""
    rows = []
    for key in dict.fromkeys((t.channel, t.risk_band, t.stage) for t in strategy.treatments):
        e = book.get(*key)
        prior_roll = e.prior_roll if e.prior_roll is not None else (e.roll if e.kind == "assumed" else None)
        prior_cure = e.prior_cure if e.prior_cure is not None else (e.cure if e.kind == "assumed" else None)
        m_ci = e.measured_roll_ci or (np.nan, np.nan)
        c_ci = e.measured_cure_ci or (np.nan, np.nan)
        weight = max(e.data_weight_roll, e.data_weight_cure)
        rows.append({
            "channel": key[0], "risk_band": key[1], "stage": key[2],
            "prior_roll": prior_roll, "measured_roll": e.measured_roll, "measured_roll_lo": m_ci[0],
            "measured_roll_hi": m_ci[1], "roll": e.roll, "weight_roll": e.data_weight_roll,
            "prior_cure": prior_cure, "measured_cure": e.measured_cure, "measured_cure_lo": c_ci[0],
            "measured_cure_hi": c_ci[1], "cure": e.cure, "weight_cure": e.data_weight_cure,
            "kind": e.kind,
            "driver": "user" if e.kind == "user" else ("measured" if weight > 0.5 else "prior"),
            "source": e.source})
    return pd.DataFrame(rows)


def _combined(log_left: np.ndarray, cap: float) -> np.ndarray:
    lo = np.log(1 - cap) if cap < 1 else -np.inf
    return 1 - np.exp(np.clip(log_left, lo, np.log(1 + MAX_HARM)))


def _log_left(q: np.ndarray, e: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Σ_j log(1 - q_j e_j) per (band, state)."""
    if mask.shape[0] == 0:
        return np.zeros(mask.shape[1:])
    lg = np.log(np.maximum(1 - np.minimum(q * e, 0.999), 1e-9))
    return np.einsum("j,jbi->bi", lg, mask)


def combined_by_segment(plan: Plan) -> pd.DataFrame:
    """Per band × stage: today's and the strategy's combined roll cut and cure rise (module docstring).
    Only segments where either is non-zero are listed."""
    q_t = plan.t_share
    q_keep = plan.p_share * plan.p_active
    roll_today = _combined(_log_left(plan.p_share, plan.p_roll, plan.p_mask), plan.cap_roll)
    cure_today = _combined(_log_left(plan.p_share, plan.p_cure, plan.p_mask), plan.cap_cure)
    roll_s = _combined(_log_left(q_t, plan.t_roll, plan.t_mask) + _log_left(q_keep, plan.p_roll, plan.p_mask),
                       plan.cap_roll)
    cure_s = _combined(_log_left(q_t, plan.t_cure, plan.t_mask) + _log_left(q_keep, plan.p_cure, plan.p_mask),
                       plan.cap_cure)
    rows = []
    for b, band in enumerate(plan.bands):
        for stage in STAGES:
            i = STAGE_STATES[stage][0]
            vals = (roll_today[b, i], roll_s[b, i], cure_today[b, i], cure_s[b, i])
            if not any(abs(v) > 1e-12 for v in vals):
                continue
            rows.append({"risk_band": band, "stage": stage, "roll_today": float(vals[0]),
                         "roll_strategy": float(vals[1]), "cure_today": float(vals[2]),
                         "cure_strategy": float(vals[3]),
                         "roll_multiplier": float((1 - vals[1]) / (1 - vals[0])),
                         "cure_multiplier": float((1 + vals[3]) / (1 + vals[2]))})
    return pd.DataFrame(rows)
