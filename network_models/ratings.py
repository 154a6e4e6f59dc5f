"""Transformer ratings of a scenario's park connections, without building the pandapower grid.

``connection_capacity_mva(scn)[park] = n_transformers × sn_mva`` of the park's ``transformer_type``
(``None`` where the park sits directly on the bus): the same figure as
:func:`network_models.builders.park_capacity_mva` on the built grid, for studies that run no power flow
(the year evaluation, sizing) and so need not import pandapower. The rating comes from the CN standard
types (``data/cn_std_types.yaml``); any other name is looked up in pandapower's own standard types.
"""

from __future__ import annotations

import difflib

from scenarios.schema import Scenario
from vpp.errors import NetworkError

from network_models.std_types import cn_std_type_names, cn_std_types


def radial_bus_names(network) -> list[tuple[str, str]]:
    """Every bus a ``radial_district`` network defines, with where it is defined: the 110 kV bus and
    one 10 kV section per main transformer of the substation, then each feeder's nodes."""
    sub = network.substation
    names = [(f"{sub.name}_110kv", "substation")]
    names += [(f"{sub.name}_10kv_s{k}", "substation") for k in range(1, sub.n_transformers + 1)]
    names += [(node.bus, f"feeder '{f.name}'") for f in network.feeders for node in f.nodes]
    return names


def suggest(name: str, known: list[str], n: int = 5) -> str:
    """Up to ``n`` known names close to ``name`` (or the first ``n``), for an error message."""
    close = difflib.get_close_matches(name, known, n=n, cutoff=0.5)
    pick = close or known[:n]
    return ", ".join(pick) + (" ..." if not close and len(known) > n else "")


def unknown_bus(park: str, bus: str, known: list[str]) -> str:
    """The message for a park connected to a bus the network does not have."""
    return f"park '{park}': connection bus '{bus}' does not exist (e.g. {suggest(bus, known)})"


def transformer_sn_mva(type_name: str) -> float:
    """Rated power [MVA] of one transformer standard type."""
    cn = cn_std_types("trafo")
    if type_name in cn:
        return float(cn[type_name]["sn_mva"])
    import pandapower as pp  # only for a type outside the CN table (heavy import)

    net = pp.create_empty_network()
    if not pp.std_type_exists(net, type_name, "trafo"):
        raise NetworkError(f"unknown transformer_type '{type_name}' (CN types: {', '.join(cn_std_type_names('trafo'))})")
    return float(pp.load_std_type(net, type_name, "trafo")["sn_mva"])


def connection_capacity_mva(scn: Scenario) -> dict[str, float | None]:
    """Rated capacity [MVA] of each park's connection transformers; ``None`` for a direct connection.

    For a ``radial_district`` network the parks' connection buses are checked against the buses the
    scenario defines (substation sections and feeder nodes), as building the grid would: a study that
    runs no power flow still refuses a park on a bus that does not exist.
    """
    if scn.network.kind == "radial_district":
        known = [name for name, _ in radial_bus_names(scn.network)]
        bad = [p for p in scn.parks if p.connection.bus not in known]
        if bad:
            raise NetworkError("; ".join(unknown_bus(p.name, p.connection.bus, known) for p in bad))
    out: dict[str, float | None] = {}
    for p in scn.parks:
        c = p.connection
        try:
            out[p.name] = None if c.transformer_type is None else c.n_transformers * transformer_sn_mva(c.transformer_type)
        except NetworkError as exc:
            raise NetworkError(f"park '{p.name}': {exc}") from None
    return out
