"""Every report kind of ``vpp report`` opened in headless Chromium: it draws (``data-rendered``), logs no
console error, throws nothing, requests nothing outside the file, holds every section of
``vpp.reporting.SECTIONS[kind]`` with ``summary`` first, and its screenshot is not blank. One folder is
written in zh and in en: same sections, other ``lang``, and the zh page draws real CJK glyphs in its
embedded font."""

from __future__ import annotations

from pathlib import Path

import pytest

reporting = pytest.importorskip("vpp.reporting", reason="vpp.reporting (the HTML report package) is not installed")

from tests.browser.folders import KINDS  # noqa: E402
from tests.browser.harness import assert_cjk_rendered, assert_not_blank  # noqa: E402


def report_source(kind: str, built: Path) -> Path:
    """The path ``vpp report`` takes for ``kind``: what :mod:`tests.browser.folders` returns (the run folder,
    the event / VPP sub-folder, the sweep table) or, when the report reads the folder around it, that one."""
    tried = []
    for cand in (built, built.parent):
        try:
            if reporting.detect_kind(cand) == kind:
                return cand
            tried.append(f"{cand}: {reporting.detect_kind(cand)}")
        except Exception as e:  # VppError of a path that is not a result of this kind
            tried.append(f"{cand}: {e}")
    raise AssertionError(f"detect_kind finds no {kind!r} result: {'; '.join(tried)}")


def check_clean(r, kind: str) -> None:
    assert r.rendered, r.problems()
    assert r.console_errors == [], r.problems()
    assert r.page_errors == [], r.problems()
    assert r.external_requests == [], r.problems()
    assert r.kind == kind
    expected = list(reporting.SECTIONS[kind])
    assert r.section_ids and r.section_ids[0] == "summary", r.section_ids
    missing = [s for s in expected if s not in r.section_ids]
    assert not missing, f"{kind}: sections {missing} missing from {r.section_ids}"
    present = [s for s in r.section_ids if s in expected]
    assert present == expected, f"{kind}: sections out of order: {present} != {expected}"
    assert len(r.section_ids) == len(set(r.section_ids)), f"duplicate section ids: {r.section_ids}"
    assert r.drawn_chart_ids == r.chart_ids, f"charts not drawn: {set(r.chart_ids) - set(r.drawn_chart_ids)}"
    assert_not_blank(r.screenshot)


@pytest.mark.parametrize("kind", KINDS)
def test_report_opens_clean_in_chromium(kind, report_folder, open_report, tmp_path):
    src = report_source(kind, report_folder(kind))
    html = reporting.write_report(src, out=tmp_path / f"{kind}.html", lang="en")
    r = open_report(html, tmp_path)
    check_clean(r, kind)
    assert r.lang == "en"


def test_same_folder_in_zh_and_en(report_folder, open_report, tmp_path):
    src = report_source("run", report_folder("run"))
    zh = open_report(reporting.write_report(src, out=tmp_path / "run_zh.html", lang="zh"), tmp_path)
    en = open_report(reporting.write_report(src, out=tmp_path / "run_en.html", lang="en"), tmp_path)
    check_clean(zh, "run")
    check_clean(en, "run")
    assert (zh.lang, en.lang) == ("zh-CN", "en")
    assert zh.section_ids == en.section_ids
    assert zh.chart_ids == en.chart_ids
    assert sum("\u4e00" <= c <= "\u9fff" for c in zh.text) > 20  # the zh page is written in Chinese
    assert_cjk_rendered(zh)
    assert zh.text != en.text
