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
automatically above 200 managed sessions (``model: auto``).

Baseline: every vehicle charges at full power from arrival until it has its energy
(:func:`greedy_profile`).

**Participation (opt-in)**, ``participation_share = φ`` in [0, 1]. Each session carries a uniform number
``u_s`` in [0, 1) fixed by the session, not by the run's window (column ``optin_u`` of the sessions table,
drawn per arrival date or list position, :mod:`vpp.profiles.ev`; a table without it, e.g. session
records, draws ``u_s`` from ``rng_for(0, asset + ':optin', crc32(session id))``). The session is
*managed* when ``u_s < φ`` (so the expected managed share is φ, and a smaller φ manages a subset of the
sessions a larger one manages); only managed sessions get decision variables (or form the envelope). An
unmanaged session charges by the baseline rule: its power ``g[s,t]`` (:func:`greedy_profile`) is data,
``p_unmanaged_mw[a,t] = sum_{s unmanaged} g[s,t]`` (a mutable parameter), its shortfall
``sum_s max(0, e_lo_s - sum_t g[s,t] dt_h)`` a constant unmet energy at the same penalty. Injection
``-sum_{s managed} p[s,t] - p_unmanaged_mw[a,t]``. ``φ = 1`` is the model above; ``φ = 0`` has no EV
decision at all (the baseline rule, no flexibility for the capacity study).

**Uncertain departures (robust)**, ``departure_uncertainty_h = U >= 0`` (public/workplace chargers; the
schema refuses it for bus depots and fleets, which keep their hard departure times). The driver may leave
any time up to ``U`` hours before the recorded departure ``d``; a plan that holds for every such departure
(the worst case, leaving as early as possible) delivers the energy by the *planned departure*
``d' = min(d, max(floor_grid(d - U), a + dt_h))`` (rounded down to the step grid, at least one step after
the arrival ``a``): the session's window becomes ``[t_a, t_d')``. When ``e_mwh > p_max_mw * (d' - a)``
the plan delivers ``e' = p_max_mw * (d' - a)`` and the rest ``e_mwh - e'`` is *capped*: not planned, not
unmet (no penalty), reported as ``e_capped_mwh`` at the session's last planned step (when ``d'`` lies in
the horizon) and summed in the KPI ``ev_uncertainty_capped_mwh``. All sessions of the group get the same
planned window, the baseline rule included, so baseline and optimised runs stay comparable. ``U = 0``
leaves every window as it was.

**V2G** (``v2g: true``, bus_depot and logistics_fleet only; always the per-session model). A managed
session ``s`` of a V2G group also has ``0 <= p_dis[s,t] <= q_s`` with ``q_s = min(v2g_p_max_mw, p_max_s)``
on its plugged steps, and

* one charger rating for both directions: ``p[s,t] + p_dis[s,t] <= p_max_s``;
* vehicle energy added since plug-in at the end of step ``t``:
  ``x[s,t] = x[s,t-1] + (p[s,t] - p_dis[s,t]) * dt_h`` (``x[s,t_a-1] = 0``), bounded by
  ``-d_s <= x[s,t] <= c_s``. With ``v2g_battery_mwh = B`` the vehicles leave full, so a vehicle arrives
  with ``E0_s = max(0, B - e_s)``; ``d_s = max(0, E0_s - v2g_soc_min * B)`` (never below the reserve, nor
  below its arrival level if that is lower) and ``c_s = max(B - E0_s, e_s)``. Without ``B`` (the battery is
  unknown) ``d_s = 0`` (only energy charged earlier in the session is given back) and ``c_s = e_s``;
* net energy: ``sum_t (p - p_dis) * dt_h + u[s] >= e_lo``, ``sum_t (p - p_dis) * dt_h <= e_hi``;
* injection ``-sum_s (p[s,t] - p_dis[s,t])``; the discharge is exportable
  (``exportable_mw = sum_s p_dis[s,t]``: the park may feed it into the grid, as a V2G pilot allows; the
  export price the LP sees is capped at the import price);
