"""``match_partitioned`` with forbidden, locked and kept pairs: read and checked once for
the province, each part given exactly the pairs it holds, and the same answer as one
``pm.match`` of the whole; a locked pair across parts makes its child's part INFEASIBLE with
the rules it breaks.
"""

from __future__ import annotations

import pandas as pd
import pytest

import pairmatch as pm

CHILDREN, VOLUNTEERS = pm.synth.province(900, n_counties=4, seed=21)
POLICY = pm.Policy(max_distance_km=5)


def _pairs(table: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(table["child_id"], table["volunteer_id"], strict=True))


@pytest.fixture(scope="module")
def whole() -> pm.MatchResult:
    return pm.match(CHILDREN, VOLUNTEERS, POLICY)


@pytest.fixture(scope="module")
def chosen(whole: pm.MatchResult) -> dict[str, list[tuple[str, str]]]:
    """Pairs to forbid, lock and keep: made by the optimum, and candidates it passed over
    (no pair in two lists, no child or volunteer locked twice)."""
    made = sorted(_pairs(whole.pairs))
    reg, cand = whole.registry, whole.candidates
    passed = sorted(
        set(zip(reg.child_ids[cand.child], reg.volunteer_ids[cand.volunteer], strict=True))
        - set(made)
    )
    locked = made[5::13]
    busy = {c for c, _ in locked} | {v for _, v in locked}
    forbidden = [p for p in made[::9] if p[0] not in busy and p[1] not in busy]
    keep = [p for p in passed[::17] if p[0] not in busy and p[1] not in busy][:40]
    return {"forbidden": forbidden, "locked": locked, "keep": keep}


def _same(parts: pm.PartitionedResult, one: pm.MatchResult) -> None:
    assert parts.status == one.status == pm.Status.OPTIMAL
    assert _pairs(parts.pairs) == _pairs(one.pairs)
    assert parts.objective == pytest.approx(one.objective)
    assert parts.priority_paired == one.priority_paired
    assert sorted(parts.unmatched["child_id"]) == sorted(one.unmatched["child_id"])


@pytest.mark.parametrize("kinds", [("forbidden",), ("locked",), ("keep",),
                                   ("forbidden", "locked", "keep")])  # fmt: skip
def test_parts_with_pairs_equal_one_match_of_the_whole(chosen: dict, kinds: tuple) -> None:
    given = {k: chosen[k] for k in kinds}
    assert all(given.values())
    one = pm.match(CHILDREN, VOLUNTEERS, POLICY, **given)
    parts = pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=1, **given)
    _same(parts, one)
    made = _pairs(parts.pairs)
    assert not made & set(given.get("forbidden", []))
    assert set(given.get("locked", [])) <= made
    assert len(parts.parts) == 4


def test_pairs_as_a_table_with_ids_written_another_way(chosen: dict) -> None:
    # ids are read as pm.match reads them: stripped, full-width digits folded
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    locked = pd.DataFrame(
        [(f" {c} ", v.translate(wide)) for c, v in chosen["locked"]],
        columns=["child_id", "volunteer_id"],
    )
    one = pm.match(CHILDREN, VOLUNTEERS, POLICY, locked=chosen["locked"])
    parts = pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=1, locked=locked)
    _same(parts, one)


def test_a_process_pool_gets_each_part_its_own_pairs(chosen: dict) -> None:
    one = pm.match(CHILDREN, VOLUNTEERS, POLICY, **chosen)
    _same(pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=2, **chosen), one)


def test_one_part_again_keeps_its_pairs(chosen: dict) -> None:
    parts = pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=1, **chosen)
    for key in parts.parts["part"]:
        again = parts.part(key)
        assert again.status is pm.Status.OPTIMAL
        mine = parts.pairs[parts.pairs["child_id"].isin(again.children["id"])]
        assert _pairs(again.pairs) == _pairs(mine)
        ids = set(again.children["id"])
        assert {p for p in chosen["locked"] if p[0] in ids} <= _pairs(again.pairs)


def _across() -> tuple[str, str]:
    """A child and a volunteer of different counties."""
    child = CHILDREN.iloc[0]
    other = VOLUNTEERS[VOLUNTEERS["county"] != child["county"]].iloc[0]
    return str(child["id"]), str(other["id"])


