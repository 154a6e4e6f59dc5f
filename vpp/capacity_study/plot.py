"""Plot of one scope's capacity study: the capacity-duration curve and capacity by start hour."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vpp.plots import pyplot

COLOURS = {"down": "#1f6fb4", "up": "#2e9a45"}
LABELS = {"down": "down (peak shaving)", "up": "up (valley filling)"}


def plot_capacity(stats: pd.DataFrame, summary: pd.DataFrame, park: str, meta: dict, path: Path) -> Path:
    """Left: MW held vs duration at the best start hour (P50 solid, P90 dashed), per direction.
    Right: P50 [MW] by start hour, one line per duration (down solid, up dotted)."""
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    for direction in ("down", "up"):
        s = summary[summary.direction == direction].sort_values("duration_h")
        if s.empty:
            continue
        c = COLOURS[direction]
        ax1.plot(s.duration_h, s.r_p50_mw, "-o", color=c, label=f"{LABELS[direction]} P50")
        ax1.plot(s.duration_h, s.r_p90_mw, "--s", color=c, alpha=0.7, label=f"{LABELS[direction]} P90")
    ax1.set_xlabel("duration held [h]")
    ax1.set_ylabel("capacity [MW]")
    ax1.set_ylim(bottom=0)
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    ax1.set_title(f"{park}: capacity-duration curve (best start hour)")
    durations = sorted(stats.duration_h.unique())
    cmap = plt.get_cmap("viridis", max(len(durations), 2))
    for i, d in enumerate(durations):
        for direction, style in (("down", "-"), ("up", ":")):
            s = stats[(stats.duration_h == d) & (stats.direction == direction)].sort_values("start_hour")
            if not s.empty:
                ax2.plot(s.start_hour, s.r_p50_mw, style, color=cmap(i), drawstyle="steps-post",
                         label=f"{d:g} h" if direction == "down" else None)
    ax2.set_xlabel("start hour (local)")
    ax2.set_ylabel("P50 capacity [MW]  (down solid, up dotted)")
    ax2.set_xlim(0, 24)
    ax2.set_xticks(range(0, 25, 3))
    ax2.set_ylim(bottom=0)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8, title="duration")
    ax2.set_title(f"{meta.get('day', '')}, {meta.get('samples', 1)} sample(s), notice {meta.get('notice_h', 0):g} h")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
