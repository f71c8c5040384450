"""Shortest augmenting paths on the pairing network, compiled with numba.

The network (see :mod:`pairmatch.solvers.flow.repair`): children ``0..n-1``, volunteers
``n..n+m-1`` and the sink ``n+m``. Residual arcs:

* child → volunteer (pair), for an unpaired candidate edge;
* volunteer → child (unpair), for a paired edge that is not locked;
* child → sink (leave unpaired) and sink → child (pair again), for children free to stay
  unpaired;
* volunteer → sink (one more pair: cost 0 within her fair load, then the penalty) and
  sink → volunteer (one pair less).

:func:`rebalance` runs successive shortest paths (Dijkstra on reduced costs, from every
surplus node to the nearest shortage) until no surplus is left, updating the node
potentials after each search so that every reduced cost stays >= 0. It is the inner loop
of the flow repair: one search settles thousands of nodes on a county-sized network, which
interpreted Python did at about 10 µs a node.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["BROKEN", "OK", "STUCK", "rebalance"]

OK, STUCK, BROKEN = 0, 1, 2  # rebalance's status: done, a surplus reaches no shortage, bug

# how a node was reached (the residual arc used)
_PAIR, _UNPAIR, _TO_SINK, _FROM_SINK, _LEAVE, _RETURN = 0, 1, 2, 3, 4, 5
_INF = np.iinfo(np.int64).max // 4
# The state of one search: ``dist``, ``done``, ``pred``, ``kind`` and ``via`` per node;
# ``heap``, an indexed binary heap of nodes keyed by (dist, node), with ``pos`` the place of
# each node in it (-1 when out); ``seen``, the nodes given a distance (reset after the
# search); and three scalars kept in one small array so that helpers can change them:
_HEAP_SIZE, _N_SEEN, _BEST = 0, 1, 2


@njit(cache=True, nogil=True, inline="always")
def _before(dist: np.ndarray, a: int, b: int) -> bool:
    return dist[a] < dist[b] or (dist[a] == dist[b] and a < b)


@njit(cache=True, nogil=True, inline="always")
def _sift_up(heap: np.ndarray, pos: np.ndarray, dist: np.ndarray, i: int) -> None:
    x = heap[i]
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(dist, x, heap[parent]):
            break
        heap[i] = heap[parent]
        pos[heap[i]] = i
        i = parent
    heap[i] = x
    pos[x] = i


@njit(cache=True, nogil=True)
def _pop(heap: np.ndarray, pos: np.ndarray, dist: np.ndarray, size: int) -> int:
    """Remove the heap's first node (read ``heap[0]`` first); returns the new size."""
    pos[heap[0]] = -1
    size -= 1
    if size == 0:
        return 0
    x = heap[size]
    i = 0
    while True:
        a = 2 * i + 1
        if a >= size:
            break
        if a + 1 < size and _before(dist, heap[a + 1], heap[a]):
            a += 1
        if not _before(dist, heap[a], x):
            break
        heap[i] = heap[a]
        pos[heap[i]] = i
        i = a
    heap[i] = x
    pos[x] = i
    return size


@njit(cache=True, nogil=True, inline="always")
def _offer(
    h, off, u, how, e, balance, dist, done, pred, kind, via, heap, pos, seen, scalars
):  # fmt: skip
    """Relax the arc u → h: reach ``h`` at ``off`` when that is shorter than what it has
    and than the nearest shortage offered so far (farther offers cannot matter)."""
    if off >= dist[h] or off >= scalars[_BEST] or done[h]:
        return
    if dist[h] == _INF:
        seen[scalars[_N_SEEN]] = h
        scalars[_N_SEEN] += 1
    dist[h], pred[h], kind[h], via[h] = off, u, how, e
    if pos[h] < 0:
        heap[scalars[_HEAP_SIZE]] = h
        pos[h] = scalars[_HEAP_SIZE]
        scalars[_HEAP_SIZE] += 1
    _sift_up(heap, pos, dist, pos[h])
    if balance[h] < 0:
        scalars[_BEST] = min(scalars[_BEST], off)


