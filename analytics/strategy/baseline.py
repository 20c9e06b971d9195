"""Where the book stands and how it moves today: the simulator's starting point.

- **States** (nine): the delinquency bucket of an active loan, else its closing status:
  current, dpd_1_29, dpd_30_59, dpd_60_89, dpd_90_119, dpd_120_plus, paid_off, charged_off,
  repossessed. The last three are absorbing.
- **Risk band** of a loan: from the risk model when one is trained (pass its bands to
  :func:`risk_bands`), else from the origination score: high < 620 <= medium < 720 <= low; a
  missing score falls back to the credit tier (subprime high, near-prime and prime medium,
  super-prime low), and a loan with neither is treated as high risk (the cautious choice).
- **Transition matrix** per band: P[i, j] = share of the loans in state i at the end of a month
  that are in state j at the end of the next, pooled over the pairs of a loan's rows in
  consecutive months whose later month lies in the estimation window (the last ``months``
  months up to the as-of month). Absorbing rows are the identity. A state a band has no loans
  in borrows the row of all bands pooled.
- **Month-to-month variation**: the Dirichlet concentration of each row, fitted by moments to
  how much the monthly matrices in the window scatter beyond sampling noise. The engine draws a
  matrix per path and month from it, so bands reflect seasons and shocks as seen in the data.
- **Re-default**: with ``restructures`` given, the miss rate of current loans restructured in the
  previous 12 months against other current loans of the same band (Mantel-Haenszel ratio over
  bands). Observed, not randomised: restructured borrowers were in trouble before, so it is an
  upper bound of what restructuring itself does.
- **Starting book**: active loans at the end of the as-of month by band and state, with their
  average balance, rate, remaining term, payment and vehicle value.
- **Today's practice** (:func:`practice_counts`): contacts outside randomised tests in the window,
  by band × stage (from ``dpd_at_action``; missing counts as pre-due) × channel: loan-months
  contacted, attempts and the median contact day. Shares are contacted loan-months ÷ the band's
  loan-months in the stage (the transition pairs' origin states), pooled over the window. The
  matrices already contain what today's practice does; a strategy is a change against it.

The transitions come from the roll-rate analytics (:func:`analytics.metrics.transitions.transition_matrix`, run
on each band's loans); the engine itself only sees numpy matrices (band × 9 × 9).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.metrics import transitions
from analytics.metrics.expr import closing_rows, count_if, month_index
from analytics.strategy.spec import RISK_BANDS, STAGES

log = logging.getLogger(__name__)

STATES: tuple[str, ...] = transitions.STATES
N_STATES = len(STATES)
N_TRANSIENT = 6
PAID_OFF, CHARGED_OFF, REPOSSESSED = 6, 7, 8
CURRENT = 0
# Named slices of the state axis (use these rather than raw index ranges).
TRANSIENT = slice(0, N_TRANSIENT)          # current .. dpd_120_plus: open loans
ABSORBING = slice(N_TRANSIENT, N_STATES)   # paid_off, charged_off, repossessed
DELINQUENT = slice(1, N_TRANSIENT)         # 1+ days past due
DPD30_PLUS = slice(2, N_TRANSIENT)
DPD60_PLUS = slice(3, N_TRANSIENT)
DPD90_PLUS = slice(4, N_TRANSIENT)
STATE_INDEX = {s: i for i, s in enumerate(STATES)}
# States each DPD stage covers.
STAGE_STATES: dict[str, tuple[int, ...]] = {"pre_due": (0,), "dpd_1_29": (1,), "dpd_30_59": (2,),
                                            "dpd_60_89": (3,), "dpd_90_plus": (4, 5)}
STAGE_OF_STATE: tuple[str, ...] = ("pre_due", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_plus", "dpd_90_plus")
assert set(STAGE_STATES) == set(STAGES)
BAND_SCORE_CUTS = (620, 720)


def state_expr(perf: ir.Table) -> ir.StringValue:
    """The state of a performance row: its bucket while active, else its status (as in metrics.transitions)."""
    return transitions.state_of(perf)


def score_bands(loans: ir.Table) -> ir.Table:
    """(loan_id, risk_band) from the origination score, falling back to the credit tier."""
    s = loans.credit_score
    tier = loans.credit_tier
    by_tier = ibis.cases((tier == "super_prime", "low"), (tier.isin(["prime", "near_prime"]), "medium"),
                         else_="high")
    band = ibis.ifelse(s.isnull(), by_tier,
                       ibis.cases((s < BAND_SCORE_CUTS[0], "high"), (s < BAND_SCORE_CUTS[1], "medium"), else_="low"))
    return loans.select("loan_id", risk_band=band)


# The risk model (analytics.risk) scores loans into five bands; the simulator's segments use three.
MODEL_BAND_MAP = {"very_high": "high", "high": "high", "medium": "medium", "low": "low", "very_low": "low"}


def bands_from_model(scored: pd.DataFrame) -> pd.DataFrame:
    """``loan_id, risk_band`` from the risk model's scores (``loan_id, band``), five bands to three."""
    bad = set(scored["band"].dropna()) - set(MODEL_BAND_MAP)
    if bad:
        raise InputError(f"the risk model's bands {sorted(bad)} are not known to the simulator; expected "
                         f"{', '.join(MODEL_BAND_MAP)}.")
    return pd.DataFrame({"loan_id": scored["loan_id"].astype(str), "risk_band": scored["band"].map(MODEL_BAND_MAP)})


