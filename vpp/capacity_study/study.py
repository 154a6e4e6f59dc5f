"""The curtailable-capacity study behind ``vpp capacity``: day, samples, sweep, P50/P90, run folder.

For one day (a July or January working day, or a given date) and ``K`` sampled versions of it (scenario
seed ``+ k``, ``k = 0..K-1``: PV weather, EV arrivals and load noise change), every park and the district
(all evaluated parks together, the joint change at the substation) is swept over start hours
``0..23`` × durations × directions with :class:`vpp.capacity_study.model.CapacityModel`.

Statistics over the samples, per scope × direction × duration × start hour:

* ``P50`` = the median of the K values;
* ``P90`` = the value **exceeded with 90 % probability**, i.e. the 10th percentile of the K values
  (``numpy.percentile(r, 10)``, linear interpolation; with K = 1 both equal the single value).

The summary keeps, per scope × direction × duration, the start hour with the highest P50 and the one with
the highest P90, and those values.

Run folder (written atomically, like :mod:`vpp.outputs`)::

    capacity.parquet          park, direction, duration_h, start_hour, sample, r_mw, p_net_normal_mw
    capacity_stats.parquet    park, direction, duration_h, start_hour, r_p50_mw, r_p90_mw
    capacity_summary.parquet  (+ .csv) best start hours and MW at P50 / P90
    capacity.json             settings and summary
    capacity_<park>.png       capacity-duration curve and capacity by start hour, one per park + district
    scenario_resolved.yaml
"""

from __future__ import annotations

import datetime as dt
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from network_models import build_grid, park_capacity_mva
from scenarios.schema import Scenario
from vpp.capacity_study.model import DIRECTIONS, CapacityModel, restrict, steps_of
from vpp.capacity_study.grid import ac_check_summary, context_for, grid_note, network_hook
from vpp.capacity_study.sample import DISTRICT, day_model_data, day_scenario
from vpp.calendar_cn import day_type, is_working_day
from vpp.errors import VppError
SUMMER_DAY = (7, 22)  # a working day in July (critical-peak month), moved forward to a working day
WINTER_DAY = (1, 15)  # a working day in January, before the Spring Festival, moved forward to a working day


@dataclass(frozen=True)
class CapacitySettings:
    """What to evaluate: day, durations [h], notice [h], samples, parks (None = all), worker processes."""

    day: dt.date
    durations_h: tuple[float, ...]
    notice_h: float
    samples: int
    parks: tuple[str, ...]
    district: bool
    jobs: int = 1
    start_hours: tuple[float, ...] = tuple(float(h) for h in range(24))


@dataclass
class CapacityResult:
    settings: CapacitySettings
    table: pd.DataFrame
    stats: pd.DataFrame
    summary: pd.DataFrame
    meta: dict = field(default_factory=dict)
    out_dir: Path | None = None


# ------------------------------------------------------------------------------------------ settings
def study_day(scn: Scenario, day_type: str | None = None, date: dt.date | str | None = None) -> dt.date:
    """The evaluated date: ``date`` if given, else the first working day of the Chinese calendar
    (:mod:`vpp.calendar_cn`: not a weekend or statutory holiday; make-up workdays count) on/after
    22 July ('summer') or 15 January ('winter') of the scenario's year."""
    if date is not None:
        try:
            return date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        except ValueError:
            raise VppError(f"--date '{date}' is not a date (YYYY-MM-DD)") from None
    kind = day_type or scn.capacity.day_type
    if kind not in ("summer", "winter"):
        raise VppError(f"day type '{kind}' is unknown (choose summer or winter)")
    month, day = SUMMER_DAY if kind == "summer" else WINTER_DAY
    d = dt.date(scn.horizon.start.year, month, day)
    while not is_working_day(d):
        d += dt.timedelta(days=1)
    return d


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
) -> CapacitySettings:
    """Settings from the scenario's ``capacity`` section and command-line overrides (validated)."""
    names = [p.name for p in scn.parks]
    if park is not None and park not in names:
        raise VppError(f"--park: unknown park '{park}' (parks of '{scn.name}': {', '.join(names)})")
    durations = tuple(float(d) for d in (durations_h or scn.capacity.durations_h))
    dt_h = scn.horizon.resolution_min / 60.0
    for d in durations:
        if d <= 0:
            raise VppError(f"duration {d:g} h must be positive")
        if d > 24:
            raise VppError(f"duration {d:g} h is longer than the evaluated day (24 h)")
        steps_of(d, dt_h, "duration")
    if len(set(durations)) != len(durations):
        raise VppError(f"durations {', '.join(f'{d:g}' for d in durations)} list a duration twice")
    k = scn.capacity.samples if samples is None else int(samples)
    if k < 1:
        raise VppError(f"--samples {k} must be at least 1")
    notice = scn.capacity.notice_h if notice_h is None else float(notice_h)
    if not 0 <= notice <= 24:
        raise VppError(f"--notice-h {notice:g} must lie in [0, 24] h")
    parks = (park,) if park else tuple(names)
    n_jobs = min(2, os.cpu_count() or 1) if jobs is None else max(1, int(jobs))
    return CapacitySettings(
        day=study_day(scn, day_type, date if date is not None else scn.capacity.date),
        durations_h=tuple(sorted(durations)),
        notice_h=notice,
        samples=k,
        parks=parks,
        district=park is None and len(parks) > 1,
        jobs=n_jobs,
    )


