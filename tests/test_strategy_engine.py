"""The simulation engine: against the Markov chain, known effects, convergence, bands, losses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.metrics import transitions
from analytics.store import Tables
from analytics.strategy import baseline as bl
from analytics.strategy import effects, results, rules, spec
from analytics.strategy.engine import RunSettings, apply_effects, compile_plan, run, tail_loss_per_loan
from analytics.strategy.restructure import LossParams
from tests.strategy_fixtures import toy_baseline

LOSS = LossParams()
OPS = rules.default_operations("cn")
CN = rules.rules_for("cn")


def zero_book() -> effects.EffectBook:
    return effects.effect_book().zero()


def one_effect(channel, band, stage, roll=0.0, cure=0.0, spread=0.0) -> effects.EffectBook:
    entry = {"channel": channel, "risk_band": band, "stage": stage, "roll": roll, "cure": cure,
             "roll_range": [roll - spread, roll + spread], "cure_range": [cure - spread, cure + spread]}
    return effects.effect_book(None, [entry])


def sim(base, strategy, book, settings, stochastic=True):
    plan = compile_plan(base, strategy, book, CN, OPS, LOSS, history=settings.history)
    return run(plan, settings, LOSS, base.market, stochastic=stochastic, baseline=base)


SMS_HIGH = spec.strategy_from_dict({"name": "sms", "treatments": [
    {"risk_band": "high", "stage": "pre_due", "channel": "sms", "timing_dpd": -3}]})
VOICE_ALL = spec.strategy_from_dict({"name": "voice", "treatments": [
    {"risk_band": "all", "stage": "dpd_1_29", "channel": "ai_voice", "timing_dpd": 2}]})


@pytest.fixture(scope="module")
def small_tables(small_db):
    con = duckdb.connect(str(small_db))
    yield Tables.of(store.reader(con))
    con.close()


def test_zero_effects_mean_equals_markov_forecast_of_roll_rate_analytics(small_tables):
    """Per band, the mean over paths of the simulated state counts is x0 P^h with P and the
    forecast from analytics.metrics.transitions (estimate_matrix on the band's loans, markov_forecast).
    Without the history groups (one matrix per band), with known parameters (no per-path draw of
    the estimate: that draw keeps each month's mean at P but makes the mean over several months
    depart from x0 P^h by second-order terms)."""
    t = small_tables
    base = bl.estimate_baseline(t.performance, t.loans)
    strategy = spec.load(spec_path("early_warning_ai_voice.json"))  # treatments, but every effect is zero
    settings = RunSettings(months=6, paths=4000, seed=3, effect_uncertainty=False, history=False,
                           parameter_uncertainty=False)
    tr = sim(base, strategy, zero_book(), settings)
    bands = bl.risk_bands(t.loans)
    total_forecast = np.zeros((6, 9))
    for b, band in enumerate(base.bands):
        members = bands.filter(bands.risk_band == band).select("loan_id")
        P = transitions.estimate_matrix(t.performance.semi_join(members, "loan_id"), months=12,
                                  end_month=base.as_of_month)
        for i in range(6):  # a state the band never left borrows the pooled row in the simulator
            if base.transitions[b, i].sum() == 0:
                P[i] = base.matrix[b, i]
        total_forecast += transitions.markov_forecast(base.counts[b], P, 6)
    mean = tr.state_counts.mean(axis=0)
    sd = tr.state_counts.std(axis=0) / np.sqrt(settings.paths)
    assert np.all(np.abs(mean - total_forecast) <= 4 * sd + 1e-6), (mean - total_forecast) / np.maximum(sd, 1e-9)
    assert tr.state_counts[:, 0, 0].std() > 0  # the paths do vary


def test_zero_effects_with_history_groups_follow_the_group_chain(small_tables):
    """With the cured / restructured groups, the mean path is the chain over (group, state),
    built by hand here: cures from group 0 go to the cured group, which is left at its exit rate
    (1 / CURED_MONTHS a month). Known parameters, as in the test above."""
    t = small_tables
    base = bl.estimate_baseline(t.performance, t.loans, restructures=t.restructures)
    assert base.history_counts[0].sum() > 0 and base.history_counts[1].sum() > 0
    settings = RunSettings(months=4, paths=3000, seed=4, effect_uncertainty=False, history=True,
                           parameter_uncertainty=False)
    plan = compile_plan(base, spec.DO_NOTHING, zero_book(), CN, OPS, LOSS, history=True)
    tr = run(plan, settings, LOSS, "cn", baseline=base)
    F = plan.P0.shape[0]
    expected = np.zeros((4, 9))
    for b in range(3):
        A = np.zeros((F * 9, F * 9))
        for f in range(F):
            for i in range(9):
                row = np.zeros((F, 9))
                row[f] = plan.P0[f, b, i]
                if i < 6 and f == 0 and i >= 1:       # a cure from group 0 enters the cured group
                    row[1, 0], row[0, 0] = row[0, 0], 0.0
                e, g = plan.exit_p[f], plan.exit_to[f]
                if i < 6 and g >= 0:                  # leave the group after the move
                    moved = row[:, :6].sum(0) * e
                    row[:, :6] *= 1 - e
                    row[g, :6] += moved
                A[f * 9 + i] = row.reshape(-1)
        x = plan.start_counts[:, b].reshape(-1)
        for h in range(4):
            x = x @ A
            expected[h] += x.reshape(F, 9).sum(0)
    mean = tr.state_counts.mean(axis=0)
    sd = tr.state_counts.std(axis=0) / np.sqrt(settings.paths)
    assert np.all(np.abs(mean - expected) <= 4 * sd + 1e-6), (mean - expected) / np.maximum(sd, 1e-9)


def spec_path(name):
    from analytics.config import PRESETS_DIR
    return PRESETS_DIR / name


def test_transition_matrix_matches_a_plain_sql_count(small_db, small_tables):
    base = bl.estimate_baseline(small_tables.performance, small_tables.loans)
    con = duckdb.connect(str(small_db))
    n_high_cur, n_high_miss = con.execute("""
        WITH p AS (SELECT p.loan_id, p.as_of_month m, CASE WHEN status = 'active' THEN bucket ELSE status END st,
                          l.credit_score s, l.credit_tier tier
                   FROM performance p JOIN loans l USING (loan_id))
        SELECT count(*), count(*) FILTER (WHERE b.st = 'dpd_1_29')
        FROM p a JOIN p b ON a.loan_id = b.loan_id AND b.m = a.m + INTERVAL 1 MONTH
        WHERE a.st = 'current' AND coalesce(a.s < 620, a.tier = 'subprime' OR a.tier IS NULL)
          AND b.m > (SELECT max(as_of_month) FROM performance) - INTERVAL 12 MONTH""").fetchone()
    con.close()
    assert base.transitions[0, 0].sum() == n_high_cur
    assert base.matrix[0, 0, 1] == pytest.approx(n_high_miss / n_high_cur)


def test_a_known_roll_effect_cuts_the_treated_roll_rate_by_that_effect():
    base = toy_baseline()
    book = one_effect("sms", "high", "pre_due", roll=0.2)
    c, P = base.counts, base.matrix
    # Loans at 1-29 DPD after one month: misses from current plus those staying at or curing into 1-29.
    arriving = c[:, 1] * P[:, 1, 1] + c[:, 2] * P[:, 2, 1]
    misses = c[:, 0] * P[:, 0, 1]
    expected_plain = (misses + arriving).sum()
    expected_treated = expected_plain - 0.2 * misses[0]  # only the high band is treated
    for stochastic, paths in ((False, 1), (True, 3000)):
        settings = RunSettings(months=1, paths=paths, seed=5, matrix_uncertainty=False, effect_uncertainty=False)
        for strategy, expected in ((SMS_HIGH, expected_treated), (spec.DO_NOTHING, expected_plain)):
            x = sim(base, strategy, book, settings, stochastic).state_counts[:, 0, 1]
            tol = 4 * x.std() / np.sqrt(paths) if stochastic else 1e-6
            assert x.mean() == pytest.approx(expected, abs=tol)
    # And the treated band's roll rate itself: 7% -> 5.6%.
    plan = compile_plan(base, SMS_HIGH, book, CN, OPS, LOSS)
    P_t = apply_effects(P[0, :6], np.array([1 - 0.2 * plan.t_share[0], 1, 1, 1, 1, 1]), np.ones(6))
    assert P_t[0, 1] == pytest.approx(0.07 * 0.8)


def test_effect_uncertainty_keeps_the_mean_effect():
    """Effects drawn per path (lognormal, mean-preserving) change the treated rate by the effect on average."""
    base = toy_baseline()
    book = one_effect("sms", "high", "pre_due", roll=0.2, spread=0.15)
    settings = RunSettings(months=1, paths=4000, seed=9, matrix_uncertainty=False, effect_uncertainty=True)
    plan = compile_plan(base, SMS_HIGH, book, CN, OPS, LOSS)
    assert plan.t_roll_sd[0] > 0
    tr = run(plan, settings, LOSS, "cn", baseline=base)
    det = sim(base, SMS_HIGH, book, RunSettings(months=1, paths=1), stochastic=False)
    se = tr.state_counts[:, 0, 1].std() / np.sqrt(settings.paths)
    assert abs(tr.state_counts[:, 0, 1].mean() - det.state_counts[0, 0, 1]) < 4 * se


def test_cure_effect_and_diminishing_returns():
    base = toy_baseline()
    book = one_effect("ai_voice", "all", "dpd_1_29", cure=0.3)
    settings = RunSettings(months=1, paths=1)
    plain = sim(base, spec.DO_NOTHING, book, settings, stochastic=False)
    one = sim(base, VOICE_ALL, book, settings, stochastic=False)
    assert one.metrics["cures"][0, 0] - plain.metrics["cures"][0, 0] == pytest.approx(
        0.3 * 0.5 * (1500 + 1800 + 400))
    three = spec.strategy_from_dict({"name": "v3", "treatments": [
        {"risk_band": "all", "stage": "dpd_1_29", "channel": "ai_voice", "timing_dpd": 2, "max_attempts": 3}]})
    tr3 = sim(base, three, book, settings, stochastic=False)
    # The effect was measured (assumed) for one attempt: attempts beyond that design add nothing.
    assert tr3.metrics["cures"][0, 0] - plain.metrics["cures"][0, 0] == pytest.approx(
        0.3 * 0.5 * (1500 + 1800 + 400))
    # Late in the stage (day 25 of 1-29) the effect fades: 2 * (30 - 25) / 29 of it.
    late = spec.strategy_from_dict({"name": "late", "treatments": [
        {"risk_band": "all", "stage": "dpd_1_29", "channel": "ai_voice", "timing_dpd": 25}]})
    trl = sim(base, late, book, settings, stochastic=False)
    assert trl.metrics["cures"][0, 0] - plain.metrics["cures"][0, 0] == pytest.approx(
        (10 / 29) * 0.3 * 0.5 * (1500 + 1800 + 400))


def test_apply_effects_keeps_rows_stochastic_and_moves_mass_as_documented():
    P = toy_baseline().matrix[0, :6]
    out = apply_effects(P, np.full(6, 0.5), np.full(6, 1.2))
    assert np.allclose(out.sum(-1), 1.0) and (out >= 0).all()
    # Current row: half the misses stay current.
    assert out[0, 1] == pytest.approx(0.035) and out[0, 0] == pytest.approx(0.935)
    # 1-29 row: roll 0.18 -> 0.09 (to stay: 0.39), then cure 0.5 -> 0.6 taken from stay+roll (0.48) pro rata.
    assert out[1, 0] == pytest.approx(0.6)
    assert out[1, 2] == pytest.approx(0.09 * (1 - 0.1 / 0.48))
    assert out[1, 6] == pytest.approx(0.02)


def test_mean_of_paths_converges_to_the_deterministic_chain():
    base = toy_baseline(kappa=400.0)
    strat = spec.load(spec_path("sms_and_flexible_plans.json"))
    book = effects.effect_book()
    det = sim(base, strat, book, RunSettings(months=12, paths=1), stochastic=False)
    for key in ("net_loss", "cures", "charge_offs", "restructures", "collection_cost"):
        d = det.metrics[key].sum(1)[0]
        errs = []
        for paths in (200, 3200):
            tr = sim(base, strat, book, RunSettings(months=12, paths=paths, seed=11, effect_uncertainty=False))
            x = tr.metrics[key].sum(1)
            errs.append(abs(x.mean() - d))
            assert abs(x.mean() - d) <= 4 * x.std() / np.sqrt(paths) + 1e-6 * abs(d) + 1e-9, key
    dpd = sim(base, strat, book, RunSettings(months=12, paths=3200, seed=2, effect_uncertainty=False))
    assert dpd.state_counts.mean(0) == pytest.approx(det.state_counts[0], rel=0.01, abs=2.0)


def test_bands_widen_with_fewer_loans():
    strat = spec.load(spec_path("early_warning_ai_voice.json"))
    book = effects.effect_book()
    widths = []
    for scale in (1.0, 0.02):
        base = toy_baseline(scale)
        tr = sim(base, strat, book, RunSettings(months=12, paths=1000, seed=4, matrix_uncertainty=False,
                                                effect_uncertainty=False))
        rate = tr.metrics["dpd60_end"][:, -1] / tr.metrics["active_end"][:, -1]
        p10, p90 = np.percentile(rate, [10, 90])
        widths.append((p90 - p10) / np.median(rate))
    assert widths[1] > 3 * widths[0]


def test_losses_follow_the_recovery_rules():
    base = toy_baseline()
    settings = RunSettings(months=1, paths=1)
    tr = sim(base, spec.DO_NOTHING, zero_book(), settings, stochastic=False)
    m = tr.metrics
    # Every band shares the 90+ rows: 20% of 90-119 and 45% of 120+ are charged off, as many repossessed.
    co = repo = (base.counts[:, 4] * 0.20 + base.counts[:, 5] * 0.45).sum()
    # China: 3 months to locate the car, 6 of court or arbitration, 3 to sell; CNY 3,000 repossession
    # and 4,525 legal costs; the car depreciates 1.5% a month from 20 months on book to the sale.
    sale = 80_000 * (1 - 0.015) ** (20 + 0 + 12) * 0.9 - 3000 - 4525
    rec_repo = min(sale / (1 + 0.08 / 12) ** 12, 50_000)
    assert m["charge_offs"][0, 0] == pytest.approx(co + repo)
    assert m["gross_loss"][0, 0] == pytest.approx((co + repo) * 50_000)
    assert m["recoveries"][0, 0] == pytest.approx(co * 50_000 * 0.05 + repo * rec_repo)
    assert m["net_loss"][0, 0] == pytest.approx(m["gross_loss"][0, 0] - m["recoveries"][0, 0])


def test_tail_loss_is_the_absorbing_chain_sum():
    base = toy_baseline()
    plan = compile_plan(base, spec.DO_NOTHING, zero_book(), CN, OPS, LOSS)
    tail = tail_loss_per_loan(plan, LOSS, "cn", 0)
    # Brute force: run the chain 3000 months and add up the losses on the way.
    P = base.matrix[0]
    x = np.zeros(9)
    x[2] = 1.0
    rec = min((80_000 * 0.985 ** 32 * 0.9 - 3000 - 4525) / (1 + 0.08 / 12) ** 12, 50_000)
    total = 0.0
    for _ in range(3000):
        total += x[:6] @ (P[:6, 7] * 50_000 * 0.95 + P[:6, 8] * (50_000 - rec))
        x = x @ P
    assert tail[0, 0, 2] == pytest.approx(total, rel=1e-9)


def test_restructures_and_settlements():
    base = toy_baseline()
    strat = spec.strategy_from_dict({"name": "r", "restructuring": [
        {"kind": "rate_cut", "risk_bands": ["high"], "stages": ["dpd_30_59"], "take_up": 0.5, "rate_cut": 0.04},
        {"kind": "settlement", "risk_bands": ["high"], "stages": ["dpd_90_plus"], "take_up": 0.2,
         "settlement_discount": 0.4}]})
    tr = sim(base, strat, zero_book(), RunSettings(months=1, paths=1), stochastic=False)
    m = tr.metrics
    assert m["restructures"][0, 0] == pytest.approx(0.5 * 600 + 0.2 * (200 + 100))
    assert m["settlement_loss"][0, 0] == pytest.approx(0.2 * 300 * 50_000 * 0.4)
    from analytics.strategy.restructure import annuity
    # IFRS 9 modification loss of a 4-point rate cut on 50,000 at 10% over 36 months, per loan.
    new_pay = annuity(50_000, 0.06, 36)
    pv = sum(new_pay / (1 + 0.10 / 12) ** k for k in range(1, 37))
    assert m["concessions"][0, 0] == pytest.approx(300 * (50_000 - pv))
    assert m["offers"][0, 0] == pytest.approx(600 + 300)


def test_compare_pairs_paths_and_reports_every_summary_key():
    base = toy_baseline(kappa=300.0)
    strategies = [spec.DO_NOTHING, spec.load(spec_path("early_warning_ai_voice.json"))]
    comp = results.compare(base, strategies, effects.effect_book(), CN, OPS, LOSS, RunSettings(months=6, paths=300))
    d = comp.to_dict()
    assert [s["name"] for s in d["strategies"]] == ["Today's practice", "Early warning + AI voice bot"]
    for s in d["strategies"]:
        for k in ("net_loss", "collection_cost", "net_benefit", "dpd60_rate_end", "contacts_blocked"):
            assert set(s["summary"][k]) >= {"p10", "p50", "p90"}
            assert s["summary"][k]["p10"] <= s["summary"][k]["p50"] <= s["summary"][k]["p90"]
        assert len(s["monthly"]) == 6
    dn = d["strategies"][0]["summary"]
    assert dn["net_benefit"]["p90"] == 0 and dn["collection_cost"]["p90"] == 0
    # Net benefit = loss avoided (with tails, path by path) - cost - concessions.
    r = comp.results[1]
    pp = r.per_path
    dn_total = comp.do_nothing.per_path["net_loss_with_tail"]
    assert np.allclose(pp["net_benefit"], dn_total - pp["net_loss_with_tail"] - pp["collection_cost"]
                       - pp["concessions"])


def test_risk_model_bands_replace_score_bands_where_given(small_tables):
    import pandas as pd

    from analytics.errors import InputError

    loans = small_tables.loans
    score = bl.risk_bands(loans).to_pandas().set_index("loan_id")["risk_band"]
    ids = list(score.index[:3])
    scored = pd.DataFrame({"loan_id": ids, "band": ["very_high", "very_low", "medium"]})
    got = bl.risk_bands(loans, bl.bands_from_model(scored)).to_pandas().set_index("loan_id")["risk_band"]
    assert list(got[ids]) == ["high", "low", "medium"]
    others = got.index.difference(ids)
    assert (got[others] == score[others]).all() and len(got) == len(score)
    with pytest.raises(InputError, match="not known"):
        bl.bands_from_model(pd.DataFrame({"loan_id": ["x"], "band": ["A"]}))
    # Score bands follow the score, then the tier; a loan with neither counts as high risk.
    import ibis
    t = ibis.memtable({"loan_id": ["a", "b", "c", "d", "e"], "credit_score": [600.0, 650.0, 730.0, None, None],
                       "credit_tier": ["subprime", "near_prime", "super_prime", "prime", None]})
    out = dict(bl.score_bands(t).to_pandas().values)
    assert out == {"a": "high", "b": "medium", "c": "low", "d": "medium", "e": "high"}


@pytest.fixture(scope="module")
def cured_tables(tmp_path_factory):
    """A 30,000-loan cn sample (seconds to build): enough cured loans for a tight data rate."""
    from tests.conftest import build_sample

    db = build_sample(tmp_path_factory.mktemp("cured") / "p.duckdb", loans=30_000, seed=7)
    con = duckdb.connect(str(db), read_only=True)
    yield Tables.of(store.reader(con))
    con.close()


def test_cured_state_twelve_month_bad_rate_matches_the_data(cured_tables):
    """Loans current at 2025-06 that cured in the 6 months before: their share reaching 60+ DPD or a
    default within 12 months, in the data and on the simulator's chain (60+ and defaults made
    absorbing), agree within two standard errors of the data's rate."""
    from datetime import date

    from analytics.strategy.engine import group_chain

    t = cured_tables
    m0, end = date(2025, 6, 1), date(2026, 6, 1)
    mi0 = m0.year * 12 + m0.month - 1
    g = bl.history_groups(t.performance, t.restructures, mi0, mi0).to_pandas()
    cured = set(g[(g.group == 1) & (g.state == "current")].loan_id)
    p = t.performance.filter((t.performance.as_of_month > m0) & (t.performance.as_of_month <= end)).to_pandas()
    p = p[p.loan_id.isin(cured)]
    bad = p[p.status.isin(["charged_off", "repossessed"]) | p.bucket.isin(["dpd_60_89", "dpd_90_119",
                                                                            "dpd_120_plus"])].loan_id.nunique()
    n = len(cured)
    rate = bad / n
    se = np.sqrt(rate * (1 - rate) / n)
    base = bl.estimate_baseline(t.performance, t.loans, end, 12, restructures=t.restructures)
    plan = compile_plan(base, spec.DO_NOTHING, zero_book(), CN, OPS, LOSS, history=True)
    band_of = bl.risk_bands(t.loans).to_pandas().set_index("loan_id").risk_band
    F = plan.P0.shape[0]
    bad_idx = [f * 9 + i for f in range(F) for i in (3, 4, 5, 7, 8)]
    expected = 0.0
    for b, band in enumerate(base.bands):
        A = group_chain(plan, b)
        for k in bad_idx:
            A[k] = 0.0
            A[k, k] = 1.0
        x = np.zeros(F * 9)
        x[1 * 9 + 0] = 1.0  # the cured group, current
        for _ in range(12):
            x = x @ A
        expected += (band_of.reindex(list(cured)) == band).sum() * x[bad_idx].sum()
    assert n > 500 and abs(expected / n - rate) <= 2 * se, (n, rate, se, expected / n)
    # And the cured state is riskier than a loan with no recent history, band by band.
    from analytics.strategy.restructure import redefault_rate
    for b in range(3):
        assert redefault_rate(base.history_matrix[0, b], 12) > redefault_rate(base.matrix_plain[b], 12)


