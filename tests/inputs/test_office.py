"""An office's registers as it keeps them, read in one call (issue 19).

The registers under tests/data/office were written by hand for this (and those under
wild/ without looking at the readers); each has its expected table in pairmatch's columns.
"""

from __future__ import annotations

import io
import json
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.io import read_table
from pairmatch.model.vocab import CATEGORY_ALIASES, FALSE_WORDS, TRUE_WORDS, parse_tags
from pairmatch.office.places import place_key
from pairmatch.office.vocabulary import (
    DEFAULT_LEVEL,
    HEADERS,
    NEED_WORDS,
    SEVERITY_WORDS,
    OfficeVocabulary,
)
from registers import workbook

DATA = Path(__file__).parent.parent / "data" / "office"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
READ = {"children": pm.read_children, "volunteers": pm.read_volunteers}
WORDS = OfficeVocabulary()


# ------------------------------------------------------------------ the registers
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_each_office_register_reads_in_one_call_as_its_expected_table(entry) -> None:
    read = READ[entry["kind"]]
    if entry["expect"] == "error":
        with pytest.raises(pm.ValidationError) as err:
            read(DATA / entry["file"])
        for problem in err.value.problems:  # in the office's terms
            assert problem.sheet_row is not None and problem.header is not None
        return
    got = read(DATA / entry["file"])
    expected = read(DATA / entry["expected"])
    columns = list(pd.read_csv(DATA / entry["expected"], nrows=0).columns)
    pd.testing.assert_frame_equal(
        got[columns].astype(str), expected[columns].astype(str), check_dtype=False
    )


PAIRS = sorted({tuple(sorted((e["file"], e["pairs_with"]))) for e in MANIFEST if e["pairs_with"]})


@pytest.mark.parametrize("files", PAIRS, ids=["+".join(p) for p in PAIRS])
def test_office_registers_pair_exactly_as_the_same_data_in_pairmatch_columns(files) -> None:
    by_kind = {e["kind"]: e for e in MANIFEST if e["file"] in files}
    office = [READ[k](DATA / by_kind[k]["file"]) for k in ("children", "volunteers")]
    own = [READ[k](DATA / by_kind[k]["expected"]) for k in ("children", "volunteers")]
    policy = pm.Policy(max_distance_km=10)
    a, b = pm.match(*office, policy), pm.match(*own, policy)
    assert a.status is b.status is pm.Status.OPTIMAL
    assert (a.priority_paired, a.objective) == (b.priority_paired, b.objective)
    key = ["child_id", "volunteer_id"]
    assert a.pairs[key].values.tolist() == b.pairs[key].values.tolist()
    assert len(a.pairs) > 0 and pm.verify(a)


def test_rows_that_are_no_records_are_left_out_and_listed() -> None:
    children = pm.read_children(DATA / "children_title.xlsx")
    skipped = children.attrs["skipped_rows"]
    assert [why for _, why in skipped] == ["a total row (合计)"]
    assert skipped[0][0] > len(children) + 3  # its spreadsheet row, under the data


# ------------------------------------------------------------------ header detection
def _book(sheets: dict[str, list[list[object]]], merge: str | None = None) -> bytes:
    return workbook(sheets, (merge,) if merge else ())


HEADER = [
    "儿童编号",
    "姓名",
    "县（区）",
    "经度",
    "纬度",
    "儿童类别",
    "监护人是否同意",
    "帮扶需求",
    "兴趣爱好",
]
ROW = ["C1", "测试名", "秭归县", 110.98, 30.82, "农村留守儿童", "是", "学业辅导（严重）", "象棋"]


