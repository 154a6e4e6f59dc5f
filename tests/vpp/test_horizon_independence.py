"""Synthetic profiles keyed by seed, asset and DATE (not by the run's window), and the Chinese calendar in
the archetype loads, the similar-day DR baselines and the capacity study's day."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta as beta_dist

from scenarios.loader import apply_overrides, from_dict, load, read_yaml, resolve
from vpp.demand_response.baseline import similar_days
from vpp.errors import ScenarioError
from vpp.profiles import build_profiles, rng_for
from vpp.profiles.ev import _clip_to_horizon, loss_rule
from vpp.profiles.loads import date_keyed_ar1
from vpp.profiles.pv import BETA_KAPPA, K_MAX, K_MIN, _daily_clearness, clear_sky_monthly_yield_kwh_per_kwp, \
    expected_monthly_yield_kwh_per_kwp, month_clearness
from vpp.timeindex import time_index

D = dt.date.fromisoformat
TZ = "Asia/Shanghai"
DAY = pd.Timestamp("2025-07-22", tz=TZ)


def _one_day(prof, day: pd.Timestamp):
    """Loads, PV and EV sessions (clipped to the day as a one-day run clips them) of one date of a run."""
    end = day + pd.Timedelta(days=1)
    sel = (prof.index >= day) & (prof.index < end)
    assert sel.sum() == 96
    loads = {k: v.to_numpy()[sel] for k, v in prof.load_mw.items()}
    pv = {k: v.to_numpy()[sel] for k, v in prof.pv_available_mw.items()}
    ev = {k: _clip_to_horizon(v, day, end)[["arrival", "departure", "e_mwh"]].reset_index(drop=True)
          for k, v in prof.ev_sessions.items()}
    return loads, pv, ev


@pytest.fixture(scope="module")
def district_runs():
    out = {}
    for days, start in ((1, "2025-07-22"), (7, "2025-07-19"), (365, "2025-01-01")):
        out[days] = build_profiles(load("yuhua_district", days=days, start=start))
    return out


# ------------------------------------------------------------------------------ window independence
@pytest.mark.parametrize("window", [7, 365])
def test_a_date_has_the_same_profiles_in_every_window(district_runs, window):
    loads1, pv1, ev1 = _one_day(district_runs[1], DAY)
    loads, pv, ev = _one_day(district_runs[window], DAY)
    assert len(loads1) == 13 and len(pv1) == 8 and len(ev1) == 7
    for k in loads1:
        assert np.array_equal(loads1[k], loads[k]), k
    for k in pv1:
        assert np.array_equal(pv1[k], pv[k]), k
        assert pv1[k].max() > 0
    for k in ev1:
        a, b = ev1[k], ev[k]
        assert len(a) == len(b) > 0, k
        assert np.array_equal(a["arrival"].array.asi8, b["arrival"].array.asi8), k
        assert np.array_equal(a["departure"].array.asi8, b["departure"].array.asi8), k
        assert np.array_equal(a["e_mwh"].to_numpy(), b["e_mwh"].to_numpy()), k


def test_accepted_ev_sessions_never_exceed_the_chargers(district_runs):
    scn = load("yuhua_district")
    n_chargers = {a.name: a.n_chargers for _, a in scn.assets() if a.kind == "ev_charging"}
    full = []
    for name, s in district_runs[365].ev_sessions.items():
        t = np.concatenate([s["arrival"].array.asi8, s["departure"].array.asi8])
        d = np.concatenate([np.ones(len(s), int), -np.ones(len(s), int)])
        occ = np.cumsum(d[np.lexsort((d, t))])  # departures first on ties: [arrival, departure)
        assert occ.max() <= n_chargers[name], name
        assert s["charger"].between(0, n_chargers[name] - 1).all()
        full.append(occ.max() == n_chargers[name])
    assert sum(full) >= 4  # the rule is exercised: most sites are full at some moment of the year


def test_loss_rule_counts_dropped_drivers():
    h = 3_600_000_000_000
    # one charger: A [0, 2) accepted, B [1, 5) dropped (A plugged in), C [3, 4): A has left but B, turned
    # away, is still counted -> dropped (a first-free assignment would accept C)
    arr = np.array([0, 1, 3]) * h
    dep = np.array([2, 5, 4]) * h
    assert loss_rule(arr, dep, 1).tolist() == [True, False, False]
    assert loss_rule(arr, dep, 2).tolist() == [True, True, True]


def test_date_keyed_ar1_maths_and_midnight_continuity():
    rho, n = 0.9, 96
    days = [D("2025-07-21"), D("2025-07-22")]
    x = date_keyed_ar1(7, "l", days, n, rho)
    # row of 22 July by hand: warm-up over 21 July started stationary, then 22 July
    e21 = rng_for(7, "l", 20250721).standard_normal(n)
    e22 = rng_for(7, "l", 20250722).standard_normal(n)
    s = np.sqrt(1 - rho**2)
    z = np.concatenate([e21, e22]) * s
    z[0] = e21[0]
    y = np.empty(2 * n)
    y[0] = z[0]
    for k in range(1, 2 * n):
        y[k] = rho * y[k - 1] + z[k]
    assert np.allclose(x[1], y[n:], rtol=0, atol=1e-12)
    # the warm-up path over 21 July differs from 21 July's own noise by ρ^j (x_n − z'_0) at step j
    gap = np.abs(y[n - 1] - x[0, n - 1])
    assert gap <= rho ** (n - 1) * (abs(x[0, 0]) + abs(z[0]) + 10) and gap < 1e-3
    # a single day alone equals its row in a longer call
    assert np.array_equal(date_keyed_ar1(7, "l", days[1:], n, rho)[0], x[1])


# ---------------------------------------------------------------------------------------- PV strata
def test_pv_clearness_is_month_stratified_and_window_independent():
    scn = load("yuhua_district")
    pv = next(a for _, a in scn.assets() if a.kind == "pv")
    days = pd.date_range("2025-07-01", periods=31, freq="D", tz=TZ)
    k = _daily_clearness(pv, days, scn.seed)
    # independently: the stratified uniforms of July 2025 from the month's own stream, day d = element d−1
    rng = rng_for(scn.seed, pv.name, 202507)
    u = (rng.permutation(31) + rng.uniform(size=31)) / 31
    target = expected_monthly_yield_kwh_per_kwp(pv)[6]
    mu = float(np.clip(target / clear_sky_monthly_yield_kwh_per_kwp(2025, 7, float(pv.tilt_deg), float(pv.azimuth_deg),
                                                                      float(pv.dc_ac_ratio)), K_MIN, K_MAX))
    a, b = mu * BETA_KAPPA, (1 - mu) * BETA_KAPPA
    q = beta_dist.ppf(u, a, b)
    assert abs(k.mean() - q.mean()) < 1e-9
    assert np.array_equal(k, q)
    # one draw in each of the 31 strata of the Beta quantiles, so the month's mean is close to μ
    edges = beta_dist.ppf(np.arange(32) / 31, a, b)
    ks = np.sort(k)
    assert ((ks >= edges[:-1]) & (ks <= edges[1:])).all()
    assert k.mean() == pytest.approx(mu, abs=0.01)
    # a window covering part of the month gets those days of the same stratified set
    part = pd.date_range("2025-07-20", periods=15, freq="D", tz=TZ)  # 20 Jul .. 3 Aug
    kp = _daily_clearness(pv, part, scn.seed)
    assert np.array_equal(kp[:12], k[19:])
    assert np.array_equal(kp[12:], month_clearness(pv, 2025, 8, scn.seed)[:3])


# ------------------------------------------------------------------------------------------ calendar
def _office_scenario(start: str, days: int, shutdown=()):
    """yuhua_district with the office park's loads noiseless (and optional park shutdown days), validated."""
    data = apply_overrides(read_yaml(resolve("yuhua_district")), days=days, start=start)
    for park in data["parks"]:
        if park["name"] == "office_park":
            park["shutdown_days"] = [str(d) for d in shutdown]
            for a in park["assets"]:
                if a.get("archetype") == "office_public_weekday":
                    a["noise_std_pu"] = 0.0
    return from_dict(data)


