"""A team pairing improved window by window, each window a small restricted master problem.

When the search of a large team component stops short (see
:mod:`pairmatch.solvers.teams.model`), the best pairing found is the one-member flow
optimum completed greedily: supporters only get the room that optimum leaves. The best
pairings trade that room: a volunteer who leads two children may do better leading one and
supporting two, another volunteer taking the child she let go. Those trades are found here.

Each child's choice is one **column**: a team (lead, up to two supporters) or nobody. The
columns offered are the child's current team, the teams its priced subproblems chose in
:func:`pairmatch.solvers.teams.pricing.price_teams`, and its :data:`SINGLES` best single
volunteers under the same prices who cover its needs alone. For a window of
:data:`WINDOW` children, everything outside is fixed, and a mixed-integer program (HiGHS,
through scipy) chooses one column per child:

    maximise    Σ value(column)                          (level 2, exact integers)
    subject to  Σ over the child's columns <= 1 (= 1 when it must be paired)
                Σ load of each volunteer <= capacity left by the children outside
                Σ leads of each volunteer <= lead cap left (when leads are capped)
                Σ priority of the children paired >= what the window pairs now

The current columns are a solution, so a window never gets worse, and level 1 never falls.
Windows follow a reverse Cuthill-McKee order of the candidate graph, so that a window's
children share volunteers, and they overlap by half; passes are repeated while they gain.
A window's answer is checked in exact integers before it is taken.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack
from scipy.sparse.csgraph import reverse_cuthill_mckee

from pairmatch.arrays import unique
from pairmatch.problem import Problem
from pairmatch.solvers.teams.pricing import Pricing

__all__ = ["SINGLES", "WINDOW", "improve"]

#: Children per window (a master of about 5,000 columns, solved by HiGHS in 0.2-3 s; on
#: a 5,000-child county, windows of 300 raised the fit by 593 in 31 s, windows of 800 by
#: 720 in 60 s, of 1,600 by nothing: HiGHS found no solution in 20 s).
WINDOW = 300
#: Single-volunteer columns offered per child: its best under the prices.
SINGLES = 15
#: Longest time one window may take.
WINDOW_SECONDS = 3.0
#: Another pass is made while the last raised the fit by at least this share (at 20,000
#: children a pass gains 0.04% and takes 20 s, which the bound's pricing uses better).
MIN_PASS_GAIN = 0.002
#: ... and a pass stops after this many windows when it is on course to gain less.
PROBE = 20


def improve(
    problem: Problem,
    edges: np.ndarray,
    members: np.ndarray,
    leads: np.ndarray,
    pricing: Pricing,
    deadline: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A pairing of the component ``edges`` at least as good as ``(members, leads)``
    (masks over ``edges``, a valid pairing without locks or fairness penalty), better where
    the windows found better, or None when no window improved before ``deadline``."""
    p, t = problem, problem.teams
    assert t is not None
    current = _columns_of(p, edges[members], edges[leads])
    columns = _offered(p, edges, pricing, current)
    child = p.child[columns[:, 0]]
    starts = np.searchsorted(child, np.arange(p.n_children + 1))
    value = _value(p, columns)
    load = np.zeros(columns.shape, np.int64)
    load[:, 0] = p.load[columns[:, 0]]
    supported = columns[:, 1:] >= 0
    load[:, 1:][supported] = t.support_load[columns[:, 1:][supported]]
    order = _locality(p, edges)
    improved, gained = False, np.inf
    total = int(value[_is_current(current, columns, child)].sum())
    # passes while the last gained at least MIN_PASS_GAIN of the fit
    while (
        gained > 0
        and gained >= MIN_PASS_GAIN * abs(total)
        and deadline - time.perf_counter() >= 0.1
    ):
        gained = 0
        for first in range(0, order.size, WINDOW // 2):
            left = deadline - time.perf_counter()
            if left < 0.1:
                break
            window = order[first : first + WINDOW]
            rows = np.concatenate([np.arange(starts[c], starts[c + 1]) for c in window])
            if rows.size == 0:
                continue
            seconds = min(left, WINDOW_SECONDS)
            better = _solve_window(p, current, window, rows, columns, load, value, seconds)
            if better is not None:
                pick, gain = better
                current[window] = -1
                current[child[pick]] = columns[pick]
                gained += gain
                total += gain
                improved = True
            if first + WINDOW >= order.size:
                break
            # a long pass that is on course to gain less than MIN_PASS_GAIN stops early
            done = first + WINDOW // 2
            if done >= PROBE * WINDOW // 2 and gained * order.size < (
                MIN_PASS_GAIN * abs(total) * done
            ):
                break
    if not improved:
        return None
    chosen = current[current >= 0]
    return np.isin(edges, chosen), np.isin(edges, current[:, 0][current[:, 0] >= 0])


