"""transitions.segment_forecast and segment_backtest on the 15-loan tiny book, against numbers
worked out by hand from its story (tests/tiny_book.py).

June -> July, by loan: 0-9 current -> current; 10 dpd_1_29 (15 DPD) -> dpd_30_59 (45);
11 current -> dpd_1_29 (20); 12 dpd_30_59 (40) -> current; 13 current -> paid_off;
14 dpd_90_119 (100) -> charged_off. June balance of loan i: 15,000 + 500 i; July: 300 less while
active. Even loans are 'new' cars, odd ones 'used'.
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics import store
from analytics.metrics import transitions
from analytics.metrics.transitions import STATE_INDEX as S
from analytics.store import Tables
from tests.tiny_book import JUL, JUN, build_tiny_book


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    con = store.open_duckdb(build_tiny_book(tmp_path_factory.mktemp("tiny") / "tiny.duckdb"))
    t = Tables.of(store.reader(con))
    yield t.performance, t.loans
    con.close()


def _vec(**kw) -> np.ndarray:
    x = np.zeros(len(transitions.STATES))
    for k, v in kw.items():
        x[S[k]] = v
    return x


def test_whole_book_by_count_and_balance(book):
    perf, loans = book
    sf = transitions.segment_forecast(perf, JUL, horizon=2, months=12, loans=loans, by="vehicle_condition")
    assert sf.segments == (None, "new", "used")
    assert sf.basis[None] == 15 and sf.months_observed[None] == 1  # 15 June loans seen in July
    # Current row by count: of the 12 June-current loans (0-9, 11, 13), 10 stay, 1 rolls, 1 pays off.
    P = sf.matrix(None, "loans")
    np.testing.assert_allclose(P[S["current"]], _vec(current=10 / 12, dpd_1_29=1 / 12, paid_off=1 / 12))
    np.testing.assert_allclose(P[S["dpd_1_29"]], _vec(dpd_30_59=1))
    np.testing.assert_allclose(P[S["dpd_30_59"]], _vec(current=1))
    np.testing.assert_allclose(P[S["dpd_90_119"]], _vec(charged_off=1))
    assert P[S["dpd_60_89"], S["dpd_60_89"]] == 1  # never observed: stays
    # July mix: current 0-9 and 12 (11 loans), dpd_1_29 loan 11, dpd_30_59 loan 10.
    np.testing.assert_allclose(sf.start(None, "loans"), _vec(current=11, dpd_1_29=1, dpd_30_59=1))
    one = sf.path(None, "loans").query("horizon == 1").set_index("state")["loans"]
    assert one["current"] == pytest.approx(11 * 10 / 12 + 1)
    assert one["dpd_1_29"] == pytest.approx(11 / 12)
    assert one["dpd_30_59"] == pytest.approx(1)
    assert one["paid_off"] == pytest.approx(11 / 12)
    assert one["new_loss"] == 0
    # By balance: the current row weighs the June balances 15,000 + 500 i.
    cur = [i for i in range(10)] + [11, 13]
    w = {i: 15_000 + 500 * i for i in cur}
    total = sum(w.values())  # 214,500
    Pb = sf.matrix(None, "balance")
    np.testing.assert_allclose(Pb[S["current"]], _vec(current=sum(w[i] for i in range(10)) / total,
                                                      dpd_1_29=w[11] / total, paid_off=w[13] / total))
    x0b = _vec(current=sum(15_000 + 500 * i - 300 for i in [*range(10), 12]), dpd_1_29=20_500 - 300,
               dpd_30_59=20_000 - 300)
    np.testing.assert_allclose(sf.start(None, "balance"), x0b)
    oneb = sf.path(None, "balance").query("horizon == 1").set_index("state")["balance"]
    assert oneb["current"] == pytest.approx(x0b[S["current"]] * 172_500 / 214_500 + 19_700)


def test_per_segment(book):
    perf, loans = book
    sf = transitions.segment_forecast(perf, JUL, horizon=2, months=12, loans=loans, by="vehicle_condition")
    # 'used' (odd loans): all seven current in June; 5 stay, 11 rolls, 13 pays off. Its dpd_1_29
    # row is unobserved, so loan 11 stays 1-29 in the forecast.
    np.testing.assert_allclose(sf.matrix("used")[S["current"]], _vec(current=5 / 7, dpd_1_29=1 / 7, paid_off=1 / 7))
    np.testing.assert_allclose(sf.start("used"), _vec(current=5, dpd_1_29=1))
    one = sf.path("used").query("horizon == 1").set_index("state")["loans"]
    assert (one["current"], one["dpd_1_29"], one["paid_off"]) == pytest.approx((25 / 7, 5 / 7 + 1, 5 / 7))
    # 'new' (even loans): June-current ones all stay current; loan 10 rolls, 12 cures.
    np.testing.assert_allclose(sf.start("new"), _vec(current=6, dpd_30_59=1))
    two = sf.path("new").query("horizon == 2").set_index("state")["loans"]
    assert two["current"] == pytest.approx(7)  # loan 10 cures at h=1 by loan 12's row, then stays
    # The export's shape: whole book as all/all, then each segment, both weights.
    frame = sf.frame("vehicle_condition")
    assert list(frame.columns) == ["dimension", "segment", "base_month", "as_of_month", "horizon", "state",
                                   "loans", "balance", "loans_share", "balance_share"]
    assert list(frame.drop_duplicates(["dimension", "segment"])[["dimension", "segment"]].itertuples(
        index=False, name=None)) == [("all", "all"), ("vehicle_condition", "new"), ("vehicle_condition", "used")]
    h1 = frame[(frame["horizon"] == 1) & (frame["state"] == "current")].set_index("segment")["loans"]
    assert h1["all"] == pytest.approx(11 * 10 / 12 + 1)  # the book's own P, not the sum of segments'
    assert h1["used"] + h1["new"] == pytest.approx(25 / 7 + 7)


def test_backtest_from_june(book):
    """From June no earlier transitions exist: P is the identity, so the forecast for July is the
    June mix (12 current, one each of 1-29, 30-59, 90-119 of 15) against July as it happened
    (11 current, one each of 1-29, 30-59, paid off, charged off)."""
    perf, loans = book
    tm = transitions.transition_matrix(transitions.window(perf, JUN, 1)).to_pandas()
    mix = transitions.state_mix(perf, JUN).to_pandas()
    act = transitions.actual_path(perf, JUN, 1).to_pandas()
    bt = transitions.segment_backtest(tm, mix, act, JUN, h=1, months=1).set_index("state")
    assert bt.loc["current", "forecast"] == pytest.approx(12 / 15)
    assert bt.loc["current", "actual"] == pytest.approx(11 / 15)
    assert bt.loc["current", "error"] == pytest.approx(1 / 15)
    assert bt.loc["charged_off", "forecast"] == 0 and bt.loc["charged_off", "actual"] == pytest.approx(1 / 15)
    assert bt.loc["dpd_90_119", "error"] == pytest.approx(1 / 15)
    # The SQL route gives the same comparison.
    same = transitions.backtest(perf, JUN, h=1, months=1).set_index("state")
    np.testing.assert_allclose(same["error"].to_numpy(), bt["error"].to_numpy())
