"""Dispatch kernel: ``scenario -> profiles and grid -> model data -> dispatch LP -> AC check``.

The low-level steps that every study builds on (``vpp run`` in :mod:`vpp.pipeline`, the network-constrained
closed loop, DR, capacity, VPP, evaluation, sizing, sweep). It imports ``optimization``,
``network_models``, ``scenarios`` and the support modules of ``vpp`` (profiles, assets), never a study
module: see the "Layers" section of docs/architecture.md (checked by ``lint-imports``).

* :mod:`vpp.dispatch.prepare`: :class:`Prepared`, :func:`prepare`, :func:`model_data` and its parts;
* :mod:`vpp.dispatch.lp`: :func:`dispatch` (build, strategy, HiGHS, result tables);
* :mod:`vpp.dispatch.ac`: :func:`ac_check` (AC power flow of every step, engine of the scenario).
"""

from vpp.dispatch.ac import AC_ENGINES, ac_check
from vpp.dispatch.lp import STRATEGIES, dispatch
from vpp.dispatch.prepare import (
    IMPORT_LIMIT_POWER_FACTOR,
    Prepared,
    asset_inputs,
    export_price_for_model,
    model_data,
    park_inputs,
    prepare,
)

__all__ = [
    "AC_ENGINES",
    "IMPORT_LIMIT_POWER_FACTOR",
    "STRATEGIES",
    "Prepared",
    "ac_check",
    "asset_inputs",
    "dispatch",
    "export_price_for_model",
    "model_data",
    "park_inputs",
    "prepare",
]
