"""Network summary for the CLI: element counts, feeders, park connections and a peak-load power flow.

The peak case sets every fixed, interruptible and thermal-storage load to its ``p_peak_mw`` (Q from its ``cos_phi``,
lagging) and every other asset (PV, battery, EV charging) to 0, on a *copy* of the net; it is a
coincident-peak upper bound, not a simulated instant.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from network_models.builders import Grid, park_capacity_mva
from network_models.mapping import apply_injections, attach_assets
from network_models.powerflow import run_base_case
from scenarios.schema import Scenario


def is_peak_load(asset) -> bool:
    """Whether the asset's ``p_peak_mw`` (nominal daily peak) enters the peak case (its kind declares
    it: ``peak_load`` in :class:`scenarios.base.AssetBase`)."""
    return bool(type(asset).peak_load)


def summarise(grid: Grid, scn: Scenario) -> dict:
    """Counts, feeders, parks and a peak-load AC power flow of ``grid`` (built from ``scn``).

    Returns
    -------
    dict
        ``name, kind, n_buses, n_lines, n_trafos, n_feeders``; ``feeders``: list of
        ``{name, length_km, cable_types, parks}``; ``parks``: list of ``{name, bus, feeder,
        transformer_type, n_transformers, capacity_mva, p_peak_mw}`` (``p_peak_mw``: sum of fixed and
        interruptible loads' peaks [MW]); ``peak_case``: the :func:`run_base_case` dict of the
        peak-load power flow (without the violations list) plus ``p_load_mw`` [MW].
    """
    net = grid.net
    line_by_name = {str(n): i for i, n in zip(net.line.index, net.line["name"])}
    parks_on: dict[str, list[str]] = {}
    for p, f in grid.park_feeder.items():
        if f is not None:
            parks_on.setdefault(f, []).append(p)
    feeders = []
    for f, lines in grid.feeders.items():
        idx = [line_by_name[n] for n in lines]
        feeders.append({
            "name": f,
            "length_km": float(net.line.loc[idx, "length_km"].sum()),
            "cable_types": sorted({str(t) for t in net.line.loc[idx, "std_type"]}),
            "parks": parks_on.get(f, []),
        })

    parks = []
    peak_p: dict[str, float] = {}
    for p in scn.parks:
        c = p.connection
        loads = [a for a in p.assets if is_peak_load(a)]
        for a in p.assets:
            peak_p[a.name] = -float(a.p_peak_mw) if is_peak_load(a) else 0.0
        parks.append({
            "name": p.name,
            "bus": c.bus,
            "feeder": grid.park_feeder.get(p.name),
            "transformer_type": c.transformer_type,
            "n_transformers": c.n_transformers if c.transformer_type else 0,
            "capacity_mva": park_capacity_mva(grid, p.name),
            "p_peak_mw": float(sum(a.p_peak_mw for a in loads)),
        })

    g2 = dataclasses.replace(grid, net=copy.deepcopy(net), bus=dict(grid.bus))
    el = attach_assets(g2, scn)
    apply_injections(g2, el, peak_p, None)
    pf = run_base_case(g2)
    pf.pop("violations", None)
    pf["p_load_mw"] = -float(sum(peak_p.values()))

    return {
        "name": scn.name,
        "kind": grid.kind,
        "n_buses": int(len(net.bus)),
        "n_lines": int(len(net.line)),
        "n_trafos": int(len(net.trafo)),
        "n_feeders": len(grid.feeders),
        "feeders": feeders,
        "parks": parks,
        "peak_case": pf,
    }


def _f(x, fmt: str = ".3f") -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return format(x, fmt)


def format_summary(d: dict) -> str:
    """Plain-text tables of a :func:`summarise` dict, for the CLI."""
    out = [f"Network '{d['name']}' ({d['kind']}): {d['n_buses']} buses, {d['n_lines']} lines, "
           f"{d['n_trafos']} transformers, {d['n_feeders']} feeders"]
    if d["feeders"]:
        out += ["", f"{'feeder':<20} {'length_km':>9}  {'cable types':<40} parks"]
        for f in d["feeders"]:
            out.append(f"{f['name']:<20} {f['length_km']:>9.3f}  {', '.join(f['cable_types']):<40} "
                       f"{', '.join(f['parks']) or '-'}")
    out += ["", f"{'park':<20} {'bus':<20} {'feeder':<14} {'transformer':<24} {'cap_mva':>8} {'peak_mw':>8}"]
    for p in d["parks"]:
        tr = f"{p['n_transformers']} x {p['transformer_type']}" if p["transformer_type"] else "direct"
        out.append(f"{p['name']:<20} {p['bus']:<20} {p['feeder'] or '-':<14} {tr:<24} "
                   f"{_f(p['capacity_mva'], '8.2f'):>8} {p['p_peak_mw']:>8.3f}")
    pc = d["peak_case"]
    out += ["", "Peak-load AC power flow (fixed/interruptible/thermal loads at p_peak_mw, other assets 0):"]
    if not pc["converged"]:
        out.append("  did NOT converge")
    else:
        out += [
            f"  load {pc['p_load_mw']:.3f} MW, import {pc['p_ext_grid_mw']:.3f} MW / {pc['q_ext_grid_mvar']:.3f} MVAr, "
            f"losses {pc['losses_mw'] * 1000:.1f} kW",
            f"  vm_pu min {_f(pc['vm_min_pu'], '.4f')} ({pc['vm_min_bus']}), max {_f(pc['vm_max_pu'], '.4f')} ({pc['vm_max_bus']})",
            f"  max line loading {_f(pc['line_loading_max_percent'], '.1f')} % ({pc['line_loading_max_name']}), "
            f"max trafo loading {_f(pc['trafo_loading_max_percent'], '.1f')} % ({pc['trafo_loading_max_name']})",
            f"  voltage violations {pc['n_voltage_violations']}, overloads {pc['n_overloads']}",
        ]
    return "\n".join(out)
