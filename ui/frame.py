"""The shared frame every page starts with: page config, language, navigation, filters, banner.

Cross-page choices (language, filters, presentation mode, bucket naming) live in
``st.session_state`` under plain keys that the widgets are bound to (Streamlit drops a widget's
own state when the page changes), and are mirrored in ``st.query_params`` so a copied link opens
the same view: see ``ui/state.py``.
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
from analytics.display.formatting import currency_symbol, format_money
from analytics.errors import CollectLensError
from analytics.metrics.filters import PortfolioFilter
from analytics.sample import synth
from analytics.security import confine, outputs, roles
from analytics.store import Tables
from ui import auth, cache
from ui import state as keys

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
    ("pages/7_Collections.py", "nav.collections", ":material/support_agent:"),
    ("pages/1_Data.py", "nav.data", ":material/upload_file:"),
    ("pages/7_Audit.py", "nav.audit", ":material/policy:"),
]
@dataclass(frozen=True)
class PageContext:
    """What a page needs after the frame ran."""

    lang: str
    filters: PortfolioFilter
    data_version: str
    meta: dict
    presentation: bool = False
    # Who is signed in and what they may do (ui/auth.py); the local administrator without sign-in.
    access: roles.Access = roles.LOCAL_ADMIN

    def t(self, key: str, **fmt: object) -> str:
        return i18n.t(key, self.lang, **fmt)

    @property
    def tables(self) -> Tables:
        return cache.tables()

    @property
    def currency(self) -> str:
        """The symbol amounts are shown with; none when an import did not say its currency."""
        return currency_symbol(self.meta)

    def money(self, value: float | None) -> str:
        """An amount as this reader reads it: the data's currency, K/M/B or 万/亿 by language."""
        return format_money(value, self.currency, self.lang)


def _language_switch() -> str:
    lang = st.session_state[keys.LANG]
    st.sidebar.radio(i18n.t("sidebar.language", lang), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                     horizontal=True, **keys.bound(keys.LANG, i18n.DEFAULT_LANGUAGE, widget=keys.W_LANG))
    return st.session_state[keys.LANG]


def _presentation_switch(lang: str, access: roles.Access = roles.LOCAL_ADMIN) -> bool:
    """The presentation switch. Anyone may switch it on (a ``?present=1`` link opens a session in
    it, e.g. for a projector); only a user who may see unmasked loan-level data
    (``Access.unmasked``) may switch it off: for others the switch is locked on, also against a
    changed widget value sent by the browser (the lock is kept in the session, not the widget)."""
    ss = st.session_state
    if access.unmasked:
        ss.pop(keys.PRESENT_LOCK, None)
    elif ss.get(keys.PRESENT) or ss.get(keys.PRESENT_LOCK):
        ss[keys.PRESENT_LOCK] = ss[keys.PRESENT] = True
    locked = bool(ss.get(keys.PRESENT_LOCK))
    help_text = i18n.t("present.help", lang) + (" " + i18n.t("present.locked", lang) if locked else "")
    st.sidebar.toggle(i18n.t("present.toggle", lang), help=help_text, disabled=locked,
                      **keys.bound(keys.PRESENT, False, widget=keys.W_PRESENT))
    present = bool(st.session_state.get(keys.PRESENT))
    if present:
        # Big numbers for a projector; the sidebar stays for the switch itself.
        st.markdown(
            "<style>[data-testid='stMetricValue'] {font-size: 3.2rem;} "
            "[data-testid='stMetricLabel'] p {font-size: 1.15rem;} "
            "[data-testid='stMetricDelta'] {font-size: 1.1rem;}</style>", unsafe_allow_html=True)
    return present


