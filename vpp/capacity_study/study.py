"""The curtailable-capacity study behind ``vpp capacity``: days, called windows, sweep, P50/P90, folder.

What is evaluated (docs/capacity.md):

* **days**: K distinct days of the season and day class, drawn reproducibly
  (:mod:`vpp.capacity_study.days`), each simulated with its own profiles; K = 1 is the season's reference
  day, ``--date`` one given day;
* **called windows** ``W`` (``--window``, default the TOU critical-peak and peak runs of the reference
  month, :mod:`vpp.capacity_study.windows`) and durations ``d <= |W|`` (and ``d = |W|``): the callable
  capacity of a day ``C(W, d) = min_{s ∈ S(W,d)} R(s, d)`` (held for ``d`` hours at any start of the window);
* **statistics across days** per scope (park or ``district``) × window × direction × duration:
  ``P50`` = median, ``P90`` = the value exceeded on 90 % of the days = the 10th percentile
  (``numpy.percentile(·, 10)``, linear interpolation), ``P10`` = the 90th percentile (top of the band);
  the **headline** of a window is ``d = |W|`` (the whole window held) at P90;
* **best hour** (secondary, never the headline): on ``best_hour_days`` of the K days every whole-hour
  start of the day is swept; per duration the start with the highest P50 over those days and that P50.

Tables (long):

* ``table``: every solved window ``park, date, direction, duration_h, start_hour, r_mw, p_net_normal_mw``;
* ``days``: ``park, window, direction, duration_h, date, r_mw, binding_start_hour, p_net_normal_mw`` (the
  callable capacity of each day and the start that bound it; normal net import = mean over ``W``);
* ``stats``: ``park, window, …, r_p50_mw, r_p90_mw, r_p10_mw, r_min_mw, r_max_mw, r_mean_mw, n_days``;
* ``best_hour``: per start hour on the best-hour days: ``r_p50_mw, r_p90_mw, n_days``;
* ``summary``: ``stats`` + headline flag, confidence label, best-hour columns, AC check.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from network_models import build_grid, park_capacity_mva
from scenarios.billing_schema import demand_basis
from scenarios.schema import Scenario
from vpp.calendar_cn import day_type
from vpp.capacity_study import days as days_mod
from vpp.capacity_study.grid import ac_check_summary, context_for, grid_note, network_hook
from vpp.capacity_study.model import DIRECTIONS, CapacityModel, restrict, steps_of
from vpp.capacity_study.sample import DISTRICT, day_model_data, day_scenario
from vpp.capacity_study.windows import CalledWindow, hhmm, parse_windows, tou_windows, window_durations, window_starts
from vpp.errors import SolverError, VppError

SUMMER_DAY = (7, 22)  # reference day: a working day in July (critical-peak month), moved forward to a working day
WINTER_DAY = (1, 15)  # a working day in January, before the Spring Festival, moved forward to a working day
REAL_QUANTILE_DAYS = 20  # from this many days on, P90 is a quantile rather than about the minimum
P90_DEFINITION = "value exceeded on 90 % of the days = 10th percentile over the days (numpy linear interpolation)"


@dataclass(frozen=True)
class CapacitySettings:
    """What to evaluate: days, called windows, durations [h], notice [h], parks (one, or all + district),
    worker processes, the days of the best-hour sweep and its start hours."""

    days: tuple[dt.date, ...]
    windows: tuple[CalledWindow, ...]
    durations_h: tuple[float, ...]
    notice_h: float
    parks: tuple[str, ...]
    district: bool
    jobs: int = 1
    best_hour_days: tuple[dt.date, ...] = ()
    start_hours: tuple[float, ...] = tuple(float(h) for h in range(24))
    season: str = "summer"
    months: tuple[int, ...] = (6, 7, 8, 9)
    day_class: str = "workday"
    how: str = "reference"  # 'drawn' | 'reference' | 'date'
    tou_month: int = 7

    @property
    def day(self) -> dt.date:
        """The first evaluated day."""
        return self.days[0]

    @property
    def samples(self) -> int:
        """K, the number of evaluated days."""
        return len(self.days)

    @property
    def scopes(self) -> list[str]:
        return ([DISTRICT] if self.district else []) + list(self.parks)

    def durations_of(self, w: CalledWindow) -> tuple[float, ...]:
        return window_durations(w, self.durations_h)

    @property
    def sweep_durations_h(self) -> tuple[float, ...]:
        """Durations of the best-hour sweep: the settings' and every window's length."""
        return tuple(sorted(set(self.durations_h) | {w.length_h for w in self.windows}))


@dataclass
class CapacityResult:
    settings: CapacitySettings
    table: pd.DataFrame
    stats: pd.DataFrame
    summary: pd.DataFrame
    meta: dict = field(default_factory=dict)
    out_dir: Path | None = None
    days: pd.DataFrame | None = None
    best_hour: pd.DataFrame | None = None


# ------------------------------------------------------------------------------------------ settings
def study_day(scn: Scenario, day_type: str | None = None, date: dt.date | str | None = None,
              day_class: str = "workday") -> dt.date:
    """The reference day: ``date`` if given, else the first day of ``day_class`` (statutory calendar,
    :mod:`vpp.calendar_cn`; make-up workdays are working days) on/after 22 July ('summer') or 15 January
    ('winter') of the scenario's year."""
    if date is not None:
        return parse_date(date)
    kind = day_type or scn.capacity.season
    if kind not in ("summer", "winter"):
        raise VppError(f"--season '{kind}' is unknown (choose summer or winter)")
    month, day = SUMMER_DAY if kind == "summer" else WINTER_DAY
    return days_mod.reference_day(dt.date(scn.horizon.start.year, month, day), day_class)


