"""Assemble the report page: one offline HTML file with plotly.js (once), the report font (base64 OTF
``@font-face``), the figure specs and the tables. Nothing is fetched from elsewhere.

Page contract (browser tests rely on it): ``<html lang="zh-CN|en">``; ``<meta name="vpp-report-kind">``;
sections ``<section class="vpp-section" id=…>``, the first ``id="summary"``; charts ``<div class="vpp-chart"
id=…>``; after the last chart is drawn the script sets ``document.body.dataset.rendered = "true"``.
"""

from __future__ import annotations

import base64
import functools
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpp.reporting.catalogue import HTML_LANG, Catalogue
from vpp.reporting.figures import Arr
from vpp.reporting.summary import Summary
from vpp.reporting.tables import Row

FONT_PATH = Path(__file__).resolve().parent.parent / "data" / "fonts" / "NotoSansCJKsc-Regular-subset.otf"

CSS = """
body{font-family:VppCJK,'Noto Sans CJK SC',sans-serif;max-width:1280px;margin:0 auto;padding:0 18px 40px;color:#222;line-height:1.45}
h1{font-size:26px;margin:22px 0 4px}h2{font-size:20px;border-bottom:2px solid #1f77b4;padding-bottom:3px;margin-top:34px}
h3{font-size:16px;margin:18px 0 6px}.sub{color:#666;font-size:13px}nav{font-size:13px;margin:10px 0}nav a{margin-right:14px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 14px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f2f5f9}td:first-child,th:first-child{text-align:left}.figures td.vpp-figure{font-weight:600;font-size:15px}
.figures th{font-weight:normal;text-align:left}.assumptions li{margin:3px 0}.vpp-chart{width:100%;margin:8px 0 18px}
.scroll{max-height:460px;overflow:auto;display:inline-block}.raw{font-family:monospace;font-size:12px}
footer{margin-top:40px;color:#888;font-size:12px}
"""


@functools.cache
def font_base64() -> str:
    return base64.b64encode(FONT_PATH.read_bytes()).decode("ascii")


@functools.cache
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def to_json(obj: Any) -> str:
    """JSON of a figure spec; :class:`Arr` values are written with their significant digits; ``</`` is
    escaped so the text can sit inside a ``<script>``."""
    def enc(o: Any) -> str:
        if isinstance(o, Arr):
            return o.json()
        if isinstance(o, dict):
            return "{" + ",".join(f"{json.dumps(str(k))}:{enc(v)}" for k, v in o.items()) + "}"
        if isinstance(o, (list, tuple)):
            return "[" + ",".join(enc(v) for v in o) + "]"
        if isinstance(o, float) and o != o:
            return "null"
        if hasattr(o, "item"):  # numpy scalar
            o = o.item()
        return json.dumps(o, ensure_ascii=False)

    return enc(obj).replace("</", "<\\/")


@dataclass
class Section:
    id: str
    title: str
    parts: list[str] = field(default_factory=list)   # HTML fragments (charts are "<div class=vpp-chart>")


def chart_div(fig: dict) -> str:
    return f'<div class="vpp-chart" id="{esc(fig["id"])}"></div>'


def summary_html(cat: Catalogue, s: Summary) -> list[str]:
    parts = [f"<h3>{esc(cat.t('sum.studied'))}</h3><table class='studied'>"
             + "".join(f"<tr><th>{esc(k)}</th><td style='text-align:left'>{esc(v)}</td></tr>" for k, v in s.studied) + "</table>"]
    rows = "".join(f'<tr data-key="{esc(f.key)}" data-value="{esc(json.dumps(f.value))}"><th>{esc(f.label)}</th>'
                   f'<td class="vpp-figure">{esc(f.text)}</td></tr>' for f in s.answer)
    parts.append(f"<h3>{esc(cat.t('sum.answer'))}</h3><table class='figures'>{rows}</table>")
    if s.assumptions:
        parts.append(f"<h3>{esc(cat.t('sum.assumptions'))}</h3><ul class='assumptions'>"
                     + "".join(f"<li>{esc(a)}</li>" for a in s.assumptions) + "</ul>")
    return parts


def rows_table(cat: Catalogue, rows: list[Row], raw: bool = False) -> str:
    head = (f"<tr><th>{esc(cat.t('tab.key') if raw else cat.t('tab.item'))}</th><th>{esc(cat.t('tab.value'))}</th>"
            f"<th>{esc(cat.t('tab.unit'))}</th></tr>")
    body = "".join(f'<tr data-key="{esc(r.key)}"><td{" class=raw" if raw else ""}>{esc(r.label)}</td><td>{esc(cat.num(r.value))}</td>'
                   f"<td>{esc(cat.t(r.unit_key))}</td></tr>" for r in rows)
    return f"<table class='kpis'>{head}{body}</table>"


def frame_html(cat: Catalogue, df, title: str, max_rows: int = 400) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(cat.num(v))}</td>" for v in r) + "</tr>"
                   for r in df.head(max_rows).itertuples(index=False))
    return f"<h3>{esc(title)}</h3><div class='scroll'><table>{head and '<tr>' + head + '</tr>'}{body}</table></div>"


def page(cat: Catalogue, kind: str, title: str, subtitle: str, sections: list[Section], figures: list[dict]) -> str:
    nav = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
    body = "".join(f'<section class="vpp-section" id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{"".join(s.parts)}</section>'
                   for s in sections)
    figs = "[" + ",".join(to_json(f) for f in figures) + "]"
    script = (
        "(async function(){const F=" + figs + ";"
        "try{if(document.fonts&&document.fonts.load){await document.fonts.load('12px VppCJK');}}catch(e){}"
        "const cfg={responsive:true,displaylogo:false};"
        "for(const f of F){await Plotly.newPlot(f.id,f.data,f.layout,cfg);}"
        "document.body.dataset.rendered='true';})();")
    return (f'<!doctype html><html lang="{HTML_LANG[cat.lang]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="vpp-report-kind" content="{esc(kind)}"><title>{esc(title)}</title>'
            f'<style>@font-face{{font-family:VppCJK;src:url(data:font/otf;base64,{font_base64()}) format("opentype");}}{CSS}</style>'
            f"<script>{plotly_js()}</script></head><body>"
            f"<h1>{esc(title)}</h1><div class='sub'>{esc(subtitle)}</div><nav>{nav}</nav>{body}"
            f"<footer>{esc(cat.t('footer.font'))}</footer><script>{script}</script></body></html>")
