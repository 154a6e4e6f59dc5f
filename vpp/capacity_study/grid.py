"""Grid limits of ``vpp capacity``: linearised feeder limits in the window LP, and the AC check of windows.

Also used by the VPP's flexibility envelope and admission check (:mod:`vpp.aggregator`), on the
aggregate's horizon. Jobs, each for one day (docs/capacity.md, "Grid limits"):

1. **Grid context** (:func:`grid_context`): the *background* dispatch of every park (the normal
   schedule of the whole grid: the dispatch LP of all parks), and, when the scenario has
   ``network_constraints.mode == "linear"``, linearised voltage / branch-flow rows
   (:class:`optimization.network.LinearRows`, built by ``network_models.linear`` exactly as one round of
   the closed loop in ``vpp/closed_loop.py``):

   * AC power flow of every step of the unconstrained normal schedule (operating points ``V_op[t]``,
     branch flows);
   * watched elements: every checked bus whose AC voltage comes within ``CAPACITY_SCREEN_VM_PU`` of a
     limit and every branch end above ``CAPACITY_SCREEN_LOADING × loading_max_percent`` at any step
     (:mod:`vpp.dispatch.network_round`; wider than the closed
     loop's screen: a capacity window moves a park much further than a re-dispatch does);
   * sensitivities at the most stressed step, rows at every step for the watched elements with the
     scenario's margins (``V_b[t] = V_op[t] + Σ_j dV/dP_j (P_j[t] − P_op,j[t]) + dV/dQ_j (...)``,
     flows likewise, inscribed 16-gon on ``|S| <= L/100 · S_rated · V``);
   * the background dispatch is then the normal schedule re-solved *with* these rows (inverter Q
     included; park ``pf_min`` limits are not applied: their binaries would make every window a MIP), so that the other parks of a park's capacity study sit at a
     grid-respecting schedule.

2. **Rows of a scope** (:func:`scope_rows`): a park's capacity model only holds that park, so the terms
   of the other parks ``j`` are folded into the constants at their background injections:
   ``const' = const + cp_j · P_bg,j[t] + cq_j · Q_bg,j[t]`` (voltage rows and the ``Pf``, ``Qf``, ``V_e``
   parts of flow rows), and their columns dropped. The district scope keeps every park.

3. **AC check of windows** (:func:`ac_check_windows`): for each row of the summary (scope, called window,
   direction, duration) on the most loaded day of the sample (:func:`ac_day_of`), at the start that bound
   the row's callable capacity that day, the capacity model's solution of that window (per-asset ``P``, and
   ``Q`` from the loads' ``cos φ`` and the inverters' ``q_inv_mvar`` in linear mode) replaces the
   background injections of the scope's assets, and the window's steps of all windows are run through
   one power-grid-model batch AC power flow (``network_models.batch.run_timeseries_batch``).
   ``ac_violations`` = number of (step, element) violations (voltage band on checked buses, line /
   transformer loading) inside the window, plus non-converged steps; ``ac_worst`` = the element with the
   largest relative excess ``|value − limit| / limit`` (e.g. ``f01_2 overload 131.2 %``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from network_models import attach_assets, build_grid, park_capacity_mva
from network_models.batch import run_timeseries_batch
from network_models.linear import ac_points
from optimization import build_model
from optimization.network import LinearRows, add_network_constraints, reactive_results
from optimization.session import solve
from vpp.capacity_study.model import CapacityModel, restrict, steps_of
from vpp.capacity_study.sample import DISTRICT, day_model_data, day_scenario
from vpp.dispatch import network_round



@dataclass
class GridContext:
    """Background dispatch and (linear mode) linear rows of one sampled day; see module doc.

    ``bg_p`` / ``bg_q``: time × asset injection [MW], [MVAr] of the background dispatch (positive into
    the grid); ``bg_park_p`` / ``bg_park_q``: the same summed per park (time × park); ``rows``: linear rows
    over all parks (None: no linear mode, or no element near a limit).
    """

    grid: object
    elements: object
    park_of: dict[str, str]
    bg_p: pd.DataFrame
    bg_q: pd.DataFrame
    linear: bool = False
    rows: object | None = None
    q_control: bool = True
    pf_min: dict[str, float | None] = field(default_factory=dict)

    @property
    def bg_park_p(self) -> pd.DataFrame:
        return self.bg_p.T.groupby(self.park_of).sum().T

    @property
    def bg_park_q(self) -> pd.DataFrame:
        return self.bg_q.T.groupby(self.park_of).sum().T


def dispatch_wide(dm, index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-asset P and Q (time × asset, assets sorted by name) of a solved model, inverter Q of a network
    block included. Read from the blocks' result arrays (the tables of :func:`optimization.results.extract`
    without building them); a block with its own ``results`` goes through its table."""
    from optimization.registry import AssetBlock

    p: dict[str, np.ndarray] = {}
    q: dict[str, np.ndarray] = {}
    for kind, block in dm.blocks.items():
        b = getattr(dm.m, kind)
        if type(block).results is AssetBlock.results:
            arr = block.result_arrays(b)
            for i, name in enumerate(block.names):
                p[name] = np.asarray(arr["p_inject_mw"], dtype=float)[i]
                q[name] = np.asarray(arr.get("q_inject_mvar", np.zeros_like(arr["p_inject_mw"])), dtype=float)[i]
        else:
            df = block.results(b)
            for name, g in df.groupby("asset", sort=False):
                g = g.sort_values("t")
                p[name] = g["p_inject_mw"].to_numpy(float)
                q[name] = g["q_inject_mvar"].fillna(0.0).to_numpy(float) if "q_inject_mvar" in g else np.zeros(len(g))
    names = sorted(p)
    idx = pd.DatetimeIndex(dm.data.index, name="time")
    P = pd.DataFrame({n: p[n] for n in names}, index=idx)
    Q = pd.DataFrame({n: q[n] for n in names}, index=idx).fillna(0.0)
    P.columns.name = Q.columns.name = "asset"
    for name, arr in reactive_results(dm).items():
        Q[name] = arr
    return P, Q


