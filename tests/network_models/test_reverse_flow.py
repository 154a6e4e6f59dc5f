"""Reverse-flow hours/energy and open capacity by hand; element flows and their signs on a small grid."""

import numpy as np
import pandas as pd
import pytest

from network_models import attach_assets, build_grid
from network_models.batch import run_timeseries_batch
from network_models.open_capacity import hourly_mean, open_capacity
from network_models.reverse_flow import element_flows, element_meta, reverse_flow

IDX = pd.date_range("2025-07-22", periods=192, freq="15min", tz="Asia/Shanghai")  # two days


def test_reverse_flow_by_hand_two_days():
    """Park A exports 0.5 MW for 6 steps of 15 min: 1.5 h and 0.75 MWh; park B never; noise below 1 kW ignored."""
    a = np.full(192, 1.0)
    a[50:56] = -0.5  # net import < 0: export of 0.5 MW
    b = np.full(192, 2.0)
    b[10] = -0.0005  # 0.5 kW below zero: numerical noise, not reverse flow
    p = pd.DataFrame({"A": a, "B": b}, index=IDX)
    r = reverse_flow(p, 0.25)
    assert r.at["A", "reverse_hours_h"] == pytest.approx(1.5)
    assert r.at["A", "reverse_energy_mwh"] == pytest.approx(0.75)
    assert r.at["A", "reverse_p_max_mw"] == pytest.approx(0.5)
    assert pd.Timestamp(r.at["A", "reverse_p_max_time"]) == IDX[50]
    assert r.at["B", "reverse_hours_h"] == 0.0 and pd.isna(r.at["B", "reverse_p_max_time"])
    assert r.at["B", "reverse_energy_mwh"] == pytest.approx(0.0005 * 0.25)  # energy counts every negative value
    # weights (days of the year a typical day stands for): the second day weighs 3
    w = np.r_[np.ones(96), np.full(96, 3.0)]
    a2 = np.full(192, 1.0)
    a2[[10, 100]] = -1.0  # one step on each day
    r2 = reverse_flow(pd.DataFrame({"A": a2}, index=IDX), 0.25, w)
    assert r2.at["A", "reverse_hours_h"] == pytest.approx(0.25 * 1 + 0.25 * 3)
    assert r2.at["A", "reverse_energy_mwh"] == pytest.approx(1.0 * 0.25 * 4)


def test_open_capacity_one_transformer_by_hand():
    """10 MVA transformer, allowed loading 80 %: two hours of 15-min values.

    hour 0: S = 4, 6, 5, 5 MVA (mean 5), P = 4.5 MW forward -> worst coincident load 5 MVA, open 8 − 5 = 3 MVA;
    hour 1: P = −1 MW (reverse), S = 7 MVA (reverse, so not a load-direction hour) -> open_gen = 8 + (−1) = 7 MW.
    """
    idx = IDX[:8]
    s = pd.DataFrame({"T": [4, 6, 5, 5, 7, 7, 7, 7]}, index=idx, dtype=float)
    p = pd.DataFrame({"T": [4, 5, 4.5, 4.5, -1, -1, -1, -1]}, index=idx, dtype=float)
    oc = open_capacity(p, s, pd.Series({"T": 10.0}), 0.8)
    r = oc.loc["T"]
    assert r["allowed_mva"] == pytest.approx(8.0)
    assert r["s_load_max_mva"] == pytest.approx(5.0)
    assert pd.Timestamp(r["s_load_max_time"]) == idx[0]
    assert r["open_load_mva"] == pytest.approx(3.0)
    assert r["p_min_mw"] == pytest.approx(-1.0) and pd.Timestamp(r["p_min_time"]) == idx[4]
    assert r["open_gen_mw"] == pytest.approx(7.0)
    # the hourly mean, not the 15-min peak (6 MVA), sets the load figure
    assert hourly_mean(s)["T"].tolist() == [5.0, 7.0]
    # no reverse hour: the minimum coincident load adds to the generation margin
    oc2 = open_capacity(p.clip(lower=0.5), s, pd.Series({"T": 10.0}), 1.0)
    assert oc2.at["T", "open_gen_mw"] == pytest.approx(10.0 + 0.5)
    assert oc2.at["T", "s_load_max_mva"] == pytest.approx(7.0)  # hour 1 is now forward
    # elements without a rating are left out
    assert list(open_capacity(p, s, pd.Series({"T": np.nan}), 1.0).index) == []


