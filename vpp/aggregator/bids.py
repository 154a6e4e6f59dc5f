"""Bid curve: the MW the VPP offers at each compensation price, parks responding only when it pays.

For a window ``E`` (duration ``D`` [h]) and a price ``π`` [CNY/MWh], each member ``p`` chooses its
response against its normal dispatch ``a0`` (physical flexibility; the baseline's own error is not
offered): ``V_p = Σ_{t∈E} sign·(a0[p,t] − a[p,t])·dt_h >= 0`` and the LP minimises

    C − (1 − σ)·π · Σ_p V_p

with ``C`` the dispatch cost and ``σ`` the aggregator's share (a park is paid ``(1 − σ)·π``). The problem is
block-diagonal over parks, so each park responds exactly as far as its own marginal cost stays below
what it is paid. Offered MW at ``π``: ``Σ_p V_p / D``. ``V_p = 0`` (the normal dispatch) is feasible, so
the offer is >= 0 and non-decreasing in ``π`` (parametric LP). One model and one solve session serve
every price (only the mutable price parameter, i.e. the window's column costs, changes between solves).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimization.session import SolveSession
from vpp.demand_response.event import fix_before, keep_own_generation


def bid_curve(district, req, prices_cny_per_mwh: list[float]) -> pd.DataFrame:
    """One row per price: ``price_cny_per_kwh, offered_mw, offered_mwh`` and MW per park (``mw_<park>``)."""
    dm = district.fresh()
    fix_before(dm, req.t_notice)
    W = list(req.steps)
    if req.terms.kind == "valley_filling":
        keep_own_generation(dm, district.members, W)
    else:  # a peak-shaving offer is a grid call over the window (e.g. interruptible contracts, use: grid)
        dm.open_event_window(W)
    m, dt = dm.m, district.dt_h
    sign = req.terms.sign
    a0 = district.a0
    P = district.members
    m.BP = pyo.Set(initialize=P, ordered=True)
    m.bid_price_cny_per_mwh = pyo.Param(initialize=0.0, mutable=True)
    m.bid_v_mwh = pyo.Expression(m.BP, rule=lambda m, p: sum(
        sign * (float(a0[p][t]) - (m.p_import_mw[p, t] - m.p_export_mw[p, t])) for t in W) * dt)
    m.bid_v_nonneg = pyo.Constraint(m.BP, rule=lambda m, p: m.bid_v_mwh[p] >= 0)
    m.objective.deactivate()
    keep = 1.0 - req.terms.aggregator_share
    m.bid_objective = pyo.Objective(
        expr=m.objective.expr - keep * m.bid_price_cny_per_mwh * sum(m.bid_v_mwh[p] for p in P), sense=pyo.minimize)
    session = SolveSession(dm, **district.opts)
    session.solve(load=False)
    dur = len(W) * dt
    rows = []
    for price in sorted(float(x) for x in prices_cny_per_mwh):
        m.bid_price_cny_per_mwh.set_value(price)
        session.read_parameters()  # only the price parameter changed: the costs of the window's columns
        session.solve(load=False)
        v = {p: max(0.0, float(sum(sign * (float(a0[p][t]) - session.value(m.p_import_mw[p, t])
                                           + session.value(m.p_export_mw[p, t])) for t in W) * dt)) for p in P}
        row = {"price_cny_per_mwh": price, "price_cny_per_kwh": price / 1000.0,
               "offered_mwh": float(sum(v.values())), "offered_mw": float(sum(v.values()) / dur) if dur else 0.0}
        row.update({f"mw_{p}": v[p] / dur if dur else 0.0 for p in P})
        rows.append(row)
    df = pd.DataFrame(rows)
    # LP noise must not make the curve dip: offers are monotone in price by construction
    df["offered_mw"] = np.maximum.accumulate(df["offered_mw"].to_numpy()) if len(df) else df["offered_mw"]
    return df
