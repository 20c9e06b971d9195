"""What a contact does to a segment's monthly transitions: measured from tests, or assumed.

Two relative effects per channel × risk band × DPD stage, for the first attempt in a month:

- ``roll``: relative cut of the roll probability, the chance of moving to a worse state (for a
  current loan: missing the instalment). 0.25 means a 10% roll rate becomes 7.5%.
- ``cure``: relative rise of the full-cure probability (back to current). 0.30 means a 50% cure
  rate becomes 65%.

**Measured** effects come from randomised tests in ``actions.experiment_arm``
(``<test>:treatment`` / ``<test>:control``). An arm row in month m is a loan whose state at the
end of month m-1 was the test's eligible state (its stage, from ``dpd_at_action``); the outcome
is its state at the end of month m. Rolled = a worse state (or charged off / repossessed); cured
= current without a restructure in month m (a modification is not a cure by contact). The effect
is the ratio of treated to control rates: ``roll = 1 - p_t / p_c``, ``cure = p_t / p_c - 1``,
with a 95% interval from the log ratio (Katz): ``log(p_t/p_c) ± 1.96·sqrt((1-p_t)/x_t +
(1-p_c)/x_c)`` with x the event counts (0.5 added to empty cells).

**Assumed** effects are defaults from published studies (shared/reference/calibration.md) or
plain assumptions, each with its source and a range read as a 95% interval (the *prior*).

**Measured and assumed together** (precision-weighted, empirical Bayes): a test's log-ratio
(``log(1 - roll)``, ``log(1 + cure)``) with its Katz standard error and the prior's log-ratio with
the standard deviation its range implies are combined by inverse-variance weights, the normal-
normal posterior: ``mean = (m0/s0² + m/se²) / (1/s0² + 1/se²)``, ``sd = (1/s0² + 1/se²)^-1/2``.
A test whose interval spans zero has a large se and moves the prior little; a precise harmful
estimate pulls the result to harm (harm is never clipped to zero). ``data_weight`` is the test's
share of the precision: above one half the effect is "measured", else "assumed" (prior-led).

**Repeated attempts** add nothing beyond the design the effect was measured at
(``tested_attempts``: one attempt for the published defaults, the test's attempts per treated
loan for a measurement): fewer attempts than the design keep ``rf(a) / rf(design)`` of it, with
``rf(n) = (1 - decay^n) / (1 - decay)`` the diminishing-returns curve (attempt k adds
``decay^(k-1)`` of the first one's effect).

**Several channels on one segment** saturate: the combined relative effect is
``1 - Π(1 - q_j e_j)`` (each treated share q_j with effect e_j acting on what the others left),
capped at ``COMBINED_CAP`` (see there for the source). Timing matters inside a delinquent stage:
a contact in the first half of the stage has the full effect, later ones fade linearly to the
stage's end (less time is left to pay before the loan rolls); reminders sent more than 7 days
before the due date fade as ``7 / days``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.metrics.expr import count_if, next_month
from analytics.strategy.spec import CHANNELS, RISK_BANDS, STAGE_DPD, STAGES

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Effect:
    """One channel's effect on one segment, with its 95% interval, source and kind."""

    channel: str
    risk_band: str
    stage: str
    roll: float
    cure: float
    roll_ci: tuple[float, float]
    cure_ci: tuple[float, float]
    source: str
    kind: str  # "measured", "inconclusive" (a test too small to use), "assumed" (default) or "user"
    n_treated: int | None = None
    n_control: int | None = None
    measured_roll: float | None = None          # the test's estimates, kept even when too noisy to use
    measured_roll_ci: tuple[float, float] | None = None
    measured_cure: float | None = None
    measured_cure_ci: tuple[float, float] | None = None
    prior_roll: float | None = None             # the assumed (prior) values a measurement was combined with
    prior_cure: float | None = None
    data_weight_roll: float = 0.0               # the test's share of the combined precision (0: assumed)
    data_weight_cure: float = 0.0
    tested_attempts: float = 1.0                # attempts per treated loan-month behind the effect

    @property
    def roll_log_sd(self) -> float:
        """Standard deviation of log(1 - roll) implied by the interval."""
        lo, hi = self.roll_ci
        return max(0.0, (math.log(max(1 - lo, 1e-6)) - math.log(max(1 - hi, 1e-6))) / (2 * Z95))

    @property
    def cure_log_sd(self) -> float:
        lo, hi = self.cure_ci
        return max(0.0, (math.log(max(1 + hi, 1e-6)) - math.log(max(1 + lo, 1e-6))) / (2 * Z95))


