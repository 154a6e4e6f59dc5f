"""Scenario assets <-> pandapower elements, and the ONLY place where signs are converted.

Outside ``network_models`` the sign convention is *injection into the grid is positive*
(a load consuming 2 MW has ``p_inject_mw = -2``). pandapower uses:

==================================  ==================  =====================================
asset kind                          pandapower element  pandapower value
==================================  ==================  =====================================
fixed_load, interruptible_load,     ``load``            ``p_mw = -p_inject_mw`` (consumption)
ev_charging, thermal_storage,
shiftable_load
pv                                  ``sgen``            ``p_mw = +p_inject_mw`` (generation)
battery                             ``storage``         ``p_mw = -p_inject_mw`` (load
                                                        convention, positive = charging)
==================================  ==================  =====================================

Reactive power follows the same rule (``q_mvar = -q_inject_mvar`` for load and storage,
``+q_inject_mvar`` for sgen). Elements already in the net (e.g. the case33bw base loads) are never
touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandapower as pp

from network_models.builders import Grid
from scenarios.schema import Scenario
from vpp.errors import NetworkError

#: pandapower value = SIGN[table] * injection
SIGN = {"load": -1.0, "sgen": 1.0, "storage": -1.0}
TABLES = ("load", "sgen", "storage")


@dataclass
class AssetElements:
    """Where each asset lives in the pandapower net.

    Attributes
    ----------
    names : list[str]
        Asset names in scenario order; the order of every array below.
    element : dict[str, tuple[str, int]]
        Asset name -> (pandapower table, index).
    kind : dict[str, str]
        Asset name -> asset kind.
    pos : dict[str, numpy.ndarray]
        Per table: positions (into ``names``) of the assets that live in that table.
    row : dict[str, numpy.ndarray]
        Per table: row *positions* (``iloc``) of those assets in the pandapower table, aligned with ``pos``.
    tan_phi : numpy.ndarray
        ``tan(arccos(cos_phi))`` for fixed / interruptible loads, 0 otherwise; used for Q when no
        reactive injection is given (lagging consumption: ``q_inject = p_inject · tan_phi``).
    """

    names: list[str]
    element: dict[str, tuple[str, int]]
    kind: dict[str, str]
    pos: dict[str, np.ndarray]
    row: dict[str, np.ndarray]
    tan_phi: np.ndarray

    def index_of(self, name: str) -> int:
        """Position of an asset in :attr:`names`."""
        return self._pos_of[name]

    def __post_init__(self) -> None:
        self._pos_of = {n: i for i, n in enumerate(self.names)}

    def to_array(self, values: Mapping[str, float] | pd.Series | None, fill: float = np.nan) -> np.ndarray:
        """Values by asset name -> array in :attr:`names` order (missing assets get ``fill``)."""
        out = np.full(len(self.names), fill, dtype=float)
        if values is None:
            return out
        items = values.items()
        unknown = []
        for k, v in items:
            i = self._pos_of.get(k)
            if i is None:
                unknown.append(str(k))
            else:
                out[i] = float(v)
        if unknown:
            raise NetworkError(f"unknown asset(s) {', '.join(unknown[:10])} (assets: {', '.join(self.names[:10])})")
        return out


def attach_assets(grid: Grid, scn: Scenario) -> AssetElements:
    """Create one pandapower element per asset at its park's bus, named by the asset name.

    Loads, static generators and storages are created with ``p_mw = q_mvar = 0``; a battery's storage
    gets ``max_e_mwh = e_max_mwh`` and ``min_e_mwh = soc_min · e_max_mwh``. An element that already
    exists in the right table under the asset's name is reused (so calling this twice is harmless).
    """
    net = grid.net
    names: list[str] = []
    element: dict[str, tuple[str, int]] = {}
    kinds: dict[str, str] = {}
    tan_phi: list[float] = []
    for park, a in scn.assets():
        if park.name not in grid.park_bus:
            raise NetworkError(f"park '{park.name}' has no bus in the network (build the grid from this scenario)")
        bus = grid.park_bus[park.name]
        table = type(a).pp_table  # the kind declares its pandapower table (scenarios.base.AssetBase)
        existing = net[table].index[(net[table]["name"] == a.name).to_numpy()]
        if len(existing):
            idx = int(existing[0])
        elif table == "load":
            idx = pp.create_load(net, bus, p_mw=0.0, q_mvar=0.0, name=a.name)
        elif table == "sgen":
            idx = pp.create_sgen(net, bus, p_mw=0.0, q_mvar=0.0, name=a.name, type="PV",
                                 sn_mva=float(a.p_ac_max_mw))
        else:
            idx = pp.create_storage(net, bus, p_mw=0.0, max_e_mwh=float(a.e_max_mwh), q_mvar=0.0, name=a.name,
                                    min_e_mwh=float(a.soc_min * a.e_max_mwh), sn_mva=float(a.p_max_mw),
                                    soc_percent=float(a.soc_init * 100.0))
        names.append(a.name)
        element[a.name] = (table, int(idx))
        kinds[a.name] = a.kind
        cos = getattr(a, "cos_phi", None) if type(a).q_from_cos_phi else None
        tan_phi.append(float(np.tan(np.arccos(cos))) if cos is not None else 0.0)

    pos: dict[str, np.ndarray] = {}
    row: dict[str, np.ndarray] = {}
    for t in TABLES:
        p = [i for i, n in enumerate(names) if element[n][0] == t]
        pos[t] = np.asarray(p, dtype=np.int64)
        row[t] = net[t].index.get_indexer([element[names[i]][1] for i in p]).astype(np.int64)
    return AssetElements(names=names, element=element, kind=kinds, pos=pos, row=row,
                         tan_phi=np.asarray(tan_phi, dtype=float))


def _write(net: pp.pandapowerNet, table: str, column: str, rows: np.ndarray, values: np.ndarray) -> None:
    """``net[table][column].iloc[rows] = values`` as one numpy column assignment; NaN keeps the old value."""
    df = net[table]
    col = df[column].to_numpy(dtype=float, copy=True)
    keep = np.isnan(values)
    col[rows[~keep]] = values[~keep]
    df[column] = col


def apply_arrays(grid: Grid, elements: AssetElements, p_inject_mw: np.ndarray,
                 q_inject_mvar: np.ndarray | None) -> None:
    """Fast path of :func:`apply_injections` for arrays aligned with ``elements.names``.

    ``p_inject_mw`` [MW] and ``q_inject_mvar`` [MVAr] are injections (positive into the grid); NaN
    entries leave the element unchanged. With ``q_inject_mvar=None``, Q = P · tan φ for
    fixed/interruptible loads (their ``cos_phi``) and 0 for the others.
    """
    p = np.asarray(p_inject_mw, dtype=float)
    q = p * elements.tan_phi if q_inject_mvar is None else np.asarray(q_inject_mvar, dtype=float)
    for t in TABLES:
        pos = elements.pos[t]
        if not len(pos):
            continue
        s = SIGN[t]
        _write(grid.net, t, "p_mw", elements.row[t], s * p[pos])
        _write(grid.net, t, "q_mvar", elements.row[t], s * q[pos])


def apply_injections(grid: Grid, elements: AssetElements,
                     p_inject_mw: Mapping[str, float] | pd.Series,
                     q_inject_mvar: Mapping[str, float] | pd.Series | None = None) -> None:
    """Write one step's injections into the asset elements with pandapower's signs.

    Parameters
    ----------
    p_inject_mw : dict or Series, asset name -> MW
        Active injection, positive into the grid. Assets not listed keep their current value.
    q_inject_mvar : dict or Series or None, asset name -> MVAr
        Reactive injection, positive into the grid. ``None``: Q = P · tan φ for fixed and
        interruptible loads (their ``cos_phi``, lagging), 0 for the other listed assets.

    Raises
    ------
    NetworkError
        An asset name that has no element.
    """
    p = elements.to_array(p_inject_mw)
    q = None if q_inject_mvar is None else elements.to_array(q_inject_mvar)
    apply_arrays(grid, elements, p, q)
