"""The HiGHS call, behind one function that never leaks solver exceptions.

Uses Pyomo's persistent HiGHS interface (``pyomo.contrib.solver``), so a caller that keeps the
:class:`Solver` object and changes mutable parameters re-solves without rebuilding the model.
Infeasibility becomes an :class:`~vpp.errors.InfeasibleError` whose message names the park, asset and
step that cannot be met (see :func:`diagnose`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from optimization.model import DispatchModel
from vpp.errors import InfeasibleError, SolverError


@dataclass
class SolveInfo:
    """What the solver did: termination, objective [CNY], MIP gap, wall times [s]."""

    termination: str
    objective_cny: float
    gap: float | None
    solve_s: float
    n_variables: int
    n_constraints: int

    def as_dict(self) -> dict:
        return {
            "termination": self.termination,
            "objective_cny": self.objective_cny,
            "mip_gap": self.gap,
            "solve_s": round(self.solve_s, 4),
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


class Solver:
    """A persistent HiGHS solver bound to one model."""

    def __init__(self, dm: DispatchModel, time_limit_s: float = 300.0, mip_rel_gap: float = 1e-4, threads: int | None = None):
        self.dm = dm
        self.opt = Highs()
        self.time_limit_s = time_limit_s
        self.mip_rel_gap = mip_rel_gap
        self.threads = threads
        self._size: tuple[int, int] | None = None

    def solve(self) -> SolveInfo:
        t0 = time.perf_counter()
        try:
            res = self.opt.solve(
                self.dm.m,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
                time_limit=self.time_limit_s,
                threads=self.threads,
                solver_options={"mip_rel_gap": self.mip_rel_gap, "output_flag": False},
            )
        except Exception as exc:  # HiGHS/Pyomo internals must not reach the user as a traceback
            raise SolverError(f"HiGHS failed: {type(exc).__name__}: {exc}") from exc
        wall = time.perf_counter() - t0
        tc = res.termination_condition
        if tc in (
            TerminationCondition.provenInfeasible,
            TerminationCondition.infeasibleOrUnbounded,
            TerminationCondition.locallyInfeasible,
        ):
            reason = diagnose(self.dm)
            raise InfeasibleError(
                "dispatch is infeasible: "
                + (reason or "no schedule meets every constraint (check connection limits, battery SOC targets and EV sessions)")
            )
        if tc == TerminationCondition.unbounded:
            raise SolverError("dispatch is unbounded: a price or cost has the wrong sign (check export_price and costs)")
        if res.solution_status not in (SolutionStatus.optimal, SolutionStatus.feasible):
            raise SolverError(f"HiGHS stopped without a usable solution ({tc.name}); try a larger solver.time_limit_s")
        res.solution_loader.load_vars()
        obj = float(res.incumbent_objective)
        gap = None
        if res.objective_bound is not None and obj != 0:
            gap = abs(obj - float(res.objective_bound)) / max(1.0, abs(obj))
        if self._size is None:  # counted once: re-solves change values and bounds, not the structure
            self._size = (
                sum(1 for _ in self.dm.m.component_data_objects(pyo.Var, descend_into=True)),
                sum(1 for _ in self.dm.m.component_data_objects(pyo.Constraint, active=True, descend_into=True)),
            )
        return SolveInfo(tc.name, obj, gap, wall, *self._size)


def solve(dm: DispatchModel, time_limit_s: float = 300.0, mip_rel_gap: float = 1e-4) -> SolveInfo:
    """Solve once with HiGHS and load the solution into the model's variables."""
    return Solver(dm, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap).solve()
