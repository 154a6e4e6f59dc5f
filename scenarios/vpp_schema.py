"""Scenario keys of virtual power plants (虚拟电厂): member parks, settlement terms, grid instructions.

Imported by :mod:`scenarios.schema` (``Scenario.vpps``) and read by ``vpp aggregate``. Checks that need
the whole scenario (unknown park or DR programme, duplicate VPP names or instruction ids, negative MW,
instruction outside the horizon or off the step grid, target profile of the wrong length) are in
:func:`vpp.aggregator.checks.vpp_problems`, which reports every problem at once.

Defaults:

* settlement prices, band and penalty: the DR defaults (domain data
  ``demand_response.simulator_defaults_ASSUMPTION``, domain README §2.4, ASSUMPTION L) — peak shaving
  day-ahead 2.0 CNY/kWh, valley filling 0.3 CNY/kWh, band [0.8, 1.2], penalty = the energy price;
  or those of a DR programme of ``dr.programmes`` named by ``programme``;
* ``aggregator_share`` 0.2 of the net settlement (ASSUMPTION L: no Hunan rule on the split between a
  VPP operator and its members was found; 10–30 % is the range quoted by Chinese aggregators);
* admission rules of 《湖南省虚拟电厂管理工作细则》 (domain ``demand_response.hunan_vpp_rules_2026``,
  S_HN_VPP_2026, confidence M): regulating capacity >= 10 MW (up + down), continuous response >= 1 h,
  capacity >= 10 % of normal load.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from scenarios.base import Fraction, Name, NonNeg, Pos, Strict


class VPPInstruction(Strict):
    """A grid dispatch instruction to the VPP, measured at the substation (sum of the member parks).

    Exactly one of: ``reduce_mw`` (削峰: lower the members' net import by this much below their
    baseline at every step of the window), ``increase_mw`` (填谷: raise it), or ``target_profile_mw``
    (the members' summed net import the grid wants at each step of the window, one value per step).
    """

    id: Name
    date: dt.date = Field(description="local date YYYY-MM-DD")
    start_h: Annotated[float, Field(ge=0, lt=24)] = Field(description="window start, local hour (18.5 = 18:30)")
    end_h: Annotated[float, Field(gt=0, le=24)] = Field(description="window end (exclusive), local hour")
    reduce_mw: float | None = Field(None, description="requested reduction of the members' net import [MW]")
    increase_mw: float | None = Field(None, description="requested increase of the members' net import [MW]")
    target_profile_mw: list[float] | None = Field(
        None, description="target summed net import of the members [MW], one value per step of the window")

    @model_validator(mode="after")
    def _shape(self) -> "VPPInstruction":
        if self.end_h <= self.start_h:
            raise ValueError(f"end_h {self.end_h} must be after start_h {self.start_h}")
        given = [k for k in ("reduce_mw", "increase_mw", "target_profile_mw") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of reduce_mw, increase_mw or target_profile_mw")
        return self

    @property
    def duration_h(self) -> float:
        return float(self.end_h - self.start_h)


class AdmissionRules(Strict):
    """Entry rules of one VPP in Hunan (《湖南省虚拟电厂管理工作细则》, S_HN_VPP_2026, confidence M)."""

    min_regulating_capacity_mw: NonNeg = Field(
        10.0, description="regulating capacity, up + down summed [MW] (S_HN_VPP_2026, M)")
    min_continuous_response_h: Pos = Field(1.0, description="continuous response [h] (S_HN_VPP_2026, M)")
    min_capacity_share_of_normal_load: Fraction = Field(
        0.1, description="regulating capacity / normal load (S_HN_VPP_2026, M)")


class VPP(Strict):
    """One virtual power plant: its members, settlement terms, instructions and network limits."""

    name: Name
    parks: list[Name] = Field(min_length=1, description="member parks (names of `parks`)")
    aggregator_share: Fraction = Field(
        0.2, description="share of the net settlement (compensation − penalties) kept by the aggregator (ASSUMPTION L)")
    programme: Name | None = Field(
        None, description="DR programme of `dr.programmes` whose price, band, penalty and notice apply; "
        "default: the fields below")
    price_cny_per_mwh: NonNeg | None = Field(
        None, description="compensation per MWh of verified response; default peak shaving 2000 / valley filling "
        "300 CNY/MWh (domain §2.4, ASSUMPTION L)")
    penalty_cny_per_mwh: NonNeg | None = Field(
        None, description="penalty per MWh delivered below band[0] × request; default the energy price (ASSUMPTION L)")
    band: tuple[float, float] = Field((0.8, 1.2), description="performance band of response / request (domain §2.4, ASSUMPTION L)")
    notice_h: NonNeg = Field(24.0, description="notice before an instruction [h]; day-ahead 24 (domain §2.4, ASSUMPTION L)")
    baseline: Literal["similar_days", "counterfactual"] = Field(
        "similar_days", description="settlement baseline: mean of the 5 previous similar days (DR rule) or the "
        "members' no-instruction optimised dispatch")
    instructions: list[VPPInstruction] = Field(default_factory=list)
    network_limits: Literal["connection", "linear"] = Field(
        "connection", description="'connection': park connection limits + AC check of the result; 'linear': "
        "linearised voltage/thermal limits in the joint LP (closed loop with AC)")
    bid_prices_cny_per_mwh: list[NonNeg] = Field(
        default_factory=lambda: [500.0, 1000.0, 1500.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0],
        description="compensation prices of the bid curve [CNY/MWh] (0.5-6 CNY/kWh)")
    admission: AdmissionRules = AdmissionRules()

    @model_validator(mode="after")
    def _band(self) -> "VPP":
        lo, hi = self.band
        if not (0 <= lo <= 1 <= hi):
            raise ValueError(f"band [{lo}, {hi}] must satisfy 0 <= min <= 1 <= max")
        return self