def test_parameter_draws_spread_as_the_estimate_of_a_row_of_n_loan_months():
    """Each path's row i of band b is Dirichlet(N · P): mean P, and for a destination with share p
    variance p (1 - p) / (N + 1) (the Dirichlet's). The toy baseline's transitions are P × 10,000,
    so N = 10,000 per row; with the counts cut to 100 loan-months the spread is ten times wider."""
    from analytics.strategy.engine import MatrixDraws

    base = toy_baseline()
    thin = replace(base, transitions=base.matrix * 100.0)
    for b, n in ((base, 10_000), (thin, 100)):
        d = MatrixDraws(b, 4000, 3, parameters=True).P_path  # (paths, B, 6, 9)
        p = b.matrix[0, 1, 2]  # high band, 1-29 -> 30-59: 0.18
        x = d[:, 0, 1, 2]
        sd = np.sqrt(p * (1 - p) / (n + 1))
        assert abs(x.mean() - p) < 4 * sd / np.sqrt(4000)
        assert x.std() == pytest.approx(sd, rel=0.06)
    # Off, or with the draws disabled: no per-path rows.
    assert MatrixDraws(base, 10, 3).P_path is None and MatrixDraws(base, 10, 3, False, True).P_path is None


def test_runs_stepped_together_on_threads_are_each_run_alone(small_tables):
    """run_many draws the runs' moves on several threads and shares the month's moved rows between
    runs: each trace must still be, number for number, the one the plan gives run alone on the
    same draws (its own generator; a run changing its rows copies the shared ones first). The
    third strategy's budget binds, so its capacity cuts and offers are exercised too."""
    from analytics.strategy import inputs
    from analytics.strategy.engine import MatrixDraws, run_many

    prep = inputs.prepare_from(small_tables, "cn")
    base, book = prep.baseline, prep.book()
    capped = spec.strategy_from_dict({
        "name": "capped", "treatments": [
            {"risk_band": "all", "stage": "dpd_30_59", "channel": "agent_call", "timing_dpd": 32, "max_attempts": 3}],
        "restructuring": [{"kind": "rate_cut", "risk_bands": ["high"], "stages": ["dpd_60_89"], "take_up": 0.3,
                           "rate_cut": 0.03}],
        "limits": {"monthly_budget": 500}})
    strategies = [spec.DO_NOTHING, spec.load(spec_path("early_warning_ai_voice.json")), capped]
    plans = [compile_plan(base, s, book, CN, prep.operations, LOSS) for s in strategies]
    settings = RunSettings(months=6, paths=150)
    draws = MatrixDraws(base, settings.paths, settings.seed, parameters=True)
    together = run_many(plans, settings, LOSS, "cn", draws=draws, baseline=base, threads=2)
    assert together[2].metrics["dropped_budget"].sum() > 0 and together[2].metrics["restructures"].sum() > 0
    for plan, tr in zip(plans, together, strict=True):
        alone = run(plan, settings, LOSS, "cn", draws=draws, baseline=base)
        assert np.array_equal(tr.state_counts, alone.state_counts)
        assert np.array_equal(tr.tail_loss, alone.tail_loss)
        for k, v in tr.metrics.items():
            assert np.array_equal(v, alone.metrics[k]), k


