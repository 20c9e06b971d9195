"""Figures of the Collections operations page: entry rates, FPD, cure curves, the contact funnel,
CEI and cost, compliance trend, agents against expectation. Frames in, figures out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.display.i18n import t
from analytics.figures.style import LINE_COLOURS, apply_layout

STAGES = ("attempts", "reached", "promises", "kept", "paid")
RULES = ("hours", "frequency", "third_party")
RULE_COLOURS = {"hours": LINE_COLOURS[1], "frequency": LINE_COLOURS[2], "third_party": LINE_COLOURS[4]}


def entry_rate_figure(rates: pd.DataFrame, lang: str, label=str, top: int = 8) -> go.Figure:
    """Entry rate per month, one line per segment (the ``top`` largest by base)."""
    fig = go.Figure()
    biggest = rates.groupby("segment")["base"].sum().nlargest(top).index
    for i, seg in enumerate(biggest):
        d = rates[rates["segment"] == seg]
        fig.add_trace(go.Scatter(x=d["as_of_month"], y=d["entry_rate"], mode="lines", name=label(seg),
                                 line={"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("ops.entry.title", lang), t("axis.rate", lang))


def fpd_figure(fpd: pd.DataFrame, lang: str, dim_label: str, label=str, top: int = 15) -> go.Figure:
    """FPD and FPD30 per segment with 95% Wilson intervals (``with_wilson`` columns)."""
    d = fpd.nlargest(top, "loans").sort_values("segment")
    fig = go.Figure()
    for col, colour, key in (("fpd", LINE_COLOURS[0], "ops.series.fpd"), ("fpd30", LINE_COLOURS[2], "ops.series.fpd30")):
        rate = d[f"{col}_rate"]
        fig.add_trace(go.Bar(x=[label(s) for s in d["segment"]], y=rate, name=t(key, lang), marker_color=colour,
                             error_y={"type": "data", "symmetric": False, "array": d[f"{col}_hi"] - rate,
                                      "arrayminus": rate - d[f"{col}_lo"]}))
    fig.update_layout(barmode="group")
    return apply_layout(fig, t("ops.fpd.title", lang, dim=dim_label), t("axis.rate", lang))


def cure_curve_figure(curves: pd.DataFrame, lang: str, cohorts: int = 6) -> go.Figure:
    """Cumulative share cured by day since the due date, the latest ``cohorts`` cohorts overlaid."""
    fig = go.Figure()
    months = sorted(curves["cohort_month"].unique())[-cohorts:]
    for i, month in enumerate(months):
        d = curves[curves["cohort_month"] == month]
        fig.add_trace(go.Scatter(x=d["day"], y=d["cured_share"], mode="lines", name=f"{pd.Timestamp(month):%Y-%m}",
                                 line={"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2,
                                       "shape": "hv"}))
    fig.update_xaxes(title_text=t("ops.axis.day", lang), range=[0, 61])
    return apply_layout(fig, t("ops.cure.title", lang), t("ops.axis.share_cured", lang))


def funnel_figure(funnel: pd.DataFrame, lang: str, channel_label=str) -> go.Figure:
    """Each stage as a share of attempts, per channel (buckets summed)."""
    by = funnel.groupby("channel")[list(STAGES)].sum()
    by = by[by["attempts"] > 0].sort_values("attempts", ascending=False)
    fig = go.Figure()
    for i, stage in enumerate(STAGES[1:]):
        fig.add_trace(go.Bar(x=[channel_label(c) for c in by.index], y=by[stage] / by["attempts"],
                             name=t(f"ops.stage.{stage}", lang), marker_color=LINE_COLOURS[i % len(LINE_COLOURS)],
                             customdata=by[stage], hovertemplate="%{y:.1%} (%{customdata:,})"))
    fig.update_layout(barmode="group")
    return apply_layout(fig, t("ops.stage.attempts", lang) + " → " + t("ops.stage.paid", lang),
                        t("ops.axis.share_attempts", lang))


def cei_figure(cei: pd.DataFrame, lang: str) -> go.Figure:
    """CEI per month (left axis) and the cost per unit collected (right axis)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=cei["as_of_month"], y=cei["cei"], name=t("ops.series.cei", lang), mode="lines",
                             line={"color": LINE_COLOURS[0], "width": 2.5}), secondary_y=False)
    fig.add_trace(go.Scatter(x=cei["as_of_month"], y=cei["cost_per_yuan_collected"], mode="lines",
                             name=t("ops.series.cost_per_yuan", lang), line={"color": LINE_COLOURS[1], "width": 2}),
                  secondary_y=True)
    fig = apply_layout(fig, t("ops.cei.title", lang), t("ops.series.cei", lang))
    fig.update_yaxes(title_text=t("ops.series.cost_per_yuan", lang), tickformat=".4f", secondary_y=True)
    return fig


