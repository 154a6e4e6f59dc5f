"""Profiles of assets that read the user's own files instead of a synthetic model.

* load kinds with ``profile:`` — the metered consumption [MW] (:mod:`vpp.measured.read`), resampled to
  the run's resolution with energy conserved and mapped onto the run's dates
  (:func:`vpp.measured.resample.to_index`), checked against the park's connection size for unit mix-ups;
* PV with ``production:`` — measured AC output [MW] read the same way, scaled by
  ``p_mwp / production_p_mwp`` and limited to the asset's AC rating ``p_mwp / dc_ac_ratio``;
* PV with ``weather:`` — AC output from a weather file through pvlib (:mod:`vpp.measured.weather`);
* EV charging with ``sessions_file:`` — the operator's session records (:mod:`vpp.measured.ev_records`).

Each function returns the series (or sessions) and one line saying where the numbers came from; the
lines are collected in :attr:`vpp.profiles.Profiles.data_notes` and written with the results.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from vpp.measured.ev_records import read_sessions
from vpp.measured.read import read_table
from vpp.measured.resample import check_magnitude, to_index
from vpp.measured.weather import pv_ac_mw
from vpp.profiles.loads import load_mw


def measured_load_mw(asset, index: pd.DatetimeIndex, shutdown=(), connection_mw: float | None = None
                     ) -> tuple[pd.Series, str]:
    """Consumption [MW] of a load with a ``profile`` file on ``index`` and the provenance line."""
    ms = read_table(asset.profile)
    p, report = to_index(ms, index, shutdown=shutdown)
    if connection_mw:
        check_magnitude(p, connection_mw, ms.source, asset.profile.unit)
    p = pd.Series(p.to_numpy(dtype=float), index=index, name=asset.name)
    return p, f"{asset.name}: {report.text}"


def profile_load_mw(asset, p_peak_mw: float, index: pd.DatetimeIndex, seed: int, shutdown=(),
                    connection_mw: Callable[[], float | None] = lambda: None, seasonal: bool = True
                    ) -> tuple[pd.Series, str | None]:
    """Consumption [MW] of a profile load: its ``profile`` file (:func:`measured_load_mw`, with the
    provenance line; ``connection_mw()`` [MW] is asked only then, for the unit check) or its archetype shape
    × ``p_peak_mw`` (:func:`vpp.profiles.loads.load_mw`; ``seasonal=False`` leaves out the seasonal factor;
    no provenance line)."""
    if getattr(asset, "profile", None) is not None:
        return measured_load_mw(asset, index, shutdown, connection_mw())
    return load_mw(asset.archetype, p_peak_mw, index, seed, asset.name, asset.noise_std_pu,
                   getattr(asset, "weekend_factor", None), shutdown=shutdown, seasonal=seasonal), None


def measured_pv_mw(asset, index: pd.DatetimeIndex, connection_mw: float | None = None) -> tuple[pd.Series, str]:
    """Available AC power [MW] of a PV asset with a ``production`` or ``weather`` file."""
    if asset.weather is not None:
        p, text = pv_ac_mw(asset.weather, asset, index)
        return pd.Series(p.to_numpy(dtype=float), index=index, name=asset.name), text
    ms = read_table(asset.production)
    p, report = to_index(ms, index)
    factor = asset.p_mwp / asset.production_p_mwp if asset.production_p_mwp else 1.0
    if connection_mw:
        check_magnitude(p * factor, connection_mw, ms.source, asset.production.unit)
    v = (p.to_numpy(dtype=float) * factor).clip(0.0, asset.p_ac_max_mw)
    scaled = f", scaled × {factor:.4g} (p_mwp / production_p_mwp)" if factor != 1.0 else ""
    return pd.Series(v, index=index, name=asset.name), f"{asset.name}: {report.text}{scaled}"


def measured_ev_sessions(asset, index: pd.DatetimeIndex) -> tuple[pd.DataFrame, str]:
    """Sessions of an EV charging asset with a ``sessions_file`` (columns of :func:`vpp.profiles.ev.ev_sessions`)."""
    return read_sessions(asset.sessions_file, asset, index)


__all__ = ["measured_load_mw", "profile_load_mw", "measured_pv_mw", "measured_ev_sessions"]
