"""Network constraints in the LP with hand-made coefficient rows: every number worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimization import build_model, solve
from optimization.network import LinearRows, add_network_constraints, reactive_results
from optimization.results import extract
from scenarios.schema import PV, Battery, EVCharging, FixedLoad
from tests.optimization.helpers import make_data, sessions


def rows(T, v=None, f=None):
    """LinearRows for park 'p': v = (const, cp, cq, vmin, vmax) per step; f = (fp_cp, f_rate) per step."""
    z = np.zeros((0, 1))
    e = np.zeros(0)
    d = dict(injections=["p"], v_label=e, v_t=e, v_const=e, v_cp=z, v_cq=z, v_min=e, v_max=e, f_label=e, f_t=e,
             fp_const=e, fp_cp=z, fp_cq=z, fq_const=e, fq_cp=z, fq_cq=z, fv_const=e, fv_cp=z, fv_cq=z, f_rate=e)
    if v:
        c, cp, cq, lo, hi = v
        d.update(v_label=np.array(["bus"] * T), v_t=np.arange(T), v_const=np.full(T, c), v_cp=np.full((T, 1), cp),
                 v_cq=np.full((T, 1), cq), v_min=np.full(T, lo), v_max=np.full(T, hi))
    if f:
        fp, rate = f
        d.update(f_label=np.array(["cable"] * T), f_t=np.arange(T), fp_const=np.zeros(T), fp_cp=np.full((T, 1), fp),
                 fp_cq=np.zeros((T, 1)), fq_const=np.zeros(T), fq_cp=np.zeros((T, 1)), fq_cq=np.zeros((T, 1)),
                 fv_const=np.ones(T), fv_cp=np.zeros((T, 1)), fv_cq=np.zeros((T, 1)), f_rate=np.full(T, rate))
    return LinearRows(**d)


def ev_case():
    # one 8 MWh session plugged 2 h, up to 8 MW; prices 100 then 500 CNY/MWh -> unconstrained: all at t0
    ev = EVCharging(kind="ev_charging", name="ev", n_chargers=1, p_charger_mw=8.0, model="sessions")
    return make_data([100.0, 500.0], [(ev, {"sessions": sessions([(0, 2, 8.0, 8.0)])})])


def test_voltage_row_caps_import():
    # V = 1.0 + 0.01 pu/MW * P, P = export - import; vm_min 0.95 -> import <= 5 MW.
    # EV needs 8 MWh: 5 MWh at 100 + 3 MWh at 500 = 2000 CNY (unconstrained 800 CNY)
    dm = build_model(ev_case())
    assert solve(dm).objective_cny == pytest.approx(800.0, abs=1e-6)
    add_network_constraints(dm, rows(2, v=(1.0, 0.01, 0.0, 0.95, 1.05)))
    info = solve(dm)
    assert info.objective_cny == pytest.approx(2000.0, abs=1e-6)
    r = extract(dm, info)
    assert r.parks.p_import_mw.tolist() == pytest.approx([5.0, 3.0], abs=1e-7)
    assert r.total_cost_cny == pytest.approx(2000.0, abs=1e-6)


def test_flow_polygon_caps_import_at_inscribed_rating():
    # flow into the cable at the busbar Pf = -P = import; |S| <= 4 MVA/pu * V (V = 1): inscribed
    # 16-gon -> import <= 4 cos(pi/16) = 3.9231 MW in both steps; 8 - 2 * 3.9231 = 0.1538 MWh stays
    # unmet (20000 CNY/MWh, cheaper than the flow slack's 1e5 CNY/MVA per step)
    dm = build_model(ev_case())
    add_network_constraints(dm, rows(2, f=(-1.0, 4.0)))
    r = extract(dm, solve(dm))
    cap = 4.0 * math.cos(math.pi / 16)
    assert r.parks.p_import_mw.tolist() == pytest.approx([cap, cap], abs=1e-6)
    unmet = r.assets.e_unmet_mwh.sum()
    assert unmet == pytest.approx(8.0 - 2 * cap, abs=1e-6)


def pv_case(q_control):
    # PV 0.6 MW available, inverter 1 MVA; export price 300; V = 1 + 0.1 P + 0.1 Q <= 1.0 needs Q <= -P
    pv = PV(kind="pv", name="pv", p_mwp=1.0, s_max_mva=1.0)
    data = make_data([0.0], [(pv, {"p_available_mw": np.array([0.6])})], export=[300.0])
    dm = build_model(data)
    add_network_constraints(dm, rows(1, v=(1.0, 0.1, 0.1, 0.9, 1.0)), q_control=q_control)
    return dm, solve(dm)


def test_inverter_absorbs_q_to_export():
    # with reactive control: p = 0.6, q = -0.6 (|S| = 0.85 <= 1); revenue 180 CNY, minus |q| cost 0.6 CNY
    dm, info = pv_case(True)
    r = extract(dm, info)
    assert r.parks.p_export_mw.iloc[0] == pytest.approx(0.6, abs=1e-7)
    assert reactive_results(dm)["pv"][0] == pytest.approx(-0.6, abs=1e-7)
    assert info.objective_cny == pytest.approx(-180.0 + 0.6, abs=1e-6)
    # without: Q = 0 -> P <= 0, the PV is curtailed completely
    dm, info = pv_case(False)
    assert extract(dm, info).parks.p_export_mw.iloc[0] == pytest.approx(0.0, abs=1e-7)


def test_inverter_capability_polygon():
    # PV 0.9 MW available, inverter 1 MVA, V = 1 + 0.1 Q <= 0.9 needs Q <= -1: the face at 270 deg
    # (q >= -1) binds, so q = -1, and the neighbouring face limits P (circumscribed 16-gon)
    pv = PV(kind="pv", name="pv", p_mwp=1.0, s_max_mva=1.0)
    data = make_data([0.0], [(pv, {"p_available_mw": np.array([0.9])})], export=[300.0])
    dm = build_model(data)
    add_network_constraints(dm, rows(1, v=(1.0, 0.0, 0.1, 0.0, 0.9)))
    info = solve(dm)
    q = reactive_results(dm)["pv"][0]
    assert q == pytest.approx(-1.0, abs=1e-7)
    # V = 1 - 0.1 = 0.9 exactly, no slack needed
    assert dm.m.network.s_v_pu[0].value == pytest.approx(0.0, abs=1e-9)
    # at q = -1 the face at 292.5 deg: p cos(292.5) + (-1) sin(292.5) <= 1 -> p <= (1 - 0.9239) / 0.3827 = 0.1989
    p = extract(dm, info).parks.p_export_mw.iloc[0]
    th = math.radians(292.5)
    assert p == pytest.approx((1 + math.sin(th)) / math.cos(th), abs=1e-6)
    assert p == pytest.approx(0.1989, abs=1e-4)


def test_park_power_factor_limit():
    # load 1 MW at cos_phi 0.8 draws 0.75 MVAr; pf_min 0.95 allows |Q| <= tan(acos 0.95) * 1 = 0.3287:
    # the idle battery converter injects q = 0.75 - 0.3287 = 0.4213 MVAr (the least, |q| costs)
    load = FixedLoad(kind="fixed_load", name="l", archetype="data_centre", p_peak_mw=1.0, cos_phi=0.8)
    bat = Battery(kind="battery", name="b", p_max_mw=1.0, e_max_mwh=1.0, soc_min=0, soc_max=1, soc_init=0.5)
    data = make_data([100.0], [(load, {"p_load_mw": np.array([1.0])}), (bat, None)])
    dm = build_model(data)
    add_network_constraints(dm, None, pf_min={"p": 0.95})
    solve(dm)
    q = reactive_results(dm)["b"][0]
    p_imp = dm.m.p_import_mw["p", 0].value
    assert q == pytest.approx(0.75 - math.tan(math.acos(0.95)) * p_imp, abs=1e-6)
    assert 0.40 < q < 0.45
