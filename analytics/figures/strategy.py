"""Figures of the Strategy simulator: bands over time, cost by channel, staff hours, the
efficient frontier, measured uplifts, option values and test power.

Each builder takes a DataFrame (and a language) and returns a Figure; labels come from i18n.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.display.i18n import t
from analytics.display.labels import strategy_name
from analytics.figures.style import LINE_COLOURS, apply_layout


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _colour(name: str, order: list[str]) -> str:
    """The same colour for a strategy on every chart: by its place in the comparison."""
    i = order.index(name) if name in order else len(order)
    return LINE_COLOURS[i % len(LINE_COLOURS)]


def band_chart(monthly: pd.DataFrame, metric: str, lang: str, title: str, y_title: str, percent: bool = False,
               ) -> go.Figure:
    """P50 line and P10-P90 band per strategy for one monthly metric (long frame from
    :func:`analytics.strategy.results.monthly_frame`)."""
    fig = go.Figure()
    order = list(dict.fromkeys(monthly["strategy"]))
    d = monthly[monthly["metric"] == metric]
    for name, g in d.groupby("strategy", sort=False):
        colour = _colour(name, order)
        fig.add_trace(go.Scatter(x=list(g["month"]) + list(g["month"])[::-1],
                                 y=list(g["p90"]) + list(g["p10"])[::-1], fill="toself",
                                 fillcolor=_rgba(colour, 0.15), line={"width": 0}, hoverinfo="skip",
                                 showlegend=False, name=f"{name} P10-P90"))
        fig.add_trace(go.Scatter(x=g["month"], y=g["p50"], mode="lines+markers", name=name,
                                 line={"color": colour, "width": 2.5}, marker={"size": 4}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, title, y_title, percent=percent, lang=lang)


def cost_by_channel_chart(costs: pd.DataFrame, lang: str, currency: str, order: list[str]) -> go.Figure:
    """Grouped bars: P50 collection cost by channel and strategy (columns strategy, channel, p10, p50, p90);
    ``order`` is the comparison's strategies, for colours."""
    fig = go.Figure()
    for name, g in costs.groupby("strategy", sort=False):
        fig.add_trace(go.Bar(x=[t(f"strategy.channel.{c}", lang) for c in g["channel"]], y=g["p50"], name=name,
                             marker_color=_colour(name, order), showlegend=True,
                             error_y={"type": "data", "symmetric": False, "array": g["p90"] - g["p50"],
                                      "arrayminus": g["p50"] - g["p10"]}))
    fig.update_layout(barmode="group")
    return apply_layout(fig, t("strategy.chart.cost_by_channel", lang), f"{t('strategy.axis.cost', lang)} ({currency})",
                        percent=False)


