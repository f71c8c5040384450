"""Bad input gets one clear error naming every bad row and field; good input loses nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.model import validate_children, validate_volunteers

T = TypeVar("T")


def test_every_bad_row_and_field_is_named(county) -> None:
    children = county[0].astype(object)
    children.loc[3, "lat"] = 95.0
    children.loc[5, "need_study"] = 7
    children.loc[5, "category"] = "orphanish"
    children.loc[8, "guardian_consent"] = "maybe"
    children.loc[9, "id"] = children.loc[2, "id"]
    children.loc[11, "lon"] = np.nan
    children.loc[12, "county"] = ""
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(children)
    found = {(p.row, p.field) for p in err.value.problems}
    assert found == {
        (3, "lat"),
        (5, "need_study"),
        (5, "category"),
        (8, "guardian_consent"),
        (9, "id"),
        (11, "lon"),
        (12, "county"),
    }
    text = str(err.value)
    assert "7 problems in children" in text
    assert "row 9" in text and "duplicate id, first used at row 2" in text
    assert "95.0 must be a number from -90 to 90" in text
    frame = err.value.to_frame()
    assert list(frame.columns) == ["table", "row", "record_id", "field", "message"]
    assert isinstance(err.value, ValueError)  # built-in base for callers who know no pairmatch


def test_volunteer_rules(county) -> None:
    volunteers = county[1].astype(object)
    volunteers.loc[0, "capacity"] = -1
    volunteers.loc[1, "capacity"] = 1.5
    volunteers.loc[2, "eligible"] = None
    volunteers.loc[3, "max_distance_km"] = 0
    volunteers.loc[4, "skill_safety"] = "high"
    volunteers.loc[6, "gender"] = "x"
    with pytest.raises(pm.ValidationError) as err:
        pm.read_volunteers(volunteers)
    assert {(p.row, p.field) for p in err.value.problems} == {
        (0, "capacity"),
        (1, "capacity"),
        (2, "eligible"),
        (3, "max_distance_km"),
        (4, "skill_safety"),
        (6, "gender"),
    }


def test_missing_columns_are_listed_together(county) -> None:
    children = county[0].drop(columns=["lat", "guardian_consent"])
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(children)
    assert {p.field for p in err.value.problems} == {"lat", "guardian_consent"}
    assert all(p.row is None for p in err.value.problems)


def test_eligibility_must_be_stated(county) -> None:
    with pytest.raises(pm.ValidationError, match="eligible"):
        pm.read_volunteers(county[1].drop(columns=["eligible"]))


def test_optional_volunteer_columns_default(county) -> None:
    slim = county[1].drop(columns=["capacity", "max_distance_km", "active", "specialities"])
    table = pm.read_volunteers(slim)
    assert (table["capacity"] == 1).all() and table["active"].all()
    assert table["max_distance_km"].isna().all()


def test_normalisation_and_aliases() -> None:
    raw = pd.DataFrame(
        {
            "id": ["007", "8"],
            "lat": ["30.1", 30.2],
            "lon": [111.0, "111.1"],
            "province": ["P", None],
            "city": ["C", "C"],
            "county": ["K", "K"],
            "township": [None, "T"],
            "village": ["", "V"],
            "category": ["留守儿童", "Scattered_Orphan"],
            "need_study": [1, "2"],
            "need_life": [0, 0.0],
            "need_psychological": [3, 3],
            "need_safety": [0, 1],
            "interests": ["Chess; music;;chess", None],
            "guardian_consent": ["是", "false"],
            "gender": ["女", ""],
            "school": ["A", "B"],
        }
    )
    table = pm.read_children(raw)
    assert table["id"].tolist() == ["007", "8"]  # leading zeros kept
    assert table["category"].tolist() == ["left_behind", "scattered_orphan"]
    assert table["interests"].tolist() == ["chess;music", ""]
    assert table["guardian_consent"].tolist() == [True, False]
    assert table["gender"].tolist() == ["female", ""]
    assert table["need_study"].dtype == np.int64 and table["lat"].dtype == np.float64
    assert table["school"].tolist() == ["A", "B"]  # extra columns pass through
    assert raw["category"].iloc[0] == "留守儿童"  # the input is not changed


def test_column_mapping(county) -> None:
    children = county[0].rename(columns={"id": "儿童编号", "lat": "纬度"})
    table = pm.read_children(children, columns={"儿童编号": "id", "纬度": "lat"})
    assert len(table) == len(children)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_file_round_trip(tmp_path, county, suffix) -> None:
    children, volunteers = county
    for name, table, reader in (
        ("c", children, pm.read_children),
        ("v", volunteers, pm.read_volunteers),
    ):
        path = tmp_path / f"{name}{suffix}"
        if suffix == ".csv":
            table.to_csv(path, index=False)
        elif suffix == ".xlsx":
            table.to_excel(path, index=False)
        else:
            table.to_parquet(path)
        back = reader(path)
        expected = reader(table)
        pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_open_file_and_records(county) -> None:
    children = county[0].head(20)
    buffer = io.StringIO(children.to_csv(index=False))
    from_file = pm.read_children(buffer)
    records = [pm.Child.model_validate(row) for row in children.to_dict("records")]
    from_records = pm.read_children(records)
    pd.testing.assert_frame_equal(from_file, from_records, check_dtype=False)


def test_unknown_format_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "children.json"
    path.write_text("{}")
    with pytest.raises(ValueError, match="cannot tell the format"):
        pm.read_children(path)


# --- the pydantic records and the vectorised tables agree ------------------------------


def _accepted(make: Callable[[], T]) -> T | None:
    """What ``make`` returns, or None when it rejects the input; any other error (a bug)
    propagates and fails the test."""
    try:
        return make()
    except (pydantic.ValidationError, pm.ValidationError):
        return None


levels = st.one_of(
    st.integers(-1, 4), st.floats(-1, 4), st.sampled_from(["2", "x", None, float("nan"), 2.5])
)
flags = st.sampled_from([True, False, "yes", "no", "是", "maybe", None, 1, 0, 2])


@settings(max_examples=150, deadline=None)
@given(
    lat=st.one_of(st.floats(-100, 100), st.sampled_from(["30", float("nan"), None])),
    need=levels,
    consent=flags,
    category=st.sampled_from(["left_behind", "散居孤儿", "orphan", "", None]),
    interests=st.one_of(st.none(), st.text(max_size=8)),
    team=st.tuples(*[st.sampled_from([None, float("nan"), "", 1, 2, 3, 11, 0, 2.5, "2", "x"])] * 2),
    preferred=st.sampled_from([None, "", "女", "male", "x"]),
)
def test_child_record_and_table_agree(
    lat, need, consent, category, interests, team, preferred
) -> None:
    row = {
        "id": "C1",
        "lat": lat,
        "lon": 111.0,
        "province": "P",
        "city": "C",
        "county": "K",
        "township": "T",
        "village": "V",
        "category": category,
        "need_study": need,
        "need_life": 0,
        "need_psychological": 0,
        "need_safety": 0,
        "interests": interests,
        "guardian_consent": consent,
        "team_min": team[0],
        "team_max": team[1],
        "preferred_gender": preferred,
    }
    record = _accepted(lambda: pm.Child.model_validate(row))
    table = _accepted(lambda: validate_children(pd.DataFrame([row])))
    assert (record is None) == (table is None), row
    if record is not None and table is not None:
        assert record.needs.study == table["need_study"].iat[0]
        assert record.guardian_consent == table["guardian_consent"].iat[0]
        assert ";".join(record.interests) == table["interests"].iat[0]
        for name in ("team_min", "team_max"):
            cell = table[name].iat[0]
            assert getattr(record, name) == (None if pd.isna(cell) else int(cell))
        wanted = record.preferred_gender.value if record.preferred_gender else ""
        assert wanted == table["preferred_gender"].iat[0]


@settings(max_examples=100, deadline=None)
@given(
    capacity=st.one_of(st.integers(-2, 5), st.floats(-1, 3), st.just(float("nan"))),
    radius=st.one_of(st.none(), st.floats(-1, 20), st.just(float("nan"))),
    eligible=flags,
    skill=levels,
)
def test_volunteer_record_and_table_agree(capacity, radius, eligible, skill) -> None:
    row = {
        "id": "V1",
        "lat": 30.0,
        "lon": 111.0,
        "province": "P",
        "city": "C",
        "county": "K",
        "township": "T",
        "village": "V",
        "skill_study": skill,
        "skill_life": 1,
        "skill_psychological": 0,
        "skill_safety": 0,
        "specialities": "chess",
        "capacity": capacity,
        "max_distance_km": radius,
        "eligible": eligible,
        "active": True,
    }
    record = _accepted(lambda: pm.Volunteer.model_validate(row))
    table = _accepted(lambda: validate_volunteers(pd.DataFrame([row])))
    assert (record is None) == (table is None), row


def test_ids_may_not_hold_the_list_separator() -> None:
    children, volunteers = pm.synth.county(20, seed=1)
    children.loc[3, "id"] = "C;3"
    volunteers.loc[5, "id"] = "V;5"
    for read, table, row in ((pm.read_children, children, 3), (pm.read_volunteers, volunteers, 5)):
        with pytest.raises(pm.ValidationError) as err:
            read(table)
        problems = err.value.to_frame()
        assert list(problems[["row", "field"]].itertuples(index=False, name=None)) == [(row, "id")]
    with pytest.raises(ValueError, match="separates ids"):
        pm.Child.model_validate(children.iloc[3].to_dict())
