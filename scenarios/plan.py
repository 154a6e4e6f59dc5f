"""Rooftop PV "as planned": size a PV asset on every counted roof of a park from the roof's area.

The scenario's ``plan`` section (:class:`scenarios.roof_schema.Plan`) is applied when the scenario is loaded
(:func:`scenarios.loader.from_dict`), before any study sees it. For each park ``p`` and each roof ``r`` of it
that counts, i.e. ``use_r ∈ plan.uses`` and (``plan.roofs == 'all'`` or ``new_r``):

    p_mwp[r] = area_m2[r] · usable_share[r] · pv_rooftop_share · density_wp_per_m2 · 1e-6 − existing_pv_mwp[r]

[m² · - · - · Wp/m² · MW/W = MWp]. A roof whose existing PV already covers the share (``p_mwp[r] <= 0``) gets
nothing. The park's planned PV is ``Σ_r p_mwp[r]``. Example: 10,000 m² × 0.7 × 0.5 × 120 Wp/m² = 420 kWp.

Each planned roof becomes one asset ``{kind: pv, name: <park>_<roof>_pv, p_mwp, tilt_deg/azimuth_deg of the
roof if given, from_roof: <the figures above>}`` appended to the park's assets; declared assets (PV
included) stay as they are. Applying the plan first removes the PV assets an earlier application created
(those with ``from_roof``), so the resolved scenario written next to results (which holds the plan, the roofs
and the created assets) gives the same assets when loaded again, and an edited plan re-sizes them.
"""

from __future__ import annotations

from typing import Any

from scenarios.roof_schema import Plan, Roof, RoofSizing
from scenarios.schema import Scenario

MAX_NAME = 64  # asset names (scenarios.base.Name)


def counts(plan: Plan, roof: Roof) -> bool:
    """Whether the plan covers this roof (its use is listed, and it is new unless ``roofs: all``)."""
    return roof.use in plan.uses and (plan.roofs == "all" or roof.new)


def sizing(plan: Plan, roof: Roof) -> RoofSizing:
    """The figures the plan sizes a roof's PV from (``RoofSizing.p_mwp`` is the result)."""
    return RoofSizing(roof=roof.name, area_m2=roof.area_m2, usable_share=roof.usable_share,
                      pv_rooftop_share=plan.pv_rooftop_share, density_wp_per_m2=plan.density_wp_per_m2,
                      existing_pv_mwp=roof.existing_pv_mwp, year=plan.year)


def asset_name(park: str, roof: str) -> str:
    return f"{park}_{roof}_pv"


def planned_assets(scn: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Per park name, the PV assets (as scenario mappings) the plan creates; empty without a plan."""
    out: dict[str, list[dict[str, Any]]] = {}
    if scn.plan is None:
        return out
    for park in scn.parks:
        for roof in park.roofs:
            if not counts(scn.plan, roof):
                continue
            s = sizing(scn.plan, roof)
            if s.p_mwp <= 0:
                continue
            a: dict[str, Any] = {"kind": "pv", "name": asset_name(park.name, roof.name), "p_mwp": s.p_mwp,
                                 "from_roof": s.model_dump()}
            for f in ("tilt_deg", "azimuth_deg"):
                if getattr(roof, f) is not None:
                    a[f] = getattr(roof, f)
            out.setdefault(park.name, []).append(a)
    return out


def planned_data(scn: Scenario) -> dict[str, Any]:
    """The scenario as a mapping with the plan applied: PV assets with ``from_roof`` removed, the planned
    ones appended. Validating it (:class:`Scenario`) gives the scenario the studies see."""
    data = scn.model_dump()
    new = planned_assets(scn)
    for pd_ in data["parks"]:
        kept = [a for a in pd_["assets"] if not (a.get("kind") == "pv" and a.get("from_roof") is not None)]
        pd_["assets"] = kept + new.get(pd_["name"], [])
    return data


def check_names(scn: Scenario) -> list[tuple[str, str]]:
    """``(path, message)`` for each planned asset whose name is too long or taken by a declared asset."""
    taken = {a.name for _, a in scn.assets() if not (a.kind == "pv" and getattr(a, "from_roof", None) is not None)}
    out = []
    for park, assets in planned_assets(scn).items():
        for a in assets:
            where = f"parks.{park}.roofs.{a['from_roof']['roof']}"
            if len(a["name"]) > MAX_NAME:
                out.append((where, f"the planned PV asset's name '{a['name']}' is longer than {MAX_NAME} "
                                   "characters: shorten the roof's name"))
            elif a["name"] in taken:
                out.append((where, f"the planned PV asset '{a['name']}' has the name of a declared asset: "
                                   "rename one of them"))
    return out


def summary(scn: Scenario) -> list[dict[str, Any]]:
    """Per park with roofs: roof area counted by the plan [m²] and the planned PV [kWp] (from ``from_roof``
    assets of the scenario as loaded), next to the declared PV [kWp]."""
    rows = []
    for park in scn.parks:
        if not park.roofs:
            continue
        planned = [a for a in park.assets if a.kind == "pv" and getattr(a, "from_roof", None) is not None]
        declared = [a for a in park.assets if a.kind == "pv" and getattr(a, "from_roof", None) is None]
        counted = [r for r in park.roofs if scn.plan is not None and counts(scn.plan, r)]
        rows.append({
            "park": park.name,
            "roofs": len(park.roofs),
            "roof_area_m2": sum(r.area_m2 for r in park.roofs),
            "counted_area_m2": sum(r.area_m2 for r in counted),
            "planned_pv_kwp": 1e3 * sum(a.p_mwp for a in planned),
            "declared_pv_kwp": 1e3 * sum(a.p_mwp for a in declared),
        })
    return rows


def format_summary(scn: Scenario) -> str:
    """The plan and :func:`summary` as a small text table (``vpp validate``)."""
    rows = summary(scn)
    if not rows:
        return ""
    head = ""
    if scn.plan is not None:
        p = scn.plan
        head = (f"rooftop plan {p.year}: {p.pv_rooftop_share:g} of the usable area of {p.roofs} roofs "
                f"({', '.join(p.uses)}) at {p.density_wp_per_m2:g} Wp/m²\n")
    lines = [f"{'park':<18} {'roofs':>5} {'roof m²':>10} {'counted m²':>11} {'planned kWp':>12} {'declared kWp':>13}"]
    for r in rows:
        lines.append(f"{r['park']:<18} {r['roofs']:>5} {r['roof_area_m2']:>10,.0f} {r['counted_area_m2']:>11,.0f} "
                     f"{r['planned_pv_kwp']:>12,.1f} {r['declared_pv_kwp']:>13,.1f}")
    tot = {k: sum(r[k] for r in rows) for k in ("roofs", "roof_area_m2", "counted_area_m2", "planned_pv_kwp",
                                                  "declared_pv_kwp")}
    lines.append(f"{'total':<18} {tot['roofs']:>5} {tot['roof_area_m2']:>10,.0f} {tot['counted_area_m2']:>11,.0f} "
                 f"{tot['planned_pv_kwp']:>12,.1f} {tot['declared_pv_kwp']:>13,.1f}")
    return head + "\n".join(lines)
