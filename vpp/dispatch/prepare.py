"""Inputs of a dispatch: profiles and grid of a scenario (:func:`prepare`) and the LP's model data.

``prepare(scn)`` builds what does not depend on the strategy (seeded profiles, the pandapower grid with
one element per asset, the parks' transformer capacity); ``model_data(scn, profiles, capacity_mva)``
turns a scenario and its profiles into the plain arrays of :class:`optimization.ModelData`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import vpp.assets  # noqa: F401  (registers the asset kinds the model data refers to)
from network_models.ratings import connection_capacity_mva
from optimization import AssetInput, ModelData, ParkInput
from scenarios.billing_schema import demand_basis
from scenarios.schema import Scenario
from vpp.profiles import Profiles, build_profiles

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


def prepare(scn: Scenario, grid: bool = True) -> Prepared:
    """Profiles (seeded) and the pandapower grid with one element per asset.

    ``grid=False`` (studies without a power flow, e.g. the year evaluation) skips the grid: the parks'
    transformer capacity then comes from the scenario's transformer types
    (:func:`network_models.ratings.connection_capacity_mva`, the same figure) and pandapower is not
    imported.
    """
    t0 = time.perf_counter()
    profiles = build_profiles(scn)
    t1 = time.perf_counter()
    net, elements = None, None
    if grid:
        from network_models.builders import build_grid, park_capacity_mva  # pandapower: loaded here
        from network_models.mapping import attach_assets

        net = build_grid(scn)
        elements = attach_assets(net, scn)
        capacity = {p.name: park_capacity_mva(net, p.name) for p in scn.parks}
    else:
        capacity = connection_capacity_mva(scn)
    t2 = time.perf_counter()
    return Prepared(scn, profiles, net, elements, capacity, {"profiles_s": t1 - t0, "network_s": t2 - t1})


def park_inputs(scn: Scenario, capacity_mva: dict[str, float | None], first_month: str | None = None) -> list[ParkInput]:
    """Connection limits: explicit values, else ``n × Sn × 0.95`` of the park's transformers, else none.

    Bill (docs/billing.md): the park's basic-charge basis (``park.billing.basis``, else the tariff's), its
    contract demand, power-factor standard and compensation; a declared ``billing.peak_so_far_mw`` is the
    maximum demand of ``first_month`` (the horizon's first billing month) before the horizon.
    """
    out = []
    for p in scn.parks:
        c = p.connection
        cap = capacity_mva.get(p.name)
        imp = c.p_import_max_mw if c.p_import_max_mw is not None else (cap * IMPORT_LIMIT_POWER_FACTOR if cap else None)
        exp = c.p_export_max_mw if c.p_export_max_mw is not None else imp
        b = p.billing
        pin = ParkInput(p.name, [a.name for a in p.assets], imp, exp, c.no_reverse_flow,
                        demand_basis=demand_basis(b, scn.tariff.billing), contract_demand_mw=b.contract_demand_mw,
                        power_factor_standard=b.power_factor_standard, q_compensation_mvar=b.q_compensation_mvar)
        if b.peak_so_far_mw is not None and first_month is not None:
            pin.peak_so_far_mw = {first_month: float(b.peak_so_far_mw)}
            pin.peak_so_far_from = f"declared (park billing.peak_so_far_mw, {first_month})"
        out.append(pin)
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
        for col, series in profiles.hvac.get(a.name, {}).items():  # air conditioning: t_out_c, q_gain_mw, ...
            prof[col] = series.to_numpy(dtype=float)
        for col, series in profiles.inputs.get(a.name, {}).items():  # data_centre, dc_building: their columns
            prof[col] = series.to_numpy(dtype=float)
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
    demand = scn.tariff.demand_charge_cny_per_mw_month if scn.tariff.billing != "single_part" else 0.0
    month = np.asarray(profiles.month, dtype=str)
    return ModelData(
        index=profiles.index,
        dt_h=profiles.dt_h,
        price_cny_per_mwh=profiles.prices["price_cny_per_mwh"].to_numpy(dtype=float),
        export_price_cny_per_mwh=export_price_for_model(profiles),
        month=month,
        demand_charge_cny_per_mw_month=demand,
        parks=park_inputs(scn, capacity_mva, str(month[0]) if len(month) else None),
        assets=asset_inputs(scn, profiles),
        smoothing_cny_per_mw=float(scn.solver.smoothing_cny_per_mw),
    )