# ---------------------------------------------------------------------------------------------- sweep
def scope_windows(scn: Scenario, capacity_mva: dict, settings: CapacitySettings, scope: str, k: int) -> pd.DataFrame:
    """Capacity of one scope (a park, or ``DISTRICT``) for sample ``k``: one row per window."""
    scn_k = day_scenario(scn, settings.day, k)
    data = day_model_data(scn_k, capacity_mva)
    parks = list(settings.parks) if scope == DISTRICT else [scope]
    hook = None
    if scn.network_constraints.mode == "linear":  # grid limits in the LP (vpp.capacity_study.grid)
        hook = network_hook(context_for(scn_k, data), parks)
    cm = CapacityModel(restrict(data, parks), time_limit_s=scn.solver.time_limit_s, mip_rel_gap=scn.solver.mip_rel_gap,
                       network=hook)
    rows = cm.sweep(settings.start_hours, settings.durations_h, settings.notice_h, DIRECTIONS)
    df = pd.DataFrame([asdict(w) for w in rows])
    df.insert(0, "park", scope)
    df["sample"] = k
    return df


def _tasks(settings: CapacitySettings) -> list[tuple[str, int]]:
    """(scope, sample) pairs, the large district model first so that workers balance."""
    scopes = ([DISTRICT] if settings.district else []) + list(settings.parks)
    return [(s, k) for k in range(settings.samples) for s in scopes]


def sweep(scn: Scenario, settings: CapacitySettings, *, progress: bool = False) -> pd.DataFrame:
    """All windows of all scopes and samples (long table, see module doc), in parallel when ``jobs > 1``."""
    from tqdm import tqdm

    if DISTRICT in settings.parks and settings.district:
        raise VppError(f"park name '{DISTRICT}' is reserved for the district total in `vpp capacity`")
    grid = build_grid(scn)
    capacity_mva = {p.name: park_capacity_mva(grid, p.name) for p in scn.parks}
    tasks = _tasks(settings)
    # sample 0's profiles are built before the workers fork, so they inherit them
    data0 = day_model_data(day_scenario(scn, settings.day, 0), capacity_mva)
    context_for(day_scenario(scn, settings.day, 0), data0)  # background + linear rows, inherited by workers
    bar = tqdm(total=len(tasks), desc="capacity", unit="scope", disable=not progress, leave=False)
    frames = []
    try:
        if settings.jobs > 1 and len(tasks) > 1:
            import multiprocessing as mp

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            with ProcessPoolExecutor(max_workers=min(settings.jobs, len(tasks)), mp_context=ctx) as pool:
                futures = [pool.submit(scope_windows, scn, capacity_mva, settings, s, k) for s, k in tasks]
                for fut in as_completed(futures):
                    frames.append(fut.result())
                    bar.update(1)
        else:
            for s, k in tasks:
                frames.append(scope_windows(scn, capacity_mva, settings, s, k))
                bar.update(1)
    finally:
        bar.close()
    order = {s: i for i, s in enumerate(([DISTRICT] if settings.district else []) + list(settings.parks))}
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values(
        ["park", "direction", "duration_h", "start_hour", "sample"], key=lambda c: c.map(order) if c.name == "park" else c
    )
    return table[["park", "direction", "duration_h", "start_hour", "sample", "r_mw", "p_net_normal_mw"]].reset_index(drop=True)


# ------------------------------------------------------------------------------------------ statistics
def stats(table: pd.DataFrame) -> pd.DataFrame:
    """P50 (median) and P90 (10th percentile: exceeded with 90 % probability) over samples, per window."""
    g = table.groupby(["park", "direction", "duration_h", "start_hour"], sort=False)["r_mw"]
    out = g.agg(
        r_p50_mw=lambda r: float(np.percentile(r, 50)),
        r_p90_mw=lambda r: float(np.percentile(r, 10)),
        n_samples="size",
    )
    return out.reset_index()


def summarise(st: pd.DataFrame) -> pd.DataFrame:
    """Per scope × direction × duration: best start hour and MW at P50, and at P90."""
    rows = []
    for (park, direction, d), g in st.groupby(["park", "direction", "duration_h"], sort=False):
        i50 = g["r_p50_mw"].idxmax()
        i90 = g["r_p90_mw"].idxmax()
        rows.append(
            {
                "park": park,
                "direction": direction,
                "duration_h": float(d),
                "best_start_hour_p50": float(g.at[i50, "start_hour"]),
                "r_p50_mw": float(g.at[i50, "r_p50_mw"]),
                "best_start_hour_p90": float(g.at[i90, "start_hour"]),
                "r_p90_mw": float(g.at[i90, "r_p90_mw"]),
            }
        )
    return pd.DataFrame(rows)


