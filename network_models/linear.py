"""Linearised power flow around an AC operating point: voltage and branch-flow sensitivities.

The dispatch optimiser cannot run an AC power flow, so the grid enters it as a first-order Taylor
expansion of the AC power flow around an operating point. This module computes the pieces as plain
numpy/pandas tables; ``optimization/network.py`` turns them into constraints (this package never
imports ``optimization``). See ``docs/network_constraints.md`` for the full derivation.

Injection points ``j`` are named buses (normally each park's bus, the LV bus behind its transformer);
``P_j, Q_j`` [MW, MVAr] is the net injection there, positive into the grid.

**Sensitivities** (:func:`sensitivities`), by central finite differences of the full AC power flow
(pandapower Newton-Raphson) at one operating point, so meshed nets and transformers are handled too::

    dV_b/dP_j ≈ (V_b(P_j + δ) − V_b(P_j − δ)) / 2δ        [pu/MW], likewise dV_b/dQ_j [pu/MVAr]
    dPf_e/dP_j, dPf_e/dQ_j, dQf_e/dP_j, dQf_e/dQ_j          [MW/MW, MW/MVAr, MVAr/MW, MVAr/MVAr]

for every checked bus ``b`` (in service, ``vn_kv <= 20``) and every branch end ``e`` (both ends of
each line, HV and LV side of each transformer) with ``Pf_e, Qf_e`` the flow into the branch at that
end. ``δ = 0.05`` MW / MVAr.

**Per-step prediction** around the AC result of the previous dispatch (``*_op[t]``, from
:func:`ac_points`), re-linearised every round of the closed loop::

    V_b[t]  = V_b,op[t]  + Σ_j dV_b/dP_j (P_j[t] − P_j,op[t]) + dV_b/dQ_j (Q_j[t] − Q_j,op[t])
    Pf_e[t] = Pf_e,op[t] + Σ_j ...            Qf_e[t] = Qf_e,op[t] + Σ_j ...

written as ``const + cp·P + cq·Q`` by :func:`constraint_rows`.

**Thermal limit** of branch end ``e``: pandapower's loading is the current over the rated current,
``I_e = |S_e| / (√3 · vn_kv · V_e)``, so ``loading_e <= L_max`` is ``|S_e| <= L_max/100 · V_e ·
S_rated,e`` with ``S_rated = √3 · vn_kv · max_i_ka · df · parallel`` (line) or ``sn_mva · parallel ·
vn_bus/vn_trafo_side`` (transformer) and ``V_e`` the AC voltage at the end's bus in that step.
``V_e`` is itself linearised like every bus voltage (so a voltage drop that raises the current is
seen), and ``|S| = sqrt(Pf² + Qf²)`` is replaced by an inscribed ``n``-gon (never optimistic, at most
``1 − cos(π/n)`` conservative: 1.9 % for n = 16)::

    Pf cos θ_k + Qf sin θ_k <= cos(π/n) · L_max/100 · S_rated · V_e      θ_k = 2πk/n, k = 0..n−1
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandapower as pp

from network_models.builders import Grid
from network_models.mapping import AssetElements, apply_arrays
from network_models.powerflow import ACResult, SUMMARY_COLUMNS, _Reader, _runpp
from vpp.errors import PowerFlowError

DELTA_MW = 0.05
SQRT3 = float(np.sqrt(3.0))


# ------------------------------------------------------------------------------ branch ends
@dataclass
class BranchEnds:
    """Both ends of every line and transformer, in a fixed order.

    ``names`` are ``<element>:<side>`` (side ``from``/``to`` for lines, ``hv``/``lv`` for
    transformers); ``element`` the line/trafo name; ``bus`` the pandapower bus index of the end;
    ``s_rated_mva`` the apparent power at 100 % loading and 1 pu voltage [MVA] (see module docstring).
    """

    names: list[str]
    element: list[str]
    bus: np.ndarray
    s_rated_mva: np.ndarray
    bus_name: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, net: pp.pandapowerNet) -> "BranchEnds":
        names, element, bus, rate = [], [], [], []
        ln = net.line
        for i in range(len(ln)):
            r = ln.iloc[i]
            for side, col in (("from", "from_bus"), ("to", "to_bus")):
                b = int(r[col])
                vn = float(net.bus.at[b, "vn_kv"])
                names.append(f"{r['name']}:{side}")
                element.append(str(r["name"]))
                bus.append(b)
                rate.append(SQRT3 * vn * float(r["max_i_ka"]) * float(r["df"]) * float(r["parallel"]))
        tr = net.trafo
        for i in range(len(tr)):
            r = tr.iloc[i]
            for side, col, vcol in (("hv", "hv_bus", "vn_hv_kv"), ("lv", "lv_bus", "vn_lv_kv")):
                b = int(r[col])
                vn = float(net.bus.at[b, "vn_kv"])
                names.append(f"{r['name']}:{side}")
                element.append(str(r["name"]))
                bus.append(b)
                rate.append(float(r["sn_mva"]) * float(r["parallel"]) * vn / float(r[vcol]))
        bus_name = [str(net.bus.at[b, "name"]) for b in bus]
        return cls(names, element, np.asarray(bus, dtype=np.int64), np.asarray(rate, dtype=float), bus_name)


def _read_flows(net: pp.pandapowerNet) -> tuple[np.ndarray, np.ndarray]:
    """Flow into the branch at each end [MW], [MVAr], in :class:`BranchEnds` order."""
    p, q = [], []
    if len(net.line):
        rl = net.res_line
        p.append(np.column_stack([rl["p_from_mw"].to_numpy(float), rl["p_to_mw"].to_numpy(float)]).reshape(-1))
        q.append(np.column_stack([rl["q_from_mvar"].to_numpy(float), rl["q_to_mvar"].to_numpy(float)]).reshape(-1))
    if len(net.trafo):
        rt = net.res_trafo
        p.append(np.column_stack([rt["p_hv_mw"].to_numpy(float), rt["p_lv_mw"].to_numpy(float)]).reshape(-1))
        q.append(np.column_stack([rt["q_hv_mvar"].to_numpy(float), rt["q_lv_mvar"].to_numpy(float)]).reshape(-1))
    if not p:
        return np.empty(0), np.empty(0)
    return np.nan_to_num(np.concatenate(p)), np.nan_to_num(np.concatenate(q))


# ------------------------------------------------------------------------------ sensitivities
@dataclass
class LinearModel:
    """Sensitivities at one operating point, as tables with names (see module docstring).

    ``vm_per_p`` / ``vm_per_q``: bus (every bus of the net) × injection point [pu/MW], [pu/MVAr];
    ``pf_per_p``, ``pf_per_q``, ``qf_per_p``, ``qf_per_q``: branch end × injection point
    [MW/MW], [MW/MVAr], [MVAr/MW], [MVAr/MVAr]. ``vm_op``, ``pf_op``, ``qf_op``: the operating point.
    """

    vm_per_p: pd.DataFrame
    vm_per_q: pd.DataFrame
    pf_per_p: pd.DataFrame
    pf_per_q: pd.DataFrame
    qf_per_p: pd.DataFrame
    qf_per_q: pd.DataFrame
    vm_op: pd.Series
    pf_op: pd.Series
    qf_op: pd.Series
    p_inject_op: pd.Series | None = None
    q_inject_op: pd.Series | None = None

    @property
    def injections(self) -> list[str]:
        return list(self.vm_per_p.columns)

    def predict_vm(self, dp_mw: np.ndarray, dq_mvar: np.ndarray) -> pd.Series:
        """``V_op + S_P·dP + S_Q·dQ`` [pu] for injection changes (arrays over injection points)."""
        return self.vm_op + self.vm_per_p.to_numpy() @ np.asarray(dp_mw) + self.vm_per_q.to_numpy() @ np.asarray(dq_mvar)


def checked_buses(net: pp.pandapowerNet) -> np.ndarray:
    """Boolean mask of buses whose voltage band is checked (in service, ``vn_kv <= 20``)."""
    from network_models.powerflow import VOLTAGE_CHECK_MAX_KV

    return (net.bus["vn_kv"].to_numpy() <= VOLTAGE_CHECK_MAX_KV) & net.bus["in_service"].to_numpy(dtype=bool)


def sensitivities(net: pp.pandapowerNet, injection_bus: dict[str, int], delta: float = DELTA_MW) -> LinearModel:
    """Voltage and branch-flow sensitivities to P and Q injections at the net's current state.

    Parameters
    ----------
    net : pandapowerNet
        Elements set to the operating point (it is copied; the caller's net is not changed).
    injection_bus : dict
        Injection point name (e.g. park name) -> pandapower bus index.
    delta : float
        Finite-difference step [MW] / [MVAr] (central differences).

    Raises
    ------
    PowerFlowError
        The power flow does not converge at the operating point or a perturbed point.
    """
    net = copy.deepcopy(net)
    mask = np.ones(len(net.bus), dtype=bool)  # every bus (checked buses and branch-end buses)
    bus_names = [str(n) for n in net.bus["name"]]
    ends = BranchEnds.of(net)
    names = list(injection_bus)
    probes = [pp.create_sgen(net, b, p_mw=0.0, q_mvar=0.0, name=f"_linear_probe_{n}") for n, b in injection_bus.items()]
    if not _runpp(net, False):
        raise PowerFlowError("linearisation: the AC power flow does not converge at the operating point")
    vm0 = net.res_bus["vm_pu"].to_numpy(float)[mask]
    pf0, qf0 = _read_flows(net)
    nb, ne, nj = len(vm0), len(pf0), len(names)
    out = {k: np.zeros((nb if k.startswith("vm") else ne, nj)) for k in ("vm_p", "vm_q", "pf_p", "pf_q", "qf_p", "qf_q")}
    for j, (n, sg) in enumerate(zip(names, probes)):
        for col, tag in (("p_mw", "p"), ("q_mvar", "q")):
            res = []
            for sgn in (1.0, -1.0):
                net.sgen.at[sg, col] = sgn * delta
                if not _runpp(net, True) and not _runpp(net, False):
                    raise PowerFlowError(f"linearisation: the AC power flow does not converge with {sgn * delta:+.2f} "
                                         f"{'MW' if tag == 'p' else 'MVAr'} at '{n}'")
                pf, qf = _read_flows(net)
                res.append((net.res_bus["vm_pu"].to_numpy(float)[mask], pf, qf))
            net.sgen.at[sg, col] = 0.0
            (v1, p1, q1), (v2, p2, q2) = res
            out[f"vm_{tag}"][:, j] = (v1 - v2) / (2 * delta)
            out[f"pf_{tag}"][:, j] = (p1 - p2) / (2 * delta)
            out[f"qf_{tag}"][:, j] = (q1 - q2) / (2 * delta)
    B = lambda a: pd.DataFrame(a, index=bus_names, columns=names)  # noqa: E731
    E = lambda a: pd.DataFrame(a, index=ends.names, columns=names)  # noqa: E731
    return LinearModel(
        vm_per_p=B(out["vm_p"]), vm_per_q=B(out["vm_q"]), pf_per_p=E(out["pf_p"]), pf_per_q=E(out["pf_q"]),
        qf_per_p=E(out["qf_p"]), qf_per_q=E(out["qf_q"]),
        vm_op=pd.Series(vm0, index=bus_names), pf_op=pd.Series(pf0, index=ends.names), qf_op=pd.Series(qf0, index=ends.names),
    )


# ------------------------------------------------------------------------------ AC operating points
@dataclass
class OperatingPoints:
    """AC power flow of every step of a dispatch, with what the linearisation needs.

    Arrays are step × item: ``vm_pu`` (checked buses, ``bus_names``), ``pf_mw`` / ``qf_mvar`` /
    ``vm_end_pu`` / ``end_loading_percent`` (branch ends, ``ends.names``), ``p_inject_mw`` /
    ``q_inject_mvar`` (injection points, ``injections``). ``ac`` is the same power flow as an
    :class:`~network_models.powerflow.ACResult` (summary, voltages, loadings, violations).
    """

    index: pd.Index
    converged: np.ndarray
    bus_names: list[str]
    ends: BranchEnds
    injections: list[str]
    vm_pu: np.ndarray
    pf_mw: np.ndarray
    qf_mvar: np.ndarray
    vm_end_pu: np.ndarray
    end_loading_percent: np.ndarray
    p_inject_mw: np.ndarray
    q_inject_mvar: np.ndarray
    ac: ACResult = field(repr=False, default=None)

    @property
    def n_violations(self) -> int:
        return int(len(self.ac.violations))


def ac_points(grid: Grid, elements: AssetElements, p_inject: pd.DataFrame, q_inject: pd.DataFrame,
              injection_of_asset: dict[str, str]) -> OperatingPoints:
    """AC power flow of every step (as :func:`network_models.run_timeseries`) keeping branch flows.

    ``p_inject`` / ``q_inject``: time × asset [MW], [MVAr], positive into the grid;
    ``injection_of_asset``: asset -> injection point (park) whose net injection is the sum of its
    assets. Steps that do not converge have NaN rows and ``converged = False``.
    """
    net = grid.net
    idx = p_inject.index
    n = len(idx)
    q_inject = q_inject.reindex(index=idx, columns=p_inject.columns).fillna(0.0)
    cols = [elements.index_of(c) for c in p_inject.columns]
    P = np.full((n, len(elements.names)), np.nan)
    Q = np.full((n, len(elements.names)), np.nan)
    P[:, cols] = p_inject.to_numpy(float)
    Q[:, cols] = q_inject.to_numpy(float)
    inj_names = list(dict.fromkeys(injection_of_asset.values()))
    agg = np.zeros((len(p_inject.columns), len(inj_names)))
    for i, c in enumerate(p_inject.columns):
        agg[i, inj_names.index(injection_of_asset[c])] = 1.0
    mask = checked_buses(net)
    ends = BranchEnds.of(net)
    rd = _Reader(grid)
    ne = len(ends.names)
    out = {k: np.full((n, w), np.nan) for k, w in (("vm", int(mask.sum())), ("pf", ne), ("qf", ne), ("ve", ne),
                                                     ("le", ne), ("vm_all", rd.nb), ("ll", rd.nl), ("tl", rd.nt))}
    summ = np.full((n, len(SUMMARY_COLUMNS) - 1), np.nan)
    conv = np.zeros(n, dtype=bool)
    viol: list = []
    warm = False
    for k in range(n):
        apply_arrays(grid, elements, P[k], Q[k])
        ok = _runpp(net, warm) or (warm and _runpp(net, False))
        warm = ok
        if not ok:
            continue
        conv[k] = True
        vals, vm, ll, tl = rd.read(net)
        summ[k] = vals
        out["vm_all"][k], out["ll"][k], out["tl"][k] = vm, ll, tl
        rd.violations(idx[k], vm, ll, tl, viol)
        out["vm"][k] = vm[mask]
        pf, qf = _read_flows(net)
        ve = vm[ends.bus]
        out["pf"][k], out["qf"][k], out["ve"][k] = pf, qf, ve
        out["le"][k] = np.hypot(pf, qf) / (ve * ends.s_rated_mva) * 100.0
    summary = pd.DataFrame(summ, index=idx, columns=SUMMARY_COLUMNS[1:])
    summary.insert(0, "converged", conv)
    ac = ACResult(
        summary=summary,
        vm_pu=pd.DataFrame(out["vm_all"], index=idx, columns=rd.bus_names),
        line_loading_percent=pd.DataFrame(out["ll"], index=idx, columns=rd.line_names),
        trafo_loading_percent=pd.DataFrame(out["tl"], index=idx, columns=rd.trafo_names),
        violations=pd.DataFrame(viol, columns=["time", "element", "kind", "value", "limit"]),
    )
    return OperatingPoints(
        index=idx, converged=conv, bus_names=[str(b) for b in net.bus["name"][mask]], ends=ends,
        injections=inj_names, vm_pu=out["vm"], pf_mw=out["pf"], qf_mvar=out["qf"], vm_end_pu=out["ve"],
        end_loading_percent=out["le"], p_inject_mw=p_inject.to_numpy(float) @ agg,
        q_inject_mvar=q_inject.to_numpy(float) @ agg, ac=ac,
    )


def linearise_at(grid: Grid, elements: AssetElements, p_inject: pd.DataFrame, q_inject: pd.DataFrame,
                 step: int, injection_bus: dict[str, int], injection_of_asset: dict[str, str]) -> LinearModel:
    """Sensitivities with the assets set to the injections of row ``step`` (see :func:`sensitivities`).

    ``injection_of_asset`` (asset -> injection point) gives the operating-point injections
    ``p_inject_op`` / ``q_inject_op`` of the returned model.
    """
    cols = [elements.index_of(c) for c in p_inject.columns]
    P = np.full(len(elements.names), np.nan)
    Q = np.full(len(elements.names), np.nan)
    P[cols] = p_inject.iloc[step].to_numpy(float)
    Q[cols] = q_inject.reindex(columns=p_inject.columns).iloc[step].fillna(0.0).to_numpy(float)
    apply_arrays(grid, elements, P, Q)
    lin = sensitivities(grid.net, injection_bus)
    names = list(injection_bus)
    p_row = pd.Series(P[cols], index=p_inject.columns).groupby(lambda a: injection_of_asset[a]).sum()
    q_row = pd.Series(Q[cols], index=p_inject.columns).groupby(lambda a: injection_of_asset[a]).sum()
    lin.p_inject_op = p_row.reindex(names).fillna(0.0)
    lin.q_inject_op = q_row.reindex(names).fillna(0.0)
    return lin


# ------------------------------------------------------------------------------ constraint rows
def constraint_rows(lin: LinearModel, ops: OperatingPoints, *, vm_min_pu: float, vm_max_pu: float,
                    loading_max_percent: float, watch_buses: list[str], watch_ends: list[str],
                    vm_margin_pu: np.ndarray | None = None, loading_margin_percent: np.ndarray | None = None,
                    ) -> dict:
    """Linear constraint rows ``const + cp·P + cq·Q`` for watched buses / branch ends at every step.

    Voltage row ``(b, t)``: ``vm_min + m_b,t <= V_b[t] <= vm_max − m_b,t`` with
    ``const = V_op[t] − S_P·P_op[t] − S_Q·Q_op[t]``, ``cp = S_P[b,:]``, ``cq = S_Q[b,:]``.
    Flow row ``(e, t)``: the same for ``Pf``, ``Qf`` and the end's voltage ``V_e`` (``fv_*``), with
    ``f_rate = (L_max − m_e,t)/100 · S_rated,e`` [MVA/pu]: the limit is ``|S_e| <= f_rate · V_e``. Steps whose AC did not converge use the linearisation point instead
    of the AC point. ``vm_margin_pu`` (step × checked bus) and ``loading_margin_percent``
    (step × branch end) tighten the limits (the closed loop grows them by the observed AC error).

    Returns a dict of numpy arrays: ``injections``; ``v_label, v_t, v_const, v_cp, v_cq, v_min, v_max``;
    ``f_label, f_t, fp_const, fp_cp, fp_cq, fq_const, fq_cp, fq_cq, fv_const, fv_cp, fv_cq, f_rate``.
    """
    T = len(ops.index)
    inj = lin.injections
    order = [ops.injections.index(j) for j in inj]
    P = ops.p_inject_mw[:, order]
    Q = ops.q_inject_mvar[:, order]
    bad = ~ops.converged
    bpos = {b: i for i, b in enumerate(ops.bus_names)}
    epos = {e: i for i, e in enumerate(ops.ends.names)}
    vm_margin = np.zeros_like(ops.vm_pu) if vm_margin_pu is None else vm_margin_pu
    l_margin = np.zeros_like(ops.pf_mw) if loading_margin_percent is None else loading_margin_percent
    p_lin = np.zeros(len(inj)) if lin.p_inject_op is None else lin.p_inject_op.reindex(inj).to_numpy(float)
    q_lin = np.zeros(len(inj)) if lin.q_inject_op is None else lin.q_inject_op.reindex(inj).to_numpy(float)

    def rows(names, pos, sens_p, sens_q, op, lin_op):
        ib = [pos[x] for x in names]
        sp = sens_p.loc[names].to_numpy()  # item × injection
        sq = sens_q.loc[names].to_numpy()
        const = op[:, ib] - P @ sp.T - Q @ sq.T  # step × item
        if bad.any():  # no AC point: expand around the linearisation point instead
            const[bad] = (lin_op.loc[names].to_numpy() - sp @ p_lin - sq @ q_lin)[None, :]
        return ib, sp, sq, const

    out: dict = {"injections": inj}
    nb = len(watch_buses)
    ib, sp, sq, const = rows(watch_buses, bpos, lin.vm_per_p, lin.vm_per_q, ops.vm_pu, lin.vm_op)
    m = vm_margin[:, ib] if nb else np.zeros((T, 0))
    out.update(
        v_label=np.repeat(np.array(watch_buses, dtype=object), T), v_t=np.tile(np.arange(T), nb),
        v_const=const.T.reshape(-1), v_cp=np.repeat(sp, T, axis=0), v_cq=np.repeat(sq, T, axis=0),
        v_min=(vm_min_pu + m).T.reshape(-1), v_max=(vm_max_pu - m).T.reshape(-1),
    )
    ne = len(watch_ends)
    ie, fpp, fpq, fp_const = rows(watch_ends, epos, lin.pf_per_p, lin.pf_per_q, ops.pf_mw, lin.pf_op)
    _, fqp, fqq, fq_const = rows(watch_ends, epos, lin.qf_per_p, lin.qf_per_q, ops.qf_mvar, lin.qf_op)
    # voltage at the end's bus, linear too: the limit is on current, |S_e| <= L·S_rated·V_e
    ve_op = np.where(ops.converged[:, None], ops.vm_end_pu, np.nan)
    ve_op = ve_op[:, ie] if ne else np.zeros((T, 0))
    ebus = [ops.ends.bus_name[i] for i in ie]
    svp = lin.vm_per_p.loc[ebus].to_numpy() if ne else np.zeros((0, len(inj)))
    svq = lin.vm_per_q.loc[ebus].to_numpy() if ne else np.zeros((0, len(inj)))
    fv_const = ve_op - P @ svp.T - Q @ svq.T
    if bad.any() and ne:
        fv_const[bad] = (lin.vm_op.loc[ebus].to_numpy() - svp @ p_lin - svq @ q_lin)[None, :]
    lm = l_margin[:, ie] if ne else np.zeros((T, 0))
    rate = np.clip(loading_max_percent - lm, 0.0, None) / 100.0 * ops.ends.s_rated_mva[ie][None, :]
    out.update(
        f_label=np.repeat(np.array(watch_ends, dtype=object), T), f_t=np.tile(np.arange(T), ne),
        fp_const=fp_const.T.reshape(-1), fp_cp=np.repeat(fpp, T, axis=0), fp_cq=np.repeat(fpq, T, axis=0),
        fq_const=fq_const.T.reshape(-1), fq_cp=np.repeat(fqp, T, axis=0), fq_cq=np.repeat(fqq, T, axis=0),
        fv_const=fv_const.T.reshape(-1), fv_cp=np.repeat(svp, T, axis=0), fv_cq=np.repeat(svq, T, axis=0),
        f_rate=rate.T.reshape(-1),
    )
    return out
