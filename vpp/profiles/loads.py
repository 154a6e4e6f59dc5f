"""Archetype load profiles [MW] from the hourly per-unit shapes of the domain data (§6.2, ASSUMPTION L).

For a step beginning at local time ``t`` (fractional hour ``h``) of a day of month ``m``:

``p_mw(t) = max(0, p_peak_mw × s(h + Δ/2) × w(t) × f_m × (1 + ε_t))``

* ``s`` — the 24 hour-beginning shape values are taken as the averages of their hours and placed at the
  hour midpoints ``0.5, 1.5, …, 23.5``; ``s`` is the periodic (over midnight) linear interpolation
  between them, evaluated at the step midpoint ``h + Δ/2`` (``Δ`` = step length [h]). At 60 min the
  shape values are reproduced exactly, so 15-min and 60-min daily energies agree to well within 1 %.
* ``w`` — weekend factor on the non-working days of the Chinese calendar (:mod:`vpp.calendar_cn`):
  Saturdays and Sundays, statutory holidays (春节, 国庆 …, also on weekdays) and the park's own shutdown
  days (停产检修, ``parks[].shutdown_days``); 1 on working days, which include the make-up workdays (调休
  Saturdays and Sundays). Defaults by archetype below.
* ``f_m`` — seasonal factor (ASSUMPTION L): data centre ``PUE_m / 1.3`` with PUE 1.35 in Jun–Sep, 1.20 in
  Nov–Mar and 1.275 in Apr, May, Oct (design PUE 1.3, district plan); office ×1.10 in Jun–Sep (cooling) and
  ×1.05 in Dec–Feb (heating); other archetypes 1.
* ``ε`` — stationary AR(1) noise, standard deviation ``σ = noise_std_pu``, lag-1 autocorrelation
  ``ρ = 0.9`` per 15 min (``0.9^(Δ/0.25 h)`` at other resolutions), keyed by DATE (below).

Hence ``p_peak_mw`` is the peak of the noiseless weekday profile outside seasonal adjustment.

**Date-keyed AR(1) noise** (:func:`date_keyed_ar1`; the noise of a date does not depend on the run's
window, so a day alone, inside a week or inside a year has bit-identical numbers). With ``n`` steps per
day (``n = 24 h / Δ``) and ``s = sqrt(1 − ρ²)``, the innovations of date ``d`` are
``e_d = (e_d[0], …, e_d[n−1]) ~ N(0, 1)`` i.i.d., drawn from ``rng_for(seed, asset, yyyymmdd(d))``.
The noise of day ``d`` is the second half of the AR(1) filter run over the two days ``d−1, d``::

    z = (e_{d−1}[0], s·e_{d−1}[1], …, s·e_{d−1}[n−1], s·e_d[0], …, s·e_d[n−1])   (length 2n)
    x_0 = z_0,   x_k = ρ·x_{k−1} + z_k                                           (k = 1 … 2n−1)
    ε_d[j] = σ · x_{n+j}                                                          (j = 0 … n−1)

i.e. the process starts stationary (``x_0 ~ N(0, 1)``: the first innovation of the warm-up day serves
as the stationary start) at the beginning of day ``d−1`` and runs through day ``d``; every ``x_k`` is
``N(0, 1)`` and consecutive steps within a day have correlation exactly ``ρ``. Computed for all days at
once: ``scipy.signal.lfilter([1], [1, −ρ], Z, axis=1)`` on the ``(days × 2n)`` array ``Z``.

Across midnight the process is continuous up to ``ρ^n``: day ``d+1``'s values continue the warm-up path
of its own row over day ``d``, which differs from the realised ``ε_d`` by ``ρ^j·(x_n − e_d[0])`` at step
``j`` (``x_n`` of the row of ``d``, both terms of order one standard deviation). At the last step of the
day (``j = n−1``) the factor is ``ρ^(n−1)``: 4.4e-5 at 15 min, 6.3e-5 at 60 min (``ρ^n = 0.9^96 ≈ 4e-5``
at every resolution, since ``ρ`` scales with the step), so the jump at midnight is that of a continuous
AR(1) path up to ~1e-4 σ. A date's numbers are the same whatever the window; they change with the
resolution (``n`` innovations per day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from vpp.calendar_cn import is_working_day
from vpp.domain import load_shape
from vpp.profiles import date_key, rng_for
from vpp.timeindex import TZ

# Non-working-day (Saturday/Sunday, statutory holiday, park shutdown) multipliers (ASSUMPTION L: offices
# mostly closed, two-shift plants reduced, continuous processes unchanged, public charging and buses
# slightly lower at weekends).
WEEKEND_FACTOR: dict[str, float] = {
    "office_public_weekday": 0.45,
    "auto_parts_2shift": 0.75,
    "data_centre": 1.0,
    "cold_chain_logistics": 0.95,
    "ecommerce_logistics": 1.0,
    "public_ev_charging": 0.9,
    "bus_depot": 0.9,
}

# Seasonal multipliers per month Jan…Dec (ASSUMPTION L, see module docstring).
_PUE = np.array([1.20, 1.20, 1.20, 1.275, 1.275, 1.35, 1.35, 1.35, 1.35, 1.275, 1.20, 1.20])
SEASONAL_FACTOR: dict[str, np.ndarray] = {
    "data_centre": _PUE / 1.3,
    "office_public_weekday": np.array([1.05, 1.05, 1.0, 1.0, 1.0, 1.10, 1.10, 1.10, 1.10, 1.0, 1.0, 1.05]),
}

AR_RHO_15MIN = 0.9


def shape_at(archetype: str, hour: np.ndarray) -> np.ndarray:
    """Per-unit shape at fractional local hours ``hour`` (periodic linear interpolation, see module doc)."""
    s = load_shape(archetype)
    xp = np.concatenate(([-0.5], np.arange(24) + 0.5, [24.5]))
    fp = np.concatenate(([s[-1]], s, [s[0]]))
    return np.interp(np.mod(hour, 24.0), xp, fp)


def date_keyed_ar1(seed: int, name: str, dates: Sequence[dt.date], n: int, rho: float) -> np.ndarray:
    """Unit-variance AR(1) noise ``(len(dates) × n)`` of the given dates, keyed by date (module docstring).

    Row ``i`` depends only on ``(seed, name, dates[i], n, rho)``: the innovations of ``dates[i] − 1`` and
    ``dates[i]``, each drawn once from ``rng_for(seed, name, yyyymmdd)``.
    """
    m = len(dates)
    if m == 0 or n == 0:
        return np.zeros((m, n))
    from scipy.signal import lfilter  # imported where used (scipy.signal is a heavy import)

    one = dt.timedelta(days=1)
    days = [d.date() if isinstance(d, dt.datetime) else d for d in dates]
    need = sorted(set(days) | {d - one for d in days})
    pos = {d: i for i, d in enumerate(need)}
    e = np.stack([rng_for(seed, name, date_key(d)).standard_normal(n) for d in need])
    prev = e[[pos[d - one] for d in days]]
    z = np.concatenate([prev, e[[pos[d] for d in days]]], axis=1) * np.sqrt(1.0 - rho**2)
    z[:, 0] = prev[:, 0]  # stationary start of the warm-up day
    return lfilter([1.0], [1.0, -rho], z, axis=1)[:, n:]


_DAY_NS = 86_400_000_000_000


def day_steps(index: pd.DatetimeIndex, dt_h: float) -> tuple[list[dt.date], np.ndarray, np.ndarray, int]:
    """Local dates of an index, and per step its date's position, its step of the day and ``n`` steps/day.

    The step of the day comes from the local wall clock (``⌊seconds after midnight / Δ⌋``), so it does
    not depend on where the index starts. Integer arithmetic on the wall-clock nanoseconds (fast).
    """
    local = index.tz_convert(TZ) if index.tz is not None else index
    wall = (local.tz_localize(None) if local.tz is not None else local).asi8
    day_no = wall // _DAY_NS  # days since 1970-01-01 (local)
    uniq, day_pos = np.unique(day_no, return_inverse=True)
    step_ns = max(int(round(dt_h * 3600.0)), 1) * 1_000_000_000
    n = int(-(-_DAY_NS // step_ns))
    step = np.minimum((wall - day_no * _DAY_NS) // step_ns, n - 1)
    epoch = dt.date(1970, 1, 1)
    return [epoch + dt.timedelta(days=int(k)) for k in uniq], day_pos.reshape(-1), step, n


def date_keyed_noise(index: pd.DatetimeIndex, dt_h: float, seed: int, name: str, rho: float,
                     steps: tuple | None = None) -> np.ndarray:
    """Unit-variance date-keyed AR(1) noise per step of ``index`` (:func:`date_keyed_ar1`).

    ``steps``: :func:`day_steps` of the index when already computed.
    """
    if len(index) == 0:
        return np.zeros(0)
    dates, day_pos, step, n = steps if steps is not None else day_steps(index, dt_h)
    return date_keyed_ar1(seed, name, dates, n, rho)[day_pos, step]


def load_mw(
    archetype: str,
    p_peak_mw: float,
    index: pd.DatetimeIndex,
    seed: int,
    name: str,
    noise_std_pu: float = 0.03,
    weekend_factor: float | None = None,
    shutdown: Iterable[dt.date] = (),
    seasonal: bool = True,
) -> pd.Series:
    """Consumption [MW] ≥ 0 of an archetype load per step of a local-time interval-beginning index.

    ``seed``, ``name``: the scenario seed and the asset name that key the noise (module docstring);
    ``weekend_factor`` applies on non-working days (weekends, statutory holidays, ``shutdown`` days);
    ``seasonal=False`` leaves out the seasonal factor ``f_m`` (the IT load of a ``data_centre`` asset,
    whose cooling is modelled from the outdoor temperature instead).
    """
    n = len(index)
    if n == 0:
        return pd.Series(np.zeros(0), index=index, name=archetype)
    dt_h = (index[1] - index[0]).total_seconds() / 3600.0 if n > 1 else 1.0
    steps = day_steps(index, dt_h)
    dates, day_pos, _, _ = steps
    local = index.tz_convert(TZ) if index.tz is not None else index
    wall = (local.tz_localize(None) if local.tz is not None else local).asi8
    minute = (wall % _DAY_NS) // 60_000_000_000
    hour = (minute // 60 + (minute % 60) / 60.0) + dt_h / 2.0
    p = p_peak_mw * shape_at(archetype, hour)

    w = WEEKEND_FACTOR.get(archetype, 1.0) if weekend_factor is None else float(weekend_factor)
    sd = frozenset(shutdown)
    working = np.array([is_working_day(d, sd) for d in dates], dtype=bool)[day_pos]
    p = np.where(working, p, p * w)
    if seasonal and archetype in SEASONAL_FACTOR:
        month = np.array([d.month for d in dates])[day_pos]
        p = p * SEASONAL_FACTOR[archetype][month - 1]

    std = float(noise_std_pu)
    if std != 0.0:
        rho = AR_RHO_15MIN ** (dt_h / 0.25)
        p = p * (1.0 + std * date_keyed_noise(index, dt_h, seed, name, rho, steps))
    return pd.Series(np.clip(p, 0.0, None), index=index, name=archetype)
