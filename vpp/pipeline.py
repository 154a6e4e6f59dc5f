"""The one place that runs the steps of a simulation in order.

``scenario -> profiles -> network -> model data -> Pyomo model -> HiGHS -> result tables -> AC check ->
KPIs -> run folder``. Each step is a function that tests and notebooks can call alone; DR, capacity,
VPP and evaluation reuse them instead of forking the pipeline.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

import vpp.assets  # noqa: F401  (registers the asset kinds)
from network_models import attach_assets, build_grid, park_capacity_mva, run_timeseries
from optimization import AssetInput, ModelData, ParkInput, build_model, fix_baseline
from optimization.results import DispatchResult, extract
from optimization.solve import Solver
from scenarios.schema import Scenario
from vpp.kpis import dispatch_kpis, grid_kpis
from vpp.profiles import Profiles, build_profiles

STRATEGIES = ("optimised", "baseline")
IMPORT_LIMIT_POWER_FACTOR = 0.95  # default connection limit = n × Sn × 0.95 [MW]


@dataclass
class Prepared:
    """Inputs of a run that do not depend on the strategy."""

    scenario: Scenario
    profiles: Profiles
    grid: Any
    elements: Any
    capacity_mva: dict[str, float | None]
    timings_s: dict[str, float] = field(default_factory=dict)


@dataclass
class RunResult:
    scenario: Scenario
    prepared: Prepared
    dispatch: DispatchResult
    ac: Any | None
    kpis: dict[str, Any]
    timings_s: dict[str, float]


def prepare(scn: Scenario) -> Prepared:
    """Profiles (seeded) and the pandapower grid with one element per asset."""
    t0 = time.perf_counter()
    profiles = build_profiles(scn)
    t1 = time.perf_counter()
    grid = build_grid(scn)
    elements = attach_assets(grid, scn)
    capacity = {p.name: park_capacity_mva(grid, p.name) for p in scn.parks}
    t2 = time.perf_counter()
    return Prepared(scn, profiles, grid, elements, capacity, {"profiles_s": t1 - t0, "network_s": t2 - t1})


def park_inputs(scn: Scenario, capacity_mva: dict[str, float | None]) -> list[ParkInput]:
    """Connection limits: explicit values, else ``n × Sn × 0.95`` of the park's transformers, else none."""
    out = []
    for p in scn.parks:
        c = p.connection
        cap = capacity_mva.get(p.name)
        imp = c.p_import_max_mw if c.p_import_max_mw is not None else (cap * IMPORT_LIMIT_POWER_FACTOR if cap else None)
        exp = c.p_export_max_mw if c.p_export_max_mw is not None else imp
        out.append(ParkInput(p.name, [a.name for a in p.assets], imp, exp, c.no_reverse_flow))
    return out


def asset_inputs(scn: Scenario, profiles: Profiles) -> dict[str, list[AssetInput]]:
    """Assets grouped by kind, each with the profile arrays its block reads."""
    out: dict[str, list[AssetInput]] = {}
    for park, a in scn.assets():
        prof: dict[str, Any] = {}
        if a.name in profiles.load_mw:
            prof["p_load_mw"] = profiles.load_mw[a.name].to_numpy(dtype=float)
        if a.name in profiles.pv_available_mw:
            prof["p_available_mw"] = profiles.pv_available_mw[a.name].to_numpy(dtype=float)
        if a.name in profiles.ev_sessions:
            prof["sessions"] = profiles.ev_sessions[a.name]
        out.setdefault(a.kind, []).append(AssetInput(a.name, park.name, a, prof))
    return out


def export_price_for_model(profiles: Profiles) -> np.ndarray:
    """Export price the LP sees [CNY/MWh]: ``min(export price, import price)`` at each step.

    One meter cannot import and export in the same interval. The LP cost ``price * import -
    export_price * export`` is convex in the net flow only where ``export_price <= price``; in steps
    where the export price is above the import price (e.g. 0.35 CNY/kWh export against the 0.24 midday
    valley) the LP would buy at the valley price and sell its own PV at the export price in the same
    step. Capping the export price at the import price removes that arbitrage and keeps the model an LP;
    the flows are netted per step in :func:`optimization.results.extract`. Export in such steps is
    valued at the (lower) import price: a conservative estimate of the export revenue.
    """
    export = np.asarray(profiles.export_price_cny_per_mwh, dtype=float)
    return np.minimum(export, profiles.prices["price_cny_per_mwh"].to_numpy(dtype=float))


