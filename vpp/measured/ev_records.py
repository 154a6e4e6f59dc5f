"""EV charging sessions from a charging operator's session records (CSV or Excel).

One record (row) is one vehicle plugged into one charger: plug-in time, plug-out time, delivered energy
[kWh or MWh], charger / connector id, optionally the charger power [kW or MW]. The result has exactly
the columns of :func:`vpp.profiles.ev.ev_sessions` (``session, charger, arrival, departure, e_mwh,
p_max_mw``) so it replaces generated sessions.

Reading: CSV as UTF-8 (with or without BOM), else GBK/GB18030; Excel with ``sheet`` (default the first).
Headers are matched after lower-casing, removing blanks and normalising full-width brackets; a unit in
brackets (``充电量(kWh)``, ``energy (MWh)``) must agree with ``energy_unit`` / ``power_unit``. Naive times
are Asia/Shanghai local time; times with an offset are converted. Empty rows and total rows
(合计/总计/total) are skipped.

Per record ``i`` (row ``r`` counted 1-based with the header as row 1):

* ``e_i = energy × (10⁻³ for kWh)`` [MWh]; ``p_i = min(power_i, p_charger_mw)`` [MW] (the charger power
  when the record has none);
* refused (:class:`vpp.errors.DataError` naming file and row): an unreadable or empty time, energy or
  charger id, negative energy, power ≤ 0, plug-out not after plug-in, and
  ``e_i > 1.05 · p_i · (t_out − t_in)`` (more energy than the charger can deliver while plugged in);
* with ``by_id`` the distinct ids, sorted naturally (``A2`` before ``A10``), are chargers ``0…k−1``;
  ``k > n_chargers`` and two records overlapping in time on one id are refused;
* times are aligned to the step grid as explicit sessions are (``vpp.measured.sessions_grid.align``: plug-in
  rounded *up*, plug-out *down*); a record left with no whole step is dropped, and since a record is
  what *was* delivered, ``e_i`` is capped at ``p_i × aligned dwell`` when the rounding shrank the dwell
  below what the energy needs (both counted in the text, with the energy removed);
* horizon: records overlapping the run are kept, one plugged in before the first step has its plug-in
  clipped to the first step and its energy scaled by the remaining share of its (aligned) dwell
  (``vpp.measured.sessions_grid.clip_to_horizon``); records outside the run are dropped (counted);
* with ``round_robin`` the ids are ignored: in order of plug-in each session takes the charger free the
  longest (``vpp.measured.sessions_grid.assign_chargers``); more vehicles plugged in at once than
  ``n_chargers`` is refused.

Session names are ``<asset>_s<row>``: the number is the record's row in the file.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.pv_data_schema import SessionsFile
from vpp.errors import DataError
from vpp.measured.sessions_grid import COLUMNS, align, assign_chargers, clip_to_horizon, empty_sessions, grid, read_text_table
from vpp.timeindex import TZ


ENERGY_TOLERANCE = 1.05  # a record may exceed p_max × plugged time by 5 % (meter vs. rated power)
FIRST_ROW = 2  # 1-based file row of the first record (row 1 is the header)
HEADERS: dict[str, tuple[str, ...]] = {  # normalised (see _norm); the first present one is used
    "charger": ("charger", "charger_id", "chargerid", "connector", "connector_id", "connectorid", "evse_id",
                "充电桩编号", "终端编号", "枪号", "充电枪编号", "枪编号", "桩编号", "充电桩号", "终端号", "设备编号"),
    "arrival": ("arrival", "plug_in_time", "plugin_time", "connectiontime", "connection_time", "插枪时间",
                "开始充电时间", "充电开始时间", "开始时间", "start_time", "starttime", "start"),
    "departure": ("departure", "plug_out_time", "plugout_time", "disconnecttime", "disconnect_time", "拔枪时间",
                  "结束充电时间", "充电结束时间", "结束时间", "end_time", "endtime", "end"),
    "energy": ("energy_kwh", "energy_mwh", "energy", "kwh", "kwhdelivered", "delivered_kwh", "充电电量", "充电量",
               "电量"),
    "power": ("power_kw", "power_mw", "power", "p_max_kw", "rated_power", "max_power", "功率", "充电功率", "额定功率",
              "桩功率"),
}
_UNIT_WORDS = {"kwh": "kwh", "度": "kwh", "千瓦时": "kwh", "mwh": "mwh", "kw": "kw", "千瓦": "kw", "mw": "mw"}
_PRETTY = {"kwh": "kWh", "mwh": "MWh", "kw": "kW", "mw": "MW"}
_TOTAL = re.compile(r"合计|总计|^total$|^sum$", re.IGNORECASE)


def _norm(h) -> str:
    return re.sub(r"\s+", "", str(h)).lower().replace("（", "(").replace("）", ")").replace("【", "[").replace("】", "]")


def _base_and_unit(h) -> tuple[str, str | None]:
    """Header without a trailing bracketed unit, and that unit (normalised) or one in a ``_kwh`` suffix."""
    n = _norm(h)
    m = re.match(r"^(.*?)[\[(]([^\])]*)[\])]$", n)
    if m:
        return m.group(1), _UNIT_WORDS.get(m.group(2), m.group(2))
    for suffix in ("mwh", "kwh", "mw", "kw"):
        if n.endswith("_" + suffix):
            return n, suffix
    return n, None


def _fail(name: str, row: int | None, what: str) -> DataError:
    return DataError(f"session records '{name}'{f', row {row}' if row is not None else ''}: {what}")


def _read(p: Path, spec: SessionsFile) -> pd.DataFrame:
    """All cells as objects; empty cells as ''."""
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        sheet = 0 if spec.sheet is None else spec.sheet
        try:
            df = pd.read_excel(p, sheet_name=sheet, dtype=object, engine="calamine")
        except (ValueError, IndexError) as exc:
            try:
                names = pd.ExcelFile(p, engine="calamine").sheet_names
            except Exception:  # noqa: BLE001
                raise _fail(p.name, None, f"cannot be read as Excel ({exc})") from None
            raise _fail(p.name, None, f"has no sheet {sheet!r} (sheets: {', '.join(map(str, names))})") from None
        except Exception as exc:  # noqa: BLE001
            raise _fail(p.name, None, f"cannot be read as Excel ({exc})") from None
        return df.where(df.notna(), "")
    return read_text_table(p, lambda what: _fail(p.name, None, what))


def _columns(df: pd.DataFrame, spec: SessionsFile, name: str) -> dict[str, str | None]:
    """Our name -> the file's header (None for an absent optional column); units checked."""
    given = dict(spec.columns or {})
    by_norm, by_base = {}, {}
    for h in df.columns:
        by_norm.setdefault(_norm(h), h)
        by_base.setdefault(_base_and_unit(h)[0], h)
    need = {"arrival", "departure", "energy"} | ({"charger"} if spec.charger_mapping == "by_id" else set())
    out: dict[str, str | None] = {}
    for ours, names in HEADERS.items():
        if ours in given:
            h = given[ours] if given[ours] in df.columns else by_norm.get(_norm(given[ours]))
            if h is None:
                raise _fail(name, None, f"has no column '{given[ours]}' (columns.{ours}); columns found: "
                            f"{', '.join(map(str, df.columns))}")
        else:
            h = next((by_norm.get(n, by_base.get(n)) for n in names if n in by_norm or n in by_base), None)
        if h is None and ours in need:
            raise _fail(name, None, f"has no {ours} column (looked for {', '.join(names[:8])}, ...; name it with "
                        f"columns.{ours}); columns found: {', '.join(map(str, df.columns))}")
        unit = _base_and_unit(h)[1] if h is not None else None
        want = {"energy": spec.energy_unit.lower(), "power": spec.power_unit.lower()}.get(ours)
        if want and unit in ("kwh", "mwh", "kw", "mw") and unit != want:
            raise _fail(name, None, f"column '{h}' is in {_PRETTY[unit]} but {ours}_unit is {_PRETTY[want]}")
        out[ours] = h
    return out


