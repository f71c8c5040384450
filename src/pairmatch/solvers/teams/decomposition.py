"""One team component solved by column generation: bounds on both levels from the
Dantzig-Wolfe master, pairings from integer masters, and a proof where the bounds allow.

The steps, each under the time left (see :mod:`pairmatch.solvers.teams.colgen` for the
master, its stabilised duals and the reduced-cost argument):

1. **Level 1.** When the flow bound does not already prove the start's level 1, column
   generation prices the capacities for priority alone. Its bound is level 1's; the integer
   master over the columns generated (HiGHS, started from the best pairing) may pair more.
   When a gap is left and the columns that could close it are few enough, they are all
   listed and the integer master over them settles level 1 exactly.
2. **Levels 2 and 3.** Level 1 is kept as a floor (the best found: the optimum's is at
   least that) and column generation prices the capacities, the lead caps and the floor for
   ``weight · fit − members``. Its bound is level 2's (and 3's). The integer master is
   solved over the columns generated, then again with the columns whose reduced cost is
   within a share of the gap. When the gap is small enough to list every column that could
   close it, the integer master over them is the exact optimum.

A pairing is taken only after an exact integer check of every rule. The answer is OPTIMAL
when both levels (and level 3) meet their bounds, else FEASIBLE with both bounds proven.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from pairmatch.arrays import unique
from pairmatch.problem import Problem
from pairmatch.solvers.base import level2_value
from pairmatch.solvers.teams.colgen import (
    EXACT,
    MAX_STEPS,
    ColumnGeneration,
    Stage,
    enumerate_columns,
)
from pairmatch.solvers.teams.improve import improve
from pairmatch.solvers.teams.pricing import Pricing, Subproblems
from pairmatch.solvers.teams.start import polish

__all__ = ["Decomposed", "decompose"]

#: Shares of the time left for level 1's bound and then for level 2's.
LEVEL1_SHARE = 0.2
LEVEL2_SHARE = 0.5
#: Without a time limit, what one heuristic integer master may take (the exact one, which
#: proves, is not limited).
HEURISTIC_SECONDS = 60.0
#: Teams the listing looks at per second of the time it may take (measured: 50M in 1.5 s
#: to 6 s, by how many teams each child has); a tenth of that time goes to it.
STEPS_PER_SECOND = 1_000_000
#: HiGHS's proof of an integer master is taken only when its bound and value are at most
#: this (doubles and tolerances near 1e-9 cannot hide a unit below it).
MIP_MAX_OBJECTIVE = 10**7
#: Columns listed at most for an exact integer master (beyond it the gap stays open).
MAX_EXACT_COLUMNS = 400_000
#: Shares of the gap within which columns are added for the heuristic integer master.
NEAR_SHARES = (0.01, 0.05)
#: Columns added at most for the heuristic integer master.
MAX_NEAR_COLUMNS = 60_000


@dataclass
class Decomposed:
    """What :func:`decompose` found for a component: the best pairing (member and lead masks
    over the component's edges), both levels' proven bounds, whether level 3 is proven too,
    and notes on the way."""

    members: np.ndarray
    leads: np.ndarray
    p_bound: int
    s_bound: int
    optimal: bool
    notes: tuple[str, ...]
    stats: dict[str, int]


def _steps(seconds: float | None) -> int:
    """The listing's work budget for ``seconds`` (None: no limit but :data:`MAX_STEPS`)."""
    return MAX_STEPS if seconds is None else min(MAX_STEPS, int(STEPS_PER_SECOND * seconds))


class _Clock:
    def __init__(self, end: float | None) -> None:
        self.end = end

    def left(self, share: float = 1.0) -> float | None:
        if self.end is None:
            return None
        return max(0.0, share * (self.end - time.perf_counter()))

    def deadline(self, share: float = 1.0) -> float | None:
        left = self.left(share)
        return None if left is None else time.perf_counter() + left

    def over(self) -> bool:
        return self.end is not None and time.perf_counter() >= self.end


def decompose(
    problem: Problem,
    edges: np.ndarray,
    members: np.ndarray,
    leads: np.ndarray,
    p_bound: int,
    s_bound: int,
    end: float | None,
    report=None,
) -> Decomposed | None:
    """Solve the team component ``edges`` from the valid pairing ``(members, leads)``
    (masks over ``edges``) with proven bounds ``p_bound`` and ``s_bound``, until ``end``
    (``time.perf_counter()`` seconds; None: until proven, or until the columns that could
    close a gap are too many to list). None when column generation does not apply: locked
    pairs, a fairness penalty, or subproblems that cannot be priced exactly (see
    :mod:`pairmatch.solvers.teams.pricing`). ``report(fit, bound)`` shows progress."""
    p = problem
    if p.has_fairness or np.isin(p.locked, edges).any():
        return None
    sub = Subproblems.of(p, edges)
    if sub is None:
        return None
    clock = _Clock(end)
    local = _Local(p, sub)
    best = local.columns_of(edges[members], edges[leads])
    level1, fit, size = local.levels(best)
    notes: list[str] = []
    stats = {"colgen_rounds": 0, "colgen_columns": 0}

    # -- level 1 --------------------------------------------------------------------------
    if p_bound > level1:
        cg1 = ColumnGeneration(p, sub, Stage(1))
        cg1.add(*best)
        bound = cg1.run(clock.deadline(LEVEL1_SHARE))
        stats["colgen_rounds"] += cg1.rounds
        if np.isfinite(bound):
            p_bound = min(p_bound, int(np.floor(bound + 1e-9 * abs(bound) + 1e-6)))
        for fix in (True, False):
            if p_bound <= level1 or clock.over():
                break
            better = _integer(cg1, local, best, clock.left(0.1), level1 + 1, fix)
            if better is not None:
                # the integer master is blind to fit: the one-member children are paired
                # again by exact flow over what the teams leave (same children paired)
                best = _polished(p, edges, local, better)
                level1, fit, size = local.levels(best)
        if p_bound > level1 and not clock.over() and cg1.centre is not None:
            # (floor level1: a proof that the pairing found is optimal is a proof too)
            exact = _exact(cg1, local, best, level1, clock.left(0.3), level1)
            if exact is not None:
                proven, better = exact
                if better is not None:
                    best = _polished(p, edges, local, better)
                    level1, fit, size = local.levels(best)
                if proven:
                    p_bound = level1
        stats["colgen_columns"] += cg1.kid.size
        stats["colgen_cuts"] = cg1.n_cuts
        del cg1
    p_bound = max(p_bound, level1)

    # -- levels 2 and 3 --------------------------------------------------------------------
    most = local.most()
    weight = most + 1
    if float(weight) * max(abs(s_bound), abs(fit), 1) > EXACT:
        weight = 1  # level 3 cannot be folded in exactly: it stays unproven
    cg2 = ColumnGeneration(p, sub, Stage(2, weight, level1))
    cg2.add(*best)

    def combined(value: tuple[int, int, int]) -> int:
        return weight * value[1] - (value[2] if weight > 1 else 0)

    def fit_bound(bound: float) -> int:
        whole = int(np.floor(bound + 1e-10 * abs(bound) + 1e-6))
        return (whole + most) // weight if weight > 1 else whole

    found = combined((level1, fit, size))
    progress = (lambda b: report(fit, fit_bound(b))) if report is not None else None
    bound = cg2.run(clock.deadline(LEVEL2_SHARE), progress=progress)
    stats["colgen_rounds"] += cg2.rounds
    if np.isfinite(bound):
        s_bound = min(s_bound, fit_bound(bound))
    else:  # the master failed before any pricing: no bound, no listing
        bound = float(found) + EXACT

    def gap_left() -> float:
        return float(np.floor(bound + 1e-10 * abs(bound) + 1e-6) - found)

    def take(better: tuple[np.ndarray, np.ndarray] | None) -> None:
        nonlocal best, level1, fit, size, found
        if better is not None and combined(local.levels(better)) > found:
            best = better
            level1, fit, size = local.levels(best)
            found = combined((level1, fit, size))

    for fix in (True, False):
        if gap_left() > 0 and not clock.over():
            take(_integer(cg2, local, best, clock.left(0.2 if fix else 0.5), level1, fix))
    for share in NEAR_SHARES:
        if gap_left() <= 0 or clock.over() or cg2.centre is None:
            break
        near = enumerate_columns(cg2, share * gap_left(), MAX_NEAR_COLUMNS, _steps(clock.left(0.1)))
        if near is None:
            break
        if cg2.add(near[:, 0], near[:, 1:]) == 0:
            continue
        take(_integer(cg2, local, best, clock.left(0.5), level1, False))
    proven2 = gap_left() <= 0
    if not proven2 and not clock.over() and cg2.centre is not None:
        exact = _exact(cg2, local, best, found, clock.left(0.7), level1)
        if exact is not None:
            proven2, better = exact
            take(better)
    if not proven2 and end is not None and (clock.left() or 0.0) > 1.0 and cg2.centre is not None:
        # no proof within reach: the rest of the time improves the pairing window by
        # window, over the teams found (pairmatch.solvers.teams.improve)
        take(_windows(p, edges, local, best, cg2, end))
        proven2 = gap_left() <= 0
    if not proven2 and end is not None and (clock.left() or 0.0) > 1.0:
        take(_integer(cg2, local, best, clock.left(), level1, False))
        proven2 = gap_left() <= 0
    stats["colgen_columns"] += cg2.kid.size
    stats["colgen_cuts"] = stats.get("colgen_cuts", 0) + cg2.n_cuts
    if report is not None:
        report(fit, fit if proven2 else s_bound)
    if proven2:
        s_bound = fit
    s_bound = max(s_bound, fit)
    optimal = proven2 and p_bound == level1 and weight > 1
    if p_bound == level1 and proven2 and not optimal:
        notes.append(
            "levels 1 and 2 are proven optimal by their bounds; fewer members is not proven"
        )
    members, leads = local.masks(best, edges)
    return Decomposed(members, leads, p_bound, s_bound, optimal, tuple(notes), stats)


def _windows(
    problem: Problem,
    edges: np.ndarray,
    local: _Local,
    best: tuple[np.ndarray, np.ndarray],
    cg: ColumnGeneration,
    end: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """``best`` improved window by window (:func:`pairmatch.solvers.teams.improve.improve`),
    offered the teams of two or more the master holds and priced at its best bound."""
    assert cg.centre is not None
    members, leads = local.masks(best, edges)
    prices = np.zeros(problem.n_volunteers)
    prices[cg.sub.vols] = cg.centre.lam
    several = cg.teams[(cg.teams[:, 1] >= 0)]
    teams = np.where(several >= 0, cg.sub.edges[np.maximum(several, 0)], -1)
    pricing = Pricing(0, prices, cg.centre.mu, teams)
    better = improve(problem, edges, members, leads, pricing, end)
    if better is None:
        return None
    pick = local.columns_of(edges[better[0]], edges[better[1]])
    return pick if local.valid(pick) else None


def _polished(
    problem: Problem, edges: np.ndarray, local: _Local, pick: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """``pick`` with its one-member children paired again by flow, where that is valid and
    raises the fit (:func:`~pairmatch.solvers.teams.start.polish`)."""
    members, leads = local.masks(pick, edges)
    polished = polish(problem, edges, members, leads)
    if polished is None:
        return pick
    again = local.columns_of(edges[polished[0]], edges[polished[1]])
    if not local.valid(again) or local.levels(again)[:2] <= local.levels(pick)[:2]:
        return pick
    return again


def _integer(
    cg: ColumnGeneration,
    local: _Local,
    best: tuple[np.ndarray, np.ndarray],
    seconds: float | None,
    floor: int,
    fix: bool = False,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The integer master over ``cg``'s columns from the pairing ``best`` (with ``fix``,
    over the children the linear program pairs partly, the rest fixed): its answer when it
    passes the exact check and reaches ``floor`` on level 1, else None."""
    start = cg.indicator(*best)
    x, _, _ = cg.integer(HEURISTIC_SECONDS if seconds is None else seconds, start, fix)
    return _checked(cg, local, x, floor) if x.any() else None


def _checked(
    cg: ColumnGeneration, local: _Local, x: np.ndarray, floor: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The columns ``x`` chooses, when they pass the exact check and reach ``floor``."""
    chosen = np.flatnonzero(x)
    pick = (cg.kid[chosen], cg.teams[chosen])
    if not local.valid(pick) or local.levels(pick)[0] < floor:
        return None
    return pick


def _exact(
    cg: ColumnGeneration,
    local: _Local,
    best: tuple[np.ndarray, np.ndarray],
    found: int,
    seconds: float | None,
    floor: int,
) -> tuple[bool, tuple[np.ndarray, np.ndarray] | None] | None:
    """List every column that could be in a pairing better than ``found`` (the stage's
    value of ``best``) and solve the integer master over them: (proven, a better pairing or
    None); None when the columns are too many."""
    gap = cg.bound - found
    columns = enumerate_columns(cg, gap - 1, MAX_EXACT_COLUMNS, _steps(seconds))
    if columns is None:
        return None
    cg.add(columns[:, 0], columns[:, 1:])
    start = cg.indicator(*best)
    x, value, proven = cg.integer(seconds, start)
    # HiGHS proves in doubles, with tolerances: its proof is taken only where they cannot
    # hide a unit of the objective (as model.MIP_MAX_OBJECTIVE for level 1)
    proven = proven and max(abs(cg.bound), abs(value)) <= MIP_MAX_OBJECTIVE
    pick = _checked(cg, local, x, floor)
    if pick is None:
        return False, None
    return proven, pick if value > found else None


class _Local:
    """Columns in the subproblems' local numbering, mapped to and from the problem's edges,
    with their exact levels and an exact check of every rule."""

    def __init__(self, problem: Problem, sub: Subproblems) -> None:
        self.p, self.sub = problem, sub
        self.pos = np.full(problem.n_edges, -1, np.int64)
        self.pos[sub.edges] = np.arange(sub.edges.size)
        self.kids = problem.child[sub.edges[sub.lo[sub.lo < sub.hi]]]
        self.kid_of = np.full(problem.n_children, -1, np.int64)
        self.kid_of[self.kids] = np.arange(self.kids.size)

    def columns_of(self, chosen: np.ndarray, led: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(local child, local team) of each paired child of the pairing."""
        p = self.p
        kid = self.kid_of[p.child[led]]
        teams = np.full((led.size, 3), -1, np.int64)
        teams[:, 0] = self.pos[led]
        row = np.full(p.n_children, -1, np.int64)
        row[p.child[led]] = np.arange(led.size)
        support = chosen[~np.isin(chosen, led)]
        support = support[np.argsort(p.child[support], kind="stable")]
        owner = row[p.child[support]]
        first = np.r_[True, owner[1:] != owner[:-1]] if support.size else np.empty(0, bool)
        teams[owner[first], 1] = self.pos[support[first]]
        teams[owner[~first], 2] = self.pos[support[~first]]
        return kid, teams

    def edges_of(self, pick: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        teams = pick[1]
        chosen = self.sub.edges[teams[teams >= 0]]
        led = self.sub.edges[teams[:, 0]]
        return np.sort(chosen), np.sort(led)

    def masks(self, pick: tuple[np.ndarray, np.ndarray], edges: np.ndarray) -> tuple:
        chosen, led = self.edges_of(pick)
        return np.isin(edges, chosen), np.isin(edges, led)

    def levels(self, pick: tuple[np.ndarray, np.ndarray]) -> tuple[int, int, int]:
        """Level 1, level 2 and the number of members of the pairing."""
        chosen, led = self.edges_of(pick)
        p = self.p
        return int(p.priority[p.child[led]].sum()), level2_value(p, chosen), int(chosen.size)

    def most(self) -> int:
        """The most members a pairing can have: each child's largest team or its pairs."""
        s = self.sub
        return int(np.minimum(s.hi - s.lo, s.size_max).sum())

    def valid(self, pick: tuple[np.ndarray, np.ndarray]) -> bool:
        """Every rule, in exact integers: one team per child, team sizes, distinct members,
        coverage, capacities, lead caps, children who must be paired."""
        p, t = self.p, self.p.teams
        assert t is not None
        kid, teams = pick
        if unique(kid).size != kid.size or np.any(teams[:, 0] < 0):
            return False
        present = teams >= 0
        e = self.sub.edges[np.maximum(teams, 0)]
        child = self.kids[kid]
        if np.any(np.where(present, p.child[e], child[:, None]) != child[:, None]):
            return False
        size = present.sum(axis=1)
        if np.any(size < t.size_min[child]) or np.any(size > t.size_max[child]):
            return False
        vol = np.where(present, p.volunteer[e], -1 - np.arange(3)[None, :])
        if (
            np.any(vol[:, 0] == vol[:, 1])
            or np.any(vol[:, 0] == vol[:, 2])
            or np.any(vol[:, 1] == vol[:, 2])
        ):
            return False
        covered = (t.covers[e] & present[:, :, None]).any(axis=1)
        if np.any(t.cover_required[child] & ~covered):
            return False
        used = np.zeros(p.n_volunteers, np.int64)
        np.add.at(used, p.volunteer[e[:, 0]], p.load[e[:, 0]])
        sup = e[:, 1:][present[:, 1:]]
        np.add.at(used, p.volunteer[sup], t.support_load[sup])
        if np.any(used > p.capacity):
            return False
        if t.max_leads is not None:
            led = np.bincount(p.volunteer[e[:, 0]], minlength=p.n_volunteers)
            if np.any(led > t.max_leads):
                return False
        must = self.kids[self.sub.must]
        return bool(np.isin(must, child).all())
