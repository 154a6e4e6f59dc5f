"""Putting a measured series onto the run's days (vpp.measured.resample.to_index)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from vpp.calendar_cn import day_type
from vpp.errors import DataError
from vpp.measured import MeasuredSeries, to_index
from vpp.timeindex import time_index


def series(first: str, last: str, step: int = 15, name: str = "/data/meter_2024.xlsx") -> MeasuredSeries:
    """A series whose values tell the source day and step: day number + step/1000 [MW]."""
    idx = pd.date_range(first, pd.Timestamp(last) + pd.Timedelta(days=1), freq=f"{step}min", inclusive="left",
                        name="time")
    spd = 1440 // step
    k = np.arange(len(idx))
    p = pd.Series(1.0 + k // spd + (k % spd) / 1000.0, index=idx, name="p_mw")
    return MeasuredSeries(p, step, "meter_2024.xlsx:p_kw", "long", {"file": name})


def _source_day(ms: MeasuredSeries, values: np.ndarray) -> dt.date:
    return (ms.p_mw.index[0] + pd.Timedelta(days=int(values[0]) - 1)).date()


def _check_values(ms, out, index, report):
    spd = int(pd.Timedelta(days=1) / (index[1] - index[0]))
    for i, (target, source) in enumerate(report.pairs):
        day = out.to_numpy()[i * spd:(i + 1) * spd]
        assert _source_day(ms, day) == source
        np.testing.assert_allclose(day, ms.p_mw[str(source)].to_numpy())


def test_same_dates_when_the_file_covers_the_run():
    ms = series("2025-07-01", "2025-07-31")
    index = time_index("2025-07-22", 3, 15)
    out, rep = to_index(ms, index)
    assert rep.same_dates and rep.mapped_days == 0 and rep.pairs[0] == (dt.date(2025, 7, 22), dt.date(2025, 7, 22))
    assert out.index.equals(index) and str(out.index.tz) == "Asia/Shanghai"
    np.testing.assert_array_equal(out.to_numpy(), ms.p_mw["2025-07-22":"2025-07-24"].to_numpy())
    assert rep.text == "meter_2024.xlsx: measured on the run's own dates (3 of 3 days)"


def test_2024_data_onto_a_2025_week_keeps_weekday_and_day_type():
    ms = series("2024-01-01", "2024-12-31")
    index = time_index("2025-07-21", 7, 15)
    out, rep = to_index(ms, index)
    assert not rep.same_dates and rep.mapped_days == 7 and len(rep.pairs) == 7
    assert rep.text == ("meter_2024.xlsx: 2025 dates mapped onto 2024 days of the same weekday and day type "
                        "(7 of 7 days)")
    for target, source in rep.pairs:
        assert source.year == 2024 and source.weekday() == target.weekday()
        assert day_type(source) == day_type(target)
        assert abs((source - target.replace(year=2024)).days) <= 3
    assert rep.pairs[0] == (dt.date(2025, 7, 21), dt.date(2024, 7, 22))  # Monday → the Monday a year before
    assert out.index.equals(index)
    _check_values(ms, out, index, rep)


def test_holidays_map_to_holidays_national_day():
    ms = series("2024-01-01", "2024-12-31")
    index = time_index("2025-09-27", 16, 15)  # 2025-10-01 … 08 National Day + Mid-Autumn, make-up days 09-28, 10-11
    out, rep = to_index(ms, index)
    pairs = dict(rep.pairs)
    assert dt.date(2024, 10, 1) <= pairs[dt.date(2025, 10, 1)] <= dt.date(2024, 10, 7)
    for target, source in rep.pairs:
        assert day_type(source) == day_type(target), (target, source)
        if day_type(target) != "holiday":
            assert source.weekday() == target.weekday(), (target, source)
    assert pairs[dt.date(2025, 9, 28)] == dt.date(2024, 9, 29)  # make-up Sunday → make-up Sunday
    assert not rep.notes
    _check_values(ms, out, index, rep)


def test_holiday_falls_back_to_a_weekend_day_when_the_file_has_none():
    ms = series("2024-03-01", "2024-03-31")  # March 2024: no statutory holiday
    out, rep = to_index(ms, time_index("2025-10-01", 1, 15))
    (target, source), = rep.pairs
    assert day_type(source) == "weekend" and rep.notes == ["1 holidays onto weekend days (no holiday in the file)"]
    assert "1 holidays onto weekend days" in rep.text


def test_shutdown_days_map_to_shutdown_days_else_weekends():
    ms = series("2024-01-01", "2024-12-31")
    index = time_index("2025-08-14", 2, 15)  # Thursday, Friday
    _, rep = to_index(ms, index, shutdown=[dt.date(2025, 8, 14), dt.date(2025, 8, 15), dt.date(2024, 8, 15)])
    assert dict(rep.pairs)[dt.date(2025, 8, 14)] == dt.date(2024, 8, 15)  # the file's own shutdown day
    _, rep = to_index(ms, index, shutdown=[dt.date(2025, 8, 14)])
    src = dict(rep.pairs)[dt.date(2025, 8, 14)]
    assert day_type(src) == "weekend" and rep.notes == ["1 shutdown days onto weekend days (no shutdown day in the file)"]


def test_data_of_another_year_shorter_than_a_year_is_mapped():
    ms = series("2024-03-01", "2024-05-31")
    _, rep = to_index(ms, time_index("2025-07-21", 7, 15))
    for target, source in rep.pairs:
        assert source.weekday() == target.weekday() and day_type(source) == day_type(target)
        assert dt.date(2024, 5, 18) <= source <= dt.date(2024, 5, 31)  # the end of the data is nearest to July


def test_coverage_shorter_than_the_horizon_in_the_same_year_is_refused():
    ms = series("2025-01-01", "2025-03-31")
    with pytest.raises(DataError, match="meter_2024.xlsx:p_kw: covers 2025-01-01 – 2025-03-31, the run needs "
                                        "2025-07-22 – 2025-07-28"):
        to_index(ms, time_index("2025-07-22", 7, 15))


def test_resolution_change_onto_the_run_keeps_daily_energy():
    ms = series("2024-01-01", "2024-12-31", step=5)
    index = time_index("2025-07-21", 2, 60)
    out, rep = to_index(ms, index)
    assert rep.resolution_min_file == 5 and rep.resolution_min_run == 60 and len(out) == 48
    for i, (_, source) in enumerate(rep.pairs):
        e_run = out.iloc[i * 24:(i + 1) * 24].sum() * 1.0
        e_file = ms.p_mw[str(source)].sum() * 5 / 60
        assert e_run == pytest.approx(e_file, rel=1e-12)


def test_partial_days_at_the_edges_are_not_used():
    ms = series("2024-01-01", "2024-12-31")
    ms = MeasuredSeries(ms.p_mw["2024-01-01 08:00":"2024-12-31 11:45"], 15, ms.source, ms.layout, ms.meta)
    _, rep = to_index(ms, time_index("2025-01-01", 1, 15))  # holiday: New Year
    assert dict(rep.pairs)[dt.date(2025, 1, 1)] != dt.date(2024, 1, 1)  # 2024-01-01 is incomplete


def test_the_run_index_must_be_tz_aware_whole_days():
    ms = series("2024-01-01", "2024-01-31")
    with pytest.raises(ValueError, match="tz-aware"):
        to_index(ms, pd.date_range("2024-01-02", periods=96, freq="15min"))
    with pytest.raises(ValueError, match="whole local days"):
        to_index(ms, time_index("2024-01-02", 1, 15)[:50])


def test_make_up_saturday_takes_a_nearby_workday():
    ms = series("2024-01-01", "2024-12-31")
    _, rep = to_index(ms, time_index("2025-02-08", 1, 15))  # Saturday worked for the Spring Festival (调休)
    (target, source), = rep.pairs
    assert day_type(target) == "workday" and day_type(source) == "workday" and source.weekday() < 5
    assert abs((source - dt.date(2024, 2, 8)).days) <= 3
    assert rep.notes == ["1 workdays onto a workday of another weekday"]
