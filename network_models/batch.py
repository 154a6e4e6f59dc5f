"""Batch AC power flow with power-grid-model (PGM): all time steps in one call.

What it does
------------
:func:`run_timeseries_batch` is a drop-in alternative to :func:`network_models.powerflow.run_timeseries`
(same arguments, same :class:`~network_models.powerflow.ACResult`). Instead of one pandapower
Newton-Raphson per step it

1. converts the pandapower net of the :class:`~network_models.builders.Grid` **once** with
   power-grid-model-io's ``PandaPowerConverter`` (:func:`build_pgm_model`);
2. builds one *update* dataset holding the P/Q of every asset element for every step (time × element
   structured arrays, signs from :mod:`network_models.mapping`);
3. runs one batch Newton-Raphson (``PowerGridModel.calculate_power_flow(update_data=...)``, C++,
   multi-threaded) and reads node voltages, branch currents and source powers as 2-D numpy arrays.

Model parity with pandapower (why the numbers agree to ~1e-9 pu)
-----------------------------------------------------------------
* **Transformers.** pandapower's default ``trafo_model="t"`` puts the magnetising admittance ``y_m``
  between two halves of the series impedance ``z`` (all in pu of the transformer rating); PGM uses a
  symmetric π model. The exact star→delta transform of the T (the one pandapower itself applies,
  ``build_branch._wye_delta`` with leakage ratio 0.5) gives a symmetric π with

  ``z' = z + z² · y_m / 4``  (series)   and   ``y' = 2 · (z/2) / (z²/4 + z / y_m)``  (total shunt),

  which is written back into PGM's rating parameters: ``uk = |z'|``, ``pk = Re z' · sn``,
  ``i0 = |y'|``, ``p0 = Re y' · sn`` (``sn`` already includes ``parallel``). Without it the voltages
  differ by ~2e-6 pu on the 0.4 kV buses.
* **External grid.** pandapower's slack is ideal in power flow; the converter gives the PGM source a
  short-circuit power (``s_sc_max_mva`` or PGM's default 10 GVA, i.e. an internal impedance that drops
  ~1e-3 pu at 30 MW). It is set to :data:`SOURCE_SK_VA` (1e18 VA): an ideal source to ~1e-10 pu.
* **Storage.** The converter does not support ``storage``; each storage becomes a PGM constant-power
  ``sym_load`` (pandapower storage uses the load convention: ``p_mw > 0`` = charging).
* **Loads.** The converter splits a pandapower load into constant-power / -impedance / -current
  ``sym_load`` parts (``const_z_p_percent`` …); the update writes each part with the same multipliers.
* **Loadings.** line: ``i_ka / (max_i_ka · df · parallel) · 100`` with ``i = max(i_from, i_to)``
  (PGM's ``loading``, identical by construction); transformer: pandapower's current-based
  ``max(i_hv · vn_hv_kv, i_lv · vn_lv_kv) · √3 / (sn_mva · parallel · df) · 100``, computed here from
  PGM's ``i_from`` / ``i_to`` (PGM's own ``loading`` is power based).
* **Losses** ``Σ (p_from + p_to)`` over lines and transformers; ``p_ext_grid_mw`` / ``q_ext_grid_mvar``
  = the sources' ``p`` / ``q`` (positive = supplied to the grid).
* **Convergence.** Voltage tolerance :data:`ERROR_TOLERANCE_PU`, at most :data:`MAX_ITERATIONS`
  iterations. A step that fails is recorded (NaN row, ``converged = False``) and never raises
  (``continue_on_batch_error``); isolated nodes (``energized = 0``) give NaN voltages as in pandapower.

The pandapower net is *not* modified (``run_timeseries`` leaves the last step's injections in it).
Unsupported pandapower elements (e.g. ``gen``) raise :class:`~vpp.errors.NetworkError` naming the
element: use the pandapower engine for such nets.
"""

from __future__ import annotations

import copy
import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from network_models.builders import Grid
from network_models.mapping import SIGN, AssetElements
from network_models.powerflow import SUMMARY_COLUMNS, ACResult, _Reader
from vpp.errors import NetworkError

