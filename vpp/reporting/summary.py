"""The plain-words summary that opens every report: what was studied, the answer, the assumptions that
move it. Each figure keeps its JSON key and raw value (``Figure.key`` / ``Figure.value``), so the HTML can
carry them as ``data-key`` / ``data-value`` and a test can check the shown text against the JSON."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vpp.reporting.catalogue import Catalogue
from vpp.reporting.load import Study


@dataclass
class Figure:
    label: str
    text: str
    key: str = ""          # dotted key in the study's JSON ("" when derived)
    value: Any = None      # the raw number behind ``text``


@dataclass
class Summary:
    studied: list[tuple[str, str]] = field(default_factory=list)
    answer: list[Figure] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


def dig(d: Any, key: str) -> Any:
    """``d["a"]["b"]`` for ``"a.b"`` (``None`` when a part is missing)."""
    for part in key.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def money(cat: Catalogue, data: dict, key: str, label_key: str) -> Figure | None:
    v = dig(data, key)
    return Figure(cat.t(label_key), cat.money(v), key, v) if _num(v) else None


def qty(cat: Catalogue, data: dict, key: str, label_key: str, unit_key: str) -> Figure | None:
    v = dig(data, key)
    return Figure(cat.t(label_key), cat.qty(v, unit_key), key, v) if _num(v) else None


# what was studied ------------------------------------------------------------------------------------
def studied(cat: Catalogue, st: Study) -> list[tuple[str, str]]:
    scn = st.scenario
    rows = [(cat.t("sum.scenario"), f"{st.name} — {st.description}" if st.description else st.name)]
    hz = scn.get("horizon") or {}
    start, days = st.data.get("start") or hz.get("start"), st.data.get("days") or hz.get("days")
    if st.kind in ("run", "evaluate") and start and days:
        d0 = dt.date.fromisoformat(str(start))
        end = d0 + dt.timedelta(days=int(days) - 1)
        rows.append((cat.t("sum.period"), cat.t("sum.period_value", start=d0, end=end, days=days, res=hz.get("resolution_min", 15))))
    parks = [p.get("name") for p in scn.get("parks") or [] if isinstance(p, dict)]
    if st.kind == "aggregate":
        parks = list(st.data.get("parks") or parks)
    if parks:
        rows.append((cat.t("sum.parks"), f"{len(parks)}: {', '.join(map(str, parks))}"))
    kinds = Counter(a.get("kind") for p in scn.get("parks") or [] if isinstance(p, dict)
                    if st.kind != "aggregate" or p.get("name") in parks for a in p.get("assets") or [])
    if kinds:
        text = ", ".join(f"{cat.kind_label(k)} × {n}" for k, n in kinds.items())
        rows.append((cat.t("sum.assets"), cat.t("sum.assets_value", n=sum(kinds.values()), kinds=text)))
    if st.kind == "dr":
        for name, ev in st.data.items():
            rows.append((cat.t("sum.events"), cat.t("sum.event_value", event=name, date=ev.get("date", ""),
                                                   start=_hm(ev.get("start_h")), end=_hm(ev.get("end_h")),
                                                   kind=cat.get(f"evkind.{ev.get('kind')}", str(ev.get("kind"))))))
    if st.kind == "capacity":
        wins = ", ".join(str(w.get("title") or w.get("label")) for w in st.data.get("windows") or [])
        rows.append((cat.t("sum.windows"), wins))
        rows.append((cat.t("sum.period"), str(st.data.get("days_label", ""))))
    if st.kind == "aggregate":
        rows.append((cat.t("kind.aggregate"), cat.t("sum.vpp_parks", vpp=st.data.get("vpp"), n=len(parks),
                                                    share=cat.pct(st.data.get("aggregator_share"), 0))))
        for ins in st.data.get("instructions") or []:
            s = ins.get("settlement") or {}
            rows.append((cat.t("sum.events"), cat.t("sum.event_value", event=ins.get("id"), date=ins.get("date"), start=_hm(ins.get("start_h")),
                                                   end=_hm(ins.get("end_h")), kind=cat.get(f"evkind.{s.get('kind')}", str(s.get("kind"))))))
    return rows


def _hm(h: Any) -> str:
    if not _num(h):
        return "?"
    return f"{int(h):02d}:{int(round((h % 1) * 60)):02d}"


# the answer ------------------------------------------------------------------------------------------
def answer(cat: Catalogue, st: Study, sweep: pd.DataFrame | None = None) -> list[Figure]:
    d = st.data
    out: list[Figure | None] = []
    if st.kind == "run":
        out += [money(cat, d, "total_cost_cny", "fig.total_cost_cny"), qty(cat, d, "import_mwh", "fig.import", "unit.mwh"),
                qty(cat, d, "co2_t", "fig.co2", "unit.t")]
        peak = "substation_peak_mw_ac" if _num(d.get("substation_peak_mw_ac")) else "substation_peak_mw_dispatch"
        out.append(qty(cat, d, peak, "fig.peak", "unit.mw"))
        if _num(d.get("ac_steps")) and d["ac_steps"] > 0:
            v, o = int(d.get("n_voltage_violations") or 0), int(d.get("n_overloads") or 0)
            out.append(Figure(cat.t("fig.ac_violations"), cat.t("fig.ac_violations_value", v=v, o=o), "n_voltage_violations", v))
    elif st.kind == "evaluate":
        out += [money(cat, d, "project.total_cost_cny", "fig.project_cost"), money(cat, d, "baseline.total_cost_cny", "fig.baseline_cost"),
                money(cat, d, "savings_total_cny", "fig.savings")]
        if isinstance(d.get("economics"), dict):
            e = d["economics"]
            out.append(money(cat, d, "economics.capex_total_cny", "fig.capex"))
            out.append(money(cat, d, "economics.npv_cny", "fig.npv"))
            if _num(e.get("irr")):
                out.append(Figure(cat.t("fig.irr"), cat.pct(e["irr"]), "economics.irr", e["irr"]))
            out.append(qty(cat, d, "economics.simple_payback_years", "fig.payback", "unit.years"))
        else:
            out.append(Figure(cat.t("fig.npv"), cat.t("sum.no_npv")))
        out.append(qty(cat, d, "co2_avoided_t.scenario", "fig.co2_avoided", "unit.t"))
        pb, pp = dig(d, "grid.baseline.substation_peak_mw"), dig(d, "grid.project.substation_peak_mw")
        if _num(pb) and _num(pp):
            out.append(Figure(cat.t("fig.peak_change"), f"{cat.num(pb)} → {cat.num(pp)} {cat.t('unit.mw')} ({cat.pct((pp - pb) / pb)})",
                              "grid.project.substation_peak_mw", pp))
        if isinstance(d.get("dr"), dict):
            out.append(money(cat, d, "dr.net_benefit_cny", "fig.dr_net"))
        gb, gp = dig(d, "green.baseline.green_share"), dig(d, "green.project.green_share")
        if _num(gb) and _num(gp):
            out.append(Figure(cat.t("fig.green_share"), f"{cat.pct(gb)} → {cat.pct(gp)}", "green.project.green_share", gp))
        out += grid_year_figures(cat, d.get("grid_year"))
    if st.kind in ("run", "evaluate"):
        out += pue_figures(cat, d.get("data_centre"))
    elif st.kind == "dr":
        for name, ev in d.items():
            tot = ev.get("totals") or {}
            pre = f"{name}: "
            f = money(cat, ev, "totals.net_benefit_cny", "fig.dr_net")
            if f:
                out.append(Figure(pre + f.label, f.text, f"{name}.totals.net_benefit_cny", f.value))
            com = sum(float(p.get("commitment_mwh") or 0) for p in ev.get("parks") or [])
            if _num(tot.get("verified_mwh")):
                out.append(Figure(pre + cat.t("fig.dr_verified"), f"{cat.num(tot['verified_mwh'])} / {cat.num(com)} {cat.t('unit.mwh')}",
                                  f"{name}.totals.verified_mwh", tot["verified_mwh"]))
            if _num(tot.get("payment_cny")):
                net = tot["payment_cny"] - float(tot.get("penalty_cny") or 0)
                out.append(Figure(pre + cat.t("fig.dr_payment"), cat.money(net)))
    elif st.kind == "capacity":
        rows = [(i, r) for i, r in enumerate(d.get("summary") or []) if r.get("headline")]
        scope = [(i, r) for i, r in rows if r.get("park") == "district"]
        rows = scope if d.get("headline_scope") == "district" and scope else rows[:8]
        for i, row in rows:
            park = cat.t("ch.district") if row.get("park") == "district" else row.get("park")
            text = cat.t("sum.cap_line", park=park, direction=cat.get(f"dir.{row.get('direction')}", row.get("direction")),
                         duration=cat.num(row.get("duration_h")), window=row.get("window"), p90=cat.num(row.get("r_p90_mw"), 3),
                         p50=cat.num(row.get("r_p50_mw"), 3),
                         confidence=cat.t("sum.confidence", n=row["n_days"]) if _num(row.get("n_days")) else row.get("confidence", ""))
            out.append(Figure(cat.t("sum.capacity_headline"), text, f"summary[{i}].r_p90_mw", row.get("r_p90_mw")))
        ac = [int(r["ac_violations"]) for _, r in rows if _num(r.get("ac_violations"))]
        if ac:
            out.append(Figure(cat.t("fig.ac_violations"), cat.num(sum(ac)), "", sum(ac)))
    elif st.kind == "aggregate":
        for ins in d.get("instructions") or []:
            s = ins.get("settlement") or {}
            pre = f"{ins.get('id')}: "
            if _num(s.get("delivered_mwh")) and _num(s.get("requested_mwh")):
                out.append(Figure(pre + cat.t("fig.vpp_delivered"), f"{cat.num(s['delivered_mwh'])} / {cat.num(s['requested_mwh'])} "
                                  f"{cat.t('unit.mwh')} ({cat.pct(s.get('delivery_ratio'), 0)})", f"instructions.{ins.get('id')}.delivered_mwh",
                                  s["delivered_mwh"]))
            if _num(s.get("net_settlement_cny")):
                out.append(Figure(pre + cat.t("fig.vpp_settlement"), f"{cat.money(s['net_settlement_cny'])} "
                                  f"({cat.money(s.get('aggregator_cny'))} / {cat.money(s.get('parks_cny'))})",
                                  f"instructions.{ins.get('id')}.net_settlement_cny", s["net_settlement_cny"]))
        adm = d.get("admission")
        if isinstance(adm, dict):
            out.append(Figure(cat.t("sum.admission"), cat.t("sum.pass") if adm.get("passed") else cat.t("sum.fail"), "admission.passed",
                              adm.get("passed")))
            for c in adm.get("checks") or []:
                out.append(Figure(f"  {c.get('rule')}", cat.t("sum.admission_check", rule="", value=cat.num(c.get("value")),
                                                                unit=c.get("unit", ""), limit=cat.num(c.get("limit")),
                                                                result=cat.t("sum.pass") if c.get("passed") else cat.t("sum.fail")).lstrip("：: ")))
    elif st.kind == "sweep" and sweep is not None:
        out.append(Figure(cat.t("fig.points"), cat.num(len(sweep)), "", len(sweep)))
        ok = sweep[sweep["status"] == "ok"] if "status" in sweep else sweep
        if "npv_cny" in ok and ok["npv_cny"].notna().any():
            best = ok.loc[ok["npv_cny"].idxmax()]
            out.append(Figure(cat.t("fig.best_npv"), f"{cat.money(float(best['npv_cny']))} — {best['point_id']}", "npv_cny",
                              float(best["npv_cny"])))
    return [f for f in out if f is not None]


# assumptions -------------------------------------------------------------------------------------------

def grid_year_figures(cat: Catalogue, gy: Any) -> list[Figure]:
    """Reverse-flow hours (substation / all feeders / all parks), violations and the smallest open capacity of
    the project from an evaluation's AC check of every step (``kpis['grid_year']``; nothing when skipped)."""
    if not isinstance(gy, dict) or gy.get("skipped") or not isinstance(gy.get("project"), dict):
        return []
    pr, out = gy["project"], []
    rf = pr.get("reverse_flow") or {}
    hours = lambda part: sum(float(v.get("hours_h") or 0.0) for v in (rf.get(part) or {}).values())
    sub = float((rf.get("substation") or {}).get("hours_h") or 0.0)
    out.append(Figure(cat.t("fig.reverse_flow"), cat.t("fig.reverse_flow_value", sub=cat.num(sub), feed=cat.num(hours("feeders")),
                                                       park=cat.num(hours("parks"))), "grid_year.project.reverse_flow", sub))
    vi = pr.get("violations") or {}
    if _num(vi.get("n_total")):
        v = int(vi.get("n_undervoltage", 0)) + int(vi.get("n_overvoltage", 0))
        o = int(vi.get("n_overload_line", 0)) + int(vi.get("n_overload_trafo", 0))
        out.append(Figure(cat.t("fig.year_violations"), cat.t("fig.ac_violations_value", v=v, o=o),
                          "grid_year.project.violations.n_total", vi["n_total"]))
    m = (pr.get("open_capacity_min") or {}).get("load_mva") or {}
    if _num(m.get("value")):
        out.append(Figure(cat.t("fig.open_capacity"), cat.t("fig.open_capacity_value", value=cat.num(m["value"]), element=m.get("element", "")),
                          "grid_year.project.open_capacity_min.load_mva.value", m["value"]))
    return out


