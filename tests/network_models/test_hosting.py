"""Hosting capacity: a hand-checkable single cable whose thermal limit binds."""

import math

import numpy as np
import pandas as pd
import pandapower as pp
import pytest
from click.testing import CliRunner

from network_models import apply_injections, attach_assets, build_grid
from network_models.hosting import TOL_MW, hosting_capacity
from scenarios import from_dict

I_MAX_KA = 0.2  # YJV22-8.7/15-3x70 (network_models/data/cn_std_types.yaml)
TAN = math.tan(math.acos(0.95))


def _scn():
    return from_dict({
        "name": "one_cable",
        "network": {"kind": "radial_district", "substation": {"n_transformers": 1},
                    "feeders": [{"name": "f1", "cable_type": "YJV22-8.7/15-3x70",
                                 "nodes": [{"bus": "p_bus", "length_km": 1.0}]}]},
        "parks": [{"name": "plant", "connection": {"bus": "p_bus"}, "assets": [
            {"kind": "fixed_load", "name": "base", "archetype": "data_centre", "p_peak_mw": 1.0},
            {"kind": "interruptible_load", "name": "cut", "archetype": "data_centre", "p_peak_mw": 0.4,
             "p_curtail_max_mw": 0.3},
            {"kind": "battery", "name": "bess", "p_max_mw": 0.5, "e_max_mwh": 1.0},
            {"kind": "pv", "name": "pv", "p_mwp": 0.22, "dc_ac_ratio": 1.1},
        ]}],
    })


def _flow(scn, inj: dict, extra_load_mw: float):
    """pandapower power flow with the assets at ``inj`` and an extra pf-0.95 load at p_bus."""
    g = build_grid(scn)
    el = attach_assets(g, scn)
    apply_injections(g, el, inj)
    pp.create_load(g.net, g.bus["p_bus"], p_mw=extra_load_mw, q_mvar=extra_load_mw * TAN)
    pp.runpp(g.net, numba=False)
    line = g.net.res_line.iloc[0]
    return float(g.net.res_bus.vm_pu[g.bus["p_bus"]]), float(line.loading_percent), float(line.i_to_ka)


@pytest.fixture(scope="module")
def hosting():
    return hosting_capacity(_scn())["parks"][0]


def test_load_hosting_is_cable_limit_minus_existing_load(hosting):
    h = hosting
    assert h["load_binding"]["element"] == "f1_1" and h["load_binding"]["kind"] == "overload"
    peak = {"base": -1.0, "cut": -0.4, "bess": 0.0, "pv": 0.0}
    v_pu, loading, i_to = _flow(_scn(), peak, h["load_mw"])
    # hand formula: all load at cos phi 0.95, cable current at the load end I = S / (sqrt(3) V)
    # -> P_total = sqrt(3) * V * I_max * 0.95, hosting = P_total - 1.4 MW existing
    x_hand = math.sqrt(3) * v_pu * 10.0 * I_MAX_KA * 0.95 - 1.4
    assert 1.9 < x_hand < 2.2  # ~3.4 MW of cable capacity at ~1.04 pu
    assert h["load_mw"] <= x_hand + 1e-3 <= h["load_mw"] + TOL_MW + 2e-3
    assert loading <= 100.0 and i_to == pytest.approx(loading / 100 * I_MAX_KA, rel=1e-6)
    assert _flow(_scn(), peak, h["load_mw"] + TOL_MW)[1] > 100.0


def test_released_capacity_by_battery_and_curtailment(hosting):
    h = hosting
    assert h["flex_mw"] == pytest.approx(0.5 + 0.3)
    assert h["load_flex_binding"]["element"] == "f1_1"
    # at least the battery's p_max is released when the cable binds (within tolerance)
    assert h["released_mw"] >= 0.5 - TOL_MW
    # hand formula: loads L = 1.1 + x' at pf 0.95, battery -0.5 at unity pf, |S| = sqrt(3) V I_max
    flex = {"base": -1.0, "cut": -0.1, "bess": 0.5, "pv": 0.0}
    v_pu = _flow(_scn(), flex, h["load_flex_mw"])[0]
    s_max = math.sqrt(3) * v_pu * 10.0 * I_MAX_KA
    # (L - 0.5)^2 + (L tan)^2 = s_max^2  ->  (1 + tan^2) L^2 - L + 0.25 - s_max^2 = 0
    a, b, c = 1 + TAN**2, -1.0, 0.25 - s_max**2
    load_hand = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    x_hand = load_hand - 1.1
    assert h["load_flex_mw"] <= x_hand + 1e-3 <= h["load_flex_mw"] + TOL_MW + 2e-3
    # the unity-pf discharge releases about 0.5 cos^2(phi) of pf-0.95 load, curtailment 0.3 one to one
    assert h["released_mw"] == pytest.approx(0.5 * 0.95**2 + 0.3, abs=2 * TOL_MW)


