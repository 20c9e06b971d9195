"""The Risk & explanations page through AppTest: train, pick a loan, what-if, export the queue."""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from analytics import store
from analytics.display import i18n
from analytics.risk import explain, scoring
from analytics.risk import model as risk_model
from analytics.risk.train import TrainConfig, train
from analytics.store import Tables
from tests.apptest import RISK as PAGE
from tests.apptest import TRAIN_TIMEOUT, charts, metric, no_errors, start, values
from ui.state import RISK_TAB


def open_page(tab: str | None = None):
    return start(PAGE, session={RISK_TAB: tab} if tab else None)


@pytest.fixture
def trained_env(app_env, small_model_dir, monkeypatch):
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(small_model_dir))
    return app_env, small_model_dir


@pytest.fixture(scope="module")
def latest_scores(small_db, small_model_dir):
    con = duckdb.connect(str(small_db))
    try:
        model = risk_model.load(small_model_dir)
        return model, scoring.score_month(Tables.of(store.reader(con)), model)
    finally:
        con.close()


def test_first_visit_offers_training_then_scores(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(tmp_path))
    at = open_page()
    no_errors(at)
    assert any("No risk model" in i.value for i in at.info)
    assert at.button(key="w_risk_train").label == "Train model"
    assert not at.tabs  # nothing is trained or scored silently

    at.button(key="w_risk_train").click().run(timeout=TRAIN_TIMEOUT)
    no_errors(at)
    assert (tmp_path / risk_model.MODEL_FILE).exists()
    assert any("Model trained" in s.value for s in at.success)
    con = duckdb.connect(str(app_env))
    n = con.execute("""SELECT count(*) FROM performance WHERE status = 'active' AND days_past_due <= 29
                       AND as_of_month = (SELECT max(as_of_month) FROM performance)""").fetchone()[0]
    con.close()
    assert metric(at, "Loans scored") == f"{n:,}"
    # A rerun reuses the saved model: same file, no training.
    stamp = (tmp_path / risk_model.MODEL_FILE).stat().st_mtime_ns
    at.run()
    no_errors(at)
    assert (tmp_path / risk_model.MODEL_FILE).stat().st_mtime_ns == stamp


def test_pick_a_loan_and_change_what_if_inputs(trained_env, latest_scores):
    model, scores = latest_scores
    explainer = explain.Explainer(model)
    at = open_page("Explain a loan")
    no_errors(at)
    pick = at.selectbox(key="w_risk_loan_pick")
    loan = pick.options[3] if len(pick.options) > 3 else pick.options[0]
    loan = loan.split(" · ")[0]
    pick.select(loan).run()
    no_errors(at)
    row = scores.set_index("loan_id").loc[loan]
    assert any(loan in h.value for h in at.subheader)
    assert metric(at, "Probability") == f"{row['probability']:.2%}"
    assert metric(at, "Risk band") == i18n.t(f"risk.band.{row['band']}", "en")
    region_p = scores.loc[scores["region"] == row["region"], "probability"].mean()
    assert metric(at, f"Average in {row['region']}") == f"{region_p:.2%}"
    # The three reasons shown are the model's first three, in both languages.
    reference = explain.book_reference(scores, model.features)
    sv = explainer.shap_values(model.matrix(row.to_frame().T.assign(loan_id=loan)))[0]
    reasons = explain.reasons(sv, row, model.features, 3, reference)
    shown = " ".join(m.value for m in [*at.markdown, *at.caption])  # the other language is a caption
    for r in reasons:
        assert r.text_en in shown and r.text_zh in shown

    at.slider(key="w_risk_wi_ext").set_value(6).run()
    no_errors(at)
    row = scores[scores["loan_id"] == loan].iloc[0]
    expected = explain.what_if(model, explainer, row, explain.WhatIf(extension_months=6))
    assert metric(at, "New probability") == f"{expected['after']:.2%}"
    assert len(at.get("plotly_chart")) == 2  # waterfall and the what-if SHAP comparison

    at.selectbox(key="w_risk_wi_contact").select("promise_to_pay").run()
    no_errors(at)
    expected = explain.what_if(model, explainer, row, explain.WhatIf(extension_months=6,
                                                                     contact_outcome="promise_to_pay"))
    assert metric(at, "New probability") == f"{expected['after']:.2%}"

    # Away to another tab and back: the inputs start again from the loan's own facts.
    at.session_state["w_risk_tab"] = "Model"
    at.run()
    at.session_state["w_risk_tab"] = "Explain a loan"
    at.run()
    no_errors(at)
    assert at.number_input(key="w_risk_wi_pay").value == pytest.approx(round(float(row["scheduled_payment"]), 2))
    assert at.slider(key="w_risk_wi_ext").value == 0
    assert not any(m.label == "New probability" for m in at.metric)


def test_search_for_a_loan_that_is_not_scored(trained_env):
    at = open_page("Explain a loan")
    at.text_input(key="w_risk_loan_id").input("L99999999").run()
    no_errors(at)
    assert any("is not scored" in w.value for w in at.warning)


