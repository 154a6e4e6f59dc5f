"""Plots of a run (matplotlib, Agg backend: no screen needed).

matplotlib is imported on the first plot (:func:`pyplot`), not when this module is imported: commands that
draw nothing do not pay for it.
"""

from __future__ import annotations

import functools
from pathlib import Path

#: the report font (subset of Noto Sans CJK SC, SIL OFL 1.1; vpp/data/fonts/make_subset.py): Chinese labels in PNGs
CJK_FONT = Path(__file__).resolve().parent / "data" / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
CJK_FONT_NAME = "Noto Sans CJK SC"

PERIOD_COLOURS = {"valley": "#d8ecd8", "flat": "#f4f4f4", "peak": "#fde2c8", "critical": "#f8c0c0"}


@functools.cache
def pyplot():
    """``matplotlib.pyplot`` with the Agg backend (no screen needed), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    # Chinese glyphs: the shipped CJK subset as fallback after the default Latin font (no empty boxes)
    if CJK_FONT.exists():
        font_manager.fontManager.addfont(str(CJK_FONT))
        family = [f for f in matplotlib.rcParams["font.family"] if f != CJK_FONT_NAME]
        matplotlib.rcParams["font.family"] = family + [CJK_FONT_NAME]  # per-glyph fallback (matplotlib >= 3.6)
    return plt


def _shade_periods(ax, times, periods) -> None:
    start = 0
    for i in range(1, len(periods) + 1):
        if i == len(periods) or periods[i] != periods[start]:
            end = times[i] if i < len(times) else times[-1] + (times[-1] - times[-2])
            ax.axvspan(times[start], end, color=PERIOD_COLOURS.get(periods[start], "white"), lw=0, zorder=0)
            start = i


def plot_dispatch(result, path: Path) -> Path:
    """Three panels: net import per park (stacked), TOU price, and the AC voltage band."""
    plt = pyplot()
    parks = result.dispatch.parks
    wide = parks.pivot(index="time", columns="park", values="p_net_import_mw")
    price = parks.drop_duplicates("time").set_index("time")
    n = 3 if result.ac is not None else 2
    fig, axes = plt.subplots(n, 1, figsize=(11, 2.6 * n + 1), sharex=True)
    times = wide.index.tz_localize(None)
    periods = price["period"].tolist() if "period" in price else []
    ax = axes[0]
    if periods:
        _shade_periods(ax, times, periods)
    pos = wide.clip(lower=0)
    ax.stackplot(times, pos.T.to_numpy(), labels=list(wide.columns), step="post", alpha=0.85)
    neg = wide.clip(upper=0)
    if (neg < 0).any().any():
        ax.stackplot(times, neg.T.to_numpy(), step="post", alpha=0.5)
    ax.set_ylabel("net import [MW]")
    ax.set_title(f"{result.scenario.name}: {result.dispatch.strategy} dispatch")
    ax.legend(loc="upper left", fontsize=7, ncol=4)
    ax = axes[1]
    if periods:
        _shade_periods(ax, times, periods)
    ax.step(times, price["price_cny_per_mwh"].to_numpy(), where="post", color="k")
    ax.set_ylabel("price [CNY/MWh]")
    if result.ac is not None:
        s = result.ac.summary
        ax = axes[2]
        t = s.index.tz_localize(None)
        ax.fill_between(t, s["vm_min_pu"], s["vm_max_pu"], step="post", alpha=0.4, label="range of 10 kV / 0.4 kV buses")
        lim = result.prepared.grid
        ax.axhline(lim.vm_min_pu, color="r", ls="--", lw=0.8)
        ax.axhline(lim.vm_max_pu, color="r", ls="--", lw=0.8)
        ax.set_ylabel("voltage [pu]")
        ax.legend(loc="upper left", fontsize=7)
    axes[-1].set_xlabel("local time (Asia/Shanghai)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
