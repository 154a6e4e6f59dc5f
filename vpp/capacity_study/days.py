"""Which days the capacity study evaluates: the season's days of one day class, drawn reproducibly.

**Candidates.** The days of the season's months in the scenario's year (the year of ``horizon.start``):
summer = June–September, winter = January, February and December (or the months of
``capacity.months``), whose class in the statutory calendar (:func:`vpp.calendar_cn.day_type`, without
park shutdown days) is the requested one: ``workday`` (Monday–Friday that is not a holiday, and the
make-up workdays 调休), ``weekend`` (Saturday/Sunday that is neither a holiday nor a make-up workday),
``holiday`` (statutory holidays) or ``all``. A park's own shutdown days stay in the sample: on them its
loads follow its shutdown profile (that is part of the day-to-day spread).

**Drawing K days** (:func:`sample_days`), without replacement, stratified by month:

1. month ``m`` has ``n_m`` candidates, ``N = Σ n_m``; ``K > N`` is refused;
2. quota ``q_m = ⌊K·n_m/N⌋``, and the ``K − Σ q_m`` remaining days go one each to the months with the
   largest remainders ``K·n_m/N − q_m`` (ties: the earlier month in calendar order);
3. in each month (calendar order January…December) ``q_m`` of its candidates are drawn without
   replacement by ``Generator.choice(n_m, q_m, replace=False)`` of one generator
   ``rng_for(seed, 'capacity_days')`` (:func:`vpp.profiles.rng_for`: numpy ``default_rng`` of the scenario
   seed and the stream name), so the same scenario seed gives the same days;
4. the days are returned in date order. ``K = N`` takes every candidate.

**K = 1** evaluates the season's reference day instead (:func:`reference_day`: the first day of the class
on or after 22 July (summer) / 15 January (winter), the day ``vpp capacity`` has always used; with other
``months``, from the first day of the first of them), and ``--date`` one given day.

Each drawn day is simulated with its own profiles (:func:`vpp.profiles.build_profiles` of that date: its
own load noise, PV clouds, EV sessions and weather, or the measured data of that date), so the days
differ as real days do.

**Best-hour days** (:func:`spread`): the secondary best-hour sweep runs on ``B`` of the K days, at
positions ``round(i·(K−1)/(B−1))``, ``i = 0..B−1`` of the date-ordered sample (spread over the season).
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np

from vpp.calendar_cn import day_type
from vpp.errors import VppError
from vpp.profiles import rng_for

SEASON_MONTHS = {"summer": (6, 7, 8, 9), "winter": (1, 2, 12)}
ANCHOR = {"summer": (7, 22), "winter": (1, 15)}  # reference day: first day of the class on/after
DAY_CLASSES = ("workday", "weekend", "holiday", "all")
CLASS_LABEL = {"workday": "working day", "weekend": "weekend day", "holiday": "holiday", "all": "day"}
STREAM = "capacity_days"


def month_list(months) -> str:
    """``(6, 7, 8, 9)`` -> ``'Jun-Sep'``; other sets as a comma list."""
    ms = sorted(int(m) for m in months)
    names = [calendar.month_abbr[m] for m in ms]
    if len(ms) > 2 and ms == list(range(ms[0], ms[-1] + 1)):
        return f"{names[0]}-{names[-1]}"
    return ", ".join(names)


def in_class(day: dt.date, day_class: str) -> bool:
    return day_class == "all" or day_type(day) == day_class


def candidates(year: int, months, day_class: str) -> list[dt.date]:
    """Days of ``months`` of ``year`` in ``day_class`` (module docstring), in date order."""
    if day_class not in DAY_CLASSES:
        raise VppError(f"--day-class '{day_class}' is unknown (choose {', '.join(DAY_CLASSES)})")
    out = []
    for m in sorted(set(int(x) for x in months)):
        for k in range(1, calendar.monthrange(year, m)[1] + 1):
            d = dt.date(year, m, k)
            if in_class(d, day_class):
                out.append(d)
    return out


def quotas(counts: list[int], k: int) -> list[int]:
    """Largest-remainder split of ``k`` over strata of sizes ``counts`` (module docstring, step 2)."""
    n = sum(counts)
    exact = [k * c / n for c in counts]
    q = [int(np.floor(e + 1e-12)) for e in exact]
    rest = k - sum(q)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - q[i]), i))
    for i in order[:rest]:
        q[i] += 1
    return q


def sample_days(year: int, months, day_class: str, k: int, seed: int, what: str = "") -> list[dt.date]:
    """K days drawn without replacement, stratified by month, seeded (module docstring)."""
    pool = candidates(year, months, day_class)
    if k > len(pool):
        raise VppError(f"--samples {k}: only {len(pool)} {CLASS_LABEL[day_class]}(s) in {month_list(months)} {year}"
                       f"{what} (days are drawn without replacement)")
    by_month: dict[int, list[dt.date]] = {}
    for d in pool:
        by_month.setdefault(d.month, []).append(d)
    ms = sorted(by_month)
    q = quotas([len(by_month[m]) for m in ms], k)
    rng = rng_for(seed, STREAM)
    out: list[dt.date] = []
    for m, qm in zip(ms, q):
        if qm:
            pick = rng.choice(len(by_month[m]), size=qm, replace=False)
            out += [by_month[m][int(i)] for i in pick]
    return sorted(out)


def reference_day(start: dt.date, day_class: str) -> dt.date:
    """The first day of ``day_class`` on or after ``start`` (within a year)."""
    d = start
    for _ in range(366):
        if in_class(d, day_class):
            return d
        d += dt.timedelta(days=1)
    raise VppError(f"no {CLASS_LABEL[day_class]} within a year after {start}")


def reference_start(year: int, season: str, months) -> dt.date:
    """Where the reference day is searched from: 22 July / 15 January of ``year`` when that month is among
    ``months``, else the first day of the first of ``months``."""
    mo, da = ANCHOR[season]
    ms = sorted(set(int(x) for x in months))
    return dt.date(year, mo, da) if mo in ms else dt.date(year, ms[0], 1)


def spread(days: list[dt.date], n: int) -> list[dt.date]:
    """``n`` of the date-ordered ``days`` spread over them (module docstring)."""
    k = len(days)
    n = max(0, min(int(n), k))
    if n == 0:
        return []
    if n == 1:
        return [days[0]]
    idx = sorted({int(round(i * (k - 1) / (n - 1))) for i in range(n)})
    return [days[i] for i in idx]
