"""Hosting capacity of every park connection point, and the capacity its flexibility releases.

Method
------
For each park ``p`` a probe element is added at the park's bus (``<park>_lv`` behind the park's own
transformers, or the connection bus for a direct connection): a load ``hc_load_<park>`` with
``cos φ = 0.95`` lagging (``q = p · tan φ``) and a static generator ``hc_pv_<park>`` at unity power
factor. With every other asset held at a *snapshot*, the largest probe power ``x`` [MW] is searched for
which the AC power flow still satisfies **all** limits of the network:

* voltage band ``grid.vm_min_pu <= vm_pu <= grid.vm_max_pu`` on every bus of <= 20 kV,
* ``loading_percent <= grid.loading_max_percent`` on every line and transformer (the parks' own
  10/0.4 kV transformers included; loading definitions as in :mod:`network_models.powerflow`),
* the power flow converges (a diverging case counts as infeasible: voltage collapse).

Search: ``x = 0`` is checked first (a snapshot that already violates a limit has hosting 0 and reports
that violation); then ``x = 1, 2, 4, … MW`` until infeasible (at most :data:`X_MAX_MW`), then bisection
until ``hi − lo <= tol_mw``; the reported hosting is the last feasible ``lo`` (so the true value lies in
``[lo, lo + tol_mw]``) and the *binding* element is the worst violation at ``hi`` (largest exceedance
relative to its limit). All parks and cases are bisected together: each iteration is one batch power
flow (one scenario per park × case) with :func:`network_models.batch.run_timeseries_batch`, or one
pandapower power flow per row with ``engine='pandapower'``. Bisection assumes the feasible set is an
interval starting at 0, true for a load or a generator added to a radial feeder whose base case is feasible.

Snapshots (``p_inject`` of the scenario's assets; all assets of other kinds at 0)
-------------------------------------------------------------------------------
* **load** — every fixed, interruptible and thermal-storage load at ``p_peak_mw`` (Q from its ``cos_phi``): the
  coincident-peak case of ``vpp network``.
* **pv** — every such load at its minimum: ``p_peak_mw · min_h s(h)`` with ``s`` the
  archetype's per-unit daily shape (domain §6.2; noise, weekend and seasonal factors ignored; 0 for a
  load with a measured profile), every PV
  at its AC rating ``p_mwp / dc_ac_ratio``.
* **load_flex** — the load snapshot, with the park's own batteries discharging at ``p_max_mw`` (unity
  power factor) and its interruptible loads curtailed by ``p_curtail_max_mw`` (consuming
  ``p_peak_mw − p_curtail_max_mw`` at their ``cos_phi``). ``released_mw = hosting(load_flex) −
  hosting(load)``: the extra load the park's flexibility lets the feeder accept at that instant.
  With a thermal limit ``|S| <= S_max`` and a lagging load, a unity-pf discharge of ``b`` MW releases
  about ``b · cos²φ`` MW of load at that pf (not ``b``), while curtailing load at the same pf releases it 1:1.

Year cases (``cases=...``, the default of ``vpp network --hosting``)
-------------------------------------------------------------------
Instead of the two snapshots, the caller (:mod:`vpp.evaluation.hosting_year`, which runs the year's AC) gives
per park a few *binding candidates*: real steps of a year of injections, each a full injection vector of the
scenario's assets. The **load** and **load_flex** cases of a park are bisected on each of its load candidates
and the **pv** case on each of its PV candidates; the park's hosting is the **smallest** over its candidates
(``*_time`` names the step that binds). The same bisection and limits apply; only the base cases differ.

Limitations: a snapshot (or candidate step) at a time, not a continuous time series; other parks'
flexibility stays idle; tap changers are fixed; the N-1 criterion is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandapower as pp

from network_models.batch import build_pgm_model, copy_grid, run_timeseries_batch
from network_models.summary import is_peak_load
from network_models.builders import Grid, build_grid
from network_models.mapping import TABLES, AssetElements, attach_assets
from network_models.powerflow import run_timeseries
from scenarios.schema import Scenario
from vpp.errors import NetworkError

PROBE_COS_PHI = 0.95
TOL_MW = 0.05
X_START_MW = 1.0
X_MAX_MW = 1024.0
CASES = ("load", "pv", "load_flex")
ENGINES = ("power_grid_model", "pandapower")


@dataclass
class _Row:
    park: str
    case: str
    probe: str  # probe asset name
    base: np.ndarray  # snapshot injections [MW] aligned with the extended elements
    label: str | None = None  # the candidate step of a year case (None for the snapshots)


def _extend(grid: Grid, el: AssetElements, scn: Scenario) -> AssetElements:
    """Add one probe load and one probe sgen per park at its bus; return elements covering assets + probes."""
    net = grid.net
    names, element, kind = list(el.names), dict(el.element), dict(el.kind)
    tan = list(el.tan_phi)
    for p in scn.parks:
        bus = grid.park_bus[p.name]
        for name, table in ((f"hc_load_{p.name}", "load"), (f"hc_pv_{p.name}", "sgen")):
            if name in element:
                raise NetworkError(f"asset name '{name}' clashes with the hosting-capacity probe of park '{p.name}'")
            create = pp.create_load if table == "load" else pp.create_sgen
            idx = int(create(net, bus, p_mw=0.0, q_mvar=0.0, name=name))
            names.append(name)
            element[name] = (table, idx)
            kind[name] = "fixed_load" if table == "load" else "pv"
            tan.append(float(np.tan(np.arccos(PROBE_COS_PHI))) if table == "load" else 0.0)
    pos, row = {}, {}
    for t in TABLES:
        ps = [i for i, n in enumerate(names) if element[n][0] == t]
        pos[t] = np.asarray(ps, dtype=np.int64)
        row[t] = net[t].index.get_indexer([element[names[i]][1] for i in ps]).astype(np.int64)
    return AssetElements(names=names, element=element, kind=kind, pos=pos, row=row,
                         tan_phi=np.asarray(tan, dtype=float))


def _min_shape(archetype: str | None) -> float:
    """Lowest per-unit value of an archetype's daily shape; 0 for a load with a measured profile (the
    snapshot does not read files: its minimum is taken as zero, the conservative case for PV hosting)."""
    if archetype is None:
        return 0.0
    from vpp.domain import load_shape

    return float(np.min(load_shape(archetype)))


def snapshots(scn: Scenario, el: AssetElements) -> dict[str, np.ndarray]:
    """``{'load', 'pv'}`` -> injection [MW] per element of ``el`` (probes 0), see the module doc."""
    peak = np.zeros(len(el.names))
    low = np.zeros(len(el.names))
    for _, a in scn.assets():
        i = el.index_of(a.name)
        if is_peak_load(a):  # same snapshot definition as `vpp network`
            peak[i] = -float(a.p_peak_mw)
            low[i] = -float(a.p_peak_mw) * _min_shape(a.archetype)
        elif a.kind == "pv":
            low[i] = float(a.p_ac_max_mw)
    return {"load": peak, "pv": low}


def _flex(scn: Scenario, park_name: str, el: AssetElements, base: np.ndarray) -> tuple[np.ndarray, float]:
    """Load snapshot with the park's batteries discharging at p_max_mw and its interruptible loads curtailed."""
    x = base.copy()
    flex = 0.0
    park = next(p for p in scn.parks if p.name == park_name)
    for a in park.assets:
        if a.kind == "battery":
            x[el.index_of(a.name)] = float(a.p_max_mw)
            flex += float(a.p_max_mw)
        elif a.kind == "interruptible_load":
            x[el.index_of(a.name)] = -(float(a.p_peak_mw) - float(a.p_curtail_max_mw))
            flex += float(a.p_curtail_max_mw)
    return x, flex