def parse_date(date) -> dt.date:
    try:
        return date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    except ValueError:
        raise VppError(f"--date '{date}' is not a date (YYYY-MM-DD)") from None


def parse_durations(text: str) -> tuple[float, ...]:
    """``'0.5,1,2,4'`` -> (0.5, 1.0, 2.0, 4.0) [h]; each must be a positive number."""
    out = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            v = float(part)
        except ValueError:
            raise VppError(f"--durations: '{part}' is not a number of hours") from None
        if not v > 0 or not np.isfinite(v):
            raise VppError(f"--durations: duration {part} h must be positive")
        out.append(v)
    return tuple(out)


def make_settings(
    scn: Scenario,
    *,
    park: str | None = None,
    durations_h: tuple[float, ...] | None = None,
    samples: int | None = None,
    day_type: str | None = None,
    date: dt.date | str | None = None,
    notice_h: float | None = None,
    jobs: int | None = None,
    windows: str | list | None = None,
    season: str | None = None,
    day_class: str | None = None,
    best_hour_days: int | None = None,
) -> CapacitySettings:
    """Settings from the scenario's ``capacity`` section and command-line overrides (validated).

    ``day_type`` is the former name of ``season``. ``date`` (or ``capacity.date``) evaluates that one day;
    an explicit ``samples > 1`` with it is refused."""
    cap = scn.capacity
    names = [p.name for p in scn.parks]
    if park is not None and park not in names:
        raise VppError(f"--park: unknown park '{park}' (parks of '{scn.name}': {', '.join(names)})")
    durations = tuple(float(d) for d in (durations_h or cap.durations_h))
    dt_h = scn.horizon.resolution_min / 60.0
    for d in durations:
        if d <= 0:
            raise VppError(f"duration {d:g} h must be positive")
        if d > 24:
            raise VppError(f"duration {d:g} h is longer than the evaluated day (24 h)")
        steps_of(d, dt_h, "duration")
    if len(set(durations)) != len(durations):
        raise VppError(f"durations {', '.join(f'{d:g}' for d in durations)} list a duration twice")
    if samples is not None and int(samples) < 1:
        raise VppError(f"--samples {int(samples)} must be at least 1")
    notice = cap.notice_h if notice_h is None else float(notice_h)
    if not 0 <= notice <= 24:
        raise VppError(f"--notice-h {notice:g} must lie in [0, 24] h")
    kind = season or day_type or cap.season
    if kind not in days_mod.SEASON_MONTHS:
        raise VppError(f"--season '{kind}' is unknown (choose summer or winter)")
    klass = day_class or cap.day_class
    if klass not in days_mod.DAY_CLASSES:
        raise VppError(f"--day-class '{klass}' is unknown (choose {', '.join(days_mod.DAY_CLASSES)})")
    n_best = cap.best_hour_days if best_hour_days is None else int(best_hour_days)
    if n_best < 0:
        raise VppError(f"--best-hour-days {n_best} must be 0 (no best-hour sweep) or more")
    months = tuple(cap.months) if cap.months and season is None and day_type is None else days_mod.SEASON_MONTHS[kind]
    year = scn.horizon.start.year
    the_date = date if date is not None else cap.date
    if the_date is not None:
        if samples is not None and int(samples) > 1:
            raise VppError(f"--samples {int(samples)} with --date: a date is one day (K = 1); "
                           "leave out --date to draw K days of the season")
        days = (parse_date(the_date),)
        how = "date"
    else:
        k = cap.samples if samples is None else int(samples)
        if k == 1:
            days = (days_mod.reference_day(days_mod.reference_start(year, kind, months), klass),)
            how = "reference"
        else:
            days = tuple(days_mod.sample_days(year, months, klass, k, scn.seed))
            how = "drawn"
    tou_month = days[0].month if how != "drawn" else days_mod.reference_start(year, kind, months).month
    wins = windows if windows is not None else cap.windows
    called = parse_windows(wins, dt_h) if wins is not None else tou_windows(tou_month)
    if not called:
        raise VppError(f"no peak or critical-peak hours in month {tou_month}: give --window")
    parks = (park,) if park else tuple(names)
    n_jobs = min(2, os.cpu_count() or 1) if jobs is None else max(1, int(jobs))
    return CapacitySettings(
        days=days, windows=called, durations_h=tuple(sorted(durations)), notice_h=notice, parks=parks,
        district=park is None and len(parks) > 1, jobs=n_jobs, best_hour_days=tuple(days_mod.spread(list(days), n_best)),
        season=kind, months=tuple(months), day_class=klass, how=how, tou_month=tou_month,
    )


