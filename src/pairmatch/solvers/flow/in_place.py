"""An optimal pairing kept in place as records come and go, for re-pairing in
milliseconds.

:class:`~pairmatch.solvers.flow.repair.FlowRepair` carries a flow from one problem to the next:
it maps every edge of the new problem to the old one, which costs a few passes over all
edges (about 0.3 s on a 20,000-child county with 4.6M candidate pairs). :class:`LiveFlow`
instead changes one network in place, with work that follows the change:

* nodes are *slots*: a child or volunteer keeps its slot while it is registered; a new
  record takes a spare slot (the network is built with some to spare); a record that
  leaves frees nothing, its slot just stops counting;
* an edge that is gone (its child or volunteer left, or the pair was forbidden) stays in
  the arrays at a cost of :data:`DEAD`, dearer than any path: no shortest path uses it and
  its reduced cost stays positive, so the proof of optimality is untouched;
* a new child's pairs are appended after the last edge, which keeps the edges grouped by
  child slot (slots are handed out in order).

After a batch of changes, :meth:`LiveFlow.settle` saturates the arcs the change touched
and runs successive shortest paths (:func:`pairmatch.solvers.flow.repair.rebalance`) until the
flow is balanced, then checks the complementary-slackness certificate over every arc (one
compiled pass): the answer is proven optimal for the whole network, or ``settle`` says it
is not (:meth:`LiveFlow.rollback` then brings the last state back). When the spare
slots or edges run out, or too many edges are dead, the caller builds a new one (see
:meth:`LiveFlow.room_for`).

What :class:`FlowRepair` supports, without a fairness penalty: one load per pair, no
teams, no lead caps; locked pairs (``stability="strict"``) with :meth:`LiveFlow.lock`
and :meth:`LiveFlow.pin`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pairmatch.arrays import unique
from pairmatch.solvers.flow import repair
from pairmatch.solvers.flow.network import Arcs, per_child_spread, potentials_fit
from pairmatch.solvers.flow.repair import FlowRepair, certify, rebalance, saturate

__all__ = ["DEAD", "LiveFlow"]

#: The cost of an edge that is gone. Potentials stay below 2**60 in size (see
#: :data:`~pairmatch.solvers.flow.network.POTENTIAL_LIMIT`), so its reduced cost is above
#: 2**61: above every distance a search can reach, and far from wrapping 64 bits.
DEAD = 1 << 62


class LiveFlow:
    """An optimal flow over slot-numbered children and volunteers, changed in place.

    Start it from a proven :class:`FlowRepair` (:meth:`start`), make changes
    (:meth:`remove_child`, :meth:`remove_volunteer`, :meth:`forbid`, :meth:`add_child`,
    :meth:`prefer`), then :meth:`settle`. Slot ``i`` of the starting problem is its child
    (volunteer) ``i``; later records get the slots :meth:`add_child` returns.

    Examples
    --------
    >>> import numpy as np, pairmatch as pm
    >>> from pairmatch.solvers.flow.repair import FlowRepair
    >>> value = np.array([[3.0, 1.0], [2.0, np.nan]])
    >>> problem = pm.Problem.from_matrices(value, priority=1)
    >>> live = LiveFlow.start(FlowRepair.start(problem, pm.solve(problem).chosen))
    >>> live.remove_volunteer(0)
    >>> live.settle()
    True
    >>> [(int(live.child[e]), int(live.volunteer[e])) for e in live.chosen]
    [(0, 1)]
    """

    # sizes: child slots (spare ones included), volunteer slots, child slots in use,
    # edges in use, and those of them that are dead
    n: int
    m: int
    used_children: int
    n_edges: int
    dead: int
    # per edge (arrays longer than n_edges: room for new pairs)
    child: np.ndarray
    volunteer: np.ndarray
    score: np.ndarray  # without the bonus
    cost: np.ndarray
    matched: np.ndarray
    preferred: np.ndarray
    locked_edge: np.ndarray
    # per child slot, per volunteer slot, per node
    priority: np.ndarray
    start_: np.ndarray  # CSR: the edges of child slot c are start_[c]:start_[c + 1]
    free: np.ndarray
    locked_child: np.ndarray
    unpaired: np.ndarray
    room: np.ndarray
    fair: np.ndarray
    lock_load: np.ndarray
    to_sink: np.ndarray
    pi: np.ndarray
    balance: np.ndarray
    # the fold of the levels and its limits
    weight: int
    bonus: int
    top: float
    spread: int
    # each volunteer's edges among the first ones
    first_edges: int
    by_volunteer: np.ndarray
    volunteer_start: np.ndarray
    searches: int
    settled: int
    # when each edge died (the epoch of the change; never: the largest int64), so that an
    # earlier state's pairs can be told apart: alive at epoch k means died > k
    died: np.ndarray
    epoch: int
    _dirty: list[np.ndarray]  # edges a change touched, for the next settle
    _saved: dict[str, object] | None  # the state at begin(), for rollback()
    _undo: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]  # edge changes since

    # ------------------------------------------------------------------ building
    @classmethod
    def start(
        cls,
        state: FlowRepair,
        *,
        spare_children: int | None = None,
        spare_edges: int | None = None,
        bonus: int = 0,
        preferred: np.ndarray | None = None,
    ) -> LiveFlow | None:
        """A live copy of ``state`` (which is not changed), with room for
        ``spare_children`` new children (default: 5% and at least 64) and ``spare_edges``
        new pairs (default: 5% and at least 4,096). ``bonus`` is the score a pair in
        ``preferred`` (edge indices) has on top of its score in ``state``'s problem, which
        already counts it (:meth:`prefer` moves it). Locked pairs stay locked (see
        :meth:`lock`). None when the network has a fairness penalty, or its costs leave no
        room to grow."""
        net, p = state.net, state.problem
        if net.pen:
            return None
        n, m, e = p.n_children, p.n_volunteers, p.n_edges
        extra_c = max(64, n // 20) if spare_children is None else spare_children
        extra_e = max(4096, e // 20) if spare_edges is None else spare_edges
        self = cls()
        self.n, self.m = n + extra_c, m
        self.used_children = n
        cap = e + extra_e
        self.n_edges = e
        self.child = _grown(p.child, cap, np.int64)
        self.volunteer = _grown(p.volunteer, cap, np.int64)
        pref = np.zeros(cap, bool)
        if preferred is not None:
            pref[preferred] = True
        self.bonus = int(bonus)
        self.preferred = pref
        self.score = _grown(p.score, cap, np.int64)
        if preferred is not None:
            self.score[preferred] -= self.bonus  # the score without the bonus
        self.cost = _grown(net.cost, cap, np.int64)
        self.matched = _grown(state.matched, cap, bool)
        self.locked_edge = _grown(net.locked_edge, cap, bool)
        self.died = np.full(cap, np.iinfo(np.int64).max, np.int64)
        self.epoch = 0
        self.weight = net.weight
        self.priority = _grown(p.priority, self.n, np.int64)
        self.start_ = np.full(self.n + 1, e, np.int64)
        self.start_[: n + 1] = net.start
        self.free = np.ones(self.n, bool)
        self.free[:n] = net.free
        self.locked_child = np.zeros(self.n, bool)
        self.locked_child[:n] = net.locked_child
        self.unpaired = np.ones(self.n, bool)
        self.unpaired[:n] = state.unpaired
        self.room = net.room.copy()
        self.fair = net.room.copy()
        self.lock_load = net.lock_load.astype(np.int64).copy()
        self.to_sink = state.to_sink.copy()
        sink = self.n + m
        self.pi = np.empty(sink + 1, np.int64)
        self.pi[:n] = state.pi[:n]
        self.pi[n : self.n] = state.pi[net.sink]  # spare children: unpaired, at the sink
        self.pi[self.n : sink] = state.pi[n : net.sink]
        self.pi[sink] = state.pi[net.sink]
        # the potentials' size limit (see network.potentials_fit) and the level-2 spread the
        # weight must exceed, kept up to date as children are added
        self.top = net.top + self.bonus
        # (the problem's scores carry the bonus where it is now; it may move to any pair of
        # a child, which widens her spread by at most the bonus at each end)
        self.spread = int(per_child_spread(p).sum()) + 2 * self.bonus * n
        if self.spread >= self.weight or not self._fits():
            return None
        # each volunteer's edges among the first ones (later ones are few: scanned)
        self.first_edges = e
        self.by_volunteer, self.volunteer_start = _group(p.volunteer, m)
        self.dead = 0
        self._dirty = []
        self._saved = None
        self._undo = []
        self.balance = np.zeros(sink + 1, np.int64)
        self.searches = self.settled = 0
        return self

    def _fits(self) -> bool:
        return potentials_fit(self.top, self.n + self.m + 2)

    def room_for(self, children: int, edges: int) -> bool:
        """Whether ``children`` new children with ``edges`` pairs in all still fit, with
        dead edges below a tenth of all (else a fresh network is cheaper to keep)."""
        return (
            self.used_children + children <= self.n
            and self.n_edges + edges <= self.child.size
            and self.dead <= self.n_edges // 10
        )

    # ------------------------------------------------------------------ changes
    _NODE_STATE = (
        "pi", "to_sink", "unpaired", "room", "fair", "priority", "start_", "balance", "free",
        "locked_child", "lock_load",
    )  # fmt: skip
    _SIZES = ("n_edges", "used_children", "dead", "top", "spread")

    def begin(self) -> None:
        """Remember the state, so that :meth:`rollback` can bring it back if the changes
        that follow cannot be settled (copies of the per-node arrays and of the edges'
        flags; edge costs are logged as they change)."""
        saved: dict[str, object] = {k: getattr(self, k).copy() for k in self._NODE_STATE}
        saved |= {k: getattr(self, k) for k in self._SIZES}
        saved["matched"] = self.matched[: self.n_edges].copy()
        saved["locked_edge"] = self.locked_edge[: self.n_edges].copy()
        saved["_dirty"] = list(self._dirty)
        self._saved, self._undo = saved, []

    def commit(self) -> None:
        """Keep the changes since :meth:`begin`."""
        self._saved, self._undo = None, []

    def rollback(self) -> None:
        """Back to the state at :meth:`begin`."""
        assert self._saved is not None
        for edges, cost, died, preferred in reversed(self._undo):
            self.cost[edges], self.died[edges], self.preferred[edges] = cost, died, preferred
        lo, hi = self._saved["n_edges"], self.n_edges  # pairs of children added since
        assert isinstance(lo, int)
        for array in (self.child, self.volunteer, self.score, self.cost):
            array[lo:hi] = 0
        self.preferred[lo:hi] = False
        self.died[lo:hi] = np.iinfo(np.int64).max
        for key, value in self._saved.items():
            if key not in ("matched", "locked_edge"):
                setattr(self, key, value)
        for key in ("matched", "locked_edge"):
            flags, saved = getattr(self, key), self._saved[key]
            assert isinstance(saved, np.ndarray)
            flags[: saved.size] = saved
            flags[saved.size :] = False
        self._saved, self._undo = None, []

    def _log(self, edges: np.ndarray) -> None:
        if self._saved is not None:
            self._undo.append((edges, self.cost[edges], self.died[edges], self.preferred[edges]))

    def _kill(self, edges: np.ndarray) -> None:
        """Edges that are gone: their flow is taken back, their cost made DEAD."""
        edges = edges[self.cost[edges] != DEAD]
        if not edges.size:
            return
        self._log(edges)
        self._unlock(edges[self.locked_edge[edges]])
        held = edges[self.matched[edges]]
        self.matched[held] = False
        np.add.at(self.balance, self.child[held], 1)
        np.add.at(self.balance, self.n + self.volunteer[held], -1)
        self.cost[edges] = DEAD
        self.died[edges] = self.epoch
        self.preferred[edges] = False
        self.dead += int(edges.size)

    def _unlock(self, edges: np.ndarray) -> None:
        """Locked pairs that are going: their children are free again, and all their
        arcs must meet the reduced-cost conditions (settle checks them)."""
        self._set_locks(edges, False)
        self._dirty.extend(self.edges_of_child(int(k)) for k in self.child[edges].tolist())

    def lock(self, edges: np.ndarray) -> None:
        """Lock these paired edges (``stability="strict"``: a working pair stays, and its
        child must stay paired). Locking a pair the flow carries keeps the proof: its
        child's arcs are exempt from then on."""
        self._set_locks(edges[self.matched[edges] & ~self.locked_edge[edges]], True)

    def _set_locks(self, edges: np.ndarray, on: bool) -> None:
        self.locked_edge[edges] = on
        c = self.child[edges]
        self.locked_child[c] = on
        self.free[c] = not on
        np.add.at(self.lock_load, self.volunteer[edges], 1 if on else -1)

    def pin(self, e: int) -> None:
        """Make pair ``e`` of an unpaired child and lock it (a re-assessed child keeps her
        locked volunteer in a new slot); :meth:`settle` finds room for it."""
        c, v = int(self.child[e]), int(self.volunteer[e])
        if self.matched[e]:
            self.lock(np.array([e]))
            return
        assert self.unpaired[c], "pin() is for a child with no pair"
        self.matched[e] = True
        self.unpaired[c] = False
        self.balance[self.n + self.m] -= 1  # the sink gets one unit less from her
        self.balance[self.n + v] += 1  # her volunteer must pass one more on
        self.lock(np.array([e]))

    def edges_of_child(self, c: int) -> np.ndarray:
        return np.arange(self.start_[c], self.start_[c + 1])

    def edges_of_volunteer(self, v: int) -> np.ndarray:
        first = self.by_volunteer[self.volunteer_start[v] : self.volunteer_start[v + 1]]
        later = self.first_edges + np.flatnonzero(
            self.volunteer[self.first_edges : self.n_edges] == v
        )
        return np.concatenate((first, later))

    def remove_child(self, c: int) -> None:
        """Child slot ``c`` leaves: her pairs go, and she stays unpaired for good."""
        self._kill(self.edges_of_child(c))
        if not self.unpaired[c]:
            self.unpaired[c] = True
            self.balance[c] -= 1
            self.balance[self.n + self.m] += 1
        self.priority[c] = 0
        self.pi[c] = min(int(self.pi[c]), int(self.pi[self.n + self.m]))

    def remove_volunteer(self, v: int) -> None:
        """Volunteer slot ``v`` leaves: her pairs go and her capacity is 0."""
        self._kill(self.edges_of_volunteer(v))
        f = int(self.to_sink[v])
        self.to_sink[v] = 0
        self.balance[self.n + v] += f
        self.balance[self.n + self.m] -= f
        self.room[v] = self.fair[v] = 0

    def forbid(self, c: int, v: int) -> None:
        """The pair (child slot ``c``, volunteer slot ``v``) may not be made any more."""
        edges = self.edges_of_child(c)
        self._kill(edges[self.volunteer[edges] == v])

    def add_child(self, priority: int, volunteers: np.ndarray, scores: np.ndarray) -> int:
        """A new child with her candidate volunteers (slots, ascending) and pair scores;
        returns her slot. Check :meth:`room_for` first."""
        c = self.used_children
        k = volunteers.size
        lo, hi = self.n_edges, self.n_edges + k
        self.child[lo:hi] = c
        self.volunteer[lo:hi] = volunteers
        self.score[lo:hi] = scores
        self.preferred[lo:hi] = False
        self.matched[lo:hi] = False
        self.priority[c] = priority
        self.cost[lo:hi] = -(self.weight * priority + scores)  # (network.fold_costs, one child)
        self.start_[c + 1 :] = hi
        self.n_edges = hi
        self.used_children += 1
        if k:
            self.spread += max(int(scores.max()) + self.bonus, 0) - min(int(scores.min()), 0)
        top = self.weight * priority + float(np.abs(scores).max(initial=0)) + self.bonus
        self.top = max(self.top, top)  # with the bonus a kept pair may get
        # a potential under which every arc out of her is fine; her arc to the sink is not
        # when a volunteer is worth having: the search pairs her
        sink = self.n + self.m
        best = int(self.pi[sink])
        if k:
            best = max(best, int((self.pi[self.n + volunteers] - self.cost[lo:hi]).max()))
        self.pi[c] = best
        self._dirty.append(np.arange(lo, hi))
        return c

    def prefer(self, edges: np.ndarray, keep: bool) -> None:
        """Give the pairs ``edges`` the bonus (``keep``) or take it back. Taking it from an
        unmatched pair or giving it to a matched one keeps every reduced cost's sign;
        anything else is saturated by :meth:`settle`."""
        edges = edges[(self.preferred[edges] != keep) & (self.cost[edges] != DEAD)]
        if not edges.size or not self.bonus:
            self._log(edges)
            self.preferred[edges] = keep
            return
        self._log(edges)
        self.preferred[edges] = keep
        self.cost[edges] += -self.bonus if keep else self.bonus
        self._dirty.append(edges)

    # ------------------------------------------------------------------ solving
    @property
    def arcs(self) -> Arcs:
        """The network as the certificate and the shortest paths read it (the edges in
        use, the node slots); the flow on its edges is ``matched[:n_edges]``."""
        e = self.n_edges
        return Arcs(
            self.child[:e], self.volunteer[:e], self.cost[:e], self.start_, self.locked_edge[:e],
            self.locked_child, self.free, self.room, self.fair, self.lock_load, 0,
        )  # fmt: skip

    def settle(self) -> bool:
        """Re-balance the flow after the changes and prove it optimal over every arc;
        False when that fails, or when more than
        :data:`~pairmatch.solvers.flow.repair.MAX_UNITS` units of flow would move (the network
        is then unusable: build a new one)."""
        if self.spread >= self.weight or not self._fits():
            return False
        arcs, matched = self.arcs, self.matched[: self.n_edges]
        # an edge may be touched twice (a new child's pair given the bonus): once each
        dirty = unique(np.concatenate(self._dirty)) if self._dirty else np.empty(0, np.int64)
        self._dirty = []
        self.to_sink = saturate(
            arcs, matched, dirty, self.unpaired, self.to_sink, self.pi, self.balance
        )
        if int(self.balance[self.balance > 0].sum()) > repair.MAX_UNITS:
            return False  # one search per unit would be slower than a full solve
        ok, self.searches, self.settled = rebalance(
            arcs, matched, self.unpaired, self.to_sink, self.pi, self.balance,
            locks=bool(self.locked_child.any()),
        )  # fmt: skip
        if not ok or self.balance.any():
            return False
        self.pi -= self.pi[self.n + self.m]
        return self.certify()

    def certify(self) -> bool:
        """The complementary-slackness check over every arc (see
        :func:`pairmatch.solvers.flow.shortest_paths.certify`)."""
        return certify(
            self.arcs, self.matched[: self.n_edges], self.unpaired, self.to_sink, self.pi
        )

    def alive(self, epoch: int, n_edges: int) -> np.ndarray:
        """The edges (of the first ``n_edges``) that were alive at ``epoch``."""
        return np.flatnonzero(self.died[:n_edges] > epoch)

    @property
    def chosen(self) -> np.ndarray:
        """The paired edges, ascending."""
        return np.flatnonzero(self.matched[: self.n_edges])

    def values(self, chosen: np.ndarray) -> tuple[int, int]:
        """(level 1, level 2) of ``chosen``: total priority, and total score with the
        bonus of the preferred pairs."""
        score = self.score[chosen] + self.bonus * self.preferred[chosen]
        return int(self.priority[self.child[chosen]].sum()), int(score.sum())


@njit(cache=True, nogil=True)
def _group(keys, size):  # pragma: no cover - compiled
    """Indices grouped by key (a counting sort, stable): ``order[start[k]:start[k + 1]]``
    are the positions holding key ``k``. One pass to count and one to place."""
    start = np.zeros(size + 1, np.int64)
    for i in range(keys.size):
        start[keys[i] + 1] += 1
    for k in range(size):
        start[k + 1] += start[k]
    fill = start[:size].copy()
    order = np.empty(keys.size, np.int64)
    for i in range(keys.size):
        order[fill[keys[i]]] = i
        fill[keys[i]] += 1
    return order, start


def _grown(values: np.ndarray, size: int, dtype: type) -> np.ndarray:
    out: np.ndarray = np.zeros(size, dtype)
    out[: len(values)] = values
    return out
