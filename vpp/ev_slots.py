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
* injection ``-sum_j p_slot_mw[a,j,t]``; cost ``unmet_penalty_cny_per_mwh * sum_j e_unmet_mwh[a,j]``.

It is exact (no envelope relaxation) and keeps the model structure fixed, so windows are updated, not
rebuilt. Registered as kind ``ev_charging_slots``; only :mod:`vpp.rolling` uses it (results are
relabelled ``ev_charging``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values
from vpp.assets.ev_charging import greedy_profile, session_windows

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
        for a in self.assets:
            w = session_windows(a.profile.get("sessions"), data.index, data.dt_h)
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

    def update(self, b, data) -> None:
        """Next window: slots refilled with the window's sessions (bounds and energy parameters)."""
        self._power_cache = None
        self._reload(data)
        self._load()
        set_values(b.p_slot_max_mw, np.vstack([self.ub[a][j] for (a, j) in b.J]))
        set_values(b.e_lo_mwh, [self.e_lo[a][j] for (a, j) in b.J])
        set_values(b.e_hi_mwh, [self.e_hi[a][j] for (a, j) in b.J])

    def injection_mw(self, b, asset, t):
        return -sum(b.p_slot_mw[asset, j, t] for j in self.slots[asset])

    def injection_range(self, asset):
        return -self.ub[asset].sum(axis=0), np.zeros(self.data.n_t)

    def cost_cny(self, b):
        return sum(self.by_name[a].spec.unmet_penalty_cny_per_mwh * b.e_unmet_mwh[a, j] for (a, j) in b.J)

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

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = np.vstack([self.slot_power_mw(b, a).sum(axis=0) for a in self.names])
        return dict(
            p_inject_mw=-p, q_inject_mvar=np.zeros_like(p), p_charge_mw=p,
                          cost_cny=np.zeros_like(p),
        )
