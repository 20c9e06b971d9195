"""Seasonal factors: estimated by hand on made-up counts, and applied by the engine to current loans' misses
and delinquent loans' cures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.strategy import effects, rules, seasonality, spec
from analytics.strategy.engine import RunSettings, compile_plan, run
from analytics.strategy.restructure import LossParams
from tests.strategy_fixtures import P_HIGH, toy_baseline


def test_spring_festival_follows_the_lunar_calendar():
    # Chinese New Year 2025: 29 January; 2026: 17 February.
    assert seasonality.season_class("cn", 2025 * 12 + 0) == "spring_festival"
    assert seasonality.season_class("cn", 2025 * 12 + 1) == "after_spring_festival"
    assert seasonality.season_class("cn", 2026 * 12 + 0) == "other"
    assert seasonality.season_class("cn", 2026 * 12 + 1) == "spring_festival"
    assert seasonality.season_class("us", 2026 * 12 + 11) == "m12"


def test_factors_are_shrunk_rates_relative_to_the_matrices_year():
    # 24 months (2023-07 .. 2025-06), 10,000 current loans a month; 100 misses a month, 300 in the
    # Spring Festival months (2024-02, 2025-01) and 150 in the months after (2024-03, 2025-02).
    months = pd.date_range("2023-07-01", "2025-06-01", freq="MS")
    missed = [300 if (m.year, m.month) in ((2024, 2), (2025, 1)) else 150 if (m.year, m.month) in ((2024, 3), (2025, 2))
              else 100 for m in months]
    counts = pd.DataFrame({"as_of_month": months, "current": 10_000.0, "missed": np.array(missed, float)})
    s = seasonality.from_counts(counts, "cn", date(2025, 6, 1), pseudo=50.0)
    # By hand: r = (20*100 + 2*300 + 2*150) / 240,000 = 2,900 / 240,000.
    r = 2_900 / 240_000
    raw_sf = (600 + 50) / (20_000 * r + 50)
    raw_after = (300 + 50) / (20_000 * r + 50)
    raw_other = (2_000 + 50) / (200_000 * r + 50)
    # The matrices' year (2024-07 .. 2025-06) holds one festival month, one after, ten others.
    mean = (raw_sf + raw_after + 10 * raw_other) / 12
    assert s.factors["spring_festival"] == pytest.approx(raw_sf / mean)
    assert s.factors["after_spring_festival"] == pytest.approx(raw_after / mean)
    assert s.factors["other"] == pytest.approx(raw_other / mean)
    # Shrinkage pulls the festival's 3x toward 1: about 2.3 here, not 3.
    assert 2.0 < s.factors["spring_festival"] / s.factors["other"] < 3.0
    # The horizon after 2025-06: 2026-02 is the festival month (the 8th simulated month).
    h = s.horizon(12)
    assert h[7] == pytest.approx(s.factors["spring_festival"])
    assert h[8] == pytest.approx(s.factors["after_spring_festival"])
    assert h[0] == pytest.approx(s.factors["other"])


def test_the_engine_scales_current_loans_misses_by_the_months_factor():
    base = toy_baseline()
    factor = 1.5
    # As-of index 2026-01, so the first simulated month is 2026-02, the festival month (Chinese New
    # Year 17 February 2026).
    season = seasonality.Seasonality("cn", {"other": 1.0, "spring_festival": factor}, {}, {}, 2026 * 12 + 0)
    seasonal = replace(base, seasonality=season)
    settings = RunSettings(months=1, paths=1, history=False)
    args = (effects.effect_book().zero(), rules.rules_for("cn"), rules.default_operations("cn"), LossParams())
    flat = run(compile_plan(base, spec.DO_NOTHING, *args, history=False), settings, LossParams(), "cn",
               stochastic=False)
    moved = run(compile_plan(seasonal, spec.DO_NOTHING, *args, history=False), settings, LossParams(), "cn",
                stochastic=False)
    # The current row's miss scales by 1.5 (high band 0.07 -> 0.105, staying 0.90 -> 0.865); the
    # other rows are untouched. So the month's 1-29 count grows by current x miss x 0.5 per band
    # and the 30-59 count does not move.
    d_m1 = moved.state_counts[0, 0, 1] - flat.state_counts[0, 0, 1]
    d_m2 = moved.state_counts[0, 0, 2] - flat.state_counts[0, 0, 2]
    exp_m1 = sum(base.counts[b, 0] * base.matrix[b, 0, 1] * (factor - 1) for b in range(3))
    # 20,000 x 0.07 x 0.5 + 60,000 x 0.03 x 0.5 + 40,000 x 0.01 x 0.5 = 700 + 900 + 200
    assert exp_m1 == pytest.approx(1_800)
    assert d_m1 == pytest.approx(exp_m1, rel=1e-9)
    assert d_m2 == pytest.approx(0.0, abs=1e-6)
    assert P_HIGH[0, 1] == 0.07


def test_macro_paths_revert_from_the_level_now_at_the_datas_persistence():
    s = seasonality.Seasonality("us", {}, {}, {}, 2025 * 12 + 5, macro_sd=0.1, macro_rho=0.8, level_now=0.2,
                                level_mean=-0.1)
    f = s.paths(20_000, 6, seed=3)
    z = np.log(f)  # no seasons here: the factor is exp(z)
    # E z_t = mean + rho^t (now - mean): month 1 -0.1 + 0.8 x 0.3 = 0.14, month 6 -0.1 + 0.8^6 x 0.3.
    assert z[:, 0].mean() == pytest.approx(0.14, abs=0.003)
    assert z[:, 5].mean() == pytest.approx(-0.1 + 0.8 ** 6 * 0.3, abs=0.003)
    # The spread grows toward the stationary sd 0.1: month 1's is 0.1 x sqrt(1 - 0.64) = 0.06.
    assert z[:, 0].std() == pytest.approx(0.06, rel=0.03)
    # Paired paths: the same seed gives every strategy the same macro path.
    assert np.array_equal(f, s.paths(20_000, 6, seed=3))


def test_macro_movement_is_the_scatter_beyond_poisson_noise():
    # 24 months of 10,000,000 current loans: misses alternate 1.2x and 1/1.2x of 100,000 (Poisson
    # noise 1/misses is about 1e-5, negligible), so log rate = mean ± log 1.2 and the lag-1
    # autocorrelation is negative (clipped to 0: no persistence).
    months = pd.date_range("2023-07-01", "2025-06-01", freq="MS")
    missed = np.array([100_000 * (1.2 if i % 2 else 1 / 1.2) for i in range(24)])
    counts = pd.DataFrame({"as_of_month": months, "current": 10_000_000.0, "missed": missed})
    s = seasonality.from_counts(counts, "cn", date(2025, 6, 1), pseudo=50.0)
    x = np.log(missed / 10_000_000.0 / np.array([s.factor(m.year * 12 + m.month - 1) for m in months]))
    assert s.macro_rho == 0.0
    assert s.macro_sd == pytest.approx(np.sqrt(np.var(x, ddof=1) - np.mean(1 / missed)))
    assert 0.17 < s.macro_sd < 0.2  # about log 1.2 = 0.18


def test_cure_factors_are_shrunk_cure_rates_relative_to_the_matrices_year():
    # 24 months (2023-07 .. 2025-06), 1,000 delinquent loans a month, 550 cure; 400 in the Spring
    # Festival months (2024-02, 2025-01: collectors on leave, borrowers travelling).
    months = pd.date_range("2023-07-01", "2025-06-01", freq="MS")
    festival = [(m.year, m.month) in ((2024, 2), (2025, 1)) for m in months]
    counts = pd.DataFrame({"as_of_month": months, "current": 10_000.0, "missed": 100.0, "delinquent": 1_000.0,
                           "cured": np.where(festival, 400.0, 550.0)})
    s = seasonality.from_counts(counts, "cn", date(2025, 6, 1), pseudo=50.0)
    r = (22 * 550 + 2 * 400) / 24_000
    raw_sf = (800 + 50) / (2_000 * r + 50)
    raw_after = (1_100 + 50) / (2_000 * r + 50)
    raw_other = (11_000 + 50) / (20_000 * r + 50)
    mean = (raw_sf + raw_after + 10 * raw_other) / 12
    assert s.cure_factors["spring_festival"] == pytest.approx(raw_sf / mean)
    assert s.cure_factors["other"] == pytest.approx(raw_other / mean)
    assert 400 / 550 < s.cure_factors["spring_festival"] < 0.76   # 0.727 shrunk toward 1: 0.755
    assert s.cure_horizon(12)[7] == pytest.approx(s.cure_factors["spring_festival"])  # 2026-02
    assert s.cure_horizon(12)[8] == pytest.approx(raw_after / mean)
    # Counts without the delinquent columns (an older caller) give no cure factors.
    assert seasonality.from_counts(counts[["as_of_month", "current", "missed"]], "cn", date(2025, 6, 1)).cure_factors == {}


def test_the_engine_scales_delinquent_loans_cures_by_the_months_factor():
    base = toy_baseline()
    season = seasonality.Seasonality("cn", {}, {}, {}, 2026 * 12 + 0, cure_factors={"spring_festival": 0.8})
    settings = RunSettings(months=1, paths=1, history=False)
    args = (effects.effect_book().zero(), rules.rules_for("cn"), rules.default_operations("cn"), LossParams())
    flat = run(compile_plan(base, spec.DO_NOTHING, *args, history=False), settings, LossParams(), "cn",
               stochastic=False)
    moved = run(compile_plan(replace(base, seasonality=season), spec.DO_NOTHING, *args, history=False), settings,
                LossParams(), "cn", stochastic=False)
    # Cures of the delinquent rows (0.50, 0.20, 0.05, 0.02, 0 in every band) fall by a fifth:
    # high 1,500·0.5 + 600·0.2 + 300·0.05 + 200·0.02 = 889, medium 989.1, low 217.9; 20% of 2,096.
    d_current = moved.state_counts[0, 0, 0] - flat.state_counts[0, 0, 0]
    assert d_current == pytest.approx(-0.2 * 2_096.0, rel=1e-9)
    # Current loans' misses are untouched: the 1-29 count gains only what stayed instead of curing.
    assert moved.state_counts[0, 0, :].sum() == pytest.approx(flat.state_counts[0, 0, :].sum())


def test_macro_persistence_is_the_lag_one_covariance_over_the_variance_net_of_noise():
    # us (calendar classes): 24 months of 40,000 current loans, misses 400·e^0.2 for a year, then
    # 400·e^-0.2: every class has one month of each, so every factor is 1 and log rate = mean ± 0.2.
    # Lag-1 covariance 21 · 0.04 / 23 (21 pairs on the same side, 1 across), variance 24 · 0.04 / 23
    # less the Poisson noise mean(1 / misses) = cosh(0.2) / 400: rho = 0.932 (the noisy series' own
    # lag-1 correlation, 21 / 24 = 0.875, is biased toward 0).
    months = pd.date_range("2023-07-01", "2025-06-01", freq="MS")
    missed = 400 * np.exp(np.where(np.arange(24) < 12, 0.2, -0.2))
    counts = pd.DataFrame({"as_of_month": months, "current": 40_000.0, "missed": missed})
    s = seasonality.from_counts(counts, "us", date(2025, 6, 1), pseudo=50.0)
    assert s.factors == pytest.approx({f"m{m:02d}": 1.0 for m in range(1, 13)})
    net = 24 * 0.04 / 23 - np.cosh(0.2) / 400
    assert s.macro_sd == pytest.approx(np.sqrt(net))
    assert s.macro_rho == pytest.approx(21 * 0.04 / 23 / net)
    assert s.macro_rho == pytest.approx(0.932, abs=0.001)
