import numpy as np
import pandas as pd
import pytest

from network_models import apply_injections, attach_assets, build_grid, run_base_case, run_timeseries


def _setup(scn):
    g = build_grid(scn)
    return g, attach_assets(g, scn)


def test_attach_assets(radial_scn):
    g, el = _setup(radial_scn)
    assert el.names == ["auto_load", "auto_pv", "auto_bess", "logi_load", "logi_ev"]
    assert el.element["auto_pv"][0] == "sgen" and el.element["auto_bess"][0] == "storage"
    assert el.element["logi_ev"][0] == "load"
    net = g.net
    assert net.storage.at[el.element["auto_bess"][1], "max_e_mwh"] == pytest.approx(1.0)
    assert net.load.at[el.element["auto_load"][1], "bus"] == g.park_bus["auto"]
    assert net.load.at[el.element["logi_ev"][1], "bus"] == g.bus["m1"]
    # idempotent
    el2 = attach_assets(g, radial_scn)
    assert el2.element == el.element and len(net.load) == 3  # auto_load, logi_load, logi_ev

def test_signs_and_energy_balance(radial_scn):
    g, el = _setup(radial_scn)
    net = g.net
    apply_injections(g, el, {"auto_load": -1.0, "auto_pv": 0.5, "auto_bess": 0.3, "logi_load": -2.0,
                             "logi_ev": -0.2},
                     {"auto_load": -0.2, "auto_pv": 0.0, "auto_bess": 0.1, "logi_load": -0.5, "logi_ev": 0.0})
    load = net.load.set_index("name")
    assert load.loc["auto_load", "p_mw"] == pytest.approx(1.0)
    assert load.loc["auto_load", "q_mvar"] == pytest.approx(0.2)
    assert net.sgen.set_index("name").loc["auto_pv", "p_mw"] == pytest.approx(0.5)
    st = net.storage.set_index("name").loc["auto_bess"]
    assert st["p_mw"] == pytest.approx(-0.3) and st["q_mvar"] == pytest.approx(-0.1)
    r = run_base_case(g)
    assert r["converged"]
    p_load = net.load.p_mw.sum() + net.storage.p_mw.sum()
    p_gen = net.sgen.p_mw.sum()
    assert r["p_ext_grid_mw"] == pytest.approx(p_load - p_gen + r["losses_mw"], abs=1e-6)
    assert r["p_ext_grid_mw"] == pytest.approx(1.0 - 0.5 - 0.3 + 2.0 + 0.2 + r["losses_mw"], abs=1e-6)
    # q from cos_phi when no reactive injection is given; unlisted assets keep their values
    apply_injections(g, el, {"auto_load": -1.0})
    assert net.load.set_index("name").loc["auto_load", "q_mvar"] == pytest.approx(np.tan(np.arccos(0.95)))
    assert net.load.set_index("name").loc["logi_load", "p_mw"] == pytest.approx(2.0)


def test_base_loads_untouched(case33_scn):
    g, el = _setup(case33_scn)
    before = g.net.load.loc[g.net.load.name.str.startswith("base_load"), "p_mw"].sum()
    apply_injections(g, el, {"l18": -0.1})
    after = g.net.load.loc[g.net.load.name.str.startswith("base_load"), "p_mw"].sum()
    assert before == after == pytest.approx(3.715)


def test_timeseries_with_divergent_step(radial_scn):
    g, el = _setup(radial_scn)
    t = pd.date_range("2025-07-22", periods=4, freq="15min", tz="Asia/Shanghai")
    p = pd.DataFrame({"auto_load": [-1.0, -1.2, -1.1, -0.9], "auto_pv": [0.0, 0.4, 0.6, 0.2],
                      "logi_load": [-2.0, -500.0, -2.2, -1.8]}, index=t)
    res = run_timeseries(g, el, p)
    s = res.summary
    assert list(s.columns) == ["converged", "p_ext_grid_mw", "q_ext_grid_mvar", "losses_mw", "vm_min_pu",
                               "vm_max_pu", "line_loading_max_percent", "trafo_loading_max_percent",
                               "n_voltage_violations", "n_overloads"]
    assert s["converged"].tolist() == [True, False, True, True]
    assert s.iloc[1, 1:].isna().all() and res.vm_pu.iloc[1].isna().all()
    assert res.vm_pu.shape == (4, 7) and "auto_lv" in res.vm_pu.columns
    assert list(res.line_loading_percent.columns) == ["f1_1", "f1_2", "f2_1"]
    assert "auto_trafo" in res.trafo_loading_percent.columns
    # energy balance of step 3: loads 1.1 + 2.2, PV 0.6
    assert s["p_ext_grid_mw"].iloc[2] == pytest.approx(1.1 + 2.2 - 0.6 + s["losses_mw"].iloc[2], abs=1e-6)
    assert s["losses_mw"].iloc[0] == pytest.approx(
        res.summary["p_ext_grid_mw"].iloc[0] - 3.0, abs=1e-6)
    assert (s["n_voltage_violations"].iloc[[0, 2, 3]] == 0).all()
    assert list(res.violations.columns) == ["time", "element", "kind", "value", "limit"]
    # the warm-started / recycled last step equals a fresh power flow of the same injections
    fresh = run_base_case(g)
    assert fresh["p_ext_grid_mw"] == pytest.approx(s["p_ext_grid_mw"].iloc[3], abs=1e-6)  # NR tolerance 1e-8 MVA
    assert fresh["vm_min_pu"] == pytest.approx(s["vm_min_pu"].iloc[3], abs=1e-7)


def test_timeseries_violations(case33_scn):
    g, el = _setup(case33_scn)
    t = pd.RangeIndex(3)
    res = run_timeseries(g, el, pd.DataFrame({"l18": [0.0, -0.1, -0.5]}, index=t))
    assert res.summary["converged"].all()
    v = res.violations
    assert set(v["kind"]) == {"undervoltage"}
    assert ((v["time"] == 0) & (v["element"] == "bus_18")).any()
    assert res.summary["n_voltage_violations"].iloc[0] == (v["time"] == 0).sum()
    assert res.summary["vm_min_pu"].is_monotonic_decreasing
    assert res.summary["losses_mw"].iloc[0] == pytest.approx(0.2027, abs=5e-4)
