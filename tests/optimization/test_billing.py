"""The two-part bill by hand (docs/billing.md): month so far, contract demand, 15-min demand, power factor."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from optimization import build_model
from optimization.bill import monthly_bill, park_bill, power_factor_adjustment_pct
from optimization.data import ParkInput
from optimization.results import extract
from optimization.session import solve
from scenarios.schema import Battery, FixedLoad
from tests.optimization.helpers import make_data

RATE = 33000.0  # CNY/MW·month


def table(imp_mw, *, step_min=15, price=500.0, q_mvar=None, billed=None, start="2025-07-22"):
    """One park 'p' × steps: import, no export, flat price."""
    n = len(imp_mw)
    idx = pd.date_range(start, periods=n, freq=f"{step_min}min", tz="Asia/Shanghai")
    df = pd.DataFrame({"time": idx, "park": "p", "p_import_mw": np.asarray(imp_mw, dtype=float), "p_export_mw": 0.0,
                       "price_cny_per_mwh": price, "export_price_cny_per_mwh": 0.0})
    if q_mvar is not None:
        df["q_import_mvar"] = np.asarray(q_mvar, dtype=float)
    if billed is not None:
        df["billed"] = np.asarray(billed, dtype=bool)
    return df


@pytest.mark.parametrize("pf, standard, pct", [
    (0.88, 0.90, 1.0),     # 2 × 0.01 below 0.90 at +0.5 % each
    (0.93, 0.90, -0.45),   # 3 × 0.01 above at -0.15 % each
    (0.95, 0.90, -0.75), (0.99, 0.90, -0.75),  # the largest reduction of the 0.90 table
    (0.90, 0.90, 0.0),
    (0.70, 0.90, 10.0), (0.65, 0.90, 15.0), (0.64, 0.90, 17.0),
    (0.88, 0.85, -0.3), (0.94, 0.85, -1.1), (0.84, 0.85, 0.5),
    (0.92, 0.80, -1.3), (0.90, 0.80, -1.0), (0.60, 0.80, 10.0),
    (0.8849, 0.90, 1.0), (0.8851, 0.90, 0.5),  # the power factor is rounded to 0.01 first
])
def test_power_factor_table(pf, standard, pct):
    assert power_factor_adjustment_pct(pf, standard) == pytest.approx(pct, abs=1e-12)


def test_power_factor_adjustment_applies_to_energy_and_demand_charges():
    # 4 steps of 1 MW for 15 min: 1 MWh; reactive 0.5397 MVAr: cos φ = 1 / hypot(1, 0.5397) = 0.880 -> +1.0 %
    q = math.tan(math.acos(0.88))
    pin = ParkInput("p", [], power_factor_standard=0.90)
    mb = monthly_bill(table([1.0] * 4, q_mvar=[q] * 4), 0.25, RATE, {"p": pin})
    r = mb.iloc[0]
    assert r.power_factor == pytest.approx(0.88, abs=1e-9)
    energy, demand = 500.0 * 1.0, RATE * 1.0
    assert r.energy_cost_cny == pytest.approx(energy) and r.demand_charge_cny == pytest.approx(demand)
    assert r.power_factor_adjustment_cny == pytest.approx(0.01 * (energy + demand))
    assert park_bill(mb).iloc[0].total_cost_cny == pytest.approx(1.01 * (energy + demand))
    # compensation of 0.3 MVAr: Q = 0.2397 MVArh -> cos φ = 0.972 -> the largest reduction, -0.75 %
    pin = ParkInput("p", [], power_factor_standard=0.90, q_compensation_mvar=0.3)
    r = monthly_bill(table([1.0] * 4, q_mvar=[q] * 4), 0.25, RATE, {"p": pin}).iloc[0]
    assert r.reactive_mvarh == pytest.approx((q - 0.3) * 1.0)
    assert r.power_factor_adjustment_cny == pytest.approx(-0.0075 * (energy + demand))


def test_contract_demand_month_at_110_percent_charges_the_excess_over_105_percent_twice():
    pin = ParkInput("p", [], demand_basis="contract_demand", contract_demand_mw=2.0)
    r = monthly_bill(table([1.0, 2.2, 1.5]), 0.25, RATE, {"p": pin}).iloc[0]
    # rate · C + 2 · rate · (2.2 − 1.05 · 2.0) = 66 000 + 6 600
    assert r.demand_charge_cny == pytest.approx(RATE * 2.0 + 2 * RATE * 0.1)
    assert r.demand_charge_cny == pytest.approx(72600.0)
    # within 105 %: the contract alone
    r = monthly_bill(table([1.0, 2.1, 1.5]), 0.25, RATE, {"p": pin}).iloc[0]
    assert r.demand_charge_cny == pytest.approx(66000.0)
    # the month started earlier at 2.15 MW (0.05 MW excess billed already): only the further 0.05 MW, twice
    pin.peak_so_far_mw = {"2025-07": 2.15}
    r = monthly_bill(table([1.0, 2.2, 1.5]), 0.25, RATE, {"p": pin}).iloc[0]
    assert r.demand_charge_cny == pytest.approx(2 * RATE * 0.05)


def test_peak_under_the_month_so_far_costs_no_demand_charge_and_only_the_increase_is_charged():
    pin = ParkInput("p", [], peak_so_far_mw={"2025-07": 3.0}, peak_so_far_from="declared")
    r = monthly_bill(table([2.0, 2.5, 1.0]), 0.25, RATE, {"p": pin}).iloc[0]
    assert r.demand_charge_cny == 0.0 and r.billed_demand_mw == 3.0 and r.max_demand_mw == 2.5
    r = monthly_bill(table([2.0, 3.5, 1.0]), 0.25, RATE, {"p": pin}).iloc[0]
    assert r.demand_charge_cny == pytest.approx(RATE * 0.5)
    # another month than the one with a peak so far: charged in full
    r = monthly_bill(table([2.0, 3.5], start="2025-08-05"), 0.25, RATE, {"p": pin}).iloc[0]
    assert r.demand_charge_cny == pytest.approx(RATE * 3.5)


def test_max_demand_is_the_15_min_mean_and_unbilled_steps_do_not_count():
    # 5-min steps: 3 MW for 5 min then 0 -> a 1 MW quarter hour; the next quarter hour 1.5 MW flat
    r = monthly_bill(table([3.0, 0.0, 0.0, 1.5, 1.5, 1.5], step_min=5), 5 / 60, RATE).iloc[0]
    assert r.max_demand_mw == pytest.approx(1.5) and r.peak_import_mw == pytest.approx(3.0)
    assert r.demand_charge_cny == pytest.approx(RATE * 1.5)
    # a step excluded from billed demand (grid-called valley filling) leaves its quarter hour out
    r = monthly_bill(table([1.0, 4.0, 2.0], billed=[True, False, True]), 0.25, RATE).iloc[0]
    assert r.max_demand_mw == pytest.approx(2.0) and r.demand_charge_cny == pytest.approx(RATE * 2.0)


def _lp_case(peak_so_far_mw=None):
    """A 1/2 MW load over two 1-h steps (energy 200 then 100 CNY/MWh) and a lossless 1 MWh battery that can
    flatten the import at 1.5 MW for 100 CNY/MWh shifted."""
    load = FixedLoad(kind="fixed_load", name="l", archetype="data_centre", p_peak_mw=2.0)
    bat = Battery(kind="battery", name="b", p_max_mw=1.0, e_max_mwh=1.0, soc_min=0.0, soc_max=1.0, soc_init=0.5,
                  eta_charge=1.0, eta_discharge=1.0)
    data = make_data([200.0, 100.0], [(load, {"p_load_mw": np.array([1.0, 2.0])}), (bat, None)], demand=RATE)
    if peak_so_far_mw is not None:
        data.parks[0].peak_so_far_mw = {"2025-07": peak_so_far_mw}
    dm = build_model(data)
    info = solve(dm)
    res = extract(dm, info)
    return info, res.costs.iloc[0], res.parks.p_import_mw.to_numpy()


@pytest.mark.parametrize("declared", [1.2, 2.0])
def test_lp_charges_only_the_increase_above_the_declared_month_so_far(declared):
    _, c0, imp0 = _lp_case()
    assert imp0 == pytest.approx([1.5, 1.5]) and c0.demand_charge_cny == pytest.approx(RATE * 1.5)  # flattened
    info, c, imp = _lp_case(declared)
    assert info.objective_cny == pytest.approx(c.total_cost_cny, abs=1e-6)  # LP = bill
    # the demand charge falls by rate × min(own peak 1.5, declared)
    assert c0.demand_charge_cny - c.demand_charge_cny == pytest.approx(RATE * min(1.5, declared))
    if declared >= 2.0:  # nothing to gain from shaving: the schedule follows the load, not a flat line
        assert imp == pytest.approx([1.0, 2.0]) and c.demand_charge_cny == pytest.approx(0.0, abs=1e-9)
    else:
        assert imp == pytest.approx([1.5, 1.5])
