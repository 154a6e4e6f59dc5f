"""Unit aliases accepted in scenario files.

Internally every quantity is in pandapower's system (MW, MVAr, MVA, MWh, kV) and money in CNY, with the
unit in the field name (``p_max_mw``). Scenario files may give the same quantity in kilo-units
(``p_max_kw: 500``); :func:`convert_unit_aliases` rewrites such keys to the internal field before
validation and rejects a quantity given in two units.

Suffix table (scenario key suffix -> internal suffix, factor applied to the value):

=====================  =====================  ======
scenario file          internal               factor
=====================  =====================  ======
``_cny_per_kwh``       ``_cny_per_mwh``       1000
``_cny_per_kw_month``  ``_cny_per_mw_month``  1000
``_cny_per_kva_month`` ``_cny_per_mva_month`` 1000
``_kwh``               ``_mwh``               0.001
``_kwp``               ``_mwp``               0.001
``_kvar``              ``_mvar``              0.001
``_kva``               ``_mva``               0.001
``_kw``                ``_mw``                0.001
=====================  =====================  ======
"""

from __future__ import annotations

from typing import Any

# longest suffix first so that "_cny_per_kwh" is not read as "_kwh"
UNIT_ALIASES: list[tuple[str, str, float]] = [
    ("_cny_per_kva_month", "_cny_per_mva_month", 1000.0),
    ("_cny_per_kw_month", "_cny_per_mw_month", 1000.0),
    ("_cny_per_kwh", "_cny_per_mwh", 1000.0),
    ("_kvar", "_mvar", 1e-3),
    ("_kwh", "_mwh", 1e-3),
    ("_kwp", "_mwp", 1e-3),
    ("_kva", "_mva", 1e-3),
    ("_kw", "_mw", 1e-3),
]


def _scale(value: Any, factor: float, key: str) -> Any:
    """``value × factor``; a string or a boolean is refused here, before scaling, naming the user's key
    (``p_kwp: "1500"`` would otherwise reach the schema unscaled as 1500 MWp)."""
    if value is None:
        return value
    if isinstance(value, (bool, str)):
        raise ValueError(f"'{key}': {value!r} is not a number (write it without quotes)")
    if isinstance(value, (int, float)):
        return value * factor
    if isinstance(value, list):
        return [_scale(v, factor, key) for v in value]
    if isinstance(value, dict):  # e.g. DR requested_kw: {park: kW}
        return {k: _scale(v, factor, f"{key}.{k}") for k, v in value.items()}
    return value  # left for the schema to reject with its own message


def convert_unit_aliases(data: Any, field_names: set[str]) -> Any:
    """Return ``data`` with kilo-unit keys renamed to the internal field and their values scaled.

    Only keys whose converted name is a field of the model are converted, so unrelated keys reach the
    schema unchanged (and are rejected there if unknown). A quantity given both ways raises
    ``ValueError`` naming both keys.
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key in list(data):
        if key in field_names or not isinstance(key, str):
            continue
        for suffix, internal, factor in UNIT_ALIASES:
            if key.endswith(suffix):
                target = key[: -len(suffix)] + internal
                if target in field_names:
                    if target in data:
                        raise ValueError(f"'{key}' and '{target}' give the same quantity twice; keep one")
                    out[target] = _scale(out.pop(key), factor, key)
                break
    return out
