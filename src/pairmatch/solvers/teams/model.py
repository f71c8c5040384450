"""The CP-SAT team model (several volunteers for one child, need coverage), one connected
component at a time, with a linear-programming certificate for its first stage."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model
from scipy.sparse import csr_matrix

from pairmatch.arrays import unique
from pairmatch.errors import SolverError
from pairmatch.exact import EXACT
from pairmatch.problem import Problem
from pairmatch.progress import current
from pairmatch.solvers.base import CoreResult, Options, Status, level2_value
from pairmatch.solvers.cpsat_tools import (
    SOLVED,
    group_positions,
    integer_bound,
    make_solver,
    overload_terms,
    watched_solve,
)
from pairmatch.solvers.teams import improve as windows
from pairmatch.solvers.teams.decomposition import decompose
from pairmatch.solvers.teams.pricing import SECONDS_PER_EDGE, price_teams
from pairmatch.solvers.teams.relaxations import (
    fit_relaxation_bound,
    lead_relaxation_bound,
    level2_ceiling,
)
from pairmatch.solvers.teams.start import polish

__all__ = ["team_model"]

#: Statuses after which no earlier solution may be returned instead.
_BROKEN = (cp_model.INFEASIBLE, cp_model.MODEL_INVALID)

_INF = float("inf")

#: Under a time limit, a team model with more variables and constraints than this is not
#: built: the valid start (see :func:`~pairmatch.solvers.teams.start.greedy_start`) is
#: improved by pricing and windows (:func:`_best_found`) for the whole limit instead. Such
#: models are built element by element and searched in vain: a 20,000-child county with
#: teams (~13.5M elements) had reached 11 GB after 3.5 minutes of building, before any
#: search; at 5,000 children (1.4M elements) building, the LP and CP-SAT took 34 s of a
#: 60 s limit and changed nothing, while the windows raise the fit in that time. At 2,000
#: children (415k) CP-SAT still raises level 1 (10,787 of a proven 10,789).
MAX_MODEL_ELEMENTS = 1_000_000

#: HiGHS proves level 1 only on models up to this many variables: on the 5k county with
#: teams (956k variables) it did not stop at its time limit (over 10 minutes against
#: 300 s), while at 1k (102k) it proves level 1 in 21 s and keeps to its limit.
MIP_MAX_VARIABLES = 250_000

#: ... and only while level 1 stays small enough for floating point to prove it to the
#: unit (HiGHS works in doubles with tolerances near 1e-7 per variable).
MIP_MAX_OBJECTIVE = 10**7

#: Measured cost of the two flow relaxation bounds per edge (12 s at 4.6M edges, 2 cores):
#: a shorter time limit skips them (the bounds are then the capacity-free ceilings).
FLOW_BOUND_SECONDS_PER_EDGE = 3e-6

#: The share of a time limit kept, when the search does not prove its pairing optimal, to
#: price the capacities (the Lagrangian bound on level 2) and then improve the pairing
#: window by window with the teams the prices suggest (:mod:`pairmatch.solvers.teams.improve`).
#: With a 60 s limit it raised the fit found on a 1,000-child county by 5.3% and lowered
#: the gap shown from 8.5% to 2.2%; see benchmarks/RESULTS.md.
BOUND_SHARE = 0.4

#: Of that share, what pricing takes; the windows get the rest.
PRICING_SHARE = 0.4


#: Column generation (:mod:`pairmatch.solvers.teams.decomposition`) serves components of
#: up to this many children. Beyond, HiGHS's re-solves of the master slow down round after
#: round (at 20,000 children, 0.2 s, 1 s, 6 s, 27 s, 57 s over five rounds of 15,000
#: columns each, by the simplex or the interior-point method): such components keep the
#: pricing and windows below.
COLGEN_MAX_CHILDREN = 8_000


class _OutOfTime(Exception):
    """The time limit passed while the model was being built."""


class _Clock:
    """Checks the deadline every ``every`` calls (the model is built one element at a
    time, and reading the clock for each would cost as much as the element)."""

    def __init__(self, deadline: float | None, every: int = 4096, end: float | None = None) -> None:
        self.deadline, self.every, self.calls = deadline, every, 0
        self.end = deadline if end is None else end  # the time limit's end (bounds run up to it)

    def tick(self) -> None:
        self.calls += 1
        if (
            self.deadline is not None
            and self.calls % self.every == 0
            and time.perf_counter() > self.deadline
        ):
            raise _OutOfTime


class _Rows:
    """The team model twice: CP-SAT constraints, and the same rows as numbers for an LP."""

    def __init__(self, clock: _Clock) -> None:
        self.model = cp_model.CpModel()
        self.vars: list[cp_model.IntVar] = []
        self.rows: list[tuple[list[int], list[int], float, float]] = []
        self.clock = clock
        self._matrix: tuple[csr_matrix, np.ndarray, np.ndarray] | None = None

    def new(self) -> int:
        self.clock.tick()
        self.vars.append(self.model.new_bool_var(""))
        return len(self.vars) - 1

    def matrix(self) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        """The LP rows as one sparse integer matrix (a variable twice in a row is summed)
        and their lower and upper sides; built once."""
        if self._matrix is None:
            n = len(self.vars)
            sizes = np.array([len(idx) for idx, _, _, _ in self.rows], np.int64)
            total = int(sizes.sum())
            cols = np.fromiter((i for idx, _, _, _ in self.rows for i in idx), np.int64, total)
            data = np.fromiter((c for _, coef, _, _ in self.rows for c in coef), np.int64, total)
            rows = np.repeat(np.arange(sizes.size), sizes)
            a = csr_matrix((data, (rows, cols)), (sizes.size, n))
            a.sum_duplicates()
            lb = np.array([r[2] for r in self.rows], float)
            ub = np.array([r[3] for r in self.rows], float)
            self._matrix = (a, lb, ub)
        return self._matrix

    def add(self, idx: list[int], coef: list[int], lb: float, ub: float, *, lp: bool = True):
        self.clock.tick()
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
) -> tuple[int | None, np.ndarray | None, int | None]:
    """From the LP relaxation of level 1: (its proven optimum or None, the rounded 0/1
    point when it obeys every row or None, an upper bound from the duals or None)."""
    n = len(rows.vars)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None, None, None
    if time_limit is not None:
        lp.SetTimeLimit(max(1, int(time_limit * 500)))  # at most half the share, in ms
    a, lb, ub = rows.matrix()
    z = []
    for _ in range(n):
        rows.clock.tick()
        z.append(lp.NumVar(0.0, 1.0, ""))
    cons = []
    for r in range(lb.size):
        rows.clock.tick()
        ct = lp.Constraint(max(lb[r], -lp.infinity()), min(ub[r], lp.infinity()))
        for i, c in zip(
            a.indices[a.indptr[r] : a.indptr[r + 1]].tolist(),
            a.data[a.indptr[r] : a.indptr[r + 1]].tolist(),
            strict=True,
        ):
            ct.SetCoefficient(z[i], c)
        cons.append(ct)
    c_vec = np.zeros(n, np.int64)
    c_vec[list(obj)] = list(obj.values())
    objective = lp.Objective()
    for i, c in obj.items():
        objective.SetCoefficient(z[i], c)
    objective.SetMaximization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None, None, None
    rounded = np.array([v.solution_value() for v in z]) > 0.5
    act = a @ rounded.astype(np.int64)  # exact integer feasibility of the rounded point
    point = rounded if bool(np.all((act >= lb) & (act <= ub))) else None
    value = -1 if point is None else int(c_vec[point].sum())
    # weak duality over {lb <= A z <= ub, 0 <= z <= 1}: for any row multipliers pi,
    # max c.z <= sum_r pi_r * (ub_r if pi_r > 0 else lb_r) + sum_j max(0, c_j - (A^T pi)_j)
    dual = np.array([ct.dual_value() for ct in cons])
    best = _INF
    for pi in (dual, -dual):  # whichever sign convention GLOP uses
        pi = np.where(np.abs(pi) < 1e-12, 0.0, pi)
        side = np.where(pi > 0, ub, lb)
        used = pi != 0
        if not np.all(np.isfinite(side[used])):
            continue
        total = float(pi[used] @ side[used])
        best = min(best, total + np.maximum(0.0, c_vec - a.T @ pi).sum())
    ceiling = math.floor(best + 1e-6) if np.isfinite(best) else None
    if point is not None and best < value + 1 - 1e-4:  # integer objective: optimal
        return value, point, value
    return None, point, ceiling


def _mip_stage1(
    rows: _Rows, obj: dict[int, int], time_limit: float | None
) -> tuple[int | None, np.ndarray | None, int | None]:
    """Level 1 as a mixed-integer program over the same rows, by HiGHS (scipy's ``milp``):
    (its proven optimum or None, its 0/1 point when HiGHS finished and the point obeys
    every row in exact integers or None, an upper bound or None).

    Measured on a 1,000-child county with teams: HiGHS proves level 1 in about 21 s,
    where CP-SAT does not in 60 s (the model is mostly a flow, which branch-and-cut on the
    LP handles better than CP-SAT's search). The optimum is accepted when the point is
    exactly feasible and HiGHS's dual bound is below its value plus one (the objective is
    an integer)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    a, lb, ub = rows.matrix()
    n = a.shape[1]
    c = np.zeros(n, np.int64)
    c[list(obj)] = list(obj.values())
    if int(np.abs(c).sum()) > MIP_MAX_OBJECTIVE:
        return None, None, None  # floating-point tolerances could hide a unit of level 1
    options: dict[str, object] = {"disp": False, "mip_rel_gap": 0.0, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = max(0.1, float(time_limit))
    res = milp(
        -c.astype(float),
        constraints=LinearConstraint(a, lb, ub),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options=options,
    )
    dual = getattr(res, "mip_dual_bound", None)
    bound = None
    if dual is not None and np.isfinite(dual):
        bound = math.floor(-float(dual) + 1e-6)
    if res.x is None or res.status != 0:
        # a point HiGHS stopped at depends on timing: only a finished run's is used, so
        # that the same input gives the same pairs
        return None, None, bound
    point = np.asarray(res.x) > 0.5
    act = a @ point.astype(np.int64)
    if not bool(np.all((act >= lb) & (act <= ub))):
        return None, None, bound
    value = int(c[point].sum())
    if bound is not None and bound < value + 1:
        return value, point, value
    return None, point, bound


def team_model(
    problem: Problem,
    edges: np.ndarray,
    options: Options,
    time_limit: float | None,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> CoreResult:
    """One component with teams, solved lexicographically.

    Variables: ``x[e]`` the volunteer is a member, ``lead[e]`` she leads (the same literal
    when a child's team has one member); "paired" is the sum of a child's lead literals (at
    most one; an extra Boolean tied by an equality made proofs hundreds of times slower).
    Rules: ``size_min·paired <= members <= size_max·paired``; every required category
    covered by a member; lead and support loads within capacity; a lead cap; locked edges
    are members. Level 2 counts each (child, category) value once, through a selector
    ``s[e, k] <= x[e]`` with at most one selector per (child, category); level 3 (fewer
    members) is folded into level 2 with a weight above the most members a pairing can
    have (each child's ``size_max``, or its pairs if fewer).

    Stage 1 (level 1) is first solved as a linear program (GLOP) over the same rows: when
    the rounded LP point is feasible in exact integer arithmetic and reaches, within less
    than 1, an upper bound recomputed from the LP duals by weak duality (valid for any
    multipliers), it is optimal and CP-SAT is not needed for level 1. Otherwise, on
    models of up to :data:`MIP_MAX_VARIABLES`, HiGHS solves level 1 as a mixed-integer
    program (:func:`_mip_stage1`), and its fit-blind point is polished by flow
    (:func:`~pairmatch.solvers.teams.start.polish`); what is still unproven, CP-SAT
    solves, hinted with the best point. Stage 2 fixes the level-1 optimum and maximises
    levels 2 and 3 with CP-SAT's full linear relaxation.

    ``start`` (member and lead edges of the whole problem, see
    :func:`~pairmatch.solvers.teams.start.greedy_start`) is a valid pairing: the search
    starts from it, and it is the answer, marked FEASIBLE, when a time limit stops the
    search before anything better is found. A level-1 optimum already found is kept the
    same way if stage 2 runs out of time.
    """
    began = time.perf_counter()  # the time limit covers building the model too
    p, t = problem, problem.teams
    assert t is not None
    # the search stops early enough to leave BOUND_SHARE of the limit to bound and improve
    # what it found, where that is long enough for the bound to run
    share = 0.0
    if time_limit is not None and time_limit * BOUND_SHARE >= SECONDS_PER_EDGE * edges.size:
        share = BOUND_SHARE
    deadline = None if time_limit is None else began + time_limit * (1 - share)
    end = None if time_limit is None else began + time_limit
    child = p.child[edges]
    kids = unique(child)
    hard = bool(p.must_pair[kids].any()) or bool(np.isin(p.locked, edges).any())
    found: list[tuple[np.ndarray, np.ndarray]] = []
    if start is not None:
        mine, mine_lead = np.isin(edges, start[0]), np.isin(edges, start[1])
        covered = np.isin(kids[p.must_pair[kids]], child[mine]).all()
        locks = np.isin(p.locked[np.isin(p.locked, edges)], edges[mine]).all()
        if covered and locks:  # else not a valid pairing of this component
            found.append((mine, mine_lead))
    p_bound = int(p.priority[kids].sum())
    s_bound = level2_ceiling(p, edges)
    # the search may stop short of a proof: bound it by flow, where the limit leaves time
    # for that (at 20k children the two relaxations take 12 s)
    if time_limit is not None and time_limit >= FLOW_BOUND_SECONDS_PER_EDGE * edges.size:
        p_bound = min(p_bound, lead_relaxation_bound(p, edges, p_bound))
        s_bound = min(s_bound, fit_relaxation_bound(p, edges, s_bound))
    if found and kids.size <= COLGEN_MAX_CHILDREN:
        done = _decomposed(p, edges, found, p_bound, s_bound, end, hard)
        if done is not None:
            levels = (
                int(p.priority[unique(p.child[done.chosen])].sum()),
                level2_value(p, done.chosen),
            )
            if done.status == Status.OPTIMAL or time_limit is not None:
                return done
            if (done.priority_bound, done.score_bound) == levels:
                # levels 1 and 2 are proven: a search for fewer members alone could run for
                # hours on a county (it did at 1,500 children); the answer says so
                return done
            # no time limit and no proof yet: the search goes on from the best pairing
            lead = done.lead if done.lead is not None else np.empty(0, np.int64)
            found.insert(0, (np.isin(edges, done.chosen), np.isin(edges, lead)))
            p_bound, s_bound = done.priority_bound, done.score_bound
    size = _model_elements(p, edges)
    if time_limit is not None and size > MAX_MODEL_ELEMENTS:
        note = (
            f"the team model of {kids.size} children would have {size:,} variables and "
            f"constraints, more than is built under a time limit ({MAX_MODEL_ELEMENTS:,})"
        )
        return _best_found(p, edges, found, p_bound, s_bound, note, hard, {}, end)
    clock = _Clock(deadline, end=end)
    try:
        return _search_teams(problem, edges, options, clock, found, p_bound, s_bound, hard)
    except _OutOfTime:
        note = "the time limit passed while the team model was being built"
        return _best_found(p, edges, found, p_bound, s_bound, note, hard, {}, end)


def _decomposed(
    problem: Problem,
    edges: np.ndarray,
    found: list[tuple[np.ndarray, np.ndarray]],
    p_bound: int,
    s_bound: int,
    end: float | None,
    hard: bool,
) -> CoreResult | None:
    """The component solved by column generation from the best pairing found
    (:mod:`pairmatch.solvers.teams.decomposition`), or None where that does not apply."""
    members, leads = max(found, key=lambda f: _rank(problem, edges, f))
    if end is not None:  # time is left for the result's assembly, which reads every pair
        end -= 0.5 + ASSEMBLY_SECONDS_PER_EDGE * problem.n_edges
    report = None
    if current() is not None:
        report = lambda fit, bound: _report(problem, fit, bound)  # noqa: E731
    out = decompose(problem, edges, members, leads, p_bound, s_bound, end, report)
    if out is None:
        return None
    status = Status.OPTIMAL if out.optimal else Status.FEASIBLE
    notes = out.notes
    chosen = edges[out.members]
    level1 = int(problem.priority[unique(problem.child[chosen])].sum())
    if not out.optimal and (out.p_bound, out.s_bound) == (level1, level2_value(problem, chosen)):
        # levels 1 and 2 are proven; level 3 (fewer members) is not, so not OPTIMAL
        notes = ("levels 1 and 2 are proven optimal by their bounds; fewer members is not proven",)
    elif not out.optimal and not notes:
        notes = ("the time limit stopped the search before a proof",) if end is not None else ()
    return CoreResult(
        edges[out.members], status, out.p_bound, out.s_bound, notes, 1, edges[out.leads],
        stats=out.stats,
    )  # fmt: skip


def _model_elements(problem: Problem, edges: np.ndarray) -> int:
    """The variables and constraints the team model of ``edges`` has, near enough: a
    member per edge; for children who may have several members, a lead and an implication
    per edge and a selector and an implication per (edge, category with a value); a few
    rows per child and one per volunteer."""
    t = problem.teams
    assert t is not None
    child = problem.child[edges]
    several = t.size_max[child] > 1
    selectors = int(np.count_nonzero(t.category_value[edges[several]] > 0))
    kids = unique(child).size
    vols = unique(problem.volunteer[edges]).size
    return edges.size + 2 * int(several.sum()) + 2 * selectors + 4 * kids + vols


def _search_teams(
    problem: Problem,
    edges: np.ndarray,
    options: Options,
    clock: _Clock,
    found: list[tuple[np.ndarray, np.ndarray]],
    p_bound: int,
    s_bound: int,
    hard: bool,
) -> CoreResult:
    """Build the team model and search it (see :func:`team_model`); ``found`` collects
    the valid pairings met, the start first."""
    search = _Search(_TeamModel.build(problem, edges, clock), options, clock, found, hard)
    search.p_bound, search.s_bound = p_bound, s_bound
    # valid pairings met on the way (member mask, lead mask): the best is the answer when a
    # time limit stops the search
    if found:
        search.model.hint(*found[0])
    stopped = search.level1()
    return stopped if stopped is not None else search.level2()


@dataclass(eq=False)
class _TeamModel:
    """The team model of one component (see :func:`team_model`): its rows (CP-SAT and
    LP), each edge's member and lead variables (indices into ``rows.vars``; the same one
    when the child's team has one member), and the level-2 terms (variable, value)."""

    problem: Problem
    edges: np.ndarray
    rows: _Rows
    xi: list[int]
    li: list[int]
    level2: list[tuple[int, int]]
    children: list[int]  # the component's children, ascending

    @classmethod
    def build(cls, problem: Problem, edges: np.ndarray, clock: _Clock) -> _TeamModel:
        p, t = problem, problem.teams
        assert t is not None
        built = _Rows(clock)
        n_e = edges.size
        xi = [built.new() for _ in range(n_e)]
        child = p.child[edges]
        single = t.size_max[child] == 1
        li = [xi[i] if single[i] else built.new() for i in range(n_e)]
        for i in np.flatnonzero(~single).tolist():
            built.add([li[i], xi[i]], [1, -1], -_INF, 0)
        level2: list[tuple[int, int]] = [(xi[i], int(p.score[e])) for i, e in enumerate(edges)]
        children = []
        for group in group_positions(child):
            children.append(int(child[group[0]]))
            _child_rows(built, p, edges, group, xi, li, level2)
        vol = p.volunteer[edges]
        for group in group_positions(vol):
            _volunteer_rows(built, p, edges, group, single, xi, li)
        position = {int(e): i for i, e in enumerate(edges)}
        for e in unique(p.locked[np.isin(p.locked, edges)]):
            built.add([xi[position[int(e)]]], [1], 1, 1)
        return cls(p, edges, built, xi, li, level2, children)

    @property
    def x(self) -> list[cp_model.IntVar]:
        return [self.rows.vars[i] for i in self.xi]

    @property
    def lead(self) -> list[cp_model.IntVar]:
        return [self.rows.vars[i] for i in self.li]

    def hint(self, members: np.ndarray, leads: np.ndarray) -> None:
        """Hint the search with a pairing (member and lead masks over the edges)."""
        model, x, lead = self.rows.model, self.x, self.lead
        model.clear_hints()
        for i in range(self.edges.size):
            model.add_hint(x[i], bool(members[i]))
            if lead[i] is not x[i]:
                model.add_hint(lead[i], bool(leads[i]))

    def read(self, solver: cp_model.CpSolver) -> tuple[np.ndarray, np.ndarray]:
        """The solver's pairing: member and lead masks over the edges."""
        return (
            np.array([solver.boolean_value(v) for v in self.x], bool),
            np.array([solver.boolean_value(v) for v in self.lead], bool),
        )

    def at(self, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Member and lead masks of a 0/1 point over the model's variables."""
        return point[self.xi], point[self.li]


def _child_rows(
    built: _Rows,
    problem: Problem,
    edges: np.ndarray,
    group: np.ndarray,
    xi: list[int],
    li: list[int],
    level2: list[tuple[int, int]],
) -> None:
    """One child's rows (her edges are ``edges[group]``): at most (or exactly) one lead,
    team size, coverage of each required category; and her category values in level 2,
    through one selector per (member, category) when her team may have several members."""
    p, t = problem, problem.teams
    assert t is not None
    c = int(p.child[edges[group[0]]])
    lead_ids = [li[i] for i in group]
    built.add(lead_ids, [1] * len(lead_ids), 1 if p.must_pair[c] else -_INF, 1)
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


def _volunteer_rows(
    built: _Rows,
    problem: Problem,
    edges: np.ndarray,
    group: np.ndarray,
    single: np.ndarray,
    xi: list[int],
    li: list[int],
) -> None:
    """One volunteer's rows (her edges are ``edges[group]``): lead and support loads
    within her capacity, where they could pass it, and her lead cap."""
    p, t = problem, problem.teams
    assert t is not None
    v = int(p.volunteer[edges[group[0]]])
    cap = int(p.capacity[v])
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
    if t.max_leads is not None and group.size > t.max_leads[v]:
        built.add([li[i] for i in group], [1] * group.size, -_INF, int(t.max_leads[v]))


class _Search:
    """The lexicographic search of one component's team model: level 1 (neediest first),
    fixed at its optimum, then levels 2 and 3 (fit, fewer members). Keeps the proven
    bounds (``p_bound``, ``s_bound``) and the valid pairings met on the way (``found``)."""

    def __init__(
        self,
        model: _TeamModel,
        options: Options,
        clock: _Clock,
        found: list[tuple[np.ndarray, np.ndarray]],
        hard: bool,
    ) -> None:
        self.model, self.options, self.clock, self.found, self.hard = (
            model, options, clock, found, hard
        )  # fmt: skip
        self.p_bound = self.s_bound = 0
        cp = model.rows.model
        self.size = {
            "cpsat_variables": len(cp.proto.variables),
            "cpsat_constraints": len(cp.proto.constraints),
        }
        self.kids = len(model.children)
        p, edges, n_e = model.problem, model.edges, model.edges.size
        t = p.teams
        assert t is not None
        # level 3 (members, fewer is better) is folded into level 2 below a weight above the
        # most members a pairing can have: each child's size_max, or its pairs if fewer
        members = np.minimum(np.bincount(p.child[edges], minlength=p.n_children), t.size_max)
        most = min(n_e, int(members.sum()))
        # the number of pairs + 1 where that stays far inside CP-SAT's range (it breaks ties
        # between equal teams as it always has: re-solves keep their leads), else most + 1
        # (what the range check of the back end holds to)
        if _level2_magnitude(p, edges) * (n_e + 1) <= 0.25 * EXACT:
            most = n_e
        self.most, self.weight = most, most + 1

    def left(self) -> float | None:
        """Seconds left to the search's deadline (at least 0.01), None without one."""
        deadline = self.clock.deadline
        return None if deadline is None else max(0.01, deadline - time.perf_counter())

    def failed(self, status: object) -> CoreResult:
        return replace(
            _team_failure(status, self.hard, self.p_bound, self.s_bound), stats=self.size
        )

    def stopped(self, note: str) -> CoreResult:
        """The best pairing found, when the time limit stopped the search (see
        :func:`_best_found`)."""
        m = self.model
        return _best_found(
            m.problem, m.edges, self.found, self.p_bound, self.s_bound, note, self.hard,
            self.size, self.clock.end,
        )  # fmt: skip

    def best(self, pairings: list[tuple[np.ndarray, np.ndarray]]) -> tuple:
        m = self.model
        return max(pairings, key=lambda f: _rank(m.problem, m.edges, f))

    def level1(self) -> CoreResult | None:
        """Stage 1: level 1's optimum, proven by the LP, HiGHS or CP-SAT, then required of
        every pairing (the best pairing found that reaches it is hinted); a result when
        the search ends here (a failure, or the time limit)."""
        m = self.model
        p, child = m.problem, m.problem.child[m.edges]
        prio = {c: int(p.priority[c]) for c in m.children}
        obj1: dict[int, int] = {}
        for i in range(m.edges.size):
            obj1[m.li[i]] = obj1.get(m.li[i], 0) + prio[int(child[i])]
        var = m.rows.vars
        level1 = cp_model.LinearExpr.weighted_sum([var[j] for j in obj1], list(obj1.values()))
        free = [c for c in m.children if not p.must_pair[c] and prio[c] > 0]
        if not free:
            if self.found:
                m.hint(*self.best(self.found))
            return None
        best1 = self._linear_level1(obj1)
        if best1 is None:
            solver = make_solver(self.options, self.left(), strong_lp=True)
            m.rows.model.maximize(level1)
            status = watched_solve(
                solver, m.rows.model,
                f"CP-SAT teams, {self.kids} children: neediest first (priority)",
            )  # fmt: skip
            if status in _BROKEN:
                return self.failed(status)
            if status in SOLVED:
                self.found.append(m.read(solver))
                self.p_bound = min(self.p_bound, integer_bound(solver.best_objective_bound))
                if status == cp_model.OPTIMAL:
                    best1 = round(solver.objective_value)
            if best1 is None:  # the time limit stopped level 1
                return self.stopped("the time limit stopped the search for the neediest pairing")
        self.p_bound = best1
        m.rows.model.add(level1 >= best1)
        reaching = [f for f in self.found if _level1(p, m.edges, f[0]) >= best1]
        if reaching:
            m.hint(*self.best(reaching))
        return None

    def _linear_level1(self, obj1: dict[int, int]) -> int | None:
        """Level 1's optimum when the LP relaxation or (on models small enough) HiGHS
        proves it, else None; their bounds and feasible points are kept either way."""
        m, found = self.model, self.found
        best1, point, lp_bound = _lp_stage1(m.rows, obj1, self.left())
        if lp_bound is not None:
            self.p_bound = min(self.p_bound, lp_bound)
        if point is not None:
            found.append(m.at(point))
            m.hint(*m.at(point))
        if best1 is None and len(m.rows.vars) <= MIP_MAX_VARIABLES:
            # the LP could not certify level 1: HiGHS, then CP-SAT
            share = self.left()
            best1, point, mip_bound = _mip_stage1(
                m.rows, obj1, None if share is None else 0.75 * share
            )
            if mip_bound is not None:
                self.p_bound = min(self.p_bound, mip_bound)
            if point is not None:
                found.append(m.at(point))
                m.hint(*m.at(point))
                if best1 is not None:  # the same children, with a better fit
                    polished = polish(m.problem, m.edges, *m.at(point))
                    if polished is not None:
                        found.append(polished)
        return best1

    def level2(self) -> CoreResult:
        """Stage 2: levels 2 and 3 (level 3, fewer members, folded into level 2 under a
        weight), with CP-SAT's full linear relaxation."""
        m = self.model
        p, edges, n_e = m.problem, m.edges, m.edges.size
        most, weight = self.most, self.weight
        solver = make_solver(self.options, self.left(), strong_lp=True)
        model, x, var = m.rows.model, m.x, m.rows.vars
        over, penalty = overload_terms(model, p, p.volunteer[edges], x)
        terms = [var[j] for j, _ in m.level2] + over + x
        coefs = [weight * v for _, v in m.level2] + [weight * v for v in penalty] + [-1] * n_e
        model.maximize(cp_model.LinearExpr.weighted_sum(terms, coefs))
        status = watched_solve(
            solver,
            model,
            f"CP-SAT teams, {self.kids} children: best fit",
            lambda value: (value + most) / weight * p.score_scale,
        )
        if status in _BROKEN:
            return self.failed(status)
        if status in SOLVED:
            in_team, leading = m.read(solver)
            self.found.append((in_team, leading))
            bound = (integer_bound(solver.best_objective_bound) + most) // weight
            self.s_bound = min(self.s_bound, bound)
            if status == cp_model.OPTIMAL:
                pb = _level1(p, edges, in_team)
                return CoreResult(
                    edges[in_team], Status.OPTIMAL, pb, self.s_bound, (), 1, edges[leading],
                    stats=self.size,
                )  # fmt: skip
        return self.stopped("the time limit stopped the search for the best fit")


def _level2_magnitude(problem: Problem, edges: np.ndarray) -> float:
    """The most level 2 can reach on either side of 0 over ``edges``, estimated high:
    every pair's positive (or negative) score, category values and fairness penalty."""
    t = problem.teams
    assert t is not None
    score = problem.score[edges].astype(float)
    cat = t.category_value[edges].sum(axis=1, dtype=float) if t.category_value.size else 0.0
    pos = float((np.maximum(score, 0) + cat).sum())
    neg = float((np.maximum(-score, 0) + problem.overload_penalty).sum())
    return max(pos, neg)


def _level1(problem: Problem, edges: np.ndarray, members: np.ndarray) -> int:
    return int(problem.priority[unique(problem.child[edges[members]])].sum())


def _rank(problem: Problem, edges: np.ndarray, pick: tuple[np.ndarray, np.ndarray]) -> tuple:
    chosen = edges[pick[0]]
    return (_level1(problem, edges, pick[0]), level2_value(problem, chosen), -chosen.size)


def _report(problem: Problem, fit: int, bound: int) -> None:
    """Show the pairing's fit and its bound on the progress bar, if someone watches."""
    reporter = current()
    if reporter is not None:
        scale = problem.score_scale
        reporter.search(fit * scale, bound * scale, "teams: bounds")


#: Seconds per pair of the problem that assembling a result takes after the search (read
#: the pairs found, map them back through the presolve, count the levels).
ASSEMBLY_SECONDS_PER_EDGE = 2e-7


def _best_found(
    problem: Problem,
    edges: np.ndarray,
    found: list[tuple[np.ndarray, np.ndarray]],
    p_bound: int,
    s_bound: int,
    note: str,
    hard: bool,
    model_size: dict[str, int],
    end: float | None = None,
) -> CoreResult:
    """The best valid pairing met before a time limit, FEASIBLE, with the bounds proven.
    Until ``end`` (the time limit's end), the level-2 bound is tightened by Lagrangian
    relaxation with exact team subproblems (:mod:`pairmatch.solvers.teams.pricing`), given the
    level 1 found (the optimum's is at least that), and the pairing is improved window by
    window with the teams its prices chose (:mod:`pairmatch.solvers.teams.improve`), which keeps
    level 1 and raises level 2."""
    if not found:
        return replace(_team_failure(cp_model.UNKNOWN, hard, p_bound, s_bound), stats=model_size)
    members, leads = max(found, key=lambda f: _rank(problem, edges, f))
    value = _rank(problem, edges, (members, leads))
    # time is left for what follows, the result's assembly, which reads every pair (half a
    # second, and about 5 s for a 20k-child county's 25M pairs)
    if end is not None:
        end -= 0.5 + ASSEMBLY_SECONDS_PER_EDGE * problem.n_edges
    budget = 0.0 if end is None else end - time.perf_counter()
    if budget > 0.05 and s_bound > value[1]:
        improvable = not problem.has_fairness and not np.isin(problem.locked, edges).any()
        share = PRICING_SHARE if improvable else 1.0
        pricing = price_teams(problem, edges, value[0], value[1], share * budget)
        if pricing is not None:
            s_bound = min(s_bound, pricing.bound)
            _report(problem, value[1], s_bound)
            if improvable and s_bound > value[1]:
                assert end is not None
                better = windows.improve(problem, edges, members, leads, pricing, end)
                if better is not None and _rank(problem, edges, better) > value:
                    members, leads = better
                    value = _rank(problem, edges, better)
                    _report(problem, value[1], s_bound)
                # the windows may end early: the time left tightens the bound further, from
                # the prices reached (both bounds hold: the optimum reaches either floor)
                budget = end - time.perf_counter()
                if budget > 0.05 and s_bound > value[1]:
                    again = price_teams(problem, edges, value[0], value[1], budget, pricing)
                    if again is not None:
                        s_bound = min(s_bound, again.bound)
                        _report(problem, value[1], s_bound)
    # a bound below the value found would be wrong: keep both proofs consistent
    p_bound = max(p_bound, value[0])
    s_bound = max(s_bound, value[1]) if p_bound == value[0] else s_bound
    if (p_bound, s_bound) == value[:2]:
        # levels 1 and 2 are proven; level 3 (fewer members) is not, so not OPTIMAL
        note = "levels 1 and 2 are proven optimal by their bounds; fewer members is not proven"
    return CoreResult(
        edges[members], Status.FEASIBLE, p_bound, s_bound, (note,), 1, edges[leads],
        stats=model_size,
    )  # fmt: skip


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
