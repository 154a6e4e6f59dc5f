"""Rooftop PV "as planned" (scenarios/plan.py): kWp from roof areas by hand, which roofs count, the resolved
scenario round-trips, bad roofs give one error naming park and roof, and the shipped yuhua_plan_2025."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from scenarios import dump, from_dict, load, shipped
from scenarios.plan import summary
from vpp.errors import ScenarioError

BASE = {
    "name": "roofs",
    "network": {"kind": "radial_district", "feeders": [{"name": "f1", "nodes": [{"bus": "b1", "length_km": 1.0}]}]},
    "parks": [{
        "name": "works",
        "connection": {"bus": "b1"},
        "assets": [{"kind": "fixed_load", "name": "works_load", "archetype": "auto_parts_2shift", "p_peak_kw": 1000},
                   {"kind": "pv", "name": "works_old_pv", "p_kwp": 300}],
        "roofs": [
            {"name": "hall_a", "area_m2": 10000, "usable_share": 0.7, "use": "factory", "new": True},
            {"name": "hall_b", "area_m2": 2000, "usable_share": 0.5, "use": "factory", "new": False,
             "existing_pv_kwp": 30},
            {"name": "canteen", "area_m2": 1000, "use": "public", "new": True},
            {"name": "store", "area_m2": 4000, "use": "logistics", "new": True},
            {"name": "shop", "area_m2": 3000, "use": "commercial", "new": True, "tilt_deg": 10, "azimuth_deg": 135},
        ],
    }],
    "plan": {"pv_rooftop_share": 0.5, "density_wp_per_m2": 120},
}


def scenario(plan=None, roofs=None):
    data = copy.deepcopy(BASE)
    if plan is not None:
        data["plan"] = plan
    if roofs is not None:
        data["parks"][0]["roofs"] = roofs
    return from_dict(data)


def planned_kwp(scn) -> dict[str, float]:
    return {a.name: 1e3 * a.p_mwp for _, a in scn.assets() if a.kind == "pv" and a.from_roof is not None}


def test_kwp_from_roof_area_by_hand():
    scn = scenario()
    # new factory and public roofs: 10,000 m² × 0.7 × 0.5 × 120 Wp/m² = 420 kWp; the canteen's default usable
    # share for public roofs is 0.6: 1,000 × 0.6 × 0.5 × 120 = 36 kWp
    assert planned_kwp(scn) == pytest.approx({"works_hall_a_pv": 420.0, "works_canteen_pv": 36.0}, rel=1e-12)
    pv = {a.name: a for _, a in scn.assets() if a.kind == "pv"}
    rec = pv["works_hall_a_pv"].from_roof
    assert (rec.roof, rec.area_m2, rec.usable_share, rec.pv_rooftop_share, rec.density_wp_per_m2, rec.year) == (
        "hall_a", 10000, 0.7, 0.5, 120, 2025)
    assert pv["works_old_pv"].p_mwp == pytest.approx(0.3)  # declared PV stays
    assert [a.name for a in scn.parks[0].assets][-2:] == ["works_hall_a_pv", "works_canteen_pv"]
    row = summary(scn)[0]
    assert row["planned_pv_kwp"] == pytest.approx(456.0) and row["declared_pv_kwp"] == pytest.approx(300.0)
    assert row["counted_area_m2"] == 11000 and row["roof_area_m2"] == 20000


def test_only_listed_uses_and_new_roofs_count():
    # all roofs of every use: hall_b 2,000 × 0.5 × 0.5 × 120 = 60 kWp less the 30 kWp it carries = 30 kWp;
    # store (logistics default 0.7) 4,000 × 0.7 × 0.5 × 120 = 168; shop (commercial 0.6) 3,000 × 0.6 × 0.5 × 120 = 108
    scn = scenario({"pv_rooftop_share": 0.5, "density_wp_per_m2": 120, "roofs": "all",
                    "uses": ["factory", "public", "logistics", "commercial"]})
    assert planned_kwp(scn) == pytest.approx({"works_hall_a_pv": 420.0, "works_hall_b_pv": 30.0,
                                              "works_canteen_pv": 36.0, "works_store_pv": 168.0,
                                              "works_shop_pv": 108.0}, rel=1e-12)
    shop = next(a for _, a in scn.assets() if a.name == "works_shop_pv")
    assert (shop.tilt_deg, shop.azimuth_deg) == (10, 135)  # the roof's orientation
    # new logistics roofs only
    scn = scenario({"pv_rooftop_share": 0.5, "density_wp_per_m2": 120, "uses": ["logistics"]})
    assert planned_kwp(scn) == pytest.approx({"works_store_pv": 168.0})
    # existing PV covering the share: nothing added (hall_b with 60 kWp already on it)
    roofs = [{"name": "hall_b", "area_m2": 2000, "usable_share": 0.5, "use": "factory", "new": False,
              "existing_pv_kwp": 60}]
    assert planned_kwp(scenario({"roofs": "all", "density_wp_per_m2": 120}, roofs)) == {}


def test_year_picks_the_default_density_and_no_plan_adds_nothing():
    plan25 = scenario({"pv_rooftop_share": 0.5})  # 140 Wp/m² (2025)
    plan30 = scenario({"pv_rooftop_share": 0.5, "year": 2030})  # 160 Wp/m²
    assert planned_kwp(plan25)["works_hall_a_pv"] == pytest.approx(10000 * 0.7 * 0.5 * 140 / 1000)
    assert planned_kwp(plan30)["works_hall_a_pv"] == pytest.approx(10000 * 0.7 * 0.5 * 160 / 1000)
    data = copy.deepcopy(BASE)
    del data["plan"]
    assert planned_kwp(from_dict(data)) == {}


def test_resolved_scenario_round_trips_and_an_edited_plan_resizes(tmp_path):
    scn = scenario()
    path = tmp_path / "scenario_resolved.yaml"
    path.write_text(dump(scn), encoding="utf-8")
    again = load(path)
    assert again == scn  # the planned assets are re-created, not added twice
    assert planned_kwp(again) == pytest.approx({"works_hall_a_pv": 420.0, "works_canteen_pv": 36.0})
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["parks"][0]["assets"][2]["from_roof"]["area_m2"] == 10000
    data["plan"]["pv_rooftop_share"] = 0.25  # edited in the resolved file: the plan re-sizes its assets
    assert planned_kwp(from_dict(data))["works_hall_a_pv"] == pytest.approx(210.0)
    # a planned asset whose p_mwp was edited by hand no longer matches its record
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["parks"][0]["assets"][2]["p_mwp"] = 0.5
    with pytest.raises(ScenarioError, match=r"works_hall_a_pv.*p_mwp 0.5 differs from its roof sizing 0.42"):
        from_dict(data)


@pytest.mark.parametrize("roof, where, what", [
    ({"area_m2": -10}, "parks.works.roofs.hall_a.area_m2", "greater than 0"),
    ({"usable_share": 1.2}, "parks.works.roofs.hall_a.usable_share", "less than or equal to 1"),
    ({"colour": "red"}, "parks.works.roofs.hall_a.colour", "unknown key"),
    ({"use": "farm"}, "parks.works.roofs.hall_a.use", "'factory', 'public', 'commercial' or 'logistics'"),
    ({"area_m2": "10000"}, "parks.works.roofs.hall_a", "not a number"),
])
def test_bad_roof_inputs_name_park_and_roof(roof, where, what):
    roofs = [{"name": "hall_a", "area_m2": 10000, "usable_share": 0.7, "use": "factory", "new": True, **roof}]
    with pytest.raises(ScenarioError) as exc:
        scenario(roofs=roofs)
    msg = str(exc.value)
    assert where in msg and what in msg, msg


def test_roof_names_twice_and_planned_name_taken():
    roof = {"name": "hall_a", "area_m2": 100, "use": "factory", "new": True}
    with pytest.raises(ScenarioError, match="park 'works': roof name\\(s\\) hall_a used twice"):
        scenario(roofs=[roof, roof])
    data = copy.deepcopy(BASE)
    data["parks"][0]["assets"][1]["name"] = "works_hall_a_pv"
    with pytest.raises(ScenarioError, match=r"parks.works.roofs.hall_a: the planned PV asset 'works_hall_a_pv' has "
                                            r"the name of a declared asset"):
        from_dict(data)
    with pytest.raises(ScenarioError, match=r"plan: uses \['factory', 'factory'\] lists a use twice"):
        scenario({"uses": ["factory", "factory"]})
    with pytest.raises(ScenarioError, match=r"plan.year"):
        scenario({"year": 2027})


# ------------------------------------------------------------------------------------------- shipped
def test_shipped_plan_scenario_pv_per_park_equals_the_hand_sum_of_its_yaml():
    raw = yaml.safe_load(shipped()["yuhua_plan_2025"].read_text(encoding="utf-8"))
    plan = raw["plan"]
    assert (plan["pv_rooftop_share"], plan["year"], plan["roofs"], plan["uses"]) == (0.5, 2025, "new",
                                                                                     ["factory", "public"])
    share_by_use = {"factory": 0.7, "logistics": 0.7, "public": 0.6, "commercial": 0.6}
    hand = {}
    for park in raw["parks"]:
        hand[park["name"]] = sum(r["area_m2"] * r.get("usable_share", share_by_use[r["use"]]) * 0.5 * 140 / 1000
                                 for r in park.get("roofs", []) if r["new"] and r["use"] in ("factory", "public"))
    scn = load("yuhua_plan_2025")
    got = {r["park"]: r["planned_pv_kwp"] for r in summary(scn)}
    assert got == pytest.approx(hand, rel=1e-12)
    # 24,000 × 0.7 × 0.5 × 140 = 1,176 kWp on the NEV parts plant's new hall; 2,226 kWp in the district
    assert got["nev_parts"] == pytest.approx(1176.0) and sum(got.values()) == pytest.approx(2226.0)
    # the district's network, parks and declared assets are kept
    district = load("yuhua_district")
    assert scn.network == district.network
    # ... but for the data centre as it is (IT + temperature-dependent cooling instead of the fixed
    # it_and_cooling load) and the public building's 光储直柔 annex
    new_kinds = ("data_centre", "dc_building")
    for p_plan, p_dist in zip(scn.parks, district.parks, strict=True):
        assert p_plan.name == p_dist.name
        assert [a for a in p_plan.assets if getattr(a, "from_roof", None) is None and a.kind not in new_kinds] == \
            [a for a in p_dist.assets if a.name != "it_and_cooling"]
    kinds = {a.kind: (p.name, a.name) for p in scn.parks for a in p.assets if a.kind in new_kinds}
    assert kinds == {"data_centre": ("data_centre", "idc"), "dc_building": ("public_building", "annex_pedf")}


def test_sweep_varies_the_plan_and_leaves_planned_assets_to_it():
    from vpp.errors import VppError
    from vpp.evaluation.sweep import apply_updates

    scn = scenario()
    half = apply_updates(scn, {"plan.pv_rooftop_share": 0.25})
    assert planned_kwp(half) == pytest.approx({"works_hall_a_pv": 210.0, "works_canteen_pv": 18.0})
    # a kind target sizes the declared PV only; the planned assets keep their roof sizing
    pv = apply_updates(scn, {"pv.p_kwp": 800})
    assert {a.name: a.p_mwp for _, a in pv.assets() if a.kind == "pv"} == pytest.approx(
        {"works_old_pv": 0.8, "works_hall_a_pv": 0.42, "works_canteen_pv": 0.036})
    data = copy.deepcopy(BASE)
    del data["plan"]
    with pytest.raises(VppError, match="the scenario has no 'plan' section"):
        apply_updates(from_dict(data), {"plan.pv_rooftop_share": 0.25})


def test_with_plan_sets_the_share_or_adds_a_plan():
    from scenarios.loader import with_plan

    scn = scenario()
    assert planned_kwp(with_plan(scn, pv_rooftop_share=0.25)) == pytest.approx(
        {"works_hall_a_pv": 210.0, "works_canteen_pv": 18.0})
    # a year of its own: that year's default density (2030: 160 Wp/m²)
    assert planned_kwp(with_plan(scn, year=2030))["works_hall_a_pv"] == pytest.approx(10000 * 0.7 * 0.5 * 160 / 1e3)
    data = copy.deepcopy(BASE)
    del data["plan"]
    added = with_plan(from_dict(data), pv_rooftop_share=0.5)  # default plan: 140 Wp/m² (2025)
    assert planned_kwp(added) == pytest.approx({"works_hall_a_pv": 490.0, "works_canteen_pv": 42.0})
    with pytest.raises(ScenarioError, match="plan: 1 problem: pv_rooftop_share: Input should be less than or equal to 1"):
        with_plan(scn, pv_rooftop_share=1.5)


def test_cli_validate_prints_the_plan_and_run_reproduces_from_the_resolved_file(tmp_path):
    from click.testing import CliRunner

    from cli import main

    path = tmp_path / "roofs.yaml"
    data = copy.deepcopy(BASE)
    data["parks"][0]["roofs"][0]["area_kwh"] = 1  # a unit alias of nothing: the error names park and roof
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 1 and "parks.works.roofs.hall_a.area_kwh: unknown key" in r.output, r.output
    del data["parks"][0]["roofs"][0]["area_kwh"]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 0, r.output
    assert "rooftop plan 2025: 0.5 of the usable area of new roofs (factory, public) at 120 Wp/m²" in r.output
    assert "works" in r.output and "456.0" in r.output and "300.0" in r.output
    # --plan-pv-share 0.25 halves the planned PV (228 kWp); the resolved file runs to the same figures
    out = tmp_path / "run"
    r = CliRunner().invoke(main, ["run", str(path), "--no-ac", "--json", "--plan-pv-share", "0.25", "--out", str(out)])
    assert r.exit_code == 0, r.output
    k1 = json.loads(r.output)
    resolved = load(out / "scenario_resolved.yaml")
    assert resolved.plan.pv_rooftop_share == 0.25 and planned_kwp(resolved) == pytest.approx(
        {"works_hall_a_pv": 210.0, "works_canteen_pv": 18.0})
    r = CliRunner().invoke(main, ["run", str(out / "scenario_resolved.yaml"), "--no-ac", "--json",
                                  "--out", str(tmp_path / "again")])
    assert r.exit_code == 0, r.output
    k2 = json.loads(r.output)
    assert k2["total_cost_cny"] == pytest.approx(k1["total_cost_cny"], rel=1e-9)
    assert k2["pv_available_mwh"] == pytest.approx(k1["pv_available_mwh"], rel=1e-12)


def test_sizing_replaces_the_plan_and_the_sized_scenario_reloads_to_the_same_pv(tmp_path):
    import pandas as pd

    from vpp.evaluation.sizing import apply_sizes

    scn = scenario()
    table = pd.DataFrame([{"asset": "works_hall_a_pv", "quantity": "pv_mwp", "size": 0.3}])
    sized = apply_sizes(scn, table)
    assert sized.plan is None
    pv = {a.name: a for _, a in sized.assets() if a.kind == "pv"}
    assert pv["works_hall_a_pv"].p_mwp == 0.3 and pv["works_hall_a_pv"].from_roof is None
    assert pv["works_canteen_pv"].from_roof is not None  # not sized: keeps the plan's figures
    path = tmp_path / "sized.yaml"
    path.write_text(dump(sized), encoding="utf-8")
    assert load(path) == sized
