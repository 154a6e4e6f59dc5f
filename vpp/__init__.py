"""Grid demand-response and virtual power plant simulator for industrial and commercial parks.

The public API (:mod:`vpp.api`, docs/api.md) is importable from here: ``vpp.load_scenario``,
``vpp.run``, ``vpp.evaluate``, ``vpp.capacity``, ``vpp.dr``, ``vpp.aggregate``. They load on first
use, so ``import vpp`` stays light.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

API = ("load_scenario", "run", "evaluate", "capacity", "dr", "aggregate")
__all__ = list(API)


def __getattr__(name: str):
    if name in API:
        return getattr(importlib.import_module("vpp.api"), name)
    raise AttributeError(f"module 'vpp' has no attribute '{name}'")
