"""Back ends behind one interface, and :func:`solve`, which picks one and runs it.

``solver="auto"`` takes the first back end in :data:`BACKENDS` that can solve the problem
exactly: exact min-cost flow when there are no side constraints, CP-SAT otherwise.
"""

from __future__ import annotations

import re
import time
from dataclasses import fields
from typing import Any

from pairmatch.errors import InputIssue, SolverUnavailableError, UnknownSolverError, ValidationError
from pairmatch.problem import Problem
from pairmatch.solvers.base import Backend, Options, Solution, Status
from pairmatch.solvers.cpsat import CpSatBackend
from pairmatch.solvers.flow.backend import FlowBackend
from pairmatch.solvers.run import run
from pairmatch.solvers.teams.presolve import reduce

__all__ = [
    "BACKENDS", "Backend", "Options", "Solution", "Status", "check_solver", "read_options",
    "select_backend", "solve",
]  # fmt: skip

#: Back ends in order of preference for ``solver="auto"``.
BACKENDS: dict[str, Backend] = {b.name: b for b in (FlowBackend(), CpSatBackend())}


def check_solver(solver: object) -> None:
    """Refuse a ``solver`` that is neither ``"auto"``, a name in :data:`BACKENDS` nor a
    :class:`Backend`, before any work is done."""
    if isinstance(solver, Backend) or (isinstance(solver, str) and solver in (*BACKENDS, "auto")):
        return
    # a name is shown only when it cannot be personal: one ASCII word (no name, id number)
    named = isinstance(solver, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,39}", solver)
    shown = f"unknown solver {solver!r}" if named else "unknown solver"
    message = f"{shown}; use 'auto' or one of {', '.join(BACKENDS)}"
    raise UnknownSolverError(
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
    start = time.perf_counter()
    reduced = reduce(problem)
    backend = select_backend(reduced.problem, options.solver)
    return run(problem, reduced, backend, options, start)
