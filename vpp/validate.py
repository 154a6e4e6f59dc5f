"""Checks beyond the schema: everything that needs the network or the profiles.

Collects all problems (unknown buses and std types, infeasible explicit EV sessions, DR events that\nname unknown parks or overlap, ...) and raises
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
    if scn.dr is not None:
        from vpp.demand_response.checks import dr_problems

        # the event days are checked against the horizon by `vpp dr`, which may move the horizon
        problems.extend(dr_problems(scn, check_horizon=False))
    if scn.vpps:
        from vpp.aggregator.checks import vpp_problems

        problems.extend(vpp_problems(scn))
    if problems:
        raise ScenarioError(source, problems)
