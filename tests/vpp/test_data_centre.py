"""Data centre (kind ``data_centre``): PUE over a hand-made temperature series, the PUE target check,
chilled-water storage and deferrable IT work by hand, strict input, and ``vpp run`` (with the AC check) and
a rolling evaluation of a scenario holding a data centre and a DC-bus building."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import vpp
from cli import main
from optimization import build_model, fix_baseline, solve
from optimization.results import extract
from scenarios import from_dict
from scenarios.data_centre_schema import DataCentre
from tests.optimization.helpers import make_data
from vpp.assets.data_centre import DataCentreBlock, pue
from vpp.domain import climate_monthly, domain
from vpp.errors import VppError

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "dc_park.yaml"
T_OUT = np.array([10.0, 20.0, 30.0, 35.0])


def centre(**kw):
    # PUE(T) = min(1.38, 1.2 + 0.01·max(0, T − 15)); other overhead 0.08 of IT
    args = dict(kind="data_centre", name="idc", p_it_peak_mw=10.0, pue_min=1.2, pue_slope_per_k=0.01,
                t_free_cooling_c=15.0, pue_max=1.38, other_overhead_share=0.08, cos_phi=1.0)
    args.update(kw)
    return DataCentre(**args)


def run_block(spec, prices, it=10.0, t_out=T_OUT, baseline=False):
    n = len(prices)
    dm = build_model(make_data(prices, [(spec, {"p_it_mw": np.full(n, it), "t_out_c": np.asarray(t_out)})]))
    if baseline:
        fix_baseline(dm)
    info = solve(dm)
    return extract(dm, info).assets.reset_index(drop=True), info


# ------------------------------------------------------------------------------------------ PUE by hand
def test_pue_of_a_hand_made_temperature_series():
    # 10 °C: free cooling 1.2; 20 °C: 1.2 + 0.05; 30 °C: 1.2 + 0.15; 35 °C: 1.2 + 0.2 = 1.40, capped at 1.38
    assert pue(T_OUT, 1.2, 0.01, 15.0, 1.38) == pytest.approx([1.2, 1.25, 1.35, 1.38], abs=1e-12)


def test_cooling_energy_period_pue_and_target_check_by_hand():
    r, _ = run_block(centre(), [100.0] * 4)
    # IT 10 MW, overhead 0.8 MW, cooling (PUE − 1.08) × 10 = 1.2, 1.7, 2.7, 3.0 MW over 1-h steps
    assert r.p_cool_mw.to_numpy() == pytest.approx([1.2, 1.7, 2.7, 3.0], abs=1e-9)
    assert r.p_other_mw.to_numpy() == pytest.approx([0.8] * 4, abs=1e-9)
    assert r.p_facility_mw.to_numpy() == pytest.approx([12.0, 12.5, 13.5, 13.8], abs=1e-9)
    assert r.p_inject_mw.to_numpy() == pytest.approx([-12.0, -12.5, -13.5, -13.8], abs=1e-9)
    assert r.pue.to_numpy() == pytest.approx([1.2, 1.25, 1.35, 1.38], abs=1e-12)
    k = DataCentreBlock.kpis(r, 1.0, {"idc": centre()})["idc"]
    assert k["it_mwh"] == pytest.approx(40.0) and k["cooling_mwh"] == pytest.approx(8.6)
    assert k["other_mwh"] == pytest.approx(3.2) and k["facility_mwh"] == pytest.approx(51.8)
    # period PUE = 51.8 / 40 = 1.295 <= 1.3: met, though 2 of the 4 hours (1.35, 1.38) are above the target
    assert k["pue"] == pytest.approx(1.295, abs=1e-12)
    assert k["pue_monthly"] == {"2025-07": pytest.approx(1.295)}
    assert (k["pue_target"], k["hours"], k["hours_above_target"], k["pue_target_met"]) == (1.3, 4, 2, True)
    k = DataCentreBlock.kpis(r, 1.0, {"idc": centre(pue_target=1.29)})["idc"]
    assert (k["hours_above_target"], k["pue_target_met"]) == (2, False)
    k = DataCentreBlock.kpis(r, 1.0, {"idc": centre(pue_target=1.25)})["idc"]
    assert (k["hours_above_target"], k["pue_target_met"]) == (2, False)  # 1.25 itself is not above


def test_default_pue_follows_the_domain_note_and_target():
    d = centre(pue_min=1.2, pue_slope_per_k=0.0075, t_free_cooling_c=10.0, pue_max=1.4)
    defaults = DataCentre(kind="data_centre", name="x", p_it_peak_mw=1.0)
    assert (defaults.pue_min, defaults.pue_slope_per_k, defaults.t_free_cooling_c, defaults.pue_max) == \
        (d.pue_min, d.pue_slope_per_k, d.t_free_cooling_c, d.pue_max)
    src = domain()["loads_ev_costs"]["data_centre_pue_new_large"]
    assert defaults.pue_target == src["value"] == 1.3 and src["confidence"] == "H"
    t = climate_monthly()["t_mean_c"]
    # the note "summer ~1.35, winter ~1.2": July mean 29.8 °C -> 1.2 + 0.0075 × 19.8 = 1.3485; January 1.2
    assert pue([t[6], t[0]], 1.2, 0.0075, 10.0, 1.4) == pytest.approx([1.3485, 1.2], abs=1e-3)


def test_without_flexibility_the_facility_is_a_fixed_load_it_times_pue():
    prices = [1000.0, 100.0, 100.0, 1000.0]
    opt, _ = run_block(centre(), prices)
    base, _ = run_block(centre(), prices, baseline=True)
    expect = -10.0 * np.array([1.2, 1.25, 1.35, 1.38])
    assert opt.p_inject_mw.to_numpy() == pytest.approx(expect, abs=1e-9)
    assert base.p_inject_mw.to_numpy() == pytest.approx(expect, abs=1e-9)


# ------------------------------------------------------------------------------------------ flexibility
def test_chilled_water_storage_shifts_cooling_and_conserves_it():
    # tank 10 MWh thermal at the free-cooling COP 1/(1.2 − 1.08): E = 10 × 0.12 = 1.2 MWh electric
    spec = centre(e_cool_max_mwh_th=10.0, cool_loss_per_h=0.0)
    prices = [100.0, 100.0, 1000.0, 1000.0]
    r, info = run_block(spec, prices)
    base, info_b = run_block(spec, prices, baseline=True)
    cool = r.p_cool_mw.to_numpy()
    assert cool.sum() == pytest.approx(8.6, abs=1e-7)  # conserved: e[0] = e[T] = 0 without losses
    assert cool[:2].sum() == pytest.approx(2.9 + 1.2, abs=1e-7)  # 1.2 MWh pre-cooled in the cheap hours
    assert cool[2:].sum() == pytest.approx(5.7 - 1.2, abs=1e-7)
    assert r.e_mwh.to_numpy()[1] == pytest.approx(1.2, abs=1e-7) and r.e_mwh.to_numpy()[3] == pytest.approx(0.0, abs=1e-7)
    assert base.p_cool_mw.to_numpy() == pytest.approx([1.2, 1.7, 2.7, 3.0], abs=1e-9)
    assert info_b.objective_cny - info.objective_cny == pytest.approx(1.2 * (1000.0 - 100.0), abs=1e-4)
    # with hourly losses the tank needs more cooling than it returns
    lossy, _ = run_block(centre(e_cool_max_mwh_th=10.0, cool_loss_per_h=0.1), prices)
    assert lossy.p_cool_mw.sum() > 8.6 + 1e-6


def test_deferrable_it_work_moves_within_the_day_and_conserves_it_energy():
    # constant PUE 1.2 (slope 0), IT 10 MW, half of it deferrable over the whole day, servers up to 12 MW:
    # fixed IT 5 MW, deferrable energy 20 MWh, at most 7 MW per hour -> 7 + 7 in the cheap hours, 6 in the dear
    spec = centre(pue_slope_per_k=0.0, deferrable_share=0.5, p_it_max_mw=12.0)
    prices = [1000.0, 100.0, 100.0, 1000.0]
    r, info = run_block(spec, prices)
    it = r.p_it_mw.to_numpy()
    assert it.sum() == pytest.approx(40.0, abs=1e-7)
    assert it[1:3] == pytest.approx([12.0, 12.0], abs=1e-7)
    assert it[[0, 3]].sum() == pytest.approx(16.0, abs=1e-7)
    assert r.p_facility_mw.to_numpy() == pytest.approx(1.2 * it, abs=1e-7)  # cooling follows the IT heat
    base, info_b = run_block(spec, prices, baseline=True)
    assert base.p_it_mw.to_numpy() == pytest.approx([10.0] * 4, abs=1e-9)
    assert info_b.objective_cny - info.objective_cny == pytest.approx(1.2 * 4.0 * (1000.0 - 100.0), abs=1e-3)
    # a window [1, 3) h: only the steps starting at 1 h and 2 h move, between themselves
    r, _ = run_block(centre(pue_slope_per_k=0.0, deferrable_share=0.5, p_it_max_mw=12.0,
                            deferrable_window_h=(1.0, 3.0)), [100.0, 1000.0, 100.0, 100.0])
    assert r.p_it_mw.to_numpy() == pytest.approx([10.0, 8.0, 12.0, 10.0], abs=1e-7)


# ------------------------------------------------------------------------------------------ strict input
def _scenario_with(**asset):
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    data["parks"][0]["assets"][0].update(asset)
    return data


@pytest.mark.parametrize("field, value, words", [
    ("pue_min", 0.9, "idc.pue_min"),
    ("p_it_peak_kw", -100, "idc.p_it_peak_mw"),
    ("e_cool_max_mwh_th", -1.0, "idc.e_cool_max_mwh_th"),
    ("pue_max", 1.1, "pue_max 1.1 is below pue_min 1.2"),
    ("other_overhead_share", 0.3, "pue_min 1.2 leaves no cooling"),
    ("deferrable_window_h", [20, 4], "deferrable_window_h"),
    ("p_cool_max_kw", 100, "p_cool_max_mw 0.1 is below the cooling at pue_max"),
])
def test_bad_input_is_one_error_naming_the_asset_and_field(field, value, words):
    with pytest.raises(VppError) as exc:
        from_dict(_scenario_with(**{field: value}))
    assert "idc" in str(exc.value) and words in str(exc.value)


# ------------------------------------------------------------------------------------------ end to end
def test_vpp_run_with_both_kinds_ac_check_and_kpis(tmp_path):
    res = vpp.run(from_dict(yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))), out_dir=tmp_path / "run")
    a = res.dispatch.assets
    assert set(a.kind) == {"data_centre", "dc_building"}
    assert res.prepared.elements.element["idc"][0] == "load"
    assert res.prepared.elements.element["pedf_office"][0] == "load"
    assert res.kpis["ac_steps"] == 96 and res.kpis["ac_nonconverged_steps"] == 0
    # each park's meter: import − export = −(its assets' injection) at every step
    for park, rows in a.groupby("park"):
        net = res.dispatch.parks.query("park == @park")["p_net_import_mw"].to_numpy()
        assert net == pytest.approx(-rows["p_inject_mw"].to_numpy(), abs=1e-6)
    dc = a[a.kind == "data_centre"]
    assert (dc.p_facility_mw - dc.p_it_mw - dc.p_cool_mw - dc.p_other_mw).abs().max() < 1e-9
    k = json.loads((tmp_path / "run" / "kpis.json").read_text(encoding="utf-8"))
    sec = k["data_centre"]["idc"]
    assert sec["pue"] == pytest.approx(dc.p_facility_mw.sum() / dc.p_it_mw.sum(), rel=1e-9)
    assert sec["facility_mwh"] == pytest.approx(sec["it_mwh"] + sec["cooling_mwh"] + sec["other_mwh"], rel=1e-9)
    assert sec["hours"] == 24 and 0 <= sec["hours_above_target"] <= 24
    assert sec["pue_target_met"] == (sec["pue"] <= 1.3)
    assert k["load_mwh"] == pytest.approx(sec["facility_mwh"], rel=1e-9)  # the DC building is not site load
    b = k["dc_building"]["pedf_office"]
    assert b["target_deviation_max_mw"] <= 0.15 + 1e-6 and b["converter_peak_mw"] <= 0.5 + 1e-6
    bld = a[a.kind == "dc_building"]
    assert bld.p_inject_mw.between(-0.3 - 1e-6, 0.0 + 1e-6).all()


def test_rolling_evaluation_carries_both_kinds():
    ev = vpp.evaluate(from_dict(yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))), year=2025, days=2, dr=False)
    a = ev.project.assets
    dc = a[a.asset == "idc"]
    assert len(dc) == 2 * 96
    assert (dc.p_facility_mw - dc.p_it_mw - dc.p_cool_mw - dc.p_other_mw).abs().max() < 1e-9
    assert a.loc[a.asset == "pedf_office", "p_inject_mw"].between(-0.3 - 1e-6, 1e-6).all()
    sec = ev.kpis["data_centre"]["idc"]  # the kinds' sections of the project's schedule
    assert sec["hours"] == 48 and sec["pue"] == pytest.approx(dc.p_facility_mw.sum() / dc.p_it_mw.sum(), rel=1e-9)
    assert ev.kpis["dc_building"]["pedf_office"]["target_deviation_max_mw"] <= 0.15 + 1e-6


def test_rolling_evaluation_refuses_deferrable_work_with_a_temperature_dependent_pue():
    scn = from_dict(_scenario_with(deferrable_share=0.1, p_it_max_kw=2400))
    with pytest.raises(VppError, match=r"data_centre 'idc': deferrable IT work .* \(use --horizon perfect\)"):
        vpp.evaluate(scn, year=2025, days=2, dr=False)


def test_cli_bad_data_centre_exits_1_naming_the_asset(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_scenario_with(pue_min=0.95)), encoding="utf-8")
    out = CliRunner().invoke(main, ["validate", str(path)])
    assert out.exit_code == 1 and "idc.pue_min" in out.output and "Traceback" not in out.output


def test_cli_run_prints_both_kind_sections(tmp_path):
    out = CliRunner().invoke(main, ["run", str(SCENARIO), "--no-ac", "--out", str(tmp_path / "run")])
    assert out.exit_code == 0, out.output
    k = json.loads((tmp_path / "run" / "kpis.json").read_text(encoding="utf-8"))
    d = k["data_centre"]["idc"]
    assert (f"data centre idc: PUE {d['pue']:.3f} (target 1.3: {'met' if d['pue_target_met'] else 'NOT met'}; "
            f"{d['hours_above_target']} of 24 h above)") in out.output
    assert "DC-bus building pedf_office: converter peak" in out.output


def test_measured_it_meter_replaces_the_archetype(tmp_path):
    import pandas as pd

    from vpp.profiles import build_profiles

    stamps = pd.date_range("2025-07-22 00:00", periods=96, freq="15min")
    pd.DataFrame({"time": stamps.strftime("%Y-%m-%d %H:%M"), "it_kw": 1500.0}).to_csv(tmp_path / "it.csv", index=False)
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    data["parks"][0]["assets"][0] = {"kind": "data_centre", "name": "idc", "p_it_peak_kw": 2000,
                                     "profile": {"path": str(tmp_path / "it.csv"), "unit": "kW", "stamps": "beginning"}}
    scn = from_dict(data)
    assert scn.parks[0].assets[0].archetype is None
    prof = build_profiles(scn)
    assert prof.inputs["idc"]["p_it_mw"].to_numpy() == pytest.approx(np.full(96, 1.5))
    assert any(n.startswith("idc:") for n in prof.data_notes)
    # archetype: the shape (daily mean 22.89 / 24 = 0.954) × 2 MW with 3 % noise (1.888 MW on this day),
    # without the archetype's seasonal PUE factor (July: × 1.35 / 1.3 would give ≈ 1.96 MW)
    arch = build_profiles(from_dict(yaml.safe_load(SCENARIO.read_text(encoding="utf-8")))).inputs["idc"]["p_it_mw"]
    assert arch.mean() == pytest.approx(2.0 * 22.89 / 24, rel=0.015)
