"""The simulator segments by the risk model's bands when a model is trained, else by score band."""

import duckdb
import ibis

from analytics.risk import model as risk_model
from analytics.risk.scoring import risk_scores
from analytics.store import Tables
from analytics.strategy import inputs
from analytics.strategy.baseline import MODEL_BAND_MAP


def test_model_bands_follow_the_scores(small_db, small_model_dir, tmp_path):
    con = duckdb.connect(str(small_db))
    try:
        t = Tables.of(ibis.duckdb.from_connection(con))
        assert inputs.model_bands(t, None, tmp_path / "no_model_here") is None
        bands = inputs.model_bands(t, None, small_model_dir)
        scores = risk_scores(t, risk_model.load(small_model_dir))
    finally:
        con.close()
    merged = scores.merge(bands, on="loan_id")
    assert len(merged) == len(scores) > 100
    assert (merged["band"].map(MODEL_BAND_MAP) == merged["risk_band"]).all()
    assert set(merged["risk_band"]) <= {"high", "medium", "low"}
