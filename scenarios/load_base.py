"""Base of the load kinds whose consumption is a profile: an archetype shape or a measured file.

Fixed loads, interruptible loads and thermal-storage loads take their (nominal) consumption either
from an ``archetype`` (synthetic shape × ``p_peak_mw`` with seeded noise, :mod:`vpp.profiles.loads`) or
from ``profile`` (a measured series, :class:`scenarios.data_schema.ProfileFile`, read by
:mod:`vpp.measured`). Exactly one of the two is given. With a measured profile, ``p_peak_mw`` stays the
planning peak the network's peak-load case and hosting use; the file's own values are used as they
are (times ``profile.scale``).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from scenarios.base import Archetype, AssetBase
from scenarios.data_schema import ProfileFile


class ProfileLoad(AssetBase):
    """A load whose consumption comes from an archetype or from a measured file (exactly one)."""

    profile_builder: ClassVar[str | None] = "load_shape"
    archetype: Archetype | None = Field(None, description="synthetic daily shape (domain §6.2, ASSUMPTION L); "
                                        "or give `profile`")
    profile: ProfileFile | None = Field(None, description="measured consumption from a file (docs/data.md); "
                                        "replaces `archetype`")

    @model_validator(mode="after")
    def _one_source(self):
        if (self.archetype is None) == (self.profile is None):
            raise ValueError("give archetype (a synthetic shape) or profile (a measured file), not both"
                             if self.profile is not None else
                             "give archetype (a synthetic shape) or profile (a measured file)")
        return self


class DefaultArchetypeLoad(ProfileLoad):
    """A profile load whose kind has a default archetype (data centre, DC-bus building): a measured
    ``profile`` given without ``archetype`` replaces the default instead of clashing with it."""

    @model_validator(mode="before")
    @classmethod
    def _measured_replaces_archetype(cls, data):
        if isinstance(data, dict) and data.get("profile") is not None and "archetype" not in data:
            data = {**data, "archetype": None}
        return data
