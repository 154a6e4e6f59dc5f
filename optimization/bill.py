"""The park bill of a schedule: one definition for run, rolling windows, evaluation, DR, capacity and VPP.

A park has one meter. Per step ``t`` the flows at the connection are netted first
(:func:`net_flows`): ``import = max(imp - exp, 0)``, ``export = max(exp - imp, 0)``, so a step never
shows import and export at once (the LP may leave such an overlap where it costs nothing).

Bill per park [CNY] over billing months ``m``:

* energy ``E = sum_t price[t] · import[t] · dt_h``;
* export revenue ``X = sum_t export_price[t] · export[t] · dt_h``;
* demand charge ``D = demand_charge_cny_per_mw_month · sum_m max_{t in m} import[t]`` (two-part tariff:
  the month's highest 15-min import; the full monthly charge on the peak seen in a shorter horizon);
* total ``E - X + D + asset costs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def net_flows(imp: np.ndarray, exp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One meter: ``(max(imp - exp, 0), max(exp - imp, 0))`` elementwise [MW]."""
    imp = np.asarray(imp, dtype=float)
    exp = np.asarray(exp, dtype=float)
    overlap = np.minimum(imp, exp)
    return imp - overlap, exp - overlap


def monthly_bill(parks: pd.DataFrame, dt_h: float, demand_charge_cny_per_mw_month: float) -> pd.DataFrame:
    """Per park and billing month: energy cost, export revenue, peak import, energies, demand charge.

    ``parks`` is a park × step table with ``time, park, p_import_mw, p_export_mw, price_cny_per_mwh,
    export_price_cny_per_mwh`` (netted flows) and optionally ``month`` (billing month label; else the
    calendar month of ``time``).
    """
    df = parks[["time", "park", "p_import_mw", "p_export_mw", "price_cny_per_mwh", "export_price_cny_per_mwh"]].copy()
    df["month"] = parks["month"].astype(str) if "month" in parks else pd.DatetimeIndex(df["time"]).strftime("%Y-%m")
    df["energy_cost_cny"] = df["price_cny_per_mwh"] * df["p_import_mw"] * dt_h
    df["export_revenue_cny"] = df["export_price_cny_per_mwh"] * df["p_export_mw"] * dt_h
    monthly = df.groupby(["park", "month"]).agg(
        energy_cost_cny=("energy_cost_cny", "sum"), export_revenue_cny=("export_revenue_cny", "sum"),
        peak_import_mw=("p_import_mw", "max"), import_mwh=("p_import_mw", "sum"), export_mwh=("p_export_mw", "sum"),
    ).reset_index()
    monthly["import_mwh"] *= dt_h
    monthly["export_mwh"] *= dt_h
    monthly["demand_charge_cny"] = demand_charge_cny_per_mw_month * monthly["peak_import_mw"]
    return monthly


def park_bill(monthly: pd.DataFrame, asset_cost_cny: dict[str, float] | None = None,
              order: list[str] | None = None) -> pd.DataFrame:
    """Per-park totals of :func:`monthly_bill` plus each park's asset costs [CNY] (rows in ``order``,
    else sorted by park name)."""
    asset_cost_cny = asset_cost_cny or {}
    rows = []
    groups = dict(list(monthly.groupby("park", sort=True)))
    for p in (order or list(groups)):
        g = groups[p]
        energy, revenue, demand = float(g.energy_cost_cny.sum()), float(g.export_revenue_cny.sum()), float(g.demand_charge_cny.sum())
        a_cost = float(asset_cost_cny.get(p, 0.0))
        rows.append({
            "park": p, "energy_cost_cny": energy, "export_revenue_cny": revenue, "demand_charge_cny": demand,
            "asset_cost_cny": a_cost, "total_cost_cny": energy - revenue + demand + a_cost,
            "peak_import_mw": float(g.peak_import_mw.max()), "import_mwh": float(g.import_mwh.sum()),
            "export_mwh": float(g.export_mwh.sum()),
        })
    return pd.DataFrame(rows)
