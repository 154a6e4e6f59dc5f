"""Scenario key ``dr.calendar``: a seeded year of DR calls, drawn per season (read by ``vpp evaluate --calendars K``).

Defaults (domain data ``demand_response.simulator_defaults_ASSUMPTION``, domain README §2.4, all ASSUMPTION,
confidence L): about 10 events a year (range 5–30), mostly July–August and December–January, 2 h each
(range 1–4 h), day-ahead notice. Hence the default seasons: ``summer`` (Jul–Aug) 7 calls and ``winter``
(Dec–Jan) 3 calls of day-ahead peak shaving lasting 1–3 h, starting on a whole hour of the 16–20 h peak
period (``start_h`` 16–19, ASSUMPTION L; the reference district's events use that period); ``spring``
(Mar–May) and ``autumn`` (Sep–Nov) 0 calls. A valley-filling season starts at 11–14 h by default (midday
PV surplus, ASSUMPTION L). The commitment ``district_mw`` has no default (it is the park's own offer).

Example::

    dr:
      programmes: [{name: peak_day_ahead, kind: peak_shaving, notice: day_ahead}]
      calendar:
        seed: 11
        district_kw: 300
        seasons:
          summer: {calls: 8, duration_h: [1, 2], notice: day_ahead, kind: peak_shaving}
          winter: {calls: 3}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from scenarios.base import Name, Pos, Strict

SEASON_MONTHS = {"spring": (3, 4, 5), "summer": (7, 8), "autumn": (9, 10, 11), "winter": (12, 1)}
#: calls per season when the season is not given — domain §2.4 events_per_year 10, "mostly Jul-Aug, Dec-Jan" (ASSUMPTION L)
DEFAULT_CALLS = {"spring": 0, "summer": 7, "autumn": 0, "winter": 3}
#: earliest and latest start hour by kind — ASSUMPTION L (peak shaving in the 16-20 h peak; valley filling at midday)
DEFAULT_START_H = {"peak_shaving": (16, 19), "valley_filling": (11, 14)}


class Season(Strict):
    """Calls of one season: how many, how long, which programme kind and notice, when they start."""

    calls: Annotated[int, Field(ge=0, le=60)] | None = Field(None, description="number of calls; default summer 7, winter 3, others 0 (domain §2.4, ASSUMPTION L)")
    duration_h: tuple[Annotated[int, Field(ge=1, le=8)], Annotated[int, Field(ge=1, le=8)]] = Field(
        (1, 3), description="[min, max] whole hours, drawn uniformly (domain §2.4: 2 h, range 1-4, ASSUMPTION L)")
    notice: Literal["day_ahead", "real_time"] = Field("day_ahead", description="notice of the programme used (domain §2.4, ASSUMPTION L)")
    kind: Literal["peak_shaving", "valley_filling"] = Field("peak_shaving", description="削峰 or 填谷")
    start_h: tuple[Annotated[int, Field(ge=0, le=23)], Annotated[int, Field(ge=0, le=23)]] | None = Field(
        None, description="[earliest, latest] start hour; default 16-19 (peak shaving) or 11-14 (valley filling), ASSUMPTION L")
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(None, description="months of the season; default by name")
    district_mw: Pos | None = Field(None, description="commitment of each call [MW]; default the calendar's")

    @model_validator(mode="after")
    def _ranges(self) -> "Season":
        if self.duration_h[0] > self.duration_h[1]:
            raise ValueError(f"duration_h {list(self.duration_h)}: min must not exceed max")
        if self.start_h is not None and self.start_h[0] > self.start_h[1]:
            raise ValueError(f"start_h {list(self.start_h)}: earliest must not be after latest")
        return self

    @property
    def start_range_h(self) -> tuple[int, int]:
        return tuple(self.start_h) if self.start_h is not None else DEFAULT_START_H[self.kind]


class DRCalendar(Strict):
    """A seeded generator of a year of DR calls (``vpp evaluate --calendars K``: calendars ``seed + 0..K-1``)."""

    seed: Annotated[int, Field(ge=0)] = Field(description="seed of calendar 0; calendar c uses seed + c")
    district_mw: Pos = Field(description="commitment of every call [MW], split over the parks pro rata to their baseline energy")
    parks: list[Name] | None = Field(None, description="participating parks; default every park")
    seasons: dict[Literal["spring", "summer", "autumn", "winter"], Season] = Field(
        default_factory=dict, description="per season; a season left out gets its default calls (summer 7, winter 3)")

    def season_specs(self) -> dict[str, Season]:
        """Every season with its calls filled in (the defaults for seasons not given)."""
        out = {}
        for name in SEASON_MONTHS:
            s = self.seasons.get(name, Season())
            if s.calls is None:
                s = s.model_copy(update={"calls": DEFAULT_CALLS[name]})
            out[name] = s
        return out
