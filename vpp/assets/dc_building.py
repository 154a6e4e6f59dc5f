"""光储直柔 building on a DC bus: PV, battery and flexible DC loads behind ONE bidirectional AC/DC converter
(kind ``dc_building``; spec :class:`scenarios.dc_building_schema.DCBuilding`, docs/dc_building.md).

Per asset ``a`` and step ``t`` (all powers [MW], all decisions non-negative):

* PV (DC): ``0 <= p_pv[t] <= p_pv_dc_available[t]`` (curtailable);
* battery (DC), the maths of :mod:`vpp.assets.battery`: ``0 <= p_charge, p_discharge``,
  ``p_charge + p_discharge <= battery_p_max_mw``, ``e[k+1] = e[k] + (eta_c·p_charge − p_discharge/eta_d)·dt_h``,
  ``soc_min·E <= e[k] <= soc_max·E``, ``e[0] = e_init`` (``soc_init·E`` or carried between rolling windows),
  ``e[T] >= soc_init·E``;
* DC loads: the base profile ``L[t]``; a share ``f = flexible_share`` of each day's energy is flexible, the
  maths of :mod:`vpp.assets.shiftable_load`: load ``(1 − f)·L[t] + p_flex[t]`` with
  ``0 <= p_flex[t] <= p_flex_max_mw`` and per local day ``Σ p_flex·dt_h = f · Σ L·dt_h``;
* DC-bus balance: ``p_pv + p_discharge − p_charge − (1 − f)·L − p_flex = p_dc_out − p_dc_in``, with
  ``p_dc_out`` the DC power into the converter towards AC (inverter mode) and ``p_dc_in`` the DC power it
  delivers from AC (rectifier mode);
* converter, AC side: ``p_ac = eta_inverter · p_dc_out − p_dc_in / eta_rectifier`` (injection into the park,
  positive = export), rating ``eta_inverter·p_dc_out + p_dc_in/eta_rectifier <= s_max_mw`` (so
  ``|p_ac| <= s_max_mw``; running both directions in one step only burns energy, an LP artefact bounded by
  the rating, as the battery's ``p_charge + p_discharge`` bound, and made dearer than curtailing PV by a
  tie-breaking cost of :data:`RECTIFIER_TIE_CNY_PER_MWH` on ``p_dc_in`` in the objective, not in the bill);
* flexible power target (柔性), a HARD constraint: ``target[t] − band_mw <= p_ac[t] <= target[t] + band_mw``
  where ``p_target_inject_mw`` is given (a number, or 24 local hour-beginning values). Without a target
  the exchange is the park's dispatch decision, within the rating. A band that no schedule of the step
  can reach, ignoring time coupling (PV all used or all curtailed, battery at full power, flexible loads
  at 0 or at their limit; a converter loop does not count), is refused before solving by an
  :class:`~vpp.errors.InfeasibleError` naming the asset, the step and the reachable range (so are DC loads
  above the rating and a day's flexible energy above what ``p_flex_max_mw`` can place); a band missed only through the battery's energy or the
  daily flexible energy makes the solve infeasible (reported for the park).

Injection ``p_ac``; exportable (own generation) ``eta_inverter · p_pv``; reactive ``p_ac · tan(acos cos_phi)``
(cos_phi 1 by default); no own cost.

One conversion stage instead of two: a DC load fed from DC PV loses nothing, a surplus crosses the
converter once (PV 1 MW, load 0.4 MW, battery idle, eta 0.97: export ``0.97 × 0.6 = 0.582`` MW, against
``0.97 × 1 − 0.4 / 0.97 = 0.5576`` MW for AC PV (inverter 0.97) feeding the same load through a 0.97
power supply); see :func:`ac_export_mw`.

Baseline (no optimisation): battery idle, flexible loads at their nominal share ``f·L``, PV as available
(left to the controller behind a no-reverse-flow or export-limited connection, as the PV kind), and no
target band (following the target is the building's flexibility); the end-of-horizon SOC condition dropped.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.registry import AssetBlock, register, set_values
from vpp.assets.daily_energy import add_daily_energy
from vpp.errors import InfeasibleError
from vpp.timeindex import hour_of_day

#: tie-breaking cost on the rectifier's DC output [CNY/MWh]: a surplus is curtailed rather than burnt in a
#: converter loop (both directions in one step); objective only, far below any price
RECTIFIER_TIE_CNY_PER_MWH = 1e-3


def ac_export_mw(pv_dc_mw: float, load_dc_mw: float, eta_inverter: float, eta_rectifier: float) -> float:
    """AC exchange [MW] of a DC bus with PV ``pv_dc_mw`` and DC load ``load_dc_mw`` (battery idle):
    ``eta_inverter · (pv − load)`` for a surplus, ``(pv − load) / eta_rectifier`` for a deficit."""
    net = pv_dc_mw - load_dc_mw
    return eta_inverter * net if net >= 0 else net / eta_rectifier


def target_mw(spec, index: pd.DatetimeIndex) -> np.ndarray | None:
    """Target of the AC exchange per step [MW] (None without a target): the number, or the value of the
    step's local hour-beginning."""
    tgt = spec.p_target_inject_mw
    if tgt is None:
        return None
    if isinstance(tgt, (int, float)):
        return np.full(len(index), float(tgt))
    hours = np.floor(hour_of_day(index) + 1e-9).astype(int) % 24
    return np.asarray(tgt, dtype=float)[hours]


