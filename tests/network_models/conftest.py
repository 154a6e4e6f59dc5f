"""Shared small scenarios for the network_models tests."""

from __future__ import annotations

import copy

import pytest

from scenarios import from_dict

RADIAL = {
    "name": "mini",
    "network": {
        "kind": "radial_district",
        "substation": {"name": "yh", "n_transformers": 2},
        "feeders": [
            {"name": "f1", "section": 1, "nodes": [
                {"bus": "n1", "length_km": 1.0},
                {"bus": "n2", "length_km": 0.5, "cable_type": "YJV22-8.7/15-3x150"},
            ]},
            {"name": "f2", "section": 2, "cable_type": "YJV22-8.7/15-3x240", "nodes": [
                {"bus": "m1", "length_km": 2.0},
            ]},
        ],
    },
    "parks": [
        {"name": "auto", "connection": {"bus": "n2", "transformer_type": "S13-M-2500/10", "n_transformers": 2},
         "assets": [
             {"kind": "fixed_load", "name": "auto_load", "archetype": "auto_parts_2shift", "p_peak_mw": 1.0},
             {"kind": "pv", "name": "auto_pv", "p_mwp": 0.8},
             {"kind": "battery", "name": "auto_bess", "p_max_mw": 0.5, "e_max_mwh": 1.0},
         ]},
        {"name": "logi", "connection": {"bus": "m1"},
         "assets": [
             {"kind": "fixed_load", "name": "logi_load", "archetype": "cold_chain_logistics", "p_peak_mw": 2.0},
             {"kind": "ev_charging", "name": "logi_ev", "n_chargers": 4, "p_charger_mw": 0.06},
         ]},
    ],
}


def radial_dict() -> dict:
    return copy.deepcopy(RADIAL)


@pytest.fixture
def radial_data() -> dict:
    """A fresh, mutable copy of the radial test scenario dict."""
    return radial_dict()


@pytest.fixture
def radial_scn():
    return from_dict(radial_dict())


@pytest.fixture
def case33_scn():
    return from_dict({
        "name": "c33",
        "network": {"kind": "case33bw"},
        "parks": [{"name": "p18", "connection": {"bus": "bus_18"},
                   "assets": [{"kind": "fixed_load", "name": "l18", "archetype": "data_centre", "p_peak_mw": 0.1}]}],
    })
