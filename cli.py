"""``vpp``: the command line. A thin click group; each command calls one function of :mod:`vpp`.

User errors (bad scenario, unknown bus, infeasible demand, solver or power-flow failure) print one
clear message and exit with code 1; ``vpp --debug ...`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
import warnings
from pathlib import Path

import click

from vpp.errors import VppError


class Context:
    debug: bool = False


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@contextlib.contextmanager
def library_warnings_counted(debug: bool):
    """Collect the warnings of the libraries (``warnings`` and ``logging`` records of WARNING and above)
    instead of letting them flood the terminal; afterwards one line says how many there were and the
    first one. With ``--debug`` everything is shown as it comes."""
    if debug:
        yield
        return
    records: list[str] = []

    class _Count(logging.Handler):
        def emit(self, record):
            if record.name == "vpp" or record.name.startswith("vpp."):  # the simulator's own: shown
                click.echo(f"· warning: {record.getMessage()}", err=True)
            else:
                records.append(f"{record.name}: {record.getMessage()}")

    root = logging.getLogger()
    handler = _Count(level=logging.WARNING)
    saved = root.handlers[:], root.level
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            yield
    finally:
        root.handlers = saved[0]
        root.setLevel(saved[1])
        records += [f"{w.category.__name__}: {w.message}" for w in caught]
        if records:
            click.echo(f"· {len(records)} warning(s) from libraries hidden (first: {records[0][:160]}); "
                       "vpp --debug shows them", err=True)


def handle_errors(fn):
    """One exception formatter for every command."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().obj and ctx.find_root().obj.debug)
        try:
            with library_warnings_counted(debug):
                return fn(*args, **kwargs)
        except VppError as exc:
            if debug:
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted")
        except OSError as exc:  # a full disk, a file that vanished, a permission: the file and the reason
            if debug:
                raise
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(f"{where}{exc.strerror or exc}")
        except Exception as exc:  # an internal error: still one line unless --debug
            if debug:
                raise
            _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with --debug for the traceback")

    return wrapper


def scenario_argument(fn):
    return click.argument("scenario", metavar="SCENARIO")(fn)


def horizon_options(fn):
    fn = click.option("--start", type=str, default=None, help="first day (YYYY-MM-DD); overrides the scenario")(fn)
    fn = click.option("--days", type=click.IntRange(1, 400), default=None, help="number of days; overrides the scenario")(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="show tracebacks instead of one-line errors")
