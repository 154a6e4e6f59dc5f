"""One evaluated day of the capacity study (``vpp capacity``): its scenario and its model data.

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


def day_scenario(scn: Scenario, day: dt.date) -> Scenario:
    """The scenario restricted to one day (same seed: the profiles are keyed by date, so each day gets
    its own load noise, PV clouds, EV sessions, or its measured data; :mod:`vpp.profiles`)."""
    horizon = scn.horizon.model_copy(update={"start": day, "days": 1})
    return scn.model_copy(update={"horizon": horizon})


_DATA_CACHE: dict[tuple, ModelData] = {}


def day_model_data(scn: Scenario, capacity_mva: dict) -> ModelData:
    """Model data of one day (cached per process: the scopes of a day share it). The key is the whole
    scenario's content (two scenarios of the same name in one process, e.g. API calls from a notebook,
    never share data) and the connection capacities."""
    key = (scn.model_dump_json(), tuple(sorted(capacity_mva.items())))
    if key not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = model_data(scn, build_profiles(scn), capacity_mva)
    return _DATA_CACHE[key]
