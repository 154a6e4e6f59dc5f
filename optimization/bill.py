"""The park bill of a schedule: one definition for run, rolling windows, evaluation, DR, capacity and VPP.

The rules and their sources: docs/billing.md. A park has one meter. Per step ``t`` the flows at the
connection are netted first (:func:`net_flows`): ``import = max(imp - exp, 0)``, ``export = max(exp -
imp, 0)``, so a step never shows import and export at once (the LP may leave such an overlap where it
costs nothing).

Bill per park [CNY] over billing months ``m`` (rate ``r`` = ``demand_charge_cny_per_mw_month``):

* energy ``E = sum_t price[t] · import[t] · dt_h``; export revenue ``X = sum_t export_price[t] · export[t] · dt_h``;
* maximum demand (需量) ``Dmax = max_j mean_{t in j} import[t]`` over the month's billed demand intervals
  ``j`` (quarter hours when the step is shorter than 15 min, else single steps; intervals with a step
  excluded from billed demand, column ``billed`` False, are left out); with the month's maximum demand so
  far ``S`` (0 when the month starts in the horizon) the billed demand is ``max(Dmax, S)``;
* basic charge ``D`` by the park's basis:

  - ``max_demand``: ``r · (max(Dmax, S) − S)`` (only the increase; the full charge when ``S = 0``);
  - ``contract_demand`` (contract ``C``): ``r · C`` (once a month: when the month starts in the horizon)
    ``+ 2 r · (max(0, max(Dmax, S) − 1.05 C) − max(0, S − 1.05 C))``;
  - ``capacity`` / ``none``: 0 here (the capacity charge is fixed, :func:`capacity_charge_cny`);
* power-factor adjustment (力调电费, :func:`power_factor_adjustment_pct`): ``cos φ = P / sqrt(P² + Q²)``
  with ``P`` the month's imported active energy and ``Q = sum_t max(0, q_import[t] − q_comp) · dt_h`` its
  reactive energy; ``A = pct / 100 · (E + D)`` (a negative ``pct`` is a reduction);
* total ``E − X + D + A + asset costs``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

CONTRACT_TOLERANCE = 1.05  # 合同最大需量: the part above 105 % of the contract is charged twice

#: 功率因数调整电费办法 ((83)水电财字第215号), recalled, not re-checked: per standard, the number of 0.01 steps
#: above it reduced by 0.1 %, then 0.15 % per step, and the largest reduction [%]
_PF_REDUCTION = {90: (0, 0.75), 85: (5, 1.1), 80: (10, 1.3)}


def power_factor_adjustment_pct(power_factor: float, standard: float) -> float:
    """Adjustment [% of energy + basic charges] of the 1983 table for a monthly power factor (rounded
    to 0.01 first); negative = reduction.

    Below the standard ``s``: +0.5 % per 0.01 down to ``s − 0.20`` (+10 %), +1 % per 0.01 down to
    ``s − 0.25`` (+15 %), then +2 % per 0.01. At or above it: −0.1 % per 0.01 up to 0.90, then −0.15 %
    per 0.01, capped at −0.75 % (s = 0.90, reached at 0.95), −1.1 % (0.85, at 0.94), −1.3 % (0.80, at 0.92).
    E.g. standard 0.90: 0.88 -> +1.0 %, 0.93 -> −0.45 %.
    """
    s100 = int(round(standard * 100))
    if s100 not in _PF_REDUCTION:
        raise ValueError(f"power-factor standard {standard} (choose 0.90, 0.85 or 0.80)")
    k = int(math.floor(power_factor * 100 + 0.5 + 1e-9))
    if k < s100:
        d = s100 - k
        return 0.5 * min(d, 20) + 1.0 * min(max(d - 20, 0), 5) + 2.0 * max(d - 25, 0)
    u = k - s100
    n01, cap = _PF_REDUCTION[s100]
    return -min(cap, 0.1 * min(u, n01) + 0.15 * max(u - n01, 0))


def net_flows(imp: np.ndarray, exp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One meter: ``(max(imp - exp, 0), max(exp - imp, 0))`` elementwise [MW]."""
    imp = np.asarray(imp, dtype=float)
    exp = np.asarray(exp, dtype=float)
    overlap = np.minimum(imp, exp)
    return imp - overlap, exp - overlap


