"""Thermal-storage load (冷库 cold room, building HVAC): an electric load whose timing can move within a
temperature band.

The asset has a nominal consumption profile ``p_nominal_mw[a,t]`` (archetype shape × ``p_peak_mw``, like
a fixed load: the power that holds the set-point) and a decision ``p_mw[a,t]``, the power actually drawn.
The thermal state is tracked as a *virtual energy* ``e_mwh[a,k]`` (``k = 0..T`` step boundaries): the
electrical-equivalent energy of cold (or heat) stored relative to holding the set-point.

* dynamics: ``e[k+1] = (1 - loss_per_h * dt_h) * e[k] + (p[k] - p_nominal[k]) * dt_h``
* band: ``e_min_mwh <= e[k] <= e_max_mwh`` (``e_min_mwh <= 0 <= e_max_mwh``)
* start and end: ``e[0] = 0`` and ``e[T] = 0`` (the room ends the horizon at its set-point, so with
  ``loss_per_h = 0`` the energy drawn equals the nominal energy: ``sum p dt = sum p_nominal dt``)
* power: ``0 <= p[k] <= p_max_mw``
* injection ``-p``; reactive ``-p * tan(acos(cos_phi))``; no own cost.

Energy band <-> temperature band: a room of thermal capacity ``C_th`` [MWh_th/K] cooled by a machine
of coefficient of performance ``COP`` stores ``e = C_th * ΔT / COP`` [MWh electric] when held ``ΔT``
kelvin below (cooling) or above (heating) its set-point. E.g. a 5 000 t cold store with goods of
c ≈ 3.6 kJ/(kg·K) has C_th = 5e6 kg × 3.6 kJ/(kg K) = 5 MWh_th/K; a band of 2 K at COP 2.5 gives
e_max = 5 × 2 / 2.5 = 4 MWh. ``loss_per_h`` is the share of the stored energy lost per hour through the
envelope (0 by default: losses are already in the nominal profile).

Baseline (no optimisation): ``p = p_nominal`` (clipped at ``p_max_mw``), so ``e`` stays 0.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values


@register
class ThermalStorageBlock(AssetBlock):
    kind = "thermal_storage"
    state_var = "e_mwh"  # starts at the set-point (0)

    def build(self, b) -> None:
        data = self.data
        n_t, dt = data.n_t, data.dt_h
        spec = {a.name: a.spec for a in self.assets}
        self.nominal = {a.name: np.asarray(a.profile["p_load_mw"], dtype=float) for a in self.assets}
        self.p_max = {a.name: a.spec.p_max_mw_or_default for a in self.assets}
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, n_t - 1)
        b.K = pyo.RangeSet(0, n_t)
        b.p_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, self.p_max[a]))
        # initial state as a parameter (0, or carried from the previous rolling window): e[0] = e_init
        b.e_init_mwh = pyo.Param(b.A, mutable=True,
                                 initialize=lambda b, a: float(self.by_name[a].profile.get("e_init_mwh", 0.0)))
        b.e_mwh = pyo.Var(b.A, b.K, bounds=lambda b, a, k: (b.e_init_mwh[a], b.e_init_mwh[a]) if k == 0
                          else (spec[a].e_min_mwh, spec[a].e_max_mwh))
        # mutable, so a rolling window updates the nominal profile instead of rebuilding (see update)
        b.p_nominal_mw = pyo.Param(b.A, b.T, mutable=True, initialize=lambda b, a, t: float(self.nominal[a][t]))
        b.dynamics = pyo.Constraint(
            b.A,
            b.T,
            rule=lambda b, a, t: b.e_mwh[a, t + 1]
            == (1.0 - spec[a].loss_per_h * dt) * b.e_mwh[a, t] + (b.p_mw[a, t] - b.p_nominal_mw[a, t]) * dt,
        )
        b.e_end = pyo.Constraint(b.A, rule=lambda b, a: b.e_mwh[a, n_t] == 0.0)

    def injection_mw(self, b, asset, t):
        return -b.p_mw[asset, t]

    def update(self, b, data) -> None:
        """Next rolling window: nominal profile parameters; ``e[0] = e_init_mwh``, the carried state
        ``profile['e_init_mwh']`` (0 when absent); the end condition ``e[T] = 0`` stays."""
        self._reload(data)
        self.nominal = {a.name: np.asarray(a.profile["p_load_mw"], dtype=float) for a in self.assets}
        set_values(b.e_init_mwh, [self.by_name[a].profile.get("e_init_mwh", 0.0) for a in self.names])
        set_values(b.p_nominal_mw, np.vstack([self.nominal[a] for a in self.names]))

    def injection_range(self, asset):
        n_t = self.data.n_t
        return np.full(n_t, -self.p_max[asset]), np.zeros(n_t)

    def baseline_values(self, b):
        return [(b.p_mw, np.vstack([np.minimum(self.nominal[a], self.p_max[a]) for a in self.names]))]

    def baseline_structure(self, b) -> None:
        # with clipping or losses the state may not return to 0: the rule, not the band, decides
        for a in self.names:
            for k in b.K:
                if k == 0:
                    continue  # the initial state stays
                b.e_mwh[a, k].setlb(None)
                b.e_mwh[a, k].setub(None)
        b.e_end.deactivate()

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = self.values(b.p_mw, self.names, n_t)
        nom = np.vstack([self.nominal[n] for n in self.names])
        e_end = self.var_values(b.e_mwh).reshape(len(self.names), n_t + 1)[:, 1:]
        tan = np.array([math.tan(math.acos(self.by_name[n].spec.cos_phi)) for n in self.names])[:, None]
        return dict(
            p_inject_mw=-p, q_inject_mvar=-p * tan, p_load_mw=p, p_nominal_mw=nom,
            e_mwh=e_end, cost_cny=np.zeros_like(p),
        )
