"""The smoothing term (optimization.smoothing): hand-computable cases, and its effect on the shipped scenarios."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pydantic import ValidationError

from optimization import build_model, solve
from optimization.results import extract
from scenarios.schema import SMOOTHING_CNY_PER_MW, Battery, EVCharging, Solver
from tests.optimization.helpers import make_data, sessions

# step 0 is dear, steps 1-4 share one price: 1 MWh must be charged in steps 1-4 (hourly steps)
PRICES = [500.0, 100.0, 100.0, 100.0, 100.0]


def battery():
    # empty at the start, full (1 MWh) at the end, lossless, p_max far above what is needed
    return Battery(kind="battery", name="b", p_max_mw=10, e_max_mwh=1, soc_min=0, soc_max=1, soc_init=0, soc_end=1,
                   eta_charge=1, eta_discharge=1)


def solved(assets, w):
    dm = build_model(dataclasses.replace(make_data(PRICES, assets), smoothing_cny_per_mw=w))
    info = solve(dm)
    return info, extract(dm, info), dm


def changes(p, tol=1e-6):
    return int((np.abs(np.diff(np.asarray(p, dtype=float))) > tol).sum())


def test_battery_flat_price_hand_case():
    # without smoothing every split of the 1 MWh over steps 1-4 costs 100 CNY/MWh x 1 MWh = 100 CNY (no penalty
    # variables are built). With weight w the LP minimises w · (total variation of the net power): the power is 0
    # at step 0 (dear) and must reach max_t c[t] >= 1/4 MW somewhere, so the variation is at least 0.25 MW,
    # reached only by the flat 0.25 MW over steps 1-4: one change (0 -> -0.25 MW injection at step 1),
    # penalty 0.25 w; objective = bill 100 + 0.25 w
    info0, r0, dm0 = solved([(battery(), None)], 0.0)
    assert info0.objective_cny == pytest.approx(100.0, abs=1e-6) and r0.total_cost_cny == pytest.approx(100.0, abs=1e-6)
    assert r0.smoothing_penalty_cny == 0.0 and not hasattr(dm0.m.battery, "dp_up_mw")
    for w in (SMOOTHING_CNY_PER_MW, 1.0):
        info, r, dm = solved([(battery(), None)], w)
        p = r.assets.p_inject_mw.to_numpy()
        assert p == pytest.approx([0.0, -0.25, -0.25, -0.25, -0.25], abs=1e-7)
        assert changes(p) == 1
        assert r.total_cost_cny == pytest.approx(100.0, abs=1e-6)  # the bill: no penalty in it
        assert r.smoothing_penalty_cny == pytest.approx(0.25 * w, abs=1e-7)
        assert info.objective_cny == pytest.approx(100.0 + 0.25 * w, abs=1e-7)  # objective = bill + penalty
        assert len(dm.m.battery.dp_up_mw) == 4  # steps 1-4 (step 0 has no predecessor)


@pytest.mark.parametrize("model", ["sessions", "envelope"])
def test_ev_group_flat_price_hand_case(model):
    # one session plugged from 01:00 to the end (05:00) needing 1 MWh at up to 1 MW: as the battery above,
    # smoothing makes it 0.25 MW in steps 1-4, one change, penalty 0.25 w; bill 100 CNY
    ev = EVCharging(kind="ev_charging", name="ev", n_chargers=1, p_charger_mw=1.0, model=model)
    assets = [(ev, {"sessions": sessions([(1, 5, 1.0, 1.0)])})]
    info, r, _ = solved(assets, 1.0)
    assert r.assets.p_charge_mw.to_numpy() == pytest.approx([0.0, 0.25, 0.25, 0.25, 0.25], abs=1e-7)
    assert r.total_cost_cny == pytest.approx(100.0, abs=1e-6)
    assert r.smoothing_penalty_cny == pytest.approx(0.25, abs=1e-7)
    assert info.objective_cny == pytest.approx(100.25, abs=1e-7)


def test_power_changes_counts_steps_per_asset():
    import pandas as pd

    from vpp.kpis import power_changes

    # asset x: 0, 1, 1, 0.5 -> 2 changes; asset y: 3, 3 -> 0; the jump from x's last to y's first is not a change;
    # a PV row is another kind; 1e-7 MW is below the tolerance
    df = pd.DataFrame({"asset": ["x"] * 4 + ["y"] * 2 + ["pv"], "time": [0, 1, 2, 3, 0, 1, 0],
                       "kind": ["battery"] * 6 + ["pv"], "p_inject_mw": [0, 1, 1 + 1e-7, 0.5, 3, 3, 9]})
    assert power_changes(df, "battery") == 2 and power_changes(df, "pv") == 0 and power_changes(df, "ev_charging") == 0


def test_weight_is_finite_and_not_negative():
    assert Solver().smoothing_cny_per_mw == SMOOTHING_CNY_PER_MW == 0.1
    assert Solver(smoothing_cny_per_mw=0).smoothing_cny_per_mw == 0.0
    for bad in (-0.1, float("inf"), float("nan")):
        with pytest.raises(ValidationError, match="smoothing_cny_per_mw"):
            Solver(smoothing_cny_per_mw=bad)


# --------------------------------------------------------------------------------- shipped scenarios
SHIPPED = ("single_park", "yuhua_district", "grid_stress", "ieee33_parks", "measured_park")


@pytest.fixture(scope="module")
def shipped_runs():
    """Per shipped scenario (1-day horizon as shipped): (bill, battery and EV power changes) at w = 0 and the
    default, of the dispatch LP alone (grid_stress's `vpp run` adds the closed loop with the AC power flow,
    ~25-80 s: benchmarks/smoothing_effect.py, docs/architecture.md)."""
    from scenarios import load
    from vpp.dispatch import dispatch, prepare
    from vpp.kpis import power_changes

    out = {}
    for name in SHIPPED:
        scn = load(name)
        assert scn.horizon.days == 1 and scn.solver.smoothing_cny_per_mw == SMOOTHING_CNY_PER_MW
        prep = prepare(scn, grid=False)
        for w in (0.0, SMOOTHING_CNY_PER_MW):
            solver = scn.solver.model_copy(update={"smoothing_cny_per_mw": w})
            res = dispatch(dataclasses.replace(prep, scenario=scn.model_copy(update={"solver": solver})))
            assert res.solve.objective_cny == pytest.approx(res.total_cost_cny + res.smoothing_penalty_cny, abs=1e-4)
            out[(name, w)] = (res.total_cost_cny, power_changes(res.assets, "battery"),
                              power_changes(res.assets, "ev_charging"))
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_default_weight_leaves_the_bill_and_cuts_battery_power_changes(shipped_runs, name):
    bill0, n0, _ = shipped_runs[(name, 0.0)]
    bill, n, _ = shipped_runs[(name, SMOOTHING_CNY_PER_MW)]
    assert abs(bill - bill0) < 1e-4 * abs(bill0)  # < 0.01 % of the bill (measured: < 1e-7 %)
    # measured (HiGHS 1.x, 15-min steps): 58 -> 40 (single_park), 232 -> 150, 86 -> 50, 112 -> 58, 30 -> 6
    assert n0 >= 1.4 * n


def test_default_weight_factor_over_all_shipped_scenarios(shipped_runs):
    # battery power changes summed over the shipped scenarios: 518 -> 304 (1.70x); EV groups: 450 -> 239 (1.88x)
    n0 = sum(shipped_runs[(s, 0.0)][1] for s in SHIPPED)
    n = sum(shipped_runs[(s, SMOOTHING_CNY_PER_MW)][1] for s in SHIPPED)
    assert n0 >= 1.6 * n
    e0 = sum(shipped_runs[(s, 0.0)][2] for s in SHIPPED)
    e = sum(shipped_runs[(s, SMOOTHING_CNY_PER_MW)][2] for s in SHIPPED)
    assert e0 >= 1.6 * e
