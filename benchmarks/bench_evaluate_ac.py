"""District-year evaluation with the AC grid check of every step (project + baseline), HiGHS time beside it.

``vpp evaluate yuhua_district --year 2025 --no-floating-sensitivity --no-dr`` in-process (rolling horizon,
35,040 steps; the baseline runs in a second process beside the project). Printed:

* total wall time of the evaluation;
* the AC share: the year AC check of project and baseline (grid build, injection tables, batch solves with
  power-grid-model, result tables: reverse flow, violations, open capacity), and its parts;
* the solver-only time (HiGHS, summed over the rolling windows of project and baseline).

Run: ``python benchmarks/bench_evaluate_ac.py [--scenario yuhua_district] [--year 2025] [--days N]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="yuhua_district")
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--time-limit-s", type=float, default=3000.0,
                    help="HiGHS time limit per window [s] (a loaded shared machine can exceed the scenario's)")
    ap.add_argument("--kpis", default=None, help="also write the grid_year KPI section to this JSON file")
    args = ap.parse_args()

    from scenarios import load
    from vpp.evaluation.grid_year import summary_lines
    from vpp.evaluation.year import evaluate

    t0 = time.perf_counter()
    scn = load(args.scenario)
    scn = scn.model_copy(update={"solver": scn.solver.model_copy(update={"time_limit_s": args.time_limit_s})})
    ev = evaluate(scn, year=args.year, days=args.days, dr=False, floating_sensitivity=False)
    wall = time.perf_counter() - t0
    t = ev.timings_s
    g = ev.kpis["grid_year"]
    gt = g["timings_s"]
    highs = {run: float(s.windows["highs_s"].sum()) for run, s in (("project", ev.project), ("baseline", ev.baseline))
             if s.windows is not None and "highs_s" in s.windows}
    ac = t.get("ac_year_s", 0.0)
    print(f"vpp evaluate {args.scenario} --year {args.year}{f' --days {args.days}' if args.days else ''} "
          f"(no DR, no floating sensitivity): {ev.kpis['days']} days, {g['n_steps']:,} AC steps per run")
    print(f"  total wall {wall:7.2f} s   project {t['project_s']:.2f} s, baseline {t['baseline_s']:.2f} s"
          + (" (in a second process)" if ev.kpis["days"] >= 28 else ""))
    print(f"  AC check (project + baseline) {ac:6.2f} s = {ac / wall:.1%} of the total: imports {gt['imports_s']:.2f} s, grid build "
          f"{gt['build_s']:.2f} s; "
          + "; ".join(f"{r} injections {gt[f'{r}_tables_in_s']:.2f} s, batch solve {gt[f'{r}_solve_s']:.2f} s, "
                      f"result tables {gt[f'{r}_tables_out_s']:.2f} s" for r in ("project", "baseline")))
    print(f"  HiGHS only: project {highs.get('project', float('nan')):.2f} s, baseline {highs.get('baseline', float('nan')):.2f} s")
    print("\n".join(summary_lines(g)))
    if args.kpis:
        import json

        from vpp.outputs import _clean

        Path(args.kpis).write_text(json.dumps(_clean(g), indent=1, ensure_ascii=False, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
