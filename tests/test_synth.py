"""The sample generator: invariants, determinism, planted truth, and calibration to public figures."""

from dataclasses import asdict

import duckdb
import pytest

from analytics import store
from analytics.errors import InputError
from analytics.sample import calibration, synth
from tests.conftest import build_sample


@pytest.fixture(scope="module")
def con(small_db):
    c = duckdb.connect(str(small_db))
    yield c
    c.close()


def one(con, sql):
    return con.execute(sql).fetchone()[0]


def test_no_negative_amounts(con):
    assert one(con, """SELECT count(*) FROM performance WHERE opening_balance < 0 OR closing_balance < 0
                       OR amount_paid < 0 OR charge_off_amount < 0 OR recovery_amount < 0""") == 0
    assert one(con, "SELECT count(*) FROM performance WHERE recovery_amount > charge_off_amount + 0.01") == 0


def test_closed_loans_stay_closed(con):
    # After a paid_off / charged_off / repossessed row, a loan has no further rows.
    assert one(con, """
        WITH closed AS (SELECT loan_id, min(as_of_month) AS m FROM performance WHERE status <> 'active'
                        GROUP BY 1)
        SELECT count(*) FROM performance p JOIN closed c USING (loan_id) WHERE p.as_of_month > c.m""") == 0
    assert one(con, "SELECT count(*) FROM performance WHERE status <> 'active' AND closing_balance <> 0") == 0


def test_months_on_book_agrees_with_dates(con):
    assert one(con, """
        SELECT count(*) FROM performance p JOIN loans l USING (loan_id)
        WHERE p.months_on_book <> date_diff('month', date_trunc('month', l.origination_date), p.as_of_month)
           OR p.as_of_month <= l.origination_date""") == 0


def test_every_row_has_a_loan_and_months_are_contiguous(con):
    for table in ("performance", "actions", "restructures"):
        assert one(con, f"SELECT count(*) FROM {table} ANTI JOIN loans USING (loan_id)") == 0
    # One row per loan per month, with no gaps between first and last month.
    assert one(con, """SELECT count(*) FROM (SELECT loan_id FROM performance GROUP BY 1
                        HAVING count(*) <> date_diff('month', min(as_of_month), max(as_of_month)) + 1
                            OR count(*) <> count(DISTINCT as_of_month))""") == 0


def test_bucket_is_the_dpd_rule(con):
    import numpy as np

    from analytics.schema import bucket_of_dpd
    rows = con.execute("SELECT DISTINCT days_past_due, bucket FROM performance").fetchall()
    dpd = np.array([r[0] for r in rows])
    assert list(bucket_of_dpd(dpd)) == [r[1] for r in rows]


def test_balances_amortise(con):
    # An active current loan's balance never grows month to month (missed payments do not capitalise).
    assert one(con, """SELECT count(*) FROM performance WHERE status = 'active'
                       AND closing_balance > opening_balance + 0.01""") == 0


def test_contacts_respect_contact_hours_and_known_codes(con):
    assert one(con, "SELECT count(*) FROM actions WHERE hour(action_time) < 8 OR hour(action_time) >= 21") == 0
    from analytics.schema import ACTION_CHANNELS, ACTION_OUTCOMES
    assert {r[0] for r in con.execute("SELECT DISTINCT channel FROM actions").fetchall()} <= set(ACTION_CHANNELS)
    assert {r[0] for r in con.execute("SELECT DISTINCT outcome FROM actions").fetchall()} <= set(ACTION_OUTCOMES)


def test_experiments_are_randomised_half_and_half(con):
    rows = dict(con.execute("""SELECT experiment_arm, count(*) FROM actions WHERE experiment_arm IS NOT NULL
                               GROUP BY 1""").fetchall())
    treat, control = rows["predue_sms_2024:treatment"], rows["predue_sms_2024:control"]
    assert abs(treat - control) / (treat + control) < 0.05
    assert one(con, "SELECT sum(cost) FROM actions WHERE experiment_arm LIKE '%:control'") == 0


def test_truth_is_stored_in_metadata(con):
    meta = store.read_metadata(con)
    assert meta["source"] == "sample" and meta["seed"] == 11 and meta["market"] == "cn"
    truth = meta["truth"]
    assert truth["experiments"]["predue_sms_2024"]["by_segment"] == synth.PREDUE_SMS_EFFECT
    assert len(truth["bad_dealers"]) >= 2
    # Every calibrated constant of the walk is planted truth (JSON turns tuples into lists).
    walk = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(synth.WALK).items()}
    assert truth["walk"] == walk
    assert meta["row_counts"]["loans"] == 3000


def test_bad_dealers_are_worse(con):
    meta = store.read_metadata(con)
    bad = tuple(meta["truth"]["bad_dealers"])
    rates = dict(con.execute(f"""
        SELECT l.dealer_id IN {bad} AS bad, avg((p.days_past_due >= 30)::INT)
        FROM performance p JOIN loans l USING (loan_id) WHERE p.status = 'active' GROUP BY 1""").fetchall())
    assert rates[True] > 1.5 * rates[False]


def test_same_seed_same_data(tmp_path):
    a = build_sample(tmp_path / "a.duckdb", loans=400, seed=3)
    b = build_sample(tmp_path / "b.duckdb", loans=400, seed=3)
    c = build_sample(tmp_path / "c.duckdb", loans=400, seed=4)
    q = "SELECT sum(closing_balance), sum(days_past_due), count(*) FROM performance"
    got = [duckdb.connect(str(p)).execute(q).fetchone() for p in (a, b, c)]
    assert got[0] == got[1]
    assert got[0] != got[2]


@pytest.mark.parametrize("params, message", [
    (synth.SynthParams(market="uk"), "Unknown market 'uk'"),
    (synth.SynthParams(loans=0), "must be positive"),
    (synth.SynthParams(loans=-5), "must be positive"),
])
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(InputError, match=message):
        synth.generate(params)


@pytest.mark.parametrize("market", ["us", "cn"])
def test_calibrated_to_public_figures(tmp_path, market):
    """Generated delinquency and loss sit inside the ranges of shared/reference/calibration.md."""
    path = build_sample(tmp_path / f"{market}.duckdb", loans=20_000, seed=5, market=market)
    con = duckdb.connect(str(path))
    report = calibration.calibration_report(con, market)
    con.close()
    assert report["inside"].all(), report.to_string()
