"""Measured data brought in by the user: meter series, PV production or weather files, EV records.

Meter series (``docs/data.md``): :func:`read_table` reads and checks a file described by a
:class:`scenarios.data_schema.ProfileFile` into a :class:`MeasuredSeries` (mean power [MW],
tz-naive local interval-beginning index); :func:`resample_energy` changes its step keeping the energy;
:func:`to_index` puts it onto a run's time index (same dates or dates mapped by day type) with a
:class:`MappingReport`; :func:`check_magnitude` refuses a probable kW / MW mix-up.
"""

from vpp.measured.read import MeasuredSeries, clear_cache, read_table
from vpp.measured.resample import MappingReport, check_magnitude, resample_energy, to_index

__all__ = ["MeasuredSeries", "read_table", "clear_cache", "check_magnitude", "MappingReport", "resample_energy",
           "to_index"]
