"""`vpp capacity` end to end on the single-park example: folder, table, P50/P90 and bounds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "scenarios" / "single_park.yaml"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def capacity_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cap") / "single-capacity"
    res = invoke("capacity", SINGLE, "--durations", "1,2", "--samples", "2", "--jobs", "2", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    return out, json.loads(res.output)


def test_capacity_folder_and_json(capacity_run):
    out, js = capacity_run
    for f in ("capacity.parquet", "capacity_stats.parquet", "capacity_summary.parquet", "capacity_summary.csv",
              "capacity.json", "capacity_factory.png", "scenario_resolved.yaml"):
        assert (out / f).is_file(), f
    assert not list(out.parent.glob(".single-capacity*"))  # no temporary folder left behind
    assert js["day"] == "2025-07-22" and js["seeds"] == [7, 8] and js["district"] is False
    table = pd.read_parquet(out / "capacity.parquet")
    # start hours 0..23 for 1 h, 0..22 for 2 h (the window must end by midnight), 2 directions, 2 samples
    assert len(table) == (24 + 23) * 2 * 2
    assert set(table.columns) >= {"park", "direction", "duration_h", "start_hour", "sample", "r_mw"}
    assert (table.r_mw >= 0).all()
    # the sampled days differ (PV weather, EV arrivals, load noise)
    a = table[table["sample"] == 0].r_mw.to_numpy()
    b = table[table["sample"] == 1].r_mw.to_numpy()
    assert np.abs(a - b).max() > 1e-3


def test_summary_is_the_best_start_hour_of_the_percentiles(capacity_run):
    out, js = capacity_run
    table = pd.read_parquet(out / "capacity.parquet")
    for row in js["summary"]:
        sel = table[(table.direction == row["direction"]) & (table.duration_h == row["duration_h"])]
        by_hour = sel.groupby("start_hour").r_mw
        p50 = by_hour.median()  # two samples: the mean of both
        p90 = by_hour.apply(lambda r: r.min() + 0.1 * (r.max() - r.min()))  # 10th percentile of two values
        assert row["r_p50_mw"] == pytest.approx(p50.max(), abs=1e-9)
        assert row["r_p90_mw"] == pytest.approx(p90.max(), abs=1e-9)
        assert p50[row["best_start_hour_p50"]] == pytest.approx(p50.max(), abs=1e-9)
        assert row["r_p90_mw"] <= row["r_p50_mw"] + 1e-9


def test_capacity_respects_the_connection(capacity_run):
    # factory: 2 × S13-M-2500 -> import (and export) limit 2 × 2.5 × 0.95 = 4.75 MW. At every window step
    # down: R <= net_normal[t] + 4.75, up: R <= 4.75 - net_normal[t]; so also against the window mean.
    out, _ = capacity_run
    t = pd.read_parquet(out / "capacity.parquet")
    down, up = t[t.direction == "down"], t[t.direction == "up"]
    assert (down.r_mw <= down.p_net_normal_mw + 4.75 + 1e-6).all()
    assert (up.r_mw <= 4.75 - up.p_net_normal_mw + 1e-6).all()
    assert up.r_mw.max() > 0.5 and down.r_mw.max() > 0.5


def test_bad_capacity_input_is_one_line(tmp_path):
    res = invoke("capacity", SINGLE, "--park", "nope", "--out", tmp_path / "x")
    assert res.exit_code == 1
    assert res.output.strip() == "error: --park: unknown park 'nope' (parks of 'single_park': factory)"
    res = invoke("capacity", SINGLE, "--durations", "0", "--out", tmp_path / "x")
    assert res.exit_code == 1
    assert res.output.strip() == "error: --durations: duration 0 h must be positive"
    assert not (tmp_path / "x").exists()
