"""Scores stored at training are served only for the same model, data and month."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd

from analytics import store
from analytics.risk import model as risk_model
from analytics.risk import scoring, stored_scores


def test_stored_scores_equal_scoring_and_go_stale(small_db, small_model_dir, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(small_model_dir, models)
    con = duckdb.connect(str(small_db))
    try:
        t = store.Tables.of(store.reader(con))
        model = risk_model.load(models)
        version = store.data_version(small_db, con)
        stored_scores.save(t, model, models, version)
        month = scoring.resolve_month(t, None)
        stamp = stored_scores.model_stamp(models)
        got = stored_scores.load(models, month, stamp, version)
        want = scoring.score_month(t, model, month)
    finally:
        con.close()
    assert got is not None and len(got) == len(want) > 100
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    assert stored_scores.load(models, month, stamp, "another-load") is None  # new data
    assert stored_scores.load(models, month, "another-model", version) is None  # retrained
    earlier = (pd.Timestamp(month) - pd.DateOffset(months=1)).date()
    assert stored_scores.load(models, earlier, stamp, version) is None  # another month: scored live
