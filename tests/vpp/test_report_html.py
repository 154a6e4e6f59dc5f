"""HTML report: self-contained, with the KPI values of the run and embedded images."""

import json
import re

import pytest

from scenarios import load
from vpp.errors import VppError
from vpp.evaluation.year import evaluate
from vpp.pipeline import run
from vpp.report_html import write_report


def test_report_of_one_day_run(tmp_path):
    scn = load("single_park")
    scn = scn.model_copy(update={"ac_check": scn.ac_check.model_copy(update={"enabled": False})})
    run(scn, out_dir=tmp_path / "run")
    text = write_report(tmp_path / "run").read_text(encoding="utf-8")
    kpis = json.loads((tmp_path / "run" / "kpis.json").read_text())
    row = re.search(r"<td>total_cost_cny</td><td>([^<]+)</td>", text).group(1)
    assert float(row.replace(",", "")) == pytest.approx(kpis["total_cost_cny"], rel=1e-4)
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', text)) >= 4
    assert "http" not in text  # nothing loaded from elsewhere


def test_report_of_evaluation_has_cash_flow(tmp_path):
    ev = evaluate(load("single_park"), year=2025, representative_days=2, dr=False, floating_sensitivity=False,
                  out_dir=tmp_path / "ev")
    text = write_report(tmp_path / "ev").read_text(encoding="utf-8")
    assert "Cash flow" in text and "Substation load" in text
    capex = ev.kpis["economics"]["capex_total_cny"]
    assert f"{-capex:,.0f}" in text  # year-0 row of the cash-flow table


def test_report_rejects_other_folders(tmp_path):
    with pytest.raises(VppError):
        write_report(tmp_path)