def test_a_lock_across_parts_makes_the_childs_part_infeasible_with_its_reasons() -> None:
    pair = _across()
    one = pm.match(CHILDREN, VOLUNTEERS, POLICY, locked=[pair], forbidden=[pair])
    parts = pm.match_partitioned(
        CHILDREN, VOLUNTEERS, POLICY, max_workers=1, locked=[pair], forbidden=[pair]
    )
    assert one.status is parts.status is pm.Status.INFEASIBLE
    county = CHILDREN.loc[CHILDREN["id"] == pair[0], "county"].iat[0]
    status = dict(zip(parts.parts["part"], parts.parts["status"], strict=True))
    assert status.pop(county) == pm.Status.INFEASIBLE
    assert set(status.values()) == {pm.Status.OPTIMAL}  # the other parts are paired
    # the same words as one match of the whole: county, distance, forbidden
    assert [f"{county}: {r}" for r in one.reasons] == list(parts.reasons)
    assert "different counties" in parts.reasons[0] and "also forbidden" in parts.reasons[0]
    volunteers = dict(zip(parts.parts["part"], parts.parts["volunteers"], strict=True))
    assert volunteers[county] == (VOLUNTEERS["county"] == county).sum() + 1  # her record


def test_a_forbidden_or_kept_pair_across_parts_changes_nothing(whole: pm.MatchResult) -> None:
    pair = _across()
    parts = pm.match_partitioned(
        CHILDREN, VOLUNTEERS, POLICY, max_workers=1, forbidden=[pair], keep=[pair]
    )
    _same(parts, whole)
    assert (parts.parts["volunteers"].sum()) == len(VOLUNTEERS)


def test_unknown_ids_are_one_error_naming_rows_and_fields_as_match_does() -> None:
    child, vol = _across()
    given = {
        "forbidden": [(child, vol), ("C-NOBODY", vol)],
        "locked": [(child, "V-NOBODY")],
        "keep": pd.DataFrame({"child_id": ["C-X"], "volunteer_id": ["V-Y"]}),
    }
    with pytest.raises(pm.ValidationError) as whole_err:
        pm.match(CHILDREN, VOLUNTEERS, POLICY, **given)
    with pytest.raises(pm.ValidationError) as parts_err:
        pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=1, **given)
    found = {(p.table, p.row, p.field) for p in parts_err.value.problems}
    assert found == {(p.table, p.row, p.field) for p in whole_err.value.problems}
    assert found == {
        ("forbidden pairs", 1, "child_id"),
        ("locked pairs", 0, "volunteer_id"),
        ("kept pairs", 0, "child_id"),
        ("kept pairs", 0, "volunteer_id"),
    }
    with pytest.raises(pm.ValidationError) as bad:
        pm.match_partitioned(CHILDREN, VOLUNTEERS, POLICY, max_workers=1, locked=[("C1",)])
    assert [(p.row, p.field) for p in bad.value.problems] == [(0, None)]


def test_across_counties_forbidden_pairs_shape_the_parts_and_the_fair_load() -> None:
    # pairs may cross counties: the parts are the candidate graph's components, and the
    # default fair load is the province's children with a pair / volunteers with a pair;
    # forbidding every pair of 100 volunteers takes them out of that count (2 -> 3)
    policy = pm.Policy(max_distance_km=40, allow_cross_county=True, fairness_penalty=3.0)
    children, volunteers = pm.synth.province(500, n_counties=4, seed=4)
    base = pm.match(children, volunteers, policy)
    reg, cand = base.registry, base.candidates
    gone = set(reg.volunteer_ids[:100])
    forbidden = [
        (reg.child_ids[c], reg.volunteer_ids[v])
        for c, v in zip(cand.child.tolist(), cand.volunteer.tolist(), strict=True)
        if reg.volunteer_ids[v] in gone
    ]
    locked = [p for p in sorted(_pairs(base.pairs)) if p[1] not in gone][::25]
    one = pm.match(children, volunteers, policy, forbidden=forbidden, locked=locked)
    parts = pm.match_partitioned(
        children, volunteers, policy, max_workers=1, forbidden=forbidden, locked=locked
    )
    assert parts.parts["part"].str.startswith(("component-", "no-candidates")).all()
    assert one.solution.problem.fair_load.max() == 3
    _same(parts, one)
