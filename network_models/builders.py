"""Build the pandapower net of a scenario and attach every park's connection point.

Three kinds of network (``scenario.network.kind``):

* ``radial_district`` — a 110 kV external grid, ``n`` main 110/10 kV transformers each feeding its
  own 10 kV busbar section ``<substation>_10kv_s<k>``, and radial cable feeders (chains of lines
  ``<feeder>_<k>`` through the 10 kV buses named by the feeder nodes);
* ``case33bw`` — the Baran & Wu 12.66 kV test feeder; buses renamed ``bus_1`` .. ``bus_33``
  (``bus_1`` = slack), its own loads kept as ``base_load_<bus>``, lines named ``line_1`` ..
  ``line_37`` (pandapower line order; the five tie lines 33..37 are out of service);
* ``pandapower_json`` — any pandapower JSON file whose buses have unique non-empty string names.

A park connects to ``connection.bus``, either directly or through its own 10/0.4 kV transformer(s)
(bus ``<park>_lv`` at 0.4 kV, trafo ``<park>_trafo`` with ``parallel = n_transformers``).
Everything outside this package refers to buses, lines, parks and assets by name; pandapower integer
indices stay in :class:`Grid`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pandapower as pp
import pandapower.networks as pn

from network_models.ratings import radial_bus_names, unknown_bus
from network_models.std_types import cn_std_type_names, register_cn_std_types
from scenarios.schema import Scenario
from vpp.errors import NetworkError

#: relative mismatch between a transformer's rated HV voltage and its bus's nominal voltage above
#: which the park transformer is re-rated to the bus voltage (e.g. 10 kV types on 12.66 kV case33bw)
RERATE_TOLERANCE = 0.10
LV_KV = 0.4


@dataclass
class Grid:
    """A built network plus the name -> index maps the rest of the package needs.

    Attributes
    ----------
    net : pandapowerNet
    bus : dict[str, int]
        Bus name -> pandapower bus index, for every bus of the net.
    park_bus : dict[str, int]
        Park name -> bus index where its assets attach (``<park>_lv`` or the connection bus).
    park_trafo : dict[str, int | None]
        Park name -> index of its 10/0.4 kV connection transformer (``None``: direct connection).
    park_feeder : dict[str, str | None]
        Park name -> feeder its connection bus is on (``radial_district`` only, else ``None``).
    feeders : dict[str, list[str]]
        Feeder name -> line names from the busbar outwards (empty for loaded networks).
    kind : str
        ``scenario.network.kind``.
    vm_min_pu, vm_max_pu : float
        Voltage band [pu] checked on buses with ``vn_kv <= 20`` (GB/T 12325: ±7 %).
    loading_max_percent : float
        Thermal limit of lines and transformers [%].
    """

    net: pp.pandapowerNet
    bus: dict[str, int]
    park_bus: dict[str, int] = field(default_factory=dict)
    park_trafo: dict[str, int | None] = field(default_factory=dict)
    park_feeder: dict[str, str | None] = field(default_factory=dict)
    feeders: dict[str, list[str]] = field(default_factory=dict)
    kind: str = "radial_district"
    vm_min_pu: float = 0.93
    vm_max_pu: float = 1.07
    loading_max_percent: float = 100.0

    def line_index(self, name: str) -> int:
        """pandapower index of the line called ``name``."""
        hits = self.net.line.index[self.net.line.name == name]
        if len(hits) != 1:
            raise NetworkError(f"line '{name}' not found in the network")
        return int(hits[0])


# ------------------------------------------------------------------------------------- helpers
def _fill_names(df, prefix: str) -> None:
    """Give unnamed rows of an element table the name ``<prefix>_<index>``; make names unique."""
    names = []
    seen: set[str] = set()
    for idx, n in zip(df.index, df["name"]):
        s = n if isinstance(n, str) and n else f"{prefix}_{idx}"
        if s in seen:
            s = f"{s}_{idx}"
        seen.add(s)
        names.append(s)
    df["name"] = names


def _bus_map(net: pp.pandapowerNet, what: str) -> dict[str, int]:
    names = net.bus["name"]
    bad = [int(i) for i, n in zip(net.bus.index, names) if not isinstance(n, str) or not n]
    if bad:
        raise NetworkError(f"{what}: buses {bad[:10]} have no string name (bus names must be unique non-empty strings)")
    dup = sorted(set(names[names.duplicated()]))
    if dup:
        raise NetworkError(f"{what}: bus names used twice: {', '.join(dup[:10])}")
    return {str(n): int(i) for i, n in zip(net.bus.index, names)}


# ------------------------------------------------------------------------------------- networks
def _build_radial(scn: Scenario) -> tuple[pp.pandapowerNet, dict[str, list[str]], dict[str, str]]:
    """``radial_district`` net; returns (net, feeder -> line names, bus name -> feeder name)."""
    nw = scn.network
    sub = nw.substation
    net = empty_net_with_cn_types(scn.name)
    problems: list[str] = []

    # every bus name, checked for duplicates before anything is created
    names = radial_bus_names(nw)
    first: dict[str, str] = {}
    for n, where in names:
        if n in first:
            problems.append(f"bus '{n}' of {where} is already defined by {first[n]}")
        else:
            first[n] = where
    if not pp.std_type_exists(net, sub.transformer_type, "trafo"):
        problems.append(
            f"substation transformer_type '{sub.transformer_type}' is unknown "
            f"(CN types: {', '.join(cn_std_type_names('trafo'))})"
        )
    for f in nw.feeders:
        for k, node in enumerate(f.nodes, 1):
            ct = node.cable_type or f.cable_type
            if not pp.std_type_exists(net, ct, "line"):
                problems.append(
                    f"feeder '{f.name}' section {k} (to bus '{node.bus}'): unknown cable type '{ct}' "
                    f"(CN types: {', '.join(cn_std_type_names('line'))})"
                )
    line_names = [f"{f.name}_{k}" for f in nw.feeders for k in range(1, len(f.nodes) + 1)]
    clash = sorted({n for n in line_names if line_names.count(n) > 1})
    if clash:
        problems.append(f"line names used twice (feeder names clash): {', '.join(clash)}")
    if problems:
        raise NetworkError("; ".join(problems))

    hv = pp.create_bus(net, vn_kv=sub.vn_hv_kv, name=f"{sub.name}_110kv", type="b")
    pp.create_ext_grid(net, hv, vm_pu=sub.vm_pu, va_degree=0.0, name=f"{sub.name}_grid")
    sections = {}
    for k in range(1, sub.n_transformers + 1):
        lv = pp.create_bus(net, vn_kv=10.0, name=f"{sub.name}_10kv_s{k}", type="b")
        sections[k] = lv
        pp.create_transformer(net, hv, lv, std_type=sub.transformer_type, name=f"{sub.name}_t{k}",
                              tap_pos=sub.tap_pos)
    feeders: dict[str, list[str]] = {}
    bus_feeder: dict[str, str] = {}
    for f in nw.feeders:
        prev = sections[f.section]
        feeders[f.name] = []
        for k, node in enumerate(f.nodes, 1):
            b = pp.create_bus(net, vn_kv=10.0, name=node.bus, type="n")
            name = f"{f.name}_{k}"
            pp.create_line(net, prev, b, length_km=node.length_km, std_type=node.cable_type or f.cable_type,
                           name=name)
            feeders[f.name].append(name)
            bus_feeder[node.bus] = f.name
            prev = b
    return net, feeders, bus_feeder


def _build_case33bw() -> pp.pandapowerNet:
    net = pn.case33bw()
    register_cn_std_types(net)
    net.bus["name"] = [f"bus_{i + 1}" for i in range(len(net.bus))]
    net.load["name"] = [f"base_load_bus_{int(b) + 1}" for b in net.load.bus]
    net.line["name"] = [f"line_{i + 1}" for i in range(len(net.line))]
    net.ext_grid["name"] = "ext_grid"
    return net


def _build_json(path: str) -> pp.pandapowerNet:
    try:
        net = pp.from_json(path)
    except FileNotFoundError:
        raise NetworkError(f"pandapower JSON file not found: {path}") from None
    except Exception as exc:  # noqa: BLE001 - any parse error is a user error here
        raise NetworkError(f"cannot read pandapower JSON file {path}: {exc}") from None
    register_cn_std_types(net)
    for table, prefix in (("line", "line"), ("trafo", "trafo"), ("ext_grid", "ext_grid")):
        if len(net[table]):
            _fill_names(net[table], prefix)
    return net


# ------------------------------------------------------------------------------------------ parks
def _connect_parks(grid: Grid, scn: Scenario, bus_feeder: dict[str, str]) -> None:
    """Check every park's connection (all problems at once), then create LV buses and transformers."""
    net = grid.net
    known = list(grid.bus)
    trafo_types = cn_std_type_names("trafo")
    problems: list[str] = []
    for p in scn.parks:
        c = p.connection
        if c.bus not in grid.bus:
            problems.append(unknown_bus(p.name, c.bus, known))
        if c.transformer_type is not None and not pp.std_type_exists(net, c.transformer_type, "trafo"):
            problems.append(
                f"park '{p.name}': unknown transformer_type '{c.transformer_type}' (CN types: {', '.join(trafo_types)})"
            )
        lv = f"{p.name}_lv"
        if c.transformer_type is not None and lv in grid.bus:
            problems.append(f"park '{p.name}': bus name '{lv}' is already used in the network")
    if problems:
        raise NetworkError("; ".join(problems))

    for p in scn.parks:
        c = p.connection
        hv = grid.bus[c.bus]
        grid.park_feeder[p.name] = bus_feeder.get(c.bus)
        if c.transformer_type is None:
            grid.park_bus[p.name] = hv
            grid.park_trafo[p.name] = None
            continue
        lv = pp.create_bus(net, vn_kv=LV_KV, name=f"{p.name}_lv", type="b")
        grid.bus[f"{p.name}_lv"] = int(lv)
        st = pp.load_std_type(net, c.transformer_type, "trafo")
        vn_bus = float(net.bus.at[hv, "vn_kv"])
        if abs(vn_bus - st["vn_hv_kv"]) / st["vn_hv_kv"] > RERATE_TOLERANCE:
            # e.g. a 10 kV type on the 12.66 kV case33bw: re-rate the HV side to the bus voltage so
            # the LV bus sits at ~1 pu instead of 1.27 pu (impedances in % stay those of the type)
            params = {k: v for k, v in st.items() if k not in ("vector_group", "tap_changer_type")}
            params["vn_hv_kv"] = vn_bus
            t = pp.create_transformer_from_parameters(
                net, hv, lv, name=f"{p.name}_trafo", parallel=c.n_transformers, tap_pos=st.get("tap_neutral", 0),
                vector_group=st.get("vector_group"), tap_changer_type=st.get("tap_changer_type"), **params
            )
            net.trafo.at[t, "std_type"] = c.transformer_type
        else:
            t = pp.create_transformer(net, hv, lv, std_type=c.transformer_type, name=f"{p.name}_trafo",
                                      parallel=c.n_transformers)
        grid.park_bus[p.name] = int(lv)
        grid.park_trafo[p.name] = int(t)


