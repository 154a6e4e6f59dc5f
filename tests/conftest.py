"""Shared fixtures: shipped scenarios and one cached run of each strategy on the single-park example."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def single_park():
    from scenarios import load

    return load(SCENARIOS / "single_park.yaml")


@pytest.fixture(scope="session")
def single_park_runs(single_park):
    from vpp.pipeline import run

    return {s: run(single_park, s) for s in ("optimised", "baseline")}
