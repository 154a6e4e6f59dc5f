"""Read a scenario YAML file into a validated, frozen :class:`~scenarios.schema.Scenario`.

All schema problems are collected and raised once as :class:`vpp.errors.ScenarioError`, each with a
readable path that uses park and asset names (``parks.cold_chain.assets.bess.soc_init``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scenarios.schema import Scenario
from vpp.errors import Problem, ScenarioError

SHIPPED_DIR = Path(__file__).resolve().parent


def shipped() -> dict[str, Path]:
    """Scenario files shipped with the package, by name (file stem)."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.yaml"))}


def resolve(path_or_name: str | Path) -> Path:
    """A path to a scenario file: an existing file, or the name of a shipped scenario."""
    p = Path(path_or_name)
    if p.is_file():
        return p
    known = shipped()
    if str(path_or_name) in known:
        return known[str(path_or_name)]
    if p.exists():
        raise ScenarioError(str(p), [Problem("", "is a directory, not a scenario file")])
    raise ScenarioError(
        str(p), [Problem("", f"file not found (shipped scenarios: {', '.join(known) or 'none'})")]
    )


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), [Problem("", f"cannot read file ({exc.strerror})")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), [Problem("", f"malformed YAML at {where}: {what}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError(str(path), [Problem("", "top level must be a mapping of keys (name, network, parks, ...)")])
    return data


def _readable_loc(loc: tuple, data: Any) -> str:
    """Turn a pydantic error location into a dotted path with park/asset names instead of indices."""
    parts: list[str] = []
    node = data
    skip_tag = False
    for item in loc:
        if skip_tag:  # discriminated unions insert the tag ('battery') into the location
            skip_tag = False
            if isinstance(item, str) and not (isinstance(node, dict) and item in node):
                continue
        if isinstance(item, int) and isinstance(node, list):
            elem = node[item] if item < len(node) else None
            label = elem.get("name") if isinstance(elem, dict) and isinstance(elem.get("name"), str) else None
            parts.append(label if label else f"[{item}]")
            node = elem
            skip_tag = isinstance(elem, dict) and "kind" in elem
            continue
        parts.append(str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")


def problems_from_validation(exc: ValidationError, data: Any) -> list[Problem]:
    out = []
    for err in exc.errors():
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        out.append(Problem(_readable_loc(tuple(err["loc"]), data), msg))
    return out


def apply_overrides(data: dict[str, Any], *, days: int | None = None, start: dt.date | str | None = None) -> dict[str, Any]:
    """Command-line overrides of the horizon (``--days``, ``--start``)."""
    data = dict(data)
    horizon = dict(data.get("horizon") or {})
    if days is not None:
        horizon["days"] = days
    if start is not None:
        horizon["start"] = str(start)
    if horizon:
        data["horizon"] = horizon
    return data


def from_dict(data: dict[str, Any], source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate a scenario given as a mapping (as read from YAML)."""
    try:
        scn = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, problems_from_validation(exc, data)) from None
    if scn.network.kind == "pandapower_json" and base_dir is not None:
        p = Path(scn.network.path)
        if not p.is_absolute():
            net = scn.network.model_copy(update={"path": str((base_dir / p).resolve())})
            scn = scn.model_copy(update={"network": net})
    return scn


def load(path_or_name: str | Path, *, days: int | None = None, start: dt.date | str | None = None) -> Scenario:
    """Read, override and validate a scenario file (or shipped scenario name)."""
    path = resolve(path_or_name)
    data = apply_overrides(read_yaml(path), days=days, start=start)
    return from_dict(data, source=str(path), base_dir=path.parent)


def dump(scn: Scenario) -> str:
    """The resolved scenario as YAML (every default filled in), written next to results."""
    return yaml.safe_dump(scn.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
