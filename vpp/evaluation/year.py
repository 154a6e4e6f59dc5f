"""``vpp evaluate``: a (full-year) evaluation of the project against the no-project baseline.

* **project**: the scenario as given, optimised, with a rolling daily horizon (:mod:`vpp.rolling`) or one
  perfect-foresight solve over the whole period (``horizon='perfect'``);
* **baseline**: the scenario without the project's generation and storage (``economics.project_kinds``
  ``pv``/``battery`` removed) and every other asset unmanaged (``optimization.fix_baseline``: EVs charge
  on arrival, no interruption), solved with the rolling horizon (it makes no inter-temporal decisions).

Bill of each run per park [CNY]: ``energy = sum price·import·dt``, ``export = sum export_price·export·dt``,
``demand = demand_charge × sum_months max_t∈month import`` (full monthly charge on each month's peak),
``asset costs`` (curtailment, degradation, interruption compensation, EV unmet-energy penalty).

Savings split (baseline B − project P, summing exactly to the total saving):
``demand_charge = D_B − D_P``; ``export = X_P − X_B``; ``pv_self_consumption = sum price·(PV − export)⁺·dt``
(PV used on site valued at the import price); ``energy_arbitrage = (E_B − E_P) − pv_self_consumption``
(battery, EV and load shifting); ``asset_costs = A_B − A_P``; ``dr_revenue`` = net benefit of the scenario's
DR events in the period (:mod:`vpp.evaluation.dr_revenue`, on top of the bill difference, not annualised).

``size=('pv', 'battery')`` first chooses the sizes with one perfect-foresight LP over the period
(:mod:`vpp.evaluation.sizing`) and then evaluates the project with the chosen sizes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from optimization import build_model
from optimization.bill import monthly_bill, park_bill
from optimization.results import extract
from optimization.session import solve
from scenarios.schema import Scenario
from vpp import economics as ec
from vpp.dispatch import IMPORT_LIMIT_POWER_FACTOR
from vpp.errors import VppError
from vpp.evaluation.data import extended_data, slice_data
from vpp.kpis import capacity_charge_cny
from vpp.rolling import run_rolling
from vpp.evaluation.sizing import parse_size, size_project

HORIZONS = ("rolling", "perfect")


@dataclass
class Schedule:
    """Committed schedule of one run (project or baseline) with its bill."""

    parks: pd.DataFrame
    assets: pd.DataFrame
    costs: pd.DataFrame
    monthly: pd.DataFrame
    windows: pd.DataFrame | None = None
    e_boundary_mwh: pd.DataFrame | None = None
    solve_s: float = 0.0


@dataclass
class Evaluation:
    scenario: Scenario
    horizon: str
    project: Schedule
    baseline: Schedule
    kpis: dict[str, Any]
    cash_flow: pd.DataFrame
    daily: pd.DataFrame
    perfect: Schedule | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    sizing: Any = None  # vpp.evaluation.sizing.SizingResult with --size
    dr: dict[str, Any] | None = None  # vpp.evaluation.dr_revenue.dr_revenue


def year_scenario(scn: Scenario, year: int | None, days: int | None) -> Scenario:
    """The evaluated period: ``year`` from 1 January (365/366 days) or ``days`` from the scenario start."""
    import datetime as dt

    h = scn.horizon
    if year is not None and not 1990 <= int(year) <= 2100:
        raise VppError(f"year {year} is outside 1990-2100")
    if year is not None:
        start = dt.date(year, 1, 1)
        n = days or (dt.date(year + 1, 1, 1) - start).days
    else:
        start, n = h.start, days or h.days
    return scn.model_copy(update={"horizon": h.model_copy(update={"start": start, "days": n})})


def baseline_scenario(scn: Scenario) -> Scenario:
    """The no-project reference: PV and battery assets of ``economics.project_kinds`` removed."""
    drop = {k for k in scn.economics.project_kinds if k in ("pv", "battery")}
    parks = []
    for p in scn.parks:
        keep = [a for a in p.assets if a.kind not in drop]
        if not keep:
            raise VppError(f"park '{p.name}': only project assets (pv/battery); the baseline would be empty")
        parks.append(p.model_copy(update={"assets": keep}))
    return scn.model_copy(update={"parks": parks})


def cost_table(scn: Scenario, parks: pd.DataFrame, assets: pd.DataFrame, dt_h: float, demand: float,
               ev_unmet_mwh: dict[str, float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-park bill and per-park-month table of a committed schedule (see module docstring)."""
    monthly = monthly_bill(parks, dt_h, demand)
    a_cost = assets.groupby("park")["cost_cny"].sum().to_dict() if len(assets) else {}
    specs = {a.name: (p.name, a) for p, a in scn.assets()}
    for a, e in (ev_unmet_mwh or {}).items():
        pk, spec = specs[a]
        a_cost[pk] = a_cost.get(pk, 0.0) + e * spec.unmet_penalty_cny_per_mwh
    return park_bill(monthly, a_cost), monthly


