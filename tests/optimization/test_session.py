"""The solve session: re-solves from changed parameters equal fresh builds, to hand-computed values."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from optimization import SolveSession, build_model, fix_baseline, solve
from optimization.registry import set_values
from scenarios.schema import Battery, FixedLoad, PV
from tests.optimization.helpers import make_data
from vpp.errors import InfeasibleError, SolverError


def load(name="l", p=2.0):
    return FixedLoad(kind="fixed_load", name=name, archetype="data_centre", p_peak_mw=p, cos_phi=1.0)


def battery():
    return Battery(kind="battery", name="b", p_max_mw=1, e_max_mwh=1, soc_min=0, soc_max=1, soc_init=0, soc_end=0,
                   eta_charge=1, eta_discharge=0.9)


def arbitrage_model(prices=(100, 500), load_mw=(2.0, 2.0)):
    data = make_data(list(prices), [(battery(), None), (load(), {"p_load_mw": np.array(load_mw)})])
    return build_model(data)


def test_resolve_after_price_and_load_change_equals_the_hand_computed_optimum():
    dm = arbitrage_model()
    with SolveSession(dm) as s:
        # 850 CNY: charge 1 MWh at 100, discharge 0.9 MWh at 500 (see test_model)
        assert s.solve(load=False).objective_cny == pytest.approx(850.0, abs=1e-6)
        # prices 400 then 100: charging at 400 to sell 0.9 at 100 loses, the battery idles:
        # 400*3 + 100*1.5 = 1350 CNY with the load 3 then 1.5 MW
        set_values(dm.m.price_cny_per_mwh, [400.0, 100.0])
        set_values(dm.m.fixed_load.p_load_mw, [3.0, 1.5])
        info = s.solve(load=False)
        assert info.objective_cny == pytest.approx(1350.0, abs=1e-6)
        assert s.values(dm.m.battery.p_charge_mw) == pytest.approx([0.0, 0.0], abs=1e-9)
        assert s.values(dm.m.p_import_mw) == pytest.approx([3.0, 1.5], abs=1e-9)
    # detached: the parameter values are back in the Pyomo model, and a fresh solve agrees
    assert pyo.value(dm.m.fixed_load.p_load_mw["l", 0]) == 3.0
    assert solve(dm).objective_cny == pytest.approx(1350.0, abs=1e-6)


def test_parameter_bounds_follow_the_data():
    # PV availability is a parameter bound: 1 MW then 0 MW of PV against a 2 MW load at 100 CNY/MWh
    pv = PV(kind="pv", name="pv", p_mwp=1.1)
    data = make_data([100, 100], [(pv, {"p_available_mw": np.array([1.0, 0.0])}),
                                  (load(), {"p_load_mw": np.array([2.0, 2.0])})])
    dm = build_model(data)
    with SolveSession(dm) as s:
        assert s.solve().objective_cny == pytest.approx(100 * (1.0 + 2.0), abs=1e-6)
        set_values(dm.m.pv.p_available_mw, [0.5, 2.0])  # the second step now covers the load
        assert s.solve().objective_cny == pytest.approx(100 * (1.5 + 0.0), abs=1e-6)
        assert s.values(dm.m.pv.p_pv_mw) == pytest.approx([0.5, 2.0], abs=1e-9)


def test_fixed_columns_equal_the_pyomo_fix():
    # the baseline rule (battery idle) applied as column bounds equals fixing the Pyomo variables
    dm = arbitrage_model()
    with SolveSession(dm) as s:
        s.solve()
        for var, vals in dm.blocks["battery"].baseline_values(dm.m.battery):
            s.fix(var, vals)
        assert s.solve().objective_cny == pytest.approx(100 * 2 + 500 * 2, abs=1e-6)
        s.fix(dm.m.battery.p_charge_mw, [np.nan, np.nan])  # NaN: back to the variable's own bounds
        s.fix(dm.m.battery.p_discharge_mw, [np.nan, np.nan])
        assert s.solve().objective_cny == pytest.approx(850.0, abs=1e-6)
    dm2 = arbitrage_model()
    fix_baseline(dm2)
    assert solve(dm2).objective_cny == pytest.approx(1200.0, abs=1e-6)


def test_coefficient_on_a_parameter_is_refused_with_the_constraint_name():
    dm = arbitrage_model()
    m = dm.m
    m.k = pyo.Param(initialize=2.0, mutable=True)
    m.odd = pyo.Constraint(expr=m.k * m.p_import_mw["p", 0] <= 10)
    with pytest.raises(SolverError, match="odd: a coefficient depends on a mutable parameter"):
        SolveSession(dm)


def test_infeasible_data_names_the_park_and_step():
    dm = build_model(make_data([100, 100], [(load(), {"p_load_mw": np.array([2.0, 5.0])})], p_import_max=3.0))
    with pytest.raises(InfeasibleError, match="park 'p': demand exceeds the connection at 2025-07-22 01:00 by 2.000 MW"):
        SolveSession(dm).solve()


def test_solve_reports_highs_time_within_the_solve_time():
    dm = arbitrage_model()
    info = solve(dm)
    assert 0 < info.highs_s <= info.solve_s
    assert info.as_dict()["termination"] == "optimal"
    assert info.n_variables == len(list(dm.m.component_data_objects(pyo.Var)))


class _UnknownOnce:
    """A HiGHS stand-in whose first run ends in numerical trouble (status Unknown, no solution)."""

    def __init__(self, highs):
        self._h, self.runs, self.cleared = highs, 0, 0

    def __getattr__(self, name):
        return getattr(self._h, name)

    def run(self):
        self.runs += 1
        return self._h.run()

    def failing(self):
        return self.runs <= self.fail_runs

    fail_runs = 1

    def getModelStatus(self):
        import highspy

        return highspy.HighsModelStatus.kUnknown if self.failing() else self._h.getModelStatus()

    def getInfo(self):
        info = self._h.getInfo()
        if self.failing():
            info.primal_solution_status = 0
        return info

    def clearSolver(self):
        self.cleared += 1
        return self._h.clearSolver()


def test_a_warm_start_in_numerical_trouble_is_solved_again_from_scratch():
    dm = arbitrage_model()
    with SolveSession(dm) as s:
        s._highs = fake = _UnknownOnce(s._highs)  # noqa: SLF001
        assert s.solve(load=False).objective_cny == pytest.approx(850.0, abs=1e-6)
        assert (fake.runs, fake.cleared, s.n_cold_retries) == (2, 1, 1)
        # a second failure is reported, never a silently wrong schedule
        fake.runs, fake.fail_runs = 0, 2
        with pytest.raises(SolverError, match="without a usable solution"):
            s.solve(load=False)
