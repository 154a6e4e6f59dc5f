"""Bad input through every command: exit 1, one `error:` line naming the field or file, no traceback,
no output folder. The table is (bad scenario × command) plus command-specific bad options."""

from __future__ import annotations

import re
import sys

import pytest
from click.testing import CliRunner

from cli import entry, main
from tests.cli.test_cli import BAD

#: commands that take a scenario, with the options that write an output (``{out}``)
COMMANDS = {
    "run": ["run", "{scn}", "--no-ac", "--out", "{out}"],
    "validate": ["validate", "{scn}"],
    "dr": ["dr", "{scn}", "--out", "{out}"],
    "capacity": ["capacity", "{scn}", "--durations", "1", "--samples", "1", "--jobs", "1", "--out", "{out}"],
    "aggregate": ["aggregate", "{scn}", "--no-bids", "--no-envelope", "--no-admission", "--out", "{out}"],
    "evaluate": ["evaluate", "{scn}", "--days", "1", "--no-dr", "--out", "{out}"],
    "sweep": ["sweep", "{scn}", "--param", "bess.e_max_kwh=1000", "--days", "1", "--scheduler", "sequential",
              "--out", "{out}.parquet"],
    "network": ["network", "{scn}"],
}
#: scenario problems a command cannot see because it does not use that part (none is silently wrong:
#: `network` builds the grid only, so EV sessions are not its business)
NOT_SEEN = {("EV energy impossible", "network"), ("meter file with a gap", "network")}

SPECIFIC = [
    # (command line, pattern of the one error line)
    (["capacity", "single_park", "--durations", "a,1"], r"--durations: 'a' is not a number of hours"),
    (["capacity", "single_park", "--durations", "-1"], r"--durations: duration -1 h must be positive"),
    (["capacity", "single_park", "--date", "2025-02-30"], r"--date '2025-02-30' is not a date"),
    (["capacity", "single_park", "--park", "ghost"], r"ghost"),
    (["capacity", "single_park", "--window", "25:00-26:00"], r"--window 25:00-26:00: 25:00 is not a time of day"),
    (["capacity", "single_park", "--window", "22:00-20:00"], r"--window 22:00-20:00: the end 20:00 is not after the start 22:00"),
    (["capacity", "single_park", "--window", "20:10-22:00"], r"--window 20:10-22:00: 20:10 is not on the 15 min step grid"),
    (["capacity", "single_park", "--window", "evening"], r"--window 'evening' is not HH:MM-HH:MM"),
    (["capacity", "single_park", "--samples", "0"], r"--samples 0 must be at least 1"),
    (["capacity", "single_park", "--samples", "3", "--date", "2025-07-22"], r"--samples 3 with --date: a date is one day"),
    (["capacity", "single_park", "--samples", "400"], r"--samples 400: only 87 working day\(s\) in Jun-Sep 2025"),
    (["capacity", "single_park", "--best-hour-days", "-1"], r"--best-hour-days -1 must be 0"),
    (["aggregate", "yuhua_district", "--admission-window", "22:00-20:00"], r"--admission-window 22:00-20:00: the end 20:00"),
    (["dr", "yuhua_district", "--event", "ghost"], r"ghost"),
    (["aggregate", "yuhua_district", "--vpp", "ghost"], r"--vpp: unknown VPP 'ghost'"),
    (["aggregate", "yuhua_district", "--instruction", "ghost"], r"--instruction: unknown instruction 'ghost'"),
    (["evaluate", "single_park", "--year", "99999"], r"--year.*99999 is not in the range 1990<=x<=2100"),
    (["evaluate", "single_park", "--park", "ghost"], r"--park 'ghost' is not in the scenario"),
    (["evaluate", "single_park", "--lookahead-h", "-5"], r"--lookahead-h -5"),
    (["sweep", "single_park", "--param", "bess.e_max_kwh=5:1:1"], r"range must be start:stop:step"),
    (["sweep", "single_park", "--param", "nothing"], r"expected TARGET\.FIELD="),
    (["sweep", "single_park", "--param", "bess.e_max_kwh=0:1e10:1"], r"at most 100,000 points"),
    (["run", "single_park", "--days", "0"], r"--days.*0 is not in the range"),
    (["run", "single_park", "--start", "2025-13-01"], r"horizon\.start"),
    (["run", "single_park", "--strategy", "lucky"], r"--strategy"),
    (["report", "scenarios"], r"scenarios"),
]


def _cases():
    for bad in sorted(BAD):
        for cmd in COMMANDS:
            if (bad, cmd) not in NOT_SEEN:
                yield pytest.param(bad, cmd, id=f"{cmd}-{bad}")


@pytest.mark.parametrize("bad, cmd", list(_cases()))
def test_bad_scenario_through_every_command(bad, cmd, tmp_path):
    make, pattern = BAD[bad]
    scn = make(tmp_path)
    out = tmp_path / "out"
    args = [a.format(scn=scn, out=out) for a in COMMANDS[cmd]]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    errors = [line for line in r.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, r.output
    assert re.search(pattern, r.output, re.S), r.output
    assert not out.exists() and not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("args, pattern", SPECIFIC, ids=[" ".join(a) for a, _ in SPECIFIC])
def test_bad_option(args, pattern, tmp_path, monkeypatch, capsys):
    # through the console entry point, as a user types it (click's usage errors included)
    argv = ["vpp", *args, *(["--out", str(tmp_path / "o")] if args[0] not in ("report",) else [])]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exc:
        entry()
    out = capsys.readouterr()
    text = out.out + out.err
    assert exc.value.code == 1, text
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, text
    assert re.search(pattern, text, re.S), text
    assert not (tmp_path / "o").exists()


def test_the_table_has_at_least_120_cases():
    assert len(list(_cases())) + len(SPECIFIC) >= 120


def test_report_of_a_folder_with_corrupt_files(tmp_path):
    out = tmp_path / "r"
    assert CliRunner().invoke(main, ["run", "single_park", "--days", "1", "--no-ac", "--out", str(out)]).exit_code == 0
    (out / "dispatch_parks.parquet").write_text("garbage")
    r = CliRunner().invoke(main, ["report", str(out)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    errors = [line for line in r.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "cannot be reported: a result file is unreadable or not vpp's" in errors[0]
    assert not (out / "report.html").exists()
