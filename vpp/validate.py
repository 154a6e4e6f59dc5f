"""Checks beyond the schema: everything that needs the network or the profiles.

Collects all problems (unknown buses and std types, infeasible explicit EV sessions, ...) and raises
one :class:`~vpp.errors.ScenarioError` listing them.
"""

from __future__ import annotations

from network_models import build_grid
from scenarios.schema import Scenario
from vpp.errors import NetworkError, Problem, ScenarioError
from vpp.profiles import build_profiles


def check(scn: Scenario, source: str = "<scenario>") -> None:
    problems: list[Problem] = []
    try:
        build_grid(scn)
    except NetworkError as exc:
        problems.extend(Problem("network", line.strip("- ").strip()) for line in str(exc).splitlines() if line.strip())
    try:
        build_profiles(scn)
    except ScenarioError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ScenarioError(source, problems)
