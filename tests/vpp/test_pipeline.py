"""End-to-end dispatch runs: money, energy balances and the AC cross-check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scenarios import load, shipped
from vpp.pipeline import run


def test_baseline_never_beats_optimised(single_park_runs):
    opt = single_park_runs["optimised"].kpis["total_cost_cny"]
    base = single_park_runs["baseline"].kpis["total_cost_cny"]
    assert opt <= base + 1e-6
    assert base - opt > 100.0  # PV + battery + flexible load must save money on a July day


def test_objective_equals_cost_table(single_park_runs):
    r = single_park_runs["optimised"]
    # LP objective = bill + smoothing penalty (not billed, reported apart)
    assert r.dispatch.smoothing_penalty_cny > 0
    assert r.dispatch.solve.objective_cny == pytest.approx(r.dispatch.total_cost_cny + r.dispatch.smoothing_penalty_cny,
                                                          rel=1e-9)


def test_pcc_balance_matches_pandapower_ext_grid_within_losses(single_park_runs):
    r = single_park_runs["optimised"]
    net_import = r.dispatch.parks.groupby("time")["p_net_import_mw"].sum()
    s = r.ac.summary
    assert s["converged"].all()
    # ext grid = what the parks draw + losses in cables and transformers (no other load on this net)
    resid = s["p_ext_grid_mw"].to_numpy() - net_import.to_numpy() - s["losses_mw"].to_numpy()
    # the only difference left is reactive-power related shunt effects: tiny
    assert np.abs(resid).max() < 1e-6
    assert (s["losses_mw"] > 0).all()
    assert (s["losses_mw"] / s["p_ext_grid_mw"].abs().clip(lower=0.1)).max() < 0.05


def test_energy_balance_per_park(single_park_runs):
    r = single_park_runs["optimised"]
    a, p = r.dispatch.assets, r.dispatch.parks
    inj = a.groupby(["time", "park"])["p_inject_mw"].sum()
    net = p.set_index(["time", "park"])["p_net_import_mw"]
    assert np.allclose(inj.reindex(net.index).to_numpy() + net.to_numpy(), 0.0, atol=1e-7)


def test_battery_charges_in_valley_and_discharges_in_peak():
    scn = load("single_park")
    # single-part tariff: no demand charge, so the battery only arbitrages the TOU spread
    scn = scn.model_copy(update={"tariff": scn.tariff.model_copy(update={"billing": "single_part"})})
    r = run(scn, "optimised")
    a = r.dispatch.assets
    b = a[a.kind == "battery"].set_index("time")
    period = r.dispatch.parks.drop_duplicates("time").set_index("time")["period"]
    ch = b["p_charge_mw"].groupby(period).sum()
    dis = b["p_discharge_mw"].groupby(period).sum()
    assert ch.sum() > 1.0 and dis.sum() > 1.0
    assert ch.get("valley", 0.0) / ch.sum() > 0.99
    assert dis.get("valley", 0.0) == pytest.approx(0.0, abs=1e-9)
    # two cycles a day, made possible by the 2025 midday valley (12-14 h): night valley -> morning flat,
    # midday valley -> evening critical peak (1248 vs 260 CNY/MWh, the largest spread of the day)
    hours = b.index.hour
    assert b["p_charge_mw"][(hours >= 12) & (hours < 14)].sum() > 1.0
    assert dis.get("critical", 0.0) > 1.0
    # SOC respects its limits and returns to at least its initial value
    spec = next(x for _, x in scn.assets() if x.kind == "battery")
    assert b["soc"].min() >= spec.soc_min - 1e-9 and b["soc"].max() <= spec.soc_max + 1e-9
    assert b["soc"].iloc[-1] >= spec.soc_init - 1e-9


def test_interruptible_within_contract_and_windows(single_park_runs):
    r = single_park_runs["optimised"]
    a = r.dispatch.assets
    il = a[a.kind == "interruptible_load"].set_index("time")
    spec = next(x for _, x in r.scenario.assets() if x.kind == "interruptible_load")
    assert il["p_curtailed_mw"].max() <= spec.p_curtail_max_mw + 1e-9
    hours = il.index.hour + il.index.minute / 60
    inside = np.zeros(len(il), dtype=bool)
    for s, e in spec.windows_h:
        inside |= (hours >= s) & (hours < e)
    assert il.loc[~inside, "p_curtailed_mw"].abs().max() == pytest.approx(0.0, abs=1e-9)
    assert il["p_curtailed_mw"].sum() * 0.25 <= spec.p_curtail_max_mw * spec.max_hours_per_day + 1e-9


def test_ev_sessions_meet_energy_in_both_strategies(single_park_runs):
    for strategy, r in single_park_runs.items():
        k = r.kpis
        assert k["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-9), strategy
        assert k["ev_delivered_mwh"] > 0.1
    assert single_park_runs["optimised"].kpis["ev_delivered_mwh"] == pytest.approx(
        single_park_runs["baseline"].kpis["ev_delivered_mwh"], rel=1e-9
    )


def test_same_scenario_same_numbers(single_park):
    a = run(single_park, "optimised")
    b = run(single_park, "optimised")
    pd.testing.assert_frame_equal(a.dispatch.assets, b.dispatch.assets)


def test_resolution_invariance_of_load_energy():
    e = {}
    for res in (15, 60):
        scn = load("single_park")
        scn = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"resolution_min": res})})
        e[res] = run(scn, "baseline").kpis["load_mwh"]
    assert e[15] == pytest.approx(e[60], rel=0.01)


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_shipped_scenario_validates_and_runs_one_day(name, tmp_path):
    from vpp.validate import check

    scn = load(name, days=1)
    check(scn)
    r = run(scn, "optimised", out_dir=tmp_path / name)
    assert r.kpis["solver"]["termination"] == "optimal"
    assert r.kpis["ac_nonconverged_steps"] == 0
    assert r.kpis["ev_unmet_mwh"] == pytest.approx(0.0, abs=1e-6)
    for f in ("kpis.json", "scenario_resolved.yaml", "dispatch_assets.parquet", "powerflow_summary.parquet"):
        assert (tmp_path / name / f).is_file()
    # the resolved scenario reproduces the run's input exactly
    again = load(tmp_path / name / "scenario_resolved.yaml")
    assert again == scn