def risk_bands(loans: ir.Table, model_bands: ir.Table | pd.DataFrame | None = None) -> ir.Table:
    """(loan_id, risk_band) for every loan: the risk model's band where given, else the score band.

    ``model_bands`` is the seam for the risk model: a table or frame with ``loan_id`` and
    ``risk_band`` (values among high, medium, low). Loans it does not cover keep the score band.
    """
    fallback = score_bands(loans)
    if model_bands is None:
        return fallback
    if isinstance(model_bands, pd.DataFrame):
        missing = {"loan_id", "risk_band"} - set(model_bands.columns)
        if missing:
            raise InputError(f"the risk model's bands lack column(s) {', '.join(sorted(missing))}.")
        bad = set(model_bands["risk_band"].dropna()) - set(RISK_BANDS)
        if bad:
            raise InputError(f"the risk model's bands use {sorted(bad)}; map them to {', '.join(RISK_BANDS)}.")
        model_bands = ibis.memtable(model_bands[["loan_id", "risk_band"]].astype(str))
    m = model_bands.select("loan_id", model_band=model_bands.risk_band)
    j = fallback.left_join(m, "loan_id")
    return j.select(loan_id=j.loan_id, risk_band=j.model_band.fill_null(j.risk_band))


def _month(value) -> date:
    return pd.Timestamp(value).date().replace(day=1)


# Score bands are unions of credit tiers (the same 620 / 720 cut points): tier -> band.
TIER_BAND = {"subprime": "high", "near_prime": "medium", "prime": "medium", "super_prime": "low", "unknown": "high"}


def tiers_give_bands(loans: ir.Table, bands: ir.Table) -> bool:
    """True when every loan's band is its credit tier's band (so flows can split by tier)."""
    tier = loans.credit_tier.fill_null("unknown")
    mapped = ibis.cases(*[(tier == k, v) for k, v in TIER_BAND.items()], else_="high")
    j = loans.select("loan_id", mapped=mapped).inner_join(bands, "loan_id")
    return int(j.filter(j.mapped != j.risk_band).count().to_pandas()) == 0


def band_transitions(perf: ir.Table, bands: ir.Table, as_of: date, months: int = 12,
                     loans: ir.Table | None = None) -> pd.DataFrame:
    """Transitions per band and month in the window, from the roll-rate analytics.

    :func:`analytics.metrics.transitions.transition_matrix` over the ``months`` months ending at ``as_of``:
    ``risk_band, as_of_month, from_state, to_state, loans, balance``. When the bands are the
    score bands (checked loan by loan against the credit tiers), one query split by tier does;
    otherwise (a risk model's bands) it runs on each band's loans.
    """
    win = transitions.window(perf, as_of, months)
    if loans is not None and tiers_give_bands(loans, bands):
        tm = transitions.transition_matrix(win, loans, "credit_tier").to_pandas()
        tm["risk_band"] = tm["segment"].map(TIER_BAND).fillna("high")
        return tm.groupby(["risk_band", "as_of_month", "from_state", "to_state"], as_index=False)[
            ["loans", "balance"]].sum()
    frames = []
    for band in RISK_BANDS:
        members = bands.filter(bands.risk_band == band).select("loan_id")
        tm = transitions.transition_matrix(win.semi_join(members, "loan_id")).to_pandas()
        frames.append(tm.assign(risk_band=band))
    return pd.concat(frames, ignore_index=True)


def redefault_counts(perf: ir.Table, restructures: ir.Table, bands: ir.Table, as_of: date,
                     months: int = 12) -> ir.Table:
    """Current loans in the window that had a restructure take effect in the 12 months up to the
    earlier month, by band: pairs and how many missed (moved to a worse state).

    Only restructured loans are scanned (a small part of the book); the comparison group, the
    other current loans of the band, is the band's current row of the transitions less these.
    """
    mi = month_index(perf.as_of_month)
    end = as_of.year * 12 + as_of.month - 1
    recent = perf.filter((mi >= end - months) & (mi <= end)).semi_join(restructures.select("loan_id"), "loan_id")
    rmi = month_index(recent.as_of_month)
    prev = recent.filter((rmi < end) & (state_expr(recent) == "current")).select(
        "loan_id", mi=month_index(recent.as_of_month) + 1)
    now = recent.filter(rmi > end - months).select("loan_id", mi=month_index(recent.as_of_month),
                                                   to_state=state_expr(recent))
    pairs = prev.inner_join(now, ["loan_id", "mi"])
    r = restructures.select("loan_id", rmi=month_index(restructures.effective_month))
    hit = pairs.inner_join(r, "loan_id")
    hit = hit.filter((hit.rmi <= hit.mi - 1) & (hit.rmi >= hit.mi - 12)).select("loan_id", "mi", "to_state").distinct()
    j = hit.inner_join(bands, "loan_id")
    missed = ~j.to_state.isin(["current", "paid_off"])
    return j.group_by("risk_band").aggregate(loans=j.count(), missed=count_if(missed))


def typical_payment_cut(restructures: ir.Table) -> ir.Table:
    """Average relative payment cut of the restructures on record (deferrals count as none)."""
    r = restructures.filter(restructures.payment_before > 0)
    cut = ibis.greatest(1 - r.payment_after.fill_null(r.payment_before) / r.payment_before, 0.0)
    return r.aggregate(restructures=r.count(), cut=cut.mean())


