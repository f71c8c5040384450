"""End to end: registers in, a verified, explained pairing and its ledger out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pairmatch as pm


def test_result_is_verified_and_complete(county, county_result) -> None:
    children, volunteers = county
    result = county_result
    assert result.status is pm.Status.OPTIMAL and result.gap == 0
    assert pm.verify(result, children=children, volunteers=volunteers).ok
    assert len(result.pairs) + len(result.unmatched) == len(children)
    assert set(result.unmatched["reason"]) <= {r.value for r in pm.Reason}
    assert result.n_paired > 0 and len(result.unmatched) > 0  # a non-trivial county
    assert list(result.pairs.columns[:4]) == ["child_id", "volunteer_id", "distance_km", "fit"]


def test_flow_and_cpsat_agree(county) -> None:
    children, volunteers = county
    policy = pm.Policy(max_distance_km=4)
    flow = pm.match(children, volunteers, policy, solver="flow")
    cpsat = pm.match(children, volunteers, policy, solver="cpsat")
    assert flow.status is cpsat.status is pm.Status.OPTIMAL
    assert flow.priority_paired == cpsat.priority_paired
    assert flow.objective == pytest.approx(cpsat.objective, abs=1e-9)
    assert pm.verify(flow).ok and pm.verify(cpsat).ok


def test_same_input_and_seed_give_same_pairs(county) -> None:
    children, volunteers = county
    policy = pm.Policy(max_distance_km=4)
    a = pm.match(children, volunteers, policy, seed=3, solver="cpsat")
    b = pm.match(
        children.sample(frac=1, random_state=1), volunteers, policy, seed=3, solver="cpsat"
    )
    pd.testing.assert_frame_equal(a.pairs, b.pairs)


def test_capacity_taken_children_really_lack_room(county_result) -> None:
    result = county_result
    taken = result.unmatched.loc[result.unmatched["reason"] == "capacity_taken", "child_id"]
    assert len(taken)
    used = result.pairs["volunteer_id"].value_counts()
    cap = result.volunteers.set_index("id")["capacity"]
    reg, cand = result.registry, result.candidates
    for cid in taken:
        c = int(np.flatnonzero(reg.child_ids == cid)[0])
        for vid in reg.volunteer_ids[cand.volunteer[cand.child == c]]:
            assert used.get(vid, 0) == cap[vid]
        # and every child paired instead ranks at least as high somewhere: level 1 is optimal,
        # so no higher-priority child can be unpaired while a lower one holds its volunteer
        # (checked for real by the property tests against brute force)


def test_neediest_first_and_never_traded() -> None:
    # one volunteer, two children in reach: the needier child is paired even though the
    # other fits her specialities better
    children = pd.DataFrame(
        {
            "id": ["A", "B"],
            "lat": [30.0, 30.001],
            "lon": [111.0, 111.0],
            "province": "P",
            "city": "C",
            "county": "K",
            "township": "T",
            "village": "V",
            "category": ["scattered_orphan", "left_behind"],
            "need_study": [0, 3],
            "need_life": [3, 0],
            "need_psychological": [3, 0],
            "need_safety": [2, 0],
            "interests": ["", "chess;music"],
            "guardian_consent": [True, True],
        }
    )
    volunteers = pd.DataFrame(
        {
            "id": ["V"],
            "lat": [30.0],
            "lon": [111.0005],
            "province": "P",
            "city": "C",
            "county": "K",
            "township": "T",
            "village": "V",
            "skill_study": [3],
            "skill_life": [0],
            "skill_psychological": [0],
            "skill_safety": [0],
            "specialities": ["chess;music"],
            "capacity": [1],
            "max_distance_km": [np.nan],
            "eligible": [True],
            "active": [True],
        }
    )
    result = pm.match(children, volunteers)
    assert result.pairs["child_id"].tolist() == ["A"]
    assert result.unmatched.set_index("child_id").at["B", "reason"] == "capacity_taken"
    text = str(result.explain("B"))
    assert "capacity" in text and "B" in text


def test_locked_and_forbidden_pairs(county, county_result) -> None:
    children, volunteers = county
    pairs = county_result.pairs
    keep = (pairs["child_id"].iat[0], pairs["volunteer_id"].iat[0])
    ban = (pairs["child_id"].iat[1], pairs["volunteer_id"].iat[1])
    policy = pm.Policy(max_distance_km=6)
    result = pm.match(children, volunteers, policy, locked=[keep], forbidden=[ban])
    made = set(zip(result.pairs["child_id"], result.pairs["volunteer_id"], strict=True))
    assert keep in made and ban not in made
    assert result.pairs.set_index("child_id").at[keep[0], "locked"]
    assert pm.verify(result).ok
    locked_frame = pd.DataFrame([keep], columns=["child_id", "volunteer_id"])
    again = pm.match(children, volunteers, policy, locked=locked_frame, forbidden=[ban])
    assert again.objective == pytest.approx(result.objective)


def test_locks_that_break_rules_make_an_infeasible_result(county) -> None:
    children, volunteers = county
    no_consent = children.loc[~children["guardian_consent"], "id"].iat[0]
    far = (children["id"].iat[0], volunteers["id"].iat[0])
    result = pm.match(
        children,
        volunteers,
        pm.Policy(max_distance_km=1),
        locked=[(no_consent, volunteers["id"].iat[1]), far],
    )
    assert result.status is pm.Status.INFEASIBLE
    assert result.n_paired == 0
    text = " ".join(result.reasons)
    assert "guardian has not consented" in text
    assert len(result.unmatched) == len(children)
    assert set(result.unmatched["reason"]) == {"problem_infeasible"}
    assert pm.verify(result).ok


def test_unknown_ids_in_pairs_are_validation_errors(county) -> None:
    children, volunteers = county
    with pytest.raises(pm.ValidationError) as err:
        pm.match(
            children, volunteers, locked=[("nobody", "V0001"), (children["id"].iat[0], "ghost")]
        )
    assert {p.field for p in err.value.problems} == {"child_id", "volunteer_id"}


def test_ineligible_and_inactive_volunteers_are_never_paired(county) -> None:
    children, volunteers = county
    volunteers = volunteers.copy()
    volunteers["eligible"] = volunteers.index % 3 != 0
    volunteers["active"] = volunteers.index % 5 != 0
    result = pm.match(children, volunteers)
    used = volunteers.set_index("id").loc[result.pairs["volunteer_id"]]
    assert used["eligible"].all() and used["active"].all()
    assert pm.verify(result).ok


def test_explain_paired_and_unmatched(county_result) -> None:
    result = county_result
    cid = result.pairs["child_id"].iat[0]
    exp = result.explain(cid)
    data = exp.as_dict()
    assert (
        data["status"] == "paired" and data["volunteer_id"] == result.pairs["volunteer_id"].iat[0]
    )
    fit = data["fit"]
    total = sum(fit["need_x_skill"].values()) + fit["tag_bonus"] - fit["distance_penalty"]
    assert fit["total"] == pytest.approx(total, abs=1e-3)
    assert len(fit["shared_tags"]) * result.policy.tag_bonus == pytest.approx(fit["tag_bonus"])
    assert cid in str(exp)
    lost = result.unmatched["child_id"].iat[0]
    assert result.explain(lost).as_dict()["reason"] == result.unmatched["reason"].iat[0]
    with pytest.raises(pm.UnknownIdError):
        result.explain("nobody")
    with pytest.raises(KeyError):
        result.explain("nobody")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_ledger_lists_every_child(tmp_path, county, county_result, suffix) -> None:
    children, _ = county
    path = county_result.to_ledger(tmp_path / f"ledger{suffix}")
    if suffix == ".xlsx":
        book = pd.read_excel(path, engine="openpyxl", sheet_name=None)
        assert list(book) == [
            "ledger", "pairs", "unmatched", "summary_county", "summary_township", "policy"
        ]  # fmt: skip
        ledger = book["ledger"]
        assert book["summary_county"]["children"].iat[-1] == len(children)  # the total row
    elif suffix == ".csv":
        ledger = pd.read_csv(path, dtype={"child_id": str})
    else:
        ledger = pd.read_parquet(path)
    assert sorted(ledger["child_id"].astype(str)) == sorted(children["id"])
    assert (ledger["status"] == "paired").sum() == county_result.n_paired
    assert "name" in ledger.columns  # the office's own ledger keeps names ...
    lean = county_result.ledger(personal=False)
    assert not {"name", "id_number", "address"} & set(lean.columns)  # ... unless asked not to


def test_extra_columns_pass_through_to_the_ledger(county) -> None:
    children, volunteers = county
    children = children.assign(school=[f"S{i % 4}" for i in range(len(children))])
    result = pm.match(children, volunteers)
    ledger = result.ledger().set_index("child_id")
    assert (ledger.loc[children["id"], "school"].to_numpy() == children["school"].to_numpy()).all()


def test_summary_by_jurisdiction(county_result) -> None:
    summary = county_result.summary()
    assert {"county", "township", "children", "paired", "paired_share"} <= set(summary.columns)
    assert summary["children"].sum() == len(county_result.children)
    assert summary["paired"].sum() == county_result.n_paired
    by_county = county_result.summary(by="county")
    assert len(by_county) == 1


def test_records_as_input(county) -> None:
    children, volunteers = county
    kids = [pm.Child.model_validate(r) for r in children.head(40).to_dict("records")]
    vols = [pm.Volunteer.model_validate(r) for r in volunteers.head(30).to_dict("records")]
    from_records = pm.match(kids, vols)
    from_frames = pm.match(children.head(40), volunteers.head(30))
    assert from_records.objective == pytest.approx(from_frames.objective)


def test_report_is_readable(county_result) -> None:
    text = county_result.report()
    assert "paired" in text and "OPTIMAL" in text and "unmatched by reason" in text
