"""Building blocks of the scenario schema: the strict base model and shared field types.

Every section module (``schema.py``, ``flex_schema.py``, ``dr_schema.py``, ...) builds on these, so the
schema can import its sections at the top without import cycles.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scenarios.units import convert_unit_aliases

NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]

LOAD_ARCHETYPES = (
    "office_public_weekday",
    "auto_parts_2shift",
    "data_centre",
    "cold_chain_logistics",
    "ecommerce_logistics",
    "public_ev_charging",
    "bus_depot",
)
Archetype = Literal[LOAD_ARCHETYPES]  # typing.Literal accepts a tuple of the allowed values


class Strict(BaseModel):
    """Base: unknown keys rejected, immutable, kilo-unit aliases converted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _unit_aliases(cls, data: Any) -> Any:
        return convert_unit_aliases(data, set(cls.model_fields))



class AssetBase(Strict):
    """Common fields of every asset spec, and what the rest of the simulator needs to know about a kind.

    A kind is one schema class (a subclass with ``kind: Literal["..."]``, registered with
    :func:`scenarios.schema.register_asset_spec`) plus one optimisation block
    (:func:`optimization.registry.register`). The class variables below replace lists of kind names
    elsewhere (network mapping, KPIs, peak snapshots):
    """

    #: pandapower table of the asset's element: "load" (consumption), "sgen" (generation) or "storage"
    pp_table: ClassVar[str] = "load"
    #: its energy counts as site load in the KPIs (not generation, storage or EV charging)
    site_load: ClassVar[bool] = True
    #: its nominal daily peak ``p_peak_mw`` enters the network's peak-load snapshot and hosting capacity
    peak_load: ClassVar[bool] = False
    #: reactive power from its ``cos_phi`` in baseline-rule snapshots (loads with a fixed power factor)
    q_from_cos_phi: ClassVar[bool] = False
    #: the profile :func:`vpp.profiles.build_profiles` makes for it: "load_shape" (archetype shape ×
    #: ``p_peak_mw`` with seeded noise, as ``p_load_mw``), "pv" (``p_available_mw``), "ev_sessions"
    #: (``sessions``) or None
    profile_builder: ClassVar[str | None] = None

    name: Name