def grid_context(scn, data) -> GridContext:
    """Background dispatch and linear rows of a (one-day) scenario and its model data (see module doc)."""
    grid = build_grid(scn)
    elements = attach_assets(grid, scn)
    park_of = {a.name: p.name for p, a in scn.assets()}
    nc = scn.network_constraints
    pf_min: dict = {}  # park pf_min limits need binaries (a MIP per window): not applied to capacity
    dm = build_model(data)
    solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    p, q = dispatch_wide(dm, data.index)
    ctx = GridContext(grid, elements, park_of, p, q, linear=nc.mode == "linear", q_control=nc.q_control, pf_min=pf_min)
    if not ctx.linear:
        return ctx
    nw = scn.network
    ops = ac_points(grid, elements, p, q, park_of)
    watch_b, watch_e = network_round.watch(ops, nw, screen_vm_pu=network_round.CAPACITY_SCREEN_VM_PU,
                                           screen_loading=network_round.CAPACITY_SCREEN_LOADING)
    if watch_b or watch_e:
        park_bus = {pk.name: grid.park_bus[pk.name] for pk in scn.parks}
        _, ctx.rows = network_round.rows_at(grid, elements, p, q, ops, nw, watch_b, watch_e,
                                            *network_round.initial_margins(ops, nc), park_bus, park_of)
    add_network_constraints(dm, ctx.rows, q_control=nc.q_control, pf_min=pf_min)
    solve(dm, time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap)
    ctx.bg_p, ctx.bg_q = dispatch_wide(dm, data.index)
    return ctx


def scope_rows(ctx: GridContext, parks: list[str]):
    """Rows of a scope: other parks folded into the constants at their background injections."""
    rows = ctx.rows
    if rows is None:
        return None
    inj = list(rows.injections)
    keep = [j for j, p in enumerate(inj) if p in set(parks)]
    drop = [j for j, p in enumerate(inj) if p not in set(parks)]
    if not drop:
        return rows
    P = ctx.bg_park_p.reindex(columns=inj).fillna(0.0).to_numpy(float)  # time × injection
    Q = ctx.bg_park_q.reindex(columns=inj).fillna(0.0).to_numpy(float)

    def fold(const, cp, cq, t):
        return const + (cp[:, drop] * P[t][:, drop]).sum(axis=1) + (cq[:, drop] * Q[t][:, drop]).sum(axis=1)

    vt, ft = rows.v_t.astype(int), rows.f_t.astype(int)
    return LinearRows(
        injections=[inj[j] for j in keep], v_label=rows.v_label, v_t=rows.v_t,
        v_const=fold(rows.v_const, rows.v_cp, rows.v_cq, vt), v_cp=rows.v_cp[:, keep], v_cq=rows.v_cq[:, keep],
        v_min=rows.v_min, v_max=rows.v_max, f_label=rows.f_label, f_t=rows.f_t,
        fp_const=fold(rows.fp_const, rows.fp_cp, rows.fp_cq, ft), fp_cp=rows.fp_cp[:, keep], fp_cq=rows.fp_cq[:, keep],
        fq_const=fold(rows.fq_const, rows.fq_cp, rows.fq_cq, ft), fq_cp=rows.fq_cp[:, keep], fq_cq=rows.fq_cq[:, keep],
        fv_const=fold(rows.fv_const, rows.fv_cp, rows.fv_cq, ft), fv_cp=rows.fv_cp[:, keep], fv_cq=rows.fv_cq[:, keep],
        f_rate=rows.f_rate,
    )


