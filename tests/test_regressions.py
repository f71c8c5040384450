"""Regression cases, each named after what broke (found in review)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pairmatch as pm
from registers import children as _children
from registers import volunteers as _volunteers


def test_same_county_name_in_two_cities_is_two_counties() -> None:
    children = _children([{"id": "C1", "city": "南京市", "county": "鼓楼区"}])
    volunteers = _volunteers([{"id": "V1", "city": "徐州市", "county": "鼓楼区"}])
    result = pm.match(children, volunteers)
    assert result.n_paired == 0
    assert result.unmatched["reason"].tolist() == ["no_eligible_volunteer_in_reach"]
    assert pm.verify(result).ok
    crossing = pm.match(children, volunteers, pm.Policy(allow_cross_county=True))
    assert crossing.n_paired == 1 and pm.verify(crossing).ok


def test_header_spelt_differently_is_not_ignored() -> None:
    children = _children([{"id": "C1"}])
    volunteers = _volunteers([{"id": "V1"}]).drop(columns=["active", "max_distance_km"])
    volunteers["Active"] = False  # the office marked her inactive, with a capital A
    volunteers["max_distance_km "] = 0.01  # and a trailing space, as Excel exports have
    result = pm.match(children, volunteers)
    assert result.n_paired == 0
    assert result.volunteers["active"].tolist() == [False]


def test_misspelt_rule_column_is_an_error() -> None:
    volunteers = _volunteers([{"id": "V1"}]).rename(columns={"eligible": "eligable"})
    with pytest.raises(pm.ValidationError) as err:
        pm.read_volunteers(volunteers)
    text = str(err.value)
    assert "'eligable'" in text and "misspelling of 'eligible'" in text


def test_every_problem_of_both_registers_in_one_error() -> None:
    children = _children([{"id": "C1", "lat": 200}, {"id": "C1", "category": "bogus"}])
    volunteers = _volunteers([{"id": "V1", "lat": "north"}]).drop(columns=["eligible"])
    with pytest.raises(pm.ValidationError) as err:
        pm.match(children, volunteers)
    assert {(p.table, p.field) for p in err.value.problems} == {
        ("children", "lat"), ("children", "id"), ("children", "category"),
        ("volunteers", "eligible"), ("volunteers", "lat"),
    }  # fmt: skip
    assert "200.0 must be" in str(err.value)  # not np.float64(200.0)


def test_absurd_capacity_is_rejected_not_wrapped() -> None:
    with pytest.raises(pm.ValidationError, match="from 0 to 1,000,000"):
        pm.read_volunteers(_volunteers([{"id": "V1", "capacity": 1e19}]))


def test_ledger_keeps_extra_columns_whose_names_it_uses() -> None:
    children = _children([{"id": "C1", "status": "在册", "reason": "家访", "note": "keep"}])
    volunteers = _volunteers([{"id": "V1", "phone": "138", "name": "志愿者"}])
    ledger = pm.match(children, volunteers).ledger()
    row = ledger.iloc[0]
    assert row["status"] == "paired" and row["status_input"] == "在册"
    assert row["reason_input"] == "家访" and row["note"] == "keep"
    assert row["volunteer_phone"] == "138" and row["volunteer_name"] == "志愿者"
    lean = pm.match(children, volunteers).ledger(personal=False)
    assert "volunteer_name" not in lean.columns


def test_numeric_ids_in_pair_lists_match_the_registers() -> None:
    children = _children([{"id": 1.0}, {"id": 2.0}])
    volunteers = _volunteers([{"id": 10.0}])
    forbidden = pd.DataFrame({"child_id": [1.0], "volunteer_id": [10.0]})
    result = pm.match(children, volunteers, forbidden=forbidden)
    assert result.pairs["child_id"].tolist() == ["2"]


def test_empty_registers_summarise_and_write() -> None:
    children = _children([{"id": "C1"}])
    volunteers = _volunteers([{"id": "V1"}])
    for kids, vols in ((children.iloc[:0], volunteers.iloc[:0]), (children, volunteers.iloc[:0])):
        result = pm.match(kids, vols)
        assert pm.verify(result).ok
        assert result.summary()["children"].sum() == len(kids)
        assert result.report()


def test_child_held_out_by_a_lock_is_locked_out_not_outranked() -> None:
    children = _children([
        {"id": "X", "category": "no_guardian_care", "need_study": 3, "need_life": 3},
        {"id": "Y"},
    ])  # fmt: skip
    volunteers = _volunteers([{"id": "V1"}])
    result = pm.match(children, volunteers, locked=[("Y", "V1")])
    assert result.unmatched.set_index("child_id").at["X", "reason"] == "locked_out"


def test_all_lock_conflicts_are_named() -> None:
    children = _children([{"id": "C1"}, {"id": "C2"}, {"id": "C3", "guardian_consent": False}])
    volunteers = _volunteers([{"id": "V1"}, {"id": "V2"}])
    result = pm.match(children, volunteers, locked=[("C1", "V1"), ("C2", "V1"), ("C3", "V2")])
    assert result.status is pm.Status.INFEASIBLE
    text = " | ".join(result.reasons)
    assert "volunteer V1 has 2 locked pairs, capacity 1" in text
    assert "(C3, V2)" in text and "not consented" in text


def test_flow_refuses_costs_beyond_64_bits_and_auto_stays_exact() -> None:
    value = np.array([[0.0, np.nan], [0.0, -(2.0**32)]])
    problem = pm.Problem.from_matrices(value, capacity=[1, 0], priority=np.array([2**32, 1]))
    with pytest.raises(pm.SolverUnavailableError, match="64-bit"):
        pm.solve(problem, solver="flow")
    result = pm.solve(problem)
    assert result.solver == "cpsat"
    assert result.assignment.tolist() == [0, -1]  # the needier child, as level 1 demands


def test_flow_splits_into_component_networks_when_one_would_overflow() -> None:
    big = 2.0**40
    value = np.array([[0.0, -big, np.nan], [np.nan, np.nan, 1.0], [np.nan, np.nan, 1.0]])
    problem = pm.Problem.from_matrices(value, capacity=[1, 1, 1], priority=np.array([1, 1, 2**20]))
    flow, cpsat = pm.solve(problem, solver="flow"), pm.solve(problem, solver="cpsat")
    assert flow.status is cpsat.status is pm.Status.OPTIMAL
    assert (flow.priority_value, flow.score_value) == (cpsat.priority_value, cpsat.score_value)
    assert flow.assignment.tolist() == [0, -1, 2]


def test_blank_province_and_city_match_any() -> None:
    children = _children([{"id": "C1"}])
    volunteers = _volunteers([{"id": "V1", "province": "", "city": ""}])
    result = pm.match(children, volunteers)
    assert result.n_paired == 1 and pm.verify(result).ok


def test_blank_cells_held_as_pandas_na() -> None:
    children = _children([{"id": "C1"}, {"id": "C2"}]).convert_dtypes()
    children.loc[0, "interests"] = pd.NA
    children.loc[1, "township"] = pd.NA
    table = pm.read_children(children)
    assert table["interests"].tolist()[0] == "" and table["township"].tolist()[1] == ""


def test_extras_that_resemble_personal_columns_are_fine() -> None:
    children = _children([{"id": "C1", "names": "x", "address2": "y", "genders": "z"}])
    assert {"names", "address2", "genders"} <= set(pm.read_children(children).columns)


def test_registry_repr_shows_no_personal_data() -> None:
    children = _children([{"id": "C1", "name": "秘密名字", "id_number": "990101SECRET"}])
    result = pm.match(children, _volunteers([{"id": "V1"}]))
    text = repr(result.registry)
    assert "秘密名字" not in text and "990101SECRET" not in text


def test_flow_weight_is_exact_beyond_float_precision() -> None:
    # the weight is 2**53 + 1, which a float rounds to 2**53: then both children would cost
    # -2**54 and the flow could pair the less needy one
    problem = pm.Problem(
        n_children=2, n_volunteers=1, child=[0, 1], volunteer=[0, 0],
        score=[2**53, 0], priority=[1, 2],
    )  # fmt: skip
    flow = pm.solve(problem, solver="flow")
    assert flow.assignment.tolist() == [-1, 0] and flow.status is pm.Status.OPTIMAL
    # (CP-SAT refuses a level 2 past 2**52: its objective is a float; see test_hostile_matrices)
    with pytest.raises(pm.SolverUnavailableError, match=r"2\*\*52"):
        pm.solve(problem, solver="cpsat")
    # a score beyond 2**53 (as this test had before) is refused: no float holds it exactly
    with pytest.raises(pm.ValidationError, match="score"):
        pm.Problem(n_children=2, n_volunteers=1, child=[0, 1], volunteer=[0, 0],
                   score=[2**54 + 2, 0], priority=[1, 2])  # fmt: skip


def test_cpsat_time_limit_keeps_every_valid_pair_it_found() -> None:
    children, volunteers = pm.synth.county(600, seed=3)
    policy = pm.Policy(max_distance_km=8)
    exact = pm.match(children, volunteers, policy)
    limited = pm.match(children, volunteers, policy, solver="cpsat", time_limit=2)
    assert limited.status in (pm.Status.FEASIBLE, pm.Status.OPTIMAL)
    assert pm.verify(limited).ok
    assert limited.priority_paired <= exact.priority_paired <= limited.priority_bound
    assert limited.n_paired >= 0.9 * exact.n_paired  # the greedy start at worst, not nothing
    if limited.status is pm.Status.FEASIBLE:
        details = limited.unmatched.loc[limited.unmatched["reason"] == "capacity_taken", "detail"]
        assert not details.str.contains("ranked higher").any()


@pytest.mark.parametrize("teams", [False, True])
def test_the_solvers_caches_do_not_keep_a_problem_alive(teams: bool) -> None:
    # the caches are keyed weakly by problem; a cached value holding its own key would keep
    # every problem (25M pairs in a county) alive for as long as the process runs
    import gc
    import weakref

    children, volunteers = pm.synth.county(60, seed=2)
    more = dict(severe_team_size=(1, 2), cover_need_from=3) if teams else {}
    result = pm.match(children, volunteers, pm.Policy(max_distance_km=8, **more))
    problem = weakref.ref(result.solution.problem)
    pm.solve(result.solution.problem)  # (solved again: every cache is filled)
    del result
    gc.collect()
    assert problem() is None
