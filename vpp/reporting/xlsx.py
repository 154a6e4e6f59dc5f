"""The report's summary and main tables as an Excel workbook (openpyxl): one sheet per table, headers
with units, labels in the report's language. Written atomically beside the HTML."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from vpp.reporting.catalogue import Catalogue


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    base = re.sub(r"\s+", " ", re.sub(r"[\[\]:*?/\\]", " ", title)).strip()[:31] or "sheet"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


def write_workbook(path: Path, cat: Catalogue, title: str, rep) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    used: set[str] = set()
    ws.title = sheet_name(cat.t("tab.summary"), used)
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append([cat.t("sum.studied")])
    for k, v in rep.summary.studied:
        ws.append([k, v])
    ws.append([])
    ws.append([cat.t("sum.answer")])
    ws.append([cat.t("sum.figure"), cat.t("sum.value")])
    for f in rep.summary.answer:
        ws.append([f.label, f.text])
    ws.append([])
    ws.append([cat.t("sum.assumptions")])
    for a in rep.summary.assumptions:
        ws.append([a])
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 70
    for name, df in rep.tables:
        sh = wb.create_sheet(sheet_name(name, used))
        df = pd.DataFrame(df)
        sh.append([str(c) for c in df.columns])
        for c in sh[1]:
            c.font = Font(bold=True)
        for row in df.itertuples(index=False):
            sh.append([_cell(v) for v in row])
        for i, c in enumerate(df.columns):
            sh.column_dimensions[sh.cell(1, i + 1).column_letter].width = min(45, max(10, len(str(c)) + 2))
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _cell(v):
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v if isinstance(v, (int, float, str, bool)) else str(v)
