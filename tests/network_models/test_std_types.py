import pandapower as pp
import pytest
import yaml

from network_models.std_types import DATA_FILE, cn_std_type_table, register_cn_std_types


def test_register_cable_types():
    net = pp.create_empty_network()
    register_cn_std_types(net)
    st = pp.load_std_type(net, "YJV22-8.7/15-3x300", "line")
    assert st["r_ohm_per_km"] == pytest.approx(0.0601)
    assert st["x_ohm_per_km"] == pytest.approx(0.09)
    assert st["c_nf_per_km"] == pytest.approx(407)
    assert st["max_i_ka"] == pytest.approx(0.44)
    assert st["type"] == "cs"
    assert "source" not in st and "confidence" not in st
    for q in (70, 95, 120, 150, 185, 240, 300, 400):
        assert pp.std_type_exists(net, f"YJV22-8.7/15-3x{q}", "line")
    assert pp.load_std_type(net, "JKLYJ-10/150", "line")["type"] == "ol"


def test_register_trafo_types_match_domain_yaml():
    net = pp.create_empty_network()
    register_cn_std_types(net)
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))["trafo"]
    assert len(data) == 9 + 8 + 1
    for name, d in data.items():
        st = pp.load_std_type(net, name, "trafo")
        assert st["vkr_percent"] == pytest.approx(d["vkr_percent"])
        assert st["pfe_kw"] == pytest.approx(d["pfe_kw"])
    s13 = pp.load_std_type(net, "S13-M-2500/10", "trafo")
    assert (s13["sn_mva"], s13["vn_hv_kv"], s13["vn_lv_kv"]) == (2.5, 10.0, 0.4)
    assert s13["vkr_percent"] == pytest.approx(21.2 / 2500 * 100, abs=0.001)  # Pk / Sn
    assert s13["pfe_kw"] == pytest.approx(1.6)
    assert pp.load_std_type(net, "SCB13-1600/10", "trafo")["pfe_kw"] == pytest.approx(1.72)
    sz = pp.load_std_type(net, "SZ11-50000/110", "trafo")
    assert (sz["sn_mva"], sz["vk_percent"], sz["vkr_percent"], sz["pfe_kw"]) == (50, 10.5, 0.388, 35.0)


def test_table_has_sources():
    t = cn_std_type_table()
    assert set(t["element"]) == {"line", "trafo"}
    assert t["source"].str.len().min() > 0 and t["confidence"].str.len().min() > 0
    row = t.set_index("name").loc["YJV22-8.7/15-3x300"]
    assert row["r_ohm_per_km"] == pytest.approx(0.0601)
    assert "S_IEC60228" in row["source"]
    assert t.set_index("name").loc["SCB13-400/10", "confidence"] == "L"
