"""A solve session: the Pyomo model frozen once into a HiGHS LP, re-solved by passing vectors.

Pyomo stays the single definition of the model (the blocks and the maths in their docstrings). The
session compiles it once into the matrix form HiGHS reads::

    min  c(θ)ᵀ x + c0(θ)     s.t.  rl(θ) <= A x <= ru(θ),   cl(θ) <= x <= cu(θ)

where ``θ`` is the vector of the model's mutable Pyomo parameters (prices, load profiles, carried
state, envelopes, bounds given as parameters). Every data vector is *affine* in ``θ``; the compiler
records it as ``v(θ) = v0 + M θ`` with a sparse ``M`` (one walk of each expression, at the start).
A re-solve then reads ``θ`` from the parameters (a list read, no expression walk), computes the
vectors with sparse products and passes them to HiGHS (``changeColsCost``, ``changeRowsBounds``,
``changeColsBounds``), which warm-starts from the previous basis. The matrix ``A`` is fixed: a
coefficient that depends on a mutable parameter is refused at compile time. When a warm start ends
in numerical trouble (HiGHS status ``Unknown`` / ``Solve error`` without a feasible point) the solve
is repeated once from scratch (``clearSolver``; counted in ``n_cold_retries``) before it is reported.

Bounds set on variables directly (``setlb``/``setub``/``fix``) are read at compile time; after
changing them, call :meth:`SolveSession.mark_bounds_changed` so the next solve re-reads them (all
variables, or the variables of one block). Activating or deactivating constraints needs a new
session.

After a solve the solution is a numpy vector; :meth:`SolveSession.values` gives one variable
component as an array, and :meth:`SolveSession.load_into_model` writes it back into the Pyomo
variables for code that reads ``var.value``. Nothing outside this package touches the solver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numvalue import native_numeric_types
from pyomo.core.expr.visitor import identify_mutable_parameters as _mutable_params
from pyomo.repn import generate_standard_repn

from optimization.model import DispatchModel
from optimization.registry import hold_parameter
from optimization.solve import SolveInfo, diagnose
from vpp.errors import InfeasibleError, SolverError

INF = highspy.kHighsInf


class NotAffine(ValueError):
    """A data expression is not affine in the model's mutable parameters."""


class _Affine:
    """Accumulates rows of ``v = v0 + M θ`` (COO triplets) for one data vector."""

    def __init__(self, n: int):
        self.v0 = np.zeros(n)
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def add(self, i: int, const: float, terms: dict[int, float], sign: float = 1.0) -> None:
        self.v0[i] += sign * const
        for k, c in terms.items():
            self.rows.append(i)
            self.cols.append(k)
            self.vals.append(sign * c)

    def matrix(self, n_theta: int) -> sp.csr_matrix | None:
        if not self.vals:
            return None
        return sp.csr_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.v0), n_theta))

    def evaluate(self, m: sp.csr_matrix | None, theta: np.ndarray) -> np.ndarray:
        return self.v0 if m is None else self.v0 + m @ theta


@dataclass
class SessionTimes:
    """Wall times of the last solve [s]: data update, HiGHS run, reading the solution back."""

    update_s: float = 0.0
    highs_s: float = 0.0
    load_s: float = 0.0


