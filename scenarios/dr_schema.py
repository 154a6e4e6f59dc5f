"""Scenario keys of demand response (需求响应): programmes and events, read by ``vpp dr``.

Imported by :mod:`scenarios.schema` (``Scenario.dr``). Checks that need the whole scenario (unknown park
or programme, overlapping events of one park, negative MW, event outside the horizon) are in
:func:`vpp.demand_response.checks.dr_problems`, which reports every problem at once.

Defaults (domain data ``demand_response.simulator_defaults_ASSUMPTION``, domain README §2.4; all
ASSUMPTION, confidence L, calibrated on Zhejiang / Hainan / Shandong rules, no Hunan DR price found):
peak shaving day-ahead 2.0 CNY/kWh, real-time 4.0 CNY/kWh, valley filling 0.3 CNY/kWh, capacity
payment 0 CNY/kW·month, notice 24 h day-ahead / 0.5 h real-time, baseline = mean of the previous 5
similar working days, paid for 80–120 % of the commitment.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from scenarios.base import Name, NonNeg, Pos, Strict
from scenarios.dr_calendar_schema import DRCalendar

#: energy price of verified response [CNY/MWh] by (kind, notice) — domain §2.4, ASSUMPTION L
DEFAULT_PRICE_CNY_PER_MWH = {
    ("peak_shaving", "day_ahead"): 2000.0,
    ("peak_shaving", "real_time"): 4000.0,
    ("valley_filling", "day_ahead"): 300.0,
    ("valley_filling", "real_time"): 300.0,
}
#: programme keys that a rule file replaces (given with ``rule`` and a value other than the default, an error)
RULE_REPLACES = ("band", "penalty_cny_per_mwh", "baseline_days")
#: notice time [h] by notice type — domain §2.4, ASSUMPTION L
DEFAULT_NOTICE_H = {"day_ahead": 24.0, "real_time": 0.5}


class DRProgramme(Strict):
    """A DR programme: direction, notice, prices and the settlement rule."""

    name: Name
    kind: Literal["peak_shaving", "valley_filling"] = Field(description="削峰 (reduce import) or 填谷 (raise import)")
    notice: Literal["day_ahead", "real_time"] = Field("day_ahead", description="day-ahead invited (邀约) or real-time")
    notice_h: Pos | None = Field(None, description="notice time [h]; default 24 (day-ahead) / 0.5 (real-time), domain §2.4, ASSUMPTION L")
    price_cny_per_mwh: NonNeg | None = Field(
        None,
        description="payment per MWh of verified response; default peak shaving 2000 day-ahead / 4000 real-time, "
        "valley filling 300 CNY/MWh (domain §2.4, ASSUMPTION L)",
    )
    capacity_payment_cny_per_mw_month: NonNeg = Field(0.0, description="capacity payment on the commitment (domain §2.4: 0, ASSUMPTION L)")
    band: tuple[float, float] = Field(
        (0.8, 1.2), description="performance band [min, max] of response / commitment (domain §2.4, ASSUMPTION L)"
    )
    penalty_cny_per_mwh: NonNeg | None = Field(
        None, description="penalty per MWh of shortfall below band[0] × commitment; default the energy price (ASSUMPTION L)"
    )
    rule: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        None, description="settlement rule: a shipped rule name (simulator, generic_provincial, hunan_2025) or the path "
        "of a rule file (relative to the scenario file); default: the simulator rule built from band, penalty and "
        "baseline_days (docs/demand_response.md)")
    baseline_days: Annotated[int, Field(ge=1, le=30)] = Field(5, description="N similar days averaged for the baseline (domain §2.4)")
    exclude_from_billed_demand: bool = Field(
        False, description="the event's steps do not count in the participating parks' billed maximum demand (需量), "
        "e.g. valley filling called by the grid (docs/billing.md)")

    @model_validator(mode="after")
    def _band(self) -> "DRProgramme":
        lo, hi = self.band
        if not (0 <= lo <= 1 <= hi):
            raise ValueError(f"band [{lo}, {hi}] must satisfy 0 <= min <= 1 <= max")
        if self.rule is not None:
            # a resolved scenario (every default written out) names the defaults: only other values clash
            clash = [k for k in RULE_REPLACES
                     if k in self.model_fields_set and getattr(self, k) != type(self).model_fields[k].default]
            if clash:
                raise ValueError(f"'{clash[0]}' is set by the rule file '{self.rule}': remove it from the programme "
                                 "(or the 'rule' key to keep the simulator rule)")
        return self

    @property
    def notice_hours(self) -> float:
        return float(self.notice_h if self.notice_h is not None else DEFAULT_NOTICE_H[self.notice])

    @property
    def energy_price_cny_per_mwh(self) -> float:
        if self.price_cny_per_mwh is not None:
            return float(self.price_cny_per_mwh)
        return DEFAULT_PRICE_CNY_PER_MWH[(self.kind, self.notice)]

    @property
    def shortfall_penalty_cny_per_mwh(self) -> float:
        return float(self.penalty_cny_per_mwh if self.penalty_cny_per_mwh is not None else self.energy_price_cny_per_mwh)


class DREvent(Strict):
    """One event: a programme, a local window on one day, and the requested MW per park or for the district."""

    id: Name
    programme: Name
    date: dt.date = Field(description="local date YYYY-MM-DD")
    start_h: Annotated[float, Field(ge=0, lt=24)] = Field(description="window start, local hour (18.5 = 18:30)")
    end_h: Annotated[float, Field(gt=0, le=24)] = Field(description="window end (exclusive), local hour")
    requested_mw: dict[str, float] | None = Field(None, description="commitment per park [MW], e.g. {cold_chain: 0.5}")
    district_mw: float | None = Field(
        None, description="district commitment [MW], split over `parks` pro rata to their baseline energy in the window"
    )
    parks: list[str] | None = Field(None, description="participants of a district_mw event; default every park")

    @model_validator(mode="after")
    def _shape(self) -> "DREvent":
        if self.end_h <= self.start_h:
            raise ValueError(f"end_h {self.end_h} must be after start_h {self.start_h}")
        if (self.requested_mw is None) == (self.district_mw is None):
            raise ValueError("give exactly one of requested_mw (per park) or district_mw")
        if self.parks is not None and self.district_mw is None:
            raise ValueError("'parks' only applies to a district_mw event")
        return self

    @property
    def duration_h(self) -> float:
        return float(self.end_h - self.start_h)


class DRConfig(Strict):
    """Programmes, events and how the baseline history is simulated."""

    programmes: list[DRProgramme] = Field(min_length=1)
    events: list[DREvent] = Field(default_factory=list)
    calendar: DRCalendar | None = Field(
        None, description="seeded generator of a year of calls per season (vpp evaluate --calendars K), "
        "scenarios/dr_calendar_schema.py")
    history_strategy: Literal["optimised", "baseline"] = Field(
        "optimised",
        description="dispatch of the simulated history days behind the settlement baseline: the park's normal "
        "optimised operation (default) or the no-optimisation rule",
    )

    def programme(self, name: str) -> DRProgramme | None:
        return next((p for p in self.programmes if p.name == name), None)

    def event(self, event_id: str) -> DREvent | None:
        return next((e for e in self.events if e.id == event_id), None)
