"""DR revenue of an evaluation: the scenario's DR events that fall in the evaluated period.

Each event ``e`` whose date lies in ``[start, start + days)`` is simulated exactly as ``vpp dr`` does
(:func:`vpp.demand_response.event.simulate_event`) on a copy of the evaluated project scenario whose horizon is that
one day: similar-day settlement baseline, no-event counterfactual dispatch, optimised response,
settlement. Per event and park::

    net_benefit_cny = payment_cny + capacity_payment_cny − penalty_cny − (cost_event_cny − cost_no_event_cny)

and ``dr_revenue_cny`` of the evaluation's savings split is ``sum over events and parks of net_benefit_cny``.
It is **not** annualised by ``365/days`` (the events are the listed dates, not a daily rate): a full-year
evaluation counts every event of the year, a shorter one only the events in its period.

With ``--park`` only events whose parks are all evaluated are counted (the others are listed as skipped);
a ``district_mw`` event without ``parks`` is split over the evaluated parks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from scenarios.schema import Scenario

SUM_KEYS = ("payment_cny", "capacity_payment_cny", "penalty_cny", "dr_revenue_cny", "delta_cost_cny", "net_benefit_cny",
            "verified_mwh", "commitment_mwh")


def events_in_period(scn: Scenario) -> tuple[list, list[str]]:
    """Events whose date is in the horizon and whose parks are all in the scenario; ids skipped for parks."""
    from vpp.demand_response.checks import event_parks

    if scn.dr is None:
        return [], []
    start = scn.horizon.start
    end = start + dt.timedelta(days=scn.horizon.days)
    names = {p.name for p in scn.parks}
    inside, skipped = [], []
    for ev in scn.dr.events:
        if not (start <= ev.date < end):
            continue
        if set(event_parks(scn, ev)) <= names:
            inside.append(ev)
        else:
            skipped.append(ev.id)
    return inside, skipped


def dr_revenue(scn: Scenario, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Simulate the period's events (module docstring); totals [CNY] and one row per event and park."""
    from vpp.demand_response.event import simulate_event

    events, skipped = events_in_period(scn)
    out: dict[str, Any] = {k: 0.0 for k in SUM_KEYS}
    out.update({"events": [], "skipped_events": skipped, "n_events": len(events)})
    if not events:
        return out
    names = {p.name for p in scn.parks}
    # the evaluated parks' events only (others would name unknown parks in the checks of vpp.demand_response)
    from vpp.demand_response.checks import event_parks

    keep = [e for e in scn.dr.events if set(event_parks(scn, e)) <= names]
    dr_cfg = scn.dr.model_copy(update={"events": keep})
    for ev in events:
        day = scn.model_copy(update={"dr": dr_cfg, "horizon": scn.horizon.model_copy(update={"start": ev.date, "days": 1})})
        if log:
            log(f"DR event '{ev.id}' on {ev.date}")
        r = simulate_event(day, ev.id, log=log)
        for row in r.summary.to_dict(orient="records"):
            rec = {"event": ev.id, "date": str(ev.date), "park": row["park"], **{k: float(row[k]) for k in SUM_KEYS}}
            out["events"].append(rec)
            for k in SUM_KEYS:
                out[k] += rec[k]
    return out
