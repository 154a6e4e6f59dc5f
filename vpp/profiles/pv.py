"""Synthetic, resource-matched rooftop PV availability [MW] for the Changsha site.

This is **not measured weather**: it is a clear-sky model modulated by seeded random cloudiness whose
statistics are matched to the monthly PV yield of the Changsha TMYx file (domain data
``solar_climate_changsha.monthly.pv_yield_tilt20_tmyx_kwh_kwp``), rescaled to the asset's
``annual_yield_kwh_per_kwp``.

Model, per step ``t`` (interval-beginning labels; the sun is evaluated at the interval midpoint):

1. Clear sky: pvlib solar position + Ineichen clear-sky GHI/DNI/DHI (Linke turbidity from the file
   shipped with pvlib) at the site of :func:`vpp.domain.site`; Hay–Davies transposition to the plane
   of array (``tilt_deg``, ``azimuth_deg``; pvlib convention 180° = south), albedo 0.15.
2. PVWatts-like conversion, temperature ignored (absorbed by step 3):
   ``p_clear_pu = POA / 1000 W/m² × (1 − 0.10 DC losses) × 0.97 inverter efficiency``  [MW/MWp].
3. Monthly resource match. Target monthly AC yield [kWh/kWp]
   ``Y_m = annual_yield_kwh_per_kwp × share_m`` with ``share_m`` the TMYx month share. The clear-sky
   yield of the same calendar month ``C_m`` [kWh/kWp] is computed at hourly resolution for that month
   and year (cached). The mean daily clearness of month m is ``μ_m = clip(Y_m / C_m, 0.05, 0.95)``.
4. Daily clearness ``k_d ~ Beta(μ_m κ, (1 − μ_m) κ)`` with concentration ``κ = 3`` (ASSUMPTION: broad
   spread from overcast to clear days, typical of the humid subtropical Cfa climate), stratified per
   calendar month (Latin hypercube on the Beta quantiles) so that a month's realised mean clearness is
   close to ``μ_m``. Keyed by month, not by window: for a month with ``N`` days the generator
   ``rng_for(seed, asset, yyyymm)`` draws a permutation ``π`` of ``0 … N−1`` and ``v_1 … v_N ~ U(0, 1)``;
   ``u_i = (π_i + v_i) / N`` (one ``u`` in each stratum ``[j/N, (j+1)/N)``) and the date with day of
   month ``i`` gets ``k = F⁻¹_Beta(u_i)``. A date's ``k_d`` is therefore the same whatever the run's
   window. Over a whole month the realised mean clearness is the mean of the ``N`` stratified Beta
   quantiles ``(1/N) Σ F⁻¹(u_i)``, whose expectation is exactly ``μ_m`` (stratified sampling is unbiased)
   and whose spread is far below that of ``N`` independent draws (±0.005 around ``μ_m`` for the shipped
   assets in 2025, against ``σ/√N ≈ 0.04``). A window covering part of a month gets those days of the
   month's stratified set.
5. Intraday variability on cloudy days: multiplicative AR(1) noise ``ε_t = σ_d x_t`` with ``x`` the
   unit-variance date-keyed AR(1) of :func:`vpp.profiles.loads.date_keyed_ar1` (its own stream
   ``rng_for(seed, asset + ':pv-noise', yyyymmdd)``; the noise of day ``d`` is the second half of a
   two-day filter started stationary at the beginning of day ``d−1``, continuous across midnight up to
   ``ρ^n = 0.8^96 ≈ 5e-10``), lag-1 correlation ``ρ = 0.8`` per 15 min (``0.8^(Δ/0.25 h)`` at other
   step lengths) and standard deviation ``σ_d = 0.6 (1 − k_d)`` (zero on clear days).
6. ``p_mw = clip(p_mwp × k_d × p_clear_pu × (1 + ε_t), 0, p_mwp / dc_ac_ratio)``.

The expected monthly energy is therefore ``≈ Y_m × p_mwp`` (exact up to clipping at the inverter limit
and at zero, both small because ``k_d < 1``).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from scenarios.schema import PV
from vpp.domain import pv_monthly_yield_kwh_per_kwp, site
from vpp.profiles import rng_for
from vpp.profiles.loads import date_keyed_noise

DC_LOSS = 0.10  # PVWatts-style lumped DC losses (soiling, mismatch, wiring, ...) [-]
ETA_INV = 0.97  # inverter efficiency [-]
ALBEDO = 0.15  # ground reflectance [-]
BETA_KAPPA = 3.0  # concentration of the daily clearness Beta distribution (ASSUMPTION)
K_MIN, K_MAX = 0.05, 0.95  # range of the monthly mean clearness
AR_RHO_15MIN = 0.8  # lag-1 autocorrelation of the intraday noise per 15 min (ASSUMPTION)
AR_SIGMA_SCALE = 0.6  # σ_d = AR_SIGMA_SCALE × (1 − k_d) (ASSUMPTION)


_SKY: dict[tuple, tuple] = {}


def _sky(times_mid: pd.DatetimeIndex):
    """Solar position, Ineichen clear-sky irradiance and extraterrestrial DNI at the instants (the
    same for every PV asset of the site: computed once per time axis, the costly part of step 1)."""
    import pvlib  # imported where used: only scenarios with PV need it

    key = (str(times_mid.tz), len(times_mid), int(times_mid.asi8[0]) if len(times_mid) else 0,
           int(times_mid.asi8[-1]) if len(times_mid) else 0)
    hit = _SKY.get(key)
    if hit is None:
        s = site()
        loc = pvlib.location.Location(s["lat"], s["lon"], tz=s["tz"], altitude=s["alt"])
        sp = loc.get_solarposition(times_mid)
        linke = pvlib.clearsky.lookup_linke_turbidity(times_mid, s["lat"], s["lon"])
        cs = loc.get_clearsky(times_mid, model="ineichen", solar_position=sp, linke_turbidity=linke)
        hit = (sp, cs, pvlib.irradiance.get_extra_radiation(times_mid))
        if len(_SKY) >= 64:
            _SKY.pop(next(iter(_SKY)))
        _SKY[key] = hit
    return hit


def _clear_sky_pu(times_mid: pd.DatetimeIndex, tilt_deg: float, azimuth_deg: float) -> np.ndarray:
    """Clear-sky AC power before clipping [MW per MWp] at the given instants (steps 1–2)."""
    import pvlib

    sp, cs, dni_extra = _sky(times_mid)
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt=tilt_deg,
        surface_azimuth=azimuth_deg,
        solar_zenith=sp["apparent_zenith"],
        solar_azimuth=sp["azimuth"],
        dni=cs["dni"],
        ghi=cs["ghi"],
        dhi=cs["dhi"],
        dni_extra=dni_extra,
        model="haydavies",
        albedo=ALBEDO,
    )["poa_global"]
    p = np.nan_to_num(poa.to_numpy(dtype=float), nan=0.0) / 1000.0 * (1.0 - DC_LOSS) * ETA_INV
    p[sp["apparent_zenith"].to_numpy() >= 90.0] = 0.0
    return np.clip(p, 0.0, None)


@functools.lru_cache(maxsize=512)
def clear_sky_monthly_yield_kwh_per_kwp(year: int, month: int, tilt_deg: float, azimuth_deg: float,
                                        dc_ac_ratio: float) -> float:
    """Clear-sky AC yield of one calendar month [kWh/kWp], hourly resolution (hour midpoints), clipped."""
    start = pd.Timestamp(year=year, month=month, day=1, tz=site()["tz"])
    end = start + pd.offsets.MonthBegin(1)
    t = pd.date_range(start, end, freq="60min", inclusive="left") + pd.Timedelta(minutes=30)
    p = np.minimum(_clear_sky_pu(t, tilt_deg, azimuth_deg), 1.0 / dc_ac_ratio)
    return float(p.sum())  # MW/MWp × 1 h = MWh/MWp = kWh/kWp


def expected_monthly_yield_kwh_per_kwp(pv: PV) -> np.ndarray:
    """Target AC yield per month Jan…Dec [kWh/kWp]: annual target × TMYx month shares."""
    m = pv_monthly_yield_kwh_per_kwp()
    return pv.annual_yield_kwh_per_kwp * m / m.sum()


def _step_hours(index: pd.DatetimeIndex) -> float:
    return (index[1] - index[0]).total_seconds() / 3600.0 if len(index) > 1 else 0.25


def month_clearness(pv: PV, year: int, month: int, seed: int, name: str | None = None) -> np.ndarray:
    """Daily clearness ``k`` of every day of one calendar month (element ``i−1`` = day ``i``), step 4.

    Stratified over the month's full day count and drawn from ``rng_for(seed, name, yyyymm)``
    (``name`` defaults to the asset name), so it does not depend on the run's window.
    """
    from scipy.stats import beta as beta_dist  # imported where used (scipy.stats is a heavy import)

    target = expected_monthly_yield_kwh_per_kwp(pv)
    clear = clear_sky_monthly_yield_kwh_per_kwp(year, month, float(pv.tilt_deg), float(pv.azimuth_deg),
                                                float(pv.dc_ac_ratio))
    mu = float(np.clip(target[month - 1] / clear, K_MIN, K_MAX)) if clear > 0 else K_MIN
    n = int(pd.Period(year=year, month=month, freq="M").days_in_month)
    rng = rng_for(seed, pv.name if name is None else name, year * 100 + month)
    u = (rng.permutation(n) + rng.uniform(size=n)) / n
    return beta_dist.ppf(u, mu * BETA_KAPPA, (1.0 - mu) * BETA_KAPPA)


def _daily_clearness(pv: PV, days: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """Daily clearness ``k_d`` for each local day in ``days`` (steps 3–4), stratified per calendar month."""
    k = np.empty(len(days))
    ym = days.year * 100 + days.month
    for key in pd.unique(ym):  # at most 13 calendar months per year: a short loop
        sel = np.flatnonzero(ym == key)
        year, month = divmod(int(key), 100)
        k[sel] = month_clearness(pv, year, month, seed)[days.day.to_numpy()[sel] - 1]
    return k


def pv_available_mw(pv: PV, index: pd.DatetimeIndex, seed: int) -> pd.Series:
    """Available AC power of a PV asset [MW] per step, before curtailment (see module docstring).

    ``index`` is a tz-aware interval-beginning index (Asia/Shanghai); values are step averages
    approximated at the interval midpoint, ``0 <= p_mw <= p_mwp / dc_ac_ratio``. ``seed``: the scenario
    seed; the streams are keyed by the asset name and the month / date.
    """
    tz = site()["tz"]
    idx = index if index.tz is not None else index.tz_localize(tz)
    dt_h = _step_hours(idx)
    p_clear = _clear_sky_pu(idx + pd.Timedelta(hours=dt_h / 2.0), float(pv.tilt_deg), float(pv.azimuth_deg))

    local = idx.tz_convert(tz)
    day = local.normalize()
    days = pd.DatetimeIndex(pd.unique(day))
    day_pos = days.get_indexer(day)
    k_d = _daily_clearness(pv, days, seed)
    k_t = k_d[day_pos]

    rho = AR_RHO_15MIN ** (dt_h / 0.25)
    eps = date_keyed_noise(idx, dt_h, seed, pv.name + ":pv-noise", rho) * (AR_SIGMA_SCALE * (1.0 - k_t))
    p_mw = pv.p_mwp * k_t * p_clear * (1.0 + eps)
    p_mw = np.clip(p_mw, 0.0, pv.p_ac_max_mw)
    return pd.Series(p_mw, index=index, name=pv.name)
