"""Optimal sizing of the project's PV and batteries (``vpp evaluate --size pv,battery``), REopt-style.

One perfect-foresight LP over the evaluated period (the dispatch model of :mod:`optimization.model`) in
which the size of every PV asset (``size_mwp[a]`` [MWp]) and every battery (``size_e_mwh[a]`` [MWh],
``size_p_mw[a]`` [MW]) of the sized kinds is a variable within ``economics.size_bounds`` (an upper bound
left unset is 2 × the asset's scenario size). The blocks' sizing hook (``ModelData.sizing``) replaces the
constant limits by constraints in the size (see :mod:`vpp.assets.pv`, :mod:`vpp.assets.battery`).

Objective [CNY over the period of ``days``], the annual cost divided by the annualisation ``365/days``::

    energy − export + asset costs                                   (period, as simulated)
      + demand_charge × (12 / months) / (365 / days) × sum_m peak_m  (monthly charge, annualised like the bill)
      + (days / 365) × sum_a c_u · size_u[a]                         (annualised capex + O&M per unit)

with ``c_u`` of :func:`vpp.economics.annualised_cost_per_unit` (``CRF(r, N) × capex per unit + O&M``). For a
full year both scale factors are 1. The optimum of an LP is at a corner: a size is at a bound unless a
constraint couples it to the operation (e.g. the battery power is only as large as the energy it can move).

A battery whose power capex is 0 (the default: the CNY/Wh price includes the PCS) has a free power size;
the reported power is then the largest converter power the optimal schedule uses,
``max_t (p_charge + p_discharge)``, which keeps that schedule feasible. Sizes below 1 W/Wh are reported as 0
and the asset is dropped from the evaluated project.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
import pyomo.environ as pyo

from optimization import build_model
from optimization.session import solve
from scenarios.schema import Scenario
from vpp import economics as ec
from vpp.errors import VppError
from vpp.evaluation.data import slice_data

SIZE_KINDS = ("pv", "battery")
ZERO_MW = 1e-6  # sizes below 1 W / 1 Wh count as "do not build"


def parse_size(text: str | None) -> tuple[str, ...]:
    """``'pv,battery'`` -> ``('pv', 'battery')``; unknown kinds raise a one-line error."""
    if not text:
        return ()
    kinds = tuple(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    bad = [k for k in kinds if k not in SIZE_KINDS]
    if bad or not kinds:
        raise VppError(f"--size {text!r}: choose from {', '.join(SIZE_KINDS)} (comma-separated)")
    return kinds


@dataclass
class SizingResult:
    """Chosen sizes and their cost.

    ``table``: one row per sized asset and size quantity: ``asset, park, kind, quantity`` (``pv_mwp``,
    ``battery_e_mwh``, ``battery_p_mw``), ``scenario_size``, ``lo``, ``hi``, ``size`` (internal unit),
    ``size_kilo`` (kWp, kWh, kW), ``annual_cost_cny_per_unit`` and ``annualised_cost_cny`` (per year).
    """

    kinds: tuple[str, ...]
    table: pd.DataFrame
    annualised_capex_cny: float
    period_capex_cny: float
    objective_cny: float
    solve_s: float
    scenario: Scenario
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kinds": list(self.kinds), "annualised_capex_cny_per_year": self.annualised_capex_cny,
            "period_capex_cny": self.period_capex_cny, "objective_cny": self.objective_cny, "solve_s": self.solve_s,
            "assets": self.table.to_dict(orient="records"), "notes": self.notes,
            "foresight": "perfect over the evaluated period (one LP)",
        }


def sizing_bounds(scn: Scenario, kinds: tuple[str, ...]) -> dict[str, dict[str, tuple[float, float]]]:
    """``asset -> {quantity: (lo, hi)}`` for every asset of the sized kinds (scenario size as the default cap)."""
    sb = scn.economics.size_bounds
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for _, a in scn.assets():
        if a.kind == "pv" and "pv" in kinds:
            out[a.name] = {"pv_mwp": sb.bounds("pv_mwp", a.p_mwp)}
        elif a.kind == "battery" and "battery" in kinds:
            out[a.name] = {"battery_e_mwh": sb.bounds("battery_e_mwh", a.e_max_mwh),
                           "battery_p_mw": sb.bounds("battery_p_mw", a.p_max_mw)}
    missing = [k for k in kinds if not any(a.kind == k for _, a in scn.assets())]
    if missing:
        raise VppError(f"--size {','.join(kinds)}: the scenario has no {' or '.join(missing)} asset to size "
                       "(add one with a nominal size; 2 × that size is the default upper bound)")
    return out


def build_sizing_model(data, cost_u: dict[str, float], scale: float = 1.0, scale_m: float = 1.0):
    """The dispatch model of ``data`` (with ``data.sizing``) plus the capex term (module docstring).

    ``cost_u``: yearly cost per unit [CNY/yr per MWp, MWh, MW]; ``scale`` = 365/days, ``scale_m`` = 12/months.
    """
    dm = build_model(data)
    m = dm.m
    m.demand_charge_cny_per_mw_month.set_value(data.demand_charge_cny_per_mw_month * scale_m / scale)
    var = {"pv_mwp": "size_mwp", "battery_e_mwh": "size_e_mwh", "battery_p_mw": "size_p_mw"}
    terms = []
    for kind, qty in (("pv", ("pv_mwp",)), ("battery", ("battery_e_mwh", "battery_p_mw"))):
        if kind not in dm.blocks:
            continue
        b = getattr(m, kind)
        for a in getattr(dm.blocks[kind], "sized", []):
            terms.extend(cost_u[q] / scale * getattr(b, var[q])[a] for q in qty)
    m.sizing_capex_cny = pyo.Expression(expr=sum(terms))
    m.objective.deactivate()
    m.sizing_objective = pyo.Objective(expr=m.objective.expr + m.sizing_capex_cny, sense=pyo.minimize)
    return dm


def size_project(scn: Scenario, kinds: tuple[str, ...], full_data, n_days: int, log=None) -> SizingResult:
    """Solve the sizing LP (module docstring) on ``full_data`` (inputs of at least ``n_days``) and return the sizes."""
    say = log or (lambda msg: None)
    t0 = time.perf_counter()
    data = slice_data(full_data, n_days * int(round(24 / full_data.dt_h)))
    data.sizing = sizing_bounds(scn, kinds)
    cost_u = ec.annualised_cost_per_unit(scn.economics)
    scale = 365.0 / n_days if n_days < 365 else 1.0
    n_months = len(set(str(x) for x in data.month))
    scale_m = 12.0 / n_months if n_days < 365 else 1.0
    say(f"sizing {', '.join(kinds)} of {len(data.sizing)} asset(s): one LP over {n_days} day(s)")
    dm = build_sizing_model(data, cost_u, scale, scale_m)
    info = solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    m = dm.m

    rows, notes = [], []
    specs = {a.name: (p.name, a) for p, a in scn.assets()}
    for kind in ("pv", "battery"):
        if kind not in dm.blocks:
            continue
        blk, b = dm.blocks[kind], getattr(m, kind)
        for a in getattr(blk, "sized", []):
            park, spec = specs[a]
            if kind == "pv":
                vals = {"pv_mwp": (float(pyo.value(b.size_mwp[a])), spec.p_mwp)}
            else:
                p_var = float(pyo.value(b.size_p_mw[a]))
                if cost_u["battery_p_mw"] <= 0:
                    used = max(float(pyo.value(b.p_charge_mw[a, t] + b.p_discharge_mw[a, t])) for t in b.T)
                    lo = data.sizing[a]["battery_p_mw"][0]
                    p_var = max(lo, min(p_var, used))
                vals = {"battery_e_mwh": (float(pyo.value(b.size_e_mwh[a])), spec.e_max_mwh),
                        "battery_p_mw": (p_var, spec.p_max_mw)}
            for q, (v, s0) in vals.items():
                v = 0.0 if v < ZERO_MW else v
                lo, hi = data.sizing[a][q]
                rows.append({"asset": a, "park": park, "kind": kind, "quantity": q, "scenario_size": s0, "lo": lo,
                             "hi": hi, "size": v, "size_kilo": v * 1e3, "annual_cost_cny_per_unit": cost_u[q],
                             "annualised_cost_cny": cost_u[q] * v})
    table = pd.DataFrame(rows)
    annual = float(table["annualised_cost_cny"].sum()) if len(table) else 0.0
    sized = apply_sizes(scn, table, notes)
    return SizingResult(kinds, table, annual, annual / scale, info.objective_cny, time.perf_counter() - t0, sized, notes)


def apply_sizes(scn: Scenario, table: pd.DataFrame, notes: list[str] | None = None) -> Scenario:
    """The scenario with the chosen sizes; an asset sized to 0 (PV, or battery energy or power) is removed."""
    notes = notes if notes is not None else []
    val = {(r.asset, r.quantity): r.size for r in table.itertuples()}
    parks = []
    for p in scn.parks:
        assets = []
        for a in p.assets:
            if a.kind == "pv" and (a.name, "pv_mwp") in val:
                v = val[(a.name, "pv_mwp")]
                if v <= 0:
                    notes.append(f"{a.name}: PV sized to 0 (not built)")
                    continue
                a = a.model_copy(update={"p_mwp": v})
            elif a.kind == "battery" and (a.name, "battery_e_mwh") in val:
                e, pw = val[(a.name, "battery_e_mwh")], val[(a.name, "battery_p_mw")]
                if e <= 0 or pw <= 0:
                    notes.append(f"{a.name}: battery sized to 0 (not built)")
                    continue
                a = a.model_copy(update={"e_max_mwh": e, "p_max_mw": pw})
            assets.append(a)
        if not assets:
            raise VppError(f"park '{p.name}': every asset was sized to 0; nothing left to evaluate")
        parks.append(p.model_copy(update={"assets": assets}))
    return scn.model_copy(update={"parks": parks})

