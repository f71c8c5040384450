"""Ids are read one way at every door: registers (tables and records), changes, pair
lists. An id that differs only by spaces, width or number form is the same id; anything
that cannot be an id is a clear error naming the row and field, never the value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.model.tables import read_ids
from pairmatch.model.vocab import MAX_ID_LENGTH, parse_id
from registers import children as _children
from registers import volunteers as _volunteers

SAME = [
    (" C0006 ", "C0006"),
    ("C0006\t", "C0006"),
    ("Ｃ０００６", "C0006"),  # full width, as a Chinese input method types it
    ("\u3000C0006", "C0006"),  # an ideographic space
    (42.0, "42"),  # a number cell of a spreadsheet
    (np.float64(42.0), "42"),
    (np.int64(42), "42"),
    (42, "42"),
    ("张三家 01", "张三家 01"),
    ("C  01", "C 01"),
]

BAD = [
    (True, "yes/no"),
    (np.bool_(False), "yes/no"),
    ("true", "yes/no"),
    ("否", "yes/no"),
    ("nan", "missing"),
    ("NULL", "missing"),
    ("42.0", "reads as a number"),
    ("1e5", "reads as a number"),
    ("-7", "reads as a number"),
    ("1_000", "reads as a number"),
    (1.5, "fraction"),
    (float("inf"), "fraction"),
    ("C\u200b0006", "zero-width"),  # zero-width space
    ("C\u202e0006", "direction"),  # right-to-left override
    ("C\u2066x\u2069", "direction"),  # isolates
    ("\ufeffC0006", "zero-width"),  # a byte-order mark glued to the first header cell's row
    ("C\x00", "control"),
    ("C\n1", "control"),
    ("x" * (MAX_ID_LENGTH + 1), "characters long"),
    ("a;b", "';'"),
    ("", "missing"),
    ("   ", "missing"),
    (None, "missing"),
    (float("nan"), "missing"),
    (b"C1", "text id"),
    (["C1"], "text id"),
]


@pytest.mark.parametrize(("raw", "want"), SAME)
def test_the_same_id_however_written(raw: object, want: str) -> None:
    assert parse_id(raw) == want
    ids, bad = read_ids(pd.Series([raw], dtype=object))
    assert bad == {} and ids.tolist() == [want]


@pytest.mark.parametrize(("raw", "why"), BAD)
def test_what_cannot_be_an_id_is_refused_with_a_reason(raw: object, why: str) -> None:
    with pytest.raises(ValueError, match=None) as err:
        parse_id(raw)
    assert why in str(err.value)
    ids, bad = read_ids(pd.Series([raw], dtype=object))
    assert list(bad) == [0] and bad[0] == str(err.value) and ids.tolist() == [""]


@pytest.mark.parametrize(("raw", "why"), BAD)
def test_a_bad_id_is_named_by_row_and_field_at_every_door(raw: object, why: str) -> None:
    table = _children([{"id": "C1"}, {"id": raw}])
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(table)
    (problem,) = [p for p in err.value.problems if p.field == "id"]
    assert (problem.table, problem.row, problem.record_id) == ("children", 1, None)
    assert why in problem.message
    record = _children([{"id": raw}]).iloc[0].to_dict()
    with pytest.raises(Exception) as rec_err:  # pydantic's error: the same rule
        pm.Child.model_validate(record)
    assert why in str(rec_err.value)


@pytest.mark.parametrize(("raw", "why"), BAD[:14])
def test_a_bad_id_in_a_pair_list_is_named(raw: object, why: str) -> None:
    children, volunteers = _children([{"id": "C1"}]), _volunteers([{"id": "V1"}])
    with pytest.raises(pm.ValidationError) as err:
        pm.match(children, volunteers, forbidden=[("C1", raw)])
    (problem,) = err.value.problems
    assert (problem.table, problem.row, problem.field) == ("forbidden pairs", 0, "volunteer_id")
    assert why in problem.message


def _matcher() -> pm.Matcher:
    children = _children([{"id": "C0006"}, {"id": "42"}])
    volunteers = _volunteers([{"id": "V1", "capacity": 2}])
    m = pm.Matcher(children, volunteers)
    m.solve(at="2026-01-01")
    return m


def test_a_change_names_a_record_as_the_register_does() -> None:
    m = _matcher()
    result = m.update(
        pm.Changes(
            edit_children=pd.DataFrame({"id": [" C0006 "], "need_life": [3]}),
            remove_children=[42.0],
        ),
        at="2026-02-01",
    )
    assert m.children["id"].tolist() == ["C0006"]
    assert m.children["need_life"].tolist() == [3]
    assert pm.verify(result).ok
    m.update(pm.Changes(end_pairs=[("Ｃ０００６", "V1 ", "moved")]), at="2026-03-01")
    assert m.active.empty


@pytest.mark.parametrize("twin", [" C0006", "Ｃ０００６", "C0006\u3000"])
def test_a_duplicate_never_enters_the_register(twin: str) -> None:
    m = _matcher()
    before = m.children.copy()
    with pytest.raises(pm.ValidationError) as err:
        m.update(pm.Changes(add_children=_children([{"id": twin}])), at="2026-02-01")
    assert [(p.table, p.row, p.field) for p in err.value.problems] == [("add_children", 0, "id")]
    assert "already in the register" in err.value.problems[0].message
    pd.testing.assert_frame_equal(m.children, before)


@pytest.mark.parametrize(
    "changes",
    [
        pm.Changes(remove_children=["C\u200b0006"]),
        pm.Changes(remove_children={"C0006": ""}),
        pm.Changes(remove_children=["C0006", " C0006"]),
        pm.Changes(end_pairs=[("C0006", True, "x")]),
        pm.Changes(end_pairs=[("C0006", "V1", None)]),
        pm.Changes(edit_children=pd.DataFrame({"id": ["42.0"], "need_life": [3]})),
        pm.Changes(edit_children=pd.DataFrame({"id": ["C0006"], "Need Life": ["lots"]})),
        pm.Changes(edit_volunteers=[{"id": "V1", "capacity": 2.5}]),
        pm.Changes(edit_volunteers="no-such-file.csv"),
    ],
)
def test_a_bad_change_is_named_and_changes_nothing(changes: pm.Changes) -> None:
    m = _matcher()
    state = (m.children.copy(), m.volunteers.copy(), m.history.copy())
    with pytest.raises(pm.ValidationError) as err:
        m.update(changes, at="2026-02-01")
    named = {"remove_children", "end_pairs", "edit_children", "edit_volunteers"}
    assert err.value.problems and all(p.table in named for p in err.value.problems)
    for was, now in zip(state, (m.children, m.volunteers, m.history), strict=True):
        pd.testing.assert_frame_equal(was, now)


_id_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=80)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_id_text, st.integers(-5, 10**6), st.floats(), st.booleans()),
                max_size=8))  # fmt: skip
def test_ids_in_bulk_are_read_exactly_as_one_by_one(values: list[object]) -> None:
    ids, bad = read_ids(pd.Series(values, dtype=object))
    for i, raw in enumerate(values):
        try:
            one = parse_id(raw)
        except ValueError as err:
            assert bad.get(i) == str(err)
            continue
        assert i not in bad and ids[i] == one
        # an id accepted is its own normal form, and holds nothing invisible
        assert parse_id(one) == one and one == one.strip() and 0 < len(one) <= MAX_ID_LENGTH
