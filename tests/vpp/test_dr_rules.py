"""DR programme rule files: tiers, adjustment cap, N-of-M baseline and bad rule files, against hand computations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from scenarios.loader import load_dr_rule, shipped_dr_rules
from vpp.demand_response.baseline import adjustment_factor, similar_day_baseline, similar_days
from vpp.demand_response.rules import simulator_rule
from vpp.demand_response.settlement import settle
from vpp.errors import ScenarioError

GENERIC = load_dr_rule("generic_provincial")


def test_shipped_rules_load_with_name_version_and_sources():
    assert set(shipped_dr_rules()) == {"simulator", "generic_provincial", "hunan_2025"}
    hn = load_dr_rule("hunan_2025")
    assert hn.label == "hunan_2025 2025.1-draft"
    assert "S_HN_VPP_2026" in {s.id for s in hn.sources}
    assert GENERIC.label == "generic_provincial 2025.1"


@pytest.mark.parametrize("ratio, payment, penalty", [
    # C = 1 MW over 2 h: E_c = 2 MWh, price 2000 CNY/MWh, average_mw measure: V = ratio × 2 MWh
    (0.4, 0.0, 2000 * (0.5 - 0.4) * 2),          # < 50 %: nothing paid; shortfall 0.1 × 2 = 0.2 MWh × 2000 = 400
    (0.7, 0.8 * 2000 * 1.4, 0.0),                # 50-80 %: 0.8 × 2000 × 1.4 MWh = 2240
    (1.0, 2000 * 2.0, 0.0),                      # 80-120 %: 4000
    (1.3, 2000 * 2.4, 0.0),                      # > 120 %: paid up to 1.2 × 2 = 2.4 MWh -> 4800
])
def test_generic_rule_payment_tiers(ratio, payment, penalty):
    # 8 steps of 15 min; baseline 5 MW, metered 5 − ratio MW
    s = settle(np.full(8, 5.0), np.full(8, 5.0 - ratio), 1.0, 0.25, kind="peak_shaving", rule=GENERIC,
               price_cny_per_mwh=2000)
    assert s["response_ratio"] == pytest.approx(ratio)
    assert s["payment_cny"] == pytest.approx(payment)
    assert s["penalty_cny"] == pytest.approx(penalty)
    assert s["dr_revenue_cny"] == pytest.approx(payment - penalty)


def test_average_measure_nets_wrong_way_steps_energy_measure_clips_them():
    # d = [2, -1, 1, 2] MW over 4 × 15 min; C = 1 MW, E_c = 1 MWh
    b, a = [5, 5, 5, 5], [3, 6, 4, 3]
    avg = settle(b, a, 1.0, 0.25, kind="peak_shaving", rule=GENERIC, price_cny_per_mwh=2000)
    assert avg["verified_mw"] == pytest.approx(1.0)          # mean(2, -1, 1, 2) = 1
    assert avg["payment_cny"] == pytest.approx(2000.0)
    en = settle(b, a, 1.0, 0.25, kind="peak_shaving", rule=simulator_rule(), price_cny_per_mwh=2000)
    assert en["verified_mwh"] == pytest.approx(1.25)         # (2 + 0 + 1 + 2) × 0.25
    assert en["payment_cny"] == pytest.approx(2000 * 1.2)    # capped at 1.2 MWh


def test_adjustment_factor_is_capped():
    cap = GENERIC.baseline.adjustment.cap
    assert cap == (0.8, 1.2)
    assert adjustment_factor([2.0, 2.0], [3.0, 3.0], cap) == pytest.approx((1.5, 1.2))
    assert adjustment_factor([5.0, 5.0], [3.0, 3.0], cap) == pytest.approx((0.6, 0.8))
    assert adjustment_factor([4.0, 6.0], [5.5, 5.5], cap) == pytest.approx((1.1, 1.1))
    assert adjustment_factor([], [], cap) == (1.0, 1.0)


def test_n_of_m_baseline_with_event_day_and_holiday_excluded():
    # event Thu 2025-10-09 (after the National Day holiday 10-01..10-08; Sat 09-28 and Sat 10-11 are make-up
    # workdays). Working days before it, newest first: 09-30, 09-29, 09-28 (make-up Sat), 09-26, 09-25, ...
    # 10-01..10-08 are holidays (not of the class). M = 4: candidates 09-30, 09-29, 09-28, 09-26; 09-29 had an
    # event -> N = 2 of the rest: 09-30, 09-28.
    ev = dt.date(2025, 10, 9)
    days = similar_days(ev, 2, exclude=[dt.date(2025, 9, 29)], m_days=4)
    assert days == [dt.date(2025, 9, 30), dt.date(2025, 9, 28)]
    # with N = 4 of M = 4 only 3 remain: all three are used
    assert similar_days(ev, 4, exclude=[dt.date(2025, 9, 29)], m_days=4) == [
        dt.date(2025, 9, 30), dt.date(2025, 9, 28), dt.date(2025, 9, 26)]
    # table: one park, 2 steps a day (00:00, 12:00); load = day of month at 00:00, 2 × day at 12:00
    idx = pd.date_range("2025-09-20", "2025-10-08 12:00", freq="12h", tz="Asia/Shanghai", name="time")
    x = pd.DataFrame({"p": [t.day * (2.0 if t.hour else 1.0) for t in idx]}, index=idx)
    mean, used = similar_day_baseline(x, ev, 2, exclude=[dt.date(2025, 9, 29)], m_days=4)
    assert used == [dt.date(2025, 9, 30), dt.date(2025, 9, 28)]
    assert mean["p"].to_numpy() == pytest.approx([(30 + 28) / 2, (60 + 56) / 2])
    mx, _ = similar_day_baseline(x, ev, 2, exclude=[dt.date(2025, 9, 29)], m_days=4, aggregate="max")
    assert mx["p"].to_numpy() == pytest.approx([30.0, 60.0])


def test_notice_price_tiers():
    p = GENERIC.notice_prices
    assert [p.price("peak_shaving", h) for h in (24, 12, 4, 1, 0.5, 0.25)] == [2000, 3000, 3000, 4000, 4000, 4000]
    assert p.price("valley_filling", 24) == 300


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(shipped_dr_rules()["generic_provincial"].read_text(encoding="utf-8"))
    change(data)
    f = tmp_path / "rule.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return f


@pytest.mark.parametrize("change, field, words", [
    (lambda d: d["payment"].update(bonus=1), "payment.bonus", "unknown key"),
    (lambda d: d["payment"]["tiers"][1].update(from_ratio=0.6), "payment", "tiers[1].from_ratio 0.6 leaves a gap"),
    (lambda d: d["payment"]["tiers"][2].update(from_ratio=0.7), "payment", "tiers[2].from_ratio 0.7 overlaps"),
    (lambda d: d["notice_prices"]["peak_shaving"][0].update(price_cny_per_mwh=-5), "notice_prices.peak_shaving[0].price_cny_per_mwh",
     "greater than or equal to 0"),
    (lambda d: d["penalty"].update(below_ratio="0.5"), "penalty", "'below_ratio': '0.5' is not a number"),
])
def test_bad_rule_file_one_clear_error(tmp_path, change, field, words):
    f = _write(tmp_path, change)
    with pytest.raises(ScenarioError) as e:
        load_dr_rule(str(f))
    assert str(f) in str(e.value)
    assert len(e.value.problems) == 1
    assert e.value.problems[0].path == field
    assert words in e.value.problems[0].message


def test_duplicate_key_in_rule_file(tmp_path):
    f = tmp_path / "dup.yaml"
    text = shipped_dr_rules()["generic_provincial"].read_text(encoding="utf-8")
    f.write_text(text.replace("response_measure: average_mw", "response_measure: average_mw\nresponse_measure: energy"),
                 encoding="utf-8")
    with pytest.raises(ScenarioError, match="duplicate key 'response_measure'"):
        load_dr_rule(str(f))


def test_cli_bad_rule_file_exit_1(tmp_path):
    from cli import main as cli
    from scenarios.loader import shipped

    bad = _write(tmp_path, lambda d: d["payment"].update(bonus=1))

    scn = yaml.safe_load(shipped()["yuhua_district"].read_text(encoding="utf-8"))
    for p in scn["dr"]["programmes"]:
        p["rule"] = "rule.yaml"  # relative to the scenario file
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scn, allow_unicode=True), encoding="utf-8")
    res = CliRunner().invoke(cli, ["dr", str(tmp_path / "s.yaml")])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert str(bad) in res.output and "payment.bonus" in res.output and "unknown key" in res.output


def test_programme_rule_and_band_together_is_an_error():
    from scenarios.dr_schema import DRProgramme

    with pytest.raises(ValueError, match="'band' is set by the rule file"):
        DRProgramme(name="p", kind="peak_shaving", rule="generic_provincial", band=(0.5, 1.5))


def test_without_rule_the_shipped_event_settles_as_before_rule_files():
    """The simulator rule (no `rule` key) reproduces the figures of the simulator before rule files, with the
    month-so-far demand charge (peak_0722_real_time of yuhua_district: cold_chain 2400 CNY, paid at the 120 % cap,
    robotics 960 CNY, no penalty; 1600 / 960 CNY before the month so far)."""
    from scenarios.loader import load
    from vpp.demand_response.event import simulate_event

    scn = load("yuhua_district")
    progs = [p.model_copy(update={"rule": None}) for p in scn.dr.programmes]
    scn = scn.model_copy(update={"dr": scn.dr.model_copy(update={"programmes": progs})})
    r = simulate_event(scn, "peak_0722_real_time")
    assert r.rule.name == "simulator"
    s = r.summary.set_index("park")
    assert s.loc["cold_chain", "payment_cny"] == pytest.approx(2400.0, abs=0.5)
    assert s.loc["robotics", "payment_cny"] == pytest.approx(960.0, abs=0.5)
    assert s.penalty_cny.sum() == pytest.approx(0.0, abs=1e-6)
    assert (s.adjustment_factor == 1.0).all()


@pytest.mark.parametrize("delivered_mw, comp, pen", [
    # R = 1 MW over 4 × 15 min: E = 1 MWh; one member, baseline 5 MW, metered 5 − delivered
    (0.4, 0.0, 2000 * (0.5 - 0.4)),      # ratio 0.4: unpaid; shortfall below 50 %: 0.1 MWh × 2000 = 200
    (0.7, 2000 * 0.8 * 0.7, 0.0),        # ratio 0.7: 0.8 × 2000 × 0.7 MWh = 1120
    (1.3, 2000 * 1.2, 0.0),              # ratio 1.3: paid up to 1.2 MWh = 2400
])
def test_vpp_settlement_by_generic_rule(delivered_mw, comp, pen):
    from vpp.aggregator.portfolio import Request, Terms
    from vpp.aggregator.settlement import settle_vpp

    t = Terms("peak_shaving", 2000.0, GENERIC.penalty.price(2000.0),
              (GENERIC.penalty.below_ratio, GENERIC.payment.paid_ratio_max), 24.0, 0.2, GENERIC)
    req = Request("i", dt.date(2025, 7, 22), 18.0, 19.0, [0, 1, 2, 3], np.ones(4), t, 0)
    s, parks = settle_vpp(req, {"p": np.full(4, 5.0)}, {"p": np.full(4, 5.0 - delivered_mw)}, 0.25)
    assert s["rule"] == "generic_provincial"
    assert s["compensation_cny"] == pytest.approx(comp)
    assert s["penalty_cny"] == pytest.approx(pen)
    assert s["aggregator_cny"] == pytest.approx(0.2 * comp)
    assert float(parks.net_settlement_cny.sum()) + s["aggregator_cny"] == pytest.approx(comp - pen)


def test_shipped_event_adjustment_factor_from_the_pre_event_window():
    """Hunan rule on the real-time event 16-17 h: k = Σ actual / Σ baseline over 13:00-15:00 (2 h ending 1 h
    before the start), clipped to [0.8, 1.2]; the settlement baseline is k × the similar-day mean."""
    from scenarios.loader import load
    from vpp.demand_response.event import simulate_event

    r = simulate_event(load("yuhua_district"), "peak_0722_real_time")
    assert r.rule.label == "hunan_2025 2025.1-draft"
    for p in r.parks:
        ts = r.timeseries[r.timeseries.park == p]
        hour = ts.time.dt.hour + ts.time.dt.minute / 60
        w = ((hour >= 13) & (hour < 15)).to_numpy()
        assert w.sum() == 8
        raw = ts.actual_mw.to_numpy()[w].sum() / ts.baseline_unadjusted_mw.to_numpy()[w].sum()
        row = r.summary.set_index("park").loc[p]
        assert row.adjustment_factor_raw == pytest.approx(raw)
        assert row.adjustment_factor == pytest.approx(min(max(raw, 0.8), 1.2))
        assert ts.baseline_mw.to_numpy() == pytest.approx(row.adjustment_factor * ts.baseline_unadjusted_mw.to_numpy())
        ev = ts.in_event.to_numpy()
        mean_red = float((ts.baseline_mw.to_numpy()[ev] - ts.actual_mw.to_numpy()[ev]).mean())
        assert row.verified_mw == pytest.approx(max(0.0, mean_red))     # average_mw measure


def test_vpp_settlement_baseline_remeasures_the_day_of_factor():
    """yuhua_vpp settles by hunan_2025: window 15:00-17:00 for an 18 h instruction. Unadjusted baseline 2 MW,
    metered 3 MW in the window: k = 1.5 capped at 1.2 -> settlement baseline 2.4 MW; metered 1.2 MW: 0.6 -> 0.8."""
    from scenarios.loader import load
    from vpp.aggregator.portfolio import remeasured_baselines

    scn = load("yuhua_district")
    vpp = scn.vpps[0]
    idx = pd.date_range("2025-07-22", periods=96, freq="15min", tz="Asia/Shanghai")
    u = {"a": np.full(96, 2.0), "b": np.full(96, 2.0)}
    planned = {"a": np.full(96, 2.2), "b": np.full(96, 2.2)}
    act = {"a": np.full(96, 10.0), "b": np.full(96, 10.0)}  # outside the window: must not count
    act["a"][60:68] = 3.0   # steps 15:00-16:45
    act["b"][60:68] = 1.2
    out = remeasured_baselines(scn, vpp, planned, u, act, idx, dt.date(2025, 7, 22), 18.0)
    assert out["a"] == pytest.approx(np.full(96, 2.4))
    assert out["b"] == pytest.approx(np.full(96, 1.6))
    assert remeasured_baselines(scn, vpp, planned, {}, act, idx, dt.date(2025, 7, 22), 18.0) is planned


def test_a_park_declines_when_responding_is_worth_less_than_the_penalty():
    """peak_0722_real_time of yuhua_district under hunan_2025: robotics' day-of factor (0.83, re-measured on
    its load) puts the baseline under its no-event load; the planned response would cost 1,512 CNY for no
    paid response, not responding costs the penalty below 50 %: 0.5 × 0.3 MW × 1 h × 4000 CNY/MWh = 600 CNY.
    It declines: its event-day dispatch is the counterfactual, Δcost 0, net −600 CNY."""
    from scenarios.loader import load
    from vpp.demand_response.event import simulate_event

    r = simulate_event(load("yuhua_district"), "peak_0722_real_time")
    s = r.summary.set_index("park")
    assert not bool(s.loc["robotics", "responded"]) and bool(s.loc["cold_chain", "responded"])
    assert s.loc["robotics", "penalty_cny"] == pytest.approx(600.0, abs=0.5)
    assert s.loc["robotics", "delta_cost_cny"] == pytest.approx(0.0, abs=1e-6)
    assert s.loc["robotics", "net_benefit_cny"] == pytest.approx(-600.0, abs=0.5)
    ts = r.timeseries[r.timeseries.park == "robotics"]
    assert ts.actual_mw.to_numpy() == pytest.approx(ts.counterfactual_mw.to_numpy(), abs=1e-12)
    w = r.with_event.parks[r.with_event.parks.park == "robotics"].p_net_import_mw.to_numpy()
    n = r.no_event.parks[r.no_event.parks.park == "robotics"].p_net_import_mw.to_numpy()
    assert w == pytest.approx(n, abs=1e-12)
