"""Green-power share and CO2 of an evaluation, green-electricity purchase, and green/CO2 targets in sizing.

**Site consumption** [MWh] of a park over the period (an identity of the park's energy balance
``sum_a inj[a,t] + import[t] − export[t] = 0``, injection positive)::

    consumption = import − export + PV            (PV = PV generation after curtailment, p_inject of the pv kind)
                = − sum over the non-PV assets of their injection · dt
                = loads + EV charging − V2G + storage charging − storage discharging

i.e. every load (incl. EV charging, flexible and air-conditioning loads) plus the storage losses and the
change of stored energy over the period (0 for a battery back at its initial SOC). The table
``consumption_by_kind_mwh`` gives the second line per kind; the two are equal (tested).

**Green-power share** = (PV used on site + green electricity bought) / consumption, with *PV used on site* =
``PV − export`` (PV generation not fed into the grid: the park exports only own generation, so per step
``export <= PV`` except where V2G discharge is exported, which is netted against PV, a conservative convention).
Hence ``share = (consumption − import + green) / consumption``.

**CO2** [t] = (import − green) [MWh] × ``carbon.ef_kgco2_per_kwh`` [kg/kWh = t/MWh]; the CO2 intensity
[kgCO2/kWh of consumption] = CO2 / consumption, and ``intensity = ef · (1 − share)``. Bought green electricity
counts as zero-emission: China counts renewable electricity consumption by green electricity certificates
(绿证; NDRC/NEA notice on full coverage of green certificates, 发改能源〔2023〕1044号, cited as recalled). PV
consumed on site is zero-emission and needs no certificate here (self-consumption is counted directly).

**Targets** (``carbon.green_share_target`` s, ``carbon.co2_cap_t`` K, ``carbon.co2_intensity_cap_kg_per_kwh`` q;
all parks together, over the year). Each caps the grey (non-green) import ``I − g``::

    share:      I − g <= (1 − s) · C            co2:  I − g <= K / ef          intensity:  I − g <= (q / ef) · C

*In an evaluation without sizing* the dispatch does not know the target; afterwards green electricity is
bought only as far as a target asks for it, ``g = max(0, I − min_k G_k)`` with ``G_k`` the right-hand sides
above, within ``g <= min(I, max_share · C)`` (none if ``carbon.green_purchase`` is not set); a target that
cannot be met this way is reported as not met. Per park the district's purchase is allocated pro rata to the
parks' grid import. *In the sizing LPs* (:func:`add_green_constraints`, shared by the full-year and the
representative-day LP) ``g`` [MWh/yr] is a decision variable costing ``price · g`` and each target is one
linear row over the weighted steps (``w_t`` days per step on representative days, 1 for the full year)::

    share:      sum_t w_t (PV_t − X_t) dt + g − s · sum_t w_t (I_t − X_t + PV_t) dt >= 0
    co2:        g − sum_t w_t I_t dt >= − K / ef
    intensity:  g − sum_t w_t I_t dt + (q / ef) · sum_t w_t (I_t − X_t + PV_t) dt >= 0
    purchase:   g <= sum_t w_t I_t dt,   g <= max_share · sum_t w_t (I_t − X_t + PV_t) dt

(sums over all parks; ``I, X`` import and export, PV the PV variables incl. sized ones). The shadow price of
a row (HiGHS row dual ``y`` [CNY per unit of the row]) gives the marginal cost of tightening the target:
share ``y · C / 100`` CNY per percentage point, co2 ``y / ef`` CNY/tCO2, intensity ``y · C / ef`` CNY per
kgCO2/kWh (``C`` the optimal consumption; first order, consumption held).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from vpp.errors import VppError

TOL_MWH = 1e-6
ACCOUNTING_RULE = (
    "consumption = import − export + PV generation (= all loads incl. EV charging and flexible loads + storage "
    "losses and stored-energy change); green share = (PV − export + bought green electricity) / consumption; "
    "CO2 = (import − bought green electricity) × carbon.ef_kgco2_per_kwh, bought green electricity counted as "
    "zero-emission (green electricity certificates 绿证 as the basis of renewable consumption: NDRC/NEA "
    "发改能源〔2023〕1044号, cited as recalled)"
)


@dataclass(frozen=True)
class Target:
    """One green/CO2 target of ``carbon``: ``kind`` in green_share | co2_cap | co2_intensity_cap."""

    kind: str
    value: float

    @property
    def label(self) -> str:
        return {"green_share": f"green share >= {self.value:g} (carbon.green_share_target / --green-share)",
                "co2_cap": f"CO2 <= {self.value:g} t/yr (carbon.co2_cap_t / --co2-cap)",
                "co2_intensity_cap": f"CO2 intensity <= {self.value:g} kg/kWh (carbon.co2_intensity_cap_kg_per_kwh"
                                     " / --co2-intensity-cap)"}[self.kind]

    def grey_cap_mwh(self, consumption_mwh: float, ef: float) -> float:
        """Most grey import ``I − g`` [MWh] the target allows at consumption ``C`` (module docstring)."""
        if self.kind == "green_share":
            return (1.0 - self.value) * consumption_mwh
        if self.kind == "co2_cap":
            return self.value / ef
        return self.value / ef * consumption_mwh


def targets(carbon) -> list[Target]:
    """The targets set in a scenario's ``carbon`` section."""
    out = []
    for kind, field in (("green_share", "green_share_target"), ("co2_cap", "co2_cap_t"),
                        ("co2_intensity_cap", "co2_intensity_cap_kg_per_kwh")):
        v = getattr(carbon, field)
        if v is not None:
            out.append(Target(kind, float(v)))
    return out


