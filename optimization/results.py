"""Result tables of a solved dispatch model, with units in the column names.

* ``assets``: one row per asset × step: ``time, park, asset, kind, p_inject_mw, q_inject_mvar, cost_cny``
  and kind-specific columns (``p_available_mw``, ``p_curtailed_mw``, ``p_charge_mw``, ``e_mwh``, ``soc``,
  ``e_unmet_mwh``, ...; NaN where a column does not apply to the kind).
* ``parks``: one row per park × step: ``p_import_mw``, ``p_export_mw`` (netted: at most one is non-zero),
  ``p_net_import_mw``, prices, and the
  injection summed per asset kind (``p_inject_<kind>_mw``).
* ``costs``: one row per park: energy cost, export revenue, demand charge, asset costs [CNY], peak [MW].
* ``smoothing_penalty_cny``: the smoothing term of the objective [CNY] (:mod:`optimization.smoothing`),
  not part of the bill: LP objective = ``total_cost_cny`` (the bill) + ``smoothing_penalty_cny``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimization.bill import monthly_bill, net_flows, park_bill
from optimization.model import DispatchModel
from optimization.solve import SolveInfo


@dataclass
class DispatchResult:
    assets: pd.DataFrame
    parks: pd.DataFrame
    costs: pd.DataFrame
    solve: SolveInfo | None = None
    strategy: str = "optimised"
    timings_s: dict[str, float] = field(default_factory=dict)
    smoothing_penalty_cny: float = 0.0  # in the LP objective, not in the bill (optimization.smoothing)

    def p_inject_wide(self) -> pd.DataFrame:
        """Active-power injection [MW] as a time × asset table (for the AC check)."""
        return self.assets.pivot(index="time", columns="asset", values="p_inject_mw")

    def q_inject_wide(self) -> pd.DataFrame:
        return self.assets.pivot(index="time", columns="asset", values="q_inject_mvar")

    @property
    def total_cost_cny(self) -> float:
        return float(self.costs["total_cost_cny"].sum())


def _var_matrix(var, parks: list[str], n_t: int) -> np.ndarray:
    vals = var.extract_values()
    pos = {p: i for i, p in enumerate(parks)}
    out = np.zeros((len(parks), n_t))
    for (p, t), v in vals.items():
        out[pos[p], t] = v or 0.0
    return out


def extract(dm: DispatchModel, solve: SolveInfo | None = None, strategy: str = "optimised") -> DispatchResult:
    """Read the solved model into :class:`DispatchResult` tables."""
    m, data = dm.m, dm.data
    n_t, dt = data.n_t, data.dt_h
    park_of = {a.name: a.park for assets in data.assets.values() for a in assets}

    frames = []
    for kind, block in dm.blocks.items():
        df = block.results(getattr(m, kind))
        df.insert(2, "kind", kind)
        frames.append(df)
    assets = pd.concat(frames, ignore_index=True)
    assets.insert(0, "park", assets["asset"].map(park_of))
    assets.insert(0, "time", data.index[assets.pop("t").to_numpy()])

    parks = [p.name for p in data.parks]
    imp = _var_matrix(m.p_import_mw, parks, n_t)
    exp = _var_matrix(m.p_export_mw, parks, n_t)
    # one meter: net simultaneous import and export of a step (the LP is indifferent to such overlap
    # where the export price equals the import price; netting leaves the cost unchanged there)
    imp, exp = net_flows(imp, exp)
    park_df = pd.DataFrame(
        {
            "time": np.tile(data.index, len(parks)),
            "park": np.repeat(np.array(parks, dtype=object), n_t),
            "p_import_mw": imp.reshape(-1),
            "p_export_mw": exp.reshape(-1),
            "p_net_import_mw": (imp - exp).reshape(-1),
            "price_cny_per_mwh": np.tile(data.price_cny_per_mwh, len(parks)),
            "export_price_cny_per_mwh": np.tile(data.export_price_cny_per_mwh, len(parks)),
        }
    )
    by_kind = assets.pivot_table(index=["time", "park"], columns="kind", values="p_inject_mw", aggfunc="sum")
    by_kind.columns = [f"p_inject_{k}_mw" for k in by_kind.columns]
    park_df = park_df.merge(by_kind.reset_index(), on=["time", "park"], how="left").fillna(0.0)

    # per-park costs: the bill (optimization.bill) of the netted flows, the objective's formulas
    asset_cost = assets.groupby("park")["cost_cny"].sum().to_dict() if "cost_cny" in assets else {}
    # reactive draw per park (loads' Q from their cos_phi, inverter Q), for the power factor of the bill
    q_draw = (-assets.groupby(["park", "time"])["q_inject_mvar"].sum()).reindex(
        pd.MultiIndex.from_arrays([park_df["park"], park_df["time"]])).fillna(0.0).to_numpy()
    billed_mask = np.ones((len(parks), n_t), dtype=bool)
    for i, p in enumerate(parks):
        billed_mask[i, sorted(dm.unbilled.get(p, ()))] = False
    billed = park_df.assign(month=np.tile(np.asarray(data.month, dtype=str), len(parks)), q_import_mvar=q_draw,
                            billed=billed_mask.reshape(-1))
    monthly = monthly_bill(billed, dt, data.demand_charge_cny_per_mw_month, {p.name: p for p in data.parks})
    costs = park_bill(monthly, asset_cost, order=parks)
    smoothing = sum(block.smoothing_penalty_cny(getattr(m, kind)) for kind, block in dm.blocks.items())
    return DispatchResult(assets=assets, parks=park_df, costs=costs, solve=solve, strategy=strategy,
                          smoothing_penalty_cny=float(smoothing))
