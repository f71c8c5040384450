"""The pairs in reach, found and scored by one compiled pass: no array as long as the pairs
is built before they are known to be allowed.

The volunteers are bucketed in a grid over the unit sphere's 3-D coordinates whose cells
are as wide as the radius's chord, so each child's volunteers in reach lie in the 27 cells
around hers. For each child the pass measures every such volunteer's great-circle distance,
applies every hard rule (her radius and the volunteer's own, the same county, forbidden
pairs) and scores the pair, in two passes over the children: one counts, so that the output
is allocated once at its size, and one fills it (children split between the cores; each
writes only her own slice, so the result does not depend on the threads).

The fit of a pair is computed by one scalar function, :func:`pair_fit`, used by the pass
and by :func:`fit_parts` alike, so that a pair scored here and a pair a result explains
agree to the last bit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit, prange

from pairmatch.errors import PairmatchError
from pairmatch.registry import EARTH_RADIUS_KM

__all__ = ["FitTerms", "Scan", "great_circle_km", "pair_fit", "pair_km"]

#: The parallel passes run one at a time in a process: numba's fallback threading layer
#: (workqueue, when neither OpenMP nor TBB is installed) aborts the process when two
#: threads enter a parallel region at once (pm.match from two threads, a Dask worker).
_PARALLEL = threading.Lock()


@njit(cache=True, nogil=True, inline="always")
def pair_km(a, i, b, j):  # pragma: no cover - compiled
    """Great-circle km between row ``i`` of the unit vectors ``a`` and row ``j`` of ``b``
    (the chord, then the arc: the one formula every distance in pairmatch uses)."""
    dx = a[i, 0] - b[j, 0]
    dy = a[i, 1] - b[j, 1]
    dz = a[i, 2] - b[j, 2]
    chord = np.sqrt(dx * dx + dy * dy + dz * dz)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(min(chord / 2.0, 1.0))


@njit(cache=True, nogil=True)
def _km_rows(a, b):  # pragma: no cover - compiled
    out = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        out[i] = pair_km(a, i, b, i)
    return out


def great_circle_km(a_xyz: np.ndarray, b_xyz: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between rows of two unit-vector arrays (pairwise rows,
    broadcast: one row against many).

    >>> from pairmatch.registry import unit_vectors
    >>> a = unit_vectors(np.array([30.0]), np.array([114.0]))
    >>> b = unit_vectors(np.array([30.0]), np.array([114.01]))
    >>> round(float(great_circle_km(a, b)[0]), 3)
    0.963
    """
    a, b = np.broadcast_arrays(np.asarray(a_xyz, np.float64), np.asarray(b_xyz, np.float64))
    a = np.ascontiguousarray(a).reshape(-1, 3)
    b = np.ascontiguousarray(b).reshape(-1, 3)
    return _km_rows(a, b)


@dataclass(frozen=True, eq=False)
class FitTerms:
    """The arrays and policy numbers the fit of a pair is made of (see
    :class:`pairmatch.Policy` for the formula): level codes of needs and skills and their
    fit table, tag bitsets, places and genders, and the bonuses."""

    table: np.ndarray  # 256 x 256 need-skill fit
    need_code: np.ndarray
    skill_code: np.ndarray
    interest_bits: np.ndarray  # children x words, uint64
    speciality_bits: np.ndarray
    preferred_gender: np.ndarray
    volunteer_gender: np.ndarray
    child_place: np.ndarray  # children x 2 (township, village); -1 unknown
    volunteer_place: np.ndarray
    tag_bonus: float
    gender_bonus: float
    township_bonus: float
    village_bonus: float
    distance_penalty: float
    use_gender: bool

    def arrays(self) -> tuple:
        return (
            self.table, self.need_code, self.skill_code, self.interest_bits,
            self.speciality_bits, self.preferred_gender, self.volunteer_gender,
            self.child_place, self.volunteer_place,
            np.array([self.tag_bonus, self.gender_bonus, self.township_bonus,
                      self.village_bonus, self.distance_penalty, float(self.use_gender)]),
        )  # fmt: skip


