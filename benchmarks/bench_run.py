"""Time `vpp run` on the reference district: 1 day and 7 days, split by stage.

Usage: python benchmarks/bench_run.py [--days 1 7] [--scenario yuhua_district]

Prints, per horizon: wall time of the whole command in a fresh process (imports included), and the
in-process split: profile generation, network build, Pyomo model build, HiGHS solve, result
extraction, AC check (pandapower, every step) and writing the run folder; then the ratio of Pyomo build
to HiGHS solve time. Target (issue #2): 1-day reference district < 10 s wall on 2 cores, imports
included.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="yuhua_district")
    ap.add_argument("--days", type=int, nargs="+", default=[1, 7])
    args = ap.parse_args()
    print(f"scenario {args.scenario}; python {sys.version.split()[0]}")
    header = f"{'days':>4} {'wall':>7} {'profiles':>9} {'network':>8} {'build':>7} {'solve':>7} {'extract':>8} {'ac':>7} {'write':>7} {'build/solve':>11}  steps/s(AC)"
    print(header)
    for days in args.days:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            t0 = time.perf_counter()
            p = subprocess.run(
                [sys.executable, "-m", "cli", "run", args.scenario, "--days", str(days), "--out", str(out), "--json"],
                capture_output=True, text=True,
            )
            wall = time.perf_counter() - t0
            if p.returncode != 0:
                print(p.stderr)
                sys.exit(1)
            k = json.loads((out / "kpis.json").read_text())
        t = k["timings_s"]
        steps = days * 96
        ratio = t["build_s"] / t["solve_s"] if t["solve_s"] else float("nan")
        print(
            f"{days:>4} {wall:>6.2f}s {t['profiles_s']:>8.2f}s {t['network_s']:>7.2f}s {t['build_s']:>6.2f}s "
            f"{t['solve_s']:>6.2f}s {t['extract_s']:>7.2f}s {t['ac_check_s']:>6.2f}s {t.get('write_s', 0):>6.2f}s "
            f"{ratio:>11.2f}  {steps / t['ac_check_s']:.0f}"
        )
        if days == 1:
            print(f"     target 1-day < 10 s wall: {'met' if wall < 10 else 'NOT met'} ({wall:.2f} s)")


if __name__ == "__main__":
    main()
