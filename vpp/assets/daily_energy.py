"""Energy kept per local day by a movable power (deferrable IT work, flexible DC loads).

For each asset ``a`` of ``names`` and day ``d`` of the window (``days[d]``: its step indices):

    Σ_{t ∈ days[d]} power[a, t] · dt_h = e_day_mwh[a, d]

with ``e_day_mwh`` a mutable parameter (the nominal energy of the day, rewritten by each rolling window).
"""

from __future__ import annotations

from typing import Any, Callable

import pyomo.environ as pyo


def add_daily_energy(b, *, names: list[str], days: list[Any], power: Callable[[Any, str, int], Any],
                     e_day_mwh: dict[str, Any], dt_h: float, set_name: str, param_name: str, con_name: str) -> None:
    """Add the set ``set_name`` of ``names``, the day set ``b.D``, the mutable parameter ``param_name``
    [MWh] initialised from ``e_day_mwh[a][d]`` and the rows ``con_name`` (module doc) to block ``b``;
    ``power(b, a, t)`` is the movable power [MW]."""
    b.add_component(set_name, pyo.Set(initialize=names, ordered=True))
    assets = b.component(set_name)
    b.D = pyo.RangeSet(0, len(days) - 1)
    b.add_component(param_name, pyo.Param(assets, b.D, mutable=True,
                                          initialize=lambda b, a, d: float(e_day_mwh[a][d])))
    e_day = b.component(param_name)
    b.add_component(con_name, pyo.Constraint(
        assets, b.D, rule=lambda b, a, d: sum(power(b, a, t) for t in days[d]) * dt_h == e_day[a, d]))
