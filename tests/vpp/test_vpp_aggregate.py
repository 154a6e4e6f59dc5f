"""VPP aggregation on hand-made one-feeder districts: value of aggregation, settlement balance, set-points,
bid curve, envelope reachability (AC-clean), Hunan admission threshold, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from scenarios import from_dict
from vpp.aggregator.admission import admission
from vpp.aggregator.bids import bid_curve
from vpp.aggregator.checks import check_vpps
from vpp.aggregator.envelope import dispatch_to, envelope
from vpp.aggregator.joint import District, net_of
from vpp.aggregator.portfolio import make_request
from vpp.aggregator.run import run_instruction
from vpp.errors import ScenarioError
from vpp.pipeline import prepare

FLAT = {"valley": 1.0, "flat": 1.0, "peak": 1.0, "critical": 1.0}  # no TOU spread: batteries idle normally


def district(vpps, *, battery_mw=2.0, battery_mwh=20.0, stiff=True, ac=False, load_mw=4.0):
    parks = [{"name": "flex", "connection": {"bus": "b1", "p_import_max_mw": 30},
              "assets": [{"kind": "fixed_load", "name": "flex_load", "archetype": "data_centre", "p_peak_mw": load_mw, "noise_std_pu": 0},
                         {"kind": "battery", "name": "flex_bess", "p_max_mw": battery_mw, "e_max_mwh": battery_mwh,
                          "degradation_cost_cny_per_mwh": 50}]}]
    if stiff:
        parks.append({"name": "stiff", "connection": {"bus": "b2", "p_import_max_mw": 30},
                      "assets": [{"kind": "fixed_load", "name": "stiff_load", "archetype": "data_centre", "p_peak_mw": 1.0,
                                  "noise_std_pu": 0}]})
    return from_dict({
        "name": "vpp_case", "seed": 1, "horizon": {"start": "2025-07-22", "days": 1},
        "network": {"kind": "radial_district", "feeders": [{"name": "f1", "cable_type": "YJV22-8.7/15-3x400", "nodes": [
            {"bus": "b1", "length_km": 0.5}, {"bus": "b2", "length_km": 0.5}]}]},
        "tariff": {"billing": "single_part", "multipliers": FLAT},
        "ac_check": {"enabled": ac},
        "parks": parks, "vpps": vpps,
    })


INSTR = {"id": "i1", "date": "2025-07-22", "start_h": 18, "end_h": 20, "reduce_mw": 1.5}
VPP2 = {"name": "v", "parks": ["flex", "stiff"], "baseline": "counterfactual", "price_cny_per_mwh": 2000,
        "penalty_cny_per_mwh": 2000, "aggregator_share": 0.2, "instructions": [INSTR]}


@pytest.fixture(scope="module")
def case():
    scn = district([VPP2], ac=True)
    prep = prepare(scn)
    d = District(prep, ["flex", "stiff"])
    ir = run_instruction(d, scn, scn.vpps[0], scn.vpps[0].instructions[0], ac=True)
    return scn, d, ir


def test_joint_never_costs_more_than_alone_and_numbers(case):
    scn, d, ir = case
    c = ir.comparison.set_index("mode")
    # LP objectives: the alone solution is feasible for the joint problem
    assert c.loc["joint", "lp_objective_cny"] <= c.loc["alone", "lp_objective_cny"] + 1e-6
    assert c.loc["joint", "net_cost_cny"] < c.loc["alone", "net_cost_cny"]
    # alone: the stiff park (its share of baseline energy in the window) delivers nothing -> penalty
    base = ir.baseline_mw
    w = {p: base[p][ir.request.steps].sum() for p in ("flex", "stiff")}
    phi_stiff = w["stiff"] / (w["flex"] + w["stiff"])
    # shortfall below 0.8 of its share at each of the 8 steps of 0.25 h, penalty 2000 CNY/MWh
    assert c.loc["alone", "penalty_cny"] == pytest.approx(2000 * 0.8 * phi_stiff * 1.5 * 2.0, rel=1e-6)
    # joint: the battery (cycle cost ~ 600/0.85 − 600 + 50 << 2000) delivers up to the band top 1.2 × 3 MWh
    s = ir.settlement
    assert s["paid_mwh"] == pytest.approx(3.6, abs=1e-6)
    assert s["compensation_cny"] == pytest.approx(7200.0, abs=1e-3)
    assert s["penalty_cny"] == pytest.approx(0.0, abs=1e-6) and s["shortfall_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["value_of_aggregation_cny"] > 1920.0  # at least the stiff park's avoided penalty
    assert ir.ac["n_violations"] == 0


def test_settlement_balances_and_setpoints_add_up(case):
    scn, d, ir = case
    s, parks = ir.settlement, ir.settlement_parks
    # parks + aggregator = compensation − penalties
    assert parks.net_settlement_cny.sum() + s["aggregator_cny"] == pytest.approx(s["compensation_cny"] - s["penalty_cny"], abs=1e-6)
    assert s["aggregator_cny"] == pytest.approx(0.2 * s["compensation_cny"], abs=1e-9)
    # per-park responses add up to the delivered substation response at every window step
    sp = ir.setpoints_parks[ir.setpoints_parks.in_window]
    per_step = sp.groupby("time").response_mw.sum().to_numpy()
    np.testing.assert_allclose(per_step, ir.delivery.delivered_mw.to_numpy(), atol=1e-9)
    assert ir.delivery.delivered_mw.sum() * 0.25 == pytest.approx(s["delivered_mwh"], abs=1e-9)
    # per-asset changes add up to each park's change of net import: sum_a Δinj = a0 − a1
    a = ir.setpoints_assets
    dp = a.groupby(["time", "park"]).delta_inject_mw.sum()
    sp_all = ir.setpoints_parks.set_index(["time", "park"])
    np.testing.assert_allclose(dp.to_numpy(), (sp_all.normal_mw - sp_all.setpoint_mw).loc[dp.index].to_numpy(), atol=1e-6)


def test_bid_curve_is_zero_below_cost_and_battery_power_above(case):
    scn, d, _ = case
    base = {p: d.a0[p] for p in d.members}
    req = make_request(scn, scn.vpps[0], scn.vpps[0].instructions[0], d.index, base)
    bids = bid_curve(d, req, [100.0, 2000.0, 6000.0])
    # 0.8 × 100 CNY/MWh does not pay a battery cycle (losses at 600 CNY/MWh + 50 degradation): no offer
    assert bids.offered_mw.iloc[0] == pytest.approx(0.0, abs=1e-6)
    # at 2 CNY/kWh the battery discharges its full 2 MW over the 2 h window; the stiff park offers nothing
    assert bids.offered_mw.iloc[1] == pytest.approx(2.0, abs=1e-6)
    assert bids.mw_stiff.abs().max() == pytest.approx(0.0, abs=1e-6)
    assert (np.diff(bids.offered_mw) >= -1e-9).all()


def test_envelope_bounds_are_battery_power_and_reachable_ac_clean(case):
    scn, d, _ = case
    env = envelope(d, [40, 72])
    # the fixed loads do not move; the battery can charge or discharge 2 MW at any single step
    np.testing.assert_allclose(env.lower_mw, env.normal_mw - 2.0, atol=1e-6)
    np.testing.assert_allclose(env.upper_mw, env.normal_mw + 2.0, atol=1e-6)
    for bound in ("lower_mw", "upper_mw"):
        res = dispatch_to(d, 72, float(env[bound].iloc[1]))
        reached = sum(net_of(res, d.members)[p][72] for p in d.members)
        assert reached == pytest.approx(float(env[bound].iloc[1]), abs=1e-5)
        assert len(d.ac_check(res).violations) == 0


@pytest.mark.parametrize("p_mw, passed", [(4.95, False), (5.05, True)])
def test_admission_threshold_10_mw(p_mw, passed):
    # one battery of p MW / 40 MWh (idle at soc 0.5, flat tariff) behind an 8 MW load, called window
    # 16:00-20:00: at every whole-hour start it holds p down and p up for 1 h -> C_reg = 2p
    scn = district([{"name": "v", "parks": ["flex"], "baseline": "counterfactual"}], battery_mw=p_mw, battery_mwh=40.0, stiff=False,
                   load_mw=8.0)
    d = District(prepare(scn), ["flex"])
    a = admission(d, scn.vpps[0], notice_h=0.5, windows="16:00-20:00")
    assert a["window"] == "16:00-20:00" and len(a["windows"]) == 1
    assert a["regulating_capacity_mw"] == pytest.approx(2 * p_mw, abs=1e-5)
    assert a["capacity_down_mw"] == pytest.approx(p_mw, abs=1e-5)
    assert a["checks"][0]["passed"] is passed
    assert a["passed"] is passed  # the other rules pass: 1 h held, p / ~8 MW normal load in the window
    assert a["capability_test"]["delivery_ratio"] == pytest.approx(1.0, abs=1e-6)


def test_admission_uses_the_capacity_callable_anywhere_in_the_window():
    # default windows in July: critical 20:00-24:00 and peak 16:00-20:00. A call of 1 h may come as late as
    # 23:00; the battery must end the day at its initial energy (1-day model), so at 23:00 it can only give
    # what it pre-charged during the 0.5 h notice: 0.5 h × 4.95 MW × η_c 0.922 × η_d 0.922 = 2.104 MW.
    # Admission is decided in every called window: the critical one binds, 2.104 + 4.95 < 10 MW.
    scn = district([{"name": "v", "parks": ["flex"], "baseline": "counterfactual"}], battery_mw=4.95, battery_mwh=40.0,
                   stiff=False, load_mw=8.0)
    d = District(prepare(scn), ["flex"])
    a = admission(d, scn.vpps[0], notice_h=0.5)
    w = {x["window"]: x for x in a["windows"]}
    assert list(w) == ["20:00-24:00", "16:00-20:00"]
    assert w["20:00-24:00"]["capacity_down_mw"] == pytest.approx(0.5 * 4.95 * 0.922 * 0.922, abs=1e-6)
    assert w["20:00-24:00"]["capacity_down_start_h"] == 23.0
    assert w["16:00-20:00"]["capacity_down_mw"] == pytest.approx(4.95, abs=1e-5)
    assert a["window"] == "20:00-24:00" and a["passed"] is False
    assert a["capability_test"]["start_h"] == 23.0


def test_admission_share_of_normal_load_cannot_exceed_one():
    # 1 MW of load behind a 10 MW / 40 MWh battery that may export: the battery alone could push the
    # park's net import 9 MW below zero. A reduction counts only down to zero import, so in every window
    # C_down <= min_t ref[t] <= mean_t ref[t] = L(W): the share C_down / L <= 100 % by construction (here it
    # binds: C_down = the smallest normal import of the window).
    scn = district([{"name": "v", "parks": ["flex"], "baseline": "counterfactual"}], battery_mw=10.0, battery_mwh=40.0,
                   stiff=False, load_mw=1.0)
    d = District(prepare(scn), ["flex"])
    a = admission(d, scn.vpps[0], notice_h=0.5, windows="12:00-14:00,16:00-20:00,20:00-24:00,09:00-10:00")
    for x in a["windows"]:
        assert x["capacity_down_mw"] <= x["normal_load_min_mw"] + 1e-9 <= x["normal_load_mw"] + 1e-9
        assert x["capacity_down_mw"] == pytest.approx(x["normal_load_min_mw"], abs=1e-6)
        assert 0.0 < x["capacity_share"] <= 1.0
        assert x["capacity_up_mw"] > 5.0  # up is not floored: the battery charges 10 MW
    share = next(c for c in a["checks"] if c["rule"].startswith("down capacity / normal load"))
    assert share["value"] <= 1.0


def test_bad_vpp_section_lists_every_problem():
    bad = [{"name": "v", "parks": ["flex", "nowhere"], "instructions": [
        {"id": "i1", "date": "2025-08-01", "start_h": 18, "end_h": 20, "reduce_mw": -1}]},
        {"name": "v", "parks": ["flex"]}]
    scn = district(bad)
    with pytest.raises(ScenarioError) as e:
        check_vpps(scn)
    msg = str(e.value)
    assert "4 problems" in msg
    for part in ("VPP name is used twice", "unknown park 'nowhere'", "must not be negative", "outside the horizon"):
        assert part in msg


def test_cli_aggregate_writes_folder_and_reports_bad_input(tmp_path):
    from cli import main

    data = yaml.safe_load(open(__file__.replace("test_vpp_aggregate.py", "../../scenarios/single_park.yaml")))
    data["vpps"] = [{"name": "one", "parks": [data["parks"][0]["name"]], "baseline": "counterfactual",
                     "instructions": [{"id": "x", "date": "2025-07-22", "start_h": 18, "end_h": 19, "reduce_kw": 200}]}]
    data["ac_check"] = {"enabled": False}
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True))
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["aggregate", str(f), "--out", str(out), "--no-envelope"])
    assert r.exit_code == 0, r.output
    for name in ("vpp.json", "bids.csv", "bids.png", "x_delivery.parquet", "x_settlement_parks.parquet", "scenario_resolved.yaml"):
        assert (out / "one" / name).is_file(), name
    data["vpps"][0]["parks"] = ["ghost"]
    f.write_text(yaml.safe_dump(data, allow_unicode=True))
    r = CliRunner().invoke(main, ["aggregate", str(f), "--out", str(out)])
    assert r.exit_code == 1 and "unknown park 'ghost'" in r.output and "Traceback" not in r.output


def test_instruction_demand_charge_starts_from_the_members_month_so_far():
    # two-part tariff: the members' July maximum demand so far (simulated 1-21 July) is the demand charge's
    # starting point for the normal dispatch and the response alike (docs/billing.md)
    from vpp.aggregator.run import month_history

    d = district([VPP2]).model_dump(mode="json")
    d["tariff"] = {"billing": "two_part_demand", "multipliers": FLAT, "demand_charge_cny_per_kw_month": 33}
    scn = from_dict(d)
    prep = prepare(scn, grid=False)
    hist = month_history(scn, prep, scn.vpps[0])
    assert str(hist.index[0].date()) == "2025-07-01" and str(hist.index[-1].date()) == "2025-07-21"
    dd = District(prep, ["flex", "stiff"], history_mw=hist)
    ir = run_instruction(dd, scn, scn.vpps[0], scn.vpps[0].instructions[0], ac=False)
    sp = ir.settlement_parks.set_index("park")
    for p in ("flex", "stiff"):
        assert sp.at[p, "peak_so_far_mw"] == pytest.approx(float(np.clip(hist[p].to_numpy(), 0, None).max()))
        c0 = dd.normal.costs.set_index("park").loc[p]
        # the normal day stays at or under the month so far (same shapes every day): no demand charge
        assert c0.demand_charge_cny == pytest.approx(33000 * max(0.0, c0.max_demand_mw - c0.peak_so_far_mw), abs=1e-6)
    # the response is charged only for what it adds above max(normal day, month so far): here the battery's
    # recharge after the window (worth it against 2 CNY/kWh of compensation)
    for p in ("flex", "stiff"):
        c0 = dd.normal.costs.set_index("park").loc[p]
        a1 = ir.setpoints_parks.query("park == @p").setpoint_mw.to_numpy()
        s = sp.at[p, "peak_so_far_mw"]
        expected = 33000 * (max(float(np.clip(a1, 0, None).max()), s) - max(c0.max_demand_mw, s))
        assert sp.at[p, "demand_charge_effect_cny"] == pytest.approx(expected, abs=1e-6)
    assert sp.at["stiff", "demand_charge_effect_cny"] == pytest.approx(0.0, abs=1e-6)
    assert "simulated history 2025-07-01..2025-07-21" in ir.settlement["demand_charge_basis"]
