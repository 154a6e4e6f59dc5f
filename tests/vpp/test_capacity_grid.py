"""Grid limits of `vpp capacity` on scenarios/grid_stress.yaml (depot park, 1 h windows, a few start hours).

Hand-checkable facts: the depot's 3x70 spur f01_2 is rated ~3.5 MVA (200 A at 10 kV); the depot alone can
draw 2 × 2.5 MVA × 0.95 = 4.75 MW, so holding its full valley-filling capacity overloads f01_2 unless the
linearised feeder rows limit it.
"""

import dataclasses
import re

import pytest

from scenarios import load
from vpp.capacity_study.study import format_summary, make_settings, run_capacity

HOURS = (0.0, 1.0, 23.0)


def _run(mode: str):
    scn = load("grid_stress")
    scn = scn.model_copy(update={"network_constraints": scn.network_constraints.model_copy(update={"mode": mode})})
    st = dataclasses.replace(make_settings(scn, park="depot", durations_h=(1.0,), jobs=1), start_hours=HOURS)
    return run_capacity(scn, st)


@pytest.fixture(scope="module")
def both():
    return _run("none"), _run("linear")


def _row(res, direction):
    s = res.summary
    return s[(s.park == "depot") & (s.direction == direction)].iloc[0]


def _loading(worst: str) -> float:
    m = re.search(r"overload ([0-9.]+) %", worst)
    return float(m.group(1)) if m else 0.0


def test_unconstrained_up_window_breaks_the_grid(both):
    none, _ = both
    r = _row(none, "up")
    assert r.ac_violations > 0
    assert r.ac_worst.startswith("f01_2 overload")
    assert _loading(r.ac_worst) > 110.0  # far over the 100 % limit
    assert "park connection" in none.meta["grid_limits"]
    assert "*" in format_summary(none.summary, none.meta)
    # the up capacity cannot exceed the connection limit 4.75 MW minus the normal import
    assert 0 < r.r_p50_mw <= 4.75


def test_linear_limits_reduce_capacity_and_violations(both):
    none, lin = both
    r0, r1 = _row(none, "up"), _row(lin, "up")
    assert lin.meta["grid_limits"] == "linearised feeder limits + connection limits"
    assert r1.r_p50_mw <= r0.r_p50_mw + 1e-6
    assert r1.r_p50_mw < r0.r_p50_mw - 0.1  # the spur, not the connection, binds
    # one linearisation (no closed-loop tightening): residual AC excess <= 1 % of the limit
    assert r1.ac_violations <= r0.ac_violations
    assert _loading(r1.ac_worst) <= 101.0
    assert _loading(r0.ac_worst) - _loading(r1.ac_worst) > 10.0
