"""The asset plug-in contract.

Model assembly never imports a concrete asset module: it loops over the kinds registered here. An asset
kind is one module (``vpp/assets/<kind>.py``) holding a subclass of :class:`AssetBlock` decorated with
:func:`register`. Adding a kind touches that file, its spec in ``scenarios/schema.py`` and one import
line in ``vpp/assets/__init__.py``.

Each block is vectorised over all assets of its kind × time, lives in its own Pyomo ``Block`` named
after the kind, and offers:

``build(b)``
    variables, parameters and constraints;
``injection_mw(b, asset, t)``
    the asset's active-power injection into the park bus [MW] at step ``t`` (positive = into the grid);
``exportable_mw(b, asset, t)``
    the part of the injection the park may export (PV output; 0 by default);
``injection_range(asset)``
    lowest and highest injection per step ignoring time coupling (names what makes a model infeasible);
``cost_cny(b)``
    the block's own cost term [CNY] (curtailment, degradation, compensation, penalties);
``fix_baseline(b)``
    fixes the decisions to the no-optimisation rule (``vpp run --strategy baseline``);
``results(b)``
    a DataFrame with columns ``asset``, ``t``, ``p_inject_mw``, ``q_inject_mvar`` and kind-specific
    columns carrying their unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd


@dataclass
class AssetInput:
    """One asset as the optimiser sees it: its park, its validated spec and its profiles."""

    name: str
    park: str
    spec: Any
    profile: dict[str, Any] = field(default_factory=dict)


class AssetBlock:
    """Base class of an asset kind's Pyomo block (see module docstring)."""

    kind: ClassVar[str] = ""

    def __init__(self, assets: list[AssetInput], data: "Any"):
        self.assets = assets
        self.data = data
        self.names = [a.name for a in assets]
        self.by_name = {a.name: a for a in assets}

    # -- contract -------------------------------------------------------------------------------
    def build(self, b) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def injection_mw(self, b, asset: str, t: int):  # pragma: no cover - interface
        raise NotImplementedError

    def injection_range(self, asset: str) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - interface
        """Lowest and highest injection [MW] per step, ignoring time coupling (for diagnosis)."""
        raise NotImplementedError

    def exportable_mw(self, b, asset: str, t: int):
        """Part of the injection that may be exported to the grid [MW] (own generation only).

        Energy bought from the grid and sold back (battery or EV arbitrage against the PV export
        price) is not allowed: the park's export is bounded by the sum of its assets' exportable power.
        """
        return 0.0

    def cost_cny(self, b):
        return 0.0

    def fix_baseline(self, b) -> None:
        return None

    def results(self, b) -> pd.DataFrame:  # pragma: no cover - interface
        raise NotImplementedError

    def update(self, b, data: "Any") -> None:
        """Load the next rolling window's inputs (same number of steps) into the built block.

        ``data`` is the window's ModelData; its assets carry the window's profiles (and state, e.g.
        ``e_init_mwh`` of a battery). Only mutable parameters and variable bounds may change, so the
        persistent solver updates the model instead of rebuilding it (see vpp/evaluate.py).
        """
        raise NotImplementedError(f"asset kind '{self.kind}' cannot be used in a rolling-horizon evaluation yet")

    def _reload(self, data: "Any") -> None:
        """Point the block at a new window's data (helper for ``update``)."""
        self.data = data
        self.assets = data.assets.get(self.kind, [])
        self.by_name = {a.name: a for a in self.assets}

    # -- helpers for subclasses -----------------------------------------------------------------
    @staticmethod
    def values(var, names: list[str], n_t: int) -> np.ndarray:
        """Values of a Var indexed by (asset, t) as an array [len(names), n_t] (0 where unset)."""
        vals = var.extract_values()
        out = np.zeros((len(names), n_t))
        pos = {n: i for i, n in enumerate(names)}
        for (a, t), v in vals.items():
            if v is not None:
                out[pos[a], t] = v
        return out

    @staticmethod
    def frame(names: list[str], n_t: int, **columns: np.ndarray) -> pd.DataFrame:
        """Long table from arrays shaped [len(names), n_t]."""
        df = pd.DataFrame(
            {"asset": np.repeat(np.array(names, dtype=object), n_t), "t": np.tile(np.arange(n_t), len(names))}
        )
        for col, arr in columns.items():
            df[col] = np.asarray(arr, dtype=float).reshape(-1)
        return df


REGISTRY: dict[str, type[AssetBlock]] = {}


def register(cls: type[AssetBlock]) -> type[AssetBlock]:
    """Class decorator: make an asset kind known to model assembly."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    REGISTRY[cls.kind] = cls
    return cls
