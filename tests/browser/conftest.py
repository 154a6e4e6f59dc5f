"""Browser fixtures: one headless Chromium per test process, and result folders of each report kind.

* ``browser``: Debian's Chromium driven by Playwright, one per pytest-xdist worker (session scope; a
  Playwright browser is not shared across processes). The tests skip, with the reason, only when no
  Chromium is found or it does not start.
* ``open_report(html_path, tmp_path) -> Rendered``: :meth:`tests.browser.harness.ReportBrowser.open` on one
  page of that browser, reused by every test of the process (plotly.js compiled once).
* ``report_folder(kind) -> Path``: the smallest result of ``kind`` (:mod:`tests.browser.folders`), built once
  per test run even with ``-n 2``: the workers share one folder per kind under the run's base temporary
  directory, guarded by a file lock, so the second worker waits and reuses it.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from tests.browser import folders
from tests.browser.harness import ReportBrowser, find_chromium, launch

SKIP_HINT = ("the browser tests need Debian's chromium (.ci/run installs it with apt-get when run as root; "
             "locally: sudo apt-get install chromium, or set VPP_CHROMIUM=/path/to/chromium)")


@pytest.fixture(scope="session")
def browser():
    if find_chromium() is None:
        where = os.environ.get("VPP_CHROMIUM") or "/usr/bin/chromium (nor chromium on the PATH)"
        pytest.skip(f"no Chromium found at {where}: {SKIP_HINT}")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed (pip install -e '.[test]')")
    pw = sync_api.sync_playwright().start()
    try:
        b = launch(pw)
    except Exception as e:  # the browser is there but does not start: say why
        pw.stop()
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        pytest.skip(f"Chromium {find_chromium()} does not start under Playwright: {first}; {SKIP_HINT}")
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="session")
def report_browser(browser):
    rb = ReportBrowser(browser)
    yield rb
    rb.close()


@pytest.fixture
def open_report(report_browser):
    """``open_report(html_path, tmp_path, timeout_s=30, cjk_families=None) -> Rendered``."""
    return report_browser.open


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` across processes (POSIX ``flock``; elsewhere no lock is taken)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: each worker builds its own copy under its own name
        yield
        return
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def report_folder(tmp_path_factory):
    """``report_folder(kind)``: path the report of ``kind`` is made from (built on first use, then cached)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "vpp-report-folders"
    shared.mkdir(parents=True, exist_ok=True)
    cache: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in cache:
            done = shared / f"{kind}.done"
            with _locked(shared / f"{kind}.lock"):
                if not done.exists():
                    t0 = time.perf_counter()
                    target = folders.build(kind, shared / kind)
                    done.write_text(f"{target}\n{time.perf_counter() - t0:.2f}\n", encoding="utf-8")
            cache[kind] = Path(done.read_text(encoding="utf-8").splitlines()[0])
        return cache[kind]

    return get
