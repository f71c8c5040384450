"""Property-based tests: both back ends against an exhaustive oracle on small random problems,
and invariances of :func:`pairmatch.match` on synthetic counties.

The strategies only build valid instances; the oracle lives in ``tests/reference.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import pairmatch as pm
from reference import brute_force, max_cardinality
from strategies import (
    ANY,
    UNIFORM,
    UNIT,
    budget,
    check_against_oracle,
    check_solution,
    problems,
    solve,
)

# ---------------------------------------------------------------------------- exactness

# CP-SAT reports integer optima as floats such as 30.999999999999996; the instances below are
# small ones where that happens (found by the properties in this file). Each property that
# can meet them runs one as an explicit example, so a truncated bound fails every run, not
# only the runs whose random draw happens to hit such an instance.

#: 2 children x 2 volunteers, both must be paired: 14 + 17 = 31 beats 20 + 8 = 28.
MUST_PAIR_2X2 = pm.Problem.from_matrices(np.array([[20.0, 14.0], [17.0, 8.0]]), must_pair=True)
#: 3 children, one volunteer of capacity 2, the last child must be paired: 18 + 13 = 31.
CAPACITY_2 = pm.Problem.from_matrices(
    np.array([[18.0], [15.0], [13.0]]), capacity=2, priority=1, must_pair=[False, False, True]
)
#: Priority 0, nothing required; volunteer 0 has no capacity: 12 + 16 = 28.
NO_PRIORITY = pm.Problem(
    2, 2, child=[0, 0, 1], volunteer=[0, 1, 1], score=[-1, 12, 16], capacity=[0, 2]
)
#: Priority 1 each, nothing required: 20 + 10 = 30 pairs both children.
UNIT_PRIORITY = pm.Problem(
    2, 2, child=[0, 0, 1, 1], volunteer=[0, 1, 0, 1], score=[-3, 20, 10, 20], priority=[1, 1]
)


@pytest.mark.parametrize(
    ("problem", "optimum"),
    [
        (MUST_PAIR_2X2, (0, 31)),
        (CAPACITY_2, (2, 31)),
        (NO_PRIORITY, (0, 28)),
        (UNIT_PRIORITY, (2, 30)),
    ],
    ids=["must-pair-2x2", "capacity-2", "no-priority", "unit-priority"],
)
def test_cpsat_score_bound_equals_optimum(problem: pm.Problem, optimum: tuple[int, int]) -> None:
    """An OPTIMAL CP-SAT solution reports ``score_bound == score_value`` (gap 0).

    Library bug: ``src/pairmatch/solvers/cpsat.py`` (``_search``) takes
    ``int(solver.best_objective_bound)``, and CP-SAT returns e.g. 30.999999999999996 for an
    optimum of 31, so the bound is truncated to 30: ``bound < objective``, ``gap > 0`` and
    ``pm.verify`` rejects the solution. ``round()`` (as used for ``best1``) is needed."""
    assert brute_force(problem) == optimum
    sol = pm.solve(problem, "cpsat", workers=1)
    assert sol.status is pm.Status.OPTIMAL
    assert (sol.priority_value, sol.score_value) == optimum
    assert sol.score_bound == optimum[1], f"score_bound {sol.score_bound} != optimum {optimum}"
    assert sol.gap == 0.0
    assert pm.verify(sol).ok, pm.verify(sol).violations


@budget(400)
@example(MUST_PAIR_2X2)
@given(problems(loads=UNIT))
def test_unit_load_flow_and_cpsat_equal_brute_force(problem: pm.Problem) -> None:
    best = brute_force(problem)
    for solver in (*pm.BACKENDS, "auto"):
        check_against_oracle(solve(problem, solver), best)


@budget(200)
@example(MUST_PAIR_2X2)
@given(problems(loads=UNIFORM))
def test_uniform_load_per_volunteer_flow_and_cpsat_equal_brute_force(
    problem: pm.Problem,
) -> None:
    assert problem.uniform_load
    best = brute_force(problem)
    for solver in pm.BACKENDS:
        check_against_oracle(solve(problem, solver), best)


@budget(200)
@given(problems(loads=UNIFORM, fairness=True))
def test_fairness_penalty_flow_and_cpsat_equal_brute_force(problem: pm.Problem) -> None:
    best = brute_force(problem)
    for solver in pm.BACKENDS:
        check_against_oracle(solve(problem, solver), best)


@budget(300)
@example(MUST_PAIR_2X2)
@given(problems(loads=ANY))
def test_general_loads_cpsat_equals_brute_force_and_flow_refuses(problem: pm.Problem) -> None:
    best = brute_force(problem)
    check_against_oracle(solve(problem, "cpsat"), best)
    auto = solve(problem, "auto")
    check_against_oracle(auto, best)
    if problem.uniform_load:
        assert auto.solver == "flow"
        check_against_oracle(solve(problem, "flow"), best)
    else:
        assert auto.solver == "cpsat"
        with pytest.raises(pm.SolverUnavailableError):
            pm.solve(problem, "flow")


# ---------------------------------------------------------------------------- structure


@budget(200)
@example(UNIT_PRIORITY)
@given(problems(max_children=9, max_volunteers=5, min_priority=1, must_pair=False, locked=False))
def test_positive_priorities_pair_a_maximum_number_of_children(problem: pm.Problem) -> None:
    """With every priority >= 1 the level-1 optimum is a maximum-weight basis of a
    transversal matroid, hence also of maximum cardinality."""
    most = max_cardinality(problem)
    for solver in pm.BACKENDS:
        sol = solve(problem, solver)
        check_solution(sol)
        assert sol.status is pm.Status.OPTIMAL
        assert sol.n_paired == most, (solver, sol)


@budget(200)
@example(NO_PRIORITY)
@given(problems(loads=UNIT, max_priority=0, must_pair=False, locked=False))
def test_negative_edges_are_never_used_without_priority(problem: pm.Problem) -> None:
    best = brute_force(problem)
    assert best is not None  # nothing is required, so pairing nobody is feasible
    for solver in pm.BACKENDS:
        sol = solve(problem, solver)
        check_against_oracle(sol, best)
        assert np.all(problem.score[sol.chosen] >= 0), (solver, problem.score[sol.chosen])


@st.composite
def feasible_locks(draw: st.DrawFn) -> pm.Problem:
    """A problem (loads of any kind, no must-pair) plus a lock set that can hold: at most one
    locked edge per child and locked loads within every capacity."""
    base = draw(problems(loads=draw(st.sampled_from([UNIT, ANY])), must_pair=False, locked=False))
    order = draw(st.permutations(range(base.n_edges)))
    used = np.zeros(base.n_volunteers, np.int64)
    taken: set[int] = set()
    lock: list[int] = []
    for e in order:
        c, v, w = int(base.child[e]), int(base.volunteer[e]), int(base.load[e])
        if c in taken or used[v] + w > base.capacity[v] or not draw(st.booleans()):
            continue
        taken.add(c)
        used[v] += w
        lock.append(e)
    return _with_locks(base, lock)


def _with_locks(base: pm.Problem, lock: list[int]) -> pm.Problem:
    return pm.Problem(
        n_children=base.n_children,
        n_volunteers=base.n_volunteers,
        child=base.child,
        volunteer=base.volunteer,
        score=base.score,
        load=base.load,
        capacity=base.capacity,
        priority=base.priority,
        must_pair=base.must_pair,
        locked=np.array(lock, np.int64),
    )


@budget(150)
@example(NO_PRIORITY)
@given(feasible_locks())
def test_feasible_locks_are_always_chosen(problem: pm.Problem) -> None:
    best = brute_force(problem)
    assert best is not None
    # every back end that can solve it exactly (flow: uniform loads only)
    solvers = [name for name, b in pm.BACKENDS.items() if b.unsupported(problem) is None]
    assert "cpsat" in solvers
    for solver in solvers:
        sol = solve(problem, solver)
        check_against_oracle(sol, best)
        assert set(problem.locked.tolist()) <= set(sol.chosen.tolist())


@st.composite
def conflicting_locks(draw: st.DrawFn) -> pm.Problem:
    """A problem whose locks cannot all hold: a child locked to two volunteers, or locked
    loads beyond a volunteer's capacity."""
    kind = draw(st.sampled_from(["child twice", "over capacity"]))
    base = draw(problems(loads=UNIT, max_children=5, must_pair=False, locked=False))
    n, m = base.n_children, base.n_volunteers
    child, volunteer = base.child.tolist(), base.volunteer.tolist()
    score, load, capacity = base.score.tolist(), base.load.tolist(), base.capacity.tolist()
    priority = base.priority.tolist()
    present = set(zip(child, volunteer, strict=True))

    def edge(c: int, v: int) -> int:
        if (c, v) not in present:
            present.add((c, v))
            child.append(c)
            volunteer.append(v)
            score.append(draw(st.integers(-5, 20)))
            load.append(1)
        return next(i for i, cv in enumerate(zip(child, volunteer, strict=True)) if cv == (c, v))

    if kind == "child twice":
        if n == 0:
            n, priority = 1, [*priority, draw(st.integers(0, 3))]
        if m < 2:
            m, capacity = 2, [*capacity, draw(st.integers(0, 3))]
        c = draw(st.integers(0, n - 1))
        v1, v2 = draw(st.lists(st.integers(0, m - 1), min_size=2, max_size=2, unique=True))
        lock = [edge(c, v1), edge(c, v2)]
    else:
        v = draw(st.integers(0, m - 1))
        k = capacity[v] + 1  # one locked pair more than her capacity
        if n < k:
            priority += draw(st.lists(st.integers(0, 3), min_size=k - n, max_size=k - n))
            n = k
        kids = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
        lock = [edge(c, v) for c in kids]
    return pm.Problem(
        n_children=n,
        n_volunteers=m,
        child=np.array(child, np.int64),
        volunteer=np.array(volunteer, np.int64),
        score=np.array(score, np.int64),
        load=np.array(load, np.int64),
        capacity=np.array(capacity, np.int64),
        priority=np.array(priority, np.int64),
        locked=np.array(lock, np.int64),
    )


