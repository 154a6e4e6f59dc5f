"""光储直柔 DC-bus building (kind ``dc_building``): the converter balance by hand, one conversion stage
against an AC building, the target band (respected; an unreachable band refused naming the asset),
flexible DC loads moving energy within the day, the DC battery, the DC PV profile and strict input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from pathlib import Path

from optimization import build_model, fix_baseline, solve
from optimization.results import extract
from scenarios import from_dict
from scenarios.dc_building_schema import DCBuilding
from scenarios.schema import PV, FixedLoad
from tests.optimization.helpers import make_data
from vpp.assets.dc_building import DCBuildingBlock, ac_export_mw
from vpp.errors import InfeasibleError, VppError
from vpp.profiles.dc_building import dc_pv_mw
from vpp.profiles.pv import pv_available_mw
from vpp.timeindex import time_index

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "dc_park.yaml"


def building(**kw):
    args = dict(kind="dc_building", name="bldg", p_load_peak_mw=0.4, s_max_mw=1.0, eta_inverter=0.97,
                eta_rectifier=0.97)
    args.update(kw)
    return DCBuilding(**args)


def run_block(spec, prices, pv, load, export=None, baseline=False):
    n = len(prices)
    prof = {"p_pv_dc_mw": np.broadcast_to(np.asarray(pv, dtype=float), (n,)).copy(),
            "p_load_dc_mw": np.broadcast_to(np.asarray(load, dtype=float), (n,)).copy()}
    dm = build_model(make_data(prices, [(spec, prof)], export=export))
    if baseline:
        fix_baseline(dm)
    info = solve(dm)
    return extract(dm, info).assets.reset_index(drop=True), info


def check_balance(r, eta=0.97):
    """DC bus: pv + discharge − charge − load = dc_out − dc_in; AC: p_ac = η·dc_out − dc_in/η."""
    dc = r.p_pv_mw + r.p_discharge_mw - r.p_charge_mw - r.p_load_dc_mw
    assert dc.to_numpy() == pytest.approx((r.p_dc_out_mw - r.p_dc_in_mw).to_numpy(), abs=1e-7)
    assert r.p_ac_mw.to_numpy() == pytest.approx((eta * r.p_dc_out_mw - r.p_dc_in_mw / eta).to_numpy(), abs=1e-7)
    assert (r.p_inject_mw == r.p_ac_mw).all()


# ------------------------------------------------------------------------------------ converter by hand
def test_converter_balance_by_hand():
    # PV 1 MW, DC load 0.4 MW, no battery, η 0.97: the surplus 0.6 MW crosses the converter once -> 0.582 MW
    r, _ = run_block(building(), [100.0] * 2, 1.0, 0.4, export=[50.0] * 2)
    assert r.p_inject_mw.to_numpy() == pytest.approx([0.582, 0.582], abs=1e-9)
    assert r.p_conv_loss_mw.to_numpy() == pytest.approx([0.018, 0.018], abs=1e-9)
    check_balance(r)
    # deficit: PV 0.1 MW, load 0.4 MW -> the rectifier brings 0.3 MW DC, drawing 0.3 / 0.97 = 0.30928 MW AC
    r, info = run_block(building(), [100.0] * 2, 0.1, 0.4)
    assert r.p_inject_mw.to_numpy() == pytest.approx([-0.3 / 0.97] * 2, abs=1e-9)
    # energy bought plus the rectifier tie-break 1e-3 CNY/MWh × 0.6 MWh
    assert info.objective_cny == pytest.approx(100.0 * 2 * 0.3 / 0.97 + 1e-3 * 0.6, abs=1e-9)
    check_balance(r)
    assert ac_export_mw(1.0, 0.4, 0.97, 0.97) == pytest.approx(0.582) and \
        ac_export_mw(0.1, 0.4, 0.97, 0.97) == pytest.approx(-0.3 / 0.97)


def test_one_conversion_stage_against_an_ac_building():
    # the same PV and DC load in an AC building: PV inverter 0.97 -> 0.97 MW AC; the 0.4 MW DC load through
    # a 0.97 power supply draws 0.4 / 0.97 = 0.41237 MW AC; export 0.55763 MW, 0.02437 MW (2.4 % of PV) less
    pv = PV(kind="pv", name="pv", p_mwp=1.2)
    load = FixedLoad(kind="fixed_load", name="load", archetype="office_public_weekday", p_peak_mw=1.0, cos_phi=1.0)
    dm = build_model(make_data([100.0], [(pv, {"p_available_mw": np.array([0.97])}),
                                         (load, {"p_load_mw": np.array([0.4 / 0.97])})], export=[50.0]))
    solve(dm)
    ac = extract(dm).parks["p_export_mw"].iloc[0]
    dc, _ = run_block(building(), [100.0], 1.0, 0.4, export=[50.0])
    assert ac == pytest.approx(0.97 - 0.4 / 0.97, abs=1e-9) and ac == pytest.approx(0.557629, abs=1e-6)
    assert dc.p_inject_mw.iloc[0] - ac == pytest.approx(0.024371, abs=1e-6)


def test_dc_battery_stores_pv_surplus_with_one_stage():
    # PV 1 MW in hour 0, none in hour 1; load 0.4 MW; export worthless, import 1000 CNY/MWh: the battery
    # stores on the DC bus just what the evening load needs: 0.4 / 0.95 MWh, charged at 0.4 / 0.95² MW
    # (η_c = η_d = 0.95, no converter stage in between); the rest of the surplus is curtailed
    spec = building(battery_p_max_mw=1.0, battery_e_max_mwh=2.0, soc_min=0.0, soc_max=1.0, soc_init=0.0)
    r, _ = run_block(spec, [1000.0, 1000.0], [1.0, 0.0], 0.4)
    assert r.p_charge_mw.iloc[0] == pytest.approx(0.4 / 0.95**2, abs=1e-7)
    assert r.p_discharge_mw.iloc[1] == pytest.approx(0.4, abs=1e-7)
    assert r.p_inject_mw.to_numpy() == pytest.approx([0.0, 0.0], abs=1e-7)
    assert r.e_mwh.to_numpy() == pytest.approx([0.4 / 0.95, 0.0], abs=1e-7)
    assert r.p_curtailed_mw.iloc[0] == pytest.approx(0.6 - 0.4 / 0.95**2, abs=1e-7)
    check_balance(r)


# ------------------------------------------------------------------------------------ the target band
def test_target_band_is_respected():
    spec = building(battery_p_max_mw=0.3, battery_e_max_mwh=1.0, p_target_inject_mw=-0.2, band_mw=0.05)
    pv = [0.0, 0.5, 1.0, 0.2]
    r, _ = run_block(spec, [100.0, 300.0, 300.0, 100.0], pv, 0.4, export=[50.0] * 4)
    ac = r.p_inject_mw.to_numpy()
    assert (ac >= -0.25 - 1e-7).all() and (ac <= -0.15 + 1e-7).all()
    assert r.p_target_mw.to_numpy() == pytest.approx([-0.2] * 4)
    check_balance(r)
    # without the band the noon PV is exported and the morning load bought
    free, _ = run_block(building(battery_p_max_mw=0.3, battery_e_max_mwh=1.0), [100.0, 300.0, 300.0, 100.0],
                        pv, 0.4, export=[50.0] * 4)
    assert free.p_inject_mw.max() > 0.1
    k = DCBuildingBlock.kpis(r.assign(time=pd.date_range("2025-07-22", periods=4, freq="h")), 1.0, {"bldg": spec})
    assert k["bldg"]["target_deviation_max_mw"] <= 0.05 + 1e-7 and k["bldg"]["band_mw"] == 0.05


def test_hourly_target_profile():
    target = [-0.3] * 12 + [0.2] * 12  # import 0.3 MW before noon, export 0.2 MW after
    spec = building(p_target_inject_mw=target, band_mw=0.0)
    r, _ = run_block(spec, [100.0] * 24, [0.0] * 12 + [1.0] * 12, [0.3 * 0.97] * 12 + [0.4] * 12, export=[50.0] * 24)
    assert r.p_inject_mw.to_numpy() == pytest.approx(np.array(target), abs=1e-7)  # surplus PV curtailed
    assert r.p_curtailed_mw.iloc[12:].to_numpy() == pytest.approx([1.0 - 0.4 - 0.2 / 0.97] * 12, abs=1e-7)


def test_unreachable_band_is_refused_naming_the_asset():
    # no PV, no battery, DC load 0.4 MW: the exchange is at most −0.4/0.97 = −0.412 MW, the band asks for >= −0.1
    with pytest.raises(InfeasibleError, match=r"dc_building 'bldg'.*p_target_inject_mw 0 ± band_mw 0.1 at "
                                              r"2025-07-22 00:00: it is at most -0.412 MW"):
        run_block(building(p_target_inject_mw=0.0, band_mw=0.1), [100.0] * 2, 0.0, 0.4)
    # DC loads above the converter rating
    with pytest.raises(InfeasibleError, match=r"dc_building 'bldg': the DC loads need 0.412 MW .* s_max_mw 0.3"):
        run_block(building(s_max_mw=0.3), [100.0] * 2, 0.0, 0.4)
    # flexible energy that its power limit cannot place: 0.5 × 0.4 MW × 4 h = 0.8 MWh, at most 0.1 MW × 4 h
    with pytest.raises(InfeasibleError, match=r"dc_building 'bldg': the flexible loads need 0.800 MWh on 2025-07-22 "
                                              r"but p_flex_max_mw 0.1 MW gives at most 0.400 MWh"):
        run_block(building(flexible_share=0.5, p_flex_max_mw=0.1), [100.0] * 4, 0.0, 0.4)
    # a target below what PV could give: curtailment always reaches the upper side (here all PV curtailed)
    r, _ = run_block(building(p_target_inject_mw=-0.4 / 0.97, band_mw=0.0), [100.0], 5.0, 0.4)
    assert r.p_inject_mw.iloc[0] == pytest.approx(-0.4 / 0.97, abs=1e-7)
    assert r.p_pv_mw.iloc[0] == pytest.approx(0.0, abs=1e-7)


# ------------------------------------------------------------------------------------ flexible DC loads
def test_flexible_loads_move_energy_and_conserve_it():
    # load 0.4 MW, half flexible: 0.2 MW fixed, 0.8 MWh a day to place, at most 2 × 0.5 × 0.4 = 0.4 MW;
    # 0.2 MW leave each dear hour: 0.4 MWh DC = 0.4 / 0.97 MWh AC bought at 100 instead of 1000 CNY/MWh
    spec = building(flexible_share=0.5)
    prices = [1000.0, 100.0, 100.0, 1000.0]
    r, info = run_block(spec, prices, 0.0, 0.4)
    assert r.p_flex_mw.to_numpy() == pytest.approx([0.0, 0.4, 0.4, 0.0], abs=1e-7)
    assert r.p_load_dc_mw.sum() == pytest.approx(1.6, abs=1e-7)  # the day's DC energy conserved
    base, info_b = run_block(spec, prices, 0.0, 0.4, baseline=True)
    assert base.p_load_dc_mw.to_numpy() == pytest.approx([0.4] * 4, abs=1e-9)
    assert info_b.objective_cny - info.objective_cny == pytest.approx(0.4 / 0.97 * 900.0, abs=1e-4)


# ------------------------------------------------------------------------------------ profile and input
def test_dc_pv_profile_is_the_pv_model_before_its_inverter():
    idx = time_index("2025-07-22", 1, 15)
    spec = building(pv_mwp=0.4)
    pv = PV(kind="pv", name="bldg", p_mwp=0.4, dc_ac_ratio=1.0)
    dc = dc_pv_mw(spec, idx, 11)
    assert dc == pytest.approx(pv_available_mw(pv, idx, 11).to_numpy() / 0.97, abs=1e-12)
    assert dc.max() <= 0.4 and dc.sum() > 0
    assert dc_pv_mw(building(), idx, 11) == pytest.approx(np.zeros(96))


def _scenario_with(**asset):
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    data["parks"][1]["assets"][0].update(asset)
    return data


@pytest.mark.parametrize("field, value, words", [
    ("eta_inverter", 1.2, "pedf_office.eta_inverter"),
    ("eta_rectifier", 0.0, "pedf_office.eta_rectifier"),
    ("band_kw", -5, "pedf_office.band_mw"),
    ("pv_kwp", -10, "pedf_office.pv_mwp"),
    ("s_max_kw", 0, "pedf_office.s_max_mw"),
    ("p_target_inject_kw", [100] * 5, "24 hourly values"),
    ("p_target_inject_kw", 900, "outside the converter rating"),
    ("battery_e_max_kwh", 0, "give both battery_p_max_mw and battery_e_max_mwh"),
])
def test_bad_input_is_one_error_naming_the_asset_and_field(field, value, words):
    with pytest.raises(VppError) as exc:
        from_dict(_scenario_with(**{field: value}))
    assert "pedf_office" in str(exc.value) and words in str(exc.value)


def test_cli_run_with_an_unreachable_band_exits_1_naming_the_asset(tmp_path):
    from click.testing import CliRunner

    from cli import main

    path = tmp_path / "band.yaml"
    path.write_text(yaml.safe_dump(_scenario_with(p_target_inject_kw=300, band_kw=0)), encoding="utf-8")
    out = CliRunner().invoke(main, ["run", str(path), "--no-ac", "--out", str(tmp_path / "run")])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert "dc_building 'pedf_office': the AC exchange cannot stay within p_target_inject_mw 0.3 ± band_mw 0 at " \
           "2025-07-22 00:00" in out.output
