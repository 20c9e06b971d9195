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

from analytics import config, store
from analytics.display import i18n
from analytics.display.formatting import currency_symbol
from analytics.errors import CollectLensError
from analytics.metrics.filters import PortfolioFilter
from analytics.sample import synth
from analytics.store import Tables
from ui import cache

log = logging.getLogger(__name__)
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"

# (script, i18n key, icon). Only pages that work are listed.
PAGES: list[tuple[str, str, str]] = [
    ("app.py", "nav.overview", ":material/dashboard:"),
    ("pages/2_Delinquency.py", "nav.delinquency", ":material/trending_up:"),
    ("pages/3_Cohorts.py", "nav.cohorts", ":material/stacked_line_chart:"),
    ("pages/4_Roll_rates.py", "nav.roll_rates", ":material/swap_horiz:"),
    ("pages/5_Risk.py", "nav.risk", ":material/psychology:"),
    ("pages/6_Strategy.py", "nav.strategy", ":material/strategy:"),
    ("pages/1_Data.py", "nav.data", ":material/upload_file:"),
]
# Plain session keys (survive page switches) and their query-parameter names.
STATE_KEYS = {"lang": "lang", "present": "present", "f_month": "month", "f_regions": "region",
              "f_tiers": "tier", "f_vintage": "vintage", "f_conditions": "cond"}
LIST_KEYS = {"f_regions", "f_tiers", "f_conditions"}


@dataclass(frozen=True)
class PageContext:
    """What a page needs after the frame ran."""

    lang: str
    filters: PortfolioFilter
    data_version: str
    meta: dict
    presentation: bool = False

    def t(self, key: str, **fmt: object) -> str:
        return i18n.t(key, self.lang, **fmt)

    @property
    def tables(self) -> Tables:
        return cache.tables()

    @property
    def currency(self) -> str:
        """The symbol amounts are shown with; none when an import did not say its currency."""
        return currency_symbol(self.meta)


def _seed_state() -> None:
    """First run of a session: take choices from the URL."""
    if st.session_state.get("_seeded"):
        return
    qp = st.query_params
    for key, param in STATE_KEYS.items():
        if param in qp and key not in st.session_state:
            raw = qp[param]
            st.session_state[key] = [v for v in raw.split(",") if v] if key in LIST_KEYS else raw
    st.session_state["present"] = str(st.session_state.get("present", "")) in ("1", "True", "true")
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
        if value is False:
            if param in st.query_params:
                del st.query_params[param]
            continue
        text = ",".join(value) if isinstance(value, list) else ("1" if value is True else str(value))
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


def _presentation_switch(lang: str) -> bool:
    sync = _bound("w_present", "present", False)
    st.sidebar.toggle(i18n.t("present.toggle", lang), key="w_present", on_change=sync,
                      help=i18n.t("present.help", lang))
    present = bool(st.session_state.get("present"))
    if present:
        # Big numbers for a projector; the sidebar stays for the switch itself.
        st.markdown(
            "<style>[data-testid='stMetricValue'] {font-size: 3.2rem;} "
            "[data-testid='stMetricLabel'] p {font-size: 1.15rem;} "
            "[data-testid='stMetricDelta'] {font-size: 1.1rem;}</style>", unsafe_allow_html=True)
    return present


def _ensure_data(lang: str) -> None:
    """First start with no data: build the default sample, showing progress."""
    if config.settings().backend_url:  # another backend is loaded by its own command (README)
        return
    con = cache.connection(cache.db_path()).cursor()
    try:
        if store.has_data(con):
            return
        s = config.settings()
        params = synth.SynthParams(loans=s.sample_loans, seed=config.DEFAULT_SAMPLE_SEED, market=s.sample_market)
        with st.status(i18n.t("building.title", lang, loans=f"{params.loans:,}"), expanded=True) as status:
            bar = st.progress(0.0)
            with store.loading(s.db_path) as load:  # a new store version, switched to when complete
                synth.write_sample(load.con, params, lambda frac, msg: bar.progress(min(frac, 1.0), text=msg))
            status.update(label=i18n.t("building.done", lang), state="complete", expanded=False)
        cache.clear()
    finally:
        con.close()


