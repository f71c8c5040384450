"""Bounds on a team component's objective that hold whatever the search finds: exact
min-cost flow on two relaxations (level 1 with supporters free, level 2 with every load
kept but coverage and sizes dropped), and the capacity-free ceiling of level 2.
:mod:`pairmatch.solvers.teams.pricing` tightens level 2's by pricing the capacities."""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from pairmatch.arrays import top_sums, unique
from pairmatch.problem import Problem

__all__ = ["fit_relaxation_bound", "lead_relaxation_bound", "level2_ceiling", "min_cost"]

#: Costs and their sums stay far inside 64 bits (OR-Tools scales costs by the node count).
_COST_LIMIT = 2.0**61


def lead_relaxation_bound(problem: Problem, edges: np.ndarray, fallback: int) -> int:
    """An upper bound on level 1 by exact min-cost flow on a relaxation: every paired child
    holds only its lead's load (supporters take no capacity, coverage is ignored, locks and
    must-pair rules are dropped), and a volunteer leads at most her lead cap. Any valid
    pairing is a flow of this network (built on the component's own children and
    volunteers, so its cost follows the component's size). ``fallback`` when a volunteer's
    lead loads differ or the costs would not fit 64 bits."""
    t = problem.teams
    assert t is not None
    p = problem
    if edges.size == 0:
        return 0
    child, vol = p.child[edges], p.volunteer[edges]
    kids, c_local = np.unique(child, return_inverse=True)
    vols, v_local = np.unique(vol, return_inverse=True)
    load = np.asarray(p.load)[edges].astype(np.int64)
    low = np.full(vols.size, np.iinfo(np.int64).max)
    high = np.zeros(vols.size, np.int64)
    np.minimum.at(low, v_local, load)
    np.maximum.at(high, v_local, load)
    if np.any(low != high) or np.any(low <= 0):
        return fallback
    slots = p.capacity[vols].astype(np.int64) // low  # leads each volunteer can hold
    if t.max_leads is not None:
        slots = np.minimum(slots, t.max_leads[vols].astype(np.int64))
    prio = p.priority[kids].astype(np.int64)
    n_k, n_v = kids.size, vols.size
    sink = n_k + n_v
    if float(prio.max(initial=0)) * float(n_k) * (sink + 2) >= _COST_LIMIT:
        return fallback
    tails = np.concatenate((c_local, n_k + np.arange(n_v), np.arange(n_k)))
    heads = np.concatenate((n_k + v_local, np.full(n_v + n_k, sink)))
    caps = np.concatenate((np.ones(edges.size, np.int64), slots, np.ones(n_k, np.int64)))
    costs = np.concatenate((-prio[c_local], np.zeros(n_v + n_k, np.int64)))
    supply = np.zeros(sink + 1, np.int64)
    supply[:n_k] = 1
    supply[sink] = -n_k
    cost = min_cost(tails, heads, caps, costs, supply)
    return fallback if cost is None else -cost


