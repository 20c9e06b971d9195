"""Figures of the Risk & explanations page: SHAP views, model quality, monitoring, the queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.display.i18n import t
from analytics.figures.style import LINE_COLOURS, apply_layout
from analytics.risk.features import CATEGORICAL

GROUP_COLOURS = {"loan": "#1565c0", "behaviour": "#ef6c00", "collections": "#6a1b9a", "restructuring": "#00838f"}
BAND_COLOURS = {"very_low": "#2e7d32", "low": "#9e9d24", "medium": "#f9a825", "high": "#ef6c00",
                "very_high": "#b71c1c"}
LOW_HIGH = [[0, "#1e88e5"], [0.5, "#b39ddb"], [1, "#e53935"]]  # feature value low -> high (SHAP's palette)
RAISE, LOWER = "#e53935", "#1e88e5"


def label(name: str, lang: str) -> str:
    return t(f"risk.feature.{name}", lang)


def _rank01(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the non-missing ones, 0..1 (robust colour scale); missing -> nan."""
    v = np.asarray(values, dtype=float)
    out = np.full(len(v), np.nan)
    ok = ~np.isnan(v)
    if ok.sum() > 1:
        out[ok] = pd.Series(v[ok]).rank(pct=True).to_numpy()
    return out


def importance_figure(imp: pd.DataFrame, lang: str, top: int = 15) -> go.Figure:
    """Mean |SHAP| per feature (log-odds), largest at the top, coloured by feature group."""
    d = imp.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(
        x=d["mean_abs_shap"], y=[label(f, lang) for f in d["feature"]], orientation="h",
        marker_color=[GROUP_COLOURS.get(g, "#607d8b") for g in d["group"]],
        customdata=[t(f"risk.group.{g}", lang) for g in d["group"]],
        hovertemplate="%{y}: %{x:.3f}<br>%{customdata}<extra></extra>"))
    apply_layout(fig, t("risk.fig.importance", lang), "", percent=False, height=max(360, 26 * len(d) + 90))
    fig.update_xaxes(title_text=t("risk.axis.mean_abs_shap", lang))
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def beeswarm_figure(sv: np.ndarray, x: np.ndarray, features: list[str], lang: str, top: int = 12,
                    max_points: int = 1500, seed: int = 0) -> go.Figure:
    """SHAP value of each loan for the top features; colour = the loan's value (low blue, high red)."""
    order = np.argsort(-np.abs(sv).mean(axis=0))[:top][::-1]
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(sv), min(max_points, len(sv)), replace=False) if len(sv) else np.array([], int)
    xs, ys, cs, texts = [], [], [], []
    for pos, j in enumerate(order):
        s = sv[rows, j]
        # Jitter grows with local density, so dense areas spread out like SHAP's beeswarm.
        hist, edges = np.histogram(s, bins=60)
        dens = hist[np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(hist) - 1)] / max(hist.max(), 1)
        ys.append(pos + (rng.random(len(s)) - 0.5) * 0.8 * np.sqrt(dens))
        xs.append(s)
        col = x[rows, j]
        cs.append(np.full(len(s), np.nan) if features[j] in CATEGORICAL else _rank01(col))
        texts.append([f"{label(features[j], lang)}: {v:.4g}" for v in col])
    fig = go.Figure(go.Scattergl(
        x=np.concatenate(xs) if xs else [], y=np.concatenate(ys) if ys else [], mode="markers",
        text=sum(texts, []), hovertemplate="%{text}<br>SHAP %{x:.3f}<extra></extra>",
        marker={"size": 4, "color": np.nan_to_num(np.concatenate(cs), nan=0.5) if cs else [],
                "colorscale": LOW_HIGH, "cmin": 0, "cmax": 1, "opacity": 0.6,
                "colorbar": {"title": {"text": t("risk.axis.feature_value", lang)}, "tickvals": [0, 1],
                             "ticktext": [t("risk.low", lang), t("risk.high", lang)], "thickness": 12}}))
    fig.update_yaxes(tickvals=list(range(len(order))), ticktext=[label(features[j], lang) for j in order])
    apply_layout(fig, t("risk.fig.beeswarm", lang), "", percent=False, height=max(380, 30 * len(order) + 100))
    fig.update_xaxes(title_text=t("risk.axis.shap", lang), zeroline=True, zerolinecolor="#9e9e9e")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def dependence_figure(feature: str, values: np.ndarray, shap_col: np.ndarray, other: str | None,
                      other_values: np.ndarray | None, lang: str) -> go.Figure:
    """A feature's value against its SHAP value, coloured by its strongest interaction."""
    colour = _rank01(other_values) if other is not None and other not in CATEGORICAL else None
    marker = {"size": 5, "opacity": 0.6, "color": "#1565c0"}
    if colour is not None:
        marker.update(color=np.nan_to_num(colour, nan=0.5), colorscale=LOW_HIGH, cmin=0, cmax=1,
                      colorbar={"title": {"text": label(other, lang)}, "tickvals": [0, 1],
                                "ticktext": [t("risk.low", lang), t("risk.high", lang)], "thickness": 12})
    hover = other_values if other_values is not None else np.full(len(values), np.nan)
    fig = go.Figure(go.Scattergl(x=values, y=shap_col, mode="markers", marker=marker, customdata=hover,
                                 hovertemplate="%{x:.4g} → SHAP %{y:.3f}<br>" +
                                 (label(other, lang) + ": %{customdata:.4g}" if other else "") + "<extra></extra>"))
    title = t("risk.fig.dependence", lang, feature=label(feature, lang))
    if other:
        title += " · " + t("risk.fig.coloured_by", lang, feature=label(other, lang))
    apply_layout(fig, title, t("risk.axis.shap", lang), percent=False, height=420)
    fig.update_xaxes(title_text=label(feature, lang))
    fig.update_yaxes(rangemode="normal")
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def waterfall_figure(path: pd.DataFrame, lang: str) -> go.Figure:
    """From the book's average probability to this loan's, one bar per feature (probability points)."""
    if path.empty:
        return apply_layout(go.Figure(), t("risk.fig.waterfall", lang), "")
    start = float(path["p_before"].iloc[0])
    end = float(path["p_after"].iloc[-1])
    names = [t("risk.waterfall.start", lang)] + [label(f, lang) for f in path["feature"]] + \
        [t("risk.waterfall.end", lang)]
    fig = go.Figure(go.Waterfall(
        orientation="h", measure=["absolute"] + ["relative"] * len(path) + ["total"],
        y=names, x=[start] + path["delta_p"].tolist() + [end],
        text=[f"{start:.2%}"] + [f"{d:+.2%}" for d in path["delta_p"]] + [f"{end:.2%}"], textposition="outside",
        increasing={"marker": {"color": RAISE}}, decreasing={"marker": {"color": LOWER}},
        totals={"marker": {"color": "#455a64"}}, connector={"line": {"color": "#bdbdbd"}}))
    apply_layout(fig, t("risk.fig.waterfall", lang), "", percent=False, height=max(380, 30 * len(names) + 80))
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    fig.update_xaxes(tickformat=".1%", title_text=t("risk.axis.probability", lang))
    fig.update_layout(hovermode="closest", showlegend=False)
    return fig


