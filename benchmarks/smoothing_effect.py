"""Effect of the smoothing weight on the shipped scenarios (1-day horizons as shipped): bill and power changes.

    python benchmarks/smoothing_effect.py [--weights 0,0.01,0.1,1] [--scenarios single_park,...]

For each scenario and weight ``w`` [CNY/MW] (``solver.smoothing_cny_per_mw``) the optimised run of
``vpp run NAME --no-ac`` (:func:`vpp.pipeline.run`: with ``network_constraints: linear``, as grid_stress, the
closed loop of LP and AC power flow): the bill (``total_cost_cny`` of the cost table, the one bill of
optimization/bill.py; the smoothing penalty is not in it), its change against ``w = 0`` [%], the penalty
[CNY], the number of battery power changes (steps with ``|Δp| > 1e-6 MW``, summed over batteries) and the
same for EV groups, and the LP solve time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHIPPED = ("single_park", "yuhua_district", "grid_stress", "ieee33_parks", "measured_park")


def with_weight(scn, w: float):
    """The scenario with ``solver.smoothing_cny_per_mw = w``."""
    return scn.model_copy(update={"solver": scn.solver.model_copy(update={"smoothing_cny_per_mw": float(w)})})


def measure(name: str, weights: list[float]) -> list[dict]:
    from scenarios import load
    from vpp.kpis import power_changes
    from vpp.pipeline import run

    scn = load(name)
    scn = scn.model_copy(update={"ac_check": scn.ac_check.model_copy(update={"enabled": False})})
    rows = []
    for w in weights:
        t0 = time.perf_counter()
        res = run(with_weight(scn, w), "optimised").dispatch
        rows.append({"scenario": name, "w": w, "bill_cny": res.total_cost_cny, "penalty_cny": res.smoothing_penalty_cny,
                     "objective_cny": res.solve.objective_cny, "battery_changes": power_changes(res.assets, "battery"),
                     "ev_changes": power_changes(res.assets, "ev_charging"), "wall_s": time.perf_counter() - t0,
                     "highs_s": res.solve.highs_s})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="0,0.01,0.1,1")
    ap.add_argument("--scenarios", default=",".join(SHIPPED))
    a = ap.parse_args()
    weights = [float(x) for x in a.weights.split(",")]
    print(f"{'scenario':<15} {'w CNY/MW':>8} {'bill CNY':>15} {'Δbill %':>9} {'penalty':>9} {'bat Δ':>6} {'EV Δ':>6}"
          f" {'run s':>10} {'HiGHS s':>8}")
    for name in a.scenarios.split(","):
        rows = measure(name, weights)
        ref = next((r for r in rows if r["w"] == 0.0), rows[0])
        for r in rows:
            d = 100.0 * (r["bill_cny"] - ref["bill_cny"]) / abs(ref["bill_cny"]) if ref["bill_cny"] else 0.0
            print(f"{name:<15} {r['w']:>8g} {r['bill_cny']:>15,.2f} {d:>9.5f} {r['penalty_cny']:>9.3f} "
                  f"{r['battery_changes']:>6d} {r['ev_changes']:>6d} {r['wall_s']:>10.2f} {r['highs_s']:>8.3f}")


if __name__ == "__main__":
    main()
