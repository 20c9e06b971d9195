"""The validation report: the pack of :mod:`analytics.risk.validation` as tables and words, and as
one self-contained HTML file (no scripts, no links out) laid out as a validator expects: data,
design, performance, stability, limitations. English or Chinese.

The tables here are the ones the Risk page's Model tab shows, so the page and the file agree.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from analytics.display.i18n import t
from analytics.risk.model import RiskModel
from analytics.risk.validation import LITTLE_GAIN


def _segment_name(kind: str, segment: str, lang: str) -> str:
    if kind == "band":
        return t("val.band", lang, band=t(f"risk.band.{segment}", lang))
    return t(f"val.stage.{segment}", lang)


def performance_display(pack: dict, lang: str) -> pd.DataFrame:
    """Overall, by DPD stage and by band (rows) for model, baseline and dpd_now (AUC columns), and
    the model's Gini, KS and Brier beside the others'."""
    perf = pd.DataFrame(pack["performance"])
    rows = []
    for (kind, segment), g in perf.groupby(["kind", "segment"], sort=False):
        by = g.set_index("scorer")
        row = {t("val.col.segment", lang): _segment_name(kind, segment, lang),
               t("val.col.n", lang): int(by["n"].iloc[0]), t("val.col.bads", lang): int(by["events"].iloc[0])}
        for measure in ("auc", "gini", "ks", "brier"):
            for scorer in ("model", "baseline", "dpd_now"):
                if scorer in by.index:
                    row[f"{measure.upper() if measure != 'brier' else 'Brier'} · {t(f'val.scorer.{scorer}', lang)}"] = \
                        by.loc[scorer, measure]
        rows.append(row)
    return pd.DataFrame(rows)


def stability_display(pack: dict, lang: str) -> pd.DataFrame:
    st = pd.DataFrame(pack["stability"])
    if st.empty:
        return st
    wide = st.pivot_table(index="month", columns="scorer", values="auc", sort=True)
    model = st[st["scorer"] == "model"].set_index("month")
    return pd.DataFrame({
        t("val.col.month", lang): wide.index,
        t("val.col.n", lang): model["n"].reindex(wide.index).astype(int).to_numpy(),
        t("val.col.bads", lang): model["events"].reindex(wide.index).astype(int).to_numpy(),
        t("val.col.bad_rate", lang): model["event_rate"].reindex(wide.index).to_numpy(),
        t("val.col.mean_p", lang): model["mean_predicted"].reindex(wide.index).to_numpy(),
        **{f"AUC · {t(f'val.scorer.{s}', lang)}": wide[s].to_numpy() for s in ("model", "baseline", "dpd_now")
           if s in wide.columns},
    })


def deciles_display(pack: dict, lang: str) -> pd.DataFrame:
    d = pd.DataFrame(pack["deciles"])
    return pd.DataFrame({t("val.col.decile", lang): d["decile"], t("val.col.n", lang): d["n"],
                         t("val.col.mean_p", lang): d["mean_predicted"], t("val.col.bad_rate", lang): d["bad_rate"],
                         t("val.col.lift", lang): d["lift"]})


def verdicts(pack: dict, lang: str) -> list[str]:
    """Sentences on where the model adds little over dpd_now alone, and where it adds clearly."""
    out = []
    for g in pack["gain_over_dpd"]:
        if g["kind"] != "stage" or g["model_auc"] is None or (isinstance(g["model_auc"], float)
                                                               and math.isnan(g["model_auc"])):
            continue
        name = _segment_name(g["kind"], g["segment"], lang)
        key = "val.verdict.little" if g["adds_little"] else "val.verdict.adds"
        out.append(t(key, lang, segment=name, model=f"{g['model_auc']:.3f}", dpd=f"{g['dpd_now_auc']:.3f}",
                     gain=f"{g['gain']:+.3f}", little=f"{LITTLE_GAIN:.2f}"))
    perf = pd.DataFrame(pack["performance"])
    allp = perf[(perf["kind"] == "stage") & (perf["segment"] == "all")].set_index("scorer")
    if {"model", "baseline"} <= set(allp.index):
        diff = allp.loc["model", "auc"] - allp.loc["baseline", "auc"]
        out.append(t("val.verdict.baseline", lang, model=f"{allp.loc['model', 'auc']:.3f}",
                     baseline=f"{allp.loc['baseline', 'auc']:.3f}", gain=f"{diff:+.3f}"))
    return out


def _fmt(v) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:.4f}" if abs(v) < 1 else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return html.escape(str(v))


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font-family:'Noto Sans CJK SC','Noto Sans SC',Inter,Arial,sans-serif;margin:2em auto;max-width:1100px;
color:#212121}h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;
margin-top:1.6em}table{border-collapse:collapse;font-size:.82em;margin:.6em 0}th,td{border:1px solid #ddd;
padding:3px 6px;text-align:right}th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}
.verdict{background:#fff8e1;border-left:4px solid #f9a825;padding:.5em .8em;margin:.4em 0}
.note{color:#616161;font-size:.9em}
"""


