"""The sample generator: invariants, determinism, planted truth, and calibration to public figures."""

from dataclasses import asdict

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import config, store
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
    # A loan never recovers more than was charged off; the recovery arrives after the charge-off
    # (rows of later months), so the rule holds per loan, not per row.
    assert one(con, """SELECT count(*) FROM (SELECT loan_id FROM performance GROUP BY 1
                       HAVING sum(recovery_amount) > sum(charge_off_amount) + 0.01)""") == 0
    assert one(con, "SELECT count(*) FROM performance WHERE recovery_amount > 0") > 0


def test_closed_loans_stay_closed(con):
    # After its closing row (the first paid_off / charged_off / repossessed row) a loan is never
    # active again. A paid-off loan has no further rows; a charged-off or repossessed one keeps
    # rows until its recovery arrives (at most synth.RECOVERY_LAG_MAX months): the same status, no
    # balance, payment or charge-off, and the recovery only on its last row (unless the data ends first).
    closed = """WITH c AS (SELECT loan_id, min(as_of_month) AS m, arg_min(status, as_of_month) AS status
                           FROM performance WHERE status <> 'active' GROUP BY 1),
                     post AS (SELECT p.*, c.status AS closed_as, date_diff('month', c.m, p.as_of_month) AS lag,
                                     max(p.as_of_month) OVER (PARTITION BY p.loan_id) AS last
                              FROM performance p JOIN c USING (loan_id) WHERE p.as_of_month > c.m)"""
    assert one(con, f"""{closed} SELECT count(*) FROM post WHERE status <> closed_as OR closed_as = 'paid_off'
                        OR lag > {synth.RECOVERY_LAG_MAX} OR opening_balance <> 0 OR closing_balance <> 0
                        OR amount_paid <> 0 OR scheduled_payment <> 0 OR charge_off_amount <> 0
                        OR (recovery_amount > 0 AND as_of_month <> last)
                        -- no recovery on the last row only where the data ends before it arrives
                        OR (recovery_amount = 0 AND as_of_month = last
                            AND last < (SELECT max(as_of_month) FROM performance))""") == 0
    assert one(con, f"{closed} SELECT count(*) FROM post") > 0  # the sample has recoveries to come
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
    # The rule is the book's market's (issue 13): small_db is a cn book, where M1 is 1-30 DPD and
    # M2 31-60, so DPD 30 and 60 (now generated, calendar-day DPD) fall on different sides than
    # under the us rule (1-29, 30-59).
    market = store.read_metadata(con)["market"]
    assert market == "cn"
    rows = con.execute("SELECT DISTINCT days_past_due, bucket FROM performance").fetchall()
    dpd = np.array([r[0] for r in rows])
    assert {30, 60, 90} <= set(dpd.tolist())  # the boundaries are exercised
    assert list(bucket_of_dpd(dpd, market)) == [r[1] for r in rows]


def test_balances_amortise(con):
    # An active current loan's balance never grows month to month (missed payments do not capitalise).
    assert one(con, """SELECT count(*) FROM performance WHERE status = 'active'
                       AND closing_balance > opening_balance + 0.01""") == 0


def test_contacts_respect_contact_hours_and_known_codes(con):
    # Only agents break the hours rule (planted by analytics/sample/operations.py, at most 6% of an
    # agency's calls); automated contacts never do.
    outside = "(hour(action_time) < 8 OR hour(action_time) >= 21)"
    assert one(con, f"SELECT count(*) FROM actions WHERE {outside} AND agent_id IS NULL") == 0
    assert one(con, f"SELECT avg(({outside})::INT) FROM actions WHERE agent_id IS NOT NULL") < 0.06
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


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """20,000-loan samples of both markets (seed 5), the size the calibration ranges are set for."""
    out = {}
    for market in ("us", "cn"):
        path = build_sample(tmp_path_factory.mktemp("cal") / f"{market}.duckdb", loans=20_000, seed=5, market=market)
        out[market] = duckdb.connect(str(path), read_only=True)
    yield out
    for c in out.values():
        c.close()


@pytest.mark.parametrize("market", ["us", "cn"])
def test_calibrated_to_public_figures(calibrated, market):
    """Generated delinquency and loss sit inside the ranges of shared/reference/calibration.md."""
    report = calibration.calibration_report(calibrated[market], market)
    assert report["inside"].all(), report.to_string()


