"""`vpp report`: one offline HTML file per result folder (summary first, the whole period in the chart
data, labelled KPI tables, internals in the appendix), zh and en, optional Excel workbook."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from cli import main
from vpp.errors import VppError
from vpp.reporting import SECTIONS, detect_kind, write_report
from vpp.reporting.catalogue import Catalogue, texts
from vpp.reporting.html import plotly_js

ROOT = Path(__file__).resolve().parents[2]


def vpp(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Small result folders of every kind (single_park, one day; the DR event on the shipped district)."""
    base = tmp_path_factory.mktemp("report")
    made = {}

    def get(kind):
        if kind in made:
            return made[kind]
        out = base / f"out_{kind}"
        if kind == "run":
            vpp("run", "single_park", "--out", out)
        elif kind == "evaluate":
            vpp("evaluate", "single_park", "--days", "2", "--no-dr", "--out", out)
        elif kind == "dr":
            vpp("dr", "yuhua_district", "--event", "peak_0722_real_time", "--out", out)
        elif kind == "capacity":
            vpp("capacity", "single_park", "--durations", "1,2", "--samples", "2", "--jobs", "1", "--out", out)
        elif kind == "aggregate":
            data = yaml.safe_load((ROOT / "scenarios" / "single_park.yaml").read_text(encoding="utf-8"))
            data["vpps"] = [{"name": "one", "parks": [data["parks"][0]["name"]], "baseline": "counterfactual",
                             "instructions": [{"id": "x", "date": "2025-07-22", "start_h": 18, "end_h": 19, "reduce_kw": 200}]}]
            data["ac_check"] = {"enabled": False}
            f = base / "agg.yaml"
            f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            vpp("aggregate", f, "--no-envelope", "--out", out)
        elif kind == "sweep":
            out = base / "points.parquet"
            vpp("sweep", "single_park", "--param", "bess.e_max_kwh=1000,2000", "--representative-days", "2", "--scheduler", "sequential",
                "--out", out)
        made[kind] = out
        return out

    return get


def sections(text):
    return re.findall(r'<section class="vpp-section" id="([^"]+)"', text)


def figures(text):
    """``{data-key: (data-value, shown text)}`` of the summary's answer table."""
    return {k: (json.loads(v.replace("&quot;", '"')), shown) for k, v, shown in
            re.findall(r'<tr data-key="([^"]*)" data-value="([^"]*)"><th>[^<]*</th><td class="vpp-figure">([^<]*)</td>', text)}


def chart_data(text):
    m = re.search(r"const F=(\[.*?\]);try\{", text, re.S)
    return {f["id"]: f for f in json.loads(m.group(1).replace("<\\/", "</"))}


