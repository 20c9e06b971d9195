"""Risk model: training, scoring the book, SHAP for one and for 10,000 loans, the queue, the page.

Targets (issue 5, 1,000,000-loan sample): training < 3 min; scoring all active loans < 30 s;
SHAP for one loan < 100 ms; SHAP for 10,000 loans < 10 s; the page < 1 s per action after its
first load. The floor for scoring is one SQL pass over the same 12 months of history (what any
feature build has to read). Models are written to a temporary folder, never next to the data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from analytics import store
from analytics.risk import explain, monitoring, scoring
from analytics.risk import features as F
from analytics.risk import model as risk_model
from analytics.risk.queue import early_warning
from analytics.risk.train import TrainConfig, train
from analytics.store import Tables
from bench.harness import Row

HISTORY_SQL = """
SELECT loan_id, max(days_past_due), count(*) FILTER (WHERE amount_paid < 0.5 * scheduled_payment),
       sum(amount_paid) / sum(scheduled_payment)
FROM performance WHERE as_of_month BETWEEN DATE '{lo}' AND DATE '{hi}' GROUP BY 1
"""


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(db_path: str) -> list[Row]:
    rows: list[Row] = []
    models = Path(tempfile.mkdtemp(prefix="collectlens_bench_models_"))
    con = duckdb.connect(db_path, read_only=True)
    t = Tables.of(store.reader(con))
    threads = int(os.environ["COLLECTLENS_TRAIN_THREADS"]) if os.environ.get("COLLECTLENS_TRAIN_THREADS") else None

    t0 = time.perf_counter()
    model = train(t, TrainConfig(threads=threads))
    risk_model.save(model, models)
    elapsed = time.perf_counter() - t0
    m, b = model.meta["metrics"]["model"], model.meta["metrics"]["baseline"]
    rows.append(Row("risk", "train (features, fit, calibrate, evaluate, save)", elapsed, target="<180s",
                    note=f"{model.meta['rows']['train']:,} train rows; test AUC {m['auc']:.3f} Gini {m['gini']:.3f} "
                         f"KS {m['ks']:.3f} Brier {m['brier']:.5f} (LR AUC {b['auc']:.3f}); "
                         f"timing {model.meta['timing_s']}"))

    month = scoring.data_months(t)[1]
    mi = F.to_month_index(month)
    t0 = time.perf_counter()
    scored = scoring.score_month(t, model, month)
    score_s = time.perf_counter() - t0
    floor = best_of(lambda: con.execute(HISTORY_SQL.format(lo=F.month_start(mi - 11), hi=month)).fetchall(), 2)
    rows.append(Row("risk", f"score all active loans <=29 DPD ({month:%Y-%m})", score_s, floor_s=floor,
                    target="<30s", note=f"{len(scored):,} loans"))

    explainer = explain.Explainer(model)
    x_all = model.matrix(scored)
    one = x_all[:1]
    shap_one = best_of(lambda: explainer.shap_values(one), 20)
    rows.append(Row("risk", "SHAP for one loan", shap_one, target="<0.1s", note=f"{shap_one * 1000:.2f} ms"))
    reference = explain.book_reference(scored, model.features)
    row = scored.iloc[0]

    def explain_one():
        sv = explainer.shap_values(model.matrix(scored.iloc[:1]))[0]
        explain.reasons(sv, row, model.features, 3, reference)
        explain.probability_path(explainer.base_value, sv, model.features, model.calibrator)

    one_s = best_of(explain_one, 10)
    rows.append(Row("risk", "one loan: SHAP + 3 reasons + waterfall", one_s, target="<0.1s", note=f"{one_s * 1000:.1f} ms"))
    change = explain.WhatIf(extension_months=6, contact_outcome="promise_to_pay")
    rows.append(Row("risk", "what-if for one loan", best_of(lambda: explain.what_if(model, explainer, row, change), 10),
                    target="<1s"))
    rng = np.random.default_rng(0)
    sample = x_all[rng.choice(len(x_all), min(10_000, len(x_all)), replace=False)]
    rows.append(Row("risk", "SHAP for 10,000 loans", best_of(lambda: explainer.shap_values(sample), 1),
                    target="<10s"))
    lgd = scoring.loss_given_default(t, month)
    t0 = time.perf_counter()
    queue = early_warning(scored, lgd, model, explainer, top=10_000, reference=reference)
    rows.append(Row("risk", "early-warning queue, top 10,000 with reasons", time.perf_counter() - t0,
                    note=f"{len(queue):,} rows"))
    t0 = time.perf_counter()
    psi = monitoring.psi_table(monitoring.monitoring_sample(t, model, 3000), model)
    rows.append(Row("risk", "PSI monitoring (3,000 loans a month)", time.perf_counter() - t0,
                    note=f"{psi['as_of_month'].nunique()} months"))
    con.close()
    try:
        rows.extend(page_actions(db_path, models))
    finally:
        shutil.rmtree(models, ignore_errors=True)
    return rows


def page_actions(db_path: str, models: Path) -> list[Row]:
    """The page through AppTest on this database: first load, then single actions."""
    from streamlit.testing.v1 import AppTest

    os.environ["COLLECTLENS_DB"] = db_path
    os.environ["COLLECTLENS_MODELS_DIR"] = str(models)
    app = str(Path(__file__).resolve().parent.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=600).run()
    t0 = time.perf_counter()
    at.switch_page("pages/5_Risk.py").run()
    first = time.perf_counter() - t0
    out = [Row("risk", "page: first load (queue tab: score book, reasons)", first, note="once per data/model")]

    def timed(label: str, action) -> None:
        t0 = time.perf_counter()
        action()
        assert not at.exception, [e.value for e in at.exception]
        out.append(Row("risk", f"page: {label}", time.perf_counter() - t0, target="<1s"))

    timed("queue: filter to very high band", lambda: at.multiselect(key="w_risk_q_bands").select("very_high").run())
    at.session_state["w_risk_tab"] = "Explain a loan"
    timed("open 'Explain a loan' tab", lambda: at.run())
    pick = at.selectbox(key="w_risk_loan_pick")
    timed("pick a loan from the queue", lambda: pick.select(pick.options[1]).run())
    timed("what-if: 6-month extension", lambda: at.slider(key="w_risk_wi_ext").set_value(6).run())
    timed("what-if: add a contact", lambda: at.selectbox(key="w_risk_wi_contact").select("promise_to_pay").run())
    at.session_state["w_risk_tab"] = "Drivers"
    t0 = time.perf_counter()
    at.run()
    out.append(Row("risk", "page: first open of 'Drivers' (SHAP of 10,000 loans)", time.perf_counter() - t0))
    timed("dependence plot: another feature",
          lambda: at.selectbox(key="w_risk_dep_feature").select("pti").run())
    return out
