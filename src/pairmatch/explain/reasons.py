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
``coverage_impossible``
    The child's needs must be covered (``Policy.cover_need_from``), and no team of the
    allowed size drawn from the volunteers in reach covers them: the detail names the
    category nobody in reach has the skill for, or how many volunteers covering takes.
``locked_out``
    Every volunteer in reach is full, and some of them are held by locked pairs (pairs the
    office fixed); the detail says how many.
``capacity_taken``
    Volunteers are in reach (and, with coverage, some of them cover each required need),
    but their capacity went to children the objective ranks higher: the detail says how
    many children hold them, how many of those have a greater priority and how many the
    same priority with a better overall fit.
``not_paired_in_time``
    A volunteer in reach still had room, but the search was stopped by its time limit
    before it could prove what is best (never given for a proven optimum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from pairmatch.arguments import Vocabulary
from pairmatch.arrays import unique
from pairmatch.candidates import Candidates, great_circle_km
from pairmatch.model.policy import Policy
from pairmatch.model.vocab import NEEDS
from pairmatch.registry import Registry
from pairmatch.solvers.base import Status
from pairmatch.solvers.teams.presolve import min_cover_size
from pairmatch.team_rules import coverage
from pairmatch.views import Solved

__all__ = ["Held", "Reason", "unmatched_reasons"]


@dataclass(frozen=True)
class Held:
    """How the pairing uses volunteers: ``spare`` capacity left per volunteer (in load
    units), ``locked`` locked pairs per volunteer, the member pairs (``child``,
    ``volunteer``), each child's ``priority``, whether each volunteer could still lead a
    child (``lead_room``: spare capacity for a lead and below her lead cap) or support one
    (``support_room``), and team sizes (``size_min``, ``size_max``)."""

    spare: np.ndarray
    locked: np.ndarray
    child: np.ndarray
    volunteer: np.ndarray
    priority: np.ndarray
    lead_room: np.ndarray
    support_room: np.ndarray
    size_min: np.ndarray
    size_max: np.ndarray


class Reason(Vocabulary):
    """Why a child is not paired: the codes of ``result.unmatched["reason"]``, one per
    child, described in :mod:`pairmatch.explain.reasons` (Chinese words in
    :data:`pairmatch.labels.VALUES`)."""

    PROBLEM_INFEASIBLE = "problem_infeasible"
    NOT_SOLVED = "not_solved"
    NO_CONSENT = "no_consent"
    NO_ELIGIBLE_VOLUNTEER_IN_REACH = "no_eligible_volunteer_in_reach"
    ALL_CANDIDATES_FORBIDDEN = "all_candidates_forbidden"
    COVERAGE_IMPOSSIBLE = "coverage_impossible"
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
    held: Held,
    solved: bool,
    proven: bool,
    infeasible: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(child indices, reason codes, details) for every child not paired.

    ``solved`` says whether a valid pairing exists, ``infeasible`` whether the rules
    contradict each other, ``proven`` whether the pairing is proven optimal (otherwise no
    reason may claim a ranking). Each step below gives its reason to the children it
    explains and leaves the rest to the next, in the order of the module's docstring.
    """
    n = len(registry.children)
    is_paired = np.zeros(n, bool)
    is_paired[held.child] = True
    rows = np.flatnonzero(~is_paired)
    said = _Said(np.empty(rows.size, dtype=object), np.full(rows.size, "", dtype=object))
    if infeasible or not solved:
        said.no_pairing(infeasible)
        return rows, said.reason, said.detail

    consent = registry.consent[rows]
    n_edges = np.bincount(candidates.child, minlength=n)[rows]
    reach = candidates.reach[rows]
    said.give(~consent, Reason.NO_CONSENT, "the guardian has not consented to pairing")
    _out_of_reach(registry, policy, rows, consent & (reach == 0), said)
    forbidden = consent & (reach > 0) & (n_edges == 0)
    said.give(
        forbidden,
        Reason.ALL_CANDIDATES_FORBIDDEN,
        [f"all {r} volunteers in reach are forbidden pairs" for r in reach[forbidden]],
    )

    rest = consent & (n_edges > 0)
    required, covers = coverage(registry, policy, candidates)
    rest &= ~_coverage_impossible(candidates, held, rows, rest, required, covers, said)
    room, lacking = _room(candidates, held, required, covers, is_paired)
    full = rest & ~room[rows]
    holding = np.bincount(candidates.child[held.locked[candidates.volunteer] > 0], minlength=n)[
        rows
    ]
    locked_out = full & (holding > 0)
    said.give(locked_out, Reason.LOCKED_OUT, [
        f"all {k} volunteers in reach are full; {h} of them hold locked pairs"
        for k, h in zip(n_edges[locked_out], holding[locked_out], strict=True)
    ])  # fmt: skip
    taken = full & (holding == 0)
    said.give(taken, Reason.CAPACITY_TAKEN, _taken_details(
        candidates, held, rows[taken], lacking, covers, proven, policy.max_leads is not None
    ))  # fmt: skip
    late = rest & room[rows]
    if proven:  # room was left, yet the optimum leaves the child out: no valid team fits
        said.give(late, Reason.CAPACITY_TAKEN, (
            "the volunteers in reach with room left cannot form a valid team for this child "
            "(team size, coverage or lead cap); the rest of their capacity went to children "
            "ranked higher"
        ))  # fmt: skip
    else:
        why = "a volunteer in reach had room; the search stopped before proving the best"
        said.give(late, Reason.NOT_PAIRED_IN_TIME, why)
    return rows, said.reason, said.detail


@dataclass
class _Said:
    """The reason code and detail of each unpaired child, filled step by step."""

    reason: np.ndarray
    detail: np.ndarray

    def give(self, rows: np.ndarray, reason: Reason, detail: str | list[str]) -> None:
        self.reason[rows] = reason.value
        self.detail[rows] = detail

    def no_pairing(self, infeasible: bool) -> None:
        """No valid pairing: the rules contradict each other, or time ran out first."""
        if infeasible:
            self.reason[:] = Reason.PROBLEM_INFEASIBLE.value
            self.detail[:] = "the hard rules contradict each other; see the result's reasons"
        else:
            self.reason[:] = Reason.NOT_SOLVED.value
            self.detail[:] = "the time limit ended the search before any valid pairing was found"


def _out_of_reach(
    registry: Registry, policy: Policy, rows: np.ndarray, far: np.ndarray, said: _Said
) -> None:
    """Children with no volunteer in reach: how far the nearest eligible one is."""
    if not far.any():
        return
    dist = _nearest_available(registry, policy, rows[far])
    where = "in the county" if not policy.allow_cross_county else ""
    limit = policy.max_distance_km
    said.give(far, Reason.NO_ELIGIBLE_VOLUNTEER_IN_REACH, [
        f"no eligible, active volunteer with capacity {where}".strip()
        if not np.isfinite(d)
        else (
            f"nearest eligible volunteer is {d:.1f} km away; limit {limit:g} km"
            if d > limit
            else f"nearest eligible volunteer is {d:.1f} km away, beyond her own travel limit"
        )
        for d in dist
    ])  # fmt: skip


def _coverage_impossible(
    candidates: Candidates,
    held: Held,
    rows: np.ndarray,
    rest: np.ndarray,
    required: np.ndarray,
    covers: np.ndarray,
    said: _Said,
) -> np.ndarray:
    """Children (among ``rest``) whose required needs no valid team in reach can cover;
    returns them as a mask over ``rows``."""
    out = np.zeros(rows.size, bool)
    if not required.any():
        return out
    for i in np.flatnonzero(rest & required[rows].any(axis=1)).tolist():
        text = _coverage_gap(
            required[rows[i]], covers, _own(candidates, rows[i]), int(held.size_max[rows[i]])
        )
        if text:
            said.give(np.array([i]), Reason.COVERAGE_IMPOSSIBLE, text)
            out[i] = True
    return out


def _room(
    candidates: Candidates,
    held: Held,
    required: np.ndarray,
    covers: np.ndarray,
    is_paired: np.ndarray,
) -> tuple[np.ndarray, dict[int, list[str]]]:
    """Per child, whether room is left for it: a volunteer in reach who could still lead
    it, and enough others with room to support it up to its smallest team; with coverage,
    for every required category a volunteer in reach who covers it and has room (to lead,
    when the team has one member). Also the categories an unpaired child lacks that for."""
    n = is_paired.size
    v = candidates.volunteer
    can_lead = held.lead_room[v]
    can_join = held.support_room[v] | can_lead
    room = np.zeros(n, bool)
    room[candidates.child[can_lead]] = True
    joiners = np.bincount(candidates.child[can_join], minlength=n)
    room &= joiners >= held.size_min
    lacking: dict[int, list[str]] = {}
    if required.any():
        one = held.size_max[candidates.child] == 1
        usable = np.where(one, can_lead, can_join)
        short = np.zeros((n, len(NEEDS)), bool)
        np.logical_or.at(short, candidates.child[usable], covers[usable])
        missing = required & ~short
        for c in np.flatnonzero(missing.any(axis=1) & ~is_paired).tolist():
            room[c] = False
            lacking[c] = [NEEDS[k] for k in np.flatnonzero(missing[c])]
    return room, lacking


def _own(candidates: Candidates, c: int) -> np.ndarray:
    """Candidate edges of child c (edges are sorted by child)."""
    return np.arange(*np.searchsorted(candidates.child, [c, c + 1]))


def _coverage_gap(required: np.ndarray, covers: np.ndarray, own: np.ndarray, most: int) -> str:
    """Why no team of at most ``most`` members from the pairs ``own`` covers ``required``,
    or "" when one does."""
    skill = "skill"
    union = covers[own].any(axis=0)
    nobody = [NEEDS[k] for k in np.flatnonzero(required & ~union)]
    if nobody:
        return f"no volunteer in reach has the {skill} to cover {' and '.join(nobody)}"
    size = min_cover_size(required, covers[own])
    assert size is not None
    if size > most:
        needs = ", ".join(NEEDS[k] for k in np.flatnonzero(required))
        if most == 1:
            return f"no single volunteer in reach covers {needs}, and the team may have one member"
        return f"covering {needs} takes {size} volunteers in reach; the team may have {most}"
    return ""


def _taken_details(
    candidates: Candidates,
    held: Held,
    children: np.ndarray,
    lacking: dict[int, list[str]],
    covers: np.ndarray,
    proven: bool,
    capped: bool,
) -> list[str]:
    """For each child whose volunteers in reach are full: how many children hold those
    volunteers and how they rank against this child."""
    order = np.argsort(held.volunteer, kind="stable")
    by_vol = held.child[order]
    start = np.searchsorted(held.volunteer[order], np.arange(len(held.spare) + 1))
    out = []
    for c in children.tolist():
        own = _own(candidates, c)
        if c in lacking:  # only the volunteers who cover what is missing matter
            ks = [NEEDS.index(k) for k in lacking[c]]
            own = own[covers[own][:, ks].any(axis=1)]
        vols = candidates.volunteer[own]
        held_by = [by_vol[start[v] : start[v + 1]] for v in vols.tolist()]
        holders = unique(np.concatenate(held_by)) if held_by else np.empty(0, np.int64)
        mine = held.priority[c]
        higher = int(np.count_nonzero(held.priority[holders] > mine))
        equal = int(np.count_nonzero(held.priority[holders] == mine))
        lower = holders.size - higher - equal
        what = f"all {vols.size} volunteers in reach"
        if c in lacking:
            what = f"the volunteers in reach who cover {' and '.join(lacking[c])}"
        full = (
            "are at capacity or lead as many children as allowed" if capped else "are at capacity"
        )
        kids = "child" if holders.size == 1 else "children"
        text = f"{what} {full}, holding {holders.size} {kids}"
        if not proven:
            out.append(f"{text} (the time limit stopped the search before ranking them)")
            continue
        parts = []
        if higher:
            parts.append(f"{higher} of greater priority")
        if equal:
            parts.append(f"{equal} of equal priority whose pairing gives a better total fit")
        if lower:
            parts.append(f"{lower} of lower priority, whose pairs the other rules keep")
        out.append(f"{text}: {', '.join(parts)}" if parts else text)
    return out


def unmatched_of(result: Solved) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The unpaired children of a result: their rows, reason codes and details in words
    (what is held where, from the solution, then :func:`unmatched_reasons`)."""
    reg, sol, cand = result.registry, result.solution, result.candidates
    p = sol.problem
    m = len(reg.volunteers)
    e = np.asarray(sol.chosen, np.int64)
    is_lead = np.isin(e, sol.leads)
    load = np.where(is_lead, p.load[e], p.teams.support_load[e] if p.teams else p.load[e])
    used = np.bincount(cand.volunteer[e], weights=load, minlength=m).astype(np.int64)
    spare = p.capacity - used
    lead_load = np.full(m, np.iinfo(np.int64).max)
    np.minimum.at(lead_load, p.volunteer, p.load)
    support = lead_load.copy()
    if p.teams is not None:
        np.minimum.at(support, p.volunteer, p.teams.support_load)
    lead_room = spare >= lead_load
    if p.teams is not None and p.teams.max_leads is not None:
        led = np.bincount(cand.volunteer[np.asarray(sol.leads, np.int64)], minlength=m)
        lead_room &= led < p.teams.max_leads
    n = len(reg.children)
    held = Held(
        spare=spare,
        locked=np.bincount(cand.volunteer[p.locked], minlength=m),
        child=cand.child[e],
        volunteer=cand.volunteer[e],
        priority=result.priority,
        lead_room=lead_room,
        support_room=spare >= support,
        size_min=p.teams.size_min if p.teams is not None else np.ones(n, np.int64),
        size_max=p.teams.size_max if p.teams is not None else np.ones(n, np.int64),
    )
    return unmatched_reasons(
        reg,
        result.policy,
        cand,
        held,
        solved=sol.has_solution,
        proven=sol.status is Status.OPTIMAL,
        infeasible=sol.status is Status.INFEASIBLE,
    )
