"""Briefing-pack sections built on the monitoring and strategy engines: vintages, the roll-rate
forecast and the strategy comparison. Kept apart from sections.py so each file stays small."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.display.formatting import format_money
from analytics.display.i18n import t
from analytics.display.labels import strategy_name
from analytics.errors import CollectLensError
from analytics.figures.cohorts import vintage_curves_figure
from analytics.figures.roll_rates import forecast_mix_figure
from analytics.metrics import cohorts, transitions
from analytics.metrics.filters import PortfolioFilter, apply
from analytics.report.narrative import month_name
from analytics.report.sections import ReportInput, Section

VINTAGE_MOB = 12
DPD30_STATES = ("dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_plus")


def _perf(r: ReportInput):
    return apply(r.tables.performance, r.tables.loans, PortfolioFilter(as_of_month=r.month))


def vintages_section(r: ReportInput) -> Section:
    """Yearly vintage curves of ever 60+; the message compares vintages at the same months on book."""
    curves = cohorts.vintage_curves(_perf(r), r.tables.loans, grain="year").to_pandas()
    ever60 = curves[curves["metric"] == "ever_60"]
    if ever60.empty:
        raise CollectLensError(t("report.too_short", r.lang))
    at = ever60[ever60["months_on_book"] == min(VINTAGE_MOB, int(ever60["months_on_book"].max()))]
    at = at[at["loans"] >= 100] if (at["loans"] >= 100).sum() >= 2 else at
    if at["vintage"].nunique() < 2:
        raise CollectLensError(t("report.too_short", r.lang))
    worst, best = at.loc[at["value"].idxmax()], at.loc[at["value"].idxmin()]
    message = t("report.vintage_message", r.lang, mob=int(worst["months_on_book"]),
                worst=pd.Timestamp(worst["vintage"]).year, worst_value=float(worst["value"]),
                best=pd.Timestamp(best["vintage"]).year, best_value=float(best["value"]))
    figure = vintage_curves_figure(curves, "ever_60", t("series.dpd60", r.lang), r.lang, grain="year")
    return Section("vintages", t("report.vintages", r.lang), message, figure)


def forecast_section(r: ReportInput) -> Section:
    """x(t+h) = x(t) P^h with P from the last 12 months' transitions (transitions.py)."""
    perf = _perf(r)
    P = transitions.estimate_matrix(perf, months=12, end_month=r.month)
    x0 = transitions.mix_vector(transitions.state_mix(perf, r.month).to_pandas())
    recent = transitions.transition_matrix(transitions.window(perf, r.month, 12)).to_pandas()
    if x0.sum() == 0 or recent["as_of_month"].nunique() < 3:
        raise CollectLensError(t("report.too_short", r.lang))
    fc = transitions.forecast_frame(x0, P, 12, r.month)
    last = fc[fc["horizon"] == 12]
    active_then = last[last["state"].isin(transitions.TRANSIENT)]["loans"].sum()
    dq_then = last[last["state"].isin(DPD30_STATES)]["loans"].sum()
    idx = [transitions.STATE_INDEX[s] for s in DPD30_STATES]
    message = t("report.forecast_message", r.lang, now=float(np.sum(x0[idx]) / np.sum(x0[:6])),
                then=float(dq_then / active_then) if active_then else 0.0,
                month=month_name(last["as_of_month"].iloc[0], r.lang),
                losses=float(fc[fc["state"] == "new_loss"]["loans"].sum()))
    return Section("forecast", t("report.forecast", r.lang), message, forecast_mix_figure(fc, r.lang, "dpd", "count"))


def risk_section(r: ReportInput) -> Section:
    """Mean |SHAP| of the saved risk model's features on its out-of-time window."""
    from analytics import config
    from analytics.figures.risk import importance_figure, label
    from analytics.risk import model as risk_model

    model = risk_model.load(config.settings().models_dir)
    if model is None:
        raise CollectLensError(t("report.no_model", r.lang))
    imp = pd.DataFrame(model.meta["importance"])
    top = [label(f, r.lang) for f in imp["feature"].head(3)]
    message = t("report.risk_message", r.lang, auc=float(model.meta["metrics"]["model"]["auc"]),
                f1=top[0], f2=top[1], f3=top[2])
    return Section("risk", t("report.risk", r.lang), message, importance_figure(imp, r.lang, top=12))


def strategy_section(r: ReportInput, paths: int = 300) -> Section:
    """The shipped presets against doing nothing, 12 months, paired paths (strategy engine)."""
    from analytics.config import PRESETS_DIR
    from analytics.figures.strategy import band_chart
    from analytics.strategy import inputs, results, rules, spec
    from analytics.strategy.engine import RunSettings
    from analytics.strategy.restructure import LossParams

    market = str(r.meta.get("market") or "cn")
    from analytics import config

    bands = inputs.model_bands(r.tables, r.month, config.settings().models_dir)
    prepared = inputs.prepare_from(r.tables, market, r.month, model_bands=bands)
    strategies = [spec.load(p) for p in sorted(PRESETS_DIR.glob("*.json"))]
    comparison = results.compare(prepared.baseline, strategies, prepared.book(None), rules.rules_for(market),
                                 prepared.operations, LossParams(), RunSettings(months=12, paths=paths, seed=7))
    ranked = sorted((x for x in comparison.results if not x.strategy.is_do_nothing),
                    key=lambda x: x.summary["net_benefit"]["p50"], reverse=True)
    if not ranked:
        raise CollectLensError(t("report.too_short", r.lang))
    best = ranked[0]
    nb = best.summary["net_benefit"]
    money = lambda v: format_money(v, r.currency, r.lang)  # noqa: E731
    message = t("report.strategy_message", r.lang, best=strategy_name(best.strategy.name, r.lang), p50=money(nb["p50"]),
                p10=money(nb["p10"]), p90=money(nb["p90"]), cost=money(best.summary["collection_cost"]["p50"]))
    monthly = results.monthly_frame(comparison)
    monthly["strategy"] = [strategy_name(s, r.lang) for s in monthly["strategy"]]
    figure = band_chart(monthly, "net_benefit_cumulative", r.lang,
                        t("report.strategy", r.lang), t("report.strategy_axis", r.lang))
    return Section("strategy", t("report.strategy", r.lang), message, figure)
