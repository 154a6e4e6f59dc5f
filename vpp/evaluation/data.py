"""Model inputs of an evaluation (``vpp evaluate``), shared by the evaluation and the sizing LP.

* :func:`extended_data`: the evaluated period plus the rolling horizon's look-ahead days of profile;
* :func:`slice_data`: its first ``n`` steps as one perfect-foresight model (used by the perfect-foresight
  run of :mod:`vpp.evaluation.year` and by :mod:`vpp.evaluation.sizing`).
"""

from __future__ import annotations

import numpy as np

from optimization import ModelData
from scenarios.schema import Scenario
from vpp.dispatch import Prepared, model_data, prepare
from vpp.rolling import initial_states, lookahead_days, window_data


def extended_data(scn: Scenario, lookahead_h: float) -> tuple[ModelData, Prepared]:
    """Model inputs of the period plus ``ceil(lookahead_h / 24)`` days of profile after it (same seed)."""
    days = scn.horizon.days
    ext = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"days": days + lookahead_days(lookahead_h)})})
    prep = prepare(ext, grid=False)  # no power flow in an evaluation: no pandapower grid
    return model_data(ext, prep.profiles, prep.capacity_mva), prep


def slice_data(full: ModelData, n: int) -> ModelData:
    """The first ``n`` steps of model inputs (perfect foresight on the same profiles as the rolling run)."""
    d = window_data(full, 0, n, initial_states(full), {})
    d.month = np.asarray(full.month)[:n]
    for a in d.assets.get("ev_charging", []):  # keep the scenario's EV model choice
        a.spec = next(x.spec for x in full.assets["ev_charging"] if x.name == a.name)
    return d
