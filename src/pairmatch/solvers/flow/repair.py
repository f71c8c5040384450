"""Exact min-cost flow kept optimal as the problem changes: local repair with a proof.

The network is :mod:`pairmatch.solvers.flow.network`'s (child → volunteer arcs, each
volunteer → sink with her capacity split at her fair load, child → sink for a child left
unpaired), with the two objective levels folded into one cost per pair with a single
weight ``W`` (a power of two) that exceeds every possible difference in level 2::

    cost(c, v) = -(W * priority(c) + score(c, v))

:class:`FlowRepair` holds an optimal flow and node potentials ``pi`` under which every
residual arc has a reduced cost ``cost + pi[tail] - pi[head] >= 0``: complementary
slackness, the certificate that the flow is optimal. A change (records added, removed or
edited, pairs forbidden, scores or locks changed) maps the old flow and potentials onto
the new problem; the few arcs whose reduced cost is now negative are saturated, which
leaves some nodes with a unit too many or too few; successive shortest paths (Dijkstra on
reduced costs) then move one unit at a time from a surplus to the nearest shortage and
update the potentials, which keeps every reduced cost >= 0. The work follows what changed,
not the size of the county. At the end the certificate is checked over every arc of the
new problem with whole-array arithmetic; when anything does not hold (or the problem is
not a flow problem at all) the caller gets ``None`` and solves from scratch.
"""

from __future__ import annotations

import numpy as np

from pairmatch.arrays import unique
from pairmatch.problem import Problem
from pairmatch.solvers.flow import shortest_paths as paths
from pairmatch.solvers.flow.network import Arcs, Network, needed_weight

__all__ = [
    "MAX_UNITS", "FlowRepair", "certify", "rebalance", "repair_unsupported", "saturate",
]  # fmt: skip

#: Most units of flow :meth:`FlowRepair.advance` re-routes (one shortest-path search each)
#: before it leaves the change to a full solve. Measured (compiled searches, 2 cores): a 1%
#: batch moves 88 units in a 5,000-child county (update 0.33 s repaired, 0.67 s in full)
#: and 352 in a 20,000-child one with 4.6M pairs (4.3 s of searches, 10k nodes settled
#: each, against 6 s for a full solve); a single change moves 1-10.
MAX_UNITS = 400


def repair_unsupported(problem: Problem) -> str | None:
    """Why :class:`FlowRepair` cannot hold ``problem``, or None."""
    if problem.n_edges and not np.all(problem.child[1:] >= problem.child[:-1]):
        return "edges not sorted by child"
    if problem.has_teams:
        return "teams are side constraints"
    if problem.teams is not None and problem.teams.max_leads is not None:
        return "a lead cap is a side constraint"
    if not problem.uniform_load:
        return "loads differ between the pairs of one volunteer"
    locked_child = np.zeros(problem.n_children, bool)
    locked_child[problem.child[problem.locked]] = True
    if np.any(problem.must_pair & ~locked_child):
        return "children who must be paired without a locked pair"
    lc = problem.child[problem.locked]
    if lc.size and unique(lc).size != lc.size:
        return "a child with two locked pairs"
    return None


