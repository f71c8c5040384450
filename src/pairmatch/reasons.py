"""Why a child is not paired: precise reason codes, each checked against the facts.

Every child who is not paired gets exactly one reason, decided in this order:

``problem_infeasible``
    The hard rules contradict each other (e.g. locked pairs beyond a volunteer's
    capacity), so no pairing was made; see ``result.reasons``.
``not_solved``
    The search stopped before any valid pairing was found (time limit).
``no_consent``
    The guardian has not consented; the child is never paired.
``no_eligible_volunteer_in_reach``
    No eligible, active volunteer with capacity is within both the policy's radius and
    her own, in the child's county (unless the policy allows crossing). The detail gives the
    nearest such volunteer's distance.
``all_candidates_forbidden``
    Volunteers are in reach, but every such pair is forbidden.
``locked_out``
    Every volunteer in reach is full, and some of them are held by locked pairs (pairs the
    office fixed); the detail says how many.
``capacity_taken``
    Volunteers are in reach, but their capacity went to children the objective ranks
    higher (greater priority, or a better overall fit for the same priority).
``not_paired_in_time``
    A volunteer in reach still had room, but the search was stopped by its time limit
    before it could prove what is best.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from scipy.spatial import cKDTree

from pairmatch.candidates import Candidates, great_circle_km
from pairmatch.model.policy import Policy
from pairmatch.registry import Registry

__all__ = ["Reason", "unmatched_reasons"]


class Reason(StrEnum):
    PROBLEM_INFEASIBLE = "problem_infeasible"
    NOT_SOLVED = "not_solved"
    NO_CONSENT = "no_consent"
    NO_ELIGIBLE_VOLUNTEER_IN_REACH = "no_eligible_volunteer_in_reach"
    ALL_CANDIDATES_FORBIDDEN = "all_candidates_forbidden"
    LOCKED_OUT = "locked_out"
    CAPACITY_TAKEN = "capacity_taken"
    NOT_PAIRED_IN_TIME = "not_paired_in_time"


def _nearest_available(registry: Registry, policy: Policy, children: np.ndarray) -> np.ndarray:
    """Distance (km) from each child to the nearest available volunteer she may be paired
    with by jurisdiction (same county unless crossing is allowed); inf when there is none."""
    out = np.full(children.size, np.inf)
    vols = np.flatnonzero(registry.available & (registry.capacity > 0))
    if vols.size == 0:
        return out
    if policy.allow_cross_county:
        _, nearest = cKDTree(registry.volunteer_xyz[vols]).query(registry.child_xyz[children])
        return great_circle_km(registry.child_xyz[children], registry.volunteer_xyz[vols[nearest]])
    # children far from everyone are few: an exact search over their county's volunteers
    for i, c in enumerate(children):
        pool = vols[registry.volunteer_owner[vols, 2] == registry.child_county[c]]
        pool = pool[registry.same_county(np.full(pool.size, c), pool)]
        if pool.size:
            here = np.repeat(registry.child_xyz[c : c + 1], pool.size, axis=0)
            out[i] = great_circle_km(here, registry.volunteer_xyz[pool]).min()
    return out


def unmatched_reasons(
    registry: Registry,
    policy: Policy,
    candidates: Candidates,
    paired: np.ndarray,
    spare: np.ndarray,
    held: np.ndarray,
    solved: bool,
    proven: bool,
    infeasible: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(child indices, reason codes, details) for every child not in ``paired``.

    ``spare`` is each volunteer's capacity left after the pairing and ``held`` how many of
    her children are locked pairs; ``solved`` says whether a valid pairing exists,
    ``infeasible`` whether the rules contradict each other, ``proven`` whether the pairing
    is proven optimal (otherwise no reason may claim a ranking).
    """
    n = len(registry.children)
    is_paired = np.zeros(n, bool)
    is_paired[paired] = True
    rows = np.flatnonzero(~is_paired)
    reason = np.empty(rows.size, dtype=object)
    detail = np.full(rows.size, "", dtype=object)
    if infeasible or not solved:
        reason[:] = Reason.PROBLEM_INFEASIBLE.value if infeasible else Reason.NOT_SOLVED.value
        detail[:] = (
            "the hard rules contradict each other; see the result's reasons"
            if infeasible
            else "the time limit ended the search before any valid pairing was found"
        )
        return rows, reason, detail

    consent = registry.consent[rows]
    n_edges = np.bincount(candidates.child, minlength=n)[rows]
    reach = candidates.reach[rows]
    room = np.zeros(n, bool)
    has_room_edge = spare[candidates.volunteer] > 0
    room[candidates.child[has_room_edge]] = True

    reason[~consent] = Reason.NO_CONSENT.value
    detail[~consent] = "the guardian has not consented to pairing"

    far = consent & (reach == 0)
    if far.any():
        reason[far] = Reason.NO_ELIGIBLE_VOLUNTEER_IN_REACH.value
        dist = _nearest_available(registry, policy, rows[far])
        where = "in the county" if not policy.allow_cross_county else ""
        limit = policy.max_distance_km
        detail[far] = [
            f"no eligible, active volunteer with capacity {where}".strip()
            if not np.isfinite(d)
            else (
                f"nearest eligible volunteer is {d:.1f} km away; limit {limit:g} km"
                if d > limit
                else f"nearest eligible volunteer is {d:.1f} km away, beyond her own travel limit"
            )
            for d in dist
        ]

    forbidden = consent & (reach > 0) & (n_edges == 0)
    reason[forbidden] = Reason.ALL_CANDIDATES_FORBIDDEN.value
    detail[forbidden] = [
        f"all {r} volunteers in reach are forbidden pairs" for r in reach[forbidden]
    ]

    rest = consent & (n_edges > 0)
    full = rest & ~room[rows]
    holding = np.bincount(candidates.child[held[candidates.volunteer] > 0], minlength=n)[rows]
    locked_out = full & (holding > 0)
    reason[locked_out] = Reason.LOCKED_OUT.value
    detail[locked_out] = [
        f"all {k} volunteers in reach are full; {h} of them hold locked pairs"
        for k, h in zip(n_edges[locked_out], holding[locked_out], strict=True)
    ]
    taken = full & (holding == 0)
    reason[taken] = Reason.CAPACITY_TAKEN.value
    why = "with children ranked higher" if proven else "(the time limit stopped the search)"
    detail[taken] = [f"all {k} volunteers in reach are at capacity {why}" for k in n_edges[taken]]
    late = rest & room[rows]
    reason[late] = Reason.NOT_PAIRED_IN_TIME.value
    detail[late] = "a volunteer in reach had room; the search stopped before proving the best"
    return rows, reason, detail
