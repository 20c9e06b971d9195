"""The value of restructuring a loan or a segment against collecting on and against repossessing.

Cash flows follow the band's monthly transition matrix (:mod:`analytics.strategy.baseline`),
with the bucket read as instalments in arrears (current 0, 1-29 DPD 1, ... 120+ 5). In a month a
loan moving from i to j (both open) pays ``i + 1 - j`` instalments (none when it rolls); paying
off brings the scheduled balance and the arrears; a charge-off brings ``charge_off_recovery`` of
the balance; a repossession the net sale of the car: value depreciated to the sale,
less the auction cost and the repossession cost, received ``months_to_sale`` later, never more
than the balance. Present values discount at the lender's ``discount_rate`` (cost of funds).

Options for a loan with balance B, rate r, n payments left:

- **continue**: collect as today.
- **repossess**: take the car now (only from ``repossess_from_state``, 60 DPD by default: before
  that the loan is not in default and the car cannot be taken).
- **extension** by e months: payment becomes annuity(B, r, n + e); **deferral** by d months:
  no payment for d months (interest accrues), then the old payment for d more months;
  **rate cut** by c: annuity(B, r - c, n); **settlement** at discount s: B (1 - s) now.
  A restructured loan restarts current; for ``redefault_months`` its monthly miss probability is
  the band's times the re-default multiplier, which falls with the payment cut (OCC Mortgage
  Metrics 2008: 60+ re-default within 6 months of 24% for cuts of 20% or more, 29% for 10-20%,
  36% under 10%, 54% when unchanged). The level is anchored on the ratio observed in the data at
  its typical payment cut (:mod:`analytics.strategy.baseline`), else on an assumed 2.5 for an
  unchanged payment.
- An **offer** is worth ``take_up · V(restructure) + (1 - take_up) · V(continue) - offer cost``.
  Break-even take-up is the take-up at which the offer just pays for itself; break-even
  re-default is the 12-month re-default rate (share reaching 60+ DPD or a charge-off within 12
  months) at which restructuring is worth exactly as much as the best alternative.

The simulator books a restructure's **concession** the way accounts measure a modification loss
(IFRS 9 5.4.3): the balance less the modified payments discounted at the loan's own rate. An
extension or a deferral with interest accruing costs nothing by this measure; a rate cut and a
settlement do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from analytics.strategy.baseline import (
    CHARGED_OFF,
    N_STATES,
    N_TRANSIENT,
    PAID_OFF,
    REPOSSESSED,
    Baseline,
)
from analytics.strategy.spec import RestructureOffer

# OCC 2008: 60+ re-default within 6 months by payment change, and the multiplier we assume for
# an unchanged payment (restructured borrowers were in trouble once already).
OCC_REDEFAULT = ((0.20, 0.24), (0.10, 0.29), (1e-9, 0.36), (0.0, 0.54))
UNCHANGED_PAYMENT_MULTIPLIER = 2.5
REDEFAULT_SOURCE = ("OCC Mortgage Metrics (2008): re-default 24% / 29% / 36% / 54% for payment cuts of "
                    "≥20% / 10-20% / <10% / none; 2.5× the band's miss rate at an unchanged payment is assumed")
REPOSSESSION_COST = {"cn": 3000.0, "us": 1000.0}
# Repossession route per market (assumptions, configurable in LossParams):
# - us: self-help repossession without a court (UCC § 9-609), about 2 months to locate the car;
#   no court fees (the agent's fee is in REPOSSESSION_COST).
# - cn: the lender needs a court judgment or an arbitration award to take the car (no self-help);
#   about 3 months to locate plus 6 months of court or arbitration, and court fees by the State
#   Council's Measures on the Payment of Litigation Costs (2006): on a CNY 89k claim 50 + 2.5% of
#   the part above 10k = CNY 2,025, plus about CNY 2,500 of lawyer or arbitration fees.
MONTHS_TO_LOCATE = {"cn": 3, "us": 2}
LEGAL_MONTHS = {"cn": 6, "us": 0}
LEGAL_COST = {"cn": 4525.0, "us": 0.0}


@dataclass(frozen=True)
class LossParams:
    """Loss given default and repossession recovery; money in local currency, rates per year."""

    depreciation_per_month: float = 0.015
    auction_cost: float = 0.10
    months_to_sale: int = 3
    repossession_cost: float | None = None
    charge_off_recovery: float | None = None
    discount_rate: float = 0.08
    repossess_from_state: int = 3  # the car can be taken from 60 DPD (state dpd_60_89) on
    months_to_locate: int | None = None   # None: the market's MONTHS_TO_LOCATE
    legal_months: int | None = None       # None: the market's LEGAL_MONTHS
    legal_cost: float | None = None       # None: the market's LEGAL_COST
    use_data_haircut: bool = True         # value a sale at the data's recovery ÷ balance where known
    redefault_limit_lifetime: int = 1     # restructures a loan may have (those in the data count)
    restructure_gap_months: int = 12      # no second restructure within this many months

    def delay(self, market: str) -> int:
        """Months from the decision to repossess to the sale: locate, legal process, sale."""
        loc = self.months_to_locate if self.months_to_locate is not None else MONTHS_TO_LOCATE.get(market, 3)
        legal = self.legal_months if self.legal_months is not None else LEGAL_MONTHS.get(market, 6)
        return int(loc + legal + self.months_to_sale)

    def legal(self, market: str) -> float:
        return self.legal_cost if self.legal_cost is not None else LEGAL_COST.get(market, 0.0)

    def repo_cost(self, market: str) -> float:
        return self.repossession_cost if self.repossession_cost is not None else REPOSSESSION_COST.get(market, 3000.0)

    def co_recovery(self, baseline: Baseline) -> float:
        if self.charge_off_recovery is not None:
            return self.charge_off_recovery
        return float(np.clip(baseline.recovery.get("charged_off", 0.05), 0.0, 1.0))


def annuity(balance: float, apr: float, n: float) -> float:
    n = max(float(n), 1.0)
    r = apr / 12.0
    return balance / n if r <= 1e-12 else balance * r / (1.0 - (1.0 + r) ** (-n))


def present_value(payments: np.ndarray, annual_rate: float, start: int = 1) -> float:
    """PV of monthly payments, the first ``start`` months from now."""
    t = np.arange(start, start + len(payments))
    return float(np.sum(np.asarray(payments) / (1 + annual_rate / 12.0) ** t))


def schedule(balance: float, apr: float, remaining: int, offer: RestructureOffer | None) -> np.ndarray:
    """Monthly payments due after the offer (or as they stand when ``offer`` is None)."""
    n = max(int(round(remaining)), 1)
    if offer is None:
        return np.full(n, annuity(balance, apr, n))
    if offer.kind == "extension":
        n2 = n + offer.extension_months
        return np.full(n2, annuity(balance, apr, n2))
    if offer.kind == "rate_cut":
        return np.full(n, annuity(balance, max(apr - offer.rate_cut, 0.0), n))
    if offer.kind == "deferral":
        d = offer.deferral_months
        grown = balance * (1 + apr / 12.0) ** d  # interest accrues over the deferral
        return np.concatenate([np.zeros(d), np.full(n, annuity(grown, apr, n))])
    return np.zeros(0)  # settlement: no further payments


def payment_cut(balance: float, apr: float, remaining: int, offer: RestructureOffer) -> float:
    """Relative cut of the regular payment (0.2 = 20% lower); deferral and settlement count as none."""
    if offer.kind not in ("extension", "rate_cut"):
        return 0.0
    old = annuity(balance, apr, remaining)
    new = schedule(balance, apr, remaining, offer)[0]
    return max(0.0, 1.0 - new / old) if old > 0 else 0.0


def occ_redefault(cut: float) -> float:
    """OCC 2008 re-default rate for a relative payment cut."""
    for threshold, rate in OCC_REDEFAULT[:-1]:
        if cut >= threshold:
            return rate
    return OCC_REDEFAULT[-1][1]


MIN_OBSERVED_PAIRS = 200


def default_redefault_multiplier(cut: float, observed: float | None = None, observed_cut: float | None = None,
                                 observed_pairs: int = 0) -> tuple[float, str]:
    """Miss-probability multiplier of a restructured current loan for a given payment cut, and its source.

    Anchored on the ratio observed in the data (at the data's typical payment cut) when at least
    200 restructured loan-months back it, else on the assumed 2.5 for an unchanged payment;
    the OCC re-default rates give how it changes with the cut.
    """
    if observed is not None and observed_pairs >= MIN_OBSERVED_PAIRS:
        anchor, at = observed, (observed_cut or 0.0)
        source = "observed"
    else:
        anchor, at = UNCHANGED_PAYMENT_MULTIPLIER, 0.0
        source = "assumed"
    return max(0.1, anchor * occ_redefault(cut) / occ_redefault(at)), source


def redefault_multiplier(offer: RestructureOffer, balance: float, apr: float, remaining: int,
                         baseline: Baseline | None = None) -> float:
    if offer.redefault_multiplier is not None:
        return offer.redefault_multiplier
    cut = payment_cut(balance, apr, remaining, offer)
    if baseline is None:
        return default_redefault_multiplier(cut)[0]
    return default_redefault_multiplier(cut, baseline.redefault_ratio, baseline.typical_payment_cut,
                                        baseline.redefault_pairs)[0]


def modification_loss(balance: float, apr: float, remaining: int, offer: RestructureOffer) -> float:
    """Concession per loan: balance less the modified payments at the loan's own rate (IFRS 9)."""
    if offer.kind == "settlement":
        return balance * offer.settlement_discount
    pv = present_value(schedule(balance, apr, remaining, offer), apr)
    return max(0.0, balance - pv)


def with_stress(matrix: np.ndarray, m: float) -> np.ndarray:
    """The matrix of a restructured loan: on every transient row the chance of rolling (to a worse
    state or a default) times m, taken from or given to staying, and on delinquent rows the chance
    of curing divided by m (the difference stays). m = 1 leaves the matrix as it is."""
    out = np.array(matrix, dtype=float, copy=True)
    for i in range(N_TRANSIENT):
        row = out[..., i, :]
        if i >= 1:  # cures first: what no longer cures stays (and may then roll)
            cure = row[..., 0].copy()
            new = np.minimum(cure / max(m, 1e-9), cure + row[..., i])
            row[..., i] += cure - new
            row[..., 0] = new
        worse = np.zeros(N_STATES, dtype=bool)
        worse[i + 1:N_TRANSIENT] = True
        worse[[CHARGED_OFF, REPOSSESSED]] = True
        mass = row[..., worse].sum(-1)
        stay = row[..., i]
        m_eff = np.minimum(m, np.where(mass > 0, 1 + stay / np.maximum(mass, 1e-300), m))
        row[..., worse] *= np.asarray(m_eff)[..., None]
        row[..., i] = stay - mass * (m_eff - 1)
    np.clip(out, 0.0, None, out=out)
    return out / out.sum(-1, keepdims=True)


# The former name (the stress now acts on every row, not only the current one).
with_miss_multiplier = with_stress


def published_multiplier(matrix: np.ndarray, cut: float, months: int = 6) -> float:
    """Stress m at which loans restarting current reach 60+ DPD within ``months`` at OCC's rate
    for this payment cut (24% / 29% / 36% / 54% within 6 months)."""
    target = occ_redefault(cut)
    f = lambda mult: redefault_rate(with_stress(matrix, mult), months) - target  # noqa: E731
    lo, hi = 0.1, 200.0
    if f(lo) >= 0:
        return lo
    if f(hi) <= 0:
        return hi
    return float(brentq(f, lo, hi, xtol=1e-4))


def restructured_matrix(offer: RestructureOffer, facts: LoanFacts, baseline: Baseline
                        ) -> tuple[np.ndarray, float, str]:
    """The monthly matrix of a loan restructured by ``offer`` (9 × 9), the stress applied and its source.

    - the offer's own ``redefault_multiplier``: that stress on the band's matrix;
    - the data's restructured loans (history group, at least MIN_OBSERVED_PAIRS current
      loan-months in the band): their observed matrix, scaled by OCC's ratio between this offer's
      payment cut and the data's typical one;
    - otherwise published levels: the band's matrix stressed until 6-month 60+ re-default is
      OCC's for the payment cut.
    """
    b = facts.band
    P = baseline.matrix[b]
    if offer.redefault_multiplier is not None:
        return with_stress(P, offer.redefault_multiplier), float(offer.redefault_multiplier), "user"
    cut = payment_cut(facts.balance, facts.apr, facts.remaining_term, offer)
    pairs = baseline.history_pairs
    if pairs is not None and baseline.history_matrix is not None and pairs[1, b, 0] >= MIN_OBSERVED_PAIRS:
        m = occ_redefault(cut) / occ_redefault(baseline.typical_payment_cut or 0.0)
        return with_stress(baseline.history_matrix[1, b], m), float(m), "observed"
    m = published_multiplier(P, cut)
    return with_stress(P, m), float(m), "published"


def capitalised_balance(facts: LoanFacts) -> float:
    """Balance after a restructure that capitalises the arrears: the interest of the missed
    instalments (one per state step) is added; the missed principal is in the balance already."""
    return facts.balance * (1 + facts.state * facts.apr / 12.0)


@dataclass(frozen=True)
class LoanFacts:
    """What the valuation needs about one loan (or a segment's average loan)."""

    band: int
    state: int
    balance: float
    apr: float
    remaining_term: int
    payment: float
    vehicle_value_now: float


def repossession_net(balance, vehicle_now, loss: LossParams, market: str, months_ahead: int = 0,
                     haircut: float | None = None):
    """Net present value at the decision of taking the car (arrays welcome), never above the balance.

    Sale ``loss.delay(market)`` months later (locate, legal process, sale): at the data's recovery ÷
    balance (``haircut``) where known, else the car's value depreciated to the sale less the
    auction cost; less the repossession and legal costs, discounted at the cost of funds.
    """
    t = loss.delay(market)
    if haircut is not None:
        sale = np.asarray(balance, dtype=float) * haircut
    else:
        sale = np.asarray(vehicle_now, dtype=float) * (1 - loss.depreciation_per_month) ** (months_ahead + t) \
            * (1 - loss.auction_cost)
    net = sale - loss.repo_cost(market) - loss.legal(market)
    return np.clip(net / (1 + loss.discount_rate / 12) ** t, 0.0, balance)


def data_haircut(baseline: Baseline | None, loss: LossParams, which: int = 3) -> float | None:
    """The data's repossession recovery ÷ balance (index 3: mean; 0 / 1 / 2: P10 / P50 / P90)."""
    if baseline is None or not loss.use_data_haircut or baseline.repo_haircut is None:
        return None
    return float(baseline.repo_haircut[which])


def repossession_value(facts: LoanFacts, loss: LossParams, market: str, months_ahead: int = 0,
                       haircut: float | None = None) -> float:
    """Net present value of taking the car (:func:`repossession_net`) for one loan."""
    return float(repossession_net(facts.balance, facts.vehicle_value_now, loss, market, months_ahead, haircut))


def value_collect(facts: LoanFacts, matrix: np.ndarray, loss: LossParams, market: str, co_recovery: float,
                  payments: np.ndarray | None = None, start_state: int | None = None,
                  stressed: np.ndarray | None = None, stressed_months: int = 0,
                  haircut: float | None = None) -> float:
    """PV of collecting along the chain from the loan's state (module docstring).

    ``payments`` is the schedule due from next month (default: the loan's own); during
    ``stressed_months`` the ``stressed`` matrix (a restructured loan's) is used.
    """
    pay = schedule(facts.balance, facts.apr, facts.remaining_term, None) if payments is None else payments
    horizon = len(pay) + 12
    x = np.zeros(N_STATES)
    x[facts.state if start_state is None else start_state] = 1.0
    disc = 1 + loss.discount_rate / 12
    bal = facts.balance
    value = 0.0
    arrears = np.arange(N_TRANSIENT, dtype=float)
    for t in range(horizon):
        due = pay[t] if t < len(pay) else 0.0
        P = stressed if (stressed is not None and t < stressed_months) else matrix
        if due == 0.0 and t < len(pay):
            # A deferral month: nothing is due, so nothing can be missed.
            P = np.array(P, copy=True)
            P[0, :N_TRANSIENT] = 0.0
            P[0, 0] = 1.0 - P[0, N_TRANSIENT:].sum()
        flow = x[:N_TRANSIENT, None] * P[:N_TRANSIENT]
        inst = np.clip(arrears[:, None] + 1 - arrears[None, :], 0, None)
        unit = due if due > 0 else (pay[pay > 0][0] if (pay > 0).any() else 0.0)
        cash = (flow[:, :N_TRANSIENT] * inst).sum() * unit * (due > 0)
        cash += flow[:, PAID_OFF].sum() * bal + (flow[:, PAID_OFF] * arrears).sum() * unit
        cash += flow[:, CHARGED_OFF].sum() * bal * co_recovery
        cash += flow[:, REPOSSESSED].sum() * repossession_value(
            LoanFacts(facts.band, 5, bal, facts.apr, facts.remaining_term, facts.payment, facts.vehicle_value_now),
            loss, market, t, haircut)
        value += cash / disc ** (t + 1)
        x = x @ P
        if due > 0:
            bal = max(0.0, bal * (1 + facts.apr / 12) - due)
        else:
            bal = bal * (1 + facts.apr / 12)
    return float(value)


def redefault_rate(matrix: np.ndarray, months: int = 12) -> float:
    """Share of loans starting current that reach 60+ DPD or default within ``months`` months."""
    P = np.array(matrix, dtype=float, copy=True)
    # Make 60+ and default absorbing to count first arrivals.
    for i in (3, 4, 5, CHARGED_OFF, REPOSSESSED):
        P[i] = 0.0
        P[i, i] = 1.0
    x = np.zeros(N_STATES)
    x[0] = 1.0
    for _ in range(months):
        x = x @ P
    return float(x[[3, 4, 5, CHARGED_OFF, REPOSSESSED]].sum())


@dataclass(frozen=True)
class OptionValue:
    """One option's present value. ``break_even_redefault`` is 1.0 when the restructure pays at
    any re-default rate and 0.0 when it never does; ``break_even_take_up`` is None when no
    take-up makes the offer pay."""

    option: str
    value: float
    take_up: float | None = None
    multiplier: float | None = None
    redefault_12m: float | None = None
    break_even_take_up: float | None = None
    break_even_redefault: float | None = None
    concession: float | None = None


def value_options(facts: LoanFacts, baseline: Baseline, offers: list[RestructureOffer], loss: LossParams,
                  offer_cost: float = 0.0, redefault_months: int = 12, redefault_scale: float = 1.0,
                  break_even: bool = True) -> tuple[list[OptionValue], str]:
    """Values of continuing, repossessing and each offer; and the recommended option's name.

    ``redefault_scale`` multiplies the restructured loan's stress (1: as estimated; the
    sensitivity analysis moves it, :mod:`analytics.strategy.sensitivity`); ``break_even`` False
    skips the break-even searches (their fields are then None)."""
    P = baseline.matrix[facts.band]
    market = baseline.market
    co_rec = loss.co_recovery(baseline)
    hc = data_haircut(baseline, loss)
    v_collect = value_collect(facts, P, loss, market, co_rec, haircut=hc)
    out = [OptionValue("continue", v_collect)]
    best_alt = v_collect
    if facts.state >= loss.repossess_from_state:
        v_repo = repossession_value(facts, loss, market, haircut=hc)
        out.append(OptionValue("repossess", v_repo))
        best_alt = max(v_collect, v_repo)
    for offer in offers:
        label = offer.kind
        if offer.kind == "settlement":
            v_restr = facts.balance * (1 - offer.settlement_discount)
            m = None
            r12 = None
            be_r = None
        else:
            # Arrears are capitalised (not forgiven): the new schedule runs on the balance with them.
            cap = LoanFacts(facts.band, 0, capitalised_balance(facts), facts.apr, facts.remaining_term,
                            facts.payment, facts.vehicle_value_now)
            pay = schedule(cap.balance, cap.apr, cap.remaining_term, offer)
            R, m, _src = restructured_matrix(offer, facts, baseline)

            def v_at(mult: float, pay=pay, cap=cap, R=R) -> float:
                return value_collect(cap, P, loss, market, co_rec, payments=pay, start_state=0,
                                     stressed=with_stress(R, mult), stressed_months=redefault_months, haircut=hc)

            v_restr = v_at(redefault_scale)
            r12 = redefault_rate(with_stress(R, redefault_scale) if redefault_scale != 1.0 else R)
            be_r = None
            try:
                if not break_even:
                    raise ValueError("break-even not asked for")
                lo, hi = 0.05, 200.0
                f = lambda mult: v_at(mult) - best_alt  # noqa: E731
                if f(lo) > 0 > f(hi):
                    be_r = redefault_rate(with_stress(R, brentq(f, lo, hi, xtol=1e-3)))
                elif f(hi) >= 0:
                    be_r = 1.0
                else:
                    be_r = 0.0
            except ValueError:
                be_r = None
        gain = v_restr - v_collect
        be_u = (offer_cost / gain if gain > 0 else math.inf) if offer_cost > 0 else (0.0 if gain > 0 else math.inf)
        if not break_even:
            be_u = math.inf
        v_offer = offer.take_up * v_restr + (1 - offer.take_up) * v_collect - offer_cost
        conc = modification_loss(facts.balance, facts.apr, facts.remaining_term, offer)
        out.append(OptionValue(label, v_offer, offer.take_up, m, r12, be_u if math.isfinite(be_u) else None,
                               be_r, conc))
    best = max(out, key=lambda o: o.value)
    return out, best.option


def segment_facts(baseline: Baseline, band: str, state: int, loss: LossParams) -> LoanFacts:
    """The average loan of a band in a state, with its car's value today."""
    b = baseline.band_index(band)
    vv = baseline.vehicle_value[b, state] * (1 - loss.depreciation_per_month) ** baseline.months_on_book[b, state]
    return LoanFacts(b, state, float(baseline.balance[b, state]), float(baseline.apr[b, state]),
                     int(round(baseline.remaining_term[b, state])), float(baseline.payment[b, state]), float(vv))
