"""Month-consistent demand charges and interruptible contracts in the commands (docs/billing.md)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from scenarios import from_dict, load
from vpp.demand_response.event import simulate_event
from vpp.dispatch import dispatch, prepare
from vpp.errors import ScenarioError, VppError
from tests.vpp.cold_park import OPS, ROOMS, cold_park_scenario

RATE = 33000.0


def dr_scenario(events, programmes=None, **park_extra):
    pumps = {"kind": "interruptible_load", "name": "pumps", "archetype": "cold_chain_logistics", "p_peak_kw": 300,
             "p_curtail_max_kw": 200, "windows_h": [[17, 21]], "max_hours_per_day": 2, **park_extra}
    return cold_park_scenario("bill_park", tariff={"billing": "two_part_demand", "demand_charge_cny_per_kw_month": 33},
                              assets=[OPS, ROOMS, pumps],
                              dr={"programmes": programmes or [{"name": "ps", "kind": "peak_shaving"}], "events": events})

def test_dr_event_under_the_months_peak_so_far_has_no_demand_charge_effect():
    scn = dr_scenario([{"id": "e1", "programme": "ps", "date": "2025-07-22", "start_h": 18, "end_h": 20,
                        "requested_kw": {"cold": 200}}])
    r = simulate_event(scn, "e1")
    s = r.summary.iloc[0]
    # the month so far = the highest 15-min import of the simulated history from 1 July to 21 July
    h = r.history_mw["cold"]
    july = h[(h.index >= "2025-07-01 00:00+08:00") & (h.index < "2025-07-22 00:00+08:00")]
    assert july.index[0].day == 1 and july.index[-1].day == 21
    assert s.peak_so_far_mw == pytest.approx(float(np.clip(july.to_numpy(), 0, None).max()))
    assert "simulated history 2025-07-01..2025-07-21" in s.demand_charge_basis
    # this event day stays under it (both schedules): no demand charge, no demand-charge effect
    assert max(s.max_demand_no_event_mw, s.max_demand_event_mw) <= s.peak_so_far_mw + 1e-9
    assert s.demand_charge_no_event_cny == 0.0 and s.demand_charge_event_cny == 0.0
    assert s.demand_charge_effect_cny == 0.0
    # the costs of both schedules use the same bill: energy − export + demand increase + assets
    c0 = r.no_event.costs.iloc[0]
    assert c0.total_cost_cny == pytest.approx(c0.energy_cost_cny - c0.export_revenue_cny + c0.asset_cost_cny)
    # the grid call opened the interruptible contract (use: grid) in the event only
    cut = r.with_event.assets.query("asset == 'pumps'").p_curtailed_mw.to_numpy()
    ev = r.timeseries.in_event.to_numpy()
    assert cut[~ev].sum() == pytest.approx(0.0, abs=1e-12)
    assert r.no_event.assets.query("asset == 'pumps'").p_curtailed_mw.sum() == pytest.approx(0.0, abs=1e-12)


def test_dr_refuses_events_that_call_a_contract_more_often_than_allowed(tmp_path):
    from cli import main

    events = [{"id": f"e{d}", "programme": "ps", "date": f"2025-07-{d}", "start_h": 18, "end_h": 19,
               "requested_kw": {"cold": 100}} for d in (21, 22)]
    events.append({"id": "e_morning", "programme": "ps", "date": "2025-07-18", "start_h": 9, "end_h": 10,
                   "requested_kw": {"cold": 100}})  # outside the contract's 17-21 h window: not a call
    scn = dr_scenario(events, max_calls_per_year=1)
    with pytest.raises(VppError, match=r"interruptible load 'pumps' \(park 'cold'\): the DR events call it 2 times "
                                       r"in 2025 \(e21, e22\), above its max_calls_per_year 1"):
        simulate_event(scn, "e22")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scn.model_dump(mode="json")))
    res = CliRunner().invoke(main, ["dr", str(path), "--event", "e22", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "max_calls_per_year 1" in res.output and "Traceback" not in res.output
    assert dr_scenario(events, max_calls_per_year=2) is not None  # two calls are allowed with a limit of 2


def _single_park(**billing):
    d = load("single_park").model_dump(mode="json")
    d["ac_check"]["enabled"] = False
    if billing:
        d["parks"][0]["billing"] = billing
    return d


def _run(d):
    return dispatch(prepare(from_dict(d), grid=False))


def test_declared_peak_so_far_lowers_a_one_day_demand_charge_and_unflattens_the_day():
    r0 = _run(_single_park())
    c0 = r0.costs.iloc[0]
    p0 = float(c0.max_demand_mw)
    imp0 = r0.parks.p_import_mw.to_numpy()
    assert (imp0 > p0 - 1e-6).sum() >= 8  # the optimal day alone is a flat line at its own peak
    assert c0.demand_charge_cny == pytest.approx(RATE * p0) and "no earlier days" in c0.peak_so_far_from
    for declared in (0.5 * p0, 1.2 * p0):
        r = _run(_single_park(peak_so_far_kw=1000 * declared))
        c = r.costs.iloc[0]
        assert c0.demand_charge_cny - c.demand_charge_cny == pytest.approx(RATE * min(p0, declared), rel=1e-6)
        assert "declared" in c.peak_so_far_from
    imp = r.parks.p_import_mw.to_numpy()
    assert (imp > imp.max() - 1e-6).sum() < 4 and c.energy_cost_cny < c0.energy_cost_cny


def test_an_uncalled_grid_contract_leaves_the_bill_unchanged():
    d = _single_park()
    grid = _run(d)
    # the same consumption as a fixed load (no curtailment possible): same bill
    fixed = copy.deepcopy(d)
    il = fixed["parks"][0]["assets"][1]
    assert il["kind"] == "interruptible_load" and il["use"] == "grid"
    fixed["parks"][0]["assets"][1] = {k: il[k] for k in ("name", "archetype", "p_peak_mw", "cos_phi", "noise_std_pu",
                                                         "weekend_factor") if k in il} | {"kind": "fixed_load"}
    ref = _run(fixed)
    assert grid.assets.query("asset == 'compressors'").p_curtailed_mw.sum() == 0.0
    for col in ("energy_cost_cny", "demand_charge_cny", "total_cost_cny"):
        assert grid.costs.iloc[0][col] == pytest.approx(ref.costs.iloc[0][col], rel=1e-9)
    # use: self lets the park curtail it for its own bill (today's behaviour): cheaper
    own = copy.deepcopy(d)
    own["parks"][0]["assets"][1]["use"] = "self"
    r = _run(own)
    assert r.assets.query("asset == 'compressors'").p_curtailed_mw.sum() > 0.1
    assert r.costs.iloc[0].total_cost_cny < grid.costs.iloc[0].total_cost_cny - 1.0


@pytest.mark.parametrize("billing, message", [
    ({"basis": "contract_demand"}, "basis 'contract_demand' needs contract_demand_mw"),
    ({"contract_demand_kw": 2000}, "contract_demand_mw only applies to basis 'contract_demand'"),
    ({"power_factor_standard": 0.95}, "power_factor_standard"),
    ({"peak_so_far_kw": "3000"}, "'peak_so_far_kw': '3000' is not a number"),
    ({"peak_kw": 3000}, "peak_kw"),
])
def test_bad_billing_keys_are_one_clear_error(billing, message):
    with pytest.raises(ScenarioError, match=message):
        from_dict(_single_park(**billing))


def _valley(flag: bool):
    prog = [{"name": "vf", "kind": "valley_filling", "exclude_from_billed_demand": flag}]
    scn = dr_scenario([{"id": "v1", "programme": "vf", "date": "2025-07-22", "start_h": 14, "end_h": 16,
                        "requested_kw": {"cold": 1000}}], programmes=prog)
    return simulate_event(scn, "v1")


def test_valley_filling_hours_excluded_from_billed_demand_when_the_programme_says_so():
    r = _valley(True)
    s = r.summary.iloc[0]
    ts = r.timeseries
    ev = ts.in_event.to_numpy()
    a1 = np.clip(ts.actual_mw.to_numpy(), 0, None)
    # the response fills above the rest of the day, and its billed maximum demand leaves the event out
    assert a1[ev].max() > a1[~ev].max() + 0.1
    assert s.max_demand_event_mw == pytest.approx(a1[~ev].max(), abs=1e-9)
    assert s.demand_charge_effect_cny == pytest.approx(0.0, abs=1e-9)
    # without the programme key the fill counts in the demand: the park fills less (up to the month so far)
    r0 = _valley(False)
    s0 = r0.summary.iloc[0]
    b = r0.timeseries
    assert np.clip(b.actual_mw.to_numpy(), 0, None).max() <= s0.peak_so_far_mw + 1e-6
    assert s.verified_mwh > s0.verified_mwh + 0.3


@pytest.mark.parametrize("billing, resolution_min", [
    ({"basis": "contract_demand", "contract_demand_kw": 2500}, 15),  # optimum above 105 % of the contract
    ({"basis": "contract_demand", "contract_demand_kw": 2000}, 15),
    ({"power_factor_standard": 0.90}, 15),
    ({}, 5),  # 5-min steps: the maximum demand is the highest quarter-hour mean, in the LP as in the bill
])
def test_lp_and_bill_agree_for_every_basis(billing, resolution_min):
    d = _single_park(**billing)
    d["horizon"]["resolution_min"] = resolution_min
    r = _run(d)
    c = r.costs.iloc[0]
    dmax = float(c.max_demand_mw)
    if billing.get("basis") == "contract_demand":
        cmw = billing["contract_demand_kw"] / 1000
        assert c.demand_charge_cny == pytest.approx(RATE * cmw + 2 * RATE * max(0.0, dmax - 1.05 * cmw), rel=1e-9)
        assert c.demand_basis == "contract_demand"
    if resolution_min == 5:
        imp = r.parks.set_index("time").p_import_mw
        q = imp.groupby(imp.index.floor("15min")).mean()
        assert dmax == pytest.approx(q.max(), rel=1e-12) and imp.max() > dmax + 1e-6
    if "power_factor_standard" in billing:
        # loads at cos φ 0.95 draw their Q; the PV lowers the active import but not the reactive draw, so the
        # meter sees cos φ = P / hypot(P, Q) = 0.938 -> 0.94 in the table: −0.60 %
        q_draw = -r.assets.groupby("time").q_inject_mvar.sum()
        q_mvarh = float(np.clip(q_draw.to_numpy(), 0, None).sum() * resolution_min / 60)
        pf = c.import_mwh / np.hypot(c.import_mwh, q_mvarh)
        assert c.power_factor == pytest.approx(pf, rel=1e-12) and round(pf, 2) == 0.94
        assert c.power_factor_adjustment_cny == pytest.approx(-0.006 * (c.energy_cost_cny + c.demand_charge_cny))
        # the LP does not see the adjustment (post-hoc); the bill adds it
        assert (r.solve.objective_cny - r.smoothing_penalty_cny + c.power_factor_adjustment_cny
                == pytest.approx(c.total_cost_cny, abs=1e-4))
    else:  # LP objective = bill + the smoothing penalty (not billed)
        assert r.smoothing_penalty_cny > 0
        assert r.solve.objective_cny == pytest.approx(c.total_cost_cny + r.smoothing_penalty_cny, abs=1e-4)
