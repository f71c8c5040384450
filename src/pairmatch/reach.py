"""The pairs in reach, found and scored by one compiled pass: no array as long as the pairs
is built before they are known to be allowed.

The volunteers are bucketed in a grid over the unit sphere's 3-D coordinates whose cells
are as wide as the radius's chord, so each child's volunteers in reach lie in the 27 cells
around hers. For each child the pass measures every such volunteer's great-circle distance,
applies every hard rule (her radius and the volunteer's own, the same county, forbidden
pairs) and scores the pair, in two passes over the children: one counts, so that the output
is allocated once at its size, and one fills it (children split between the cores; each
writes only her own slice, so the result does not depend on the threads).

The distance and the fit of a pair are the compiled formulas of
:mod:`pairmatch.distance` and :mod:`pairmatch.fit`, which every later use of a pair shares.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit, prange

from pairmatch.distance import pair_km
from pairmatch.errors import PairmatchError
from pairmatch.fit import FitTerms, pair_fit
from pairmatch.registry import EARTH_RADIUS_KM

__all__ = ["Scan"]

#: The parallel passes run one at a time in a process: numba's fallback threading layer
#: (workqueue, when neither OpenMP nor TBB is installed) aborts the process when two
#: threads enter a parallel region at once (pm.match from two threads, a Dask worker).
_PARALLEL = threading.Lock()


@dataclass(frozen=True, eq=False)
class Scan:
    """What one pass needs besides the fit: which children and volunteers may pair at all,
    the radius (the policy's and each volunteer's own), the county rule and forbidden pairs
    (sorted ``child * volunteers + volunteer`` keys)."""

    child_xyz: np.ndarray
    volunteer_xyz: np.ndarray
    volunteers: np.ndarray  # indices of the volunteers who may pair
    radius_km: float
    own_km: np.ndarray  # per volunteer, nan: the policy's
    child_owner: np.ndarray  # children x 3 codes (province, city, county); -1 blank
    volunteer_owner: np.ndarray
    same_county: bool
    banned: np.ndarray  # sorted int64 keys
    terms: FitTerms
    resolution: float

    @cached_property
    def grid(self) -> _Grid:
        """The volunteers bucketed once for every block of children."""
        return _Grid.of(self.volunteer_xyz, self.volunteers, self.radius_km)

    def pairs(self, children: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every allowed pair of ``children`` (sorted indices), sorted by (child,
        volunteer): (child, volunteer, score), and ``reach`` (per child of the registry,
        her pairs before forbidden ones are removed)."""
        n = self.child_xyz.shape[0]
        reach = np.zeros(n, np.int64)
        empty = np.empty(0, np.int64)
        children = np.asarray(children, np.int64)
        if children.size == 0 or self.volunteers.size == 0:
            return empty, empty, empty, reach
        grid = self.grid
        args = (
            self.child_xyz, self.volunteer_xyz, children, grid.order, grid.keys,
            grid.side, grid.width, self.radius_km, self.own_km, self.child_owner,
            self.volunteer_owner, self.same_county, self.banned,
            self.volunteer_xyz.shape[0],
        )  # fmt: skip
        count = np.zeros(children.size, np.int64)
        kept = np.zeros(children.size, np.int64)
        with _PARALLEL:
            _count(*args, count, kept)
        reach[children] = count
        offsets = np.zeros(children.size + 1, np.int64)
        np.cumsum(kept, out=offsets[1:])
        total = int(offsets[-1])
        child = np.empty(total, np.int64)
        volunteer = np.empty(total, np.int64)
        score = np.empty(total, np.int64)
        terms = self.terms.arrays()
        with _PARALLEL:
            short = _fill(*args, offsets, *terms, self.resolution, child, volunteer, score)  # type: ignore[call-arg]
        if short:  # the passes disagree: a bug, never a silently wrong pair list
            raise PairmatchError(
                f"internal error: the pair scan's two passes disagree on {short} children"
            )
        return child, volunteer, score, reach

    def allowed(self, c: np.ndarray, v: np.ndarray, km: np.ndarray) -> np.ndarray:
        """Whether each given pair (c, v) at ``km`` passes the radius and county rules (the
        pass's own rule, for pairs found another way); forbidden pairs are not looked at."""
        c = np.ascontiguousarray(c, np.int64)
        v = np.ascontiguousarray(v, np.int64)
        km = np.ascontiguousarray(km, np.float64)
        return _allowed_each(c, v, km, self.radius_km, self.own_km, self.child_owner,
                             self.volunteer_owner, self.same_county)  # fmt: skip


@dataclass(frozen=True, eq=False)
class _Grid:
    """Volunteers bucketed by grid cell: ``order`` the volunteers sorted by cell key,
    ``keys`` their keys, ``side`` the cell width (at least the radius's chord, a hair
    wide: the distance in km decides), ``width`` the cells per axis."""

    order: np.ndarray
    keys: np.ndarray
    side: float
    width: int

    @classmethod
    def of(cls, xyz: np.ndarray, volunteers: np.ndarray, radius_km: float) -> _Grid:
        limit = 2.0 * np.sin(min(radius_km / EARTH_RADIUS_KM, np.pi) / 2.0) * (1 + 1e-9) + 1e-12
        # at least a cell as wide as the chord; at most 2^20 cells per axis
        side = max(limit, 2.0 / (1 << 20))
        width = int(np.floor(2.0 / side)) + 1
        cells = np.floor((xyz[volunteers] + 1.0) / side).astype(np.int64)
        keys = (cells[:, 0] * width + cells[:, 1]) * width + cells[:, 2]
        order = np.argsort(keys, kind="stable")
        return cls(volunteers[order].astype(np.int64), keys[order], side, width)