class SolveSession:
    """One frozen HiGHS model of a built :class:`DispatchModel`, re-solved on changed data."""

    def __init__(self, dm: DispatchModel, time_limit_s: float = 300.0, mip_rel_gap: float = 1e-4,
                 threads: int | None = None, options: dict | None = None):
        self.dm = dm
        self.time_limit_s = time_limit_s
        self.mip_rel_gap = mip_rel_gap
        self.times = SessionTimes()
        self.n_cold_retries = 0  # solves repeated from scratch after a warm start failed numerically
        t0 = time.perf_counter()
        with PauseGC():  # one walk creating many small objects: no collections in between
            self._compile()
        self._highs = _new_highs()
        self._highs.setOptionValue("time_limit", float(time_limit_s))
        self._highs.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        if threads:
            self._highs.setOptionValue("threads", int(threads))
        for k, v in (options or {}).items():  # further HiGHS options, e.g. {"simplex_strategy": 1}
            self._highs.setOptionValue(k, v)
        self._pass_model()
        self.compile_s = time.perf_counter() - t0
        self.x: np.ndarray | None = None
        self._colcache: dict[int, tuple] = {}
        self.objective_cny = float("nan")

    # -- compile ----------------------------------------------------------------------------------
    def _theta_index(self, p) -> int:
        k = id(p)
        i = self._pidx.get(k)
        if i is None:
            i = len(self._params)
            self._pidx[k] = i
            self._params.append(p)
        return i

    def _affine(self, e) -> tuple[float, dict[int, float]]:
        """``e`` as ``const + sum coef·θ_k``; raises :class:`NotAffine` otherwise."""
        if e is None:
            return 0.0, {}
        if e.__class__ in native_numeric_types:
            return float(e), {}
        if not e.is_expression_type():
            if e.is_parameter_type() and e.parent_component().mutable:
                return 0.0, {self._theta_index(e): 1.0}
            if e.is_variable_type():
                raise NotAffine(f"variable {e.name} in a data expression")
            return float(pyo.value(e)), {}
        name = type(e).__name__
        args = e.args
        if name in ("SumExpression", "NPV_SumExpression", "LinearExpression"):
            const, terms = 0.0, {}
            for a in args:
                c, t = self._affine(a)
                const += c
                for k, v in t.items():
                    terms[k] = terms.get(k, 0.0) + v
            return const, terms
        if name in ("NegationExpression", "NPV_NegationExpression"):
            c, t = self._affine(args[0])
            return -c, {k: -v for k, v in t.items()}
        if name in ("ProductExpression", "NPV_ProductExpression", "MonomialTermExpression"):
            (c1, t1), (c2, t2) = self._affine(args[0]), self._affine(args[1])
            if t1 and t2:
                raise NotAffine(f"product of parameters in {e}")
            if not t1:
                c1, t1, c2, t2 = c2, t2, c1, t1
            return c1 * c2, {k: v * c2 for k, v in t1.items()}
        if name in ("DivisionExpression", "NPV_DivisionExpression"):
            (c1, t1), (c2, t2) = self._affine(args[0]), self._affine(args[1])
            if t2:
                raise NotAffine(f"division by a parameter in {e}")
            return c1 / c2, {k: v / c2 for k, v in t1.items()}
        if not any(True for _ in _mutable_params(e)):
            return float(pyo.value(e)), {}
        raise NotAffine(f"{name} of parameters in {e}")

    def _compile(self) -> None:
        m = self.dm.m
        self._params: list = []
        self._pidx: dict[int, int] = {}
        # fixed variables stay columns with lb = ub = value (fixing changes bounds, not the structure)
        fixed = [v for v in m.component_data_objects(pyo.Var, descend_into=True) if v.fixed]
        for v in fixed:
            v.unfix()
        try:
            self.constraints = list(m.component_data_objects(pyo.Constraint, active=True, descend_into=True, sort=False))
            objs = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
            if len(objs) != 1:
                raise SolverError(f"the model has {len(objs)} active objectives (need exactly one)")
            repns = [(con, *self._linear(con)) for con in self.constraints]
            obj_repn = generate_standard_repn(objs[0].expr, compute_values=False, quadratic=False)
            if obj_repn.nonlinear_expr is not None or obj_repn.quadratic_vars:
                raise SolverError("the objective is not linear")
            # columns in order of first appearance in the rows, then the objective (the order Pyomo's
            # own HiGHS interface uses, so that among equally good schedules HiGHS returns the same one);
            # variables used nowhere are no columns
            seen: dict[int, object] = {}
            for _, _, repn, _ in repns:
                for v in repn.linear_vars:
                    seen.setdefault(id(v), v)
            for v in obj_repn.linear_vars:
                seen.setdefault(id(v), v)
            self.vars = list(seen.values())
            self._vidx = {k: j for j, k in enumerate(seen)}
            self._compile_rows(repns)
            self._compile_objective(objs[0], obj_repn)
        finally:
            for v in fixed:
                v.fix()
        n = len(self.vars)
        self._cl, self._cu = _Affine(n), _Affine(n)
        self._static_lb = np.full(n, -INF)
        self._static_ub = np.full(n, INF)
        self._free_lb = np.full(n, -INF)
        self._free_ub = np.full(n, INF)
        self._param_bounded = np.zeros(n, dtype=bool)
        for j, v in enumerate(self.vars):
            self._read_bounds(j, v, initial=True)
        self.integer = np.array([not v.is_continuous() for v in self.vars], dtype=bool)
        self._matrices()
        self.read_parameters()

    @staticmethod
    def _linear(con):
        """``(lower, repn of the body, upper)`` of a constraint, parameters kept symbolic."""
        lo, body, up = con.to_bounded_expression()
        repn = generate_standard_repn(body, compute_values=False, quadratic=False)
        if repn.nonlinear_expr is not None or repn.quadratic_vars:
            raise SolverError(f"constraint {con.name} is not linear")
        return lo, repn, up

    def _compile_rows(self, repns) -> None:
        rows, cols, vals = [], [], []
        nr = len(repns)
        self._rl, self._ru = _Affine(nr), _Affine(nr)
        for i, (con, lo, repn, up) in enumerate(repns):
            for v, c in zip(repn.linear_vars, repn.linear_coefs):
                cc, tt = self._affine(c)
                if tt:
                    raise SolverError(f"constraint {con.name}: a coefficient depends on a mutable parameter "
                                      "(a solve session keeps the matrix fixed; make it a constant)")
                rows.append(i)
                cols.append(self._vidx[id(v)])
                vals.append(cc)
            k_c, k_t = self._affine(repn.constant)
            if lo is None:
                self._rl.v0[i] = -INF
            else:
                c, t = self._affine(lo)
                self._rl.add(i, c - k_c, t)
                self._rl.add(i, 0.0, k_t, sign=-1.0)
            if up is None:
                self._ru.v0[i] = INF
            else:
                c, t = self._affine(up)
                self._ru.add(i, c - k_c, t)
                self._ru.add(i, 0.0, k_t, sign=-1.0)
        self.A = sp.csc_matrix((vals, (rows, cols)), shape=(nr, len(self.vars)))
        self.A.sum_duplicates()

    def _compile_objective(self, obj, repn) -> None:
        self.sense = 1.0 if obj.sense == pyo.minimize else -1.0
        self._c = _Affine(len(self.vars))
        for v, c in zip(repn.linear_vars, repn.linear_coefs):
            cc, tt = self._affine(c)
            self._c.add(self._vidx[id(v)], cc, tt)
        self._c0 = _Affine(1)
        cc, tt = self._affine(repn.constant)
        self._c0.add(0, cc, tt)

    def _read_bounds(self, j: int, v, initial: bool = False) -> None:
        """Bounds of variable ``j``: the value of a fixed variable, else its own bounds (numbers, or
        affine in θ).

        The variable's own bounds are kept in ``_free_lb/_free_ub`` (NaN where the affine map holds
        them). A bound given as a parameter expression is recorded in the affine map once, at compile;
        a later re-read keeps that map.
        """
        for e, free, aff, inf in ((v.lower, self._free_lb, self._cl, -INF), (v.upper, self._free_ub, self._cu, INF)):
            if e is None:
                free[j] = inf
            elif e.__class__ in native_numeric_types:
                free[j] = float(e)
            elif not initial and self._param_bounded[j]:
                free[j] = np.nan  # the affine map recorded at compile
            else:
                try:
                    c, t = self._affine(e)
                except NotAffine as exc:
                    raise SolverError(f"variable {v.name}: bound is not affine in the parameters ({exc})") from None
                if t and not initial:
                    raise SolverError(f"variable {v.name}: a bound became a parameter expression after compiling")
                if t:
                    aff.add(j, c, t)
                    free[j] = np.nan
                    self._param_bounded[j] = True
                else:
                    free[j] = c
        if v.fixed:
            self._static_lb[j] = self._static_ub[j] = float(v.value)
        else:
            self._static_lb[j], self._static_ub[j] = self._free_lb[j], self._free_ub[j]

    def _matrices(self) -> None:
        n_theta = len(self._params)
        self._M = {k: a.matrix(n_theta) for k, a in
                   (("rl", self._rl), ("ru", self._ru), ("cl", self._cl), ("cu", self._cu), ("c", self._c), ("c0", self._c0))}
        self._cl_mask = np.isnan(self._static_lb)
        self._cu_mask = np.isnan(self._static_ub)

    def read_parameters(self) -> None:
        """Re-read every mutable parameter value from the Pyomo model (after ``param.set_value``
        outside :func:`~optimization.registry.set_values`)."""
        self._theta = np.fromiter((p._value for p in self._params), dtype=float, count=len(self._params))  # noqa: SLF001

    def theta(self) -> np.ndarray:
        """Current values of the mutable parameters, in compile order."""
        return self._theta

    def _hold_parameters(self) -> None:
        """Take over the indexed parameters: :func:`set_values` then writes into ``θ`` directly."""
        self._held = []
        comps = {}
        for i, p in enumerate(self._params):
            comps.setdefault(id(p.parent_component()), (p.parent_component(), {}))[1][id(p)] = i
        for comp, pos in comps.values():
            idx = np.fromiter((pos.get(id(d), -1) for d in comp.values()), dtype=np.int64, count=len(comp))
            used = idx >= 0

            def sink(flat, idx=idx, used=used, comp=comp):
                if len(flat) != len(idx):
                    raise ValueError(f"{comp.name}: {len(flat)} values for {len(idx)} parameters")
                self._theta[idx[used]] = flat[used]
                self._stale_params = True

            hold_parameter(comp, sink)
            self._held.append(comp)

    def release(self) -> None:
        """Give the parameters back to the Pyomo model (their values written there)."""
        self.sync_model_parameters()
        for comp in getattr(self, "_held", []):
            hold_parameter(comp, None)
        self._held = []

    def sync_model_parameters(self) -> None:
        """Write ``θ`` back into the Pyomo parameters (they are stale while the session holds them)."""
        if getattr(self, "_stale_params", False):
            for p, v in zip(self._params, self._theta.tolist()):
                p._value = v  # noqa: SLF001
            self._stale_params = False

    def _vectors(self):
        th = self.theta()
        cl = np.where(self._cl_mask, self._cl.evaluate(self._M["cl"], th), self._static_lb)
        cu = np.where(self._cu_mask, self._cu.evaluate(self._M["cu"], th), self._static_ub)
        rl = self._rl.evaluate(self._M["rl"], th)
        ru = self._ru.evaluate(self._M["ru"], th)
        c = self._c.evaluate(self._M["c"], th) * self.sense
        c0 = float(self._c0.evaluate(self._M["c0"], th)[0]) * self.sense
        return c, c0, np.nan_to_num(cl, nan=-INF), np.nan_to_num(cu, nan=INF), rl, ru

    def _pass_model(self) -> None:
        c, c0, cl, cu, rl, ru = self._vectors()
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.vars)
        lp.num_row_ = len(self.constraints)
        lp.col_cost_ = c
        lp.offset_ = c0
        lp.col_lower_ = cl
        lp.col_upper_ = cu
        lp.row_lower_ = rl
        lp.row_upper_ = ru
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = self.A.indices.astype(np.int32)
        lp.a_matrix_.value_ = self.A.data.astype(float)
        if self.integer.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                               for b in self.integer]
        self._highs.passModel(lp)
        self._last = (c, c0, cl, cu, rl, ru)
        self._cols = np.arange(len(self.vars), dtype=np.int32)
        self._rows = np.arange(len(self.constraints), dtype=np.int32)

    # -- data changes -----------------------------------------------------------------------------
    def mark_bounds_changed(self, component=None) -> None:
        """Re-read the bounds (and fixed values) of all variables, or of those in ``component``
        (a Block, an indexed Var, or an iterable of variables), at the next solve."""
        if component is None:
            vs = self.vars
        elif hasattr(component, "component_data_objects"):
            vs = list(component.component_data_objects(pyo.Var, descend_into=True))
        elif hasattr(component, "values"):
            vs = list(component.values())
        else:
            vs = list(component)
        for v in vs:
            j = self._vidx.get(id(v))
            if j is not None:  # a variable no row or objective uses is not a column
                self._read_bounds(j, v)
        self._cl_mask = np.isnan(self._static_lb)
        self._cu_mask = np.isnan(self._static_ub)

    def fix(self, var, values) -> None:
        """Fix the columns of a variable component to ``values`` (in its index order; NaN = not
        fixed: the variable's own bounds) for the next solves. The Pyomo variables are not touched:
        this is the vectorised form of ``var[i].fix(values[i])`` for re-solves (e.g. a baseline rule
        applied to each rolling window)."""
        cols = self.columns(var)
        vals = np.asarray(values, dtype=float).ravel()
        if len(vals) != len(cols):
            raise ValueError(f"{var.name}: {len(vals)} values for {len(cols)} variables")
        used = cols >= 0
        cols, vals = cols[used], vals[used]
        fixed = ~np.isnan(vals)
        c_fix, c_free = cols[fixed], cols[~fixed]
        self._static_lb[c_fix] = vals[fixed]
        self._static_ub[c_fix] = vals[fixed]
        self._static_lb[c_free] = self._free_lb[c_free]
        self._static_ub[c_free] = self._free_ub[c_free]
        self._cl_mask[cols] = np.isnan(self._static_lb[cols])
        self._cu_mask[cols] = np.isnan(self._static_ub[cols])

    def _push(self) -> None:
        c, c0, cl, cu, rl, ru = self._vectors()
        h = self._highs
        lc, lc0, lcl, lcu, lrl, lru = self._last
        ch = np.flatnonzero(c != lc)
        if len(ch):
            h.changeColsCost(len(ch), self._cols[ch], c[ch])
        if c0 != lc0:
            h.changeObjectiveOffset(c0)
        ch = np.flatnonzero((cl != lcl) | (cu != lcu))
        if len(ch):
            h.changeColsBounds(len(ch), self._cols[ch], cl[ch], cu[ch])
        ch = np.flatnonzero((rl != lrl) | (ru != lru))
        if len(ch):
            h.changeRowsBounds(len(ch), self._rows[ch], rl[ch], ru[ch])
        self._last = (c, c0, cl, cu, rl, ru)

    # -- solve ------------------------------------------------------------------------------------
    def solve(self, load: bool = True) -> SolveInfo:
        """Pass the changed data, run HiGHS, read the solution vector (and write it into the Pyomo
        variables when ``load``). Raises :class:`InfeasibleError` / :class:`SolverError`."""
        t0 = time.perf_counter()
        self._push()
        t1 = time.perf_counter()
        h = self._highs
        S = highspy.HighsModelStatus
        try:
            h.run()
            st = h.getModelStatus()
            if st in (S.kUnknown, S.kSolveError) and h.getInfo().primal_solution_status != 2:
                # numerical trouble of the warm start from the previous basis (seen on badly scaled
                # capacity LPs): solve once more from scratch before giving up
                h.clearSolver()
                h.run()
                self.n_cold_retries += 1
        except Exception as exc:  # HiGHS internals must not reach the user as a traceback
            raise SolverError(f"HiGHS failed: {type(exc).__name__}: {exc}") from exc
        t2 = time.perf_counter()
        st = h.getModelStatus()
        if st in (S.kInfeasible, S.kUnboundedOrInfeasible):
            reason = diagnose(self.dm)
            raise InfeasibleError(
                "dispatch is infeasible: "
                + (reason or "no schedule meets every constraint (check connection limits, battery SOC targets and EV sessions)")
            )
        if st == S.kUnbounded:
            raise SolverError("dispatch is unbounded: a price or cost has the wrong sign (check export_price and costs)")
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if st != S.kOptimal and not has_solution:
            raise SolverError(f"HiGHS stopped without a usable solution ({h.modelStatusToString(st)}); "
                              "try a larger solver.time_limit_s")
        self.x = np.asarray(h.getSolution().col_value, dtype=float)
        self._x_ext = np.append(self.x, 0.0)  # index -1: a variable used nowhere
        self.objective_cny = float(info.objective_function_value) * self.sense
        gap = None
        if self.integer.any():
            bound = float(info.mip_dual_bound) * self.sense
            gap = abs(self.objective_cny - bound) / max(1.0, abs(self.objective_cny))
        if load:
            self.load_into_model()
        t3 = time.perf_counter()
        self.times = SessionTimes(update_s=t1 - t0, highs_s=t2 - t1, load_s=t3 - t2)
        term = "optimal" if st == S.kOptimal else h.modelStatusToString(st)
        return SolveInfo(term, self.objective_cny, gap, t3 - t0, len(self.vars), len(self.constraints), t2 - t1)

    # -- solution ---------------------------------------------------------------------------------
    def load_into_model(self, x: np.ndarray | None = None) -> None:
        """Write the solution into the Pyomo variables (``var.value``), fixed variables excepted."""
        x = self.x if x is None else x
        self.sync_model_parameters()
        for v, val in zip(self.vars, x.tolist()):
            if not v.fixed:
                v._value = val  # noqa: SLF001 (a solver's values: no per-element validation)

    def columns(self, var) -> np.ndarray:
        """Column numbers of a variable component's data, in its index order (cached)."""
        hit = self._colcache.get(id(var))
        if hit is None or hit[0] is not var:
            hit = (var, np.fromiter((self._vidx.get(id(v), -1) for v in var.values()), dtype=np.int64, count=len(var)))
            self._colcache[id(var)] = hit
        return hit[1]

    def values(self, var) -> np.ndarray:
        """Solution values of a variable component, in its index order (0 for a variable that no
        constraint or objective uses)."""
        return self._x_ext[self.columns(var)]

    def attach(self) -> "SolveSession":
        """Take the model over for re-solves: the asset blocks read their values from the solution
        vector, and :func:`~optimization.registry.set_values` writes parameters into ``θ`` (the Pyomo
        parameter values are stale until :meth:`detach` or :meth:`sync_model_parameters`)."""
        for block in self.dm.blocks.values():
            block.solution = self
        self._hold_parameters()
        return self

    def detach(self) -> None:
        """Hand the model back: parameters written into Pyomo, blocks read Pyomo values again."""
        self.release()
        for block in self.dm.blocks.values():
            block.solution = None

    def __enter__(self) -> "SolveSession":
        return self.attach()

    def __exit__(self, *exc) -> None:
        self.detach()

    def value(self, v) -> float:
        return float(self._x_ext[self._vidx.get(id(v), -1)])

    def row_dual(self, con) -> float:
        """Dual value of a constraint (one row) after a solve: the change of the objective [its unit] per unit
        rise of the row's active bound (HiGHS row dual × objective sense; 0 for a row that does not bind)."""
        i = next((k for k, c in enumerate(self.constraints) if c is con), None)
        if i is None:
            raise KeyError(f"constraint {con.name} is not a row of this session")
        return float(self._highs.getSolution().row_dual[i]) * self.sense


def solve(dm: DispatchModel, time_limit_s: float = 300.0, mip_rel_gap: float = 1e-4, threads: int | None = None,
          options: dict | None = None) -> SolveInfo:
    """Solve once with HiGHS and load the solution into the model's variables. ``SolveInfo.solve_s``
    covers the whole step: compiling the model for HiGHS, the run and loading the values back."""
    session = SolveSession(dm, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads, options=options)
    info = session.solve()
    info.solve_s += session.compile_s
    return info


def _new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its constructor prints a banner on the C level: sent to /dev/null)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h
