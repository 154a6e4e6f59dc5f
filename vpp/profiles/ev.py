"""EV charging sessions: explicit (from the scenario) or generated (seeded) per charging profile.

A session is a vehicle plugged into one charger from ``arrival`` to ``departure`` that needs ``e_mwh``
at a power of at most ``p_max_mw``. Times are tz-aware local timestamps aligned to the step grid of the
index (arrival rounded *up*, departure rounded *down* to a step boundary), so a session occupies the
whole steps ``[arrival, departure)``.

Generation (ASSUMPTIONS, confidence L), for every local day of the index and the two days before it,
each ARRIVAL DATE ``d`` from its own generator ``rng_for(seed, asset, yyyymmdd(d))`` (count, then
arrival and dwell, then energy), so the sessions of a date do not depend on the run's window:

* number of sessions per day ``N ~ Poisson(n_chargers × sessions_per_charger_per_day)``;
* arrival hour ``a`` and dwell ``d`` [h] by ``profile``:

  - ``workplace``: ``a ~ N(8.5, 1)``, ``d ~ N(8.5, 1)`` (clipped to ``d >= 0.5``);
  - ``public``: ``a`` follows the ``public_ev_charging`` hourly shape (domain §6.2; uniform within the
    hour), ``d ~ LogNormal(median 1.5 h, σ_ln 0.5)`` clipped to [0.5, 4] h;
  - ``bus_depot``: 80 % overnight, ``a ~ U(21, 24)``, departure ``U(5, 6)`` h next day; 20 % midday
    top-up, ``a ~ U(11.5, 12)``, departure 14:00;
  - ``logistics_fleet``: ``a ~ U(18, 22)``, ``d ~ U(6, 10)``;

  the dwell is capped at ``D_max = 20 h`` (practically never binding: workplace dwells are N(8.5, 1) h,
  the others at most 10 h); it bounds how far a session reaches: an arrival by 24:00 of ``d`` departs by
  20:00 of ``d+1``;
* energy ``e ~ U(e_session_min_mwh, e_session_max_mwh)`` capped at ``0.95 × p_max × dwell`` (aligned),
  so every generated session is feasible; ``p_max`` = the charger power;
* **loss rule** (who finds the site full). Generated sessions are ordered by (arrival, departure,
  arrival date, draw number) — all window-independent. Session ``i`` is dropped (the driver leaves)
  when at its arrival ``a_i`` at least ``n_chargers`` EARLIER generated sessions, accepted or not, are
  still plugged in: ``#{j < i : dep_j > a_i} >= n_chargers``. Since dwells are below ``D_max``, only
  sessions that arrived on ``d−1`` or ``d`` can count for a session of date ``d``, and those are
  generated from two days before the window, so the decision on every session that can overlap the
  window is the same in every window. The accepted sessions never exceed ``n_chargers`` at once (at any
  instant, the last accepted arrival among those plugged in saw all the others, so they are at most
  ``n_chargers − 1``). Chargers are then numbered greedily (earliest-free charger) over the accepted
  sessions, which always finds a free one; the charger numbers may differ between windows, the
  sessions' arrival, departure and energy do not.

  This is an approximation of the Erlang loss system (M/G/c/c, first-free assignment) that keeps counting
  the drivers who found the site full as if they were plugged in: an arrival sees the earlier drivers of
  an infinite-server (M/G/∞) system, so it is dropped with probability ``P(Poisson(A_t) >= c)`` instead
  of the Erlang B probability ``B(c, A_t)`` (``A_t`` = expected number of earlier sessions present at the
  arrival, ``c`` = n_chargers). On the same draws, every session the first-free assignment drops is
  dropped here too, so the drop rate can only be higher; the two differ only when a later driver finds
  a charger free in the loss system (an accepted session has left) while a driver who was turned away
  earlier would still be plugged in (mixed dwells under load). For the shipped assets, on
  the same draws of the year 2025, the drop rates are equal (workplace 7–12 %, bus depot 6–15 %,
  logistics fleets 15–34 %: one evening or morning batch per day that all overlap, the previous day's
  batch gone) except the busiest public site (40 sessions/day on 10 chargers: 0.10 % instead of 0.06 %).

Opt-in draw (``participation_share < 1`` only): every session gets a uniform number ``optin_u`` in
[0, 1); it takes part in managed charging when ``optin_u < participation_share``
(:mod:`vpp.assets.ev_charging`). Generated sessions: the ``i``-th session drawn for arrival date ``d``
takes the ``i``-th number of ``rng_for(seed, asset + ':optin', yyyymmdd(d))``; listed sessions: the
``k``-th listed session the ``k``-th number of ``rng_for(seed, asset + ':optin')``. Both are fixed by the
session, not by the run's window, and the participants of a smaller share are among those of a larger one.

Horizon edges: a session that arrived before the first step but departs after it is kept with its
arrival clipped to the first step and its energy scaled by the remaining fraction of its dwell
(also for explicit sessions). Sessions departing after the horizon end keep their real departure.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from scenarios.schema import EVCharging
from vpp.domain import load_shape
from vpp.profiles import date_key, rng_for
from vpp.measured.sessions_grid import COLUMNS
from vpp.measured.sessions_grid import align as _align
from vpp.measured.sessions_grid import assign_chargers as _assign_chargers
from vpp.measured.sessions_grid import clip_to_horizon as _clip_to_horizon
from vpp.measured.sessions_grid import empty_sessions as _empty
from vpp.measured.sessions_grid import grid as _grid
from vpp.timeindex import TZ

E_FEASIBLE_FRACTION = 0.95
BUS_OVERNIGHT_SHARE = 0.8
MAX_DWELL_H = 20.0  # cap of a generated dwell: only the previous day's sessions can overlap a day
WARMUP_DAYS = 2  # generated days before the window: every session the loss rule needs
OPTIN = ":optin"  # stream name suffix of the opt-in draws (participation_share)


def _localise(t) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_localize(TZ) if ts.tzinfo is None else ts.tz_convert(TZ)


def _sample_arrival_dwell(ev: EVCharging, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Arrival hour after local midnight and dwell [h] of ``n`` sessions (see module docstring)."""
    if ev.profile == "workplace":
        a = rng.normal(8.5, 1.0, n)
        d = np.maximum(rng.normal(8.5, 1.0, n), 0.5)
    elif ev.profile == "public":
        shape = load_shape("public_ev_charging")
        a = rng.choice(24, size=n, p=shape / shape.sum()) + rng.uniform(size=n)
        d = np.clip(rng.lognormal(np.log(1.5), 0.5, n), 0.5, 4.0)
    elif ev.profile == "bus_depot":
        night = rng.uniform(size=n) < BUS_OVERNIGHT_SHARE
        a = np.where(night, rng.uniform(21.0, 24.0, n), rng.uniform(11.5, 12.0, n))
        dep = np.where(night, 24.0 + rng.uniform(5.0, 6.0, n), 14.0)
        d = dep - a
    elif ev.profile == "logistics_fleet":
        a = rng.uniform(18.0, 22.0, n)
        d = rng.uniform(6.0, 10.0, n)
    else:  # pragma: no cover - schema restricts the values
        raise ValueError(f"unknown EV profile '{ev.profile}'")
    return np.clip(a, 0.0, 24.0 - 1e-9), d