def with_targets(scn, green_share: float | None = None, co2_cap_t: float | None = None,
                 co2_intensity_cap_kg_per_kwh: float | None = None):
    """The scenario with the given targets set in ``carbon`` (None leaves the scenario's own)."""
    upd = {k: v for k, v in (("green_share_target", green_share), ("co2_cap_t", co2_cap_t),
                             ("co2_intensity_cap_kg_per_kwh", co2_intensity_cap_kg_per_kwh)) if v is not None}
    if not upd:
        return scn
    if green_share is not None and not 0.0 <= green_share <= 1.0:
        raise VppError(f"--green-share {green_share:g} must be between 0 and 1")
    for k in ("co2_cap_t", "co2_intensity_cap_kg_per_kwh"):
        if k in upd and not (np.isfinite(upd[k]) and upd[k] >= 0):
            raise VppError(f"carbon.{k} {upd[k]:g} must be a finite number >= 0")
    return scn.model_copy(update={"carbon": scn.carbon.model_copy(update=upd)})


# ------------------------------------------------------------------------------------------------ accounting
def park_energy(parks: pd.DataFrame, assets: pd.DataFrame, dt_h: float) -> pd.DataFrame:
    """Per park: ``import_mwh, export_mwh, pv_mwh, consumption_mwh`` and ``consumption_<kind>_mwh`` (−injection
    of each non-PV kind) of a committed schedule (module docstring)."""
    g = parks.groupby("park")[["p_import_mw", "p_export_mw"]].sum() * dt_h
    out = pd.DataFrame({"import_mwh": g["p_import_mw"], "export_mwh": g["p_export_mw"]})
    inj = assets.groupby(["park", "kind"])["p_inject_mw"].sum().unstack("kind", fill_value=0.0) * dt_h
    inj = inj.reindex(out.index, fill_value=0.0)
    out["pv_mwh"] = inj["pv"] if "pv" in inj else 0.0
    out["consumption_mwh"] = out["import_mwh"] - out["export_mwh"] + out["pv_mwh"]
    for kind in inj.columns:
        if kind != "pv":
            out[f"consumption_{kind}_mwh"] = -inj[kind]
    return out


def figures(import_mwh: float, export_mwh: float, pv_mwh: float, green_mwh: float, ef: float) -> dict[str, float | None]:
    """Green share, CO2 [t] and CO2 intensity [kg/kWh] of one park or the district (module docstring)."""
    cons = import_mwh - export_mwh + pv_mwh
    co2 = (import_mwh - green_mwh) * ef
    return {
        "consumption_mwh": cons, "import_mwh": import_mwh, "export_mwh": export_mwh, "pv_mwh": pv_mwh,
        "pv_used_on_site_mwh": pv_mwh - export_mwh, "green_purchase_mwh": green_mwh,
        "green_share": (pv_mwh - export_mwh + green_mwh) / cons if cons > TOL_MWH else None,
        "co2_t": co2, "co2_intensity_kg_per_kwh": co2 / cons if cons > TOL_MWH else None,
    }


