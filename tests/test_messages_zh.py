"""Input problems said in Chinese (``pairmatch.messages_zh``): every problem the register
checks and the file reader can raise has a Chinese text with no English sentence left in
it, and shows nothing the English does not.

The coverage test makes as many distinct problems as it can (bad ids, cells, columns and
files) and checks each one's Chinese: a run of ASCII letters is allowed only when it is a
word the user writes or reads as such (a column name, an id, a file or sheet name, a
vocabulary code, a format's name). A message form added without an entry in
``messages_zh.MESSAGES`` stays English in Chinese, and fails it.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pairmatch as pm
import registers
from pairmatch import messages_zh
from pairmatch.io import read_table
from pairmatch.model.policy import read_policy
from pairmatch.model.records import CHILD_COLUMNS, SENSITIVE_COLUMNS, VOLUNTEER_COLUMNS
from pairmatch.model.vocab import (
    CATEGORY_ALIASES,
    FALSE_WORDS,
    GENDER_ALIASES,
    NEEDS,
    TRUE_WORDS,
)
from pairmatch.registry import locate_pairs
from registers import children, rows_of, volunteers, workbook

SECRET = "王小明"  # a child's name: never in a message, in any language

#: Words a Chinese message may hold in ASCII: what users write in their files (column
#: names, codes, yes/no words) and the names of formats, programs and arguments.
ALLOWED = {
    *CHILD_COLUMNS, *VOLUNTEER_COLUMNS, *SENSITIVE_COLUMNS, "gender", "child_id",
    "volunteer_id", *CATEGORY_ALIASES, *GENDER_ALIASES, *TRUE_WORDS, *FALSE_WORDS,
    *pm.Policy.model_fields, *NEEDS, "True", "False", "CSV", "UTF-8", "UTF-16", "GBK",
    "WGS84", "xlsx", "xls", "csv", "txt", "parquet", "Parquet", "Excel", "WPS", "Unicode",
    "zip", "DataFrame", "pairmatch", "xlrd", "sheet", "columns", "all", "name", "problems",
    "nan", "inf", "Policy", "JSON", "OfficeVocabulary", "extend", "needs", "vocabulary", "help",
}  # fmt: skip
#: User-written words of the inputs below (ids, headers, file and sheet names) that a
#: message shows unquoted.
USERS = {"C0", "C1", "interestz", "docx"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_CAMEL = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+")  # BadZipFile: a type's name


def english_left(text: str, allowed: set[str]) -> list[str]:
    """The runs of 3 or more ASCII letters in ``text`` that are not ``allowed``."""
    return [
        w
        for w in _WORD.findall(text)
        if sum(c.isalpha() for c in w) >= 3 and w not in allowed and not _CAMEL.fullmatch(w)
    ]


# ---------------------------------------------------------------- bad registers
def _child(**cells: Any) -> dict[str, Any]:
    return {"id": "C1", **cells}


#: name -> a children or volunteers table that is refused
BAD_TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "ids": lambda: children([
        {"id": None}, {"id": True}, {"id": 1.5}, {"id": [1]}, {"id": "C\u200b1"},
        {"id": "C;1"}, {"id": "C" * 65}, {"id": "yes"}, {"id": "42.0"}, {"id": "C1"},
        {"id": "C1"}, {"id": ""},
    ]),
    "levels": lambda: children([
        _child(need_study=None), _child(need_life=7), _child(need_safety="high"),
        _child(need_psychological=1.5), _child(need_study=10**7),
    ]),
    "places": lambda: children([
        _child(lat=95.0), _child(lon=np.nan), _child(lat="north"), _child(county=""),
        _child(lon=[1]),
    ]),
    "child fields": lambda: children([
        _child(category="orphanish"), _child(category=SECRET), _child(guardian_consent="maybe"),
        _child(guardian_consent=None), _child(guardian_consent="ture"), _child(gender="x"),
        _child(preferred_gender="femail"), _child(team_min=0), _child(team_max=11),
        _child(team_min=3, team_max=2), _child(interests=5),
    ]),
    "volunteer fields": lambda: volunteers([
        {"id": "V0", "capacity": -1}, {"id": "V1", "capacity": 1.5},
        {"id": "V0", "capacity": 2_000_000}, {"id": "V1", "max_distance_km": 0},
        {"id": "V0", "max_distance_km": "far"}, {"id": "V1", "eligible": None},
        {"id": "V0", "active": "maybe"}, {"id": "V1", "skill_safety": "high"},
        {"id": "V0", "specialities": 3.5},
    ]),
    "missing and misspelt columns": lambda: children([_child()])
    .drop(columns=["lat", "guardian_consent"])
    .rename(columns={"interests": "interestz", "village": SECRET}),
    "no columns": lambda: pd.DataFrame(index=range(2)),
    "a column twice": lambda: children([_child()]).set_axis(
        ["lat", "lat", *children([_child()]).columns[2:]], axis=1
    ),
    "a user's header twice": lambda: children([_child(naem="a")]).assign(x=1)
    .rename(columns={"naem": SECRET, "x": SECRET}),
}  # fmt: skip


def _table_problems() -> list[tuple[pm.ValidationError, set[str]]]:
    out = []
    for name, make in BAD_TABLES.items():
        reader = pm.read_volunteers if name.startswith("volunteer") else pm.read_children
        with pytest.raises(pm.ValidationError) as err:
            reader(make())
        out.append((err.value, set()))
    return out


# ---------------------------------------------------------------- bad files
_xlsx, _rows = workbook, rows_of


def _register(n: int = 2, **cells: Any) -> pd.DataFrame:
    return children([{"id": f"C{i}", "name": SECRET, **cells} for i in range(n)])


def _parquet(table: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    table.to_parquet(out)
    return out.getvalue()


_NOTES = [["说明"], ["本表为登记表"]]
_OLD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)

#: name -> (file name, content, sheet=); each read is refused
BAD_FILES: dict[str, tuple[str, bytes, Any]] = {
    "unknown suffix": ("c.docx", b"id\nC1\n", None),
    "empty": ("c.csv", b"", None),
    "header row only blank": ("c.csv", b"\n\n", None),
    "latin-1": ("c.csv", "id,name\nC1,Zoé\n".encode("latin-1"), None),
    "utf-16": ("c.csv", "id,name\nC1,x\n".encode("utf-16"), None),
    "nul bytes": ("c.csv", b"id,name\nC1,\x00\x01\n", None),
    "ragged": ("c.csv", f"id,name\nC1,{SECRET},x\nC2,y,z\n".encode(), None),
    "unclosed quote": ("c.csv", f'id,name\nC1,"{SECRET}\nC3,y\n'.encode(), None),
    "csv named xlsx": ("c.xlsx", b"id,name\nC1,x\n", None),
    "xlsx named csv": ("c.csv", _xlsx({"s": [["id"], ["C1"]]}), None),
    "parquet named csv": ("c.csv", _parquet(pd.DataFrame({"id": ["C1"]})), None),
    "cut workbook": ("c.xlsx", _xlsx({"s": [["id"], ["C1"]]})[:300], None),
    "parquet junk": ("c.parquet", b"PAR1" + bytes(range(256)), None),
    "locked xlsx": ("c.xlsx", _OLD, None),
    "old xls": ("c.xls", _OLD, None),
    "random bytes": ("c.xlsx", bytes(range(256)) * 4, None),
    "no columns parquet": ("c.parquet", _parquet(pd.DataFrame(index=range(2))), None),
    "repeated header": ("c.csv", b"id,name,id\nC1,x,C2\n", None),
    "empty sheet": ("c.xlsx", _xlsx({"Sheet": []}), None),
    "no sheet by name": ("c.xlsx", _xlsx({"Sheet": _rows(_register())}), "Notes"),
    "no sheet by index": ("c.xlsx", _xlsx({"Sheet": _rows(_register())}), 3),
    "bad sheet=": ("c.xlsx", _xlsx({"Sheet": _rows(_register())}), True),
    "sheet= for csv": ("c.csv", _register().to_csv(index=False).encode(), 0),
    "no register sheet": ("c.xlsx", _xlsx({"说明": _NOTES, "Notes": [["note"]]}), None),
    "two register sheets": (
        "c.xlsx", _xlsx({"甲乡": _rows(_register()), "乙乡": _rows(_register())}), None,
    ),
    "sheets differ": (
        "c.xlsx", _xlsx({"甲乡": _rows(_register()), "乙乡": [["id", "lat"]]}), "all",
    ),
    "bad row in the second sheet": (
        "c.xlsx",
        _xlsx({"甲乡": _rows(_register()), "乙乡": _rows(_register(need_study=9).assign(
            id=["C7", "C8"]))}),
        "all",
    ),
}  # fmt: skip


class _Gives:
    """An open file whose read gives neither bytes nor text."""

    name = "c.csv"

    def read(self) -> object:
        return 42


def _file_problems(tmp_path: Path) -> list[tuple[pm.ValidationError, set[str]]]:
    out = []
    for case, (name, data, sheet) in BAD_FILES.items():
        path = tmp_path / case.replace(" ", "-").replace("=", "") / name
        path.parent.mkdir()
        path.write_bytes(data)
        with pytest.raises(pm.ValidationError) as err:
            pm.read_children(path, sheet=sheet)
        out.append((err.value, set(_WORD.findall(str(path)))))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(_register().to_csv(index=False).encode("gbk"))
    book = tmp_path / "book.xlsx"
    book.write_bytes(_xlsx({"s": _rows(_register())}))
    for opened, how in ((gbk, {"encoding": "utf-8"}), (book, {"encoding": "latin-1"})):
        with opened.open(**how) as handle, pytest.raises(pm.FileReadError) as err:
            pm.read_children(handle)
        out.append((err.value, set(_WORD.findall(str(opened)))))
    for source, sheet in ((_Gives(), None), (_register(), 0)):
        with pytest.raises(pm.FileReadError) as err:
            read_table(source, sheet=sheet)
        out.append((err.value, set()))
    return out


def _pair_problems() -> list[tuple[pm.ValidationError, set[str]]]:
    index = pd.Index(["C0", "C1"], dtype=object)
    out = []
    for pairs in (
        [("C0", "V9"), ("C9", "C1")],
        [("C0",), (True, "C0")],
        pd.DataFrame({"child_id": ["C0"]}),
        "C0,V0",
    ):
        with pytest.raises(pm.ValidationError) as err:
            locate_pairs(pairs, "forbidden pairs", index, index)
        out.append((err.value, set()))
    return out


def _record_problems() -> list[tuple[pm.ValidationError, set[str]]]:
    """pm.Child, pm.Volunteer and pm.Policy given bad values (pydantic's messages)."""
    child = {"id": "C1", **registers.CHILD}
    volunteer = {"id": "V1", **registers.VOLUNTEER, "max_distance_km": None}
    calls: list[Callable[[], object]] = [
        lambda: pm.Child(**child | {
            "category": "x", "guardian_consent": "maybe", "lat": 95, "need_study": 7,
            "interests": [1], "preferred_gender": "x", "id": True,
        }),
        lambda: pm.Child(**{k: v for k, v in child.items() if k != "lat"}),
        lambda: pm.Child(**child | {"lon": "east"}),
        lambda: pm.Child(**child | {"team_min": 3, "team_max": 2}),
        lambda: pm.Child(**child | {"category": "left_behind", "lat": math.inf}),
        lambda: pm.Volunteer(**volunteer | {
            "capacity": -1, "max_distance_km": 0, "eligible": "x", "skill_life": 1.5,
            "skill_study": "high",
        }),
        lambda: pm.Policy.model_validate({"team_size": (3, 2), "need_weights": {"studdy": 1}}),
        lambda: pm.Policy.model_validate({"support_load": 0.123, "tag_bonuss": 1}),
        lambda: pm.Policy.model_validate({"max_distance_km": -1, "max_leads": 0}),
        lambda: read_policy({
            "max_distance_km": -1, "tag_bonuss": 1, SECRET: 1,
            "category_priority": {"left_behind": "x"},
        }),
        lambda: read_policy([1]),
    ]  # fmt: skip
    out = []
    for call in calls:
        with pytest.raises(pm.ValidationError) as err:
            call()
        out.append((err.value, set()))
    return out


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[pm.ValidationError, set[str]]]:
    """Every refusal made above, with the words of its file's path."""
    tmp_path = tmp_path_factory.mktemp("files")
    return _table_problems() + _file_problems(tmp_path) + _pair_problems() + _record_problems()