def _columns_of(problem: Problem, chosen: np.ndarray, led: np.ndarray) -> np.ndarray:
    """(children × 3) each child's team as (lead, supporter, supporter) edges, -1 none."""
    current = np.full((problem.n_children, 3), -1, np.int64)
    current[problem.child[led], 0] = led
    support = unique(chosen[~np.isin(chosen, led)])
    support = support[np.argsort(problem.child[support], kind="stable")]
    kid = problem.child[support]
    first = np.r_[True, kid[1:] != kid[:-1]] if support.size else np.empty(0, bool)
    current[kid[first], 1] = support[first]
    current[kid[~first], 2] = support[~first]
    return current


def _offered(
    problem: Problem, edges: np.ndarray, pricing: Pricing, current: np.ndarray
) -> np.ndarray:
    """The columns offered, sorted by child: current teams, priced teams, and each child's
    best single volunteers under the prices among those who cover its needs alone."""
    p, t = problem, problem.teams
    assert t is not None
    child = p.child[edges]
    alone = (t.covers[edges] | ~t.cover_required[child]).all(axis=1) & (t.size_min[child] <= 1)
    priced = (
        p.score[edges]
        + t.category_value[edges].sum(axis=1)
        - p.load[edges] * pricing.prices[p.volunteer[edges]]
    )
    ok = edges[alone]
    order = np.lexsort((-priced[alone], p.child[ok]))
    ok = ok[order]
    kid = p.child[ok]
    rank = np.arange(ok.size) - np.searchsorted(kid, kid)
    singles = ok[rank < SINGLES]
    none = np.full(singles.size, -1, np.int64)
    columns = np.concatenate(
        (
            np.stack((singles, none, none), axis=1),
            pricing.teams.reshape(-1, 3),
            current[current[:, 0] >= 0],
        )
    )
    columns = np.unique(columns, axis=0)
    kid = p.child[columns[:, 0]]
    size = (columns >= 0).sum(axis=1)
    columns = columns[(size >= t.size_min[kid]) & (size <= t.size_max[kid])]
    return columns[np.argsort(p.child[columns[:, 0]], kind="stable")]


def _value(problem: Problem, columns: np.ndarray) -> np.ndarray:
    """Level 2 of each column: its members' pair scores and, per need category, its best
    member's value (as :func:`pairmatch.solvers.base.level2_value` counts a team)."""
    t = problem.teams
    assert t is not None
    present = columns >= 0
    e = np.maximum(columns, 0)
    scores = np.where(present, problem.score[e], 0).sum(axis=1)
    values = np.where(present[:, :, None], t.category_value[e], 0).max(axis=1).sum(axis=1)
    return scores + values


def _locality(problem: Problem, edges: np.ndarray) -> np.ndarray:
    """The component's children in reverse Cuthill-McKee order of the candidate graph
    (children and volunteers as nodes), so that children close in it share volunteers."""
    kids = unique(problem.child[edges])
    n_c = problem.n_children
    a = csr_matrix(
        (np.ones(edges.size), (problem.child[edges], n_c + problem.volunteer[edges])),
        shape=(n_c + problem.n_volunteers,) * 2,
    )
    order = reverse_cuthill_mckee((a + a.T).tocsr(), symmetric_mode=True)
    return order[np.isin(order, kids)]


