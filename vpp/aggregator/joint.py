"""The VPP's response LPs: joint dispatch, parks alone, naive pro-rata split; set-points; AC check.

One district model (:func:`optimization.build_model` over **all** parks) in which the non-member parks'
exchange ``p_import_mw``/``p_export_mw`` is fixed to their normal optimised dispatch (they are not part
of the VPP but share the grid, so the AC check and linear network rows see the whole district).

Normal dispatch ``a0`` (no instruction) is solved first; a mode's model is a fresh build whose variables
start at ``a0``: every variable with step ``t < t_notice`` is fixed there (:func:`vpp.demand_response.event.fix_before`),
and for valley filling the members' own generation keeps at least its normal value in the window
(:func:`vpp.demand_response.event.keep_own_generation`). With park response ``d[p,t] = sign·(B[p,t] − a[p,t])``,
request ``R[t]``, band ``[lo, hi]``, price ``π``, penalty ``π_s`` and dispatch cost ``C`` (objective of
:mod:`optimization.model`):

* **joint**: ``s[t] >= lo·R[t] − Σ_p d[p,t]``, ``s >= 0``; ``Y <= Σ_{t,p} d[p,t]·dt_h``,
  ``Y <= hi·Σ_t R[t]·dt_h``; minimise ``C − π·Y + π_s·Σ_t s[t]·dt_h``;
* **alone**: each park ``p`` gets the share ``φ_p`` of the request (pro rata to its baseline energy in the
  window, :func:`vpp.demand_response.event.split_district`) and is settled alone: ``s[p,t] >= lo·φ_p·R[t] − d[p,t]``,
  ``Y_p <= Σ_t d[p,t]·dt_h``, ``Y_p <= hi·φ_p·E``; minimise ``C − π·Σ_p Y_p + π_s·Σ s[p,t]·dt_h``.
  The problem is block-diagonal over parks, so one solve is the sum of the separate solves;
* **pro-rata**: the naive split: park ``p`` is told to follow ``φ_p·R[t]``: ``s[p,t] >= φ_p·R[t] − d[p,t]``,
  ``d[p,t] <= hi·φ_p·R[t]``; minimise ``C + π_s·Σ s[p,t]·dt_h``; the outcome is settled at the VPP level.

The alone solution summed over parks is feasible for the joint problem with the same or a lower
objective (``Σ_p s[p,t]`` covers ``lo·R[t] − D[t]`` and ``Σ_p Y_p`` meets both caps of ``Y``), so the
joint LP objective never exceeds the alone one (tested). The LP counts a step that goes the wrong way
against the paid energy (the settlement clips it at 0), so it never over-estimates the compensation.

**Set-points**: per park ``a[p,t]`` (net import) and ``d[p,t]`` (its part of the delivered response,
``Σ_p d[p,t] = D[t]``); per asset its injection ``p_inject_mw`` and the change against ``a0``
(``Σ_a Δinj[a,t] = a0[p,t] − a[p,t]``).

``network_limits: linear`` adds the linearised voltage and branch rows of
:mod:`optimization.network` in a closed loop with the AC power flow (as :mod:`vpp.closed_loop`):
linearise at the most stressed step, add the rows of every element that came near a limit, re-solve,
AC check; stop when clean or after ``network_constraints.max_rounds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization import build_model
from optimization.results import DispatchResult, extract
from optimization.session import solve
from vpp.dispatch import ac_check, model_data
from vpp.demand_response.event import fix_before, keep_own_generation, month_so_far, split_district

MODES = ("joint", "alone", "prorata")


def net_of(res: DispatchResult, parks: list[str]) -> dict[str, np.ndarray]:
    """Net import ``p_import − p_export`` [MW] per park over the steps."""
    w = res.parks.pivot(index="time", columns="park", values="p_net_import_mw")
    return {p: w[p].to_numpy(dtype=float) for p in parks}


@dataclass
class ModeResult:
    """A solved mode: dispatch tables, LP objective of the members [CNY], AC check, timings."""

    mode: str
    dispatch: DispatchResult
    objective_members_cny: float
    ac: Any = None
    network_rounds: list[dict] = field(default_factory=list)


class District:
    """The district model with the non-members fixed to their normal dispatch (module docstring)."""

    def __init__(self, prep, members: list[str], *, network_limits: str = "connection", history_mw=None):
        self.prep = prep
        self.scn = prep.scenario
        self.members = list(members)
        self.others = [p.name for p in self.scn.parks if p.name not in set(members)]
        self.network_limits = network_limits
        self.data = model_data(self.scn, prep.profiles, prep.capacity_mva)
        if history_mw is not None:  # the members' maximum demand so far in the month (docs/billing.md)
            month_so_far(self.data, history_mw)
        self.dt_h = self.data.dt_h
        self.index = self.data.index
        dm = build_model(self.data)
        info = solve(dm, **self.opts)
        self.normal = extract(dm, info, strategy="normal")
        self._values = [v.value for v in dm.m.component_data_objects(pyo.Var, descend_into=True)]
        self.a0 = net_of(self.normal, [p.name for p in self.scn.parks])
        self.cost0 = self.normal.costs.set_index("park")["total_cost_cny"]

    @property
    def opts(self) -> dict:
        return dict(time_limit_s=self.scn.solver.time_limit_s, mip_rel_gap=self.scn.solver.mip_rel_gap)

    def fresh(self):
        """A new model at the normal dispatch, non-members' exchange fixed."""
        dm = build_model(self.data)
        for v, val in zip(dm.m.component_data_objects(pyo.Var, descend_into=True), self._values):
            v.set_value(val, skip_validation=True)
        for p in self.others:
            for t in range(self.data.n_t):
                dm.m.p_import_mw[p, t].fix()
                dm.m.p_export_mw[p, t].fix()
        return dm

    def members_cost(self, res: DispatchResult) -> float:
        c = res.costs.set_index("park")["total_cost_cny"]
        return float(c[self.members].sum())

    def others_cost(self, res: DispatchResult) -> float:
        c = res.costs.set_index("park")["total_cost_cny"]
        return float(c[self.others].sum()) if self.others else 0.0

    # ------------------------------------------------------------------------------------- modes
    def shares(self, req, baseline_mw: dict[str, np.ndarray]) -> dict[str, float]:
        """``φ_p``: pro rata to baseline energy in the window (in the response direction)."""
        s = req.terms.sign
        return split_district(1.0, {p: float(s * baseline_mw[p][req.steps].sum() * self.dt_h) for p in self.members})

    def add_instruction(self, dm, req, baseline_mw: dict[str, np.ndarray], mode: str) -> None:
        """Variables, constraints and objective of ``mode`` (module docstring)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode '{mode}'")
        m, dt = dm.m, self.dt_h
        t_ = req.terms
        sign, (lo, hi) = t_.sign, t_.band
        W = list(req.steps)
        R = {t: float(r) for t, r in zip(W, req.r_mw)}
        e_req = sum(R.values()) * dt
        P = self.members
        m.VP = pyo.Set(initialize=P, ordered=True)
        m.VW = pyo.Set(initialize=W, ordered=True)
        m.vpp_d_mw = pyo.Expression(m.VP, m.VW, rule=lambda m, p, t: sign * (
            float(baseline_mw[p][t]) - (m.p_import_mw[p, t] - m.p_export_mw[p, t])))
        if mode == "joint":
            m.vpp_short_mw = pyo.Var(m.VW, within=pyo.NonNegativeReals)
            m.vpp_short_def = pyo.Constraint(m.VW, rule=lambda m, t: m.vpp_short_mw[t] >= lo * R[t] - sum(m.vpp_d_mw[p, t] for p in P))
            m.vpp_paid_mwh = pyo.Var()
            m.vpp_paid_le_response = pyo.Constraint(expr=m.vpp_paid_mwh <= sum(m.vpp_d_mw[p, t] for p in P for t in W) * dt)
            m.vpp_paid_le_band = pyo.Constraint(expr=m.vpp_paid_mwh <= hi * e_req)
            extra = -t_.price_cny_per_mwh * m.vpp_paid_mwh + t_.penalty_cny_per_mwh * dt * sum(m.vpp_short_mw[t] for t in W)
        else:
            phi = self.shares(req, baseline_mw)
            m.vpp_short_mw = pyo.Var(m.VP, m.VW, within=pyo.NonNegativeReals)
            level = lo if mode == "alone" else 1.0
            m.vpp_short_def = pyo.Constraint(
                m.VP, m.VW, rule=lambda m, p, t: m.vpp_short_mw[p, t] >= level * phi[p] * R[t] - m.vpp_d_mw[p, t])
            pen = t_.penalty_cny_per_mwh * dt * sum(m.vpp_short_mw[p, t] for p in P for t in W)
            if mode == "alone":
                m.vpp_paid_mwh = pyo.Var(m.VP)
                m.vpp_paid_le_response = pyo.Constraint(
                    m.VP, rule=lambda m, p: m.vpp_paid_mwh[p] <= sum(m.vpp_d_mw[p, t] for t in W) * dt)
                m.vpp_paid_le_band = pyo.Constraint(m.VP, rule=lambda m, p: m.vpp_paid_mwh[p] <= hi * phi[p] * e_req)
                extra = -t_.price_cny_per_mwh * sum(m.vpp_paid_mwh[p] for p in P) + pen
            else:
                m.vpp_follow = pyo.Constraint(m.VP, m.VW, rule=lambda m, p, t: m.vpp_d_mw[p, t] <= hi * phi[p] * R[t])
                extra = pen
        m.objective.deactivate()
        m.vpp_extra_cny = pyo.Expression(expr=extra)
        m.vpp_objective = pyo.Objective(expr=m.objective.expr + m.vpp_extra_cny, sense=pyo.minimize)

    def solve_mode(self, req, baseline_mw: dict[str, np.ndarray], mode: str, *, ac: bool = False) -> ModeResult:
        """Build, solve and (optionally) AC-check one mode."""
        dm = self.fresh()
        fix_before(dm, req.t_notice)
        if req.terms.kind == "valley_filling":
            keep_own_generation(dm, self.members, list(req.steps))
        else:  # a peak-shaving instruction is a grid call (AC set-point raise, interruptible contracts, use: grid)
            dm.open_event_window(list(req.steps))
        self.add_instruction(dm, req, baseline_mw, mode)
        info = solve(dm, **self.opts)
        res = extract(dm, info, strategy=f"vpp_{mode}")
        rounds: list[dict] = []
        acres = None
        if self.network_limits == "linear":
            res, acres, rounds = self._network_loop(dm, res)
        elif ac:
            acres = self.ac_check(res)
        obj = info.objective_cny if not rounds else float(pyo.value(dm.m.vpp_objective))
        return ModeResult(mode, res, float(obj) - self.others_cost(res), acres, rounds)

    def ac_check(self, res: DispatchResult):
        """AC power flow of every step of a district dispatch (``vpp.dispatch.ac_check``)."""
        return ac_check(self.prep, res)

    # ----------------------------------------------------------------------------- network (linear)
    def _network_loop(self, dm, res: DispatchResult):
        """Closed loop of linearised network rows and AC (module docstring); returns the last round."""
        from network_models.linear import ac_points
        from optimization.network import add_network_constraints
        from vpp.dispatch import network_round

        scn, grid, el = self.scn, self.prep.grid, self.prep.elements
        nw, nc = scn.network, scn.network_constraints
        park_of = {a.name: p.name for p, a in scn.assets()}
        park_bus = {p.name: grid.park_bus[p.name] for p in scn.parks}
        pf_min = {p.name: p.connection.pf_min for p in scn.parks}
        ops = ac_points(grid, el, res.p_inject_wide(), res.q_inject_wide(), park_of)
        rounds = [{"round": 0, "n_violations": ops.n_violations, "n_rows": 0}]
        watch_b: set[str] = set()
        watch_e: set[str] = set()
        vm_margin, l_margin = network_round.initial_margins(ops, nc)
        extra = dm.m.vpp_extra_cny
        for r in range(1, nc.max_rounds + 1):
            if ops.n_violations == 0:
                break
            watch_b, watch_e = network_round.watch(ops, nw, watch_b, watch_e)
            _, rows = network_round.rows_at(grid, el, res.p_inject_wide(), res.q_inject_wide(), ops, nw, watch_b, watch_e,
                                            vm_margin, l_margin, park_bus, park_of)
            dm.m.vpp_objective.deactivate()
            add_network_constraints(dm, rows, q_control=nc.q_control, pf_min=pf_min)
            dm.m.objective_network.deactivate()
            if hasattr(dm.m, "vpp_objective_network"):
                dm.m.del_component("vpp_objective_network")
            dm.m.vpp_objective_network = pyo.Objective(expr=dm.m.objective_network.expr + extra, sense=pyo.minimize)
            info = solve(dm, **self.opts)
            res = extract(dm, info, strategy=res.strategy)
            ops = ac_points(grid, el, res.p_inject_wide(), res.q_inject_wide(), park_of)
            rounds.append({"round": r, "n_violations": ops.n_violations, "n_rows": rows.n_rows})
            vm_margin, l_margin = network_round.tighten(ops, nw, vm_margin, l_margin)
        if hasattr(dm.m, "vpp_objective_network"):
            dm.m.vpp_objective = dm.m.vpp_objective_network  # objective value read by solve_mode
        return res, ops.ac, rounds

    # ----------------------------------------------------------------------------------- set-points
    def setpoints(self, mr: ModeResult, req, baseline_mw: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per park × step and per asset × step set-points of the members (module docstring)."""
        a1 = net_of(mr.dispatch, self.members)
        in_w = np.zeros(self.data.n_t, dtype=bool)
        in_w[list(req.steps)] = True
        s = req.terms.sign
        parks = pd.concat([pd.DataFrame({
            "time": self.index, "park": p, "in_window": in_w, "baseline_mw": baseline_mw[p], "normal_mw": self.a0[p],
            "setpoint_mw": a1[p], "response_mw": np.where(in_w, s * (baseline_mw[p] - a1[p]), 0.0),
        }) for p in self.members], ignore_index=True)
        A1 = mr.dispatch.assets
        A0 = self.normal.assets
        a1w = A1[A1.park.isin(self.members)][["time", "park", "asset", "kind", "p_inject_mw"]]
        a0w = A0[A0.park.isin(self.members)][["time", "asset", "p_inject_mw"]].rename(columns={"p_inject_mw": "normal_inject_mw"})
        assets = a1w.merge(a0w, on=["time", "asset"], how="left")
        assets = assets.rename(columns={"p_inject_mw": "setpoint_inject_mw"})
        assets["delta_inject_mw"] = assets.setpoint_inject_mw - assets.normal_inject_mw
        assets["in_window"] = assets.time.isin(self.index[list(req.steps)])
        return parks, assets
