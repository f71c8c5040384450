"""The pairs that are allowed at all, and how well each fits.

One compiled pass (:mod:`pairmatch.reach`) finds, for every consenting child, the
available volunteers within the policy's radius from a grid over the unit sphere, applies
the volunteer's own radius, the county rule and forbidden pairs, and scores each surviving
pair; nothing as long as the pairs is built before they are known to be allowed. A KD-tree
only counts the pairs first, so that a county too large for memory is refused before any
work. :func:`fit_parts` recomputes the fit of a few pairs with the same compiled formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from pairmatch import arguments
from pairmatch.arrays import unique
from pairmatch.distance import great_circle_km
from pairmatch.errors import ArgumentError
from pairmatch.fit import FitTerms, fits
from pairmatch.limits import BYTES_PER_PAIR, TEAM_BYTES_PER_PAIR, check_pairs
from pairmatch.model.policy import Policy
from pairmatch.model.vocab import ChildCategory
from pairmatch.progress import current
from pairmatch.reach import Scan
from pairmatch.registry import CATEGORIES, EARTH_RADIUS_KM, Registry

__all__ = [
    "Candidates",
    "FitParts",
    "candidates_near",
    "candidates_of",
    "chord_for_km",
    "find_candidates",
    "fit_parts",
    "great_circle_km",
    "pair_positions",
    "priorities",
]


def chord_for_km(km: np.ndarray | float) -> np.ndarray:
    """Chord length on the unit sphere for a great-circle distance in km."""
    return 2.0 * np.sin(np.minimum(np.asarray(km, float) / EARTH_RADIUS_KM, np.pi) / 2.0)


@dataclass(frozen=True, eq=False)
class Candidates:
    """Allowed pairs (edges) sorted by (child, volunteer), and how well each fits.

    ``score`` is the pair's fit in integer units of ``policy.score_resolution``; it is what
    the solvers optimise. What the fit is made of (distance, need × skill, shared tags,
    preferences) is not kept per edge: :func:`fit_parts` recomputes it, with the same
    formula to the last bit, for the few pairs a result shows. ``reach`` counts, per child,
    the available volunteers in reach before forbidden pairs were removed (used to explain
    why a child is unmatched).
    """

    child: np.ndarray
    volunteer: np.ndarray
    score: np.ndarray
    reach: np.ndarray

    def __len__(self) -> int:
        return len(self.child)

    def edges(self, child: np.ndarray, volunteer: np.ndarray) -> np.ndarray:
        """The edge of each (child index, volunteer index) pair, -1 where the pair is not
        a candidate (a binary search per pair: nothing the size of the edges is built).

        >>> c = Candidates(*(np.array(x) for x in ([0, 0, 2], [1, 3, 0])), score=np.zeros(3),
        ...                reach=np.zeros(3))
        >>> c.edges(np.array([0, 2, 1]), np.array([3, 0, 0])).tolist()
        [1, 2, -1]
        """
        child = arguments.indices("child", child)
        volunteer = arguments.indices("volunteer", volunteer)
        if child.shape != volunteer.shape:
            raise ArgumentError("child and volunteer must be of the same length")
        at = pair_positions(self.child, self.volunteer, child, volunteer)
        ok = at < len(self)
        ok[ok] = (self.child[at[ok]] == child[ok]) & (self.volunteer[at[ok]] == volunteer[ok])
        return np.where(ok, at, -1)


def pair_positions(
    child: np.ndarray, volunteer: np.ndarray, c: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Where each pair (c, v) is, or would be inserted, in pairs sorted by (child,
    volunteer): the first position not before it (numpy's ``searchsorted`` on the pair
    keys, without building them)."""
    return _lower_bound(child, volunteer, np.asarray(c, np.int64), np.asarray(v, np.int64))


@njit(cache=True, nogil=True)
def _lower_bound(child, volunteer, c, v):
    out = np.empty(c.size, np.int64)
    for i in range(c.size):
        lo, hi = 0, child.size
        while lo < hi:
            mid = (lo + hi) >> 1
            if child[mid] < c[i] or (child[mid] == c[i] and volunteer[mid] < v[i]):
                lo = mid + 1
            else:
                hi = mid
        out[i] = lo
    return out


#: Children per block of the candidate search when a progress bar is shown.
PROGRESS_BLOCK = 20_000


