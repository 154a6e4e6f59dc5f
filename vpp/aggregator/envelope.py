"""Aggregated flexibility envelope: the band of the members' summed net import reachable at each step.

For each step ``t`` of the horizon, with ``N[t] = Σ_{p ∈ VPP} (p_import_mw[p,t] − p_export_mw[p,t])`` [MW]:

    lower[t] = min N[t],  upper[t] = max N[t]

subject to **every** constraint of the dispatch model over the whole horizon (time coupling: battery and
thermal-storage energy limits and end-of-day targets, EV energy by departure, the interruptible
contract's daily hours, shiftable batches, connection limits) and the non-members' normal exchange.
Each bound is an LP ``min ± N[t] + ε·C`` (``ε = 1e-7`` per CNY keeps the rest of the day sensible
without trading MW for CNY). One model and one persistent HiGHS solver serve all ``2·T`` solves: only
the mutable objective weights ``w[t] ∈ {−1, 0, +1}`` change.

**Conservatism.** Each bound is reachable *individually* (a dispatch exists that reaches ``lower[t]`` or
``upper[t]``, tested with an AC check), but not *simultaneously*: reaching the lower bound at ``t`` uses up
stored energy that the band at ``t+1`` assumed was still there. The band is therefore **optimistic** for
a sequence of calls (a call held over several steps gets less than the pointwise band; use the held
capacity of :mod:`vpp.admission` / :mod:`vpp.capacity` for that) and **exact** for one step. It is
network-feasible as far as the dispatch model knows the network (connection limits; ``linear`` rows are
not added here), and the AC check of the bound dispatches reports what the grid thinks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.results import extract
from optimization.solve import Solver

EPS_COST = 1e-7  # weight of the dispatch cost [CNY] against N [MW]


def params_only(solver: Solver) -> bool:
    """After a first solve, let the persistent HiGHS object refresh only mutable parameters.

    Between the envelope's (or bid curve's) solves only mutable objective weights change; the default
    rescan of every constraint and variable per solve costs several times the LP itself. Returns False
    (automatic updates kept) when the interface lacks the switches.
    """
    au = getattr(getattr(solver.opt, "config", None), "auto_updates", None)
    if au is None:
        return False
    flags = ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars", "check_for_new_or_removed_params",
             "check_for_new_objective", "update_constraints", "update_vars", "update_named_expressions", "update_objective")
    if not all(hasattr(au, f) for f in flags + ("update_parameters",)):
        return False
    for f in flags:
        setattr(au, f, False)
    au.update_parameters = True
    return True


def solve_load(solver: Solver, variables: list) -> None:
    """Re-solve with the persistent HiGHS object and load only ``variables`` (the rest is not needed)."""
    from pyomo.contrib.solver.common.results import SolutionStatus

    from vpp.errors import SolverError

    try:
        res = solver.opt.solve(solver.dm.m, load_solutions=False, raise_exception_on_nonoptimal_result=False,
                               time_limit=solver.time_limit_s, threads=solver.threads,
                               solver_options={"mip_rel_gap": solver.mip_rel_gap, "output_flag": False})
    except Exception as exc:  # HiGHS/Pyomo internals must not reach the user as a traceback
        raise SolverError(f"HiGHS failed on a VPP re-solve: {type(exc).__name__}: {exc}") from exc
    if res.solution_status not in (SolutionStatus.optimal, SolutionStatus.feasible):
        raise SolverError(f"VPP re-solve has no usable solution ({res.termination_condition.name})")
    res.solution_loader.load_vars(variables)


def _net_expr(m, parks, t):
    return sum(m.p_import_mw[p, t] - m.p_export_mw[p, t] for p in parks)


def envelope(district, steps: list[int] | None = None) -> pd.DataFrame:
    """``time, lower_mw, upper_mw, normal_mw`` per step (module docstring).

    The model covers the members only (``vpp.capacity.restrict``): with connection limits the non-members'
    fixed exchange does not interact with them. Between solves only the objective costs of the members'
    import/export at one step change; they are set directly on the persistent HiGHS model (warm-started
    dual simplex from the previous basis), falling back to mutable parameters if the interface is not the expected one.
    """
    from optimization import build_model
    from vpp.capacity import restrict

    dm = build_model(restrict(district.data, district.members))
    m = dm.m
    P = district.members
    T = list(range(district.data.n_t)) if steps is None else list(steps)
    m.env_w = pyo.Param(m.T, initialize=0.0, mutable=True)
    m.objective.deactivate()
    m.env_objective = pyo.Objective(
        expr=sum(m.env_w[t] * _net_expr(m, P, t) for t in T) + EPS_COST * m.objective.expr, sense=pyo.minimize)
    solver = Solver(dm, **district.opts)
    solver.solve()
    direct = _direct_costs(solver)
    lower, upper = np.zeros(len(T)), np.zeros(len(T))
    for k, t in enumerate(T):
        cols = [(m.p_import_mw[p, t], 1.0) for p in P] + [(m.p_export_mw[p, t], -1.0) for p in P]
        for sign, out in ((1.0, lower), (-1.0, upper)):
            if direct is not None:
                direct(cols, sign)
            else:
                m.env_w[t].set_value(sign)
            solve_load(solver, [v for v, _ in cols])
            out[k] = float(pyo.value(_net_expr(m, P, t)))
        if direct is not None:
            direct(cols, 0.0)
        else:
            m.env_w[t].set_value(0.0)
    normal = sum(district.a0[p] for p in P)
    return pd.DataFrame({"time": district.index[T], "step": T, "lower_mw": lower, "upper_mw": upper,
                         "normal_mw": normal[T], "band_mw": upper - lower})


def _direct_costs(solver: Solver):
    """A function ``f(cols, w)`` setting the HiGHS cost of each ``(var, coef)`` to ``base + w·coef``, or None.

    Switches the persistent interface's automatic updates off (nothing else changes between solves).
    """
    opt = solver.opt
    h = getattr(opt, "_solver_model", None)
    vmap = getattr(opt, "_pyomo_var_to_solver_var_map", None)
    au = getattr(getattr(opt, "config", None), "auto_updates", None)
    if h is None or vmap is None or au is None or not hasattr(h, "changeColCost"):
        params_only(solver)
        return None
    for f in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars", "check_for_new_or_removed_params",
              "check_for_new_objective", "update_constraints", "update_vars", "update_named_expressions",
              "update_objective", "update_parameters"):
        if hasattr(au, f):
            setattr(au, f, False)
    base = np.asarray(h.getLp().col_cost_, dtype=float)
    try:  # dual simplex from the previous basis: ~2x faster than HiGHS's default choice here (measured)
        h.setOptionValue("simplex_strategy", 1)
    except Exception:  # an option HiGHS does not know is not worth failing for
        pass

    def change(cols, w):
        for v, c in cols:
            i = int(vmap[id(v)])
            h.changeColCost(i, float(base[i] + w * c))

    return change


def dispatch_to(district, t: int, value_mw: float, tol_mw: float = 1e-6):
    """The least-cost dispatch with ``N[t] = value_mw`` (± ``tol_mw``): proves a bound is reachable."""
    dm = district.fresh()
    m = dm.m
    n = _net_expr(m, district.members, t)
    m.env_hold_lo = pyo.Constraint(expr=n >= value_mw - tol_mw)
    m.env_hold_hi = pyo.Constraint(expr=n <= value_mw + tol_mw)
    info = Solver(dm, **district.opts).solve()
    return extract(dm, info, strategy="envelope_bound")