# Assumed first-attempt effects by channel, for reminders before the due date and for delinquent
# stages: (roll, roll range, cure, cure range, source).
ASSUMED: dict[str, dict[str, tuple[float, tuple[float, float], float, tuple[float, float], str]]] = {
    "sms": {
        "pre_due": (0.08, (0.03, 0.15), 0.0, (0.0, 0.0),
                    "Cadena & Schoar (2011), SMS reminders: on-time payment +7-9%"),
        "delinquent": (0.05, (0.0, 0.10), 0.07, (0.0, 0.15),
                       "Bursztyn et al. (2019), SMS: delinquency -4.4 pp from 66% (about -7% relative)"),
    },
    "wechat": {
        "pre_due": (0.08, (0.03, 0.15), 0.0, (0.0, 0.0),
                    "Assumed like SMS (Cadena & Schoar 2011): a message reminder"),
        "delinquent": (0.05, (0.0, 0.10), 0.07, (0.0, 0.15), "Assumed like SMS (Bursztyn et al. 2019)"),
    },
    "app_push": {
        "pre_due": (0.04, (0.0, 0.10), 0.0, (0.0, 0.0), "Assumption: half an SMS (pushes are opened less)"),
        "delinquent": (0.02, (0.0, 0.06), 0.03, (0.0, 0.08), "Assumption: half an SMS"),
    },
    "ai_voice": {
        "pre_due": (0.10, (0.03, 0.20), 0.0, (0.0, 0.0), "Assumption: between an SMS and an agent call"),
        "delinquent": (0.05, (0.0, 0.12), 0.12, (0.03, 0.25), "Assumption: between an SMS and an agent call"),
    },
    "agent_call": {
        "pre_due": (0.12, (0.04, 0.25), 0.0, (0.0, 0.0),
                    "Laudenbach, Pirschel & Siegel: default -23.8 pp when reached; 40% reach assumed"),
        "delinquent": (0.10, (0.03, 0.20), 0.15, (0.05, 0.30),
                       "Laudenbach, Pirschel & Siegel: on-time +34.4 pp when reached; 40% reach assumed"),
    },
    "field_visit": {
        "pre_due": (0.05, (0.0, 0.15), 0.0, (0.0, 0.0), "Assumption: no published randomised estimate"),
        "delinquent": (0.15, (0.05, 0.30), 0.10, (0.02, 0.20), "Assumption: no published randomised estimate"),
    },
    "letter": {
        "pre_due": (0.02, (0.0, 0.05), 0.0, (0.0, 0.0), "Assumption: no published randomised estimate"),
        "delinquent": (0.02, (0.0, 0.06), 0.03, (0.0, 0.08), "Assumption: no published randomised estimate"),
    },
    "legal": {
        "pre_due": (0.0, (0.0, 0.0), 0.0, (0.0, 0.0), "Assumption: legal action is not a reminder"),
        "delinquent": (0.08, (0.0, 0.20), 0.05, (0.0, 0.15), "Assumption: no published randomised estimate"),
    },
}
# Share of the first attempt's effect that the second attempt adds (then decay², ...).
DECAY: dict[str, float] = {"sms": 0.3, "wechat": 0.3, "app_push": 0.3, "ai_voice": 0.5, "agent_call": 0.5,
                           "field_visit": 0.3, "letter": 0.2, "legal": 0.1}
