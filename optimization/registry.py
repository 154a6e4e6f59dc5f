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
    the block's own cost term [CNY] (curtailment, degradation, compensation, penalties), including the
    smoothing term of a block that declares one with :meth:`AssetBlock.smooth` (:mod:`optimization.smoothing`:
    ``w · sum |p[a,t] - p[a,t-1]|``, in the objective but not in the bill; ``smoothing_penalty_cny(b)`` gives
    its solved value and ``result_arrays``' ``cost_cny`` leaves it out);
``baseline_values(b)``
    the decisions under the no-optimisation rule (``vpp run --strategy baseline``) as data: a list of
    ``(variable component, values in its index order)`` with NaN where the rule leaves the decision to
    the LP; ``baseline_structure(b)`` makes the one-off changes the rule needs (e.g. an end-of-horizon
    target dropped). ``fix_baseline(b)`` applies both to the Pyomo model; a solve session applies the
    values to its columns directly (:meth:`~optimization.session.SolveSession.fix`);
``result_arrays(b)``
    the solved values as arrays shaped ``[asset, t]`` keyed by column name with its unit:
    ``p_inject_mw``, ``q_inject_mvar``, ``cost_cny`` and kind-specific columns; ``results(b)`` turns
    them into the long table (columns ``asset``, ``t`` and those), a rolling run keeps the arrays;
``update(b, data)``
    the next rolling window's data, written into mutable parameters only (see :func:`set_values`);
``kpis(table, dt_h, specs)`` (optional class method)
    the kind's own KPI section from its rows of the result table (``{asset: {...}}``; empty: none),
    written under the kind's name in ``kpis.json``.

Values are read through ``self.values(var, names, n_t)``, which takes them from the solve session's
solution vector when the block is attached to one (``self.solution``), else from the Pyomo variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from optimization.smoothing import Smoothing, add_smoothing, penalty_cny


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
    #: stored energy carried from one rolling window to the next: the name of the block's energy
    #: variable indexed ``[asset, k]`` over step boundaries ``k = 0..T`` (None: the kind stores nothing);
    #: the window's initial state arrives as ``profile['e_init_mwh']``
    state_var: ClassVar[str | None] = None

    @classmethod
    def initial_state_mwh(cls, spec: Any) -> float:
        """Stored energy [MWh] at the start of a run (kinds with ``state_var``)."""
        return 0.0

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

    @classmethod
    def kpis(cls, table: pd.DataFrame, dt_h: float, specs: dict[str, Any]) -> dict[str, Any]:
        """The kind's KPI section ``{asset: {figure: value}}`` from its rows of the assets result table
        (columns of ``result_arrays`` plus ``time``, ``park``, ``asset``); ``specs`` by asset name. None by default."""
        return {}

    # -- smoothing (optional; optimization.smoothing) ------------------------------------------
    smoothing: Smoothing | None = None

    def smooth(self, b, keys: list[str], power_mw, idle=None) -> None:
        """Declare the smoothing term on the power ``power_mw(b, key, t)`` [MW], given as linear terms
        ``[(coefficient, variable), ...]``, for each of ``keys`` (steps ``t >= 1``)
        with the weight ``data.smoothing_cny_per_mw`` [CNY/MW]; nothing when the weight is 0. ``idle(key, t)``:
        steps without any decision, left out (:func:`optimization.smoothing.add_smoothing`). The block adds
        :meth:`smoothing_cost_cny` to its ``cost_cny``."""
        self.smoothing = add_smoothing(b, keys, self.data.n_t, getattr(self.data, "smoothing_cny_per_mw", 0.0),
                                       power_mw, idle)

    def smoothing_cost_cny(self):
        """The smoothing term [CNY] as a Pyomo expression (0 without smoothing)."""
        return self.smoothing.cost_cny() if self.smoothing is not None else 0.0

    def smoothing_penalty_cny(self, b) -> float:
        """The solved smoothing penalty [CNY] (0 without smoothing): part of the objective, not of the bill."""
        return penalty_cny(self.smoothing, self.var_values)

    def baseline_structure(self, b) -> None:
        """One-off model changes of the no-optimisation rule (none by default)."""
        return None

    def baseline_values(self, b) -> list[tuple[Any, np.ndarray]]:
        """Decisions under the no-optimisation rule: ``[(var, values)]``, NaN = left to the LP."""
        return []

    def fix_baseline(self, b) -> None:
        """Apply the no-optimisation rule to the Pyomo block: structure, then fixed values."""
        self.baseline_structure(b)
        for var, vals in self.baseline_values(b):
            for v, x in zip(var.values(), np.asarray(vals, dtype=float).ravel().tolist()):
                if x == x:  # not NaN
                    v.fix(x)

    def result_arrays(self, b) -> dict[str, np.ndarray]:  # pragma: no cover - interface
        raise NotImplementedError

    def results(self, b) -> pd.DataFrame:
        """Long table ``asset, t, <columns of result_arrays>``."""
        return self.frame(self.names, self.data.n_t, **self.result_arrays(b))

    def update(self, b, data: "Any") -> None:
        """Load the next rolling window's inputs (same number of steps) into the built block.

        ``data`` is the window's ModelData; its assets carry the window's profiles (and state, e.g.
        ``e_init_mwh`` of a battery). Only mutable parameters may change (write them with
        :func:`set_values`); bounds that change between windows are declared as parameters, so a
        :class:`~optimization.session.SolveSession` re-solves from the parameter vector alone.
        """
        raise NotImplementedError(f"asset kind '{self.kind}' cannot be used in a rolling-horizon evaluation yet")

    def _reload(self, data: "Any") -> None:
        """Point the block at a new window's data (helper for ``update``)."""
        self.data = data
        self.assets = data.assets.get(self.kind, [])
        self.by_name = {a.name: a for a in self.assets}

    # -- helpers for subclasses -----------------------------------------------------------------
    solution: Any = None  # a SolveSession whose solution vector values() reads, when attached

    def var_values(self, var) -> np.ndarray:
        """Values of a Var component in its index order (0 where unset)."""
        if self.solution is not None:
            return self.solution.values(var)
        return np.fromiter(((v.value or 0.0) for v in var.values()), dtype=float, count=len(var))

    def values(self, var, names: list[str], n_t: int) -> np.ndarray:
        """Values of a Var indexed by (asset, t) as an array [len(names), n_t] (0 where unset)."""
        if self.solution is not None and len(var) == len(names) * n_t:
            return self.solution.values(var).reshape(len(names), n_t)
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


def set_values(param, values) -> None:
    """Write ``values`` (any array shape, flattened in the parameter's index order) into an indexed
    mutable Pyomo parameter. One C-speed pass instead of a ``set_value`` call per element."""
    flat = np.asarray(values, dtype=float).ravel()
    sink = _SINKS.get(id(param))
    if sink is not None and sink[0] is param:  # held by a solve session: the vector goes there
        sink[1](flat)
        return
    datas = _param_datas(param)
    if len(datas) != len(flat):
        raise ValueError(f"{param.name}: {len(flat)} values for {len(datas)} parameters")
    for p, v in zip(datas, flat.tolist()):
        p._value = v  # noqa: SLF001 (the values are floats already; skip per-element validation)


_SINKS: dict[int, tuple[Any, Any]] = {}


def hold_parameter(param, sink) -> None:
    """Route :func:`set_values` of ``param`` to ``sink(flat_values)`` (a solve session's parameter
    vector) instead of the Pyomo data objects; ``sink=None`` releases it."""
    if sink is None:
        _SINKS.pop(id(param), None)
    else:
        _SINKS[id(param)] = (param, sink)


_DATAS: dict[int, tuple[Any, list]] = {}


def _param_datas(param) -> list:
    """The parameter's data objects in index order (cached: walking a product index set is slow)."""
    hit = _DATAS.get(id(param))
    if hit is None or hit[0] is not param:
        hit = (param, list(param.values()))
        _DATAS[id(param)] = hit
        if len(_DATAS) > 4096:  # models come and go: keep the cache bounded
            _DATAS.pop(next(iter(_DATAS)))
    return hit[1]


REGISTRY: dict[str, type[AssetBlock]] = {}


def register(cls: type[AssetBlock]) -> type[AssetBlock]:
    """Class decorator: make an asset kind known to model assembly."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    REGISTRY[cls.kind] = cls
    return cls
