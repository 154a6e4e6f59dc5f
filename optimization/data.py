"""Plain inputs of the dispatch model: time axis, prices, parks, and assets grouped by kind."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimization.registry import AssetInput

#: basis statement of a park without a declared or simulated month so far
NO_EARLIER_DAYS = "the horizon's own peak; no earlier days of the month"


@dataclass
class ParkInput:
    """A park's grid connection as the optimiser sees it.

    ``p_import_max_mw`` / ``p_export_max_mw``: limits of the connection [MW] (None = unlimited);
    ``no_reverse_flow`` forces export to zero (防逆流).

    Bill (docs/billing.md): ``demand_basis`` ``max_demand`` | ``contract_demand`` | ``capacity`` | ``none``
    (only the first two enter the LP's demand charge); ``contract_demand_mw`` (合同最大需量);
    ``peak_so_far_mw`` {billing month: maximum demand reached before the horizon [MW]} (months not
    listed: 0, nothing earlier); ``peak_so_far_from`` says where it comes from (stated in every output);
    ``power_factor_standard`` (None: no 力调电费) and ``q_compensation_mvar``.
    """

    name: str
    assets: list[str]
    p_import_max_mw: float | None = None
    p_export_max_mw: float | None = None
    no_reverse_flow: bool = False
    demand_basis: str = "max_demand"
    contract_demand_mw: float | None = None
    peak_so_far_mw: dict[str, float] = field(default_factory=dict)
    peak_so_far_from: str = NO_EARLIER_DAYS
    power_factor_standard: float | None = None
    q_compensation_mvar: float = 0.0

    def earlier_days(self, month: str) -> bool:
        """Whether the billing month ``month`` started before the horizon (a peak so far is known)."""
        return month in self.peak_so_far_mw


@dataclass
class ModelData:
    """Everything :func:`optimization.model.build_model` needs, with units.

    ``price_cny_per_mwh`` and ``export_price_cny_per_mwh`` are arrays over steps; ``month`` labels each
    step with its billing month (``'2025-07'``), over which the demand charge applies to the peak import.
    """

    index: pd.DatetimeIndex
    dt_h: float
    price_cny_per_mwh: np.ndarray
    export_price_cny_per_mwh: np.ndarray
    month: np.ndarray
    demand_charge_cny_per_mw_month: float
    parks: list[ParkInput]
    assets: dict[str, list[AssetInput]] = field(default_factory=dict)
    # opt-in sizing (``vpp evaluate --size``): asset name -> {size key: (lo, hi)}, keys ``pv_mwp`` (PV) or
    # ``battery_e_mwh`` and ``battery_p_mw`` (battery); the block then makes the size a variable
    sizing: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    # weight of the smoothing term [CNY per MW of power change between consecutive steps] of the blocks that
    # declare one (battery, EV charging; optimization.smoothing); 0 = off. Not billed.
    smoothing_cny_per_mw: float = 0.0

    @property
    def n_t(self) -> int:
        return len(self.index)

    def steps_of_day(self) -> dict[str, list[int]]:
        """Step numbers of each local calendar day (``'2025-07-22'``)."""
        days = self.index.strftime("%Y-%m-%d")
        out: dict[str, list[int]] = {}
        for t, d in enumerate(days):
            out.setdefault(d, []).append(t)
        return out

    def steps_of_month(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for t, mth in enumerate(self.month):
            out.setdefault(str(mth), []).append(t)
        return out
