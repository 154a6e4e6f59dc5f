"""Open an HTML report in headless Chromium (Playwright) and record what a reader's browser would see.

The report contract (``vpp report``): ``<html lang="zh-CN|en">``, ``<meta name="vpp-report-kind">``,
``<section class="vpp-section" id=...>`` with ``summary`` first, ``<div class="vpp-chart">`` drawn by an
embedded plotly.js, and ``document.body.dataset.rendered = "true"`` once every chart is drawn.

:meth:`ReportBrowser.open` loads the ``file://`` URL, waits for that flag, and returns a :class:`Rendered`:
console errors and warnings, uncaught page errors, every request that is not ``file:``/``data:``/
``blob:`` (an offline report makes none; they are aborted, never sent), the section ids in order, the
``lang``, the report kind, the visible text, the ``@font-face`` families and whether their CJK glyphs
render, and a full-page screenshot PNG. The browser is Debian's Chromium (``/usr/bin/chromium``, or
``$VPP_CHROMIUM``), never a downloaded build.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

#: Chromium flags: headless, no sandbox (CI runs as root), no GPU, and nothing that phones home
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: URL schemes a self-contained report may load
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
RENDER_TIMEOUT_S = 30.0  # from the load event to document.body.dataset.rendered
LOAD_TIMEOUT_S = 60.0  # to the load event (parsing the embedded plotly.js)
VIEWPORT = {"width": 1200, "height": 900}


def find_chromium() -> str | None:
    """Path of the Chromium executable: ``$VPP_CHROMIUM``, else ``/usr/bin/chromium`` (Debian's package,
    installed by ``.ci/run``), else ``chromium`` / ``chromium-browser`` on the PATH; None when absent."""
    env = os.environ.get("VPP_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Rendered:
    """What the browser saw of one report page."""

    html_path: Path
    rendered: bool                      # document.body.dataset.rendered became "true" in time
    lang: str | None                    # <html lang>
    kind: str | None                    # <meta name="vpp-report-kind" content>
    section_ids: list[str]              # ids of section.vpp-section, in document order
    chart_ids: list[str]                # ids of div.vpp-chart
    drawn_chart_ids: list[str]          # charts holding a drawn plotly SVG
    text: str                           # document.body.innerText
    console: list[tuple[str, str]]      # (type, text) of console messages of type error / warning
    page_errors: list[str]              # uncaught exceptions
    external_requests: list[str]        # URLs outside LOCAL_SCHEMES (aborted)
    screenshot: Path                    # full-page PNG
    font_faces: dict[str, str] = field(default_factory=dict)  # @font-face family -> FontFace status
    cjk: dict[str, dict] = field(default_factory=dict)        # family -> CJK glyph check (CJK_CHECK_JS)
    # the first element with Chinese in its own text (in #summary if there is one): its text, how many CJK
    # characters, and the fonts Chromium drew it with (CDP CSS.getPlatformFontsForNode: familyName,
    # isCustomFont = a web font of the page, glyphCount)
    cjk_probe: dict = field(default_factory=dict)

    @property
    def console_errors(self) -> list[str]:
        return [t for k, t in self.console if k == "error"]

    @property
    def console_warnings(self) -> list[str]:
        return [t for k, t in self.console if k == "warning"]

    def problems(self) -> str:
        """One readable block of everything that went wrong (for assertion messages)."""
        return (f"{self.html_path}: rendered={self.rendered}\n  console: {self.console}\n"
                f"  page errors: {self.page_errors}\n  external requests: {self.external_requests}")


# Families declared by @font-face in the page's own style sheets, loaded, with the status of each face.
FONT_FACES_JS = """
async () => {
  const fams = new Set();
  for (const sheet of document.styleSheets) {
    let rules; try { rules = sheet.cssRules; } catch (e) { continue; }
    for (const r of rules) {
      if (r.type === CSSRule.FONT_FACE_RULE) fams.add(r.style.getPropertyValue('font-family').replace(/^["']|["']$/g, '').trim());
    }
  }
  const out = {};
  for (const fam of fams) {
    try { await document.fonts.load(`16px "${fam}"`, '电'); } catch (e) {}
    const faces = [...document.fonts].filter(f => f.family.replace(/^["']|["']$/g, '') === fam);
    out[fam] = faces.length ? faces.map(f => f.status).join(',') : 'none';
  }
  return out;
}
"""

# For one @font-face family: up to 8 distinct CJK characters of the page's own text
# (a subset font holds those), document.fonts.check on them, and each drawn on a canvas in that family
# alone. Real glyphs give distinct bitmaps with ink; missing glyphs ("tofu") all draw the same .notdef box.
CJK_CHECK_JS = """
async (family) => {
  const text = document.body.innerText;
  const chars = [...new Set([...text].filter(c => /[\\u4e00-\\u9fff]/.test(c)))].slice(0, 8);
  if (!chars.length) return {family, chars: [], check: false, distinct: 0, inked: 0};
  const font = `32px "${family}"`;
  try { await document.fonts.load(font, chars.join('')); } catch (e) {}
  const check = document.fonts.check(font, chars.join(''));
  const canvas = document.createElement('canvas'); canvas.width = 40; canvas.height = 40;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const shots = chars.map(c => {
    ctx.clearRect(0, 0, 40, 40); ctx.font = font; ctx.fillStyle = '#000'; ctx.textBaseline = 'top';
    ctx.fillText(c, 4, 4);
    const d = ctx.getImageData(0, 0, 40, 40).data;
    let ink = 0, key = '';
    for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) ink++; key += d[i] > 127 ? '1' : '0'; }
    return {ink, key, width: ctx.measureText(c).width};
  });
  return {family, chars, check,
          distinct: new Set(shots.map(s => s.key)).size,
          inked: shots.filter(s => s.ink > 20).length,
          widths: shots.map(s => s.width)};
}
"""

# Marks the first element whose own text nodes hold Chinese (in #summary first) for the CDP font query.
CJK_PROBE_JS = """
() => {
  const own = el => [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
  const cjk = t => [...t].filter(c => /[\\u4e00-\\u9fff]/.test(c)).length;
  for (const root of [document.getElementById('summary'), document.body]) {
    if (!root) continue;
    for (const el of [root, ...root.querySelectorAll('*')]) {
      const t = own(el);
      if (cjk(t) && el.offsetParent !== null) {
        el.setAttribute('data-vpp-cjk-probe', '');
        return {text: t.trim().slice(0, 80), n_cjk: cjk(t)};
      }
    }
  }
  return null;
}
"""

PAGE_FACTS_JS = """
() => ({
  lang: document.documentElement.getAttribute('lang'),
  kind: (document.querySelector('meta[name="vpp-report-kind"]') || {}).content || null,
  sections: [...document.querySelectorAll('section.vpp-section')].map(s => s.id),
  charts: [...document.querySelectorAll('div.vpp-chart')].map(c => c.id),
  drawn: [...document.querySelectorAll('div.vpp-chart')].filter(c => c.querySelector('svg.main-svg')).map(c => c.id),
  text: document.body ? document.body.innerText : '',
})
"""


def launch(playwright):
    """Headless Debian Chromium through Playwright (no downloaded browser). Raises when it cannot start."""
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("no Chromium at /usr/bin/chromium (or $VPP_CHROMIUM / chromium on the PATH)")
    return playwright.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)


class ReportBrowser:
    """One browser context and one page, reused for every report a test process opens (no context and
    renderer to start per report; V8 may reuse its compilation of the same embedded plotly.js). Each
    :meth:`open` starts from ``about:blank`` with empty logs. Not for use from two threads."""

    def __init__(self, browser):
        self.browser = browser
        self._page = None
        self._log: dict[str, list] = {"console": [], "page_errors": [], "external": []}

    def _fresh_page(self):
        if self._page is None or self._page.is_closed():
            ctx = self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1, service_workers="block")
            ctx.route("**/*", self._route)
            page = ctx.new_page()
            self._cdp = ctx.new_cdp_session(page)
            page.on("console", self._console)
            page.on("pageerror", lambda e: self._log["page_errors"].append(str(e)))
            page.on("websocket", lambda ws: self._log["external"].append(ws.url))
            self._page = page
        return self._page

    def _route(self, r) -> None:
        url = r.request.url
        if url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:  # recorded and aborted: a report must not reach out
            self._log["external"].append(url)
            r.abort()

    def _console(self, m) -> None:
        if m.type in ("error", "warning"):
            self._log["console"].append((m.type, m.text))

    def open(self, html_path: Path, tmp_path: Path, *, timeout_s: float = RENDER_TIMEOUT_S,
             cjk_families: list[str] | None = None) -> Rendered:
        """Load ``html_path``, wait until it says it is rendered, collect what the browser saw and save a
        full-page screenshot ``tmp_path/<stem>.png``."""
        html_path = Path(html_path).resolve()
        page = self._fresh_page()
        page.goto("about:blank")
        log = self._log = {"console": [], "page_errors": [], "external": []}
        page.goto(html_path.as_uri(), wait_until="load", timeout=LOAD_TIMEOUT_S * 1000)
        try:
            page.wait_for_function("document.body && document.body.dataset.rendered === 'true'",
                                   timeout=timeout_s * 1000)
            rendered = True
        except Exception:  # playwright TimeoutError: recorded, the caller asserts on it
            rendered = False
        faces = page.evaluate(FONT_FACES_JS)
        cjk = {fam: page.evaluate(CJK_CHECK_JS, fam) for fam in (cjk_families or faces)}
        probe = page.evaluate(CJK_PROBE_JS)
        if probe:
            probe["fonts"] = self._platform_fonts("[data-vpp-cjk-probe]")
        facts = page.evaluate(PAGE_FACTS_JS)
        shot = Path(tmp_path) / f"{html_path.stem}.png"
        page.screenshot(path=str(shot), full_page=True)
        return Rendered(html_path=html_path, rendered=rendered, lang=facts["lang"], kind=facts["kind"],
                        section_ids=facts["sections"], chart_ids=facts["charts"], drawn_chart_ids=facts["drawn"],
                        text=facts["text"], console=list(log["console"]), page_errors=list(log["page_errors"]),
                        external_requests=list(log["external"]), screenshot=shot, font_faces=faces, cjk=cjk,
                        cjk_probe=probe or {})

    def _platform_fonts(self, selector: str) -> list[dict]:
        """The fonts Chromium drew the text of the element ``selector`` with (Chrome DevTools Protocol)."""
        self._cdp.send("DOM.enable")
        self._cdp.send("CSS.enable")
        root = self._cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = self._cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return self._cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]

    def close(self) -> None:
        if self._page is not None and not self._page.is_closed():
            self._page.context.close()


def blank_share(png: Path) -> tuple[float, int]:
    """(share of pixels that differ from the page background = the most common colour, number of distinct
    colours) of a screenshot. A blank page gives (0.0, 1)."""
    from PIL import Image

    with Image.open(png) as im:
        rgb = im.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 24)
    total = sum(n for n, _ in colours)
    background = max(n for n, _ in colours)
    return 1.0 - background / total, len(colours)


def assert_not_blank(png: Path, min_share: float = 0.01, min_colours: int = 8) -> None:
    """The screenshot shows something: more than ``min_share`` of its pixels are not background and it
    has more than ``min_colours`` distinct colours (text anti-aliasing and charts give hundreds)."""
    share, n = blank_share(png)
    assert share > min_share and n > min_colours, f"{png} looks blank: {share:.2%} non-background pixels, {n} colours"


def assert_cjk_rendered(r: Rendered) -> None:
    """A zh page declares a font by @font-face that loaded and draws the page's own Chinese characters as
    real glyphs: Chromium drew the first Chinese text of the page (of #summary) with a web font of the
    page (not a system fallback font) for at least as many glyphs as it has CJK characters;
    ``document.fonts.check`` holds, each glyph has ink and no two are alike (.notdef boxes are all
    alike). Several @font-face families (a Latin and a CJK one) are fine: one must pass."""
    assert r.font_faces, f"{r.html_path}: no @font-face in the page's CSS"
    probe = r.cjk_probe
    assert probe, f"{r.html_path}: no visible element with Chinese text"
    web_glyphs = sum(f["glyphCount"] for f in probe["fonts"] if f["isCustomFont"])
    assert web_glyphs >= probe["n_cjk"], (f"{r.html_path}: {probe['text']!r} ({probe['n_cjk']} CJK characters) drawn "
                                          f"with {web_glyphs} glyphs of the page's web fonts: {probe['fonts']}")
    assert any(c.get("chars") for c in r.cjk.values()), f"{r.html_path}: no CJK text to check"
    failed = {}
    for fam, c in r.cjk.items():
        n = len(c["chars"])
        if "loaded" not in r.font_faces.get(fam, ""):
            failed[fam] = f"@font-face did not load ({r.font_faces.get(fam)})"
        elif not c["check"]:
            failed[fam] = f"document.fonts.check is false on {''.join(c['chars'])}"
        elif not (c["inked"] == n and c["distinct"] == n):
            failed[fam] = f"glyphs look like tofu: {n} characters, {c['inked']} inked, {c['distinct']} distinct"
        else:
            return
    raise AssertionError(f"{r.html_path}: no @font-face family renders its CJK text: {failed}")
