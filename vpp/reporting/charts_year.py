"""Year views of an evaluation: monthly bills, savings by source, day × hour heat maps, load-duration
curves, typical days per season, cash flow."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vpp.reporting.catalogue import Catalogue
from vpp.reporting.figures import SEASONS, Arr, _local, fig, layout
from vpp.reporting.load import Study


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
    s = st.substation_mw()
    if s is None:
        return None
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
    if st.substation_mw() is None:
        return None
    mw = cat.t("unit.mw")
    share = np.linspace(0, 100, n)
    data = []
    for s, key, colour in ((st.substation_mw("baseline_parks"), "ch.without_project", "#999"),
                           (st.substation_mw(), "ch.with_project", None)):
        if s is None:
            continue
        v = np.sort(s.to_numpy())[::-1]
        y = np.quantile(v, 1 - share / 100, method="linear")
        tr = {"type": "scatter", "mode": "lines", "name": cat.t(key), "x": Arr(share, 3), "y": Arr(y),
              "hovertemplate": f"%{{x:.1f}} %: %{{y:.4g}} {mw}<extra>{cat.t(key)}</extra>"}
        if colour:
            tr["line"] = {"color": colour}
        data.append(tr)
    return fig("chart-ldc", data, layout(cat.t("ch.ldc"), cat.t("ch.net_import_mw"), cat.t("ch.share_time"), date=False))


def typical_days_chart(cat: Catalogue, st: Study) -> dict | None:
    """Mean substation load per step of the day in each season present (project solid, baseline dotted)."""
    if st.substation_mw() is None:
        return None
    mw = cat.t("unit.mw")
    data = []
    for s, key, dash in ((st.substation_mw(), "ch.with_project", "solid"), (st.substation_mw("baseline_parks"), "ch.without_project", "dot")):
        if s is None:
            continue
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
