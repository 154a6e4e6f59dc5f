"""What a solve reports (:class:`SolveInfo`) and why a dispatch is infeasible (:func:`diagnose`).

The solve itself is :class:`optimization.session.SolveSession` (one HiGHS model per Pyomo model,
re-solved from changed data) and :func:`optimization.session.solve` for a single solve. Infeasibility
becomes an :class:`~vpp.errors.InfeasibleError` whose message names the park, asset and step that
cannot be met (see :func:`diagnose`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimization.model import DispatchModel


@dataclass
class SolveInfo:
    """What the solver did: termination, objective [CNY], MIP gap, wall time of the solve [s] (data
    passed, HiGHS run, solution read back) and of HiGHS alone [s]."""

    termination: str
    objective_cny: float
    gap: float | None
    solve_s: float
    n_variables: int
    n_constraints: int
    highs_s: float = float("nan")

    def as_dict(self) -> dict:
        return {
            "termination": self.termination,
            "objective_cny": self.objective_cny,
            "mip_gap": self.gap,
            "solve_s": round(self.solve_s, 4),
            "highs_s": round(self.highs_s, 4),
            "n_variables": self.n_variables,
            "n_constraints": self.n_constraints,
        }


def diagnose(dm: DispatchModel) -> str | None:
    """Name the first park and step whose demand cannot be met, ignoring time coupling.

    For each park ``p`` and step ``t`` the most the assets can inject is ``sum_a hi_a[t]`` (from each
    block's ``injection_range``). The balance needs ``sum_a inj + import - export = 0`` with
    ``import <= p_import_max``, so ``sum_a hi_a[t] + p_import_max < 0`` is infeasible; likewise
    ``sum_a lo_a[t] - p_export_max > 0`` (must-run injection the connection cannot take).
    """
    data = dm.data
    for park in data.parks:
        hi = np.zeros(data.n_t)
        lo = np.zeros(data.n_t)
        for a in park.assets:
            block = dm.blocks[dm.asset_kind[a]]
            a_lo, a_hi = block.injection_range(a)
            lo += a_lo
            hi += a_hi
        if park.p_import_max_mw is not None and not dm.baseline:
            short = -(hi + park.p_import_max_mw)
            if (short > 1e-9).any():
                t = int(np.argmax(short))
                return (
                    f"park '{park.name}': demand exceeds the connection at {data.index[t]:%Y-%m-%d %H:%M} by "
                    f"{short[t]:.3f} MW even with all flexibility used (p_import_max_mw = {park.p_import_max_mw:.3f})"
                )
        p_exp = 0.0 if park.no_reverse_flow else park.p_export_max_mw
        if p_exp is not None:
            over = lo - p_exp
            if (over > 1e-9).any():
                t = int(np.argmax(over))
                return (
                    f"park '{park.name}': must-run injection exceeds the export limit at "
                    f"{data.index[t]:%Y-%m-%d %H:%M} by {over[t]:.3f} MW"
                )
    return None