@pytest.mark.parametrize("titles", [0, 1, 2, 5])
def test_the_header_row_is_found_under_title_rows_and_a_notes_sheet(tmp_path, titles) -> None:
    rows = [["某某县留守儿童关爱台账"]] + [["填报单位：某某"]] * (titles - 1) if titles else []
    rows += [HEADER, ROW, [], ["合计", "1人"], ["填表人：某某", "日期"]]
    path = tmp_path / "c.xlsx"
    path.write_bytes(
        _book(
            {"填表说明": [["请按说明填写"], ["编号唯一"]], "登记表": rows},
            merge="A1:I1" if titles else None,
        )
    )
    children = pm.read_children(path)
    assert children["id"].tolist() == ["C1"] and children["need_study"].tolist() == [3]
    assert children["category"].tolist() == ["left_behind"]
    bad = tmp_path / "bad.xlsx"
    wrong = [*ROW[:6], "也许", *ROW[7:]]
    bad.write_bytes(_book({"登记表": [*rows[:titles], HEADER, wrong]}))
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(bad)
    (problem,) = err.value.problems
    assert problem.sheet_row == titles + 2  # as Excel shows it
    assert problem.header == "监护人是否同意" and problem.field == "guardian_consent"
    assert f"spreadsheet row {titles + 2}" in str(problem) and "监护人是否同意" in str(problem)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_offices_save_in_are_read(tmp_path, encoding) -> None:
    text = "某某县儿童登记表,,,,,,,,\n" + ",".join(HEADER) + "\n" + ",".join(map(str, ROW))
    text += "\n㐀测试,,,,,,,,\n" if encoding == "gb18030" else "\n"  # a GB18030-only character
    path = tmp_path / "c.csv"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    if encoding == "gb18030":
        with pytest.raises(pm.ValidationError) as err:  # the extra row has no coordinates
            pm.read_children(path)
        assert all(p.sheet_row == 4 for p in err.value.problems)
        return
    assert pm.read_children(path)["interests"].tolist() == ["象棋"]


@pytest.mark.parametrize("encoding", ["big5", "latin-1"])
def test_text_in_other_encodings_is_refused_not_read_garbled(tmp_path, encoding) -> None:
    text = (
        "id,name,county\nC1,張小明測試資料,秭歸縣\n" if encoding == "big5" else "id,name\nC1,Zoé\n"
    )
    path = tmp_path / "c.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(pm.FileReadError, match="neither UTF-8 nor GB18030"):
        pm.read_children(path)


# ------------------------------------------------------------------ the vocabulary
@pytest.mark.parametrize("kind", ["children", "volunteers"])
def test_every_header_of_the_vocabulary_names_its_field(kind) -> None:
    for header, field in HEADERS[kind].items():
        assert WORDS.field(kind, header) == field
        assert WORDS.field(kind, f" {header}\n") == field  # spaces and line breaks
    assert WORDS.field(kind, "备注") is None


def test_every_category_word_and_yes_no_word_is_read() -> None:
    for word, category in CATEGORY_ALIASES.items():
        assert WORDS.category(word) == category.value
        assert WORDS.category(f"{word}（父母均外出）") == category.value
    assert WORDS.category("单亲家庭儿童") is None
    for word in ("是", "同意", "有", "√", "已同意"):
        assert word in TRUE_WORDS
    for word in ("否", "不同意", "无", "×", "未同意"):
        assert word in FALSE_WORDS


def test_criminal_record_is_read_inverted_into_eligible() -> None:
    rows = {"编号": ["V1", "V2"], "县": ["K", "K"], "经度": [111, 111], "纬度": [30, 30],
            "特长": ["学业辅导（擅长）", "心理疏导"], "是否有违法犯罪记录": ["有", "无"],
            "是否在岗": ["是", "否"]}  # fmt: skip
    volunteers = pm.read_volunteers(pd.DataFrame(rows))
    assert volunteers["eligible"].tolist() == [False, True]
    assert volunteers["active"].tolist() == [True, False]
    assert volunteers[["skill_study", "skill_psychological"]].values.tolist() == [[3, 0], [0, 2]]


@pytest.mark.parametrize("scale", ["needs", "skills"])
def test_every_keyword_and_severity_word_gives_its_level(scale) -> None:
    for keyword, need in NEED_WORDS.items():
        assert WORDS.read_levels(keyword, scale) == ({need: DEFAULT_LEVEL[scale]}, [])
        for word, level in SEVERITY_WORDS[scale].items():
            for text in (f"{keyword}（{word}）", f"{keyword}({word})", f"{keyword}:{word}",
                         f"{keyword} {word}"):  # fmt: skip
                assert WORDS.read_levels(text, scale) == ({need: level}, []), text


