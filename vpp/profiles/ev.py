"""EV charging sessions: explicit (from the scenario) or generated (seeded) per charging profile.

A session is a vehicle plugged into one charger from ``arrival`` to ``departure`` that needs ``e_mwh``
at a power of at most ``p_max_mw``. Times are tz-aware local timestamps aligned to the step grid of the
index (arrival rounded *up*, departure rounded *down* to a step boundary), so a session occupies the
whole steps ``[arrival, departure)``.

Generation (ASSUMPTIONS, confidence L), for every local day of the index and the day before it:

* number of sessions per day ``N ~ Poisson(n_chargers × sessions_per_charger_per_day)``;
* arrival hour ``a`` and dwell ``d`` [h] by ``profile``:

  - ``workplace``: ``a ~ N(8.5, 1)``, ``d ~ N(8.5, 1)`` (clipped to ``d >= 0.5``);
  - ``public``: ``a`` follows the ``public_ev_charging`` hourly shape (domain §6.2; uniform within the
    hour), ``d ~ LogNormal(median 1.5 h, σ_ln 0.5)`` clipped to [0.5, 4] h;
  - ``bus_depot``: 80 % overnight, ``a ~ U(21, 24)``, departure ``U(5, 6)`` h next day; 20 % midday
    top-up, ``a ~ U(11.5, 12)``, departure 14:00;
  - ``logistics_fleet``: ``a ~ U(18, 22)``, ``d ~ U(6, 10)``;

* energy ``e ~ U(e_session_min_mwh, e_session_max_mwh)`` capped at ``0.95 × p_max × dwell`` (aligned),
  so every generated session is feasible; ``p_max`` = the charger power;
* sessions are assigned in order of arrival to a free charger (never two overlapping sessions on one
  charger); a session that finds all chargers busy is dropped (the driver leaves).

Horizon edges: a session that arrived before the first step but departs after it is kept with its
arrival clipped to the first step and its energy scaled by the remaining fraction of its dwell
(also for explicit sessions). Sessions departing after the horizon end keep their real departure.
"""

from __future__ import annotations

import heapq
import logging

import numpy as np
import pandas as pd

from scenarios.schema import EVCharging
from vpp.domain import load_shape
from vpp.timeindex import TZ

COLUMNS = ["session", "charger", "arrival", "departure", "e_mwh", "p_max_mw"]
E_FEASIBLE_FRACTION = 0.95
BUS_OVERNIGHT_SHARE = 0.8


def _grid(index: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timedelta, pd.Timestamp]:
    """First label, step length and end (exclusive) of a regular tz-aware index."""
    step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(minutes=15)
    return index[0], step, index[-1] + step


def _align(times_ns: np.ndarray, t0_ns: int, step_ns: int, up: bool) -> np.ndarray:
    """Round int64 epoch-ns times up (``up``) or down to the step grid anchored at ``t0_ns``."""
    rel = times_ns - t0_ns
    k = -(-rel // step_ns) if up else rel // step_ns
    return t0_ns + k * step_ns


def _localise(t) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_localize(TZ) if ts.tzinfo is None else ts.tz_convert(TZ)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "session": pd.Series(dtype=str),
            "charger": pd.Series(dtype=int),
            "arrival": pd.Series(dtype=f"datetime64[ns, {TZ}]"),
            "departure": pd.Series(dtype=f"datetime64[ns, {TZ}]"),
            "e_mwh": pd.Series(dtype=float),
            "p_max_mw": pd.Series(dtype=float),
        }
    )


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


def _assign_chargers(arr_ns: np.ndarray, dep_ns: np.ndarray, n_chargers: int) -> np.ndarray:
    """Charger number per session (sessions sorted by arrival), −1 when every charger is busy.

    Greedy: the charger that became free earliest is used if it is free at the arrival.
    One Python iteration per *session* (not per step), ``O(n log c)``.
    """
    free = [(np.iinfo(np.int64).min, c) for c in range(n_chargers)]
    heapq.heapify(free)
    out = np.full(len(arr_ns), -1, dtype=int)
    for i in range(len(arr_ns)):
        t_free, c = free[0]
        if t_free <= arr_ns[i]:
            out[i] = c
            heapq.heapreplace(free, (int(dep_ns[i]), c))
    return out