def _explicit(ev: EVCharging, index: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    t0, step, t_end = _grid(index)
    arr = pd.DatetimeIndex([_localise(s.arrival) for s in ev.sessions])
    dep = pd.DatetimeIndex([_localise(s.departure) for s in ev.sessions])
    t0n, stepn = t0.value, step.value
    arr_a = _align(arr.asi8, t0n, stepn, up=True)
    dep_a = np.maximum(_align(dep.asi8, t0n, stepn, up=False), arr_a)
    p_max = np.array([min(s.p_max_mw or ev.p_charger_mw, ev.p_charger_mw) for s in ev.sessions])
    df = pd.DataFrame(
        {
            "session": [f"{ev.name}_s{k}" for k in range(len(ev.sessions))],
            "arrival": pd.to_datetime(arr_a, utc=True).tz_convert(TZ),
            "departure": pd.to_datetime(dep_a, utc=True).tz_convert(TZ),
            "e_mwh": [float(s.e_mwh) for s in ev.sessions],
            "p_max_mw": p_max,
        }
    )
    if ev.participation_share < 1.0:
        df["optin_u"] = rng_for(seed, ev.name + OPTIN).uniform(size=len(df))
    df = df.sort_values(["arrival", "departure"], kind="stable")
    df["charger"] = _assign_chargers(df["arrival"].array.asi8, df["departure"].array.asi8, ev.n_chargers)
    n_all = len(df)
    df = _clip_to_horizon(df, t0, t_end)
    if len(df) < n_all:  # said once, not silently: a list of sessions longer than the run is normal
        logging.getLogger("vpp.profiles").warning(
            f"EV asset '{ev.name}': {n_all - len(df)} of {n_all} explicit session(s) lie outside the horizon "
            f"{t0:%Y-%m-%d %H:%M} – {t_end:%Y-%m-%d %H:%M} and are left out")
    return df[_columns(ev)].reset_index(drop=True)


def _columns(ev: EVCharging) -> list[str]:
    """Columns of a sessions table: :data:`COLUMNS`, and ``optin_u`` when not every driver opted in."""
    return COLUMNS + ["optin_u"] if ev.participation_share < 1.0 else COLUMNS


def _day_sessions(ev: EVCharging, day: pd.Timestamp, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrival hour, dwell [h] and energy [MWh] of the sessions arriving on one local date (own stream)."""
    rng = rng_for(seed, ev.name, date_key(day))
    n = int(rng.poisson(ev.n_chargers * ev.sessions_per_charger_per_day))
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    a_h, d_h = _sample_arrival_dwell(ev, n, rng)
    e = rng.uniform(ev.e_session_min_mwh, ev.e_session_max_mwh, n)
    return a_h, np.minimum(d_h, MAX_DWELL_H), e


def loss_rule(arr_ns: np.ndarray, dep_ns: np.ndarray, n_chargers: int) -> np.ndarray:
    """True for each session (sorted by arrival, positive dwell) that is accepted by the loss rule.

    Session ``i`` is dropped when ``#{j < i : dep_j > arr_i} >= n_chargers`` (module docstring). Because
    ``dep_j > arr_j``, every ``j`` with ``dep_j <= arr_i`` arrived before ``i``, so the count is
    ``i − #{j : dep_j <= arr_i}`` (a sorted search, ``O(n log n)``).
    """
    gone = np.searchsorted(np.sort(dep_ns), arr_ns, side="right")
    return np.arange(len(arr_ns)) - gone < n_chargers


def _generated(ev: EVCharging, index: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    t0, step, t_end = _grid(index)
    local = index.tz_convert(TZ)
    first = local[0].normalize() - pd.Timedelta(days=WARMUP_DAYS)
    last = (local[-1]).normalize()
    days = pd.date_range(first, last, freq="D")
    draws = [_day_sessions(ev, d, seed) for d in days]
    optin = ev.participation_share < 1.0
    counts = np.array([len(a) for a, _, _ in draws], dtype=int)
    n = int(counts.sum())
    if n == 0:
        return _empty()
    a_h = np.concatenate([x[0] for x in draws])
    d_h = np.concatenate([x[1] for x in draws])
    e = np.concatenate([x[2] for x in draws])
    day_ns = np.repeat(days.asi8, counts)
    day_no = np.repeat(np.arange(len(days)), counts)  # arrival date (order key; same order in every window)
    draw_no = np.concatenate([np.arange(c) for c in counts])
    # opt-in numbers: their own stream per arrival date, the i-th for the date's i-th draw
    u = (np.concatenate([rng_for(seed, ev.name + OPTIN, date_key(d)).uniform(size=c) for d, c in zip(days, counts)])
         if optin else np.zeros(n))

    hour_ns = 3_600_000_000_000
    arr_ns = day_ns + np.round(a_h * hour_ns).astype(np.int64)
    dep_ns = arr_ns + np.round(d_h * hour_ns).astype(np.int64)
    arr_a = _align(arr_ns, t0.value, step.value, up=True)
    dep_a = _align(dep_ns, t0.value, step.value, up=False)
    ok = dep_a > arr_a  # at least one whole step plugged in
    arr_a, dep_a, e, day_no, draw_no, u = arr_a[ok], dep_a[ok], e[ok], day_no[ok], draw_no[ok], u[ok]
    order = np.lexsort((draw_no, day_no, dep_a, arr_a))
    arr_a, dep_a, e, u = arr_a[order], dep_a[order], e[order], u[order]

    p = float(ev.p_charger_mw)
    dwell_h = (dep_a - arr_a) / hour_ns
    e = np.minimum(e, E_FEASIBLE_FRACTION * p * dwell_h)
    got = loss_rule(arr_a, dep_a, ev.n_chargers)
    arr_a, dep_a, e, u = arr_a[got], dep_a[got], e[got], u[got]
    keep = dep_a > t0.value  # the warm-up days' sessions that ended before the window
    arr_a, dep_a, e, u = arr_a[keep], dep_a[keep], e[keep], u[keep]
    charger = _assign_chargers(arr_a, dep_a, ev.n_chargers)
    assert (charger >= 0).all(), "loss rule admitted more sessions than chargers"  # see loss_rule
    df = pd.DataFrame(
        {
            "charger": charger,
            "arrival": pd.to_datetime(arr_a, utc=True).tz_convert(TZ),
            "departure": pd.to_datetime(dep_a, utc=True).tz_convert(TZ),
            "e_mwh": e,
            "p_max_mw": p,
            "optin_u": u,
        }
    )
    df = _clip_to_horizon(df, t0, t_end).reset_index(drop=True)
    df["session"] = [f"{ev.name}_s{k}" for k in range(len(df))]
    return df[_columns(ev)]


def ev_sessions(ev: EVCharging, index: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    """Sessions of an EV charging asset overlapping the index (see module docstring).

    ``seed``: the scenario seed; generated sessions are keyed by it, the asset name and the arrival date.

    Columns: ``session`` (``<asset>_s<k>``; for explicit sessions ``k`` is the position in the
    scenario's list), ``charger`` (0…n_chargers−1, −1 for an explicit session that finds no free
    charger), ``arrival``/``departure`` (tz-aware, on the step grid), ``e_mwh`` [MWh], ``p_max_mw`` [MW];
    ``optin_u`` (the opt-in draw, module docstring) when ``participation_share < 1``.
    """
    if ev.sessions is not None:
        if not ev.sessions:
            return _empty()
        return _explicit(ev, index, seed)
    return _generated(ev, index, seed)


def check_sessions(ev: EVCharging, sessions: pd.DataFrame, dt_h: float) -> list[str]:
    """Problems of (explicit) sessions, one readable line each; empty when all can be served.

    * energy above ``p_max_mw × dwell`` (dwell on the step grid of ``dt_h`` hours);
    * more sessions plugged in at once than the asset has chargers.
    """
    problems: list[str] = []
    if sessions.empty:
        return problems
    dwell_h = (sessions["departure"] - sessions["arrival"]).dt.total_seconds().to_numpy() / 3600.0
    e_max = sessions["p_max_mw"].to_numpy() * dwell_h
    e = sessions["e_mwh"].to_numpy()
    res = f"{int(round(dt_h * 60))}-min"
    for i in np.flatnonzero(e > e_max * (1 + 1e-9) + 1e-12):
        sid = sessions["session"].iloc[i]
        k = sid.rsplit("_s", 1)[-1]
        problems.append(
            f"EV asset '{ev.name}': session {k} needs {e[i]:.3f} MWh but at most {e_max[i]:.3f} MWh can be "
            f"delivered ({sessions['p_max_mw'].iloc[i]:.3f} MW × {dwell_h[i]:.2f} h plugged in on the {res} grid "
            f"from {sessions['arrival'].iloc[i]:%Y-%m-%d %H:%M} to {sessions['departure'].iloc[i]:%Y-%m-%d %H:%M})"
        )
    # simultaneous sessions: sweep over arrival (+1) and departure (−1) events; departures first on ties
    t = np.concatenate([sessions["arrival"].array.asi8, sessions["departure"].array.asi8])
    d = np.concatenate([np.ones(len(sessions), int), -np.ones(len(sessions), int)])
    order = np.lexsort((d, t))
    occ = np.cumsum(d[order])
    j = int(np.argmax(occ))
    if occ[j] > ev.n_chargers:
        when = pd.Timestamp(t[order][j], tz="UTC").tz_convert(TZ)
        problems.append(
            f"EV asset '{ev.name}': {int(occ[j])} sessions are plugged in at once at {when:%Y-%m-%d %H:%M} "
            f"but the asset has only {ev.n_chargers} charger(s)"
        )
    return problems
