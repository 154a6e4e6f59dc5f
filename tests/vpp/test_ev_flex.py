"""EV flexibility as it is: opt-in share, uncertain departures (robust), V2G for depots and fleets.

Every expected number is worked out in the comments (vpp/assets/ev_charging.py has the maths).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimization import build_model, fix_baseline, solve
from optimization.results import extract
from scenarios.schema import EVCharging, FixedLoad
from tests.optimization.helpers import make_data, sessions
from vpp.assets.ev_charging import greedy_profile, session_windows
from vpp.capacity_study.model import CapacityModel
from vpp.profiles import date_key, rng_for
from vpp.profiles.ev import _clip_to_horizon, ev_sessions
from vpp.timeindex import time_index

TZ = "Asia/Shanghai"


def ev(name="ev", **kw):
    args = dict(kind="ev_charging", name=name, n_chargers=4, p_charger_mw=0.05, model="sessions")
    args.update(kw)
    return EVCharging(**args)


def load(p=1.0, n=6):
    return FixedLoad(kind="fixed_load", name="l", archetype="data_centre", p_peak_mw=p, cos_phi=1.0), {
        "p_load_mw": np.full(n, p)}


def run(prices, assets, *, baseline=False, **kw):
    dm = build_model(make_data(prices, assets, **kw))
    if baseline:
        fix_baseline(dm)
    info = solve(dm)
    return info, extract(dm, info, strategy="baseline" if baseline else "optimised"), dm


# ------------------------------------------------------------------------------------------ opt-in share
PRICES_8 = [500.0] * 4 + [100.0] * 4  # hourly, 00:00-08:00


def four_sessions():
    # (arrival h, departure h, e_mwh, p_max_mw) and the opt-in numbers u: with share 0.5, s0 and s2 opt in
    s = sessions([(0, 8, 0.1, 0.05), (0, 8, 0.1, 0.05), (2, 6, 0.05, 0.05), (1, 3, 0.05, 0.05)])
    s["optin_u"] = [0.1, 0.7, 0.3, 0.9]
    return s


@pytest.mark.parametrize("model", ["sessions", "envelope"])
@pytest.mark.parametrize("share, cost", [
    # share 1: s0, s1 charge 2 h each in the cheap hours 4-7 (2 x 0.1 MWh x 100 = 20), s2 (2-6 h) 1 h in the
    # cheap hours 4-5 (0.05 x 100 = 5), s3 (1-3 h) must charge in the dear hours (0.05 x 500 = 25): 50 CNY
    (1.0, 50.0),
    # share 0.5: s1 and s3 did not opt in and charge at full power on arrival: s1 0.05 MW at 0 h and 1 h
    # (0.1 x 500 = 50), s3 at 1 h (25); s0 and s2 as above (10 + 5): 90 CNY
    (0.5, 90.0),
    # share 0: every session on arrival: s0 50, s1 50, s2 at 2 h (25), s3 25: 150 CNY = the baseline rule
    (0.0, 150.0),
])
def test_opt_in_share_fixes_the_others_to_the_baseline_rule(model, share, cost):
    spec = ev(participation_share=share, model=model)
    info, r, dm = run(PRICES_8, [(spec, {"sessions": four_sessions()})])
    assert info.objective_cny == pytest.approx(cost, abs=1e-6)
    a = r.assets[r.assets.asset == "ev"]
    assert a.p_charge_mw.sum() == pytest.approx(0.3, abs=1e-9)  # every session gets its energy
    assert a.e_unmet_mwh.sum() == pytest.approx(0.0, abs=1e-9)
    if share == 0.5:
        # the fixed part is the baseline rule of s1 and s3: 0.05 MW at 0 h, 0.1 MW at 1 h (s1 + s3)
        assert a.p_unmanaged_mw.tolist() == pytest.approx([0.05, 0.1, 0, 0, 0, 0, 0, 0], abs=1e-12)
        if model == "sessions":
            assert sorted(dm.m.ev_charging.S) == ["s0", "s2"]  # variables only for the managed sessions


def test_share_zero_is_the_baseline_rule_and_leaves_no_capacity():
    s = four_sessions()
    info0, r0, _ = run(PRICES_8, [(ev(participation_share=0.0), {"sessions": s})])
    info_b, r_b, _ = run(PRICES_8, [(ev(), {"sessions": s})], baseline=True)
    assert info0.objective_cny == pytest.approx(info_b.objective_cny, abs=1e-9)
    p0 = r0.assets[r0.assets.asset == "ev"].p_charge_mw.to_numpy()
    w = session_windows(s, pd.date_range("2025-07-22", periods=8, freq="h", tz=TZ), 1.0)
    assert p0 == pytest.approx(greedy_profile(w, 8, 1.0).sum(axis=0), abs=1e-12)
    assert p0 == pytest.approx(r_b.assets[r_b.assets.asset == "ev"].p_charge_mw.to_numpy(), abs=1e-12)
    # an EV-only park: with nobody opted in, nothing can move, in either direction
    flat = [300.0] * 8
    for share, some in ((0.0, False), (1.0, True)):
        cm = CapacityModel(make_data(flat, [(ev(participation_share=share), {"sessions": s})]))
        r = [w.r_mw for w in cm.sweep([1, 2, 4], [1.0, 2.0], 0.0)]
        assert (max(r) > 1e-6) is some, share
        if not some:
            assert max(r) == pytest.approx(0.0, abs=1e-9)


def test_opt_in_draw_is_documented_and_window_independent():
    spec = ev("pub", n_chargers=10, p_charger_mw=0.06, profile="public", sessions_per_charger_per_day=4,
              participation_share=0.5, model="auto")
    day = pd.Timestamp("2025-07-22", tz=TZ)
    end = day + pd.Timedelta(days=1)
    alone = ev_sessions(spec, time_index("2025-07-22", 1, 15), 7)
    inside = _clip_to_horizon(ev_sessions(spec, time_index("2025-07-21", 3, 15), 7), day, end).reset_index(drop=True)
    assert len(alone) == len(inside) > 20
    for col in ("arrival", "departure", "e_mwh", "optin_u"):
        assert np.array_equal(alone[col].to_numpy(), inside[col].to_numpy()), col
    # the draw: the i-th session generated for a date takes the i-th number of its ':optin' stream
    n_day = int(rng_for(7, "pub", date_key(day)).poisson(10 * 4))
    stream = rng_for(7, "pub:optin", date_key(day)).uniform(size=n_day)
    today = alone[alone["arrival"] > day]  # arrived on the 22nd (not clipped to the window start)
    assert len(today) > 10 and np.isin(today["optin_u"].to_numpy(), stream).all()
    # the model manages exactly the sessions with u < 0.5, the same ones in both windows
    idx = time_index("2025-07-22", 1, 15)
    managed = session_windows(alone, idx, 0.25, participation_share=0.5, asset="pub")["managed"].to_numpy()
    assert np.array_equal(managed, session_windows(inside, idx, 0.25, participation_share=0.5, asset="pub")["managed"])
    assert managed.sum() == (alone["optin_u"] < 0.5).sum() and 0 < managed.sum() < len(alone)
    data = make_data([500.0] * 96, [(spec, {"sessions": alone})], dt_h=0.25)
    dm = build_model(data)
    assert len(dm.m.ev_charging.S) == managed.sum()
    # a smaller share manages a subset; the default table has no opt-in column (nothing changes)
    fewer = session_windows(alone, idx, 0.25, participation_share=0.3, asset="pub")["managed"].to_numpy()
    assert fewer.sum() < managed.sum() and not (fewer & ~managed).any()
    assert "optin_u" not in ev_sessions(ev("pub", n_chargers=10, p_charger_mw=0.06), idx, 7)


def test_opt_in_without_a_drawn_column_is_keyed_by_session_id():
    s = four_sessions().drop(columns="optin_u")
    idx = pd.date_range("2025-07-22", periods=8, freq="h", tz=TZ)
    a = session_windows(s, idx, 1.0, participation_share=0.5, asset="ev")["managed"].to_numpy()
    b = session_windows(s.iloc[::-1].reset_index(drop=True), idx, 1.0, participation_share=0.5, asset="ev")
    assert np.array_equal(a, b.set_index("session").loc[s["session"], "managed"].to_numpy())


# ------------------------------------------------------------------------------ uncertain departures
PRICES_24 = [500.0] * 11 + [100.0] + [500.0] * 12  # the hour 11:00-12:00 is cheap


def public(u_h):
    return ev("pub", n_chargers=1, profile="public", departure_uncertainty_h=u_h)


def test_uncertain_departure_delivers_by_the_earliest_departure():
    one = sessions([(8, 12, 0.1, 0.05)])
    # no uncertainty: 0.05 MWh in the cheap hour 11-12 and 0.05 MWh before: 5 + 25 = 30 CNY
    info, r, _ = run(PRICES_24, [(public(0.0), {"sessions": one})])
    assert info.objective_cny == pytest.approx(30.0, abs=1e-6)
    # 1 h uncertainty: the driver may leave at 11:00, all 0.1 MWh in 8-11 h: 0.1 x 500 = 50 CNY
    info, r, _ = run(PRICES_24, [(public(1.0), {"sessions": one})])
    a = r.assets
    assert info.objective_cny == pytest.approx(50.0, abs=1e-6)
    assert a.p_charge_mw.iloc[11] == pytest.approx(0.0, abs=1e-12)
    assert a.p_charge_mw.sum() == pytest.approx(0.1, abs=1e-9)
    assert a.e_capped_mwh.sum() == pytest.approx(0.0, abs=1e-12)


def test_energy_beyond_the_shortened_dwell_is_capped_not_unmet():
    # 0.2 MWh at 0.05 MW by 11:00: 3 h x 0.05 = 0.15 MWh possible, 0.05 MWh capped (no penalty): 75 CNY
    info, r, _ = run(PRICES_24, [(public(1.0), {"sessions": sessions([(8, 12, 0.2, 0.05)])})])
    a = r.assets
    assert info.objective_cny == pytest.approx(0.15 * 500, abs=1e-6)
    assert a.p_charge_mw.tolist()[8:11] == pytest.approx([0.05] * 3, abs=1e-9)
    assert a.e_unmet_mwh.sum() == pytest.approx(0.0, abs=1e-12)
    assert a.e_capped_mwh.iloc[10] == pytest.approx(0.05, abs=1e-12)  # at the last planned step
    assert a.e_capped_mwh.sum() == pytest.approx(0.05, abs=1e-12)


def test_planned_departure_is_on_the_grid_and_after_the_first_step():
    idx = pd.date_range("2025-07-22", periods=24, freq="h", tz=TZ)
    s = sessions([(8, 12, 0.1, 0.05), (8, 9, 0.04, 0.05), (20, 30, 0.1, 0.05)])
    w = session_windows(s, idx, 1.0, departure_uncertainty_h=0.5)
    # 12:00 - 0.5 h rounds down to 11:00; 9:00 - 0.5 h would leave no step: kept at arrival + 1 step;
    # 30 h - 0.5 h -> 29 h: still after the horizon (clipped to 24, no cap counted here)
    assert w["t_d"].tolist() == [11, 9, 24]
    assert w["e_capped_mwh"].tolist() == pytest.approx([0.0, 0.0, 0.0])
    assert session_windows(s, idx, 1.0)["t_d"].tolist() == [12, 9, 24]


def test_uncertainty_kpi_in_a_run():
    from scenarios.loader import from_dict, read_yaml, resolve
    from vpp.pipeline import run as vpp_run

    d = read_yaml(resolve("single_park"))
    d["ac_check"] = {"enabled": False}
    staff = next(a for a in d["parks"][0]["assets"] if a["kind"] == "ev_charging")
    staff.update(departure_uncertainty_h=6.0, participation_share=0.5)  # 8.5 h dwells, 2.5 h planned
    k = vpp_run(from_dict(d), "optimised").kpis
    assert k["ev_uncertainty_capped_mwh"] > 0.01
    assert k["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert k["ev_v2g_discharged_mwh"] == 0.0


# ------------------------------------------------------------------------------------------- schema
@pytest.mark.parametrize("kw, message", [
    (dict(profile="bus_depot", departure_uncertainty_h=1.0), "keep their hard departure times"),
    (dict(profile="logistics_fleet", departure_uncertainty_h=0.5), "keep their hard departure times"),
    (dict(profile="public", v2g=True), "v2g is offered for bus_depot and logistics_fleet"),
    (dict(profile="workplace", v2g=True), "v2g is offered for bus_depot and logistics_fleet"),
    (dict(profile="bus_depot", v2g=True, model="envelope"), "v2g needs per-session variables"),
    (dict(profile="bus_depot", v2g_battery_mwh=0.3), "v2g_battery_mwh is set but v2g is false"),
    (dict(profile="bus_depot", v2g=True, v2g_p_max_mw=0.1), "above p_charger_mw"),
    (dict(participation_share=1.2), "less than or equal to 1"),
])
def test_schema_refuses(kw, message):
    with pytest.raises(ValueError, match=message):
        ev(**kw)


def test_schema_accepts_and_converts_kilo_units():
    from scenarios.loader import from_dict, read_yaml, resolve

    d = read_yaml(resolve("single_park"))
    d["parks"][0]["assets"].append({"kind": "ev_charging", "name": "depot", "n_chargers": 2, "p_charger_kw": 150,
                                    "profile": "bus_depot", "v2g": True, "v2g_p_max_kw": 100,
                                    "v2g_battery_kwh": 300, "battery_wear_cost_cny_per_kwh": 0.12})
    spec = next(a for _, a in from_dict(d).assets() if a.name == "depot")
    assert (spec.v2g_p_mw, spec.v2g_battery_mwh, spec.battery_wear_cost_cny_per_mwh) == pytest.approx((0.1, 0.3, 120.0))
    assert ev().v2g_p_mw == 0.05 and ev().battery_wear_cost_cny_per_mwh == 100.0


# --------------------------------------------------------------------------------------------- V2G
PRICES_V2G = [1000.0, 1000.0, 200.0, 200.0, 200.0, 200.0]  # evening peak 2 h, then 4 h of valley


def depot(**kw):
    args = dict(n_chargers=1, p_charger_mw=0.1, profile="bus_depot", v2g=True, v2g_battery_mwh=0.3, v2g_soc_min=0.0)
    args.update(kw)
    return ev("depot", **args)


BUS = sessions([(0, 6, 0.1, 0.1)])  # plugged in 0-6 h, needs 0.1 MWh, 0.1 MW charger


def test_v2g_discharges_in_the_peak_and_recharges_later():
    # battery 0.3 MWh, leaves full -> arrives with 0.3 - 0.1 = 0.2 MWh (floor 0): may give 0.2 MWh.
    # Discharge 0.1 MW in both peak hours (-0.2 x 1000 against the 1 MW load), recharge 0.3 MWh in the
    # valley (0.3 x 200 = 60), wear 0.2 x 100 = 20: EV cost -120; load 2 x 1000 + 4 x 200 = 2800 -> 2680 CNY
    info, r, dm = run(PRICES_V2G, [(depot(battery_wear_cost_cny_per_mwh=100.0), {"sessions": BUS}), load()])
    assert info.objective_cny == pytest.approx(2680.0, abs=1e-6)
    a = r.assets[r.assets.asset == "depot"]
    assert a.p_discharge_mw.tolist() == pytest.approx([0.1, 0.1, 0, 0, 0, 0], abs=1e-9)
    assert (a.p_charge_mw.sum() - a.p_discharge_mw.sum()) == pytest.approx(0.1, abs=1e-9)  # net = e_mwh
    assert a.p_inject_mw.tolist()[:2] == pytest.approx([0.1, 0.1], abs=1e-9)
    assert a.cost_cny.sum() == pytest.approx(20.0, abs=1e-9)  # wear paid per MWh discharged
    e = np.array([dm.m.ev_charging.e_added_mwh["s0", t].value for t in range(6)])
    assert e.min() == pytest.approx(-0.2, abs=1e-9) and e[-1] == pytest.approx(0.1, abs=1e-9)
    # the capacity study and the AC check see the discharge as injection
    lo, hi = dm.blocks["ev_charging"].injection_range("depot")
    assert hi.tolist() == pytest.approx([0.1] * 6) and lo.tolist() == pytest.approx([-0.1] * 6)


def test_v2g_export_when_there_is_no_load():
    # same, fed into the grid at an export price equal to the import price: -0.2 x 1000 + 60 + 20 = -120
    info, r, _ = run(PRICES_V2G, [(depot(battery_wear_cost_cny_per_mwh=100.0), {"sessions": BUS})],
                     export=PRICES_V2G)
    assert info.objective_cny == pytest.approx(-120.0, abs=1e-6)
    assert r.parks.p_export_mw.sum() == pytest.approx(0.2, abs=1e-9)


def test_no_v2g_when_wear_exceeds_the_spread_or_without_energy_to_give():
    # spread 1000 - 200 = 800 CNY/MWh < wear 900: charge 0.1 MWh in the valley: 20 + 2800
    info, r, _ = run(PRICES_V2G, [(depot(battery_wear_cost_cny_per_mwh=900.0), {"sessions": BUS}), load()])
    assert info.objective_cny == pytest.approx(2820.0, abs=1e-6)
    assert r.assets.p_discharge_mw.fillna(0).sum() == pytest.approx(0.0, abs=1e-9)
    # battery unknown: never below the plug-in level, so nothing to give in the first (peak) hours
    info, r, _ = run(PRICES_V2G, [(depot(v2g_battery_mwh=None, battery_wear_cost_cny_per_mwh=0.0),
                                   {"sessions": BUS}), load()])
    assert info.objective_cny == pytest.approx(2820.0, abs=1e-6)
    # reserve 50 % of 0.3 MWh: only 0.2 - 0.15 = 0.05 MWh to give: -0.05 x (1000 - 200 - 100) = -35
    info, r, _ = run(PRICES_V2G, [(depot(v2g_soc_min=0.5, battery_wear_cost_cny_per_mwh=100.0),
                                   {"sessions": BUS}), load()])
    assert info.objective_cny == pytest.approx(2820.0 - 35.0, abs=1e-6)


def test_v2g_baseline_does_not_discharge():
    info, r, _ = run(PRICES_V2G, [(depot(), {"sessions": BUS}), load()], baseline=True)
    a = r.assets[r.assets.asset == "depot"]
    assert a.p_discharge_mw.sum() == 0.0
    assert a.p_charge_mw.tolist() == pytest.approx([0.1, 0, 0, 0, 0, 0], abs=1e-12)


# -------------------------------------------------------------------------------------------- rolling
def test_rolling_windows_keep_the_opt_in_and_the_planned_departures():
    from vpp.rolling import run_rolling

    prices = ([500.0] * 8 + [100.0] * 4 + [500.0] * 12) * 2
    s = sessions([(8, 16, 0.2, 0.05), (9, 12, 0.15, 0.05), (20, 32, 0.3, 0.05), (33, 36, 0.1, 0.05)])
    s["optin_u"] = [0.2, 0.8, 0.9, 0.1]
    out = {}
    for share, u_h, baseline in ((0.0, 0.0, False), (1.0, 0.0, True), (0.5, 1.0, False)):
        spec = ev(participation_share=share, departure_uncertainty_h=u_h, profile="public")
        rr = run_rolling(make_data(prices, [(spec, {"sessions": s})]), 2, 0, baseline=baseline)
        out[(share, baseline)] = rr
        p = rr.assets.p_charge_mw.to_numpy()
        if u_h:
            # s1 (9-12 h, not opted in) may leave at 11:00: 0.1 MWh by then, 0.05 MWh capped; s2 (20-32 h) spans
            # midnight and is planned to 31 h; nothing is unmet
            assert rr.assets.e_capped_mwh.sum() == pytest.approx(0.05, abs=1e-9)
            assert rr.ev_unmet_mwh["ev"] == pytest.approx(0.0, abs=1e-9)
            assert p.sum() == pytest.approx(0.2 + 0.1 + 0.3 + 0.1, abs=1e-9)
            assert p[31] == pytest.approx(0.0, abs=1e-12)
            # not opted in: s1 on arrival (9-11 h), s2 (0.3 MWh) from 20 h across midnight (in the first window
            # the rule charges its in-window share, the rest after midnight, as the baseline rule does)
            p_u = rr.assets.p_unmanaged_mw.to_numpy()
            assert p_u[9:11].tolist() == pytest.approx([0.05, 0.05]) and p_u[20:22].tolist() == pytest.approx([0.05] * 2)
            assert p_u.sum() == pytest.approx(0.1 + 0.3, abs=1e-9)
    # nobody opted in = the baseline rule, window by window
    assert out[(0.0, False)].assets.p_charge_mw.to_numpy() == pytest.approx(
        out[(1.0, True)].assets.p_charge_mw.to_numpy(), abs=1e-12)


def test_v2g_is_refused_in_optimised_rolling_windows_only():
    from vpp.errors import VppError
    from vpp.rolling import run_rolling

    bus = sessions([(21, 29, 0.1, 0.1)])
    data = make_data([500.0] * 48, [(depot(), {"sessions": bus})])
    with pytest.raises(VppError, match="v2g is not available in rolling windows.*--horizon perfect"):
        run_rolling(data, 2, 0)
    rr = run_rolling(data, 2, 0, baseline=True)  # the rule never discharges: plain charging on arrival
    # first window: the in-window share 3/8 of 0.1 MWh at 21 h, the rest on the next day from 0 h
    assert rr.assets.p_charge_mw.tolist()[21:25] == pytest.approx([0.0375, 0, 0, 0.0625], abs=1e-12)
    assert rr.assets.p_charge_mw.sum() == pytest.approx(0.1, abs=1e-9)


# ------------------------------------------------------------------------------------------- defaults
def test_defaults_leave_single_park_unchanged():
    """``vpp run single_park`` (optimised, no AC) as computed at b8cf5b7, before these fields existed (objective
    since the interruptible contract is a grid contract by default, use: grid; docs/billing.md)."""
    from scenarios import load as load_scenario
    from vpp.pipeline import run as vpp_run

    scn = load_scenario("single_park", days=1)
    scn = scn.model_copy(update={"ac_check": scn.ac_check.model_copy(update={"enabled": False})})
    k = vpp_run(scn, "optimised").kpis
    # the bill is unchanged; the objective adds the smoothing penalty (not billed, optimization.smoothing)
    assert k["total_cost_cny"] == pytest.approx(131522.51953960327, rel=1e-9)
    assert k["solver"]["objective_cny"] == pytest.approx(131522.51953960327 + k["smoothing_penalty_cny"], rel=1e-9)
    assert k["ev_delivered_mwh"] == pytest.approx(0.4599965906444773, rel=1e-9)
    assert k["ev_v2g_discharged_mwh"] == 0.0 and k["ev_uncertainty_capped_mwh"] == 0.0