# ---------------------------------------------------------------- the tests
def _written(issue: pm.InputIssue) -> set[str]:
    """The words of ``issue`` the user wrote: its id and field, and what its English
    message quotes (a near-miss value, a header, a sheet's name)."""
    quoted = re.findall(r"'([^'\s]+)'", issue.message)
    return set(_WORD.findall(" ".join([issue.record_id or "", issue.field or "", *quoted])))


def test_every_input_problem_is_said_in_chinese(refused) -> None:
    forms = set()
    untranslated = []
    for err, path_words in refused:
        allowed = ALLOWED | USERS | path_words
        for issue in err.problems:
            forms.add(re.sub(r"\d+|'[^']*'", "#", issue.message))
            text = issue.said("zh")
            left = english_left(text, allowed | _written(issue))
            if left or messages_zh.message_in_chinese(issue.message) is None:
                untranslated.append(f"{issue.message!r}: {text!r} (English left: {left})")
        head = err.said("zh").splitlines()[0]
        sheet = set(_WORD.findall(" ".join(re.findall(r"'([^']+)'", err.what))))
        assert english_left(head, allowed | sheet) == [], head
    assert untranslated == [], "\n".join(untranslated)
    assert len(forms) >= 60, sorted(forms)  # the generators above still reach many forms


