"""PV, load and EV profile generators and build_profiles."""

import datetime as dt
import zlib

import numpy as np
import pandas as pd
import pytest

from scenarios.schema import PV, EVCharging, EVSession, Scenario
from vpp.domain import load_shape
from vpp.errors import ScenarioError
from vpp.profiles import Profiles, build_profiles, check_sessions, ev_sessions, load_mw, pv_available_mw, rng_for
from vpp.profiles.pv import expected_monthly_yield_kwh_per_kwp
from vpp.timeindex import time_index

YEAR_15 = time_index("2025-01-01", 365, 15)


# ------------------------------------------------------------------------------------------- rng
def test_rng_for_is_stable_and_named():
    a = rng_for(1, "pv1").random(3)
    assert np.array_equal(a, rng_for(1, "pv1").random(3))
    assert not np.array_equal(a, rng_for(1, "pv2").random(3))
    assert not np.array_equal(a, rng_for(2, "pv1").random(3))
    # keyed streams (a date, a month): own streams, the unkeyed one unchanged
    assert np.array_equal(a, np.random.default_rng([1, zlib.crc32(b"pv1")]).random(3))
    d = rng_for(1, "pv1", 20250722).random(3)
    assert np.array_equal(d, np.random.default_rng([1, zlib.crc32(b"pv1"), 20250722]).random(3))
    assert not np.array_equal(d, a)
    assert not np.array_equal(d, rng_for(1, "pv1", 20250723).random(3))
    assert not np.array_equal(rng_for(1, "pv1", 202507).random(3), d)
    with pytest.raises(ValueError):
        rng_for(1, "pv1", -1)


# -------------------------------------------------------------------------------------------- pv
@pytest.fixture(scope="module")
def pv_year():
    pv = PV(kind="pv", name="pv1", p_mwp=1.0)
    return pv, pv_available_mw(pv, YEAR_15, 1)


def test_pv_annual_energy_and_bounds(pv_year):
    pv, p = pv_year
    e_mwh = p.sum() * 0.25
    assert e_mwh == pytest.approx(975.0, rel=0.05)
    assert p.min() >= 0.0
    assert p.max() <= pv.p_mwp / pv.dc_ac_ratio + 1e-12
    monthly = p.groupby(p.index.month).sum() * 0.25
    assert monthly[7] > monthly[1]
    # each month within 15 % of its target (daily draws are stratified per month)
    assert np.allclose(monthly.to_numpy(), expected_monthly_yield_kwh_per_kwp(pv), rtol=0.15)


def test_pv_zero_at_night(pv_year):
    _, p = pv_year
    h = p.index.hour
    assert (p[(h < 4) | (h >= 21)] == 0.0).all()


def test_pv_expected_monthly_targets():
    y = expected_monthly_yield_kwh_per_kwp(PV(kind="pv", name="x", p_mwp=1.0))
    assert y.sum() == pytest.approx(975.0)
    assert y[6] == pytest.approx(975.0 * 136.9 / 1170.0, rel=1e-3)


def test_pv_seeded():
    pv = PV(kind="pv", name="pv1", p_mwp=2.0)
    idx = time_index("2025-07-22", 3, 15)
    a = pv_available_mw(pv, idx, 1)
    b = pv_available_mw(pv, idx, 1)
    c = pv_available_mw(pv, idx, 2)
    pd.testing.assert_series_equal(a, b)
    assert not np.allclose(a.to_numpy(), c.to_numpy())
    assert a.max() <= pv.p_ac_max_mw + 1e-12 and a.max() > 0


def test_pv_clipping_with_high_dc_ac_ratio():
    pv = PV(kind="pv", name="pv1", p_mwp=1.0, dc_ac_ratio=1.8)
    p = pv_available_mw(pv, time_index("2025-07-01", 31, 15), 3)
    assert p.max() == pytest.approx(1.0 / 1.8)


