"""The smallest result folder of each report kind, built through the public API (``vpp.api``) as the CLI does.

| kind | what is run (CLI equivalent) |
|---|---|
| run | ``vpp run single_park --days 1`` (with the AC check: power-flow tables) |
| evaluate | ``vpp evaluate single_park --year 2025 --representative-days 2 --no-floating-sensitivity`` (cash flow, monthly bills) |
| dr | ``vpp dr yuhua_district --event peak_0722_real_time`` (Hunan rule file, similar-day history) |
| aggregate | ``vpp aggregate`` of a two-park one-feeder VPP (instruction, settlement, bids, envelope, admission; AC on) |
| capacity | ``vpp capacity single_park --durations 1,2 --samples 2 --jobs 1`` (P50/P90, best hour) |
| sweep | ``vpp sweep single_park --param bess.e_max_kwh=1000,2000 --representative-days 2 --scheduler sequential`` |

``build(kind, folder)`` writes into ``folder`` and returns the path a report is made from: the run,
evaluate and capacity folders themselves, the one event / VPP sub-folder of dr and aggregate, the sweep
table. Each takes 2-8 s of CPU, 29 s for all six with the imports (``tests/browser/README.md``).
"""

from __future__ import annotations

from pathlib import Path

KINDS = ("run", "evaluate", "dr", "capacity", "aggregate", "sweep")
DR_EVENT = "peak_0722_real_time"


def vpp_district():
    """Two parks on one 10 kV feeder in one VPP: a data-centre load with a 2 MW / 20 MWh battery and a stiff
    load; one 1.5 MW reduction instruction 18-20 h on 2025-07-22 (as tests/vpp/test_vpp_aggregate.py)."""
    from scenarios import from_dict

    def park(name, bus, p_peak_mw, battery):
        assets = [{"kind": "fixed_load", "name": f"{name}_load", "archetype": "data_centre", "p_peak_mw": p_peak_mw,
                   "noise_std_pu": 0}]
        if battery:
            assets.append({"kind": "battery", "name": f"{name}_bess", "p_max_mw": 2.0, "e_max_mwh": 20.0,
                           "degradation_cost_cny_per_mwh": 50})
        return {"name": name, "connection": {"bus": bus, "p_import_max_mw": 30}, "assets": assets}

    return from_dict({
        "name": "vpp_case", "seed": 1, "horizon": {"start": "2025-07-22", "days": 1},
        "network": {"kind": "radial_district", "feeders": [{"name": "f1", "cable_type": "YJV22-8.7/15-3x400", "nodes": [
            {"bus": "b1", "length_km": 0.5}, {"bus": "b2", "length_km": 0.5}]}]},
        "tariff": {"billing": "single_part"},
        "ac_check": {"enabled": True},
        "parks": [park("flex", "b1", 4.0, True), park("stiff", "b2", 1.0, False)],
        "vpps": [{"name": "v", "parks": ["flex", "stiff"], "baseline": "counterfactual", "price_cny_per_mwh": 2000,
                  "penalty_cny_per_mwh": 2000, "aggregator_share": 0.2,
                  "instructions": [{"id": "i1", "date": "2025-07-22", "start_h": 18, "end_h": 20, "reduce_mw": 1.5}]}],
    })


def build(kind: str, folder: Path) -> Path:
    """Run the smallest study of ``kind`` into ``folder`` (created) and return what the report reads."""
    from vpp import api

    folder = Path(folder)
    if kind == "run":
        api.run("single_park", days=1, out_dir=folder)
        return folder
    if kind == "evaluate":
        api.evaluate("single_park", year=2025, representative_days=2, floating_sensitivity=False, out_dir=folder)
        return folder
    if kind == "capacity":
        api.capacity("single_park", durations="1,2", samples=2, jobs=1, out_dir=folder)
        return folder
    if kind == "dr":
        api.dr("yuhua_district", events=[DR_EVENT], out_dir=folder)
        return folder / DR_EVENT
    if kind == "aggregate":
        api.aggregate(vpp_district(), out_dir=folder)
        return folder / "v"
    if kind == "sweep":
        from scenarios import load
        from vpp.evaluation.sweep import sweep

        folder.mkdir(parents=True, exist_ok=True)
        sweep(load("single_park"), ["bess.e_max_kwh=1000,2000"], folder / "sweep.parquet", scheduler="sequential",
              eval_kwargs={"representative_days": 2})
        return folder / "sweep.parquet"
    raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")
