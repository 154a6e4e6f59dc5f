"""Charts of the event studies: DR events (baseline, actual, paid band), capacity by duration (small
multiples per park, P50 line and P10–P90 band, called window marked), VPP set-points and delivery, sweeps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vpp.reporting.catalogue import Catalogue
from vpp.reporting.figures import Arr, fig, layout, line
from vpp.reporting.load import Study


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
