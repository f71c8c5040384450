"""The verifier is a guard: hand it results broken one rule at a time and each must be
rejected with that rule named. A verifier that always passes fails every test here.

Results are broken the way a bug would break them: the solver choosing other edges (a
child twice, a lock dropped, a team without cover), the candidate search letting a pair
through that a rule forbids (seen here as the registers saying otherwise: no consent,
ineligible, out of reach, another county), or the figures and reasons reported not being
those of the pairs. Each test asserts the exact set of rules the break violates.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.problem import Teams
from pairmatch.solvers.base import level2_value
from pairmatch.verify import Verification
from registers import children as _children
from registers import volunteers as _volunteers


def _plain() -> pm.MatchResult:
    """C1..C3 paired with V1..V3 (one each, nearest), V4 free near C1, C4 without consent."""
    children = _children([
        {"id": "C1", "lon": 111.00, "interests": "chess"},
        {"id": "C2", "lon": 111.02},
        {"id": "C3", "lon": 111.04},
        {"id": "C4", "lon": 111.00, "guardian_consent": False},
    ])  # fmt: skip
    volunteers = _volunteers([
        {"id": "V1", "lon": 111.001, "specialities": "chess"},
        {"id": "V2", "lon": 111.021},
        {"id": "V3", "lon": 111.041},
        {"id": "V4", "lon": 111.003},
    ])  # fmt: skip
    result = pm.match(children, volunteers, pm.Policy(max_distance_km=5))
    assert result.status is pm.Status.OPTIMAL and result.n_paired == 3
    assert _pairs(result) == {("C1", "V1"), ("C2", "V2"), ("C3", "V3")}
    return result


def _team() -> pm.MatchResult:
    """C1 in severe need of study and safety: a team of V1 (study) and V2 (safety);
    V3 (no skills) and V4 (study) free; C2 with V5."""
    children = _children([
        {"id": "C1", "need_study": 3, "need_safety": 3},
        {"id": "C2", "lon": 111.02, "need_study": 1},
    ])  # fmt: skip
    volunteers = _volunteers([
        {"id": "V1", "skill_study": 3, "skill_safety": 0, "max_distance_km": 0.5},
        {"id": "V2", "skill_study": 0, "skill_safety": 3},
        {"id": "V3", "skill_study": 0},
        {"id": "V4", "lon": 111.002, "skill_study": 3, "max_distance_km": 0.5},
        {"id": "V5", "lon": 111.021, "capacity": 2},
    ])  # fmt: skip
    policy = pm.Policy(
        max_distance_km=3, severe_team_size=(1, 3), cover_need_from=3, severe_total_need=6
    )
    result = pm.match(children, volunteers, policy)
    assert result.status is pm.Status.OPTIMAL
    assert _pairs(result) >= {("C1", "V1"), ("C1", "V2"), ("C2", "V5")}
    return result


def _pairs(result: pm.MatchResult) -> set[tuple[str, str]]:
    return set(zip(result.pairs["child_id"], result.pairs["volunteer_id"], strict=True))


def _edge(result: pm.MatchResult, child: str, volunteer: str) -> int:
    reg = result.registry
    c, v = reg.indices_of([(child, volunteer)])
    (edge,) = result.candidates.edges(c, v)
    assert edge >= 0, f"({child}, {volunteer}) is not a candidate pair"
    return int(edge)


def _rechosen(
    result: pm.MatchResult, add: list[tuple[str, str]] = (), drop: list[tuple[str, str]] = ()
) -> pm.MatchResult:
    """The result with other chosen edges, its figures those of the new edges (so that only
    the rules the edges break are broken, not the bound)."""
    sol = result.solution
    chosen = set(np.asarray(sol.chosen).tolist())
    chosen |= {_edge(result, *p) for p in add}
    chosen -= {_edge(result, *p) for p in drop}
    edges = np.array(sorted(chosen), np.int64)
    lead = None
    if sol.lead is not None:  # a team's lead stays; a new child's first member leads
        lead_set = set(np.asarray(sol.lead).tolist()) & chosen
        led = {int(sol.problem.child[e]) for e in lead_set}
        for e in edges.tolist():
            if int(sol.problem.child[e]) not in led:
                lead_set.add(e)
                led.add(int(sol.problem.child[e]))
        lead = np.array(sorted(lead_set), np.int64)
    return _refigured(result, replace(sol, chosen=edges, lead=lead))


def _refigured(result: pm.MatchResult, sol: pm.Solution) -> pm.MatchResult:
    value = level2_value(sol.problem, np.asarray(sol.chosen, np.int64))
    sol = replace(sol, priority_bound=sol.priority_value, score_bound=value)
    return replace(result, solution=sol)


def _with(result: pm.MatchResult, table: str, rid: str, **cells: Any) -> pm.MatchResult:
    """The result as if the register said otherwise of one record."""
    reg = result.registry
    frame = getattr(reg, table).copy()
    row = frame.index[frame["id"] == rid]
    for col, value in cells.items():
        frame[col] = frame[col].astype(object)
        frame.loc[row, col] = value
        frame[col] = frame[col].infer_objects()
    return replace(result, registry=replace(reg, **{table: frame}))


def _with_unmatched(result: pm.MatchResult, child: str, reason: str) -> pm.MatchResult:
    out = replace(result)
    table = result.unmatched.copy()
    table.loc[table["child_id"] == child, "reason"] = reason
    out.__dict__["unmatched"] = table  # the cached table, as a bug would have built it
    return out


def test_the_results_here_are_valid_to_begin_with() -> None:
    for result in (_plain(), _team()):
        assert pm.verify(result).ok, pm.verify(result).violations


# ------------------------------------------------------------------ one rule at a time
def _feasible(result: pm.MatchResult, **bounds: int) -> pm.MatchResult:
    """Not proven optimal, with other bounds (so that only "bound below" can fire)."""
    return replace(result, solution=replace(result.solution, status=pm.Status.FEASIBLE, **bounds))


def _twice(result: pm.MatchResult) -> pm.MatchResult:
    out = replace(result)
    again = result.unmatched.iloc[[0]].assign(child_id="C1", reason="capacity_taken")
    out.__dict__["unmatched"] = pd.concat([result.unmatched, again], ignore_index=True)
    return out


def _dropped(result: pm.MatchResult) -> pm.MatchResult:
    out = replace(result)
    out.__dict__["unmatched"] = result.unmatched[result.unmatched["child_id"] != "C4"]
    return out


BREAKS = {
    "over capacity": (lambda r: _with(r, "volunteers", "V1", capacity=0), {"capacity"}),
    "out of the volunteer's radius": (
        lambda r: _with(r, "volunteers", "V2", max_distance_km=0.01),
        {"distance"},
    ),
    "out of the policy's radius": (
        lambda r: replace(r, policy=r.policy.model_copy(update={"max_distance_km": 0.01})),
        {"distance": 3},  # every pair
    ),
    "a distance that is not the pair's": (
        lambda r: _with(r, "volunteers", "V3", lat=30.002),  # 0.2 km off, still in reach
        {"distance", "fit"},  # the fit's distance penalty is then not the pair's either
    ),
    "no consent": (
        lambda r: _with(r, "children", "C2", guardian_consent=False),
        {"consent", "reasons"},  # and no_consent is then not given for every such child
    ),
    "ineligible volunteer": (lambda r: _with(r, "volunteers", "V3", eligible=False), {"eligible"}),
    "inactive volunteer": (lambda r: _with(r, "volunteers", "V1", active=False), {"active"}),
    "other county": (lambda r: _with(r, "volunteers", "V2", county="Elsewhere"), {"county"}),
    "other city, same county name": (
        lambda r: _with(r, "volunteers", "V2", city="Elsewhere"),
        {"county"},
    ),
    "a child paired twice": (
        lambda r: _rechosen(r, add=[("C1", "V4")]),
        # two pairs for a one-to-one child, so two leads, and her need counted once
        {"team size": 2, "lead": 1, "fit": 1},
    ),
    "a lock not kept": (
        lambda r: _rechosen(
            replace(
                r,
                solution=replace(
                    r.solution,
                    problem=replace(r.solution.problem, locked=np.array([_edge(r, "C1", "V1")])),
                ),
            ),
            add=[("C1", "V4")],
            drop=[("C1", "V1")],
        ),
        {"locked": 2},  # the solver's lock and the records' pair
    ),
    "a forbidden pair": (
        lambda r: replace(r, forbidden_pairs=frozenset({("C3", "V3")})),
        {"forbidden"},
    ),
    "a fit that is not the pair's": (
        lambda r: _with(r, "children", "C1", interests="music"),
        {"fit"},
    ),
    "an objective that is not the pairs'": (
        lambda r: _refigured(
            r,
            replace(
                r.solution, problem=replace(r.solution.problem, score=r.solution.problem.score + 7)
            ),
        ),
        {"objective"},
    ),
    "a bound below the objective": (
        lambda r: _feasible(r, score_bound=r.solution.score_bound - 1),
        {"bound"},
    ),
    "OPTIMAL with a bound above the objective": (
        lambda r: replace(r, solution=replace(r.solution, score_bound=r.solution.score_bound + 1)),
        {"bound"},
    ),
    "a priority bound below the children paired": (
        lambda r: _feasible(r, priority_bound=0),
        {"bound"},
    ),
    "a reason that is not true: no volunteer in reach": (
        lambda r: _with_unmatched(r, "C4", "no_eligible_volunteer_in_reach"),
        {"reasons": 2},  # C4 has volunteers in reach, and lacks consent
    ),
    "a reason that is not true: no consent": (
        lambda r: _with_unmatched(
            _with(r, "children", "C4", guardian_consent=True), "C4", "no_consent"
        ),
        {"reasons"},
    ),
    "a reason that is not true: out of time, yet proven": (
        lambda r: _with_unmatched(r, "C4", "not_paired_in_time"),
        {"reasons": 2},  # a proven optimum, and C4 lacks consent
    ),
    "an unmatched child without a reason": (
        lambda r: _with_unmatched(r, "C4", ""),
        {"records accounted for", "reasons"},  # C4 has no consent: no_consent is due
    ),
    "a child lost": (_dropped, {"records accounted for", "reasons"}),
    # listed twice, and so not exactly the children given
    "a child both paired and unmatched": (_twice, {"records accounted for": 2}),
}


def _lead_outside(result: pm.MatchResult) -> pm.MatchResult:
    """C1's lead is V4, who is not in her team."""
    sol = result.solution
    c1 = result.registry.child_index.get_loc("C1")
    lead = {e for e in np.asarray(sol.lead).tolist() if sol.problem.child[e] != c1}
    lead.add(_edge(result, "C1", "V4"))
    return replace(result, solution=replace(sol, lead=np.array(sorted(lead), np.int64)))