def _evaluate(grid, el, rows: list[_Row], x: np.ndarray, engine: str, pgm):
    """Feasibility of every row at probe power ``x[row]`` [MW]; returns (feasible, ACResult)."""
    P = np.vstack([r.base for r in rows])
    for k, r in enumerate(rows):
        i = el.index_of(r.probe)
        P[k, i] = -x[k] if r.probe.startswith("hc_load_") else x[k]
    df = pd.DataFrame(P, columns=el.names, index=pd.RangeIndex(len(rows)))
    if engine == "pandapower":
        ac = run_timeseries(grid, el, df)
    else:
        ac = run_timeseries_batch(grid, el, df, pgm=pgm)
    s = ac.summary
    ok = s["converged"].to_numpy(dtype=bool) & (s["n_voltage_violations"].fillna(1).to_numpy() == 0) & (
        s["n_overloads"].fillna(1).to_numpy() == 0)
    return ok, ac


def _binding(ac, k: int) -> dict:
    """Worst violation of row ``k`` (largest exceedance relative to its limit)."""
    if not bool(ac.summary["converged"].iloc[k]):
        return {"element": None, "kind": "no power-flow solution (voltage collapse)", "value": None, "limit": None}
    v = ac.violations[ac.violations["time"] == k]
    if v.empty:
        return {"element": None, "kind": "none", "value": None, "limit": None}
    excess = np.where(v["kind"] == "undervoltage", (v["limit"] - v["value"]) / v["limit"],
                      (v["value"] - v["limit"]) / v["limit"])
    w = v.iloc[int(np.argmax(excess))]
    return {"element": str(w["element"]), "kind": str(w["kind"]), "value": float(w["value"]),
            "limit": float(w["limit"])}


