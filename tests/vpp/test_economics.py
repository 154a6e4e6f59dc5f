"""Economics against hand computations."""

import math

import pytest

from scenarios.economics_schema import Economics
from vpp import economics as ec


def test_npv_of_simple_cash_flow():
    # -100 + 30 * (1 - 1.1^-5) / 0.1 = -100 + 113.7236 = 13.7236
    cf = [-100, 30, 30, 30, 30, 30]
    assert ec.npv(0.10, cf) == pytest.approx(-100 + 30 * (1 - 1.1**-5) / 0.1, abs=1e-9)
    assert ec.npv(0.10, cf) == pytest.approx(13.7236, abs=1e-4)


def test_irr_and_payback():
    cf = [-100, 30, 30, 30, 30, 30]
    r = ec.irr(cf)
    assert r == pytest.approx(0.152382, abs=1e-5)  # annuity factor 100/30 = 3.3333 at 15.24 %
    assert ec.npv(r, cf) == pytest.approx(0.0, abs=1e-6)
    assert ec.payback_years(cf) == pytest.approx(3 + 10 / 30)  # cum: -70, -40, -10, +20
    disc = [c / 1.1**y for y, c in enumerate(cf)]
    # discounted cumulative: -100, -72.727, -47.934, -25.394, -4.904, +13.724 -> 4 + 4.904/18.628
    assert ec.payback_years(disc) == pytest.approx(4 + 4.90398 / 18.62764, abs=1e-4)


def test_irr_none_without_sign_change_and_never_paid_back():
    assert ec.irr([-100, -1, -1]) is None
    assert ec.irr([10, 20]) is None
    assert ec.payback_years([-100, 10, 10]) is None


def test_crf():
    assert ec.crf(0.06, 25) == pytest.approx(0.06 * 1.06**25 / (1.06**25 - 1))
    assert ec.crf(0.0, 20) == pytest.approx(0.05)


def test_cash_flows_by_hand():
    econ = Economics(discount_rate=0.1, lifetime_years=5, pv_degradation_per_year=0.0, pv_om_cny_per_w_year=0.0,
                     battery_om_share_of_capex=0.0, pv_capex_cny_per_w=1.0)
    sizes = ec.ProjectSizes(pv_mwp=0.0001)  # 100 W -> capex 100 CNY
    k, cf = ec.summary(econ, sizes, {"energy_arbitrage": 30.0}, 0.0, 0.0)
    assert list(cf["net_cny"]) == pytest.approx([-100, 30, 30, 30, 30, 30])
    assert k["npv_cny"] == pytest.approx(13.7236, abs=1e-4)
    assert k["simple_payback_years"] == pytest.approx(10 / 3)


def test_degradation_om_replacement_and_lcos():
    econ = Economics(discount_rate=0.0, lifetime_years=20, pv_degradation_per_year=0.01, battery_calendar_life_years=15,
                     battery_cycle_life=3000, battery_replacement_share_of_capex=0.5, battery_capex_cny_per_wh=1.0,
                     battery_om_share_of_capex=0.01)
    # 1 MWh battery, 300 cycles/yr -> cycle life 10 yr < calendar 15 -> replaced in year 10 only
    assert ec.battery_replacement_years(econ, 300.0) == [10]
    assert ec.battery_replacement_years(econ, 0.0) == [15]
    sizes = ec.ProjectSizes(pv_mwp=1.0, battery_e_mwh=1.0, battery_p_mw=0.5)
    cf = ec.cash_flows(econ, sizes, {"pv_self_consumption": 100.0, "demand_charge": 50.0}, 1000.0, 300.0)
    assert cf.loc[0, "capex_cny"] == pytest.approx(-(3.0e6 + 1.0e6))
    assert cf.loc[3, "savings_pv_cny"] == pytest.approx(100.0 * 0.99**2)
    assert cf.loc[3, "om_cny"] == pytest.approx(-(0.045e6 + 0.01e6))
    assert cf.loc[10, "replacement_cny"] == pytest.approx(-0.5e6)
    # LCOS at r = 0: (1e6 + 20 * 1e4 + 0.5e6) / (20 * 300 MWh) = 283.33 CNY/MWh
    assert ec.lcos(econ, 1.0, 300.0) == pytest.approx(1.7e6 / 6000.0)
    # LCOE at r = 0: (3e6 + 20 * 0.045e6) / (1000 * sum 0.99^k, k < 20)
    assert ec.lcoe_pv(econ, 1.0, 1000.0) == pytest.approx(3.9e6 / (1000 * (1 - 0.99**20) / 0.01))


def test_carbon_sensitivity():
    c = ec.carbon_avoided_t(1000.0, 0.49, {"a": 0.5703, "b": 0.5366})
    assert c == {"scenario": pytest.approx(490.0), "a": pytest.approx(570.3), "b": pytest.approx(536.6)}
    assert math.isclose(c["a"] / c["scenario"], 0.5703 / 0.49)
