"""Called windows of the capacity study and the admission check: parsing, TOU defaults, start grid.

A **called window** ``W = [a, b)`` [local hours, ``0 <= a < b <= 24``] is the period in which the grid
operator calls the VPP (``--window 20:00-22:00``). For an event of ``d`` hours (``d <= b − a``) inside it,
the **callable capacity** of a day is the smallest held capacity over the event's possible starts::

    C(W, d) = min_{s ∈ S(W, d)} R(s, d),   S(W, d) = {a} ∪ {whole hours h : a < h < b − d} ∪ {b − d}

(``R(s, d)`` = the capacity LP of :mod:`vpp.capacity_study.model` for the window ``[s, s + d)``): the
operator may start the event at any whole hour of the window, or at its start, or as late as still
fits; the aggregator can promise only what holds whichever start it picks. For ``d = b − a`` the single
start is ``a`` (the whole window held).

**Default windows** (:func:`tou_windows`): the maximal contiguous runs of ``critical`` hours and of
``peak`` hours of the Hunan TOU table (湘发改价调〔2025〕385号, :func:`vpp.domain.tou_period_table`) in
one month, critical first, then peak, each in time order. July/August: critical 20:00–24:00, peak
16:00–20:00; June and September: peak 16:00–24:00; December/January: critical 18:00–22:00, peak 16:00–18:00
and 22:00–24:00; other months: peak 16:00–24:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vpp.domain import tou_period_table
from vpp.errors import VppError

PERIOD_LABEL = {"critical": "critical peak", "peak": "peak", "flat": "flat", "valley": "valley", "custom": "called"}
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class CalledWindow:
    """``[start_h, end_h)`` [local hours]; ``period``: the TOU period it was derived from, or ``custom``."""

    start_h: float
    end_h: float
    period: str = "custom"

    @property
    def length_h(self) -> float:
        return self.end_h - self.start_h

    @property
    def label(self) -> str:
        """``'20:00-24:00'``."""
        return f"{hhmm(self.start_h)}-{hhmm(self.end_h)}"

    @property
    def title(self) -> str:
        """``'20:00-24:00 (critical peak)'``; a custom window has no period."""
        return self.label if self.period == "custom" else f"{self.label} ({PERIOD_LABEL[self.period]})"


def hhmm(hours: float) -> str:
    """``20.5`` -> ``'20:30'`` (``24`` -> ``'24:00'``)."""
    minutes = int(round(hours * 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _time(text: str, whole: str, option: str) -> float:
    m = _TIME.match(text)
    if not m:
        raise VppError(f"{option} '{whole}' is not HH:MM-HH:MM (e.g. 20:00-22:00)")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi >= 60 or h > 24 or (h == 24 and mi > 0):
        raise VppError(f"{option} {whole}: {text.strip()} is not a time of day (00:00 to 24:00)")
    return h + mi / 60.0


def parse_window(text: str, dt_h: float, option: str = "--window") -> CalledWindow:
    """``'20:00-22:00'`` -> :class:`CalledWindow` (20, 22); the window lies inside one day, on the step grid."""
    whole = str(text).strip()
    parts = whole.split("-")
    if len(parts) != 2:
        raise VppError(f"{option} '{whole}' is not HH:MM-HH:MM (e.g. 20:00-22:00)")
    a, b = (_time(p, whole, option) for p in parts)
    if b <= a:
        raise VppError(f"{option} {whole}: the end {parts[1].strip()} is not after the start {parts[0].strip()} "
                       "(a window lies inside one day; 24:00 is midnight at its end)")
    step_min = dt_h * 60.0
    for v, p in ((a, parts[0]), (b, parts[1])):
        n = v * 60.0 / step_min
        if abs(n - round(n)) > 1e-9:
            raise VppError(f"{option} {whole}: {p.strip()} is not on the {step_min:g} min step grid")
    return CalledWindow(a, b, "custom")


def parse_windows(text: str | list | tuple, dt_h: float, option: str = "--window") -> tuple[CalledWindow, ...]:
    """Comma-separated windows (or a list of ``'HH:MM-HH:MM'``); each once."""
    items = [s for s in (text.split(",") if isinstance(text, str) else list(text))]
    if not items or any(not str(s).strip() for s in items):
        raise VppError(f"{option} '{text}': give one or more windows HH:MM-HH:MM, comma-separated")
    out = [parse_window(s, dt_h, option) for s in items]
    labels = [w.label for w in out]
    if len(set(labels)) != len(labels):
        raise VppError(f"{option} {','.join(labels)} lists a window twice")
    return tuple(out)


def tou_windows(month: int) -> tuple[CalledWindow, ...]:
    """Maximal contiguous runs of 'critical' and of 'peak' hours in ``month`` (module docstring)."""
    row = tou_period_table()[int(month)]
    out = []
    for period in ("critical", "peak"):
        h = 0
        while h < 24:
            if row[h] == period:
                e = h
                while e < 24 and row[e] == period:
                    e += 1
                out.append(CalledWindow(float(h), float(e), period))
                h = e
            else:
                h += 1
    return tuple(out)


def window_durations(w: CalledWindow, durations_h) -> tuple[float, ...]:
    """The durations evaluated in ``w``: those of ``durations_h`` that fit, and the whole window."""
    ds = {float(d) for d in durations_h if d <= w.length_h + 1e-9}
    ds.add(float(w.length_h))
    return tuple(sorted(ds))


def window_starts(w: CalledWindow, d: float) -> tuple[float, ...]:
    """``S(W, d)``: start hours of a ``d``-hour event inside ``w`` (module docstring)."""
    last = w.end_h - d
    if last < w.start_h - 1e-9:
        return ()
    out = {round(w.start_h, 9), round(last, 9)}
    h = int(w.start_h) + 1
    while h < last - 1e-9:
        out.add(float(h))
        h += 1
    return tuple(sorted(out))
