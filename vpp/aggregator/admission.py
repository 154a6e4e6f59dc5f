"""Admission check of a VPP against 《湖南省虚拟电厂管理工作细则》 and a simulated capability test.

Rules (domain ``demand_response.hunan_vpp_rules_2026``, S_HN_VPP_2026, confidence M; scenario
``vpps[].admission``), evaluated on **callable** capacity: what the members can hold whenever the grid
calls them inside its windows, not at the best hour of the day.

**Called windows** ``W`` (:mod:`vpp.capacity_study.windows`): ``windows`` (``vpp aggregate
--admission-window``), else the scenario's ``capacity.windows``, else the maximal runs of critical-peak
and of peak hours of the Hunan TOU table in the month of the check's day (July: 20:00–24:00 and
16:00–20:00). The day is the first day of the aggregate's horizon.

Per window, with ``d = min_continuous_response_h`` (1 h), ``ref[t]`` the members' summed normal net
import (their normal optimised dispatch in the VPP's district model: the capability test's baseline)
and ``R(s, d)`` the held capacity of :class:`vpp.capacity_study.model.CapacityModel` (every dispatch
constraint holds, decisions before the notice ``capacity.notice_h`` are fixed, contract duration limits
apply; linearised feeder and transformer rows when the scenario or the VPP sets linear network limits):

* ``C_down(W) = min_{s ∈ S(W,d)} min(R_down(s, d), min_{t ∈ [s, s+d)} ref[t])`` — held at any start of
  the window, counted only down to zero import (exports are no reduction of load);
* ``C_up(W) = min_{s ∈ S(W,d)} R_up(s, d)``;
* ``L(W) = mean_{t ∈ W} ref[t]``, the members' normal load in the window.

1. **regulating capacity** ``C_down(W) + C_up(W) >= 10 MW``;
2. **continuous response >= 1 h**: ``C_down(W) > 0`` is held for ``d`` and the capability test delivers
   it (ratio >= band[0]);
3. **capacity share** ``C_down(W) / L(W) >= 10 %``: the curtailable capacity against the load it curtails,
   in the same window (0 when ``L(W) <= 0``). **At most 100 % by construction**: the starts ``S(W,d)``
   cover ``W``, so ``C_down(W) <= min_{t ∈ W} ref[t] <= L(W)``.

The VPP is admitted when every rule holds **in every called window** (whichever window the grid calls);
the figures reported at the top are those of the binding window (the smallest regulating capacity).

**Capability test**: a 1-h call to reduce ``C_down`` of the binding window at the start that bound it,
simulated with the joint LP (:mod:`vpp.aggregator.joint`) against the normal dispatch as baseline (a test
measures the physical response, not a similar-day baseline's error), full band bottom (``band[0] = 1``)
and a penalty high enough that the VPP delivers whenever it physically can; delivery ratio = verified
substation energy / requested energy.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from vpp.aggregator.portfolio import Request, terms_for
from vpp.capacity_study.model import CapacityModel, restrict
from vpp.capacity_study.windows import CalledWindow, parse_windows, tou_windows, window_starts
from vpp.errors import VppError

TEST_PENALTY_CNY_PER_MWH = 1.0e5  # capability test: deliver whenever physically possible


def linear_limits(district) -> bool:
    """True when the admission / envelope LPs get the linearised feeder rows (scenario or VPP setting)."""
    return district.scn.network_constraints.mode == "linear" or getattr(district, "network_limits", "") == "linear"


def grid_context_of(district):
    """The linear rows and background dispatch of the district's horizon (:func:`vpp.capacity_study.grid.grid_context`),
    computed once per district object; None without linear limits."""
    if not linear_limits(district):
        return None
    ctx = getattr(district, "_capacity_grid_context", None)
    if ctx is None:
        from vpp.capacity_study.grid import grid_context

        scn = district.scn
        if scn.network_constraints.mode != "linear":
            scn = scn.model_copy(update={"network_constraints": scn.network_constraints.model_copy(update={"mode": "linear"})})
        ctx = grid_context(scn, district.data)
        district._capacity_grid_context = ctx
    return ctx


def called_windows(district, windows=None) -> tuple[CalledWindow, ...]:
    """The admission windows (module docstring): given, the scenario's ``capacity.windows``, or TOU runs."""
    if windows is not None:
        return windows if isinstance(windows, tuple) else parse_windows(windows, district.dt_h, "--admission-window")
    if district.scn.capacity.windows is not None:
        return parse_windows(district.scn.capacity.windows, district.dt_h, "capacity.windows")
    return tou_windows(district.index[0].month)