def purchase_needed(import_mwh: float, consumption_mwh: float, carbon) -> dict[str, Any]:
    """Green electricity bought after the dispatch [MWh]: only as far as a target asks for it (module docstring)."""
    tg = targets(carbon)
    ef = carbon.ef_kgco2_per_kwh
    need = max([0.0] + [import_mwh - t.grey_cap_mwh(consumption_mwh, ef) for t in tg])
    gp = carbon.green_purchase
    allowed = 0.0 if gp is None else max(0.0, min(import_mwh, gp.max_share * consumption_mwh))
    bought = min(need, allowed)
    grey = import_mwh - bought
    status = [{"target": t.kind, "value": t.value, "label": t.label,
               "met": bool(grey <= t.grey_cap_mwh(consumption_mwh, ef) + TOL_MWH)} for t in tg]
    return {"green_purchase_mwh": bought, "needed_mwh": need, "allowed_mwh": allowed, "targets": status,
            "price_cny_per_mwh": gp.price_cny_per_mwh if gp is not None else None,
            "cost_cny": bought * gp.price_cny_per_mwh if gp is not None else 0.0}


def schedule_green(parks: pd.DataFrame, assets: pd.DataFrame, dt_h: float, carbon) -> dict[str, Any]:
    """District and per-park green share / CO2 of one schedule, with the purchase its targets ask for."""
    ef = carbon.ef_kgco2_per_kwh
    pe = park_energy(parks, assets, dt_h)
    tot = pe.sum()
    buy = purchase_needed(float(tot["import_mwh"]), float(tot["consumption_mwh"]), carbon)
    g = buy["green_purchase_mwh"]
    imp_total = float(tot["import_mwh"])
    out = figures(imp_total, float(tot["export_mwh"]), float(tot["pv_mwh"]), g, ef)
    out["consumption_by_kind_mwh"] = {c[len("consumption_"):-len("_mwh")]: float(tot[c]) for c in pe.columns
                                      if c.startswith("consumption_") and c != "consumption_mwh"}
    out["green_purchase_cost_cny"] = buy["cost_cny"]
    out["targets"] = buy["targets"]
    out["parks"] = {}
    for p, r in pe.iterrows():
        g_p = g * float(r["import_mwh"]) / imp_total if imp_total > TOL_MWH else 0.0  # pro rata to grid import
        out["parks"][str(p)] = figures(float(r["import_mwh"]), float(r["export_mwh"]), float(r["pv_mwh"]), g_p, ef)
    return out


def green_kpis(scn, proj, base, dt_h: float) -> dict[str, Any]:
    """``kpis['green']``: project and baseline figures, the targets, purchase options and the accounting rule."""
    gp = scn.carbon.green_purchase
    return {
        "project": schedule_green(proj.parks, proj.assets, dt_h, scn.carbon),
        "baseline": schedule_green(base.parks, base.assets, dt_h, scn.carbon),
        "ef_kgco2_per_kwh": scn.carbon.ef_kgco2_per_kwh,
        "targets": [{"target": t.kind, "value": t.value, "label": t.label} for t in targets(scn.carbon)],
        "green_purchase": gp.model_dump() if gp is not None else None,
        "accounting": ACCOUNTING_RULE,
        "purchase_rule": "green electricity is bought only as far as a target asks for it (none without a target "
                         "or without carbon.green_purchase); its premium is reported, not added to the bill or NPV",
    }


