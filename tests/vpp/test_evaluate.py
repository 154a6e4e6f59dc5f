"""Rolling-horizon evaluation: state continuity, rolling vs perfect foresight, savings bookkeeping."""

import numpy as np
import pytest

from scenarios import load
from vpp.evaluation.year import _perfect, _rolling, evaluate, extended_data, year_scenario
from vpp.rolling import allocate_edf

import pandas as pd


@pytest.fixture(scope="module")
def week():
    scn = year_scenario(load("single_park"), None, 7)
    full, _ = extended_data(scn, 24.0)
    return scn, full, _rolling(scn, 24.0, False, None, full), _perfect(scn, full)


def test_rolling_day_lookahead_within_one_percent_of_perfect(week):
    scn, full, roll, perf = week
    c_r, c_p = roll.costs.total_cost_cny.sum(), perf.costs.total_cost_cny.sum()
    assert abs(c_r - c_p) / c_p < 0.01
    # same inputs on both sides: the same load and EV energy are served
    for kind in ("fixed_load", "ev_charging"):
        e_r = roll.assets.loc[roll.assets.kind == kind, "p_inject_mw"].sum()
        e_p = perf.assets.loc[perf.assets.kind == kind, "p_inject_mw"].sum()
        assert e_r == pytest.approx(e_p, rel=1e-6)


def test_soc_continuous_across_windows(week):
    scn, full, roll, _ = week
    dt = full.dt_h
    bat = roll.assets[roll.assets.kind == "battery"].sort_values("time")
    spec = next(a for _, a in scn.assets() if a.kind == "battery")
    # energy at the end of step t follows the dynamics from soc_init, with no jump at midnight
    e = spec.soc_init * spec.e_max_mwh + np.cumsum(
        (spec.eta_charge * bat.p_charge_mw - bat.p_discharge_mw / spec.eta_discharge).to_numpy() * dt)
    assert np.allclose(e, bat.e_mwh.to_numpy(), atol=1e-6)
    # boundaries recorded by the rolling loop equal the committed end-of-day energy
    ends = bat.e_mwh.to_numpy()[95::96]
    assert np.allclose(roll.e_boundary_mwh.e_mwh.to_numpy(), ends, atol=1e-9)


def test_demand_peak_carried_over(week):
    _, _, roll, _ = week
    daily_peak = roll.parks.groupby(roll.parks.time.dt.day).p_import_mw.max().to_numpy()
    # the first day sets a peak; later days never pay for a higher peak unless they need it,
    # and the month's billed peak equals the largest daily peak
    assert roll.costs.peak_import_mw.iloc[0] == pytest.approx(daily_peak.max())
    assert roll.costs.demand_charge_cny.iloc[0] == pytest.approx(33000 * daily_peak.max())
    # once a peak is reached, later days use it (peak-so-far as a lower bound): some later day imports
    # up to (close to) the first day's peak instead of shaving below it at a cost
    assert daily_peak[1:].max() >= daily_peak[0] - 1e-6


def test_edf_allocation_by_hand():
    w = pd.DataFrame({"session": ["a", "b"], "t_a": [0, 0], "t_d": [2, 4], "p_max_mw": [1.0, 1.0],
                      "e_lo_mwh": [1.0, 1.0], "e_hi_mwh": [1.0, 1.0]})
    # 1.5 MW over 2 steps of 0.5 h: a (earliest departure) gets 1 MW, b the rest
    got = allocate_edf(w, np.array([1.5, 1.5, 0, 0]), 2, 0.5, {"a": 1.0, "b": 1.0})
    assert got == {"a": pytest.approx(1.0), "b": pytest.approx(0.5)}


def test_evaluate_savings_add_up_and_folder(tmp_path):
    ev = evaluate(load("single_park"), days=2, out_dir=tmp_path / "ev")
    k = ev.kpis
    assert sum(k["savings_cny"].values()) == pytest.approx(
        k["baseline"]["total_cost_cny"] - k["project"]["total_cost_cny"], rel=1e-9)
    # baseline has no PV/battery: no export; project imports less
    assert k["baseline"]["export_mwh"] == 0.0
    assert k["co2_avoided_t"]["national_2022"] == pytest.approx(
        (k["net_import_mwh"]["baseline"] - k["net_import_mwh"]["project"]) * 0.5366)
    for f in ("kpis.json", "dispatch_parks.parquet", "monthly.parquet", "windows.parquet"):
        assert (tmp_path / "ev" / f).exists()
    # two days are not a year: no NPV, no cash flow
    assert k["economics"] is None and not (tmp_path / "ev" / "cash_flow.parquet").exists()
    assert len(ev.project.windows) == 2


def test_baseline_in_a_second_process_gives_the_same_numbers(monkeypatch):
    import vpp.evaluation.year as E
    from scenarios import load

    scn = load("single_park")
    monkeypatch.setattr(E, "PARALLEL_MIN_DAYS", 10**6)
    seq = E.evaluate(scn, days=2, dr=False)
    monkeypatch.setattr(E, "PARALLEL_MIN_DAYS", 1)
    par = E.evaluate(scn, days=2, dr=False)
    assert par.kpis["baseline"]["total_cost_cny"] == seq.kpis["baseline"]["total_cost_cny"]
    assert par.kpis["project"]["total_cost_cny"] == seq.kpis["project"]["total_cost_cny"]
