"""AC check of a dispatch: one power flow per step, with the engine the scenario selects.

``ac_check.engine`` (scenarios/schema.py): ``"power_grid_model"`` (default, one batch calculation of all
steps, :mod:`network_models.batch`) or ``"pandapower"`` (one Newton-Raphson per step, the reference,
:func:`network_models.run_timeseries`). Both return the same :class:`network_models.ACResult`.
"""

from __future__ import annotations

from network_models import ACResult, run_timeseries
from network_models.batch import run_timeseries_batch
from optimization.results import DispatchResult
from vpp.dispatch.prepare import Prepared

AC_ENGINES = {"pandapower": run_timeseries, "power_grid_model": run_timeseries_batch}


def ac_check(prep: Prepared, res: DispatchResult, progress: bool = False) -> ACResult:
    """AC power flow of every step of a dispatch (engine: ``scenario.ac_check.engine``)."""
    engine = AC_ENGINES[prep.scenario.ac_check.engine]
    return engine(prep.grid, prep.elements, res.p_inject_wide(), res.q_inject_wide(), progress=progress)