def format_summary(summary: pd.DataFrame, meta: dict) -> str:
    """Terminal table: per direction, park × duration cells ``P50@hh / P90@hh`` [MW @ start hour]."""
    lines = [
        f"curtailable capacity of '{meta['scenario']}' on {meta['day']} ({meta['day_label']}), "
        f"{meta['samples']} sample(s), notice {meta['notice_h']:g} h",
        "cells: MW held for the whole duration at the best start hour, P50@hour / P90@hour "
        "(P90 = exceeded with 90 % probability)",
    ]
    durations = sorted(summary["duration_h"].unique())
    parks = list(dict.fromkeys(summary["park"]))
    width = max([len(p) for p in parks] + [8])
    for direction, title in (("down", "DOWN (peak shaving, less import)"), ("up", "UP (valley filling, more import)")):
        s = summary[summary.direction == direction].set_index(["park", "duration_h"])
        lines.append("")
        lines.append(title)
        lines.append(f"{'park':<{width}}  " + "  ".join(f"{f'{d:g} h':>21}" for d in durations))
        for p in parks:
            cells = []
            for d in durations:
                if (p, d) in s.index:
                    r = s.loc[(p, d)]
                    mark = "*" if int(getattr(r, "ac_violations", 0) or 0) > 0 else " "
                    cells.append(
                        f"{r.r_p50_mw:7.3f}@{int(r.best_start_hour_p50):02d}{mark}/{r.r_p90_mw:7.3f}@{int(r.best_start_hour_p90):02d}"
                    )
                else:
                    cells.append(f"{'-':>21}")
            lines.append(f"{p:<{width}}  " + "  ".join(f"{c:>21}" for c in cells))
    if meta.get("grid_limits"):
        lines += ["", f"grid limits: {meta['grid_limits']}"]
    if "ac_violations" in summary and (summary["ac_violations"] > 0).any():
        lines.append("* the P50 window's dispatch (sample 0) breaks the grid in the AC check (voltage band / loading):")
        for r in summary[summary["ac_violations"] > 0].itertuples():
            lines.append(f"  {r.park} {r.direction} {r.duration_h:g} h @{int(r.best_start_hour_p50):02d}: "
                         f"{r.ac_violations} violation(s), worst {r.ac_worst}")
    elif "ac_violations" in summary:
        lines.append("AC check: no P50 window (sample 0) violates a voltage band or loading limit")
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
        for name, df in (("capacity", result.table), ("capacity_stats", result.stats), ("capacity_summary", result.summary)):
            df.to_parquet(tmp / f"{name}.parquet")
        result.summary.to_csv(tmp / "capacity_summary.csv", index=False)
        if csv:
            result.table.to_csv(tmp / "capacity.csv", index=False)
            result.stats.to_csv(tmp / "capacity_stats.csv", index=False)
        write_json(tmp / "capacity.json", {**result.meta, "summary": result.summary.to_dict(orient="records")})
        for park in dict.fromkeys(result.stats["park"]):
            plot_capacity(result.stats[result.stats.park == park], result.summary[result.summary.park == park],
                          park, result.meta, tmp / f"capacity_{park}.png")
    return out_dir


def _grid_note(scn: Scenario) -> str:
    return grid_note(scn.network_constraints.mode == "linear")


def run_capacity(
    scn: Scenario,
    settings: CapacitySettings,
    *,
    out_dir: str | Path | None = None,
    csv: bool = False,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> CapacityResult:
    """Sweep, statistics and (optionally) the run folder of a capacity study."""
    say = log or (lambda msg: None)
    t0 = time.perf_counter()
    scopes = len(settings.parks) + (1 if settings.district else 0)
    say(
        f"capacity of {scopes} scope(s) on {settings.day}: {len(settings.durations_h)} durations × "
        f"{len(settings.start_hours)} start hours × 2 directions × {settings.samples} sample(s), {settings.jobs} process(es)"
    )
    table = sweep(scn, settings, progress=progress)
    st = stats(table)
    summary = summarise(st)
    say("AC check of the best P50 window of every park × direction × duration (sample 0)")
    summary = ac_check_summary(scn, settings, summary)
    kind = {"workday": "working day", "holiday": "holiday"}.get(day_type(settings.day), "weekend day")
    label = "given date" if scn.capacity.date is not None and settings.day == scn.capacity.date else (
        f"{'summer' if settings.day.month in (6, 7, 8) else 'winter' if settings.day.month in (12, 1, 2) else 'chosen'} "
        f"{kind}"
    )
    meta = {
        "scenario": scn.name,
        "day": str(settings.day),
        "day_label": label,
        "samples": settings.samples,
        "seeds": [scn.seed + k for k in range(settings.samples)],
        "notice_h": settings.notice_h,
        "durations_h": list(settings.durations_h),
        "parks": list(settings.parks),
        "district": settings.district,
        "p90_definition": "value exceeded with 90 % probability = 10th percentile over the samples",
        "grid_limits": _grid_note(scn),
        "n_windows": int(len(table)),
        "elapsed_s": round(time.perf_counter() - t0, 3),
    }
    res = CapacityResult(settings, table, st, summary, meta)
    if out_dir is not None:
        res.out_dir = write_capacity(res, scn, Path(out_dir), csv=csv)
    return res
