"""Recoveries that arrive after the closure (issue 12): a closure is counted once, in its closing
row; a recovery is counted in the month it arrives. A hand-made book, every figure worked out by
hand in the comments, through the measures that count closures or net losses (portfolio KPIs from
rows and from the cubes, vintage net loss, transitions, the forecast's actual path, the policy
backtest's realised side, the simulator's loss history)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd
import pytest

from analytics import schema, store
from analytics.metrics import cohorts, cubed, portfolio, transitions
from analytics.strategy import backtest, baseline

JAN, FEB, MAR, APR, MAY, JUN = (date(2026, m, 1) for m in range(1, 7))
MONTHS = (JAN, FEB, MAR, APR, MAY, JUN)


def _rows() -> list[tuple]:
    """Loan A: active 2026-01/02 (90-119 DPD), charged off in 03 for 10,000, a post-closure row in 04
    with nothing, 4,000 recovered in 05 (m + 2). Loan B: repossessed in 04 for 8,000, 3,000 from the
    car's sale in 05 (m + 1). Loans C, D: current all six months at 20,000 and 30,000."""
    r = []
    for k, m in enumerate(MONTHS):
        # loan, month, dpd, status, opening, closing, charge-off, recovery
        if k < 2:
            r.append(("A", m, 95 + 30 * k, "active", 10_000.0, 10_000.0, 0.0, 0.0))
        elif m == MAR:
            r.append(("A", m, 150, "charged_off", 10_000.0, 0.0, 10_000.0, 0.0))
        elif m == APR:
            r.append(("A", m, 150, "charged_off", 0.0, 0.0, 0.0, 0.0))
        elif m == MAY:
            r.append(("A", m, 150, "charged_off", 0.0, 0.0, 0.0, 4_000.0))
        if k < 3:
            r.append(("B", m, 60 + 31 * k, "active", 8_000.0, 8_000.0, 0.0, 0.0))
        elif m == APR:
            r.append(("B", m, 121, "repossessed", 8_000.0, 0.0, 8_000.0, 0.0))
        elif m == MAY:
            r.append(("B", m, 121, "repossessed", 0.0, 0.0, 0.0, 3_000.0))
        r.append(("C", m, 0, "active", 20_000.0, 20_000.0, 0.0, 0.0))
        r.append(("D", m, 0, "active", 30_000.0, 30_000.0, 0.0, 0.0))
    return r


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    p = pd.DataFrame(_rows(), columns=["loan_id", "as_of_month", "days_past_due", "status", "opening_balance",
                                       "closing_balance", "charge_off_amount", "recovery_amount"])
    p["months_on_book"] = [(m.year - 2025) * 12 + m.month - 1 for m in p["as_of_month"]]  # funded 2025-01
    p["bucket"] = schema.bucket_of_dpd(p["days_past_due"].to_numpy(), "us")
    for c in ("scheduled_payment", "amount_paid"):
        p[c] = 0.0
    for c in schema.columns("performance"):
        if c not in p.columns:
            p[c] = None
    loans = pd.DataFrame({"loan_id": list("ABCD"), "pool": "hand", "origination_date": date(2025, 1, 10),
                          "original_amount": [12_000.0, 10_000.0, 25_000.0, 36_000.0], "term_months": 60,
                          "apr": 0.08, "monthly_payment": 300.0, "vehicle_condition": "used", "credit_score": 700.0,
                          "credit_tier": "prime", "region": "TX"})
    for c in schema.columns("loans"):
        if c not in loans.columns:
            loans[c] = None
    path = tmp_path_factory.mktemp("lag") / "lag.duckdb"
    con = store.open_duckdb(path)
    store.write_tables(con, [store.Batch("loans", loans[schema.columns("loans")]),
                             store.Batch("performance", p[schema.columns("performance")])],
                       {"source": "hand book (test)", "market": "us", "currency": "USD"})
    con.close()
    t = store.Tables.of(store.reader(duckdb.connect(str(path), read_only=True)))
    assert t.cubes is not None
    return t


def _by_month(df: pd.DataFrame, col: str) -> dict[str, float]:
    return {pd.Timestamp(m).strftime("%Y-%m"): float(v) for m, v in zip(df["as_of_month"], df[col], strict=True)}


