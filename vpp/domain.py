"""Access to the project's sourced domain data (``vpp/data/hunan_yuhua.yaml``).

The YAML file is a copy of the shared domain data (narrative, sources and confidence levels in the
domain README). It is read once per process (:func:`functools.cache`); the accessors below return
fresh copies so callers cannot modify the cached data.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
DOMAIN_FILE = DATA_DIR / "hunan_yuhua.yaml"

PERIODS = ("valley", "flat", "peak", "critical")


@functools.cache
def domain() -> dict[str, Any]:
    """The whole domain data file as a (cached) nested dict. Do not modify the result."""
    with DOMAIN_FILE.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C parser where built


def load_shape(archetype: str) -> np.ndarray:
    """Hourly per-unit load shape (domain §6.2, ASSUMPTION L): 24 values, hour-beginning 0…23, max 1."""
    shapes = domain()["loads_ev_costs"]["load_shapes_pu_hour_beginning"]["data"]
    if archetype not in shapes:
        raise KeyError(f"unknown load archetype '{archetype}' (known: {', '.join(shapes)})")
    return np.asarray(shapes[archetype], dtype=float).copy()


def tou_period_table() -> dict[int, list[str]]:
    """湘发改价调〔2025〕385号 TOU period of each (month 1…12, hour-beginning 0…23)."""
    table = domain()["tariff_hunan"]["tou_2025"]["month_hour_period"]
    return {int(m): list(v) for m, v in table.items()}


def tou_multipliers() -> dict[str, float]:
    """Price ratio to the flat price per period (385号: 0.4 / 1.0 / 1.6 / 1.92)."""
    return dict(domain()["tariff_hunan"]["tou_2025"]["multipliers_vs_flat"])


def pv_monthly_yield_kwh_per_kwp() -> np.ndarray:
    """Monthly AC yield [kWh/kWp] Jan…Dec of a 20° south PV system on the Changsha TMYx (pvlib calc)."""
    m = domain()["solar_climate_changsha"]["monthly"]["pv_yield_tilt20_tmyx_kwh_kwp"]
    return np.asarray(m, dtype=float).copy()


def site() -> dict[str, Any]:
    """Representative site of Yuhua District: ``lat``, ``lon`` [deg], ``alt`` [m], ``tz``."""
    s = domain()["solar_climate_changsha"]["site"]
    return {"lat": float(s["lat"]), "lon": float(s["lon"]), "alt": float(s["alt_m"]), "tz": str(s["tz"])}


def climate_monthly() -> dict[str, list[float]]:
    """Monthly climate of Changsha Jan…Dec (S_TMYX): ``t_mean_c`` [°C], ``ghi_tmyx_kwh_m2`` and
    ``ghi_ashrae_allsky_kwh_m2`` [kWh/m²], ``cdd18_3`` / ``hdd18_3`` [K·d], ``precip_mm``."""
    m = domain()["solar_climate_changsha"]["monthly"]
    return {k: [float(x) for x in v] for k, v in m.items() if isinstance(v, list)}
