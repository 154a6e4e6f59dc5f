"""``vpp run``: the one place that runs the steps of a simulation in order.

``scenario -> profiles -> network -> model data -> Pyomo model -> HiGHS -> result tables -> AC check ->
KPIs -> run folder``. The steps themselves live in the dispatch kernel :mod:`vpp.dispatch` (``prepare``,
``model_data``, ``dispatch``, ``ac_check``, ...); they are re-exported here for callers of the earlier
layout. Studies (DR, capacity, VPP, evaluation) import the kernel from :mod:`vpp.dispatch`, not from
this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from optimization.results import DispatchResult
from scenarios.schema import Scenario
from vpp.closed_loop import run_constrained
from vpp.dispatch import (  # noqa: F401  (re-exported: the kernel's names as they were in this module)
    IMPORT_LIMIT_POWER_FACTOR,
    STRATEGIES,
    Prepared,
    ac_check,
    asset_inputs,
    dispatch,
    export_price_for_model,
    model_data,
    park_inputs,
    prepare,
)
from vpp.kpis import dispatch_kpis, grid_kpis
from vpp.outputs import write_json, write_run
from vpp.profiles import input_notes


@dataclass
class RunResult:
    scenario: Scenario
    prepared: Prepared
    dispatch: DispatchResult
    ac: Any | None
    kpis: dict[str, Any]
    timings_s: dict[str, float]


def run(
    scn: Scenario,
    strategy: str = "optimised",
    *,
    out_dir: str | Path | None = None,
    csv: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> RunResult:
    """Run a scenario end to end and (optionally) write the run folder."""
    say = log or (lambda msg: None)
    t_start = time.perf_counter()
    say(f"profiles and network for '{scn.name}' ({scn.horizon.days} day(s) from {scn.horizon.start})")
    prep = prepare(scn)
    for note in prep.profiles.data_notes:
        say(f"data: {note}")
    say(f"dispatch ({strategy})")
    constrained = None
    if scn.network_constraints.mode == "linear" and strategy == "optimised":
        constrained = run_constrained(prep, strategy, log=say)
        res = constrained.dispatch
        res.timings_s = {"network_constrained_" + k: v for k, v in constrained.timings_s.items()}
    else:
        res = dispatch(prep, strategy)
    ac = None
    t_ac = 0.0
    if constrained is not None and scn.ac_check.enabled:
        ac = constrained.ac  # the closed loop's last AC power flow of this very dispatch
    elif scn.ac_check.enabled:
        say(f"AC power flow of {len(prep.profiles.index)} steps")
        t0 = time.perf_counter()
        ac = ac_check(prep, res, progress=progress)
        t_ac = time.perf_counter() - t0
    kpis = dispatch_kpis(scn, res, prep.profiles.dt_h, prep.capacity_mva)
    if ac is not None:
        kpis.update(grid_kpis(ac, prep.profiles.dt_h))
    kpis["inputs"] = input_notes(scn, prep.profiles)
    kpis["solver"] = res.solve.as_dict() if res.solve else None
    if constrained is not None:
        kpis["network_constraints"] = constrained.kpis()
    timings = {**prep.timings_s, **res.timings_s, "ac_check_s": t_ac}
    result = RunResult(scn, prep, res, ac, kpis, timings)
    if out_dir is not None:
        t0 = time.perf_counter()
        write_run(result, Path(out_dir), csv=csv)
        timings["write_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - t_start
    kpis["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    if out_dir is not None:
        write_json(Path(out_dir) / "kpis.json", kpis)
    return result