def _check_backend() -> None:
    """An unknown COLLECTLENS_BACKEND is a user error: the frame shows it (StoreError), not a traceback."""
    s = config.settings()
    store.parse_backend(s.backend_url, s.db_path)


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
            with store.loading(s.db_path, keep=s.keep_versions) as load:  # a new store version, switched to when complete
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
    if st.session_state.get(keys.MONTH) not in month_labels and month_labels:
        st.session_state[keys.MONTH] = month_labels[-1]
    sb.selectbox(i18n.t("filter.as_of", lang), month_labels[::-1],
                 **keys.bound(keys.MONTH, month_labels[-1] if month_labels else None, widget=keys.W_MONTH))
    if present:
        # The meeting room sees the whole book at the chosen month; the other filters keep their
        # values for when presentation mode is switched off.
        return PortfolioFilter(as_of_month=_filter_from_state().as_of_month)

    def multi(widget_key, plain_key, label_key, values, fmt):
        # Values this book does not have (a link from another book) are dropped.
        st.session_state[plain_key] = [v for v in st.session_state.get(plain_key) or [] if v in values]
        sb.multiselect(i18n.t(label_key, lang), values, format_func=fmt, placeholder=i18n.t("filter.all", lang),
                       **keys.bound(plain_key, [], widget=widget_key))

    multi(keys.W_REGIONS, keys.REGIONS, "filter.region", options["regions"], lambda v: i18n.region_label(v, lang))
    multi(keys.W_TIERS, keys.TIERS, "filter.tier", options["tiers"], lambda v: i18n.t(f"tier.{v}", lang))
    multi(keys.W_CONDITIONS, keys.CONDITIONS, "filter.condition", options["conditions"],
          lambda v: i18n.t(f"condition.{v}", lang))
    _vintage_slider(lang, [int(y) for y in options["years"]])
    if sb.button(i18n.t("filter.reset", lang), key=keys.W_RESET):
        for key in (*keys.FILTER_KEYS, *keys.FILTER_WIDGETS):
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
        lo, hi = st.session_state[keys.W_VINTAGE]
        # The full range is no filter at all (and keeps the URL short).
        st.session_state[keys.VINTAGE] = None if (lo, hi) == (years[0], years[-1]) else f"{lo}-{hi}"

    # The one widget not seeded by ``keys.bound``: seeded by value= (not by session state) so it
    # is a range slider from its first run.
    st.sidebar.select_slider(i18n.t("filter.vintage", lang), options=years, key=keys.W_VINTAGE, on_change=sync,
                             value=_year_range(st.session_state.get(keys.VINTAGE), years))


def _filter_from_state() -> PortfolioFilter:
    """The filter as the plain session keys hold it (what the widgets last set)."""
    ss = st.session_state
    month = pd.Timestamp(ss[keys.MONTH]).date() if ss.get(keys.MONTH) else None
    vfrom = vto = None
    if ss.get(keys.VINTAGE):
        lo, hi = (int(x) for x in str(ss[keys.VINTAGE]).split("-"))
        vfrom, vto = date(lo, 1, 1), date(hi, 12, 1)
    return PortfolioFilter(as_of_month=month, regions=tuple(ss.get(keys.REGIONS) or ()),
                           credit_tiers=tuple(ss.get(keys.TIERS) or ()), vintage_from=vfrom, vintage_to=vto,
                           vehicle_conditions=tuple(ss.get(keys.CONDITIONS) or ()))


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
        st.info(ctx.t("banner.imported", source=outputs.markdown_text(meta.get("source", "?")),
                      loaded_at=meta.get("loaded_at", "?")),
                icon=":material/upload_file:")


def frame(page_title_key: str) -> PageContext:
    """Draw the shared frame and return the page's context. Call first on every page."""
    st.set_page_config(page_title=f"CollectLens · {i18n.t(page_title_key, 'en')}", page_icon=str(ICON),
                       layout="wide", initial_sidebar_state="expanded")
    keys.seed_from_url(i18n.DEFAULT_LANGUAGE, i18n.LANGUAGES)
    access = auth.access(st.session_state[keys.LANG])
    _navigation(st.session_state[keys.LANG])
    lang = _language_switch()
    present = _presentation_switch(lang, access)
    try:
        _check_backend()
        _ensure_data(lang)
        version = cache.data_version()
        meta = cache.metadata(version)
        options = cache.filter_options(version)
    except CollectLensError as exc:
        st.error(f"{i18n.t('error.store', lang)} {confine.scrub_paths(str(exc), config.internal_dirs())}")
        st.stop()
    # Chinese lenders name buckets M1/M2/M3, US ones by days past due: the market sets the default.
    st.session_state.setdefault(keys.BUCKET_NAMING, "m" if meta.get("market") == "cn" else "dpd")
    filters = _filters(lang, options, present)
    keys.mirror_to_url()
    ctx = PageContext(lang=lang, filters=filters, data_version=version, meta=meta, presentation=present,
                      access=access)
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
        st.error(confine.scrub_paths(str(exc), config.internal_dirs()))
    except Exception:  # never show a user a traceback
        log.exception("page failed")
        st.error(ctx.t("error.unexpected"))
