"""An independent checker: does a result obey every hard rule it claims to?

It re-derives everything from the registers themselves (never from the candidate arrays or
the solver's model): distances with the haversine formula from the raw coordinates, tags
from their text, capacities by counting. Tests call it on every result they produce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pairmatch.errors import ArgumentTypeError, VerificationError
from pairmatch.model.vocab import NEEDS
from pairmatch.office.places import place_key
from pairmatch.registry import EARTH_RADIUS_KM
from pairmatch.solvers.base import Solution, Status

__all__ = ["Verification", "VerificationError", "haversine_km", "verify"]

_KM_TOL = 1e-6


@dataclass
class Verification:
    """What :func:`verify` found. Truthy when nothing is wrong."""

    violations: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every hard rule holds (also ``bool(verification)``)."""
        return not self.violations

    def __bool__(self) -> bool:
        return self.ok

    def fail(self, rule: str, message: str) -> None:
        """Record a broken rule (used by the checks)."""
        self.violations.append(f"{rule}: {message}")

    def raise_if_failed(self) -> Verification:
        """Raise :class:`VerificationError` listing the broken rules, if any; else return self."""
        if self.violations:
            shown = "\n  - ".join(self.violations[:30])
            raise VerificationError(f"{len(self.violations)} violations:\n  - {shown}")
        return self

    def __repr__(self) -> str:
        return (
            f"Verification(ok={self.ok}, violations={len(self.violations)}, "
            f"checks={len(self.checked)})"
        )


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance (km) by the haversine formula, element-wise."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def verify(result: Any, *, children: Any = None, volunteers: Any = None) -> Verification:
    """Check a :class:`~pairmatch.MatchResult` or a :class:`~pairmatch.solvers.Solution`.

    Parameters
    ----------
    result:
        What :func:`pairmatch.match` or :func:`pairmatch.solve` returned.
    children, volunteers:
        Optionally the registers as the user gave them; then the check also proves that
        every child given is accounted for (paired or unmatched with a reason).

    Examples
    --------
    >>> import pairmatch as pm
    >>> result = pm.match(*pm.synth.county(200, seed=3))
    >>> pm.verify(result).ok
    True
    """
    if isinstance(result, Solution):
        return _verify_solution(result)
    from pairmatch.result import MatchResult

    if not isinstance(result, MatchResult):
        raise ArgumentTypeError(
            f"verify() takes a MatchResult or Solution, got {type(result).__name__}"
        )
    report = _verify_solution(result.solution)
    _verify_match(result, report, children, volunteers)
    return report


def _verify_solution(sol: Solution) -> Verification:
    r = Verification()
    p = sol.problem
    e = np.asarray(sol.chosen, np.int64)
    r.checked.append("edges")
    if e.size and (e.min() < 0 or e.max() >= p.n_edges or np.unique(e).size != e.size):
        r.fail("edges", "chosen edge indices are out of range or repeated")
        return r
    if not sol.has_solution:
        if e.size:
            r.fail("status", f"status {sol.status.value} but {e.size} edges chosen")
        if sol.status is Status.INFEASIBLE and not sol.reasons:
            r.fail("status", "INFEASIBLE without a reason")
        return r
    r.checked += ["team size", "capacity", "must pair", "locked", "bound"]
    per_child = np.bincount(p.child[e], minlength=p.n_children)
    used = np.zeros(p.n_volunteers, np.int64)
    if p.teams is None:
        for c in np.flatnonzero(per_child > 1):
            r.fail("team size", f"child index {c} has {per_child[c]} pairs")
        np.add.at(used, p.volunteer[e], p.load[e])
    else:
        _verify_teams(sol, r, per_child, used)
    for v in np.flatnonzero(used > p.capacity):
        r.fail("capacity", f"volunteer index {v} uses {used[v]} of capacity {p.capacity[v]}")
    for c in np.flatnonzero(p.must_pair & (per_child == 0)):
        r.fail("must pair", f"child index {c} must be paired but is not")
    missing = np.setdiff1d(p.locked, e)
    if missing.size:
        r.fail("locked", f"{missing.size} locked edges are not chosen")
    value = int(p.score[e].sum())
    if p.teams is not None:  # each (child, category) counts its best member once
        for c in set(p.child[e].tolist()):
            value += int(p.teams.category_value[e[p.child[e] == c]].max(axis=0).sum())
    if p.fair_load is not None and p.overload_penalty:  # fairness, counted here by hand
        count = np.zeros(p.n_volunteers, np.int64)
        for vol in p.volunteer[e].tolist():
            count[vol] += 1
        value -= p.overload_penalty * int(np.clip(count - p.fair_load, 0, None).sum())
    prio = int(p.priority[list(set(p.child[e].tolist()))].sum())
    if sol.priority_bound < prio or (sol.score_bound < value and sol.priority_bound == prio):
        r.fail("bound", "a bound is below the value it bounds")
    if sol.status is Status.OPTIMAL and (sol.priority_bound != prio or sol.score_bound != value):
        r.fail("bound", "OPTIMAL but the bound differs from the objective")
    return r


