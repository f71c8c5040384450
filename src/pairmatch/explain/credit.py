"""The chosen pairs seen as teams: who leads, and which member each need category's value
is credited to, so that every pair's ``fit`` adds up to the objective.

In a team, the need × skill value of a category counts once: it is credited to the member
with the most of it (ties go to the lead, then to the volunteer first by id). A member's
fit is then her own tags, preferences and distance plus the categories credited to her.
Without teams every child has one member, the lead, credited with everything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pairmatch.candidates import FitParts, fit_parts
from pairmatch.model.vocab import NEEDS
from pairmatch.views import Solved

__all__ = ["Members"]


@dataclass(frozen=True, eq=False)
class Members:
    """Arrays over the chosen pairs, sorted by child, the lead first, then volunteer."""

    edges: np.ndarray  # candidate-edge index of each member
    lead: np.ndarray  # bool: she leads the child's team
    need_value: np.ndarray  # (members × K) need × skill × weight, in fit points
    credit: np.ndarray  # (members × K) bool: the category's value counts for her
    covers: np.ndarray  # (members × K) bool: she covers a category the child requires
    fit: np.ndarray  # fit points each member adds to the objective
    parts: FitParts  # the pair's own fit and its parts (distance, tags, preference, ...)

    @classmethod
    def of(cls, result: Solved) -> Members:
        sol, cand, reg, pol = result.solution, result.candidates, result.registry, result.policy
        chosen = np.asarray(sol.chosen, np.int64)
        is_lead = np.isin(chosen, sol.leads)
        child = cand.child[chosen]
        order = np.lexsort((cand.volunteer[chosen], ~is_lead, child))
        edges, lead, child = chosen[order], is_lead[order], child[order]
        vol = cand.volunteer[edges]
        weights = np.asarray(pol.need_weight_vector(), float)
        need_value = reg.need[child] * reg.skill[vol] * weights
        teams = sol.problem.teams
        k = len(NEEDS)
        if teams is None:
            credit = np.ones((edges.size, k), bool)
            fit = cand.score[edges] * pol.score_resolution
            covers = np.zeros((edges.size, k), bool)
        else:
            value = teams.category_value[edges]
            credit = _credit(child, value)
            # the pair's own fit without its need part, then the categories credited to it
            # (the problem's scores may also carry a bonus for keeping an existing pair)
            points = cand.score[edges] - value.sum(axis=1) + (value * credit).sum(axis=1)
            fit = points * pol.score_resolution
            covers = teams.covers[edges] & teams.cover_required[child]
        return cls(edges, lead, need_value, credit, covers, fit, fit_parts(reg, pol, child, vol))

    @property
    def need_fit(self) -> np.ndarray:
        """Need × skill points credited to each member."""
        return (self.need_value * self.credit).sum(axis=1)

    @property
    def covers_text(self) -> np.ndarray:
        """The covered needs of each member as text ("study;safety"), by a lookup of the
        2**K possible sets rather than a join per member."""
        k = len(NEEDS)
        names = [
            ";".join(n for j, n in enumerate(NEEDS) if code >> j & 1) for code in range(1 << k)
        ]
        codes = self.covers.astype(np.int64) @ (1 << np.arange(k))
        return np.array(names, dtype=object)[codes]


def _credit(child: np.ndarray, value: np.ndarray) -> np.ndarray:
    """For rows grouped by child (the preferred member first in each group), flag the first
    row holding each group's largest positive value, per column."""
    out = np.zeros(value.shape, bool)
    if child.size == 0:
        return out
    starts = np.flatnonzero(np.r_[True, child[1:] != child[:-1]])
    group = np.cumsum(np.r_[True, child[1:] != child[:-1]]) - 1
    position = np.arange(child.size)
    for k in range(value.shape[1]):
        best = np.maximum.reduceat(value[:, k], starts)
        at_best = value[:, k] == best[group]
        first = np.minimum.reduceat(np.where(at_best, position, child.size), starts)
        out[first[best > 0], k] = True
    return out