def test_a_months_defaults_spread_as_a_compound_sum_of_their_severities():
    """400 loans at 120+ DPD all charge off in the month: the net loss is 400 · 50,000 · 0.95 on
    average, and with one default's net loss spread cv = 0.5 around its cell's mean the sum of 400
    has sd √400 · 0.5 · mean = 2.5% of the total (compound sum, Klugman, Panjer & Willmot, ch. 9)."""
    P = np.array(toy_baseline().matrix)
    P[:, 5] = 0.0
    P[:, 5, 7] = 1.0
    counts = np.zeros((3, 9))
    counts[0, 5] = 400
    base = replace(toy_baseline(), matrix=P, transitions=P * 10_000, counts=counts,
                   severity={"charged_off": 0.5, "repossessed": 0.8})
    settings = RunSettings(months=1, paths=4000, matrix_uncertainty=False, history=False)
    m = sim(base, spec.DO_NOTHING, zero_book(), settings).metrics
    assert (m["charge_offs"][:, 0] == 400).all()
    ratio = m["net_loss"][:, 0] / (400 * 50_000 * 0.95)
    assert ratio.mean() == pytest.approx(1.0, abs=0.003)   # 4.5 standard errors of 0.025 / √4000
    assert ratio.std() == pytest.approx(0.025, rel=0.05)   # its own standard error is about 1.1%
    # Balances and recoveries move together: the recovery stays 5% of the balance on every path.
    assert m["recoveries"][:, 0] / m["gross_loss"][:, 0] == pytest.approx(np.full(4000, 0.05))
    # The expected chain keeps the cell's mean.
    det = sim(base, spec.DO_NOTHING, zero_book(), settings, stochastic=False).metrics
    assert det["net_loss"][0, 0] == pytest.approx(400 * 50_000 * 0.95)


