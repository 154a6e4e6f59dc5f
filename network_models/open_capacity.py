"""Open capacity (可开放容量) of transformers and feeders over a period, in the style of DL/T 2041-2019.

Style: DL/T 2041-2019 "分布式电源接入电网承载力评估导则" (guide for evaluating the capacity of the grid to
accept distributed generation): an element's remaining capacity is its rated capacity times the allowed
loading minus the worst *coincident* flow of the evaluated period, checked for the load direction and, for
generation, for the reverse direction with the minimum coincident load. The exact rules below are this
simulator's simplification (ASSUMPTION, confidence M: the standard's thermal-stability criterion, without its
voltage and short-circuit checks, its 80 % reverse-loading grade bands or its typical-day selection):

For an element with rated capacity ``S_r`` [MVA] (transformer ``sn_mva · parallel · df``; feeder head cable
``√3 · U_n · I_max · df · parallel``) and allowed loading ``k = loading_max_percent / 100`` (no N-1 factor: the
scenario declares none):

* hourly values (the hourly mean of the 15-min values, as coincident-load figures are usually hourly):
  ``S_h`` [MVA] = mean of the current-based loading × ``S_r`` / 100 (``√3·U_n·I``), ``P_h`` [MW] = mean
  forward (load-direction) active power (:mod:`network_models.reverse_flow`);
* **load direction**: ``open_load_mva = k·S_r − max_{h: P_h ≥ 0} S_h`` — rated capacity × allowed loading
  minus the year's worst coincident loading while power flows downstream (its hour: ``s_load_max_time``).
  Negative = already overloaded;
* **generation (reverse) direction**: ``open_gen_mw = k·S_r + min_h P_h`` — rating × allowed loading plus the
  minimum coincident net load (``min_h P_h``; negative when the element already carries reverse flow, which
  then reduces the margin). Extra generation ``x`` at unity power factor turns the hour of minimum net load
  into a reverse flow ``x − min P_h`` that must stay within ``k·S_r`` (ASSUMPTION: reactive flow neglected in
  this direction, so MW are compared with MVA). Its hour: ``p_min_time``.

Per-step weights do not enter (a worst hour is a worst hour); on representative days the hours are those of
the typical days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def hourly_mean(df: pd.DataFrame) -> pd.DataFrame:
    """Mean of each clock hour (``index.floor('h')``) of a time × element table (NaN-skipping)."""
    if not isinstance(df.index, pd.DatetimeIndex):
        return df
    return df.groupby(df.index.floor("h")).mean()


def open_capacity(p_forward_mw: pd.DataFrame, s_mva: pd.DataFrame, rating_mva: pd.Series,
                  allowed: float) -> pd.DataFrame:
    """Open capacity of every column with a rating (module doc); one row per element.

    Parameters
    ----------
    p_forward_mw, s_mva : DataFrame
        time × element forward active power [MW] and current-based apparent power [MVA] (15-min or any step).
    rating_mva : Series
        element -> rated capacity ``S_r`` [MVA]; elements without a rating (NaN) are left out.
    allowed : float
        allowed loading ``k`` (``loading_max_percent / 100``).

    Returns
    -------
    DataFrame indexed by element: ``rating_mva, allowed_mva (= k·S_r), s_load_max_mva, s_load_max_time,
    open_load_mva, p_min_mw, p_min_time, open_gen_mw``.
    """
    r = pd.to_numeric(rating_mva, errors="coerce").dropna()
    cols = [c for c in r.index if c in p_forward_mw.columns]
    P = hourly_mean(p_forward_mw[cols])
    S = hourly_mean(s_mva[cols])
    Pv, Sv = P.to_numpy(dtype=float), S.to_numpy(dtype=float)
    s_fwd = np.where(np.nan_to_num(Pv, nan=-1.0) >= 0.0, Sv, np.nan)
    hours = np.asarray(P.index)
    out = pd.DataFrame(index=pd.Index(cols, name="element"))
    out["rating_mva"] = r[cols].to_numpy(dtype=float)
    out["allowed_mva"] = allowed * out["rating_mva"]
    has_fwd = ~np.all(np.isnan(s_fwd), axis=0) if len(Pv) else np.zeros(len(cols), dtype=bool)
    k_s = np.nanargmax(np.where(np.isnan(s_fwd), -np.inf, s_fwd), axis=0) if len(Pv) else np.zeros(len(cols), dtype=int)
    smax = np.where(has_fwd, s_fwd[k_s, np.arange(len(cols))] if len(Pv) else np.nan, 0.0)
    out["s_load_max_mva"] = smax
    out["s_load_max_time"] = np.where(has_fwd, hours[k_s] if len(Pv) else None, None)
    out["open_load_mva"] = out["allowed_mva"] - out["s_load_max_mva"]
    has_p = ~np.all(np.isnan(Pv), axis=0) if len(Pv) else np.zeros(len(cols), dtype=bool)
    k_p = np.nanargmin(np.where(np.isnan(Pv), np.inf, Pv), axis=0) if len(Pv) else np.zeros(len(cols), dtype=int)
    pmin = np.where(has_p, Pv[k_p, np.arange(len(cols))] if len(Pv) else np.nan, np.nan)
    out["p_min_mw"] = pmin
    out["p_min_time"] = np.where(has_p, hours[k_p] if len(Pv) else None, None)
    out["open_gen_mw"] = out["allowed_mva"] + out["p_min_mw"]
    return out
