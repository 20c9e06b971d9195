"""Edit view: a strategy's treatments, offers and limits in editors, previewed at once."""

from __future__ import annotations

import streamlit as st

from analytics.display.labels import strategy_description, strategy_name
from analytics.errors import InputError
from analytics.schema import ACTION_CHANNELS
from analytics.strategy import spec, spec_tables
from analytics.strategy.inputs import Inputs
from ui import state as keys
from ui.frame import PageContext
from ui.state import bound
from ui.strategy import state
from ui.strategy.common import comparison, fmt, label


def _preview(ctx: PageContext, inp: Inputs, market: str, name: str) -> None:
    """The edited strategy against the champion (or doing nothing), so an edit shows its effect at once."""
    sel = st.session_state[state.SEL]
    champion = next((n for n in sel if n != name), spec.DO_NOTHING.name)
    if champion not in state.names():
        champion = spec.DO_NOTHING.name
    comp = comparison(ctx, inp, market, [champion, name] if champion != name else [name])
    r, base = comp.results[-1], comp.results[0]
    st.caption(ctx.t("strategy.edit.preview", champion=strategy_name(champion, ctx.lang), paths=comp.settings.paths,
                     months=comp.settings.months))
    cols = st.columns(4)
    for col, key in zip(cols, ("net_benefit", "collection_cost", "dpd60_rate_end", "contacts_blocked"), strict=True):
        delta = r.summary[key]["p50"] - base.summary[key]["p50"]
        sign = "+" if delta >= 0 else "-"
        shown = len(comp.results) > 1 and abs(delta) > 1e-9
        col.metric(ctx.t(f"strategy.metric.{key}"), fmt(key, r.summary[key]["p50"], ctx.currency, ctx.lang),
                   f"{sign}{fmt(key, abs(delta), ctx.currency, ctx.lang)}" if shown else None,
                   delta_color="inverse" if key in ("collection_cost", "dpd60_rate_end", "contacts_blocked") else "normal",
                   border=True)



