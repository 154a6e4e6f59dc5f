"""Benchmark: full-year 15-min rolling evaluation (project + baseline) of one park and of the district.

Prints per-window build / update / HiGHS / extract times and the time around HiGHS (data update,
reading the solution, committing the day) against HiGHS' own time. The window model is built once per
run and held by one solve session (never rebuilt) between days. For the kernel's targets see
bench_kernel.py.

    python benchmarks/bench_evaluate.py [--only park|district] [--days N]
"""

from __future__ import annotations

import argparse
import time

from scenarios import load
from vpp.evaluation.year import evaluate


def bench(name: str, scenario: str, days: int | None, park: str | None = None) -> None:
    t0 = time.perf_counter()
    ev = evaluate(load(scenario), year=2025, days=days, park=park)
    wall = time.perf_counter() - t0
    print(f"\n== {name}: {ev.kpis['days']} days, wall {wall:.1f} s "
          f"(project {ev.timings_s['project_s']:.1f} s, baseline {ev.timings_s['baseline_s']:.1f} s)")
    for run, s in (("project", ev.project), ("baseline", ev.baseline)):
        w = s.windows
        around, hi = w["around_s"].sum(), w["highs_s"].sum()
        print(f"  {run:8s} windows {len(w):4d}  build {w['build_s'].sum():6.2f} s (once)  "
              f"update {w['update_s'].mean() * 1e3:6.1f} ms/window  solve wall {w['solve_wall_s'].mean() * 1e3:6.1f} ms/window  "
              f"HiGHS {w['highs_s'].mean() * 1e3:6.1f} ms/window  extract {w['extract_s'].mean() * 1e3:6.1f} ms/window")
        print(f"  {run:8s} HiGHS {hi:.2f} s, around HiGHS {around:.2f} s ({around / hi:.2f} x HiGHS)")
    print(f"  annual bill project {ev.kpis['project']['total_cost_cny']:,.0f} CNY, baseline "
          f"{ev.kpis['baseline']['total_cost_cny']:,.0f} CNY, NPV {ev.kpis['economics']['npv_cny']:,.0f} CNY")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["park", "district"], default=None)
    ap.add_argument("--days", type=int, default=None, help="fewer days for a quick check")
    a = ap.parse_args()
    if a.only in (None, "park"):
        bench("one park-year (single_park)", "single_park", a.days)
    if a.only in (None, "district"):
        bench("district-year (yuhua_district)", "yuhua_district", a.days)
