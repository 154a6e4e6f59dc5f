"""A VPP's members, settlement terms, instruction windows and settlement baselines.

* **terms**: price, penalty, band and notice of the VPP's DR programme (``programme``) or of its own
  fields, for the direction of an instruction (peak shaving 削峰 for ``reduce_mw`` or a target below the
  baseline, valley filling 填谷 otherwise);
* **request** ``R[t]`` [MW] at each step of the window, in the response direction (``sign`` = +1 for peak
  shaving, −1 for valley filling): ``reduce_mw`` / ``increase_mw`` at every step, or for a target profile
  ``R[t] = max(0, sign · (B_sum[t] − target[t]))`` with ``B_sum`` the members' summed baseline;
* **baseline** ``B[p,t]`` [MW] per member: the similar-day settlement baseline of :mod:`vpp.demand_response.baseline`
  (mean of the previous 5 similar days of a simulated history) or the members' no-instruction optimised
  dispatch (``baseline: counterfactual``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.dr_schema import DEFAULT_PRICE_CNY_PER_MWH
from vpp.demand_response.event import event_mask, notice_step


def remeasured_baselines(scn, vpp, baseline_mw: dict[str, np.ndarray], unadjusted: dict[str, np.ndarray],
                         actual_mw: dict[str, np.ndarray], index: pd.DatetimeIndex, date, start_h: float) -> dict[str, np.ndarray]:
    """The settlement baselines with the rule's day-of factor measured on the metered load ``actual_mw``
    (``baseline_mw`` carries the factor of the no-instruction dispatch the LP planned on). Without an
    adjustment (or ``unadjusted`` empty) ``baseline_mw`` is returned unchanged."""
    if not unadjusted:
        return baseline_mw
    from vpp.demand_response.baseline import adjustment_factor, adjustment_window
    from vpp.demand_response.rules import programme_rule

    adj = programme_rule(scn.dr.programme(vpp.programme)).baseline.adjustment
    win = adjustment_window(index, date, float(start_h), adj)
    out = {}
    for p, b in baseline_mw.items():
        u = unadjusted[p]
        ok = win & ~np.isnan(u)
        k = adjustment_factor(u[ok], np.asarray(actual_mw[p])[ok], adj.cap)[1]
        out[p] = np.where(np.isnan(u), b, k * u)
    return out


@dataclass(frozen=True)
class Terms:
    """Settlement terms of one instruction (units in the names)."""

    kind: str  # 'peak_shaving' | 'valley_filling'
    price_cny_per_mwh: float
    penalty_cny_per_mwh: float
    band: tuple[float, float]
    notice_h: float
    aggregator_share: float
    rule: object = None  # scenarios.dr_rule_schema.DRRule; None: the simulator rule with this band and penalty

    @property
    def sign(self) -> float:
        return 1.0 if self.kind == "peak_shaving" else -1.0


def terms_for(scn, vpp, kind: str, **override) -> Terms:
    """Terms of ``vpp`` for direction ``kind``; ``override`` replaces single fields (capability test)."""
    from vpp.demand_response.rules import programme_price_cny_per_mwh, programme_rule, simulator_rule

    prog = scn.dr.programme(vpp.programme) if (vpp.programme and scn.dr is not None) else None
    if prog is not None:
        rule = programme_rule(prog)
        price = programme_price_cny_per_mwh(prog, rule)
        penalty = rule.penalty.price(price)
        band = (rule.penalty.below_ratio, rule.payment.paid_ratio_max)
        notice = prog.notice_hours
    else:
        price = float(vpp.price_cny_per_mwh) if vpp.price_cny_per_mwh is not None else DEFAULT_PRICE_CNY_PER_MWH[(kind, "day_ahead")]
        penalty = float(vpp.penalty_cny_per_mwh) if vpp.penalty_cny_per_mwh is not None else price
        band = tuple(vpp.band)
        notice = float(vpp.notice_h)
        rule = simulator_rule((float(band[0]), float(band[1])), float(penalty))
    t = Terms(kind, float(price), float(penalty), (float(band[0]), float(band[1])), float(notice), float(vpp.aggregator_share),
              rule)
    return Terms(**{**t.__dict__, **override})


@dataclass
class Request:
    """What the grid asks for, on the model's step axis."""

    id: str
    date: object
    start_h: float
    end_h: float
    steps: list[int]
    r_mw: np.ndarray  # requested response per window step [MW], >= 0 in the response direction
    terms: Terms
    t_notice: int
    target_mw: np.ndarray | None = None

    @property
    def duration_h(self) -> float:
        return self.end_h - self.start_h

    def energy_mwh(self, dt_h: float) -> float:
        return float(self.r_mw.sum() * dt_h)


