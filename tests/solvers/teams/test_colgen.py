"""Column generation for teams (solvers/teams/colgen.py, decomposition.py): its bounds hold
against exhaustive search, its pairings are valid and never worse than the start, what it
calls optimal is the optimum, and it makes the trade the greedy start cannot."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.problem import Teams
from pairmatch.solvers.base import level2_value
from pairmatch.solvers.teams.decomposition import decompose
from pairmatch.solvers.teams.start import greedy_start
from reference import brute_force_teams, trade_problem
from strategies import team_problems


def _levels(problem: pm.Problem, chosen: np.ndarray) -> tuple[int, int, int]:
    level1 = int(problem.priority[np.unique(problem.child[chosen])].sum())
    return level1, level2_value(problem, chosen), -int(chosen.size)


def _checked(problem: pm.Problem, chosen: np.ndarray, lead: np.ndarray) -> None:
    solution = pm.solvers.Solution(
        problem, chosen, pm.Status.FEASIBLE, 10**9, 10**9, "colgen", lead=lead
    )
    report = pm.verify(solution)
    assert report.ok, report.violations


def _served(problem: pm.Problem, threshold: int, half: bool) -> pm.Problem:
    """The problem as column generation serves it: no locks, no fairness penalty, and a
    volunteer who covers a category worth at least as much in it as one who does not
    (coverage from the value); with ``half``, supporters at half a lead's load, so that
    the knapsack cuts apply."""
    t = problem.teams
    assert t is not None
    t = replace(t, covers=t.category_value >= threshold)
    more = {}
    if half:
        t = replace(t, support_load=np.ones(problem.n_edges, np.int64))
        more = {"load": np.full(problem.n_edges, 2), "capacity": 2 * problem.capacity // 2 + 1}
    return replace(
        problem, teams=t, locked=np.empty(0, np.int64), fair_load=None, overload_penalty=0,
        **more,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([2, 4]).flatmap(team_problems),
    st.integers(0, 4),
    st.booleans(),
    st.booleans(),
)
def test_decomposition_bounds_hold_and_optimal_means_optimal(
    problem: pm.Problem, threshold: int, from_greedy: bool, half: bool
) -> None:
    """From a valid start (nobody paired, or the greedy start): the answer is valid, pairs
    at least the start's priority, its bounds are at least the exhaustive optimum's levels,
    and when it claims the optimum, it is the exhaustive optimum on all three levels."""
    problem = _served(problem, threshold, half)
    edges = np.arange(problem.n_edges)
    best = brute_force_teams(problem)
    start = greedy_start(problem) if from_greedy else None
    if start is None:
        if problem.must_pair.any():
            return  # nobody paired is not a valid start
        start = (np.empty(0, np.int64), np.empty(0, np.int64))
    if best is None:
        return
    members, leads = np.isin(edges, start[0]), np.isin(edges, start[1])
    before = _levels(problem, edges[members])
    n = problem.n_children
    p_any = int(problem.priority.sum())
    s_any = 10**6
    out = decompose(problem, edges, members, leads, p_any, s_any, None)
    assert out is not None
    chosen, led = edges[out.members], edges[out.leads]
    _checked(problem, chosen, led)
    after = _levels(problem, chosen)
    assert after[0] >= before[0]
    assert after >= before or after[0] > before[0]
    assert out.p_bound >= best[0] >= after[0]
    # level 2's bound holds for every pairing that pairs at least the priority found,
    # the optimum among them
    assert out.s_bound >= best[1] or (best[0] > after[0] and out.s_bound >= after[1])
    if out.optimal:
        assert after == best, (after, best, n)
    if out.p_bound == after[0]:
        assert after[0] == best[0]


def test_column_generation_makes_the_trade_the_greedy_start_cannot() -> None:
    problem = trade_problem()
    start = greedy_start(problem)
    assert start is not None
    assert _levels(problem, start[0])[:2] == (2, 7)
    assert brute_force_teams(problem) == (2, 16, -3)
    for limit in (None, 2):
        result = pm.solve(problem, time_limit=limit)
        assert pm.verify(result).ok
        assert (result.priority_value, result.score_value) == (2, 16)
        # levels 1, 2 and 3 meet their bounds: proven without a search
        assert result.status is pm.Status.OPTIMAL and result.gaps == {"priority": 0, "fit": 0}
        assert result.stats.get("colgen_rounds", 0) > 0


def _half_slots() -> pm.Problem:
    """Volunteer 0 has one slot (2 units: a lead uses 2, a supporter 1). Child 0 needs
    categories 0 and 1 covered by a team of two: only volunteer 0 covers 0, only volunteer
    1 (room to spare) covers 1. Child 1 may only have volunteer 0, alone.

    The master pairs child 0 with volunteer 1 leading and volunteer 0 supporting (1 unit)
    and half of child 1 (the other unit): 1.5 children, 15 of priority. No pairing pairs
    both: volunteer 0 cannot lead one child and support another. The knapsack cut
    ``leads + supports through child 0's edge <= 1`` of volunteer 0 removes that point."""
    covers = np.array([[True, False], [False, True], [False, False]])
    teams = Teams(
        size_min=np.array([2, 1]), size_max=np.array([2, 1]),
        support_load=np.ones(3, np.int64),
        cover_required=np.array([[True, True], [False, False]]), covers=covers,
        category_value=3 * covers.astype(np.int64),
    )  # fmt: skip
    return pm.Problem(
        n_children=2, n_volunteers=2, child=[0, 0, 1], volunteer=[0, 1, 0],
        score=np.zeros(3, np.int64), load=np.full(3, 2), capacity=[2, 4], priority=[10, 10],
        teams=teams,
    )  # fmt: skip


