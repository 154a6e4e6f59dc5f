"""Network-constrained dispatch: the closed loop between the linearised LP and the AC power flow.

``run_constrained(prep)``:

0. solve the dispatch without network constraints (the unconstrained optimum, its cost is the
   reference) and run the AC power flow of every step;
1. for round ``r = 1..max_rounds``:

   * linearise (``network_models.linear``) at the step with the most stressed AC state of the last
     dispatch (sensitivities), around the AC operating point of every step (``V_op[t]``, flows);
   * watch every checked bus / branch end that came within ``SCREEN_VM_PU`` / ``SCREEN_LOADING`` (:mod:`vpp.dispatch.network_round`) of its
     limit in any AC run so far, at every step (an active set that only grows);
   * rebuild the network block (``optimization.network``) with these rows, inverter Q and park
     power-factor limits; solve; AC power flow;
   * stop when the AC check has no violation; otherwise tighten the limit of each violating element
     (bus or branch end), at every step, by its largest observed excess (plus ``TIGHTEN_EXTRA_*``)
     and go on.

The result is the last round's dispatch (even if violations remain; they are reported), its AC
power flow, and a table of rounds. See docs/network_constraints.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from network_models.linear import OperatingPoints, ac_points
from optimization import build_model
from optimization.network import add_network_constraints, reactive_results, slack_results
from optimization.results import DispatchResult, extract
from optimization.session import solve
from vpp.dispatch import Prepared, model_data, network_round



@dataclass
class ConstrainedRun:
    """Outcome of the closed loop: final dispatch and AC, the unconstrained reference, the rounds."""

    dispatch: DispatchResult
    ac: Any
    unconstrained: DispatchResult
    violations_unconstrained: int
    rounds: pd.DataFrame
    slack: dict[str, float] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def remaining_violations(self) -> int:
        return int(len(self.ac.violations))

    def kpis(self) -> dict[str, Any]:
        cu, cc = self.unconstrained.total_cost_cny, self.dispatch.total_cost_cny
        return {
            "mode": "linear",
            "rounds": int(len(self.rounds) - 1),
            "violations_unconstrained": self.violations_unconstrained,
            "remaining_violations": self.remaining_violations,
            "cost_unconstrained_cny": cu,
            "cost_constrained_cny": cc,
            "cost_of_grid_cny": cc - cu,
            "slack_used": self.slack,
            "rounds_table": self.rounds.to_dict(orient="records"),
        }


def _with_q(res: DispatchResult, q: dict[str, np.ndarray], index) -> None:
    """Write the inverters' reactive injection into the asset table (``q_inject_mvar``)."""
    if not q:
        return
    a = res.assets
    pos = {t: i for i, t in enumerate(index)}
    for name, arr in q.items():
        sel = a["asset"] == name
        a.loc[sel, "q_inject_mvar"] = arr[a.loc[sel, "time"].map(pos).to_numpy()]