def _two_leads_for_one(result: pm.MatchResult) -> pm.MatchResult:
    """V5 (room for two) leads C2; let her lead C1 too, under a cap of one lead."""
    broken = _rechosen(result, add=[("C1", "V5")])
    sol = broken.solution
    c1 = result.registry.child_index.get_loc("C1")
    lead = {e for e in np.asarray(sol.lead).tolist() if sol.problem.child[e] != c1}
    lead.add(_edge(result, "C1", "V5"))
    broken = replace(broken, solution=replace(sol, lead=np.array(sorted(lead), np.int64)))
    policy = broken.policy.model_copy(update={"max_leads": 1})
    return replace(broken, policy=policy)


TEAM_BREAKS = {
    "a team too large": (
        lambda r: _rechosen(r, add=[("C1", "V3"), ("C1", "V4")]),
        {"team size": 2},
    ),
    "a team that does not cover a severe need": (
        lambda r: _rechosen(r, add=[("C1", "V4")], drop=[("C1", "V2")]),
        {"coverage": 2},
    ),
    "two leads": (
        lambda r: replace(r, solution=replace(r.solution, lead=np.asarray(r.solution.chosen))),
        {"lead": 2},
    ),
    "a lead who is not a member": (_lead_outside, {"lead": 2}),
    "over capacity by supporting": (
        lambda r: _with(r, "volunteers", "V2", capacity=0),
        {"capacity"},
    ),
    "a team size the child's record refuses": (
        lambda r: _with(r, "children", "C1", team_max=1),
        {"team size"},
    ),
    "more leads than the cap": (_two_leads_for_one, {"max leads"}),
}


