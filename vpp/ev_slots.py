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

from optimization.registry import AssetBlock, register
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
            w = session_windows(a.profile.get("sessions"), data.index, data.dt_h).sort_values("t_a", kind="stable")
            n_slots = int(a.profile["n_slots"])
            if len(w) > n_slots:
                raise ValueError(f"EV group '{a.name}': {len(w)} sessions in a window but only {n_slots} slots")
            w = w.reset_index(drop=True)
            self.windows[a.name] = w
            ub = np.zeros((n_slots, data.n_t))
            lo = np.zeros(n_slots)
            hi = np.zeros(n_slots)
            for j in range(n_slots):
                self.slot_session[(a.name, j)] = None
            for j, r in enumerate(w.itertuples()):
                ub[j, r.t_a : r.t_d] = r.p_max_mw
                lo[j], hi[j] = r.e_lo_mwh, r.e_hi_mwh
                self.slot_session[(a.name, j)] = r.session
            self.ub[a.name], self.e_lo[a.name], self.e_hi[a.name] = ub, lo, hi

    def build(self, b) -> None:
        self._load()
        n_t, dt = self.data.n_t, self.data.dt_h
        pairs = [(a, j) for a in self.names for j in range(len(self.e_lo[a]))]
        b.J = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        b.T = pyo.RangeSet(0, n_t - 1)
        b.p_slot_mw = pyo.Var(b.J, b.T, bounds=lambda b, a, j, t: (0.0, float(self.ub[a][j, t])))
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
        for (a, j) in b.J:
            for t, v in enumerate(self.ub[a][j].tolist()):
                b.p_slot_mw[a, j, t].setub(v)
            b.e_lo_mwh[a, j].set_value(float(self.e_lo[a][j]))
            b.e_hi_mwh[a, j].set_value(float(self.e_hi[a][j]))

    def injection_mw(self, b, asset, t):
        return -sum(b.p_slot_mw[asset, j, t] for j in self.slots[asset])

    def injection_range(self, asset):
        return -self.ub[asset].sum(axis=0), np.zeros(self.data.n_t)

    def cost_cny(self, b):
        return sum(self.by_name[a].spec.unmet_penalty_cny_per_mwh * b.e_unmet_mwh[a, j] for (a, j) in b.J)

    def fix_baseline(self, b) -> None:
        n_t, dt = self.data.n_t, self.data.dt_h
        for a in self.names:
            w = self.windows[a]
            g = greedy_profile(w, n_t, dt)
            for j in self.slots[a]:
                for t in range(n_t):
                    b.p_slot_mw[a, j, t].fix(float(g[j, t]) if j < len(w) else 0.0)

    def _power_all(self, b) -> dict[str, np.ndarray]:
        """Power [MW] per asset: array slot × step, read once per solve (cached until the next update)."""
        cache = getattr(self, "_power_cache", None)
        if cache is not None and cache[0] is b and cache[1] == id(self.data):
            return cache[2]
        out = {a: np.zeros((len(self.slots[a]), self.data.n_t)) for a in self.names}
        for (a, j, t), v in b.p_slot_mw.extract_values().items():
            out[a][j, t] = v or 0.0
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

    def results(self, b) -> pd.DataFrame:
        n_t = self.data.n_t
        p = np.vstack([self.slot_power_mw(b, a).sum(axis=0) for a in self.names])
        return self.frame(self.names, n_t, p_inject_mw=-p, q_inject_mvar=np.zeros_like(p), p_charge_mw=p,
                          cost_cny=np.zeros_like(p))
