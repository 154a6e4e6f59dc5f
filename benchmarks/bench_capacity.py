"""`vpp capacity` on the reference district (8 parks + the district): K sampled days × called windows.

Timed: the whole study as the CLI runs it (grid, each day's profiles, one model and solve session per
scope and day, normal solve, the window re-solves, the best-hour sweep on its days, statistics, the AC
check of every summary row, the run folder with plots), in worker processes (``--jobs``, default 2).
Printed beside the wall time: the LP solves and the **solver-only time** (HiGHS runs alone, summed over
the worker processes; divide by the processes for its share of the wall time).

Case of the issue: K = 20 summer working days and 3 called windows (16:00-20:00, 20:00-22:00,
20:00-24:00), default durations 0.5/1/2/4 h, best-hour sweep on 3 of the days (the default). Target: <= 60 s on 2 cores.

Run: ``python benchmarks/bench_capacity.py [--samples 20] [--windows 16:00-20:00,20:00-22:00,20:00-24:00] [--jobs 2]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default="20", help="comma-separated K values (days)")
    ap.add_argument("--windows", default="16:00-20:00,20:00-22:00,20:00-24:00", help="called windows")
    ap.add_argument("--best-hour-days", type=int, default=None, help="default: the scenario's (3)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    ks = [int(k) for k in args.samples.split(",")]

    t0 = time.perf_counter()
    from scenarios import load
    from vpp.capacity_study.study import make_settings, run_capacity

    scn = load("yuhua_district")
    print(f"imports + scenario: {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for k in ks:
            settings = make_settings(scn, samples=k, jobs=args.jobs, windows=args.windows,
                                     best_hour_days=args.best_hour_days)
            t = time.perf_counter()
            res = run_capacity(scn, settings, out_dir=Path(tmp) / f"cap-k{k}")
            wall = time.perf_counter() - t
            m = res.meta
            print(
                f"K={k} days, {len(settings.windows)} windows ({args.windows}), {len(settings.parks)} parks + district, "
                f"best-hour sweep on {len(settings.best_hour_days)} day(s), {args.jobs} process(es):\n"
                f"  total {wall:6.2f} s wall; solver only (HiGHS) {m['solver_s']:.2f} s summed over processes "
                f"(≈ {m['solver_s'] / args.jobs:.2f} s of the wall time); {m['n_solves']} LP solves, "
                f"{m['solver_s'] / max(m['n_solves'], 1) * 1e3:.2f} ms HiGHS per solve; AC check {m['ac_check_s']:.2f} s"
                + (f"\n  target <= {TARGET_S:.0f} s: {'met' if wall <= TARGET_S else 'MISSED'}" if k == 20 else "")
            )


if __name__ == "__main__":
    main()
