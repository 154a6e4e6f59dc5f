"""Air-conditioning asset (kind ``air_conditioning``): the 1R1C thermal model by hand, pre-cooling and
set-point raising against the thermostat baseline, the comfort band, the outdoor-temperature profile, and
the kind through ``vpp run``, ``vpp dr``, ``vpp capacity`` and ``vpp evaluate``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import vpp
from cli import main
from optimization import build_model, fix_baseline, solve
from optimization.results import extract
from scenarios import from_dict, load
from scenarios.hvac_schema import AirConditioning
from tests.optimization.helpers import make_data
from vpp.domain import climate_monthly
from vpp.errors import VppError
from vpp.profiles import build_profiles
from vpp.profiles.temperature import synthetic_temperature_c
from vpp.timeindex import time_index


# ------------------------------------------------------------------------------ the model by hand
def zone(**kw):
    args = dict(kind="air_conditioning", name="zone", p_rated_mw=1.0, floor_area_m2=1000.0, cop=3.0,
                r_k_per_mw=10.0, c_mwh_per_k=1.0, occupancy="round_the_clock", cos_phi=1.0)
    args.update(kw)
    return AirConditioning(**args)


def hourly(spec, prices, occupied, t_out=30.0):
    n = len(prices)
    prof = {"t_out_c": np.full(n, t_out), "q_gain_mw": np.zeros(n), "occupied": np.full(n, float(occupied))}
    return make_data(prices, [(spec, prof)])


def ac_rows(dm, info=None):
    return extract(dm, info).assets.query("asset == 'zone'").reset_index(drop=True)


def test_thermal_balance_by_hand_four_steps():
    # C = 1 MWh/K, R = 10 K/MW, Δ = 1 h, COP 3, T_out = 30 °C, no gains, T[0] = t_max_c = 26 °C:
    # T[t+1] = T + Δ/C·((30 − T)/R − 3·P) = 0.9·T + 3 − 3·P
    spec = zone()
    # 1) unoccupied (band 24..32 °C) and electricity costs: no cooling, the zone drifts towards 30 °C
    dm = build_model(hourly(spec, [100.0] * 4, occupied=0))
    r = ac_rows(dm, solve(dm))
    assert r.p_load_mw.to_numpy() == pytest.approx([0.0] * 4, abs=1e-9)
    assert r.t_zone_c.to_numpy() == pytest.approx([26.4, 26.76, 27.084, 27.3756], abs=1e-9)
    # 2) occupied (band 24..26 °C), thermostat baseline: it holds 26 °C, P = (30 − 26)/R / COP = 0.4/3 MW
    dm = build_model(hourly(spec, [100.0] * 4, occupied=1))
    fix_baseline(dm)
    r = ac_rows(dm, solve(dm))
    assert r.p_load_mw.to_numpy() == pytest.approx([0.4 / 3] * 4, abs=1e-9)
    assert r.t_zone_c.to_numpy() == pytest.approx([26.0] * 4, abs=1e-9)
    # 3) occupied, prices 100, 100, 1000, 1000 CNY/MWh: no cooling in the dear hours needs
    #    T[4] = 0.81·T[2] + 5.7 <= 26, i.e. T[2] = 20.3/0.81 = 25.0617 °C; cooling in hour 1 is worth more
    #    than in hour 0 (0.9 decay), so P0 only holds T[1] = 26 (0.4/3 MW) and P1 = (26.4 − T[2])/3.
    dm = build_model(hourly(spec, [100.0, 100.0, 1000.0, 1000.0], occupied=1))
    info = solve(dm)
    r = ac_rows(dm, info)
    t2 = 20.3 / 0.81
    p = np.array([0.4 / 3, (26.4 - t2) / 3, 0.0, 0.0])
    assert r.p_load_mw.to_numpy() == pytest.approx(p, abs=1e-7)
    t = np.array([26.0, t2, 0.9 * t2 + 3.0, 26.0])
    assert r.t_zone_c.to_numpy() == pytest.approx(t, abs=1e-7)
    assert r.e_mwh.to_numpy() == pytest.approx(1.0 * (26.0 - t), abs=1e-7)  # cold stored below 26 °C
    assert info.objective_cny == pytest.approx(100.0 * p.sum(), abs=1e-4)
    # energy balance: cooling delivered = heat through the envelope + heat released by the mass
    t_start = np.concatenate(([26.0], t[:-1]))
    assert (3.0 * r.p_load_mw * 1.0).sum() == pytest.approx(((30.0 - t_start) / 10.0).sum() + 1.0 * (26.0 - t[-1]),
                                                            abs=1e-7)
    # pre-cooling costs energy: 0.5794 MWh against the thermostat's 4 × 0.1333 = 0.5333 MWh
    assert p.sum() > 4 * 0.4 / 3


def test_time_constant_shorter_than_the_step_is_refused():
    with pytest.raises(VppError, match="time constant"):
        build_model(hourly(zone(r_k_per_mw=0.5, c_mwh_per_k=1.0), [100.0] * 4, occupied=1))


# ------------------------------------------------------------------------- one day on the Hunan TOU
def park_scenario(ac_extra=None, tariff_extra=None, days=1, start="2025-07-22", extra_assets=(), dr=None):
    ac = {"kind": "air_conditioning", "name": "ac", "p_rated_kw": 1000, "floor_area_m2": 20000,
          "occupancy": "commercial"}
    ac.update(ac_extra or {})
    data = {
        "name": "ac_park", "seed": 5, "horizon": {"start": start, "days": days},
        "network": {"kind": "radial_district", "substation": {"n_transformers": 1},
                    "feeders": [{"name": "f1", "nodes": [{"bus": "mall_10kv", "length_km": 1.0}]}]},
        "tariff": {"billing": "single_part", **(tariff_extra or {})},
        "ac_check": {"enabled": False},
        "parks": [{"name": "mall", "connection": {"bus": "mall_10kv", "transformer_type": "S13-M-2000/10"},
                   "assets": [ac, *extra_assets]}],
    }
    if dr is not None:
        data["dr"] = dr
    return data


def ac_of(res) -> pd.DataFrame:
    a = res.dispatch.assets
    return a[a.asset == "ac"].reset_index(drop=True)


def hours(df, lo, hi):
    h = df.time.dt.hour.to_numpy()
    return (h >= lo) & (h < hi)


def e_total(df, dt_h=0.25):
    return float(df.p_load_mw.sum() * dt_h)


def band_respected(df, spec, raised=None):
    """T at both ends of every occupied step within [t_min_c, t_max_c] (+ the raise where allowed)."""
    t_end = df.t_zone_c.to_numpy()
    t_start = np.concatenate(([spec.t_init_value_c], t_end[:-1]))
    occ = df.occupied.to_numpy() > 0.5
    allow = np.zeros(len(df)) if raised is None else raised
    hi = spec.t_max_c + allow
    ok_lo = (t_start[occ] >= spec.t_min_c - 1e-6).all() and (t_end[occ] >= spec.t_min_c - 1e-6).all()
    ok_hi = (t_end[occ] <= hi[occ] + 1e-6).all()
    return ok_lo and ok_hi


def test_precooling_lowers_the_critical_peak_load_and_costs_energy():
    # July: valley 12-14 h, flat 14-16 h, peak 16-20 h, critical 20-24 h; the mall is occupied 10-22 h.
    scn = from_dict(park_scenario())
    opt, base = ac_of(vpp.run(scn, ac=False)), ac_of(vpp.run(scn, strategy="baseline", ac=False))
    crit, before = hours(opt, 20, 22), hours(opt, 12, 16)
    assert opt.p_load_mw[crit].sum() < base.p_load_mw[crit].sum() - 0.3  # MW-steps: ≥ 75 kWh less at 1.92×
    assert opt.p_load_mw[before].sum() > base.p_load_mw[before].sum() + 0.3  # cold stored in the valley
    # the baseline holds the set-point; the optimised zone drifts up to it in the critical period
    assert base.t_zone_c[hours(base, 11, 22)].to_numpy() == pytest.approx(26.0, abs=1e-6)
    assert opt.t_zone_c[before].min() < 25.0
    # physics: the colder zone loses more, so the optimised schedule draws at least the baseline's energy
    assert e_total(opt) >= e_total(base) - 1e-6
    spec = scn.parks[0].assets[0]
    assert band_respected(opt, spec) and band_respected(base, spec)
    assert opt.t_excess_k.max() == pytest.approx(0.0, abs=1e-9)


def test_setpoint_raise_in_the_peak_window_and_the_rebound_after_it():
    # raise allowed 16-20 h (up to 28 °C, back to 26 °C over 1 h); the evening after 20 h priced as flat
    scn = from_dict(park_scenario({"setpoint_raise_windows_h": [[16, 20]]},
                                  {"multipliers": {"valley": 0.4, "flat": 1.0, "peak": 1.6, "critical": 1.0}}))
    opt, base = ac_of(vpp.run(scn, ac=False)), ac_of(vpp.run(scn, strategy="baseline", ac=False))
    window, before, after = hours(opt, 16, 20), hours(opt, 12, 16), hours(opt, 20, 21)
    assert opt.p_load_mw[window].mean() < base.p_load_mw[window].mean() - 0.1  # lower in the peak window
    assert opt.p_load_mw[before].mean() > base.p_load_mw[before].mean() + 0.05  # pre-cooling before it
    assert opt.p_load_mw[after].mean() > base.p_load_mw[after].mean() + 0.1  # rebound after the release
    assert e_total(opt) >= e_total(base) - 1e-6  # here the pre-cooling losses outweigh the warmer hours
    # the zone uses the raise (up to 28 °C) and is back at the set-point by 21 h
    assert opt.t_zone_c[window].max() == pytest.approx(28.0, abs=1e-6)
    assert opt.t_zone_c[hours(opt, 21, 22)].max() <= 26.0 + 1e-6
    spec = scn.parks[0].assets[0]
    allowed = np.where(opt.occupied > 0.5, opt.t_band_max_c.to_numpy() - spec.t_max_c, 0.0)
    assert band_respected(opt, spec, raised=allowed)
    assert allowed.max() == pytest.approx(2.0) and band_respected(base, spec)  # the baseline never raises
    # the upper bound returns linearly: 28 at 20:00, 27.5 at 20:15, ..., 26 at 21:00
    hi = opt.set_index("time").t_band_max_c
    t = pd.Timestamp("2025-07-22 19:45", tz="Asia/Shanghai")
    assert hi.loc[t:t + pd.Timedelta("1h")].to_numpy() == pytest.approx([28.0, 27.5, 27.0, 26.5, 26.0])


# --------------------------------------------------------------------------- outdoor temperature
def test_a_date_has_the_same_temperature_alone_and_inside_a_week():
    week = synthetic_temperature_c(time_index("2025-07-20", 7, 15), seed=11)
    day = synthetic_temperature_c(time_index("2025-07-23", 1, 15), seed=11)
    assert day.to_numpy() == pytest.approx(week.loc[day.index].to_numpy(), abs=1e-12)
    # through the profiles of a scenario too: the AC's t_out_c of a date does not depend on the horizon
    p7 = build_profiles(from_dict(park_scenario(start="2025-07-20", days=7)))
    p1 = build_profiles(from_dict(park_scenario(start="2025-07-23", days=1)))
    got = p1.hvac["ac"]
    assert got.t_out_c.to_numpy() == pytest.approx(p7.hvac["ac"].loc[got.index, "t_out_c"].to_numpy(), abs=1e-12)
    assert got.q_gain_mw.to_numpy() == pytest.approx(p7.hvac["ac"].loc[got.index, "q_gain_mw"].to_numpy())
    # another seed, another weather
    assert np.abs(synthetic_temperature_c(day.index, seed=12).to_numpy() - day.to_numpy()).max() > 0.1


@pytest.mark.parametrize("month", [1, 7])
def test_monthly_mean_of_the_synthetic_profile(month):
    start = dt.date(2025, month, 1)
    n_days = (dt.date(2025 + (month == 12), month % 12 + 1, 1) - start).days
    t = synthetic_temperature_c(time_index(start, n_days, 15), seed=3)
    assert t.mean() == pytest.approx(climate_monthly()["t_mean_c"][month - 1], abs=0.5)
    # diurnal cycle: coolest around 05:00, warmest around 15:00
    by_hour = t.groupby(t.index.hour).mean()
    assert by_hour.idxmin() in (4, 5, 6) and by_hour.idxmax() in (14, 15, 16)
    assert 6.0 < by_hour.max() - by_hour.min() < 10.0


def test_temperature_and_irradiance_from_a_weather_file(tmp_path):
    # a real-year hourly CSV (interval-beginning stamps): the run's 15-min steps take the hour's values
    times = pd.date_range("2025-07-22", periods=48, freq="h")
    temp = 28.0 + 5.0 * np.sin(np.arange(48) / 24 * 2 * np.pi)
    ghi = np.clip(800.0 * np.sin((np.arange(48) % 24 - 6) / 12 * np.pi), 0, None)
    pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "ghi": ghi, "dni": 0.0, "dhi": ghi, "temp_air": temp,
                  }).to_csv(tmp_path / "w.csv", index=False)
    data = park_scenario({"weather": {"path": "w.csv", "stamps": "beginning"}}, days=2)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    scn = load(tmp_path / "s.yaml")
    prof = build_profiles(scn)
    got = prof.hvac["ac"]
    assert got.t_out_c.to_numpy() == pytest.approx(np.repeat(temp, 4), abs=1e-9)
    noon = got.index.hour == 12
    spec = scn.parks[0].assets[0]
    # gains at noon: 20 000 m² × (60 W/m² occupied + 30 W/m² per kW/m² × 0.8 kW/m²) = 1.68 MW
    assert got.q_gain_mw[noon].to_numpy() == pytest.approx(20000 * 1e-6 * (60.0 + 30.0 * ghi[12] / 1000), rel=1e-9)
    assert spec.weather is not None and any("weather file w.csv" in n for n in prof.data_notes)


# ------------------------------------------------------------------------------- through the commands
def test_dr_event_counts_the_air_conditioning_response_with_setpoint_raise():
    from vpp.demand_response.event import simulate_event

    dr = {"programmes": [{"name": "ps", "kind": "peak_shaving"}],
          "events": [{"id": "e1", "programme": "ps", "date": "2025-07-22", "start_h": 18, "end_h": 20,
                      "requested_kw": {"mall": 300}}]}
    fixed = {"kind": "fixed_load", "name": "ops", "archetype": "office_public_weekday", "p_peak_kw": 800}
    raised = simulate_event(from_dict(park_scenario(extra_assets=[fixed], dr=dr)), "e1")
    plain = simulate_event(from_dict(park_scenario({"setpoint_raise_in_dr": False}, extra_assets=[fixed], dr=dr)),
                           "e1")
    for r in (raised, plain):
        s = r.summary.iloc[0]
        assert s.physical_response_mwh > 0.3  # the AC is the park's only flexibility
        ac1 = r.with_event.assets.query("asset == 'ac'")
        ac0 = r.no_event.assets.query("asset == 'ac'")
        ev = ac1.time.dt.hour.between(18, 19).to_numpy()
        assert ac1.p_load_mw.to_numpy()[ev].sum() < ac0.p_load_mw.to_numpy()[ev].sum()
    a1 = raised.with_event.assets.query("asset == 'ac'")
    assert a1.t_zone_c.max() > 26.5 and a1.t_zone_c.max() <= 28.0 + 1e-6  # the set-point rose in the event
    spec = from_dict(park_scenario(dr=dr)).parks[0].assets[0]
    assert band_respected(plain.with_event.assets.query("asset == 'ac'").reset_index(drop=True), spec)
    # raising replaces pre-cooling: less energy moved before the event, more rebound after it
    assert raised.summary.pre_event_shift_mwh.iloc[0] < plain.summary.pre_event_shift_mwh.iloc[0]
    assert raised.summary.rebound_mwh.iloc[0] > plain.summary.rebound_mwh.iloc[0]
    # the counterfactual keeps the set-point; the response's occupied bound rises to 28 °C in the event only
    cf = raised.no_event.assets.query("asset == 'ac' and occupied > 0.5")
    resp = raised.with_event.assets.query("asset == 'ac' and occupied > 0.5")
    assert cf.t_band_max_c.max() == pytest.approx(26.0)
    assert resp.t_band_max_c.max() == pytest.approx(28.0)
    raised_at = resp.time[resp.t_band_max_c > 26.0 + 1e-9].dt.hour
    assert raised_at.min() == 18 and raised_at.max() == 20  # 18:15 ... 20:45 (the recovery ramp)


def test_rolling_evaluation_carries_the_zone_temperature():
    scn = from_dict(park_scenario(days=2))
    ev = vpp.evaluate(scn, days=2, dr=False)  # 22-23 July 2025
    ac = ev.project.assets.query("asset == 'ac'").sort_values("time")
    spec = scn.parks[0].assets[0]
    r, c, dt_h = spec.r_value_k_per_mw, spec.c_value_mwh_per_k, 0.25
    # the dynamics hold at every step, across the midnight between the two daily windows too
    t_end = ac.t_zone_c.to_numpy()
    t_start = np.concatenate(([spec.t_init_value_c], t_end[:-1]))
    gains = ac.q_load_mw.to_numpy() - (ac.t_out_c.to_numpy() - spec.t_max_c) / r
    step = t_start + dt_h / c * ((ac.t_out_c.to_numpy() - t_start) / r + gains - ac.q_cool_mw.to_numpy())
    assert t_end == pytest.approx(step, abs=1e-6)
    assert len(ac) == 2 * 96 and band_respected(ac.reset_index(drop=True), spec)
    bounds = ev.project.e_boundary_mwh.query("asset == 'ac'")
    assert bounds.e_mwh.to_numpy() == pytest.approx(c * (spec.t_max_c - t_end[95::96]), abs=1e-9)
    base = ev.baseline.assets.query("asset == 'ac'")
    assert base.t_zone_c.max() <= 32.0 + 1e-6 and ev.project.costs.total_cost_cny.sum() <= \
        ev.baseline.costs.total_cost_cny.sum() + 1e-6


def test_in_winter_the_zone_drifts_below_the_band_without_cooling():
    # January: the zone loses heat; the lower bound follows its drift (heating is not modelled), the AC
    # never cools it below the comfort minimum or below where it drifts anyway
    scn = from_dict(park_scenario(start="2025-01-15"))
    for strategy in ("optimised", "baseline"):
        ac = ac_of(vpp.run(scn, strategy=strategy, ac=False))
        assert (ac.t_zone_c >= ac.t_band_min_c - 1e-6).all()
        assert ac.t_zone_c.min() < 20.0 and ac.t_band_min_c.min() < 20.0
        cold = (ac.t_zone_c < scn.parks[0].assets[0].t_min_c - 1e-6).to_numpy()
        assert ac.p_load_mw.to_numpy()[cold] == pytest.approx(0.0, abs=1e-7)
        assert ac.t_excess_k.max() == pytest.approx(0.0, abs=1e-9)


def test_temperature_dependent_cop_is_refused_by_the_rolling_evaluation():
    scn = from_dict(park_scenario({"cop_slope_per_k": 0.08}, days=2))
    res = ac_of(vpp.run(scn, ac=False))
    cop = res.q_cool_mw / res.p_load_mw
    hot = res.t_out_c.to_numpy() > 35.0
    assert np.nanmax(cop[res.p_load_mw > 1e-6]) > 3.5  # cooler hours: COP above the 35 °C value
    assert not hot.any() or np.nanmin(cop[hot & (res.p_load_mw > 1e-6).to_numpy()]) < 3.5
    with pytest.raises(VppError, match="cop_slope_per_k"):
        vpp.evaluate(scn, year=2025, days=2, dr=False)


@pytest.fixture(scope="module")
def cli_scenario(tmp_path_factory):
    d = tmp_path_factory.mktemp("ac_cli")
    data = park_scenario(extra_assets=[{"kind": "fixed_load", "name": "ops", "archetype": "office_public_weekday",
                                        "p_peak_kw": 600}])
    data["ac_check"] = {"enabled": True}
    data["outputs"] = {"dir": str(d / "runs")}
    path = d / "ac_park.yaml"
    path.write_text(yaml.safe_dump(data))
    return d, path


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_run_with_ac_check(cli_scenario):
    d, path = cli_scenario
    res = invoke("run", path, "--out", d / "run", "--json")
    assert res.exit_code == 0, res.output
    kpis = json.loads(res.output)
    k = kpis.get("kpis", kpis)
    assert k["ac_steps"] == 96 and k["ac_nonconverged_steps"] == 0
    assets = pd.read_parquet(d / "run" / "dispatch_assets.parquet")
    ac = assets[assets.asset == "ac"]
    assert set(ac.kind) == {"air_conditioning"} and (ac.p_load_mw > 0.1).any()
    assert (ac.q_inject_mvar <= 0).all() and (ac.t_zone_c <= 32.0 + 1e-6).all()


def test_cli_capacity_and_evaluate(cli_scenario):
    d, path = cli_scenario
    res = invoke("capacity", path, "--durations", "1", "--samples", "1", "--out", d / "cap", "--json")
    assert res.exit_code == 0, res.output
    table = pd.read_parquet(d / "cap" / "capacity.parquet")
    down = table[(table.direction == "down") & (table.park == "mall")]
    # the AC sheds load in the evening (pre-cooled mass, within the band): some window holds > 100 kW
    assert (table.r_mw >= 0).all() and down.r_mw.max() > 0.1
    res = invoke("evaluate", path, "--days", "2", "--out", d / "eval", "--json")
    assert res.exit_code == 0, res.output
    assets = pd.read_parquet(d / "eval" / "dispatch_assets.parquet")
    assert len(assets[assets.asset == "ac"]) == 2 * 96


def test_capacity_down_window_is_a_called_event_with_the_setpoint_raise():
    """A down window opens the event hook: the zone may drift to 28 °C, so the AC sheds more and longer
    than by pre-cooling alone; never more than it draws. Two scenarios of the same name in one process
    (the day data cache is keyed by content) keep their own figures."""
    flat = {"multipliers": {"valley": 1, "flat": 1, "peak": 1, "critical": 1}}  # the AC holds 26 °C steadily
    got = {}
    for raise_in_dr in (False, True, False):
        scn = from_dict(park_scenario({"setpoint_raise_in_dr": raise_in_dr}, tariff_extra=flat))
        cap = vpp.capacity(scn, windows="18:00-20:00", durations="1,2", samples=1, best_hour_days=0, jobs=1)
        down = cap.summary[cap.summary.direction == "down"].set_index("duration_h")
        got.setdefault(raise_in_dr, []).append(down["r_p50_mw"].to_dict())
    plain, raised = got[False][0], got[True][0]
    assert got[False][1] == plain  # the same figures before and after another scenario of the name
    # pre-cooling alone (0.5 h notice): 0.255 MW for 1 h, 0.124 MW for 2 h; with the raise 0.428 / 0.399 MW (1 h: the lower of the starts 18:00 and 19:00)
    assert plain[1.0] == pytest.approx(0.2551, abs=2e-3) and plain[2.0] == pytest.approx(0.1241, abs=2e-3)
    assert raised[1.0] == pytest.approx(0.4280, abs=2e-3) and raised[2.0] == pytest.approx(0.3987, abs=2e-3)
    normal = vpp.run(from_dict(park_scenario({}, tariff_extra=flat)), ac=False).dispatch.assets
    ac = normal[(normal.asset == "ac") & hours(normal, 18, 20)]
    assert raised[2.0] <= ac.p_load_mw.min() + 1e-6  # it cannot shed more than it draws
