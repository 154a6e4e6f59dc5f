"""Scenario section ``capacity``: defaults of the curtailable-capacity study (``vpp capacity``).

Every key can be overridden on the command line. Defaults from the domain data (domain README §2.4,
``vpp/data/hunan_yuhua.yaml`` → ``demand_response``): event durations 1–4 h (Hunan VPP minimum 1 h) and
real-time notice 0.5 h, both ASSUMPTION (confidence L).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from scenarios.base import Strict


class CapacityStudy(Strict):
    """Which day, durations, notice and samples ``vpp capacity`` evaluates."""

    durations_h: list[Annotated[float, Field(gt=0, le=24)]] = Field(
        default_factory=lambda: [0.5, 1.0, 2.0, 4.0],
        description="event durations [h]; DR events last 1-4 h, Hunan VPP minimum 1 h (domain §2.4 event_duration, ASSUMPTION L)",
    )
    notice_h: Annotated[float, Field(ge=0, le=24)] = Field(
        0.5, description="notice before the event [h]; real-time DR 0.5 h (domain §2.4 notice_time_realtime, ASSUMPTION L)"
    )
    day_type: Literal["summer", "winter"] = Field(
        "summer", description="'summer': a July working day (critical peak 20-24 h), 'winter': a January working day"
    )
    date: dt.date | None = Field(None, description="evaluate this local date instead of the day type")
    samples: int = Field(1, ge=1, le=1000, description="sampled days (seed + k): PV weather, EV arrivals, load noise")

    @model_validator(mode="after")
    def _unique(self) -> "CapacityStudy":
        if len(set(self.durations_h)) != len(self.durations_h):
            raise ValueError(f"durations_h {self.durations_h} lists a duration twice")
        return self
