"""Independent oracles for property tests: exhaustive search and maximum cardinality.

Nothing here imports pairmatch's solvers; only the plain arrays of a ``pm.Problem`` are read.
``brute_force`` is deliberately naive so that it is obviously correct.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

import pairmatch as pm
from pairmatch.problem import Teams

__all__ = ["MAX_ASSIGNMENTS", "brute_force", "max_cardinality", "n_assignments"]

#: Refuse to enumerate more assignments than this.
MAX_ASSIGNMENTS = 200_000


def _edges_of_children(problem) -> list[list[int]]:
    """Edge indices of each child."""
    out: list[list[int]] = [[] for _ in range(int(problem.n_children))]
    for e, c in enumerate(np.asarray(problem.child).tolist()):
        out[c].append(e)
    return out


def n_assignments(problem) -> int:
    """How many assignments ``brute_force`` would enumerate: prod(1 + degree)."""
    return math.prod(1 + len(edges) for edges in _edges_of_children(problem))


def brute_force(problem) -> tuple[int, int] | None:
    """The lexicographic optimum ``(priority total, score total)`` of ``problem`` found by
    enumerating every assignment (each child: unpaired, or one of its own edges), or
    ``None`` when no assignment obeys capacity (with loads), must-pair and locked edges.
    The score total loses ``overload_penalty`` per pair beyond a volunteer's fair load."""
    total = n_assignments(problem)
    if total > MAX_ASSIGNMENTS:
        raise ValueError(f"instance too large for brute force: {total} assignments")
    child = [int(x) for x in problem.child]
    volunteer = [int(x) for x in problem.volunteer]
    score = [int(x) for x in problem.score]
    load = [int(x) for x in problem.load]
    capacity = [int(x) for x in problem.capacity]
    priority = [int(x) for x in problem.priority]
    must_pair = [bool(x) for x in problem.must_pair]
    locked = {int(x) for x in problem.locked}
    fair = None if problem.fair_load is None else [int(x) for x in problem.fair_load]
    penalty = int(problem.overload_penalty)

    options = [[None, *edges] for edges in _edges_of_children(problem)]
    best: tuple[int, int] | None = None
    for assignment in itertools.product(*options):
        chosen = [e for e in assignment if e is not None]
        # must-pair children are paired
        if any(must_pair[c] and assignment[c] is None for c in range(len(assignment))):
            continue
        # every locked edge is chosen
        if not locked <= set(chosen):
            continue
        # loads within capacity
        used = [0] * len(capacity)
        for e in chosen:
            used[volunteer[e]] += load[e]
        if any(u > cap for u, cap in zip(used, capacity, strict=True)):
            continue
        fit = sum(score[e] for e in chosen)
        if fair is not None:  # fairness: each pair beyond a volunteer's fair load costs
            count = [0] * len(capacity)
            for e in chosen:
                count[volunteer[e]] += 1
            fit -= penalty * sum(max(0, k - f) for k, f in zip(count, fair, strict=True))
        value = (sum(priority[child[e]] for e in chosen), fit)
        if best is None or value > best:
            best = value
    return best


def max_cardinality(problem) -> int:
    """The largest number of children that can be paired at once (capacities respected,
    scores and priorities ignored), for unit-load problems.

    Each volunteer ``v`` is expanded into ``capacity[v]`` copies, each joined to every child
    that has an edge to ``v``; the answer is a maximum bipartite matching of that graph.
    """
    load = np.asarray(problem.load)
    if load.size and not np.all(load == 1):
        raise ValueError("max_cardinality is only defined here for unit loads")
    n = int(problem.n_children)
    capacity = [int(x) for x in problem.capacity]
    first_copy = np.concatenate(([0], np.cumsum(capacity))).astype(np.int64)
    n_copies = int(first_copy[-1])
    rows: list[int] = []
    cols: list[int] = []
    for c, v in zip(problem.child.tolist(), problem.volunteer.tolist(), strict=True):
        for k in range(capacity[v]):
            rows.append(c)
            cols.append(int(first_copy[v]) + k)
    if n == 0 or n_copies == 0 or not rows:
        return 0
    graph = csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n_copies))
    matching = maximum_bipartite_matching(graph, perm_type="column")
    return int(np.count_nonzero(matching >= 0))