def test_the_chinese_shows_nothing_the_english_does_not(refused) -> None:
    """Each quoted value and number of a problem's Chinese is in its English (or in the
    Chinese's fixed words: 从 0 起算, 42 而不是 42.0)."""
    for err, _ in refused:
        assert SECRET not in err.said("en") and SECRET not in err.said("zh")
        for issue in err.problems:
            english, chinese = issue.said("en"), issue.said("zh")
            for piece in re.findall(r"'[^'\s]*'|\d+", chinese):
                assert piece in english or piece in {"0", "1", "42"}, (piece, chinese)


def test_english_is_unchanged_and_chinese_when_asked(refused, monkeypatch) -> None:
    err = refused[0][0]
    first = err.problems[0]
    english = str(err)
    assert english.startswith(f"{len(err.problems)} problems in children; nothing was changed:")
    assert english == err.said("en") == err.args[0] and str(first) == first.said("en")
    monkeypatch.setenv("PAIRMATCH_LANG", "zh_CN.UTF-8")
    assert str(err) == err.said("zh") == err.said()
    assert str(err).startswith(f"儿童登记表中有{len(err.problems)}处问题，未作任何改动：")
    assert str(first) == first.said("zh") and first.said("en") in english
    assert list(err.to_frame().columns) == ["table", "row", "record_id", "field", "message"]
    frame = err.to_frame(lang="zh")
    assert list(frame.columns) == ["表", "行", "编号", "字段", "问题"]
    assert frame["表"].iloc[0] == "儿童登记表" and "编号（id）" in set(frame["字段"])
    with pytest.raises(pm.ArgumentError):
        err.to_frame(lang="fr")  # type: ignore[arg-type]


