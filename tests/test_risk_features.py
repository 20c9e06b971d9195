"""Point-in-time features and the target: hand SQL for one loan, and the leakage test."""

from datetime import date

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from analytics.risk import features as F
from analytics.risk.target import with_target
from analytics.store import Tables

MONTH = date(2025, 6, 1)
MI = F.to_month_index(MONTH)


@pytest.fixture(scope="module")
def frames(small_db) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(small_db))
    out = {name: con.execute(f"SELECT * FROM {name}").df() for name in ("loans", "performance", "actions",
                                                                          "restructures")}
    con.close()
    return out


def tables_of(frames: dict[str, pd.DataFrame]) -> Tables:
    backend = ibis.duckdb.connect()
    for name, df in frames.items():
        backend.create_table(name, df)
    return Tables.of(backend)


def features_at(t: Tables, lo: int = MI, hi: int = MI) -> pd.DataFrame:
    snaps = F.snapshot_rows(t.performance, lo, hi)
    out = F.feature_table(t.loans, t.performance, t.actions, t.restructures, snaps, lo, hi).to_pandas()
    return out.sort_values(["snap_mi", "loan_id"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def full_features(frames):
    return features_at(tables_of(frames), MI - 1, MI)


def one(con, sql):
    return con.execute(sql).fetchone()[0]


def test_features_of_one_loan_by_hand(small_db, full_features):
    con = duckdb.connect(str(small_db))
    m = f"DATE '{MONTH}'"
    # A loan with history worth checking: restructured before the month, contacted, still scored.
    loan = one(con, f"""
        SELECT r.loan_id FROM restructures r JOIN performance p ON p.loan_id = r.loan_id AND p.as_of_month = {m}
        WHERE r.effective_month < {m} AND p.status = 'active' AND p.days_past_due <= 29
          AND EXISTS (SELECT 1 FROM actions a WHERE a.loan_id = r.loan_id AND a.action_time < {m} + INTERVAL 1 MONTH
                      AND a.action_time >= {m} - INTERVAL 2 MONTH)
        ORDER BY r.effective_month DESC, r.loan_id LIMIT 1""")
    assert loan is not None, "the small sample should hold a restructured, contacted loan"
    row = full_features[(full_features["loan_id"] == loan) & (full_features["as_of_month"] == pd.Timestamp(MONTH))]
    assert len(row) == 1
    got = row.iloc[0]
    window = lambda n: f"p.as_of_month BETWEEN {m} - INTERVAL {n - 1} MONTH AND {m}"  # noqa: E731
    expected = {
        "dpd_now": one(con, f"SELECT days_past_due FROM performance WHERE loan_id = '{loan}' AND as_of_month = {m}"),
        "worst_dpd_6m": one(con, f"SELECT max(days_past_due) FROM performance p WHERE loan_id = '{loan}' AND {window(6)}"),
        "missed_payments_12m": one(con, f"""SELECT count(*) FROM performance p WHERE loan_id = '{loan}' AND {window(12)}
                                        AND scheduled_payment > 0 AND amount_paid < 0.5 * scheduled_payment"""),
        "paid_share_3m": one(con, f"""SELECT least(sum(amount_paid) / sum(scheduled_payment), 1.5) FROM performance p
                                  WHERE loan_id = '{loan}' AND {window(3)}"""),
        "contacts_3m": one(con, f"""SELECT count(*) FROM actions WHERE loan_id = '{loan}'
                                AND action_time >= {m} - INTERVAL 2 MONTH AND action_time < {m} + INTERVAL 1 MONTH
                                AND coalesce(experiment_arm, '') NOT LIKE '%:control'"""),
        "restructure_count": one(con, f"SELECT count(*) FROM restructures WHERE loan_id = '{loan}' AND effective_month <= {m}"),
        "months_extended_total": one(con, f"""SELECT sum(months_extended) FROM restructures
                                          WHERE loan_id = '{loan}' AND effective_month <= {m}"""),
        "months_since_restructure": one(con, f"""SELECT date_diff('month', max(effective_month), {m}) FROM restructures
                                             WHERE loan_id = '{loan}' AND effective_month <= {m}"""),
        "pti_now": one(con, f"""SELECT l.pti * p.scheduled_payment / l.monthly_payment FROM loans l JOIN performance p
                            USING (loan_id) WHERE loan_id = '{loan}' AND p.as_of_month = {m}"""),
        "region_dq30_rate_3m": one(con, f"""SELECT avg((p.days_past_due >= 30)::INT) FROM performance p JOIN loans l
                                        USING (loan_id) WHERE l.region = (SELECT region FROM loans WHERE loan_id = '{loan}')
                                        AND p.status = 'active' AND {window(3)}"""),
        "dealer_dq30_rate_12m": one(con, f"""
            WITH book AS (SELECT avg((days_past_due >= 30)::INT) AS rate FROM performance p
                          WHERE status = 'active' AND {window(12)}),
            dealer AS (SELECT count(*) AS n, count(*) FILTER (WHERE p.days_past_due >= 30) AS dq
                       FROM performance p JOIN loans l USING (loan_id)
                       WHERE l.dealer_id = (SELECT dealer_id FROM loans WHERE loan_id = '{loan}')
                         AND p.loan_id <> '{loan}' AND p.status = 'active' AND {window(12)})
            SELECT (dq + {F.DEALER_PRIOR_WEIGHT} * rate) / (n + {F.DEALER_PRIOR_WEIGHT}) FROM dealer, book"""),
    }
    con.close()
    for name, value in expected.items():
        assert got[name] == pytest.approx(float(value), rel=1e-9, abs=1e-12), name
    assert got["restructured_12m"] == float(expected["months_since_restructure"] < 12)


def test_snapshot_population_is_active_loans_up_to_29_dpd(small_db, full_features):
    con = duckdb.connect(str(small_db))
    n = one(con, f"""SELECT count(*) FROM performance WHERE as_of_month = DATE '{MONTH}' AND status = 'active'
                     AND days_past_due <= 29""")
    con.close()
    at_month = full_features[full_features["as_of_month"] == pd.Timestamp(MONTH)]
    assert len(at_month) == n
    assert at_month["dpd_now"].max() <= 29
    assert at_month["loan_id"].is_unique


def test_no_personal_data_in_features(full_features):
    names = [f.name for f in F.FEATURES]
    for column in F.PERSONAL_COLUMNS:
        assert column not in names
        assert column not in full_features.columns


# ------------------------------------------------------------------------------------ leakage

def truncated(frames, month: date) -> dict[str, pd.DataFrame]:
    """The tables as they stood at the end of ``month``: nothing dated later."""
    nxt = pd.Timestamp(month) + pd.offsets.MonthBegin(1)
    return {
        "loans": frames["loans"][pd.to_datetime(frames["loans"]["origination_date"]) < nxt],
        "performance": frames["performance"][pd.to_datetime(frames["performance"]["as_of_month"]) < nxt],
        "actions": frames["actions"][pd.to_datetime(frames["actions"]["action_time"]) < nxt],
        "restructures": frames["restructures"][pd.to_datetime(frames["restructures"]["effective_month"]) < nxt],
    }


def rewritten_future(frames, month: date) -> dict[str, pd.DataFrame]:
    """The same past, a very different future: every later row says 'disaster'."""
    nxt = pd.Timestamp(month) + pd.offsets.MonthBegin(1)
    perf = frames["performance"].copy()
    later = pd.to_datetime(perf["as_of_month"]) >= nxt
    perf.loc[later, "days_past_due"] = 150
    perf.loc[later, "amount_paid"] = 0.0
    acts = frames["actions"]
    future_acts = acts[pd.to_datetime(acts["action_time"]) >= nxt]
    broken = future_acts.assign(outcome="promise_to_pay", experiment_arm=None)
    rest = frames["restructures"]
    active_now = perf.loc[pd.to_datetime(perf["as_of_month"]) == nxt - pd.offsets.MonthBegin(1), "loan_id"].head(50)
    extra = pd.DataFrame({"loan_id": active_now.to_numpy(), "effective_month": nxt, "kind": "extension",
                          "months_extended": 24, "payment_before": 1.0, "payment_after": 1.0, "apr_before": 0.1,
                          "apr_after": 0.1})
    return {"loans": frames["loans"], "performance": perf,
            "actions": pd.concat([acts, broken, broken], ignore_index=True),
            "restructures": pd.concat([rest, extra], ignore_index=True)}


def differences(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Columns whose values differ between two feature frames of the same snapshots."""
    assert list(a["loan_id"]) == list(b["loan_id"])
    out = []
    for name in [f.name for f in F.FEATURES]:
        x, y = a[name], b[name]
        if x.dtype == object or y.dtype == object:
            same = (x.astype(str) == y.astype(str)).all()
        else:
            same = np.allclose(x.to_numpy(float), y.to_numpy(float), equal_nan=True, rtol=1e-12, atol=1e-12)
        if not same:
            out.append(name)
    return out


def test_features_use_nothing_after_the_snapshot_month(frames, full_features):
    month = F.month_start(MI)
    cut = features_at(tables_of(truncated(frames, month)), MI - 1, MI)
    changed = features_at(tables_of(rewritten_future(frames, month)), MI - 1, MI)
    assert len(full_features) > 1000
    assert differences(full_features, cut) == []
    assert differences(full_features, changed) == []


def test_leakage_check_catches_a_feature_from_a_future_month(frames, full_features, monkeypatch):
    """The check above has teeth: behaviour read one month ahead makes it fail."""
    real = F._history

    def one_month_ahead(perf, snaps, lo, hi):
        ahead = real(perf, snaps.mutate(snap_mi=snaps.snap_mi + 1), lo + 1, hi + 1)
        return ahead.mutate(snap_mi=ahead.snap_mi - 1)

    monkeypatch.setattr(F, "_history", one_month_ahead)
    leaky_full = features_at(tables_of(frames), MI - 1, MI)
    leaky_changed = features_at(tables_of(rewritten_future(frames, F.month_start(MI))), MI - 1, MI)
    assert "worst_dpd_3m" in differences(leaky_full, leaky_changed)


# ------------------------------------------------------------------------------------- target

@pytest.mark.parametrize("horizon", [1, 3, 6])
def test_target_by_hand(frames, horizon):
    t = tables_of(frames)
    snaps = F.snapshot_rows(t.performance, MI, MI)
    got = with_target(snaps, t.performance, horizon).to_pandas().set_index("loan_id")["target"]
    perf = frames["performance"].copy()
    perf["as_of_month"] = pd.to_datetime(perf["as_of_month"])
    start = pd.Timestamp(MONTH)
    now = perf[(perf["as_of_month"] == start) & (perf["status"] == "active") & (perf["days_past_due"] <= 29)]
    ahead = perf[(perf["as_of_month"] > start) & (perf["as_of_month"] <= start + pd.DateOffset(months=horizon))]
    bad = ahead[(ahead["days_past_due"] >= 60) | ahead["status"].isin(["charged_off", "repossessed"])]
    expected = now["loan_id"].isin(set(bad["loan_id"])).astype(int).to_numpy()
    assert list(got.loc[now["loan_id"]].to_numpy()) == list(expected)
    assert expected.sum() > 0 or horizon == 1
