"""Input time series of a scenario: prices, PV availability, loads and EV sessions.

Every stochastic profile draws from its own generators :func:`rng_for(seed, asset_name, *keys) <rng_for>`,
so results are reproducible and adding or removing an asset does not change the other assets' numbers.

The synthetic profiles do not depend on the run's window: each stream is keyed by the scenario seed,
the asset and the calendar DATE (``yyyymmdd``; a month ``yyyymm`` for the PV clearness strata), so a
date has the same load, PV and generated EV sessions whether it is run alone, inside a week or inside a
year (``vpp run`` of a day equals that day picked out of ``vpp evaluate``). How each generator uses its
date streams: :mod:`vpp.profiles.loads` (date-keyed AR(1) noise), :mod:`vpp.profiles.pv` (month-keyed
stratified clearness, date-keyed intraday noise), :mod:`vpp.profiles.ev` (sessions per arrival date and a
local loss rule instead of a charger assignment that chains across days).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scenarios.schema import Scenario
from vpp.errors import DataError, Problem, ScenarioError, VppError
from vpp.tariffs import energy_price, export_price, month_keys
from vpp.timeindex import dt_hours, time_index


def rng_for(seed: int, name: str, *keys: int) -> np.random.Generator:
    """Generator of one named (and keyed) stream, stable across runs, platforms and Python versions.

    ``default_rng([seed mod 2^32, crc32(name)])`` without keys (the asset's stream); with keys, e.g. a date
    as the int ``yyyymmdd`` or a month as ``yyyymm``, ``default_rng([seed mod 2^32, crc32(name), *keys])``:
    numpy's ``SeedSequence`` hashes the whole entropy list, so every (seed, name, keys) is its own stream.
    Keys are non-negative integers below 2^32.
    """
    entropy = [int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF]
    for k in keys:
        k = int(k)
        if not 0 <= k < 2**32:
            raise ValueError(f"rng_for: key {k} is not an integer in [0, 2^32)")
        entropy.append(k)
    return np.random.default_rng(entropy)


def date_key(day) -> int:
    """``yyyymmdd`` of a date (or Timestamp), the key of a date's stream in :func:`rng_for`."""
    return day.year * 10000 + day.month * 100 + day.day


from vpp.profiles.ev import check_sessions, ev_sessions  # noqa: E402
from vpp.profiles.loads import load_mw  # noqa: E402
from vpp.profiles.pv import pv_available_mw  # noqa: E402
from vpp.profiles.measured import measured_ev_sessions, measured_pv_mw, profile_load_mw  # noqa: E402
from vpp.profiles.temperature import hvac_inputs  # noqa: E402
from vpp.profiles.data_centre import data_centre_inputs  # noqa: E402
from vpp.profiles.dc_building import dc_building_inputs  # noqa: E402

#: profile builders of kinds whose inputs are a table of per-step columns (``Profiles.inputs``)
FRAME_BUILDERS = {"data_centre": data_centre_inputs, "dc_building": dc_building_inputs}


class _ConnectionSize:
    """Size [MW] of each park's connection for the unit check of measured files: ``p_import_max_mw`` if
    given, else the transformers' rating (``n × Sn``); None when neither is known. Computed on first use."""

    def __init__(self, scn: Scenario):
        self.scn = scn
        self._mva: dict | None = None

    def __call__(self, park) -> float | None:
        if park.connection.p_import_max_mw is not None:
            return float(park.connection.p_import_max_mw)
        if self._mva is None:
            from network_models.ratings import connection_capacity_mva

            try:
                self._mva = connection_capacity_mva(self.scn)
            except VppError:  # an unknown bus or type: the network step names it
                self._mva = {}
        return self._mva.get(park.name)


@dataclass
class Profiles:
    """All time series of a run, on one index (tz-aware Asia/Shanghai, interval-beginning).

    ``prices``: columns ``period`` and ``price_cny_per_mwh`` [CNY/MWh]; ``export_price_cny_per_mwh``
    [CNY/MWh]; ``month``: billing month ``'YYYY-MM'`` per step; ``pv_available_mw`` [MW] per PV asset;
    ``load_mw`` [MW] per fixed_load and interruptible_load asset; ``ev_sessions`` per EV asset (columns
    of :func:`vpp.profiles.ev.ev_sessions`); ``hvac`` per air-conditioning asset: columns ``t_out_c`` [°C],
    ``q_gain_mw`` [MW thermal], ``occupied`` (1/0) of :func:`vpp.profiles.temperature.hvac_inputs`;
    ``data_notes``: provenance of the measured inputs.
    """

    index: pd.DatetimeIndex
    dt_h: float
    prices: pd.DataFrame
    export_price_cny_per_mwh: pd.Series
    month: pd.Series
    pv_available_mw: dict[str, pd.Series] = field(default_factory=dict)
    load_mw: dict[str, pd.Series] = field(default_factory=dict)
    ev_sessions: dict[str, pd.DataFrame] = field(default_factory=dict)
    hvac: dict[str, pd.DataFrame] = field(default_factory=dict)
    inputs: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: one line per asset read from a file: which file, which dates, how (written with the results)
    data_notes: list[str] = field(default_factory=list)


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
    conn = _ConnectionSize(scn)
    for park, a in scn.assets():
        kind = type(a).profile_builder  # what the asset's kind declares (scenarios.base.AssetBase)
        where = f"parks.{park.name}.assets.{a.name}"
        try:
            if kind == "pv" and (getattr(a, "weather", None) is not None or getattr(a, "production", None) is not None):
                prof.pv_available_mw[a.name], note = measured_pv_mw(a, index, conn(park))
                prof.data_notes.append(note)
            elif kind == "pv":
                prof.pv_available_mw[a.name] = pv_available_mw(a, index, scn.seed)
            elif kind == "load_shape":
                prof.load_mw[a.name], note = profile_load_mw(a, a.p_peak_mw, index, scn.seed, park.shutdown_days,
                                                             lambda: conn(park))
                prof.data_notes += [note] if note else []
            elif kind == "ev_sessions" and getattr(a, "sessions_file", None) is not None:
                s, note = measured_ev_sessions(a, index)
                prof.ev_sessions[a.name] = s
                prof.data_notes.append(note)
                problems += [Problem(f"{where}.sessions_file", m) for m in check_sessions(a, s, dt_h)]
            elif kind == "ev_sessions":
                s = ev_sessions(a, index, scn.seed)
                prof.ev_sessions[a.name] = s
                if a.sessions is not None:
                    problems += [Problem(f"{where}.sessions", m) for m in check_sessions(a, s, dt_h)]
            elif kind == "outdoor_temperature":
                prof.hvac[a.name], note = hvac_inputs(a, index, scn.seed, park.shutdown_days)
                if note is not None:
                    prof.data_notes.append(note)
            elif kind in FRAME_BUILDERS:
                prof.inputs[a.name], notes = FRAME_BUILDERS[kind](a, index, scn.seed, park.shutdown_days, conn(park))
                prof.data_notes += notes
        except DataError as exc:  # every unusable file of the scenario is reported at once, field named
            field_name = next(f for f in ("profile", "production", "weather", "sessions_file")
                              if getattr(getattr(a, f, None), "path", None) is not None)
            problems.append(Problem(f"{where}.{field_name}", str(exc)))
    if problems:
        raise ScenarioError(scn.name, problems)
    return prof


def input_notes(scn: Scenario, prof: Profiles) -> dict:
    """Where the inputs of a run came from, for the results: ``data`` (one line per asset read from a
    file), ``synthetic`` (assets whose profile is synthetic, seeded) and ``calendar`` (the holiday
    calendar of each simulated year)."""
    from vpp.calendar_cn import calendar_coverage

    measured = {n.split(":", 1)[0] for n in prof.data_notes}
    synthetic = [a.name for _, a in scn.assets()
                 if type(a).profile_builder is not None and a.name not in measured]
    years = sorted({int(y) for y in pd.DatetimeIndex(prof.index).year})
    return {"data": list(prof.data_notes), "synthetic": synthetic,
            "calendar": [calendar_coverage(y) for y in years]}


__all__ = ["Profiles", "build_profiles", "input_notes", "rng_for", "date_key", "pv_available_mw", "load_mw", "ev_sessions",
           "check_sessions"]