def test_more_than_fifty_problems_end_with_a_count() -> None:
    issues = [pm.InputIssue("children", i, None, "lat", "is missing; coordinates are WGS84 "
                            "degrees") for i in range(53)]  # fmt: skip
    text = pm.ValidationError(issues, what="children and volunteers").said("zh")
    assert text.splitlines()[0] == "儿童登记表和爱心妈妈登记表中有53处问题，未作任何改动："
    assert text.splitlines()[-1] == "  …… 另有3处问题（见该错误的 .problems）"


def test_fields_are_named_in_chinese_by_their_table() -> None:
    assert messages_zh.field_in_chinese("max_distance_km", "policy") == (
        "最远服务距离(公里)（max_distance_km）"
    )
    assert messages_zh.field_in_chinese("max_distance_km", "volunteers") == (
        "本人最远服务距离(公里)（max_distance_km）"
    )
    assert messages_zh.field_in_chinese("needs.study", "children") == "学业需求（needs.study）"
    assert messages_zh.field_in_chinese("school", "children") == "'school'"


def test_a_model_validation_error_keeps_pydantic_text_in_english() -> None:
    with pytest.raises(pm.ValidationError) as err:
        pm.Policy(max_distance_km=-1)
    assert "Input should be greater than 0" in str(err.value)  # pydantic's own text


def test_an_unknown_form_stays_english_inside_chinese() -> None:
    issue = pm.InputIssue("children", 2, "C1", "school", "a message with no entry")
    assert (
        issue.said("zh") == "儿童登记表，第2行，编号 'C1'，字段 'school'：a message with no entry"
    )


def test_every_entry_is_well_formed() -> None:
    for english, chinese in messages_zh.MESSAGES:
        holes = set(re.findall(r"\{([a-z]+\d*)\}", english))
        assert holes == set(re.findall(r"\{([a-z]+\d*)\}", chinese)) - {"..."}, english
        assert english_left(re.sub(r"\{[a-z]+\d*\}", "", chinese), ALLOWED) == [], chinese