@njit(cache=True, nogil=True)
def _move_unit(
    target, n, volunteer, matched, unpaired, to_sink, slot_start, slot_edge, pred, kind, via
):  # fmt: skip
    """Move one unit of flow back along the path that reached ``target``; returns the
    path's source, or -1 when the path is broken (a cycle, or no slot for a new pair)."""
    x, steps = target, 0
    while kind[x] >= 0:
        steps += 1
        if steps > pred.size:  # a cycle: only a broken invariant makes one
            return -1
        u, how = pred[x], kind[x]
        if how == _PAIR:
            e = via[x]
            v = volunteer[e]
            k = slot_start[v]
            while k < slot_start[v + 1] and slot_edge[k] >= 0:
                k += 1
            if k == slot_start[v + 1]:
                return -1
            slot_edge[k] = e
            matched[e] = True
        elif how == _UNPAIR:
            e = via[x]
            v = volunteer[e]
            for k in range(slot_start[v], slot_start[v + 1]):
                if slot_edge[k] == e:
                    slot_edge[k] = -1
            matched[e] = False
        elif how == _TO_SINK:
            to_sink[u - n] += 1
        elif how == _FROM_SINK:
            to_sink[x - n] -= 1
        elif how == _LEAVE:
            unpaired[u] = True
        else:  # _RETURN
            unpaired[x] = False
        x = u
    return x


@njit(cache=True, nogil=True)
def rebalance(
    n, m, start, child, volunteer, cost, matched, locked_child, free, unpaired, to_sink,
    room, fair, lock_load, pen, pi, balance, slot_start, slot_edge,
):  # fmt: skip
    """Successive shortest paths until no node has a surplus.

    Arrays are changed in place: ``matched`` (per edge), ``unpaired`` (per child),
    ``to_sink`` (per volunteer), ``pi`` (potentials), ``balance`` (surplus > 0, shortage
    < 0) and the slots: the unlocked paired edges of volunteer ``v`` are the non-negative
    entries of ``slot_edge[slot_start[v]:slot_start[v + 1]]``. Returns ``(status,
    searches, nodes settled)``: the work done.
    """
    sink = n + m
    size = sink + 1
    dist = np.full(size, _INF, np.int64)
    done = np.zeros(size, np.bool_)
    pred = np.full(size, -1, np.int64)
    kind = np.full(size, -1, np.int8)
    via = np.full(size, -1, np.int64)
    heap = np.empty(size, np.int64)
    pos = np.full(size, -1, np.int64)
    seen = np.empty(size, np.int64)
    settled = np.empty(size, np.int64)
    scalars = np.zeros(3, np.int64)
    searches = reached = 0
    while True:
        for i in range(scalars[_N_SEEN]):
            x = seen[i]
            dist[x], done[x], pred[x], kind[x], via[x], pos[x] = _INF, False, -1, -1, -1, -1
        scalars[_HEAP_SIZE] = scalars[_N_SEEN] = 0
        scalars[_BEST] = _INF
        for s in range(size):
            if balance[s] > 0:
                _offer(s, 0, -1, -1, -1, balance, dist, done, pred, kind, via, heap, pos,
                       seen, scalars)  # fmt: skip
        if scalars[_HEAP_SIZE] == 0:
            return OK, searches, reached
        searches += 1
        target = -1
        n_settled = 0
        while scalars[_HEAP_SIZE] > 0:
            u = heap[0]
            scalars[_HEAP_SIZE] = _pop(heap, pos, dist, scalars[_HEAP_SIZE])
            du = dist[u]
            done[u] = True
            settled[n_settled] = u
            n_settled += 1
            if balance[u] < 0:
                target = u
                break
            if u < n:  # a child: pair with one of her candidates, or leave unpaired
                if locked_child[u]:
                    continue
                base = du + pi[u]
                # the hot loop: test offers here, with the bound in a local (through the
                # scalars array the compiler reloads it for every edge: 10x slower)
                best = scalars[_BEST]
                for e in range(start[u], start[u + 1]):
                    if not matched[e]:
                        h = n + volunteer[e]
                        off = base + cost[e] - pi[h]
                        if off < dist[h] and off < best and not done[h]:
                            _offer(h, off, u, _PAIR, e, balance, dist, done, pred, kind, via,
                                   heap, pos, seen, scalars)  # fmt: skip
                            best = scalars[_BEST]
                if free[u] and not unpaired[u]:
                    _offer(sink, base - pi[sink], u, _LEAVE, -1, balance, dist, done, pred,
                           kind, via, heap, pos, seen, scalars)  # fmt: skip
            elif u < sink:  # a volunteer: give up one of her children, or one more pair
                v = u - n
                base = du + pi[u]
                for k in range(slot_start[v], slot_start[v + 1]):
                    e = slot_edge[k]
                    if e >= 0:
                        h = child[e]
                        _offer(h, base - cost[e] - pi[h], u, _UNPAIR, e, balance, dist, done,
                               pred, kind, via, heap, pos, seen, scalars)  # fmt: skip
                f = to_sink[v]
                if f < room[v]:
                    off = base + (0 if f < fair[v] else pen) - pi[sink]
                    _offer(sink, off, u, _TO_SINK, -1, balance, dist, done, pred, kind, via,
                           heap, pos, seen, scalars)  # fmt: skip
            else:  # the sink: one pair less at a volunteer, or a child paired again
                base = du + pi[sink]
                for v in range(m):
                    f = to_sink[v]
                    if f > lock_load[v]:
                        off = base + (-pen if f > fair[v] else 0) - pi[n + v]
                        _offer(n + v, off, u, _FROM_SINK, -1, balance, dist, done, pred,
                               kind, via, heap, pos, seen, scalars)  # fmt: skip
                for h in range(n):
                    if unpaired[h]:
                        _offer(h, base - pi[h], u, _RETURN, -1, balance, dist, done, pred,
                               kind, via, heap, pos, seen, scalars)  # fmt: skip
        reached += n_settled
        if target < 0:
            return STUCK, searches, reached
        # nodes settled closer than the shortage move by the difference: every reduced
        # cost stays >= 0, and the path found has reduced cost 0
        for i in range(n_settled):
            x = settled[i]
            pi[x] += dist[x] - dist[target]
        source = _move_unit(target, n, volunteer, matched, unpaired, to_sink, slot_start,
                            slot_edge, pred, kind, via)  # fmt: skip
        if source < 0:
            return BROKEN, searches, reached
        balance[source] -= 1
        balance[target] += 1


