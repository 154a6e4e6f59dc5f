"""Checks of the ``dr`` section that need the whole scenario; all problems are raised at once.

Problems found (each names the event and field): no ``dr`` section or no events, duplicate event ids,
unknown programme, unknown park, negative MW, a window not on the step grid, two events of one park
that overlap in time, and (for the events to simulate) an event day outside the horizon.
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations

from scenarios.schema import Scenario
from vpp.errors import Problem, ScenarioError


def event_parks(scn: Scenario, ev) -> list[str]:
    """Parks of an event: the keys of ``requested_mw``, or ``parks`` (default all) of a district event."""
    if ev.requested_mw is not None:
        return list(ev.requested_mw)
    return list(ev.parks) if ev.parks is not None else [p.name for p in scn.parks]


def dr_problems(scn: Scenario, event_ids: list[str] | None = None, check_horizon: bool = True) -> list[Problem]:
    """Every problem of ``scn.dr``; the horizon is checked for the events in ``event_ids`` (default all)."""
    if scn.dr is None:
        return [Problem("dr", "the scenario has no 'dr' section (programmes and events)")]
    dr = scn.dr
    out: list[Problem] = []
    if not dr.events:
        out.append(Problem("dr.events", "no DR events are declared"))
    parks = {p.name for p in scn.parks}
    ids = [e.id for e in dr.events]
    for i in sorted({i for i in ids if ids.count(i) > 1}):
        out.append(Problem(f"dr.events.{i}", "event id is used twice"))
    names = [p.name for p in dr.programmes]
    for n in sorted({n for n in names if names.count(n) > 1}):
        out.append(Problem(f"dr.programmes.{n}", "programme name is used twice"))
    res = scn.horizon.resolution_min
    for ev in dr.events:
        path = f"dr.events.{ev.id}"
        if dr.programme(ev.programme) is None:
            out.append(Problem(f"{path}.programme", f"unknown programme '{ev.programme}' (programmes: {', '.join(names)})"))
        if ev.requested_mw is not None:
            for park, mw in ev.requested_mw.items():
                if park not in parks:
                    out.append(Problem(f"{path}.requested_mw.{park}", f"unknown park '{park}' (parks: {', '.join(sorted(parks))})"))
                if mw < 0:
                    out.append(Problem(f"{path}.requested_mw.{park}", f"requested MW must not be negative (got {mw})"))
            if not ev.requested_mw:
                out.append(Problem(f"{path}.requested_mw", "names no park"))
        if ev.district_mw is not None and ev.district_mw < 0:
            out.append(Problem(f"{path}.district_mw", f"requested MW must not be negative (got {ev.district_mw})"))
        for park in ev.parks or []:
            if park not in parks:
                out.append(Problem(f"{path}.parks", f"unknown park '{park}' (parks: {', '.join(sorted(parks))})"))
        for key in ("start_h", "end_h"):
            minutes = getattr(ev, key) * 60.0
            if abs(minutes / res - round(minutes / res)) > 1e-6:
                out.append(Problem(f"{path}.{key}", f"{getattr(ev, key)} h is not on the {res} min step grid"))
    for a, b in combinations(dr.events, 2):
        if a.date != b.date or a.end_h <= b.start_h or b.end_h <= a.start_h:
            continue
        both = sorted(set(event_parks(scn, a)) & set(event_parks(scn, b)))
        if both:
            out.append(Problem(
                f"dr.events.{b.id}",
                f"overlaps event '{a.id}' on {a.date} for park(s) {', '.join(both)} (one event per park at a time)",
            ))
    if check_horizon:
        h = scn.horizon
        last = h.start + dt.timedelta(days=h.days - 1)
        for ev in dr.events:
            if event_ids is not None and ev.id not in event_ids:
                continue
            if not (h.start <= ev.date <= last):
                out.append(Problem(
                    f"dr.events.{ev.id}.date",
                    f"{ev.date} is outside the horizon {h.start}..{last} (use --start {ev.date})",
                ))
    return out


def check_dr(scn: Scenario, event_ids: list[str] | None = None, source: str | None = None) -> None:
    """Raise one :class:`ScenarioError` listing every problem (unknown ``event_ids`` included)."""
    problems = dr_problems(scn, event_ids)
    if scn.dr is not None and event_ids:
        known = [e.id for e in scn.dr.events]
        for i in event_ids:
            if i not in known:
                problems.append(Problem("--event", f"unknown event '{i}' (events: {', '.join(known) or 'none'})"))
    if problems:
        raise ScenarioError(source or scn.name, problems)
