"""Screenshot of a report's summary section for the README (run on demand, not in CI).

    python docs/make_screenshot.py                     # 1-day `vpp run yuhua_district` in a temp folder
    python docs/make_screenshot.py runs/yuhua_district-optimised --lang zh

Writes the HTML report of the folder (``vpp.reporting.write_report``), opens it in headless Debian Chromium
(the browser tests' launcher, ``tests/browser/harness.py``: ``/usr/bin/chromium`` or ``$VPP_CHROMIUM``),
viewport 1200 px wide at device scale 1, waits until every chart is drawn
(``document.body.dataset.rendered``), and saves the ``#summary`` section only, as a palette PNG
(Pillow quantize) of at most ``--max-kb`` kB, to ``docs/img/report_summary.png``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "docs" / "img" / "report_summary.png"
VIEWPORT = {"width": 1200, "height": 900}


def small_png(png: bytes, max_kb: float) -> bytes:
    """The PNG as a palette image (256, then 128, 64, 32 colours) saved with optimisation, the first
    one of at most ``max_kb`` kB (else the smallest)."""
    from PIL import Image

    rgb = Image.open(io.BytesIO(png)).convert("RGB")
    best = b""
    for colours in (256, 128, 64, 32):
        buf = io.BytesIO()
        rgb.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buf, format="PNG", optimize=True)
        best = buf.getvalue()
        if len(best) <= max_kb * 1024:
            break
    return best


def summary_png(html: Path, timeout_s: float = 30.0) -> bytes:
    """PNG bytes of the ``#summary`` section of the report ``html`` drawn in headless Chromium."""
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import launch

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
                       else r.abort())
            page.goto(html.resolve().as_uri(), wait_until="load", timeout=60_000)
            page.wait_for_function("document.body && document.body.dataset.rendered === 'true'",
                                   timeout=timeout_s * 1000)
            return page.locator("#summary").screenshot(animations="disabled")
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=None,
                    help="result folder to report [default: a 1-day `vpp run yuhua_district` in a temp folder]")
    ap.add_argument("--lang", choices=["zh", "en"], default="en", help="report language [default: en]")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"PNG [default: {DEFAULT_OUT.relative_to(ROOT)}]")
    ap.add_argument("--max-kb", type=float, default=150.0, help="size the PNG is brought under [kB, default 150]")
    args = ap.parse_args(argv)

    from vpp.reporting import write_report

    with tempfile.TemporaryDirectory(prefix="vpp-screenshot-") as tmp:
        folder = args.folder
        if folder is None:
            from vpp import api

            folder = Path(tmp) / "yuhua_district-1day"
            print("· vpp run yuhua_district --days 1", file=sys.stderr)
            api.run("yuhua_district", days=1, out_dir=folder)
        html = write_report(folder, out=Path(tmp) / "report.html", lang=args.lang)
        png = small_png(summary_png(html), args.max_kb)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(f"{args.out}: {len(png) / 1024:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