def _p(text: str, cls: str = "") -> str:
    c = f" class='{cls}'" if cls else ""
    return f"<p{c}>{html.escape(text)}</p>"


def report_html(model: RiskModel, lang: str = "en") -> str:
    """The validation report of ``model`` (its saved validation pack) as one HTML page."""
    meta = model.meta
    pack = meta.get("validation")
    head = (f"<!doctype html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(t('val.title', lang))}</title><style>{_STYLE}</style></head><body>")
    if not pack:
        return head + _p(t("val.no_pack", lang)) + "</body></html>"
    w, rows = meta["windows"], meta["rows"]

    def span(key: str) -> str:
        return f"{w[key][0]} – {w[key][1]}"

    parts = [f"<h1>{html.escape(t('val.title', lang))}</h1>",
             _p(t("val.created", lang, created=meta["created_at"][:16].replace("T", " "),
                  fingerprint=meta.get("data_fingerprint", "–")), "note")]
    parts += [f"<h2>1. {html.escape(t('val.h.data', lang))}</h2>",
              _p(t("val.data", lang, train=span("train"), cal=span("calibration"), test=span("test"),
                   n_train=f"{rows['train']:,}", bad_train=f"{rows['train_events']:,}",
                   n_test=f"{rows['test']:,}", bad_test=f"{rows['test_events']:,}",
                   last=meta.get("last_data_month", "–")))]
    feats = pd.DataFrame({t("val.col.feature", lang): [t(f"risk.feature.{f}", lang) for f in model.features],
                          t("val.col.group", lang): [t(f"risk.group.{meta['feature_groups'][f]}", lang)
                                                     for f in model.features],
                          t("val.col.monotone", lang): [t(f"risk.model.monotone.{meta['monotone'][f]}", lang)
                                                        for f in model.features]})
    parts += [f"<h2>2. {html.escape(t('val.h.design', lang))}</h2>",
              _p(t("val.design", lang, target=t("risk.model.target", lang, h=meta["horizon"]),
                   population=meta["population"], h=meta["horizon"])),
              _table(feats)]
    parts += [f"<h2>3. {html.escape(t('val.h.performance', lang))}</h2>",
              _p(t("val.performance_note", lang), "note")]
    parts += [f"<div class='verdict'>{html.escape(v)}</div>" for v in verdicts(pack, lang)]
    parts += [_table(performance_display(pack, lang)),
              f"<h3>{html.escape(t('val.h.deciles', lang))}</h3>", _table(deciles_display(pack, lang))]
    parts += [f"<h2>4. {html.escape(t('val.h.stability', lang))}</h2>",
              _p(t("val.stability_note", lang), "note"), _table(stability_display(pack, lang))]
    parts += [f"<h2>5. {html.escape(t('val.h.limitations', lang))}</h2>",
              "<ul>" + "".join(f"<li>{html.escape(t(f'val.limit.{i}', lang))}</li>" for i in range(1, 6)) + "</ul>"]
    return head + "".join(parts) + "</body></html>"