def _solve_window(
    problem: Problem,
    current: np.ndarray,
    window: np.ndarray,
    rows: np.ndarray,
    columns: np.ndarray,
    load: np.ndarray,
    value: np.ndarray,
    seconds: float,
) -> tuple[np.ndarray, int] | None:
    """The columns (indices into ``columns``) HiGHS chooses for the window's children, and
    the level 2 they gain, when they improve level 2 without lowering level 1, checked in
    exact integers; else None."""
    p, t = problem, problem.teams
    assert t is not None
    n = rows.size
    inside = np.zeros(p.n_children, bool)
    inside[window] = True
    outside = current[~inside]
    used = _loads(p, outside)
    kid = p.child[columns[rows, 0]]
    kids, c_row = np.unique(kid, return_inverse=True)
    member = columns[rows] >= 0
    vol = p.volunteer[np.maximum(columns[rows], 0)][member]
    col = np.broadcast_to(np.arange(n)[:, None], member.shape)[member]
    vols, v_row = np.unique(vol, return_inverse=True)
    by_child = coo_matrix((np.ones(n), (c_row, np.arange(n))), shape=(kids.size, n))
    by_volunteer = coo_matrix((load[rows][member], (v_row, col)), shape=(vols.size, n))
    priority = p.priority[kid].astype(np.float64)
    mats = [by_child, by_volunteer, coo_matrix(priority[None, :])]
    room = p.capacity[vols] - used[vols]
    paired_now = current[window, 0] >= 0
    level1 = int(p.priority[window[paired_now]].sum())
    lower = [p.must_pair[kids].astype(np.float64), np.full(vols.size, -np.inf), [level1]]
    upper = [np.ones(kids.size), room.astype(np.float64), [np.inf]]
    if t.max_leads is not None:
        lead_vol = p.volunteer[columns[rows, 0]]
        led_outside = np.bincount(
            p.volunteer[outside[:, 0][outside[:, 0] >= 0]], minlength=p.n_volunteers
        )
        lvols, l_row = np.unique(lead_vol, return_inverse=True)
        mats.append(coo_matrix((np.ones(n), (l_row, np.arange(n))), shape=(lvols.size, n)))
        lower.append(np.full(lvols.size, -np.inf))
        upper.append((t.max_leads[lvols] - led_outside[lvols]).astype(np.float64))
    before = int(value[rows][_is_current(current, columns[rows], kid)].sum())
    result = milp(
        -value[rows].astype(np.float64),
        constraints=LinearConstraint(
            vstack(mats).tocsr(), np.concatenate(lower), np.concatenate(upper)
        ),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"time_limit": max(seconds, 0.05)},
    )
    if result.x is None:
        return None
    pick = rows[result.x > 0.5]
    # exact integer checks: one column per child, loads, lead caps, level 1, a gain
    chosen_kids = p.child[columns[pick, 0]]
    if unique(chosen_kids).size != pick.size:
        return None
    if not np.isin(kids[p.must_pair[kids]], chosen_kids).all():
        return None
    after = current.copy()
    after[window] = -1
    after[chosen_kids] = columns[pick]
    if np.any(_loads(p, after) > p.capacity):
        return None
    if t.max_leads is not None:
        led = after[:, 0][after[:, 0] >= 0]
        if np.any(np.bincount(p.volunteer[led], minlength=p.n_volunteers) > t.max_leads):
            return None
    gain = int(value[pick].sum()) - before
    if int(p.priority[chosen_kids].sum()) < level1 or gain <= 0:
        return None
    return pick, gain


def _is_current(current: np.ndarray, columns: np.ndarray, kid: np.ndarray) -> np.ndarray:
    return (current[kid, 0] >= 0) & (columns == current[kid]).all(axis=1)


def _loads(problem: Problem, teams: np.ndarray) -> np.ndarray:
    """The load each volunteer carries for ``teams`` (rows of lead, supporter, supporter)."""
    t = problem.teams
    assert t is not None
    used = np.zeros(problem.n_volunteers, np.int64)
    lead = teams[:, 0][teams[:, 0] >= 0]
    np.add.at(used, problem.volunteer[lead], problem.load[lead])
    support = teams[:, 1:][teams[:, 1:] >= 0]
    np.add.at(used, problem.volunteer[support], t.support_load[support])
    return used