def fit_relaxation_bound(problem: Problem, edges: np.ndarray, fallback: int) -> int:
    """An upper bound on level 2 of any valid pairing (whatever its level 1), by exact
    min-cost flow on a relaxation that keeps every load.

    Each child has a lead node sending up to one lead load and, when the team may have
    several members, a supporter node sending up to ``size_max - 1`` supporter loads, one
    per volunteer at most; volunteers keep their capacities and lead caps. A lead pair is
    worth its score plus every category's best value among the child's candidates (a
    one-member child's pair: its score and its own category values), a supporter pair its
    score when positive. A team's value, ``Σ_k max over members + Σ member scores``, is at
    most its lead's plus its supporters', so any valid pairing is a flow worth at least as
    much. Coverage, sizes, must-pair, locks and the fairness penalty (which only
    subtracts) are left out. Costs are scaled by lead load × supporter load to stay
    integral. ``fallback`` when loads differ between pairs."""
    t = problem.teams
    assert t is not None
    p = problem
    if edges.size == 0:
        return 0
    lead_load = unique(np.asarray(p.load)[edges])
    support = unique(t.support_load[edges])
    if lead_load.size != 1 or support.size != 1 or lead_load[0] <= 0 or support[0] <= 0:
        return fallback
    big, small = int(lead_load[0]), int(support[0])
    child, vol = p.child[edges], p.volunteer[edges]
    kids, c_local = np.unique(child, return_inverse=True)
    vols, v_local = np.unique(vol, return_inverse=True)
    several = t.size_max[child] > 1
    values = t.category_value[edges]
    best = np.zeros((kids.size, values.shape[1]), np.int64)
    np.maximum.at(best, c_local, values)
    lead_value = p.score[edges] + np.where(several, best.sum(axis=1)[c_local], values.sum(axis=1))
    # nodes: lead node per child, supporter node per child, volunteer, lead-cap node per
    # volunteer, sink
    n_k, n_v = kids.size, vols.size
    lead_node, sup_node = np.arange(n_k), n_k + np.arange(n_k)
    vol_node, cap_node = 2 * n_k + np.arange(n_v), 2 * n_k + n_v + np.arange(n_v)
    sink = 2 * n_k + 2 * n_v
    capacity = p.capacity[vols].astype(np.int64)
    lead_cap = capacity
    if t.max_leads is not None:  # min() first, so the product cannot wrap
        lead_cap = np.minimum(capacity // big, t.max_leads[vols].astype(np.int64)) * big
    sup_edges = np.flatnonzero(several & (p.score[edges] > 0))
    team_kids = unique(c_local[several])
    slots = (t.size_max[kids[team_kids]].astype(np.int64) - 1) * small
    tails = np.concatenate((
        lead_node[c_local], sup_node[c_local[sup_edges]], cap_node, vol_node,
        lead_node, sup_node[team_kids],
    ))  # fmt: skip
    heads = np.concatenate((
        cap_node[v_local], vol_node[v_local[sup_edges]], vol_node, np.full(n_v, sink),
        np.full(n_k + team_kids.size, sink),
    ))  # fmt: skip
    caps = np.concatenate((
        np.full(edges.size, big), np.full(sup_edges.size, small), lead_cap, capacity,
        np.full(n_k, big), slots,
    ))  # fmt: skip
    costs = np.concatenate((
        -lead_value * small, -p.score[edges][sup_edges] * big,
        np.zeros(2 * n_v + n_k + team_kids.size, np.int64),
    ))  # fmt: skip
    # OR-Tools sums cost × flow in 64 bits (and scales costs by the node count): check
    # that in floats before any integer product can wrap
    lead_f = np.abs(lead_value.astype(float)) * small
    sup_f = np.abs(p.score[edges][sup_edges].astype(float)) * big
    total = float(lead_f.sum()) * big + float(sup_f.sum()) * small
    if max(total, float(lead_cap.astype(float).max(initial=0))) * (sink + 2) >= _COST_LIMIT:
        return fallback
    supply = np.zeros(sink + 1, np.int64)
    supply[lead_node] = big
    supply[sup_node[team_kids]] = slots
    supply[sink] = -int(supply.sum())
    cost = min_cost(tails, heads, caps, costs, supply)
    return fallback if cost is None else -cost // (big * small)  # a bound's floor bounds


def min_cost(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, costs: np.ndarray, supply: np.ndarray
) -> int | None:
    """The optimal cost of a min-cost flow given as arc arrays and node supplies (nodes
    ``0..len(supply)-1``), or None when it has no feasible flow."""
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64),
        costs.astype(np.int64),
    )  # fmt: skip
    flow.set_nodes_supplies(np.arange(supply.size, dtype=np.int32), supply)
    return int(flow.optimal_cost()) if flow.solve() == flow.OPTIMAL else None


def level2_ceiling(problem: Problem, edges: np.ndarray) -> int:
    """An upper bound on level 2 over ``edges`` whatever the capacities: every child gets
    the best value in each category and its ``size_max`` best positive pair scores.
    (Edges sorted by child, as pairmatch's are: one compiled pass, where sorting 25M pairs
    by child and score took 17 s.)"""
    t = problem.teams
    assert t is not None
    child = problem.child[edges]
    if edges.size == 0:
        return 0
    if np.any(child[1:] < child[:-1]):  # (not pairmatch's order: sort it)
        edges = edges[np.argsort(child, kind="stable")]
        child = problem.child[edges]
    starts = np.flatnonzero(np.r_[True, child[1:] != child[:-1]])
    best = np.maximum.reduceat(t.category_value[edges], starts, axis=0).sum()
    score = problem.score[edges]
    ends = np.r_[starts[1:], edges.size]
    return int(best) + int(top_sums(score, starts, ends, t.size_max[child[starts]]))
