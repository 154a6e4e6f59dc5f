"""Rooftop PV, curtailable: ``0 <= p_pv_mw[a,t] <= p_available_mw[a,t]``, injection = p_pv_mw.

Cost: ``curtailment_cost_cny_per_mwh * (p_available - p_pv) * dt_h`` (0 by default).

Sizing (opt-in, ``data.sizing[a] = {"pv_mwp": (lo, hi)}``, ``vpp evaluate --size pv``): the size
``size_mwp[a]`` in ``[lo, hi]`` is a variable and the bound becomes the constraint
``p_pv_mw[a,t] <= avail_per_mwp[a,t] * size_mwp[a]`` with ``avail_per_mwp = p_available_mw / p_mwp`` of the
scenario's profile (the profile is linear in the size); the capex term is added by :mod:`vpp.evaluation.sizing`.
Baseline: where the park may export freely the PV is fixed at its available power; behind a
no-reverse-flow (防逆流) or export-limited connection it is left to the inverter control, i.e. used as
far as the connection takes it.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values


@register
class PVBlock(AssetBlock):
    kind = "pv"

    def build(self, b) -> None:
        self.avail = {a.name: np.clip(np.asarray(a.profile["p_available_mw"], dtype=float), 0, None) for a in self.assets}
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, self.data.n_t - 1)
        self.sized = [a for a in self.names if "pv_mwp" in getattr(self.data, "sizing", {}).get(a, {})]
        sized = set(self.sized)
        # available power as a parameter: a rolling window changes the data, not the model
        b.p_available_mw = pyo.Param(b.A, b.T, mutable=True, initialize=lambda b, a, t: float(self.avail[a][t]))
        b.p_pv_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, None if a in sized else b.p_available_mw[a, t]))
        if self.sized:
            self.avail_per_mwp = {a: self.avail[a] / self.by_name[a].spec.p_mwp for a in self.sized}
            b.S = pyo.Set(initialize=self.sized, ordered=True)
            b.size_mwp = pyo.Var(b.S, bounds=lambda b, a: self.data.sizing[a]["pv_mwp"])
            b.sized_avail = pyo.Constraint(
                b.S, b.T, rule=lambda b, a, t: b.p_pv_mw[a, t] <= float(self.avail_per_mwp[a][t]) * b.size_mwp[a]
            )

    def injection_mw(self, b, asset, t):
        return b.p_pv_mw[asset, t]

    def exportable_mw(self, b, asset, t):
        return b.p_pv_mw[asset, t]

    def injection_range(self, asset):
        if asset in getattr(self, "sized", []):
            return np.zeros_like(self.avail[asset]), self.avail_per_mwp[asset] * self.data.sizing[asset]["pv_mwp"][1]
        return np.zeros_like(self.avail[asset]), self.avail[asset]

    def _avail_of(self, b, a, t):
        """Available power [MW]: the profile, or ``avail_per_mwp · size_mwp`` of a sized asset."""
        if a in getattr(self, "sized", []):
            return float(self.avail_per_mwp[a][t]) * b.size_mwp[a]
        return float(self.avail[a][t])

    def update(self, b, data) -> None:
        """Next window: upper bounds ``p_pv_mw[a,t] <= p_available_mw[a,t]`` from the window's profile.

        (The curtailment-cost term keeps the first window's constant ``avail * rate``; a constant does
        not change the decisions, and costs are recomputed from the result tables.)
        """
        self._reload(data)
        self.avail = {a.name: np.clip(np.asarray(a.profile["p_available_mw"], dtype=float), 0, None) for a in self.assets}
        set_values(b.p_available_mw, np.vstack([self.avail[a] for a in self.names]))

    def cost_cny(self, b):
        dt = self.data.dt_h
        terms = [
            self.by_name[a].spec.curtailment_cost_cny_per_mwh * (self._avail_of(b, a, t) - b.p_pv_mw[a, t]) * dt
            for a in self.names
            if self.by_name[a].spec.curtailment_cost_cny_per_mwh > 0
            for t in b.T
        ]
        return sum(terms) if terms else 0.0

    def baseline_values(self, b):
        parks = {p.name: p for p in self.data.parks}
        vals = np.full((len(self.names), self.data.n_t), np.nan)  # NaN: left to the inverter control
        for i, a in enumerate(self.assets):
            park = parks[a.park]
            if not (park.no_reverse_flow or park.p_export_max_mw is not None):
                vals[i] = self.avail[a.name]
        return [(b.p_pv_mw, vals)]

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = self.values(b.p_pv_mw, self.names, n_t)
        avail = np.vstack([self.avail[n] if n not in getattr(self, "sized", [])
                           else self.avail_per_mwp[n] * float(pyo.value(b.size_mwp[n])) for n in self.names])
        curt = np.clip(avail - p, 0, None)
        rate = np.array([self.by_name[n].spec.curtailment_cost_cny_per_mwh for n in self.names])[:, None]
        return dict(
            p_inject_mw=p, q_inject_mvar=np.zeros_like(p), p_available_mw=avail,
            p_curtailed_mw=curt, cost_cny=rate * curt * self.data.dt_h,
        )