MAX_ROLL_CUT = 0.95
# Cap on the combined relative change of one segment's roll (cut) and cure (rise) probability from
# all channels together. Source: the largest effects in the randomised studies of
# shared/reference/calibration.md are single-channel: agent calls that reach a delinquent borrower
# cut default by 23.8 pp and raise on-time repayment by 34.4 pp (Laudenbach, Pirschel & Siegel);
# SMS reminders move on-time payment by 7-9% (Cadena & Schoar 2011). No published test shows a
# contact mix halving roll rates or doubling cure rates, so the caps are a cut of one half and a
# rise of 100%: an assumption anchored on those studies, configurable (``EffectBook.cap``).
COMBINED_CAP: dict[str, float] = {"roll": 0.5, "cure": 1.0}
COMBINED_CAP_SOURCE = ("Assumption anchored on Laudenbach, Pirschel & Siegel (agent calls: default -23.8 pp "
                       "when reached) and Cadena & Schoar (2011): no contact mix halves roll rates or doubles "
                       "cure rates")
# Harmful combinations are floored too: at most three times the untreated rate (as the path draws).
MAX_HARM = 2.0
# Attempts per treated loan-month behind the published (assumed) effects: one reminder or call.
PUBLISHED_ATTEMPTS = 1.0
# Kept for callers of the former rule; the combination no longer uses it.
MAX_MEASURED_HALF_WIDTH = math.log(2.0)


def combine(effects: np.ndarray, cap: float, axis: int = -1) -> np.ndarray:
    """Saturating combination ``1 - Π(1 - e)`` along ``axis``, capped at ``cap`` (floored at -MAX_HARM).

    Each e is a relative effect already multiplied by its treated share.
    """
    e = np.minimum(np.asarray(effects, dtype=float), 0.999)
    out = 1.0 - np.prod(1.0 - e, axis=axis)
    return np.clip(out, -MAX_HARM, cap)


def attempt_gain(attempts: float | np.ndarray, tested: float | np.ndarray, decay: float) -> np.ndarray | float:
    """Share of the tested design's effect that ``attempts`` attempts keep: attempts beyond the
    tested design add nothing; fewer keep ``rf(a) / rf(design)`` (diminishing returns)."""
    a = np.minimum(np.asarray(attempts, dtype=float), np.asarray(tested, dtype=float))
    return repeat_factor(a, decay) / np.maximum(repeat_factor(tested, decay), 1e-12)


def precision_weighted(prior: float, prior_sd: float, measured: float, measured_se: float
                       ) -> tuple[float, float, float]:
    """Normal-normal posterior on a log scale: (mean, sd, the measurement's weight).

    A prior with no spread (sd 0) is fixed; a measurement with no information (se inf) leaves it.
    """
    if not math.isfinite(measured) or not math.isfinite(measured_se) or measured_se <= 0:
        return prior, prior_sd, 0.0
    if prior_sd <= 0:
        return prior, 0.0, 0.0
    w0, w1 = 1.0 / prior_sd ** 2, 1.0 / measured_se ** 2
    mean = (w0 * prior + w1 * measured) / (w0 + w1)
    return mean, math.sqrt(1.0 / (w0 + w1)), w1 / (w0 + w1)


def repeat_factor(attempts: float | np.ndarray, decay: float) -> np.ndarray | float:
    """Effect of ``attempts`` attempts as a multiple of one attempt's (diminishing returns)."""
    a = np.asarray(attempts, dtype=float)
    if decay <= 0:
        return np.minimum(a, 1.0)
    return (1 - decay ** a) / (1 - decay)


def timing_factor(stage: str, timing_dpd: int) -> float:
    """Share of the full effect a contact keeps at this timing (see module docstring)."""
    if stage == "pre_due":
        days_before = -timing_dpd
        return 1.0 if days_before <= 7 else 7.0 / days_before
    lo, hi = STAGE_DPD[stage]
    hi = lo + 29 if hi is None else hi
    length = hi - lo + 1
    return float(min(1.0, max(0.0, 2.0 * (hi + 1 - timing_dpd) / length)))


def assumed_effect(channel: str, band: str, stage: str) -> Effect:
    roll, roll_r, cure, cure_r, source = ASSUMED[channel]["pre_due" if stage == "pre_due" else "delinquent"]
    return Effect(channel, band, stage, roll, cure, roll_r, cure_r, source, "assumed")


# ---------------------------------------------------------------- measurement from the tests

_STATE_INDEX = {s: i for i, s in enumerate(("current", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_119",
                                            "dpd_120_plus", "paid_off", "charged_off", "repossessed"))}


