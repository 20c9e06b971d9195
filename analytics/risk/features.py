"""The risk model's features, built strictly from what was known at the snapshot month.

A *snapshot* is one loan at the end of one month (its snapshot month ``m``), active and at most
29 days past due. Every feature of a snapshot reads only rows dated at or before ``m``:
performance rows with ``as_of_month <= m``, contacts with ``action_time`` before the first day of
``m + 1``, restructures with ``effective_month <= m``, and dealer and region rates over windows
that end at ``m``. ``tests/test_risk_features.py`` fails if any feature moves when months after
``m`` change.

Windows "last N months" are the N month ends ending at and including ``m``. Definitions:

- The origination month (vintage) is deliberately not a feature: in an out-of-time test most
  snapshots come from vintages later than any in training, so it acts as a calendar trend that
  trees cannot extrapolate. Months on book (seasoning) and the calendar-free inputs carry what it
  carried (docs/risk_model.md).
- ``channel`` and ``region`` are categories, coded in the order of their training-window bad
  rate (see :func:`analytics.risk.train.risk_ordered_categories`), never alphabetically.
- ``dpd_now``: days past due at the end of ``m``; ``worst_dpd_{3,6,12}m``: the highest month-end
  DPD in the window.
- ``missed_payments_{3,6,12}m``: months in the window with an instalment due and less than half
  of it paid.
- ``paid_share_{3,12}m``: cash received / instalments due in the window, capped at 1.5.
- ``balance_to_original``: closing balance / amount financed.
- ``pti_now``: today's instalment / monthly income at origination (``pti`` x instalment now /
  instalment at origination): payment-to-income after any restructure.
- ``dealer_dq30_rate_12m``: of the dealer's active loan-months in the last 12 months (this loan
  left out), the share at 30+ DPD, shrunk towards the book-wide rate with the weight of
  ``DEALER_PRIOR_WEIGHT`` loan-months so small dealers are not judged on a handful of loans.
- ``region_dq30_rate_3m``: share of the region's active loan-months at 30+ DPD in the last 3
  months (regional stress).
- ``contacts_3m``: collection contacts in the last 3 months (withheld control-arm contacts of
  randomised tests are not contacts); ``reached_share_3m``: share of them that reached the
  borrower; ``promises_3m``: promises to pay; ``broken_promises_3m``: promises made in a month in
  which less than half the instalment was then paid.
- ``restructure_count``, ``months_extended_total`` (term added by extensions and deferrals),
  ``months_since_restructure`` (empty if never), ``restructured_12m``.

Personal data (``borrower_name``, ``phone``) is never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.metrics.expr import as_float, count_if, month_index, ratio

MAX_SNAPSHOT_DPD = 29
DEALER_PRIOR_WEIGHT = 200.0
HISTORY_MONTHS = 12
REACHED_OUTCOMES = ("contacted", "promise_to_pay", "paid", "refused", "complaint")
PERSONAL_COLUMNS = ("borrower_name", "phone")


@dataclass(frozen=True)
class FeatureSpec:
    """One model input: its group, the known direction of its effect, how to show its value.

    ``monotone`` is +1 when more of it can only raise risk, -1 when it can only lower it, 0 when
    the direction is not known in advance (the model learns it). ``fmt`` tells the reason-code
    writer how to print the value: pct, int, score, months, dpd, year_month, flag, category, count.
    """

    name: str
    group: str
    monotone: int
    fmt: str


GROUPS = ("loan", "behaviour", "collections", "restructuring")

FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("credit_score", "loan", -1, "score"),
    FeatureSpec("ltv", "loan", +1, "pct"),
    FeatureSpec("pti", "loan", +1, "pct"),
    FeatureSpec("apr", "loan", 0, "pct"),
    FeatureSpec("term_months", "loan", +1, "months"),
    FeatureSpec("vehicle_used", "loan", +1, "flag"),
    FeatureSpec("income_verified", "loan", -1, "flag"),
    FeatureSpec("co_borrower", "loan", -1, "flag"),
    FeatureSpec("channel", "loan", 0, "category"),
    FeatureSpec("region", "loan", 0, "category"),
    FeatureSpec("dealer_dq30_rate_12m", "loan", +1, "pct"),
    FeatureSpec("region_dq30_rate_3m", "loan", +1, "pct"),
    FeatureSpec("months_on_book", "behaviour", 0, "months"),
    FeatureSpec("dpd_now", "behaviour", +1, "dpd"),
    FeatureSpec("worst_dpd_3m", "behaviour", +1, "dpd"),
    FeatureSpec("worst_dpd_6m", "behaviour", +1, "dpd"),
    FeatureSpec("worst_dpd_12m", "behaviour", +1, "dpd"),
    FeatureSpec("missed_payments_3m", "behaviour", +1, "count"),
    FeatureSpec("missed_payments_6m", "behaviour", +1, "count"),
    FeatureSpec("missed_payments_12m", "behaviour", +1, "count"),
    FeatureSpec("paid_share_3m", "behaviour", -1, "pct"),
    FeatureSpec("paid_share_12m", "behaviour", -1, "pct"),
    FeatureSpec("balance_to_original", "behaviour", 0, "pct"),
    FeatureSpec("pti_now", "behaviour", +1, "pct"),
    FeatureSpec("contacts_3m", "collections", 0, "count"),
    FeatureSpec("reached_share_3m", "collections", 0, "pct"),
    FeatureSpec("promises_3m", "collections", 0, "count"),
    FeatureSpec("broken_promises_3m", "collections", +1, "count"),
    FeatureSpec("restructure_count", "restructuring", 0, "count"),
    FeatureSpec("months_extended_total", "restructuring", 0, "months"),
    FeatureSpec("months_since_restructure", "restructuring", 0, "months"),
    FeatureSpec("restructured_12m", "restructuring", +1, "flag"),
)
SPECS: dict[str, FeatureSpec] = {f.name: f for f in FEATURES}
CATEGORICAL: tuple[str, ...] = tuple(f.name for f in FEATURES if f.fmt == "category")
# Columns kept beside the features: the queue, filters and the what-if need them.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "loan_id", "snap_mi", "as_of_month", "bucket", "dealer_id", "credit_tier", "vehicle_condition",
    "origination_date", "original_amount", "monthly_payment", "closing_balance", "scheduled_payment",
)


def feature_names(groups: tuple[str, ...] = GROUPS) -> list[str]:
    return [f.name for f in FEATURES if f.group in groups]


def month_start(mi: int) -> date:
    """First day of the month with month index ``mi`` (see :func:`analytics.metrics.expr.month_index`)."""
    return date(mi // 12, mi % 12 + 1, 1)


def to_month_index(d: date | pd.Timestamp) -> int:
    d = pd.Timestamp(d)
    return d.year * 12 + d.month - 1


def snapshot_rows(perf: ir.Table, first_mi: int, last_mi: int) -> ir.Table:
    """Snapshots of months ``first_mi..last_mi``: active loans at most 29 DPD at the month end."""
    p = perf.filter(
        perf.as_of_month >= ibis.date(month_start(first_mi)),
        perf.as_of_month <= ibis.date(month_start(last_mi)),
        perf.status == "active",
        perf.days_past_due <= MAX_SNAPSHOT_DPD,
    )
    return p.select(
        "loan_id", "as_of_month", "bucket", "months_on_book", "closing_balance", "scheduled_payment",
        snap_mi=month_index(p.as_of_month), dpd_now=p.days_past_due,
    )


def _history(perf: ir.Table, snaps: ir.Table, lo: int, hi: int) -> ir.Table:
    """Behaviour over the last 3/6/12 month ends of each snapshot (own rows only, <= m)."""
    h = perf.filter(perf.as_of_month >= ibis.date(month_start(lo - HISTORY_MONTHS + 1)),
                    perf.as_of_month <= ibis.date(month_start(hi)))
    h = h.select(
        h_loan=h.loan_id, hmi=month_index(h.as_of_month), dpd=h.days_past_due,
        due=h.scheduled_payment.fill_null(0.0), paid=h.amount_paid.fill_null(0.0),
        active=h.status == "active",
    )
    keys = snaps.select("loan_id", "snap_mi")
    j = keys.join(h, [keys.loan_id == h.h_loan, h.hmi <= keys.snap_mi,
                      h.hmi > keys.snap_mi - HISTORY_MONTHS])
    lag = j.snap_mi - j.hmi
    missed = (j.due > 0) & (j.paid < 0.5 * j.due)
    aggs = {}
    for n in (3, 6, 12):
        aggs[f"worst_dpd_{n}m"] = ibis.ifelse(lag < n, j.dpd, ibis.null()).max()
        aggs[f"missed_payments_{n}m"] = count_if((lag < n) & missed)
    for n in (3, 12):
        aggs[f"paid_{n}m"] = ibis.ifelse(lag < n, j.paid, 0.0).sum()
        aggs[f"due_{n}m"] = ibis.ifelse(lag < n, j.due, 0.0).sum()
    aggs["own_months_12m"] = count_if(j.active)
    aggs["own_dq30_12m"] = count_if(j.active & (j.dpd >= 30))
    return j.group_by(["loan_id", "snap_mi"]).aggregate(**aggs)


def _group_rates(perf: ir.Table, loans: ir.Table, key: str, months: int, lo: int, hi: int) -> ir.Table:
    """Per ``key`` (dealer_id or region) and month: active loan-months and 30+ loan-months in the
    trailing ``months`` month ends, from active rows dated <= that month only."""
    p = perf.filter(perf.as_of_month >= ibis.date(month_start(lo - months + 1)),
                    perf.as_of_month <= ibis.date(month_start(hi)), perf.status == "active")
    lk = loans.select(l_loan=loans.loan_id, grp=loans[key])
    j = p.join(lk, p.loan_id == lk.l_loan)
    monthly = j.group_by([j.grp, month_index(j.as_of_month).name("mi")]).aggregate(
        n=j.loan_id.count(), dq=count_if(j.days_past_due >= 30))
    w = ibis.window(group_by="grp", order_by="mi", range=(-(months - 1), 0))
    return monthly.select("grp", "mi", n_w=monthly.n.sum().over(w), dq_w=monthly.dq.sum().over(w))


def _book_rate(perf: ir.Table, months: int, lo: int, hi: int) -> ir.Table:
    p = perf.filter(perf.as_of_month >= ibis.date(month_start(lo - months + 1)),
                    perf.as_of_month <= ibis.date(month_start(hi)), perf.status == "active")
    monthly = p.group_by(month_index(p.as_of_month).name("mi")).aggregate(
        n=p.loan_id.count(), dq=count_if(p.days_past_due >= 30))
    w = ibis.window(order_by="mi", range=(-(months - 1), 0))
    return monthly.select(b_mi=monthly.mi, book_rate=ratio(monthly.dq.sum().over(w), monthly.n.sum().over(w)))


def _collections(actions: ir.Table, perf: ir.Table, snaps: ir.Table, lo: int, hi: int) -> ir.Table:
    a = actions.filter(
        actions.action_time >= ibis.timestamp(month_start(lo - 2).isoformat()),
        actions.action_time < ibis.timestamp(month_start(hi + 1).isoformat()),
    )
    # A control-arm row of a randomised test records a contact that was withheld, not a contact.
    a = a.filter(a.experiment_arm.isnull() | ~a.experiment_arm.endswith(":control"))
    a = a.select(a_loan=a.loan_id, ami=month_index(a.action_time.date()), outcome=a.outcome)
    pm = perf.filter(perf.as_of_month >= ibis.date(month_start(lo - 2)),
                     perf.as_of_month <= ibis.date(month_start(hi)))
    pm = pm.select(p_loan=pm.loan_id, pmi=month_index(pm.as_of_month),
                   short=pm.amount_paid.fill_null(0.0) < 0.5 * pm.scheduled_payment.fill_null(0.0))
    ap = a.left_join(pm, [a.a_loan == pm.p_loan, a.ami == pm.pmi])
    ap = ap.select("a_loan", "ami", "outcome",
                   broken=(ap.outcome == "promise_to_pay") & ap.short.fill_null(False))
    keys = snaps.select("loan_id", "snap_mi")
    j = keys.join(ap, [keys.loan_id == ap.a_loan, ap.ami <= keys.snap_mi, ap.ami > keys.snap_mi - 3])
    return j.group_by(["loan_id", "snap_mi"]).aggregate(
        contacts_3m=j.a_loan.count(),
        reached_3m=count_if(j.outcome.isin(list(REACHED_OUTCOMES))),
        promises_3m=count_if(j.outcome == "promise_to_pay"),
        broken_promises_3m=count_if(j.broken),
    )


def _restructuring(restructures: ir.Table, snaps: ir.Table, hi: int) -> ir.Table:
    r = restructures.filter(restructures.effective_month <= ibis.date(month_start(hi)))
    r = r.select(r_loan=r.loan_id, rmi=month_index(r.effective_month),
                 ext=r.months_extended.fill_null(0))
    keys = snaps.select("loan_id", "snap_mi")
    j = keys.join(r, [keys.loan_id == r.r_loan, r.rmi <= keys.snap_mi])
    return j.group_by(["loan_id", "snap_mi"]).aggregate(
        restructure_count=j.r_loan.count(), months_extended_total=j.ext.sum(), last_rmi=j.rmi.max())


def feature_table(loans: ir.Table, perf: ir.Table, actions: ir.Table, restructures: ir.Table,
                  snaps: ir.Table, lo: int, hi: int) -> ir.Table:
    """Every feature of every snapshot in ``snaps`` (snapshot months within ``lo..hi``).

    ``snaps`` comes from :func:`snapshot_rows` (possibly sampled, possibly with extra columns such
    as the target, which are carried through). Returns the snapshot columns, the loan context
    columns and one column per feature in :data:`FEATURES` (categories as text).
    """
    hist = _history(perf, snaps, lo, hi)
    dealer = _group_rates(perf, loans, "dealer_id", 12, lo, hi)
    region = _group_rates(perf, loans, "region", 3, lo, hi).rename(r_grp="grp", r_mi="mi", r_n="n_w",
                                                                     r_dq="dq_w")
    book = _book_rate(perf, 12, lo, hi)
    coll = _collections(actions, perf, snaps, lo, hi)
    rest = _restructuring(restructures, snaps, hi)
    lo_cols = loans.select(
        l_loan=loans.loan_id, credit_score=loans.credit_score, ltv=loans.ltv, pti=loans.pti, apr=loans.apr,
        term_months=loans.term_months, vehicle_condition=loans.vehicle_condition,
        income_verified=loans.income_verified, co_borrower=loans.co_borrower, channel=loans.channel,
        region=loans.region, dealer_id=loans.dealer_id, credit_tier=loans.credit_tier,
        origination_date=loans.origination_date, original_amount=loans.original_amount,
        monthly_payment=loans.monthly_payment,
    )
    s = snaps.join(lo_cols, snaps.loan_id == lo_cols.l_loan)
    s = s.left_join(hist, ["loan_id", "snap_mi"]).drop("loan_id_right", "snap_mi_right")
    s = s.left_join(dealer, [s.dealer_id == dealer.grp, s.snap_mi == dealer.mi]).drop("grp", "mi")
    s = s.left_join(region, [s.region == region.r_grp, s.snap_mi == region.r_mi]).drop("r_grp", "r_mi")
    s = s.left_join(book, s.snap_mi == book.b_mi).drop("b_mi")
    s = s.left_join(coll, ["loan_id", "snap_mi"]).drop("loan_id_right", "snap_mi_right")
    s = s.left_join(rest, ["loan_id", "snap_mi"]).drop("loan_id_right", "snap_mi_right")

    # Dealer rate without this loan's own months, shrunk towards the book.
    d_n = s.n_w.fill_null(0) - s.own_months_12m.fill_null(0)
    d_dq = s.dq_w.fill_null(0) - s.own_dq30_12m.fill_null(0)
    prior = s.book_rate.fill_null(0.0)
    dealer_rate = (d_dq.cast("float64") + DEALER_PRIOR_WEIGHT * prior) / (d_n.cast("float64") + DEALER_PRIOR_WEIGHT)
    since = s.snap_mi - s.last_rmi
    features = {
        "credit_score": s.credit_score.cast("float64"),
        "ltv": s.ltv.cast("float64"),
        "pti": s.pti.cast("float64"),
        "apr": s.apr.cast("float64"),
        "term_months": s.term_months.cast("float64"),
        "vehicle_used": as_float(s.vehicle_condition == "used"),
        "income_verified": as_float(s.income_verified),
        "co_borrower": as_float(s.co_borrower),
        "channel": s.channel,
        "region": s.region,
        "dealer_dq30_rate_12m": dealer_rate,
        "region_dq30_rate_3m": ratio(s.r_dq, s.r_n),
        "months_on_book": s.months_on_book.cast("float64"),
        "dpd_now": s.dpd_now.cast("float64"),
        "worst_dpd_3m": s.worst_dpd_3m.cast("float64"),
        "worst_dpd_6m": s.worst_dpd_6m.cast("float64"),
        "worst_dpd_12m": s.worst_dpd_12m.cast("float64"),
        "missed_payments_3m": s.missed_payments_3m.fill_null(0).cast("float64"),
        "missed_payments_6m": s.missed_payments_6m.fill_null(0).cast("float64"),
        "missed_payments_12m": s.missed_payments_12m.fill_null(0).cast("float64"),
        "paid_share_3m": ibis.least(ratio(s.paid_3m, s.due_3m), 1.5),
        "paid_share_12m": ibis.least(ratio(s.paid_12m, s.due_12m), 1.5),
        "balance_to_original": ratio(s.closing_balance, s.original_amount),
        "pti_now": s.pti * ratio(s.scheduled_payment, s.monthly_payment),
        "contacts_3m": s.contacts_3m.fill_null(0).cast("float64"),
        "reached_share_3m": ratio(s.reached_3m, s.contacts_3m),
        "promises_3m": s.promises_3m.fill_null(0).cast("float64"),
        "broken_promises_3m": s.broken_promises_3m.fill_null(0).cast("float64"),
        "restructure_count": s.restructure_count.fill_null(0).cast("float64"),
        "months_extended_total": s.months_extended_total.fill_null(0).cast("float64"),
        "months_since_restructure": since.cast("float64"),
        "restructured_12m": (since.fill_null(999) < 12).cast("float64"),
    }
    assert list(features) == [f.name for f in FEATURES]
    extra = [c for c in snaps.columns if c not in CONTEXT_COLUMNS and c not in features
             and c not in ("dpd_now", "months_on_book")]
    context = [c for c in CONTEXT_COLUMNS if c in s.columns]
    return s.select(*context, *extra, **features)


def remaining_instalments(balance: np.ndarray, payment: np.ndarray, apr: np.ndarray) -> np.ndarray:
    """Instalments left on an amortising loan: n with balance = payment x (1 - (1+r)^-n) / r."""
    b = np.asarray(balance, float)
    p = np.asarray(payment, float)
    r = np.asarray(apr, float) / 12.0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = 1.0 - b * r / p
        n = np.where(r > 1e-9, -np.log(x) / np.log1p(r), b / p)
    n = np.where(np.isfinite(n) & (p > 0), n, np.nan)
    return np.ceil(np.clip(n, 1, 600))
