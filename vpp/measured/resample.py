"""Energy-conserving resampling of a measured series and mapping of its dates onto the simulated horizon.

:func:`resample_energy` changes the step of a mean-power series [MW] without changing its energy
[MWh]: the power is taken as constant over each source interval, the cumulative energy at the source
boundaries is interpolated linearly at the target boundaries and differenced. It works for coarser
(5 → 15 min), finer (60 → 15 min: a step profile) and non-multiple (10 → 15 min) targets.

:func:`to_index` puts a :class:`~vpp.measured.read.MeasuredSeries` onto the scenario's time index
(tz-aware Asia/Shanghai, interval-beginning, whole days):

* the file covers every simulated day: the same dates are used;
* else, when the file covers at least a full year (365 complete days) or lies wholly in other
  years than the simulated days, every simulated day takes the values of a day of the file with the
  same day type (:func:`vpp.calendar_cn.day_type`): a workday / weekend day the same weekday with the
  nearest day of the year (the file's year wraps around), a holiday the nearest holiday of the file
  (else the nearest weekend day), a park shutdown day the nearest shutdown day of the file (else the
  nearest weekend day); a workday or weekend day whose nearest same-weekday day of its type is more
  than 14 days (of the year) farther than the nearest day of its type takes the latter (a make-up
  Saturday worked, 调休, takes a nearby workday);
* else (part of the same year): :class:`~vpp.errors.DataError` naming what the file covers and what
  the run needs.

:func:`check_magnitude` refuses a series whose peak points to a kW / MW mix-up against the size of
the park's connection [MW].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vpp.calendar_cn import day_type
from vpp.errors import DataError
from scenarios.data_schema import ENERGY_UNITS
from vpp.measured.read import MeasuredSeries

TZ = "Asia/Shanghai"
#: a same-weekday day of the same type this much farther (days of the year) than the nearest day of the type is not used
MAX_WEEKDAY_DISTANCE_DAYS = 14
_NS_PER_MIN = 60 * 10**9


def _step_ns(index: pd.DatetimeIndex) -> int:
    if len(index) < 2:
        if index.freq is not None:
            return int(pd.Timedelta(index.freq).value)
        raise ValueError("a series of one value has no step: give it a DatetimeIndex with a freq")
    d = np.diff(index.asi8)
    if not np.all(d == d[0]) or d[0] <= 0:
        raise ValueError("the series is not on a regular, increasing time index")
    return int(d[0])


def _wall_ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Local wall-clock nanoseconds (so that multiples of the step fall on local midnights)."""
    return (index.tz_localize(None) if index.tz is not None else index).asi8