# ------------------------------------------------------------------------------------------ load
def test_load_noiseless_weekday_peak_and_mean():
    idx = time_index("2025-04-16", 1, 15)  # Wednesday, no seasonal factor
    shape = load_shape("auto_parts_2shift")
    p = load_mw("auto_parts_2shift", 5.0, idx, 1, "l", noise_std_pu=0.0)
    assert p.max() == pytest.approx(5.0)
    # hand-computed daily mean of the auto_parts_2shift shape: 18.36 / 24 = 0.765
    assert shape.sum() == pytest.approx(18.36)
    assert p.mean() == pytest.approx(5.0 * 0.765)


def test_load_weekend_and_seasonal_factors():
    sat = time_index("2025-04-19", 1, 60)
    wed = time_index("2025-04-16", 1, 60)
    office_sat = load_mw("office_public_weekday", 1.0, sat, 1, "l", noise_std_pu=0.0)
    office_wed = load_mw("office_public_weekday", 1.0, wed, 1, "l", noise_std_pu=0.0)
    assert np.allclose(office_sat.to_numpy(), 0.45 * office_wed.to_numpy())
    assert np.allclose(office_wed.to_numpy(), load_shape("office_public_weekday"))  # 60 min reproduces shape
    override = load_mw("office_public_weekday", 1.0, sat, 1, "l", noise_std_pu=0.0, weekend_factor=1.0)
    assert np.allclose(override.to_numpy(), office_wed.to_numpy())
    jul = load_mw("data_centre", 1.0, time_index("2025-07-16", 1, 60), 1, "l", noise_std_pu=0.0)
    jan = load_mw("data_centre", 1.0, time_index("2025-01-15", 1, 60), 1, "l", noise_std_pu=0.0)
    assert jul.max() == pytest.approx(1.35 / 1.3)
    assert jan.max() == pytest.approx(1.20 / 1.3)


@pytest.mark.parametrize("arch", ["office_public_weekday", "bus_depot", "ecommerce_logistics"])
def test_load_resolution_consistency(arch):
    e15 = load_mw(arch, 3.0, time_index("2025-05-14", 1, 15), 1, "l", noise_std_pu=0.0).sum() * 0.25
    e60 = load_mw(arch, 3.0, time_index("2025-05-14", 1, 60), 1, "l", noise_std_pu=0.0).sum() * 1.0
    assert e15 == pytest.approx(e60, rel=0.01)
    assert e60 == pytest.approx(3.0 * load_shape(arch).sum())


def test_load_noise_seeded_nonnegative():
    a = load_mw("bus_depot", 2.0, YEAR_15, 5, "l", noise_std_pu=0.3)
    b = load_mw("bus_depot", 2.0, YEAR_15, 5, "l", noise_std_pu=0.3)
    pd.testing.assert_series_equal(a, b)
    assert a.min() >= 0.0
    x = load_mw("data_centre", 1.0, YEAR_15, 6, "l", noise_std_pu=0.03)
    base = load_mw("data_centre", 1.0, YEAR_15, 6, "l", noise_std_pu=0.0)
    rel = (x / base - 1.0).to_numpy()
    assert rel.std() == pytest.approx(0.03, rel=0.2)
    assert np.corrcoef(rel[:-1], rel[1:])[0, 1] == pytest.approx(0.9, abs=0.03)


# -------------------------------------------------------------------------------------------- ev
def _max_overlap(df):
    t = np.concatenate([df["arrival"].array.asi8, df["departure"].array.asi8])
    d = np.concatenate([np.ones(len(df)), -np.ones(len(df))])
    o = np.lexsort((d, t))
    return np.cumsum(d[o]).max()