def test_net_loss_books_the_charge_off_at_closure_and_the_recovery_on_arrival(book):
    # Net charge-off of the month = charge-offs − recoveries that arrive that month:
    # Mar 10,000 (A) · Apr 8,000 (B) · May −4,000 (A, m + 2) − 3,000 (B, m + 1) = −7,000 · Jun 0.
    # Annualised over the previous month's active balance: Mar 10,000 x 12 / 68,000 (A 10,000 +
    # B 8,000 + C 20,000 + D 30,000 in Feb); Apr 8,000 x 12 / 58,000; May -7,000 x 12 / 50,000.
    rows = portfolio.monthly_kpis_wide(book.performance).to_pandas()
    cube = cubed.kpis(book.cubes).to_pandas().pivot(index="as_of_month", columns="metric", values="value")
    for kpis in (rows.set_index("as_of_month"), cube):
        rate = {pd.Timestamp(m).strftime("%Y-%m"): v for m, v in kpis["net_chargeoff_rate_annualized"].items()}
        assert rate["2026-03"] == pytest.approx(10_000 * 12 / 68_000)
        assert rate["2026-04"] == pytest.approx(8_000 * 12 / 58_000)
        assert rate["2026-05"] == pytest.approx(-7_000 * 12 / 50_000)
        assert rate["2026-06"] == pytest.approx(0.0)
        # Active loans: 4, 4, 3 (A closed), 2 (B closed), 2, 2: post-closure rows are not active loans.
        active = {pd.Timestamp(m).strftime("%Y-%m"): v for m, v in kpis["active_loans"].items()}
        assert list(active.values()) == [4, 4, 3, 2, 2, 2]


def test_vintage_net_loss_accumulates_recoveries_when_they_arrive(book):
    # One vintage (2025-01, original 83,000). Net loss by months on book: MOB 14 (Mar) 10,000;
    # MOB 15 (Apr) 18,000; MOB 16 (May) 18,000 − 7,000 = 11,000; MOB 17 (Jun) 11,000.
    for v in (cohorts.vintage_counts(book.performance, book.loans).to_pandas(),
              cubed.vintage_counts(book.cubes).to_pandas()):
        cnl = v[v["metric"] == "cnl"].set_index("months_on_book")
        got = {int(k): float(x) for k, x in cnl["events"].items() if k >= 13}
        assert got == {13: 0.0, 14: 10_000.0, 15: 18_000.0, 16: 11_000.0, 17: 11_000.0}
        assert float(cnl["denominator"].iloc[0]) == 83_000.0


def test_a_closure_is_one_transition_and_post_closure_rows_none(book):
    # Into charged_off: A in Mar only; into repossessed: B in Apr only. Nothing starts from the
    # post-closure rows of Apr-May (they are not active), so the rows out of Mar-May count the
    # active loans of the month before only: Mar 4, Apr 3, May 2, Jun 2.
    for tm in (transitions.transition_matrix(book.performance).to_pandas(),
               cubed.transition_matrix(book.cubes).to_pandas()):
        lost = tm[tm["to_state"].isin(["charged_off", "repossessed"])]
        assert sorted((pd.Timestamp(m).strftime("%Y-%m"), s, int(n)) for m, s, n in
                      zip(lost["as_of_month"], lost["to_state"], lost["loans"], strict=True)) == [
            ("2026-03", "charged_off", 1), ("2026-04", "repossessed", 1)]
        per_month = tm.groupby("as_of_month")["loans"].sum()
        assert [int(per_month[pd.Timestamp(m)]) if pd.Timestamp(m) in per_month.index
                else int(per_month.get(m, 0)) for m in (MAR, APR, MAY, JUN)] == [4, 3, 2, 2]