def _demand(scn: Scenario) -> float:
    return scn.tariff.demand_charge_cny_per_mw_month if scn.tariff.billing == "two_part_demand" else 0.0


def _rolling(scn: Scenario, lookahead_h: float, baseline: bool, progress: Callable[[int], None] | None,
             full_data=None) -> Schedule:
    full = full_data if full_data is not None else extended_data(scn, lookahead_h)[0]
    la_steps = int(round(lookahead_h / full.dt_h))
    t0 = time.perf_counter()
    rr = run_rolling(full, scn.horizon.days, la_steps, baseline=baseline, time_limit_s=scn.solver.time_limit_s, progress=progress)
    solve_s = time.perf_counter() - t0
    costs, monthly = cost_table(scn, rr.parks, rr.assets, full.dt_h, _demand(scn), rr.ev_unmet_mwh)
    return Schedule(rr.parks, rr.assets, costs, monthly, rr.windows, rr.e_boundary_mwh, solve_s)


PARALLEL_MIN_DAYS = 28  # from this many days the baseline runs in a second process beside the project


def _timed_baseline(base_scn: Scenario, tick: Callable[[int], None] | None = None) -> tuple[Schedule, float]:
    """The baseline's rolling run and its wall time [s] (module level: runs in a worker process)."""
    t0 = time.perf_counter()
    base = _rolling(base_scn, 0.0, True, tick)
    return base, time.perf_counter() - t0


def _perfect(scn: Scenario, full_data=None) -> Schedule:
    full = full_data if full_data is not None else extended_data(scn, 0.0)[0]
    steps_day = int(round(24 / full.dt_h))
    data = slice_data(full, scn.horizon.days * steps_day)
    t0 = time.perf_counter()
    dm = build_model(data)
    t1 = time.perf_counter()
    info = solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    res = extract(dm, info)
    ev = res.assets[res.assets["kind"] == "ev_charging"].groupby("asset")["e_unmet_mwh"].sum().to_dict() if "e_unmet_mwh" in res.assets else {}
    assets = res.assets.copy()
    if "e_unmet_mwh" in assets:
        assets.loc[assets["kind"] == "ev_charging", "cost_cny"] = 0.0  # penalty re-added by cost_table
    costs, monthly = cost_table(scn, res.parks.drop(columns=[c for c in res.parks if c.startswith("p_inject_")]), assets,
                                data.dt_h, _demand(scn), ev)
    windows = pd.DataFrame([{"window": 0, "build_s": t1 - t0, "update_s": 0.0, "solve_wall_s": info.solve_s}])
    return Schedule(res.parks, assets, costs, monthly, windows, None, time.perf_counter() - t0)


