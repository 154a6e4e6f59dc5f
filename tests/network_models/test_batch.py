"""Batch AC engine (power-grid-model) against the pandapower reference, step by step."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from network_models import attach_assets, build_grid, run_timeseries
from network_models.batch import build_pgm_model, run_timeseries_batch
from scenarios import load


def _setup(scn):
    g = build_grid(scn)
    return g, attach_assets(g, scn)


@pytest.fixture(scope="module")
def district_day():
    """Reference district, 1 day, optimised dispatch; both engines on fresh grids."""
    from vpp.pipeline import dispatch, prepare

    scn = load("yuhua_district", days=1)
    prep = prepare(scn)
    res = dispatch(prep)
    p, q = res.p_inject_wide(), res.q_inject_wide()
    ref = run_timeseries(prep.grid, prep.elements, p, q)
    g, el = _setup(scn)
    bat = run_timeseries_batch(g, el, p, q)
    return ref, bat, p


def test_district_day_matches_pandapower(district_day):
    ref, bat, p = district_day
    assert len(bat.summary) == 96 and bat.summary["converged"].all() and ref.summary["converged"].all()
    assert list(bat.vm_pu.columns) == list(ref.vm_pu.columns)
    assert list(bat.trafo_loading_percent.columns) == list(ref.trafo_loading_percent.columns)
    # every bus, every step: |dV| <= 1e-6 pu
    assert np.abs(bat.vm_pu.to_numpy() - ref.vm_pu.to_numpy()).max() <= 1e-6
    # every line and trafo, every step: RELATIVE difference <= 0.1 % of the pandapower value
    for a, b in ((bat.line_loading_percent, ref.line_loading_percent),
                 (bat.trafo_loading_percent, ref.trafo_loading_percent)):
        rel = np.abs(a.to_numpy() - b.to_numpy()) / b.to_numpy()
        assert rel.max() <= 1e-3
        assert b.to_numpy().min() > 0.1  # relative to non-zero loadings (no 0/0)
    # summary: import, losses, extremes
    for c in ("p_ext_grid_mw", "q_ext_grid_mvar", "losses_mw"):
        assert np.abs(bat.summary[c] - ref.summary[c]).max() <= 1e-6
    assert (bat.summary["n_overloads"] == ref.summary["n_overloads"]).all()
    # branch active powers (feeder heads, transformer HV side) as pandapower's res_line.p_from_mw / res_trafo.p_hv_mw
    for a, b in ((bat.line_p_from_mw, ref.line_p_from_mw), (bat.trafo_p_hv_mw, ref.trafo_p_hv_mw)):
        assert list(a.columns) == list(b.columns) and np.abs(a.to_numpy() - b.to_numpy()).max() <= 1e-6
    # the substation transformers carry the import: Σ p_hv = p_ext_grid (ideal slack on the 110 kV bus)
    sub = [c for c in bat.trafo_p_hv_mw if c.startswith("yuhua_110kv_t")]
    assert np.abs(bat.trafo_p_hv_mw[sub].sum(axis=1) - bat.summary["p_ext_grid_mw"]).max() < 1e-6
    # energy balance of the batch engine: import = consumption - generation + losses
    net_load = -p.sum(axis=1).to_numpy()
    assert np.abs(bat.summary["p_ext_grid_mw"].to_numpy() - net_load - bat.summary["losses_mw"].to_numpy()).max() < 1e-6
    assert bat.summary["losses_mw"].min() > 0


def test_case33bw_base_case():
    from scenarios import from_dict

    scn = from_dict({"name": "c33", "network": {"kind": "case33bw"},
                     "parks": [{"name": "p18", "connection": {"bus": "bus_18"}, "assets": [
                         {"kind": "fixed_load", "name": "l18", "archetype": "data_centre", "p_peak_mw": 0.1}]}]})
    g, el = _setup(scn)
    res = run_timeseries_batch(g, el, pd.DataFrame({"l18": [0.0, -0.1]}))
    s = res.summary
    assert s["losses_mw"].iloc[0] == pytest.approx(0.2027, abs=5e-5)  # Baran & Wu: 202.7 kW
    assert s["vm_min_pu"].iloc[0] == pytest.approx(0.9131, abs=5e-5)
    assert res.vm_pu.iloc[0].idxmin() == "bus_18"
    assert s["p_ext_grid_mw"].iloc[0] == pytest.approx(3.715 + s["losses_mw"].iloc[0], abs=1e-6)
    assert s["p_ext_grid_mw"].iloc[1] == pytest.approx(3.815 + s["losses_mw"].iloc[1], abs=1e-6)
    # violations agree with pandapower (band 0.93 of the test scenario)
    ref = run_timeseries(g, el, pd.DataFrame({"l18": [0.0, -0.1]}))
    assert res.violations[["element", "kind"]].values.tolist() == ref.violations[["element", "kind"]].values.tolist()
    assert np.allclose(res.violations["value"], ref.violations["value"], atol=1e-6)
    assert s["n_voltage_violations"].tolist() == ref.summary["n_voltage_violations"].tolist() == [14, 14]


def test_non_converged_step_is_recorded(radial_scn):
    g, el = _setup(radial_scn)
    t = pd.date_range("2025-07-22", periods=4, freq="15min", tz="Asia/Shanghai")
    p = pd.DataFrame({"auto_load": [-1.0, -1.2, -1.1, -0.9], "auto_pv": [0.0, 0.4, 0.6, 0.2],
                      "logi_load": [-2.0, -500.0, -2.2, -1.8]}, index=t)
    res = run_timeseries_batch(g, el, p)
    s = res.summary
    assert s["converged"].tolist() == [True, False, True, True]
    assert s.iloc[1, 1:].isna().all() and res.vm_pu.iloc[1].isna().all()
    assert res.line_loading_percent.iloc[1].isna().all()
    assert s["p_ext_grid_mw"].iloc[2] == pytest.approx(1.1 + 2.2 - 0.6 + s["losses_mw"].iloc[2], abs=1e-6)
    ref = run_timeseries(g, el, p)
    ok = [0, 2, 3]
    assert np.abs(res.vm_pu.iloc[ok].to_numpy() - ref.vm_pu.iloc[ok].to_numpy()).max() < 1e-6


def test_missing_values_keep_previous_like_pandapower(radial_scn):
    """NaN / absent columns keep the element's previous value (stateful, as in run_timeseries)."""
    p = pd.DataFrame({"auto_load": [-1.0, np.nan, -0.5], "logi_load": [-2.0, -1.5, np.nan],
                      "auto_bess": [0.3, np.nan, -0.4]})
    q = pd.DataFrame({"auto_load": [-0.3, np.nan, -0.1], "logi_load": [-0.5, -0.4, np.nan],
                      "auto_bess": [0.0, 0.1, np.nan]})
    g1, el1 = _setup(radial_scn)
    g2, el2 = _setup(radial_scn)
    a = run_timeseries_batch(g1, el1, p, q)
    b = run_timeseries(g2, el2, p, q)
    assert np.abs(a.vm_pu.to_numpy() - b.vm_pu.to_numpy()).max() < 1e-6
    # step 2: auto_load 1.0 (kept) + logi 1.5 - battery 0.3 (kept) + losses
    s = a.summary
    assert s["p_ext_grid_mw"].iloc[1] == pytest.approx(1.0 + 1.5 - 0.3 + s["losses_mw"].iloc[1], abs=1e-6)
    # the batch engine leaves the net untouched
    assert g1.net.load["p_mw"].abs().sum() == 0.0


