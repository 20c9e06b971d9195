"""The Strategy page through AppTest: numbers shown against SQL and the analytics, a preset loaded
and edited, two strategies compared, a strategy saved, the optimiser run, Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest

from analytics import store
from analytics.display import i18n
from analytics.store import Tables
from analytics.strategy import inputs, results, rules, spec
from analytics.strategy.engine import RunSettings
from analytics.strategy.restructure import LossParams
from tests.apptest import STRATEGY, charts, metric, no_errors, start, values

SMS = "SMS reminders + flexible plans"
EW = "Early warning + AI voice bot"


@pytest.fixture
def page_env(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("COLLECTLENS_STRATEGIES_DIR", str(tmp_path / "strategies"))
    return app_env


def open_page(**query):
    return start(STRATEGY, **query)


def summary(at):
    return next(d.value for d in at.dataframe if "Net benefit vs today's practice" in d.value.index)


def test_page_shows_the_starting_book_and_the_comparison(page_env):
    at = open_page()
    no_errors(at)
    assert at.title[0].value == "Strategy simulator"
    con = duckdb.connect(str(page_env))
    n, n60 = con.execute("""SELECT count(*), count(*) FILTER (WHERE days_past_due >= 60) FROM performance
        WHERE status = 'active' AND as_of_month = (SELECT max(as_of_month) FROM performance)""").fetchone()
    con.close()
    assert metric(at, "Active loans at start") == f"{n:,}"
    assert metric(at, "60+ DPD at start (by count)") == f"{n60 / n:.2%}"
    assert list(summary(at).columns) == ["Today's practice", SMS, EW]
    assert len(at.get("plotly_chart")) >= 6


def test_the_compare_view_shows_prior_measured_combined_and_segment_effects(page_env):
    at = open_page()
    at.selectbox(key="w_strat_paths").select(200).run()
    at.multiselect(key="w_strat_sel").set_value(["Today's practice", EW]).run()
    no_errors(at)
    ev = next(d.value for d in at.dataframe if "Prior (assumed)" in d.value.columns)
    assert set(ev["Driven by"]) <= {"measurement", "prior (assumed)", "your assumption"}
    assert set(ev["Strategy"]) == {EW}
    drivers = next(d.value for d in at.dataframe if "Result driven by" in d.value.columns)
    assert list(drivers["Strategy"]) == [EW]
    seg = next(d.value for d in at.dataframe if "Roll cut, strategy" in d.value.columns)
    assert len(seg) > 0 and (seg["Roll cut, today"] != "0.0%").any()  # today's practice is the baseline


def test_two_strategies_compared_match_the_analytics(page_env):
    at = open_page()
    at.selectbox(key="w_strat_paths").select(200).run()
    at.multiselect(key="w_strat_sel").set_value(["Today's practice", EW]).run()
    no_errors(at)
    table = summary(at)
    assert list(table.columns) == ["Today's practice", EW]
    # The same run through the analytics directly (same seed, paths and settings).
    con = duckdb.connect(str(page_env))
    try:
        prep = inputs.prepare_from(Tables.of(store.reader(con)), "cn")
    finally:
        con.close()
    comp = results.compare(prep.baseline, [spec.DO_NOTHING, spec.load(_preset("early_warning_ai_voice.json"))],
                           prep.book(), rules.rules_for("cn"), prep.operations, LossParams(),
                           RunSettings(months=12, paths=200))
    nb = comp.results[1].summary["net_benefit"]
    from analytics.display.formatting import format_money
    assert table.loc["Net benefit vs today's practice", EW].startswith(format_money(nb["p50"], "¥"))
    diff = next(d for d in at.dataframe if "Challenger" in d.value.columns).value
    assert list(diff["Challenger"]) == [EW]


def _preset(name):
    from analytics.config import PRESETS_DIR
    return PRESETS_DIR / name


def view(at, name):
    at.segmented_control(key="w_strat_view").set_value(name).run()
    no_errors(at)
    return at


def test_load_a_preset_edit_a_treatment_and_save(page_env, tmp_path):
    at = open_page()
    at.selectbox(key="w_strat_paths").select(200).run()
    before = summary(at).loc["Collection cost", SMS]
    view(at, "edit")
    at.selectbox(key="w_strat_edit").select(SMS).run()
    no_errors(at)
    cost_before = metric(at, "Collection cost")
    key = "w_treat_sms_reminders_flexible_plans_0"
    editor = at.data_editor(key=key)
    assert list(editor.value["channel"])[:2] == ["sms", "sms"]
    # Three reminders a month for high-risk borrowers instead of one.
    at.session_state[key] = {"edited_rows": {0: {"max_attempts": 3}}, "added_rows": [], "deleted_rows": []}
    at.run()
    no_errors(at)
    assert any("Unsaved changes" in i.value for i in at.info)
    assert metric(at, "Collection cost") != cost_before  # the preview shows the edit at once
    # The comparison uses the edit, and the edit survives a trip to another view and back.
    view(at, "compare")
    assert summary(at).loc["Collection cost", SMS] != before
    view(at, "edit")
    assert any("Unsaved changes" in i.value for i in at.info)
    at.button(key="w_strat_save").click().run()
    no_errors(at)
    saved = spec.load(Path(tmp_path / "strategies" / "sms_reminders_flexible_plans.json"))
    assert saved.treatments[0].max_attempts == 3 and saved.name == SMS
    assert any("Saved to" in s.value for s in at.success)


def test_an_invalid_edit_is_explained_not_run(page_env):
    at = open_page()
    at.selectbox(key="w_strat_paths").select(200).run()
    view(at, "edit")
    at.selectbox(key="w_strat_edit").select(EW).run()
    key = "w_treat_early_warning_ai_voice_bot_0"
    at.session_state[key] = {"edited_rows": {0: {"timing_dpd": 12}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("treatments[0].timing_dpd" in e and "days before the due date" in e for e in errors), errors


def test_run_the_optimiser_and_add_its_strategy(page_env):
    at = open_page()
    at.selectbox(key="w_strat_paths").select(200).run()
    view(at, "optimise")
    at.number_input(key="w_opt_budget").set_value(500.0).run()
    at.button(key="w_opt_run").click().run()
    no_errors(at)
    assert metric(at, "Expected net benefit").startswith("¥")
    alloc = next(d.value for d in at.dataframe if "Net benefit" in d.value.columns and "Share" in d.value.columns)
    assert len(alloc) > 0
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Efficient frontier" in json.loads(s)["layout"]["title"]["text"] for s in titles)
    at.button(key="w_opt_add").click().run()
    no_errors(at)
    view(at, "compare")
    assert "Optimised" in at.multiselect(key="w_strat_sel").value
    assert "Optimised" in list(summary(at).columns)


def test_chinese_page(page_env):
    at = open_page(lang="zh")
    no_errors(at)
    assert at.title[0].value == i18n.t("strategy.title", "zh")
    assert i18n.t("strategy.kpi.active", "zh") in [m.label for m in at.metric]
    # Amounts in the reader's units: 万/亿 in Chinese, never K/M/B (display.formatting.UNITS).
    money = [m.value for m in at.metric if "¥" in str(m.value)]
    assert money and not [v for v in money if str(v).rstrip().endswith(("K", "M", "B"))], money


def test_effects_planner_value_and_settings_views(page_env):
    from analytics.strategy import planner
    from analytics.strategy.baseline import STAGE_STATES

    at = open_page()
    at.selectbox(key="w_strat_paths").select(200).run()
    view(at, "effects")
    measured = next(d.value for d in at.dataframe if "Roll reduction [95% CI]" in d.value.columns)
    assert set(measured["Test"]) == {"predue_sms_2024", "early_ai_voice_2025"}
    assert len(at.get("plotly_chart")) == 1

    view(at, "planner")
    con = duckdb.connect(str(page_env))
    try:
        prep = inputs.prepare_from(Tables.of(store.reader(con)), "cn")
    finally:
        con.close()
    b = prep.baseline
    row = b.matrix[0, 0]  # high risk, pre-due: the chance a current loan misses
    p = float(round(row[1:6].sum() + row[7:].sum(), 4))
    effect = prep.book().get("sms", "high", "pre_due").roll
    n_c, _ = planner.sample_size(at.number_input(key="w_plan_rate_high_pre_due_roll").value,
                                 at.number_input(key="w_plan_effect_high_pre_due_sms_roll").value)
    assert at.number_input(key="w_plan_rate_high_pre_due_roll").value == pytest.approx(p, abs=1e-4)
    assert at.number_input(key="w_plan_effect_high_pre_due_sms_roll").value == pytest.approx(effect, abs=1e-3)
    assert metric(at, "Loan-months per arm") == f"{n_c:,}"
    assert metric(at, "Eligible loans per month") == f"{b.counts[0, list(STAGE_STATES['pre_due'])].sum():,.0f}"

    view(at, "restructure")
    assert any(s.value.startswith("Recommended:") for s in at.success)
    # The tornado's table: one row per assumption; each option's value with P10-P90, ordered.
    from analytics.strategy import sensitivity

    tornado = next(d.value for d in at.dataframe if "Margin at low" in d.value.columns)
    assert len(tornado) == len(sensitivity.ASSUMPTIONS)
    bands = next(d.value for d in at.dataframe if "Best in" in d.value.columns)
    assert "continue collecting" in list(bands["Option"])
    assert sum(float(v.rstrip("%")) for v in bands["Best in"]) == pytest.approx(100, abs=len(bands))
    at.radio(key="w_npv_mode").set_value("loan").run()
    con = duckdb.connect(str(page_env))
    loan = con.execute("""SELECT loan_id FROM performance WHERE status = 'active' AND days_past_due >= 60
                          AND as_of_month = (SELECT max(as_of_month) FROM performance) LIMIT 1""").fetchone()[0]
    con.close()
    at.text_input(key="w_npv_loan").input(loan).run()
    no_errors(at)
    options = next(d.value for d in at.dataframe if "Present value" in d.value.columns)
    assert "repossess now" in list(options["Option"])  # 60+ DPD: the car may be taken
    at.text_input(key="w_npv_loan").input("L_NO_SUCH").run()
    assert any("has no row" in w.value for w in at.warning)

    # A dearer SMS raises the cost of the SMS strategy in the comparison.
    view(at, "compare")
    before = summary(at).loc["Collection cost", SMS]
    view(at, "settings")
    at.session_state["w_costs"] = {"edited_rows": {0: {"cost": 5.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    no_errors(at)
    view(at, "compare")
    assert summary(at).loc["Collection cost", SMS] != before


def test_upload_a_strategy_and_compare_it(page_env):
    at = open_page()
    at.selectbox(key="w_strat_paths").select(200).run()
    view(at, "edit")
    doc = {"name": "Calls for 30+", "treatments": [
        {"risk_band": "all", "stage": "dpd_30_59", "channel": "agent_call", "timing_dpd": 32, "max_attempts": 2}]}
    at.file_uploader(key="w_strat_upload").upload("calls.json", json.dumps(doc).encode(), "application/json").run()
    no_errors(at)
    at.button(key="w_strat_add_upload").click().run()
    no_errors(at)
    assert at.selectbox(key="w_strat_edit").value == "Calls for 30+"
    view(at, "compare")
    assert "Calls for 30+" in list(summary(at).columns)
    at.segmented_control(key="w_strat_dpd").set_value(90).run()
    no_errors(at)
    view(at, "edit")
    at.file_uploader(key="w_strat_upload").upload("broken.json", b'{"name": "x", "treatments": [{"channel": 1}]}',
                                                  "application/json").run()
    assert not at.exception
    assert any("broken.json" in e.value and "treatments[0]" in e.value for e in at.error)


def test_chinese_page_names_the_presets_in_chinese(page_env):
    """Every place the page shows a shipped preset (pickers, summary and difference tables, captions,
    chart legends, the editor's picker and description) uses labels.PRESETS_ZH: no English name or
    description on the Chinese page."""
    from analytics.config import PRESETS_DIR
    from analytics.display.labels import PRESETS_ZH
    from tests.test_presentation import texts

    english = set(PRESETS_ZH)
    english |= {spec.load(p).description for p in PRESETS_DIR.glob("*.json")}
    english |= {spec.DO_NOTHING.description} - {""}
    english = {e for e in english if e}

    def shown(at) -> list[str]:
        out = texts(at)
        for d in at.dataframe:  # headers too: the summary names its columns by strategy
            out += [str(c) for c in d.value.columns] + [str(i) for i in d.value.index]
        out += [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]  # legends
        out += [str(a.value) for a in at.text_area]
        return out

    at = open_page(lang="zh")
    at.selectbox(key="w_strat_paths").select(200).run()
    at.multiselect(key="w_strat_sel").set_value(["Today's practice", EW, SMS]).run()
    no_errors(at)
    compare = shown(at)
    zh_names = [PRESETS_ZH[n][0] for n in ("Today's practice", EW, SMS)]
    table = next(d.value for d in at.dataframe if i18n.t("strategy.metric.net_benefit", "zh") in d.value.index)
    assert list(table.columns) == zh_names
    assert set(zh_names) <= set(at.multiselect(key="w_strat_sel").options)
    assert any(zh_names[1] in s for s in compare if s.startswith("{"))  # a chart legend
    view(at, "edit")
    at.selectbox(key="w_strat_edit").select(SMS).run()
    no_errors(at)
    edit = shown(at)
    assert PRESETS_ZH[SMS][1] in [a.value for a in at.text_area]
    assert not any(i.value for i in at.info if "未保存" in i.value)  # showing it in Chinese is not an edit
    leftovers = sorted({e for e in english for s in compare + edit if e in s})
    assert not leftovers, leftovers


def test_policy_backtest_view_runs_todays_practice_as_the_analytics_do(page_env):
    """The backtest view: an as-of month and a window, run, and the coverage shown is the one
    analytics.strategy.backtest gives for today's practice on the whole book with the same
    arguments; its two charts; the same view in Chinese."""
    import pandas as pd

    from analytics import config
    from analytics.strategy import backtest

    at = view(open_page(), "backtest")
    assert not at.get("plotly_chart")  # nothing runs before the button
    at.selectbox(key="w_strat_bt_window").select(6).run()
    at.selectbox(key="w_strat_bt_paths").select(200).run()
    as_of = at.selectbox(key="w_strat_bt_as_of").options[2]  # the third latest month that has 6 months after it
    at.selectbox(key="w_strat_bt_as_of").select(as_of).run()
    at.button(key="w_strat_bt_run").click().run()
    no_errors(at)
    con = duckdb.connect(str(page_env))
    try:
        t = Tables.of(store.reader(con))
        day = pd.Timestamp(as_of + "-01").date()
        bands = inputs.model_bands(t, day, config.settings().models_dir)
        res = backtest.backtest(t, spec.DO_NOTHING, day, 6, "cn", None, 200, 7, model_bands=bands)
        last = con.execute("SELECT max(as_of_month) FROM performance").fetchone()[0]
    finally:
        con.close()
    # The latest choice leaves exactly 6 months of data after it; the one picked is 2 months earlier.
    assert pd.Period(as_of, "M") == pd.Period(last, "M") - 8
    assert metric(at, "Loans active at the as-of month") == f"{res.loans:,}"
    assert metric(at, "Inside P10–P90, overall") == f"{res.coverage['overall']:.0%}"
    assert metric(at, "Net loss inside P10–P90") == f"{res.coverage['net_loss']:.0%}"
    figs = charts(at)
    assert len(figs) == 2
    realised = figs[0]["data"][2]  # band, P50, realised (analytics.figures.strategy.backtest_chart)
    assert np.allclose(values(realised["y"]), np.array(res.realised["dpd30_rate"], dtype=float), equal_nan=True)
    zh = view(open_page(lang="zh"), "backtest")
    zh.selectbox(key="w_strat_bt_window").select(6).run()
    zh.selectbox(key="w_strat_bt_paths").select(200).run()
    zh.selectbox(key="w_strat_bt_as_of").select(as_of).run()
    zh.button(key="w_strat_bt_run").click().run()
    no_errors(zh)
    assert metric(zh, i18n.t("strategy.bt.cov_overall", "zh")) == f"{res.coverage['overall']:.0%}"
    assert i18n.t("strategy.bt.intro", "zh") in [c.value for c in zh.caption]
