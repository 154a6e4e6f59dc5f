"""Load with an interruptible contract (可中断负荷).

Profile ``p_load_mw[a,t]``; decision ``p_curtail_mw[a,t]``:

* ``0 <= p_curtail_mw[a,t] <= w[a,t] * min(p_curtail_max_mw, p_load_mw[a,t])`` with ``w = 1`` inside the
  contract's windows (local hours ``[start, end)``) and 0 outside;
* per local day ``d``: ``sum_{t in d} p_curtail_mw[a,t] * dt_h <= p_curtail_max_mw * max_hours_per_day``
  (the contract's daily limit as energy: at most ``max_hours_per_day`` hours at full contract);
* injection ``-(p_load_mw - p_curtail_mw)``; cost ``cost_cny_per_mwh * p_curtail_mw * dt_h`` (value of lost
  load or the compensation paid to the customer).

The contract's use (``use``, docs/billing.md): ``grid`` (default) = an interruptible contract with the
grid (可中断负荷): ``w[a,t] = 0`` outside the steps of a grid call (a DR event, a capacity down window, a VPP
instruction: :meth:`InterruptibleLoadBlock.event_window`), so the park never curtails it to lower its own
bill; ``self`` = the park may curtail it whenever its windows allow (its own load management). The bound
is the mutable ``p_curtail_cap_mw``: a call only rewrites parameters.

Baseline: never interrupted.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values
from vpp.timeindex import hour_of_day


def window_mask(index, windows_h) -> np.ndarray:
    """1.0 where the step's start hour lies in one of the ``[start, end)`` windows, else 0.0."""
    h = hour_of_day(index)
    mask = np.zeros(len(index))
    for a, b in windows_h:
        mask[(h >= a) & (h < b)] = 1.0
    return mask


@register
class InterruptibleLoadBlock(AssetBlock):
    kind = "interruptible_load"

    def _caps(self, data) -> None:
        """Contract caps ``w · min(p_curtail_max, load)`` [MW] (``self.cap``) and the ones in force now
        (``self.cap_now``: a ``grid`` contract only in the called steps ``self.called``)."""
        self.cap = {
            a.name: window_mask(data.index, a.spec.windows_h) * np.minimum(a.spec.p_curtail_max_mw, self.load[a.name])
            for a in self.assets
        }
        called = np.zeros(data.n_t, dtype=bool)
        called[[t for t in self.called if 0 <= t < data.n_t]] = True
        self.cap_now = {a: np.where(called, c, 0.0) if self.by_name[a].spec.use == "grid" else c
                        for a, c in self.cap.items()}

    def build(self, b) -> None:
        data = self.data
        self.called: list[int] = []
        self.load = {a.name: np.asarray(a.profile["p_load_mw"], dtype=float) for a in self.assets}
        self._caps(data)
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, data.n_t - 1)
        b.p_curtail_cap_mw = pyo.Param(b.A, b.T, mutable=True, initialize=lambda b, a, t: float(self.cap_now[a][t]))
        b.p_curtail_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, b.p_curtail_cap_mw[a, t]))
        b.p_load_mw = pyo.Param(b.A, b.T, mutable=True, initialize=lambda b, a, t: float(self.load[a][t]))
        days = data.steps_of_day()
        b.D = pyo.Set(initialize=list(days), ordered=True)
        b.daily_limit = pyo.Constraint(
            b.A,
            b.D,
            rule=lambda b, a, d: sum(b.p_curtail_mw[a, t] for t in days[d]) * data.dt_h
            <= self.by_name[a].spec.p_curtail_max_mw * self.by_name[a].spec.max_hours_per_day,
        )

    def injection_mw(self, b, asset, t):
        return -b.p_load_mw[asset, t] + b.p_curtail_mw[asset, t]

    def update(self, b, data) -> None:
        """Next window (starting at local midnight, whole days): load parameters and curtailment caps.

        The daily limit restarts each day; a window starts at midnight, so no energy budget is carried.
        """
        self._reload(data)
        self.load = {a.name: np.asarray(a.profile["p_load_mw"], dtype=float) for a in self.assets}
        self.called = []  # a rolling window is not a grid call
        self._caps(data)
        set_values(b.p_load_mw, np.vstack([self.load[a] for a in self.names]))
        set_values(b.p_curtail_cap_mw, np.vstack([self.cap_now[a] for a in self.names]))

    def event_window(self, b, steps) -> None:
        """A grid call over ``steps`` (``[]`` ends it): ``grid`` contracts may be curtailed in those steps
        (within their windows and daily limit); writes ``p_curtail_cap_mw`` only."""
        self.called = sorted(int(t) for t in steps)
        self._caps(self.data)
        set_values(b.p_curtail_cap_mw, np.vstack([self.cap_now[a] for a in self.names]))

    def injection_range(self, asset):
        return -self.load[asset], -self.load[asset] + self.cap_now[asset]

    def cost_cny(self, b):
        dt = self.data.dt_h
        return sum(self.by_name[a].spec.cost_cny_per_mwh * b.p_curtail_mw[a, t] * dt for a in self.names for t in b.T)

    def baseline_values(self, b):
        return [(b.p_curtail_mw, np.zeros(len(b.p_curtail_mw)))]

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        cut = self.values(b.p_curtail_mw, self.names, n_t)
        load = np.vstack([self.load[n] for n in self.names])
        p = -(load - cut)
        tan = np.array([math.tan(math.acos(self.by_name[n].spec.cos_phi)) for n in self.names])[:, None]
        rate = np.array([self.by_name[n].spec.cost_cny_per_mwh for n in self.names])[:, None]
        return dict(
            p_inject_mw=p, q_inject_mvar=p * tan, p_load_mw=load, p_curtailed_mw=cut,
            cost_cny=rate * cut * self.data.dt_h,
        )
