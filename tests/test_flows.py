"""Transitions, roll rates, cure rates, the Markov forecast and the absorbing chain, against hand
computations (tiny table below) and against independent numpy / SQL computations."""

from __future__ import annotations

from datetime import date

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from analytics.metrics import transitions
from analytics.metrics.transitions import STATE_INDEX, STATES
from analytics.schema import bucket_of_dpd

J, F, M, A = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
# loan, month, dpd, status, closing balance
ROWS = [
    ("A", J, 0, "active", 1000), ("A", F, 0, "active", 900), ("A", M, 0, "paid_off", 0),
    ("B", J, 35, "active", 2000), ("B", F, 0, "active", 1900), ("B", M, 31, "active", 1900),  # cures, rolls again
    ("C", J, 65, "active", 3000), ("C", F, 95, "charged_off", 0),
    ("D", J, 95, "active", 4000), ("D", F, 125, "active", 4000), ("D", M, 155, "repossessed", 0),
    ("E", F, 40, "active", 500), ("E", M, 0, "paid_off", 0),  # history starts mid-way
    ("G", J, 10, "active", 800), ("G", F, 40, "active", 800), ("G", M, 70, "active", 800), ("G", A, 5, "active", 700),
    ("H", J, 0, "active", 600), ("H", M, 0, "active", 500),  # no February row: left the data for a month
    ("K", J, 45, "active", 300), ("K", F, 0, "paid_off", 0),  # pays off straight from 30-59
]


def tiny_perf() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=["loan_id", "as_of_month", "days_past_due", "status", "closing_balance"])
    df["bucket"] = bucket_of_dpd(df["days_past_due"].to_numpy())
    df["closing_balance"] = df["closing_balance"].astype(float)
    df["charge_off_amount"] = 0.0
    df["recovery_amount"] = 0.0
    return df


@pytest.fixture
def perf():
    return ibis.duckdb.connect().create_table("performance", tiny_perf())


def test_transitions_by_hand(perf):
    tm = transitions.transition_matrix(perf).to_pandas()
    tm["as_of_month"] = pd.to_datetime(tm["as_of_month"]).dt.date
    got = {(r.as_of_month, r.from_state, r.to_state): (r.loans, r.balance, r.share) for r in tm.itertuples()}
    # Arriving in February: A stays current, B cures, C charges off, D rolls to 120+, G rolls, K pays off.
    # H has no February row: its January transition is unknown and left out.
    # Arriving in March: A pays off, B skips to 30-59, D is repossessed, E pays off, G rolls.
    # Arriving in April: G partially cures 60-89 -> 1-29; B and H have no April row.
    expected = {
        (F, "current", "current"): (1, 1000, 1.0),
        (F, "dpd_30_59", "current"): (1, 2000, 0.5),
        (F, "dpd_30_59", "paid_off"): (1, 300, 0.5),
        (F, "dpd_60_89", "charged_off"): (1, 3000, 1.0),
        (F, "dpd_90_119", "dpd_120_plus"): (1, 4000, 1.0),
        (F, "dpd_1_29", "dpd_30_59"): (1, 800, 1.0),
        (M, "current", "paid_off"): (1, 900, 0.5),
        (M, "current", "dpd_30_59"): (1, 1900, 0.5),
        (M, "dpd_120_plus", "repossessed"): (1, 4000, 1.0),
        (M, "dpd_30_59", "paid_off"): (1, 500, 0.5),
        (M, "dpd_30_59", "dpd_60_89"): (1, 800, 0.5),
        (A, "dpd_60_89", "dpd_1_29"): (1, 800, 1.0),
    }
    assert set(got) == set(expected)
    for key, (n, bal, share) in expected.items():
        assert got[key] == (n, pytest.approx(bal), pytest.approx(share)), key
    assert list(tm.columns) == ["as_of_month", "from_state", "to_state", "loans", "balance", "share"]


