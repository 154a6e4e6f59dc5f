"""Fixed (inflexible) load: injection = -p_load_mw[t], no decisions."""

from __future__ import annotations

import math

import numpy as np

from optimization.registry import AssetBlock, register


@register
class FixedLoadBlock(AssetBlock):
    """Profile ``p_load_mw`` [MW] per asset; reactive power ``q = p * tan(acos(cos_phi))``."""

    kind = "fixed_load"

    def build(self, b) -> None:
        self.load = {a.name: np.asarray(a.profile["p_load_mw"], dtype=float) for a in self.assets}

    def injection_mw(self, b, asset, t):
        return -float(self.load[asset][t])

    def injection_range(self, asset):
        p = -self.load[asset]
        return p, p

    def results(self, b):
        n_t = self.data.n_t
        p = -np.vstack([self.load[n] for n in self.names])
        tan = np.array([math.tan(math.acos(self.by_name[n].spec.cos_phi)) for n in self.names])[:, None]
        return self.frame(self.names, n_t, p_inject_mw=p, q_inject_mvar=p * tan, p_load_mw=-p, cost_cny=np.zeros_like(p))
