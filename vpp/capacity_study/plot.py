"""Plot of one scope's capacity study: capacity–duration chart per called window.

One panel per called window (named in its title, with the number of days): per direction, the P50 across
days (line), the band from P90 (exceeded on 90 % of the days, the 10th percentile) to P10 (the 90th
percentile), and, thin and dotted, the secondary best hour of the day (highest P50 at any start; never
the headline).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vpp.plots import pyplot

COLOURS = {"down": "#1f6fb4", "up": "#2e9a45"}
LABELS = {"down": "down (peak shaving)", "up": "up (valley filling)"}


def plot_capacity(summary: pd.DataFrame, park: str, meta: dict, path: Path) -> Path:
    """Capacity–duration chart of one scope (``summary`` rows of that scope), one panel per window."""
    plt = pyplot()
    windows = meta["windows"]
    fig, axes = plt.subplots(1, len(windows), figsize=(5.2 * len(windows), 4.2), squeeze=False, sharey=True)
    for ax, w in zip(axes[0], windows):
        for direction in ("down", "up"):
            s = summary[(summary.direction == direction) & (summary.window == w["label"])].sort_values("duration_h")
            if s.empty:
                continue
            c = COLOURS[direction]
            ax.fill_between(s.duration_h, s.r_p90_mw, s.r_p10_mw, color=c, alpha=0.18,
                            label=f"{LABELS[direction]} P90–P10")
            ax.plot(s.duration_h, s.r_p50_mw, "-o", color=c, label=f"{LABELS[direction]} P50")
            ax.plot(s.duration_h, s.r_p90_mw, "--", color=c, lw=1, alpha=0.8)
            if "r_best_p50_mw" in s and s.r_best_p50_mw.notna().any():
                ax.plot(s.duration_h, s.r_best_p50_mw, ":", color=c, lw=1, alpha=0.6,
                        label=f"{direction}: best hour of the day (P50, secondary)")
        ax.set_xlabel("duration held inside the window [h]")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.set_title(f"{park}: called window {w['title']}", fontsize=10)
    axes[0][0].set_ylabel("capacity [MW]")
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.suptitle(f"{meta.get('days_label', '')}; notice {meta.get('notice_h', 0):g} h", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
