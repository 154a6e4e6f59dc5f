"""Linearised power flow: sensitivities against the AC power flow (IEEE 33-bus, one cable)."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from network_models import build_grid, run_base_case
from network_models.linear import BranchEnds, checked_buses, sensitivities
from scenarios import from_dict


def _c33_injections(net):
    """Injection point = each base load's bus; base load P, Q as injections (negative) [MW, MVAr]."""
    inj = {f"bus_{int(b) + 1}": int(b) for b in net.load.bus}
    return inj, -net.load.p_mw.to_numpy().copy(), -net.load.q_mvar.to_numpy().copy()


def test_case33_linear_voltages_within_001_pu_of_ac(case33_scn):
    g = build_grid(case33_scn)
    net = g.net
    base = run_base_case(g)  # the published case: 202.7 kW losses, 0.913 pu at bus 18
    assert base["losses_mw"] * 1000 == pytest.approx(202.7, abs=0.5)
    assert base["vm_min_pu"] == pytest.approx(0.9131, abs=0.001) and base["vm_min_bus"] == "bus_18"
    mask = checked_buses(net)
    v_ac = net.res_bus.vm_pu.to_numpy()[mask]

    inj, p0, q0 = _c33_injections(net)
    net.load.p_mw, net.load.q_mvar = 0.0, 0.0  # linearise at no load (flat 1 pu) ...
    lin = sensitivities(net, inj)
    assert lin.vm_op.to_numpy() == pytest.approx(1.0, abs=1e-6)
    pred = lin.predict_vm(p0, q0).to_numpy()[mask]  # ... and predict the base load
    err = np.abs(pred - v_ac)
    assert err.max() < 0.01
    assert err.max() > 1e-4  # a real extrapolation (second-order terms neglected), not the op point
    assert int(np.argmin(pred)) == int(np.argmin(v_ac))  # bus 18 is the lowest in both

    # linearised at the base load itself, a +-30 % load change is predicted within 0.002 pu
    net.load.p_mw, net.load.q_mvar = -p0, -q0
    lin_b = sensitivities(net, inj)
    assert lin_b.vm_op.to_numpy()[mask] == pytest.approx(v_ac, abs=1e-8)
    for f in (0.7, 1.3):
        net.load.p_mw, net.load.q_mvar = -p0 * f, -q0 * f
        pp.runpp(net, numba=False)
        v_f = net.res_bus.vm_pu.to_numpy()[mask]
        assert np.abs(lin_b.predict_vm(p0 * (f - 1), q0 * (f - 1)).to_numpy()[mask] - v_f).max() < 0.002


def test_single_cable_flow_sensitivities():
    # one 2 km YJV22-3x70 cable (R = 2 * 0.268 ohm) feeding 2 MW + 0.5 MVAr: an injection at the end
    # reduces the flow into the cable at the busbar by 1 MW/MW plus the loss change; the rating is sqrt(3) * 10 kV * 0.2 kA
    scn = from_dict({
        "name": "one", "network": {"kind": "radial_district", "substation": {"n_transformers": 1},
                                   "feeders": [{"name": "f", "cable_type": "YJV22-8.7/15-3x70",
                                                "nodes": [{"bus": "end", "length_km": 2.0}]}]},
        "parks": [{"name": "p", "connection": {"bus": "end"},
                   "assets": [{"kind": "fixed_load", "name": "l", "archetype": "data_centre", "p_peak_mw": 2.0}]}],
    })
    g = build_grid(scn)
    ends = BranchEnds.of(g.net)
    i = ends.names.index("f_1:from")
    assert ends.s_rated_mva[i] == pytest.approx(np.sqrt(3) * 10 * 0.2, rel=1e-9)
    pp.create_load(g.net, g.bus["end"], p_mw=2.0, q_mvar=0.5)
    lin = sensitivities(g.net, {"p": g.bus["end"]})
    dp = lin.pf_per_p.loc["f_1:from", "p"]
    # d(flow)/dP = -(1 + dLoss/dP), dLoss/dP = 2 R P / V^2 = 2 * 0.536 * 2 / 10^2 = 0.0214
    assert dp == pytest.approx(-(1 + 2 * 0.536 * 2.0 / 100), abs=0.002)  # loss term to ~10 %
    assert lin.qf_per_q.loc["f_1:from", "p"] == pytest.approx(-1.0, abs=0.02)
    # voltage at the end: dV/dP ~ R/V^2, dV/dQ ~ X/V^2 over cable + SZ11-50000/110 transformer, on 10 kV:
    # R = 0.536 + 0.00388 * 100/50 = 0.544 ohm; X = 0.224 + sqrt(0.105^2 - 0.00388^2) * 100/50 = 0.434 ohm
    assert lin.vm_per_p.loc["end", "p"] == pytest.approx(0.544 / 100, rel=0.1)
    assert lin.vm_per_q.loc["end", "p"] == pytest.approx(0.434 / 100, rel=0.1)
