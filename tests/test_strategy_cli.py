"""python -m analytics simulate: batch runs of strategy files, the result file, and clear errors."""

from __future__ import annotations

import json

import duckdb

from analytics.cli import main
from analytics.config import PRESETS_DIR

PRESETS = [str(PRESETS_DIR / n) for n in ("do_nothing.json", "sms_and_flexible_plans.json",
                                           "early_warning_ai_voice.json")]
REQUIRED = ("net_loss", "collection_cost", "net_benefit", "dpd60_rate_end", "contacts_blocked")


def test_simulate_writes_the_result_file(small_db, tmp_path, capsys):
    out = tmp_path / "result.json"
    code = main(["--db", str(small_db), "simulate", *PRESETS, "--months", "12", "--paths", "200", "--out", str(out)])
    assert code == 0
    res = json.loads(out.read_text())
    names = [s["name"] for s in res["strategies"]]
    assert names == ["Today's practice", "SMS reminders + flexible plans", "Early warning + AI voice bot"]
    for s in res["strategies"]:
        for k in REQUIRED:
            assert set(s["summary"][k]) >= {"p10", "p50", "p90"}, k
        assert len(s["monthly"]) == 12
        for rec in s["monthly"]:
            for k in ("net_loss", "collection_cost", "net_benefit", "dpd60_rate_end", "contacts_blocked"):
                assert set(rec[k]) >= {"p10", "p50", "p90"}
    assert res["strategies"][0]["summary"]["net_benefit"]["p50"] == 0
    assert res["strategies"][1]["summary"]["collection_cost"]["p50"] > 0
    # The starting book is the active loans at the last month of the data.
    con = duckdb.connect(str(small_db))
    n = con.execute("SELECT count(*) FROM performance WHERE status = 'active' AND as_of_month = "
                    "(SELECT max(as_of_month) FROM performance)").fetchone()[0]
    con.close()
    assert res["active_loans"] == n
    assert "Simulated 3 strategies" in capsys.readouterr().out


def test_simulate_errors_name_the_file_and_field(small_db, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "treatments": [
        {"risk_band": "high", "stage": "pre_due", "channel": "fax", "timing_dpd": -3}]}))
    code = main(["--db", str(small_db), "simulate", str(bad), "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.json" in err and "treatments[0].channel" in err and "'fax' is not one of" in err
    assert not (tmp_path / "r.json").exists()
    code = main(["--db", str(small_db), "simulate", PRESETS[0], "--months", "0", "--out", str(tmp_path / "r.json")])
    assert code == 2 and "--months 0" in capsys.readouterr().err
    code = main(["--db", str(small_db), "simulate", PRESETS[1], PRESETS[1], "--out", str(tmp_path / "r.json")])
    assert code == 2 and "share a name" in capsys.readouterr().err


def test_export_strategy_uplift(small_db, tmp_path):
    import pandas as pd

    from analytics import store
    from analytics.store import Tables
    from analytics.strategy import baseline, effects

    out = tmp_path / "uplift.csv"
    assert main(["--db", str(small_db), "export", "strategy_uplift", "--out", str(out)]) == 0
    got = pd.read_csv(out)
    con = duckdb.connect(str(small_db))
    try:
        t = Tables.of(store.reader(con))
        want = effects.uplift_estimates(effects.arm_outcomes(t.actions, t.performance, t.restructures,
                                                             baseline.risk_bands(t.loans)).to_pandas())
        n_arm = con.execute("SELECT count(DISTINCT (loan_id, date_trunc('month', action_time))) FROM actions "
                            "WHERE experiment_arm = 'predue_sms_2024:treatment'").fetchone()[0]
    finally:
        con.close()
    assert len(got) == len(want) == 8
    assert got["roll"].round(9).tolist() == want["roll"].round(9).tolist()
    # Every treated loan-month of the SMS test is counted once (new loans have no prior row but count).
    pooled = got[(got["test"] == "predue_sms_2024") & (got["risk_band"] == "all")].iloc[0]
    assert pooled["n_treated"] == n_arm


def test_simulate_with_effect_assumptions(small_db, tmp_path, capsys):
    """Assuming SMS does nothing anywhere makes an SMS-only strategy worth exactly its extra cost, negative."""
    sms_only = tmp_path / "sms.json"
    sms_only.write_text(json.dumps({"name": "SMS only", "treatments": [
        {"risk_band": "all", "stage": "pre_due", "channel": "sms", "timing_dpd": -3}]}))
    effects = tmp_path / "effects.json"
    effects.write_text(json.dumps([{"channel": "sms", "risk_band": "all", "stage": "pre_due", "roll": 0.0,
                                    "cure": 0.0, "source": "test"}]))
    out = tmp_path / "r.json"
    assert main(["--db", str(small_db), "simulate", str(sms_only), "--months", "6", "--paths", "100",
                 "--effects", str(effects), "--out", str(out)]) == 0
    s = json.loads(out.read_text())["strategies"][0]["summary"]
    # No effect: on average the benefit is minus the cost; path by path the two runs differ only by
    # the luck of the multinomial draws, whose mean is zero.
    nb = s["net_benefit"]
    assert s["extra_cost"]["p50"] > 0
    se = (nb["p90"] - nb["p10"]) / 2.563 / 10  # sd from the P10-P90 spread, over sqrt(100) paths
    assert abs(nb["mean"] + s["extra_cost"]["mean"]) <= 4 * se
    effects.write_text("[{\"channel\": \"fax\", \"stage\": \"pre_due\", \"roll\": 0, \"cure\": 0}]")
    assert main(["--db", str(small_db), "simulate", str(sms_only), "--effects", str(effects),
                 "--out", str(out)]) == 2
    assert "unknown channel 'fax'" in capsys.readouterr().err
