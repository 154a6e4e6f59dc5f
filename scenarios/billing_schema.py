"""Scenario keys of a park's bill (``park.billing``): the basic-charge basis, the month so far, the power factor.

Imported by :mod:`scenarios.schema` (``Park.billing``). The rules and their sources are in docs/billing.md;
the arithmetic is :mod:`optimization.bill` (the post-hoc bill) and :mod:`optimization.model` (the LP).

Scenario files may give the kilo-unit variants (``contract_demand_kw``, ``peak_so_far_kw``,
``q_compensation_kvar``; :mod:`scenarios.units`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from scenarios.base import NonNeg, Pos, Strict

#: 功率因数调整电费办法 (1983) standards: 0.90 (high-voltage industrial users >= 160 kVA), 0.85 (other users
#: >= 100 kVA and large agricultural users), 0.80 (agricultural and wholesale users); recalled, not re-checked
POWER_FACTOR_STANDARDS = (0.90, 0.85, 0.80)


class ParkBilling(Strict):
    """How a park's basic charge and power-factor adjustment are billed (docs/billing.md).

    * ``basis``: ``max_demand`` (需量: the month's highest 15-min mean import × demand rate),
      ``contract_demand`` (合同最大需量: the contract value × demand rate, the part of the month's maximum
      demand above 105 % of it at twice the rate), ``capacity`` (容量: transformer kVA × capacity rate);
      default: the tariff's ``billing`` (two_part_demand -> max_demand, two_part_capacity -> capacity,
      single_part -> no basic charge).
    * ``peak_so_far_mw``: the maximum demand the park has already reached in the billing month of the
      horizon's first day before the horizon starts; only the increase above it is charged.
    * ``power_factor_standard``: the standard of the power-factor adjustment (力调电费); ``None`` (default) =
      no adjustment.
    * ``q_compensation_mvar``: reactive power supplied by the park's own compensation (capacitor banks,
      SVG) at every step [MVAr]; the metered reactive draw is ``max(0, Q_draw - q_compensation_mvar)``.
    """

    basis: Literal["max_demand", "contract_demand", "capacity"] | None = Field(
        None, description="basic-charge basis; default from tariff.billing (docs/billing.md)")
    contract_demand_mw: Pos | None = Field(
        None, le=1e4, description="合同最大需量 [MW] (basis contract_demand); charged in full, the excess above 105 % at "
        "twice the rate")
    peak_so_far_mw: NonNeg | None = Field(
        None, le=1e4, description="maximum demand already reached in the horizon's first billing month before the "
        "horizon starts [MW]; only the increase above it is charged")
    power_factor_standard: Literal[0.90, 0.85, 0.80] | None = Field(
        None, description="力调电费 standard (0.90 / 0.85 / 0.80, 功率因数调整电费办法 1983); default: no adjustment")
    q_compensation_mvar: NonNeg = Field(0.0, le=1e4, description="reactive compensation of the park [MVAr]")

    @model_validator(mode="after")
    def _contract(self) -> "ParkBilling":
        if self.basis == "contract_demand" and self.contract_demand_mw is None:
            raise ValueError("basis 'contract_demand' needs contract_demand_mw (or contract_demand_kw)")
        if self.contract_demand_mw is not None and self.basis != "contract_demand":
            raise ValueError("contract_demand_mw only applies to basis 'contract_demand'")
        return self


def demand_basis(billing: ParkBilling, tariff_billing: str) -> str:
    """The park's basic-charge basis: its own ``basis``, else the tariff's (``none`` for single-part)."""
    if billing.basis is not None:
        return billing.basis
    return {"two_part_demand": "max_demand", "two_part_capacity": "capacity"}.get(tariff_billing, "none")