def test_knapsack_cuts_close_the_half_slot_gap() -> None:
    from pairmatch.solvers.teams.colgen import ColumnGeneration, Stage
    from pairmatch.solvers.teams.pricing import Subproblems

    problem = _half_slots()
    assert brute_force_teams(problem)[0] == 10
    edges = np.arange(problem.n_edges)
    sub = Subproblems.of(problem, edges)
    assert sub is not None
    bounds = {}
    for cuts in (False, True):
        cg = ColumnGeneration(problem, sub, Stage(1), cuts=cuts)
        bounds[cuts] = cg.run(None)
    assert bounds[False] > 14.9  # one child and a half
    assert bounds[True] < 10.1  # cut: the bound proves 10
    result = pm.solve(problem)
    assert result.status is pm.Status.OPTIMAL and result.priority_value == 10


def _all_teams(problem: pm.Problem, sub) -> list[tuple[int, int, int, int]]:
    """Every valid team of every child, as (local child, lead, supporter, supporter) in
    the subproblems' edge numbering (supporters in ascending order of the enumeration's
    own: both orders of two supporters are one team)."""
    from itertools import combinations

    t = problem.teams
    assert t is not None
    out = []
    for c in range(sub.lo.size):
        own = list(range(sub.lo[c], sub.hi[c]))
        for lead in own:
            for size in range(sub.size_min[c], sub.size_max[c] + 1):
                for sup in combinations([e for e in own if e != lead], size - 1):
                    members = (lead, *sup)
                    covered = sub.covers[list(members)].any(axis=0)
                    if np.any(sub.required[c] & ~covered):
                        continue
                    out.append((c, lead, *sorted(sup), *([-1] * (3 - size))))
    return out


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([2, 4]).flatmap(team_problems), st.integers(0, 4), st.floats(0, 1))
def test_enumeration_lists_every_column_within_the_gap(
    problem: pm.Problem, threshold: int, share: float
) -> None:
    """The columns listed for a gap are exactly the valid teams whose reduced cost at the
    bound's prices is within it, against a plain enumeration of every team."""
    from pairmatch.solvers.teams.colgen import ColumnGeneration, Stage, enumerate_columns
    from pairmatch.solvers.teams.pricing import Subproblems

    # (no start is given: nobody paired must be valid)
    problem = replace(
        _served(problem, threshold, False), must_pair=np.zeros(problem.n_children, bool)
    )
    edges = np.arange(problem.n_edges)
    sub = Subproblems.of(problem, edges)
    if sub is None or sub.lo.size == 0:
        return
    cg = ColumnGeneration(problem, sub, Stage(2, 10, 0))
    cg.run(None)
    if cg.centre is None:
        return
    every = _all_teams(problem, sub)
    if not every:
        return
    kid = np.array([t[0] for t in every])
    teams = np.array([t[1:] for t in every])
    lead_cost, sup_cost = cg.costs(cg.centre)
    cost = lead_cost[teams[:, 0]] + sum(
        np.where(teams[:, j] >= 0, sup_cost[np.maximum(teams[:, j], 0)], 0.0) for j in (1, 2)
    )
    rc = cg.column_values(kid, teams) + cg.centre.mu * sub.prio[kid] - cost
    rc -= cg.best_at_centre[kid]
    gap = share * float(np.ptp(rc) + 1)
    listed = enumerate_columns(cg, gap)
    assert listed is not None
    got = {(int(r[0]), int(r[1]), *sorted(int(x) for x in r[2:] if x >= 0)) for r in listed}
    margin = 1e-6 * max(1.0, abs(cg.bound))
    key = [(t[0], t[1], *sorted(x for x in t[2:] if x >= 0)) for t in every]
    want = {k for k, r in zip(key, rc, strict=True) if r >= -gap - margin + 1e-9}
    sure = {k for k, r in zip(key, rc, strict=True) if r >= -gap + 1e-6}
    assert sure <= got <= want | sure
    assert all(len(set(g[1:])) == len(g) - 1 for g in got)


