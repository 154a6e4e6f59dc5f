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

from scenarios import plan as _plan
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


MAX_ALIASES = 100  # YAML aliases (*name) per document: real scenarios use a few; an alias bomb thousands
MAX_EXPANDED_NODES = 1_000_000  # nodes of the document with every alias expanded (nested alias bombs)
MAX_BYTES = 20_000_000  # a scenario file is a few kB; measured data goes in separate files


class StrictYamlLoader(yaml.SafeLoader):
    """Safe YAML with two refusals: a key repeated in one mapping (the last one would win silently)
    and more than ``MAX_ALIASES`` aliases (an alias bomb expands to billions of elements)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_ALIASES} aliases (*name): refused", self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            n = _expanded_size(node, {})
            if n > MAX_EXPANDED_NODES:
                raise yaml.composer.ComposerError(
                    None, None, f"the document expands to {n:,} nodes through its aliases (at most "
                    f"{MAX_EXPANDED_NODES:,}): refused", node.start_mark)
        return node

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the constructor reports it
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first given at line {first + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node, memo: dict[int, int]) -> int:
    """Number of nodes once every alias is expanded (shared nodes counted each time they are used)."""
    hit = memo.get(id(node))
    if hit is not None:
        return hit
    memo[id(node)] = 1  # guards recursive documents
    if isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_size(v, memo) for v in node.value)
    elif isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        n = 1
    memo[id(node)] = n
    return n


StrictYamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, StrictYamlLoader.construct_mapping)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ScenarioError(str(path), [Problem("", f"file of {path.stat().st_size:,} bytes is too large for a "
                                                        f"scenario (at most {MAX_BYTES:,})")])
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), [Problem("", f"cannot read file ({exc.strerror})")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), [Problem("", f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")]) from None
    try:
        data = yaml.load(text, Loader=StrictYamlLoader)  # noqa: S506 (a SafeLoader subclass)
    except RecursionError:
        raise ScenarioError(str(path), [Problem("", "nested too deeply to be a scenario")]) from None
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
    if not isinstance(data.get("horizon") or {}, dict):
        return data  # a horizon of the wrong shape: the schema names it
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
    scn = apply_plan(scn, source)
    if scn.network.kind == "pandapower_json" and base_dir is not None:
        p = Path(scn.network.path)
        if not p.is_absolute():
            net = scn.network.model_copy(update={"path": str((base_dir / p).resolve())})
            scn = scn.model_copy(update={"network": net})
    return _resolve_dr_rules(_resolve_data_files(scn, source, base_dir), base_dir)


def apply_plan(scn: Scenario, source: str = "<scenario>") -> Scenario:
    """The scenario with its rooftop ``plan`` applied (:mod:`scenarios.plan`): PV assets sized from the parks'
    roofs replace those an earlier application created. Unchanged without a plan; applying it twice gives
    the same scenario."""
    if scn.plan is None:
        return scn
    bad = _plan.check_names(scn)
    if bad:
        raise ScenarioError(source, [Problem(path, msg) for path, msg in bad])
    data = _plan.planned_data(scn)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, problems_from_validation(exc, data)) from None


def with_plan(scn: Scenario, **fields: Any) -> Scenario:
    """The scenario with these ``plan`` fields set (a plan with its defaults is added when there is none) and
    the plan applied, e.g. ``with_plan(scn, pv_rooftop_share=0.3)`` (``vpp run --plan-pv-share 0.3``).
    A scenario without roofs gets no PV from it."""
    from scenarios.roof_schema import Plan

    data = scn.plan.model_dump() if scn.plan is not None else {}
    if "year" in fields and "density_wp_per_m2" not in fields:
        data.pop("density_wp_per_m2", None)  # the new year's default density
    data.update(fields)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError("plan", problems_from_validation(exc, data)) from None
    return apply_plan(scn.model_copy(update={"plan": plan}), "plan")


#: asset fields that name a data file (a model with a ``path``): meter profile, PV production or
#: weather, EV session records
DATA_FILE_FIELDS = ("profile", "production", "weather", "sessions_file")


def _resolve_data_files(scn: Scenario, source: str, base_dir: Path | None) -> Scenario:
    """Make every data-file path of the assets absolute (relative to the scenario file's folder) and
    check that each file exists, reporting all missing files at once."""
    problems: list[Problem] = []
    parks = []
    changed = False
    for park in scn.parks:
        assets = []
        for a in park.assets:
            upd = {}
            for field in DATA_FILE_FIELDS:
                spec = getattr(a, field, None)
                if spec is None or not hasattr(spec, "path"):
                    continue
                p = Path(spec.path).expanduser()
                if not p.is_absolute():
                    p = (base_dir if base_dir is not None else Path.cwd()) / p
                p = p.resolve()
                if not p.is_file():
                    what = "is a directory, not a file" if p.is_dir() else "file not found"
                    problems.append(Problem(f"parks.{park.name}.assets.{a.name}.{field}.path", f"{what}: {p}"))
                elif str(p) != spec.path:
                    upd[field] = spec.model_copy(update={"path": str(p)})
            if upd:
                changed = True
                a = a.model_copy(update=upd)
            assets.append(a)
        parks.append(park.model_copy(update={"assets": assets}) if changed else park)
    if problems:
        raise ScenarioError(source, problems)
    return scn.model_copy(update={"parks": parks}) if changed else scn


DR_RULES_DIR = SHIPPED_DIR / "dr_rules"


def shipped_dr_rules() -> dict[str, Path]:
    """DR programme rule files shipped with the package (``scenarios/dr_rules/*.yaml``), by name (file stem)."""
    return {p.stem: p for p in sorted(DR_RULES_DIR.glob("*.yaml"))}


def dr_rule_path(name_or_path: str, base_dir: Path | None = None) -> Path:
    """The file of a rule: a shipped rule name, else a path (relative to ``base_dir``, default the cwd)."""
    known = shipped_dr_rules()
    if name_or_path in known:
        return known[name_or_path]
    p = Path(name_or_path).expanduser()
    if not p.is_absolute():
        p = (base_dir if base_dir is not None else Path.cwd()) / p
    return p.resolve()


def load_dr_rule(name_or_path: str, base_dir: Path | None = None):
    """Read and validate a DR rule file (:class:`scenarios.dr_rule_schema.DRRule`); every problem is a
    :class:`ScenarioError` naming the rule file and the field."""
    from scenarios.dr_rule_schema import DRRule

    path = dr_rule_path(name_or_path, base_dir)
    if not path.is_file():
        what = "is a directory, not a rule file" if path.is_dir() else "rule file not found"
        raise ScenarioError(str(path), [Problem("", f"{what} (shipped rules: {', '.join(shipped_dr_rules())})")])
    data = read_yaml(path)
    try:
        return DRRule.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(str(path), problems_from_validation(exc, data)) from None


def _resolve_dr_rules(scn: Scenario, base_dir: Path | None) -> Scenario:
    """Make the path of every programme's rule file absolute (shipped names stay) and validate each file."""
    if scn.dr is None or not any(p.rule for p in scn.dr.programmes):
        return scn
    progs = []
    for prog in scn.dr.programmes:
        if prog.rule is not None:
            load_dr_rule(prog.rule, base_dir)  # raises with the file and the field
            if prog.rule not in shipped_dr_rules():
                prog = prog.model_copy(update={"rule": str(dr_rule_path(prog.rule, base_dir))})
        progs.append(prog)
    return scn.model_copy(update={"dr": scn.dr.model_copy(update={"programmes": progs})})


def load(path_or_name: str | Path, *, days: int | None = None, start: dt.date | str | None = None) -> Scenario:
    """Read, override and validate a scenario file (or shipped scenario name)."""
    path = resolve(path_or_name)
    data = apply_overrides(read_yaml(path), days=days, start=start)
    return from_dict(data, source=str(path), base_dir=path.parent)


def dump(scn: Scenario) -> str:
    """The resolved scenario as YAML (every default filled in), written next to results."""
    return yaml.safe_dump(scn.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
