"""The self-contained HTML report: charts embedded as PNG data URIs, no scripts, no network."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from analytics.report.base import Section

CSS = """
body{font-family:'Noto Sans CJK SC','Noto Sans SC','Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:0;
     color:#1f2933;background:#f5f7fa}
header{background:#1565c0;color:#fff;padding:32px 48px}
header h1{margin:0;font-size:34px} header p{margin:6px 0 0;font-size:18px;opacity:.9}
main{max-width:1200px;margin:0 auto;padding:24px 48px}
section{background:#fff;border-radius:10px;padding:24px 28px;margin:22px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{color:#1565c0;margin:0 0 6px;font-size:24px} p.msg{font-size:17px;color:#52606d;margin:0 0 16px}
img{width:100%;height:auto} .na{color:#9a6700}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:14px}
.kpi{border:1px solid #e4e7eb;border-radius:8px;padding:14px}
.kpi .l{font-size:14px;color:#52606d}.kpi .v{font-size:30px;font-weight:700;margin:4px 0}.kpi .c{font-size:14px;color:#52606d}
footer{color:#7b8794;font-size:13px;padding:0 48px 32px;max-width:1200px;margin:0 auto}
"""


def write_html(path: Path, title: str, subtitle: str, footer: str, sections: list[Section],
               images: dict[str, bytes], lang: str) -> None:
    esc = html.escape
    parts = [f"<!doctype html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>",
             f"<title>{esc(title)} · {esc(subtitle)}</title><style>{CSS}</style></head><body>",
             f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header><main>"]
    for s in sections:
        parts.append(f"<section id='{esc(s.key)}'><h2>{esc(s.title)}</h2>")
        if s.unavailable:
            parts.append(f"<p class='msg na'>{esc(s.unavailable)}</p></section>")
            continue
        parts.append(f"<p class='msg'>{esc(s.message)}</p>")
        if s.kpis:
            parts.append("<div class='kpis'>" + "".join(
                f"<div class='kpi'><div class='l'>{esc(label)}</div><div class='v'>{esc(value)}</div>"
                f"<div class='c'>{esc(change)}</div></div>" for label, value, change in s.kpis) + "</div>")
        elif s.key in images:
            data = base64.b64encode(images[s.key]).decode()
            parts.append(f"<img alt='{esc(s.title)}' src='data:image/png;base64,{data}'>")
        parts.append("</section>")
    parts.append(f"</main><footer>{esc(footer)}</footer></body></html>")
    path.write_text("".join(parts), encoding="utf-8")