def mantel_haenszel_ratio(flagged: pd.DataFrame, transitions: np.ndarray, bands: tuple[str, ...]
                          ) -> tuple[float | None, int]:
    """Band-adjusted ratio of miss rates, restructured vs other current loans (Mantel-Haenszel).

    ``flagged`` is :func:`redefault_counts`; ``transitions`` the (B, 9, 9) counts of all pairs,
    whose current row, less the flagged pairs, is the comparison group.
    """
    num = den = 0.0
    n_flagged = 0
    for row in flagged.itertuples(index=False):
        if row.risk_band not in bands:
            continue
        b = bands.index(row.risk_band)
        cur = transitions[b, 0]
        n0 = cur.sum() - row.loans
        c = cur.sum() - cur[0] - cur[PAID_OFF] - row.missed
        n1, a = row.loans, row.missed
        tot = n0 + n1
        if n0 <= 0 or tot <= 0:
            continue
        num += a * n0 / tot
        den += c * n1 / tot
        n_flagged += int(n1)
    return (float(num / den) if den > 0 and num > 0 else None), n_flagged


def practice_counts(actions: ir.Table, bands: ir.Table, as_of: date, months: int = 12) -> ir.Table:
    """Contacts outside tests in the ``months`` up to ``as_of`` by band × stage × channel:
    ``loan_months`` contacted, ``attempts`` and ``timing`` (median ``dpd_at_action``)."""
    a = actions.filter(actions.experiment_arm.isnull())
    mi = month_index(a.action_time.truncate("M").cast("date"))
    end = as_of.year * 12 + as_of.month - 1
    a = a.filter((mi > end - months) & (mi <= end))
    dpd = a.dpd_at_action.fill_null(0)
    stage = ibis.cases((dpd <= 0, "pre_due"), (dpd < 30, "dpd_1_29"), (dpd < 60, "dpd_30_59"),
                       (dpd < 90, "dpd_60_89"), else_="dpd_90_plus")
    a = a.select("loan_id", "channel", stage=stage, mi=month_index(a.action_time.truncate("M").cast("date")),
                 dpd=dpd)
    per = a.group_by(["loan_id", "channel", "stage", "mi"]).aggregate(attempts=a.count(), dpd=a.dpd.min())
    j = per.inner_join(bands, "loan_id")
    return j.group_by(["risk_band", "stage", "channel"]).aggregate(
        loan_months=j.count(), attempts=j.attempts.sum(), timing=j.dpd.median())


@dataclass(frozen=True)
class Practice:
    """Today's practice per band × stage × channel (arrays [band, stage, channel], orders of
    ``RISK_BANDS``/``STAGES``/``spec.CHANNELS``): treated ``share`` of the segment's loan-months,
    ``attempts`` per treated loan-month and median contact day ``timing``."""

    share: np.ndarray
    attempts: np.ndarray
    timing: np.ndarray
    source: str = "data"

    @staticmethod
    def none(n_bands: int = 3) -> Practice:
        from analytics.strategy.spec import CHANNELS

        shape = (n_bands, len(STAGES), len(CHANNELS))
        return Practice(np.zeros(shape), np.ones(shape), np.zeros(shape), "none")

    def rows(self, bands: tuple[str, ...]) -> list[dict]:
        """The treated cells as records (band, stage, channel, share, attempts, timing)."""
        from analytics.strategy.spec import CHANNELS

        out = []
        for b, band in enumerate(bands):
            for s, stage in enumerate(STAGES):
                for c, ch in enumerate(CHANNELS):
                    if self.share[b, s, c] > 0:
                        out.append({"risk_band": band, "stage": stage, "channel": ch,
                                    "share": float(self.share[b, s, c]), "attempts": float(self.attempts[b, s, c]),
                                    "timing_dpd": int(self.timing[b, s, c])})
        return out


def practice_from_counts(counts: pd.DataFrame, transitions_counts: np.ndarray, bands: tuple[str, ...]) -> Practice:
    """:class:`Practice` from :func:`practice_counts` (pandas) and the (B, 9, 9) transition counts."""
    from analytics.strategy.spec import CHANNELS, STAGE_DPD

    p = Practice.none(len(bands))
    share, attempts, timing = p.share.copy(), p.attempts.copy(), p.timing.copy()
    origin = transitions_counts.sum(-1)  # (B, 9) loan-months starting in each state
    for r in counts.itertuples(index=False):
        if r.risk_band not in bands or r.stage not in STAGES or r.channel not in CHANNELS:
            continue
        b, s, c = bands.index(r.risk_band), STAGES.index(r.stage), CHANNELS.index(r.channel)
        den = origin[b, list(STAGE_STATES[r.stage])].sum()
        if den <= 0 or r.loan_months <= 0:
            continue
        share[b, s, c] = min(1.0, float(r.loan_months) / den)
        attempts[b, s, c] = max(1.0, float(r.attempts) / float(r.loan_months))
        lo, hi = STAGE_DPD[r.stage]
        t = float(r.timing) if r.timing is not None and np.isfinite(r.timing) else lo
        timing[b, s, c] = int(round(min(max(t, lo if r.stage != "pre_due" else -30), hi if hi is not None else t)))
    return Practice(share, attempts, timing, "data")