@njit(cache=True, nogil=True, inline="always")
def _allowed(
    c, v, km, radius_km, own_km, child_owner, volunteer_owner, same_county
):  # pragma: no cover - compiled
    own = own_km[v]
    limit = radius_km if np.isnan(own) else min(own, radius_km)
    if not km <= limit:
        return False
    if same_county:
        if child_owner[c, 2] != volunteer_owner[v, 2]:
            return False
        for j in range(2):
            a, b = child_owner[c, j], volunteer_owner[v, j]
            if a != b and a >= 0 and b >= 0:
                return False
    return True


@njit(cache=True, nogil=True)
def _allowed_each(
    c, v, km, radius_km, own_km, child_owner, volunteer_owner, same_county
):  # pragma: no cover - compiled
    out = np.empty(c.size, np.bool_)
    for i in range(c.size):
        out[i] = _allowed(c[i], v[i], km[i], radius_km, own_km, child_owner, volunteer_owner,
                          same_county)  # fmt: skip
    return out


@njit(cache=True, nogil=True, inline="always")
def _banned(banned, key):  # pragma: no cover - compiled
    if banned.size == 0:
        return False
    at = np.searchsorted(banned, key)
    return at < banned.size and banned[at] == key


@njit(cache=True, nogil=True, inline="always")
def _cells(cxyz, c, side, width, keys):  # pragma: no cover - compiled
    """The volunteers of the (up to) 27 grid cells around child ``c``: ranges ``[lo, hi)``
    into the volunteers sorted by cell, one row per cell (the one walk both passes take)."""
    cx = int(np.floor((cxyz[c, 0] + 1.0) / side))
    cy = int(np.floor((cxyz[c, 1] + 1.0) / side))
    cz = int(np.floor((cxyz[c, 2] + 1.0) / side))
    out = np.zeros((27, 2), np.int64)
    n = 0
    for dx in range(-1, 2):
        for dy in range(-1, 2):
            for dz in range(-1, 2):
                x, y, z = cx + dx, cy + dy, cz + dz
                if x < 0 or y < 0 or z < 0 or x >= width or y >= width or z >= width:
                    continue
                key = (x * width + y) * width + z
                out[n, 0] = np.searchsorted(keys, key)
                out[n, 1] = np.searchsorted(keys, key, side="right")
                n += 1
    return out[:n]


@njit(cache=True, parallel=True)
def _count(
    cxyz, vxyz, children, order, keys, side, width, radius_km, own_km, child_owner,
    volunteer_owner, same_county, banned, m, count, kept,
):  # fmt: skip  # pragma: no cover - compiled
    for i in prange(children.size):
        c = children[i]
        n_all, n_kept = 0, 0
        cells = _cells(cxyz, c, side, width, keys)
        for r in range(cells.shape[0]):
            for q in range(cells[r, 0], cells[r, 1]):
                v = order[q]
                km = pair_km(cxyz, c, vxyz, v)
                if _allowed(c, v, km, radius_km, own_km, child_owner, volunteer_owner,
                            same_county):  # fmt: skip
                    n_all += 1
                    if not _banned(banned, c * m + v):
                        n_kept += 1
        count[i] = n_all
        kept[i] = n_kept


@njit(cache=True, parallel=True)
def _fill(
    cxyz, vxyz, children, order, keys, side, width, radius_km, own_km, child_owner,
    volunteer_owner, same_county, banned, m, offsets, table, need_code, skill_code,
    interest, speciality, pref_gender, vol_gender, child_place, vol_place, numbers,
    resolution, out_child, out_volunteer, out_score,
):  # fmt: skip  # pragma: no cover - compiled
    """Fill each child's slice; returns how many children's pairs did not fill their slice
    exactly (0: a disagreement with :func:`_count` would be a bug)."""
    short = np.zeros(children.size, np.int64)
    for i in prange(children.size):
        c = children[i]
        at = offsets[i]
        parts = np.empty(3)
        cells = _cells(cxyz, c, side, width, keys)
        for r in range(cells.shape[0]):
            for q in range(cells[r, 0], cells[r, 1]):
                v = order[q]
                km = pair_km(cxyz, c, vxyz, v)
                if not _allowed(c, v, km, radius_km, own_km, child_owner, volunteer_owner,
                                same_county) or _banned(banned, c * m + v):  # fmt: skip
                    continue
                if at >= offsets[i + 1]:  # (never: counted alike; see below)
                    at += 1
                    continue
                fit = pair_fit(c, v, km, table, need_code, skill_code, interest, speciality,
                               pref_gender, vol_gender, child_place, vol_place, numbers,
                               parts)  # fmt: skip
                out_child[at] = c
                out_volunteer[at] = v
                out_score[at] = np.int64(np.rint(fit / resolution))
                at += 1
        # the child's pairs by volunteer (cells come in grid order)
        a, b = offsets[i], offsets[i + 1]
        if at != b:
            short[i] = 1
            continue
        if b - a > 1:
            perm = np.argsort(out_volunteer[a:b])
            out_volunteer[a:b] = out_volunteer[a:b][perm]
            out_score[a:b] = out_score[a:b][perm]
    return short.sum()
