"""Hunan industrial & commercial time-of-use energy prices (湘发改价调〔2025〕385号).

Periods come from the 385号 month × hour table (domain data, confidence H): every step takes the period
of the local hour it begins in. Price levels are ASSUMPTIONS (confidence L, see :class:`Tariff`).

With flat price ``F`` [CNY/MWh], period multiplier ``m`` and non-floating part ``N``:

* ``floating='whole'``:       ``price = F × m``
* ``floating='energy_only'``: ``price = N + (F − N) × m``  (T&D, funds and system charges do not float)
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from scenarios.schema import Tariff
from vpp.domain import PERIODS, tou_period_table
from vpp.timeindex import TZ


@functools.cache
def _period_codes() -> np.ndarray:
    """Integer period code (index into :data:`PERIODS`) as an array [13, 24]; row 0 unused."""
    table = tou_period_table()
    codes = np.zeros((13, 24), dtype=np.int8)
    for m, row in table.items():
        codes[m] = [PERIODS.index(p) for p in row]
    return codes


def _local(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The index in local time (tz-aware indexes are converted; naive ones are taken as local)."""
    return index.tz_convert(TZ) if index.tz is not None else index


def tou_periods(index: pd.DatetimeIndex) -> pd.Series:
    """TOU period name ('valley', 'flat', 'peak', 'critical') of each step of a local-time index."""
    local = _local(index)
    codes = _period_codes()[local.month.to_numpy(), local.hour.to_numpy()]
    return pd.Series(np.asarray(PERIODS, dtype=object)[codes], index=index, name="period")


def energy_price(tariff: Tariff, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Energy price per step: columns ``period`` and ``price_cny_per_mwh`` [CNY/MWh] (see module doc)."""
    period = tou_periods(index)
    flat = float(tariff.flat_cny_per_mwh)
    m_of = np.array([float(tariff.multipliers[p]) for p in PERIODS])
    mult = m_of[pd.Categorical(period.to_numpy(), categories=list(PERIODS)).codes]
    if tariff.floating == "whole":
        price = flat * mult
    else:
        nf = float(tariff.non_floating_cny_per_mwh)
        price = nf + (flat - nf) * mult
    return pd.DataFrame({"period": period.to_numpy(), "price_cny_per_mwh": price}, index=index)


def export_price(tariff: Tariff, index: pd.DatetimeIndex) -> pd.Series:
    """Price paid for exported energy [CNY/MWh] per step (constant ``export_price_cny_per_mwh``)."""
    return pd.Series(float(tariff.export_price_cny_per_mwh), index=index, name="export_price_cny_per_mwh")


def month_keys(index: pd.DatetimeIndex) -> pd.Series:
    """Billing month ``'YYYY-MM'`` (local time) of each step, the key of the monthly demand charge."""
    return pd.Series(_local(index).strftime("%Y-%m"), index=index, name="month")