# History-aware groups (see :func:`history_groups`): 0 none, 1 cured within the last 6 months,
# 2 restructured within the last 12 months (restructured takes precedence).
HISTORY_GROUPS: tuple[str, ...] = ("none", "cured_6m", "restructured_12m")
HISTORY_MONTHS = {1: 6, 2: 12}
# Credibility constant (Bühlmann): a history row seen n times weighs n / (n + K) against its band's
# row. K = 100 loan-months is an assumption: a row needs about 100 observations before it counts as
# much as the band's.
HISTORY_CREDIBILITY = 100.0
_DELINQUENT = ("dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_plus")


def history_groups(perf: ir.Table, restructures: ir.Table | None, first_mi: int, last_mi: int) -> ir.Table:
    """``loan_id, mi, state, group`` for every performance row with first_mi <= mi <= last_mi.

    A loan is *cured* at month mi when it cured (delinquent at mi-1, current at mi) in one of the
    six months up to mi; *restructured* when a restructure took effect in the twelve months up to mi.
    """
    mi = month_index(perf.as_of_month)
    p = perf.filter((mi >= first_mi - 6) & (mi <= last_mi))
    p = p.select("loan_id", mi=month_index(p.as_of_month), state=state_expr(p))
    w = ibis.window(group_by="loan_id", order_by="mi")
    prev_state, prev_mi = p.state.lag().over(w), p.mi.lag().over(w)
    cure_mi = ibis.ifelse((p.state == "current") & prev_state.isin(_DELINQUENT) & (prev_mi == p.mi - 1),
                          p.mi, ibis.null().cast("int64"))
    p = p.mutate(cure_mi=cure_mi)
    cw = ibis.cumulative_window(group_by="loan_id", order_by="mi")
    p = p.mutate(last_cure=p.cure_mi.max().over(cw))
    p = p.filter(p.mi >= first_mi)
    cured = p.last_cure.notnull() & (p.last_cure > p.mi - HISTORY_MONTHS[1])
    if restructures is not None:
        r = restructures.select(r_id=restructures.loan_id, rmi=month_index(restructures.effective_month))
        hit = p.select("loan_id", "mi").inner_join(r, [p.loan_id == r.r_id])
        hit = hit.filter((hit.rmi <= hit.mi) & (hit.rmi > hit.mi - HISTORY_MONTHS[2]))
        hit = hit.select("loan_id", "mi", restr=ibis.literal(True)).distinct()
        p = p.left_join(hit, ["loan_id", "mi"]).drop("loan_id_right", "mi_right")
        restr = p.restr.fill_null(False)
    else:
        restr = ibis.literal(False)
    group = ibis.ifelse(restr, 2, ibis.ifelse(cured, 1, 0))
    return p.select("loan_id", "mi", "state", group=group)


def history_transitions(perf: ir.Table, restructures: ir.Table | None, bands: ir.Table, as_of: date,
                        months: int = 12) -> ir.Table:
    """Transition counts by band × history group (of the earlier month) × from × to, for the pairs
    whose later month lies in the window; and the groups' loans at the as-of month (``to_state``
    null, ``from_state`` the state then)."""
    end = as_of.year * 12 + as_of.month - 1
    g = history_groups(perf, restructures, end - months, end)
    prev = g.select("loan_id", mi=g.mi + 1, group=g.group, from_state=g.state)
    now = g.select("loan_id", "mi", to_state=g.state)
    pairs = prev.filter(prev.from_state.notin(["paid_off", "charged_off", "repossessed"])).inner_join(
        now, ["loan_id", "mi"])
    pairs = pairs.inner_join(bands, "loan_id")
    return pairs.group_by(["risk_band", "group", "from_state", "to_state"]).aggregate(loans=pairs.count())


def history_start(perf: ir.Table, restructures: ir.Table | None, bands: ir.Table, as_of: date) -> ir.Table:
    """Active loans at the as-of month by band × history group × state."""
    end = as_of.year * 12 + as_of.month - 1
    g = history_groups(perf, restructures, end, end)
    g = g.filter(g.state.notin(["paid_off", "charged_off", "repossessed"])).inner_join(bands, "loan_id")
    return g.group_by(["risk_band", "group", "state"]).aggregate(loans=g.count())


def shrink_rows(counts: np.ndarray, prior: np.ndarray, k: float = HISTORY_CREDIBILITY) -> np.ndarray:
    """Credibility-weighted rows: (counts + k · prior_row) / (n + k); absorbing rows are the identity.

    ``counts`` (..., 9, 9) loan counts of a history group, ``prior`` the band's (..., 9, 9) shares.
    """
    n = counts.sum(-1, keepdims=True)
    out = (counts + k * prior) / (n + k)
    out[..., N_TRANSIENT:, :] = prior[..., N_TRANSIENT:, :]
    return out


def residual_rows(counts: np.ndarray, shrunk: np.ndarray, pooled: np.ndarray) -> np.ndarray:
    """Group 0's rows as what the band's transitions leave once the history groups take their
    shrunk rows: ``(Σ_g counts_g - Σ_{g>=1} n_g · shrunk_g) / n_0`` (cells below zero clipped).

    ``counts`` (3, B, 9, 9) loan counts by history group, ``shrunk`` (2, B, 9, 9) the rows of
    groups 1-2 (:func:`shrink_rows`), ``pooled`` (B, 9, 9) the band's rows (used where nothing
    is left). With group 0's raw rows instead, a thin history row pulled back to the band's row
    loses the extra risk its loans carried while group 0's row has it removed: the rows no longer
    average back to the band's matrix under the window's mix (on the 3,000-loan cn sample the
    simulated 30+ count fell about a quarter below the band chain's and the data's). The
    residual keeps the identity Σ_g n_g · row_g = band counts, so zero effects reproduce the
    band's Markov chain on the window's mix of groups.
    """
    n = counts[1:].sum(-1, keepdims=True)
    left = np.clip(counts.sum(0) - (n * shrunk).sum(0), 0.0, None)
    tot = left.sum(-1, keepdims=True)
    out = np.where(tot > 0, left / np.where(tot > 0, tot, 1.0), pooled)
    out[..., N_TRANSIENT:, :] = pooled[..., N_TRANSIENT:, :]
    return out


