"""Scenario spec of a 光储直柔 (PV, storage, DC, flexibility) building on a DC bus (kind ``dc_building``).

Imported by :mod:`scenarios.schema` (listed in its ``ASSET_SPECS``). The maths is in
``vpp/assets/dc_building.py``, parameters and sources in ``docs/dc_building.md``.

PV (DC), a battery (DC) and the building's DC loads share one DC bus behind ONE bidirectional AC/DC
converter of rating ``s_max_mw`` with efficiencies ``eta_inverter`` (DC -> AC) and ``eta_rectifier``
(AC -> DC). Its AC exchange follows a flexible power target (柔性): ``p_target_inject_mw`` ± ``band_mw``
(a hard constraint; no target: the park's dispatch decides the exchange within the rating).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from scenarios.base import Archetype, Fraction, NonNeg, Pos
from scenarios.load_base import DefaultArchetypeLoad

Eta = Annotated[float, Field(gt=0, le=1)]
#: converter efficiency of the project's PV model (inverter 0.97: vpp/profiles/pv.py ETA_INV, the domain's
#: pvlib calculation eta_inv 0.97, S_PVLIB_CALC, M), used for both directions by default
ETA_CONVERTER = 0.97
#: DC-side battery efficiency each way: the AC-AC one-way 0.922 (round trip 0.85, S_NREL_ATB, H) without
#: the PCS stage 0.97 -> 0.922 / 0.97 ≈ 0.95 (ASSUMPTION L)
ETA_BATTERY_DC = 0.95
#: the flexible DC loads may draw up to this many times their share of the base peak (ASSUMPTION L)
FLEX_P_FACTOR = 2.0


class DCBuilding(DefaultArchetypeLoad):
    """A DC-bus building: DC PV + DC battery + DC loads (base profile, a share of it flexible) behind one
    AC/DC converter. Load profile from an archetype (default ``office_public_weekday``) × ``p_load_peak_mw``
    or a measured file (``profile``: the DC loads' consumption)."""

    kind: Literal["dc_building"]
    site_load: ClassVar[bool] = False  # its net exchange mixes PV, storage and load: KPIs in its own section
    profile_builder: ClassVar[str | None] = "dc_building"

    archetype: Archetype | None = Field(
        "office_public_weekday", description="DC load shape (domain §6.2, ASSUMPTION L); or give `profile`")
    p_load_peak_mw: Pos = Field(le=10_000.0, description="peak of the DC loads' daily shape [MW]")
    flexible_share: Fraction = Field(
        0.0, description="share of each day's DC load energy that may shift within the day (柔: storage water "
        "heaters, EV DC chargers, pre-cooling) [-]; 0: none")
    p_flex_max_mw: NonNeg | None = Field(
        None, le=10_000.0, description=f"power limit of the flexible part [MW]; default {FLEX_P_FACTOR} × "
        "flexible_share × p_load_peak_mw (ASSUMPTION L)")
    # PV on the DC bus
    pv_mwp: NonNeg = Field(0.0, le=10_000.0, description="DC peak power of the PV array [MWp]; 0: none")
    tilt_deg: Annotated[float, Field(ge=0, le=90)] = 20.0
    azimuth_deg: Annotated[float, Field(ge=0, lt=360)] = 180.0
    annual_yield_kwh_per_kwp: Pos = Field(
        975.0, description="AC yield of the synthetic PV model behind an inverter (S_PVLIB_CALC+S_HN_TOOL, M); the DC "
        "array gives this / 0.97")
    # battery on the DC bus
    battery_p_max_mw: NonNeg = Field(0.0, le=10_000.0, description="battery DC/DC converter power [MW]; 0: none")
    battery_e_max_mwh: NonNeg = Field(0.0, le=100_000.0, description="usable battery energy [MWh]; 0: none")
    soc_min: Fraction = 0.1
    soc_max: Fraction = 0.95
    soc_init: Fraction = 0.5
    eta_charge: Eta = Field(ETA_BATTERY_DC, description="DC-side charge efficiency [-]: 0.922 AC-side (0.85 round "
                            "trip, S_NREL_ATB, H) / 0.97 PCS ≈ 0.95, ASSUMPTION L")
    eta_discharge: Eta = Field(ETA_BATTERY_DC, description="DC-side discharge efficiency [-], as eta_charge")
    # the AC/DC converter
    s_max_mw: Pos = Field(le=10_000.0, description="rating of the bidirectional AC/DC converter [MW], both directions")
    eta_inverter: Eta = Field(ETA_CONVERTER, description="DC -> AC efficiency [-]: 0.97 as the project's PV inverter "
                              "(S_PVLIB_CALC, M)")
    eta_rectifier: Eta = Field(ETA_CONVERTER, description="AC -> DC efficiency [-]: 0.97, ASSUMPTION L")
    # the flexible power target
    p_target_inject_mw: float | list[float] | None = Field(
        None, description="target of the AC exchange [MW, injection positive: negative = drawing from the park]: "
        "a number, or 24 hour-beginning values (local hours 0..23) repeated every day; default none: the park's "
        "dispatch decides the exchange")
    band_mw: NonNeg = Field(0.0, le=10_000.0, description="tolerance of the target [MW]: the exchange stays within "
                            "target ± band (hard constraint)")
    cos_phi: Annotated[float, Field(gt=0, le=1)] = 1.0
    noise_std_pu: Annotated[float, Field(ge=0, le=0.5)] = 0.03
    weekend_factor: Annotated[float, Field(ge=0, le=1.5)] | None = Field(None, description="default by archetype")

    @model_validator(mode="after")
    def _check(self) -> "DCBuilding":
        if (self.battery_p_max_mw > 0) != (self.battery_e_max_mwh > 0):
            raise ValueError("give both battery_p_max_mw and battery_e_max_mwh (or neither)")
        if self.soc_min > self.soc_max:
            raise ValueError(f"soc_min {self.soc_min} is above soc_max {self.soc_max}")
        if not self.soc_min <= self.soc_init <= self.soc_max:
            raise ValueError(f"soc_init {self.soc_init} is outside [soc_min, soc_max] = [{self.soc_min}, {self.soc_max}]")
        target = self.p_target_inject_mw
        if isinstance(target, list) and len(target) != 24:
            raise ValueError(f"p_target_inject_mw: give one number or 24 hourly values (got {len(target)})")
        if target is None and self.band_mw > 0:
            raise ValueError("band_mw is set but there is no p_target_inject_mw")
        values = target if isinstance(target, list) else [] if target is None else [target]
        for v in values:
            if abs(v) - self.band_mw > self.s_max_mw + 1e-9:
                raise ValueError(f"p_target_inject_mw {v} ± band_mw {self.band_mw} lies outside the converter "
                                 f"rating ± s_max_mw {self.s_max_mw}")
        return self

    @property
    def p_flex_cap_mw(self) -> float:
        """Power limit of the flexible loads [MW]."""
        if self.p_flex_max_mw is not None:
            return float(self.p_flex_max_mw)
        return FLEX_P_FACTOR * self.flexible_share * self.p_load_peak_mw

    @property
    def p_peak_mw(self) -> float:
        """Peak consumption of the DC loads [MW] (what ProfileLoad's load builders scale)."""
        return float(self.p_load_peak_mw)
