"""Scenario specs of measured input files for PV and EV assets: a weather file and charging-session records.

* :class:`WeatherFile` — PV AC output computed from a weather file (EPW, TMY3 or CSV) with pvlib,
  see :mod:`vpp.measured.weather`.
* :class:`SessionsFile` — EV sessions read from a charging operator's session records (CSV or Excel),
  see :mod:`vpp.measured.ev_records`.

Paths are relative to the scenario file's folder.
"""

from __future__ import annotations

from typing import Annotated, Literal, NewType

from pydantic import Field

from scenarios.base import Fraction, Strict

#: a 0-based Excel sheet position. A NewType (not a plain ``int``) so that the strict-number check of
#: :class:`scenarios.base.Strict` does not refuse a sheet *name* (a string) in ``str | int``.
SheetIndex = NewType("SheetIndex", int)

#: our names of the columns of a session-records file (keys of :attr:`SessionsFile.columns`)
SessionColumn = Literal["charger", "arrival", "departure", "energy", "power"]


class WeatherFile(Strict):
    """A weather file from which the PV asset's AC output is computed (pvlib model chain).

    EPW and TMY3 hourly values are interval-*ending* averages (the row stamped 13:00 is the mean of
    12:00–13:00); they are read as such. A typical-year file's month/day/hour are mapped onto the run's
    dates (29 Feb uses 28 Feb); a real-year file must cover the run's dates.
    """

    path: str = Field(description="weather file, relative to the scenario file (EPW, TMY3 or CSV)")
    format: Literal["auto", "epw", "tmy3", "csv"] = Field(
        "auto", description="file format; 'auto': by suffix (.epw) and content (TMY3 header), else CSV")
    typical_year: bool | None = Field(
        None, description="typical-year file (month/day/hour mapped onto the run's dates) or a real year that "
        "must cover the run; default: true for EPW/TMY3, false for CSV")
    albedo: Fraction = Field(0.15, description="ground reflectance [-] (0..1)")
    temperature_coefficient_per_c: Annotated[float, Field(ge=-0.02, le=0.0)] = Field(
        -0.0037, description="PVWatts power temperature coefficient gamma_pdc [1/°C] (crystalline Si ≈ -0.0037)")
    dc_loss: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.10, description="lumped DC losses (soiling, mismatch, wiring, LID, ...) [-] (0..1)")
    eta_inverter: Annotated[float, Field(gt=0.5, le=1.0)] = Field(
        0.97, description="nominal inverter efficiency [-] (PVWatts eta_inv_nom)")
    stamps: Literal["beginning", "ending", "auto"] = Field(
        "auto", description="CSV only: time stamps label the beginning or the end of their interval; 'auto': "
        "from the first stamp (midnight = beginning, midnight + one step = ending), else from the sun. "
        "EPW/TMY3 are always interval-ending")


class SessionsFile(Strict):
    """A charging operator's session records (one row per plug-in) replacing generated EV sessions.

    Required columns: plug-in time, plug-out time, delivered energy, and the charger / connector id
    (only with ``charger_mapping: by_id``); optional: charger power. Common English and Chinese
    headers are recognised (充电桩编号/终端编号/枪号, 插枪时间/开始充电时间, 拔枪时间/结束充电时间,
    充电电量/充电量(kWh), 功率); ``columns`` names others.
    """

    path: str = Field(description="session records, relative to the scenario file (.csv in UTF-8 or GBK, .xlsx/.xls)")
    sheet: str | Annotated[SheetIndex, Field(ge=0, strict=True)] | None = Field(
        None, description="Excel sheet name or 0-based position; default the first sheet")
    columns: dict[SessionColumn, str] | None = Field(
        None, description="our column name (charger, arrival, departure, energy, power) -> the file's header; "
        "names not given are looked up among the common headers")
    energy_unit: Literal["kWh", "MWh"] = Field("kWh", description="unit of the energy column [kWh or MWh]")
    power_unit: Literal["kW", "MW"] = Field("kW", description="unit of the optional power column [kW or MW]")
    charger_mapping: Literal["by_id", "round_robin"] = Field(
        "by_id", description="by_id: the file's distinct charger ids (natural sort) become chargers 0..k-1; "
        "round_robin: ids are ignored and each session takes the charger that has been free longest")
