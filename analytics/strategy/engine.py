"""The simulation: segment × state counts advanced month by month, many sampled paths.

A *segment* is a risk band split by history (``flag``): 0 no recent history; 1 cured within
the last 6 months; 2 restructured within the last 12 months (in the data, before the start);
3 restructured before (no further restructure: lifetime limit one); then one group per
restructuring offer of the strategy. Each group has its own monthly matrix estimated from the
data (:mod:`analytics.strategy.baseline`; an offer's from the restructured loans, stressed on
every row, :func:`analytics.strategy.restructure.restructured_matrix`). A cure from group 0 moves
the loan to group 1; group 1 leaves after 6 months on average, restructured groups after 12 (to
group 3), so a cure earns only the difference in expected loss between the cured state and the
state it left, and no loan is restructured twice. Each month, on every path:

1. Contacts are planned from the counts at the start of the month: eligible loans × share ×
   attempts allowed by the contact rules (:mod:`analytics.strategy.rules`). Agent and field
   hours and then the monthly budget scale them down where they bind; what is dropped is
   counted by reason.
2. Restructuring offers go to eligible loans; ``take_up`` of them accept (a binomial draw) and
   restart current in the offer's segment (a settlement closes the loan as paid off, the
   discount being a loss). Offers need agent time, so capacity limits them too.
3. The band's matrix for this path and month is drawn from its Dirichlet (month-to-month
   variation seen in the data, :mod:`analytics.strategy.baseline`) and each group's matrix moves
   with it (the draw's ratio to the band's mean). **Today's practice is the baseline**: the
   matrices already contain what today's contacts do. Treatments change it: per band × state,
   the combined effect ``E = 1 - Π(1 - q_j e_j)`` (capped, :mod:`analytics.strategy.effects`) of
   the strategy's contacts (today's contacts it does not name continue) is set against today's
   ``E0``; the roll probability is scaled by ``(1 - E) / (1 - E0)`` and the cure probability by
   ``(1 + C) / (1 + C0)``. A strategy equal to today's practice changes nothing on every path;
   removing a contact loses its effect.
4. Loans move by multinomial draws over the counts (numpy broadcasts them over every path,
   segment and state at once), so the cost grows with segments × months × paths, not loans.
5. Defaults lose their balance less recoveries: a charge-off recovers a share of the balance,
   a repossession the car's depreciated value after auction and repossession costs, discounted
   over the time to sale and never more than the balance (:mod:`analytics.strategy.restructure`).

Balances are carried as the average balance per loan of each band and state at the start (a
loan moving takes its destination's average); the book runs off (no new loans). The **tail**
is the expected eventual net loss of the loans still open at the end under today's practice
(absorbing-chain algebra), so a strategy that only delays losses past the horizon gets no
credit for it. With ``stochastic=False`` the same steps run on expected values: the
deterministic chain the sampled paths converge to.
"""

from __future__ import annotations

import os
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from analytics.strategy.baseline import (
    ABSORBING,
    CHARGED_OFF,
    CURRENT,
    DELINQUENT,
    DPD30_PLUS,
    DPD60_PLUS,
    DPD90_PLUS,
    N_STATES,
    N_TRANSIENT,
    PAID_OFF,
    REPOSSESSED,
    STAGE_STATES,
    TRANSIENT,
    Baseline,
)
from analytics.strategy.effects import MAX_HARM, MAX_ROLL_CUT, EffectBook, attempt_gain, timing_factor
from analytics.strategy.restructure import (
    LossParams,
    data_haircut,
    modification_loss,
    repossession_net,
    restructured_matrix,
    segment_facts,
)
from analytics.strategy.rules import ContactRules, Operations, allowed_attempts
from analytics.strategy.spec import CHANNELS, Limits, Strategy, Treatment, segment_treatments

# Destinations that count as rolling (worse) and staying, per transient origin state.
_WORSE = np.zeros((N_TRANSIENT, N_STATES), dtype=bool)
for _i in range(N_TRANSIENT):
    _WORSE[_i, _i + 1:N_TRANSIENT] = True
    _WORSE[_i, [CHARGED_OFF, REPOSSESSED]] = True
_STAY = np.zeros((N_TRANSIENT, N_STATES), dtype=bool)
_STAY[np.arange(N_TRANSIENT), np.arange(N_TRANSIENT)] = True


@dataclass(frozen=True)
class RunSettings:
    """How far and how many paths; which uncertainties the paths sample."""

    months: int = 12
    paths: int = 1000
    seed: int = 7
    matrix_uncertainty: bool = True
    effect_uncertainty: bool = True
    redefault_months: int = 12
    # Cured / restructured groups with their own rows (False: one matrix per band). On by default:
    # the policy backtest of today's practice on the 3,000-loan sample (as-of 2025-06, 400 paths)
    # covers 100% of months with them (tests/test_strategy_backtest.py runs with them).
    history: bool = True
    # Each path also draws the band's rows as estimated from their loan-months (MatrixDraws): a
    # thin segment's chain is uncertain, not only its month-to-month variation. Policy backtest
    # figures with it: docs/strategy.md ("Policy backtest").
    parameter_uncertainty: bool = True


# History groups (see the module docstring); offers' groups follow.
FLAG_NONE, FLAG_CURED, FLAG_RESTRUCTURED, FLAG_POST = 0, 1, 2, 3
N_HISTORY_FLAGS = 4
OFFER_ELIGIBLE_FLAGS = (FLAG_NONE, FLAG_CURED)
# The cured group is estimated on loans cured within the last 6 months, but loans leave it after
# 12 months on average: a cured borrower's higher risk outlasts the 6-month label (on the 50,000-loan
# cn sample, leaving after 6 months puts the cured loans' 12-month bad rate at 1.9% against 2.9% ±
# 0.45% in the data; after 12 months at 2.2%).
CURED_MONTHS = 12


def apply_effects(P: np.ndarray, roll_mult: np.ndarray, cure_mult: np.ndarray,
                  rows: np.ndarray | None = None) -> np.ndarray:
    """Transient rows ``P[..., R, 9]`` with roll probabilities × roll_mult and cure × cure_mult.

    ``rows`` gives the origin state of each row (default: the six transient states in order).
    Roll mass removed goes to staying (added roll mass comes from staying); added cure mass is
    taken from staying and rolling in proportion. Rows stay stochastic; cures are capped by the
    mass available to take from.

    In one pass over the rows: with w the roll mass, s the staying mass and c the cure of a row,
    the roll step leaves the pool w + s (rolling plus staying) unchanged, so the cure step's
    ``scale = add / (w + s)`` is known up front and every cell is the old one times a factor:
    rolling cells ``m (1 - scale)``, staying ``(1 - scale)`` plus ``w (1 - m)(1 - scale)``, the
    cure ``+ add``, the others unchanged.
    """
    rows = np.arange(N_TRANSIENT) if rows is None else np.asarray(rows)
    out = np.array(P, dtype=float)
    apply_effects_inplace(out, np.asarray(roll_mult, dtype=float), np.asarray(cure_mult, dtype=float), rows)
    return out


