"""``vpp aggregate`` output: terminal tables, JSON, plots and the atomic run folder.

Folder ``<out>/<vpp>/``::

    scenario_resolved.yaml         the scenario with every default filled in
    vpp.json                       members, per instruction: delivery, settlement, comparison, AC;
                                   bid window, envelope check, admission with figures per called window, timings
    <id>_delivery.parquet          window step: requested, delivered, shortfall, baseline/normal/actual sums [MW]
    <id>_setpoints_parks.parquet   park × step: baseline, normal, set-point net import, response [MW]
    <id>_setpoints_assets.parquet  asset × step: set-point and normal injection, change [MW]
    <id>_settlement_parks.parquet  park: allocation, verified response, compensation, penalty, net, Δcost
    <id>_comparison.parquet        mode (joint | alone | prorata): dispatch cost, compensation, penalty, net
    <id>_delivery.png              requested vs delivered at the substation, stacked park responses
    bids.parquet, bids.csv, bids.png          offered MW per price (CNY/kWh)
    envelope.parquet, envelope.png            lower/upper/normal summed net import per step
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _fmt_table(rows: list[dict], cols: list[tuple[str, str, str]]) -> str:
    widths = [max(len(h), 10) for _, h, _ in cols]
    if rows:
        widths[0] = max(widths[0], max(len(str(r.get(cols[0][0], ""))) for r in rows))
    head = "  ".join(h.rjust(w) if i else h.ljust(w) for i, ((_, h, _), w) in enumerate(zip(cols, widths)))
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = []
        for i, ((k, _, f), w) in enumerate(zip(cols, widths)):
            v = r.get(k)
            txt = "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f.format(v)
            cells.append(txt.rjust(w) if i else txt.ljust(w))
        lines.append("  ".join(cells))
    return "\n".join(lines)


def vpp_text(r) -> str:
    """Terminal report of one VPP."""
    out = [f"VPP {r.vpp.name}: {len(r.members)} parks ({', '.join(r.members)}), aggregator share {r.vpp.aggregator_share:g}, "
           f"network limits: {r.vpp.network_limits}"]
    for ir in r.instructions:
        q, s = ir.request, ir.settlement
        out.append(f"\ninstruction {q.id}: {s['kind']} {q.date} {q.start_h:05.2f}-{q.end_h:05.2f} h, requested "
                   f"{s['requested_mw']:.3f} MW ({s['requested_mwh']:.3f} MWh), {q.terms.price_cny_per_mwh / 1000:g} CNY/kWh, "
                   f"band {q.terms.band[0]:g}-{q.terms.band[1]:g}")
        if q.terms.rule is not None:
            from vpp.demand_response.report import rule_line

            out.append(f"  {rule_line(q.terms.rule)}; payment coefficient {s['payment_coefficient']:g}")
        out.append(f"  delivered {s['delivered_mwh']:.3f} MWh (verified {s['verified_mwh']:.3f}, ratio {s['delivery_ratio']:.2f}), "
                   f"shortfall {s['shortfall_mwh']:.3f} MWh (max {s['shortfall_max_mw']:.3f} MW)")
        out.append(f"  compensation {s['compensation_cny']:,.0f} CNY − penalty {s['penalty_cny']:,.0f} CNY = parks "
                   f"{s['parks_cny']:,.0f} + aggregator {s['aggregator_cny']:,.0f} CNY")
        if ir.ac:
            out.append(f"  AC check of the joint dispatch: {ir.ac['n_violations']} violation(s), "
                       f"vm {ir.ac['vm_min_pu']:.3f}-{ir.ac['vm_max_pu']:.3f} pu")
        out.append(_fmt_table(ir.settlement_parks.to_dict(orient="records"), [
            ("park", "park", "{}"), ("allocation_mw", "alloc MW", "{:.3f}"), ("verified_mw", "verif MW", "{:.3f}"),
            ("response_ratio", "ratio", "{:.2f}"), ("compensation_cny", "comp CNY", "{:,.0f}"),
            ("penalty_cny", "pen CNY", "{:,.0f}"), ("delta_dispatch_cost_cny", "Δcost CNY", "{:,.0f}"),
            ("demand_charge_effect_cny", "Δdemand CNY", "{:,.0f}"), ("peak_so_far_mw", "so far MW", "{:.3f}"),
            ("net_benefit_cny", "net CNY", "{:,.0f}")]))
        if s.get("demand_charge_basis"):
            out.append(f"  demand charge: {s['demand_charge_basis']} (only the increase is charged; docs/billing.md)")
        out.append(_fmt_table(ir.comparison.to_dict(orient="records"), [
            ("mode", "mode", "{}"), ("dispatch_cost_cny", "cost CNY", "{:,.0f}"), ("compensation_cny", "comp CNY", "{:,.0f}"),
            ("penalty_cny", "pen CNY", "{:,.0f}"), ("net_cost_cny", "net CNY", "{:,.0f}"), ("delivered_mwh", "deliv MWh", "{:.3f}")]))
        out.append(f"  value of aggregation (alone − joint): {s['value_of_aggregation_cny']:,.0f} CNY; "
                   f"vs naive pro-rata split: {s['value_vs_prorata_cny']:,.0f} CNY")
    if r.bids is not None:
        w = r.bid_window
        out.append(f"\nbid curve ({w['kind']}, {w['date']} {w['start_h']:05.2f}-{w['end_h']:05.2f} h; parks paid (1 − share) × price)")
        out.append(_fmt_table(r.bids.to_dict(orient="records"), [
            ("price_cny_per_kwh", "CNY/kWh", "{:.2f}"), ("offered_mw", "offer MW", "{:.3f}"), ("offered_mwh", "offer MWh", "{:.3f}")]))
    if r.envelope is not None:
        e, c = r.envelope, r.envelope_check
        out.append(f"\nflexibility envelope: summed net import band {e.band_mw.min():.2f}-{e.band_mw.max():.2f} MW wide; "
                   f"widest at {c['time']}: [{c['lower_mw']:.2f}, {c['upper_mw']:.2f}] MW")
        for n in ("lower", "upper"):
            ac = c.get(f"{n}_ac")
            out.append(f"  dispatch to the {n} bound: feasible, reached {c[f'{n}_reached_mw']:.3f} MW"
                       + (f", AC violations {ac['n_violations']}" if ac else ""))
    if r.admission is not None:
        a = r.admission
        out.append(f"\nadmission ({a['source']}): {'PASS' if a['passed'] else 'FAIL'} on {a['date']}, callable capacity "
                   f"held {a['hold_h']:g} h at any start of each called window ({a['grid_limits']})")
        for c in a["checks"]:
            out.append(f"  {'pass' if c['passed'] else 'FAIL'}  {c['rule']}: {c['value']:.3f} {c['unit']} (limit {c['limit']:g})")
        out.append(_fmt_table(a["windows"], [
            ("window", "window", "{}"), ("capacity_down_mw", "down MW", "{:.3f}"), ("capacity_down_start_h", "from h", "{:g}"),
            ("capacity_up_mw", "up MW", "{:.3f}"), ("capacity_up_start_h", "from h", "{:g}"),
            ("regulating_capacity_mw", "up+down MW", "{:.3f}"), ("normal_load_mw", "load MW", "{:.3f}"),
            ("capacity_share", "down/load", "{:.3f}"), ("passed", "passed", "{}")]))
        out.append(f"  binding window {a['window']}: down {a['capacity_down_mw']:.3f} MW + up {a['capacity_up_mw']:.3f} MW; "
                   f"normal load = {a['normal_load_definition']}")
        t = a["capability_test"]
        out.append(f"  capability test: {t['requested_mw']:.3f} MW for {t['duration_h']:g} h from {t['start_h']:g} h, "
                   f"delivered ratio {t['delivery_ratio']:.3f}")
    return "\n".join(out)


def vpp_json(r) -> dict[str, Any]:
    return {
        "vpp": r.vpp.name, "parks": r.members, "aggregator_share": r.vpp.aggregator_share, "network_limits": r.vpp.network_limits,
        "instructions": [{
            "id": ir.request.id, "date": str(ir.request.date), "start_h": ir.request.start_h, "end_h": ir.request.end_h,
            "settlement": ir.settlement, "parks": ir.settlement_parks.to_dict(orient="records"),
            "comparison": ir.comparison.to_dict(orient="records"), "ac_check": ir.ac, "network_rounds": ir.network_rounds,
        } for ir in r.instructions],
        "bid_window": r.bid_window,
        "bids": r.bids.to_dict(orient="records") if r.bids is not None else None,
        "envelope_check": r.envelope_check,
        "admission": r.admission,
        "timings_s": {k: round(v, 3) for k, v in r.timings_s.items()},
    }


def _plt():
    from vpp.plots import pyplot

    return pyplot()


def plot_bids(r, path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    b = r.bids
    ax.step(b.offered_mw, b.price_cny_per_kwh, where="post", marker="o")
    ax.set_xlabel("offered response [MW]")
    ax.set_ylabel("compensation price [CNY/kWh]")
    ax.set_title(f"VPP {r.vpp.name}: bid curve")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_envelope(r, path: Path) -> None:
    plt = _plt()
    e = r.envelope
    t = e.time.dt.tz_localize(None)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.fill_between(t, e.lower_mw, e.upper_mw, step="post", alpha=0.3, label="reachable band (each step alone)")
    ax.step(t, e.normal_mw, where="post", color="k", lw=1, label="normal dispatch")
    ax.set_ylabel("members' net import [MW]")
    ax.set_title(f"VPP {r.vpp.name}: flexibility envelope")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_delivery(ir, path: Path) -> None:
    plt = _plt()
    d = ir.delivery
    sp = ir.setpoints_parks[ir.setpoints_parks.in_window]
    t = d.time.dt.tz_localize(None)
    fig, ax = plt.subplots(figsize=(8, 4))
    piv = sp.pivot(index="time", columns="park", values="response_mw")
    bottom_pos = np.zeros(len(piv))
    bottom_neg = np.zeros(len(piv))
    width = (t.iloc[1] - t.iloc[0]) * 0.9 if len(t) > 1 else 0.01
    for p in piv.columns:
        v = piv[p].to_numpy()
        pos, neg = np.clip(v, 0, None), np.clip(v, None, 0)
        ax.bar(t, pos, bottom=bottom_pos, width=width, align="edge", label=p)
        ax.bar(t, neg, bottom=bottom_neg, width=width, align="edge", color=ax.patches[-1].get_facecolor())
        bottom_pos += pos
        bottom_neg += neg
    ax.step(list(t) + [t.iloc[-1] + width / 0.9], list(d.requested_mw) + [d.requested_mw.iloc[-1]], where="post", color="k", lw=2, label="requested")
    ax.set_ylabel("response at the substation [MW]")
    ax.set_title(f"instruction {ir.request.id}: per-park response")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_vpp(r, scn, out_dir: Path, csv: bool = False) -> Path:
    """Write one VPP's folder atomically (hidden sibling first, renamed into place)."""
    from scenarios.loader import dump
    from vpp.outputs import _table, atomic_folder, write_json

    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        (tmp / "scenario_resolved.yaml").write_text(dump(scn), encoding="utf-8")
        for ir in r.instructions:
            i = ir.request.id
            _table(ir.delivery, tmp, f"{i}_delivery", csv)
            _table(ir.setpoints_parks, tmp, f"{i}_setpoints_parks", csv)
            _table(ir.setpoints_assets, tmp, f"{i}_setpoints_assets", csv)
            _table(ir.settlement_parks, tmp, f"{i}_settlement_parks", csv)
            _table(ir.comparison, tmp, f"{i}_comparison", csv)
            plot_delivery(ir, tmp / f"{i}_delivery.png")
        if r.bids is not None:
            _table(r.bids, tmp, "bids", True)
            plot_bids(r, tmp / "bids.png")
        if r.envelope is not None:
            _table(r.envelope, tmp, "envelope", csv)
            plot_envelope(r, tmp / "envelope.png")
        write_json(tmp / "vpp.json", vpp_json(r))
    return out_dir
