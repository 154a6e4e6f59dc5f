"""Network models: pandapower grids of a scenario, asset mapping (sign conversion) and AC power flow."""

from network_models.builders import Grid, build_grid, park_capacity_mva
from network_models.mapping import AssetElements, apply_arrays, apply_injections, attach_assets
from network_models.powerflow import ACResult, run_base_case, run_timeseries
from network_models.std_types import cn_std_type_table, register_cn_std_types
from network_models.summary import format_summary, summarise

__all__ = [
    "ACResult", "AssetElements", "Grid", "apply_arrays", "apply_injections", "attach_assets", "build_grid",
    "cn_std_type_table", "format_summary", "park_capacity_mva", "register_cn_std_types", "run_base_case",
    "run_timeseries", "summarise",
]
