"""The optimised response of the parks to one DR event, and its settlement.

Steps of :func:`simulate_event` (``vpp dr``):

1. **Settlement baseline** ``B[p,t]`` per participating park, by the programme's settlement rule
   (:mod:`vpp.demand_response.rules`; rule files ``scenarios/dr_rules/*.yaml``): N of M similar days of a
   simulated history, mean or max (:mod:`vpp.demand_response.baseline`), times the rule's day-of
   adjustment factor ``k`` (the LP plans on ``k`` of the counterfactual load, the settlement re-measures
   it on the response's load). A ``district_mw`` event is split over its parks pro rata to
   ``max(0, baseline energy in the window)`` (equal shares if all are 0).
2. **Counterfactual**: the no-event optimised dispatch of the horizon (the park's normal operation).
3. **Response LP**: the same dispatch model, plus for each park ``p`` with commitment ``C_p`` over the
   event steps ``E`` (duration ``D``), with ``a[p,t] = p_import_mw − p_export_mw``:

   * response energy ``V_p = sum_{t in E} (B[p,t] − a[p,t]) · dt_h`` (peak shaving) or
     ``sum (a − B) · dt_h`` (valley filling);
   * paid energy ``Y_p <= V_p`` and ``Y_p <= paid_ratio_max · C_p · D`` (free variable);
   * shortfall ``S_p >= below_ratio · C_p · D − V_p``, ``S_p >= 0``;
   * objective: dispatch cost ``− price · c(1) · sum_p Y_p + penalty · sum_p S_p`` (rule's full-tier
     coefficient ``c(1)``; the payment tiers are not concave and are left to the settlement).

   This is the settlement rule of :mod:`vpp.demand_response.settlement` except that the per-step clipping at 0 is
   left out (it is not concave): the LP counts a step that goes the wrong way against the response,
   so it never over-estimates the payment. The settlement of the result uses the exact rule.
   For valley filling, own generation (the assets' ``exportable_mw``, i.e. PV) may not fall below the
   counterfactual during the event: curtailing PV to raise the import is not a response.
4. **Notice time**: the event is known from ``t_notice = start − notice_h``; every variable whose last
   index element is a step ``t < t_notice`` is fixed to its counterfactual value (the park ran its
   normal schedule until told). A day-ahead notice before the horizon start fixes nothing.
   Blocks that relax a limit during a called peak-shaving window are told the event's steps
   (``DispatchModel.open_event_window``: the air-conditioning set-point may rise by ``setpoint_raise_max_k``).
5. **Decline**: a park whose settled response (exact rule, factor re-measured) is worth less than not
   responding (the counterfactual dispatch settled by the same rule, penalty included) declines: its
   event-day dispatch is the counterfactual (``responded = False``). The LP cannot see the tiers, so this
   comparison is made after it.
6. **Figures** per park: verified response and settlement, physical response against the
   counterfactual, energy shifted before the event, rebound after it, cost change and net benefit

   ``net_benefit_cny = dr_revenue_cny − (cost_event_cny − cost_no_event_cny)``

   with the costs of :mod:`optimization.results` (energy − export revenue + demand charge + asset
   costs) over the whole horizon. Rebound: ``sum_{t >= end} max(0, a1 − a0) · dt_h`` for peak shaving
   (``max(0, a0 − a1)`` for valley filling) with ``a1`` the response and ``a0`` the counterfactual.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization import build_model
from optimization.model import DispatchModel
from optimization.results import DispatchResult, extract
from optimization.session import solve
from scenarios.schema import Scenario
from vpp.dispatch import model_data, prepare
from vpp.demand_response.baseline import (adjustment_factor, adjustment_window, parks_shutdown_days, similar_day_baseline,
                                          similar_days, simulate_history)
from vpp.demand_response.calls import check_contract_calls
from vpp.demand_response.checks import check_dr, event_parks
from vpp.demand_response.rules import programme_price_cny_per_mwh, programme_rule
from vpp.demand_response.settlement import settle


@dataclass
class EventResult:
    """Everything ``vpp dr`` reports for one event (tables carry units in their column names)."""

    event: object
    programme: object
    parks: list[str]
    commitment_mw: dict[str, float]
    baseline_days: list[dt.date]
    t_notice: int
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    no_event: DispatchResult
    with_event: DispatchResult
    history_mw: pd.DataFrame
    timings_s: dict[str, float] = field(default_factory=dict)
    rule: object = None  # the settlement rule (scenarios.dr_rule_schema.DRRule)
    price_cny_per_mwh: float = float("nan")  # energy price of the event under the rule


# ----------------------------------------------------------------------------------------- helpers
def event_mask(index: pd.DatetimeIndex, ev) -> np.ndarray:
    """True for the steps that begin inside the event window ``[start_h, end_h)`` of its date."""
    t0 = pd.Timestamp(ev.date).tz_localize(index.tz)
    start = t0 + pd.Timedelta(hours=ev.start_h)
    end = t0 + pd.Timedelta(hours=ev.end_h)
    return np.asarray((index >= start) & (index < end))


def notice_step(index: pd.DatetimeIndex, ev, notice_h: float) -> int:
    """First step at or after the notice moment ``start − notice_h`` (0 if before the horizon)."""
    t_start = pd.Timestamp(ev.date).tz_localize(index.tz) + pd.Timedelta(hours=ev.start_h)
    return int(np.searchsorted(index, t_start - pd.Timedelta(hours=notice_h), side="left"))


def fix_before(dm: DispatchModel, t_notice: int) -> int:
    """Fix every variable whose last index element is an integer step ``< t_notice`` at its value.

    Relies on the convention that time is the last index element (docs/architecture.md). Returns the
    number of variables fixed.
    """
    n = 0
    if t_notice <= 0:
        return 0
    for var in dm.m.component_data_objects(pyo.Var, descend_into=True):
        idx = var.index()
        last = idx[-1] if isinstance(idx, tuple) else idx
        if isinstance(last, (int, np.integer)) and not isinstance(last, bool) and last < t_notice and not var.fixed:
            var.fix(var.value if var.value is not None else 0.0, skip_validation=True)
            n += 1
    return n


def split_district(total_mw: float, baseline_mwh: dict[str, float]) -> dict[str, float]:
    """``total_mw`` split pro rata to ``max(0, baseline energy)`` (equal shares when all are 0)."""
    w = {p: max(0.0, v) for p, v in baseline_mwh.items()}
    s = sum(w.values())
    if s <= 0:
        return {p: total_mw / len(w) for p in w}
    return {p: total_mw * v / s for p, v in w.items()}


def add_response(dm: DispatchModel, parks: list[str], baseline_mw: dict[str, np.ndarray], steps: list[int], kind: str,
                 commitment_mw: dict[str, float], price: float, penalty: float, band: tuple[float, float]) -> None:
    """Add the response variables, constraints and objective terms of step 3 (module docstring)."""
    m = dm.m
    dt_h = dm.data.dt_h
    dur = len(steps) * dt_h
    sign = 1.0 if kind == "peak_shaving" else -1.0
    lo, hi = band
    m.DRP = pyo.Set(initialize=parks, ordered=True)

    def response(m, p):
        return sum(sign * (float(baseline_mw[p][t]) - (m.p_import_mw[p, t] - m.p_export_mw[p, t])) for t in steps) * dt_h

    m.dr_response_mwh = pyo.Expression(m.DRP, rule=response)
    m.dr_paid_mwh = pyo.Var(m.DRP)
    m.dr_shortfall_mwh = pyo.Var(m.DRP, within=pyo.NonNegativeReals)
    m.dr_paid_le_response = pyo.Constraint(m.DRP, rule=lambda m, p: m.dr_paid_mwh[p] <= m.dr_response_mwh[p])
    m.dr_paid_le_band = pyo.Constraint(m.DRP, rule=lambda m, p: m.dr_paid_mwh[p] <= hi * commitment_mw[p] * dur)
    m.dr_shortfall_def = pyo.Constraint(
        m.DRP, rule=lambda m, p: m.dr_shortfall_mwh[p] >= lo * commitment_mw[p] * dur - m.dr_response_mwh[p]
    )
    m.objective.deactivate()
    m.dr_objective = pyo.Objective(
        expr=m.objective.expr - price * sum(m.dr_paid_mwh[p] for p in m.DRP) + penalty * sum(m.dr_shortfall_mwh[p] for p in m.DRP),
        sense=pyo.minimize,
    )


def keep_own_generation(dm: DispatchModel, parks: list[str], steps: list[int]) -> None:
    """During the event, each park's exportable generation stays >= its counterfactual value."""
    m = dm.m
    park_assets = {p.name: p.assets for p in dm.data.parks}
    rows = []
    for p in parks:
        for t in steps:
            gen = sum(dm.blocks[dm.asset_kind[a]].exportable_mw(getattr(m, dm.asset_kind[a]), a, t) for a in park_assets[p])
            if not isinstance(gen, (int, float)):
                rows.append((p, t, gen, float(pyo.value(gen))))
    m.dr_keep_generation = pyo.ConstraintList()
    for _, _, gen, v in rows:
        m.dr_keep_generation.add(gen >= v - 1e-9)


