"""Strategies as JSON: the presets load, round trips are exact, mistakes are named precisely."""

from __future__ import annotations

import json

import pytest

from analytics.config import PRESETS_DIR
from analytics.errors import InputError
from analytics.strategy import spec

PRESETS = ("do_nothing.json", "sms_and_flexible_plans.json", "early_warning_ai_voice.json")


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_and_round_trip(name, tmp_path):
    s = spec.load(PRESETS_DIR / name)
    assert s.name and s.description
    path = spec.save(s, tmp_path / name)
    assert spec.load(path) == s
    assert json.loads(path.read_text())["format"] == spec.FORMAT


def test_presets_tell_the_two_stories():
    a = spec.load(PRESETS_DIR / "sms_and_flexible_plans.json")
    assert {t.channel for t in a.treatments} == {"sms"}
    assert any(t.stage == "pre_due" and t.risk_band == "high" for t in a.treatments)
    assert a.restructuring and a.restructuring[0].risk_bands == ("high",)
    b = spec.load(PRESETS_DIR / "early_warning_ai_voice.json")
    assert any(t.stage == "pre_due" and t.risk_band == "high" and t.timing_dpd < 0 for t in b.treatments)
    assert any(t.channel == "ai_voice" and t.stage == "dpd_1_29" for t in b.treatments)
    assert spec.load(PRESETS_DIR / "do_nothing.json").is_do_nothing


def test_all_band_expands_and_defaults_apply():
    s = spec.strategy_from_dict({"name": "x", "treatments": [
        {"risk_band": "all", "stage": "dpd_1_29", "channel": "sms", "timing_dpd": 3}]})
    assert [t.risk_band for t in s.treatments] == ["high", "medium", "low"]
    t = s.treatments[0]
    assert (t.max_attempts, t.share, t.hours, t.third_party) == (1, 1.0, (9, 20), False)


def bad(doc, source="s.json"):
    with pytest.raises(InputError) as exc:
        spec.strategy_from_dict(doc, source)
    return str(exc.value)


BASE_T = {"risk_band": "high", "stage": "pre_due", "channel": "sms", "timing_dpd": -3}


@pytest.mark.parametrize("doc, where, words", [
    ({"name": "x", "treatments": [{**BASE_T, "chanel": "sms"}]}, "treatments[0].chanel", "Did you mean 'channel'"),
    ({"name": "x", "treatments": [{**BASE_T, "channel": "smss"}]}, "treatments[0].channel", "Did you mean 'sms'"),
    ({"name": "x", "treatments": [{**BASE_T, "timing_dpd": 5}]}, "treatments[0].timing_dpd", "days before the due"),
    ({"name": "x", "treatments": [{**BASE_T, "stage": "dpd_30_59", "timing_dpd": 10}]}, "treatments[0].timing_dpd",
     "(30 to 59)"),
    ({"name": "x", "treatments": [{**BASE_T, "share": 1.5}]}, "treatments[0].share", "between 0.0 and 1.0"),
    ({"name": "x", "treatments": [{**BASE_T, "hours": [20, 9]}]}, "treatments[0].hours", "must be after"),
    ({"name": "x", "treatments": [BASE_T, BASE_T]}, "treatments", "listed twice"),
    ({"name": "x", "treatments": [{"risk_band": "high"}]}, "treatments[0].stage", "missing"),
    ({"name": ""}, "name", "give the strategy a name"),
    ({"name": "x", "restructuring": [{"kind": "extension", "risk_bands": ["high"], "stages": ["dpd_1_29"],
                                      "take_up": 0.3}]}, "restructuring[0].extension_months", "above zero"),
    ({"name": "x", "restructuring": [{"kind": "extension", "risk_bands": ["hihg"], "stages": ["dpd_1_29"],
                                      "take_up": 0.3, "extension_months": 6}]}, "restructuring[0].risk_bands[0]",
     "Did you mean 'high'"),
    ({"name": "x", "limits": {"monthly_budget": -5}}, "limits.monthly_budget", "out of range"),
    ({"name": "x", "format": 2}, "format", "not supported"),
])
def test_mistakes_name_the_file_and_field(doc, where, words):
    msg = bad(doc)
    assert msg.startswith("file s.json")
    assert f"field {where}" in msg
    assert words in msg


def test_bad_json_and_missing_file(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"name": "x",\n "treatments": [}')
    with pytest.raises(InputError, match=r"broken.json.*line 2"):
        spec.load(p)
    with pytest.raises(InputError, match="file not found"):
        spec.load(tmp_path / "nope.json")