# ------------------------------------------------------------------ the solver's layer
def _problem(**changes: Any) -> pm.Problem:
    """Two children, two volunteers, every pair allowed."""
    base = dict(
        n_children=2, n_volunteers=2, child=[0, 0, 1, 1], volunteer=[0, 1, 0, 1],
        score=[5, 1, 4, 2], priority=[1, 1],
    )  # fmt: skip
    return pm.Problem(**(base | changes))


def _solution(problem: pm.Problem, chosen: list[int], **changes: Any) -> pm.Solution:
    edges = np.array(chosen, np.int64)
    sol = pm.Solution(problem, edges, pm.Status.OPTIMAL, 0, 0, "test")
    if edges.size and edges.max() < problem.n_edges:
        sol = replace(sol, priority_bound=sol.priority_value, score_bound=sol.score_value)
    return replace(sol, **changes)


SOLUTION_BREAKS = {
    "valid": (lambda: _solution(_problem(), [0, 3]), set()),
    "an edge that does not exist": (lambda: _solution(_problem(), [0, 9]), {"edges"}),
    "an edge twice": (lambda: _solution(_problem(), [0, 0]), {"edges"}),
    "a child paired twice": (
        lambda: _solution(_problem(capacity=[2, 2]), [0, 1]),
        {"team size"},
    ),
    "over capacity": (lambda: _solution(_problem(), [0, 2]), {"capacity"}),
    "a child that must be paired is not": (
        lambda: _solution(_problem(must_pair=[False, True]), [0]),
        {"must pair"},
    ),
    "a lock not kept": (lambda: _solution(_problem(locked=[1]), [0, 3]), {"locked"}),
    "a bound below the value": (
        lambda: _solution(_problem(), [0, 3], score_bound=6, status=pm.Status.FEASIBLE),
        {"bound"},
    ),
    "OPTIMAL, but the bound is above": (
        lambda: _solution(_problem(), [0, 3], score_bound=8),
        {"bound"},
    ),
    "INFEASIBLE with pairs": (
        lambda: _solution(_problem(), [0], status=pm.Status.INFEASIBLE, reasons=("none",)),
        {"status"},
    ),
    "INFEASIBLE without a reason": (
        lambda: _solution(_problem(), [], status=pm.Status.INFEASIBLE),
        {"status"},
    ),
}


