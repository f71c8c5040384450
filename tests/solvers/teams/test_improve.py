"""The window-by-window improvement of a team pairing cut short (solvers/teams/improve.py): its
answers are valid, keep level 1, never lose fit, never pass the optimum, and it finds the
trade the greedy start cannot make."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.solvers.base import level2_value
from pairmatch.solvers.teams import improve as windows
from pairmatch.solvers.teams.pricing import Pricing, price_teams
from pairmatch.solvers.teams.start import greedy_start
from reference import brute_force_teams, trade_problem
from strategies import team_problems


def _levels(problem: pm.Problem, chosen: np.ndarray) -> tuple[int, int]:
    return int(problem.priority[np.unique(problem.child[chosen])].sum()), level2_value(
        problem, chosen
    )


def _checked(problem: pm.Problem, chosen: np.ndarray, lead: np.ndarray) -> None:
    solution = pm.solvers.Solution(
        problem, chosen, pm.Status.FEASIBLE, 10**9, 10**9, "windows", lead=lead
    )
    report = pm.verify(solution)
    assert report.ok, report.violations


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([2, 4]).flatmap(team_problems),
    st.integers(0, 3),
    st.lists(st.integers(0, 6), min_size=3, max_size=3),
    st.booleans(),
)
def test_windows_keep_level_1_gain_fit_and_stay_valid(
    problem: pm.Problem, threshold: int, prices: list[int], from_greedy: bool
) -> None:
    """From a valid start (nobody paired, or the greedy start), with the prices of a real
    pricing run or arbitrary ones: the answer is valid, its level 1 is at least the
    start's, its level 2 is higher, and it does not pass the lexicographic optimum."""
    assert problem.teams is not None
    t = replace(problem.teams, covers=problem.teams.category_value >= threshold)
    # the windows serve components without locks or fairness penalty, and start from a
    # valid pairing (with nobody who must be paired, nobody paired is one)
    problem = replace(
        problem, teams=t, locked=np.empty(0, np.int64), fair_load=None, overload_penalty=0,
        must_pair=np.zeros(problem.n_children, bool),
    )  # fmt: skip
    edges = np.arange(problem.n_edges)
    best = brute_force_teams(problem)
    assert best is not None  # nobody paired is valid
    none = np.zeros(problem.n_edges, bool)
    start = greedy_start(problem) if from_greedy else None
    members, leads = none, none
    if start is not None:
        members, leads = np.isin(edges, start[0]), np.isin(edges, start[1])
    _checked(problem, edges[members], edges[leads])
    before = _levels(problem, edges[members])
    pricing = price_teams(problem, edges, before[0], before[1], 0.05)
    assert pricing is not None
    arbitrary = Pricing(
        pricing.bound, np.resize(np.array(prices, float), problem.n_volunteers), 0.0,
        pricing.teams,
    )  # fmt: skip
    # from nobody paired, one child with one volunteer worth more than 0 who covers its
    # needs alone and has room is a gain every window offers (all single columns of these
    # small instances are offered): then the windows must improve
    child, vol = problem.child, problem.volunteer
    alone = (t.covers | ~t.cover_required[child]).all(axis=1) & (t.size_min[child] <= 1)
    room = problem.load <= problem.capacity[vol]
    if t.max_leads is not None:
        room &= t.max_leads[vol] >= 1
    gain = problem.score + t.category_value.sum(axis=1) > 0
    must_gain = start is None and bool((alone & room & gain).any())
    for priced in (pricing, arbitrary):
        better = windows.improve(problem, edges, members, leads, priced, np.inf)
        assert better is not None or not must_gain
        if better is None:
            continue
        chosen, led = edges[better[0]], edges[better[1]]
        _checked(problem, chosen, led)
        after = _levels(problem, chosen)
        assert after[0] >= before[0]
        assert after > before
        assert after <= best[:2]


def test_windows_make_the_trade_the_greedy_start_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    import pairmatch.solvers.teams.model as tm

    problem = trade_problem()
    start = greedy_start(problem)
    assert start is not None
    assert _levels(problem, start[0]) == (2, 7)
    assert brute_force_teams(problem) == (2, 16, -3)
    # a time limit and a model "too large to build": the start, then pricing and windows
    monkeypatch.setattr(tm, "MAX_MODEL_ELEMENTS", 0)
    monkeypatch.setattr(tm, "COLGEN_MAX_CHILDREN", 0)  # the windows, not column generation
    result = pm.solve(problem, time_limit=2)
    assert pm.verify(result).ok
    assert (result.priority_value, result.score_value) == (2, 16)
    assert sorted(result.lead.tolist()) == [0, 3]
    # the flow bound on level 1 and the Lagrangian bound on level 2 meet the pairing found:
    # levels 1 and 2 proven without a search (level 3, fewer members, is not: FEASIBLE)
    assert (result.priority_bound, result.score_bound) == (2, 16)
    assert result.status is pm.Status.FEASIBLE and result.gap == 0
    assert any("levels 1 and 2 are proven optimal" in r for r in result.reasons)
    # without the windows the answer stays the greedy start, and is not proven
    monkeypatch.setattr(tm.windows, "improve", lambda *args: None)
    start_only = pm.solve(problem, time_limit=2)
    assert start_only.score_value == 7 and start_only.status is pm.Status.FEASIBLE