# ---------------------------------------------------------------------------------------------- sweep
def window_jobs(settings: CapacitySettings) -> set[tuple[float, float]]:
    """(start hour, duration) of every event of every called window."""
    return {(s, d) for w in settings.windows for d in settings.durations_of(w) for s in window_starts(w, d)}


def sweep_jobs(settings: CapacitySettings) -> set[tuple[float, float]]:
    """(start hour, duration) of the best-hour sweep (whole-hour starts whose window ends by midnight)."""
    return {(float(h), d) for h in settings.start_hours for d in settings.sweep_durations_h if h + d <= 24 + 1e-9}


def day_windows(scn: Scenario, capacity_mva: dict, settings: CapacitySettings, day: dt.date,
                scopes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every window of ``scopes`` on ``day`` (one capacity model and solve session per scope): the long
    table of solves, the mean/min normal net import of each scope in each called window, and timings."""
    t0 = time.perf_counter()
    scn_d = day_scenario(scn, day)
    data = day_model_data(scn_d, capacity_mva)
    ctx = context_for(scn_d, data) if scn.network_constraints.mode == "linear" else None
    pairs = window_jobs(settings) | (sweep_jobs(settings) if day in settings.best_hour_days else set())
    jobs = [(s, d, r) for s, d in pairs for r in DIRECTIONS]
    rows, normal = [], []
    highs_s, n_solves = 0.0, 0
    dt_h = data.dt_h
    for scope in scopes:
        parks = list(settings.parks) if scope == DISTRICT else [scope]
        cm = CapacityModel(restrict(data, parks), time_limit_s=scn.solver.time_limit_s,
                           mip_rel_gap=scn.solver.mip_rel_gap, network=network_hook(ctx, parks))
        try:
            got = cm.solve_many(jobs, settings.notice_h)
        except SolverError as exc:
            raise SolverError(f"{day}: {exc}") from None
        highs_s += cm.highs_s
        n_solves += cm.n_solves
        for (s, d, r), w in got.items():
            rows.append((scope, day, r, d, s, w.r_mw, w.p_net_normal_mw))
        for w in settings.windows:
            a, b = int(round(w.start_h / dt_h)), int(round(w.end_h / dt_h))
            ref = cm.ref_mw[a:b]
            normal.append((scope, day, w.label, float(ref.mean()), float(ref.min())))
    table = pd.DataFrame(rows, columns=["park", "date", "direction", "duration_h", "start_hour", "r_mw", "p_net_normal_mw"])
    norm = pd.DataFrame(normal, columns=["park", "date", "window", "p_net_normal_mw", "p_net_normal_min_mw"])
    return table, norm, {"highs_s": highs_s, "n_solves": n_solves, "task_s": time.perf_counter() - t0}


def _tasks(settings: CapacitySettings) -> list[tuple[dt.date, list[str]]]:
    """(day, scopes) tasks: one per day when there are enough days to keep the workers busy (a day's
    profiles, model data and grid context are then built once), else one per day and scope (the large
    district model first)."""
    scopes = settings.scopes
    if settings.samples >= 2 * settings.jobs or settings.jobs == 1:
        # best-hour days first (they carry the full sweep), so that the workers end together
        order = sorted(settings.days, key=lambda d: d not in settings.best_hour_days)
        return [(d, scopes) for d in order]
    return [(d, [s]) for d in settings.days for s in scopes]


def sweep(scn: Scenario, settings: CapacitySettings, *, progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """All windows of all scopes and days (see module doc), in worker processes when ``jobs > 1``."""
    from tqdm import tqdm

    if DISTRICT in settings.parks and settings.district:
        raise VppError(f"park name '{DISTRICT}' is reserved for the district total in `vpp capacity`")
    grid = build_grid(scn)
    capacity_mva = {p.name: park_capacity_mva(grid, p.name) for p in scn.parks}
    tasks = _tasks(settings)
    bar = tqdm(total=len(tasks), desc="capacity", unit="task", disable=not progress, leave=False)
    out = []
    try:
        if settings.jobs > 1 and len(tasks) > 1:
            import multiprocessing as mp

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            with ProcessPoolExecutor(max_workers=min(settings.jobs, len(tasks)), mp_context=ctx) as pool:
                futures = [pool.submit(day_windows, scn, capacity_mva, settings, d, s) for d, s in tasks]
                for fut in as_completed(futures):
                    out.append(fut.result())
                    bar.update(1)
        else:
            for d, s in tasks:
                out.append(day_windows(scn, capacity_mva, settings, d, s))
                bar.update(1)
    finally:
        bar.close()
    order = {s: i for i, s in enumerate(settings.scopes)}
    table = pd.concat([o[0] for o in out], ignore_index=True)
    table = table.sort_values(["park", "date", "direction", "duration_h", "start_hour"],
                              key=lambda c: c.map(order) if c.name == "park" else c).reset_index(drop=True)
    normal = pd.concat([o[1] for o in out], ignore_index=True)
    timing = {"highs_s": float(sum(o[2]["highs_s"] for o in out)), "n_solves": int(sum(o[2]["n_solves"] for o in out)),
              "tasks_s": float(sum(o[2]["task_s"] for o in out))}
    return table, normal, timing


# ------------------------------------------------------------------------------------------ statistics
def callable_days(table: pd.DataFrame, normal: pd.DataFrame, settings: CapacitySettings) -> pd.DataFrame:
    """Per scope × window × direction × duration × day: ``C(W, d)`` = the minimum of ``R`` over the
    window's starts, the start that bound it, and the scope's mean normal net import over ``W``."""
    frames = []
    idx = table.set_index(["duration_h", "start_hour"]).sort_index()
    for w in settings.windows:
        for d in settings.durations_of(w):
            starts = list(window_starts(w, d))
            sel = idx.loc[[(d, s) for s in starts if (d, s) in idx.index]].reset_index()
            if sel.empty:
                continue
            i = sel.groupby(["park", "direction", "date"], sort=False)["r_mw"].idxmin()
            g = sel.loc[i.to_numpy()]
            frames.append(pd.DataFrame({"park": g["park"].to_numpy(), "window": w.label, "direction": g["direction"].to_numpy(),
                                        "duration_h": float(d), "date": g["date"].to_numpy(), "r_mw": g["r_mw"].to_numpy(),
                                        "binding_start_hour": g["start_hour"].to_numpy()}))
    out = pd.concat(frames, ignore_index=True)
    out = out.merge(normal[["park", "date", "window", "p_net_normal_mw"]], on=["park", "date", "window"], how="left")
    return out


def quantiles(r) -> dict:
    """P50 (median), P90 (10th percentile: exceeded on 90 % of the days), P10 (90th percentile) [MW]."""
    r = np.asarray(r, dtype=float)
    return {"r_p50_mw": float(np.percentile(r, 50)), "r_p90_mw": float(np.percentile(r, 10)),
            "r_p10_mw": float(np.percentile(r, 90)), "r_min_mw": float(r.min()), "r_max_mw": float(r.max()),
            "r_mean_mw": float(r.mean()), "n_days": int(len(r))}


def stats(days: pd.DataFrame, keys=("park", "window", "direction", "duration_h")) -> pd.DataFrame:
    """Quantiles across days (:func:`quantiles`) per ``keys`` (default: scope × window × direction × duration)."""
    rows = []
    for k, g in days.groupby(list(keys), sort=False):
        rows.append({**dict(zip(keys, k)), **quantiles(g["r_mw"])})
    return pd.DataFrame(rows)


def best_hours(table: pd.DataFrame, settings: CapacitySettings) -> pd.DataFrame:
    """Per scope × direction × duration × start on the best-hour days (every whole-hour start and every
    window start): P50 / P90 over those days."""
    if not settings.best_hour_days:
        return pd.DataFrame(columns=["park", "direction", "duration_h", "start_hour", "r_p50_mw", "r_p90_mw", "n_days"])
    t = table[table["date"].isin(settings.best_hour_days) & table["duration_h"].isin(settings.sweep_durations_h)]
    st = stats(t, keys=("park", "direction", "duration_h", "start_hour"))
    return st[["park", "direction", "duration_h", "start_hour", "r_p50_mw", "r_p90_mw", "n_days"]]


def summarise(st: pd.DataFrame, best: pd.DataFrame, settings: CapacitySettings) -> pd.DataFrame:
    """``stats`` with, per row, the window's label data, the headline flag (the whole window held), the
    confidence label and the secondary best-hour columns (start with the highest P50 over the best-hour
    days, that P50 and the number of days)."""
    wins = {w.label: w for w in settings.windows}
    out = st.copy()
    out.insert(2, "window_start_h", [wins[x].start_h for x in out["window"]])
    out.insert(3, "window_end_h", [wins[x].end_h for x in out["window"]])
    out.insert(4, "tou_period", [wins[x].period for x in out["window"]])
    out["headline"] = [abs(d - wins[x].length_h) < 1e-9 for x, d in zip(out["window"], out["duration_h"])]
    out["confidence"] = [confidence(n) for n in out["n_days"]]
    if len(best):
        i = best.groupby(["park", "direction", "duration_h"], sort=False)["r_p50_mw"].idxmax()
        b = best.loc[i.to_numpy(), ["park", "direction", "duration_h", "start_hour", "r_p50_mw", "n_days"]]
        b = b.rename(columns={"start_hour": "best_start_hour_p50", "r_p50_mw": "r_best_p50_mw", "n_days": "best_hour_n_days"})
        out = out.merge(b, on=["park", "direction", "duration_h"], how="left")
    else:
        out["best_start_hour_p50"] = np.nan
        out["r_best_p50_mw"] = np.nan
        out["best_hour_n_days"] = 0
    out["best_hour_n_days"] = out["best_hour_n_days"].fillna(0).astype(int)
    return out


def confidence(n_days: int) -> str:
    """``'P90 over 20 days'``; fewer than 20 days say that the P90 is close to the minimum."""
    s = f"P90 over {n_days} day{'s' if n_days != 1 else ''}"
    if n_days < REAL_QUANTILE_DAYS:
        s += " (fewer than 20: about the minimum)" if n_days > 1 else " (one day: no spread)"
    return s


def headline_text(row, meta: dict) -> str:
    """One headline: scope, direction, window, duration held, P90 with its days, P50, best hour."""
    w = f"{row['window']}" + (f" {row['tou_period']}" if row["tou_period"] != "custom" else "")
    txt = (f"{row['park']} {row['direction']} {w}, held {row['duration_h']:g} h: {row['r_p90_mw']:.3f} MW "
           f"at P90 over {row['n_days']} {meta['day_class_label']}{'s' if row['n_days'] != 1 else ''} (P50 {row['r_p50_mw']:.3f})")
    return txt


def headlines(summary: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """The headline rows of the headline scope (district, or the one park): each window held whole,
    down first, windows in their order."""
    order = {w["label"]: i for i, w in enumerate(meta["windows"])}
    h = summary[summary["headline"] & (summary["park"] == meta["headline_scope"])]
    return h.sort_values(["direction", "window"], key=lambda c: c.map(order) if c.name == "window" else c.map(
        {"down": 0, "up": 1}))


# ---------------------------------------------------------------------------------------- text table
def _cell(r) -> str:
    mark = "*" if int(r.get("ac_violations", 0) or 0) > 0 else " "
    return f"{r['r_p90_mw']:6.3f} /{r['r_p50_mw']:6.3f}{mark}"


def format_summary(summary: pd.DataFrame, meta: dict) -> str:
    """Terminal tables (see docs/capacity.md, "Outputs"): headlines, per direction × window the P90 / P50
    per scope and duration, the secondary best-hour table, grid limits and the AC check."""
    lines = [
        f"callable capacity of '{meta['scenario']}': {meta['days_label']}; notice {meta['notice_h']:g} h",
        f"windows: {', '.join(w['title'] for w in meta['windows'])}" + (
            f" (TOU table, month {meta['tou_month']})" if meta.get("tou_windows") else " (given)"),
        "a window's figure: MW held for the whole duration at ANY start inside the window (whole hours, its start "
        "and the last start that fits): the minimum over the starts, per day",
        f"P90 = exceeded on 90 % of the {meta['n_days']} day(s) (10th percentile), P50 = median"
        + ("" if meta["n_days"] >= REAL_QUANTILE_DAYS else f"; with {meta['n_days']} < {REAL_QUANTILE_DAYS} days the P90 is about the minimum"),
    ]
    heads = headlines(summary, meta)
    lines += ["", f"HEADLINE ({meta['headline_scope']}): the whole window held"]
    for _, r in heads.iterrows():
        best = ""
        if pd.notna(r.get("r_best_p50_mw")):
            best = (f"; best hour of the day {r['r_best_p50_mw']:.3f} MW from {hhmm(r['best_start_hour_p50'])} "
                    f"(P50 over {r['best_hour_n_days']} day(s), secondary)")
        lines.append(f"  {headline_text(r, meta)}{best}")
    parks = list(dict.fromkeys(summary["park"]))
    width = max([len(p) for p in parks] + [8])
    for direction, title in (("down", "DOWN (peak shaving, less import)"), ("up", "UP (valley filling, more import)")):
        for w in meta["windows"]:
            s = summary[(summary.direction == direction) & (summary.window == w["label"])]
            if s.empty:
                continue
            durations = sorted(s["duration_h"].unique())
            lines += ["", f"{title} in {w['title']}: P90 / P50 [MW] over {meta['n_days']} day(s)"]
            lines.append(f"{'park':<{width}}  " + "  ".join(f"{f'{d:g} h':>15}" for d in durations))
            cell = {(r["park"], r["duration_h"]): _cell(r) for _, r in s.iterrows()}
            for p in parks:
                lines.append(f"{p:<{width}}  " + "  ".join(f"{cell.get((p, d), '-'):>15}" for d in durations))
    if "r_best_p50_mw" in summary and summary["r_best_p50_mw"].notna().any():
        b = summary.drop_duplicates(["park", "direction", "duration_h"])
        durations = sorted(b["duration_h"].unique())
        lines += ["", f"best hour of the day (secondary, never the headline): highest P50 over "
                      f"{int(b['best_hour_n_days'].max())} of the days at any whole-hour start, MW@hh"]
        lines.append(f"{'dir':<5}{'park':<{width}}  " + "  ".join(f"{f'{d:g} h':>12}" for d in durations))
        for direction in ("down", "up"):
            bb = b[b.direction == direction].set_index(["park", "duration_h"])
            for p in parks:
                cells = []
                for d in durations:
                    if (p, d) in bb.index and pd.notna(bb.loc[(p, d), "r_best_p50_mw"]):
                        r = bb.loc[(p, d)]
                        h = float(r["best_start_hour_p50"])
                        cells.append(f"{r['r_best_p50_mw']:6.3f}@" + (f"{int(h):02d}" if h == int(h) else hhmm(h)))
                    else:
                        cells.append("-")
                lines.append(f"{direction:<5}{p:<{width}}  " + "  ".join(f"{c:>12}" for c in cells))
    if meta.get("grid_limits"):
        lines += ["", f"grid limits: {meta['grid_limits']}"]
    if "ac_violations" in summary and (summary["ac_violations"] > 0).any():
        lines.append(f"* the window's dispatch on {meta.get('ac_day')} (the most loaded day of the sample) breaks the grid "
                     "in the AC check (voltage band / loading):")
        for r in summary[summary["ac_violations"] > 0].itertuples():
            lines.append(f"  {r.park} {r.direction} {r.window} {r.duration_h:g} h from {hhmm(r.ac_start_hour)}: "
                         f"{r.ac_violations} violation(s), worst {r.ac_worst}")
    elif "ac_violations" in summary:
        lines.append(f"AC check on {meta.get('ac_day')} (the most loaded day of the sample): no window dispatch "
                     "violates a voltage band or loading limit")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- outputs
def write_capacity(result: CapacityResult, scn: Scenario, out_dir: Path, csv: bool = False) -> Path:
    """Write the capacity run folder atomically (hidden sibling folder renamed into place)."""
    from scenarios.loader import dump
    from vpp.capacity_study.plot import plot_capacity
    from vpp.outputs import atomic_folder, write_json

    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        (tmp / "scenario_resolved.yaml").write_text(dump(scn), encoding="utf-8")
        tables = (("capacity", result.table), ("capacity_days", result.days), ("capacity_stats", result.stats),
                  ("capacity_best_hour", result.best_hour), ("capacity_summary", result.summary))
        for name, df in tables:
            if df is not None:
                df.to_parquet(tmp / f"{name}.parquet")
                if csv and name != "capacity_summary":
                    df.to_csv(tmp / f"{name}.csv", index=False)
        result.summary.to_csv(tmp / "capacity_summary.csv", index=False)
        write_json(tmp / "capacity.json", {**result.meta, "summary": result.summary.to_dict(orient="records")})
        for park in dict.fromkeys(result.summary["park"]):
            plot_capacity(result.summary[result.summary.park == park], park, result.meta, tmp / f"capacity_{park}.png")
    return out_dir


def _grid_note(scn: Scenario) -> str:
    return grid_note(scn.network_constraints.mode == "linear")


def days_label(settings: CapacitySettings, year: int) -> str:
    """How the days were chosen, one phrase."""
    klass = days_mod.CLASS_LABEL[settings.day_class]
    if settings.how == "date":
        kind = {"workday": "working day", "holiday": "holiday", "weekend": "weekend day"}[day_type(settings.day)]
        return f"{settings.day} (given date, {kind}), K = 1"
    if settings.how == "reference":
        return f"{settings.day}, the {settings.season} reference {klass} (K = 1)"
    return (f"K = {settings.samples} {settings.season} {klass}s of {year} ({days_mod.month_list(settings.months)}), "
            "drawn without replacement, stratified by month")


def run_capacity(
    scn: Scenario,
    settings: CapacitySettings,
    *,
    out_dir: str | Path | None = None,
    csv: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> CapacityResult:
    """Sweep, statistics, AC check and (optionally) the run folder of a capacity study."""
    say = log or (lambda msg: None)
    t0 = time.perf_counter()
    n_pairs = len(window_jobs(settings))
    say(
        f"capacity of {len(settings.scopes)} scope(s) on {settings.samples} day(s), windows "
        f"{', '.join(w.label for w in settings.windows)}: {n_pairs} (start, duration) × 2 directions per day"
        + (f", best-hour sweep on {len(settings.best_hour_days)} day(s)" if settings.best_hour_days else "")
        + f", {settings.jobs} process(es)"
    )
    table, normal, timing = sweep(scn, settings, progress=progress)
    cdays = callable_days(table, normal, settings)
    st = stats(cdays)
    best = best_hours(table, settings)
    summary = summarise(st, best, settings)
    t_ac = time.perf_counter()
    say("AC check of every window × direction × duration on the most loaded day of the sample")
    summary, ac_day = ac_check_summary(scn, settings, summary, cdays, normal)
    t_ac = time.perf_counter() - t_ac
    year = scn.horizon.start.year
    label = days_label(settings, year)
    meta = {
        "scenario": scn.name,
        "days": [str(d) for d in settings.days],
        "n_days": settings.samples,
        "day": str(settings.day),
        "samples": settings.samples,
        "days_how": settings.how,
        "days_label": label,
        "season": settings.season,
        "months": list(settings.months),
        "day_class": settings.day_class,
        "day_class_label": days_mod.CLASS_LABEL[settings.day_class] if settings.how != "date" else "day",
        "year": year,
        "seed": scn.seed,
        "sampling": ("K days of the season's months in the scenario's year whose statutory-calendar class is the "
                     "requested one, drawn without replacement, stratified by month (largest-remainder quotas), "
                     "generator rng_for(seed, 'capacity_days'); K = 1: the reference day; see docs/capacity.md"),
        "windows": [{"label": w.label, "title": w.title, "start_h": w.start_h, "end_h": w.end_h, "period": w.period}
                    for w in settings.windows],
        "tou_windows": all(w.period != "custom" for w in settings.windows),
        "tou_month": settings.tou_month,
        "notice_h": settings.notice_h,
        "durations_h": list(settings.durations_h),
        "parks": list(settings.parks),
        "district": settings.district,
        "headline_scope": DISTRICT if settings.district else settings.parks[0],
        "best_hour_days": [str(d) for d in settings.best_hour_days],
        "p90_definition": P90_DEFINITION,
        "grid_limits": _grid_note(scn),
        # the normal schedule's demand charge starts from the declared month so far, else each sample day's
        # own peak (docs/billing.md)
        "demand_charge_basis": {
            p.name: (f"{demand_basis(p.billing, scn.tariff.billing)}; month so far "
                     + (f"{p.billing.peak_so_far_mw:.3f} MW declared (park billing.peak_so_far_mw)"
                        if p.billing.peak_so_far_mw is not None else "0: the day's own peak; no earlier days of the month"))
            for p in scn.parks if p.name in set(settings.parks)},
        "ac_day": str(ac_day) if ac_day is not None else None,
        "n_windows": int(len(table)),
        "n_solves": timing["n_solves"],
        "solver_s": round(timing["highs_s"], 3),
        "ac_check_s": round(t_ac, 3),
        "elapsed_s": round(time.perf_counter() - t0, 3),
    }
    meta["headline"] = [headline_text(r, meta) for _, r in headlines(summary, meta).iterrows()]
    res = CapacityResult(settings, table, st, summary, meta, days=cdays, best_hour=best)
    if out_dir is not None:
        res.out_dir = write_capacity(res, scn, Path(out_dir), csv=csv)
    return res
