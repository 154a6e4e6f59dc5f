"""Battery storage.

Variables per asset ``a`` and step ``t``: ``p_charge_mw``, ``p_discharge_mw`` in ``[0, p_max_mw]`` and the
stored energy ``e_mwh[a,k]`` at the boundaries ``k = 0..T`` (``k`` = start of step ``k``).

* dynamics: ``e[k+1] = e[k] + (eta_charge * p_charge[k] - p_discharge[k] / eta_discharge) * dt_h``
* initial: ``e[0] = soc_init * e_max_mwh``
* limits: ``soc_min * e_max_mwh <= e[k] <= soc_max * e_max_mwh``
* end: ``e[T] >= soc_end * e_max_mwh`` (``soc_end`` defaults to ``soc_init``)
* converter: ``p_charge + p_discharge <= p_max_mw``. Charging and discharging in the same step is an LP
  artefact (it burns energy in losses); this bound keeps it within one converter rating, so it cannot
  be used to fake a sustained extra import (valley filling) of more than
  ``p_max (1 - eta_c eta_d) / (1 + eta_c eta_d)`` (≈ 8 % of p_max at 0.85 round trip)
* injection: ``p_discharge - p_charge``; cost: ``degradation_cost_cny_per_mwh * sum p_discharge * dt_h``
* smoothing (not billed; :mod:`optimization.smoothing`, weight ``w = smoothing_cny_per_mw``, off at 0): for
  ``t >= 1`` ``dp_up[a,t] - dp_down[a,t] = inj[a,t] - inj[a,t-1]`` on the net power ``inj = p_discharge -
  p_charge``, cost ``w · sum (dp_up + dp_down)``: among schedules of equal bill the LP takes the one with the
  fewest and smallest power changes instead of charging in scattered steps of one price

Sizing (opt-in, ``data.sizing[a] = {"battery_e_mwh": (lo, hi), "battery_p_mw": (lo, hi)}``, ``vpp evaluate
--size battery``): energy ``size_e_mwh[a] = E`` and power ``size_p_mw[a] = P`` are variables in their bounds,
and the constant limits become constraints: ``p_charge, p_discharge <= P``, ``p_charge + p_discharge <= P``,
``soc_min·E <= e[k] <= soc_max·E``, ``e[0] = soc_init·E``, ``e[T] >= soc_end·E`` (capex term in
:mod:`vpp.evaluation.sizing`). Only for a single solve (no rolling ``update``).

Baseline: idle (both powers fixed at 0, end condition dropped).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values


@register
class BatteryBlock(AssetBlock):
    kind = "battery"
    state_var = "e_mwh"

    @classmethod
    def initial_state_mwh(cls, spec) -> float:
        return spec.soc_init * spec.e_max_mwh

    def build(self, b) -> None:
        n_t, dt = self.data.n_t, self.data.dt_h
        spec = {a.name: a.spec for a in self.assets}
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, n_t - 1)
        b.K = pyo.RangeSet(0, n_t)
        sizing = getattr(self.data, "sizing", {})
        self.sized = [a for a in self.names if "battery_e_mwh" in sizing.get(a, {})]
        sized = set(self.sized)
        pmax = lambda b, a, t: (0.0, None if a in sized else spec[a].p_max_mw)  # noqa: E731
        b.p_charge_mw = pyo.Var(b.A, b.T, bounds=pmax)
        b.p_discharge_mw = pyo.Var(b.A, b.T, bounds=pmax)
        b.e_mwh = pyo.Var(
            b.A, b.K, bounds=lambda b, a, k: (0.0, None) if a in sized
            else (spec[a].soc_min * spec[a].e_max_mwh, spec[a].soc_max * spec[a].e_max_mwh)
        )
        if self.sized:
            b.S = pyo.Set(initialize=self.sized, ordered=True)
            b.size_e_mwh = pyo.Var(b.S, bounds=lambda b, a: sizing[a]["battery_e_mwh"])
            b.size_p_mw = pyo.Var(b.S, bounds=lambda b, a: sizing[a]["battery_p_mw"])
            b.sized_charge = pyo.Constraint(b.S, b.T, rule=lambda b, a, t: b.p_charge_mw[a, t] <= b.size_p_mw[a])
            b.sized_discharge = pyo.Constraint(b.S, b.T, rule=lambda b, a, t: b.p_discharge_mw[a, t] <= b.size_p_mw[a])
            b.sized_e_min = pyo.Constraint(b.S, b.K, rule=lambda b, a, k: b.e_mwh[a, k] >= spec[a].soc_min * b.size_e_mwh[a])
            b.sized_e_max = pyo.Constraint(b.S, b.K, rule=lambda b, a, k: b.e_mwh[a, k] <= spec[a].soc_max * b.size_e_mwh[a])
        # initial energy [MWh]: soc_init * e_max, or the state carried from the previous rolling window
        b.e_init_mwh = pyo.Param(
            b.A, mutable=True,
            initialize=lambda b, a: self.by_name[a].profile.get("e_init_mwh", spec[a].soc_init * spec[a].e_max_mwh),
        )
        b.e_init = pyo.Constraint(
            b.A, rule=lambda b, a: b.e_mwh[a, 0] == (spec[a].soc_init * b.size_e_mwh[a] if a in sized else b.e_init_mwh[a])
        )
        b.dynamics = pyo.Constraint(
            b.A,
            b.T,
            rule=lambda b, a, t: b.e_mwh[a, t + 1]
            == b.e_mwh[a, t]
            + (spec[a].eta_charge * b.p_charge_mw[a, t] - b.p_discharge_mw[a, t] / spec[a].eta_discharge) * dt,
        )
        b.converter = pyo.Constraint(
            b.A, b.T, rule=lambda b, a, t: b.p_charge_mw[a, t] + b.p_discharge_mw[a, t]
            <= (b.size_p_mw[a] if a in sized else spec[a].p_max_mw)
        )
        b.e_end = pyo.Constraint(
            b.A,
            rule=lambda b, a: b.e_mwh[a, n_t]
            >= (spec[a].soc_end if spec[a].soc_end is not None else spec[a].soc_init)
            * (b.size_e_mwh[a] if a in sized else spec[a].e_max_mwh),
        )
        self.smooth(b, self.names, lambda b, a, t: [(1.0, b.p_discharge_mw[a, t]), (-1.0, b.p_charge_mw[a, t])])

    def injection_mw(self, b, asset, t):
        return b.p_discharge_mw[asset, t] - b.p_charge_mw[asset, t]

    def update(self, b, data) -> None:
        """Next window: ``e_init_mwh[a]`` = the window's ``profile['e_init_mwh']`` (SOC carried over)."""
        self._reload(data)
        set_values(b.e_init_mwh, [self.by_name[a].profile.get("e_init_mwh", self.by_name[a].spec.soc_init
                                                             * self.by_name[a].spec.e_max_mwh) for a in self.names])

    def injection_range(self, asset):
        p = self.by_name[asset].spec.p_max_mw
        if asset in getattr(self, "sized", []):
            p = self.data.sizing[asset]["battery_p_mw"][1]
        return np.full(self.data.n_t, -p), np.full(self.data.n_t, p)

    def cost_cny(self, b):
        dt = self.data.dt_h
        terms = [
            self.by_name[a].spec.degradation_cost_cny_per_mwh * b.p_discharge_mw[a, t] * dt
            for a in self.names
            if self.by_name[a].spec.degradation_cost_cny_per_mwh > 0
            for t in b.T
        ]
        return (sum(terms) if terms else 0.0) + self.smoothing_cost_cny()

    def baseline_structure(self, b) -> None:
        b.e_end.deactivate()

    def baseline_values(self, b):
        idle = np.zeros(len(b.p_charge_mw))
        return [(b.p_charge_mw, idle), (b.p_discharge_mw, idle)]

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        ch = self.values(b.p_charge_mw, self.names, n_t)
        dis = self.values(b.p_discharge_mw, self.names, n_t)
        e_end = self.var_values(b.e_mwh).reshape(len(self.names), n_t + 1)[:, 1:]
        sized = getattr(self, "sized", [])
        e_max = np.array([float(pyo.value(b.size_e_mwh[a])) if a in sized else self.by_name[a].spec.e_max_mwh
                          for a in self.names])[:, None]
        e_max = np.where(e_max > 1e-12, e_max, np.nan)  # SOC undefined for a sized-to-zero battery
        rate = np.array([self.by_name[a].spec.degradation_cost_cny_per_mwh for a in self.names])[:, None]
        return dict(
            p_inject_mw=dis - ch, q_inject_mvar=np.zeros_like(ch), p_charge_mw=ch,
            p_discharge_mw=dis, e_mwh=e_end, soc=e_end / e_max, cost_cny=rate * dis * self.data.dt_h,
        )