def test_the_actual_path_counts_a_closed_loan_once(book):
    # Loans active in Feb: A, B, C, D. A is charged off from Mar on, B repossessed from Apr on; each
    # counted once a month in its closing state although both have post-closure rows.
    act = transitions.actual_path(book.performance, FEB, 4).to_pandas()
    counts = {(pd.Timestamp(m).strftime("%Y-%m"), s): int(n) for m, s, n in
              zip(act["as_of_month"], act["state"], act["loans"], strict=True)}
    assert counts[("2026-05", "charged_off")] == 1 and counts[("2026-05", "repossessed")] == 1
    assert counts[("2026-06", "charged_off")] == 1 and counts[("2026-06", "repossessed")] == 1
    total = {m: sum(n for (mm, _), n in counts.items() if mm == m) for m in ("2026-03", "2026-04", "2026-05", "2026-06")}
    assert total == {"2026-03": 4, "2026-04": 4, "2026-05": 4, "2026-06": 4}


def test_backtest_realised_losses_per_closure(book):
    # The cohort active in Feb (A, B, C, D) over Mar-Jun. Charge-offs: Mar 1 (A), Apr 1 (B). Net
    # loss per closure, in the closure's month (the simulator's convention, recoveries whenever
    # they arrive): Mar 10,000 − 4,000 = 6,000; Apr 8,000 − 3,000 = 5,000; May and Jun 0.
    real = backtest.realised(book.performance, FEB, 4).set_index("mi")
    start = 2026 * 12 + 1
    assert real.loc[start + 1:start + 4, "charge_offs"].tolist() == [1, 1, 0, 0]
    assert real.loc[start + 1:start + 4, "net_loss"].tolist() == pytest.approx([6_000.0, 5_000.0, 0.0, 0.0])
    assert real.loc[start + 1:start + 4, "active"].tolist() == [3, 2, 2, 2]


def test_loss_history_counts_closures_once_and_recoveries_on_arrival(book):
    # Up to Jun: one charge-off (10,000, 4,000 recovered) and one repossession (8,000, 3,000), each
    # counted once though each has a post-closure row; recovery ÷ charge-off 0.4 and 0.375.
    h = baseline.loss_history(book.performance, JUN).to_pandas().set_index("status")
    assert h.loc["charged_off", ["loans", "charge_off", "recovery"]].tolist() == [1, 10_000.0, 4_000.0]
    assert h.loc["repossessed", ["loans", "charge_off", "recovery"]].tolist() == [1, 8_000.0, 3_000.0]
    # Until May, A's recovery has not arrived (a cash measure: 0 recovered against 10,000).
    h = baseline.loss_history(book.performance, APR).to_pandas().set_index("status")
    assert h.loc["charged_off", "recovery"] == 0.0


def test_rows_and_cubes_agree_on_the_hand_book(book):
    rows = replace(book, cubes=None)
    from analytics import exports
    for name in ("kpis", "transition_matrix", "vintage_curves"):
        a, b = exports.EXPORTS[name](book), exports.EXPORTS[name](rows)
        assert len(a) == len(b) > 0


def test_loss_given_default_waits_for_recoveries(book, monkeypatch):
    """LGD = 1 - recoveries / charge-offs over closures at least ``settle_months`` old (both loans are
    'used'; the floor on defaults is lowered to 1 so the two loans give a data figure)."""
    from analytics.risk import scoring
    monkeypatch.setattr(scoring, "MIN_DEFAULTS", 1)

    def lgd(**kw) -> tuple[int, float]:
        row = scoring.loss_given_default(book, **kw).set_index("segment").loc["used"]
        return int(row["defaults"]), float(row["lgd"])

    # Through June, closures up to April (A in March, B in April): 1 - (4,000 + 3,000) / 18,000.
    assert lgd(settle_months=2) == (2, pytest.approx(1 - 7_000 / 18_000))
    # Closures up to March only: A alone, 1 - 4,000 / 10,000 (B's sale would count, A's does).
    assert lgd(settle_months=3) == (1, pytest.approx(0.6))
    # As of April with no wait, both closures count and neither recovery has arrived: LGD 100%,
    # the upward bias the wait removes (as of May it is 1 - 7,000 / 18,000 again).
    assert lgd(upto=APR, settle_months=0) == (2, pytest.approx(1.0))
    assert lgd(upto=MAY, settle_months=0) == (2, pytest.approx(1 - 7_000 / 18_000))
    # The default wait (6 months) leaves nothing of this six-month book: the stated default.
    out = scoring.loss_given_default(book)
    assert (out["source"] == "assumed").all() and (out["lgd"] == scoring.DEFAULT_LGD).all()
