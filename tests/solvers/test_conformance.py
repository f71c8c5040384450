"""Every back end in ``pm.BACKENDS`` solves the same small problems with hand-checked optima
(cvxpy-style)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import pairmatch as pm

N = np.nan

#: Every back end pairmatch has: a new one joins these tests by being registered.
SOLVERS = sorted(pm.BACKENDS)


@dataclass(frozen=True)
class Case:
    name: str
    value: np.ndarray
    capacity: object = None
    must_pair: bool = False
    priority: object = None
    status: pm.Status = pm.Status.OPTIMAL
    objective: float | None = None
    paired: int | None = None


CASES = [
    Case("empty", np.empty((0, 0)), objective=0.0, paired=0),
    Case("no volunteers", np.empty((3, 0)), objective=0.0, paired=0),
    Case("one pair", np.array([[4.0]]), objective=4.0, paired=1),
    Case("greedy is wrong", np.array([[10, 9], [9, N]]), objective=18.0, paired=2),
    Case(
        "capacity two", np.array([[3, 1], [2, N], [1, 1]]), capacity=[2, 1], objective=6.0, paired=3
    ),
    Case("negative values stay unpaired", np.array([[-1.0, -2.0]]), objective=0.0, paired=0),
    Case(
        "must pair takes a loss", np.array([[-1.0, -2.0]]), must_pair=True, objective=-1.0, paired=1
    ),
    Case(
        "must pair infeasible",
        np.array([[1, N], [1, N]]),
        must_pair=True,
        status=pm.Status.INFEASIBLE,
    ),
    Case(
        "no allowed pair but must", np.array([[N, N]]), must_pair=True, status=pm.Status.INFEASIBLE
    ),
    # priority 1 each: pairing two children beats one better pair (level 1 first)
    Case(
        "priority before value", np.array([[100, 1], [1, N]]), priority=1, objective=2.0, paired=2
    ),
    # priority 5 vs 1: the needier child gets the only volunteer despite less value
    Case("neediest first", np.array([[1.0], [50.0]]), priority=[5, 1], objective=1.0, paired=1),
    Case("fractional values", np.array([[0.25, 0.5], [0.5, 0.125]]), objective=1.0, paired=2),
    Case("zero capacity", np.array([[5.0, 1.0]]), capacity=[0, 1], objective=1.0, paired=1),
]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_known_optimum(case: Case, solver: str) -> None:
    problem = pm.Problem.from_matrices(
        case.value, capacity=case.capacity, must_pair=case.must_pair, priority=case.priority
    )
    result = pm.solve(problem, solver=solver)
    assert result.status is case.status
    assert pm.verify(result).ok
    if case.status is pm.Status.INFEASIBLE:
        assert result.reasons, "an infeasible result must say why"
        assert result.n_paired == 0
        return
    assert result.objective == pytest.approx(case.objective)
    assert result.bound == pytest.approx(case.objective)
    assert result.gap == 0
    assert result.n_paired == case.paired


@pytest.mark.parametrize("solver", SOLVERS)
def test_locked_edges_are_kept(solver: str) -> None:
    value = np.array([[10.0, 1.0], [9.0, 8.0]])
    base = pm.Problem.from_matrices(value)
    locked = pm.Problem(
        n_children=2,
        n_volunteers=2,
        child=base.child,
        volunteer=base.volunteer,
        score=base.score,
        locked=[1],  # child 0 with volunteer 1
    )
    result = pm.solve(locked, solver=solver)
    assert result.assignment.tolist() == [1, 0]
    assert result.objective == 10.0
    assert pm.verify(result).ok


@pytest.mark.parametrize("solver", SOLVERS)
def test_conflicting_locks_are_infeasible_with_reasons(solver: str) -> None:
    base = pm.Problem.from_matrices(np.array([[1.0], [1.0]]))
    problem = pm.Problem(
        n_children=2,
        n_volunteers=1,
        child=base.child,
        volunteer=base.volunteer,
        score=base.score,
        locked=[0, 1],
    )
    result = pm.solve(problem, solver=solver)
    assert result.status is pm.Status.INFEASIBLE
    assert any("capacity" in r for r in result.reasons)


def test_problem_rejects_bad_arrays() -> None:
    with pytest.raises(pm.ValidationError) as err:
        pm.Problem(n_children=1, n_volunteers=1, child=[0, 0], volunteer=[0, 0], score=[1, 1])
    assert "more than once" in str(err.value)
    with pytest.raises(pm.ValidationError) as err:
        pm.Problem(n_children=1, n_volunteers=1, child=[1], volunteer=[0], score=[1], capacity=[-1])
    text = str(err.value)
    assert "child" in text and "capacity" in text  # every problem, not just the first
    with pytest.raises(pm.ValidationError):
        pm.Problem.from_matrices(np.array([1.0, 2.0]))
    with pytest.raises(pm.ValidationError):
        pm.Problem.from_matrices(np.array([[np.inf]]))


def test_unknown_solver_is_a_clear_error() -> None:
    problem = pm.Problem.from_matrices(np.array([[1.0]]))
    with pytest.raises(pm.SolverUnavailableError, match="unknown solver 'gurobi'"):
        pm.solve(problem, solver="gurobi")


def test_solving_never_mutates_the_problem() -> None:
    problem = pm.Problem.from_matrices(np.array([[3.0, 1.0], [2.0, 5.0]]), capacity=[1, 1])
    before = problem.score.copy()
    for solver in SOLVERS:
        pm.solve(problem, solver=solver)
    assert np.array_equal(problem.score, before)
    with pytest.raises(ValueError):
        problem.score[0] = 7  # arrays are read-only