def _daily(series: pd.Series) -> dict[str, np.ndarray]:
    return {str(d.date()): g.to_numpy() for d, g in series.groupby(series.index.normalize())}


def test_holidays_shutdown_days_and_make_up_workdays_in_archetype_loads():
    # 30 Sep .. 13 Oct 2025: 1-8 Oct statutory holidays (National Day + Mid-Autumn), 11 Oct a make-up Saturday
    scn = _office_scenario("2025-10-01", 13, shutdown=[D("2025-10-10")])
    prof = build_profiles(scn)
    office = _daily(prof.load_mw["office_load"])
    work = office["2025-10-09"]  # Thursday, a working day (same month: same seasonal factor)
    assert work.max() > 0
    assert np.allclose(office["2025-10-01"], 0.45 * work)  # Wednesday, statutory holiday
    assert np.allclose(office["2025-10-06"], 0.45 * work)  # Monday, statutory holiday
    assert np.allclose(office["2025-10-11"], work)  # Saturday worked (调休): weekday level
    assert np.allclose(office["2025-10-12"], 0.45 * work)  # ordinary Sunday
    assert np.allclose(office["2025-10-10"], 0.45 * work)  # Friday, the park's shutdown day
    assert np.allclose(office["2025-10-13"], work)  # Monday
    # other parks keep their working days: the shutdown day is the office park's
    other = _daily(prof.load_mw["depot_auxiliaries"])
    assert np.allclose(other["2025-10-10"], other["2025-10-09"], rtol=0.2)
    assert not np.allclose(other["2025-10-10"], 0.45 * other["2025-10-09"], rtol=0.05)


