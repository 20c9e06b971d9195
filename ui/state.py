"""Session state in one place: every key the pages keep, the URL mirror, and ``bound``.

Streamlit drops a widget's own state whenever the widget is not drawn in a run: after a switch
to another page (even one drawing a widget with the same key) or to another view of a page. So a
choice that must outlive its widget lives under a *plain* session key, and the widget is tied to
it with :func:`bound`: seeded from the plain key before it is drawn, on every run, and copying its
value back when the user changes it. Code that changes a choice writes the plain key (and reruns);
the widget follows on the next run.

Cross-page choices (language, filters, presentation mode, bucket naming) are also mirrored in
``st.query_params`` (``URL_PARAMS``), so a copied link opens the same view: :func:`seed_from_url`
reads them on a session's first run, :func:`mirror_to_url` writes them on every run.

Keys: plain keys are named for what they hold; widget keys start with ``w_`` (tests address
widgets by them, so they do not change); a bound widget's key is ``w_`` + its plain key unless
given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

# ---------------------------------------------------------------- cross-page choices (URL-mirrored)

LANG = "lang"
PRESENT = "present"
PRESENT_LOCK = "_present_locked"  # presentation mode on for a user who may not switch it off
BUCKET_NAMING = "bucket_naming"
BUCKET_BASIS = "bucket_basis"  # cn: buckets by days past due or by missed instalments (逾期期数)
MONTH = "f_month"
REGIONS = "f_regions"
TIERS = "f_tiers"
CONDITIONS = "f_conditions"
VINTAGE = "f_vintage"
FILTER_KEYS = (MONTH, REGIONS, TIERS, CONDITIONS, VINTAGE)
# Plain key -> query parameter.
URL_PARAMS = {LANG: "lang", PRESENT: "present", MONTH: "month", REGIONS: "region", TIERS: "tier",
              VINTAGE: "vintage", CONDITIONS: "cond", BUCKET_NAMING: "naming", BUCKET_BASIS: "basis"}
LIST_KEYS = frozenset({REGIONS, TIERS, CONDITIONS})
BUCKET_NAMINGS = ("dpd", "m")
BUCKET_BASES = ("days", "instalments")  # analytics.metrics.basis.BASES
SEEDED = "_seeded"
SIGNED_IN_AS = "_signed_in_as"  # who this session signed in as (one audit entry per sign-in)

# ---------------------------------------------------------------- frame widgets

W_LANG = "w_lang"
W_PRESENT = "w_present"
W_MONTH = "w_month"
W_REGIONS = "w_regions"
W_TIERS = "w_tiers"
W_CONDITIONS = "w_conditions"
W_VINTAGE = "w_vintage_range"
W_RESET = "w_reset"
FILTER_WIDGETS = (W_MONTH, W_REGIONS, W_TIERS, W_CONDITIONS, W_VINTAGE)

# ---------------------------------------------------------------- Overview

PACK = "_pack"  # (what the briefing pack was made for, the pack)

# ---------------------------------------------------------------- Data page

DI_DIR = "di_dir"  # this session's upload folder (a server-made name)
DI_STORED = "di_stored"  # upload id -> the stored file
DI_INSPECTED = "di_inspected"  # what each file was found to be
DI_PREVIEWS = "di_previews"  # (folder, file) -> the preview shown
DI_REPORT = "di_report"  # the last check or load
DI_CHANGES = "di_changes"  # what the last check found a load would add, replace and delete
DI_HELD = "di_held"  # a load held back until its deletions are confirmed
W_DI_CONFIRM_DELETE = "w_di_confirm_delete"

# ---------------------------------------------------------------- Risk page

RISK_LOAN = "risk_loan"  # the loan explained
RISK_TAB = "w_risk_tab"  # the open tab (a widget key: a callback switches it)
RISK_FLASH = "risk_flash"  # a message shown once after training
W_RISK_LOAN_ID = "w_risk_loan_id"
W_RISK_LOAN_PICK = "w_risk_loan_pick"
RISK_WHATIF_LOAN = "risk_wi_loan"  # the loan the what-if inputs were reset for
W_RISK_WHATIF_EXT = "w_risk_wi_ext"
W_RISK_WHATIF_PAY = "w_risk_wi_pay"
W_RISK_WHATIF_CONTACT = "w_risk_wi_contact"

# ---------------------------------------------------------------- Strategy page

# The library and the working copies (see ui/strategy/state.py).
STRAT_LIB, STRAT_ORIGIN, STRAT_WORK, STRAT_VER = "strat_lib", "strat_origin", "strat_work", "strat_ver"
STRAT_SEL = "strat_sel"  # the strategies compared (widget w_strat_sel)
STRAT_ERRORS = "strat_errors"
STRAT_EFFECTS, STRAT_EFFECTS_VER = "strat_effects", "strat_effects_ver"
STRAT_EDIT_BASE = "strat_edit_base"  # the table each live editor was given
STRAT_COSTS = "strat_costs"  # channel costs and complaint rates as edited
STRAT_OPT_ARGS, STRAT_OPT_ADDED = "strat_opt_args", "strat_opt_added"
# Choices tied to widgets by ``bound`` (widget key: w_ + the plain key).
STRAT_VIEW, STRAT_EDIT, STRAT_DPD = "strat_view", "strat_edit", "strat_dpd"
STRAT_MONTHS, STRAT_PATHS, STRAT_SEED = "strat_months", "strat_paths", "strat_seed"
RULE_FROM, RULE_TO, RULE_CALLS7, RULE_MONTHLY, RULE_THIRD = ("rule_from", "rule_to", "rule_calls7", "rule_monthly",
                                                             "rule_third")
OPS_CALL_MIN, OPS_VISIT_H, OPS_OFFER_MIN = "ops_call_min", "ops_visit_h", "ops_offer_min"
LOSS_DEP, LOSS_AUCTION, LOSS_MONTHS_SALE = "loss_dep", "loss_auction", "loss_months_sale"
LOSS_REPO_COST, LOSS_CO_REC, LOSS_DISCOUNT = "loss_repo_cost", "loss_co_rec", "loss_discount"
OPT_BUDGET, OPT_AGENT, OPT_FIELD, OPT_CHANNELS = "opt_budget", "opt_agent", "opt_field", "opt_channels"
EFF_CHANNELS = "eff_channels"
PLAN_ALPHA = "plan_alpha"
# Policy backtest view: as-of month, window, paths (bound widgets); the arguments last run.
STRAT_BT_AS_OF, STRAT_BT_WINDOW, STRAT_BT_PATHS = "strat_bt_as_of", "strat_bt_window", "strat_bt_paths"
STRAT_BT_RAN = "strat_bt_ran"

def widget_key(key: str) -> str:
    """The key of the widget bound to plain key ``key`` by default."""
    return f"w_{key}"


def bound(key: str, default: Any = None, *, widget: str | None = None,
          normalise: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """Tie a widget to the plain session key ``key``: pass the result as the widget's keywords.

    Before the widget is drawn (call this right before it), the plain key gets ``default`` if it
    has no value, and the widget's state is set from it: a widget drawn after a page or view
    switch, or after code changed the choice, shows the plain value. When the user changes the
    widget, its value (through ``normalise``, e.g. ``None`` from a cleared segmented control to
    a default) is copied back to the plain key. Give the widget no ``value``/``default``/
    ``index`` of its own: the session state seeds it.

    >>> st.selectbox("Paths", [200, 1000], **bound(STRAT_PATHS, 1000))  # doctest: +SKIP
    """
    wkey = widget or widget_key(key)
    ss = st.session_state
    if key not in ss:
        ss[key] = default
    ss[wkey] = ss[key]

    def write_back() -> None:
        value = ss[wkey]
        ss[key] = normalise(value) if normalise else value

    return {"key": wkey, "on_change": write_back}


def seed_from_url(default_lang: str, languages: Any) -> None:
    """First run of a session: take the cross-page choices from the URL (a shared link)."""
    ss = st.session_state
    if ss.get(SEEDED):
        return
    qp = st.query_params
    for key, param in URL_PARAMS.items():
        if param in qp and key not in ss:
            raw = qp[param]
            ss[key] = [v for v in raw.split(",") if v] if key in LIST_KEYS else raw
    ss[PRESENT] = str(ss.get(PRESENT, "")) in ("1", "True", "true")
    ss.setdefault(LANG, default_lang)
    if ss[LANG] not in languages:
        ss[LANG] = default_lang
    if BUCKET_NAMING in ss and ss[BUCKET_NAMING] not in BUCKET_NAMINGS:
        del ss[BUCKET_NAMING]  # a mistyped link falls back to the market's default
    if BUCKET_BASIS in ss and ss[BUCKET_BASIS] not in BUCKET_BASES:
        del ss[BUCKET_BASIS]
    ss[SEEDED] = True


def mirror_to_url() -> None:
    """Write the cross-page choices to the URL; empty and false ones are left out."""
    for key, param in URL_PARAMS.items():
        value = st.session_state.get(key)
        if value in (None, [], "") or value is False:
            if param in st.query_params:
                del st.query_params[param]
            continue
        text = ",".join(value) if isinstance(value, list) else ("1" if value is True else str(value))
        if st.query_params.get(param) != text:
            st.query_params[param] = text