@njit(cache=True, nogil=True, inline="always")
def _popcount(x):  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True, nogil=True, inline="always")
def pair_fit(
    c, v, km, table, need_code, skill_code, interest, speciality, pref_gender, vol_gender,
    child_place, vol_place, numbers, parts,
):  # fmt: skip  # pragma: no cover - compiled
    """The fit of the pair (c, v) at ``km``; its parts go in ``parts`` (need fit, shared
    tags, preference points). ``numbers``: tag, gender, township and village bonuses, the
    penalty per km, whether genders are read."""
    need_fit = table[need_code[c], skill_code[v]]
    shared = 0
    for w in range(interest.shape[1]):
        shared += _popcount(interest[c, w] & speciality[v, w])
    preference = 0.0
    if numbers[5] != 0.0:
        wanted = pref_gender[c]
        if wanted >= 0 and wanted == vol_gender[v]:
            preference += numbers[1]
    for j in range(2):
        bonus = numbers[2 + j]
        if bonus != 0.0:
            here = child_place[c, j]
            if here >= 0 and here == vol_place[v, j]:
                preference += bonus
    parts[0] = need_fit
    parts[1] = shared
    parts[2] = preference
    return need_fit + numbers[0] * shared + preference - numbers[4] * km


@njit(cache=True, nogil=True)
def _fits(c, v, km, table, need_code, skill_code, interest, speciality, pref_gender,
          vol_gender, child_place, vol_place, numbers):  # fmt: skip  # pragma: no cover
    n = c.size
    fit = np.empty(n)
    need_fit = np.empty(n)
    shared = np.empty(n, np.int64)
    preference = np.empty(n)
    parts = np.empty(3)
    for i in range(n):
        fit[i] = pair_fit(c[i], v[i], km[i], table, need_code, skill_code, interest,
                          speciality, pref_gender, vol_gender, child_place, vol_place,
                          numbers, parts)  # fmt: skip
        need_fit[i] = parts[0]
        shared[i] = np.int64(parts[1])
        preference[i] = parts[2]
    return fit, need_fit, shared, preference


def fits(terms: FitTerms, c: np.ndarray, v: np.ndarray, km: np.ndarray) -> tuple:
    """(fit, need fit, shared tags, preference points) of the pairs (c, v) at ``km``."""
    c = np.ascontiguousarray(c, np.int64)
    v = np.ascontiguousarray(v, np.int64)
    km = np.ascontiguousarray(km, np.float64)
    return _fits(c, v, km, *terms.arrays())


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


@njit(cache=True, nogil=True, inline="always")
def _banned(banned, key):  # pragma: no cover - compiled
    if banned.size == 0:
        return False
    at = np.searchsorted(banned, key)
    return at < banned.size and banned[at] == key


@njit(cache=True, nogil=True, inline="always")
def _cell_range(keys, key):  # pragma: no cover - compiled
    return np.searchsorted(keys, key), np.searchsorted(keys, key, side="right")


@njit(cache=True, parallel=True)
def _count(
    cxyz, vxyz, children, order, keys, side, width, radius_km, own_km, child_owner,
    volunteer_owner, same_county, banned, m, count, kept,
):  # fmt: skip  # pragma: no cover - compiled
    for i in prange(children.size):
        c = children[i]
        n_all, n_kept = 0, 0
        cx = int(np.floor((cxyz[c, 0] + 1.0) / side))
        cy = int(np.floor((cxyz[c, 1] + 1.0) / side))
        cz = int(np.floor((cxyz[c, 2] + 1.0) / side))
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                for dz in range(-1, 2):
                    x, y, z = cx + dx, cy + dy, cz + dz
                    if x < 0 or y < 0 or z < 0 or x >= width or y >= width or z >= width:
                        continue
                    lo, hi = _cell_range(keys, (x * width + y) * width + z)
                    for q in range(lo, hi):
                        v = order[q]
                        km = pair_km(cxyz, c, vxyz, v)
                        if _allowed(c, v, km, radius_km, own_km, child_owner,
                                    volunteer_owner, same_county):  # fmt: skip
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
        cx = int(np.floor((cxyz[c, 0] + 1.0) / side))
        cy = int(np.floor((cxyz[c, 1] + 1.0) / side))
        cz = int(np.floor((cxyz[c, 2] + 1.0) / side))
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                for dz in range(-1, 2):
                    x, y, z = cx + dx, cy + dy, cz + dz
                    if x < 0 or y < 0 or z < 0 or x >= width or y >= width or z >= width:
                        continue
                    lo, hi = _cell_range(keys, (x * width + y) * width + z)
                    for q in range(lo, hi):
                        v = order[q]
                        km = pair_km(cxyz, c, vxyz, v)
                        if not _allowed(c, v, km, radius_km, own_km, child_owner,
                                        volunteer_owner, same_county):  # fmt: skip
                            continue
                        if _banned(banned, c * m + v):
                            continue
                        if at >= offsets[i + 1]:  # (never: counted alike; see below)
                            at += 1
                            continue
                        fit = pair_fit(c, v, km, table, need_code, skill_code, interest,
                                       speciality, pref_gender, vol_gender, child_place,
                                       vol_place, numbers, parts)  # fmt: skip
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