def test_shutdown_days_validated():
    with pytest.raises(ScenarioError) as ei:
        _office_scenario("2025-10-01", 1, shutdown=["1989-12-31"])
    assert "shutdown_days" in str(ei.value)
    scn = _office_scenario("2025-10-01", 1, shutdown=["2025-10-10"])
    assert next(p for p in scn.parks if p.name == "office_park").shutdown_days == [D("2025-10-10")]


def test_similar_days_follow_the_chinese_calendar():
    # working-day event right after the National Day holidays (1-8 Oct 2025): holidays skipped, the
    # make-up Sunday 28 Sep counts
    assert similar_days(D("2025-10-09"), 5) == [D(x) for x in ("2025-09-30", "2025-09-29", "2025-09-28", "2025-09-26",
                                                               "2025-09-25")]
    # a week later: the make-up Saturday 11 Oct counts, Sunday 12 Oct and the holidays do not
    assert similar_days(D("2025-10-13"), 5) == [D(x) for x in ("2025-10-11", "2025-10-10", "2025-10-09", "2025-09-30",
                                                               "2025-09-29")]
    # park shutdown days are left out
    assert similar_days(D("2025-10-13"), 2, shutdown=[D("2025-10-10")]) == [D("2025-10-11"), D("2025-10-09")]
    # an event on a holiday (Saturday 4 Oct) averages ordinary weekend days (no holidays, no make-up days)
    assert similar_days(D("2025-10-04"), 4) == [D(x) for x in ("2025-09-27", "2025-09-21", "2025-09-20", "2025-09-14")]


def test_capacity_study_day_is_a_calendar_working_day(monkeypatch):
    from vpp.capacity_study import study

    scn = load("single_park")
    monkeypatch.setattr(study, "SUMMER_DAY", (10, 1))  # National Day: the first working day is 9 Oct
    assert study.study_day(scn, "summer") == D("2025-10-09")
    monkeypatch.setattr(study, "SUMMER_DAY", (10, 11))  # a make-up Saturday is a working day
    assert study.study_day(scn, "summer") == D("2025-10-11")