@pytest.mark.parametrize("profile", ["workplace", "public", "bus_depot", "logistics_fleet"])
def test_generated_sessions_feasible_and_no_overlap(profile):
    ev = EVCharging(kind="ev_charging", name="ev1", n_chargers=8, p_charger_mw=0.06, profile=profile,
                    sessions_per_charger_per_day=1.5, e_session_min_mwh=0.02, e_session_max_mwh=0.4)
    idx = time_index("2025-07-22", 30, 15)
    s = ev_sessions(ev, idx, 1)
    assert len(s) > 0
    assert list(s.columns) == ["session", "charger", "arrival", "departure", "e_mwh", "p_max_mw"]
    dwell_h = (s["departure"] - s["arrival"]).dt.total_seconds() / 3600
    assert (dwell_h > 0).all()
    assert (s["e_mwh"] <= s["p_max_mw"] * dwell_h + 1e-12).all()
    assert (s["e_mwh"] > 0).all()
    assert s["arrival"].min() >= idx[0]
    assert (s["arrival"] < idx[-1] + pd.Timedelta(minutes=15)).all()
    step = 15 * 60 * 10**9
    assert ((s["arrival"].array.asi8 - idx[0].value) % step == 0).all()
    assert ((s["departure"].array.asi8 - idx[0].value) % step == 0).all()
    assert s["charger"].between(0, ev.n_chargers - 1).all()
    for _, g in s.groupby("charger"):
        g = g.sort_values("arrival")
        assert (g["arrival"].to_numpy()[1:] >= g["departure"].to_numpy()[:-1]).all()
    assert _max_overlap(s) <= ev.n_chargers
    assert s["session"].is_unique and s["session"].str.startswith("ev1_s").all()
    assert str(s["arrival"].dt.tz) == "Asia/Shanghai"


def test_overnight_sessions_from_previous_day_are_present():
    ev = EVCharging(kind="ev_charging", name="bus", n_chargers=20, p_charger_mw=0.15, profile="bus_depot",
                    sessions_per_charger_per_day=0.8, e_session_min_mwh=0.1, e_session_max_mwh=0.3)
    idx = time_index("2025-07-22", 1, 15)
    s = ev_sessions(ev, idx, 1)
    at_start = s[s["arrival"] == idx[0]]
    assert len(at_start) > 0
    assert (at_start["departure"].dt.hour.isin([5, 6])).all()


def test_session_count_matches_poisson_mean():
    ev = EVCharging(kind="ev_charging", name="pub", n_chargers=20, p_charger_mw=0.06, profile="public",
                    sessions_per_charger_per_day=1.0)
    days = 200
    s = ev_sessions(ev, time_index("2025-01-01", days, 15), 1)
    expected = days * 20 * 1.0
    assert len(s) == pytest.approx(expected, rel=0.04)  # ~2.2 σ of Poisson plus a few spill-overs


def test_ev_sessions_seeded():
    ev = EVCharging(kind="ev_charging", name="w", n_chargers=5, p_charger_mw=0.007, profile="workplace")
    idx = time_index("2025-07-22", 3, 15)
    pd.testing.assert_frame_equal(ev_sessions(ev, idx, 1), ev_sessions(ev, idx, 1))


def test_explicit_sessions_aligned_and_checked():
    ev = EVCharging(
        kind="ev_charging", name="fleet", n_chargers=1, p_charger_mw=0.06,
        sessions=[
            EVSession(arrival=dt.datetime(2025, 7, 22, 8, 5), departure=dt.datetime(2025, 7, 22, 10, 10), e_mwh=0.05),
            EVSession(arrival=dt.datetime(2025, 7, 22, 12, 0), departure=dt.datetime(2025, 7, 22, 13, 0), e_mwh=0.5),
        ],
    )
    idx = time_index("2025-07-22", 1, 15)
    s = ev_sessions(ev, idx, 1)
    assert s["arrival"].iloc[0] == pd.Timestamp("2025-07-22 08:15", tz="Asia/Shanghai")
    assert s["departure"].iloc[0] == pd.Timestamp("2025-07-22 10:00", tz="Asia/Shanghai")
    problems = check_sessions(ev, s, 0.25)
    assert len(problems) == 1
    msg = problems[0]
    assert "'fleet'" in msg and "session 1" in msg and "0.500 MWh" in msg and "0.060 MWh" in msg


