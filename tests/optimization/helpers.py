"""Small hand-built models for the optimisation tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

import vpp.assets  # noqa: F401
from optimization import AssetInput, ModelData, ParkInput


def make_data(prices, assets, *, dt_h=1.0, export=None, demand=0.0, p_import_max=None, p_export_max=None,
              no_reverse_flow=False, start="2025-07-22"):
    """One park 'p' holding ``assets`` (list of (spec, profile dict))."""
    n = len(prices)
    idx = pd.date_range(start, periods=n, freq=f"{int(dt_h * 60)}min", tz="Asia/Shanghai", name="time")
    by_kind: dict[str, list[AssetInput]] = {}
    for spec, prof in assets:
        by_kind.setdefault(spec.kind, []).append(AssetInput(spec.name, "p", spec, prof or {}))
    return ModelData(
        index=idx,
        dt_h=dt_h,
        price_cny_per_mwh=np.asarray(prices, dtype=float),
        export_price_cny_per_mwh=np.zeros(n) if export is None else np.asarray(export, dtype=float),
        month=np.array(idx.strftime("%Y-%m")),
        demand_charge_cny_per_mw_month=demand,
        parks=[ParkInput("p", [s.name for s, _ in assets], p_import_max, p_export_max, no_reverse_flow)],
        assets=by_kind,
    )


def sessions(rows, start="2025-07-22"):
    """rows: (arrival hour, departure hour, e_mwh, p_max_mw)."""
    t0 = pd.Timestamp(start, tz="Asia/Shanghai")
    return pd.DataFrame(
        {
            "session": [f"s{i}" for i in range(len(rows))],
            "charger": list(range(len(rows))),
            "arrival": [t0 + pd.Timedelta(hours=a) for a, _, _, _ in rows],
            "departure": [t0 + pd.Timedelta(hours=d) for _, d, _, _ in rows],
            "e_mwh": [e for _, _, e, _ in rows],
            "p_max_mw": [p for _, _, _, p in rows],
        }
    )
