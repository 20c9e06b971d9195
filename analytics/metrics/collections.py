"""Collections operations: entry, first-payment default, cure curves by day, the contact funnel,
cost, compliance with the contact rules, and agents against the difficulty of their books.

Definitions (DESIGN.md section 5; one function each):

- **Entry rate (入催率)** of month t: loans active and current (DPD 0) at the end of t-1 that are
  past due (DPD > 0) at the end of t, divided by the loans active and current at the end of t-1.
  A loan needs a row in both months (a first month on book has no start state: see FPD).
- **First-payment default (首逾, FPD)**: the first instalment missed, i.e. DPD > 0 in the month of
  the first due date (``months_on_book = 1``), over loans with that row. **FPD30**: 30+ DPD at the
  end of the month of the second due date (``months_on_book = 2``: the first instalment still
  unpaid 30 days on), over loans with that row. 95% Wilson intervals.
- **Cure curve by day**: the due-date cohort of month t is the loans active and current at the end
  of t-1 that had not paid by their due date in t. ASSUMPTION: an instalment is due on the day of
  month of the origination date, capped at 28 (Chinese auto loans' 每月还款日 is usually the
  funding day; sources without a schedule do not say). A loan is cured on the first day d after
  the due date D on which its payments since D cover what is overdue then: the missed instalment
  plus every later one that has come due (``sum >= scheduled_payment × (1 + due dates passed)``,
  1% tolerance for rounding). The curve is the share of the cohort cured by day d = 1..60,
  shown only up to the days the data covers. Without ``payments`` the **month-end
  approximation**: the cohort is the loans current at the end of t-1 and past due at the end of
  t, cured at the first later month end with DPD 0 (or paid off), on day DPD at the end of t +
  the days to that month end; it is labelled so wherever shown.
- **Contact funnel** per channel × bucket (the bucket of ``dpd_at_action``; DPD <= 0 is a reminder
  to a current loan): attempts (rows), reached (outcome other than ``no_contact``), promises
  (``promise_to_pay``), kept (payments from the contact to the end of the promise date add up to
  the promised amount, or to anything when no amount is given; without ``payments`` the
  approximation ``amount_paid`` of the month >= the promised amount), paid (reached contacts
  whose loan paid something in the month of the contact). **PTP kept rate** = kept ÷ promises;
  **complaints per 10,000 contacts**; **cost per contact** = cost ÷ attempts; **cost per yuan
  collected** = cost ÷ amount paid in the month by the loan-months the channel reached (a
  loan-month reached by two channels counts for both: an attribution, not a sum).
- **Collection effectiveness (CEI)** of month t, over loans past due at the end of t-1:
  collected (``amount_paid`` in t) ÷ collectible (arrears at the start, approximated as
  ceil(DPD / 30) instalments, plus the instalment falling due in t, both at t's scheduled
  payment); **cost per yuan collected** = the month's contact cost ÷ that collected amount.
- **Compliance** (rules from analytics/strategy/rules.py, the simulator's contact rules): a
  contact breaks the **hours** rule when its time of day is before the start or after the end of
  the market's contact hours; a call (ai_voice, agent_call) breaks the **frequency** cap when it
  is more than the cap-th call of its loan on the same calendar day (daily cap) or within 7 days
  (7-day cap); a contact to a ``third_party`` breaks the rule where third parties may not be
  contacted.
- **Agents and agencies**: a case is an agent's loan-month (calls or visits with ``agent_id``),
  with the bucket of its lowest ``dpd_at_action``; success = the loan pays something in that month.
  Expected = sum over the agent's cases of the book's success rate in the case's bucket (its bucket
  mix), or, where a risk model is trained, in the case's bucket x the loan's risk band (the model's
  scores of the latest month, calibrated on the same cases). Ratio = actual ÷ expected with a 95% interval ``ratio ± 1.96 √Σp(1−p) / expected``;
  agents with fewer than ``min_cases`` cases are flagged and not ranked.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import schema
from analytics.metrics.delinquency import wilson_interval
from analytics.metrics.expr import as_float, count_if, next_month, ratio
from analytics.metrics.segments import segment_table
from analytics.strategy.rules import CALL_CHANNELS, ContactRules

MAX_DAY = 60
REACHED = ("contacted", "promise_to_pay", "paid", "refused", "complaint")
TOLERANCE = 0.99  # payments within 1% of what is owed count as covering it (rounding)
FPD_DIMENSIONS = ("vintage", "dealer_id", "channel")
MIN_CASES = 50


def _bucket_of(dpd: ir.IntegerValue) -> ir.StringValue:
    """schema.bucket_of_dpd as an expression; a reminder before the due date (DPD <= 0) is current."""
    cases = [(dpd >= lo, name) for lo, name in zip(schema.BUCKET_LOWER_DPD[:0:-1], schema.BUCKETS[:0:-1], strict=True)]
    return ibis.cases(*cases, else_=schema.BUCKETS[0])


def _with_previous(perf: ir.Table) -> ir.Table:
    """Each performance row with the loan's previous month's DPD and status (inner join)."""
    prev = perf.select(loan_id=perf.loan_id, _m=next_month(perf.as_of_month), prev_dpd=perf.days_past_due,
                       prev_status=perf.status)
    return perf.inner_join(prev, [perf.loan_id == prev.loan_id, perf.as_of_month == prev._m]).drop("_m")


def entry_rates(perf: ir.Table, loans: ir.Table | None = None, dim: str | None = None) -> ir.Table:
    """``as_of_month, segment, base, entered, entry_rate`` (segment ``all`` without ``dim``)."""
    j = _with_previous(perf)
    j = j.filter((j.prev_status == "active") & (j.prev_dpd == 0))
    if dim is None or loans is None:
        j = j.mutate(segment=ibis.literal("all"))
    else:
        j = j.inner_join(segment_table(loans, dim), "loan_id")
    t = j.group_by(["as_of_month", "segment"]).aggregate(base=j.count(), entered=count_if(j.days_past_due > 0))
    return t.mutate(entry_rate=ratio(t.entered, t.base)).order_by(["as_of_month", "segment"])


def first_payment_default(perf: ir.Table, loans: ir.Table, dim: str = "vintage") -> ir.Table:
    """``segment, loans, fpd, fpd_rate, loans_30, fpd30, fpd30_rate`` by vintage, dealer or channel."""
    if dim == "vintage":
        # 'YYYY-MM-01' (a cast of the truncated date would give DuckDB's timestamp text).
        seg = loans.select("loan_id", segment=loans.origination_date.truncate("M").strftime("%Y-%m-%d"))
    else:
        seg = segment_table(loans, dim)
    first = perf.filter(perf.months_on_book.isin([1, 2])).inner_join(seg, "loan_id")
    t = first.group_by("segment").aggregate(
        loans=count_if(first.months_on_book == 1),
        fpd=count_if((first.months_on_book == 1) & (first.days_past_due > 0)),
        loans_30=count_if(first.months_on_book == 2),
        fpd30=count_if((first.months_on_book == 2) & (first.days_past_due >= 30)))
    return t.mutate(fpd_rate=ratio(t.fpd, t.loans), fpd30_rate=ratio(t.fpd30, t.loans_30)).order_by("segment")


def with_wilson(frame: pd.DataFrame, events: str, n: str, prefix: str) -> pd.DataFrame:
    """Add ``{prefix}_lo, {prefix}_hi``: the 95% Wilson interval of ``events / n``."""
    out = frame.copy()
    out[f"{prefix}_lo"], out[f"{prefix}_hi"] = wilson_interval(out[events], out[n])
    return out


def _due_date(month: ir.DateValue, origination: ir.DateValue) -> ir.DateValue:
    day = ibis.least(origination.day(), 28)
    return ibis.date(month.year(), month.month(), day)


def _current_at_start(perf: ir.Table) -> ir.Table:
    j = _with_previous(perf)
    return j.filter((j.prev_status == "active") & (j.prev_dpd == 0))


def cure_days(perf: ir.Table, loans: ir.Table, payments: ir.Table | None = None) -> ir.Table:
    """``cohort_month, loan_id, cured_day`` (null: not cured by day 60), ``method``.

    ``method`` is ``payments`` (day-level) or ``month_end`` (the approximation) as defined above.
    """
    cur = _current_at_start(perf).inner_join(loans.select("loan_id", "origination_date"), "loan_id")
    if payments is None:
        entered = cur.filter(cur.days_past_due > 0).select(
            loan_id="loan_id", cohort_month="as_of_month", e0="days_past_due")
        later = perf.select(loan_id=perf.loan_id, m2=perf.as_of_month, dpd2=perf.days_past_due, st2=perf.status)
        # Each later month end as the 1st, 2nd and 3rd after a cohort month, joined on the loan and
        # that month (a hash join on both, not every month of a loan against every other).
        later = ibis.union(*(later.mutate(_c=(later.m2 - ibis.interval(months=k)).cast("date")) for k in (1, 2, 3)))
        j = entered.inner_join(later, [entered.loan_id == later.loan_id, entered.cohort_month == later._c]).drop("_c")
        end_m = (j.cohort_month + ibis.interval(months=1)).cast("date")
        end_2 = (j.m2 + ibis.interval(months=1)).cast("date")
        day = j.e0 + end_2.delta(end_m, unit="day")
        cured = j.filter(((j.dpd2 == 0) | (j.st2 == "paid_off")) & (day <= MAX_DAY))
        first = cured.group_by(["cohort_month", "loan_id"]).aggregate(cured_day=(
            cured.e0 + (cured.m2 + ibis.interval(months=1)).cast("date")
            .delta((cured.cohort_month + ibis.interval(months=1)).cast("date"), unit="day")).min())
        out = entered.left_join(first, ["cohort_month", "loan_id"]).select(
            entered.cohort_month, entered.loan_id, "cured_day")
        return out.mutate(method=ibis.literal("month_end"))
    cur = cur.filter(cur.scheduled_payment > 0).mutate(due=_due_date(cur.as_of_month, cur.origination_date))
    pay = payments.select(loan_id=payments.loan_id, paid_at=payments.paid_at, amount=payments.amount,
                          pay_date=payments.paid_at.date(), pay_month=payments.paid_at.truncate("M").cast("date"))
    # Payments are joined on the loan and their month (a hash join on both, not every payment of a
    # loan against every month of it): the due date is in the cohort month, and day 60 after it (a
    # due date is the 28th at the latest) in the month after next at the latest.
    on_time = cur.inner_join(pay, [cur.loan_id == pay.loan_id, pay.pay_month == cur.as_of_month,
                                   pay.pay_date >= cur.as_of_month, pay.pay_date <= cur.due]).select(
        cur.loan_id, cur.as_of_month).distinct()
    cohort = cur.anti_join(on_time, ["loan_id", "as_of_month"]).select(
        loan_id="loan_id", cohort_month="as_of_month", due="due", sched="scheduled_payment")
    pay3 = ibis.union(*(pay.mutate(_c=(pay.pay_month - ibis.interval(months=k)).cast("date")) for k in (0, 1, 2)))
    after = cohort.inner_join(pay3, [cohort.loan_id == pay3.loan_id, cohort.cohort_month == pay3._c,
                                     pay3.pay_date > cohort.due,
                                     pay3.pay_date <= (cohort.due + ibis.interval(days=MAX_DAY)).cast("date")]).drop("_c")
    w = ibis.cumulative_window(group_by=[after.loan_id, after.cohort_month], order_by=after.paid_at)
    passed = ((after.pay_date.year() * 12 + after.pay_date.month()) - (after.due.year() * 12 + after.due.month())
              - ibis.ifelse(after.pay_date.day() < after.due.day(), 1, 0))
    after = after.mutate(paid_so_far=after.amount.sum().over(w), passed=passed,
                         day=after.pay_date.delta(after.due, unit="day"))
    cured = after.filter(after.paid_so_far >= TOLERANCE * after.sched * (1 + after.passed))
    first = cured.group_by(["cohort_month", "loan_id"]).aggregate(cured_day=cured.day.min())
    out = cohort.left_join(first, ["cohort_month", "loan_id"]).select(cohort.cohort_month, cohort.loan_id, "cured_day")
    return out.mutate(method=ibis.literal("payments"))


def cure_day_counts(perf: ir.Table, loans: ir.Table, payments: ir.Table | None = None) -> ir.Table:
    """``cohort_month, cured_day, loans, method``: the small table the curves are built from."""
    d = cure_days(perf, loans, payments)
    return d.group_by(["cohort_month", "cured_day", "method"]).aggregate(loans=d.count())


def cure_curves(counts: pd.DataFrame, last_month: date | None = None) -> pd.DataFrame:
    """``cohort_month, day, cohort, cured, cured_share, method`` for day 1..60 from
    :func:`cure_day_counts` (pandas: 60 rows per cohort). Days the data does not yet cover for a
    cohort (its month + 28 + day after the end of ``last_month``) are left out."""
    cols = ["cohort_month", "day", "cohort", "cured", "cured_share", "method"]
    if counts.empty:
        return pd.DataFrame(columns=cols)
    c = counts.copy()
    c["cohort_month"] = pd.to_datetime(c["cohort_month"])
    end = pd.Timestamp(last_month) + pd.offsets.MonthEnd(0) if last_month is not None else None
    size = c.groupby(["cohort_month", "method"])["loans"].sum()
    days = np.arange(1, MAX_DAY + 1)
    grid = pd.MultiIndex.from_tuples([(m, meth, int(d)) for m, meth in size.index for d in days],
                                     names=["cohort_month", "method", "day"])
    cured = c.dropna(subset=["cured_day"])
    per_day = cured.groupby([cured["cohort_month"], cured["method"], cured["cured_day"].astype(int).rename("day")])[
        "loans"].sum().reindex(grid, fill_value=0)
    res = per_day.groupby(level=["cohort_month", "method"]).cumsum().rename("cured").reset_index()
    res["cohort"] = size.reindex(pd.MultiIndex.from_frame(res[["cohort_month", "method"]])).to_numpy()
    if end is not None:
        # The latest due date of a cohort is the 28th of its month.
        covered = (end - (res["cohort_month"] + pd.Timedelta(days=27))).dt.days
        res = res[res["day"] <= covered].reset_index(drop=True)
    res["cohort_month"] = res["cohort_month"].dt.date
    res["cured_share"] = res["cured"] / res["cohort"].where(res["cohort"] > 0)
    return res[cols]


def _reached(actions: ir.Table) -> ir.BooleanValue:
    return actions.outcome.isin(list(REACHED))


def _month_of(ts: ir.TimestampValue) -> ir.DateValue:
    return ts.truncate("M").cast("date")


def promise_kept(actions: ir.Table, perf: ir.Table, payments: ir.Table | None = None) -> ir.Table:
    """The promises (``promise_to_pay`` rows) with ``kept`` (boolean) and ``method``."""
    a = actions.filter(actions.outcome == "promise_to_pay")
    a = a.mutate(_row=ibis.row_number(), _month=_month_of(a.action_time))
    owed = a.promise_amount.fill_null(0.01)
    if payments is None:
        p = perf.select(loan_id=perf.loan_id, _month=perf.as_of_month, _paid=perf.amount_paid)
        j = a.left_join(p, ["loan_id", "_month"])
        j = j.mutate(kept=(j._paid.fill_null(0) >= TOLERANCE * owed.fill_null(0.01)))
        return j.mutate(kept_month=ibis.ifelse(j.kept, j._month, ibis.null("date")),
                        method=ibis.literal("month_end")).drop("_paid", "_row", "_month", "loan_id_right",
                                                               "_month_right")
    due_end = a.promise_date.cast("timestamp") + ibis.interval(days=1)
    a = a.mutate(_until=ibis.coalesce(due_end, a.action_time), _owed=owed)
    j = a.inner_join(payments, [a.loan_id == payments.loan_id, payments.paid_at >= a.action_time,
                                payments.paid_at < a._until])
    # kept_month: the month of the payment that completed the promise (the cubes count a promise
    # as kept by month M when it is kept with the payments up to M; payments are positive).
    w = ibis.cumulative_window(group_by=j._row, order_by=j.paid_at)
    j = j.mutate(_so_far=j.amount.sum().over(w))
    got = j.group_by("_row").aggregate(
        _got=j.amount.sum(), _done=ibis.ifelse(j._so_far >= TOLERANCE * j._owed, j.paid_at, ibis.null("timestamp")).min())
    out = a.left_join(got, "_row")
    out = out.mutate(kept=out._got.fill_null(0) >= TOLERANCE * out._owed)
    return out.mutate(kept_month=ibis.ifelse(out.kept, _month_of(out._done), ibis.null("date")),
                      method=ibis.literal("payments")).drop("_got", "_done", "_row", "_row_right", "_month", "_until",
                                                            "_owed")


def contact_funnel(actions: ir.Table, perf: ir.Table, payments: ir.Table | None = None,
                   start: date | None = None, end: date | None = None, by_month: bool = False,
                   extra_keys: tuple[str, ...] = (), with_kept: bool = True) -> ir.Table:
    """``channel, bucket, attempts, reached, promises, kept, paid, complaints, cost, collected`` and
    ``ptp_kept_rate, complaints_per_10k, cost_per_contact, cost_per_yuan_collected``; contacts of
    the months ``start..end`` (first days of months, inclusive; all when None); ``by_month`` adds
    ``as_of_month`` (the contact's month) to the keys; ``extra_keys``: columns of ``actions`` added
    to the keys (the operations cubes' loan dimensions); ``with_kept`` False: ``kept`` 0 without
    matching promises to payments (the operations cubes count kept promises in a cube of their own)."""
    a = actions
    if start is not None:
        a = a.filter(a.action_time >= ibis.timestamp(pd.Timestamp(start)))
    if end is not None:
        a = a.filter(a.action_time < ibis.timestamp(pd.Timestamp(end) + pd.offsets.MonthBegin(1)))
    a = a.mutate(bucket=_bucket_of(a.dpd_at_action.fill_null(0)), _month=_month_of(a.action_time))
    a = a.mutate(as_of_month=a._month)
    keys = (["as_of_month", "channel", "bucket"] if by_month else ["channel", "bucket"]) + list(extra_keys)
    p = perf.select(loan_id=perf.loan_id, _month=perf.as_of_month, _paid=perf.amount_paid.fill_null(0))
    j = a.left_join(p, ["loan_id", "_month"]).drop("loan_id_right", "_month_right")
    j = j.mutate(_paid=j._paid.fill_null(0), _reached=_reached(j))
    base = j.group_by(keys).aggregate(
        attempts=j.count(), reached=count_if(j._reached), promises=count_if(j.outcome == "promise_to_pay"),
        paid=count_if(j._reached & (j._paid > 0)), complaints=count_if(j.outcome == "complaint"),
        cost=j.cost.fill_null(0).sum())
    lm = j.filter(j._reached).select(*keys, "loan_id", "_month", "_paid").distinct()
    coll = lm.group_by(keys).aggregate(collected=lm._paid.sum())
    right = [f"{c}_right" for c in keys]
    t = base.left_join(coll, keys).drop(*right)
    if with_kept:
        k = promise_kept(a, perf, payments)
        kept = k.group_by(keys).aggregate(kept=count_if(k.kept))
        t = t.left_join(kept, keys).drop(*right)
    else:
        t = t.mutate(kept=ibis.null("int64"))
    t = t.mutate(collected=t.collected.fill_null(0.0), kept=t.kept.fill_null(0))
    return t.mutate(ptp_kept_rate=ratio(t.kept, t.promises), complaints_per_10k=ratio(t.complaints * 10_000, t.attempts),
                    cost_per_contact=ratio(t.cost, t.attempts),
                    cost_per_yuan_collected=ratio(t.cost, t.collected)).order_by(keys)


def collection_effectiveness(perf: ir.Table, actions: ir.Table) -> ir.Table:
    """``as_of_month, loans, collected, collectible, cei, cost, cost_per_yuan_collected`` per month."""
    j = _with_previous(perf)
    d = j.filter((j.prev_status == "active") & (j.prev_dpd > 0))
    sched = d.scheduled_payment.fill_null(0)
    owed = (d.prev_dpd.cast("float64") / 30).ceil() * sched + sched
    m = d.group_by("as_of_month").aggregate(loans=d.count(), collected=d.amount_paid.fill_null(0).sum(),
                                            collectible=owed.sum())
    c = actions.group_by(_m=_month_of(actions.action_time)).aggregate(cost=actions.cost.fill_null(0).sum())
    t = m.left_join(c, m.as_of_month == c._m).drop("_m")
    t = t.mutate(cost=t.cost.fill_null(0.0))
    return t.mutate(cei=ratio(t.collected, t.collectible),
                    cost_per_yuan_collected=ratio(t.cost, t.collected)).order_by("as_of_month")


def compliance_breaches(actions: ir.Table, rules: ContactRules, since: date | None = None) -> ir.Table:
    """One row per contact and rule broken: ``loan_id, action_time, channel, agent_id, agency, rule``.

    Rules: ``hours``, ``frequency``, ``third_party`` (a contact can break several). ``since``: only
    contacts from that day on (the page's list of a month), reading the 7 days before it too: a
    frequency cap counts back at most 7 days, so the result equals the whole list's rows from
    ``since`` on while reading a month of contacts instead of all of them."""
    cols = ["loan_id", "action_time", "channel", "agent_id", "agency", "outcome"]
    if since is not None:
        lo = pd.Timestamp(since)
        early = actions.filter(actions.action_time >= ibis.timestamp(lo - pd.Timedelta(days=7)))
        out = compliance_breaches(early, rules)
        return out.filter(out.action_time >= ibis.timestamp(lo))
    a = actions
    start, stop = rules.contact_hours
    secs = a.action_time.hour() * 3600 + a.action_time.minute() * 60 + a.action_time.second()
    parts = [a.filter((secs < start * 3600) | (secs > stop * 3600)).select(*cols, rule=ibis.literal("hours"))]
    calls = a.filter(a.channel.isin(sorted(CALL_CHANNELS)))
    w = ibis.window(group_by=calls.loan_id, order_by=[calls.action_time])
    if rules.max_calls_per_day:
        cap = rules.max_calls_per_day
        back = calls.action_time.lag(cap).over(w)
        parts.append(calls.mutate(_back=back).filter(lambda t: t._back.date() == t.action_time.date())
                     .select(*cols, rule=ibis.literal("frequency")))
    if rules.max_calls_per_7_days:
        cap = rules.max_calls_per_7_days
        back = calls.action_time.lag(cap).over(w)
        parts.append(calls.mutate(_back=back).filter(lambda t: t._back > t.action_time - ibis.interval(days=7))
                     .select(*cols, rule=ibis.literal("frequency")))
    if not rules.third_party_allowed:
        parts.append(a.filter(a.contact_party == "third_party").select(*cols, rule=ibis.literal("third_party")))
    return ibis.union(*parts)


def compliance_trend(actions: ir.Table, rules: ContactRules) -> ir.Table:
    """``as_of_month, rule, breaches, contacts, per_10k`` per month and rule broken."""
    b = compliance_breaches(actions, rules)
    per = b.group_by(as_of_month=_month_of(b.action_time), rule=b.rule).aggregate(breaches=b.count())
    tot = actions.group_by(_m=_month_of(actions.action_time)).aggregate(contacts=actions.count())
    t = per.inner_join(tot, per.as_of_month == tot._m).drop("_m")
    return t.mutate(per_10k=ratio(t.breaches * 10_000, t.contacts)).order_by(["as_of_month", "rule"])


def agent_cases(actions: ir.Table, perf: ir.Table) -> ir.Table:
    """``agent_id, agency, loan_id, month, bucket, success``: one row per agent loan-month."""
    a = actions.filter(actions.agent_id.notnull())
    a = a.mutate(month=_month_of(a.action_time), agency=a.agency.fill_null("in_house"))
    c = a.group_by(["agent_id", "agency", "loan_id", "month"]).aggregate(dpd=a.dpd_at_action.fill_null(0).min())
    p = perf.select(loan_id=perf.loan_id, month=perf.as_of_month, _paid=perf.amount_paid.fill_null(0))
    j = c.left_join(p, ["loan_id", "month"]).drop("loan_id_right", "month_right")
    return j.select("agent_id", "agency", "loan_id", "month", bucket=_bucket_of(j.dpd),
                    success=(j._paid.fill_null(0) > 0))


def agent_performance(actions: ir.Table, perf: ir.Table, level: str = "agent",
                      start: date | None = None, end: date | None = None, scores: ir.Table | None = None) -> ir.Table:
    """``name, agency, cases, actual, expected, var`` per agent (``level="agent"``) or agency.

    Expected from the book's success rate by bucket over the same cases; with ``scores``
    (``loan_id, band``: the trained risk model's band of each loan) by bucket x risk band, i.e.
    the model's ranking calibrated on the same cases (loans without a score form their own band,
    ``unscored``), so an agent given the riskier loans of a bucket is expected to collect less.
    See :func:`rank_performance` for the ratio, its interval and the ranking."""
    c = agent_cases(actions, perf)
    if start is not None:
        c = c.filter(c.month >= ibis.date(start))
    if end is not None:
        c = c.filter(c.month <= ibis.date(end))
    cell = ["bucket"]
    if scores is not None:
        s = scores.select(loan_id=scores.loan_id, _band=scores.band.cast("string"))
        c = c.left_join(s, "loan_id").drop("loan_id_right")
        c = c.mutate(_band=c._band.fill_null("unscored"))
        cell = ["bucket", "_band"]
    rates = c.group_by(cell).aggregate(_rate=as_float(c.success).mean())
    j = c.inner_join(rates, cell)
    key = "agent_id" if level == "agent" else "agency"
    g = j.group_by(name=j[key], agency=j.agency).aggregate(
        cases=j.count(), actual=count_if(j.success), expected=j._rate.sum(), var=(j._rate * (1 - j._rate)).sum())
    return g.order_by("name")


def rank_performance(frame: pd.DataFrame, min_cases: int = MIN_CASES) -> pd.DataFrame:
    """Add ``ratio, ratio_lo, ratio_hi, small, rank`` to :func:`agent_performance`'s frame:
    rank 1 = best ratio among those with at least ``min_cases`` cases; small samples unranked."""
    out = frame.copy()
    exp = out["expected"].where(out["expected"] > 0)
    out["ratio"] = out["actual"] / exp
    half = 1.96 * out["var"].clip(lower=0) ** 0.5 / exp
    out["ratio_lo"], out["ratio_hi"] = (out["ratio"] - half).clip(lower=0), out["ratio"] + half
    out["small"] = out["cases"] < min_cases
    ranked = out.loc[~out["small"], "ratio"].rank(ascending=False, method="min")
    out["rank"] = ranked.reindex(out.index)
    return out.sort_values(["small", "ratio"], ascending=[True, False]).reset_index(drop=True)


def breach_rates(breaches: pd.DataFrame, contacts: int) -> dict[str, float]:
    """Breaches per 10,000 contacts by rule (a small helper for sentences and slides)."""
    if contacts <= 0:
        return {}
    return {rule: n * 10_000 / contacts for rule, n in breaches.groupby("rule").size().items()}


def has_column(table: ir.Table | None, column: str) -> bool:
    return table is not None and column in table.columns