def apply_effects_inplace(P: np.ndarray, roll_mult: np.ndarray, cure_mult: np.ndarray, rows: np.ndarray) -> None:
    """:func:`apply_effects` on ``P`` (..., R, 9) in place (the engine's hot path: few passes)."""
    R = len(rows)
    ar = np.arange(R)
    W = _WORSE[rows]
    worse = np.einsum("...rj,rj->...r", P, W.astype(float))
    stay = P[..., ar, rows]
    m = np.minimum(roll_mult, np.where(worse > 0, 1 + stay / np.maximum(worse, 1e-300), 1.0))
    # Cures: delinquent rows only; the pool is staying plus rolling (unchanged by the roll step).
    cure = P[..., 0]
    pool = worse + stay
    add = np.clip(cure * (cure_mult - 1) * (rows >= 1), -cure, pool * 0.999)
    scale = np.where(pool > 0, add / np.maximum(pool, 1e-300), 0.0)
    keep = 1 - scale
    np.multiply(P, (m * keep)[..., None], out=P, where=W)
    P[..., ar, rows] = np.maximum((stay + worse * (1 - m)) * keep, 0.0)
    P[..., 0] += add
    P /= P.sum(-1, keepdims=True)


@dataclass
class Plan:
    """A strategy compiled to arrays for one baseline (see :func:`compile_plan`)."""

    strategy: Strategy
    bands: tuple[str, ...]
    n_flags: int                      # N_HISTORY_FLAGS + number of non-settlement offers
    P0: np.ndarray                    # (F, B, 9, 9) matrices per segment
    kappa: np.ndarray                 # (B, 9)
    counts0: np.ndarray               # (B, 9)
    balance: np.ndarray               # (B, 9)
    vehicle_now: np.ndarray           # (B, 9)
    co_recovery: float
    limits: Limits
    # treatments (J)
    t_mask: np.ndarray                # (J, B, 6) band × states treated
    t_share: np.ndarray               # (J,) or (K, J)
    t_allowed: np.ndarray             # (J,) attempts per treated loan after the rules
    t_blocked: np.ndarray             # (J,) attempts per treated loan blocked by the rules
    t_channel: np.ndarray             # (J, C) one-hot
    t_roll: np.ndarray                # (J,) point effect of the attempts made (timing, repeats)
    t_cure: np.ndarray
    t_roll_sd: np.ndarray             # (J,) sd of log(1 - roll)
    t_cure_sd: np.ndarray
    t_keys: list[tuple[str, str, str]]
    t_agent_min: np.ndarray           # (J,) minutes per attempt
    t_field_h: np.ndarray             # (J,) hours per attempt
    t_cost: np.ndarray                # (J,) per attempt
    t_complaint: np.ndarray           # (J,) per attempt
    # offers (O)
    o_mask: np.ndarray                # (O, B, 6)
    o_share: np.ndarray               # (O,)
    o_take_up: np.ndarray             # (O,)
    o_flag: np.ndarray                # (O,) segment flag the accepted join (0 for settlements)
    o_settle: np.ndarray              # (O,) bool
    o_loss: np.ndarray                # (O, B, 6) settlement discount per loan (0 otherwise)
    o_concession: np.ndarray          # (O, B, 6) modification loss per loan
    o_multiplier: np.ndarray          # (O,)
    offer_cost: float
    offer_minutes: float
    # the band's pooled matrix (what the draws are made around), start counts per group, group exits
    P_pooled: np.ndarray = None       # (B, 9, 9)
    start_counts: np.ndarray = None   # (F, B, 9)
    exit_p: np.ndarray = None         # (F,) monthly chance of leaving the group
    exit_to: np.ndarray = None        # (F,) the group it leaves to (-1: none)
    cure_to_cured: bool = False       # cures from group 0 enter the cured group
    # today's practice (P rows): contacts the data shows, by band × stage × channel
    p_mask: np.ndarray = None         # (P, B, 6)
    p_share: np.ndarray = None        # (P,) today's treated share
    p_active: np.ndarray = None       # (P,) 1 where the strategy keeps today's contact, 0 where it replaces it
    p_attempts: np.ndarray = None     # (P,) attempts per treated loan
    p_channel: np.ndarray = None      # (P, C)
    p_roll: np.ndarray = None
    p_cure: np.ndarray = None
    p_roll_sd: np.ndarray = None
    p_cure_sd: np.ndarray = None
    p_keys: list = None
    p_agent_min: np.ndarray = None
    p_field_h: np.ndarray = None
    p_cost: np.ndarray = None
    p_complaint: np.ndarray = None
    cap_roll: float = 0.5
    cap_cure: float = 1.0
    platform: np.ndarray = None       # (C,) fixed monthly cost of running each channel at all
    practice_channels: np.ndarray = None  # (C,) channels today's contacts that continue use
    o_source: list = None             # (O,) where each offer's re-default level comes from
    haircut: float | None = None      # the data's repossession recovery ÷ balance
    seasonality: object | None = None  # seasonality.Seasonality of the baseline (None: none)
    severity_cv: tuple[float, float] = (0.0, 0.0)  # spread of one default's net loss: charge-off, repossession


def _effect_gain(t: Treatment, allowed: float, decay: float, tested: float = 1.0) -> float:
    """Share of the effect kept: attempts capped at the tested design, and the timing."""
    return float(attempt_gain(allowed, tested, decay)) * timing_factor(t.stage, t.timing_dpd)


def _practice_rows(baseline: Baseline, strategy: Strategy, book: EffectBook, ops: Operations,
                   override: bool) -> dict[str, np.ndarray | list]:
    """Today's practice as rows (see :class:`Plan`); ``override``: a strategy's treatment on the
    same band × stage × channel replaces today's contact."""
    B = baseline.n_bands
    pr = baseline.practice
    rows = pr.rows(baseline.bands) if pr is not None else []
    named = {(t.risk_band, t.stage, t.channel) for t in strategy.treatments}
    n = len(rows)
    out: dict[str, np.ndarray | list] = {k: np.zeros(n) for k in (
        "share", "active", "attempts", "roll", "cure", "roll_sd", "cure_sd", "agent", "field", "cost", "complaint")}
    out["mask"] = np.zeros((n, B, N_TRANSIENT))
    out["channel"] = np.zeros((n, len(CHANNELS)))
    out["keys"] = []
    for j, r in enumerate(rows):
        b = baseline.band_index(r["risk_band"])
        out["mask"][j, b, list(STAGE_STATES[r["stage"]])] = 1.0
        out["channel"][j, CHANNELS.index(r["channel"])] = 1.0
        eff = book.get(r["channel"], r["risk_band"], r["stage"])
        t = Treatment(r["risk_band"], r["stage"], r["channel"], int(r["timing_dpd"]))
        gain = _effect_gain(t, r["attempts"], book.decay.get(r["channel"], 0.5), eff.tested_attempts)
        out["share"][j], out["attempts"][j] = r["share"], r["attempts"]
        out["active"][j] = 0.0 if (override and (r["risk_band"], r["stage"], r["channel"]) in named) else 1.0
        out["roll"][j], out["cure"][j] = eff.roll * gain, eff.cure * gain
        out["roll_sd"][j], out["cure_sd"][j] = eff.roll_log_sd * gain, eff.cure_log_sd * gain
        out["agent"][j] = ops.agent_minutes.get(r["channel"], 0.0)
        out["field"][j] = ops.field_hours.get(r["channel"], 0.0)
        out["cost"][j], out["complaint"][j] = ops.cost[r["channel"]], ops.complaint_rate[r["channel"]]
        out["keys"].append((r["channel"], r["risk_band"], r["stage"]))
    return out


