"""``vpp report RUN_DIR``: one self-contained HTML file (plots as base64 PNG) from a run folder.

Works on the folders of ``vpp run`` (dispatch, prices, voltages, loadings), ``vpp evaluate`` (plus the
baseline, monthly bills and the cash flow) and ``vpp capacity`` (capacity–duration curves); every
section is drawn only when its table is present. Time-series plots show at most the first
``MAX_PLOT_DAYS`` days (a year of 15-min steps is unreadable as one line); tables cover everything.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vpp.errors import VppError
from vpp.plots import PERIOD_COLOURS, pyplot

MAX_PLOT_DAYS = 7


def _img(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    pyplot().close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"/>'


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    p = folder / f"{name}.parquet"
    return pd.read_parquet(p) if p.exists() else None


def _first_days(df: pd.DataFrame, col: str = "time") -> pd.DataFrame:
    t = pd.DatetimeIndex(df[col])
    return df[t < t.min() + pd.Timedelta(days=MAX_PLOT_DAYS)]


def _flatten(d: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    if isinstance(d, dict):
        for k, v in d.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out += _flatten(v, f"{prefix}[{i}]")
    else:
        out.append((prefix, d))
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return html.escape(str(v))


def kpi_table(kpis: dict[str, Any]) -> str:
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{_fmt(v)}</td></tr>" for k, v in _flatten(kpis) if "timings" not in k)
    return f"<table><tr><th>KPI</th><th>value</th></tr>{rows}</table>"


def frame_table(df: pd.DataFrame, max_rows: int = 60) -> str:
    df = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in r) + "</tr>" for r in df.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def _shade(ax, times, periods) -> None:
    start = 0
    for i in range(1, len(periods) + 1):
        if i == len(periods) or periods[i] != periods[start]:
            end = times[i] if i < len(times) else times[-1]
            ax.axvspan(times[start], end, color=PERIOD_COLOURS.get(periods[start], "white"), lw=0, zorder=0)
            start = i


def plot_dispatch_stack(assets: pd.DataFrame, park: str) -> str:
    a = _first_days(assets[assets["park"] == park])
    wide = a.pivot_table(index="time", columns="kind", values="p_inject_mw", aggfunc="sum").fillna(0.0)
    t = wide.index.tz_localize(None)
    fig, ax = pyplot().subplots(figsize=(11, 3.2))
    pos, neg = wide.clip(lower=0), wide.clip(upper=0)
    ax.stackplot(t, pos.T.to_numpy(), labels=[f"{c} +" for c in wide.columns], step="post", alpha=0.8)
    ax.stackplot(t, neg.T.to_numpy(), labels=[f"{c} −" for c in wide.columns], step="post", alpha=0.5)
    ax.set_ylabel("injection [MW]")
    ax.set_title(f"park {park}: dispatch stack by asset kind (injection > 0, consumption < 0)")
    ax.legend(fontsize=6, ncol=5, loc="upper left")
    fig.tight_layout()
    return _img(fig)


def plot_soc(assets: pd.DataFrame) -> str | None:
    b = assets[assets["kind"] == "battery"] if "soc" in assets else assets.iloc[0:0]
    if b.empty:
        return None
    b = _first_days(b)
    fig, ax = pyplot().subplots(figsize=(11, 2.6))
    for name, g in b.groupby("asset"):
        ax.step(pd.DatetimeIndex(g["time"]).tz_localize(None), g["soc"], where="post", label=name)
    ax.set_ylabel("SOC [-]")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    ax.set_title("battery state of charge (end of step)")
    fig.tight_layout()
    return _img(fig)


def plot_prices(parks: pd.DataFrame) -> str:
    p = _first_days(parks.drop_duplicates("time"))
    t = pd.DatetimeIndex(p["time"]).tz_localize(None)
    fig, ax = pyplot().subplots(figsize=(11, 2.4))
    if "period" in p:
        _shade(ax, t, p["period"].tolist())
    ax.step(t, p["price_cny_per_mwh"], where="post", color="k", label="import")
    ax.step(t, p["export_price_cny_per_mwh"], where="post", color="tab:green", label="export")
    ax.set_ylabel("price [CNY/MWh]")
    ax.set_title("TOU prices (shading: valley / flat / peak / critical)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _img(fig)


def plot_substation(parks: pd.DataFrame, baseline: pd.DataFrame | None) -> str:
    fig, ax = pyplot().subplots(figsize=(11, 2.8))
    for df, label in ((parks, "with project"), (baseline, "without project (baseline)")):
        if df is None:
            continue
        s = _first_days(df).groupby("time")["p_net_import_mw"].sum()
        ax.step(s.index.tz_localize(None), s.to_numpy(), where="post", label=label)
    ax.set_ylabel("net import [MW]")
    ax.set_title("substation load = sum of park net imports")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _img(fig)


def plot_heat(df: pd.DataFrame, title: str, unit: str) -> str:
    df = df.copy()
    if not isinstance(df.index, pd.DatetimeIndex) and "time" in df:
        df = df.set_index("time")
    df = df.select_dtypes("number")
    fig, ax = pyplot().subplots(figsize=(11, max(2.5, 0.12 * df.shape[1] + 1.5)))
    im = ax.imshow(df.T.to_numpy(), aspect="auto", interpolation="nearest", cmap="viridis")
    ax.set_yticks(range(df.shape[1]))
    ax.set_yticklabels([str(c) for c in df.columns], fontsize=5)
    ax.set_xlabel("step")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label=unit)
    fig.tight_layout()
    return _img(fig)


def plot_cash_flow(cf: pd.DataFrame) -> str:
    fig, ax = pyplot().subplots(figsize=(9, 3))
    ax.bar(cf["year"], cf["net_cny"] / 1e6, color=np.where(cf["net_cny"] >= 0, "tab:green", "tab:red"))
    ax.plot(cf["year"], cf["cumulative_discounted_cny"] / 1e6, "k.-", label="cumulative discounted")
    ax.set_xlabel("year")
    ax.set_ylabel("M CNY")
    ax.set_title("project cash flow")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _img(fig)


def plot_capacity(stats: pd.DataFrame) -> str:
    fig, ax = pyplot().subplots(figsize=(9, 3))
    best = stats.groupby(["park", "direction", "duration_h"])["r_p90_mw"].max().reset_index()
    for (park, direction), g in best.groupby(["park", "direction"]):
        ax.plot(g["duration_h"], g["r_p90_mw"], "o-", label=f"{park} {direction}")
    ax.set_xlabel("duration [h]")
    ax.set_ylabel("capacity P90 [MW]")
    ax.set_title("capacity–duration curves (best start hour)")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return _img(fig)


def build_html(folder: Path) -> str:
    """The report of a run folder as one HTML string."""
    kpis = {}
    for name in ("kpis.json", "capacity.json"):
        if (folder / name).exists():
            kpis[name.split(".")[0]] = json.loads((folder / name).read_text(encoding="utf-8"))
    assets, parks = _read(folder, "dispatch_assets"), _read(folder, "dispatch_parks")
    baseline = _read(folder, "baseline_parks")
    if not kpis and assets is None and not (folder / "capacity_stats.parquet").exists():
        raise VppError(f"'{folder}' is not a run, evaluate or capacity folder (no kpis.json / dispatch tables)")
    parts = [f"<h1>Report: {html.escape(folder.name)}</h1>"]
    if parks is not None:
        parts.append("<h2>Prices and periods</h2>" + plot_prices(parks))
        parts.append("<h2>Substation load</h2>" + plot_substation(parks, baseline))
    if assets is not None:
        parts.append("<h2>Dispatch per park</h2>" + "".join(plot_dispatch_stack(assets, p) for p in assets["park"].unique()))
        soc = plot_soc(assets)
        if soc:
            parts.append("<h2>Battery SOC</h2>" + soc)
    vm = _read(folder, "powerflow_vm_pu")
    if vm is not None and vm.shape[1] > 0:
        parts.append("<h2>Voltages</h2>" + plot_heat(vm, "bus voltage [pu]", "pu"))
    for name, title in (("powerflow_line_loading_percent", "line loading"), ("powerflow_trafo_loading_percent", "transformer loading")):
        df = _read(folder, name)
        if df is not None and df.shape[1] > 0:
            parts.append(f"<h2>{title.capitalize()}</h2>" + plot_heat(df, f"{title} [%]", "%"))
    stats = _read(folder, "capacity_stats")
    if stats is not None and {"park", "direction", "duration_h", "r_p90_mw"} <= set(stats.columns):
        parts.append("<h2>Capacity–duration</h2>" + plot_capacity(stats))
    for name, k in kpis.items():
        parts.append(f"<h2>KPIs ({name})</h2>" + kpi_table(k))
    for name, title in (("costs_parks", "Bill per park (project)"), ("baseline_costs_parks", "Bill per park (baseline)"),
                        ("monthly", "Monthly bills and peaks")):
        df = _read(folder, name)
        if df is not None:
            parts.append(f"<h2>{title}</h2>" + frame_table(df, 400))
    cf = _read(folder, "cash_flow")
    if cf is not None:
        parts.append("<h2>Cash flow</h2>" + plot_cash_flow(cf) + frame_table(cf, 100))
    style = ("body{font-family:sans-serif;max-width:1200px;margin:auto}table{border-collapse:collapse;font-size:12px}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child{text-align:left}img{max-width:100%}")
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(folder.name)}</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"


def write_report(folder: Path, out: Path | None = None) -> Path:
    """Write ``report.html`` (atomically) and return its path."""
    folder = Path(folder)
    out = out or folder / "report.html"
    try:
        text = build_html(folder)
    except VppError:
        raise
    except Exception as exc:  # a corrupt or foreign table / JSON in the folder: name the folder, not pyarrow
        raise VppError(f"'{folder}' cannot be reported: a result file is unreadable or not vpp's "
                       f"({type(exc).__name__}: {str(exc)[:120]})") from None
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    return out
