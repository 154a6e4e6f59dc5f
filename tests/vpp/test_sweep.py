"""Sweep: parameter parsing, scenario updates, Dask local cluster == sequential, rerun skips done points."""

import pandas as pd
import pytest

from scenarios import load
from vpp.errors import VppError
from vpp.evaluation.sweep import apply_updates, parse_param, sweep


def test_parse_and_apply():
    assert parse_param("bess.e_max_kwh=0:2000:500") == ("bess.e_max_kwh", [0.0, 500.0, 1000.0, 1500.0, 2000.0])
    assert parse_param("economics.discount_rate=0.05,0.08")[1] == [0.05, 0.08]
    with pytest.raises(VppError):
        parse_param("bess.e_max_kwh=5:1:1")
    scn = load("single_park")
    s2 = apply_updates(scn, {"bess.e_max_kwh": 1500, "pv.p_kwp": 800, "economics.discount_rate": 0.08})
    assets = {a.name: a for _, a in s2.assets()}
    assert assets["bess"].e_max_mwh == pytest.approx(1.5)
    assert assets["rooftop_pv"].p_mwp == pytest.approx(0.8)
    assert s2.economics.discount_rate == 0.08
    assert "bess" not in {a.name for _, a in apply_updates(scn, {"factory.bess.e_max_kwh": 0}).assets()}
    with pytest.raises(VppError):
        apply_updates(scn, {"nothing.e_max_kwh": 1})


def test_dask_local_cluster_equals_sequential(tmp_path):
    scn = load("single_park")
    params = ["bess.e_max_kwh=1000,2000", "bess.soc_min=0.1,-1"]  # soc_min -1 fails validation
    kw = {"representative_days": 2}
    seq = sweep(scn, params, tmp_path / "seq.parquet", scheduler="sequential", eval_kwargs=kw)
    par = sweep(scn, params, tmp_path / "dask.parquet", n_workers=2, eval_kwargs=kw)
    assert list(seq.status) == ["ok", "error", "ok", "error"]
    assert seq.loc[seq.status == "error", "error"].str.contains("soc_min").all()
    num = [c for c in seq.columns if c.endswith("_cny") or c in ("irr",)]
    pd.testing.assert_frame_equal(seq[["point_id", "status"] + num], par[["point_id", "status"] + num], rtol=1e-6)
    # rerun: ok points are skipped (the table is unchanged), failed ones are retried
    again = sweep(scn, params, tmp_path / "seq.parquet", scheduler="sequential", eval_kwargs=kw,
                  log=lambda m: msgs.append(m))
    assert msgs[0].startswith("4 point(s), 2 already done, 2 to run")
    pd.testing.assert_frame_equal(again[num], seq[num])


msgs: list[str] = []


def test_rerun_with_other_options_recomputes_and_failures_exit_1(tmp_path):
    from click.testing import CliRunner

    from cli import main

    scn = load("single_park")
    out = tmp_path / "s.parquet"
    log: list[str] = []
    one = sweep(scn, ["bess.e_max_kwh=1000"], out, scheduler="sequential", eval_kwargs={"representative_days": 2})
    two = sweep(scn, ["bess.e_max_kwh=1000"], out, scheduler="sequential", eval_kwargs={"representative_days": 3}, log=log.append)
    assert log[0].startswith("1 point(s), 0 already done, 1 to run")  # other options: not the old number
    assert two["project_cost_cny"].iloc[0] != pytest.approx(one["project_cost_cny"].iloc[0], rel=1e-3)
    # a sweep with a failed point exits 1 (table written), unless --allow-failures
    args = ["sweep", "single_park", "--param", "bess.soc_min=-1", "--representative-days", "2", "--scheduler", "sequential",
            "--out", str(tmp_path / "f.parquet")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1 and "1 of 1 sweep point(s) failed" in r.output and "soc_min" in r.output
    assert (tmp_path / "f.parquet").is_file()
    assert CliRunner().invoke(main, args + ["--allow-failures"]).exit_code == 0


def test_sweep_refuses_huge_ranges_and_foreign_tables(tmp_path):
    with pytest.raises(VppError, match="10,000,000,001 values; a sweep takes at most 100,000 points"):
        parse_param("bess.e_max_kwh=0:1e10:1")
    with pytest.raises(VppError, match="finite"):
        parse_param("bess.e_max_kwh=1,inf")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(VppError, match="cannot be read to resume"):
        sweep(load("single_park"), ["bess.e_max_kwh=1000"], bad, scheduler="sequential", eval_kwargs={"representative_days": 2})
