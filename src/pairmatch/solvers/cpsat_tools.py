"""What the CP-SAT models share (the plain one in :mod:`pairmatch.solvers.cpsat`, the team
model in :mod:`pairmatch.solvers.teams.model`): grouping edges, a solver set up from the
options, a watched solve, the fairness terms and reading an integer bound."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from pairmatch.errors import SolverError
from pairmatch.problem import Problem
from pairmatch.progress import current
from pairmatch.solvers.base import Options

__all__ = [
    "SOLVED", "group_positions", "integer_bound", "make_solver", "overload_terms",
    "watched_solve",
]  # fmt: skip

#: CP-SAT statuses that come with a solution.
SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)


def group_positions(keys: np.ndarray) -> list[np.ndarray]:
    """Positions of ``keys`` grouped by key value (keys ascending)."""
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(order, cuts) if keys.size else []


def overload_terms(
    model: cp_model.CpModel, problem: Problem, vol: np.ndarray, x: list
) -> tuple[list, list[int]]:
    """Fairness: for each volunteer who could pass her fair load, an integer "pairs beyond
    it" (at least members - fair load) and its negative penalty, for the level-2 objective."""
    if not problem.has_fairness:
        return [], []
    assert problem.fair_load is not None
    over, penalty = [], []
    for group in group_positions(vol):
        fair = int(problem.fair_load[vol[group[0]]])
        if group.size > fair:
            extra = model.new_int_var(0, int(group.size - fair), "")
            model.add(extra >= sum(x[i] for i in group) - fair)
            over.append(extra)
            penalty.append(-problem.overload_penalty)
    return over, penalty


def watched_solve(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    what: str,
    shown: Callable[[float], float] = float,
) -> Any:
    """``solver.solve(model)``, reporting each better pairing and bound to the progress
    bar when someone is watching (``shown`` turns model units into what a user reads).

    A model CP-SAT calls invalid is a :class:`SolverError`, never a status a caller could
    take for "stopped by the time limit" (the back ends' range checks keep pairmatch's
    models valid; this is the net under them)."""
    watching = current()
    if watching is None:
        return _valid(solver.solve(model), model)
    reporter = watching  # (named again, so that the closures below see a Reporter)
    last = [math.nan]

    def bound(value: float) -> None:
        reporter.search(last[0], shown(value), what)

    class Watch(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            last[0] = shown(self.objective_value)
            reporter.search(last[0], shown(self.best_objective_bound), what)

    solver.best_bound_callback = bound
    return _valid(solver.solve(model, Watch()), model)


def _valid(status: Any, model: cp_model.CpModel) -> Any:
    if status == cp_model.MODEL_INVALID:
        reason = model.validate().split(":")[0][:200]  # (the model text itself is not shown)
        raise SolverError(f"CP-SAT rejected pairmatch's model as invalid (a bug): {reason}")
    return status


def make_solver(
    options: Options, time_limit: float | None, *, strong_lp: bool = False
) -> cp_model.CpSolver:
    """A solver set up from the options. ``strong_lp`` adds CP-SAT's full linear
    relaxation with cuts (linearization level 2): team models, whose coverage and size
    rules make the default relaxation weak, prove optimal 10× faster or more with it."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    if strong_lp:
        params.linearization_level = 2
    params.random_seed = int(options.seed)
    params.num_workers = options.n_workers
    if options.n_workers > 1 and options.deterministic:
        params.interleave_search = True  # deterministic parallel search
    if time_limit is not None:
        params.max_time_in_seconds = float(time_limit)
    return solver


def integer_bound(bound: float) -> int:
    """CP-SAT reports integer objectives and bounds as floats (31 may come back as
    30.999999999999996): the proven integer bound is the float's floor, after that noise."""
    return math.floor(bound + 1e-6)
