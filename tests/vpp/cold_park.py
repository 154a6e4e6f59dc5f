"""The one-park cold-chain test district shared by the DR and billing tests: one 10 kV feeder, the cold-chain
park behind two S13-M-2000/10 transformers with its operations load and cold rooms (thermal storage)."""

from __future__ import annotations

from typing import Any

from scenarios import from_dict

OPS = {"kind": "fixed_load", "name": "ops", "archetype": "cold_chain_logistics", "p_peak_kw": 800}
ROOMS = {"kind": "thermal_storage", "name": "rooms", "archetype": "cold_chain_logistics", "p_peak_kw": 1000,
         "e_max_kwh": 1500}


def cold_park_scenario(name: str, *, tariff: dict[str, Any], assets: list[dict], dr: dict[str, Any],
                       other_parks: list[dict] = (), days: int = 1):
    """The scenario ``name`` (seed 3, from 2025-07-22, no AC check) with park ``cold`` holding ``assets``
    (in this order), then ``other_parks`` on the same bus."""
    return from_dict({
        "name": name,
        "seed": 3,
        "horizon": {"start": "2025-07-22", "days": days},
        "network": {"kind": "radial_district", "substation": {"n_transformers": 1},
                    "feeders": [{"name": "f1", "nodes": [{"bus": "p_10kv", "length_km": 1.0}]}]},
        "tariff": tariff,
        "ac_check": {"enabled": False},
        "parks": [
            {"name": "cold", "connection": {"bus": "p_10kv", "transformer_type": "S13-M-2000/10", "n_transformers": 2},
             "assets": assets},
            *other_parks,
        ],
        "dr": dr,
    })