def _kind_sum(assets: pd.DataFrame, kind: str, col: str) -> float:
    if col not in assets:
        return 0.0
    return float(np.nansum(assets.loc[assets["kind"] == kind, col].to_numpy()))


def savings_split(proj: Schedule, base: Schedule, dt_h: float) -> dict[str, float]:
    """Annual savings by source [CNY] (module docstring); the parts add up to the total saving."""
    P, B = proj.costs.sum(numeric_only=True), base.costs.sum(numeric_only=True)
    pv = proj.assets[proj.assets["kind"] == "pv"].groupby(["time", "park"])["p_inject_mw"].sum()
    pk = proj.parks.set_index(["time", "park"])
    if len(pv):
        on_site = (pv - pk["p_export_mw"].reindex(pv.index).fillna(0.0)).clip(lower=0.0)
        pv_self = float((on_site * pk["price_cny_per_mwh"].reindex(pv.index)).sum() * dt_h)
    else:
        pv_self = 0.0
    return {
        "energy_arbitrage": float(B.energy_cost_cny - P.energy_cost_cny) - pv_self,
        "demand_charge": float(B.demand_charge_cny - P.demand_charge_cny),
        "pv_self_consumption": pv_self,
        "export": float(P.export_revenue_cny - B.export_revenue_cny),
        "dr_revenue": 0.0,  # set by evaluate() from the DR events of the period
        "asset_costs": float(B.asset_cost_cny - P.asset_cost_cny),
    }


def project_sizes(scn: Scenario) -> ec.ProjectSizes:
    kinds = set(scn.economics.project_kinds)
    s = ec.ProjectSizes()
    for _, a in scn.assets():
        if a.kind == "pv" and "pv" in kinds:
            s.pv_mwp += a.p_mwp
        elif a.kind == "battery" and "battery" in kinds:
            s.battery_e_mwh += a.e_max_mwh
            s.battery_p_mw += a.p_max_mw
        elif a.kind == "ev_charging" and "ev_charging" in kinds:
            s.charger_mw += a.n_chargers * a.p_charger_mw
    return s


def grid_figures(scn: Scenario, proj: Schedule, base: Schedule, capacity_mva: dict[str, float | None], dt_h: float) -> dict[str, Any]:
    """Peaks at each park connection and at the substation (sum of parks), reverse-flow hours, headroom."""
    out: dict[str, Any] = {}
    for name, s in (("project", proj), ("baseline", base)):
        sub = s.parks.groupby("time")["p_net_import_mw"].sum()
        peaks = s.parks.groupby("park")["p_import_mw"].max()
        rev = s.parks.assign(r=s.parks["p_net_import_mw"] < -1e-6).groupby("park")["r"].sum() * dt_h
        out[name] = {
            "park_peak_import_mw": {p: float(v) for p, v in peaks.items()},
            "substation_peak_mw": float(sub.max()),
            "substation_min_mw": float(sub.min()),
            "reverse_flow_hours": {p: float(v) for p, v in rev.items()},
            "substation_reverse_flow_hours": float((sub < -1e-6).sum() * dt_h),
            "transformer_headroom_mw": {
                p: (float(capacity_mva[p]) * IMPORT_LIMIT_POWER_FACTOR - float(peaks[p])) if capacity_mva.get(p) else None
                for p in peaks.index
            },
        }
    return out


def daily_table(proj: Schedule, base: Schedule, dt_h: float) -> pd.DataFrame:
    """Per park and local day: energy bill and peak of project and baseline."""
    rows = []
    for name, s in (("project", proj), ("baseline", base)):
        # the bill (optimization.bill) with the local day as the billing period, no demand charge
        days = pd.DatetimeIndex(s.parks["time"]).strftime("%Y-%m-%d")
        b = monthly_bill(s.parks.assign(month=days), dt_h, 0.0).rename(columns={"month": "day"})
        g = pd.DataFrame({"park": b["park"], "day": b["day"],
                          "net_energy_cost_cny": b["energy_cost_cny"] - b["export_revenue_cny"],
                          "peak_import_mw": b["peak_import_mw"], "import_mwh": b["import_mwh"]})
        g.insert(0, "run", name)
        rows.append(g)
    return pd.concat(rows, ignore_index=True)


