"""Regression pins: objective and key KPIs of the shipped scenarios stay what the committed code computed.

The figures are computed by :mod:`tests.regression.make_pins` (one function per section, shared with the
generator) and compared with ``pins.json`` at rel 1e-6 / abs 1e-6. A failure lists every differing value as
``section.path: pinned OLD, now NEW``. Regenerate the pins only for an intended change of results, from a
clean checkout (``python tests/regression/make_pins.py --only SECTION``, see its docstring), and say why.

One test per command so that ``pytest -n 2`` spreads the expensive ones; the slowest come first.
"""

from __future__ import annotations

import json

import pytest

from tests.regression.make_pins import (
    ABS_TOL,
    PINS,
    REL_TOL,
    SECTIONS,
    compare,
    compute_aggregate,
    compute_capacity,
    compute_dr,
    compute_evaluate,
    compute_run,
    compute_run_grid_stress,
    leaves,
)


@pytest.fixture(scope="module")
def pins():
    data = json.loads(PINS.read_text(encoding="utf-8"))
    missing = [s for s in SECTIONS if s not in data]
    assert not missing, f"{PINS} has no section(s) {', '.join(missing)}: run tests/regression/make_pins.py"
    return data


def check(pins: dict, section: str, actual: dict) -> None:
    pinned = pins[section]
    mismatches = compare(pinned, actual, section)
    if section == "evaluate" and "evaluate_expected_to_change" in pins:
        flags = leaves(pins["evaluate_expected_to_change"], "evaluate")
        mismatches = [m + ("   [expected to change: netting in the rolling path]" if flags.get(m.split(":")[0]) else "")
                      for m in mismatches]
    if mismatches:
        pytest.fail(
            f"{len(mismatches)} of {len(leaves(pinned))} pinned '{section}' values differ "
            f"(rel {REL_TOL:g}, abs {ABS_TOL:g}; pins: {PINS}):\n  " + "\n  ".join(mismatches),
            pytrace=False,
        )


# module-scoped: each expensive call is made once per worker process
@pytest.fixture(scope="module")
def run_grid_stress():
    return compute_run_grid_stress()


@pytest.fixture(scope="module")
def aggregate():
    return compute_aggregate()


@pytest.fixture(scope="module")
def dr():
    return compute_dr()


@pytest.fixture(scope="module")
def run():
    return compute_run()


@pytest.fixture(scope="module")
def evaluate():
    return compute_evaluate()


@pytest.fixture(scope="module")
def capacity():
    return compute_capacity()


def test_run_grid_stress_network_constrained(pins, run_grid_stress):
    check(pins, "run_grid_stress", run_grid_stress)


def test_aggregate_yuhua_vpp(pins, aggregate):
    check(pins, "aggregate", aggregate)


def test_dr_events_yuhua(pins, dr):
    check(pins, "dr", dr)


def test_run_shipped_scenarios(pins, run):
    check(pins, "run", run)


def test_evaluate_single_park_14_days(pins, evaluate):
    check(pins, "evaluate", evaluate)


def test_capacity_single_park(pins, capacity):
    check(pins, "capacity", capacity)


def test_expected_to_change_flags_cover_the_evaluate_pins(pins):
    """Each pinned evaluate figure says whether the planned rolling-path change should move it."""
    flags = pins.get("evaluate_expected_to_change")
    assert flags is not None, "pins.json has no evaluate_expected_to_change: run tests/regression/make_pins.py"
    assert set(leaves(flags)) == set(leaves(pins["evaluate"]))
    assert all(isinstance(v, bool) for v in leaves(flags).values())
