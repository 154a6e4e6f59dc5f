"""Key performance indicators of a run: money, peaks, energy, carbon, grid and solver figures.

Definitions (``dt_h`` = step length, sums over the horizon):

* ``total_cost_cny`` = energy cost − export revenue + demand charge + capacity charge + asset costs
  (curtailment, degradation, interruption, unmet-EV penalties); the capacity charge is the monthly
  CNY/MVA charge on the parks' transformer capacity, pro rata for the simulated days.
* ``pv_self_consumption_share`` = (PV used − export) / PV used, ``pv_curtailment_share`` = curtailed /
  available.
* ``load_mwh`` = energy drawn by the loads (fixed, interruptible after curtailment, thermal, shiftable).
* ``ev_delivered_mwh`` = net energy into the vehicles (charging minus V2G discharge);
  ``ev_v2g_discharged_mwh`` = energy the vehicles fed back; ``ev_uncertainty_capped_mwh`` = energy not
  planned because a driver may leave early (``departure_uncertainty_h``, :mod:`vpp.assets.ev_charging`).
* ``co2_t`` = grid import [MWh] × emission factor [t/MWh] (``ef_kgco2_per_kwh`` is numerically t/MWh).
* grid KPIs come from the AC power flow: extreme voltages of ≤ 20 kV buses, maximum loadings,
  counts of (step, element) violations, energy losses and non-converged steps.
"""

from __future__ import annotations

import calendar
from typing import Any

import numpy as np
import pandas as pd

from optimization.registry import REGISTRY
from optimization.results import DispatchResult
from scenarios.billing_schema import demand_basis
from scenarios.schema import ASSET_SPECS, Scenario




def site_load_kinds() -> list[str]:
    """Kinds whose energy is site load (generation, storage and EV charging are reported separately);
    each kind declares it (``site_load`` in :class:`scenarios.base.AssetBase`)."""
    return [k for k, spec in ASSET_SPECS.items() if spec.site_load]


def capacity_charge_cny(scn: Scenario, capacity_mva: dict[str, float | None], index: pd.DatetimeIndex) -> dict[str, float]:
    """Capacity charge per park for the simulated days [CNY] (two-part tariff on transformer capacity, parks
    whose basic-charge basis is ``capacity``: ``park.billing.basis`` or the tariff's ``two_part_capacity``):
    ``rate × kVA × sum over days of 1 / days of their month`` (the monthly charge pro rata per day)."""
    days = pd.Series(index.normalize().unique())
    month_fraction = sum(1.0 / calendar.monthrange(d.year, d.month)[1] for d in days)
    return {
        p.name: (scn.tariff.capacity_charge_cny_per_mva_month * float(capacity_mva.get(p.name) or 0.0) * month_fraction
                 if demand_basis(p.billing, scn.tariff.billing) == "capacity" else 0.0)
        for p in scn.parks
    }


def _sum(df: pd.DataFrame, kind: str, col: str, dt_h: float | None = None) -> float:
    sel = df.loc[df["kind"] == kind, col] if col in df else pd.Series(dtype=float)
    s = float(np.nansum(sel.to_numpy()))
    return s * dt_h if dt_h is not None else s


def power_changes(assets: pd.DataFrame, kind: str, tol_mw: float = 1e-6) -> int:
    """Number of steps with ``|p_inject[a,t] - p_inject[a,t-1]| > tol_mw`` [MW], summed over the assets of
    ``kind`` (how often their power changes; the smoothing term of the LP lowers it, docs/architecture.md)."""
    a = assets.loc[assets["kind"] == kind, ["asset", "time", "p_inject_mw"]]
    if a.empty:
        return 0
    a = a.sort_values(["asset", "time"], kind="stable")
    p = a["p_inject_mw"].to_numpy(dtype=float)
    same = a["asset"].to_numpy()[1:] == a["asset"].to_numpy()[:-1]
    return int(((np.abs(np.diff(p)) > tol_mw) & same).sum())