def test_matrix_array_pooled_by_count_and_balance(perf):
    tm = transitions.transition_matrix(perf).to_pandas()
    P = transitions.matrix_array(tm, "loans")
    i = STATE_INDEX
    assert P[i["current"], i["current"]] == pytest.approx(1 / 3)
    assert P[i["current"], i["paid_off"]] == pytest.approx(1 / 3)
    assert P[i["current"], i["dpd_30_59"]] == pytest.approx(1 / 3)
    assert P[i["dpd_30_59"], i["paid_off"]] == pytest.approx(2 / 4)
    assert P[i["dpd_60_89"], i["charged_off"]] == pytest.approx(1 / 2)
    B = transitions.matrix_array(tm, "balance")
    assert B[i["current"], i["dpd_30_59"]] == pytest.approx(1900 / 3800)
    assert B[i["dpd_30_59"], i["current"]] == pytest.approx(2000 / 3600)
    assert B[i["dpd_60_89"], i["dpd_1_29"]] == pytest.approx(800 / 3800)
    for mat in (P, B):
        np.testing.assert_allclose(mat.sum(axis=1), 1.0)
        for s in transitions.ABSORBING:
            assert mat[i[s], i[s]] == 1.0
    # No transition observed from a state: it stays put (and is reported as unobserved).
    only_feb = tm[pd.to_datetime(tm["as_of_month"]) == pd.Timestamp(F)]
    P2 = transitions.matrix_array(only_feb)
    assert P2[i["dpd_120_plus"], i["dpd_120_plus"]] == 1.0
    assert "dpd_120_plus" not in transitions.observed_states(only_feb)


def test_roll_rates_by_hand(perf):
    rr = transitions.roll_rates(transitions.transition_matrix(perf)).to_pandas()
    rr["as_of_month"] = pd.to_datetime(rr["as_of_month"]).dt.date
    r = rr.set_index(["as_of_month", "from_state"])
    assert r.loc[(F, "dpd_1_29"), "rate_balance"] == 1.0
    assert r.loc[(F, "dpd_30_59"), "rate_balance"] == 0.0  # B cured, K paid off
    assert r.loc[(F, "dpd_60_89"), "rate_balance"] == 0.0  # C skipped to a charge-off
    assert r.loc[(F, "dpd_90_119"), "to_state"] == "dpd_120_plus"
    assert r.loc[(F, "dpd_90_119"), "rate_balance"] == 1.0
    assert r.loc[(M, "dpd_30_59"), "rate_balance"] == pytest.approx(800 / 1300)
    assert r.loc[(M, "dpd_30_59"), "rate_count"] == pytest.approx(1 / 2)
    assert r.loc[(M, "dpd_120_plus"), "to_state"] == "loss"
    assert r.loc[(M, "dpd_120_plus"), "rate_count"] == 1.0
    assert r.loc[(M, "current"), "rate_count"] == 0.0  # B jumped past 1-29


def test_cure_rates_by_hand(perf):
    cr = transitions.cure_rates(perf, horizons=(1, 3)).to_pandas()
    cr["as_of_month"] = pd.to_datetime(cr["as_of_month"]).dt.date
    got = {(r.as_of_month, r.bucket, r.horizon): (r.base, r.cured) for r in cr.itertuples()}
    assert got == {
        # t = Jan, h = 1: B current in Feb, K paid off in Feb; C, D, G not cured.
        (J, "dpd_30_59", 1): (2, 2), (J, "dpd_60_89", 1): (1, 0), (J, "dpd_90_119", 1): (1, 0),
        (J, "dpd_1_29", 1): (1, 0),
        # t = Feb: E paid off in March; G rolled; D repossessed.
        (F, "dpd_30_59", 1): (2, 1), (F, "dpd_120_plus", 1): (1, 0),
        # t = Mar: B has no April row (not cured), G at 5 DPD in April.
        (M, "dpd_30_59", 1): (1, 0), (M, "dpd_60_89", 1): (1, 0),
        # h = 3 from January (April): K paid off in February counts as cured; B has no April row.
        (J, "dpd_30_59", 3): (2, 1), (J, "dpd_60_89", 3): (1, 0), (J, "dpd_90_119", 3): (1, 0),
        (J, "dpd_1_29", 3): (1, 0),
    }
    # April + 1 and February + 3 are past the data: not counted.
    assert not (cr["as_of_month"] == A).any()