def _need_fit_table(weights: np.ndarray) -> np.ndarray:
    """need·skill·weight summed over the four categories, for every pair of level vectors.

    Levels are 0..3 in four categories, so a vector has one of 4**4 = 256 codes; the fit of
    every (need code, skill code) is one 256 × 256 table, and the fit of an edge is one
    lookup instead of a gather of two 4-vectors and a product.
    """
    codes = np.arange(256)
    levels = np.stack([(codes >> (2 * k)) & 3 for k in range(4)], axis=1).astype(float)
    return (levels * weights) @ levels.T


def level_codes(levels: np.ndarray) -> np.ndarray:
    """Each row of four 0..3 levels as one code 0..255 (see :func:`_need_fit_table`)."""
    return (levels.astype(np.int64) << (2 * np.arange(4))).sum(axis=1)


def find_candidates(
    registry: Registry,
    policy: Policy,
    forbidden: tuple[np.ndarray, np.ndarray] | None = None,
) -> Candidates:
    """Every allowed pair and its fit; see :class:`pairmatch.Policy` for the formula."""
    vol_ok = registry.available & (registry.capacity > 0)
    # a team problem takes about twice the memory per pair (its model and bounds)
    teams = policy.may_form_teams or bool(np.any(registry.team_max > 1))
    per_pair = TEAM_BYTES_PER_PAIR if teams else BYTES_PER_PAIR
    ci, vi = np.flatnonzero(registry.consent), np.flatnonzero(vol_ok)
    if ci.size and vi.size:
        # counted before anything the size of the pairs is built: refuse what cannot fit
        tree_v, tree_c = cKDTree(registry.volunteer_xyz[vi]), cKDTree(registry.child_xyz[ci])
        check_pairs(
            lambda km: tree_c.count_neighbors(tree_v, chord_for_km(km) * (1 + 1e-9) + 1e-12),
            ci.size, vi.size, policy.max_distance_km, per_pair,
        )  # fmt: skip
        del tree_v, tree_c
    scan = scan_of(registry, policy, vi, forbidden)
    reporter = current()
    if reporter is None or ci.size <= PROGRESS_BLOCK:
        c, v, score, reach = scan.pairs(ci)
    else:  # the same pairs, found block by block so that a bar can show the way
        bar = reporter.steps("candidate pairs", ci.size, unit="child")
        parts = []
        reach = np.zeros(len(registry.children), np.int64)
        try:
            for lo in range(0, ci.size, PROGRESS_BLOCK):
                part = scan.pairs(ci[lo : lo + PROGRESS_BLOCK])
                parts.append(part[:3])
                reach += part[3]
                bar.update(min(PROGRESS_BLOCK, ci.size - lo))
        finally:
            bar.close()
        c, v, score = (np.concatenate([p[j] for p in parts]) for j in range(3))
    return Candidates(child=c, volunteer=v, score=score, reach=reach)


def scan_of(
    registry: Registry,
    policy: Policy,
    volunteers: np.ndarray,
    forbidden: tuple[np.ndarray, np.ndarray] | None = None,
) -> Scan:
    """The compiled pass over the pairs in reach of ``volunteers`` (indices) under
    ``policy`` (:class:`pairmatch.reach.Scan`)."""
    m = len(registry.volunteers)
    banned = np.empty(0, np.int64)
    if forbidden is not None and len(forbidden[0]):
        banned = unique(np.asarray(forbidden[0], np.int64) * max(m, 1) + forbidden[1])
    return Scan(
        child_xyz=np.ascontiguousarray(registry.child_xyz, np.float64),
        volunteer_xyz=np.ascontiguousarray(registry.volunteer_xyz, np.float64),
        volunteers=np.asarray(volunteers, np.int64),
        radius_km=float(policy.max_distance_km),
        own_km=np.asarray(registry.radius_km, np.float64),
        child_owner=np.ascontiguousarray(registry.child_owner, np.int64),
        volunteer_owner=np.ascontiguousarray(registry.volunteer_owner, np.int64),
        same_county=not policy.allow_cross_county,
        banned=banned,
        terms=fit_terms(registry, policy),
        resolution=float(policy.score_resolution),
    )


def fit_terms(registry: Registry, policy: Policy) -> FitTerms:
    """The arrays and numbers of the fit formula (:class:`pairmatch.reach.FitTerms`)."""
    wanted = registry.preferred_gender
    return FitTerms(
        table=_need_fit_table(np.asarray(policy.need_weight_vector(), float)),
        need_code=level_codes(registry.need),
        skill_code=level_codes(registry.skill),
        interest_bits=np.ascontiguousarray(registry.interest_bits, np.uint64),
        speciality_bits=np.ascontiguousarray(registry.speciality_bits, np.uint64),
        preferred_gender=np.asarray(wanted, np.int64),
        volunteer_gender=np.asarray(registry.volunteer_gender, np.int64),
        child_place=np.ascontiguousarray(registry.child_place, np.int64),
        volunteer_place=np.ascontiguousarray(registry.volunteer_place, np.int64),
        tag_bonus=float(policy.tag_bonus),
        gender_bonus=float(policy.gender_bonus),
        township_bonus=float(policy.same_township_bonus),
        village_bonus=float(policy.same_village_bonus),
        distance_penalty=float(policy.distance_penalty_per_km),
        use_gender=bool(policy.gender_bonus) and bool(np.any(wanted >= 0)),
    )


