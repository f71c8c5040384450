"""What-if questions a county office asks of a pairing, answered by solving again.

* :func:`alternatives`: the next best volunteers for one child, each with what choosing her
  would cost the whole pairing (a short list to offer a family);
* :func:`shortfall`: how many more volunteers, where and with which skills, would let how
  many more children be paired (next month's recruitment plan).

Both re-solve rather than guess: an alternative's cost is the exact change of the optimum
when the pair is required, and the recruitment plan is an optimal facility-location model
solved by CP-SAT whose promise a re-run of :func:`pairmatch.match` with the recruits added
keeps (the tests check it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model
from scipy.spatial import cKDTree

from pairmatch import arguments
from pairmatch.candidates import chord_for_km, fit_parts
from pairmatch.explain.reasons import Reason
from pairmatch.model.records import JURISDICTION_LEVELS
from pairmatch.model.vocab import MAX_CAPACITY, NEEDS
from pairmatch.outputs.schema import conform
from pairmatch.problem import Problem
from pairmatch.solvers import solve
from pairmatch.solvers.base import level2_value
from pairmatch.solvers.cpsat_tools import group_positions
from pairmatch.views import Solved

if TYPE_CHECKING:
    from pairmatch.registry import Registry

__all__ = ["alternatives", "shortfall"]

#: Unmatched children a new volunteer could help (the others lack consent, or the run did
#: not finish).
_RECRUITABLE = (
    Reason.NO_ELIGIBLE_VOLUNTEER_IN_REACH,
    Reason.ALL_CANDIDATES_FORBIDDEN,
    Reason.COVERAGE_IMPOSSIBLE,
    Reason.LOCKED_OUT,
    Reason.CAPACITY_TAKEN,
)
#: Most alternatives a child may ask for, and most recruits a plan may hold.
_MAX_ALTERNATIVES = 10_000
_MAX_RECRUITS = 10_000_000


def _component_problem(problem: Problem, child: int) -> tuple[Problem, np.ndarray]:
    """The part of ``problem`` in the child's connected component (the rest of the pairing
    cannot change when only this component's pairs change), and its edges' indices."""
    _, child_label, _ = problem.components()
    edges = np.flatnonzero(child_label[problem.child] == child_label[child])
    sub = problem.restrict(edges)
    return sub, edges


def alternatives(
    result: Solved, child_id: str, k: int = 3, *, time_limit: float | None = None
) -> pd.DataFrame:
    """The ``k`` best other volunteers for a child, by what each costs the whole pairing.

    For each volunteer in reach who is not already in the child's team (at most ``2k``, the
    best by the pair's own fit, are tried), the pairing is solved again with that pair
    required, and the change of the optimum is reported: ``priority_change`` (level 1,
    children displaced count here) and ``objective_change`` (total fit). Rows are sorted
    best first; a pair that cannot be made under the rules has ``feasible`` false.
    """
    k = arguments.whole("k", k, low=0, high=_MAX_ALTERNATIVES)
    time_limit = arguments.number("time_limit", time_limit, low=0, low_open=True, optional=True)
    reg, cand, sol = result.registry, result.candidates, result.solution
    c = reg.index_of_child(child_id)
    own = np.arange(*np.searchsorted(cand.child, [c, c + 1]))
    current = set(sol.chosen.tolist())
    options = [int(e) for e in own[np.argsort(-cand.score[own], kind="stable")] if e not in current]
    options = options[: max(2 * k, k)]
    problem = sol.problem
    sub, edges = _component_problem(problem, c)
    base_edges = np.flatnonzero(np.isin(edges, sol.chosen))
    base_p = int(problem.priority[np.unique(sub.child[base_edges])].sum())
    base_s = level2_value(sub, base_edges)
    base_n = int(np.unique(sub.child[base_edges]).size)
    position = {int(e): i for i, e in enumerate(edges)}
    tried = np.asarray(options, np.int64)
    parts = fit_parts(reg, result.policy, cand.child[tried], cand.volunteer[tried])
    rows = []
    for i, e in enumerate(options):
        forced = replace(sub, locked=np.append(sub.locked, position[e]))
        alt = solve(forced, time_limit=time_limit)
        v = int(cand.volunteer[e])
        row = {
            "volunteer_id": str(reg.volunteer_ids[v]),
            "distance_km": float(parts.distance_km[i]),
            "pair_fit": float(parts.fit[i]),
            "feasible": alt.has_solution,
            "status": alt.status.value,
            "priority_change": np.nan,
            "children_paired_change": np.nan,
            "objective_change": np.nan,
        }
        if alt.has_solution:
            row["priority_change"] = alt.priority_value - base_p
            row["children_paired_change"] = alt.n_paired - base_n
            row["objective_change"] = (alt.score_value - base_s) * problem.score_scale
        rows.append(row)
    out = pd.DataFrame(
        rows,
        columns=[
            "volunteer_id",
            "distance_km",
            "pair_fit",
            "feasible",
            "status",
            "priority_change",
            "children_paired_change",
            "objective_change",
        ],
    )
    out = out.sort_values(
        ["feasible", "priority_change", "objective_change", "volunteer_id"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    return conform(out.head(k).reset_index(drop=True), "alternatives")


def shortfall(
    result: Solved,
    by: str | list[str] = "township",
    *,
    capacity: int | None = None,
    max_recruits: int | None = None,
    time_limit: float | None = 60.0,
) -> pd.DataFrame:
    """How many new volunteers, where and with which skills, would pair how many more of
    the unmatched children: a recruitment table by jurisdiction.

    Each new volunteer is placed, in the model, at the home of an unmatched child she would
    serve (the "site"), takes up to ``capacity`` children (default: the median capacity of
    the eligible, active volunteers in the register) within the policy's radius in the
    same county, and needs, in every need category one of her children must have covered,
    at least the policy's ``cover_skill_from``. CP-SAT chooses the sites and the children
    to pair as many children as possible (by priority), with as few volunteers as
    possible, at most ``max_recruits``. Existing pairs are kept as they are, so adding the
    planned volunteers and matching again pairs at least as many more children.

    Returns one row per (jurisdiction, skills) with ``recruits``, ``children_paired`` and
    ``priority_gained``; ``.attrs["plan"]`` lists each planned volunteer's site (a child id,
    never a location), village, skills, capacity and the children she would pair, and
    ``.attrs["status"]`` the model's status (OPTIMAL, or FEASIBLE under the time limit).
    """
    keys = arguments.columns("by", by, JURISDICTION_LEVELS)
    capacity = arguments.whole("capacity", capacity, low=0, high=MAX_CAPACITY, optional=True)
    max_recruits = arguments.whole("max_recruits", max_recruits, low=0, high=_MAX_RECRUITS,
                                   optional=True)  # fmt: skip
    time_limit = arguments.number("time_limit", time_limit, low=0, low_open=True, optional=True)
    reg, pol = result.registry, result.policy
    um = result.unmatched
    helpable = um["reason"].isin([r.value for r in _RECRUITABLE]).to_numpy(bool)
    index = pd.Index(reg.children["id"]).get_indexer(um["child_id"][helpable])
    team = result.solution.problem.teams
    if team is not None:  # a recruit alone is a one-member team: it must be allowed
        index = index[team.size_min[index] <= 1]
    if capacity is None:
        pool = reg.capacity[reg.available & (reg.capacity > 0)]
        capacity = max(1, int(np.median(pool))) if pool.size else 1
    per_recruit = capacity if pol.max_leads is None else min(capacity, pol.max_leads)
    plan, status = _plan_sites(result, index, max(per_recruit, 0), max_recruits, time_limit)
    columns = [*keys, "skills", "recruits", "children_paired", "priority_gained"]
    if not len(plan):
        out = pd.DataFrame(columns=columns)
    else:
        out = (
            plan.groupby([*keys, "skills"], sort=True)
            .agg(
                recruits=("site_child_id", "size"),
                children_paired=("children_paired", "sum"),
                priority_gained=("priority_gained", "sum"),
            )
            .reset_index()
        )
    out = conform(out, "shortfall")
    out.attrs["plan"] = conform(plan, "recruitment_plan")
    out.attrs["status"] = status
    return out


#: The columns of a recruitment plan.
PLAN_COLUMNS = [
    "site_child_id", "province", "city", "county", "township", "village", "skills",
    *(f"skill_{k}" for k in NEEDS), "capacity", "children", "children_paired",
    "priority_gained",
]  # fmt: skip


def _plan_sites(
    result: Solved,
    index: np.ndarray,
    per_recruit: int,
    max_recruits: int | None,
    time_limit: float | None,
) -> tuple[pd.DataFrame, str]:
    """Where to recruit for the children ``index`` (each site a child's home) and whom each
    recruit would take, and the search's status."""
    if index.size == 0 or per_recruit == 0:
        return pd.DataFrame(columns=PLAN_COLUMNS), "OPTIMAL"
    site, kid = _site_pairs(result, index)
    solver, code, served, counts = _choose_sites(
        result.priority[index], site, kid, index.size, per_recruit, max_recruits, time_limit
    )
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return pd.DataFrame(columns=PLAN_COLUMNS), solver.status_name(code)
    rows = _plan_rows(result, index, site, kid, served, counts, per_recruit)
    status = "OPTIMAL" if code == cp_model.OPTIMAL else "FEASIBLE"
    return pd.DataFrame(rows, columns=PLAN_COLUMNS), status


def _site_pairs(result: Solved, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(site, child) positions in ``index``: a recruit living at the site's child could
    take the child (within the distance limit, and the county unless pairs may cross)."""
    reg, pol = result.registry, result.policy
    tree = cKDTree(reg.child_xyz[index])
    hits = tree.sparse_distance_matrix(
        tree, float(chord_for_km(pol.max_distance_km)), output_type="ndarray"
    )
    site, kid = np.asarray(hits["i"], np.int64), np.asarray(hits["j"], np.int64)
    selfs = np.arange(index.size)  # distance 0 is not stored by the sparse matrix
    site, kid = np.concatenate((site, selfs)), np.concatenate((kid, selfs))
    if not pol.allow_cross_county:
        same = _same_county_children(reg, index[site], index[kid])
        site, kid = site[same], kid[same]
    return site, kid


def _choose_sites(
    prio: np.ndarray,
    site: np.ndarray,
    kid: np.ndarray,
    n: int,
    per_recruit: int,
    max_recruits: int | None,
    time_limit: float | None,
) -> tuple[cp_model.CpSolver, Any, np.ndarray, list[int]]:
    """The recruits per site and the children they serve that pair the most priority with
    the fewest recruits: (solver, status code, served per site pair, recruits per site)."""
    model = cp_model.CpModel()
    a = [model.new_bool_var("") for _ in range(site.size)]
    y = [model.new_int_var(0, n, "") for _ in range(n)]
    for group in group_positions(kid):
        model.add_at_most_one(a[i] for i in group)
    for s_, group in zip(np.unique(site).tolist(), group_positions(site), strict=True):
        model.add(sum(a[i] for i in group) <= per_recruit * y[s_])
    if max_recruits is not None:
        model.add(sum(y) <= int(max_recruits))
    weight = n + 1
    model.maximize(
        cp_model.LinearExpr.weighted_sum(a, (weight * prio[kid]).tolist())
        - cp_model.LinearExpr.sum(y)
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = float(time_limit)
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver, code, np.zeros(0, bool), []
    served = np.array([solver.boolean_value(v) for v in a], bool)
    return solver, code, served, [int(solver.value(v)) for v in y]


def _plan_rows(
    result: Solved,
    index: np.ndarray,
    site: np.ndarray,
    kid: np.ndarray,
    served: np.ndarray,
    counts: list[int],
    per_recruit: int,
) -> list[dict[str, Any]]:
    """One row per recruit: where she lives, the skills she needs and the children she
    takes (a site's children split among its recruits, neediest first)."""
    reg, pol = result.registry, result.policy
    required = (
        reg.need >= pol.cover_need_from
        if pol.cover_need_from is not None
        else np.zeros_like(reg.need, bool)
    )
    rows = []
    ids = reg.child_ids
    table = reg.children
    for s_ in np.flatnonzero(counts).tolist():
        mine = index[kid[served & (site == s_)]]
        mine = mine[np.argsort(-result.priority[mine], kind="stable")]
        for r in range(counts[s_]):
            share = mine[r * per_recruit : (r + 1) * per_recruit]
            if share.size == 0:
                continue
            skills = required[share].any(axis=0)
            level = np.where(skills, pol.cover_skill_from, 0)
            c = int(index[s_])
            rows.append(
                {
                    "site_child_id": str(ids[c]),
                    **{k: table[k].iat[c] for k in ("province", "city", "county")},
                    "township": table["township"].iat[c],
                    "village": table["village"].iat[c],
                    "skills": " & ".join(
                        f"{NEEDS[j]} >= {pol.cover_skill_from}" for j in np.flatnonzero(skills)
                    )
                    or "any",
                    **{f"skill_{k}": int(level[j]) for j, k in enumerate(NEEDS)},
                    "capacity": per_recruit,
                    "children": ";".join(str(ids[x]) for x in share),
                    "children_paired": int(share.size),
                    "priority_gained": int(result.priority[share].sum()),
                }
            )
    return rows


def _same_county_children(reg: Registry, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether children a[i] and b[i] are in the same county (a recruit at a's home serves
    b only then)."""
    x, y = reg.child_owner[a], reg.child_owner[b]
    fits = (x == y) | (x < 0) | (y < 0)
    return (x[:, 2] == y[:, 2]) & fits[:, 0] & fits[:, 1]
