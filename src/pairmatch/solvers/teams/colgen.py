"""Column generation for team problems: the Dantzig-Wolfe master solved as a linear program,
its bound proven by Lagrangian duality, and an exact integer master over the columns the
bound cannot rule out.

The team problem of a component is, column by column (a column is one child's team: a lead
and up to two supporters):

    maximise    Σ value(column) · x                       value: the stage's objective
    subject to  Σ over a child's columns x <= 1           (= 1 when it must be paired)   π_c
                Σ load of each volunteer x <= capacity                                    λ_v
                Σ leads of each volunteer x <= lead cap   (when leads are capped)          ρ_v
                Σ priority of the paired x >= floor       (stage 2: level 1 kept)          μ

Stage 1 values a column at its child's priority (level 1); stage 2 at
``weight · team_fit − members`` (levels 2 and 3 folded exactly, ``weight`` above the most
members a pairing can have), with the floor at the level-1 optimum.

**Linear program.** The master over the columns generated so far is solved by HiGHS
(highspy, warm-started from the last basis after each round of new columns). Its duals
price the capacities; each child's best team under those prices is found exactly by the
compiled subproblem of :mod:`pairmatch.solvers.teams.pricing` (lead caps enter as a price
per lead), and added when it is worth more than the child's dual ``π_c``.

**Stabilised duals.** Plain column generation zig-zags: the master's duals jump from
extreme point to extreme point and the bound converges slowly. The subproblems are priced
instead at a point between the duals of the best bound so far (the stability centre) and
the master's (Wentges smoothing, ``α`` = :data:`SMOOTHING`); when that point yields no
column the master lacks (a mispricing), the master's own duals are priced.

**Bound.** For any prices ``λ, ρ, μ >= 0``,

    L = Σ_v λ_v·capacity_v + Σ_v ρ_v·lead_cap_v − μ·floor + Σ_c best_c(λ, ρ, μ)

bounds every valid pairing's objective (weak duality; ``best_c`` is child ``c``'s best team
under the prices, or 0 for none). Every pricing round gives one; the best is kept. The run
ends when the master's value meets it: the linear program is then solved over all columns.

**Exact integer master.** For the prices of the best bound, a column's reduced cost is
``rc = value − prices of its members − best_c <= 0``, and every valid pairing ``x`` has
``objective(x) <= L + Σ_{columns in x} rc``. So a pairing better than the best found,
``found``, uses only columns with ``rc >= found + 1 − L``. :func:`enumerate_columns` lists
every such column (for stage 1 only inclusion-minimal teams: a team with a member not
needed for its size or coverage has the same priority and more load), and the integer
master over them, solved to optimality, is the optimum of the whole problem.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from numba import njit

from pairmatch.problem import Problem
from pairmatch.solvers.teams.pricing import Subproblems

__all__ = [
    "EXACT", "MAX_STEPS", "SMOOTHING", "ColumnGeneration", "Prices",
    "Stage", "enumerate_columns",
]  # fmt: skip

#: Stage values stay below this, so that doubles hold them and their sums exactly enough.
EXACT = 2.0**50
#: Wentges smoothing: the subproblems are priced at ``α·centre + (1 − α)·master duals``.
SMOOTHING = 0.7


class _LinearProgramFailed(Exception):
    """HiGHS could not solve the master (its status in the message)."""


@dataclass
class Stage:
    """What one stage optimises: ``priority`` (level 1) or ``fit`` (levels 2 and 3 folded
    with ``weight``), and the floor on level 1 (stage 2)."""

    level: int
    weight: int = 1
    floor: int | None = None


@dataclass(frozen=True)
class Prices:
    """Dual prices of the master's rows (all >= 0): ``lam`` per unit of each volunteer's
    load, ``rho`` per lead of each volunteer (lead caps), ``mu`` per unit of level 1 (the
    floor), ``sigma`` per cut."""

    lam: np.ndarray
    rho: np.ndarray
    mu: float
    sigma: np.ndarray

    def toward(self, other: Prices, a: float) -> Prices:
        """``a·self + (1 − a)·other`` (cuts ``self`` lacks count 0 in it)."""
        sigma = np.zeros(other.sigma.size)
        sigma[: self.sigma.size] = self.sigma
        return Prices(
            a * self.lam + (1 - a) * other.lam, a * self.rho + (1 - a) * other.rho,
            a * self.mu + (1 - a) * other.mu, a * sigma + (1 - a) * other.sigma,
        )  # fmt: skip


def _quiet_highs() -> Any:
    """A HiGHS instance that prints nothing (highspy's ``Highs()`` prints its banner before
    any option can be set; its base class does not)."""
    try:
        from highspy.highs import _Highs

        h = _Highs()
    except ImportError:  # pragma: no cover - another highspy layout
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class ColumnGeneration:
    """The linear master of one component, its columns and cuts (see the module).

    Columns are ``(child, e0, e1, e2)`` in the subproblems' local numbering: ``child`` a
    local child, ``e*`` positions in ``sub.edges`` (-1 none; ``e0`` leads).
    """

    problem: Problem
    sub: Subproblems
    stage: Stage
    cuts: bool = True
    bound: float = field(init=False, default=np.inf)
    centre: Prices | None = field(init=False, default=None)
    best_at_centre: np.ndarray | None = field(init=False, default=None)
    lp_value: float = field(init=False, default=-np.inf)
    rounds: int = field(init=False, default=0)
    n_cuts: int = field(init=False, default=0)
    failed: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        s, t = self.sub, self.problem.teams
        assert t is not None
        self.teams = np.empty((0, 3), np.int64)
        self.value = np.empty(0, np.int64)
        self.kid = np.empty(0, np.int64)
        n_k, n_v = s.lo.size, s.vols.size
        self.n_k, self.n_v = n_k, n_v
        self.lead_cap = None
        if t.max_leads is not None:
            self.lead_cap = t.max_leads[s.vols].astype(np.float64)
        # stage values per edge, as the compiled subproblem reads them
        self.size_penalty = 1.0 if self.stage.level == 2 and self.stage.weight > 1 else 0.0
        if self.stage.level == 1:
            self.score_s = np.zeros(s.edges.size)
            self.cv_s = np.zeros_like(s.cv)
        else:
            self.score_s = self.stage.weight * s.score - self.size_penalty
            self.cv_s = self.stage.weight * s.cv
        self.h = h = _quiet_highs()
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("threads", 1)
        inf = highspy.kHighsInf
        none_i, none_f = np.empty(0, np.int32), np.empty(0)
        h.addRows(n_k, np.where(s.must, 1.0, -inf), np.ones(n_k), 0, none_i, none_i, none_f)
        h.addRows(n_v, np.full(n_v, -inf), s.cap, 0, none_i, none_i, none_f)
        self.row_lead = self.row_floor = -1
        rows = n_k + n_v
        if self.lead_cap is not None:
            self.row_lead = rows
            h.addRows(n_v, np.full(n_v, -inf), self.lead_cap, 0, none_i, none_i, none_f)
            rows += n_v
        if self.stage.floor is not None:
            self.row_floor = rows
            h.addRow(float(self.stage.floor), inf, 0, none_i, none_f)
            rows += 1
        self.row_cuts = rows
        # cuts: volunteer, right-hand side, and the supporter edges each holds
        self.cut_vol = np.empty(0, np.int64)
        self.cut_rhs = np.empty(0)
        self.cut_edges: list[np.ndarray] = []
        self.slices = s.slices()
        # a volunteer's knapsack can be cut when her lead load is twice her support load
        # on every edge (a supporter at half a slot): unit = the support load
        self.unit = np.zeros(n_v)
        ok = np.ones(n_v, bool)
        np.logical_and.at(ok, s.v_local, s.lead_load == 2 * s.sup_load)
        np.maximum.at(self.unit, s.v_local, s.sup_load)
        low = np.full(n_v, np.inf)
        np.minimum.at(low, s.v_local, s.sup_load)
        self.cuttable = ok & (self.unit == low) & (self.unit > 0)

    # -- columns -------------------------------------------------------------------------

    def column_values(self, kid: np.ndarray, teams: np.ndarray) -> np.ndarray:
        """The exact stage value of each column (int64)."""
        s = self.sub
        if self.stage.level == 1:
            return s.prio[kid].astype(np.int64)
        present = teams >= 0
        e = np.maximum(teams, 0)
        score = np.rint(s.score[e]).astype(np.int64)
        cv = np.rint(s.cv[e]).astype(np.int64)
        fit = np.where(present, score, 0).sum(axis=1)
        fit += np.where(present[:, :, None], cv, 0).max(axis=1).sum(axis=1)
        size = present.sum(axis=1)
        w = self.stage.weight
        return w * fit - (size if self.size_penalty else 0)

    def _cut_entries(self, teams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(column, cut) pairs where a column of ``teams`` has coefficient 1 in a cut: its
        lead is the cut's volunteer, or one of its supporter edges is in the cut."""
        if self.cut_vol.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        s = self.sub
        cols, cuts = [], []
        lead_vol = s.v_local[np.maximum(teams[:, 0], 0)]
        order = np.argsort(self.cut_vol, kind="stable")
        starts = np.searchsorted(self.cut_vol[order], np.arange(self.n_v + 1))
        n_of = starts[lead_vol + 1] - starts[lead_vol]
        col = np.repeat(np.arange(teams.shape[0]), n_of)
        first = np.repeat(starts[lead_vol], n_of)
        within = np.arange(col.size) - np.repeat(np.cumsum(n_of) - n_of, n_of)
        cols.append(col)
        cuts.append(order[first + within])
        edge = np.concatenate(self.cut_edges)
        owner = np.repeat(np.arange(len(self.cut_edges)), [e.size for e in self.cut_edges])
        for j in (1, 2):
            e = teams[:, j]
            has = np.flatnonzero(e >= 0)
            if has.size == 0 or edge.size == 0:
                continue
            eo = np.argsort(edge, kind="stable")
            lo = np.searchsorted(edge[eo], e[has])
            hi = np.searchsorted(edge[eo], e[has], side="right")
            n = hi - lo
            col = np.repeat(has, n)
            pos = np.repeat(lo, n) + (np.arange(col.size) - np.repeat(np.cumsum(n) - n, n))
            cols.append(col)
            cuts.append(owner[eo[pos]])
        return np.concatenate(cols), np.concatenate(cuts)

    def add(self, kid: np.ndarray, teams: np.ndarray) -> int:
        """Add the columns not in the master yet; the number added."""
        if kid.size == 0:
            return 0
        key = np.unique(np.concatenate((kid[:, None], teams), axis=1), axis=0)
        if self.teams.shape[0]:
            have = np.concatenate((self.kid[:, None], self.teams), axis=1)
            both = np.concatenate((have, key))
            _, first, counts = np.unique(both, axis=0, return_index=True, return_counts=True)
            new = first[(counts == 1) & (first >= have.shape[0])] - have.shape[0]
            key = key[np.sort(new)]
        if key.shape[0] == 0:
            return 0
        kid, teams = key[:, 0].copy(), key[:, 1:].copy()
        value = self.column_values(kid, teams)
        s = self.sub
        m = kid.size
        present = teams >= 0
        e = np.maximum(teams, 0)
        rows = [kid, self.n_k + s.v_local[e[:, 0]]]
        coefs = [np.ones(m), s.lead_load[e[:, 0]]]
        cols = [np.arange(m), np.arange(m)]
        for j in (1, 2):
            has = np.flatnonzero(present[:, j])
            rows.append(self.n_k + s.v_local[e[has, j]])
            coefs.append(s.sup_load[e[has, j]])
            cols.append(has)
        if self.row_lead >= 0:
            rows.append(self.row_lead + s.v_local[e[:, 0]])
            coefs.append(np.ones(m))
            cols.append(np.arange(m))
        if self.row_floor >= 0:
            rows.append(np.full(m, self.row_floor))
            coefs.append(s.prio[kid])
            cols.append(np.arange(m))
        c_col, c_cut = self._cut_entries(teams)
        rows.append(self.row_cuts + c_cut)
        coefs.append(np.ones(c_col.size))
        cols.append(c_col)
        col = np.concatenate(cols)
        order = np.argsort(col, kind="stable")
        index = np.concatenate(rows)[order].astype(np.int32)
        coef = np.concatenate(coefs)[order].astype(np.float64)
        starts = np.searchsorted(col[order], np.arange(m)).astype(np.int32)
        self.h.addCols(m, -value.astype(np.float64), np.zeros(m), np.ones(m), index.size,
                       starts, index, coef)  # fmt: skip
        self.kid = np.concatenate((self.kid, kid))
        self.teams = np.concatenate((self.teams, teams))
        self.value = np.concatenate((self.value, value))
        return m

    # -- cuts ----------------------------------------------------------------------------

    def separate(self, x: np.ndarray, most: int = 200) -> int:
        """Add the most violated knapsack cuts of the point ``x`` (one per volunteer):
        with a support load ``u`` and a lead load ``2u``, a volunteer of capacity ``C`` has
        ``U = floor(C/u)`` units, and for any set ``S`` of her supporter edges

            leads + Σ_{e ∈ S} supports through e  <=  floor((U + |S|) / 2)

        (the rounded half of her capacity row plus ``supports_e <= 1`` for ``e`` in ``S``:
        a Chvátal-Gomory cut). The number added."""
        s = self.sub
        use = x > 1e-9
        teams, xs = self.teams[use], x[use]
        lead = np.zeros(self.n_v)
        np.add.at(lead, s.v_local[teams[:, 0]], xs)
        sup = np.zeros(s.edges.size)
        for j in (1, 2):
            has = teams[:, j] >= 0
            np.add.at(sup, teams[has, j], xs[has])
        found: list[tuple[float, int, np.ndarray, float]] = []
        edges = np.flatnonzero(sup > 1e-9)
        vol = s.v_local[edges]
        order = np.lexsort((-sup[edges], vol))
        edges, vol = edges[order], vol[order]
        starts = np.searchsorted(vol, np.arange(self.n_v + 1))
        for v in np.flatnonzero(self.cuttable & ((lead > 1e-9) | (starts[1:] > starts[:-1]))):
            mine = edges[starts[v] : starts[v + 1]]
            units = np.floor(s.cap[v] / self.unit[v] + 1e-9)
            total = lead[v] + np.r_[0.0, np.cumsum(sup[mine])]
            rhs = np.floor((units + np.arange(mine.size + 1)) / 2)
            over = total - rhs
            k = int(np.argmax(over))
            if over[k] > 1e-4:
                found.append((float(over[k]), int(v), mine[:k], float(rhs[k])))
        found.sort(key=lambda f: (-f[0], f[1]))
        found = found[:most]
        if not found:
            return 0
        first = self.cut_vol.size
        self.cut_vol = np.concatenate((self.cut_vol, [f[1] for f in found]))
        self.cut_rhs = np.concatenate((self.cut_rhs, [f[3] for f in found]))
        self.cut_edges += [np.sort(f[2]) for f in found]
        # the new rows over the columns already in the master
        col, cut = self._cut_entries(self.teams)
        keep = cut >= first
        col, cut = col[keep], cut[keep] - first
        order = np.lexsort((col, cut))
        col, cut = col[order], cut[order]
        starts = np.searchsorted(cut, np.arange(len(found))).astype(np.int32)
        inf = highspy.kHighsInf
        self.h.addRows(len(found), np.full(len(found), -inf), self.cut_rhs[first:], col.size,
                       starts, col.astype(np.int32), np.ones(col.size))  # fmt: skip
        self.n_cuts += len(found)
        return len(found)

    # -- pricing -------------------------------------------------------------------------

    def costs(self, y: Prices) -> tuple[np.ndarray, np.ndarray]:
        """What each edge's member costs at the prices, as a lead and as a supporter."""
        s = self.sub
        price = y.lam[s.v_local]
        lead_cost = s.lead_load * price + y.rho[s.v_local]
        sup_cost = s.sup_load * price
        if y.sigma.size:
            per_vol = np.zeros(self.n_v)
            np.add.at(per_vol, self.cut_vol[: y.sigma.size], y.sigma)
            lead_cost = lead_cost + per_vol[s.v_local]
            sizes = [e.size for e in self.cut_edges[: y.sigma.size]]
            if sum(sizes):
                edge = np.concatenate(self.cut_edges[: y.sigma.size])
                sup_cost = sup_cost.copy()
                np.add.at(sup_cost, edge, np.repeat(y.sigma, sizes))
        return lead_cost, sup_cost

    def mu_of(self, y: Prices) -> float:
        return 1.0 if self.stage.level == 1 else y.mu

    def price(self, y: Prices, pool: ThreadPoolExecutor | None) -> float:
        """Every child's best team at the prices (into ``sub.best`` and ``sub.pick``) and
        the Lagrangian bound they give."""
        s = self.sub
        lead_cost, sup_cost = self.costs(y)
        s.run(lead_cost, sup_cost, self.mu_of(y), self.slices, pool, self.score_s, self.cv_s)
        bound = float(s.cap @ y.lam) + float(s.best.sum())
        if self.lead_cap is not None:
            bound += float(self.lead_cap @ y.rho)
        if self.stage.floor is not None:
            bound -= y.mu * self.stage.floor
        if y.sigma.size:
            bound += float(self.cut_rhs[: y.sigma.size] @ y.sigma)
        return bound

    def duals(self) -> tuple[np.ndarray, Prices]:
        """The master's duals: ``π`` per child and the :class:`Prices` of the other rows."""
        y = np.asarray(self.h.getSolution().row_dual) if self.kid.size else np.empty(0)
        if y.size < self.row_cuts + self.cut_vol.size:  # no columns yet: every price 0
            y = np.zeros(self.row_cuts + self.cut_vol.size)
        pi = -y[: self.n_k]  # free in sign for children who must be paired
        pi[~self.sub.must] = np.maximum(pi[~self.sub.must], 0.0)
        lam = np.maximum(-y[self.n_k : self.n_k + self.n_v], 0.0)
        rho = np.zeros(self.n_v)
        if self.row_lead >= 0:
            rho = np.maximum(-y[self.row_lead : self.row_lead + self.n_v], 0.0)
        mu = max(float(y[self.row_floor]), 0.0) if self.row_floor >= 0 else 0.0
        sigma = np.maximum(-y[self.row_cuts : self.row_cuts + self.cut_vol.size], 0.0)
        return pi, Prices(lam, rho, mu, sigma)

    def reduced(self, pi: np.ndarray, y: Prices) -> np.ndarray:
        """The reduced cost of each child's last priced team (``sub.pick``) at the duals."""
        s = self.sub
        pick = s.pick
        rc = np.full(self.n_k, -np.inf)
        kid = np.flatnonzero(pick[:, 0] >= 0)
        teams = pick[kid]
        value = self.column_values(kid, teams).astype(np.float64)
        lead_cost, sup_cost = self.costs(y)
        cost = lead_cost[teams[:, 0]]
        for j in (1, 2):
            has = teams[:, j] >= 0
            cost += np.where(has, sup_cost[np.maximum(teams[:, j], 0)], 0.0)
        if self.stage.floor is not None:
            value = value + y.mu * s.prio[kid]
        rc[kid] = value - cost - pi[kid]
        return rc

    def solve_lp(self) -> float:
        """The master's value over the columns so far (0 with none). The start's columns
        are a solution, so HiGHS should always solve it; when its simplex stalls on the
        numbers (seen once in a 5,000-child county), it is solved again from scratch, and
        :class:`_LinearProgramFailed` ends the run if that fails too."""
        if self.kid.size == 0:
            return 0.0
        status = highspy.HighsModelStatus.kNotset
        for _ in range(2):
            self.h.run()
            status = self.h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                return -float(self.h.getInfo().objective_function_value)
            self.h.clearSolver()
        raise _LinearProgramFailed(self.h.modelStatusToString(status))

    def indicator(self, kid: np.ndarray, teams: np.ndarray) -> np.ndarray:
        """0/1 per column: 1 for the columns of the pairing ``(kid, teams)``."""
        key = np.concatenate((self.kid[:, None], self.teams), axis=1)
        want = np.concatenate((kid[:, None], teams), axis=1)
        both = np.concatenate((want, key))
        _, inverse = np.unique(both, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        mine = np.zeros(inverse.max() + 1 if inverse.size else 0, bool)
        mine[inverse[: want.shape[0]]] = True
        return mine[inverse[want.shape[0] :]].astype(np.int64)

    def run(self, deadline: float | None, tolerance: float = 1e-7, progress=None) -> float:
        """Column generation (with cuts when ``cuts``) until the master's value meets the
        best bound (relative ``tolerance``, or the same integer part: the objective is
        integer) and no cut is violated, or until ``deadline``; returns the best bound."""
        pool = ThreadPoolExecutor(len(self.slices)) if len(self.slices) > 1 else None
        try:
            while True:
                self.rounds += 1
                try:
                    z = self.lp_value = self.solve_lp()
                except _LinearProgramFailed:
                    self.failed = True
                    break  # every bound found so far holds
                pi, y = self.duals()
                if self.centre is None:
                    self.centre = y
                found = 0
                for a in (SMOOTHING, 0.0):
                    point = self.centre.toward(y, a)
                    value = self.price(point, pool)
                    if value < self.bound:
                        self.bound, self.centre = value, point
                        self.best_at_centre = self.sub.best.copy()
                    rc = self.reduced(pi, y)
                    good = rc > 1e-7 * max(1.0, abs(z) / max(self.n_k, 1))
                    kid = np.flatnonzero(good)
                    found = self.add(kid, self.sub.pick[kid])
                    if found:
                        break
                if progress is not None:
                    progress(self.bound)
                if deadline is not None and time.perf_counter() > deadline:
                    break
                closed = self.bound - z <= max(tolerance * abs(self.bound), 1e-6) or np.floor(
                    self.bound + 1e-9 * abs(self.bound)
                ) <= np.floor(z + 1e-9 * abs(z))
                if found == 0 or closed:
                    # the LP is solved over every column (or as well as it can be): cut
                    # it, or stop
                    if not self.cuts:
                        break
                    x = np.asarray(self.h.getSolution().col_value)
                    if x.size != self.kid.size or self.separate(x) == 0:
                        break
        finally:
            if pool is not None:
                pool.shutdown()
        return self.bound

    # -- integer master ------------------------------------------------------------------

    def integer(
        self, time_limit: float | None, start: np.ndarray | None = None, fix: bool = False
    ) -> tuple[np.ndarray, float, bool]:
        """The best integer choice of columns (a 0/1 per column), its value, and whether it
        is proven optimal over these columns. With ``fix``, the columns the master's linear
        program takes whole are fixed first, and only the children it pairs partly are
        searched (a heuristic: never proven; nothing chosen when that is infeasible)."""
        h = self.h
        m = self.kid.size
        if m == 0:
            return np.zeros(0, np.int64), 0.0, True
        every = np.arange(m, dtype=np.int32)
        fixed = np.empty(0, np.int32)
        if fix:
            try:
                self.solve_lp()
            except _LinearProgramFailed:
                return np.zeros(m, np.int64), 0.0, False
            x = np.asarray(h.getSolution().col_value)
            fixed = np.flatnonzero(x > 1 - 1e-7).astype(np.int32)
            h.changeColsBounds(fixed.size, fixed, np.ones(fixed.size), np.ones(fixed.size))
            start = None
        h.changeColsIntegrality(m, every, np.full(m, highspy.HighsVarType.kInteger))
        if time_limit is not None:
            h.setOptionValue("time_limit", max(0.01, float(time_limit)))
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.999)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start.astype(np.float64))
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        status = h.getModelStatus()
        x = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
        if x.size != m:
            x = np.zeros(m, np.int64)
        proven = status == highspy.HighsModelStatus.kOptimal and not fix
        if status == highspy.HighsModelStatus.kInfeasible:
            x = np.zeros(m, np.int64)
        # back to a linear program for further rounds
        if fixed.size:
            h.changeColsBounds(fixed.size, fixed, np.zeros(fixed.size), np.ones(fixed.size))
        h.changeColsIntegrality(m, every, np.full(m, highspy.HighsVarType.kContinuous))
        h.setOptionValue("time_limit", highspy.kHighsInf)
        return x, float(self.value @ x), proven


