"""The browser harness itself, on small pages that follow the report contract: it sees a clean page as
clean, and it reports what a purpose-broken page does wrong (console error, uncaught exception,
external request, a page that never says it is rendered, a CJK font that does not load)."""

from __future__ import annotations

import pytest

from tests.browser.contract_page import cjk_font_source, write_contract_page
from tests.browser.harness import assert_cjk_rendered, assert_not_blank, blank_share

pytest.importorskip("plotly", reason="the contract page draws its chart with the installed plotly.js")


def test_clean_page_and_broken_pages_are_told_apart(open_report, tmp_path):
    ok = open_report(write_contract_page(tmp_path / "ok.html"), tmp_path)
    assert ok.rendered, ok.problems()
    assert (ok.console_errors, ok.page_errors, ok.external_requests) == ([], [], []), ok.problems()
    assert (ok.lang, ok.kind) == ("en", "run")
    assert ok.section_ids == ["summary", "dispatch"]
    assert ok.chart_ids == ok.drawn_chart_ids == ["chart-dispatch"]  # plotly drew its SVG
    assert "total_cost_cny" in ok.text and "131,522" in ok.text
    assert_not_blank(ok.screenshot)

    bad = open_report(write_contract_page(tmp_path / "bad.html", console_error=True, page_error=True,
                                          external_request=True, chart=False), tmp_path)
    assert bad.rendered  # it still says so: the problems are what the harness must report
    assert bad.section_ids == ["summary", "dispatch"] and bad.chart_ids == []
    assert "deliberate console error" in bad.console_errors
    assert any("deliberate uncaught error" in e for e in bad.page_errors)
    assert bad.external_requests == ["https://example.invalid/logo.png"]  # aborted, never sent

    stuck = open_report(write_contract_page(tmp_path / "stuck.html", never_rendered=True, chart=False), tmp_path, timeout_s=1.0)
    assert not stuck.rendered


def test_blank_screenshot_is_caught(tmp_path):
    from PIL import Image, ImageDraw

    Image.new("RGB", (400, 300), "white").save(tmp_path / "blank.png")
    assert blank_share(tmp_path / "blank.png") == (0.0, 1)
    with pytest.raises(AssertionError, match="looks blank"):
        assert_not_blank(tmp_path / "blank.png")
    im = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(im).rectangle((20, 20, 200, 120), outline="black", fill="#3060c0")
    for i in range(12):
        im.putpixel((300 + i, 200), (i * 20, 0, 0))
    im.save(tmp_path / "drawn.png")
    share, n = blank_share(tmp_path / "drawn.png")
    assert share == pytest.approx((181 * 101 + 12) / (400 * 300), abs=1e-9)  # the 181 x 101 box and 12 dots
    assert n == 14  # white, black, blue, 11 reds (the first red (0,0,0) is the box's black)
    assert_not_blank(tmp_path / "drawn.png")


@pytest.mark.skipif(cjk_font_source() is None, reason="no Noto Sans CJK to embed (apt-get install fonts-noto-cjk)")
def test_zh_page_renders_its_embedded_cjk_font_and_a_broken_font_is_caught(open_report, tmp_path):
    zh = open_report(write_contract_page(tmp_path / "zh.html", lang="zh"), tmp_path)
    assert zh.rendered and zh.lang == "zh-CN", zh.problems()
    assert (zh.console_errors, zh.page_errors, zh.external_requests) == ([], [], []), zh.problems()
    assert zh.font_faces == {"VppTestCJK": "loaded"}
    assert len(zh.cjk["VppTestCJK"]["chars"]) == 8
    assert zh.cjk["VppTestCJK"]["distinct"] == zh.cjk["VppTestCJK"]["inked"] == 8
    # the h1 of #summary (18 Chinese characters and a full-width colon) is drawn with the embedded font
    assert zh.cjk_probe["n_cjk"] == 18
    assert [(f["isCustomFont"], f["glyphCount"]) for f in zh.cjk_probe["fonts"]] == [(True, 19)]
    assert_cjk_rendered(zh)
    assert_not_blank(zh.screenshot)

    broken = open_report(write_contract_page(tmp_path / "zh_broken.html", lang="zh", broken_font=True, chart=False), tmp_path)
    assert broken.font_faces == {"VppTestCJK": "error"}
    assert not any(f["isCustomFont"] for f in broken.cjk_probe["fonts"])  # drawn by a system font
    with pytest.raises(AssertionError, match="drawn with 0 glyphs of the page's web fonts"):
        assert_cjk_rendered(broken)
    broken.cjk_probe = zh.cjk_probe  # past that first check, the failed face is told
    with pytest.raises(AssertionError, match="did not load"):
        assert_cjk_rendered(broken)