def compliance_figure(trend: pd.DataFrame, lang: str) -> go.Figure:
    """Breaches per 10,000 contacts per month, stacked by rule."""
    fig = go.Figure()
    for rule in RULES:
        d = trend[trend["rule"] == rule]
        if d.empty:
            continue
        fig.add_trace(go.Bar(x=d["as_of_month"], y=d["per_10k"], name=t(f"ops.rule.{rule}", lang),
                             marker_color=RULE_COLOURS[rule]))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("ops.compliance.title", lang), t("ops.compliance.title", lang).split(",")[-1].strip(),
                        percent=False)


def agent_figure(agents: pd.DataFrame, lang: str, name=str) -> go.Figure:
    """Actual ÷ expected with 95% intervals, ranked; small samples in grey at the bottom."""
    d = agents.iloc[::-1]
    colours = [("#b0bec5" if s else LINE_COLOURS[0]) for s in d["small"]]
    fig = go.Figure(go.Bar(
        y=[name(n) for n in d["name"]], x=d["ratio"], orientation="h", marker_color=colours,
        name=t("ops.series.ratio", lang),
        error_x={"type": "data", "symmetric": False, "array": d["ratio_hi"] - d["ratio"],
                 "arrayminus": d["ratio"] - d["ratio_lo"]}))
    fig.add_vline(x=1.0, line_dash="dash", line_color="#616161")
    fig = apply_layout(fig, t("ops.agents.title", lang), "", percent=False, height=max(320, 60 + 24 * len(d)))
    fig.update_xaxes(title_text=t("ops.series.ratio", lang), rangemode="tozero")
    fig.update_layout(hovermode="y unified", showlegend=False)
    return fig


def operations_slide_figure(funnel: pd.DataFrame, cei: pd.DataFrame, trend: pd.DataFrame, lang: str) -> go.Figure:
    """The briefing slide: the month's funnel (share of attempts), cost per unit collected and
    breaches per 10,000 contacts over the last months."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=(
        t("ops.stage.attempts", lang) + " → " + t("ops.stage.paid", lang), t("ops.series.cost_per_yuan", lang),
        t("ops.compliance.title", lang)))
    total = funnel[list(STAGES)].sum()
    attempts = max(float(total["attempts"]), 1.0)
    fig.add_trace(go.Bar(x=[t(f"ops.stage.{s}", lang) for s in STAGES], y=[total[s] / attempts for s in STAGES],
                         marker_color=LINE_COLOURS[0], showlegend=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=cei["as_of_month"], y=cei["cost_per_yuan_collected"], mode="lines+markers",
                             line={"color": LINE_COLOURS[1], "width": 2.5}, showlegend=False), row=1, col=2)
    for rule in RULES:
        d = trend[trend["rule"] == rule]
        if not d.empty:
            fig.add_trace(go.Bar(x=d["as_of_month"], y=d["per_10k"], name=t(f"ops.rule.{rule}", lang),
                                 marker_color=RULE_COLOURS[rule]), row=1, col=3)
    fig.update_layout(barmode="stack", template="plotly_white", height=420, margin={"l": 10, "r": 10, "t": 60, "b": 10},
                      legend={"orientation": "h", "y": -0.2},
                      font={"family": "Inter, 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"})
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_yaxes(tickformat=".4f", row=1, col=2)
    return fig
