"""The pruned flow of a time limit (``solvers/flow/pruned.py``): solved on each child's best pairs,
proven over all of them by reduced costs; when the time runs out, FEASIBLE with a bound that
holds. Checked against the exhaustive oracle and the full flow on random problems, and by
the independent verifier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import pairmatch as pm
import pairmatch.solvers.flow.pruned as pruned
from pairmatch.solvers.base import Options, Status
from reference import brute_force
from strategies import UNIFORM, budget, check_against_oracle, check_solution, problems

FLOW_PROBLEMS = problems(max_children=7, max_volunteers=4, loads=UNIFORM, must_pair=False,
                         locked=False, max_priority=4, fairness=True)  # fmt: skip


def _by_child(problem: pm.Problem) -> pm.Problem:
    """The same problem with its edges sorted by child (as pairmatch's registers give them)."""
    return problem.restrict(np.argsort(problem.child, kind="stable"))


@pytest.fixture
def always_pruned(monkeypatch):
    """Every flow solve with a time limit takes the pruned path, starting from one pair per
    child, so that the rounds of the certificate do the work."""
    monkeypatch.setattr(pruned, "SECONDS_PER_EDGE", 1e9)
    monkeypatch.setattr(pruned, "FIRST_K", 1)


@budget(150)
@given(problem=FLOW_PROBLEMS)
def test_the_pruned_flow_is_the_exact_optimum(problem: pm.Problem) -> None:
    problem = _by_child(problem)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pruned, "SECONDS_PER_EDGE", 1e9)
        patch.setattr(pruned, "FIRST_K", 1)
        sol = pm.solve(problem, "flow", time_limit=1000)
    if problem.n_edges and pruned.repair_unsupported(problem) is None:
        assert "rounds" in sol.stats  # the pruned path was taken
    check_against_oracle(sol, brute_force(problem))


@budget(150)
@given(problem=FLOW_PROBLEMS)
def test_when_the_time_runs_out_the_bound_still_holds(problem: pm.Problem) -> None:
    problem = _by_child(problem)
    core = pruned.solve_pruned(problem, Options(time_limit=1e-9), k=1)
    assert core is not None
    sol = pm.Solution(problem, core.chosen, core.status, core.priority_bound,
                      core.score_bound, "flow", core.notes)  # fmt: skip
    check_solution(sol)  # a valid pairing, its bound at or above it (the verifier)
    best = brute_force(problem)
    assert best is not None  # (no must-pair children, no locks)
    assert sol.priority_bound >= best[0]
    if sol.priority_bound == best[0]:
        assert sol.score_bound >= best[1]
    if core.status is Status.OPTIMAL:
        assert (sol.priority_value, sol.score_value) == best
    else:
        assert sol.reasons and "time limit" in sol.reasons[0]


def test_a_county_solved_pruned_equals_the_full_flow(always_pruned) -> None:
    children, volunteers = pm.synth.county(400, seed=5)
    policy = pm.Policy(max_distance_km=10)
    exact = pm.match(children, volunteers, policy, solver="flow")
    pruned_run = pm.match(children, volunteers, policy, solver="flow", time_limit=600)
    assert pruned_run.solution.stats["rounds"] > 1  # the first set was not enough
    assert pruned_run.status is pm.Status.OPTIMAL and pm.verify(pruned_run).ok
    assert (pruned_run.solution.priority_value, pruned_run.solution.score_value) == (
        exact.solution.priority_value, exact.solution.score_value)  # fmt: skip


def test_without_a_time_limit_many_pairs_are_solved_pruned(monkeypatch) -> None:
    """From PRUNE_FROM_EDGES pairs the flow is pruned without a time limit too, and proven
    over every pair: the same optimum as the full flow."""
    children, volunteers = pm.synth.county(400, seed=7)
    policy = pm.Policy(max_distance_km=10)
    exact = pm.match(children, volunteers, policy, solver="flow")
    assert "rounds" not in exact.solution.stats  # (below the threshold: solved in full)
    monkeypatch.setattr(pruned, "PRUNE_FROM_EDGES", 1)
    monkeypatch.setattr(pruned, "FIRST_K", 1)
    run = pm.match(children, volunteers, policy, solver="flow")
    assert run.solution.stats["rounds"] > 1
    assert run.status is pm.Status.OPTIMAL and pm.verify(run).ok
    assert (run.solution.priority_value, run.solution.score_value) == (
        exact.solution.priority_value, exact.solution.score_value)  # fmt: skip


def test_a_county_out_of_time_is_feasible_with_a_proven_gap(monkeypatch) -> None:
    children, volunteers = pm.synth.county(400, seed=5)
    policy = pm.Policy(max_distance_km=10)
    exact = pm.match(children, volunteers, policy, solver="flow").solution
    monkeypatch.setattr(pruned, "SECONDS_PER_EDGE", 1e9)
    monkeypatch.setattr(pruned, "FIRST_K", 1)
    monkeypatch.setattr(pruned.time, "perf_counter", _clock_that_runs_fast())
    run = pm.match(children, volunteers, policy, solver="flow", time_limit=1)
    sol = run.solution
    assert run.status is pm.Status.FEASIBLE and pm.verify(run).ok
    assert any("time limit passed" in r for r in sol.reasons)
    assert sol.priority_bound >= exact.priority_value
    if sol.priority_bound == exact.priority_value:
        assert sol.score_bound >= exact.score_value
    assert 0 < run.gap < 1  # shown, proven, and not absurd
    assert sol.stats["completed"] >= 0 and run.n_paired > 0


def _clock_that_runs_fast():
    """A clock that moves 10 s a call: the first round's end is already past any limit."""
    now = [0.0]

    def clock() -> float:
        now[0] += 10.0
        return now[0]

    return clock