@register
class DCBuildingBlock(AssetBlock):
    kind = "dc_building"
    state_var = "e_mwh"  # the battery's stored energy

    @classmethod
    def initial_state_mwh(cls, spec) -> float:
        return spec.soc_init * spec.battery_e_max_mwh

    def _prepare(self, data) -> None:
        dt = data.dt_h
        self.days = list(data.steps_of_day().values())
        self.arr = {}
        for a in self.assets:
            s = a.spec
            load = np.asarray(a.profile["p_load_dc_mw"], dtype=float)
            tgt = target_mw(s, data.index)
            self.arr[a.name] = dict(
                pv=np.clip(np.asarray(a.profile["p_pv_dc_mw"], dtype=float), 0.0, None), load=load,
                load_fix=(1.0 - s.flexible_share) * load, flex_nom=s.flexible_share * load,
                e_day=np.array([s.flexible_share * load[st].sum() * dt for st in self.days]),
                target=tgt, lo=None if tgt is None else tgt - s.band_mw, hi=None if tgt is None else tgt + s.band_mw,
            )
        self._check_reachable(data)

    def _ac_range(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest AC exchange [MW] per step ignoring time coupling and the target band."""
        s, r = self.by_name[name].spec, self.arr[name]
        dc_hi = r["pv"] + s.battery_p_max_mw - r["load_fix"]
        dc_lo = -(s.battery_p_max_mw + r["load_fix"] + s.p_flex_cap_mw)
        to_ac = lambda x: np.where(x >= 0, s.eta_inverter * x, x / s.eta_rectifier)  # noqa: E731
        return np.maximum(to_ac(dc_lo), -s.s_max_mw), np.minimum(to_ac(dc_hi), s.s_max_mw)

    def _check_reachable(self, data) -> None:
        for a in self.assets:
            s, r = a.spec, self.arr[a.name]
            room = np.array([s.p_flex_cap_mw * len(st) * data.dt_h for st in self.days])
            if (r["e_day"] > room + 1e-9).any():
                d = int(np.argmax(r["e_day"] - room))
                raise InfeasibleError(
                    f"dc_building '{a.name}': the flexible loads need {r['e_day'][d]:.3f} MWh on "
                    f"{data.index[self.days[d][0]]:%Y-%m-%d} but p_flex_max_mw {s.p_flex_cap_mw:g} MW gives at most "
                    f"{room[d]:.3f} MWh")
            lo, hi = self._ac_range(a.name)
            need = r["load_fix"] - r["pv"] - s.battery_p_max_mw  # DC power the converter must bring at least
            short = need / s.eta_rectifier - s.s_max_mw
            if (short > 1e-9).any():
                t = int(np.argmax(short))
                raise InfeasibleError(
                    f"dc_building '{a.name}': the DC loads need {need[t] / s.eta_rectifier:.3f} MW from the grid at "
                    f"{data.index[t]:%Y-%m-%d %H:%M}, above the converter rating s_max_mw {s.s_max_mw:g} MW")
            if r["target"] is None:
                continue
            for bad, side in ((hi < r["lo"] - 1e-9, "at most"), (lo > r["hi"] + 1e-9, "at least")):
                if bad.any():
                    t = int(np.argmax(bad))
                    reach = hi[t] if side == "at most" else lo[t]
                    raise InfeasibleError(
                        f"dc_building '{a.name}': the AC exchange cannot stay within p_target_inject_mw "
                        f"{r['target'][t]:g} ± band_mw {s.band_mw:g} at {data.index[t]:%Y-%m-%d %H:%M}: it is "
                        f"{side} {reach:.3f} MW there (PV {r['pv'][t]:.3f} MW, DC load {r['load'][t]:.3f} MW, battery "
                        f"±{s.battery_p_max_mw:g} MW); widen band_mw or change the target")

    def build(self, b) -> None:
        data = self.data
        n_t, dt = data.n_t, data.dt_h
        self._prepare(data)
        spec = {a.name: a.spec for a in self.assets}
        self.flexing = [a.name for a in self.assets if a.spec.flexible_share > 0]
        self.targeted = [a.name for a in self.assets if a.spec.p_target_inject_mw is not None]
        stack = lambda key, names=self.names: np.vstack([self.arr[a][key] for a in names])  # noqa: E731
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, n_t - 1)
        b.K = pyo.RangeSet(0, n_t)
        b.p_pv_available_mw = pyo.Param(b.A, b.T, mutable=True, initialize=self._init(self.names, stack("pv")))
        b.p_load_fix_mw = pyo.Param(b.A, b.T, mutable=True, initialize=self._init(self.names, stack("load_fix")))
        b.p_pv_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, b.p_pv_available_mw[a, t]))
        b.p_charge_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, spec[a].battery_p_max_mw))
        b.p_discharge_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, spec[a].battery_p_max_mw))
        b.p_flex_mw = pyo.Var(b.A, b.T, bounds=lambda b, a, t: (0.0, spec[a].p_flex_cap_mw))
        b.p_dc_out_mw = pyo.Var(b.A, b.T, within=pyo.NonNegativeReals)
        b.p_dc_in_mw = pyo.Var(b.A, b.T, within=pyo.NonNegativeReals)
        b.e_init_mwh = pyo.Param(b.A, mutable=True, initialize=lambda b, a: float(self.by_name[a].profile.get(
            "e_init_mwh", spec[a].soc_init * spec[a].battery_e_max_mwh)))
        b.e_mwh = pyo.Var(b.A, b.K, bounds=lambda b, a, k: (b.e_init_mwh[a], b.e_init_mwh[a]) if k == 0 else
                          (spec[a].soc_min * spec[a].battery_e_max_mwh, spec[a].soc_max * spec[a].battery_e_max_mwh))
        b.dc_balance = pyo.Constraint(
            b.A, b.T, rule=lambda b, a, t: b.p_pv_mw[a, t] + b.p_discharge_mw[a, t] - b.p_charge_mw[a, t]
            - b.p_load_fix_mw[a, t] - b.p_flex_mw[a, t] == b.p_dc_out_mw[a, t] - b.p_dc_in_mw[a, t])
        b.rating = pyo.Constraint(
            b.A, b.T, rule=lambda b, a, t: spec[a].eta_inverter * b.p_dc_out_mw[a, t]
            + b.p_dc_in_mw[a, t] / spec[a].eta_rectifier <= spec[a].s_max_mw)
        b.battery_converter = pyo.Constraint(
            b.A, b.T, rule=lambda b, a, t: b.p_charge_mw[a, t] + b.p_discharge_mw[a, t] <= spec[a].battery_p_max_mw)
        b.dynamics = pyo.Constraint(
            b.A, b.T, rule=lambda b, a, t: b.e_mwh[a, t + 1] == b.e_mwh[a, t]
            + (spec[a].eta_charge * b.p_charge_mw[a, t] - b.p_discharge_mw[a, t] / spec[a].eta_discharge) * dt)
        b.e_end = pyo.Constraint(
            b.A, rule=lambda b, a: b.e_mwh[a, n_t] >= spec[a].soc_init * spec[a].battery_e_max_mwh)
        if self.flexing:
            add_daily_energy(b, names=self.flexing, days=self.days, power=lambda b, a, t: b.p_flex_mw[a, t],
                             e_day_mwh={a: self.arr[a]["e_day"] for a in self.flexing}, dt_h=dt,
                             set_name="F", param_name="e_flex_day_mwh", con_name="daily_flex")
        if self.targeted:
            b.G = pyo.Set(initialize=self.targeted, ordered=True)
            b.p_band_lo_mw = pyo.Param(b.G, b.T, mutable=True, initialize=self._init(self.targeted, stack("lo", self.targeted)))
            b.p_band_hi_mw = pyo.Param(b.G, b.T, mutable=True, initialize=self._init(self.targeted, stack("hi", self.targeted)))
            b.band = pyo.Constraint(
                b.G, b.T, rule=lambda b, a, t: pyo.inequality(b.p_band_lo_mw[a, t], self.injection_mw(b, a, t),
                                                              b.p_band_hi_mw[a, t]))

    @staticmethod
    def _init(names: list[str], arr: np.ndarray):
        pos = {a: i for i, a in enumerate(names)}
        return lambda b, a, t: float(arr[pos[a], t])

    def injection_mw(self, b, asset, t):
        s = self.by_name[asset].spec
        return s.eta_inverter * b.p_dc_out_mw[asset, t] - b.p_dc_in_mw[asset, t] / s.eta_rectifier

    def cost_cny(self, b):
        dt = self.data.dt_h
        return RECTIFIER_TIE_CNY_PER_MWH * dt * sum(b.p_dc_in_mw[a, t] for a in self.names for t in b.T)

    def exportable_mw(self, b, asset, t):
        return self.by_name[asset].spec.eta_inverter * b.p_pv_mw[asset, t]

    def injection_range(self, asset):
        lo, hi = self._ac_range(asset)
        r = self.arr[asset]
        if r["target"] is not None:
            lo, hi = np.maximum(lo, r["lo"]), np.minimum(hi, r["hi"])
        return lo, hi

    def update(self, b, data) -> None:
        """Next rolling window: PV, fixed load, daily flexible energy, the band and the carried battery energy."""
        self._reload(data)
        self._prepare(data)
        stack = lambda key, names=self.names: np.vstack([self.arr[a][key] for a in names])  # noqa: E731
        set_values(b.p_pv_available_mw, stack("pv"))
        set_values(b.p_load_fix_mw, stack("load_fix"))
        set_values(b.e_init_mwh, [self.by_name[a].profile.get("e_init_mwh", self.initial_state_mwh(self.by_name[a].spec))
                                  for a in self.names])
        if self.flexing:
            set_values(b.e_flex_day_mwh, stack("e_day", self.flexing))
        if self.targeted:
            set_values(b.p_band_lo_mw, stack("lo", self.targeted))
            set_values(b.p_band_hi_mw, stack("hi", self.targeted))

    def baseline_structure(self, b) -> None:
        b.e_end.deactivate()
        if self.targeted:
            b.band.deactivate()

    def baseline_values(self, b):
        parks = {p.name: p for p in self.data.parks}
        pv = np.full((len(self.names), self.data.n_t), np.nan)
        for i, a in enumerate(self.assets):
            park = parks[a.park]
            if not (park.no_reverse_flow or park.p_export_max_mw is not None):
                pv[i] = self.arr[a.name]["pv"]
        idle = np.zeros(len(b.p_charge_mw))
        flex = np.vstack([self.arr[a]["flex_nom"] for a in self.names])
        return [(b.p_pv_mw, pv), (b.p_charge_mw, idle), (b.p_discharge_mw, idle), (b.p_flex_mw, flex)]

    def result_arrays(self, b) -> dict[str, np.ndarray]:
        n_t = self.data.n_t
        v = {name: self.values(getattr(b, name), self.names, n_t)
             for name in ("p_pv_mw", "p_charge_mw", "p_discharge_mw", "p_flex_mw", "p_dc_out_mw", "p_dc_in_mw")}
        col = lambda f: np.array([f(self.by_name[a].spec) for a in self.names], dtype=float)[:, None]  # noqa: E731
        eta_i, eta_r = col(lambda s: s.eta_inverter), col(lambda s: s.eta_rectifier)
        ac = eta_i * v["p_dc_out_mw"] - v["p_dc_in_mw"] / eta_r
        avail = np.vstack([self.arr[a]["pv"] for a in self.names])
        e_end = self.var_values(b.e_mwh).reshape(len(self.names), n_t + 1)[:, 1:]
        e_max = col(lambda s: s.battery_e_max_mwh)
        target = np.vstack([self.arr[a]["target"] if self.arr[a]["target"] is not None else np.full(n_t, np.nan)
                            for a in self.names])
        tan = col(lambda s: math.tan(math.acos(s.cos_phi)))
        return dict(
            p_inject_mw=ac, q_inject_mvar=ac * tan, p_ac_mw=ac, p_target_mw=target,
            p_pv_mw=v["p_pv_mw"], p_available_mw=avail, p_curtailed_mw=np.clip(avail - v["p_pv_mw"], 0.0, None),
            p_charge_mw=v["p_charge_mw"], p_discharge_mw=v["p_discharge_mw"], e_mwh=e_end,
            soc=e_end / np.where(e_max > 0, e_max, np.nan),
            p_load_dc_mw=np.vstack([self.arr[a]["load_fix"] for a in self.names]) + v["p_flex_mw"],
            p_flex_mw=v["p_flex_mw"], p_dc_out_mw=v["p_dc_out_mw"], p_dc_in_mw=v["p_dc_in_mw"],
            p_conv_loss_mw=(1.0 - eta_i) * v["p_dc_out_mw"] + (1.0 / eta_r - 1.0) * v["p_dc_in_mw"],
            cost_cny=np.zeros_like(ac),
        )

    @classmethod
    def kpis(cls, table: pd.DataFrame, dt_h: float, specs: dict) -> dict:
        """Per asset: DC energies (``pv_dc_available_mwh``, ``pv_dc_used_mwh``, ``load_dc_mwh``,
        ``battery_discharged_mwh``), ``converter_loss_mwh``, AC ``import_mwh`` / ``export_mwh``,
        ``converter_peak_mw`` (largest |p_ac|) against ``s_max_mw``, and with a target ``band_mw`` and the
        largest deviation ``target_deviation_max_mw`` = max |p_ac − target|."""
        out = {}
        for name, r in table.groupby("asset", sort=False):
            spec = specs[name]
            ac = r["p_ac_mw"].to_numpy()
            sec = {
                "pv_dc_available_mwh": float(r["p_available_mw"].sum() * dt_h),
                "pv_dc_used_mwh": float(r["p_pv_mw"].sum() * dt_h),
                "load_dc_mwh": float(r["p_load_dc_mw"].sum() * dt_h),
                "battery_discharged_mwh": float(r["p_discharge_mw"].sum() * dt_h),
                "converter_loss_mwh": float(r["p_conv_loss_mw"].sum() * dt_h),
                "import_mwh": float(np.clip(-ac, 0.0, None).sum() * dt_h),
                "export_mwh": float(np.clip(ac, 0.0, None).sum() * dt_h),
                "converter_peak_mw": float(np.abs(ac).max()) if len(ac) else 0.0,
                "s_max_mw": float(spec.s_max_mw),
            }
            if spec.p_target_inject_mw is not None:
                sec["band_mw"] = float(spec.band_mw)
                sec["target_deviation_max_mw"] = float(np.nanmax(np.abs(ac - r["p_target_mw"].to_numpy())))
            out[name] = sec
        return out