def _teams(**changes: Any) -> Teams:
    base = dict(
        size_min=np.array([1, 1]), size_max=np.array([2, 1]),
        support_load=np.ones(4, np.int64),
        cover_required=np.array([[True, False], [False, False]]),
        covers=np.array([[True, False], [False, True], [False, False], [True, True]]),
        category_value=np.zeros((4, 2), np.int64),
    )  # fmt: skip
    return Teams(**(base | changes))


TEAM_SOLUTION_BREAKS = {
    "valid": (lambda: _solution(_problem(teams=_teams()), [0, 3], lead=np.array([0, 3])), set()),
    "a team too large": (
        lambda: _solution(_problem(teams=_teams(size_max=np.array([1, 1])), capacity=[2, 2]),
                          [0, 1, 3], lead=np.array([0, 3])),
        {"team size"},
    ),
    "no cover": (
        lambda: _solution(_problem(teams=_teams()), [1, 2], lead=np.array([1, 2])),
        {"coverage"},
    ),
    "two leads": (
        lambda: _solution(_problem(teams=_teams(), capacity=[1, 2]), [0, 1, 3],
                          lead=np.array([0, 1, 3])),
        {"lead"},
    ),
    "a lead who is not a member": (
        lambda: _solution(_problem(teams=_teams()), [0, 3], lead=np.array([1, 3])),
        {"lead"},
    ),
    "more leads than the cap": (
        lambda: _solution(_problem(teams=_teams(max_leads=np.array([1, 1])), capacity=[2, 2]),
                          [0, 2], lead=np.array([0, 2])),
        {"max leads"},
    ),
    "over capacity by supporting": (
        lambda: _solution(_problem(teams=_teams(support_load=np.full(4, 2)), capacity=[1, 2]),
                          [0, 1, 3], lead=np.array([0, 3])),
        {"capacity"},
    ),
}  # fmt: skip


