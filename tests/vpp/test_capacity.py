"""Curtailable capacity: hand-computed battery and interruptible-contract cases, the district as a joint
model, callable capacity in called windows, P50/P90 across real days (a hand example with park shutdown
days), the day sampling, and the settings checks. Every expected number is worked out in the comments."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from optimization import AssetInput, ModelData, ParkInput
from scenarios import from_dict
from scenarios.schema import Battery, FixedLoad, InterruptibleLoad
from tests.optimization.helpers import make_data
from vpp.capacity_study import days as days_mod
from vpp.capacity_study.model import CapacityModel
from vpp.capacity_study.study import make_settings, parse_durations, quantiles, run_capacity, stats, study_day
from vpp.capacity_study.windows import parse_windows, tou_windows, window_durations, window_starts
from vpp.errors import VppError

N = 96  # one day at 15 min
DURATIONS = [0.5, 1.0, 2.0, 4.0]


def fixed(name="l", p=3.0):
    return FixedLoad(kind="fixed_load", name=name, archetype="data_centre", p_peak_mw=p, cos_phi=1.0), {
        "p_load_mw": np.full(N, p)
    }


def battery(name="b", **kw):
    args = dict(p_max_mw=1, e_max_mwh=2, soc_min=0.1, soc_max=0.95, soc_init=0.5, eta_charge=0.9, eta_discharge=0.9,
                degradation_cost_cny_per_mwh=10)
    args.update(kw)
    return Battery(kind="battery", name=name, **args)


def capacity(data, hour, notice_h=0.0, direction="down"):
    cm = CapacityModel(data)
    got = {w.duration_h: w.r_mw for w in cm.sweep([hour], DURATIONS, notice_h) if w.direction == direction}
    return [got[d] for d in DURATIONS]


def hours(h0, h1):
    return slice(int(h0 * 4), int(h1 * 4))


def test_battery_capacity_is_min_power_and_energy_over_duration():
    # flat price, degradation cost > 0: the normal schedule leaves the battery idle at soc_init 0.5.
    # deliverable energy = (0.5 - 0.1) * 2 MWh * eta_d 0.9 = 0.72 MWh -> R(d) = min(1 MW, 0.72 / d)
    data = make_data([500.0] * N, [(battery(), None), fixed()], dt_h=0.25)
    assert capacity(data, 10) == pytest.approx([1.0, 0.72, 0.36, 0.18], abs=1e-6)


def test_notice_time_lets_the_battery_pre_charge():
    # 2 h notice: 2 h at 1 MW can fill the battery to soc_max before the window (0.45*2/0.9 = 1 MWh of
    # grid energy, 1 h needed); deliverable = (0.95 - 0.1) * 2 * 0.9 = 1.53 MWh -> min(1, 1.53 / d)
    data = make_data([500.0] * N, [(battery(), None), fixed()], dt_h=0.25)
    assert capacity(data, 10, notice_h=2.0) == pytest.approx([1.0, 1.0, 0.765, 0.3825], abs=1e-6)


def test_capacity_counts_only_what_the_schedule_left_in_the_battery():
    # Prices: 100 in 4-6 h (charge), 1000 in 18-20 h (discharge), 300 elsewhere; the battery may end empty.
    # Normal schedule: fill to 0.95 in 4-6 h, hold, empty to 0.1 in 18-20 h (1.53 MWh delivered).
    # At 7 h (notice 0) the battery is full: R(d) = min(1, 1.53 / d) (R is counted against the normal
    # schedule, so the window must not overlap its discharge); at 20 h it is empty: R = 0.
    price = np.full(N, 300.0)
    price[hours(4, 6)] = 100.0
    price[hours(18, 20)] = 1000.0
    bat = battery(soc_end=0.1, degradation_cost_cny_per_mwh=0)
    data = make_data(price, [(bat, None), fixed()], dt_h=0.25)
    assert capacity(data, 7) == pytest.approx([1.0, 1.0, 0.765, 0.3825], abs=1e-6)
    assert capacity(data, 20) == pytest.approx([0.0, 0.0, 0.0, 0.0], abs=1e-6)


def test_upward_capacity_of_a_lossless_battery():
    # lossless battery idle at 0.5 of 2 MWh (flat price, degradation cost; it must end at 0.5 again,
    # which it can by discharging into the 3 MW load after the window):
    # room to charge = (0.95 - 0.5) * 2 = 0.9 MWh -> up R(d) = min(1, 0.9 / d) = 1, 0.9, 0.45, 0.225
    bat = battery(eta_charge=1, eta_discharge=1)
    data = make_data([500.0] * N, [(bat, None), fixed()], dt_h=0.25)
    assert capacity(data, 10, direction="up") == pytest.approx([1.0, 0.9, 0.45, 0.225], abs=1e-6)


def interruptible(x=0.6, max_h=2.0, use="grid"):
    spec = InterruptibleLoad(kind="interruptible_load", name="il", archetype="data_centre", p_peak_mw=1.0,
                             p_curtail_max_mw=x, max_hours_per_day=max_h, cos_phi=1.0, cost_cny_per_mwh=6000, use=use)
    return spec, {"p_load_mw": np.full(N, 1.0)}


def test_interruptible_contract_holds_only_up_to_its_duration():
    # 0.6 MW contract for at most 2 h, never used by the normal schedule (price 500 < 6000 CNY/MWh):
    # 0.6 MW for 0.5, 1 and 2 h; nothing for 4 h (the contract cannot hold a reduction that long).
    data = make_data([500.0] * N, [interruptible(), fixed()], dt_h=0.25)
    assert capacity(data, 12) == pytest.approx([0.6, 0.6, 0.6, 0.0], abs=1e-6)


def test_other_assets_cover_durations_beyond_the_contract():
    # + battery 0.2 MW / 4 MWh at 0.5, lossless: 0.2 MW for any d <= 4 h (1.6 MWh / 4 h = 0.4 >= 0.2).
    # d <= 2 h: 0.6 + 0.2 = 0.8 MW; d = 4 h: the battery alone, 0.2 MW.
    bat = battery(p_max_mw=0.2, e_max_mwh=4, eta_charge=1, eta_discharge=1)
    data = make_data([500.0] * N, [interruptible(), (bat, None), fixed()], dt_h=0.25)
    assert capacity(data, 12) == pytest.approx([0.8, 0.8, 0.8, 0.2], abs=1e-6)


def test_contract_energy_used_by_the_schedule_is_gone():
    # use: self, price 10000 CNY/MWh in 8-9 h > 6000: the schedule curtails 0.6 MW for 1 h = 0.6 MWh of the
    # day's 0.6 * 2 = 1.2 MWh. At 12 h the remaining 0.6 MWh gives 0.6 MW for 0.5 and 1 h, 0.3 MW for 2 h.
    price = np.full(N, 500.0)
    price[hours(8, 9)] = 10000.0
    data = make_data(price, [interruptible(use="self"), fixed()], dt_h=0.25)
    assert capacity(data, 12) == pytest.approx([0.6, 0.6, 0.3, 0.0], abs=1e-6)
    # use: grid (a contract with the grid): the schedule may not use it for its own bill, the down window
    # (a grid call) gets the whole contract
    data = make_data(price, [interruptible(use="grid"), fixed()], dt_h=0.25)
    assert capacity(data, 12) == pytest.approx([0.6, 0.6, 0.6, 0.0], abs=1e-6)


def test_district_is_the_joint_reduction_of_its_parks():
    # two parks, each a lossless 1 MW battery idle at 0.5 of 2 MWh (1 MWh above soc_min 0): per park
    # R(2 h) = 0.5 MW; jointly 1.0 MW. Park A alone can give 1 MW in the first hour and park B in the
    # second, but the district R is also bounded by the total energy 2 MWh / 2 h = 1 MW.
    idx = pd.date_range("2025-07-22", periods=N, freq="15min", tz="Asia/Shanghai", name="time")
    assets = {"battery": [], "fixed_load": []}
    for p in ("a", "b"):
        bat = battery(name=f"bat_{p}", soc_min=0.0, eta_charge=1, eta_discharge=1)
        ld, prof = fixed(f"load_{p}")
        assets["battery"].append(AssetInput(bat.name, p, bat, {}))
        assets["fixed_load"].append(AssetInput(ld.name, p, ld, prof))
    data = ModelData(index=idx, dt_h=0.25, price_cny_per_mwh=np.full(N, 500.0), export_price_cny_per_mwh=np.zeros(N),
                     month=np.array(idx.strftime("%Y-%m")), demand_charge_cny_per_mw_month=0.0,
                     parks=[ParkInput("a", ["bat_a", "load_a"]), ParkInput("b", ["bat_b", "load_b"])], assets=assets)
    assert capacity(data, 10) == pytest.approx([2.0, 2.0, 1.0, 0.5], abs=1e-6)


def test_connection_limit_bounds_upward_capacity():
    # import limit 3.4 MW, load 3 MW: valley filling is limited to 0.4 MW although the battery takes 1 MW
    data = make_data([500.0] * N, [(battery(eta_charge=1, eta_discharge=1), None), fixed()], dt_h=0.25, p_import_max=3.4)
    assert capacity(data, 10, direction="up") == pytest.approx([0.4, 0.4, 0.4, 0.225], abs=1e-6)


def test_p50_is_the_median_and_p90_the_tenth_percentile():
    # ten days 1..10 MW: P50 = 5.5, P90 (exceeded on 90 % of the days) = 1 + 0.9 * (2 - 1) = 1.9,
    # P10 (the top of the band, 90th percentile) = 9 + 0.1 * (10 - 9) = 9.1
    q = quantiles(np.arange(1.0, 11.0))
    assert (q["r_p50_mw"], q["r_p90_mw"], q["r_p10_mw"], q["n_days"]) == (pytest.approx(5.5), pytest.approx(1.9),
                                                                        pytest.approx(9.1), 10)
    days = pd.DataFrame({"park": "p", "window": "20:00-22:00", "direction": "down", "duration_h": 2.0,
                         "date": range(10), "r_mw": np.arange(1.0, 11.0)})
    st = stats(pd.concat([days, days.assign(direction="up", r_mw=3.0)]))
    assert st.set_index("direction").loc["up", "r_p90_mw"] == pytest.approx(3.0)  # no spread: P90 = P50 = 3
    assert st.set_index("direction").loc["down", "r_p90_mw"] == pytest.approx(1.9)


def test_battery_gives_min_of_power_and_energy_in_any_window():
    # one park, flat 3 MW load, flat price, battery P = 1 MW, E = 2 MWh idle at soc 0.5 (degradation cost),
    # notice 0: deliverable energy 0.72 MWh (see above). In every called window and for every duration d
    # that fits, at every start, R = min(P, E·η/d) = min(1, 0.72/d); so the callable capacity (the minimum
    # over the window's starts) is that too, e.g. 0.36 MW for the whole 20:00-22:00 window.
    data = make_data([500.0] * N, [(battery(), None), fixed()], dt_h=0.25)
    for w in parse_windows("09:00-10:30,20:00-22:00,16:00-20:00", 0.25):
        cm = CapacityModel(data)  # history only grows: one model per window, all its events at once
        ds = window_durations(w, DURATIONS)
        got = cm.solve_many([(s, d, "down") for d in ds for s in window_starts(w, d)], 0.0)
        for d in ds:
            held = min(got[(s, d, "down")].r_mw for s in window_starts(w, d))
            assert held == pytest.approx(min(1.0, 0.72 / d), abs=1e-6), (w.label, d)
    assert ds == (0.5, 1.0, 2.0, 4.0)  # 16:00-20:00: 4 h is the whole window (0.18 MW)


def test_window_grammar_starts_and_tou_defaults():
    w = parse_windows("20:00-24:00", 0.25)[0]
    assert (w.start_h, w.end_h, w.label) == (20.0, 24.0, "20:00-24:00")
    assert window_durations(w, (0.5, 1, 2, 4, 6)) == (0.5, 1.0, 2.0, 4.0)  # 6 h does not fit
    assert window_durations(parse_windows("20:00-21:30", 0.25)[0], (0.5, 1, 2)) == (0.5, 1.0, 1.5)  # + the window
    # a 1 h event in 20-24: any whole hour, or as late as still fits
    assert window_starts(w, 1.0) == (20.0, 21.0, 22.0, 23.0)
    assert window_starts(w, 0.5) == (20.0, 21.0, 22.0, 23.0, 23.5)
    assert window_starts(parse_windows("20:30-22:00", 0.25)[0], 0.5) == (20.5, 21.0, 21.5)
    # TOU 385号: July critical 20-24, peak 16-20; January critical 18-22, peak 16-18 and 22-24; June peak 16-24
    assert [x.label for x in tou_windows(7)] == ["20:00-24:00", "16:00-20:00"]
    assert [x.period for x in tou_windows(7)] == ["critical", "peak"]
    assert [x.label for x in tou_windows(1)] == ["18:00-22:00", "16:00-18:00", "22:00-24:00"]
    assert [x.label for x in tou_windows(6)] == ["16:00-24:00"]


@pytest.mark.parametrize("text, message", [
    ("25:00-26:00", "--window 25:00-26:00: 25:00 is not a time of day (00:00 to 24:00)"),
    ("22:00-20:00", "--window 22:00-20:00: the end 20:00 is not after the start 22:00"),
    ("20:10-22:00", "--window 20:10-22:00: 20:10 is not on the 15 min step grid"),
    ("20-22", "--window '20-22' is not HH:MM-HH:MM"),
    ("20:00-22:00,20:00-22:00", "--window 20:00-22:00,20:00-22:00 lists a window twice"),
])
def test_bad_windows_are_one_clear_message(text, message):
    with pytest.raises(VppError) as err:
        parse_windows(text, 0.25)
    assert str(err.value).startswith(message)


def test_days_are_drawn_without_replacement_stratified_and_reproducibly():
    # summer 2025 working days: June 20 (Dragon Boat Monday 2 June is a holiday), July 23, August 21,
    # September 23 (22 weekdays + the make-up Sunday 28 Sep): N = 87. K = 20: quotas 20·n_m/87 = 4.60,
    # 5.29, 4.83, 5.29 -> floors 4, 5, 4, 5 (= 18); the two largest remainders (0.83 Aug, 0.60 Jun) get one
    # more: 5, 5, 5, 5.
    pool = days_mod.candidates(2025, (6, 7, 8, 9), "workday")
    assert [sum(d.month == m for d in pool) for m in (6, 7, 8, 9)] == [20, 23, 21, 23]
    assert dt.date(2025, 9, 28) in pool and dt.date(2025, 6, 2) not in pool
    assert days_mod.quotas([20, 23, 21, 23], 20) == [5, 5, 5, 5]
    assert days_mod.quotas([3, 1], 2) == [2, 0]  # 1.5, 0.5: floors 1, 0; remainder tie -> the earlier month
    a = days_mod.sample_days(2025, (6, 7, 8, 9), "workday", 20, seed=7)
    assert a == days_mod.sample_days(2025, (6, 7, 8, 9), "workday", 20, seed=7)  # seeded
    assert a != days_mod.sample_days(2025, (6, 7, 8, 9), "workday", 20, seed=8)
    assert len(set(a)) == 20 and a == sorted(a) and set(a) <= set(pool)
    assert [sum(d.month == m for d in a) for m in (6, 7, 8, 9)] == [5, 5, 5, 5]
    assert days_mod.sample_days(2025, (7,), "workday", 23, seed=1) == [d for d in pool if d.month == 7]  # K = N: all
    with pytest.raises(VppError, match=r"--samples 90: only 87 working day\(s\) in Jun-Sep 2025"):
        days_mod.sample_days(2025, (6, 7, 8, 9), "workday", 90, seed=7)
    assert days_mod.candidates(2025, (10,), "holiday")[:3] == [dt.date(2025, 10, 1), dt.date(2025, 10, 2), dt.date(2025, 10, 3)]
    assert days_mod.spread(list(range(20)), 5) == [0, 5, 10, 14, 19]


def test_day_types_are_working_days(single_park):
    assert study_day(single_park, "summer") == dt.date(2025, 7, 22)  # a Tuesday
    assert study_day(single_park, "winter") == dt.date(2025, 1, 15)  # a Wednesday
    scn_2028 = single_park.model_copy(update={"horizon": single_park.horizon.model_copy(update={"start": dt.date(2028, 3, 1)})})
    assert study_day(scn_2028, "summer") == dt.date(2028, 7, 24)  # 22 July 2028 is a Saturday -> Monday
    assert study_day(single_park, date="2025-08-05") == dt.date(2025, 8, 5)


def test_settings_days_and_default_windows(single_park):
    s = make_settings(single_park, samples=1)
    assert s.days == (dt.date(2025, 7, 22),) and s.how == "reference"
    assert [w.label for w in s.windows] == ["20:00-24:00", "16:00-20:00"]
    s = make_settings(single_park, date="2025-01-08")  # a date: K = 1, January TOU windows
    assert s.days == (dt.date(2025, 1, 8),) and [w.label for w in s.windows] == ["18:00-22:00", "16:00-18:00", "22:00-24:00"]
    s = make_settings(single_park, samples=20, season="winter", windows="08:00-10:00", best_hour_days=3)
    assert len(s.days) == 20 and {d.month for d in s.days} == {1, 2, 12} and s.how == "drawn"
    assert [w.label for w in s.windows] == ["08:00-10:00"] and len(s.best_hour_days) == 3
    assert s.best_hour_days[0] == s.days[0] and s.best_hour_days[-1] == s.days[-1]
    s = make_settings(single_park, samples=4, day_class="weekend")
    assert all(d.weekday() >= 5 for d in s.days)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"park": "nope"}, "--park: unknown park 'nope' (parks of 'single_park': factory)"),
        ({"durations_h": (0.0, 1.0)}, "duration 0 h must be positive"),
        ({"durations_h": (0.3,)}, "duration 0.3 h must be a positive multiple of the 15 min step"),
        ({"durations_h": (30.0,)}, "duration 30 h is longer than the evaluated day (24 h)"),
        ({"samples": 0}, "--samples 0 must be at least 1"),
        ({"notice_h": -1.0}, "--notice-h -1 must lie in [0, 24] h"),
        ({"samples": 3, "date": "2025-07-22"}, "--samples 3 with --date: a date is one day (K = 1); "
                                                "leave out --date to draw K days of the season"),
        ({"best_hour_days": -1}, "--best-hour-days -1 must be 0 (no best-hour sweep) or more"),
        ({"samples": 5, "day_class": "holiday"}, "--samples 5: only 2 holiday(s) in Jun-Sep 2025 "
                                                 "(days are drawn without replacement)"),
        ({"windows": "20:00-20:10"}, "--window 20:00-20:10: 20:10 is not on the 15 min step grid"),
    ],
)
def test_bad_settings_give_one_clear_message(single_park, kwargs, message):
    with pytest.raises(VppError) as err:
        make_settings(single_park, **kwargs)
    assert str(err.value) == message


def test_parse_durations():
    assert parse_durations("0.5, 1,2,4") == (0.5, 1.0, 2.0, 4.0)
    with pytest.raises(VppError, match="'x' is not a number"):
        parse_durations("1,x")
    with pytest.raises(VppError, match="-1 h must be positive"):
        parse_durations("-1")


# --------------------------------------------------------------------------- P50 / P90 across real days
def shutdown_case(shutdown_days):
    """One park: a 3 MW data-centre load that stops on the park's shutdown days (weekend_factor 0, noise 0),
    a 1 MW / 2 MWh battery idle at soc 0.5 (flat single-part tariff, degradation cost), no reverse flow."""
    return from_dict({
        "name": "shutdowns", "seed": 3, "horizon": {"start": "2025-07-01", "days": 1},
        "network": {"kind": "radial_district", "feeders": [{"name": "f1", "cable_type": "YJV22-8.7/15-3x400",
                                                             "nodes": [{"bus": "b1", "length_km": 0.5}]}]},
        "tariff": {"billing": "single_part", "multipliers": {"valley": 1.0, "flat": 1.0, "peak": 1.0, "critical": 1.0}},
        "parks": [{"name": "plant", "shutdown_days": [str(d) for d in shutdown_days],
                   "connection": {"bus": "b1", "p_import_max_mw": 10, "no_reverse_flow": True},
                   "assets": [{"kind": "fixed_load", "name": "load", "archetype": "data_centre", "p_peak_mw": 3.0,
                               "noise_std_pu": 0, "weekend_factor": 0.0},
                              {"kind": "battery", "name": "bess", "p_max_mw": 1.0, "e_max_mwh": 2.0, "soc_min": 0.1,
                               "soc_max": 0.95, "soc_init": 0.5, "eta_charge": 0.9, "eta_discharge": 0.9,
                               "degradation_cost_cny_per_mwh": 10}]}],
        "capacity": {"months": [7], "windows": ["20:00-22:00"], "durations_h": [1.0, 2.0], "notice_h": 0.0,
                     "best_hour_days": 0},
    })


def test_p90_across_days_with_shutdowns_is_below_p50_by_the_hand_value():
    # All 23 working days of July 2025 (K = N: every day drawn). On a working day the battery holds
    # min(1, 0.72/2) = 0.36 MW for the whole 20:00-22:00 window (0.72 MWh deliverable, notice 0). On the 3
    # shutdown days the load is 0 and reverse flow is forbidden: nothing to reduce, 0 MW.
    # Sorted: [0, 0, 0, 0.36 × 20]. P50 = 0.36. P90 = 10th percentile at position 0.1·(23 − 1) = 2.2:
    # 0 + 0.2·(0.36 − 0) = 0.072 MW, i.e. 0.288 MW below the P50.
    shut = [dt.date(2025, 7, 8), dt.date(2025, 7, 16), dt.date(2025, 7, 29)]
    scn = shutdown_case(shut)
    res = run_capacity(scn, make_settings(scn, samples=23, jobs=1))
    row = res.summary[(res.summary.direction == "down") & (res.summary.duration_h == 2.0)].iloc[0]
    assert row.n_days == 23 and bool(row.headline) and row.window == "20:00-22:00"
    assert row.r_p50_mw == pytest.approx(0.36, abs=1e-6)
    assert row.r_p90_mw == pytest.approx(0.072, abs=1e-6)
    assert row.r_p50_mw - row.r_p90_mw == pytest.approx(0.288, abs=1e-6)
    assert row.confidence == "P90 over 23 days"
    d = res.days[(res.days.direction == "down") & (res.days.duration_h == 2.0)].set_index("date").r_mw
    assert d[shut].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    assert d.drop(shut).to_numpy() == pytest.approx(np.full(20, 0.36), abs=1e-6)
    # 1 h: min(1, 0.72) = 0.72 at both starts 20:00 and 21:00 on working days -> P50 0.72, P90 0.2·0.72
    row1 = res.summary[(res.summary.direction == "down") & (res.summary.duration_h == 1.0)].iloc[0]
    assert (row1.r_p50_mw, row1.r_p90_mw) == (pytest.approx(0.72, abs=1e-6), pytest.approx(0.144, abs=1e-6))
    assert res.meta["days"] == [str(x) for x in days_mod.candidates(2025, (7,), "workday")]
    assert "P90 over 23 working days" in res.meta["headline"][0]
