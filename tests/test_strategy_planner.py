"""Test planner: the closed forms against a textbook value and a simulation of the test itself."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from analytics.errors import InputError
from analytics.strategy import planner


def test_textbook_sample_size():
    # 10% vs 15%, two-sided 5%, 80% power: 686 per group (Fleiss, no continuity correction).
    assert planner.sample_size(0.10, 0.5, "cure") == (686, 686)
    assert planner.sample_size(0.15, 1 / 3, "roll") == (686, 686)
    n_c, n_t = planner.sample_size(0.10, 0.5, "cure", ratio=2.0)
    assert n_t == pytest.approx(2 * n_c, abs=1) and n_c < 686


def test_power_at_the_planned_size_is_the_target():
    n_c, n_t = planner.sample_size(0.06, 0.25, "roll", alpha=0.05, power=0.9)
    assert planner.power_of(0.06, 0.25, n_c, n_t, "roll") == pytest.approx(0.9, abs=0.002)


def test_power_matches_a_simulated_z_test():
    rng = np.random.default_rng(1)
    p_c, eff, n = 0.08, 0.3, 1200
    p_t = p_c * (1 - eff)
    x_c, x_t = rng.binomial(n, p_c, 20_000), rng.binomial(n, p_t, 20_000)
    pbar = (x_c + x_t) / (2 * n)
    z = (x_c / n - x_t / n) / np.sqrt(pbar * (1 - pbar) * 2 / n)
    simulated = np.mean(np.abs(z) > norm.ppf(0.975))
    assert planner.power_of(p_c, eff, n, n, "roll") == pytest.approx(simulated, abs=0.015)


def test_months_and_errors():
    tp = planner.plan_test(0.10, 0.5, "cure", eligible_per_month=686, share_in_test=0.5)
    assert tp.months == pytest.approx(4.0)
    with pytest.raises(InputError, match="zero"):
        planner.sample_size(0.1, 0.0)
    with pytest.raises(InputError, match="outside"):
        planner.sample_size(0.8, 0.5, "cure")
    curve = planner.power_curve(0.10, 0.5, "cure")
    powers = [p for _, p in curve]
    assert powers == sorted(powers) and powers[-1] > 0.95
