"""Writing an evaluation folder atomically (same mechanism as :mod:`vpp.outputs`).

Layout of ``<out>/``::

    scenario_resolved.yaml     the evaluated scenario (period, parks) with defaults filled in
    kpis.json                  annual KPIs, savings split, economics, carbon, grid figures, timings
    dispatch_parks.parquet     project: park × step import/export and prices (as ``vpp run``)
    dispatch_assets.parquet    project: asset × step (as ``vpp run``)
    baseline_parks.parquet     baseline: park × step
    costs_parks.parquet        project bill per park; baseline_costs_parks.parquet
    monthly.parquet            park × month: bill and peak of project and baseline
    daily.parquet              park × day: net energy cost, peak, import of project and baseline
    cash_flow.parquet          year 0..N cash flow [CNY] (a year or representative days only)
    windows.parquet            per rolling window: build/update/Pyomo/HiGHS/extract times [s]
    battery_boundaries.parquet battery energy [MWh] at each window boundary (rolling)
    sizing.parquet             --size: chosen size per asset and quantity (MWp/MWh/MW and kWp/kWh/kW), cost
    dr_events.parquet          DR events of the period: payment, penalty, cost change, net benefit per park
    dr_calendars.parquet       --calendars K: per calendar seed, calls, payment, penalty, cost change, net benefit, NPV
    grid_year_elements.parquet run × element (substation, transformers, feeders, parks): rating, reverse-flow hours /
                               energy / largest power, open capacity (load MVA, generation MW) and their hours
    grid_year_reverse_flow.parquet  run × element × month: reverse-flow hours and energy (not with --no-ac)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scenarios.loader import dump
from vpp.outputs import _table, atomic_folder, write_json


def write_evaluation(ev, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        (tmp / "scenario_resolved.yaml").write_text(dump(ev.scenario), encoding="utf-8")
        write_json(tmp / "kpis.json", ev.kpis)
        _table(ev.project.parks, tmp, "dispatch_parks", False)
        _table(ev.project.assets, tmp, "dispatch_assets", False)
        _table(ev.project.costs, tmp, "costs_parks", False)
        _table(ev.baseline.parks, tmp, "baseline_parks", False)
        _table(ev.baseline.costs, tmp, "baseline_costs_parks", False)
        monthly = pd.concat([ev.project.monthly.assign(run="project"), ev.baseline.monthly.assign(run="baseline")], ignore_index=True)
        _table(monthly, tmp, "monthly", False)
        _table(ev.daily, tmp, "daily", False)
        if len(ev.cash_flow):  # a period shorter than a year has no cash flow (no NPV)
            _table(ev.cash_flow, tmp, "cash_flow", False)
        if ev.project.windows is not None:
            _table(ev.project.windows, tmp, "windows", False)
        if getattr(ev, "sizing", None) is not None:
            _table(ev.sizing.table, tmp, "sizing", False)
        if getattr(ev, "dr", None) and ev.dr["events"]:
            _table(pd.DataFrame(ev.dr["events"]), tmp, "dr_events", False)
        if ev.kpis.get("dr_calendars"):
            _table(pd.DataFrame(ev.kpis["dr_calendars"]["calendars"]), tmp, "dr_calendars", False)
        if getattr(ev, "grid_year", None) is not None:
            _table(ev.grid_year.elements, tmp, "grid_year_elements", False)
            _table(ev.grid_year.reverse_flow, tmp, "grid_year_reverse_flow", False)
        if ev.project.e_boundary_mwh is not None and len(ev.project.e_boundary_mwh):
            _table(ev.project.e_boundary_mwh, tmp, "battery_boundaries", False)
    return out_dir
