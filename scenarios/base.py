"""Building blocks of the scenario schema: the strict base model and shared field types.

Every section module (``schema.py``, ``flex_schema.py``, ``dr_schema.py``, ...) builds on these, so the
schema can import its sections at the top without import cycles.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

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


def _numeric(annotation: Any) -> bool:
    """Whether a field annotation is a number (int or float, possibly optional / annotated)."""
    if annotation in (int, float):
        return True
    if get_origin(annotation) is Annotated:
        return _numeric(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return any(_numeric(a) for a in get_args(annotation) if a is not type(None))
    return False


def _not_a_number(value: Any, annotation: Any) -> bool:
    """A string or boolean where a number (or a list / tuple / dict of numbers) is declared."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if _numeric(annotation):
        return isinstance(value, (str, bool))
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return all(_not_a_number(value, a) for a in get_args(annotation) if a is not type(None)) and value is not None
    if origin in (list, tuple) and isinstance(value, (list, tuple)):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        if not args:
            return False
        items = zip(value, args) if origin is tuple and len(args) == len(value) else ((v, args[0]) for v in value)
        return any(_not_a_number(v, a) for v, a in items)
    if origin is dict and isinstance(value, dict):
        return any(_not_a_number(v, get_args(annotation)[1]) for v in value.values())
    return False


class Strict(BaseModel):
    """Base: unknown keys rejected, immutable, kilo-unit aliases converted, numbers strict.

    A number must be written as a number: a string (``"1500"``) or a boolean (``true``) where a number
    is declared is an error naming the field (pydantic would otherwise convert them), and ``.inf`` /
    ``.nan`` are rejected (``allow_inf_nan=False``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _unit_aliases(cls, data: Any) -> Any:
        data = convert_unit_aliases(data, set(cls.model_fields))
        if isinstance(data, dict):
            for key, value in data.items():
                f = cls.model_fields.get(key) if isinstance(key, str) else None
                if f is not None and _not_a_number(value, f.annotation):
                    raise ValueError(f"'{key}': {value!r} is not a number (write numbers without quotes; "
                                     "true/false are not numbers)")
        return data



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