def test_severity_spread_is_the_pooled_within_band_coefficient_of_variation():
    # high: 1 and 3 (mean 2: -0.5, +0.5); low: 10, 10, 40 (mean 20: -0.5, -0.5, +1): the squares add
    # to 2 over 5 closures less 2 band means, cv = √(2/3). Repossessions: too few to count.
    losses = pd.DataFrame({"status": ["charged_off"] * 5 + ["repossessed"],
                           "risk_band": ["high", "high", "low", "low", "low", "high"],
                           "net": [1.0, 3.0, 10.0, 10.0, 40.0, 7.0]})
    assert bl.severity_cv(losses, minimum=2) == pytest.approx({"charged_off": np.sqrt(2 / 3)})
    assert bl.severity_cv(losses, minimum=6) == {}


def test_closure_losses_are_the_settled_closures_net_of_their_recoveries(small_db, small_tables):
    # 24 months up to 2025-06 less the last 4 (recoveries may still arrive): closures 2023-07..2025-02.
    got = bl.closure_losses(small_tables.performance, bl.risk_bands(small_tables.loans),
                            date(2025, 6, 1)).to_pandas()
    con = duckdb.connect(str(small_db))
    try:
        hand = con.execute("""
            WITH closed AS (SELECT loan_id, min(as_of_month) AS m FROM performance
                            WHERE status IN ('charged_off', 'repossessed') GROUP BY 1),
                 c AS (SELECT p.loan_id, p.status, p.charge_off_amount FROM performance p JOIN closed
                       ON p.loan_id = closed.loan_id AND p.as_of_month = closed.m
                       WHERE closed.m BETWEEN DATE '2023-07-01' AND DATE '2025-02-01' AND p.charge_off_amount > 0)
            SELECT c.status, count(*) AS n,
                   sum(c.charge_off_amount - coalesce((SELECT sum(recovery_amount) FROM performance r
                        WHERE r.loan_id = c.loan_id AND r.as_of_month <= DATE '2025-06-01'), 0)) AS net
            FROM c GROUP BY 1 ORDER BY 1""").fetchall()
    finally:
        con.close()
    assert [s for s, _, _ in hand] == ["charged_off", "repossessed"]  # closures of both kinds to count
    by = got.groupby("status")["net"].agg(["count", "sum"])
    assert [(s, int(by.loc[s, "count"])) for s in by.index] == [(s, n) for s, n, _ in hand]
    assert by["sum"].tolist() == pytest.approx([net for _, _, net in hand])
