"""`python -m analytics train` and the risk exports (scores, early_warning, feature_importance)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from analytics.risk import model as risk_model
from analytics.risk import scoring
from analytics.store import Tables


@pytest.fixture
def with_model(small_model_dir, monkeypatch):
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(small_model_dir))
    return small_model_dir


def scored_count(db, month: str | None = None) -> int:
    con = duckdb.connect(str(db))
    where = f"DATE '{month}-01'" if month else "(SELECT max(as_of_month) FROM performance)"
    n = con.execute(f"""SELECT count(*) FROM performance WHERE status = 'active' AND days_past_due <= 29
                        AND as_of_month = {where}""").fetchone()[0]
    con.close()
    return n


def test_train_command_saves_a_model(small_db, tmp_path, capsys):
    code = main(["--db", str(small_db), "train", "--horizon", "2", "--models-dir", str(tmp_path), "--threads", "1",
                 "--max-rows", "8000"])
    assert code == 0
    out = capsys.readouterr().out
    assert "AUC" in out and "logistic baseline" in out and "out-of-time test" in out
    model = risk_model.load(tmp_path)
    assert model.horizon == 2 and (tmp_path / risk_model.META_FILE).exists()


def test_train_rejects_a_bad_horizon(small_db, tmp_path, capsys):
    assert main(["--db", str(small_db), "train", "--horizon", "13", "--models-dir", str(tmp_path)]) == 2
    assert "--horizon 13 is out of range" in capsys.readouterr().err
    assert not (tmp_path / risk_model.MODEL_FILE).exists()


def test_exports_need_a_trained_model(small_db, tmp_path, capsys):
    assert main(["--db", str(small_db), "export", "scores", "--out", str(tmp_path / "s.csv")]) == 2
    assert "No trained risk model" in capsys.readouterr().err


def test_scores_latest_and_any_past_month(small_db, with_model, tmp_path):
    out = tmp_path / "scores.csv"
    assert main(["--db", str(small_db), "export", "scores", "--out", str(out)]) == 0
    latest = pd.read_csv(out)
    assert list(latest.columns) == ["loan_id", "as_of_month", "probability", "band"]
    assert len(latest) == scored_count(small_db) and latest["as_of_month"].nunique() == 1

    assert main(["--db", str(small_db), "export", "scores", "--out", str(out), "--month", "2024-03"]) == 0
    past = pd.read_csv(out)
    assert len(past) == scored_count(small_db, "2024-03")
    assert set(past["as_of_month"]) == {"2024-03-01"}
    # The same numbers as scoring that month directly.
    con = duckdb.connect(str(small_db))
    direct = scoring.score_month(Tables.of(store.reader(con)), risk_model.load(with_model), pd.Timestamp("2024-03-01"))
    con.close()
    merged = past.merge(direct[["loan_id", "probability", "band"]], on="loan_id", suffixes=("", "_d"))
    assert len(merged) == len(past)
    assert np.allclose(merged["probability"], merged["probability_d"], rtol=1e-9)
    assert (merged["band"] == merged["band_d"]).all()


def test_scores_month_outside_the_data(small_db, with_model, tmp_path, capsys):
    assert main(["--db", str(small_db), "export", "scores", "--out", str(tmp_path / "x.csv"), "--month", "2031-01"]) == 2
    assert "2031-01 is not in the data" in capsys.readouterr().err


def test_early_warning_and_importance_exports(small_db, with_model, tmp_path):
    out = tmp_path / "ew.csv"
    assert main(["--db", str(small_db), "export", "early_warning", "--out", str(out), "--top", "40"]) == 0
    queue = pd.read_csv(out)
    assert len(queue) == 40 and list(queue["rank"]) == list(range(1, 41))
    assert queue["expected_loss"].is_monotonic_decreasing
    assert queue["top_reason"].str.len().gt(0).all() and queue["top_reason_zh"].str.len().gt(0).all()
    assert {"loan_id", "probability", "band", "exposure", "lgd", "expected_loss"} <= set(queue.columns)
    assert "borrower_name" not in queue.columns and "phone" not in queue.columns

    out = tmp_path / "imp.csv"
    assert main(["--db", str(small_db), "export", "feature_importance", "--out", str(out)]) == 0
    imp = pd.read_csv(out)
    model = risk_model.load(with_model)
    assert sorted(imp["feature"]) == sorted(model.features)
    assert imp["mean_abs_shap"].is_monotonic_decreasing and imp["label_zh"].notna().all()


def test_month_filter_of_other_exports_still_works(small_db, tmp_path):
    out = tmp_path / "kpis.csv"
    assert main(["--db", str(small_db), "export", "kpis", "--out", str(out), "--month", "2025-06"]) == 0
    assert set(pd.read_csv(out)["as_of_month"]) == {"2025-06-01"}


def test_validate_writes_a_report_in_both_languages(small_db, with_model, tmp_path, capsys):
    model = risk_model.load(with_model)
    for lang, words in (("en", ("Data", "Design", "Performance", "Stability", "Limitations", "DPD alone")),
                        ("zh", ("数据", "模型设计", "稳定性", "局限性", "仅逾期天数"))):
        out = tmp_path / f"v_{lang}.html"
        assert main(["--db", str(small_db), "validate", "--out", str(out), "--lang", lang]) == 0
        page = out.read_text(encoding="utf-8")
        assert all(w in page for w in words), lang
        assert "<script" not in page and "<link" not in page
    printed = capsys.readouterr().out
    # The printed table carries the saved pack's numbers: the overall model AUC, to 3 places.
    auc = model.meta["metrics"]["model"]["auc"]
    assert any(line.startswith("stage:all") and f" model      {auc:.3f}" in line for line in printed.splitlines())
    assert main(["--db", str(small_db), "validate", "--out", str(tmp_path / "x.html"), "--lang", "fr"]) == 2


def test_backtest_export(small_db, with_model, tmp_path):
    out = tmp_path / "bt.csv"
    assert main(["--db", str(small_db), "export", "backtest", "--out", str(out)]) == 0
    bt = pd.read_csv(out)
    assert list(bt.columns) == ["as_of_month", "band", "loans", "bads", "predicted", "realised", "low", "high", "alert"]
    model = risk_model.load(with_model)
    con = duckdb.connect(str(small_db))
    last = con.execute("SELECT max(as_of_month) FROM performance").fetchone()[0]
    con.close()
    assert pd.Timestamp(bt["as_of_month"].max()) == pd.Timestamp(last) - pd.DateOffset(months=model.horizon)
    overall = bt[bt["band"] == "all"]
    assert (overall["low"] <= overall["predicted"]).all() and (overall["predicted"] <= overall["high"]).all()
    # The per-band loans add up to the month's loans.
    by_band = bt[bt["band"] != "all"].groupby("as_of_month")["loans"].sum()
    assert (by_band == overall.set_index("as_of_month")["loans"]).all()
