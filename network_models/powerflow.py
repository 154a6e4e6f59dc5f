"""AC power flow of a built grid: one base case, or a time series of asset injections.

Each step: write the injections (:func:`network_models.mapping.apply_arrays`), run
``pandapower.runpp`` (Newton-Raphson, voltage angles, warm start from the previous converged step with
``recycle`` of the admittance matrices; a flat restart when the warm start fails),
read the result tables as numpy arrays. A step that does not converge is recorded as a NaN row with
``converged = False``; it never raises.

Limits: the voltage band ``[grid.vm_min_pu, grid.vm_max_pu]`` (GB/T 12325: ±7 % for <= 20 kV) is
checked on in-service buses with ``vn_kv <= 20`` only (the 110 kV bus is the slack); lines and
transformers are overloaded above ``grid.loading_max_percent``.
Losses: ``losses_mw = Σ res_line.pl_mw + Σ res_trafo.pl_mw`` (line and transformer losses incl. the
transformers' no-load losses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandapower as pp

from network_models.builders import Grid
from network_models.mapping import AssetElements, apply_arrays

VOLTAGE_CHECK_MAX_KV = 20.0

SUMMARY_COLUMNS = [
    "converged", "p_ext_grid_mw", "q_ext_grid_mvar", "losses_mw", "vm_min_pu", "vm_max_pu",
    "line_loading_max_percent", "trafo_loading_max_percent", "n_voltage_violations", "n_overloads",
]


@dataclass
class ACResult:
    """Results of :func:`run_timeseries`.

    Attributes
    ----------
    summary : DataFrame
        Index time; columns ``converged`` (bool), ``p_ext_grid_mw``, ``q_ext_grid_mvar`` (import from
        the external grid, positive), ``losses_mw``, ``vm_min_pu`` / ``vm_max_pu`` (checked buses),
        ``line_loading_max_percent``, ``trafo_loading_max_percent``, ``n_voltage_violations``,
        ``n_overloads``. NaN for non-converged steps.
    vm_pu : DataFrame
        time × bus name, voltage magnitude [pu].
    line_loading_percent, trafo_loading_percent : DataFrame
        time × line / trafo name, loading [%].
    violations : DataFrame
        Long format: ``time, element, kind ('undervoltage'|'overvoltage'|'overload'|'not_converged'),
        value, limit``; a step whose power flow did not converge is one 'not_converged' row (element
        'network'), so every count of violations counts it.
    line_p_from_mw : DataFrame or None
        time × line name, active power entering the line at its ``from_bus`` [MW] (pandapower's
        ``res_line.p_from_mw``: positive = flowing from ``from_bus`` into the line). NaN when not converged.
    trafo_p_hv_mw : DataFrame or None
        time × trafo name, active power entering the transformer at its HV side [MW] (``res_trafo.p_hv_mw``:
        positive = HV -> LV, the import direction of a supply transformer). NaN when not converged.
    """

    summary: pd.DataFrame
    vm_pu: pd.DataFrame
    line_loading_percent: pd.DataFrame
    trafo_loading_percent: pd.DataFrame
    violations: pd.DataFrame
    line_p_from_mw: pd.DataFrame | None = None
    trafo_p_hv_mw: pd.DataFrame | None = None

    @classmethod
    def from_arrays(cls, idx, conv, summ, rd, vm, line, trafo, violations: pd.DataFrame,
                    line_p=None, trafo_p=None) -> "ACResult":
        """Tables from step × element arrays (``summ`` holds SUMMARY_COLUMNS[1:], ``rd`` the names;
        ``line_p`` / ``trafo_p``: optional branch active powers, see the attributes)."""
        summary = pd.DataFrame(summ, index=idx, columns=SUMMARY_COLUMNS[1:])
        summary.insert(0, "converged", conv)
        bad = ~np.asarray(conv, dtype=bool)
        if bad.any():  # a step without a power-flow solution is a violation, never a clean step
            nc = pd.DataFrame({"time": pd.Index(idx)[bad], "element": "network", "kind": "not_converged",
                               "value": np.nan, "limit": np.nan})
            violations = nc if violations is None or len(violations) == 0 else pd.concat([violations, nc], ignore_index=True)
        return cls(
            summary=summary,
            vm_pu=pd.DataFrame(vm, index=idx, columns=rd.bus_names),
            line_loading_percent=pd.DataFrame(line, index=idx, columns=rd.line_names),
            trafo_loading_percent=pd.DataFrame(trafo, index=idx, columns=rd.trafo_names),
            violations=violations,
            line_p_from_mw=None if line_p is None else pd.DataFrame(line_p, index=idx, columns=rd.line_names),
            trafo_p_hv_mw=None if trafo_p is None else pd.DataFrame(trafo_p, index=idx, columns=rd.trafo_names),
        )

    @property
    def n_not_converged(self) -> int:
        return int((~self.summary["converged"].astype(bool)).sum())


class _Reader:
    """Pre-extracted names, masks and limits; reads one power flow's results as numpy."""

    def __init__(self, grid: Grid):
        net = grid.net
        self.bus_names = [str(n) for n in net.bus["name"]]
        self.line_names = [str(n) for n in net.line["name"]]
        self.trafo_names = [str(n) for n in net.trafo["name"]]
        self.vcheck = ((net.bus["vn_kv"].to_numpy() <= VOLTAGE_CHECK_MAX_KV)
                       & net.bus["in_service"].to_numpy(dtype=bool))
        self.vm_min = grid.vm_min_pu
        self.vm_max = grid.vm_max_pu
        self.lmax = grid.loading_max_percent
        self.nb, self.nl, self.nt = len(net.bus), len(net.line), len(net.trafo)

    def read(self, net: pp.pandapowerNet):
        """(summary values without 'converged', vm, line loading, trafo loading) of the last power flow."""
        vm = net.res_bus["vm_pu"].to_numpy(dtype=float)
        ll = net.res_line["loading_percent"].to_numpy(dtype=float) if self.nl else np.empty(0)
        tl = net.res_trafo["loading_percent"].to_numpy(dtype=float) if self.nt else np.empty(0)
        losses = (np.nansum(net.res_line["pl_mw"].to_numpy(dtype=float)) if self.nl else 0.0) + (
            np.nansum(net.res_trafo["pl_mw"].to_numpy(dtype=float)) if self.nt else 0.0)
        p_ext = float(np.nansum(net.res_ext_grid["p_mw"].to_numpy(dtype=float)))
        q_ext = float(np.nansum(net.res_ext_grid["q_mvar"].to_numpy(dtype=float)))
        vmc = vm[self.vcheck]
        vmc = vmc[~np.isnan(vmc)]
        n_v = int(np.sum(vmc < self.vm_min) + np.sum(vmc > self.vm_max))
        n_o = int(np.sum(np.nan_to_num(ll) > self.lmax) + np.sum(np.nan_to_num(tl) > self.lmax))
        vals = [p_ext, q_ext, float(losses),
                float(vmc.min()) if len(vmc) else np.nan, float(vmc.max()) if len(vmc) else np.nan,
                float(np.nanmax(ll)) if len(ll) and not np.all(np.isnan(ll)) else np.nan,
                float(np.nanmax(tl)) if len(tl) and not np.all(np.isnan(tl)) else np.nan,
                n_v, n_o]
        return vals, vm, ll, tl

    def flows(self, net: pp.pandapowerNet) -> tuple[np.ndarray, np.ndarray]:
        """(line ``p_from_mw``, trafo ``p_hv_mw``) [MW] of the last power flow."""
        lp = net.res_line["p_from_mw"].to_numpy(dtype=float) if self.nl else np.empty(0)
        tp = net.res_trafo["p_hv_mw"].to_numpy(dtype=float) if self.nt else np.empty(0)
        return lp, tp

    def violations(self, t, vm, ll, tl, out: list) -> None:
        """Append (time, element, kind, value, limit) tuples of one step to ``out``."""
        chk = self.vcheck & ~np.isnan(vm)
        for i in np.flatnonzero(chk & (vm < self.vm_min)):
            out.append((t, self.bus_names[i], "undervoltage", float(vm[i]), self.vm_min))
        for i in np.flatnonzero(chk & (vm > self.vm_max)):
            out.append((t, self.bus_names[i], "overvoltage", float(vm[i]), self.vm_max))
        for arr, names in ((ll, self.line_names), (tl, self.trafo_names)):
            for i in np.flatnonzero(np.nan_to_num(arr) > self.lmax):
                out.append((t, names[i], "overload", float(arr[i]), self.lmax))


