"""Network models: pandapower grids of a scenario, asset mapping (sign conversion) and AC power flow.

The names below load their module on first use (PEP 562), so that a study that runs no power flow
(e.g. :mod:`network_models.ratings` for the year evaluation) does not import pandapower.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "Grid": "builders", "build_grid": "builders", "park_capacity_mva": "builders",
    "AssetElements": "mapping", "apply_arrays": "mapping", "apply_injections": "mapping", "attach_assets": "mapping",
    "ACResult": "powerflow", "run_base_case": "powerflow", "run_timeseries": "powerflow",
    "cn_std_type_table": "std_types", "register_cn_std_types": "std_types",
    "format_summary": "summary", "summarise": "summary",
    "connection_capacity_mva": "ratings",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"network_models.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'network_models' has no attribute '{name}'")
