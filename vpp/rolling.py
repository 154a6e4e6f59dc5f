"""Rolling-horizon dispatch: one Pyomo model for a window of (1 day + look-ahead), updated between days.

Window ``w`` covers steps ``[w·D, w·D + W)`` of the extended profile (``D`` steps per day, ``W = D + L``
with ``L`` look-ahead steps; the profiles are built ``ceil(L / day)`` days beyond the evaluated period so
every window has the same length). The model is built once; each day only mutable parameters and
variable bounds change (block ``update``), so the persistent HiGHS interface re-solves without a rebuild.
Only the first ``D`` steps of each window are committed. State carried from one window to the next:

* battery and thermal-storage energy: ``e_init_mwh[a] := e_mwh[a, D]`` of the previous window;
* demand charge: the window model has one peak variable ``p_peak_mw[p, 'window']`` whose lower bound is
  the peak imported so far in the month of the window's first day,
  ``p_peak_mw >= max(peak_so_far[p, month], p_import_mw[p, t])``, so the objective pays
  ``demand_charge × (peak_so_far + increase)``; only increases cost money (the look-ahead part of a
  window that crosses into the next month is counted against the current month, a small simplification);
* EV sessions spanning midnight: EV groups use the envelope model; the committed group power is
  allocated to the plugged sessions earliest-departure-first, and a session still plugged in at the next
  window start enters it with ``e_mwh - delivered``;
* interruptible contracts: the daily energy limit restarts at midnight, and windows start at midnight.

Costs of the committed schedule are recomputed afterwards with the real billing months (see
:func:`vpp.evaluate.cost_table`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from optimization import AssetInput, ModelData, build_model, fix_baseline
from optimization.solve import Solver
from vpp.errors import VppError
from vpp.ev_slots import KIND as SLOTS_KIND

STATE_KINDS = ("battery", "thermal_storage")  # energy e_mwh[a, D] carried to the next window
SLOTS_MAX = 200  # above this many sessions per window an EV group uses the envelope model

WINDOW_MONTH = "window"


@dataclass
class RollingResult:
    """Committed schedule of a rolling run.

    ``parks``: park × step (``time, park, p_import_mw, p_export_mw, p_net_import_mw, price_cny_per_mwh,
    export_price_cny_per_mwh``); ``assets``: asset × step (block result columns); ``ev_unmet_mwh`` per EV
    asset; ``windows``: per window ``build_s, update_s, pyomo_s, highs_s, extract_s``; ``e_boundary_mwh``:
    battery energy at each window boundary (for continuity checks).
    """

    parks: pd.DataFrame
    assets: pd.DataFrame
    ev_unmet_mwh: dict[str, float]
    windows: pd.DataFrame
    e_boundary_mwh: pd.DataFrame
    peak_so_far_mw: dict = field(default_factory=dict)


def window_data(full: ModelData, t0: int, n: int, e_init: dict[str, float], ev_delivered: dict[str, float],
                n_slots: dict[str, int] | None = None) -> ModelData:
    """Inputs of the window ``[t0, t0 + n)``: sliced profiles, carried battery energy, remaining EV energy.

    EV groups listed in ``n_slots`` go to the slot model (:mod:`vpp.ev_slots`), the others to the envelope.
    """
    sl = slice(t0, t0 + n)
    index = full.index[sl]
    w_start = index[0]
    w_end = w_start + pd.Timedelta(hours=n * full.dt_h)
    assets: dict[str, list[AssetInput]] = {}
    for kind, lst in full.assets.items():
        out = []
        for a in lst:
            prof = {}
            for k, v in a.profile.items():
                if isinstance(v, np.ndarray):
                    prof[k] = v[sl]
                elif k == "sessions":
                    s = v[(v["departure"] > w_start) & (v["arrival"] < w_end)].copy()
                    done = s["session"].map(ev_delivered).fillna(0.0).to_numpy()
                    s["e_mwh"] = s["e_mwh"].to_numpy() - done
                    prof[k] = s[s["e_mwh"] > 1e-9].reset_index(drop=True)
                else:
                    prof[k] = v
            spec = a.spec
            if kind in STATE_KINDS:
                prof["e_init_mwh"] = e_init[a.name]
            if kind == "ev_charging" and n_slots and a.name in n_slots:
                prof["n_slots"] = n_slots[a.name]
                assets.setdefault(SLOTS_KIND, []).append(AssetInput(a.name, a.park, spec, prof))
                continue
            if kind == "ev_charging" and spec.model != "envelope":
                spec = spec.model_copy(update={"model": "envelope"})
            out.append(AssetInput(a.name, a.park, spec, prof))
        if out:
            assets[kind] = out
    return ModelData(
        index=index, dt_h=full.dt_h, price_cny_per_mwh=full.price_cny_per_mwh[sl],
        export_price_cny_per_mwh=full.export_price_cny_per_mwh[sl], month=np.full(n, WINDOW_MONTH),
        demand_charge_cny_per_mw_month=full.demand_charge_cny_per_mw_month, parks=full.parks, assets=assets,
    )


def allocate_edf(w: pd.DataFrame, p_group: np.ndarray, n_commit: int, dt_h: float, need: dict[str, float]) -> dict[str, float]:
    """Energy [MWh] each session received from the group power ``p_group[t]`` over the committed steps.

    Earliest departure first: at each step the power goes to plugged sessions (``t_a <= t < t_d``) in order
    of ``t_d``, each up to ``min(p_max_mw, remaining need / dt_h)``.
    """
    got = {s: 0.0 for s in w["session"]}
    if len(w) == 0:
        return got
    order = w.sort_values("t_d", kind="stable")
    rows = list(order.itertuples())
    for t in range(n_commit):
        p = float(p_group[t])
        if p <= 1e-12:
            continue
        for r in rows:
            if r.t_a <= t < r.t_d:
                rem = need[r.session] - got[r.session]
                if rem <= 1e-12:
                    continue
                x = min(r.p_max_mw, rem / dt_h, p)
                got[r.session] += x * dt_h
                p -= x
                if p <= 1e-12:
                    break
    return got


def run_rolling(
    full: ModelData,
    n_days: int,
    lookahead_steps: int,
    *,
    baseline: bool = False,
    time_limit_s: float = 300.0,
    progress: Callable[[int], None] | None = None,
) -> RollingResult:
    """Solve ``n_days`` daily windows of ``steps_per_day + lookahead_steps`` steps on the extended data."""
    steps_day = int(round(24 / full.dt_h))
    n_win = steps_day + lookahead_steps
    if n_days * steps_day - steps_day + n_win > full.n_t:
        raise VppError(f"rolling horizon needs {n_days * steps_day + lookahead_steps} steps of profiles, got {full.n_t}")
    specs = {a.name: a.spec for a in full.assets.get("battery", [])}
    e_init = {n: s.soc_init * s.e_max_mwh for n, s in specs.items()}
    e_init.update({a.name: 0.0 for a in full.assets.get("thermal_storage", [])})
    ev_delivered: dict[str, float] = {}
    ev_unmet: dict[str, float] = {a.name: 0.0 for a in full.assets.get("ev_charging", [])}
    parks = [p.name for p in full.parks]
    month_of_step = np.asarray([str(x) for x in full.month])
    peak_so_far: dict[tuple[str, str], float] = {}
    park_frames, asset_frames, timing, e_bound = [], [], [], []

    t_build = time.perf_counter()
    n_slots = slot_counts(full, n_days, steps_day, n_win)
    data0 = window_data(full, 0, n_win, e_init, ev_delivered, n_slots)
    dm = build_model(data0)
    if baseline:
        fix_baseline(dm)
        converted = fixed_to_bounds(dm.m)
    solver = Solver(dm, time_limit_s=time_limit_s)
    # the structure never changes between windows: only bounds, fixed values and parameters are re-read
    au = solver.opt.config.auto_updates
    for opt in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                "check_for_new_or_removed_params", "check_for_new_objective", "update_constraints",
                "update_named_expressions", "update_objective"):
        setattr(au, opt, False)
    build_s = time.perf_counter() - t_build
    m = dm.m
    for d in range(n_days):
        t0 = d * steps_day
        tu = time.perf_counter()
        if d > 0:
            data = window_data(full, t0, n_win, e_init, ev_delivered, n_slots)
            dm.data = data
            if baseline:  # released here, fixed again by fix_baseline below (all of them, every window)
                for v in converted:
                    v.setlb(None)
                    v.setub(None)
            for kind, block in dm.blocks.items():
                try:
                    block.update(getattr(m, kind), data)
                except NotImplementedError as exc:
                    raise VppError(f"rolling horizon: {exc} (use --horizon perfect)") from None
                if baseline:
                    block.fix_baseline(getattr(m, kind))
                    fixed_to_bounds(getattr(m, kind))  # same variables as the first window
            for t in range(n_win):
                m.price_cny_per_mwh[t].set_value(float(data.price_cny_per_mwh[t]))
                m.export_price_cny_per_mwh[t].set_value(float(data.export_price_cny_per_mwh[t]))
        else:
            data = data0
        mth = month_of_step[t0]
        for p in parks:
            m.p_peak_mw[p, WINDOW_MONTH].setlb(peak_so_far.get((p, mth), 0.0))
        update_s = time.perf_counter() - tu
        hs = getattr(getattr(solver.opt, "_solver_model", None), "getRunTime", None)
        h0 = hs() if hs else 0.0
        info = solver.solve()
        hs = getattr(getattr(solver.opt, "_solver_model", None), "getRunTime", None)
        highs_s = (hs() - h0) if hs else float("nan")
        if highs_s < 0 or highs_s > info.solve_s:  # HiGHS resets its clock per run on some versions
            highs_s = hs() if hs else float("nan")
        te = time.perf_counter()
        # ---- commit the first day
        imp = np.array([[m.p_import_mw[p, t].value or 0.0 for t in range(steps_day)] for p in parks])
        exp = np.array([[m.p_export_mw[p, t].value or 0.0 for t in range(steps_day)] for p in parks])
        for i, p in enumerate(parks):
            peak_so_far[(p, mth)] = max(peak_so_far.get((p, mth), 0.0), float(imp[i].max()))
        idx = data.index[:steps_day]
        park_frames.append(pd.DataFrame({
            "time": np.tile(idx, len(parks)), "park": np.repeat(np.array(parks, dtype=object), steps_day),
            "p_import_mw": imp.reshape(-1), "p_export_mw": exp.reshape(-1), "p_net_import_mw": (imp - exp).reshape(-1),
            "price_cny_per_mwh": np.tile(data.price_cny_per_mwh[:steps_day], len(parks)),
            "export_price_cny_per_mwh": np.tile(data.export_price_cny_per_mwh[:steps_day], len(parks)),
        }))
        for kind, block in dm.blocks.items():
            df = block.results(getattr(m, kind))
            df = df[df["t"] < steps_day].copy()
            df["t"] += t0
            df.insert(2, "kind", "ev_charging" if kind == SLOTS_KIND else kind)
            if kind in ("ev_charging", SLOTS_KIND):
                df["e_unmet_mwh"] = 0.0
                df["cost_cny"] = 0.0
            asset_frames.append(df)
        for kind in STATE_KINDS:
            if kind in dm.blocks:
                b = getattr(m, kind)
                for a in dm.blocks[kind].names:
                    e_init[a] = float(b.e_mwh[a, steps_day].value)
                    e_bound.append({"day": d + 1, "asset": a, "e_mwh": e_init[a]})
        day_end = idx[0] + pd.Timedelta(hours=24)
        for kind in ("ev_charging", SLOTS_KIND):
            if kind not in dm.blocks:
                continue
            blk = dm.blocks[kind]
            b_ev = getattr(m, kind)
            if kind == "ev_charging":
                p_group = blk.power_mw(b_ev)
            else:
                got_all = blk.delivered_mwh(b_ev, steps_day)
            for i, a in enumerate(blk.names):
                sess = data.assets[kind][i].profile["sessions"].set_index("session")
                need = sess["e_mwh"].to_dict()
                if kind == "ev_charging":  # envelope: realise the group power earliest-departure-first
                    got = allocate_edf(blk.windows[a], p_group[i], steps_day, data.dt_h, need)
                else:
                    got = {s_: got_all.get(s_, 0.0) for s_ in need}
                for s, e in got.items():
                    ev_delivered[s] = ev_delivered.get(s, 0.0) + e
                gone = sess[sess["departure"] <= day_end]
                ev_unmet[a] += float(np.clip(gone["e_mwh"].to_numpy() - np.array([got.get(s, 0.0) for s in gone.index]), 0, None).sum())
        timing.append({"window": d, "build_s": build_s if d == 0 else 0.0, "update_s": update_s,
                       "pyomo_s": max(info.solve_s - (highs_s if highs_s == highs_s else 0.0), 0.0) + update_s,
                       "highs_s": highs_s, "solve_wall_s": info.solve_s, "extract_s": time.perf_counter() - te})
        if progress:
            progress(1)
    assets = pd.concat(asset_frames, ignore_index=True)
    park_of = {a.name: a.park for lst in full.assets.values() for a in lst}
    assets.insert(0, "park", assets["asset"].map(park_of))
    assets.insert(0, "time", full.index[assets.pop("t").to_numpy()])
    return RollingResult(
        parks=pd.concat(park_frames, ignore_index=True), assets=assets, ev_unmet_mwh=ev_unmet,
        windows=pd.DataFrame(timing), e_boundary_mwh=pd.DataFrame(e_bound, columns=["day", "asset", "e_mwh"]),
        peak_so_far_mw={f"{p}|{mth}": v for (p, mth), v in peak_so_far.items()},
    )


def fixed_to_bounds(block) -> list:
    """Turn fixed variables into ``lb = ub = value``: the persistent solver then only updates bounds
    (re-fixing values every window would rewrite every constraint that contains them)."""
    import pyomo.environ as pyo

    out = []
    for v in block.component_data_objects(pyo.Var, descend_into=True):
        if v.fixed:
            val = v.value
            v.unfix()
            v.setlb(val)
            v.setub(val)
            out.append(v)
    return out


def slot_counts(full: ModelData, n_days: int, steps_day: int, n_win: int) -> dict[str, int]:
    """Slots per EV group: the most sessions overlapping any window (groups above SLOTS_MAX: envelope)."""
    out = {}
    starts = full.index[np.arange(n_days) * steps_day]
    span = pd.Timedelta(hours=n_win * full.dt_h)
    for a in full.assets.get("ev_charging", []):
        s = a.profile.get("sessions")
        if s is None or len(s) == 0:
            out[a.name] = 1
            continue
        arr = pd.DatetimeIndex(s["arrival"]).asi8
        dep = pd.DatetimeIndex(s["departure"]).asi8
        w0 = starts.asi8[:, None]
        w1 = (starts + span).asi8[:, None]
        n = int(((dep[None, :] > w0) & (arr[None, :] < w1)).sum(axis=1).max())
        if n <= SLOTS_MAX:
            out[a.name] = max(n, 1)
    return out


def lookahead_days(lookahead_h: float) -> int:
    """Whole extra days of profile needed beyond the evaluated period."""
    return int(math.ceil(lookahead_h / 24.0 - 1e-9))
