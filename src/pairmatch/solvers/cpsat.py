"""CP-SAT (OR-Tools) for every feature: loads that differ per pair, must-pair rows, and
whatever side constraints later issues add.

The problem is split into connected components of the edge graph. A component in which no
volunteer can be overloaded (the loads of all her candidate pairs fit her capacity) needs no
search: every child takes its own best pair. Every other component gets its own model with
one Boolean per edge, "at most one (or exactly one) pair per child" and "load within
capacity per volunteer", solved lexicographically: first maximise the priority of the
paired children; then, with that optimum fixed as a constraint and the first solution as a
hint, maximise the score.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import numpy as np
from ortools.sat.python import cp_model

from pairmatch.arrays import group_max, unique
from pairmatch.errors import SolverError
from pairmatch.exact import CPSAT_LIMIT, EXACT, over
from pairmatch.problem import Problem
from pairmatch.solvers.base import Backend, CoreResult, Options, Status
from pairmatch.solvers.cpsat_tools import (
    SOLVED,
    group_positions,
    integer_bound,
    make_solver,
    overload_terms,
    watched_solve,
)

__all__ = ["CpSatBackend"]


class _Component:
    """One connected component: its edges, solved by search or by the shortcut."""

    def __init__(self, problem: Problem, edges: np.ndarray) -> None:
        self.p = problem
        self.edges = edges

    def conflict_free(self) -> bool:
        p, e = self.p, self.edges
        vol, inv = np.unique(p.volunteer[e], return_inverse=True)
        total = np.bincount(inv, weights=p.load[e].astype(float))
        if p.has_fairness:  # a volunteer who could pass her fair load is a conflict too
            assert p.fair_load is not None
            if np.any(np.bincount(inv) > p.fair_load[vol]):
                return False
        return bool(np.all(total <= p.capacity[vol]))

    def best_each(self) -> np.ndarray:
        """Each child's own best edge (pairs only where that helps, or is required)."""
        p, e = self.p, self.edges
        # sort by child, then best score first, then lowest edge index
        order = np.lexsort((e, -p.score[e], p.child[e]))
        ranked = e[order]
        first = np.ones(ranked.size, bool)
        first[1:] = p.child[ranked[1:]] != p.child[ranked[:-1]]
        best = ranked[first]
        c = p.child[best]
        wanted = p.must_pair[c] | (p.priority[c] > 0) | (p.score[best] > 0)
        return best[wanted]


class CpSatBackend(Backend):
    """OR-Tools CP-SAT, one model per connected component, built from arrays."""

    name = "cpsat"

    def unsupported(self, problem: Problem) -> str | None:
        reason = _RANGES.get(problem)
        if reason is None:
            reason = _RANGES[problem] = _out_of_range(problem) or ""
        return reason or None

    def solve(self, problem: Problem, options: Options) -> CoreResult:
        if problem.has_teams:
            from pairmatch.solvers.teams.model import team_model
            from pairmatch.solvers.teams.start import greedy_start

            began = time.perf_counter()
            # the start has a share of the limit (a pruned flow answers within it)
            share = None if options.time_limit is None else START_SHARE * options.time_limit
            start = greedy_start(problem, share)
            if options.time_limit is not None:  # the start's time counts against the limit
                spent = time.perf_counter() - began
                options = replace(options, time_limit=max(0.05, options.time_limit - spent))
            return _solve_components(problem, options, partial(team_model, start=start))
        return _solve_components(problem, options, _plain_component)


#: Share of a time limit the team search's start (a one-member flow) may take.
START_SHARE = 0.25

_RANGES: weakref.WeakKeyDictionary[Problem, str] = weakref.WeakKeyDictionary()