def whatif_figure(features: list[str], before: np.ndarray, after: np.ndarray, lang: str, top: int = 10) -> go.Figure:
    """SHAP values before and after a what-if change, for the features that matter most here."""
    order = np.argsort(-np.maximum(np.abs(before), np.abs(after)))[:top][::-1]
    names = [label(features[j], lang) for j in order]
    fig = go.Figure([
        go.Bar(y=names, x=before[order], orientation="h", name=t("risk.whatif.before", lang), marker_color="#90a4ae"),
        go.Bar(y=names, x=after[order], orientation="h", name=t("risk.whatif.after", lang), marker_color="#1565c0"),
    ])
    apply_layout(fig, t("risk.fig.whatif", lang), "", percent=False, height=max(360, 36 * len(order) + 100))
    fig.update_xaxes(title_text=t("risk.axis.shap", lang), zeroline=True, zerolinecolor="#9e9e9e")
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def segment_figure(seg: pd.DataFrame, lang: str, value: str = "excess", top_features: int = 10) -> go.Figure:
    """Heatmap of segments x features: mean SHAP above the book (why a segment is riskier), or
    mean |SHAP| (what drives scores inside it)."""
    if seg.empty:
        return apply_layout(go.Figure(), t("risk.fig.segments", lang), "")
    feats = seg.groupby("feature")["mean_abs_shap"].mean().sort_values(ascending=False).head(top_features).index
    order = seg.groupby("segment")["mean_probability"].first().sort_values(ascending=False).index
    z = seg.pivot(index="segment", columns="feature", values=value).reindex(index=order, columns=feats)
    diverging = value == "excess"
    bound = float(np.nanmax(np.abs(z.to_numpy()))) if z.size else 1.0
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=[label(f, lang) for f in feats], y=[str(s) for s in z.index],
        colorscale=[[0, LOWER], [0.5, "#f5f5f5"], [1, RAISE]] if diverging else "Oranges",
        zmid=0 if diverging else None, zmin=-bound if diverging else 0, zmax=bound if diverging else None,
        hovertemplate="%{y} · %{x}: %{z:.3f}<extra></extra>",
        colorbar={"title": {"text": t(f"risk.segments.{value}", lang)}, "thickness": 12}))
    apply_layout(fig, t("risk.fig.segments", lang), "", percent=False, height=max(380, 28 * len(z) + 160))
    fig.update_xaxes(tickangle=-35)
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    fig.update_layout(hovermode="closest")
    return fig