def _state_index(perf: ir.Table) -> ir.IntegerValue:
    state = ibis.ifelse(perf.status == "active", perf.bucket, perf.status)
    return ibis.cases(*[(state == s, i) for s, i in _STATE_INDEX.items()], else_=-1)


def _stage_of_dpd(dpd: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases((dpd <= 0, "pre_due"), (dpd < 30, "dpd_1_29"), (dpd < 60, "dpd_30_59"),
                      (dpd < 90, "dpd_60_89"), else_="dpd_90_plus")


def _stage_of_state(idx: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases((idx == 0, "pre_due"), (idx == 1, "dpd_1_29"), (idx == 2, "dpd_30_59"),
                      (idx == 3, "dpd_60_89"), ((idx == 4) | (idx == 5), "dpd_90_plus"), else_="closed")


def arm_outcomes(actions: ir.Table, perf: ir.Table, restructures: ir.Table, bands: ir.Table) -> ir.Table:
    """Counts per test × arm × channel × stage × risk band: loan-months, rolled, cured.

    ``bands`` is a (loan_id, risk_band) table (see :func:`analytics.strategy.baseline.risk_bands`).
    """
    a = actions.filter(actions.experiment_arm.notnull())
    a = a.select(
        "loan_id", "channel",
        test=a.experiment_arm.re_extract(r"^(.*):[^:]*$", 1),
        arm=a.experiment_arm.re_extract(r"^.*:([^:]*)$", 1),
        as_of_month=a.action_time.truncate("M").cast("date"),
        stage=_stage_of_dpd(a.dpd_at_action.fill_null(0)),
    )
    a = a.group_by(["loan_id", "channel", "test", "arm", "as_of_month", "stage"]).aggregate(attempts=a.count())
    # Only the tested loans' rows in the tests' months matter: narrowing first keeps the joins
    # small on a big book (performance is stored month by month, so a month range prunes well).
    span = a.aggregate(first=a.as_of_month.min(), last=a.as_of_month.max()).to_pandas()
    if not span.empty and pd.notna(span["first"].iloc[0]):
        first = (pd.Timestamp(span["first"].iloc[0]) - pd.DateOffset(months=1)).date()
        perf = perf.filter((perf.as_of_month >= ibis.date(first))
                           & (perf.as_of_month <= ibis.date(pd.Timestamp(span["last"].iloc[0]).date())))
    perf = perf.semi_join(a.select("loan_id").distinct(), "loan_id")
    idx = _state_index(perf)
    prior = perf.select("loan_id", as_of_month=next_month(perf.as_of_month), from_idx=idx)
    now = perf.select("loan_id", "as_of_month", to_idx=idx)
    mods = restructures.select("loan_id", as_of_month=restructures.effective_month.cast("date"),
                               modified=ibis.literal(True)).distinct()
    j = a.left_join(prior, ["loan_id", "as_of_month"]).drop("loan_id_right", "as_of_month_right")
    j = j.inner_join(now, ["loan_id", "as_of_month"])
    j = j.left_join(mods, ["loan_id", "as_of_month"]).drop("loan_id_right", "as_of_month_right")
    j = j.inner_join(bands, "loan_id")
    # New loans have no row the month before: they were current when the test drew them.
    from_idx = j.from_idx.fill_null(ibis.ifelse(j.stage == "pre_due", 0, -1))
    j = j.mutate(from_idx=from_idx).filter(_stage_of_state(from_idx) == j.stage)
    rolled = j.to_idx.isin([7, 8]) | ((j.to_idx <= 5) & (j.to_idx > j.from_idx))
    cured = (j.from_idx >= 1) & (j.to_idx == 0) & j.modified.isnull()
    return j.group_by(["test", "arm", "channel", "stage", "risk_band"]).aggregate(
        loans=j.count(), rolled=count_if(rolled), cured=count_if(cured), attempts=j.attempts.sum())


def _ratio_ci(x_t, n_t, x_c, n_c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio of rates p_t / p_c with a 95% Katz log interval (0.5 added to empty cells)."""
    x_t, n_t, x_c, n_c = (np.asarray(v, dtype=float) for v in (x_t, n_t, x_c, n_c))
    zero = (x_t == 0) | (x_c == 0)
    x_t, x_c = np.where(zero, x_t + 0.5, x_t), np.where(zero, x_c + 0.5, x_c)
    n_t, n_c = np.where(zero, n_t + 0.5, n_t), np.where(zero, n_c + 0.5, n_c)
    p_t, p_c = x_t / n_t, x_c / n_c
    log_r = np.log(p_t / p_c)
    se = np.sqrt((1 - p_t) / x_t + (1 - p_c) / x_c)
    return np.exp(log_r), np.exp(log_r - Z95 * se), np.exp(log_r + Z95 * se)


def uplift_estimates(counts: pd.DataFrame) -> pd.DataFrame:
    """Measured effects with 95% intervals, per test × channel × stage × band (and bands pooled).

    ``counts`` is :func:`arm_outcomes` as pandas. Roll effects are relative cuts, cure effects
    relative rises (module docstring); cures are not defined for the pre-due stage.
    """
    cols = ["test", "channel", "stage", "risk_band", "n_treated", "n_control", "roll_treated", "roll_control",
            "cure_treated", "cure_control", "roll", "roll_lo", "roll_hi", "cure", "cure_lo", "cure_hi",
            "tested_attempts"]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    c = counts[counts["arm"].isin(["treatment", "control"])].copy()
    if "attempts" not in c:
        c["attempts"] = c["loans"]  # one attempt per loan-month when the counts do not say
    pooled = c.groupby(["test", "arm", "channel", "stage"], as_index=False)[["loans", "rolled", "cured",
                                                                            "attempts"]].sum()
    pooled["risk_band"] = "all"
    c = pd.concat([c, pooled], ignore_index=True)
    wide = c.pivot_table(index=["test", "channel", "stage", "risk_band"], columns="arm",
                         values=["loans", "rolled", "cured", "attempts"], aggfunc="sum", fill_value=0)
    wide.columns = [f"{v}_{a}" for v, a in wide.columns]
    wide = wide.reset_index()
    for need in ("loans_treatment", "loans_control"):
        if need not in wide:
            return pd.DataFrame(columns=cols)
    wide = wide[(wide["loans_treatment"] > 0) & (wide["loans_control"] > 0)].copy()
    nt, nc = wide["loans_treatment"], wide["loans_control"]
    out = wide[["test", "channel", "stage", "risk_band"]].copy()
    out["n_treated"], out["n_control"] = nt.astype(int), nc.astype(int)
    out["roll_treated"], out["roll_control"] = wide["rolled_treatment"] / nt, wide["rolled_control"] / nc
    pre = (out["stage"] == "pre_due").to_numpy()
    out["cure_treated"] = np.where(pre, np.nan, wide["cured_treatment"] / nt)
    out["cure_control"] = np.where(pre, np.nan, wide["cured_control"] / nc)
    r, lo, hi = _ratio_ci(wide["rolled_treatment"], nt, wide["rolled_control"], nc)
    out["roll"], out["roll_lo"], out["roll_hi"] = 1 - r, 1 - hi, 1 - lo
    r, lo, hi = _ratio_ci(wide["cured_treatment"], nt, wide["cured_control"], nc)
    out["cure"] = np.where(pre, np.nan, r - 1)
    out["cure_lo"] = np.where(pre, np.nan, lo - 1)
    out["cure_hi"] = np.where(pre, np.nan, hi - 1)
    out["tested_attempts"] = np.maximum(wide["attempts_treatment"] / nt, 1.0)
    order = {b: i for i, b in enumerate((*RISK_BANDS, "all"))}
    out = out.sort_values(["test", "stage", "channel"], kind="stable")
    out = out.iloc[np.lexsort((out["risk_band"].map(order), out["channel"], out["test"]))]
    return out[cols].reset_index(drop=True)


# ---------------------------------------------------------------- the effect book


@dataclass(frozen=True)
class EffectBook:
    """The effect of every channel on every segment: user entries, then measured, then assumed."""

    effects: dict[tuple[str, str, str], Effect]
    decay: dict[str, float]
    cap: dict[str, float] = field(default_factory=lambda: dict(COMBINED_CAP))

    def get(self, channel: str, band: str, stage: str) -> Effect:
        found = self.effects.get((channel, band, stage))
        return found if found is not None else assumed_effect(channel, band, stage)

    def zero(self) -> EffectBook:
        """The same book with every effect set to zero (for checks against the plain chain)."""
        zero = {k: replace(e, roll=0.0, cure=0.0, roll_ci=(0.0, 0.0), cure_ci=(0.0, 0.0))
                for k, e in self.all_effects().items()}
        return EffectBook(zero, self.decay, self.cap)

    def data_only(self) -> EffectBook:
        """Each effect reduced to what the data supports: its log-ratio times the test's weight in
        it (zero for an assumed effect). The difference to the full book is what rests on priors."""
        def part(value: float, w: float, roll: bool) -> float:
            if w <= 0:
                return 0.0
            return 1 - (1 - value) ** w if roll else (1 + value) ** w - 1
        out = {k: replace(e, roll=part(e.roll, e.data_weight_roll, True), cure=part(e.cure, e.data_weight_cure, False),
                          roll_ci=(0.0, 0.0), cure_ci=(0.0, 0.0))
               for k, e in self.all_effects().items()}
        return EffectBook(out, self.decay, self.cap)

    def all_effects(self) -> dict[tuple[str, str, str], Effect]:
        return {(c, b, s): self.get(c, b, s) for c in CHANNELS for b in RISK_BANDS for s in STAGES}

    def table(self) -> pd.DataFrame:
        rows = [{"channel": e.channel, "risk_band": e.risk_band, "stage": e.stage, "roll": e.roll,
                 "roll_lo": e.roll_ci[0], "roll_hi": e.roll_ci[1], "cure": e.cure, "cure_lo": e.cure_ci[0],
                 "cure_hi": e.cure_ci[1], "kind": e.kind, "source": e.source, "n_treated": e.n_treated,
                 "n_control": e.n_control, "measured_roll": e.measured_roll, "measured_cure": e.measured_cure,
                 "prior_roll": e.prior_roll if e.prior_roll is not None else (e.roll if e.kind == "assumed" else None),
                 "prior_cure": e.prior_cure if e.prior_cure is not None else (e.cure if e.kind == "assumed" else None),
                 "data_weight_roll": e.data_weight_roll, "data_weight_cure": e.data_weight_cure,
                 "tested_attempts": e.tested_attempts}
                for e in self.all_effects().values()]
        return pd.DataFrame(rows)


def effect_book(measured: pd.DataFrame | None = None, overrides: list[dict] | None = None,
                decay: dict[str, float] | None = None, cap: dict[str, float] | None = None) -> EffectBook:
    """Build the book. ``measured`` is :func:`uplift_estimates`; ``overrides`` user entries.

    A measured roll or cure is combined with the assumed one by precision (module docstring); a
    quantity a test did not measure (the cure of a pre-due reminder) keeps the assumed value.
    ``cap`` overrides :data:`COMBINED_CAP`. Overrides are dicts with ``channel``,
    ``risk_band`` (or "all"), ``stage``, ``roll``, ``cure`` and optional ``roll_range``,
    ``cure_range`` ([low, high]) and ``source``.
    """
    book: dict[tuple[str, str, str], Effect] = {}
    if measured is not None and not measured.empty:
        for row in measured[measured["risk_band"].isin(RISK_BANDS)].itertuples(index=False):
            if row.channel not in CHANNELS or row.stage not in STAGES:
                continue
            book[(row.channel, row.risk_band, row.stage)] = _measured_effect(row)
    for i, o in enumerate(overrides or []):
        for e in _override(o, i):
            book[(e.channel, e.risk_band, e.stage)] = e
    return EffectBook(book, {**DECAY, **(decay or {})}, {**COMBINED_CAP, **(cap or {})})


def _log_ratio_se(lo: float, hi: float, roll: bool) -> float:
    """Standard error of the log ratio behind a 95% interval of a roll cut or a cure rise."""
    if roll:
        return (math.log(max(1 - lo, 1e-9)) - math.log(max(1 - hi, 1e-9))) / (2 * Z95)
    return (math.log(max(1 + hi, 1e-9)) - math.log(max(1 + lo, 1e-9))) / (2 * Z95)


def _combined(prior: float, prior_ci: tuple[float, float], measured: float, measured_ci: tuple[float, float],
              roll: bool) -> tuple[float, tuple[float, float], float]:
    """Prior and measurement combined on the log-ratio scale: (value, 95% interval, data weight)."""
    to_log = (lambda x: math.log(max(1 - x, 1e-9))) if roll else (lambda x: math.log(max(1 + x, 1e-9)))
    back = (lambda y: 1 - math.exp(y)) if roll else (lambda y: math.exp(y) - 1)
    prior_sd = _log_ratio_se(*prior_ci, roll=roll)
    mean, sd, w = precision_weighted(to_log(prior), prior_sd, to_log(measured), _log_ratio_se(*measured_ci, roll))
    if w == 0.0:
        return prior, prior_ci, 0.0
    a, b = back(mean - Z95 * sd), back(mean + Z95 * sd)
    return back(mean), (min(a, b), max(a, b)), w


def _measured_effect(row) -> Effect:
    """A test's estimates combined with the default (prior) by precision (module docstring)."""
    e = assumed_effect(row.channel, row.risk_band, row.stage)
    has_cure = not (isinstance(row.cure, float) and math.isnan(row.cure))
    roll_ci = (float(row.roll_lo), float(row.roll_hi))
    cure_ci = (float(row.cure_lo), float(row.cure_hi)) if has_cure else None
    roll, roll_c, w_roll = _combined(e.roll, e.roll_ci, float(row.roll), roll_ci, roll=True)
    cure, cure_c, w_cure = (_combined(e.cure, e.cure_ci, float(row.cure), cure_ci, roll=False) if has_cure
                            else (e.cure, e.cure_ci, 0.0))
    led = max(w_roll, w_cure) > 0.5
    tested = getattr(row, "tested_attempts", 1.0)
    tested = float(tested) if tested is not None and math.isfinite(float(tested)) and tested >= 1 else 1.0
    return replace(
        e, roll=min(roll, MAX_ROLL_CUT), roll_ci=(min(roll_c[0], MAX_ROLL_CUT), min(roll_c[1], MAX_ROLL_CUT)),
        cure=max(cure, -0.99), cure_ci=(max(cure_c[0], -0.99), max(cure_c[1], -0.99)),
        source=(f"randomised test {row.test} in your data (weight {max(w_roll, w_cure):.0%}) combined with: "
                f"{e.source}"),
        kind="measured" if led else "assumed", n_treated=int(row.n_treated), n_control=int(row.n_control),
        measured_roll=float(row.roll), measured_roll_ci=roll_ci,
        measured_cure=float(row.cure) if has_cure else None, measured_cure_ci=cure_ci,
        prior_roll=e.roll, prior_cure=e.cure, data_weight_roll=w_roll, data_weight_cure=w_cure,
        tested_attempts=tested)


def _override(o: dict, i: int) -> list[Effect]:
    where = f"effects[{i}]"
    try:
        channel, band, stage = o["channel"], o.get("risk_band", "all"), o["stage"]
        roll, cure = float(o.get("roll", 0.0)), float(o.get("cure", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: give channel, stage, roll and cure as numbers ({exc}).") from exc
    if channel not in CHANNELS or stage not in STAGES or band not in (*RISK_BANDS, "all"):
        raise InputError(f"{where}: unknown channel '{channel}', stage '{stage}' or risk band '{band}'.")
    if not (-1.0 < roll <= MAX_ROLL_CUT) or cure <= -1.0:
        raise InputError(f"{where}: roll must be between -1 and {MAX_ROLL_CUT} and cure above -1 "
                         f"(got roll {roll}, cure {cure}).")
    roll_r = tuple(float(v) for v in o.get("roll_range", (roll, roll)))
    cure_r = tuple(float(v) for v in o.get("cure_range", (cure, cure)))
    if not (roll_r[0] <= roll <= roll_r[1] and cure_r[0] <= cure <= cure_r[1]):
        raise InputError(f"{where}: the ranges must contain the values (roll {roll} in {list(roll_r)}, "
                         f"cure {cure} in {list(cure_r)}).")
    source = str(o.get("source") or "your assumption")
    bands = RISK_BANDS if band == "all" else (band,)
    return [Effect(channel, b, stage, roll, cure, roll_r, cure_r, source, "user") for b in bands]