def test_element_flows_signs_on_radial_grid(radial_scn):
    """PV of park 'auto' exporting with no load: the park transformer, feeder f1, substation section 1 and the
    110 kV exchange all carry reverse flow (forward P < 0) of about 2 MW minus losses; feeder f2 imports."""
    g = build_grid(radial_scn)
    el = attach_assets(g, radial_scn)
    idx = IDX[:2]
    p = pd.DataFrame({"auto_load": [0.0, -1.0], "auto_pv": [2.0, 0.0], "logi_load": [-1.0, -1.0]}, index=idx)
    ac = run_timeseries_batch(g, el, p)
    imp = pd.DataFrame({"auto": [-2.0, 1.0], "logi": [1.0, 1.0]}, index=idx)
    meta = element_meta(g)
    P, S = element_flows(g, ac, imp, meta)
    types = dict(zip(meta["element"], meta["type"]))
    assert types["f1"] == "feeder" and types["auto_trafo"] == "park_trafo" and types["yh_t1"] == "substation_trafo"
    assert types["auto"] == "park" and types["substation"] == "substation"
    row0 = P.iloc[0]
    for e in ("auto_trafo", "f1", "yh_t1"):
        assert -2.0 < row0[e] < -1.9, e  # 2 MW back, less the losses on the way
    assert row0["f2"] > 1.0 and row0["auto"] == -2.0
    assert row0["substation"] == pytest.approx(-2.0 + 1.0 + ac.summary["losses_mw"].iloc[0], abs=1e-9)
    assert P.iloc[1]["f1"] > 0.99
    # apparent power of the feeder head from its loading: √3 · 10 kV · I_max · loading
    line = g.net.line[g.net.line["name"] == "f1_1"].iloc[0]
    rating = np.sqrt(3) * 10.0 * line["max_i_ka"]
    assert meta.set_index("element").at["f1", "rating_mva"] == pytest.approx(rating)
    assert S.iloc[0]["f1"] == pytest.approx(ac.line_loading_percent["f1_1"].iloc[0] / 100 * rating)
    rf = reverse_flow(P, 0.25)
    assert rf.at["f1", "reverse_hours_h"] == 0.25 and rf.at["f2", "reverse_hours_h"] == 0.0
    assert rf.at["auto", "reverse_energy_mwh"] == pytest.approx(0.5)


def test_case33bw_feeder_head_without_a_real_rating(case33_scn):
    """case33bw: the feeder head is line_1 from the slack bus; its 99999 kA placeholder is no rating."""
    g = build_grid(case33_scn)
    meta = element_meta(g).set_index("element")
    assert meta.at["line_1", "type"] == "feeder" and meta.at["line_1", "branch"] == "line_1"
    assert meta.loc[meta["type"] == "feeder"].index.tolist() == ["line_1"]
    assert pd.isna(meta.at["line_1", "rating_mva"])
    g_el = attach_assets(g, case33_scn)
    ac = run_timeseries_batch(g, g_el, pd.DataFrame({"l18": [-0.1]}, index=IDX[:1]))
    P, S = element_flows(g, ac, None)
    assert P.at[IDX[0], "line_1"] == pytest.approx(ac.summary["p_ext_grid_mw"].iloc[0], abs=1e-9)  # all through line_1
    assert S["line_1"].isna().all()
    assert open_capacity(P, S, element_meta(g).set_index("element")["rating_mva"], 1.0).empty