@pytest.mark.parametrize("kind", list(SECTIONS))
def test_every_kind_reports_with_its_sections_summary_first(folders, kind, tmp_path):
    path = folders(kind)
    assert detect_kind(path) == kind
    html = write_report(path, out=tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert f'<meta name="vpp-report-kind" content="{kind}">' in html and '<html lang="en">' in html
    ids = sections(html)
    assert ids[0] == "summary"
    assert [i for i in ids if i in SECTIONS[kind]] == list(SECTIONS[kind])
    assert len(re.findall(r'<div class="vpp-chart" id="[^"]+"></div>', html)) >= 1
    assert "document.body.dataset.rendered='true'" in html
    own = html.replace(plotly_js(), "")       # the page without the embedded plotly.js
    assert html.count(plotly_js()) == 1
    assert not re.search(r'(src|href)=["\']?(https?:)?//', own)   # nothing loaded from elsewhere
    assert "http" not in own and "scattergl" not in own and "heatmapgl" not in own
    # the title names the scenario, not the folder
    title = re.search(r"<title>([^<]*)</title>", html).group(1)
    assert path.name not in title


def test_run_summary_states_the_kpis_and_the_whole_horizon_is_charted(folders, tmp_path):
    path = folders("run")
    kpis = json.loads((path / "kpis.json").read_text())
    html = write_report(path, out=tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    cat = Catalogue("en")
    fig = figures(html)
    assert fig["total_cost_cny"] == (kpis["total_cost_cny"], cat.money(kpis["total_cost_cny"]))
    assert fig["co2_t"] == (kpis["co2_t"], f"{cat.num(kpis['co2_t'])} t")
    assert fig["import_mwh"][0] == kpis["import_mwh"]
    # the summary precedes everything else and the report is written where asked, nothing else left behind
    assert html.index('id="summary"') < html.index('id="load"') < html.index('id="kpis"') < html.index('id="appendix"')
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    parks = pd.read_parquet(path / "dispatch_parks.parquet")
    sub = chart_data(html)["chart-substation"]["data"][-1]
    assert len(sub["y"]) == parks["time"].nunique()
    assert sub["y"][0] == pytest.approx(parks.groupby("time")["p_net_import_mw"].sum().iloc[0], rel=1e-3)


def test_evaluation_figures_year_charts_and_appendix(folders, tmp_path):
    path = folders("evaluate")
    k = json.loads((path / "kpis.json").read_text())
    html = write_report(path, out=tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    cat = Catalogue("zh")
    fig = figures(html)
    assert fig["project.total_cost_cny"] == (k["project"]["total_cost_cny"], cat.money(k["project"]["total_cost_cny"]))
    assert fig["savings_total_cny"] == (k["savings_total_cny"], cat.money(k["savings_total_cny"]))
    assert fig["grid.project.substation_peak_mw"][0] == k["grid"]["project"]["substation_peak_mw"]
    data = chart_data(html)
    steps = pd.read_parquet(path / "dispatch_parks.parquet")["time"].nunique()
    assert steps == 2 * 96
    sub = data["chart-substation"]["data"]
    assert [len(t["y"]) for t in sub] == [steps, steps]      # baseline and project, the whole period
    assert sub[0]["dx"] == 15 * 60_000                       # x0 + dx, not one string per step
    heat = data["chart-heat-net-import"]["data"][0]
    assert len(heat["z"]) == 96 and len(heat["z"][0]) == 2   # steps of the day × days
    # internals are in the appendix with their raw key, not in the key figures
    kp = html[html.index('id="kpis"'):html.index('id="appendix"')]
    ap = html[html.index('id="appendix"'):]
    assert "timings_s.total_s" in ap and "windows.project.highs_s_total" in ap
    assert "timings_s" not in kp and "highs_s" not in kp
    assert "净现值" in html or "未计算净现值" in html


def test_unknown_kpi_keys_go_to_the_appendix(folders, tmp_path):
    src = folders("run")
    dst = tmp_path / "run"
    dst.mkdir()
    for f in src.iterdir():
        if f.is_file():
            (dst / f.name).write_bytes(f.read_bytes())
    k = json.loads((dst / "kpis.json").read_text())
    k["brand_new_kpi_mwh"] = 12.5
    (dst / "kpis.json").write_text(json.dumps(k))
    html = write_report(dst, lang="en").read_text(encoding="utf-8")
    ap = html[html.index('id="appendix"'):]
    assert re.search(r'<tr data-key="brand_new_kpi_mwh"><td class=raw>brand_new_kpi_mwh</td><td>12.5</td><td>MWh</td>', ap)
    assert (dst / "report.html").exists()


def test_zh_and_en_have_the_same_sections_and_no_catalogue_key_shows(folders, tmp_path):
    path = folders("evaluate")
    zh = write_report(path, out=tmp_path / "zh.html", lang="zh").read_text(encoding="utf-8")
    en = write_report(path, out=tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    assert sections(zh) == sections(en)
    assert '<html lang="zh-CN">' in zh and "摘要" in zh and "Summary" not in zh.split("<body>", 1)[1]
    body = zh.split("<body>", 1)[1]
    for key in texts()["zh"]:
        if "." in key:
            assert f">{key}<" not in body and f'"{key}"' not in body, key


def test_language_defaults_to_the_scenario(folders, tmp_path):
    dr = folders("dr")    # yuhua_district: report.lang zh
    assert '<html lang="zh-CN">' in write_report(dr, out=tmp_path / "a.html").read_text(encoding="utf-8")
    run = folders("run")  # single_park: default en
    assert '<html lang="en">' in write_report(run, out=tmp_path / "b.html").read_text(encoding="utf-8")


def test_xlsx_sheets_have_headers_with_units(folders, tmp_path):
    from openpyxl import load_workbook

    path = folders("evaluate")
    html = write_report(path, out=tmp_path / "r.html", lang="en", xlsx=True)
    wb = load_workbook(html.with_suffix(".xlsx"))
    assert wb.sheetnames[0] == "Summary"
    assert {"Economics", "Energy", "Bill per park (project)"} <= set(wb.sheetnames)
    assert wb.sheetnames[-1].startswith("Appendix") and all(len(n) <= 31 for n in wb.sheetnames)
    heads = [c.value for c in wb["Bill per park (project)"][1]]
    assert "Park" in heads and "Total bill [CNY]" in heads and "Energy imported [MWh]" in heads
    assert [c.value for c in wb["Economics"][1]] == ["Item", "Value", "Unit"]
    k = json.loads((path / "kpis.json").read_text())
    rows = {r[0].value: r[1].value for r in wb["Economics"].iter_rows(min_row=2)}
    assert rows["Total bill (project)"] == pytest.approx(k["project"]["total_cost_cny"])


def test_cli_report_and_bad_paths(folders, tmp_path):
    r = vpp("report", folders("capacity"), "--lang", "zh", "--out", tmp_path / "cap.html", "--xlsx")
    assert "cap.html" in r.output and (tmp_path / "cap.xlsx").exists()
    sw = folders("sweep")
    r = vpp("report", sw)
    assert (sw.parent / "points.report.html").exists()
    assert (sw.parent / "points.scenario_resolved.yaml").exists()   # written by the sweep for its report
    # not a vpp folder, a corrupt table: one VppError line, no half-written report
    r = CliRunner().invoke(main, ["report", str(tmp_path / "empty")])
    assert r.exit_code != 0
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(main, ["report", str(tmp_path / "empty")])
    assert r.exit_code == 1 and "is not a vpp result folder" in r.output and "Traceback" not in r.output
    bad = tmp_path / "bad"
    bad.mkdir()
    src = folders("run")
    for f in src.iterdir():
        if f.is_file():
            (bad / f.name).write_bytes(f.read_bytes())
    (bad / "dispatch_parks.parquet").write_bytes(b"not parquet")
    r = CliRunner().invoke(main, ["report", str(bad)])
    assert r.exit_code == 1 and "dispatch_parks.parquet" in r.output and len(r.output.strip().splitlines()) == 1
    assert not [p for p in bad.iterdir() if "report" in p.name]
    with pytest.raises(VppError, match="not a readable Parquet table|without the point_id"):
        (tmp_path / "x.parquet").write_bytes(b"junk")
        write_report(tmp_path / "x.parquet")


def test_dr_capacity_and_vpp_summaries_state_their_json(folders, tmp_path):
    cat = Catalogue("en")
    # dr: the parent folder and one event's folder both report; the net benefit is the event's JSON figure
    dr = folders("dr")
    ev = json.loads((dr / "peak_0722_real_time" / "dr.json").read_text())
    for path in (dr, dr / "peak_0722_real_time"):
        fig = figures(write_report(path, out=tmp_path / "dr.html", lang="en").read_text(encoding="utf-8"))
        net = ev["totals"]["net_benefit_cny"]
        assert fig["peak_0722_real_time.totals.net_benefit_cny"] == (net, cat.money(net))
    html = (tmp_path / "dr.html").read_text(encoding="utf-8")
    band = chart_data(html)["chart-dr-0"]["data"][1]
    assert band["fill"] == "tonexty" and sum(v is not None for v in band["y"]) == round(ev["end_h"] - ev["start_h"]) * 4
    # capacity: the headline P90 of capacity.json
    cap = folders("capacity")
    cj = json.loads((cap / "capacity.json").read_text())
    fig = figures(write_report(cap, out=tmp_path / "cap.html", lang="en").read_text(encoding="utf-8"))
    heads = {k: v for k, v in fig.items() if k.startswith("summary[")}
    assert heads
    for k, (value, shown) in heads.items():
        i = int(re.match(r"summary\[(\d+)\]", k).group(1))
        assert value == cj["summary"][i]["r_p90_mw"] and f"{cat.num(value, 3)} MW at P90" in shown
    # aggregate: delivered energy of the instruction
    agg = folders("aggregate")
    vj = json.loads((agg / "one" / "vpp.json").read_text())
    s = vj["instructions"][0]["settlement"]
    fig = figures(write_report(agg, out=tmp_path / "agg.html", lang="en").read_text(encoding="utf-8"))
    value, shown = fig["instructions.x.delivered_mwh"]
    assert value == s["delivered_mwh"] and shown.startswith(f"{cat.num(s['delivered_mwh'])} / {cat.num(s['requested_mwh'])} MWh")