def month_so_far(data, hist: pd.DataFrame) -> None:
    """Set each park's maximum demand so far (``ParkInput.peak_so_far_mw``) of the horizon's first billing
    month from the simulated history: the highest 15-min mean import of the history's days of that month
    before the horizon starts (:func:`optimization.bill.max_demand_mw`). A declared
    ``billing.peak_so_far_mw`` is replaced; nothing is set when the horizon starts on the 1st."""
    from optimization.bill import max_demand_mw

    t0 = data.index[0]
    month = str(data.month[0])
    sel = (hist.index < t0) & (hist.index >= t0.normalize().replace(day=1))
    if not sel.any():
        return
    h = hist.loc[sel]
    span = f"{h.index[0].date()}..{h.index[-1].date()}"
    for pin in data.parks:
        if pin.name in h:
            imp = np.clip(h[pin.name].to_numpy(dtype=float), 0.0, None)
            pin.peak_so_far_mw = {month: max_demand_mw(imp, h.index, data.dt_h)}
            pin.peak_so_far_from = f"simulated history {span} ({month})"


def keep_counterfactual(res1: DispatchResult, res0: DispatchResult, parks: list[str]) -> DispatchResult:
    """``res1`` with the rows of ``parks`` (parks, assets, costs) taken from ``res0``: those parks do not
    respond (their event-day dispatch is the no-event one)."""
    out = {}
    for name in ("parks", "assets", "costs"):
        a, b = getattr(res1, name), getattr(res0, name)
        if len(a) != len(b) or not (a["park"].to_numpy() == b["park"].to_numpy()).all():
            raise ValueError(f"{name}: the two dispatches do not have the same rows")
        rows = a["park"].isin(parks).to_numpy()
        cols = [c for c in a.columns if c in b.columns]
        merged = a.copy()
        merged.loc[rows, cols] = b.loc[rows, cols].to_numpy()
        out[name] = merged
    return replace(res1, **out)


