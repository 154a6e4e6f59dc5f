"""Chinese 10 kV / 110 kV equipment as pandapower standard types.

The data file ``network_models/data/cn_std_types.yaml`` is extracted from the project's domain data
(``grid_equipment``): YJV22-8.7/15 copper XLPE cables, JKLYJ / LGJ overhead lines, S13-M oil and
SCB13 dry 10/0.4 kV transformers and the SZ11-50000/110 110/10 kV transformer. Every entry keeps the
``source`` key and ``confidence`` (H/M/L) of the domain data; these two keys are not passed to
pandapower.

Line parameters: ``r_ohm_per_km`` is the 20 °C DC resistance [Ω/km], ``x_ohm_per_km`` [Ω/km],
``c_nf_per_km`` [nF/km], ``max_i_ka`` thermal current [kA]. Transformer parameters:
``vkr_percent = Pk / Sn · 100`` and ``pfe_kw = P0`` (no-load loss [kW]).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn_std_types.yaml"
META_KEYS = ("source", "confidence")


@lru_cache(maxsize=1)
def _load() -> dict[str, dict[str, dict[str, Any]]]:
    with DATA_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {"line": dict(data.get("line") or {}), "trafo": dict(data.get("trafo") or {})}


def cn_std_types(element: str) -> dict[str, dict[str, Any]]:
    """All CN std types of one element (``'line'`` or ``'trafo'``) as ``name -> parameters`` (copy)."""
    return {k: dict(v) for k, v in _load()[element].items()}


def cn_std_type_names(element: str) -> list[str]:
    """Names of the CN std types of one element (``'line'`` or ``'trafo'``), in file order."""
    return list(_load()[element])


def register_cn_std_types(net) -> None:
    """Register every CN line and transformer std type into ``net`` (overwrites same-named types).

    Parameters
    ----------
    net : pandapowerNet
        The net to extend; afterwards ``pp.create_line(net, ..., std_type="YJV22-8.7/15-3x300")``
        and ``pp.create_transformer(net, ..., std_type="S13-M-2500/10")`` work.
    """
    import pandapower as pp  # heavy: loaded where a net is built

    for element in ("line", "trafo"):
        for name, params in _load()[element].items():
            data = {k: v for k, v in params.items() if k not in META_KEYS}
            pp.create_std_type(net, data, name=name, element=element, overwrite=True, check_required=True)


def _fmt_conf(c: Any) -> str:
    if isinstance(c, dict):
        return "; ".join(f"{k}: {v}" for k, v in c.items())
    return str(c)


def _fmt_src(s: Any) -> str:
    return ", ".join(map(str, s)) if isinstance(s, (list, tuple)) else str(s)


def cn_std_type_table():
    """One row per CN std type with its key parameters, source and confidence.

    Columns: ``name, element ('line'|'trafo'), type ('cs' cable / 'ol' overhead, or vector group),
    r_ohm_per_km, x_ohm_per_km, c_nf_per_km, max_i_ka`` (lines) and ``sn_mva, vn_hv_kv, vn_lv_kv,
    vk_percent, vkr_percent, pfe_kw, i0_percent`` (transformers), ``source, confidence``.
    Parameters not applicable to an element are NaN.
    """
    rows = []
    line_cols = ("r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "max_i_ka")
    trafo_cols = ("sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent", "vkr_percent", "pfe_kw", "i0_percent")
    for name, p in _load()["line"].items():
        rows.append({"name": name, "element": "line", "type": p.get("type"),
                     **{c: p.get(c) for c in line_cols},
                     "source": _fmt_src(p.get("source")), "confidence": _fmt_conf(p.get("confidence"))})
    for name, p in _load()["trafo"].items():
        rows.append({"name": name, "element": "trafo", "type": p.get("vector_group"),
                     **{c: p.get(c) for c in trafo_cols},
                     "source": _fmt_src(p.get("source")), "confidence": _fmt_conf(p.get("confidence"))})
    cols = ["name", "element", "type", *line_cols, *trafo_cols, "source", "confidence"]
    import pandas as pd

    return pd.DataFrame(rows).reindex(columns=cols)