#: short-circuit power given to every PGM source [VA]: an ideal slack like pandapower's ext_grid
SOURCE_SK_VA = 1e18
#: Newton-Raphson convergence tolerance on the voltage [pu]
ERROR_TOLERANCE_PU = 1e-10
MAX_ITERATIONS = 20
#: hint appended to every refusal: the pandapower engine handles any pandapower net
USE_PANDAPOWER = " (use the pandapower engine: ac_check: {engine: pandapower} or --ac-engine pandapower)"
#: pandapower tables this engine refuses (voltage-controlled or not converted like pandapower does)
UNSUPPORTED_TABLES = ("gen", "dcline", "xward", "impedance", "motor")


@dataclass
class PGMModel:
    """A PGM model of a grid plus the element id maps the update needs.

    Attributes
    ----------
    model : power_grid_model.PowerGridModel
    input_data : dict
        The PGM input dataset (after the transformer/source/storage adjustments).
    node_ids, line_ids, trafo_ids, source_ids : numpy.ndarray
        PGM ids in the order of ``net.bus`` / ``net.line`` / ``net.trafo`` / ``net.ext_grid`` rows.
    load_ids : dict[str, numpy.ndarray]
        ``'const_power' | 'const_impedance' | 'const_current'`` -> PGM sym_load ids per ``net.load`` row.
    load_factor : dict[str, numpy.ndarray]
        Same keys -> multiplier of ``p_mw`` [MW -> W] per ``net.load`` row (``scaling`` × share × 1e6).
    sgen_ids, sgen_factor : numpy.ndarray
        Per ``net.sgen`` row: PGM sym_gen id and ``scaling × 1e6``.
    storage_ids, storage_factor : numpy.ndarray
        Per ``net.storage`` row: PGM sym_load id and ``scaling × 1e6``.
    """

    model: object
    input_data: dict
    node_ids: np.ndarray
    line_ids: np.ndarray
    trafo_ids: np.ndarray
    source_ids: np.ndarray
    load_ids: dict[str, np.ndarray]
    load_factor: dict[str, np.ndarray]
    sgen_ids: np.ndarray
    sgen_factor: np.ndarray
    storage_ids: np.ndarray
    storage_factor: np.ndarray