def _blank(s: pd.Series) -> np.ndarray:
    return s.map(lambda v: v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "").to_numpy(dtype=bool)


def _numbers(s: pd.Series, name: str, header: str, rows: np.ndarray, required: bool) -> np.ndarray:
    blank = _blank(s)
    if required and blank.any():
        raise _fail(name, int(rows[np.flatnonzero(blank)[0]]), f"empty cell in column '{header}'")
    num = pd.to_numeric(s.where(~blank, np.nan).map(lambda v: str(v).strip() if isinstance(v, str) else v),
                        errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(num) & ~blank)
    if len(bad):
        raise _fail(name, int(rows[bad[0]]), f"non-numeric value {s.iloc[bad[0]]!r} in column '{header}'")
    return num


def _times(s: pd.Series, name: str, header: str, rows: np.ndarray) -> np.ndarray:
    """Epoch ns of local (Asia/Shanghai) times; naive are local, with an offset converted."""
    blank = _blank(s)
    if blank.any():
        raise _fail(name, int(rows[np.flatnonzero(blank)[0]]), f"empty time in column '{header}'")
    numeric = s.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).to_numpy()
    if numeric.any():
        i = np.flatnonzero(numeric)[0]
        raise _fail(name, int(rows[i]), f"time {s.iloc[i]!r} in column '{header}' is a number, not a date and time")
    try:  # fast path: one format, all naive or one offset
        with warnings.catch_warnings():  # mixed offsets: handled one by one below
            warnings.simplefilter("ignore")
            t = pd.to_datetime(s, errors="coerce", format="mixed")
        if t.dtype.kind == "M" and not t.isna().any():
            t = t.dt.tz_localize(TZ) if t.dt.tz is None else t.dt.tz_convert(TZ)
            return t.array.asi8.copy()
    except (ValueError, TypeError):
        pass
    out = np.empty(len(s), dtype=np.int64)
    for i, v in enumerate(s):  # one by one: mixed offsets, and the row of an unreadable cell
        try:
            ts = pd.Timestamp(v.strip() if isinstance(v, str) else v)
        except (ValueError, TypeError):
            ts = pd.NaT
        if ts is pd.NaT or pd.isna(ts):
            raise _fail(name, int(rows[i]), f"cannot read time {v!r} in column '{header}'")
        out[i] = (ts.tz_localize(TZ) if ts.tzinfo is None else ts.tz_convert(TZ)).value
    return out


