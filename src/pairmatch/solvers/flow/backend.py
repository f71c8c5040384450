"""Exact min-cost flow (OR-Tools) for problems with no side constraints.

Network: the one :mod:`pairmatch.solvers.flow.network` defines, given to OR-Tools as arc
lists: every child is a node with supply 1; an arc child → volunteer per allowed pair; an
arc volunteer → sink with the volunteer's capacity (in units of her load); an arc
child → sink with cost 0 for children who may stay unpaired. Nodes are numbered per network
solved (its children, the volunteers they reach, the sink). The two objective levels are
folded into one integer cost per arc::

    cost(c, v) = -(M * priority(c) + score(c, v))

where ``M`` exceeds the largest possible difference in total score inside one connected
component (pairings of different components never interact, so that is enough): no gain in
score can pay for one unit of priority, which makes the flow optimum the lexicographic one.

OR-Tools multiplies costs by the number of nodes internally, so the folded costs must stay
far inside 64 bits. All components are solved in one network when they fit (one network per
group when the problem has ``groups``, so that a county's pairs are the same whether it is
solved alone or with its province); otherwise each component gets its own network with its
own ``M`` and node count; a problem whose costs do
not fit even then is reported unsupported (``solver="auto"`` then takes CP-SAT).
"""

from __future__ import annotations

import weakref

import numpy as np
from ortools.graph.python import min_cost_flow

from pairmatch.arrays import unique
from pairmatch.errors import SolverError
from pairmatch.problem import Problem
from pairmatch.solvers.base import Backend, CoreResult, Options, Status, level2_value
from pairmatch.solvers.flow.network import (
    fair_capacity,
    fold_costs,
    per_child_spread,
    unit_capacity,
)

__all__ = ["FlowBackend"]

# OR-Tools scales costs by (number of nodes + 1) internally; keep a factor 2 of headroom
# over float rounding in the check below.
_COST_LIMIT = 2.0**61

_PLANS: weakref.WeakKeyDictionary[Problem, _Plan] = weakref.WeakKeyDictionary()


def _plan(problem: Problem) -> _Plan:
    plan = _PLANS.get(problem)
    if plan is None:
        plan = _PLANS[problem] = _Plan(problem)
    return plan


class _Plan:
    """Whether the folded costs fit one network, one network per component, or neither.

    One ``M`` for the whole problem (the sum of every child's spread, which bounds every
    component's) is tried first: when it fits one network, the components are not needed
    to decide (finding them over 25M pairs takes a second) and are found only when a
    solve asks for them (:meth:`parts`)."""

    def __init__(self, problem: Problem) -> None:
        self._parts: tuple[int, np.ndarray, np.ndarray] | None = None
        top_score = float(np.abs(problem.score).max(initial=0)) + problem.overload_penalty
        if top_score * 2 * max(problem.n_children, 1) >= _COST_LIMIT:
            self.one_network = self.per_component = False  # even M would not fit
            return
        nodes = problem.n_children + problem.n_volunteers + 2.0
        spread = per_child_spread(problem)
        total = float(spread.sum()) + 1  # >= every component's M
        if total * float(problem.priority.max(initial=0)) + top_score < _COST_LIMIT / nodes:
            self.one_network = self.per_component = True
            return
        count, child_label, weight = self.parts(problem, spread)
        prio = np.zeros(count)
        np.maximum.at(prio, child_label, problem.priority.astype(float))
        worst = weight.astype(float) * prio + top_score
        widest = float(weight.max(initial=1)) * float(prio.max(initial=0)) + top_score
        self.one_network = widest * nodes < _COST_LIMIT
        comp_nodes = np.bincount(child_label, minlength=count) * 2.0 + 2.0  # ≤ children + vols
        vol_nodes = np.bincount(child_label[problem.child], minlength=count).astype(float)
        self.per_component = bool(np.all(worst * (comp_nodes + vol_nodes) < _COST_LIMIT))

    def parts(
        self, problem: Problem, spread: np.ndarray | None = None
    ) -> tuple[int, np.ndarray, np.ndarray]:
        """(components, each child's component, each component's M), found once."""
        if self._parts is None:
            count, child_label, _ = problem.components()
            weight = np.zeros(count, np.int64)  # summed exactly in int64 (see above)
            np.add.at(weight, child_label, per_child_spread(problem) if spread is None else spread)
            self._parts = (count, child_label, weight + 1)
        return self._parts