def test_actual_path_carries_closed_loans_forward(perf):
    act = transitions.actual_path(perf, J, 3).to_pandas()
    act["as_of_month"] = pd.to_datetime(act["as_of_month"]).dt.date
    by_month = {m: dict(zip(g["state"], g["loans"], strict=True)) for m, g in act.groupby("as_of_month")}
    assert by_month[F] == {"current": 2, "charged_off": 1, "dpd_120_plus": 1, "dpd_30_59": 1, "paid_off": 1}
    assert by_month[M] == {"paid_off": 2, "dpd_30_59": 1, "charged_off": 1, "repossessed": 1, "dpd_60_89": 1,
                           "current": 1}
    assert by_month[A] == {"paid_off": 2, "charged_off": 1, "repossessed": 1, "dpd_1_29": 1}
    mix = transitions.state_mix(perf, J).to_pandas().set_index("state")
    assert mix["loans"].to_dict() == {"current": 2, "dpd_1_29": 1, "dpd_30_59": 2, "dpd_60_89": 1, "dpd_90_119": 1}
    assert mix.loc["current", "balance"] == 1600


def test_markov_forecast_is_x_times_p_to_the_h(small_db):
    """With the matrix estimated from the sample, the forecast equals x0 P^h from numpy."""
    con = ibis.duckdb.connect(str(small_db))
    perf = con.table("performance")
    end = date(2026, 10, 1)
    P = transitions.estimate_matrix(perf, months=12, end_month=end)
    x0 = transitions.mix_vector(transitions.state_mix(perf, end).to_pandas())
    path = transitions.markov_forecast(x0, P, 12)
    for h in (1, 3, 12):
        np.testing.assert_allclose(path[h - 1], x0 @ np.linalg.matrix_power(P, h), rtol=1e-12)
    fc = transitions.forecast_frame(x0, P, 12, end)
    twelve = fc[(fc["horizon"] == 12) & fc["state"].isin(STATES)].set_index("state")["loans"].reindex(list(STATES))
    np.testing.assert_allclose(twelve.to_numpy(), x0 @ np.linalg.matrix_power(P, 12), rtol=1e-12)
    # Monthly new losses add up to the loss mass at 12 months (none at the start: x0 is active loans).
    loss = [STATE_INDEX[s] for s in transitions.LOSS_STATES]
    assert fc[fc["state"] == "new_loss"]["loans"].sum() == pytest.approx(path[-1][loss].sum())
    assert path.sum(axis=1) == pytest.approx(np.full(12, x0.sum()))

    # The estimated P equals transition counts from a hand-written SQL over the same 12 months.
    raw = duckdb.connect(str(small_db))
    counts = raw.execute("""
        WITH prev AS (SELECT loan_id, as_of_month + INTERVAL 1 MONTH AS m, bucket FROM performance
                      WHERE status = 'active')
        SELECT p.bucket, CASE WHEN c.status = 'active' THEN c.bucket ELSE c.status END, count(*)
        FROM prev p JOIN performance c ON c.loan_id = p.loan_id AND c.as_of_month = p.m
        WHERE p.m > DATE '2025-10-01' AND p.m <= DATE '2026-10-01' GROUP BY 1, 2""").fetchall()
    raw.close()
    C = np.zeros((9, 9))
    for f, t, n in counts:
        C[STATE_INDEX[f], STATE_INDEX[t]] = n
    rows = C[:6].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P[:6][rows[:, 0] > 0], (C[:6] / np.where(rows > 0, rows, 1))[rows[:, 0] > 0],
                               rtol=1e-12)


