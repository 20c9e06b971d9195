"""Strategies and effect assumptions as editor tables and back, on small cases written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.config import PRESETS_DIR
from analytics.errors import InputError
from analytics.strategy import spec, spec_tables

# Two treatments and one offer, every field away from its default where it has one.
HAND = spec.Strategy(
    name="Hand", description="two rows",
    treatments=(spec.Treatment("high", "pre_due", "sms", -3, 2, 0.5, (8, 18), False),
                spec.Treatment("low", "dpd_30_59", "agent_call", 35, 3, 1.0, (9, 20), True)),
    restructuring=(spec.RestructureOffer("deferral", ("high", "medium"), ("dpd_1_29",), 0.25, deferral_months=2,
                                         offer_share=0.5),),
    limits=spec.Limits(1000.0, None, 40.0),
)
LIMITS = {"monthly_budget": 1000.0, "agent_hours": None, "field_hours": 40.0}


def test_strategy_to_tables_row_by_row():
    t = spec_tables.treatment_frame(HAND)
    assert list(t.columns) == spec_tables.TREATMENT_COLUMNS
    assert t.to_dict("records") == [
        {"risk_band": "high", "stage": "pre_due", "channel": "sms", "timing_dpd": -3, "max_attempts": 2,
         "share": 0.5, "hours_from": 8, "hours_to": 18, "third_party": False},
        {"risk_band": "low", "stage": "dpd_30_59", "channel": "agent_call", "timing_dpd": 35, "max_attempts": 3,
         "share": 1.0, "hours_from": 9, "hours_to": 20, "third_party": True}]
    # Whole numbers as nullable integers, so an emptied cell stays empty instead of becoming a float NaN.
    assert str(t["timing_dpd"].dtype) == "Int64" and str(t["hours_to"].dtype) == "Int64"
    o = spec_tables.offer_frame(HAND)
    assert o.to_dict("records") == [
        {"kind": "deferral", "risk_bands": ["high", "medium"], "stages": ["dpd_1_29"], "take_up": 0.25,
         "extension_months": 0, "deferral_months": 2, "rate_cut": 0.0, "settlement_discount": 0.0,
         "offer_share": 0.5}]


def test_empty_strategy_gives_empty_tables_with_the_columns():
    assert spec_tables.treatment_frame(spec.DO_NOTHING).empty
    assert list(spec_tables.offer_frame(spec.DO_NOTHING).columns) == spec_tables.OFFER_COLUMNS


def test_round_trip_table_strategy_table():
    t, o = spec_tables.treatment_frame(HAND), spec_tables.offer_frame(HAND)
    back = spec_tables.strategy_from_tables("Hand", "two rows", t, o, LIMITS)
    assert back == HAND
    pd.testing.assert_frame_equal(spec_tables.treatment_frame(back), t)
    pd.testing.assert_frame_equal(spec_tables.offer_frame(back), o)


@pytest.mark.parametrize("name", ["sms_and_flexible_plans.json", "early_warning_ai_voice.json"])
def test_presets_round_trip_through_tables(name):
    s = spec.load(PRESETS_DIR / name)
    lim = {k: getattr(s.limits, k) for k in spec_tables.LIMIT_KEYS}
    back = spec_tables.strategy_from_tables(s.name, s.description, spec_tables.treatment_frame(s),
                                            spec_tables.offer_frame(s), lim)
    assert back == s


def test_empty_cells_take_the_format_defaults_and_empty_rows_are_dropped():
    treat = pd.DataFrame([
        # A row added in the editor with only the required cells: attempts 1, share 1, hours 9-20, no third party.
        {"risk_band": "medium", "stage": "dpd_1_29", "channel": "sms", "timing_dpd": np.int64(5),
         "max_attempts": pd.NA, "share": float("nan"), "hours_from": None, "hours_to": pd.NA, "third_party": None},
        # A row added and left empty.
        {"risk_band": None, "stage": None, "channel": None, "timing_dpd": pd.NA, "max_attempts": pd.NA,
         "share": float("nan"), "hours_from": pd.NA, "hours_to": pd.NA, "third_party": None},
    ], columns=spec_tables.TREATMENT_COLUMNS)
    offers = pd.DataFrame([
        {"kind": "extension", "risk_bands": ["low"], "stages": ["dpd_30_59"], "take_up": np.float64(0.3),
         "extension_months": np.int64(6), "deferral_months": None, "rate_cut": None, "settlement_discount": None,
         "offer_share": None},
        {"kind": None, "risk_bands": None, "stages": None, "take_up": None, "extension_months": None,
         "deferral_months": None, "rate_cut": None, "settlement_discount": None, "offer_share": None},
    ], columns=spec_tables.OFFER_COLUMNS)
    doc = spec_tables.strategy_doc("x", "", treat, offers, {})
    assert doc["treatments"] == [{"risk_band": "medium", "stage": "dpd_1_29", "channel": "sms", "timing_dpd": 5,
                                  "max_attempts": 1, "share": 1.0, "hours": [9, 20], "third_party": False}]
    assert doc["restructuring"] == [{"kind": "extension", "risk_bands": ["low"], "stages": ["dpd_30_59"],
                                     "take_up": 0.3, "extension_months": 6, "deferral_months": 0, "rate_cut": 0.0,
                                     "settlement_discount": 0.0, "offer_share": 1.0}]
    # numpy scalars become plain Python numbers (the document is written as JSON).
    assert type(doc["treatments"][0]["timing_dpd"]) is int and type(doc["restructuring"][0]["take_up"]) is float
    s = spec_tables.strategy_from_tables("x", "", treat, offers, {})
    assert s.treatments == (spec.Treatment("medium", "dpd_1_29", "sms", 5),)


def test_a_bad_cell_is_named_like_a_bad_file_field():
    t = spec_tables.treatment_frame(HAND)
    t.loc[0, "timing_dpd"] = 12  # pre-due needs a negative day
    with pytest.raises(InputError) as exc:
        spec_tables.strategy_from_tables("Hand", "", t, spec_tables.offer_frame(HAND), LIMITS, source="editor: Hand")
    assert "editor: Hand" in str(exc.value) and "treatments[0].timing_dpd" in str(exc.value)


def test_effect_assumptions_round_trip_and_fill_blanks():
    entries = [{"channel": "sms", "risk_band": "high", "stage": "pre_due", "roll": -0.1, "cure": 0.0,
                "roll_range": [-0.2, -0.05], "cure_range": [0.0, 0.0], "source": "pilot 2025"}]
    frame = spec_tables.effect_frame(entries)
    assert list(frame.columns) == spec_tables.EFFECT_COLUMNS
    assert frame.loc[0, ["roll", "roll_low", "roll_high"]].tolist() == [-0.1, -0.2, -0.05]
    assert spec_tables.effect_entries(frame, "yours") == entries
    # An entry without ranges shows its point value at both ends.
    bare = spec_tables.effect_frame([{"channel": "sms", "risk_band": "all", "stage": "dpd_1_29", "roll": -0.3,
                                      "cure": 0.2, "source": "s"}])
    assert bare.loc[0, ["roll_low", "roll_high", "cure_low", "cure_high"]].tolist() == [-0.3, -0.3, 0.2, 0.2]
    # Blanks: band -> all, range ends -> the point value, source -> the default; no channel -> dropped.
    edited = pd.DataFrame([
        {"channel": "ai_voice", "risk_band": None, "stage": "dpd_1_29", "roll": -0.15, "roll_low": float("nan"),
         "roll_high": -0.1, "cure": 0.05, "cure_low": None, "cure_high": None, "source": None},
        {"channel": None, "risk_band": "high", "stage": "pre_due", "roll": -0.5, "roll_low": None,
         "roll_high": None, "cure": None, "cure_low": None, "cure_high": None, "source": None},
    ], columns=spec_tables.EFFECT_COLUMNS)
    out = spec_tables.effect_entries(edited, "yours")
    assert out == [{"channel": "ai_voice", "risk_band": "all", "stage": "dpd_1_29", "roll": -0.15, "cure": 0.05,
                    "roll_range": [-0.15, -0.1], "cure_range": [0.05, 0.05], "source": "yours"}]
    assert not any(math.isnan(v) for v in out[0]["roll_range"] + out[0]["cure_range"])
