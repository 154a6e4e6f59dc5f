"""Reverse power flow over a period: which elements carry power back towards the 110 kV grid, how long, how much.

Elements and their **forward** (load-direction) active power ``p_forward_mw`` [MW] per step
---------------------------------------------------------------------------------------------
Inside vpp injection into the grid is positive; here every element gets the power flowing *downstream*
(from the 110 kV source towards the consumers), so that **reverse flow is** ``p_forward_mw < 0``:

* ``substation`` (type ``substation``): the district's exchange with the 110 kV grid,
  ``p_forward = p_ext_grid_mw`` (the external grid's supply). Reverse: the district feeds back into 110 kV.
* each substation transformer (type ``substation_trafo``, every transformer that is not a park's own):
  ``p_forward = p_hv_mw`` (active power entering at its HV side, pandapower ``res_trafo.p_hv_mw``).
  Reverse: the 10 kV section feeds back through the transformer.
* each **feeder** (type ``feeder``): the first line of the feeder, the one leaving the substation's 10 kV
  busbar (``radial_district``: ``grid.feeders[f][0]``, from bus = the busbar). ``p_forward = p_from_mw``
  (active power entering the line at the busbar). Reverse: the feeder flows *towards the busbar*. For other
  networks (case33bw, pandapower JSON) every in-service line with one end on a source bus (an external-grid
  bus or the LV bus of a transformer fed from it) is a feeder head; when the source bus is the line's
  ``to_bus``, ``p_forward = −p_from_mw`` (the line's losses are neglected in the sign, ASSUMPTION).
* each park's own 10/0.4 kV transformer(s) (type ``park_trafo``): ``p_forward = p_hv_mw``.
* each **park connection** (type ``park``): the park meter's net import ``p_net_import_mw`` of the dispatch
  (``Σ consumption − Σ generation`` of its assets = ``−Σ p_inject_mw``). Reverse: the park exports
  into the 10 kV grid. (Taken from the dispatch table, not from the AC: the meter, without transformer losses.)

Reverse-flow figures of an element (:func:`reverse_flow`), with ``w_t`` the weight of step ``t`` (days of the
year the step stands for: 1 for a plain period, the typical day's weight for representative days) and
``dt_h`` the step length [h]:

* ``reverse_hours_h = Σ_t w_t · dt_h · [p_forward[t] < −tol]``  [h]
* ``reverse_energy_mwh = Σ_t w_t · dt_h · max(−p_forward[t], 0)``  [MWh]
* ``reverse_p_max_mw = max_t max(−p_forward[t], 0)`` and its time ``reverse_p_max_time``.

``tol`` = :data:`TOL_MW` (1 kW) keeps numerical noise out of the hours. A park exporting 0.5 MW for six
15-min steps: 1.5 h, 0.75 MWh.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from network_models.builders import Grid

#: reverse flow is counted where p_forward < −TOL_MW [MW]
TOL_MW = 1e-3
#: a line with max_i_ka at or above this has no real thermal rating (pandapower's case33bw: 99999 kA)
UNRATED_KA = 1000.0

ELEMENT_TYPES = ("substation", "substation_trafo", "feeder", "park_trafo", "park")


def _source_buses(grid: Grid) -> set[int]:
    """External-grid buses and the LV buses of transformers fed from them (parks' transformers excluded)."""
    net = grid.net
    src = {int(b) for b in net.ext_grid.loc[net.ext_grid["in_service"].astype(bool), "bus"]}
    park_tr = {t for t in grid.park_trafo.values() if t is not None}
    for i, r in net.trafo.iterrows():
        if int(i) not in park_tr and int(r["hv_bus"]) in src:
            src.add(int(r["lv_bus"]))
    return src


def feeder_heads(grid: Grid) -> dict[str, tuple[str, float]]:
    """Feeder name -> (head line name, sign): ``p_forward = sign · p_from_mw`` of the head line (module doc)."""
    net = grid.net
    if grid.feeders:
        return {f: (lines[0], 1.0) for f, lines in grid.feeders.items() if lines}
    src = _source_buses(grid)
    out: dict[str, tuple[str, float]] = {}
    for _, r in net.line[net.line["in_service"].astype(bool)].iterrows():
        if int(r["from_bus"]) in src:
            out[str(r["name"])] = (str(r["name"]), 1.0)
        elif int(r["to_bus"]) in src:
            out[str(r["name"])] = (str(r["name"]), -1.0)
    return out


def element_meta(grid: Grid) -> pd.DataFrame:
    """One row per element of the module doc: ``element, type, branch`` (line/trafo name or None),
    ``park`` (parks and park transformers), ``rating_mva`` (transformer ``sn_mva·parallel·df``; feeder head
    ``√3·vn_kv·max_i_ka·df·parallel``; None for the substation exchange, parks and lines with
    ``max_i_ka >= UNRATED_KA``, a placeholder rather than a rating)."""
    net = grid.net
    rows = [{"element": "substation", "type": "substation", "branch": None, "park": None, "rating_mva": None}]
    park_of_trafo = {t: p for p, t in grid.park_trafo.items() if t is not None}
    for i, r in net.trafo.iterrows():
        rating = float(r["sn_mva"]) * float(r.get("parallel", 1) or 1) * float(r.get("df", 1.0) or 1.0)
        p = park_of_trafo.get(int(i))
        rows.append({"element": str(r["name"]), "type": "park_trafo" if p else "substation_trafo",
                     "branch": str(r["name"]), "park": p, "rating_mva": rating})
    by_name = {str(n): i for i, n in zip(net.line.index, net.line["name"])}
    for f, (line, _) in feeder_heads(grid).items():
        r = net.line.loc[by_name[line]]
        vn = float(net.bus.at[int(r["from_bus"]), "vn_kv"])
        i_max = float(r["max_i_ka"])
        rating = (np.sqrt(3.0) * vn * i_max * float(r.get("df", 1.0) or 1.0) * float(r.get("parallel", 1) or 1)
                  if i_max < UNRATED_KA else None)
        rows.append({"element": f, "type": "feeder", "branch": line, "park": None, "rating_mva": rating})
    for p in grid.park_bus:
        rows.append({"element": p, "type": "park", "branch": None, "park": p, "rating_mva": None})
    out = pd.DataFrame(rows)
    out["rating_mva"] = pd.to_numeric(out["rating_mva"], errors="coerce").astype(float)  # None -> NaN
    return out


def element_flows(grid: Grid, ac, park_net_import_mw: pd.DataFrame | None = None,
                  meta: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(p_forward_mw, s_mva)``: time × element tables (columns = ``meta.element``) from an ACResult.

    ``p_forward_mw`` as in the module doc. ``s_mva`` [MVA] = the current-based loading × rating / 100
    (``√3·U_n·I``: apparent power at rated voltage, pandapower's loading definition) for transformers and feeder
    heads, NaN for the substation exchange and parks. ``park_net_import_mw``: time × park net import of the
    dispatch (NaN columns when not given). Needs ``ac.line_p_from_mw`` / ``ac.trafo_p_hv_mw``.
    """
    meta = element_meta(grid) if meta is None else meta
    idx = ac.summary.index
    n = len(idx)
    P = np.full((n, len(meta)), np.nan)
    S = np.full((n, len(meta)), np.nan)
    heads = feeder_heads(grid)
    for j, r in enumerate(meta.itertuples(index=False)):
        if r.type == "substation":
            P[:, j] = ac.summary["p_ext_grid_mw"].to_numpy(dtype=float)
        elif r.type in ("substation_trafo", "park_trafo"):
            P[:, j] = ac.trafo_p_hv_mw[r.branch].to_numpy(dtype=float)
            S[:, j] = ac.trafo_loading_percent[r.branch].to_numpy(dtype=float) / 100.0 * r.rating_mva
        elif r.type == "feeder":
            P[:, j] = heads[r.element][1] * ac.line_p_from_mw[r.branch].to_numpy(dtype=float)
            S[:, j] = ac.line_loading_percent[r.branch].to_numpy(dtype=float) / 100.0 * r.rating_mva
        elif r.type == "park" and park_net_import_mw is not None and r.element in park_net_import_mw:
            P[:, j] = park_net_import_mw[r.element].reindex(idx).to_numpy(dtype=float)
    cols = meta["element"].tolist()
    return pd.DataFrame(P, index=idx, columns=cols), pd.DataFrame(S, index=idx, columns=cols)


def reverse_flow(p_forward_mw: pd.DataFrame, dt_h: float, weight: np.ndarray | None = None,
                 tol_mw: float = TOL_MW) -> pd.DataFrame:
    """Reverse-flow hours [h], energy [MWh], largest reverse power [MW] and its time per column (module doc).

    ``p_forward_mw``: time × element, forward (load-direction) active power [MW]; ``weight``: per-step weight
    (days of the year each step stands for), 1 by default. Vectorised over time × elements.
    """
    P = p_forward_mw.to_numpy(dtype=float)
    w = np.ones(len(P)) if weight is None else np.asarray(weight, dtype=float)
    rev = np.nan_to_num(-P, nan=0.0)
    on = rev > tol_mw
    hours = (w[:, None] * on).sum(axis=0) * dt_h
    energy = (w[:, None] * np.clip(rev, 0.0, None)).sum(axis=0) * dt_h
    pmax = np.clip(rev, 0.0, None).max(axis=0) if len(P) else np.zeros(P.shape[1])
    k = np.argmax(rev, axis=0) if len(P) else np.zeros(P.shape[1], dtype=int)
    t = np.asarray(p_forward_mw.index)[k] if len(P) else np.full(P.shape[1], None)
    return pd.DataFrame({"reverse_hours_h": hours, "reverse_energy_mwh": energy, "reverse_p_max_mw": pmax,
                         "reverse_p_max_time": np.where(pmax > tol_mw, t, None)},
                        index=pd.Index(p_forward_mw.columns, name="element"))
