"""``vpp aggregate``: every VPP of a scenario — instructions, value of aggregation, bids, envelope, admission.

Steps per VPP (maths in the modules and docs/vpp.md):

1. the district model with non-members fixed (:class:`vpp.aggregator.joint.District`), normal dispatch;
2. per instruction: settlement baseline, request, **joint** response (AC-checked or network-constrained),
   **alone** and naive **pro-rata** responses, VPP settlement and its split, set-points, comparison;
3. bid curve over ``bid_prices_cny_per_mwh`` on the first instruction's window (default 18–20 h, the
   evening peak of the first day, peak shaving);
4. flexibility envelope of the day of the first instruction (default the first day), and the dispatches
   that reach its lower and upper bound at the step of the widest band, AC-checked;
5. admission check (Hunan rules) on the capacity callable in the called windows (default: the TOU
   critical-peak and peak runs of the first day's month), with the capability test.

A scenario without ``vpps`` gets one implicit VPP ``all_parks`` of every park, without instructions (bids,
envelope and admission still run).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from scenarios.vpp_schema import VPP
from vpp.aggregator.checks import check_vpps
from vpp.aggregator.joint import District, net_of
from vpp.aggregator.portfolio import Request, baselines, make_request, remeasured_baselines, terms_for, window_steps
from vpp.aggregator.settlement import settle_vpp
from vpp.dispatch import prepare
from vpp.errors import VppError

DEFAULT_BID_WINDOW_H = (18.0, 20.0)  # evening peak (TOU peak 16-20 h, S_TOU_HN_2025) when no instruction


@dataclass
class InstructionResult:
    request: Request
    baseline_mw: dict[str, np.ndarray]
    delivery: pd.DataFrame
    setpoints_parks: pd.DataFrame
    setpoints_assets: pd.DataFrame
    settlement: dict
    settlement_parks: pd.DataFrame
    comparison: pd.DataFrame
    ac: dict | None
    network_rounds: list[dict]
    dispatch_assets: pd.DataFrame


@dataclass
class VppResult:
    vpp: VPP
    members: list[str]
    instructions: list[InstructionResult] = field(default_factory=list)
    bids: pd.DataFrame | None = None
    bid_window: dict | None = None
    envelope: pd.DataFrame | None = None
    envelope_check: dict | None = None
    admission: dict | None = None
    timings_s: dict[str, float] = field(default_factory=dict)


def implicit_vpp(scn) -> VPP:
    return VPP(name="all_parks", parks=[p.name for p in scn.parks])


def _ac_summary(ac) -> dict | None:
    if ac is None:
        return None
    v = ac.violations
    return {"n_violations": int(len(v)), "converged_steps": int(ac.summary["converged"].sum()) if "converged" in ac.summary else None,
            "vm_min_pu": float(ac.vm_pu.min().min()), "vm_max_pu": float(ac.vm_pu.max().max())}


def run_instruction(district: District, scn, vpp: VPP, ins, *, ac: bool, log=None) -> InstructionResult:
    """Baseline, joint/alone/pro-rata responses, settlement, set-points, comparison of one instruction."""
    say = log or (lambda m: None)
    P = district.members
    dt = district.dt_h
    say(f"instruction '{ins.id}': settlement baseline ({vpp.baseline})")
    unadj: dict = {}
    base = baselines(scn, vpp, P, ins.date, district.index, district.prep.capacity_mva, district.a0, start_h=ins.start_h,
                     unadjusted=unadj)

    def settled(a):  # the settlement baseline: the rule's day-of factor measured on the metered load ``a``
        return remeasured_baselines(scn, vpp, base, unadj, a, district.index, ins.date, ins.start_h)

    req = make_request(scn, vpp, ins, district.index, base)
    say(f"instruction '{ins.id}': joint response of {len(P)} parks")
    joint = district.solve_mode(req, base, "joint", ac=ac)
    say(f"instruction '{ins.id}': parks alone and naive pro-rata split")
    alone = district.solve_mode(req, base, "alone")
    pro = district.solve_mode(req, base, "prorata")
    a_joint = net_of(joint.dispatch, P)
    base_j = settled(a_joint)
    summ, parks_df = settle_vpp(req, base_j, a_joint, dt)
    sp_parks, sp_assets = district.setpoints(joint, req, base)
    W = req.steps
    D = sum(req.terms.sign * (base_j[p][W] - a_joint[p][W]) for p in P)
    delivery = pd.DataFrame({"time": district.index[W], "requested_mw": req.r_mw, "delivered_mw": D,
                             "shortfall_mw": np.clip(req.r_mw - D, 0, None),
                             "baseline_sum_mw": sum(base_j[p][W] for p in P), "normal_sum_mw": sum(district.a0[p][W] for p in P),
                             "actual_sum_mw": sum(a_joint[p][W] for p in P)})
    if req.target_mw is not None:
        delivery["target_mw"] = req.target_mw
    # costs of the members (whole horizon) and money with the grid, per mode
    cost_normal = float(district.cost0[P].sum())
    rows = []
    for mr in (joint, alone, pro):
        a = net_of(mr.dispatch, P)
        if mr.mode == "alone":
            phi = district.shares(req, base)
            comp = pen = 0.0
            for p in P:
                r_p = Request(req.id, req.date, req.start_h, req.end_h, W, phi[p] * req.r_mw,
                              type(req.terms)(**{**req.terms.__dict__, "aggregator_share": 0.0}), req.t_notice)
                s, _ = settle_vpp(r_p, {p: settled(a)[p]}, {p: a[p]}, dt)
                comp += s["compensation_cny"]
                pen += s["penalty_cny"]
            delivered = float(sum(req.terms.sign * (settled(a)[p][W] - a[p][W]) for p in P).sum() * dt)
            short = float("nan")
        else:
            s, _ = settle_vpp(req, settled(a), a, dt)
            comp, pen, delivered, short = s["compensation_cny"], s["penalty_cny"], s["delivered_mwh"], s["shortfall_mwh"]
        cost = district.members_cost(mr.dispatch)
        rows.append({"mode": mr.mode, "dispatch_cost_cny": cost, "delta_dispatch_cost_cny": cost - cost_normal,
                     "compensation_cny": comp, "penalty_cny": pen, "net_cost_cny": cost - comp + pen,
                     "lp_objective_cny": mr.objective_members_cny, "delivered_mwh": delivered, "shortfall_mwh": short})
    comp_df = pd.DataFrame(rows)
    nc = comp_df.set_index("mode")["net_cost_cny"]
    summ["value_of_aggregation_cny"] = float(nc["alone"] - nc["joint"])
    summ["value_vs_prorata_cny"] = float(nc["prorata"] - nc["joint"])
    summ["dispatch_cost_normal_cny"] = cost_normal
    cost_j = district.members_cost(joint.dispatch)
    parks_cost = joint.dispatch.costs.set_index("park")["total_cost_cny"]
    parks_df["delta_dispatch_cost_cny"] = [float(parks_cost[p] - district.cost0[p]) for p in parks_df.park]
    parks_df["net_benefit_cny"] = parks_df.net_settlement_cny - parks_df.delta_dispatch_cost_cny
    # demand charge: only the increase above the month's maximum demand so far is charged (docs/billing.md)
    b0 = district.normal.costs.set_index("park")
    b1 = joint.dispatch.costs.set_index("park")
    parks_df["peak_so_far_mw"] = [float(b0.at[p, "peak_so_far_mw"]) for p in parks_df.park]
    parks_df["demand_charge_effect_cny"] = [float(b1.at[p, "demand_charge_cny"] - b0.at[p, "demand_charge_cny"])
                                            for p in parks_df.park]
    summ["demand_charge_basis"] = "; ".join(sorted({f"{b0.at[p, 'demand_basis']}, month so far: {b0.at[p, 'peak_so_far_from']}"
                                                    for p in P}))
    summ["delta_dispatch_cost_cny"] = cost_j - cost_normal
    return InstructionResult(req, base_j, delivery, sp_parks, sp_assets, summ, parks_df, comp_df,
                             _ac_summary(joint.ac), joint.network_rounds, joint.dispatch.assets)


def bid_request(scn, vpp: VPP, district: District) -> Request:
    """The window of the bid curve: the first instruction's, else the evening peak of the first day."""
    if vpp.instructions:
        ins = vpp.instructions[0]
        base = {p: district.a0[p] for p in district.members}
        return make_request(scn, vpp, ins, district.index, base)
    date = district.index[0].date()
    a, b = DEFAULT_BID_WINDOW_H
    steps = window_steps(district.index, date, a, b)
    t = terms_for(scn, vpp, "peak_shaving")
    return Request("bid_window", date, a, b, steps, np.zeros(len(steps)), t, 0)


