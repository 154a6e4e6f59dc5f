"""The dispatch kernel's speed targets (issue "one dispatch kernel"), HiGHS-only time beside every total.

    python benchmarks/bench_kernel.py [--only evaluate_park,evaluate_district,run,perfect,ac] [--days N]

Workloads (2 cores):

* ``evaluate_park``: ``vpp evaluate single_park --year 2025`` (project + baseline, rolling daily windows)
  as a fresh process (wall, imports included) and in-process, with the HiGHS time summed over windows
  and the time around HiGHS per window, split into data update, solve wall, solution read and
  committing the day;
* ``evaluate_district``: the same for ``yuhua_district`` (DR revenue of its events included);
* ``run``: ``vpp run yuhua_district`` for 1 day, in-process (``run()``, AC check included) and as a fresh
  process;
* ``perfect``: the perfect-foresight single_park year LP: Pyomo build, session compile, HiGHS solve and
  reading the solution back;
* ``ac``: AC check of a district year on the batch engine (power-grid-model) from the baseline rule's
  injections (see bench_ac_year.py).

Every timer covers the whole step, loading results back included; ``HiGHS`` is the solver's own run time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fresh_process(args: list[str]) -> float:
    """Wall time [s] of ``python -m cli ARGS`` in a new process (imports included)."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        print(p.stdout[-2000:], p.stderr[-2000:])
        raise SystemExit(f"vpp {' '.join(args)} failed")
    return wall


def bench_evaluate(name: str, days: int | None) -> None:
    from scenarios import load
    from vpp.evaluation.year import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        # the kernel alone: without the second evaluation with the tariff's other `floating` setting, which the
        # default `vpp evaluate` adds for a year (the same year run again: about twice this time)
        cli_args = ["evaluate", name, "--year", "2025", "--no-floating-sensitivity", "--out", str(Path(tmp) / "ev")]
        if days:
            cli_args += ["--days", str(days)]
        wall_cli = fresh_process(cli_args)
    t0 = time.perf_counter()
    ev = evaluate(load(name), year=2025, days=days, floating_sensitivity=False)
    wall = time.perf_counter() - t0
    print(f"\n== vpp evaluate {name} --year 2025{f' --days {days}' if days else ''}: {ev.kpis['days']} days")
    print(f"  fresh process wall {wall_cli:6.2f} s   in-process wall {wall:6.2f} s "
          f"(project {ev.timings_s['project_s']:.2f} s, baseline {ev.timings_s['baseline_s']:.2f} s in "
          f"{'a second process' if ev.kpis['days'] >= 28 else 'the same process'})")
    for run, s in (("project", ev.project), ("baseline", ev.baseline)):
        w = s.windows
        hi, around = w["highs_s"].sum(), w["around_s"].sum()
        print(f"  {run:8s} {len(w):4d} windows  build {w['build_s'].sum():5.2f} s once  HiGHS {hi:6.2f} s "
              f"({w['highs_s'].mean() * 1e3:5.1f} ms/window)  around HiGHS {around:6.2f} s "
              f"({w['around_s'].mean() * 1e3:5.1f} ms/window, {around / hi:4.2f} x HiGHS)")
        print(f"  {'':8s} per window: data update {w['update_s'].mean() * 1e3:5.1f} ms, solve wall "
              f"{w['solve_wall_s'].mean() * 1e3:5.1f} ms, solution read {w['load_s'].mean() * 1e3:5.1f} ms, "
              f"commit {w['extract_s'].mean() * 1e3:5.1f} ms")
    print(f"  annual bill project {ev.kpis['project']['total_cost_cny']:,.2f} CNY, baseline "
          f"{ev.kpis['baseline']['total_cost_cny']:,.2f} CNY, NPV {ev.kpis['economics']['npv_cny']:,.0f} CNY")


def bench_run() -> None:
    from scenarios import load
    from vpp.pipeline import run

    scn = load("yuhua_district")
    scn = scn.model_copy(update={"horizon": scn.horizon.model_copy(update={"days": 1})})
    run(scn)  # warm: first-call imports inside the libraries
    t0 = time.perf_counter()
    res = run(scn)
    wall = time.perf_counter() - t0
    t = res.timings_s
    with tempfile.TemporaryDirectory() as tmp:
        wall_cli = fresh_process(["run", "yuhua_district", "--days", "1", "--out", str(Path(tmp) / "r")])
    solve = res.dispatch.solve
    print("\n== vpp run yuhua_district, 1 day")
    print(f"  in-process {wall:5.2f} s (profiles {t['profiles_s']:.2f}, network {t['network_s']:.2f}, "
          f"build {t['build_s']:.2f}, solve {t['solve_s']:.2f} of which HiGHS {res.dispatch.timings_s.get('highs_s', float('nan')):.3f}, "
          f"extract {t['extract_s']:.2f}, AC {t['ac_check_s']:.2f}) objective {solve.objective_cny:,.2f} CNY")
    print(f"  fresh process wall incl. imports and run folder {wall_cli:5.2f} s")


def bench_perfect(days: int | None) -> None:
    import vpp.assets  # noqa: F401
    from optimization import build_model
    from optimization.session import SolveSession
    from scenarios import load
    from vpp.evaluation.year import year_scenario
    from vpp.evaluation.data import extended_data, slice_data

    scn = year_scenario(load("single_park"), 2025, days)
    full, _ = extended_data(scn, 0.0)
    data = slice_data(full, scn.horizon.days * 96)
    t0 = time.perf_counter()
    dm = build_model(data)
    t1 = time.perf_counter()
    session = SolveSession(dm, time_limit_s=600)
    t2 = time.perf_counter()
    info = session.solve()
    t3 = time.perf_counter()
    print(f"\n== perfect-foresight single_park LP, {scn.horizon.days} days: {info.n_variables:,} variables, "
          f"{info.n_constraints:,} constraints")
    print(f"  build + solve {t3 - t0:6.2f} s = Pyomo build {t1 - t0:5.2f} s + compile {t2 - t1:5.2f} s + "
          f"solve {t3 - t2:5.2f} s (HiGHS {session.times.highs_s:5.2f} s, solution back {session.times.load_s:5.2f} s); "
          f"objective {info.objective_cny:,.2f} CNY")


def bench_ac() -> None:
    import bench_ac_year

    sys.argv = ["bench_ac_year.py", "--sample", "50"]
    bench_ac_year.main()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="evaluate_park,evaluate_district,run,perfect,ac")
    ap.add_argument("--days", type=int, default=None, help="fewer days than the year, for a quick look")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    todo = a.only.split(",")
    print(f"python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d %H:%M')}")
    if "run" in todo:
        bench_run()
    if "evaluate_park" in todo:
        bench_evaluate("single_park", a.days)
    if "perfect" in todo:
        bench_perfect(a.days)
    if "ac" in todo:
        bench_ac()
    if "evaluate_district" in todo:
        bench_evaluate("yuhua_district", a.days)


if __name__ == "__main__":
    main()