def summary_lines(k: dict[str, Any]) -> list[str]:
    """Terminal lines of ``kpis['green']``."""
    g = k.get("green")
    if not g:
        return []

    def pct(x):
        return "-" if x is None else f"{x:.1%}"

    def kg(x):
        return "-" if x is None else f"{x:.3f}"

    p, b = g["project"], g["baseline"]
    lines = [
        f"  green share project / baseline  {pct(p['green_share'])} / {pct(b['green_share'])} "
        f"(consumption {p['consumption_mwh']:,.0f} / {b['consumption_mwh']:,.0f} MWh)",
        f"  CO2 project / baseline [t]      {p['co2_t']:,.1f} / {b['co2_t']:,.1f}; intensity "
        f"{kg(p['co2_intensity_kg_per_kwh'])} / {kg(b['co2_intensity_kg_per_kwh'])} kgCO2/kWh",
    ]
    if len(p["parks"]) > 1:
        lines.append("    per park (project): " + ", ".join(
            f"{n} {pct(v['green_share'])} / {v['co2_t']:,.0f} t" for n, v in p["parks"].items()))
    if p["green_purchase_mwh"] > 0 or b["green_purchase_mwh"] > 0:
        lines.append(f"  green electricity bought [MWh]  {p['green_purchase_mwh']:,.1f} / {b['green_purchase_mwh']:,.1f}"
                     f" (premium {p['green_purchase_cost_cny']:,.0f} / {b['green_purchase_cost_cny']:,.0f} CNY, "
                     "not in the bill)")
    for name, s in (("project", p), ("baseline", b)):
        for t in s["targets"]:
            if not t["met"]:
                lines.append(f"  target not met by the {name}: {t['label']}")
    return lines


# ------------------------------------------------------------------------------------------------ sizing LP
def add_green_constraints(dm, carbon, w_steps: np.ndarray | None = None):
    """The targets of ``carbon`` as rows of a sizing LP (module docstring), shared by both sizing LPs.

    ``w_steps[t]``: weight of step ``t`` [days of the year it stands for; None = 1]. Adds the expressions
    ``green_import_mwh``, ``green_export_mwh``, ``green_pv_mwh``, ``green_consumption_mwh`` (weighted, all parks),
    the variable ``green_purchase_mwh`` (with a target and ``carbon.green_purchase``), the rows
    ``green_target_<kind>`` and ``green_purchase_cap_*``. Returns the purchase cost [CNY/yr] for the objective
    (0 without a purchase variable) and the rows by target kind.
    """
    tg = targets(carbon)
    if not tg:
        return 0.0, {}
    m = dm.m
    n_t = dm.data.n_t
    w = np.ones(n_t) if w_steps is None else np.asarray(w_steps, dtype=float)
    dt_h = float(dm.data.dt_h)
    m.green_import_mwh = pyo.Expression(expr=sum(float(w[t]) * dt_h * m.p_import_mw[p, t] for p in m.P for t in m.T))
    m.green_export_mwh = pyo.Expression(expr=sum(float(w[t]) * dt_h * m.p_export_mw[p, t] for p in m.P for t in m.T))
    pv = 0.0
    if "pv" in dm.blocks:
        b = m.pv
        pv = sum(float(w[t]) * dt_h * b.p_pv_mw[a, t] for a in b.A for t in b.T)
    m.green_pv_mwh = pyo.Expression(expr=pv)
    m.green_consumption_mwh = pyo.Expression(expr=m.green_import_mwh - m.green_export_mwh + m.green_pv_mwh)
    gp = carbon.green_purchase
    cost = 0.0
    g = 0.0
    if gp is not None:
        m.green_purchase_mwh = pyo.Var(within=pyo.NonNegativeReals)
        g = m.green_purchase_mwh
        m.green_purchase_cap_import = pyo.Constraint(expr=m.green_purchase_mwh <= m.green_import_mwh)
        m.green_purchase_cap_share = pyo.Constraint(expr=m.green_purchase_mwh <= gp.max_share * m.green_consumption_mwh)
        cost = gp.price_cny_per_mwh * m.green_purchase_mwh
    ef = float(carbon.ef_kgco2_per_kwh)
    rows = {}
    for t in tg:
        if t.kind == "green_share":
            expr = m.green_pv_mwh - m.green_export_mwh + g - t.value * m.green_consumption_mwh >= 0
        elif t.kind == "co2_cap":
            expr = g - m.green_import_mwh >= -t.value / ef
        else:
            expr = g - m.green_import_mwh + (t.value / ef) * m.green_consumption_mwh >= 0
        con = pyo.Constraint(expr=expr)
        m.add_component(f"green_target_{t.kind}", con)
        rows[t.kind] = con
    return cost, rows


