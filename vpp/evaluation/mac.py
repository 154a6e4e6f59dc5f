"""Marginal abatement cost curve of a sweep over a green/CO2 target (``vpp sweep --size ... --param
carbon.green_share_target=0:0.8:0.1``).

Each point ``i`` of the sweep is the least-cost design meeting target ``i`` (the sizing LP of
:mod:`vpp.evaluation.sizing` with the target as a row: :mod:`vpp.evaluation.green`). With the points ordered
from the loosest to the tightest target, and the design's figures of the sizing LP (weighted to a year):
``cost_i`` = the LP objective [CNY/yr: energy − export + demand + asset costs + annualised capex + green
purchase premium], ``co2_i`` [tCO2/yr], ``share_i`` [0-1]::

    marginal_cost_cny_per_point_i = (cost_i − cost_{i−1}) / (100 · (share_i − share_{i−1}))    [CNY/yr per point]
    mac_cny_per_tco2_i            = (cost_i − cost_{i−1}) / (co2_{i−1} − co2_i)                  [CNY/tCO2]
    abatement_t_i                 = co2_0 − co2_i                                                [tCO2/yr, cumulative]

(NaN for the first point and where the share or CO2 does not move). The curve is plotted as bars: bar ``i``
spans the abatement from ``abatement_{i−1}`` to ``abatement_i`` with height ``mac_i``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TARGET_FIELDS = {"carbon.green_share_target": +1, "carbon.co2_cap_t": -1, "carbon.co2_intensity_cap_kg_per_kwh": -1}
EPS_SHARE = 1e-7
EPS_T = 1e-6


def target_param(params: list[str]) -> str | None:
    """The swept target key when the sweep is over exactly one carbon target (else None)."""
    keys = [p.split("=", 1)[0].strip() for p in params]
    return keys[0] if len(keys) == 1 and keys[0] in TARGET_FIELDS else None


def marginal_costs(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """``df`` with the MAC columns (module docstring) on its ``ok`` rows ordered loosest -> tightest target."""
    out = df.copy()
    for c in ("marginal_cost_cny_per_point", "mac_cny_per_tco2", "abatement_t"):
        out[c] = np.nan
    ok = out[(out["status"] == "ok") & out["design_co2_t"].notna()] if "design_co2_t" in out else out.iloc[0:0]
    if ok.empty:
        return out
    ok = ok.sort_values(key, ascending=TARGET_FIELDS[key] > 0)
    cost = ok["design_annual_cost_cny"].to_numpy(float)
    co2 = ok["design_co2_t"].to_numpy(float)
    share = ok["design_green_share"].to_numpy(float)
    d_cost = np.diff(cost)
    d_share = np.diff(share) * 100.0
    d_co2 = -np.diff(co2)
    per_point = np.where(np.abs(d_share) > EPS_SHARE * 100, d_cost / np.where(d_share == 0, 1, d_share), np.nan)
    mac = np.where(d_co2 > EPS_T, d_cost / np.where(d_co2 == 0, 1, d_co2), np.nan)
    out.loc[ok.index, "abatement_t"] = co2[0] - co2
    out.loc[ok.index[1:], "marginal_cost_cny_per_point"] = per_point
    out.loc[ok.index[1:], "mac_cny_per_tco2"] = mac
    return out


def plot_mac(df: pd.DataFrame, key: str, path: str | Path) -> Path:
    """PNG: (left) marginal abatement cost [CNY/tCO2] as bars over cumulative abatement [tCO2/yr];
    (right) the design's annual cost [CNY/yr] against the green share it reaches."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = df[(df["status"] == "ok") & df["abatement_t"].notna()].sort_values("abatement_t")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    a = ok["abatement_t"].to_numpy(float)
    mac = ok["mac_cny_per_tco2"].to_numpy(float)
    for i in range(1, len(ok)):
        if np.isfinite(mac[i]):
            ax.bar(a[i - 1], mac[i], width=a[i] - a[i - 1], align="edge", color="tab:green", edgecolor="k", lw=0.5)
    ax.set_xlabel("cumulative CO2 abatement vs the loosest target [tCO2/yr]")
    ax.set_ylabel("marginal abatement cost [CNY/tCO2]")
    ax.set_title(f"marginal abatement cost ({key})")
    ax.grid(alpha=0.3)
    ax2.plot(ok["design_green_share"] * 100, ok["design_annual_cost_cny"] / 1e6, "o-", color="tab:blue")
    same = ok.groupby([ok["design_green_share"].round(6), ok["design_annual_cost_cny"].round(0)], sort=False)
    for (_, _), grp in same:  # targets with the same design share one label ("0-0.4")
        vals = grp[key].to_numpy(float)
        lab = f"{vals.min():g}" if len(vals) == 1 else f"{vals.min():g}-{vals.max():g}"
        ax2.annotate(lab, (grp["design_green_share"].iloc[0] * 100, grp["design_annual_cost_cny"].iloc[0] / 1e6),
                     fontsize=7, textcoords="offset points", xytext=(3, 3))
    ax2.set_xlabel("green-power share of the design [%]")
    ax2.set_ylabel("least annual cost [million CNY/yr]")
    ax2.set_title("least-cost design per target (labels: target)")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
