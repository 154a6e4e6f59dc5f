"""Hunan 385号 TOU periods and price levels."""

import numpy as np
import pandas as pd
import pytest

from scenarios.schema import Tariff
from vpp.tariffs import energy_price, export_price, month_keys, tou_periods
from vpp.timeindex import time_index


def _at(df_or_s, ts):
    return df_or_s.loc[pd.Timestamp(ts, tz="Asia/Shanghai")]


def test_july_single_part_price_levels():
    idx = time_index("2025-07-22", 1, 15)
    p = energy_price(Tariff(billing="single_part"), idx)
    levels = p.groupby("period")["price_cny_per_mwh"].unique()
    assert levels["valley"].tolist() == pytest.approx([260.0])
    assert levels["flat"].tolist() == pytest.approx([650.0])
    assert levels["peak"].tolist() == pytest.approx([1040.0])
    assert levels["critical"].tolist() == pytest.approx([1248.0])
    assert _at(p, "2025-07-22 20:00")["period"] == "critical"
    assert _at(p, "2025-07-22 20:00")["price_cny_per_mwh"] == pytest.approx(1248.0)
    assert _at(p, "2025-07-22 12:30")["period"] == "valley"
    assert _at(p, "2025-07-22 07:00")["period"] == "flat"
    assert _at(p, "2025-07-22 17:00")["period"] == "peak"
    assert _at(p, "2025-07-22 23:45")["period"] == "critical"
    assert _at(p, "2025-07-22 05:45")["period"] == "valley"


def test_two_part_default_flat_is_600():
    p = energy_price(Tariff(), time_index("2025-07-22", 1, 60))
    assert _at(p, "2025-07-22 08:00")["price_cny_per_mwh"] == pytest.approx(600.0)
    assert _at(p, "2025-07-22 21:00")["price_cny_per_mwh"] == pytest.approx(600.0 * 1.92)


def test_april_has_no_critical_and_december_layout():
    apr = tou_periods(time_index("2025-04-15", 1, 15))
    assert "critical" not in set(apr)
    assert (apr[apr.index.hour >= 16] == "peak").all()
    dec = tou_periods(time_index("2025-12-10", 1, 15))
    h = dec.index.hour
    assert (dec[(h >= 18) & (h < 22)] == "critical").all()
    assert (dec[(h >= 22)] == "peak").all()
    assert (dec[(h >= 16) & (h < 18)] == "peak").all()


def test_eight_hours_per_group_every_month():
    idx = time_index("2025-01-01", 365, 60)
    per = tou_periods(idx)
    day_counts = per.groupby([idx.date, per.values]).size().unstack(fill_value=0)
    assert (day_counts["valley"] == 8).all()
    assert (day_counts["flat"] == 8).all()
    high = day_counts["peak"] + day_counts.get("critical", 0)
    assert (high == 8).all()
    crit_months = sorted(set(idx[per.values == "critical"].month))
    assert crit_months == [1, 7, 8, 12]


def test_energy_only_floating():
    t = Tariff(flat_price_cny_per_mwh=600.0, non_floating_cny_per_mwh=250.0, floating="energy_only")
    p = energy_price(t, time_index("2025-07-22", 1, 15))
    assert _at(p, "2025-07-22 17:00")["price_cny_per_mwh"] == pytest.approx(250 + 350 * 1.6)  # 810
    assert _at(p, "2025-07-22 08:00")["price_cny_per_mwh"] == pytest.approx(600.0)
    assert _at(p, "2025-07-22 02:00")["price_cny_per_mwh"] == pytest.approx(250 + 350 * 0.4)


def test_fifteen_minute_step_takes_its_hour_period():
    idx = time_index("2025-08-01", 2, 15)
    per = tou_periods(idx)
    hourly = tou_periods(idx.floor("h"))
    assert (per.to_numpy() == hourly.to_numpy()).all()


def test_export_and_month_keys():
    idx = time_index("2025-07-31", 2, 15)
    ex = export_price(Tariff(), idx)
    assert np.allclose(ex.to_numpy(), 350.0)
    m = month_keys(idx)
    assert m.iloc[0] == "2025-07" and m.iloc[-1] == "2025-08"
    assert (m.index == idx).all()
