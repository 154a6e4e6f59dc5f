"""EV charging groups: per-session schedules, or an aggregated energy envelope for large groups.

Each session ``s`` (from the profile table ``sessions``: arrival, departure, e_mwh, p_max_mw) is plugged
in during steps ``[t_a, t_d)``. Inside the horizon it must receive ``e_lo = e_hi = e_in``: ``e_in = e_mwh`` when it departs inside the horizon;
when it departs ``h_after`` hours after the horizon end, ``e_in = min(e_mwh, max(e_mwh * share_in,
e_mwh - p_max_mw * h_after))`` with ``share_in`` the share of its dwell time inside the horizon (its
pro-rata energy, and at least what cannot be delivered after the end). Optimised and baseline runs thus
deliver the same energy inside the horizon, so their costs compare like with like.

**sessions model**: ``0 <= p[s,t] <= p_max_mw`` for ``t`` in ``[t_a, t_d)``;
``sum_t p[s,t] * dt_h + u[s] >= e_lo``; ``sum_t p[s,t] * dt_h <= e_hi``; ``u[s] >= 0`` is unmet energy
[MWh] priced at ``unmet_penalty_cny_per_mwh``. Injection of the group: ``-sum_s p[s,t]``.

**envelope model** (one aggregate per group, a relaxation of the sessions model): power
``0 <= P[t] <= sum_{s plugged at t} p_max_s``, cumulative energy ``E[t] = E[t-1] + P[t] * dt_h`` bounded by
``E_lo[t] - u <= E[t] <= E_hi[t]`` with ``E_hi[t] = sum_s min(e_hi_s, p_max_s * plugged hours up to the end
of t)`` and ``E_lo[t] = sum_s max(0, e_lo_s - p_max_s * plugged hours after the end of t)``. It may
schedule power that no single-session split can realise when sessions differ a lot; it is chosen
automatically above 200 sessions (``model: auto``).

Baseline: every vehicle charges at full power from arrival until it has its energy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values

ENVELOPE_ABOVE_SESSIONS = 200


def session_windows(sessions: pd.DataFrame, index: pd.DatetimeIndex, dt_h: float) -> pd.DataFrame:
    """Step window and energy bounds of each session inside the horizon.

    Returns columns ``session, t_a, t_d, p_max_mw, e_mwh, e_lo_mwh, e_hi_mwh`` (``t_d`` exclusive, clipped
    to the horizon; sessions entirely outside the horizon are dropped).
    """
    n_t = len(index)
    if sessions is None or len(sessions) == 0:
        return pd.DataFrame(columns=["session", "t_a", "t_d", "p_max_mw", "e_mwh", "e_lo_mwh", "e_hi_mwh"])
    ns_per_h = 3.6e12
    t0_ns = pd.DatetimeIndex(index[:1]).asi8[0]
    h_a = (_ns(sessions["arrival"]) - t0_ns) / ns_per_h  # hours from the horizon start
    h_d = (_ns(sessions["departure"]) - t0_ns) / ns_per_h
    t_a = np.clip(np.ceil(h_a / dt_h - 1e-9), 0, n_t).astype(int)
    t_d = np.clip(np.floor(h_d / dt_h + 1e-9), 0, n_t).astype(int)
    p = sessions["p_max_mw"].to_numpy(dtype=float)
    e = sessions["e_mwh"].to_numpy(dtype=float)
    h_after = np.clip(h_d - n_t * dt_h, 0, None)
    dwell_h = np.clip(h_d - np.maximum(h_a, 0.0), 1e-9, None)
    share_in = np.clip(1.0 - h_after / dwell_h, 0.0, 1.0)
    # inside the horizon: the dwell-time share of the energy, and at least what cannot come after it
    e_in = np.where(h_after > 0, np.minimum(e, np.maximum(e * share_in, e - p * h_after)), e)
    keep = t_d > t_a
    return pd.DataFrame(
        {"session": sessions["session"].to_numpy()[keep], "t_a": t_a[keep], "t_d": t_d[keep], "p_max_mw": p[keep],
         "e_mwh": e[keep], "e_lo_mwh": e_in[keep], "e_hi_mwh": e_in[keep]}
    )


def _ns(col: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (UTC), without per-element Python objects."""
    return pd.DatetimeIndex(col).asi8


def greedy_profile(w: pd.DataFrame, n_t: int, dt_h: float) -> np.ndarray:
    """Charge-on-arrival power [MW] per session (rows) and step: full power until ``e_hi`` is delivered."""
    out = np.zeros((len(w), n_t))
    for i, r in enumerate(w.itertuples()):
        remaining = r.e_hi_mwh
        for t in range(r.t_a, r.t_d):
            if remaining <= 1e-12:
                break
            p = min(r.p_max_mw, remaining / dt_h)
            out[i, t] = p
            remaining -= p * dt_h
    return out


