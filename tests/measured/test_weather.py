"""PV AC output from weather files (vpp.measured.weather): pvlib ModelChain agreement, typical-year mapping,
EPW = TMY3, hand-made CSV, and every bad file refused with file, column and row named."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

pvlib = pytest.importorskip("pvlib")

from scenarios.pv_data_schema import WeatherFile  # noqa: E402
from vpp.errors import DataError  # noqa: E402
from vpp.measured.weather import pv_ac_mw, read_weather, weather_ac_mw  # noqa: E402
from vpp.timeindex import time_index  # noqa: E402

DATA = Path(os.path.dirname(pvlib.__file__)) / "data"
TMY3 = ["703165TY.csv", "723170TYA.CSV"]
PV = SimpleNamespace(name="pv_roof", p_mwp=2.0, dc_ac_ratio=1.25, tilt_deg=25.0, azimuth_deg=180.0)


def _modelchain_ac(path: Path, spec: WeatherFile, pv) -> pd.Series:
    """pvlib's own ModelChain (PVWatts system) on the TMY3 file, sun at the hour midpoints."""
    from pvlib.location import Location
    from pvlib.modelchain import ModelChain
    from pvlib.pvsystem import PVSystem

    data, meta = pvlib.iotools.read_tmy3(str(path), coerce_year=2001, map_variables=True)
    wx = data[["ghi", "dni", "dhi", "temp_air", "wind_speed"]].copy()
    wx.index = wx.index - pd.Timedelta(minutes=30)  # hour-ending averages: the sun at the midpoint
    loc = Location(meta["latitude"], meta["longitude"], tz=int(meta["TZ"]), altitude=meta["altitude"])
    losses = dict(soiling=100 * spec.dc_loss, shading=0, snow=0, mismatch=0, wiring=0, connections=0, lid=0,
                  nameplate_rating=0, age=0, availability=0)
    system = PVSystem(
        surface_tilt=pv.tilt_deg, surface_azimuth=pv.azimuth_deg, albedo=spec.albedo,
        module_parameters={"pdc0": pv.p_mwp, "gamma_pdc": spec.temperature_coefficient_per_c},
        inverter_parameters={"pdc0": pv.p_mwp / pv.dc_ac_ratio / spec.eta_inverter, "eta_inv_nom": spec.eta_inverter},
        temperature_model_parameters=pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"],
        losses_parameters=losses)
    mc = ModelChain(system, loc, aoi_model="no_loss", spectral_model="no_loss", transposition_model="haydavies",
                    temperature_model="sapm", dc_model="pvwatts", ac_model="pvwatts", losses_model="pvwatts")
    mc.run_model(wx)
    return mc.results.ac.fillna(0.0)


@pytest.mark.parametrize("fname", TMY3)
def test_tmy3_agrees_with_pvlib_modelchain(fname):
    spec = WeatherFile(path=str(DATA / fname))
    ref = _modelchain_ac(DATA / fname, spec, PV).to_numpy()
    # the run in the placeholder year 2001: file hour k is run hour k (file clock read as local clock)
    ours, text = pv_ac_mw(spec, PV, time_index("2001-01-01", 365, 60))
    assert len(ours) == len(ref) == 8760
    assert abs(ours.sum() / ref.sum() - 1) < 0.02
    assert np.corrcoef(ours.to_numpy(), ref)[0, 1] > 0.99
    assert text.startswith(f"pv_roof: AC output from weather file {fname} (TMY3, typical year mapped onto 2001")
    # a 15-min run of another (leap) year: the yearly energy is kept
    q, _ = pv_ac_mw(spec, PV, time_index("2024-01-01", 366, 15))
    assert abs(q.sum() * 0.25 / ref.sum() - 1) < 0.02
    assert q.min() >= 0 and q.max() <= PV.p_mwp / PV.dc_ac_ratio + 1e-12