def _out_of_range(problem: Problem) -> str | None:
    """Why some component's model would hold a linear expression CP-SAT refuses, or (with
    teams) an objective whose bound CP-SAT could not report exactly; None when none would.

    Per component, the objectives are: level 1, each pair weighted by its child's
    priority; level 2, each pair's score, a team's category values and minus the fairness
    penalty for each pair beyond a fair load (the team model multiplies level 2 by the
    most members a pairing of the group can have + 1, to fold level 3 in). The positive and
    the negative terms of each must add up to at most :data:`CPSAT_LIMIT`. The team model
    reads its level-2 bound from CP-SAT's float, so there the reachable level 2 times that
    weight must stay within :data:`EXACT` as well (without teams the reachable totals are
    the problem's own, which it keeps within :data:`EXACT`)."""
    p = problem
    if p.n_edges == 0:
        return None
    count, child_label, _ = p.components()
    comp = child_label[p.child]
    teams = p.teams if p.has_teams else None
    weight = np.ones(count, np.int64)
    if teams is not None:  # the team model's: above the most members a pairing can have
        most = np.minimum(np.bincount(p.child, minlength=p.n_children), teams.size_max)
        weight += np.bincount(child_label, weights=most, minlength=count).astype(np.int64)
    pos = np.maximum(p.score, 0)
    neg = np.maximum(-p.score, 0) + p.overload_penalty
    if teams is not None and teams.category_value.size:
        cat = np.asarray(teams.category_value, np.int64)
        if float(cat.sum(axis=1, dtype=float).max()) > CPSAT_LIMIT:
            return _TOO_MUCH_SCORE.format(limit="2**61", what=_TEAM_SCORES)
        pos = pos + cat.sum(axis=1)
    kids = unique(p.child)
    if over(p.priority[kids], CPSAT_OBJECTIVE_LIMIT, child_label[kids], count).any():
        return (
            "in one connected group of pairs, the priorities of the children add up to "
            "more than 2**52, where CP-SAT's objective (a 64-bit float) no longer tells "
            "totals one unit apart: divide every priority by a common factor, or use "
            "solver='flow'"
        )
    if over(p.priority[p.child], CPSAT_LIMIT, comp, count).any():
        return (
            "in one connected group of pairs, the priorities of their children (counted "
            "once per pair) add up to more than 2**61, beyond what a CP-SAT linear "
            "expression holds: divide every priority by a common factor"
        )
    for side in (pos, neg):
        if over(side, CPSAT_LIMIT // weight, comp, count).any():
            what = "scores" if teams is None else _TEAM_SCORES
            return _TOO_MUCH_SCORE.format(limit="2**61", what=what)
    if teams is not None:  # what level 2 can reach, per child as the problem counts it
        n = p.n_children
        k = np.minimum(np.bincount(p.child, minlength=n), teams.size_max)
        hi, lo = np.zeros(n, np.int64), np.zeros(n, np.int64)
        np.maximum.at(hi, p.child, pos)
        np.maximum.at(lo, p.child, neg)
        kids = np.flatnonzero(k)
        for side in (hi, lo):
            if (
                float((k.astype(float) * side).max()) > EXACT
                or over((k * side)[kids], EXACT // weight, child_label[kids], count).any()
            ):
                return _TOO_MUCH_SCORE.format(limit="2**53", what=_TEAM_SCORES)
    else:  # level 2 as CP-SAT reports it, a float: one pair per child, on each side of 0
        for side in (pos, neg):
            reach = group_max(side, p.child, p.n_children)[kids]
            if over(reach, CPSAT_OBJECTIVE_LIMIT, child_label[kids], count).any():
                return _TOO_MUCH_SCORE.format(limit="2**52", what="scores (one pair per child)")
    return None


#: Level 1 and level 2 per group stay at most this: CP-SAT's objective and bound are
#: 64-bit floats, and near 2**53 they lose the last unit (a group of three children whose
#: priorities add up to 1.5 x 2**52 was called INFEASIBLE by CP-SAT while flow paired it;
#: a score of 2**53 - 9 came back with a bound one off).
CPSAT_OBJECTIVE_LIMIT = 2**52

_TOO_MUCH_SCORE = (
    "in one connected group of pairs, the {what} add up to more than {limit}, beyond what "
    "CP-SAT holds exactly: coarsen the resolution (score_scale) or scale the values down"
)
_TEAM_SCORES = (
    "scores and category values, times the most members its teams can have + 1 (the team "
    "model's weight)"
)


def _plain_model(problem: Problem, edges: np.ndarray) -> tuple[cp_model.CpModel, list]:
    """The model of one component without teams: a Boolean per edge (``x``), at most (or
    exactly) one pair per child, loads within capacity where they could pass it."""
    p = problem
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(edges.size)]
    child = p.child[edges]
    for group in group_positions(child):
        lits = [x[i] for i in group]
        if p.must_pair[child[group[0]]]:
            model.add_exactly_one(lits)
        else:
            model.add_at_most_one(lits)
    vol = p.volunteer[edges]
    load = p.load[edges]
    for group in group_positions(vol):
        if load[group].sum() > p.capacity[vol[group[0]]]:
            model.add(
                cp_model.LinearExpr.weighted_sum([x[i] for i in group], load[group].tolist())
                <= int(p.capacity[vol[group[0]]])
            )
    return model, x


def _search(
    problem: Problem, edges: np.ndarray, options: Options, time_limit: float | None
) -> tuple[np.ndarray, Status, int, int, str | None]:
    """Search one component; under a time limit, keep the best valid pairing found."""
    p = problem
    model, x = _plain_model(p, edges)
    child, vol = p.child[edges], p.volunteer[edges]
    prio = p.priority[child]
    score = p.score[edges]
    # bounds that hold whatever the search finds: every child paired, each on its best edge
    kids = unique(child)
    p_any = int(p.priority[kids].sum())
    best = np.zeros(p.n_children, np.int64)
    np.maximum.at(best, child, score)
    s_any = int(best[kids].sum())
    must = bool(p.must_pair[kids].any())
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    greedy = _greedy(p, edges)
    for var, val in zip(x, greedy.tolist(), strict=True):
        model.add_hint(var, val)  # a valid start, so a time limit always has an answer
    fallback = edges[greedy]
    if must and not np.all(np.isin(kids[p.must_pair[kids]], child[greedy])):
        fallback = None  # the greedy start strands a child who must be paired
    level1 = cp_model.LinearExpr.weighted_sum(x, prio.tolist())
    found = np.empty(0, np.int64)
    level1_done = False
    if bool(np.any(prio[~p.must_pair[child]] > 0)):
        model.maximize(level1)
        solver = make_solver(options, time_limit)
        status = watched_solve(
            solver, model, f"CP-SAT, {kids.size} children: neediest first (priority)"
        )
        if status == cp_model.INFEASIBLE or (status not in SOLVED and fallback is None):
            return _no_solution(status)
        if status not in SOLVED:  # the greedy start obeys every rule
            note = f"the time limit stopped the search on a group of {kids.size} children"
            return fallback, Status.FEASIBLE, p_any, s_any, note
        values = np.asarray(list(solver.response_proto.solution), bool)[: edges.size]
        found = edges[values]
        if status != cp_model.OPTIMAL:
            return (
                found,
                Status.FEASIBLE,
                integer_bound(solver.best_objective_bound),
                s_any,
                None,
            )
        best1 = round(solver.objective_value)
        model.add(level1 >= best1)
        model.clear_hints()
        for var, val in zip(x, values.tolist(), strict=True):
            model.add_hint(var, val)
        p_any = best1
        level1_done = True
    over, penalty = overload_terms(model, p, vol, x)
    model.maximize(cp_model.LinearExpr.weighted_sum([*x, *over], [*score.tolist(), *penalty]))
    left = None if deadline is None else max(0.01, deadline - time.perf_counter())
    solver = make_solver(options, left)
    status = watched_solve(
        solver, model, f"CP-SAT, {kids.size} children: best fit", lambda v: v * p.score_scale
    )
    if status == cp_model.INFEASIBLE:
        return _no_solution(status)
    if status not in SOLVED:  # keep the level-1 optimum found above, else the greedy start
        keep = found if level1_done else fallback
        if keep is None:
            return _no_solution(status)
        return keep, Status.FEASIBLE, p_any, s_any, None
    values = np.asarray(list(solver.response_proto.solution), bool)[: edges.size]
    picked = edges[values]
    pb = int(p.priority[p.child[picked]].sum())
    sb = integer_bound(solver.best_objective_bound)
    final = Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE
    return picked, final, pb, sb, None


def _greedy(problem: Problem, edges: np.ndarray) -> np.ndarray:
    """A valid pairing of one component (as a mask over ``edges``): children by priority,
    then pairs by score, each taken while the child is free and the volunteer has room.
    Must-pair children go first, but may stay unpaired if the greedy order strands them."""
    p = problem
    child, vol = p.child[edges], p.volunteer[edges]
    order = np.lexsort((-p.score[edges], -p.priority[child], ~p.must_pair[child]))
    room = {int(v): int(p.capacity[v]) for v in unique(vol)}
    taken: set[int] = set()
    mask = np.zeros(edges.size, bool)
    load = p.load[edges]
    for i in order.tolist():
        c, v = int(child[i]), int(vol[i])
        if c not in taken and room[v] >= load[i]:
            taken.add(c)
            room[v] -= int(load[i])
            mask[i] = True
    return mask


def _no_solution(status: object) -> tuple[np.ndarray, Status, int, int, str]:
    if status == cp_model.MODEL_INVALID:
        raise SolverError("CP-SAT rejected pairmatch's model as invalid (a bug)")
    return _no_solution_found(status)


def _no_solution_found(status: object) -> tuple[np.ndarray, Status, int, int, str]:
    if status == cp_model.INFEASIBLE:
        note = "no pairing of this group of children obeys the capacities and must-pair rules"
        return np.empty(0, np.int64), Status.INFEASIBLE, 0, 0, note
    return np.empty(0, np.int64), Status.UNKNOWN, 0, 0, "the search stopped before a solution"


def _combine(statuses: list[Status]) -> Status:
    for worst in (Status.INFEASIBLE, Status.UNKNOWN, Status.FEASIBLE):
        if worst in statuses:
            return worst
    return Status.OPTIMAL


# ---------------------------------------------------------------------------------- teams


def _solve_components(
    problem: Problem,
    options: Options,
    solve_one: Callable[[Problem, np.ndarray, Options, float | None], CoreResult],
) -> CoreResult:
    """Solve every connected component with ``solve_one``, sharing the time limit among
    them in proportion to their size, and combine the answers."""
    start = time.perf_counter()
    count, child_label, _ = problem.components()
    members: list[np.ndarray] = []
    leads: list[np.ndarray] = []
    statuses: list[Status] = []
    notes: list[str] = []
    p_bound = s_bound = 0
    stats: dict[str, int] = {}
    # children with no edge at all stay unpaired, which breaks a must-pair requirement
    must = np.flatnonzero(problem.must_pair)
    stranded = must[~np.isin(must, problem.child)]
    if stranded.size:
        notes.append(f"{stranded.size} children must be paired but have no allowed pair")
        statuses.append(Status.INFEASIBLE)
    groups = group_positions(child_label[problem.child])
    left = sum(g.size for g in groups)
    for edges in groups:
        budget = None
        if options.time_limit is not None:
            remaining = options.time_limit - (time.perf_counter() - start)
            budget = max(0.05, remaining * edges.size / max(left, 1))
        left -= edges.size
        outcome = solve_one(problem, edges, options, budget)
        statuses.append(outcome.status)
        p_bound += outcome.priority_bound
        s_bound += outcome.score_bound
        notes += outcome.notes
        for key, value in outcome.stats.items():
            stats[key] = stats.get(key, 0) + value
        members.append(outcome.chosen)
        leads.append(outcome.chosen if outcome.lead is None else outcome.lead)
    status = _combine(statuses)
    notes = _counted(notes)
    none = np.empty(0, np.int64)
    if status in (Status.INFEASIBLE, Status.UNKNOWN):
        return CoreResult(none, status, p_bound, s_bound, tuple(notes), count, none, stats)
    chosen = np.sort(np.concatenate(members)) if members else none
    lead = np.sort(np.concatenate(leads)) if leads else none
    return CoreResult(chosen, status, p_bound, s_bound, tuple(notes), count, lead, stats)


def _counted(notes: list[str]) -> list[str]:
    """Each note once, in first-seen order, with how many components gave it.

    >>> _counted(["a", "b", "a"])
    ['a (in 2 parts of the problem)', 'b']
    """
    counts: dict[str, int] = {}
    for note in notes:
        counts[note] = counts.get(note, 0) + 1
    return [n if k == 1 else f"{n} (in {k} parts of the problem)" for n, k in counts.items()]


def _plain_component(
    problem: Problem, edges: np.ndarray, options: Options, time_limit: float | None
) -> CoreResult:
    """One component without teams: the shortcut when no volunteer can be overloaded,
    else the two-stage search."""
    comp = _Component(problem, edges)
    if comp.conflict_free():
        best = comp.best_each()
        p = int(problem.priority[problem.child[best]].sum())
        return CoreResult(best, Status.OPTIMAL, p, int(problem.score[best].sum()))
    picked, status, pb, sb, note = _search(problem, edges, options, time_limit)
    return CoreResult(picked, status, pb, sb, (note,) if note else ())