@njit(cache=True)
def _enumerate(
    lo, hi, vol, score, lead_cost, sup_cost, cv, covers, required, size_min, size_max,
    prio, mu, best, threshold, size_penalty, minimal, limit, steps, out,
):  # fmt: skip  # pragma: no cover - compiled
    """Every valid team of every child whose priced value minus ``best`` is at least
    ``threshold`` (a negative number), into ``out`` (rows: child, e0, e1, e2); returns the
    number found, -1 past ``limit`` rows, or -2 past ``steps`` teams looked at."""
    k_n = cv.shape[1]
    n = 0
    looked = 0
    for c in range(lo.size):
        if looked > steps:
            return -2
        a, b = lo[c], hi[c]
        if a == b:
            continue
        need = 0
        for k in range(k_n):
            if required[c, k]:
                need |= 1 << k
        cut = best[c] + threshold - mu * prio[c]
        # an upper bound on each edge's worth as a supporter: her score and every value
        ub_sup = np.empty(b - a)
        for i in range(b - a):
            e = a + i
            u = score[e] - size_penalty - sup_cost[e]
            for k in range(k_n):
                u += cv[e, k]
            ub_sup[i] = u
        order = np.argsort(-ub_sup)
        top = ub_sup[order[0]] if b - a > 0 else 0.0
        second = ub_sup[order[1]] if b - a > 1 else 0.0
        for e0 in range(a, b):
            u0 = score[e0] - size_penalty - lead_cost[e0]
            for k in range(k_n):
                u0 += cv[e0, k]
            extra = 0.0
            if size_max[c] >= 2:
                extra += max(top, 0.0) if size_min[c] < 2 else top
            if size_max[c] >= 3:
                extra += max(second, 0.0) if size_min[c] < 3 else second
            if u0 + extra < cut:
                continue
            for size in range(size_min[c], size_max[c] + 1):
                if size == 1:
                    n = _emit(c, e0, -1, -1, need, score, lead_cost, sup_cost, cv, covers,
                              size_penalty, minimal, cut, size_min[c], limit, out, n)  # fmt: skip
                    if n < 0:
                        return -1
                    continue
                for i1 in range(b - a):
                    e1 = a + order[i1]
                    if e1 == e0:
                        continue
                    looked += 1
                    rest = 0.0
                    if size == 3:
                        if i1 + 1 >= b - a:
                            break
                        rest = ub_sup[order[i1 + 1]]
                    if u0 + ub_sup[order[i1]] + rest < cut:
                        break
                    if size == 2:
                        n = _emit(c, e0, e1, -1, need, score, lead_cost, sup_cost, cv, covers,
                                  size_penalty, minimal, cut, size_min[c], limit, out,
                                  n)  # fmt: skip
                        if n < 0:
                            return -1
                        continue
                    for i2 in range(i1 + 1, b - a):
                        e2 = a + order[i2]
                        if e2 == e0:
                            continue
                        looked += 1
                        if u0 + ub_sup[order[i1]] + ub_sup[order[i2]] < cut:
                            break
                        n = _emit(c, e0, e1, e2, need, score, lead_cost, sup_cost, cv, covers,
                                  size_penalty, minimal, cut, size_min[c], limit, out,
                                  n)  # fmt: skip
                        if n < 0:
                            return -1
    return n


