"""EV sessions from an operator's session records (vpp.measured.ev_records): Chinese headers, GBK, Excel,
alignment to the step grid as explicit sessions, horizon clipping, charger mapping, and bad records
refused with file and row named."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from scenarios.pv_data_schema import SessionsFile
from scenarios.schema import EVCharging, EVSession
from vpp.errors import DataError
from vpp.measured.ev_records import read_sessions
from vpp.profiles.ev import COLUMNS, ev_sessions
from vpp.timeindex import TZ, time_index

EV = SimpleNamespace(name="ev_hub", n_chargers=4, p_charger_mw=0.12)
INDEX = time_index("2025-07-22", 1, 15)
HEADER = "充电桩编号,插枪时间,拔枪时间,充电电量(kWh),功率(kW)"
RECORDS = [  # file rows 2..6
    "A10,2025-07-22 08:07,2025-07-22 10:52,30.5,60",
    "A2,2025/07/22 09:00:00,2025/07/22 12:00:00,40,",
    "A2,2025-07-22 12:00,2025-07-22 13:10,20,",
    "A1,2025-07-21 22:00,2025-07-22 02:00,80,",  # plugged in before the horizon
    "A1,2025-07-23 22:00,2025-07-24 02:00,10,",  # after the horizon
]


def _write(tmp_path, lines, name="records.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _t(s):
    return pd.Timestamp(s, tz=TZ)


def _expected() -> pd.DataFrame:
    return pd.DataFrame({
        "session": ["ev_hub_s5", "ev_hub_s2", "ev_hub_s3", "ev_hub_s4"],
        "charger": [0, 2, 1, 1],  # natural sort: A1, A2, A10
        "arrival": [_t("2025-07-22 00:00"), _t("2025-07-22 08:15"), _t("2025-07-22 09:00"), _t("2025-07-22 12:00")],
        "departure": [_t("2025-07-22 02:00"), _t("2025-07-22 10:45"), _t("2025-07-22 12:00"), _t("2025-07-22 13:00")],
        "e_mwh": [0.080 * 2 / 4, 0.0305, 0.040, 0.020],  # the first scaled by the share of its dwell in the run
        "p_max_mw": [0.12, 0.06, 0.12, 0.12],
    })


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_chinese_headers_map_to_sessions(tmp_path, encoding):
    path = _write(tmp_path, [HEADER, *RECORDS, "合计,,,180.5,", ",,,,"], encoding=encoding)
    df, text = read_sessions(SessionsFile(path=path.name), EV, INDEX, base_dir=tmp_path)
    assert list(df.columns) == COLUMNS
    pd.testing.assert_frame_equal(df, _expected(), check_dtype=False)
    assert str(df["arrival"].dtype) == f"datetime64[ns, {TZ}]" and df["charger"].dtype.kind == "i"
    assert text == ("ev_hub: 4 session(s) (0.131 MWh) from session records records.csv (5 record(s); 1 outside the "
                    "horizon left out; 3 charger id(s) → chargers 0…2)")


def test_same_sessions_as_explicit_scenario_sessions(tmp_path):
    """The records give what the same sessions listed in the scenario give (vpp.profiles.ev)."""
    path = _write(tmp_path, [HEADER, *RECORDS])
    ours, _ = read_sessions(SessionsFile(path=str(path)), EV, INDEX)
    rows = [r.split(",") for r in RECORDS]
    ev = EVCharging(kind="ev_charging", name="ev_hub", n_chargers=4, p_charger_mw=0.12, sessions=[
        EVSession(arrival=pd.Timestamp(a).to_pydatetime(), departure=pd.Timestamp(d).to_pydatetime(),
                  e_mwh=float(e) / 1000, p_max_mw=float(p) / 1000 if p else None) for _, a, d, e, p in rows])
    ref = ev_sessions(ev, INDEX, 0)  # explicit sessions: the seed is not used
    key = ["arrival", "departure", "e_mwh", "p_max_mw"]
    pd.testing.assert_frame_equal(ours[key].sort_values(key).reset_index(drop=True),
                                  ref[key].sort_values(key).reset_index(drop=True))


def test_rounding_caps_energy_and_drops_sub_step_records(tmp_path):
    path = _write(tmp_path, [HEADER, "A1,2025-07-22 10:07,2025-07-22 10:38,20,60",
                             "A1,2025-07-22 11:02,2025-07-22 11:13,2,60",
                             "A1,2025-07-25 11:02,2025-07-25 11:13,2,60",  # outside the run: counted as such
                             "A1,2025-07-25 12:07,2025-07-25 12:38,20,60"])
    df, text = read_sessions(SessionsFile(path=str(path)), EV, INDEX)
    assert len(df) == 1 and df["e_mwh"].iloc[0] == pytest.approx(0.06 * 0.25)  # 10:15–10:30 at 60 kW
    assert "(4 record(s); 2 outside the horizon left out; 1 shorter than one whole 15-min step left out " \
           "(0.002 MWh); 1 capped to charger power × dwell on the 15-min grid (−0.005 MWh);" in text


def test_header_only_file_gives_no_sessions(tmp_path):
    df, text = read_sessions(SessionsFile(path=str(_write(tmp_path, [HEADER]))), EV, INDEX)
    assert df.empty and list(df.columns) == COLUMNS
    assert text == "ev_hub: 0 session(s) (0.000 MWh) from session records records.csv (0 record(s); 0 charger ids)"


def test_excel_sheet_and_custom_columns_in_mwh(tmp_path):
    pytest.importorskip("openpyxl")
    df = pd.DataFrame({"Port": ["P7", "P3"], "In": pd.to_datetime(["2025-07-22 08:00", "2025-07-22 09:30"]),
                       "Out": pd.to_datetime(["2025-07-22 09:00", "2025-07-22 11:00"]), "Delivered": [0.03, 0.05]})
    with pd.ExcelWriter(tmp_path / "r.xlsx") as xw:
        pd.DataFrame({"说明": ["导出"]}).to_excel(xw, sheet_name="封面", index=False)
        df.to_excel(xw, sheet_name="记录", index=False)
    spec = SessionsFile(path="r.xlsx", sheet="记录", energy_unit="MWh",
                        columns={"charger": "Port", "arrival": "In", "departure": "Out", "energy": "Delivered"})
    out, _ = read_sessions(spec, EV, INDEX, base_dir=tmp_path)
    assert out["session"].tolist() == ["ev_hub_s2", "ev_hub_s3"] and out["charger"].tolist() == [1, 0]
    assert out["e_mwh"].tolist() == [0.03, 0.05]
    with pytest.raises(DataError, match=r"'r.xlsx': has no sheet 'nope' \(sheets: 封面, 记录\)"):
        read_sessions(spec.model_copy(update={"sheet": "nope"}), EV, INDEX, base_dir=tmp_path)


def test_round_robin_ignores_ids(tmp_path):
    lines = ["start_time,end_time,energy_kwh", "2025-07-22 08:00,2025-07-22 10:00,10",
             "2025-07-22 08:30,2025-07-22 09:00,5", "2025-07-22 09:00,2025-07-22 11:00,5"]
    path = _write(tmp_path, lines)
    df, text = read_sessions(SessionsFile(path=str(path), charger_mapping="round_robin"),
                             SimpleNamespace(name="ev", n_chargers=2, p_charger_mw=0.05), INDEX)
    assert df["charger"].tolist() == [0, 1, 1] and "chargers assigned round-robin" in text
    with pytest.raises(DataError, match=r"row 3: no charger is free at 2025-07-22 08:30: more than 1 vehicles"):
        read_sessions(SessionsFile(path=str(path), charger_mapping="round_robin"),
                      SimpleNamespace(name="ev", n_chargers=1, p_charger_mw=0.05), INDEX)


def test_too_many_charger_ids(tmp_path):
    path = _write(tmp_path, [HEADER, *RECORDS])
    with pytest.raises(DataError, match=r"'records.csv': has 3 distinct charger ids in column '充电桩编号' but EV "
                                        r"asset 'ev_hub' has n_chargers = 2"):
        read_sessions(SessionsFile(path=str(path)), SimpleNamespace(name="ev_hub", n_chargers=2, p_charger_mw=0.12),
                      INDEX)


def test_overlap_on_one_charger(tmp_path):
    lines = [HEADER, *RECORDS]
    lines[3] = "A2,2025-07-22 11:30,2025-07-22 13:10,20,"
    path = _write(tmp_path, lines)
    with pytest.raises(DataError, match=r"'records.csv', row 4: charger 'A2' is plugged in from 2025-07-22 11:30 "
                                        r"while the record of row 3 .* until 2025-07-22 12:00 \(overlap\)"):
        read_sessions(SessionsFile(path=str(path)), EV, INDEX)


@pytest.mark.parametrize("row, record, message", [
    (3, "A2,2025-07-22 09:00,2025-07-22 12:00,abc,", r"non-numeric value 'abc' in column '充电电量\(kWh\)'"),
    (3, "A2,2025-07-22 09:00,2025-07-22 12:00,,", r"empty cell in column '充电电量\(kWh\)'"),
    (4, "A2,2025-13-45 25:00,2025-07-22 13:10,20,", r"cannot read time '2025-13-45 25:00' in column '插枪时间'"),
    (4, "A2,,2025-07-22 13:10,20,", r"empty time in column '插枪时间'"),
    (2, "A10,2025-07-22 10:52,2025-07-22 08:07,30.5,60", r"plug-out time is not after the plug-in time"),
    (5, "A1,2025-07-21 22:00,2025-07-22 02:00,-3,", r"negative energy -3 kWh"),
    (3, "A2,2025-07-22 09:00,2025-07-22 12:00,400,", r"400.0 kWh cannot be delivered in 3.00 h plugged in at 120.0 kW"),
    (2, "A10,2025-07-22 08:07,2025-07-22 10:52,30.5,0", r"charger power 0 kW is not positive"),
    (2, ",2025-07-22 08:07,2025-07-22 10:52,30.5,60", r"empty charger id in column '充电桩编号'"),
])
def test_bad_cells_name_file_and_row(tmp_path, row, record, message):
    lines = [HEADER, *RECORDS]
    lines[row - 1] = record
    path = _write(tmp_path, lines)
    with pytest.raises(DataError, match=rf"session records 'records.csv', row {row}: {message}"):
        read_sessions(SessionsFile(path=str(path)), EV, INDEX)


def test_missing_column_unit_mismatch_and_missing_file(tmp_path):
    path = _write(tmp_path, ["充电桩编号,插枪时间,拔枪时间,金额(元)", "A1,2025-07-22 08:00,2025-07-22 09:00,12"])
    with pytest.raises(DataError, match=r"'records.csv': has no energy column .*columns found: 充电桩编号, 插枪时间"):
        read_sessions(SessionsFile(path=str(path)), EV, INDEX)
    path = _write(tmp_path, ["charger,arrival,departure,energy (MWh)", "A1,2025-07-22 08:00,2025-07-22 09:00,0.01"])
    with pytest.raises(DataError, match=r"column 'energy \(MWh\)' is in MWh but energy_unit is kWh"):
        read_sessions(SessionsFile(path=str(path)), EV, INDEX)
    assert read_sessions(SessionsFile(path=str(path), energy_unit="MWh"), EV, INDEX)[0]["e_mwh"].tolist() == [0.01]
    with pytest.raises(DataError, match=r"session records 'gone.csv' not found"):
        read_sessions(SessionsFile(path="gone.csv"), EV, INDEX, base_dir=tmp_path)
