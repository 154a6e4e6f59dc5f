"""The ``carbon`` section of a scenario: grid emission factor, bought green electricity, green/CO2 targets.

Accounting (:mod:`vpp.evaluation.green`): CO2 [t] = (grid import − bought green electricity) [MWh] ×
``ef_kgco2_per_kwh`` (numerically t/MWh); bought green electricity counts as zero-emission. Basis: China's
green electricity certificates (绿证) are the basis for counting renewable electricity consumption (NDRC/NEA
notice on full coverage of green certificates, 发改能源〔2023〕1044号, July 2023; cited as recalled, not
checked here). Green-power share = (PV generation − export + bought green electricity) / site consumption.

A target (``green_share_target``, ``co2_cap_t``, ``co2_intensity_cap_kg_per_kwh``) holds for the whole
evaluated scenario (all parks together) over the year. With ``vpp evaluate --size`` it is a constraint of
the sizing LP (least-cost design meeting it); without sizing, green electricity is bought after the
dispatch only as far as a target asks for it. Without a target nothing is bought.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from scenarios.base import Pos, Strict

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class GreenPurchase(Strict):
    """Green electricity / certificates (绿电 / 绿证) the park may buy on top of its grid supply.

    ``price_cny_per_mwh``: premium over the grid tariff per MWh bought green (one certificate = 1 MWh).
    Default 30 CNY/MWh, ASSUMPTION, confidence L: recalled market figures, not in the project's domain file:
    unbundled green certificates traded at a few CNY to ~20 CNY per certificate in 2024 (oversupplied market
    after 1044号), green-electricity (bundled, 绿电交易) premiums of about 0.02-0.05 CNY/kWh over the
    medium/long-term contract price. Override it per scenario (``carbon.green_purchase.price_cny_per_kwh: 0.05``).
    """

    price_cny_per_mwh: Annotated[float, Field(ge=0.0, le=10_000.0)] = Field(
        30.0, description="premium per MWh bought green [CNY/MWh] (ASSUMPTION, confidence L: certificates a few "
        "CNY each in 2024, green-electricity premiums 20-50 CNY/MWh)")
    max_share: Share = Field(1.0, description="at most this share of the site consumption may be covered by bought "
                             "green electricity [0-1]; it never exceeds the grid import")


class Carbon(Strict):
    """Grid emission factor, optional green purchase and optional targets (module docstring)."""

    ef_kgco2_per_kwh: Pos = Field(0.49, description="Hunan 2022 grid factor (S_EF_PROV_TABLE, M); national 0.5703 (S_EF_0p5703, H)")
    green_purchase: GreenPurchase | None = Field(
        None, description="buying green electricity / certificates is allowed (None: not allowed)")
    green_share_target: Share | None = Field(
        None, description="least green-power share of the site consumption over the year [0-1] (all parks)")
    co2_cap_t: Annotated[float, Field(ge=0.0, le=1e9)] | None = Field(
        None, description="most CO2 of the year [tCO2/yr] (all parks; grid import − green purchase, × ef)")
    co2_intensity_cap_kg_per_kwh: Annotated[float, Field(ge=0.0, le=10.0)] | None = Field(
        None, description="most CO2 per kWh of site consumption over the year [kgCO2/kWh] (all parks)")
