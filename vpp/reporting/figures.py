"""Plotly figure specs as plain dicts (``{"id", "data", "layout"}``), drawn in the page by ``Plotly.newPlot``:
the building blocks shared by every chart.

Whole-period series: a uniform time series is written as ``x0`` + ``dx`` (milliseconds, date axis, local
time of the scenario) and its values as 4 significant digits (:class:`Arr`), so a year of 15-min steps
(35,040 points) costs about 250 kB per line. No WebGL traces (``scattergl``/``heatmapgl``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
