"""EV charging for rolling windows: a fixed pool of session *slots* per EV group (internal kind).

The per-session model has one variable per plugged (session, step), which changes every day. Here each
group ``a`` has ``J_a`` slots (the most sessions that overlap any window of the run); each window the
sessions overlapping it are put into slots in order of arrival, unused slots get a zero session. Per slot
``j`` and window step ``t``:

* ``0 <= p_slot_mw[a,j,t] <= ub[a,j,t]``, ``ub = p_max_mw`` of the slot's session while plugged, else 0
  (variable bounds, updated per window);
* ``sum_t p_slot_mw[a,j,t] * dt_h + e_unmet_mwh[a,j] >= e_lo_mwh[a,j]`` and
  ``sum_t p_slot_mw[a,j,t] * dt_h <= e_hi_mwh[a,j]`` (mutable parameters; energy still needed by the
  session: ``e_mwh`` minus what earlier windows delivered, see :func:`ev_charging.session_windows`);
* injection ``-sum_j p_slot_mw[a,j,t]``; cost ``unmet_penalty_cny_per_mwh * sum_j e_unmet_mwh[a,j]``;
* no smoothing term (:mod:`optimization.smoothing`): on the group power ``sum_j p_slot_mw[a,j,t]`` it made
  HiGHS 3.4x slower per window of a yuhua_district year (86 -> 293 ms, measured; the batteries' term alone
  86 -> 113 ms) and the rolling evaluation reports bills, which the term leaves unchanged.

Opt-in and uncertain departures as in :mod:`vpp.assets.ev_charging`: only managed sessions take slots
(the unmanaged ones charge by the baseline rule, a mutable parameter ``p_unmanaged_mw[a,t]`` in the
injection and their shortfall a constant penalty), and every session's window ends at its planned
departure. V2G groups are refused (a vehicle's energy state is not carried between windows).

It is exact (no envelope relaxation) and keeps the model structure fixed, so windows are updated, not
rebuilt. Registered as kind ``ev_charging_slots``; only :mod:`vpp.rolling` uses it (results are
relabelled ``ev_charging``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values
from vpp.assets.ev_charging import Unmanaged, asset_windows, capped_mwh, greedy_profile, split_managed
from vpp.errors import VppError

KIND = "ev_charging_slots"


@register
class EVSlotsBlock(AssetBlock):
    kind = KIND

    def _load(self) -> None:
        data = self.data
        self.windows = {}
        self.slot_session: dict[tuple[str, int], str | None] = {}
        self.ub = {}
        self.e_lo, self.e_hi = {}, {}
        self.all_windows, self.unmanaged = {}, {}
        self.opt_out = [a.name for a in self.assets if a.spec.participation_share < 1.0]
        self.uncertain = [a.name for a in self.assets if a.spec.departure_uncertainty_h > 0]
        for a in self.assets:
            if a.spec.v2g:
                raise VppError(f"EV group '{a.name}': v2g is not available in rolling windows (the vehicles' energy "
                               "state is not carried between days); solve the period at once (--horizon perfect)")
            w_all = asset_windows(a, data.index, data.dt_h)
            w, w_u = split_managed(w_all)
            self.all_windows[a.name] = w_all
            self.unmanaged[a.name] = Unmanaged(w_u, data.n_t, data.dt_h)
            w = w.take(np.argsort(w["t_a"].to_numpy(), kind="stable")).reset_index(drop=True)
            n_slots = int(a.profile["n_slots"])
            if len(w) > n_slots:
                raise ValueError(f"EV group '{a.name}': {len(w)} sessions in a window but only {n_slots} slots")
            self.windows[a.name] = w
            n = len(w)
            t = np.arange(data.n_t)
            t_a, t_d = w["t_a"].to_numpy(dtype=int), w["t_d"].to_numpy(dtype=int)
            ub = np.zeros((n_slots, data.n_t))
            ub[:n] = np.where((t >= t_a[:, None]) & (t < t_d[:, None]), w["p_max_mw"].to_numpy(dtype=float)[:, None], 0.0)
            lo, hi = np.zeros(n_slots), np.zeros(n_slots)
            lo[:n], hi[:n] = w["e_lo_mwh"].to_numpy(dtype=float), w["e_hi_mwh"].to_numpy(dtype=float)
            sessions = w["session"].tolist()
            for j in range(n_slots):
                self.slot_session[(a.name, j)] = sessions[j] if j < n else None
            self.ub[a.name], self.e_lo[a.name], self.e_hi[a.name] = ub, lo, hi

    def build(self, b) -> None:
        self._load()
        n_t, dt = self.data.n_t, self.data.dt_h
        pairs = [(a, j) for a in self.names for j in range(len(self.e_lo[a]))]
        b.J = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        b.T = pyo.RangeSet(0, n_t - 1)
        b.p_slot_max_mw = pyo.Param(b.J, b.T, mutable=True, initialize=lambda b, a, j, t: float(self.ub[a][j, t]))
        b.p_slot_mw = pyo.Var(b.J, b.T, bounds=lambda b, a, j, t: (0.0, b.p_slot_max_mw[a, j, t]))
        b.e_unmet_mwh = pyo.Var(b.J, within=pyo.NonNegativeReals)
        b.e_lo_mwh = pyo.Param(b.J, mutable=True, initialize=lambda b, a, j: float(self.e_lo[a][j]))
        b.e_hi_mwh = pyo.Param(b.J, mutable=True, initialize=lambda b, a, j: float(self.e_hi[a][j]))
        b.energy_lo = pyo.Constraint(
            b.J, rule=lambda b, a, j: sum(b.p_slot_mw[a, j, t] for t in b.T) * dt + b.e_unmet_mwh[a, j] >= b.e_lo_mwh[a, j]
        )
        b.energy_hi = pyo.Constraint(b.J, rule=lambda b, a, j: sum(b.p_slot_mw[a, j, t] for t in b.T) * dt <= b.e_hi_mwh[a, j])
        self.slots = {a: [j for (x, j) in pairs if x == a] for a in self.names}
        b.AF = pyo.Set(initialize=self.opt_out, ordered=True)
        b.p_unmanaged_mw = pyo.Param(b.AF, b.T, mutable=True, initialize=lambda b, a, t: float(self.unmanaged[a].p_mw[t]))
        b.e_unmet_unmanaged_mwh = pyo.Param(b.AF, mutable=True, initialize=lambda b, a: self.unmanaged[a].unmet_mwh)

    def update(self, b, data) -> None:
        """Next window: slots refilled with the window's sessions (bounds and energy parameters)."""
        self._power_cache = None
        self._reload(data)
        self._load()
        set_values(b.p_slot_max_mw, np.vstack([self.ub[a][j] for (a, j) in b.J]))
        set_values(b.e_lo_mwh, [self.e_lo[a][j] for (a, j) in b.J])
        set_values(b.e_hi_mwh, [self.e_hi[a][j] for (a, j) in b.J])
        if self.opt_out:
            set_values(b.p_unmanaged_mw, np.vstack([self.unmanaged[a].p_mw for a in self.opt_out]))
            set_values(b.e_unmet_unmanaged_mwh, [self.unmanaged[a].unmet_mwh for a in self.opt_out])

    def injection_mw(self, b, asset, t):
        inj = -sum(b.p_slot_mw[asset, j, t] for j in self.slots[asset])
        if asset in self.opt_out:
            inj = inj - b.p_unmanaged_mw[asset, t]
        return inj

    def injection_range(self, asset):
        fixed = self.unmanaged[asset].p_mw
        return -self.ub[asset].sum(axis=0) - fixed, np.zeros(self.data.n_t) - fixed

    def cost_cny(self, b):
        cost = sum(self.by_name[a].spec.unmet_penalty_cny_per_mwh * b.e_unmet_mwh[a, j] for (a, j) in b.J)
        if self.opt_out:
            cost = cost + sum(self.by_name[a].spec.unmet_penalty_cny_per_mwh * b.e_unmet_unmanaged_mwh[a] for a in b.AF)
        return cost

    def baseline_values(self, b):
        n_t, dt = self.data.n_t, self.data.dt_h
        rows = []
        for a in self.names:  # b.J lists the slots asset by asset
            w = self.windows[a]
            g = greedy_profile(w, n_t, dt)
            rows += [g[j] if j < len(w) else np.zeros(n_t) for j in self.slots[a]]
        return [(b.p_slot_mw, np.vstack(rows) if rows else np.zeros((0, n_t)))]

    def _power_all(self, b) -> dict[str, np.ndarray]:
        """Power [MW] per asset: array slot × step, read once per solve (cached until the next update)."""
        cache = getattr(self, "_power_cache", None)
        if cache is not None and cache[0] is b and cache[1] == id(self.data):
            return cache[2]
        flat = self.var_values(b.p_slot_mw).reshape(-1, self.data.n_t)  # rows: slots (a, j) in b.J order
        out, row = {}, 0
        for a in self.names:  # b.J lists the slots asset by asset, j = 0, 1, ...
            k = len(self.slots[a])
            out[a] = flat[row:row + k]
            row += k
        self._power_cache = (b, id(self.data), out)
        return out

    def slot_power_mw(self, b, asset: str) -> np.ndarray:
        """Power [MW] per slot (rows) and step."""
        return self._power_all(b)[asset]

    def delivered_mwh(self, b, n_commit: int) -> dict[str, float]:
        """Energy each session received in the first ``n_commit`` steps [MWh]."""
        out = {}
        for a in self.names:
            p = self.slot_power_mw(b, a)
            for j in self.slots[a]:
                s = self.slot_session[(a, j)]
                if s is not None:
                    out[s] = float(p[j, :n_commit].sum() * self.data.dt_h)
        return out

    def unmanaged_delivered_mwh(self, asset: str, n_commit: int) -> dict[str, float]:
        """Energy each unmanaged session of ``asset`` received in the first ``n_commit`` steps [MWh]."""
        return self.unmanaged[asset].delivered_mwh(n_commit)

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = np.vstack([self.slot_power_mw(b, a).sum(axis=0) for a in self.names])
        if not (self.opt_out or self.uncertain):
            return dict(
                p_inject_mw=-p, q_inject_mvar=np.zeros_like(p), p_charge_mw=p,
                              cost_cny=np.zeros_like(p),
            )
        p_u = np.vstack([self.unmanaged[a].p_mw for a in self.names])
        out = dict(p_inject_mw=-(p + p_u), q_inject_mvar=np.zeros_like(p), p_charge_mw=p + p_u, cost_cny=np.zeros_like(p))
        if self.opt_out:
            out["p_unmanaged_mw"] = p_u
        if self.uncertain:
            out["e_capped_mwh"] = np.vstack([capped_mwh(self.all_windows[a], n_t) for a in self.names])
        return out
