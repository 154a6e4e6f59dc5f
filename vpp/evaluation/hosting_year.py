"""Hosting capacity on the year: binding cases taken from a year of AC results instead of two snapshots.

``vpp network SCENARIO --hosting`` (default ``--hosting-cases year``):

1. a year of injections at the scenario resolution (1 January – 31 December of ``year``, default the year of
   the scenario start) by the **no-control rule** (:func:`rule_injections`, no optimiser): fixed,
   interruptible and thermal-storage loads follow their profile (Q from ``cos_phi``), PV injects all it has
   available, EVs charge on arrival at full power, batteries idle; data centres at IT × PUE(T); DC-bus buildings exchange DC PV − DC load through the converter;
2. one AC batch over every step (:func:`vpp.dispatch.ac.run_engine`, the scenario's engine);
3. per park the **candidate steps** (each a real step: the full injection vector of all assets at that step):

   * load (and load_flex): the step of the park's maximum net import, of its transformer's maximum loading, of
     its feeder head's maximum loading, of the lowest voltage at its probe bus, and the district's maximum
     import from 110 kV;
   * PV: the step of the park's maximum export (minimum net import), of the largest reverse (minimum forward)
     flow on its feeder head and on its transformer, of the highest voltage at its probe bus, and the district's
     minimum import;

4. :func:`network_models.hosting.hosting_capacity` bisects the probe on every candidate; a park's hosting is
   the smallest over its candidates, reported with the binding step.

So load hosting is no longer "every load at its nominal peak at once" and PV hosting no longer "night minimum
load with noon PV": both are checked on what the year's profiles actually put together. ``--hosting-cases
snapshot`` keeps the snapshots. Not in the rule: shiftable loads and air conditioning (0 MW: their
consumption depends on the dispatch), DR and storage operation (ASSUMPTION: the uncontrolled year).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from scenarios.schema import Scenario

HOSTING_CASES = ("auto", "year", "snapshot")


def rule_injections(scn: Scenario, profiles) -> pd.DataFrame:
    """time × asset injection [MW] (positive into the grid) of the no-control rule (module doc); a data centre
    draws IT × PUE(T), a DC-bus building exchanges (DC PV − DC load) through its converter (η_inv out, 1/η_rect in)."""
    from vpp.assets.data_centre import pue_of_spec
    from vpp.assets.ev_charging import greedy_profile, session_windows

    idx, dt_h = profiles.index, profiles.dt_h
    cols = {}
    for _, a in scn.assets():
        if a.name in profiles.load_mw:
            cols[a.name] = -profiles.load_mw[a.name].to_numpy(dtype=float)
        elif a.name in profiles.pv_available_mw:
            cols[a.name] = profiles.pv_available_mw[a.name].to_numpy(dtype=float)
        elif a.name in profiles.ev_sessions:
            w = session_windows(profiles.ev_sessions[a.name], idx, dt_h)
            cols[a.name] = -greedy_profile(w, len(idx), dt_h).sum(axis=0)
        elif a.kind == "data_centre":  # IT × PUE(T): the facility with its flexibility unused
            x = profiles.inputs[a.name]
            cols[a.name] = -x["p_it_mw"].to_numpy(dtype=float) * pue_of_spec(a, x["t_out_c"].to_numpy(dtype=float))
        elif a.kind == "dc_building":  # DC PV − DC load through the converter, battery idle, loads unshifted
            x = profiles.inputs[a.name]
            dc = x["p_pv_dc_mw"].to_numpy(dtype=float) - x["p_load_dc_mw"].to_numpy(dtype=float)
            cols[a.name] = np.where(dc > 0, dc * a.eta_inverter, dc / a.eta_rectifier)
        else:  # batteries idle; shiftable loads and air conditioning are not in the rule
            cols[a.name] = np.zeros(len(idx))
    return pd.DataFrame(cols, index=idx)


def year_scenario(scn: Scenario, year: int | None) -> Scenario:
    """The scenario over the whole calendar year ``year`` (default: the year of its start)."""
    y = int(year) if year is not None else scn.horizon.start.year
    days = (dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days
    return scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"start": dt.date(y, 1, 1), "days": days})})


def year_cases(scn: Scenario, year: int | None = None) -> tuple[dict[str, dict[str, list]], str]:
    """``(cases, note)`` for :func:`network_models.hosting.hosting_capacity` (module doc)."""
    from network_models.builders import build_grid
    from network_models.mapping import attach_assets
    from network_models.reverse_flow import feeder_heads
    from vpp.dispatch.ac import run_engine
    from vpp.profiles import build_profiles

    ys = year_scenario(scn, year)
    prof = build_profiles(ys)
    P = rule_injections(ys, prof)
    grid = build_grid(ys)
    el = attach_assets(grid, ys)
    ac = run_engine(ys.ac_check.engine, grid, el, P, None)
    ok = ac.summary["converged"].to_numpy(dtype=bool)
    bus_name = {i: n for n, i in grid.bus.items()}
    trafo_name = {int(i): str(n) for i, n in zip(grid.net.trafo.index, grid.net.trafo["name"])}
    heads = feeder_heads(grid)
    ext = ac.summary["p_ext_grid_mw"].to_numpy(dtype=float)

    def arg(x: np.ndarray, largest: bool) -> int | None:
        x = np.where(ok, x, np.nan)
        if np.all(np.isnan(x)):
            return None
        return int(np.nanargmax(x) if largest else np.nanargmin(x))

    names = P.columns.tolist()
    A = P.to_numpy()
    cases: dict[str, dict[str, list]] = {}
    for p in ys.parks:
        own = [a.name for a in p.assets]
        net_import = -P[own].sum(axis=1).to_numpy()
        load = [arg(net_import, True), arg(ext, True)]
        pv = [arg(net_import, False), arg(ext, False)]
        vm = ac.vm_pu[bus_name[grid.park_bus[p.name]]].to_numpy(dtype=float)
        load.append(arg(vm, False))
        pv.append(arg(vm, True))
        t = grid.park_trafo.get(p.name)
        if t is not None:
            tr = trafo_name[int(t)]
            load.append(arg(ac.trafo_loading_percent[tr].to_numpy(dtype=float), True))
            pv.append(arg(ac.trafo_p_hv_mw[tr].to_numpy(dtype=float), False))
        f = grid.park_feeder.get(p.name)
        if f is not None and f in heads:
            line, sign = heads[f]
            load.append(arg(ac.line_loading_percent[line].to_numpy(dtype=float), True))
            pv.append(arg(sign * ac.line_p_from_mw[line].to_numpy(dtype=float), False))
        cases[p.name] = {
            case: [(str(P.index[k]), dict(zip(names, A[k]))) for k in dict.fromkeys(x for x in ks if x is not None)]
            for case, ks in (("load", load), ("pv", pv))
        }
    note = (f"{len(P):,} steps of {ys.horizon.start.year}, no-control rule: loads on profile, PV as available, "
            f"EVs on arrival, batteries idle; {int((~ok).sum())} steps not converged")
    return cases, note


def hosting(scn: Scenario, cases: str = "auto", year: int | None = None, engine: str = "power_grid_model") -> dict[str, Any]:
    """Hosting capacity with the year cases or the snapshots.

    ``cases``: ``'year'`` (an error when the year of profiles cannot be built, e.g. a measured profile that
    does not cover it), ``'snapshot'``, or ``'auto'`` (default): the year where its profiles can be built, else
    the snapshots, with the reason in ``cases_note``.
    """
    from network_models.hosting import hosting_capacity
    from vpp.errors import VppError

    if cases not in HOSTING_CASES:
        raise VppError(f"unknown hosting cases '{cases}' (choose from {', '.join(HOSTING_CASES)})")
    if cases == "snapshot":
        return hosting_capacity(scn, engine=engine)
    try:
        c, note = year_cases(scn, year)
    except VppError as exc:
        if cases == "year":
            raise
        out = hosting_capacity(scn, engine=engine)
        out["cases_note"] = f"no year of profiles ({exc}): snapshots used"
        return out
    return hosting_capacity(scn, engine=engine, cases=c, cases_note=note)