def pue_figures(cat: Catalogue, dc: Any) -> list[Figure]:
    """Each data centre's PUE over the period against its target (``kpis['data_centre']``)."""
    out = []
    for asset, k in (dc or {}).items() if isinstance(dc, dict) else ():
        if isinstance(k, dict) and _num(k.get("pue")):
            met = cat.t("fig.met" if k.get("pue_target_met") else "fig.not_met")
            out.append(Figure(cat.t("fig.pue", asset=asset, target=k.get("pue_target")),
                              cat.t("fig.pue_value", pue=f"{k['pue']:.3f}", met=met, hours=k.get("hours_above_target")),
                              f"data_centre.{asset}.pue", k["pue"]))
    return out


def assumptions(cat: Catalogue, st: Study, sweep: pd.DataFrame | None = None) -> list[str]:
    scn, d = st.scenario, st.data
    out = []
    fl = (scn.get("tariff") or {}).get("floating")
    if fl is not None:
        out.append(cat.t("sum.tariff_floating", value=fl))
    inputs = d.get("inputs") if isinstance(d.get("inputs"), dict) else None
    if inputs:
        if inputs.get("data"):
            out.append(cat.t("sum.data_measured", n=len(inputs["data"]), names=", ".join(map(str, inputs["data"][:6]))
                             + (" …" if len(inputs["data"]) > 6 else "")))
        if inputs.get("synthetic"):
            out.append(cat.t("sum.data_synthetic", n=len(inputs["synthetic"]), names=", ".join(map(str, inputs["synthetic"][:6]))
                             + (" …" if len(inputs["synthetic"]) > 6 else "")))
    if scn.get("synthetic"):
        out.append(cat.t("sum.synthetic_grid"))
    if st.kind == "evaluate":
        rd = d.get("representative_days")
        if isinstance(rd, dict):
            out.append(cat.t("sum.repdays", k=rd.get("k"), accuracy=rd.get("accuracy_note", "")))
        else:
            out.append(cat.t("sum.repdays_none"))
        ann = d.get("annualisation") or {}
        if ann.get("note"):
            out.append(cat.t("sum.annualisation", note=ann["note"]))
        if d.get("horizon"):
            out.append(cat.t("sum.horizon", horizon=d["horizon"], h=cat.num(d.get("lookahead_h"))))
    if st.kind == "dr":
        ev = next(iter(d.values()), {})
        rule = ev.get("rule") or {}
        band = ev.get("band") or ["?", "?"]
        out.append(cat.t("sum.dr_rule", rule=rule.get("name"), version=rule.get("version"), lo=band[0], hi=band[1]))
    if st.kind == "capacity":
        out.append(cat.t("sum.capacity_days", label=d.get("days_label", "")))
        out.append(cat.t("sum.capacity_p90", definition=d.get("p90_definition", "")))
        if d.get("grid_limits"):
            out.append(cat.t("sum.grid_limits", value=d["grid_limits"]))
    if st.kind == "aggregate" and d.get("network_limits"):
        out.append(cat.t("sum.grid_limits", value=d["network_limits"]))
    if st.kind == "sweep" and sweep is not None:
        from vpp.reporting.charts_events import sweep_params

        out.append(cat.t("sum.sweep_points", n=len(sweep), params=", ".join(sweep_params(sweep)) or "–"))
        if "status" in sweep and (sweep["status"] != "ok").any():
            out.append(cat.t("sum.sweep_failed", n=int((sweep["status"] != "ok").sum())))
    return out


def build(cat: Catalogue, st: Study, sweep: pd.DataFrame | None = None) -> Summary:
    return Summary(studied(cat, st), answer(cat, st, sweep), assumptions(cat, st, sweep))