def _filters(lang: str, options: dict, present: bool) -> PortfolioFilter:
    sb = st.sidebar
    sb.subheader(i18n.t("sidebar.filters", lang))
    months = options["months"]
    month_labels = [m.strftime("%Y-%m") for m in months]
    sync = _bound("w_month", "f_month", month_labels[-1] if month_labels else None)
    if st.session_state["w_month"] not in month_labels and month_labels:
        st.session_state["w_month"] = month_labels[-1]
    sb.selectbox(i18n.t("filter.as_of", lang), month_labels[::-1], key="w_month", on_change=sync)
    sync()
    if present:
        # The meeting room sees the whole book at the chosen month; the other filters keep their
        # values for when presentation mode is switched off.
        return PortfolioFilter(as_of_month=_filter_from_state().as_of_month)

    def multi(widget_key, plain_key, label_key, values, fmt):
        s = _bound(widget_key, plain_key, [])
        st.session_state[widget_key] = [v for v in st.session_state[widget_key] if v in values]
        sb.multiselect(i18n.t(label_key, lang), values, key=widget_key, format_func=fmt,
                       placeholder=i18n.t("filter.all", lang), on_change=s)
        s()

    multi("w_regions", "f_regions", "filter.region", options["regions"], lambda v: i18n.region_label(v, lang))
    multi("w_tiers", "f_tiers", "filter.tier", options["tiers"], lambda v: i18n.t(f"tier.{v}", lang))
    multi("w_conditions", "f_conditions", "filter.condition", options["conditions"],
          lambda v: i18n.t(f"condition.{v}", lang))
    _vintage_slider(lang, [int(y) for y in options["years"]])
    if sb.button(i18n.t("filter.reset", lang), key="w_reset"):
        for key in ("f_month", "f_regions", "f_tiers", "f_conditions", "f_vintage", "w_month", "w_regions",
                    "w_tiers", "w_conditions", "w_vintage_range"):
            st.session_state.pop(key, None)
        st.rerun()
    return _filter_from_state()


def _year_range(text: str | None, years: list[int]) -> tuple[int, int]:
    try:
        lo, hi = (int(x) for x in str(text).split("-"))
    except ValueError:
        return years[0], years[-1]
    return max(lo, years[0]), min(hi, years[-1])


def _vintage_slider(lang: str, years: list[int]) -> None:
    if len(years) < 2:
        return
    def sync() -> None:
        lo, hi = st.session_state["w_vintage_range"]
        # The full range is no filter at all (and keeps the URL short).
        st.session_state["f_vintage"] = None if (lo, hi) == (years[0], years[-1]) else f"{lo}-{hi}"

    # Seeded by value= (not by session state) so the widget is a range slider from its first run.
    st.sidebar.select_slider(i18n.t("filter.vintage", lang), options=years, key="w_vintage_range", on_change=sync,
                             value=_year_range(st.session_state.get("f_vintage"), years))


def _filter_from_state() -> PortfolioFilter:
    """The filter as the plain session keys hold it (what the widgets last set)."""
    ss = st.session_state
    month = pd.Timestamp(ss["f_month"]).date() if ss.get("f_month") else None
    vfrom = vto = None
    if ss.get("f_vintage"):
        lo, hi = (int(x) for x in str(ss["f_vintage"]).split("-"))
        vfrom, vto = date(lo, 1, 1), date(hi, 12, 1)
    return PortfolioFilter(as_of_month=month, regions=tuple(ss.get("f_regions") or ()),
                           credit_tiers=tuple(ss.get("f_tiers") or ()), vintage_from=vfrom, vintage_to=vto,
                           vehicle_conditions=tuple(ss.get("f_conditions") or ()))


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
    present = _presentation_switch(lang)
    try:
        _ensure_data(lang)
        version = cache.data_version()
        meta = cache.metadata(version)
        options = cache.filter_options(version)
    except CollectLensError as exc:
        st.error(f"{i18n.t('error.store', lang)} {exc}")
        st.stop()
    # Chinese lenders name buckets M1/M2/M3, US ones by days past due: the market sets the default.
    st.session_state.setdefault("bucket_naming", "m" if meta.get("market") == "cn" else "dpd")
    filters = _filters(lang, options, present)
    _mirror_to_url()
    ctx = PageContext(lang=lang, filters=filters, data_version=version, meta=meta, presentation=present)
    _banner(ctx)
    return ctx


def needs(ctx: PageContext, *tables: str) -> bool:
    """Whether the loaded data has rows in ``tables``; if not, say so on the page (not an error).

    A Reg AB II filing, for example, has no collection contacts: a page built on ``actions``
    calls ``needs(ctx, "actions")`` and stops when it returns False.
    """
    counts = ctx.meta.get("row_counts") or {}
    lacking = [t for t in tables if not counts.get(t)]
    if not lacking:
        return True
    what = ", ".join(ctx.t(f"data.table.{t}") for t in lacking)
    st.info(ctx.t("needs.tables", what=what, source=ctx.meta.get("source", "?")), icon=":material/info:")
    return False


def guarded(body: Callable[[PageContext], None], ctx: PageContext) -> None:
    """Run a page body; a user error shows its message, anything else a generic one (logged)."""
    try:
        body(ctx)
    except CollectLensError as exc:
        st.error(str(exc))
    except Exception:  # never show a user a traceback
        log.exception("page failed")
        st.error(ctx.t("error.unexpected"))
