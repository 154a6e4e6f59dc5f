"""Scenario section ``capacity``: defaults of the curtailable-capacity study (``vpp capacity``).

Every key can be overridden on the command line. Defaults from the domain data (domain README §2.4,
``vpp/data/hunan_yuhua.yaml`` → ``demand_response``): event durations 1–4 h (Hunan VPP minimum 1 h) and
real-time notice 0.5 h, both ASSUMPTION (confidence L). How days are drawn: docs/capacity.md.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from scenarios.base import Strict

_WINDOW = re.compile(r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$")


class CapacityStudy(Strict):
    """Which days, called windows, durations, notice ``vpp capacity`` evaluates."""

    durations_h: list[Annotated[float, Field(gt=0, le=24)]] = Field(
        default_factory=lambda: [0.5, 1.0, 2.0, 4.0],
        description="event durations [h]; DR events last 1-4 h, Hunan VPP minimum 1 h (domain §2.4 event_duration, ASSUMPTION L)",
    )
    notice_h: Annotated[float, Field(ge=0, le=24)] = Field(
        0.5, description="notice before the event [h]; real-time DR 0.5 h (domain §2.4 notice_time_realtime, ASSUMPTION L)"
    )
    windows: list[str] | None = Field(
        None, description="called windows 'HH:MM-HH:MM' (local, inside one day, on the step grid); default: the "
        "maximal runs of critical-peak and of peak hours of the Hunan TOU table in the reference day's month")
    season: Literal["summer", "winter"] = Field(
        "summer", description="'summer': June-September (critical peak 20-24 h in July/August), 'winter': "
        "December-February of the scenario's year")
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(
        None, description="draw the days from these months of the scenario's year instead of the season's")
    day_class: Literal["workday", "weekend", "holiday", "all"] = Field(
        "workday", description="calendar class of the drawn days (statutory calendar: make-up workdays are workdays)")
    date: dt.date | None = Field(None, description="evaluate this one local date (K = 1) instead of drawn days")
    samples: int = Field(
        20, ge=1, le=366, description="K: number of distinct days drawn (P50/P90 across them; K >= 20 for a real "
        "P90); K = 1 evaluates the season's reference day")
    best_hour_days: int = Field(
        3, ge=0, le=366, description="days (of the K, spread over them) on which every start hour of the day is "
        "swept for the secondary best-hour column; 0: no best-hour sweep")

    @model_validator(mode="before")
    @classmethod
    def _day_type_alias(cls, data: Any) -> Any:
        """``day_type: summer|winter`` (the former name of ``season``) is still read."""
        if isinstance(data, dict) and "day_type" in data:
            data = dict(data)
            v = data.pop("day_type")
            if "season" in data and data["season"] != v:
                raise ValueError(f"day_type '{v}' and season '{data['season']}' disagree (day_type is the old name of season)")
            data["season"] = v
        return data

    @model_validator(mode="after")
    def _unique(self) -> "CapacityStudy":
        if len(set(self.durations_h)) != len(self.durations_h):
            raise ValueError(f"durations_h {self.durations_h} lists a duration twice")
        for w in self.windows or []:
            if not _WINDOW.match(w):
                raise ValueError(f"window '{w}' is not HH:MM-HH:MM (e.g. 20:00-22:00)")
        if self.months is not None and (not self.months or len(set(self.months)) != len(self.months)):
            raise ValueError(f"months {self.months} must list each month once")
        return self
