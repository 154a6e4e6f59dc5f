"""Roofs of a park and the rooftop-PV plan (``parks[].roofs``, ``plan``): schema and sourced defaults.

A park may declare its roofs; the scenario's ``plan`` section sizes PV on them when the scenario is loaded
(:mod:`scenarios.plan` holds the maths). Each PV asset the plan creates carries its derivation
(:class:`RoofSizing`), so the resolved scenario shows how its ``p_mwp`` was obtained and the schema checks that
``p_mwp`` still equals it.

Defaults and their provenance
-----------------------------
* ``plan.pv_rooftop_share`` 0.5: the target "新建公共机构建筑、新建厂房屋顶光伏覆盖率力争达到50%" of the Yuhua
  District carbon-peaking plan (2023), which takes it from the national 城乡建设领域碳达峰实施方案 (建标〔2022〕53号)
  for 2025. The plan's text is not in the project's domain data (domain README §7, gap 7): policy target,
  confidence M. No sourced figure exists for 2030: the same share is kept unless the scenario says otherwise.
* ``plan.density_wp_per_m2`` (peak DC power per m² of *usable* roof, rows and their spacing included):
  140 Wp/m² for 2025, 160 Wp/m² for 2030. ASSUMPTION, confidence L (the domain data has no module
  density). Basis: NREL's US rooftop study (Gagnon et al. 2018, Environ. Res. Lett. 13 024027) puts 1,118 GW on
  8.13 billion m² of suitable roof, 138 Wp/m², with 2016 modules (~16 % efficient); a 2025 module of ~21 %
  (~210 Wp/m² of module) at a roof cover ratio of ~0.7 gives ~145 Wp/m²; the Chinese rule of thumb of
  ~1 MWp per 10,000 m² of gross factory roof with 70 % of it usable gives 143 Wp/m². 2030: module
  efficiency ~24 % (+~14 %), 140 × 1.14 ≈ 160 Wp/m².
* ``roof.usable_share`` (share of the roof area free of skylights, plant, fire paths and shade): by use,
  ``factory`` and ``logistics`` 0.7 (large flat steel or concrete roofs), ``public`` and ``commercial`` 0.6
  (more plant and roof terraces). ASSUMPTION, confidence L.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from scenarios.base import Fraction, Name, NonNeg, Pos, Strict

RoofUse = Literal["factory", "public", "commercial", "logistics"]

#: usable share of a roof by its use when the scenario gives none (ASSUMPTION, confidence L)
USABLE_SHARE_DEFAULT: dict[str, float] = {"factory": 0.7, "logistics": 0.7, "public": 0.6, "commercial": 0.6}
#: Wp of PV per m² of usable roof by plan year (ASSUMPTION, confidence L; basis in the module docstring)
DENSITY_WP_PER_M2_DEFAULT: dict[int, float] = {2025: 140.0, 2030: 160.0}
#: the plan's rooftop PV share of new public and factory roofs, 2025 (policy target, confidence M)
PV_ROOFTOP_SHARE_DEFAULT = 0.5
MAX_ROOF_M2 = 10_000_000.0  # 10 km² of one roof: far above any building, a typo of units


class Roof(Strict):
    """One roof of a park (or a group of similar roofs) that may carry PV."""

    name: Name
    area_m2: Pos = Field(le=MAX_ROOF_M2, description="roof area [m²] (gross, on plan)")
    usable_share: Fraction = Field(
        description="share of the area where modules may go [-]; default by use: factory/logistics 0.7, "
        "public/commercial 0.6 (ASSUMPTION L)")
    new: bool = Field(description="true: a new building (the plan's target); false: an existing one")
    use: RoofUse = Field(description="factory | public | commercial | logistics")
    existing_pv_mwp: NonNeg = Field(
        0.0, le=MAX_ROOF_M2 * 1e-3, description="PV already on this roof [MWp] (declared as a pv asset of the "
        "park): counted towards the plan's share, the plan adds only the rest")
    tilt_deg: float | None = Field(None, ge=0, le=90, description="module tilt of the PV the plan puts here; "
                                   "default: the pv asset's (20°)")
    azimuth_deg: float | None = Field(None, ge=0, lt=360, description="module azimuth (180 = south); default: "
                                      "the pv asset's (180°)")

    @model_validator(mode="before")
    @classmethod
    def _default_share(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("usable_share") is None and data.get("use") in USABLE_SHARE_DEFAULT:
            data = {**data, "usable_share": USABLE_SHARE_DEFAULT[data["use"]]}
        return data


class Plan(Strict):
    """Rooftop PV "as planned": PV on ``pv_rooftop_share`` of the usable area of the counted roofs.

    A roof counts when its ``use`` is in ``uses`` and it is new (``roofs: new``) or any (``roofs: all``).
    Declared PV assets stay; the plan adds one PV asset per counted roof (``scenarios.plan``).
    """

    pv_rooftop_share: Fraction = Field(
        PV_ROOFTOP_SHARE_DEFAULT, description="share of the usable area of counted roofs covered with PV [-]; "
        "0.5 = the 2025 target of the Yuhua carbon-peaking plan (建标〔2022〕53号, confidence M)")
    year: Literal[2025, 2030] = Field(2025, description="plan year: picks the default density")
    roofs: Literal["new", "all"] = Field("new", description="'new': only roofs with new: true; 'all': every roof")
    uses: list[RoofUse] = Field(
        default_factory=lambda: ["factory", "public"], min_length=1,
        description="roof uses the plan covers; default factory and public (新建厂房 / 公共机构建筑)")
    density_wp_per_m2: Pos = Field(
        description="peak power per m² of usable roof [Wp/m²]; default 140 (2025) or 160 (2030), ASSUMPTION L")

    @model_validator(mode="before")
    @classmethod
    def _default_density(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("density_wp_per_m2") is None:
            year = data.get("year", 2025)
            if year in DENSITY_WP_PER_M2_DEFAULT and not isinstance(year, bool):
                data = {**data, "density_wp_per_m2": DENSITY_WP_PER_M2_DEFAULT[year]}
        return data

    @model_validator(mode="after")
    def _unique_uses(self) -> "Plan":
        if len(set(self.uses)) != len(self.uses):
            raise ValueError(f"uses {self.uses} lists a use twice")
        return self


class RoofSizing(Strict):
    """How the plan sized a PV asset (a record written into the resolved scenario):
    ``p_mwp = area_m2 · usable_share · pv_rooftop_share · density_wp_per_m2 · 1e-6 − existing_pv_mwp``."""

    roof: Name = Field(description="the park's roof this PV sits on")
    area_m2: Pos = Field(le=MAX_ROOF_M2)
    usable_share: Fraction
    pv_rooftop_share: Fraction
    density_wp_per_m2: Pos
    existing_pv_mwp: NonNeg = 0.0
    year: Literal[2025, 2030]

    @property
    def p_mwp(self) -> float:
        """Planned DC power on the roof [MWp] (may be <= 0 when existing PV already covers the share)."""
        return (self.area_m2 * self.usable_share * self.pv_rooftop_share * self.density_wp_per_m2 * 1e-6
                - self.existing_pv_mwp)
