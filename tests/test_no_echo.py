"""Errors never echo free text: a personal value (a name, in Chinese or in pinyin, an id
number, a phone number, an address) put into any field of any input never comes back in
an error, in any of its forms (str, the problems, to_frame()), whether the input is
rejected or accepted.

A value may be shown only when it cannot be personal: a number below a million, or a
near-miss of the field's vocabulary ("ture"). Record ids are the programme's own
identifiers and name the records an error is about (see the module ``errors``); a value
that is not a record's id is never shown, even in an id field.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd
import pydantic
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import pairmatch as pm
import registers
from pairmatch.model.policy import read_policy
from pairmatch.model.records import CHILD_COLUMNS, SENSITIVE_COLUMNS, VOLUNTEER_COLUMNS
from pairmatch.model.vocab import parse_id
from pairmatch.rematching.changes import apply_changes
from pairmatch.solvers.base import Options

#: Personal values as a county register holds them.
SENTINELS = ("王小明", "110101200001011234", "13800138000", "幸福路12号", "Wang Xiaoming")


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@st.composite
def cells(draw: st.DrawFn) -> tuple[str, Any]:
    """(the personal value, a cell holding it): as typed, padded, in full-width characters,
    beside other text, or as the number a spreadsheet makes of digits."""
    core = draw(st.sampled_from(SENTINELS))
    forms: list[Any] = [core, f"  {core} ", _full_width(core), f"{core} 13900000000"]
    if core.isdigit():
        forms += [int(core), float(core)]
    return core, draw(st.sampled_from(forms))


def _clean(text: str, core: str, cell: Any) -> None:
    """Neither the personal value nor the cell holding it, in any spelling, is in ``text``."""
    spellings = {core, str(cell).strip(), repr(cell), unicodedata.normalize("NFKC", str(cell))}
    for spelling in spellings:
        assert spelling not in text, f"{spelling!r} echoed in: {text}"


def _text(err: BaseException) -> str:
    """Everything an error shows: its text, its repr, and for pairmatch's every problem and
    its table."""
    parts = [str(err), repr(err)]
    if isinstance(err, pm.ValidationError):
        parts += [str(p) for p in err.problems]
        parts.append(err.to_frame().to_csv())
    return "\n".join(parts)


# ---------------------------------------------------------------- registers and records
_TEXT = {"province", "city", "county", "township", "village", *SENSITIVE_COLUMNS, "notes"}
_TAGS = {"interests", "specialities"}
_NUMBERS = {"lat", "lon", "capacity", "max_distance_km", "team_min", "team_max"}
_WORDS = {"category", "guardian_consent", "eligible", "active", "gender", "preferred_gender"}
FIELDS = {
    "children": [*CHILD_COLUMNS, "gender", *SENSITIVE_COLUMNS, "notes"],
    "volunteers": [*VOLUNTEER_COLUMNS, "gender", *SENSITIVE_COLUMNS, "notes"],
}


def _accepted(field: str, cell: Any) -> bool:
    """Whether a register takes the cell in this field (the other fields of the row good)."""
    if field == "id":
        try:
            parse_id(cell)
        except ValueError:
            return False
        return True
    if field in _TEXT:
        return True
    if field in _TAGS:
        return isinstance(cell, str)
    if field == "max_distance_km":  # a personal travel limit has no upper bound
        return pd.to_numeric(pd.Series([cell], dtype=object), errors="coerce").iat[0] > 0
    assert field in _WORDS or field in _NUMBERS or field.startswith(("need_", "skill_"))
    return False


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(["children", "volunteers"]),
    data=st.data(),
    value=cells(),
    fault=st.sampled_from([None, "lat", "county", "capacity"]),
)
def test_a_personal_value_in_any_register_field_is_never_echoed(kind, data, value, fault) -> None:
    field = data.draw(st.sampled_from(FIELDS[kind]), label="field")
    core, cell = value
    make = registers.children if kind == "children" else registers.volunteers
    second: dict[str, Any] = {"id": "R1"}  # another row, bad or good
    if fault == "lat":
        second["lat"] = 95
    elif fault == "county":
        second["county"] = ""
    elif fault == "capacity" and kind == "volunteers":
        second["capacity"] = -1
    table = make([{"id": "R0", field: cell}, second])
    read = pm.read_children if kind == "children" else pm.read_volunteers
    try:
        read(table)
    except pm.ValidationError as err:
        _clean(_text(err), core, cell)
        rejected = {(p.row, p.field) for p in err.problems}
    else:
        rejected = set()
    assert ((0, field) in rejected) is not _accepted(field, cell)
    event("rejected" if (0, field) in rejected else "accepted")
    # the same row as one record: pydantic's errors do not echo it either
    record = pm.Child if kind == "children" else pm.Volunteer
    row = table.iloc[0].to_dict()
    try:
        record.model_validate(row)
    except pydantic.ValidationError as err:
        _clean(str(err) + repr(err), core, cell)


def test_a_register_without_its_header_row_is_not_echoed() -> None:
    """A file read without its header row has a child's data for headers."""
    row = ["C1", "王小明", "110101200001011234", "13800138000", "幸福路12号", "王小明"]
    table = pd.DataFrame([row], columns=row)
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(table)
    text = _text(err.value)
    for secret in row[1:]:
        assert secret not in text
    assert "have: 6 other columns" in text and "positions 1, 5" in text
    # pairmatch's own columns are still named
    ok = registers.children([{"id": "C1"}]).drop(columns=["lat"])
    with pytest.raises(pm.ValidationError, match=r"have: lon, province, .*guardian_consent, id\)"):
        pm.read_children(ok.assign(**{"王小明": 1}).drop(columns=["王小明"]))
    with pytest.raises(pm.ValidationError, match="1 other column"):
        pm.read_children(ok.assign(**{"王小明": 1}))


