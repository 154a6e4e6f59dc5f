"""Scenario spec of a data centre as it is: IT load plus a cooling plant whose PUE follows the outdoor
temperature (kind ``data_centre``).

Imported by :mod:`scenarios.schema` (listed in its ``ASSET_SPECS``). The maths is in
``vpp/assets/data_centre.py``, parameters and sources in ``docs/data_centre.md``.

Power usage effectiveness of a step with outdoor dry-bulb temperature ``T`` [°C]::

    PUE(T) = min(pue_max, pue_min + pue_slope_per_k · max(0, T − t_free_cooling_c))

facility power = PUE(T) × IT power = IT + other overhead (``other_overhead_share`` × IT: UPS and
distribution losses, lighting) + cooling (``(PUE(T) − 1 − other_overhead_share)`` × IT).

Defaults: the PUE target 1.3 is ``data_centre_pue_new_large`` of the domain data (district plan /
MIIT 新型数据中心发展三年行动计划 2021–2023, confidence H); the domain note "summer ≈ 1.35, winter ≈ 1.2
assumed" (confidence L) gives ``pue_min`` 1.20 and, with a free-cooling threshold of 10 °C (ASSUMPTION L),
the slope 0.0075 /K that makes the Changsha July mean 29.8 °C (S_TMYX) ≈ 1.35; ``pue_max`` 1.40 and the
overhead share 0.08 are ASSUMPTION L.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from scenarios.base import Archetype, Fraction, NonNeg, Pos
from scenarios.flex_schema import THERMAL_P_MAX_FACTOR
from scenarios.load_base import DefaultArchetypeLoad
from scenarios.pv_data_schema import WeatherFile

PUE = Annotated[float, Field(ge=1.0, le=3.0)]
#: PUE target of new large data centres (domain data_centre_pue_new_large: district plan / MIIT 2021-2023, H)
PUE_TARGET = 1.3


class DataCentre(DefaultArchetypeLoad):
    """A data centre: IT load (archetype ``data_centre`` × ``p_it_peak_mw`` without seasonal factor, or a
    measured IT meter ``profile``) and cooling with a temperature-dependent PUE.

    Optional flexibility (both off by default: the asset is then the fixed load IT × PUE(T)):
    chilled-water storage (``e_cool_max_mwh_th`` > 0) shifts cooling electricity in time; deferrable batch
    IT work (``deferrable_share`` > 0) moves a share of the IT energy within ``deferrable_window_h`` of
    each day, energy conserved per day.
    """

    kind: Literal["data_centre"]
    peak_load: ClassVar[bool] = True  # p_peak_mw (facility peak) enters the peak-load snapshot
    q_from_cos_phi: ClassVar[bool] = True
    profile_builder: ClassVar[str | None] = "data_centre"

    archetype: Archetype | None = Field(
        "data_centre", description="IT load shape (domain §6.2 load_shapes_pu_hour_beginning.data_centre, "
        "ASSUMPTION L); or give `profile` (the IT meter)")
    p_it_peak_mw: Pos = Field(le=10_000.0, description="peak IT load [MW] (domain §6.3: large sites 10-40 MW "
                              "IT, ASSUMPTION L); the archetype shape is scaled to it")
    p_it_max_mw: Pos | None = Field(
        None, le=10_000.0, description="IT capacity the deferrable work may fill up to [MW]; default p_it_peak_mw")
    pue_min: PUE = Field(1.20, description="PUE with free cooling (T <= t_free_cooling_c) [-]; winter ≈ 1.2 "
                         "(domain note of data_centre_pue_new_large, assumed, L)")
    pue_slope_per_k: Annotated[float, Field(ge=0.0, le=0.1)] = Field(
        0.0075, description="PUE rise per kelvin above t_free_cooling_c [1/K]; ASSUMPTION L (July mean 29.8 °C "
        "-> 1.35, the domain note's summer value)")
    t_free_cooling_c: Annotated[float, Field(ge=-30.0, le=40.0)] = Field(
        10.0, description="outdoor dry-bulb temperature below which free cooling holds pue_min [°C], ASSUMPTION L")
    pue_max: PUE = Field(1.40, description="PUE cap on the hottest hours [-], ASSUMPTION L")
    pue_target: PUE = Field(PUE_TARGET, description="PUE the period must not exceed [-]: 1.3 "
                            "(data_centre_pue_new_large, district plan / MIIT 2021-2023 plan, H)")
    other_overhead_share: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.08, description="non-cooling overhead (UPS and distribution losses, lighting) per MW of IT [-], "
        "ASSUMPTION L")
    # flexibility (a): chilled-water storage
    e_cool_max_mwh_th: NonNeg = Field(0.0, le=100_000.0, description="chilled-water storage [MWh thermal]; 0: none")
    cool_loss_per_h: Fraction = Field(0.005, description="share of the stored cold lost per hour [-], "
                                      "ASSUMPTION L (insulated stratified tank)")
    p_cool_max_mw: Pos | None = Field(
        None, le=10_000.0, description=f"electric rating of the cooling plant [MW]; default {THERMAL_P_MAX_FACTOR} × "
        "(pue_max − 1 − other_overhead_share) × IT capacity (ASSUMPTION L, as thermal_storage)")
    # flexibility (b): deferrable batch IT work
    deferrable_share: Fraction = Field(0.0, description="share of the IT energy in the window that may move "
                                       "within it (batch jobs, training, backups) [-]; 0: none")
    deferrable_window_h: tuple[float, float] = Field(
        (0.0, 24.0), description="local hours [start, end) of each day within which the deferrable work moves")
    cos_phi: Annotated[float, Field(gt=0, le=1)] = 0.95
    noise_std_pu: Annotated[float, Field(ge=0, le=0.5)] = 0.03
    weekend_factor: Annotated[float, Field(ge=0, le=1.5)] | None = Field(None, description="default by archetype")
    weather: WeatherFile | None = Field(
        None, description="weather file (EPW, TMY3, CSV with temp_air) for the outdoor temperature; default the "
        "synthetic Changsha profile (vpp/profiles/temperature.py)")

    @model_validator(mode="after")
    def _check(self) -> "DataCentre":
        if self.pue_max < self.pue_min:
            raise ValueError(f"pue_max {self.pue_max} is below pue_min {self.pue_min}")
        if self.pue_min - 1.0 - self.other_overhead_share < -1e-12:
            raise ValueError(f"pue_min {self.pue_min} leaves no cooling: it must be at least 1 + "
                             f"other_overhead_share = {1.0 + self.other_overhead_share:g}")
        if self.p_it_max_mw is not None and self.p_it_max_mw < self.p_it_peak_mw:
            raise ValueError(f"p_it_max_mw {self.p_it_max_mw} is below p_it_peak_mw {self.p_it_peak_mw}")
        s, e = self.deferrable_window_h
        if not 0 <= s < e <= 24:
            raise ValueError(f"deferrable_window_h [{s}, {e}] must satisfy 0 <= start < end <= 24")
        if self.p_cool_max_mw is not None and self.p_cool_max_mw < self.p_cool_peak_mw - 1e-9:
            raise ValueError(f"p_cool_max_mw {self.p_cool_max_mw} is below the cooling at pue_max "
                             f"({self.p_cool_peak_mw:.4g} MW): the plant could not hold the IT load")
        return self

    # -- derived values ------------------------------------------------------------------------------
    @property
    def p_it_capacity_mw(self) -> float:
        return float(self.p_it_max_mw if self.p_it_max_mw is not None else self.p_it_peak_mw)

    @property
    def p_cool_peak_mw(self) -> float:
        """Cooling power at pue_max and full IT capacity [MW]."""
        return (self.pue_max - 1.0 - self.other_overhead_share) * self.p_it_capacity_mw

    @property
    def p_cool_rating_mw(self) -> float:
        return float(self.p_cool_max_mw if self.p_cool_max_mw is not None else THERMAL_P_MAX_FACTOR * self.p_cool_peak_mw)

    @property
    def p_peak_mw(self) -> float:
        """Facility peak for the peak-load snapshot [MW]: IT capacity × pue_max."""
        return self.p_it_capacity_mw * self.pue_max
