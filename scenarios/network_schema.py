"""Scenario key ``network_constraints``: network-constrained dispatch (docs/network_constraints.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from scenarios.base import Strict


class NetworkConstraints(Strict):
    """Grid limits inside the dispatch: ``none`` (connection limits only) or ``linear`` (linearised AC
    power flow, corrected in a closed loop with the AC check until it is clean or ``max_rounds`` is hit)."""

    mode: Literal["none", "linear"] = Field("none", description="'linear': voltage and thermal limits in the LP")
    max_rounds: int = Field(5, ge=1, le=20, description="closed-loop rounds (solve -> AC check -> re-linearise)")
    q_control: bool = Field(True, description="use the reactive power of PV inverters and battery converters")
    margin_pu: Annotated[float, Field(ge=0, le=0.05)] = Field(
        0.0, description="voltage margin inside [vm_min_pu, vm_max_pu] from the first round [pu]")
    margin_percent: Annotated[float, Field(ge=0, le=50)] = Field(
        0.0, description="loading margin below loading_max_percent from the first round [%]")
