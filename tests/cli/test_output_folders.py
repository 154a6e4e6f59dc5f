"""Output folders: only a folder vpp wrote is replaced; leftovers of killed runs are repaired."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from vpp.errors import OutputError
from vpp.outputs import MARKER, atomic_folder, check_out_dir

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_folder_of_ones_own_is_never_replaced(tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "thesis.txt").write_text("three years of work")
    r = invoke("run", "single_park", "--days", "1", "--no-ac", "--out", precious)
    assert r.exit_code == 1
    errors = [line for line in r.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "was not written by vpp" in errors[0] and "thesis" in errors[0]
    assert (precious / "thesis.txt").read_text() == "three years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_a_vpp_folder_is_replaced_and_carries_the_marker(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", "single_park", "--days", "1", "--no-ac", "--out", out).exit_code == 0
    assert (out / MARKER).is_file()
    (out / "stale.txt").write_text("from an earlier run")
    assert invoke("run", "single_park", "--days", "1", "--no-ac", "--out", out).exit_code == 0
    assert not (out / "stale.txt").exists() and (out / "kpis.json").is_file()


def test_out_under_a_file_is_refused_before_any_work(tmp_path):
    (tmp_path / "f").write_text("x")
    r = invoke("run", "single_park", "--days", "1", "--no-ac", "--out", tmp_path / "f" / "run")
    assert r.exit_code == 1 and "is a file, not a folder" in r.output
    assert "dispatch" not in r.output  # refused before the run started
    assert (tmp_path / "f").read_text() == "x"


def test_leftovers_of_a_killed_run_are_repaired(tmp_path):
    out = tmp_path / "run"
    with atomic_folder(out) as tmp:
        (tmp / "kpis.json").write_text("{}")
    pid = dead_pid()
    # killed between the two renames of a swap: the old folder is aside, nothing at --out
    os.replace(out, tmp_path / f".run.old-{pid}")
    (tmp_path / f".run.tmp-{pid}").mkdir()  # and a temporary folder of the dead process
    (tmp_path / f".run.lock-{pid}").touch()
    check_out_dir(out)
    assert (out / "kpis.json").is_file()  # the previous complete run is back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_folder_being_written_by_another_live_process_is_refused(tmp_path):
    out = tmp_path / "run"
    (tmp_path / f".run.lock-{os.getppid()}").touch()  # a live process (our parent) holds the lock
    with pytest.raises(OutputError, match=r"another vpp process \(pid \d+\) is writing it"):
        check_out_dir(out)


def _complete(folder: Path) -> bool:
    import json

    try:
        return (folder / MARKER).is_file() and isinstance(json.loads((folder / "kpis.json").read_text()), dict)
    except (OSError, ValueError):
        return False


def test_sigkill_at_any_instant_leaves_a_complete_run(tmp_path):
    """Kill `vpp run` at several instants (imports, solving, writing): --out always holds a complete run
    (the previous or the new one), and the next run starts clean."""
    import signal
    import time

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "cli", "run", "single_park", "--days", "1", "--out", str(out)]
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode == 0
    first = (out / "kpis.json").read_text()
    for delay in (0.3, 1.0, 1.8, 2.6, 3.4, 4.2):
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert _complete(out), f"killed after {delay} s: {sorted(x.name for x in out.iterdir()) if out.exists() else 'no folder'}"
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert _complete(out) and (out / "kpis.json").read_text() != "" and first
    assert sorted(x.name for x in tmp_path.iterdir()) == ["run"]  # no lock, temp or old folder left


def test_a_killed_sweep_resumes_without_losing_a_point(tmp_path):
    import signal
    import time

    import pandas as pd

    table = tmp_path / "s.parquet"
    cmd = [sys.executable, "-m", "cli", "sweep", "single_park", "--param", "bess.e_max_kwh=500:2500:500", "--representative-days", "2",
           "--scheduler", "sequential", "--out", str(table)]
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not table.exists():
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)  # after the first point was written
    p.wait()
    done_before = len(pd.read_parquet(table))
    assert 1 <= done_before <= 5
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    df = pd.read_parquet(table)
    assert len(df) == 5 and (df["status"] == "ok").all()
    assert f"{5 - done_before} to run" in r.stderr or done_before == 5
