"""KPI tables with human labels and units, grouped (economics, energy, grid, carbon, …); solver and
timing internals and every key the catalogue does not know go to the appendix with their raw key, so a
new KPI never vanishes from a report.

A flattened key ``a.b.c`` is labelled by its leaf ``c`` (catalogue ``kpi.c``) qualified by the parts before
it (catalogue ``q.a``, or the raw part, e.g. a park name): ``baseline.total_cost_cny`` → "Total bill
(baseline)". Its unit comes from the key's suffix (``_cny``, ``_mwh``, ``_mw``, ``_t``, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vpp.reporting.catalogue import Catalogue

GROUPS = ("economics", "energy", "grid", "carbon", "dr", "capacity", "vpp", "other")

# internals: solver statistics, timings, window counters, provenance lists
INTERNAL = re.compile(r"(^|\.)(windows|timings_s|timings|solver|inputs|rule|demand_charge_basis)(\.|$)|_s$|_s_total$"
                      r"|(^|\.)(n_variables|n_constraints|n_windows|n_solves|mip_gap|termination|objective_cny|seed)$")

UNITS = [  # (suffix of the key or leaf, unit key)
    ("_cny_per_mwh", "unit.cny_per_mwh"), ("_cny", "unit.cny"), ("_mwh", "unit.mwh"), ("_mwp", "unit.mwp"),
    ("_mw", "unit.mw"), ("_mw_dispatch", "unit.mw"), ("_mw_ac", "unit.mw"), ("_mvar", "unit.mvar"), ("_mva", "unit.mva"), ("_pu", "unit.pu"), ("_percent", "unit.percent"),
    ("_years", "unit.years"), ("_hours", "unit.h"), ("_h", "unit.h"), ("_t", "unit.t"), ("_s", "unit.s"),
    ("_share", "unit.share"), ("_ratio", "unit.share"),
]

CARBON = re.compile(r"co2")
DR = re.compile(r"payment|penalty|commitment|verified|rebound|baseline_mwh|actual_mwh|n_events")
VPPK = re.compile(r"requested|delivered|delivery_ratio|compensation|settlement|aggregator|parks_cny|aggregation|paid_mwh|shortfall")
GRID = re.compile(r"peak|_pu$|loading|violation|overload|losses|ac_|reverse_flow|headroom|substation")
ECON = re.compile(r"_cny|irr$|payback|discount_rate|lifetime|replacement|lco[es]|savings")
CAP = re.compile(r"^r_p\d+")


def flatten(d: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``[(dotted key, leaf value)]`` of nested dicts; lists of dicts become ``key[i]``; other lists stay values."""
    out: list[tuple[str, Any]] = []
    if isinstance(d, dict):
        for k, v in d.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out += flatten(v, f"{prefix}[{i}]")
    else:
        out.append((prefix, d))
    return out


def unit_key(key: str) -> str:
    """The unit of a flattened key from the suffix of its leaf, else of the nearest part that has one."""
    parts = key.split(".")
    for part in reversed(parts):
        for suffix, u in UNITS:
            if part.endswith(suffix):
                return u
    leaf = parts[-1]
    if leaf in ("irr", "discount_rate"):
        return "unit.share"
    if leaf.startswith("n_") or leaf.endswith("_steps"):
        return "unit.count"
    return "unit.none"


@dataclass
class Row:
    key: str
    label: str
    value: Any
    unit_key: str
    group: str


def label(cat: Catalogue, key: str) -> str | None:
    """The label of a flattened key, or ``None`` when the catalogue knows neither its leaf nor (for
    per-park keys like ``grid.project.park_peak_import_mw.robotics``) its parent."""
    parts = key.split(".")
    if cat.has(f"kpi.{parts[-1]}"):
        base, quals = cat.t(f"kpi.{parts[-1]}"), parts[:-1]
    elif len(parts) >= 2 and cat.has(f"kpi.{parts[-2]}"):
        base, quals = cat.t(f"kpi.{parts[-2]}"), parts[:-2] + parts[-1:]
    else:
        return None
    quals = [q for q in (cat.get(f"q.{p}", p) for p in quals) if q]
    return cat.paren(base, quals)


def _quantity(parts: list[str]) -> str:
    """The part of a key that names the quantity: the leaf, or its parent when the leaf is a name (park)."""
    has_unit = lambda p: any(p.endswith(s) for s, _ in UNITS)
    if len(parts) >= 2 and not has_unit(parts[-1]) and has_unit(parts[-2]):
        return parts[-2]
    return parts[-1]


def group(key: str) -> str:
    """The table a KPI goes to, from its first part (``economics``, ``dr``, …) or its quantity."""
    parts = key.lower().split(".")
    head, leaf = parts[0], _quantity(parts)
    if any(CARBON.search(p) for p in parts):
        return "carbon"
    if head in ("economics", "savings_cny", "savings_total_cny", "sizes"):
        return "economics"
    if head == "dr" or DR.search(leaf):
        return "dr"
    if VPPK.search(leaf) and not leaf.startswith("ev_"):
        return "vpp"
    if CAP.search(leaf):
        return "capacity"
    if ECON.search(leaf):
        return "economics"
    if GRID.search(leaf) or head == "grid":
        return "grid"
    if leaf.endswith("_mwh") or "cycles" in leaf or "share" in leaf:
        return "energy"
    return "other"


def kpi_rows(cat: Catalogue, data: dict[str, Any], skip: tuple[str, ...] = ()) -> tuple[list[Row], list[Row]]:
    """``(main rows, appendix rows)`` of a KPI dict. Main rows are numbers with a catalogue label, not
    internals; the appendix has the rest (raw key as label), strings and lists included."""
    main: list[Row] = []
    appendix: list[Row] = []
    for key, value in flatten(data):
        if any(key == s or key.startswith(s + ".") or key.startswith(s + "[") for s in skip):
            continue
        lab = label(cat, key) if "[" not in key else None
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if lab is None or not numeric or INTERNAL.search(key):
            appendix.append(Row(key, key, value, unit_key(key), "appendix"))
        else:
            main.append(Row(key, lab, value, unit_key(key), group(key)))
    return main, appendix


def grouped(rows: list[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {g: [] for g in GROUPS}
    for r in rows:
        out[r.group].append(r)
    return {g: rs for g, rs in out.items() if rs}


def frame(cat: Catalogue, df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A result table with human headers ``label [unit]`` (columns the catalogue does not know keep their
    name); values unchanged."""
    df = df[columns] if columns else df
    return df.rename(columns={c: column_header(cat, c) for c in df.columns})


def column_header(cat: Catalogue, col: str) -> str:
    if col == "park":
        return cat.t("tab.park")
    if col == "month":
        return cat.t("tab.month")
    lab = label(cat, col) or col
    unit = cat.t(unit_key(col))
    return f"{lab} [{unit}]" if unit else lab
