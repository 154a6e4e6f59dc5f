"""Green-power share, CO2 accounting with bought green electricity, targets in the sizing LPs, the MAC curve.

Every expected number is worked out in the comments."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from click.testing import CliRunner

from cli import main
from optimization.session import solve
from scenarios import from_dict, load
from scenarios.carbon_schema import Carbon, GreenPurchase
from scenarios.schema import PV, FixedLoad
from tests.optimization.helpers import make_data
from vpp.errors import VppError
from vpp.evaluation import green as gr
from vpp.evaluation.mac import marginal_costs
from vpp.evaluation.sizing import _solve_with_targets, build_rep_sizing_model, build_sizing_model
from vpp.evaluation.year import evaluate


# ----------------------------------------------------------------------------------------------- accounting
def test_co2_and_share_with_bought_green_electricity_by_hand():
    # 100 MWh import, no PV, 30 MWh bought green, ef 0.5 t/MWh: CO2 = (100 − 30) · 0.5 = 35 t;
    # consumption 100 MWh, share 30 / 100 = 0.3, intensity 35 t / 100 MWh = 0.35 kg/kWh
    f = gr.figures(100.0, 0.0, 0.0, 30.0, 0.5)
    assert f["co2_t"] == pytest.approx(35.0) and f["green_share"] == pytest.approx(0.3)
    assert f["co2_intensity_kg_per_kwh"] == pytest.approx(0.35)
    # with PV: import 100, export 10, PV 40 -> consumption 130, PV used on site 30, share (30 + 30) / 130
    f = gr.figures(100.0, 10.0, 40.0, 30.0, 0.5)
    assert f["consumption_mwh"] == pytest.approx(130.0) and f["pv_used_on_site_mwh"] == pytest.approx(30.0)
    assert f["green_share"] == pytest.approx(60.0 / 130.0) and f["co2_t"] == pytest.approx(35.0)
    # intensity = ef · (1 − share)
    assert f["co2_intensity_kg_per_kwh"] == pytest.approx(0.5 * (1 - 60.0 / 130.0))


def test_purchase_only_as_far_as_a_target_asks():
    # import 100, consumption 130: share target 0.5 allows (1 − 0.5)·130 = 65 MWh grey -> buy 35
    c = Carbon(ef_kgco2_per_kwh=0.5, green_purchase=GreenPurchase(price_cny_per_mwh=30.0), green_share_target=0.5)
    b = gr.purchase_needed(100.0, 130.0, c)
    assert b["green_purchase_mwh"] == pytest.approx(35.0) and b["cost_cny"] == pytest.approx(1050.0)
    assert b["targets"][0]["met"]
    # no target: nothing is bought even with purchase allowed
    assert gr.purchase_needed(100.0, 130.0, Carbon(green_purchase=GreenPurchase()))["green_purchase_mwh"] == 0.0
    # max_share 0.2 -> at most 26 MWh: target not met; CO2 cap 20 t at ef 0.5 -> 40 MWh grey -> needs 60
    c2 = Carbon(ef_kgco2_per_kwh=0.5, green_purchase=GreenPurchase(max_share=0.2), green_share_target=0.5, co2_cap_t=20.0)
    b2 = gr.purchase_needed(100.0, 130.0, c2)
    assert b2["needed_mwh"] == pytest.approx(60.0) and b2["green_purchase_mwh"] == pytest.approx(26.0)
    assert [t["met"] for t in b2["targets"]] == [False, False]
    # without carbon.green_purchase nothing can be bought
    assert gr.purchase_needed(100.0, 130.0, Carbon(green_share_target=0.5))["green_purchase_mwh"] == 0.0


def test_schema_green_purchase_is_strict_and_takes_kilo_units():
    raw = load("single_park").model_dump(mode="json", exclude_none=True)
    raw["carbon"]["green_purchase"] = {"price_cny_per_kwh": 0.05}
    assert from_dict(raw).carbon.green_purchase.price_cny_per_mwh == pytest.approx(50.0)
    assert from_dict(raw).carbon.green_purchase.max_share == 1.0
    raw["carbon"]["green_purchase"] = {"prise_cny_per_mwh": 30}
    with pytest.raises(VppError, match="prise_cny_per_mwh"):
        from_dict(raw)
    raw["carbon"].pop("green_purchase")
    raw["carbon"]["green_share_target"] = 1.5
    with pytest.raises(VppError, match="green_share_target"):
        from_dict(raw)


def test_consumption_energy_balance_of_an_evaluation():
    # consumption = import − export + PV = − sum of the non-PV injections (loads, EV, battery losses and
    # stored-energy change), for project and baseline; share and CO2 follow from the same figures
    ev = evaluate(load("single_park"), days=1, dr=False)
    for run, s in (("project", ev.project), ("baseline", ev.baseline)):
        g = ev.kpis["green"][run]
        dt_h = 0.25
        imp = float(s.parks["p_import_mw"].sum()) * dt_h
        exp_ = float(s.parks["p_export_mw"].sum()) * dt_h
        pv = float(s.assets.loc[s.assets["kind"] == "pv", "p_inject_mw"].sum()) * dt_h
        non_pv = -float(s.assets.loc[s.assets["kind"] != "pv", "p_inject_mw"].sum()) * dt_h
        assert g["consumption_mwh"] == pytest.approx(imp - exp_ + pv, rel=1e-9)
        assert g["consumption_mwh"] == pytest.approx(non_pv, rel=1e-6)
        assert sum(g["consumption_by_kind_mwh"].values()) == pytest.approx(g["consumption_mwh"], rel=1e-6)
        assert g["co2_t"] == pytest.approx(imp * 0.49) and g["green_purchase_mwh"] == 0.0
        assert g["parks"]["factory"]["green_share"] == pytest.approx(g["green_share"])
    # project: PV used on site makes the share; the baseline has no PV
    assert ev.kpis["green"]["baseline"]["green_share"] == pytest.approx(0.0)
    assert ev.kpis["green"]["project"]["green_share"] > 0.0
    # battery consumption = its losses + stored-energy change (charge − discharge), not zero
    assert "battery" in ev.kpis["green"]["project"]["consumption_by_kind_mwh"]


# ----------------------------------------------------------------------------------------------- sizing LP
def _pv_data(weights_days=None):
    # PV 1 MWp available 0.5 then 1.0 MW (1.5 MWh per MWp), load 5 MW, price 500 CNY/MWh, PV bound 2 MWp
    pv = PV(kind="pv", name="pv", p_mwp=1.0)
    load_ = FixedLoad(kind="fixed_load", name="l", archetype="data_centre", p_peak_mw=5.0, cos_phi=1.0)
    data = make_data([500, 500], [(pv, {"p_available_mw": np.array([0.5, 1.0])}),
                                  (load_, {"p_load_mw": np.array([5.0, 5.0])})])
    data.sizing = {"pv": {"pv_mwp": (0.0, 2.0)}}
    return data


def _carbon(**kw):
    return Carbon(ef_kgco2_per_kwh=0.5, **kw)


def _size(carbon, cost=751.0):
    dm = build_sizing_model(_pv_data(), {"pv_mwp": cost}, carbon=carbon)
    scn = SimpleNamespace(carbon=carbon, solver=SimpleNamespace(time_limit_s=60.0, mip_rel_gap=1e-4))
    info, fig = _solve_with_targets(dm, scn)
    return dm, info, fig


def test_share_target_zero_gives_the_unconstrained_design():
    # capex 749 < 750 saved per MWp: PV at its 2 MWp bound; 751: no PV. A 0 target changes neither.
    for cost, mwp in ((749.0, 2.0), (751.0, 0.0)):
        free = build_sizing_model(_pv_data(), {"pv_mwp": cost})
        ref = solve(free).objective_cny
        dm, info, fig = _size(_carbon(green_share_target=0.0), cost)
        assert info.objective_cny == pytest.approx(ref, abs=1e-6)
        assert pyo.value(dm.m.pv.size_mwp["pv"]) == pytest.approx(mwp, abs=1e-6)
        assert pyo.value(free.m.pv.size_mwp["pv"]) == pytest.approx(mwp, abs=1e-6)
        assert fig["shadow_prices"][0]["shadow_price"] == pytest.approx(0.0, abs=1e-9)


def test_share_target_sizes_pv_and_its_shadow_price():
    # consumption 10 MWh, share = 1.5·P / 10. Target 0.15 -> P = 1 MWp: 500·(10 − 1.5) + 751 = 5001 CNY.
    dm, info, fig = _size(_carbon(green_share_target=0.15))
    assert pyo.value(dm.m.pv.size_mwp["pv"]) == pytest.approx(1.0, abs=1e-6)
    assert info.objective_cny == pytest.approx(5001.0, abs=1e-6)
    assert fig["green_share"] == pytest.approx(0.15) and fig["co2_t"] == pytest.approx(8.5 * 0.5)
    # each green MWh needs 1/1.5 MWp: (751 − 750) / 1.5 = 0.6667 CNY/MWh (row dual); per point of share:
    # 0.6667 · 10 MWh / 100 = 0.06667 CNY; checked against re-solving at 0.16 (finite difference)
    sp = fig["shadow_prices"][0]
    assert sp["row_dual_cny_per_mwh"] == pytest.approx(1.0 / 1.5, rel=1e-6)
    assert sp["shadow_price"] == pytest.approx(0.1 / 1.5, rel=1e-6)
    _, info16, _ = _size(_carbon(green_share_target=0.16))
    assert info16.objective_cny - info.objective_cny == pytest.approx(sp["shadow_price"], rel=1e-6)


def test_pv_only_maximum_gives_the_largest_pv_and_above_it_the_target_is_refused():
    # PV at its 2 MWp bound: share 3 / 10 = 0.3, cost 500·7 + 2·751 = 5002 CNY
    dm, info, _ = _size(_carbon(green_share_target=0.3))
    assert pyo.value(dm.m.pv.size_mwp["pv"]) == pytest.approx(2.0, abs=1e-6)
    assert info.objective_cny == pytest.approx(5002.0, abs=1e-6)
    with pytest.raises(VppError, match=r"^sizing target not reachable: green share 0.31 \(highest reachable 0.3000\)"
                                       r" with PV and batteries within economics.size_bounds and no green purchase"):
        _size(_carbon(green_share_target=0.31))
    # CO2 cap below the lowest reachable (7 MWh · 0.5 = 3.5 t)
    with pytest.raises(VppError, match=r"CO2 cap 3 t/yr \(lowest reachable 3.5 t/yr\)"):
        _size(_carbon(co2_cap_t=3.0))


def test_purchase_covers_the_rest_at_its_premium_and_co2_cap_dual():
    # target 0.4 with PV at its bound (3 MWh green): buy g = 1 MWh at 30 CNY -> 5002 + 30 = 5032 CNY;
    # the share row's dual is the premium 30 CNY/MWh: 30 · 10 / 100 = 3 CNY per point
    dm, info, fig = _size(_carbon(green_share_target=0.4, green_purchase=GreenPurchase(price_cny_per_mwh=30.0)))
    assert pyo.value(dm.m.green_purchase_mwh) == pytest.approx(1.0, abs=1e-6)
    assert info.objective_cny == pytest.approx(5032.0, abs=1e-6)
    assert fig["shadow_prices"][0]["shadow_price"] == pytest.approx(3.0, rel=1e-6)
    # CO2 cap 3.5 t at ef 0.5 -> grey import <= 7 MWh -> P = 2 MWp; dual 0.6667 CNY/MWh -> 1.3333 CNY/tCO2
    dm, info, fig = _size(_carbon(co2_cap_t=3.5))
    assert pyo.value(dm.m.pv.size_mwp["pv"]) == pytest.approx(2.0, abs=1e-6)
    assert fig["shadow_prices"][0]["shadow_price"] == pytest.approx(2.0 / 1.5, rel=1e-6)


def test_rep_sizing_lp_uses_the_same_weighted_target_row():
    # unit weights: the period LP's 5001 CNY at target 0.15
    data = _pv_data()
    month = {str(data.month[0]): [0, 1]}
    dm = build_rep_sizing_model(data, {"pv_mwp": 751.0}, np.ones(2), month, carbon=_carbon(green_share_target=0.15))
    assert solve(dm).objective_cny == pytest.approx(5001.0, abs=1e-6)
    # weights 2, 1: consumption 2·5 + 5 = 15 MWh, PV 2·0.5 + 1 = 2 MWh per MWp (saving 1000 CNY/yr per MWp, so
    # at capex 1001 no PV without a target); share 2P / 15 >= 0.2 -> P = 1.5;
    # cost 500·(15 − 3) + 1001·1.5 = 6000 + 1501.5 = 7501.5 CNY
    dm = build_rep_sizing_model(_pv_data(), {"pv_mwp": 1001.0}, np.array([2.0, 1.0]), month,
                                carbon=_carbon(green_share_target=0.2))
    assert solve(dm).objective_cny == pytest.approx(7501.5, abs=1e-6)
    assert pyo.value(dm.m.pv.size_mwp["pv"]) == pytest.approx(1.5, abs=1e-6)
    assert pyo.value(dm.m.green_consumption_mwh) == pytest.approx(15.0, abs=1e-6)


def test_unreachable_target_on_the_command_line_exits_1(tmp_path):
    r = CliRunner().invoke(main, ["evaluate", "single_park", "--representative-days", "2", "--size", "pv",
                                  "--green-share", "1.0", "--no-dr", "--no-floating-sensitivity",
                                  "--out", str(tmp_path / "ev")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    line = [x for x in r.output.splitlines() if x.startswith("error:")][0]
    assert line.startswith("error: sizing target not reachable: green share 1 (highest reachable 0.")
    best = float(line.split("highest reachable ")[1].split(")")[0])
    assert 0.0 < best < 1.0


# ----------------------------------------------------------------------------------------------- MAC curve
def test_marginal_costs_by_hand_on_a_table():
    # loosest -> tightest: cost 100, 160, 300 CNY/yr; share 0.1, 0.2, 0.3; CO2 50, 40, 30 t
    # per point: 60 / 10 = 6, 140 / 10 = 14; per tCO2: 60 / 10 = 6, 140 / 10 = 14; abatement 0, 10, 20
    df = pd.DataFrame({"status": ["ok"] * 3, "carbon.green_share_target": [0.2, 0.1, 0.3],
                       "design_annual_cost_cny": [160.0, 100.0, 300.0], "design_green_share": [0.2, 0.1, 0.3],
                       "design_co2_t": [40.0, 50.0, 30.0]})
    out = marginal_costs(df, "carbon.green_share_target").sort_values("carbon.green_share_target")
    assert out["abatement_t"].tolist() == [0.0, 10.0, 20.0]
    assert np.isnan(out["mac_cny_per_tco2"].iloc[0])
    assert out["mac_cny_per_tco2"].iloc[1:].tolist() == pytest.approx([6.0, 14.0])
    assert out["marginal_cost_cny_per_point"].iloc[1:].tolist() == pytest.approx([6.0, 14.0])


def test_sweep_over_green_share_targets_marginal_costs_from_its_own_table(tmp_path):
    from vpp.evaluation.sweep import sweep

    raw = load("single_park").model_dump(mode="json", exclude_none=True)
    raw["carbon"]["green_purchase"] = {"price_cny_per_mwh": 30.0}
    raw["economics"]["pv_capex_cny_per_w"] = 6.0
    out = tmp_path / "s.parquet"
    df = sweep(from_dict(raw), ["carbon.green_share_target=0:0.4:0.2"], out, scheduler="sequential",
               eval_kwargs={"representative_days": 2, "size": "pv"})
    assert list(df["status"]) == ["ok"] * 3
    t = pd.read_parquet(out).sort_values("carbon.green_share_target")
    c, s, e = (t[k].to_numpy(float) for k in ("design_annual_cost_cny", "design_green_share", "design_co2_t"))
    assert t["marginal_cost_cny_per_point"].iloc[1:].tolist() == pytest.approx(list(np.diff(c) / (100 * np.diff(s))))
    assert t["mac_cny_per_tco2"].iloc[1:].tolist() == pytest.approx(list(np.diff(c) / -np.diff(e)))
    # the designs meet their targets; CO2 of a design = (1 − share) · consumption · ef
    assert (s >= t["carbon.green_share_target"].to_numpy() - 1e-9).all()
    assert e == pytest.approx((1 - s) * t["design_consumption_mwh"].to_numpy() * 0.49, rel=1e-9)
    # between 0.2 and 0.4 the PV is at its bound and the rest is bought: 30 CNY/MWh / 0.49 t/MWh = 61.2 CNY/tCO2
    assert t["mac_cny_per_tco2"].iloc[2] == pytest.approx(30.0 / 0.49, rel=1e-6)
    assert (tmp_path / "s-mac.png").is_file()


def test_intensity_cap_is_the_share_target_in_other_units():
    # intensity = ef·(1 − share): cap 0.5·(1 − 0.15) = 0.425 kg/kWh is the share target 0.15 -> P = 1 MWp, 5001 CNY;
    # shadow price y·C/ef = 0.6667·10/0.5 = 13.33 CNY per kgCO2/kWh
    dm, info, fig = _size(_carbon(co2_intensity_cap_kg_per_kwh=0.425))
    assert pyo.value(dm.m.pv.size_mwp["pv"]) == pytest.approx(1.0, abs=1e-6)
    assert info.objective_cny == pytest.approx(5001.0, abs=1e-6)
    assert fig["co2_intensity_kg_per_kwh"] == pytest.approx(0.425)
    assert fig["shadow_prices"][0]["shadow_price"] == pytest.approx(20.0 / 1.5, rel=1e-6)
    # the lowest reachable intensity is 0.5·(1 − 0.3) = 0.35
    with pytest.raises(VppError, match=r"CO2 intensity cap 0.3 kg/kWh \(lowest reachable 0.3500 kg/kWh\)"):
        _size(_carbon(co2_intensity_cap_kg_per_kwh=0.3))