@register
class EVChargingBlock(AssetBlock):
    kind = "ev_charging"

    def build(self, b) -> None:
        data = self.data
        n_t, dt = data.n_t, data.dt_h
        self.windows = {a.name: session_windows(a.profile.get("sessions"), data.index, dt) for a in self.assets}
        self.mode = {}
        for a in self.assets:
            m = a.spec.model
            if m == "auto":
                m = "envelope" if len(self.windows[a.name]) > ENVELOPE_ABOVE_SESSIONS else "sessions"
            self.mode[a.name] = m
        sess_assets = [n for n in self.names if self.mode[n] == "sessions"]
        env_assets = [n for n in self.names if self.mode[n] == "envelope"]
        self.sess_assets, self.env_assets = sess_assets, env_assets

        # ---- per-session model
        pairs, bounds, e_lo, e_hi, active = [], {}, {}, {}, {}
        self.session_asset = {}
        for a in sess_assets:
            for r in self.windows[a].itertuples():
                self.session_asset[r.session] = a
                e_lo[r.session], e_hi[r.session] = r.e_lo_mwh, r.e_hi_mwh
                for t in range(r.t_a, r.t_d):
                    pairs.append((r.session, t))
                    bounds[(r.session, t)] = r.p_max_mw
                    active.setdefault((a, t), []).append(r.session)
        self.active = active
        b.S = pyo.Set(initialize=list(e_lo), ordered=True)
        b.ST = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        b.p_session_mw = pyo.Var(b.ST, bounds=lambda b, s, t: (0.0, bounds[(s, t)]))
        b.e_unmet_session_mwh = pyo.Var(b.S, within=pyo.NonNegativeReals)
        by_s: dict[str, list[int]] = {}
        for s, t in pairs:
            by_s.setdefault(s, []).append(t)
        b.energy_lo = pyo.Constraint(
            b.S, rule=lambda b, s: sum(b.p_session_mw[s, t] for t in by_s.get(s, [])) * dt + b.e_unmet_session_mwh[s] >= e_lo[s]
        )
        b.energy_hi = pyo.Constraint(
            b.S,
            rule=lambda b, s: sum(b.p_session_mw[s, t] for t in by_s[s]) * dt <= e_hi[s] if s in by_s else pyo.Constraint.Skip,
        )

        # ---- envelope model
        self.env = {a: self._envelope(self.windows[a], n_t, dt) for a in env_assets}
        b.AE = pyo.Set(initialize=env_assets, ordered=True)
        b.T = pyo.RangeSet(0, n_t - 1)
        b.p_group_max_mw = pyo.Param(b.AE, b.T, mutable=True, initialize=lambda b, a, t: float(self.env[a]["p_max"][t]))
        b.p_group_mw = pyo.Var(b.AE, b.T, bounds=lambda b, a, t: (0.0, b.p_group_max_mw[a, t]))
        b.e_group_mwh = pyo.Var(b.AE, b.T, within=pyo.NonNegativeReals)
        b.e_unmet_group_mwh = pyo.Var(b.AE, within=pyo.NonNegativeReals)
        b.group_energy = pyo.Constraint(
            b.AE,
            b.T,
            rule=lambda b, a, t: b.e_group_mwh[a, t] == (b.e_group_mwh[a, t - 1] if t > 0 else 0.0) + b.p_group_mw[a, t] * dt,
        )
        # envelope bounds as mutable parameters, so a rolling window updates them (see update)
        b.e_hi_mwh = pyo.Param(b.AE, b.T, mutable=True, initialize=lambda b, a, t: float(self.env[a]["e_hi"][t]))
        b.e_lo_mwh = pyo.Param(b.AE, b.T, mutable=True, initialize=lambda b, a, t: float(self.env[a]["e_lo"][t]))
        b.group_hi = pyo.Constraint(b.AE, b.T, rule=lambda b, a, t: b.e_group_mwh[a, t] <= b.e_hi_mwh[a, t])
        b.group_lo = pyo.Constraint(
            b.AE, b.T, rule=lambda b, a, t: b.e_group_mwh[a, t] + b.e_unmet_group_mwh[a] >= b.e_lo_mwh[a, t]
        )

    def update(self, b, data) -> None:
        """Next rolling window (envelope model only): power bounds and energy envelope from the window's
        sessions. Sessions still plugged in at the window start come with their remaining energy
        (``e_mwh`` minus what earlier windows delivered), so sessions spanning midnight carry over.
        """
        if self.sess_assets:
            raise NotImplementedError(
                f"EV groups {self.sess_assets} use per-session variables; rolling windows need model 'envelope'"
            )
        self._reload(data)
        n_t, dt = data.n_t, data.dt_h
        self.windows = {a.name: session_windows(a.profile.get("sessions"), data.index, dt) for a in self.assets}
        self.env = {a: self._envelope(self.windows[a], n_t, dt) for a in self.env_assets}
        if self.env_assets:
            for key, param in (("p_max", b.p_group_max_mw), ("e_hi", b.e_hi_mwh), ("e_lo", b.e_lo_mwh)):
                set_values(param, np.vstack([self.env[a][key] for a in self.env_assets]))

    @staticmethod
    def _envelope(w: pd.DataFrame, n_t: int, dt: float) -> dict[str, np.ndarray]:
        p_max = np.zeros(n_t)
        e_hi = np.zeros(n_t)
        e_lo = np.zeros(n_t)
        ends = (np.arange(n_t) + 1) * dt  # hours from horizon start to the end of each step
        for r in w.itertuples():
            p_max[r.t_a : r.t_d] += r.p_max_mw
            plugged_before = np.clip(ends - r.t_a * dt, 0, (r.t_d - r.t_a) * dt)
            e_hi += np.minimum(r.e_hi_mwh, r.p_max_mw * plugged_before)
            plugged_after = np.clip(r.t_d * dt - np.maximum(ends, r.t_a * dt), 0, None)
            e_lo += np.clip(r.e_lo_mwh - r.p_max_mw * plugged_after, 0, None)
        return {"p_max": p_max, "e_hi": e_hi, "e_lo": e_lo}

    def injection_mw(self, b, asset, t):
        if self.mode[asset] == "envelope":
            return -b.p_group_mw[asset, t]
        return -sum(b.p_session_mw[s, t] for s in self.active.get((asset, t), []))

    def injection_range(self, asset):
        n_t = self.data.n_t
        w = self.windows[asset]
        p_max = np.zeros(n_t)
        for r in w.itertuples():
            p_max[r.t_a : r.t_d] += r.p_max_mw
        return -p_max, np.zeros(n_t)

    def cost_cny(self, b):
        pen = {a: self.by_name[a].spec.unmet_penalty_cny_per_mwh for a in self.names}
        return sum(pen[self.session_asset[s]] * b.e_unmet_session_mwh[s] for s in b.S) + sum(
            pen[a] * b.e_unmet_group_mwh[a] for a in b.AE
        )

    def baseline_values(self, b):
        n_t, dt = self.data.n_t, self.data.dt_h
        session_p: dict = {}
        group_rows = []
        for a in self.names:
            w = self.windows[a]
            g = greedy_profile(w, n_t, dt)
            if self.mode[a] == "sessions":
                session_p.update({s: g[i] for i, s in enumerate(w["session"])})
            else:
                group_rows.append(g.sum(axis=0))
        out = []
        if len(b.p_session_mw):
            out.append((b.p_session_mw, np.array([session_p[s][t] for s, t in b.p_session_mw.keys()])))
        if len(b.p_group_mw):
            out.append((b.p_group_mw, np.vstack(group_rows)))
        return out

    def power_mw(self, b) -> np.ndarray:
        """Charging power [MW] per asset (rows, in ``names`` order) and step."""
        n_t = self.data.n_t
        pos = {n: i for i, n in enumerate(self.names)}
        out = np.zeros((len(self.names), n_t))
        if len(b.p_session_mw):
            keys = list(b.p_session_mw.keys())
            rows = np.array([pos[self.session_asset[s]] for s, _ in keys])
            cols = np.array([t for _, t in keys])
            np.add.at(out, (rows, cols), self.var_values(b.p_session_mw))
        if len(b.p_group_mw):
            rows = [pos[a] for a in self.env_assets]  # b.AE in env_assets order, by step
            out[rows, :] = self.var_values(b.p_group_mw).reshape(len(rows), n_t)
        return out

    def unmet_mwh(self, b) -> dict[str, float]:
        out = {a: 0.0 for a in self.names}
        for s, v in zip(b.e_unmet_session_mwh.keys(), self.var_values(b.e_unmet_session_mwh).tolist()):
            out[self.session_asset[s]] += v
        for a, v in zip(b.e_unmet_group_mwh.keys(), self.var_values(b.e_unmet_group_mwh).tolist()):
            out[a] += v
        return out

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = self.power_mw(b)
        unmet = self.unmet_mwh(b)
        u = np.zeros_like(p)
        u[:, -1] = [unmet[a] for a in self.names]
        req = np.zeros_like(p)
        req[:, -1] = [float(self.windows[a]["e_lo_mwh"].sum()) for a in self.names]
        pen = np.array([self.by_name[a].spec.unmet_penalty_cny_per_mwh for a in self.names])[:, None]
        return dict(
            p_inject_mw=-p, q_inject_mvar=np.zeros_like(p), p_charge_mw=p,
            e_required_mwh=req, e_unmet_mwh=u, cost_cny=pen * u,
        )
