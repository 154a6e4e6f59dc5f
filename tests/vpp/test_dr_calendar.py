"""A year of DR calls from dr.calendar: reproducible from its seed, counts per season as specified, and the
booking of one calendar's compensation / penalty / dispatch cost change into the cash flow (worked by hand)."""

from __future__ import annotations

import datetime as dt

import pytest

from scenarios import from_dict, load
from vpp import economics as ec
from vpp.calendar_cn import is_working_day
from vpp.errors import VppError
from vpp.evaluation.dr_calendar import calendar_economics, generate
from vpp.evaluation.year import evaluate, project_sizes


def scenario(calendar: dict, programmes=None):
    raw = load("single_park").model_dump(mode="json", exclude_none=True)
    raw["horizon"] = {"start": "2025-01-01", "days": 365, "resolution_min": 15}
    raw["dr"] = {"programmes": programmes or [{"name": "pk", "kind": "peak_shaving", "notice": "day_ahead"},
                                              {"name": "vf", "kind": "valley_filling", "notice": "day_ahead"}],
                 "calendar": calendar}
    return from_dict(raw)


CAL = {"seed": 11, "district_kw": 300, "seasons": {
    "summer": {"calls": 8, "duration_h": [1, 2], "notice": "day_ahead", "kind": "peak_shaving"},
    "spring": {"calls": 2, "duration_h": [2, 2], "kind": "valley_filling", "start_h": [12, 12]}}}


def test_calendar_is_reproducible_and_counts_per_season_match_the_spec():
    scn = scenario(CAL)
    a = generate(scn, dt.date(2025, 1, 1), 365, 0)
    assert [e.model_dump() for e in a] == [e.model_dump() for e in generate(scn, dt.date(2025, 1, 1), 365, 0)]
    assert [e.date for e in generate(scn, dt.date(2025, 1, 1), 365, 1)] != [e.date for e in a]  # seed + 1
    summer = [e for e in a if e.date.month in (7, 8)]
    spring = [e for e in a if e.date.month in (3, 4, 5)]
    winter = [e for e in a if e.date.month in (12, 1)]
    # summer 8 and spring 2 as given; winter not given: its default 3 (domain §2.4, ASSUMPTION L); autumn 0
    assert (len(summer), len(spring), len(winter), len(a)) == (8, 2, 3, 13)
    assert all(e.programme == "pk" and 1 <= e.duration_h <= 2 and 16 <= e.start_h <= 19 for e in summer)
    assert all(e.programme == "vf" and (e.start_h, e.end_h) == (12, 14) for e in spring)
    assert all(is_working_day(e.date) for e in a) and len({e.date for e in summer}) == 8
    assert all(e.district_mw == pytest.approx(0.3) for e in a)


def test_calendar_errors_name_the_season():
    with pytest.raises(VppError, match="season 'summer': no programme of kind peak_shaving with notice real_time"):
        generate(scenario({"seed": 1, "district_kw": 100, "seasons": {"summer": {"calls": 1, "notice": "real_time"}}}),
                 dt.date(2025, 1, 1), 365)
    with pytest.raises(VppError, match="season 'summer': 60 calls but only"):
        generate(scenario({"seed": 1, "district_kw": 100, "seasons": {"summer": {"calls": 60}}}), dt.date(2025, 1, 1), 365)
    with pytest.raises(VppError, match="--calendars needs a year"):
        evaluate(scenario(CAL), days=3, calendars=2)


def test_booking_of_calendars_into_the_cash_flow_by_hand():
    scn = scenario(CAL)
    raw = scn.model_dump(mode="json", exclude_none=True)
    raw["economics"] = {"discount_rate": 0.1, "lifetime_years": 2}
    scn = from_dict(raw)
    sizes = project_sizes(scn)
    split = {"energy_arbitrage": 100_000.0, "demand_charge": 0.0, "pv_self_consumption": 0.0, "export": 0.0,
             "dr_revenue": 0.0, "asset_costs": 0.0}
    # three calendars: payment 10,000 − penalty 2,000 − dispatch cost change 500 = net 7,500, then 0, then 15,000
    nets = iter([(10_000.0, 2_000.0, 500.0), (0.0, 0.0, 0.0), (20_000.0, 4_000.0, 1_000.0)])

    def fake(s):
        p, pen, dc = next(nets)
        return {"n_events": len(s.dr.events), "payment_cny": p, "capacity_payment_cny": 0.0, "penalty_cny": pen,
                "delta_cost_cny": dc, "net_benefit_cny": p - pen - dc}

    res = calendar_economics(scn, split, sizes, 0.0, 0.0, 3, fake)
    base = ec.summary(scn.economics, sizes, split, 0.0, 0.0)[0]["npv_cny"]
    # no escalation, r = 10 %, 2 years: a yearly 1 CNY adds 1/1.1 + 1/1.21 = 1.7355372 CNY of NPV
    a = 1 / 1.1 + 1 / 1.21
    npvs = [r["npv_cny"] - base for r in res["calendars"]]
    assert npvs == pytest.approx([7_500 * a, 0.0, 15_000 * a])
    assert [r["net_benefit_cny"] for r in res["calendars"]] == [7_500.0, 0.0, 15_000.0]
    # percentiles (linear) of {0, 7,500, 15,000}·a: P10 = 1,500·a, P50 = 7,500·a, P90 = 13,500·a
    assert res["npv_p10_cny"] - base == pytest.approx(1_500 * a)
    assert res["npv_p50_cny"] - base == pytest.approx(7_500 * a)
    assert res["npv_p90_cny"] - base == pytest.approx(13_500 * a)
    assert res["net_benefit_mean_cny"] == pytest.approx(7_500.0)
    assert [r["n_events"] for r in res["calendars"]] == [13, 13, 13] and [r["seed"] for r in res["calendars"]] == [11, 12, 13]
