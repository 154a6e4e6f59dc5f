"""Plain-text tables of run results for the terminal."""

from __future__ import annotations

from typing import Any


def _fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        s = f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
    else:
        s = str(v)
    return f"{s} {unit}".rstrip()


ROWS = [
    ("total cost", "total_cost_cny", "CNY"),
    ("  energy", "energy_cost_cny", "CNY"),
    ("  demand charge", "demand_charge_cny", "CNY"),
    ("  capacity charge", "capacity_charge_cny", "CNY"),
    ("  power-factor adjustment", "power_factor_adjustment_cny", "CNY"),
    ("  export revenue", "export_revenue_cny", "CNY"),
    ("  asset costs / penalties", "asset_cost_cny", "CNY"),
    ("smoothing penalty (not billed)", "smoothing_penalty_cny", "CNY"),
    ("grid import", "import_mwh", "MWh"),
    ("grid export", "export_mwh", "MWh"),
    ("substation peak (dispatch)", "substation_peak_mw_dispatch", "MW"),
    ("substation peak (AC)", "substation_peak_mw_ac", "MW"),
    ("PV used / available", ("pv_used_mwh", "pv_available_mwh"), "MWh"),
    ("PV self-consumption", "pv_self_consumption_share", ""),
    ("EV delivered / unmet", ("ev_delivered_mwh", "ev_unmet_mwh"), "MWh"),
    ("battery discharged", "battery_discharged_mwh", "MWh"),
    ("battery power changes", "battery_power_changes", "steps"),
    ("interruptible load cut", "interruptible_curtailed_mwh", "MWh"),
    ("grid CO2", "co2_t", "t"),
    ("voltage min / max", ("vm_min_pu", "vm_max_pu"), "pu"),
    ("max loading line / trafo", ("line_loading_max_percent", "trafo_loading_max_percent"), "%"),
    ("violations V / load / non-conv", ("n_voltage_violations", "n_overloads", "ac_nonconverged_steps"), "step×element"),
    ("AC losses", "losses_mwh", "MWh"),
    ("AC non-converged steps", "ac_nonconverged_steps", ""),
]


def _kind_lines(k: dict[str, Any]) -> list[str]:
    """The data-centre and DC-building sections of the KPIs (docs/data_centre.md, docs/dc_building.md)."""
    out = []
    for name, d in (k.get("data_centre") or {}).items():
        met = "-" if d.get("pue_target_met") is None else ("met" if d["pue_target_met"] else "NOT met")
        out += ["-" * 52, f"data centre {name}: PUE {_fmt(d.get('pue'))} (target {d['pue_target']:g}: {met}; "
                f"{d['hours_above_target']} of {d['hours']} h above)",
                f"  {'IT / cooling / facility':<28} {_fmt(d['it_mwh'])} / {_fmt(d['cooling_mwh'])} / "
                f"{_fmt(d['facility_mwh'])} MWh"]
    for name, d in (k.get("dc_building") or {}).items():
        out += ["-" * 52, f"DC-bus building {name}: converter peak {_fmt(d['converter_peak_mw'])} of "
                f"{d['s_max_mw']:g} MW" + (f", largest deviation from the target {_fmt(d['target_deviation_max_mw'])} MW "
                                          f"(band {d['band_mw']:g})" if "band_mw" in d else ""),
                f"  {'AC import / export':<28} {_fmt(d['import_mwh'])} / {_fmt(d['export_mwh'])} MWh",
                f"  {'DC PV used / load':<28} {_fmt(d['pv_dc_used_mwh'])} / {_fmt(d['load_dc_mwh'])} MWh",
                f"  {'converter losses':<28} {_fmt(d['converter_loss_mwh'])} MWh"]
    return out


def kpi_table(k: dict[str, Any]) -> str:
    lines = [f"{'KPI':<30} value"]
    lines.append("-" * 52)
    for label, key, unit in ROWS:
        if isinstance(key, tuple):
            if not any(x in k for x in key):
                continue
            val = " / ".join(_fmt(k.get(x)) for x in key) + (f" {unit}" if unit else "")
        else:
            if key not in k:
                continue
            val = _fmt(k.get(key), unit)
        lines.append(f"{label:<30} {val}")
    for key, title, fmt in (("peak_import_mw", "peak import per park [MW]", "{:,.3f}"),
                            ("demand_charge_basis", "demand charge basis per park (docs/billing.md)", "{}")):
        per_park = k.get(key) or {}
        if per_park:
            lines.append("-" * 52)
            lines.append(title)
            lines.extend(f"  {park:<28} {fmt.format(v)}" for park, v in per_park.items())
    lines += _kind_lines(k)
    nc = k.get("network_constraints") or {}
    if nc.get("mode") not in (None, "none"):
        lines.append("-" * 52)
        lines.append(f"network constraints ({nc['mode']}): {nc.get('rounds')} round(s) of linearise → solve → AC")
        lines.append(f"  {'AC violations before / after':<28} {nc.get('violations_unconstrained')} / {nc.get('remaining_violations')}")
        lines.append(f"  {'cost without / with grid':<28} {_fmt(nc.get('cost_unconstrained_cny'))} / "
                     f"{_fmt(nc.get('cost_constrained_cny'))} CNY")
        lines.append(f"  {'cost of respecting the grid':<28} {_fmt(nc.get('cost_of_grid_cny'), 'CNY')}")
    inp = k.get("inputs") or {}
    if inp.get("data"):
        lines.append("-" * 52)
        lines.append("measured inputs")
        lines += [f"  {n}" for n in inp["data"]]
    s = k.get("solver") or {}
    if s:
        lines.append("-" * 52)
        lines.append(f"solver: {s.get('termination')}, objective {s.get('objective_cny'):,.0f} CNY, "
                     f"{s.get('n_variables')} variables, solve {s.get('solve_s')} s")
    return "\n".join(lines)
