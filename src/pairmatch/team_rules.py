"""From registers and policy to the arrays of team pairing (多对一), :class:`Teams`.

A child's team size comes from, in order of precedence, their own ``team_min``/``team_max``
columns, the policy's ``severe_team_size`` when they are in severe need, and the policy's
``team_size``. Coverage flags come from the policy's thresholds; the need × skill part of
each pair's fit becomes one value per need category, counted once per child in the
objective (the team's best member in each category).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pairmatch.candidates import Candidates
from pairmatch.errors import InputIssue, ValidationError
from pairmatch.model.policy import Policy
from pairmatch.model.vocab import NEEDS
from pairmatch.problem import Teams
from pairmatch.registry import Registry

__all__ = ["TeamArrays", "build_teams", "coverage", "team_sizes", "wants_teams"]


def team_sizes(registry: Registry, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """(smallest, largest) team of every child; raises when a child's own bounds and the
    policy's leave no valid size."""
    n = len(registry.children)
    low = np.full(n, policy.team_size[0], np.int64)
    high = np.full(n, policy.team_size[1], np.int64)
    if policy.severe_team_size is not None:
        severe = (registry.need.sum(axis=1) >= policy.severe_total_need) | (
            registry.need.max(axis=1, initial=0) >= policy.severe_need
        )
        low[severe], high[severe] = policy.severe_team_size
    own_low, own_high = registry.team_min, registry.team_max
    low = np.where(own_low > 0, own_low, low)
    high = np.where(own_high > 0, own_high, high)
    bad = np.flatnonzero(low > high)
    if bad.size:
        ids = registry.child_ids
        raise ValidationError(
            [
                InputIssue(
                    "children",
                    int(i),
                    str(ids[i]),
                    "team_min" if own_low[i] > 0 else "team_max",
                    f"team size {low[i]}..{high[i]} is empty: the record's team_min/team_max "
                    "and the policy's team size disagree",
                )
                for i in bad
            ],
            what="children",
        )
    return low, high


@dataclass(frozen=True, eq=False)
class TeamArrays:
    """What :func:`build_teams` derives: the problem's :class:`Teams` (or ``None`` when
    every child gets one volunteer and nothing must be covered), the integer load of a lead
    and of a supporter, and the capacity scale (capacities are multiplied by it)."""

    teams: Teams | None
    score: np.ndarray
    lead_load: int
    scale: int


def coverage(
    registry: Registry, policy: Policy, candidates: Candidates
) -> tuple[np.ndarray, np.ndarray]:
    """(children × K) the needs each child's team must cover, and (pairs × K) which of
    them each candidate volunteer covers; all False without a coverage rule."""
    k = len(NEEDS)
    if policy.cover_need_from is None:
        return np.zeros((len(registry.children), k), bool), np.zeros((len(candidates), k), bool)
    required = registry.need >= policy.cover_need_from
    return required, registry.skill[candidates.volunteer] >= policy.cover_skill_from


def wants_teams(registry: Registry, policy: Policy) -> bool:
    """Whether some child may have several volunteers or needs coverage, or leads are
    capped: then the problem has :class:`Teams` (else every child gets one volunteer)."""
    _, size_max = team_sizes(registry, policy)
    cover = policy.cover_need_from
    required = cover is not None and bool((registry.need >= cover).any())
    return bool(np.any(size_max > 1)) or required or policy.max_leads is not None


def build_teams(registry: Registry, policy: Policy, candidates: Candidates) -> TeamArrays:
    """Team arrays for a pairing run; see the module text."""
    size_min, size_max = team_sizes(registry, policy)
    cand = candidates
    c, v = cand.child, cand.volunteer
    required, covers = coverage(registry, policy, candidates)
    if not wants_teams(registry, policy):
        return TeamArrays(None, cand.score, 1, 1)
    weights = np.asarray(policy.need_weight_vector(), float)
    value = np.rint(
        registry.need[c] * registry.skill[v] * weights / policy.score_resolution
    ).astype(np.int64)
    value = np.maximum(value, 0)
    # the pair's score without its need × skill part, so that score + values = the fit of a
    # one-member team, exactly (both rounded the same way)
    score = cand.score - value.sum(axis=1)
    frac = policy.support_fraction
    lead_load, support = frac.denominator, frac.numerator
    max_leads = None
    if policy.max_leads is not None:
        max_leads = np.full(len(registry.volunteers), policy.max_leads, np.int64)
    teams = Teams(
        size_min=size_min,
        size_max=size_max,
        support_load=np.full(c.size, support, np.int64),
        cover_required=required,
        covers=covers,
        category_value=value,
        max_leads=max_leads,
    )
    return TeamArrays(teams, score, lead_load, lead_load)
