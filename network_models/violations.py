"""Counts and worst values of the limit violations in a period of AC results (:class:`ACResult`).

Counted in **steps × elements** (a bus below the band for 3 steps counts 3), from ``ACResult.violations``:

* ``n_undervoltage`` / ``n_overvoltage``: checked buses (``vn_kv <= 20``, in service) outside
  ``[grid.vm_min_pu, grid.vm_max_pu]``;
* ``n_overload_line`` / ``n_overload_trafo``: loading above ``grid.loading_max_percent``;
* ``n_not_converged``: steps without a power-flow solution (each counted once).

Worst values with their time and element: lowest and highest voltage of the checked buses, highest line and
transformer loading (NaN-skipping; non-converged steps have no values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from network_models.builders import Grid
from network_models.powerflow import VOLTAGE_CHECK_MAX_KV


def _worst(df: pd.DataFrame, largest: bool) -> dict:
    A = df.to_numpy(dtype=float)
    if A.size == 0 or np.all(np.isnan(A)):
        return {"value": None, "element": None, "time": None}
    flat = np.nanargmax(A) if largest else np.nanargmin(A)
    t, e = np.unravel_index(flat, A.shape)
    return {"value": float(A[t, e]), "element": str(df.columns[e]), "time": str(df.index[t])}


def violation_summary(grid: Grid, ac) -> dict:
    """The counts and worst values of the module doc, as a JSON-ready dict."""
    v = ac.violations
    trafos = set(ac.trafo_loading_percent.columns)
    over = v[v["kind"] == "overload"] if len(v) else v
    n_over_trafo = int(over["element"].isin(trafos).sum()) if len(over) else 0
    net = grid.net
    chk = (net.bus["vn_kv"].to_numpy() <= VOLTAGE_CHECK_MAX_KV) & net.bus["in_service"].to_numpy(dtype=bool)
    vm = ac.vm_pu.loc[:, chk]
    kinds = v["kind"].value_counts() if len(v) else pd.Series(dtype=int)
    return {
        "n_steps": int(len(ac.summary)),
        "n_undervoltage": int(kinds.get("undervoltage", 0)),
        "n_overvoltage": int(kinds.get("overvoltage", 0)),
        "n_overload_line": int(len(over)) - n_over_trafo,
        "n_overload_trafo": n_over_trafo,
        "n_not_converged": int(ac.n_not_converged),
        "n_total": int(len(v)),
        "vm_min_pu": _worst(vm, False),
        "vm_max_pu": _worst(vm, True),
        "line_loading_max_percent": _worst(ac.line_loading_percent, True),
        "trafo_loading_max_percent": _worst(ac.trafo_loading_percent, True),
        "limits": {"vm_min_pu": grid.vm_min_pu, "vm_max_pu": grid.vm_max_pu,
                   "loading_max_percent": grid.loading_max_percent},
    }
