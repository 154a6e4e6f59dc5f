"""Read a result folder for ``vpp report``: which study wrote it (:func:`detect_kind`) and its tables.

Kinds and how they are recognised (first match wins):

* ``sweep``: a ``.parquet`` file with ``point_id`` and ``status`` columns (the table of ``vpp sweep --out``);
* ``dr``: ``dr.json`` in the folder, or sub-folders holding ``dr.json`` (one per event);
* ``aggregate``: ``vpp.json`` in the folder, or one sub-folder holding it (the VPP folder);
* ``capacity``: ``capacity.json``;
* ``evaluate``: ``kpis.json`` with a ``project`` and a ``baseline`` block;
* ``run``: ``kpis.json`` with ``total_cost_cny`` (the folder of ``vpp run``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from vpp.errors import VppError

KINDS = ("run", "evaluate", "dr", "capacity", "aggregate", "sweep")


def _bad(path: Path, what: str) -> VppError:
    return VppError(f"'{path}' is not a vpp result folder: {what} (expected the folder of vpp run, evaluate, dr, "
                    "capacity or aggregate, or a vpp sweep .parquet table)")


def _sub_with(path: Path, name: str) -> list[Path]:
    return sorted(p.parent for p in path.glob(f"*/{name}"))


def detect_kind(path: str | Path) -> str:
    """The study that wrote ``path``: one of :data:`KINDS`; :class:`VppError` when it is none of them."""
    path = Path(path)
    if not path.exists():
        raise VppError(f"'{path}' does not exist")
    if path.is_file():
        if path.suffix == ".parquet":
            try:
                import pyarrow.parquet as pq

                cols = set(pq.read_schema(path).names)
            except Exception as exc:
                raise VppError(f"'{path}' is not a readable Parquet table ({type(exc).__name__})") from None
            if {"point_id", "status"} <= cols:
                return "sweep"
            raise _bad(path, "a Parquet table without the point_id / status columns of a sweep")
        raise _bad(path, "a file")
    if (path / "dr.json").exists() or _sub_with(path, "dr.json"):
        return "dr"
    if (path / "vpp.json").exists() or _sub_with(path, "vpp.json"):
        return "aggregate"
    if (path / "capacity.json").exists():
        return "capacity"
    if (path / "kpis.json").exists():
        k = read_json(path / "kpis.json")
        if isinstance(k, dict) and "project" in k and "baseline" in k:
            return "evaluate"
        if isinstance(k, dict) and "total_cost_cny" in k:
            return "run"
        raise _bad(path, "kpis.json holds neither a run's nor an evaluation's figures")
    raise _bad(path, "no kpis.json, dr.json, vpp.json or capacity.json")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VppError(f"'{path}' is unreadable or not JSON ({type(exc).__name__}: {str(exc)[:100]})") from None


@dataclass
class Study:
    """A result folder: its kind, the folder(s) holding the results, the resolved scenario and its JSON."""

    kind: str
    path: Path                    # what the user named (folder or sweep table)
    folders: list[Path]           # result folders (one per DR event; one for the others)
    scenario: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)   # kpis.json / capacity.json / vpp.json; dr: {event: dr.json}
    _tables: dict[tuple[Path, str], pd.DataFrame | pd.Series | None] = field(default_factory=dict, repr=False)

    @property
    def folder(self) -> Path:
        return self.folders[0]

    def table(self, name: str, folder: Path | None = None, **kw: Any) -> pd.DataFrame | None:
        """``<folder>/<name>.parquet`` (``None`` when absent); ``kw`` goes to :func:`pandas.read_parquet`."""
        folder = folder or self.folder
        key = (folder, name + repr(sorted(kw.items())))
        if key not in self._tables:
            p = folder / f"{name}.parquet"
            if not p.exists():
                self._tables[key] = None
            else:
                try:
                    self._tables[key] = pd.read_parquet(p, **kw)
                except Exception as exc:
                    raise VppError(f"'{folder}' cannot be reported: a result file is unreadable or not vpp's "
                                   f"({p.name}: {type(exc).__name__}: {str(exc)[:100]})") from None
        return self._tables[key]

    def substation_mw(self, name: str = "dispatch_parks") -> pd.Series | None:
        """Substation load [MW] per step = Σ park net import of the park table ``name`` (``dispatch_parks``
        or ``baseline_parks``; ``None`` when absent), summed once for every chart that shows it."""
        key = (self.folder, f"substation_mw:{name}")
        if key not in self._tables:
            parks = self.table(name, columns=["time", "p_net_import_mw"])
            self._tables[key] = None if parks is None else parks.groupby("time", sort=True)["p_net_import_mw"].sum()
        return self._tables[key]

    @property
    def name(self) -> str:
        return str(self.scenario.get("name") or self.data.get("scenario") or self.path.stem)

    @property
    def description(self) -> str:
        return str(self.scenario.get("description") or "")

    def default_lang(self) -> str:
        lang = (self.scenario.get("report") or {}).get("lang")
        return lang if lang in ("zh", "en") else "en"


def _scenario(folder: Path) -> dict[str, Any]:
    p = folder / "scenario_resolved.yaml"
    return _scenario_file(p) if p.exists() else {}


def load_study(path: str | Path) -> Study:
    """Read what the report of ``path`` needs (tables are read on demand by :meth:`Study.table`)."""
    path = Path(path)
    kind = detect_kind(path)
    if kind == "sweep":
        st = Study(kind, path, [path.parent])
        st.data = {"table": path}
        side = path.with_name(path.stem + ".scenario_resolved.yaml")
        if side.exists():
            st.scenario = _scenario_file(side)
        return st
    if kind == "dr":
        folders = [path] if (path / "dr.json").exists() else _sub_with(path, "dr.json")
        st = Study(kind, path, folders)
        st.data = {f.name: read_json(f / "dr.json") for f in folders}
    elif kind == "aggregate":
        folders = [path] if (path / "vpp.json").exists() else _sub_with(path, "vpp.json")[:1]
        st = Study(kind, path, folders)
        st.data = read_json(folders[0] / "vpp.json")
    else:
        st = Study(kind, path, [path])
        st.data = read_json(path / ("capacity.json" if kind == "capacity" else "kpis.json"))
    if not isinstance(st.data, dict):
        raise _bad(path, "its JSON is not an object")
    st.scenario = _scenario(st.folder)
    return st


def _scenario_file(p: Path) -> dict[str, Any]:
    try:
        d = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VppError(f"'{p}' is unreadable or not YAML ({type(exc).__name__})") from None
    return d if isinstance(d, dict) else {}
