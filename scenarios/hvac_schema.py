"""Scenario spec of the air-conditioning (cooling-load) asset, kind ``air_conditioning``.

Imported by :mod:`scenarios.schema` (listed in its ``ASSET_SPECS``). The building's thermal model and
its maths are in ``vpp/assets/air_conditioning.py``, the outdoor temperature and the heat gains in
``vpp/profiles/temperature.py``; parameters, defaults and their sources in ``docs/air_conditioning.md``.

The scenario gives the asset in engineering terms (cooling plant electric rating, COP, floor area,
comfort band, occupancy); the thermal resistance ``R`` [K/MW] and capacity ``C`` [MWh/K] of the
one-node (1R1C) building model are derived from the floor area by the rules of thumb below unless
given directly:

* ``R = 1 / (ua_w_per_m2k × floor_area_m2 × 1e-6)``: envelope + fresh-air heat-transfer coefficient per
  m² of floor, default 2.5 W/(m²·K) (ASSUMPTION L: ≈ 1.3 envelope of a multi-storey office of the
  hot-summer-cold-winter zone + 1.0 fresh air 30 m³/(h·person) at 10 m²/person + 0.2 infiltration);
* ``C = c_kj_per_m2k × floor_area_m2 / 3.6e6``: effective heat capacity per m² of floor, default
  165 kJ/(m²·K), the "medium" class of ISO 13790:2008 Table 12 (S_ISO13790, confidence M; light
  110, heavy 260).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from scenarios.base import AssetBase, NonNeg, Pos
from scenarios.pv_data_schema import WeatherFile

#: occupancy archetypes: occupied local hours [start, end), the days they apply ("working": working days
#: of the Chinese calendar and not a park shutdown day; "all": every day but park shutdown days) and the
#: internal heat gains while occupied [W/m² of floor] (people + lighting + equipment + part of the fresh-air
#: latent load). ASSUMPTION L; office from GB 50189-2015 Appendix B reference values (10 m²/person,
#: lighting 9 W/m², equipment 15 W/m², ≈ 130 W/person) plus ≈ 13 W/m² fresh-air latent load.
OCCUPANCY: dict[str, dict] = {
    "office": {"hours": (8.0, 18.0), "days": "working", "q_internal_w_per_m2": 50.0},
    "commercial": {"hours": (10.0, 22.0), "days": "all", "q_internal_w_per_m2": 60.0},
    "factory_2shift": {"hours": (8.0, 24.0), "days": "working", "q_internal_w_per_m2": 60.0},
    "round_the_clock": {"hours": (0.0, 24.0), "days": "all", "q_internal_w_per_m2": 50.0},
}
Occupancy = Literal["office", "commercial", "factory_2shift", "round_the_clock"]

MAX_FLOOR_AREA_M2 = 1e7  # 10 km² of floor: a typo of units beyond this
TEMP = Annotated[float, Field(ge=5.0, le=45.0)]


class AirConditioning(AssetBase):
    """Cooling plant of a building zone (central chillers, VRV, split units) as a flexible load.

    The electric power ``p`` [MW] cools a one-node building model driven by the outdoor temperature; the
    zone's temperature must stay in a comfort band (occupied / unoccupied). Flexibility: pre-cooling
    (cooling the building's mass earlier, within the band) and set-point raising (the band's upper bound
    rises by up to ``setpoint_raise_max_k`` in DR events and in ``setpoint_raise_windows_h``), with the
    rebound after the release. Baseline (no optimisation): a thermostat holding the set-point (the upper
    bound of the band, never raised) with an optimum start.
    """

    kind: Literal["air_conditioning"]
    peak_load: ClassVar[bool] = True  # p_peak_mw = p_rated_mw enters the peak-load snapshot
    q_from_cos_phi: ClassVar[bool] = True
    profile_builder: ClassVar[str | None] = "outdoor_temperature"

    p_rated_mw: Pos = Field(le=10_000.0, description="electric rating of the cooling plant [MW] (chillers, pumps, "
                            "towers, fans): the power limit")
    floor_area_m2: Pos = Field(le=MAX_FLOOR_AREA_M2, description="air-conditioned floor area [m²]")
    cop: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        3.5, description="coefficient of performance of the whole plant (cooling delivered / electricity) at "
        "35 °C outdoor [-]; ASSUMPTION L: chillers ≈ 5-6, plant with pumps and towers ≈ 3.5-4.5, air-cooled/VRV ≈ 3")
    cop_slope_per_k: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0, description="COP drop per kelvin of outdoor temperature: COP[t] = max(1, cop - slope·(T_out[t] - 35)) "
        "[1/K]; default 0 (COP constant). Non-zero values are refused by the rolling evaluation (use --horizon "
        "perfect)")
    ua_w_per_m2k: Pos = Field(2.5, le=50.0, description="heat-transfer coefficient (envelope + fresh air) per m² of "
                              "floor [W/(m²·K)], ASSUMPTION L; gives r_k_per_mw")
    c_kj_per_m2k: Pos = Field(165.0, le=2000.0, description="effective heat capacity per m² of floor [kJ/(m²·K)], "
                              "ISO 13790 'medium' (S_ISO13790, M); gives c_mwh_per_k")
    r_k_per_mw: Pos | None = Field(None, le=1e6, description="thermal resistance zone-outdoor [K/MW]; default from "
                                   "ua_w_per_m2k and floor_area_m2")
    c_mwh_per_k: Pos | None = Field(None, le=1e6, description="thermal capacity of the zone [MWh/K]; default from "
                                    "c_kj_per_m2k and floor_area_m2")
    occupancy: Occupancy = Field("office", description="occupancy archetype: occupied hours, days and internal "
                                 "gains (ASSUMPTION L, docs/air_conditioning.md)")
    occupied_h: tuple[float, float] | None = Field(
        None, description="occupied local hours [start, end); default by occupancy")
    q_internal_w_per_m2: NonNeg | None = Field(
        None, le=2000.0, description="heat gains while occupied [W/m² of floor]; default by occupancy")
    q_unoccupied_w_per_m2: NonNeg = Field(5.0, le=2000.0, description="heat gains while unoccupied (standby) "
                                          "[W/m² of floor], ASSUMPTION L")
    solar_gain_w_per_m2: NonNeg = Field(
        30.0, le=500.0, description="solar heat gain per m² of floor at 1000 W/m² global horizontal irradiance "
        "[W/m²], ASSUMPTION L (glazing 0.2 m² per m² of floor × 0.4 vertical/horizontal × SHGC 0.4)")
    t_min_c: TEMP = Field(24.0, description="comfort band lower bound while occupied [°C] (GB 50736-2012 level I "
                          "summer 24-26 °C)")
    t_max_c: TEMP = Field(26.0, description="comfort band upper bound while occupied = the set-point the "
                          "thermostat holds [°C] (public buildings: not below 26 °C, 国办发〔2007〕42号)")
    t_min_unoccupied_c: TEMP | None = Field(None, description="lower bound while unoccupied [°C]; default t_min_c "
                                            "(no over-cooling below comfort, also at night)")
    t_max_unoccupied_c: TEMP = Field(32.0, description="upper bound (setback) while unoccupied [°C], ASSUMPTION L")
    t_init_c: TEMP | None = Field(None, description="zone temperature at the start of the run [°C]; default t_max_c")
    setpoint_raise_max_k: Annotated[float, Field(ge=0.0, le=6.0)] = Field(
        2.0, description="how far the occupied upper bound may rise when raising is allowed [K] (26 -> 28 °C: "
        "GB 50736-2012 level II upper limit)")
    setpoint_raise_windows_h: list[tuple[float, float]] = Field(
        default_factory=list, description="local hours [start, end) of every day in which the set-point may be "
        "raised (e.g. an agreed peak-time raise); default none: only in DR events")
    setpoint_raise_in_dr: bool = Field(True, description="the set-point may be raised during the DR events of "
                                       "`vpp dr` (and of the evaluation's DR revenue)")
    setpoint_recovery_h: Annotated[float, Field(ge=0.0, le=6.0)] = Field(
        1.0, description="after a raise window the upper bound returns linearly to the set-point over this time "
        "[h], ASSUMPTION L")
    discomfort_cost_cny_per_kh: Pos = Field(
        1e5, le=1e9, description="penalty on temperature above the band [CNY per K·h]: a feasibility guard for an "
        "undersized plant, not a comfort price")
    cos_phi: Annotated[float, Field(gt=0, le=1)] = 0.95
    weather: WeatherFile | None = Field(
        None, description="weather file (EPW, TMY3, CSV with irradiance and temp_air) for the outdoor temperature "
        "and the solar gains; default the synthetic Changsha profile")

    @model_validator(mode="after")
    def _check(self) -> "AirConditioning":
        if self.t_min_c > self.t_max_c:
            raise ValueError(f"t_min_c {self.t_min_c} is above t_max_c {self.t_max_c}")
        lo = self.t_min_unoccupied_c if self.t_min_unoccupied_c is not None else self.t_min_c
        if lo > self.t_max_unoccupied_c:
            raise ValueError(f"unoccupied band [{lo}, {self.t_max_unoccupied_c}] °C is empty")
        if self.t_max_unoccupied_c < self.t_max_c:
            raise ValueError(f"t_max_unoccupied_c {self.t_max_unoccupied_c} is below the occupied set-point "
                             f"t_max_c {self.t_max_c}")
        for name, w in (("occupied_h", self.occupied_h), *(("setpoint_raise_windows_h", w)
                                                           for w in self.setpoint_raise_windows_h)):
            if w is not None and not (0 <= w[0] < w[1] <= 24):
                raise ValueError(f"{name} [{w[0]}, {w[1]}] must satisfy 0 <= start < end <= 24")
        return self

    # -- derived values ------------------------------------------------------------------------------
    @property
    def p_peak_mw(self) -> float:
        """Peak-load snapshot value [MW]: the plant's rating (the design-day load)."""
        return float(self.p_rated_mw)

    @property
    def archetype(self) -> None:
        """No load-shape archetype (the hosting snapshot takes the AC's minimum as 0)."""
        return None

    @property
    def r_value_k_per_mw(self) -> float:
        """Thermal resistance [K/MW] (given, or from ua_w_per_m2k and floor_area_m2)."""
        if self.r_k_per_mw is not None:
            return float(self.r_k_per_mw)
        return 1.0 / (self.ua_w_per_m2k * self.floor_area_m2 * 1e-6)

    @property
    def c_value_mwh_per_k(self) -> float:
        """Thermal capacity [MWh/K] (given, or from c_kj_per_m2k and floor_area_m2: kJ -> MWh is / 3.6e6)."""
        if self.c_mwh_per_k is not None:
            return float(self.c_mwh_per_k)
        return self.c_kj_per_m2k * self.floor_area_m2 / 3.6e6

    @property
    def occupied_hours(self) -> tuple[float, float]:
        return tuple(self.occupied_h) if self.occupied_h is not None else OCCUPANCY[self.occupancy]["hours"]

    @property
    def occupied_days(self) -> str:
        return OCCUPANCY[self.occupancy]["days"]

    @property
    def q_occupied_w_per_m2(self) -> float:
        if self.q_internal_w_per_m2 is not None:
            return float(self.q_internal_w_per_m2)
        return float(OCCUPANCY[self.occupancy]["q_internal_w_per_m2"])

    @property
    def t_min_unoccupied_value_c(self) -> float:
        return float(self.t_min_unoccupied_c if self.t_min_unoccupied_c is not None else self.t_min_c)

    @property
    def t_init_value_c(self) -> float:
        return float(self.t_init_c if self.t_init_c is not None else self.t_max_c)
