"""Valid team pairings to start from and to improve on: the exact optimum with one-member
teams (min-cost flow through the presolve), completed greedily with covering teams and
supporters, and the polish of a level-1 point whose one-member children flow pairs again
for a better fit. :mod:`pairmatch.solvers.teams.improve` improves a pairing further."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from pairmatch.arrays import unique
from pairmatch.problem import Problem
from pairmatch.solvers.base import Options
from pairmatch.solvers.flow.backend import FlowBackend
from pairmatch.solvers.run import run
from pairmatch.solvers.teams.presolve import reduce

__all__ = ["greedy_start", "one_member_start", "polish"]


def greedy_start(
    problem: Problem, time_limit: float | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """A valid pairing to start the search from: (member edges, lead edges).

    The exact optimum with one-member teams (:func:`one_member_start`), then, children in
    order of priority, supporters added where they raise the child's fit (a better skill in
    some need category, or a positive pair score) and the volunteer has room for a
    supporter's share; children the one-member optimum left out because no one volunteer
    covers their needs get a covering team where volunteers still have room.

    ``time_limit`` bounds the one-member flow (its pruned form then answers in time, with
    a pairing that may not be that restriction's optimum)."""
    first = one_member_start(problem, time_limit)
    if first is None:
        return None
    t = problem.teams
    assert t is not None
    n_v = problem.n_volunteers
    lead_of = np.full(problem.n_children, -1, np.int64)
    lead_of[problem.child[first]] = first
    spare = problem.capacity - np.bincount(
        problem.volunteer[first], weights=problem.load[first], minlength=n_v
    ).astype(np.int64)
    count = np.bincount(problem.volunteer[first], minlength=n_v)
    led = count.copy()
    order = np.argsort(problem.child, kind="stable")
    bounds = np.searchsorted(problem.child[order], np.arange(problem.n_children + 1))
    members = [first]
    leads = [first]
    for c in np.argsort(-problem.priority, kind="stable").tolist():
        if t.size_max[c] <= 1:
            continue
        own = order[bounds[c] : bounds[c + 1]]
        if own.size == 0:
            continue
        team: list[int] = []
        if lead_of[c] < 0:  # not paired: try a covering team from what is left
            if problem.must_pair[c]:
                continue
            covering = _covering_team(problem, c, own, spare, count, led)
            if covering is None:
                continue
            team = covering
            lead_of[c] = team[0]
            leads.append(np.array([team[0]]))
            members.append(np.array(team))
        # add supporters that raise the fit
        current = [int(lead_of[c]), *team[1:]]
        members += [np.array([e]) for e in _supporters(problem, c, own, current, spare, count)]
    chosen = unique(np.concatenate(members))
    return chosen, unique(np.concatenate(leads))


def _covering_team(
    problem: Problem,
    c: int,
    own: np.ndarray,
    spare: np.ndarray,
    count: np.ndarray,
    led: np.ndarray,
) -> list[int] | None:
    """A team that covers child ``c``'s needs from her edges ``own`` within the room left
    (``spare`` capacity, lead caps against ``led``): the lead who covers most, then
    supporters who cover what is still missing. Its edges (the lead first), with the room
    taken; None, with nothing taken, when no valid team is found."""
    t = problem.teams
    assert t is not None
    vol = problem.volunteer
    need = t.cover_required[c].copy()
    lead_ok = (spare[vol[own]] >= problem.load[own]) & (
        t.max_leads is None or led[vol[own]] < t.max_leads[vol[own]]
    )
    if not lead_ok.any():
        return None
    cover_gain = (t.covers[own] & need).sum(axis=1) * 10**6 + problem.score[own]
    e = int(own[np.argmax(np.where(lead_ok, cover_gain, np.iinfo(np.int64).min))])
    team = [e]
    need &= ~t.covers[e]
    v = vol[e]
    spare[v] -= problem.load[e]
    while need.any() and len(team) < t.size_max[c]:
        room = spare[vol[own]] >= t.support_load[own]
        fresh = ~np.isin(vol[own], vol[team])
        gain = (t.covers[own] & need).sum(axis=1)
        pick = room & fresh & (gain > 0)
        if not pick.any():
            break
        e2 = int(own[np.argmax(np.where(pick, gain, -1))])
        team.append(e2)
        need &= ~t.covers[e2]
        spare[vol[e2]] -= t.support_load[e2]
    if need.any() or len(team) < t.size_min[c]:  # undo: no valid team
        spare[v] += problem.load[e]
        for e2 in team[1:]:
            spare[vol[e2]] += t.support_load[e2]
        return None
    led[v] += 1
    for e2 in team:
        count[vol[e2]] += 1
    return team


def _supporters(
    problem: Problem,
    c: int,
    own: np.ndarray,
    current: list[int],
    spare: np.ndarray,
    count: np.ndarray,
) -> list[int]:
    """Supporters added, best first, to child ``c``'s team ``current`` (edges, the lead
    first) while one raises her fit (pair score, a better value in a category, less any
    fairness penalty) and has room; returns their edges, with the room taken."""
    t = problem.teams
    assert t is not None
    fair = problem.fair_load if problem.has_fairness else None
    added: list[int] = []
    best = t.category_value[current].max(axis=0)
    while len(current) < t.size_max[c]:
        vol = problem.volunteer[own]
        room = (spare[vol] >= t.support_load[own]) & ~np.isin(vol, problem.volunteer[current])
        gain = problem.score[own] + np.maximum(t.category_value[own] - best, 0).sum(axis=1)
        if fair is not None:
            gain = gain - problem.overload_penalty * (count[vol] >= fair[vol])
        gain = np.where(room, gain, 0)
        if gain.max(initial=0) <= 0:
            break
        e2 = int(own[np.argmax(gain)])
        current.append(e2)
        added.append(e2)
        best = np.maximum(best, t.category_value[e2])
        spare[problem.volunteer[e2]] -= t.support_load[e2]
        count[problem.volunteer[e2]] += 1
    return added


def one_member_start(problem: Problem, time_limit: float | None = None) -> np.ndarray | None:
    """A valid pairing of a team problem in which every team has one member: the exact
    optimum of that restriction (coverage by one volunteer alone, children whose team needs
    several members unpaired), solved by min-cost flow after the presolve folds it into a
    plain problem. None when the restriction breaks a must-pair or lock rule."""
    t = problem.teams
    assert t is not None
    keep = np.flatnonzero(t.size_min[problem.child] <= 1)
    if not np.isin(problem.locked, keep).all():
        return None  # a lock on a child whose team needs several members
    return _one_member_flow(problem, keep, t.max_leads, time_limit=time_limit)


def _one_member_flow(
    problem: Problem,
    keep: np.ndarray,
    max_leads: np.ndarray | None,
    time_limit: float | None = None,
    **changes: Any,
) -> np.ndarray | None:
    """The edges (of ``keep``) that exact min-cost flow chooses when every child may have
    one member only, who must cover its needs alone, with the lead cap ``max_leads`` and
    the problem's fields ``changes`` replaced. None when the restriction needs search
    (mixed loads) or breaks a must-pair rule."""
    t = problem.teams
    assert t is not None
    one = np.ones(problem.n_children, np.int64)
    every = keep.size == problem.n_edges  # (keep is ascending: then it is every edge)
    restricted = problem if every else problem.restrict(keep)
    assert restricted.teams is not None
    teams = replace(restricted.teams, size_min=one, size_max=one, max_leads=max_leads)
    restricted = replace(restricted, teams=teams, **changes)
    flow = FlowBackend()
    if flow.unsupported(reduce(restricted).problem) is not None:
        return None  # only exact flow is quick enough for a start
    options = Options(time_limit=time_limit)
    solution = run(restricted, reduce(restricted), flow, options, time.perf_counter())
    return keep[solution.chosen] if solution.has_solution else None


def polish(
    problem: Problem, edges: np.ndarray, members: np.ndarray, leads: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """A pairing of the same children as ``(members, leads)`` (masks over ``edges``, a
    valid pairing) with a better fit where flow can find one: the teams of two or more
    members stay as they are, and every child with one member is paired again, each with
    one covering volunteer, by the exact min-cost flow over what capacity and lead caps
    those teams leave. So level 1 is unchanged (HiGHS's level-1 point is blind to fit).
    None when locks, fairness or mixed loads keep flow out."""
    p, t = problem, problem.teams
    assert t is not None
    if np.isin(p.locked, edges).any() or p.has_fairness:
        return None
    chosen, led = edges[members], edges[leads]
    count = np.bincount(p.child[chosen], minlength=p.n_children)
    single = np.zeros(p.n_children, bool)
    single[p.child[led]] = count[p.child[led]] == 1
    kept = chosen[~single[p.child[chosen]]]  # members of teams of two or more
    kept_leads = unique(kept[np.isin(kept, led)])
    supporters = unique(kept[~np.isin(kept, kept_leads)])
    used = np.bincount(
        p.volunteer[kept_leads], weights=p.load[kept_leads], minlength=p.n_volunteers
    )
    used += np.bincount(
        p.volunteer[supporters], weights=t.support_load[supporters], minlength=p.n_volunteers
    )
    capacity = p.capacity - np.rint(used).astype(np.int64)
    cap = t.max_leads
    if cap is not None:
        cap = np.maximum(cap - np.bincount(p.volunteer[kept_leads], minlength=p.n_volunteers), 0)
    keep = edges[single[p.child[edges]]]
    new = _one_member_flow(
        p, keep, cap, capacity=capacity, must_pair=single, locked=np.empty(0, np.int64)
    )
    if new is None:
        return None
    return np.isin(edges, np.concatenate((kept, new))), np.isin(
        edges, np.concatenate((kept_leads, new))
    )
