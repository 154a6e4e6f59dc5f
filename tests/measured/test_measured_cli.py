"""`vpp data FILE`: the figures of a meter file, the day-type mean days, the plot, `--as SCENARIO:ASSET`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from scenarios.data_schema import ProfileFile
from tests.measured.helpers import daily_frame, kw_values, long_frame
from vpp.measured.inspect import describe

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "scenarios" / "single_park.yaml"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_error_line(r) -> str:
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    errors = [line for line in r.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, r.output
    return errors[0]


def test_vpp_data_prints_energy_and_peak(tmp_path):
    kw = np.full(96 * 2, 400.0)
    kw[50] = 1250.0  # 2024-03-01 12:30 – 12:45
    path = tmp_path / "meter.csv"
    long_frame("2024-03-01", kw).to_csv(path, index=False)
    r = invoke("data", path, "--plot", tmp_path / "meter.png")
    assert r.exit_code == 0, r.output
    energy = kw.sum() / 1000 * 0.25  # 19.2125 MWh
    assert f"energy [MWh]           {energy:.2f}" in r.output
    assert "peak [MW]              1.250 at 2024-03-01 12:30" in r.output
    assert "resolution [min]       15" in r.output and "gaps                   none" in r.output
    assert "usable in a scenario   yes" in r.output and "mean day by day type [MW]" in r.output
    assert (tmp_path / "meter.png").stat().st_size > 10_000


def test_vpp_data_reports_gaps_and_duplicates_then_fails(tmp_path):
    df = long_frame("2024-03-01", kw_values(1), ending=False)
    df = pd.concat([df.drop(index=[10, 11, 12]), df.iloc[[30]]]).sort_index(kind="stable")
    df.to_csv(tmp_path / "holes.csv", index=False)
    r = invoke("data", tmp_path / "holes.csv")
    assert "gaps                   1 (3 missing steps), longest 45 min from 2024-03-01 02:30" in r.output
    assert "duplicated timestamps  1" in r.output
    assert one_error_line(r).startswith("error: ") and "holes.csv" in r.output.splitlines()[-1]


def test_describe_figures(tmp_path):
    kw = kw_values(7)
    daily_frame("2024-09-28", kw).to_csv(tmp_path / "d.csv", index=False)  # Sat 28 Sep – Fri 4 Oct 2024
    d = describe(ProfileFile(path="d.csv"), tmp_path)
    assert d["period"] == (pd.Timestamp("2024-09-28"), pd.Timestamp("2024-10-05"))
    assert d["resolution_min"] == 15 and d["rows"] == 7 and d["gaps"]["count"] == 0 and d["duplicates"] == 0
    assert d["energy_mwh"] == pytest.approx(kw.sum() / 1000 * 0.25, rel=1e-12)
    assert d["peak_mw"] == pytest.approx(kw.max() / 1000, rel=1e-12) and d["peak_at"] == pd.Timestamp("2024-09-28") + \
        pd.Timedelta(minutes=15 * int(np.argmax(kw)))
    assert d["mean_mw"] == pytest.approx(kw.mean() / 1000) and d["load_factor"] == pytest.approx(kw.mean() / kw.max())
    prof = d["profiles"]
    assert list(prof.columns) == ["workday", "weekend", "holiday"] and list(prof.index) == list(range(24))
    # holidays 1–4 Oct 2024: 08:00–09:00 is the mean of their sixteen quarter hours
    hol = kw[3 * 96:7 * 96].reshape(4, 96) / 1000
    assert abs(prof.loc[8, "holiday"] - hol[:, 32:36].mean()) < 1e-12
    work = kw[1 * 96:3 * 96].reshape(2, 96) / 1000  # Sunday 29 Sep 2024 (make-up workday) and Monday 30 Sep
    assert abs(prof.loc[0, "workday"] - work[:, 0:4].mean()) < 1e-12
    assert abs(prof.loc[23, "weekend"] - kw[92:96].mean() / 1000) < 1e-12  # Saturday 28 Sep only


def test_vpp_data_bad_file_is_one_error_line(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    assert "empty.csv: the file is empty" in one_error_line(invoke("data", tmp_path / "empty.csv"))
    assert "nothere.csv: file not found" in one_error_line(invoke("data", tmp_path / "nothere.csv"))
    long_frame("2024-03-01", kw_values(1)).to_csv(tmp_path / "m.csv", index=False)
    line = one_error_line(invoke("data", tmp_path / "m.csv", "--column", "p_kvar"))
    assert "no column 'p_kvar'; available: 'p_kw'" in line


def test_vpp_data_as_error_paths(tmp_path):
    path = tmp_path / "m.csv"
    long_frame("2024-03-01", kw_values(1)).to_csv(path, index=False)
    line = one_error_line(invoke("data", path, "--as", f"{SINGLE}:process_load"))
    assert "asset 'factory.process_load' (fixed_load) of scenario 'single_park' has no measured profile" in line
    line = one_error_line(invoke("data", path, "--as", f"{SINGLE}:nope"))
    assert "scenario 'single_park' has no asset 'nope' (assets: factory.process_load" in line
    line = one_error_line(invoke("data", path, "--as", "single_park"))
    assert "--as 'single_park': write SCENARIO:ASSET" in line


def test_vpp_data_as_shows_the_scenario_reading(tmp_path, monkeypatch):
    """A scenario whose asset has a measured profile (built here: the schema field is the integrator's)."""
    import scenarios.loader as loader

    kw = np.tile(np.linspace(100.0, 2000.0, 96), 366)
    idx = pd.date_range("2024-01-01", periods=len(kw), freq="15min")
    pd.DataFrame({"time": idx.strftime("%Y-%m-%d %H:%M"), "p_kw": kw}).to_csv(tmp_path / "meter_2024.csv", index=False)
    asset = SimpleNamespace(name="meter", kind="fixed_load", profile=ProfileFile(path="meter_2024.csv"))
    park = SimpleNamespace(name="park", assets=[asset], shutdown_days=[])
    scn = SimpleNamespace(name="fake", parks=[park],
                          horizon=SimpleNamespace(start=dt.date(2025, 7, 21), days=7, resolution_min=60))
    (tmp_path / "fake.yaml").write_text("name: fake\n")
    monkeypatch.setattr(loader, "load", lambda *a, **k: scn)
    r = invoke("data", tmp_path / "meter_2024.csv", "--as", f"{tmp_path / 'fake.yaml'}:park.meter")
    assert r.exit_code == 0, r.output
    assert "as read by scenario 'fake':" in r.output
    assert "meter_2024.csv: 2025 dates mapped onto 2024 days of the same weekday and day type (7 of 7 days)" in r.output
    assert "15 min in the file → 60 min in the run (energy-conserving)" in r.output
    e_day = kw[:96].sum() / 1000 * 0.25
    assert f"energy in the file over the days used [MWh]  {7 * e_day:.3f}".replace(",", " ") in r.output
    assert f"energy on the horizon [MWh]                  {7 * e_day:.3f}" in r.output
