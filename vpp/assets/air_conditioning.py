"""Air-conditioning (cooling) load of a building zone: a first-order (1R1C) thermal model with a comfort band.

Physics, per asset, step ``t`` of length ``Δ = dt_h`` [h], zone temperature ``T[k]`` [°C] at the step
boundaries ``k = 0..n`` (``T[k]`` = start of step ``k``)::

    T[t+1] = T[t] + Δ/C · ( (T_out[t] − T[t]) / R + Q_gain[t] − COP[t] · P[t] )

* ``C`` [MWh/K] heat capacity, ``R`` [K/MW] resistance zone-outdoor (envelope + fresh air), both from the
  floor area by rules of thumb or given (:class:`scenarios.hvac_schema.AirConditioning`);
* ``T_out`` [°C] outdoor temperature, ``Q_gain`` [MW thermal] internal + solar gains
  (:mod:`vpp.profiles.temperature`);
* ``P`` [MW electric], ``0 <= P <= p_rated_mw``, the decision; ``COP[t] = max(1, cop − cop_slope_per_k ·
  (T_out[t] − 35))`` (constant ``cop`` by default), a number per step, so the model stays linear.

Comfort band at every boundary ``k >= 1``: ``F[k] <= T[k] <= T_hi[k] + raise · r[k] + ε[k]`` where the
band ``[T_lo, T_hi]`` of a step is ``[t_min_c, t_max_c]`` when occupied and ``[t_min_unoccupied_c,
t_max_unoccupied_c]`` otherwise, and a boundary takes the intersection of the bands of its two adjacent
steps (so ``T`` is in the occupied band at both ends of every occupied step; the zone is at comfort when
occupants arrive).

Lower bound ``F`` (the asset only cools; heating is not modelled): the comfort minimum where the zone can
hold it without cooling, else the zone's own drift below it (cool weather, winter nights)::

    F[0] = T[0],   F[k+1] = min( T_lo[k+1],  a·F[k] + (1 − a)·T_out[k] + Δ·Q_gain[k]/C )

i.e. the trajectory without cooling started from the lower bound. Without cooling ``T[k] >= F[k]`` holds
by induction (the step is increasing in ``T``), so the band is always feasible, and cooling may never take
the zone below its comfort minimum, nor below where it would drift anyway. (A free heat slack instead
would let an LP cool against it: sham flexibility in valley-filling studies.)

``ε[k] >= 0`` [K] is the excess over the band, penalised with ``discomfort_cost_cny_per_kh · ε · Δ`` (a
feasibility guard for an undersized plant), and ``ε[k] <= ε_max`` with ``ε_max >= 0`` one variable per
asset without time index: a study that re-optimises part of the horizon (capacity windows, DR events)
keeps ``ε_max`` at its normal value, so no window buys its response with discomfort.

Set-point raising: ``r[k] ∈ [0, 1]`` is 1 at boundaries inside a raise window ``(start, end]`` and falls
linearly to 0 over ``setpoint_recovery_h`` after it (the release: the thermostat returns to the set-point,
which causes the rebound); only the occupied upper bound (``t_max_c``) is raised, by at most
``setpoint_raise_max_k``. Raise windows: the spec's daily ``setpoint_raise_windows_h``, and the event of
``vpp dr`` (:meth:`AirConditioningBlock.event_window`, called by :mod:`vpp.demand_response.event` on the
response model; ``setpoint_raise_in_dr``). The last boundary ``k = n`` is never raised: a run ends at or
below the set-point, so no horizon borrows cooling from after its end.

LP form. The state is the **cold stored below the set-point** ``e[k] = C · (t_max_c − T[k])`` [MWh
thermal] (the state carried between rolling windows, ``state_var = "e_mwh"``)::

    e[k+1] = a · e[k] + Δ · (COP[k] · P[k] − q_load[k]),   a = 1 − Δ / (R·C)
    q_load[k] = Q_gain[k] + (T_out[k] − t_max_c) / R         (thermal load at the set-point)
    e[0] = e_init;  e[k] <= C·(t_max_c − F[k]);  e[k] + C·ε[k] >= C·(t_max_c − T_hi,raised[k])

(substitute ``T = t_max_c − e/C`` into the physics: ``(T_out − T)/R = (T_out − t_max_c)/R + e/(R·C)``).
``Δ < R·C`` is required (``a > 0``). Everything that changes between rolling windows is a mutable
parameter (``q_load``, the bounds with ``F`` from the window's carried state, ``e_init``); ``COP[k]`` is a
matrix coefficient (a solve session's matrix is fixed), so a temperature-dependent COP
(``cop_slope_per_k > 0``) cannot be used by the rolling evaluation (its ``update`` refuses).

Energy balance over a run (the hand check of the tests): with ``S = Σ_k e[k]`` over ``k = 0..n−1``,
``e[n] − e[0] = −Δ/(R·C) · S + Δ · Σ (COP·P − q_load)``, i.e. in temperatures
``Σ COP·P·Δ = Σ (T_out[k] − T[k])/R·Δ + Σ Q_gain·Δ + C·(T[0] − T[n])``.

Baseline (no optimisation): a thermostat holding the set-point ``T_hi`` (never raised) with an optimum
start: going backwards from the end, ``e_req[k] = max(e_set[k], (e_req[k+1] − Δ·(COP·p_rated − q_load[k]))
/ a)`` is the least cold at ``k`` from which full power still holds the set-point later (``e_set =
C·(t_max_c − T_hi)``); forwards, ``P[k] = clip((e_req[k+1] − a·e[k] + Δ·q_load[k]) / (Δ·COP[k]), 0,
p_rated)`` (``e_req`` capped at the floor's ``C·(t_max_c − F)``). The zone sits at the set-point whenever
cooling is needed and starts cooling just in time for a stricter band (the morning's occupied band); with
a constant COP this is the least-energy schedule (the zone is as warm as the band allows: least losses).
The optimised strategy may pre-cool (cold stored earlier, within the band), let the zone drift up within
the band and raise the set-point where allowed.

Injection ``−P``; reactive ``−P · tan(acos cos_phi)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values
from vpp.errors import VppError
from vpp.timeindex import TZ

EXCESS_MAX_TIE_CNY_PER_K = 1.0  # tie-breaking cost of the largest excess (keeps it at max_k ε[k])
COP_REF_C = 35.0  # outdoor temperature of the rated COP [°C]
COP_FLOOR = 1.0


def raise_fraction(times_ns: np.ndarray, windows_ns: list[tuple[int, int]], recovery_h: float) -> np.ndarray:
    """``r`` at the instants ``times_ns``: 1 in ``(start, end]`` of a window, then linearly down to 0 over
    ``recovery_h`` hours (0 with ``recovery_h = 0``); the largest over the windows."""
    r = np.zeros(len(times_ns))
    rec_ns = recovery_h * 3.6e12
    for s, e in windows_ns:
        inside = (times_ns > s) & (times_ns <= e)
        r = np.maximum(r, inside.astype(float))
        if rec_ns > 0:
            after = times_ns > e
            r = np.maximum(r, np.where(after, np.clip(1.0 - (times_ns - e) / rec_ns, 0.0, 1.0), 0.0))
    return r


def daily_windows_ns(index: pd.DatetimeIndex, windows_h, n_t: int, dt_h: float) -> list[tuple[int, int]]:
    """Absolute ``(start, end)`` [ns] of the daily local-hour windows on the days the index touches
    (and the day before, whose window may still be recovering)."""
    if not windows_h or n_t == 0:
        return []
    local = index.tz_convert(TZ)
    first = local[0].normalize() - pd.Timedelta(days=1)
    last = (local[-1] + pd.Timedelta(hours=dt_h)).normalize()
    out = []
    for day in pd.date_range(first.tz_localize(None), last.tz_localize(None), freq="D"):
        d0 = pd.Timestamp(day).tz_localize(TZ)
        for h0, h1 in windows_h:
            out.append(((d0 + pd.Timedelta(hours=h0)).value, (d0 + pd.Timedelta(hours=h1)).value))
    return out


def thermostat_mw(e0: float, a: float, dt: float, cop: np.ndarray, q_load: np.ndarray, e_set: np.ndarray,
                  e_hi: np.ndarray, p_max: float) -> np.ndarray:
    """Baseline power [MW] of the set-point thermostat with optimum start (module docstring).

    ``e_set[k]``, ``e_hi[k]`` (``k = 0..n``): least and most cold allowed at boundary ``k`` (index 0 is
    ignored); ``e0``: the initial cold stored [MWh thermal].
    """
    n = len(q_load)
    e_req = np.empty(n + 1)
    e_req[n] = min(e_set[n], e_hi[n])
    for k in range(n - 1, 0, -1):
        e_req[k] = min(max(e_set[k], (e_req[k + 1] - dt * (cop[k] * p_max - q_load[k])) / a), e_hi[k])
    p = np.empty(n)
    e = float(e0)
    for k in range(n):
        passive = a * e - dt * q_load[k]
        p[k] = min(max((e_req[k + 1] - passive) / (dt * cop[k]), 0.0), p_max)
        e = passive + dt * cop[k] * p[k]
    return p


def floor_c(t0: float, a: float, dt: float, c: float, t_out: np.ndarray, q_gain: np.ndarray,
            t_lo: np.ndarray) -> np.ndarray:
    """Lower temperature bound ``F[k]`` [°C], ``k = 0..n`` (module docstring); ``t_lo[k]`` the band's."""
    n = len(t_out)
    f = np.empty(n + 1)
    f[0] = t0
    for k in range(n):
        f[k + 1] = min(t_lo[k + 1], a * f[k] + (1.0 - a) * t_out[k] + dt * q_gain[k] / c)
    return f