def bisect_hosting(grid: Grid, el: AssetElements, rows: list[_Row], engine: str = "power_grid_model",
                   tol_mw: float = TOL_MW) -> list[dict]:
    """Vectorised bracket + bisection of the probe power of every row (see the module doc).

    Returns one dict per row: ``hosting_mw`` (last feasible probe power [MW]), ``binding`` (worst violation
    at the first infeasible probe power tried above it), ``preexisting`` (True when the snapshot itself
    violates a limit), ``capped`` (True when still feasible at :data:`X_MAX_MW`).
    """
    if engine not in ENGINES:
        raise NetworkError(f"unknown hosting engine '{engine}' (choose from {', '.join(ENGINES)})")
    pgm = build_pgm_model(grid) if engine == "power_grid_model" else None
    n = len(rows)
    ok0, ac0 = _evaluate(grid, el, rows, np.zeros(n), engine, pgm)
    lo = np.zeros(n)
    hi = np.full(n, X_START_MW)
    binding: list[dict | None] = [None if ok0[k] else _binding(ac0, k) for k in range(n)]
    done = ~ok0
    # bracket: double hi while feasible
    growing = ok0.copy()
    while growing.any():
        ok, ac = _evaluate(grid, el, rows, hi, engine, pgm)
        for k in np.flatnonzero(growing & ~ok):
            binding[k] = _binding(ac, k)
        up = growing & ok
        lo[up] = hi[up]
        capped = up & (hi >= X_MAX_MW)
        hi[up & ~capped] *= 2.0
        growing = up & ~capped
        done |= capped
    # bisection on the bracketed rows
    active = ~done & (hi - lo > tol_mw)
    while active.any():
        mid = np.where(active, 0.5 * (lo + hi), lo)
        ok, ac = _evaluate(grid, el, rows, mid, engine, pgm)
        for k in np.flatnonzero(active):
            if ok[k]:
                lo[k] = mid[k]
            else:
                hi[k] = mid[k]
                binding[k] = _binding(ac, k)
        active = ~done & (hi - lo > tol_mw)
    out = []
    for k in range(n):
        out.append({"hosting_mw": float(lo[k]), "binding": binding[k] or
                    {"element": None, "kind": f"none up to {X_MAX_MW:g} MW", "value": None, "limit": None},
                    "preexisting": bool(not ok0[k]), "capped": bool(ok0[k] and lo[k] >= X_MAX_MW)})
    return out