* cost ``battery_wear_cost_cny_per_mwh * sum_{s,t} p_dis[s,t] * dt_h`` (wear of the vehicle battery;
  charging and discharging are taken lossless, like the charging itself).

**Smoothing** (not billed; :mod:`optimization.smoothing`, weight ``w = smoothing_cny_per_mw``, off at 0): per
group ``a`` and step ``t >= 1`` ``dp_up[a,t] - dp_down[a,t] = P_a[t] - P_a[t-1]`` with ``P_a`` the group's
managed charging power (``sum_s p[s,t]``, minus the V2G discharge; the envelope's ``P[t]``), cost
``w · sum (dp_up + dp_down)``. The group level is the one plotted and metered (the group's charger bus);
it is where the LP leaves a comb of equal-cost on/off steps. Per session the term would also penalise
every plug-in and plug-out (a session's power must start and stop) and cost one variable pair per session
and step; the unmanaged sessions' power is data and not smoothed.

Baseline: no discharge. Rolling windows (``update``, :mod:`vpp.ev_slots`) do not carry a vehicle's
energy state between windows, so V2G groups need a single solve.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values
from vpp.errors import VppError
from vpp.profiles import rng_for
from vpp.profiles.ev import OPTIN

ENVELOPE_ABOVE_SESSIONS = 200
WINDOW_COLUMNS = ["session", "t_a", "t_d", "p_max_mw", "e_mwh", "e_lo_mwh", "e_hi_mwh", "e_capped_mwh", "t_cap",
                  "managed"]


def planned_departure_h(h_a: np.ndarray, h_d: np.ndarray, dt_h: float, uncertainty_h: float) -> np.ndarray:
    """Departure the plan must meet [h from a grid-aligned origin]: ``d - U`` rounded down to the step grid,
    at least one step after the arrival (rounded up), never after ``d`` (module docstring)."""
    if uncertainty_h <= 0:
        return h_d
    early = np.floor((h_d - uncertainty_h) / dt_h + 1e-9) * dt_h
    first = np.ceil(h_a / dt_h - 1e-9) * dt_h + dt_h
    return np.minimum(h_d, np.maximum(early, first))


def session_windows(sessions: pd.DataFrame, index: pd.DatetimeIndex, dt_h: float, *,
                    departure_uncertainty_h: float = 0.0, participation_share: float = 1.0,
                    asset: str = "") -> pd.DataFrame:
    """Step window and energy bounds of each session inside the horizon.

    Returns columns ``session, t_a, t_d, p_max_mw, e_mwh, e_lo_mwh, e_hi_mwh, e_capped_mwh, t_cap, managed``
    (``t_d`` exclusive, clipped to the horizon, at the planned departure; ``e_mwh`` after the cap of an
    uncertain departure; ``e_capped_mwh`` the capped energy, counted at step ``t_cap`` when the planned
    departure lies inside the horizon, else 0; ``managed``: the driver opted in). Sessions entirely outside
    the horizon are dropped.
    """
    n_t = len(index)
    if sessions is None or len(sessions) == 0:
        return pd.DataFrame(columns=WINDOW_COLUMNS)
    ns_per_h = 3.6e12
    t0_ns = pd.DatetimeIndex(index[:1]).asi8[0]
    h_a = (_ns(sessions["arrival"]) - t0_ns) / ns_per_h  # hours from the horizon start
    h_d = (_ns(sessions["departure"]) - t0_ns) / ns_per_h
    p = sessions["p_max_mw"].to_numpy(dtype=float)
    e = sessions["e_mwh"].to_numpy(dtype=float)
    capped = np.zeros(len(e))
    if departure_uncertainty_h > 0:  # robust: plan for the earliest departure, deliver what fits before it
        h_d = planned_departure_h(h_a, h_d, dt_h, departure_uncertainty_h)
        e_plan = np.minimum(e, p * np.clip(h_d - np.maximum(h_a, 0.0), 0.0, None))
        capped, e = e - e_plan, e_plan
    t_a = np.clip(np.ceil(h_a / dt_h - 1e-9), 0, n_t).astype(int)
    t_d = np.clip(np.floor(h_d / dt_h + 1e-9), 0, n_t).astype(int)
    h_after = np.clip(h_d - n_t * dt_h, 0, None)
    dwell_h = np.clip(h_d - np.maximum(h_a, 0.0), 1e-9, None)
    share_in = np.clip(1.0 - h_after / dwell_h, 0.0, 1.0)
    # inside the horizon: the dwell-time share of the energy, and at least what cannot come after it
    e_in = np.where(h_after > 0, np.minimum(e, np.maximum(e * share_in, e - p * h_after)), e)
    capped = np.where(h_after > 0, 0.0, capped)  # counted where the planned departure is
    managed = (optin_draws(sessions, asset) < participation_share if participation_share < 1.0
               else np.ones(len(e), dtype=bool))
    keep = t_d > t_a
    return pd.DataFrame(
        {"session": sessions["session"].to_numpy()[keep], "t_a": t_a[keep], "t_d": t_d[keep], "p_max_mw": p[keep],
         "e_mwh": e[keep], "e_lo_mwh": e_in[keep], "e_hi_mwh": e_in[keep], "e_capped_mwh": capped[keep],
         "t_cap": t_d[keep] - 1, "managed": managed[keep]}
    )


def optin_draws(sessions: pd.DataFrame, asset: str) -> np.ndarray:
    """The opt-in number ``u_s`` in [0, 1) of each session (module docstring)."""
    if "optin_u" in sessions:
        return sessions["optin_u"].to_numpy(dtype=float)
    name = asset + OPTIN
    return np.array([rng_for(0, name, zlib.crc32(str(s).encode("utf-8"))).uniform() for s in sessions["session"]],
                    dtype=float)


def asset_windows(a, index: pd.DatetimeIndex, dt_h: float) -> pd.DataFrame:
    """:func:`session_windows` of an EV asset (``AssetInput``) with its spec's uncertainty and opt-in share."""
    spec = a.spec
    return session_windows(a.profile.get("sessions"), index, dt_h,
                           departure_uncertainty_h=float(getattr(spec, "departure_uncertainty_h", 0.0)),
                           participation_share=float(getattr(spec, "participation_share", 1.0)), asset=a.name)


def split_managed(w: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Managed (opted-in) and unmanaged sessions of a windows table."""
    if len(w) == 0:
        return w, w
    m = w["managed"].to_numpy(dtype=bool)
    if m.all():
        return w, w.iloc[:0]
    return w[m].reset_index(drop=True), w[~m].reset_index(drop=True)


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


class Unmanaged:
    """Sessions that did not opt in, charged by the baseline rule: power per step and shortfall (data)."""

    def __init__(self, w: pd.DataFrame, n_t: int, dt_h: float):
        self.sessions = w["session"].tolist()
        self.g = greedy_profile(w, n_t, dt_h)  # [session, t] MW
        self.p_mw = self.g.sum(axis=0)
        got = self.g.sum(axis=1) * dt_h
        self.unmet_mwh = float(np.clip(w["e_lo_mwh"].to_numpy(dtype=float) - got, 0, None).sum()) if len(w) else 0.0
        self.dt_h = dt_h

    def delivered_mwh(self, n_commit: int) -> dict[str, float]:
        """Energy each unmanaged session received in the first ``n_commit`` steps [MWh]."""
        e = self.g[:, :n_commit].sum(axis=1) * self.dt_h
        return dict(zip(self.sessions, e.tolist()))


def capped_mwh(w: pd.DataFrame, n_t: int) -> np.ndarray:
    """Energy capped by an uncertain departure [MWh] per step (at each session's last planned step)."""
    out = np.zeros(n_t)
    if len(w):
        np.add.at(out, w["t_cap"].to_numpy(dtype=int), w["e_capped_mwh"].to_numpy(dtype=float))
    return out


def v2g_limits(w: pd.DataFrame, spec) -> pd.DataFrame:
    """Per managed session of a V2G group: discharge limit ``q_mw``, depth below the plug-in level ``d_mwh``
    and headroom above it ``c_mwh`` (module docstring)."""
    p = w["p_max_mw"].to_numpy(dtype=float)
    e = w["e_mwh"].to_numpy(dtype=float)
    q = np.minimum(spec.v2g_p_mw, p)
    if spec.v2g_battery_mwh is None:
        d, c = np.zeros(len(e)), e
    else:
        b = float(spec.v2g_battery_mwh)
        e0 = np.clip(b - e, 0, None)
        d = np.clip(e0 - spec.v2g_soc_min * b, 0, None)
        c = np.maximum(b - e0, e)
    return pd.DataFrame({"session": w["session"].to_numpy(), "q_mw": q, "d_mwh": d, "c_mwh": c})


@register
class EVChargingBlock(AssetBlock):
    kind = "ev_charging"

    def _load(self, data) -> None:
        """Windows of every group split into managed and unmanaged sessions, and the unmanaged load."""
        n_t, dt = data.n_t, data.dt_h
        self.windows = {a.name: asset_windows(a, data.index, dt) for a in self.assets}
        self.managed, self.unmanaged = {}, {}
        for a in self.names:
            self.managed[a], w_u = split_managed(self.windows[a])
            self.unmanaged[a] = Unmanaged(w_u, n_t, dt)
        self.opt_out = [a.name for a in self.assets if a.spec.participation_share < 1.0]
        self.v2g = [a.name for a in self.assets if a.spec.v2g]
        self.uncertain = [a.name for a in self.assets if a.spec.departure_uncertainty_h > 0]

    def build(self, b) -> None:
        data = self.data
        n_t, dt = data.n_t, data.dt_h
        self._load(data)
        self.mode = {}
        for a in self.assets:
            m = a.spec.model
            if m == "auto":
                m = "envelope" if len(self.managed[a.name]) > ENVELOPE_ABOVE_SESSIONS and not a.spec.v2g else "sessions"
            if m == "envelope" and a.spec.v2g:
                raise VppError(f"EV group '{a.name}': v2g needs the per-session model, which rolling windows do not "
                               "use (solve the period at once, --horizon perfect)")
            self.mode[a.name] = m
        sess_assets = [n for n in self.names if self.mode[n] == "sessions"]
        env_assets = [n for n in self.names if self.mode[n] == "envelope"]
        self.sess_assets, self.env_assets = sess_assets, env_assets

        # ---- per-session model (managed sessions)
        pairs, bounds, e_lo, e_hi, active = [], {}, {}, {}, {}
        self.session_asset = {}
        v2g_lim: dict[str, tuple[float, float, float]] = {}
        for a in sess_assets:
            lim = v2g_limits(self.managed[a], self.by_name[a].spec) if a in self.v2g else None
            for i, r in enumerate(self.managed[a].itertuples()):
                self.session_asset[r.session] = a
                e_lo[r.session], e_hi[r.session] = r.e_lo_mwh, r.e_hi_mwh
                if lim is not None:
                    v2g_lim[r.session] = (float(lim["q_mw"].iat[i]), float(lim["d_mwh"].iat[i]), float(lim["c_mwh"].iat[i]))
                for t in range(r.t_a, r.t_d):
                    pairs.append((r.session, t))
                    bounds[(r.session, t)] = r.p_max_mw
                    active.setdefault((a, t), []).append(r.session)
        self.active = active
        self.v2g_lim = v2g_lim
        b.S = pyo.Set(initialize=list(e_lo), ordered=True)
        b.ST = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        b.p_session_mw = pyo.Var(b.ST, bounds=lambda b, s, t: (0.0, bounds[(s, t)]))
        b.e_unmet_session_mwh = pyo.Var(b.S, within=pyo.NonNegativeReals)
        # V2G (managed sessions of v2g groups): discharge and the energy added since plug-in
        v2g_pairs = [(s, t) for s, t in pairs if s in v2g_lim]
        b.STV = pyo.Set(initialize=v2g_pairs, dimen=2, ordered=True)
        b.p_discharge_session_mw = pyo.Var(b.STV, bounds=lambda b, s, t: (0.0, v2g_lim[s][0]))
        b.e_added_mwh = pyo.Var(b.STV, bounds=lambda b, s, t: (-v2g_lim[s][1], v2g_lim[s][2]))
        by_s: dict[str, list[int]] = {}
        for s, t in pairs:
            by_s.setdefault(s, []).append(t)
        self.by_s = by_s
        b.energy_lo = pyo.Constraint(
            b.S, rule=lambda b, s: self._net_mwh(b, s, dt) + b.e_unmet_session_mwh[s] >= e_lo[s]
        )
        b.energy_hi = pyo.Constraint(
            b.S,
            rule=lambda b, s: self._net_mwh(b, s, dt) <= e_hi[s] if s in by_s else pyo.Constraint.Skip,
        )

        # ---- envelope model (managed sessions)
        self.env = {a: self._envelope(self.managed[a], n_t, dt) for a in env_assets}
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

        # ---- unmanaged sessions (participation_share < 1): data, as mutable parameters for rolling windows
        b.AF = pyo.Set(initialize=self.opt_out, ordered=True)
        b.p_unmanaged_mw = pyo.Param(b.AF, b.T, mutable=True, initialize=lambda b, a, t: float(self.unmanaged[a].p_mw[t]))
        b.e_unmet_unmanaged_mwh = pyo.Param(b.AF, mutable=True, initialize=lambda b, a: self.unmanaged[a].unmet_mwh)

        # ---- V2G rows (variables declared with the sessions')
        b.v2g_rating = pyo.Constraint(
            b.STV, rule=lambda b, s, t: b.p_session_mw[s, t] + b.p_discharge_session_mw[s, t] <= bounds[(s, t)])
        first = {s: ts[0] for s, ts in by_s.items()}
        b.v2g_energy = pyo.Constraint(
            b.STV, rule=lambda b, s, t: b.e_added_mwh[s, t]
            == (b.e_added_mwh[s, t - 1] if t > first[s] else 0.0)
            + (b.p_session_mw[s, t] - b.p_discharge_session_mw[s, t]) * dt)
        # a per-session group has no decision where no managed session is plugged in (this model is never
        # updated to another window: rolling windows use the envelope or the slots)
        self.smooth(b, self.names, self.managed_power_terms,
                    idle=lambda a, t: self.mode[a] == "sessions" and not self.active.get((a, t)))

    def managed_power_terms(self, b, asset, t) -> list:
        """The group's managed net charging power [MW] at step ``t`` as linear terms ``[(coef, var)]``
        (smoothing): the envelope's group power, or the plugged sessions' power minus V2G discharge."""
        if self.mode[asset] == "envelope":
            return [(1.0, b.p_group_mw[asset, t])]
        active = self.active.get((asset, t), [])
        terms = [(1.0, b.p_session_mw[s, t]) for s in active]
        if asset in self.v2g:
            terms += [(-1.0, b.p_discharge_session_mw[s, t]) for s in active]
        return terms

    def _net_mwh(self, b, s, dt):
        """Net energy [MWh] a managed session receives in the horizon (charging minus V2G discharge)."""
        ts = self.by_s.get(s, [])
        if s in self.v2g_lim:
            return sum(b.p_session_mw[s, t] - b.p_discharge_session_mw[s, t] for t in ts) * dt
        return sum(b.p_session_mw[s, t] for t in ts) * dt

    def update(self, b, data) -> None:
        """Next rolling window (envelope model only): power bounds and energy envelope from the window's
        sessions, and the unmanaged sessions' load. Sessions still plugged in at the window start come with
        their remaining energy (``e_mwh`` minus what earlier windows delivered), so sessions spanning
        midnight carry over.
        """
        if self.sess_assets:
            raise NotImplementedError(
                f"EV groups {self.sess_assets} use per-session variables; rolling windows need model 'envelope'"
            )
        self._reload(data)
        n_t, dt = data.n_t, data.dt_h
        self._load(data)
        self.env = {a: self._envelope(self.managed[a], n_t, dt) for a in self.env_assets}
        if self.env_assets:
            for key, param in (("p_max", b.p_group_max_mw), ("e_hi", b.e_hi_mwh), ("e_lo", b.e_lo_mwh)):
                set_values(param, np.vstack([self.env[a][key] for a in self.env_assets]))
        if self.opt_out:
            set_values(b.p_unmanaged_mw, np.vstack([self.unmanaged[a].p_mw for a in self.opt_out]))
            set_values(b.e_unmet_unmanaged_mwh, [self.unmanaged[a].unmet_mwh for a in self.opt_out])

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
            inj = -b.p_group_mw[asset, t]
        else:
            inj = -sum(b.p_session_mw[s, t] for s in self.active.get((asset, t), []))
            if asset in self.v2g:
                inj = inj + sum(b.p_discharge_session_mw[s, t] for s in self.active.get((asset, t), []))
        if asset in self.opt_out:
            inj = inj - b.p_unmanaged_mw[asset, t]
        return inj

    def exportable_mw(self, b, asset, t):
        """V2G discharge may be fed into the grid (module docstring); plain charging exports nothing."""
        if asset in self.v2g and self.mode[asset] == "sessions":
            return sum(b.p_discharge_session_mw[s, t] for s in self.active.get((asset, t), []))
        return 0.0

    def injection_range(self, asset):
        n_t = self.data.n_t
        p_max = np.zeros(n_t)
        q_max = np.zeros(n_t)
        w = self.managed[asset]
        q = v2g_limits(w, self.by_name[asset].spec)["q_mw"].to_numpy() if asset in self.v2g and len(w) else None
        for i, r in enumerate(w.itertuples()):
            p_max[r.t_a : r.t_d] += r.p_max_mw
            if q is not None:
                q_max[r.t_a : r.t_d] += q[i]
        fixed = self.unmanaged[asset].p_mw
        return -p_max - fixed, q_max - fixed

    def cost_cny(self, b):
        pen = {a: self.by_name[a].spec.unmet_penalty_cny_per_mwh for a in self.names}
        cost = sum(pen[self.session_asset[s]] * b.e_unmet_session_mwh[s] for s in b.S) + sum(
            pen[a] * b.e_unmet_group_mwh[a] for a in b.AE
        )
        if self.opt_out:  # shortfall of the unmanaged sessions (a constant of the window)
            cost = cost + sum(pen[a] * b.e_unmet_unmanaged_mwh[a] for a in b.AF)
        wear = {a: self.by_name[a].spec.battery_wear_cost_cny_per_mwh for a in self.v2g}
        terms = [wear[self.session_asset[s]] * self.data.dt_h * b.p_discharge_session_mw[s, t]
                 for s, t in b.STV if wear[self.session_asset[s]] > 0]
        if terms:
            cost = cost + sum(terms)
        return cost + self.smoothing_cost_cny()

    def baseline_values(self, b):
        n_t, dt = self.data.n_t, self.data.dt_h
        session_p: dict = {}
        group_rows = []
        for a in self.names:
            w = self.managed[a]
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
        if len(b.p_discharge_session_mw):  # no V2G under the rule
            out.append((b.p_discharge_session_mw, np.zeros(len(b.p_discharge_session_mw))))
        return out

    def _per_asset(self, b, var) -> np.ndarray:
        """Sum over sessions of a (session, t) variable, per asset (rows, in ``names`` order) and step."""
        n_t = self.data.n_t
        pos = {n: i for i, n in enumerate(self.names)}
        out = np.zeros((len(self.names), n_t))
        if len(var):
            keys = list(var.keys())
            rows = np.array([pos[self.session_asset[s]] for s, _ in keys])
            cols = np.array([t for _, t in keys])
            np.add.at(out, (rows, cols), self.var_values(var))
        return out

    def power_mw(self, b) -> np.ndarray:
        """Charging power [MW] of the managed sessions per asset (rows, in ``names`` order) and step."""
        n_t = self.data.n_t
        out = self._per_asset(b, b.p_session_mw)
        if len(b.p_group_mw):
            pos = {n: i for i, n in enumerate(self.names)}
            rows = [pos[a] for a in self.env_assets]  # b.AE in env_assets order, by step
            out[rows, :] = self.var_values(b.p_group_mw).reshape(len(rows), n_t)
        return out

    def discharge_mw(self, b) -> np.ndarray:
        """V2G discharge [MW] per asset (rows, in ``names`` order) and step."""
        return self._per_asset(b, b.p_discharge_session_mw)

    def unmet_mwh(self, b) -> dict[str, float]:
        out = {a: 0.0 for a in self.names}
        for s, v in zip(b.e_unmet_session_mwh.keys(), self.var_values(b.e_unmet_session_mwh).tolist()):
            out[self.session_asset[s]] += v
        for a, v in zip(b.e_unmet_group_mwh.keys(), self.var_values(b.e_unmet_group_mwh).tolist()):
            out[a] += v
        for a in self.opt_out:
            out[a] += self.unmanaged[a].unmet_mwh
        return out

    def unmanaged_delivered_mwh(self, asset: str, n_commit: int) -> dict[str, float]:
        """Energy each unmanaged session of ``asset`` received in the first ``n_commit`` steps [MWh]."""
        return self.unmanaged[asset].delivered_mwh(n_commit)

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = self.power_mw(b)
        if self.opt_out:
            p_u = np.vstack([self.unmanaged[a].p_mw for a in self.names])
            p = p + p_u
        unmet = self.unmet_mwh(b)
        u = np.zeros_like(p)
        u[:, -1] = [unmet[a] for a in self.names]
        req = np.zeros_like(p)
        req[:, -1] = [float(self.windows[a]["e_lo_mwh"].sum()) for a in self.names]
        pen = np.array([self.by_name[a].spec.unmet_penalty_cny_per_mwh for a in self.names])[:, None]
        if not (self.v2g or self.opt_out or self.uncertain):
            return dict(
                p_inject_mw=-p, q_inject_mvar=np.zeros_like(p), p_charge_mw=p,
                e_required_mwh=req, e_unmet_mwh=u, cost_cny=pen * u,
            )
        dis = self.discharge_mw(b)
        wear = np.array([self.by_name[a].spec.battery_wear_cost_cny_per_mwh if a in self.v2g else 0.0
                         for a in self.names])[:, None]
        out = dict(
            p_inject_mw=dis - p, q_inject_mvar=np.zeros_like(p), p_charge_mw=p,
            e_required_mwh=req, e_unmet_mwh=u, cost_cny=pen * u + wear * dis * self.data.dt_h,
        )
        if self.v2g:
            out["p_discharge_mw"] = dis
        if self.opt_out:
            out["p_unmanaged_mw"] = p_u
        if self.uncertain:
            out["e_capped_mwh"] = np.vstack([capped_mwh(self.windows[a], n_t) for a in self.names])
        return out