def test_explicit_sessions_too_many_at_once():
    t = dt.datetime(2025, 7, 22, 9, 0)
    ev = EVCharging(
        kind="ev_charging", name="ev2", n_chargers=1, p_charger_mw=0.06,
        sessions=[EVSession(arrival=t, departure=t + dt.timedelta(hours=2), e_mwh=0.01) for _ in range(2)],
    )
    s = ev_sessions(ev, time_index("2025-07-22", 1, 15), 1)
    problems = check_sessions(ev, s, 0.25)
    assert len(problems) == 1 and "'ev2'" in problems[0] and "2 sessions" in problems[0]


# ------------------------------------------------------------------------------- build_profiles
def _scenario(assets, **kw):
    from scenarios.loader import from_dict

    data = {
        "name": "t",
        "seed": 7,
        "horizon": {"start": "2025-07-22", "days": 1, "resolution_min": 15},
        "network": {"kind": "case33bw"},
        "parks": [{"name": "p", "connection": {"bus": "b1"}, "assets": assets}],
    }
    data.update(kw)
    return from_dict(data)


ASSETS = [
    {"kind": "pv", "name": "pv1", "p_mwp": 1.0},
    {"kind": "fixed_load", "name": "fac", "archetype": "auto_parts_2shift", "p_peak_mw": 3.0},
    {"kind": "interruptible_load", "name": "cold", "archetype": "cold_chain_logistics", "p_peak_mw": 2.0,
     "p_curtail_max_mw": 0.5},
    {"kind": "ev_charging", "name": "ev1", "n_chargers": 4, "p_charger_mw": 0.06},
    {"kind": "battery", "name": "bess", "p_max_mw": 1.0, "e_max_mwh": 2.0},
]


def test_build_profiles():
    scn = _scenario(ASSETS)
    pr = build_profiles(scn)
    assert isinstance(pr, Profiles)
    assert len(pr.index) == 96 and pr.dt_h == 0.25
    assert set(pr.pv_available_mw) == {"pv1"}
    assert set(pr.load_mw) == {"fac", "cold"}
    assert set(pr.ev_sessions) == {"ev1"}
    assert pr.prices["price_cny_per_mwh"].max() == pytest.approx(600 * 1.92)
    assert (pr.month == "2025-07").all()
    # adding an asset does not change the others' numbers
    pr2 = build_profiles(_scenario(ASSETS + [{"kind": "pv", "name": "pv2", "p_mwp": 0.5}]))
    pd.testing.assert_series_equal(pr.pv_available_mw["pv1"], pr2.pv_available_mw["pv1"])
    pd.testing.assert_series_equal(pr.load_mw["fac"], pr2.load_mw["fac"])
    pd.testing.assert_frame_equal(pr.ev_sessions["ev1"], pr2.ev_sessions["ev1"])
    # custom index
    pr3 = build_profiles(scn, index=time_index("2025-12-01", 2, 60))
    assert len(pr3.load_mw["fac"]) == 48


def test_build_profiles_reports_all_infeasible_sessions():
    ev = {"kind": "ev_charging", "name": "bus_ev", "n_chargers": 2, "p_charger_mw": 0.1, "sessions": [
        {"arrival": "2025-07-22T08:00:00", "departure": "2025-07-22T09:00:00", "e_mwh": 0.5},
        {"arrival": "2025-07-22T10:00:00", "departure": "2025-07-22T11:00:00", "e_mwh": 0.05},
        {"arrival": "2025-07-22T12:00:00", "departure": "2025-07-22T12:30:00", "e_mwh": 0.2},
    ]}
    with pytest.raises(ScenarioError) as ei:
        build_profiles(_scenario([ev]))
    err = ei.value
    assert len(err.problems) == 2
    assert all("bus_ev" in str(p) for p in err.problems)
    assert "session 0" in str(err.problems[0]) and "session 2" in str(err.problems[1])