def run_constrained(prep: Prepared, strategy: str = "optimised", *, log: Callable[[str], None] | None = None) -> ConstrainedRun:
    """Closed loop of linearised network constraints and AC power flow (see module docstring)."""
    say = log or (lambda msg: None)
    scn = prep.scenario
    nc = scn.network_constraints
    grid, el = prep.grid, prep.elements
    nw = scn.network
    t0 = time.perf_counter()
    data = model_data(scn, prep.profiles, prep.capacity_mva)
    dm = build_model(data)
    t_build = time.perf_counter() - t0
    period = np.tile(prep.profiles.prices["period"].to_numpy(), len(scn.parks))
    park_of = {a.name: p.name for p, a in scn.assets()}
    park_bus = {p.name: grid.park_bus[p.name] for p in scn.parks}
    pf_min = {p.name: p.connection.pf_min for p in scn.parks}
    index = data.index
    timings = {"build_s": t_build, "solve_s": 0.0, "linearise_s": 0.0, "network_build_s": 0.0, "ac_s": 0.0}

    def solve_round(tag: str) -> DispatchResult:
        ts = time.perf_counter()
        info = solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
        timings["solve_s"] += time.perf_counter() - ts
        res = extract(dm, info, strategy=strategy)
        res.parks["period"] = period
        _with_q(res, reactive_results(dm), index)
        return res

    def ac(res: DispatchResult) -> OperatingPoints:
        ts = time.perf_counter()
        ops = ac_points(grid, el, res.p_inject_wide(), res.q_inject_wide(), park_of)
        timings["ac_s"] += time.perf_counter() - ts
        return ops

    res0 = solve_round("unconstrained")
    ops = ac(res0)
    n0 = ops.n_violations
    rounds = [{"round": 0, "objective_cny": res0.solve.objective_cny, "cost_cny": res0.total_cost_cny,
               "n_violations": n0, "vm_min_pu": float(np.nanmin(ops.vm_pu)) if ops.vm_pu.size else np.nan,
               "vm_max_pu": float(np.nanmax(ops.vm_pu)) if ops.vm_pu.size else np.nan,
               "loading_max_percent": float(np.nanmax(ops.end_loading_percent)) if ops.end_loading_percent.size else np.nan,
               "n_rows": 0, "max_error_vm_pu": np.nan, "max_error_loading_percent": np.nan}]
    say(f"network round 0 (unconstrained): cost {res0.total_cost_cny:,.0f} CNY, {n0} AC violation(s)")
    res, slack = res0, {"voltage_pu": 0.0, "flow_mva": 0.0, "n_rows_with_slack": 0}
    needs_pf = any(v is not None for v in pf_min.values())
    if n0 == 0 and not needs_pf:
        return ConstrainedRun(res0, ops.ac, res0, n0, pd.DataFrame(rounds), slack, timings)

    vm_margin, l_margin = network_round.initial_margins(ops, nc)
    watch_b: set[str] = set()
    watch_e: set[str] = set()
    for r in range(1, nc.max_rounds + 1):
        # -- active set: elements that came near a limit in any AC run so far; rows at the stress step
        watch_b, watch_e = network_round.watch(ops, nw, watch_b, watch_e)
        ts = time.perf_counter()
        lin, rows = network_round.rows_at(grid, el, res.p_inject_wide(), res.q_inject_wide(), ops, nw, watch_b, watch_e,
                                          vm_margin, l_margin, park_bus, park_of)
        timings["linearise_s"] += time.perf_counter() - ts
        ts = time.perf_counter()
        add_network_constraints(dm, rows, q_control=nc.q_control, pf_min=pf_min)
        timings["network_build_s"] += time.perf_counter() - ts
        res = solve_round(f"round {r}")
        slack = slack_results(dm, rows)
        pred = _predict(lin, ops, res, park_of)
        ops = ac(res)
        err_v = float(np.nanmax(np.abs(pred[0] - ops.vm_pu))) if ops.vm_pu.size else np.nan
        err_l = float(np.nanmax(np.abs(pred[1] - ops.end_loading_percent))) if ops.end_loading_percent.size else np.nan
        rounds.append({"round": r, "objective_cny": res.solve.objective_cny, "cost_cny": res.total_cost_cny,
                       "n_violations": ops.n_violations, "vm_min_pu": float(np.nanmin(ops.vm_pu)),
                       "vm_max_pu": float(np.nanmax(ops.vm_pu)), "loading_max_percent": float(np.nanmax(ops.end_loading_percent)),
                       "n_rows": rows.n_rows, "max_error_vm_pu": err_v, "max_error_loading_percent": err_l})
        say(f"network round {r}: cost {res.total_cost_cny:,.0f} CNY, {ops.n_violations} AC violation(s), "
            f"{rows.n_rows} linear rows, linear-vs-AC error {err_v:.4f} pu / {err_l:.2f} %")
        if ops.n_violations == 0:
            break
        # -- tighten by the observed excess where the AC still violates
        vm_margin, l_margin = network_round.tighten(ops, nw, vm_margin, l_margin)
    timings["total_s"] = time.perf_counter() - t0
    return ConstrainedRun(res, ops.ac, res0, n0, pd.DataFrame(rounds), slack, timings)


def _predict(lin, ops: OperatingPoints, res: DispatchResult, park_of: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Linear prediction (voltage [pu] per checked bus, loading [%] per branch end) of a new dispatch."""
    inj = lin.injections
    P = res.p_inject_wide().T.groupby(park_of).sum().T.reindex(columns=inj).to_numpy(float)
    Q = res.q_inject_wide().T.groupby(park_of).sum().T.reindex(columns=inj).to_numpy(float)
    order = [ops.injections.index(j) for j in inj]
    dP = P - ops.p_inject_mw[:, order]
    dQ = Q - ops.q_inject_mvar[:, order]
    vm = ops.vm_pu + dP @ lin.vm_per_p.loc[ops.bus_names].to_numpy().T + dQ @ lin.vm_per_q.loc[ops.bus_names].to_numpy().T
    e = ops.ends.names
    pf = ops.pf_mw + dP @ lin.pf_per_p.loc[e].to_numpy().T + dQ @ lin.pf_per_q.loc[e].to_numpy().T
    qf = ops.qf_mvar + dP @ lin.qf_per_p.loc[e].to_numpy().T + dQ @ lin.qf_per_q.loc[e].to_numpy().T
    ld = np.hypot(pf, qf) / (ops.vm_end_pu * ops.ends.s_rated_mva[None, :]) * 100.0
    return vm, ld
