"""Report of a district-year evaluation: size and time of ``vpp report`` (target: <= 15 MB, <= 10 s).

Writes the report of an evaluate folder (argument; default ``runs/bench_report_evy``, built first with
``vpp evaluate yuhua_district --year 2025 --no-floating-sensitivity --out …`` when absent — a few minutes)
and prints the file size, the total time and its split: read (folder kind, JSON, scenario), charts (tables
read on demand + figure specs + KPI tables), font + plotly.js (read once per process), html (assembly),
write (atomic write); with ``--xlsx`` the workbook too. The report goes to a temporary file (the folder
may be read-only) unless ``--out`` is given.

Run: ``python benchmarks/bench_report.py [EVALUATE_FOLDER] [--lang zh|en] [--xlsx] [--out FILE]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_MB = 15.0
TARGET_S = 10.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default="runs/bench_report_evy")
    ap.add_argument("--lang", choices=["zh", "en"], default=None)
    ap.add_argument("--xlsx", action="store_true")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    folder = Path(a.folder)
    if not (folder / "kpis.json").exists():
        print(f"building {folder} (vpp evaluate yuhua_district --year 2025) ...", flush=True)
        subprocess.run([sys.executable, "-m", "cli", "evaluate", "yuhua_district", "--year", "2025", "--no-floating-sensitivity",
                        "--out", str(folder)], check=True)
    from vpp.reporting import write_report

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(a.out) if a.out else Path(tmp) / "report.html"
        tm: dict[str, float] = {}
        path = write_report(folder, out=out, lang=a.lang, xlsx=a.xlsx, timings=tm)
        size_mb = path.stat().st_size / 1e6
        print(f"report of {folder}: {size_mb:.2f} MB (target <= {TARGET_MB:g} MB)")
        print(f"total {tm['total_s']:.2f} s (target <= {TARGET_S:g} s): read {tm['read_s']:.2f} s, charts {tm['charts_s']:.2f} s, "
              f"font + plotly.js {tm['font_s']:.2f} s, html {tm['html_s']:.2f} s, write {tm['write_s']:.2f} s"
              + (f", xlsx {tm['xlsx_s']:.2f} s" if "xlsx_s" in tm else ""))
        if a.xlsx:
            print(f"workbook: {path.with_suffix('.xlsx').stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
