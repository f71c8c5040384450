"""What every back end shares: options, status, the solution object and the interface."""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from pairmatch.arguments import Vocabulary
from pairmatch.arrays import unique
from pairmatch.errors import InputIssue, ValidationError
from pairmatch.problem import Problem

__all__ = ["Backend", "CoreResult", "Options", "Solution", "Status"]


def level2_value(problem: Problem, chosen: np.ndarray) -> int:
    """Level 2 of the objective for a set of chosen edges, in integer score units."""
    total = int(problem.score[chosen].sum()) - problem.overload_penalty * problem.overload(chosen)
    teams = problem.teams
    if teams is None or chosen.size == 0:
        return total
    child = problem.child[chosen]
    k = teams.category_value.shape[1]
    best = np.zeros((problem.n_children, k), np.int64)
    np.maximum.at(best, child, teams.category_value[chosen])
    return total + int(best.sum())


class Status(Vocabulary):
    """How good a solution is known to be."""

    OPTIMAL = "OPTIMAL"
    """Proven optimal on both objective levels."""
    FEASIBLE = "FEASIBLE"
    """Obeys every rule, but optimality was not proven (a time limit stopped the search)."""
    INFEASIBLE = "INFEASIBLE"
    """No pairing obeys every hard rule (see the result's reasons)."""
    UNKNOWN = "UNKNOWN"
    """The search stopped before finding any pairing that obeys every hard rule."""


#: Most CP-SAT search workers (threads) one solve may ask for.
MAX_WORKERS = 256


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class Options:
    """How to search: the one set of solver options every entry point takes
    (:func:`pairmatch.match`, :func:`pairmatch.solve`, :class:`pairmatch.Matcher`,
    :func:`pairmatch.match_partitioned`), as ``options=`` or as keywords of the same names.

    Attributes
    ----------
    solver:
        ``"auto"`` (exact min-cost flow when the problem has no side constraints, else
        CP-SAT), a name in :data:`pairmatch.BACKENDS` (``"flow"``, ``"cpsat"``), or a
        :class:`~pairmatch.solvers.Backend`.
    time_limit:
        Seconds for the whole search (a positive, finite number), or ``None`` for no limit.
        When it runs out the result is ``FEASIBLE`` with a proven bound (see
        ``docs/guarantees.md``).
    workers:
        CP-SAT search workers, 1 to :data:`MAX_WORKERS` (default 1). One worker is
        deterministic and, on the small component models pairmatch builds, usually fastest.
    seed:
        Random seed for the search: a whole number that fits 32 bits.
    deterministic:
        With more than one worker, run CP-SAT's interleaved search, which gives the same
        pairs for the same input and seed (default). ``False`` lets the parallel portfolio
        race freely: often faster, but equally optimal pairings may differ between runs.

    Examples
    --------
    >>> import pairmatch as pm
    >>> options = pm.Options(time_limit=30, seed=7)
    >>> result = pm.match(*pm.synth.county(100, seed=1), options=options)
    >>> result.status.value
    'OPTIMAL'
    """

    solver: str | Backend = "auto"
    time_limit: float | None = None
    workers: int | None = None
    seed: int = 0
    deterministic: bool = True

    def __post_init__(self) -> None:
        issues = []

        def bad(name: str, message: str) -> None:
            issues.append(InputIssue("options", None, None, name, message))

        if not isinstance(self.solver, str | Backend):
            bad("solver", "must be 'auto', a back end's name or a Backend")

        limit = self.time_limit
        if limit is not None:
            seconds = float(limit) if _is_real(limit) else math.nan
            if not (math.isfinite(seconds) and seconds > 0):
                bad("time_limit", "must be a positive, finite number of seconds, or None for "
                    "no limit")  # fmt: skip
            else:
                object.__setattr__(self, "time_limit", seconds)
        workers = self.workers
        if workers is not None:
            if not (_is_whole(workers) and 1 <= workers <= MAX_WORKERS):
                bad("workers", f"must be a whole number from 1 to {MAX_WORKERS}, or None for 1")
            else:
                object.__setattr__(self, "workers", int(workers))
        if not (_is_whole(self.seed) and -(2**31) <= self.seed < 2**31):
            bad("seed", "must be a whole number from -2**31 to 2**31 - 1 (CP-SAT's seed)")
        else:
            object.__setattr__(self, "seed", int(self.seed))
        if not isinstance(self.deterministic, bool | np.bool_):
            bad("deterministic", "must be True or False")
        else:
            object.__setattr__(self, "deterministic", bool(self.deterministic))
        if issues:
            raise ValidationError(issues, what="solver options")

    @property
    def n_workers(self) -> int:
        return self.workers if self.workers is not None else 1


