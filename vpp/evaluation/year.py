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

AC grid check (``ac=True``, :mod:`vpp.evaluation.grid_year`): every evaluated step of the project and the
baseline through the scenario's AC engine: reverse flow, violations, open capacity (``kpis['grid_year']``).

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
from vpp.evaluation.green import green_kpis, summary_lines, with_targets
from vpp.kpis import capacity_charge_cny, kind_kpis
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
    ev_unmet_mwh: dict[str, float] = field(default_factory=dict)


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
    grid_year: Any = None  # vpp.evaluation.grid_year.GridYear (None with ac=False)


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
    return Schedule(rr.parks, rr.assets, costs, monthly, rr.windows, rr.e_boundary_mwh, solve_s, dict(rr.ev_unmet_mwh))


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
    return Schedule(res.parks, assets, costs, monthly, windows, None, time.perf_counter() - t0, ev)


def _representative(scn: Scenario, rep, horizon: str, lookahead_h: float, baseline: bool,
                    tick: Callable[[int], None] | None) -> Schedule:
    """A year of committed flows from the typical days (:mod:`vpp.evaluation.repdays`): each typical day is
    solved alone (rolling: one window of 1 day + look-ahead; the baseline by its rule), its rows are copied
    onto every day it stands for, and the year is billed with the real billing months (``cost_table``); the
    EV unmet energy is ``sum_k w_k · unmet_k``."""
    from vpp.evaluation.repdays import expand

    runs = []
    for d in rep.dates:
        day = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"start": d, "days": 1})})
        if baseline:
            runs.append(_rolling(baseline_scenario(day), 0.0, True, None))
        else:
            runs.append(_rolling(day, lookahead_h, False, None) if horizon == "rolling" else _perfect(day))
        if tick is not None:
            tick(1)
    parks = expand(rep, [r.parks for r in runs])
    assets = expand(rep, [r.assets for r in runs])
    unmet: dict[str, float] = {}
    for r, w in zip(runs, rep.weights):
        for a, e in r.ev_unmet_mwh.items():
            unmet[a] = unmet.get(a, 0.0) + float(w) * e
    dt_h = scn.horizon.resolution_min / 60.0
    costs, monthly = cost_table(scn, parks, assets, dt_h, _demand(scn), unmet)
    windows = pd.concat([r.windows.assign(representative_day=str(d), weight_days=float(w))
                         for r, d, w in zip(runs, rep.dates, rep.weights) if r.windows is not None], ignore_index=True)
    return Schedule(parks, assets, costs, monthly, windows, None, float(sum(r.solve_s for r in runs)), unmet)


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
    representative_days: int | None = None,
    floating_sensitivity: bool = True,
    calendars: int | None = None,
    ac: bool = True,
    green_share: float | None = None,
    co2_cap_t: float | None = None,
    co2_intensity_cap_kg_per_kwh: float | None = None,
    _rep=None,
) -> Evaluation:
    """Evaluate project vs baseline over a year (or ``days``) and write the run folder (optional).

    ``compare=True`` also solves the other horizon mode and reports the gap
    ``(cost_rolling − cost_perfect) / |cost_perfect|``. ``size`` (``'pv,battery'``) sizes those assets
    first (:mod:`vpp.evaluation.sizing`); ``dr=False`` skips the DR events (:mod:`vpp.evaluation.dr_revenue`).

    Only a year is turned into economics (NPV, IRR, paybacks): the whole year (``year``, or ``days`` >= 365)
    or ``representative_days = K`` typical days of the year with weights (:mod:`vpp.evaluation.repdays`; the
    year of ``year`` or of the scenario start). A shorter period reports its own bills and savings and no
    NPV (``kpis['economics'] = None``, the reason in ``kpis['annualisation']['note']``); ``size`` on such a
    period is refused. ``floating_sensitivity`` re-evaluates a year with the tariff's other ``floating``
    setting and reports that NPV beside the chosen one (``kpis['floating_sensitivity']``). ``calendars = K``
    draws K seeded years of DR calls from ``dr.calendar`` (:mod:`vpp.evaluation.dr_calendar`; they replace the
    listed events), books the mean net benefit as ``dr_revenue`` and reports NPV P10/P50/P90 over them.
    ``ac=False`` skips the AC grid check of every step (:mod:`vpp.evaluation.grid_year`; ``kpis['grid_year']``
    then says it was skipped).
    ``green_share`` / ``co2_cap_t`` / ``co2_intensity_cap_kg_per_kwh`` set the scenario's ``carbon`` targets
    (a constraint of the sizing LP with ``size``; otherwise green electricity is bought after the dispatch as
    far as they ask: :mod:`vpp.evaluation.green`, ``kpis['green']``).
    """
    scn = with_targets(scn, green_share, co2_cap_t, co2_intensity_cap_kg_per_kwh)
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
    if representative_days is not None:
        if days is not None:
            raise VppError("--representative-days stands for the whole year: leave out --days")
        scn = year_scenario(scn, year if year is not None else scn.horizon.start.year, None)
    else:
        scn = year_scenario(scn, year, days)
    annualise = representative_days is not None or scn.horizon.days >= 365
    if calendars is not None:
        if calendars < 1:
            raise VppError(f"--calendars {calendars} must be at least 1")
        if not annualise:
            raise VppError(refused_note(scn.horizon.days, "--calendars"))
        if not dr or scn.dr is None or scn.dr.calendar is None:
            raise VppError("--calendars needs the scenario's dr.calendar section (seed, district_mw, seasons) and DR on "
                           "(not --no-dr)")
    if size and not annualise:
        raise VppError(refused_note(scn.horizon.days, "--size"))
    sizing = None
    if size:
        kinds = parse_size(size) if isinstance(size, str) else tuple(size)
        t0 = time.perf_counter()
        full0 = extended_data(scn, 0.0)[0]
        if representative_days is not None and _rep is None:  # chosen once: the sizing LP and the evaluation share them
            from vpp.evaluation.repdays import choose

            _rep = choose(full0, scn.horizon.start, scn.horizon.days, representative_days)
        sizing = size_project(scn, kinds, full0, scn.horizon.days, log=say,
                              rep=_rep if representative_days is not None else None)
        scn = sizing.scenario
        say(f"sizing done in {time.perf_counter() - t0:.1f} s")
    base_scn = baseline_scenario(scn)
    n_days = scn.horizon.days
    bar = None
    if progress:
        from tqdm import tqdm

        n_run = representative_days if representative_days is not None else n_days
        bar = tqdm(total=n_run * (2 + (1 if compare else 0)), unit="day", desc="evaluate")
    tick = bar.update if bar is not None else None
    say(f"'{scn.name}': {n_days} day(s) from {scn.horizon.start}, horizon {horizon}"
        + (f", look-ahead {lookahead_h:g} h" if horizon == "rolling" else ""))
    timings: dict[str, float] = {}
    # the baseline is independent of the project: on long periods it runs in a second process
    pool = None
    rep = None
    if representative_days is not None:
        from vpp.evaluation.repdays import choose

        full, prep = extended_data(scn, 0.0)  # the year's inputs: days to cluster, ratings
        rep = _rep if _rep is not None else choose(full, scn.horizon.start, n_days, representative_days)
        say(f"{rep.k} representative day(s) of {n_days} (weights sum {rep.weights.sum():g} days)")
    elif n_days >= PARALLEL_MIN_DAYS and (os.cpu_count() or 1) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=1)
        base_future = pool.submit(_timed_baseline, base_scn)
    try:
        t0 = time.perf_counter()
        if rep is not None:
            proj = _representative(scn, rep, horizon, lookahead_h, False, tick)
            timings["project_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            base = _representative(scn, rep, horizon, lookahead_h, True, tick)
            timings["baseline_s"] = time.perf_counter() - t0
        else:
            full, prep = extended_data(scn, lookahead_h)
            proj = _rolling(scn, lookahead_h, False, tick, full) if horizon == "rolling" else _perfect(scn, full)
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
    if dr and scn.dr is not None and calendars is None:  # with calendars their events replace the listed ones
        from vpp.evaluation.dr_revenue import dr_revenue

        t0 = time.perf_counter()
        dr_res = dr_revenue(scn, log=say)
        timings["dr_s"] = time.perf_counter() - t0
    other = None
    if compare:
        t0 = time.perf_counter()
        if rep is not None:
            other = _representative(scn, rep, "perfect" if horizon == "rolling" else "rolling", lookahead_h, False, tick)
        else:
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
    # economics only for a year (whole, or typical days expanded to the year): never ×365/days
    pv_mwh = _kind_sum(proj.assets, "pv", "p_inject_mw") * dt_h
    dis_mwh = _kind_sum(proj.assets, "battery", "p_discharge_mw") * dt_h
    cal = None
    if calendars is not None:
        from vpp.evaluation.dr_calendar import calendar_economics
        from vpp.evaluation.dr_revenue import dr_revenue

        t0 = time.perf_counter()
        cal = calendar_economics(scn, split, sizes, pv_mwh, dis_mwh, calendars, lambda s: dr_revenue(s), log=say)
        split["dr_revenue"] = cal["net_benefit_mean_cny"]  # the expected year of calls in the cash flow
        timings["dr_calendars_s"] = time.perf_counter() - t0
    if annualise:
        econ_k, cf = ec.summary(scn.economics, sizes, dict(split), pv_mwh, dis_mwh)
        method = "representative_days" if rep is not None else "full_year"
        note = (f"{rep.k} representative days weighted to the {n_days} days of the year" if rep is not None
                else f"the whole period of {n_days} days")
    else:
        econ_k, cf = None, pd.DataFrame()
        method, note = "none", refused_note(n_days, "the NPV")
    net_imp = {n: float(s.parks["p_net_import_mw"].sum() * dt_h) for n, s in (("project", proj), ("baseline", base))}
    avoided = net_imp["baseline"] - net_imp["project"]
    kpis: dict[str, Any] = {
        "scenario": scn.name, "start": str(scn.horizon.start), "days": n_days, "horizon": horizon,
        "lookahead_h": lookahead_h if horizon == "rolling" else None,
        "annualisation": {"method": method, "note": note},
        "representative_days": rep.as_dict() if rep is not None else None,
        "project": {**_totals(proj), "capacity_charge_cny": cap_charge},
        "baseline": {**_totals(base), "capacity_charge_cny": cap_charge},
        "savings_cny": split, "savings_total_cny": float(sum(split.values())),
        "dr_revenue_note": ("net benefit of the DR events in the period (vpp.evaluation.dr_revenue), not annualised"
                            if dr_res is not None else "no DR section (or dr=False): dr_revenue = 0"),
        "dr": dr_res,
        "dr_calendars": cal,
        "sizing": sizing.as_dict() if sizing is not None else None,
        "pv_used_mwh": pv_mwh, "battery_discharged_mwh": dis_mwh,
        "battery_cycles": dis_mwh / sizes.battery_e_mwh if sizes.battery_e_mwh > 0 else None,
        "net_import_mwh": net_imp,
        "co2_avoided_t": ec.carbon_avoided_t(avoided, scn.carbon.ef_kgco2_per_kwh, scn.economics.ef_sensitivity_kgco2_per_kwh),
        "grid": grid_figures(scn, proj, base, cap_mva, dt_h),
        "sizes": sizes.__dict__,
        "economics": econ_k,
        "green": green_kpis(scn, proj, base, dt_h),
    }
    if rep is None:  # the kinds' own sections of the project's schedule (data_centre: the period's PUE, ...)
        kpis.update(kind_kpis(scn, proj.assets, dt_h))
    gy = None
    if ac and scn.ac_check.enabled:
        from vpp.evaluation.grid_year import grid_year_check

        t0 = time.perf_counter()
        gy = grid_year_check(scn, proj, base, dt_h, rep=rep, log=say)
        kpis["grid_year"] = gy.kpis
        timings["ac_year_s"] = time.perf_counter() - t0
    else:
        from vpp.evaluation.grid_year import skipped

        kpis["grid_year"] = skipped("--no-ac" if not ac else "ac_check.enabled is false in the scenario")
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
    if annualise and floating_sensitivity:
        other_f = "energy_only" if scn.tariff.floating == "whole" else "whole"
        say(f"floating sensitivity: evaluating the year again with tariff.floating = {other_f}")
        t0 = time.perf_counter()
        alt = evaluate(scn.model_copy(update={"tariff": scn.tariff.model_copy(update={"floating": other_f})}),
                       horizon=horizon, lookahead_h=lookahead_h, dr=dr, representative_days=representative_days,
                       floating_sensitivity=False, calendars=calendars, ac=False, _rep=rep)
        timings["floating_sensitivity_s"] = time.perf_counter() - t0
        ea = alt.kpis["economics"]
        kpis["floating_sensitivity"] = {
            "chosen": scn.tariff.floating, "npv_cny": econ_k["npv_cny"],
            "annual_savings_total_cny": econ_k["annual_savings_total_cny"],
            "other": other_f, "other_npv_cny": ea["npv_cny"], "other_annual_savings_total_cny": ea["annual_savings_total_cny"],
            "note": "the same project and period evaluated again (dispatch, baseline, DR) with the other tariff.floating setting",
        }
    timings["total_s"] = time.perf_counter() - t_start
    kpis["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    ev = Evaluation(scn, horizon, proj, base, kpis, cf, daily_table(proj, base, dt_h), other, timings, sizing, dr_res, gy)
    if out_dir is not None:
        from vpp.evaluation.outputs import write_evaluation

        write_evaluation(ev, Path(out_dir))
    return ev


def refused_note(n_days: int, what: str) -> str:
    """Why a period shorter than a year gets no NPV (printed and written to ``kpis.json``)."""
    return (f"{what} needs a year: {n_days} day(s) are not annualised (no ×365/{n_days}); "
            "use --year YYYY for the whole year or --representative-days K (typical days with weights)"
            + ("; the figures shown are the period's own" if what == "the NPV" else ""))


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
    ]
    if e is None:
        lines.append(f"  no NPV: {k['annualisation']['note']}")
    else:
        lines += [
            f"  capex [CNY]                     {f(e['capex_total_cny'])}",
            f"  NPV [CNY] / IRR / payback [yr]  {f(e['npv_cny'])} / {f(e['irr'], '{:.1%}')} / {f(e['simple_payback_years'], '{:.1f}')}"
            f" (discounted {f(e['discounted_payback_years'], '{:.1f}')})",
            f"  LCOE PV / LCOS [CNY/MWh]        {f(e['lcoe_pv_cny_per_mwh'])} / {f(e['lcos_cny_per_mwh'])}",
        ]
    if k.get("floating_sensitivity"):
        fs = k["floating_sensitivity"]
        lines.append(f"  NPV with tariff.floating {fs['chosen']} / {fs['other']} [CNY]  {f(fs['npv_cny'])} / {f(fs['other_npv_cny'])}")
    if k.get("representative_days"):
        r = k["representative_days"]
        lines.append(f"  year from {r['k']} representative days (weights sum {r['weights_sum_days']:g} days): "
                     + ", ".join(f"{d['date']}×{d['weight_days']:g}" for d in r["days"]))
        lines.append(f"  typical days are {r['accuracy_note']}")
    lines += summary_lines(k)
    lines += [
        "  CO2 avoided [t]                 " + ", ".join(f"{n} {v:,.1f}" for n, v in k["co2_avoided_t"].items()),
        f"  substation peak project / baseline [MW]  {k['grid']['project']['substation_peak_mw']:.3f} / "
        f"{k['grid']['baseline']['substation_peak_mw']:.3f}",
    ]
    if k.get("dr"):
        d = k["dr"]
        lines.append(f"  DR events {d['n_events']}: payment {f(d['payment_cny'])} + capacity {f(d['capacity_payment_cny'])}"
                     f" − penalty {f(d['penalty_cny'])} − extra dispatch cost {f(d['delta_cost_cny'])}"
                     f" = net {f(d['net_benefit_cny'])} CNY")
    if k.get("dr_calendars"):
        c = k["dr_calendars"]
        lines.append(f"  DR calendars {c['k']}: NPV P10 / P50 / P90 {f(c['npv_p10_cny'])} / {f(c['npv_p50_cny'])} / "
                     f"{f(c['npv_p90_cny'])} CNY; mean DR net benefit {f(c['net_benefit_mean_cny'])} CNY/yr (booked)")
    if k.get("sizing"):
        sz = k["sizing"]
        unit = {"pv_mwp": "kWp", "battery_e_mwh": "kWh", "battery_p_mw": "kW"}
        over = "the typical days" if k.get("representative_days") else "the period"
        lines.append(f"  sizing ({', '.join(sz['kinds'])}, perfect foresight over {over}), "
                     f"annualised capex + O&M {f(sz['annualised_capex_cny_per_year'])} CNY/yr")
        for r in sz["assets"]:
            lines.append(f"    {r['asset']:<20} {r['size_kilo']:>10,.0f} {unit[r['quantity']]:<4}"
                         f" (bounds {r['lo'] * 1e3:,.0f}-{r['hi'] * 1e3:,.0f}; scenario {r['scenario_size'] * 1e3:,.0f})")
        lines.extend(f"    note: {n}" for n in sz["notes"])
        gz = sz.get("green")
        if gz:
            lines.append(f"    sized for {'; '.join(t['label'] for t in gz['targets'])}: LP design green share "
                         f"{gz['green_share']:.1%}, CO2 {gz['co2_t']:,.1f} t/yr, green bought {gz['green_purchase_mwh']:,.1f} MWh/yr")
            lines.extend(f"    shadow price {sp['target']}: {sp['shadow_price']:,.0f} {sp['unit']}" for sp in gz["shadow_prices"])
    if "grid_year" in k:
        from vpp.evaluation.grid_year import summary_lines as grid_year_lines

        lines += grid_year_lines(k["grid_year"])
    if "rolling_vs_perfect" in k:
        g = k["rolling_vs_perfect"]
        lines.append(f"  rolling vs perfect [CNY]        {f(g['rolling_cost_cny'])} vs {f(g['perfect_cost_cny'])} (gap {g['gap']:+.2%})")
    return "\n".join(lines)
