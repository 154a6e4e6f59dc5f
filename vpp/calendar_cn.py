"""Day types of the Chinese calendar: working day, weekend, statutory holiday, make-up workday (调休).

The statutory holidays and the make-up working days (Saturdays or Sundays worked in exchange for a
longer holiday) come from the ``chinesecalendar`` package, which follows the General Office of the
State Council's yearly notice (国务院办公厅关于节假日安排的通知). A park may add its own shutdown days
(停产检修, plant holidays), which count as non-working days for that park.

:func:`day_type` classes one date:

* ``"holiday"``  — a statutory holiday (春节, 国庆 …), also when it falls on a weekend;
* ``"weekend"``  — Saturday or Sunday that is not a make-up workday and not a holiday;
* ``"workday"``  — Monday to Friday that is not a holiday, and every make-up workday;
* ``"shutdown"`` — a park shutdown day given by the scenario (overrides the above).

Working days are ``"workday"``; the others are non-working days. Years the package does not cover
(before 2004 or after its last published notice) fall back to Saturday/Sunday only, and
:func:`calendar_coverage` says so; the first such year is warned about once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

DAY_TYPES = ("workday", "weekend", "holiday", "shutdown")
_log = logging.getLogger("vpp.calendar")
_warned: set[int] = set()


@functools.lru_cache(maxsize=None)
def _official(year: int) -> tuple[frozenset, frozenset] | None:
    """(holidays, make-up workdays) of ``year`` from chinesecalendar, or None when not published."""
    import chinese_calendar as cc

    if not (min(cc.holidays).year <= year <= max(cc.holidays).year):
        return None
    hol = frozenset(d for d in cc.holidays if d.year == year)
    work = frozenset(d for d in cc.workdays if d.year == year and d.weekday() >= 5)
    return hol, work


def calendar_coverage(year: int) -> str:
    """One line saying where the day types of ``year`` come from."""
    if _official(int(year)) is not None:
        return f"{year}: statutory holidays and make-up workdays (chinesecalendar)"
    return f"{year}: no published holiday calendar; Saturday and Sunday only"


def _warn(year: int) -> None:
    if year not in _warned:
        _warned.add(year)
        _log.warning(f"no published Chinese holiday calendar for {year}: holidays are not known, "
                     "only Saturdays and Sundays are non-working days")


def day_type(day: dt.date, shutdown: Iterable[dt.date] = ()) -> str:
    """Day type of a date (see module docstring); ``shutdown`` = the park's own shutdown days."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if day in set(shutdown):
        return "shutdown"
    off = _official(day.year)
    if off is None:
        _warn(day.year)
        return "weekend" if day.weekday() >= 5 else "workday"
    hol, work = off
    if day in hol:
        return "holiday"
    if day in work:
        return "workday"
    return "weekend" if day.weekday() >= 5 else "workday"


def is_working_day(day: dt.date, shutdown: Iterable[dt.date] = ()) -> bool:
    """True for a working day (make-up workdays included; holidays and shutdown days excluded)."""
    return day_type(day, shutdown) == "workday"


def day_types(days: Iterable[dt.date] | pd.DatetimeIndex, shutdown: Iterable[dt.date] = ()) -> np.ndarray:
    """Day type of each date (array of str), e.g. of the local dates of a time index."""
    sd = frozenset(shutdown)
    if isinstance(days, pd.DatetimeIndex):
        days = [d.date() for d in days]
    return np.array([day_type(d, sd) for d in days], dtype=object)


def working_mask(index: pd.DatetimeIndex, shutdown: Iterable[dt.date] = ()) -> np.ndarray:
    """Boolean per label of a (local) time index: True on working days."""
    local_days = index.normalize()
    uniq = pd.DatetimeIndex(pd.unique(local_days))
    work = np.array([is_working_day(d.date(), shutdown) for d in uniq], dtype=bool)
    return work[uniq.get_indexer(local_days)]


__all__ = ["DAY_TYPES", "day_type", "day_types", "is_working_day", "working_mask", "calendar_coverage"]
