"""Benchmark: representative days (``vpp evaluate --representative-days K``) against the full-year rolling evaluation.

For one scenario and year, evaluates the whole year (rolling, project + baseline) and the same year from K
typical days with weights, and prints side by side: project and baseline bill [CNY], annual savings and
NPV [CNY], their relative error against the full year, the number of LP solves (rolling windows of the
project and the baseline) and the wall time with HiGHS' own time beside it. DR events and the floating
sensitivity are left out (the same for both).

    python benchmarks/bench_repdays.py [--scenario single_park] [--year 2025] [--k 12 20 24]
"""

from __future__ import annotations

import argparse
import time

from scenarios import load
from vpp.evaluation.year import evaluate


def _solves(ev) -> tuple[int, float]:
    """Number of LP solves (windows of project and baseline) and HiGHS time [s] summed over them."""
    n, highs = 0, 0.0
    for s in (ev.project, ev.baseline):
        if s.windows is not None:
            n += len(s.windows)
            col = "highs_s" if "highs_s" in s.windows else "solve_wall_s"
            highs += float(s.windows[col].sum()) if col in s.windows else 0.0
    return n, highs


def row(label: str, ev, wall: float, ref=None) -> None:
    k = ev.kpis
    bill_p, bill_b = k["project"]["total_cost_cny"], k["baseline"]["total_cost_cny"]
    npv, sav = k["economics"]["npv_cny"], k["economics"]["annual_savings_total_cny"]
    n, highs = _solves(ev)
    err = ""
    if ref is not None:
        rk = ref.kpis
        e = lambda a, b: (a - b) / abs(b)  # noqa: E731
        err = (f" | error vs year: bill project {e(bill_p, rk['project']['total_cost_cny']):+.2%}, baseline "
               f"{e(bill_b, rk['baseline']['total_cost_cny']):+.2%}, savings "
               f"{e(sav, rk['economics']['annual_savings_total_cny']):+.2%}, NPV {e(npv, rk['economics']['npv_cny']):+.2%}")
    print(f"{label:<22} bill project {bill_p:>12,.0f} baseline {bill_b:>12,.0f} savings {sav:>10,.0f} NPV {npv:>12,.0f} CNY"
          f" | {n:4d} solves, wall {wall:6.1f} s (HiGHS {highs:5.2f} s){err}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="single_park")
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--k", type=int, nargs="+", default=[12, 20, 24])
    a = ap.parse_args()
    scn = load(a.scenario)
    t0 = time.perf_counter()
    year = evaluate(scn, year=a.year, dr=False, floating_sensitivity=False)
    row("full year (rolling)", year, time.perf_counter() - t0)
    for k in a.k:
        t0 = time.perf_counter()
        ev = evaluate(scn, year=a.year, dr=False, floating_sensitivity=False, representative_days=k)
        row(f"{ev.kpis['representative_days']['k']} representative days", ev, time.perf_counter() - t0, year)