def brute_force_teams(p: pm.Problem, key=lambda *levels: levels) -> tuple[int, ...] | None:
    """Lexicographic optimum (priority, level 2, -members) over every choice of team and
    lead for every child; None when nothing obeys the rules. The oracle: no cleverness.
    ``key`` maps (level 1, level 2, -members) to what is maximised instead."""
    t = p.teams
    options: list[list[tuple[tuple[int, ...], int | None]]] = []
    for c in range(p.n_children):
        own = [int(e) for e in np.flatnonzero(p.child == c)]
        choices: list[tuple[tuple[int, ...], int | None]] = []
        if not p.must_pair[c]:
            choices.append(((), None))
        for size in range(int(t.size_min[c]), int(t.size_max[c]) + 1):
            for team in itertools.combinations(own, size):
                covered = np.zeros(t.covers.shape[1], bool)
                for e in team:
                    covered |= t.covers[e]
                if np.any(t.cover_required[c] & ~covered):
                    continue
                choices += [(team, lead) for lead in team]
        options.append(choices)
    best = None
    for pick in itertools.product(*options):
        members = [e for team, _ in pick for e in team]
        if not set(p.locked.tolist()) <= set(members):
            continue
        used = np.zeros(p.n_volunteers, np.int64)
        for team, lead in pick:
            for e in team:
                used[p.volunteer[e]] += p.load[e] if e == lead else t.support_load[e]
        if np.any(used > p.capacity):
            continue
        if t.max_leads is not None:
            led = np.bincount([p.volunteer[lead] for team, lead in pick if team],
                              minlength=p.n_volunteers)  # fmt: skip
            if np.any(led > t.max_leads):
                continue
        level1 = sum(int(p.priority[c]) for c, (team, _) in enumerate(pick) if team)
        level2 = sum(int(p.score[e]) for e in members)
        if p.fair_load is not None:
            count = np.bincount([p.volunteer[e] for e in members], minlength=p.n_volunteers)
            level2 -= p.overload_penalty * int(np.maximum(count - p.fair_load, 0).sum())
        for team, _ in pick:
            if team:
                level2 += int(t.category_value[list(team)].max(axis=0).sum())
        value = key(level1, level2, -len(members))
        best = value if best is None or value > best else best
    return best


def trade_problem() -> pm.Problem:
    """Child 0 needs category 0 covered and may have a supporter; only volunteer 0 covers
    it. Volunteer 1 is worth 10 in category 1 but has room for one lead or one supporter,
    and child 1 (one member) prefers her (score 5) to volunteer 2 (score 4).

    The greedy start pairs child 1 with volunteer 1 (the one-member optimum), which leaves
    her no room to support child 0: fit 2 + 5 = 7. The optimum sends child 1 to volunteer
    2 and makes volunteer 1 child 0's supporter: 2 + 10 + 4 = 16."""
    teams = Teams(
        size_min=np.array([1, 1]), size_max=np.array([2, 1]),
        support_load=np.ones(4, np.int64),
        cover_required=np.array([[True, False], [False, False]]),
        covers=np.array([[True, False], [False, True], [False, True], [False, False]]),
        category_value=np.array([[2, 0], [0, 10], [0, 0], [0, 0]]),
    )  # fmt: skip
    return pm.Problem(
        n_children=2, n_volunteers=3, child=[0, 0, 1, 1], volunteer=[0, 1, 1, 2],
        score=[0, 0, 5, 4], load=np.full(4, 2), capacity=[2, 2, 2], priority=[1, 1],
        teams=teams,
    )  # fmt: skip
