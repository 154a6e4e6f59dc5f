"""Read a measured meter series (CSV, Parquet, Excel) into mean power [MW] on a regular time axis.

:func:`read_table` turns a :class:`~scenarios.data_schema.ProfileFile` into a :class:`MeasuredSeries`:
mean power [MW] per interval on a regular, tz-naive local (Asia/Shanghai) interval-BEGINNING index
(the label 08:00 of 15 min data is the interval [08:00, 08:15)). Every problem of the file raises
:class:`~vpp.errors.DataError` with one line naming the file (and sheet), the row as in the file
(1-based, the header is row 1; Parquet rows count from 1) or the timestamp.

Layouts (``docs/data.md``):

* ``long``: a timestamp column and one value column;
* ``wide``: a timestamp column and one value column per meter (``column`` picks one);
* ``daily96``: one row per day: a date column and 96 (or 24, 48, 288) value columns labelled
  ``00:15 … 24:00`` (interval-ending: column 00:15 is [00:00, 00:15)), ``00:00 … 23:45``
  (interval-beginning), ``00:00-00:15 …`` (ranges) or ``1 … 96``;
* several meters stacked as groups of rows (long or daily96) with a meter-id column: ``meter`` picks one.

Values are kW / MW (mean power over the interval) or kWh / MWh (energy per interval, divided by the
interval length [h]). Gaps (absent rows, blank cells, ``-`` / ``--`` / ``/``) are refused unless the
spec asks for a fill policy, and a fill never spans more than ``max_fill_steps`` steps.

Files are read once per process: the table by (path, mtime, size, sheet), the series by the same plus
every setting of the spec, so many assets reading columns of one wide file cost one read.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.data_schema import DAILY_POINTS, ENERGY_UNITS, UNIT_TO_MEGA, ProfileFile
from vpp.errors import DataError

TZ = "Asia/Shanghai"
SUFFIXES = (".csv", ".txt", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")
#: cells meaning "no value" (become gaps, as blank cells do)
MISSING_MARKS = ("", "-", "--", "—", "/", "nan", "NaN", "null", "NULL", "N/A", "#N/A")
_FRAME_CACHE_SIZE = 8
_SERIES_CACHE_SIZE = 512


@dataclass(frozen=True)
class MeasuredSeries:
    """A measured series, checked and regular.

    ``p_mw``: mean power [MW] per interval, tz-naive local (Asia/Shanghai) interval-beginning
    DatetimeIndex named ``time`` with a fixed step of ``resolution_min`` minutes, no missing values.
    ``source``: ``file[:sheet][:column or meter]``; ``layout``: ``long``, ``wide`` or ``daily96``;
    ``meta``: what was read and done (rows, stamps convention, tz conversion, filled gaps, ...).
    """

    p_mw: pd.Series
    resolution_min: int
    source: str
    layout: str
    meta: dict = field(default_factory=dict)

    @property
    def energy_mwh(self) -> float:
        """Energy of the whole series [MWh]."""
        return float(self.p_mw.sum() * self.resolution_min / 60.0)


# ------------------------------------------------------------------------------------------ the file
@dataclass
class _Frame:
    """A table as read from a file (one sheet), with the parsed columns cached beside it."""

    df: pd.DataFrame
    fmt: str  # csv | parquet | excel
    sheet: str | None
    encoding: str | None
    first_row: int  # file row of the first data row (2 with a header line)
    parsed: dict = field(default_factory=dict)


_frames: collections.OrderedDict = collections.OrderedDict()
_series: collections.OrderedDict = collections.OrderedDict()


def clear_cache() -> None:
    """Forget every file read in this process."""
    _frames.clear()
    _series.clear()


def _remember(cache: collections.OrderedDict, key, value, size: int):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)
    return value


def resolve_path(spec: ProfileFile, base_dir: Path | None = None) -> Path:
    """The data file of ``spec``: ``path`` as given when absolute, else relative to ``base_dir``."""
    p = Path(spec.path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p


def _stat(path: Path, label: str):
    if not path.exists():
        raise DataError(f"{label}: file not found ({path})")
    if not path.is_file():
        raise DataError(f"{label}: is a directory, not a data file ({path})")
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _sniff_sep(head: str) -> str:
    line = next((ln for ln in head.splitlines() if ln.strip()), "")
    counts = {sep: line.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, label: str) -> _Frame:
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        raise DataError(f"{label}: the file is empty")
    errors = []
    for enc, name in (("utf-8-sig", "utf-8"), ("gb18030", "gbk")):
        try:
            head_text = head.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the end of the chunk
                errors.append(name)
                continue
            head_text = head[: exc.start].decode(enc)
        try:
            df = pd.read_csv(path, encoding=enc, sep=_sniff_sep(head_text), low_memory=False, skipinitialspace=True)
        except UnicodeDecodeError:
            errors.append(name)
            continue
        except pd.errors.EmptyDataError:
            raise DataError(f"{label}: the file is empty") from None
        except (pd.errors.ParserError, ValueError) as exc:
            msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise DataError(f"{label}: cannot be read as CSV ({msg})") from None
        return _Frame(df, "csv", None, name, 2)
    raise DataError(f"{label}: cannot be read as text in {' or '.join(errors)} (save it as UTF-8 or GBK CSV)")


def _read_parquet(path: Path, label: str) -> _Frame:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises a zoo of classes for a corrupt file
        raise DataError(f"{label}: cannot be read as Parquet ({type(exc).__name__}: {str(exc)[:120]})") from None
    if not isinstance(df.index, pd.RangeIndex):  # a DatetimeIndex stored by pandas: make it a column
        df = df.reset_index()
    return _Frame(df, "parquet", None, None, 1)


def _read_excel(path: Path, sheet, label: str) -> _Frame:
    # calamine (Rust) reads .xlsx and .xls about 8x faster than openpyxl: a year of 96-point days of one
    # meter in ~0.04 s instead of ~0.3 s
    engine = "calamine"
    try:
        book = pd.ExcelFile(path, engine=engine)
    except Exception as exc:
        raise DataError(f"{label}: cannot be read as Excel ({type(exc).__name__}: {str(exc)[:120]})") from None
    with book:
        names = [str(n) for n in book.sheet_names]
        listing = ", ".join(f"'{n}'" for n in names)
        if sheet is None:
            name = names[0]
        elif isinstance(sheet, int):
            if sheet >= len(names):
                raise DataError(f"{label}: no sheet at position {sheet} (0-based); sheets: {listing}")
            name = names[sheet]
        elif str(sheet) in names:
            name = str(sheet)
        elif str(sheet).isdigit() and int(sheet) < len(names):  # "2" from the command line: a position
            name = names[int(sheet)]
        else:
            raise DataError(f"{label}: no sheet '{sheet}'; sheets: {listing}")
        try:
            df = book.parse(name)
        except Exception as exc:
            raise DataError(f"{label}:{name}: cannot be read ({type(exc).__name__}: {str(exc)[:120]})") from None
    return _Frame(df, "excel", name, None, 2)


def _frame(path: Path, sheet, label: str) -> _Frame:
    """The table of a file (cached by path, mtime, size and sheet)."""
    mtime, size = _stat(path, label)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{label}: unknown file type '{suffix}' (use .csv, .parquet or .xlsx)")
    key = (str(path.resolve()), mtime, size, sheet if suffix in (".xlsx", ".xlsm", ".xls") else None)
    if key in _frames:
        _frames.move_to_end(key)
        return _frames[key]
    if size == 0:
        raise DataError(f"{label}: the file is empty")
    if suffix in (".csv", ".txt"):
        fr = _read_csv(path, label)
    elif suffix in (".parquet", ".pq"):
        fr = _read_parquet(path, label)
    else:
        fr = _read_excel(path, sheet, label)
    fr.df.columns = [c.strip() if isinstance(c, str) else c for c in fr.df.columns]
    return _remember(_frames, key, fr, _FRAME_CACHE_SIZE)


# ---------------------------------------------------------------------------------------- timestamps
_DATE_RE = re.compile(r"^\s*(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8})([ T]+\d{1,2}[:：]\d{2}.*)?\s*$")
_TZ_RE = r"\d[:：]\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_H24_RE = r"[ T]24[:：]00(?::00)?\s*$"


def _is_yyyymmdd(values: np.ndarray) -> bool:
    v = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    if len(v) == 0 or not np.all(np.mod(v, 1) == 0):
        return False
    v = v.astype(np.int64)
    month, day = (v // 100) % 100, v % 100
    return bool(np.all((v >= 19000101) & (v <= 21001231) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)))


def _looks_like_times(col: pd.Series) -> bool:
    """Whether a column holds dates or datetimes (judged on its first 20 values: the first and 80 %)."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return True
    sample = col.dropna().head(20)
    if sample.empty:
        return False
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return _is_yyyymmdd(sample.to_numpy())
    if col.dtype == object and all(isinstance(x, (dt.datetime, dt.date, pd.Timestamp)) for x in sample):
        return True
    hits = sample.astype(str).str.match(_DATE_RE).to_numpy(bool)
    return bool(hits[0] and hits.mean() >= 0.8)  # a stray bad cell is reported by the parser, with its row