@pytest.mark.filterwarnings("error")  # nor a RuntimeWarning on standard error
@pytest.mark.parametrize("value", [10**400, -(10**30), 1e30, float("inf"), 2**64, 1 + 2j])
@pytest.mark.parametrize(
    "field", ["lat", "need_study", "team_min", "guardian_consent", "category", "capacity"]
)
def test_large_and_odd_numbers_are_rejected_not_crashed(value, field) -> None:
    """Python integers beyond a float, and numbers beyond int64, are errors, not crashes."""
    kind = "volunteers" if field == "capacity" else "children"
    make = registers.volunteers if kind == "volunteers" else registers.children
    read = pm.read_volunteers if kind == "volunteers" else pm.read_children
    with pytest.raises(pm.ValidationError) as err:
        read(make([{"id": "R1", field: value}]))
    assert {p.field for p in err.value.problems} == {field}
    if isinstance(value, int | float) and value != float("inf"):
        assert str(value)[:12] not in str(err.value)
        assert "a large number" in str(err.value)


# ---------------------------------------------------------------- policy
_SHAPES = ("value", "key", "keyed", "listed", "need key", "need value")


@settings(max_examples=250, deadline=None)
@given(
    field=st.sampled_from(sorted(pm.Policy.model_fields)),
    shape=st.sampled_from(_SHAPES),
    value=cells(),
)
def test_a_personal_value_in_any_policy_setting_is_never_echoed(field, shape, value) -> None:
    core, cell = value
    settings_ = {
        "value": {field: cell},
        "key": {str(cell): 1},
        "keyed": {field: {str(cell): 1}},
        "listed": {field: [cell, 1]},
        "need key": {"need_weights": {str(cell): "x"}},
        "need value": {field: {"study": cell}},
    }[shape]
    with pytest.raises(pydantic.ValidationError) as err:
        pm.Policy.model_validate(settings_)
    _clean(str(err.value) + repr(err.value), core, cell)
    with pytest.raises(pm.ValidationError) as err2:
        read_policy(settings_)
    _clean(_text(err2.value), core, cell)
    assert {p.table for p in err2.value.problems} == {"policy"}


def test_policy_errors_name_the_setting() -> None:
    with pytest.raises(pm.ValidationError) as err:
        read_policy({"max_distance_km": -1, "tag_bonuss": 2, "王小明": 1, "team_size": [3, 1]})
    fields = [p.field for p in err.value.problems]
    assert fields == ["tag_bonuss", None, "max_distance_km", "team_size"]
    assert "did you mean 'tag_bonus'" in str(err.value)
    with pytest.raises(pm.ValidationError, match="not a list"):
        read_policy([1])
    with pytest.raises(pm.ValidationError, match=r"'studdy' \(did you mean 'study'"):
        read_policy({"need_weights": {"studdy": 1}})
    assert read_policy({"max_distance_km": 5}) == pm.Policy(max_distance_km=5)
    assert read_policy(None) == pm.Policy()