def evaluate(
    scn: Scenario,
    *,
    year: int | None = None,
    days: int | None = None,
    horizon: str = "rolling",
    lookahead_h: float = 24.0,
    park: str | None = None,
    compare: bool = False,
    out_dir: str | Path | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    size: str | tuple[str, ...] | None = None,
    dr: bool = True,
) -> Evaluation:
    """Evaluate project vs baseline over a year (or ``days``) and write the run folder (optional).

    ``compare=True`` also solves the other horizon mode and reports the gap
    ``(cost_rolling − cost_perfect) / |cost_perfect|``. ``size`` (``'pv,battery'``) sizes those assets
    first (:mod:`vpp.evaluation.sizing`); ``dr=False`` skips the DR events (:mod:`vpp.evaluation.dr_revenue`).
    """
    if horizon not in HORIZONS:
        raise VppError(f"unknown horizon '{horizon}' (choose from {', '.join(HORIZONS)})")
    if lookahead_h < 0 or lookahead_h > 24 * 7:
        raise VppError(f"--lookahead-h {lookahead_h} must be between 0 and 168 hours")
    say = log or (lambda msg: None)
    t_start = time.perf_counter()
    if park is not None:
        names = [p.name for p in scn.parks]
        if park not in names:
            raise VppError(f"--park '{park}' is not in the scenario (parks: {', '.join(names)})")
        scn = scn.model_copy(update={"parks": [p for p in scn.parks if p.name == park]})
    scn = year_scenario(scn, year, days)
    sizing = None
    if size:
        kinds = parse_size(size) if isinstance(size, str) else tuple(size)
        t0 = time.perf_counter()
        sizing = size_project(scn, kinds, extended_data(scn, 0.0)[0], scn.horizon.days, log=say)
        scn = sizing.scenario
        say(f"sizing done in {time.perf_counter() - t0:.1f} s")
    base_scn = baseline_scenario(scn)
    n_days = scn.horizon.days
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n_days * (2 if horizon == "rolling" else 1) + (n_days if compare and horizon == "perfect" else 0), unit="day", desc="evaluate")
    tick = bar.update if bar is not None else None
    say(f"'{scn.name}': {n_days} day(s) from {scn.horizon.start}, horizon {horizon}"
        + (f", look-ahead {lookahead_h:g} h" if horizon == "rolling" else ""))
    timings: dict[str, float] = {}
    # the baseline is independent of the project: on long periods it runs in a second process
    pool = None
    if n_days >= PARALLEL_MIN_DAYS and (os.cpu_count() or 1) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=1)
        base_future = pool.submit(_timed_baseline, base_scn)
    try:
        t0 = time.perf_counter()
        full, prep = extended_data(scn, lookahead_h)
        if horizon == "rolling":
            proj = _rolling(scn, lookahead_h, False, tick, full)
        else:
            proj = _perfect(scn, full)
        timings["project_s"] = time.perf_counter() - t0
        if pool is not None:
            base, timings["baseline_s"] = base_future.result()
            if tick is not None:
                tick(n_days)
        else:
            base, timings["baseline_s"] = _timed_baseline(base_scn, tick)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    dr_res = None
    if dr and scn.dr is not None:
        from vpp.evaluation.dr_revenue import dr_revenue

        t0 = time.perf_counter()
        dr_res = dr_revenue(scn, log=say)
        timings["dr_s"] = time.perf_counter() - t0
    other = None
    if compare:
        t0 = time.perf_counter()
        other = _perfect(scn, full) if horizon == "rolling" else _rolling(scn, lookahead_h, False, tick, full)
        timings["compare_s"] = time.perf_counter() - t0
    if bar is not None:
        bar.close()

    cap_mva = prep.capacity_mva  # the ratings extended_data's prepare read (network_models.ratings)
    dt_h = full.dt_h
    index = pd.DatetimeIndex(proj.parks["time"].unique())
    cap_charge = sum(capacity_charge_cny(scn, cap_mva, index).values())
    split = savings_split(proj, base, dt_h)
    if dr_res is not None:
        split["dr_revenue"] = dr_res["net_benefit_cny"]
    sizes = project_sizes(scn)
    # scale to a year when fewer days were simulated (economics are per year): energy-type parts by
    # 365 / days, the demand charge (monthly) by 12 / months touched
    scale = 365.0 / n_days if n_days < 365 else 1.0
    n_months = len(set(index.strftime("%Y-%m")))
    scale_m = 12.0 / n_months if n_days < 365 else 1.0
    pv_mwh = _kind_sum(proj.assets, "pv", "p_inject_mw") * dt_h
    dis_mwh = _kind_sum(proj.assets, "battery", "p_discharge_mw") * dt_h
    # DR revenue is per listed event, not a daily rate: not annualised
    annual = {k: v * (scale_m if k == "demand_charge" else 1.0 if k == "dr_revenue" else scale) for k, v in split.items()}
    econ_k, cf = ec.summary(scn.economics, sizes, annual, pv_mwh * scale, dis_mwh * scale)
    net_imp = {n: float(s.parks["p_net_import_mw"].sum() * dt_h) for n, s in (("project", proj), ("baseline", base))}
    avoided = net_imp["baseline"] - net_imp["project"]
    kpis: dict[str, Any] = {
        "scenario": scn.name, "start": str(scn.horizon.start), "days": n_days, "horizon": horizon,
        "lookahead_h": lookahead_h if horizon == "rolling" else None, "annualisation_factor": scale,
        "project": {**_totals(proj), "capacity_charge_cny": cap_charge},
        "baseline": {**_totals(base), "capacity_charge_cny": cap_charge},
        "savings_cny": split, "savings_total_cny": float(sum(split.values())),
        "dr_revenue_note": ("net benefit of the DR events in the period (vpp.evaluation.dr_revenue), not annualised"
                            if dr_res is not None else "no DR section (or dr=False): dr_revenue = 0"),
        "dr": dr_res,
        "sizing": sizing.as_dict() if sizing is not None else None,
        "pv_used_mwh": pv_mwh, "battery_discharged_mwh": dis_mwh,
        "battery_cycles": dis_mwh / sizes.battery_e_mwh if sizes.battery_e_mwh > 0 else None,
        "net_import_mwh": net_imp,
        "co2_avoided_t": ec.carbon_avoided_t(avoided, scn.carbon.ef_kgco2_per_kwh, scn.economics.ef_sensitivity_kgco2_per_kwh),
        "grid": grid_figures(scn, proj, base, cap_mva, dt_h),
        "sizes": sizes.__dict__,
        "economics": econ_k,
    }
    if other is not None:
        roll, perf = (proj, other) if horizon == "rolling" else (other, proj)
        c_r, c_p = float(roll.costs["total_cost_cny"].sum()), float(perf.costs["total_cost_cny"].sum())
        kpis["rolling_vs_perfect"] = {"rolling_cost_cny": c_r, "perfect_cost_cny": c_p,
                                      "gap": (c_r - c_p) / max(abs(c_p), 1e-9)}
    for name, s in (("project", proj), ("baseline", base)):
        if s.windows is not None and len(s.windows):
            w = s.windows
            kpis.setdefault("windows", {})[name] = {
                "n": int(len(w)), **{f"{c}_total": float(w[c].sum()) for c in w.columns if c.endswith("_s")},
            }
    timings["total_s"] = time.perf_counter() - t_start
    kpis["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    ev = Evaluation(scn, horizon, proj, base, kpis, cf, daily_table(proj, base, dt_h), other, timings, sizing, dr_res)
    if out_dir is not None:
        from vpp.evaluation.outputs import write_evaluation

        write_evaluation(ev, Path(out_dir))
    return ev


def _totals(s: Schedule) -> dict[str, float]:
    c = s.costs
    return {k: float(c[k].sum()) for k in ("total_cost_cny", "energy_cost_cny", "export_revenue_cny", "demand_charge_cny",
                                            "asset_cost_cny", "import_mwh", "export_mwh")}


def summary_text(k: dict[str, Any]) -> str:
    """Terminal summary of an evaluation's KPIs."""
    e = k["economics"]

    def f(x, fmt="{:,.0f}"):
        return "-" if x is None else fmt.format(x)

    lines = [
        f"evaluation of '{k['scenario']}': {k['days']} day(s) from {k['start']}, horizon {k['horizon']}"
        + (f" (look-ahead {k['lookahead_h']:g} h)" if k.get("lookahead_h") is not None else ""),
        f"  bill project / baseline [CNY]   {f(k['project']['total_cost_cny'])} / {f(k['baseline']['total_cost_cny'])}",
        "  savings [CNY]                   " + ", ".join(f"{p} {f(v)}" for p, v in k["savings_cny"].items()),
        f"  capex [CNY]                     {f(e['capex_total_cny'])}",
        f"  NPV [CNY] / IRR / payback [yr]  {f(e['npv_cny'])} / {f(e['irr'], '{:.1%}')} / {f(e['simple_payback_years'], '{:.1f}')}"
        f" (discounted {f(e['discounted_payback_years'], '{:.1f}')})",
        f"  LCOE PV / LCOS [CNY/MWh]        {f(e['lcoe_pv_cny_per_mwh'])} / {f(e['lcos_cny_per_mwh'])}",
        "  CO2 avoided [t]                 " + ", ".join(f"{n} {v:,.1f}" for n, v in k["co2_avoided_t"].items()),
        f"  substation peak project / baseline [MW]  {k['grid']['project']['substation_peak_mw']:.3f} / "
        f"{k['grid']['baseline']['substation_peak_mw']:.3f}",
    ]
    if k.get("dr"):
        d = k["dr"]
        lines.append(f"  DR events {d['n_events']}: payment {f(d['payment_cny'])} + capacity {f(d['capacity_payment_cny'])}"
                     f" − penalty {f(d['penalty_cny'])} − extra dispatch cost {f(d['delta_cost_cny'])}"
                     f" = net {f(d['net_benefit_cny'])} CNY")
    if k.get("sizing"):
        sz = k["sizing"]
        unit = {"pv_mwp": "kWp", "battery_e_mwh": "kWh", "battery_p_mw": "kW"}
        lines.append(f"  sizing ({', '.join(sz['kinds'])}, perfect foresight over the period), "
                     f"annualised capex + O&M {f(sz['annualised_capex_cny_per_year'])} CNY/yr")
        for r in sz["assets"]:
            lines.append(f"    {r['asset']:<20} {r['size_kilo']:>10,.0f} {unit[r['quantity']]:<4}"
                         f" (bounds {r['lo'] * 1e3:,.0f}-{r['hi'] * 1e3:,.0f}; scenario {r['scenario_size'] * 1e3:,.0f})")
        lines.extend(f"    note: {n}" for n in sz["notes"])
    if "rolling_vs_perfect" in k:
        g = k["rolling_vs_perfect"]
        lines.append(f"  rolling vs perfect [CNY]        {f(g['rolling_cost_cny'])} vs {f(g['perfect_cost_cny'])} (gap {g['gap']:+.2%})")
    if k["days"] < 365:
        lines.append(f"  (economics use savings annualised ×{k['annualisation_factor']:.2f} from {k['days']} day(s))")
    return "\n".join(lines)
