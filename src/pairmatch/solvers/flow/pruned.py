"""Exact flow on each child's best pairs, the rest proven unneeded: for very many pairs, or
a time limit the full flow would overrun.

Min-cost flow cannot be stopped part way, and on every pair in reach it takes about
:data:`SECONDS_PER_EDGE` a pair (44 s for the 25.5M pairs of a 20,000-child county at
10 km). From :data:`PRUNE_FROM_EDGES` pairs, or when the full flow would overrun a time
limit, the flow is solved on a small set of pairs
instead, each child's :data:`FIRST_K` (or more, as the limit allows) best-fitting ones,
and the rest are checked with the reduced costs of that flow's node potentials (the
certificate of :mod:`pairmatch.solvers.flow.repair`): a pair left out with a negative reduced
cost could improve the pairing, so it is added and the flow solved again; when no pair is
left with a negative reduced cost, the pairing is optimal over every pair in reach
(linear-programming duality; the network is totally unimodular).

When the time runs out first, the pairing found is FEASIBLE with a proven bound: for any
pairing ``g``, ``cost(g) >= cost(f) + sum over children of min(0, the least reduced cost of
their pairs left out)``, since the reduced costs of the pairs solved over are signed so that
moving flow onto or off them cannot gain (one unit leaves each child).

>>> import numpy as np, pairmatch as pm
>>> from pairmatch.solvers.base import Options
>>> value = np.array([[3.0, 1.0, 2.0], [2.0, 1.0, np.nan]])
>>> problem = pm.Problem.from_matrices(value, capacity=[1, 1, 1])
>>> core = solve_pruned(problem, Options(time_limit=5), k=1)
>>> core.status.value, core.score_bound == pm.solve(problem).score_bound
('OPTIMAL', True)
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np
from numba import njit

from pairmatch.problem import Problem
from pairmatch.solvers.base import CoreResult, Options, Status, level2_value
from pairmatch.solvers.flow.backend import FlowBackend
from pairmatch.solvers.flow.network import Network, fits, needed_weight, unit_capacity
from pairmatch.solvers.flow.repair import FlowRepair, repair_unsupported

log = logging.getLogger("pairmatch")

__all__ = ["SECONDS_PER_EDGE", "solve_pruned", "worth_pruning"]

#: Seconds the exact flow takes per candidate pair, network built and solved (measured:
#: 44 s for 25.5M pairs, 1.7 µs, on the benchmark machine; rounded up).
SECONDS_PER_EDGE = 2e-6
#: Best pairs per child in the first solve, and pairs of most negative reduced cost added
#: per child in each later round.
FIRST_K = 8


#: Pairs from which the flow is solved on a pruned set even without a time limit (each
#: child's best pairs, the rest proven unneeded). Measured on pm.synth.county(20000):
#: 25.5M pairs (10 km) 38.4 s in full, 29.5 s pruned (9 rounds); 4.6M pairs (3.5 km)
#: 12.7 s in full, 34.8 s pruned (8 rounds). Each round is a full flow on ~0.3-0.9M
#: pairs, so pruning pays only where the pairs are many times that.
PRUNE_FROM_EDGES = 20_000_000


def worth_pruning(problem: Problem, options: Options) -> bool:
    """Whether a flow problem should be solved on a pruned set of pairs: many pairs, or a
    time limit that the flow over every pair would overrun, and a network the certificate
    can hold."""
    limit = options.time_limit
    many = problem.n_edges >= PRUNE_FROM_EDGES
    overrun = limit is not None and problem.n_edges * SECONDS_PER_EDGE > 0.5 * limit
    return (many or overrun) and repair_unsupported(problem) is None


def solve_pruned(problem: Problem, options: Options, k: int | None = None) -> CoreResult | None:
    """The flow optimum of ``problem`` found on a pruned set of its pairs and proven over
    all of them, or the best pairing found with a proven bound when ``options.time_limit``
    runs out first; None when the network's costs do not fit the certificate (the caller
    then solves in full).

    The first set holds each child's ``k`` best pairs and each volunteer's best
    ``k + 2 x capacity`` (so that every volunteer's room is on offer to the children who
    need it most); each later round adds each child's ``k`` pairs of most negative reduced
    cost."""
    began = time.perf_counter()
    limit = options.time_limit
    if problem.locked.size or problem.teams is not None:
        return None  # (the caller fixes locks first; teams are not flow)
    deadline = None if limit is None else began + limit
    weight = 1 << needed_weight(problem).bit_length()
    if not fits(problem, weight):
        return None
    n, m = problem.n_children, problem.n_volunteers
    k = FIRST_K if k is None else k  # (not from the time left: the same pairs every run)
    start = np.searchsorted(problem.child, np.arange(n + 1))
    kept = np.zeros(problem.n_edges, np.bool_)
    _first_pairs(start, problem.volunteer, problem.score, unit_capacity(problem), m, k, kept)
    rounds = 0
    while True:
        t = time.perf_counter()
        rounds += 1
        edges = np.flatnonzero(kept)
        sub = replace(problem, child=problem.child[edges], volunteer=problem.volunteer[edges],
                      score=problem.score[edges], load=problem.load[edges])  # fmt: skip
        core = FlowBackend().solve(sub, replace(options, time_limit=None))
        if core.status is not Status.OPTIMAL:
            return None  # (no must-pair children here: cannot happen; solved in full)
        # potentials for the whole problem's folded costs, read below on all its pairs
        state = FlowRepair.proven(Network.build(sub, weight), core.chosen)
        if state is None:
            return None
        chosen = edges[core.chosen]
        gain = np.zeros(n, np.int64)  # per child: minus its least reduced cost left out
        found = _left_out(start, problem.volunteer, problem.score, problem.priority, weight,
                          state.pi, n, k, kept, gain)  # fmt: skip
        took = time.perf_counter() - t
        stats = {"edges_solved": int(edges.size), "rounds": rounds}
        if found == 0:
            p, s = _values(problem, chosen)
            log.debug("pruned flow proven optimal in %d rounds on %d of %d pairs",
                      rounds, edges.size, problem.n_edges)  # fmt: skip
            return CoreResult(chosen, Status.OPTIMAL, p, s, (), core.components, stats=stats)
        if deadline is not None and time.perf_counter() + 1.5 * took > deadline:
            return _bounded(problem, start, chosen, int(gain.sum()), weight, stats, core.components)


def _values(problem: Problem, chosen: np.ndarray) -> tuple[int, int]:
    return int(problem.priority[problem.child[chosen]].sum()), level2_value(problem, chosen)


def _bounded(
    problem: Problem,
    start: np.ndarray,
    chosen: np.ndarray,
    slack: int,
    weight: int,
    stats: dict[str, int],
    components: int,
) -> CoreResult:
    """The pairing found, completed greedily, FEASIBLE, with the bound the potentials of
    ``chosen`` prove: every child may gain at most minus the least reduced cost of its
    pairs left out, ``slack`` in all (folded units: ``weight`` per priority point, then
    level 2)."""
    p, s = _values(problem, chosen)
    # weight * P + S <= weight * p + s + slack for every pairing, and S >= s - (weight - 1)
    # (weight exceeds level 2's whole range): level 1 may gain up to this much
    p_bound = min(p + (slack + weight - 1) // weight, _most_priority(problem))
    # a pairing at that level 1 has at most this level 2; nor more than every child's best
    s_bound = min(s + slack - weight * (p_bound - p), _best_each(problem))
    better = _completed(problem, start, chosen)
    if better.size > chosen.size:
        stats = {**stats, "completed": int(better.size - chosen.size)}
        chosen = better
    note = (
        f"the time limit passed before the pairing was proven optimal over all "
        f"{problem.n_edges:,} candidate pairs (solved on {stats['edges_solved']:,} of them "
        f"in {stats['rounds']} rounds); the bound is proven"
    )
    return CoreResult(chosen, Status.FEASIBLE, p_bound, s_bound, (note,), components,
                      stats=stats)  # fmt: skip


def _completed(problem: Problem, start: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """``chosen`` with every child it leaves unpaired given, in order of priority, her best
    pair with a volunteer who still has room (and no fair-load penalty to pay for it, so
    that each addition raises the objective)."""
    p = problem
    room = unit_capacity(p) - np.bincount(p.volunteer[chosen], minlength=p.n_volunteers)
    fair = room.copy()
    if p.fair_load is not None and p.has_fairness:
        used = np.bincount(p.volunteer[chosen], minlength=p.n_volunteers)
        fair = np.asarray(p.fair_load, np.int64) - used
    paired = np.zeros(p.n_children, np.bool_)
    paired[p.child[chosen]] = True
    order = np.argsort(-p.priority, kind="stable")
    taken = np.zeros(p.n_edges, np.bool_)
    taken[chosen] = True
    _greedy_fill(start, p.volunteer, p.score, p.priority, order, room, fair, paired, taken)
    return np.flatnonzero(taken)


def _most_priority(problem: Problem) -> int:
    """A bound on level 1 whatever the distances: the highest priorities, of children with a
    candidate pair, that the volunteers' capacity could hold."""
    reachable = np.zeros(problem.n_children, bool)
    reachable[problem.child] = True
    priority = np.sort(problem.priority[reachable])[::-1]
    return int(priority[: int(unit_capacity(problem).sum())].sum())


