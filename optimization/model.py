"""Asset-agnostic assembly of the park dispatch LP, as an ordered list of ``define_*`` steps.

Variables per park ``p`` and step ``t`` (all MW, non-negative):

* ``p_import_mw[p,t]``, ``p_export_mw[p,t]``: power drawn from / fed into the grid at the park's
  connection point;
* ``p_peak_mw[p,m]``: the billed maximum demand (需量) of month ``m`` [MW];
* ``p_excess_mw[p,m]``: the part of it above 105 % of the contract demand (basis ``contract_demand``).

Constraints:

* balance: ``sum_a inj[a,t] + p_import_mw[p,t] - p_export_mw[p,t] = 0`` over the park's assets ``a``
  (injection positive into the grid);
* connection: ``p_import_mw <= p_import_max_mw``, ``p_export_mw <= p_export_max_mw`` (0 with 防逆流);
* own generation only: ``p_export_mw[p,t] <= sum_a exportable[a,t]`` (PV output; a battery charged
  from the grid cannot sell that energy back at the PV export price);
* peak (maximum demand = the highest 15-min mean import; :func:`demand_blocks`): for every demand
  block ``j`` (steps ``S_j``, month ``m(j)``)
  ``p_peak_mw[p,m(j)] >= (1/|S_j|) sum_{t in S_j} p_import_mw[p,t] - x_excl[p,j]`` with the mutable
  ``x_excl = 0`` (billed) or a bound above any import (the block is excluded from billed demand, e.g. a
  grid-called valley-filling window: :meth:`DispatchModel.exclude_from_billed_demand`);
* month so far: ``p_peak_mw[p,m] >= peak_so_far_mw[p,m]`` (mutable, 0 when the month starts in the horizon);
* contract: ``p_excess_mw[p,m] >= p_peak_mw[p,m] - 1.05 · C_p``, ``p_excess_mw >= 0``.

Objective [CNY]::

    sum_{p,t} (price[t] * p_import[p,t] - export_price[t] * p_export[p,t]) * dt_h
      + demand charge (below) + sum over asset blocks of cost_cny(block)

The blocks' costs include the smoothing term of batteries and EV groups (:mod:`optimization.smoothing`,
``w · sum |Δp|``), which is not part of the bill: objective = bill + ``smoothing_penalty_cny``.

Demand charge with rate ``r`` (``demand_charge_cny_per_mw_month``) per park and month (docs/billing.md):

* ``max_demand``: ``r · (p_peak[p,m] − peak_so_far[p,m])``: only the increase above the month so far;
  a month that starts in the horizon (so far 0) is charged in full on the horizon's peak;
* ``contract_demand``: ``r · C_p · [month starts in the horizon] + 2 r · (p_excess[p,m] − e0[p,m])`` with
  ``e0 = max(0, peak_so_far − 1.05 C_p)`` (the excess already billed);
* ``capacity`` / ``none``: 0 here (the capacity charge is fixed: :func:`optimization.bill.capacity_charge_cny`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from optimization.bill import CONTRACT_TOLERANCE
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
    demand_blocks: list[list[int]] = field(default_factory=list)  # steps of each maximum-demand interval
    unbilled: dict[str, set[int]] = field(default_factory=dict)  # park -> steps excluded from billed demand

    def exclude_from_billed_demand(self, park: str, steps) -> None:
        """Leave the demand blocks that contain any of ``steps`` out of ``park``'s billed maximum demand
        (mutable ``peak_excluded_mw``; the bill of :func:`optimization.results.extract` follows)."""
        steps = {int(t) for t in steps}
        for j, blk in enumerate(self.demand_blocks):
            if steps & set(blk):
                self.m.peak_excluded_mw[park, j].set_value(EXCLUDED_MW)
                self.unbilled.setdefault(park, set()).update(blk)

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


EXCLUDED_MW = 1e5  # x_excl of an excluded demand block: above any park's import [MW]


def demand_blocks(index, dt_h: float) -> list[list[int]]:
    """Steps of each maximum-demand interval: quarter hours (``floor(time, 15 min)``) when the step is
    shorter than 15 min, else each step alone (a 30/60-min step's mean is all that is known)."""
    n = len(index)
    if dt_h >= 0.25 - 1e-9 or n == 0:
        return [[t] for t in range(n)]
    keys = index.floor("15min").asi8
    out: list[list[int]] = []
    for t in range(n):
        if t > 0 and keys[t] == keys[t - 1]:
            out[-1].append(t)
        else:
            out.append([t])
    return out


def define_peak(dm: DispatchModel) -> None:
    m, data = dm.m, dm.data
    parks = {p.name: p for p in data.parks}
    m.p_peak_mw = pyo.Var(m.P, m.M, within=pyo.NonNegativeReals)
    month = [str(x) for x in data.month]
    blocks = demand_blocks(data.index, data.dt_h)
    dm.demand_blocks = blocks
    m.J = pyo.RangeSet(0, len(blocks) - 1)
    m.peak_excluded_mw = pyo.Param(m.P, m.J, mutable=True, initialize=0.0)
    m.peak_def = pyo.Constraint(m.P, m.J, rule=lambda m, p, j: m.p_peak_mw[p, month[blocks[j][0]]] >= sum(
        m.p_import_mw[p, t] for t in blocks[j]) * (1.0 / len(blocks[j])) - m.peak_excluded_mw[p, j])
    m.peak_so_far_mw = pyo.Param(m.P, m.M, mutable=True,
                                 initialize=lambda m, p, k: float(parks[p].peak_so_far_mw.get(k, 0.0)))
    m.peak_floor = pyo.Constraint(m.P, m.M, rule=lambda m, p, k: m.p_peak_mw[p, k] >= m.peak_so_far_mw[p, k])
    contract = [p for p in m.P if parks[p].demand_basis == "contract_demand"]
    m.PC = pyo.Set(initialize=contract, ordered=True)
    m.p_excess_mw = pyo.Var(m.PC, m.M, within=pyo.NonNegativeReals)
    m.excess_def = pyo.Constraint(m.PC, m.M, rule=lambda m, p, k: m.p_excess_mw[p, k] >= m.p_peak_mw[p, k]
                                  - CONTRACT_TOLERANCE * float(parks[p].contract_demand_mw))


def demand_charge_expr(dm: DispatchModel):
    """The demand charge of the horizon [CNY] (module docstring), linear in the peaks."""
    m, data = dm.m, dm.data
    r = m.demand_charge_cny_per_mw_month
    r0 = float(data.demand_charge_cny_per_mw_month)
    terms = []
    for pin in data.parks:
        p = pin.name
        for k in m.M:
            if pin.demand_basis == "max_demand":
                terms.append(r * m.p_peak_mw[p, k] - r0 * m.peak_so_far_mw[p, k])
            elif pin.demand_basis == "contract_demand":
                c = float(pin.contract_demand_mw)
                so_far = float(pin.peak_so_far_mw.get(k, 0.0))
                fixed = 0.0 if pin.earlier_days(k) else r0 * c
                terms.append(fixed + 2.0 * r * m.p_excess_mw[p, k]
                             - 2.0 * r0 * max(0.0, so_far - CONTRACT_TOLERANCE * c))
    return sum(terms) if terms else 0.0


def define_objective(dm: DispatchModel) -> None:
    m, data = dm.m, dm.data
    m.demand_charge_cny_per_mw_month = pyo.Param(initialize=data.demand_charge_cny_per_mw_month, mutable=True)
    m.energy_cost_cny = pyo.Expression(
        expr=sum(m.price_cny_per_mwh[t] * m.p_import_mw[p, t] * m.dt_h for p in m.P for t in m.T)
    )
    m.export_revenue_cny = pyo.Expression(
        expr=sum(m.export_price_cny_per_mwh[t] * m.p_export_mw[p, t] * m.dt_h for p in m.P for t in m.T)
    )
    m.demand_charge_cny = pyo.Expression(expr=demand_charge_expr(dm))
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
