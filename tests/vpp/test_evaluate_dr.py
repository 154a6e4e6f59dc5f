"""DR revenue in ``vpp evaluate``: the events of the period give the net benefit ``vpp dr`` reports."""

from __future__ import annotations

import pytest

from vpp.demand_response.event import simulate_event
from vpp.evaluation.year import evaluate
from tests.vpp.cold_park import OPS, ROOMS, cold_park_scenario


def scenario():
    bess = {"kind": "battery", "name": "bess", "p_max_kw": 300, "e_max_kwh": 600}
    events = [
        {"id": "e1", "programme": "ps", "date": "2025-07-22", "start_h": 18, "end_h": 20, "requested_kw": {"cold": 300}},
        {"id": "later", "programme": "ps", "date": "2025-07-25", "start_h": 18, "end_h": 20, "requested_kw": {"cold": 300}},
    ]
    return cold_park_scenario("dr_eval", tariff={"billing": "single_part"}, assets=[OPS, bess, ROOMS],
                              dr={"programmes": [{"name": "ps", "kind": "peak_shaving"}], "events": events})

def test_dr_revenue_equals_vpp_dr_net_benefit_of_the_period_event():
    scn = scenario()
    ev = evaluate(scn, days=1)
    ref = simulate_event(scn, "e1").summary.iloc[0]  # what `vpp dr` reports for the event
    d = ev.kpis["dr"]
    assert d["n_events"] == 1 and [r["event"] for r in d["events"]] == ["e1"]  # 'later' is outside the day
    assert ev.kpis["savings_cny"]["dr_revenue"] == pytest.approx(ref.net_benefit_cny, abs=1e-6)
    assert d["payment_cny"] == pytest.approx(ref.payment_cny, abs=1e-6)
    assert d["penalty_cny"] == pytest.approx(ref.penalty_cny, abs=1e-6)
    assert d["net_benefit_cny"] == pytest.approx(
        d["payment_cny"] + d["capacity_payment_cny"] - d["penalty_cny"] - d["delta_cost_cny"], abs=1e-6)
    assert ref.payment_cny > 0
    # the savings split = bill difference + DR net benefit; DR is not annualised (×365) in the economics
    k = ev.kpis
    assert sum(k["savings_cny"].values()) == pytest.approx(
        k["baseline"]["total_cost_cny"] - k["project"]["total_cost_cny"] + ref.net_benefit_cny, abs=1e-6)
    assert k["economics"] is None and k["annualisation"]["method"] == "none"  # one day: no NPV
    # dr=False leaves it out
    assert evaluate(scn, days=1, dr=False).kpis["savings_cny"]["dr_revenue"] == 0.0