def borrow_strength(seg: Baseline, book: Baseline, k: float = HISTORY_CREDIBILITY) -> Baseline:
    """A part of the book (a region, a dealer) with its rows credibility-weighted toward the whole
    book's: each band's transient row becomes ``(counts + k · book_row) / (n + k)`` (Bühlmann, the
    same K as the history rows), and ``transitions`` holds ``counts + k · book_row``, so the
    per-path parameter draws (:class:`analytics.strategy.engine.MatrixDraws`) are the posterior
    Dirichlet(counts + k · book_row): a thin segment that saw no roll from 1-29 to 30-59 DPD in a
    year still rolls on some paths, at about the book's rate, instead of never.

    The history rows keep their own loan-months and are re-shrunk toward the new band rows; the
    other loans' rows are again the residual (:func:`residual_rows`), so zero effects still
    reproduce the segment's (now weighted) band chain. Start counts, balances, today's practice
    and re-default levels stay the segment's own; a status whose severity spread the segment has
    too few closures for takes the book's.
    """
    pseudo = np.zeros_like(seg.transitions, dtype=float)
    pseudo[:, :N_TRANSIENT] = k * book.matrix[:, :N_TRANSIENT]
    raw = seg.transitions.astype(float)
    trans = raw + pseudo
    pooled = _pooled_rows(trans)
    out = {"matrix": pooled, "transitions": trans, "severity": {**book.severity, **seg.severity}}
    if seg.history_matrix is not None and seg.history_pairs is not None:
        n_g = seg.history_pairs[..., None]
        old_pooled = _pooled_rows(raw)
        cnt_hist = np.clip(seg.history_matrix * (n_g + HISTORY_CREDIBILITY) - HISTORY_CREDIBILITY * old_pooled[None],
                           0.0, None)
        cnt_hist[..., N_TRANSIENT:, :] = 0.0
        hist = shrink_rows(cnt_hist, pooled[None])
        cnt0 = np.clip(raw - cnt_hist.sum(0), 0.0, None) + pseudo
        out["history_matrix"] = hist
        out["matrix_plain"] = residual_rows(np.concatenate([cnt0[None], cnt_hist]), hist, pooled)
    return replace(seg, **out)


def starting_book(perf: ir.Table, loans: ir.Table, bands: ir.Table, as_of: date) -> ir.Table:
    """Active loans at the end of ``as_of`` by band and state, with sums for averages."""
    p = perf.filter((perf.as_of_month == ibis.date(as_of)) & (perf.status == "active"))
    lo = loans.select("loan_id", "vehicle_value", "apr", "term_months", "monthly_payment")
    j = p.inner_join(lo, "loan_id").inner_join(bands, "loan_id")
    return j.group_by(["risk_band", j.bucket.name("state")]).aggregate(
        loans=j.count(),
        balance=j.closing_balance.fill_null(0.0).sum(),
        vehicle_value=j.vehicle_value.fill_null(0.0).sum(),
        months_on_book=j.months_on_book.sum(),
        apr=j.apr.fill_null(0.0).sum(),
        remaining_term=ibis.greatest(j.term_months - j.months_on_book, 1).sum(),
        payment=j.monthly_payment.fill_null(0.0).sum(),
    )


# Months a repossession's sale proceeds take to arrive: the car is auctioned 10-30 days after the
# notice of sale (UCC Article 9) and the proceeds are remitted within about 4 months of the
# repossession (analytics.sample.synth.WalkCalibration.repo_recovery_lag_shares). Repossessions
# closer than this to the as-of month may still wait for their sale, so the per-loan recovery
# ratios leave them out.
RECOVERY_SETTLE_MONTHS = 4


def loss_history(perf: ir.Table, as_of: date, months: int = 24) -> ir.Table:
    """Charge-offs and recoveries by closing status over ``months`` months up to ``as_of``:
    ``loans`` closures (each once, in its closing row), ``charge_off`` balances written off and
    ``recovery`` recoveries that arrived in those months (also on post-closure rows of earlier
    closures): recovery ÷ charge-off is the rating agencies' monthly recovery rate, pooled."""
    mi = month_index(perf.as_of_month)
    end = as_of.year * 12 + as_of.month - 1
    p = perf.filter((mi > end - months) & (mi <= end) & perf.status.isin(["charged_off", "repossessed"]))
    amounts = p.group_by("status").aggregate(charge_off=p.charge_off_amount.fill_null(0.0).sum(),
                                             recovery=p.recovery_amount.fill_null(0.0).sum())
    c = closing_rows(perf.filter(mi <= end))
    c = c.filter((month_index(c.as_of_month) > end - months) & c.status.isin(["charged_off", "repossessed"]))
    counts = c.group_by("status").aggregate(loans=c.count())
    j = amounts.left_join(counts, "status")
    return j.select(amounts.status, loans=j.loans.fill_null(0), charge_off=j.charge_off, recovery=j.recovery)


