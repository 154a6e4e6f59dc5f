"""The simulation time axis.

Tz-aware ``Asia/Shanghai`` (UTC+8, no DST), interval-beginning labels: the label 08:00 with a 15 min
step means the interval [08:00, 08:15). Energy of a step is ``p_mw * dt_h``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

TZ = "Asia/Shanghai"


def time_index(start: dt.date | str, days: int, resolution_min: int = 15) -> pd.DatetimeIndex:
    """Interval-beginning index covering ``days`` whole local days from ``start``."""
    t0 = pd.Timestamp(start).tz_localize(TZ) if pd.Timestamp(start).tzinfo is None else pd.Timestamp(start)
    n = int(days * 24 * 60 // resolution_min)
    return pd.date_range(t0, periods=n, freq=f"{resolution_min}min", name="time")


def dt_hours(index: pd.DatetimeIndex) -> float:
    """Step length [h] of a regular index."""
    if len(index) < 2:
        raise ValueError("a time index needs at least two steps to define its resolution")
    return (index[1] - index[0]).total_seconds() / 3600.0


def hour_of_day(index: pd.DatetimeIndex):
    """Fractional local hour of each label, 0 <= h < 24 (numpy array)."""
    return (index.hour + index.minute / 60.0).to_numpy()
