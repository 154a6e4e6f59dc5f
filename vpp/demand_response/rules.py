"""The settlement rule of a DR programme and the energy price it sets.

* a programme with ``rule: NAME | PATH`` settles by that rule file (:func:`scenarios.loader.load_dr_rule`);
  its energy price is the programme's ``price_cny_per_mwh`` if given (e.g. a cleared bid price), else the
  rule's notice-time tier for the programme's kind and ``notice_h``;
* a programme without ``rule`` settles by the **simulator rule** (``scenarios/dr_rules/simulator.yaml``)
  with the programme's own terms put in: ``band = [lo, hi]`` → penalty below ``lo`` and capacity payment
  from ``lo``, paid up to ``hi``; ``penalty_cny_per_mwh`` → the penalty price; ``baseline_days`` → N;
  the price by notice type (day-ahead / real-time, domain §2.4). This reproduces the simulator's
  settlement before rule files existed, figure for figure.
"""

from __future__ import annotations

from functools import lru_cache

from scenarios.dr_rule_schema import DRRule
from scenarios.loader import load_dr_rule


@lru_cache(maxsize=64)
def simulator_rule(band: tuple[float, float] = (0.8, 1.2), penalty_cny_per_mwh: float | None = None,
                   baseline_days: int = 5) -> DRRule:
    """The simulator rule with a programme's (or VPP's) band, penalty price and N put in."""
    base = load_dr_rule("simulator")
    lo, hi = float(band[0]), float(band[1])
    pen = {"below_ratio": lo, "price_factor": None, "price_cny_per_mwh": float(penalty_cny_per_mwh)} \
        if penalty_cny_per_mwh is not None else {"below_ratio": lo, "price_factor": 1.0}
    data = base.model_dump()
    data["baseline"]["n_days"] = int(baseline_days)
    data["payment"]["paid_ratio_max"] = hi
    data["payment"]["capacity_min_ratio"] = lo
    data["penalty"] = pen
    return DRRule.model_validate(data)


def programme_rule(prog) -> DRRule:
    """The rule a programme settles by (module docstring)."""
    if prog.rule is None:
        return simulator_rule(tuple(prog.band), prog.penalty_cny_per_mwh, prog.baseline_days)
    return load_dr_rule(prog.rule)


def programme_price_cny_per_mwh(prog, rule: DRRule) -> float:
    """Energy price [CNY/MWh] of a programme under its rule (module docstring)."""
    if prog.rule is None or prog.price_cny_per_mwh is not None:
        return prog.energy_price_cny_per_mwh
    return rule.notice_prices.price(prog.kind, prog.notice_hours)