def admission(district, vpp, notice_h: float, windows=None) -> dict:
    """Pass/fail of each rule in each called window with its figures, and the capability test (module doc)."""
    from vpp.capacity_study.grid import network_hook

    rules = vpp.admission
    dur = float(rules.min_continuous_response_h)
    dt = district.dt_h
    n_t = district.data.n_t
    day_steps = min(n_t, int(round(24.0 / dt)))
    wins = called_windows(district, windows)
    usable = [w for w in wins if w.length_h >= dur - 1e-9 and int(round(w.end_h / dt)) <= day_steps]
    if not usable:
        raise VppError(f"admission: no called window ({', '.join(w.label for w in wins)}) is as long as the "
                       f"continuous response of {dur:g} h")
    ctx = grid_context_of(district)
    # without feeder rows the members' normal schedule is the district's (the capability test's baseline)
    normal = None if ctx is not None else {v.name: v.value for v in district.fresh().m.component_data_objects(pyo.Var)}
    cm = CapacityModel(restrict(district.data, district.members), **district.opts,
                       network=network_hook(ctx, list(district.members)), normal_values=normal)
    jobs = [(s, dur, r) for w in usable for s in window_starts(w, dur) for r in ("down", "up")]
    got = cm.solve_many(jobs, notice_h, floor=True)
    per = []
    for w in usable:
        starts = window_starts(w, dur)
        down = min(((got[(s, dur, "down")].r_mw, s) for s in starts), key=lambda x: x[0])
        up = min(((got[(s, dur, "up")].r_mw, s) for s in starts), key=lambda x: x[0])
        a, b = int(round(w.start_h / dt)), int(round(w.end_h / dt))
        l_w = float(np.mean(cm.ref_mw[a:b]))
        share = down[0] / l_w if l_w > 0 else 0.0
        per.append({"window": w.label, "period": w.period, "start_h": w.start_h, "end_h": w.end_h,
                    "capacity_down_mw": float(down[0]), "capacity_down_start_h": float(down[1]),
                    "capacity_up_mw": float(up[0]), "capacity_up_start_h": float(up[1]),
                    "regulating_capacity_mw": float(down[0] + up[0]), "normal_load_mw": l_w,
                    "normal_load_min_mw": float(np.min(cm.ref_mw[a:b])), "capacity_share": share})
    bind = min(per, key=lambda x: x["regulating_capacity_mw"])
    test = capability_test(district, vpp, bind["capacity_down_mw"], bind["capacity_down_start_h"], notice_h)
    band_lo = float(vpp.band[0])
    delivered = bool(test["delivery_ratio"] >= band_lo - 1e-9)
    for x in per:
        x["passed"] = bool(x["regulating_capacity_mw"] >= rules.min_regulating_capacity_mw - 1e-9
                           and x["capacity_down_mw"] > 1e-6 and delivered
                           and x["capacity_share"] >= rules.min_capacity_share_of_normal_load - 1e-9)
    c_down, c_up = bind["capacity_down_mw"], bind["capacity_up_mw"]
    c_reg_min = min(x["regulating_capacity_mw"] for x in per)
    share_min = min(x["capacity_share"] for x in per)
    held = all(x["capacity_down_mw"] > 1e-6 for x in per) and delivered
    checks = [
        {"rule": "regulating capacity (up + down), every called window", "value": c_reg_min, "unit": "MW",
         "limit": rules.min_regulating_capacity_mw, "passed": c_reg_min >= rules.min_regulating_capacity_mw - 1e-9},
        {"rule": "continuous response", "value": dur if held else 0.0, "unit": "h", "limit": rules.min_continuous_response_h,
         "passed": bool(held and dur >= rules.min_continuous_response_h)},
        {"rule": "down capacity / normal load in the window", "value": share_min, "unit": "-",
         "limit": rules.min_capacity_share_of_normal_load,
         "passed": share_min >= rules.min_capacity_share_of_normal_load - 1e-9},
    ]
    return {
        "vpp": vpp.name, "source": "湖南省虚拟电厂管理工作细则 (S_HN_VPP_2026, confidence M)",
        "passed": all(c["passed"] for c in checks), "checks": checks,
        "window": bind["window"], "windows": per, "date": str(district.index[0].date()),
        "capacity_down_mw": c_down, "capacity_down_start_h": bind["capacity_down_start_h"], "capacity_up_mw": c_up,
        "capacity_up_start_h": bind["capacity_up_start_h"], "regulating_capacity_mw": c_down + c_up,
        "hold_h": dur, "notice_h": notice_h,
        "normal_load_mw": bind["normal_load_mw"], "capacity_share": bind["capacity_share"],
        "normal_load_definition": "mean of the members' summed net import in normal operation over the called window",
        "capacity_definition": "held at any start of the called window (minimum over starts), down counted to zero import",
        "grid_limits": "linearised feeder limits + connection limits" if ctx is not None else "park connection limits",
        "capability_test": test,
    }


def capability_test(district, vpp, r_mw: float, start_h: float, notice_h: float) -> dict:
    """Simulate a ``r_mw`` reduction call of 1 h at ``start_h`` on the first day; measure its delivery."""
    from vpp.aggregator.portfolio import window_steps
    from vpp.aggregator.settlement import settle_vpp
    from vpp.demand_response.event import notice_step

    dur = float(vpp.admission.min_continuous_response_h)
    date = district.index[0].date()
    steps = window_steps(district.index, date, start_h, start_h + dur)
    terms = terms_for(district.scn, vpp, "peak_shaving", band=(1.0, max(1.0, float(vpp.band[1]))),
                      penalty_cny_per_mwh=TEST_PENALTY_CNY_PER_MWH, notice_h=notice_h)

    class _E:
        pass

    e = _E()
    e.date, e.start_h = date, start_h
    req = Request("capability_test", date, start_h, start_h + dur, steps, np.full(len(steps), float(r_mw)), terms,
                  notice_step(district.index, e, notice_h))
    base = {p: district.a0[p].copy() for p in district.members}
    if r_mw <= 1e-9:
        return {"requested_mw": 0.0, "start_h": start_h, "duration_h": dur, "verified_mwh": 0.0, "delivery_ratio": 0.0}
    mr = district.solve_mode(req, base, "joint")
    from vpp.aggregator.joint import net_of

    summ, _ = settle_vpp(req, base, net_of(mr.dispatch, district.members), district.dt_h)
    return {"requested_mw": float(r_mw), "start_h": float(start_h), "duration_h": dur,
            "requested_mwh": summ["requested_mwh"], "verified_mwh": summ["verified_mwh"],
            "delivery_ratio": summ["delivery_ratio"], "shortfall_max_mw": summ["shortfall_max_mw"]}