def staff_hours_chart(monthly: pd.DataFrame, lang: str, capacity: dict[str, dict[str, float | None]]) -> go.Figure:
    """Agent and field hours needed per month (P50 per strategy), each against its strategy's capacity
    (``capacity``: strategy -> {"agent": hours, "field": hours}; None for no limit)."""
    fig = go.Figure()
    order = list(dict.fromkeys(monthly["strategy"]))
    for kind, dash in (("agent", "solid"), ("field", "dot")):
        d = monthly[monthly["metric"] == f"{kind}_hours_needed"]
        for name, g in d.groupby("strategy", sort=False):
            cap = (capacity.get(name) or {}).get(kind)
            if not g["p50"].any() and cap is None:
                continue
            colour = _colour(name, order)
            label = f"{name} · {t(f'strategy.hours.{kind}', lang)}"
            fig.add_trace(go.Scatter(x=g["month"], y=g["p50"], mode="lines", showlegend=True, name=label,
                                     line={"color": colour, "dash": dash}))
            if cap is not None:
                fig.add_trace(go.Scatter(x=[g["month"].iloc[0], g["month"].iloc[-1]], y=[cap, cap], mode="lines",
                                         name=f"{label} · {t('strategy.capacity', lang)}",
                                         line={"color": colour, "dash": "dash", "width": 1.5}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("strategy.chart.staff", lang), t("strategy.axis.hours", lang), percent=False, lang=lang)


def frontier_chart(frontier: pd.DataFrame, lang: str, currency: str, strategies: pd.DataFrame | None = None
                   ) -> go.Figure:
    """Cost against loss avoided: the frontier, the optimum, and strategies for reference."""
    fig = go.Figure()
    f = frontier.sort_values("cost")
    fig.add_trace(go.Scatter(x=f["cost"], y=f["loss_avoided"], mode="lines+markers",
                             name=t("strategy.frontier.line", lang), line={"color": LINE_COLOURS[0], "width": 2.5}))
    best = f[f["optimum"]]
    if not best.empty:
        fig.add_trace(go.Scatter(x=best["cost"], y=best["loss_avoided"], mode="markers",
                                 name=t("strategy.frontier.optimum", lang),
                                 marker={"color": "#b71c1c", "size": 14, "symbol": "star"}))
    if strategies is not None and not strategies.empty:
        fig.add_trace(go.Scatter(x=strategies["cost"], y=strategies["loss_avoided"], mode="markers+text",
                                 text=strategies["strategy"], textposition="top center",
                                 name=t("strategy.frontier.strategies", lang),
                                 marker={"color": LINE_COLOURS[1], "size": 10}))
    fig.update_xaxes(title_text=f"{t('strategy.axis.cost_horizon', lang)} ({currency})")
    return apply_layout(fig, t("strategy.chart.frontier", lang), f"{t('strategy.axis.loss_avoided', lang)} ({currency})",
                        percent=False)


def uplift_chart(measured: pd.DataFrame, lang: str) -> go.Figure:
    """Measured relative effects with 95% intervals, by test, band and quantity (roll / cure)."""
    fig = go.Figure()
    rows = []
    for r in measured.itertuples(index=False):
        band = t(f"strategy.band.{r.risk_band}", lang)
        for q in ("roll", "cure"):
            val = getattr(r, q)
            if pd.notna(val):
                rows.append((f"{r.test} · {band} · {t(f'strategy.effect.{q}', lang)}", val, getattr(r, f"{q}_lo"),
                             getattr(r, f"{q}_hi"), q))
    for q, colour in (("roll", LINE_COLOURS[0]), ("cure", LINE_COLOURS[3])):
        sel = [x for x in rows if x[4] == q]
        if not sel:
            continue
        fig.add_trace(go.Scatter(
            x=[x[1] for x in sel], y=[x[0] for x in sel], mode="markers", name=t(f"strategy.effect.{q}", lang),
            marker={"color": colour, "size": 9},
            error_x={"type": "data", "symmetric": False, "array": [x[3] - x[1] for x in sel],
                     "arrayminus": [x[1] - x[2] for x in sel]}))
    fig.add_vline(x=0, line={"color": "#616161", "width": 1})
    # Intervals of small tests reach far below -100%; keep the axis readable and let them run off it.
    lows = [x[2] for x in rows] or [0.0]
    highs = [x[3] for x in rows] or [0.0]
    fig.update_xaxes(title_text=t("strategy.axis.relative_effect", lang), tickformat=".0%",
                     range=[max(min(lows), -1.0) - 0.05, min(max(highs), 1.5) + 0.05])
    fig = apply_layout(fig, t("strategy.chart.uplift", lang), "", percent=False, height=max(320, 60 + 34 * len(rows)))
    fig.update_layout(hovermode="closest")
    return fig


def option_values_chart(options: pd.DataFrame, lang: str, currency: str) -> go.Figure:
    """Present value per option (columns label, value, best)."""
    colours = ["#b71c1c" if b else LINE_COLOURS[0] for b in options["best"]]
    fig = go.Figure(go.Bar(x=options["label"], y=options["value"], marker_color=colours))
    fig.update_layout(showlegend=False)
    return apply_layout(fig, t("strategy.chart.options", lang), f"{t('strategy.axis.pv', lang)} ({currency})",
                        percent=False, height=340)


def power_chart(curve: pd.DataFrame, lang: str, target: float) -> go.Figure:
    """Power against total loan-months in the test (columns total, power)."""
    fig = go.Figure(go.Scatter(x=curve["total"], y=curve["power"], mode="lines", name=t("strategy.power", lang),
                               line={"color": LINE_COLOURS[0], "width": 2.5}))
    fig.add_hline(y=target, line={"color": "#b71c1c", "dash": "dot"}, annotation_text=f"{target:.0%}")
    fig.update_xaxes(title_text=t("strategy.axis.loan_months", lang))
    fig = apply_layout(fig, t("strategy.chart.power", lang), t("strategy.power", lang), percent=True, height=340)
    fig.update_yaxes(range=[0, 1.02])
    return fig


def tornado_chart(rows: pd.DataFrame, base: float, lang: str, currency: str, title: str) -> go.Figure:
    """Tornado: per assumption (columns label, low_label, high_label, margin_low, margin_high; largest
    swing first) a bar from the base margin to the margin at the assumption's low and at its high."""
    d = rows.iloc[::-1]  # largest swing on top
    fig = go.Figure()
    for side, colour in (("low", LINE_COLOURS[0]), ("high", "#b71c1c")):
        fig.add_trace(go.Bar(
            y=d["label"], x=d[f"margin_{side}"] - base, base=base, orientation="h", marker_color=colour,
            name=t(f"strategy.tornado.{side}", lang), text=d[f"{side}_label"], textposition="auto",
            hovertemplate="%{y}: %{text} → %{x:,.0f}<extra></extra>"))
    fig.add_vline(x=base, line={"color": "#424242", "width": 1})
    fig.add_vline(x=0, line={"color": "#757575", "dash": "dot"})
    fig.update_layout(barmode="overlay")
    fig = apply_layout(fig, title, "", percent=False, height=120 + 34 * len(d), lang=lang)
    fig.update_layout(hovermode="closest", legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(title_text=f"{t('strategy.tornado.axis', lang)} ({currency})")
    return fig


def option_bands_chart(bands: pd.DataFrame, lang: str, currency: str) -> go.Figure:
    """Each option's value P50 with its P10-P90 (columns label, p10, p50, p90, best)."""
    colours = ["#b71c1c" if b else LINE_COLOURS[0] for b in bands["best"]]
    fig = go.Figure(go.Bar(x=bands["label"], y=bands["p50"], marker_color=colours,
                           error_y={"type": "data", "symmetric": False, "array": bands["p90"] - bands["p50"],
                                    "arrayminus": bands["p50"] - bands["p10"]}))
    fig.update_layout(showlegend=False)
    return apply_layout(fig, t("strategy.chart.option_bands", lang), f"{t('strategy.axis.pv', lang)} ({currency})",
                        percent=False, height=340, lang=lang)


def backtest_chart(bt: dict, metric: str, lang: str, title: str, y_title: str, percent: bool = False) -> go.Figure:
    """Realised values against the simulated P10-P90 band and P50, month by month, for one metric
    of a policy backtest (:meth:`analytics.strategy.backtest.BacktestResult.to_dict`)."""
    months, sim, real = bt["months"], bt["simulated"][metric], bt["realised"][metric]
    colour = LINE_COLOURS[0]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(months) + list(months)[::-1], y=list(sim["p90"]) + list(sim["p10"])[::-1],
                             fill="toself", fillcolor=_rgba(colour, 0.18), line={"width": 0}, hoverinfo="skip",
                             name=t("strategy.backtest.band", lang)))
    fig.add_trace(go.Scatter(x=months, y=sim["p50"], mode="lines", name=t("strategy.backtest.p50", lang),
                             line={"color": colour, "width": 2, "dash": "dash"}))
    inside = [r is not None and lo <= r <= hi for r, lo, hi in zip(real, sim["p10"], sim["p90"], strict=True)]
    fig.add_trace(go.Scatter(x=months, y=real, mode="lines+markers", name=t("strategy.backtest.realised", lang),
                             line={"color": "#222222", "width": 2},
                             marker={"size": 9, "color": ["#222222" if ok else "#d62728" for ok in inside],
                                     "symbol": ["circle" if ok else "x" for ok in inside]}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, title, y_title, percent=percent, lang=lang)


def backtest_html(bt: dict, lang: str, currency: str) -> str:
    """A self-contained HTML page (plotly.js inlined: no network) of a policy backtest: the
    coverage, then realised against the simulated band for the 30+ rate and the net loss."""
    import html

    seg = ", ".join(f"{k}={v}" for k, v in (bt.get("segment") or {}).items()) or t("strategy.backtest.whole_book", lang)
    title = t("strategy.backtest.title", lang).format(strategy=strategy_name(bt["strategy"], lang), as_of=bt["as_of_month"], segment=seg,
                                                      loans=f"{bt['loans']:,}")
    cov = bt["coverage"]
    pct = {"overall": f"{cov['overall']:.0%}", "dpd30": f"{cov['dpd30_rate']:.0%}", "net_loss": f"{cov['net_loss']:.0%}"}
    figs = [backtest_chart(bt, "dpd30_rate", lang, t("strategy.backtest.dpd30", lang), "", percent=True),
            backtest_chart(bt, "net_loss", lang, t("strategy.backtest.net_loss", lang).format(currency=currency),
                           currency)]
    body = [f.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
            for i, f in enumerate(figs)]
    return (f"<!DOCTYPE html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>body{{font-family:Inter,'Noto Sans CJK SC','Noto Sans SC',"
            f"sans-serif;max-width:1000px;margin:24px auto;color:#222}}</style></head><body>"
            f"<h2>{html.escape(title)}</h2>"
            f"<p><b>{html.escape(t('strategy.backtest.coverage', lang).format(**pct))}</b></p>"
            f"<p>{html.escape(t('strategy.backtest.note', lang))}</p>{''.join(body)}</body></html>")