@njit(cache=True, nogil=True)
def _open_by_volunteer(m, child, volunteer, matched, locked_child):
    """The unpaired edges of children who are not locked, grouped by volunteer (a counting
    sort): edge list and CSR offsets."""
    count = np.zeros(m + 1, np.int64)
    for e in range(volunteer.size):
        if not matched[e] and not locked_child[child[e]]:
            count[volunteer[e] + 1] += 1
    for v in range(m):
        count[v + 1] += count[v]
    edges = np.empty(count[m], np.int64)
    fill = count[:m].copy()
    for e in range(volunteer.size):
        if not matched[e] and not locked_child[child[e]]:
            edges[fill[volunteer[e]]] = e
            fill[volunteer[e]] += 1
    return edges, count


@njit(cache=True, nogil=True, inline="always")
def _enqueue(queue: np.ndarray, queued: np.ndarray, head: int, length: int, x: int) -> int:
    """Put ``x`` at the back of the circular queue unless it is in it; the new length."""
    if not queued[x]:
        queue[(head + length) % queue.size] = x
        queued[x] = True
        length += 1
    return length


@njit(cache=True, nogil=True)
def distances_to_sink(
    n, m, start, child, volunteer, cost, matched, locked_edge, locked_child, free, unpaired,
    to_sink, room, fair, lock_load, pen, big,
):  # fmt: skip
    """Shortest distance from every node to the sink in the residual network, by a
    queue-based Bellman-Ford run backwards from the sink (arcs may cost less than 0).

    Every node has a virtual arc to the sink that costs ``big``, more than any path, so a
    node that cannot reach the sink gets ``big`` plus its shortest way to such a node; and
    this makes every reduced cost >= 0 with potentials ``-dist``. Returns ``(ok, dist)``;
    ``ok`` is False when a node was improved more often than there are nodes: a negative
    cycle, so the flow is not optimal.
    """
    sink = n + m
    size = sink + 1
    into_edges, into_start = _open_by_volunteer(m, child, volunteer, matched, locked_child)
    d = np.full(size, big, np.int64)
    d[sink] = 0
    queue = np.empty(size, np.int64)  # circular: each node is in it at most once
    queued = np.zeros(size, np.bool_)
    rounds = np.zeros(size, np.int64)
    # every node starts in the queue (the sink first): one at ``big`` still offers
    # ``big + cost`` along a cheaper arc, as its virtual arc to the sink would
    queue[0] = sink
    queue[1:] = np.arange(sink)
    queued[:] = True
    head, length = 0, size
    while length:
        y = queue[head]
        head = (head + 1) % size
        length -= 1
        queued[y] = False
        dy = d[y]
        # the arcs x -> y: offer d[x] = cost(x, y) + d[y]; collect the improved x
        if y == sink:
            for c in range(n):
                if free[c] and not unpaired[c] and dy < d[c]:
                    d[c] = dy
                    length = _enqueue(queue, queued, head, length, c)
            for v in range(m):
                f = to_sink[v]
                if f < room[v]:
                    offer = dy + (0 if f < fair[v] else pen)
                    x = n + v
                    if offer < d[x]:
                        d[x] = offer
                        length = _enqueue(queue, queued, head, length, x)
        elif y < n:  # from the volunteer holding this child (unpair), or from the sink
            for e in range(start[y], start[y + 1]):
                if matched[e] and not locked_edge[e]:
                    x = n + volunteer[e]
                    offer = dy - cost[e]
                    if offer < d[x]:
                        d[x] = offer
                        length = _enqueue(queue, queued, head, length, x)
            if free[y] and unpaired[y] and dy < d[sink]:
                d[sink] = dy
                length = _enqueue(queue, queued, head, length, sink)
        else:  # from her candidate children (pair), or from the sink (one pair less)
            v = y - n
            for k in range(into_start[v], into_start[v + 1]):
                e = into_edges[k]
                x = child[e]
                offer = dy + cost[e]
                if offer < d[x]:
                    d[x] = offer
                    length = _enqueue(queue, queued, head, length, x)
            f = to_sink[v]
            if f > lock_load[v]:
                offer = dy + (-pen if f > fair[v] else 0)
                if offer < d[sink]:
                    d[sink] = offer
                    length = _enqueue(queue, queued, head, length, sink)
        rounds[y] += 1
        if rounds[y] > size:
            return False, d
    return True, d


