"""``vpp report PATH``: one self-contained, offline HTML report of a result folder, summary first, in
Chinese or English; optionally the summary and main tables as an Excel workbook.

Modules, one job each: :mod:`~vpp.reporting.catalogue` (every text in zh and en), :mod:`~vpp.reporting.load`
(which study wrote the folder, its tables), :mod:`~vpp.reporting.summary` (plain-words summary),
:mod:`~vpp.reporting.figures` (plotly figure-spec building blocks), :mod:`~vpp.reporting.charts` (dispatch
charts), :mod:`~vpp.reporting.charts_year` (an evaluation's year), :mod:`~vpp.reporting.charts_events` (DR,
capacity, VPP, sweep), :mod:`~vpp.reporting.tables` (KPI tables, appendix),
:mod:`~vpp.reporting.sections` (what each kind of report shows), :mod:`~vpp.reporting.html` (the page),
:mod:`~vpp.reporting.xlsx` (the workbook).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from vpp.errors import VppError
from vpp.reporting.load import detect_kind, load_study
from vpp.reporting.sections import SECTIONS

__all__ = ["SECTIONS", "detect_kind", "write_report", "default_out"]


def default_out(path: Path) -> Path:
    """``report.html`` in a result folder; ``<stem>.report.html`` beside a sweep table."""
    path = Path(path)
    return path.with_name(f"{path.stem}.report.html") if path.is_file() else path / "report.html"


def write_report(path: str | Path, out: str | Path | None = None, lang: str | None = None, xlsx: bool = False,
                 timings: dict[str, float] | None = None) -> Path:
    """Write the report of ``path`` (result folder or sweep table) atomically and return the HTML path.

    ``lang``: ``zh`` | ``en`` (default: the scenario's ``report.lang``, else ``en``); ``xlsx``: also write
    the workbook (``<out stem>.xlsx`` beside the HTML). ``timings`` (optional) receives the split
    ``read_s``, ``charts_s``, ``html_s``, ``xlsx_s``, ``write_s`` [s]."""
    from vpp.reporting import html as page_mod
    from vpp.reporting.catalogue import Catalogue
    from vpp.reporting.sections import build_report

    t0 = time.perf_counter()
    tm = timings if timings is not None else {}
    path = Path(path)
    study = load_study(path)
    out = Path(out) if out else default_out(path)
    cat = Catalogue(lang or study.default_lang())
    tm["read_s"] = time.perf_counter() - t0
    try:
        t1 = time.perf_counter()
        rep = build_report(cat, study)
        tm["charts_s"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        page_mod.font_base64()
        page_mod.plotly_js()
        tm["font_s"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        kind_label = cat.t(f"kind.{study.kind}")
        title = cat.t("title.of", kind=kind_label, name=study.description or study.name)
        subtitle = f"{study.name} · {cat.t('title.generated', folder=path.name)}"
        text = page_mod.page(cat, study.kind, title, subtitle, rep.sections, rep.figures)
        tm["html_s"] = time.perf_counter() - t1
    except VppError:
        raise
    except Exception as exc:  # a corrupt or foreign table in the folder: name the folder, not pandas
        raise VppError(f"'{path}' cannot be reported: a result file is unreadable or not vpp's "
                       f"({type(exc).__name__}: {str(exc)[:120]})") from None
    t1 = time.perf_counter()
    _atomic_write(out, text.encode("utf-8"))
    tm["write_s"] = time.perf_counter() - t1
    if xlsx:
        from vpp.reporting.xlsx import write_workbook

        t1 = time.perf_counter()
        try:
            write_workbook(out.with_suffix(".xlsx"), cat, title, rep)
        except OSError as exc:
            raise VppError(f"cannot write the workbook '{out.with_suffix('.xlsx')}' ({type(exc).__name__}: {exc})") from None
        tm["xlsx_s"] = time.perf_counter() - t1
    tm["total_s"] = time.perf_counter() - t0
    return out


def _atomic_write(out: Path, data: bytes) -> None:
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, out)
    except OSError as exc:
        raise VppError(f"cannot write the report '{out}' ({type(exc).__name__}: {exc.strerror or exc}); choose another --out") from None
    finally:
        if tmp.exists():
            tmp.unlink()
