"""DR settlement: verified response, payment, shortfall penalty and capacity payment (pure functions).

The rule is data (:class:`scenarios.dr_rule_schema.DRRule`, one YAML file per programme rule) passed to
:func:`settle` as one object. For one park and one event of ``n`` steps of ``dt_h`` hours (duration
``D = n · dt_h``), settlement baseline ``B[t]`` (already adjusted by the day-of factor, see
:func:`vpp.demand_response.baseline.adjustment_factor`) and metered net import ``a[t]`` [MW], commitment
``C`` [MW], energy price ``π`` [CNY/MWh] (the rule's notice tier or the programme's price):

* response per step [MW]: ``d[t] = B[t] − a[t]`` (peak shaving, 削峰) or ``a[t] − B[t]`` (valley filling, 填谷);
* verified energy ``V`` [MWh] by the rule's ``response_measure``:

  - ``energy``: ``V = Σ_t max(d[t], 0) · dt_h`` (a step that goes the wrong way counts 0);
  - ``average_mw``: verified MW ``v̄ = max(0, mean_t d[t])`` (the event-average reduction), ``V = v̄ · D``;
* commitment energy ``E_c = C · D`` [MWh]; response ratio ``ρ = V / E_c``;
* payment ``= π · c(ρ) · min(V, paid_ratio_max · E_c)`` with ``c(ρ)`` the coefficient of the payment tier
  ``[from_ratio, to_ratio)`` holding ``ρ``;
* penalty ``= π_pen · max(0, below_ratio · E_c − V)`` with ``π_pen`` the rule's penalty price (a fixed price or
  ``price_factor · π``);
* capacity payment ``= capacity_rate [CNY/MW·month] · C · month_share`` if ``ρ >= capacity_min_ratio``, else 0
  (``month_share``: the event's share of its month's capacity payment, 1 / events of the programme
  in that month);
* DR revenue ``= payment + capacity payment − penalty``.

The simulator rule (``scenarios/dr_rules/simulator.yaml``, the default) has one tier with coefficient 1:
below the band floor the park is still paid for what it delivered and pays for the missing part; the
generic provincial and Hunan rules pay nothing below 50 % (docs/demand_response.md).
"""

from __future__ import annotations

import numpy as np


def verified_response_mw(baseline_mw, actual_mw, kind: str) -> np.ndarray:
    """``v[t]`` [MW] per step, clipped at 0 (see module docstring)."""
    b = np.asarray(baseline_mw, dtype=float)
    a = np.asarray(actual_mw, dtype=float)
    if kind == "peak_shaving":
        return np.clip(b - a, 0.0, None)
    if kind == "valley_filling":
        return np.clip(a - b, 0.0, None)
    raise ValueError(f"unknown DR kind '{kind}'")


def settle(baseline_mw, actual_mw, commitment_mw: float, dt_h: float, *, kind: str, rule, price_cny_per_mwh: float,
           capacity_cny_per_mw_month: float = 0.0, month_share: float = 1.0) -> dict[str, float]:
    """Settlement figures of one park for one event under ``rule`` (units in the keys; module docstring)."""
    b = np.asarray(baseline_mw, dtype=float)
    a = np.asarray(actual_mw, dtype=float)
    n = len(b)
    duration_h = n * dt_h
    if rule.response_measure == "energy":
        verified_mwh = float(verified_response_mw(b, a, kind).sum() * dt_h)
    else:
        sign = 1.0 if kind == "peak_shaving" else -1.0
        verified_mwh = max(0.0, float((sign * (b - a)).mean())) * duration_h if n else 0.0
    commit_mwh = float(commitment_mw) * duration_h
    ratio = verified_mwh / commit_mwh if commit_mwh > 0 else float("nan")
    coef = rule.payment.coefficient(ratio) if commit_mwh > 0 else 0.0
    paid_mwh = min(verified_mwh, rule.payment.paid_ratio_max * commit_mwh)
    shortfall_mwh = max(0.0, rule.penalty.below_ratio * commit_mwh - verified_mwh)
    payment = float(price_cny_per_mwh) * coef * paid_mwh
    penalty_price = rule.penalty.price(price_cny_per_mwh)
    penalty = penalty_price * shortfall_mwh
    ok = commit_mwh > 0 and ratio >= rule.payment.capacity_min_ratio - 1e-12
    capacity = capacity_cny_per_mw_month * commitment_mw * month_share if ok else 0.0
    return {
        "commitment_mw": float(commitment_mw),
        "commitment_mwh": commit_mwh,
        "baseline_mwh": float(np.sum(b) * dt_h),
        "actual_mwh": float(np.sum(a) * dt_h),
        "verified_mwh": verified_mwh,
        "verified_mw": verified_mwh / duration_h if duration_h > 0 else 0.0,
        "response_ratio": ratio,
        "payment_coefficient": coef,
        "price_cny_per_mwh": float(price_cny_per_mwh),
        "penalty_price_cny_per_mwh": penalty_price,
        "paid_mwh": paid_mwh,
        "shortfall_mwh": shortfall_mwh,
        "payment_cny": payment,
        "penalty_cny": penalty,
        "capacity_payment_cny": capacity,
        "dr_revenue_cny": payment + capacity - penalty,
    }