class FlowBackend(Backend):
    """OR-Tools ``SimpleMinCostFlow``: exact, polynomial, for one-to-one and capacity problems."""

    name = "flow"

    def unsupported(self, problem: Problem) -> str | None:
        if problem.has_teams:
            return "teams of several volunteers or need coverage are side constraints"
        if not problem.uniform_load:
            return "loads differ between the pairs of one volunteer (a knapsack side constraint)"
        plan = _plan(problem)
        if not (plan.one_network or plan.per_component):
            return (
                "its costs (priority times the score range, plus the score) times the number "
                "of nodes do not fit 64-bit flow costs: lower the priorities or coarsen the "
                "resolution (Policy.score_resolution)"
            )
        return None

    def solve(self, problem: Problem, options: Options) -> CoreResult:
        reason = self.unsupported(problem)
        if reason:
            raise SolverError(f"flow cannot solve this problem: {reason}; use solver='cpsat'")
        plan = _plan(problem)
        count, child_label, weights = plan.parts(problem)
        # one network per group (one in all without groups) when the whole fits, since any
        # part of a network that fits fits too; else one network per component
        label = _network_labels(problem, plan) if plan.one_network else child_label
        parts, notes = [], []
        order = np.argsort(label, kind="stable")
        cuts = np.flatnonzero(np.diff(label[order])) + 1
        for members in np.split(order, cuts) if order.size else []:
            weight = int(weights[unique(child_label[members])].max(initial=1))
            outcome = _solve_network(problem, members, weight)
            if isinstance(outcome, str):
                notes.append(outcome)
            else:
                parts.append(outcome)
        if notes:
            return CoreResult(np.empty(0, np.int64), Status.INFEASIBLE, 0, 0, tuple(notes), count)
        chosen = np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)
        p = int(problem.priority[problem.child[chosen]].sum())
        s = level2_value(problem, chosen)
        return CoreResult(chosen, Status.OPTIMAL, p, s, (), count)


def _network_labels(problem: Problem, plan: _Plan) -> np.ndarray:
    """The network of every child: all in one without groups; else one per group, a
    component that spans groups going with its lowest."""
    if problem.groups is None:
        return np.zeros(problem.n_children, np.int64)
    count, child_label, _ = plan.parts(problem)
    lowest = np.full(count, np.iinfo(np.int64).max)
    np.minimum.at(lowest, child_label, problem.groups)
    return lowest[child_label]


def _solve_network(problem: Problem, members: np.ndarray, weight: int) -> np.ndarray | str:
    """Chosen edge indices for the children in ``members`` (and the volunteers they reach),
    or the reason they cannot all be paired as required."""
    n = problem.n_children
    in_group = np.zeros(n, bool)
    in_group[members] = True
    edges = np.flatnonzero(in_group[problem.child])
    vols, vol_local = np.unique(problem.volunteer[edges], return_inverse=True)
    k = members.size
    child_local = np.empty(n, np.int64)
    child_local[members] = np.arange(k)
    sink = k + vols.size
    free = np.flatnonzero(~problem.must_pair[members])
    cost = fold_costs(problem.priority[problem.child[edges]], problem.score[edges], weight)
    # volunteer → sink: free up to her fair load, each pair beyond it costs the penalty
    room = unit_capacity(problem)[vols]
    fair = fair_capacity(problem, room, vols)
    extra = room - fair
    over = np.flatnonzero(extra > 0)
    tails = np.concatenate(
        (child_local[problem.child[edges]], k + np.arange(vols.size), k + over, free)
    )
    heads = np.concatenate((k + vol_local, np.full(vols.size + over.size + free.size, sink)))
    caps = np.concatenate(
        (np.ones(edges.size, np.int64), fair, extra[over], np.ones(free.size, np.int64))
    )
    costs = np.concatenate(
        (
            cost,
            np.zeros(vols.size, np.int64),
            np.full(over.size, problem.overload_penalty, np.int64),
            np.zeros(free.size, np.int64),
        )
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    supplies = np.concatenate((np.ones(k, np.int64), np.array([-k], np.int64)))
    flow.set_nodes_supplies(np.concatenate((np.arange(k), [sink])).astype(np.int32), supplies)
    status = flow.solve()
    if status == flow.INFEASIBLE:
        must = int(problem.must_pair[members].sum())
        return (
            f"{must} children must be paired, but no pairing within the capacities and "
            "allowed pairs reaches all of them"
        )
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status!r}")
    used = flow.flows(np.arange(edges.size, dtype=np.int32)) > 0
    return edges[used]