def test_typical_year_mapping_local_clock_and_29_february():
    spec = WeatherFile(path=str(DATA / "723170TYA.CSV"))  # Greensboro NC, UTC-5
    p, _ = pv_ac_mw(spec, PV, time_index("2024-02-28", 3, 15))
    days = p.to_numpy().reshape(3, 96)
    np.testing.assert_allclose(days[1], days[0], atol=0.01 * PV.p_mwp)  # 29 Feb takes 28 Feb's weather
    # the file's site production on local clock: noon stays (solar) noon, not shifted by 13 h to Changsha
    w, _ = pv_ac_mw(spec, PV, time_index("2025-06-01", 30, 60))
    prof = w.to_numpy().reshape(30, 24).mean(axis=0)
    centroid = float((prof * (np.arange(24) + 0.5)).sum() / prof.sum())
    assert 11.8 < centroid < 13.0  # Greensboro solar noon ≈ 12:20 local standard time


def test_energy_is_conserved_onto_the_run_steps():
    spec = WeatherFile(path=str(DATA / "703165TY.csv"))
    w, meta = read_weather(spec)
    hourly, _ = pv_ac_mw(spec, PV, time_index("2001-07-01", 2, 60))
    for minutes in (5, 15, 30):
        fine, _ = pv_ac_mw(spec, PV, time_index("2001-07-01", 2, minutes))
        assert fine.sum() * minutes / 60 == pytest.approx(hourly.sum(), rel=1e-9)
        # piecewise-constant power: each hour's steps repeat the hourly value
        np.testing.assert_allclose(fine.to_numpy().reshape(-1, 60 // minutes).mean(axis=1), hourly.to_numpy())


# ------------------------------------------------------------------------------------------------- EPW
def _write_epw_from_tmy3(tmy3: Path, out: Path) -> None:
    """A minimal EPW (8 header lines + 8760 rows of 35 fields) with the TMY3 file's data."""
    data, meta = pvlib.iotools.read_tmy3(str(tmy3), map_variables=True)
    day = pd.to_datetime(data["Date (MM/DD/YYYY)"], format="%m/%d/%Y")
    hour = data["Time (HH:MM)"].str.slice(0, 2).astype(int)  # 1..24, hour-ending as EPW
    lines = [
        f"LOCATION,{meta['Name'].strip(chr(34))},{meta['State']},USA,TMY3,{meta['USAF']},{meta['latitude']},"
        f"{meta['longitude']},{meta['TZ']},{meta['altitude']}",
        "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0", "COMMENTS 1,written by the test", "COMMENTS 2,",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    for i in range(len(data)):
        r = data.iloc[i]
        fields = [day.iloc[i].year, day.iloc[i].month, day.iloc[i].day, hour.iloc[i], 60, "?",
                  r["temp_air"], r["temp_dew"], r["relative_humidity"], r["pressure"] * 100, 9999, 9999, 9999,
                  r["ghi"], r["dni"], r["dhi"], 999999, 999999, 999999, 9999, r["wind_direction"], r["wind_speed"],
                  5, 5, 777.7, 77777, 9, 999999999, 0, 0.1, 0, 88, 0.2, 0, 0]
        lines.append(",".join(str(f) for f in fields))
    out.write_text("\n".join(lines) + "\n", encoding="ascii")


def test_epw_gives_the_tmy3_energy(tmp_path):
    epw = tmp_path / "greensboro.epw"
    _write_epw_from_tmy3(DATA / "723170TYA.CSV", epw)
    w, meta = read_weather(WeatherFile(path="greensboro.epw"), base_dir=tmp_path)
    assert meta["format"] == "epw" and meta["typical_year"] and meta["stamps"] == "ending"
    assert meta["utc_offset_h"] == -5.0 and len(w) == 8760
    idx = time_index("2025-01-01", 365, 60)
    e_epw = pv_ac_mw(WeatherFile(path=str(epw)), PV, idx)[0].sum()
    e_tmy = pv_ac_mw(WeatherFile(path=str(DATA / "723170TYA.CSV")), PV, idx)[0].sum()
    assert abs(e_epw / e_tmy - 1) < 0.005
    # detected by content, whatever the suffix
    txt = tmp_path / "greensboro.txt"
    txt.write_bytes(epw.read_bytes())
    assert read_weather(WeatherFile(path=str(txt)))[1]["format"] == "epw"


def test_epw_missing_marker_is_refused_with_its_row(tmp_path):
    epw = tmp_path / "bad.epw"
    _write_epw_from_tmy3(DATA / "723170TYA.CSV", epw)
    lines = epw.read_text().splitlines()
    f = lines[8 + 100].split(",")  # data row 101 = file row 109
    f[14] = "9999"  # dni missing marker
    lines[8 + 100] = ",".join(f)
    epw.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"'bad.epw', column 'dni', row 109: irradiance 9999"):
        read_weather(WeatherFile(path=str(epw)))


# ------------------------------------------------------------------------------------------------- CSV
def _csv_frame(start="2025-07-22", days=2, ending=False) -> pd.DataFrame:
    """Hourly weather: night zero, a clear half-sine day 06:00–19:00 (peak GHI 1000 W/m² at 12:30)."""
    t = pd.date_range(start, periods=24 * days, freq="60min")
    h = t.hour + 0.5
    day = np.clip(np.sin(np.pi * (h - 6) / 13), 0, None)
    ghi = 1000 * day
    df = pd.DataFrame({"Time": t + pd.Timedelta(hours=1) if ending else t, "GHI (W/m2)": ghi.round(2),
                       "DNI": (850 * day).round(2), "DHI": (150 * day).round(2), "Temperature": 25 + 8 * day,
                       "wind_speed": 1.5})
    return df


def test_csv_weather_night_zero_noon_below_the_ac_limit(tmp_path):
    _csv_frame().to_csv(tmp_path / "w.csv", index=False)
    spec = WeatherFile(path="w.csv")
    w, meta = read_weather(spec, base_dir=tmp_path)
    assert meta["format"] == "csv" and not meta["typical_year"] and meta["stamps"] == "beginning"
    assert list(w.columns) == ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
    p, text = pv_ac_mw(spec, PV, time_index("2025-07-22", 2, 15), base_dir=tmp_path)
    hour = p.index.hour
    assert (p[(hour < 6) | (hour >= 19)] == 0).all()
    noon = p[(hour >= 11) & (hour < 14)]
    assert (noon > 0.5 * PV.p_mwp / PV.dc_ac_ratio).all() and (noon <= PV.p_mwp / PV.dc_ac_ratio + 1e-12).all()
    assert "(CSV, real year 2025-07-22 – 2025-07-23)" in text
    # the same data with interval-ending stamps (01:00 … 24:00) is recognised and gives the same power
    _csv_frame(ending=True).to_csv(tmp_path / "we.csv", index=False)
    q, _ = pv_ac_mw(WeatherFile(path="we.csv"), PV, time_index("2025-07-22", 2, 15), base_dir=tmp_path)
    np.testing.assert_allclose(q.to_numpy(), p.to_numpy())
    # energy conserved between the weather steps and the run steps
    assert p.sum() * 0.25 == pytest.approx(weather_ac_mw(w, meta, PV, spec).sum(), rel=1e-9)


def test_csv_stamps_from_the_sun_and_timezone_offsets(tmp_path):
    """Stamps not starting at midnight: the convention comes from the sun; offsets are converted."""
    df = _csv_frame(days=3, ending=True).iloc[5:60]  # first stamp 06:00 = interval 05:00–06:00
    df.to_csv(tmp_path / "w.csv", index=False)
    assert read_weather(WeatherFile(path=str(tmp_path / "w.csv")))[1]["stamps"] == "ending"
    df = _csv_frame(days=2)
    df["Time"] = (df["Time"] - pd.Timedelta(hours=8)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")  # the same instants in UTC
    df.to_csv(tmp_path / "utc.csv", index=False)
    _csv_frame(days=2).to_csv(tmp_path / "local.csv", index=False)
    a = read_weather(WeatherFile(path=str(tmp_path / "utc.csv"), stamps="beginning"))[0]
    b = read_weather(WeatherFile(path=str(tmp_path / "local.csv")))[0]
    pd.testing.assert_frame_equal(a, b)


def test_csv_typical_year_and_coverage(tmp_path):
    _csv_frame("2019-07-22", 2).to_csv(tmp_path / "w.csv", index=False)
    with pytest.raises(DataError, match=r"'w.csv' covers 2019-07-22 00:00 – 2019-07-24 00:00 but the run needs 2025"):
        pv_ac_mw(WeatherFile(path=str(tmp_path / "w.csv")), PV, time_index("2025-07-22", 1, 15))
    p, text = pv_ac_mw(WeatherFile(path=str(tmp_path / "w.csv"), typical_year=True), PV,
                       time_index("2025-07-22", 2, 15))
    assert p.max() > 0 and "typical year mapped onto 2025" in text
    with pytest.raises(DataError, match=r"'w.csv' \(typical year\) has no complete day 07-24"):
        pv_ac_mw(WeatherFile(path=str(tmp_path / "w.csv"), typical_year=True), PV, time_index("2025-07-23", 2, 15))


def _bad(tmp_path, edit) -> Path:
    df = _csv_frame().astype(object)
    edit(df)
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda df: df.drop(columns="DHI", inplace=True), r"'bad.csv': has no column 'dhi'"),
    (lambda df: df.rename(columns={"Temperature": "T"}, inplace=True), r"has no column 'temp_air' / 'temperature'"),
    (lambda df: df.__setitem__("DNI", df["DNI"].where(df.index != 3, "abc")),
     r"'bad.csv', column 'DNI', row 5: non-numeric value 'abc'"),
    (lambda df: df.__setitem__("GHI (W/m2)", df["GHI (W/m2)"].where(df.index != 10, -20)),
     r"'bad.csv', column 'ghi', row 12: irradiance -20 W/m² is outside -5…2000"),
    (lambda df: df.__setitem__("Temperature", df["Temperature"].where(df.index != 7, "")),
     r"'bad.csv', column 'temp_air', row 9: missing value"),
    (lambda df: df.__setitem__("Time", df["Time"].where(df.index != 4, "yesterday")),
     r"'bad.csv', column 'Time', row 6: cannot read time 'yesterday'"),
    (lambda df: df.drop(index=20, inplace=True), r"'bad.csv', row 22: irregular time step"),
    (lambda df: df.__setitem__("Time", df["Time"].where(df.index != 8, df["Time"][6])),
     r"'bad.csv', row 10: time stamp .* is not after the previous one"),
])
def test_bad_csv_is_refused_naming_file_column_and_row(tmp_path, edit, message):
    path = _bad(tmp_path, edit)
    with pytest.raises(DataError, match=message):
        read_weather(WeatherFile(path=str(path)))


def test_coarse_steps_missing_file_and_wrong_stamps_option(tmp_path):
    _csv_frame(days=4).iloc[::2].to_csv(tmp_path / "w2h.csv", index=False)
    with pytest.raises(DataError, match=r"'w2h.csv': time step 120 min is not hourly"):
        read_weather(WeatherFile(path=str(tmp_path / "w2h.csv")))
    with pytest.raises(DataError, match=r"weather file 'nope.epw' not found"):
        read_weather(WeatherFile(path="nope.epw"), base_dir=tmp_path)
    with pytest.raises(DataError, match=r"stamps: beginning applies to CSV files only"):
        read_weather(WeatherFile(path=str(DATA / "703165TY.csv"), stamps="beginning"))
