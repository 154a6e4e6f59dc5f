import pytest

from network_models import build_grid, format_summary, park_capacity_mva, run_base_case, summarise
from scenarios import from_dict
from vpp.errors import NetworkError


def test_radial_district_structure(radial_scn):
    g = build_grid(radial_scn)
    net = g.net
    # 110 kV + 2 sections + 3 feeder nodes + 1 park LV bus
    assert len(net.bus) == 7
    assert set(g.bus) == {"yh_110kv", "yh_10kv_s1", "yh_10kv_s2", "n1", "n2", "m1", "auto_lv"}
    assert len(net.line) == 3 and len(net.trafo) == 3 and len(net.ext_grid) == 1
    assert g.feeders == {"f1": ["f1_1", "f1_2"], "f2": ["f2_1"]}
    line = net.line.set_index("name")
    assert line.loc["f1_1", "std_type"] == "YJV22-8.7/15-3x300"  # feeder default
    assert line.loc["f1_2", "std_type"] == "YJV22-8.7/15-3x150"  # node override
    assert line.loc["f2_1", "std_type"] == "YJV22-8.7/15-3x240"
    assert line.loc["f1_1", "r_ohm_per_km"] == pytest.approx(0.0601)
    assert line.loc["f1_2", "length_km"] == pytest.approx(0.5)
    assert net.bus.at[line.loc["f1_1", "from_bus"], "name"] == "yh_10kv_s1"
    assert net.bus.at[line.loc["f2_1", "from_bus"], "name"] == "yh_10kv_s2"
    assert net.bus.at[line.loc["f1_2", "to_bus"], "name"] == "n2"
    assert sorted(net.trafo.name) == ["auto_trafo", "yh_t1", "yh_t2"]
    assert g.park_bus == {"auto": g.bus["auto_lv"], "logi": g.bus["m1"]}
    assert g.park_trafo["logi"] is None and g.park_trafo["auto"] is not None
    assert net.trafo.at[g.park_trafo["auto"], "parallel"] == 2
    assert net.bus.at[g.bus["auto_lv"], "vn_kv"] == pytest.approx(0.4)
    assert g.park_feeder == {"auto": "f1", "logi": "f2"}
    assert park_capacity_mva(g, "auto") == pytest.approx(5.0)
    assert park_capacity_mva(g, "logi") is None
    assert (g.vm_min_pu, g.vm_max_pu, g.loading_max_percent) == (0.93, 1.07, 100.0)
    r = run_base_case(g)
    assert r["converged"] and r["n_voltage_violations"] == 0


def test_unknown_buses_reported_together(radial_data):
    d = radial_data
    d["parks"][0]["connection"]["bus"] = "n9"
    d["parks"][1]["connection"]["bus"] = "nowhere"
    with pytest.raises(NetworkError) as ei:
        build_grid(from_dict(d))
    msg = str(ei.value)
    assert "park 'auto'" in msg and "'n9'" in msg
    assert "park 'logi'" in msg and "'nowhere'" in msg
    assert "n1" in msg  # suggestion


def test_unknown_transformer_type(radial_data):
    d = radial_data
    d["parks"][0]["connection"]["transformer_type"] = "S11-9999/10"
    with pytest.raises(NetworkError, match=r"park 'auto'.*S11-9999/10.*S13-M-2500/10"):
        build_grid(from_dict(d))


def test_unknown_cable_type_and_duplicate_bus(radial_data):
    d = radial_data
    d["network"]["feeders"][0]["nodes"][0]["cable_type"] = "YJV-bogus"
    d["network"]["feeders"][1]["nodes"][0]["bus"] = "n1"
    with pytest.raises(NetworkError) as ei:
        build_grid(from_dict(d))
    assert "YJV-bogus" in str(ei.value) and "bus 'n1'" in str(ei.value)


def test_case33bw_names_and_base_case(case33_scn):
    g = build_grid(case33_scn)
    net = g.net
    assert list(net.bus.name[:3]) == ["bus_1", "bus_2", "bus_3"] and net.bus.name.iloc[-1] == "bus_33"
    assert len(net.load) == 32 and net.load.name.iloc[0] == "base_load_bus_2"
    assert g.park_bus["p18"] == g.bus["bus_18"] == 17
    r = run_base_case(g)
    assert r["converged"]
    assert r["losses_mw"] * 1000 == pytest.approx(202.7, abs=0.5)
    assert r["vm_min_pu"] == pytest.approx(0.9131, abs=0.001)
    assert r["vm_min_bus"] == "bus_18"


