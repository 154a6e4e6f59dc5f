"""Hand-computable dispatch cases: every expected number is worked out in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from optimization import build_model, fix_baseline, solve
from optimization.results import extract
from scenarios.schema import Battery, EVCharging, FixedLoad, InterruptibleLoad, PV
from tests.optimization.helpers import make_data, sessions
from vpp.errors import InfeasibleError


def load(name="l", p=2.0):
    return FixedLoad(kind="fixed_load", name=name, archetype="data_centre", p_peak_mw=p, cos_phi=1.0)


def test_two_step_battery_arbitrage_objective():
    # load 2 MW both hours; price 100 then 500 CNY/MWh; battery 1 MW / 1 MWh, empty at start and end,
    # charge efficiency 1, discharge 0.9. Best: charge 1 MWh at t0 (cost 100), discharge 0.9 MWh at t1.
    # cost = 100*(2+1) + 500*(2-0.9) = 300 + 550 = 850 CNY
    bat = Battery(kind="battery", name="b", p_max_mw=1, e_max_mwh=1, soc_min=0, soc_max=1, soc_init=0, soc_end=0,
                  eta_charge=1, eta_discharge=0.9)
    data = make_data([100, 500], [(bat, None), (load(), {"p_load_mw": np.array([2.0, 2.0])})])
    dm = build_model(data)
    info = solve(dm)
    assert info.objective_cny == pytest.approx(850.0, abs=1e-6)
    r = extract(dm, info)
    b = r.assets[r.assets.asset == "b"]
    assert b.p_charge_mw.tolist() == pytest.approx([1.0, 0.0], abs=1e-7)
    assert b.p_discharge_mw.tolist() == pytest.approx([0.0, 0.9], abs=1e-7)
    # the cost table reproduces the objective
    assert r.total_cost_cny == pytest.approx(850.0, abs=1e-6)


def test_demand_charge_peak_shaving():
    # load 2 then 4 MW, free energy, demand charge 1000 CNY/MW·month; a 1 MW / 1 MWh battery (full,
    # lossless, may end empty) discharges 1 MW at t1: peak 3 MW, cost 3000 CNY.
    bat = Battery(kind="battery", name="b", p_max_mw=1, e_max_mwh=1, soc_min=0, soc_max=1, soc_init=1, soc_end=0,
                  eta_charge=1, eta_discharge=1)
    data = make_data([0, 0], [(bat, None), (load(), {"p_load_mw": np.array([2.0, 4.0])})], demand=1000.0)
    dm = build_model(data)
    info = solve(dm)
    assert info.objective_cny == pytest.approx(3000.0, abs=1e-6)
    r = extract(dm, info)
    assert r.costs.peak_import_mw.iloc[0] == pytest.approx(3.0, abs=1e-7)


def test_ev_sessions_get_exactly_their_energy_in_cheapest_steps():
    # 15-min steps over 4 h; prices high in the first 2 h, low in the last 2 h. Session A: plugged 0-4 h,
    # 0.1 MWh at up to 0.05 MW (needs 2 h at full power) -> charges exactly in the cheap 2 h.
    # Session B: plugged 0-1 h, 0.02 MWh at 0.04 MW -> must charge in its window, 0.5 h at full power.
    prices = [500.0] * 8 + [100.0] * 8
    ev = EVCharging(kind="ev_charging", name="ev", n_chargers=2, p_charger_mw=0.05, model="sessions")
    s = sessions([(0, 4, 0.1, 0.05), (0, 1, 0.02, 0.04)])
    data = make_data(prices, [(ev, {"sessions": s})], dt_h=0.25)
    dm = build_model(data)
    info = solve(dm)
    # cost = 0.1 MWh * 100 + 0.02 MWh * 500 = 20 CNY
    assert info.objective_cny == pytest.approx(20.0, abs=1e-6)
    r = extract(dm, info)
    ev_rows = r.assets[r.assets.asset == "ev"]
    delivered = ev_rows.p_charge_mw.sum() * 0.25
    assert delivered == pytest.approx(0.12, abs=1e-9)
    assert ev_rows.e_unmet_mwh.sum() == pytest.approx(0.0, abs=1e-9)
    assert ev_rows.p_charge_mw.iloc[8:].to_numpy() == pytest.approx(np.full(8, 0.05), abs=1e-7)


def test_ev_envelope_matches_sessions_energy():
    prices = [500.0] * 8 + [100.0] * 8
    s = sessions([(0, 4, 0.1, 0.05), (1, 3, 0.03, 0.02)])
    out = {}
    for mode in ("sessions", "envelope"):
        ev = EVCharging(kind="ev_charging", name="ev", n_chargers=2, p_charger_mw=0.05, model=mode)
        dm = build_model(make_data(prices, [(ev, {"sessions": s})], dt_h=0.25))
        info = solve(dm)
        r = extract(dm, info)
        out[mode] = (info.objective_cny, r.assets.p_charge_mw.sum() * 0.25)
    # session B (1-3 h, 0.03 MWh at 0.02 MW = 1.5 h at full power) must take 0.5 h of expensive energy
    # at least: cheap steps from 2 h to 3 h give 0.02 MWh, so 0.01 MWh at 500 + 0.02 at 100 + A 0.1 at 100
    assert out["sessions"][0] == pytest.approx(0.01 * 500 + 0.02 * 100 + 0.1 * 100, abs=1e-6)
    assert out["envelope"][1] == pytest.approx(0.13, abs=1e-9)
    assert out["sessions"][1] == pytest.approx(0.13, abs=1e-9)
    assert out["envelope"][0] <= out["sessions"][0] + 1e-6  # a relaxation never costs more


def test_ev_unmet_energy_is_reported_as_penalised_slack():
    # 0.2 MWh in 1 h at 0.1 MW: only 0.1 MWh deliverable; 0.1 MWh unmet at 20000 CNY/MWh
    ev = EVCharging(kind="ev_charging", name="ev", n_chargers=1, p_charger_mw=0.1, model="sessions")
    s = sessions([(0, 1, 0.2, 0.1)])
    dm = build_model(make_data([100.0] * 4, [(ev, {"sessions": s})], dt_h=0.25))
    info = solve(dm)
    r = extract(dm, info)
    assert r.assets.e_unmet_mwh.sum() == pytest.approx(0.1, abs=1e-9)
    assert info.objective_cny == pytest.approx(0.1 * 100 + 0.1 * 20000, abs=1e-6)


def test_interruptible_load_respects_contract_window_and_daily_limit():
    # 24 hourly steps, load 1 MW, contract 0.6 MW in window 16-20 h, at most 2 h/day (1.2 MWh);
    # interruption costs 300 CNY/MWh, price 1000 CNY/MWh at 16-24 h, else 100.
    prices = [100.0] * 16 + [1000.0] * 8
    il = InterruptibleLoad(kind="interruptible_load", name="il", archetype="data_centre", p_peak_mw=1.0,
                           p_curtail_max_mw=0.6, windows_h=[(16, 20)], max_hours_per_day=2, cost_cny_per_mwh=300,
                           cos_phi=1.0, use="self")
    dm = build_model(make_data(prices, [(il, {"p_load_mw": np.ones(24)})]))
    info = solve(dm)
    r = extract(dm, info)
    cut = r.assets.p_curtailed_mw.to_numpy()
    assert cut.max() <= 0.6 + 1e-9
    assert cut[:16].sum() == pytest.approx(0.0) and cut[20:].sum() == pytest.approx(0.0)
    assert cut.sum() == pytest.approx(1.2, abs=1e-9)
    # cost = 24 MWh energy at the prices minus 1.2 MWh saved at 1000 plus 1.2 MWh at 300
    assert info.objective_cny == pytest.approx(16 * 100 + 8 * 1000 - 1.2 * 1000 + 1.2 * 300, abs=1e-6)


def test_pv_exports_only_without_reverse_flow_limit():
    pv = PV(kind="pv", name="pv", p_mwp=2.2)
    prof = {"p_available_mw": np.array([0.0, 2.0])}
    for nrf, exported in ((False, 1.0), (True, 0.0)):
        dm = build_model(make_data([500, 500], [(pv, prof), (load(p=1.0), {"p_load_mw": np.ones(2)})],
                                   export=[350, 350], no_reverse_flow=nrf))
        info = solve(dm)
        r = extract(dm, info)
        assert r.parks.p_export_mw.sum() == pytest.approx(exported, abs=1e-9)
    # with no reverse flow, 1 MW of PV is curtailed at t1
    assert r.assets[r.assets.asset == "pv"].p_curtailed_mw.sum() == pytest.approx(1.0, abs=1e-9)


def test_infeasible_connection_names_park_and_step():
    data = make_data([100, 100], [(load(p=3.0), {"p_load_mw": np.array([1.0, 3.0])})], p_import_max=2.0)
    dm = build_model(data)
    with pytest.raises(InfeasibleError, match=r"park 'p'.*2025-07-22 01:00.*1\.000 MW"):
        solve(dm)


def test_baseline_is_never_cheaper_and_fixes_rules():
    prices = [100.0] * 8 + [1000.0] * 8
    bat = Battery(kind="battery", name="b", p_max_mw=1, e_max_mwh=2, soc_init=0.5)
    ev = EVCharging(kind="ev_charging", name="ev", n_chargers=1, p_charger_mw=0.05, model="sessions")
    assets = [(bat, None), (ev, {"sessions": sessions([(2, 4, 0.05, 0.05)])}),
              (load(), {"p_load_mw": np.full(16, 2.0)})]
    opt = build_model(make_data(prices, assets, dt_h=0.25))
    c_opt = solve(opt).objective_cny
    base = build_model(make_data(prices, assets, dt_h=0.25))
    fix_baseline(base)
    info = solve(base)
    r = extract(base, info, strategy="baseline")
    assert info.objective_cny >= c_opt - 1e-6
    assert r.assets[r.assets.asset == "b"].p_charge_mw.abs().sum() == 0
    ev_p = r.assets[r.assets.asset == "ev"].p_charge_mw.to_numpy()
    # charge on arrival at 2 h (step 8) at full power for 1 h (0.05 MWh at 0.05 MW)
    assert ev_p[8:12] == pytest.approx([0.05] * 4) and ev_p[12:].sum() == 0


def test_no_buy_low_sell_high_through_one_meter():
    # PV 2 MW available, load 1 MW, import 240 CNY/MWh, export 350 CNY/MWh (the midday valley).
    # Physically the meter exports the 1 MW surplus; with the raw prices the LP would import 1 MW and
    # export all 2 MW in the same hour (cost 240 - 700 = -460). The pipeline caps the export price at
    # the import price and the results net the flows: export 1 MW, import 0, cost -240.
    import pandas as pd

    from vpp.pipeline import export_price_for_model

    class P:  # the two fields export_price_for_model reads
        export_price_cny_per_mwh = pd.Series([350.0])
        prices = pd.DataFrame({"price_cny_per_mwh": [240.0]})

    capped = export_price_for_model(P)
    assert capped.tolist() == [240.0]
    pv = PV(kind="pv", name="pv", p_mwp=2.2)
    dm = build_model(make_data([240.0], [(pv, {"p_available_mw": np.array([2.0])}),
                                         (load(p=1.0), {"p_load_mw": np.ones(1)})], export=capped))
    info = solve(dm)
    r = extract(dm, info)
    assert r.parks.p_import_mw.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert r.parks.p_export_mw.iloc[0] == pytest.approx(1.0, abs=1e-9)
    assert info.objective_cny == pytest.approx(-240.0, abs=1e-6)
    assert r.total_cost_cny == pytest.approx(-240.0, abs=1e-6)


def test_grid_interruptible_contract_is_curtailed_only_in_a_grid_call():
    # the case above with use: grid: no call, no curtailment (the park does not cut it for its own bill);
    # a call over 17-19 h allows the contract there only (0.6 MW × 2 h, within the daily 1.2 MWh)
    prices = [100.0] * 16 + [1000.0] * 8
    il = InterruptibleLoad(kind="interruptible_load", name="il", archetype="data_centre", p_peak_mw=1.0,
                           p_curtail_max_mw=0.6, windows_h=[(16, 20)], max_hours_per_day=2, cost_cny_per_mwh=300,
                           cos_phi=1.0)
    assert il.use == "grid"
    dm = build_model(make_data(prices, [(il, {"p_load_mw": np.ones(24)})]))
    info = solve(dm)
    assert extract(dm, info).assets.p_curtailed_mw.sum() == pytest.approx(0.0, abs=1e-12)
    assert info.objective_cny == pytest.approx(16 * 100 + 8 * 1000, abs=1e-6)
    assert dm.open_event_window([17, 18])
    info = solve(dm)
    cut = extract(dm, info).assets.p_curtailed_mw.to_numpy()
    assert cut[17] == pytest.approx(0.6) and cut[18] == pytest.approx(0.6)
    assert cut.sum() == pytest.approx(1.2, abs=1e-9)
    dm.open_event_window([])  # the call ends: back to no curtailment
    assert extract(dm, solve(dm)).assets.p_curtailed_mw.sum() == pytest.approx(0.0, abs=1e-12)
