"""A small page that follows the report's HTML contract, to test the browser harness itself.

``write_contract_page`` writes an offline page like ``vpp report`` does: ``lang``, the
``vpp-report-kind`` meta, ``vpp-section`` sections with ``summary`` first, one plotly chart drawn by the
installed plotly.js (inline, no network), ``document.body.dataset.rendered = "true"`` when drawn, and in
zh an ``@font-face`` CJK font (a subset of a system Noto CJK font, base64). Flags break it on purpose:
a console error, an uncaught exception, an external request, a font that does not load.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

#: Chinese text of the zh page (its characters are the ones the subset font holds)
ZH_TEXT = "虚拟电厂需求响应报告：总电费与峰值负荷"
FONT_FAMILY = "VppTestCJK"
NOTO_CJK = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
            Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
            Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc")]


def cjk_font_source() -> Path | None:
    """A Noto Sans CJK collection on this machine (Debian's fonts-noto-cjk), or None."""
    return next((p for p in NOTO_CJK if p.is_file()), None)


def subset_cjk_font(text: str) -> bytes:
    """OpenType bytes of Noto Sans CJK SC holding only the glyphs of ``text`` (a few kB)."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    src = cjk_font_source()
    if src is None:
        raise FileNotFoundError("no Noto Sans CJK font (apt-get install fonts-noto-cjk)")
    fonts = TTCollection(str(src)).fonts
    sc = next((f for f in fonts if "SC" in f["name"].getDebugName(1) and "Mono" not in f["name"].getDebugName(1)), fonts[0])
    opts = subset.Options()
    opts.layout_features = []
    opts.name_IDs = ["*"]
    sub = subset.Subsetter(opts)
    sub.populate(text=text + "0123456789")
    sub.subset(sc)
    buf = io.BytesIO()
    sc.save(buf)
    return buf.getvalue()


def write_contract_page(path: Path, *, lang: str = "en", kind: str = "run", console_error: bool = False,
                        page_error: bool = False, external_request: bool = False, broken_font: bool = False,
                        never_rendered: bool = False, chart: bool = True) -> Path:
    """Write the page to ``path`` and return it. ``chart=False`` leaves out the plotly chart (and its
    several MB of plotly.js, a few seconds of parsing per page on a busy machine): the page then says it
    is rendered at once."""
    from plotly.offline import get_plotlyjs

    zh = lang.startswith("zh")
    font_css = ""
    if zh:
        data = b"not a font" if broken_font else subset_cjk_font(ZH_TEXT)
        font_css = (f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url(data:font/otf;base64,'
                    f'{base64.b64encode(data).decode()}) format("opentype"); }}\n'
                    f'body {{ font-family: "{FONT_FAMILY}", sans-serif; }}')
    title = ZH_TEXT if zh else "Virtual power plant report: total cost and peak load"
    fig = {"data": [{"type": "scatter", "x": list(range(96)), "y": [3 + (i % 24) / 8 for i in range(96)],
                     "name": "p_net_import_mw"}],
           "layout": {"height": 320, "margin": {"t": 20}, "xaxis": {"title": {"text": "step"}},
                      "yaxis": {"title": {"text": "MW"}}}}
    extras = []
    if console_error:
        extras.append('console.error("deliberate console error");')
    if page_error:
        extras.append('</script><script>throw new Error("deliberate uncaught error");</script><script>')
    external = '<img src="https://example.invalid/logo.png" alt="">' if external_request else ""
    done = "" if never_rendered else "document.body.dataset.rendered = 'true';"
    plotly_js = f"<script>{get_plotlyjs()}</script>" if chart else ""
    chart_div = '<div class="vpp-chart" id="chart-dispatch"></div>' if chart else ""
    draw = (f'Plotly.newPlot("chart-dispatch", {json.dumps(fig["data"])}, {json.dumps(fig["layout"])}, '
            f'{{staticPlot: true}}).then(() => {{ {done} }});') if chart else done
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if zh else 'en'}">
<head><meta charset="utf-8"><meta name="vpp-report-kind" content="{kind}">
<title>{html.escape(title)}</title>
<style>{font_css}
body {{ margin: 24px; }} table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #999; padding: 4px 8px; }}</style>
{plotly_js}</head>
<body>
<section class="vpp-section" id="summary"><h1>{html.escape(title)}</h1>
<table><tr><th>KPI</th><th>value</th></tr><tr><td>total_cost_cny</td><td>131,522</td></tr>
<tr><td>peak_import_mw</td><td>4.12</td></tr></table>{external}</section>
<section class="vpp-section" id="dispatch"><h2>{'调度' if zh else 'Dispatch'}</h2>
{chart_div}</section>
<script>
{''.join(extras)}
{draw}
</script>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
