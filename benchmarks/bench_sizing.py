"""Benchmark: the sizing LP of ``vpp evaluate --size pv,battery`` (perfect foresight over the period).

Prints the wall time of profile building and of the sizing LP (build + HiGHS) and the chosen sizes, for
one park over N days (default 7, 30 and 365) — a full park-year is one LP of 35 040 steps.

    python benchmarks/bench_sizing.py [--scenario single_park] [--days 7 30 365] [--park NAME]
"""

from __future__ import annotations

import argparse
import time

from scenarios import load
from vpp.evaluation.year import extended_data, year_scenario
from vpp.evaluation.sizing import size_project


def bench(scenario: str, days: int, park: str | None) -> None:
    scn = load(scenario)
    if park:
        scn = scn.model_copy(update={"parks": [p for p in scn.parks if p.name == park]})
    scn = year_scenario(scn, 2025, days)
    t0 = time.perf_counter()
    full = extended_data(scn, 0.0)[0]
    t1 = time.perf_counter()
    res = size_project(scn, ("pv", "battery"), full, days)
    t2 = time.perf_counter()
    sizes = ", ".join(f"{r.asset}.{r.quantity}={r.size_kilo:,.0f}" for r in res.table.itertuples())
    print(f"{scenario}{'/' + park if park else ''} {days:4d} days ({full.n_t} steps): profiles {t1 - t0:6.1f} s, "
          f"sizing LP {t2 - t1:6.1f} s | {sizes} | capex {res.annualised_capex_cny:,.0f} CNY/yr", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="single_park")
    ap.add_argument("--days", type=int, nargs="+", default=[7, 30, 365])
    ap.add_argument("--park", default=None)
    a = ap.parse_args()
    for d in a.days:
        bench(a.scenario, d, a.park)
