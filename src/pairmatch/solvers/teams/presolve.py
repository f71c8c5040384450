"""Make a team problem smaller before any search, keeping every optimal solution.

Each rule removes only what no valid solution can contain, so the optimum is unchanged:

* a child whose team has at most one member can only be paired by a volunteer who covers
  every one of their required categories alone: their other pairs go;
* a child for whom no team of allowed size drawn from their pairs covers every required
  category can never be paired: all their pairs go (locked pairs stay, so a lock that
  cannot hold still makes the problem infeasible, with a reason);
* what is left, when every team has one member and coverage is already guaranteed, is an
  ordinary pairing problem: the category values fold into the pair scores, a lead cap into
  the capacities, and exact min-cost flow can solve it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from pairmatch.arrays import unique
from pairmatch.errors import InputIssue, ValidationError
from pairmatch.exact import EXACT
from pairmatch.problem import Problem

__all__ = ["Reduced", "min_cover_size", "reduce"]


@dataclass(frozen=True, eq=False)
class Reduced:
    """A smaller problem and, for each of its edges, the edge of the original problem.

    ``score_weight`` is 1 unless a fold carried level 3 (fewer members) into the scores:
    then the reduced problem's level 2 is ``score_weight`` times the original one, less one
    per paired child of priority 0, and a bound maps back by ``ceil(bound / score_weight)``.
    """

    problem: Problem
    edges: np.ndarray
    score_weight: int = 1


def min_cover_size(required: np.ndarray, masks: np.ndarray) -> int | None:
    """Fewest members whose cover flags (rows of ``masks``) together include every flag in
    ``required``; None when even all of them do not."""
    need = int(np.dot(required.astype(np.int64), 1 << np.arange(required.size)))
    if need == 0:
        return 0
    found = np.unique(masks.astype(np.int64) @ (1 << np.arange(required.size)) & need)
    codes = [int(x) for x in found if x]
    for size in range(1, required.size + 1):  # one member per category is always enough
        for pick in combinations(codes, size):
            union = 0
            for code in pick:
                union |= code
            if union == need:
                return size
    return None


def reduce(problem: Problem) -> Reduced:
    """Apply the rules in the module text; a problem without teams is returned as it is.
    (With teams, remembered per problem while it lives: problems are immutable. Without,
    nothing is: the result would hold the problem and keep it alive.)"""
    if problem.teams is None:
        return Reduced(problem, np.arange(problem.n_edges))
    done = _REDUCED.get(problem)
    if done is None:
        done = _REDUCED[problem] = _reduce(problem)
    return done


_REDUCED: weakref.WeakKeyDictionary[Problem, Reduced] = weakref.WeakKeyDictionary()


def _reduce(problem: Problem) -> Reduced:
    t = problem.teams
    assert t is not None
    child = problem.child
    keep = np.ones(problem.n_edges, bool)
    required = t.cover_required
    if required.any():
        misses = (required[child] & ~t.covers).any(axis=1)
        keep &= ~((t.size_max[child] == 1) & misses)
        # children who need a team of several: is some team of allowed size enough?
        order = np.argsort(child, kind="stable")
        start = np.searchsorted(child[order], np.arange(problem.n_children + 1))
        for c in np.flatnonzero(required.any(axis=1) & (t.size_max > 1)).tolist():
            own = order[start[c] : start[c + 1]]
            own = own[keep[own]]
            size = min_cover_size(required[c], t.covers[own])
            if size is None or size > t.size_max[c]:
                keep[own] = False
    keep[problem.locked] = True
    edges = np.flatnonzero(keep)
    # with one member, every kept pair covers the child's needs (a locked one may not: then
    # the requirement stays, and the team model reports the lock as impossible)
    uncovered = np.zeros(problem.n_children, bool)
    if required.any():
        uncovered[child[edges][misses[edges]]] = True
    still = required & ((t.size_max > 1) | uncovered)[:, None]
    reduced = problem.restrict(edges)
    assert reduced.teams is not None
    reduced = replace(reduced, teams=replace(reduced.teams, cover_required=still))
    folded, weight = _fold_if_plain(reduced)
    return Reduced(folded, edges, weight)


def _fold_if_plain(problem: Problem) -> tuple[Problem, int]:
    """One member per child and nothing to cover: fold category values into scores (the
    best of one member is hers) and a lead cap into capacities, when loads allow it.

    Level 3 (fewer members) can only matter where pairing a child adds nothing to level 1,
    i.e. for children of priority 0: with ``z`` of them, scores are multiplied by ``z + 1``
    and each of their pairs costs 1, which orders ties without touching levels 1 and 2.
    Returns the problem and that weight (1 when nothing was scaled)."""
    t = problem.teams
    if t is None or np.any(t.size_max > 1) or np.any(t.cover_required):
        return problem, 1
    capacity = problem.capacity
    if t.max_leads is not None:
        if not problem.uniform_load:
            return problem, 1  # a lead cap and a load cap differ: keep the team model
        per_load = np.ones(problem.n_volunteers, np.int64)
        per_load[problem.volunteer] = problem.load
        capacity = np.minimum(capacity, t.max_leads * per_load)
    score = problem.score + t.category_value.sum(axis=1)
    free = problem.priority[problem.child] == 0
    zero = unique(problem.child[free]).size
    weight = zero + 1
    top = max(float(np.abs(score).max(initial=0)), float(problem.overload_penalty))
    if weight * top > EXACT:  # checked before multiplying: int64 would wrap silently
        raise _fold_error(weight)
    if zero:
        score = weight * score - free
    try:
        folded = replace(
            problem,
            score=score,
            capacity=capacity,
            overload_penalty=weight * problem.overload_penalty,
            teams=None,
        )
    except ValidationError:  # the weighted totals leave 2**53
        raise _fold_error(weight) from None
    return folded, weight


def _fold_error(weight: int) -> ValidationError:
    return ValidationError([InputIssue("problem", None, None, "score", (
        f"teams of one fold 'fewer volunteers' into the fit by multiplying every score by "
        f"{weight} (the children of priority 0, plus 1), which takes the scores beyond "
        "2**53: coarsen the resolution (Policy.score_resolution) or lower the fit weights"
    ))], what="problem")  # fmt: skip
