"""The `vpp` command line: outputs, exit codes and the one-line message for each bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "scenarios" / "single_park.yaml"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def scenario_with(tmp_path, edit, name="bad.yaml"):
    data = yaml.safe_load(SINGLE.read_text())
    edit(data)
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def assets(d):
    return d["parks"][0]["assets"]


def battery(d):
    return next(a for a in assets(d) if a["kind"] == "battery")


def test_run_writes_a_complete_run_folder(tmp_path):
    out = tmp_path / "run"
    r = invoke("run", SINGLE, "--out", out, "--csv")
    assert r.exit_code == 0, r.output
    assert "total cost" in r.output and "peak import per park" in r.output
    for f in ("scenario_resolved.yaml", "dispatch_assets.parquet", "dispatch_assets.csv", "dispatch_parks.parquet",
              "costs_parks.parquet", "powerflow_summary.parquet", "powerflow_vm_pu.parquet",
              "powerflow_line_loading_percent.parquet", "powerflow_trafo_loading_percent.parquet",
              "powerflow_violations.parquet", "kpis.json", "dispatch.png"):
        assert (out / f).is_file(), f
    k = json.loads((out / "kpis.json").read_text())
    assert k["strategy"] == "optimised" and k["total_cost_cny"] > 0
    assert not list(tmp_path.glob(".run.tmp-*"))


def test_run_json_days_and_start(tmp_path):
    r = invoke("run", SINGLE, "--out", tmp_path / "r", "--days", 2, "--start", "2025-12-01", "--json", "--no-ac")
    assert r.exit_code == 0, r.output
    k = json.loads(r.output)
    resolved = yaml.safe_load((tmp_path / "r" / "scenario_resolved.yaml").read_text())
    assert resolved["horizon"]["days"] == 2 and resolved["horizon"]["start"] == "2025-12-01"
    assert "vm_min_pu" not in k  # --no-ac


def test_scenarios_lists_shipped():
    r = invoke("scenarios")
    assert r.exit_code == 0
    for name in ("yuhua_district", "single_park", "ieee33_parks"):
        assert name in r.output


def test_network_summary_of_reference_district():
    r = invoke("network", "yuhua_district", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert len(d["feeders"]) >= 6
    assert len(d["parks"]) >= 8


def test_validate_ok_and_all_problems_at_once(tmp_path):
    assert invoke("validate", SINGLE).exit_code == 0

    def edit(d):
        battery(d)["soc_init"] = 1.5
        battery(d)["p_max_kw"] = -5
        assets(d)[0]["colour"] = "red"

    r = invoke("validate", scenario_with(tmp_path, edit))
    assert r.exit_code == 1
    assert "3 problems" in r.output
    assert "parks.factory.assets.bess.soc_init" in r.output
    assert "parks.factory.assets.bess.p_max_mw" in r.output
    assert "parks.factory.assets.process_load.colour: unknown key" in r.output


def _yaml_error(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\nparks: [\n  - name: a\n")
    return p


def _ev_impossible(d):
    ev = next(a for a in assets(d) if a["kind"] == "ev_charging")
    ev["sessions"] = [{"arrival": "2025-07-22T08:00:00", "departure": "2025-07-22T09:00:00", "e_kwh": 50}]


def _meter_with_gap(tp):
    """The factory's process load read from a meter file with a 1 h hole on the run day."""
    import pandas as pd

    idx = pd.date_range("2025-07-21", "2025-07-24", freq="15min", inclusive="left")
    idx = idx[(idx < "2025-07-22 10:00") | (idx >= "2025-07-22 11:00")]
    pd.DataFrame({"time": idx.strftime("%Y-%m-%d %H:%M"), "p_kw": 1500.0}).to_csv(tp / "meter_gap.csv", index=False)

    def edit(d):
        a = assets(d)[0]
        a.pop("archetype")
        a["profile"] = {"path": str(tp / "meter_gap.csv"), "unit": "kW", "stamps": "beginning"}

    return scenario_with(tp, edit)


def _meter_missing(d):
    a = assets(d)[0]
    a.pop("archetype")
    a["profile"] = {"path": "no_such_meter.csv"}