class FlowRepair:
    """An optimal pairing of a flow problem with its proof (node potentials), which
    :meth:`advance` carries to a changed problem.

    Examples
    --------
    >>> import numpy as np, pairmatch as pm
    >>> from pairmatch.solvers.flow.repair import FlowRepair
    >>> value = np.array([[3.0, 1.0], [2.0, np.nan]])
    >>> problem = pm.Problem.from_matrices(value, priority=1)
    >>> state = FlowRepair.start(problem, pm.solve(problem).chosen)
    >>> state.certify()
    True
    """

    def __init__(
        self,
        net: Network,
        matched: np.ndarray,
        to_sink: np.ndarray,
        unpaired: np.ndarray,
        pi: np.ndarray,
    ) -> None:
        self.net = net
        self.matched = matched
        self.to_sink = to_sink
        self.unpaired = unpaired
        self.pi = pi
        self.searches = 0  # shortest-path searches of the last advance
        self.settled = 0  # nodes they settled, all told

    @property
    def problem(self) -> Problem:
        return self.net.problem

    @property
    def chosen(self) -> np.ndarray:
        """The chosen edges, ascending."""
        return np.flatnonzero(self.matched)

    # ------------------------------------------------------------------ start
    @classmethod
    def start(
        cls, problem: Problem, chosen: np.ndarray, headroom: float = 1.0
    ) -> FlowRepair | None:
        """Potentials proving ``chosen`` optimal for ``problem`` (found by Bellman-Ford on
        the residual network), or None when the problem is not a flow problem or
        ``chosen`` is not optimal. ``headroom``: how much larger the largest cost may grow
        in later changes (a needier child, more nodes) and still fit 64 bits."""
        if repair_unsupported(problem):
            return None
        need = needed_weight(problem).bit_length()
        # as much room to grow as 64 bits allow, so later changes rarely outgrow it
        for extra in (8, 4, 2, 1, 0):
            net = Network.build(problem, 1 << (need + extra))
            if net.fits(headroom):
                break
        else:
            return None
        if not np.isin(problem.locked, chosen).all():
            return None
        return cls.proven(net, chosen)

    @classmethod
    def proven(cls, net: Network, chosen: np.ndarray) -> FlowRepair | None:
        """Potentials proving ``chosen`` optimal on ``net`` (Bellman-Ford on its residual
        network), or None when it is not optimal there."""
        problem = net.problem
        matched = np.zeros(problem.n_edges, bool)
        matched[chosen] = True
        to_sink = np.bincount(problem.volunteer[chosen], minlength=problem.n_volunteers)
        paired = np.zeros(problem.n_children, bool)
        paired[problem.child[chosen]] = True
        state = cls(net, matched, to_sink, ~paired & net.free, np.zeros(net.sink + 1, np.int64))
        pi = state._distances_to_sink()
        if pi is None:
            return None
        state.pi = pi - pi[net.sink]
        return state if state.certify() else None

    def _distances_to_sink(self) -> np.ndarray | None:
        """Potentials ``-(shortest distance to the sink)`` in the residual network (None if
        the network has a negative cycle: the flow is not optimal); see
        :func:`pairmatch.solvers.flow.shortest_paths.distances_to_sink`.

        Any potentials with non-negative reduced costs prove optimality; these ones also
        make every shortest path to the sink cost 0, so a later search for a place for a
        child (which ends at the sink) stays near the child instead of sweeping the county.
        A node that cannot reach the sink gets a virtual arc to it of a cost above any
        path's.
        """
        net = self.net
        ok, d = paths.distances_to_sink(
            net.n, net.m, net.start, net.child, net.volunteer, net.cost, self.matched,
            net.locked_edge, net.locked_child, net.free, self.unpaired, self.to_sink, net.room,
            net.fair, net.lock_load, net.pen, int(net.top * (net.sink + 2)),
        )  # fmt: skip
        return -d if ok else None

    # ------------------------------------------------------------------ proof
    def certify(self) -> bool:
        """Check, over every arc, that the flow is feasible and every residual arc has a
        non-negative reduced cost: then the pairing is optimal (linear-programming
        duality; the network's constraint matrix is totally unimodular); see
        :func:`pairmatch.solvers.flow.shortest_paths.certify`."""
        return certify(self.net, self.matched, self.unpaired, self.to_sink, self.pi)

    # ------------------------------------------------------------------ change
    def advance(
        self,
        problem: Problem,
        edge_from: np.ndarray,
        child_from: np.ndarray,
        volunteer_from: np.ndarray,
    ) -> FlowRepair | None:
        """The optimal pairing of ``problem``, a changed version of this one, repaired
        locally from this state; None when that cannot be done with a proof, or when more
        than :data:`MAX_UNITS` units of flow would have to move (a full solve is faster).

        ``edge_from``, ``child_from`` and ``volunteer_from`` give, for every edge, child
        and volunteer of ``problem``, its index in the old problem, or -1 when it is new or
        its record changed (such nodes and their edges are set up afresh). This state is
        not modified.
        """
        if repair_unsupported(problem) or needed_weight(problem) > self.net.weight:
            return None
        net = Network.build(problem, self.net.weight)
        if not net.fits():
            return None
        old = self.net
        n, m, sink = problem.n_children, problem.n_volunteers, net.sink
        child, vol = problem.child, problem.volunteer
        kept_c, kept_v = child_from >= 0, volunteer_from >= 0
        pi = np.zeros(sink + 1, np.int64)
        pi[:n][kept_c] = self.pi[child_from[kept_c]]
        pi[n:sink][kept_v] = self.pi[old.problem.n_children + volunteer_from[kept_v]]
        pi[sink] = self.pi[old.sink]
        # the old flow on the edges that are still there, and the arcs whose cost, flow or
        # ends changed (all others kept their reduced cost)
        was_locked_child = np.zeros(n, bool)
        was_locked_child[kept_c] = old.locked_child[child_from[kept_c]]
        matched, changed = paths.carry_flow(
            edge_from, child, vol, ~kept_c, ~kept_v, self.matched, old.cost, old.locked_edge,
            net.cost, net.locked_edge, net.locked_child, was_locked_child,
        )  # fmt: skip
        changed[_trim_to_room(net, matched)] = True
        to_sink = np.bincount(vol[matched], minlength=m)
        paired = np.zeros(n, bool)
        paired[child[matched]] = True
        unpaired = ~paired & net.free
        state = FlowRepair(net, matched, to_sink, unpaired, pi)
        state._fresh_potentials(~kept_c, ~kept_v)
        balance = np.zeros(sink + 1, np.int64)
        state._saturate(np.flatnonzero(changed), balance)
        if int(balance[balance > 0].sum()) > MAX_UNITS:
            return None  # a big batch: one search per unit would be slower than a full solve
        if not state._rebalance(balance):
            return None
        state.pi -= state.pi[sink]
        return state if state.certify() else None

    def _fresh_potentials(self, new_child: np.ndarray, new_vol: np.ndarray) -> None:
        """Potentials for new nodes that leave as few arcs as possible violated."""
        net, p, pi = self.net, self.problem, self.pi
        n, sink = p.n_children, net.sink
        for c in np.flatnonzero(new_child).tolist():
            lo, hi = int(net.start[c]), int(net.start[c + 1])
            best = pi[sink]
            if hi > lo:
                best = max(best, int((pi[n + p.volunteer[lo:hi]] - net.cost[lo:hi]).max()))
            pi[c] = best  # every arc out of c is fine; it gets its pair by a search
        if not new_vol.any():
            return
        into = np.flatnonzero(new_vol[p.volunteer] & ~net.locked_child[p.child])
        order = np.argsort(p.volunteer[into], kind="stable")
        into = into[order]
        cuts = np.searchsorted(p.volunteer[into], np.arange(p.n_volunteers + 1))
        for v in np.flatnonzero(new_vol).tolist():
            values = np.sort(
                pi[p.child[into[cuts[v] : cuts[v + 1]]]] + net.cost[into[cuts[v] : cuts[v + 1]]]
            )
            room, fair = int(net.room[v]), int(net.fair[v])
            options = [int(pi[sink]), int(pi[sink]) - net.pen]
            if values.size:
                options.append(int(values[0]))
            best, cost = options[0], None
            for t in options:
                pushes = int(np.searchsorted(values, t, side="left"))  # arcs into v below t
                pushes += min(fair, room) * (t < pi[sink]) + (room - fair) * (
                    t < pi[sink] - net.pen
                )
                if cost is None or pushes < cost:
                    best, cost = t, pushes
            pi[n + v] = best

    def _saturate(self, edges: np.ndarray, balance: np.ndarray) -> None:
        """Push or pull flow on every arc that breaks its reduced-cost condition (the given
        pair arcs, and all sink arcs), recording the surplus and shortage it leaves."""
        net, p = self.net, self.problem
        n, sink = p.n_children, net.sink
        # what the flow mapped from the old state leaves unbalanced
        m = self.matched
        balance[:n] += 1 - np.bincount(p.child[m], minlength=n) - self.unpaired
        balance[n:sink] += np.bincount(p.volunteer[m], minlength=p.n_volunteers) - self.to_sink
        balance[sink] += int(self.to_sink.sum() + self.unpaired.sum()) - n
        self.to_sink = saturate(
            self.net, self.matched, edges, self.unpaired, self.to_sink, self.pi, balance
        )

    def _rebalance(self, balance: np.ndarray) -> bool:
        """Successive shortest paths until no node has a surplus (False if one cannot
        reach any shortage); see :func:`rebalance`."""
        ok, self.searches, self.settled = rebalance(
            self.net, self.matched, self.unpaired, self.to_sink, self.pi, balance
        )
        return ok


