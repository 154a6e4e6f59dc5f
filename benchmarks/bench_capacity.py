"""`vpp capacity` on the reference district: wall time for 4 durations × 24 start hours × 8 parks (+ the
district) × 2 directions, and how it scales with the number of sampled days K.

Timed: the whole study as the CLI runs it (grid, profiles per sample, one model per scope and sample,
normal solve, the sweep of re-solves, statistics, run folder with plots), in worker processes
(``--jobs``, default 2). Also printed: the number of LP solves and the mean wall time per solve.
Target: K = 1 in under 60 s on 2 cores.

Run: ``python benchmarks/bench_capacity.py [--samples 1,2] [--jobs 2]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default="1,2", help="comma-separated K values")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    ks = [int(k) for k in args.samples.split(",")]

    t0 = time.perf_counter()
    from scenarios import load
    from vpp.capacity_study.study import make_settings, run_capacity

    scn = load("yuhua_district")
    print(f"imports + scenario: {time.perf_counter() - t0:.2f} s")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for k in ks:
            settings = make_settings(scn, samples=k, jobs=args.jobs)
            t = time.perf_counter()
            res = run_capacity(scn, settings, out_dir=Path(tmp) / f"cap-k{k}")
            wall = time.perf_counter() - t
            n_scopes = len(settings.parks) + (1 if settings.district else 0)
            n_solves = len(res.table) + n_scopes * k  # windows + one normal solve per scope and sample
            base = base or wall / k
            print(
                f"K={k}: {wall:6.2f} s wall ({args.jobs} process(es)), {len(settings.parks)} parks + district, "
                f"{len(settings.durations_h)} durations × {len(settings.start_hours)} start hours × 2 directions: "
                f"{n_solves} LP solves, {wall / n_solves * 1e3 * args.jobs:.1f} ms per solve per process; "
                f"{wall / k:.2f} s per sample ({wall / k / base:.2f}× the first K)"
                + (f"  target < {TARGET_S:.0f} s: {'met' if wall < TARGET_S else 'MISSED'}" if k == 1 else "")
            )


if __name__ == "__main__":
    main()
