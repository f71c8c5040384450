"""An upper bound on level 2 of a team problem by Lagrangian relaxation, with each child's
team chosen exactly.

The flow relaxations of :mod:`pairmatch.solvers.teams.relaxations` give a lead the best value of
every need category among all the child's candidates, whoever is in the team; on a
1,000-child county that bound sits 26% above the best pairing found. Here the volunteers'
capacities are priced instead (``λ_v`` per unit of load) and level 1 is kept as a
constraint ``Σ priority of paired children >= floor`` priced by ``μ``. For any prices the
problem splits into one small problem per child, solved exactly:

    L(λ, μ) = Σ_v λ_v·capacity_v − μ·floor
              + Σ_c max(0, max over valid teams T of [team_fit(c, T) + μ·priority_c
                                                       − Σ_{v ∈ T} λ_v·load(v)])

``L`` is at least the fit of every valid pairing whose level 1 reaches ``floor`` (weak
duality). With ``floor`` the best level 1 found (the optimum's level 1 is at least that),
``min L`` bounds the objective of every level-1 optimum. Prices are found by projected
subgradient steps (Polyak's rule, aiming at the best fit found) for as long as the time
budget allows; any prices give a valid bound, the search only makes it tighter.

A child's best team (at most three members, one lead) is found by enumerating which member
each need category's value is credited to: with ``K`` categories there are ``4^K`` ways
(lead, supporter 1, supporter 2, nobody), and for each, the three best volunteers per
(role, credited categories) are enough to find three distinct members. This is exact when
every category value is >= 0 and a volunteer who covers a required category is worth at
least as much in it as one who does not (both hold for pairmatch's teams: values and
coverage grow with the same skill level); otherwise no bound is given. Lead caps, locks
and the fairness penalty are left out, which only loosens the bound.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from pairmatch.problem import Problem

__all__ = ["SECONDS_PER_EDGE", "Pricing", "Subproblems", "price_teams", "team_fit_bound"]

_NEG = -1e300

#: Measured cost of setting the bound up and running its first round, per edge (2.3 s of
#: setup and 0.2 s a round at 4.6M edges, 2 cores): a budget below it is not started.
SECONDS_PER_EDGE = 6e-7

#: Threads that run the per-child subproblems side by side (at most one per core).
MAX_THREADS = 4


@njit(cache=True, nogil=True)
def _best_teams(
    lo, hi, vol, score, lead_cost, sup_cost, cv, covers, required, size_min, size_max,
    prio, must, mu, best, pick,
):  # fmt: skip  # pragma: no cover - compiled
    """Each child's most valuable team under the prices (``best``; 0 for no team unless the
    child must be paired) and its edges (``pick``: lead, supporter, supporter; -1 none).
    ``lead_cost`` and ``sup_cost`` are what each edge's member costs under the prices as a
    lead and as a supporter."""
    k_n = cv.shape[1]
    n_sets = 1 << k_n
    top_v = np.empty((2, n_sets, 3))
    top_e = np.empty((2, n_sets, 3), np.int64)
    total = 1
    for _ in range(k_n):
        total *= 4
    for c in range(lo.size):
        a, b = lo[c], hi[c]
        pick[c, 0] = pick[c, 1] = pick[c, 2] = -1
        best[c] = _NEG if must[c] else 0.0
        if a == b:
            if must[c]:
                best[c] = 0.0
            continue
        need = 0
        for k in range(k_n):
            if required[c, k]:
                need |= 1 << k
        if size_max[c] == 1:  # one member: her own values, coverage as given
            _best_single(c, a, b, score, lead_cost, cv, covers, required, prio, mu, best,
                         pick)  # fmt: skip
        else:
            _top_three(a, b, need, score, lead_cost, sup_cost, cv, covers, top_v,
                       top_e)  # fmt: skip
            _best_combination(c, need, k_n, total, vol, size_min, size_max, prio, mu, top_v,
                              top_e, best, pick)  # fmt: skip
        if best[c] == _NEG:
            best[c] = 0.0  # a child who must be paired and cannot: the problem is infeasible
    return best


@njit(cache=True, nogil=True, inline="always")
def _best_single(
    c, a, b, score, lead_cost, cv, covers, required, prio, mu, best, pick
):  # fmt: skip  # pragma: no cover - compiled
    """Child ``c``'s best one-member team among her edges ``a:b`` (a volunteer who covers
    every required category alone, with all her own category values)."""
    k_n = cv.shape[1]
    for e in range(a, b):
        ok = True
        for k in range(k_n):
            if required[c, k] and not covers[e, k]:
                ok = False
        if not ok:
            continue
        val = mu * prio[c] + score[e] - lead_cost[e]
        for k in range(k_n):
            val += cv[e, k]
        if val > best[c]:
            best[c] = val
            pick[c, 0] = e


@njit(cache=True, nogil=True, inline="always")
def _top_three(
    a, b, need, score, lead_cost, sup_cost, cv, covers, top_v, top_e
):  # fmt: skip  # pragma: no cover - compiled
    """For each role (0 lead, 1 supporter) and set ``s`` of categories credited to the
    member, the three best members among the edges ``a:b`` (``top_v`` their values under
    the prices, ``top_e`` their edges; -1 none). A member may be credited only with the
    required categories (``need``) she covers."""
    k_n = cv.shape[1]
    n_sets = 1 << k_n
    for r in range(2):
        for s in range(n_sets):
            for j in range(3):
                top_v[r, s, j] = _NEG
                top_e[r, s, j] = -1
    for e in range(a, b):
        mask = 0
        for k in range(k_n):
            if covers[e, k]:
                mask |= 1 << k
        for s in range(n_sets):
            if (s & need) & ~mask:
                continue  # credited with a required category she does not cover
            base = score[e]
            for k in range(k_n):
                if s >> k & 1:
                    base += cv[e, k]
            for r in range(2):
                val = base - (lead_cost[e] if r == 0 else sup_cost[e])
                if val > top_v[r, s, 2]:
                    j = 2
                    while j > 0 and val > top_v[r, s, j - 1]:
                        top_v[r, s, j] = top_v[r, s, j - 1]
                        top_e[r, s, j] = top_e[r, s, j - 1]
                        j -= 1
                    top_v[r, s, j] = val
                    top_e[r, s, j] = e


@njit(cache=True, nogil=True, inline="always")
def _best_combination(
    c, need, k_n, total, vol, size_min, size_max, prio, mu, top_v, top_e, best, pick
):  # fmt: skip  # pragma: no cover - compiled
    """Child ``c``'s best team from the members :func:`_top_three` found: every way
    (``total`` = 4^categories) of crediting each category to the lead, a supporter or
    nobody, every team size allowed, three distinct volunteers (``k_n`` categories)."""
    for code in range(total):
        s0 = s1 = s2 = 0
        ok = True
        x = code
        for k in range(k_n):
            slot = x % 4
            x //= 4
            if slot == 0:
                s0 |= 1 << k
            elif slot == 1:
                s1 |= 1 << k
            elif slot == 2:
                s2 |= 1 << k
            elif need >> k & 1:
                ok = False  # a required category must be credited to a coverer
        if not ok or (s2 and not s1):
            continue
        for extra in range(3):  # supporters present beyond those credited
            n1 = s1 != 0 or extra >= 1
            n2 = s2 != 0 or extra >= 2
            size = 1 + n1 + n2
            if size < size_min[c] or size > size_max[c]:
                continue
            for i in range(3):
                e0 = top_e[0, s0, i]
                if e0 < 0:
                    break
                for j in range(3 if n1 else 1):
                    e1, v1 = -1, 0.0
                    if n1:
                        e1 = top_e[1, s1, j]
                        if e1 < 0:
                            break
                        if vol[e1] == vol[e0]:
                            continue
                        v1 = top_v[1, s1, j]
                    for q in range(3 if n2 else 1):
                        e2, v2 = -1, 0.0
                        if n2:
                            e2 = top_e[1, s2, q]
                            if e2 < 0:
                                break
                            if e2 == e1 or vol[e2] == vol[e0] or vol[e2] == vol[e1]:
                                continue
                            v2 = top_v[1, s2, q]
                        val = mu * prio[c] + top_v[0, s0, i] + v1 + v2
                        if val > best[c]:
                            best[c] = val
                            pick[c, 0], pick[c, 1], pick[c, 2] = e0, e1, e2


@dataclass(frozen=True)
class Pricing:
    """What a run of :func:`price_teams` leaves: the bound, the volunteers' prices at it,
    and the teams the priced subproblems chose on the way.

    Attributes
    ----------
    bound:
        An upper bound on level 2 (score units) of every valid pairing of the edges whose
        level 1 reaches the floor.
    prices:
        ``λ_v`` per unit of load, per volunteer of the problem (0 for those not in the
        edges), at the best bound.
    level1_price:
        ``μ``, the price of the level-1 floor, at the best bound.
    teams:
        ``(m, 3)`` problem edges (lead, supporter, supporter; -1 none): distinct teams of two
        or more members that some child's subproblem chose at the best bound or in the
        second half of the run, where the prices are near their best: a restricted master
        problem's columns (:mod:`pairmatch.solvers.teams.improve`).
    """

    bound: int
    prices: np.ndarray
    level1_price: float
    teams: np.ndarray


def team_fit_bound(
    problem: Problem, edges: np.ndarray, floor: int, found: int, budget_s: float
) -> int | None:
    """An upper bound on level 2 (score units, without the fairness penalty's deduction,
    which only lowers it) of every valid pairing of ``edges`` (one component)
    whose level 1 is at least ``floor``; ``found`` is the best level 2 known (the
    step aims at it). None when the exact subproblem does not apply (see the module), or
    when ``budget_s`` is too short for the setup and a first round."""
    pricing = price_teams(problem, edges, floor, found, budget_s)
    return None if pricing is None else pricing.bound


def price_teams(
    problem: Problem,
    edges: np.ndarray,
    floor: int,
    found: int,
    budget_s: float,
    start: Pricing | None = None,
) -> Pricing | None:
    """:func:`team_fit_bound` with the prices and the teams chosen on the way; ``start``
    (an earlier pricing of the same edges) gives the prices to start from."""
    deadline = time.perf_counter() + budget_s  # the setup below counts too
    t = problem.teams
    if t is None:
        return None
    if edges.size == 0:
        return Pricing(0, np.zeros(problem.n_volunteers), 0.0, np.empty((0, 3), np.int64))
    if budget_s < SECONDS_PER_EDGE * edges.size:
        return None
    sub = Subproblems.of(problem, edges)
    if sub is None:
        return None
    lam = np.zeros(sub.vols.size) if start is None else start.prices[sub.vols].copy()
    mu = 0.0 if start is None else start.level1_price
    bound = np.inf
    best_lam, best_mu = lam, mu
    theta, stall = 1.0, 0
    halfway = time.perf_counter() + 0.5 * (deadline - time.perf_counter())
    teamy = sub.size_max >= 2
    chosen: list[np.ndarray] = []
    at_best = np.empty((0, 3), np.int64)
    slices = sub.slices()
    pool = ThreadPoolExecutor(len(slices)) if len(slices) > 1 else None
    try:
        while True:
            began = time.perf_counter()
            sub.solve(lam, mu, slices, pool)
            took = time.perf_counter() - began
            value = float(sub.cap @ lam) - mu * floor + float(sub.best.sum())
            teams = sub.pick[teamy & (sub.pick[:, 1] >= 0)]
            if time.perf_counter() > halfway:
                chosen.append(teams.copy())
            if value < bound - 1e-9:
                bound, stall, best_lam, best_mu = value, 0, lam, mu
                at_best = teams.copy()  # (a run may end before halfway)
            else:
                stall += 1
                if stall >= 20:
                    theta, stall = theta / 2, 0
            if time.perf_counter() + 2 * took > deadline or theta < 1e-6:
                break  # (the next round could end past the budget: rounds vary)
            g, g_mu = sub.subgradient(lam, mu, floor)
            norm = float(g @ g) + g_mu * g_mu
            if norm == 0:
                break  # the priced teams fit: the bound is reached
            step = theta * max(value - found, 1.0) / norm
            lam = np.maximum(lam - step * g, 0.0)
            mu = max(mu - step * g_mu, 0.0)
    finally:
        if pool is not None:
            pool.shutdown()
    prices = np.zeros(problem.n_volunteers)
    prices[sub.vols] = best_lam
    teams = np.unique(np.concatenate([at_best, *chosen]), axis=0)
    teams = np.where(teams >= 0, sub.edges[np.maximum(teams, 0)], -1)
    # floats: every term is an integer or a price times one, summed in doubles; a margin of
    # one part in 10^9 covers their rounding (so a bound with no duality gap can meet the
    # optimum exactly)
    return Pricing(int(np.floor(bound + 1e-9 * abs(bound) + 1e-6)), prices, best_mu, teams)


@dataclass(eq=False)
class Subproblems:
    """Each child's team subproblem over a component's edges, as :func:`_best_teams` reads
    them: edges sorted by child (child ``i``'s are ``lo[i]:hi[i]``), children and
    volunteers numbered locally (``vols`` the problem's), values and loads as floats;
    ``best`` and ``pick`` hold the last answers."""

    edges: np.ndarray
    vols: np.ndarray
    v_local: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    cv: np.ndarray
    covers: np.ndarray
    required: np.ndarray
    size_min: np.ndarray
    size_max: np.ndarray
    lead_load: np.ndarray
    sup_load: np.ndarray
    score: np.ndarray
    prio: np.ndarray
    must: np.ndarray
    cap: np.ndarray
    best: np.ndarray
    pick: np.ndarray

    @classmethod
    def of(cls, problem: Problem, edges: np.ndarray) -> Subproblems | None:
        """The subproblems of ``edges``, or None when the exact subproblem does not apply
        (see the module)."""
        t = problem.teams
        assert t is not None
        edges = edges[np.argsort(problem.child[edges], kind="stable")]  # each child's together
        child = problem.child[edges]
        kids, c_local = np.unique(child, return_inverse=True)
        vols, v_local = np.unique(problem.volunteer[edges], return_inverse=True)
        cv = t.category_value[edges].astype(np.float64)
        covers = t.covers[edges]
        required = t.cover_required[kids]
        size_min, size_max = t.size_min[kids], t.size_max[kids]
        if cv.shape[1] > 4 or np.any(size_max > 3) or np.any(cv < 0):
            return None
        # coverage must go with value: per (child, category), a coverer is worth at least as
        # much as any non-coverer in it
        for k in range(cv.shape[1]):
            low = np.full(kids.size, np.inf)
            high = np.full(kids.size, -np.inf)
            np.minimum.at(low, c_local[covers[:, k]], cv[covers[:, k], k])
            np.maximum.at(high, c_local[~covers[:, k]], cv[~covers[:, k], k])
            if np.any(low < high):
                return None
        return cls(
            edges=edges,
            vols=vols,
            v_local=v_local,
            lo=np.searchsorted(c_local, np.arange(kids.size)),
            hi=np.searchsorted(c_local, np.arange(kids.size), side="right"),
            cv=cv,
            covers=covers,
            required=required,
            size_min=size_min,
            size_max=size_max,
            lead_load=np.asarray(problem.load)[edges].astype(np.float64),
            sup_load=t.support_load[edges].astype(np.float64),
            score=problem.score[edges].astype(np.float64),
            prio=problem.priority[kids].astype(np.float64),
            must=problem.must_pair[kids],
            cap=problem.capacity[vols].astype(np.float64),
            best=np.zeros(kids.size),
            pick=np.full((kids.size, 3), -1, np.int64),
        )

    def slices(self) -> list[slice]:
        """The children in one slice per core, of about equal edges: the compiled kernel
        releases the GIL, so threads run the slices side by side."""
        usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        cores = max(1, min(len(usable) if usable else os.cpu_count() or 1, MAX_THREADS))
        cuts = np.searchsorted(self.hi, np.linspace(0, self.edges.size, cores + 1)[1:-1])
        ends = np.r_[cuts, self.lo.size]
        return [slice(a, b) for a, b in zip(np.r_[0, cuts], ends, strict=True)]

    def solve(
        self, lam: np.ndarray, mu: float, slices: list[slice], pool: ThreadPoolExecutor | None
    ) -> None:
        """Every child's best team under the prices, into ``best`` and ``pick``."""

        price = lam[self.v_local]
        self.run(self.lead_load * price, self.sup_load * price, mu, slices, pool)

    def run(
        self,
        lead_cost: np.ndarray,
        sup_cost: np.ndarray,
        mu: float,
        slices: list[slice],
        pool: ThreadPoolExecutor | None,
        score: np.ndarray | None = None,
        cv: np.ndarray | None = None,
    ) -> None:
        """Every child's best team when each edge's member costs ``lead_cost`` as a lead and
        ``sup_cost`` as a supporter, into ``best`` and ``pick``; ``score`` and ``cv`` replace
        the edges' own values when given."""
        score = self.score if score is None else score
        cv = self.cv if cv is None else cv

        def run(c: slice) -> None:
            _best_teams(self.lo[c], self.hi[c], self.v_local, score, lead_cost, sup_cost, cv,
                        self.covers, self.required[c], self.size_min[c], self.size_max[c],
                        self.prio[c], self.must[c], mu, self.best[c], self.pick[c])  # fmt: skip

        if pool is None:
            run(slices[0])
        else:
            list(pool.map(run, slices))

    def subgradient(self, lam: np.ndarray, mu: float, floor: int) -> tuple[np.ndarray, float]:
        """At the last answers: the slack of each capacity and of the level-1 floor,
        projected where the price is 0 and the slack positive (the price cannot fall)."""
        use = np.zeros(self.vols.size)
        for j, load in ((0, self.lead_load), (1, self.sup_load), (2, self.sup_load)):
            e = self.pick[:, j]
            e = e[e >= 0]
            np.add.at(use, self.v_local[e], load[e])
        g = self.cap - use  # the slack of each capacity
        g[(lam <= 0) & (g > 0)] = 0.0
        paired = self.pick[:, 0] >= 0
        g_mu = float(self.prio[paired].sum()) - floor
        if mu <= 0 and g_mu > 0:
            g_mu = 0.0
        return g, g_mu
