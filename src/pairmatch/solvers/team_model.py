"""The CP-SAT team model (several volunteers for one child, need coverage), one connected
component at a time, with a linear-programming certificate for its first stage."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from pairmatch.errors import SolverError
from pairmatch.problem import Problem
from pairmatch.solvers.base import CoreResult, Options, Status
from pairmatch.solvers.cpsat import (
    _SOLVED,
    _groups,
    _integer_bound,
    _overload_terms,
    _solver,
)
from pairmatch.solvers.presolve import reduce

__all__ = ["one_member_start", "team_model"]

#: Statuses after which no earlier solution may be returned instead.
_BROKEN = (cp_model.INFEASIBLE, cp_model.MODEL_INVALID)

_INF = float("inf")


class _Rows:
    """The team model twice: CP-SAT constraints, and the same rows as numbers for an LP."""

    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        self.vars: list[cp_model.IntVar] = []
        self.rows: list[tuple[list[int], list[int], float, float]] = []

    def new(self) -> int:
        self.vars.append(self.model.new_bool_var(""))
        return len(self.vars) - 1

    def add(self, idx: list[int], coef: list[int], lb: float, ub: float, *, lp: bool = True):
        v = self.vars
        if len(idx) == 2 and coef == [1, -1] and lb == -_INF and ub == 0:
            self.model.add_implication(v[idx[0]], v[idx[1]])
        elif all(c == 1 for c in coef) and lb in (0, -_INF) and ub == 1:
            self.model.add_at_most_one([v[i] for i in idx])
        elif all(c == 1 for c in coef) and lb == 1 and ub == 1:
            self.model.add_exactly_one([v[i] for i in idx])
        else:
            expr = cp_model.LinearExpr.weighted_sum([v[i] for i in idx], coef)
            if lb > -_INF and ub < _INF:
                self.model.add_linear_constraint(expr, int(lb), int(ub))
            elif lb > -_INF:
                self.model.add(expr >= int(lb))
            else:
                self.model.add(expr <= int(ub))
        if lp:
            self.rows.append((idx, coef, lb, ub))


def _lp_stage1(
    rows: _Rows, obj: dict[int, int], time_limit: float | None
) -> tuple[int | None, np.ndarray | None]:
    """(proven optimum of level 1, an optimal 0/1 point) from the LP relaxation, or
    (None, feasible-or-None rounded point) when the LP cannot certify the optimum."""
    n = len(rows.vars)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None, None
    if time_limit is not None:
        lp.SetTimeLimit(max(1, int(time_limit * 500)))  # at most half the share, in ms
    z = [lp.NumVar(0.0, 1.0, "") for _ in range(n)]
    cons = []
    for idx, coef, lb, ub in rows.rows:
        ct = lp.Constraint(lb if lb > -_INF else -lp.infinity(), ub if ub < _INF else lp.infinity())
        for i, c in zip(idx, coef, strict=True):
            ct.SetCoefficient(z[i], c)
        cons.append(ct)
    objective = lp.Objective()
    for i, c in obj.items():
        objective.SetCoefficient(z[i], c)
    objective.SetMaximization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None, None
    val = np.array([v.solution_value() for v in z])
    point = val > 0.5
    # exact integer feasibility of the rounded point
    for idx, coef, lb, ub in rows.rows:
        act = sum(c for i, c in zip(idx, coef, strict=True) if point[i])
        if act < lb or act > ub:
            return None, None
    value = sum(c for i, c in obj.items() if point[i])
    # weak duality over {lb <= A z <= ub, 0 <= z <= 1}: for any row multipliers pi,
    # max c.z <= sum_r pi_r * (ub_r if pi_r > 0 else lb_r) + sum_j max(0, c_j - (A^T pi)_j)
    dual = np.array([ct.dual_value() for ct in cons])
    c_vec = np.zeros(n)
    for i, c in obj.items():
        c_vec[i] = c
    best = _INF
    for pi in (dual, -dual):  # whichever sign convention GLOP uses
        at = np.zeros(n)
        bound = 0.0
        ok = True
        for (idx, coef, lb, ub), y in zip(rows.rows, pi.tolist(), strict=True):
            if abs(y) < 1e-12:
                continue
            side = ub if y > 0 else lb
            if side in (_INF, -_INF):
                ok = False
                break
            bound += y * side
            np.add.at(at, idx, y * np.asarray(coef, float))
        if ok:
            best = min(best, bound + np.maximum(0.0, c_vec - at).sum())
    if best < value + 1 - 1e-4:  # integer objective: the rounded point is optimal
        return value, point
    return None, point


def team_model(
    problem: Problem,
    edges: np.ndarray,
    options: Options,
    time_limit: float | None,
    start: np.ndarray | None = None,
) -> CoreResult:
    """One component with teams, solved lexicographically.

    Variables: ``x[e]`` the volunteer is a member, ``lead[e]`` she leads (the same literal
    when a child's team has one member); "paired" is the sum of a child's lead literals (at
    most one; an extra Boolean tied by an equality made proofs hundreds of times slower).
    Rules: ``size_min·paired <= members <= size_max·paired``; every required category
    covered by a member; lead and support loads within capacity; a lead cap; locked edges
    are members. Level 2 counts each (child, category) value once, through a selector
    ``s[e, k] <= x[e]`` with at most one selector per (child, category); level 3 (fewer
    members) is folded into level 2 with a weight above the number of edges.

    Stage 1 (level 1) is first solved as a linear program (GLOP) over the same rows: when
    the rounded LP point is feasible in exact integer arithmetic and reaches, within less
    than 1, an upper bound recomputed from the LP duals by weak duality (valid for any
    multipliers), it is optimal and CP-SAT is not needed for level 1. Otherwise CP-SAT
    solves stage 1, hinted with the rounded point. Stage 2 fixes the level-1 optimum and
    maximises levels 2 and 3 with CP-SAT's full linear relaxation.

    ``start`` (edges of the whole problem, see :func:`one_member_start`) is a valid pairing
    with one-member teams: the search starts from it, and it is the answer, marked
    FEASIBLE, when a time limit stops the search before anything better is found. A
    level-1 optimum already found is kept the same way if stage 2 runs out of time.
    """
    p, t = problem, problem.teams
    assert t is not None
    built = _Rows()
    model = built.model
    n_e = edges.size
    xi = [built.new() for _ in range(n_e)]
    child = p.child[edges]
    single = t.size_max[child] == 1
    li = [xi[i] if single[i] else built.new() for i in range(n_e)]
    kids = np.unique(child)
    paired = {}
    for i in np.flatnonzero(~single).tolist():
        built.add([li[i], xi[i]], [1, -1], -_INF, 0)
    level2: list[tuple[int, int]] = [(xi[i], int(p.score[e])) for i, e in enumerate(edges)]
    for group in _groups(child):
        c = int(child[group[0]])
        lead_ids = [li[i] for i in group]
        built.add(lead_ids, [1] * len(lead_ids), 1 if p.must_pair[c] else -_INF, 1)
        paired[c] = True
        members = [xi[i] for i in group]
        ones, k_leads = [1] * len(members), len(lead_ids)
        if t.size_min[c] > 1:
            built.add(members + lead_ids, ones + [-int(t.size_min[c])] * k_leads, 0, _INF)
        if t.size_max[c] > 1:
            built.add(members + lead_ids, ones + [-int(t.size_max[c])] * k_leads, -_INF, 0)
        for k in np.flatnonzero(t.cover_required[c]):
            cover = [xi[i] for i in group if t.covers[edges[i], k]]
            built.add(cover + lead_ids, [1] * len(cover) + [-1] * k_leads, 0, _INF)
        values = t.category_value[edges[group]]
        for k in np.flatnonzero(values.max(axis=0) > 0):
            if t.size_max[c] == 1:
                level2 += [(xi[i], int(t.category_value[edges[i], k])) for i in group]
                continue
            picks = []
            for i in group:
                v = int(t.category_value[edges[i], k])
                if v > 0:
                    s = built.new()
                    # selectors are not in level 1: keep them out of the LP (lp=False)
                    built.add([s, xi[i]], [1, -1], -_INF, 0, lp=False)
                    picks.append(s)
                    level2.append((s, v))
            built.add(picks, [1] * len(picks), -_INF, 1, lp=False)
    vol = p.volunteer[edges]
    for group in _groups(vol):
        cap = int(p.capacity[vol[group[0]]])
        lead_load, support = p.load[edges[group]], t.support_load[edges[group]]
        if int(np.maximum(lead_load, support).sum()) > cap:
            idx, coef = [], []
            for j, i in enumerate(group):
                if single[i]:
                    idx.append(xi[i])
                    coef.append(int(lead_load[j]))
                else:
                    idx += [xi[i], li[i]]
                    coef += [int(support[j]), int(lead_load[j] - support[j])]
            built.add(idx, coef, -_INF, cap)
        if t.max_leads is not None and group.size > t.max_leads[vol[group[0]]]:
            built.add(
                [li[i] for i in group], [1] * group.size, -_INF, int(t.max_leads[vol[group[0]]])
            )
    position = {int(e): i for i, e in enumerate(edges)}
    for e in np.intersect1d(p.locked, edges):
        built.add([xi[position[int(e)]]], [1], 1, 1)

    var = built.vars
    x = [var[i] for i in xi]
    lead = [var[i] for i in li]
    model_size = {
        "cpsat_variables": len(model.proto.variables),
        "cpsat_constraints": len(model.proto.constraints),
    }
    hard = bool(p.must_pair[kids].any()) or bool(np.isin(p.locked, edges).any())
    mine = np.isin(edges, start) if start is not None else None
    if mine is not None:
        covered = np.isin(kids[p.must_pair[kids]], child[mine]).all()
        locks = np.isin(np.intersect1d(p.locked, edges), edges[mine]).all()
        if not (covered and locks):
            mine = None  # not a valid pairing of this component
    if mine is not None:
        for i in range(n_e):
            model.add_hint(x[i], bool(mine[i]))
            if lead[i] is not x[i]:
                model.add_hint(lead[i], bool(mine[i]))
    prio = {c: int(p.priority[c]) for c in paired}
    p_any = sum(prio.values())
    s_any = _level2_ceiling(p, edges)
    weight = n_e + 1
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    obj1: dict[int, int] = {}
    for i in range(n_e):
        obj1[li[i]] = obj1.get(li[i], 0) + prio[int(child[i])]
    level1 = cp_model.LinearExpr.weighted_sum([var[j] for j in obj1], list(obj1.values()))
    free = [c for c in paired if not p.must_pair[c] and prio[c] > 0]
    point = None
    if free:
        best1, point = _lp_stage1(built, obj1, time_limit)
        if best1 is None:  # the LP could not certify it: CP-SAT, as before
            if point is not None:
                model.clear_hints()
                for j in sorted(set(xi) | set(li)):
                    model.add_hint(var[j], bool(point[j]))
            solver = _solver(options, time_limit, strong_lp=True)
            model.maximize(level1)
            status = solver.solve(model)
            if status not in (*_SOLVED, *_BROKEN) and mine is not None:
                bound = _integer_bound(solver.best_objective_bound)
                return CoreResult(
                    edges[mine], Status.FEASIBLE, max(bound, 0), s_any,
                    ("the time limit stopped the search; one-member teams kept",), 1,
                    edges[mine], stats=model_size,
                )  # fmt: skip
            if status not in _SOLVED:
                return replace(_team_failure(status, hard, p_any, s_any), stats=model_size)
            if status != cp_model.OPTIMAL:
                chosen, leads = _team_values(solver, x, lead, edges)
                bound = _integer_bound(solver.best_objective_bound)
                return CoreResult(
                    chosen, Status.FEASIBLE, bound, s_any, (), 1, leads, stats=model_size
                )
            best1 = round(solver.objective_value)
            point = np.array([solver.boolean_value(v) for v in var], bool)
            model.clear_hints()
        model.add(level1 >= best1)
        p_any = best1
        assert point is not None
        model.clear_hints()
        for j in sorted(set(xi) | set(li)):
            model.add_hint(var[j], bool(point[j]))
    left = None if deadline is None else max(0.01, deadline - time.perf_counter())
    solver = _solver(options, left, strong_lp=True)
    over, penalty = _overload_terms(model, p, vol, x)
    terms = [var[j] for j, _ in level2] + over + x
    coefs = [weight * v for _, v in level2] + [weight * v for v in penalty] + [-1] * n_e
    model.maximize(cp_model.LinearExpr.weighted_sum(terms, coefs))
    status = solver.solve(model)
    if status not in (*_SOLVED, *_BROKEN) and point is not None:
        # keep the level-1 optimum found in stage 1, with stage 2's bound
        in_team = np.array([point[j] for j in xi], bool)
        leading = np.array([point[j] for j in li], bool)
        stage2 = solver.best_objective_bound
        sb = (_integer_bound(stage2) + n_e) // weight if np.isfinite(stage2) else s_any
        note = "the time limit stopped the search for the best fit"
        return CoreResult(
            edges[in_team], Status.FEASIBLE, p_any, min(sb, s_any), (note,), 1, edges[leading],
            stats=model_size,
        )  # fmt: skip
    if status not in _SOLVED:
        return replace(_team_failure(status, hard, p_any, s_any), stats=model_size)
    chosen, leads = _team_values(solver, x, lead, edges)
    sb = (_integer_bound(solver.best_objective_bound) + n_e) // weight
    final = Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE
    pb = int(p.priority[np.unique(p.child[chosen])].sum()) if final is Status.OPTIMAL else p_any
    return CoreResult(chosen, final, pb, sb, (), 1, leads, stats=model_size)


def _level2_ceiling(problem: Problem, edges: np.ndarray) -> int:
    """An upper bound on level 2 over ``edges`` whatever the capacities: every child gets
    the best value in each category and its ``size_max`` best positive pair scores."""
    t = problem.teams
    assert t is not None
    child = problem.child[edges]
    if edges.size == 0:
        return 0
    order = np.lexsort((-problem.score[edges], child))
    c = child[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    best = np.maximum.reduceat(t.category_value[edges[order]], starts, axis=0).sum()
    rank = np.arange(c.size) - np.repeat(starts, np.diff(np.r_[starts, c.size]))
    score = problem.score[edges[order]]
    top = (rank < t.size_max[c]) & (score > 0)
    return int(best) + int(score[top].sum())


def one_member_start(problem: Problem) -> np.ndarray | None:
    """A valid pairing of a team problem in which every team has one member: the exact
    optimum of that restriction (coverage by one volunteer alone, children whose team needs
    several members unpaired), solved by min-cost flow after the presolve folds it into a
    plain problem. None when the restriction breaks a must-pair or lock rule."""
    from pairmatch.solvers import solve  # the whole pipeline, for the restricted problem

    t = problem.teams
    assert t is not None
    keep = np.flatnonzero(t.size_min[problem.child] <= 1)
    position = np.full(problem.n_edges, -1, np.int64)
    position[keep] = np.arange(keep.size)
    locked = position[problem.locked]
    if np.any(locked < 0):
        return None
    one = np.ones(problem.n_children, np.int64)
    restricted = replace(
        problem,
        child=problem.child[keep],
        volunteer=problem.volunteer[keep],
        score=problem.score[keep],
        load=problem.load[keep],
        locked=locked,
        teams=replace(
            t,
            size_min=one,
            size_max=one,
            support_load=t.support_load[keep],
            covers=t.covers[keep],
            category_value=t.category_value[keep],
        ),
    )
    if reduce(restricted).problem.has_teams:
        return None  # a lead cap with mixed loads keeps even this a team problem
    solution = solve(restricted)
    if not solution.has_solution:
        return None
    return keep[solution.chosen]


def _team_values(
    solver: cp_model.CpSolver, x: list, lead: list, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    members = np.array([solver.boolean_value(v) for v in x], bool)
    leads = np.array([solver.boolean_value(v) for v in lead], bool)
    return edges[members], edges[leads]


def _team_failure(status: object, hard: bool, p_any: int, s_any: int) -> CoreResult:
    none = np.empty(0, np.int64)
    if status == cp_model.MODEL_INVALID:
        raise SolverError("CP-SAT rejected pairmatch's team model as invalid (a bug)")
    if status == cp_model.INFEASIBLE:
        note = (
            "no teams for this group of children obey the capacity, size, coverage and lock rules"
        )
        return CoreResult(none, Status.INFEASIBLE, 0, 0, (note,), 1, none)
    if hard:
        return CoreResult(
            none, Status.UNKNOWN, p_any, s_any, ("the search stopped early",), 1, none
        )
    note = "the time limit left a group of children unpaired"
    return CoreResult(none, Status.FEASIBLE, p_any, s_any, (note,), 1, none)
