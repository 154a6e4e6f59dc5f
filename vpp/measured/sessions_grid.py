"""Shared rules of EV sessions on the run's step grid, and the text-table reader of the record files.

Used by generated and listed sessions (:mod:`vpp.profiles.ev`) and by session records
(:mod:`vpp.measured.ev_records`), so that every source of sessions is aligned and clipped the same way:

* a session occupies whole steps ``[arrival, departure)``: arrival rounded **up**, departure **down** to
  the step grid anchored at the first label (:func:`align`);
* a session that arrived before the first step but departs after it keeps the part inside the horizon,
  its energy scaled by the remaining fraction of its dwell (:func:`clip_to_horizon`);
* chargers are taken in order of arrival, the one free the longest first (:func:`assign_chargers`).
"""

from __future__ import annotations

import heapq
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from vpp.timeindex import TZ

#: columns of a sessions table: id, charger number, tz-aware arrival / departure on the step grid,
#: energy needed [MWh], power limit [MW]
COLUMNS = ["session", "charger", "arrival", "departure", "e_mwh", "p_max_mw"]


def grid(index: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timedelta, pd.Timestamp]:
    """First label, step length and end (exclusive) of a regular tz-aware index."""
    step = index[1] - index[0] if len(index) > 1 else pd.Timedelta(minutes=15)
    return index[0], step, index[-1] + step


def align(times_ns: np.ndarray, t0_ns: int, step_ns: int, up: bool) -> np.ndarray:
    """Round int64 epoch-ns times up (``up``) or down to the step grid anchored at ``t0_ns``."""
    rel = times_ns - t0_ns
    k = -(-rel // step_ns) if up else rel // step_ns
    return t0_ns + k * step_ns


def assign_chargers(arr_ns: np.ndarray, dep_ns: np.ndarray, n_chargers: int) -> np.ndarray:
    """Charger number per session (sessions sorted by arrival), −1 when every charger is busy.

    Greedy: the charger that became free earliest is used if it is free at the arrival.
    One Python iteration per *session* (not per step), ``O(n log c)``.
    """
    free = [(np.iinfo(np.int64).min, c) for c in range(n_chargers)]
    heapq.heapify(free)
    out = np.full(len(arr_ns), -1, dtype=int)
    for i in range(len(arr_ns)):
        t_free, c = free[0]
        if t_free <= arr_ns[i]:
            out[i] = c
            heapq.heapreplace(free, (int(dep_ns[i]), c))
    return out


def clip_to_horizon(df: pd.DataFrame, t0: pd.Timestamp, t_end: pd.Timestamp) -> pd.DataFrame:
    """Keep sessions overlapping ``[t0, t_end)``; clip early arrivals to ``t0`` scaling their energy."""
    df = df.loc[(df["departure"] > t0) & (df["arrival"] < t_end)].copy()
    early = df["arrival"] < t0
    if early.any():
        full = (df.loc[early, "departure"] - df.loc[early, "arrival"]).dt.total_seconds()
        rest = (df.loc[early, "departure"] - t0).dt.total_seconds()
        df.loc[early, "e_mwh"] = df.loc[early, "e_mwh"] * (rest / full)
        df.loc[early, "arrival"] = t0
    return df


def empty_sessions() -> pd.DataFrame:
    """A sessions table with no rows and the column types of :data:`COLUMNS`."""
    return pd.DataFrame(
        {
            "session": pd.Series(dtype=str),
            "charger": pd.Series(dtype=int),
            "arrival": pd.Series(dtype=f"datetime64[ns, {TZ}]"),
            "departure": pd.Series(dtype=f"datetime64[ns, {TZ}]"),
            "e_mwh": pd.Series(dtype=float),
            "p_max_mw": pd.Series(dtype=float),
        }
    )


def read_text_table(p: Path, fail: Callable[[str], Exception]) -> pd.DataFrame:
    """A CSV file as text cells (UTF-8 with or without BOM, else GBK/GB18030; ``,`` or a sniffed
    separator); ``fail(message)`` builds the error raised for an unreadable file."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding=enc)
            if df.shape[1] == 1:  # not comma-separated: let the sniffer find ';' or tabs
                df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding=enc, sep=None, engine="python")
            return df
        except UnicodeDecodeError:
            continue
        except Exception as exc:  # noqa: BLE001
            raise fail(f"cannot be read as CSV ({exc})") from None
    raise fail("is neither UTF-8 nor GBK text")