@click.version_option(package_name="yuhua-vpp")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Demand-response and virtual power plant simulator for industrial parks (Yuhua, Changsha).

    SCENARIO is a scenario YAML file or the name of a shipped scenario (see `vpp scenarios`).
    """
    ctx.obj = Context()
    ctx.obj.debug = debug


@main.command()
@scenario_argument
@horizon_options
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="run folder [default: runs/<scenario>-<strategy>]")
@click.option("--strategy", type=click.Choice(["optimised", "baseline"]), default="optimised", show_default=True,
              help="'baseline': no optimisation (PV as available, batteries idle, EVs charge on arrival)")
@click.option("--csv", is_flag=True, help="write CSV copies of every table")
@click.option("--json", "as_json", is_flag=True, help="print the KPIs as JSON")
@click.option("--no-ac", is_flag=True, help="skip the AC power-flow check")
@click.option("--ac-engine", type=click.Choice(["pandapower", "power_grid_model"]), default=None,
              help="AC power-flow engine (power_grid_model: batch, the default; pandapower: the reference); "
                   "overrides ac_check.engine of the scenario")
@click.option("--network-constraints", "network_constraints", type=click.Choice(["none", "linear"]), default=None,
              help="'linear': voltage/thermal limits in the dispatch, closed loop with AC; overrides the scenario")
@click.option("--plan-pv-share", "plan_pv_share", type=click.FloatRange(0, 1), default=None,
              help="rooftop PV plan: PV on this share of the usable area of the counted roofs (sets "
                   "plan.pv_rooftop_share, adding a plan with its defaults if the scenario has none; docs/yuhua_plan.md)")
@handle_errors
def run(scenario, days, start, out, strategy, csv, as_json, no_ac, ac_engine, network_constraints, plan_pv_share):
    """Optimise the dispatch of a scenario, check it with AC power flow and write a run folder."""
    from vpp import api
    from vpp.report import kpi_table

    scn = api.load_scenario(scenario, days=days, start=start)
    if plan_pv_share is not None:
        from scenarios.loader import with_plan

        scn = with_plan(scn, pv_rooftop_share=plan_pv_share)
    out_dir = Path(out) if out else Path(scn.outputs.dir) / f"{scn.name}-{strategy}"
    log = None if as_json else (lambda msg: click.echo(f"· {msg}", err=True))
    result = api.run(scn, strategy=strategy, ac=False if no_ac else None, ac_engine=ac_engine,
                     network_constraints=network_constraints, out_dir=out_dir, csv=csv or scn.outputs.csv,
                     progress=not as_json, log=log)
    if as_json:  # this run's own figures (never a file another run may have replaced meanwhile)
        from vpp.outputs import _clean

        click.echo(json.dumps(_clean(result.kpis), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(kpi_table(result.kpis))
        click.echo(f"\nrun folder: {out_dir}")


@main.command()
@scenario_argument
@horizon_options
@handle_errors
def validate(scenario, days, start):
    """Report every problem of a scenario at once (schema, network buses, EV sessions)."""
    from scenarios import load
    from vpp.validate import check

    scn = load(scenario, days=days, start=start)
    check(scn, source=str(scenario))
    n_assets = sum(len(p.assets) for p in scn.parks)
    click.echo(f"ok: '{scn.name}': {len(scn.parks)} parks, {n_assets} assets, {scn.horizon.days} day(s) at {scn.horizon.resolution_min} min")
    from scenarios.plan import format_summary

    roofs = format_summary(scn)  # parks with roofs: the PV the rooftop plan sized
    if roofs:
        click.echo(roofs)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def scenarios(as_json):
    """List the shipped scenarios."""
    from scenarios import load, shipped

    rows = []
    for name, path in shipped().items():
        scn = load(path)
        rows.append({"name": name, "parks": len(scn.parks), "network": scn.network.kind, "path": str(path), "description": scn.description})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['name']:<20} {r['parks']:>2} parks  {r['network']:<16} {r['description']}")


@main.command()
@scenario_argument
@click.option("--json", "as_json", is_flag=True)
@click.option("--hosting", is_flag=True,
              help="hosting capacity per park (extra load / PV before a limit binds, capacity released by flexibility)")
@click.option("--hosting-cases", "hosting_cases", type=click.Choice(["auto", "year", "snapshot"]), default="auto",
              show_default=True,
              help="hosting base cases: the worst steps of a year of AC results (no-control rule) or the two snapshots "
                   "(coincident nominal peak; minimum load + full PV); auto = the year where its profiles can be built")
@click.option("--year", type=click.IntRange(1990, 2100), default=None,
              help="year of the hosting year cases [default: the year of the scenario start]")
@handle_errors
def network(scenario, as_json, hosting, hosting_cases, year):
    """Summarise the grid: buses, feeders, transformers, parks per feeder, base-case power flow."""
    from network_models import build_grid
    from network_models.summary import format_summary, summarise
    from scenarios import load

    scn = load(scenario)
    if hosting:
        from network_models.hosting import format_hosting
        from vpp.evaluation.hosting_year import hosting as hosting_study

        res = hosting_study(scn, cases=hosting_cases, year=year)
        click.echo(json.dumps(res, indent=2, ensure_ascii=False, default=str) if as_json else format_hosting(res))
        return
    grid = build_grid(scn)
    summary = summarise(grid, scn)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(format_summary(summary))


@main.command()
@scenario_argument
@click.option("--park", default=None, help="evaluate only this park (no district row)")
@click.option("--window", "window", default=None,
              help="called window(s) HH:MM-HH:MM, comma-separated, e.g. 20:00-22:00 [default: scenario capacity.windows, "
                   "else the critical-peak and peak runs of the TOU table in the reference month]")
@click.option("--durations", default=None, help="event durations [h], comma-separated [default: scenario capacity.durations_h, 0.5,1,2,4]; "
              "in each window those that fit and the whole window")
@click.option("--samples", type=int, default=None, help="K distinct days drawn from the season; P50/P90 across them "
              "[default: scenario capacity.samples, 20]; K = 1: the reference day")
@click.option("--season", type=click.Choice(["summer", "winter"]), default=None,
              help="summer = Jun-Sep, winter = Dec-Feb of the scenario's year [default: summer]")
@click.option("--day-type", "day_type", type=click.Choice(["summer", "winter"]), default=None, hidden=True,
              help="former name of --season")
@click.option("--day-class", "day_class", type=click.Choice(["workday", "weekend", "holiday", "all"]), default=None,
              help="calendar class of the drawn days [default: workday]")
@click.option("--date", default=None, help="evaluate this one date (YYYY-MM-DD, K = 1) instead of drawn days")
@click.option("--notice-h", type=float, default=None, help="notice before the event [h] [default: 0.5]")
@click.option("--best-hour-days", "best_hour_days", type=int, default=None,
              help="days swept at every start hour for the secondary best-hour column [default: 3; 0: none]")
@click.option("--jobs", type=int, default=None, help="worker processes [default: min(2, CPUs)]")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="folder [default: runs/<scenario>-capacity]")
@click.option("--csv", is_flag=True, help="write CSV copies of the tables")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@handle_errors
def capacity(scenario, park, window, durations, samples, season, day_type, day_class, date, notice_h, best_hour_days,
             jobs, out, csv, as_json):
    """Callable capacity per park and district: down and up MW held in the called windows, P50/P90 across days."""
    from vpp import api
    from vpp.capacity_study.study import format_summary

    scn = api.load_scenario(scenario)
    out_dir = Path(out) if out else Path(scn.outputs.dir) / f"{scn.name}-capacity"
    log = None if as_json else (lambda msg: click.echo(f"· {msg}", err=True))
    res = api.capacity(scn, park=park, windows=window, durations=durations, samples=samples, season=season or day_type,
                       day_class=day_class, date=date, notice_h=notice_h, best_hour_days=best_hour_days, jobs=jobs,
                       out_dir=out_dir, csv=csv, progress=not as_json, log=log)
    if as_json:
        click.echo(json.dumps({**res.meta, "summary": res.summary.to_dict(orient="records")}, indent=2, ensure_ascii=False,
                              default=str))
    else:
        click.echo(format_summary(res.summary, res.meta))
        click.echo(f"\ncapacity folder: {res.out_dir}")


@main.command()
@scenario_argument
@horizon_options
@click.option("--event", "events", multiple=True, help="event id (repeatable) [default: every event of the dr section]")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="folder [default: runs/<scenario>-dr]; one sub-folder per event")
@click.option("--csv", is_flag=True, help="write CSV copies of every table")
@click.option("--json", "as_json", is_flag=True, help="print the settlement as JSON")
@handle_errors
def dr(scenario, days, start, events, out, csv, as_json):
    """Simulate DR events: similar-day baseline, optimised response, settlement, rebound, net benefit."""
    from vpp import api
    from vpp.demand_response.report import event_json, event_table

    scn = api.load_scenario(scenario, days=days, start=start)
    out_dir = Path(out) if out else Path(scn.outputs.dir) / f"{scn.name}-dr"
    log = None if as_json else (lambda msg: click.echo(f"· {msg}", err=True))
    done = api.dr(scn, events=list(events) or None, out_dir=out_dir, csv=csv or scn.outputs.csv, log=log)
    if as_json:
        click.echo(json.dumps([event_json(r) for r in done], indent=2, ensure_ascii=False, default=str))
        return
    for r in done:
        click.echo(event_table(r))
        click.echo(f"folder: {out_dir / r.event.id}\n")


@main.command()
@scenario_argument
@horizon_options
@click.option("--vpp", "vpp_name", default=None, help="only this VPP [default: every VPP of the scenario]")
@click.option("--instruction", "instructions", multiple=True, help="instruction id (repeatable) [default: all]")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="folder [default: runs/<scenario>-vpp]; one sub-folder per VPP")
@click.option("--bids/--no-bids", default=True, show_default=True, help="bid curve")
@click.option("--envelope/--no-envelope", default=True, show_default=True, help="flexibility envelope")
@click.option("--admission/--no-admission", default=True, show_default=True, help="Hunan admission check and capability test")
@click.option("--admission-window", "admission_window", default=None,
              help="called window(s) of the admission check, HH:MM-HH:MM comma-separated [default: scenario "
                   "capacity.windows, else the TOU critical-peak and peak runs of the first day's month]")
@click.option("--csv", is_flag=True, help="write CSV copies of every table")
@click.option("--json", "as_json", is_flag=True, help="print the results as JSON")
@handle_errors
def aggregate(scenario, days, start, vpp_name, instructions, out, bids, envelope, admission, admission_window, csv, as_json):
    """Virtual power plant: joint response to grid instructions, settlement, bids, envelope, admission."""
    from vpp import api
    from vpp.aggregator.report import vpp_json, vpp_text

    scn = api.load_scenario(scenario, days=days, start=start)
    out_dir = Path(out) if out else Path(scn.outputs.dir) / f"{scn.name}-vpp"
    log = None if as_json else (lambda msg: click.echo(f"· {msg}", err=True))
    done = api.aggregate(scn, vpp_name=vpp_name, instructions=list(instructions) or None, bids=bids, envelope=envelope,
                         admission=admission, admission_windows=admission_window, out_dir=out_dir,
                         csv=csv or scn.outputs.csv, log=log)
    if as_json:
        click.echo(json.dumps([vpp_json(r) for r in done], indent=2, ensure_ascii=False, default=str))
        return
    for r in done:
        click.echo(vpp_text(r))
        click.echo(f"folder: {out_dir / r.vpp.name}\n")


@main.command()
@scenario_argument
@click.option("--year", type=click.IntRange(1990, 2100), default=None, help="evaluate this calendar year from 1 January [default: the scenario's start]")
@click.option("--days", type=click.IntRange(1, 366), default=None,
              help="number of days [default: the year or the scenario]; fewer than a year: the period's own figures, no NPV")
@click.option("--representative-days", "representative_days", type=click.IntRange(2, 60), default=None,
              help="K typical days with weights stand for the year (of --year or the scenario start)")
@click.option("--horizon", type=click.Choice(["rolling", "perfect"]), default="rolling", show_default=True,
              help="rolling daily windows with look-ahead, or one perfect-foresight solve")
@click.option("--lookahead-h", type=float, default=24.0, show_default=True, help="look-ahead of each rolling window [h]")
@click.option("--park", default=None, help="evaluate one park only")
@click.option("--compare", is_flag=True, help="also solve the other horizon and report the rolling-vs-perfect gap")
@click.option("--size", "size", default=None, help="size these kinds first (pv, battery, or pv,battery) with annualised capex")
@click.option("--no-dr", "no_dr", is_flag=True, help="leave out the DR events of the scenario's dr section")
@click.option("--calendars", "calendars", type=click.IntRange(1, 1000), default=None,
              help="K seeded years of DR calls from dr.calendar: NPV P10/P50/P90 (needs a year or representative days)")
@click.option("--no-floating-sensitivity", "no_floating", is_flag=True,
              help="skip the second evaluation with the tariff's other floating setting (NPV beside the chosen one)")
@click.option("--no-ac", "no_ac", is_flag=True,
              help="skip the AC grid check of every step (reverse flow, violations, open capacity of project and baseline)")
@click.option("--green-share", "green_share", type=click.FloatRange(0, 1), default=None,
              help="target: least green-power share of the site consumption over the year, all parks (sets "
                   "carbon.green_share_target); with --size the least-cost design meeting it, else green electricity "
                   "is bought after the dispatch as far as needed (carbon.green_purchase)")
@click.option("--co2-cap", "co2_cap", type=click.FloatRange(0, None), default=None,
              help="target: most CO2 of the year [tCO2/yr], all parks (sets carbon.co2_cap_t)")
@click.option("--co2-intensity-cap", "co2_intensity_cap", type=click.FloatRange(0, 10), default=None,
              help="target: most CO2 per kWh of site consumption [kgCO2/kWh] (sets carbon.co2_intensity_cap_kg_per_kwh)")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="folder [default: runs/<scenario>-evaluate]")
@click.option("--json", "as_json", is_flag=True, help="print the KPIs as JSON")
@handle_errors
def evaluate(scenario, year, days, representative_days, horizon, lookahead_h, park, compare, size, no_dr, calendars,
             no_floating, no_ac, green_share, co2_cap, co2_intensity_cap, out, as_json):
    """Year evaluation of the project vs the no-project baseline: bills, savings, NPV/IRR, carbon, grid.

    Every evaluation reports the green-power share ((PV − export + bought green electricity) / site consumption)
    and CO2 [t, kgCO2/kWh] of project and baseline (bought green electricity counts as zero-emission, by
    green certificates). With a target (--green-share, --co2-cap, --co2-intensity-cap or the carbon section)
    and --size pv,battery the sizing LP finds the least-cost design meeting it and reports its shadow price."""
    from vpp import api
    from vpp.evaluation.year import summary_text

    scn = api.load_scenario(scenario)
    out_dir = Path(out) if out else Path(scn.outputs.dir) / f"{scn.name}-evaluate"
    log = None if as_json else (lambda msg: click.echo(f"· {msg}", err=True))
    ev = api.evaluate(scn, year=year, days=days, horizon=horizon, lookahead_h=lookahead_h, park=park, compare=compare,
                      out_dir=out_dir, progress=not as_json, log=log, size=size, dr=not no_dr,
                      representative_days=representative_days, floating_sensitivity=not no_floating, calendars=calendars,
                      ac=not no_ac, green_share=green_share, co2_cap_t=co2_cap,
                      co2_intensity_cap_kg_per_kwh=co2_intensity_cap)
    if as_json:  # this evaluation's own figures, as written to kpis.json
        from vpp.outputs import _clean

        click.echo(json.dumps(_clean(ev.kpis), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(summary_text(ev.kpis))
        click.echo(f"\nrun folder: {out_dir}")


@main.command()
@scenario_argument
@click.option("--param", "params", multiple=True, required=True,
              help="TARGET.FIELD=start:stop:step or =v1,v2 (TARGET: asset, park.asset, kind or section); repeatable")
@click.option("--samples", type=click.IntRange(1, 10000), default=1, show_default=True, help="Monte Carlo seeds per grid point")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786); 'sequential' runs in-process; default: local cluster")
@click.option("--workers", type=click.IntRange(1, 256), default=2, show_default=True, help="workers of the local cluster")
@click.option("--days", type=click.IntRange(1, 366), default=None, help="days per evaluation (at least a year) [default: the year]")
@click.option("--year", type=click.IntRange(1990, 2100), default=None, help="evaluate this calendar year [default: the scenario start's]")
@click.option("--representative-days", "representative_days", type=click.IntRange(2, 60), default=None,
              help="K typical days with weights per evaluation instead of the whole year")
@click.option("--horizon", type=click.Choice(["rolling", "perfect"]), default="rolling", show_default=True)
@click.option("--size", "size", default=None, help="size these kinds (pv, battery, or pv,battery) at every point")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Parquet table [default: runs/<scenario>-sweep.parquet]")
@click.option("--allow-failures", is_flag=True, help="exit 0 even when some points failed (they stay in the table with their error)")
@handle_errors
def sweep(scenario, params, samples, scheduler, workers, days, year, representative_days, horizon, size, out, allow_failures):
    """Grid / Monte Carlo of evaluations in parallel (local or Dask cluster) into one Parquet table.

    Green targets: --size pv,battery --param carbon.green_share_target=0:0.8:0.1 (or carbon.co2_cap_t=...) gives
    the least-cost design per target, its annual cost and the marginal cost of each step (CNY per percentage
    point, CNY per tCO2 abated) in the table, and the marginal abatement cost curve as <table>-mac.png."""
    from scenarios import load
    from vpp.evaluation.sweep import sweep as run_sweep
    from vpp.validate import check

    scn = load(scenario)
    check(scn, source=str(scenario))  # a scenario that fails every point is one error, before the sweep
    path = Path(out) if out else Path(scn.outputs.dir) / f"{scn.name}-sweep.parquet"
    df = run_sweep(scn, list(params), path, samples=samples, scheduler=scheduler, n_workers=workers,
                   eval_kwargs={"days": days, "year": year, "horizon": horizon, "representative_days": representative_days,
                                **({"size": size} if size else {})},
                   progress=True,
                   log=lambda msg: click.echo(f"· {msg}", err=True))
    cols = [c for c in ("point_id", "status", "npv_cny", "irr", "simple_payback_years", "savings_total_cny", "green_share",
                        "design_annual_cost_cny", "marginal_cost_cny_per_point", "mac_cny_per_tco2") if c in df]
    click.echo(df[cols].to_string(index=False))
    click.echo(f"\ntable: {path}")
    failed = df[df["status"] != "ok"]
    if len(failed) and not allow_failures:
        first = failed.iloc[0]
        raise VppError(f"{len(failed)} of {len(df)} sweep point(s) failed (first: {first['point_id']}: {first['error']}); "
                       f"the table {path} keeps them; --allow-failures accepts a partial sweep")


@main.command()
@click.argument("path", type=click.Path(exists=True))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="language of the report [default: the scenario's report.lang, else en]")
@click.option("--xlsx", is_flag=True, help="also write the summary and main tables as an Excel workbook next to the HTML")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="HTML file [default: PATH/report.html; TABLE.report.html for a sweep table]")
@handle_errors
def report(path, lang, xlsx, out):
    """Self-contained offline HTML report (summary first, the whole period in interactive charts) of the
    folder of vpp run / evaluate / dr / capacity / aggregate, or of a vpp sweep .parquet table."""
    from vpp.reporting import write_report

    html_path = write_report(Path(path), Path(out) if out else None, lang=lang, xlsx=xlsx)
    click.echo(f"report: {html_path}")
    if xlsx:
        click.echo(f"workbook: {html_path.with_suffix('.xlsx')}")


@main.command()
@click.argument("file", metavar="FILE")
@click.option("--unit", type=click.Choice(["kW", "MW", "kWh", "MWh"]), default=None,
              help="unit of the numbers: kW / MW mean power, kWh / MWh energy per interval [default: kW]")
@click.option("--layout", type=click.Choice(["auto", "long", "wide", "daily96"]), default=None, help="table layout [default: auto]")
@click.option("--column", default=None, help="value column of a long / wide table")
@click.option("--sheet", default=None, help="Excel sheet: name or 0-based position [default: the first]")
@click.option("--meter", default=None, help="meter id of a table of stacked meters")
@click.option("--stamps", type=click.Choice(["beginning", "ending", "auto"]), default=None,
              help="timestamps label the start or the end of their interval [default: auto]")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None, help="write a PNG of the series and the mean days")
@click.option("--as", "as_asset", metavar="SCENARIO:ASSET", default=None,
              help="read FILE with the asset's profile settings and show it on the scenario's horizon")
@handle_errors
def data(file, unit, layout, column, sheet, meter, stamps, plot_path, as_asset):
    """Inspect a measured meter file: period, step, gaps, duplicates, energy, peak, mean day per day type.

    Exits with 1 (after the figures) when a scenario would refuse the file, naming the first problem."""
    from vpp.measured import inspect as mi

    settings = {"unit": unit, "layout": layout, "column": column, "sheet": sheet, "meter": meter, "stamps": stamps}
    if as_asset:
        spec, base_dir, scn, park = mi.spec_for_asset(as_asset, file, **settings)
    else:
        spec, base_dir = mi.make_spec(file, **settings), None
    desc = mi.describe(spec, base_dir)
    click.echo(mi.format_description(desc))
    if plot_path:
        click.echo(f"\nplot: {mi.plot(desc, plot_path)}")
    if desc["problem"]:  # figures shown; a file a scenario would refuse still fails the command
        raise VppError(desc["problem"])
    if as_asset:
        click.echo("\n" + mi.format_as(mi.describe_as(spec, base_dir, scn, park)))


def entry() -> None:
    """Console entry point: click's own usage errors (missing file, bad option) also exit with 1."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted")
    except click.exceptions.ClickException as exc:
        _fail(exc.format_message())
    except SystemExit:
        raise


if __name__ == "__main__":  # pragma: no cover
    entry()