def test_pandapower_json(tmp_path, case33_scn):
    import pandapower as pp

    g = build_grid(case33_scn)
    path = tmp_path / "net.json"
    pp.to_json(g.net, str(path))
    d = {"name": "js", "network": {"kind": "pandapower_json", "path": str(path)},
         "parks": [{"name": "p", "connection": {"bus": "bus_5", "transformer_type": "SCB13-1000/10"},
                    "assets": [{"kind": "pv", "name": "pv", "p_mwp": 0.5}]}]}
    g2 = build_grid(from_dict(d))
    assert "p_lv" in g2.bus and len(g2.net.bus) == 34
    # a 10 kV type on the 12.66 kV feeder is re-rated to the bus voltage -> LV near 1 pu
    assert g2.net.trafo.at[g2.park_trafo["p"], "vn_hv_kv"] == pytest.approx(12.66)
    r = run_base_case(g2)
    assert abs(r["vm_max_pu"] - 1.0) < 0.01 or r["vm_max_bus"] == "bus_1"
    # unnamed buses are refused
    g.net.bus.loc[3, "name"] = None
    pp.to_json(g.net, str(path))
    with pytest.raises(NetworkError, match="no string name"):
        build_grid(from_dict(d))


def test_summary(radial_scn):
    g = build_grid(radial_scn)
    n_load_before = len(g.net.load)
    s = summarise(g, radial_scn)
    assert len(g.net.load) == n_load_before  # works on a copy
    assert (s["n_buses"], s["n_lines"], s["n_trafos"], s["n_feeders"]) == (7, 3, 3, 2)
    f1 = s["feeders"][0]
    assert f1["length_km"] == pytest.approx(1.5) and f1["parks"] == ["auto"]
    assert f1["cable_types"] == ["YJV22-8.7/15-3x150", "YJV22-8.7/15-3x300"]
    auto = s["parks"][0]
    assert auto["capacity_mva"] == pytest.approx(5.0) and auto["p_peak_mw"] == pytest.approx(1.0)
    pc = s["peak_case"]
    assert pc["converged"] and pc["p_load_mw"] == pytest.approx(3.0)
    assert pc["p_ext_grid_mw"] == pytest.approx(3.0 + pc["losses_mw"], abs=1e-6)
    txt = format_summary(s)
    assert "f1" in txt and "2 x S13-M-2500/10" in txt and "losses" in txt


@pytest.mark.parametrize("name", ["yuhua_district", "single_park", "ieee33_parks", "grid_stress"])
def test_connection_capacity_without_a_grid_equals_the_built_grid(name):
    from network_models.ratings import connection_capacity_mva
    from scenarios import load

    scn = load(name)
    grid = build_grid(scn)
    expected = {p.name: park_capacity_mva(grid, p.name) for p in scn.parks}
    assert connection_capacity_mva(scn) == expected


def test_evaluation_runs_without_importing_pandapower():
    # the dispatch of an evaluation needs no grid; its AC check of every step (on by default) builds the
    # pandapower net, so this holds with ac=False (--no-ac)
    import subprocess
    import sys

    code = ("import sys; from scenarios import load; from vpp.evaluation.year import evaluate; "
            "evaluate(load('single_park'), year=2025, days=2, dr=False, ac=False); "
            "print(any(m == 'pandapower' or m.startswith('pandapower.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_network_without_external_grid_is_refused(tmp_path, case33_scn):
    import pandapower as pp

    g = build_grid(case33_scn)
    g.net.ext_grid.drop(g.net.ext_grid.index, inplace=True)
    path = tmp_path / "island.json"
    pp.to_json(g.net, str(path))
    d = {"name": "js", "network": {"kind": "pandapower_json", "path": str(path)},
         "parks": [{"name": "p", "connection": {"bus": "bus_5"}, "assets": [{"kind": "pv", "name": "pv", "p_mwp": 0.5}]}]}
    with pytest.raises(NetworkError, match="no external grid \\(slack bus\\) in service"):
        build_grid(from_dict(d))


def test_a_step_without_power_flow_solution_counts_as_a_violation():
    import numpy as np
    import pandas as pd

    from network_models.powerflow import ACResult, SUMMARY_COLUMNS

    idx = pd.date_range("2025-07-22", periods=3, freq="15min", tz="Asia/Shanghai")
    names = type("R", (), {"bus_names": ["b"], "line_names": [], "trafo_names": []})()
    summ = np.full((3, len(SUMMARY_COLUMNS) - 1), np.nan)
    empty = pd.DataFrame(columns=["time", "element", "kind", "value", "limit"])
    ac = ACResult.from_arrays(idx, np.array([True, False, False]), summ, names, np.ones((3, 1)),
                              np.zeros((3, 0)), np.zeros((3, 0)), empty)
    assert ac.n_not_converged == 2
    assert list(ac.violations["kind"]) == ["not_converged", "not_converged"]
    assert list(ac.violations["time"]) == list(idx[1:])