def _natural(s: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", s)]


def _ids(s: pd.Series, name: str, header: str, rows: np.ndarray) -> np.ndarray:
    blank = _blank(s)
    if blank.any():
        raise _fail(name, int(rows[np.flatnonzero(blank)[0]]), f"empty charger id in column '{header}'")
    return s.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()).to_numpy()


def read_sessions(spec: SessionsFile, ev, index: pd.DatetimeIndex, base_dir=None) -> tuple[pd.DataFrame, str]:
    """Sessions of EV asset ``ev`` (``name, n_chargers, p_charger_mw``) from the records, on ``index``.

    Returns the :func:`vpp.profiles.ev.ev_sessions` frame (see the module docstring for the rules) and
    one line for the run's outputs.
    """
    p = Path(spec.path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    if not p.is_file():
        raise DataError(f"session records '{spec.path}' not found (looked for {p})")
    name = p.name
    raw = _read(p, spec)
    cols = _columns(raw, spec, name)
    rows = np.arange(len(raw)) + FIRST_ROW
    used = [h for h in cols.values() if h is not None]
    empty = np.all(np.column_stack([_blank(raw[h]) for h in used]), axis=1)
    total = np.zeros(len(raw), dtype=bool)
    for h in raw.columns:
        total |= raw[h].astype(str).str.strip().str.contains(_TOTAL).to_numpy()
    total &= _blank(raw[cols["arrival"]])
    keep = ~(empty | total)
    raw, rows = raw.loc[keep].reset_index(drop=True), rows[keep]

    arr = _times(raw[cols["arrival"]], name, cols["arrival"], rows)
    dep = _times(raw[cols["departure"]], name, cols["departure"], rows)
    e = _numbers(raw[cols["energy"]], name, cols["energy"], rows, True) * (1e-3 if spec.energy_unit == "kWh" else 1.0)
    p_file = np.full(len(raw), np.nan)  # [MW]; NaN: the record has no power, the charger's applies
    if cols["power"] is not None:
        p_file = _numbers(raw[cols["power"]], name, cols["power"], rows, False) \
            * (1e-3 if spec.power_unit == "kW" else 1.0)
    p_max = np.where(np.isnan(p_file), ev.p_charger_mw, np.minimum(p_file, ev.p_charger_mw))
    hour_ns = 3_600_000_000_000
    dwell_h = (dep - arr) / hour_ns
    for bad, what in (
        (np.flatnonzero(e < 0), lambda i: f"negative energy {e[i] * 1e3:g} kWh"),
        (np.flatnonzero(p_file <= 0), lambda i: f"charger power {p_file[i] * 1e3:g} kW is not positive"),
        (np.flatnonzero(dep <= arr), lambda i: "plug-out time is not after the plug-in time "
                                               f"({pd.Timestamp(dep[i], tz='UTC').tz_convert(TZ):%Y-%m-%d %H:%M} <= "
                                               f"{pd.Timestamp(arr[i], tz='UTC').tz_convert(TZ):%Y-%m-%d %H:%M})"),
        (np.flatnonzero(e > ENERGY_TOLERANCE * p_max * np.maximum(dwell_h, 0)),
         lambda i: f"{e[i] * 1e3:.1f} kWh cannot be delivered in {dwell_h[i]:.2f} h plugged in at "
                   f"{p_max[i] * 1e3:.1f} kW (the record's and the asset's charger power; 5 % tolerance)"),
    ):
        if len(bad):
            raise _fail(name, int(rows[bad[0]]), what(bad[0]))

    n_ids = 0
    charger = np.full(len(raw), -1, dtype=int)
    if spec.charger_mapping == "by_id":
        ids = _ids(raw[cols["charger"]], name, cols["charger"], rows)
        distinct = sorted(set(ids), key=_natural)
        n_ids = len(distinct)
        if n_ids > ev.n_chargers:
            raise _fail(name, None, f"has {n_ids} distinct charger ids in column '{cols['charger']}' but EV asset "
                        f"'{ev.name}' has n_chargers = {ev.n_chargers}")
        number = {c: k for k, c in enumerate(distinct)}
        charger = np.array([number[c] for c in ids], dtype=int)
        order = np.lexsort((arr, charger))
        same = charger[order][1:] == charger[order][:-1]
        clash = np.flatnonzero(same & (arr[order][1:] < dep[order][:-1]))
        if len(clash):
            i, j = order[clash[0] + 1], order[clash[0]]
            raise _fail(name, int(rows[i]), f"charger '{ids[i]}' is plugged in from "
                        f"{pd.Timestamp(arr[i], tz='UTC').tz_convert(TZ):%Y-%m-%d %H:%M} while the record of row "
                        f"{rows[j]} on the same charger lasts until "
                        f"{pd.Timestamp(dep[j], tz='UTC').tz_convert(TZ):%Y-%m-%d %H:%M} (overlap)")

    t0, step, t_end = grid(index)
    if len(arr):  # records of another period would leave the chargers silently empty: refuse
        first = pd.Timestamp(int(arr.min()), tz="UTC").tz_convert(TZ).normalize()
        last = pd.Timestamp(int(dep.max()), tz="UTC").tz_convert(TZ)
        if t0 < first or t_end > last.normalize() + pd.Timedelta(days=1):
            raise _fail(name, None, f"covers {first:%Y-%m-%d} – {last:%Y-%m-%d}, the run needs "
                        f"{t0:%Y-%m-%d} – {(t_end - pd.Timedelta(seconds=1)):%Y-%m-%d}; session records are "
                        "not mapped onto other dates: give records of the run's period")
    arr_a = align(arr, t0.value, step.value, up=True)
    dep_a = align(dep, t0.value, step.value, up=False)
    short = dep_a <= arr_a  # no whole step plugged in
    ok = ~short & (dep_a > t0.value) & (arr_a < t_end.value)  # what _clip_to_horizon keeps
    short &= (dep > t0.value) & (arr < t_end.value)  # counted only when in the run
    n_out = int((~ok & ~short).sum())
    e_cap = p_max * np.maximum(dep_a - arr_a, 0) / hour_ns
    capped = ok & (e > e_cap * (1 + 1e-12))
    e_short, e_capped = float(e[short].sum()), float((e - e_cap)[capped].sum())
    e = np.where(capped, e_cap, e)
    df = pd.DataFrame({
        "session": [f"{ev.name}_s{r}" for r in rows[ok]],
        "charger": charger[ok],
        "arrival": pd.to_datetime(arr_a[ok], utc=True).tz_convert(TZ),
        "departure": pd.to_datetime(dep_a[ok], utc=True).tz_convert(TZ),
        "e_mwh": e[ok],
        "p_max_mw": p_max[ok],
        "_row": rows[ok],
    })
    df = clip_to_horizon(df, t0, t_end).sort_values(["arrival", "departure", "_row"], kind="stable")
    if spec.charger_mapping == "round_robin" and len(df):
        df["charger"] = assign_chargers(df["arrival"].array.asi8, df["departure"].array.asi8, ev.n_chargers)
        if (df["charger"] < 0).any():
            bad = df.loc[df["charger"] < 0].iloc[0]
            raise _fail(name, int(bad["_row"]), f"no charger is free at {bad['arrival']:%Y-%m-%d %H:%M}: more than "
                        f"{ev.n_chargers} vehicles (n_chargers of EV asset '{ev.name}') are plugged in at once")
    df = df[COLUMNS].reset_index(drop=True) if len(df) else empty_sessions()

    res = f"{int(round(step.total_seconds() / 60))}-min"
    parts = [f"{len(raw)} record(s)"]
    if n_out:
        parts.append(f"{n_out} outside the horizon left out")
    if short.any():
        parts.append(f"{int(short.sum())} shorter than one whole {res} step left out ({e_short:.3f} MWh)")
    if capped.any():
        parts.append(f"{int(capped.sum())} capped to charger power × dwell on the {res} grid "
                     f"(−{e_capped:.3f} MWh)")
    mapping = (f"{n_ids} charger id(s) → chargers 0…{n_ids - 1}" if spec.charger_mapping == "by_id" and n_ids
               else "0 charger ids" if spec.charger_mapping == "by_id"
               else "chargers assigned round-robin")
    text = (f"{ev.name}: {len(df)} session(s) ({df['e_mwh'].sum():.3f} MWh) from session records {name} "
            f"({'; '.join(parts)}; {mapping})")
    return df, text
