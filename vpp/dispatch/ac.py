"""AC check of a dispatch: one power flow per step, with the engine the scenario selects.

``ac_check.engine`` (scenarios/schema.py): ``"power_grid_model"`` (default, one batch calculation of all
steps, :mod:`network_models.batch`) or ``"pandapower"`` (one Newton-Raphson per step, the reference,
:func:`network_models.run_timeseries`). Both return the same :class:`network_models.ACResult`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from optimization.results import DispatchResult
from vpp.dispatch.prepare import Prepared

if TYPE_CHECKING:
    from network_models.powerflow import ACResult

# engine -> (module, function); the module (pandapower or power-grid-model) loads on first use
AC_ENGINES = {"pandapower": ("network_models.powerflow", "run_timeseries"),
              "power_grid_model": ("network_models.batch", "run_timeseries_batch")}


def run_engine(engine_name: str, grid, elements, p_inject, q_inject, progress: bool = False) -> ACResult:
    """AC power flow of every row of the time × asset injection tables [MW, MVAr; positive into the grid]
    with the engine ``engine_name`` (a key of :data:`AC_ENGINES`); signs mapped by :mod:`network_models.mapping`."""
    module, name = AC_ENGINES[engine_name]
    engine = getattr(importlib.import_module(module), name)
    return engine(grid, elements, p_inject, q_inject, progress=progress)


def ac_check(prep: Prepared, res: DispatchResult, progress: bool = False) -> ACResult:
    """AC power flow of every step of a dispatch (engine: ``scenario.ac_check.engine``)."""
    return run_engine(prep.scenario.ac_check.engine, prep.grid, prep.elements, res.p_inject_wide(),
                      res.q_inject_wide(), progress=progress)
