"""Aggregated flexibility envelope: the band of the members' summed net import reachable at each step.

For each step ``t`` of the horizon, with ``N[t] = Σ_{p ∈ VPP} (p_import_mw[p,t] − p_export_mw[p,t])`` [MW]:

    lower[t] = min N[t],  upper[t] = max N[t]

subject to **every** constraint of the dispatch model over the whole horizon (time coupling: battery and
thermal-storage energy limits and end-of-day targets, EV energy by departure, the interruptible
contract's daily hours, shiftable batches, connection limits) and the non-members' normal exchange.
Each bound is an LP ``min ± N[t] + ε·C`` (``ε = 1e-7`` per CNY keeps the rest of the day sensible
without trading MW for CNY). One model and one solve session serve all ``2·T`` solves: only the
mutable objective weights ``w[t] ∈ {−1, 0, +1}`` change, i.e. the costs of one step's columns.

**Conservatism.** Each bound is reachable *individually* (a dispatch exists that reaches ``lower[t]`` or
``upper[t]``, tested with an AC check), but not *simultaneously*: reaching the lower bound at ``t`` uses up
stored energy that the band at ``t+1`` assumed was still there. The band is therefore **optimistic** for
a sequence of calls (a call held over several steps gets less than the pointwise band; use the held
capacity of :mod:`vpp.aggregator.admission` / :mod:`vpp.capacity_study.model` for that) and **exact** for one
step.

**Feeder limits.** When the scenario sets ``network_constraints.mode: linear`` (or the VPP
``network_limits: linear``), the model also carries the linearised voltage, line and transformer rows of
:func:`vpp.capacity_study.grid.grid_context` (built as one round of the closed loop; the non-members are
folded into the constants at their background injections, :func:`vpp.capacity_study.grid.scope_rows`),
and every row's slack may not exceed its value in the normal schedule of that model, so no bound is
bought with a limit violation. Otherwise the band knows the park connection limits only. The AC check
of the bound dispatches reports what the grid thinks either way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.results import extract
from optimization.session import SolveSession, solve

EPS_COST = 1e-7  # weight of the dispatch cost [CNY] against N [MW]


def _net_expr(m, parks, t):
    return sum(m.p_import_mw[p, t] - m.p_export_mw[p, t] for p in parks)


def envelope(district, steps: list[int] | None = None) -> pd.DataFrame:
    """``time, lower_mw, upper_mw, normal_mw`` per step (module docstring).

    The model covers the members only (``vpp.capacity_study.model.restrict``): with connection limits the non-members'
    fixed exchange does not interact with them. Between solves only the objective costs of the members'
    import/export at one step change (the weights ``w[t]``); the session passes just those costs to
    HiGHS, which re-solves with dual simplex from the previous basis.
    """
    from optimization import build_model
    from vpp.aggregator.admission import grid_context_of
    from vpp.capacity_study.grid import network_hook
    from vpp.capacity_study.model import restrict

    dm = build_model(restrict(district.data, district.members))
    m = dm.m
    P = district.members
    hook = network_hook(grid_context_of(district), list(P))
    base = m.objective
    if hook is not None:  # linearised feeder rows; their slacks no worse than in the normal schedule
        hook(dm)
        base = m.objective_network
        solve(dm, **district.opts)
        for v in m.network.component_data_objects(pyo.Var, descend_into=True):
            if v.parent_component().local_name.startswith("s_") and v.value is not None:
                v.setub(float(v.value) + 1e-9)
    T = list(range(district.data.n_t)) if steps is None else list(steps)
    dm.open_event_window(T)  # a bound of the envelope is what a grid call could get (interruptible use: grid)
    m.env_w = pyo.Param(m.T, initialize=0.0, mutable=True)
    base.deactivate()
    m.env_objective = pyo.Objective(
        expr=sum(m.env_w[t] * _net_expr(m, P, t) for t in T) + EPS_COST * base.expr, sense=pyo.minimize)
    # dual simplex from the previous basis: ~2x faster than HiGHS's default choice here (measured)
    session = SolveSession(dm, **district.opts, options={"simplex_strategy": 1})
    session.solve(load=False)
    lower, upper = np.zeros(len(T)), np.zeros(len(T))
    for k, t in enumerate(T):
        cols = [(m.p_import_mw[p, t], 1.0) for p in P] + [(m.p_export_mw[p, t], -1.0) for p in P]
        for sign, out in ((1.0, lower), (-1.0, upper)):
            m.env_w[t].set_value(sign)
            session.read_parameters()  # only the costs of this step's columns change
            session.solve(load=False)
            out[k] = float(sum(c * session.value(v) for v, c in cols))
        m.env_w[t].set_value(0.0)
    session.read_parameters()
    normal = sum(district.a0[p] for p in P)
    return pd.DataFrame({"time": district.index[T], "step": T, "lower_mw": lower, "upper_mw": upper,
                         "normal_mw": normal[T], "band_mw": upper - lower})


def dispatch_to(district, t: int, value_mw: float, tol_mw: float = 1e-6):
    """The least-cost dispatch with ``N[t] = value_mw`` (± ``tol_mw``): proves a bound is reachable (with
    the linearised feeder rows of all parks when the envelope has them)."""
    from vpp.aggregator.admission import grid_context_of
    from vpp.capacity_study.grid import network_hook

    dm = district.fresh()
    dm.open_event_window([t])  # reaching a bound is a grid call (e.g. an interruptible contract with use: grid)
    m = dm.m
    hook = network_hook(grid_context_of(district), [p.name for p in district.scn.parks])
    if hook is not None:
        hook(dm)
    n = _net_expr(m, district.members, t)
    m.env_hold_lo = pyo.Constraint(expr=n >= value_mw - tol_mw)
    m.env_hold_hi = pyo.Constraint(expr=n <= value_mw + tol_mw)
    info = solve(dm, **district.opts)
    return extract(dm, info, strategy="envelope_bound")
