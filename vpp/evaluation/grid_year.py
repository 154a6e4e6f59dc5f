"""AC grid check of an evaluated period: every step of the project and of the baseline dispatch.

``vpp evaluate`` (unless ``--no-ac``) maps both committed schedules onto the scenario's network (one
pandapower grid with one element per asset, :func:`network_models.mapping.attach_assets`; the baseline's
missing project assets — PV, batteries — inject 0) and runs the scenario's AC engine
(``ac_check.engine``, default the power-grid-model batch: a district year of 35,040 steps in ~2 s) over
**every step** of the period (:func:`vpp.dispatch.ac.run_engine`, the same call as ``vpp run``'s AC check).
With representative days it runs over the typical days' steps only, and hours / energies are weighted by each
typical day's weight (days of the year it stands for); the result is labelled ``representative_days``.

Reported for project and baseline (definitions in the modules named):

* reverse flow per park connection, feeder, substation transformer and at the substation
  (:mod:`network_models.reverse_flow`): hours [h], energy [MWh], largest reverse power [MW];
* violations in steps × elements and the worst values (:mod:`network_models.violations`);
* open capacity (可开放容量) per transformer and feeder, load and generation direction
  (:mod:`network_models.open_capacity`, DL/T 2041-2019 style);
* ``change`` = project − baseline for hours, energy, open capacity and violation counts.

Tables: ``elements`` (run × element: type, rating, reverse flow, open capacity) and ``reverse_flow``
(run × element × month: reverse hours and energy).
"""

from __future__ import annotations

import importlib
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from scenarios.schema import Scenario

RUNS = ("project", "baseline")


@dataclass
class GridYear:
    """Result of :func:`grid_year_check`: the KPI dict and the two tables (see the module doc)."""

    kpis: dict[str, Any]
    elements: pd.DataFrame
    reverse_flow: pd.DataFrame
    ac: dict[str, Any] = field(default_factory=dict)  # run -> network_models.ACResult


def skipped(reason: str) -> dict[str, Any]:
    """The ``grid_year`` KPI section of an evaluation without the AC check."""
    return {"skipped": True, "note": reason}


def _wide(assets: pd.DataFrame, col: str, times: pd.Index, names: list[str]) -> pd.DataFrame:
    """time × asset table of ``col`` (the pivot of ``DispatchResult.p_inject_wide``), every asset of the grid,
    0 for assets absent from the schedule (the baseline has no project PV / battery)."""
    w = assets.pivot(index="time", columns="asset", values=col)
    return w.reindex(index=times, columns=names).fillna(0.0)


def _steps(parks: pd.DataFrame, rep) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Evaluated steps and their weights [days]: all steps (weight 1) or the typical days' steps."""
    times = pd.DatetimeIndex(parks["time"].unique()).sort_values()
    if rep is None:
        return times, np.ones(len(times))
    w_of = {pd.Timestamp(d).date(): float(w) for d, w in zip(rep.dates, rep.weights)}
    dates = times.date
    keep = np.array([d in w_of for d in dates])
    return times[keep], np.array([w_of[d] for d in dates[keep]])


def _one_run(scn: Scenario, grid, el, meta, s, times, weight, dt_h) -> tuple[dict, pd.DataFrame, pd.DataFrame, Any, dict]:
    from network_models.open_capacity import open_capacity
    from network_models.reverse_flow import element_flows, reverse_flow
    from network_models.violations import violation_summary
    from vpp.dispatch.ac import run_engine

    t0 = time.perf_counter()
    p = _wide(s.assets, "p_inject_mw", times, el.names)
    q = _wide(s.assets, "q_inject_mvar", times, el.names) if "q_inject_mvar" in s.assets else None
    t1 = time.perf_counter()
    ac = run_engine(scn.ac_check.engine, grid, el, p, q)
    t2 = time.perf_counter()
    imp = s.parks.pivot(index="time", columns="park", values="p_net_import_mw").reindex(times)
    P, S = element_flows(grid, ac, imp, meta)
    rf = reverse_flow(P, dt_h, weight)
    oc = open_capacity(P, S, meta.set_index("element")["rating_mva"], grid.loading_max_percent / 100.0)
    viol = violation_summary(grid, ac)
    tab = meta.set_index("element").join(rf).join(oc.drop(columns=["rating_mva"]))
    month = pd.DatetimeIndex(times).strftime("%Y-%m")
    monthly = []
    for m in np.unique(month):
        k = month == m
        monthly.append(reverse_flow(P.iloc[k], dt_h, weight[k]).assign(month=m))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        mon = pd.concat(monthly).reset_index()
    t3 = time.perf_counter()
    return viol, tab, mon, ac, {"tables_in_s": t1 - t0, "solve_s": t2 - t1, "tables_out_s": t3 - t2}


