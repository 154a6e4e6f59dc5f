"""Project economics in CNY: cash flows by year, NPV, IRR, payback, LCOE of PV, LCOS of storage, carbon.

Pure functions on numbers and numpy arrays; years are ``y = 0..N`` with the investment in year 0.

* ``NPV = sum_y CF[y] / (1 + r)^y``
* ``IRR``: the rate with ``NPV(IRR) = 0``, found by bisection on a sign change of NPV over
  ``(-0.99, 10]``; ``None`` when the cash flow never changes sign (no IRR exists).
* simple payback: first time the cumulative cash flow reaches 0, interpolated linearly inside the year;
  discounted payback: the same on discounted cash flows; ``None`` when never reached.
* ``LCOE_PV = (capex_pv + sum_y om_pv / (1+r)^y) / sum_y E_pv[y] / (1+r)^y`` [CNY/MWh], with
  ``E_pv[y] = E_pv[1] * (1 - d)^(y-1)``;
* ``LCOS = (capex_bat + sum_y (om_bat[y] + replacement[y]) / (1+r)^y) / sum_y E_dis / (1+r)^y``
  [CNY/MWh] (charging energy cost excluded: it is in the dispatch bill).
* carbon avoided [t] = (baseline net import − project net import) [MWh] × factor [t/MWh]
  (``kgCO2/kWh`` is numerically ``t/MWh``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SAVING_PARTS = ("energy_arbitrage", "demand_charge", "pv_self_consumption", "export", "dr_revenue", "asset_costs")


def discount_factors(rate: float, n_years: int) -> np.ndarray:
    """``1 / (1 + r)^y`` for ``y = 0..n_years``."""
    return 1.0 / (1.0 + rate) ** np.arange(n_years + 1)


def npv(rate: float, cash_flows) -> float:
    """Net present value [CNY] of cash flows ``CF[0..N]`` (year 0 undiscounted)."""
    cf = np.asarray(cash_flows, dtype=float)
    return float((cf * discount_factors(rate, len(cf) - 1)).sum())


def irr(cash_flows, lo: float = -0.99, hi: float = 10.0, tol: float = 1e-10) -> float | None:
    """Internal rate of return, by bisection on a sign change of NPV; ``None`` without a root.

    The bracket is scanned on a grid first so that a cash flow whose NPV changes sign only in part of
    ``(lo, hi]`` is still found (the smallest root above ``lo`` is returned).
    """
    cf = np.asarray(cash_flows, dtype=float)
    if not ((cf > 0).any() and (cf < 0).any()):
        return None
    grid = np.concatenate([np.linspace(lo, 0.0, 100, endpoint=False), np.geomspace(1e-6, hi, 400)])
    vals = np.array([npv(r, cf) for r in grid])
    sign = np.sign(vals)
    idx = np.nonzero(sign[:-1] * sign[1:] <= 0)[0]
    if len(idx) == 0:
        return None
    a, b = grid[idx[0]], grid[idx[0] + 1]
    fa = vals[idx[0]]
    if fa == 0:
        return float(a)
    for _ in range(200):
        mid = 0.5 * (a + b)
        fm = npv(mid, cf)
        if abs(b - a) < tol:
            break
        if np.sign(fm) == np.sign(fa):
            a, fa = mid, fm
        else:
            b = mid
    return float(0.5 * (a + b))


def payback_years(cash_flows) -> float | None:
    """Years until the cumulative cash flow first reaches 0 (linear inside the year); None if never."""
    cf = np.asarray(cash_flows, dtype=float)
    cum = np.cumsum(cf)
    if cum[0] >= 0:
        return 0.0
    for y in range(1, len(cf)):
        if cum[y] >= 0:
            return float(y - 1 + (-cum[y - 1]) / cf[y])
    return None


def crf(rate: float, years: int) -> float:
    """Capital recovery factor ``r (1+r)^n / ((1+r)^n - 1)`` (``1/n`` at ``r = 0``): annuity per CNY of capex."""
    if abs(rate) < 1e-12:
        return 1.0 / years
    g = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


def annualised_cost_per_unit(econ) -> dict[str, float]:
    """Yearly cost of one unit of size [CNY/yr] used by the sizing LP (``vpp evaluate --size``).

    ``CRF(r, N) × capex per unit + O&M per unit per year`` with ``CRF = r(1+r)^N / ((1+r)^N − 1)``:

    * ``pv_mwp``: ``1e6 × (CRF × pv_capex_cny_per_w + pv_om_cny_per_w_year)`` per MWp;
    * ``battery_e_mwh``: ``1e6 × battery_capex_cny_per_wh × (CRF + battery_om_share_of_capex)`` per MWh;
    * ``battery_p_mw``: ``1e6 × battery_power_capex_cny_per_w × (CRF + battery_om_share_of_capex)`` per MW.

    Battery replacements and PV degradation are not in the LP (they are in the cash flow of the result).
    """
    c = crf(econ.discount_rate, econ.lifetime_years)
    return {
        "pv_mwp": 1e6 * (c * econ.pv_capex_cny_per_w + econ.pv_om_cny_per_w_year),
        "battery_e_mwh": 1e6 * econ.battery_capex_cny_per_wh * (c + econ.battery_om_share_of_capex),
        "battery_p_mw": 1e6 * econ.battery_power_capex_cny_per_w * (c + econ.battery_om_share_of_capex),
    }


@dataclass
class ProjectSizes:
    """What is invested in: PV [MWp], battery energy [MWh] and power [MW], chargers [MW]."""

    pv_mwp: float = 0.0
    battery_e_mwh: float = 0.0
    battery_p_mw: float = 0.0
    charger_mw: float = 0.0


def capex_cny(econ, sizes: ProjectSizes) -> dict[str, float]:
    """Year-0 investment per part [CNY]: ``MWp × 1e6 W/MW × CNY/W`` etc.

    Battery: ``E [MWh] × 1e6 × CNY/Wh + P [MW] × 1e6 × CNY/W`` (power part 0 by default).
    """
    return {
        "pv": sizes.pv_mwp * 1e6 * econ.pv_capex_cny_per_w,
        "battery": sizes.battery_e_mwh * 1e6 * econ.battery_capex_cny_per_wh
        + sizes.battery_p_mw * 1e6 * getattr(econ, "battery_power_capex_cny_per_w", 0.0),
        "chargers": sizes.charger_mw * 1e3 * econ.charger_capex_cny_per_kw,
    }


def battery_replacement_years(econ, cycles_per_year: float) -> list[int]:
    """Years in ``1..N-1`` in which the battery is replaced: every ``min(calendar life, cycle life / cycles)``."""
    life = float(econ.battery_calendar_life_years)
    if cycles_per_year > 0:
        life = min(life, econ.battery_cycle_life / cycles_per_year)
    life_y = max(1, int(math.floor(life)))
    return [y for y in range(life_y, econ.lifetime_years, life_y)]


def cash_flows(
    econ,
    sizes: ProjectSizes,
    savings_year1_cny: dict[str, float],
    pv_energy_year1_mwh: float = 0.0,
    battery_discharged_year1_mwh: float = 0.0,
) -> pd.DataFrame:
    """Cash-flow table by year ``0..N`` [CNY].

    Columns: ``capex, subsidy, om, replacement, savings_pv, savings_other, pv_subsidy, net, discounted,
    cumulative, cumulative_discounted``. PV-driven savings (self-consumption and export) fall with PV
    degradation ``(1-d)^(y-1)``; all savings grow with price escalation ``(1+g)^(y-1)``. O&M: PV
    ``CNY/W·yr × W``, battery and chargers a share of capex per year. Battery replacement at the
    years of :func:`battery_replacement_years` costs ``share × battery capex``.
    """
    n = econ.lifetime_years
    years = np.arange(n + 1)
    cap = capex_cny(econ, sizes)
    capex = np.zeros(n + 1)
    capex[0] = -sum(cap.values())
    subsidy = np.zeros(n + 1)
    subsidy[0] = econ.subsidy_capex_cny
    y1 = np.where(years >= 1, 1.0, 0.0)
    deg = np.where(years >= 1, (1.0 - econ.pv_degradation_per_year) ** np.clip(years - 1, 0, None), 0.0)
    esc = np.where(years >= 1, (1.0 + econ.price_escalation_per_year) ** np.clip(years - 1, 0, None), 0.0)
    om_year = (
        sizes.pv_mwp * 1e6 * econ.pv_om_cny_per_w_year
        + cap["battery"] * econ.battery_om_share_of_capex
        + cap["chargers"] * econ.charger_om_share_of_capex
    )
    om = -om_year * y1
    repl = np.zeros(n + 1)
    cycles = battery_discharged_year1_mwh / sizes.battery_e_mwh if sizes.battery_e_mwh > 0 else 0.0
    if sizes.battery_e_mwh > 0:
        for y in battery_replacement_years(econ, cycles):
            repl[y] = -cap["battery"] * econ.battery_replacement_share_of_capex
    s_pv = savings_year1_cny.get("pv_self_consumption", 0.0) + savings_year1_cny.get("export", 0.0)
    s_other = sum(v for k, v in savings_year1_cny.items() if k not in ("pv_self_consumption", "export"))
    savings_pv = s_pv * deg * esc
    savings_other = s_other * y1 * esc
    pv_sub = np.where((years >= 1) & (years <= econ.subsidy_pv_years), 1.0, 0.0) * (
        econ.subsidy_pv_cny_per_kwh * 1e3 * pv_energy_year1_mwh * deg
    )
    net = capex + subsidy + om + repl + savings_pv + savings_other + pv_sub
    disc = net * discount_factors(econ.discount_rate, n)
    return pd.DataFrame(
        {
            "year": years, "capex_cny": capex, "subsidy_cny": subsidy, "om_cny": om, "replacement_cny": repl,
            "savings_pv_cny": savings_pv, "savings_other_cny": savings_other, "pv_subsidy_cny": pv_sub,
            "net_cny": net, "discounted_cny": disc, "cumulative_cny": np.cumsum(net),
            "cumulative_discounted_cny": np.cumsum(disc),
        }
    )


def lcoe_pv(econ, pv_mwp: float, pv_energy_year1_mwh: float) -> float | None:
    """Levelised cost of PV energy [CNY/MWh] (see module docstring); None without PV energy."""
    if pv_mwp <= 0 or pv_energy_year1_mwh <= 0:
        return None
    n, r = econ.lifetime_years, econ.discount_rate
    df = discount_factors(r, n)[1:]
    deg = (1.0 - econ.pv_degradation_per_year) ** np.arange(n)
    cost = pv_mwp * 1e6 * (econ.pv_capex_cny_per_w + econ.pv_om_cny_per_w_year * df.sum())
    return float(cost / (pv_energy_year1_mwh * (deg * df).sum()))


def lcos(econ, battery_e_mwh: float, discharged_year1_mwh: float) -> float | None:
    """Levelised cost of storage [CNY/MWh discharged], capex + O&M + replacements; None without throughput."""
    if battery_e_mwh <= 0 or discharged_year1_mwh <= 0:
        return None
    n, r = econ.lifetime_years, econ.discount_rate
    df = discount_factors(r, n)
    cap = battery_e_mwh * 1e6 * econ.battery_capex_cny_per_wh
    cost = cap + cap * econ.battery_om_share_of_capex * df[1:].sum()
    for y in battery_replacement_years(econ, discharged_year1_mwh / battery_e_mwh):
        cost += cap * econ.battery_replacement_share_of_capex * df[y]
    return float(cost / (discharged_year1_mwh * df[1:].sum()))


def carbon_avoided_t(net_import_avoided_mwh: float, ef_kgco2_per_kwh: float, sensitivity: dict[str, float]) -> dict[str, float]:
    """tCO2 avoided per year with the scenario factor and each sensitivity factor."""
    out = {"scenario": net_import_avoided_mwh * ef_kgco2_per_kwh}
    out.update({k: net_import_avoided_mwh * v for k, v in sensitivity.items()})
    return out


def summary(econ, sizes: ProjectSizes, savings_year1_cny: dict[str, float], pv_energy_year1_mwh: float,
            battery_discharged_year1_mwh: float) -> tuple[dict[str, Any], pd.DataFrame]:
    """Key economic figures and the cash-flow table of a project."""
    cf = cash_flows(econ, sizes, savings_year1_cny, pv_energy_year1_mwh, battery_discharged_year1_mwh)
    net = cf["net_cny"].to_numpy()
    cap = capex_cny(econ, sizes)
    k = {
        "capex_cny": cap,
        "capex_total_cny": float(sum(cap.values())),
        "annual_savings_cny": {p: float(savings_year1_cny.get(p, 0.0)) for p in SAVING_PARTS},
        "annual_savings_total_cny": float(sum(savings_year1_cny.values())),
        "npv_cny": npv(econ.discount_rate, net),
        "irr": irr(net),
        "simple_payback_years": payback_years(net),
        "discounted_payback_years": payback_years(cf["discounted_cny"].to_numpy()),
        "lcoe_pv_cny_per_mwh": lcoe_pv(econ, sizes.pv_mwp, pv_energy_year1_mwh),
        "lcos_cny_per_mwh": lcos(econ, sizes.battery_e_mwh, battery_discharged_year1_mwh),
        "battery_replacement_years": battery_replacement_years(
            econ, battery_discharged_year1_mwh / sizes.battery_e_mwh if sizes.battery_e_mwh > 0 else 0.0
        ) if sizes.battery_e_mwh > 0 else [],
        "discount_rate": econ.discount_rate,
        "lifetime_years": econ.lifetime_years,
    }
    return k, cf
