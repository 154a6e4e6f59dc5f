"""Regression pins: the objective and key KPIs of the shipped scenarios, as computed by the committed code.

``tests/regression/test_pins.py`` recomputes every figure through :func:`compute_pins` (one function per
section, the same code path as here) and compares it with ``tests/regression/pins.json`` at a relative
tolerance of 1e-6 (absolute 1e-6 for values near zero). A refactor that must not change results proves it
by leaving this test green.

Regenerate the pins **from a clean checkout of the commit they should describe**, never from a working
tree with edits in progress::

    git worktree add /tmp/pins_head HEAD
    cp -r tests/regression /tmp/pins_head/tests/          # only needed while these files are uncommitted
    cd /tmp/pins_head
    PYTHONPATH=/tmp/pins_head python tests/regression/make_pins.py --out /path/to/repo/tests/regression/pins.json
    cd - && git worktree remove --force /tmp/pins_head

(the editable install maps ``vpp`` etc. to the main working tree; ``PYTHONPATH`` comes first on
``sys.path`` and the script refuses to run when the imported packages are not the ones next to it).

Usage::

    python tests/regression/make_pins.py                        # every section -> pins.json next to this file
    python tests/regression/make_pins.py --only evaluate        # recompute these sections, keep the others
    python tests/regression/make_pins.py --out /tmp/pins.json   # write elsewhere

Sections (one test function each, so that ``pytest -n 2`` spreads them):

* ``run``: ``vpp run SCENARIO --days 1`` (:func:`vpp.pipeline.run`) of every shipped scenario except
  ``grid_stress``; strategies optimised and baseline for single_park and yuhua_district, optimised for the
  others; AC check off except single_park optimised (which also pins the AC voltage/loading figures);
* ``run_grid_stress``: ``vpp run grid_stress --no-ac`` (network_constraints linear: closed loop of LP and
  AC power flow, ~15 s, kept in its own test);
* ``dr``: ``vpp dr yuhua_district`` (:func:`vpp.demand_response.event.simulate_events`), every event;
* ``capacity``: ``vpp capacity single_park --durations 1,2 --samples 1 --jobs 1``
  (:func:`vpp.capacity_study.study.run_capacity`, no run folder);
* ``aggregate``: ``vpp aggregate yuhua_district --no-envelope`` (:func:`vpp.aggregator.run.aggregate`; the
  envelope, 192 solves, is left out to keep the test cheap);
* ``evaluate``: ``vpp evaluate single_park --year 2025 --days 14`` (rolling horizon,
  :func:`vpp.evaluation.year.evaluate`). ``evaluate_expected_to_change`` in pins.json marks, next to each evaluate
  figure, whether netting simultaneous import and export per step in the rolling path moves it (see
  :data:`EVALUATE_EXPECTED_TO_CHANGE`). That change landed in d4e745d (1.429 MWh of same-step export and
  343.02 CNY moved from export revenue to PV self-consumption; totals, NPV and IRR unchanged) and the
  evaluate pins were regenerated then; the flags stay as the record of which figures it touched.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PINS = HERE / "pins.json"

REL_TOL = 1e-6
ABS_TOL = 1e-6

BOTH_STRATEGIES = ("single_park", "yuhua_district")  # run with optimised and baseline
AC_CHECKED = ("single_park", "optimised")  # the one run that keeps the AC power-flow check
SLOW_RUNS = ("grid_stress",)  # network_constraints linear: its own section / test
#: shipped after the pins were last made (pinned at the next regeneration; then remove them from here)
NOT_PINNED_YET: tuple[str, ...] = ()
RUN_KEYS = ("total_cost_cny", "energy_cost_cny", "export_revenue_cny", "demand_charge_cny", "capacity_charge_cny",
            "asset_cost_cny", "import_mwh", "export_mwh", "smoothing_penalty_cny")  # objective = bill + smoothing
AC_KEYS = ("vm_min_pu", "vm_max_pu", "line_loading_max_percent", "trafo_loading_max_percent", "losses_mwh",
           "substation_peak_mw_ac", "n_voltage_violations", "n_overloads", "ac_nonconverged_steps")


# --------------------------------------------------------------------------------------------- helpers
def num(x: Any) -> float | None:
    """A plain float (bool -> 0/1); None for None and NaN (JSON has no NaN)."""
    if x is None:
        return None
    v = float(x)
    return None if math.isnan(v) else v


def numeric_tree(obj: Any, drop: tuple[str, ...] = ()) -> Any:
    """The numeric leaves of nested dicts/lists (lists become dicts keyed by index); strings are dropped."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in drop:
                continue
            t = numeric_tree(v, drop)
            if t is not _SKIP:
                out[str(k)] = t
        return out
    if isinstance(obj, (list, tuple)):
        return numeric_tree({str(i): v for i, v in enumerate(obj)}, drop)
    if obj is None:
        return None
    if isinstance(obj, str):
        return _SKIP
    try:
        return num(obj)
    except (TypeError, ValueError):
        return _SKIP


