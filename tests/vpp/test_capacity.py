"""Curtailable capacity: hand-computed battery and interruptible-contract cases, the district as a joint
model, P50/P90 statistics and the settings checks. Every expected number is worked out in the comments."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from optimization import AssetInput, ModelData, ParkInput
from scenarios.schema import Battery, FixedLoad, InterruptibleLoad
from tests.optimization.helpers import make_data
from vpp.capacity_study.model import CapacityModel
from vpp.capacity_study.study import make_settings, parse_durations, stats, study_day, summarise
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


def interruptible(x=0.6, max_h=2.0):
    spec = InterruptibleLoad(kind="interruptible_load", name="il", archetype="data_centre", p_peak_mw=1.0,
                             p_curtail_max_mw=x, max_hours_per_day=max_h, cos_phi=1.0, cost_cny_per_mwh=6000)
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
    # price 10000 CNY/MWh in 8-9 h > 6000: the schedule curtails 0.6 MW for 1 h = 0.6 MWh of the
    # day's 0.6 * 2 = 1.2 MWh. At 12 h the remaining 0.6 MWh gives 0.6 MW for 0.5 and 1 h, 0.3 MW for 2 h.
    price = np.full(N, 500.0)
    price[hours(8, 9)] = 10000.0
    data = make_data(price, [interruptible(), fixed()], dt_h=0.25)
    assert capacity(data, 12) == pytest.approx([0.6, 0.6, 0.3, 0.0], abs=1e-6)


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
    # ten samples 1..10 MW: P50 = 5.5, P90 (exceeded with 90 % probability) = 1 + 0.9 * (2 - 1) = 1.9
    table = pd.DataFrame({"park": "p", "direction": "down", "duration_h": 1.0, "start_hour": 3.0,
                          "sample": range(10), "r_mw": np.arange(1.0, 11.0)})
    other = table.assign(start_hour=4.0, r_mw=np.full(10, 3.0))  # steadier hour: P50 3, P90 3
    st = stats(pd.concat([table, other]))
    row = st[st.start_hour == 3.0].iloc[0]
    assert (row.r_p50_mw, row.r_p90_mw) == pytest.approx((5.5, 1.9))
    s = summarise(st).iloc[0]
    assert (s.best_start_hour_p50, s.r_p50_mw) == (3.0, pytest.approx(5.5))
    assert (s.best_start_hour_p90, s.r_p90_mw) == (4.0, pytest.approx(3.0))


def test_day_types_are_working_days(single_park):
    assert study_day(single_park, "summer") == dt.date(2025, 7, 22)  # a Tuesday
    assert study_day(single_park, "winter") == dt.date(2025, 1, 15)  # a Wednesday
    scn_2028 = single_park.model_copy(update={"horizon": single_park.horizon.model_copy(update={"start": dt.date(2028, 3, 1)})})
    assert study_day(scn_2028, "summer") == dt.date(2028, 7, 24)  # 22 July 2028 is a Saturday -> Monday
    assert study_day(single_park, date="2025-08-05") == dt.date(2025, 8, 5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"park": "nope"}, "--park: unknown park 'nope' (parks of 'single_park': factory)"),
        ({"durations_h": (0.0, 1.0)}, "duration 0 h must be positive"),
        ({"durations_h": (0.3,)}, "duration 0.3 h must be a positive multiple of the 15 min step"),
        ({"durations_h": (30.0,)}, "duration 30 h is longer than the evaluated day (24 h)"),
        ({"samples": 0}, "--samples 0 must be at least 1"),
        ({"notice_h": -1.0}, "--notice-h -1 must lie in [0, 24] h"),
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