def _run_kpis(tab: pd.DataFrame, viol: dict) -> dict[str, Any]:
    def rf(types):
        sub = tab[tab["type"].isin(types)]
        return {e: {"hours_h": float(r.reverse_hours_h), "energy_mwh": float(r.reverse_energy_mwh),
                    "p_max_mw": float(r.reverse_p_max_mw)} for e, r in sub.iterrows()}

    def _t(x):
        return None if x is None or pd.isna(x) else str(x)

    oc = tab[tab["rating_mva"].notna()]
    oc_d = {e: {"type": r.type, "rating_mva": float(r.rating_mva), "allowed_mva": float(r.allowed_mva),
                "s_load_max_mva": float(r.s_load_max_mva), "s_load_max_time": _t(r.s_load_max_time),
                "open_load_mva": float(r.open_load_mva), "p_min_mw": float(r.p_min_mw),
                "p_min_time": _t(r.p_min_time), "open_gen_mw": float(r.open_gen_mw)}
            for e, r in oc.iterrows()}
    smallest = {}
    for col, key in (("open_load_mva", "load_mva"), ("open_gen_mw", "gen_mw")):
        s = oc[col].dropna()
        smallest[key] = ({"element": str(s.idxmin()), "type": str(oc.at[s.idxmin(), "type"]), "value": float(s.min())}
                         if len(s) else None)
    sub = tab.loc["substation"] if "substation" in tab.index else None
    return {
        "reverse_flow": {
            "substation": None if sub is None else {"hours_h": float(sub.reverse_hours_h), "energy_mwh": float(sub.reverse_energy_mwh),
                                                    "p_max_mw": float(sub.reverse_p_max_mw)},
            "substation_trafos": rf(["substation_trafo"]),
            "feeders": rf(["feeder"]),
            "parks": rf(["park"]),
            "park_trafos": rf(["park_trafo"]),
        },
        "violations": viol,
        "open_capacity": oc_d,
        "open_capacity_min": smallest,
    }


def _change(k: dict[str, dict]) -> dict[str, Any]:
    P, B = k["project"], k["baseline"]
    out: dict[str, Any] = {"reverse_hours_h": {}, "reverse_energy_mwh": {}}
    for grp in ("substation_trafos", "feeders", "parks", "park_trafos"):
        for e, v in P["reverse_flow"][grp].items():
            b = B["reverse_flow"][grp].get(e)
            if b is not None:
                out["reverse_hours_h"][e] = v["hours_h"] - b["hours_h"]
                out["reverse_energy_mwh"][e] = v["energy_mwh"] - b["energy_mwh"]
    if P["reverse_flow"]["substation"] and B["reverse_flow"]["substation"]:
        for q, key in (("hours_h", "reverse_hours_h"), ("energy_mwh", "reverse_energy_mwh")):
            out[key]["substation"] = P["reverse_flow"]["substation"][q] - B["reverse_flow"]["substation"][q]
    out["open_load_mva"] = {e: v["open_load_mva"] - B["open_capacity"][e]["open_load_mva"]
                            for e, v in P["open_capacity"].items() if e in B["open_capacity"]}
    out["open_gen_mw"] = {e: v["open_gen_mw"] - B["open_capacity"][e]["open_gen_mw"]
                          for e, v in P["open_capacity"].items() if e in B["open_capacity"]}
    out["n_violations"] = P["violations"]["n_total"] - B["violations"]["n_total"]
    return out


