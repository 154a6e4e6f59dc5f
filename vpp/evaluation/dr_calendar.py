"""A year of DR events from the scenario's ``dr.calendar`` (``vpp evaluate --calendars K``).

:func:`generate` draws calendar ``c`` with ``numpy.random.default_rng(seed + c)``: for each season in the
order spring, summer, autumn, winter, ``calls`` distinct **working days** (Chinese statutory calendar,
:mod:`vpp.calendar_cn`) of the season's months inside the evaluated year, without replacement; per call a
duration of whole hours uniform in ``duration_h`` and a start hour uniform in ``start_h`` (the end is cut at
24 h). Each call is a :class:`scenarios.dr_schema.DREvent` of the scenario's programme with the season's
``kind`` and ``notice`` and a ``district_mw`` commitment, so it is simulated and settled exactly like a listed
event (:mod:`vpp.evaluation.dr_revenue`).

:func:`calendar_economics` books each calendar into the cash flow: its DR net benefit
``sum_events (payment + capacity_payment − penalty − (cost_event − cost_no_event))`` — compensation,
penalties and the rebound/dispatch cost change — replaces ``dr_revenue`` of the year's savings split
(the same every project year), and the NPV of that cash flow is computed per calendar. Reported: NPV
P10/P50/P90 over the K calendars (``numpy.percentile``, linear) and one row per calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import numpy as np

from scenarios.dr_calendar_schema import SEASON_MONTHS
from scenarios.dr_schema import DREvent
from scenarios.schema import Scenario
from vpp import economics as ec
from vpp.calendar_cn import is_working_day
from vpp.errors import VppError


def generate(scn: Scenario, start: dt.date, n_days: int, c: int = 0) -> list[DREvent]:
    """Calendar ``c`` of the ``n_days`` from ``start`` (module docstring)."""
    if scn.dr is None or scn.dr.calendar is None:
        raise VppError("--calendars needs a dr.calendar section in the scenario (seed, district_mw, seasons)")
    cal = scn.dr.calendar
    rng = np.random.default_rng(cal.seed + c)
    days = [start + dt.timedelta(days=i) for i in range(n_days)]
    events: list[DREvent] = []
    for name, s in cal.season_specs().items():
        if not s.calls:
            continue
        prog = next((p for p in scn.dr.programmes if p.kind == s.kind and p.notice == s.notice), None)
        if prog is None:
            raise VppError(f"dr.calendar season '{name}': no programme of kind {s.kind} with notice {s.notice} "
                           f"(programmes: {', '.join(p.name for p in scn.dr.programmes)})")
        months = set(s.months or SEASON_MONTHS[name])
        pool = [d for d in days if d.month in months and is_working_day(d)]
        if len(pool) < s.calls:
            raise VppError(f"dr.calendar season '{name}': {s.calls} calls but only {len(pool)} working days "
                           "of its months in the evaluated period")
        picks = sorted(rng.choice(len(pool), size=s.calls, replace=False))
        lo_h, hi_h = s.start_range_h
        for i, j in enumerate(picks):
            dur = int(rng.integers(s.duration_h[0], s.duration_h[1] + 1))
            st = int(rng.integers(lo_h, hi_h + 1))
            events.append(DREvent(id=f"cal{c}_{name}_{i + 1}", programme=prog.name, date=pool[int(j)], start_h=st,
                                  end_h=min(24, st + dur), district_mw=s.district_mw or cal.district_mw, parks=cal.parks))
    return sorted(events, key=lambda e: (e.date, e.start_h))


def with_events(scn: Scenario, events: list[DREvent]) -> Scenario:
    """The scenario whose DR events are ``events`` (the calendar's replace the listed ones)."""
    return scn.model_copy(update={"dr": scn.dr.model_copy(update={"events": events})})


def calendar_economics(scn: Scenario, split: dict[str, float], sizes: ec.ProjectSizes, pv_mwh: float, dis_mwh: float,
                       k: int, simulate: Callable[[Scenario], dict[str, Any]], log: Callable[[str], None] | None = None
                       ) -> dict[str, Any]:
    """NPV per calendar ``0..k-1`` with its DR net benefit booked as ``dr_revenue`` (module docstring).

    ``split``: the year's savings split [CNY/yr]; ``simulate``: DR revenue of a scenario's events
    (:func:`vpp.evaluation.dr_revenue.dr_revenue`).
    """
    rows = []
    for c in range(k):
        events = generate(scn, scn.horizon.start, scn.horizon.days, c)
        if log:
            log(f"DR calendar {c + 1}/{k}: {len(events)} call(s)")
        d = simulate(with_events(scn, events))
        econ, _ = ec.summary(scn.economics, sizes, {**split, "dr_revenue": d["net_benefit_cny"]}, pv_mwh, dis_mwh)
        rows.append({"calendar": c, "seed": scn.dr.calendar.seed + c, "n_events": d["n_events"],
                     **{key: d[key] for key in ("payment_cny", "capacity_payment_cny", "penalty_cny", "delta_cost_cny",
                                                "net_benefit_cny")},
                     "npv_cny": econ["npv_cny"], "dates": [e.date.isoformat() for e in events]})
    npv = np.array([r["npv_cny"] for r in rows])
    p10, p50, p90 = (float(x) for x in np.percentile(npv, [10, 50, 90]))
    return {"k": k, "npv_p10_cny": p10, "npv_p50_cny": p50, "npv_p90_cny": p90,
            "net_benefit_mean_cny": float(np.mean([r["net_benefit_cny"] for r in rows])), "calendars": rows}
