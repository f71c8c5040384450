"""The one pipeline every pairing goes through: registry → candidate pairs → problem →
solve → result.

:func:`pairmatch.match` runs it whole (:func:`run`). The Matcher runs the same steps with
its own candidate pairs (carried over a change) and its own solve (a repaired flow) where
it has them: :func:`prepare` builds the problem, :func:`solve_prepared` solves it within
the time left, :meth:`Prepared.result` makes the :class:`~pairmatch.MatchResult`. The
in-place path builds its deferred tables with :func:`prepare` too. What a step means is
written here once.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pairmatch.arrays import unique
from pairmatch.candidates import Candidates, find_candidates, great_circle_km, priorities
from pairmatch.errors import CountiesApartWarning, InputIssue, ValidationError
from pairmatch.model.policy import Policy
from pairmatch.model.vocab import NEEDS
from pairmatch.problem import Problem
from pairmatch.progress import Reporter
from pairmatch.registry import Registry
from pairmatch.result import MatchResult
from pairmatch.solvers import solve
from pairmatch.solvers.base import Options, Solution, Status
from pairmatch.team_rules import TeamArrays, build_teams

__all__ = [
    "Prepared", "all_or_nothing", "broken_rules", "build_problem", "infeasible", "prepare",
    "run", "solve_prepared",
]  # fmt: skip

log = logging.getLogger("pairmatch")

#: No pairs: the empty (child, volunteer) index arrays.
NO_PAIRS: tuple[np.ndarray, np.ndarray] = (np.empty(0, np.int64), np.empty(0, np.int64))


@dataclass(frozen=True, eq=False)
class Prepared:
    """A run's problem and everything its result is made of."""

    registry: Registry
    policy: Policy
    candidates: Candidates
    priority: np.ndarray
    problem: Problem
    preferred: np.ndarray
    """Candidate edges of the kept pairs (worth ``policy.switching_cost`` each)."""
    conflicts: list[str]
    """Every way the locked pairs break a rule (the problem cannot be solved with them)."""
    banned: tuple[np.ndarray, np.ndarray]

    def result(self, solution: Solution, timings: dict[str, float]) -> MatchResult:
        """The :class:`~pairmatch.MatchResult` of a solution of this problem."""
        reg, banned = self.registry, self.banned
        banned_ids = frozenset(
            zip(reg.child_ids[banned[0]], reg.volunteer_ids[banned[1]], strict=True)
        )
        return MatchResult(
            reg, self.policy, self.candidates, solution, self.priority, timings, banned_ids,
            self.preferred,
        )  # fmt: skip


def prepare(
    registry: Registry,
    policy: Policy,
    candidates: Candidates,
    priority: np.ndarray,
    *,
    banned: tuple[np.ndarray, np.ndarray] = NO_PAIRS,
    fixed: tuple[np.ndarray, np.ndarray] = NO_PAIRS,
    kept: tuple[np.ndarray, np.ndarray] = NO_PAIRS,
) -> Prepared:
    """The problem of a run, from its registry, candidate pairs and children's priorities,
    with the forbidden (``banned``), locked (``fixed``) and kept pairs as registry indices."""
    problem, preferred, conflicts = build_problem(
        registry, policy, candidates, priority, fixed=fixed, banned=banned, kept=kept
    )
    return Prepared(registry, policy, candidates, priority, problem, preferred, conflicts, banned)


def solve_prepared(prepared: Prepared, options: Options, spent: float = 0.0) -> Solution:
    """Solve a prepared problem; ``INFEASIBLE`` with the reasons when its locks conflict.
    ``spent`` seconds (building the model) count against ``options.time_limit``."""
    if prepared.conflicts:
        return infeasible(prepared.problem, prepared.conflicts)
    if options.time_limit is not None:
        options = replace(options, time_limit=max(0.05, options.time_limit - spent))
    return solve(prepared.problem, options=options)