def month_history(scn, prep, vpp: VPP, instruction_ids=None):
    """Simulated net import of the members from the 1st of the horizon's month to the day before it (the
    month's maximum demand so far of the DR parts, docs/billing.md); None without instructions to run or
    when the horizon starts on the 1st."""
    from vpp.demand_response.baseline import simulate_history

    start = prep.profiles.index[0].date()
    run = [i for i in vpp.instructions if not instruction_ids or i.id in instruction_ids]
    if not run or start.day == 1:
        return None
    strategy = scn.dr.history_strategy if scn.dr is not None else "optimised"
    return simulate_history(scn, list(vpp.parks), [start.replace(day=1)], start, prep.capacity_mva, strategy)


def aggregate_vpp(scn, prep, vpp: VPP, *, instruction_ids=None, do_bids=True, do_envelope=True,
                  do_admission=True, admission_windows=None, log=None) -> VppResult:
    """Everything ``vpp aggregate`` computes for one VPP (module docstring)."""
    from vpp.aggregator.admission import admission
    from vpp.aggregator.bids import bid_curve
    from vpp.aggregator.envelope import dispatch_to, envelope

    say = log or (lambda m: None)
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    say(f"VPP '{vpp.name}': {len(vpp.parks)} member park(s), normal dispatch of the district")
    district = District(prep, vpp.parks, network_limits=vpp.network_limits,
                        history_mw=month_history(scn, prep, vpp, instruction_ids))
    out = VppResult(vpp, list(vpp.parks))
    tm["normal_s"] = time.perf_counter() - t0
    ac_on = scn.ac_check.enabled
    for ins in vpp.instructions:
        if instruction_ids and ins.id not in instruction_ids:
            continue
        t1 = time.perf_counter()
        out.instructions.append(run_instruction(district, scn, vpp, ins, ac=ac_on, log=say))
        tm[f"instruction_{ins.id}_s"] = time.perf_counter() - t1
    if do_bids:
        t1 = time.perf_counter()
        req = bid_request(scn, vpp, district)
        say(f"VPP '{vpp.name}': bid curve at {len(vpp.bid_prices_cny_per_mwh)} prices")
        out.bids = bid_curve(district, req, vpp.bid_prices_cny_per_mwh)
        out.bid_window = {"date": str(req.date), "start_h": req.start_h, "end_h": req.end_h, "kind": req.terms.kind,
                          "aggregator_share": req.terms.aggregator_share}
        tm["bids_s"] = time.perf_counter() - t1
    if do_envelope:
        t1 = time.perf_counter()
        date = vpp.instructions[0].date if vpp.instructions else district.index[0].date()
        steps = window_steps(district.index, date, 0.0, 24.0)
        say(f"VPP '{vpp.name}': flexibility envelope ({2 * len(steps)} solves)")
        env = envelope(district, steps)
        out.envelope = env
        k = int(np.argmax(env.band_mw.to_numpy()))
        t = int(env.step.iloc[k])
        chk = {"step": t, "time": str(env.time.iloc[k]), "lower_mw": float(env.lower_mw.iloc[k]), "upper_mw": float(env.upper_mw.iloc[k])}
        for name in ("lower", "upper"):
            res = dispatch_to(district, t, float(env[f"{name}_mw"].iloc[k]))
            chk[f"{name}_feasible"] = True
            chk[f"{name}_reached_mw"] = float(sum(net_of(res, district.members)[p][t] for p in district.members))
            if ac_on:
                chk[f"{name}_ac"] = _ac_summary(district.ac_check(res))
        out.envelope_check = chk
        tm["envelope_s"] = time.perf_counter() - t1
    if do_admission:
        t1 = time.perf_counter()
        say(f"VPP '{vpp.name}': admission check (Hunan rules) and capability test")
        out.admission = admission(district, vpp, scn.capacity.notice_h, windows=admission_windows)
        tm["admission_s"] = time.perf_counter() - t1
    tm["total_s"] = time.perf_counter() - t0
    out.timings_s = tm
    return out