@njit(cache=True, inline="always")
def _emit(
    c, e0, e1, e2, need, score, lead_cost, sup_cost, cv, covers, size_penalty, minimal, cut,
    size_min, limit, out, n,
):  # fmt: skip  # pragma: no cover - compiled
    k_n = cv.shape[1]
    mask = 0
    masks = np.zeros(3, np.int64)
    members = (e0, e1, e2)
    size = 0
    val = 0.0
    for j in range(3):
        e = members[j]
        if e < 0:
            continue
        size += 1
        m = 0
        for k in range(k_n):
            if covers[e, k]:
                m |= 1 << k
        masks[j] = m & need
        mask |= m
        val += score[e] - size_penalty - (lead_cost[e] if j == 0 else sup_cost[e])
    if (need & ~mask) != 0:
        return n
    if minimal and size > size_min:
        for j in range(1, 3):  # every supporter must be needed for coverage (a lead is:
            if members[j] < 0:  # without her, another member leads at a higher load)
                continue
            other = 0
            for q in range(3):
                if q != j and members[q] >= 0:
                    other |= masks[q]
            if (need & ~other) == 0:
                return n
    for k in range(k_n):
        top = 0.0
        for j in range(3):
            e = members[j]
            if e >= 0 and cv[e, k] > top:
                top = cv[e, k]
        val += top
    if val < cut:
        return n
    if n >= limit:
        return -1
    out[n, 0], out[n, 1], out[n, 2], out[n, 3] = c, e0, e1, e2
    return n + 1


