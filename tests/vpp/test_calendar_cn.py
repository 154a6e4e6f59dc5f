"""Day types of the Chinese statutory calendar (chinesecalendar) and park shutdown days."""

import datetime as dt

import pandas as pd
import pytest

from vpp.calendar_cn import calendar_coverage, day_type, is_working_day, working_mask

D = dt.date.fromisoformat


@pytest.mark.parametrize("day, kind", [
    ("2025-01-01", "holiday"),   # New Year's Day, a Wednesday
    ("2025-01-26", "workday"),   # Sunday worked for the Spring Festival (调休)
    ("2025-02-08", "workday"),   # Saturday worked for the Spring Festival
    ("2025-01-29", "holiday"),   # Spring Festival
    ("2025-10-01", "holiday"),   # National Day
    ("2025-09-28", "workday"),   # Sunday worked for National Day
    ("2025-10-11", "workday"),   # Saturday worked for National Day
    ("2025-10-12", "weekend"),
    ("2025-07-22", "workday"),   # an ordinary Tuesday
    ("2025-07-26", "weekend"),
])
def test_2025_day_types(day, kind):
    assert day_type(D(day)) == kind


def test_shutdown_days_override_and_working_mask():
    assert day_type(D("2025-07-22"), shutdown=[D("2025-07-22")]) == "shutdown"
    assert not is_working_day(D("2025-07-22"), shutdown=[D("2025-07-22")])
    idx = pd.date_range("2025-09-30", periods=3 * 24, freq="60min", tz="Asia/Shanghai")
    m = working_mask(idx)
    assert m[:24].all() and not m[24:].any()  # 30 Sep works, 1-2 Oct are holidays


def test_years_without_a_published_calendar_fall_back_to_weekends():
    assert "Saturday and Sunday only" in calendar_coverage(2031)
    assert day_type(D("2031-10-01")) == "workday"   # a Wednesday: no holiday known
    assert day_type(D("2031-10-04")) == "weekend"
    assert "chinesecalendar" in calendar_coverage(2025)
