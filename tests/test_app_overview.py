"""The Overview through Streamlit's AppTest: numbers shown, every filter, the language switch."""

import duckdb
import pytest

from analytics.display import i18n
from tests.apptest import charts, metric, no_errors, start, values
from tests.conftest import in_ci

run_app = start  # the Overview is the page the app opens on


def sql_one(db, query):
    con = duckdb.connect(str(db))
    try:
        return con.execute(query).fetchone()
    finally:
        con.close()


def hand_rate(db, month, level, region=None):
    con = duckdb.connect(str(db))
    where = f"AND l.region = '{region}'" if region else ""
    # The app's sample is a cn book: "30+" is M2 and beyond, 31+ days past due (schema's cn rule).
    n, d = con.execute(f"""SELECT count(*) FILTER (WHERE p.days_past_due >= {level} + 1), count(*)
        FROM performance p JOIN loans l USING (loan_id)
        WHERE p.status = 'active' AND p.as_of_month = DATE '{month}-01' {where}""").fetchone()
    con.close()
    return n, d


def test_overview_shows_kpis_of_latest_month(app_env):
    at = run_app()
    no_errors(at)
    n, d = hand_rate(app_env, "2026-10", 30)
    assert metric(at, "Active loans") == f"{d:,}"
    assert metric(at, "30+ DPD (by count)") == f"{n / d:.2%}"
    assert len(at.metric) == 10
    assert any("Sample portfolio" in i.value for i in at.info)


def test_every_filter_changes_the_numbers(app_env):
    at = run_app()
    at.selectbox(key="w_month").select("2025-06").run()
    no_errors(at)
    n, d = hand_rate(app_env, "2025-06", 30)
    assert metric(at, "Active loans") == f"{d:,}"
    assert at.query_params["month"] == "2025-06"

    at.multiselect(key="w_regions").select("Henan").run()
    no_errors(at)
    n, d = hand_rate(app_env, "2025-06", 60, region="Henan")
    assert metric(at, "Active loans") == f"{d:,}"
    assert metric(at, "60+ DPD (by count)") == f"{n / d:.2%}"

    at.multiselect(key="w_tiers").select("prime").run()
    no_errors(at)
    at.multiselect(key="w_conditions").select("used").run()
    no_errors(at)
    at.select_slider(key="w_vintage_range").set_value((2021, 2023)).run()
    no_errors(at)
    con = duckdb.connect(str(app_env))
    d = con.execute("""SELECT count(*) FROM performance p JOIN loans l USING (loan_id)
        WHERE p.status = 'active' AND p.as_of_month = DATE '2025-06-01' AND l.region = 'Henan'
          AND l.credit_tier = 'prime' AND l.vehicle_condition = 'used'
          AND year(l.origination_date) BETWEEN 2021 AND 2023""").fetchone()[0]
    con.close()
    if d:
        assert metric(at, "Active loans") == f"{d:,}"
    else:
        assert any("No loans match" in w.value for w in at.warning)

    at.button(key="w_reset").click().run()
    no_errors(at)
    assert at.multiselect(key="w_regions").value == []


def test_language_switch_translates_and_persists(app_env):
    at = run_app()
    at.radio(key="w_lang").set_value("zh").run()
    no_errors(at)
    assert at.title[0].value == i18n.t("overview.title", "zh")
    assert i18n.t("kpi.active_loans", "zh") in [m.label for m in at.metric]
    assert at.query_params["lang"] == "zh"
    # a choice made once holds on the next rerun (the plain session key seeds the widget)
    at.run()
    assert at.title[0].value == i18n.t("overview.title", "zh")


def test_link_with_query_parameters_opens_the_same_view(app_env):
    at = run_app(lang="zh", month="2024-03", region="Henan,Sichuan")
    no_errors(at)
    assert at.selectbox(key="w_month").value == "2024-03"
    assert at.multiselect(key="w_regions").value == ["Henan", "Sichuan"]
    assert at.title[0].value == i18n.t("overview.title", "zh")