_TEMPLATE: list = []


def empty_net_with_cn_types(name: str):
    """An empty pandapower net with the CN standard types registered: a copy of one template built
    per process (``create_empty_network`` builds ~50 empty tables, ten times slower than the copy)."""
    if not _TEMPLATE:
        t = pp.create_empty_network()
        register_cn_std_types(t)
        _TEMPLATE.append(t)
    net = copy.deepcopy(_TEMPLATE[0])
    net.name = name
    return net


# -------------------------------------------------------------------------------------- public
def build_grid(scn: Scenario) -> Grid:
    """Build the pandapower net of ``scn`` and connect its parks.

    Parameters
    ----------
    scn : Scenario

    Returns
    -------
    Grid
        The net (CN std types registered) and the name maps. No asset elements yet: see
        :func:`network_models.mapping.attach_assets`.

    Raises
    ------
    NetworkError
        Duplicate / missing bus names, unknown std types, unknown connection buses (all parks'
        problems are reported in one message).
    """
    nw = scn.network
    bus_feeder: dict[str, str] = {}
    feeders: dict[str, list[str]] = {}
    if nw.kind == "radial_district":
        net, feeders, bus_feeder = _build_radial(scn)
        what = "radial_district"
    elif nw.kind == "case33bw":
        net, what = _build_case33bw(), "case33bw"
    elif nw.kind == "pandapower_json":
        net, what = _build_json(str(nw.path)), f"pandapower JSON {nw.path}"
    else:  # pragma: no cover - the schema restricts kind
        raise NetworkError(f"unknown network kind '{nw.kind}'")
    if not (len(net.ext_grid) and net.ext_grid["in_service"].astype(bool).any()):
        raise NetworkError(f"{what}: the network has no external grid (slack bus) in service: no power flow can "
                           "converge; add an ext_grid at the substation bus")
    grid = Grid(
        net=net, bus=_bus_map(net, what), feeders=feeders, kind=nw.kind,
        vm_min_pu=nw.vm_min_pu, vm_max_pu=nw.vm_max_pu, loading_max_percent=nw.loading_max_percent,
    )
    _connect_parks(grid, scn, bus_feeder)
    return grid


def park_capacity_mva(grid: Grid, park_name: str) -> float | None:
    """Rated capacity of a park's connection transformers, ``n × sn_mva`` [MVA]; ``None`` if direct."""
    if park_name not in grid.park_trafo:
        raise NetworkError(f"park '{park_name}' is not in the network (parks: {', '.join(grid.park_trafo)})")
    t = grid.park_trafo[park_name]
    if t is None:
        return None
    tr = grid.net.trafo
    return float(tr.at[t, "sn_mva"] * tr.at[t, "parallel"])
