"""Teams (many-to-one pairing with need coverage) at the Problem level: CP-SAT equals an
exhaustive search on small random instances, and every result passes the verifier."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.problem import Teams
from reference import brute_force_teams
from strategies import K, team_problems


def _zero_priority_tie() -> pm.Problem:
    """Found by hypothesis: child 0 has priority 0 and a pair of score 0, so pairing it
    ties on levels 1 and 2; level 3 (fewer members) must leave it unpaired, also when the
    presolve folds the teams into a plain flow problem."""
    e, one = 4, np.ones(2, np.int64)
    teams = Teams(
        size_min=one, size_max=one, support_load=np.ones(e, np.int64),
        cover_required=np.zeros((2, K), bool), covers=np.zeros((e, K), bool),
        category_value=np.zeros((e, K), np.int64),
    )  # fmt: skip
    return pm.Problem(
        n_children=2, n_volunteers=3, child=[0, 0, 1, 1], volunteer=[1, 2, 0, 1],
        score=[0, 0, 0, 0], capacity=[1, 1, 0], priority=[0, 1], must_pair=[False, True],
        teams=teams,
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(team_problems())
@example(_zero_priority_tie())
def test_cpsat_teams_equal_exhaustive_search(problem: pm.Problem) -> None:
    expected = brute_force_teams(problem)
    result = pm.solve(problem, workers=1)
    report = pm.verify(result)
    assert report.ok, report.violations
    if expected is None:
        assert result.status is pm.Status.INFEASIBLE and result.reasons
        return
    assert result.status is pm.Status.OPTIMAL
    members = len(result.chosen)
    assert (result.priority_value, result.score_value, -members) == expected
    assert (result.priority_bound, result.score_bound) == expected[:2]


def test_team_size_one_gives_the_flow_optimum() -> None:
    children, volunteers = pm.synth.county(40, seed=4)
    plain = pm.match(children, volunteers, pm.Policy(max_distance_km=3)).solution.problem
    e = plain.n_edges
    teams = Teams(
        size_min=np.ones(plain.n_children, np.int64), size_max=np.ones(plain.n_children, np.int64),
        support_load=np.ones(e, np.int64), cover_required=np.zeros((plain.n_children, 1), bool),
        covers=np.zeros((e, 1), bool), category_value=np.zeros((e, 1), np.int64),
    )  # fmt: skip
    as_teams = pm.Problem(
        n_children=plain.n_children, n_volunteers=plain.n_volunteers, child=plain.child,
        volunteer=plain.volunteer, score=plain.score, capacity=plain.capacity,
        priority=plain.priority, teams=teams,
    )  # fmt: skip
    flow = pm.solve(as_teams)  # trivial teams fold into a plain problem: flow
    assert flow.solver == "flow"
    # size 1..1 with a category every volunteer covers: the presolve proves coverage holds
    # and folds it back into a plain problem; CP-SAT, asked for, solves that
    forced = pm.Problem(
        n_children=plain.n_children, n_volunteers=plain.n_volunteers, child=plain.child,
        volunteer=plain.volunteer, score=plain.score, capacity=plain.capacity,
        priority=plain.priority,
        teams=Teams(teams.size_min, teams.size_max, teams.support_load,
                    np.ones((plain.n_children, 1), bool), np.ones((e, 1), bool),
                    teams.category_value),
    )  # fmt: skip
    assert pm.solve(forced).solver == "flow"
    cpsat = pm.solve(forced, solver="cpsat")
    assert cpsat.solver == "cpsat" and cpsat.status is pm.Status.OPTIMAL
    assert (cpsat.priority_value, cpsat.score_value) == (flow.priority_value, flow.score_value)
    assert pm.verify(cpsat).ok and pm.verify(flow).ok


def test_complementary_skills_count_once_per_category() -> None:
    # one child, three volunteers; study covered by V0 or V1, life by V2 only
    teams = Teams(
        size_min=np.array([1]), size_max=np.array([2]), support_load=np.ones(3, np.int64),
        cover_required=np.array([[True, True]]),
        covers=np.array([[True, False], [True, False], [False, True]]),
        category_value=np.array([[9, 0], [8, 0], [0, 5]]),
    )  # fmt: skip
    problem = pm.Problem(
        n_children=1, n_volunteers=3, child=[0, 0, 0], volunteer=[0, 1, 2],
        score=[0, 0, 0], capacity=[1, 1, 1], priority=[1], teams=teams,
    )  # fmt: skip
    result = pm.solve(problem)
    assert sorted(result.pairs["volunteer"].tolist()) == [0, 2]  # 9 + 5, not 9 + 8
    assert result.objective == 14
    assert len(result.leads) == 1 and pm.verify(result).ok


def test_flow_refuses_teams() -> None:
    teams = Teams(np.array([1]), np.array([2]), np.ones(2, np.int64), np.zeros((1, 1), bool),
                  np.zeros((2, 1), bool), np.zeros((2, 1), np.int64))  # fmt: skip
    problem = pm.Problem(n_children=1, n_volunteers=2, child=[0, 0], volunteer=[0, 1],
                         score=[1, 1], teams=teams)  # fmt: skip
    with pytest.raises(pm.SolverUnavailableError, match="teams"):
        pm.solve(problem, solver="flow")
    assert pm.solve(problem).solver == "cpsat"


def test_team_model_itself_equals_flow_on_one_member_teams_with_coverage() -> None:
    # the presolve folds this into a plain problem; here the team model sees it unreduced
    from pairmatch.solvers.base import Options
    from pairmatch.solvers.teams.model import team_model

    children, volunteers = pm.synth.county(120, seed=8)
    policy = pm.Policy(max_distance_km=3, cover_need_from=3)
    flow = pm.match(children, volunteers, policy)
    assert flow.solution.solver == "flow"
    problem = flow.solution.problem
    assert problem.has_teams  # coverage: a team problem before the presolve
    core = team_model(problem, np.arange(problem.n_edges), Options(), None)
    assert core.status is pm.Status.OPTIMAL
    sol = pm.solvers.Solution(
        problem, np.sort(core.chosen), core.status, core.priority_bound, core.score_bound,
        "cpsat", lead=np.sort(core.lead),
    )  # fmt: skip
    assert pm.verify(sol).ok
    assert (sol.priority_value, sol.score_value) == (
        flow.solution.priority_value, flow.solution.score_value,
    )  # fmt: skip


def _random_teams(
    rng: np.random.Generator, n: int, m: int, deg: int
) -> tuple[np.ndarray, np.ndarray, Teams]:
    """``n`` children with ``deg`` random volunteers each among ``m``, teams of 1-2 with
    random coverage and category values: (child, volunteer, teams)."""
    child = np.repeat(np.arange(n), deg)
    vol = np.concatenate([np.sort(rng.choice(m, deg, replace=False)) for _ in range(n)])
    e = child.size
    teams = Teams(
        size_min=np.ones(n, np.int64), size_max=np.full(n, 2, np.int64),
        support_load=np.ones(e, np.int64), cover_required=rng.random((n, 2)) < 0.3,
        covers=rng.random((e, 2)) < 0.5, category_value=rng.integers(0, 5, (e, 2)),
    )  # fmt: skip
    return child, vol, teams


def test_time_limit_keeps_the_one_member_start_and_valid_bounds() -> None:
    rng = np.random.default_rng(1)
    n, m = 800, 320
    child, vol, teams = _random_teams(rng, n, m, 8)
    e = child.size
    for priority, must in ((np.ones(n, np.int64), None), (None, np.arange(n) < 20)):
        problem = pm.Problem(
            n_children=n, n_volunteers=m, child=child, volunteer=vol,
            score=rng.integers(-3, 10, e), capacity=rng.integers(1, 4, m), priority=priority,
            must_pair=must, teams=teams,
        )  # fmt: skip
        from pairmatch.solvers.teams.start import greedy_start, one_member_start

        start = one_member_start(problem)
        assert start is not None
        members, leads = greedy_start(problem)
        greedy = pm.solvers.Solution(
            problem, members, pm.Status.FEASIBLE, 10**9, 10**9, "greedy", lead=leads
        )
        assert pm.verify(greedy).ok, pm.verify(greedy).violations
        assert greedy.n_paired >= np.unique(problem.child[start]).size
        result = pm.solve(problem, time_limit=0.2)
        assert result.status in (pm.Status.FEASIBLE, pm.Status.OPTIMAL)
        report = pm.verify(result)
        assert report.ok, report.violations  # includes: no bound below its value
        assert result.n_paired >= np.unique(problem.child[start]).size


@settings(max_examples=150, deadline=None)
@given(team_problems())
def test_lead_relaxation_bounds_every_valid_pairing(problem: pm.Problem) -> None:
    """The flow relaxations bound level 1 and, whatever the level 1, level 2 of every
    valid pairing. They need uniform loads (else they fall back), so the instance's loads
    are made uniform; the fallback given is one no bound can pass."""
    from pairmatch.solvers.teams.relaxations import fit_relaxation_bound, lead_relaxation_bound

    assert problem.teams is not None
    uniform = replace(
        problem,
        load=np.full(problem.n_edges, 2, np.int64),
        teams=replace(problem.teams, support_load=np.ones(problem.n_edges, np.int64)),
    )
    edges = np.arange(problem.n_edges)
    best1 = brute_force_teams(uniform, key=lambda l1, l2, m: (l1,))
    best2 = brute_force_teams(uniform, key=lambda l1, l2, m: (l2,))
    if best1 is None or best2 is None:
        return
    assert lead_relaxation_bound(uniform, edges, -(10**9)) >= best1[0]
    assert fit_relaxation_bound(uniform, edges, -(10**9)) >= best2[0]


def test_a_model_too_large_for_the_time_limit_gives_the_start_and_proven_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a time limit a team model above MAX_MODEL_ELEMENTS is not built: the answer is
    the valid start, FEASIBLE, saying why, with bounds that hold against the optimum."""
    import pairmatch.solvers.teams.model as tm

    rng = np.random.default_rng(7)
    n, m = 16, 7
    child, vol, teams = _random_teams(rng, n, m, 4)
    e = child.size
    problem = pm.Problem(
        n_children=n, n_volunteers=m, child=child, volunteer=vol,
        score=rng.integers(-3, 10, e), load=np.full(e, 2), capacity=rng.integers(2, 6, m),
        priority=rng.integers(1, 5, n), teams=teams,
    )  # fmt: skip
    exact = pm.solve(problem, workers=1)
    assert exact.status is pm.Status.OPTIMAL
    monkeypatch.setattr(tm, "MAX_MODEL_ELEMENTS", 0)
    quick = pm.solve(problem, time_limit=30)
    assert quick.status is pm.Status.FEASIBLE
    assert any("more than is built under a time limit" in r for r in quick.reasons)
    report = pm.verify(quick)
    assert report.ok, report.violations
    assert quick.priority_value <= exact.priority_value <= quick.priority_bound
    assert exact.score_value <= quick.score_bound
    # the relaxation is tighter than "every child paired with its best team"
    assert quick.priority_bound < int(problem.priority.sum())