def aggregate(scn, *, vpp_name: str | None = None, instruction_ids: list[str] | None = None, out_dir=None,
              do_bids: bool = True, do_envelope: bool = True, do_admission: bool = True, csv: bool = False,
              admission_windows: str | None = None,
              log: Callable[[str], None] | None = None) -> list[tuple[VppResult, Any]]:
    """Run ``vpp aggregate`` on a scenario; writes ``<out_dir>/<vpp>/`` when ``out_dir`` is given.
    ``admission_windows``: the called windows of the admission check (``'20:00-22:00,16:00-18:00'``)."""
    check_vpps(scn)
    if admission_windows is not None:  # bad windows are one error before any solve
        from vpp.capacity_study.windows import parse_windows

        admission_windows = parse_windows(admission_windows, scn.horizon.resolution_min / 60.0, "--admission-window")
    vpps = list(scn.vpps) or [implicit_vpp(scn)]
    if vpp_name is not None:
        vpps = [v for v in vpps if v.name == vpp_name]
        if not vpps:
            raise VppError(f"--vpp: unknown VPP '{vpp_name}' (VPPs: {', '.join(v.name for v in scn.vpps) or 'none'})")
    if instruction_ids:
        known = {i.id for v in vpps for i in v.instructions}
        bad = [i for i in instruction_ids if i not in known]
        if bad:
            raise VppError(f"--instruction: unknown instruction '{bad[0]}' (instructions: {', '.join(sorted(known)) or 'none'})")
    prep = prepare(scn)
    done = []
    for v in vpps:
        r = aggregate_vpp(scn, prep, v, instruction_ids=instruction_ids, do_bids=do_bids, do_envelope=do_envelope,
                          do_admission=do_admission, admission_windows=admission_windows, log=log)
        folder = None
        if out_dir is not None:
            from pathlib import Path

            from vpp.aggregator.report import write_vpp

            folder = write_vpp(r, scn, Path(out_dir) / v.name, csv=csv)
        done.append((r, folder))
    return done