def repossession_recoveries(perf: ir.Table, as_of: date, months: int = 24) -> ir.Table:
    """Per loan repossessed in the ``months`` up to ``as_of`` (less the last
    :data:`RECOVERY_SETTLE_MONTHS`, whose sales may not have arrived): its recoveries up to
    ``as_of`` (the closing row's and the later rows') ÷ balance at charge-off."""
    mi = month_index(perf.as_of_month)
    end = as_of.year * 12 + as_of.month - 1
    upto = perf.filter(mi <= end)
    c = closing_rows(upto)
    cm = month_index(c.as_of_month)
    c = c.filter((cm > end - months) & (cm <= end - RECOVERY_SETTLE_MONTHS) & (c.status == "repossessed")
                 & (c.charge_off_amount > 0))
    rec = upto.filter(upto.recovery_amount != 0).semi_join(c, "loan_id")
    rec = rec.group_by("loan_id").aggregate(recovery=rec.recovery_amount.sum())
    j = c.left_join(rec, "loan_id")
    return j.select(ratio=j.recovery.fill_null(0.0) / j.charge_off_amount)


# Closures of one status needed before their spread of severities is read from the data (as for
# the repossession haircut: fewer tell little about a spread).
MIN_SEVERITY_CLOSURES = 30


def closure_losses(perf: ir.Table, bands: ir.Table, as_of: date, months: int = 24) -> ir.Table:
    """Per loan closed (charged off or repossessed) in the ``months`` up to ``as_of``, less the last
    :data:`RECOVERY_SETTLE_MONTHS` (whose recoveries may still be on their way): its status, risk
    band and net loss (charge-off amount less every recovery up to ``as_of``)."""
    mi = month_index(perf.as_of_month)
    end = as_of.year * 12 + as_of.month - 1
    upto = perf.filter(mi <= end)
    c = closing_rows(upto)
    cm = month_index(c.as_of_month)
    c = c.filter((cm > end - months) & (cm <= end - RECOVERY_SETTLE_MONTHS)
                 & c.status.isin(["charged_off", "repossessed"]) & (c.charge_off_amount > 0))
    rec = upto.filter(upto.recovery_amount != 0).semi_join(c, "loan_id")
    rec = rec.group_by("loan_id").aggregate(recovery=rec.recovery_amount.sum())
    j = c.left_join(rec, "loan_id").inner_join(bands, "loan_id")
    return j.select("status", "risk_band", net=j.charge_off_amount - j.recovery.fill_null(0.0))


def severity_cv(losses: pd.DataFrame, minimum: int = MIN_SEVERITY_CLOSURES) -> dict[str, float]:
    """Coefficient of variation of one closure's net loss around its band's mean, per status.

    The engine values a cell's defaults at the cell's mean; the month's sum over N of them varies
    around N · mean with variance N · (cv · mean)² (a compound sum, Klugman, Panjer & Willmot,
    *Loss Models*, 5th ed., 2019, ch. 9). cv² here is the pooled within-band
    ``Σ (x / mean_band - 1)² / (n - bands)`` of each status's closures (between-band differences
    are the engine's own cell means). Statuses with fewer than ``minimum`` closures are left out.
    """
    out: dict[str, float] = {}
    if losses.empty:
        return out
    for status, g in losses.groupby("status"):
        mean = g.groupby("risk_band")["net"].transform("mean")
        ok = mean > 0
        groups = g.loc[ok, "risk_band"].nunique()
        n = int(ok.sum())
        if n < minimum or n - groups < 1:
            continue
        rel = g.loc[ok, "net"] / mean[ok] - 1.0
        out[str(status)] = float(np.sqrt((rel ** 2).sum() / (n - groups)))
    return out


@dataclass(frozen=True)
class Baseline:
    """The book at the as-of month and its monthly transition matrices, by risk band.

    Arrays are indexed [band, state] or [band, from, to]; per-loan averages are used where the
    engine needs balances (loans moving between states carry the destination state's average).
    """

    bands: tuple[str, ...]
    as_of_month: date
    window_months: int
    matrix: np.ndarray            # (B, 9, 9) pooled transition shares
    transitions: np.ndarray       # (B, 9, 9) loan counts behind them
    concentration: np.ndarray     # (B, 9) Dirichlet concentration per row (inf: no extra variation)
    counts: np.ndarray            # (B, 9) active loans at the as-of month
    balance: np.ndarray           # (B, 9) average closing balance per loan
    vehicle_value: np.ndarray     # (B, 9) average vehicle value at origination
    months_on_book: np.ndarray    # (B, 9)
    apr: np.ndarray               # (B, 9)
    remaining_term: np.ndarray    # (B, 9) months
    payment: np.ndarray           # (B, 9)
    recovery: dict[str, float] = field(default_factory=dict)  # observed recovery / charge-off by status
    market: str = "cn"
    redefault_ratio: float | None = None  # miss rate after a restructure ÷ band's (observed, not randomised)
    redefault_pairs: int = 0              # restructured current loan-months behind it
    typical_payment_cut: float | None = None
    practice: Practice | None = None      # today's contacts (None: the data has no actions)
    # History-aware groups 1 (cured within 6 months) and 2 (restructured within 12 months), see
    # HISTORY_GROUPS: their shrunk matrices (2, B, 9, 9), loan-months behind each row (2, B, 9),
    # loans in them at the as-of month (2, B, 9), and the matrix of the other loans (B, 9, 9).
    history_matrix: np.ndarray | None = None
    history_pairs: np.ndarray | None = None
    history_counts: np.ndarray | None = None
    matrix_plain: np.ndarray | None = None
    # Repossession sale recovery ÷ balance at charge-off in the data: P10, P50, P90, mean, loans.
    repo_haircut: tuple[float, float, float, float, int] | None = None
    # Seasonal factors on the roll rates (analytics.strategy.seasonality.Seasonality), or None: the
    # matrices' 12-month average.
    seasonality: object | None = None
    # Spread of one default's net loss around its cell's mean, per closing status (severity_cv):
    # {"charged_off": cv, "repossessed": cv}; empty: every default at its cell's mean.
    severity: dict[str, float] = field(default_factory=dict)

    @property
    def n_bands(self) -> int:
        return len(self.bands)

    def band_index(self, band: str) -> int:
        return self.bands.index(band)