@njit(cache=True, nogil=True)
def certify(
    n, m, child, volunteer, cost, matched, locked_edge, locked_child, free, unpaired,
    to_sink, room, fair, lock_load, pen, pi,
):  # fmt: skip
    """Whether the flow is feasible and every residual arc has a reduced cost >= 0 under
    ``pi``: then the pairing is optimal (linear-programming duality; the network's
    constraint matrix is totally unimodular). One pass over the edges, nothing allocated
    per edge."""
    sink = n + m
    per_child = np.zeros(n, np.int64)
    per_vol = np.zeros(m, np.int64)
    for e in range(child.size):
        c, v = child[e], volunteer[e]
        if matched[e]:
            per_child[c] += 1
            per_vol[v] += 1
        elif locked_edge[e]:
            return False
        if locked_child[c]:
            continue  # the child's arcs cannot move
        rc = cost[e] + pi[c] - pi[n + v]
        if matched[e]:
            if not locked_edge[e] and rc > 0:
                return False
        elif rc < 0:
            return False
    for c in range(n):
        if per_child[c] + unpaired[c] != 1 or (unpaired[c] and not free[c]):
            return False
        if free[c]:
            gap = pi[c] - pi[sink]
            if (unpaired[c] and gap > 0) or (not unpaired[c] and gap < 0):
                return False
    for v in range(m):
        f = to_sink[v]
        if per_vol[v] != f or f > room[v] or f < lock_load[v]:
            return False
        delta = pi[n + v] - pi[sink]
        if f < room[v] and (0 if f < fair[v] else pen) + delta < 0:
            return False
        if f > lock_load[v] and (-pen if f > fair[v] else 0) - delta < 0:
            return False
    return True


@njit(cache=True, nogil=True)
def carry_flow(
    edge_from, child, volunteer, fresh_child, fresh_vol, old_matched, old_cost, old_locked,
    cost, locked_edge, locked_child, was_locked_child,
):  # fmt: skip
    """The old flow mapped onto a changed network, in one pass over the edges.

    ``edge_from`` gives each edge's index in the old network (-1: new); an edge of a
    ``fresh_*`` (new or edited) record counts as new whatever it says. Returns
    ``(matched, changed)``: the old pairs that are still there plus the locked ones (a
    locked child keeps only her locked pair), and the edges whose reduced-cost condition
    may no longer hold: new, flow changed, cost changed, lock begun or ended, or a child
    whose lock began or ended (the lock exempted all her arcs).
    """
    size = edge_from.size
    matched = np.zeros(size, np.bool_)
    changed = np.zeros(size, np.bool_)
    for e in range(size):
        c = child[e]
        k = edge_from[e]
        known = k >= 0 and not fresh_child[c] and not fresh_vol[volunteer[e]]
        before = known and old_matched[k]
        now = (before or locked_edge[e]) and (locked_edge[e] or not locked_child[c])
        matched[e] = now
        changed[e] = (
            not known
            or now != before
            or cost[e] != old_cost[k]
            or old_locked[k] != locked_edge[e]
            or was_locked_child[c] != locked_child[c]
        )
    return matched, changed