def network_hook(ctx: GridContext | None, parks: list[str]):
    """Callable adding the scope's linear rows (+ inverter Q, pf limits) to a capacity model, or None."""
    if ctx is None or not ctx.linear:
        return None
    rows = scope_rows(ctx, parks)
    pf = {p: v for p, v in ctx.pf_min.items() if p in set(parks)}
    return lambda dm: add_network_constraints(dm, rows, q_control=ctx.q_control, pf_min=pf)


def grid_note(ctx_linear: bool) -> str:
    """The 'grid limits' line of the terminal table and JSON."""
    if ctx_linear:
        return "linearised feeder limits + connection limits"
    return "park connection import/export limits (feeder limits not in the LP; AC-checked, see ac_violations)"


# ------------------------------------------------------------------------------------ window dispatch
def window_dispatches(cm, windows: list[tuple[str, float, float]], notice_h: float) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """The capacity model's per-asset P/Q over the steps of each window ``(direction, duration_h, start_hour)``.

    Windows are solved in ascending start hour (history only grows), loading every variable.
    Returns, in the input order, ``(p, q)`` time × asset tables restricted to the window's steps.
    """
    dt = cm.data.dt_h
    n_notice = int(np.floor(notice_h / dt + 1e-9))
    out: dict[int, tuple] = {}
    cm.load_all = True
    try:
        for i in sorted(range(len(windows)), key=lambda i: windows[i][2]):
            direction, d, h = windows[i]
            t_s = steps_of(h, dt, "start hour") if h > 0 else 0
            n_d = steps_of(d, dt, "duration")
            cm.fix_history(max(0, t_s - n_notice))
            cm.solve_window(direction, t_s, n_d, d)
            p, q = dispatch_wide(cm.dm, cm.data.index)
            out[i] = (p.iloc[t_s : t_s + n_d], q.iloc[t_s : t_s + n_d])
    finally:
        cm.load_all = False
    return [out[i] for i in range(len(windows))]


def _worst(v: pd.DataFrame) -> str:
    """Element with the largest relative excess ``|value − limit| / limit``, as one short label."""
    if v.empty:
        return ""
    if (v["kind"] == "not_converged").any():
        return f"power flow not converged at {int((v['kind'] == 'not_converged').sum())} step(s)"
    rel = (v["value"] - v["limit"]).abs() / v["limit"].abs()
    r = v.loc[rel.idxmax()]
    unit = "%" if r["kind"] == "overload" else "pu"
    return f"{r['element']} {r['kind']} {r['value']:.{1 if unit == '%' else 3}f} {unit}"


def ac_check_windows(ctx: GridContext, dispatches: list[tuple[pd.DataFrame, pd.DataFrame]]) -> list[tuple[int, str]]:
    """AC check (power-grid-model batch) of window dispatches over the background; ``(violations, worst)`` each."""
    if not dispatches:
        return []
    P, Q, owner = [], [], []
    for i, (p, q) in enumerate(dispatches):
        bp = ctx.bg_p.loc[p.index].copy()
        bq = ctx.bg_q.reindex(index=p.index, columns=bp.columns).fillna(0.0)
        bp[p.columns] = p.to_numpy(float)
        bq[q.columns] = q.reindex(columns=q.columns).fillna(0.0).to_numpy(float)
        P.append(bp.reset_index(drop=True))
        Q.append(bq.reset_index(drop=True))
        owner += [i] * len(p)
    p_all = pd.concat(P, ignore_index=True)
    q_all = pd.concat(Q, ignore_index=True)
    ac = run_timeseries_batch(ctx.grid, ctx.elements, p_all, q_all)
    owner = np.asarray(owner)
    viol = ac.violations
    conv = ac.summary["converged"].to_numpy(bool)
    out = []
    for i in range(len(dispatches)):
        v = viol[viol["time"].map(lambda k: owner[int(k)] == i)] if len(viol) else viol
        n_nc = int((~conv[owner == i]).sum())
        worst = _worst(v) or ("not converged" if n_nc else "")
        out.append((int(len(v)) + n_nc, worst))
    return out


