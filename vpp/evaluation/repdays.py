"""Representative days of a year (``vpp evaluate --representative-days K``): typical days with weights.

The year's model inputs (:func:`vpp.evaluation.data.extended_data`, no look-ahead) are cut into days; each
day is one vector of the daily profiles that drive the bill:

* the energy price [CNY/MWh] (the TOU period table changes by month, so days of different tariff shape
  separate);
* per park and profile key, the sum over the park's assets of every per-step input (``p_load_mw`` of fixed
  and interruptible loads, PV availability, thermal / AC inputs...) [MW];
* ``net_load_mw``: the district's load inputs minus its PV availability [MW].

Constant columns are left out. The days are grouped as tsam does it (typical periods: columns scaled to
[0, 1], hierarchical clustering, medoid representation, extreme periods kept; :func:`choose`) with SciPy's
Ward clustering; with ``K ≥ 14`` each month's peak day (highest ``net_load_mw`` step) is a typical day of
weight 1 and ``K − 12`` clusters share the other days, so each month's demand-charge peak is a simulated
day; with fewer days only the year's peak day is kept. (tsam itself is not used: tsam 3.x and 4.1 pin ``highspy<=1.15.1``, and the regression pins of
``vpp run`` move on that HiGHS, so it cannot join the tested dependency set.) Every typical day is a real calendar day (the medoid), so it is simulated exactly as inside
the year (profiles are keyed by date). Its **weight** ``w_k`` is the number of days of the year it stands
for; ``sum_k w_k`` = the days of the year. Hierarchical clustering is deterministic: the same year and
``K`` give the same days.

How the evaluation uses them (:func:`expand`): the schedule of each typical day is copied onto every day it
stands for (``assignment``), which gives a year of committed flows on the real dates. The year's bill is
then the bill of that year: ``energy = sum_k w_k · energy_k`` (each typical day's energy bill × its
weight), and the demand charge of month ``m`` is charged on ``max`` over the typical days standing for a
day of ``m`` of their peak import — the month's peak is the highest peak among its days' typical days.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimization import ModelData
from vpp.errors import VppError

MIN_DAYS, MAX_DAYS = 2, 60  # representative days of a period (at least one per month)
#: printed with every representative-day evaluation: measured errors against the full-year rolling evaluation
#: (benchmarks/bench_repdays.py, benchmarks/README.md, 2026-12-03)
ACCURACY_NOTE = ("an approximation of the year: NPV against the full-year evaluation, single_park 24 days -0.09 %, "
                 "12 days -2.1 %; yuhua_district 14 days -13 %, 24 days -22 % (energy arbitrage and PV savings "
                 "underestimated); quote --year figures, use typical days for screening")


@dataclass
class RepresentativeDays:
    """Typical days of a year and their weights.

    ``dates[k]``: the calendar day simulated for typical day ``k``; ``weights[k]``: days of the year it
    stands for (sum = ``n_days``); ``assignment[i]``: the typical day of day ``i`` of the year;
    ``extreme``: indices of the typical days that are peak net-load days (each month's, or the year's); ``clustering_s``: clustering time [s].
    """

    start: dt.date
    n_days: int
    dates: list[dt.date]
    weights: np.ndarray
    assignment: np.ndarray
    extreme: list[int]
    features: list[str]
    clustering_s: float

    @property
    def k(self) -> int:
        return len(self.dates)

    def as_dict(self) -> dict:
        return {"k": self.k, "accuracy_note": ACCURACY_NOTE, "start": str(self.start), "n_days": self.n_days,
                "days": [{"date": str(d), "weight_days": float(w), "peak_day": i in self.extreme}
                         for i, (d, w) in enumerate(zip(self.dates, self.weights))],
                "weights_sum_days": float(self.weights.sum()), "features": self.features,
                "clustering_s": self.clustering_s, "method": ("Ward clustering of scaled daily profiles (medoid days) + each month's peak net-load day (weight 1)"
                           if len(self.extreme) > 1 else "Ward clustering of scaled daily profiles (medoid days) + the year's peak day")}


def day_features(full: ModelData, n_days: int) -> pd.DataFrame:
    """Per-step feature table of the first ``n_days`` days (module docstring), columns without constants."""
    n = n_days * int(round(24 / full.dt_h))
    if full.n_t < n:
        raise VppError(f"representative days: the inputs cover {full.n_t} steps, {n} needed")
    cols: dict[str, np.ndarray] = {"price_cny_per_mwh": np.asarray(full.price_cny_per_mwh[:n], dtype=float)}
    load = np.zeros(n)
    pv = np.zeros(n)
    for kind, lst in full.assets.items():
        for a in lst:
            for key, v in a.profile.items():
                if not isinstance(v, np.ndarray) or v.ndim != 1 or len(v) < n or not np.issubdtype(v.dtype, np.number):
                    continue
                name = f"{a.park}.{kind}.{key}"
                cols[name] = cols.get(name, np.zeros(n)) + v[:n]
                if key == "p_load_mw":
                    load += v[:n]
                elif kind == "pv":
                    pv += v[:n]
    cols["net_load_mw"] = load - pv
    idx = pd.date_range("2001-01-01", periods=n, freq=pd.Timedelta(hours=full.dt_h))
    df = pd.DataFrame(cols, index=idx)
    keep = [c for c in df if np.ptp(df[c].to_numpy()) > 1e-9 or c == "net_load_mw"]
    return df[keep]


def choose(full: ModelData, start: dt.date, n_days: int, k: int) -> RepresentativeDays:
    """``k`` representative days of the ``n_days`` from ``start`` (module docstring).

    Each column is scaled to [0, 1] over the period (tsam's normalisation); a day is the vector of its
    scaled steps of every column; a day's peak is its highest ``net_load_mw`` step. Extreme days (tsam's
    extreme-period handling):

    * ``k ≥ months + 2`` (e.g. 24 for a year): every month's peak day is a typical day standing for itself
      only (weight 1), so each month's demand charge sees its real peak day; Ward agglomerative clustering
      (:func:`scipy.cluster.hierarchy.linkage`) cuts the other days into ``k − months`` clusters;
    * fewer: the year's peak day is one typical day and the ``k − 1`` clusters cut all days.

    Each cluster's typical day is its medoid (the member nearest to the cluster mean); every other day is
    assigned to its nearest typical day (squared distance of the scaled vectors; with monthly peak days,
    to its nearest medoid). A typical day left without days is dropped. Weight = days assigned.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    if not MIN_DAYS <= k <= MAX_DAYS:
        raise VppError(f"--representative-days {k}: choose {MIN_DAYS} to {MAX_DAYS}")
    if k >= n_days:
        raise VppError(f"--representative-days {k}: the period has only {n_days} days")
    df = day_features(full, n_days)
    t0 = time.perf_counter()
    x = df.to_numpy()
    lo, span = x.min(axis=0), np.ptp(x, axis=0)
    x = (x - lo) / np.where(span > 0, span, 1.0)
    days = x.reshape(n_days, -1)  # day i = its scaled steps of every column
    day_peak = df["net_load_mw"].to_numpy().reshape(n_days, -1).max(axis=1)
    months = pd.DatetimeIndex([start + dt.timedelta(days=i) for i in range(n_days)]).strftime("%Y-%m").to_numpy()
    labels_m = list(dict.fromkeys(months))
    monthly = k >= len(labels_m) + 2
    if monthly:  # every month's peak day stands for itself only; k - months clusters share the other days
        peaks = sorted(int(np.flatnonzero(months == m)[np.argmax(day_peak[months == m])]) for m in labels_m)
        rest = np.setdiff1d(np.arange(n_days), peaks)
    else:  # the year's peak day is one more typical day, standing for the days nearest to it
        peaks = [int(np.argmax(day_peak))]
        rest = np.arange(n_days)
    labels = fcluster(linkage(days[rest], method="ward"), k - len(peaks), criterion="maxclust")
    meds = []
    for c in np.unique(labels):
        members = rest[labels == c]
        d = ((days[members] - days[members].mean(axis=0)) ** 2).sum(axis=1)
        meds.append(int(members[np.argmin(d)]))
    cl = sorted(set(meds) | set(peaks))
    targets = sorted(set(meds)) if monthly else cl
    pos = {c: i for i, c in enumerate(cl)}
    dist = ((days[rest][:, None, :] - days[targets][None, :, :]) ** 2).sum(axis=2)
    assign = np.empty(n_days, dtype=int)
    assign[rest] = [pos[targets[j]] for j in np.argmin(dist, axis=1)]
    for c in cl:
        assign[c] = pos[c]  # a typical day stands for itself
    used = np.unique(assign)
    remap = {int(old): new for new, old in enumerate(used)}
    assign = np.array([remap[int(a)] for a in assign])
    cl = [cl[int(i)] for i in used]
    extreme = [cl.index(p) for p in peaks]
    secs = time.perf_counter() - t0
    dates = [start + dt.timedelta(days=c) for c in cl]
    weights = np.bincount(assign, minlength=len(cl)).astype(float)
    return RepresentativeDays(start, n_days, dates, weights, assign, extreme, list(df.columns), secs)


def expand(rep: RepresentativeDays, day_frames: list[pd.DataFrame]) -> pd.DataFrame:
    """A year of rows: the rows of typical day ``k`` (``day_frames[k]``, column ``time``) copied onto each day
    it stands for, with ``time`` shifted by whole days to that day."""
    out = []
    for i in range(rep.n_days):
        k = int(rep.assignment[i])
        f = day_frames[k]
        shift = pd.Timedelta(days=(rep.start + dt.timedelta(days=i) - rep.dates[k]).days)
        out.append(f.assign(time=f["time"] + shift))
    return pd.concat(out, ignore_index=True)
