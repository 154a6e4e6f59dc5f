"""Similar-day baseline and settlement against hand computations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from vpp.demand_response.baseline import similar_day_baseline, similar_days
from vpp.demand_response.event import split_district
from vpp.demand_response.rules import simulator_rule
from vpp.demand_response.settlement import settle, verified_response_mw


def history(first="2025-07-12", days=10):
    """Two parks, 6-hour steps; park 'a' = day of month + step number, park 'b' = 2 × day of month."""
    idx = pd.date_range(first, periods=4 * days, freq="6h", tz="Asia/Shanghai", name="time")
    dom = np.array([t.day for t in idx], dtype=float)
    step = np.tile(np.arange(4.0), days)
    return pd.DataFrame({"a": dom + step, "b": 2 * dom}, index=idx)


def test_similar_days_skip_weekends_and_event_days():
    # event Tue 2025-07-22; Sat 19, Sun 20 are not similar; 17 had an event
    days = similar_days(dt.date(2025, 7, 22), 3, exclude=[dt.date(2025, 7, 17)])
    assert days == [dt.date(2025, 7, 21), dt.date(2025, 7, 18), dt.date(2025, 7, 16)]
    # a Saturday event averages the previous weekend days
    assert similar_days(dt.date(2025, 7, 26), 2) == [dt.date(2025, 7, 20), dt.date(2025, 7, 19)]


def test_similar_day_baseline_equals_hand_mean():
    # days 21, 18, 16 -> park a at step s: (21+18+16)/3 + s = 18.333 + s; park b: 2 × 18.333
    base, days = similar_day_baseline(history(), dt.date(2025, 7, 22), 3, exclude=[dt.date(2025, 7, 17)])
    assert days == [dt.date(2025, 7, 21), dt.date(2025, 7, 18), dt.date(2025, 7, 16)]
    assert base["a"].to_numpy() == pytest.approx(55 / 3 + np.arange(4.0))
    assert base["b"].to_numpy() == pytest.approx(np.full(4, 110 / 3))
    assert base.index[0] == pd.Timestamp("2025-07-22 00:00", tz="Asia/Shanghai")
    assert base.index[3] == pd.Timestamp("2025-07-22 18:00", tz="Asia/Shanghai")


def test_verified_response_is_clipped_per_step():
    assert verified_response_mw([10, 10, 10], [8, 11, 9.5], "peak_shaving") == pytest.approx([2, 0, 0.5])
    assert verified_response_mw([10, 10, 10], [8, 11, 9.5], "valley_filling") == pytest.approx([0, 1, 0])


def test_settlement_below_band_pays_delivered_and_penalises_shortfall():
    # 4 steps of 15 min; v = [2, 1, 0, 2.5] MW -> V = 5.5 × 0.25 = 1.375 MWh; C = 2 MW over 1 h: E_c = 2 MWh
    # ratio 0.6875 < 0.8: payment 2000 × 1.375 = 2750; shortfall 1.6 − 1.375 = 0.225 MWh × 3000 = 675
    # capacity payment forfeited (ratio below band)
    s = settle([10, 10, 10, 10], [8, 9, 11, 7.5], 2.0, 0.25, kind="peak_shaving", price_cny_per_mwh=2000,
               rule=simulator_rule((0.8, 1.2), 3000.0), capacity_cny_per_mw_month=5000, month_share=0.5)
    assert s["verified_mwh"] == pytest.approx(1.375)
    assert s["response_ratio"] == pytest.approx(0.6875)
    assert s["payment_cny"] == pytest.approx(2750.0)
    assert s["shortfall_mwh"] == pytest.approx(0.225)
    assert s["penalty_cny"] == pytest.approx(675.0)
    assert s["capacity_payment_cny"] == 0.0
    assert s["dr_revenue_cny"] == pytest.approx(2750.0 - 675.0)


def test_settlement_above_band_is_capped_and_earns_capacity_payment():
    # same response, C = 1 MW: E_c = 1 MWh, ratio 1.375 > 1.2 -> paid 1.2 MWh × 2000 = 2400, no penalty;
    # capacity 5000 CNY/MW·month × 1 MW × 0.5 = 2500
    s = settle([10, 10, 10, 10], [8, 9, 11, 7.5], 1.0, 0.25, kind="peak_shaving", price_cny_per_mwh=2000,
               rule=simulator_rule((0.8, 1.2), 3000.0), capacity_cny_per_mw_month=5000, month_share=0.5)
    assert s["paid_mwh"] == pytest.approx(1.2)
    assert s["payment_cny"] == pytest.approx(2400.0)
    assert s["penalty_cny"] == 0.0
    assert s["capacity_payment_cny"] == pytest.approx(2500.0)
    assert s["dr_revenue_cny"] == pytest.approx(4900.0)


def test_valley_filling_settlement():
    # extra consumption [0.5, 1.5] MW over 2 × 30 min against C = 1 MW: V = 1.0 MWh, E_c = 1 MWh, ratio 1
    s = settle([3, 3], [3.5, 4.5], 1.0, 0.5, kind="valley_filling", price_cny_per_mwh=300,
               rule=simulator_rule((0.8, 1.2)))
    assert s["response_ratio"] == pytest.approx(1.0)
    assert s["payment_cny"] == pytest.approx(300.0) and s["penalty_cny"] == 0.0


def test_district_split_pro_rata_to_baseline_energy():
    assert split_district(3.0, {"a": 2.0, "b": 4.0, "c": -1.0}) == pytest.approx({"a": 1.0, "b": 2.0, "c": 0.0})
    assert split_district(2.0, {"a": 0.0, "b": 0.0}) == pytest.approx({"a": 1.0, "b": 1.0})
