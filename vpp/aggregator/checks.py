"""Checks of the ``vpps`` section that need the whole scenario; every problem is raised at once.

Problems found (each names the VPP, instruction and field): duplicate VPP names, unknown or repeated
member park, unknown DR programme, duplicate instruction ids, negative MW, a window not on the step
grid, an instruction outside the horizon, a target profile whose length is not the window's steps.
"""

from __future__ import annotations

import datetime as dt

from scenarios.schema import Scenario
from vpp.errors import Problem, ScenarioError


def n_steps(start_h: float, end_h: float, resolution_min: int) -> int:
    """Steps of ``resolution_min`` in ``[start_h, end_h)``."""
    return int(round((end_h - start_h) * 60.0 / resolution_min))


def vpp_problems(scn: Scenario) -> list[Problem]:
    """Every problem of ``scn.vpps`` (see module docstring)."""
    out: list[Problem] = []
    names = [v.name for v in scn.vpps]
    for n in sorted({n for n in names if names.count(n) > 1}):
        out.append(Problem(f"vpps.{n}", "VPP name is used twice"))
    parks = {p.name for p in scn.parks}
    progs = [p.name for p in scn.dr.programmes] if scn.dr is not None else []
    res = scn.horizon.resolution_min
    h = scn.horizon
    last = h.start + dt.timedelta(days=h.days - 1)
    for v in scn.vpps:
        path = f"vpps.{v.name}"
        for p in v.parks:
            if p not in parks:
                out.append(Problem(f"{path}.parks", f"unknown park '{p}' (parks: {', '.join(sorted(parks))})"))
        for p in sorted({p for p in v.parks if v.parks.count(p) > 1}):
            out.append(Problem(f"{path}.parks", f"park '{p}' is listed twice"))
        if v.programme is not None and v.programme not in progs:
            out.append(Problem(f"{path}.programme", f"unknown DR programme '{v.programme}' (programmes: {', '.join(progs) or 'none'})"))
        ids = [i.id for i in v.instructions]
        for i in sorted({i for i in ids if ids.count(i) > 1}):
            out.append(Problem(f"{path}.instructions.{i}", "instruction id is used twice"))
        for ins in v.instructions:
            ip = f"{path}.instructions.{ins.id}"
            for key in ("reduce_mw", "increase_mw"):
                val = getattr(ins, key)
                if val is not None and val < 0:
                    out.append(Problem(f"{ip}.{key}", f"must not be negative (got {val})"))
            for key in ("start_h", "end_h"):
                minutes = getattr(ins, key) * 60.0
                if abs(minutes / res - round(minutes / res)) > 1e-6:
                    out.append(Problem(f"{ip}.{key}", f"{getattr(ins, key)} h is not on the {res} min step grid"))
            if ins.target_profile_mw is not None:
                n = n_steps(ins.start_h, ins.end_h, res)
                if len(ins.target_profile_mw) != n:
                    out.append(Problem(f"{ip}.target_profile_mw",
                                       f"has {len(ins.target_profile_mw)} values, the window has {n} steps of {res} min"))
            if not (h.start <= ins.date <= last):
                out.append(Problem(f"{ip}.date", f"{ins.date} is outside the horizon {h.start}..{last} (use --start {ins.date})"))
    return out


def check_vpps(scn: Scenario, source: str | None = None) -> None:
    """Raise one :class:`ScenarioError` listing every problem of ``scn.vpps``."""
    problems = vpp_problems(scn)
    if problems:
        raise ScenarioError(source or scn.name, problems)
