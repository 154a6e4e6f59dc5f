"""Data centre as it is: IT load, non-cooling overhead and a cooling plant whose PUE follows the outdoor
temperature, with two optional flexibilities (kind ``data_centre``; spec
:class:`scenarios.data_centre_schema.DataCentre`, docs/data_centre.md).

Inputs per asset ``a`` and step ``t``: the IT load ``IT[t]`` [MW] and the outdoor dry-bulb temperature
``T[t]`` [°C] (:mod:`vpp.profiles.data_centre`). Then::

    PUE[t] = min(pue_max, pue_min + pue_slope_per_k · max(0, T[t] − t_free_cooling_c))     (:func:`pue`)
    k[t]   = PUE[t] − 1 − oh                 cooling MW per MW of IT (oh = other_overhead_share)

Deferrable IT work (``s = deferrable_share``, window mask ``m[t]`` = 1 when the step starts inside
``deferrable_window_h``; :func:`vpp.assets.interruptible_load.window_mask`): the fixed IT is
``IT_fix[t] = (1 − s·m[t]) · IT[t]``, the deferrable part ``p_defer[t]`` is a decision (the maths of
:mod:`vpp.assets.shiftable_load`: a daily energy placed within a window)

* ``0 <= p_defer[t] <= m[t] · (IT_cap − IT_fix[t])``  (``IT_cap`` = ``p_it_max_mw``: the servers' capacity)
* per local day ``d``: ``Σ_{t∈d} p_defer[t]·dt_h = Σ_{t∈d} s·m[t]·IT[t]·dt_h`` (IT energy conserved per day)

so the IT power is ``IT_fix[t] + p_defer[t]`` (= ``IT[t]`` without deferral).

Cooling with chilled-water storage (the maths of :mod:`vpp.assets.thermal_storage`: electricity drawn
against a nominal profile, the difference stored as an electric-equivalent energy ``e[a,k]`` at the step
boundaries ``k = 0..T``):

* nominal cooling ``p_cool_nom[t] = k[t] · (IT_fix[t] + p_defer[t])`` (cooling follows the IT heat);
* ``e[k+1] = (1 − cool_loss_per_h·dt_h) · e[k] + (p_cool[k] − p_cool_nom[k]) · dt_h``,
  ``0 <= e[k] <= E``, ``e[0] = e_init`` (0, or carried between rolling windows), ``e[T] = 0``;
* ``0 <= p_cool[t] <= p_cool_max_mw`` (default 1.25 × cooling at pue_max and IT capacity).

``E = e_cool_max_mwh_th · (pue_min − 1 − oh)``: the tank's thermal energy at the free-cooling COP
``1 / (pue_min − 1 − oh)`` (the highest COP, so the smallest electric equivalent: the flexibility is not
overstated; the COP gain of charging in cool hours is not modelled, the shift conserves electricity up
to the losses). Without storage (``E = 0``) ``p_cool = p_cool_nom`` exactly; with neither flexibility the
asset is the fixed load ``PUE[t] · IT[t]``.

Facility power ``P[t] = (1 + oh) · (IT_fix[t] + p_defer[t]) + p_cool[t]``; injection ``−P``; reactive
``−P · tan(acos cos_phi)``; no own cost. Outputs per step: ``p_it_mw``, ``p_cool_mw``, ``p_other_mw``,
``p_facility_mw`` (= ``p_load_mw``), ``pue`` = P / IT, ``pue_nominal`` = PUE[t], ``t_out_c``, ``e_mwh``.
KPIs (:meth:`DataCentreBlock.kpis`): IT, cooling and facility energy, period PUE = facility / IT energy,
monthly PUE, hours whose PUE is above ``pue_target`` and pass/fail of the period PUE against it.

``k[t]`` multiplies the decision ``p_defer`` (a matrix coefficient), so deferrable work with a
temperature-dependent PUE cannot be re-solved window by window (``update`` refuses; use
``--horizon perfect``); cooling storage alone can.

Baseline (no optimisation): no deferral (``p_defer = s·m·IT``), cooling at its nominal power (``e = 0``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values
from vpp.assets.daily_energy import add_daily_energy
from vpp.assets.interruptible_load import window_mask


def pue(t_out_c, pue_min: float, slope_per_k: float, t_free_cooling_c: float, pue_max: float) -> np.ndarray:
    """PUE [-] at outdoor temperatures ``t_out_c`` [°C]: ``min(pue_max, pue_min + slope·max(0, T − t_free))``."""
    t = np.asarray(t_out_c, dtype=float)
    return np.minimum(pue_max, pue_min + slope_per_k * np.maximum(0.0, t - t_free_cooling_c))


def pue_of_spec(spec, t_out_c) -> np.ndarray:
    return pue(t_out_c, spec.pue_min, spec.pue_slope_per_k, spec.t_free_cooling_c, spec.pue_max)


@register
class DataCentreBlock(AssetBlock):
    kind = "data_centre"
    state_var = "e_mwh"  # the chilled-water store, at its reference (0) at the start

    def _prepare(self, data) -> None:
        """Per-asset arrays of the window: IT, PUE, k, fixed IT, deferral mask and daily energies."""
        dt = data.dt_h
        self.days = list(data.steps_of_day().values())
        self.arr = {}
        for a in self.assets:
            s = a.spec
            it = np.asarray(a.profile["p_it_mw"], dtype=float)
            t_out = np.asarray(a.profile["t_out_c"], dtype=float)
            p = pue_of_spec(s, t_out)
            k = p - 1.0 - s.other_overhead_share
            m = window_mask(data.index, [s.deferrable_window_h]) if s.deferrable_share > 0 else np.zeros(len(it))
            it_fix = (1.0 - s.deferrable_share * m) * it
            defer_nom = s.deferrable_share * m * it
            self.arr[a.name] = dict(
                it=it, t_out=t_out, pue=p, k=k, it_fix=it_fix, defer_nom=defer_nom,
                defer_max=m * np.maximum(0.0, s.p_it_capacity_mw - it_fix),
                cool_base=k * it_fix, e_day=np.array([defer_nom[st].sum() * dt for st in self.days]),
            )

    def build(self, b) -> None:
        data = self.data
        n_t, dt = data.n_t, data.dt_h
        self._prepare(data)
        spec = {a.name: a.spec for a in self.assets}
        self.deferring = [a.name for a in self.assets if a.spec.deferrable_share > 0]
        self.k_built = {a: self.arr[a]["k"].copy() for a in self.deferring}
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, n_t - 1)
        b.K = pyo.RangeSet(0, n_t)
        stack = lambda key: np.vstack([self.arr[a][key] for a in self.names])  # noqa: E731
        b.p_it_fix_mw = pyo.Param(b.A, b.T, mutable=True, initialize=self._init(stack("it_fix")))
        b.p_cool_base_mw = pyo.Param(b.A, b.T, mutable=True, initialize=self._init(stack("cool_base")))
        b.p_defer_max_mw = pyo.Param(b.A, b.T, mutable=True, initialize=self._init(stack("defer_max")))
        b.p_defer_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, b.p_defer_max_mw[a, t]))
        b.p_cool_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, spec[a].p_cool_rating_mw))
        b.e_init_mwh = pyo.Param(b.A, mutable=True,
                                 initialize=lambda b, a: float(self.by_name[a].profile.get("e_init_mwh", 0.0)))
        self.e_max = {a: spec[a].e_cool_max_mwh_th * (spec[a].pue_min - 1.0 - spec[a].other_overhead_share)
                      for a in self.names}
        b.e_mwh = pyo.Var(b.A, b.K, bounds=lambda b, a, k: (b.e_init_mwh[a], b.e_init_mwh[a]) if k == 0
                          else (0.0, self.e_max[a]))

        def nominal_cooling(b, a, t):
            base = b.p_cool_base_mw[a, t]
            return base + float(self.arr[a]["k"][t]) * b.p_defer_mw[a, t] if a in self.deferring else base

        b.dynamics = pyo.Constraint(
            b.A, b.T, rule=lambda b, a, t: b.e_mwh[a, t + 1]
            == (1.0 - spec[a].cool_loss_per_h * dt) * b.e_mwh[a, t] + (b.p_cool_mw[a, t] - nominal_cooling(b, a, t)) * dt)
        b.e_end = pyo.Constraint(b.A, rule=lambda b, a: b.e_mwh[a, n_t] == 0.0)
        if self.deferring:
            add_daily_energy(b, names=self.deferring, days=self.days, power=lambda b, a, t: b.p_defer_mw[a, t],
                             e_day_mwh={a: self.arr[a]["e_day"] for a in self.deferring}, dt_h=dt,
                             set_name="S", param_name="e_defer_day_mwh", con_name="daily_defer")

    def _init(self, arr: np.ndarray):
        pos = {a: i for i, a in enumerate(self.names)}
        return lambda b, a, t: float(arr[pos[a], t])

    def injection_mw(self, b, asset, t):
        oh = self.by_name[asset].spec.other_overhead_share
        return -((1.0 + oh) * (b.p_it_fix_mw[asset, t] + b.p_defer_mw[asset, t]) + b.p_cool_mw[asset, t])

    def injection_range(self, asset):
        s, r = self.by_name[asset].spec, self.arr[asset]
        oh = s.other_overhead_share
        lo = -((1.0 + oh) * (r["it_fix"] + r["defer_max"]) + s.p_cool_rating_mw)
        hi = -(1.0 + oh) * r["it_fix"]
        return lo, hi

    def update(self, b, data) -> None:
        """Next rolling window: IT, cooling and deferral parameters, the carried cold ``e_init_mwh``. The
        cooling coefficient ``k[t]`` of deferrable work is a matrix coefficient: it must be the window's as
        built (no deferral, or a constant PUE)."""
        self._reload(data)
        self._prepare(data)
        for a in self.deferring:
            if not np.allclose(self.arr[a]["k"], self.k_built[a], rtol=0.0, atol=1e-12):
                raise NotImplementedError(
                    f"data_centre '{a}': deferrable IT work with a temperature-dependent PUE puts the cooling per MW "
                    "of IT into the matrix, which a rolling window cannot change; set deferrable_share 0 or "
                    "pue_slope_per_k 0")
        stack = lambda key: np.vstack([self.arr[a][key] for a in self.names])  # noqa: E731
        set_values(b.p_it_fix_mw, stack("it_fix"))
        set_values(b.p_cool_base_mw, stack("cool_base"))
        set_values(b.p_defer_max_mw, stack("defer_max"))
        set_values(b.e_init_mwh, [self.by_name[a].profile.get("e_init_mwh", 0.0) for a in self.names])
        if self.deferring:
            set_values(b.e_defer_day_mwh, np.vstack([self.arr[a]["e_day"] for a in self.deferring]))

    def baseline_values(self, b):
        nom = np.vstack([self.arr[a]["defer_nom"] for a in self.names])
        cool = np.vstack([self.arr[a]["k"] * self.arr[a]["it"] for a in self.names])
        return [(b.p_defer_mw, nom), (b.p_cool_mw, cool)]

    def baseline_structure(self, b) -> None:
        # the rule sets the cooling: the store stays at 0 up to rounding; its band is not the rule's
        for a in self.names:
            for k in b.K:
                if k > 0:
                    b.e_mwh[a, k].setlb(None)
                    b.e_mwh[a, k].setub(None)
        b.e_end.deactivate()

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        defer = self.values(b.p_defer_mw, self.names, n_t)
        cool = self.values(b.p_cool_mw, self.names, n_t)
        stack = lambda key: np.vstack([self.arr[a][key] for a in self.names])  # noqa: E731
        oh = np.array([self.by_name[a].spec.other_overhead_share for a in self.names])[:, None]
        tan = np.array([math.tan(math.acos(self.by_name[a].spec.cos_phi)) for a in self.names])[:, None]
        it = stack("it_fix") + defer
        other = oh * it
        fac = it + other + cool
        e_end = self.var_values(b.e_mwh).reshape(len(self.names), n_t + 1)[:, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(it > 1e-12, fac / it, np.nan)
        return dict(
            p_inject_mw=-fac, q_inject_mvar=-fac * tan, p_load_mw=fac, p_facility_mw=fac, p_it_mw=it,
            p_cool_mw=cool, p_other_mw=other, pue=ratio, pue_nominal=stack("pue"), t_out_c=stack("t_out"),
            e_mwh=e_end, cost_cny=np.zeros_like(fac),
        )

    @classmethod
    def kpis(cls, table: pd.DataFrame, dt_h: float, specs: dict) -> dict:
        """Per asset (from the ``dispatch_assets`` rows of the kind): ``it_mwh``, ``cooling_mwh``,
        ``other_mwh``, ``facility_mwh``, ``pue`` = facility / IT energy over the period, ``pue_monthly``
        {``YYYY-MM``: PUE}, ``pue_target``, ``hours_above_target`` (clock hours whose facility / IT energy
        is above the target), ``hours`` (clock hours simulated) and ``pue_target_met`` (period PUE <= target)."""
        out = {}
        for name, rows in table.groupby("asset", sort=False):
            spec = specs[name]
            time = pd.DatetimeIndex(rows["time"])
            it, fac = rows["p_it_mw"].to_numpy() * dt_h, rows["p_facility_mw"].to_numpy() * dt_h
            by_hour = pd.DataFrame({"it": it, "fac": fac}, index=time).groupby(time.floor("h")).sum()
            by_month = pd.DataFrame({"it": it, "fac": fac}).groupby(np.asarray(time.strftime("%Y-%m"))).sum()
            hourly = by_hour["fac"] / by_hour["it"].where(by_hour["it"] > 1e-12)
            period = float(fac.sum() / it.sum()) if it.sum() > 1e-12 else None
            out[name] = {
                "it_mwh": float(it.sum()),
                "cooling_mwh": float(rows["p_cool_mw"].sum() * dt_h),
                "other_mwh": float(rows["p_other_mw"].sum() * dt_h),
                "facility_mwh": float(fac.sum()),
                "pue": period,
                "pue_monthly": {m: float(r.fac / r.it) for m, r in by_month.iterrows() if r.it > 1e-12},
                "pue_target": float(spec.pue_target),
                "hours": int(len(by_hour)),
                "hours_above_target": int((hourly > spec.pue_target + 1e-9).sum()),
                "pue_target_met": None if period is None else bool(period <= spec.pue_target + 1e-9),
            }
        return out