def _given(more_children: bool) -> tuple[pm.MatchResult, dict[str, Any]]:
    """The registers as given to verify(): one child more, or one volunteer fewer."""
    result = _plain()
    children, volunteers = result.children.copy(), result.volunteers.copy()
    if more_children:
        children = pd.concat([children, children.iloc[[0]].assign(id="C9")], ignore_index=True)
    else:
        volunteers = volunteers.iloc[1:]
    return result, {"children": children, "volunteers": volunteers}


#: Every case: (build the broken result, or (result, verify's keywords); the rules it
#: breaks, each once, or as often as a dict says: where the solver's layer and the
#: records' layer both check a rule, each names it).
CASES: dict[str, tuple[Callable[[], Any], set[str] | dict[str, int]]] = {
    **{f"result: {k}": ((lambda f=f: f(_plain())), rules) for k, (f, rules) in BREAKS.items()},
    **{f"team: {k}": ((lambda f=f: f(_team())), rules) for k, (f, rules) in TEAM_BREAKS.items()},
    **{f"solution: {k}": case for k, case in SOLUTION_BREAKS.items()},
    **{f"team solution: {k}": case for k, case in TEAM_SOLUTION_BREAKS.items()},
    "registers given: a child not accounted for": (
        lambda: _given(True),
        {"records accounted for"},
    ),
    "registers given: other volunteers": (lambda: _given(False), {"records accounted for"}),
}


def _violations(built: Any) -> list[str]:
    result, given = built if isinstance(built, tuple) else (built, {})
    return pm.verify(result, **given).violations


def _rules(built: Any) -> Counter[str]:
    return Counter(v.split(":", 1)[0] for v in _violations(built))


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_result_broken_one_rule_at_a_time_is_rejected_with_the_rule_named(case: str) -> None:
    build, rules = CASES[case]
    built = build()
    assert _rules(built) == Counter(rules)
    if rules:
        result, given = built if isinstance(built, tuple) else (built, {})
        with pytest.raises(pm.VerificationError) as err:
            pm.verify(result, **given).raise_if_failed()
        assert all(f"{rule}:" in str(err.value) for rule in rules)


def _fail_sites() -> list[tuple[int, int]]:
    """The lines of every ``r.fail(...)`` call in verify.py: each is one check."""
    tree = ast.parse(Path(inspect.getfile(Verification)).read_text(encoding="utf-8"))
    return sorted(
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "fail"
    )


def test_every_check_of_the_verifier_is_needed_by_a_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation, in the suite: silence one check at a time (its ``fail`` calls do nothing)
    and some case above must then see other rules broken; so a verifier whose failure path
    is a no-op, or that loses any one check, fails this file."""
    built = {name: build() for name, (build, _) in CASES.items()}
    expected = {name: _violations(b) for name, b in built.items()}
    sites = _fail_sites()
    assert len(sites) >= 25
    fail = Verification.fail
    unneeded = []
    for lo, hi in sites:

        def silenced(self: Verification, rule: str, message: str, lo: int = lo, hi: int = hi):
            if not lo <= sys._getframe(1).f_lineno <= hi:
                fail(self, rule, message)

        monkeypatch.setattr(Verification, "fail", silenced)
        if all(_violations(b) == expected[name] for name, b in built.items()):
            unneeded.append(lo)
    monkeypatch.setattr(Verification, "fail", fail)
    assert not unneeded, f"no case needs the checks at these lines of verify.py: {unneeded}"
