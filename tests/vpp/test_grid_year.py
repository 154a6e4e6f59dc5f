"""`vpp evaluate`'s AC grid check: equals pandapower on sampled steps, park reverse flow from the dispatch,
kpis.json section and tables, --no-ac."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scenarios import load


@pytest.fixture(scope="module")
def district_day(tmp_path_factory):
    from vpp.evaluation.year import evaluate

    out = tmp_path_factory.mktemp("ev") / "district"
    ev = evaluate(load("yuhua_district"), days=1, dr=False, floating_sensitivity=False, out_dir=out)
    return ev, out


def test_district_ac_equals_pandapower_on_sampled_steps(district_day):
    """Every step went through the batch engine; 8 sampled steps of project and baseline, solved again with
    pandapower's runpp on a fresh grid, agree to 1e-6 pu on every bus."""
    from network_models import attach_assets, build_grid, run_timeseries
    from vpp.evaluation.grid_year import _wide

    ev, _ = district_day
    gy = ev.grid_year
    assert gy.kpis["n_steps"] == 96 and gy.kpis["period"] == "days" and gy.kpis["engine"] == "power_grid_model"
    sample = [0, 13, 30, 44, 52, 60, 77, 95]
    for run, sched in (("project", ev.project), ("baseline", ev.baseline)):
        ac = gy.ac[run]
        assert len(ac.summary) == 96 and ac.summary["converged"].all()
        g = build_grid(ev.scenario)
        el = attach_assets(g, ev.scenario)
        times = ac.summary.index[sample]
        ref = run_timeseries(g, el, _wide(sched.assets, "p_inject_mw", times, el.names),
                             _wide(sched.assets, "q_inject_mvar", times, el.names))
        assert ref.summary["converged"].all()
        assert np.abs(ac.vm_pu.loc[times].to_numpy() - ref.vm_pu.to_numpy()).max() <= 1e-6
        assert np.abs(ac.trafo_p_hv_mw.loc[times].to_numpy() - ref.trafo_p_hv_mw.to_numpy()).max() <= 1e-6
        assert np.abs(ac.line_p_from_mw.loc[times].to_numpy() - ref.line_p_from_mw.to_numpy()).max() <= 1e-6
    # the baseline has no project PV: less PV, so the substation imports more in every daylight step
    p_imp = gy.ac["project"].summary["p_ext_grid_mw"]
    b_imp = gy.ac["baseline"].summary["p_ext_grid_mw"]
    assert (b_imp - p_imp).max() > 1.0


def test_kpis_section_and_tables(district_day):
    ev, out = district_day
    k = json.loads((out / "kpis.json").read_text())
    g = k["grid_year"]
    assert not g["skipped"] and set(g) >= {"project", "baseline", "change", "n_steps", "timings_s"}
    for run in ("project", "baseline"):
        r = g[run]
        assert set(r["reverse_flow"]["parks"]) == {p.name for p in ev.scenario.parks}
        assert len(r["reverse_flow"]["feeders"]) == 7 and len(r["reverse_flow"]["substation_trafos"]) == 2
        # open capacity of the 2 substation transformers, 8 park transformers, 7 feeders
        assert len(r["open_capacity"]) == 17
        v = r["open_capacity"]["yuhua_110kv_t1"]
        assert v["open_load_mva"] == pytest.approx(v["allowed_mva"] - v["s_load_max_mva"])
        assert v["allowed_mva"] == pytest.approx(50.0)  # SZ11-50000/110 at 100 %
    # change = project − baseline
    e = "robotics_trafo"
    assert g["change"]["open_load_mva"][e] == pytest.approx(
        g["project"]["open_capacity"][e]["open_load_mva"] - g["baseline"]["open_capacity"][e]["open_load_mva"])
    el = pd.read_parquet(out / "grid_year_elements.parquet")
    assert set(el["run"]) == {"project", "baseline"} and len(el) == 2 * (1 + 2 + 8 + 7 + 8)
    rf = pd.read_parquet(out / "grid_year_reverse_flow.parquet")
    assert set(rf["month"]) == {"2025-07"} and len(rf) == len(el)
    # park reverse flow = steps with net import < −1 kW of the dispatch table × 0.25 h
    for run, sched in (("project", ev.project), ("baseline", ev.baseline)):
        p = sched.parks
        hand = (p.assign(r=p["p_net_import_mw"] < -1e-3).groupby("park")["r"].sum() * 0.25).to_dict()
        assert {q: v["hours_h"] for q, v in g[run]["reverse_flow"]["parks"].items()} == pytest.approx(hand)
        mwh = (p.assign(e=(-p["p_net_import_mw"]).clip(lower=0)).groupby("park")["e"].sum() * 0.25).to_dict()
        assert {q: v["energy_mwh"] for q, v in g[run]["reverse_flow"]["parks"].items()} == pytest.approx(mwh, abs=1e-9)


def test_no_ac_skips(tmp_path):
    from cli import main

    out = tmp_path / "ev"
    r = CliRunner().invoke(main, ["evaluate", "single_park", "--days", "1", "--no-dr", "--no-ac", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "AC grid check: skipped (--no-ac)" in r.output
    k = json.loads((out / "kpis.json").read_text())
    assert k["grid_year"] == {"skipped": True, "note": "--no-ac"}
    assert not (out / "grid_year_elements.parquet").exists()
    r = CliRunner().invoke(main, ["evaluate", "single_park", "--days", "1", "--no-dr", "--out", str(tmp_path / "ac")])
    assert r.exit_code == 0, r.output
    assert "AC grid check (power_grid_model, 96 steps" in r.output and "smallest open capacity, load" in r.output
    assert (tmp_path / "ac" / "grid_year_elements.parquet").exists()


def test_representative_days_use_the_typical_days_steps_with_their_weights():
    """On representative days only the typical days' steps are checked, each weighted by its day's weight."""
    import datetime as dt
    from types import SimpleNamespace

    from vpp.evaluation.grid_year import _steps

    t = pd.date_range("2025-01-01", periods=4 * 96, freq="15min", tz="Asia/Shanghai")
    parks = pd.DataFrame({"time": np.repeat(t, 2), "park": ["a", "b"] * len(t)})
    rep = SimpleNamespace(dates=[dt.date(2025, 1, 2), dt.date(2025, 1, 4)], weights=np.array([200.0, 165.0]))
    times, w = _steps(parks, rep)
    assert len(times) == 192 and times[0] == t[96] and times[-1] == t[-1]
    assert w.tolist() == [200.0] * 96 + [165.0] * 96
    times, w = _steps(parks, None)
    assert len(times) == 384 and (w == 1).all()