BAD = {
    "meter file with a gap": (_meter_with_gap, r"process_load\.profile.*meter_gap\.csv.*gap"),
    "meter file missing": (lambda tp: scenario_with(tp, _meter_missing),
                           r"process_load\.profile\.path: file not found"),
    "malformed YAML": (lambda tp: _yaml_error(tp), r"malformed YAML at line \d+, column \d+"),
    "unknown key": (lambda tp: scenario_with(tp, lambda d: d.update(colour="red")), r"colour: unknown key"),
    "unknown bus": (
        lambda tp: scenario_with(tp, lambda d: d["parks"][0]["connection"].update(bus="nowhere_10kv")),
        r"park 'factory'.*'nowhere_10kv'",
    ),
    "negative power": (
        lambda tp: scenario_with(tp, lambda d: battery(d).update(p_max_kw=-100)),
        r"parks\.factory\.assets\.bess\.p_max_mw: Input should be greater than 0",
    ),
    "SOC outside limits": (
        lambda tp: scenario_with(tp, lambda d: battery(d).update(soc_init=0.99)),
        r"bess: soc_init 0\.99 is outside \[soc_min, soc_max\]",
    ),
    "EV energy impossible": (
        lambda tp: scenario_with(tp, _ev_impossible),
        r"staff_ev.*0\.05.*0\.007",
    ),
    "missing file": (lambda tp: tp / "nope.yaml", r"nope\.yaml: 1 problem: file not found"),
    "kW and MW both": (
        lambda tp: scenario_with(tp, lambda d: battery(d).update(p_max_mw=1.0)),
        r"'p_max_kw' and 'p_max_mw' give the same quantity twice",
    ),
    # numbers must be numbers: a quoted number would skip the kW -> MW scaling (1000x too much)
    "number in quotes (kW)": (
        lambda tp: scenario_with(tp, lambda d: battery(d).update(p_max_kw="500")),
        r"parks\.factory\.assets\.bess: 'p_max_kw': '500' is not a number",
    ),
    "number in quotes (MW)": (
        lambda tp: scenario_with(tp, lambda d: d["parks"][0]["connection"].update(p_import_max_mw="3")),
        r"parks\.factory\.connection: 'p_import_max_mw': '3' is not a number",
    ),
    "boolean as a number": (
        lambda tp: scenario_with(tp, lambda d: battery(d).update(e_max_kwh=True)),
        r"'e_max_kwh': True is not a number",
    ),
    "boolean as a count": (
        lambda tp: scenario_with(tp, lambda d: d["parks"][0]["connection"].update(n_transformers=True)),
        r"'n_transformers': True is not a number",
    ),
    "infinite number": (
        lambda tp: scenario_with(tp, lambda d: battery(d).update(e_max_kwh=float("inf"))),
        r"parks\.factory\.assets\.bess\.e_max_mwh: Input should be a finite number",
    ),
    "not-a-number": (
        lambda tp: scenario_with(tp, lambda d: d["tariff"].update(demand_charge_cny_per_kw_month=float("nan"))),
        r"demand_charge_cny_per_mw_month: Input should be a finite number",
    ),
    "duplicate key": (
        lambda tp: _raw(tp, SINGLE.read_text().replace("\nseed:", "\nseed: 7\nseed:", 1)),
        r"malformed YAML at line \d+, column \d+: duplicate key 'seed' \(first given at line \d+\)",
    ),
    "alias bomb": (
        lambda tp: _raw(tp, "l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
            f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)) + "\n"),
        r"expands to 490,329,064 nodes through its aliases",
    ),
    "not UTF-8": (
        lambda tp: _raw_bytes(tp, SINGLE.read_text().encode("utf-16")),
        r"not UTF-8 text",
    ),
    "section of the wrong shape": (
        lambda tp: scenario_with(tp, lambda d: d.update(horizon=[1, 2])),
        r"horizon: Input should be a valid dictionary",
    ),
    "impossible date": (
        lambda tp: scenario_with(tp, lambda d: d["horizon"].update(start="2025-02-30")),
        r"horizon\.start: Input should be a valid date",
    ),
    "date out of range": (
        lambda tp: scenario_with(tp, lambda d: d["horizon"].update(start="9999-12-31")),
        r"horizon\.start: Input should be less than or equal to 2100-12-31",
    ),
    "outputs.dir escaping": (
        lambda tp: scenario_with(tp, lambda d: d.update(outputs={"dir": "../elsewhere"})),
        r"outputs: dir '\.\./elsewhere': '\.\.' would leave the working folder",
    ),
    "absurd price": (
        lambda tp: scenario_with(tp, lambda d: d["tariff"].update(flat_price_cny_per_kwh=1e6)),
        r"tariff\.flat_price_cny_per_mwh: Input should be less than or equal to 100000",
    ),
    "nested too deeply": (
        lambda tp: _raw(tp, "name: x\nparks: " + "[" * 5000 + "]" * 5000 + "\n"),
        r"nested too deeply to be a scenario",
    ),
    "absurd battery size": (
        lambda tp: scenario_with(tp, lambda d: battery(d).update(e_max_kwh=1e12)),
        r"parks\.factory\.assets\.bess\.e_max_mwh: Input should be less than or equal to 100000",
    ),
}