#: reuse pandapower's internal matrices between steps when only P/Q of loads/sgens/storages change
_RECYCLE = {"trafo": False, "gen": False, "bus_pq": True}


def _runpp(net: pp.pandapowerNet, warm: bool) -> bool:
    """One Newton-Raphson power flow; False (no exception) when it fails for any reason.

    ``warm=True`` (only right after a converged step of the same net, where nothing but element
    P/Q changed): start from the previous results and recycle the admittance matrices (about 2x faster).
    """
    try:
        if warm:
            pp.runpp(net, numba=False, init="results", calculate_voltage_angles=True, recycle=_RECYCLE)
        else:
            pp.runpp(net, numba=False, init="auto", calculate_voltage_angles=True)
    except Exception:  # noqa: BLE001 - LoadflowNotConverged and any other pandapower failure
        return False
    return bool(net.converged)


def run_timeseries(grid: Grid, elements: AssetElements, p_inject: pd.DataFrame,
                   q_inject: pd.DataFrame | None = None, progress: bool = False) -> ACResult:
    """AC power flow for every row of ``p_inject``.

    Parameters
    ----------
    grid, elements
        From :func:`~network_models.builders.build_grid` and :func:`~network_models.mapping.attach_assets`.
    p_inject : DataFrame
        time × asset name, active injection [MW], positive into the grid. Assets not in the columns
        keep their element's current value.
    q_inject : DataFrame or None
        time × asset name, reactive injection [MVAr], positive into the grid. ``None``: from each
        load's ``cos_phi`` (see :func:`~network_models.mapping.apply_arrays`).
    progress : bool
        Show a tqdm progress bar (if tqdm is installed).

    Returns
    -------
    ACResult
    """
    net = grid.net
    idx = p_inject.index
    n = len(idx)
    # injections aligned to elements.names, NaN for assets not given (= unchanged)
    P = np.full((n, len(elements.names)), np.nan)
    cols = [elements.index_of(c) if c in elements.element else -1 for c in p_inject.columns]
    if min(cols, default=0) < 0:
        elements.to_array({c: 0.0 for c in p_inject.columns})  # raises NetworkError naming the asset
    P[:, cols] = p_inject.to_numpy(dtype=float)
    Q = None
    if q_inject is not None:
        q_inject = q_inject.reindex(idx)
        Q = np.full((n, len(elements.names)), np.nan)
        qcols = [elements.index_of(c) if c in elements.element else -1 for c in q_inject.columns]
        if min(qcols, default=0) < 0:
            elements.to_array({c: 0.0 for c in q_inject.columns})
        Q[:, qcols] = q_inject.to_numpy(dtype=float)

    rd = _Reader(grid)
    summ = np.full((n, len(SUMMARY_COLUMNS) - 1), np.nan)
    conv = np.zeros(n, dtype=bool)
    VM = np.full((n, rd.nb), np.nan)
    LL = np.full((n, rd.nl), np.nan)
    TL = np.full((n, rd.nt), np.nan)
    LP = np.full((n, rd.nl), np.nan)
    TP = np.full((n, rd.nt), np.nan)
    viol: list = []

    steps = range(n)
    if progress:
        try:
            from tqdm import tqdm

            steps = tqdm(steps, desc="AC power flow", unit="step")
        except ImportError:  # pragma: no cover
            pass
    warm = False
    for k in steps:
        apply_arrays(grid, elements, P[k], None if Q is None else Q[k])
        ok = _runpp(net, warm)
        if not ok and warm:  # a stale warm start can fail where a flat start converges
            ok = _runpp(net, False)
        warm = ok
        if not ok:
            continue
        conv[k] = True
        vals, vm, ll, tl = rd.read(net)
        summ[k] = vals
        VM[k], LL[k], TL[k] = vm, ll, tl
        LP[k], TP[k] = rd.flows(net)
        rd.violations(idx[k], vm, ll, tl, viol)

    return ACResult.from_arrays(idx, conv, summ, rd, VM, LL, TL,
                                pd.DataFrame(viol, columns=["time", "element", "kind", "value", "limit"]), LP, TP)


