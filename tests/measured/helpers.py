"""Builders of measured meter tables (written by the tests into their tmp_path)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.data_schema import ProfileFile

HEADERS_96 = [f"{m // 60:02d}:{m % 60:02d}" for m in range(15, 1441, 15)]  # 00:15 … 24:00


def kw_values(days: int = 3, seed: int = 7) -> np.ndarray:
    """Distinct positive kW values, 96 per day (two decimals, exact in CSV and Excel)."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(50.0, 900.0, days * 96), 2)


def beginning_index(start: str, n: int, step_min: int = 15) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq=f"{step_min}min")


def long_frame(start: str, kw: np.ndarray, ending: bool = True, time_col: str = "time", value_col: str = "p_kw",
               fmt: str = "%Y-%m-%d %H:%M") -> pd.DataFrame:
    idx = beginning_index(start, len(kw))
    stamps = idx + pd.Timedelta(minutes=15) if ending else idx
    return pd.DataFrame({time_col: stamps.strftime(fmt), value_col: kw})


def daily_frame(start: str, kw: np.ndarray, headers=None, date_col: str = "日期") -> pd.DataFrame:
    headers = headers or HEADERS_96
    days = pd.date_range(start, periods=len(kw) // len(headers), freq="D").strftime("%Y-%m-%d")
    df = pd.DataFrame(kw.reshape(-1, len(headers)), columns=headers)
    df.insert(0, date_col, days)
    return df


def spec(path, **kw) -> ProfileFile:
    return ProfileFile(path=str(path), **kw)