def calibration_figure(deciles: pd.DataFrame, lang: str) -> go.Figure:
    """Mean predicted probability against the observed bad rate, by decile (out-of-time test)."""
    d = deciles.sort_values("decile")
    fig = go.Figure([
        go.Bar(x=d["decile"], y=d["mean_predicted"], name=t("risk.predicted", lang), marker_color="#90caf9"),
        go.Bar(x=d["decile"], y=d["bad_rate"], name=t("risk.observed", lang), marker_color="#1565c0"),
    ])
    apply_layout(fig, t("risk.fig.calibration", lang), t("risk.axis.bad_rate", lang))
    fig.update_xaxes(title_text=t("risk.axis.decile", lang), dtick=1)
    fig.update_layout(barmode="group")
    return fig


def lift_gains_figure(deciles: pd.DataFrame, lang: str) -> go.Figure:
    """Lift by decile (bars) and cumulative gains (line, right axis), riskiest decile first."""
    d = deciles.sort_values("decile")
    fig = go.Figure([
        go.Bar(x=d["decile"], y=d["lift"], name=t("risk.lift", lang), marker_color="#ef6c00"),
        go.Scatter(x=d["decile"], y=d["gains"], name=t("risk.gains", lang), yaxis="y2", mode="lines+markers",
                   line={"color": LINE_COLOURS[0], "width": 2.5}),
    ])
    apply_layout(fig, t("risk.fig.lift", lang), t("risk.lift", lang), percent=False)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.02],
                              "tickvals": [0, 0.25, 0.5, 0.75, 1.0], "showgrid": False,
                              "title": {"text": t("risk.gains", lang)}})
    fig.update_xaxes(title_text=t("risk.axis.decile", lang), dtick=1)
    return fig


def score_distribution_figure(hist: pd.DataFrame, lang: str) -> go.Figure:
    """Share of goods and of bads by predicted probability (log scale): the separation."""
    mid = np.sqrt(hist["lo"] * hist["hi"])
    fig = go.Figure([
        go.Scatter(x=mid, y=hist["goods"], name=t("risk.goods", lang), mode="lines", fill="tozeroy",
                   line={"color": "#2e7d32"}),
        go.Scatter(x=mid, y=hist["bads"], name=t("risk.bads", lang), mode="lines", fill="tozeroy",
                   line={"color": "#b71c1c"}),
    ])
    apply_layout(fig, t("risk.fig.distribution", lang), t("risk.axis.share", lang))
    fig.update_xaxes(type="log", tickformat=".1%", title_text=t("risk.axis.probability", lang))
    return fig