def _col(df: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name in df.columns:
        return df[name].fillna(default).to_numpy(dtype=float)
    return np.full(len(df), default, dtype=float)


def _t_to_pi(tr: np.ndarray) -> None:
    """Replace PGM transformer ratings by those of the π equivalent of pandapower's T model (in place).

    In pu of the rating ``sn``: ``z = pk/sn + j·sqrt(uk² − (pk/sn)²)``, ``y_m = p0/sn − j·sqrt(i0² − (p0/sn)²)``;
    star (z/2, z/2, 1/y_m) -> delta: ``z' = z + z²·y_m/4``, shunt ``y' = 2·(z/2)/(z²/4 + z/y_m)``.
    """
    sn = tr["sn"]
    r = tr["pk"] / sn
    z = r + 1j * np.sqrt(np.maximum(tr["uk"] ** 2 - r**2, 0.0))
    g = tr["p0"] / sn
    y = g - 1j * np.sqrt(np.maximum(tr["i0"] ** 2 - g**2, 0.0))
    has = np.abs(y) > 0
    zp = np.where(has, z + z * z * y / 4.0, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        yp = np.where(has, 2.0 * (z / 2.0) / (z * z / 4.0 + z / np.where(has, y, 1.0)), 0.0)
    tr["uk"] = np.abs(zp)
    tr["pk"] = zp.real * sn
    tr["i0"] = np.abs(yp)
    tr["p0"] = np.maximum(yp.real, 0.0) * sn


def build_pgm_model(grid: Grid) -> PGMModel:
    """Convert ``grid.net`` to a PGM model (once per grid; the net itself is not changed).

    Raises
    ------
    NetworkError
        An element the converter does not support, or inconsistent data PGM rejects.
    """
    from power_grid_model import ComponentType, DatasetType, PowerGridModel, initialize_array
    from power_grid_model_io.converters import PandaPowerConverter

    net = grid.net
    pp_data = {k: v for k, v in net.items() if isinstance(v, pd.DataFrame) and not k.startswith("res_")}
    storage = net.storage.copy()
    pp_data["storage"] = storage.iloc[0:0]  # added below as sym_loads (the converter lacks storage)
    for table in UNSUPPORTED_TABLES:
        if table in pp_data and len(pp_data[table]) and pp_data[table]["in_service"].astype(bool).any():
            raise NetworkError(f"power_grid_model engine: pandapower '{table}' elements are not supported{USE_PANDAPOWER}")
    if "trafo" in pp_data and len(pp_data["trafo"]):
        for c in ("leakage_resistance_ratio_hv", "leakage_reactance_ratio_hv"):
            if c in pp_data["trafo"].columns and not np.allclose(pp_data["trafo"][c].fillna(0.5), 0.5):
                raise NetworkError(f"power_grid_model engine: trafo {c} other than 0.5 is not supported{USE_PANDAPOWER}")
    conv = PandaPowerConverter(system_frequency=float(net.f_hz), log_level=logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inp, _ = conv.load_input_data(pp_data, make_extra_info=False)
    except (NotImplementedError, RuntimeError, KeyError, ValueError) as exc:
        raise NetworkError(f"power_grid_model engine cannot convert the network: {exc}{USE_PANDAPOWER}") from None

    if ComponentType.transformer in inp:
        _t_to_pi(inp[ComponentType.transformer])
    if ComponentType.source in inp:
        inp[ComponentType.source]["sk"] = SOURCE_SK_VA

    bus_id = conv.idx[("bus", None)]
    storage_ids = np.arange(conv.next_idx, conv.next_idx + len(storage), dtype=np.int32)
    if len(storage):
        sto = initialize_array(DatasetType.input, ComponentType.sym_load, len(storage))
        sc = _col(storage, "scaling", 1.0) * 1e6
        sto["id"] = storage_ids
        sto["node"] = bus_id.loc[storage["bus"].to_numpy()].to_numpy()
        sto["status"] = storage["in_service"].to_numpy(dtype=bool).astype(np.int8)
        sto["type"] = 0  # const_power
        sto["p_specified"] = storage["p_mw"].to_numpy(dtype=float) * sc
        sto["q_specified"] = _col(storage, "q_mvar", 0.0) * sc
        old = inp.get(ComponentType.sym_load)
        inp[ComponentType.sym_load] = sto if old is None else np.concatenate([old, sto])

    def ids(table: str, name: str | None = None) -> np.ndarray:
        key = (table, name)
        if key not in conv.idx:
            return np.empty(0, dtype=np.int32)
        return conv.idx[key].loc[net[table].index].to_numpy(dtype=np.int32)

    load = net.load
    scaling = _col(load, "scaling", 1.0)
    z_pct = _col(load, "const_z_p_percent", 0.0) if "const_z_p_percent" in load.columns else _col(load, "const_z_percent", 0.0)
    i_pct = _col(load, "const_i_p_percent", 0.0) if "const_i_p_percent" in load.columns else _col(load, "const_i_percent", 0.0)
    zq_pct = _col(load, "const_z_q_percent", 0.0) if "const_z_q_percent" in load.columns else z_pct
    iq_pct = _col(load, "const_i_q_percent", 0.0) if "const_i_q_percent" in load.columns else i_pct
    if not (np.allclose(z_pct, zq_pct) and np.allclose(i_pct, iq_pct)):
        raise NetworkError(f"power_grid_model engine: loads with different ZIP shares for P and Q are not supported{USE_PANDAPOWER}")
    load_factor = {
        "const_power": (1.0 - (z_pct + i_pct) / 100.0) * scaling * 1e6,
        "const_impedance": z_pct / 100.0 * scaling * 1e6,
        "const_current": i_pct / 100.0 * scaling * 1e6,
    }
    load_ids = {k: ids("load", k) for k in load_factor}

    try:
        model = PowerGridModel(inp, system_frequency=float(net.f_hz))
    except Exception as exc:  # noqa: BLE001 - PGM validation errors are data errors of the net
        raise NetworkError(f"power_grid_model engine rejects the network: {exc}{USE_PANDAPOWER}") from None
    return PGMModel(
        model=model, input_data=inp,
        node_ids=ids("bus"), line_ids=ids("line"), trafo_ids=ids("trafo"), source_ids=ids("ext_grid"),
        load_ids=load_ids, load_factor=load_factor,
        sgen_ids=ids("sgen"), sgen_factor=_col(net.sgen, "scaling", 1.0) * 1e6,
        storage_ids=storage_ids, storage_factor=_col(storage, "scaling", 1.0) * 1e6,
    )


# ------------------------------------------------------------------------------------ injections
def _matrix(df: pd.DataFrame | None, elements: AssetElements, index: pd.Index) -> np.ndarray | None:
    """time × asset table -> array (n_t, n_assets) in ``elements.names`` order, NaN where not given."""
    if df is None:
        return None
    df = df.reindex(index)
    out = np.full((len(index), len(elements.names)), np.nan)
    unknown = [str(c) for c in df.columns if c not in elements.element]
    if unknown:
        elements.to_array({c: 0.0 for c in df.columns})  # raises NetworkError naming the asset(s)
    out[:, [elements.index_of(c) for c in df.columns]] = df.to_numpy(dtype=float)
    return out


def _pp_values(grid: Grid, elements: AssetElements, P: np.ndarray, Q: np.ndarray | None):
    """Per table: (rows, p_mw, q_mvar) in pandapower's sign, time × element, NaN forward-filled.

    Same semantics as stepping :func:`~network_models.mapping.apply_arrays` through the rows: a NaN keeps
    the element's previous value (the net's current value before the first row); ``Q=None`` means
    ``q = p · tan φ`` of each asset (see :class:`~network_models.mapping.AssetElements`).
    """
    net = grid.net
    if Q is None:
        Q = P * elements.tan_phi[None, :]
    out = {}
    for t in ("load", "sgen", "storage"):
        pos, rows = elements.pos[t], elements.row[t]
        s = SIGN[t]
        vals = []
        for col, M in (("p_mw", P), ("q_mvar", Q)):
            init = net[t][col].to_numpy(dtype=float)[rows] if len(rows) else np.empty(0)
            v = pd.DataFrame(np.vstack([init[None, :], s * M[:, pos]])).ffill().to_numpy()[1:]
            vals.append(v)
        out[t] = (rows, vals[0], vals[1])
    return out


def _update_data(pgm: PGMModel, vals: dict, n: int) -> dict:
    from power_grid_model import ComponentType, DatasetType, initialize_array

    upd = {}
    rows, p, q = vals["load"]
    parts = []
    for k, f in pgm.load_factor.items():
        if len(rows) and (k == "const_power" or np.any(f[rows] != 0)):
            parts.append((pgm.load_ids[k][rows], p * f[rows], q * f[rows]))
    srows, sp, sq = vals["storage"]
    if len(srows):
        f = pgm.storage_factor[srows]
        parts.append((pgm.storage_ids[srows], sp * f, sq * f))
    if parts:
        m = sum(len(i) for i, _, _ in parts)
        a = initialize_array(DatasetType.update, ComponentType.sym_load, (n, m))
        c = 0
        for i, pp_, qq in parts:
            w = len(i)
            a["id"][:, c:c + w] = i
            a["p_specified"][:, c:c + w] = pp_
            a["q_specified"][:, c:c + w] = qq
            c += w
        upd[ComponentType.sym_load] = a
    grows, gp, gq = vals["sgen"]
    if len(grows):
        f = pgm.sgen_factor[grows]
        a = initialize_array(DatasetType.update, ComponentType.sym_gen, (n, len(grows)))
        a["id"] = pgm.sgen_ids[grows]
        a["p_specified"] = gp * f
        a["q_specified"] = gq * f
        upd[ComponentType.sym_gen] = a
    return upd


def _order(all_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions of ``wanted`` ids in the output array whose ids are ``all_ids``."""
    srt = np.argsort(all_ids)
    return srt[np.searchsorted(all_ids, wanted, sorter=srt)]


# ---------------------------------------------------------------------------------------- public
def run_timeseries_batch(grid: Grid, elements: AssetElements, p_inject: pd.DataFrame,
                         q_inject: pd.DataFrame | None = None, progress: bool = False,
                         threads: int = 0, pgm: PGMModel | None = None) -> ACResult:
    """AC power flow of every row of ``p_inject`` in one power-grid-model batch calculation.

    Parameters
    ----------
    grid, elements
        From :func:`~network_models.builders.build_grid` and :func:`~network_models.mapping.attach_assets`.
    p_inject : DataFrame
        time × asset name, active injection [MW], positive into the grid. Assets not in the columns (or
        NaN) keep their element's previous value, exactly as in :func:`~network_models.powerflow.run_timeseries`.
    q_inject : DataFrame or None
        time × asset name, reactive injection [MVAr], positive into the grid. ``None``: from each load's
        ``cos_phi``.
    progress : bool
        Accepted for signature compatibility; the batch is a single call, so only a one-line note is shown.
    threads : int
        PGM threading: 0 = all hardware threads, > 0 that many threads, < 0 sequential.
    pgm : PGMModel or None
        A model from :func:`build_pgm_model` of the same grid (saves ~20 ms per call); built if ``None``.

    Returns
    -------
    ACResult
        Same structure and definitions as :func:`~network_models.powerflow.run_timeseries`.
    """
    from power_grid_model import CalculationMethod, ComponentType

    net = grid.net
    idx = p_inject.index
    n = len(idx)
    P = _matrix(p_inject, elements, idx)
    Q = _matrix(q_inject, elements, idx)
    rd = _Reader(grid)
    if pgm is None:
        pgm = build_pgm_model(grid)

    VM = np.full((n, rd.nb), np.nan)
    LL = np.full((n, rd.nl), np.nan)
    TL = np.full((n, rd.nt), np.nan)
    LP = np.full((n, rd.nl), np.nan)
    TP = np.full((n, rd.nt), np.nan)
    summ = np.full((n, len(SUMMARY_COLUMNS) - 1), np.nan)
    conv = np.zeros(n, dtype=bool)
    if n:
        if progress:
            import sys

            print(f"AC power flow (power-grid-model batch): {n} steps", file=sys.stderr)
        upd = _update_data(pgm, _pp_values(grid, elements, P, Q), n)
        if not upd:  # nothing to update: a batch of identical scenarios
            from power_grid_model import DatasetType, initialize_array

            upd = {ComponentType.node: initialize_array(DatasetType.update, ComponentType.node, (n, 0))}
        out_types = {
            ComponentType.node: ["id", "u_pu", "energized"],
            ComponentType.source: ["id", "p", "q"],
        }
        if rd.nl:
            out_types[ComponentType.line] = ["id", "i_from", "i_to", "p_from", "p_to", "loading"]
        if rd.nt:
            out_types[ComponentType.transformer] = ["id", "i_from", "i_to", "p_from", "p_to"]
        model = pgm.model
        try:
            out = model.calculate_power_flow(
                update_data=upd, calculation_method=CalculationMethod.newton_raphson,
                error_tolerance=ERROR_TOLERANCE_PU, max_iterations=MAX_ITERATIONS, threading=threads,
                output_component_types=out_types, continue_on_batch_error=True,
            )
        except Exception as exc:  # noqa: BLE001 - a whole-batch failure: every step not converged
            from vpp.errors import PowerFlowError

            raise PowerFlowError(f"power_grid_model batch power flow failed: {exc}") from None
        err = getattr(model, "batch_error", None)
        conv[:] = True
        if err is not None and len(err.failed_scenarios):
            conv[np.asarray(err.failed_scenarios, dtype=int)] = False

        node = out[ComponentType.node]
        o = _order(node["id"][0], pgm.node_ids)
        vm = node["u_pu"][:, o]
        vm = np.where(node["energized"][:, o] == 1, vm, np.nan)
        VM[:] = vm
        p_ext = out[ComponentType.source]["p"].sum(axis=1) * 1e-6
        q_ext = out[ComponentType.source]["q"].sum(axis=1) * 1e-6
        losses = np.zeros(n)
        if rd.nl:
            ln = out[ComponentType.line]
            o = _order(ln["id"][0], pgm.line_ids)
            LL[:] = ln["loading"][:, o] * 100.0
            LP[:] = ln["p_from"][:, o] * 1e-6
            losses += (ln["p_from"] + ln["p_to"]).sum(axis=1) * 1e-6
        if rd.nt:
            tr = out[ComponentType.transformer]
            o = _order(tr["id"][0], pgm.trafo_ids)
            t = net.trafo
            ui = np.maximum(tr["i_from"][:, o] * t["vn_hv_kv"].to_numpy(dtype=float),
                            tr["i_to"][:, o] * t["vn_lv_kv"].to_numpy(dtype=float))  # A·kV
            rating = t["sn_mva"].to_numpy(dtype=float) * t["parallel"].to_numpy(dtype=float) * t["df"].to_numpy(dtype=float)
            TL[:] = ui * np.sqrt(3.0) / 1000.0 / rating * 100.0
            TP[:] = tr["p_from"][:, o] * 1e-6  # PGM from side = pandapower hv side (converter)
            losses += (tr["p_from"] + tr["p_to"]).sum(axis=1) * 1e-6
        VM[~conv], LL[~conv], TL[~conv], LP[~conv], TP[~conv] = np.nan, np.nan, np.nan, np.nan, np.nan

        vmc = np.where(rd.vcheck[None, :], VM, np.nan)
        llz, tlz = np.nan_to_num(LL), np.nan_to_num(TL)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows of non-converged steps
            summ[:, 0], summ[:, 1], summ[:, 2] = p_ext, q_ext, losses
            summ[:, 3] = np.nanmin(vmc, axis=1) if rd.vcheck.any() else np.nan
            summ[:, 4] = np.nanmax(vmc, axis=1) if rd.vcheck.any() else np.nan
            summ[:, 5] = np.nanmax(LL, axis=1) if rd.nl else np.nan
            summ[:, 6] = np.nanmax(TL, axis=1) if rd.nt else np.nan
        summ[:, 7] = np.sum(vmc < rd.vm_min, axis=1) + np.sum(vmc > rd.vm_max, axis=1)
        summ[:, 8] = np.sum(llz > rd.lmax, axis=1) + np.sum(tlz > rd.lmax, axis=1)
        summ[~conv] = np.nan

    return ACResult.from_arrays(idx, conv, summ, rd, VM, LL, TL, _violations(rd, idx, VM, LL, TL), LP, TP)


def _violations(rd: _Reader, idx: pd.Index, VM: np.ndarray, LL: np.ndarray, TL: np.ndarray) -> pd.DataFrame:
    """Long violations table in the order of ``_Reader.violations`` per step (vectorised)."""
    parts = []
    chk = rd.vcheck[None, :] & ~np.isnan(VM)
    for kind_no, (mask, arr, names, kind, lim) in enumerate((
        (chk & (VM < rd.vm_min), VM, rd.bus_names, "undervoltage", rd.vm_min),
        (chk & (VM > rd.vm_max), VM, rd.bus_names, "overvoltage", rd.vm_max),
        (np.nan_to_num(LL) > rd.lmax, LL, rd.line_names, "overload", rd.lmax),
        (np.nan_to_num(TL) > rd.lmax, TL, rd.trafo_names, "overload", rd.lmax),
    )):
        t, e = np.nonzero(mask)
        if len(t):
            parts.append(pd.DataFrame({"_t": t, "_k": kind_no, "_e": e, "time": idx[t],
                                       "element": np.asarray(names, dtype=object)[e], "kind": kind,
                                       "value": arr[t, e].astype(float), "limit": float(lim)}))
    if not parts:
        return pd.DataFrame(columns=["time", "element", "kind", "value", "limit"])
    df = pd.concat(parts, ignore_index=True).sort_values(["_t", "_k", "_e"], kind="stable")
    return df[["time", "element", "kind", "value", "limit"]].reset_index(drop=True)


def copy_grid(grid: Grid) -> Grid:
    """A deep copy of a grid (net and name maps), for what-if studies that add elements."""
    import dataclasses

    return dataclasses.replace(grid, net=copy.deepcopy(grid.net), bus=dict(grid.bus),
                               park_bus=dict(grid.park_bus), park_trafo=dict(grid.park_trafo))