_OWNER = ("province", "city", "county")


def _names(table: pd.DataFrame, level: str) -> np.ndarray:
    """A level's names as :func:`~pairmatch.office.places.place_key` reads them (秭归县 and
    秭归 are one county), cell by cell: the verifier shares no code with the registry."""
    names = table[level].astype(str).to_numpy(object)
    distinct, inverse = np.unique(names, return_inverse=True)
    return np.array([place_key(x, level) for x in distinct.tolist()], dtype=object)[inverse]


def _same_county(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Row-wise: one county (by name), and one province and city wherever both are given."""
    same = _names(a, "county") == _names(b, "county")
    for level in ("province", "city"):
        x, y = _names(a, level), _names(b, level)
        same &= (x == y) | (x == "") | (y == "")
    return same


def _verify_teams(sol: Solution, r: Verification, per_child: np.ndarray, used: np.ndarray) -> None:
    """Team sizes, exactly one lead per paired child, coverage, and loads by role."""
    p, t, e = sol.problem, sol.problem.teams, np.asarray(sol.chosen, np.int64)
    assert t is not None
    lead = np.asarray(sol.leads, np.int64)
    r.checked += ["lead", "coverage"]
    if np.setdiff1d(lead, e).size:
        r.fail("lead", "a lead is not a member of her team")
    leads_of = np.bincount(p.child[lead], minlength=p.n_children)
    paired = per_child > 0
    for c in np.flatnonzero(paired & (leads_of != 1)):
        r.fail("lead", f"child index {c} has {leads_of[c]} leads")
    for c in np.flatnonzero(paired & ((per_child < t.size_min) | (per_child > t.size_max))):
        r.fail("team size", f"child index {c} has {per_child[c]} members, "
               f"allowed {t.size_min[c]}..{t.size_max[c]}")  # fmt: skip
    covered = np.zeros(t.cover_required.shape, bool)
    np.logical_or.at(covered, p.child[e], t.covers[e])
    for c in np.flatnonzero(paired & (t.cover_required & ~covered).any(axis=1)):
        r.fail("coverage", f"child index {c} has a required category no member covers")
    is_lead = np.isin(e, lead)
    np.add.at(used, p.volunteer[e], np.where(is_lead, p.load[e], t.support_load[e]))
    if t.max_leads is not None:
        r.checked.append("max leads")
        led = np.bincount(p.volunteer[lead], minlength=p.n_volunteers)
        for v in np.flatnonzero(led > t.max_leads):
            r.fail("max leads", f"volunteer index {v} leads {led[v]}, at most {t.max_leads[v]}")


def _tags(cell: Any) -> set[str]:
    return {t for t in str(cell).split(";") if t} if isinstance(cell, str) else set()


def _verify_match(result: Any, r: Verification, children: Any, volunteers: Any) -> None:
    """Every rule a result must obey, checked from its tables (the ledger's view)."""
    ct = result.children.set_index("id", drop=False)
    vt = result.volunteers.set_index("id", drop=False)
    _verify_accounting(result, r, ct, vt, children, volunteers)
    pairs = result.pairs
    if len(pairs):
        r.checked += [
            "consent",
            "eligible",
            "active",
            "capacity",
            "county",
            "distance",
            "fit",
            "forbidden",
            "locked",
            "objective",
        ]
        c = ct.loc[pairs["child_id"]]
        v = vt.loc[pairs["volunteer_id"]]
        _verify_pair_rules(result, r, c, v, ct, vt)
        d = _verify_distances(result, r, c, v)
        _verify_fit(result, r, c, v, d)
        _verify_objective(result, r)
        _verify_locked_and_forbidden(result, r)
    _verify_unmatched(result, r, ct, vt)


def _verify_accounting(
    result: Any, r: Verification, ct: pd.DataFrame, vt: pd.DataFrame, children: Any,
    volunteers: Any,
) -> None:  # fmt: skip
    """Every child given is paired or unmatched (with a reason), once; the volunteers are
    those given."""
    from pairmatch.io import read_children, read_volunteers

    pairs, unmatched = result.pairs, result.unmatched
    r.checked.append("records accounted for")
    given = [ct.index]
    if children is not None:
        given.append(pd.Index(read_children(children)["id"]))
    if volunteers is not None and set(read_volunteers(volunteers)["id"]) != set(vt.index):
        r.fail("records accounted for", "the volunteers matched differ from those given")
    paired_ids = pairs["child_id"].drop_duplicates()  # a team has one row per member
    seen = pd.concat([paired_ids, unmatched["child_id"]], ignore_index=True)
    if seen.duplicated().any():
        r.fail("records accounted for", f"{int(seen.duplicated().sum())} children listed twice")
    for ids in given:
        if set(seen) != set(ids) or len(seen) != len(ids):
            r.fail("records accounted for", "paired + unmatched is not exactly the children given")
    if (unmatched["reason"].astype(str) == "").any():
        r.fail("records accounted for", "an unmatched child has no reason")


def _verify_pair_rules(
    result: Any, r: Verification, c: pd.DataFrame, v: pd.DataFrame, ct: pd.DataFrame,
    vt: pd.DataFrame,
) -> None:  # fmt: skip
    """Each pair's child consented, its volunteer is eligible and active, no volunteer is
    over capacity, the team rules hold, and pairs stay in their county."""
    policy, pairs = result.policy, result.pairs
    for rule, bad in (
        ("consent", ~c["guardian_consent"].to_numpy(bool)),
        ("eligible", ~v["eligible"].to_numpy(bool)),
        ("active", ~v["active"].to_numpy(bool)),
    ):
        for i in np.flatnonzero(bad):
            r.fail(rule, f"pair ({pairs['child_id'].iat[i]}, {pairs['volunteer_id'].iat[i]})")
    lead = pairs["role"].to_numpy(object) == "lead"
    share = np.where(lead, 1.0, policy.support_load)
    load = pd.Series(share, index=pairs["volunteer_id"].to_numpy(object)).groupby(level=0).sum()
    over = load[load > vt.loc[load.index, "capacity"].to_numpy() + 1e-9]
    for vid, k in over.items():
        capacity = int(vt.at[vid, "capacity"])  # type: ignore[arg-type]
        r.fail("capacity", f"volunteer {vid} has load {k:g}, capacity {capacity}")
    _verify_team_rules(result, r, pairs, ct, vt, lead)
    if not policy.allow_cross_county:
        other = ~_same_county(c, v)
        for i in np.flatnonzero(other):
            r.fail("county", f"pair ({pairs['child_id'].iat[i]}, {pairs['volunteer_id'].iat[i]})")


def _verify_distances(result: Any, r: Verification, c: pd.DataFrame, v: pd.DataFrame) -> Any:
    """Each pair within both travel limits, at the distance it reports; the distances."""
    policy, pairs = result.policy, result.pairs
    d = haversine_km(
        c["lat"].to_numpy(float),
        c["lon"].to_numpy(float),
        v["lat"].to_numpy(float),
        v["lon"].to_numpy(float),
    )
    own = v["max_distance_km"].to_numpy(float)
    limit = np.fmin(own, policy.max_distance_km)
    for i in np.flatnonzero(d > limit + _KM_TOL):
        r.fail("distance", f"pair {i} is {d[i]:.4f} km apart, limit {limit[i]:g}")
    for i in np.flatnonzero(np.abs(d - pairs["distance_km"].to_numpy(float)) > 1e-3):
        r.fail("distance", f"pair {i} reports {pairs['distance_km'].iat[i]:.4f} km, is {d[i]:.4f}")
    return d


def _verify_fit(
    result: Any, r: Verification, c: pd.DataFrame, v: pd.DataFrame, d: np.ndarray
) -> None:
    """Each child's fit, re-derived: per need category its best member once, plus every
    member's tags, preferences and distance."""
    policy, pairs = result.policy, result.pairs
    need = c[[f"need_{k}" for k in NEEDS]].to_numpy(float)
    skill = v[[f"skill_{k}" for k in NEEDS]].to_numpy(float)
    weights = np.array([policy.need_weights[k] for k in NEEDS])
    shared = np.array(
        [len(_tags(a) & _tags(b)) for a, b in zip(c["interests"], v["specialities"], strict=True)]
    )
    own = (
        policy.tag_bonus * shared - policy.distance_penalty_per_km * d + _preferences(policy, c, v)
    )
    per_category = pd.DataFrame(need * skill * weights).groupby(pairs["child_id"].to_numpy()).max()
    expected = per_category.sum(axis=1) + pd.Series(own).groupby(pairs["child_id"].to_numpy()).sum()
    reported = pairs.groupby("child_id")["fit"].sum()
    members = pairs.groupby("child_id").size()
    tol = policy.score_resolution * (members + len(NEEDS)) / 2 + 1e-6
    wrong = (expected - reported).abs() > tol
    for cid in wrong[wrong].index:
        r.fail("fit", f"child {cid} reports fit {reported[cid]:.4f}, is {expected[cid]:.4f}")


def _verify_objective(result: Any, r: Verification) -> None:
    """The objective is the fit of all pairs minus the fairness penalty (plus the
    stability bonus), re-counted."""
    policy, pairs = result.policy, result.pairs
    fair = result.solution.problem.fair_load
    penalty = 0.0
    if fair is not None and policy.fairness_penalty:
        count = pairs["volunteer_id"].value_counts()
        share = pd.Series(fair, index=result.registry.volunteer_ids).loc[count.index]
        penalty = policy.fairness_penalty * float((count - share).clip(lower=0).sum())
    total = pairs["fit"].sum() - penalty + result.stability_bonus
    if abs(total - result.objective) > 1e-6 * max(1.0, abs(result.objective)) + 1e-6:
        r.fail("objective", f"objective {result.objective} != pair fits - fairness {total}")


def _verify_locked_and_forbidden(result: Any, r: Verification) -> None:
    """Every locked pair is made, and no forbidden one."""
    pairs = result.pairs
    made = set(zip(pairs["child_id"], pairs["volunteer_id"], strict=True))
    reg = result.registry
    p = result.solution.problem
    for e in p.locked:
        pair = (reg.child_ids[p.child[e]], reg.volunteer_ids[p.volunteer[e]])
        if pair not in made:
            r.fail("locked", f"locked pair {pair} is not made")
    for pair in result.forbidden_pairs:
        if pair in made:
            r.fail("forbidden", f"forbidden pair {pair} is made")


def _preferences(policy: Any, c: pd.DataFrame, v: pd.DataFrame) -> np.ndarray:
    """Soft-preference points of each pair, from the register text."""
    points = np.zeros(len(c))
    if "preferred_gender" in c.columns and "gender" in v.columns:
        want = c["preferred_gender"].astype(str).to_numpy(object)
        got = v["gender"].astype(str).to_numpy(object)
        points += policy.gender_bonus * ((want != "") & (want == got))
    same = _names(c, "county") == _names(v, "county")
    for level, bonus in (
        ("township", policy.same_township_bonus),
        ("village", policy.same_village_bonus),
    ):
        here = _names(c, level)
        same = same & (here == _names(v, level)) & (here != "")
        points += bonus * same
    return points


def _verify_team_rules(
    result: Any,
    r: Verification,
    pairs: pd.DataFrame,
    ct: pd.DataFrame,
    vt: pd.DataFrame,
    lead: np.ndarray,
) -> None:
    """One lead per paired child, team sizes, coverage and the lead cap, re-derived from the
    registers and the policy."""
    policy = result.policy
    r.checked += ["lead", "team size", "coverage", "max leads"]
    ids = pairs["child_id"].to_numpy(object)
    leads = pd.Series(lead.astype(int), index=ids).groupby(level=0).sum()
    for cid in leads.index[leads.to_numpy() != 1]:
        r.fail("lead", f"child {cid} has {leads[cid]} leads")
    size = pd.Series(1, index=ids).groupby(level=0).sum()
    kids = ct.loc[size.index]
    need = kids[[f"need_{k}" for k in NEEDS]].to_numpy(int)
    low = np.full(len(kids), policy.team_size[0])
    high = np.full(len(kids), policy.team_size[1])
    if policy.severe_team_size is not None:
        severe = (need.sum(axis=1) >= policy.severe_total_need) | (
            need.max(axis=1) >= policy.severe_need
        )
        low = np.where(severe, policy.severe_team_size[0], low)
        high = np.where(severe, policy.severe_team_size[1], high)
    for name, bound in (("team_min", low), ("team_max", high)):
        if name in kids.columns:
            given = pd.to_numeric(kids[name], errors="coerce").to_numpy(float)
            bound[:] = np.where(np.isnan(given), bound, given)
    bad = (size.to_numpy() < low) | (size.to_numpy() > high)
    for i in np.flatnonzero(bad).tolist():
        r.fail("team size", f"child {size.index[i]} has {size.iat[i]}, allowed {low[i]}..{high[i]}")
    if policy.cover_need_from is not None:
        skill = vt.loc[pairs["volunteer_id"], [f"skill_{k}" for k in NEEDS]].to_numpy(int)
        covered = pd.DataFrame(skill >= policy.cover_skill_from).groupby(ids).any()
        required = pd.DataFrame(need >= policy.cover_need_from, index=size.index)
        gap = required.to_numpy() & ~covered.loc[size.index].to_numpy()
        for i in np.flatnonzero(gap.any(axis=1)).tolist():
            missing = [NEEDS[k] for k in np.flatnonzero(gap[i])]
            r.fail("coverage", f"child {size.index[i]}: no member covers {', '.join(missing)}")
    if policy.max_leads is not None:
        led = pairs.loc[lead, "volunteer_id"].value_counts()
        for vid, k in led[led > policy.max_leads].items():
            r.fail("max leads", f"volunteer {vid} leads {k}, at most {policy.max_leads}")


def _verify_unmatched(result: Any, r: Verification, ct: pd.DataFrame, vt: pd.DataFrame) -> None:
    """Reasons must be true: no_consent exactly for children without consent, and
    no_eligible_volunteer_in_reach only where a brute-force search finds nobody in reach."""
    if not result.solution.has_solution:
        return
    r.checked.append("reasons")
    policy = result.policy
    um = result.unmatched
    no_consent = set(ct.index[~ct["guardian_consent"].to_numpy(bool)])
    said = set(um.loc[um["reason"] == "no_consent", "child_id"])
    if said != no_consent:
        r.fail("reasons", "no_consent is not given exactly for the children without consent")
    if result.solution.status is Status.OPTIMAL and (um["reason"] == "not_paired_in_time").any():
        r.fail("reasons", "not_paired_in_time given for a proven optimum")
    pool = vt[vt["eligible"] & vt["active"] & (vt["capacity"] > 0)]
    for cid in um.loc[um["reason"] == "no_eligible_volunteer_in_reach", "child_id"]:
        child = ct.loc[cid]
        here = pd.DataFrame({k: [child[k]] * len(pool) for k in _OWNER}, index=pool.index)
        cand = pool if policy.allow_cross_county else pool[_same_county(here, pool)]
        d = haversine_km(
            child["lat"], child["lon"], cand["lat"].to_numpy(float), cand["lon"].to_numpy(float)
        )
        limit = np.fmin(cand["max_distance_km"].to_numpy(float), policy.max_distance_km)
        if np.any(d <= limit - _KM_TOL):
            r.fail("reasons", f"child {cid} is said to have no volunteer in reach, but has")
