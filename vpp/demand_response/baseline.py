"""Settlement baseline (基线负荷): the mean of the N most recent similar days, from a simulated history.

Chinese DR settlement compares the metered load during an event with a *baseline*: for a working-day
event, the mean of the park's load on the N most recent working days before the event day (N = 5 by
default, domain §2.4, ASSUMPTION L), at each 15-min step of the day, excluding days that had an event.

* **similar day**: same day type as the event day — working day (Mon–Fri) or weekend (Sat–Sun).
  Public holidays are not modelled (no holiday calendar in the domain data).
* **baseline** ``B[p, s] = (1/N) · sum_{d in D_N} x[p, d, s]`` with ``x`` the park's net import [MW]
  (import − export at the connection point), ``s`` the step of the day and ``D_N`` the N most recent
  similar days before the event day that are not event days of the park.

The history ``x`` is simulated: the scenario's profiles are built on the calendar days from the
earliest selected day to the day before the event (seeded as every profile, so each day has its own
noise, PV clearness and EV sessions) and dispatched in one LP, with the park's normal optimised
operation (``dr.history_strategy: optimised``, default: the meter sees the park as it usually runs) or
the no-optimisation rule (``baseline``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from vpp.errors import VppError

MAX_LOOKBACK_DAYS = 120


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday (public holidays are not modelled)."""
    return day.weekday() < 5


def similar_days(event_day: dt.date, n_days: int, exclude: Iterable[dt.date] = (), max_lookback: int = MAX_LOOKBACK_DAYS) -> list[dt.date]:
    """The ``n_days`` most recent days before ``event_day`` of the same type, not in ``exclude`` (newest first)."""
    excl = set(exclude)
    kind = is_working_day(event_day)
    out: list[dt.date] = []
    d = event_day
    for _ in range(max_lookback):
        d -= dt.timedelta(days=1)
        if is_working_day(d) == kind and d not in excl:
            out.append(d)
            if len(out) == n_days:
                return out
    raise VppError(f"fewer than {n_days} similar days in the {max_lookback} days before {event_day}")


def similar_day_baseline(history_mw: pd.DataFrame, event_day: dt.date, n_days: int,
                         exclude: Iterable[dt.date] = ()) -> tuple[pd.DataFrame, list[dt.date]]:
    """Baseline per park [MW] at each step of ``event_day`` and the days it averages.

    ``history_mw``: tz-aware interval-beginning index covering whole days before ``event_day``, one
    column per park (net import [MW]). Returns a frame on the event day's steps (same step of day as in
    the history) and the selected days, newest first. Every selected day must be in the history.
    """
    days = similar_days(event_day, n_days, exclude)
    local = history_mw.index
    dates = np.array([t.date() for t in local])
    step_of_day = (local.hour * 60 + local.minute).to_numpy()
    blocks = []
    for d in days:
        sel = dates == d
        if not sel.any():
            raise VppError(f"the simulated history has no data for {d} (needed by the baseline of {event_day})")
        blocks.append(history_mw.loc[sel].set_axis(step_of_day[sel], axis=0))
    mean = sum(blocks) / len(blocks)
    minutes = mean.index.to_numpy()
    t0 = pd.Timestamp(event_day).tz_localize(local.tz)
    mean.index = pd.DatetimeIndex(t0 + pd.to_timedelta(minutes, unit="min"), name="time")
    return mean, days


def history_index(days: list[dt.date], event_day: dt.date, resolution_min: int) -> pd.DatetimeIndex:
    """Contiguous index from the earliest selected day to the day before ``event_day``."""
    from vpp.timeindex import time_index

    first = min(days)
    return time_index(first, (event_day - first).days, resolution_min)


def simulate_history(scn, parks: list[str], days: list[dt.date], event_day: dt.date, capacity_mva: dict,
                     strategy: str = "optimised") -> pd.DataFrame:
    """Net import [MW] per park (columns) on the history days (see module docstring)."""
    from optimization import build_model, fix_baseline
    from optimization.results import extract
    from optimization.session import solve
    from vpp.dispatch import model_data
    from vpp.profiles import build_profiles

    sub = scn.model_copy(update={"parks": [p for p in scn.parks if p.name in parks]})
    index = history_index(days, event_day, scn.horizon.resolution_min)
    prof = build_profiles(sub, index=index)
    dm = build_model(model_data(sub, prof, capacity_mva))
    if strategy == "baseline":
        fix_baseline(dm)
    info = solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    res = extract(dm, info, strategy=strategy)
    return res.parks.pivot(index="time", columns="park", values="p_net_import_mw")[parks]
