"""Shiftable process load (可转移负荷): a batch of ``p_mw`` that must run ``duration_h`` hours a day within
the local window ``[start_h, end_h)`` (heat treatment, curing ovens, pumping, batch chillers).

Decision ``p_mw[a,t]`` per step (an LP relaxation: the batch may run at part load and in pieces;
minimum run blocks are not modelled):

* ``0 <= p[a,t] <= w[a,t] * p_max`` with ``w = 1`` when the step begins inside the window, else 0;
* per local day ``d``: ``sum_{t in d} p[a,t] * dt_h = p_mw * duration_h`` (the day's batch energy);
* injection ``-p``; reactive ``-p * tan(acos(cos_phi))``; no own cost.

Baseline (no optimisation): the batch starts at the window start and runs at ``p_mw`` until
``p_mw * duration_h`` is delivered (last step at part load when ``duration_h`` is not a whole number
of steps).
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register
from vpp.assets.interruptible_load import window_mask
from vpp.errors import InfeasibleError


def baseline_profile_mw(mask: np.ndarray, days: dict[str, list[int]], p_mw: float, e_mwh: float, dt_h: float) -> np.ndarray:
    """Run-from-window-start power [MW] per step: full power in window steps until ``e_mwh`` is delivered each day."""
    out = np.zeros(len(mask))
    for steps in days.values():
        remaining = e_mwh
        for t in steps:
            if remaining <= 1e-12:
                break
            if mask[t] > 0:
                p = min(p_mw, remaining / dt_h)
                out[t] = p
                remaining -= p * dt_h
    return out


@register
class ShiftableLoadBlock(AssetBlock):
    kind = "shiftable_load"

    def build(self, b) -> None:
        data = self.data
        dt = data.dt_h
        days = data.steps_of_day()
        self.days = days
        self.mask = {a.name: window_mask(data.index, [(a.spec.start_h, a.spec.end_h)]) for a in self.assets}
        self.e_day = {a.name: a.spec.p_mw * a.spec.duration_h for a in self.assets}
        for a in self.assets:
            for d, steps in days.items():
                room = float(self.mask[a.name][steps].sum()) * a.spec.p_mw * dt
                if room < self.e_day[a.name] - 1e-9:
                    raise InfeasibleError(
                        f"shiftable load '{a.name}': its window [{a.spec.start_h}, {a.spec.end_h}) h holds only "
                        f"{room:.3f} MWh on {d} at {dt * 60:.0f} min steps, below the batch {self.e_day[a.name]:.3f} MWh"
                    )
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, data.n_t - 1)
        b.p_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, float(self.mask[a][t]) * self.by_name[a].spec.p_mw))
        b.D = pyo.Set(initialize=list(days), ordered=True)
        b.daily_energy = pyo.Constraint(
            b.A, b.D, rule=lambda b, a, d: sum(b.p_mw[a, t] for t in days[d]) * dt == self.e_day[a]
        )

    def injection_mw(self, b, asset, t):
        return -b.p_mw[asset, t]

    def update(self, b, data) -> None:
        """Next rolling window (starts at local midnight, same length): the window mask is by hour of day
        and the batch is per day, so bounds and constraints are unchanged; only the data is refreshed."""
        self._reload(data)
        self.days = {d: steps for d, steps in zip(data.steps_of_day(), self.days.values())}

    def injection_range(self, asset):
        return -self.mask[asset] * self.by_name[asset].spec.p_mw, np.zeros(self.data.n_t)

    def baseline_values(self, b):
        p = np.vstack([baseline_profile_mw(self.mask[a.name], self.days, a.spec.p_mw, self.e_day[a.name], self.data.dt_h)
                       for a in self.assets])
        return [(b.p_mw, p)]

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        p = self.values(b.p_mw, self.names, n_t)
        tan = np.array([math.tan(math.acos(self.by_name[n].spec.cos_phi)) for n in self.names])[:, None]
        return dict(
            p_inject_mw=-p, q_inject_mvar=-p * tan, p_load_mw=p, cost_cny=np.zeros_like(p),
        )