_SKIP = object()


def scenario(name: str, days: int | None = 1, ac: bool = False):
    """``load(name, days=...)`` as ``vpp ... --days 1``; ``ac=False`` as ``--no-ac``."""
    from scenarios import load

    scn = load(name, days=days)
    if not ac:
        scn = scn.model_copy(update={"ac_check": scn.ac_check.model_copy(update={"enabled": False})})
    return scn


def _run_figures(kpis: dict) -> dict:
    out = {"objective_cny": num(kpis["solver"]["objective_cny"])}
    out.update({k: num(kpis[k]) for k in RUN_KEYS})
    out["peak_import_mw"] = {p: num(v) for p, v in kpis["peak_import_mw"].items()}
    return out


# -------------------------------------------------------------------------------------------- sections
def compute_run() -> dict:
    """``vpp run`` of the shipped scenarios (1 day) except the slow network-constrained one(s)."""
    from scenarios import shipped
    from vpp.pipeline import run

    out: dict[str, Any] = {}
    for name in shipped():
        if name in SLOW_RUNS or name in NOT_PINNED_YET:
            continue
        for strategy in ("optimised", "baseline") if name in BOTH_STRATEGIES else ("optimised",):
            ac = (name, strategy) == AC_CHECKED
            k = run(scenario(name, ac=ac), strategy).kpis
            fig = _run_figures(k)
            if ac:
                fig["ac"] = {key: num(k[key]) for key in AC_KEYS}
            out.setdefault(name, {})[strategy] = fig
    return out


def compute_run_grid_stress() -> dict:
    """``vpp run grid_stress --no-ac``: network-constrained (linear) closed loop; its total cost and rounds."""
    from vpp.pipeline import run

    out = {}
    for name in SLOW_RUNS:
        k = run(scenario(name, ac=False), "optimised").kpis
        fig = _run_figures(k)
        nc = k.get("network_constraints")
        if nc is not None:
            fig["network_constraints"] = {key: num(nc[key]) for key in (
                "rounds", "violations_unconstrained", "remaining_violations", "cost_unconstrained_cny",
                "cost_constrained_cny", "cost_of_grid_cny")}
        out[name] = {"optimised": fig}
    return out


def compute_dr() -> dict:
    """``vpp dr yuhua_district``: per event the totals and, per park, verified response and money."""
    from vpp.demand_response.event import simulate_events
    from vpp.demand_response.report import event_json

    out = {}
    for r in simulate_events(scenario("yuhua_district", ac=True)):
        j = event_json(r)
        parks = {}
        for row in j["parks"]:
            parks[row["park"]] = {k: num(row[k]) for k in (
                "commitment_mw", "baseline_mwh", "verified_mwh", "response_ratio", "payment_cny", "penalty_cny",
                "dr_revenue_cny", "physical_response_mwh", "rebound_mwh", "cost_no_event_cny", "delta_cost_cny",
                "net_benefit_cny")}
        out[j["event"]] = {"totals": {k: num(v) for k, v in j["totals"].items()}, "parks": parks}
    return out


def compute_capacity() -> dict:
    """``vpp capacity single_park --durations 1,2 --samples 1``: per called window, direction and duration
    the P50/P90, the best start hour of the day (secondary column) and the AC check of the window."""
    from scenarios import load
    from vpp.capacity_study.study import make_settings, run_capacity

    scn = load("single_park")
    settings = make_settings(scn, durations_h=(1.0, 2.0), samples=1, jobs=1)
    res = run_capacity(scn, settings)
    out: dict[str, Any] = {}
    for row in res.summary.to_dict(orient="records"):
        cell = {k: num(row[k]) for k in ("r_p50_mw", "r_p90_mw", "best_start_hour_p50", "r_best_p50_mw",
                                         "ac_start_hour", "ac_violations") if k in row}
        out.setdefault(row["park"], {}).setdefault(row["window"], {}).setdefault(row["direction"], {})[
            f"{row['duration_h']:g}h"] = cell
    return out