#: Teams the listing looks at, at most, in one call (about 1.5 s of the compiled loop);
#: a listing that would look at more gives up (None): its columns would be too many for an
#: integer master anyway.
MAX_STEPS = 50_000_000


def enumerate_columns(
    cg: ColumnGeneration, gap: float, limit: int = 2_000_000, steps: int = MAX_STEPS
) -> np.ndarray | None:
    """Every column whose reduced cost at the best bound's prices is at least ``-gap``
    (rows: child, e0, e1, e2), or None when there are more than ``limit`` or the listing
    would look at more than ``steps`` teams."""
    if cg.centre is None or cg.best_at_centre is None:
        return None  # no prices yet (the master failed before any pricing)
    s = cg.sub
    lead_cost, sup_cost = cg.costs(cg.centre)
    # the scores passed carry the size penalty already (see __post_init__): take it out
    score = cg.score_s + cg.size_penalty
    out = np.empty((min(limit, 1 << 16), 4), np.int64)
    margin = 1e-6 * max(1.0, abs(cg.bound))
    while True:
        n = _enumerate(s.lo, s.hi, s.v_local, score, lead_cost, sup_cost, cg.cv_s, s.covers,
                       s.required, s.size_min, s.size_max, s.prio, cg.mu_of(cg.centre),
                       cg.best_at_centre, -gap - margin, cg.size_penalty, cg.stage.level == 1,
                       out.shape[0], steps, out)  # fmt: skip
        if n >= 0:
            return out[:n]
        if n == -2 or out.shape[0] >= limit:
            return None
        out = np.empty((min(limit, 4 * out.shape[0]), 4), np.int64)
