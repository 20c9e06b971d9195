"""Cross-page choices through AppTest: bucket naming comes from the URL, survives a page switch
and is written back to the URL (ui/state.py)."""

from __future__ import annotations

import re

from tests.apptest import COHORTS, DELINQUENCY, ROLL_RATES, no_errors, start, switch


def _naming_shown(at) -> str:
    """Which names the Delinquency page's heading uses: "M2+ by ..." (cn names) or "30+ DPD by ..."."""
    heading = at.subheader[0].value
    m_name, dpd_name = bool(re.search(r"\bM\d\+", heading)), "DPD" in heading
    assert m_name != dpd_name, heading
    return "m" if m_name else "dpd"


def test_bucket_naming_comes_from_the_url(app_env):
    # The small sample is a cn book, whose default is M1/M2/M3: the link asks for DPD names.
    at = start(DELINQUENCY, naming="dpd")
    no_errors(at)
    assert at.segmented_control(key="w_dq_naming").value == "dpd"
    assert _naming_shown(at) == "dpd"
    assert at.query_params["naming"] == "dpd"
    # Without the parameter the market's default holds (and is what the URL then says).
    at = start(DELINQUENCY)
    assert _naming_shown(at) == "m" and at.query_params["naming"] == "m"
    # A mistyped value falls back to the default, not an error.
    at = start(DELINQUENCY, naming="zzz")
    no_errors(at)
    assert _naming_shown(at) == "m"


def test_bucket_naming_survives_a_page_switch(app_env):
    at = start(DELINQUENCY)
    at.segmented_control(key="w_dq_naming").set_value("dpd").run()
    no_errors(at)
    assert _naming_shown(at) == "dpd" and at.query_params["naming"] == "dpd"
    switch(at, COHORTS)
    no_errors(at)
    assert at.segmented_control(key="w_co_naming").value == "dpd"
    # DPD names on cn data follow the cn buckets (M2 starts at 31 DPD): "Ever 31+ DPD", not "Ever M2+".
    assert at.get("button_group")[0].proto.options[0].content == "Ever 31+ DPD"
    at.segmented_control(key="w_co_naming").set_value("m").run()
    switch(at, ROLL_RATES)
    no_errors(at)
    assert at.segmented_control(key="w_rr_naming").value == "m"
    assert at.query_params["naming"] == "m"
    switch(at, DELINQUENCY)
    assert _naming_shown(at) == "m"
