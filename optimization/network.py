"""Network constraints of the dispatch LP: linearised voltages and branch flows, inverter reactive power.

Added to a built :class:`~optimization.model.DispatchModel` as one Pyomo block ``m.network`` (replaced
on every round of the closed loop, see ``vpp/closed_loop.py``). The grid enters only as plain
coefficient rows (:class:`LinearRows`, computed by ``network_models.linear.constraint_rows``); this
module knows nothing about pandapower. Maths: ``docs/network_constraints.md``.

Per park ``p`` and step ``t``:

* active injection ``P[p,t] = p_export_mw[p,t] − p_import_mw[p,t]`` (= Σ asset injections, by the
  park balance) [MW];
* reactive injection ``Q[p,t] = Σ_a q[a,t]`` [MVAr] with, per asset ``a`` of the park,
  ``q = q_inv_mvar[a,t]`` for inverter assets (spec has ``s_rated_mva``: PV, battery) when reactive
  control is on, ``q = p_inject · tan φ`` for assets with a ``cos_phi`` (lagging loads; interruptible
  loads follow their curtailment), else 0.

Constraints (``r`` = row, ``k`` = polygon side, ``θ_k = 2πk/n``):

* voltage: ``v_const[r] + cp[r]·P[:,t_r] + cq[r]·Q[:,t_r] + s_v[r] >= v_min[r]`` and
  ``... − s_v[r] <= v_max[r]``;
* branch flow: ``Pf_r = fp_const + fp_cp·P + fp_cq·Q``, ``Qf_r = fq_const + fq_cp·P + fq_cq·Q``, end
  voltage ``V_r = fv_const + fv_cp·P + fv_cq·Q`` and
  ``Pf_r cos θ_k + Qf_r sin θ_k <= cos(π/n) · f_rate[r] · V_r + s_f[r]`` (inscribed n-gon of the circle
  ``|S| <= f_rate · V``, i.e. a current limit);
* inverter capability: ``p[a,t] cos θ_k + q_inv[a,t] sin θ_k <= S_a`` (circumscribed n-gon of
  ``p² + q² <= S_a²``: exact for pure P or pure Q, at most ``1/cos(π/n) − 1`` = 2 % over in between);
* park power factor (``pf_min`` set): ``−tan(acos pf_min)·(p_import + p_export) <= Q[p,t] <=
  tan(acos pf_min)·(p_import + p_export)``, with a binary direction per park and step so that import and
  export never overlap (``p_import <= M·u``, ``p_export <= M·(1 − u)``; the only integers of the model,
  present only for parks that set ``pf_min``).

A tiny cost ``Q_COST_CNY_PER_MVARH · |q| · dt_h`` (``|q|`` by an auxiliary variable) keeps the
inverters at unity power factor unless a limit needs their reactive power.
Slacks ``s_v`` [pu], ``s_f`` [MVA] are non-negative and cost ``VOLTAGE_PENALTY_CNY_PER_PU`` /
``FLOW_PENALTY_CNY_PER_MVA`` per step (far above any energy value, so they are used only where no
dispatch can meet the limit); the closed loop reports them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from optimization.model import DispatchModel

POLYGON_SIDES = 16
VOLTAGE_PENALTY_CNY_PER_PU = 1.0e7  # per step: 0.01 pu costs 1e5 CNY, more than any load shift saves
FLOW_PENALTY_CNY_PER_MVA = 1.0e5  # per step (4e5 CNY/MWh at 15 min, above the 2e4 CNY/MWh unmet-EV penalty)
Q_COST_CNY_PER_MVARH = 1.0  # tiny cost on |q| of inverters: no reactive power without a grid reason
PF_BIG_M_MW = 100.0  # direction big-M of a pf-limited park without a connection limit [MW]


@dataclass
class LinearRows:
    """Linear network constraint rows (see module docstring); arrays over rows, ``*_cp``/``*_cq``
    are rows × parks in ``injections`` order [pu/MW, pu/MVAr, MW/MW, ...]."""

    injections: list[str]
    v_label: np.ndarray
    v_t: np.ndarray
    v_const: np.ndarray
    v_cp: np.ndarray
    v_cq: np.ndarray
    v_min: np.ndarray
    v_max: np.ndarray
    f_label: np.ndarray
    f_t: np.ndarray
    fp_const: np.ndarray
    fp_cp: np.ndarray
    fp_cq: np.ndarray
    fq_const: np.ndarray
    fq_cp: np.ndarray
    fq_cq: np.ndarray
    fv_const: np.ndarray
    fv_cp: np.ndarray
    fv_cq: np.ndarray
    f_rate: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.v_t) + len(self.f_t)


def inverter_assets(dm: DispatchModel) -> dict[str, float]:
    """Assets with a reactive-power capable inverter: name -> apparent-power rating ``S`` [MVA]."""
    out = {}
    for assets in dm.data.assets.values():
        for a in assets:
            s = getattr(a.spec, "s_rated_mva", None)
            if s is not None:
                out[a.name] = float(s)
    return out


def _tan_phi(spec) -> float:
    cos = getattr(spec, "cos_phi", None)
    return math.tan(math.acos(cos)) if cos is not None else 0.0


def _lin(const: float, coefs: list[float], vars_: list) -> LinearExpression:
    keep = [(c, v) for c, v in zip(coefs, vars_) if c != 0.0]
    return LinearExpression(constant=float(const), linear_coefs=[float(c) for c, _ in keep],
                            linear_vars=[v for _, v in keep])


def add_network_constraints(dm: DispatchModel, rows: LinearRows | None, *, q_control: bool = True,
                            pf_min: dict[str, float | None] | None = None, sides: int = POLYGON_SIDES) -> None:
    """(Re)build the block ``m.network`` with the rows, inverter Q and park power-factor limits.

    The dispatch objective is replaced by ``objective + penalty on slacks``; calling this again
    replaces the previous block. ``rows=None`` adds only inverter Q and power-factor limits.
    """
    m, data = dm.m, dm.data
    if hasattr(m, "network"):
        m.del_component("network")
        m.del_component("objective_network")
    m.objective.deactivate()
    b = pyo.Block()
    m.add_component("network", b)
    T = list(range(data.n_t))
    theta = 2 * np.pi * np.arange(sides) / sides
    cos_k, sin_k = np.cos(theta), np.sin(theta)

    # ---- reactive power per asset and park
    inv = inverter_assets(dm) if q_control else {}
    b.INV = pyo.Set(initialize=list(inv), ordered=True)
    b.K = pyo.RangeSet(0, sides - 1)
    b.q_inv_mvar = pyo.Var(b.INV, T, bounds=lambda b, a, t: (-inv[a], inv[a]))
    spec_of = {a.name: a.spec for assets in data.assets.values() for a in assets}

    def p_of(a, t):
        kind = dm.asset_kind[a]
        return dm.blocks[kind].injection_mw(getattr(m, kind), a, t)

    b.q_abs_mvar = pyo.Var(b.INV, T, within=pyo.NonNegativeReals)
    b.q_abs_hi = pyo.Constraint(b.INV, T, rule=lambda b, a, t: b.q_abs_mvar[a, t] >= b.q_inv_mvar[a, t])
    b.q_abs_lo = pyo.Constraint(b.INV, T, rule=lambda b, a, t: b.q_abs_mvar[a, t] >= -b.q_inv_mvar[a, t])
    b.inverter_capability = pyo.Constraint(
        b.INV, T, b.K, rule=lambda b, a, t, k: float(cos_k[k]) * p_of(a, t) + float(sin_k[k]) * b.q_inv_mvar[a, t] <= inv[a]
    )

    def q_park(p, t):
        terms = 0.0
        for a in parks[p].assets:
            if a in inv:
                terms = terms + b.q_inv_mvar[a, t]
            else:
                tan = _tan_phi(spec_of[a])
                if tan:
                    terms = terms + tan * p_of(a, t)
        return terms

    parks = {p.name: p for p in data.parks}
    b.q_park_mvar = pyo.Expression(list(parks), T, rule=lambda b, p, t: q_park(p, t))

    # ---- park power factor
    lim = {p: math.tan(math.acos(v)) for p, v in (pf_min or {}).items() if v is not None}
    b.PF = pyo.Set(initialize=list(lim), ordered=True)
    b.pf_upper = pyo.Constraint(
        b.PF, T, rule=lambda b, p, t: b.q_park_mvar[p, t] <= lim[p] * (m.p_import_mw[p, t] + m.p_export_mw[p, t])
    )
    b.pf_lower = pyo.Constraint(
        b.PF, T, rule=lambda b, p, t: -b.q_park_mvar[p, t] <= lim[p] * (m.p_import_mw[p, t] + m.p_export_mw[p, t])
    )
    # import and export of a pf-limited park never overlap in a step (binary direction u = 1: import):
    # otherwise the LP could raise p_import + p_export without changing the metered net power and so
    # loosen the power-factor limit on paper.
    big_m = {p: (parks[p].p_import_max_mw or PF_BIG_M_MW, parks[p].p_export_max_mw or PF_BIG_M_MW) for p in lim}
    b.pf_importing = pyo.Var(b.PF, T, within=pyo.Binary)
    b.pf_import_dir = pyo.Constraint(
        b.PF, T, rule=lambda b, p, t: m.p_import_mw[p, t] <= big_m[p][0] * b.pf_importing[p, t]
    )
    b.pf_export_dir = pyo.Constraint(
        b.PF, T, rule=lambda b, p, t: m.p_export_mw[p, t] <= big_m[p][1] * (1 - b.pf_importing[p, t])
    )

    penalty = Q_COST_CNY_PER_MVARH * data.dt_h * pyo.quicksum(b.q_abs_mvar[a, t] for a in b.INV for t in T)
    if rows is not None and rows.n_rows:
        inj = list(rows.injections)
        # vars of P (export − import) and Q per park and step, in injection order
        q_expr = {(p, t): b.q_park_mvar[p, t] for p in inj for t in T}

        def terms(t, cp, cq):
            """Linear terms cp·P[:,t] + cq·Q[:,t] as (coefficients, variables, Q-expression parts)."""
            coefs, vars_ = [], []
            for j, p in enumerate(inj):
                if cp[j] != 0.0:
                    coefs += [cp[j], -cp[j]]
                    vars_ += [m.p_export_mw[p, t], m.p_import_mw[p, t]]
            qpart = sum(cq[j] * q_expr[p, t] for j, p in enumerate(inj) if cq[j] != 0.0)
            return coefs, vars_, qpart

        nv, nf = len(rows.v_t), len(rows.f_t)
        b.RV = pyo.RangeSet(0, nv - 1) if nv else pyo.Set(initialize=[])
        b.RF = pyo.RangeSet(0, nf - 1) if nf else pyo.Set(initialize=[])
        b.s_v_pu = pyo.Var(b.RV, within=pyo.NonNegativeReals)
        b.s_f_mva = pyo.Var(b.RF, within=pyo.NonNegativeReals)
        v_expr = {}
        for r in range(nv):
            c, v, qp = terms(int(rows.v_t[r]), rows.v_cp[r], rows.v_cq[r])
            v_expr[r] = _lin(rows.v_const[r], c, v) + qp
        b.voltage_min = pyo.Constraint(b.RV, rule=lambda b, r: v_expr[r] + b.s_v_pu[r] >= float(rows.v_min[r]))
        b.voltage_max = pyo.Constraint(b.RV, rule=lambda b, r: v_expr[r] - b.s_v_pu[r] <= float(rows.v_max[r]))
        # polygon rows: combine the P- and Q-flow coefficients per side k (vectorised over rows)
        shrink = math.cos(math.pi / sides)
        f_expr = {}
        for r in range(nf):
            t = int(rows.f_t[r])
            for k in range(sides):
                ck, sk = cos_k[k], sin_k[k]
                rv = shrink * rows.f_rate[r]  # MVA per pu of the end's voltage
                cp = ck * rows.fp_cp[r] + sk * rows.fq_cp[r] - rv * rows.fv_cp[r]
                cq = ck * rows.fp_cq[r] + sk * rows.fq_cq[r] - rv * rows.fv_cq[r]
                const = ck * rows.fp_const[r] + sk * rows.fq_const[r] - rv * rows.fv_const[r]
                c, v, qp = terms(t, cp, cq)
                f_expr[r, k] = _lin(const, c, v) + qp
        b.flow_polygon = pyo.Constraint(b.RF, b.K, rule=lambda b, r, k: f_expr[r, k] - b.s_f_mva[r] <= 0.0)
        penalty = penalty + VOLTAGE_PENALTY_CNY_PER_PU * pyo.quicksum(b.s_v_pu[r] for r in b.RV) + FLOW_PENALTY_CNY_PER_MVA * pyo.quicksum(
            b.s_f_mva[r] for r in b.RF
        )
    m.objective_network = pyo.Objective(expr=m.objective.expr + penalty, sense=pyo.minimize)


def reactive_results(dm: DispatchModel) -> dict[str, np.ndarray]:
    """Inverter reactive injection [MVAr] per asset over steps (empty without a network block)."""
    m = dm.m
    if not hasattr(m, "network"):
        return {}
    b = m.network
    n_t = dm.data.n_t
    out = {a: np.zeros(n_t) for a in b.INV}
    for (a, t), v in b.q_inv_mvar.extract_values().items():
        out[a][t] = v or 0.0
    return out


def slack_results(dm: DispatchModel, rows: LinearRows | None) -> dict[str, float]:
    """Sum of used slacks: ``voltage_pu`` [pu·steps], ``flow_mva`` [MVA·steps], and row counts > 1e-6."""
    m = dm.m
    if rows is None or not hasattr(m, "network") or not hasattr(m.network, "s_v_pu"):
        return {"voltage_pu": 0.0, "flow_mva": 0.0, "n_rows_with_slack": 0}
    sv = np.array([v or 0.0 for v in m.network.s_v_pu.extract_values().values()])
    sf = np.array([v or 0.0 for v in m.network.s_f_mva.extract_values().values()])
    return {"voltage_pu": float(sv.sum()), "flow_mva": float(sf.sum()),
            "n_rows_with_slack": int((sv > 1e-6).sum() + (sf > 1e-6).sum())}
