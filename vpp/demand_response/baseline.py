"""Settlement baseline (基线负荷): the mean of the N most recent similar days, from a simulated history.

Chinese DR settlement compares the metered load during an event with a *baseline*: for a working-day
event, the mean of the park's load on the N most recent working days before the event day (N = 5 by
default, domain §2.4, ASSUMPTION L), at each 15-min step of the day, excluding days that had an event.

* **similar day**: same class as the event day in the Chinese calendar (:mod:`vpp.calendar_cn`, statutory
  holidays and make-up workdays from the State Council notice, plus the parks' shutdown days):

  - an event on a **working day** (Mon–Fri that is not a holiday, or a make-up workday 调休) averages
    working days: make-up Saturdays/Sundays count, statutory holidays and shutdown days do not;
  - an event on a **non-working day** (weekend, holiday or shutdown day) averages ordinary weekend days:
    Saturdays and Sundays that are neither holidays, make-up workdays nor shutdown days.

  The shutdown days are those of every park of the baseline (like the event days of those parks, a
  day that is abnormal for one of them is left out for all, so all parks share one list of days).
* **baseline** ``B[p, s] = (1/N) · sum_{d in D_N} x[p, d, s]`` with ``x`` the park's net import [MW]
  (import − export at the connection point), ``s`` the step of the day and ``D_N`` the N most recent
  similar days before the event day that are not event days of the park.

The history ``x`` is simulated: the scenario's profiles are built on the calendar days from the
earliest selected day to the day before the event (keyed by date as every profile, so each history day
has its own noise, PV clearness and EV sessions, the same as in a run of that day) and dispatched in one LP, with the park's normal optimised
operation (``dr.history_strategy: optimised``, default: the meter sees the park as it usually runs) or
the no-optimisation rule (``baseline``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from vpp.calendar_cn import day_type, is_working_day  # noqa: F401  (is_working_day: re-exported)
from vpp.errors import VppError

MAX_LOOKBACK_DAYS = 120


def similar_days(event_day: dt.date, n_days: int, exclude: Iterable[dt.date] = (),
                 max_lookback: int = MAX_LOOKBACK_DAYS, shutdown: Iterable[dt.date] = (),
                 m_days: int | None = None) -> list[dt.date]:
    """The ``n_days`` most recent days before ``event_day`` of the same class, not in ``exclude`` (newest first).

    Working-day event: working days (make-up workdays included; holidays and ``shutdown`` days not).
    Non-working-day event: ``"weekend"`` days only (no holidays, make-up workdays or ``shutdown`` days).
    ``m_days`` (N of M): only the last ``m_days`` days of the class are candidates (excluded days count
    among the M); if fewer than ``n_days`` of them remain, all that remain are used (at least one).
    ``m_days=None``: look back (at most ``max_lookback`` calendar days) until ``n_days`` are found.
    """
    excl = set(exclude)
    sd = frozenset(shutdown)
    want = "workday" if day_type(event_day, sd) == "workday" else "weekend"
    out: list[dt.date] = []
    seen = 0
    d = event_day
    for _ in range(max_lookback):
        d -= dt.timedelta(days=1)
        if day_type(d, sd) != want:
            continue
        seen += 1
        if d not in excl:
            out.append(d)
            if len(out) == n_days:
                return out
        if m_days is not None and seen == m_days:
            if out:
                return out
            raise VppError(f"every one of the last {m_days} similar days before {event_day} is excluded (event days)")
    raise VppError(f"fewer than {n_days} similar days in the {max_lookback} days before {event_day}")


def parks_shutdown_days(scn, parks: Iterable[str]) -> list[dt.date]:
    """The shutdown days of the named parks of a scenario (union, sorted)."""
    names = set(parks)
    return sorted({d for p in scn.parks if p.name in names for d in p.shutdown_days})


def similar_day_baseline(history_mw: pd.DataFrame, event_day: dt.date, n_days: int,
                         exclude: Iterable[dt.date] = (),
                         shutdown: Iterable[dt.date] = (), m_days: int | None = None,
                         aggregate: str = "mean") -> tuple[pd.DataFrame, list[dt.date]]:
    """Baseline per park [MW] at each step of ``event_day`` and the days it combines.

    ``history_mw``: tz-aware interval-beginning index covering whole days before ``event_day``, one
    column per park (net import [MW]). Returns a frame on the event day's steps (same step of day as in
    the history) and the selected days, newest first. Every selected day must be in the history.
    ``aggregate``: ``mean`` ``B[p,s] = (1/N) Σ_d x[p,d,s]`` or ``max`` ``B[p,s] = max_d x[p,d,s]``;
    ``m_days``: see :func:`similar_days`.
    """
    days = similar_days(event_day, n_days, exclude, shutdown=shutdown, m_days=m_days)
    local = history_mw.index
    dates = np.array([t.date() for t in local])
    step_of_day = (local.hour * 60 + local.minute).to_numpy()
    blocks = []
    for d in days:
        sel = dates == d
        if not sel.any():
            raise VppError(f"the simulated history has no data for {d} (needed by the baseline of {event_day})")
        blocks.append(history_mw.loc[sel].set_axis(step_of_day[sel], axis=0))
    if aggregate == "mean":
        mean = sum(blocks) / len(blocks)
    elif aggregate == "max":
        mean = pd.concat(blocks).groupby(level=0).max().loc[blocks[0].index]
    else:
        raise ValueError(f"unknown baseline aggregate '{aggregate}'")
    minutes = mean.index.to_numpy()
    t0 = pd.Timestamp(event_day).tz_localize(local.tz)
    mean.index = pd.DatetimeIndex(t0 + pd.to_timedelta(minutes, unit="min"), name="time")
    return mean, days


def adjustment_window(index: pd.DatetimeIndex, event_day: dt.date, start_h: float, adj) -> np.ndarray:
    """Steps of ``index`` in the day-of adjustment window ``[start − gap_h − window_h, start − gap_h)`` on the
    event day (a window reaching before midnight is cut at midnight; empty if it lies before the horizon)."""
    t0 = pd.Timestamp(event_day).tz_localize(index.tz)
    end = t0 + pd.Timedelta(hours=start_h - adj.gap_h)
    begin = max(t0, end - pd.Timedelta(hours=adj.window_h))
    return np.asarray((index >= begin) & (index < end))


def adjustment_factor(baseline_window_mw, actual_window_mw, cap: tuple[float, float]) -> tuple[float, float]:
    """Day-of adjustment factor (日内调整系数): ``k = Σ a / Σ B`` over the pre-event window, and ``k``
    clipped to ``cap = [k_min, k_max]``; returns ``(raw, capped)``. An empty window or ``Σ B <= 0`` gives 1."""
    b = float(np.sum(np.asarray(baseline_window_mw, dtype=float)))
    a = float(np.sum(np.asarray(actual_window_mw, dtype=float)))
    if len(np.atleast_1d(baseline_window_mw)) == 0 or b <= 1e-9:
        return 1.0, 1.0
    raw = a / b
    return raw, float(min(max(raw, cap[0]), cap[1]))


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
    data = model_data(sub, prof, capacity_mva)
    for pin in data.parks:  # a declared month so far is the horizon's, not the history's
        pin.peak_so_far_mw = {}
    dm = build_model(data)
    if strategy == "baseline":
        fix_baseline(dm)
    info = solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    res = extract(dm, info, strategy=strategy)
    return res.parks.pivot(index="time", columns="park", values="p_net_import_mw")[parks]