def dispatch_kpis(scn: Scenario, res: DispatchResult, dt_h: float, capacity_mva: dict[str, float | None]) -> dict[str, Any]:
    """Money, energy, peaks and carbon of a dispatch (no grid figures)."""
    a, parks, costs = res.assets, res.parks, res.costs
    index = pd.DatetimeIndex(parks["time"].unique())
    cap = capacity_charge_cny(scn, capacity_mva, index)
    pv_avail = _sum(a, "pv", "p_available_mw", dt_h)
    pv_used = _sum(a, "pv", "p_inject_mw", dt_h)
    export = float(costs["export_mwh"].sum())
    imp = float(costs["import_mwh"].sum())
    substation = parks.groupby("time")["p_net_import_mw"].sum()
    k: dict[str, Any] = {
        "strategy": res.strategy,
        "total_cost_cny": float(costs["total_cost_cny"].sum()) + sum(cap.values()),
        "energy_cost_cny": float(costs["energy_cost_cny"].sum()),
        "export_revenue_cny": float(costs["export_revenue_cny"].sum()),
        "demand_charge_cny": float(costs["demand_charge_cny"].sum()),
        "capacity_charge_cny": float(sum(cap.values())),
        "asset_cost_cny": float(costs["asset_cost_cny"].sum()),
        "power_factor_adjustment_cny": float(costs["power_factor_adjustment_cny"].sum())
        if "power_factor_adjustment_cny" in costs else 0.0,
        # the LP's smoothing term (optimization.smoothing): not billed, not in total_cost_cny
        "smoothing_penalty_cny": float(res.smoothing_penalty_cny),
        "demand_charge_basis": {r.park: f"{r.demand_basis}; month so far {r.peak_so_far_mw:.3f} MW: {r.peak_so_far_from}"
                                for r in costs.itertuples()} if "demand_basis" in costs else {},
        "import_mwh": imp,
        "export_mwh": export,
        "load_mwh": -float(a.loc[a["kind"].isin(site_load_kinds()), "p_inject_mw"].sum()) * dt_h,
        "peak_import_mw": {r.park: float(r.peak_import_mw) for r in costs.itertuples()},
        "substation_peak_mw_dispatch": float(substation.max()),
        "pv_available_mwh": pv_avail,
        "pv_used_mwh": pv_used,
        "pv_curtailed_mwh": _sum(a, "pv", "p_curtailed_mw", dt_h),
        "pv_self_consumption_share": (pv_used - min(export, pv_used)) / pv_used if pv_used > 0 else None,
        "pv_curtailment_share": (pv_avail - pv_used) / pv_avail if pv_avail > 0 else None,
        "ev_delivered_mwh": _sum(a, "ev_charging", "p_charge_mw", dt_h) - _sum(a, "ev_charging", "p_discharge_mw", dt_h),
        "ev_unmet_mwh": _sum(a, "ev_charging", "e_unmet_mwh"),
        "ev_v2g_discharged_mwh": _sum(a, "ev_charging", "p_discharge_mw", dt_h),
        "ev_uncertainty_capped_mwh": _sum(a, "ev_charging", "e_capped_mwh"),
        "battery_discharged_mwh": _sum(a, "battery", "p_discharge_mw", dt_h),
        "battery_power_changes": power_changes(a, "battery"),
        "interruptible_curtailed_mwh": _sum(a, "interruptible_load", "p_curtailed_mw", dt_h),
        "co2_t": imp * scn.carbon.ef_kgco2_per_kwh,
    }
    k.update(kind_kpis(scn, a, dt_h))
    return k


def kind_kpis(scn: Scenario, assets: pd.DataFrame, dt_h: float) -> dict[str, Any]:
    """The kinds' own KPI sections ``{kind: {asset: {...}}}`` (``AssetBlock.kpis``, e.g. ``data_centre``: PUE
    against its target; ``dc_building``: converter and target band) from an assets result table with
    ``time``, ``kind`` and ``asset`` columns; kinds without a section are left out."""
    specs = {asset.name: asset for _, asset in scn.assets()}
    out: dict[str, Any] = {}
    for kind, block in REGISTRY.items():
        rows = assets[assets["kind"] == kind]
        section = block.kpis(rows, dt_h, specs) if len(rows) else {}
        if section:
            out[kind] = section
    return out


def grid_kpis(ac, dt_h: float) -> dict[str, Any]:
    """Figures of the AC check (``network_models.powerflow.ACResult``)."""
    s = ac.summary
    conv = s["converged"].astype(bool)
    return {
        "ac_steps": int(len(s)),
        "ac_nonconverged_steps": int((~conv).sum()),
        "vm_min_pu": float(s["vm_min_pu"].min()),
        "vm_max_pu": float(s["vm_max_pu"].max()),
        "line_loading_max_percent": float(s["line_loading_max_percent"].max()),
        "trafo_loading_max_percent": float(s["trafo_loading_max_percent"].max()),
        "n_voltage_violations": int(s["n_voltage_violations"].sum()),
        "n_overloads": int(s["n_overloads"].sum()),
        "losses_mwh": float(s["losses_mw"].sum() * dt_h),
        "substation_peak_mw_ac": float(s["p_ext_grid_mw"].max()),
    }
