"""Train / retrain the risk model from the page, with progress; never on a plain rerun."""

from __future__ import annotations

import streamlit as st

from analytics import config
from analytics.risk import model as risk_model
from analytics.risk.train import TrainConfig, train
from ui import auth, cache
from ui.frame import PageContext
from ui.state import RISK_FLASH

FLASH = RISK_FLASH


def train_controls(ctx: PageContext, button_key: str, label_key: str, primary: bool = True) -> None:
    """A horizon input and a button; the click trains, saves and reloads the page's caches."""
    if not ctx.access.can("train"):
        st.caption(ctx.t("auth.needs_role", role=ctx.t("role.admin")))
        return
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    horizon = left.number_input(ctx.t("risk.train.horizon"), min_value=1, max_value=12, value=3, step=1,
                                key=f"{button_key}_horizon", help=ctx.t("risk.train.horizon_help"))
    if right.button(ctx.t(label_key), key=button_key, type="primary" if primary else "secondary",
                    icon=":material/model_training:"):
        run_training(ctx, int(horizon))


def run_training(ctx: PageContext, horizon: int) -> None:
    cfg = TrainConfig(horizon=horizon, threads=config.settings().train_threads)
    with st.status(ctx.t("risk.train.running", horizon=horizon), expanded=True) as status:
        bar = st.progress(0.0)
        model = train(cache.tables(), cfg, lambda frac, msg: bar.progress(min(frac, 1.0), text=msg))
        risk_model.save(model, cache.models_dir())
        auth.record(ctx, "train", {"horizon": horizon, "left_out": model.meta.get("left_out_features", [])})
        m = model.meta["metrics"]["model"]
        status.update(label=ctx.t("risk.train.done", auc=m["auc"], gini=m["gini"]), state="complete",
                      expanded=False)
    cache.clear_risk()
    st.session_state[FLASH] = ctx.t("risk.train.done", auc=m["auc"], gini=m["gini"])
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")
