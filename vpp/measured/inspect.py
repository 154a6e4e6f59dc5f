"""Inspect a meter file (``vpp data FILE``): period, step, gaps, duplicates, energy, peak, mean days.

:func:`describe` reads permissively: gaps, duplicated or out-of-order timestamps, non-numeric and
negative cells are counted, not raised (a file that cannot be read at all still raises
:class:`~vpp.errors.DataError`), and ``problem`` says whether and why a scenario would refuse the
file. :func:`describe_as` shows how a scenario's asset reads the file: the series put onto the run's
horizon by :func:`~vpp.measured.resample.to_index`. Powers in MW, energies in MWh.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from scenarios.data_schema import ProfileFile
from vpp.calendar_cn import day_types
from vpp.errors import DataError, VppError
from vpp.measured.read import (decide_stamps, duration_text, fmt_time, gap_runs, parse, read_table, resolution_of,
                               to_mw)
from vpp.measured.resample import to_index

PROFILE_TYPES = ("workday", "weekend", "holiday")


def make_spec(path: str | Path, **settings) -> ProfileFile:
    """A :class:`ProfileFile` for ``path`` with ``settings`` (None values left out); DataError if invalid."""
    data = {"path": str(path), **{k: v for k, v in settings.items() if v is not None}}
    try:
        return ProfileFile.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"] if not isinstance(x, int) or len(e["loc"]) == 1)
        raise DataError(f"{path}: {where + ': ' if where else ''}{e['msg']}") from None


def _permissive(spec: ProfileFile, base_dir: Path | None):
    """Grid series [MW] with NaN where missing, and the counts of what a strict read would refuse."""
    raw = parse(spec, base_dir)
    if raw.values.size == 0:
        raise DataError(f"{raw.label}: no data rows")
    times, values = raw.times, np.where(raw.bad, np.nan, raw.values)
    counts = {"non_numeric": int(raw.bad.sum()), "negative": int(np.sum(values < 0)),
              "out_of_order": int(np.sum(np.diff(times.astype(np.int64)) < 0))}
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    first = np.concatenate(([True], np.diff(times.astype(np.int64)) != 0))
    counts["duplicates"] = int((~first).sum())
    times, values = times[first], values[first]
    res = raw.resolution_min or resolution_of(times, raw.label)
    stamps, why = decide_stamps(raw, spec, res)  # (looks at the first and last timestamps only)
    step = np.int64(res * 60 * 10**9)
    off = (times - times[0]).astype(np.int64)
    on = off % step == 0
    counts["off_grid"] = int((~on).sum())
    pos = off[on] // step
    grid = np.full(int(pos[-1]) + 1, np.nan)
    grid[pos] = values[on]
    t0 = times[0] - (np.timedelta64(res, "m") if stamps == "ending" else np.timedelta64(0, "m"))
    known = np.flatnonzero(~np.isnan(grid))
    if known.size == 0:
        raise DataError(f"{raw.label}: no numbers in the data rows")
    grid = grid[known[0]: known[-1] + 1]
    t0 = t0 + np.timedelta64(int(known[0]) * res, "m")
    index = pd.date_range(pd.Timestamp(t0), periods=len(grid), freq=f"{res}min", name="time")
    p = pd.Series(to_mw(grid, spec.unit, res, spec.scale), index=index, name="p_mw")
    return raw, p, res, stamps, why, counts


def day_type_profiles(p_mw: pd.Series, shutdown=()) -> pd.DataFrame:
    """Mean day [MW] per day type: hour of day (0..23) × workday / weekend / holiday (NaN when absent)."""
    dates = p_mw.index.normalize()
    uniq = pd.DatetimeIndex(pd.unique(dates))
    types = day_types(uniq, shutdown)[uniq.get_indexer(dates)]
    df = pd.DataFrame({"hour": p_mw.index.hour, "type": types, "p": p_mw.to_numpy()})
    prof = df.groupby(["hour", "type"])["p"].mean().unstack("type")
    prof = prof.reindex(index=range(24), columns=list(PROFILE_TYPES))
    prof.index.name, prof.columns.name = "hour", "day type"
    return prof


def describe(spec: ProfileFile, base_dir: Path | None = None) -> dict:
    """Figures of a meter file (read permissively; see module docstring).

    Keys: source, file, layout, unit, resolution_min, stamps, period (first interval start, last
    interval end), days, rows, values, gaps {count, missing_steps, longest_min, longest_from},
    duplicates, out_of_order, non_numeric, negative, off_grid, energy_mwh, peak_mw, peak_at, mean_mw,
    load_factor (mean / peak), profiles (DataFrame hour × day type, MW), series (MW, NaN in gaps),
    problem (None, or the one-line reason a scenario refuses the file), meta.
    """
    raw, p, res, stamps, why, counts = _permissive(spec, base_dir)
    missing = np.isnan(p.to_numpy())
    starts, lengths = gap_runs(missing)
    gaps = {"count": int(starts.size), "missing_steps": int(lengths.sum()), "longest_min": 0, "longest_from": None}
    if starts.size:
        k = int(np.argmax(lengths))
        gaps.update(longest_min=int(lengths[k] * res), longest_from=p.index[starts[k]])
    dt_h = res / 60.0
    peak_at = p.idxmax() if (~missing).any() else None
    peak = float(p.max()) if peak_at is not None else float("nan")
    mean = float(p.mean())
    try:
        read_table(spec, base_dir)
        problem = None
    except DataError as exc:
        problem = str(exc)
    return {
        "source": raw.source, "file": raw.meta.get("file"), "layout": raw.layout, "unit": spec.unit,
        "resolution_min": res, "stamps": stamps, "stamps_reason": why,
        "period": (p.index[0], p.index[-1] + pd.Timedelta(minutes=res)), "days": len(p) * res / 1440.0,
        "rows": raw.meta.get("rows", int(raw.values.size)), "values": int(raw.values.size),
        "gaps": gaps, **counts,
        "energy_mwh": float(np.nansum(p.to_numpy()) * dt_h), "peak_mw": peak, "peak_at": peak_at,
        "mean_mw": mean, "load_factor": mean / peak if peak > 0 else float("nan"),
        "profiles": day_type_profiles(p), "series": p, "problem": problem, "meta": raw.meta,
    }


def _n(x: float, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.{digits}f}".replace(",", " ")


def format_description(d: dict) -> str:
    """The figures of :func:`describe` as a compact text table (units in the labels)."""
    first, end = d["period"]
    g = d["gaps"]
    gap_txt = "none" if not g["count"] else (f"{g['count']} ({g['missing_steps']} missing steps), longest "
                                             f"{duration_text(g['longest_min'])} from {fmt_time(g['longest_from'])}")
    layout = d["layout"] + (f", {d['meta']['points_per_day']} points per day" if "points_per_day" in d["meta"] else "")
    lines = [
        ("source", d["source"]),
        ("layout", f"{layout}; timestamps: interval {d['stamps']} ({d['stamps_reason']})"),
        ("unit in the file", d["unit"]),
        ("period", f"{first:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} ({d['days']:.2f} days)".replace(".00 days", " days")),
        ("resolution [min]", str(d["resolution_min"])),
        ("rows", f"{d['rows']:,}".replace(",", " ")),
        ("gaps", gap_txt),
        ("duplicated timestamps", str(d["duplicates"])),
        ("out-of-order rows", str(d["out_of_order"])),
        ("non-numeric cells", str(d["non_numeric"])),
        ("negative values", str(d["negative"])),
        ("energy [MWh]", _n(d["energy_mwh"], 2)),
        ("peak [MW]", f"{_n(d['peak_mw'])}" + (f" at {fmt_time(d['peak_at'])}" if d["peak_at"] is not None else "")),
        ("mean [MW]", _n(d["mean_mw"])),
        ("load factor [-]", _n(d["load_factor"], 2)),
        ("usable in a scenario", "yes" if d["problem"] is None else "no (the error below)"),
    ]
    if d["off_grid"]:
        lines.insert(9, ("off-grid timestamps", str(d["off_grid"])))
    if d["meta"].get("tz"):
        lines.insert(3, ("time zone", d["meta"]["tz"]))
    w = max(len(k) for k, _ in lines)
    out = [f"{k:<{w}}  {v}" for k, v in lines]
    prof = d["profiles"]
    out.append("")
    out.append("mean day by day type [MW]")
    out.append(f"{'hour':>4}  " + "  ".join(f"{c:>8}" for c in prof.columns))
    for h, row in prof.iterrows():
        out.append(f"{h:>4}  " + "  ".join(f"{_n(v):>8}" for v in row.to_numpy()))
    return "\n".join(out)


CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei",
             "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN")


def _cjk_font() -> str | None:
    """An installed font with Chinese glyphs (file and column names are often Chinese), or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def plot(desc: dict, path_png: str | Path) -> Path:
    """Two panels: the series [MW] over time and the mean day per day type [MW]; PNG at ``path_png``.

    Chinese names are drawn with an installed CJK font if there is one (else as boxes, silently).
    """
    import warnings

    from vpp.plots import pyplot

    plt = pyplot()
    path = Path(path_png)
    path.parent.mkdir(parents=True, exist_ok=True)
    cjk = _cjk_font()
    rc = {"font.sans-serif": [cjk, "DejaVu Sans"], "font.family": "sans-serif"} if cjk else {}
    with plt.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        return _draw(plt, desc, path)