@budget(100)
@given(conflicting_locks())
def test_conflicting_locks_are_infeasible_with_reasons(problem: pm.Problem) -> None:
    assert brute_force(problem) is None
    for solver in (*pm.BACKENDS, "auto"):
        sol = solve(problem, solver)
        check_solution(sol)
        assert sol.status is pm.Status.INFEASIBLE
        assert sol.reasons and all(isinstance(r, str) and r for r in sol.reasons)
        assert sol.chosen.size == 0
        assert np.isnan(sol.objective) and np.isnan(sol.gap)


# ---------------------------------------------------------------------------- determinism


@budget(100)
@given(problems(loads=UNIFORM), st.integers(0, 2**31 - 1))
def test_same_problem_and_seed_give_the_same_pairs(problem: pm.Problem, seed: int) -> None:
    for solver, workers in (("flow", None), ("cpsat", 1), ("cpsat", 2)):
        first = pm.solve(problem, solver, seed=seed, workers=workers)
        again = pm.solve(problem, solver, seed=seed, workers=workers)
        assert first.status is again.status
        np.testing.assert_array_equal(first.chosen, again.chosen)
        assert first.reasons == again.reasons


# ---------------------------------------------------------------------------- match level


def _shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    order = np.random.default_rng(seed).permutation(len(frame))
    return frame.iloc[order].reset_index(drop=True)


