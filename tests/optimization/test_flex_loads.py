"""Hand-computable cases of the flexible loads: thermal storage and shiftable batches."""

from __future__ import annotations

import numpy as np
import pytest

from optimization import build_model, fix_baseline, solve
from optimization.results import extract
from scenarios.flex_schema import ShiftableLoad, ThermalStorage
from tests.optimization.helpers import make_data
from vpp.errors import InfeasibleError


def cold_room(**kw):
    args = dict(kind="thermal_storage", name="cold", archetype="cold_chain_logistics", p_peak_mw=1.0, p_max_mw=2.0,
                e_max_mwh=1.0, cos_phi=1.0)
    args.update(kw)
    return ThermalStorage(**args)


def test_thermal_storage_precools_within_its_band():
    # nominal 1 MW for 4 h, prices 100,100,500,600 CNY/MWh; band ±1 MWh, p_max 2 MW.
    # Best: 1 MWh extra in the cheap hours (e reaches e_max = 1), nominal at t2, p = 0 in the dearest t3:
    # cost = 3 MWh × 100 + 1 MWh × 500 = 800 CNY (no flexibility: 2×100 + 500 + 600 = 1300 CNY).
    ts = cold_room()
    data = make_data([100, 100, 500, 600], [(ts, {"p_load_mw": np.ones(4)})])
    dm = build_model(data)
    info = solve(dm)
    assert info.objective_cny == pytest.approx(800.0, abs=1e-6)
    r = extract(dm, info)
    p = r.assets.p_load_mw.to_numpy()
    assert p.sum() == pytest.approx(4.0, abs=1e-9)  # e[T] = e[0] = 0: energy equals the nominal energy
    assert p[2] == pytest.approx(1.0, abs=1e-9) and p[3] == pytest.approx(0.0, abs=1e-9)
    assert r.assets.e_mwh.max() == pytest.approx(1.0, abs=1e-9)
    assert r.assets.e_mwh.iloc[-1] == pytest.approx(0.0, abs=1e-9)
    base = build_model(make_data([100, 100, 500, 600], [(ts, {"p_load_mw": np.ones(4)})]))
    fix_baseline(base)
    assert solve(base).objective_cny == pytest.approx(1300.0, abs=1e-6)


def test_thermal_storage_losses_cost_energy():
    # pre-cool 1 MWh at t0 with 10 %/h losses: e[1] = 1; e[2] = 0.9·1 + (p2 − 1); p2 = 0 gives e[2] = −0.1 and
    # t3 must recover 0.1·(1−0.1)... : e[3] = 0.9·(−0.1) + (p3 − 1) = 0 -> p3 = 1.09. Prices 100, 1000, 1000.
    # Compare: holding e = 0 costs 100 + 2000 = 2100; the pre-cooled schedule costs 200 + 0 + 1090 = 1290.
    ts = cold_room(e_max_mwh=1.0, loss_per_h=0.1)
    dm = build_model(make_data([100, 1000, 1000], [(ts, {"p_load_mw": np.ones(3)})]))
    info = solve(dm)
    r = extract(dm, info)
    p = r.assets.p_load_mw.to_numpy()
    assert p == pytest.approx([2.0, 0.0, 1.09], abs=1e-7)
    assert info.objective_cny == pytest.approx(1290.0, abs=1e-6)


def test_shiftable_batch_runs_in_cheapest_window_hours_and_baseline_at_start():
    # 24 hourly steps, batch 1 MW × 2 h in [10, 16) h; price 100 except 50 at 13 h and 14 h.
    prices = np.full(24, 100.0)
    prices[[13, 14]] = 50.0
    sl = ShiftableLoad(kind="shiftable_load", name="oven", p_mw=1.0, duration_h=2.0, start_h=10, end_h=16, cos_phi=1.0)
    dm = build_model(make_data(prices, [(sl, None)]))
    info = solve(dm)
    assert info.objective_cny == pytest.approx(100.0, abs=1e-6)
    p = extract(dm, info).assets.p_load_mw.to_numpy()
    assert p[[13, 14]] == pytest.approx([1.0, 1.0]) and p.sum() == pytest.approx(2.0)
    base = build_model(make_data(prices, [(sl, None)]))
    fix_baseline(base)
    info = solve(base)
    p = extract(base, info).assets.p_load_mw.to_numpy()
    assert p[[10, 11]] == pytest.approx([1.0, 1.0]) and p.sum() == pytest.approx(2.0)
    assert info.objective_cny == pytest.approx(200.0, abs=1e-6)


def test_shiftable_batch_too_long_for_its_window_is_a_schema_error():
    with pytest.raises(ValueError, match="does not fit"):
        ShiftableLoad(kind="shiftable_load", name="oven", p_mw=1.0, duration_h=7.0, start_h=10, end_h=16)


def test_shiftable_window_off_the_step_grid_is_reported():
    # window [10.5, 11) h at 60 min steps holds no step: the block names the asset
    sl = ShiftableLoad(kind="shiftable_load", name="oven", p_mw=1.0, duration_h=0.5, start_h=10.5, end_h=11)
    with pytest.raises(InfeasibleError, match="shiftable load 'oven'"):
        build_model(make_data(np.full(24, 100.0), [(sl, None)]))
