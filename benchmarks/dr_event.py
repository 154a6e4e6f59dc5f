"""Wall time of `vpp dr` stages on the reference scenario (history LP, counterfactual, response LP).

Run: python benchmarks/dr_event.py [scenario]   — prints one line per event, seconds per stage.
"""

from __future__ import annotations

import sys
import time

import scenarios
from vpp.demand_response.event import simulate_events


def main(name: str = "yuhua_district") -> None:
    scn = scenarios.load(name)
    t0 = time.perf_counter()
    results = simulate_events(scn)
    total = time.perf_counter() - t0
    print(f"{name}: {len(results)} event(s), {total:.2f} s total (incl. profiles and network)")
    for r in results:
        t = r.timings_s
        n_hist = (r.event.date - min(r.baseline_days)).days
        print(f"  {r.event.id:<26} parks {len(r.parks)}  history {n_hist} d {t['history_s']:.2f} s  "
              f"counterfactual {t['counterfactual_s']:.2f} s  response {t['response_s']:.2f} s  "
              f"(history/response ratio {t['history_s'] / max(t['response_s'], 1e-9):.1f})")


if __name__ == "__main__":
    main(*sys.argv[1:])
