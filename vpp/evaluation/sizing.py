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

**On representative days** (``--representative-days K --size ...``; :func:`rep_sizing_data`,
:func:`build_rep_sizing_model`). The K typical days ``k`` of :mod:`vpp.evaluation.repdays` (dates ``d_k``,
weights ``w_k`` = days of the year each stands for, ``sum_k w_k`` = days of the year) are placed one after
another in the chronological order of their dates and form one LP (each day's inputs are the year's inputs
of that date, as the rep-day evaluation simulates it; the EV sessions of a day are shifted with it). The
storage state (battery SOC, thermal stores, EV sessions crossing midnight) chains from one typical day into
the next as in the rolling evaluation — an approximation: in the year a typical day is followed by other
days. With ``w[t]`` = the weight of step ``t``'s typical day, the objective [CNY/yr] is::

    sum_t w[t] · (price[t]·import[p,t] − export_price[t]·export[p,t]) · dt_h      (energy − export)
      + sum over asset-cost summands i of w[t_i] · cost_i                          (asset costs)
      + r · sum_{p,m} peak[p,m]                                                    (demand charge, max_demand)
      + sum_a c_u · size_u[a]                                                      (annualised capex, unscaled)

``peak[p,m] >= (1/|S_j|) · sum_{t in S_j} import[p,t]`` for every 15-min demand block ``S_j`` of every typical
day that stands for at least one day of billing month ``m`` (a day's block bounds every month it stands in:
the rep-day bill's rule); ``m`` runs over the 12 months of the year. These replace the model's own
``peak_def`` / ``peak_floor`` / ``excess_def`` and demand charge (deactivated, unused): the sizing LP has no
month so far (a year starts every month, ``peak_so_far = 0``) and no excluded demand blocks (no DR window).
A ``contract_demand`` park pays ``r · C`` per month plus ``2 r · excess[p,m]``, ``excess >= peak − 1.05 C``.
The asset costs are the blocks' own ``cost_cny`` expressions split into their summands; a summand is
weighted by the typical day of its first step-indexed variable (``[.., t]`` over ``T``, ``[.., k]`` over
``K1`` -> step ``k − 1``, ``(s, t)`` pairs); a summand without one (an EV session's unmet-energy penalty, the
AC comfort tie-break, constants) is weighted by the mean weight ``sum_k w_k / K`` — an approximation. The
energy and export terms are rebuilt from the same model variables; the dispatch model itself is unchanged,
so every other result is as before. With every weight 1 and one month bound by all steps it is the period
LP above with scale factors 1 (tested).

**Green/CO2 targets** (``carbon.green_share_target``, ``co2_cap_t``, ``co2_intensity_cap_kg_per_kwh``; ``vpp
evaluate --size ... --green-share 0.6``): both LPs get the same rows from
:func:`vpp.evaluation.green.add_green_constraints` (steps weighted by ``w[t]``, or by ``365/days`` in the
period LP) and, with ``carbon.green_purchase``, the purchase ``g`` [MWh/yr] at ``price · g`` in the objective.
The targets' shadow prices are the row duals (:class:`optimization.session.SolveSession.row_dual`); an
unreachable target raises one line with the best reachable value (:func:`vpp.evaluation.green.max_reachable`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization import ModelData, build_model
from optimization.bill import CONTRACT_TOLERANCE
from optimization.registry import AssetInput
from optimization.session import SolveSession, solve
from scenarios.schema import Scenario
from vpp import economics as ec
from vpp.errors import VppError
from vpp.evaluation.data import slice_data
from vpp.rolling import window_data

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
    green: dict | None = None  # with a green/CO2 target: the LP design's green figures and shadow prices

    def as_dict(self) -> dict:
        return {
            "kinds": list(self.kinds), "annualised_capex_cny_per_year": self.annualised_capex_cny,
            "period_capex_cny": self.period_capex_cny, "objective_cny": self.objective_cny, "solve_s": self.solve_s,
            "assets": self.table.to_dict(orient="records"), "notes": self.notes, "green": self.green,
            "foresight": "perfect over the evaluated period (one LP; on representative days: over the typical days "
                          "placed one after another, weighted to the year)",
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


def capex_expr(dm, cost_u: dict[str, float], scale: float = 1.0):
    """``sum_a c_u · size_u[a] / scale`` over the sized PV and battery assets of ``dm`` [CNY per period;
    ``scale`` = 365/days, 1 for a year]; 0 when nothing is sized."""
    var = {"pv_mwp": "size_mwp", "battery_e_mwh": "size_e_mwh", "battery_p_mw": "size_p_mw"}
    terms = []
    for kind, qty in (("pv", ("pv_mwp",)), ("battery", ("battery_e_mwh", "battery_p_mw"))):
        if kind not in dm.blocks:
            continue
        b = getattr(dm.m, kind)
        for a in getattr(dm.blocks[kind], "sized", []):
            terms.extend(cost_u[q] / scale * getattr(b, var[q])[a] for q in qty)
    return sum(terms) if terms else 0.0


def build_sizing_model(data, cost_u: dict[str, float], scale: float = 1.0, scale_m: float = 1.0, carbon=None):
    """The dispatch model of ``data`` (with ``data.sizing``) plus the capex term (module docstring).

    ``cost_u``: yearly cost per unit [CNY/yr per MWp, MWh, MW]; ``scale`` = 365/days, ``scale_m`` = 12/months.
    ``carbon`` (a scenario's ``carbon`` section): its green/CO2 targets as rows and the green purchase as a
    variable (:func:`vpp.evaluation.green.add_green_constraints`; steps weighted by ``scale`` so that the
    sums are per year, the purchase cost ``price · g / scale`` per period like the capex).
    """
    from vpp.evaluation.green import add_green_constraints

    dm = build_model(data)
    m = dm.m
    m.demand_charge_cny_per_mw_month.set_value(data.demand_charge_cny_per_mw_month * scale_m / scale)
    m.sizing_capex_cny = pyo.Expression(expr=capex_expr(dm, cost_u, scale))
    green_cost = 0.0
    if carbon is not None:
        green_cost, _ = add_green_constraints(dm, carbon, np.full(data.n_t, float(scale)))
    m.sizing_green_cost_cny = pyo.Expression(expr=green_cost / scale)
    m.objective.deactivate()
    m.sizing_objective = pyo.Objective(expr=m.objective.expr + m.sizing_capex_cny + m.sizing_green_cost_cny,
                                       sense=pyo.minimize)
    return dm


def size_project(scn: Scenario, kinds: tuple[str, ...], full_data, n_days: int, log=None, rep=None) -> SizingResult:
    """Solve the sizing LP (module docstring) on ``full_data`` (inputs of at least ``n_days``) and return the sizes.

    ``rep`` (:class:`vpp.evaluation.repdays.RepresentativeDays` of the year): the LP runs over its typical
    days with their weights (:func:`build_rep_sizing_model`) instead of every day.
    """
    say = log or (lambda msg: None)
    t0 = time.perf_counter()
    cost_u = ec.annualised_cost_per_unit(scn.economics)
    if rep is not None:
        data, w_days, month_steps = rep_sizing_data(full_data, rep)
        data.sizing = sizing_bounds(scn, kinds)
        scale = 1.0  # the weights make the typical days a year
        say(f"sizing {', '.join(kinds)} of {len(data.sizing)} asset(s): one LP over {rep.k} representative day(s) "
            f"weighted to {rep.weights.sum():g} days")
        dm = build_rep_sizing_model(data, cost_u, w_days, month_steps, carbon=scn.carbon)
    else:
        data = slice_data(full_data, n_days * int(round(24 / full_data.dt_h)))
        data.sizing = sizing_bounds(scn, kinds)
        scale = 365.0 / n_days if n_days < 365 else 1.0
        n_months = len(set(str(x) for x in data.month))
        scale_m = 12.0 / n_months if n_days < 365 else 1.0
        say(f"sizing {', '.join(kinds)} of {len(data.sizing)} asset(s): one LP over {n_days} day(s)")
        dm = build_sizing_model(data, cost_u, scale, scale_m, carbon=scn.carbon)
    info, green = _solve_with_targets(dm, scn)
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
    if rep is not None:
        notes.append(f"sized on {rep.k} representative days weighted to {rep.weights.sum():g} days (one LP, typical "
                     "days placed one after another; storage state chained between them)")
    sized = apply_sizes(scn, table, notes)
    return SizingResult(kinds, table, annual, annual / scale, info.objective_cny, time.perf_counter() - t0, sized, notes,
                        green)


def _solve_with_targets(dm, scn: Scenario):
    """Solve the sizing LP; with green/CO2 targets also read the design's green figures and the targets'
    shadow prices (row duals), and turn an infeasible target into one line with the best reachable value."""
    from vpp.errors import InfeasibleError
    from vpp.evaluation import green as gr

    opts = {"time_limit_s": scn.solver.time_limit_s, "mip_rel_gap": scn.solver.mip_rel_gap}
    tg = gr.targets(scn.carbon)
    if not tg:
        return solve(dm, **opts), None
    m = dm.m
    rows = {t.kind: getattr(m, f"green_target_{t.kind}") for t in tg}
    session = SolveSession(dm, **opts)
    try:
        info = session.solve()
    except InfeasibleError:
        best = gr.max_reachable(dm, scn.carbon, lambda d: solve(d, **opts))
        raise VppError(gr.infeasible_message(scn.carbon, best)) from None
    info.solve_s += session.compile_s
    duals = {k: session.row_dual(c) for k, c in rows.items()}
    g = float(pyo.value(m.green_purchase_mwh)) if hasattr(m, "green_purchase_mwh") else 0.0
    imp, exp_, pv = (float(pyo.value(getattr(m, f"green_{x}_mwh"))) for x in ("import", "export", "pv"))
    fig = gr.figures(imp, exp_, pv, g, scn.carbon.ef_kgco2_per_kwh)
    gp = scn.carbon.green_purchase
    fig["green_purchase_cost_cny_per_year"] = g * gp.price_cny_per_mwh if gp is not None else 0.0
    fig["targets"] = [{"target": t.kind, "value": t.value, "label": t.label} for t in tg]
    fig["shadow_prices"] = gr.shadow_prices(scn.carbon, rows, duals, fig["consumption_mwh"])
    fig["note"] = "the sized design in the sizing LP (weighted to a year), before the evaluation's own dispatch"
    return info, fig


def apply_sizes(scn: Scenario, table: pd.DataFrame, notes: list[str] | None = None) -> Scenario:
    """The scenario with the chosen sizes; an asset sized to 0 (PV, or battery energy or power) is removed.
    PV the rooftop plan sized loses its ``from_roof`` record and the scenario its ``plan``: the sizes are the LP's."""
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
                a = a.model_copy(update={"p_mwp": v, "from_roof": None})  # sized here, not by the rooftop plan
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
    # the sizes replace the rooftop plan's (a plan left in would re-size its PV when the scenario is reloaded)
    return scn.model_copy(update={"parks": parks, "plan": None})



# ---------------------------------------------------------------------------------------------------------
# Sizing on representative days (``--representative-days K --size ...``): module docstring, second part.


def rep_sizing_data(full: ModelData, rep) -> tuple[ModelData, np.ndarray, dict[str, list[int]]]:
    """The K typical days of ``rep`` placed one after another (chronological order) as one model input.

    Returns ``(data, w_days, month_steps)``: ``w_days[t]`` [days] is the weight of the typical day of step
    ``t``; ``month_steps[m]`` the steps of every typical day standing for at least one day of billing month
    ``m``. The model's time axis is contiguous from the first typical date (the EV sessions of a typical
    day are shifted with it); ``month`` keeps each step's real billing month. No stored state is passed
    between days: the SOC and thermal stores chain from one typical day to the next inside the LP.
    """
    n_day = int(round(24 / full.dt_h))
    first = full.index[((rep.dates[0] - rep.start).days) * n_day]
    parts = []
    for d in rep.dates:
        parts.append(window_data(full, (d - rep.start).days * n_day, n_day, {}, {}))
    steps = np.concatenate([np.arange((d - rep.start).days * n_day, ((d - rep.start).days + 1) * n_day)
                            for d in rep.dates])
    index = pd.date_range(first, periods=len(steps), freq=pd.Timedelta(hours=full.dt_h))
    assets: dict = {}
    for kind, lst in parts[0].assets.items():
        out = []
        for j, a in enumerate(lst):
            prof = {}
            for key, v in a.profile.items():
                if isinstance(v, np.ndarray):
                    prof[key] = np.concatenate([p.assets[kind][j].profile[key] for p in parts])
                elif key == "sessions":
                    frames = []
                    for k, p in enumerate(parts):
                        s = p.assets[kind][j].profile[key].copy()
                        shift = index[k * n_day] - p.index[0]
                        s["arrival"] = s["arrival"] + shift
                        s["departure"] = s["departure"] + shift
                        frames.append(s)
                    prof[key] = pd.concat(frames, ignore_index=True)
                else:
                    prof[key] = v
            out.append(AssetInput(a.name, a.park, a.spec, prof))
        assets[kind] = out
    for a in assets.get("ev_charging", []):  # keep the scenario's EV model choice (as slice_data)
        a.spec = next(x.spec for x in full.assets["ev_charging"] if x.name == a.name)
    data = ModelData(index=index, dt_h=full.dt_h, price_cny_per_mwh=np.asarray(full.price_cny_per_mwh)[steps],
                     export_price_cny_per_mwh=np.asarray(full.export_price_cny_per_mwh)[steps],
                     month=np.asarray(full.month)[steps], demand_charge_cny_per_mw_month=full.demand_charge_cny_per_mw_month,
                     parks=full.parks, assets=assets, smoothing_cny_per_mw=full.smoothing_cny_per_mw)
    w_days = np.repeat(np.asarray(rep.weights, dtype=float), n_day)
    months = pd.DatetimeIndex([rep.start + dt.timedelta(days=i) for i in range(rep.n_days)]).strftime("%Y-%m")
    month_steps: dict[str, list[int]] = {}
    for mth in dict.fromkeys(months):
        ks = sorted(set(int(x) for x in np.asarray(rep.assignment)[np.asarray(months == mth)]))
        month_steps[mth] = [k * n_day + s for k in ks for s in range(n_day)]
    return data, w_days, month_steps


def _flat_terms(e):
    """The summands of a (nested) Pyomo sum."""
    from pyomo.core.expr.numeric_expr import LinearExpression, SumExpression

    if isinstance(e, (SumExpression, LinearExpression)):
        return [t for a in e.args for t in _flat_terms(a)]
    return [e]


def _step_of(term, n_t: int) -> int | None:
    """The step of a cost summand: the step index of its first step-indexed variable (``[..., t]`` over a
    block's ``T``, ``[..., k]`` over ``K1`` = step ``k − 1``, ``(s, t)`` pairs), None if it has none."""
    from pyomo.core.expr.visitor import identify_variables

    for v in identify_variables(term, include_fixed=True):
        idx = v.index()
        if idx is None:
            continue
        last = idx[-1] if isinstance(idx, tuple) else idx
        subs = list(v.parent_component().index_set().subsets())
        name = subs[-1].local_name if subs else ""
        if isinstance(last, int) and name in ("T", "STV", "SM") and 0 <= last < n_t:
            return last
        if isinstance(last, int) and name == "K1" and 1 <= last <= n_t:
            return last - 1
    return None


def build_rep_sizing_model(data, cost_u: dict[str, float], w_days: np.ndarray, month_steps: dict[str, list[int]],
                           carbon=None):
    """The sizing LP over typical days placed one after another (module docstring, representative days).

    ``w_days[t]``: weight [days of the year] of step ``t``'s typical day; ``month_steps[m]``: the steps
    whose import bounds billing month ``m``'s peak. Objective [CNY/yr] = weighted energy − export + asset
    costs + demand charge on the per-month peaks + ``sum_a c_u · size_u[a]`` (``cost_u`` [CNY/yr per unit]).
    The model's own peak constraints and objective are deactivated and replaced. ``carbon``: green/CO2
    targets and green purchase as in :func:`build_sizing_model`, steps weighted by ``w_days``.
    """
    from vpp.evaluation.green import add_green_constraints

    dm = build_model(data)
    m = dm.m
    n_t = data.n_t
    w = np.asarray(w_days, dtype=float)
    if len(w) != n_t:
        raise ValueError(f"{len(w)} step weights for {n_t} steps")
    w_mean = float(w.mean())
    m.step_weight_days = pyo.Param(m.T, initialize=dict(enumerate(w.tolist())))
    m.rep_energy_cost_cny = pyo.Expression(expr=sum(
        m.step_weight_days[t] * m.price_cny_per_mwh[t] * m.p_import_mw[p, t] * m.dt_h for p in m.P for t in m.T))
    m.rep_export_revenue_cny = pyo.Expression(expr=sum(
        m.step_weight_days[t] * m.export_price_cny_per_mwh[t] * m.p_export_mw[p, t] * m.dt_h for p in m.P for t in m.T))
    cost_terms = []
    for kind, block in dm.blocks.items():
        for term in _flat_terms(block.cost_cny(getattr(m, kind))):
            t = None if isinstance(term, (int, float)) else _step_of(term, n_t)
            cost_terms.append((float(w[t]) if t is not None else w_mean) * term)
    m.rep_asset_cost_cny = pyo.Expression(expr=sum(cost_terms) if cost_terms else 0.0)
    # demand charge: one peak per park and billing month of the year, bounded by every 15-min block of every
    # typical day standing for a day of that month
    m.peak_def.deactivate()
    m.peak_floor.deactivate()
    if hasattr(m, "excess_def"):
        m.excess_def.deactivate()
    m.RM = pyo.Set(initialize=list(month_steps), ordered=True)
    m.rep_peak_mw = pyo.Var(m.P, m.RM, within=pyo.NonNegativeReals)
    block_of = {}
    for j, steps in enumerate(dm.demand_blocks):
        for s in steps:
            block_of[s] = j
    pairs = sorted({(mth, block_of[s]) for mth, st in month_steps.items() for s in st})
    blocks = dm.demand_blocks
    m.RPJ = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.rep_peak_def = pyo.Constraint(m.P, m.RPJ, rule=lambda m, p, mth, j: m.rep_peak_mw[p, mth] >= sum(
        m.p_import_mw[p, t] for t in blocks[j]) * (1.0 / len(blocks[j])))
    r = float(data.demand_charge_cny_per_mw_month)
    dc = []
    contract = [pin for pin in data.parks if pin.demand_basis == "contract_demand"]
    if contract:
        m.RPC = pyo.Set(initialize=[pin.name for pin in contract], ordered=True)
        m.rep_excess_mw = pyo.Var(m.RPC, m.RM, within=pyo.NonNegativeReals)
        cmw = {pin.name: float(pin.contract_demand_mw) for pin in contract}
        m.rep_excess_def = pyo.Constraint(m.RPC, m.RM, rule=lambda m, p, k: m.rep_excess_mw[p, k]
                                          >= m.rep_peak_mw[p, k] - CONTRACT_TOLERANCE * cmw[p])
    for pin in data.parks:
        for k in m.RM:
            if pin.demand_basis == "max_demand":
                dc.append(r * m.rep_peak_mw[pin.name, k])
            elif pin.demand_basis == "contract_demand":
                dc.append(r * float(pin.contract_demand_mw) + 2.0 * r * m.rep_excess_mw[pin.name, k])
    m.rep_demand_charge_cny = pyo.Expression(expr=sum(dc) if dc else 0.0)
    m.sizing_capex_cny = pyo.Expression(expr=capex_expr(dm, cost_u))
    green_cost = add_green_constraints(dm, carbon, w)[0] if carbon is not None else 0.0
    m.sizing_green_cost_cny = pyo.Expression(expr=green_cost)
    m.objective.deactivate()
    m.sizing_objective = pyo.Objective(
        expr=m.rep_energy_cost_cny - m.rep_export_revenue_cny + m.rep_asset_cost_cny + m.rep_demand_charge_cny
        + m.sizing_capex_cny + m.sizing_green_cost_cny, sense=pyo.minimize)
    return dm
