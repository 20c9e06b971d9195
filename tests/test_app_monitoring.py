"""The Delinquency, Cohorts and Roll-rate pages through AppTest: main widgets changed, key numbers
against independent SQL / numpy over the same database, Chinese, and a tiny imported-looking book
(2 months, 15 loans, no actions) where the pages explain what is missing instead of failing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics.display import i18n
from analytics.metrics.transitions import STATE_INDEX
from tests.apptest import COHORTS as CO
from tests.apptest import DELINQUENCY as DQ
from tests.apptest import ROLL_RATES as RR
from tests.apptest import charts, no_errors, values
from tests.apptest import start as open_page
from tests.conftest import app_on
from tests.tiny_book import build_tiny_book


def sql(db: Path, query: str):
    con = duckdb.connect(str(db))
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def table_row(at: AppTest, segment: str, index: int = 0):
    df = at.dataframe[index].value
    return df[df[df.columns[0]] == segment].iloc[0]


def test_delinquency_page_numbers_and_widgets(app_env):
    at = open_page(DQ)
    no_errors(at)
    assert at.title[0].value == "Delinquency"
    assert len(charts(at)) == 4  # rates, mix, effects, small multiples
    n, d = sql(app_env, """SELECT count(*) FILTER (WHERE p.days_past_due >= 30), count(*) FROM performance p
        JOIN loans l USING (loan_id) WHERE p.status = 'active' AND p.as_of_month = DATE '2026-10-01'
        AND l.credit_tier = 'subprime'""")[0]
    row = table_row(at, "Subprime (<620)")
    assert row["Rate"] == f"{n / d:.2%}" and row["Loans"] == d

    at.selectbox(key="w_dq_dim").select("region").run()
    at.segmented_control(key="w_dq_level").set_value(60).run()
    no_errors(at)
    n, d = sql(app_env, """SELECT count(*) FILTER (WHERE p.days_past_due >= 60), count(*) FROM performance p
        JOIN loans l USING (loan_id) WHERE p.status = 'active' AND p.as_of_month = DATE '2026-10-01'
        AND l.region = 'Henan'""")[0]
    assert table_row(at, "Henan")["Rate"] == f"{n / d:.2%}"

    at.segmented_control(key="w_dq_measure").set_value("balance").run()
    no_errors(at)
    b, tot = sql(app_env, """SELECT sum(closing_balance) FILTER (WHERE p.days_past_due >= 60), sum(closing_balance)
        FROM performance p JOIN loans l USING (loan_id) WHERE p.status = 'active'
        AND p.as_of_month = DATE '2026-10-01' AND l.region = 'Henan'""")[0]
    assert table_row(at, "Henan")["Rate"] == f"{(b or 0) / tot:.2%}"

    at.selectbox(key="w_dq_drill").select("Henan").run()
    at.selectbox(key="w_dq_drill_dpd").select(1).run()
    no_errors(at)
    k = sql(app_env, """SELECT count(*) FROM performance p JOIN loans l USING (loan_id) WHERE p.status = 'active'
        AND p.as_of_month = DATE '2026-10-01' AND l.region = 'Henan' AND p.days_past_due >= 1""")[0][0]
    assert any(c.value.startswith(f"{k:,} loans in Henan at 1+ DPD") for c in at.caption)
    assert len(at.dataframe[1].value) == k
    assert at.get("download_button")

    at.segmented_control(key="w_dq_naming").set_value("m").run()
    no_errors(at)
    assert "M3+" in at.subheader[0].value
    at.selectbox(key="w_dq_dim").select("dealer_id").run()
    at.number_input(key="w_dq_min_loans").set_value(20).run()
    no_errors(at)
    assert (at.dataframe[0].value["Loans"] >= 20).all()


def test_delinquency_change_split_matches_the_book_change(app_env):
    """The caption's mix + rate effects add up to the change of the book's 30+ rate (SQL)."""
    at = open_page(DQ)
    (r_now,), (r_prev,) = [sql(app_env, f"""SELECT count(*) FILTER (WHERE days_past_due >= 30) / count(*)
        FROM performance WHERE status = 'active' AND as_of_month = DATE '{m}'""")[0] for m in ("2026-10-01", "2026-09-01")]
    cap = next(c.value for c in at.caption if c.value.startswith("The book's"))
    assert f"from {r_prev:.2%} to {r_now:.2%} ({(r_now - r_prev) * 100:+.2f} pp)" in cap


def test_cohorts_page_curve_matches_sql(app_env):
    at = open_page(CO)
    no_errors(at)
    assert at.title[0].value == "Vintage cohorts"
    curves = charts(at)[0]
    trace = next(t for t in curves["data"] if t["name"] == "2024Q1")
    x, y = values(trace["x"]), values(trace["y"])
    events, loans = sql(app_env, """
        WITH v AS (SELECT loan_id FROM loans WHERE origination_date >= DATE '2024-01-01'
                   AND origination_date < DATE '2024-04-01'),
        bad AS (SELECT DISTINCT p.loan_id FROM performance p JOIN loans l USING (loan_id) JOIN v USING (loan_id)
                WHERE (p.bucket NOT IN ('current', 'dpd_1_29') OR p.status IN ('charged_off', 'repossessed'))  -- 30+ by the market's rule
                AND date_diff('month', date_trunc('month', l.origination_date), p.as_of_month) <= 12)
        SELECT (SELECT count(*) FROM bad), (SELECT count(*) FROM v)""")[0]
    assert y[list(x).index(12)] == pytest.approx(events / loans)
    assert len(charts(at)) == 3  # curves, heatmap, comparison by credit tier

    at.segmented_control(key="w_co_metric").set_value("cnl").run()
    at.segmented_control(key="w_co_grain").set_value("year").run()
    at.selectbox(key="w_co_by").select("region").run()
    no_errors(at)
    names = [t["name"] for t in charts(at)[0]["data"]]
    assert names[0] == "2019" and "2026" in names
    assert any("Henan" == t["name"] for t in charts(at)[2]["data"])
    at.segmented_control(key="w_co_naming").set_value("m").run()
    no_errors(at)
    assert "Ever M2+" in at.get("button_group")[0].proto.options[0].content
    at.segmented_control(key="w_co_grain").set_value("month").run()
    no_errors(at)
    assert any("vintages flagged" in w.value for w in at.warning) or any(
        "No vintage is flagged" in s.value for s in at.success)


def _sql_matrix(db: Path, end: str, months: int) -> np.ndarray:
    rows = sql(db, f"""
        WITH prev AS (SELECT loan_id, as_of_month + INTERVAL 1 MONTH AS m, bucket FROM performance
                      WHERE status = 'active')
        SELECT p.bucket, CASE WHEN c.status = 'active' THEN c.bucket ELSE c.status END, count(*)
        FROM prev p JOIN performance c ON c.loan_id = p.loan_id AND c.as_of_month = p.m
        WHERE p.m > DATE '{end}' - INTERVAL {months} MONTH AND p.m <= DATE '{end}' GROUP BY 1, 2""")
    C = np.zeros((9, 9))
    for f, t, n in rows:
        C[STATE_INDEX[f], STATE_INDEX[t]] = n
    P = np.eye(9)
    P[:6] = C[:6] / C[:6].sum(axis=1, keepdims=True)
    return P


def test_roll_rate_page_matrix_and_forecast_match_numpy(app_env):
    at = open_page(RR)
    no_errors(at)
    assert at.title[0].value == "Roll rates and forecast"
    P = _sql_matrix(app_env, "2026-10-01", 12)
    z = values(charts(at)[0]["data"][0]["z"]).reshape(6, 9)
    np.testing.assert_allclose(z, P[:6], rtol=1e-9)

    at.selectbox(key="w_rr_by").select(None).run()
    no_errors(at)
    x0 = np.zeros(9)
    for b, n in sql(app_env, "SELECT bucket, count(*) FROM performance WHERE status = 'active' "
                             "AND as_of_month = DATE '2026-10-01' GROUP BY 1"):
        x0[STATE_INDEX[b]] = n
    x12 = x0 @ np.linalg.matrix_power(P, 12)
    expected = x12[STATE_INDEX["charged_off"]] + x12[STATE_INDEX["repossessed"]]
    assert at.metric[0].value == f"{expected:,.0f}"
    assert any(s.value.startswith("Backtest: forecast from 2026-04") for s in at.subheader)
    assert any("Mean absolute error of the state shares at 6 months" in c.value for c in at.caption)
    at.segmented_control(key="w_rr_bt").set_value(12).run()
    no_errors(at)
    assert any(s.value.startswith("Backtest: forecast from 2025-10") for s in at.subheader)
    assert any("Mean absolute error of the state shares at 12 months" in c.value for c in at.caption)

    at.segmented_control(key="w_rr_measure").set_value("balance").run()
    at.segmented_control(key="w_rr_window").set_value(6).run()
    at.selectbox(key="w_rr_by").select("region").run()
    at.selectbox(key="w_rr_segment").select("Henan").run()
    no_errors(at)
    assert any("Henan" in s.value for s in at.subheader)
    assert len(at.table) == 1  # the absorbing-chain table
    assert len(at.table[0].value) == 6


@pytest.mark.parametrize("page", [DQ, CO, RR])
def test_pages_in_chinese(app_env, page):
    at = open_page(page, lang="zh")
    no_errors(at)
    key = {DQ: "dq.title", CO: "co.title", RR: "rr.title"}[page]
    assert at.title[0].value == i18n.t(key, "zh")


@pytest.fixture
def tiny_env(tmp_path, monkeypatch):
    with app_on(build_tiny_book(tmp_path / "tiny.duckdb"), monkeypatch) as db:
        yield db


def test_pages_on_a_tiny_imported_book_explain_what_is_missing(tiny_env):
    at = open_page(DQ)
    no_errors(at)
    assert len(at.dataframe[0].value) >= 1
    at.selectbox(key="w_dq_dim").select("dealer_id").run()
    no_errors(at)
    assert any("no Dealer for any loan" in i.value for i in at.info)

    at.switch_page(CO).run()
    no_errors(at)
    assert any("enter the data after their first month on book" in i.value for i in at.info)
    for grain in ("month", "year"):
        at.segmented_control(key="w_co_grain").set_value(grain).run()
        no_errors(at)

    at.switch_page(RR).run()
    no_errors(at)
    assert any("Not enough history" in i.value for i in at.info)  # the backtest needs 25 months
    assert len(charts(at)) >= 3  # matrix, forecast mix and charge-offs still shown from one step
    at.selectbox(key="w_rr_by").select("credit_tier").run()
    no_errors(at)