@budget(20)
# CP-SAT's bound here is 569.272 for an optimum of 569.273: the truncation that
# test_cpsat_score_bound_equals_optimum shows, reached through pm.match(solver="cpsat")
@example(n=110, seed=9268, radius=3, shuffle_seed=0)
@given(
    n=st.integers(20, 120),
    seed=st.integers(0, 10_000),
    radius=st.integers(3, 8),
    shuffle_seed=st.integers(0, 2**32 - 1),
)
def test_match_is_order_free_and_back_ends_agree(
    n: int, seed: int, radius: int, shuffle_seed: int
) -> None:
    children, volunteers = pm.synth.county(n, seed=seed)
    policy = pm.Policy(max_distance_km=radius)
    flow = pm.match(children, volunteers, policy, solver="flow")
    moved = pm.match(
        _shuffled(children, shuffle_seed),
        _shuffled(volunteers, shuffle_seed + 1),
        policy,
        solver="flow",
    )
    cpsat = pm.match(children, volunteers, policy, solver="cpsat", workers=1)
    for result in (flow, moved, cpsat):
        report = pm.verify(result, children=children, volunteers=volunteers)
        assert report.ok, report.violations
        assert result.status is pm.Status.OPTIMAL
        assert result.gap == 0.0
        assert len(result.pairs) + len(result.unmatched) == len(children)
        assert result.n_paired == len(result.pairs)
    # input order never matters: records are put in id order first
    assert moved.objective == flow.objective
    assert moved.priority_paired == flow.priority_paired
    pd.testing.assert_frame_equal(moved.pairs, flow.pairs)
    pd.testing.assert_frame_equal(moved.unmatched, flow.unmatched)
    # both back ends find the same lexicographic optimum (pairs may differ on ties)
    assert cpsat.priority_paired == flow.priority_paired
    assert cpsat.solution.score_value == flow.solution.score_value
    assert cpsat.objective == flow.objective
