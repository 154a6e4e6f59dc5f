"""Smoothing: a tiny penalty on changes of an asset's power between consecutive steps (not billed).

The dispatch LP often has many optimal schedules of equal cost (a battery charging in isolated valley
steps at one price, an EV group switching on and off); nothing in the bill prefers the smooth one an
operator would run. A block that opts in adds, for each of its assets ``a`` and step ``t >= 1``, two
non-negative variables [MW]

    dp_up_mw[a,t] - dp_down_mw[a,t] = p[a,t] - p[a,t-1]          (one row per asset and step)

and the cost term ``w · sum_{a,t} (dp_up_mw[a,t] + dp_down_mw[a,t])`` [CNY] with ``w =
ModelData.smoothing_cny_per_mw`` [CNY per MW of change]. At the optimum one of the pair is 0 (both cost
``w``), so the term is ``w · sum |Δp|``, the total variation of the schedule. ``p`` is the power the
block decides (a battery's net injection, an EV group's managed charging power). Two variables and one
equality per step are leaner than one variable with two inequality rows.

The first step of a horizon (or of a rolling window) has no predecessor and is not penalised. The term
enters the LP objective through the block's ``cost_cny``; it is *not* part of the bill
(:mod:`optimization.bill`): the result reports it separately (``smoothing_penalty_cny``), so the LP
objective equals bill + penalty. ``w = 0`` builds nothing (the model is exactly the unsmoothed LP).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression


@dataclass
class Smoothing:
    """The smoothing variables of one block: ``keys`` (asset names) × steps ``1..T-1``."""

    weight_cny_per_mw: float
    up: Any  # Var dp_up_mw[key, t]
    down: Any  # Var dp_down_mw[key, t]

    def cost_cny(self):
        """``w · sum (dp_up + dp_down)`` [CNY] as a Pyomo expression (one term per variable)."""
        w = self.weight_cny_per_mw
        return sum(w * v for v in self.up.values()) + sum(w * v for v in self.down.values())


def add_smoothing(b, keys: list[str], n_t: int, weight_cny_per_mw: float,
                  power_mw: Callable[[Any, str, int], list[tuple[float, Any]]],
                  idle: Callable[[str, int], bool] | None = None) -> Smoothing | None:
    """Declare ``b.SM`` (pairs (key, t), ``t = 1..n_t-1``), ``b.dp_up_mw``, ``b.dp_down_mw`` >= 0 [MW] and
    ``b.smoothing_def``: ``dp_up - dp_down == p(key, t) - p(key, t-1)`` (module docstring), with the power
    given as its linear terms: ``power_mw(b, key, t)`` returns ``[(coefficient, variable), ...]`` [MW]
    (``p = sum c · v``; no constant: a power that is data does not change with the decisions).

    ``idle(key, t)``: True where the power is 0 by construction at ``t`` (no decision at all, e.g. no
    vehicle plugged in); pairs whose steps ``t - 1`` and ``t`` are both idle are left out (their change is 0).
    Only for a model that is never updated to other data (a rolling window's idle steps change).
    Returns None (and declares nothing) when ``weight_cny_per_mw`` is 0 or there is nothing to smooth.
    """
    w = float(weight_cny_per_mw)
    if not (w > 0.0) or not keys or n_t < 2:
        return None
    pairs = [(k, t) for k in keys for t in range(1, n_t) if idle is None or not (idle(k, t) and idle(k, t - 1))]
    if not pairs:
        return None
    b.SM = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    b.dp_up_mw = pyo.Var(b.SM, within=pyo.NonNegativeReals)
    b.dp_down_mw = pyo.Var(b.SM, within=pyo.NonNegativeReals)
    def row(b, k, t):
        # dp_up - dp_down - p[t] + p[t-1] == 0 as one flat linear expression (compiled without a tree walk)
        now, before = power_mw(b, k, t), power_mw(b, k, t - 1)
        coefs = [1.0, -1.0] + [-c for c, _ in now] + [c for c, _ in before]
        vs = [b.dp_up_mw[k, t], b.dp_down_mw[k, t]] + [v for _, v in now] + [v for _, v in before]
        return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=vs) == 0.0

    b.smoothing_def = pyo.Constraint(b.SM, rule=row)
    return Smoothing(w, b.dp_up_mw, b.dp_down_mw)


def penalty_cny(sm: Smoothing | None, var_values: Callable[[Any], np.ndarray]) -> float:
    """The solved penalty ``w · sum (dp_up + dp_down)`` [CNY] (0 without smoothing); ``var_values`` reads a
    Var's solved values (:meth:`optimization.registry.AssetBlock.var_values`)."""
    if sm is None:
        return 0.0
    return float(sm.weight_cny_per_mw * (var_values(sm.up).sum() + var_values(sm.down).sum()))
