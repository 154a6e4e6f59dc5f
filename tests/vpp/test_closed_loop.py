"""Closed loop of linearised network constraints and AC power flow (vpp/closed_loop.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios import from_dict, load
from vpp.closed_loop import run_constrained
from vpp.pipeline import prepare


def test_one_park_behind_a_cable_never_exceeds_its_rating():
    # a 1 km YJV22-3x70 cable (200 A -> sqrt(3) * 10 kV * 0.2 kA = 3.464 MVA at 1 pu) feeds an EV depot
    # directly at 10 kV: 10 sessions of 0.6 MWh at up to 0.6 MW, plugged 05:00-07:00 (valley until 06:00,
    # then flat). Unconstrained, all 6 MWh come in the valley hour at 6 MW (173 % loading); constrained,
    # import <= 3.464 * V MW, so ~3.4 MWh in the valley hour and the rest in the flat hour.
    sess = [{"arrival": "2025-07-22T05:00:00", "departure": "2025-07-22T07:00:00", "e_mwh": 0.6} for _ in range(10)]
    scn = from_dict({
        "name": "cable", "horizon": {"start": "2025-07-22", "days": 1},
        "network": {"kind": "radial_district", "substation": {"n_transformers": 1},
                    "feeders": [{"name": "f", "cable_type": "YJV22-8.7/15-3x70", "nodes": [{"bus": "end", "length_km": 1.0}]}]},
        "tariff": {"billing": "single_part"},
        "network_constraints": {"mode": "linear", "q_control": False},
        "parks": [{"name": "depot", "connection": {"bus": "end", "p_import_max_mw": 8.0},
                   "assets": [{"kind": "ev_charging", "name": "ev", "n_chargers": 10, "p_charger_mw": 0.6, "sessions": sess}]}],
    })
    cr = run_constrained(prepare(scn))
    assert cr.violations_unconstrained > 0
    assert cr.remaining_violations == 0
    loading = cr.ac.line_loading_percent["f_1"]
    assert loading.max() <= 100.0
    imp = cr.dispatch.parks.p_import_mw.to_numpy()
    vm = cr.ac.vm_pu["end"].to_numpy()
    assert (imp <= math.sqrt(3) * 10 * 0.2 * vm + 1e-6).all()  # |S| = P here (cos_phi 1, no Q control)
    assert imp.max() > 3.0  # the limit binds: charging spread, not avoided
    dt = 0.25
    assert imp.sum() * dt == pytest.approx(6.0, abs=1e-6)  # all EV energy delivered
    assert cr.dispatch.assets.e_unmet_mwh.sum() == pytest.approx(0.0, abs=1e-9)
    # cost of the grid: the energy moved from the valley hour to the flat hour pays the price difference
    prices = cr.dispatch.parks.price_cny_per_mwh.to_numpy()
    moved_mwh = 6.0 - imp[20:24].sum() * dt  # 05:00-06:00 = steps 20..23
    assert moved_mwh > 2.0
    assert cr.dispatch.total_cost_cny - cr.unconstrained.total_cost_cny == pytest.approx(
        moved_mwh * (prices[24] - prices[20]), rel=1e-6)


def test_grid_stress_constrained_run_is_clean():
    scn = load("grid_stress")
    assert scn.network_constraints.mode == "linear"
    cr = run_constrained(prepare(scn))
    k = cr.kpis()
    assert k["violations_unconstrained"] > 0
    assert k["remaining_violations"] == 0 and len(cr.ac.violations) == 0
    assert cr.ac.summary["converged"].all()
    assert k["cost_constrained_cny"] >= k["cost_unconstrained_cny"]
    assert k["cost_of_grid_cny"] == pytest.approx(k["cost_constrained_cny"] - k["cost_unconstrained_cny"])
    assert k["cost_of_grid_cny"] > 0  # PV export curtailed on the thin spur
    assert k["slack_used"]["n_rows_with_slack"] == 0
    assert 1 <= k["rounds"] <= scn.network_constraints.max_rounds
    a = cr.dispatch.assets
    assert a.e_unmet_mwh.sum() == pytest.approx(0.0, abs=1e-6)  # every bus still gets its energy
    # inverter reactive power within its rating (circumscribed 16-gon: <= 1/cos(pi/16) * S)
    pv = a[a.asset == "warehouse_pv"]
    s = np.hypot(pv.p_inject_mw, pv.q_inject_mvar)
    assert s.max() <= 6.0 / 1.1 * 1.1 / math.cos(math.pi / 16) + 1e-6
    # the park power-factor limit of the depot (pf_min 0.9) holds at every step
    # as modelled: |Q| <= tan(acos 0.9) * (p_import + p_export)
    q = a[a.park == "depot"].groupby("time")["q_inject_mvar"].sum().to_numpy()
    pk = cr.dispatch.parks[cr.dispatch.parks.park == "depot"]
    assert (np.abs(q) <= math.tan(math.acos(0.9)) * (pk.p_import_mw + pk.p_export_mw).to_numpy() + 1e-6).all()
    # the rounds table ends with the clean AC check
    assert cr.rounds.n_violations.iloc[-1] == 0 and cr.rounds.n_violations.iloc[0] == k["violations_unconstrained"]