def psi_figure(psi: pd.DataFrame, lang: str, variables: list[str]) -> go.Figure:
    """PSI of the score and each feature by month, coloured stable / watch / shifted."""
    if psi.empty:
        return apply_layout(go.Figure(), t("risk.fig.psi", lang), "")
    z = psi.pivot(index="variable", columns="as_of_month", values="psi").reindex(variables)
    cap = 0.5
    # Three flat colours at the PSI thresholds 0.1 and 0.25 (scale 0..0.5, values above shown red).
    scale = [[0, "#c8e6c9"], [0.2, "#c8e6c9"], [0.2, "#ffe082"], [0.5, "#ffe082"], [0.5, "#ef9a9a"], [1, "#ef9a9a"]]
    names = [t("risk.score", lang) if v == "score" else label(v, lang) for v in z.index]
    fig = go.Figure(go.Heatmap(
        z=np.minimum(z.to_numpy(), cap), x=[pd.Timestamp(c).strftime("%Y-%m") for c in z.columns], y=names,
        customdata=z.to_numpy(), colorscale=scale, zmin=0, zmax=cap, xgap=1, ygap=1,
        hovertemplate="%{y} · %{x}: PSI %{customdata:.3f}<extra></extra>",
        colorbar={"title": {"text": "PSI"}, "tickvals": [0.05, 0.175, 0.375], "thickness": 12,
                  "ticktext": [t("risk.psi.stable", lang), t("risk.psi.watch", lang), t("risk.psi.shifted", lang)]}))
    apply_layout(fig, t("risk.fig.psi", lang), "", percent=False, height=max(420, 20 * len(names) + 140), lang=lang)
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    fig.update_layout(hovermode="closest")
    return fig


def backtest_figure(table: pd.DataFrame, lang: str, band: str = "all") -> go.Figure:
    """Predicted against realised bad rate by scored month, with the predicted 95% interval;
    months whose realised rate left the interval are marked."""
    d = table[table["band"] == band].sort_values("as_of_month")
    title = t("risk.fig.backtest", lang, band=t(f"risk.band.{band}", lang) if band != "all" else t("risk.all", lang))
    if d.empty:
        return apply_layout(go.Figure(), title, "")
    x = pd.to_datetime(d["as_of_month"])
    fig = go.Figure([
        go.Scatter(x=list(x) + list(x[::-1]), y=list(d["high"]) + list(d["low"][::-1]), fill="toself",
                   fillcolor="rgba(21,101,192,0.15)", line={"width": 0}, hoverinfo="skip",
                   name=t("risk.backtest.interval", lang)),
        go.Scatter(x=x, y=d["predicted"], mode="lines+markers", name=t("risk.backtest.predicted", lang),
                   line={"color": LINE_COLOURS[0]}),
        go.Scatter(x=x, y=d["realised"], mode="lines+markers", name=t("risk.backtest.realised", lang),
                   line={"color": "#212121"}),
    ])
    out = d[d["alert"]]
    if len(out):
        fig.add_trace(go.Scatter(x=pd.to_datetime(out["as_of_month"]), y=out["realised"], mode="markers",
                                 marker={"color": RAISE, "size": 13, "symbol": "x"},
                                 name=t("risk.backtest.alert", lang)))
    apply_layout(fig, title, t("risk.backtest.bad_rate", lang), height=380)
    fig.update_yaxes(tickformat=".2%")
    return fig


def band_figure(by_band: pd.DataFrame, lang: str) -> go.Figure:
    """Loans and expected loss by risk band for the scored month."""
    fig = go.Figure([
        go.Bar(x=[t(f"risk.band.{b}", lang) for b in by_band["band"]], y=by_band["loans"], name=t("risk.loans", lang),
               marker_color=[BAND_COLOURS.get(b, "#607d8b") for b in by_band["band"]]),
        go.Scatter(x=[t(f"risk.band.{b}", lang) for b in by_band["band"]], y=by_band["el_share"], yaxis="y2",
                   name=t("risk.el_share", lang), mode="lines+markers", line={"color": "#212121"}),
    ])
    apply_layout(fig, t("risk.fig.bands", lang), t("risk.loans", lang), percent=False, height=340)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "rangemode": "tozero",
                              "title": {"text": t("risk.el_share", lang)}})
    return fig