def hosting_capacity(scn: Scenario, engine: str = "power_grid_model", tol_mw: float = TOL_MW,
                     cases: dict | None = None, cases_note: str | None = None) -> dict:
    """Hosting capacity for extra load and extra PV at every park, and the capacity its flexibility releases.

    Parameters
    ----------
    scn : Scenario
    engine : ``'power_grid_model'`` (batch bisection, default) or ``'pandapower'`` (reference)
    tol_mw : float
        Bisection tolerance [MW].
    cases : dict or None
        ``None``: the two snapshots (module doc). Else the year cases: ``{park: {'load': [(label, inj), ...],
        'pv': [(label, inj), ...]}}`` with ``inj`` a mapping asset name -> injection [MW] (positive into the
        grid; every asset of the scenario) and ``label`` the step (e.g. its time). ``cases_note`` is reported.

    Returns
    -------
    dict
        ``name, engine, tol_mw, probe_cos_phi, vm_min_pu, vm_max_pu, loading_max_percent`` and ``parks``:
        one dict per park with ``park, bus`` (connection bus), ``probe_bus``, ``load_mw`` /
        ``load_binding`` (extra load at cos φ 0.95 on the peak snapshot and its binding limit), ``pv_mw`` /
        ``pv_binding`` (extra unity-pf PV on the min-load/max-PV snapshot), ``flex_mw`` (battery
        ``p_max_mw`` + interruptible ``p_curtail_max_mw`` of the park), ``load_flex_mw`` /
        ``load_flex_binding`` and ``released_mw = load_flex_mw − load_mw`` (``None`` when the flexible
        snapshot itself violates a limit). Binding dicts have
        ``element, kind, value, limit``; ``*_preexisting`` flags a snapshot that already violates a limit.
        With ``cases``: ``*_time`` (label of the binding candidate) and ``*_candidates`` (how many were tried);
        the top level has ``cases`` (``'snapshot'`` or ``'year'``) and ``cases_note``.
    """
    grid = copy_grid(build_grid(scn))
    el = attach_assets(grid, scn)
    el = _extend(grid, el, scn)
    rows: list[_Row] = []
    flex_of: dict[str, float] = {}
    if cases is None:
        snap = snapshots(scn, el)
        for p in scn.parks:
            flex_base, flex_of[p.name] = _flex(scn, p.name, el, snap["load"])
            rows += [_Row(p.name, "load", f"hc_load_{p.name}", snap["load"]),
                     _Row(p.name, "pv", f"hc_pv_{p.name}", snap["pv"]),
                     _Row(p.name, "load_flex", f"hc_load_{p.name}", flex_base)]
    else:
        for p in scn.parks:
            c = cases.get(p.name) or {}
            if not c.get("load") or not c.get("pv"):
                raise NetworkError(f"hosting cases: park '{p.name}' needs at least one 'load' and one 'pv' candidate")
            for label, inj in c["load"]:
                base = el.to_array(inj, fill=0.0)
                flex_base, flex_of[p.name] = _flex(scn, p.name, el, base)
                rows += [_Row(p.name, "load", f"hc_load_{p.name}", base, str(label)),
                         _Row(p.name, "load_flex", f"hc_load_{p.name}", flex_base, str(label))]
            rows += [_Row(p.name, "pv", f"hc_pv_{p.name}", el.to_array(inj, fill=0.0), str(label))
                     for label, inj in c["pv"]]
    res = bisect_hosting(grid, el, rows, engine=engine, tol_mw=tol_mw)
    bus_name = {i: n for n, i in grid.bus.items()}
    parks = []
    for p in scn.parks:
        d = {"park": p.name, "bus": p.connection.bus, "probe_bus": bus_name[grid.park_bus[p.name]]}
        for case in CASES:
            cand = [(res[k], row.label) for k, row in enumerate(rows) if row.park == p.name and row.case == case]
            r, label = min(cand, key=lambda x: x[0]["hosting_mw"])  # the binding candidate
            d[f"{case}_mw"] = r["hosting_mw"]
            d[f"{case}_binding"] = r["binding"]
            d[f"{case}_preexisting"] = r["preexisting"]
            if cases is not None:
                d[f"{case}_time"] = label
                d[f"{case}_candidates"] = len(cand)
        d["flex_mw"] = flex_of[p.name]
        # undefined when even the flexible snapshot violates a limit
        d["released_mw"] = None if d["load_flex_preexisting"] else d["load_flex_mw"] - d["load_mw"]
        parks.append(d)
    return {"name": scn.name, "engine": engine, "tol_mw": tol_mw, "probe_cos_phi": PROBE_COS_PHI,
            "cases": "snapshot" if cases is None else "year", "cases_note": cases_note,
            "vm_min_pu": grid.vm_min_pu, "vm_max_pu": grid.vm_max_pu,
            "loading_max_percent": grid.loading_max_percent, "parks": parks}


def _bind(b: dict, pre: bool) -> str:
    if b["element"] is None:
        s = b["kind"]
    else:
        unit = " pu" if b["kind"] in ("undervoltage", "overvoltage") else " %"
        fmt = ".4f" if unit == " pu" else ".1f"
        s = f"{b['element']} {b['kind']} {format(b['value'], fmt)}{unit}"
    return ("already: " + s) if pre else s


def _num(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def format_hosting(d: dict) -> str:
    """Plain-text table of a :func:`hosting_capacity` dict, for the CLI."""
    year = d.get("cases") == "year"
    out = [f"Hosting capacity of '{d['name']}' (AC, {d['engine']}; bisection ±{d['tol_mw']} MW; "
           f"limits {d['vm_min_pu']}-{d['vm_max_pu']} pu, loading <= {d['loading_max_percent']:g} %)",
           ("cases from the year (" + (d.get("cases_note") or "") + "): extra load at cos phi 0.95 and extra PV (unity pf) "
            "on the park's worst steps, the smallest over them" if year else
            "snapshots: extra load at cos phi 0.95 on the coincident peak; extra PV (unity pf) on min load + max PV"),
           "released = extra load accepted with the park's batteries at p_max and interruptible loads curtailed",
           *([f"note: {d['cases_note']}"] if not year and d.get("cases_note") else []),
           "",
           f"{'park':<18} {'load_mw':>8} {'pv_mw':>8} {'flex_mw':>8} {'load+flex':>9} {'released':>8}  binding (load | pv)"]
    for p in d["parks"]:
        when = (f"  [load {p['load_time']}, pv {p['pv_time']}]") if year else ""
        out.append(f"{p['park']:<18} {p['load_mw']:>8.2f} {p['pv_mw']:>8.2f} {p['flex_mw']:>8.2f} "
                   f"{p['load_flex_mw']:>9.2f} {_num(p['released_mw']):>8}  "
                   f"{_bind(p['load_binding'], p['load_preexisting'])} | {_bind(p['pv_binding'], p['pv_preexisting'])}{when}")
    return "\n".join(out)