def certify(
    arcs: Arcs, matched: np.ndarray, unpaired: np.ndarray, to_sink: np.ndarray, pi: np.ndarray
) -> bool:
    """The complementary-slackness check of the flow (``matched`` per edge, ``unpaired``
    per child, ``to_sink`` per volunteer) over every arc; see
    :func:`pairmatch.solvers.flow.shortest_paths.certify`."""
    a = arcs
    return bool(
        paths.certify(
            a.n, a.m, a.child, a.volunteer, a.cost, matched, a.locked_edge, a.locked_child,
            a.free, unpaired, to_sink, a.room, a.fair, a.lock_load, a.pen, pi,
        )
    )  # fmt: skip


def saturate(
    arcs: Arcs,
    matched: np.ndarray,
    edges: np.ndarray,
    unpaired: np.ndarray,
    to_sink: np.ndarray,
    pi: np.ndarray,
    balance: np.ndarray,
) -> np.ndarray:
    """Push or pull flow on every arc that breaks its reduced-cost condition under ``pi``
    (the pair arcs in ``edges``, and every sink arc), adding the surplus and shortage this
    leaves to ``balance``. ``matched`` and ``unpaired`` change in place; returns the new
    flow of each volunteer to the sink."""
    a, n = arcs, arcs.n
    sink = n + arcs.m
    m = matched
    edges = edges[~a.locked_child[a.child[edges]]]
    c, v = a.child[edges], a.volunteer[edges]
    rc = a.cost[edges] + pi[c] - pi[n + v]
    push = edges[~m[edges] & (rc < 0)]
    pull = edges[m[edges] & ~a.locked_edge[edges] & (rc > 0)]
    m[push] = True
    m[pull] = False
    np.add.at(balance, a.child[push], -1)
    np.add.at(balance, n + a.volunteer[push], 1)
    np.add.at(balance, a.child[pull], 1)
    np.add.at(balance, n + a.volunteer[pull], -1)
    # child → sink
    gap = pi[:n] - pi[sink]
    leave = a.free & ~unpaired & (gap < 0)
    back = a.free & unpaired & (gap > 0)
    unpaired[leave] = True
    unpaired[back] = False
    balance[:n] += back.astype(np.int64) - leave
    balance[sink] += int(leave.sum()) - int(back.sum())
    # volunteer → sink: units cheaper than the potential difference are full, dearer
    # ones empty
    delta = pi[sink] - pi[n:sink]
    extra = a.room - a.fair
    low = a.fair * (delta > 0) + extra * (delta > a.pen)
    high = a.fair * (delta >= 0) + extra * (delta >= a.pen)
    target = np.clip(to_sink, np.maximum(low, a.lock_load), np.maximum(high, a.lock_load))
    balance[n:sink] -= target - to_sink
    balance[sink] += int((target - to_sink).sum())
    return target