def _last_points(at) -> tuple[float, float]:
    """The latest month's 30+ rate in the trend chart and the latest 1-29 share in the bucket mix."""
    trend, mix = charts(at)
    assert trend["data"][0]["name"] == "30+ DPD" and mix["data"][0]["name"] == "1–29 DPD"
    return float(values(trend["data"][0]["y"])[-1]), float(values(mix["data"][0]["y"])[-1])


def test_measure_switch_redraws_charts(app_env):
    # Both measures worked out by SQL over active loans at the latest month (2026-10): by count,
    # loans at 30+ / active loans; by balance, their closing balance / the active closing balance.
    # "30+" is every bucket past the first delinquent one, by the book's market rule (this cn book:
    # M2+ = 31+ DPD), which the stored bucket column carries.
    n30, n1_29, n, b30, b1_29, b = sql_one(app_env, """SELECT
        count(*) FILTER (WHERE bucket NOT IN ('current', 'dpd_1_29')), count(*) FILTER (WHERE bucket = 'dpd_1_29'),
        count(*), sum(coalesce(closing_balance, 0)) FILTER (WHERE bucket NOT IN ('current', 'dpd_1_29')),
        sum(coalesce(closing_balance, 0)) FILTER (WHERE bucket = 'dpd_1_29'),
        sum(coalesce(closing_balance, 0))
        FROM performance WHERE status = 'active' AND as_of_month = DATE '2026-10-01'""")
    at = run_app()
    no_errors(at)
    rate, share = _last_points(at)
    assert rate == pytest.approx(n30 / n, abs=1e-9) and share == pytest.approx(n1_29 / n, abs=1e-9)
    at.segmented_control(key="w_overview_measure").set_value("balance").run()
    no_errors(at)
    rate_b, share_b = _last_points(at)
    assert rate_b == pytest.approx(b30 / b, abs=1e-9) and share_b == pytest.approx(b1_29 / b, abs=1e-9)
    assert abs(rate_b - rate) > 1e-4  # the two measures differ on this book, so the redraw shows
    assert charts(at)[0]["layout"]["title"]["text"].endswith("By balance")


def test_unknown_backend_shows_error_not_traceback(app_env, monkeypatch):
    monkeypatch.setenv("COLLECTLENS_BACKEND", "nonsense://x")
    at = run_app()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Unknown backend 'nonsense://x' in COLLECTLENS_BACKEND" in e for e in errors), errors


def test_unwritable_database_folder_shows_error_not_traceback(app_env, monkeypatch, tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    monkeypatch.setenv("COLLECTLENS_DB", str(tmp_path / "a_file" / "x.duckdb"))
    at = run_app()
    assert not at.exception
    assert any("Cannot create the folder" in e.value for e in at.error)


def test_presentation_mode_big_numbers_and_narrative(app_env):
    at = run_app(present="1", lang="en")
    no_errors(at)
    assert at.toggle(key="w_present").value is True
    assert len(at.metric) == 6
    text = " ".join(m.value for m in at.markdown)
    assert "60+ delinquency" in text and "active loans" in text
    # few controls: no region / tier filters in the meeting room; key charts with their messages
    assert not [m for m in at.multiselect if m.key == "w_regions"]
    assert 3 <= len(at.get("plotly_chart")) <= 5
    at.toggle(key="w_present").set_value(False).run()
    no_errors(at)
    assert len(at.metric) == 10
    assert "present" not in at.query_params


def test_briefing_pack_from_the_app(app_env):
    import shutil

    if not shutil.which("chromium"):
        if in_ci():
            pytest.fail("Chromium is needed to render the pack's charts")
        pytest.skip("Chromium not installed: chart images cannot be rendered")
    at = run_app(lang="zh")
    at.button(key="w_make_pack").click().run()
    no_errors(at)
    assert len(at.get("download_button")) == 2
