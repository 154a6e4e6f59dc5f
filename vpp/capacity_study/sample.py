"""One sampled day of the capacity study (``vpp capacity``): its scenario and its model data.

Shared by the study (:mod:`vpp.capacity_study.study`: sweep of the windows) and its grid limits
(:mod:`vpp.capacity_study.grid`: background dispatch, AC check of the windows), which both work on the same
sampled days.
"""

from __future__ import annotations

import datetime as dt

from optimization import ModelData
from scenarios.schema import Scenario
from vpp.dispatch import model_data
from vpp.profiles import build_profiles

DISTRICT = "district"  # scope name of the district total (all parks together)


def day_scenario(scn: Scenario, day: dt.date, k: int) -> Scenario:
    """The scenario restricted to one day, with seed ``seed + k`` (sample ``k``)."""
    horizon = scn.horizon.model_copy(update={"start": day, "days": 1})
    return scn.model_copy(update={"horizon": horizon, "seed": scn.seed + k})


_DATA_CACHE: dict[tuple, ModelData] = {}


def day_model_data(scn: Scenario, capacity_mva: dict) -> ModelData:
    """Model data of one sampled day (cached per process: several scopes share a sample)."""
    key = (scn.name, scn.seed, scn.horizon.start)
    if key not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = model_data(scn, build_profiles(scn), capacity_mva)
    return _DATA_CACHE[key]
