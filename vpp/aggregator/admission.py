"""Admission check of a VPP against 《湖南省虚拟电厂管理工作细则》 and a simulated capability test.

Rules (domain ``demand_response.hunan_vpp_rules_2026``, S_HN_VPP_2026, confidence M; scenario
``vpps[].admission``):

1. **regulating capacity** ``C_reg = C_down + C_up >= 10 MW``: ``C_down`` (``C_up``) is the largest
   reduction (increase) of the members' summed net import, against their normal optimised dispatch, that
   they can **hold at every step** of a window of the minimum continuous duration (1 h), maximised over
   the whole-hour start times of the day (:class:`vpp.capacity_study.model.CapacityModel`: every dispatch constraint
   holds, decisions before the notice (``capacity.notice_h``) are fixed, contracts' duration limits apply);
2. **continuous response >= 1 h**: the capacity of rule 1 is held for ``min_continuous_response_h``; the
   rule passes when the down capacity held for that duration is > 0 and the capability test delivered it
   (ratio >= band[0]);
3. **capacity share** ``C_reg / L_normal >= 10 %``, with ``L_normal`` the **peak** of the members' summed
   net import in normal operation on the day (the load the grid sees; the peak rather than the mean makes
   the rule harder to pass — stated in the output).

**Capability test**: a 1-h call to reduce ``C_down`` at the start hour where it was found, simulated with
the joint LP (:mod:`vpp.aggregator.joint`) against the normal dispatch as baseline (a test measures the
physical response, not a similar-day baseline's error), full band bottom (``band[0] = 1``) and a penalty
high enough that the VPP delivers whenever it physically can; delivery ratio = verified substation
energy / requested energy.
"""

from __future__ import annotations

import numpy as np

from vpp.aggregator.portfolio import Request, terms_for
from vpp.capacity_study.model import CapacityModel, restrict

TEST_PENALTY_CNY_PER_MWH = 1.0e5  # capability test: deliver whenever physically possible


def admission(district, vpp, notice_h: float) -> dict:
    """Pass/fail of each rule with its figures, and the capability test (module docstring)."""
    rules = vpp.admission
    dur = float(rules.min_continuous_response_h)
    dt = district.dt_h
    n_t = district.data.n_t
    day_steps = int(round(24.0 / dt))
    cm = CapacityModel(restrict(district.data, district.members), **district.opts)
    hours = [h for h in range(0, 24) if h + dur <= 24.0 + 1e-9 and int(round((h + dur) / dt)) <= min(n_t, day_steps)]
    wins = cm.sweep(hours, [dur], notice_h)
    best = {}
    for d in ("down", "up"):
        ws = [w for w in wins if w.direction == d]
        w = max(ws, key=lambda w: w.r_mw) if ws else None
        best[d] = (float(w.r_mw), float(w.start_hour)) if w else (0.0, 0.0)
    c_down, h_down = best["down"]
    c_up, h_up = best["up"]
    c_reg = c_down + c_up
    l_normal = float(np.max(cm.ref_mw[:day_steps]))
    share = c_reg / l_normal if l_normal > 0 else float("inf")
    test = capability_test(district, vpp, c_down, h_down, notice_h)
    band_lo = float(vpp.band[0])
    checks = [
        {"rule": "regulating capacity (up + down)", "value": c_reg, "unit": "MW", "limit": rules.min_regulating_capacity_mw,
         "passed": c_reg >= rules.min_regulating_capacity_mw - 1e-9},
        {"rule": "continuous response", "value": dur if (c_down > 1e-6 and test["delivery_ratio"] >= band_lo - 1e-9) else 0.0,
         "unit": "h", "limit": rules.min_continuous_response_h,
         "passed": bool(c_down > 1e-6 and test["delivery_ratio"] >= band_lo - 1e-9 and dur >= rules.min_continuous_response_h)},
        {"rule": "capacity / normal load (peak)", "value": share, "unit": "-", "limit": rules.min_capacity_share_of_normal_load,
         "passed": share >= rules.min_capacity_share_of_normal_load - 1e-9},
    ]
    return {
        "vpp": vpp.name, "source": "湖南省虚拟电厂管理工作细则 (S_HN_VPP_2026, confidence M)",
        "passed": all(c["passed"] for c in checks), "checks": checks,
        "capacity_down_mw": c_down, "capacity_down_start_h": h_down, "capacity_up_mw": c_up, "capacity_up_start_h": h_up,
        "regulating_capacity_mw": c_reg, "hold_h": dur, "notice_h": notice_h,
        "normal_load_mw": l_normal, "normal_load_definition": "peak of the members' summed net import in normal operation",
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