@register
class AirConditioningBlock(AssetBlock):
    kind = "air_conditioning"
    state_var = "e_mwh"  # cold stored below the set-point [MWh thermal]

    @classmethod
    def initial_state_mwh(cls, spec) -> float:
        return spec.c_value_mwh_per_k * (spec.t_max_c - spec.t_init_value_c)

    # -- per-window data ----------------------------------------------------------------------------
    def _prepare(self, data) -> None:
        """Per-asset arrays of the window: loads, COP, band bounds, daily raise, initial state."""
        n, dt = data.n_t, data.dt_h
        times = pd.DatetimeIndex(data.index).asi8[:1]
        t0 = int(times[0]) if len(times) else 0
        self.bound_ns = t0 + (np.arange(n + 1) * dt * 3.6e12).astype(np.int64)
        self.const, self.arr = {}, {}
        for a in self.assets:
            s, prof = a.spec, a.profile
            r_k, c = s.r_value_k_per_mw, s.c_value_mwh_per_k
            if dt >= r_k * c:
                raise VppError(f"air_conditioning '{a.name}': the building's time constant R·C = {r_k * c:.3g} h "
                               f"must be longer than the {dt * 60:g} min step (check r_k_per_mw / c_mwh_per_k)")
            t_out = np.asarray(prof["t_out_c"], dtype=float)
            occ = np.asarray(prof["occupied"], dtype=float) > 0.5
            q_load = np.asarray(prof["q_gain_mw"], dtype=float) + (t_out - s.t_max_c) / r_k
            cop = np.maximum(COP_FLOOR, s.cop - s.cop_slope_per_k * (t_out - COP_REF_C))
            lo_s = np.where(occ, s.t_min_c, s.t_min_unoccupied_value_c)
            hi_s = np.where(occ, s.t_max_c, s.t_max_unoccupied_c)
            lo = np.full(n + 1, -np.inf)
            hi = np.full(n + 1, np.inf)
            lo[1:] = lo_s
            hi[1:] = hi_s
            lo[1:n] = np.maximum(lo[1:n], lo_s[1:])
            hi[1:n] = np.minimum(hi[1:n], hi_s[1:])
            occupied_bound = np.abs(hi - s.t_max_c) < 1e-9
            r_daily = raise_fraction(self.bound_ns, daily_windows_ns(data.index, s.setpoint_raise_windows_h, n, dt),
                                     s.setpoint_recovery_h)
            e_init = float(prof.get("e_init_mwh", self.initial_state_mwh(s)))
            a_k = 1.0 - dt / (r_k * c)
            lo = floor_c(s.t_max_c - e_init / c, a_k, dt, c, t_out, np.asarray(prof["q_gain_mw"], dtype=float), lo)
            self.const[a.name] = dict(r=r_k, c=c, a=a_k, p_max=float(s.p_rated_mw),
                                      t_ref=float(s.t_max_c), raise_k=float(s.setpoint_raise_max_k),
                                      tan=math.tan(math.acos(s.cos_phi)), pen=float(s.discomfort_cost_cny_per_kh),
                                      e_init=e_init)
            self.arr[a.name] = dict(t_out=t_out, occ=occ.astype(float), q_load=q_load, cop=cop, lo=lo, hi=hi,
                                    raisable=occupied_bound, r_daily=r_daily)

    def _raised_hi(self, name: str, r_event: np.ndarray | None = None) -> np.ndarray:
        """Upper bound [°C] per boundary with the raise (daily windows, and an event's when given)."""
        k, x = self.const[name], self.arr[name]
        r = x["r_daily"] if r_event is None else np.maximum(x["r_daily"], r_event)
        r = r.copy()
        r[-1] = 0.0  # the run ends at or below the set-point
        return np.where(x["raisable"], x["hi"] + k["raise_k"] * r, x["hi"])

    def _e_bounds(self, name: str, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(e_min, e_max)`` per boundary k = 1..n [MWh thermal] from the temperature bounds."""
        k, x = self.const[name], self.arr[name]
        e_max = k["c"] * (k["t_ref"] - x["lo"][1:])
        e_min = k["c"] * (k["t_ref"] - hi[1:])
        return e_min, e_max

    # -- contract -----------------------------------------------------------------------------------
    def build(self, b) -> None:
        data = self.data
        n, dt = data.n_t, data.dt_h
        self._prepare(data)
        self.hi_now = {a: self._raised_hi(a) for a in self.names}
        bounds = {a: self._e_bounds(a, self.hi_now[a]) for a in self.names}
        self.cop_built = {a: self.arr[a]["cop"].copy() for a in self.names}
        const = self.const
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, n - 1)
        b.K = pyo.RangeSet(0, n)
        b.K1 = pyo.RangeSet(1, n)
        b.e_init_mwh = pyo.Param(b.A, mutable=True, initialize=lambda b, a: const[a]["e_init"])
        b.q_load_mw = pyo.Param(b.A, b.T, mutable=True, initialize=lambda b, a, t: float(self.arr[a]["q_load"][t]))
        b.e_max_mwh = pyo.Param(b.A, b.K1, mutable=True, initialize=lambda b, a, k: float(bounds[a][1][k - 1]))
        b.e_min_mwh = pyo.Param(b.A, b.K1, mutable=True, initialize=lambda b, a, k: float(bounds[a][0][k - 1]))
        b.p_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, const[a]["p_max"]))
        b.e_mwh = pyo.Var(b.A, b.K, bounds=lambda b, a, k: (b.e_init_mwh[a], b.e_init_mwh[a]) if k == 0
                          else (None, b.e_max_mwh[a, k]))
        b.t_excess_k = pyo.Var(b.A, b.K1, within=pyo.NonNegativeReals)
        b.t_excess_max_k = pyo.Var(b.A, within=pyo.NonNegativeReals)
        cop = self.cop_built
        b.dynamics = pyo.Constraint(
            b.A, b.T,
            rule=lambda b, a, t: b.e_mwh[a, t + 1] == const[a]["a"] * b.e_mwh[a, t]
            + dt * (float(cop[a][t]) * b.p_mw[a, t] - b.q_load_mw[a, t]),
        )
        b.band_upper = pyo.Constraint(
            b.A, b.K1, rule=lambda b, a, k: b.e_mwh[a, k] + const[a]["c"] * b.t_excess_k[a, k] >= b.e_min_mwh[a, k])
        b.excess_max = pyo.Constraint(b.A, b.K1, rule=lambda b, a, k: b.t_excess_k[a, k] <= b.t_excess_max_k[a])

    def injection_mw(self, b, asset, t):
        return -b.p_mw[asset, t]

    def injection_range(self, asset):
        n = self.data.n_t
        return np.full(n, -self.const[asset]["p_max"]), np.zeros(n)

    def cost_cny(self, b):
        dt = self.data.dt_h
        return sum(
            self.const[a]["pen"] * dt * sum(b.t_excess_k[a, k] for k in b.K1)
            + EXCESS_MAX_TIE_CNY_PER_K * b.t_excess_max_k[a]
            for a in self.names
        )

    def update(self, b, data) -> None:
        """Next rolling window: loads, band bounds (the floor from the carried state), the carried state
        ``e_init_mwh``; the COP must be the window's as built (a matrix coefficient): ``cop_slope_per_k = 0``."""
        self._reload(data)
        self._prepare(data)
        for a in self.names:
            if not np.allclose(self.arr[a]["cop"], self.cop_built[a], rtol=0.0, atol=1e-12):
                raise NotImplementedError(
                    f"air_conditioning '{a}': cop_slope_per_k > 0 makes the COP of each step a matrix coefficient "
                    "that a rolling window cannot change; set cop_slope_per_k: 0")
        self.hi_now = {a: self._raised_hi(a) for a in self.names}
        self._write_bounds(b)
        set_values(b.e_init_mwh, [self.const[a]["e_init"] for a in self.names])
        set_values(b.q_load_mw, np.vstack([self.arr[a]["q_load"] for a in self.names]))

    def _write_bounds(self, b) -> None:
        e = {a: self._e_bounds(a, self.hi_now[a]) for a in self.names}
        set_values(b.e_min_mwh, np.vstack([e[a][0] for a in self.names]))
        set_values(b.e_max_mwh, np.vstack([e[a][1] for a in self.names]))

    def event_window(self, b, steps) -> None:
        """Allow set-point raising during a called DR window (steps ``steps`` of the model, contiguous runs
        form windows) for the assets with ``setpoint_raise_in_dr``; ``steps = []`` restores the normal band.

        Called by :meth:`optimization.model.DispatchModel.open_event_window` on the response model after the
        counterfactual solve. Writes the band's parameters only (a solve session re-reads them)."""
        steps = sorted(int(t) for t in steps)
        windows: list[tuple[int, int]] = []
        for t in steps:
            s, e = int(self.bound_ns[t]), int(self.bound_ns[t + 1])
            if windows and windows[-1][1] == s:
                windows[-1] = (windows[-1][0], e)
            else:
                windows.append((s, e))
        for a in self.names:
            spec = self.by_name[a].spec
            r_event = raise_fraction(self.bound_ns, windows, spec.setpoint_recovery_h) \
                if (windows and spec.setpoint_raise_in_dr) else None
            self.hi_now[a] = self._raised_hi(a, r_event)
        self._write_bounds(b)

    def baseline_values(self, b):
        dt = self.data.dt_h
        rows = []
        for a in self.names:
            k, x = self.const[a], self.arr[a]
            e_set = k["c"] * (k["t_ref"] - x["hi"])  # the normal (never raised) set-point
            e_hi = np.concatenate(([np.inf], self._e_bounds(a, x["hi"])[1]))
            rows.append(thermostat_mw(k["e_init"], k["a"], dt, x["cop"], x["q_load"], e_set, e_hi, k["p_max"]))
        return [(b.p_mw, np.vstack(rows))]

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n, dt = self.data.n_t, self.data.dt_h
        m = len(self.names)
        p = self.values(b.p_mw, self.names, n)
        e = self.var_values(b.e_mwh).reshape(m, n + 1)[:, 1:]
        exc = self.var_values(b.t_excess_k).reshape(m, n)
        exc_max = self.var_values(b.t_excess_max_k).reshape(m)
        col = lambda key: np.vstack([self.arr[a][key] for a in self.names])  # noqa: E731
        cst = lambda key: np.array([self.const[a][key] for a in self.names])[:, None]  # noqa: E731
        c, t_ref = cst("c"), cst("t_ref")
        cost = cst("pen") * exc * dt
        cost[:, 0] += EXCESS_MAX_TIE_CNY_PER_K * exc_max
        hi = np.vstack([self.hi_now[a][1:] for a in self.names])
        lo = np.vstack([self.arr[a]["lo"][1:] for a in self.names])
        return dict(
            p_inject_mw=-p, q_inject_mvar=-p * cst("tan"), p_load_mw=p,
            t_zone_c=t_ref - e / c, t_out_c=col("t_out"), t_band_min_c=lo, t_band_max_c=hi,
            t_excess_k=exc, occupied=col("occ"), q_cool_mw=col("cop") * p,
            q_load_mw=col("q_load"), e_mwh=e, cost_cny=cost,
        )