def _best_each(problem: Problem) -> int:
    """The sum over children of their best pair's level-2 value (0 for none): a bound on
    level 2 whatever the capacities (edges sorted by child)."""
    child, score = problem.child, problem.score
    if child.size == 0:
        return 0
    starts = np.flatnonzero(np.r_[True, child[1:] != child[:-1]])
    return int(np.maximum(np.maximum.reduceat(score, starts), 0).sum())


@njit(cache=True, nogil=True)
def _greedy_fill(
    start, volunteer, score, priority, order, room, fair, paired, taken
):  # pragma: no cover
    """Give each unpaired child in ``order`` her best-scoring pair whose volunteer has room
    within her fair load, when that pair adds to the objective."""
    for c in order:
        if paired[c]:
            continue
        best = -1
        for e in range(start[c], start[c + 1]):
            v = volunteer[e]
            if room[v] > 0 and fair[v] > 0 and (best < 0 or score[e] > score[best]):
                best = e
        if best >= 0 and (priority[c] > 0 or score[best] > 0):
            taken[best] = True
            paired[c] = True
            room[volunteer[best]] -= 1
            fair[volunteer[best]] -= 1


@njit(cache=True, nogil=True)
def _first_pairs(start, volunteer, score, room, m, k, kept):  # pragma: no cover - compiled
    """Mark in ``kept`` each child's ``k`` pairs of highest ``score`` and each volunteer's
    ``k + 2 * room`` (edges sorted by child, ``start`` their CSR offsets; ties all kept).
    One pass keeps every volunteer's best scores so far in a small buffer whose least is
    replaced (rarely, once the buffer holds good ones); no array as long as the edges."""
    lowest = np.iinfo(np.int64).min
    want = np.minimum(k + 2 * room, 4 * k + 64)
    width = want.max() if m else 1
    best = np.full((m, width), lowest, np.int64)
    floor = np.full(m, lowest, np.int64)  # the least value in each buffer
    top = np.empty(k, np.int64)
    for c in range(start.size - 1):
        a, b = start[c], start[c + 1]
        if b - a <= k:
            kept[a:b] = True
        else:
            top[:] = lowest
            least = lowest
            for e in range(a, b):
                if score[e] > least:
                    least = _replace_least(top, k, score[e])
            for e in range(a, b):
                if score[e] >= least:
                    kept[e] = True
        for e in range(a, b):
            v = volunteer[e]
            if score[e] > floor[v]:
                floor[v] = _replace_least(best[v], want[v], score[e])
    for e in range(volunteer.size):
        if score[e] >= floor[volunteer[e]]:
            kept[e] = True


