"""Reading measured meter data: a year of 15 min values of 100 meters, read, checked and resampled.

    python benchmarks/bench_data.py [--meters 100] [--only wide_csv,wide_parquet,daily96_csv,daily96_xlsx]

Workloads (files generated in a temp folder first, generation not timed):

* ``wide_csv``: one CSV, a timestamp column (interval-ending, 00:15 … 24:00) and one kW column per meter;
* ``wide_parquet``: the same table as Parquet (timestamp column as datetime64);
* ``daily96_csv``: one row per meter and day (表号, 日期, 00:15 … 24:00 in kWh), meters stacked as row
  groups: the usual export of a metering system (用电信息采集系统);
* ``daily96_xlsx``: the same as Excel, ``--xlsx-meters`` meters (openpyxl reads ≈ 1 M cells in ~3 s,
  so the full 100 meters take long; the time is also given per meter).

Each timer covers, for every meter, :func:`vpp.measured.read_table` (file read once and cached, then
checks, grid, unit) and :func:`vpp.measured.resample_energy` to 15 and 60 min, from a cold cache.
Target: ≤ 2 s per layout for 100 meters on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 2.0
YEAR = 2024


def synthetic_kw(n_meters: int, seed: int = 1) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """A year of 15 min mean power [kW], interval-beginning, (steps × meters)."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range(f"{YEAR}-01-01", f"{YEAR + 1}-01-01", freq="15min", inclusive="left")
    h = idx.hour.to_numpy() + idx.minute.to_numpy() / 60
    day = 0.55 + 0.45 * np.clip(np.sin((h - 6) / 14 * np.pi), 0, None)
    peaks = rng.uniform(200, 3000, n_meters)
    kw = day[:, None] * peaks[None, :] * rng.uniform(0.9, 1.1, (len(idx), n_meters))
    return idx, np.round(kw, 2)


def write_files(folder: Path, n_meters: int, xlsx_meters: int, only: set[str]) -> dict[str, tuple[Path, list]]:
    idx, kw = synthetic_kw(n_meters)
    names = [f"M{i:03d}" for i in range(n_meters)]
    files = {}
    ending = (idx + pd.Timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M")
    if "wide_csv" in only:
        p = folder / "wide.csv"
        pd.DataFrame(kw, columns=names).assign(**{"时间": ending}).loc[:, ["时间", *names]].to_csv(p, index=False)
        files["wide_csv"] = (p, names)
    if "wide_parquet" in only:
        p = folder / "wide.parquet"
        df = pd.DataFrame(kw, columns=names)
        df.insert(0, "time", idx + pd.Timedelta(minutes=15))
        df.to_parquet(p, index=False)
        files["wide_parquet"] = (p, names)
    hdr = [f"{(m // 60):02d}:{m % 60:02d}" for m in range(15, 1441, 15)]
    days = idx[::96].strftime("%Y-%m-%d")

    def daily(n):
        kwh = kw[:, :n] * 0.25  # kWh per 15 min
        blocks = []
        for j in range(n):
            b = pd.DataFrame(kwh[:, j].reshape(-1, 96), columns=hdr)
            b.insert(0, "日期", days)
            b.insert(0, "表号", names[j])
            blocks.append(b)
        return pd.concat(blocks, ignore_index=True)

    if "daily96_csv" in only:
        p = folder / "daily96.csv"
        daily(n_meters).to_csv(p, index=False, encoding="gbk")
        files["daily96_csv"] = (p, names)
    if "daily96_xlsx" in only:
        p = folder / "daily96.xlsx"
        daily(xlsx_meters).to_excel(p, index=False, sheet_name="日冻结96点")
        files["daily96_xlsx"] = (p, names[:xlsx_meters])
    return files


def bench(kind: str, path: Path, meters: list[str]) -> tuple[float, float, float]:
    """(total s, first meter s, energy check) of reading and resampling every meter from a cold cache."""
    from scenarios.data_schema import ProfileFile
    from vpp.measured import clear_cache, read_table, resample_energy

    clear_cache()
    t0 = time.perf_counter()
    first = None
    worst = 0.0
    for m in meters:
        spec = ProfileFile(path=str(path), **({"meter": m, "unit": "kWh"} if kind.startswith("daily") else {"column": m}))
        ms = read_table(spec)
        p15 = resample_energy(ms.p_mw, 15)
        p60 = resample_energy(ms.p_mw, 60)
        if first is None:
            first = time.perf_counter() - t0
        e = ms.energy_mwh
        worst = max(worst, abs(p15.sum() * 0.25 - e) / e, abs(p60.sum() - e) / e)
    return time.perf_counter() - t0, first, worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--meters", type=int, default=100)
    ap.add_argument("--xlsx-meters", type=int, default=10)
    ap.add_argument("--only", default="wide_csv,wide_parquet,daily96_csv,daily96_xlsx")
    args = ap.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        files = write_files(Path(tmp), args.meters, args.xlsx_meters, only)
        print(f"files generated in {time.perf_counter() - t0:.1f} s (not timed below): "
              + ", ".join(f"{k} {p.stat().st_size / 1e6:.1f} MB" for k, (p, _) in files.items()))
        print(f"\n{'layout':<14} {'meters':>6} {'total [s]':>10} {'file read + 1st [s]':>20} "
              f"{'per further meter [ms]':>23} {'max energy error':>17} {'vs target ' + str(TARGET_S) + ' s':>16}")
        for kind, (path, meters) in files.items():
            total, first, err = bench(kind, path, meters)
            rest = (total - first) / max(1, len(meters) - 1) * 1e3
            n = len(meters)  # a smaller file: reading scales with its size, so both parts scale with the meters
            scaled = total if n == args.meters else first * args.meters / n + rest / 1e3 * (args.meters - 1)
            note = "" if n == args.meters else f" (file of {n} meters; estimate for {args.meters}: {scaled:.1f} s)"
            verdict = "met" if scaled <= TARGET_S else "not met"
            print(f"{kind:<14} {len(meters):>6} {total:>10.2f} {first:>20.2f} {rest:>23.1f} {err:>17.1e} "
                  f"{scaled / TARGET_S:>9.2f}× {verdict}{note}")


if __name__ == "__main__":
    main()
