"""Sizing LP (``vpp evaluate --size``): LP corners worked out by hand, and the end-to-end evaluation."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from optimization.session import solve
from scenarios import from_dict, load
from scenarios.economics_schema import Economics
from scenarios.schema import PV, Battery, FixedLoad
from tests.optimization.helpers import make_data
from vpp import economics as ec
from vpp.errors import VppError
from vpp.evaluation.year import evaluate
from vpp.evaluation.sizing import build_rep_sizing_model, build_sizing_model, parse_size


def _load(p=20.0):
    return FixedLoad(kind="fixed_load", name="l", archetype="data_centre", p_peak_mw=p, cos_phi=1.0)


def _battery_case(cost_per_mwh):
    # 2 steps of 1 h, price 100 then 1100 CNY/MWh, load 20 MW, lossless battery empty at start and end.
    # Each MWh of energy size buys 1 MWh at 100 and saves 1 MWh at 1100: worth exactly 1000 CNY/MWh in
    # the period. With a capex term c·E (scale 1) the LP optimum is E = 10 (the bound) if c < 1000, else 0.
    bat = Battery(kind="battery", name="b", p_max_mw=1, e_max_mwh=1, soc_min=0, soc_max=1, soc_init=0, soc_end=0,
                  eta_charge=1, eta_discharge=1)
    data = make_data([100, 1100], [(bat, None), (_load(), {"p_load_mw": np.array([20.0, 20.0])})])
    data.sizing = {"b": {"battery_e_mwh": (0.0, 10.0), "battery_p_mw": (0.0, 10.0)}}
    dm = build_sizing_model(data, {"battery_e_mwh": cost_per_mwh, "battery_p_mw": 0.0})
    info = solve(dm)
    return dm, info


def test_battery_energy_goes_to_bound_when_capex_below_arbitrage_value():
    dm, info = _battery_case(999.0)
    assert pyo.value(dm.m.battery.size_e_mwh["b"]) == pytest.approx(10.0, abs=1e-6)
    # cost = 100·(20+10) + 1100·(20−10) + 999·10 = 3000 + 11000 + 9990 = 23990 CNY
    assert info.objective_cny == pytest.approx(23990.0, abs=1e-4)
    # the power needed is exactly the 10 MWh moved in one hour
    assert pyo.value(dm.m.battery.p_discharge_mw["b", 1]) == pytest.approx(10.0, abs=1e-6)


def test_battery_energy_is_zero_when_capex_above_arbitrage_value():
    dm, info = _battery_case(1001.0)
    assert pyo.value(dm.m.battery.size_e_mwh["b"]) == pytest.approx(0.0, abs=1e-6)
    assert info.objective_cny == pytest.approx(100 * 20 + 1100 * 20, abs=1e-4)


@pytest.mark.parametrize("cost, expected_mwp", [(749.0, 2.0), (751.0, 0.0)])
def test_pv_size_at_bound_when_cheaper_than_grid_else_zero(cost, expected_mwp):
    # scenario PV of 1 MWp available 0.5 then 1.0 MW -> 1.5 MWh per MWp; price 500 CNY/MWh, load 5 MW:
    # each MWp saves 750 CNY in the period. Capex 749/MWp -> size 2 MWp (bound), 751 -> 0.
    pv = PV(kind="pv", name="pv", p_mwp=1.0)
    data = make_data([500, 500], [(pv, {"p_available_mw": np.array([0.5, 1.0])}),
                                  (_load(5.0), {"p_load_mw": np.array([5.0, 5.0])})])
    data.sizing = {"pv": {"pv_mwp": (0.0, 2.0)}}
    dm = build_sizing_model(data, {"pv_mwp": cost})
    info = solve(dm)
    assert pyo.value(dm.m.pv.size_mwp["pv"]) == pytest.approx(expected_mwp, abs=1e-6)
    assert info.objective_cny == pytest.approx(500 * 10 - expected_mwp * (750 - cost), abs=1e-4)


def test_annualised_cost_per_unit_by_hand():
    e = Economics(discount_rate=0.06, lifetime_years=25, pv_capex_cny_per_w=3.0, pv_om_cny_per_w_year=0.045,
                  battery_capex_cny_per_wh=0.9, battery_om_share_of_capex=0.02, battery_power_capex_cny_per_w=0.2)
    crf = 0.06 * 1.06**25 / (1.06**25 - 1)  # 0.078227
    c = ec.annualised_cost_per_unit(e)
    assert c["pv_mwp"] == pytest.approx(1e6 * (3.0 * crf + 0.045))  # ≈ 279,680 CNY/MWp·yr
    assert c["battery_e_mwh"] == pytest.approx(0.9e6 * (crf + 0.02))
    assert c["battery_p_mw"] == pytest.approx(0.2e6 * (crf + 0.02))
    assert ec.capex_cny(e, ec.ProjectSizes(battery_e_mwh=2.0, battery_p_mw=1.0))["battery"] == pytest.approx(1.8e6 + 0.2e6)


def test_size_bounds_kilo_aliases_and_default_cap():
    scn = load("single_park")
    sb = scn.economics.size_bounds
    assert sb.bounds("pv_mwp", 1.5) == (0.0, 3.0)  # default: 2 × the scenario size
    raw = scn.model_dump(mode="json", exclude_none=True)
    raw["economics"] = {"size_bounds": {"pv_max_kwp": 2500, "battery_e_max_kwh": 1000}}
    sb2 = from_dict(raw).economics.size_bounds
    assert sb2.pv_max_mwp == pytest.approx(2.5) and sb2.battery_e_max_mwh == pytest.approx(1.0)
    with pytest.raises(VppError, match="--size"):
        parse_size("pv,wind")


def test_sizing_on_less_than_a_year_is_refused():
    # the capex of a year against one day's operation would be scaled by 365/1: refused, not annualised
    with pytest.raises(VppError, match=r"--size needs a year: 1 day\(s\) are not annualised"):
        evaluate(load("single_park"), days=1, size="pv,battery")



def _pv_data(demand=0.0):
    pv = PV(kind="pv", name="pv", p_mwp=1.0)
    data = make_data([500, 500], [(pv, {"p_available_mw": np.array([0.5, 1.0])}),
                                  (_load(5.0), {"p_load_mw": np.array([5.0, 5.0])})], demand=demand)
    data.sizing = {"pv": {"pv_mwp": (0.0, 2.0)}}
    return data


def _battery_data(demand=0.0):
    bat = Battery(kind="battery", name="b", p_max_mw=1, e_max_mwh=1, soc_min=0, soc_max=1, soc_init=0, soc_end=0,
                  eta_charge=1, eta_discharge=1, degradation_cost_cny_per_mwh=7.0)
    data = make_data([100, 1100], [(bat, None), (_load(), {"p_load_mw": np.array([20.0, 20.0])})], demand=demand)
    data.sizing = {"b": {"battery_e_mwh": (0.0, 10.0), "battery_p_mw": (0.0, 10.0)}}
    return data


@pytest.mark.parametrize("make, cost_u", [(_pv_data, {"pv_mwp": 749.0}),
                                          (_battery_data, {"battery_e_mwh": 900.0, "battery_p_mw": 0.0})])
def test_rep_sizing_with_unit_weights_equals_the_unweighted_lp(make, cost_u):
    # two typical days of weight 1 each, every step bounding the one billing month: the weighted LP is the
    # period LP (scale 1), demand charge and the battery's degradation cost included
    ref = solve(build_sizing_model(make(demand=30.0), cost_u)).objective_cny
    data = make(demand=30.0)
    dm = build_rep_sizing_model(data, cost_u, np.ones(2), {str(data.month[0]): [0, 1]})
    assert solve(dm).objective_cny == pytest.approx(ref, rel=1e-9)
    # battery: each MWh of size is worth 1100 − 100 − 7 (wear) − 30 (the charging hour's peak rises) > 900:
    # E = 10, cost 100·30 + 1100·10 + 7·10 + 900·10 + 30·30 (peak 30 MW) = 23970 CNY
    if make is _battery_data:
        assert ref == pytest.approx(3000 + 11000 + 70 + 9000 + 900, abs=1e-4)
        assert pyo.value(dm.m.battery.size_e_mwh["b"]) == pytest.approx(10.0, abs=1e-6)


def test_rep_sizing_doubling_a_day_weight_doubles_its_energy_term():
    # PV 1 MWp available 0.5 then 1.0 MW, price 500 CNY/MWh, load 5 MW, capex 749 CNY/MWp·yr: PV at its 2 MWp
    # bound. Step 0 weight 2, step 1 weight 1: energy = 500·(2·(5 − 0.5·2) + (5 − 1·2)) = 500·11 = 5500,
    # + capex 749·2 = 1498 -> 6998 CNY (weights 1, 1: 500·(4 + 3) + 1498 = 4998; step 0's 2000 CNY doubled)
    data = _pv_data()
    month = {str(data.month[0]): [0, 1]}
    one = solve(build_rep_sizing_model(_pv_data(), {"pv_mwp": 749.0}, np.array([1.0, 1.0]), month)).objective_cny
    dm = build_rep_sizing_model(data, {"pv_mwp": 749.0}, np.array([2.0, 1.0]), month)
    two = solve(dm).objective_cny
    assert one == pytest.approx(4998.0, abs=1e-4)
    assert two == pytest.approx(6998.0, abs=1e-4)
    assert pyo.value(dm.m.rep_energy_cost_cny) == pytest.approx(5500.0, abs=1e-4)
    # capex 1498 is paid once whatever the weights: weights make the days a year, capex is not scaled
    assert pyo.value(dm.m.sizing_capex_cny) == pytest.approx(1498.0, abs=1e-6)


def test_rep_sizing_peak_of_a_month_binds_on_every_typical_day_standing_for_it():
    # 2 steps as 2 "typical days"; month A is stood for by step 0 only, month B by both. Load 20 MW, no
    # battery energy worth buying (capex 2000 > 1000): peaks 20 MW each -> demand 30·(20 + 20) = 1200 CNY
    data = _battery_data(demand=30.0)
    dm = build_rep_sizing_model(data, {"battery_e_mwh": 2000.0, "battery_p_mw": 0.0}, np.ones(2),
                                {"A": [0], "B": [0, 1]})
    info = solve(dm)
    assert pyo.value(dm.m.rep_demand_charge_cny) == pytest.approx(1200.0, abs=1e-6)
    assert info.objective_cny == pytest.approx(100 * 20 + 1100 * 20 + 1200, abs=1e-4)


def test_evaluate_sizing_on_representative_days_end_to_end():
    scn = load("single_park")
    raw = scn.model_dump(mode="json", exclude_none=True)
    raw["economics"] = {"size_bounds": {"pv_max_kwp": 2000, "battery_e_max_kwh": 1500, "battery_p_max_kw": 800}}
    ev = evaluate(from_dict(raw), year=2025, representative_days=14, size="pv,battery", dr=False,
                  floating_sensitivity=False)
    t = ev.sizing.table.set_index("quantity")["size"]
    assert (t <= ev.sizing.table.set_index("quantity")["hi"] + 1e-9).all()
    # over a year of typical days both are worth building up to these (small) bounds
    assert t["pv_mwp"] == pytest.approx(2.0, abs=1e-6) and t["battery_e_mwh"] == pytest.approx(1.5, abs=1e-6)
    specs = {a.name: a for _, a in ev.scenario.assets()}
    assert specs["rooftop_pv"].p_mwp == pytest.approx(t["pv_mwp"])
    assert specs["bess"].e_max_mwh == pytest.approx(t["battery_e_mwh"])
    assert specs["bess"].p_max_mw == pytest.approx(t["battery_p_mw"])
    e = ev.kpis["economics"]
    assert e["capex_total_cny"] == pytest.approx(t["pv_mwp"] * 3e6 + t["battery_e_mwh"] * 0.9e6)
    cu = ec.annualised_cost_per_unit(ev.scenario.economics)
    assert ev.kpis["sizing"]["annualised_capex_cny_per_year"] == pytest.approx(
        t["pv_mwp"] * cu["pv_mwp"] + t["battery_e_mwh"] * cu["battery_e_mwh"])
    assert ev.kpis["sizing"]["period_capex_cny"] == pytest.approx(ev.kpis["sizing"]["annualised_capex_cny_per_year"])
    # the sizing LP and the evaluation use the same typical days
    rd = ev.kpis["representative_days"]
    assert rd["k"] <= 14 and rd["weights_sum_days"] == pytest.approx(365.0)
    assert any("representative days" in n for n in ev.sizing.notes)
