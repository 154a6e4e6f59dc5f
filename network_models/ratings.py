"""Transformer ratings of a scenario's park connections, without building the pandapower grid.

``connection_capacity_mva(scn)[park] = n_transformers × sn_mva`` of the park's ``transformer_type``
(``None`` where the park sits directly on the bus): the same figure as
:func:`network_models.builders.park_capacity_mva` on the built grid, for studies that run no power flow
(the year evaluation, sizing) and so need not import pandapower. The rating comes from the CN standard
types (``data/cn_std_types.yaml``); any other name is looked up in pandapower's own standard types.
"""

from __future__ import annotations

from scenarios.schema import Scenario
from vpp.errors import NetworkError

from network_models.std_types import cn_std_type_names, cn_std_types


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
    nw = scn.network
    if nw.kind == "radial_district":
        sub = nw.substation
        known = [f"{sub.name}_110kv", *(f"{sub.name}_10kv_s{k}" for k in range(1, sub.n_transformers + 1)),
                 *(node.bus for f in nw.feeders for node in f.nodes)]
        bad = [p for p in scn.parks if p.connection.bus not in known]
        if bad:
            import difflib

            raise NetworkError("; ".join(
                f"park '{p.name}': connection bus '{p.connection.bus}' does not exist (e.g. "
                f"{(difflib.get_close_matches(p.connection.bus, known, n=1, cutoff=0.0) or known)[0]})" for p in bad))
    out: dict[str, float | None] = {}
    for p in scn.parks:
        c = p.connection
        try:
            out[p.name] = None if c.transformer_type is None else c.n_transformers * transformer_sn_mva(c.transformer_type)
        except NetworkError as exc:
            raise NetworkError(f"park '{p.name}': {exc}") from None
    return out
