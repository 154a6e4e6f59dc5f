"""Plotly figure specs as plain dicts (``{"id", "data", "layout"}``), drawn in the page by ``Plotly.newPlot``.

Whole-period series: a uniform time series is written as ``x0`` + ``dx`` (milliseconds, date axis, local
time of the scenario) and its values as 4 significant digits (:class:`Arr`), so a year of 15-min steps
(35,040 points) costs about 250 kB per line. No WebGL traces (``scattergl``/``heatmapgl``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vpp.plots import PERIOD_COLOURS
from vpp.reporting.catalogue import Catalogue
from vpp.reporting.load import Study

FONT = "VppCJK, 'Noto Sans CJK SC', sans-serif"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
SEASONS = {"winter": (12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11)}


class Arr:
    """A numeric array written to JSON with ``digits`` significant digits (NaN → null)."""

    def __init__(self, values: Any, digits: int = 4):
        self.values = np.asarray(values, dtype=float)
        self.digits = digits

    def __len__(self) -> int:
        return int(self.values.size)

    def json(self) -> str:
        fmt = f"{{:.{self.digits}g}}".format
        if self.values.ndim == 2:
            return "[" + ",".join(Arr(r, self.digits).json() for r in self.values) + "]"
        return "[" + ",".join("null" if v != v else fmt(v) for v in self.values.tolist()) + "]"


def _local(t: pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    t = pd.DatetimeIndex(t)
    return t.tz_localize(None) if t.tz is not None else t


def time_x(t: pd.Series | pd.DatetimeIndex) -> dict[str, Any]:
    """``{"x0", "dx"}`` for a uniform series (dx in ms), else ``{"x": [...]}`` of local time strings."""
    t = _local(t)
    if len(t) > 2:
        d = np.diff(t.asi8)
        if (d == d[0]).all():
            return {"x0": t[0].strftime("%Y-%m-%d %H:%M"), "dx": int(d[0] // 1_000_000)}
    return {"x": [s.strftime("%Y-%m-%d %H:%M") for s in t]}


def line(name: str, t, y, unit: str, **kw: Any) -> dict[str, Any]:
    tr = {"type": "scatter", "mode": "lines", "name": name, **time_x(t), "y": Arr(y),
          "line": {"width": 1, "shape": "hv"}, "hovertemplate": f"%{{y:.4g}} {unit}<extra>{name}</extra>"}
    tr.update(kw)
    return tr


def layout(title: str, ytitle: str = "", xtitle: str = "", date: bool = True, height: int = 360, **kw: Any) -> dict:
    lay = {"title": {"text": title, "font": {"size": 15}}, "font": {"family": FONT, "size": 12}, "height": height,
           "margin": {"l": 60, "r": 20, "t": 50, "b": 45}, "legend": {"orientation": "h", "y": -0.18},
           "xaxis": {"title": {"text": xtitle}, **({"type": "date"} if date else {})},
           "yaxis": {"title": {"text": ytitle}}, "hovermode": "x unified" if date else "closest"}
    lay.update(kw)
    return lay


def fig(fid: str, data: list[dict], lay: dict) -> dict[str, Any]:
    return {"id": fid, "data": data, "layout": lay}


# shared pieces ----------------------------------------------------------------------------------------
def substation(parks: pd.DataFrame) -> pd.Series:
    """Substation load [MW] = Σ park net import per step."""
    return parks.groupby("time", sort=True)["p_net_import_mw"].sum()


def substation_chart(cat: Catalogue, st: Study) -> dict | None:
    cols = ["time", "p_net_import_mw"]
    parks = st.table("dispatch_parks", columns=cols)
    if parks is None:
        return None
    mw = cat.t("unit.mw")
    s = substation(parks)
    data = [line(cat.t("ch.with_project"), s.index, s.to_numpy(), mw)]
    base = st.table("baseline_parks", columns=cols)
    if base is not None:
        b = substation(base)
        data.insert(0, line(cat.t("ch.without_project"), b.index, b.to_numpy(), mw, line={"width": 1, "shape": "hv", "color": "#999"}))
    return fig("chart-substation", data, layout(cat.t("ch.substation"), cat.t("ch.net_import_mw")))


def park_net_import_chart(cat: Catalogue, st: Study) -> dict | None:
    parks = st.table("dispatch_parks", columns=["time", "park", "p_net_import_mw"])
    if parks is None:
        return None
    wide = parks.pivot(index="time", columns="park", values="p_net_import_mw")
    mw = cat.t("unit.mw")
    data = [line(str(p), wide.index, wide[p].to_numpy(), mw) for p in wide.columns]
    return fig("chart-park-net-import", data, layout(cat.t("ch.park_net_import"), cat.t("ch.net_import_mw"), height=420))


def dispatch_charts(cat: Catalogue, st: Study) -> list[dict]:
    """One stacked chart per park: power by asset kind, injections above zero, consumption below."""
    parks = st.table("dispatch_parks")
    if parks is None:
        return []
    kinds = [c for c in parks.columns if c.startswith("p_inject_") and c.endswith("_mw")]
    if not kinds:
        c = park_net_import_chart(cat, st)
        return [c] if c else []
    mw = cat.t("unit.mw")
    out = []
    for i, (park, g) in enumerate(parks.groupby("park", sort=False)):
        data = []
        for ci, c in enumerate(kinds):
            colour = PALETTE[ci % len(PALETTE)]
            v = g[c].to_numpy()
            if not np.any(np.abs(v) > 1e-9):
                continue
            name = cat.kind_label(c[len("p_inject_"):-len("_mw")])
            for sign, grp in ((1, "pos"), (-1, "neg")):
                part = np.clip(sign * v, 0, None) * sign
                if np.any(np.abs(part) > 1e-9):
                    data.append(line(name, g["time"], part, mw, stackgroup=grp, legendgroup=name,
                                     showlegend=grp == "pos" or not np.any(v > 1e-9),
                                     line={"width": 0.5, "shape": "hv", "color": colour}, fillcolor=colour))
        out.append(fig(f"chart-dispatch-{i}", data, layout(cat.t("ch.dispatch_park", park=park), cat.t("ch.power_mw"))))
    return out


def _period_shapes(t: pd.DatetimeIndex, periods: list[str]) -> list[dict]:
    shapes, start = [], 0
    step = (t[1] - t[0]) if len(t) > 1 else pd.Timedelta(minutes=15)
    for i in range(1, len(periods) + 1):
        if i == len(periods) or periods[i] != periods[start]:
            end = t[i] if i < len(t) else t[-1] + step
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": t[start].strftime("%Y-%m-%d %H:%M"),
                           "x1": end.strftime("%Y-%m-%d %H:%M"), "y0": 0, "y1": 1, "line": {"width": 0},
                           "fillcolor": PERIOD_COLOURS.get(periods[start], "#ffffff"), "layer": "below"})
            start = i
    return shapes


def price_chart(cat: Catalogue, st: Study) -> dict | None:
    parks = st.table("dispatch_parks")
    if parks is None:
        return None
    p = parks.drop_duplicates("time").sort_values("time")
    unit = cat.t("unit.cny_per_mwh")
    data = [line(cat.t("ch.import_price"), p["time"], p["price_cny_per_mwh"].to_numpy(), unit, line={"color": "black", "shape": "hv"}),
            line(cat.t("ch.export_price"), p["time"], p["export_price_cny_per_mwh"].to_numpy(), unit,
                 line={"color": "green", "shape": "hv"})]
    lay = layout(cat.t("ch.prices"), cat.t("ch.price"))
    if "period" in p and p["time"].nunique() <= 96 * 31:
        lay["shapes"] = _period_shapes(_local(p["time"]), p["period"].astype(str).tolist())
        for k in PERIOD_COLOURS:  # legend entries for the shading
            data.append({"type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": cat.t(f"period.{k}"),
                         "marker": {"symbol": "square", "size": 12, "color": PERIOD_COLOURS[k]}, "hoverinfo": "skip"})
    return fig("chart-prices", data, lay)


def element_heatmap(cat: Catalogue, st: Study, name: str, title_key: str, unit: str, fid: str) -> dict | None:
    df = st.table(name)
    if df is None or df.shape[1] == 0:
        return None
    if "time" in df.columns:
        df = df.set_index("time")
    df = df.select_dtypes("number")
    if df.shape[1] == 0:
        return None
    z = df.to_numpy().T
    tr = {"type": "heatmap", **time_x(df.index), "y": [str(c) for c in df.columns], "z": Arr(z),
          "colorscale": "Viridis", "colorbar": {"title": {"text": unit}},
          "hovertemplate": f"%{{x}}<br>%{{y}}: %{{z:.4g}} {unit}<extra></extra>"}
    lay = layout(cat.t(title_key), cat.t("ch.element"), cat.t("ch.time"), height=max(320, 18 * df.shape[1] + 120),
                 hovermode="closest")
    lay["margin"]["l"] = 150
    return fig(fid, [tr], lay)


# evaluation: the year -----------------------------------------------------------------------------------
def day_hour(t: pd.DatetimeIndex, v: np.ndarray) -> tuple[pd.DatetimeIndex, np.ndarray, float]:
    """Reshape a series onto days × steps of the day: ``(days, z[step_of_day, day], step_h)``."""
    t = _local(t)
    s = pd.Series(v, index=t)
    step_h = float(pd.Series(t).diff().dropna().min() / pd.Timedelta(hours=1)) if len(t) > 1 else 1.0
    day = t.normalize()
    slot = np.round((t - day) / pd.Timedelta(hours=step_h)).astype(int)
    wide = pd.DataFrame({"day": day, "slot": slot, "v": s.to_numpy()}).pivot_table(index="slot", columns="day", values="v")
    return pd.DatetimeIndex(wide.columns), wide.to_numpy(), step_h


def day_hour_heatmap(cat: Catalogue, fid: str, title: str, t, v, unit: str, colorscale: str = "Viridis") -> dict:
    days, z, step_h = day_hour(pd.DatetimeIndex(t), np.asarray(v, dtype=float))
    consecutive = len(days) < 2 or bool((np.diff(days.asi8) == 86_400_000_000_000).all())
    x = ({"x0": days[0].strftime("%Y-%m-%d"), "dx": 86_400_000} if consecutive  # typical days: one column each, dated
         else {"x": [d.strftime("%Y-%m-%d") for d in days], "xtype": "array"})
    tr = {"type": "heatmap", **x, "y0": 0, "dy": step_h, "z": Arr(z, 3),
          "colorscale": colorscale, "colorbar": {"title": {"text": unit}},
          "hovertemplate": f"%{{x|%Y-%m-%d}} %{{y:.2f}} h: %{{z:.3g}} {unit}<extra></extra>"}
    lay = layout(title, cat.t("ch.hour"), cat.t("ch.date"), height=380, hovermode="closest")
    lay["yaxis"].update({"range": [0, 24], "dtick": 3})
    if not consecutive:
        lay["xaxis"] = {"title": {"text": cat.t("ch.date")}, "type": "category"}
    return fig(fid, [tr], lay)


def net_import_heatmap(cat: Catalogue, st: Study) -> dict | None:
    parks = st.table("dispatch_parks", columns=["time", "p_net_import_mw"])
    if parks is None:
        return None
    s = substation(parks)
    return day_hour_heatmap(cat, "chart-heat-net-import", cat.t("ch.heat_net_import"), s.index, s.to_numpy(), cat.t("unit.mw"))


def soc_heatmap(cat: Catalogue, st: Study) -> dict | None:
    p = st.folder / "dispatch_assets.parquet"
    if not p.exists():
        return None
    b = st.table("dispatch_assets", columns=["time", "kind", "soc"], filters=[("kind", "==", "battery")])
    if b is None or b.empty or b["soc"].isna().all():
        return None
    s = b.groupby("time", sort=True)["soc"].mean() * 100
    return day_hour_heatmap(cat, "chart-heat-soc", cat.t("ch.heat_soc"), s.index, s.to_numpy(), "%", "Blues")


def ldc_chart(cat: Catalogue, st: Study, n: int = 400) -> dict | None:
    """Load-duration curve: the substation load sorted high to low against the share of the period [%]
    (``n`` points, quantiles of the sorted series)."""
    cols = ["time", "p_net_import_mw"]
    parks = st.table("dispatch_parks", columns=cols)
    if parks is None:
        return None
    mw = cat.t("unit.mw")
    share = np.linspace(0, 100, n)
    data = []
    for df, key, colour in ((st.table("baseline_parks", columns=cols), "ch.without_project", "#999"),
                            (parks, "ch.with_project", None)):
        if df is None:
            continue
        v = np.sort(substation(df).to_numpy())[::-1]
        y = np.quantile(v, 1 - share / 100, method="linear")
        tr = {"type": "scatter", "mode": "lines", "name": cat.t(key), "x": Arr(share, 3), "y": Arr(y),
              "hovertemplate": f"%{{x:.1f}} %: %{{y:.4g}} {mw}<extra>{cat.t(key)}</extra>"}
        if colour:
            tr["line"] = {"color": colour}
        data.append(tr)
    return fig("chart-ldc", data, layout(cat.t("ch.ldc"), cat.t("ch.net_import_mw"), cat.t("ch.share_time"), date=False))


def typical_days_chart(cat: Catalogue, st: Study) -> dict | None:
    """Mean substation load per step of the day in each season present (project solid, baseline dotted)."""
    cols = ["time", "p_net_import_mw"]
    parks = st.table("dispatch_parks", columns=cols)
    if parks is None:
        return None
    mw = cat.t("unit.mw")
    data = []
    for df, key, dash in ((parks, "ch.with_project", "solid"), (st.table("baseline_parks", columns=cols), "ch.without_project", "dot")):
        if df is None:
            continue
        s = substation(df)
        t = _local(s.index)
        hour = (t - t.normalize()) / pd.Timedelta(hours=1)
        for season, months in SEASONS.items():
            m = np.isin(t.month, months)
            if not m.any():
                continue
            prof = pd.Series(s.to_numpy()[m]).groupby(np.asarray(hour)[m]).mean()
            name = f"{cat.t(f'season.{season}')} – {cat.t(key)}"
            data.append({"type": "scatter", "mode": "lines", "name": name, "x": Arr(prof.index, 4), "y": Arr(prof.to_numpy()),
                         "line": {"dash": dash, "shape": "hv"}, "legendgroup": season,
                         "hovertemplate": f"%{{x:.2f}} h: %{{y:.4g}} {mw}<extra>{name}</extra>"})
    lay = layout(cat.t("ch.typical_days"), cat.t("ch.net_import_mw"), cat.t("ch.hour"), date=False, height=420)
    lay["xaxis"].update({"range": [0, 24], "dtick": 3})
    return fig("chart-typical-days", data, lay)


def monthly_bill(df: pd.DataFrame) -> pd.Series:
    """Bill per month [CNY] over all parks = energy − export revenue + demand charge + power-factor adjustment."""
    bill = df["energy_cost_cny"] - df["export_revenue_cny"] + df["demand_charge_cny"]
    if "power_factor_adjustment_cny" in df:
        bill = bill + df["power_factor_adjustment_cny"].fillna(0.0)
    return bill.groupby(df["month"]).sum()


def monthly_chart(cat: Catalogue, st: Study) -> dict | None:
    m = st.table("monthly")
    if m is None or "run" not in m:
        return None
    scale = 1e6 if cat.lang == "en" else 1e4
    unit = cat.t("unit.big_cny")
    data = []
    for run, key, colour in (("baseline", "ch.without_project", "#aaa"), ("project", "ch.with_project", "#1f77b4")):
        b = monthly_bill(m[m["run"] == run])
        if b.empty:
            continue
        data.append({"type": "bar", "name": cat.t(key), "x": [str(x) for x in b.index], "y": Arr(b.to_numpy() / scale),
                     "marker": {"color": colour}, "hovertemplate": f"%{{x}}: %{{y:.4g}} {unit}<extra>{cat.t(key)}</extra>"})
    lay = layout(cat.t("ch.monthly_bills"), cat.t("ch.money_m"), cat.t("tab.month"), date=False, barmode="group")
    lay["xaxis"]["type"] = "category"
    return fig("chart-monthly", data, lay)


def savings_chart(cat: Catalogue, st: Study) -> dict | None:
    sav = st.data.get("savings_cny")
    if not isinstance(sav, dict) or not sav:
        return None
    scale = 1e6 if cat.lang == "en" else 1e4
    unit = cat.t("unit.big_cny")
    names = [cat.get(f"q.{k}", k) for k in sav]
    vals = np.array([float(v) for v in sav.values()]) / scale
    tr = {"type": "bar", "x": names, "y": Arr(vals), "marker": {"color": ["#2ca02c" if v >= 0 else "#d62728" for v in vals]},
          "hovertemplate": f"%{{x}}: %{{y:.4g}} {unit}<extra></extra>", "name": cat.t("fig.savings")}
    lay = layout(cat.t("ch.savings_by_source"), cat.t("ch.money_m"), date=False)
    lay["xaxis"]["type"] = "category"
    return fig("chart-savings", [tr], lay)


def cash_flow_chart(cat: Catalogue, st: Study) -> dict | None:
    cf = st.table("cash_flow")
    if cf is None:
        return None
    scale = 1e6 if cat.lang == "en" else 1e4
    unit = cat.t("unit.big_cny")
    net = cf["net_cny"].to_numpy() / scale
    data = [{"type": "bar", "name": cat.t("ch.net_cash"), "x": Arr(cf["year"], 4), "y": Arr(net),
             "marker": {"color": ["#2ca02c" if v >= 0 else "#d62728" for v in net]},
             "hovertemplate": f"%{{x}}: %{{y:.4g}} {unit}<extra></extra>"},
            {"type": "scatter", "mode": "lines+markers", "name": cat.t("ch.cum_discounted"), "x": Arr(cf["year"], 4),
             "y": Arr(cf["cumulative_discounted_cny"].to_numpy() / scale), "line": {"color": "black"},
             "hovertemplate": f"%{{x}}: %{{y:.4g}} {unit}<extra></extra>"}]
    return fig("chart-cash-flow", data, layout(cat.t("ch.cash_flow"), cat.t("ch.money_m"), cat.t("ch.year"), date=False))


# demand response ---------------------------------------------------------------------------------------
def dr_event_chart(cat: Catalogue, st: Study, folder, i: int) -> dict | None:
    ts = st.table("dr_timeseries", folder)
    ev = st.data.get(folder.name, {})
    if ts is None:
        return None
    mw = cat.t("unit.mw")
    g = ts.groupby("time", sort=True)
    base, act, cf = g["baseline_mw"].sum(), g["actual_mw"].sum(), g["counterfactual_mw"].sum()
    in_event = g["in_event"].any().to_numpy()
    c = float(sum((ev.get("commitment_mw") or {}).values()))
    lo, hi = (ev.get("band") or [0.5, 1.2])[:2]
    sign = -1.0 if ev.get("kind", "peak_shaving") == "peak_shaving" else 1.0
    b = base.to_numpy()
    edge1 = np.where(in_event, b + sign * lo * c, np.nan)
    edge2 = np.where(in_event, b + sign * hi * c, np.nan)
    data = [line(cat.t("ch.band"), base.index, edge1, mw, line={"width": 0, "shape": "hv"}, showlegend=False, legendgroup="band"),
            line(cat.t("ch.band"), base.index, edge2, mw, line={"width": 0, "shape": "hv"}, fill="tonexty",
                 fillcolor="rgba(44,160,44,0.25)", legendgroup="band"),
            line(cat.t("ch.baseline"), base.index, b, mw, line={"color": "#555", "dash": "dash", "shape": "hv"}),
            line(cat.t("ch.counterfactual"), cf.index, cf.to_numpy(), mw, line={"color": "#999", "dash": "dot", "shape": "hv"}),
            line(cat.t("ch.actual"), act.index, act.to_numpy(), mw, line={"color": "#1f77b4", "width": 2, "shape": "hv"})]
    return fig(f"chart-dr-{i}", data, layout(cat.t("ch.event", event=folder.name), cat.t("ch.power_mw")))


# capacity ------------------------------------------------------------------------------------------------
def _grid_axes(n: int, cols: int = 3, gap: float = 0.06) -> tuple[list[dict], dict[str, Any]]:
    """Domains of ``n`` small-multiple panels on a ``cols``-wide grid: (per-panel axis refs, layout axes)."""
    rows = -(-n // cols)
    w = (1 - gap * (cols - 1)) / cols
    h = (1 - 0.1 * (rows - 1)) / rows
    refs, axes = [], {}
    for k in range(n):
        r, c = divmod(k, cols)
        sx = "" if k == 0 else str(k + 1)
        x0 = c * (w + gap)
        y1 = 1 - r * (h + 0.1)
        axes[f"xaxis{sx}"] = {"domain": [x0, x0 + w], "anchor": f"y{sx}"}
        axes[f"yaxis{sx}"] = {"domain": [max(0.0, y1 - h), y1], "anchor": f"x{sx}", "rangemode": "tozero"}
        refs.append({"xaxis": f"x{sx}", "yaxis": f"y{sx}", "x_mid": x0 + w / 2, "y_top": y1})
    return refs, axes


def capacity_charts(cat: Catalogue, st: Study) -> list[dict]:
    """Per called window: one panel per park plus the district, capacity against duration (P50 line, P10–P90
    band) for both directions."""
    stats = st.table("capacity_stats")
    if stats is None:
        return []
    mw = cat.t("unit.mw")
    out = []
    colours = {"down": ("#1f77b4", "rgba(31,119,180,0.2)"), "up": ("#ff7f0e", "rgba(255,127,14,0.2)")}
    windows = list(dict.fromkeys(stats["window"])) if "window" in stats else [None]
    for wi, window in enumerate(windows):
        s = stats[stats["window"] == window] if window is not None else stats
        parks = list(dict.fromkeys(s["park"]))
        parks = ["district"] + [p for p in parks if p != "district"] if "district" in parks else parks
        refs, axes = _grid_axes(len(parks))
        data, notes = [], []
        for k, park in enumerate(parks):
            ax = refs[k]
            for direction in ("down", "up"):
                g = s[(s["park"] == park) & (s["direction"] == direction)].sort_values("duration_h")
                if g.empty:
                    continue
                col, fill = colours[direction]
                name = cat.t(f"dir.{direction}")
                common = {"xaxis": ax["xaxis"], "yaxis": ax["yaxis"], "legendgroup": direction, "x": Arr(g["duration_h"], 4)}
                data.append({"type": "scatter", "mode": "lines", "y": Arr(g["r_p10_mw"]), "line": {"width": 0}, "showlegend": False,
                             "hoverinfo": "skip", "name": name, **common})
                data.append({"type": "scatter", "mode": "lines", "y": Arr(g["r_p90_mw"]), "line": {"width": 0}, "fill": "tonexty",
                             "fillcolor": fill, "showlegend": False, "name": f"{name} {cat.t('ch.p10_p90')}",
                             "hovertemplate": f"P90 %{{y:.3g}} {mw}<extra></extra>", **common})
                data.append({"type": "scatter", "mode": "lines+markers", "y": Arr(g["r_p50_mw"]), "line": {"color": col},
                             "name": f"{name} {cat.t('ch.p50')}", "showlegend": k == 0,
                             "hovertemplate": f"%{{x}} h: P50 %{{y:.3g}} {mw}<extra>{park}</extra>", **common})
            label = cat.t("ch.district") if park == "district" else park
            notes.append({"text": f"<b>{label}</b>", "xref": "paper", "yref": "paper", "x": ax["x_mid"], "y": ax["y_top"],
                          "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 11}})
        rows = -(-len(parks) // 3)
        lay = layout(cat.t("ch.capacity_window", window=window or ""), date=False, height=230 * rows + 110, hovermode="closest")
        lay.pop("xaxis"), lay.pop("yaxis")
        lay.update(axes)
        lay["annotations"] = notes
        lay["xaxis"]["title"] = {"text": cat.t("ch.duration_h")}
        lay["yaxis"]["title"] = {"text": cat.t("ch.capacity_mw")}
        lay["legend"] = {"orientation": "h", "y": -0.08}
        out.append(fig(f"chart-capacity-{wi}", data, lay))
    best = st.table("capacity_best_hour")
    if best is not None and not best.empty:
        park = "district" if (best["park"] == "district").any() else best["park"].iloc[0]
        data = []
        for (direction, dur), g in best[best["park"] == park].groupby(["direction", "duration_h"]):
            name = f"{cat.t(f'dir.{direction}')}, {dur:g} {cat.t('unit.h')}"
            g = g.sort_values("start_hour")
            data.append({"type": "scatter", "mode": "lines", "name": name, "x": Arr(g["start_hour"], 4), "y": Arr(g["r_p50_mw"]),
                         "line": {"dash": "solid" if direction == "down" else "dot", "shape": "hv"},
                         "hovertemplate": f"%{{x}} h: P50 %{{y:.3g}} {mw}<extra>{name}</extra>"})
        lay = layout(f"{cat.t('ch.district') if park == 'district' else park}: P50 × {cat.t('ch.hour')}", cat.t("ch.capacity_mw"),
                     cat.t("ch.hour"), date=False)
        shapes = []
        for w in st.data.get("windows") or []:
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": w.get("start_h"), "x1": w.get("end_h"), "y0": 0, "y1": 1,
                           "fillcolor": "rgba(214,39,40,0.12)", "line": {"width": 0}, "layer": "below"})
            lay.setdefault("annotations", []).append({"text": f"{cat.t('ch.called_window')} {w.get('label', '')}", "x": w.get("start_h"),
                                                      "xref": "x", "yref": "paper", "y": 1, "showarrow": False, "xanchor": "left"})
        lay["shapes"] = shapes
        lay["xaxis"].update({"range": [0, 24], "dtick": 2})
        out.append(fig("chart-capacity-hour", data, lay))
    return out


# virtual power plant -----------------------------------------------------------------------------------------
def vpp_charts(cat: Catalogue, st: Study) -> list[dict]:
    mw = cat.t("unit.mw")
    out = []
    for i, ins in enumerate(st.data.get("instructions") or []):
        iid = ins.get("id", str(i))
        sp = st.table(f"{iid}_setpoints_parks")
        if sp is not None:
            wide = sp.pivot(index="time", columns="park", values="setpoint_mw")
            data = [line(str(p), wide.index, wide[p].to_numpy(), mw, stackgroup="sp") for p in wide.columns]
            base = sp.groupby("time", sort=True)["baseline_mw"].sum()
            data.append(line(cat.t("ch.baseline"), base.index, base.to_numpy(), mw, line={"color": "black", "dash": "dash", "shape": "hv"}))
            lay = layout(cat.t("ch.setpoints", instruction=iid), cat.t("ch.net_import_mw"))
            if ins.get("date") is not None:
                d = pd.Timestamp(ins["date"])
                lay["shapes"] = [{"type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1, "line": {"width": 0},
                                  "x0": (d + pd.Timedelta(hours=ins["start_h"])).strftime("%Y-%m-%d %H:%M"),
                                  "x1": (d + pd.Timedelta(hours=ins["end_h"])).strftime("%Y-%m-%d %H:%M"),
                                  "fillcolor": "rgba(214,39,40,0.12)", "layer": "below"}]
            out.append(fig(f"chart-setpoints-{i}", data, lay))
        dl = st.table(f"{iid}_delivery")
        if dl is not None:
            data = [line(cat.t("ch.requested"), dl["time"], dl["requested_mw"].to_numpy(), mw, line={"color": "black", "dash": "dash", "shape": "hv"}),
                    line(cat.t("ch.delivered"), dl["time"], dl["delivered_mw"].to_numpy(), mw, line={"color": "#2ca02c", "width": 2, "shape": "hv"})]
            out.append(fig(f"chart-delivery-{i}", data, layout(cat.t("ch.delivery", instruction=iid), cat.t("ch.power_mw"))))
    env = st.table("envelope")
    if env is not None:
        data = [line(cat.t("ch.lower"), env["time"], env["lower_mw"].to_numpy(), mw, line={"width": 1, "shape": "hv", "color": "#1f77b4"}),
                line(cat.t("ch.upper"), env["time"], env["upper_mw"].to_numpy(), mw, fill="tonexty", fillcolor="rgba(31,119,180,0.15)",
                     line={"width": 1, "shape": "hv", "color": "#1f77b4"}),
                line(cat.t("ch.normal"), env["time"], env["normal_mw"].to_numpy(), mw, line={"color": "black", "shape": "hv"})]
        out.append(fig("chart-envelope", data, layout(cat.t("ch.envelope"), cat.t("ch.net_import_mw"))))
    bids = st.table("bids")
    if bids is not None and not bids.empty:
        unit = cat.t("unit.cny_per_mwh")
        tr = {"type": "scatter", "mode": "lines+markers", "name": cat.t("ch.bids"), "x": Arr(bids["offered_mw"]),
              "y": Arr(bids["price_cny_per_mwh"]), "line": {"shape": "vh"},
              "hovertemplate": f"%{{x:.3g}} {mw} @ %{{y:.4g}} {unit}<extra></extra>"}
        out.append(fig("chart-bids", [tr], layout(cat.t("ch.bids"), cat.t("ch.price"), cat.t("ch.offered_mw"), date=False)))
    return out


# sweep ------------------------------------------------------------------------------------------------------
def sweep_params(df: pd.DataFrame) -> list[str]:
    cols = list(df.columns)
    if "sample" in cols and "status" in cols:
        return cols[cols.index("sample") + 1: cols.index("status")]
    return []


def sweep_charts(cat: Catalogue, df: pd.DataFrame) -> list[dict]:
    from vpp.reporting.tables import column_header

    out = []
    ok = df[df["status"] == "ok"] if "status" in df else df
    metrics = [m for m in ("npv_cny", "savings_total_cny", "irr", "substation_peak_mw") if m in ok]
    for pi, param in enumerate(sweep_params(df)):
        if not pd.api.types.is_numeric_dtype(ok[param]):
            continue
        for mi, metric in enumerate(metrics[:2]):
            g = ok.sort_values(param)
            mt = column_header(cat, metric)
            tr = {"type": "scatter", "mode": "lines+markers", "name": mt, "x": Arr(g[param]), "y": Arr(g[metric]),
                  "hovertemplate": f"{param} = %{{x:.4g}}: %{{y:.4g}}<extra></extra>"}
            out.append(fig(f"chart-sweep-{pi}-{mi}", [tr], layout(cat.t("ch.sweep", metric=mt, param=param), mt, param, date=False)))
    return out