def _pooled_rows(trans: np.ndarray) -> np.ndarray:
    """Row-normalised matrices; empty transient rows borrow the all-band row, absorbing rows are I."""
    all_bands = trans.sum(axis=0)
    out = np.zeros_like(trans, dtype=float)
    for b in range(trans.shape[0]):
        for i in range(N_STATES):
            if i >= N_TRANSIENT:
                out[b, i, i] = 1.0
                continue
            row = trans[b, i] if trans[b, i].sum() > 0 else all_bands[i]
            if row.sum() > 0:
                out[b, i] = row / row.sum()
            else:
                out[b, i, i] = 1.0
    return out


def dirichlet_concentration(monthly: np.ndarray) -> np.ndarray:
    """Concentration κ per band and row from monthly counts (K, B, 9, 9), by the method of moments.

    Under a Dirichlet-multinomial, the share p̂_kj seen in month k with n_k loans has variance
    p_j (1 - p_j) (1/n_k + (1 - 1/n_k) / (κ + 1)). The scatter beyond the multinomial part, pooled
    over destinations, gives 1 / (κ + 1). No excess scatter gives κ = inf (a fixed matrix).
    """
    k, b, n, _ = monthly.shape
    kappa = np.full((b, n), np.inf)
    for bi in range(b):
        for i in range(N_TRANSIENT):
            tot = monthly[:, bi, i].sum(axis=1)
            ok = tot > 0
            if ok.sum() < 3:
                continue
            shares = monthly[ok, bi, i] / tot[ok, None]
            p = monthly[ok, bi, i].sum(axis=0) / tot[ok].sum()
            pq = p * (1 - p)
            if pq.sum() <= 0:
                continue
            excess = shares.var(axis=0, ddof=1) - pq * np.mean(1 / tot[ok])
            ratio = excess.sum() / pq.sum() / max(1e-12, 1 - np.mean(1 / tot[ok]))
            if ratio > 0:
                kappa[bi, i] = float(np.clip(1 / ratio - 1, 20.0, 1e7))
    # Estimation uncertainty too: a row seen n times is known to about a Dirichlet(n p).
    seen = monthly.sum(axis=(0, 3))
    with np.errstate(divide="ignore"):
        kappa = 1 / (1 / kappa + np.where(seen > 0, 1 / np.maximum(seen, 1), 0.0))
    kappa[:, N_TRANSIENT:] = np.inf
    return kappa


def _averages(book: pd.DataFrame, bands: tuple[str, ...]) -> dict[str, np.ndarray]:
    fields = ("balance", "vehicle_value", "months_on_book", "apr", "remaining_term", "payment")
    sums = {f: np.zeros((len(bands), N_STATES)) for f in (*fields, "loans")}
    for row in book.itertuples(index=False):
        if row.risk_band in bands and row.state in STATE_INDEX:
            b, i = bands.index(row.risk_band), STATE_INDEX[row.state]
            for f in (*fields, "loans"):
                sums[f][b, i] += float(getattr(row, f) or 0.0)
    n = sums["loans"]
    out = {"counts": n}
    for f in fields:
        per = np.divide(sums[f], n, out=np.full_like(n, np.nan), where=n > 0)
        # A state a band has no loans in takes the all-band average, then the band's average.
        pooled = np.divide(sums[f].sum(0), n.sum(0), out=np.full(N_STATES, np.nan), where=n.sum(0) > 0)
        per = np.where(np.isnan(per), pooled[None, :], per)
        band_avg = np.divide(sums[f].sum(1), n.sum(1), out=np.zeros(len(bands)), where=n.sum(1) > 0)
        out[f] = np.where(np.isnan(per), band_avg[:, None], per)
    return out


def _monthly_counts(trans: pd.DataFrame, bands: tuple[str, ...]) -> np.ndarray:
    """Transition counts as an array (month, band, from, to)."""
    months = sorted(pd.to_datetime(trans["as_of_month"]).dt.date.unique()) if not trans.empty else []
    out = np.zeros((max(len(months), 1), len(bands), N_STATES, N_STATES))
    if trans.empty:
        return out
    pos = {m: i for i, m in enumerate(months)}
    m_idx = pd.to_datetime(trans["as_of_month"]).dt.date.map(pos).to_numpy()
    b_idx = trans["risk_band"].map({b: i for i, b in enumerate(bands)}).to_numpy()
    f_idx = trans["from_state"].map(STATE_INDEX).to_numpy()
    t_idx = trans["to_state"].map(STATE_INDEX).to_numpy()
    ok = ~(pd.isna(b_idx) | pd.isna(f_idx) | pd.isna(t_idx))
    np.add.at(out, (m_idx[ok].astype(int), b_idx[ok].astype(int), f_idx[ok].astype(int), t_idx[ok].astype(int)),
              trans["loans"].to_numpy(dtype=float)[ok])
    return out


