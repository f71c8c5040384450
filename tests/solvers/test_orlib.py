"""The solver core reproduces every published OR-Library GAP optimum (work nobody here wrote)."""

from __future__ import annotations

import numpy as np
import pytest

import pairmatch as pm
from orlib import instances

INSTANCES = instances()


def test_all_sixty_instances_are_read() -> None:
    assert len(INSTANCES) == 60
    assert {g.value.shape for g in INSTANCES} >= {(5, 15), (10, 60)}


@pytest.mark.parametrize("gap", INSTANCES, ids=[g.name for g in INSTANCES])
def test_published_optimum(gap) -> None:
    # children are the jobs, volunteers the agents: transpose the agent × job matrices
    problem = pm.Problem.from_matrices(
        gap.value.T.astype(float), gap.load.T, gap.capacity, must_pair=True
    )
    result = pm.solve(problem)
    assert result.solver == "cpsat"  # loads differ per pair: flow cannot, auto knows it
    assert result.status is pm.Status.OPTIMAL
    assert result.objective == gap.optimum
    assert result.gap == 0
    assert pm.verify(result).ok
    assert np.all(result.assignment >= 0)


def test_flow_refuses_knapsack_loads() -> None:
    gap = INSTANCES[0]
    problem = pm.Problem.from_matrices(gap.value.T, gap.load.T, gap.capacity, must_pair=True)
    with pytest.raises(pm.SolverUnavailableError, match="loads differ"):
        pm.solve(problem, solver="flow")


def test_a_time_limit_gives_a_valid_answer_with_an_honest_bound() -> None:
    gap = INSTANCES[-1]  # 10 agents × 60 jobs, the hardest of the set
    problem = pm.Problem.from_matrices(gap.value.T, gap.load.T, gap.capacity, must_pair=True)
    result = pm.solve(problem, time_limit=0.05)
    assert pm.verify(result).ok
    assert result.status in (pm.Status.OPTIMAL, pm.Status.FEASIBLE, pm.Status.UNKNOWN)
    if result.has_solution:
        assert result.objective <= gap.optimum <= result.bound
        assert result.gap >= 0
