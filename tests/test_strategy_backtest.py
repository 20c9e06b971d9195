"""Policy backtest on the sample: realised months inside the simulated P10-P90, no look-ahead, the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analytics import store
from analytics.sample import planted_policy
from analytics.store import Tables
from analytics.strategy import backtest, spec

ROOT = Path(__file__).resolve().parents[1]
PLANTED = ROOT / "analytics" / "sample" / "planted_policy.json"


@pytest.fixture(scope="module")
def tables(small_db):
    con = duckdb.connect(str(small_db))
    yield Tables.of(store.reader(con))
    con.close()


def test_todays_practice_backtest_covers_at_least_80_percent_of_months(tables):
    r = backtest.backtest(tables, spec.DO_NOTHING, date(2025, 6, 1), 12, "cn", paths=400)
    assert len(r.months) == 12 and r.months[0] == "2025-07"
    assert r.coverage["overall"] >= 0.8, r.coverage


@pytest.mark.xfail(strict=True, reason=(
    "Issue 11, open: on the 3,000-loan sample the planted segment (Guangdong, 131 active loans, 8 at 1-29 DPD and "
    "none 30+ at the as-of month) has a realised 30+ rate above the simulated P50 in every month (3.5% on average "
    "against about 1.3%) and above the P90 (about 4%, 5 loans) in 2026-01..04: a level the model does not have, "
    "not a band too narrow. Coverage 0.75 < 0.8 (30+ rate 0.67, net loss 0.83); with --seasonal (misses and "
    "cures) 0.62. The compound severity spread does not apply here: the book has 5 settled closures in the 24 "
    "months, fewer than the 30 the spread is read from. docs/strategy.md, 'Policy backtest'."))
def test_planted_change_backtest_covers_at_least_80_percent_of_months(tables):
    truth = planted_policy.truth()
    assert truth["month"] == "2025-07-01"
    s = spec.load(PLANTED)
    r = backtest.backtest(tables, s, date(2025, 6, 1), 12, "cn", {"region": "Guangdong"}, paths=400)
    assert r.segment == {"region": "Guangdong"}
    assert r.coverage["overall"] >= 0.8, r.coverage


def test_the_realised_side_is_the_as_of_cohort_counted_by_hand(small_db, tables):
    real = backtest.realised(tables.performance, date(2025, 6, 1), 3)
    con = duckdb.connect(str(small_db))
    try:
        sql = """
            WITH cohort AS (SELECT loan_id FROM performance WHERE as_of_month = DATE '2025-06-01'
                            AND status = 'active')
            SELECT as_of_month, sum(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS active,
                   -- 30+ by the cn rule of the small sample (M2 starts at 31 DPD; a loan exactly 30 DPD is M1)
                   sum(CASE WHEN status = 'active' AND days_past_due >= 31 THEN 1 ELSE 0 END) AS dpd30
            FROM performance JOIN cohort USING (loan_id)
            WHERE as_of_month BETWEEN DATE '2025-07-01' AND DATE '2025-09-01'
            GROUP BY 1 ORDER BY 1"""
        hand = con.execute(sql).fetchdf()
        # Losses per closure (issue 12: recoveries arrive after the closure, on later rows): each
        # cohort loan's first charged-off / repossessed month, its charge-off less all its
        # recoveries, whenever they arrive (the simulator's convention).
        losses = dict((str(m)[:7], (n, net)) for m, n, net in con.execute("""
            WITH cohort AS (SELECT loan_id FROM performance WHERE as_of_month = DATE '2025-06-01'
                            AND status = 'active'),
                 lost AS (SELECT loan_id, min(as_of_month) AS m,
                                 sum(coalesce(charge_off_amount, 0) - coalesce(recovery_amount, 0)) AS net
                          FROM performance JOIN cohort USING (loan_id)
                          WHERE status IN ('charged_off', 'repossessed') AND as_of_month > DATE '2025-06-01'
                          GROUP BY 1)
            SELECT m, count(*), sum(net) FROM lost WHERE m <= DATE '2025-09-01' GROUP BY 1""").fetchall())
    finally:
        con.close()
    assert real["active"].tolist() == hand["active"].tolist()
    assert real["dpd30"].tolist() == hand["dpd30"].tolist()
    months = [str(m)[:7] for m in hand["as_of_month"]]
    assert sum(n for n, _ in losses.values()) > 0  # the window has closures to count
    assert real["charge_offs"].tolist() == [losses.get(m, (0, 0.0))[0] for m in months]
    assert real["net_loss"].tolist() == pytest.approx([losses.get(m, (0, 0.0))[1] for m in months])


def test_cli_writes_the_backtest_and_refuses_a_window_past_the_data(small_db, tmp_path, capsys):
    from analytics.cli import main

    out = tmp_path / "bt.json"
    db = tmp_path / "copy.duckdb"  # the module's fixture holds the shared file open
    shutil.copy(small_db, db)
    args = ["--db", str(db), "backtest-strategy", str(ROOT / "analytics/strategy/presets/do_nothing.json"),
            "--as-of", "2025-06", "--months", "6", "--paths", "100"]
    page = tmp_path / "bt.html"
    assert main(args + ["--out", str(out), "--html", str(page), "--lang", "zh"]) == 0
    d = json.loads(out.read_text())
    assert set(d["coverage"]) == {"dpd30_rate", "charge_offs", "net_loss", "overall"}
    # The chart page: the coverage in words (in Chinese) and two charts (no network: plotly.js inlined).
    text = page.read_text(encoding="utf-8")
    assert f"{d['coverage']['overall']:.0%}" in text and "策略回测" in text and "现行做法" in text  # the preset named in Chinese
    assert text.count('class="plotly-graph-div"') == 2 and "<script src=" not in text and len(text) > 1_000_000
    assert "coverage (30+ rate and net loss)" in capsys.readouterr().out
    late = ["--db", str(db), "backtest-strategy", str(ROOT / "analytics/strategy/presets/do_nothing.json"),
            "--as-of", "2026-08", "--months", "12", "--paths", "100"]
    assert main(late) != 0
    captured = capsys.readouterr()
    assert "choose an earlier --as-of" in captured.err + captured.out
