"""Scenario specs of the flexible loads: thermal storage (cold rooms, HVAC) and shiftable batches.

Imported by :mod:`scenarios.schema` (added to its ``Asset`` union). The models and their maths are in
``vpp/assets/thermal_storage.py`` and ``vpp/assets/shiftable_load.py``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from scenarios.base import AssetBase, NonNeg, Pos
from scenarios.load_base import ProfileLoad

#: default power limit of a thermal-storage load relative to its nominal peak (ASSUMPTION L: refrigeration
#: and chiller plants are commonly sized with 20–30 % margin over the design-day peak)
THERMAL_P_MAX_FACTOR = 1.25


class ThermalStorage(ProfileLoad):
    """Electrically driven thermal load with a storable band (cold room, building HVAC).

    Nominal consumption = archetype shape × ``p_peak_mw`` (as a fixed load), or a measured file
    (``profile``: the metered consumption that held the set-point). The band
    ``[e_min_mwh, e_max_mwh]`` is the electrical-equivalent energy the room may store above
    (pre-cooling, ``e > 0``) or run behind (``e < 0``) its set-point: ``e = C_th · ΔT / COP``.
    """

    kind: Literal["thermal_storage"]
    peak_load: ClassVar[bool] = True
    p_peak_mw: Pos = Field(le=10_000.0, description="peak of the nominal daily consumption [MW]")
    p_max_mw: Pos | None = Field(
        None, description=f"power limit of the machines [MW]; default {THERMAL_P_MAX_FACTOR} × p_peak_mw (ASSUMPTION L)"
    )
    e_max_mwh: NonNeg = Field(description="storable energy above the set-point (pre-cooling/pre-heating) [MWh electric]")
    e_min_mwh: Annotated[float, Field(le=0)] | None = Field(
        None, description="lowest energy state (deficit allowed within the band) [MWh electric, <= 0]; default -e_max_mwh"
    )
    loss_per_h: Annotated[float, Field(ge=0, le=1)] = Field(
        0.0, description="share of the stored energy lost per hour (0: losses are in the nominal profile)"
    )
    cos_phi: Annotated[float, Field(gt=0, le=1)] = 0.95
    noise_std_pu: Annotated[float, Field(ge=0, le=0.5)] = 0.03
    weekend_factor: Annotated[float, Field(ge=0, le=1.5)] | None = Field(None, description="default by archetype")

    @model_validator(mode="before")
    @classmethod
    def _default_e_min(cls, data):
        if isinstance(data, dict) and data.get("e_min_mwh") is None and "e_min_kwh" not in data:
            e_max = data.get("e_max_mwh")
            if e_max is None and isinstance(data.get("e_max_kwh"), (int, float)):
                e_max = data["e_max_kwh"] * 1e-3
            if isinstance(e_max, (int, float)) and not isinstance(e_max, bool):
                data = {**data, "e_min_mwh": -float(e_max)}
        return data

    @property
    def p_max_mw_or_default(self) -> float:
        return float(self.p_max_mw if self.p_max_mw is not None else THERMAL_P_MAX_FACTOR * self.p_peak_mw)


class ShiftableLoad(AssetBase):
    """A daily batch of ``p_mw`` for ``duration_h`` hours anywhere in the local window ``[start_h, end_h)``."""

    kind: Literal["shiftable_load"]
    p_mw: Pos = Field(description="power of the batch when running [MW]")
    duration_h: Annotated[float, Field(gt=0, le=24)] = Field(description="running hours per day [h]")
    start_h: Annotated[float, Field(ge=0, lt=24)] = Field(0.0, description="window start, local hour")
    end_h: Annotated[float, Field(gt=0, le=24)] = Field(24.0, description="window end (exclusive), local hour")
    cos_phi: Annotated[float, Field(gt=0, le=1)] = 0.95

    @model_validator(mode="after")
    def _window(self) -> "ShiftableLoad":
        if self.end_h <= self.start_h:
            raise ValueError(f"window end_h {self.end_h} must be after start_h {self.start_h}")
        if self.duration_h > self.end_h - self.start_h + 1e-9:
            raise ValueError(
                f"duration_h {self.duration_h} does not fit in the window [{self.start_h}, {self.end_h}) h"
            )
        return self