def _net(res: DispatchResult, parks: list[str]) -> pd.DataFrame:
    return res.parks.pivot(index="time", columns="park", values="p_net_import_mw")[parks]


# ------------------------------------------------------------------------------------- main entry
def simulate_event(scn: Scenario, event_id: str, prep=None, log=None) -> EventResult:
    """Baseline, counterfactual, optimised response and settlement of one event (see module docstring)."""
    say = log or (lambda msg: None)
    check_dr(scn, [event_id])
    check_contract_calls(scn)
    dr = scn.dr
    ev = dr.event(event_id)
    prog = dr.programme(ev.programme)
    parks = event_parks(scn, ev)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if prep is None:
        prep = prepare(scn)
    index = prep.profiles.index
    dt_h = prep.profiles.dt_h
    t1 = time.perf_counter()
    timings["prepare_s"] = t1 - t0

    # 1. settlement baseline from the simulated history, by the programme's rule (from the 1st of the
    # horizon's billing month at the latest: the month's maximum demand so far is the demand charge's
    # starting point)
    rule = programme_rule(prog)
    price = programme_price_cny_per_mwh(prog, rule)
    brule = rule.baseline
    exclude = sorted({e.date for e in dr.events if set(event_parks(scn, e)) & set(parks)}) if brule.exclude_event_days else []
    shutdown = parks_shutdown_days(scn, parks)
    days = similar_days(ev.date, brule.n_days, exclude, shutdown=shutdown, m_days=brule.m_days)
    h_start = index[0].date()
    first = min(min(days), h_start.replace(day=1)) if h_start.day > 1 else min(days)
    say(f"event '{ev.id}': rule {rule.label}; history of {(ev.date - first).days} day(s) for the baseline of "
        f"{len(parks)} park(s) and the month's maximum demand so far")
    hist = simulate_history(scn, parks, days + [first], ev.date, prep.capacity_mva, dr.history_strategy)
    base_day, used = similar_day_baseline(hist, ev.date, brule.n_days, exclude, shutdown=shutdown, m_days=brule.m_days,
                                          aggregate=brule.aggregate)
    baseline = {p: base_day[p].reindex(index).to_numpy(dtype=float) for p in parks}
    mask = event_mask(index, ev)
    steps = [int(t) for t in np.flatnonzero(mask)]
    t2 = time.perf_counter()
    timings["history_s"] = t2 - t1

    if ev.requested_mw is not None:
        commit = {p: float(ev.requested_mw[p]) for p in parks}
    else:
        commit = split_district(float(ev.district_mw), {p: float(np.nansum(baseline[p][steps]) * dt_h) for p in parks})

    # 2. counterfactual: the no-event optimised dispatch
    say(f"event '{ev.id}': counterfactual (no-event) dispatch")
    sub = scn.model_copy(update={"parks": [p for p in scn.parks if p.name in parks]})
    data = model_data(sub, prep.profiles, prep.capacity_mva)
    month_so_far(data, hist)
    dm = build_model(data)
    opts = dict(time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    info0 = solve(dm, **opts)
    res0 = extract(dm, info0, strategy="no_event")
    t3 = time.perf_counter()
    timings["counterfactual_s"] = t3 - t2

    # day-of adjustment: the LP plans on the factor of the counterfactual (the park's load before it is told);
    # the settlement uses the factor of the metered (response) load
    adj_win = adjustment_window(index, ev.date, ev.start_h, brule.adjustment) if brule.adjustment else np.zeros(len(index), bool)
    a0_all = _net(res0, parks)
    k_plan = {p: adjustment_factor(baseline[p][adj_win], a0_all[p].to_numpy()[adj_win], brule.adjustment.cap)[1]
              if brule.adjustment else 1.0 for p in parks}
    base_plan = {p: k_plan[p] * baseline[p] for p in parks}

    # 3.-4. response LP on the same model
    say(f"event '{ev.id}': optimised response")
    t_notice = notice_step(index, ev, prog.notice_hours)
    fix_before(dm, t_notice)
    if prog.kind == "peak_shaving":
        dm.open_event_window(steps)
    if prog.kind == "valley_filling":
        keep_own_generation(dm, parks, steps)
    if prog.exclude_from_billed_demand:
        for p in parks:
            dm.exclude_from_billed_demand(p, steps)
    add_response(dm, parks, base_plan, steps, prog.kind, commit, price * rule.payment.coefficient(1.0),
                 rule.penalty.price(price), (rule.penalty.below_ratio, rule.payment.paid_ratio_max))
    info1 = solve(dm, **opts)
    res1 = extract(dm, info1, strategy="dr_event")
    t4 = time.perf_counter()
    timings["response_s"] = t4 - t3

    # 5. figures
    a0 = _net(res0, parks)
    a1 = _net(res1, parks)
    ym = (ev.date.year, ev.date.month)
    n_month = sum(1 for e in dr.events if e.programme == prog.name and (e.date.year, e.date.month) == ym)
    sign = 1.0 if prog.kind == "peak_shaving" else -1.0
    end_pos = steps[-1] + 1 if steps else 0
    bill0 = res0.costs.set_index("park")
    bill1 = res1.costs.set_index("park")
    rows, ts = [], []
    def settled(p, x):
        k_raw, k = adjustment_factor(baseline[p][adj_win], x[adj_win], brule.adjustment.cap) if brule.adjustment else (1.0, 1.0)
        b = k * baseline[p]
        s = settle(b[steps], x[steps], commit[p], dt_h, kind=prog.kind, rule=rule, price_cny_per_mwh=price,
                   capacity_cny_per_mw_month=prog.capacity_payment_cny_per_mw_month, month_share=1.0 / max(n_month, 1))
        return k_raw, k, b, s

    # The LP plans on a linear price and on the counterfactual's day-of factor; the rule's tiers and the
    # factor re-measured on the metered load can make the planned response worth less than not responding
    # (the counterfactual dispatch, settled by the same rule and paying its penalty): such a park declines,
    # and its event-day dispatch is the counterfactual.
    declined, settlement = [], {}
    for p in parks:
        s1, s0 = settled(p, a1[p].to_numpy()), settled(p, a0[p].to_numpy())
        delta = float(bill1.at[p, "total_cost_cny"]) - float(bill0.at[p, "total_cost_cny"])
        if s0[3]["dr_revenue_cny"] > s1[3]["dr_revenue_cny"] - delta + 1e-6:
            declined.append(p)
        settlement[p] = s0 if p in declined else s1
    if declined:
        res1 = keep_counterfactual(res1, res0, declined)
        a1 = _net(res1, parks)
        bill1 = res1.costs.set_index("park")
    for p in parks:
        x0 = a0[p].to_numpy()
        x1 = a1[p].to_numpy()
        k_raw, k, b, s = settlement[p]
        diff = sign * (x0 - x1)  # > 0: response direction
        pre = slice(0, steps[0]) if steps else slice(0, 0)
        row = {"event": ev.id, "park": p, "rule": rule.name, "rule_version": rule.version,
               "responded": p not in declined, "adjustment_factor_raw": k_raw, "adjustment_factor": k, **s}
        row["counterfactual_mwh"] = float(x0[steps].sum() * dt_h)
        row["baseline_minus_counterfactual_mwh"] = row["baseline_mwh"] - row["counterfactual_mwh"]
        row["physical_response_mwh"] = float(diff[steps].sum() * dt_h)
        row["pre_event_shift_mwh"] = float(np.clip(-diff[pre], 0, None).sum() * dt_h)
        row["rebound_mwh"] = float(np.clip(-diff[end_pos:], 0, None).sum() * dt_h)
        row["rebound_peak_mw"] = float(np.clip(-diff[end_pos:], 0, None).max()) if end_pos < len(diff) else 0.0
        row["cost_no_event_cny"] = float(bill0.at[p, "total_cost_cny"])
        row["cost_event_cny"] = float(bill1.at[p, "total_cost_cny"])
        row["delta_cost_cny"] = row["cost_event_cny"] - row["cost_no_event_cny"]
        row["peak_so_far_mw"] = float(bill0.at[p, "peak_so_far_mw"])
        row["max_demand_no_event_mw"] = float(bill0.at[p, "max_demand_mw"])
        row["max_demand_event_mw"] = float(bill1.at[p, "max_demand_mw"])
        row["demand_charge_no_event_cny"] = float(bill0.at[p, "demand_charge_cny"])
        row["demand_charge_event_cny"] = float(bill1.at[p, "demand_charge_cny"])
        row["demand_charge_effect_cny"] = row["demand_charge_event_cny"] - row["demand_charge_no_event_cny"]
        row["demand_charge_basis"] = f"{bill0.at[p, 'demand_basis']}; month so far: {bill0.at[p, 'peak_so_far_from']}"
        row["net_benefit_cny"] = row["dr_revenue_cny"] - row["delta_cost_cny"]
        rows.append(row)
        v = np.zeros(len(index))
        v[steps] = np.clip(sign * (b[steps] - x1[steps]), 0, None)
        ts.append(pd.DataFrame({
            "time": index, "park": p, "in_event": mask, "baseline_mw": b, "baseline_unadjusted_mw": baseline[p],
            "counterfactual_mw": x0, "actual_mw": x1, "verified_mw": v,
        }))
    summary = pd.DataFrame(rows)
    timeseries = pd.concat(ts, ignore_index=True)
    timings["total_s"] = time.perf_counter() - t0
    return EventResult(ev, prog, parks, commit, used, t_notice, timeseries, summary, res0, res1, hist, timings, rule, price)


def simulate_events(scn: Scenario, event_ids: list[str] | None = None, log=None) -> list[EventResult]:
    """All events (default: every declared event), each against the same counterfactual horizon."""
    ids = event_ids or ([e.id for e in scn.dr.events] if scn.dr is not None else [])
    check_dr(scn, ids or None)
    check_contract_calls(scn)
    prep = prepare(scn)
    return [simulate_event(scn, i, prep=prep, log=log) for i in ids]