def demand_interval(time: pd.Series, dt_h: float) -> pd.Series:
    """Maximum-demand interval of each step: its quarter hour when steps are shorter than 15 min, else itself."""
    t = pd.DatetimeIndex(time)
    return pd.Series(t.floor("15min") if dt_h < 0.25 - 1e-9 else t, index=time.index)


def max_demand_mw(imp: np.ndarray, index: pd.DatetimeIndex, dt_h: float) -> float:
    """Highest 15-min mean of an import series [MW] (0 for an empty series)."""
    if len(imp) == 0:
        return 0.0
    s = pd.Series(np.asarray(imp, dtype=float), index=index)
    return float(s.groupby(demand_interval(pd.Series(index, index=index), dt_h).to_numpy()).mean().max())


def monthly_bill(parks: pd.DataFrame, dt_h: float, demand_charge_cny_per_mw_month: float,
                 billing: dict | None = None) -> pd.DataFrame:
    """Per park and billing month: energy cost, export revenue, peaks, energies, demand charge,
    power-factor adjustment (module docstring).

    ``parks`` is a park × step table with ``time, park, p_import_mw, p_export_mw, price_cny_per_mwh,
    export_price_cny_per_mwh`` (netted flows) and optionally ``month`` (billing month label; else the
    calendar month of ``time``), ``billed`` (False: the step's demand interval is left out of the billed
    demand) and ``q_import_mvar`` (reactive draw, for the power factor). ``billing``: park name ->
    :class:`optimization.data.ParkInput` (basis, contract, month so far, power-factor standard); a park
    not in it is billed on its maximum demand with nothing earlier in the month.
    """
    billing = billing or {}
    df = parks[["time", "park", "p_import_mw", "p_export_mw", "price_cny_per_mwh", "export_price_cny_per_mwh"]].copy()
    df["month"] = parks["month"].astype(str) if "month" in parks else pd.DatetimeIndex(df["time"]).strftime("%Y-%m")
    df["energy_cost_cny"] = df["price_cny_per_mwh"] * df["p_import_mw"] * dt_h
    df["export_revenue_cny"] = df["export_price_cny_per_mwh"] * df["p_export_mw"] * dt_h
    df["q_import_mvar"] = parks["q_import_mvar"].to_numpy(dtype=float) if "q_import_mvar" in parks else 0.0
    df["interval"] = demand_interval(df["time"], dt_h)
    billed = parks["billed"].to_numpy(dtype=bool) if "billed" in parks else np.ones(len(df), dtype=bool)
    df["billed"] = billed
    monthly = df.groupby(["park", "month"]).agg(
        energy_cost_cny=("energy_cost_cny", "sum"), export_revenue_cny=("export_revenue_cny", "sum"),
        peak_import_mw=("p_import_mw", "max"), import_mwh=("p_import_mw", "sum"), export_mwh=("p_export_mw", "sum"),
    ).reset_index()
    monthly["import_mwh"] *= dt_h
    monthly["export_mwh"] *= dt_h
    # maximum demand: the highest mean import of a fully billed demand interval
    iv = df.groupby(["park", "month", "interval"]).agg(mean_mw=("p_import_mw", "mean"), billed=("billed", "all")).reset_index()
    iv = iv[iv["billed"]]
    dmax = iv.groupby(["park", "month"])["mean_mw"].max()
    monthly["max_demand_mw"] = [float(dmax.get((p, k), 0.0)) for p, k in zip(monthly.park, monthly.month)]
    rows = []
    for r in monthly.itertuples():
        pin = billing.get(r.park)
        basis = pin.demand_basis if pin is not None else "max_demand"
        so_far = float(pin.peak_so_far_mw.get(r.month, 0.0)) if pin is not None else 0.0
        earlier = pin.earlier_days(r.month) if pin is not None else False
        billed_mw = max(r.max_demand_mw, so_far)
        rate = float(demand_charge_cny_per_mw_month)
        if basis == "max_demand":
            charge = rate * (billed_mw - so_far)
        elif basis == "contract_demand":
            c = float(pin.contract_demand_mw)
            charge = (0.0 if earlier else rate * c) + 2.0 * rate * (
                max(0.0, billed_mw - CONTRACT_TOLERANCE * c) - max(0.0, so_far - CONTRACT_TOLERANCE * c))
        else:
            charge = 0.0
        rows.append({"demand_basis": basis, "peak_so_far_mw": so_far, "billed_demand_mw": billed_mw,
                     "demand_charge_cny": charge,
                     "peak_so_far_from": pin.peak_so_far_from if pin is not None else "the horizon's own peak; "
                     "no earlier days of the month"})
    extra = pd.DataFrame(rows, index=monthly.index)
    for c in extra.columns:
        monthly[c] = extra[c] if len(extra) else []
    # power factor of the month: active and reactive energy drawn (reactive net of the compensation)
    comp = df["park"].map({p: float(getattr(b, "q_compensation_mvar", 0.0)) for p, b in billing.items()}).fillna(0.0)
    df["q_billed_mvarh"] = np.clip(df["q_import_mvar"] - comp, 0.0, None) * dt_h
    q = df.groupby(["park", "month"])["q_billed_mvarh"].sum()
    monthly["reactive_mvarh"] = [float(q.get((p, k), 0.0)) for p, k in zip(monthly.park, monthly.month)]
    pf, pct = [], []
    for r in monthly.itertuples():
        e = math.hypot(r.import_mwh, r.reactive_mvarh)
        pf.append(r.import_mwh / e if e > 0 else 1.0)
        std = getattr(billing.get(r.park), "power_factor_standard", None)
        pct.append(power_factor_adjustment_pct(pf[-1], std) if std is not None else 0.0)
    monthly["power_factor"] = pf
    monthly["power_factor_adjustment_pct"] = pct
    monthly["power_factor_adjustment_cny"] = (monthly["power_factor_adjustment_pct"] / 100.0
                                              * (monthly["energy_cost_cny"] + monthly["demand_charge_cny"]))
    return monthly


