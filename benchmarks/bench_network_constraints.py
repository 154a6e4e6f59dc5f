"""Model build and solve time with and without network constraints (1-day reference district).

Usage: ``python benchmarks/bench_network_constraints.py [scenario ...]`` (default: yuhua_district and
grid_stress). Prints, per scenario: the plain dispatch (build, solve), the closed loop with
``network_constraints: linear`` (rounds, linear rows, time per stage) and the ratio.
"""

from __future__ import annotations

import sys
import time

from scenarios import load
from vpp.closed_loop import run_constrained
from vpp.pipeline import dispatch, prepare


def bench(name: str) -> None:
    scn = load(name)
    scn = scn.model_copy(update={"network_constraints": scn.network_constraints.model_copy(update={"mode": "linear"})})
    prep = prepare(scn)
    t0 = time.perf_counter()
    res = dispatch(prep)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    cr = run_constrained(prep)
    t_lin = time.perf_counter() - t0
    k = cr.kpis()
    tm = cr.timings_s
    rows = int(cr.rounds.n_rows.max())
    print(f"{name}: {len(prep.profiles.index)} steps, {len(scn.parks)} parks")
    print(f"  plain dispatch        build {res.timings_s['build_s']:.2f} s, solve {res.timings_s['solve_s']:.2f} s, "
          f"total {t_plain:.2f} s")
    print(f"  network-constrained   {k['rounds']} round(s), {rows} linear rows, violations "
          f"{k['violations_unconstrained']} -> {k['remaining_violations']}, cost of grid {k['cost_of_grid_cny']:,.0f} CNY")
    print(f"                        build {tm['build_s']:.2f} s, solve {tm['solve_s']:.2f} s (all rounds), "
          f"linearise {tm['linearise_s']:.2f} s, network block {tm['network_build_s']:.2f} s, AC {tm['ac_s']:.2f} s, "
          f"total {t_lin:.2f} s ({t_lin / t_plain:.1f}x the plain dispatch)")


def bench_forced(name: str) -> None:
    """One constrained round with EVERY checked bus and branch end watched (worst-case model size)."""
    from network_models.linear import ac_points, constraint_rows, linearise_at
    from optimization import build_model
    from optimization.network import LinearRows, add_network_constraints
    from optimization.session import solve
    from vpp.pipeline import model_data

    scn = load(name)
    prep = prepare(scn)
    park_of = {a.name: p.name for p, a in scn.assets()}
    park_bus = {p.name: prep.grid.park_bus[p.name] for p in scn.parks}
    res = dispatch(prep)
    ops = ac_points(prep.grid, prep.elements, res.p_inject_wide(), res.q_inject_wide(), park_of)
    t0 = time.perf_counter()
    lin = linearise_at(prep.grid, prep.elements, res.p_inject_wide(), res.q_inject_wide(), 0, park_bus, park_of)
    t1 = time.perf_counter()
    nw = scn.network
    rows = LinearRows(**constraint_rows(lin, ops, vm_min_pu=nw.vm_min_pu, vm_max_pu=nw.vm_max_pu,
                                        loading_max_percent=nw.loading_max_percent, watch_buses=ops.bus_names,
                                        watch_ends=ops.ends.names))
    dm = build_model(model_data(scn, prep.profiles, prep.capacity_mva))
    t2 = time.perf_counter()
    add_network_constraints(dm, rows, pf_min={p.name: p.connection.pf_min for p in scn.parks})
    t3 = time.perf_counter()
    info = solve(dm)
    t4 = time.perf_counter()
    print(f"  forced full round     {rows.n_rows} rows ({len(ops.bus_names)} buses + {len(ops.ends.names)} branch ends "
          f"x {len(ops.index)} steps): linearise {t1 - t0:.2f} s, network block {t3 - t2:.2f} s, solve {t4 - t3:.2f} s "
          f"({info.n_variables} variables, {info.n_constraints} constraints)")


if __name__ == "__main__":
    for n in sys.argv[1:] or ["yuhua_district", "grid_stress"]:
        bench(n)
        bench_forced(n)