@settings(max_examples=100, deadline=None)
@given(team_problems())
def test_highs_proves_level_1_when_the_lp_cannot(problem: pm.Problem) -> None:
    """With the LP certificate switched off, level 1 is proven by HiGHS (checked in exact
    integers), and the whole result still equals exhaustive search."""
    import pairmatch.solvers.teams.model as tm

    proofs: list[int | None] = []

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        proofs.append(out[0])
        return out

    real = tm._mip_stage1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tm, "_lp_stage1", lambda *a, **k: (None, None, None))
        mp.setattr(tm, "_mip_stage1", spy)
        result = pm.solve(problem, workers=1)
    expected = brute_force_teams(problem)
    assert pm.verify(result).ok
    if expected is None:
        assert result.status is pm.Status.INFEASIBLE
        return
    assert result.status is pm.Status.OPTIMAL
    assert (result.priority_value, result.score_value, -len(result.chosen)) == expected
    # without a time limit HiGHS always finishes with a proof, one per component searched
    assert all(best is not None for best in proofs)
    assert sum(b for b in proofs if b is not None) <= expected[0]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([2, 4]).flatmap(team_problems), st.integers(0, 3))
def test_lagrangian_bound_holds_against_the_optimum(problem: pm.Problem, threshold: int) -> None:
    """The Lagrangian bound on level 2 (exact team subproblems, priced capacities, level 1
    kept as a floor) is at least the fit of the lexicographic optimum, and of any valid
    pairing when the floor is 0, with 2 or 4 need categories (pairmatch has 4). Coverage is
    made to go with value (as it does in pairmatch's teams)."""
    from pairmatch.solvers.teams.pricing import team_fit_bound

    assert problem.teams is not None
    t = replace(problem.teams, covers=problem.teams.category_value >= threshold)
    problem = replace(problem, teams=t)
    edges = np.arange(problem.n_edges)
    best = brute_force_teams(problem)
    if best is None:
        return
    any_fit = brute_force_teams(problem, key=lambda l1, l2, m: (l2,))
    assert any_fit is not None
    for floor, want in ((best[0], best[1]), (0, any_fit[0])):
        for budget in (0.001, 0.05):
            bound = team_fit_bound(problem, edges, floor, want, budget)
            assert bound is not None and bound >= want


