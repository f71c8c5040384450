"""A policy given as a dict, and hostile policies and options, at every door: ``pm.match``,
``pm.Matcher`` and ``pm.match_partitioned``. A dict is validated into a ``Policy``; anything
else is one ``pm.ValidationError`` (table "policy", field: the setting) that never repeats
what the user typed and never lets pydantic's own error out.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pydantic
import pytest

import pairmatch as pm

CHILDREN, VOLUNTEERS = pm.synth.province(240, n_counties=2, seed=4)
SECRET = "Zhang Wei, 13800138000"  # free text a user might type: never echoed

DOORS: dict[str, Callable] = {
    "match": lambda policy, **kw: pm.match(CHILDREN, VOLUNTEERS, policy, **kw),
    "Matcher": lambda policy, **kw: pm.Matcher(CHILDREN, VOLUNTEERS, policy, **kw),
    "match_partitioned": lambda policy, **kw: pm.match_partitioned(
        CHILDREN, VOLUNTEERS, policy, max_workers=1, **kw
    ),
}


def _pairs(table: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(table["child_id"], table["volunteer_id"], strict=True))


@pytest.mark.parametrize("door", list(DOORS))
def test_a_dict_is_the_policy_it_spells(door: str) -> None:
    settings = {"max_distance_km": 5, "tag_bonus": 3, "need_weights": {"study": 2.0}}
    given = DOORS[door](settings)
    policy = pm.Policy(**settings)
    assert given.policy == policy
    if door != "Matcher":
        same = DOORS[door](policy)
        assert _pairs(given.pairs) == _pairs(same.pairs)
        assert given.objective == same.objective


BAD_POLICIES = {
    "negative distance": ({"max_distance_km": -1}, {"max_distance_km"}),
    "distance as text": ({"max_distance_km": SECRET}, {"max_distance_km"}),
    "distance NaN": ({"max_distance_km": float("nan")}, {"max_distance_km"}),
    "distance inf": ({"max_distance_km": float("inf")}, {"max_distance_km"}),
    "unknown setting": ({"max_distnce_km": 5}, {"max_distnce_km"}),
    "unknown setting of free text": ({SECRET: 5}, {None}),
    "a long unknown setting": ({"x" * 500: 5}, {None}),
    "a setting that is no text": ({1: 2}, {None}),
    "unknown need category": ({"need_weights": {SECRET: 1.0}}, {"need_weights"}),
    "need weight NaN": ({"need_weights": {"study": float("nan")}}, {"need_weights"}),
    "free-text need, bad weight": ({"need_weights": {SECRET: "heavy"}}, {"need_weights"}),
    "unknown child category": ({"category_priority": {SECRET: 1}}, {"category_priority"}),
    "team sizes reversed": ({"team_size": (3, 1)}, {"team_size"}),
    "support load no fraction": ({"support_load": 0.3333}, {"support_load"}),
    "resolution too fine": ({"score_resolution": 1e-9}, {"score_resolution"}),
    "weight too large": ({"tag_bonus": 1e300}, {"tag_bonus"}),
    "boolean as text": ({"allow_cross_county": SECRET}, {"allow_cross_county"}),
    "several at once": (
        {"max_distance_km": 0, "fooo": 1, "max_leads": -3}, {"max_distance_km", "fooo", "max_leads"}
    ),
}  # fmt: skip


def _policy_error(call: Callable) -> pm.ValidationError:
    with pytest.raises(pm.ValidationError) as err:
        call()
    error = err.value
    assert not isinstance(error, pydantic.ValidationError)
    for link in (error.__cause__, error.__context__):  # pydantic's error does not escape
        assert not isinstance(link, pydantic.ValidationError)
    assert {p.table for p in error.problems} == {"policy"}
    assert SECRET not in str(error) and "x" * 100 not in str(error)
    assert "input_value" not in str(error)
    return error


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize("case", list(BAD_POLICIES), ids=list(BAD_POLICIES))
def test_a_bad_dict_is_one_error_naming_the_setting(door: str, case: str) -> None:
    settings, expected = BAD_POLICIES[case]
    error = _policy_error(lambda: DOORS[door](settings))
    assert {p.field for p in error.problems} == expected


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize(
    "policy", ["strict", 5, ["max_distance_km", 5], pm.Options()], ids=["text", "number", "list",
                                                                      "another object"]
)  # fmt: skip
def test_what_is_neither_a_policy_nor_a_dict_is_refused(door: str, policy: object) -> None:
    error = _policy_error(lambda: DOORS[door](policy))
    assert "must be a pm.Policy or a dict of its settings" in str(error)


def test_an_unknown_setting_suggests_the_nearest_and_lists_them_otherwise() -> None:
    near = _policy_error(lambda: pm.match(CHILDREN, VOLUNTEERS, {"max_distnce_km": 5}))
    assert "did you mean 'max_distance_km'?" in str(near)
    far = _policy_error(lambda: pm.match(CHILDREN, VOLUNTEERS, {"qqq": 5}))
    assert "the settings are max_distance_km, allow_cross_county" in str(far)


def test_a_nested_position_is_named_only_when_it_is_no_free_text() -> None:
    error = _policy_error(lambda: pm.match(CHILDREN, VOLUNTEERS, {"need_weights": {"study": -1}}))
    assert "(at 'study')" in str(error)


def test_the_policy_is_checked_before_the_registers_are_read() -> None:
    error = _policy_error(lambda: pm.match("no such file.csv", VOLUNTEERS, {"fooo": 1}))
    assert [p.field for p in error.problems] == ["fooo"]


BAD_OPTIONS = {
    "time_limit": dict(time_limit=-1),
    "seed": dict(seed="x"),
    "solver": dict(solver="gurobi"),
}


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize("case", list(BAD_OPTIONS))
def test_bad_search_options_are_refused_before_any_work(door: str, case: str) -> None:
    # the registers are no file: an error about them would mean the work had begun
    calls = {
        "match": lambda: pm.match("no such file.csv", VOLUNTEERS, **BAD_OPTIONS[case]),
        "Matcher": lambda: pm.Matcher("no such file.csv", VOLUNTEERS, **BAD_OPTIONS[case]),
        "match_partitioned": lambda: pm.match_partitioned(
            "no such file.csv", VOLUNTEERS, **BAD_OPTIONS[case]
        ),
    }
    with pytest.raises(pm.ValidationError) as err:
        calls[door]()
    assert [(p.table, p.field) for p in err.value.problems] == [("options", case)]