def estimate_baseline(perf: ir.Table, loans: ir.Table, as_of: date | None = None, months: int = 12,
                      model_bands: ir.Table | pd.DataFrame | None = None, market: str = "cn",
                      restructures: ir.Table | None = None, actions: ir.Table | None = None) -> Baseline:
    """Estimate the starting book and the monthly matrices by band (see the module docstring)."""
    if as_of is None:
        last = perf.as_of_month.max().to_pandas()
        if last is None or pd.isna(last):
            raise InputError("there is no performance data to start the simulation from. Load data first.")
        as_of = _month(last)
    as_of = _month(as_of)
    bands_t = risk_bands(loans, model_bands)
    trans = band_transitions(perf, bands_t, as_of, months, loans)
    book = starting_book(perf, loans, bands_t, as_of).to_pandas()
    losses = loss_history(perf, as_of).to_pandas()
    if book.empty:
        raise InputError(f"no active loans at the end of {as_of:%Y-%m}; choose another as-of month or widen "
                         "the filters.")
    bands = RISK_BANDS
    monthly = _monthly_counts(trans, bands)
    counts_all = monthly.sum(axis=0)
    if counts_all[:, :N_TRANSIENT].sum() == 0:
        raise InputError(f"no month-to-month transitions in the {months} months up to {as_of:%Y-%m}; the "
                         "simulator needs at least two consecutive months of performance data.")
    ratio, pairs, cut = None, 0, None
    if restructures is not None:
        flagged = redefault_counts(perf, restructures, bands_t, as_of, months).to_pandas()
        ratio, pairs = mantel_haenszel_ratio(flagged, counts_all, bands)
        typical = typical_payment_cut(restructures).to_pandas()
        if not typical.empty and typical["restructures"].iloc[0] > 0:
            cut = float(typical["cut"].iloc[0])
    avg = _averages(book, bands)
    recovery = {}
    for row in losses.itertuples(index=False):
        if row.charge_off > 0:
            recovery[row.status] = float(row.recovery / row.charge_off)
    hist = _history(perf, restructures, bands_t, as_of, months, bands, _pooled_rows(counts_all))
    ratios = repossession_recoveries(perf, as_of).to_pandas()["ratio"].clip(0.0, 1.0)
    haircut = None
    if len(ratios) >= 30:  # fewer repossessions than this tell little about the spread
        q = ratios.quantile([0.1, 0.5, 0.9]).to_numpy()
        haircut = (float(q[0]), float(q[1]), float(q[2]), float(ratios.mean()), int(len(ratios)))
    severity = severity_cv(closure_losses(perf, bands_t, as_of).to_pandas())
    practice = None
    if actions is not None:
        practice = practice_from_counts(practice_counts(actions, bands_t, as_of, months).to_pandas(), counts_all,
                                        bands)
    log.info("baseline: %s, %d months, %d active loans", as_of, len(monthly), int(avg["counts"].sum()))
    return Baseline(
        bands=bands, as_of_month=as_of, window_months=int((monthly.sum(axis=(1, 2, 3)) > 0).sum()), matrix=_pooled_rows(counts_all),
        transitions=counts_all, concentration=dirichlet_concentration(monthly), counts=avg["counts"],
        balance=avg["balance"], vehicle_value=avg["vehicle_value"], months_on_book=avg["months_on_book"],
        apr=avg["apr"], remaining_term=avg["remaining_term"], payment=avg["payment"], recovery=recovery,
        market=market, redefault_ratio=ratio, redefault_pairs=pairs, typical_payment_cut=cut, practice=practice,
        repo_haircut=haircut, severity=severity, **hist,
    )


def _history(perf: ir.Table, restructures: ir.Table | None, bands_t: ir.Table, as_of: date, months: int,
             bands: tuple[str, ...], pooled: np.ndarray) -> dict[str, np.ndarray]:
    """History-aware rows (:func:`history_transitions`) shrunk to the band's (:func:`shrink_rows`)."""
    trans = history_transitions(perf, restructures, bands_t, as_of, months).to_pandas()
    start = history_start(perf, restructures, bands_t, as_of).to_pandas()
    cnt = np.zeros((3, len(bands), N_STATES, N_STATES))
    for r in trans.itertuples(index=False):
        if r.risk_band in bands and r.from_state in STATE_INDEX and r.to_state in STATE_INDEX:
            cnt[int(r.group), bands.index(r.risk_band), STATE_INDEX[r.from_state], STATE_INDEX[r.to_state]] += r.loans
    start_counts = np.zeros((3, len(bands), N_STATES))
    for r in start.itertuples(index=False):
        if r.risk_band in bands and r.state in STATE_INDEX:
            start_counts[int(r.group), bands.index(r.risk_band), STATE_INDEX[r.state]] += r.loans
    hist = shrink_rows(cnt[1:], pooled[None])
    plain = residual_rows(cnt, hist, pooled)
    return {"history_matrix": hist, "history_pairs": cnt[1:].sum(-1), "history_counts": start_counts[1:],
            "matrix_plain": plain}
