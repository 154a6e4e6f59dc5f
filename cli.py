"""``vpp``: the command line. A thin click group; each command calls one function of :mod:`vpp`.

User errors (bad scenario, unknown bus, infeasible demand, solver or power-flow failure) print one
clear message and exit with code 1; ``vpp --debug ...`` shows the traceback instead.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from vpp.errors import VppError


class Context:
    debug: bool = False


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def handle_errors(fn):
    """One exception formatter for every command."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().obj and ctx.find_root().obj.debug)
        try:
            return fn(*args, **kwargs)
        except VppError as exc:
            if debug:
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted")
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
@handle_errors
def run(scenario, days, start, out, strategy, csv, as_json, no_ac):
    """Optimise the dispatch of a scenario, check it with AC power flow and write a run folder."""
    from scenarios import load
    from vpp.pipeline import run as run_pipeline
    from vpp.report import kpi_table

    scn = load(scenario, days=days, start=start)
    if no_ac:
        scn = scn.model_copy(update={"ac_check": scn.ac_check.model_copy(update={"enabled": False})})
    out_dir = Path(out) if out else Path(scn.outputs.dir) / f"{scn.name}-{strategy}"
    log = None if as_json else (lambda msg: click.echo(f"· {msg}", err=True))
    result = run_pipeline(scn, strategy, out_dir=out_dir, csv=csv or scn.outputs.csv, progress=not as_json, log=log)
    if as_json:
        click.echo(json.dumps(json.loads((out_dir / "kpis.json").read_text()), indent=2, ensure_ascii=False))
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
@handle_errors
def network(scenario, as_json):
    """Summarise the grid: buses, feeders, transformers, parks per feeder, base-case power flow."""
    from network_models import build_grid
    from network_models.summary import format_summary, summarise
    from scenarios import load

    scn = load(scenario)
    grid = build_grid(scn)
    summary = summarise(grid, scn)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(format_summary(summary))


if __name__ == "__main__":  # pragma: no cover
    main()
