"""`vpp capacity` end to end on the single-park example: folder, headline, callable capacity in the called
windows, P50/P90 across days, the best hour as a secondary column, bounds."""

from __future__ import annotations

import json
from pathlib import Path

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
    res = invoke("capacity", SINGLE, "--window", "20:00-22:00,16:00-20:00", "--durations", "1,2", "--samples", "3",
                 "--best-hour-days", "3", "--jobs", "2", "--out", out, "--json")
    assert res.exit_code == 0, res.output
    return out, json.loads(res.output)


def test_capacity_folder_and_json(capacity_run):
    out, js = capacity_run
    for f in ("capacity.parquet", "capacity_days.parquet", "capacity_stats.parquet", "capacity_best_hour.parquet",
              "capacity_summary.parquet", "capacity_summary.csv", "capacity.json", "capacity_factory.png",
              "scenario_resolved.yaml"):
        assert (out / f).is_file(), f
    assert not list(out.parent.glob(".single-capacity*"))  # no temporary folder left behind
    assert js["n_days"] == 3 and len(set(js["days"])) == 3 and js["days_how"] == "drawn" and js["district"] is False
    assert all(d[5:7] in ("06", "07", "08", "09") for d in js["days"])  # summer = Jun-Sep
    assert [w["label"] for w in js["windows"]] == ["20:00-22:00", "16:00-20:00"]
    assert js["best_hour_days"] == js["days"]
    # the headline names window, duration held, direction and confidence
    assert js["headline"][0].startswith("factory down 20:00-22:00, held 2 h: ")
    assert "at P90 over 3 working days" in js["headline"][0]
    rows = {(r["window"], r["direction"], r["duration_h"]) for r in js["summary"]}
    # 20-22: 1 h and the whole 2 h; 16-20: 1 h, 2 h and the whole 4 h; both directions
    assert rows == {(w, r, d) for r in ("down", "up") for w, ds in (("20:00-22:00", (1, 2)), ("16:00-20:00", (1, 2, 4)))
                    for d in ds}
    # the sampled days differ (load noise, PV weather, EV sessions of each date)
    days = pd.read_parquet(out / "capacity_days.parquet")
    assert days.groupby(["window", "direction", "duration_h"]).r_mw.nunique().max() > 1


def test_window_capacity_is_the_minimum_over_its_starts_and_p90_its_tenth_percentile(capacity_run):
    out, js = capacity_run
    table = pd.read_parquet(out / "capacity.parquet")
    days = pd.read_parquet(out / "capacity_days.parquet")
    # 1 h in 20:00-22:00: starts 20:00 and 21:00
    t = table[(table.duration_h == 1.0) & table.start_hour.isin([20.0, 21.0])]
    expect = t.groupby(["direction", "date"]).r_mw.min()
    got = days[(days.window == "20:00-22:00") & (days.duration_h == 1.0)].set_index(["direction", "date"]).r_mw
    pd.testing.assert_series_equal(got.sort_index(), expect.sort_index(), check_names=False)
    for row in js["summary"]:
        r = days[(days.window == row["window"]) & (days.direction == row["direction"])
                 & (days.duration_h == row["duration_h"])].r_mw.sort_values().to_numpy()
        assert row["n_days"] == 3
        assert row["r_p50_mw"] == pytest.approx(r[1], abs=1e-12)  # median of three
        assert row["r_p90_mw"] == pytest.approx(r[0] + 0.2 * (r[1] - r[0]), abs=1e-12)  # position 0.1·(3-1) = 0.2
        assert row["r_p90_mw"] <= row["r_p50_mw"] <= row["r_p10_mw"]


def test_called_window_capacity_is_below_the_best_hour(capacity_run):
    # same days for both (best-hour days = the 3 days): C(W, d) = min over the window's starts <= R at any one
    # start <= the best start's P50 over the days
    out, js = capacity_run
    s = pd.DataFrame(js["summary"])
    assert (s.r_p50_mw <= s.r_best_p50_mw + 1e-9).all()
    w = s[(s.window == "20:00-22:00") & (s.direction == "down") & (s.duration_h == 1.0)].iloc[0]
    assert w.r_best_p50_mw > w.r_p50_mw + 0.2  # the best hour of the day is far better than the evening peak
    best = pd.read_parquet(out / "capacity_best_hour.parquet")
    b = best[(best.direction == "down") & (best.duration_h == 1.0)]
    assert w.r_best_p50_mw == pytest.approx(b.r_p50_mw.max()) and set(b.start_hour) >= set(map(float, range(24)))


def test_capacity_respects_the_connection(capacity_run):
    # factory: 2 × S13-M-2500 -> import (and export) limit 2 × 2.5 × 0.95 = 4.75 MW. At every window step
    # down: R <= net_normal[t] + 4.75, up: R <= 4.75 - net_normal[t]; so also against the window mean.
    out, _ = capacity_run
    t = pd.read_parquet(out / "capacity.parquet")
    down, up = t[t.direction == "down"], t[t.direction == "up"]
    assert (down.r_mw <= down.p_net_normal_mw + 4.75 + 1e-6).all()
    assert (up.r_mw <= 4.75 - up.p_net_normal_mw + 1e-6).all()
    assert (t.r_mw >= 0).all() and up.r_mw.max() > 0.5 and down.r_mw.max() > 0.5


def test_text_table_names_window_duration_direction_confidence(tmp_path):
    res = invoke("capacity", SINGLE, "--date", "2025-07-22", "--durations", "1", "--best-hour-days", "0",
                 "--jobs", "1", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.output
    out = res.output
    assert "HEADLINE (factory): the whole window held" in out
    assert "factory down 20:00-24:00 critical, held 4 h:" in out and "at P90 over 1 day (P50" in out
    assert "DOWN (peak shaving, less import) in 20:00-24:00 (critical peak): P90 / P50 [MW] over 1 day(s)" in out
    assert "2025-07-22 (given date, working day), K = 1" in out
    assert "best hour of the day" not in out  # --best-hour-days 0


def test_bad_capacity_input_is_one_line(tmp_path):
    res = invoke("capacity", SINGLE, "--park", "nope", "--out", tmp_path / "x")
    assert res.exit_code == 1
    assert res.output.strip() == "error: --park: unknown park 'nope' (parks of 'single_park': factory)"
    res = invoke("capacity", SINGLE, "--durations", "0", "--out", tmp_path / "x")
    assert res.exit_code == 1
    assert res.output.strip() == "error: --durations: duration 0 h must be positive"
    res = invoke("capacity", SINGLE, "--window", "22:00-20:00", "--out", tmp_path / "x")
    assert res.exit_code == 1 and res.output.startswith("error: --window 22:00-20:00: the end 20:00 is not after the start")
    assert not (tmp_path / "x").exists()