def editor_tab(ctx: PageContext, inp: Inputs, market: str) -> None:
    # Doing nothing is the yardstick every result is measured against: it is not editable.
    names = [n for n in state.names() if n != spec.DO_NOTHING.name]
    if not names:
        return
    first = next((n for n in st.session_state[state.SEL] if n in names), names[0])
    if st.session_state.get(keys.STRAT_EDIT) not in names:
        st.session_state[keys.STRAT_EDIT] = first
    top = st.columns([3, 2])
    # Plain names as options (the selection is set from code: copy, upload); shown as the page names them.
    name = top[0].selectbox(ctx.t("strategy.edit.pick"), names, format_func=lambda n: strategy_name(n, ctx.lang),
                            **bound(keys.STRAT_EDIT, first))
    top[1].caption(ctx.t("strategy.edit.origin", origin=ctx.t("strategy.origin."
                                                               + st.session_state[state.ORIGIN].get(name, "saved"))))
    stem, ver = spec.file_stem(name), state.version(name)
    tkey, okey = f"w_treat_{stem}_{ver}", f"w_offer_{stem}_{ver}"
    # A data editor's edits are deltas against the table it was given, so that table must not change
    # while it lives; a fresh editor (first time, or after another view was shown) starts from the
    # working copy, so no edit is lost on the way.
    bases = st.session_state.setdefault(keys.STRAT_EDIT_BASE, {})
    if tkey not in st.session_state or tkey not in bases:
        bases[tkey] = state.current_json(name)
    base = spec.loads(bases[tkey], f"library: {name}")
    committed = state.committed(name)
    # A shipped preset's description as the page's language writes it; left unchanged, the strategy
    # keeps the description it has (so showing it in Chinese is not an edit).
    shown = (strategy_description(name, base.description, ctx.lang) if base.description == committed.description
             else base.description)
    description = st.text_area(ctx.t("strategy.edit.description"), shown, key=f"w_desc_{stem}_{ver}", height=80)
    if description == shown:
        description = base.description
    st.markdown(f"**{ctx.t('strategy.edit.treatments')}**")
    st.caption(ctx.t("strategy.edit.treatments_help"))
    band_opts = ["high", "medium", "low", "all"]
    treat = st.data_editor(
        spec_tables.treatment_frame(base), key=tkey, num_rows="dynamic", width="stretch", hide_index=True,
        column_config={
            "risk_band": st.column_config.SelectboxColumn(ctx.t("strategy.col.band"), options=band_opts, required=True,
                                                          width="medium",
                                                          format_func=label(ctx, "band")),
            "stage": st.column_config.SelectboxColumn(ctx.t("strategy.col.stage"), options=list(spec.STAGES),
                                                      required=True, format_func=label(ctx, "stage")),
            "channel": st.column_config.SelectboxColumn(ctx.t("strategy.col.channel"), options=list(ACTION_CHANNELS),
                                                        required=True, format_func=label(ctx, "channel")),
            "timing_dpd": st.column_config.NumberColumn(ctx.t("strategy.col.timing"), help=ctx.t("strategy.col.timing_help"),
                                                        min_value=-30, max_value=720, step=1),
            "max_attempts": st.column_config.NumberColumn(ctx.t("strategy.col.attempts"), min_value=1,
                                                          max_value=spec.MAX_ATTEMPTS, step=1),
            "share": st.column_config.NumberColumn(ctx.t("strategy.col.share"), min_value=0.0, max_value=1.0,
                                                   step=0.05, format="%.2f"),
            "hours_from": st.column_config.NumberColumn(ctx.t("strategy.col.hours_from"), min_value=0, max_value=23),
            "hours_to": st.column_config.NumberColumn(ctx.t("strategy.col.hours_to"), min_value=1, max_value=24),
            "third_party": st.column_config.CheckboxColumn(ctx.t("strategy.col.third_party"),
                                                           help=ctx.t("strategy.col.third_party_help")),
        })
    st.markdown(f"**{ctx.t('strategy.edit.offers')}**")
    st.caption(ctx.t("strategy.edit.offers_help"))
    offers = st.data_editor(
        spec_tables.offer_frame(base), key=okey, num_rows="dynamic", width="stretch", hide_index=True,
        column_config={
            "kind": st.column_config.SelectboxColumn(ctx.t("strategy.col.kind"), options=list(spec.OFFER_KINDS),
                                                     required=True, format_func=label(ctx, "offer")),
            "risk_bands": st.column_config.MultiselectColumn(ctx.t("strategy.col.bands"), options=list(spec.RISK_BANDS),
                                                             format_func=label(ctx, "band")),
            "stages": st.column_config.MultiselectColumn(ctx.t("strategy.col.stages"), options=list(spec.STAGES),
                                                         format_func=label(ctx, "stage")),
            "take_up": st.column_config.NumberColumn(ctx.t("strategy.col.take_up"), min_value=0.0, max_value=1.0,
                                                     step=0.05, format="%.2f"),
            "extension_months": st.column_config.NumberColumn(ctx.t("strategy.col.ext"), min_value=0, max_value=120),
            "deferral_months": st.column_config.NumberColumn(ctx.t("strategy.col.defer"), min_value=0, max_value=24),
            "rate_cut": st.column_config.NumberColumn(ctx.t("strategy.col.rate_cut"), min_value=0.0, max_value=0.5,
                                                      step=0.005, format="%.3f"),
            "settlement_discount": st.column_config.NumberColumn(ctx.t("strategy.col.discount"), min_value=0.0,
                                                                 max_value=0.95, step=0.05, format="%.2f"),
            "offer_share": st.column_config.NumberColumn(ctx.t("strategy.col.offer_share"), min_value=0.0,
                                                         max_value=1.0, step=0.05, format="%.2f"),
        })
    lim_cols = st.columns(3)
    limits = {}
    for col, key in zip(lim_cols, spec_tables.LIMIT_KEYS, strict=True):
        limits[key] = col.number_input(ctx.t(f"strategy.limit.{key}"), min_value=0.0, value=getattr(base.limits, key),
                                       step=100.0, key=f"w_lim_{key}_{stem}_{ver}",
                                       placeholder=ctx.t("strategy.limit.none"))
    try:
        edited = spec_tables.strategy_from_tables(base.name, description, treat, offers, limits,
                                                  source=ctx.t("strategy.edit.source", name=name))
    except InputError as exc:
        st.error(ctx.t("strategy.edit.invalid", error=str(exc)))
        edited = None
    if edited is not None:
        if edited.to_json() != committed.to_json():
            state.set_working(name, edited)
            st.info(ctx.t("strategy.edit.pending"), icon=":material/edit:")
        else:
            st.session_state[state.WORK].pop(name, None)
        _preview(ctx, inp, market, name)
    b1, b2, b3 = st.columns(3)
    if b1.button(ctx.t("strategy.edit.save"), key="w_strat_save", disabled=edited is None, type="primary"):
        path = state.save(name)
        st.success(ctx.t("strategy.edit.saved", path=str(path)))
    if b2.button(ctx.t("strategy.edit.discard"), key="w_strat_discard"):
        state.discard(name)
        st.rerun()
    b3.download_button(ctx.t("strategy.edit.download"), state.current_json(name) + "\n",
                       file_name=f"{stem}.json", mime="application/json", key="w_strat_dl_one")
    with st.expander(ctx.t("strategy.edit.new")):
        new_name = st.text_input(ctx.t("strategy.edit.new_name"), key="w_strat_new_name")
        if st.button(ctx.t("strategy.edit.copy"), key="w_strat_copy", disabled=not new_name.strip()):
            st.session_state[keys.STRAT_EDIT] = state.add(state.current(name).renamed(new_name.strip()), "saved")
            st.rerun()
        upload = st.file_uploader(ctx.t("strategy.edit.upload"), type=["json"], key="w_strat_upload")
        if upload is not None:
            try:
                s = spec.loads(upload.getvalue().decode("utf-8", errors="replace"), upload.name)
            except InputError as exc:
                st.error(str(exc))
            else:
                if st.button(ctx.t("strategy.edit.add_upload", name=strategy_name(s.name, ctx.lang)), key="w_strat_add_upload"):
                    st.session_state[keys.STRAT_EDIT] = state.add(s, "uploaded")
                    st.rerun()
    for err in st.session_state.get(state.ERRORS, []):
        st.warning(err)

