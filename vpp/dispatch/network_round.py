"""One round of linearised network limits: screen → stress step → linearise → rows → tighten.

Shared by the network-constrained dispatch (:mod:`vpp.closed_loop`), the VPP's joint response with
``network_limits: linear`` (:mod:`vpp.aggregator.joint`) and the capacity study's feeder limits
(:mod:`vpp.capacity_study.grid`); the constants live here only.

* **screen** (:func:`watch`): a bus is watched once its AC voltage came within ``screen_vm_pu`` of a
  limit, a branch end once its loading exceeded ``screen_loading`` × the limit, at any step of any AC
  run so far (the watched set only grows);
* **stress step** (:func:`stress_step`): the converged step with the largest relative stress,
  ``max(loading / 100, |V − V_mid| / half-band)``; the sensitivities are taken there;
* **rows** (:func:`rows_at`): ``network_models.linear.linearise_at`` at that step, then the voltage and
  branch rows of the watched elements at every step with the current margins
  (``network_models.linear.constraint_rows``);
* **tighten** (:func:`tighten`): where the AC power flow still violates a limit, the element's margin
  grows at every step by its largest observed excess plus ``TIGHTEN_EXTRA_PU`` /
  ``TIGHTEN_EXTRA_PERCENT`` (a limit binding at one step binds at its neighbours).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from network_models.linear import OperatingPoints, constraint_rows, linearise_at
from optimization.network import LinearRows

SCREEN_VM_PU = 0.02  # watch a bus once its AC voltage came within 0.02 pu of a limit
SCREEN_LOADING = 0.8  # watch a branch end once its loading exceeded 80 % of the limit
#: the capacity study screens wider: a capacity window moves a park much further than a re-dispatch
CAPACITY_SCREEN_VM_PU = 0.03
CAPACITY_SCREEN_LOADING = 0.6
TIGHTEN_EXTRA_PU = 0.0005  # added to the observed voltage excess when tightening [pu]
TIGHTEN_EXTRA_PERCENT = 0.2  # added to the observed loading excess when tightening [%]


def watch(ops: OperatingPoints, network: Any, buses: set[str] | None = None, ends: set[str] | None = None, *,
          screen_vm_pu: float = SCREEN_VM_PU, screen_loading: float = SCREEN_LOADING) -> tuple[set[str], set[str]]:
    """The watched buses and branch ends after this AC run (grown from ``buses`` / ``ends``)."""
    buses, ends = set(buses or ()), set(ends or ())
    near_v = np.nanmin(ops.vm_pu, axis=0, initial=np.inf) < network.vm_min_pu + screen_vm_pu
    near_v |= np.nanmax(ops.vm_pu, axis=0, initial=-np.inf) > network.vm_max_pu - screen_vm_pu
    buses |= {b for b, x in zip(ops.bus_names, near_v) if x}
    near_e = np.nanmax(ops.end_loading_percent, axis=0, initial=0.0) > screen_loading * network.loading_max_percent
    ends |= {e for e, x in zip(ops.ends.names, near_e) if x}
    return buses, ends


def stress_step(ops: OperatingPoints, vm_min: float, vm_max: float) -> int:
    """Step with the largest relative stress: max of loading/100 and voltage deviation / band half-width."""
    half = (vm_max - vm_min) / 2
    mid = (vm_max + vm_min) / 2
    v = np.nanmax(np.abs(ops.vm_pu - mid), axis=1, initial=0.0) / half if ops.vm_pu.size else np.zeros(len(ops.index))
    ld = np.nanmax(ops.end_loading_percent, axis=1, initial=0.0) / 100.0 if ops.end_loading_percent.size else 0.0
    s = np.where(ops.converged, np.maximum(v, ld), -np.inf)
    return int(np.argmax(s)) if np.isfinite(s).any() else 0


def rows_at(grid, elements, p_inject, q_inject, ops: OperatingPoints, network: Any, buses: set[str], ends: set[str],
            vm_margin_pu: np.ndarray, loading_margin_percent: np.ndarray, park_bus: dict, park_of: dict):
    """Linearise at the stress step and build the rows of the watched elements: ``(linearisation, rows)``."""
    lin = linearise_at(grid, elements, p_inject, q_inject, stress_step(ops, network.vm_min_pu, network.vm_max_pu),
                       park_bus, park_of)
    rows = LinearRows(**constraint_rows(
        lin, ops, vm_min_pu=network.vm_min_pu, vm_max_pu=network.vm_max_pu,
        loading_max_percent=network.loading_max_percent,
        watch_buses=[b for b in ops.bus_names if b in buses], watch_ends=[e for e in ops.ends.names if e in ends],
        vm_margin_pu=vm_margin_pu, loading_margin_percent=loading_margin_percent,
    ))
    return lin, rows


def initial_margins(ops: OperatingPoints, constraints: Any) -> tuple[np.ndarray, np.ndarray]:
    """Margins [pu] and [%] of the first round, at every step and element (``network_constraints``)."""
    return np.full_like(ops.vm_pu, constraints.margin_pu), np.full_like(ops.pf_mw, constraints.margin_percent)


def tighten(ops: OperatingPoints, network: Any, vm_margin_pu: np.ndarray,
            loading_margin_percent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Margins grown by the observed AC excess of each still-violating element (see module doc)."""
    over = np.nan_to_num(np.maximum(ops.vm_pu - network.vm_max_pu, network.vm_min_pu - ops.vm_pu)).max(axis=0, initial=0.0)
    vm = vm_margin_pu + np.where(over > 0, over + TIGHTEN_EXTRA_PU, 0.0)[None, :]
    over_l = np.nan_to_num(ops.end_loading_percent - network.loading_max_percent).max(axis=0, initial=0.0)
    ld = loading_margin_percent + np.where(over_l > 0, over_l + TIGHTEN_EXTRA_PERCENT, 0.0)[None, :]
    return vm, ld