def _history_flags(baseline: Baseline, history: bool) -> tuple[list[np.ndarray], np.ndarray]:
    """Matrices of groups 0-3 and their start counts (4, B, 9)."""
    pooled = baseline.matrix
    start = np.zeros((N_HISTORY_FLAGS, *baseline.counts.shape))
    if not history or baseline.history_matrix is None:
        start[FLAG_NONE] = baseline.counts
        return [pooled, pooled, pooled, pooled], start
    hc = np.minimum(baseline.history_counts, baseline.counts[None])
    start[FLAG_CURED], start[FLAG_RESTRUCTURED] = hc[0], hc[1]
    start[FLAG_NONE] = np.maximum(baseline.counts - hc.sum(0), 0.0)
    plain = baseline.matrix_plain if baseline.matrix_plain is not None else pooled
    return [plain, baseline.history_matrix[0], baseline.history_matrix[1], plain], start


def compile_plan(baseline: Baseline, strategy: Strategy, book: EffectBook, rules: ContactRules,
                 ops: Operations, loss: LossParams, rules_per_treatment: bool = False,
                 practice_override: bool = True, history: bool = True) -> Plan:
    """Arrays for the engine. ``rules_per_treatment`` applies the contact caps to each treatment
    alone (the optimiser's candidates are alternatives, not combinations); with
    ``practice_override`` False today's contacts all continue and treatments come on top (the
    optimiser's candidates)."""
    B = baseline.n_bands
    treatments: list[Treatment] = []
    allowed = []
    for _seg, ts in segment_treatments(strategy).items():
        groups = [[t] for t in ts] if rules_per_treatment else [ts]
        for g in groups:
            treatments.extend(g)
            allowed.extend(allowed_attempts(g, rules))
    J = len(treatments)
    t_mask = np.zeros((J, B, N_TRANSIENT))
    t_channel = np.zeros((J, len(CHANNELS)))
    vals = {k: np.zeros(J) for k in ("share", "allowed", "blocked", "roll", "cure", "roll_sd", "cure_sd",
                                     "agent", "field", "cost", "complaint")}
    keys = []
    for j, (t, a) in enumerate(zip(treatments, allowed, strict=True)):
        b = baseline.band_index(t.risk_band)
        t_mask[j, b, list(STAGE_STATES[t.stage])] = 1.0
        t_channel[j, CHANNELS.index(t.channel)] = 1.0
        eff = book.get(t.channel, t.risk_band, t.stage)
        gain = _effect_gain(t, a.attempts, book.decay.get(t.channel, 0.5), eff.tested_attempts)
        vals["share"][j], vals["allowed"][j], vals["blocked"][j] = t.share, a.attempts, a.blocked
        vals["roll"][j], vals["cure"][j] = eff.roll * gain, eff.cure * gain
        vals["roll_sd"][j], vals["cure_sd"][j] = eff.roll_log_sd * gain, eff.cure_log_sd * gain
        vals["agent"][j] = ops.agent_minutes.get(t.channel, 0.0)
        vals["field"][j] = ops.field_hours.get(t.channel, 0.0)
        vals["cost"][j], vals["complaint"][j] = ops.cost[t.channel], ops.complaint_rate[t.channel]
        keys.append((t.channel, t.risk_band, t.stage))

    offers = list(strategy.restructuring)
    n_offers = len(offers)
    o_mask = np.zeros((n_offers, B, N_TRANSIENT))
    o_flag = np.zeros(n_offers, dtype=int)
    o_loss = np.zeros((n_offers, B, N_TRANSIENT))
    o_conc = np.zeros((n_offers, B, N_TRANSIENT))
    o_mult = np.ones(n_offers)
    o_source: list[str] = ["" for _ in offers]
    P0, start = _history_flags(baseline, history)
    n_flags = N_HISTORY_FLAGS
    for o, offer in enumerate(offers):
        for band in offer.risk_bands:
            b = baseline.band_index(band)
            for stage in offer.stages:
                o_mask[o, b, list(STAGE_STATES[stage])] = 1.0
        for b in range(B):
            for i in range(N_TRANSIENT):
                f = segment_facts(baseline, baseline.bands[b], i, loss)
                if offer.kind == "settlement":
                    o_loss[o, b, i] = f.balance * offer.settlement_discount
                else:
                    o_conc[o, b, i] = modification_loss(f.balance, f.apr, f.remaining_term, offer)
        if offer.kind != "settlement":
            # Each band's restructured matrix, from the band-average loan of the offer's first stage.
            i0 = STAGE_STATES[offer.stages[0]][0]
            mats = []
            for band in baseline.bands:
                f = segment_facts(baseline, band, i0, loss)
                R, mult, src = restructured_matrix(offer, f, baseline)
                mats.append(R)
                if band == offer.risk_bands[0]:
                    o_mult[o], o_source[o] = mult, src
            o_flag[o] = n_flags
            n_flags += 1
            P0.append(np.stack(mats))
    P0 = np.stack(P0)
    start = np.concatenate([start, np.zeros((n_flags - N_HISTORY_FLAGS, *baseline.counts.shape))])
    exit_p = np.zeros(n_flags)
    exit_to = np.full(n_flags, -1)
    if history and baseline.history_matrix is not None:
        exit_p[FLAG_CURED], exit_to[FLAG_CURED] = 1.0 / CURED_MONTHS, FLAG_NONE
        exit_p[FLAG_RESTRUCTURED], exit_to[FLAG_RESTRUCTURED] = 1.0 / 12, FLAG_POST
    pr = _practice_rows(baseline, strategy, book, ops, practice_override)
    platform = np.array([ops.platform_monthly.get(c, 0.0) for c in CHANNELS])
    practice_used = (pr["channel"] * (pr["share"] * pr["active"])[:, None]).sum(0) > 0
    limits = strategy.limits
    if limits.agent_hours is None and ops.agent_capacity is not None:
        limits = replace(limits, agent_hours=ops.agent_capacity)
    if limits.field_hours is None and ops.field_capacity is not None:
        limits = replace(limits, field_hours=ops.field_capacity)
    vehicle_now = baseline.vehicle_value * (1 - loss.depreciation_per_month) ** baseline.months_on_book
    plan = Plan(
        strategy=strategy, bands=baseline.bands, n_flags=n_flags, P0=P0, kappa=baseline.concentration,
        counts0=baseline.counts, balance=baseline.balance, vehicle_now=vehicle_now,
        co_recovery=loss.co_recovery(baseline), limits=limits,
        t_mask=t_mask, t_share=vals["share"], t_allowed=vals["allowed"], t_blocked=vals["blocked"],
        t_channel=t_channel, t_roll=vals["roll"], t_cure=vals["cure"], t_roll_sd=vals["roll_sd"],
        t_cure_sd=vals["cure_sd"], t_keys=keys, t_agent_min=vals["agent"], t_field_h=vals["field"],
        t_cost=vals["cost"], t_complaint=vals["complaint"],
        o_mask=o_mask, o_share=np.array([o.offer_share for o in offers]),
        o_take_up=np.array([o.take_up for o in offers]), o_flag=o_flag,
        o_settle=np.array([o.kind == "settlement" for o in offers], dtype=bool), o_loss=o_loss,
        o_concession=o_conc, o_multiplier=o_mult, offer_cost=ops.offer_cost,
        offer_minutes=ops.offer_agent_minutes,
        P_pooled=baseline.matrix, start_counts=start, exit_p=exit_p, exit_to=exit_to,
        cure_to_cured=bool(history and baseline.history_matrix is not None),
        p_mask=pr["mask"], p_share=pr["share"], p_active=pr["active"], p_attempts=pr["attempts"],
        p_channel=pr["channel"], p_roll=pr["roll"], p_cure=pr["cure"], p_roll_sd=pr["roll_sd"],
        p_cure_sd=pr["cure_sd"], p_keys=pr["keys"], p_agent_min=pr["agent"], p_field_h=pr["field"],
        p_cost=pr["cost"], p_complaint=pr["complaint"], cap_roll=book.cap["roll"], cap_cure=book.cap["cure"],
        platform=platform, practice_channels=practice_used, o_source=o_source,
        haircut=data_haircut(baseline, loss), seasonality=baseline.seasonality,
        severity_cv=(baseline.severity.get("charged_off", 0.0), baseline.severity.get("repossessed", 0.0)),
    )
    return plan