def _draw(plt, desc: dict, path: Path) -> Path:
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 7), gridspec_kw={"height_ratios": [1.3, 1]})
    s = desc["series"]
    ax1.plot(s.index, s.to_numpy(), lw=0.6, color="#1f5fa8")
    ax1.set_ylabel("mean power [MW]")
    ax1.set_xlabel("local time (Asia/Shanghai)")
    ax1.set_title(f"{desc['source']}: {desc['resolution_min']} min, {desc['energy_mwh']:,.1f} MWh, "
                  f"peak {desc['peak_mw']:.3f} MW", fontsize=10)
    ax1.grid(alpha=0.3)
    prof = desc["profiles"]
    colours = {"workday": "#1f5fa8", "weekend": "#e08a1e", "holiday": "#b8322a"}
    for c in prof.columns:
        if prof[c].notna().any():
            ax2.step(np.append(prof.index, 24), np.append(prof[c].to_numpy(), prof[c].to_numpy()[-1]),
                     where="post", label=c, color=colours.get(c))
    ax2.set_xlim(0, 24)
    ax2.set_xticks(range(0, 25, 3))
    ax2.set_xlabel("hour of day")
    ax2.set_ylabel("mean power [MW]")
    ax2.set_title("mean day by day type (Chinese calendar)", fontsize=10)
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------- read as a scenario
def find_profile_asset(scn, ref: str):
    """(park, asset, ProfileFile) of ``ref`` ('asset' or 'park.asset'): the asset's ``profile`` (loads)
    or ``production`` (PV); VppError when the asset is absent or has no measured file."""
    park_name, _, asset_name = ref.rpartition(".")
    found = [(p, a) for p in scn.parks for a in p.assets
             if a.name == asset_name and (not park_name or p.name == park_name)]
    if not found:
        names = ", ".join(f"{p.name}.{a.name}" for p in scn.parks for a in p.assets)
        raise VppError(f"scenario '{scn.name}' has no asset '{ref}' (assets: {names})")
    if len(found) > 1:
        raise VppError(f"asset '{ref}' is in several parks ({', '.join(p.name for p, _ in found)}): write PARK.ASSET")
    park, asset = found[0]
    prof = getattr(asset, "profile", None)
    if not isinstance(prof, ProfileFile):  # a PV plant's measured output
        prof = getattr(asset, "production", None)
    if not isinstance(prof, ProfileFile):
        raise VppError(f"asset '{park.name}.{asset.name}' ({asset.kind}) of scenario '{scn.name}' has no measured "
                       "profile (a profile: with a data file)")
    return park, asset, prof


