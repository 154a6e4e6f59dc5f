"""Charts of a dispatch (run and evaluate folders): substation load, dispatch per park, prices with the
TOU periods, grid heat maps (time × element)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vpp.plots import PERIOD_COLOURS
from vpp.reporting.catalogue import Catalogue
from vpp.reporting.figures import PALETTE, Arr, _local, fig, layout, line, time_x
from vpp.reporting.load import Study


def substation_chart(cat: Catalogue, st: Study) -> dict | None:
    s = st.substation_mw()
    if s is None:
        return None
    mw = cat.t("unit.mw")
    data = [line(cat.t("ch.with_project"), s.index, s.to_numpy(), mw)]
    b = st.substation_mw("baseline_parks")
    if b is not None:
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