def test_large_books_are_generated_in_independent_chunks(tmp_path):
    """A book above the chunk size is several independent chunks written as they are made: loan
    ids stay unique, every chunk's loans are there, and a chunk-sized book is generated as before."""
    import json

    import numpy as np

    params = synth.SynthParams(loans=2_500, seed=5)
    parts = synth.chunks(params, size=1_000)
    assert [(p.loans, start) for p, start in parts] == [(1000, 0), (1000, 1000), (500, 2000)]
    assert len({p.seed for p, _ in parts}) == 3
    assert synth.chunks(synth.SynthParams(loans=1_000, seed=5), size=1_000) == [(synth.SynthParams(loans=1_000, seed=5), 0)]
    batches, meta = synth.generate_chunked(params, size=1_000)
    con = duckdb.connect(str(tmp_path / "c.duckdb"))
    store.write_tables(con, batches, meta)
    n, distinct, first, last = con.execute(
        "SELECT count(*), count(DISTINCT loan_id), min(loan_id), max(loan_id) FROM loans").fetchone()
    assert (n, distinct, first, last) == (2500, 2500, "L00000000", "L00002499")
    orphans = con.execute("SELECT count(*) FROM performance ANTI JOIN loans USING (loan_id)").fetchone()[0]
    assert orphans == 0
    # The third chunk is the generator's own 500-loan book with its seed, loan numbers shifted by 2000.
    own, _ = synth.generate(parts[2][0])
    own_loans = next(own).frame
    chunk = con.execute("SELECT amount FROM (SELECT original_amount AS amount, loan_id FROM loans "
                        "WHERE loan_id >= 'L00002000' ORDER BY loan_id)").df()["amount"].to_numpy()
    assert np.allclose(chunk, own_loans["amount"].to_numpy())
    assert json.loads(con.execute("SELECT value FROM metadata WHERE key = 'chunks'").fetchone()[0])["count"] == 3
def test_us_flows_match_the_ny_fed_series(calibrated):
    """Flows into 30+ and 90+ (annualised share of balance), mean of 2024-2025, within 15% of the
    NY Fed series read from shared/reference (not from a copy in the code)."""
    nyfed = calibration.read_nyfed(config.REFERENCE_DIR / "nyfed_auto_delinquency_flows.csv")
    # The reader against the published Q4 points of calibration.md: 2024Q4 8.08 / 2.96.
    q4 = nyfed[(nyfed["year"] == 2024) & (nyfed["quarter"] == 4)].iloc[0]
    assert (round(q4["flow_30"] * 100, 2), round(q4["flow_90"] * 100, 2)) == (8.08, 2.96)
    report = calibration.flow_report(calibrated["us"], nyfed)
    means = report[report["figure"].str.endswith("_mean")]
    assert means["inside"].all(), report.to_string()
    # And independently of the reporting SQL: the 2024 flow into 30+ recomputed in pandas.
    perf = calibrated["us"].execute("SELECT loan_id, as_of_month, status, days_past_due, closing_balance "
                                    "FROM performance ORDER BY loan_id, as_of_month").df()
    perf["prev"] = perf.groupby("loan_id")["days_past_due"].shift(1).fillna(0)
    act = perf[perf["status"] == "active"].copy()
    act["into30"] = np.where((act["days_past_due"] >= 30) & (act["prev"] < 30), act["closing_balance"], 0.0)
    by_month = act.groupby("as_of_month")[["into30", "closing_balance"]].sum()
    y24 = by_month[pd.to_datetime(by_month.index).year == 2024]
    flow = float((y24["into30"] / y24["closing_balance"]).mean() * 12)
    assert flow == pytest.approx(float(report.set_index("figure").loc["flow_30_2024", "generated"]), rel=1e-9)


def test_cn_90_plus_share_against_the_npl_ratio(calibrated):
    report = calibration.cn_npl_report(calibrated["cn"])
    assert report["inside"].all(), report.to_string()


def test_recoveries_differ_by_tier(calibrated):
    """us: within 8 points of S&P's prime 51% / subprime 33%, and prime > near-prime > subprime; cn:
    prime recovers more than subprime. (cn near-prime sits between the two in the planted shares,
    0.72 of the balance against 0.92 / 0.50, but the cap by the car's auction value binds most for
    prime, so prime and near-prime end within a few points with 50-80 closures each: 0.442 / 0.468
    at seed 5, 0.489 / 0.395 at seed 6, 0.434 / 0.431 at seed 7 - a gap smaller than the sampling
    noise. Rates are per closure, over closures whose recoveries have all arrived.)"""
    report = calibration.recovery_report(calibrated["us"])
    assert report["inside"].all(), report.to_string()
    rec = calibration.recovery_by_tier(calibrated["us"])["recovery_rate"]
    assert rec["prime"] > rec["near_prime"] > rec["subprime"], rec
    rec = calibration.recovery_by_tier(calibrated["cn"])["recovery_rate"]
    assert rec["prime"] > rec["subprime"] + 0.1, rec