def _odd_cycle() -> pm.Problem:
    """Found by review: three children, each needing a team of exactly two, on a cycle of
    three volunteers of one slot each (leads and supporters alike use it): one child can
    be paired. The start is already optimal, so only the listing's proof can prove it."""
    e = 6
    teams = Teams(
        size_min=np.full(3, 2), size_max=np.full(3, 2), support_load=np.full(e, 2),
        cover_required=np.zeros((3, 2), bool), covers=np.zeros((e, 2), bool),
        category_value=np.zeros((e, 2), np.int64),
    )  # fmt: skip
    return pm.Problem(
        n_children=3, n_volunteers=3, child=[0, 0, 1, 1, 2, 2], volunteer=[0, 1, 1, 2, 2, 0],
        score=np.zeros(e, np.int64), load=np.full(e, 2), capacity=[2, 2, 2],
        priority=[2, 2, 2], teams=teams,
    )  # fmt: skip


def test_level_1_is_proven_when_the_start_is_already_optimal() -> None:
    problem = _odd_cycle()
    assert brute_force_teams(problem)[0] == 2
    edges = np.arange(problem.n_edges)
    start = greedy_start(problem)
    assert start is not None
    members, leads = np.isin(edges, start[0]), np.isin(edges, start[1])
    out = decompose(problem, edges, members, leads, 6, 10**6, None)
    assert out is not None
    assert out.p_bound == 2  # the master's bound is 3: the listing proves 2


def test_a_master_highs_cannot_solve_ends_with_the_bounds_given(monkeypatch) -> None:
    """When HiGHS fails on the first round, no bound is made up and nothing crashes: the
    start comes back with the bounds it came with."""
    import pairmatch.solvers.teams.colgen as colgen

    def fail(self):
        raise colgen._LinearProgramFailed("numerical trouble")

    problem = trade_problem()
    edges = np.arange(problem.n_edges)
    start = greedy_start(problem)
    assert start is not None
    monkeypatch.setattr(colgen.ColumnGeneration, "solve_lp", fail)
    members, leads = np.isin(edges, start[0]), np.isin(edges, start[1])
    out = decompose(problem, edges, members, leads, 2, 100, None)
    assert out is not None and not out.optimal
    _checked(problem, edges[out.members], edges[out.leads])
    assert (out.p_bound, out.s_bound) == (2, 100)
