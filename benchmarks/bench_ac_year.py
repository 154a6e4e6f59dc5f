"""AC check of one year at 15 min (35,040 steps) on the reference district: batch engine vs pandapower.

Injections (no optimiser): the *baseline rule* of ``--strategy baseline`` evaluated directly from the
profiles of ``scenarios/yuhua_district.yaml`` with horizon 2025-01-01 + 365 days:

* fixed and interruptible loads consume their profile (``p_inject = −load_mw``, Q from ``cos_phi``);
* PV injects all it has available (``p_inject = pv_available_mw``, unity pf);
* EVs charge on arrival at full power until each session's energy is delivered
  (:func:`vpp.assets.ev_charging.greedy_profile`, the rule of the baseline strategy);
* batteries idle (0 MW).

Timed: profiles (not part of the target), the batch engine for the whole year (PGM model build +
update data + batch Newton-Raphson + result tables, ``threads`` = 2), and pandapower ``run_timeseries``
on a sample of consecutive steps (from mid-year), extrapolated to 35,040 steps. The two engines are compared
on the sample. Target: the year in <= 5 s wall on 2 cores with the batch engine.

Run: ``python benchmarks/bench_ac_year.py [--sample 200] [--threads 2]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

TARGET_S = 5.0


def year_injections(scn, profiles) -> pd.DataFrame:
    """time × asset injection [MW] of the baseline rule (see the module doc;
    :func:`vpp.evaluation.hosting_year.rule_injections`)."""
    from vpp.evaluation.hosting_year import rule_injections

    return rule_injections(scn, profiles)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=200, help="consecutive pandapower steps to time")
    ap.add_argument("--threads", type=int, default=2, help="PGM threads (0 = all hardware threads)")
    args = ap.parse_args()

    from network_models import attach_assets, build_grid, run_timeseries
    from network_models.batch import run_timeseries_batch
    from scenarios import load
    from vpp.profiles import build_profiles

    scn = load("yuhua_district", days=365, start="2025-01-01")
    t0 = time.perf_counter()
    prof = build_profiles(scn)
    p = year_injections(scn, prof)
    t_prof = time.perf_counter() - t0
    n = len(p)
    print(f"scenario yuhua_district, {n} steps at {scn.horizon.resolution_min} min, {p.shape[1]} assets; "
          f"profiles + baseline injections {t_prof:.1f} s (not timed below)")
    print(f"  year: load {-p[p < 0].sum().sum() * prof.dt_h:,.0f} MWh (incl. EV), PV {p[p > 0].sum().sum() * prof.dt_h:,.0f} MWh")

    grid = build_grid(scn)
    el = attach_assets(grid, scn)
    t0 = time.perf_counter()
    bat = run_timeseries_batch(grid, el, p, threads=args.threads)
    t_bat = time.perf_counter() - t0
    nc = bat.n_not_converged
    print(f"batch engine (power-grid-model, threads={args.threads}): {t_bat:.2f} s for {n} steps = "
          f"{t_bat / n * 1e6:.1f} us/step; non-converged {nc}; violations {len(bat.violations)}; "
          f"vm {bat.summary['vm_min_pu'].min():.4f}-{bat.summary['vm_max_pu'].max():.4f} pu; "
          f"max loading line {bat.summary['line_loading_max_percent'].max():.1f} %, "
          f"trafo {bat.summary['trafo_loading_max_percent'].max():.1f} %")

    start = n // 2  # consecutive steps (pandapower warm-starts from the previous step, as in a real run)
    pos = np.arange(start, min(n, start + args.sample))
    sample = p.iloc[pos]
    g2 = build_grid(scn)
    el2 = attach_assets(g2, scn)
    t0 = time.perf_counter()
    ref = run_timeseries(g2, el2, sample)
    t_pp = time.perf_counter() - t0
    per_pp = t_pp / len(pos)
    year_pp = per_pp * n
    print(f"pandapower run_timeseries: {t_pp:.2f} s for {len(pos)} consecutive steps from {p.index[start]:%Y-%m-%d %H:%M} = {per_pp * 1e3:.2f} ms/step "
          f"-> {year_pp:.0f} s extrapolated for the year")
    dv = np.nanmax(np.abs(bat.vm_pu.iloc[pos].to_numpy() - ref.vm_pu.to_numpy()))
    rl = np.nanmax(np.abs(bat.line_loading_percent.iloc[pos].to_numpy() - ref.line_loading_percent.to_numpy())
                   / ref.line_loading_percent.to_numpy())
    rt = np.nanmax(np.abs(bat.trafo_loading_percent.iloc[pos].to_numpy() - ref.trafo_loading_percent.to_numpy())
                   / ref.trafo_loading_percent.to_numpy())
    print(f"agreement on the sample: max |dV| {dv:.1e} pu, max relative loading difference line {rl:.1e}, trafo {rt:.1e}")
    print(f"speed-up batch vs pandapower: {year_pp / t_bat:.0f}x")
    print(f"target year <= {TARGET_S:.0f} s with the batch engine: {'MET' if t_bat <= TARGET_S else 'NOT MET'} ({t_bat:.2f} s)")


if __name__ == "__main__":
    main()
