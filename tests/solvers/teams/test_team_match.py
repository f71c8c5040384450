"""Teams end to end, and the why / why-not answers tested for truth: every reason, every
alternative's cost and every recruitment promise is checked by changing the registers and
matching again."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.model.vocab import NEEDS
from pairmatch.verify import haversine_km

TEAMS = pm.Policy(max_distance_km=4, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5)


def _children(rows: list[dict]) -> pd.DataFrame:
    base = {
        "lat": 30.0, "lon": 111.0, "county": "K", "township": "T", "village": "V",
        "category": "left_behind", "need_study": 0, "need_life": 0, "need_psychological": 0,
        "need_safety": 0, "interests": "", "guardian_consent": True,
    }  # fmt: skip
    return pd.DataFrame([base | r for r in rows])


def _volunteers(rows: list[dict]) -> pd.DataFrame:
    base = {
        "lat": 30.0, "lon": 111.001, "county": "K", "township": "T", "village": "V",
        "skill_study": 0, "skill_life": 0, "skill_psychological": 0, "skill_safety": 0,
        "specialities": "", "capacity": 1, "eligible": True, "gender": "",
    }  # fmt: skip
    return pd.DataFrame([base | r for r in rows])


@pytest.fixture(scope="module")
def team_county() -> tuple[pd.DataFrame, pd.DataFrame, pm.MatchResult]:
    children, volunteers = pm.synth.county(150, seed=5)
    return children, volunteers, pm.match(children, volunteers, TEAMS)


def test_teams_are_verified_and_complete(team_county) -> None:
    children, volunteers, result = team_county
    assert result.status is pm.Status.OPTIMAL and result.gap == 0
    assert pm.verify(result, children=children, volunteers=volunteers).ok
    ledger = result.ledger()
    assert len(ledger) == len(children) and ledger["child_id"].is_unique
    assert (ledger["team_size"] > 1).any()  # the policy really produced teams
    pairs = result.pairs
    assert (pairs.groupby("child_id")["role"].apply(lambda r: (r == "lead").sum()) == 1).all()
    assert pairs["fit"].sum() == pytest.approx(result.objective)
    paired = ledger[ledger["status"] == "paired"]
    supporters = paired["support_ids"].map(lambda ids: len(ids.split(";")) if ids else 0)
    assert (paired["team_size"] == 1 + supporters).all()


def test_team_explanation_names_roles_and_counts_each_need_once(team_county) -> None:
    _, _, result = team_county
    ledger = result.ledger()
    child = ledger.loc[ledger["team_size"] > 1, "child_id"].iat[0]
    data = result.explain(child).as_dict()
    team = data["team"]
    assert [m["role"] for m in team] == ["lead"] + ["support"] * (len(team) - 1)
    counted = [k for m in team for k in m["counted_needs"]]
    assert len(counted) == len(set(counted))  # each need category credited to one member
    assert sum(m["fit"] for m in team) == pytest.approx(data["fit"]["total"])
    text = str(result.explain(child))
    assert f"team of {len(team)}" in text and all(m["volunteer_id"] in text for m in team)


def test_coverage_impossible_names_the_missing_skill_and_team_size() -> None:
    children = _children([
        {"id": "C1", "need_psychological": 3},
        {"id": "C2", "need_study": 3, "need_psychological": 3},
        {"id": "C3", "need_study": 3, "need_psychological": 3, "team_max": 2},
    ])  # fmt: skip
    volunteers = _volunteers([
        {"id": "V1", "skill_study": 3, "capacity": 3},
        {"id": "V2", "skill_psychological": 1, "capacity": 3},
    ])  # fmt: skip
    result = pm.match(children, volunteers, pm.Policy(cover_need_from=3))
    why = result.unmatched.set_index("child_id")
    assert why.at["C1", "reason"] == "coverage_impossible"
    assert "psychological" in why.at["C1", "detail"]
    # psychological skill 1 is below the default threshold 2: nobody covers it
    assert why.at["C2", "reason"] == "coverage_impossible"
    more = volunteers.copy()
    more.loc[1, "skill_psychological"] = 2
    result = pm.match(children, more, pm.Policy(cover_need_from=3))
    why = result.unmatched.set_index("child_id")
    assert why.at["C2", "reason"] == "coverage_impossible"
    assert "no single volunteer" in why.at["C2", "detail"]
    assert "C3" in set(result.pairs["child_id"])  # a team of two covers both
    assert set(result.pairs.loc[result.pairs["child_id"] == "C3", "volunteer_id"]) == {"V1", "V2"}
    assert pm.verify(result).ok


def test_capacity_taken_child_is_paired_when_one_volunteer_gets_one_more_slot(county) -> None:
    children, volunteers = county
    policy = pm.Policy(max_distance_km=3)
    result = pm.match(children, volunteers, policy)
    taken = result.unmatched[result.unmatched["reason"] == "capacity_taken"]
    assert len(taken) >= 3
    reg, cand = result.registry, result.candidates
    for cid, prio in zip(taken["child_id"][:5], taken["priority"][:5], strict=True):
        c = int(np.flatnonzero(reg.child_ids == cid)[0])
        best = cand.volunteer[cand.child == c][np.argmax(cand.score[cand.child == c])]
        more = volunteers.copy()
        row = more["id"] == reg.volunteer_ids[best]
        more.loc[row, "capacity"] += 1
        again = pm.match(children, more, policy)
        # capacity, and nothing else, held this child back: one more slot pairs it or
        # someone at least as needy
        assert again.priority_paired >= result.priority_paired + prio


def test_no_volunteer_in_reach_is_true_by_brute_force(county) -> None:
    children, volunteers = county
    result = pm.match(children, volunteers, pm.Policy(max_distance_km=2))
    far = result.unmatched[result.unmatched["reason"] == "no_eligible_volunteer_in_reach"]
    assert len(far)
    pool = volunteers[volunteers["eligible"] & volunteers["active"] & (volunteers["capacity"] > 0)]
    kids = children.set_index("id").loc[far["child_id"]]
    for _, child in kids.iterrows():
        here = pool[pool["county"] == child["county"]]
        d = haversine_km(child["lat"], child["lon"], here["lat"], here["lon"])
        assert np.all(d > 2 - 1e-9)


def test_alternatives_cost_what_resolving_with_the_pair_locked_costs(county) -> None:
    children, volunteers = county
    policy = pm.Policy(max_distance_km=4)
    result = pm.match(children, volunteers, policy)
    child = result.pairs["child_id"].iat[10]
    options = result.alternatives(child, k=3)
    assert 1 <= len(options) <= 3 and options["feasible"].all()
    assert (options["objective_change"] <= 1e-9).all()  # the pairing is optimal
    assert child not in set(options["volunteer_id"])
    for _, row in options.iterrows():
        forced = pm.match(children, volunteers, policy, locked=[(child, row["volunteer_id"])])
        assert forced.priority_paired - result.priority_paired == row["priority_change"]
        assert forced.objective - result.objective == pytest.approx(row["objective_change"])


def test_shortfall_promise_is_kept_when_the_recruits_join(county) -> None:
    children, volunteers = county
    policy = pm.Policy(max_distance_km=3)
    result = pm.match(children, volunteers, policy)
    table = result.shortfall(capacity=2)
    plan = table.attrs["plan"]
    assert table.attrs["status"] == "OPTIMAL" and len(plan)
    promised = int(table["children_paired"].sum())
    assert promised == int(plan["children_paired"].sum())
    kids = children.set_index("id")
    recruits = pd.DataFrame(
        {
            "id": [f"NEW{i:03d}" for i in range(len(plan))],
            "lat": kids.loc[plan["site_child_id"], "lat"].to_numpy(),
            "lon": kids.loc[plan["site_child_id"], "lon"].to_numpy(),
            **{k: plan[k].to_numpy() for k in ("province", "city", "county", "township")},
            "village": plan["village"].to_numpy(),
            **{f"skill_{k}": plan[f"skill_{k}"].to_numpy() for k in NEEDS},
            "specialities": "",
            "capacity": plan["capacity"].to_numpy(),
            "max_distance_km": np.nan,
            "eligible": True,
            "active": True,
        }
    )
    grown = pd.concat([volunteers, recruits], ignore_index=True)
    again = pm.match(children, grown, policy)
    assert again.n_paired >= result.n_paired + promised
    assert again.priority_paired >= result.priority_paired + int(table["priority_gained"].sum())
    # fewer recruits than asked can only promise less
    capped = result.shortfall(capacity=2, max_recruits=2)
    assert capped["recruits"].sum() <= 2
    assert capped["children_paired"].sum() <= promised


def test_shortfall_asks_for_the_skills_coverage_needs() -> None:
    children = _children([
        {"id": "C1", "need_psychological": 3},
        {"id": "C2", "need_psychological": 3, "lat": 30.01},
    ])  # fmt: skip
    volunteers = _volunteers([{"id": "V1", "skill_study": 3}])
    result = pm.match(children, volunteers, pm.Policy(cover_need_from=3))
    table = result.shortfall(capacity=2)
    assert table[["township", "skills", "recruits", "children_paired"]].values.tolist() == [
        ["T", "psychological >= 2", 1, 2]
    ]


def test_team_size_columns_and_policy() -> None:
    children = _children([
        {"id": "C1", "team_min": 2, "team_max": 1},
        {"id": "C2", "team_max": 11},
        {"id": "C3", "team_max": ""},
    ])  # fmt: skip
    with pytest.raises(pm.ValidationError) as err:
        pm.match(children, _volunteers([{"id": "V1"}]))
    found = {(p.record_id, p.field) for p in err.value.problems}
    assert found == {("C1", "team_min"), ("C2", "team_max")}
    with pytest.raises(ValueError, match="larger"):
        pm.Policy(severe_team_size=(3, 1))
    # a record's team_min above the policy's largest team is named too
    with pytest.raises(pm.ValidationError, match=r"team size 3\.\.1"):
        pm.match(_children([{"id": "C1", "team_min": 3}]), _volunteers([{"id": "V1"}]))
    assert pm.Policy(support_load=0.5).support_fraction == 1 / 2


def test_supporting_members_use_a_fraction_of_a_slot_and_leads_are_capped() -> None:
    # two children, each needing study and psychological covered; V1 covers study, V2
    # psychological; capacity 1 each, support load 0.5: V1 leads one child and supports the
    # other, V2 likewise
    children = _children([
        {"id": "C1", "need_study": 3, "need_psychological": 3},
        {"id": "C2", "need_study": 3, "need_psychological": 3},
    ])  # fmt: skip
    volunteers = _volunteers([
        {"id": "V1", "skill_study": 3},
        {"id": "V2", "skill_psychological": 3},
    ])  # fmt: skip
    policy = pm.Policy(cover_need_from=3, team_size=(1, 2), support_load=0.5)
    result = pm.match(children, volunteers, policy)
    assert result.n_paired == 1  # a lead (1) + a supporter (0.5) exceed capacity 1
    assert pm.verify(result).ok
    roomy = volunteers.assign(capacity=2)
    both = pm.match(children, roomy, policy)
    assert both.n_paired == 2 and pm.verify(both).ok
    capped = pm.match(children, roomy, policy.model_copy(update={"max_leads": 1}))
    assert capped.n_paired == 2
    assert capped.pairs.loc[capped.pairs["role"] == "lead", "volunteer_id"].is_unique
    assert pm.verify(capped).ok


def test_preferred_gender_and_same_village_add_to_the_fit() -> None:
    children = _children([{"id": "C1", "preferred_gender": "女", "need_study": 1}])
    volunteers = _volunteers([
        {"id": "V1", "gender": "male", "skill_study": 1},
        {"id": "V2", "gender": "female", "skill_study": 1, "lat": 30.0001},
    ])  # fmt: skip
    result = pm.match(children, volunteers)
    assert result.pairs["volunteer_id"].tolist() == ["V2"]
    assert result.pairs["preference"].tolist() == [1.0]
    assert pm.verify(result).ok
    plain = pm.match(children, volunteers, pm.Policy(gender_bonus=0))
    assert plain.pairs["volunteer_id"].tolist() == ["V1"]  # nearer
    village = pm.match(
        children,
        volunteers.assign(village=["V", "W"]),
        pm.Policy(gender_bonus=0.1, same_village_bonus=1),
    )
    assert village.pairs["volunteer_id"].tolist() == ["V1"]
    assert pm.verify(village).ok


def test_one_member_teams_with_coverage_are_solved_exactly_by_flow(county) -> None:
    children, volunteers = county
    policy = pm.Policy(max_distance_km=4, cover_need_from=3)
    flow = pm.match(children, volunteers, policy)
    assert flow.solution.solver == "flow"  # the presolve removed every non-covering pair
    cpsat = pm.match(children, volunteers, policy, solver="cpsat")
    assert (flow.priority_paired, flow.objective) == (
        cpsat.priority_paired,
        pytest.approx(cpsat.objective),
    )
    assert pm.verify(flow).ok and pm.verify(cpsat).ok


def test_fairness_spreads_children_over_volunteers() -> None:
    # two children, two volunteers of capacity 2; V1 is nearer both children
    children = _children([{"id": "C1", "need_study": 1}, {"id": "C2", "need_study": 1}])
    volunteers = _volunteers([
        {"id": "V1", "skill_study": 1, "capacity": 2},
        {"id": "V2", "skill_study": 1, "capacity": 2, "lon": 111.01},
    ])  # fmt: skip
    greedy = pm.match(children, volunteers)
    assert greedy.pairs["volunteer_id"].tolist() == ["V1", "V1"]
    fair = pm.Policy(fairness_penalty=5)  # the average load is one child per volunteer
    spread = pm.match(children, volunteers, fair)
    assert sorted(spread.pairs["volunteer_id"]) == ["V1", "V2"]
    assert spread.fairness_penalty == 0 and pm.verify(spread).ok
    mild = pm.match(children, volunteers, pm.Policy(fairness_penalty=0.01))
    assert mild.pairs["volunteer_id"].tolist() == ["V1", "V1"]  # 1 km more costs 0.5
    assert mild.fairness_penalty == pytest.approx(0.01)
    assert mild.objective == pytest.approx(mild.pairs["fit"].sum() - 0.01)
    assert pm.verify(mild).ok
    assert pm.match(children, volunteers, fair, solver="cpsat").objective == spread.objective


def test_a_proven_optimum_never_blames_the_time_limit() -> None:
    # C2 is left out because V1 and V2 are used by C1's team of two, or because V1 leads
    # as many children as allowed: capacity, not time
    cases = [
        (
            _children([{"id": "C1", "need_study": 3, "team_min": 2, "team_max": 2},
                       {"id": "C2"}]),
            _volunteers([{"id": "V1"}, {"id": "V2"}]),
            pm.Policy(team_size=(1, 2), support_load=0.5),
        ),
        (
            _children([{"id": "C1"}, {"id": "C2"}]),
            _volunteers([{"id": "V1", "capacity": 2}]),
            pm.Policy(max_leads=1),
        ),
    ]  # fmt: skip
    for children, volunteers, policy in cases:
        result = pm.match(children, volunteers, policy)
        assert result.status is pm.Status.OPTIMAL
        why = result.unmatched.set_index("child_id")
        assert why.at["C2", "reason"] == "capacity_taken", why.at["C2", "detail"]
        assert pm.verify(result).ok


def test_support_load_must_be_an_exact_small_fraction() -> None:
    assert pm.Policy(support_load=1 / 3).support_fraction == Fraction(1, 3)
    with pytest.raises(ValueError, match="denominator"):
        pm.Policy(support_load=0.3334)  # would round to 1/3 and overfill capacities
    with pytest.raises(ValueError):
        pm.Policy(support_load=0.004)


def test_a_lock_that_cannot_cover_is_named() -> None:
    children = _children([{"id": "C1", "need_psychological": 3}])
    volunteers = _volunteers([{"id": "V1", "skill_study": 3}])
    result = pm.match(children, volunteers, pm.Policy(cover_need_from=3), locked=[("C1", "V1")])
    assert result.status is pm.Status.INFEASIBLE
    assert any("does not cover psychological" in r for r in result.reasons)
    assert result.unmatched["reason"].tolist() == ["problem_infeasible"]


def test_greedy_start_adds_supporters_and_is_valid(team_county) -> None:
    from pairmatch.solvers.teams.start import greedy_start

    _, _, result = team_county
    problem = result.solution.problem
    members, leads = greedy_start(problem)
    assert members.size > leads.size  # supporters were added where they raise the fit
    start = pm.solvers.Solution(problem, members, pm.Status.FEASIBLE, 10**9, 10**9, "greedy",
                                lead=leads)  # fmt: skip
    assert pm.verify(start).ok
    # the optimum is at least as good
    assert (result.priority_paired, result.solution.score_value) >= (
        start.priority_value, start.score_value,
    )  # fmt: skip
