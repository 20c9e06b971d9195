"""Market conventions (issue 13): the bucket rule per market in one place, cn M names and flow names,
one name per cure measure, 万/亿, Chinese date ticks.

Expected buckets are written from the conventions themselves (DESIGN section 5): us 1–29 / 30–59 /
60–89 / 90–119 / 120+; cn M1 = 1–30, M2 = 31–60, M3 = 61–90, M4 = 91–120, M5+.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import exports, schema, store
from analytics.display import i18n, labels
from analytics.display.formatting import format_money
from analytics.ingest import run_import
from tests.apptest import values
from tests.conftest import app_on

ROOT = Path(__file__).resolve().parent.parent
DPDS = [0, 1, 30, 31, 60, 61, 90, 91, 120, 121]
US = ["current", "dpd_1_29", "dpd_30_59", "dpd_30_59", "dpd_60_89", "dpd_60_89", "dpd_90_119", "dpd_90_119",
      "dpd_120_plus", "dpd_120_plus"]
CN_M = ["M0", "M1", "M1", "M2", "M2", "M3", "M3", "M4", "M4", "M5+"]
ENGLISH_MONTHS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")


@pytest.mark.parametrize("market, expected", [("us", US), ("cn", None)])
def test_bucket_boundaries_per_market(market, expected):
    got = list(schema.bucket_of_dpd(np.array(DPDS), market))
    if market == "cn":
        assert [schema.BUCKET_M_NAMES[b] for b in got] == CN_M
    else:
        assert got == expected
    con = duckdb.connect()
    sql = [con.execute(f"SELECT {schema.bucket_sql('d', market)} FROM (SELECT ?::INT AS d)", [d]).fetchone()[0]
           for d in DPDS]
    assert sql == got
    assert list(schema.bucket_index_of_dpd(np.array(DPDS), market)) == [schema.BUCKETS.index(b) for b in got]


def test_us_rule_is_unchanged():
    # The us edges are the ones every existing metric was built on.
    assert schema.bucket_edges("us") == schema.BUCKET_LOWER_DPD == (0, 1, 30, 60, 90, 120)
    assert schema.bucket_edges(None) == schema.bucket_edges("us")


def test_flow_and_state_names():
    assert [labels.flow_label(a, b, "zh", "m") for a, b in zip(schema.BUCKETS[:-1], schema.BUCKETS[1:], strict=True)] == [
        "C-M1", "M1-M2", "M2-M3", "M3-M4", "M4-M5+"]
    assert labels.flow_label("dpd_1_29", "dpd_30_59", "en", "dpd") == "1–29 DPD → 30–59 DPD"
    assert labels.state_label("dpd_1_29", "zh", "dpd_cn") == "逾期1–30天"
    assert labels.state_label("dpd_30_59", "en", "dpd_cn") == "31–60 DPD"
    assert labels.level_label(30, "zh", "dpd_cn") == "逾期31+"
    assert labels.market_naming("m", "us") == "dpd"  # M names are not put on us buckets
    assert labels.market_naming("dpd", "cn") == "dpd_cn"


def test_one_name_per_cure_measure():
    monthly, within = i18n.t("kpi.cure_rate", "zh"), i18n.t("rr.cures", "zh")
    assert monthly != within and "月度回滚率" in monthly and "出催率" in within
    assert i18n.t("kpi.cure_rate", "en").startswith("Monthly cure rate")
    assert i18n.t("rr.cures", "en").startswith("Cure-within-h rate")
    assert not any("迁移" in v["zh"] for v in i18n.STRINGS.values())


def test_presets_read_in_chinese():
    from analytics import config
    from analytics.strategy import spec

    for path in sorted(config.PRESETS_DIR.glob("*.json")):
        s = spec.load(path)
        zh_name = labels.strategy_name(s.name, "zh")
        assert zh_name != s.name and re.search(r"[\u4e00-\u9fff]", zh_name)
        assert re.search(r"[\u4e00-\u9fff]", labels.strategy_description(s.name, s.description, "zh"))
        assert labels.strategy_name(s.name, "en") == s.name
    assert labels.strategy_name("My own plan", "zh") == "My own plan"


def test_money_in_wan_and_yi():
    assert format_money(1.7e9, "¥", "zh") == "¥17.0亿"
    assert format_money(3.85e5, "¥", "zh") == "¥38.5万"
    assert format_money(-2.5e4, "¥", "zh") == "-¥2.5万"
    assert format_money(1.7e9, "¥", "en") == "¥1.7B"
    assert format_money(999, "¥", "zh") == "¥999"


def _book(tmp_path: Path, market: str) -> Path:
    """Ten loans, two months; in the second month loan i is at DPDS[i] days past due."""
    path = tmp_path / "book.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["loan_id", "origination_date", "original_amount", "term_months", "as_of_month", "days_past_due",
                    "closing_balance"])
        for i, d in enumerate(DPDS):
            w.writerow([f"L{i}", "2025-01-10", "10000", "48", "2026-05", "0", "9000"])
            w.writerow([f"L{i}", "2025-01-10", "10000", "48", "2026-06", str(d), "8800"])
    db = tmp_path / f"{market}.duckdb"
    con = store.open_duckdb(db)
    try:
        report = run_import(con, [path], market=market, today=dt.date(2026, 11, 30))
        assert not report.refused
    finally:
        con.close()
    return db


@pytest.mark.parametrize("market", ["us", "cn"])
def test_import_export_and_page_agree_per_market(tmp_path, monkeypatch, market):
    db = _book(tmp_path, market)
    expected = pd.Series(list(schema.bucket_of_dpd(np.array(DPDS), market))).value_counts()
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = dict(con.execute("SELECT loan_id, bucket FROM performance WHERE as_of_month = '2026-06-01'").fetchall())
        frame = exports.EXPORTS["delinquency_trend"](store.Tables.of(store.reader(con)))
    finally:
        con.close()
    assert [stored[f"L{i}"] for i in range(len(DPDS))] == list(schema.bucket_of_dpd(np.array(DPDS), market))
    june = frame[pd.to_datetime(frame.as_of_month) == "2026-06-01"].set_index("bucket")["loans"]
    assert june.to_dict() == expected.to_dict()

    # The export through the CLI: canonical buckets kept, the market's label beside them. By hand:
    # cn DPD 1 and 30 are M1, 31 and 60 M2; us DPD 30 is 30-59, DPD 1 is 1-29.
    from analytics.cli import main
    out = tmp_path / "dq.csv"
    assert main(["--db", str(db), "export", "delinquency_trend", "--month", "2026-06", "--out", str(out)]) == 0
    csv_rows = pd.read_csv(out)
    label_of = dict(zip(csv_rows.bucket, csv_rows.bucket_label, strict=True))
    counts = dict(zip(csv_rows.bucket_label, csv_rows.loans, strict=True))
    if market == "cn":
        assert label_of["dpd_1_29"] == "M1" and label_of["dpd_30_59"] == "M2" and label_of["current"] == "M0"
        assert counts["M1"] == 2 and counts["M2"] == 2 and counts["M5+"] == 1   # DPD 1, 30 | 31, 60 | 121
    else:
        assert label_of["dpd_30_59"] == "30–59 DPD" and label_of["dpd_1_29"] == "1–29 DPD"
        assert counts["30–59 DPD"] == 2 and counts["1–29 DPD"] == 1              # DPD 30, 31 | 1
    flows = tmp_path / "tm.csv"
    assert main(["--db", str(db), "export", "transition_matrix", "--out", str(flows)]) == 0
    tm = pd.read_csv(flows).set_index(["from_state", "to_state"])
    # May: all current; June: the loan at DPD 1 (and, in cn, the one at 30) moved current -> the first stage.
    first = tm.loc[("current", "dpd_1_29")]
    assert first.flow_label == ("C-M1" if market == "cn" else "Current → 1–29 DPD")
    assert first.loans == (2 if market == "cn" else 1)

    # The Delinquency page's bucket-mix chart (Chinese): one trace per bucket, named by the market's
    # convention, with the export's share in June.
    with app_on(db, monkeypatch):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        at.query_params["lang"] = "zh"
        at.run()
        at = at.switch_page("pages/2_Delinquency.py").run()
        assert not at.exception, [e.value for e in at.exception]
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    naming = labels.market_naming("m" if market == "cn" else "dpd", market)
    mix = next(s for s in specs if any(t.get("stackgroup") for t in s["data"]))
    shares = {}
    for trace in mix["data"]:
        shares[trace["name"]] = float(values(trace["y"])[-1])
    for bucket, n in expected.items():
        if bucket != "current":  # the mix shows the delinquent buckets only
            assert shares[labels.state_label(bucket, "zh", naming)] == pytest.approx(n / len(DPDS))
    if market == "cn":  # the page and the export name the buckets alike (M names are the same in both languages)
        assert set(shares) == set(csv_rows.bucket_label) - {"M0"}
    assert len(shares) == len(schema.BUCKETS) - 1
    # No English month names in the Chinese charts: date axes carry Chinese tick and hover formats.
    for spec in specs:
        dated = {("xaxis" + (t.get("xaxis") or "x")[1:]) for t in spec["data"]
                 if isinstance(t.get("x"), list) and t["x"] and re.match(r"\d{4}-\d{2}", str(t["x"][0]))}
        for axis in dated:
            assert spec["layout"][axis].get("tickformat") == "%Y年%m月", (axis, spec["layout"].get("title"))
        assert not ENGLISH_MONTHS.search(json.dumps(spec, ensure_ascii=False))