_PHRASE = st.tuples(
    st.sampled_from(sorted(NEED_WORDS)), st.sampled_from([None, "一般", "较重", "严重"])
)
#: A phrase of a needs cell as an office writes it, and the level it reads as (None: not
#: understood): a severity word, a lone digit, a negation, a note in brackets, a stray
#: number.
_FORMS: list[tuple[str, int | None]] = [
    ("{k}辅导", DEFAULT_LEVEL["needs"]),
    ("{k}辅导（一般）", 1), ("{k}辅导（严重）", 3), ("{k}辅导（较重）", 2),
    ("{k}辅导（0）", 0), ("{k}辅导（1）", 1), ("{k}：2", 2), ("{k}辅导3", 3), ("{k}(3级)", 3),
    ("{k}：无", 0), ("{k}辅导（否）", 0), ("{k}（×）", 0), ("没有{k}需求", 0),
    ("暂无{k}需求", 0), ("无需{k}辅导", 0), ("不需要{k}辅导", 0), ("无{k}问题", 0),
    ("{k}无困难", 0), ("{k}辅导（不严重）", 1), ("{k}辅导（不太严重）", 1),
    ("{k}辅导（每周一次）", DEFAULT_LEVEL["needs"]), ("{k}辅导（待核实）", DEFAULT_LEVEL["needs"]),
    ("{k}辅导（10）", None), ("{k}辅导12", None), ("{k}2.5", None), ("{k}：13", None),
    ("{k}辅导（一般、严重）", None), ("没有严重{k}问题", None), ("{k}未落实", None),
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    phrases=st.lists(_PHRASE, min_size=1, max_size=5),
    seps=st.lists(st.sampled_from(["、", "，", ",", "；", ";", " ", "  "]), min_size=5, max_size=5),
    unknown=st.lists(st.sampled_from(["陪伴", "其他", "待定"]), max_size=2),
    forms=st.lists(
        st.tuples(st.sampled_from(sorted(NEED_WORDS)), st.sampled_from(_FORMS)), max_size=4
    ),
)
def test_text_needs_read_by_the_documented_rule(phrases, seps, unknown, forms) -> None:
    """Any mix of phrases: each need keeps its highest level; digits count only as a lone
    0-3; the negation forms read 0 and any other negation, or a stray number, is a
    phrase not understood (never a level)."""
    parts = [f"{k}辅导" + (f"（{w}）" if w else "") for k, w in phrases]
    parts += [form.format(k=k) for k, (form, _) in forms] + unknown
    text = "".join(p + seps[i % len(seps)] for i, p in enumerate(parts))
    want: dict[str, int] = {}
    for keyword, word in phrases:
        level = SEVERITY_WORDS["needs"][word] if word else DEFAULT_LEVEL["needs"]
        need = NEED_WORDS[keyword]
        want[need] = max(want.get(need, 0), level)
    not_understood = []
    for keyword, (form, level) in forms:
        if level is None:
            not_understood.append(unicodedata.normalize("NFKC", form.format(k=keyword)))
        else:
            need = NEED_WORDS[keyword]
            want[need] = max(want.get(need, level), level)
    assert WORDS.read_levels(text, "needs") == (want, not_understood + unknown), text


def test_every_phrase_not_understood_is_reported_with_row_and_field() -> None:
    rows = {"儿童编号": ["C1", "C2", "C3"], "县": ["K"] * 3, "经度": [111] * 3, "纬度": [30] * 3,
            "姓名": ["王小明", "李红", "张三"], "儿童类别": ["孤儿"] * 3,
            "监护人是否同意": ["是"] * 3,
            "帮扶需求": ["学习（严重）、陪伴", "李红", "心理、陪伴"]}  # fmt: skip
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(pd.DataFrame(rows))
    problems = err.value.problems
    assert [(p.row, p.record_id, p.field, p.header) for p in problems] == [
        (0, "C1", "needs", "帮扶需求"),
        (1, "C2", "needs", "帮扶需求"),
        (2, "C3", "needs", "帮扶需求"),
    ]
    assert "'陪伴'" in problems[0].message  # in two rows: the office's word, shown
    assert "李红" not in str(err.value)  # a name typed into the needs column is not shown
    assert "a phrase of 2 characters" in problems[1].message
    words = WORDS.extend(needs={"陪伴": "psychological"})
    table = pm.read_children(pd.DataFrame(rows).assign(帮扶需求=["学习（严重）、陪伴", "", "心理"]),
                             vocabulary=words)  # fmt: skip
    assert table[["need_study", "need_psychological"]].values.tolist() == [[3, 2], [0, 0], [0, 2]]


