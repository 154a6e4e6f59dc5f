"""Per-step inputs of a ``data_centre`` asset (profile builder ``data_centre``): IT load and outdoor temperature.

* ``p_it_mw`` [MW]: the IT meter's ``profile`` file (:func:`vpp.profiles.measured.measured_load_mw`), or the
  archetype shape × ``p_it_peak_mw`` of :func:`vpp.profiles.loads.load_mw` **without** its seasonal factor
  (the data-centre archetype's monthly PUE factor belongs to the cooling, which the asset models from
  the outdoor temperature);
* ``t_out_c`` [°C]: the outdoor dry-bulb temperature of the air-conditioning assets
  (:mod:`vpp.profiles.temperature`): the ``weather`` file's, or the synthetic site-wide Changsha profile.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from vpp.profiles.measured import profile_load_mw
from vpp.profiles.temperature import synthetic_temperature_c, weather_temperature


def data_centre_inputs(asset, index: pd.DatetimeIndex, seed: int, shutdown: Iterable = (),
                       connection_mw: float | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Columns ``p_it_mw`` [MW] and ``t_out_c`` [°C] per step of ``index``, and provenance lines of files."""
    notes: list[str] = []
    it, note = profile_load_mw(asset, asset.p_it_peak_mw, index, seed, shutdown, lambda: connection_mw, seasonal=False)
    notes += [note] if note else []
    if asset.weather is not None:
        t_out, _, note = weather_temperature(asset.weather, index, asset.name)
        notes.append(note)
    else:
        t_out = synthetic_temperature_c(index, seed).to_numpy()
    frame = pd.DataFrame({"p_it_mw": np.asarray(it, dtype=float), "t_out_c": np.asarray(t_out, dtype=float)},
                         index=index)
    return frame, notes


__all__ = ["data_centre_inputs"]