def test_export_the_queue(trained_env, latest_scores, monkeypatch):
    model, scores = latest_scores
    captured: list[bytes] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        if filename and filename.endswith(".csv"):
            captured.append(path_or_data)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    at = open_page()
    no_errors(at)
    at.number_input(key="w_risk_q_top").set_value(60).run()
    no_errors(at)
    assert at.get("download_button")[0].label == "Download the list (CSV)"
    queue = pd.read_csv(io.BytesIO(captured[-1]), encoding="utf-8-sig")
    assert len(queue) == 60 and queue["expected_loss"].is_monotonic_decreasing
    shown = at.dataframe[0].value
    assert list(shown["loan_id"]) == list(queue["loan_id"])
    # Independently: probability x balance x LGD, the 60 largest.
    con = duckdb.connect(str(trained_env[0]))
    lgd = scoring.loss_given_default(Tables.of(store.reader(con)))
    con.close()
    ranked = scoring.with_expected_loss(scores, lgd)
    assert list(queue["loan_id"]) == list(ranked["loan_id"].head(60))

    at.multiselect(key="w_risk_q_bands").select("very_high").run()
    no_errors(at)
    queue = pd.read_csv(io.BytesIO(captured[-1]), encoding="utf-8-sig")
    assert set(queue["band"]) == {"very_high"}
    assert len(queue) == min(60, int((scores["band"] == "very_high").sum()))


def test_every_tab_in_both_languages(trained_env):
    # Each tab runs only when open; a widget only that tab draws proves the right one ran.
    marks = {"risk.tab.queue": lambda at: at.number_input(key="w_risk_q_top"),
             "risk.tab.loan": lambda at: at.selectbox(key="w_risk_loan_pick"),
             "risk.tab.drivers": lambda at: at.selectbox(key="w_risk_dep_feature"),
             "risk.tab.segments": lambda at: at.segmented_control(key="w_risk_seg_by"),
             "risk.tab.model": lambda at: at.button(key="w_risk_retrain"),
             "risk.tab.monitoring": lambda at: next(m for m in at.metric if "PSI" in m.label)}
    for lang in ("en", "zh"):
        for key, mark in marks.items():
            at = start(PAGE, session={RISK_TAB: i18n.t(key, lang)}, lang=lang)
            no_errors(at)
            assert at.title[0].value == i18n.t("risk.title", lang)
            assert mark(at) is not None, key
            others = [k for k in marks if k != key and k != "risk.tab.monitoring"]
            for other in others:
                with pytest.raises(KeyError):
                    marks[other](at)
            assert len(at.get("plotly_chart")) >= 1, key


def test_imported_data_without_contacts_says_so(app_env, small_db, tmp_path, monkeypatch):
    src = duckdb.connect(str(small_db))
    frames = {n: src.execute(f"SELECT * FROM {n}").df() for n in ("loans", "performance", "restructures")}
    src.close()
    db = tmp_path / "imported.duckdb"
    con = store.open_duckdb(db)
    store.write_tables(con, [store.Batch(n, f) for n, f in frames.items()], {"source": "import"})
    model = train(Tables.of(store.reader(con)), TrainConfig(threads=1, max_iter=60))
    con.close()
    risk_model.save(model, tmp_path / "models")
    monkeypatch.setenv("COLLECTLENS_DB", str(db))
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(tmp_path / "models"))
    at = open_page()
    no_errors(at)
    assert any("no contact history" in i.value for i in at.info)
    assert not any("data changed" in w.value for w in at.warning)


def test_model_from_other_data_is_flagged(app_env, small_db, small_model_dir, tmp_path, monkeypatch):
    """A model whose data fingerprint differs from the data now loaded says so, and still scores."""
    src = duckdb.connect(str(small_db))
    frames = {n: src.execute(f"SELECT * FROM {n}").df() for n in ("loans", "performance", "actions", "restructures")}
    src.close()
    perf = frames["performance"]
    frames["performance"] = perf[perf["as_of_month"] < perf["as_of_month"].max()]  # one month less
    con = store.open_duckdb(tmp_path / "other.duckdb")
    store.write_tables(con, [store.Batch(n, f) for n, f in frames.items()], {"source": "import"})
    con.close()
    monkeypatch.setenv("COLLECTLENS_DB", str(tmp_path / "other.duckdb"))
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(small_model_dir))
    at = open_page()
    no_errors(at)
    assert any("data changed" in w.value for w in at.warning)
    assert metric(at, "Loans scored") != "0"


def test_monitoring_chart_shows_what_export_backtest_writes(trained_env, small_model_dir, latest_scores, monkeypatch):
    """The Monitoring tab's predicted and realised bad rates are the rows `export backtest` writes: the
    same sample of each month's scored loans. The sample size is lowered below the book's monthly
    count, so a page drawing its own, differently sized sample would show other figures."""
    from analytics import exports
    from analytics.risk import backtest
    monkeypatch.setattr(backtest.backtest_sample, "__defaults__", (400,))
    at = start(PAGE, session={RISK_TAB: i18n.t("risk.tab.monitoring", "en")})
    no_errors(at)
    fig = charts(at)[0]  # the tab's first chart: outcome monitoring
    # The export, through a connection opened as the queue test above opens it (after the page ran).
    con = duckdb.connect(str(trained_env[0]))
    try:
        table = exports.backtest(Tables.of(store.reader(con)), small_model_dir)
    finally:
        con.close()
    book = table[table["band"] == "all"].sort_values("as_of_month")
    # About 400 of each month's loans (a hash sample), far fewer than a month scores.
    assert len(book) >= 6 and (book["loans"] < 500).all() and len(latest_scores[1]) > 1_000
    traces = {tr["name"]: tr for tr in fig["data"]}
    for name, col in (("risk.backtest.predicted", "predicted"), ("risk.backtest.realised", "realised")):
        shown = values(traces[i18n.t(name, "en")]["y"])
        assert shown.tolist() == pytest.approx(book[col].tolist(), abs=1e-12), name
