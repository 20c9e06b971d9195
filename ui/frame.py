"""The shared frame every page starts with: page config, language, navigation, filters, banner.

Cross-page choices (language, filters) live in ``st.session_state`` under plain keys that the
widgets are seeded from (Streamlit drops a widget's own state when the page changes), and are
mirrored in ``st.query_params`` so a copied link opens the same view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import config, i18n, store, synth
from analytics.errors import CollectLensError
from analytics.exports import Tables
from analytics.filters import PortfolioFilter
from ui import cache

log = logging.getLogger(__name__)
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"

# (script, i18n key, icon). Only pages that work are listed.
PAGES: list[tuple[str, str, str]] = [
    ("app.py", "nav.overview", ":material/dashboard:"),
    ("pages/5_Risk.py", "nav.risk", ":material/psychology:"),
]

# Plain session keys (survive page switches) and their query-parameter names.
STATE_KEYS = {"lang": "lang", "f_month": "month", "f_regions": "region", "f_tiers": "tier",
              "f_vintage": "vintage", "f_conditions": "cond"}
LIST_KEYS = {"f_regions", "f_tiers", "f_conditions"}


@dataclass(frozen=True)
class PageContext:
    """What a page needs after the frame ran."""

    lang: str
    filters: PortfolioFilter
    data_version: str
    meta: dict

    def t(self, key: str, **fmt: object) -> str:
        return i18n.t(key, self.lang, **fmt)

    @property
    def tables(self) -> Tables:
        return cache.tables()

    @property
    def currency(self) -> str:
        return "¥" if self.meta.get("currency", "CNY") == "CNY" else "$"


def _seed_state() -> None:
    """First run of a session: take choices from the URL."""
    if st.session_state.get("_seeded"):
        return
    qp = st.query_params
    for key, param in STATE_KEYS.items():
        if param in qp and key not in st.session_state:
            raw = qp[param]
            st.session_state[key] = [v for v in raw.split(",") if v] if key in LIST_KEYS else raw
    st.session_state.setdefault("lang", i18n.DEFAULT_LANGUAGE)
    if st.session_state["lang"] not in i18n.LANGUAGES:
        st.session_state["lang"] = i18n.DEFAULT_LANGUAGE
    st.session_state["_seeded"] = True


def _mirror_to_url() -> None:
    for key, param in STATE_KEYS.items():
        value = st.session_state.get(key)
        if value in (None, [], ""):
            if param in st.query_params:
                del st.query_params[param]
            continue
        text = ",".join(value) if isinstance(value, list) else str(value)
        if st.query_params.get(param) != text:
            st.query_params[param] = text


def _bound(widget_key: str, plain_key: str, default):
    """Seed a widget from its plain key; return a callback that copies the widget back."""
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state.get(plain_key, default)

    def sync() -> None:
        st.session_state[plain_key] = st.session_state[widget_key]

    return sync


def _language_switch() -> str:
    sync = _bound("w_lang", "lang", i18n.DEFAULT_LANGUAGE)
    lang = st.session_state["lang"]
    st.sidebar.radio(i18n.t("sidebar.language", lang), list(i18n.LANGUAGES), key="w_lang",
                     format_func=i18n.LANGUAGES.get, horizontal=True, on_change=sync)
    return st.session_state["lang"]


def _ensure_data(lang: str) -> None:
    """First start with no data: build the default sample, showing progress."""
    con = cache.connection(cache.db_path()).cursor()
    try:
        if store.has_data(con):
            return
        s = config.settings()
        params = synth.SynthParams(loans=s.sample_loans, seed=config.DEFAULT_SAMPLE_SEED, market=s.sample_market)
        with st.status(i18n.t("building.title", lang, loans=f"{params.loans:,}"), expanded=True) as status:
            bar = st.progress(0.0)
            synth.write_sample(con, params, lambda frac, msg: bar.progress(min(frac, 1.0), text=msg))
            status.update(label=i18n.t("building.done", lang), state="complete", expanded=False)
        cache.clear()
    finally:
        con.close()


def _filters(lang: str, options: dict) -> PortfolioFilter:
    sb = st.sidebar
    sb.subheader(i18n.t("sidebar.filters", lang))
    months = options["months"]
    month_labels = [m.strftime("%Y-%m") for m in months]
    sync = _bound("w_month", "f_month", month_labels[-1] if month_labels else None)
    if st.session_state["w_month"] not in month_labels and month_labels:
        st.session_state["w_month"] = month_labels[-1]
    sb.selectbox(i18n.t("filter.as_of", lang), month_labels[::-1], key="w_month", on_change=sync)
    sync()

    def multi(widget_key, plain_key, label_key, values, fmt):
        s = _bound(widget_key, plain_key, [])
        st.session_state[widget_key] = [v for v in st.session_state[widget_key] if v in values]
        sb.multiselect(i18n.t(label_key, lang), values, key=widget_key, format_func=fmt,
                       placeholder=i18n.t("filter.all", lang), on_change=s)
        s()
        return tuple(st.session_state[plain_key])

    regions = multi("w_regions", "f_regions", "filter.region", options["regions"], str)
    tiers = multi("w_tiers", "f_tiers", "filter.tier", options["tiers"], lambda v: i18n.t(f"tier.{v}", lang))
    conditions = multi("w_conditions", "f_conditions", "filter.condition", options["conditions"],
                       lambda v: i18n.t(f"condition.{v}", lang))

    years = [int(y) for y in options["years"]]
    vfrom = vto = None
    if len(years) > 1:
        full = f"{years[0]}-{years[-1]}"
        vsync = _bound("w_vintage", "f_vintage", full)
        try:
            lo, hi = (int(x) for x in str(st.session_state["w_vintage"]).split("-"))
        except ValueError:
            lo, hi = years[0], years[-1]
        lo, hi = max(lo, years[0]), min(hi, years[-1])
        picked = sb.select_slider(i18n.t("filter.vintage", lang), options=years, value=(lo, hi), key="w_vintage_range")
        st.session_state["w_vintage"] = f"{picked[0]}-{picked[1]}"
        vsync()
        if picked != (years[0], years[-1]):
            vfrom, vto = date(picked[0], 1, 1), date(picked[1], 12, 1)
        else:
            st.session_state["f_vintage"] = None
    if sb.button(i18n.t("filter.reset", lang), key="w_reset"):
        for key in ("f_month", "f_regions", "f_tiers", "f_conditions", "f_vintage", "w_month", "w_regions",
                    "w_tiers", "w_conditions", "w_vintage", "w_vintage_range"):
            st.session_state.pop(key, None)
        st.rerun()
    month = pd.Timestamp(st.session_state["f_month"]).date() if st.session_state.get("f_month") else None
    return PortfolioFilter(as_of_month=month, regions=regions, credit_tiers=tiers, vintage_from=vfrom,
                           vintage_to=vto, vehicle_conditions=conditions)


def _navigation(lang: str) -> None:
    st.sidebar.markdown(f"### {i18n.t('app.title', lang)}")
    st.sidebar.caption(i18n.t("app.tagline", lang))
    for script, key, icon in PAGES:
        st.sidebar.page_link(script, label=i18n.t(key, lang), icon=icon)


def _banner(ctx: PageContext) -> None:
    meta = ctx.meta
    if meta.get("source") == "sample":
        loans = (meta.get("row_counts") or {}).get("loans", 0)
        st.info(ctx.t("banner.sample", market=ctx.t(f"market.{meta.get('market', 'cn')}"), loans=f"{loans:,}"),
                icon=":material/science:")
    else:
        st.info(ctx.t("banner.imported", source=meta.get("source", "?"), loaded_at=meta.get("loaded_at", "?")),
                icon=":material/upload_file:")


def frame(page_title_key: str) -> PageContext:
    """Draw the shared frame and return the page's context. Call first on every page."""
    st.set_page_config(page_title=f"CollectLens · {i18n.t(page_title_key, 'en')}", page_icon=str(ICON),
                       layout="wide", initial_sidebar_state="expanded")
    _seed_state()
    _navigation(st.session_state["lang"])
    lang = _language_switch()
    try:
        _ensure_data(lang)
        version = cache.data_version()
        meta = cache.metadata(version)
        options = cache.filter_options(version)
    except CollectLensError as exc:
        st.error(f"{i18n.t('error.store', lang)} {exc}")
        st.stop()
    filters = _filters(lang, options)
    _mirror_to_url()
    ctx = PageContext(lang=lang, filters=filters, data_version=version, meta=meta)
    _banner(ctx)
    return ctx


def guarded(body: Callable[[PageContext], None], ctx: PageContext) -> None:
    """Run a page body; a user error shows its message, anything else a generic one (logged)."""
    try:
        body(ctx)
    except CollectLensError as exc:
        st.error(str(exc))
    except Exception:  # never show a user a traceback
        log.exception("page failed")
        st.error(ctx.t("error.unexpected"))