def spec_for_asset(target: str, file: str | Path | None = None, **overrides) -> tuple[ProfileFile, Path, object, object]:
    """(spec, base_dir, scenario, park) of ``SCENARIO:ASSET``: the asset's ProfileFile, read from ``file``
    (relative to the working folder) when given, with ``overrides`` (None values left out)."""
    from scenarios.loader import load, resolve

    scenario, sep, ref = target.rpartition(":")
    if not sep or not scenario or not ref:
        raise VppError(f"--as '{target}': write SCENARIO:ASSET (e.g. single_park.yaml:office_load)")
    scn = load(scenario)
    park, _, prof = find_profile_asset(scn, ref)
    data = prof.model_dump()
    base_dir = resolve(scenario).parent
    if file is not None:
        data["path"] = str(Path(file).resolve())
    data.update({k: v for k, v in overrides.items() if v is not None})
    return make_spec(data.pop("path"), **data), base_dir, scn, park


def describe_as(spec: ProfileFile, base_dir: Path | None, scn, park=None) -> dict:
    """How the scenario reads ``spec``: the series on the run's horizon and the figures to compare.

    Keys: series (MW on the run index), report (MappingReport), energy_file_mwh (energy of the file
    over the file days used, each counted as often as it is used), energy_run_mwh, energy_file_total_mwh,
    resolution_min_file / _run, horizon (start, days, resolution_min).
    """
    from vpp.timeindex import time_index

    ms = read_table(spec, base_dir)
    h = scn.horizon
    index = time_index(h.start, h.days, h.resolution_min)
    shutdown = getattr(park, "shutdown_days", None) or ()
    series, report = to_index(ms, index, shutdown)
    daily = ms.p_mw.groupby(ms.p_mw.index.normalize()).sum() * ms.resolution_min / 60.0
    daily.index = [d.date() for d in daily.index]
    used = sum(float(daily.get(src, np.nan)) for _, src in report.pairs)
    return {"series": series, "report": report, "energy_file_mwh": used,
            "energy_run_mwh": float(series.sum() * h.resolution_min / 60.0), "energy_file_total_mwh": ms.energy_mwh,
            "resolution_min_file": ms.resolution_min, "resolution_min_run": h.resolution_min,
            "horizon": (h.start, h.days, h.resolution_min), "source": ms.source, "scenario": scn.name}


def format_as(d: dict) -> str:
    """The result of :func:`describe_as` as text."""
    start, days, res = d["horizon"]
    end = start + dt.timedelta(days=days - 1)
    r_f, r_r = d["resolution_min_file"], d["resolution_min_run"]
    change = "none" if r_f == r_r else f"{r_f} min in the file → {r_r} min in the run (energy-conserving)"
    rows = [
        ("scenario horizon", f"{start:%Y-%m-%d} – {end:%Y-%m-%d} ({days} day{'s' if days != 1 else ''} at {res} min)"),
        ("dates", d["report"].text),
        ("resolution change", change),
        ("energy in the file over the days used [MWh]", _n(d["energy_file_mwh"], 3)),
        ("energy on the horizon [MWh]", _n(d["energy_run_mwh"], 3)),
        ("peak on the horizon [MW]", _n(float(d["series"].max()))),
    ]
    w = max(len(k) for k, _ in rows)
    return f"as read by scenario '{d['scenario']}':\n" + "\n".join(f"  {k:<{w}}  {v}" for k, v in rows)


__all__ = ["describe", "format_description", "plot", "day_type_profiles", "make_spec", "find_profile_asset",
           "spec_for_asset", "describe_as", "format_as"]
