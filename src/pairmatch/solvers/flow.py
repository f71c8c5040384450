"""Exact min-cost flow (OR-Tools) for problems with no side constraints.

Network: every child is a node with supply 1; an arc child → volunteer per allowed pair;
an arc volunteer → sink with the volunteer's capacity (in units of her load); an arc
child → sink with cost 0 for children who may stay unpaired. The two objective levels are
folded into one integer cost per arc::

    cost(c, v) = -(M * priority(c) + score(c, v))

where ``M`` exceeds the largest possible difference in total score inside one connected
component (pairings of different components never interact, so that is enough): no gain in
score can pay for one unit of priority, which makes the flow optimum the lexicographic one.
When the folded costs would not fit OR-Tools' 64-bit cost range, components are solved as
separate networks, each with its own ``M``.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from pairmatch.errors import SolverError
from pairmatch.problem import Problem
from pairmatch.solvers.base import Backend, CoreResult, Options, Status

__all__ = ["FlowBackend"]

# OR-Tools scales costs by (number of nodes + 1) internally; stay well inside int64.
_COST_LIMIT = 2**62


def _lex_weight(problem: Problem, child_label: np.ndarray, members: np.ndarray) -> int:
    """The M that makes one unit of priority worth more than any score difference among
    the pairings of one component (only the children in ``members`` count)."""
    n = problem.n_children
    hi = np.zeros(n, np.int64)
    lo = np.zeros(n, np.int64)
    np.maximum.at(hi, problem.child, problem.score)
    np.minimum.at(lo, problem.child, problem.score)
    spread = (hi - lo)[members]
    per_component = np.zeros(int(child_label.max(initial=0)) + 1, np.int64)
    np.add.at(per_component, child_label[members], spread)
    return int(per_component.max(initial=0)) + 1


def _unit_capacity(problem: Problem) -> np.ndarray:
    """Capacity in pairs: capacity // load for each volunteer (loads are uniform per volunteer)."""
    load = np.ones(problem.n_volunteers, np.int64)
    load[problem.volunteer] = problem.load
    return problem.capacity // load


class FlowBackend(Backend):
    """OR-Tools ``SimpleMinCostFlow``: exact, polynomial, for one-to-one and capacity problems."""

    name = "flow"

    def unsupported(self, problem: Problem) -> str | None:
        if not problem.uniform_load:
            return "loads differ between the pairs of one volunteer (a knapsack side constraint)"
        return None

    def solve(self, problem: Problem, options: Options) -> CoreResult:
        reason = self.unsupported(problem)
        if reason:
            raise SolverError(f"flow cannot solve this problem: {reason}; use solver='cpsat'")
        count, child_label, _ = problem.components()
        groups = [np.arange(problem.n_children)]
        chosen = self._solve_group(problem, groups[0], child_label)
        if chosen is None:  # costs too wide for one network: one network per component
            order = np.argsort(child_label, kind="stable")
            bounds = np.flatnonzero(np.diff(child_label[order])) + 1
            parts = []
            for members in np.split(order, bounds):
                part = self._solve_group(problem, members, child_label)
                if part is None:
                    raise SolverError(
                        "flow cannot represent this problem's objective in 64-bit costs; "
                        "lower the priority weights or coarsen Policy.score_resolution"
                    )
                parts.append(part)
            chosen = np.concatenate(parts) if parts else np.empty(0, np.int64)
        if isinstance(chosen, str):
            return CoreResult(np.empty(0, np.int64), Status.INFEASIBLE, 0, 0, (chosen,), count)
        chosen = np.sort(chosen)
        p = int(problem.priority[problem.child[chosen]].sum())
        s = int(problem.score[chosen].sum())
        return CoreResult(chosen, Status.OPTIMAL, p, s, (), count)

    def _solve_group(
        self, problem: Problem, members: np.ndarray, child_label: np.ndarray
    ) -> np.ndarray | str | None:
        """Chosen edge indices for the children in ``members``; a reason string when
        infeasible; ``None`` when the costs would overflow."""
        n, m = problem.n_children, problem.n_volunteers
        in_group = np.zeros(n, bool)
        in_group[members] = True
        edges = np.flatnonzero(in_group[problem.child])
        weight = _lex_weight(problem, child_label, members)
        cost = -(weight * problem.priority[problem.child[edges]] + problem.score[edges])
        nodes = n + m + 1
        if cost.size and int(np.abs(cost).max()) >= _COST_LIMIT // (nodes + 1):
            return None
        sink = n + m
        free = members[~problem.must_pair[members]]
        cap = _unit_capacity(problem)
        vols = np.unique(problem.volunteer[edges])
        tails = np.concatenate((problem.child[edges], n + vols, free)).astype(np.int32)
        heads = np.concatenate(
            (n + problem.volunteer[edges], np.full(vols.size + free.size, sink))
        ).astype(np.int32)
        caps = np.concatenate(
            (np.ones(edges.size, np.int64), cap[vols], np.ones(free.size, np.int64))
        )
        costs = np.concatenate((cost, np.zeros(vols.size + free.size, np.int64))).astype(np.int64)
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        supply_nodes = np.concatenate((members, [sink])).astype(np.int32)
        supplies = np.concatenate((np.ones(members.size, np.int64), [-members.size]))
        flow.set_nodes_supplies(supply_nodes, supplies.astype(np.int64))
        status = flow.solve()
        if status == flow.INFEASIBLE:
            must = int(problem.must_pair[members].sum())
            return (
                f"{must} children must be paired, but no pairing within the capacities "
                "and allowed pairs reaches all of them"
            )
        if status != flow.OPTIMAL:
            raise SolverError(f"min-cost flow ended with status {status!r}")
        used = flow.flows(np.arange(edges.size, dtype=np.int32)) > 0
        return edges[used]
