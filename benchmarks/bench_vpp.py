"""Wall time of `vpp aggregate` on the reference district (target: < 30 s on 2 cores, everything on).

Run: python benchmarks/bench_vpp.py [scenario] — prints the total (scenario load, profiles, network,
every stage, run folder) and the seconds per stage, plus the CLI wall time (new process, imports included).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

import scenarios
from vpp.aggregator.run import aggregate


def main(name: str = "yuhua_district") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        scn = scenarios.load(name)
        done = aggregate(scn, out_dir=tmp)
        total = time.perf_counter() - t0
        for r, _ in done:
            n_env = len(r.envelope) * 2 if r.envelope is not None else 0
            print(f"{name}: VPP {r.vpp.name}: {len(r.members)} parks, {len(r.instructions)} instruction(s), "
                  f"{len(r.bids) if r.bids is not None else 0} bid prices, {n_env} envelope solves")
            print("  " + "  ".join(f"{k} {v:.2f}" for k, v in r.timings_s.items()))
        print(f"in-process total {total:.2f} s (incl. profiles, network, run folder)")
        t1 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli", "aggregate", name, "--out", tmp + "/cli", "--json"],
                       check=True, capture_output=True)
        print(f"CLI wall time (new process) {time.perf_counter() - t1:.2f} s; target < 30 s")


if __name__ == "__main__":
    main(*sys.argv[1:])
