"""``vpp dr`` output: the per-park terminal table, the run folder (atomic) and the baseline plot.

Run folder ``<out>/<event id>/``::

    scenario_resolved.yaml     the scenario with every default filled in
    dr_summary.parquet         park: commitment, baseline, verified response, ratio, payment, penalty,
                               rebound, cost change, net benefit (units in the column names)
    dr_timeseries.parquet      park × step: baseline_mw, counterfactual_mw, actual_mw, verified_mw, in_event
    dr_history.parquet         step of the simulated history × park: net import [MW]
    dispatch_assets_event.parquet, dispatch_assets_no_event.parquet   asset × step dispatch
    dr.json                    event, programme, baseline days, commitments, totals, timings
    dr.png                     baseline vs counterfactual vs actual per park, event window shaded
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

COLUMNS = [
    ("park", "park", "", "{}"),
    ("commitment_mw", "req MW", "", "{:.3f}"),
    ("baseline_mwh", "base MWh", "", "{:.3f}"),
    ("verified_mw", "verif MW", "", "{:.3f}"),
    ("adjustment_factor", "adj k", "", "{:.3f}"),
    ("response_ratio", "ratio", "", "{:.2f}"),
    ("payment_coefficient", "coef", "", "{:.2f}"),
    ("payment_cny", "pay CNY", "", "{:,.0f}"),
    ("penalty_cny", "pen CNY", "", "{:,.0f}"),
    ("rebound_mwh", "rebound MWh", "", "{:.3f}"),
    ("delta_cost_cny", "Δcost CNY", "", "{:,.0f}"),
    ("demand_charge_effect_cny", "Δdemand CNY", "", "{:,.0f}"),
    ("peak_so_far_mw", "so far MW", "", "{:.3f}"),
    ("net_benefit_cny", "net CNY", "", "{:,.0f}"),
]


def event_json(r) -> dict[str, Any]:
    s = r.summary
    p = r.programme
    return {
        "event": r.event.id,
        "programme": p.name,
        "kind": p.kind,
        "notice": p.notice,
        "notice_h": p.notice_hours,
        "date": str(r.event.date),
        "start_h": r.event.start_h,
        "end_h": r.event.end_h,
        "rule": rule_json(r.rule),
        "price_cny_per_mwh": r.price_cny_per_mwh,
        "penalty_cny_per_mwh": r.rule.penalty.price(r.price_cny_per_mwh),
        "band": [r.rule.penalty.below_ratio, r.rule.payment.paid_ratio_max],
        "baseline_days": [str(d) for d in r.baseline_days],
        "commitment_mw": r.commitment_mw,
        "totals": {c: float(s[c].sum()) for c in (
            "commitment_mw", "baseline_mwh", "verified_mwh", "payment_cny", "penalty_cny", "capacity_payment_cny",
            "dr_revenue_cny", "rebound_mwh", "delta_cost_cny", "net_benefit_cny", "demand_charge_effect_cny")},
        "demand_charge_basis": {row["park"]: row["demand_charge_basis"] for row in s.to_dict(orient="records")},
        "parks": s.to_dict(orient="records"),
        "timings_s": {k: round(v, 3) for k, v in r.timings_s.items()},
    }


def rule_json(rule) -> dict[str, Any]:
    """Name, version and the settlement terms of a rule, as written in ``dr.json`` and ``vpp.json``."""
    b = rule.baseline
    return {"name": rule.name, "version": rule.version, "sources": [s.id for s in rule.sources],
            "baseline": {"n_days": b.n_days, "m_days": b.m_days, "aggregate": b.aggregate,
                         "exclude_event_days": b.exclude_event_days,
                         "adjustment": b.adjustment.model_dump(mode="json") if b.adjustment else None},
            "response_measure": rule.response_measure,
            "payment_tiers": [t.model_dump(mode="json") for t in rule.payment.tiers],
            "paid_ratio_max": rule.payment.paid_ratio_max, "penalty_below_ratio": rule.penalty.below_ratio}


def rule_line(rule) -> str:
    """One line naming the rule and its terms (terminal output of ``vpp dr`` and ``vpp aggregate``)."""
    b = rule.baseline
    tiers = ", ".join(f"{t.from_ratio:g}-{'' if t.to_ratio is None else f'{t.to_ratio:g}'}: {t.coefficient:g}"
                      for t in rule.payment.tiers)
    adj = (f"day-of adjustment {b.adjustment.window_h:g} h ending {b.adjustment.gap_h:g} h before, cap "
           f"{b.adjustment.cap[0]:g}-{b.adjustment.cap[1]:g}" if b.adjustment else "no day-of adjustment")
    m = f" of the last {b.m_days}" if b.m_days else ""
    return (f"rule {rule.label}: baseline {b.aggregate} of {b.n_days}{m} similar days, {adj}; response {rule.response_measure}; "
            f"tiers [{tiers}], paid up to {rule.payment.paid_ratio_max:g}, penalty below {rule.penalty.below_ratio:g}")


def event_table(r) -> str:
    """Per-park figures of one event as a plain-text table."""
    p = r.programme
    head = (f"event {r.event.id}: {p.kind} ({p.notice}, notice {p.notice_hours:g} h) {r.event.date} "
            f"{r.event.start_h:05.2f}-{r.event.end_h:05.2f} h, {r.price_cny_per_mwh / 1000:g} CNY/kWh; "
            f"baseline days {', '.join(d.strftime('%m-%d') for d in r.baseline_days)}\n{rule_line(r.rule)}")
    widths = [max(len(h), 11) for _, h, _, _ in COLUMNS]
    widths[0] = max(15, max(len(x) for x in r.summary["park"]))
    lines = [head, "  ".join(h.rjust(w) if i else h.ljust(w) for i, ((_, h, _, _), w) in enumerate(zip(COLUMNS, widths)))]
    lines.append("-" * len(lines[-1]))
    for row in r.summary.to_dict(orient="records") + [_total(r.summary)]:
        cells = []
        for i, ((key, _, _, fmt), w) in enumerate(zip(COLUMNS, widths)):
            v = row.get(key)
            txt = "-" if v is None or (isinstance(v, float) and np.isnan(v)) else fmt.format(v)
            cells.append(txt.rjust(w) if i else txt.ljust(w))
        lines.append("  ".join(cells))
    bases = sorted(set(r.summary["demand_charge_basis"]))
    lines.append("demand charge: " + " | ".join(bases) + " (only the increase above the month so far is charged; "
                 "docs/billing.md)")
    return "\n".join(lines)


def _total(s) -> dict[str, Any]:
    out = {"park": "total"}
    for key in ("commitment_mw", "baseline_mwh", "verified_mw", "payment_cny", "penalty_cny", "rebound_mwh",
                "delta_cost_cny", "demand_charge_effect_cny", "net_benefit_cny"):
        out[key] = float(s[key].sum())
    c = float(s["commitment_mwh"].sum())
    out["response_ratio"] = float(s["verified_mwh"].sum()) / c if c > 0 else float("nan")
    return out


def plot_event(r, path: Path) -> Path:
    """One panel per park: settlement baseline, counterfactual and actual net import, event window shaded."""
    from vpp.plots import pyplot

    plt = pyplot()
    ts = r.timeseries
    n = len(r.parks)
    fig, axes = plt.subplots(n, 1, figsize=(10, 2.2 * n + 0.8), sharex=True, squeeze=False)
    for ax, park in zip(axes[:, 0], r.parks):
        d = ts[ts.park == park]
        t = d["time"].dt.tz_localize(None)
        ev = d["in_event"].to_numpy()
        if ev.any():
            ax.axvspan(t[ev].iloc[0], t[ev].iloc[-1] + (t.iloc[1] - t.iloc[0]), color="#f8c0c0", alpha=0.5, lw=0)
        ax.step(t, d["baseline_mw"], where="post", color="k", ls="--", lw=1, label="settlement baseline")
        ax.step(t, d["counterfactual_mw"], where="post", color="tab:blue", lw=1, label="no event")
        ax.step(t, d["actual_mw"], where="post", color="tab:red", lw=1.3, label="with event")
        ax.set_ylabel(f"{park}\n[MW]", fontsize=8)
        ax.legend(loc="upper left", fontsize=7, ncol=3)
    axes[0, 0].set_title(f"DR event {r.event.id} ({r.programme.kind}): net import per park")
    axes[-1, 0].set_xlabel("local time (Asia/Shanghai)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_event(r, scn, out_dir: Path, csv: bool = False) -> Path:
    """Write one event's folder atomically (hidden sibling first, renamed into place)."""
    from scenarios.loader import dump
    from vpp.outputs import _table, atomic_folder, write_json

    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        (tmp / "scenario_resolved.yaml").write_text(dump(scn), encoding="utf-8")
        _table(r.summary, tmp, "dr_summary", csv)
        _table(r.timeseries, tmp, "dr_timeseries", csv)
        _table(r.history_mw.reset_index(), tmp, "dr_history", csv)
        _table(r.with_event.assets, tmp, "dispatch_assets_event", csv)
        _table(r.no_event.assets, tmp, "dispatch_assets_no_event", csv)
        write_json(tmp / "dr.json", event_json(r))
        plot_event(r, tmp / "dr.png")
    return out_dir


def run_dr(scn, event_ids: list[str] | None, out_dir: Path, csv: bool = False, log=None) -> list[tuple[Any, Path]]:
    """Simulate the events and write one folder per event under ``out_dir``; returns (result, folder) pairs."""
    from vpp.demand_response.event import simulate_events

    out = []
    for r in simulate_events(scn, event_ids, log=log):
        out.append((r, write_event(r, scn, Path(out_dir) / r.event.id, csv=csv)))
    return out
