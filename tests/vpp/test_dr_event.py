"""DR events end to end on a one-park scenario: energy balance of the rebound, notice time, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from vpp.demand_response.checks import check_dr
from vpp.demand_response.event import simulate_event
from vpp.demand_response.rules import simulator_rule
from vpp.demand_response.settlement import settle
from vpp.errors import ScenarioError
from tests.vpp.cold_park import OPS, ROOMS, cold_park_scenario


def scenario(events, programmes=None, days=1):
    other = {"name": "other", "connection": {"bus": "p_10kv"},
             "assets": [{"kind": "fixed_load", "name": "o", "archetype": "data_centre", "p_peak_kw": 500}]}
    programmes = programmes or [{"name": "ps", "kind": "peak_shaving"},
                                {"name": "rt", "kind": "peak_shaving", "notice": "real_time"}]
    return cold_park_scenario("dr_park", tariff={"billing": "single_part"}, assets=[OPS, ROOMS], other_parks=[other],
                              dr={"programmes": programmes, "events": events}, days=days)

def test_event_energy_reappears_as_rebound_and_settlement_matches():
    scn = scenario([{"id": "e1", "programme": "ps", "date": "2025-07-22", "start_h": 18, "end_h": 20,
                     "requested_kw": {"cold": 300}}])
    r = simulate_event(scn, "e1")
    s = r.summary.iloc[0]
    ts = r.timeseries
    dt_h = 0.25
    a0, a1 = ts.counterfactual_mw.to_numpy(), ts.actual_mw.to_numpy()
    ev = ts.in_event.to_numpy()
    # the thermal store ends where it started (no losses): the park draws the same energy over the day
    assert a1.sum() * dt_h == pytest.approx(a0.sum() * dt_h, abs=1e-6)
    rooms = r.with_event.assets[r.with_event.assets.asset == "rooms"]
    assert rooms.p_load_mw.sum() == pytest.approx(rooms.p_nominal_mw.sum(), abs=1e-6)
    # what the event took is shifted before it or recovered after it
    diff = a0 - a1
    first = int(np.flatnonzero(ev)[0])
    last = int(np.flatnonzero(ev)[-1]) + 1
    assert s.physical_response_mwh == pytest.approx(diff[ev].sum() * dt_h, abs=1e-9)
    assert s.physical_response_mwh == pytest.approx(-(diff[:first].sum() + diff[last:].sum()) * dt_h, abs=1e-6)
    assert s.physical_response_mwh > 0.1
    assert s.rebound_mwh + s.pre_event_shift_mwh >= s.physical_response_mwh - 1e-6
    # settlement of the table = the pure rule on the time series; payment at the 2000 CNY/MWh default
    b = ts.baseline_mw.to_numpy()[ev]
    ref = settle(b, a1[ev], 0.3, dt_h, kind="peak_shaving", price_cny_per_mwh=2000, rule=simulator_rule())
    for k in ("verified_mwh", "payment_cny", "penalty_cny", "response_ratio"):
        assert s[k] == pytest.approx(ref[k], abs=1e-9)
    assert s.payment_cny == pytest.approx(2000 * min(s.verified_mwh, 1.2 * 0.6), abs=1e-6)
    # net benefit = DR revenue − extra dispatch cost
    assert s.net_benefit_cny == pytest.approx(s.dr_revenue_cny - (s.cost_event_cny - s.cost_no_event_cny), abs=1e-6)
    # the settlement baseline is the mean of 5 working days before Tue 2025-07-22
    assert [d.isoformat() for d in r.baseline_days] == ["2025-07-21", "2025-07-18", "2025-07-17", "2025-07-16", "2025-07-15"]


def test_real_time_notice_fixes_the_schedule_before_the_notice():
    scn = scenario([{"id": "rt1", "programme": "rt", "date": "2025-07-22", "start_h": 18, "end_h": 19,
                     "requested_kw": {"cold": 200}}])
    r = simulate_event(scn, "rt1")
    assert r.t_notice == 70  # 17:30 = 18:00 − 0.5 h, at 15 min steps
    ts = r.timeseries
    assert ts.actual_mw.to_numpy()[:70] == pytest.approx(ts.counterfactual_mw.to_numpy()[:70], abs=1e-9)
    # any pre-event shift (pre-cooling) lies between the notice (17:30) and the start (18:00)
    shift = np.clip(ts.actual_mw.to_numpy()[70:72] - ts.counterfactual_mw.to_numpy()[70:72], 0, None).sum() * 0.25
    assert r.summary.iloc[0].pre_event_shift_mwh == pytest.approx(shift, abs=1e-9)


def test_bad_events_are_all_reported_at_once():
    scn = scenario([
        {"id": "a", "programme": "ps", "date": "2025-07-22", "start_h": 18, "end_h": 20, "requested_kw": {"cold": 300, "nowhere": 100}},
        {"id": "b", "programme": "ps", "date": "2025-07-22", "start_h": 19, "end_h": 21, "requested_mw": {"cold": -0.2}},
        {"id": "c", "programme": "nope", "date": "2025-08-01", "start_h": 10, "end_h": 11, "district_mw": 1.0},
    ])
    with pytest.raises(ScenarioError) as exc:
        check_dr(scn)
    msg = str(exc.value)
    assert "5 problems" in msg
    assert "dr.events.a.requested_mw.nowhere: unknown park 'nowhere'" in msg
    assert "dr.events.b.requested_mw.cold: requested MW must not be negative (got -0.2)" in msg
    assert "dr.events.b: overlaps event 'a' on 2025-07-22 for park(s) cold" in msg
    assert "dr.events.c.programme: unknown programme 'nope'" in msg
    assert "dr.events.c.date: 2025-08-01 is outside the horizon 2025-07-22..2025-07-22" in msg


def test_cli_dr_on_the_shipped_scenario(tmp_path):
    from cli import main

    res = CliRunner().invoke(main, ["dr", "yuhua_district", "--event", "peak_0722_real_time", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)[0]
    assert out["event"] == "peak_0722_real_time" and out["price_cny_per_mwh"] == 4000.0
    assert out["rule"]["name"] == "hunan_2025" and out["rule"]["version"] == "2025.1-draft"
    for p in out["parks"]:
        assert p["rule"] == "hunan_2025"
        # Hunan tiers: coefficient 0 below 0.5, 0.8 in [0.5, 0.8), 1 from 0.8
        coef = 0.0 if p["response_ratio"] < 0.5 - 1e-9 else 0.8 if p["response_ratio"] < 0.8 - 1e-9 else 1.0
        assert p["payment_coefficient"] == coef
        assert p["payment_cny"] == pytest.approx(4000.0 * coef * p["paid_mwh"])
        assert p["penalty_cny"] == pytest.approx(4000.0 * max(0.0, 0.5 * p["commitment_mwh"] - p["verified_mwh"]))
        assert p["paid_mwh"] <= 1.2 * p["commitment_mwh"] + 1e-9
    folder = tmp_path / "peak_0722_real_time"
    assert {"dr_summary.parquet", "dr_timeseries.parquet", "dr.json", "dr.png"} <= {f.name for f in folder.iterdir()}
    bad = CliRunner().invoke(main, ["dr", "yuhua_district", "--start", "2025-07-25", "--event", "peak_0722_real_time"])
    assert bad.exit_code == 1 and "outside the horizon" in bad.output