def _parse_times(col: pd.Series, label: str, name, first_row: int) -> tuple[np.ndarray, str | None]:
    """Naive local datetime64[ns] of a timestamp / date column (NaT where blank) and a tz note."""
    note = None
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        note = f"timestamps in {col.dt.tz} converted to {TZ} local time"
        return col.dt.tz_convert(TZ).dt.tz_localize(None).to_numpy("datetime64[ns]"), note
    if pd.api.types.is_datetime64_dtype(col):
        return col.to_numpy("datetime64[ns]"), None
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        vals = col.to_numpy(dtype=float)
        if not _is_yyyymmdd(vals):
            bad = int(np.flatnonzero(~np.isnan(vals))[0]) if np.any(~np.isnan(vals)) else 0
            raise DataError(f"{label}: column '{name}' holds numbers ({col.iloc[bad]!r} at row {first_row + bad}), "
                            "not dates or timestamps; set timestamp_column")
        txt = pd.Series(np.where(np.isnan(vals), "", np.nan_to_num(vals).astype(np.int64).astype(str)))
        return pd.to_datetime(txt, format="%Y%m%d", errors="coerce").to_numpy("datetime64[ns]"), None
    s = col.astype("string").str.strip()
    present = s.notna() & (s != "")
    aware = s.str.contains(_TZ_RE, regex=True).fillna(False).to_numpy(bool)
    if aware.any():
        naive_rows = np.flatnonzero(present.to_numpy() & ~aware)
        if naive_rows.size:
            i, j = int(np.flatnonzero(aware)[0]), int(naive_rows[0])
            raise DataError(f"{label}: column '{name}' mixes timestamps with a time zone (row {first_row + i}: "
                            f"'{s.iloc[i]}') and without (row {first_row + j}: '{s.iloc[j]}')")
    h24 = s.str.contains(_H24_RE, regex=True).fillna(False).to_numpy(bool)
    if h24.any():  # "2024-03-01 24:00" = midnight at the end of that day
        s = s.str.replace(_H24_RE, " 00:00", regex=True)
    if s.str.contains("[年月日：]", regex=True).fillna(False).any():
        s = s.str.replace("[年月]", "-", regex=True).str.replace("日", "", regex=False).str.replace("：", ":")
    s = s.where(present, None)
    try:
        if aware.any():
            t = pd.to_datetime(s, errors="coerce", utc=True)
            zones = ", ".join(sorted(set(col[present].astype(str).str.extract(r"(Z|UTC|GMT|[+-]\d{2}:?\d{2})\s*$")[0]
                                         .dropna().head(1000))))
            note = f"timestamps with UTC offset {zones} converted to {TZ} local time"
            t = t.dt.tz_convert(TZ).dt.tz_localize(None)
        else:
            t = pd.to_datetime(s, errors="coerce")
        bad = present.to_numpy() & t.isna().to_numpy()
        if bad.any():  # several formats in one column: slower, element-wise parsing
            t = pd.to_datetime(s, errors="coerce", format="mixed", utc=bool(aware.any()))
            if aware.any():
                t = t.dt.tz_convert(TZ).dt.tz_localize(None)
            bad = present.to_numpy() & t.isna().to_numpy()
    except (ValueError, TypeError, OverflowError) as exc:
        raise DataError(f"{label}: column '{name}' cannot be read as timestamps ({str(exc)[:100]})") from None
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{label}: row {first_row + i}: '{col.iloc[i]}' in column '{name}' is not a date or timestamp")
    out = t.to_numpy("datetime64[ns]")
    if h24.any():
        out = out + np.where(h24, np.timedelta64(1, "D"), np.timedelta64(0, "D")).astype("timedelta64[ns]")
    return out, note