def window_steps(index: pd.DatetimeIndex, date, start_h: float, end_h: float) -> list[int]:
    """Model steps that begin in ``[start_h, end_h)`` of ``date``."""

    class _W:  # event_mask reads date/start_h/end_h
        pass

    w = _W()
    w.date, w.start_h, w.end_h = date, start_h, end_h
    return [int(t) for t in np.flatnonzero(event_mask(index, w))]


def make_request(scn, vpp, ins, index: pd.DatetimeIndex, baseline_mw: dict[str, np.ndarray], **override) -> Request:
    """The :class:`Request` of instruction ``ins`` (see module docstring for the target profile)."""
    steps = window_steps(index, ins.date, ins.start_h, ins.end_h)
    target = None
    if ins.reduce_mw is not None:
        kind, r = "peak_shaving", np.full(len(steps), float(ins.reduce_mw))
    elif ins.increase_mw is not None:
        kind, r = "valley_filling", np.full(len(steps), float(ins.increase_mw))
    else:
        target = np.asarray(ins.target_profile_mw, dtype=float)
        b_sum = sum(baseline_mw[p][steps] for p in baseline_mw)
        kind = "peak_shaving" if float((b_sum - target).sum()) >= 0 else "valley_filling"
        s = 1.0 if kind == "peak_shaving" else -1.0
        r = np.clip(s * (b_sum - target), 0.0, None)
    terms = terms_for(scn, vpp, kind, **override)

    class _E:
        pass

    e = _E()
    e.date, e.start_h = ins.date, ins.start_h
    t_notice = notice_step(index, e, terms.notice_h)
    return Request(ins.id, ins.date, float(ins.start_h), float(ins.end_h), steps, r, terms, t_notice, target)


def baselines(scn, vpp, parks: list[str], date, index: pd.DatetimeIndex, capacity_mva: dict,
              counterfactual_mw: dict[str, np.ndarray], start_h: float | None = None,
              unadjusted: dict | None = None) -> dict[str, np.ndarray]:
    """Settlement baseline ``B[p,t]`` [MW] of each member on the model's index (module docstring)."""
    if vpp.baseline == "counterfactual":
        return {p: np.asarray(counterfactual_mw[p], dtype=float).copy() for p in parks}
    from vpp.demand_response.baseline import (adjustment_factor, adjustment_window, parks_shutdown_days, similar_day_baseline,
                                              similar_days, simulate_history)
    from vpp.demand_response.rules import programme_rule, simulator_rule

    prog = scn.dr.programme(vpp.programme) if (vpp.programme and scn.dr is not None) else None
    rule = programme_rule(prog) if prog is not None else simulator_rule()
    br = rule.baseline
    shutdown = parks_shutdown_days(scn, parks)
    days = similar_days(date, br.n_days, shutdown=shutdown, m_days=br.m_days)
    hist = simulate_history(scn, parks, days, date, capacity_mva, scn.dr.history_strategy if scn.dr else "optimised")
    base, _ = similar_day_baseline(hist, date, br.n_days, shutdown=shutdown, m_days=br.m_days, aggregate=br.aggregate)
    win = adjustment_window(index, date, float(start_h), br.adjustment) if (br.adjustment and start_h is not None) else None
    out = {}
    for p in parks:
        b = base[p].reindex(index).to_numpy(dtype=float)
        if win is not None and unadjusted is not None:
            unadjusted[p] = b.copy()
        if win is not None:
            ok = win & ~np.isnan(b)
            b = adjustment_factor(b[ok], np.asarray(counterfactual_mw[p])[ok], br.adjustment.cap)[1] * b
        # steps of other days (multi-day horizon): the counterfactual (no settlement there)
        out[p] = np.where(np.isnan(b), counterfactual_mw[p], b)
    return out
