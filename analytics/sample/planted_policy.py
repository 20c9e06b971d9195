"""A documented change of collections practice planted in the sample, for the policy backtest.

From **2025-07** on, in the market's first region (cn: Guangdong, us: CA), loans of the **high**
risk band (origination score below 620) get two new contacts that the rest of the book does not:

- a **pre-due SMS** three days before the due date while current, which cuts the monthly chance
  of missing the instalment by 8% (relative). Size: Cadena & Schoar (2011), SMS reminders raise
  on-time payment by 7-9%.
- an **AI voice call** on day 2 of 1-29 DPD, which raises the chance of a full cure by 15%
  (relative). Size: Laudenbach, Pirschel & Siegel find on-time repayment +34.4 pp when an agent
  reaches a delinquent borrower; with about 40% reached and a bot weaker than an agent, +15%
  relative is the assumption.

Calls produce promises to pay, and about half of the promises are broken: a promise whose loan
does not cure that month is a broken promise (outcome ``promise_to_pay`` with no cure). The
planted contacts are business as usual (no experiment arm), so a backtest that starts before
2025-07 and simulates the change as a strategy can be compared with what happened.

The generator (:mod:`analytics.sample.synth`) calls :func:`treated`, :func:`adjust_miss`,
:func:`cure_boost` and :func:`actions` each month; this module draws its own random numbers
for its contacts. The walk draws its random numbers per loan and month from counter-based
streams (:mod:`analytics.sample.streams`), so the change leaves every loan it does not treat
exactly as it would be without it (tests/test_synth_streams.py). Before, one shared stream made
every later draw of every loan shift once a treated loan cured or closed, and the us subprime
60+ share of the 20,000-loan seed-5 sample moved from 4.86% to 3.43% by sampling noise alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import schema

CHANGE_MONTH = "2025-07-01"
REGION_INDEX = 0                 # the market's first region (cn: Guangdong, us: CA)
BAND_INDEX = 0                   # high band (score < 620) in synth's SEGMENTS order
SMS_MISS_CUT = 0.08              # Cadena & Schoar (2011): on-time payment +7-9%
VOICE_CURE_RISE = 0.15           # Laudenbach, Pirschel & Siegel, scaled for reach (module docstring)
PROMISE_RATE = 0.45              # share of answered calls that end in a promise to pay (assumption)
SEED = 2025_07


def _month_index(value: str) -> int:
    y, m = int(value[:4]), int(value[5:7])
    return y * 12 + m - 1


def truth() -> dict[str, object]:
    """What was planted, for the metadata and the tests."""
    return {"month": CHANGE_MONTH, "region_index": REGION_INDEX, "risk_band": "high",
            "pre_due_sms": {"timing_dpd": -3, "miss_cut": SMS_MISS_CUT},
            "ai_voice_dpd_1_29": {"timing_dpd": 2, "cure_rise": VOICE_CURE_RISE}}


def treated(month_index: int, region: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Loans under the changed practice this month (boolean per open loan)."""
    if month_index < _month_index(CHANGE_MONTH):
        return np.zeros(len(region), dtype=bool)
    return (np.asarray(region) == REGION_INDEX) & (np.asarray(segment) == BAND_INDEX)


def adjust_miss(p_miss: np.ndarray, mask: np.ndarray, missed: np.ndarray) -> np.ndarray:
    """Current treated loans miss less (the pre-due SMS)."""
    return np.where(mask & (missed == 0), p_miss * (1 - SMS_MISS_CUT), p_miss)


def cure_boost(mask: np.ndarray, missed: np.ndarray) -> np.ndarray:
    """Multiplier of the full-cure probability: treated loans at 1-29 DPD cure more (the AI voice call)."""
    return np.where(mask & (missed == 1), 1 + VOICE_CURE_RISE, 1.0)


def actions(month_index: int, idx: np.ndarray, mask: np.ndarray, missed: np.ndarray, cured: np.ndarray,
            offset: np.ndarray, cost: dict[str, float]) -> pd.DataFrame | None:
    """The planted contacts as rows of the generator's actions batch (columns i, m, sec, ch, dpd,
    out, cost, arm), or None when there are none this month."""
    pre = np.nonzero(mask & (missed == 0))[0]
    call = np.nonzero(mask & (missed == 1))[0]
    if len(pre) + len(call) == 0:
        return None
    rng = np.random.default_rng([SEED, month_index])
    ch = schema.ACTION_CHANNELS
    out_codes = {o: i for i, o in enumerate(schema.ACTION_OUTCOMES)}
    sms_out = np.where(rng.random(len(pre)) < 0.93, out_codes["contacted"], out_codes["no_contact"])
    answered = rng.random(len(call)) < 0.6
    promise = answered & (rng.random(len(call)) < PROMISE_RATE)
    voice_out = np.where(cured[call], out_codes["paid"],
                         np.where(promise, out_codes["promise_to_pay"],
                                  np.where(answered, out_codes["contacted"], out_codes["no_contact"])))
    sel = np.concatenate([pre, call])
    day = np.concatenate([np.maximum(offset[idx[pre]] - 4, 0), np.minimum(offset[idx[call]] + 1, 26)])
    sec = day.astype(np.int64) * 86400 + rng.integers(9 * 3600, 20 * 3600, len(sel))
    return pd.DataFrame({
        "i": idx[sel].astype(np.int64), "m": np.full(len(sel), month_index, dtype=np.int32), "sec": sec,
        "ch": np.concatenate([np.full(len(pre), ch.index("sms")), np.full(len(call), ch.index("ai_voice"))]
                             ).astype(np.int8),
        "dpd": np.concatenate([np.full(len(pre), -3), np.full(len(call), 2)]).astype(np.int32),
        "out": np.concatenate([sms_out, voice_out]).astype(np.int8),
        "cost": np.concatenate([np.full(len(pre), cost["sms"]), np.full(len(call), cost["ai_voice"])]),
        "arm": np.full(len(sel), -1, dtype=np.int8)})