def candidates_near(
    registry: Registry,
    policy: Policy,
    children: np.ndarray,
    volunteers: np.ndarray,
    forbidden: tuple[np.ndarray, np.ndarray] | None = None,
) -> Candidates:
    """The allowed pairs between the given children and the given volunteers (index
    arrays): for the few records a change touches. ``reach`` counts each child's pairs
    among these volunteers."""
    children = np.asarray(children, np.int64)
    volunteers = np.asarray(volunteers, np.int64)
    children = np.sort(children[registry.consent[children]])
    volunteers = volunteers[registry.available[volunteers] & (registry.capacity[volunteers] > 0)]
    c, v, score, reach = scan_of(registry, policy, volunteers, forbidden).pairs(children)
    return Candidates(child=c, volunteer=v, score=score, reach=reach)


def candidates_of(
    registry: Registry,
    policy: Policy,
    c: np.ndarray,
    v: np.ndarray,
    dist: np.ndarray,
    forbidden: tuple[np.ndarray, np.ndarray] | None = None,
) -> Candidates:
    """The pairs among (c, v) at great-circle distance ``dist`` that every hard rule
    allows, sorted by (child, volunteer), with their fit. ``reach`` counts each child's
    pairs before forbidden ones are removed."""
    n, m = len(registry.children), len(registry.volunteers)
    scan = scan_of(registry, policy, np.empty(0, np.int64), forbidden)
    keep = scan.allowed(c, v, dist)  # the rules the pass applies, compiled once
    c, v, dist = c[keep], v[keep], dist[keep]

    key = c * max(m, 1) + v
    order = np.argsort(key, kind="stable")
    key, c, v, dist = key[order], c[order], v[order], dist[order]
    reach = np.bincount(c, minlength=n).astype(np.int64)

    if scan.banned.size:
        allowed = ~np.isin(key, scan.banned)
        c, v, dist = c[allowed], v[allowed], dist[allowed]
    del key

    fit = fits(scan.terms, c, v, dist)[0]
    score = np.rint(fit / policy.score_resolution).astype(np.int64)
    return Candidates(
        child=c.astype(np.int64), volunteer=v.astype(np.int64), score=score, reach=reach
    )


@dataclass(frozen=True, eq=False)
class FitParts:
    """What the fit of some pairs is made of, one value per pair:
    ``fit = need_fit + tag_bonus·shared_tags + preference - distance_penalty_per_km·distance_km``,
    where ``preference`` holds the soft-preference points (gender, same township/village)."""

    distance_km: np.ndarray
    need_fit: np.ndarray
    shared_tags: np.ndarray
    preference: np.ndarray
    fit: np.ndarray


def fit_parts(
    registry: Registry, policy: Policy, child: np.ndarray, volunteer: np.ndarray
) -> FitParts:
    """The fit of pairs (child index, volunteer index) and its parts, by the formula that
    gave the candidates their scores (``score == rint(fit / score_resolution)``)."""
    c, v = np.asarray(child, np.int64), np.asarray(volunteer, np.int64)
    dist = great_circle_km(registry.child_xyz[c], registry.volunteer_xyz[v])
    return _fit_parts(registry, policy, c, v, dist)


def _fit_parts(
    registry: Registry, policy: Policy, c: np.ndarray, v: np.ndarray, dist: np.ndarray
) -> FitParts:
    fit, need_fit, shared_tags, preference = fits(fit_terms(registry, policy), c, v, dist)
    return FitParts(np.asarray(dist, float), need_fit, shared_tags, preference, fit)


def priorities(registry: Registry, policy: Policy) -> np.ndarray:
    """Level-1 weight of every child: ``1 + need_priority_weight·total_need + category bonus``."""
    bonus = np.array([policy.category_priority[ChildCategory(c)] for c in CATEGORIES], np.int64)
    total_need = registry.need.sum(axis=1)
    return 1 + policy.need_priority_weight * total_need + bonus[registry.category]
