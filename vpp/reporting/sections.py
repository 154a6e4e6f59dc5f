"""The sections of each kind of report, in order: the charts and tables each one holds.

:data:`SECTIONS` lists, for each kind, the sections its report always has; a few more appear when the
folder has their data (``grid`` for AC-checked runs, ``cashflow`` for evaluations with an NPV).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from vpp.reporting import charts as ch
from vpp.reporting import charts_events as che
from vpp.reporting import charts_year as chy
from vpp.reporting.catalogue import Catalogue
from vpp.reporting.html import Section, chart_div, frame_html, rows_table, summary_html
from vpp.reporting.load import Study
from vpp.reporting.summary import Summary, build
from vpp.reporting.tables import frame, grouped, kpi_rows

SECTIONS: dict[str, tuple[str, ...]] = {
    "run": ("summary", "load", "dispatch", "prices", "kpis", "appendix"),
    "evaluate": ("summary", "year", "load", "dispatch", "kpis", "appendix"),
    "dr": ("summary", "events", "kpis", "appendix"),
    "capacity": ("summary", "capacity", "kpis", "appendix"),
    "aggregate": ("summary", "setpoints", "kpis", "appendix"),
    "sweep": ("summary", "sweep", "kpis", "appendix"),
}

# JSON parts shown as their own tables or charts rather than flattened into the KPI tables
SKIP = {"run": (), "evaluate": ("dr.events",), "dr": (), "capacity": ("summary",),
        "aggregate": ("bids", "instructions"), "sweep": ()}


@dataclass
class Report:
    kind: str
    summary: Summary
    sections: list[Section] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)   # (title, table) for the workbook


def _charts(rep: Report, sec: Section, figs: list[dict | None]) -> None:
    for f in figs:
        if f is not None:
            rep.figures.append(f)
            sec.parts.append(chart_div(f))


def _table(rep: Report, sec: Section, cat: Catalogue, title: str, df: pd.DataFrame | None) -> None:
    if df is None or df.empty:
        return
    rep.tables.append((title, df))
    sec.parts.append(frame_html(cat, df, title))


def _monthly(cat: Catalogue, st: Study) -> pd.DataFrame | None:
    m = st.table("monthly")
    if m is None or "run" not in m:
        return None
    out = pd.DataFrame({r: chy.monthly_bill(m[m["run"] == r]) for r in ("baseline", "project") if (m["run"] == r).any()})
    unit = cat.t("unit.cny")
    out = out.rename(columns={"baseline": f"{cat.t('fig.baseline_cost')} [{unit}]", "project": f"{cat.t('fig.project_cost')} [{unit}]"})
    out.index.name = cat.t("tab.month")
    return out.reset_index()


def _json_data(st: Study) -> dict:
    if st.kind == "dr":
        return {name: {k: v for k, v in ev.items() if k != "parks"} for name, ev in st.data.items()}
    if st.kind == "aggregate":
        d = dict(st.data)
        for ins in d.get("instructions") or []:
            d[f"{ins.get('id')}"] = {"settlement": ins.get("settlement") or {}}
        return d
    return st.data


def build_report(cat: Catalogue, st: Study) -> Report:
    sweep = st.table(st.path.stem) if st.kind == "sweep" else None
    if st.kind == "sweep":
        sweep = _read_sweep(st)
    rep = Report(st.kind, build(cat, st, sweep))
    sec = {sid: Section(sid, cat.t(f"sec.{sid}")) for sid in
           ("summary", "load", "dispatch", "prices", "grid", "year", "cashflow", "events", "capacity", "setpoints", "sweep",
            "kpis", "appendix")}
    sec["summary"].parts += summary_html(cat, rep.summary)
    order = list(SECTIONS[st.kind])
    k = st.kind
    if k in ("run", "evaluate"):
        _charts(rep, sec["load"], [ch.substation_chart(cat, st)])
        _charts(rep, sec["dispatch"], ch.dispatch_charts(cat, st))
    if k == "run":
        _charts(rep, sec["prices"], [ch.price_chart(cat, st)])
        grid = [ch.element_heatmap(cat, st, "powerflow_vm_pu", "ch.vm", cat.t("unit.pu"), "chart-vm"),
                ch.element_heatmap(cat, st, "powerflow_line_loading_percent", "ch.line_loading", "%", "chart-line-loading"),
                ch.element_heatmap(cat, st, "powerflow_trafo_loading_percent", "ch.trafo_loading", "%", "chart-trafo-loading")]
        if any(grid):
            _charts(rep, sec["grid"], grid)
            order.insert(order.index("prices") + 1, "grid")
    if k == "evaluate":
        _charts(rep, sec["year"], [chy.monthly_chart(cat, st), chy.savings_chart(cat, st), chy.net_import_heatmap(cat, st),
                                   chy.soc_heatmap(cat, st), chy.ldc_chart(cat, st), chy.typical_days_chart(cat, st)])
        cf = chy.cash_flow_chart(cat, st)
        if cf is not None:
            _charts(rep, sec["cashflow"], [cf])
            _table(rep, sec["cashflow"], cat, cat.t("tab.cash_flow"), frame(cat, st.table("cash_flow")))
            order.insert(order.index("dispatch") + 1, "cashflow")
    if k == "dr":
        _charts(rep, sec["events"], [che.dr_event_chart(cat, st, f, i) for i, f in enumerate(st.folders)])
    if k == "capacity":
        _charts(rep, sec["capacity"], che.capacity_charts(cat, st))
    if k == "aggregate":
        _charts(rep, sec["setpoints"], che.vpp_charts(cat, st))
    if k == "sweep":
        _charts(rep, sec["sweep"], che.sweep_charts(cat, sweep))
    for sid in order:
        if sid not in ("summary", "kpis", "appendix") and not sec[sid].parts:
            sec[sid].parts.append(f"<p>{cat.t('ch.no_data')}</p>")
    # key figures: grouped KPI tables, then the folder's own tables
    main, appendix = kpi_rows(cat, _json_data(st), SKIP[k])
    kp = sec["kpis"]
    for g, rows in grouped(main).items():
        kp.parts.append(f"<h3>{cat.t(f'grp.{g}')}</h3>" + rows_table(cat, rows))
        rep.tables.append((cat.t(f"grp.{g}"), _rows_frame(cat, rows)))
    if k in ("run", "evaluate"):
        _table(rep, kp, cat, cat.t("tab.costs_parks"), _frame(cat, st.table("costs_parks")))
        _table(rep, kp, cat, cat.t("tab.baseline_costs_parks"), _frame(cat, st.table("baseline_costs_parks")))
        _table(rep, kp, cat, cat.t("tab.monthly"), _monthly(cat, st))
    if k == "dr":
        parks = pd.concat([st.table("dr_summary", f) for f in st.folders if st.table("dr_summary", f) is not None] or [pd.DataFrame()])
        _table(rep, kp, cat, cat.t("tab.dr_parks"), _frame(cat, parks, ("event", "park", "commitment_mwh", "baseline_mwh", "actual_mwh",
                                                                         "verified_mwh", "payment_cny", "penalty_cny", "delta_cost_cny",
                                                                         "rebound_mwh", "net_benefit_cny")))
    if k == "capacity":
        s = st.table("capacity_summary")
        _table(rep, kp, cat, cat.t("tab.capacity"), _frame(cat, s, ("park", "window", "direction", "duration_h", "r_p50_mw", "r_p90_mw",
                                                                    "r_p10_mw", "n_days", "ac_violations")))
    if k == "aggregate":
        for ins in st.data.get("instructions") or []:
            _table(rep, kp, cat, f"{ins.get('id')}: {cat.t('tab.vpp_parks')}", _frame(cat, st.table(f"{ins.get('id')}_settlement_parks")))
    if k == "sweep":
        _table(rep, kp, cat, cat.t("tab.sweep"), _frame(cat, sweep))
    if not kp.parts:
        kp.parts.append(f"<p>{cat.t('sum.none')}</p>")
    ap = sec["appendix"]
    ap.parts.append(rows_table(cat, appendix, raw=True) if appendix else f"<p>{cat.t('sum.none')}</p>")
    rep.tables.append((cat.t("sec.appendix"), pd.DataFrame({cat.t("tab.key"): [r.key for r in appendix],
                                                           cat.t("tab.value"): [_cell(r.value) for r in appendix]})))
    rep.sections = [sec[s] for s in order]
    return rep


def _cell(v):
    return v if isinstance(v, (int, float, str, bool)) or v is None else str(v)


def _rows_frame(cat: Catalogue, rows) -> pd.DataFrame:
    return pd.DataFrame({cat.t("tab.item"): [r.label for r in rows], cat.t("tab.value"): [r.value for r in rows],
                         cat.t("tab.unit"): [cat.t(r.unit_key) for r in rows]})


def _frame(cat: Catalogue, df: pd.DataFrame | None, cols: tuple[str, ...] | None = None) -> pd.DataFrame | None:
    if df is None or df.empty:
        return None
    cols = [c for c in (cols or df.columns) if c in df.columns]
    keep = [c for c in cols if c in ("park", "event", "window", "direction", "point_id", "status", "month")
            or pd.api.types.is_numeric_dtype(df[c])]
    return frame(cat, df, keep)


def _read_sweep(st: Study) -> pd.DataFrame:
    from vpp.errors import VppError

    try:
        return pd.read_parquet(st.path)
    except Exception as exc:
        raise VppError(f"'{st.path}' is unreadable ({type(exc).__name__}: {str(exc)[:100]})") from None