def test_a_vocabulary_saves_and_loads(tmp_path) -> None:
    words = WORDS.extend(headers={"联系人": "name"}, needs={"陪伴": "psychological"},
                         categories={"单亲家庭儿童": "other_difficulty"})  # fmt: skip
    loaded = OfficeVocabulary.load(words.save(tmp_path / "words.json"))
    assert loaded == words
    assert loaded.category("单亲家庭儿童") == "other_difficulty"
    with pytest.raises(pm.ArgumentError):
        OfficeVocabulary(needs={"陪伴": "love"})
    (tmp_path / "bad.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(pm.ArgumentError):
        OfficeVocabulary.load(tmp_path / "bad.json")


def test_columns_may_be_a_saved_mapping(tmp_path) -> None:
    rows = pd.DataFrame({"孩子代码": ["C1"], "县": ["K"], "经度": [111], "纬度": [30],
                         "儿童类别": ["孤儿"], "监护人是否同意": ["是"],
                         "帮扶需求": ["学习"]})  # fmt: skip
    path = pm.save_columns({"孩子代码": "id"}, tmp_path / "columns.json")
    assert pm.read_children(rows, columns=path)["id"].tolist() == ["C1"]
    assert pm.read_children(rows, columns={"孩子代码": "id"})["id"].tolist() == ["C1"]


# ------------------------------------------------------------------ lists
@settings(max_examples=100, deadline=None)
@given(
    tags=st.lists(
        st.sampled_from(["象棋", "绘画", "chess", "音乐", "书法"]), min_size=1, max_size=4
    ),
    seps=st.lists(
        st.sampled_from(["、", "，", ",", "；", ";", " ", "\u3000"]), min_size=4, max_size=4
    ),
)
def test_lists_split_by_one_rule(tags, seps) -> None:
    text = "".join(t + seps[i % len(seps)] for i, t in enumerate(tags))
    assert parse_tags(text) == tuple(sorted(set(tags)))


# ------------------------------------------------------------------ jurisdictions
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [("秭归县", "秭归", "county"), ("长阳土家族自治县", "长阳", "county"),
     ("西陵区", "西陵", "county"),
     ("宜都市", "宜都", "county"), ("湖北省", "湖北", "province"), ("宜昌市", "宜昌", "city"),
     ("恩施土家族苗族自治州", "恩施", "city"), ("广西壮族自治区", "广西", "province"),
     ("秭归 县", "秭归县", "county")],
)  # fmt: skip
def test_a_place_written_short_or_long_is_one_place(a, b, level) -> None:
    assert place_key(a, level) == place_key(b, level)


def test_counties_written_with_and_without_suffix_pair_as_one() -> None:
    children, volunteers = pm.synth.county(120, seed=4)
    same = pm.match(children, volunteers)
    renamed = pm.match(
        children.assign(county="秭归县", province="湖北省"),
        volunteers.assign(county="秭归", province="湖北"),
    )
    assert renamed.objective == same.objective and len(renamed.pairs) == len(same.pairs)
    assert pm.verify(renamed)


def test_registers_that_share_no_county_say_so_loudly() -> None:
    children, volunteers = pm.synth.county(60, seed=2)
    with pytest.warns(pm.CountiesApartWarning, match="share no county"):
        result = pm.match(children.assign(county="甲县"), volunteers.assign(county="乙县"))
    assert len(result.pairs) == 0 and any("share no county" in r for r in result.reasons)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pm.CountiesApartWarning)
        pm.match(children.assign(county="甲乙县"), volunteers.assign(county="甲乙"))


def test_a_single_county_register_may_leave_the_county_out() -> None:
    rows = pd.DataFrame({"儿童编号": ["C1", "C2"], "经度": [111, 111], "纬度": [30, 30],
                         "儿童类别": ["孤儿"] * 2, "监护人是否同意": ["是"] * 2,
                         "帮扶需求": ["学习", "生活"]})  # fmt: skip
    with pytest.raises(pm.ValidationError, match="county"):
        pm.read_children(rows)
    assert pm.read_children(rows, county="秭归县")["county"].tolist() == ["秭归县"] * 2


def test_hints_for_swapped_coordinates_and_zero(tmp_path) -> None:
    rows = pd.DataFrame({"儿童编号": ["C1", "C2"], "县": ["K"] * 2, "经度": [30.8, 0],
                         "纬度": [110.9, 0],
                         "儿童类别": ["孤儿"] * 2, "监护人是否同意": ["是"] * 2,
                         "帮扶需求": ["学习"] * 2})  # fmt: skip
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(rows)
    text = str(err.value)
    assert "look swapped" in text and "Atlantic" in text
    assert np.all([p.header in ("纬度", "经度") for p in err.value.problems])


def test_the_docs_show_the_vocabulary_the_code_uses() -> None:
    page = (Path(__file__).parents[2] / "docs" / "office.md").read_text(encoding="utf-8")
    shown = page.split("<!-- vocabulary:start -->\n")[1].split("<!-- vocabulary:end -->")[0]
    assert shown == WORDS.markdown()


