"""Fixed (inflexible) load: injection = -p_load_mw[t], no decisions."""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values


@register
class FixedLoadBlock(AssetBlock):
    """Profile ``p_load_mw`` [MW] per asset; reactive power ``q = p * tan(acos(cos_phi))``."""

    kind = "fixed_load"

    def build(self, b) -> None:
        self.load = {a.name: np.asarray(a.profile["p_load_mw"], dtype=float) for a in self.assets}
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, self.data.n_t - 1)
        # mutable, so a rolling window updates the load instead of rebuilding the balance constraints
        b.p_load_mw = pyo.Param(b.A, b.T, mutable=True, initialize=lambda b, a, t: float(self.load[a][t]))

    def injection_mw(self, b, asset, t):
        return -b.p_load_mw[asset, t]

    def update(self, b, data) -> None:
        """Next window: ``p_load_mw[a,t]`` parameters set from the window's profile."""
        self._reload(data)
        self.load = {a.name: np.asarray(a.profile["p_load_mw"], dtype=float) for a in self.assets}
        set_values(b.p_load_mw, np.vstack([self.load[a] for a in self.names]))

    def injection_range(self, asset):
        p = -self.load[asset]
        return p, p

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = -np.vstack([self.load[n] for n in self.names])
        tan = np.array([math.tan(math.acos(self.by_name[n].spec.cos_phi)) for n in self.names])[:, None]
        return dict(
            p_inject_mw=p, q_inject_mvar=p * tan, p_load_mw=-p, cost_cny=np.zeros_like(p),
        )