def _cached_times(fr: _Frame, name, label: str) -> tuple[np.ndarray, str | None]:
    key = ("times", name)
    if key not in fr.parsed:
        fr.parsed[key] = _parse_times(fr.df[name], label, name, fr.first_row)
    return fr.parsed[key]


# -------------------------------------------------------------------------------------------- values
def to_numbers(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(float values with NaN where blank or a missing mark, bool mask of non-numeric cells).

    Text cells are stripped; ``1,234.5`` (thousands separators) reads 1234.5, a decimal comma does not."""
    if pd.api.types.is_bool_dtype(col):
        return np.full(len(col), np.nan), np.ones(len(col), bool)
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(col), bool)
    s = col.astype("string").str.strip()
    blank = (s.isna() | s.isin(MISSING_MARKS)).to_numpy(bool)
    thousands = s.str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?").fillna(False).to_numpy(bool)  # "1,234.5"
    if thousands.any():
        s = s.where(~thousands, s.str.replace(",", "", regex=False))
    num = pd.to_numeric(s.where(~blank, None), errors="coerce")
    vals = num.to_numpy(dtype=float, na_value=np.nan)
    return vals, ~blank & np.isnan(vals)


# ------------------------------------------------------------------------------------ layout helpers
_HM = r"(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?"
_TIME_HDR = re.compile(rf"^\s*{_HM}\s*$")
_RANGE_HDR = re.compile(rf"^\s*{_HM}\s*[-–~至]\s*{_HM}\s*$")
_NUM_HDR = re.compile(r"^\s*[Pp点]?\s*(\d{1,3})\s*$")


def _header_key(h) -> tuple[str, int] | None:
    """('time', minute of day) | ('range', start minute) | ('num', k) of a column header, or None."""
    if isinstance(h, (bool, np.bool_)):
        return None
    if isinstance(h, dt.datetime):  # Excel time cells >= 24 h come as dates of 1899/1900
        if h.year <= 1900:
            return "time", int(round((h - dt.datetime(1899, 12, 30)).total_seconds() / 60))
        return None
    if isinstance(h, dt.time):
        return "time", h.hour * 60 + h.minute
    if isinstance(h, (dt.timedelta, pd.Timedelta)):
        return "time", int(round(h.total_seconds() / 60))
    if isinstance(h, (int, np.integer)) or (isinstance(h, (float, np.floating)) and float(h).is_integer()):
        return "num", int(h)
    if not isinstance(h, str):
        return None
    if m := _TIME_HDR.match(h):
        return "time", int(m[1]) * 60 + int(m[2])
    if m := _RANGE_HDR.match(h):
        return "range", int(m[1]) * 60 + int(m[2])
    if m := _NUM_HDR.match(h):
        return "num", int(m[1])
    return None


def daily_columns(columns) -> tuple[list, int, str] | None:
    """The value columns of a one-row-per-day table in time order, their step [min] and labelling.

    Returns ``(columns, step_min, "ending" | "beginning")`` when the headers hold exactly one full day
    of N ∈ {24, 48, 96, 288} points: times ``00:15 … 24:00`` (ending; an Excel 24:00 may read 0:00),
    times ``00:00 … 23:45`` or ranges ``00:00-00:15 …`` (beginning), numbers ``1 … N`` (point k is
    the k-th interval of the day) or ``0 … N-1``; else None.
    """
    groups: dict[str, list] = {"time": [], "range": [], "num": []}
    for c in columns:
        k = _header_key(c)
        if k is not None:
            groups[k[0]].append((k[1], c))
    for kind, items in groups.items():
        n = len(items)
        if n not in DAILY_POINTS:
            continue
        step = 1440 // n
        keys = [k for k, _ in items]
        if kind == "time" and keys[-1] == 0 and keys[0] == step:  # 24:00 written as 0:00 at the end
            keys[-1] = 1440
        order = np.argsort(keys, kind="stable")
        ks = [keys[i] for i in order]
        cols = [items[i][1] for i in order]
        if kind == "time" and ks == list(range(step, 1441, step)):
            return cols, step, "ending"
        if kind in ("time", "range") and ks == list(range(0, 1440, step)):
            return cols, step, "beginning"
        if kind == "num" and ks == list(range(1, n + 1)):
            return cols, step, "ending"
        if kind == "num" and ks == list(range(0, n)):
            return cols, step, "beginning"
    return None


def _cols_text(cols, limit: int = 12) -> str:
    names = [f"'{c}'" for c in cols]
    return ", ".join(names[:limit]) + (f" … ({len(names)} columns)" if len(names) > limit else "")


def _find(df: pd.DataFrame, name: str, label: str, what: str, available=None):
    for c in df.columns:
        if str(c).strip() == str(name).strip():
            return c
    avail = list(df.columns) if available is None else available
    raise DataError(f"{label}: no {what} '{name}'; available: {_cols_text(avail, 40)}")


def _time_column(fr: _Frame, spec: ProfileFile, label: str):
    df = fr.df
    if spec.timestamp_column is not None:
        return _find(df, spec.timestamp_column, label, "column")
    for c in df.columns:
        key = ("looks", c)
        if key not in fr.parsed:
            fr.parsed[key] = _looks_like_times(df[c])
        if fr.parsed[key]:
            return c
    raise DataError(f"{label}: no column of dates or timestamps (columns: {_cols_text(df.columns)}); "
                    "set timestamp_column")


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def _is_id(col: pd.Series) -> bool:
    """A column that may hold meter ids: text or whole numbers (表号 are often numbers)."""
    return _is_text(col) or pd.api.types.is_integer_dtype(col)


def _meter_rows(fr: _Frame, spec: ProfileFile, tcol, label: str, value_cols: list,
                times: np.ndarray) -> tuple[np.ndarray | None, object]:
    """Row positions of the chosen meter in a table of stacked meters (None: not stacked) and its column.

    ``value_cols``: columns that cannot hold meter ids; ``times``: the parsed timestamps (stacked meters
    repeat them)."""
    df = fr.df
    if spec.meter is None:
        if spec.meter_column is not None:
            mcol = _find(df, spec.meter_column, label, "column")
            ids = pd.unique(df[mcol].dropna().astype(str))
            raise DataError(f"{label}: meter_column '{mcol}' is given but not meter; meters: "
                            f"{', '.join(ids[:10])}{' …' if len(ids) > 10 else ''}")
        key = ("stacked", tcol, tuple(map(str, value_cols)))
        if key not in fr.parsed:  # one text column besides the time and repeated timestamps: stacked meters
            cand = [c for c in df.columns if c != tcol and c not in value_cols and _is_id(df[c])
                    and df[c].nunique(dropna=True) > 1]
            fr.parsed[key] = cand[0] if len(cand) == 1 and pd.Series(times).duplicated().any() else None
        mcol = fr.parsed[key]
        if mcol is not None:
            ids = pd.unique(df[mcol].dropna().astype(str))
            raise DataError(f"{label}: holds {len(ids)} meters in column '{mcol}' ({', '.join(ids[:5])}"
                            f"{' …' if len(ids) > 5 else ''}); choose one with meter:")
        return None, None
    if spec.meter_column is not None:
        mcol = _find(df, spec.meter_column, label, "column")
    else:
        cand = [c for c in df.columns if c != tcol and c not in value_cols and _is_id(df[c])]
        if len(cand) != 1:
            raise DataError(f"{label}: meter '{spec.meter}' given: set meter_column (columns: {_cols_text(df.columns)})")
        mcol = cand[0]
    key = ("groups", mcol)
    if key not in fr.parsed:
        ids = df[mcol].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
        fr.parsed[key] = {str(k): np.asarray(v) for k, v in ids.groupby(ids, sort=False).indices.items()}
    groups = fr.parsed[key]
    want = str(spec.meter).strip()
    if want not in groups:
        ids = list(groups)
        raise DataError(f"{label}: no meter '{want}' in column '{mcol}'; meters: {', '.join(ids[:20])}"
                        f"{' …' if len(ids) > 20 else ''}")
    return groups[want], mcol


# ------------------------------------------------------------------------------------ raw long table
@dataclass
class Raw:
    """A meter's values as found in the file, before any check: one entry per value (file order).

    ``times``: naive datetime64[ns] as labelled in the file (daily tables: interval beginnings);
    ``values``: numbers in the file's unit (NaN blank or non-numeric); ``bad``: non-numeric cells;
    ``rows``: file row of each value; ``headers``: the day table's column of each value (or None).
    """

    label: str
    source: str
    layout: str
    times: np.ndarray
    values: np.ndarray
    bad: np.ndarray
    rows: np.ndarray
    raw_cells: pd.Series | np.ndarray  # the cells as read (for messages), positions as ``values``
    headers: np.ndarray | None = None
    resolution_min: int | None = None  # known from the layout (daily tables)
    had_24h: bool = False
    meta: dict = field(default_factory=dict)

    def cell(self, i: int):
        """The cell of value ``i`` as read from the file."""
        return self.raw_cells.iloc[i] if isinstance(self.raw_cells, pd.Series) else self.raw_cells[i]

    def where(self, i: int) -> str:
        """'row R[, column C] (timestamp)' of value ``i``."""
        col = f", column '{self.headers[i]}'" if self.headers is not None else ""
        return f"row {int(self.rows[i])}{col} ({fmt_time(self.times[i])})"


def fmt_time(t) -> str:
    t = pd.Timestamp(t)
    return t.strftime("%Y-%m-%d %H:%M") if t.second == 0 else t.strftime("%Y-%m-%d %H:%M:%S")


def parse(spec: ProfileFile, base_dir: Path | None = None) -> Raw:
    """Read the file of ``spec`` and pick out its meter as one value per interval (no checks yet but
    what is needed to find the table: file, sheet, layout, columns, timestamps, meter)."""
    path = resolve_path(spec, base_dir)
    label = spec.path
    fr = _frame(path, spec.sheet, label)
    if fr.sheet is not None:
        label = f"{spec.path}:{fr.sheet}"
    df = fr.df
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise DataError(f"{label}: no data rows")
    tcol = _time_column(fr, spec, label)
    layout = spec.layout
    daily = daily_columns(df.columns) if layout in ("auto", "daily96") else None
    if layout == "daily96" and daily is None:
        raise DataError(f"{label}: layout daily96 needs 24, 48, 96 or 288 value columns labelled 00:15 … 24:00, "
                        f"00:00 … 23:45 or 1 … 96 (columns: {_cols_text(df.columns)})")
    meta: dict = {"file": str(path), "format": fr.fmt}
    if fr.sheet is not None:
        meta["sheet"] = fr.sheet
    if fr.encoding is not None:
        meta["encoding"] = fr.encoding
    if daily is not None:
        times_day, note = _cached_times(fr, tcol, label)
        tod = times_day - times_day.astype("datetime64[D]")
        if layout == "auto" and np.any(tod[~np.isnat(times_day)] != np.timedelta64(0)):
            daily = None  # timestamps with times of day: a long / wide table whose headers look like times
    if daily is not None:
        return _parse_daily(spec, fr, tcol, daily, times_day, note, label, meta)
    return _parse_long(spec, fr, tcol, label, meta)


def _parse_daily(spec, fr: _Frame, tcol, daily, times_day, note, label, meta) -> Raw:
    cols, step, labelled = daily
    if spec.column is not None:
        raise DataError(f"{label}: column: applies to long / wide tables; a one-row-per-day table of several meters "
                        "takes meter: (and meter_column:)")
    sel, mcol = _meter_rows(fr, spec, tcol, label, cols, times_day)
    df = fr.df
    n_rows = len(df)
    idx = np.arange(n_rows) if sel is None else np.sort(sel)
    days = times_day[idx]
    block = df.iloc[idx] if sel is not None else df
    mat = np.empty((len(idx), len(cols)))
    bad = np.zeros((len(idx), len(cols)), bool)
    raw_cells = None
    for j, c in enumerate(cols):
        v, b = to_numbers(block[c])
        mat[:, j] = v
        if b.any():
            bad[:, j] = b
            raw_cells = block[cols].to_numpy(dtype=object).ravel() if raw_cells is None else raw_cells
    keep = ~(np.isnat(days) & np.all(np.isnan(mat) & ~bad, axis=1))  # blank lines at the end
    if not keep.all():
        idx, days, mat, bad = idx[keep], days[keep], mat[keep], bad[keep]
        raw_cells = None if raw_cells is None else raw_cells.reshape(len(keep), -1)[keep].ravel()
    rows = fr.first_row + idx
    if np.isnat(days).any():
        i = int(np.flatnonzero(np.isnat(days))[0])
        raise DataError(f"{label}: row {rows[i]}: no date in column '{tcol}'")
    n = len(cols)
    offsets = (np.arange(n) * step).astype("timedelta64[m]").astype("timedelta64[ns]")
    times = (days.astype("datetime64[D]").astype("datetime64[ns]")[:, None] + offsets[None, :]).ravel()
    column = spec.meter  # a stacked table's meter, or None
    source = spec.path + (f":{fr.sheet}" if fr.sheet is not None else "") + (f":{column}" if column is not None else "")
    meta.update({"layout_detail": f"one row per day, {n} points labelled {labelled}", "points_per_day": n,
                 "rows": int(len(idx)), "date_column": str(tcol)})
    if mcol is not None:
        meta.update({"meter_column": str(mcol), "meter": str(spec.meter)})
    if note:
        meta["tz"] = note
    return Raw(label + (f":{column}" if column is not None else ""), source, "daily96", times, mat.ravel(),
               bad.ravel(), np.repeat(rows, n), raw_cells if raw_cells is not None else np.empty(0, object),
               headers=np.tile(np.array([str(c) for c in cols], dtype=object), len(idx)), resolution_min=step,
               meta=meta)


_CLOCK_RE = re.compile(r"^\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?\s*$")


def _clock_column(fr: _Frame, tcol, times_all: np.ndarray):
    """A column of times of day (``00:15``) completing a date-only timestamp column, or None."""
    key = ("clock", tcol)
    if key not in fr.parsed:
        found = None
        ok = times_all[~np.isnat(times_all)]
        if ok.size and not np.any(ok - ok.astype("datetime64[D]")):
            for c in fr.df.columns:
                col = fr.df[c]
                if c == tcol:
                    continue
                sample = col.dropna().head(20)
                if sample.dtype == object and len(sample) and all(isinstance(x, dt.time) for x in sample):
                    found = c
                    break
                if _is_text(col) and len(sample) and sample.astype(str).str.match(_CLOCK_RE).all():
                    found = c
                    break
        fr.parsed[key] = found
    return fr.parsed[key]


def _clock_minutes(col: pd.Series) -> np.ndarray:
    """Minutes after midnight of a column of times of day (``24:00`` = 1440; NaN where blank)."""
    if col.dtype == object and col.dropna().map(lambda x: isinstance(x, dt.time)).all():
        return col.map(lambda x: np.nan if x is None or x != x else x.hour * 60 + x.minute + x.second / 60).to_numpy(float)
    parts = col.astype("string").str.strip().str.replace("：", ":").str.split(":", expand=True)
    h = pd.to_numeric(parts[0], errors="coerce").to_numpy(float)
    m = pd.to_numeric(parts[1], errors="coerce").to_numpy(float)
    sec = pd.to_numeric(parts[2], errors="coerce").fillna(0).to_numpy(float) if parts.shape[1] > 2 else 0.0
    return h * 60 + m + sec / 60


def _parse_long(spec, fr: _Frame, tcol, label, meta) -> Raw:
    df = fr.df
    times_all, note = _cached_times(fr, tcol, label)
    clock = _clock_column(fr, tcol, times_all)
    if clock is not None:  # a date column and a time-of-day column: one timestamp
        key = ("joined", tcol, clock)
        if key not in fr.parsed:
            minutes = _clock_minutes(df[clock])
            bad = np.isnan(minutes) & df[clock].notna().to_numpy() | (minutes > 1440)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DataError(f"{label}: row {fr.first_row + i}: '{df[clock].iloc[i]}' in column '{clock}' is not a "
                                "time of day")
            joined = times_all + (np.nan_to_num(minutes) * 60e9).astype("timedelta64[ns]")
            joined[np.isnan(minutes)] = np.datetime64("NaT")
            fr.parsed[key] = (joined, bool(np.any(minutes == 1440)))
        times_all, had_24 = fr.parsed[key]
        meta["time_of_day_column"] = str(clock)
    others = [c for c in df.columns if c not in (tcol, clock) and not (str(c).startswith("Unnamed") and df[c].isna().all())]
    sel, mcol = _meter_rows(fr, spec, tcol, label, [c for c in others if not _is_id(df[c])] + [clock], times_all)
    value_cols = [c for c in others if c != mcol]
    if not value_cols:
        raise DataError(f"{label}: no value column besides the timestamps '{tcol}'")
    if spec.column is not None:
        vcol = _find(df, spec.column, label, "column", value_cols)
    elif len(value_cols) == 1:
        vcol = value_cols[0]
    else:
        raise DataError(f"{label}: {len(value_cols)} value columns: choose one with column: "
                        f"({_cols_text(value_cols, 40)})")
    layout = "long" if len(value_cols) == 1 else "wide"
    if spec.layout in ("long", "wide"):
        layout = spec.layout
    idx = np.arange(len(df)) if sel is None else np.sort(sel)
    col = df[vcol] if sel is None else df[vcol].iloc[idx]
    values, bad = to_numbers(col)
    times = times_all[idx]
    keep = ~(np.isnat(times) & np.isnan(values) & ~bad)  # empty lines
    rows = fr.first_row + idx
    if not keep.all():
        times, values, bad, rows, idx = times[keep], values[keep], bad[keep], rows[keep], idx[keep]
        col = col[keep]
    if np.isnat(times).any():
        i = int(np.flatnonzero(np.isnat(times))[0])
        raise DataError(f"{label}: row {rows[i]}: no timestamp in column '{tcol}'")
    s24 = ("h24", tcol)
    if s24 not in fr.parsed:
        c = df[tcol]
        fr.parsed[s24] = bool(_is_text(c) and c.astype("string").str.contains(_H24_RE, regex=True).fillna(False).any())
    had_24h = fr.parsed[s24] or (clock is not None and had_24)
    tag = str(vcol) if spec.meter is None else f"{spec.meter}" + (f":{vcol}" if len(value_cols) > 1 else "")
    source = spec.path + (f":{fr.sheet}" if fr.sheet is not None else "") + f":{tag}"
    meta.update({"rows": int(len(times)), "timestamp_column": str(tcol), "column": str(vcol),
                 "value_columns": [str(c) for c in value_cols]})
    if mcol is not None:
        meta.update({"meter_column": str(mcol), "meter": str(spec.meter)})
    if note:
        meta["tz"] = note
    return Raw(f"{label}:{tag}", source, layout, times, values, bad, rows, col, had_24h=had_24h, meta=meta)


# ------------------------------------------------------------------------------ checks and the grid
def duration_text(minutes: float) -> str:
    """'2 h 15 min', '45 min', '3 d 2 h'."""
    m = int(round(minutes))
    d, rem = divmod(m, 1440)
    h, mm = divmod(rem, 60)
    parts = ([f"{d} d"] if d else []) + ([f"{h} h"] if h else []) + ([f"{mm} min"] if mm else [])
    return " ".join(parts) or "0 min"


def resolution_of(times: np.ndarray, label: str) -> int:
    """Step [min] of sorted timestamps: the most common positive difference, 1–60 min dividing 24 h."""
    d = np.diff(times).astype("timedelta64[s]").astype(np.int64)
    d = d[d > 0]
    if d.size == 0:
        raise DataError(f"{label}: a single timestamp: the time step cannot be told")
    vals, counts = np.unique(d, return_counts=True)
    sec = int(vals[np.argmax(counts)])
    ok = sec % 60 == 0 and 1 <= sec // 60 <= 60 and 1440 % (sec // 60) == 0
    if not ok:
        raise DataError(f"{label}: time step {duration_text(sec / 60) if sec >= 60 else f'{sec} s'} (the most common "
                        "difference between timestamps) must be 1 to 60 min and divide 24 h "
                        "(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 min)")
    return sec // 60


def decide_stamps(raw: Raw, spec: ProfileFile, res: int) -> tuple[str, str]:
    """('beginning' | 'ending', why) for the timestamps of a long / wide table (see ProfileFile.stamps)."""
    if raw.layout == "daily96":
        return "beginning", "set by the column headers"
    if spec.stamps != "auto":
        return spec.stamps, "stamps: " + spec.stamps
    if raw.had_24h:
        return "ending", "timestamps at 24:00"
    first = pd.Timestamp(raw.times.min())
    last = pd.Timestamp(raw.times.max())
    tod_first = first.hour * 60 + first.minute
    tod_last = last.hour * 60 + last.minute
    if tod_first == res:
        return "ending", f"the first timestamp is {first:%H:%M}, one step after midnight"
    if tod_first != 0 and tod_last == 0 and last.second == 0:
        return "ending", f"the table starts at {first:%H:%M} and ends at midnight"
    return "beginning", f"the first timestamp is {first:%H:%M}"


def _place(times: np.ndarray, res: int, label: str, raw: Raw, order: np.ndarray | None, strict: bool):
    """Grid position of each (sorted) timestamp on the regular grid from the first one."""
    step = np.int64(res * 60 * 10**9)
    off = (times - times[0]).astype(np.int64)
    rem = off % step
    if strict and np.any(rem):
        i = int(np.flatnonzero(rem)[0])
        j = i if order is None else int(order[i])
        raise DataError(f"{label}: {raw.where(j)}: not on the {res} min grid that starts at {fmt_time(times[0])}")
    return off // step, rem == 0


def gap_runs(missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start position, length) of each run of True in ``missing``."""
    m = np.concatenate(([False], missing, [False])).astype(np.int8)
    d = np.diff(m)
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return starts, ends - starts


def _fill(grid: np.ndarray, policy: str) -> np.ndarray:
    nan = np.isnan(grid)
    out = grid.copy()
    if policy == "zero":
        out[nan] = 0.0
    elif policy == "linear":
        x = np.arange(len(grid))
        out[nan] = np.interp(x[nan], x[~nan], grid[~nan])
    elif policy == "previous":
        pos = np.where(~nan, np.arange(len(grid)), 0)
        out = grid[np.maximum.accumulate(pos)]
    return out


def to_mw(values: np.ndarray, unit: str, res: int, scale: float) -> np.ndarray:
    """Values of the file's unit → mean power [MW] (energy per interval divided by its length [h])."""
    f = UNIT_TO_MEGA[unit] * scale
    if unit in ENERGY_UNITS:
        f /= res / 60.0
    return values * f


def _check_and_regularise(raw: Raw, spec: ProfileFile) -> MeasuredSeries:
    label = raw.label
    if raw.values.size == 0:
        raise DataError(f"{label}: no data rows")
    if raw.bad.any():
        i = int(np.flatnonzero(raw.bad)[0])
        raise DataError(f"{label}: {raw.where(i)}: {raw.cell(i)!r} is not a number")
    neg = np.flatnonzero(raw.values < 0)
    if neg.size:
        i = int(neg[0])
        raise DataError(f"{label}: {raw.where(i)}: {raw.values[i]:g} is negative (meter data of a load must be ≥ 0; "
                        f"{neg.size} negative value{'s' if neg.size > 1 else ''})")
    times = raw.times
    d = np.diff(times).astype(np.int64)
    nonpos = np.flatnonzero(d <= 0)
    if nonpos.size:
        i = int(nonpos[0]) + 1
        if d[i - 1] == 0:
            raise DataError(f"{label}: duplicated timestamp {fmt_time(times[i])} at row {raw.rows[i]} "
                            f"(also at row {raw.rows[i - 1]})")
        raise DataError(f"{label}: timestamps out of order: {raw.where(i)} comes after {fmt_time(times[i - 1])} "
                        f"(row {raw.rows[i - 1]}); sort the file")
    res = raw.resolution_min or resolution_of(times, label)
    stamps, why = decide_stamps(raw, spec, res)
    pos, _ = _place(times, res, label, raw, None, strict=True)
    grid = np.full(int(pos[-1]) + 1, np.nan)
    grid[pos] = raw.values
    row_at = np.full(len(grid), -1, np.int64)
    row_at[pos] = np.arange(len(pos))
    t0 = times[0] - (np.timedelta64(res, "m") if stamps == "ending" else np.timedelta64(0, "m"))
    known = np.flatnonzero(~np.isnan(grid))
    if known.size == 0:
        raise DataError(f"{label}: no data rows (every value is blank)")
    trimmed = len(grid) - (known[-1] - known[0] + 1)
    lo = int(known[0])
    grid, row_at = grid[lo: known[-1] + 1], row_at[lo: known[-1] + 1]
    t0 = t0 + np.timedelta64(res * lo, "m")
    starts, lengths = gap_runs(np.isnan(grid))
    meta = dict(raw.meta)
    meta.update({"stamps": stamps, "stamps_reason": why, "unit": spec.unit, "scale": spec.scale,
                 "resolution_min": res, "values": int(raw.values.size)})
    if trimmed:
        meta["trimmed_blank_steps"] = int(trimmed)
    if starts.size:
        k = int(np.argmax(lengths))
        t_gap = fmt_time(t0 + np.timedelta64(int(starts[k]) * res, "m"))
        prev = row_at[starts[k] - 1] if starts[k] > 0 else -1
        after = f" (after row {raw.rows[prev]})" if prev >= 0 else ""
        longest = duration_text(lengths[k] * res)
        if spec.fill == "refuse":
            n = starts.size
            raise DataError(f"{label}: {n} gap{'s' if n > 1 else ''}, longest {longest} from {t_gap}{after}; add "
                            f"fill: linear (at most max_fill_steps: {spec.max_fill_steps} steps per gap) or repair "
                            "the file")
        if lengths[k] > spec.max_fill_steps:
            raise DataError(f"{label}: gap of {lengths[k]} steps ({longest}) from {t_gap}{after} is longer than "
                            f"max_fill_steps: {spec.max_fill_steps} (fill: {spec.fill}); repair the file or raise "
                            "max_fill_steps")
        grid = _fill(grid, spec.fill)
        meta["filled"] = {"policy": spec.fill, "gaps": int(starts.size), "steps": int(lengths.sum()),
                          "longest_steps": int(lengths[k])}
    index = pd.date_range(pd.Timestamp(t0), periods=len(grid), freq=f"{res}min", name="time")
    p = pd.Series(to_mw(grid, spec.unit, res, spec.scale), index=index, name="p_mw")
    return MeasuredSeries(p, res, raw.source, raw.layout, meta)


def read_table(spec: ProfileFile, base_dir: Path | None = None) -> MeasuredSeries:
    """Read, check and regularise the meter series of ``spec`` (``path`` relative to ``base_dir``).

    Returns mean power [MW] on a regular tz-naive local interval-beginning index. Raises
    :class:`~vpp.errors.DataError` (one line naming file, sheet, row or timestamp) for an unreadable
    or empty file, an unknown sheet or column, non-numeric or negative values, duplicated or
    out-of-order timestamps, mixed time zones, a step that is not 1–60 min dividing 24 h, and gaps
    the spec's fill policy does not allow. Cached per process (see :func:`clear_cache`).
    """
    path = resolve_path(spec, base_dir)
    mtime, size = _stat(path, spec.path)
    key = (str(path.resolve()), mtime, size, spec.model_dump_json(exclude={"path"}))
    hit = _series.get(key)
    if hit is None:
        hit = _remember(_series, key, _check_and_regularise(parse(spec, base_dir), spec), _SERIES_CACHE_SIZE)
    else:
        _series.move_to_end(key)
    return dataclasses.replace(hit, p_mw=hit.p_mw.copy(), meta=dict(hit.meta))


__all__ = ["MeasuredSeries", "read_table", "parse", "clear_cache", "resolve_path", "daily_columns", "to_mw",
           "resolution_of", "duration_text", "gap_runs", "Raw"]
