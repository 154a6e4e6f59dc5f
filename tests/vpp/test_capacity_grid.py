"""Grid limits of `vpp capacity` on scenarios/grid_stress.yaml (depot park, 1 h windows at night).

Hand-checkable facts: the depot's 3x70 spur f01_2 is rated ~3.5 MVA (200 A at 10 kV); the depot alone can
draw 2 × 2.5 MVA × 0.95 = 4.75 MW, so holding its full valley-filling capacity overloads f01_2 unless the
linearised feeder rows limit it. Every summary row (window × direction × duration) is AC-checked.
"""

import re

import pytest

from scenarios import load
from vpp.capacity_study.study import format_summary, make_settings, run_capacity

WINDOWS = "00:00-01:00,01:00-02:00,23:00-24:00"


def _run(mode: str):
    scn = load("grid_stress")
    scn = scn.model_copy(update={"network_constraints": scn.network_constraints.model_copy(update={"mode": mode})})
    st = make_settings(scn, park="depot", durations_h=(1.0,), jobs=1, samples=1, windows=WINDOWS, best_hour_days=0)
    return run_capacity(scn, st)


@pytest.fixture(scope="module")
def both():
    return _run("none"), _run("linear")


def _up(res):
    s = res.summary
    return s[(s.park == "depot") & (s.direction == "up")].set_index("window")


def _loading(worst: str) -> float:
    m = re.search(r"overload ([0-9.]+) %", worst)
    return float(m.group(1)) if m else 0.0


def test_unconstrained_up_window_breaks_the_grid(both):
    none, _ = both
    up = _up(none)
    r = up.loc["23:00-24:00"]  # the depot can add 4 MW in the last hour (its buses charge after midnight)
    assert r.ac_violations > 0
    assert r.ac_worst.startswith("f01_2 overload")
    assert _loading(r.ac_worst) > 110.0  # far over the 100 % limit
    assert r.ac_start_hour == 23.0 and none.meta["ac_day"] == "2025-07-22"
    assert "park connection" in none.meta["grid_limits"]
    text = format_summary(none.summary, none.meta)
    assert "*" in text and "f01_2 overload" in text
    # the up capacity cannot exceed the connection limit 4.75 MW minus the normal import
    assert 0 < r.r_p50_mw <= 4.75
    # after midnight the buses charge at a flat valley price: the smooth normal schedule spreads that charging
    # over the valley hours (~1.8 MW below the connection limit at 01:00), so ~2.9 MW can be added up to the
    # connection limit, and holding it overloads the spur far more (140 %) than at 23:00
    r1 = up.loc["01:00-02:00"]
    assert 2.5 < r1.r_p50_mw <= 4.75
    assert r1.ac_violations > 0 and _loading(r1.ac_worst) > _loading(r.ac_worst)


def test_linear_limits_reduce_capacity_and_violations(both):
    none, lin = both
    u0, u1 = _up(none), _up(lin)
    assert lin.meta["grid_limits"] == "linearised feeder limits + connection limits"
    r0, r1 = u0.loc["23:00-24:00"], u1.loc["23:00-24:00"]
    assert r1.r_p50_mw < r0.r_p50_mw - 0.1  # the spur, not the connection, binds
    assert r1.ac_violations <= r0.ac_violations
    # one linearisation (no closed-loop tightening): residual AC excess <= 1 % of the limit, in every window
    assert max(_loading(w) for w in lin.summary.ac_worst) <= 101.0
    assert _loading(r0.ac_worst) - _loading(r1.ac_worst) > 10.0


# ------------------------------------------------------------- the VPP's envelope and admission (feeder)
def thin_feeder(mode: str):
    """One park on 3 km of YJV22-8.7/15-3x70 (≈ 200 A at 10 kV ≈ 3.5 MVA): a 2.5 MW data-centre load
    and a 3 MW / 12 MWh battery idle at soc 0.5 (flat tariff). The connection (30 MW) never binds; the
    cable does once the battery charges on top of the load."""
    from scenarios import from_dict

    flat = {"valley": 1.0, "flat": 1.0, "peak": 1.0, "critical": 1.0}
    return from_dict({
        "name": "thin", "seed": 1, "horizon": {"start": "2025-07-22", "days": 1},
        "network": {"kind": "radial_district", "feeders": [{"name": "f1", "cable_type": "YJV22-8.7/15-3x70",
                                                             "nodes": [{"bus": "b1", "length_km": 3.0}]}]},
        "tariff": {"billing": "single_part", "multipliers": flat},
        "network_constraints": {"mode": mode},
        "parks": [{"name": "flex", "connection": {"bus": "b1", "p_import_max_mw": 30}, "assets": [
            {"kind": "fixed_load", "name": "flex_load", "archetype": "data_centre", "p_peak_mw": 2.5, "noise_std_pu": 0},
            {"kind": "battery", "name": "flex_bess", "p_max_mw": 3.0, "e_max_mwh": 12.0, "degradation_cost_cny_per_mwh": 50}]}],
        "vpps": [{"name": "v", "parks": ["flex"], "baseline": "counterfactual"}],
    })


@pytest.fixture(scope="module")
def feeder_cases():
    from vpp.aggregator.admission import admission
    from vpp.aggregator.envelope import dispatch_to, envelope
    from vpp.aggregator.joint import District
    from vpp.pipeline import prepare

    out = {}
    for mode in ("none", "linear"):
        scn = thin_feeder(mode)
        d = District(prepare(scn), ["flex"])
        env = envelope(d, [80])  # 20:00
        reach = dispatch_to(d, 80, float(env.upper_mw.iloc[0]))
        worst = d.ac_check(reach).violations
        out[mode] = (env.iloc[0], float(worst.value.max()) if len(worst) else 0.0,
                     admission(d, scn.vpps[0], 0.5, windows="16:00-20:00"))
    return out


def test_envelope_respects_the_feeder_in_linear_mode(feeder_cases):
    (e0, load0, _), (e1, load1, _) = feeder_cases["none"], feeder_cases["linear"]
    # without feeder rows: normal load + 3 MW of charging, the cable at ~160 %
    assert e0.upper_mw == pytest.approx(e0.normal_mw + 3.0, abs=1e-6)
    assert load0 > 150.0
    # with them: the upper bound stops near the cable's 3.5 MVA, AC loading within the linearisation error
    assert e1.upper_mw < 3.6 and e1.upper_mw < e0.upper_mw - 1.5
    assert load1 <= 102.0
    assert e1.lower_mw == pytest.approx(e0.lower_mw, abs=1e-6)  # reducing import relieves the cable


def test_admission_respects_the_feeder_in_linear_mode(feeder_cases):
    a0, a1 = feeder_cases["none"][2], feeder_cases["linear"][2]
    assert a0["grid_limits"] == "park connection limits"
    assert a1["grid_limits"] == "linearised feeder limits + connection limits"
    w0, w1 = a0["windows"][0], a1["windows"][0]
    assert w0["capacity_up_mw"] == pytest.approx(3.0, abs=1e-5)  # the battery's power
    assert w1["capacity_up_mw"] < 1.2  # what the cable has left above the normal load
    assert w1["capacity_down_mw"] == pytest.approx(w0["capacity_down_mw"], abs=1e-4)  # down relieves it
