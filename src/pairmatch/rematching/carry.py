"""Candidate pairs carried over a change, so that a re-pairing recomputes only what the
change touched.

Whether a pair is allowed, and how well it fits, depends on its two records and the
policy only. So after a change, the pairs of records that were neither added nor edited
are taken from the previous run (their indices renumbered, the pairs forbidden since
dropped), and only the pairs of new or edited records are computed, by direct distance
computation (:func:`pairmatch.candidates.candidates_near`). The result is the same set of
pairs, with the same scores, as :func:`pairmatch.candidates.find_candidates`
on the new registers (a test checks this); the maps it also returns tell the flow repair
(:class:`pairmatch.solvers.flow.repair.FlowRepair`) which edges and records are old.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from pairmatch.candidates import (
    Candidates,
    candidates_near,
    candidates_of,
    great_circle_km,
    pair_positions,
)
from pairmatch.model.policy import Policy
from pairmatch.registry import Registry

__all__ = ["Carried", "banned_in_reach", "carry_candidates"]

_FIELDS = ("child", "volunteer", "score")

#: Above this many (record, record) distances to compute, a full candidate search is faster.
_DIRECT_LIMIT = 40_000_000


@dataclass(frozen=True, eq=False)
class Carried:
    """The candidate pairs after a change, and where each edge, child and volunteer was
    before it (-1: new, or its record changed)."""

    candidates: Candidates
    edge_from: np.ndarray
    child_from: np.ndarray
    volunteer_from: np.ndarray


def carry_candidates(
    before: Registry,
    pairs: Candidates,
    registry: Registry,
    policy: Policy,
    banned: tuple[np.ndarray, np.ndarray],
    touched_children: Collection[str],
    touched_volunteers: Collection[str],
) -> Carried | None:
    """The candidate pairs of ``registry`` from those of ``before`` (``pairs``); records
    whose ids are in ``touched_*`` (added or edited) get theirs computed afresh. None when
    so many records changed that a full search is cheaper."""
    n, m = len(registry.children), len(registry.volunteers)
    child_to = _renumber(before.child_ids, registry.child_ids, touched_children)
    vol_to = _renumber(before.volunteer_ids, registry.volunteer_ids, touched_volunteers)
    child_from = _inverse(child_to, n)
    volunteer_from = _inverse(vol_to, m)
    fresh_c = np.flatnonzero(child_from < 0)
    fresh_v = np.flatnonzero(volunteer_from < 0)
    if fresh_c.size * m + fresh_v.size * n > _DIRECT_LIMIT:
        return None
    # the old pairs of untouched records, renumbered (both numberings follow the ids, so
    # the pairs stay sorted by (child, volunteer)), less the pairs forbidden since: one
    # compiled pass over the edges
    drop = np.empty(0, np.int64)
    reach = banned_in_reach(registry, policy, banned)  # + the pairs of each child
    if banned[0].size:  # pairs forbidden since the last run, found by their old indices
        bc, bv = child_from[banned[0]], volunteer_from[banned[1]]
        both = (bc >= 0) & (bv >= 0)  # else the pair's edges are computed afresh
        drop = pairs.edges(bc[both], bv[both])
        drop = np.unique(drop[drop >= 0])
    c, v, score, edge_from = _carry(
        pairs.child, pairs.volunteer, pairs.score, child_to, vol_to, drop, reach
    )
    merged = {"child": c, "volunteer": v, "score": score}
    # the pairs of new and edited records
    old_children = np.flatnonzero(child_from >= 0)
    parts = [
        candidates_near(registry, policy, fresh_c, np.arange(m), banned),
        candidates_near(registry, policy, old_children, fresh_v, banned),
    ]
    new = {f: np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS}
    if new["child"].size:
        order = np.argsort(new["child"] * max(m, 1) + new["volunteer"], kind="stable")
        at = pair_positions(
            merged["child"], merged["volunteer"], new["child"][order], new["volunteer"][order]
        )
        for f in _FIELDS:
            merged[f] = np.insert(merged[f], at, new[f][order])
        edge_from = np.insert(edge_from, at, -1)
        reach += np.bincount(new["child"], minlength=n)
    candidates = Candidates(**merged, reach=reach)
    return Carried(candidates, edge_from, child_from, volunteer_from)


@njit(cache=True, nogil=True)
def _carry(child, volunteer, score, child_to, vol_to, drop, reach):  # pragma: no cover
    """The edges whose child and volunteer are still there (both renumbered), less the
    edges in ``drop`` (ascending), and each kept edge's old index; adds each child's kept
    edges to ``reach``. Two compiled passes, no temporary array the size of the edges."""
    kept = 0
    d = 0
    for e in range(child.size):
        if d < drop.size and drop[d] == e:
            d += 1
        elif child_to[child[e]] >= 0 and vol_to[volunteer[e]] >= 0:
            kept += 1
    out_c = np.empty(kept, np.int64)
    out_v = np.empty(kept, np.int64)
    out_s = np.empty(kept, score.dtype)
    out_from = np.empty(kept, np.int64)
    i = 0
    d = 0
    for e in range(child.size):
        if d < drop.size and drop[d] == e:
            d += 1
            continue
        c, v = child_to[child[e]], vol_to[volunteer[e]]
        if c >= 0 and v >= 0:
            out_c[i] = c
            out_v[i] = v
            out_s[i] = score[e]
            out_from[i] = e
            reach[c] += 1
            i += 1
    return out_c, out_v, out_s, out_from


def _renumber(old_ids: np.ndarray, new_ids: np.ndarray, touched: Collection[str]) -> np.ndarray:
    """New index of every old record; -1 when it left or was touched."""
    to = pd.Index(new_ids).get_indexer(old_ids).astype(np.int64)
    if touched:
        to[pd.Index(old_ids).isin(list(touched))] = -1
    return to


def _inverse(to: np.ndarray, size: int) -> np.ndarray:
    """Old index of every new record; -1 when it is new or touched."""
    out = np.full(size, -1, np.int64)
    ok = to >= 0
    out[to[ok]] = np.flatnonzero(ok)
    return out


def banned_in_reach(
    registry: Registry, policy: Policy, banned: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Per child, the forbidden pairs that every other rule allows (``reach`` counts them,
    as :func:`pairmatch.candidates.find_candidates` does)."""
    n, m = len(registry.children), len(registry.volunteers)
    out = np.zeros(n, np.int64)
    if banned[0].size == 0:
        return out
    keys = np.unique(banned[0] * max(m, 1) + banned[1])
    c, v = keys // max(m, 1), keys % max(m, 1)
    ok = registry.consent[c] & registry.available[v] & (registry.capacity[v] > 0)
    c, v = c[ok], v[ok]
    dist = great_circle_km(registry.child_xyz[c], registry.volunteer_xyz[v])
    allowed = candidates_of(registry, policy, c, v, dist)
    return np.bincount(allowed.child, minlength=n).astype(np.int64)