# ------------------------------------------------------------------------------------ study glue
_CTX_CACHE: dict[tuple, GridContext] = {}


def context_for(scn_k, data) -> GridContext:
    """:func:`grid_context` of one day, cached per process (the scopes of a day share it)."""
    key = (scn_k.name, scn_k.seed, scn_k.horizon.start, scn_k.network_constraints.model_dump_json())
    if key not in _CTX_CACHE:
        _CTX_CACHE.clear()
        _CTX_CACHE[key] = grid_context(scn_k, data)
    return _CTX_CACHE[key]


def scope_ac_check(scn, capacity_mva: dict, settings, scope: str, day,
                   windows: list[tuple[str, float, float]]) -> list[tuple[int, str]]:
    """AC check of the windows ``(direction, duration_h, start_hour)`` of one scope on ``day`` (the
    capacity model is rebuilt and re-solved)."""
    scn_d = day_scenario(scn, day)
    data = day_model_data(scn_d, capacity_mva)
    ctx = context_for(scn_d, data)
    parks = list(settings.parks) if scope == DISTRICT else [scope]
    cm = CapacityModel(restrict(data, parks), time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap,
                       network=network_hook(ctx, parks))
    return ac_check_windows(ctx, window_dispatches(cm, windows, settings.notice_h))


def ac_day_of(normal: pd.DataFrame, scope: str):
    """The most loaded day of the sample: the highest mean normal net import of ``scope`` over the called
    windows (where a call is likeliest and the grid most stressed)."""
    g = normal[normal["park"] == scope].groupby("date", sort=True)["p_net_normal_mw"].mean()
    return g.idxmax()


def ac_check_summary(scn, settings, summary: pd.DataFrame, days: pd.DataFrame, normal: pd.DataFrame):
    """``summary`` with ``ac_violations`` / ``ac_worst`` / ``ac_start_hour`` of each row's window dispatch on
    the most loaded day (:func:`ac_day_of` of the headline scope) at the start that bound the row's
    callable capacity that day; returns ``(summary, day)``."""
    from concurrent.futures import ProcessPoolExecutor

    grid = build_grid(scn)
    capacity_mva = {p.name: park_capacity_mva(grid, p.name) for p in scn.parks}
    head = DISTRICT if settings.district else settings.parks[0]
    day = ac_day_of(normal, head)
    bind = days[days["date"] == day].set_index(["park", "window", "direction", "duration_h"])["binding_start_hour"]
    tasks: dict[str, list] = {}
    out = summary.copy()
    out["ac_start_hour"] = np.nan
    for i, r in summary.iterrows():
        s = float(bind.loc[(r["park"], r["window"], r["direction"], r["duration_h"])])
        out.at[i, "ac_start_hour"] = s
        tasks.setdefault(r["park"], []).append((i, (r["direction"], float(r["duration_h"]), s)))
    out["ac_violations"] = 0
    out["ac_worst"] = ""
    scopes = list(tasks)
    if settings.jobs > 1 and len(scopes) > 1:
        import multiprocessing as mp

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(max_workers=min(settings.jobs, len(scopes)), mp_context=ctx) as pool:
            futs = {s: pool.submit(scope_ac_check, scn, capacity_mva, settings, s, day, [w for _, w in tasks[s]])
                    for s in scopes}
            results = {s: f.result() for s, f in futs.items()}
    else:
        results = {s: scope_ac_check(scn, capacity_mva, settings, s, day, [w for _, w in tasks[s]]) for s in scopes}
    for s in scopes:
        for (i, _), (n, worst) in zip(tasks[s], results[s]):
            out.at[i, "ac_violations"] = n
            out.at[i, "ac_worst"] = worst
    out["ac_violations"] = out["ac_violations"].astype(int)
    out["ac_date"] = str(day)
    return out, day
