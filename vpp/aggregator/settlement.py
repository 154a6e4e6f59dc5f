"""VPP settlement: the grid pays the VPP at the substation; the money is split over parks and aggregator.

For an instruction with window steps ``E`` (``dt_h`` each), request ``R[t]`` [MW], members ``p`` with
baseline ``B[p,t]`` and metered net import ``a[p,t]`` [MW], direction ``sign`` (+1 peak shaving, −1
valley filling), price ``π``, penalty price ``π_s``, band ``[lo, hi]``, aggregator share ``σ``:

* park response ``d[p,t] = sign · (B[p,t] − a[p,t])``; delivered ``D[t] = Σ_p d[p,t]`` (substation);
* **VPP level** (grid ↔ VPP), by the programme's rule (``terms.rule``, :mod:`scenarios.dr_rule_schema`):
  requested energy ``E = Σ_t R[t] · dt_h``; verified energy ``V = Σ_t max(D[t], 0) · dt_h`` (rule measure
  ``energy``) or ``V = max(0, Σ_t D[t] · dt_h)`` (``average_mw``: the window-average delivery); ratio
  ``ρ = V / E``; paid energy ``Y = min(V, hi · E)``; compensation ``= π · c(ρ) · Y`` with ``c`` the rule's
  payment-tier coefficient; shortfall energy ``S = Σ_t max(0, lo · R[t] − D[t]) · dt_h`` (``energy``: per
  step, a dispatch instruction is followed step by step) or ``S = max(0, lo · E − V)`` (``average_mw``);
  penalty ``= π_s · S``. ``lo``/``hi`` are the rule's penalty floor and paid cap (``terms.band``);
* **allocation** of the request to parks (their share of the instruction): ``R_p[t] = R[t] · w_p[t]`` with
  ``w_p[t] = max(d[p,t], 0) / Σ_q max(d[q,t], 0)`` (pro rata to what each park delivered at that step;
  pro rata to baseline energy in the window where nobody delivered);
* **parks**: each park's verified response against its own baseline (:func:`vpp.demand_response.settlement.settle`,
  commitment = its mean allocation) ``v_p``; park compensation ``= (1 − σ) · compensation · v_p / Σ_q v_q``;
  park penalty ``= penalty · u_p / Σ_q u_q`` with ``u_p = Σ_t max(0, lo · R_p[t] − d[p,t]) · dt_h``
  (its own shortfall against its allocation; pro rata to the allocation if every ``u`` is 0);
* **aggregator** keeps ``σ · compensation``.

Balance (tested): ``Σ_p (park compensation − park penalty) + aggregator = compensation − penalty``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vpp.demand_response.settlement import settle


def _weights(x: dict[str, float], fallback: dict[str, float]) -> dict[str, float]:
    s = sum(max(0.0, v) for v in x.values())
    if s > 1e-12:
        return {p: max(0.0, v) / s for p, v in x.items()}
    s = sum(max(0.0, v) for v in fallback.values())
    if s > 1e-12:
        return {p: max(0.0, v) / s for p, v in fallback.items()}
    return {p: 1.0 / len(x) for p in x}


def settle_vpp(req, baseline_mw: dict[str, np.ndarray], actual_mw: dict[str, np.ndarray], dt_h: float) -> tuple[dict, pd.DataFrame]:
    """VPP-level figures (dict, units in the keys) and the per-park split (DataFrame); module docstring."""
    t = req.terms
    sign = t.sign
    lo, hi = t.band
    W = req.steps
    if t.rule is not None:
        rule = t.rule
    else:
        from vpp.demand_response.rules import simulator_rule

        rule = simulator_rule((float(lo), float(hi)), float(t.penalty_cny_per_mwh))
    parks = list(baseline_mw)
    R = np.asarray(req.r_mw, dtype=float)
    d = {p: sign * (baseline_mw[p][W] - actual_mw[p][W]) for p in parks}
    D = sum(d.values()) if parks else np.zeros(len(W))
    e_req = float(R.sum() * dt_h)
    if rule.response_measure == "energy":
        verified = float(np.clip(D, 0, None).sum() * dt_h)
        shortfall = float(np.clip(lo * R - D, 0, None).sum() * dt_h)
    else:
        verified = max(0.0, float(np.sum(D) * dt_h))
        shortfall = max(0.0, lo * e_req - verified)
    paid = min(verified, hi * e_req)
    coef = rule.payment.coefficient(verified / e_req) if e_req > 0 else 0.0
    comp = t.price_cny_per_mwh * coef * paid
    pen = t.penalty_cny_per_mwh * shortfall
    base_e = {p: float(sign * baseline_mw[p][W].sum() * dt_h) for p in parks}
    # allocation of the request per step
    alloc = {p: np.zeros(len(W)) for p in parks}
    base_w = _weights(base_e, {p: 1.0 for p in parks})
    for k in range(len(W)):
        w = _weights({p: float(d[p][k]) for p in parks}, base_w)
        for p in parks:
            alloc[p][k] = R[k] * w[p]
    rows = []
    for p in parks:
        s = settle(baseline_mw[p][W], actual_mw[p][W], float(alloc[p].mean()) if len(W) else 0.0, dt_h, kind=t.kind,
                   rule=rule, price_cny_per_mwh=t.price_cny_per_mwh)
        rows.append({"park": p, "allocation_mw": float(alloc[p].mean()) if len(W) else 0.0,
                     "baseline_mwh": s["baseline_mwh"], "actual_mwh": s["actual_mwh"], "verified_mwh": s["verified_mwh"],
                     "verified_mw": s["verified_mw"], "response_ratio": s["response_ratio"],
                     "shortfall_vs_allocation_mwh": float(np.clip(lo * alloc[p] - d[p], 0, None).sum() * dt_h)})
    df = pd.DataFrame(rows)
    if len(df):
        wv = _weights(dict(zip(df.park, df.verified_mwh)), {p: 1.0 for p in parks})
        wu = _weights(dict(zip(df.park, df.shortfall_vs_allocation_mwh)), dict(zip(df.park, df.allocation_mw)))
        df["compensation_cny"] = [(1.0 - t.aggregator_share) * comp * wv[p] for p in df.park]
        df["penalty_cny"] = [pen * wu[p] for p in df.park]
        df["net_settlement_cny"] = df.compensation_cny - df.penalty_cny
    aggregator = t.aggregator_share * comp
    summary = {
        "kind": t.kind, "requested_mw": float(R.mean()) if len(R) else 0.0, "requested_mwh": e_req,
        "delivered_mwh": float(D.sum() * dt_h), "verified_mwh": verified, "delivery_ratio": verified / e_req if e_req > 0 else float("nan"),
        "paid_mwh": paid, "shortfall_mwh": shortfall, "shortfall_max_mw": float(np.clip(R - D, 0, None).max()) if len(R) else 0.0,
        "compensation_cny": comp, "penalty_cny": pen, "net_settlement_cny": comp - pen,
        "aggregator_cny": aggregator, "parks_cny": float(df.net_settlement_cny.sum()) if len(df) else 0.0,
        "rule": rule.name, "rule_version": rule.version, "payment_coefficient": coef,
        "price_cny_per_mwh": t.price_cny_per_mwh, "penalty_cny_per_mwh": t.penalty_cny_per_mwh, "band": list(t.band),
        "aggregator_share": t.aggregator_share,
    }
    return summary, df