def test_recovery_lags_follow_the_stated_timeline(calibrated):
    """Months from a closure to its recovery, on the 20,000-loan samples of both markets, against
    WalkCalibration: repossession sales 1-4 months after (45/35/15/5%, the UCC Article 9 sale
    timeline with remittance), unsecured recoveries 1-6 months evenly. Each share within 4
    binomial standard errors of the stated one; the closing row never carries the recovery."""
    w = synth.WALK
    for market in ("us", "cn"):
        lags = calibration.recovery_lags(calibrated[market])
        for status, stated in (("repossessed", dict(enumerate(w.repo_recovery_lag_shares, 1))),
                               ("charged_off", {k: 1 / w.unsecured_recovery_lag_months
                                                for k in range(1, w.unsecured_recovery_lag_months + 1)})):
            got = lags[lags["status"] == status].set_index("lag")
            n = int(got["closures"].sum())
            assert n > 100, (market, status, n)
            assert set(got.index.astype(int)) <= set(stated), got
            for lag, share in stated.items():
                observed = float(got["share"].get(lag, 0.0))
                se = (share * (1 - share) / n) ** 0.5
                assert abs(observed - share) <= 4 * se, (market, status, lag, observed, share, n)
        assert one(calibrated[market], """SELECT count(*) FROM performance WHERE recovery_amount > 0
                                          AND charge_off_amount > 0""") == 0


@pytest.mark.parametrize("market", ["us", "cn"])
def test_realism_rules(calibrated, market):
    """No active loan owes nothing while past due; charge-offs carry a balance; DPD lands on the
    30 / 60 / 90 boundaries; promises to pay exist, and some are broken (no payment that month)."""
    con = calibrated[market]
    checks = calibration.realism_checks(con)
    assert checks["zero_balance_past_due"] == 0 and checks["zero_charge_offs"] == 0, checks
    assert min(checks["dpd_30"], checks["dpd_60"], checks["dpd_90"]) > 0, checks
    broken = one(con, """
        SELECT count(*) FROM actions a JOIN performance p
          ON p.loan_id = a.loan_id AND p.as_of_month = date_trunc('month', a.action_time)
        WHERE a.outcome = 'promise_to_pay' AND p.amount_paid < 0.5 * p.scheduled_payment""")
    kept = one(con, """
        SELECT count(*) FROM actions a JOIN performance p
          ON p.loan_id = a.loan_id AND p.as_of_month = date_trunc('month', a.action_time)
        WHERE a.outcome = 'promise_to_pay' AND p.amount_paid >= 0.5 * p.scheduled_payment""")
    assert broken > 0 and kept > 0, (broken, kept)
    # Loans past their last instalment date and still in arrears exist, and all keep a balance.
    n, smallest = con.execute("""SELECT count(*), min(p.closing_balance) FROM performance p JOIN loans l USING (loan_id)
                       WHERE p.status = 'active' AND p.months_on_book > l.term_months
                         AND p.days_past_due > 0""").fetchone()
    assert n > 0 and smallest > 0, (n, smallest)


def test_spring_festival_lowers_cures_and_collections_capacity(calibrated):
    """cn: in the Spring Festival month fewer 1-29 DPD loans cure and fewer agent calls are made per
    loan at 30+ DPD (WalkCalibration.spring_festival_*); one-sided z-tests, z > 2.5."""
    from analytics.metrics import cohorts

    con = calibrated["cn"]
    sf = ", ".join(f"make_date({y}, {m}, 1)" for y, m in synth.SPRING_FESTIVAL_MONTH.items())
    cures = con.execute(f"""
        WITH p AS (SELECT loan_id, as_of_month, days_past_due, status,
                          lag(days_past_due) OVER (PARTITION BY loan_id ORDER BY as_of_month) AS prev
                   FROM performance)
        SELECT as_of_month IN ({sf}) AS sf, sum((days_past_due = 0 AND status = 'active')::INT), count(*)
        FROM p WHERE prev BETWEEN 1 AND 29 AND as_of_month >= DATE '2020-01-01' GROUP BY 1""").fetchall()
    c = {row[0]: row[1:] for row in cures}
    z = cohorts.two_proportion_z(c[False][0], c[False][1], c[True][0], c[True][1])[0]
    assert z > 2.5, c
    calls = con.execute(f"""
        WITH d AS (SELECT loan_id, as_of_month FROM performance
                   WHERE status = 'active' AND days_past_due >= 30),
             a AS (SELECT loan_id, date_trunc('month', action_time) AS m, count(*) AS n FROM actions
                   WHERE channel = 'agent_call' GROUP BY 1, 2)
        SELECT d.as_of_month + INTERVAL 1 MONTH IN ({sf}) AS sf, sum(coalesce(a.n, 0)), count(*)
        FROM d LEFT JOIN a ON a.loan_id = d.loan_id AND a.m = d.as_of_month + INTERVAL 1 MONTH
        GROUP BY 1""").fetchall()
    k = {row[0]: row[1] / row[2] for row in calls}
    assert k[True] < 0.75 * k[False], k