def grid_year_check(scn: Scenario, project, baseline, dt_h: float, rep=None,
                    log: Callable[[str], None] | None = None) -> GridYear:
    """AC check of the project and baseline schedules (:class:`vpp.evaluation.year.Schedule`) over every
    evaluated step (module doc). ``rep``: the representative days (:mod:`vpp.evaluation.repdays`) or None."""
    say = log or (lambda msg: None)
    t0 = time.perf_counter()
    from network_models.builders import build_grid  # pandapower (and the engine below) load on first use
    from network_models.mapping import attach_assets
    from network_models.reverse_flow import element_meta
    from vpp.dispatch.ac import AC_ENGINES

    importlib.import_module(AC_ENGINES[scn.ac_check.engine][0])
    t_imp = time.perf_counter() - t0
    grid = build_grid(scn)
    el = attach_assets(grid, scn)
    meta = element_meta(grid)
    times, weight = _steps(project.parks, rep)
    timings = {"imports_s": t_imp, "build_s": time.perf_counter() - t0 - t_imp}
    kp: dict[str, dict] = {}
    tabs, mons, acs = [], [], {}
    for name, s in (("project", project), ("baseline", baseline)):
        viol, tab, mon, ac, tm = _one_run(scn, grid, el, meta, s, times, weight, dt_h)
        for k, v in tm.items():
            timings[f"{name}_{k}"] = v
        kp[name] = _run_kpis(tab, viol)
        tabs.append(tab.reset_index().assign(run=name))
        mons.append(mon.assign(run=name))
        acs[name] = ac
    timings["total_s"] = time.perf_counter() - t0
    if rep is not None:
        period, note = "representative_days", (f"AC over the {len(times)} steps of the {rep.k} typical days; hours and "
                                               "energies weighted by each typical day's weight (days of the year)")
    else:
        period = "full_year" if len(times) * dt_h >= 365 * 24 else "days"
        note = f"AC over every one of the {len(times)} steps of the period"
    kpis = {
        "skipped": False, "period": period, "note": note, "engine": scn.ac_check.engine,
        "n_steps": int(len(times)), "dt_h": dt_h,
        "conventions": "reverse flow = forward (downstream) active power < 0: park net import < 0, feeder head flowing "
                       "towards the 10 kV busbar, substation transformer / ext grid feeding back into 110 kV; open "
                       "capacity: DL/T 2041-2019 style, hourly means of 15-min values (network_models.open_capacity)",
        "project": kp["project"], "baseline": kp["baseline"], "change": _change(kp),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    cols = ["run", "element", "type", "branch", "park", "rating_mva"]
    with warnings.catch_warnings():  # all-None time columns (no reverse flow) in some parts
        warnings.simplefilter("ignore", FutureWarning)
        elements = pd.concat(tabs, ignore_index=True)
        rfm = pd.concat(mons, ignore_index=True)
    elements = elements[cols + [c for c in elements.columns if c not in cols]]
    for c in ("reverse_p_max_time", "s_load_max_time", "p_min_time"):
        elements[c] = [None if pd.isna(x) else str(x) for x in elements[c]]
    rfm["reverse_p_max_time"] = [None if pd.isna(x) else str(x) for x in rfm["reverse_p_max_time"]]
    rfm = rfm[["run", "element", "month", "reverse_hours_h", "reverse_energy_mwh", "reverse_p_max_mw", "reverse_p_max_time"]]
    say(f"AC check ({scn.ac_check.engine}) of project and baseline over {len(times)} steps: {timings['total_s']:.1f} s")
    return GridYear(kpis, elements, rfm, acs)


def summary_lines(g: dict[str, Any]) -> list[str]:
    """Lines of the printed evaluation summary for the ``grid_year`` KPI section."""
    if not g or g.get("skipped"):
        return [f"  AC grid check: skipped ({(g or {}).get('note', 'not run')})"]
    P, B = g["project"], g["baseline"]

    def rf_sum(k, grp):
        d = k["reverse_flow"][grp]
        return sum(v["hours_h"] for v in d.values()), max(d.items(), key=lambda x: x[1]["hours_h"], default=(None, None))

    lab = {"full_year": "the whole year", "days": "every step of the period",
           "representative_days": "the typical days' steps, weighted to the year"}[g["period"]]
    sub = [(k["reverse_flow"]["substation"] or {}).get("hours_h", 0.0) for k in (P, B)]
    lines = [f"  AC grid check ({g['engine']}, {g['n_steps']:,} steps: {lab}) project / baseline:",
             f"    reverse flow into 110 kV [h]         {sub[0]:,.1f} / {sub[1]:,.1f}"]
    for grp, what in (("feeders", "feeders towards the busbar"), ("parks", "parks exporting")):
        (sp, (ep, vp)), (sb, _) = rf_sum(P, grp), rf_sum(B, grp)
        worst = f" (most: {ep} {vp['hours_h']:,.1f} h, {vp['energy_mwh']:,.1f} MWh)" if ep and vp["hours_h"] > 0 else ""
        lines.append(f"    {what + ' [h, sum]':<36} {sp:,.1f} / {sb:,.1f}{worst}")
    vp_, vb = P["violations"], B["violations"]
    lines.append(f"    violations [steps × elements]        {vp_['n_total']:,} / {vb['n_total']:,} (voltage "
                 f"{vp_['n_undervoltage'] + vp_['n_overvoltage']:,} / {vb['n_undervoltage'] + vb['n_overvoltage']:,}, overload "
                 f"{vp_['n_overload_line'] + vp_['n_overload_trafo']:,} / {vb['n_overload_line'] + vb['n_overload_trafo']:,}, "
                 f"not converged {vp_['n_not_converged']} / {vb['n_not_converged']})")
    if not P["open_capacity"]:
        lines.append("    open capacity: no transformer or feeder with a rating in this network")
    for key, what, unit in (("load_mva", "load", "MVA"), ("gen_mw", "generation", "MW")):
        a, b = P["open_capacity_min"][key], B["open_capacity_min"][key]
        if a and b:
            lines.append(f"    smallest open capacity, {what:<10}     {a['value']:,.2f} {unit} at {a['element']} / "
                         f"{b['value']:,.2f} {unit} at {b['element']}")
    return lines
