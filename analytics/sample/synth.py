"""The sample-portfolio generator: a seeded, realistic auto-loan book with its collections history.

Each loan is drawn at origination (score, term, vehicle, LTV, payment-to-income, region, dealer,
channel), then walked month by month through a state machine on the number of missed
instalments: current, 1-29, 30-59, 60-89, 90-119, 120+ days past due, then charge-off or
repossession with recovery; prepayment and payoff at maturity; cures and partial cures.
The monthly odds depend on the loan's risk factors, a regional macro index with a downturn,
seasonality (Spring Festival for cn, the tax-refund dip for us), a seasoning curve and looser
underwriting in later vintages. Collection contacts, randomised champion/challenger tests whose
true effect differs by risk segment, and restructures (extensions, deferrals) with re-default
are generated alongside. Everything the generator plants is returned as ``truth`` and stored in
the metadata table so tests can check the analytics recover it.

The walk is vectorised over all open loans one calendar month at a time and rows are streamed
to the store month by month, so memory grows with the open book, not the full history. Its
random numbers are counter-based, keyed by (seed, purpose, loan number, month)
(:mod:`analytics.sample.streams`): a loan's path does not depend on the other loans or on draws
added elsewhere. Origination draws each attribute for the whole book from one seeded
``np.random.Generator`` (a new attribute drawn last changes nothing before it).
Calibration targets are in docs/data_dictionary.md and tested in tests/test_synth.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy.special import ndtri as _ndtri

from analytics import schema
from analytics.errors import InputError
from analytics.sample import planted_policy
from analytics.sample.costs import CONTACT_COST
from analytics.sample.operations import Operations
from analytics.sample.streams import Draws, loan_keys, month_keys
from analytics.store import Batch

log = logging.getLogger(__name__)

MARKETS = ("cn", "us")
SPRING_FESTIVAL_MONTH = {2019: 2, 2020: 1, 2021: 2, 2022: 2, 2023: 1, 2024: 2, 2025: 1, 2026: 2,
                         2027: 2}

REGIONS = {
    "cn": (["Guangdong", "Jiangsu", "Zhejiang", "Shandong", "Henan", "Sichuan", "Hubei", "Hebei",
            "Hunan", "Fujian", "Shanghai", "Beijing"],
           [0.14, 0.11, 0.10, 0.09, 0.09, 0.08, 0.07, 0.07, 0.07, 0.06, 0.06, 0.06]),
    "us": (["CA", "TX", "FL", "NY", "PA", "IL", "OH", "GA", "NC", "MI", "AZ", "NJ"],
           [0.16, 0.14, 0.11, 0.08, 0.07, 0.07, 0.07, 0.07, 0.06, 0.06, 0.06, 0.05]),
}
CHANNELS = {"cn": (["dealer", "online", "bank_partner"], [0.6, 0.25, 0.15]),
            "us": (["dealer", "direct", "online"], [0.85, 0.10, 0.05])}
VEHICLE_TYPES = {"cn": ["sedan", "suv", "mpv", "ev"], "us": ["sedan", "suv", "truck", "van"]}
ARMS = ("predue_sms_2024:treatment", "predue_sms_2024:control",
        "early_ai_voice_2025:treatment", "early_ai_voice_2025:control")


@dataclass(frozen=True)
class SynthParams:
    """What the generator is asked for; stored in metadata with the data it made."""

    loans: int = 50_000
    seed: int = 7
    market: str = "cn"
    start_month: str = "2019-01-01"
    end_month: str = "2026-10-01"

    def check(self) -> None:
        if self.market not in MARKETS:
            raise InputError(f"Unknown market '{self.market}'. Use one of: {', '.join(MARKETS)}.")
        if int(self.loans) <= 0:
            raise InputError(f"The number of loans must be positive (got {self.loans}). "
                             "Try --loans 50000.")
        if _month_index(self.end_month) - _month_index(self.start_month) < 24:
            raise InputError("The sample needs at least 24 months between start and end month.")


@dataclass
class Truth:
    """Effects the generator planted, for tests and documentation."""

    logit_coefficients: dict[str, float]
    bad_dealers: list[str]
    downturn: dict[str, object]
    seasonality: dict[str, object]
    experiments: dict[str, dict[str, object]]
    restructure_redefault_logit: float
    vintage_loosening_per_year: float
    extra: dict[str, object] = field(default_factory=dict)
    walk: dict[str, object] = field(default_factory=dict)


# Risk drivers on the logit of missing an instalment while current (per standardised unit).
COEF = {
    "intercept": -4.55,
    "score_per_100_below_700": 0.95,
    "ltv_per_0_1_above_0_9": 0.22,
    "pti_per_0_05_above_0_12": 0.30,
    "used_vehicle": 0.25,
    "bad_dealer": 0.90,
    "term_per_12m_above_60": 0.12,
    "income_not_verified": 0.20,
    "co_borrower": -0.20,
    "online_channel": 0.15,
    "frailty_sd": 0.60,
}
VINTAGE_LOOSENING = 0.10  # logit per origination year after 2022
REDEFAULT_LOGIT = 0.9     # extra logit of missing after a restructure, for 12 months
# Experiment effects: relative reduction of the monthly miss probability (pre-due SMS) and relative
# increase of the cure probability (AI voice at 1-29 DPD), by risk segment of origination score.
SEGMENTS = ("high", "medium", "low")
PREDUE_SMS_EFFECT = {"high": 0.25, "medium": 0.12, "low": 0.03}
AI_VOICE_CURE_EFFECT = {"high": 0.30, "medium": 0.18, "low": 0.06}


def risk_segment_of_score(score: np.ndarray) -> np.ndarray:
    """high < 620 <= medium < 720 <= low: the segments in which experiment effects differ."""
    s = np.nan_to_num(np.asarray(score, dtype=float), nan=600)
    return np.where(s < 620, 0, np.where(s < 720, 1, 2)).astype(np.int8)


def _month_index(value: str | date) -> int:
    d = pd.Timestamp(value)
    return d.year * 12 + d.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _annuity(principal: np.ndarray, apr: np.ndarray, term: np.ndarray) -> np.ndarray:
    r = apr / 12.0
    with np.errstate(divide="ignore", invalid="ignore"):
        pay = principal * r / (1.0 - (1.0 + r) ** (-term))
    return np.where(r > 1e-9, pay, principal / np.maximum(term, 1))


@dataclass
class _Book:
    """Origination facts, as arrays indexed by loan number."""

    orig_month: np.ndarray
    orig_day: np.ndarray
    score: np.ndarray
    term: np.ndarray
    apr: np.ndarray
    amount: np.ndarray
    payment: np.ndarray
    vehicle_value: np.ndarray
    ltv: np.ndarray
    used: np.ndarray
    vtype: np.ndarray
    pti: np.ndarray
    income_verified: np.ndarray
    co_borrower: np.ndarray
    region: np.ndarray
    dealer: np.ndarray
    channel: np.ndarray
    base_logit: np.ndarray
    segment: np.ndarray


def _originate(p: SynthParams, rng: np.random.Generator, truth_dealers: list[str]) -> tuple[_Book, dict]:
    n = int(p.loans)
    m0, m1 = _month_index(p.start_month), _month_index(p.end_month)
    months = np.arange(m0, m1 + 1)
    # Growth of about 18% a year, a summer/year-end sales pattern, and a dip in the downturn.
    t = months - m0
    weights = np.exp(0.014 * t) * (1 + 0.08 * np.sin(2 * np.pi * (months % 12 - 2) / 12))
    downturn = _downturn_months(p.market)
    weights[np.isin(months, downturn)] *= 0.7
    orig_month = np.sort(rng.choice(months, size=n, p=weights / weights.sum())).astype(np.int32)
    orig_year = orig_month // 12
    later = np.minimum(np.maximum(orig_year - 2022, 0), WALK.loosening_years_cap)

    if p.market == "us":
        # Book mix (assumption): about 12% of balances below 620, a lender between a bank and a
        # subprime specialist, so that the whole book tracks the NY Fed market-wide flows.
        score = rng.normal(710 - 6 * later, 70, n)
    else:
        score = rng.normal(705 - 5 * later, 62, n)
    score = np.clip(np.round(score), 420, 850)
    tier_idx = np.searchsorted(np.asarray(schema.CREDIT_TIER_LOWER), score, side="right") - 1

    terms = np.array([24, 36, 48, 60, 72, 84])
    term_p = ([0.04, 0.10, 0.14, 0.30, 0.32, 0.10] if p.market == "us"
              else [0.18, 0.42, 0.18, 0.16, 0.04, 0.02])
    term = rng.choice(terms, size=n, p=term_p).astype(np.int16)
    # Later vintages stretch terms (part of the looser underwriting).
    stretch = (later > 0) & (rng.random(n) < 0.08 * later) & (term < 84)
    term[stretch] += 12

    used = rng.random(n) < (0.58 if p.market == "us" else 0.28)
    vtype = rng.integers(0, 4, n).astype(np.int8)
    if p.market == "us":
        value = np.where(used, rng.lognormal(np.log(24_000), 0.30, n), rng.lognormal(np.log(38_000), 0.25, n))
        ltv = rng.normal(0.92 + 0.0009 * (700 - score) + 0.02 * later, 0.12, n)
        apr_by_tier = np.array([0.165, 0.115, 0.075, 0.052])
    else:
        value = np.where(used, rng.lognormal(np.log(95_000), 0.30, n), rng.lognormal(np.log(170_000), 0.28, n))
        ltv = rng.normal(0.72 + 0.0006 * (700 - score) + 0.02 * later, 0.10, n)
        apr_by_tier = np.array([0.115, 0.085, 0.062, 0.045])
    ltv = np.clip(ltv, 0.30, 1.40)
    amount = np.round(value * ltv, -1)
    apr = np.clip(apr_by_tier[tier_idx] + rng.normal(0, 0.012, n) + 0.01 * used, 0.0, 0.299)
    payment = np.round(_annuity(amount, apr, term.astype(float)), 2)
    pti = np.clip(rng.beta(4, 26, n) + 0.0002 * (700 - score) + 0.006 * later, 0.02, 0.45)

    regions, region_p = REGIONS[p.market]
    region = rng.choice(len(regions), size=n, p=region_p).astype(np.int8)
    n_dealers = int(np.clip(n // 250, 20, 2000))
    dealer = rng.integers(0, n_dealers, n).astype(np.int32)
    bad = rng.choice(n_dealers, size=max(2, n_dealers // 20), replace=False)
    truth_dealers.extend(f"D{d:04d}" for d in sorted(bad))
    bad_dealer = np.isin(dealer, bad)
    ch_names, ch_p = CHANNELS[p.market]
    channel = rng.choice(len(ch_names), size=n, p=ch_p).astype(np.int8)
    income_verified = rng.random(n) < np.where(score < 620, 0.65, 0.88)
    co_borrower = rng.random(n) < 0.22

    c = COEF
    base = (c["intercept"]
            + c["score_per_100_below_700"] * (700 - score) / 100
            + c["ltv_per_0_1_above_0_9"] * (ltv - 0.9) / 0.1
            + c["pti_per_0_05_above_0_12"] * (pti - 0.12) / 0.05
            + c["used_vehicle"] * used
            + c["bad_dealer"] * bad_dealer
            + c["term_per_12m_above_60"] * (term - 60) / 12
            + c["income_not_verified"] * (~income_verified)
            + c["co_borrower"] * co_borrower
            + c["online_channel"] * (channel == 1)
            + VINTAGE_LOOSENING * later
            + rng.normal(0, c["frailty_sd"], n))
    book = _Book(orig_month, rng.integers(2, 29, n).astype(np.int8), score, term, apr, amount, payment,
                 np.round(value, -1), np.round(ltv, 4), used, vtype, np.round(pti, 4), income_verified,
                 co_borrower, region, dealer, channel, base, risk_segment_of_score(score))
    return book, {"n_dealers": n_dealers}


def _downturn_months(market: str) -> np.ndarray:
    if market == "us":  # pandemic shock
        return np.arange(_month_index("2020-04-01"), _month_index("2020-09-01") + 1)
    return np.arange(_month_index("2022-04-01"), _month_index("2022-12-01") + 1)


def _macro(market: str, region_names: list[str]) -> dict[str, object]:
    """Regional macro stress on the miss logit, by calendar month index."""
    if market == "us":
        return {"national": [["2020-04-01", "2020-09-01", 0.55], ["2023-01-01", "2024-06-01", 0.25],
                             ["2024-07-01", "2026-10-01", 0.05]],
                "regional": {"CA": [["2024-01-01", "2025-06-01", 0.25]], "TX": [["2020-04-01", "2020-12-01", 0.30]]}}
    return {"national": [["2022-04-01", "2022-12-01", 0.50]],
            "regional": {"Shanghai": [["2022-04-01", "2022-07-01", 0.80]],
                         "Henan": [["2024-03-01", "2025-06-01", 0.45]]}}


def _macro_matrix(macro: dict, region_names: list[str], months: np.ndarray) -> np.ndarray:
    mat = np.zeros((len(region_names), len(months)))
    for start, end, size in macro["national"]:
        mask = (months >= _month_index(start)) & (months <= _month_index(end))
        mat[:, mask] += size
    for name, spans in macro["regional"].items():
        r = region_names.index(name)
        for start, end, size in spans:
            mask = (months >= _month_index(start)) & (months <= _month_index(end))
            mat[r, mask] += size
    return mat


def _seasonal(market: str, month_index: int) -> float:
    year, month = month_index // 12, month_index % 12 + 1
    if market == "us":
        return {2: -0.25, 3: -0.30, 4: -0.20, 11: 0.08, 12: 0.12, 1: 0.10}.get(month, 0.0)
    sf = SPRING_FESTIVAL_MONTH.get(year, 2)
    if month == sf:
        return 0.40
    if month == sf % 12 + 1:
        return 0.15
    return 0.0


def _is_spring_festival(month_index: int) -> bool:
    return month_index % 12 + 1 == SPRING_FESTIVAL_MONTH.get(month_index // 12, 2)


def _seasoning(mob: np.ndarray) -> np.ndarray:
    """Delinquency hump: low in the first months, peaking around 12-20 months on book."""
    return 0.35 * np.exp(-(((mob - 16) / 11.0) ** 2)) - 0.35 * (mob <= 2)


@dataclass(frozen=True)
class WalkCalibration:
    """Every calibrated constant of the monthly walk, in one place, stored as planted truth.

    Values were tuned so that the generated book lands inside the ranges of
    shared/reference/calibration.md (checked by tests/test_synth.py); where a value is an
    assumption rather than a published figure, the comment says so.
    """

    # Monthly prepayment of a current loan after 3 months on book. Assumption: 1.4% (us) / 2.0%
    # (cn) a month, i.e. roughly 15-20% a year, the usual order of auto-ABS prepayment speeds
    # (about 1.3-1.5 ABS; S&P/Fitch auto ABS presale reports); low-risk borrowers 50% faster.
    prepay_monthly_us: float = 0.014
    prepay_monthly_cn: float = 0.020
    prepay_low_risk_uplift: float = 0.5
    prepay_after_mob: int = 3
    # Randomised tests: share of the eligible randomised each month, and the treatment share.
    sms_share_randomised: float = 0.3
    voice_share_randomised: float = 0.5
    treatment_share: float = 0.5
    # Delinquent loans: roll / full-cure logit intercepts by missed instalments (1..5), their
    # slope on the loan's risk above risk_centre, and the share of the rest that pays two
    # instalments (a partial cure). Assumption, tuned to the 60+ ranges in calibration.md.
    roll_intercept: tuple[float, ...] = (-2.7, -1.5, -0.9, 0.0, 2.0)
    cure_intercept: tuple[float, ...] = (0.8, -0.9, -2.0, -2.9, -4.0)
    risk_centre: float = 0.6
    roll_risk_slope: float = 0.45
    cure_risk_slope: float = 0.35
    cure_cap: float = 0.95
    partial_cure_share: float = 0.35
    # us: fewer partial cures, so that a loan at 30-59 DPD more often stays there than drops back
    # below 30 and enters 30+ again next month (the NY Fed flow counts every entry): the 30+ flow
    # then sits at the NY Fed level while the subprime 60+ share rises to S&P/Fitch levels
    # (assumption, tuned on seeds 5-7 of the 20,000-loan sample, tests/test_synth.py).
    partial_cure_share_us: float = 0.15
    max_instalments_in_arrears: int = 5
    # 120+ DPD: closed in the month it is reached with this probability, always after this many
    # months at 120+ (charge-off "around 120 DPD at several issuers", Reg AB II filings in
    # calibration.md). 0.4 and 3 months (was 0.75 and 2): a loan spends 0-2 month-ends at 120+
    # (about one on average) before it is written off or the car is taken, so the 60+ stock of
    # subprime loans reaches the S&P/Fitch 6.2-6.6% without more loans defaulting (assumption:
    # repossession and write-off often wait for the month after 120 DPD).
    close_at_120_prob: float = 0.4
    months_at_120_before_close: int = 3
    # cn: write-off and repossession take longer (court or negotiated repossession); assumption,
    # set so that the 90+ share of balance approaches the auto finance companies' NPL ratio
    # (China Banking Association, 0.58% 2021, 0.71% 2022; analytics.sample.calibration.CN_NPL).
    close_at_120_prob_cn: float = 0.25
    months_at_120_before_close_cn: int = 5
    # Share of terminations that are repossessions. Assumption: most US subprime auto losses
    # go through repossession; fewer cars are repossessed in China.
    repo_share_us: float = 0.62
    repo_share_cn: float = 0.50
    # ... us prime (score >= 660): more of the defaults end in repossession (assumption, set so
    # that prime recoveries reach S&P's 51%: a prime repossession recovers about 68% of the
    # balance in the sample, capped by the car's auction value, and an unsecured charge-off 6%;
    # 0.72 x 0.68 + 0.28 x 0.06 = 0.51. With 0.62 prime recovered 42-48% at seeds 5-7.)
    repo_share_prime_us: float = 0.72
    # Vehicle value keeps this share a month (new 2%/month, used 1.5%/month depreciation:
    # assumption, the usual 20-25% first-year loss), sold at 65-95% of that at auction.
    depreciation_new: float = 0.98
    depreciation_used: float = 0.985
    auction_low: float = 0.65
    auction_high: float = 0.95
    # Unsecured recovery on a charge-off without repossession: 0-12% of the balance (assumption).
    unsecured_recovery_high: float = 0.12
    # Auction proceeds of a repossessed car as a share of the balance owed, by tier (subprime
    # < 620, near-prime, prime >= 660). Set so that total recoveries (repossessions and
    # unsecured charge-offs together) come to about S&P's auto ABS recovery rates of Jan 2025:
    # prime 51%, subprime 33% (calibration.md); for us 0.62 x r + 0.38 x 0.06 = 0.51 gives
    # r = 0.79 for prime, and 0.49 for subprime; the cap by the car's depreciated auction value
    # binds more often for prime (larger balances), so prime is set higher (0.92; measured on
    # seeded samples, tests/test_synth.py). Noise sd 0.12. cn uses the same shares (no published
    # cn figure; assumption).
    repo_recovery_by_tier: tuple[float, float, float] = (0.50, 0.72, 0.92)
    repo_recovery_sd: float = 0.12
    # Recoveries arrive after the closure, as servicers report them: Reg AB II files carry
    # ``chargedoffPrincipalAmount`` in the period of the charge-off and ``recoveredAmount`` in the
    # periods after it (shared/reference/regab2_auto_fields.md). A repossessed car is sold after
    # the notice of sale: under UCC Article 9 at least 10 days after the notice, most auctions
    # 10-30 days after it (legalclarity.org, "How long after a car is repossessed does it go to
    # auction?"); with transport, reconditioning and the auction house's remittance the proceeds
    # reach the lender 1-4 months after the repossession month. Shares of those lags 45/35/15/5%
    # (assumption inside that timeline: mean 1.8 months). Unsecured recoveries on a charge-off
    # without the car (deficiency collections, agencies) arrive 1-6 months after it, evenly
    # (assumption). One payment per closure; months between carry a post-closure row with no cash.
    repo_recovery_lag_shares: tuple[float, ...] = (0.45, 0.35, 0.15, 0.05)
    unsecured_recovery_lag_months: int = 6
    # Spring Festival (cn): in the festival month collectors are on leave and borrowers travel, so
    # fewer delinquent loans cure (logit shift) and agent calls / field visits run at a share of
    # normal capacity. Assumption; Chinese lenders report a post-festival spike in arrears
    # (calibration.md "Seasonality").
    spring_festival_cure_logit: float = -0.6
    spring_festival_capacity: float = 0.5
    # Outcomes of a contact that brought no payment: no contact, contacted, promise to pay (a
    # promise that is then broken), refused. Cumulative shares; assumption.
    unpaid_outcome_cuts: tuple[float, float, float] = (0.40, 0.70, 0.88)
    # Monthly chance of a hardship restructure for a loan 1-3 instalments behind, by risk segment
    # (high, medium, low). S&P credit briefs: monthly share of balance extended prime 0.3-0.5%,
    # subprime 1.5-2.5% of the whole book; only a few % of loans are delinquent, hence per
    # delinquent loan 3.5-10%. The pandemic months (us, 2020-04..06) multiply it by 6
    # (S&P: April 2020 prime 5.8%, subprime 15.7%, about 6-12 times normal).
    restructure_rate_by_segment: tuple[float, float, float] = (0.10, 0.06, 0.035)
    covid_restructure_multiplier: float = 6.0
    covid_restructure_months: tuple[str, str] = ("2020-04-01", "2020-06-01")
    extension_share: float = 0.6          # the rest are deferrals
    extension_extra_months_max: int = 6   # an extension adds arrears plus 0..6 months
    redefault_window_months: int = 12
    max_instalments_paid_in_month: int = 6
    # Shift of the monthly miss logit per market, calibrated so that the annualised flows into
    # 30+ and 90+ DPD (share of balance) match the NY Fed Household Debt and Credit series
    # (shared/reference/nyfed_auto_delinquency_flows.csv: 2024Q4 8.08% / 2.96%, 2025Q4 7.70% /
    # 2.95%) within the tolerance of analytics.sample.calibration.FLOW_TOLERANCE.
    miss_logit_shift_us: float = -0.30
    miss_logit_shift_cn: float = 0.15
    # ... and a steeper score gradient for us, per 100 points below 700, so that the subprime
    # 60+ share stays at S&P/Fitch subprime levels while the whole book's flows fall to the NY
    # Fed's (subprime is about a fifth of US auto balances). 0.30 (was 0.40): with 0.40 prime
    # loans were too safe at every seed - prime 60+ 0.33-0.46% against S&P's 0.60%, prime net
    # loss 0.17-0.38% against S&P's 0.76% (20,000-loan samples, seeds 5-7). New 30+ by score
    # stays below the NY Fed's Liberty Street chart for the prime bands (seed 5, 2024-2025, a
    # quarter: 720-759 0.49% against 0.74%, 680-719 1.1% against 2.0%; <620 8.4% against 8.9%):
    # matching it too would put the whole book's flows some 15% above the NY Fed series with
    # this book mix, so the balance flows are kept and the prime loss is reached below.
    extra_score_slope_us: float = 0.30
    # ... and fewer rolls from 60-89 to 90+ in us, so that the 90+ flow is about 0.37 of the 30+
    # flow as in the NY Fed series (calibration.md: 2024Q4 2.96 / 8.08); -1.4 at 60-89 (was -1.0)
    # offsets the prime shifts below, which send more prime loans into 90+.
    roll_intercept_shift_us: tuple[float, ...] = (0.0, 0.0, -1.4, -0.8, 0.0)
    # ... us prime (score >= 660) loans that are 30+ DPD roll on more and cure less than the risk
    # slopes alone give (logit shifts by instalments in arrears 1..5): S&P's prime ABS figures
    # (60+ 0.60%, net loss 0.76% with 51% recovered, i.e. about 1.5% of balance charged off a year
    # for 0.6% at 60+) need about 2.5 times the charge-offs per 60+ loan the slopes gave (0.2-0.4%
    # net loss for 0.3-0.5% at 60+). Assumption calibrated to those figures; nothing changes below
    # 30 DPD, so the flow into 30+ is untouched.
    prime_roll_shift_us: tuple[float, ...] = (0.0, 0.8, 0.8, 0.5, 0.0)
    prime_cure_shift_us: tuple[float, ...] = (0.0, -0.4, -0.4, -0.4, 0.0)
    # ... and at 90+ DPD in us fewer cures (logit -1.0 at 90-119 and 120+) and no partial cures: a
    # partial cure from 90+ drops the loan to 60-89, from where it enters 90+ again, each entry a
    # flow in the NY Fed's count; a loan 90+ behind mostly ends in repossession or charge-off
    # ("charge-off around 120 DPD at several issuers", calibration.md). Assumption; with the prime
    # shifts above it puts the 90+ flow at -4..+10% of the NY Fed mean at seeds 5-7.
    cure_intercept_shift_us: tuple[float, ...] = (0.0, 0.0, 0.0, -1.0, -1.0)
    partial_cure_share_90_us: float = 0.0
    # Underwriting loosened for the 2023 and 2024 vintages and then held (assumption; in the NY
    # Fed series the flows level off in 2024-2025 instead of rising further).
    loosening_years_cap: int = 2


WALK = WalkCalibration()
# The longest lag between a closure and its recovery in the sample (months): a closure this many
# months before the last month has all its recoveries in the data.
RECOVERY_LAG_MAX = max(len(WALK.repo_recovery_lag_shares), WALK.unsecured_recovery_lag_months)


def generate(params: SynthParams, progress: Callable[[float, str], None] | None = None,
             ) -> tuple[Iterator[Batch], dict[str, object]]:
    """Return (batches to write, metadata). Batches are produced lazily, month by month."""
    params.check()
    rng = np.random.default_rng(params.seed)
    bad_dealers: list[str] = []
    book, info = _originate(params, rng, bad_dealers)
    region_names = REGIONS[params.market][0]
    macro = _macro(params.market, region_names)
    truth = Truth(
        logit_coefficients=dict(COEF),
        bad_dealers=bad_dealers,
        downturn=macro,
        seasonality={"cn": "Spring Festival month +0.40, month after +0.15",
                     "us": "Feb -0.25, Mar -0.30, Apr -0.20 (tax refunds); Nov-Jan +0.08..0.12"},
        experiments={
            "predue_sms_2024": {"months": ["2024-01-01", "2024-06-01"], "eligible": "current loans",
                                "share_randomised": 0.3, "effect": "relative cut of monthly miss probability",
                                "by_segment": PREDUE_SMS_EFFECT},
            "early_ai_voice_2025": {"months": ["2025-01-01", "2025-06-01"], "eligible": "loans at 1-29 DPD",
                                    "share_randomised": 0.5, "effect": "relative rise of full-cure probability",
                                    "by_segment": AI_VOICE_CURE_EFFECT},
        },
        restructure_redefault_logit=REDEFAULT_LOGIT,
        vintage_loosening_per_year=VINTAGE_LOOSENING,
        extra=info,
        walk=asdict(WALK),
    )
    metadata = {
        "source": "sample",
        "market": params.market,
        "currency": "CNY" if params.market == "cn" else "USD",
        "generator": "analytics.sample.synth",
        "seed": params.seed,
        "params": asdict(params),
        "truth": asdict(truth),
        "segments": {"high": "score < 620", "medium": "620 <= score < 720", "low": "score >= 720"},
        "planted_policy": planted_policy.truth(),  # the change of practice the backtest should find
    }

    ops = Operations(params.seed, params.market, int(params.loans), book.orig_month, book.orig_day, book.dealer,
                     bad_dealers, book.payment)
    metadata["operations"] = ops.truth  # filled in while the batches are produced

    def batches() -> Iterator[Batch]:
        yield _loans_batch(params, book, rng)
        yield from _walk(params, book, params.seed, macro, region_names, progress, ops=ops)

    return batches(), metadata


def _loans_batch(p: SynthParams, b: _Book, rng: np.random.Generator) -> Batch:
    n = len(b.score)
    regions = REGIONS[p.market][0]
    names_cn_family = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
    names_cn_given = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "婷", "强"]
    names_us_first = ["James", "Mary", "John", "Linda", "Robert", "Maria", "David", "Susan", "Luis", "Grace"]
    names_us_last = ["Smith", "Johnson", "Garcia", "Brown", "Lee", "Martinez", "Davis", "Lopez", "Wilson"]
    first = rng.integers(0, 10, n)
    second = rng.integers(0, 9, n)
    phone_tail = rng.integers(0, 100_000_000, n)
    frame = pd.DataFrame({
        "i": np.arange(n, dtype=np.int64), "om": b.orig_month, "od": b.orig_day,
        "amount": b.amount, "term": b.term, "apr": np.round(b.apr, 4), "payment": b.payment,
        "value": b.vehicle_value, "ltv": b.ltv, "used": b.used, "vtype": b.vtype,
        "score": b.score, "pti": b.pti, "iv": b.income_verified, "cob": b.co_borrower,
        "region": b.region, "dealer": b.dealer, "channel": b.channel,
        "n1": first, "n2": second, "phone": phone_tail,
    })
    reg = _sql_list(regions)
    ch = _sql_list(CHANNELS[p.market][0])
    vt = _sql_list(VEHICLE_TYPES[p.market])
    tiers = _sql_list(schema.CREDIT_TIERS)
    lower = schema.CREDIT_TIER_LOWER
    if p.market == "cn":
        name = f"{_sql_list(names_cn_family)}[n1 + 1] || {_sql_list(names_cn_given)}[n2 + 1]"
        phone = "'1' || CAST(38 + n1 % 3 AS VARCHAR) || lpad(CAST(phone AS VARCHAR), 8, '0')"
    else:
        name = f"{_sql_list(names_us_first)}[n1 + 1] || ' ' || {_sql_list(names_us_last)}[n2 + 1]"
        phone = "'(555) ' || lpad(CAST(phone % 10000000 AS VARCHAR), 7, '0')"
    tier_expr = (f"{tiers}[1 + (score >= {lower[1]})::INT + (score >= {lower[2]})::INT "
                 f"+ (score >= {lower[3]})::INT]")
    select = f"""
        {_loan_id_sql('i')}, 'sample',
        make_date((om // 12)::INT, (om % 12 + 1)::INT, od::INT), amount, term, apr, payment, value, ltv,
        CASE WHEN used THEN 'used' ELSE 'new' END, {vt}[vtype + 1], score, {tier_expr}, pti, iv, cob,
        {reg}[region + 1], 'D' || lpad(CAST(dealer AS VARCHAR), 4, '0'), {ch}[channel + 1],
        {name}, {phone}"""
    return Batch("loans", frame, select)


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def _loan_id_sql(col: str) -> str:
    return f"'L' || lpad(CAST({col} AS VARCHAR), 8, '0')"


def _month_sql(col: str) -> str:
    return f"make_date(({col} // 12)::INT, ({col} % 12 + 1)::INT, 1)"


PERF_SELECT = f"""
    {_loan_id_sql('i')}, {_month_sql('m')}, mob, dpd, {_sql_list(schema.BUCKETS)}[bucket + 1],
    {_sql_list(schema.STATUSES)}[status + 1], opening, scheduled, paid, closing, co, rec, missed"""


@dataclass
class _State:
    """Mutable state per loan during the walk. status: -1 not yet originated, then an index into
    schema.STATUSES."""

    status: np.ndarray
    missed: np.ndarray              # instalments in arrears
    balance: np.ndarray
    payment: np.ndarray
    apr: np.ndarray
    remaining: np.ndarray           # instalments still to pay
    restructured_until: np.ndarray
    months_at_120: np.ndarray
    arm: np.ndarray                 # experiment arm index this month
    offset: np.ndarray              # days from the due date to month end
    due_day: np.ndarray             # day of the month instalments fall due
    # Closed loans whose recovery is still to come: the month it arrives, its amount, the DPD the
    # loan closed at (its post-closure rows repeat it), and the loans waiting (``pending``).
    rec_month: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    rec_amount: np.ndarray = field(default_factory=lambda: np.zeros(0))
    closed_dpd: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    prime_us: np.ndarray | None = None   # score >= 660 (the calibration's prime), per loan

    @classmethod
    def start(cls, b: _Book) -> _State:
        n = len(b.score)
        return cls(np.full(n, -1, dtype=np.int8), np.zeros(n, dtype=np.int8), b.amount.astype(float).copy(),
                   b.payment.astype(float).copy(), b.apr.astype(float).copy(), b.term.astype(np.int16).copy(),
                   np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=np.int8), np.full(n, -1, dtype=np.int8),
                   np.clip(31 - b.orig_day.astype(np.int16), 1, 29),
                   # Instalments fall due 30 days after funding, i.e. on the day before the
                   # funding day-of-month (days 1-27): a common auto-finance convention.
                   np.maximum(b.orig_day.astype(np.int16) - 1, 1),
                   np.full(n, -1, dtype=np.int32), np.zeros(n), np.zeros(n, dtype=np.int32),
                   prime_us=b.score >= 660)


@dataclass
class _Month:
    """One calendar month of the walk over the loans open at its start (``idx``)."""

    m: int
    step: int
    idx: np.ndarray
    k: np.ndarray          # instalments in arrears at the start of the month
    mob: np.ndarray
    seg: np.ndarray
    logit: np.ndarray      # logit of missing an instalment while current
    opening: np.ndarray
    sched: np.ndarray


@dataclass
class _Payments:
    paid_n: np.ndarray     # instalments paid this month
    prepay: np.ndarray
    cure: np.ndarray
    part: np.ndarray


@dataclass
class _Settled:
    """Balances after the month's payments."""

    bal: np.ndarray
    amount_paid: np.ndarray
    new_k: np.ndarray
    new_rem: np.ndarray
    paid_off: np.ndarray


@dataclass
class _Losses:
    terminate: np.ndarray
    repo: np.ndarray
    recovery: np.ndarray
    co_amount: np.ndarray
    lag: np.ndarray        # months from the closure to the recovery's arrival (>= 1)


@dataclass
class _Restructure:
    offer: np.ndarray
    kind: np.ndarray
    extend_by: np.ndarray
    pay_before: np.ndarray
    new_rem: np.ndarray
    new_pay: np.ndarray
    new_k: np.ndarray


def _month_context(p: SynthParams, b: _Book, s: _State, m: int, step: int, macro_mat: np.ndarray,
                   idx: np.ndarray) -> _Month:
    """Step 1: the miss logit of each open loan (risk, region macro, season, seasoning, re-default)."""
    k = s.missed[idx].astype(np.int16)
    mob = (m - b.orig_month[idx]).astype(np.int16)
    logit = (b.base_logit[idx] + macro_mat[b.region[idx], step] + _seasonal(p.market, m)
             + _seasoning(mob) + REDEFAULT_LOGIT * (s.restructured_until[idx] >= m)
             + _market_shift(p.market, b.score[idx]))
    opening = s.balance[idx].copy()
    sched = np.minimum(s.payment[idx], opening * (1 + s.apr[idx] / 12))
    return _Month(m, step, idx, k, mob, b.segment[idx], logit, opening, sched)


def _market_shift(market: str, score: np.ndarray, w: WalkCalibration = WALK) -> np.ndarray | float:
    if market == "us":
        return w.miss_logit_shift_us + w.extra_score_slope_us * (700 - score) / 100
    return w.miss_logit_shift_cn


_SMS_EXPERIMENT = (_month_index("2024-01-01"), _month_index("2024-06-01"))
_VOICE_EXPERIMENT = (_month_index("2025-01-01"), _month_index("2025-06-01"))


def _assign_experiments(mo: _Month, s: _State, rng: Draws, p_miss: np.ndarray,
                        w: WalkCalibration) -> np.ndarray:
    """Step 2: randomised tests; assignment happens among the eligible this month. Returns p_miss
    after the pre-due SMS effect."""
    idx, k, m = mo.idx, mo.k, mo.m
    s.arm[idx] = -1
    if _SMS_EXPERIMENT[0] <= m <= _SMS_EXPERIMENT[1]:
        elig = (k == 0) & (rng.random("sms_eligible") < w.sms_share_randomised)
        treat = elig & (rng.random("sms_treated") < w.treatment_share)
        s.arm[idx[elig]] = 1
        s.arm[idx[treat]] = 0
        p_miss = np.where(treat, p_miss * (1 - np.array([PREDUE_SMS_EFFECT[g] for g in SEGMENTS])[mo.seg]),
                          p_miss)
    if _VOICE_EXPERIMENT[0] <= m <= _VOICE_EXPERIMENT[1]:
        elig = (k == 1) & (rng.random("voice_eligible") < w.voice_share_randomised)
        treat = elig & (rng.random("voice_treated") < w.treatment_share)
        s.arm[idx[elig]] = 3
        s.arm[idx[treat]] = 2
    return p_miss


def _draw_payments(p: SynthParams, mo: _Month, s: _State, rng: Draws, p_miss: np.ndarray,
                   w: WalkCalibration, cure_boost: np.ndarray | None = None) -> _Payments:
    """Step 3: how many instalments each loan pays. Current loans miss, prepay or pay one;
    delinquent loans roll (pay nothing), stay (pay one), partially cure (two) or fully cure (all)."""
    n, k, seg = len(mo.idx), mo.k, mo.seg
    u = rng.random("miss_or_prepay")
    paid_n = np.ones(n, dtype=np.int16)
    prepay = np.zeros(n, dtype=bool)
    cur = k == 0
    prepay_base = w.prepay_monthly_us if p.market == "us" else w.prepay_monthly_cn
    p_prepay = prepay_base * (1 + w.prepay_low_risk_uplift * (seg == 2)) * (mo.mob > w.prepay_after_mob)
    paid_n[cur & (u < p_miss)] = 0
    prepay[cur & (u >= p_miss) & (u < p_miss + p_prepay)] = True
    dq = ~cur
    kk = np.clip(k, 1, w.max_instalments_in_arrears) - 1
    risk = mo.logit - COEF["intercept"]
    roll_intercept = np.asarray(w.roll_intercept) + (np.asarray(w.roll_intercept_shift_us) if p.market == "us" else 0)
    roll_shift = w.roll_risk_slope * (risk - w.risk_centre)
    cure_shift = w.cure_risk_slope * (risk - w.risk_centre)
    if p.market == "us":  # us prime loans behind roll on more and cure less (WalkCalibration)
        prime = s.prime_us[mo.idx] if s.prime_us is not None else np.zeros(n, dtype=bool)
        roll_shift = roll_shift + np.asarray(w.prime_roll_shift_us)[kk] * prime
        cure_shift = cure_shift - np.asarray(w.prime_cure_shift_us)[kk] * prime
    p_roll = _sigmoid(roll_intercept[kk] + roll_shift)
    cure_intercept = np.asarray(w.cure_intercept) + (np.asarray(w.cure_intercept_shift_us) if p.market == "us" else 0)
    p_cure = _sigmoid(cure_intercept[kk] - cure_shift)
    voice_treat = s.arm[mo.idx] == 2
    p_cure = np.where(voice_treat, np.minimum(p_cure * (1 + np.array(
        [AI_VOICE_CURE_EFFECT[g] for g in SEGMENTS])[seg]), w.cure_cap), p_cure)
    if cure_boost is not None:  # the planted change of practice (analytics.sample.planted_policy)
        p_cure = np.minimum(p_cure * cure_boost, w.cure_cap)
    if p.market == "cn" and _is_spring_festival(mo.m):
        p_cure = _sigmoid(np.log(p_cure / (1 - p_cure)) + w.spring_festival_cure_logit)
    p_cure = (1 - p_roll) * p_cure
    partial_share = (np.where(k >= 4, w.partial_cure_share_90_us, w.partial_cure_share_us) if p.market == "us"
                     else w.partial_cure_share)
    p_partial = np.where(k >= 2, (1 - p_roll - p_cure) * partial_share, 0)
    v = rng.random_where("roll_or_cure", dq)
    roll = dq & (v < p_roll)
    cure = dq & (v >= p_roll) & (v < p_roll + p_cure)
    part = dq & (v >= p_roll + p_cure) & (v < p_roll + p_cure + p_partial)
    paid_n[roll] = 0
    paid_n[cure] = k[cure] + 1
    paid_n[part] = 2
    paid_n = np.minimum(paid_n, s.remaining[mo.idx])
    return _Payments(paid_n, prepay, cure, part)


def _apply_payments(mo: _Month, s: _State, pay: _Payments) -> _Settled:
    """Step 4: amortise instalment by instalment; prepayment clears the balance."""
    idx, k, opening = mo.idx, mo.k, mo.opening
    bal = opening.copy()
    r = s.apr[idx] / 12
    for j in range(1, int(pay.paid_n.max(initial=0)) + 1):
        mask = pay.paid_n >= j
        principal = np.minimum(s.payment[idx] - bal * r, bal)
        bal = np.where(mask, bal - np.maximum(principal, 0), bal)
    amount_paid = pay.paid_n * s.payment[idx]
    amount_paid = np.where(pay.prepay, opening + opening * r, amount_paid)
    bal = np.where(pay.prepay, 0.0, bal)
    new_k = np.where(pay.prepay, 0, k + 1 - pay.paid_n).astype(np.int16)
    new_rem = s.remaining[idx] - pay.paid_n
    # ``remaining`` counts every unpaid instalment, in arrears or not yet due, so a loan is paid off
    # exactly when none is left. A loan past its last due date with instalments unpaid keeps its
    # balance (and its days past due grow) until it pays, is charged off or is repossessed.
    # A deferral moves instalments to the end without changing the payment, so the balance can
    # reach zero first: nothing is owed then, and the loan is paid off too.
    paid_off = pay.prepay | (new_rem <= 0) | ((bal <= 0.005) & (pay.paid_n > 0))
    bal = np.where(paid_off, 0.0, bal)
    new_k = np.where(paid_off, 0, np.maximum(new_k, 0))
    return _Settled(bal, amount_paid, new_k, new_rem, paid_off)


def _losses(p: SynthParams, b: _Book, mo: _Month, s: _State, st: _Settled, rng: Draws,
            w: WalkCalibration) -> _Losses:
    """Step 5: at 120+ DPD charge-off or repossession, usually within a month of reaching it."""
    idx = mo.idx
    # 120+ by the calendar-day DPD the row will show (a loan four instalments behind can be 120
    # days past due at the end of a long month), so the bucket and the write-off clock agree.
    at120 = _dpd_of(st.new_k, s.due_day[idx], mo.m) >= 120
    s.months_at_120[idx] = np.where(at120, s.months_at_120[idx] + 1, 0)
    cn = p.market == "cn"
    close_prob = w.close_at_120_prob_cn if cn else w.close_at_120_prob
    close_after = w.months_at_120_before_close_cn if cn else w.months_at_120_before_close
    terminate = (at120 & ((s.months_at_120[idx] >= close_after) | (rng.random_where("close_at_120", at120) < close_prob)) & ~st.paid_off)
    repo_share = (np.where(b.score[idx] >= 660, w.repo_share_prime_us, w.repo_share_us) if p.market == "us"
                  else w.repo_share_cn)
    repo = terminate & (rng.random_where("repossess", terminate) < repo_share)
    dep = np.where(b.used[idx], w.depreciation_used, w.depreciation_new) ** mo.mob
    # Draws only for the loans that use them (the same numbers as a draw for all: per-loan keys).
    auction = w.auction_low + (w.auction_high - w.auction_low) * rng.random_where("auction_price", repo, 0.0)
    noise = _ndtri(np.clip(rng.random_where("repo_recovery_noise", repo, 0.5), 2.0 ** -54, 1 - 2.0 ** -53))
    unsecured = w.unsecured_recovery_high * rng.random_where("unsecured_recovery", terminate, 0.0)
    sale = b.vehicle_value[idx] * dep * auction
    score = b.score[idx]
    tier = np.where(score < 620, 0, np.where(score < 660, 1, 2))
    share = np.clip(np.asarray(w.repo_recovery_by_tier)[tier] + w.repo_recovery_sd * noise, 0.05, 1.0)
    recovery = np.where(repo, np.minimum(np.maximum(sale, 0.0), st.bal * share),
                        np.where(terminate, st.bal * unsecured, 0))
    co_amount = np.where(terminate, st.bal, 0.0)
    return _Losses(terminate, repo, recovery, co_amount, _recovery_lag(rng.random_where("recovery_lag", terminate), repo, w))


def _recovery_lag(u: np.ndarray, repo: np.ndarray, w: WalkCalibration) -> np.ndarray:
    """Months from the closure to the recovery (``WalkCalibration.repo_recovery_lag_shares`` for a
    repossessed car's sale, 1..``unsecured_recovery_lag_months`` evenly otherwise) from uniforms ``u``."""
    cuts = np.cumsum(w.repo_recovery_lag_shares)
    repo_lag = 1 + np.minimum(np.searchsorted(cuts, u, side="right"), len(cuts) - 1)
    unsecured_lag = 1 + np.minimum(np.floor(u * w.unsecured_recovery_lag_months), w.unsecured_recovery_lag_months - 1)
    return np.where(repo, repo_lag, unsecured_lag).astype(np.int32)


def _restructure(p: SynthParams, mo: _Month, s: _State, st: _Settled, loss: _Losses,
                 rng: Draws, w: WalkCalibration) -> _Restructure:
    """Step 6: hardship extension or deferral for some loans 1-3 instalments behind."""
    idx, m, seg = mo.idx, mo.m, mo.seg
    rates = w.restructure_rate_by_segment
    tier_rate = np.where(seg == 0, rates[0], np.where(seg == 1, rates[1], rates[2]))
    c0, c1 = (_month_index(x) for x in w.covid_restructure_months)
    covid = w.covid_restructure_multiplier if (p.market == "us" and c0 <= m <= c1) else 1.0
    can = ~loss.terminate & ~st.paid_off & (st.new_k >= 1) & (st.new_k <= 3)
    offer = (can & (rng.random_where("restructure_offer", can) < tier_rate * covid) & (s.restructured_until[idx] < m - w.redefault_window_months))
    kind = np.where(rng.random_where("restructure_kind", offer) < w.extension_share, 0, 1)  # 0 extension, 1 deferral
    extend_by = np.where(kind == 0, st.new_k + np.floor(rng.random_where("extension_months", offer, 0.0) * (w.extension_extra_months_max + 1)).astype(np.int64), st.new_k)
    pay_before = s.payment[idx].copy()
    new_rem = np.where(offer, st.new_rem + extend_by, st.new_rem)
    new_pay = np.where(offer & (kind == 0),
                       np.round(_annuity(st.bal, s.apr[idx], np.maximum(new_rem, 1).astype(float)), 2),
                       s.payment[idx])
    new_k = np.where(offer, 0, st.new_k)
    return _Restructure(offer, kind, extend_by, pay_before, new_rem, new_pay, new_k)


def _dpd_of(new_k: np.ndarray, due_day: np.ndarray, m: int) -> np.ndarray:
    """Step 7: days past due at month end, counted in calendar days from the due date of the oldest
    unpaid instalment (due on the origination day of month ``m - k + 1``) to the last day of month
    ``m``. Calendar days make 30, 60 and 90 DPD occur (a loan due on the 1st of a 30-day month,
    for example), so bucket boundaries are exercised as in real servicing files."""
    k = new_k.astype(np.int64)
    month_end = (np.datetime64(_month_start(m + 1), "D") - np.timedelta64(1, "D")).astype(np.int64)
    oldest = (m - k + 1).astype(np.int64)
    first_of = (np.datetime64("1970-01-01", "M") + (oldest - 1970 * 12)).astype("datetime64[D]").astype(np.int64)
    dpd = month_end - (first_of + due_day.astype(np.int64) - 1)
    return np.where(k > 0, np.maximum(dpd, 1), 0).astype(np.int32)


def _walk(p: SynthParams, b: _Book, seed: int, macro: dict, region_names: list[str],
          progress: Callable[[float, str], None] | None, w: WalkCalibration = WALK,
          ops: Operations | None = None) -> Iterator[Batch]:
    m0, m1 = _month_index(p.start_month), _month_index(p.end_month)
    months = np.arange(m0, m1 + 1)
    macro_mat = _macro_matrix(macro, region_names, months)
    ch_index = {c: i for i, c in enumerate(schema.ACTION_CHANNELS)}
    cost_vec = np.array([CONTACT_COST[p.market][c] for c in schema.ACTION_CHANNELS])
    s = _State.start(b)
    # Counter-based draws keyed by (seed, purpose, loan number, month): see analytics.sample.streams.
    keys = loan_keys(seed, len(b.score))

    for step, m in enumerate(months):
        s.status[(s.status == -1) & (b.orig_month < m)] = 0
        post = _post_closure_batch(s, b, m, p.market)
        if post is not None:
            yield post
        idx = np.nonzero(s.status == 0)[0]
        if progress is not None:
            progress(step / len(months), f"month {_month_start(m):%Y-%m}: {len(idx):,} open loans")
        if len(idx) == 0:
            continue
        mo = _month_context(p, b, s, m, step, macro_mat, idx)
        rng = Draws(month_keys(keys[idx], m))
        p_miss = _assign_experiments(mo, s, rng, _sigmoid(mo.logit), w)
        # -- planted change of practice for the policy backtest (analytics.sample.planted_policy) --
        planted = planted_policy.treated(m, b.region[idx], mo.seg)
        p_miss = planted_policy.adjust_miss(p_miss, planted, mo.k)
        pay = _draw_payments(p, mo, s, rng, p_miss, w, planted_policy.cure_boost(planted, mo.k))
        st = _apply_payments(mo, s, pay)
        loss = _losses(p, b, mo, s, st, rng, w)
        rs = _restructure(p, mo, s, st, loss, rng, w)
        rows = _month_batches(mo, s, pay, st, loss, rs, rng, cost_vec, ch_index, p.market, w)
        yield from rows if ops is None else ops.month(m, idx, mo.k, pay.paid_n, st.amount_paid, p_miss, rows)
        planted_rows = planted_policy.actions(m, idx, planted, mo.k, pay.cure, s.offset, CONTACT_COST[p.market])
        if planted_rows is not None:  # the planted change's contacts (see above)
            yield Batch("actions", planted_rows, _ACTIONS_SELECT)
    if progress is not None:
        progress(1.0, "done")


def _month_batches(mo: _Month, s: _State, pay: _Payments, st: _Settled, loss: _Losses, rs: _Restructure,
                   rng: Draws, cost_vec: np.ndarray, ch_index: dict[str, int], market: str,
                   w: WalkCalibration) -> Iterator[Batch]:
    """Step 8: month-end status and DPD, write the state back, and emit the month's rows."""
    idx, m = mo.idx, mo.m
    dpd = _dpd_of(rs.new_k, s.due_day[idx], m)
    new_status = np.where(st.paid_off, 1, np.where(loss.terminate & loss.repo, 3,
                                                   np.where(loss.terminate, 2, 0))).astype(np.int8)
    bucket = schema.bucket_index_of_dpd(dpd, market)  # the market's bucket rule
    closing = np.where(new_status == 0, st.bal, 0.0)

    s.missed[idx] = np.minimum(rs.new_k, 127)
    s.balance[idx] = closing
    s.remaining[idx] = np.maximum(rs.new_rem, 0)
    s.payment[idx] = rs.new_pay
    s.status[idx] = new_status
    s.restructured_until[idx[rs.offer]] = m + w.redefault_window_months
    # The recovery arrives ``lag`` months after the closure: the closing row books the charge-off,
    # post-closure rows the recovery (see _post_closure_batch).
    later = np.nonzero(loss.terminate & (loss.recovery > 0))[0]
    if len(later):
        s.rec_month[idx[later]] = m + loss.lag[later]
        s.rec_amount[idx[later]] = np.round(loss.recovery[later], 2)
        s.closed_dpd[idx[later]] = dpd[later]
        s.pending = np.concatenate([s.pending, idx[later].astype(np.int64)])

    yield Batch("performance", pd.DataFrame({
        "i": idx.astype(np.int64), "m": np.full(len(idx), m, dtype=np.int32), "mob": mo.mob,
        "dpd": dpd, "bucket": bucket, "status": new_status, "opening": np.round(mo.opening, 2),
        "scheduled": np.round(mo.sched, 2), "paid": np.round(st.amount_paid, 2), "closing": np.round(closing, 2),
        "co": np.round(loss.co_amount, 2), "rec": np.zeros(len(idx)),
        "missed": s.missed[idx].astype(np.int32)}), PERF_SELECT)  # 逾期期数: instalments in arrears

    if rs.offer.any():
        o = np.nonzero(rs.offer)[0]
        yield Batch("restructures", pd.DataFrame({
            "i": idx[o].astype(np.int64), "m": np.full(len(o), m, dtype=np.int32),
            "kind": rs.kind[o], "ext": rs.extend_by[o].astype(np.int32), "pb": rs.pay_before[o],
            "pa": rs.new_pay[o], "apr": s.apr[idx[o]]}),
            f"{_loan_id_sql('i')}, {_month_sql('m')}, "
            f"CASE WHEN kind = 0 THEN 'extension' ELSE 'deferral' END, ext, pb, pa, apr, apr")

    capacity = w.spring_festival_capacity if market == "cn" and _is_spring_festival(m) else 1.0
    actions = _actions_batch(rng, idx, m, mo.k, s.offset, s.arm, pay.paid_n, pay.cure, pay.part, cost_vec,
                             ch_index, market, capacity, w.unpaid_outcome_cuts)
    if actions is not None:
        yield actions


def _post_closure_batch(s: _State, b: _Book, m: int, market: str) -> Batch | None:
    """Rows of month ``m`` for closed loans still waiting for their recovery: zero balances, no
    payment, no charge-off, the closing status and DPD kept, and the recovery in the month it
    arrives (the last such row of the loan). Measures count the closure once, in its closing row
    (docs/data_dictionary.md, "Closures and recoveries")."""
    if not len(s.pending):
        return None
    s.pending = s.pending[s.rec_month[s.pending] >= m]
    live = s.pending
    if not len(live):
        return None
    n = len(live)
    dpd = s.closed_dpd[live]
    zero = np.zeros(n)
    return Batch("performance", pd.DataFrame({
        "i": live.astype(np.int64), "m": np.full(n, m, dtype=np.int32),
        "mob": (m - b.orig_month[live]).astype(np.int16), "dpd": dpd,
        "bucket": schema.bucket_index_of_dpd(dpd, market), "status": s.status[live], "opening": zero,
        "scheduled": zero, "paid": zero, "closing": zero, "co": zero,
        "rec": np.where(s.rec_month[live] == m, s.rec_amount[live], 0.0),
        "missed": s.missed[live].astype(np.int32)}), PERF_SELECT)


def _actions_batch(rng, idx, m, k, offset, arm, paid_n, cure, part, cost_vec, ch_index, market,
                   capacity: float = 1.0, unpaid_cuts: tuple[float, float, float] = WALK.unpaid_outcome_cuts,
                   ) -> Batch | None:
    """Contacts made during month m: business-as-usual collections plus the experiment arms.
    ``capacity`` scales agent calls and field visits (Spring Festival leave); a contact that
    brought no payment may end in a promise to pay, which is then broken."""
    rows_i, rows_ch, rows_day, rows_out = [], [], [], []
    rows_arm, rows_slot = [], []
    ok = paid_n > 0
    reminder = ch_index["wechat"] if market == "cn" else ch_index["sms"]

    def add(mask, channel, out, arm_code=-1):
        sel = np.nonzero(mask)[0]
        if len(sel) == 0:
            return
        rows_i.append(sel)
        rows_ch.append(np.full(len(sel), channel, dtype=np.int8))
        rows_out.append(out[sel] if isinstance(out, np.ndarray) else np.full(len(sel), out, dtype=np.int8))
        rows_arm.append(arm_code[sel] if isinstance(arm_code, np.ndarray) else np.full(len(sel), arm_code, np.int8))
        rows_day.append(np.zeros(len(sel), dtype=np.int8))
        rows_slot.append(np.full(len(sel), len(rows_slot), dtype=np.int64))  # which contact of the loan

    dq = k >= 1
    u = rng.random_where("contact_outcome", dq)
    # Outcome codes: index into schema.ACTION_OUTCOMES.
    c0, c1, c2 = unpaid_cuts
    unpaid_out = np.where(u < c0, 0, np.where(u < c1, 1, np.where(u < c2, 2, 4)))
    paid_out = np.where(cure | part, 3, np.where(ok, 2, unpaid_out)).astype(np.int8)
    complaint = rng.random_where("complaint", k >= 2) < 0.004
    call_out = np.where(complaint, 5, paid_out).astype(np.int8)
    a = arm[idx]
    # Experiments first: pre-due SMS treatment is a real contact, the control arm a withheld one.
    add(a == 0, ch_index["sms"], np.where(rng.random_where("sms_delivered", a == 0) < 0.93, 1, 0).astype(np.int8), 0)
    add(a == 1, ch_index["sms"], 0, 1)
    add(a == 2, ch_index["ai_voice"], paid_out, 2)
    add(a == 3, ch_index["ai_voice"], 0, 3)
    add(dq, reminder, np.where(rng.random_where("reminder_delivered", dq) < 0.9, 1, 0).astype(np.int8))
    add(dq & (rng.random_where("app_push", dq) < 0.5), ch_index["app_push"], 1)
    add((k == 1) & (a != 2) & (a != 3) & (rng.random_where("ai_voice", k == 1) < 0.5), ch_index["ai_voice"], paid_out)
    add((k >= 2) & (rng.random_where("agent_call_1", k >= 2) < capacity), ch_index["agent_call"], call_out)
    add((k >= 2) & (rng.random_where("agent_call_2", k >= 2) < 0.6 * capacity), ch_index["agent_call"], call_out)
    add((k >= 3) & (rng.random_where("field_visit", k >= 3) < 0.35 * capacity), ch_index["field_visit"], np.where(rng.random_where("field_complaint", k >= 3) < 0.01, 5, paid_out).astype(np.int8))
    add(k >= 3, ch_index["letter"], 1)
    add((k >= 4) & (rng.random_where("legal", k >= 4) < 0.3), ch_index["legal"], 1)
    if not rows_i:
        return None
    sel = np.concatenate(rows_i)
    ch = np.concatenate(rows_ch)
    out = np.concatenate(rows_out)
    arm_code = np.concatenate(rows_arm)
    slot = np.concatenate(rows_slot)
    # Contacts fall between 08:00 and 21:00 (China's and the US's contact-hour rules).
    day = rng.integers("contact_day", 0, 27, pos=sel, slot=slot)
    sec = day * 86400 + rng.integers("contact_second", 8 * 3600, 21 * 3600, pos=sel, slot=slot)
    # Pre-due reminders go out 3 days before the due date of a current loan.
    dpd_at = np.where(k[sel] == 0, -3, (k[sel] - 1) * 30 + np.minimum(offset[idx[sel]], day + 1))
    cost = cost_vec[ch] * (arm_code != 1) * (arm_code != 3)
    return Batch("actions", pd.DataFrame({
        "i": idx[sel].astype(np.int64), "m": np.full(len(sel), m, dtype=np.int32), "sec": sec.astype(np.int64),
        "ch": ch, "dpd": dpd_at.astype(np.int32), "out": out, "cost": cost, "arm": arm_code}), _ACTIONS_SELECT)


_ACTIONS_SELECT = f"""
    {_loan_id_sql('i')}, CAST({_month_sql('m')} AS TIMESTAMP) + to_seconds(sec),
    {_sql_list(schema.ACTION_CHANNELS)}[ch + 1], dpd, {_sql_list(schema.ACTION_OUTCOMES)}[out + 1], cost,
    CASE WHEN arm < 0 THEN NULL ELSE {_sql_list(ARMS)}[arm + 1] END"""


# Loans generated together: above this the book is generated as independent chunks, so the
# generator's memory is that of one chunk whatever the book's size (the rows stream to the store
# as they are made). 1M loans keep the walk's arrays near 1 GB.
CHUNK_LOANS = 1_000_000


def chunks(params: SynthParams, size: int | None = None) -> list[tuple[SynthParams, int]]:
    """``(params of the chunk, first loan number)`` of each chunk; one chunk (the params as given)
    up to ``size`` loans, so every book of that size is generated exactly as before."""
    size = size or CHUNK_LOANS
    n = int(params.loans)
    if n <= size:
        return [(params, 0)]
    out, start, k = [], 0, 0
    while start < n:
        count = min(size, n - start)
        # Seeds of the chunks: distinct, reproducible from the book's seed.
        out.append((SynthParams(loans=count, seed=params.seed * 100_003 + k, market=params.market,
                                start_month=params.start_month, end_month=params.end_month), start))
        start, k = start + count, k + 1
    return out


def generate_chunked(params: SynthParams, progress: Callable[[float, str], None] | None = None,
                     size: int | None = None) -> tuple[Iterator[Batch], dict[str, object]]:
    """:func:`generate` as a loop over independent loan chunks (each its own origination and walk),
    loan numbers offset so ids stay unique. The metadata's planted truth is the first chunk's
    (each chunk plants the same effects; dealers are drawn per chunk)."""
    parts = chunks(params, size)
    if len(parts) == 1:
        return generate(params, progress)
    def step(k: int):
        if progress is None:
            return None
        return lambda frac, msg: progress((k + frac) / len(parts), f"chunk {k + 1}/{len(parts)}: {msg}")

    first, metadata = generate(parts[0][0], step(0))
    metadata = {**metadata, "seed": params.seed, "params": asdict(params),
                "chunks": {"count": len(parts), "loans_per_chunk": parts[0][0].loans,
                           "seeds": [p.seed for p, _ in parts]}}

    def batches() -> Iterator[Batch]:
        for k, (p, offset) in enumerate(parts):
            # Each chunk's book is made only when its turn comes and dropped after it.
            for batch in first if k == 0 else generate(p, step(k))[0]:
                if offset and batch.frame is not None and "i" in batch.frame:
                    batch.frame["i"] += offset
                yield batch

    return batches(), metadata


def write_sample(con, params: SynthParams, progress: Callable[[float, str], None] | None = None,
                 ) -> dict[str, int]:
    """Generate the sample and swap it into the store in one transaction; return row counts.

    Books above :data:`CHUNK_LOANS` are generated chunk by chunk (bounded memory)."""
    from analytics.store import write_tables

    batches, metadata = generate_chunked(params, progress)
    return write_tables(con, batches, metadata)