def test_pv_hosting_on_min_load_snapshot(hosting):
    h = hosting
    # snapshot: loads at the data-centre shape minimum, PV at 0.2 MW AC; reverse flow through the cable
    assert h["pv_binding"]["element"] == "f1_1"
    from vpp.domain import load_shape

    m = float(np.min(load_shape("data_centre")))
    g = build_grid(_scn())
    el = attach_assets(g, _scn())
    apply_injections(g, el, {"base": -1.0 * m, "cut": -0.4 * m, "bess": 0.0, "pv": 0.2})
    sg = pp.create_sgen(g.net, g.bus["p_bus"], p_mw=h["pv_mw"])
    pp.runpp(g.net, numba=False)
    assert g.net.res_line.loading_percent.iloc[0] <= 100.0
    g.net.sgen.at[sg, "p_mw"] = h["pv_mw"] + TOL_MW
    pp.runpp(g.net, numba=False)
    assert g.net.res_line.loading_percent.iloc[0] > 100.0
    # rough hand value: net export ~ S_max (load Q small) -> PV ~ 3.6 + 1.4 m - 0.2
    assert h["pv_mw"] == pytest.approx(math.sqrt(3) * 10.4 * I_MAX_KA + 1.4 * m - 0.2, abs=0.25)


def test_engines_agree_and_cli(tmp_path):
    a = hosting_capacity(_scn(), engine="pandapower")["parks"][0]
    b = hosting_capacity(_scn(), engine="power_grid_model")["parks"][0]
    for k in ("load_mw", "pv_mw", "load_flex_mw"):
        assert abs(a[k] - b[k]) <= TOL_MW
    from cli import main

    r = CliRunner().invoke(main, ["network", "single_park", "--hosting"])
    assert r.exit_code == 0, r.output
    assert "factory" in r.output and "factory_trafo overload" in r.output
    r = CliRunner().invoke(main, ["network", "single_park", "--hosting", "--json"])
    import json

    d = json.loads(r.output)
    p = d["parks"][0]
    assert p["probe_bus"] == "factory_lv" and p["load_mw"] > 0 and p["released_mw"] > 0


PEAK = {"base": -1.0, "cut": -0.4, "bess": 0.0, "pv": 0.0}


def test_year_cases_take_the_smallest_candidate(hosting):
    """Given candidate steps, each case is bisected on every candidate and the smallest hosting binds: the
    peak step gives exactly the snapshot's load hosting; a lighter step (0.5 MW less) hosts ~0.5 MW more."""
    cases = {"plant": {
        "load": [("light", {**PEAK, "base": -0.5}), ("peak", PEAK)],
        "pv": [("night", {**PEAK, "base": -0.8}), ("noon", {"base": -0.1, "cut": 0.0, "bess": 0.0, "pv": 0.2})],
    }}
    y = hosting_capacity(_scn(), cases=cases, cases_note="by hand")
    assert y["cases"] == "year" and y["cases_note"] == "by hand"
    p = y["parks"][0]
    assert p["load_time"] == "peak" and p["load_candidates"] == 2
    assert p["load_mw"] == pytest.approx(hosting["load_mw"], abs=1e-9)  # same base case as the snapshot
    assert p["load_flex_mw"] == pytest.approx(hosting["load_flex_mw"], abs=1e-9)
    assert p["pv_time"] == "noon"  # the PV surplus step binds, not the loaded night
    light = hosting_capacity(_scn(), cases={"plant": {"load": [cases["plant"]["load"][0]], "pv": cases["plant"]["pv"]}})
    assert light["parks"][0]["load_mw"] - p["load_mw"] == pytest.approx(0.5, abs=2 * TOL_MW)
    from vpp.errors import NetworkError

    with pytest.raises(NetworkError, match="park 'plant' needs at least one 'load' and one 'pv'"):
        hosting_capacity(_scn(), cases={"plant": {"load": cases["plant"]["load"]}})