def test_prebuilt_model_and_unknown_asset(radial_scn):
    from vpp.errors import NetworkError

    g, el = _setup(radial_scn)
    pgm = build_pgm_model(g)
    r1 = run_timeseries_batch(g, el, pd.DataFrame({"auto_load": [-1.0]}), pgm=pgm)
    r2 = run_timeseries_batch(g, el, pd.DataFrame({"auto_load": [-1.0]}), pgm=pgm, threads=-1)
    assert r1.summary["p_ext_grid_mw"].iloc[0] == pytest.approx(r2.summary["p_ext_grid_mw"].iloc[0], abs=1e-12)
    with pytest.raises(NetworkError, match="nope"):
        run_timeseries_batch(g, el, pd.DataFrame({"nope": [-1.0]}))


def test_cli_run_with_batch_engine(tmp_path):
    from cli import main

    out = tmp_path / "run"
    r = CliRunner().invoke(main, ["run", "single_park", "--ac-engine", "power_grid_model", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    summary = pd.read_parquet(out / "powerflow_summary.parquet")
    assert len(summary) == 96 and summary["converged"].all()
    assert "engine: power_grid_model" in (out / "scenario_resolved.yaml").read_text()
    r = CliRunner().invoke(main, ["run", "single_park", "--ac-engine", "bogus"])
    assert r.exit_code != 0


def test_default_engine_is_batch_and_pandapower_stays_selectable(tmp_path):
    """``ac_check.engine`` defaults to power_grid_model; ``--ac-engine pandapower`` (the reference) agrees."""
    from cli import main
    from scenarios import from_dict

    scn = from_dict({"name": "d", "network": {"kind": "case33bw"},
                     "parks": [{"name": "p", "connection": {"bus": "bus_18"},
                                "assets": [{"kind": "fixed_load", "name": "l", "archetype": "data_centre", "p_peak_mw": 0.1}]}]})
    assert scn.ac_check.engine == "power_grid_model"
    out = {}
    for engine in ("default", "pandapower"):
        out[engine] = tmp_path / engine
        args = ["run", "single_park", "--out", str(out[engine])] + (["--ac-engine", engine] if engine != "default" else [])
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0, r.output
    assert "engine: power_grid_model" in (out["default"] / "scenario_resolved.yaml").read_text()
    assert "engine: pandapower" in (out["pandapower"] / "scenario_resolved.yaml").read_text()
    bat, ref = (pd.read_parquet(out[e] / "powerflow_summary.parquet") for e in ("default", "pandapower"))
    assert len(bat) == len(ref) == 96 and bat["converged"].all() and ref["converged"].all()
    for c in ("vm_min_pu", "vm_max_pu", "p_ext_grid_mw", "losses_mw"):
        assert np.abs(bat[c].to_numpy() - ref[c].to_numpy()).max() <= 1e-6, c
    assert (bat["n_overloads"] == ref["n_overloads"]).all()
    assert (bat["n_voltage_violations"] == ref["n_voltage_violations"]).all()
