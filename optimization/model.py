"""Asset-agnostic assembly of the park dispatch LP, as an ordered list of ``define_*`` steps.

Variables per park ``p`` and step ``t`` (all MW, non-negative):

* ``p_import_mw[p,t]``, ``p_export_mw[p,t]``: power drawn from / fed into the grid at the park's
  connection point;
* ``p_peak_mw[p,m]``: the billing peak of month ``m`` (two-part tariff with demand charge).

Constraints:

* balance: ``sum_a inj[a,t] + p_import_mw[p,t] - p_export_mw[p,t] = 0`` over the park's assets ``a``
  (injection positive into the grid);
* connection: ``p_import_mw <= p_import_max_mw``, ``p_export_mw <= p_export_max_mw`` (0 with 防逆流);
* own generation only: ``p_export_mw[p,t] <= sum_a exportable[a,t]`` (PV output; a battery charged
  from the grid cannot sell that energy back at the PV export price);
* peak: ``p_peak_mw[p,m] >= p_import_mw[p,t]`` for every ``t`` in month ``m``.

Objective [CNY]::

    sum_{p,t} (price[t] * p_import[p,t] - export_price[t] * p_export[p,t]) * dt_h
      + demand_charge * sum_{p,m} p_peak[p,m]
      + sum over asset blocks of cost_cny(block)

The demand charge is a monthly charge on the month's highest import; a horizon shorter than a month
charges it in full on the peak seen in the horizon (the peak a month can only grow from).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from optimization.data import ModelData
from optimization.registry import REGISTRY, AssetBlock


@dataclass
class DispatchModel:
    """A built model, its inputs and the asset blocks that make it up."""

    m: pyo.ConcreteModel
    data: ModelData
    blocks: dict[str, AssetBlock] = field(default_factory=dict)
    asset_kind: dict[str, str] = field(default_factory=dict)
    baseline: bool = False

    def open_event_window(self, steps) -> bool:
        """Tell the blocks which steps a grid call covers (optional block method ``event_window(b, steps)``;
        ``steps = []`` closes it): a kind may relax a service limit during a called window, e.g. the
        air-conditioning set-point raise. Used by ``vpp dr`` (the event) and ``vpp capacity`` (each down
        window). Blocks write mutable parameters only: a session attached to the model sees them at once,
        a detached one after ``read_parameters()``. Returns whether any block has the hook."""
        hooked = False
        for kind, block in self.blocks.items():
            hook = getattr(block, "event_window", None)
            if callable(hook):
                hook(getattr(self.m, kind), steps)
                hooked = True
        return hooked


def define_sets(m: pyo.ConcreteModel, data: ModelData) -> None:
    m.T = pyo.RangeSet(0, data.n_t - 1)
    m.P = pyo.Set(initialize=[p.name for p in data.parks], ordered=True)
    m.M = pyo.Set(initialize=sorted(set(str(x) for x in data.month)), ordered=True)
    m.dt_h = pyo.Param(initialize=data.dt_h)
    m.price_cny_per_mwh = pyo.Param(m.T, initialize=dict(enumerate(data.price_cny_per_mwh.tolist())), mutable=True)
    m.export_price_cny_per_mwh = pyo.Param(
        m.T, initialize=dict(enumerate(data.export_price_cny_per_mwh.tolist())), mutable=True
    )


def define_assets(dm: DispatchModel) -> None:
    """One Pyomo block per asset kind present, built by the registered plug-in."""
    for kind, assets in dm.data.assets.items():
        if not assets:
            continue
        if kind not in REGISTRY:
            raise KeyError(f"no optimisation block registered for asset kind '{kind}'")
        block = REGISTRY[kind](assets, dm.data)
        b = pyo.Block()
        dm.m.add_component(kind, b)
        block.build(b)
        dm.blocks[kind] = block
        for a in assets:
            dm.asset_kind[a.name] = kind


def define_connection(dm: DispatchModel) -> None:
    m, data = dm.m, dm.data
    parks = {p.name: p for p in data.parks}

    def imp_bounds(m, p, t):
        return (0.0, parks[p].p_import_max_mw)

    def exp_bounds(m, p, t):
        if parks[p].no_reverse_flow:
            return (0.0, 0.0)
        return (0.0, parks[p].p_export_max_mw)

    m.p_import_mw = pyo.Var(m.P, m.T, bounds=imp_bounds)
    m.p_export_mw = pyo.Var(m.P, m.T, bounds=exp_bounds)

    def balance(m, p, t):
        inj = sum(dm.blocks[dm.asset_kind[a]].injection_mw(getattr(m, dm.asset_kind[a]), a, t) for a in parks[p].assets)
        return inj + m.p_import_mw[p, t] - m.p_export_mw[p, t] == 0

    m.balance = pyo.Constraint(m.P, m.T, rule=balance)

    def own_generation(m, p, t):
        gen = sum(
            dm.blocks[dm.asset_kind[a]].exportable_mw(getattr(m, dm.asset_kind[a]), a, t) for a in parks[p].assets
        )
        if isinstance(gen, (int, float)):
            return m.p_export_mw[p, t] <= gen if gen > 0 else m.p_export_mw[p, t] == 0
        return m.p_export_mw[p, t] <= gen

    m.export_own_generation = pyo.Constraint(m.P, m.T, rule=own_generation)


def define_peak(dm: DispatchModel) -> None:
    m, data = dm.m, dm.data
    m.p_peak_mw = pyo.Var(m.P, m.M, within=pyo.NonNegativeReals)
    month = [str(x) for x in data.month]
    m.peak_def = pyo.Constraint(m.P, m.T, rule=lambda m, p, t: m.p_peak_mw[p, month[t]] >= m.p_import_mw[p, t])


def define_objective(dm: DispatchModel) -> None:
    m, data = dm.m, dm.data
    m.demand_charge_cny_per_mw_month = pyo.Param(initialize=data.demand_charge_cny_per_mw_month, mutable=True)
    m.energy_cost_cny = pyo.Expression(
        expr=sum(m.price_cny_per_mwh[t] * m.p_import_mw[p, t] * m.dt_h for p in m.P for t in m.T)
    )
    m.export_revenue_cny = pyo.Expression(
        expr=sum(m.export_price_cny_per_mwh[t] * m.p_export_mw[p, t] * m.dt_h for p in m.P for t in m.T)
    )
    m.demand_charge_cny = pyo.Expression(expr=m.demand_charge_cny_per_mw_month * sum(m.p_peak_mw[p, k] for p in m.P for k in m.M))
    m.asset_cost_cny = pyo.Expression(
        expr=sum(block.cost_cny(getattr(m, kind)) for kind, block in dm.blocks.items())
    )
    m.objective = pyo.Objective(
        expr=m.energy_cost_cny - m.export_revenue_cny + m.demand_charge_cny + m.asset_cost_cny, sense=pyo.minimize
    )


def build_model(data: ModelData) -> DispatchModel:
    """Build the dispatch LP from plain inputs (see module docstring for the maths).

    The garbage collector is paused while Pyomo creates its many small objects (as Pyomo's own
    writers do): collections triggered mid-build cost a third of a district day's build time.
    """
    with PauseGC():
        m = pyo.ConcreteModel(name="park_dispatch")
        dm = DispatchModel(m=m, data=data)
        define_sets(m, data)
        define_assets(dm)
        define_connection(dm)
        define_peak(dm)
        define_objective(dm)
    return dm


def fix_baseline(dm: DispatchModel) -> None:
    """Turn the model into the no-optimisation baseline.

    Each block fixes its decisions to its rule (PV as available, batteries idle, EVs charge at full
    power on arrival, no interruption); the import limit of the connection is lifted so that the
    baseline's own overloads show up in the AC check instead of making the model infeasible.
    """
    m = dm.m
    for kind, block in dm.blocks.items():
        block.fix_baseline(getattr(m, kind))
    for p in m.P:
        for t in m.T:
            m.p_import_mw[p, t].setub(None)
    dm.baseline = True
