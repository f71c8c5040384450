"""One back end run on a problem: the presolve, locked pairs fixed first, the back end (the
pruned flow where a time limit needs it), and its answer mapped back to the problem's edges.

:func:`pairmatch.solvers.solve` chooses the back end and calls :func:`run`; the team model
calls it with exact flow for its one-member start (without the back-end registry, which
would make the team model import itself through CP-SAT).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np

from pairmatch.arrays import unique
from pairmatch.problem import Problem
from pairmatch.solvers.base import Backend, CoreResult, Options, Solution, Status, level2_value
from pairmatch.solvers.flow.pruned import solve_pruned, worth_pruning
from pairmatch.solvers.teams.presolve import Reduced

__all__ = ["fix_locks", "run"]

log = logging.getLogger("pairmatch")

_SOLVED = (Status.OPTIMAL, Status.FEASIBLE)


def run(
    problem: Problem, reduced: Reduced, backend: Backend, options: Options, start: float
) -> Solution:
    """Solve ``problem`` with ``backend``, given its presolve ``reduced`` (the back end
    solves ``reduced.problem``); ``start`` is when the solve began (the presolve's time
    counts against the limit too)."""
    plain = reduced.problem
    fixed, rest, edge_map, reasons = fix_locks(plain)
    if reasons:
        return Solution(
            problem, np.empty(0, np.int64), Status.INFEASIBLE, 0, 0, backend.name, tuple(reasons)
        )
    time_limit = options.time_limit
    if time_limit is not None:  # the presolve's time counts against the limit too
        spent = time.perf_counter() - start
        options = replace(options, time_limit=max(0.05, time_limit - spent))
    core: CoreResult | None = None
    if backend.name == "flow" and worth_pruning(rest, options):  # very many pairs, or a limit
        core = solve_pruned(rest, options)
    if core is None:
        core = backend.solve(rest, options)
    solved = core.status in _SOLVED
    none = np.empty(0, np.int64)
    chosen = np.sort(np.concatenate((fixed, edge_map[core.chosen]))) if solved else none
    lead = None
    if plain.has_teams:
        lead = edge_map[core.lead] if solved and core.lead is not None else none
        lead = np.sort(reduced.edges[lead])
    elif problem.teams is not None:
        lead = reduced.edges[chosen]  # one member per child: each member leads
    chosen = reduced.edges[chosen]
    locked_p = int(plain.priority[plain.child[fixed]].sum())
    # locks are fixed only without teams; pairs they hold beyond a fair load are penalised
    locked_s = level2_value(plain, fixed)
    score_bound = -(-(core.score_bound + locked_s) // reduced.score_weight)  # ceil
    seconds = time.perf_counter() - start
    log.debug("solved %r with %s in %.3fs: %s", problem, backend.name, seconds, core.status.value)
    return Solution(
        problem=problem,
        chosen=chosen,
        status=core.status,
        priority_bound=core.priority_bound + locked_p,
        score_bound=score_bound,
        solver=backend.name,
        reasons=core.notes,
        components=core.components,
        timings={"solve": seconds},
        lead=lead,
        stats={"edges": problem.n_edges, "edges_after_presolve": plain.n_edges, **core.stats},
    )


def fix_locks(problem: Problem) -> tuple[np.ndarray, Problem, np.ndarray, list[str]]:
    """Split locked edges off: (locked edges, residual problem, residual → original edge
    index, reasons the locks cannot all hold)."""
    reasons: list[str] = []
    if problem.has_teams:  # locks are members of a team: the team model keeps them itself
        return np.empty(0, np.int64), problem, np.arange(problem.n_edges), reasons
    locked = unique(problem.locked)
    if locked.size == 0:
        return locked, problem, np.arange(problem.n_edges), reasons
    lc = problem.child[locked]
    twice = unique(lc[np.bincount(lc, minlength=problem.n_children)[lc] > 1])
    if twice.size:
        reasons.append(f"{twice.size} children have more than one locked pair")
    used = np.bincount(
        problem.volunteer[locked],
        weights=problem.load[locked].astype(float),
        minlength=problem.n_volunteers,
    ).astype(np.int64)
    over = np.flatnonzero(used > problem.capacity)
    if over.size:
        reasons.append(f"{over.size} volunteers have locked pairs beyond their capacity")
    if reasons:
        return locked, problem, np.arange(problem.n_edges), reasons
    locked_child = np.zeros(problem.n_children, bool)
    locked_child[lc] = True
    keep = np.flatnonzero(~locked_child[problem.child])
    fair = problem.fair_load
    if fair is not None:  # locked pairs use up fair load first
        fair = np.maximum(fair - np.bincount(problem.volunteer[locked], minlength=fair.size), 0)
    rest = Problem(
        n_children=problem.n_children,
        n_volunteers=problem.n_volunteers,
        child=problem.child[keep],
        volunteer=problem.volunteer[keep],
        score=problem.score[keep],
        load=problem.load[keep],
        capacity=problem.capacity - used,
        priority=problem.priority,
        must_pair=problem.must_pair & ~locked_child,
        score_scale=problem.score_scale,
        fair_load=fair,
        overload_penalty=problem.overload_penalty,
        groups=problem.groups,
    )
    return locked, rest, keep, reasons
