"""Sections built on the saved risk model and the strategy simulator: what drives risk, and the
shipped strategies against doing nothing."""

from __future__ import annotations

import pandas as pd

from analytics.display.formatting import format_money
from analytics.display.i18n import t
from analytics.display.labels import strategy_name
from analytics.report.base import Content, ReportInput, SectionUnavailable

# The risk model and strategy engine are imported inside the builders: every page imports
# analytics.report (narrative), and loading the simulator (scipy) would slow each page's start.


def risk_section(r: ReportInput) -> Content:
    """Mean |SHAP| of the saved risk model's features on its out-of-time window.
    Unavailable when no model is saved in ``r.models_dir``."""
    from analytics.figures.risk import importance_figure, label
    from analytics.risk import model as risk_model

    model = risk_model.load(r.models_dir) if r.models_dir is not None else None
    if model is None:
        raise SectionUnavailable(t("report.no_model", r.lang))
    imp = pd.DataFrame(model.meta["importance"])
    top = [label(f, r.lang) for f in imp["feature"].head(3)]
    message = t("report.risk_message", r.lang, auc=float(model.meta["metrics"]["model"]["auc"]),
                f1=top[0], f2=top[1], f3=top[2])
    return Content(message, importance_figure(imp, r.lang, top=12))


def strategy_section(r: ReportInput, paths: int = 300) -> Content:
    """The presets in ``r.presets_dir`` against today's practice, 12 months, paired paths (strategy
    engine); segments by the saved model's bands when one fits. Unavailable when no preset other
    than today's practice is there."""
    from analytics.figures.strategy import band_chart
    from analytics.strategy import inputs, results, rules, spec
    from analytics.strategy.engine import RunSettings
    from analytics.strategy.restructure import LossParams

    market = str(r.meta.get("market") or "cn")
    bands = inputs.model_bands(r.tables, r.month, r.models_dir) if r.models_dir is not None else None
    prepared = inputs.prepare_from(r.tables, market, r.month, model_bands=bands)
    strategies = [spec.load(p) for p in sorted(r.presets_dir.glob("*.json"))]
    comparison = results.compare(prepared.baseline, strategies, prepared.book(None), rules.rules_for(market),
                                 prepared.operations, LossParams(), RunSettings(months=12, paths=paths, seed=7))
    ranked = sorted((x for x in comparison.results if not x.strategy.is_do_nothing),
                    key=lambda x: x.summary["net_benefit"]["p50"], reverse=True)
    if not ranked:
        raise SectionUnavailable(t("report.too_short", r.lang))
    best = ranked[0]
    nb = best.summary["net_benefit"]
    money = lambda v: format_money(v, r.currency, r.lang)  # noqa: E731
    rel = best.reliance or {}
    share = rel.get("assumed_share")
    message = t("report.strategy_message", r.lang, best=strategy_name(best.strategy.name, r.lang), p50=money(nb["p50"]),
                p10=money(nb["p10"]), p90=money(nb["p90"]), cost=money(best.summary["extra_cost"]["p50"]),
                measured=rel.get("effects_measured", 0), assumed=rel.get("effects_assumed", 0),
                share=f"{share:.0%}" if share is not None else t("report.share_unknown", r.lang))
    monthly = results.monthly_frame(comparison)
    monthly["strategy"] = [strategy_name(s, r.lang) for s in monthly["strategy"]]
    figure = band_chart(monthly, "net_benefit_cumulative", r.lang,
                        t("report.strategy", r.lang), t("report.strategy_axis", r.lang))
    return Content(message, figure)
