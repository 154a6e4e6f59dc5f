"""The dispatch LP of a prepared scenario: build, apply the strategy, solve with HiGHS, result tables."""

from __future__ import annotations

import time

import numpy as np

from optimization import build_model, fix_baseline
from optimization.results import DispatchResult, extract
from optimization.session import solve
from vpp.dispatch.prepare import Prepared, model_data

STRATEGIES = ("optimised", "baseline")


def dispatch(prep: Prepared, strategy: str = "optimised") -> DispatchResult:
    """Build the LP, apply the strategy, solve with HiGHS and return the result tables."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy '{strategy}' (choose from {', '.join(STRATEGIES)})")
    scn = prep.scenario
    t0 = time.perf_counter()
    data = model_data(scn, prep.profiles, prep.capacity_mva)
    dm = build_model(data)
    if strategy == "baseline":
        fix_baseline(dm)
    t1 = time.perf_counter()
    info = solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    t2 = time.perf_counter()
    res = extract(dm, info, strategy=strategy)
    res.parks["period"] = np.tile(prep.profiles.prices["period"].to_numpy(), len(scn.parks))
    t3 = time.perf_counter()
    res.timings_s = {"build_s": t1 - t0, "solve_s": t2 - t1, "highs_s": info.highs_s, "extract_s": t3 - t2}
    return res