def test_absorbing_chain_against_series_sums():
    """N = (I - Q)^-1 results against sums over the first 3,000 steps of the chain."""
    P = np.zeros((9, 9))
    rows = {
        "current": {"current": 0.93, "dpd_1_29": 0.04, "paid_off": 0.03},
        "dpd_1_29": {"current": 0.5, "dpd_1_29": 0.3, "dpd_30_59": 0.2},
        "dpd_30_59": {"current": 0.2, "dpd_1_29": 0.2, "dpd_30_59": 0.2, "dpd_60_89": 0.4},
        "dpd_60_89": {"current": 0.05, "dpd_60_89": 0.25, "dpd_90_119": 0.7},
        "dpd_90_119": {"dpd_90_119": 0.1, "dpd_120_plus": 0.3, "charged_off": 0.4, "repossessed": 0.2},
        "dpd_120_plus": {"charged_off": 0.6, "repossessed": 0.4},
    }
    for f, row in rows.items():
        for t, p in row.items():
            P[STATE_INDEX[f], STATE_INDEX[t]] = p
    for s in transitions.ABSORBING:
        P[STATE_INDEX[s], STATE_INDEX[s]] = 1.0
    summary = transitions.absorption_summary(P)
    Q, R = P[:6, :6], P[:6, 6:]
    loss = R[:, 1] + R[:, 2]
    months = np.zeros(6)
    p_loss = np.zeros(6)
    time_loss = np.zeros(6)
    Qk = np.eye(6)
    for k in range(1, 3001):
        # absorbed exactly at step k: Q^(k-1) R
        step_abs = Qk @ R.sum(axis=1)
        months += k * step_abs
        p_loss += Qk @ loss
        time_loss += k * (Qk @ loss)
        Qk = Qk @ Q
    np.testing.assert_allclose(summary["months_to_absorption"], months, rtol=1e-8)
    np.testing.assert_allclose(transitions.expected_months_to_absorption(P), months, rtol=1e-8)
    np.testing.assert_allclose(summary["p_loss"], p_loss, rtol=1e-8)
    np.testing.assert_allclose(summary["months_to_loss_given_loss"], time_loss / p_loss, rtol=1e-8)
    assert summary.loc[5, "months_to_absorption"] == pytest.approx(1.0)

    # A state that never leaves cannot be absorbed: infinite months, no division error.
    P2 = P.copy()
    P2[STATE_INDEX["dpd_120_plus"]] = 0
    P2[STATE_INDEX["dpd_120_plus"], STATE_INDEX["dpd_120_plus"]] = 1.0
    s2 = transitions.absorption_summary(P2)
    assert np.isinf(s2.loc[5, "months_to_absorption"])
    assert np.isfinite(s2.loc[0, "months_to_absorption"])


def test_backtest_on_a_known_chain_is_accurate():
    """Loans simulated from a known P: a forecast from month 12 matches what they then did."""
    rng = np.random.default_rng(3)
    P = np.zeros((9, 9))
    P[0, [0, 1, 6]] = [0.95, 0.03, 0.02]
    P[1, [0, 1, 2]] = [0.55, 0.3, 0.15]
    P[2, [0, 2, 3]] = [0.25, 0.35, 0.4]
    P[3, [0, 3, 4]] = [0.1, 0.3, 0.6]
    P[4, [4, 5, 7]] = [0.2, 0.4, 0.4]
    P[5, [7, 8]] = [0.5, 0.5]
    for k in range(6, 9):
        P[k, k] = 1
    n, months = 6000, 25
    state = np.zeros(n, dtype=int)
    alive = np.ones(n, dtype=bool)
    rows = []
    dpd_of = [0, 10, 40, 70, 100, 130]
    for t in range(months):
        m = (pd.Timestamp("2023-01-01") + pd.DateOffset(months=t)).date()
        if t:
            cum = P[state].cumsum(axis=1)
            state = np.where(alive, (rng.random(n)[:, None] > cum).sum(axis=1), state)
        for i in np.nonzero(alive)[0]:
            s = state[i]
            rows.append((f"L{i}", m, dpd_of[s] if s < 6 else 0, "active" if s < 6 else STATES[s], 100.0))
        alive &= state < 6  # a closed loan has no further rows
    df = pd.DataFrame(rows, columns=["loan_id", "as_of_month", "days_past_due", "status", "closing_balance"])
    df["bucket"] = bucket_of_dpd(df["days_past_due"].to_numpy())
    perf = ibis.duckdb.connect().create_table("p", df)
    P_hat = transitions.estimate_matrix(perf, months=12, end_month=date(2023, 12, 1))
    n_from = transitions.transition_matrix(transitions.window(perf, date(2023, 12, 1), 12)).to_pandas().groupby(
        "from_state")["loans"].sum()
    for f in transitions.TRANSIENT:
        i = STATE_INDEX[f]
        se = np.sqrt(P[i] * (1 - P[i]) / n_from[f])
        assert (np.abs(P_hat[i] - P[i]) <= 4 * se + 1e-12).all(), (f, P_hat[i], P[i])
    bt = transitions.backtest(perf, date(2023, 12, 1), h=12, months=12)
    summary = transitions.backtest_summary(bt)
    assert len(summary) == 12
    assert summary["mae"].max() < 0.01
    assert summary["loss_error"].abs().max() < 0.01