def test_a_repeated_header_is_named_only_when_it_names_a_field() -> None:
    secret = "秘密名字"  # a register read without its header row: its "headers" are cells
    with pytest.raises(pm.FileReadError) as err:
        pm.read_children(io.BytesIO(f"id,name,{secret},{secret}\nC1,a,b,c\n".encode()))
    assert secret not in str(err.value) and err.value.problems[0].field is None
    with pytest.raises(pm.FileReadError) as err:
        pm.read_children(io.BytesIO("编号,姓名,编号\nC1,a,b\n".encode()))
    assert err.value.problems[0].field == "编号"


def test_changes_read_an_office_table_and_columns() -> None:
    children, volunteers = pm.synth.county(80, seed=5)
    matcher = pm.Matcher(children, volunteers)
    matcher.solve()
    cid = str(children["id"].iloc[0])
    edit = pd.DataFrame({"儿童编号": [cid], "帮扶需求": ["学业辅导（严重）、心理疏导"]})
    matcher.update(pm.Changes(edit_children=edit))
    row = matcher.children.set_index("id").loc[cid]
    assert [row[f"need_{k}"] for k in ("study", "life", "psychological", "safety")] == [3, 0, 2, 0]
    withdrawn = pd.DataFrame({"孩子代码": [cid], "监护人是否同意": ["不同意"]})
    result = matcher.update(pm.Changes(edit_children=withdrawn, columns={"孩子代码": "id"}))
    assert not matcher.children.set_index("id").loc[cid, "guardian_consent"]
    assert cid not in set(result.pairs["child_id"])
    with pytest.raises(pm.ValidationError) as err:
        matcher.update(pm.Changes(edit_children=edit.assign(帮扶需求="陪伴")))
    assert err.value.problems[0].table == "edit_children"


SAME_PLACE = [
    ("秭归县", "秭归", "county"), ("长阳土家族自治县", "长阳县", "county"),
    ("黔东南苗族侗族自治州", "黔东南州", "city"), ("黔西南布依族苗族自治州", "黔西南", "city"),
    ("西双版纳傣族自治州", "西双版纳州", "city"), ("杭州市", "杭州", "city"),
    ("广州市", "广州", "city"), ("鄂温克族自治旗", "鄂温克旗", "county"),
    ("内蒙古自治区", "内蒙古", "province"), ("新疆维吾尔自治区", "新疆", "province"),
    ("宁夏回族自治区", "宁夏", "province"), ("沙市区", "沙市", "county"),
    ("双江拉祜族佤族布朗族傣族自治县", "双江县", "county"),
]  # fmt: skip
OTHER_PLACE = [
    ("和县", "和", "county"), ("城区", "城", "county"), ("杭州", "杭", "city"),
    ("鼓楼区", "鼓楼县", "township"), ("城关镇", "城关乡", "township"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b", "level"), SAME_PLACE)
def test_a_gazetteer_of_places_written_two_ways(a, b, level) -> None:
    assert place_key(a, level) == place_key(b, level)


@pytest.mark.parametrize(("a", "b", "level"), OTHER_PLACE)
def test_names_that_are_not_one_place_stay_apart(a, b, level) -> None:
    assert place_key(a, level) != place_key(b, level)


def test_an_excel_97_2003_workbook_reads_in_one_call() -> None:
    children = pm.read_children(DATA / "children_old_excel.xls")  # made with xlwt, once
    assert children["id"].tolist() == ["C1", "C2"]
    assert children[["need_study", "need_life", "need_psychological"]].values.tolist() == [
        [3, 0, 0],
        [0, 2, 1],
    ]
    assert children["category"].tolist() == ["left_behind", "scattered_orphan"]


def test_coordinates_swapped_but_in_range_are_warned_about() -> None:
    rows = pd.DataFrame({"儿童编号": ["C1", "C2"], "县": ["K"] * 2, "经度": [111.0, 39.47],
                         "纬度": [30.8, 75.99], "儿童类别": ["孤儿"] * 2,
                         "监护人是否同意": ["是"] * 2, "帮扶需求": ["学习"] * 2})  # fmt: skip
    with pytest.warns(pm.PairmatchWarning, match=r"rows 1, counting from 0"):
        pm.read_children(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pm.PairmatchWarning)
        pm.read_children(rows.iloc[:1])


def test_a_few_gbk_characters_are_read_though_the_detector_cannot_tell(tmp_path) -> None:
    path = tmp_path / "t.csv"  # charset-normalizer names cp932 for this; it is GBK
    path.write_bytes("h0张,h1张\r\n,\r\n,aaa张\r\n".encode("gb18030"))
    table = read_table(path)
    assert table.columns.tolist() == ["h0张", "h1张"] and table.iloc[-1, 1] == "aaa张"
