"""The target: does a loan at most 29 DPD today reach 60+ DPD or charge-off within h months?

For a snapshot in month ``m`` the target is 1 when any of the loan's month ends ``m+1 .. m+h``
shows days past due of 60 or more, or a charged-off or repossessed status; 0 otherwise
(including loans paid off in the window). Only months ``m`` with ``m + h`` no later than the
last month of data are labelled: later snapshots have not had their h months yet.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from analytics.metrics.expr import month_index

BAD_DPD = 60
BAD_STATUSES = ("charged_off", "repossessed")
MIN_HORIZON, MAX_HORIZON = 1, 12


def bad_events(perf: ir.Table) -> ir.Table:
    """Month ends at which a loan is 60+ DPD or closed by charge-off / repossession (few rows)."""
    e = perf.filter((perf.days_past_due >= BAD_DPD) | perf.status.isin(list(BAD_STATUSES)))
    return e.select(e_loan=e.loan_id, emi=month_index(e.as_of_month))


def with_target(snaps: ir.Table, perf: ir.Table, horizon: int) -> ir.Table:
    """``snaps`` with ``target`` (0/1) added. Joins against the rare bad events only, so it is
    cheap even over tens of millions of snapshots."""
    ev = bad_events(perf)
    keys = snaps.select(k_loan=snaps.loan_id, k_mi=snaps.snap_mi)
    hit = keys.semi_join(ev, [keys.k_loan == ev.e_loan, ev.emi > keys.k_mi, ev.emi <= keys.k_mi + horizon])
    hit = hit.mutate(hit=ibis.literal(1))
    j = snaps.left_join(hit, [snaps.loan_id == hit.k_loan, snaps.snap_mi == hit.k_mi])
    return j.mutate(target=j.hit.fill_null(0).cast("int8")).drop("k_loan", "k_mi", "hit")
