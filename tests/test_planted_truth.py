"""The analytics recover what the sample generator planted (metadata.truth and analytics/synth.py).

Tolerances are stated per test: a planted probability is recovered within 4 binomial standard
errors; a planted ordering or effect must be significant by a one-sided z-test (z > 2.5).
"""

from __future__ import annotations

import math
from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.metrics import cohorts, delinquency, transitions
from tests.conftest import build_sample


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    db = build_sample(tmp_path_factory.mktemp("truth") / "t.duckdb", loans=30_000, seed=13, market="cn")
    con = ibis.duckdb.connect(str(db))
    truth = store.read_metadata(con.con)["truth"]
    yield con.table("performance"), con.table("loans"), truth
    con.disconnect()


def z_greater(e1, n1, e2, n2) -> float:
    return cohorts.two_proportion_z(e1, n1, e2, n2)[0]


def test_loss_transitions_recovered(book):
    perf, _, truth = book
    walk = truth["walk"]
    g = transitions.transition_matrix(perf).to_pandas().groupby(["from_state", "to_state"])["loans"].sum()
    # Repossession rather than charge-off: 50% of terminations in the cn market (synth: repo draw).
    repo = g.xs("repossessed", level=1).sum()
    loss = repo + g.xs("charged_off", level=1).sum()
    assert abs(repo / loss - walk["repo_share_cn"]) <= 4 * math.sqrt(0.25 / loss), repo / loss
    # Reaching 120+ from 90-119, a cn loan is closed that month with probability 0.25
    # (WalkCalibration.close_at_120_prob_cn: write-off takes longer in China).
    pc = walk["close_at_120_prob_cn"]
    f = g.loc["dpd_90_119"]
    closed = f.get("charged_off", 0) + f.get("repossessed", 0)
    reached = closed + f.get("dpd_120_plus", 0)
    assert abs(closed / reached - pc) <= 4 * math.sqrt(pc * (1 - pc) / reached), closed / reached
    # A loan is closed at the latest in its 5th consecutive month at 120+: at most 4 active
    # month ends in a row at 120+, and the cap is reached by some loans.
    p = perf.filter(perf.status == "active").select("loan_id", "as_of_month", "days_past_due").to_pandas()
    p = p.sort_values(["loan_id", "as_of_month"])
    at = p["days_past_due"] >= 120
    run_id = (at != at.groupby(p["loan_id"]).shift(1, fill_value=False)).cumsum()
    runs = at.groupby([p["loan_id"], run_id]).sum()
    assert runs.max() == walk["months_at_120_before_close_cn"] - 1, runs.max()


def test_subprime_rolls_more_than_prime(book):
    perf, loans, _ = book
    tm = transitions.transition_matrix(perf, loans, by="credit_tier").to_pandas()
    counts = tm.groupby(["segment", "from_state", "to_state"])["loans"].sum()
    for frm, to in (("current", "dpd_1_29"), ("dpd_1_29", "dpd_30_59")):
        e = {s: counts.loc[(s, frm)].get(to, 0) for s in ("subprime", "prime")}
        n = {s: counts.loc[(s, frm)].sum() for s in ("subprime", "prime")}
        assert z_greater(e["subprime"], n["subprime"], e["prime"], n["prime"]) > 2.5, (frm, e, n)


def test_later_vintages_are_looser(book):
    """Planted: underwriting loosens for the 2023 and 2024 vintages, then holds
    (vintage_loosening_per_year > 0 for at most walk.loosening_years_cap years after 2022)."""
    perf, loans, truth = book
    assert truth["vintage_loosening_per_year"] > 0 and truth["walk"]["loosening_years_cap"] == 2
    vc = cohorts.vintage_curves(perf, loans, grain="year").to_pandas()
    at9 = vc[(vc["metric"] == "ever_30") & (vc["months_on_book"] == 9)].copy()
    at9["year"] = pd.to_datetime(at9["vintage"]).dt.year
    y = at9.set_index("year")
    # Fully loosened vintages (2024-2025) against vintages before any loosening whose first nine
    # months miss the 2022 downturn (2019-2020).
    late, early = y.loc[[2024, 2025]], y.loc[[2019, 2020]]
    assert z_greater(late["events"].sum(), late["denominator"].sum(), early["events"].sum(),
                     early["denominator"].sum()) > 2.5
    # A binomial logistic trend over the vintage years has a clearly positive slope.
    years = y.index.to_numpy(float) - 2022
    k, n = y["events"].to_numpy(), y["denominator"].to_numpy()
    slope, se = _logistic_slope(years, k, n)
    assert slope / se > 2.5, (slope, se)


def _logistic_slope(x, k, n):
    """Maximum-likelihood logistic regression of k successes in n trials on x (Newton steps)."""
    beta = np.zeros(2)
    X = np.column_stack([np.ones_like(x), x])
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ beta))
        grad = X.T @ (k - n * p)
        H = X.T @ (X * (n * p * (1 - p))[:, None])
        beta = beta + np.linalg.solve(H, grad)
    cov = np.linalg.inv(H)
    return beta[1], math.sqrt(cov[1, 1])


def test_bad_dealers_rank_worse(book):
    perf, loans, truth = book
    bad = set(truth["bad_dealers"])
    months = [date(2025, m, 1) for m in range(1, 13)]
    s = delinquency.segment_rates(perf, loans, "dealer_id", months).to_pandas()
    s["bad"] = s["segment"].isin(bad)
    a = s.groupby("bad")[["dq30", "loans"]].sum()
    assert z_greater(a.loc[True, "dq30"], a.loc[True, "loans"], a.loc[False, "dq30"], a.loc[False, "loans"]) > 2.5


def test_henan_stress_shows_in_the_regional_rates(book):
    """Planted: Henan carries extra stress from 2024-03 to 2025-06 (truth.downturn.regional)."""
    perf, loans, truth = book
    start, end = truth["downturn"]["regional"]["Henan"][0][:2]
    assert (start, end) == ("2024-03-01", "2025-06-01")
    t = delinquency.segment_trend(perf.filter(perf.as_of_month >= date(2023, 1, 1)), loans, "region").to_pandas()
    t["stress"] = pd.to_datetime(t["as_of_month"]).between(start, end)
    t["henan"] = t["segment"] == "Henan"
    a = t.groupby(["stress", "henan"])[["dq30", "loans"]].sum()
    z_in = z_greater(a.loc[(True, True), "dq30"], a.loc[(True, True), "loans"],
                     a.loc[(True, False), "dq30"], a.loc[(True, False), "loans"])
    assert z_in > 2.5
    ratio = a["dq30"] / a["loans"]
    assert ratio[(True, True)] / ratio[(True, False)] > ratio[(False, True)] / ratio[(False, False)]