def _clip_to_horizon(df: pd.DataFrame, t0: pd.Timestamp, t_end: pd.Timestamp) -> pd.DataFrame:
    """Keep sessions overlapping ``[t0, t_end)``; clip early arrivals to ``t0`` scaling their energy."""
    keep = (df["departure"] > t0) & (df["arrival"] < t_end)
    df = df.loc[keep].copy()
    early = df["arrival"] < t0
    if early.any():
        full = (df.loc[early, "departure"] - df.loc[early, "arrival"]).dt.total_seconds()
        rest = (df.loc[early, "departure"] - t0).dt.total_seconds()
        df.loc[early, "e_mwh"] = df.loc[early, "e_mwh"] * (rest / full)
        df.loc[early, "arrival"] = t0
    return df


def _explicit(ev: EVCharging, index: pd.DatetimeIndex) -> pd.DataFrame:
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
    df = df.sort_values(["arrival", "departure"], kind="stable")
    df["charger"] = _assign_chargers(df["arrival"].array.asi8, df["departure"].array.asi8, ev.n_chargers)
    n_all = len(df)
    df = _clip_to_horizon(df, t0, t_end)
    if len(df) < n_all:  # said once, not silently: a list of sessions longer than the run is normal
        logging.getLogger("vpp.profiles").warning(
            f"EV asset '{ev.name}': {n_all - len(df)} of {n_all} explicit session(s) lie outside the horizon "
            f"{t0:%Y-%m-%d %H:%M} – {t_end:%Y-%m-%d %H:%M} and are left out")
    return df[COLUMNS].reset_index(drop=True)


def _generated(ev: EVCharging, index: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    t0, step, t_end = _grid(index)
    local = index.tz_convert(TZ)
    first = local[0].normalize() - pd.Timedelta(days=1)
    last = (local[-1]).normalize()
    days = pd.date_range(first, last, freq="D")
    lam = ev.n_chargers * ev.sessions_per_charger_per_day
    counts = rng.poisson(lam, len(days))
    n = int(counts.sum())
    if n == 0:
        return _empty()
    day_ns = np.repeat(days.asi8, counts)
    a_h, d_h = _sample_arrival_dwell(ev, n, rng)
    e = rng.uniform(ev.e_session_min_mwh, ev.e_session_max_mwh, n)

    hour_ns = 3_600_000_000_000
    arr_ns = day_ns + np.round(a_h * hour_ns).astype(np.int64)
    dep_ns = arr_ns + np.round(d_h * hour_ns).astype(np.int64)
    arr_a = _align(arr_ns, t0.value, step.value, up=True)
    dep_a = _align(dep_ns, t0.value, step.value, up=False)
    ok = dep_a > arr_a  # at least one whole step plugged in
    arr_a, dep_a, e = arr_a[ok], dep_a[ok], e[ok]
    order = np.lexsort((dep_a, arr_a))
    arr_a, dep_a, e = arr_a[order], dep_a[order], e[order]

    p = float(ev.p_charger_mw)
    dwell_h = (dep_a - arr_a) / hour_ns
    e = np.minimum(e, E_FEASIBLE_FRACTION * p * dwell_h)
    charger = _assign_chargers(arr_a, dep_a, ev.n_chargers)
    got = charger >= 0
    df = pd.DataFrame(
        {
            "charger": charger[got],
            "arrival": pd.to_datetime(arr_a[got], utc=True).tz_convert(TZ),
            "departure": pd.to_datetime(dep_a[got], utc=True).tz_convert(TZ),
            "e_mwh": e[got],
            "p_max_mw": p,
        }
    )
    df = _clip_to_horizon(df, t0, t_end).reset_index(drop=True)
    df["session"] = [f"{ev.name}_s{k}" for k in range(len(df))]
    return df[COLUMNS]


def ev_sessions(ev: EVCharging, index: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    """Sessions of an EV charging asset overlapping the index (see module docstring).

    Columns: ``session`` (``<asset>_s<k>``; for explicit sessions ``k`` is the position in the
    scenario's list), ``charger`` (0…n_chargers−1, −1 for an explicit session that finds no free
    charger), ``arrival``/``departure`` (tz-aware, on the step grid), ``e_mwh`` [MWh], ``p_max_mw`` [MW].
    """
    if ev.sessions is not None:
        if not ev.sessions:
            return _empty()
        return _explicit(ev, index)
    return _generated(ev, index, rng)


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
