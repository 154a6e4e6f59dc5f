"""DR settlement: verified response, payment, shortfall penalty and capacity payment (pure functions).

For one park and one event of ``n`` steps of ``dt_h`` hours (duration ``D = n · dt_h``), baseline
``B[t]`` and metered net import ``a[t]`` [MW], commitment ``C`` [MW]:

* verified response per step [MW]: ``v[t] = max(B[t] − a[t], 0)`` (peak shaving, 削峰) or
  ``v[t] = max(a[t] − B[t], 0)`` (valley filling, 填谷): a step that goes the wrong way counts 0;
* verified energy ``V = sum_t v[t] · dt_h`` [MWh]; commitment energy ``E_c = C · D`` [MWh];
* response ratio ``ρ = V / E_c`` (the event-average response over the commitment);
* payment ``= price · min(V, band_max · E_c)`` (response beyond the band's top is not paid);
* penalty ``= penalty_price · max(0, band_min · E_c − V)`` (the shortfall below the band's bottom);
* capacity payment ``= capacity_rate [CNY/MW·month] · C · month_share`` if ``ρ >= band_min``, else 0
  (``month_share``: the event's share of its month's capacity payment, 1 / events of the programme
  in that month);
* DR revenue ``= payment + capacity payment − penalty``.

Between ``band_min`` and ``band_max`` the park is paid for all it delivers; below ``band_min`` it is
still paid for what it delivered and pays for the missing part (simulator rule, ASSUMPTION L; rules in
other provinces pay nothing below 50–80 % instead).
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


def settle(baseline_mw, actual_mw, commitment_mw: float, dt_h: float, *, kind: str, price_cny_per_mwh: float,
           penalty_cny_per_mwh: float, band: tuple[float, float], capacity_cny_per_mw_month: float = 0.0,
           month_share: float = 1.0) -> dict[str, float]:
    """Settlement figures of one park for one event (units in the keys; see module docstring)."""
    v = verified_response_mw(baseline_mw, actual_mw, kind)
    n = len(v)
    duration_h = n * dt_h
    verified_mwh = float(v.sum() * dt_h)
    commit_mwh = float(commitment_mw) * duration_h
    ratio = verified_mwh / commit_mwh if commit_mwh > 0 else float("nan")
    lo, hi = band
    paid_mwh = min(verified_mwh, hi * commit_mwh)
    shortfall_mwh = max(0.0, lo * commit_mwh - verified_mwh)
    payment = price_cny_per_mwh * paid_mwh
    penalty = penalty_cny_per_mwh * shortfall_mwh
    capacity = capacity_cny_per_mw_month * commitment_mw * month_share if (commit_mwh > 0 and ratio >= lo - 1e-12) else 0.0
    return {
        "commitment_mw": float(commitment_mw),
        "commitment_mwh": commit_mwh,
        "baseline_mwh": float(np.sum(baseline_mw) * dt_h),
        "actual_mwh": float(np.sum(actual_mw) * dt_h),
        "verified_mwh": verified_mwh,
        "verified_mw": verified_mwh / duration_h if duration_h > 0 else 0.0,
        "response_ratio": ratio,
        "paid_mwh": paid_mwh,
        "shortfall_mwh": shortfall_mwh,
        "payment_cny": payment,
        "penalty_cny": penalty,
        "capacity_payment_cny": capacity,
        "dr_revenue_cny": payment + capacity - penalty,
    }