def park_bill(monthly: pd.DataFrame, asset_cost_cny: dict[str, float] | None = None,
              order: list[str] | None = None) -> pd.DataFrame:
    """Per-park totals of :func:`monthly_bill` plus each park's asset costs [CNY] (rows in ``order``,
    else sorted by park name)."""
    asset_cost_cny = asset_cost_cny or {}
    rows = []
    groups = dict(list(monthly.groupby("park", sort=True)))
    for p in (order or list(groups)):
        g = groups[p]
        energy, revenue, demand = float(g.energy_cost_cny.sum()), float(g.export_revenue_cny.sum()), float(g.demand_charge_cny.sum())
        pf_adj = float(g.power_factor_adjustment_cny.sum())
        a_cost = float(asset_cost_cny.get(p, 0.0))
        first = g.iloc[0]
        rows.append({
            "park": p, "energy_cost_cny": energy, "export_revenue_cny": revenue, "demand_charge_cny": demand,
            "asset_cost_cny": a_cost, "total_cost_cny": energy - revenue + demand + pf_adj + a_cost,
            "peak_import_mw": float(g.peak_import_mw.max()), "import_mwh": float(g.import_mwh.sum()),
            "export_mwh": float(g.export_mwh.sum()),
            "max_demand_mw": float(g.max_demand_mw.max()), "peak_so_far_mw": float(first.peak_so_far_mw),
            "billed_demand_mw": float(g.billed_demand_mw.max()), "demand_basis": str(first.demand_basis),
            "peak_so_far_from": str(first.peak_so_far_from), "power_factor": float(first.power_factor),
            "power_factor_adjustment_cny": pf_adj,
        })
    return pd.DataFrame(rows)