def compute_aggregate() -> dict:
    """``vpp aggregate yuhua_district --no-envelope``: joint response, settlement, mode comparison, bids, admission."""
    from vpp.aggregator.report import vpp_json
    from vpp.aggregator.run import aggregate

    out = {}
    for r, _ in aggregate(scenario("yuhua_district", ac=True), do_envelope=False):
        j = vpp_json(r)
        v: dict[str, Any] = {"instructions": {}}
        for ins in j["instructions"]:
            v["instructions"][ins["id"]] = {
                "settlement": numeric_tree(ins["settlement"], drop=("band",)),
                "comparison": {row["mode"]: numeric_tree(row) for row in ins["comparison"]},
                "parks": {row["park"]: {k: num(row[k]) for k in (
                    "allocation_mw", "verified_mwh", "compensation_cny", "net_settlement_cny", "delta_dispatch_cost_cny",
                    "net_benefit_cny")} for row in ins["parks"]},
                "ac_check": numeric_tree(ins["ac_check"]),
            }
        v["bids_offered_mw"] = {f"{b['price_cny_per_mwh']:g}": num(b["offered_mw"]) for b in (j["bids"] or [])}
        adm = dict(j["admission"] or {})
        checks = {c["rule"]: {"value": num(c["value"]), "limit": num(c["limit"]), "passed": num(c["passed"])}
                  for c in adm.pop("checks", [])}
        v["admission"] = {**numeric_tree(adm), "checks": checks}
        out[j["vpp"]] = v
    return out


# Which evaluate figures the planned change of the rolling path (net simultaneous import and export of a
# park per step; today vpp/rolling.py keeps the raw LP flows) should move. On HEAD the single_park project
# imports and exports at once in 14 steps (1.43 MWh, January noon valley, where the LP's export price is
# capped at the import price, so the LP is indifferent); the baseline never does. Netting those steps after
# the fact lowers import, export, energy cost and export revenue by the same amounts; at those steps the
# billed export price equals the import price, so total costs, the savings total and the economics (PV
# savings = self-consumption + export) are expected to stay; the split moves from 'export' to
# 'pv_self_consumption'. Paths relative to the evaluate section; a prefix marks a whole subtree.
EVALUATE_EXPECTED_TO_CHANGE = (
    "project.energy_cost_cny", "project.export_revenue_cny", "project.import_mwh", "project.export_mwh",
    "project.simultaneous_import_export_mwh",
    "savings_cny.pv_self_consumption", "savings_cny.export",
    "economics.annual_savings_cny.pv_self_consumption", "economics.annual_savings_cny.export",
)
EVALUATE_KEYS = ("total_cost_cny", "energy_cost_cny", "export_revenue_cny", "demand_charge_cny", "asset_cost_cny",
                 "capacity_charge_cny", "import_mwh", "export_mwh")


def compute_evaluate() -> dict:
    """``vpp evaluate single_park --year 2025 --days 14`` (rolling): bills, savings split; the NPV of
    ``--year 2025 --representative-days 24`` (14 days are not annualised)."""
    from scenarios import load
    from vpp.evaluation.year import evaluate

    ev = evaluate(load("single_park"), year=2025, days=14)
    k = ev.kpis
    out: dict[str, Any] = {}
    for run_name, sched in (("project", ev.project), ("baseline", ev.baseline)):
        fig = {key: num(k[run_name][key]) for key in EVALUATE_KEYS}
        p = sched.parks
        both = p[["p_import_mw", "p_export_mw"]].min(axis=1).clip(lower=0.0)
        dt_h = ev.scenario.horizon.resolution_min / 60.0
        fig["simultaneous_import_export_mwh"] = num(both.sum() * dt_h)  # what netting per step removes
        fig["net_import_mwh"] = num(k["net_import_mwh"][run_name])
        fig["park_peak_import_mw"] = {q: num(v) for q, v in k["grid"][run_name]["park_peak_import_mw"].items()}
        out[run_name] = fig
    out["savings_cny"] = {key: num(v) for key, v in k["savings_cny"].items()}
    out["savings_total_cny"] = num(k["savings_total_cny"])
    e = evaluate(load("single_park"), year=2025, representative_days=24, floating_sensitivity=False).kpis["economics"]
    out["economics"] = {key: num(e[key]) for key in (
        "annual_savings_total_cny", "npv_cny", "irr", "simple_payback_years", "discounted_payback_years",
        "lcoe_pv_cny_per_mwh", "lcos_cny_per_mwh")}
    out["economics"]["annual_savings_cny"] = {key: num(v) for key, v in e["annual_savings_cny"].items()}
    out["pv_used_mwh"] = num(k["pv_used_mwh"])
    out["battery_discharged_mwh"] = num(k["battery_discharged_mwh"])
    return out


