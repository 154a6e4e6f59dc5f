"""The public Python API: the same calls the ``vpp`` command line makes, for notebooks and other tools.

Every function takes a scenario as a :class:`~scenarios.schema.Scenario` or as a YAML path / shipped
name, returns a result object holding its tables (pandas) and KPIs, and writes a result folder only
when ``out_dir`` is given. Errors are :class:`vpp.errors.VppError` with the one-line message the CLI
prints.

>>> import vpp
>>> scn = vpp.load_scenario("single_park", days=1)
>>> res = vpp.run(scn)                              # dispatch + AC check
>>> res.kpis["total_cost_cny"], res.dispatch.costs  # KPIs and per-park bill
>>> ev = vpp.evaluate("single_park", year=2025, days=14)
>>> ev.kpis["economics"]["npv_cny"], ev.project.monthly
>>> cap = vpp.capacity("yuhua_district", windows="20:00-22:00", samples=20)
>>> cap.summary

See docs/api.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from scenarios import load as _load
from scenarios.schema import Scenario

Log = Callable[[str], None] | None


def load_scenario(source: str | Path | Scenario, *, days: int | None = None,
                  start: dt.date | str | None = None) -> Scenario:
    """A validated scenario from a YAML file or a shipped scenario name (``vpp scenarios``), with the
    horizon optionally overridden (``days`` from ``start``)."""
    if isinstance(source, Scenario):
        from scenarios.loader import apply_plan

        source = apply_plan(source)  # a scenario built in Python: its rooftop plan, as a file's at loading
        if days is None and start is None:
            return source
        h = source.horizon.model_copy(update={k: v for k, v in (("days", days), ("start", _date(start))) if v is not None})
        return source.model_copy(update={"horizon": h})
    return _load(source, days=days, start=start)


def _check_out(out_dir, container: bool = False) -> None:
    """Refuse an output folder vpp must not or cannot write before any work (vpp.outputs.check_out_dir)."""
    if out_dir is not None:
        from vpp.outputs import check_out_dir

        check_out_dir(out_dir, container=container)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def run(scenario: str | Path | Scenario, *, strategy: str = "optimised", days: int | None = None,
        start: dt.date | str | None = None, ac: bool | None = None, ac_engine: str | None = None,
        network_constraints: str | None = None, out_dir: str | Path | None = None, csv: bool = False,
        progress: bool = False, log: Log = None):
    """``vpp run``: optimise (or ``strategy='baseline'``) the dispatch, check it with AC power flow.

    ``ac=False`` skips the AC check, ``ac_engine`` (``'power_grid_model'`` | ``'pandapower'``) and
    ``network_constraints`` (``'none'`` | ``'linear'``) override the scenario. Returns
    :class:`vpp.pipeline.RunResult` (``dispatch.assets/parks/costs`` tables, ``ac``, ``kpis``).
    """
    from vpp.pipeline import run as _run

    _check_out(out_dir)
    scn = load_scenario(scenario, days=days, start=start)
    if ac is not None:
        scn = scn.model_copy(update={"ac_check": scn.ac_check.model_copy(update={"enabled": bool(ac)})})
    if ac_engine:
        scn = scn.model_copy(update={"ac_check": scn.ac_check.model_copy(update={"engine": ac_engine})})
    if network_constraints:
        nc = scn.network_constraints.model_copy(update={"mode": network_constraints})
        scn = scn.model_copy(update={"network_constraints": nc})
    return _run(scn, strategy, out_dir=out_dir, csv=csv, progress=progress, log=log)


def evaluate(scenario: str | Path | Scenario, **options: Any):
    """``vpp evaluate``: project vs baseline over a year (``year=2025``) or ``days``; options as
    :func:`vpp.evaluation.year.evaluate` (``horizon``, ``lookahead_h``, ``park``, ``compare``, ``size``, ``dr``,
    ``representative_days``, ``floating_sensitivity``, ``ac`` (False: no AC grid check of every step), the targets ``green_share``, ``co2_cap_t``,
    ``co2_intensity_cap_kg_per_kwh`` (``kpis['green']``),
    ``out_dir``). Returns :class:`vpp.evaluation.year.Evaluation` (``project``/``baseline`` schedules with
    ``parks``, ``assets``, ``costs``, ``monthly``; ``kpis``; ``cash_flow``; ``daily``)."""
    from vpp.evaluation.year import evaluate as _evaluate

    _check_out(options.get("out_dir"))
    return _evaluate(load_scenario(scenario), **options)


def capacity(scenario: str | Path | Scenario, *, park: str | None = None, windows: str | list | None = None,
             durations: str | None = None, samples: int | None = None, season: str | None = None,
             day_class: str | None = None, date: str | None = None, notice_h: float | None = None,
             best_hour_days: int | None = None, jobs: int | None = None, out_dir: str | Path | None = None,
             csv: bool = False, progress: bool = False, log: Log = None, day_type: str | None = None):
    """``vpp capacity``: callable (down) and valley-filling (up) capacity per park and district in the called
    ``windows`` (``'20:00-22:00,16:00-18:00'``; default the TOU peak and critical-peak runs), P50/P90 across
    ``samples`` = K days of the ``season`` and ``day_class`` (or the one ``date``); ``day_type`` is the former
    name of ``season``. Returns :class:`vpp.capacity_study.study.CapacityResult` (``summary``, ``stats``,
    ``days``, ``best_hour``, ``table``, ``meta``); the folder is written to ``out_dir`` when given."""
    from vpp.capacity_study.study import make_settings, parse_durations, run_capacity

    _check_out(out_dir)
    scn = load_scenario(scenario)
    settings = make_settings(
        scn, park=park, durations_h=parse_durations(durations) if durations else None, samples=samples,
        season=season or day_type, day_class=day_class, date=date, notice_h=notice_h, jobs=jobs, windows=windows,
        best_hour_days=best_hour_days,
    )
    return run_capacity(scn, settings, out_dir=out_dir, csv=csv or scn.outputs.csv, progress=progress, log=log)


def dr(scenario: str | Path | Scenario, *, events: list[str] | None = None, days: int | None = None,
       start: dt.date | str | None = None, out_dir: str | Path | None = None, csv: bool = False, log: Log = None):
    """``vpp dr``: the scenario's DR events (all, or ``events``): baseline, response, settlement.
    Returns a list of :class:`vpp.demand_response.event.EventResult`; with ``out_dir`` one folder per event."""
    from vpp.validate import check

    _check_out(out_dir, container=True)  # one sub-folder per event
    scn = load_scenario(scenario, days=days, start=start)
    check(scn, source=scn.name)  # every problem of the scenario at once, before the event simulations
    if out_dir is None:
        from vpp.demand_response.event import simulate_events

        return simulate_events(scn, events, log=log)
    from vpp.demand_response.report import run_dr

    return [r for r, _ in run_dr(scn, events, Path(out_dir), csv=csv, log=log)]


def aggregate(scenario: str | Path | Scenario, *, vpp_name: str | None = None, instructions: list[str] | None = None,
              days: int | None = None, start: dt.date | str | None = None, bids: bool = True, envelope: bool = True,
              admission: bool = True, admission_windows: str | None = None, out_dir: str | Path | None = None,
              csv: bool = False, log: Log = None):
    """``vpp aggregate``: each VPP's joint response, settlement, bid curve, envelope and admission
    check (on the capacity callable in ``admission_windows``, e.g. ``'20:00-22:00'``; default the TOU
    critical-peak and peak runs). Returns a list of :class:`vpp.aggregator.run.VppResult`."""
    from vpp.aggregator.run import aggregate as _aggregate

    _check_out(out_dir, container=True)  # one sub-folder per VPP
    scn = load_scenario(scenario, days=days, start=start)
    done = _aggregate(scn, vpp_name=vpp_name, instruction_ids=instructions, out_dir=out_dir, do_bids=bids,
                      do_envelope=envelope, do_admission=admission, admission_windows=admission_windows, csv=csv, log=log)
    return [r for r, _ in done]