def resample_energy(p_mw: pd.Series, resolution_min_out: int) -> pd.Series:
    """Mean power [MW] at ``resolution_min_out`` minutes, with exactly the energy of ``p_mw``.

    ``p_mw``: mean power [MW] on a regular interval-beginning DatetimeIndex (tz-naive or tz-aware),
    no NaN. The result covers the target intervals (aligned on local midnight) that lie wholly
    within the source's span [first label, last label + step); over that span the energy [MWh] is
    the same to rounding. Same tz as the input, index named ``time``.
    """
    r_out = int(resolution_min_out)
    if r_out <= 0 or 1440 % r_out:
        raise ValueError(f"target step {r_out} min must divide 24 h")
    idx = p_mw.index
    step_in = _step_ns(idx)
    wall = _wall_ns(idx)
    step_out = r_out * _NS_PER_MIN
    if step_in == step_out and wall[0] % step_out == 0:
        return p_mw.rename_axis("time").copy()
    b0 = wall[0]
    bounds_in_min = np.append((wall - b0) / _NS_PER_MIN, (wall[-1] + step_in - b0) / _NS_PER_MIN)
    energy = np.concatenate(([0.0], np.cumsum(p_mw.to_numpy(dtype=float) * (step_in / _NS_PER_MIN / 60.0))))
    first = -(-b0 // step_out) * step_out
    last = ((wall[-1] + step_in) // step_out) * step_out
    if last <= first:
        raise ValueError(f"the series ({(wall[-1] + step_in - b0) / _NS_PER_MIN:g} min) holds no whole "
                         f"{r_out} min interval")
    b_out = first + step_out * np.arange((last - first) // step_out + 1, dtype=np.int64)  # (arange of big ints drops the end)
    e_out = np.interp((b_out - b0) / _NS_PER_MIN, bounds_in_min, energy)
    p_out = np.diff(e_out) / (r_out / 60.0)
    out_idx = pd.date_range(pd.Timestamp(first), periods=len(p_out), freq=f"{r_out}min", name="time")
    if idx.tz is not None:
        out_idx = out_idx.tz_localize(idx.tz)
    return pd.Series(p_out, index=out_idx, name=p_mw.name)


# ------------------------------------------------------------------------------------- date mapping
@dataclass
class MappingReport:
    """How a measured series was put onto the run's days.

    ``mapped_days``: simulated days that take the values of another date (0 with ``same_dates``);
    ``pairs``: (simulated date, file date) per simulated day; ``text``: one line for outputs;
    ``notes``: fallbacks used (holiday onto a weekend day, ...); resolutions [min] of file and run.
    """

    mapped_days: int
    same_dates: bool
    text: str
    pairs: list[tuple[dt.date, dt.date]]
    notes: list[str] = field(default_factory=list)
    resolution_min_file: int = 0
    resolution_min_run: int = 0


def _doy(d: dt.date) -> int:
    """Day of a non-leap year (29 February counts as 28 February), 1..365."""
    return dt.date(2001, d.month, min(d.day, 28) if d.month == 2 else d.day).timetuple().tm_yday


def _check_index(index: pd.DatetimeIndex) -> tuple[int, int]:
    """(step [min], steps per day) of a tz-aware, regular, whole-day run index."""
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise ValueError("the run index must be a tz-aware DatetimeIndex (vpp.timeindex.time_index)")
    res = _step_ns(index) // _NS_PER_MIN
    local = index.tz_convert(TZ)
    spd = 1440 // res if res and 1440 % res == 0 else 0
    if not spd or len(index) % spd or (local[0].hour, local[0].minute) != (0, 0):
        raise ValueError("the run index must cover whole local days at a step dividing 24 h")
    return int(res), spd


def _full_days(p: pd.Series, res: int) -> tuple[list[dt.date], np.ndarray]:
    """Complete local days of a regular naive series: their dates and a (days × steps) matrix."""
    spd = 1440 // res
    t0 = p.index[0]
    k0 = (t0.hour * 60 + t0.minute) // res + (1 if (t0.hour * 60 + t0.minute) % res else 0)
    start = 0 if k0 == 0 else spd - k0
    n = max(0, (len(p) - start) // spd)
    first = (t0 + pd.Timedelta(minutes=res * start)).normalize()
    days = [(first + pd.Timedelta(days=i)).date() for i in range(n)]
    return days, p.to_numpy(dtype=float)[start: start + n * spd].reshape(n, spd)


def map_days(targets: list[dt.date], sources: list[dt.date], shutdown: Iterable[dt.date] = ()) -> tuple[list[int], list[str]]:
    """Source position for each target date (rule: module docstring) and notes on the fallbacks used."""
    sd = frozenset(shutdown)
    s_type = np.array([day_type(d, sd) for d in sources], dtype=object)
    s_wd = np.array([d.weekday() for d in sources])
    s_doy = np.array([_doy(d) for d in sources])
    s_ord = np.array([d.toordinal() for d in sources])
    fallback: dict[str, int] = {}
    rows = []
    for t in targets:
        typ = day_type(t, sd)
        d = np.abs(s_doy - _doy(t))
        dist = np.minimum(d, 365 - d)
        options: list[tuple[np.ndarray, str | None]]
        if typ in ("workday", "weekend"):
            of_type = s_type == typ
            same = of_type & (s_wd == t.weekday())
            if same.any() and dist[same].min() - dist[of_type].min() > MAX_WEEKDAY_DISTANCE_DAYS:
                same = np.zeros(len(sources), bool)  # e.g. a make-up Saturday: a nearby workday is closer
            options = [(same, None), (of_type, f"{typ}s onto a {typ} of another weekday"),
                       (np.ones(len(sources), bool), f"{typ}s onto a day of another type (none of theirs in the file)")]
        elif typ == "holiday":
            options = [(s_type == "holiday", None),
                       (s_type == "weekend", "holidays onto weekend days (no holiday in the file)"),
                       (np.ones(len(sources), bool), "holidays onto workdays (no holiday or weekend in the file)")]
        else:  # shutdown
            options = [(s_type == "shutdown", None),
                       (s_type == "weekend", "shutdown days onto weekend days (no shutdown day in the file)"),
                       (s_type != "workday", "shutdown days onto holidays"),
                       (np.ones(len(sources), bool), "shutdown days onto workdays")]
        for mask, note in options:
            if mask.any():
                cand = np.flatnonzero(mask)
                best = cand[np.lexsort((-s_ord[cand], dist[cand]))[0]]
                rows.append(int(best))
                if note:
                    fallback[note] = fallback.get(note, 0) + 1
                break
    return rows, [f"{n} {note}" for note, n in fallback.items()]


def _span(days: list[dt.date]) -> str:
    return f"{days[0]:%Y-%m-%d} – {days[-1]:%Y-%m-%d}"


def _years(days) -> str:
    ys = sorted({d.year for d in days})
    return str(ys[0]) if len(ys) == 1 else f"{ys[0]}–{ys[-1]}" if ys == list(range(ys[0], ys[-1] + 1)) else \
        ", ".join(map(str, ys))


def to_index(ms: MeasuredSeries, index: pd.DatetimeIndex, shutdown: Iterable[dt.date] = ()) -> tuple[pd.Series, MappingReport]:
    """Mean power [MW] of ``ms`` on exactly ``index`` (the run's tz-aware interval-beginning index).

    Resamples to the index's step with :func:`resample_energy`, then uses the same dates or maps the
    dates by day type (module docstring). ``shutdown``: the park's shutdown days (day type
    "shutdown", for the run's days and the file's). Raises :class:`DataError` when the file cannot
    serve the run's days.
    """
    res, spd = _check_index(index)
    p = resample_energy(ms.p_mw, res)
    src_days, mat = _full_days(p, res)
    local_days = index.tz_convert(TZ).tz_localize(None).normalize()[::spd]
    targets = [d.date() for d in local_days]
    file_name = Path(ms.meta["file"]).name if ms.meta.get("file") else ms.source
    if not src_days:
        raise DataError(f"{ms.source}: holds no complete day at {res} min ({ms.p_mw.index[0]:%Y-%m-%d %H:%M} – "
                        f"{ms.p_mw.index[-1]:%Y-%m-%d %H:%M}); the run needs {_span(targets)}")
    pos = {d: i for i, d in enumerate(src_days)}
    notes: list[str] = []
    if all(t in pos for t in targets):
        rows = [pos[t] for t in targets]
        same = True
        text = f"{file_name}: measured on the run's own dates ({len(targets)} of {len(targets)} days)"
    else:
        src_years = {d.year for d in src_days}
        if len(src_days) < 365 and src_years & {t.year for t in targets}:
            raise DataError(f"{ms.source}: covers {_span(src_days)}, the run needs {_span(targets)} (days are mapped "
                            "from other dates only when the file covers a full year or lies in other years)")
        rows, notes = map_days(targets, src_days, shutdown)
        same = False
        used = [src_days[r] for r in rows]
        n_mapped = sum(1 for t, s in zip(targets, used) if t != s)
        text = (f"{file_name}: {_years(targets)} dates mapped onto {_years(used)} days of the same weekday and day "
                f"type ({n_mapped} of {len(targets)} days)" + (f"; {'; '.join(notes)}" if notes else ""))
    pairs = [(t, src_days[r]) for t, r in zip(targets, rows)]
    values = mat[np.asarray(rows, dtype=np.int64)].ravel()
    out = pd.Series(values, index=index, name=ms.p_mw.name or "p_mw")
    mapped = 0 if same else sum(1 for t, s in pairs if t != s)
    return out, MappingReport(mapped, same, text, pairs, notes, ms.resolution_min, res)


# ------------------------------------------------------------------------------------------ magnitude
def _num(x: float) -> str:
    """A figure with a space as thousands separator, 3 significant digits below 100."""
    if abs(x) >= 100:
        return f"{x:,.0f}".replace(",", " ")
    return f"{x:.3g}"


def check_magnitude(p_mw: pd.Series, expected_max_mw: float, source: str, unit: str) -> None:
    """Refuse a series whose size points to a unit mix-up (the integrator passes the park's connection).

    * peak > 20 × ``expected_max_mw``: the values are probably 1 000× too large (kW read as MW, or W
      read as kW): the message suggests the smaller unit;
    * 0 < peak < ``expected_max_mw`` / 500 with ``unit`` kW / kWh: probably MW read as kW: the message
      suggests MW / MWh.
    A series of zeros and sizes between the two bounds pass. Raises :class:`DataError`.
    """
    peak = float(np.nanmax(p_mw.to_numpy(dtype=float))) if len(p_mw) else 0.0
    if expected_max_mw <= 0 or peak <= 0:
        return
    ratio = peak / expected_max_mw
    energy = unit in ENERGY_UNITS
    if ratio > 20:
        hint = {"MW": "kW (unit: kW)", "MWh": "kWh (unit: kWh)"}.get(unit, "W, not kW (divide by 1 000 with scale: 0.001)"
                                                                     if not energy else "Wh, not kWh (scale: 0.001)")
        raise DataError(f"{source}: peak {_num(peak)} MW is {_num(ratio)}× the connection's {_num(expected_max_mw)} MW: "
                        f"are the values in {hint}?")
    if ratio < 1 / 500 and unit in ("kW", "kWh"):
        hint = "MWh (unit: MWh)" if energy else "MW (unit: MW)"
        raise DataError(f"{source}: peak {_num(peak)} MW is 1/{_num(1 / ratio)} of the connection's "
                        f"{_num(expected_max_mw)} MW: are the values in {hint}?")


__all__ = ["resample_energy", "to_index", "MappingReport", "map_days", "check_magnitude", "MAX_WEEKDAY_DISTANCE_DAYS"]