def _raw(tp, text, name="bad.yaml"):
    p = tp / name
    p.write_text(text, encoding="utf-8")
    return p


def _raw_bytes(tp, data, name="bad.yaml"):
    p = tp / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_one_message_exit_1_no_run_folder(case, tmp_path):
    make, pattern = BAD[case]
    path = make(tmp_path)
    out = tmp_path / "out"
    r = invoke("run", path, "--out", out, "--no-ac")
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    errors = [line for line in r.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, r.output  # progress lines ("· ...") may precede it on stderr
    import re

    assert re.search(pattern, r.output, re.S), r.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_infeasible_dispatch_names_the_park(tmp_path):
    def edit(d):
        d["parks"][0]["connection"]["p_import_max_kw"] = 500

    r = invoke("run", scenario_with(tmp_path, edit), "--out", tmp_path / "o", "--no-ac")
    assert r.exit_code == 1
    assert "dispatch is infeasible: park 'factory': demand exceeds the connection" in r.output
    assert not (tmp_path / "o").exists()


def test_console_script_no_traceback_without_debug(tmp_path):
    bad = scenario_with(tmp_path, lambda d: d.update(colour="red"))
    p = subprocess.run([sys.executable, "-m", "cli", "run", str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert p.stderr.strip().count("\n") == 0
    p = subprocess.run([sys.executable, "-m", "cli", "--debug", "run", str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 1 and "Traceback" in p.stderr


def test_usage_errors_exit_1_with_one_line(tmp_path):
    for args in (["report", str(tmp_path / "nowhere")], ["run", str(SINGLE), "--bogus"]):
        p = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=tmp_path)
        assert p.returncode == 1, args
        assert p.stderr.startswith("error: ") and p.stderr.strip().count("\n") == 0, p.stderr


def test_library_warnings_are_counted_in_one_line(capsys):
    import logging
    import warnings

    from cli import library_warnings_counted

    with library_warnings_counted(debug=False):
        for _ in range(190):
            logging.getLogger("pandapower.powerflow").warning("Power Flow did not converge")
        warnings.warn("a deprecated call", UserWarning)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("· 191 warning(s) from libraries hidden (first: pandapower.powerflow: Power Flow did not")


def test_explicit_ev_sessions_outside_the_horizon_are_reported_once(tmp_path):
    def edit(d):
        ev = next(a for a in assets(d) if a["kind"] == "ev_charging")
        ev["sessions"] = [{"arrival": "2025-07-22T08:00:00", "departure": "2025-07-22T17:00:00", "e_kwh": 20},
                          {"arrival": "2025-08-01T08:00:00", "departure": "2025-08-01T17:00:00", "e_kwh": 20}]

    r = invoke("run", scenario_with(tmp_path, edit), "--out", tmp_path / "o", "--no-ac")
    assert r.exit_code == 0, r.output
    said = [line for line in r.output.splitlines() if "outside the horizon" in line]
    assert len(said) == 1 and "1 of 2 explicit session(s)" in said[0] and said[0].startswith("· warning: EV asset")


def test_feeders_under_a_network_that_brings_its_own_lines_are_refused(tmp_path):
    def edit(d):
        d["network"]["kind"] = "case33bw"

    r = invoke("validate", scenario_with(tmp_path, edit))
    assert r.exit_code == 1 and "'feeders' build a radial_district network; kind 'case33bw'" in r.output