def _repo_recovery(plan: Plan, loss: LossParams, market: str, months_ahead: int) -> np.ndarray:
    """Net recovery per repossessed loan, by band and state, for a default ``months_ahead`` on
    (:func:`analytics.strategy.restructure.repossession_value`, vectorised)."""
    out = np.array(repossession_net(plan.balance, plan.vehicle_now, loss, market, months_ahead, plan.haircut),
                   dtype=float)
    out[:, ABSORBING] = 0.0
    return out


def group_chain(plan: Plan, b: int) -> np.ndarray:
    """Band b's chain over (group, state) as one matrix (F·9 × F·9): each group's matrix, cures
    from group 0 entering the cured group, and group exits (see the module docstring)."""
    F = plan.P0.shape[0]
    A = np.zeros((F * N_STATES, F * N_STATES))
    for f in range(F):
        P = plan.P0[f, b]
        e, g = float(plan.exit_p[f]), int(plan.exit_to[f])
        for i in range(N_STATES):
            row = P[i]
            if i >= N_TRANSIENT:
                A[f * N_STATES + i, f * N_STATES + i] = 1.0
                continue
            dest = np.zeros((F, N_STATES))
            dest[f] = row
            if f == FLAG_NONE and plan.cure_to_cured and i >= 1:
                dest[FLAG_CURED, CURRENT] += dest[f, CURRENT]
                dest[f, CURRENT] = 0.0
            if e > 0 and g >= 0:
                moved = dest[:, TRANSIENT].sum(0) * e
                dest[:, TRANSIENT] *= (1 - e)
                dest[g, TRANSIENT] += moved
            A[f * N_STATES + i] = dest.reshape(-1)
    return A


def tail_loss_per_loan(plan: Plan, loss: LossParams, market: str, months_ahead: int) -> np.ndarray:
    """Expected eventual net loss per open loan, by segment flag, band and state (F, B, 9).

    On the chain over (group, state) (:func:`group_chain`), with Q its open block and
    N = (I - Q)^-1 the expected months in each, the loss of a loan starting in (f, i) is
    ``sum_(g,j) N[(f,i), (g,j)] (P_g[j, co] loss_co[j] + P_g[j, repo] loss_repo[j])``.
    """
    repo = _repo_recovery(plan, loss, market, months_ahead)
    F, B = plan.P0.shape[:2]
    out = np.zeros((F, B, N_STATES))
    open_idx = np.array([f * N_STATES + i for f in range(F) for i in range(N_TRANSIENT)])
    for b in range(B):
        A = group_chain(plan, b)
        Q = A[np.ix_(open_idx, open_idx)]
        try:
            N = np.linalg.inv(np.eye(len(open_idx)) - Q)
        except np.linalg.LinAlgError:
            N = np.linalg.pinv(np.eye(len(open_idx)) - Q)
        bal = plan.balance[b, TRANSIENT]
        per = np.concatenate([plan.P0[f, b, TRANSIENT, CHARGED_OFF] * bal * (1 - plan.co_recovery)
                              + plan.P0[f, b, TRANSIENT, REPOSSESSED] * (bal - repo[b, TRANSIENT])
                              for f in range(F)])
        out[:, b, TRANSIENT] = (N @ per).reshape(F, N_TRANSIENT)
    return out


class MatrixDraws:
    """Per path and month, each band's matrix drawn from its Dirichlet; shared by strategies.

    Row i of band b is Dirichlet(κ_bi · P_bi): mean P_bi, so the mean path is the Markov chain.
    With ``parameters``, each path first draws its own rows P_k from Dirichlet(N_bi · P_bi) (the
    estimate's uncertainty, N_bi its loan-months) and the months vary around P_k; each month's
    mean is still P, the mean path over several months departs from x0 P^h by second-order terms.
    Draws are made once per month and reused by every strategy run with this object (common
    random numbers make differences between strategies sharper).
    """

    def __init__(self, baseline: Baseline, paths: int, seed: int, enabled: bool = True, parameters: bool = False):
        self.P = baseline.matrix[:, TRANSIENT]
        self.kappa = baseline.concentration[:, TRANSIENT]
        self.paths, self.seed, self.enabled = paths, seed, enabled
        self._months: dict[int, np.ndarray] = {}
        self.P_path = None
        if enabled and parameters:
            self.P_path = self._parameter_draws(baseline)

    def _parameter_draws(self, baseline: Baseline) -> np.ndarray:
        """Per path the band's rows as estimated from a sample of their size (paths, B, 6, 9):
        Dirichlet(N_bi · P_bi), N_bi the loan-months behind row i of band b, so the mean is P and
        the spread that of the estimate (a thin segment's few transitions leave its rows uncertain;
        a large book's are nearly fixed). Rows without data keep P."""
        n = baseline.transitions[:, TRANSIENT].sum(-1)
        rng = np.random.default_rng([self.seed, 202])
        alpha = self.P * n[..., None]
        g = rng.standard_gamma(np.broadcast_to(alpha, (self.paths, *alpha.shape)))
        tot = g.sum(-1, keepdims=True)
        draw = np.where(tot > 0, g / np.maximum(tot, 1e-300), self.P[None])
        return np.where((n > 0)[None, :, :, None], draw, self.P[None])

    def precompute(self, months: int) -> MatrixDraws:
        """Draw every month up front, so a shared object is only read afterwards."""
        for t in range(months):
            self.month(t)
        return self

    def month(self, t: int) -> np.ndarray:
        if not self.enabled:
            return self.P[None]
        if t not in self._months:
            rng = np.random.default_rng([self.seed, 101, t])
            finite = np.isfinite(self.kappa)
            centre = self.P[None] if self.P_path is None else self.P_path
            alpha = centre * np.where(finite, self.kappa, 1.0)[None, :, :, None]
            g = rng.standard_gamma(np.broadcast_to(alpha, (self.paths, *alpha.shape[1:])))
            tot = g.sum(-1, keepdims=True)
            draw = np.where(tot > 0, g / np.maximum(tot, 1e-300), centre)
            # float32 halves the memory a shared (cached) set of draws holds; rows are renormalised
            # in float64 when the engine uses them.
            self._months[t] = np.where(finite[None, :, :, None], draw, centre).astype(np.float32)
        return self._months[t]


