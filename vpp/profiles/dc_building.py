"""Per-step inputs of a ``dc_building`` asset (profile builder ``dc_building``): DC PV and DC load.

* ``p_pv_dc_mw`` [MW]: DC output of the array before any conversion: the project's synthetic PV model
  (:func:`vpp.profiles.pv.pv_available_mw`, its streams keyed by the asset's name) run for a PV of
  ``pv_mwp`` with no inverter clipping (``dc_ac_ratio`` 1), divided by its inverter efficiency
  :data:`vpp.profiles.pv.ETA_INV` (0.97): ``p_dc = p_mwp · k_d · POA/1000 · (1 − 0.10 DC losses) · (1 + ε)``,
  at most ``pv_mwp``;
* ``p_load_dc_mw`` [MW]: the DC loads: the ``profile`` file (:func:`vpp.profiles.measured.measured_load_mw`)
  or the archetype shape × ``p_load_peak_mw`` (:func:`vpp.profiles.loads.load_mw`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scenarios.schema import PV
from vpp.profiles.measured import profile_load_mw
from vpp.profiles.pv import ETA_INV, pv_available_mw


def dc_pv_mw(asset, index: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """DC output [MW] of the building's array per step (module docstring); zeros without PV."""
    if asset.pv_mwp <= 0:
        return np.zeros(len(index))
    pv = PV(kind="pv", name=asset.name, p_mwp=asset.pv_mwp, dc_ac_ratio=1.0, tilt_deg=asset.tilt_deg,
            azimuth_deg=asset.azimuth_deg, annual_yield_kwh_per_kwp=asset.annual_yield_kwh_per_kwp)
    return np.clip(pv_available_mw(pv, index, seed).to_numpy(dtype=float) / ETA_INV, 0.0, asset.pv_mwp)


def dc_building_inputs(asset, index: pd.DatetimeIndex, seed: int, shutdown: Iterable = (),
                       connection_mw: float | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Columns ``p_pv_dc_mw`` and ``p_load_dc_mw`` [MW] per step of ``index``, and provenance lines of files."""
    notes: list[str] = []
    load, note = profile_load_mw(asset, asset.p_load_peak_mw, index, seed, shutdown, lambda: connection_mw)
    notes += [note] if note else []
    frame = pd.DataFrame({"p_pv_dc_mw": dc_pv_mw(asset, index, seed), "p_load_dc_mw": np.asarray(load, dtype=float)},
                         index=index)
    return frame, notes


__all__ = ["dc_building_inputs", "dc_pv_mw"]
