"""Building blocks of the scenario schema: the strict base model and shared field types.

Every section module (``schema.py``, ``flex_schema.py``, ``dr_schema.py``, ...) builds on these, so the
schema can import its sections at the top without import cycles.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

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
    name: Name