def run(
    registry: Registry,
    policy: Policy,
    options: Options,
    *,
    banned: tuple[np.ndarray, np.ndarray] = NO_PAIRS,
    fixed: tuple[np.ndarray, np.ndarray] = NO_PAIRS,
    kept: tuple[np.ndarray, np.ndarray] = NO_PAIRS,
    reporter: Reporter | None = None,
    timings: dict[str, float] | None = None,
) -> MatchResult:
    """The whole pipeline from a registry: candidate pairs, problem, solve, result."""
    timings = dict(timings or {})
    t = time.perf_counter()
    if reporter is not None:
        reporter.stage("candidate pairs")
    candidates = find_candidates(registry, policy, banned)
    prio = priorities(registry, policy)
    timings["candidates"] = time.perf_counter() - t

    t = time.perf_counter()
    if reporter is not None:
        reporter.stage("building the model")
    prepared = prepare(registry, policy, candidates, prio, banned=banned, fixed=fixed, kept=kept)
    timings["build"] = time.perf_counter() - t

    t = time.perf_counter()
    if reporter is not None:
        reporter.stage("solving")
    solution = solve_prepared(prepared, options, spent=timings["build"])
    timings["solve"] = time.perf_counter() - t
    apart = None if policy.allow_cross_county else registry.counties_apart()
    if apart is not None:  # said loudly: a run that pairs nobody must not look fine
        log.warning("%s", apart)
        warnings.warn(apart, CountiesApartWarning, stacklevel=3)
        solution = replace(solution, reasons=(*solution.reasons, apart))
    log.info(
        "matched %d children, %d volunteers, %d candidate pairs: %s, %d paired",
        len(registry.children),
        len(registry.volunteers),
        len(candidates),
        solution.status.value,
        solution.n_paired,
    )
    return prepared.result(solution, timings)


def build_problem(
    registry: Registry,
    policy: Policy,
    candidates: Candidates,
    prio: np.ndarray,
    *,
    fixed: tuple[np.ndarray, np.ndarray],
    banned: tuple[np.ndarray, np.ndarray],
    kept: tuple[np.ndarray, np.ndarray],
) -> tuple[Problem, np.ndarray, list[str]]:
    """The solver-neutral problem of a run: (problem, candidate edges of the kept pairs,
    every way the locked pairs break a rule)."""
    team = build_teams(registry, policy, candidates)
    preferred = _edges_of(candidates, kept)
    if preferred.size and policy.switching_cost:
        score = team.score.copy()
        score[preferred] += round(policy.switching_cost / policy.score_resolution)
        team = replace(team, score=score)
    lock_edges, conflicts = _locked_edges(registry, policy, candidates, fixed, banned, team)
    problem = Problem(
        n_children=len(registry.children),
        n_volunteers=len(registry.volunteers),
        child=candidates.child,
        volunteer=candidates.volunteer,
        score=team.score,
        # one load for every pair: a read-only view, not an array as long as the edges
        load=np.broadcast_to(np.int64(team.lead_load), (len(candidates),)),
        capacity=registry.capacity * team.scale,
        priority=prio,
        locked=lock_edges,
        score_scale=policy.score_resolution,
        teams=team.teams,
        groups=None if policy.allow_cross_county else registry.child_county,
        **_fairness(policy, registry, candidates),
    )
    if policy.allow_cross_county:  # a county is no boundary: each component is its own part
        problem = replace(problem, groups=problem.components()[1])
    return problem, preferred, conflicts


def infeasible(problem: Problem, reasons: list[str]) -> Solution:
    """A solution that says the locks cannot hold, and why."""
    return Solution(
        problem, np.empty(0, np.int64), Status.INFEASIBLE, 0, 0, "none", reasons=tuple(reasons)
    )


