"""Any book trains (issue 16): without contacts, restructures or credit scores the risk model is
trained on what there is and says which features it left out (no 'window shape' crash)."""

from __future__ import annotations

import duckdb

from analytics import store
from analytics.risk.train import TrainConfig, train
from analytics.store import Tables
from tests.conftest import build_sample


def test_book_without_contacts_restructures_or_scores_trains(tmp_path):
    db = build_sample(tmp_path / "s.duckdb", loans=1500, seed=3)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM restructures")
    con.execute("DELETE FROM actions")
    con.execute("UPDATE loans SET credit_score = NULL")
    con.close()
    con = store.open_duckdb(db)
    try:
        model = train(Tables.of(store.reader(con)), TrainConfig(max_iter=20, threads=1, shap_rows=200))
    finally:
        con.close()
    meta = model.meta
    # No restructure ever happened, no score was given: those features have no value for any loan.
    assert {"months_since_restructure", "credit_score"} <= set(meta["left_out_features"])
    assert not set(meta["left_out_features"]) & set(model.features)
    assert not meta["collections_features"]
    assert 0.5 < meta["metrics"]["model"]["auc"] <= 1.0