def rebalance(
    arcs: Arcs,
    matched: np.ndarray,
    unpaired: np.ndarray,
    to_sink: np.ndarray,
    pi: np.ndarray,
    balance: np.ndarray,
    locks: bool = True,
) -> tuple[bool, int, int]:
    """Successive shortest paths until no node has a surplus; see
    :func:`pairmatch.solvers.flow.shortest_paths.rebalance`. Returns (done, searches, nodes
    settled); ``done`` is False when a surplus cannot reach any shortage. ``locks=False``
    says no edge is locked (one pass over the edges less)."""
    a = arcs
    # each volunteer's unlocked pairs, in slots: as many as she can ever hold
    mine = np.flatnonzero(matched & ~a.locked_edge if locks else matched)
    mine = mine[np.argsort(a.volunteer[mine], kind="stable")]
    held = np.bincount(a.volunteer[mine], minlength=a.m)
    slots = np.maximum(held, a.room)
    slot_start = np.zeros(a.m + 1, np.int64)
    np.cumsum(slots, out=slot_start[1:])
    slot_edge = np.full(int(slot_start[-1]), -1, np.int64)
    first = np.repeat(slot_start[:-1] - np.cumsum(held) + held, held)
    slot_edge[first + np.arange(mine.size)] = mine
    status, searches, settled = paths.rebalance(
        a.n, a.m, a.start, a.child, a.volunteer, a.cost, matched, a.locked_child, a.free,
        unpaired, to_sink, a.room, a.fair, a.lock_load, a.pen, pi, balance, slot_start,
        slot_edge,
    )  # fmt: skip
    return bool(status == paths.OK), int(searches), int(settled)


def _trim_to_room(net: Network, matched: np.ndarray) -> np.ndarray:
    """Unpair the least valuable unlocked pairs of volunteers now holding more than their
    room (capacity went down); returns the edges unpaired."""
    p = net.problem
    load = np.bincount(p.volunteer[matched], minlength=p.n_volunteers)
    dropped = [np.empty(0, np.int64)]
    for v in np.flatnonzero(load > net.room).tolist():
        es = np.flatnonzero(matched & (p.volunteer == v) & ~net.locked_edge)
        drop = int(load[v] - net.room[v])
        dropped.append(es[np.argsort(-net.cost[es], kind="stable")[:drop]])
        matched[dropped[-1]] = False
    return np.concatenate(dropped)