def run_base_case(grid: Grid) -> dict:
    """One AC power flow of the net as it is (asset elements at their current values, 0 if never set).

    Returns
    -------
    dict
        ``converged``, ``p_ext_grid_mw``, ``q_ext_grid_mvar``, ``losses_mw``, ``vm_min_pu``,
        ``vm_min_bus``, ``vm_max_pu``, ``vm_max_bus``, ``line_loading_max_percent``,
        ``line_loading_max_name``, ``trafo_loading_max_percent``, ``trafo_loading_max_name``,
        ``n_voltage_violations``, ``n_overloads``, ``violations`` (list of dicts). Values are NaN /
        None when the power flow did not converge.
    """
    rd = _Reader(grid)
    out: dict = {"converged": _runpp(grid.net, False)}
    keys = SUMMARY_COLUMNS[1:]
    if not out["converged"]:
        out.update({k: np.nan for k in keys})
        out.update(vm_min_bus=None, vm_max_bus=None, line_loading_max_name=None, trafo_loading_max_name=None,
                   violations=[])
        return out
    vals, vm, ll, tl = rd.read(grid.net)
    out.update(dict(zip(keys, vals)))
    vchk = np.where(rd.vcheck & ~np.isnan(vm), vm, np.nan)
    has_v = not np.all(np.isnan(vchk))
    out["vm_min_bus"] = rd.bus_names[int(np.nanargmin(vchk))] if has_v else None
    out["vm_max_bus"] = rd.bus_names[int(np.nanargmax(vchk))] if has_v else None
    out["line_loading_max_name"] = (rd.line_names[int(np.nanargmax(ll))]
                                    if len(ll) and not np.all(np.isnan(ll)) else None)
    out["trafo_loading_max_name"] = (rd.trafo_names[int(np.nanargmax(tl))]
                                     if len(tl) and not np.all(np.isnan(tl)) else None)
    viol: list = []
    rd.violations(None, vm, ll, tl, viol)
    out["violations"] = [dict(element=e, kind=k, value=v, limit=lim) for _, e, k, v, lim in viol]
    return out