def _draws_for(keys, roll, cure, roll_sd, cure_sd, paths: int, seed: int, enabled: bool
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per path the roll and cure effect of each row, mean-preserving lognormal draws.

    A channel's draw on a segment is the same in every strategy and for today's practice (seeded
    by its key), so strategies and today's practice agree on how well it works on each path.
    """
    J = len(keys)
    if not enabled or J == 0:
        return np.broadcast_to(roll, (1, J)), np.broadcast_to(cure, (1, J))
    z = np.stack([np.random.default_rng([seed, zlib.crc32("|".join(k).encode())]).standard_normal((2, paths))
                  for k in keys], axis=-1)  # (2, paths, J)
    ratio_roll = np.maximum(1 - roll, 1e-6)
    # Ratios beyond 1/20 or 3 times the untreated rate are not credible draws; clip them.
    r = 1 - np.clip(ratio_roll * np.exp(-roll_sd ** 2 / 2 + roll_sd * z[0]), 0.05, 3.0)
    c = np.clip((1 + cure) * np.exp(-cure_sd ** 2 / 2 + cure_sd * z[1]), 0.05, 3.0) - 1
    return np.minimum(r, MAX_ROLL_CUT), np.maximum(c, -0.99)


def _effect_draws(plan: Plan, paths: int, seed: int, enabled: bool) -> tuple[np.ndarray, np.ndarray]:
    """The strategy's treatments' draws (:func:`_draws_for`)."""
    return _draws_for(plan.t_keys, plan.t_roll, plan.t_cure, plan.t_roll_sd, plan.t_cure_sd, paths, seed, enabled)


def _practice_draws(plan: Plan, paths: int, seed: int, enabled: bool) -> tuple[np.ndarray, np.ndarray]:
    return _draws_for(plan.p_keys, plan.p_roll, plan.p_cure, plan.p_roll_sd, plan.p_cure_sd, paths, seed, enabled)


METRICS = ("active_start", "active_end", "dpd30_end", "dpd60_end", "dpd90_end", "balance_end", "dpd60_balance_end",
           "cures", "charge_offs", "repossessions", "gross_loss", "recoveries", "settlement_loss", "net_loss",
           "contact_cost", "offer_cost", "collection_cost", "concessions", "offers", "restructures", "contacts",
           "complaints", "blocked_rules", "dropped_capacity", "dropped_budget", "agent_hours_needed",
           "agent_hours_used", "field_hours_needed", "field_hours_used", "platform_cost", "treatment_cost")


@dataclass
class Trace:
    """Arrays per path (K) and month (T); ``cost_by_channel`` and ``contacts_by_channel`` (K, T, C)."""

    metrics: dict[str, np.ndarray]
    cost_by_channel: np.ndarray
    contacts_by_channel: np.ndarray
    tail_loss: np.ndarray             # (K,)
    end_counts: np.ndarray            # (K, 9) over segments
    state_counts: np.ndarray          # (K, T, 9) at each month end, over segments


@dataclass
class _Run:
    """What one call of :func:`run` fixes up front, and the arrays it fills month by month."""

    plan: Plan
    loss: LossParams
    market: str
    stochastic: bool
    months: int
    K: int                            # paths (or candidate allocations)
    F: int                            # segment flags: 1 + restructuring offers that modify
    B: int                            # bands
    J: int                            # treatments
    share: np.ndarray                 # (K, J)
    roll_eff: np.ndarray              # (K or 1, J)
    cure_eff: np.ndarray
    p_roll_eff: np.ndarray            # (K or 1, P) today's practice
    p_cure_eff: np.ndarray
    rng: np.random.Generator
    draws: MatrixDraws | None
    exit_p: np.ndarray                # (F,) monthly chance of leaving each group
    aff_b: np.ndarray                 # (band, state) cells some treatment touches
    aff_i: np.ndarray
    m: dict[str, np.ndarray]          # METRICS, each (K, T)
    cost_ch: np.ndarray               # (K, T, C)
    contacts_ch: np.ndarray           # (K, T, C)
    states: np.ndarray                # (K, T, 9)
    f_practice: np.ndarray | None = None  # (K, P) share of today's attempts made this month
    shared: SharedMonth | None = None     # group rows moved with this month's draw (shared by runs)
    season: np.ndarray | None = None      # (K, T) factor on current loans' misses per path and month
    cure_season: np.ndarray | None = None  # (T,) seasonal factor on delinquent loans' cures per month
    today: tuple | None = None            # today's practice's combined roll and cure terms (K, B, 6)
    severity_rng: np.random.Generator | None = None  # the defaults' severities (own stream: _severity)

    @property
    def n_offers(self) -> int:
        return len(self.plan.o_take_up)


def _start(plan: Plan, settings: RunSettings, loss: LossParams, market: str, stochastic: bool,
           draws: MatrixDraws | None, shares: np.ndarray | None, baseline: Baseline | None,
           shared: SharedMonth | None = None) -> tuple[_Run, np.ndarray]:
    """The run's fixed inputs and empty outputs, and the starting counts n (K, F, B, 9)."""
    T = settings.months
    F, B = plan.P0.shape[:2]
    J = len(plan.t_keys)
    K = settings.paths if stochastic else (1 if shares is None else shares.shape[0])
    share = np.broadcast_to(plan.t_share if shares is None else shares, (K, J))
    rng = np.random.default_rng([settings.seed, 7])
    if draws is None and stochastic and settings.matrix_uncertainty and baseline is not None:
        draws = MatrixDraws(baseline, K, settings.seed, parameters=settings.parameter_uncertainty)
    roll_eff, cure_eff = _effect_draws(plan, K, settings.seed, stochastic and settings.effect_uncertainty)
    p_roll_eff, p_cure_eff = _practice_draws(plan, K, settings.seed, stochastic and settings.effect_uncertainty)
    touched = plan.t_mask.sum(0) + plan.p_mask.sum(0)
    aff_b, aff_i = np.nonzero(touched > 0)
    r = _Run(
        plan=plan, loss=loss, market=market, stochastic=stochastic, months=T, K=K, F=F, B=B, J=J,
        share=share, roll_eff=roll_eff, cure_eff=cure_eff, p_roll_eff=p_roll_eff, p_cure_eff=p_cure_eff,
        rng=rng, draws=draws, exit_p=_exits(plan, settings), aff_b=aff_b, aff_i=aff_i,
        m={k: np.zeros((K, T)) for k in METRICS}, cost_ch=np.zeros((K, T, len(CHANNELS))),
        contacts_ch=np.zeros((K, T, len(CHANNELS))), states=np.zeros((K, T, N_STATES)),
        shared=shared if shared is not None and shared.draws is draws else SharedMonth(draws),
        season=None if plan.seasonality is None else plan.seasonality.paths(K, T, settings.seed),
        cure_season=None if plan.seasonality is None else plan.seasonality.cure_horizon(T),
        severity_rng=np.random.default_rng([settings.seed, 404]),
    )
    n = np.zeros((K, F, B, N_STATES), dtype=np.int64 if stochastic else float)
    n[:] = np.round(plan.start_counts).astype(n.dtype) if stochastic else plan.start_counts
    return r, n


def _exits(plan: Plan, settings: RunSettings) -> np.ndarray:
    """Monthly exit chance per group: history groups as compiled, offers' after ``redefault_months``."""
    e = np.array(plan.exit_p, dtype=float)
    offer_flags = np.arange(N_HISTORY_FLAGS, len(e))
    e[offer_flags] = 1.0 / max(settings.redefault_months, 1)
    return e


def _plan_contacts(r: _Run, n: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: contacts and offers planned from the counts at the start of month ``t``, then cut
    by agent and field hours and by the budget. Records the contact metrics; returns the share of
    each treatment's attempts made (K, J) and of the offers made (K,)."""
    plan, m, K = r.plan, r.m, r.K
    n_open = n[..., TRANSIENT].astype(float)
    m["active_start"][:, t] = n_open.sum(axis=(1, 2, 3))
    # Counts over groups first (whole numbers held as floats: every sum is exact, in any order).
    # einsum rather than a matrix product: a BLAS call here starts threads that spin between calls.
    by_cell = n_open.sum(1).reshape(K, -1)
    eligible = np.einsum("kc,jc->kj", by_cell, plan.t_mask.reshape(r.J, -1)) if r.J else np.zeros((K, 0))
    treated = eligible * r.share
    attempts = treated * plan.t_allowed
    # Today's contacts that continue: the same staff, cost and capacity.
    p_att = np.einsum("kc,pc->kp", by_cell, plan.p_mask.reshape(len(plan.p_share), by_cell.shape[1])) * (
        plan.p_share * plan.p_active * plan.p_attempts)
    offer_pool = n_open[:, list(OFFER_ELIGIBLE_FLAGS)].sum(1)
    offers_made = (np.einsum("kc,oc->ko", offer_pool.reshape(K, -1), plan.o_mask.reshape(r.n_offers, -1))
                   * plan.o_share) if r.n_offers else np.zeros((K, 0))
    agent_need = (attempts @ plan.t_agent_min + p_att @ plan.p_agent_min
                  + offers_made.sum(1) * plan.offer_minutes) / 60.0
    field_need = attempts @ plan.t_field_h + p_att @ plan.p_field_h
    agent_cap, field_cap, budget = plan.limits.agent_hours, plan.limits.field_hours, plan.limits.monthly_budget
    f_agent = np.ones(K) if agent_cap is None else np.minimum(1.0, agent_cap / np.maximum(agent_need, 1e-12))
    f_field = np.ones(K) if field_cap is None else np.minimum(1.0, field_cap / np.maximum(field_need, 1e-12))
    is_agent, is_field = plan.t_agent_min > 0, plan.t_field_h > 0
    f_cap = np.where(is_agent, f_agent[:, None], np.where(is_field, f_field[:, None], 1.0))
    p_cap = np.where(plan.p_agent_min > 0, f_agent[:, None], np.where(plan.p_field_h > 0, f_field[:, None], 1.0))
    cost_need = ((attempts * f_cap) @ plan.t_cost + (p_att * p_cap) @ plan.p_cost
                 + offers_made.sum(1) * f_agent * plan.offer_cost)  # platform costs are fixed: not cut
    f_budget = np.ones(K) if budget is None else np.minimum(1.0, budget / np.maximum(cost_need, 1e-12))
    f = f_cap * f_budget[:, None]
    made = attempts * f
    f_p = p_cap * f_budget[:, None]
    p_made = p_att * f_p
    r.f_practice = f_p
    m["blocked_rules"][:, t] = (treated * plan.t_blocked).sum(1)
    m["dropped_capacity"][:, t] = (attempts * (1 - f_cap)).sum(1)
    m["dropped_budget"][:, t] = (attempts * f_cap * (1 - f_budget[:, None])).sum(1)
    r.contacts_ch[:, t] = made @ plan.t_channel + p_made @ plan.p_channel
    r.cost_ch[:, t] = (made * plan.t_cost) @ plan.t_channel + (p_made * plan.p_cost) @ plan.p_channel
    m["contacts"][:, t] = made.sum(1) + p_made.sum(1)
    m["complaints"][:, t] = made @ plan.t_complaint + p_made @ plan.p_complaint
    m["agent_hours_needed"][:, t] = agent_need
    m["field_hours_needed"][:, t] = field_need
    f_offer = f_agent * f_budget
    m["agent_hours_used"][:, t] = ((made @ plan.t_agent_min) + (p_made @ plan.p_agent_min)
                                   + (offers_made.sum(1) * f_offer) * plan.offer_minutes) / 60
    m["field_hours_used"][:, t] = made @ plan.t_field_h + p_made @ plan.p_field_h
    # Fixed platform costs of every channel in use (by today's contacts kept or the treatments).
    used = (((r.share > 0).astype(float) @ plan.t_channel) > 0) | plan.practice_channels[None]
    m["platform_cost"][:, t] = used.astype(float) @ plan.platform
    m["offers"][:, t] = offers_made.sum(1) * f_offer
    m["offer_cost"][:, t] = m["offers"][:, t] * plan.offer_cost
    m["contact_cost"][:, t] = r.cost_ch[:, t].sum(1)
    m["treatment_cost"][:, t] = (made * plan.t_cost).sum(1)  # the strategy's own contacts (its outlay)
    return f, f_offer


def _accept_offers(r: _Run, n: np.ndarray, f_offer: np.ndarray, t: int) -> None:
    """Step 2: restructuring offers accepted at the start of month ``t`` (n changed in place):
    a settlement closes the loan as paid off, a modification restarts it current in the offer's
    segment."""
    plan, m = r.plan, r.m
    elig = list(OFFER_ELIGIBLE_FLAGS)
    for o in range(r.n_offers):
        p_acc = np.clip(plan.o_share[o] * plan.o_take_up[o] * f_offer, 0.0, 1.0)
        pool = n[:, elig, :, TRANSIENT] * plan.o_mask[o][None]
        if r.stochastic:
            acc = r.rng.binomial(pool.astype(np.int64), np.broadcast_to(p_acc[:, None, None, None], pool.shape))
        else:
            acc = pool * p_acc[:, None, None, None]
        n[:, elig, :, TRANSIENT] -= acc
        acc = acc.sum(1)  # (K, B, 6)
        if plan.o_settle[o]:
            n[:, 0, :, PAID_OFF] += acc.sum(-1)
            m["settlement_loss"][:, t] += (acc * plan.o_loss[o]).sum(axis=(1, 2))
        else:
            n[:, plan.o_flag[o], :, CURRENT] += acc.sum(-1)
            m["concessions"][:, t] += (acc * plan.o_concession[o]).sum(axis=(1, 2))
        m["restructures"][:, t] += acc.sum(axis=(1, 2))


def _combined_log(q: np.ndarray, e: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Σ_j log(1 - q_j e_j) per (path, band, state): the log of what the rows leave (K, B, 6)."""
    if mask.shape[0] == 0:
        return np.zeros((q.shape[0], *mask.shape[1:]))
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(np.maximum(1 - np.minimum(q * e, 0.999), 1e-9))
    return np.einsum("kj,jbi->kbi", lg, mask)


def effect_multipliers(r: _Run, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roll and cure multipliers (K, B, 6) of the strategy against today's practice.

    Combined effect E = 1 - exp(Σ log(1 - q e)) capped at ``cap`` (floored at -MAX_HARM), for the
    strategy's contacts (its treatments plus today's it keeps) and for today's contacts alone;
    roll × (1 - E) / (1 - E0), cure × (1 + C) / (1 + C0).
    """
    plan = r.plan
    q = r.share * f
    q_keep = plan.p_share * plan.p_active * (r.f_practice if r.f_practice is not None else 1.0)
    q_today = np.broadcast_to(plan.p_share, (r.K, len(plan.p_share)))
    lo_r, hi = np.log(1 - plan.cap_roll), np.log(1 + MAX_HARM)

    def combined(log_left: np.ndarray, cap: float) -> np.ndarray:
        return 1 - np.exp(np.clip(log_left, np.log(1 - cap) if cap < 1 else -np.inf, hi))

    if r.today is None:  # today's practice alone: the same every month of the run
        s_roll0 = _combined_log(q_today, r.p_roll_eff, plan.p_mask)
        s_cure0 = _combined_log(q_today, r.p_cure_eff, plan.p_mask)
        r.today = (np.clip(s_roll0, lo_r, hi), 1 + combined(s_cure0, plan.cap_cure))
    roll0, cure0 = r.today
    s_roll = _combined_log(q, r.roll_eff, plan.t_mask) + _combined_log(q_keep, r.p_roll_eff, plan.p_mask)
    roll_mult = np.exp(np.clip(s_roll, lo_r, hi) - roll0)
    s_cure = _combined_log(q, r.cure_eff, plan.t_mask) + _combined_log(q_keep, r.p_cure_eff, plan.p_mask)
    cure_mult = (1 + combined(s_cure, plan.cap_cure)) / cure0
    return roll_mult, cure_mult


class SharedMonth:
    """Per month, each group's rows moved with the band's draw, computed once for every strategy
    run on the same draws: the runs of a comparison advance month by month together
    (:func:`run_many`), so the matrices that depend only on the data and the path's draws (the
    history groups', the same in every strategy) are not rebuilt per strategy. Only the current
    month is held."""

    def __init__(self, draws: MatrixDraws | None):
        self.draws = draws
        self.t: int | None = None
        self.ratio: dict[bytes, np.ndarray] = {}
        self.rows: dict[tuple[bytes, ...], np.ndarray] = {}
        self._lock = threading.Lock()  # safe to share between threads (run_many builds rows in one)

    def moved(self, t: int, pooled: np.ndarray, M: np.ndarray) -> np.ndarray:
        """Rows of ``M`` (B, 9, 9) moved with month ``t``'s draw: M · draw / pooled, renormalised
        (K, B, 6, 9)."""
        with self._lock:
            return self._moved(t, pooled, M)

    def stack(self, t: int, pooled: np.ndarray, P0: np.ndarray) -> np.ndarray:
        """Every group's rows of ``P0`` (F, B, 9, 9) moved with month ``t``'s draw, in one array
        (K, F, B, 6, 9), built once for the runs with the same groups. Shared: read only."""
        with self._lock:
            if t != self.t:
                self.t, self.ratio, self.rows = t, {}, {}
            key = (b"stack", pooled.tobytes(), P0.tobytes())
            out = self.rows.get(key)
            if out is None:
                moved = [self._moved(t, pooled, M) for M in P0]
                out = self.rows[key] = np.empty((moved[0].shape[0], len(P0), *moved[0].shape[1:]))
                for fl, x in enumerate(moved):
                    out[:, fl] = x
            return out

    def _moved(self, t: int, pooled: np.ndarray, M: np.ndarray) -> np.ndarray:
        if t != self.t:
            self.t, self.ratio, self.rows = t, {}, {}
        pk, mk = pooled.tobytes(), M.tobytes()
        out = self.rows.get((pk, mk))
        if out is not None:
            return out
        ratio = self.ratio.get(pk)
        if ratio is None:
            p = pooled[None, :, TRANSIENT]
            base = self.draws.month(t).astype(float)
            base /= base.sum(-1, keepdims=True)
            ratio = self.ratio[pk] = np.where(p > 0, base / np.where(p > 0, p, 1.0), 1.0)
        Mx = M[None, :, TRANSIENT]
        X = Mx * ratio
        tot = X.sum(-1, keepdims=True)
        out = self.rows[(pk, mk)] = np.where(tot > 0, X / np.where(tot > 0, tot, 1.0), Mx)
        return out


def _month_matrices(r: _Run, f: np.ndarray, t: int) -> np.ndarray:
    """Step 3: the transient rows of this month's matrices (K, F, B, 6, 9): each group's matrix
    moved with the band's draw (shared by the runs of a comparison, :class:`SharedMonth`), then
    the strategy's effects against today's practice, on the cells whose multipliers differ from
    one on some path (none for today's practice itself)."""
    plan, B, K = r.plan, r.B, r.K
    shared = r.draws is not None and r.stochastic
    if shared:
        P = r.shared.stack(t, plan.P_pooled, plan.P0)  # shared by the runs: copied before a change
    else:
        P = np.empty((K, r.F, B, N_TRANSIENT, N_STATES))
        for fl in range(r.F):
            P[:, fl] = plan.P0[fl][None, :, TRANSIENT]
    season = None if r.season is None else r.season[:, t]  # (K,) this month's factor on misses per path
    cure_season = 1.0 if r.cure_season is None else float(r.cure_season[t])
    seasonal = (season is not None and bool((season != 1.0).any())) or cure_season != 1.0
    if len(r.aff_b) or seasonal:
        if len(r.aff_b):
            rm, cm = effect_multipliers(r, f)
        else:
            rm, cm = np.ones((K, B, N_TRANSIENT)), np.ones((K, B, N_TRANSIENT))
        rm, cm = np.broadcast_to(rm, (K, B, N_TRANSIENT)), np.broadcast_to(cm, (K, B, N_TRANSIENT))
        if seasonal:  # the month's seasonal and macro factor on current loans' misses (strategy.seasonality)
            rm, cm = rm.copy(), cm.copy()
            if season is not None:
                rm[:, :, CURRENT] *= season[:, None]
            cm[:, :, DELINQUENT] *= cure_season   # and the season's on delinquent loans' cures
        changed = ((rm != 1.0) | (cm != 1.0)).any(0)
        if changed.any() and shared:
            P = P.copy()
        if changed.all():  # every cell: no copies
            rows = np.tile(np.arange(N_TRANSIENT), B)
            apply_effects_inplace(P.reshape(K, r.F, B * N_TRANSIENT, N_STATES),
                                  rm.reshape(K, 1, -1), cm.reshape(K, 1, -1), rows)
        elif changed.any():
            b, i = np.nonzero(changed)
            sub = P[:, :, b, i]
            apply_effects_inplace(sub, rm[:, None, b, i], cm[:, None, b, i], i)
            P[:, :, b, i] = sub
    return P


def _move(r: _Run, n: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Step 4: the moves (K, F, B, 6 origins, 9 destinations): multinomial draws over the open
    counts, or their expected values. Rows without loans are passed as they are: numpy's sampler
    returns zeros for them without consuming random numbers, so the draws are those of sampling
    the rows holding loans alone (and copying those rows out and back costs more than the empty
    rows do)."""
    counts_open = n[..., TRANSIENT]
    if not r.stochastic:
        return counts_open[..., None] * P
    return r.rng.multinomial(counts_open, P)


def _record_defaults(r: _Run, moves: np.ndarray, t: int) -> None:
    """Step 5: cures, charge-offs and repossessions of the month, their gross loss and recoveries."""
    plan, m = r.plan, r.m
    m["cures"][:, t] = moves[..., DELINQUENT, CURRENT].sum(axis=(1, 2, 3))
    co = moves[..., CHARGED_OFF]
    repo = moves[..., REPOSSESSED]
    m["charge_offs"][:, t] = co.sum(axis=(1, 2, 3)) + repo.sum(axis=(1, 2, 3))
    m["repossessions"][:, t] = repo.sum(axis=(1, 2, 3))
    bal_open = plan.balance[:, TRANSIENT]
    rec_repo = _repo_recovery(plan, r.loss, r.market, t)[:, TRANSIENT]
    w_co = _severity(r, co, plan.severity_cv[0])
    w_repo = _severity(r, repo, plan.severity_cv[1])
    m["gross_loss"][:, t] = ((co * w_co + repo * w_repo) * bal_open).sum(axis=(1, 2, 3))
    m["recoveries"][:, t] = (co * w_co * bal_open * plan.co_recovery + repo * w_repo * rec_repo).sum(axis=(1, 2, 3))


def _severity(r: _Run, n: np.ndarray, cv: float) -> np.ndarray | float:
    """The mean severity of the month's ``n`` defaults in each cell relative to the cell's mean:
    Gamma(n / cv², cv² / n), mean 1 and variance cv² / n, so the cell's loss (n · mean · W) has the
    compound sum's spread n · (cv · mean)² given n (exact when single severities are gamma
    distributed: the family is closed under sums; Klugman, Panjer & Willmot, *Loss Models*, 5th ed.,
    2019, ch. 9). Balances, recoveries and net loss scale together (a path's defaults are larger or
    smaller loans). 1 on the expected chain, without spread, and in cells without defaults."""
    if not r.stochastic or cv <= 0 or r.severity_rng is None:
        return 1.0
    k = np.maximum(n, 1).astype(float) / (cv * cv)
    return np.where(n > 0, r.severity_rng.gamma(k, 1.0 / k), 1.0)


def _rejoin_bands(r: _Run, new: np.ndarray, moves: np.ndarray) -> None:
    """Group moves (``new`` changed in place): cures from group 0 enter the cured group; groups
    are left at their monthly exit chance (cured → none, restructured → restructured before)."""
    plan = r.plan
    if plan.cure_to_cured:
        cured = moves[:, FLAG_NONE, :, DELINQUENT, CURRENT].sum(-1)
        new[:, FLAG_NONE, :, CURRENT] -= cured
        new[:, FLAG_CURED, :, CURRENT] += cured
    for fl in range(r.F):
        e, g = r.exit_p[fl], int(plan.exit_to[fl]) if fl < len(plan.exit_to) else FLAG_POST
        if fl >= N_HISTORY_FLAGS:
            g = FLAG_POST
        if e <= 0 or g < 0:
            continue
        open_ = new[:, fl, :, TRANSIENT]
        back = r.rng.binomial(open_, e) if r.stochastic else open_ * e
        new[:, fl, :, TRANSIENT] -= back
        new[:, g, :, TRANSIENT] += back


def _record_month_end(r: _Run, n: np.ndarray, t: int) -> None:
    """The book at the end of month ``t``: counts by state, arrears and balances."""
    m, bal = r.m, r.plan.balance
    tot = n.sum(axis=1)  # (K, B, 9) over segment flags
    r.states[:, t] = tot.sum(axis=1)
    m["active_end"][:, t] = tot[..., TRANSIENT].sum(axis=(1, 2))
    m["dpd30_end"][:, t] = tot[..., DPD30_PLUS].sum(axis=(1, 2))
    m["dpd60_end"][:, t] = tot[..., DPD60_PLUS].sum(axis=(1, 2))
    m["dpd90_end"][:, t] = tot[..., DPD90_PLUS].sum(axis=(1, 2))
    m["balance_end"][:, t] = (tot[..., TRANSIENT] * bal[:, TRANSIENT]).sum(axis=(1, 2))
    m["dpd60_balance_end"][:, t] = (tot[..., DPD60_PLUS] * bal[:, DPD60_PLUS]).sum(axis=(1, 2))


def _step(r: _Run, n: np.ndarray, t: int) -> np.ndarray:
    """One month on every path: the counts at its end (K, F, B, 9)."""
    P = _before_moves(r, n, t)
    return _after_moves(r, n, _move(r, n, P), t)


def _before_moves(r: _Run, n: np.ndarray, t: int) -> np.ndarray:
    """Steps 1-3 of month ``t`` (n changed in place by the offers): the month's matrices."""
    f, f_offer = _plan_contacts(r, n, t)              # 1. contacts, capacity, budget
    _accept_offers(r, n, f_offer, t)                  # 2. restructuring
    return _month_matrices(r, f, t)                   # 3. matrices with effects


def _after_moves(r: _Run, n: np.ndarray, moves: np.ndarray, t: int) -> np.ndarray:
    """Steps 4-5 after the moves (4) are drawn: the counts at the month's end."""
    new = moves.sum(axis=-2)
    new[..., ABSORBING] += n[..., ABSORBING]
    _record_defaults(r, moves, t)                     # 5. losses
    _rejoin_bands(r, new, moves)
    _record_month_end(r, new, t)
    return new


def run(plan: Plan, settings: RunSettings, loss: LossParams, market: str, stochastic: bool = True,
        draws: MatrixDraws | None = None, shares: np.ndarray | None = None, baseline: Baseline | None = None,
        ) -> Trace:
    """Advance the book ``settings.months`` months on ``settings.paths`` paths (1 if not stochastic).

    ``shares`` (K, J) overrides the treatments' shares per path: the optimiser evaluates many
    candidate allocations at once this way, one per 'path', without sampling.
    """
    return run_many([plan], settings, loss, market, stochastic, draws, shares, baseline)[0]


def run_many(plans: list[Plan], settings: RunSettings, loss: LossParams, market: str, stochastic: bool = True,
             draws: MatrixDraws | None = None, shares: np.ndarray | None = None, baseline: Baseline | None = None,
             threads: int | None = None) -> list[Trace]:
    """:func:`run` for several plans on the same paths, advanced month by month together so the
    rows every plan shares (:class:`SharedMonth`) are built once a month. Each plan's trace is
    the one :func:`run` gives it alone (same seeds, same draws)."""
    if draws is None and stochastic and settings.matrix_uncertainty and baseline is not None:
        draws = MatrixDraws(baseline, settings.paths, settings.seed, parameters=settings.parameter_uncertainty)
    shared = SharedMonth(draws)
    runs = [_start(p, settings, loss, market, stochastic, draws, shares, baseline, shared) for p in plans]
    workers = _workers(len(runs), stochastic, threads)
    with _one_blas_thread():
        if workers <= 1:
            for t in range(settings.months):
                runs = [(r, _step(r, n, t)) for r, n in runs]
        else:
            # The moves (numpy's multinomial sampler, which releases the GIL for the whole draw)
            # are drawn for all runs at once on several cores; the rest of the month runs in this
            # thread (many short array operations: threads would mostly wait for the GIL). Each
            # run has its own random generator, so its draws do not depend on which thread draws
            # them or in what order: the traces are the same as stepping the runs one by one.
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for t in range(settings.months):
                    Ps = [_before_moves(r, n, t) for r, n in runs]
                    moves = list(pool.map(lambda rn, P: _move(rn[0], rn[1], P), runs, Ps))
                    runs = [(r, _after_moves(r, n, mv, t)) for (r, n), mv in zip(runs, moves, strict=True)]
    return [_finish(r, n) for r, n in runs]


_threadpools = None


def _one_blas_thread():
    """The engine's matrix products are small (paths × a few dozen): BLAS worker threads woken for
    them spin between calls and cost more processor time than they save (measured at 1M loans:
    up to a sixth of the simulation's processor time). The moves use threads of their own."""
    global _threadpools
    if _threadpools is None:
        from threadpoolctl import ThreadpoolController

        _threadpools = ThreadpoolController()
    return _threadpools.limit(limits=1, user_api="blas")


def _workers(n_runs: int, stochastic: bool, threads: int | None) -> int:
    """Threads drawing the moves of a comparison's runs (numpy's multinomial sampler releases the
    GIL for the whole draw). Default: one per core, at most one per run; sampled paths only (the
    expected chain is one path)."""
    if not stochastic or n_runs <= 1:
        return 1
    return max(1, min(n_runs, threads if threads is not None else (os.cpu_count() or 1)))


def _finish(r: _Run, n: np.ndarray) -> Trace:
    """The trace of a finished run: net loss and collection cost, and the tail of the loans left."""
    m = r.m
    m["net_loss"] = m["gross_loss"] - m["recoveries"] + m["settlement_loss"]
    m["collection_cost"] = m["contact_cost"] + m["offer_cost"] + m["platform_cost"]
    tail = tail_loss_per_loan(r.plan, r.loss, r.market, r.months)
    tail_k = (n.astype(float) * tail[None]).sum(axis=(1, 2, 3))
    return Trace(m, r.cost_ch, r.contacts_ch, tail_k, n.sum(axis=(1, 2)).astype(float), r.states)
