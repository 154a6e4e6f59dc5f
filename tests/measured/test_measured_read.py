"""Reading meter files (vpp.measured.read): layouts, encodings, units, stamps, fill, cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from scenarios.data_schema import ProfileFile
from tests.measured.helpers import HEADERS_96, beginning_index, daily_frame, kw_values, long_frame, spec
from vpp.errors import DataError
from vpp.measured import check_magnitude, read_table
from vpp.measured import read as read_mod


def _expected(kw, start="2024-03-01", step=15) -> pd.Series:
    return pd.Series(kw / 1000.0, index=beginning_index(start, len(kw), step), name="p_mw")


def _same(ms, expected: pd.Series) -> None:
    pd.testing.assert_index_equal(ms.p_mw.index, expected.index, check_names=False)
    np.testing.assert_allclose(ms.p_mw.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=0)


# ------------------------------------------------------------------------------------------- layouts
def test_long_csv_with_ending_stamps_becomes_interval_beginning_mw(tmp_path):
    kw = kw_values(3)
    long_frame("2024-03-01", kw).to_csv(tmp_path / "meter.csv", index=False)
    ms = read_table(spec("meter.csv"), tmp_path)
    _same(ms, _expected(kw))
    assert ms.resolution_min == 15 and ms.layout == "long" and ms.source == "meter.csv:p_kw"
    assert ms.meta["stamps"] == "ending" and ms.meta["rows"] == 288
    assert ms.p_mw.index.freq == pd.Timedelta(minutes=15) and ms.p_mw.index.tz is None
    assert ms.energy_mwh == pytest.approx(kw.sum() / 1000 * 0.25, rel=1e-12)


def test_daily96_and_long_layouts_give_identical_profiles_csv_and_xlsx(tmp_path):
    kw = kw_values(3)
    expected = _expected(kw)
    long_frame("2024-03-01", kw).to_csv(tmp_path / "long.csv", index=False)
    daily_frame("2024-03-01", kw).to_csv(tmp_path / "daily.csv", index=False)
    daily_frame("2024-03-01", kw).to_excel(tmp_path / "daily.xlsx", index=False, sheet_name="96点")
    lf = long_frame("2024-03-01", kw, ending=False)
    lf["time"] = pd.to_datetime(lf["time"])  # real Excel datetimes, interval-beginning
    lf.to_excel(tmp_path / "long.xlsx", index=False)
    got = {name: read_table(spec(name), tmp_path) for name in ("long.csv", "daily.csv", "daily.xlsx", "long.xlsx")}
    for name, ms in got.items():
        _same(ms, expected)
    assert got["daily.csv"].layout == got["daily.xlsx"].layout == "daily96"
    assert got["long.csv"].layout == got["long.xlsx"].layout == "long"
    assert got["long.xlsx"].meta["stamps"] == "beginning" and got["daily.xlsx"].source == "daily.xlsx:96点"
    pd.testing.assert_series_equal(got["daily.csv"].p_mw, got["long.csv"].p_mw)


@pytest.mark.parametrize("headers", [
    [f"{m // 60}:{m % 60:02d}" for m in range(15, 1441, 15)],             # 0:15 … 24:00
    [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(15, 1441, 15)],      # 00:15:00 … 24:00:00
    [str(k) for k in range(1, 97)],                                       # 1 … 96
    [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, 15)],          # 00:00 … 23:45 (beginning)
    [f"{m // 60:02d}:{m % 60:02d}-{(m + 15) // 60:02d}:{(m + 15) % 60:02d}" for m in range(0, 1440, 15)],
])
def test_daily96_header_styles(tmp_path, headers):
    kw = kw_values(2)
    daily_frame("2024-03-01", kw, headers=headers, date_col="数据日期").to_csv(tmp_path / "d.csv", index=False)
    _same(read_table(spec("d.csv"), tmp_path), _expected(kw))


def test_daily_24_points_in_kwh(tmp_path):
    kwh = np.arange(1.0, 49.0) * 100.0  # 2 days × 24 hourly energies [kWh]
    daily_frame("2024-03-01", kwh, headers=[f"{h:02d}:00" for h in range(1, 25)]).to_csv(tmp_path / "h.csv", index=False)
    ms = read_table(spec("h.csv", unit="kWh"), tmp_path)
    assert ms.resolution_min == 60 and ms.meta["points_per_day"] == 24
    np.testing.assert_allclose(ms.p_mw.to_numpy(), kwh / 1000.0)  # kWh per hour = kW mean
    ms15 = read_table(spec("h.csv", unit="kWh", layout="daily96"), tmp_path)
    assert ms15.resolution_min == 60


def test_daily96_kwh_per_quarter_hour_is_four_times_the_kw(tmp_path):
    kwh = kw_values(1)
    daily_frame("2024-03-01", kwh).to_csv(tmp_path / "e.csv", index=False)
    ms = read_table(spec("e.csv", unit="kWh", scale=2.0), tmp_path)
    np.testing.assert_allclose(ms.p_mw.to_numpy(), kwh / 1000.0 / 0.25 * 2.0, rtol=1e-12)


def test_wide_table_column_pick_and_parquet(tmp_path):
    idx = beginning_index("2024-03-01", 96)
    df = pd.DataFrame({"time": idx, "M1": np.arange(96.0), "M2": np.arange(96.0) * 2 + 1, "M3": 5.0})
    df.to_parquet(tmp_path / "w.parquet", index=False)
    df.assign(time=idx.strftime("%Y-%m-%d %H:%M")).to_csv(tmp_path / "w.csv", index=False)
    for name in ("w.parquet", "w.csv"):
        ms = read_table(spec(name, column="M2", unit="MW"), tmp_path)
        assert ms.layout == "wide" and ms.source == f"{name}:M2"
        np.testing.assert_allclose(ms.p_mw.to_numpy(), np.arange(96.0) * 2 + 1)
    with pytest.raises(DataError) as e:
        read_table(spec("w.csv"), tmp_path)
    assert "w.csv" in str(e.value) and "'M1', 'M2', 'M3'" in str(e.value) and "column:" in str(e.value)


def test_gbk_csv_with_chinese_headers(tmp_path):
    kw = kw_values(2)
    daily_frame("2024-03-01", kw, date_col="日期").assign(户名="长沙某厂").to_csv(
        tmp_path / "gbk_96.csv", index=False, encoding="gbk")
    ms = read_table(spec("gbk_96.csv"), tmp_path)
    _same(ms, _expected(kw))
    assert ms.meta["encoding"] == "gbk" and ms.meta["date_column"] == "日期"
    long_frame("2024-03-01", kw, time_col="时间", value_col="有功功率(kW)").to_csv(
        tmp_path / "gbk_long.csv", index=False, encoding="gbk")
    ms = read_table(spec("gbk_long.csv"), tmp_path)
    assert ms.source == "gbk_long.csv:有功功率(kW)"
    _same(ms, _expected(kw))


def test_chinese_date_format_and_24h_stamps(tmp_path):
    kw = kw_values(1)
    idx = beginning_index("2024-03-01", 96) + pd.Timedelta(minutes=15)
    stamps = [f"2024年03月01日 {t:%H:%M}" for t in idx[:-1]] + ["2024年03月01日 24:00"]
    pd.DataFrame({"时间": stamps, "kW": kw}).to_csv(tmp_path / "cn.csv", index=False)
    ms = read_table(spec("cn.csv"), tmp_path)
    _same(ms, _expected(kw))
    assert ms.meta["stamps"] == "ending"


def test_date_and_time_of_day_in_two_columns(tmp_path):
    kw = kw_values(2)
    ends = beginning_index("2024-03-01", len(kw)) + pd.Timedelta(minutes=15)
    days = (ends - pd.Timedelta(minutes=15)).strftime("%Y-%m-%d")  # the day the interval belongs to
    clock = ["24:00" if (t.hour, t.minute) == (0, 0) else f"{t:%H:%M}" for t in ends]
    pd.DataFrame({"日期": days, "时间": clock, "有功功率(kW)": kw}).to_csv(tmp_path / "split.csv", index=False,
                                                                       encoding="gbk")
    ms = read_table(spec("split.csv"), tmp_path)
    _same(ms, _expected(kw))
    assert ms.meta["time_of_day_column"] == "时间" and ms.meta["stamps"] == "ending"


def test_stacked_meters_in_a_daily96_table(tmp_path):
    a, b = kw_values(2, seed=1), kw_values(2, seed=2)
    df = pd.concat([daily_frame("2024-03-01", a).assign(表号="3200001"),
                    daily_frame("2024-03-01", b).assign(表号="3200002")], ignore_index=True)
    df.to_csv(tmp_path / "meters.csv", index=False)
    ms = read_table(spec("meters.csv", meter=3200002), tmp_path)
    _same(ms, _expected(b))
    assert ms.source == "meters.csv:3200002"
    with pytest.raises(DataError, match=r"meters.csv: holds 2 meters in column '表号' \(3200001, 3200002\); "
                                        "choose one with meter:"):
        read_table(spec("meters.csv"), tmp_path)
    with pytest.raises(DataError, match="meters.csv: no meter '99' in column '表号'; meters: 3200001, 3200002"):
        read_table(spec("meters.csv", meter="99"), tmp_path)


def test_utc_offsets_are_converted_to_local_time(tmp_path):
    kw = kw_values(1)
    idx = beginning_index("2024-03-01", 96) - pd.Timedelta(hours=8)  # the same instants in UTC
    pd.DataFrame({"t": idx.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "p": kw}).to_csv(tmp_path / "utc.csv", index=False)
    ms = read_table(spec("utc.csv", stamps="beginning"), tmp_path)
    _same(ms, _expected(kw))
    assert "Asia/Shanghai" in ms.meta["tz"] and "+00:00" in ms.meta["tz"]


# ---------------------------------------------------------------------------------------------- fill
def _with_gap(tmp_path, n_missing: int, name="gap.csv"):
    kw = kw_values(1)
    df = long_frame("2024-03-01", kw, ending=False)
    df.drop(index=range(10, 10 + n_missing)).to_csv(tmp_path / name, index=False)
    return kw


def test_fill_linear_fills_a_two_step_gap_with_the_interpolated_values(tmp_path):
    kw = _with_gap(tmp_path, 2)
    ms = read_table(spec("gap.csv", fill="linear"), tmp_path)
    v = ms.p_mw.to_numpy() * 1000
    assert len(v) == 96
    np.testing.assert_allclose(v[10], kw[9] + (kw[12] - kw[9]) / 3, rtol=1e-12)
    np.testing.assert_allclose(v[11], kw[9] + 2 * (kw[12] - kw[9]) / 3, rtol=1e-12)
    np.testing.assert_allclose(np.delete(v, [10, 11]), np.delete(kw, [10, 11]), rtol=1e-12)
    assert ms.meta["filled"] == {"policy": "linear", "gaps": 1, "steps": 2, "longest_steps": 2}


def test_fill_previous_and_zero_and_blank_cells(tmp_path):
    kw = kw_values(1)
    df = long_frame("2024-03-01", kw, ending=False).astype({"p_kw": object})
    df.loc[20, "p_kw"] = ""
    df.loc[21, "p_kw"] = "--"
    df.to_csv(tmp_path / "blank.csv", index=False)
    prev = read_table(spec("blank.csv", fill="previous"), tmp_path).p_mw.to_numpy() * 1000
    zero = read_table(spec("blank.csv", fill="zero"), tmp_path).p_mw.to_numpy() * 1000
    np.testing.assert_allclose(prev[20:22], kw[19])
    np.testing.assert_allclose(zero[20:22], 0.0)
    with pytest.raises(DataError, match=r"blank.csv:p_kw: 1 gap, longest 30 min from 2024-03-01 05:00 \(after row 21\)"):
        read_table(spec("blank.csv"), tmp_path)


# ------------------------------------------------------------------------------------------ bad data
def _long_csv(tmp_path, name, edit):
    df = long_frame("2024-03-01", kw_values(1), ending=False).astype({"p_kw": object, "time": object})
    df = edit(df)
    p = tmp_path / name
    if isinstance(df, str):
        p.write_text(df, encoding="utf-8")
    else:
        df.to_csv(p, index=False)
    return p


def _set(i, col, value):
    def edit(df):
        df.loc[i, col] = value
        return df
    return edit


BAD = {
    # name: (edit of a 96-row long table [0-based data row i is file row i + 2], spec settings, message parts)
    "empty": (lambda df: "", {}, ["empty.csv: the file is empty"]),
    "header_only": (lambda df: "time,p_kw\n", {}, ["header_only.csv: no data rows"]),
    "non_numeric": (_set(3, "p_kw", "abc"), {}, ["non_numeric.csv:p_kw: row 5", "'abc' is not a number"]),
    "negative": (_set(5, "p_kw", -3.5), {}, ["negative.csv:p_kw: row 7", "2024-03-01 01:15", "-3.5 is negative"]),
    "duplicate": (_set(4, "time", "2024-03-01 00:45"), {},
                  ["duplicate.csv:p_kw: duplicated timestamp 2024-03-01 00:45 at row 6 (also at row 5)"]),
    "out_of_order": (lambda df: df.iloc[[0, 1, 3, 2, *range(4, 96)]], {},
                     ["out_of_order.csv:p_kw: timestamps out of order: row 5", "2024-03-01 00:30", "comes after "
                      "2024-03-01 00:45 (row 4)"]),
    "gap": (lambda df: df.drop(index=[40, 41, 42]), {},
            ["gap.csv:p_kw: 1 gap, longest 45 min from 2024-03-01 10:00 (after row 41)", "fill: linear"]),
    "gap_too_long": (lambda df: df.drop(index=range(40, 46)), {"fill": "linear"},
                     ["gap_too_long.csv:p_kw: gap of 6 steps (1 h 30 min) from 2024-03-01 10:00 (after row 41) "
                      "is longer than max_fill_steps: 4"]),
    "tz_mixed": (_set(2, "time", "2024-03-01 00:30+08:00"), {},
                 ["tz_mixed.csv: column 'time' mixes timestamps with a time zone (row 4", "and without (row 2"]),
    "seven_min": (lambda df: df.assign(time=pd.date_range("2024-03-01", periods=96, freq="7min")
                                       .strftime("%Y-%m-%d %H:%M")), {},
                  ["seven_min.csv:p_kw: time step 7 min", "divide 24 h"]),
    "bad_stamp": (_set(8, "time", "yesterday"), {}, ["bad_stamp.csv: row 10: 'yesterday' in column 'time'"]),
    "unknown_column": (lambda df: df, {"column": "p_kvar"},
                       ["unknown_column.csv: no column 'p_kvar'; available: 'p_kw'"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_data_is_refused_naming_file_and_row_or_timestamp(tmp_path, case):
    edit, settings, parts = BAD[case]
    _long_csv(tmp_path, f"{case}.csv", edit)
    with pytest.raises(DataError) as e:
        read_table(spec(f"{case}.csv", **settings), tmp_path)
    msg = str(e.value)
    assert "\n" not in msg
    for part in parts:
        assert part in msg, (part, msg)


def test_unknown_sheet_lists_the_sheets(tmp_path):
    with pd.ExcelWriter(tmp_path / "book.xlsx") as xw:
        daily_frame("2024-03-01", kw_values(1)).to_excel(xw, sheet_name="一号表", index=False)
        daily_frame("2024-03-01", kw_values(1)).to_excel(xw, sheet_name="二号表", index=False)
    assert read_table(spec("book.xlsx", sheet="二号表"), tmp_path).source == "book.xlsx:二号表"
    assert read_table(spec("book.xlsx", sheet=1), tmp_path).source == "book.xlsx:二号表"
    with pytest.raises(DataError, match="book.xlsx: no sheet 'Sheet1'; sheets: '一号表', '二号表'"):
        read_table(spec("book.xlsx", sheet="Sheet1"), tmp_path)
    with pytest.raises(DataError, match=r"book.xlsx: no sheet at position 5 \(0-based\); sheets: '一号表', '二号表'"):
        read_table(spec("book.xlsx", sheet=5), tmp_path)


def test_missing_unreadable_and_unknown_files(tmp_path):
    with pytest.raises(DataError, match="nope.csv: file not found"):
        read_table(spec("nope.csv"), tmp_path)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match="x.json: unknown file type '.json'"):
        read_table(spec("x.json"), tmp_path)
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="broken.xlsx: cannot be read as Excel"):
        read_table(spec("broken.xlsx"), tmp_path)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match=r"old.xls: \.xls \(Excel 97-2003\)|old.xls: cannot be read as Excel"):
        read_table(spec("old.xls"), tmp_path)


def test_daily96_errors_name_row_and_column(tmp_path):
    df = daily_frame("2024-03-01", kw_values(2)).astype({"08:15": object})
    df.loc[1, "08:15"] = "断线"
    df.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(DataError, match=r"d.csv: row 3, column '08:15' \(2024-03-02 08:00\): '断线' is not a number"):
        read_table(spec("d.csv"), tmp_path)
    df = daily_frame("2024-03-01", kw_values(3)).drop(index=1)
    df.to_csv(tmp_path / "missing_day.csv", index=False)
    with pytest.raises(DataError, match="missing_day.csv: 1 gap, longest 1 d from 2024-03-02 00:00"):
        read_table(spec("missing_day.csv"), tmp_path)


# ----------------------------------------------------------------------------------- cache, magnitude
def test_a_wide_file_is_read_once_for_all_its_columns(tmp_path, monkeypatch):
    idx = beginning_index("2024-03-01", 96)
    path = tmp_path / "w.csv"
    pd.DataFrame({"time": idx.strftime("%Y-%m-%d %H:%M"), "A": 1.0, "B": 2.0}).to_csv(path, index=False)
    calls = []
    real = read_mod._read_csv
    monkeypatch.setattr(read_mod, "_read_csv", lambda *a: calls.append(a) or real(*a))
    a = read_table(spec("w.csv", column="A"), tmp_path)
    b = read_table(spec("w.csv", column="B"), tmp_path)
    read_table(spec("w.csv", column="A"), tmp_path)
    assert len(calls) == 1 and a.p_mw.iloc[0] == 0.001 and b.p_mw.iloc[0] == 0.002
    a.p_mw.iloc[0] = 99.0  # a caller's change does not reach the cache
    assert read_table(spec("w.csv", column="A"), tmp_path).p_mw.iloc[0] == 0.001
    pd.DataFrame({"time": idx.strftime("%Y-%m-%d %H:%M"), "A": 3.0, "B": 2.0}).to_csv(path, index=False)
    import os
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert read_table(spec("w.csv", column="A"), tmp_path).p_mw.iloc[0] == 0.003 and len(calls) == 2


def test_check_magnitude_names_the_likely_unit_confusion():
    p = pd.Series([100.0, 2600.0])
    with pytest.raises(DataError, match=r"meter.csv:p: peak 2 600 MW is 1 000× the connection's 2.6 MW: are the "
                                        r"values in kW \(unit: kW\)\?"):
        check_magnitude(p, 2.6, "meter.csv:p", "MW")
    with pytest.raises(DataError, match=r"peak 0.0026 MW is 1/1 000 of the connection's 2.6 MW: are the values in "
                                        r"MW \(unit: MW\)\?"):
        check_magnitude(p / 1e6, 2.6, "meter.csv:p", "kW")
    check_magnitude(p / 1000, 2.6, "meter.csv:p", "kW")  # 2.6 MW on a 2.6 MW connection: fine
    check_magnitude(p * 0, 2.6, "meter.csv:p", "kW")


def test_profile_file_schema():
    assert ProfileFile(path="a.xlsx", sheet="日负荷").sheet == "日负荷"
    assert ProfileFile(path="a.xlsx", sheet=0).sheet == 0
    for bad in ({"path": ""}, {"path": "a.csv", "scale": 0}, {"path": "a.csv", "scale": "2"},
                {"path": "a.csv", "unit": "W"}, {"path": "a.csv", "colum": "x"}, {"path": "a.csv", "max_fill_steps": 0},
                {"path": "a.csv", "sheet": True}, {"path": "a.csv", "column": " "}):
        with pytest.raises(ValidationError):
            ProfileFile(**bad)


def test_stacked_meters_in_a_long_table_with_numeric_ids(tmp_path):
    idx = beginning_index("2024-03-01", 96).strftime("%Y-%m-%d %H:%M")
    pd.concat([pd.DataFrame({"time": idx, "表号": 3201, "kw": 100.0}),
               pd.DataFrame({"time": idx, "表号": 3202, "kw": 250.0})]).to_csv(tmp_path / "st.csv", index=False)
    ms = read_table(spec("st.csv", meter=3202), tmp_path)
    assert ms.source == "st.csv:3202" and len(ms.p_mw) == 96 and (ms.p_mw == 0.25).all()
    with pytest.raises(DataError, match=r"st.csv: holds 2 meters in column '表号' \(3201, 3202\)"):
        read_table(spec("st.csv"), tmp_path)