def shadow_prices(carbon, rows: dict, duals: dict[str, float], consumption_mwh: float) -> list[dict[str, Any]]:
    """Marginal cost of tightening each target from the row duals ``duals[kind]`` [CNY per unit of the row]."""
    ef = float(carbon.ef_kgco2_per_kwh)
    out = []
    for t in targets(carbon):
        y = duals.get(t.kind)
        if y is None:
            continue
        if t.kind == "green_share":
            v, unit = y * consumption_mwh / 100.0, "CNY/yr per percentage point of green share"
        elif t.kind == "co2_cap":
            v, unit = y / ef, "CNY/yr per tCO2 less"
        else:
            v, unit = y * consumption_mwh / ef, "CNY/yr per kgCO2/kWh less"
        out.append({"target": t.kind, "value": t.value, "row_dual_cny_per_mwh": y, "shadow_price": v, "unit": unit,
                    "method": "LP dual (HiGHS row dual), first order"})
    return out


def max_reachable(dm, carbon, solve_lp, max_iter: int = 8) -> dict[str, float]:
    """Highest green share and lowest CO2 [t/yr] the sizing LP's design space reaches (targets left out).

    The share ``(PV − X + g) / C`` is a ratio: Dinkelbach's method maximises ``N − λ·C`` with ``λ`` the last
    ratio until the optimum is ~0 (few LP solves). The lowest CO2 is one LP ``min ef·(I − g)``; the lowest
    intensity is ``ef·(1 − max share)``. ``solve_lp(dm)`` solves the model in place.
    """
    m = dm.m
    for name in ("green_target_green_share", "green_target_co2_cap", "green_target_co2_intensity_cap"):
        if hasattr(m, name):
            getattr(m, name).deactivate()
    for o in m.component_objects(pyo.Objective, active=True):
        o.deactivate()
    g = m.green_purchase_mwh if hasattr(m, "green_purchase_mwh") else 0.0
    num = m.green_pv_mwh - m.green_export_mwh + g
    lam = 0.0
    for i in range(max_iter):
        obj = pyo.Objective(expr=num - lam * m.green_consumption_mwh, sense=pyo.maximize)
        m.add_component(f"green_max_share_{i}", obj)
        solve_lp(dm)
        obj.deactivate()
        c = float(pyo.value(m.green_consumption_mwh))
        new = float(pyo.value(num)) / c if c > TOL_MWH else 0.0
        if abs(new - lam) < 1e-7:
            lam = new
            break
        lam = new
    obj = pyo.Objective(expr=m.green_import_mwh - g, sense=pyo.minimize)
    m.add_component("green_min_co2", obj)
    solve_lp(dm)
    ef = float(carbon.ef_kgco2_per_kwh)
    return {"green_share": lam, "co2_t": float(pyo.value(m.green_import_mwh - g)) * ef,
            "co2_intensity_kg_per_kwh": ef * (1.0 - lam)}


def infeasible_message(carbon, best: dict[str, float]) -> str:
    """One line naming the unreachable target(s) and the best reachable value."""
    parts = []
    for t in targets(carbon):
        if t.kind == "green_share" and t.value > best["green_share"] + 1e-9:
            parts.append(f"green share {t.value:g} (highest reachable {best['green_share']:.4f})")
        elif t.kind == "co2_cap" and t.value < best["co2_t"] - 1e-6:
            parts.append(f"CO2 cap {t.value:g} t/yr (lowest reachable {best['co2_t']:,.1f} t/yr)")
        elif t.kind == "co2_intensity_cap" and t.value < best["co2_intensity_kg_per_kwh"] - 1e-9:
            parts.append(f"CO2 intensity cap {t.value:g} kg/kWh (lowest reachable "
                         f"{best['co2_intensity_kg_per_kwh']:.4f} kg/kWh)")
    what = "; ".join(parts) if parts else ", ".join(t.label for t in targets(carbon))
    how = ("with PV and batteries within economics.size_bounds"
           + (f" and green purchase up to {carbon.green_purchase.max_share:g} of consumption"
              if carbon.green_purchase is not None else " and no green purchase (carbon.green_purchase not set)"))
    return f"sizing target not reachable: {what} {how}"