@dataclass(frozen=True)
class CoreResult:
    """What a back end returns for a lock-free problem; :func:`pairmatch.solve` wraps it."""

    chosen: np.ndarray
    status: Status
    priority_bound: int
    score_bound: int
    notes: tuple[str, ...] = ()
    components: int = 0
    lead: np.ndarray | None = None  # team problems: each paired child's lead edge
    stats: dict[str, int] = field(default_factory=dict)  # model sizes, summed over parts


class Backend(ABC):
    """One way of solving a :class:`~pairmatch.Problem`.

    Subclasses name themselves, say which problems they cannot solve and why, and solve
    lock-free problems (locked pairs are fixed before a back end is called).
    """

    name: ClassVar[str]

    def available(self) -> bool:
        """Whether the back end's library can be imported (checked lazily, never at import)."""
        return True

    @abstractmethod
    def unsupported(self, problem: Problem) -> str | None:
        """Why this back end cannot solve ``problem`` exactly, or ``None`` if it can."""

    @abstractmethod
    def solve(self, problem: Problem, options: Options) -> CoreResult:
        """Solve a problem with no locked edges."""


@dataclass(frozen=True, eq=False)
class Solution:
    """The result of :func:`pairmatch.solve`: chosen edges, status, objective and bound.

    Attributes
    ----------
    problem:
        The problem solved (never modified).
    chosen:
        Indices of the chosen edges, ascending.
    status:
        :class:`Status`.
    solver:
        Name of the back end that produced it.
    reasons:
        Why the problem is infeasible, or notes on a partial result.
    timings:
        Seconds per phase.
    """

    problem: Problem
    chosen: np.ndarray
    status: Status
    priority_bound: int
    score_bound: int
    solver: str
    reasons: tuple[str, ...] = ()
    components: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    lead: np.ndarray | None = None
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def leads(self) -> np.ndarray:
        """The lead edge of every paired child (all chosen edges when there are no teams)."""
        return self.chosen if self.lead is None else self.lead

    @property
    def n_paired(self) -> int:
        """Number of children paired."""
        return int(unique(self.problem.child[self.chosen]).size)

    @property
    def has_solution(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def priority_value(self) -> int:
        """Level 1: total priority of the paired children."""
        return int(self.problem.priority[unique(self.problem.child[self.chosen])].sum())

    @property
    def score_value(self) -> int:
        """Level 2 in integer score units (with teams: categories counted once per child)."""
        return level2_value(self.problem, self.chosen)

    @property
    def objective(self) -> float:
        """Level 2 (total value / fit) in the user's units; NaN without a solution."""
        if not self.has_solution:
            return float("nan")
        return self.score_value * self.problem.score_scale

    @property
    def bound(self) -> float:
        """Best proven upper bound on :attr:`objective` given the level-1 optimum."""
        if not self.has_solution:
            return float("nan")
        return self.score_bound * self.problem.score_scale

    @property
    def gap(self) -> float:
        """Relative gap ``(bound - objective) / max(1, |objective|)``; 0 when proven optimal.

        It is level 1's (the paired children's priority) while level 1 is not proven
        optimal, since level 2's bound holds only at level 1's bound; then level 2's."""
        if not self.has_solution:
            return float("nan")
        if self.priority_bound > self.priority_value:
            level1 = self.priority_value
            return (self.priority_bound - level1) / max(1.0, abs(float(level1)))
        return abs(self.score_bound - self.score_value) / max(1.0, abs(float(self.score_value)))

    @property
    def gaps(self) -> dict[str, float]:
        """The proven relative gap of each level: ``priority`` (level 1, the paired
        children's priority against its bound) and ``fit`` (level 2 against its bound, which
        holds for every pairing that pairs at least the priority found, so for the optimum
        too); 0 where proven optimal, NaN without a solution."""
        if not self.has_solution:
            return {"priority": float("nan"), "fit": float("nan")}
        level1 = self.priority_value
        fit = self.score_value
        return {
            "priority": max(0, self.priority_bound - level1) / max(1.0, abs(float(level1))),
            "fit": max(0, self.score_bound - fit) / max(1.0, abs(float(fit))),
        }

    @property
    def assignment(self) -> np.ndarray:
        """Volunteer (the lead, with teams) per child, ``-1`` where unpaired."""
        out = np.full(self.problem.n_children, -1, np.int64)
        out[self.problem.child[self.leads]] = self.problem.volunteer[self.leads]
        return out

    @property
    def pairs(self) -> pd.DataFrame:
        """Chosen pairs: child, volunteer, value, load."""
        p, e = self.problem, self.chosen
        return pd.DataFrame(
            {
                "child": p.child[e],
                "volunteer": p.volunteer[e],
                "value": p.score[e] * p.score_scale,
                "load": p.load[e],
            }
        )

    def __repr__(self) -> str:
        return (
            f"Solution(status={self.status.value}, solver={self.solver!r}, "
            f"paired={self.n_paired}/{self.problem.n_children}, objective={self.objective:g}, "
            f"bound={self.bound:g}, gap={self.gap:.3g})"
        )
