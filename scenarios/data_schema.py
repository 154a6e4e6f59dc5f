"""Measured data files in a scenario: where a meter series is, and how to read it.

A :class:`ProfileFile` names a table of measured values (CSV, Parquet or Excel) and says how to read
it: the unit of the numbers, the table's layout, which column holds the meter, whether a timestamp
labels the start or the end of its interval, and whether (and how) gaps may be filled. Reading,
checking, resampling and mapping the dates onto the simulated horizon are done by
:mod:`vpp.measured`; the rules are in ``docs/data.md``.

This is a leaf module: it imports only pydantic and :mod:`scenarios.base`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator
from typing_extensions import TypeAliasType

from scenarios.base import Strict

#: units of the numbers in a file: kW / MW = mean power over the interval, kWh / MWh = energy per interval
DATA_UNITS = ("kW", "MW", "kWh", "MWh")
#: factor from the file's unit to MW (power units) or MWh (energy units)
UNIT_TO_MEGA = {"kW": 1e-3, "MW": 1.0, "kWh": 1e-3, "MWh": 1.0}
#: energy units: the value of an interval is divided by its length [h] to give mean power
ENERGY_UNITS = ("kWh", "MWh")
LAYOUTS = ("auto", "long", "wide", "daily96")
STAMPS = ("beginning", "ending", "auto")
FILL_POLICIES = ("refuse", "linear", "previous", "zero")
#: points per day accepted in a one-row-per-day table (hourly, half-hourly, 15 min, 5 min)
DAILY_POINTS = (24, 48, 96, 288)

# A sheet name or a 0-based position. A type alias (not a bare ``str | int`` union) so that the strict
# number check of :class:`Strict` does not take the field for a number and refuse sheet names.
SheetRef = TypeAliasType("SheetRef", Union[str, Annotated[int, Field(ge=0, le=1000)]])
# A meter id as written in the file's meter column: text or a number (表号 are often numbers).
MeterId = TypeAliasType("MeterId", Union[str, int])


class ProfileFile(Strict):
    """A measured series in a file: 15-minute (or 1–60 min) meter data of one load.

    The numbers become mean power [MW] per interval on interval-beginning local (Asia/Shanghai) time.
    """

    path: str = Field(min_length=1, description="the data file (.csv, .parquet, .xlsx), relative to the scenario file")
    unit: Literal["kW", "MW", "kWh", "MWh"] = Field(
        "kW", description="unit of the numbers: kW / MW = mean power over the interval; kWh / MWh = energy per interval")
    layout: Literal["auto", "long", "wide", "daily96"] = Field(
        "auto", description="long: a timestamp column and a value column; wide: a timestamp column and one column per "
        "meter; daily96: one row per day with 96 (or 24, 48, 288) value columns labelled 00:15 … 24:00, 00:00 … 23:45 "
        "or 1 … 96; auto: detected")
    column: str | None = Field(
        None, description="value column (long / wide tables): required when the table has more than one value column")
    timestamp_column: str | None = Field(
        None, description="timestamp column (long / wide) or date column (daily96); default: the first column of "
        "dates / datetimes")
    sheet: SheetRef | None = Field(None, description="Excel sheet: its name or 0-based position; default: the first sheet")
    meter_column: str | None = Field(
        None, description="column holding the meter id when several meters are stacked as groups of rows (long or "
        "daily96 tables); default: the one text column besides the dates, when `meter` is given")
    meter: MeterId | None = Field(
        None, description="meter id to read from a table of stacked meters (the value in `meter_column`)")
    stamps: Literal["beginning", "ending", "auto"] = Field(
        "auto", description="long / wide tables: a timestamp labels the start ('beginning') or the end ('ending') of "
        "its interval; auto: 'ending' when the first timestamp is one step after midnight (00:15 for 15 min data: "
        "times run (00:00, 24:00]) or the table starts mid-day and ends at a midnight, else 'beginning'. "
        "One-row-per-day tables are labelled by their column headers and ignore this")
    fill: Literal["refuse", "linear", "previous", "zero"] = Field(
        "refuse", description="missing intervals (absent rows, blank cells): refuse the file, or fill them by linear "
        "interpolation, with the previous value or with zero")
    max_fill_steps: int = Field(
        4, ge=1, le=288, description="longest gap [steps] a fill policy may fill; longer gaps are refused")
    scale: float = Field(1.0, gt=0, le=1e6, description="multiplier applied to the values [-] (e.g. a CT ratio)")

    @field_validator("sheet", "meter", mode="before")
    @classmethod
    def _no_bool(cls, value):
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is neither a name nor a number")
        return value

    @field_validator("path", "column", "timestamp_column", "meter_column")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value


__all__ = ["ProfileFile", "DATA_UNITS", "UNIT_TO_MEGA", "ENERGY_UNITS", "LAYOUTS", "STAMPS", "FILL_POLICIES",
           "DAILY_POINTS"]
