"""Model-quality and stability metrics against independent computations (sklearn, scipy, by hand)."""

import math

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import brier_score_loss, roc_auc_score

from analytics.risk import metrics as M


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(3)
    y = rng.random(4000) < 0.08
    # Rounded scores make many ties, which the rank formula must count as half.
    p = np.round(np.clip(0.05 + 0.25 * y + rng.normal(0, 0.15, len(y)), 0.001, 0.999), 2)
    return y.astype(int), p


def test_auc_and_gini_equal_sklearn(scored):
    y, p = scored
    assert M.auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert M.gini(y, p) == pytest.approx(2 * roc_auc_score(y, p) - 1, abs=1e-12)


def test_auc_by_hand():
    # Pairs (bad, good): (0.8, 0.1) win, (0.8, 0.8) tie, (0.3, 0.1) win, (0.3, 0.8) loss -> 2.5 / 4.
    assert M.auc([1, 1, 0, 0], [0.8, 0.3, 0.1, 0.8]) == pytest.approx(0.625)
    assert math.isnan(M.auc([0, 0], [0.1, 0.2]))


def test_ks_equals_scipy(scored):
    y, p = scored
    assert M.ks(y, p) == pytest.approx(ks_2samp(p[y == 1], p[y == 0]).statistic, abs=1e-12)


def test_ks_by_hand():
    # bads at 0.9, 0.7; goods at 0.2, 0.4, 0.8. At 0.4: F_good = 2/3, F_bad = 0 -> KS = 2/3.
    assert M.ks([1, 1, 0, 0, 0], [0.9, 0.7, 0.2, 0.4, 0.8]) == pytest.approx(2 / 3)


def test_brier_equals_sklearn(scored):
    y, p = scored
    assert M.brier(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-15)
    assert M.brier([1, 0], [0.75, 0.25]) == pytest.approx(0.0625)


def test_psi_by_hand():
    expected, actual = [0.5, 0.3, 0.2], [0.4, 0.4, 0.2]
    hand = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.4 - 0.3) * math.log(0.4 / 0.3) + 0.0
    assert M.psi(expected, actual) == pytest.approx(hand, abs=1e-12)
    assert M.psi(expected, expected) == 0.0
    # An empty bin counts as 0.0001 instead of dividing by zero.
    assert M.psi([0.5, 0.5], [1.0, 0.0]) == pytest.approx(
        (1.0 - 0.5) * math.log(1.0 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5))


def test_bin_shares_and_psi_from_raw_values():
    edges = [1.0, 2.0]
    values = [0.5, 1.0, 1.5, 2.5, np.nan]  # bins: <1, [1,2), >=2, missing
    assert list(M.bin_index(values, edges)) == [0, 1, 1, 2, 3]
    assert list(M.bin_shares(values, edges)) == pytest.approx([0.2, 0.4, 0.2, 0.2])
    assert list(M.bin_shares([0.5, 2.5], edges, weights=[3, 1])) == pytest.approx([0.75, 0, 0.25, 0])
    rng = np.random.default_rng(0)
    ref = rng.normal(0, 1, 20_000)
    cuts = M.quantile_edges(ref)
    assert len(cuts) == 9
    assert list(M.bin_shares(ref, cuts)[:10]) == pytest.approx([0.1] * 10, abs=0.002)
    same = M.psi(M.bin_shares(ref, cuts), M.bin_shares(rng.normal(0, 1, 20_000), cuts))
    moved = M.psi(M.bin_shares(ref, cuts), M.bin_shares(rng.normal(0.8, 1, 20_000), cuts))
    assert same < M.PSI_WATCH < M.PSI_SHIFTED < moved
    assert [M.psi_status(v) for v in (0.05, 0.1, 0.25, 0.3)] == ["stable", "watch", "watch", "shifted"]


def test_weighted_quantiles_equal_repeated_values():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    weights = np.array([1, 3, 1, 5])
    repeated = np.repeat(values, weights)
    qs = [0.1, 0.5, 0.9]
    ours = M.weighted_quantiles(values, qs, weights)
    assert list(ours) == list(np.quantile(repeated, qs, method="inverted_cdf"))
    assert list(M.weighted_quantiles(values, [0.0, 0.15, 0.45, 0.55, 1.0], weights)) == [1, 2, 3, 4, 4]


def test_decile_table_by_hand():
    # 20 loans; the four riskiest are bad, plus one in the middle.
    p = np.linspace(0.99, 0.01, 20)
    y = np.zeros(20, int)
    y[[0, 1, 2, 3, 10]] = 1
    d = M.decile_table(y, p)
    assert list(d["n"]) == [2] * 10
    assert list(d["bads"]) == [2, 2, 0, 0, 0, 1, 0, 0, 0, 0]
    assert d.loc[0, "lift"] == pytest.approx(1.0 / 0.25)
    assert list(d["gains"]) == pytest.approx([0.4, 0.8, 0.8, 0.8, 0.8, 1, 1, 1, 1, 1])
    assert d.loc[0, "mean_predicted"] == pytest.approx((0.99 + p[1]) / 2)
    assert d["cum_population"].iloc[-1] == pytest.approx(1.0)


def test_score_histogram_shares_sum_to_one(scored):
    y, p = scored
    h = M.score_histogram(y, p)
    assert h["goods"].sum() == pytest.approx(1) and h["bads"].sum() == pytest.approx(1)
    assert (h["lo"] < h["hi"]).all()
