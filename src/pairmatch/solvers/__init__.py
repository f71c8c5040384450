"""Back ends behind one interface, and :func:`solve`, which picks one and runs it.

``solver="auto"`` takes the first back end in :data:`BACKENDS` that can solve the problem
exactly: exact min-cost flow when there are no side constraints, CP-SAT otherwise.
"""

from __future__ import annotations

import logging
import time
from dataclasses import fields, replace
from typing import Any

import numpy as np

from pairmatch.arrays import unique
from pairmatch.errors import InputIssue, SolverUnavailableError, ValidationError
from pairmatch.problem import Problem
from pairmatch.solvers.base import (
    Backend,
    CoreResult,
    Options,
    Solution,
    Status,
    level2_value,
)
from pairmatch.solvers.cpsat import CpSatBackend
from pairmatch.solvers.flow.backend import FlowBackend
from pairmatch.solvers.flow.pruned import solve_pruned, worth_pruning
from pairmatch.solvers.teams.presolve import reduce

__all__ = [
    "BACKENDS", "Backend", "Options", "Solution", "Status", "check_solver", "read_options",
    "select_backend", "solve",
]  # fmt: skip

log = logging.getLogger("pairmatch")

#: Back ends in order of preference for ``solver="auto"``.
BACKENDS: dict[str, Backend] = {b.name: b for b in (FlowBackend(), CpSatBackend())}


class _UnknownSolverError(ValidationError, SolverUnavailableError):
    """A solver name that names no back end: bad input (a :class:`ValidationError` naming
    the option), and the :class:`SolverUnavailableError` it has always been."""


def check_solver(solver: object) -> None:
    """Refuse a ``solver`` that is neither ``"auto"``, a name in :data:`BACKENDS` nor a
    :class:`Backend`, before any work is done."""
    if isinstance(solver, Backend) or (isinstance(solver, str) and solver in (*BACKENDS, "auto")):
        return
    named = isinstance(solver, str) and len(solver) <= 40 and solver.isprintable()
    shown = f"unknown solver {solver!r}" if named else "unknown solver"
    message = f"{shown}; use 'auto' or one of {', '.join(BACKENDS)}"
    raise _UnknownSolverError(
        [InputIssue("options", None, None, "solver", message)], what="solver options"
    )


def select_backend(problem: Problem, solver: str | Backend = "auto") -> Backend:
    """The back end ``solver`` names, checked against the problem; ``"auto"`` chooses."""
    check_solver(solver)
    if isinstance(solver, Backend):
        backend = solver
    elif solver == "auto":
        reasons = []
        for backend in BACKENDS.values():
            if not backend.available():
                reasons.append(f"{backend.name}: not installed")
                continue
            reason = backend.unsupported(problem)
            if reason is None:
                return backend
            reasons.append(f"{backend.name}: {reason}")
        raise SolverUnavailableError(
            "no available back end can solve this problem exactly (" + "; ".join(reasons) + ")"
        )
    else:
        backend = BACKENDS[solver]
    if not backend.available():
        raise SolverUnavailableError(f"solver {backend.name!r} is not installed")
    reason = backend.unsupported(problem)
    if reason:
        others = [
            name for name, b in BACKENDS.items()
            if b is not backend and b.available() and b.unsupported(problem) is None
        ]  # fmt: skip
        advice = f"; use solver='auto' or {others[0]!r}" if others else ""
        raise SolverUnavailableError(
            f"solver {backend.name!r} cannot solve this problem exactly: {reason}{advice}"
        )
    return backend


#: Each option's default: a keyword left at it does not clash with ``options=``.
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Options)}


def read_options(options: Options | None = None, **keywords: Any) -> Options:
    """The one :class:`Options` of a call, from ``options=`` or from the keywords of the same
    names (a keyword left at its default does not clash with ``options``); the solver's
    name is checked too, so bad options are refused before any work."""
    if options is None:
        result = Options(**keywords)
    elif not isinstance(options, Options):
        raise ValidationError(
            [InputIssue("options", None, None, "options", "must be a pm.Options, or None")],
            what="solver options",
        )
    else:
        clash = [k for k, v in keywords.items() if not _is_default(v, _DEFAULTS[k])]
        if clash:
            message = "given both in options= and as a keyword; give it in one place"
            raise ValidationError(
                [InputIssue("options", None, None, k, message) for k in clash],
                what="solver options",
            )
        result = options
    check_solver(result.solver)
    return result


def _is_default(value: Any, default: Any) -> bool:
    return value is default or (type(value) is type(default) and value == default)


def solve(
    problem: Problem,
    solver: str | Backend = "auto",
    *,
    options: Options | None = None,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int = 0,
    deterministic: bool = True,
) -> Solution:
    """Solve a :class:`~pairmatch.Problem`; never modifies it.

    Locked edges are fixed first (their children leave the problem and their volunteers'
    capacities shrink); the rest goes to the back end. With teams, locked edges are members
    the team model must keep. Conflicting locks make the result ``INFEASIBLE`` with reasons,
    not an exception. How to search is ``options`` (a :class:`Options`) or the keywords of
    the same names.

    Examples
    --------
    >>> import numpy as np, pairmatch as pm
    >>> value = np.array([[3.0, 1.0], [2.0, np.nan], [1.0, 1.0]])
    >>> result = pm.solve(pm.Problem.from_matrices(value, capacity=[2, 1]))
    >>> result.status.value, result.objective
    ('OPTIMAL', 6.0)
    """
    if not isinstance(problem, Problem):
        raise ValidationError([InputIssue("problem", None, None, None, (
            "must be a pm.Problem (build one with pm.Problem.from_matrices)"
        ))], what="problem")  # fmt: skip
    options = read_options(
        options, solver=solver, time_limit=time_limit, workers=workers, seed=seed,
        deterministic=deterministic,
    )  # fmt: skip
    time_limit = options.time_limit
    start = time.perf_counter()
    reduced = reduce(problem)
    plain = reduced.problem
    backend = select_backend(plain, options.solver)
    fixed, rest, edge_map, reasons = _fix_locks(plain)
    if reasons:
        return Solution(
            problem, np.empty(0, np.int64), Status.INFEASIBLE, 0, 0, backend.name, tuple(reasons)
        )
    if time_limit is not None:  # the presolve's time counts against the limit too
        spent = time.perf_counter() - start
        options = replace(options, time_limit=max(0.05, time_limit - spent))
    core: CoreResult | None = None
    if backend.name == "flow" and worth_pruning(rest, options):  # would overrun the limit
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


_SOLVED = (Status.OPTIMAL, Status.FEASIBLE)


def _fix_locks(problem: Problem) -> tuple[np.ndarray, Problem, np.ndarray, list[str]]:
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
