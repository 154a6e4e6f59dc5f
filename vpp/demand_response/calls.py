"""Calls of interruptible contracts (可中断负荷) by the DR events of a scenario, against their yearly limit.

An event calls an interruptible load when it is a peak-shaving event of the load's park whose window
``[start_h, end_h)`` overlaps one of the contract's windows ``windows_h`` (outside them the contract cannot be
curtailed). ``max_calls_per_year`` limits the calls per calendar year; ``vpp dr`` refuses a scenario whose
events call a contract more often (one error naming the asset, the year and the events).
"""

from __future__ import annotations

from vpp.demand_response.checks import event_parks
from vpp.errors import VppError


def contract_calls(scn) -> dict[str, dict[int, list[str]]]:
    """Interruptible asset name -> {year: ids of the events that call it}."""
    out: dict[str, dict[int, list[str]]] = {}
    if scn.dr is None:
        return out
    for park in scn.parks:
        for a in park.assets:
            if a.kind != "interruptible_load":
                continue
            calls = out.setdefault(a.name, {})
            for ev in scn.dr.events:
                prog = scn.dr.programme(ev.programme)
                if prog is None or prog.kind != "peak_shaving" or park.name not in event_parks(scn, ev):
                    continue
                if any(ev.start_h < b and a0 < ev.end_h for a0, b in a.windows_h):
                    calls.setdefault(ev.date.year, []).append(ev.id)
    return out


def check_contract_calls(scn) -> None:
    """Raise :class:`vpp.errors.VppError` when the events call an interruptible contract more often than
    its ``max_calls_per_year``."""
    calls = contract_calls(scn)
    for park, a in scn.assets():
        limit = getattr(a, "max_calls_per_year", None)
        if a.kind != "interruptible_load" or limit is None:
            continue
        for year, ids in sorted(calls.get(a.name, {}).items()):
            if len(ids) > limit:
                raise VppError(f"interruptible load '{a.name}' (park '{park.name}'): the DR events call it {len(ids)} "
                               f"times in {year} ({', '.join(ids)}), above its max_calls_per_year {limit}")