def test_year_cases_from_the_profiles_year(tmp_path):
    """The year cases are real steps of the no-control year: the park's load candidate includes the step of
    its maximum net import, its PV candidate the step of its maximum export."""
    from scenarios import load
    from vpp.evaluation.hosting_year import rule_injections, year_cases, year_scenario
    from vpp.profiles import build_profiles

    scn = load("single_park")
    cases, note = year_cases(scn, 2025)
    assert "35,040 steps of 2025" in note and "0 steps not converged" in note
    ys = year_scenario(scn, 2025)
    P = rule_injections(ys, build_profiles(ys))
    net = -P.sum(axis=1)
    park = scn.parks[0].name
    labels_load = [lab for lab, _ in cases[park]["load"]]
    labels_pv = [lab for lab, _ in cases[park]["pv"]]
    assert str(net.idxmax()) in labels_load and str(net.idxmin()) in labels_pv
    lab, inj = cases[park]["load"][0]
    assert inj == pytest.approx(P.loc[pd.Timestamp(lab)].to_dict())
    from cli import main

    r = CliRunner().invoke(main, ["network", "single_park", "--hosting", "--year", "2025"])
    assert r.exit_code == 0, r.output
    assert "cases from the year (35,040 steps of 2025" in r.output
    r = CliRunner().invoke(main, ["network", "single_park", "--hosting", "--hosting-cases", "snapshot"])
    assert r.exit_code == 0 and "snapshots: extra load" in r.output


def test_auto_falls_back_to_snapshots_without_a_year_of_profiles(monkeypatch, hosting):
    import vpp.evaluation.hosting_year as hy
    from vpp.errors import VppError

    def no_year(scn, year=None):
        raise VppError("measured profile 'x.csv' covers 2025-03-01..2025-05-31 only")

    monkeypatch.setattr(hy, "year_cases", no_year)
    d = hy.hosting(_scn())  # auto
    assert d["cases"] == "snapshot" and "covers 2025-03-01..2025-05-31 only" in d["cases_note"]
    assert d["parks"][0]["load_mw"] == hosting["load_mw"]
    with pytest.raises(VppError, match="covers"):
        hy.hosting(_scn(), cases="year")
    with pytest.raises(VppError, match="unknown hosting cases 'bogus'"):
        hy.hosting(_scn(), cases="bogus")


def test_year_rule_draws_the_data_centre_and_the_dc_building():
    """The no-control rule of the year hosting cases: a data centre draws IT × PUE(T) (by hand from its inputs),
    a DC-bus building exchanges DC PV − DC load through its converter (0.97 each way)."""
    from pathlib import Path

    import numpy as np

    from scenarios import load
    from vpp.evaluation.hosting_year import rule_injections
    from vpp.profiles import build_profiles

    scn = load(Path(__file__).parents[1] / "vpp" / "scenarios" / "dc_park.yaml")
    prof = build_profiles(scn)
    P = rule_injections(scn, prof)
    x = prof.inputs["idc"]
    it, t = x["p_it_mw"].to_numpy(), x["t_out_c"].to_numpy()
    pue = np.minimum(1.40, 1.20 + 0.0075 * np.maximum(0.0, t - 10.0))
    assert P["idc"].to_numpy() == pytest.approx(-it * pue, rel=1e-12)
    assert (P["idc"] < -1.0).all()  # a 2 MW IT load never vanishes from the rule
    y = prof.inputs["pedf_office"]
    dc = y["p_pv_dc_mw"].to_numpy() - y["p_load_dc_mw"].to_numpy()
    assert P["pedf_office"].to_numpy() == pytest.approx(np.where(dc > 0, dc * 0.97, dc / 0.97), rel=1e-12)