SECTIONS: dict[str, Callable[[], dict]] = {
    "run": compute_run,
    "run_grid_stress": compute_run_grid_stress,
    "dr": compute_dr,
    "capacity": compute_capacity,
    "aggregate": compute_aggregate,
    "evaluate": compute_evaluate,
}


def compute_pins(sections: list[str] | tuple[str, ...] | None = None) -> dict:
    """Every pinned figure as a nested dict of floats (None for NaN), by section."""
    return {name: SECTIONS[name]() for name in (sections or SECTIONS)}


# ------------------------------------------------------------------------------------------- comparison
def leaves(tree: Any, path: str = "") -> dict[str, Any]:
    """Flat ``{dotted.path: value}`` of a nested dict."""
    if isinstance(tree, dict):
        out = {}
        for k, v in tree.items():
            out.update(leaves(v, f"{path}.{k}" if path else str(k)))
        return out
    return {path: tree}


def same(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return math.isclose(float(new), float(old), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return old == new


def compare(pinned: dict, actual: dict, prefix: str = "") -> list[str]:
    """One line per pinned value that differs, is missing now, or per new value that is not pinned."""
    old, new = leaves(pinned, prefix), leaves(actual, prefix)
    out = []
    for path, v in old.items():
        if path not in new:
            out.append(f"{path}: pinned {v!r}, missing now")
        elif not same(v, new[path]):
            w = new[path]
            rel = ""
            if isinstance(v, (int, float)) and isinstance(w, (int, float)):
                rel = f" (diff {w - v:+.6g}" + (f", rel {abs(w - v) / abs(v):.3g})" if v else ")")
            out.append(f"{path}: pinned {v!r}, now {w!r}{rel}")
    out += [f"{path}: new value {w!r}, not pinned" for path, w in new.items() if path not in old]
    return out


def expected_to_change_tree(evaluate_section: dict) -> dict:
    """The evaluate tree with True where :data:`EVALUATE_EXPECTED_TO_CHANGE` lists the path, else False."""
    flags = {p: any(p == e or p.startswith(e + ".") for e in EVALUATE_EXPECTED_TO_CHANGE) for p in leaves(evaluate_section)}
    tree: dict[str, Any] = {}
    for path, flag in flags.items():
        node = tree
        *head, last = path.split(".")
        for part in head:
            node = node.setdefault(part, {})
        node[last] = flag
    return tree


# ----------------------------------------------------------------------------------------------- script
def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def check_imports() -> None:
    """Refuse to pin code other than the checkout this script lives in (editable install of another tree)."""
    import cli
    import network_models
    import optimization
    import scenarios
    import vpp

    for mod in (vpp, optimization, scenarios, network_models, cli):
        path = Path(mod.__file__).resolve()
        if ROOT not in path.parents:
            sys.exit(f"make_pins: '{mod.__name__}' is imported from {path}, not from {ROOT}; "
                     f"run with PYTHONPATH={ROOT} (see the module docstring)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=None, help=f"comma-separated sections ({', '.join(SECTIONS)}); keep the others")
    ap.add_argument("--out", default=str(PINS), help="pins file [default: pins.json next to this script]")
    args = ap.parse_args(argv)
    check_imports()
    only = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        sys.exit(f"make_pins: unknown section(s) {', '.join(bad)} (sections: {', '.join(SECTIONS)})")
    out = Path(args.out)
    pins = json.loads(out.read_text(encoding="utf-8")) if args.only and out.exists() else {}
    import time

    for name in only:
        t0 = time.perf_counter()
        pins[name] = SECTIONS[name]()
        print(f"{name}: {len(leaves(pins[name]))} values in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    meta = dict(pins.get("_meta", {}))
    meta.update({
        "generated_by": "python tests/regression/make_pins.py" + (f" --only {args.only}" if args.only else ""),
        "tolerance": {"rel": REL_TOL, "abs": ABS_TOL},
        "sections": {**meta.get("sections", {}), **{n: _git("rev-parse", "HEAD") + (" (+ uncommitted edits)" if dirty else "")
                                                     for n in only}},
        "evaluate_expected_to_change": (
            "evaluate_expected_to_change marks each evaluate figure that netting simultaneous import and export per "
            "step in the rolling path (vpp/rolling.py) is expected to change; see EVALUATE_EXPECTED_TO_CHANGE in make_pins.py"),
    })
    if dirty:
        print(f"make_pins: WARNING: tracked files of {ROOT} have uncommitted edits; the pins describe them, not HEAD",
              file=sys.stderr)
    result = {"_meta": meta}
    result.update({n: pins[n] for n in SECTIONS if n in pins})
    if "evaluate" in pins:
        result["evaluate_expected_to_change"] = expected_to_change_tree(pins["evaluate"])
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"pins: {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
