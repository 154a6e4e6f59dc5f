"""The ``economics`` section of a scenario: project costs, finance and sizing bounds (all CNY).

Defaults are from ``vpp/data/hunan_yuhua.yaml`` / domain README §9 with their source key and confidence.
Per-unit prices use the SI unit of the quantity they multiply: PV capex in CNY per W peak (DC), storage
capex in CNY per Wh of nameplate energy, chargers in CNY per kW of charger power.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from scenarios.base import Strict

NonNeg = Annotated[float, Field(ge=0)]
Rate = Annotated[float, Field(ge=-0.5, le=1.0)]


class SizeBounds(Strict):
    """Bounds of the sizing variables of ``vpp evaluate --size`` (per sized asset, the same for every asset).

    Names end in their unit, so scenario files may use kilo-units (``pv_max_kwp: 3000``,
    ``battery_e_max_kwh: 4000``, ``battery_p_max_kw: 2000``). An upper bound left at ``None`` is twice the
    asset's size in the scenario (ASSUMPTION: the roof / plant room of the scenario's design takes at most
    double the designed size); set it explicitly when the roof area is known.
    """

    pv_min_mwp: NonNeg = Field(0.0, description="lowest PV size [MWp]")
    pv_max_mwp: NonNeg | None = Field(None, description="highest PV size [MWp] (roof area); default 2 × the scenario's p_mwp")
    battery_e_min_mwh: NonNeg = Field(0.0, description="lowest battery energy [MWh]")
    battery_e_max_mwh: NonNeg | None = Field(None, description="highest battery energy [MWh]; default 2 × the scenario's e_max_mwh")
    battery_p_min_mw: NonNeg = Field(0.0, description="lowest battery power [MW]")
    battery_p_max_mw: NonNeg | None = Field(None, description="highest battery power [MW]; default 2 × the scenario's p_max_mw")

    @model_validator(mode="after")
    def _order(self) -> "SizeBounds":
        for lo_k, hi_k in (("pv_min_mwp", "pv_max_mwp"), ("battery_e_min_mwh", "battery_e_max_mwh"),
                           ("battery_p_min_mw", "battery_p_max_mw")):
            lo, hi = getattr(self, lo_k), getattr(self, hi_k)
            if hi is not None and lo > hi:
                raise ValueError(f"{lo_k} {lo} is above {hi_k} {hi}")
        return self

    def bounds(self, key: str, scenario_size: float) -> tuple[float, float]:
        """``(lo, hi)`` of ``key`` in ``pv_mwp | battery_e_mwh | battery_p_mw`` for an asset of ``scenario_size``."""
        unit = {"pv_mwp": ("pv", "mwp"), "battery_e_mwh": ("battery_e", "mwh"), "battery_p_mw": ("battery_p", "mw")}[key]
        lo = getattr(self, f"{unit[0]}_min_{unit[1]}")
        hi = getattr(self, f"{unit[0]}_max_{unit[1]}")
        hi = 2.0 * scenario_size if hi is None else hi
        return lo, max(lo, hi)


class Economics(Strict):
    """Project economics: which assets are the project, their costs, finance and carbon sensitivities."""

    project_kinds: list[Literal["pv", "battery", "ev_charging"]] = Field(
        default_factory=lambda: ["pv", "battery"],
        description="asset kinds that are the investment; pv and battery are removed from the baseline "
        "(the no-project reference), ev_charging stays as unmanaged load and only adds charger capex",
    )
    pv_capex_cny_per_w: NonNeg = Field(3.0, description="C&I rooftop PV installed, 3.0 CNY/W (ASSUMPTION L; S_HN_TOOL 3.8)")
    battery_capex_cny_per_wh: NonNeg = Field(
        0.9, description="C&I behind-the-meter BESS installed, 0.9 CNY/Wh (ASSUMPTION L; utility tender 0.4646 S_BESS_CEEC_2025 H)"
    )
    battery_power_capex_cny_per_w: NonNeg = Field(
        0.0, description="power-related (PCS) part of the battery capex per W of converter power; 0 by default because "
        "the 0.9 CNY/Wh C&I installed price includes the PCS at the usual 0.5C (ASSUMPTION L)"
    )
    charger_capex_cny_per_kw: NonNeg = Field(800.0, description="AC/DC charger installed, 800 CNY/kW (ASSUMPTION L)")
    pv_om_cny_per_w_year: NonNeg = Field(0.045, description="PV O&M 0.04-0.05 CNY/W·yr (ASSUMPTION L)")
    battery_om_share_of_capex: Annotated[float, Field(ge=0, le=0.2)] = Field(
        0.02, description="battery O&M per year as a share of its capex (ASSUMPTION L)"
    )
    charger_om_share_of_capex: Annotated[float, Field(ge=0, le=0.2)] = Field(0.03, description="ASSUMPTION L")
    battery_calendar_life_years: Annotated[int, Field(ge=1, le=50)] = Field(15, description="S_NREL_ATB, H")
    battery_cycle_life: Annotated[float, Field(gt=0)] = Field(6000.0, description="LFP 6,000-8,000 cycles at 80-90 % DoD (market, M)")
    battery_replacement_share_of_capex: Annotated[float, Field(ge=0, le=2)] = Field(
        0.6, description="replacement cost as a share of today's capex (cost decline, ASSUMPTION L)"
    )
    pv_degradation_per_year: Annotated[float, Field(ge=0, le=0.1)] = Field(
        0.005, description="0.4-0.55 %/yr after the first year (market practice, M)"
    )
    discount_rate: Rate = Field(0.06, description="real discount rate (ASSUMPTION)")
    lifetime_years: Annotated[int, Field(ge=1, le=50)] = Field(25, description="analysis period [years]")
    price_escalation_per_year: Rate = Field(0.0, description="yearly escalation of the bill savings")
    subsidy_capex_cny: NonNeg = Field(0.0, description="one-off investment subsidy in year 0 [CNY]")
    subsidy_pv_cny_per_kwh: NonNeg = Field(0.0, description="output subsidy per kWh of PV generation")
    subsidy_pv_years: Annotated[int, Field(ge=0, le=50)] = Field(0, description="years the PV output subsidy is paid")
    ef_sensitivity_kgco2_per_kwh: dict[str, float] = Field(
        default_factory=lambda: {"national_2023_notice": 0.5703, "national_2022": 0.5366},
        description="extra emission factors for the carbon sensitivity (S_EF_0p5703 H, S_EF_MEE_2022 H)",
    )
    size_bounds: SizeBounds = SizeBounds()
