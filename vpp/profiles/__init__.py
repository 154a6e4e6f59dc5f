"""Input time series of a scenario: prices, PV availability, loads and EV sessions.

Every stochastic profile draws from its own generator :func:`rng_for(seed, asset_name) <rng_for>`, so
results are reproducible and adding or removing an asset does not change the other assets' numbers.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scenarios.schema import Scenario
from vpp.errors import Problem, ScenarioError
from vpp.tariffs import energy_price, export_price, month_keys
from vpp.timeindex import dt_hours, time_index


def rng_for(seed: int, name: str) -> np.random.Generator:
    """Generator of one named stream: ``default_rng([seed, crc32(name)])`` (stable across runs and Pythons)."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF])


from vpp.profiles.ev import check_sessions, ev_sessions  # noqa: E402
from vpp.profiles.loads import load_mw  # noqa: E402
from vpp.profiles.pv import pv_available_mw  # noqa: E402


@dataclass
class Profiles:
    """All time series of a run, on one index (tz-aware Asia/Shanghai, interval-beginning).

    ``prices``: columns ``period`` and ``price_cny_per_mwh`` [CNY/MWh]; ``export_price_cny_per_mwh``
    [CNY/MWh]; ``month``: billing month ``'YYYY-MM'`` per step; ``pv_available_mw`` [MW] per PV asset;
    ``load_mw`` [MW] per fixed_load and interruptible_load asset; ``ev_sessions`` per EV asset (columns
    of :func:`vpp.profiles.ev.ev_sessions`).
    """

    index: pd.DatetimeIndex
    dt_h: float
    prices: pd.DataFrame
    export_price_cny_per_mwh: pd.Series
    month: pd.Series
    pv_available_mw: dict[str, pd.Series] = field(default_factory=dict)
    load_mw: dict[str, pd.Series] = field(default_factory=dict)
    ev_sessions: dict[str, pd.DataFrame] = field(default_factory=dict)


def build_profiles(scn: Scenario, index: pd.DatetimeIndex | None = None) -> Profiles:
    """Build every profile of a scenario on ``index`` (default: the scenario horizon).

    Raises :class:`~vpp.errors.ScenarioError` listing all problems of explicit EV sessions.
    """
    if index is None:
        h = scn.horizon
        index = time_index(h.start, h.days, h.resolution_min)
    dt_h = dt_hours(index)
    prof = Profiles(
        index=index,
        dt_h=dt_h,
        prices=energy_price(scn.tariff, index),
        export_price_cny_per_mwh=export_price(scn.tariff, index),
        month=month_keys(index),
    )
    problems: list[Problem] = []
    for park, a in scn.assets():
        rng = rng_for(scn.seed, a.name)
        kind = type(a).profile_builder  # what the asset's kind declares (scenarios.base.AssetBase)
        if kind == "pv":
            prof.pv_available_mw[a.name] = pv_available_mw(a, index, rng)
        elif kind == "load_shape":
            prof.load_mw[a.name] = load_mw(a.archetype, a.p_peak_mw, index, rng, a.noise_std_pu,
                                           getattr(a, "weekend_factor", None))
        elif kind == "ev_sessions":
            s = ev_sessions(a, index, rng)
            prof.ev_sessions[a.name] = s
            if a.sessions is not None:
                path = f"parks.{park.name}.assets.{a.name}.sessions"
                problems += [Problem(path, m) for m in check_sessions(a, s, dt_h)]
    if problems:
        raise ScenarioError(scn.name, problems)
    return prof


__all__ = ["Profiles", "build_profiles", "rng_for", "pv_available_mw", "load_mw", "ev_sessions", "check_sessions"]