def test_lagrangian_bound_refuses_coverage_that_does_not_go_with_value() -> None:
    """A volunteer who covers a required category but is worth less in it than one who does
    not: crediting the category to a coverer would undercount the team, so no bound."""
    from pairmatch.solvers.teams.pricing import team_fit_bound

    teams = Teams(
        size_min=np.ones(1, np.int64), size_max=np.full(1, 2, np.int64),
        support_load=np.ones(2, np.int64), cover_required=np.array([[True, False]]),
        covers=np.array([[True, False], [False, False]]),
        category_value=np.array([[1, 0], [5, 0]]),
    )  # fmt: skip
    problem = pm.Problem(
        n_children=1, n_volunteers=2, child=[0, 0], volunteer=[0, 1], score=[0, 0],
        capacity=[1, 1], priority=[1], teams=teams,
    )  # fmt: skip
    assert team_fit_bound(problem, np.arange(2), 0, 0, 0.01) is None
    both_cover = np.array([[True, False], [True, False]])
    monotone = replace(problem, teams=replace(teams, covers=both_cover))
    assert team_fit_bound(monotone, np.arange(2), 0, 0, 0.01) is not None


def test_lagrangian_bound_with_edges_not_sorted_by_child() -> None:
    """(review) a problem built by hand may list its edges in any order."""
    from pairmatch.solvers.teams.pricing import team_fit_bound

    one = np.ones(2, np.int64)
    teams = Teams(
        size_min=one, size_max=one, support_load=np.ones(3, np.int64),
        cover_required=np.zeros((2, K), bool), covers=np.zeros((3, K), bool),
        category_value=np.zeros((3, K), np.int64),
    )  # fmt: skip
    problem = pm.Problem(
        n_children=2, n_volunteers=3, child=[1, 0, 0], volunteer=[0, 1, 2], score=[10, 10, 0],
        capacity=[1, 1, 1], priority=[1, 1], teams=teams,
    )  # fmt: skip
    best = brute_force_teams(problem, key=lambda l1, l2, m: (l2,))
    assert best is not None and best[0] == 20
    assert team_fit_bound(problem, np.arange(3), 0, 0, 0.01) >= 20
    assert team_fit_bound(problem, np.arange(3), 0, 0, 0.0) is None  # no time: no bound
