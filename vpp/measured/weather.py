"""PV AC output [MW] from a weather file (EPW, TMY3 or CSV) with the pvlib model chain.

Reading (:func:`read_weather`)
    * EPW (:func:`pvlib.iotools.read_epw`) and TMY3 (:func:`pvlib.iotools.read_tmy3`): hourly values are
      interval-**ending** averages — the row of hour ``h`` (EPW ``hour`` 1…24, TMY3 ``HH:MM`` 01:00…24:00)
      is the mean over ``[h−1 h, h)`` on the file's local standard time (UTC offset in the header). They are
      relabelled interval-beginning. Latitude, longitude, altitude and UTC offset come from the header.
    * CSV: columns (case-insensitive, a trailing unit in brackets is ignored) ``time``/``timestamp``,
      ``ghi``, ``dni``, ``dhi`` [W/m²], ``temp_air``/``temperature``/``t_air`` [°C], optional
      ``wind_speed`` [m/s] (missing: 0 m/s, as pvlib's ModelChain). Naive stamps are Asia/Shanghai local
      time, stamps with an offset are converted; ``stamps`` says whether they label the beginning or the
      end of their interval. The site is :func:`vpp.domain.site` (Changsha).
    * Refused with :class:`vpp.errors.DataError` naming file, column and row: missing columns,
      non-numeric cells, gaps (empty/NaN), irradiance below −5 W/m² or above 2000 W/m² (EPW's 9999
      missing marker), air temperature outside −70…70 °C, wind outside 0…75 m/s, stamps that are not
      increasing, irregular, or coarser than hourly (the step must divide 60 min). Irradiance in
      [−5, 0) W/m² (sensor offset at night) is set to 0.

Model chain (:func:`weather_ac_mw`, per weather interval ``[t, t+Δ)``; nothing re-implemented)
    1. Sun at the interval midpoint ``t + Δ/2`` at the file's own location and clock:
       :meth:`pvlib.location.Location.get_solarposition` (NREL SPA, refraction with the air
       temperature, pressure from the altitude), extraterrestrial DNI
       :func:`pvlib.irradiance.get_extra_radiation`.
    2. Plane of array ``POA`` [W/m²]: :func:`pvlib.irradiance.get_total_irradiance`, Hay–Davies sky
       diffuse, isotropic ground reflection with ``albedo``; ``tilt_deg``/``azimuth_deg`` of the asset
       (pvlib convention, 180° = south). No reflection (IAM) or spectral losses (pvlib ``no_loss``).
    3. Cell temperature ``T_c = POA·exp(a + b·WS) + T_air + POA/1000·ΔT``
       (:func:`pvlib.temperature.sapm_cell`) with the SAPM ``open_rack_glass_polymer`` parameters
       ``a = −3.56, b = −0.075, ΔT = 3 °C``: glass/backsheet modules on ventilated racks or stand-offs, the
       usual mounting on Chinese industrial roofs (concrete flat roofs and colour-steel roofs). A module
       glued flat onto the roof runs hotter (``close_mount_glass_glass``: about 1–2 % less energy a year).
    4. DC: ``P_dc = p_mwp · POA/1000 · (1 + γ (T_c − 25 °C)) · (1 − dc_loss)``
       (:func:`pvlib.pvsystem.pvwatts_dc` with ``pdc0 = p_mwp``, ``gamma_pdc = γ``) [MW].
    5. AC: :func:`pvlib.inverter.pvwatts` with ``pdc0_inv = P_ac,max / η_nom`` and ``eta_inv_nom = η_nom``
       (``eta_inverter``), ``P_ac,max = p_mwp / dc_ac_ratio``::

           ζ = P_dc / pdc0_inv,   η(ζ) = η_nom / 0.9637 · (−0.0162 ζ − 0.0059 / ζ + 0.9858)
           P_ac = clip(η(ζ) · P_dc, 0, η_nom · pdc0_inv = P_ac,max)

       so the AC limit is exactly ``p_mwp / dc_ac_ratio`` and the efficiency at the reference load is
       ``η_nom``.

Onto the run's time axis (:func:`pv_ac_mw`)
    Power is computed on the weather's own steps and held constant over each weather interval; the
    value of a run step is the average over the step (energy conserved, exact for any step lengths).
    * Typical year (default for EPW/TMY3): TMY months come from different years, so only the
      month/day/time-of-day *positions* are used, the file's years are ignored. Each run date (local)
      takes the file's day with the same month and day (29 Feb takes 28 Feb); the sun is computed for the
      run's date at the file's own location and on the file's own clock (its local standard time), and
      that clock is then read as the run's local clock (Asia/Shanghai). A typical-year file of another
      site therefore yields *that site's* production on local clock time (noon stays noon).
    * Real year (default for CSV): the stamps are absolute instants; the file must cover the run.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.pv_data_schema import WeatherFile
from vpp.domain import site
from vpp.errors import DataError
from vpp.measured.sessions_grid import read_text_table
from vpp.timeindex import TZ

REF_YEAR = 2001  # placeholder (non-leap) year of a typical-year frame: only month/day/time count
SAPM_MOUNT = "open_rack_glass_polymer"  # SAPM cell-temperature parameters (see module docstring)
IRR_MIN, IRR_MAX = -5.0, 2000.0  # accepted irradiance range [W/m²]
T_AIR_RANGE = (-70.0, 70.0)  # accepted air temperature [°C]
WIND_RANGE = (0.0, 75.0)  # accepted wind speed [m/s]
EPW_FIRST_ROW, TMY3_FIRST_ROW, CSV_FIRST_ROW = 9, 3, 2  # 1-based file row of the first data row
COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
_CSV_NAMES = {
    "time": ("time", "timestamp", "datetime", "date_time"),
    "ghi": ("ghi",),
    "dni": ("dni",),
    "dhi": ("dhi",),
    "temp_air": ("temp_air", "temperature", "t_air"),
    "wind_speed": ("wind_speed",),
}
_UNITS = {"ghi": "W/m²", "dni": "W/m²", "dhi": "W/m²", "temp_air": "°C", "wind_speed": "m/s"}
_CACHE: dict[tuple, tuple[pd.DataFrame, dict]] = {}


def clear_cache() -> None:
    """Forget the weather files read in this process (entries are keyed by path, mtime and size)."""
    _CACHE.clear()


# ---------------------------------------------------------------------------------------------- reading
def _resolve(path: str, base_dir) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    if not p.is_file():
        raise DataError(f"weather file '{path}' not found (looked for {p})")
    return p


def _detect_format(p: Path) -> str:
    """'epw' by suffix or a LOCATION first line, 'tmy3' by its second header line, else 'csv'."""
    if p.suffix.lower() == ".epw":
        return "epw"
    with open(p, "rb") as fh:
        head = fh.read(4096).decode("latin-1").splitlines()
    if head and head[0].upper().startswith("LOCATION,"):
        return "epw"
    if len(head) > 1 and head[1].startswith("Date (MM/DD/YYYY)"):
        return "tmy3"
    return "csv"


def _fail(name: str, column: str | None, row: int | None, what: str) -> DataError:
    where = "".join([f", column '{column}'" if column else "", f", row {row}" if row is not None else ""])
    return DataError(f"weather file '{name}'{where}: {what}")


def _check_values(df: pd.DataFrame, name: str, rows: np.ndarray) -> pd.DataFrame:
    """Gaps, irradiance / temperature / wind ranges (see module docstring); returns cleaned floats."""
    out = pd.DataFrame(index=df.index)
    for col in COLUMNS:
        v = df[col].to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(v))
        if len(bad):
            raise _fail(name, col, int(rows[bad[0]]), "missing value (gaps are not filled; "
                        f"{len(bad)} missing in this column)")
        if col in ("ghi", "dni", "dhi"):
            lo, hi, what = IRR_MIN, IRR_MAX, "irradiance"
        elif col == "temp_air":
            (lo, hi), what = T_AIR_RANGE, "air temperature"
        else:
            (lo, hi), what = WIND_RANGE, "wind speed"
        bad = np.flatnonzero((v < lo) | (v > hi))
        if len(bad):
            i = bad[0]
            raise _fail(name, col, int(rows[i]), f"{what} {v[i]:g} {_UNITS[col]} is outside {lo:g}…{hi:g} "
                        f"{_UNITS[col]} (a missing-value marker?)")
        out[col] = np.clip(v, 0.0, None) if col in ("ghi", "dni", "dhi") else v
    return out


def _read_epw(p: Path) -> tuple[pd.DataFrame, pd.DatetimeIndex, dict, int]:
    from pvlib.iotools import read_epw

    try:
        data, head = read_epw(str(p))
    except Exception as exc:  # noqa: BLE001 - any parse failure is the file's fault
        raise _fail(p.name, None, None, f"cannot be read as EPW ({exc})") from None
    begin = pd.to_datetime({"year": data["year"], "month": data["month"], "day": data["day"]}).to_numpy() \
        + (data["hour"].to_numpy(dtype="int64") - 1) * np.timedelta64(1, "h")  # hour h covers [h-1, h)
    meta = {"latitude": head["latitude"], "longitude": head["longitude"], "altitude": head["altitude"],
            "utc_offset_h": float(head["TZ"]), "station": str(head.get("city", "")).strip()}
    return data, pd.DatetimeIndex(begin), meta, EPW_FIRST_ROW


def _read_tmy3(p: Path) -> tuple[pd.DataFrame, pd.DatetimeIndex, dict, int]:
    from pvlib.iotools import read_tmy3

    try:
        data, head = read_tmy3(str(p), map_variables=True)
    except Exception as exc:  # noqa: BLE001
        raise _fail(p.name, None, None, f"cannot be read as TMY3 ({exc})") from None
    day = pd.to_datetime(data["Date (MM/DD/YYYY)"], format="%m/%d/%Y").to_numpy()
    hhmm = data["Time (HH:MM)"].str.split(":", expand=True).astype(int)
    end = day + (hhmm[0].to_numpy() * 60 + hhmm[1].to_numpy()) * np.timedelta64(1, "m")  # 24:00 = next day
    meta = {"latitude": head["latitude"], "longitude": head["longitude"], "altitude": head["altitude"],
            "utc_offset_h": float(head["TZ"]), "station": str(head.get("Name", "")).strip('" ')}
    return data, pd.DatetimeIndex(end - np.timedelta64(1, "h")), meta, TMY3_FIRST_ROW


def _norm_header(h) -> str:
    s = str(h).strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\s*[\[(].*[\])]\s*$", "", s).strip().replace(" ", "_")


def _read_table(p: Path) -> pd.DataFrame:
    return read_text_table(p, lambda what: _fail(p.name, None, None, what))


def _read_csv(p: Path) -> tuple[pd.DataFrame, pd.DatetimeIndex, dict, int]:
    raw = _read_table(p)
    by_norm = {}
    for h in raw.columns:
        by_norm.setdefault(_norm_header(h), h)
    found = {}
    for ours, names in _CSV_NAMES.items():
        hit = next((by_norm[n] for n in names if n in by_norm), None)
        if hit is None and ours != "wind_speed":
            raise _fail(p.name, None, None, f"has no column {' / '.join(repr(n) for n in names)} "
                        f"(columns found: {', '.join(map(str, raw.columns))})")
        found[ours] = hit
    rows = np.arange(len(raw)) + CSV_FIRST_ROW
    if len(raw) < 2:
        raise _fail(p.name, None, None, "has fewer than two data rows")
    data = pd.DataFrame(index=raw.index)
    for ours, h in found.items():
        if ours == "time":
            continue
        if h is None:
            data[ours] = 0.0  # wind speed not given: 0 m/s, as pvlib's ModelChain
            continue
        text = raw[h].str.strip()
        num = pd.to_numeric(text, errors="coerce")
        bad = np.flatnonzero(num.isna().to_numpy() & ~text.str.lower().isin(["", "nan", "na", "null"]).to_numpy())
        if len(bad):
            raise _fail(p.name, h, int(rows[bad[0]]), f"non-numeric value {text.iloc[bad[0]]!r}")
        data[ours] = num.to_numpy(dtype=float)
    times = _parse_times(raw[found["time"]].str.strip(), p.name, found["time"], rows)
    s = site()
    meta = {"latitude": s["lat"], "longitude": s["lon"], "altitude": s["alt"], "utc_offset_h": None,
            "station": "site of the scenario"}
    return data, times, meta, CSV_FIRST_ROW


def _parse_times(text: pd.Series, name: str, column: str, rows: np.ndarray) -> pd.DatetimeIndex:
    """Local Asia/Shanghai stamps (naive are local; with an offset converted), refusing unparsable cells."""
    t = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
    aware = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z|UTC|GMT)\s*$", regex=True, case=False)
    naive = pd.to_datetime(text.where(~aware), errors="coerce", format="mixed")
    bad = np.flatnonzero(t.isna().to_numpy())
    if len(bad):
        raise _fail(name, column, int(rows[bad[0]]), f"cannot read time {text.iloc[bad[0]]!r}")
    local = t.dt.tz_convert(TZ)
    if (~aware).any():
        local = local.where(aware, naive.dt.tz_localize(TZ))
    return pd.DatetimeIndex(local)


def _step(times: pd.DatetimeIndex, name: str, rows: np.ndarray) -> pd.Timedelta:
    """The regular step of strictly increasing stamps, at most 60 min and dividing 60 min."""
    d = np.diff(times.asi8)
    bad = np.flatnonzero(d <= 0)
    if len(bad):
        i = bad[0] + 1
        raise _fail(name, None, int(rows[i]), f"time stamp {times[i]} is not after the previous one "
                    f"({times[i - 1]}): stamps must increase")
    step = int(np.median(d))
    bad = np.flatnonzero(d != step)
    if len(bad):
        i = bad[0] + 1
        raise _fail(name, None, int(rows[i]), f"irregular time step: {times[i]} follows {times[i - 1]} but the "
                    f"step is {step / 6e10:g} min (gaps are not filled)")
    hour = 3_600_000_000_000
    if step > hour or hour % step:
        raise _fail(name, None, None, f"time step {step / 6e10:g} min is not hourly or a divisor of an hour")
    return pd.Timedelta(step)


def _stamps_are_ending(spec: WeatherFile, times: pd.DatetimeIndex, ghi: np.ndarray, meta: dict) -> bool:
    """CSV: the midnight rule, else the sun (interval midpoints whose cos(zenith) best matches GHI)."""
    if spec.stamps != "auto":
        return spec.stamps == "ending"
    step = times[1] - times[0]
    tod = times[0] - times[0].normalize()
    if tod == pd.Timedelta(0):
        return False
    if tod == step:
        return True
    import pvlib

    loc = pvlib.location.Location(meta["latitude"], meta["longitude"], altitude=meta["altitude"])
    score = []
    for shift in (step / 2, -step / 2):
        cz = np.cos(np.radians(loc.get_solarposition(times + shift)["apparent_zenith"].to_numpy()))
        score.append(np.corrcoef(np.clip(cz, 0, None), ghi)[0, 1] if ghi.std() > 0 else 0.0)
    return bool(score[1] > score[0])


def _file_tz(meta: dict):
    if meta["utc_offset_h"] is None:
        return TZ
    import datetime as dt

    return dt.timezone(dt.timedelta(hours=meta["utc_offset_h"]))


def read_weather(spec: WeatherFile, base_dir=None) -> tuple[pd.DataFrame, dict]:
    """Weather of a file, checked: ``(frame, meta)``.

    ``frame``: columns ``ghi, dni, dhi`` [W/m²], ``temp_air`` [°C], ``wind_speed`` [m/s], indexed by
    tz-aware **interval-beginning** stamps on the file's clock (EPW/TMY3: their UTC offset; CSV:
    Asia/Shanghai), regular step. For a typical year the index is placed in the placeholder year
    :data:`REF_YEAR` (29 Feb rows are left out): only month/day/time are meaningful.
    ``meta``: ``file, format, typical_year, latitude, longitude [deg], altitude [m], tz, utc_offset_h,
    step`` (Timedelta), ``stamps`` (the file's convention), ``station``, ``rows``.
    """
    p = _resolve(spec.path, base_dir)
    st = p.stat()
    key = (str(p.resolve()), st.st_mtime_ns, st.st_size, spec.format, spec.typical_year, spec.stamps)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit[0].copy(), dict(hit[1])

    fmt = _detect_format(p) if spec.format == "auto" else spec.format
    if fmt in ("epw", "tmy3") and spec.stamps == "beginning":
        raise _fail(p.name, None, None, f"stamps: beginning applies to CSV files only ({fmt.upper()} values are "
                    "interval-ending averages)")
    data, times, meta, first = {"epw": _read_epw, "tmy3": _read_tmy3, "csv": _read_csv}[fmt](p)
    rows = np.arange(len(data)) + first
    if len(data) < 2:
        raise _fail(p.name, None, None, "has fewer than two data rows")
    values = _check_values(data.reset_index(drop=True), p.name, rows)
    typical = spec.typical_year if spec.typical_year is not None else fmt in ("epw", "tmy3")

    if fmt == "csv":
        step = _step(times, p.name, rows)
        ending = _stamps_are_ending(spec, times, values["ghi"].to_numpy(), meta)
        times = times - step if ending else times
        stamps = "ending" if ending else "beginning"
    else:
        stamps = "ending"
    local = times.tz_localize(None) if times.tz is not None else times  # wall clock of the file
    if typical:
        keep = ~((local.month == 2) & (local.day == 29))
        local, values, rows = local[keep], values.loc[keep].reset_index(drop=True), rows[keep]
        local = pd.DatetimeIndex(pd.to_datetime({"year": REF_YEAR, "month": local.month, "day": local.day})) \
            + (local - local.normalize())
    try:
        step = _step(local, p.name, rows) if typical or fmt != "csv" else times[1] - times[0]
    except DataError as exc:
        if typical or fmt == "csv":
            raise
        raise DataError(f"{exc} (typical_year: false reads the stamps as a real year; a typical-year "
                        f"{fmt.upper()} needs typical_year: true or unset)") from None
    index = local.tz_localize(_file_tz(meta)) if (typical or fmt != "csv") else times
    values.index = pd.DatetimeIndex(index, name="time")
    meta.update(file=p.name, format=fmt, typical_year=bool(typical), step=pd.Timedelta(step), stamps=stamps,
                tz=str(values.index.tz), rows=len(values))
    if len(_CACHE) >= 16:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (values, meta)
    return values.copy(), dict(meta)


# ------------------------------------------------------------------------------------------- model chain
def weather_ac_mw(weather: pd.DataFrame, meta: dict, pv, spec: WeatherFile) -> pd.Series:
    """AC power [MW] of ``pv`` per weather interval (steps 1–5 of the module docstring).

    ``weather``: a frame of :func:`read_weather` (interval-beginning, regular step ``meta['step']``);
    ``pv``: ``p_mwp, dc_ac_ratio, tilt_deg, azimuth_deg``. Returns ``0 <= P_ac <= p_mwp/dc_ac_ratio``.
    """
    import pvlib

    mid = weather.index + meta["step"] / 2
    loc = pvlib.location.Location(meta["latitude"], meta["longitude"], altitude=meta["altitude"])
    sp = loc.get_solarposition(mid, temperature=weather["temp_air"].to_numpy())
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt=float(pv.tilt_deg), surface_azimuth=float(pv.azimuth_deg),
        solar_zenith=sp["apparent_zenith"], solar_azimuth=sp["azimuth"],
        dni=weather["dni"].to_numpy(), ghi=weather["ghi"].to_numpy(), dhi=weather["dhi"].to_numpy(),
        dni_extra=pvlib.irradiance.get_extra_radiation(mid).to_numpy(), model="haydavies", albedo=spec.albedo,
    )["poa_global"]
    poa = np.clip(np.nan_to_num(np.asarray(poa, dtype=float), nan=0.0), 0.0, None)
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][SAPM_MOUNT]
    t_cell = pvlib.temperature.sapm_cell(poa, weather["temp_air"].to_numpy(), weather["wind_speed"].to_numpy(),
                                         **params)
    p_ac_max = float(pv.p_mwp) / float(pv.dc_ac_ratio)
    pdc = pvlib.pvsystem.pvwatts_dc(poa, t_cell, float(pv.p_mwp), spec.temperature_coefficient_per_c) \
        * (1.0 - spec.dc_loss)
    pac = pvlib.inverter.pvwatts(np.asarray(pdc, dtype=float), p_ac_max / spec.eta_inverter,
                                 eta_inv_nom=spec.eta_inverter)
    return pd.Series(np.clip(pac, 0.0, p_ac_max), index=weather.index, name=getattr(pv, "name", None))


# ---------------------------------------------------------------------------------- onto the run's index
def _typical_on_dates(weather: pd.DataFrame, meta: dict, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The typical-year frame laid onto ``dates`` (naive local dates): same month/day, 29 Feb → 28 Feb,
    on the file's clock (its tz) so that the sun is computed for the run's dates at the file's site."""
    step = meta["step"]
    n_day = int(pd.Timedelta(days=1) / step)
    ref = weather.index.tz_localize(None)
    month, day = dates.month.to_numpy(), dates.day.to_numpy()
    day = np.where((month == 2) & (day == 29), 28, day)
    ref_days = pd.DatetimeIndex(pd.to_datetime({"year": REF_YEAR, "month": month, "day": day}))
    pos = (ref_days - ref[0]) / step
    need_end = pos + n_day
    bad = np.flatnonzero((pos < 0) | (need_end > len(ref)) | (pos != np.floor(pos)))
    if len(bad):
        d = ref_days[bad[0]]
        raise DataError(f"weather file '{meta['file']}' (typical year) has no complete day {d:%m-%d} on a grid "
                        f"from midnight; it covers {ref[0]:%m-%d %H:%M} – {(ref[-1] + step):%m-%d %H:%M}")
    take = (pos.to_numpy().astype(np.int64)[:, None] + np.arange(n_day)[None, :]).ravel()
    out = weather.iloc[take].copy()
    new = (np.repeat(dates.to_numpy(), n_day) + np.tile(np.arange(n_day) * step.to_timedelta64(), len(dates)))
    out.index = pd.DatetimeIndex(new, name="time").tz_localize(weather.index.tz)
    return out


def average_onto(starts: pd.DatetimeIndex, step: pd.Timedelta, p_mw: np.ndarray,
                 index: pd.DatetimeIndex) -> np.ndarray:
    """Step averages [MW] over ``index`` (interval-beginning, regular) of a power that is constant over
    each contiguous interval ``[starts_i, starts_i + step)``: ``(E(b) − E(a)) / (b − a)`` with the
    piecewise-linear cumulative energy ``E`` (energy conserved). The intervals must cover the index."""
    origin = starts.asi8[0]  # relative ns keep the float knots exact
    knots = np.append(starts.asi8 - origin, starts.asi8[-1] - origin + step.value).astype(float)
    hours = step.value / 3.6e12
    energy = np.concatenate([[0.0], np.cumsum(np.asarray(p_mw, float) * hours)])  # [MWh]
    run_step = (index[1] - index[0]).value if len(index) > 1 else step.value
    a = (index.asi8 - origin).astype(float)
    return (np.interp(a + run_step, knots, energy) - np.interp(a, knots, energy)) / (run_step / 3.6e12)


def _km(lat1, lon1, lat2, lon2) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def weather_for_run(spec: WeatherFile, index: pd.DatetimeIndex, base_dir=None):
    """The weather rows a run uses: ``(w, starts, step, meta, basis, idx)``.

    ``w``: the rows (typical-year files: the file's month/day/clock mapped onto the run's dates; a
    real-year file must cover the run); ``starts``: the rows' interval starts on the run's clock
    (tz-aware Asia/Shanghai); ``step``: the rows' length; ``basis``: one phrase for the provenance line;
    ``idx``: ``index`` made tz-aware. Shared by PV output and the outdoor temperature of cooling loads.
    """
    weather, meta = read_weather(spec, base_dir)
    idx = index if index.tz is not None else index.tz_localize(TZ)
    local = idx.tz_convert(TZ)
    run_step = idx[1] - idx[0] if len(idx) > 1 else pd.Timedelta(hours=1)
    step = meta["step"]
    if meta["typical_year"]:
        first = local[0].tz_localize(None).normalize()
        last = (local[-1] + run_step - pd.Timedelta(1)).tz_localize(None).normalize()
        dates = pd.date_range(first, last, freq="D")
        w = _typical_on_dates(weather, meta, dates)
        starts = w.index.tz_localize(None).tz_localize(TZ)  # the file's clock read as the run's clock
        years = sorted(set(dates.year))
        basis = f"typical year mapped onto {years[0]}" + (f"–{years[-1]}" if len(years) > 1 else "")
    else:
        t0, t_end = idx[0], idx[-1] + run_step
        w0, w_end = weather.index[0], weather.index[-1] + step
        if w0 > t0 or w_end < t_end:
            raise DataError(f"weather file '{meta['file']}' covers {w0.tz_convert(TZ):%Y-%m-%d %H:%M} – "
                            f"{w_end.tz_convert(TZ):%Y-%m-%d %H:%M} but the run needs {t0:%Y-%m-%d %H:%M} – "
                            f"{t_end:%Y-%m-%d %H:%M} (Asia/Shanghai); a real-year file must cover the run "
                            "(typical_year: true maps a typical year instead)")
        w = weather.loc[(weather.index < t_end) & (weather.index + step > t0)]
        starts = w.index
        basis = f"real year {t0:%Y-%m-%d} – {(t_end - pd.Timedelta(1)):%Y-%m-%d}"
    return w, starts, step, meta, basis, idx


def pv_ac_mw(spec: WeatherFile, pv, index: pd.DatetimeIndex, base_dir=None) -> tuple[pd.Series, str]:
    """AC output [MW] of ``pv`` on the run's ``index`` and one line for the run's outputs.

    ``index``: tz-aware Asia/Shanghai interval-beginning labels, 5–60 min steps, whole days. The power is
    computed on the weather's steps (:func:`weather_ac_mw`) and averaged onto the index
    (:func:`average_onto`); typical-year files are mapped by month/day/clock (module docstring).
    """
    w, starts, step, meta, basis, idx = weather_for_run(spec, index, base_dir)
    p = weather_ac_mw(w, meta, pv, spec)
    values = np.clip(average_onto(starts, step, p.to_numpy(), idx), 0.0, float(pv.p_mwp) / float(pv.dc_ac_ratio))
    name = getattr(pv, "name", "pv")
    s = site()
    dist = _km(meta["latitude"], meta["longitude"], s["lat"], s["lon"])
    where = f"; weather of {meta['station'] or 'another site'}, {dist:,.0f} km from the site" if dist > 100 else ""
    text = (f"{name}: AC output from weather file {meta['file']} ({meta['format'].upper()}, {basis}{where}) with "
            "pvlib (Hay–Davies, SAPM cell temperature, PVWatts DC/AC)")
    return pd.Series(values, index=index, name=name), text