def _edges_of(candidates: Candidates, pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Candidate-edge indices of (child index, volunteer index) pairs that are candidates."""
    edges = candidates.edges(*pairs)
    return unique(edges[edges >= 0])


def _fairness(policy: Policy, registry: Registry, candidates: Candidates) -> dict[str, Any]:
    """The problem's fair load per volunteer and overload penalty (score units). The
    default fair load is the average of the volunteer's county (of the whole register when
    pairs may cross counties), so a county's fair load does not depend on its province."""
    if not policy.fairness_penalty:
        return {}
    m = len(registry.volunteers)
    share = policy.fair_load
    if share is not None:
        fair = np.full(m, share, np.int64)
    else:
        n = len(registry.children)
        kids = np.bincount(candidates.child, minlength=n) > 0
        vols = np.bincount(candidates.volunteer, minlength=m) > 0
        if policy.allow_cross_county:
            group_c, group_v = np.zeros(n, np.int64), np.zeros(m, np.int64)
        else:
            group_c = registry.child_county.astype(np.int64) + 1  # -1 (blank) -> 0
            group_v = registry.volunteer_owner[:, 2].astype(np.int64) + 1
        size = int(max(group_c.max(initial=0), group_v.max(initial=0))) + 1
        per_kids = np.bincount(group_c[kids], minlength=size)
        per_vols = np.bincount(group_v[vols], minlength=size)
        fair = (-(-per_kids // np.maximum(per_vols, 1)))[group_v].astype(np.int64)
    return {
        "fair_load": fair,
        "overload_penalty": round(policy.fairness_penalty / policy.score_resolution),
    }


def all_or_nothing(*steps: Callable[[], Any]) -> list[Any]:
    """Run every validation step; if any fails, raise one error listing all their problems."""
    results: list[Any] = []
    issues: list[InputIssue] = []
    what: list[str] = []
    for step in steps:
        try:
            results.append(step())
        except ValidationError as err:
            issues += err.problems
            what.append(err.what)
    if issues:
        raise ValidationError(issues, what=" and ".join(dict.fromkeys(what)))
    return results


def _locked_edges(
    registry: Registry,
    policy: Policy,
    candidates: Candidates,
    fixed: tuple[np.ndarray, np.ndarray],
    banned: tuple[np.ndarray, np.ndarray],
    team: TeamArrays,
) -> tuple[np.ndarray, list[str]]:
    """Candidate-edge indices of the locked pairs, and every way the locks break a rule."""
    m = max(len(registry.volunteers), 1)
    keys = unique(fixed[0] * m + fixed[1])  # the same pair locked twice is one lock
    ci, vi = keys // m, keys % m
    if ci.size == 0:
        return np.empty(0, np.int64), []
    pos = candidates.edges(ci, vi)
    found = pos >= 0
    conflicts = []
    cids, vids = registry.child_ids, registry.volunteer_ids
    per_child = np.bincount(ci, minlength=len(cids))
    most = np.ones(len(cids), np.int64) if team.teams is None else team.teams.size_max
    for c in np.flatnonzero(per_child > most).tolist():
        conflicts.append(
            f"child {cids[c]} has {per_child[c]} locked pairs; at most {most[c]} "
            f"{'is' if most[c] == 1 else 'are'} possible"
        )
    # every locked pair takes at least a supporter's share of a slot
    share = 1.0 if team.teams is None else float(policy.support_fraction)
    per_volunteer = np.bincount(vi, minlength=len(vids))
    for v in np.flatnonzero(per_volunteer * share > registry.capacity).tolist():
        conflicts.append(
            f"volunteer {vids[v]} has {per_volunteer[v]} locked pairs, "
            f"capacity {registry.capacity[v]}"
        )
    banned_keys = set((banned[0] * m + banned[1]).tolist())
    for k in np.flatnonzero(~found).tolist():
        c, v = int(ci[k]), int(vi[k])
        conflicts.append(
            f"locked pair ({cids[c]}, {vids[v]}) breaks a hard rule: "
            + "; ".join(broken_rules(registry, policy, c, v, int(keys[k]) in banned_keys))
        )
    t = team.teams
    if t is not None and policy.cover_need_from is not None:
        # a child allowed one volunteer needs her to cover every required need alone
        for k in np.flatnonzero(found).tolist():
            c, v = int(ci[k]), int(vi[k])
            if t.size_max[c] == 1:
                short = t.cover_required[c] & (registry.skill[v] < policy.cover_skill_from)
                if short.any():
                    needs = " and ".join(NEEDS[j] for j in np.flatnonzero(short))
                    conflicts.append(
                        f"locked pair ({cids[c]}, {vids[v]}): the child may have one volunteer, "
                        f"and she does not cover {needs}"
                    )
    return pos[found].astype(np.int64), conflicts


def broken_rules(registry: Registry, policy: Policy, c: int, v: int, banned: bool) -> list[str]:
    """The hard rules pair (child c, volunteer v) breaks, in words (no personal data)."""
    vt = registry.volunteers
    rules = []
    if not registry.consent[c]:
        rules.append("the guardian has not consented")
    if not vt["eligible"].iat[v]:
        rules.append("the volunteer is not eligible")
    if not vt["active"].iat[v]:
        rules.append("the volunteer is not active")
    if registry.capacity[v] <= 0:
        rules.append("the volunteer has no capacity")
    if not policy.allow_cross_county and not registry.same_county(np.array([c]), np.array([v]))[0]:
        rules.append("they are in different counties")
    d = float(great_circle_km(registry.child_xyz[c : c + 1], registry.volunteer_xyz[v : v + 1])[0])
    own = registry.radius_km[v]
    limit = policy.max_distance_km if np.isnan(own) else min(own, policy.max_distance_km)
    if d > limit:
        rules.append(f"they are {d:.1f} km apart, beyond the {limit:g} km limit")
    if banned:
        rules.append("the pair is also forbidden")
    return rules or ["unknown"]
