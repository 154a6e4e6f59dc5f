"""No annualised fiction: a period shorter than a year gets no NPV; representative days with weights stand for
the year (vpp.evaluation.repdays). Every expected number is worked out in the comments."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from optimization.bill import monthly_bill
from scenarios import load
from vpp.errors import VppError
from vpp.evaluation.data import extended_data
from vpp.evaluation.repdays import RepresentativeDays, choose, day_features, expand
from vpp.evaluation.sweep import period_kwargs
from vpp.evaluation.year import year_scenario


def test_evaluate_one_day_refuses_to_annualise(tmp_path):
    r = CliRunner().invoke(main, ["evaluate", "single_park", "--days", "1", "--no-dr", "--json", "--out", str(tmp_path / "ev")])
    assert r.exit_code == 0, r.output
    k = json.loads(r.output)
    assert k["economics"] is None and k["annualisation"]["method"] == "none"
    assert k["annualisation"]["note"].startswith("the NPV needs a year: 1 day(s) are not annualised (no ×365/1)")
    # the period's own bill is still there, and no cash flow is written
    assert k["project"]["total_cost_cny"] > 0 and not (tmp_path / "ev" / "cash_flow.parquet").exists()
    text = CliRunner().invoke(main, ["evaluate", "single_park", "--days", "1", "--no-dr", "--out", str(tmp_path / "ev2")]).output
    assert "no NPV: the NPV needs a year" in text and "NPV [CNY]" not in text


def test_sweep_refuses_a_short_period_and_defaults_to_the_year():
    scn = load("single_park")
    r = CliRunner().invoke(main, ["sweep", "single_park", "--param", "bess.e_max_kwh=1000", "--days", "1",
                                  "--scheduler", "sequential"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "sweep: --days 1 is shorter than a year and a sweep compares NPVs" in r.output
    # no period given: the year of the scenario start (single_park starts 2025-07-22)
    assert period_kwargs(scn, {"days": None, "year": None})["year"] == 2025
    assert period_kwargs(scn, {"days": None, "representative_days": 12}) == {
        "days": None, "representative_days": 12, "floating_sensitivity": False}
    with pytest.raises(VppError, match="leave out --days"):
        period_kwargs(scn, {"days": 3, "representative_days": 12})


def test_representative_day_weights_sum_to_the_year_and_keep_its_energy():
    scn = year_scenario(load("single_park"), 2025, None)
    full, _ = extended_data(scn, 0.0)
    rep = choose(full, scn.horizon.start, 365, 12)
    assert rep.k == 12 and rep.weights.sum() == 365.0 and len(rep.assignment) == 365
    assert (np.bincount(rep.assignment) == rep.weights).all()
    assert choose(full, scn.horizon.start, 365, 12).dates == rep.dates  # deterministic
    # the year's highest net-load step lies on a typical day
    f = day_features(full, 365)
    peak_date = dt.date(2025, 1, 1) + dt.timedelta(days=int(np.argmax(f["net_load_mw"].to_numpy())) // 96)
    assert peak_date in rep.dates
    # energy of the year's fixed-load profile: sum_k w_k · E(day_k) within 2 % of the year's (measured: see below)
    load_day = f["factory.fixed_load.p_load_mw"].to_numpy().reshape(365, 96).sum(axis=1) * 0.25  # MWh per day
    idx = [(d - dt.date(2025, 1, 1)).days for d in rep.dates]
    year_mwh, rep_mwh = load_day.sum(), float((rep.weights * load_day[idx]).sum())
    assert rep_mwh == pytest.approx(year_mwh, rel=0.02)
    with pytest.raises(VppError, match="choose 2 to 60"):
        choose(full, scn.horizon.start, 365, 1)
    # 24 days: each month's peak day stands for itself (weight 1), 12 medoids share the other 353 days
    r24 = choose(full, scn.horizon.start, 365, 24)
    assert r24.k == 24 and r24.weights.sum() == 365.0 and len(r24.extreme) == 12
    day_peak = f["net_load_mw"].to_numpy().reshape(365, 96).max(axis=1)
    months = np.array([(dt.date(2025, 1, 1) + dt.timedelta(days=i)).month for i in range(365)])
    for m in range(1, 13):
        peak = dt.date(2025, 1, 1) + dt.timedelta(days=int(np.flatnonzero(months == m)[np.argmax(day_peak[months == m])]))
        i = r24.dates.index(peak)
        assert i in r24.extreme and r24.weights[i] == 1.0
    assert r24.weights[[i for i in range(24) if i not in r24.extreme]].sum() == 353.0
    idx24 = [(d - dt.date(2025, 1, 1)).days for d in r24.dates]
    assert float((r24.weights * load_day[idx24]).sum()) == pytest.approx(year_mwh, rel=0.02)


def test_expanded_year_bills_energy_by_weight_and_demand_by_month():
    # 4 days from 30 Jan: typical day 0 = 31 Jan stands for 30 Jan, 31 Jan and 2 Feb; typical day 1 = 1 Feb for itself
    rep = RepresentativeDays(dt.date(2025, 1, 30), 4, [dt.date(2025, 1, 31), dt.date(2025, 2, 1)], np.array([3.0, 1.0]),
                             np.array([0, 0, 1, 0]), [], [], 0.0)

    def day(date, mw):  # two 12-h steps of import mw at 500 CNY/MWh
        t = pd.date_range(pd.Timestamp(date), periods=2, freq="12h")
        return pd.DataFrame({"time": t, "park": "p", "p_import_mw": mw, "p_export_mw": 0.0, "price_cny_per_mwh": 500.0,
                             "export_price_cny_per_mwh": 0.0})

    year = expand(rep, [day("2025-01-31", [1.0, 2.0]), day("2025-02-01", [1.5, 1.0])])
    assert list(pd.DatetimeIndex(year["time"]).strftime("%m-%d %H")) == [
        "01-30 00", "01-30 12", "01-31 00", "01-31 12", "02-01 00", "02-01 12", "02-02 00", "02-02 12"]
    b = monthly_bill(year, 12.0, 1000.0).set_index("month")
    # energy: day 0 costs 500·(1+2)·12 = 18,000 CNY, day 1 500·2.5·12 = 15,000; January has 2 × day 0
    assert b.loc["2025-01", "energy_cost_cny"] == pytest.approx(36_000.0)
    assert b.loc["2025-02", "energy_cost_cny"] == pytest.approx(15_000.0 + 18_000.0)
    # demand: January's peak 2.0 MW (day 0), February's max(1.5 of day 1, 2.0 of day 0 on 2 Feb) = 2.0 MW
    assert b.loc["2025-01", "peak_import_mw"] == 2.0 and b.loc["2025-02", "peak_import_mw"] == 2.0
    # year total = sum_k w_k · energy_k = 3 · 18,000 + 1 · 15,000
    assert b["energy_cost_cny"].sum() == pytest.approx(3 * 18_000.0 + 15_000.0)
