"""Rolling-horizon dispatch: one Pyomo model for a window of (1 day + look-ahead), updated between days.

Window ``w`` covers steps ``[w·D, w·D + W)`` of the extended profile (``D`` steps per day, ``W = D + L``
with ``L`` look-ahead steps; the profiles are built ``ceil(L / day)`` days beyond the evaluated period so
every window has the same length). The model is built once and held by one solve session
(:class:`optimization.session.SolveSession`); each day the blocks write the window's data into mutable
parameters (block ``update``) and the session passes the changed costs and bounds to HiGHS, which
re-solves without a rebuild. The baseline's rule is applied to the session's columns
(``baseline_values``). Only the first ``D`` steps of each window are committed, with simultaneous
import and export netted per step (one meter, :func:`optimization.bill.net_flows`). State carried
from one window to the next:

* battery and thermal-storage energy: ``e_init_mwh[a] := e_mwh[a, D]`` of the previous window;
* demand charge: the window model has one peak variable ``p_peak_mw[p, 'window']`` whose lower bound is
  the peak imported so far in the month of the window's first day,
  ``p_peak_mw >= max(peak_so_far[p, month], p_import_mw[p, t])``, so the objective pays
  ``demand_charge × (peak_so_far + increase)``; only increases cost money (the look-ahead part of a
  window that crosses into the next month is counted against the current month, a small simplification);
* EV sessions spanning midnight: EV groups use the slot model (:mod:`vpp.ev_slots`, exact), above
  ``SLOTS_MAX`` sessions per window the envelope model, whose committed group power is allocated to the
  plugged sessions earliest-departure-first; a session still plugged in at the next window start
  enters it with ``e_mwh - delivered``. Sessions that did not opt in (``participation_share``) get their
  baseline-rule energy; with ``departure_uncertainty_h`` a session is settled at its planned departure and
  its capped energy is not counted as unmet; V2G groups are refused (no vehicle state between windows)
  except in the baseline, whose rule never discharges;
* interruptible contracts: the daily energy limit restarts at midnight, and windows start at midnight.

Costs of the committed schedule are recomputed afterwards with the real billing months (see
:func:`vpp.evaluation.year.cost_table`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd


import vpp.assets  # noqa: F401  (registers the asset kinds whose state a window carries)
from optimization import AssetInput, ModelData, build_model, fix_baseline
from optimization.bill import net_flows
from optimization.registry import REGISTRY, set_values
from optimization.session import SolveSession
from vpp.errors import VppError
from vpp.assets.ev_charging import planned_departure_h
from vpp.ev_slots import KIND as SLOTS_KIND

def initial_states(full: ModelData) -> dict[str, float]:
    """Stored energy [MWh] of every asset whose kind carries a state (``AssetBlock.state_var``)."""
    return {a.name: REGISTRY[kind].initial_state_mwh(a.spec)
            for kind, lst in full.assets.items() if kind in REGISTRY and REGISTRY[kind].state_var for a in lst}
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
    w_start = pd.DatetimeIndex(index[:1]).asi8[0]
    w_end = w_start + int(round(n * full.dt_h * 3.6e12))
    assets: dict[str, list[AssetInput]] = {}
    for kind, lst in full.assets.items():
        out = []
        for a in lst:
            prof = {}
            for k, v in a.profile.items():
                if isinstance(v, np.ndarray):
                    prof[k] = v[sl]
                elif k == "sessions":
                    prof[k] = _open_sessions(v, w_start, w_end, ev_delivered)
                else:
                    prof[k] = v
            spec = a.spec
            if a.name in e_init:  # a kind with a stored state: the energy carried into this window
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
        smoothing_cny_per_mw=full.smoothing_cny_per_mw,
    )


_SESSION_ARRAYS: dict[int, tuple] = {}


def _open_sessions(v: pd.DataFrame, w_start_ns: int, w_end_ns: int, ev_delivered: dict[str, float]) -> pd.DataFrame:
    """Sessions plugged in during ``[w_start, w_end)`` with the energy they still need [MWh]
    (``e_mwh`` minus what earlier windows delivered; sessions that need nothing are dropped)."""
    hit = _SESSION_ARRAYS.get(id(v))
    if hit is None or hit[0] is not v:  # the columns as arrays, once per table
        hit = (v, pd.DatetimeIndex(v["arrival"]).asi8, pd.DatetimeIndex(v["departure"]).asi8,
               v["e_mwh"].to_numpy(dtype=float), v["session"].to_numpy())
        _SESSION_ARRAYS[id(v)] = hit
        if len(_SESSION_ARRAYS) > 1024:
            _SESSION_ARRAYS.pop(next(iter(_SESSION_ARRAYS)))
    _, arr, dep, e, names = hit
    rows = np.flatnonzero((dep > w_start_ns) & (arr < w_end_ns))
    need = e[rows] - np.array([ev_delivered.get(s, 0.0) for s in names[rows]])
    rows, need = rows[need > 1e-9], need[need > 1e-9]
    s = v.take(rows).reset_index(drop=True)
    s["e_mwh"] = need
    return s


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
    if baseline:
        full = _without_discharge(full)
    run = _Rolling(full, n_days, lookahead_steps, baseline, time_limit_s)
    with run.session:
        for d in range(n_days):
            run.window(d)
            if progress:
                progress(1)
    return run.result()


def _without_discharge(full: ModelData) -> ModelData:
    """The baseline rule never discharges a vehicle: V2G groups run as plain charging groups (same rule,
    same schedule), which rolling windows support."""
    if not any(getattr(a.spec, "v2g", False) for a in full.assets.get("ev_charging", [])):
        return full
    off = {"v2g": False, "v2g_p_max_mw": None, "v2g_battery_mwh": None}
    assets = {k: [AssetInput(a.name, a.park, a.spec.model_copy(update=off), a.profile) if getattr(a.spec, "v2g", False)
                  else a for a in v] for k, v in full.assets.items()}
    return dataclasses.replace(full, assets=assets)


class _Rolling:
    """State of a rolling run: the window model held by one solve session, and what is carried."""

    def __init__(self, full: ModelData, n_days: int, lookahead_steps: int, baseline: bool, time_limit_s: float):
        self.full, self.n_days, self.baseline = full, n_days, baseline
        self.steps_day = int(round(24 / full.dt_h))
        self.n_win = self.steps_day + lookahead_steps
        if n_days * self.steps_day - self.steps_day + self.n_win > full.n_t:
            raise VppError(f"rolling horizon needs {n_days * self.steps_day + lookahead_steps} steps of profiles, "
                           f"got {full.n_t}")
        self.e_init = initial_states(full)
        self.ev_delivered: dict[str, float] = {}
        self.ev_unmet: dict[str, float] = {a.name: 0.0 for a in full.assets.get("ev_charging", [])}
        self.parks = [p.name for p in full.parks]
        self.month_of_step = np.asarray([str(x) for x in full.month])
        self.peak_so_far: dict[tuple[str, str], float] = {}
        self.park_imp: list[np.ndarray] = []
        self.park_exp: list[np.ndarray] = []
        self.asset_arrays: dict[str, dict] = {}
        self.timing: list[dict] = []
        self.e_bound: list[dict] = []

        t_build = time.perf_counter()
        self.n_slots = slot_counts(full, n_days, self.steps_day, self.n_win)
        self.data = window_data(full, 0, self.n_win, self.e_init, self.ev_delivered, self.n_slots)
        self.dm = build_model(self.data)
        if baseline:
            fix_baseline(self.dm)
        # the structure never changes between windows: only parameters (and the baseline's fixed values)
        self.session = SolveSession(self.dm, time_limit_s=time_limit_s)
        self.build_s = time.perf_counter() - t_build

    def window(self, d: int) -> None:
        """Load window ``d``'s data, solve, commit its first day."""
        tu = time.perf_counter()
        if d > 0:
            self._load(d)
        m, t0 = self.dm.m, d * self.steps_day
        mth = self.month_of_step[t0]
        for p in self.parks:
            m.p_peak_mw[p, WINDOW_MONTH].setlb(self.peak_so_far.get((p, mth), 0.0))
        self.session.mark_bounds_changed(m.p_peak_mw)
        update_s = time.perf_counter() - tu
        info = self.session.solve(load=False)  # values are read from the solution vector
        st = self.session.times
        te = time.perf_counter()
        self._commit(d, mth)
        extract_s = time.perf_counter() - te
        self.timing.append({"window": d, "build_s": self.build_s if d == 0 else 0.0, "update_s": update_s + st.update_s,
                            "highs_s": st.highs_s, "load_s": st.load_s, "extract_s": extract_s,
                            "solve_wall_s": info.solve_s, "around_s": update_s + st.update_s + st.load_s + extract_s})

    def _load(self, d: int) -> None:
        """Window ``d``'s profiles and carried state into the parameters (and the baseline's rule)."""
        m, session = self.dm.m, self.session
        data = window_data(self.full, d * self.steps_day, self.n_win, self.e_init, self.ev_delivered, self.n_slots)
        self.data = self.dm.data = data
        for kind, block in self.dm.blocks.items():
            try:
                block.update(getattr(m, kind), data)
            except NotImplementedError as exc:
                raise VppError(f"rolling horizon: {exc} (use --horizon perfect)") from None
            if self.baseline:  # the rule's values for this window, straight into the session's columns
                for var, vals in block.baseline_values(getattr(m, kind)):
                    session.fix(var, vals)
        set_values(m.price_cny_per_mwh, data.price_cny_per_mwh)
        set_values(m.export_price_cny_per_mwh, data.export_price_cny_per_mwh)

    def _commit(self, d: int, mth: str) -> None:
        """Keep the first day: netted park flows, asset arrays, carried energy, EV energy delivered."""
        m, session, data, sd = self.dm.m, self.session, self.data, self.steps_day
        n_p = len(self.parks)
        imp = session.values(m.p_import_mw).reshape(n_p, self.n_win)[:, :sd]
        exp = session.values(m.p_export_mw).reshape(n_p, self.n_win)[:, :sd]
        imp, exp = net_flows(imp, exp)  # one meter: simultaneous import and export netted per step
        for i, p in enumerate(self.parks):
            self.peak_so_far[(p, mth)] = max(self.peak_so_far.get((p, mth), 0.0), float(imp[i].max()))
        self.park_imp.append(imp)
        self.park_exp.append(exp)
        for kind, block in self.dm.blocks.items():
            kept = self.asset_arrays.setdefault(kind, {"names": list(block.names), "cols": {}})
            for col, arr in block.result_arrays(getattr(m, kind)).items():
                kept["cols"].setdefault(col, []).append(np.asarray(arr, dtype=float)[:, :sd])
        for kind, block in self.dm.blocks.items():
            if block.state_var:  # energy at the end of the committed day, carried to the next window
                names = block.names
                e_var = getattr(getattr(m, kind), block.state_var)
                e_next = session.values(e_var).reshape(len(names), self.n_win + 1)[:, sd]
                for a, e in zip(names, e_next.tolist()):
                    self.e_init[a] = e
                    self.e_bound.append({"day": d + 1, "asset": a, "e_mwh": e})
        day_end_ns = pd.DatetimeIndex(data.index[:1]).asi8[0] + int(round(24 * 3.6e12))
        for kind in ("ev_charging", SLOTS_KIND):
            if kind not in self.dm.blocks:
                continue
            blk = self.dm.blocks[kind]
            b_ev = getattr(m, kind)
            if kind == "ev_charging":
                p_group = blk.power_mw(b_ev)
            else:
                got_all = blk.delivered_mwh(b_ev, sd)
            for i, a in enumerate(blk.names):
                spec = data.assets[kind][i].spec
                sess = data.assets[kind][i].profile["sessions"]
                names = sess["session"].tolist()
                e_need = sess["e_mwh"].to_numpy(dtype=float)
                need = dict(zip(names, e_need.tolist()))
                if kind == "ev_charging":  # envelope: realise the managed power earliest-departure-first
                    got = allocate_edf(blk.managed[a], p_group[i], sd, data.dt_h, need)
                else:
                    got = {s_: got_all.get(s_, 0.0) for s_ in need}
                if spec.participation_share < 1.0:  # the unmanaged sessions charge by the baseline rule
                    got.update(blk.unmanaged_delivered_mwh(a, sd))
                for s, e in got.items():
                    self.ev_delivered[s] = self.ev_delivered.get(s, 0.0) + e
                dep = pd.DatetimeIndex(sess["departure"]).asi8
                got_arr = np.array([got.get(s, 0.0) for s in names])
                u_h = float(spec.departure_uncertainty_h)
                if u_h > 0:  # settled at the planned departure; the capped energy is not unmet
                    w0 = pd.DatetimeIndex(data.index[:1]).asi8[0]
                    h_a = (pd.DatetimeIndex(sess["arrival"]).asi8 - w0) / 3.6e12
                    dep = w0 + np.round(planned_departure_h(h_a, (dep - w0) / 3.6e12, data.dt_h, u_h) * 3.6e12).astype(np.int64)
                    w_all = blk.all_windows[a] if kind == SLOTS_KIND else blk.windows[a]
                    cap = dict(zip(w_all["session"], w_all["e_capped_mwh"].astype(float)))
                    got_arr = got_arr + np.array([cap.get(s, 0.0) for s in names])
                    gone = (dep <= day_end_ns) & (dep > w0)
                else:
                    gone = dep <= day_end_ns  # departed by the day's end
                self.ev_unmet[a] += float(np.clip(e_need[gone] - got_arr[gone], 0, None).sum())

    def result(self) -> RollingResult:
        """The committed schedule as tables (built once, from the kept arrays)."""
        full, parks = self.full, self.parks
        n_p, n_steps = len(parks), self.n_days * self.steps_day
        imp_all, exp_all = np.concatenate(self.park_imp, axis=1), np.concatenate(self.park_exp, axis=1)
        park_table = pd.DataFrame({
            "time": np.tile(full.index[:n_steps], n_p), "park": np.repeat(np.array(parks, dtype=object), n_steps),
            "p_import_mw": imp_all.reshape(-1), "p_export_mw": exp_all.reshape(-1),
            "p_net_import_mw": (imp_all - exp_all).reshape(-1),
            "price_cny_per_mwh": np.tile(full.price_cny_per_mwh[:n_steps], n_p),
            "export_price_cny_per_mwh": np.tile(full.export_price_cny_per_mwh[:n_steps], n_p),
        })
        frames = []
        for kind, kept in self.asset_arrays.items():
            names = kept["names"]
            df = pd.DataFrame({"asset": np.repeat(np.array(names, dtype=object), n_steps),
                               "kind": "ev_charging" if kind == SLOTS_KIND else kind,
                               "t": np.tile(np.arange(n_steps), len(names))})
            for col, parts in kept["cols"].items():
                df[col] = np.concatenate(parts, axis=1).reshape(-1)
            if kind in ("ev_charging", SLOTS_KIND):  # unmet energy is counted per session at departure
                df["e_unmet_mwh"] = 0.0
                df["cost_cny"] = 0.0
            frames.append(df)
        assets = pd.concat(frames, ignore_index=True)
        park_of = {a.name: a.park for lst in full.assets.values() for a in lst}
        assets.insert(0, "park", assets["asset"].map(park_of))
        assets.insert(0, "time", full.index[assets.pop("t").to_numpy()])
        return RollingResult(
            parks=park_table, assets=assets, ev_unmet_mwh=self.ev_unmet,
            windows=pd.DataFrame(self.timing),
            e_boundary_mwh=pd.DataFrame(self.e_bound, columns=["day", "asset", "e_mwh"]),
            peak_so_far_mw={f"{p}|{mth}": v for (p, mth), v in self.peak_so_far.items()},
        )


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