# ---------------------------------------------------------------- changes and pairs
@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    children = pm.read_children(registers.children([{"id": "C1"}, {"id": "C2"}]))
    volunteers = pm.read_volunteers(registers.volunteers([{"id": "V1"}, {"id": "V2"}]))
    return children, volunteers


CHANGE_SLOTS = (
    *("remove", "remove key", "remove reason"),
    *("end child", "end volunteer", "end reason", "end item"),
    *("edit", "edit id", "edit header", "edit path"),
    *("add", "add path", "add records"),
)


def _change(slot: str, field: str, cell: Any) -> pm.Changes:
    text = str(cell)
    return {
        "remove": lambda: pm.Changes(remove_children=[cell]),
        "remove key": lambda: pm.Changes(remove_volunteers={cell: "left"}),
        "remove reason": lambda: pm.Changes(remove_children={"C2": cell}),
        "end child": lambda: pm.Changes(end_pairs=[(cell, "V1", "moved")]),
        "end volunteer": lambda: pm.Changes(end_pairs=[("C1", cell, "moved")]),
        "end reason": lambda: pm.Changes(end_pairs=[("C1", "V1", cell)]),
        "end item": lambda: pm.Changes(end_pairs=[cell]),
        "edit": lambda: pm.Changes(edit_children=pd.DataFrame({"id": ["C1"], field: [cell]})),
        "edit id": lambda: pm.Changes(edit_volunteers=pd.DataFrame({"id": [cell], "lat": [30]})),
        "edit header": lambda: pm.Changes(edit_children=pd.DataFrame({"id": ["C1"], text: [1]})),
        "edit path": lambda: pm.Changes(edit_children=text),
        "add": lambda: pm.Changes(add_children=registers.children([{"id": "C9", field: cell}])),
        "add path": lambda: pm.Changes(add_volunteers=text + ".csv"),
        "add records": lambda: pm.Changes(add_children=[cell]),
    }[slot]()


@settings(max_examples=300, deadline=None)
@given(
    slot=st.sampled_from(CHANGE_SLOTS),
    field=st.sampled_from(FIELDS["children"]),
    value=cells(),
)
def test_a_personal_value_in_any_change_is_never_echoed(small, slot, field, value) -> None:
    core, cell = value
    children, volunteers = small
    try:
        changes = _change(slot, field, cell)
        apply_changes(children, volunteers, {("C1", "V1")}, changes)
    except pm.ValidationError as err:
        _clean(_text(err) + repr(changes), core, cell)
        event("rejected")
    except TypeError as err:  # a Changes that cannot be built: a plain message
        _clean(str(err), core, cell)
        event("refused by Changes")
    else:
        _clean(repr(changes), core, cell)
        event("accepted")


@settings(max_examples=150, deadline=None)
@given(
    which=st.sampled_from(["forbidden", "locked", "keep"]),
    slot=st.sampled_from(["child", "volunteer", "item", "header", "frame child"]),
    value=cells(),
)
def test_a_personal_value_in_a_pair_list_is_never_echoed(small, which, slot, value) -> None:
    core, cell = value
    pairs = {
        "child": [(cell, "V1")],
        "volunteer": [("C1", cell)],
        "item": [cell],
        "header": pd.DataFrame({str(cell): ["C1"], "volunteer_id": ["V1"]}),
        "frame child": pd.DataFrame({"child_id": [cell], "volunteer_id": ["V1"]}),
    }[slot]
    with pytest.raises(pm.ValidationError) as err:
        pm.match(*small, **{which: pairs})
    _clean(_text(err.value), core, cell)


@pytest.mark.parametrize("name", ["time_limit", "workers"])
@pytest.mark.parametrize("value", [*SENTINELS, True, float("nan"), -1, 0, [1]])
def test_solver_options_are_checked_without_echo(name, value) -> None:
    with pytest.raises(pm.ValidationError, match=f"field '{name}': must be") as err:
        Options(**{name: value})
    if isinstance(value, str):
        assert value not in str(err.value)
