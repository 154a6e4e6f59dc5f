"""Curtailable (and valley-filling) capacity of a set of parks, on one day, as a re-solved LP.

Given the normal schedule of a day (the optimised dispatch of :mod:`optimization.model`), the capacity
for a window of ``d`` hours starting at step ``t_s`` is the largest reduction ``R`` [MW] of the net import
that the parks can hold at **every** step of the window, from the state the schedule leaves them in.

One :class:`CapacityModel` keeps one Pyomo model and one solve session
(:class:`optimization.session.SolveSession`) for the whole sweep over start hours × durations ×
directions; between solves only fixed variables change, passed to HiGHS as column bounds.

Maths, for the parks ``P_s`` of the scope (one park, or all parks for the district) and
``net[p,t] = p_import_mw[p,t] - p_export_mw[p,t]`` [MW], ``ref[t] = sum_{p in P_s} net_normal[p,t]``:

* **down** (peak shaving): ``sum_{p in P_s} net[p,t] + R <= ref[t]`` for ``t`` in ``[t_s, t_s + d/dt_h)``;
* **up** (valley filling): ``sum_{p in P_s} net[p,t] - R >= ref[t]`` for ``t`` in the window;
* **history**: every time-indexed variable ``x[..., t]`` with ``t < t_s - notice_h/dt_h`` is fixed to its
  normal value (the decisions taken before the notice arrives; generic through the convention that the
  step is the last index element). Between the notice and the window the assets may prepare
  (pre-charge a battery, pre-cool a store); after the window they may re-optimise (rebound allowed);
* **obligations**: every constraint of the dispatch model still holds (EV energy by departure, SOC
  limits and end-of-day SOC, the interruptible contract's daily energy, comfort/process bounds of any
  other kind, connection import/export limits); block variables without a time index (penalised
  slacks such as unmet EV energy) may not exceed their normal values, so no obligation is bought
  with a penalty;
* **contract duration**: an asset whose block defines ``capacity_hold_limit_h(asset)`` or whose spec
  carries ``max_event_h``, ``max_duration_h`` or ``max_hours_per_day`` (the interruptible contract) may
  only contribute to windows with ``d <= limit``; for longer windows its time-indexed variables inside
  the window are fixed to their normal values (a contract cannot hold a reduction longer than it allows);
* **called window**: a down window is treated as a called event: blocks with an ``event_window`` hook
  (:meth:`optimization.model.DispatchModel.open_event_window`) relax their service limit over the
  window's steps, e.g. the air-conditioning set-point may rise by ``setpoint_raise_max_k`` (with its
  recovery ramp and the rebound after it); up windows keep the normal limits;
* objective: ``maximise R - EPS_COST * cost`` with ``cost`` the dispatch objective [CNY] (keeps the
  schedule outside the window sensible; ``EPS_COST`` is small enough never to trade MW for CNY), solved
  as ``minimise cost - R / EPS_COST``.

``R = 0`` (the normal schedule itself) is always feasible, so a window never makes the model infeasible.

**Zero-import floor** (``floor=True``, used by the admission check): a down capacity counts only down to
zero import, ``R <= min_{t in window} ref[t]`` (exports do not count as a reduction of load). Since the
feasible ``R`` of a window form an interval ``[0, R*]`` (the LP is convex and ``R = 0`` is feasible),
adding that bound gives exactly ``min(R*, min_t ref[t])``, which is how it is computed (no re-solve).

**Order of solves** (:meth:`CapacityModel.solve_many`): ascending start (history only grows), then per
start all *down* windows by ascending duration, then all *up* windows: consecutive solves are then
close, and HiGHS's warm start from the previous basis needs ~1.6x fewer iterations than alternating
directions (measured on the reference district).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from optimization import build_model
from optimization.data import ModelData
from optimization.session import SolveSession, solve
from vpp.errors import SolverError, VppError

DIRECTIONS = ("down", "up")
EPS_COST = 1e-7  # weight of the dispatch cost [CNY] against R [MW] in the capacity objective
R_MAX_MW = 1e5  # bound of R: keeps the LP bounded even with unlimited connections
HOLD_LIMIT_FIELDS = ("max_event_h", "max_duration_h", "max_hours_per_day")


def restrict(data: ModelData, parks: list[str]) -> ModelData:
    """The model data of a subset of parks (same time axis, prices and tariff)."""
    keep = set(parks)
    return ModelData(
        index=data.index,
        dt_h=data.dt_h,
        price_cny_per_mwh=data.price_cny_per_mwh,
        export_price_cny_per_mwh=data.export_price_cny_per_mwh,
        month=data.month,
        demand_charge_cny_per_mw_month=data.demand_charge_cny_per_mw_month,
        parks=[p for p in data.parks if p.name in keep],
        assets={k: [a for a in v if a.park in keep] for k, v in data.assets.items()},
        smoothing_cny_per_mw=data.smoothing_cny_per_mw,
    )


def hold_limit_h(block, asset: str) -> float | None:
    """Longest window [h] for which ``asset`` may hold a reduction (None: no limit); see module doc."""
    fn = getattr(block, "capacity_hold_limit_h", None)
    if callable(fn):
        return fn(asset)
    spec = block.by_name[asset].spec
    for f in HOLD_LIMIT_FIELDS:
        v = getattr(spec, f, None)
        if v is not None:
            return float(v)
    return None


def steps_of(hours: float, dt_h: float, what: str) -> int:
    """Number of steps in ``hours``; the duration must be a whole number of steps."""
    n = hours / dt_h
    if hours <= 0 or abs(n - round(n)) > 1e-9:
        raise VppError(f"{what} {hours:g} h must be a positive multiple of the {dt_h * 60:g} min step")
    return int(round(n))


@dataclass
class Window:
    """One capacity question: direction, duration [h], start hour [h]; answer ``r_mw``."""

    direction: str
    duration_h: float
    start_hour: float
    r_mw: float
    p_net_normal_mw: float  # mean normal net import of the scope over the window [MW]


class CapacityModel:
    """The dispatch model of a scope, solved once normally, then re-solved per capacity window."""

    def __init__(self, data: ModelData, *, time_limit_s: float = 300.0, mip_rel_gap: float = 1e-4, network=None,
                 normal_values: dict[str, float] | None = None):
        self.data = data
        self.dm = build_model(data)
        self.load_all = False  # load every variable after a window solve (vpp.capacity_study.grid), not only R
        if network is not None:  # grid limits (vpp.capacity_study.grid.network_hook): rows added before the normal solve
            network(self.dm)
        # the normal schedule: the dispatch LP alone, exactly as `vpp run` solves it (a capacity model's
        # extra rows could make HiGHS pick another of several equally cheap schedules)
        self.normal = solve(self.dm, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        m = self.dm.m
        if normal_values is not None:
            # another optimal normal schedule of the same parks, by variable name (e.g. the VPP district's,
            # whose LP over more parks may pick another of several equally cheap schedules)
            for v in m.component_data_objects(pyo.Var, descend_into=True):
                val = normal_values.get(v.name)
                if val is not None and not v.fixed:
                    v.set_value(val, skip_validation=True)
        n_t = data.n_t
        parks = [p.name for p in data.parks]
        imp = np.array([[m.p_import_mw[p, t].value or 0.0 for t in range(n_t)] for p in parks])
        exp = np.array([[m.p_export_mw[p, t].value or 0.0 for t in range(n_t)] for p in parks])
        self.net_normal_mw = {p: imp[i] - exp[i] for i, p in enumerate(parks)}
        self.ref_mw = (imp - exp).sum(axis=0)
        self._collect_variables()
        self._add_capacity_parts()
        # the capacity LP (R, hold rows, new objective) frozen once: windows change fixed flags only
        self.session = SolveSession(self.dm, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
        self.n_fixed_steps = 0
        self.highs_s = float(self.normal.highs_s) if np.isfinite(self.normal.highs_s) else 0.0  # HiGHS alone [s]
        self.n_solves = 1

    # -- setup ------------------------------------------------------------------------------------
    def _collect_variables(self) -> None:
        """Time-indexed free variables by step, and per-asset variables of duration-limited assets."""
        m, n_t = self.dm.m, self.data.n_t
        self.by_t: list[list] = [[] for _ in range(n_t + 1)]
        self.bounded: list = []  # untimed slacks whose upper bound was set here (told to the solver)
        for v in m.component_data_objects(pyo.Var, descend_into=True):
            if v.fixed or v.value is None or v.parent_component().local_name.startswith("cap_"):
                continue
            idx = v.index()
            last = idx[-1] if isinstance(idx, tuple) else idx
            row_slack = v.parent_block() is getattr(m, "network", None) and v.parent_component().local_name.startswith("s_")
            if row_slack:  # a network row's slack (indexed by row, not step): no worse than normal
                v.setub(float(v.value) + 1e-9)
                self.bounded.append(v)
            elif isinstance(last, (int, np.integer)) and not isinstance(last, bool):
                if 0 <= int(last) <= n_t:
                    self.by_t[int(last)].append((v, float(v.value)))
            elif v.parent_block() is not m:
                # a block variable without a time index (penalised slack): no worse than normal
                ub = float(v.value) + 1e-9
                v.setub(ub if v.ub is None else min(float(v.ub), ub))
                self.bounded.append(v)
        # assets whose contract limits the duration of a held reduction
        self.limited: list[tuple[float, dict[int, list]]] = []
        for kind, block in self.dm.blocks.items():
            b = getattr(m, kind)
            for asset in block.names:
                lim = hold_limit_h(block, asset)
                if lim is None:
                    continue
                steps: dict[int, list] = {}
                for var in b.component_objects(pyo.Var, descend_into=True):
                    if not var.is_indexed():
                        continue
                    for idx, v in var.items():
                        if isinstance(idx, tuple) and len(idx) >= 2 and idx[0] == asset and not v.fixed and v.value is not None:
                            if isinstance(idx[-1], (int, np.integer)):
                                steps.setdefault(int(idx[-1]), []).append((v, float(v.value)))
                self.limited.append((lim, steps))

    def _add_capacity_parts(self) -> None:
        """``R``, and for every step a hold constraint per direction with a slack that is free outside
        the window and fixed to 0 inside it (so a window changes only fixed flags, never rows).

        The objective is ``minimise cost − R / EPS_COST`` (the module's ``maximise R − EPS_COST·cost``
        scaled by ``1/EPS_COST``)."""
        m = self.dm.m
        parks = list(m.P)
        m.cap_r_mw = pyo.Var(bounds=(0.0, R_MAX_MW))
        m.cap_slack_down_mw = pyo.Var(m.T, within=pyo.NonNegativeReals)
        m.cap_slack_up_mw = pyo.Var(m.T, within=pyo.NonNegativeReals)
        m.cap_ref_mw = pyo.Param(m.T, mutable=True, initialize=dict(enumerate(self.ref_mw.tolist())))

        def net(m, t):
            return sum(m.p_import_mw[p, t] - m.p_export_mw[p, t] for p in parks)

        # down: net + R - s <= ref ; up: net - R + s >= ref  (s = 0 inside the window)
        m.cap_down = pyo.Constraint(m.T, rule=lambda m, t: net(m, t) + m.cap_r_mw - m.cap_slack_down_mw[t] <= m.cap_ref_mw[t])
        m.cap_up = pyo.Constraint(m.T, rule=lambda m, t: net(m, t) - m.cap_r_mw + m.cap_slack_up_mw[t] >= m.cap_ref_mw[t])
        base = getattr(m, "objective_network", m.objective)  # dispatch objective (+ network penalties)
        m.objective.deactivate()
        base.deactivate()
        m.cap_objective = pyo.Objective(expr=base.expr - m.cap_r_mw / EPS_COST, sense=pyo.minimize)

    def _vars_changed(self, variables: list) -> None:
        if variables:
            self.session.mark_bounds_changed(variables)

    def _solve_r(self) -> float:
        """Re-solve the capacity LP and read ``R`` (the schedule only when ``load_all``)."""
        m = self.dm.m
        try:
            self.session.solve(load=self.load_all)
        except SolverError as exc:
            raise SolverError(f"capacity window of park(s) {', '.join(m.P)}: {exc}") from None
        self.highs_s += self.session.times.highs_s
        self.n_solves += 1
        return self.session.value(m.cap_r_mw)

    # -- one window -------------------------------------------------------------------------------
    def fix_history(self, t_fix: int) -> None:
        """Fix every time-indexed variable with step ``< t_fix`` to its normal value (grows only)."""
        if t_fix < self.n_fixed_steps:
            raise ValueError("history can only grow: sweep start hours in ascending order")
        changed = []
        for t in range(self.n_fixed_steps, min(t_fix, len(self.by_t))):
            for v, val in self.by_t[t]:
                v.fix(val, skip_validation=True)  # a normal value may sit 1e-15 past a bound
                changed.append(v)
        self._vars_changed(changed)
        self.n_fixed_steps = max(self.n_fixed_steps, t_fix)

    def solve_window(self, direction: str, t_s: int, n_steps: int, duration_h: float, floor: bool = False) -> float:
        """Largest held change ``R`` [MW] over steps ``[t_s, t_s + n_steps)`` (see module doc); ``floor``:
        a down capacity counts only down to zero import (module doc, "Zero-import floor")."""
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction '{direction}'")
        m = self.dm.m
        slack = m.cap_slack_down_mw if direction == "down" else m.cap_slack_up_mw
        window = range(t_s, min(t_s + n_steps, self.data.n_t))
        changed = [slack[t] for t in window]
        for v in changed:
            v.fix(0.0)
        for lim, steps in self.limited:
            if duration_h > lim + 1e-9:
                for t in window:
                    for v, val in steps.get(t, []):
                        if not v.fixed:
                            v.fix(val, skip_validation=True)
                            changed.append(v)
        self._vars_changed(changed)
        # a down window is a called event: e.g. the AC set-point may rise (parameters, re-read by the session)
        called = direction == "down" and self.dm.open_event_window(list(window))
        if called:
            self.session.read_parameters()
        try:
            r = self._solve_r()
        except SolverError as exc:
            raise SolverError(f"{direction} {duration_h:g} h from step {t_s}: {exc}") from None
        finally:
            if called:
                self.dm.open_event_window([])
                self.session.read_parameters()
            for v in changed:
                v.unfix()
            self._vars_changed(changed)
        if floor and direction == "down":
            r = min(r, float(self.ref_mw[window.start:window.stop].min()))
        return r if r > 0.0 else 0.0  # (also turns a solver's -0.0 into 0.0)

    def solve_many(self, jobs, notice_h: float, floor: bool = False) -> dict[tuple[float, float, str], Window]:
        """Solve every ``(start_hour, duration_h, direction)`` of ``jobs`` whose window ends inside the
        horizon, in the order of the module doc; returns them by key (duplicates solved once)."""
        dt = self.data.dt_h
        n_t = self.data.n_t
        n_notice = int(np.floor(notice_h / dt + 1e-9))
        keys = sorted({(float(h), float(d), str(r)) for h, d, r in jobs},
                      key=lambda k: (k[0], DIRECTIONS.index(k[2]), k[1]))
        out: dict[tuple[float, float, str], Window] = {}
        for h, d, direction in keys:
            t_s = steps_of(h, dt, "start hour") if h > 0 else 0
            n_d = steps_of(d, dt, "duration")
            if t_s + n_d > n_t:
                continue
            self.fix_history(max(0, t_s - n_notice))
            ref = float(self.ref_mw[t_s : t_s + n_d].mean())
            out[(h, d, direction)] = Window(direction, d, h, self.solve_window(direction, t_s, n_d, d, floor=floor), ref)
        return out

    def sweep(self, start_hours, durations_h, notice_h: float, directions=DIRECTIONS) -> list[Window]:
        """Every (start hour, duration, direction) whose window ends inside the horizon, ascending start
        (solved in the order of :meth:`solve_many`)."""
        got = self.solve_many([(h, d, r) for h in start_hours for d in durations_h for r in directions], notice_h)
        return [got[k] for k in sorted(got, key=lambda k: (k[0], k[1], DIRECTIONS.index(k[2])))]
