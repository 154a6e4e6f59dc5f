"""Outdoor temperature and heat gains of the air-conditioning assets (profile builder ``outdoor_temperature``).

:func:`hvac_inputs` gives, per step of the run's index, the columns the air-conditioning block reads
(``vpp/assets/air_conditioning.py``): ``t_out_c`` [°C], ``q_gain_mw`` [MW thermal] and ``occupied`` (1/0).

Outdoor temperature
    * with the asset's ``weather:`` file (EPW, TMY3 or CSV, read and checked by
      :func:`vpp.measured.weather.read_weather`): the file's ``temp_air`` as step averages over the run's
      steps (interval means, :func:`vpp.measured.weather.average_onto`); a typical year is mapped onto the
      run's dates by month/day and clock as for PV (29 Feb takes 28 Feb), a real year must cover the run;
    * else the **synthetic Changsha profile** (site-wide: every asset of the scenario sees the same
      weather, keyed by the scenario seed and the date only, stream name :data:`STREAM`)::

          T_out(t) = b(t) + A · f(h) + σ · x(t)

      - ``b`` — daily mean: piecewise linear in time through one knot per month (at the month's middle,
        periodic over the year); the 12 knot values of each year are solved so that the mean of ``b``
        over every calendar month equals the month's mean temperature ``t_mean_c`` of
        :func:`vpp.domain.climate_monthly` (S_TMYX, Changsha TMYx 2007-2021: 5.7 °C in January,
        29.8 °C in July). No jump at month ends;
      - ``f`` — diurnal shape with minimum −1 at 05:00 and maximum +1 at 15:00 (ASSUMPTION L): half a
        cosine rising over 05-15 h, half a cosine falling over 15-29 h; its daily mean is 0. Amplitude
        ``A`` = :data:`DIURNAL_AMPLITUDE_K` = 4 K (ASSUMPTION L; Changsha July normals ≈ 34 °C mean
        maximum / 26.5 °C mean minimum, a range of ≈ 7.5 K), evaluated at the step midpoint ``h``;
      - ``x`` — day-to-day weather: a daily AR(1) anomaly with unit variance and lag-1 correlation
        ``ρ`` = :data:`DAY_RHO` = 0.7, scaled by ``σ`` = :data:`DAY_SIGMA_K` = 1.7 K (ASSUMPTION L),
        de-meaned over each calendar month (so the month keeps its mean; what remains has a
        day-to-day standard deviation of ≈ 1.5 K and a lag-1 correlation of ≈ 0.6), placed at noon of
        each day and interpolated linearly between noons (no jump at midnight).

      Date keying (a date has the same temperature alone, in a week or in a year): the innovation of
      date ``d`` is ``e_d`` = the first standard normal of ``rng_for(seed, STREAM, yyyymmdd(d))``; the
      anomaly of ``d`` is the AR(1) filter started stationary :data:`WARMUP_DAYS` days earlier::

          z_d = ρ^W · e_{d−W} + sqrt(1 − ρ²) · Σ_{j=0}^{W−1} ρ^j · e_{d−j}      (Var z_d = 1 exactly)
          x_d = z_d − mean of z over the calendar month of d

      Consecutive days have correlation ``ρ`` up to ``ρ^W`` (8e-4). Resulting extremes: July daily
      maxima ≈ 33.8 °C on average, ≈ 36.8 °C in a 2-σ hot spell (design 0.4 % dry bulb 36.5 °C).

Heat gains [MW thermal] (ASSUMPTION L, docs/air_conditioning.md)::

    q_gain = floor_area_m2 · 1e-6 · ( q_occ·occupied + q_unocc·(1 − occupied) + solar_gain_w_per_m2 · GHI / 1000 )

with ``GHI`` [W/m²] the global horizontal irradiance: the weather file's, or (synthetic) the Changsha
TMYx mean month × hour capacity factor of a 20°-tilted PV array divided by a performance ratio of 0.85
(``solar_climate_changsha.pv_cf_month_hour_tilt20_tmyx`` of the domain data, S_TMYX / S_PVLIB_CALC;
ASSUMPTION L for the ratio), interpolated periodically between hour midpoints.

Occupancy: a step is occupied when its local start hour lies in ``occupied_hours`` [start, end) of a
day that is occupied: a working day of the Chinese calendar (:mod:`vpp.calendar_cn`, make-up workdays
included, statutory holidays and the park's shutdown days excluded) for the ``working`` archetypes,
every day but the park's shutdown days for the ``all`` archetypes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from vpp.calendar_cn import is_working_day
from vpp.domain import climate_monthly, domain
from vpp.errors import DataError
from vpp.profiles import date_key, rng_for
from vpp.timeindex import TZ

STREAM = "outdoor_temperature"  # rng_for stream of the site's weather (not an asset: one weather per site)
DIURNAL_AMPLITUDE_K = 4.0
T_MIN_HOUR, T_MAX_HOUR = 5.0, 15.0
DAY_SIGMA_K = 1.7
DAY_RHO = 0.7
WARMUP_DAYS = 20
PV_PERFORMANCE_RATIO = 0.85  # tilt-20° PV capacity factor -> irradiance [kW/m²] (ASSUMPTION L)
_DAY_NS = 86_400_000_000_000


# ------------------------------------------------------------------------------------------ daily mean
@functools.lru_cache(maxsize=64)
def month_knots_c(year: int) -> tuple[np.ndarray, np.ndarray]:
    """Knot positions [days after 1 Jan of ``year``, periodic extension included] and values [°C] of
    the daily-mean curve ``b`` of ``year``: its mean over each month is that month's ``t_mean_c``."""
    t_mean = np.asarray(climate_monthly()["t_mean_c"], dtype=float)
    starts = np.array([(dt.date(year, m, 1) - dt.date(year, 1, 1)).days for m in range(1, 13)] +
                      [(dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days], dtype=float)
    n_year = starts[-1]
    mids = (starts[:-1] + starts[1:]) / 2.0
    xp = np.concatenate(([mids[-1] - n_year], mids, [mids[0] + n_year]))
    # the mean over month m of the interpolation of unit knot j: fine sampling (48 points a day)
    x = (np.arange(int(n_year) * 48) + 0.5) / 48.0
    month = np.searchsorted(starts, x, side="right") - 1
    w = np.zeros((12, 12))
    for j in range(12):
        unit = np.zeros(12)
        unit[j] = 1.0
        v = np.interp(x, xp, np.concatenate(([unit[-1]], unit, [unit[0]])))
        w[:, j] = np.bincount(month, weights=v, minlength=12) / np.bincount(month, minlength=12)
    k = np.linalg.solve(w, t_mean)
    return xp, np.concatenate(([k[-1]], k, [k[0]]))


def daily_mean_c(wall_ns: np.ndarray) -> np.ndarray:
    """``b`` at local wall-clock instants (ns since 1970-01-01, naive local time)."""
    out = np.empty(len(wall_ns))
    stamps = pd.DatetimeIndex(wall_ns)
    years = stamps.year.to_numpy()
    for y in np.unique(years):
        sel = years == y
        x = (wall_ns[sel] - pd.Timestamp(int(y), 1, 1).value) / _DAY_NS
        xp, fp = month_knots_c(int(y))
        out[sel] = np.interp(x, xp, fp)
    return out


# -------------------------------------------------------------------------------------- diurnal shape
def diurnal_shape(hour: np.ndarray) -> np.ndarray:
    """``f(h)``: −1 at 05:00, +1 at 15:00, half cosines in between (daily mean 0)."""
    h = np.mod(np.asarray(hour, dtype=float) - T_MIN_HOUR, 24.0)  # hours after the minimum
    rise = T_MAX_HOUR - T_MIN_HOUR
    return np.where(h < rise, -np.cos(np.pi * h / rise), np.cos(np.pi * (h - rise) / (24.0 - rise)))


# ------------------------------------------------------------------------------------ daily anomalies
def daily_anomaly(seed: int, days: Iterable[dt.date]) -> dict[dt.date, float]:
    """Unit-variance, month-de-meaned AR(1) anomaly ``x_d`` of each date (module docstring)."""
    months = sorted({(d.year, d.month) for d in days})
    one = dt.timedelta(days=1)
    innov: dict[dt.date, float] = {}

    def e(d: dt.date) -> float:
        v = innov.get(d)
        if v is None:
            v = innov[d] = float(rng_for(seed, STREAM, date_key(d)).standard_normal())
        return v

    rho, w = DAY_RHO, WARMUP_DAYS
    s = np.sqrt(1.0 - rho**2)
    weights = s * rho ** np.arange(w)
    out: dict[dt.date, float] = {}
    for y, m in months:
        first = dt.date(y, m, 1)
        last = dt.date(y + (m == 12), m % 12 + 1, 1) - one
        n = (last - first).days + 1
        e_all = np.array([e(first + (k - w) * one) for k in range(n + w)])  # e_{first-W} .. e_last
        z = np.array([rho**w * e_all[i] + weights @ e_all[i + w:i:-1] for i in range(n)])
        z -= z.mean()
        for i in range(n):
            out[first + i * one] = float(z[i])
    return out


def _wall_ns(index: pd.DatetimeIndex) -> np.ndarray:
    local = index.tz_convert(TZ) if index.tz is not None else index
    return (local.tz_localize(None) if local.tz is not None else local).asi8


def _step_h(index: pd.DatetimeIndex) -> float:
    return (index[1] - index[0]).total_seconds() / 3600.0 if len(index) > 1 else 1.0


def synthetic_temperature_c(index: pd.DatetimeIndex, seed: int) -> pd.Series:
    """Synthetic Changsha outdoor temperature [°C] per step (step-midpoint values; module docstring)."""
    if len(index) == 0:
        return pd.Series(np.zeros(0), index=index, name="t_out_c")
    mid = _wall_ns(index) + int(round(_step_h(index) * 3.6e12 / 2))
    hour = (mid % _DAY_NS) / 3.6e12
    # anomaly at noon of each day, linear between noons: day numbers around every midpoint
    pos = mid / _DAY_NS - 0.5  # days since epoch, measured from noon
    d0 = np.floor(pos).astype(np.int64)
    frac = pos - d0
    epoch = dt.date(1970, 1, 1)
    day_nos = np.unique(np.concatenate([d0, d0 + 1]))
    dates = [epoch + dt.timedelta(days=int(k)) for k in day_nos]
    an = daily_anomaly(seed, dates)
    a = np.array([an[d] for d in dates])
    at = np.searchsorted(day_nos, d0)
    x = (1.0 - frac) * a[at] + frac * a[at + 1]
    t = daily_mean_c(mid) + DIURNAL_AMPLITUDE_K * diurnal_shape(hour) + DAY_SIGMA_K * x
    return pd.Series(t, index=index, name="t_out_c")


# -------------------------------------------------------------------------------------- irradiance
@functools.lru_cache(maxsize=1)
def _cf_table() -> np.ndarray:
    data = domain()["solar_climate_changsha"]["pv_cf_month_hour_tilt20_tmyx"]["data"]
    return np.array([[float(v) for v in data[m]] for m in range(1, 13)])


def synthetic_ghi_w_per_m2(index: pd.DatetimeIndex) -> np.ndarray:
    """Mean global horizontal irradiance [W/m²] of the month and hour (module docstring)."""
    if len(index) == 0:
        return np.zeros(0)
    mid = _wall_ns(index) + int(round(_step_h(index) * 3.6e12 / 2))
    hour = (mid % _DAY_NS) / 3.6e12
    month = pd.DatetimeIndex(mid).month.to_numpy()
    cf = _cf_table()
    xp = np.concatenate(([-0.5], np.arange(24) + 0.5, [24.5]))
    out = np.empty(len(mid))
    for m in np.unique(month):
        sel = month == m
        row = cf[m - 1]
        out[sel] = np.interp(hour[sel], xp, np.concatenate(([row[-1]], row, [row[0]])))
    return out / PV_PERFORMANCE_RATIO * 1000.0


# ------------------------------------------------------------------------------------- weather file
def weather_temperature(spec, index: pd.DatetimeIndex, name: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Outdoor temperature [°C] and GHI [W/m²] of a weather file as step averages over ``index``, and
    the provenance line (typical year mapped by month/day and clock, or a real year covering the run)."""
    from vpp.measured.weather import average_onto, weather_for_run

    w, starts, step, meta, basis, idx = weather_for_run(spec, index)
    t = average_onto(starts, step, w["temp_air"].to_numpy(dtype=float), idx)
    ghi = np.clip(average_onto(starts, step, w["ghi"].to_numpy(dtype=float), idx), 0.0, None)
    note = (f"{name}: outdoor temperature and irradiance (solar gains) from weather file {meta['file']} "
            f"({meta['format'].upper()}, {basis})")
    return t, ghi, note


# ------------------------------------------------------------------------------------ occupancy, gains
def occupied_mask(asset, index: pd.DatetimeIndex, shutdown: Iterable[dt.date] = ()) -> np.ndarray:
    """1.0 for the steps whose local start hour is in the asset's occupied hours of an occupied day."""
    if len(index) == 0:
        return np.zeros(0)
    wall = _wall_ns(index)
    hour = (wall % _DAY_NS) / 3.6e12
    h0, h1 = asset.occupied_hours
    in_hours = (hour >= h0 - 1e-9) & (hour < h1 - 1e-9)
    day_no = wall // _DAY_NS
    uniq, pos = np.unique(day_no, return_inverse=True)
    epoch = dt.date(1970, 1, 1)
    sd = frozenset(shutdown)
    days = [epoch + dt.timedelta(days=int(k)) for k in uniq]
    if asset.occupied_days == "working":
        ok = np.array([is_working_day(d, sd) for d in days], dtype=bool)
    else:
        ok = np.array([d not in sd for d in days], dtype=bool)
    return (in_hours & ok[pos.reshape(-1)]).astype(float)


def hvac_inputs(asset, index: pd.DatetimeIndex, seed: int, shutdown: Iterable[dt.date] = ()
                ) -> tuple[pd.DataFrame, str | None]:
    """Per step: ``t_out_c`` [°C], ``q_gain_mw`` [MW thermal], ``occupied`` (1/0) of an air-conditioning
    asset, and the provenance line of a weather file (None for the synthetic profile)."""
    note = None
    if asset.weather is not None:
        t_out, ghi, note = weather_temperature(asset.weather, index, asset.name)
    else:
        t_out = synthetic_temperature_c(index, seed).to_numpy()
        ghi = synthetic_ghi_w_per_m2(index)
    occ = occupied_mask(asset, index, shutdown)
    w_per_m2 = (asset.q_occupied_w_per_m2 * occ + asset.q_unoccupied_w_per_m2 * (1.0 - occ)
                + asset.solar_gain_w_per_m2 * ghi / 1000.0)
    q_gain = asset.floor_area_m2 * 1e-6 * w_per_m2
    frame = pd.DataFrame({"t_out_c": np.asarray(t_out, dtype=float), "q_gain_mw": q_gain, "occupied": occ},
                         index=index)
    return frame, note


__all__ = ["hvac_inputs", "synthetic_temperature_c", "synthetic_ghi_w_per_m2", "weather_temperature",
           "occupied_mask", "daily_anomaly", "diurnal_shape", "month_knots_c"]
