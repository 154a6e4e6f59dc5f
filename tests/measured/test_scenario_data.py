"""Measured files inside scenarios: paths, the profile builder, unit checks, and the shipped measured_park."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from cli import main
from helpers import daily_frame, kw_values
from scenarios.loader import load, shipped
from vpp.errors import ScenarioError
from vpp.profiles import build_profiles

MEASURED = shipped()["measured_park"]


def _scenario(tmp_path: Path, assets: list[dict], **park) -> Path:
    data = {
        "name": "meter_case", "seed": 1, "horizon": {"start": "2025-07-22", "days": 2, "resolution_min": 15},
        "network": {"kind": "radial_district", "substation": {"n_transformers": 1},
                    "feeders": [{"name": "f1", "nodes": [{"bus": "b1", "length_km": 1.0}]}]},
        "parks": [{"name": "p1", "connection": {"bus": "b1", "transformer_type": "S13-M-2500/10", "n_transformers": 2},
                   "assets": assets, **park}],
    }
    p = tmp_path / "case.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _meter_file(tmp_path: Path, start="2025-07-20", days=5, scale=1.0) -> np.ndarray:
    kw = kw_values(days) * scale
    (tmp_path / "data").mkdir(exist_ok=True)
    daily_frame(start, kw).to_csv(tmp_path / "data" / "meter.csv", index=False)
    return kw


def test_a_load_reads_its_meter_file_on_the_run_days(tmp_path):
    kw = _meter_file(tmp_path)
    scn = load(_scenario(tmp_path, [{"kind": "fixed_load", "name": "m1", "p_peak_kw": 1000,
                                      "profile": {"path": "data/meter.csv", "unit": "kW"}}]))
    assert Path(scn.parks[0].assets[0].profile.path).is_absolute()
    prof = build_profiles(scn)
    # the run's 2 days are the file's days 3 and 4 (from 2025-07-20): same dates, no mapping, kW -> MW
    assert prof.load_mw["m1"].to_numpy() == pytest.approx(kw[2 * 96:4 * 96] / 1000.0, rel=1e-12)
    assert prof.data_notes and prof.data_notes[0].startswith("m1: ")


def test_the_unit_check_names_the_likely_unit_and_the_asset(tmp_path):
    _meter_file(tmp_path)
    scn = load(_scenario(tmp_path, [{"kind": "fixed_load", "name": "m1", "p_peak_kw": 1000,
                                      "profile": {"path": "data/meter.csv", "unit": "MW"}}]))
    with pytest.raises(ScenarioError) as exc:  # kW numbers declared as MW: peaks of ~900 MW on a 5 MVA park
        build_profiles(scn)
    msg = str(exc.value)
    assert "parks.p1.assets.m1.profile" in msg and "kW" in msg


def test_missing_files_and_double_sources_are_reported_with_the_field(tmp_path):
    p = _scenario(tmp_path, [{"kind": "fixed_load", "name": "m1", "p_peak_kw": 1000,
                              "profile": {"path": "data/nowhere.csv"}},
                             {"kind": "fixed_load", "name": "m2", "p_peak_kw": 1000, "archetype": "data_centre",
                              "profile": {"path": "data/nowhere.csv"}}])
    with pytest.raises(ScenarioError) as exc:
        load(p)
    assert "not both" in str(exc.value)
    p = _scenario(tmp_path, [{"kind": "fixed_load", "name": "m1", "p_peak_kw": 1000,
                              "profile": {"path": "data/nowhere.csv"}}])
    with pytest.raises(ScenarioError, match=r"parks\.p1\.assets\.m1\.profile\.path: file not found"):
        load(p)


def test_measured_pv_production_is_scaled_and_limited_to_the_inverter(tmp_path):
    idx = pd.date_range("2025-07-22", periods=2 * 96, freq="15min")
    hour = idx.hour + idx.minute / 60 + 0.125
    kw = np.round(np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None) * 900.0, 3)  # a 1 MWp plant peaking at 900 kW
    (tmp_path / "data").mkdir()
    pd.DataFrame({"time": idx.strftime("%Y-%m-%d %H:%M"), "p_kw": kw}).to_csv(tmp_path / "data" / "pv.csv", index=False)
    scn = load(_scenario(tmp_path, [
        {"kind": "fixed_load", "name": "base", "archetype": "data_centre", "p_peak_kw": 500},
        {"kind": "pv", "name": "pv1", "p_kwp": 1500, "dc_ac_ratio": 1.25,
         "production": {"path": "data/pv.csv", "unit": "kW", "stamps": "beginning"}, "production_p_kwp": 1000}]))
    p = build_profiles(scn).pv_available_mw["pv1"].to_numpy()
    expected = np.minimum(kw / 1000.0 * 1.5, 1.5 / 1.25)  # × p_mwp / production_p_mwp, clipped at 1.2 MW AC
    assert p == pytest.approx(expected, abs=1e-12)
    assert p.max() == pytest.approx(1.2)


def test_shipped_measured_park_runs_from_the_cli_and_says_what_it_read(tmp_path):
    out = tmp_path / "run"
    r = CliRunner().invoke(main, ["run", str(MEASURED), "--out", str(out), "--no-ac"])
    assert r.exit_code == 0, r.output
    k = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    notes = k["inputs"]["data"]
    assert [n.split(":")[0] for n in notes] == ["factory_meter", "cold_store", "rooftop_pv", "public_chargers"]
    assert "mapped onto 2024 days of the same weekday and day type" in notes[0]
    assert k["inputs"]["synthetic"] == []
    assert "measured inputs" in r.output
    # the run's loads are the files' numbers: the factory's fixed load exactly, the cold store (thermal
    # storage, may shift) within its 1.2 MWh band; EV energy is the records' energy in the horizon
    prof = build_profiles(load(MEASURED))
    nominal_mwh = sum(s.sum() for s in prof.load_mw.values()) * 0.25
    assert k["load_mwh"] == pytest.approx(nominal_mwh, abs=1.2 + 1e-6)
    assert k["ev_delivered_mwh"] == pytest.approx(prof.ev_sessions["public_chargers"]["e_mwh"].sum(), abs=1e-6)
    assert k["import_mwh"] - k["export_mwh"] + k["pv_used_mwh"] >= k["load_mwh"] + k["ev_delivered_mwh"] - 1e-6


def test_shipped_measured_park_day_types_follow_the_calendar():
    """A holiday of 2025 reads a 2024 holiday of the meter export (the factory's holiday level)."""
    scn = load(MEASURED, start="2025-10-01", days=1)
    prof = build_profiles(scn)
    work = build_profiles(load(MEASURED, start="2025-09-30", days=1))
    assert prof.load_mw["factory_meter"].sum() < 0.5 * work.load_mw["factory_meter"].sum()


def test_session_records_of_another_period_are_refused_not_left_empty():
    scn = load(MEASURED, start="2026-07-22", days=1)  # the shipped orders are of 2025
    with pytest.raises(ScenarioError, match=r"public_chargers\.sessions_file: .*covers 2025-01-01 – 2025-12-31, "
                                            r"the run needs 2026-07-22 – 2026-07-22"):
        build_profiles(scn)
