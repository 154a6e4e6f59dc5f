"""Archetype load profiles [MW] from the hourly per-unit shapes of the domain data (§6.2, ASSUMPTION L).

For a step beginning at local time ``t`` (fractional hour ``h``) of a day of month ``m``:

``p_mw(t) = max(0, p_peak_mw × s(h + Δ/2) × w(t) × f_m × (1 + ε_t))``

* ``s`` — the 24 hour-beginning shape values are taken as the averages of their hours and placed at the
  hour midpoints ``0.5, 1.5, …, 23.5``; ``s`` is the periodic (over midnight) linear interpolation
  between them, evaluated at the step midpoint ``h + Δ/2`` (``Δ`` = step length [h]). At 60 min the
  shape values are reproduced exactly, so 15-min and 60-min daily energies agree to well within 1 %.
* ``w`` — weekend factor on Saturday and Sunday (1 on weekdays); defaults by archetype below.
  Public holidays are not modelled.
* ``f_m`` — seasonal factor (ASSUMPTION L): data centre ``PUE_m / 1.3`` with PUE 1.35 in Jun–Sep, 1.20 in
  Nov–Mar and 1.275 in Apr, May, Oct (design PUE 1.3, district plan); office ×1.10 in Jun–Sep (cooling) and
  ×1.05 in Dec–Feb (heating); other archetypes 1.
* ``ε`` — stationary AR(1) noise, standard deviation ``noise_std_pu``, lag-1 autocorrelation 0.9 per 15 min
  (``0.9^(Δ/0.25 h)`` at other resolutions).

Hence ``p_peak_mw`` is the peak of the noiseless weekday profile outside seasonal adjustment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vpp.domain import load_shape
from vpp.timeindex import TZ

# Saturday/Sunday multipliers (ASSUMPTION L: offices mostly closed, two-shift plants reduced,
# continuous processes unchanged, public charging and buses slightly lower at weekends).
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


def ar1_noise(rng: np.random.Generator, n: int, rho: float, std: float) -> np.ndarray:
    """Stationary AR(1) series of length ``n``: ``x_t = ρ x_{t−1} + sqrt(1−ρ²) σ η_t``, ``x_0 ~ N(0, σ²)``."""
    if n == 0 or std == 0:
        return np.zeros(n)
    from scipy.signal import lfilter  # imported where used (scipy.signal is a heavy import)

    eta = rng.standard_normal(n) * np.sqrt(1.0 - rho**2)
    eta[0] = rng.standard_normal()  # stationary start
    return std * lfilter([1.0], [1.0, -rho], eta)


def load_mw(
    archetype: str,
    p_peak_mw: float,
    index: pd.DatetimeIndex,
    rng: np.random.Generator,
    noise_std_pu: float = 0.03,
    weekend_factor: float | None = None,
) -> pd.Series:
    """Consumption [MW] ≥ 0 of an archetype load per step of a local-time interval-beginning index."""
    n = len(index)
    local = index.tz_convert(TZ) if index.tz is not None else index
    dt_h = (index[1] - index[0]).total_seconds() / 3600.0 if n > 1 else 1.0
    hour = (local.hour + local.minute / 60.0).to_numpy() + dt_h / 2.0
    p = p_peak_mw * shape_at(archetype, hour)

    w = WEEKEND_FACTOR.get(archetype, 1.0) if weekend_factor is None else float(weekend_factor)
    p = np.where(local.dayofweek.to_numpy() >= 5, p * w, p)
    if archetype in SEASONAL_FACTOR:
        p = p * SEASONAL_FACTOR[archetype][local.month.to_numpy() - 1]

    rho = AR_RHO_15MIN ** (dt_h / 0.25)
    p = p * (1.0 + ar1_noise(rng, n, rho, float(noise_std_pu)))
    return pd.Series(np.clip(p, 0.0, None), index=index, name=archetype)