@njit(cache=True, nogil=True, inline="always")
def _replace_least(buffer, size, value):  # pragma: no cover - compiled
    """Put ``value`` in place of the least of ``buffer[:size]``; returns the new least."""
    at = 0
    for i in range(1, size):
        if buffer[i] < buffer[at]:
            at = i
    buffer[at] = value
    least = buffer[0]
    for i in range(1, size):
        if buffer[i] < least:
            least = buffer[i]
    return least


@njit(cache=True, nogil=True)
def _left_out(start, volunteer, score, priority, weight, pi, n, k, kept, gain):
    """Reduced costs of the pairs left out under the potentials ``pi`` (the cost of a pair
    is ``-(weight * priority + score)``): each child's least one, when negative, goes in
    ``gain`` as minus it, and its ``k`` most negative ones are added to ``kept``. Returns
    how many pairs left out have a negative reduced cost."""
    found = 0
    lowest = np.iinfo(np.int64).min
    top = np.empty(k, np.int64)
    for c in range(start.size - 1):
        a, b = start[c], start[c + 1]
        base = pi[c] - weight * priority[c]
        worst = 0
        bad = 0
        top[:] = lowest
        least = lowest
        for e in range(a, b):
            if not kept[e]:
                rc = base - score[e] - pi[n + volunteer[e]]
                if rc < 0:
                    bad += 1
                    worst = min(worst, rc)
                    if -rc > least:
                        least = _replace_least(top, k, -rc)
        if bad == 0:
            continue
        found += bad
        gain[c] = -worst
        for e in range(a, b):
            if not kept[e]:
                rc = base - score[e] - pi[n + volunteer[e]]
                if rc < 0 and -rc >= least:
                    kept[e] = True
    return found