def model_data(scn: Scenario, profiles: Profiles, capacity_mva: dict[str, float | None]) -> ModelData:
    """Plain optimisation inputs from a scenario and its profiles."""
    demand = scn.tariff.demand_charge_cny_per_mw_month if scn.tariff.billing == "two_part_demand" else 0.0
    return ModelData(
        index=profiles.index,
        dt_h=profiles.dt_h,
        price_cny_per_mwh=profiles.prices["price_cny_per_mwh"].to_numpy(dtype=float),
        export_price_cny_per_mwh=export_price_for_model(profiles),
        month=np.asarray(profiles.month, dtype=str),
        demand_charge_cny_per_mw_month=demand,
        parks=park_inputs(scn, capacity_mva),
        assets=asset_inputs(scn, profiles),
    )


def dispatch(prep: Prepared, strategy: str = "optimised") -> DispatchResult:
    """Build the LP, apply the strategy, solve with HiGHS and return the result tables."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy '{strategy}' (choose from {', '.join(STRATEGIES)})")
    scn = prep.scenario
    t0 = time.perf_counter()
    data = model_data(scn, prep.profiles, prep.capacity_mva)
    dm = build_model(data)
    if strategy == "baseline":
        fix_baseline(dm)
    t1 = time.perf_counter()
    info = Solver(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap).solve()
    t2 = time.perf_counter()
    res = extract(dm, info, strategy=strategy)
    res.parks["period"] = np.tile(prep.profiles.prices["period"].to_numpy(), len(scn.parks))
    t3 = time.perf_counter()
    res.timings_s = {"build_s": t1 - t0, "solve_s": t2 - t1, "extract_s": t3 - t2}
    return res


def ac_check(prep: Prepared, res: DispatchResult, progress: bool = False):
    """AC power flow of every step of a dispatch (engine: ``scenario.ac_check.engine``)."""
    engine = run_timeseries
    if prep.scenario.ac_check.engine == "power_grid_model":
        from network_models.batch import run_timeseries_batch as engine
    return engine(prep.grid, prep.elements, res.p_inject_wide(), res.q_inject_wide(), progress=progress)


def run(
    scn: Scenario,
    strategy: str = "optimised",
    *,
    out_dir: str | Path | None = None,
    csv: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> RunResult:
    """Run a scenario end to end and (optionally) write the run folder."""
    say = log or (lambda msg: None)
    t_start = time.perf_counter()
    say(f"profiles and network for '{scn.name}' ({scn.horizon.days} day(s) from {scn.horizon.start})")
    prep = prepare(scn)
    say(f"dispatch ({strategy})")
    constrained = None
    if scn.network_constraints.mode == "linear" and strategy == "optimised":
        from vpp.closed_loop import run_constrained  # network-constrained dispatch (closed loop with AC)

        constrained = run_constrained(prep, strategy, log=say)
        res = constrained.dispatch
        res.timings_s = {"network_constrained_" + k: v for k, v in constrained.timings_s.items()}
    else:
        res = dispatch(prep, strategy)
    ac = None
    t_ac = 0.0
    if constrained is not None and scn.ac_check.enabled:
        ac = constrained.ac  # the closed loop's last AC power flow of this very dispatch
    elif scn.ac_check.enabled:
        say(f"AC power flow of {len(prep.profiles.index)} steps")
        t0 = time.perf_counter()
        ac = ac_check(prep, res, progress=progress)
        t_ac = time.perf_counter() - t0
    kpis = dispatch_kpis(scn, res, prep.profiles.dt_h, prep.capacity_mva)
    if ac is not None:
        kpis.update(grid_kpis(ac, prep.profiles.dt_h))
    kpis["solver"] = res.solve.as_dict() if res.solve else None
    if constrained is not None:
        kpis["network_constraints"] = constrained.kpis()
    timings = {**prep.timings_s, **res.timings_s, "ac_check_s": t_ac}
    result = RunResult(scn, prep, res, ac, kpis, timings)
    if out_dir is not None:
        from vpp.outputs import write_run

        t0 = time.perf_counter()
        write_run(result, Path(out_dir), csv=csv)
        timings["write_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - t_start
    kpis["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    if out_dir is not None:
        from vpp.outputs import write_json

        write_json(Path(out_dir) / "kpis.json", kpis)
    return result
