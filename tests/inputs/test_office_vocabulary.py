"""The office vocabulary's rules (issue 19 fixes): negations, digit levels, a need named
twice, vocabulary files, the privacy of the phrases not understood, and pairmatch's own
English names beside their level columns.

Each guard was checked by mutation (see the commit that added this file)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.office import vocabulary as vocab
from pairmatch.office.vocabulary import NEED_WORDS, OfficeVocabulary

WORDS = OfficeVocabulary()


# ------------------------------------------------------------------ negations
@pytest.mark.parametrize(
    ("text", "scale", "levels"),
    [
        ("学业辅导（不严重）", "needs", {"study": 1}),
        ("学业辅导 不太严重", "needs", {"study": 1}),
        ("学业：无", "needs", {"study": 0}),
        ("学业辅导（否）", "needs", {"study": 0}),
        ("学业（×）", "needs", {"study": 0}),
        ("学业辅导(无)", "needs", {"study": 0}),
        ("没有学业需求", "needs", {"study": 0}),
        ("暂无学业需求", "needs", {"study": 0}),
        ("无需学业辅导", "needs", {"study": 0}),
        ("不需要心理辅导", "needs", {"psychological": 0}),
        ("心理：无", "needs", {"psychological": 0}),
        ("无心理问题", "needs", {"psychological": 0}),
        ("生活无困难", "needs", {"life": 0}),
        ("无需心理辅导", "needs", {"psychological": 0}),
        ("心理疏导（不擅长）", "skills", {"psychological": 1}),
        ("作业辅导（不熟练）", "skills", {"study": 1}),
        ("无人照料", "needs", {"life": 2}),  # nobody cares for the child: a need
        ("无人监护（严重）", "needs", {"safety": 3}),
    ],
)
def test_a_negation_reads_by_the_documented_rule(text, scale, levels) -> None:
    assert WORDS.read_levels(text, scale) == (levels, [])


@pytest.mark.parametrize(
    "text", ["无监护人", "没有严重学业问题", "其他：无", "学业未辅导", "学业不", "否"]
)
def test_any_other_negation_is_not_understood_rather_than_guessed(text) -> None:
    levels, unknown = WORDS.read_levels(text, "needs")
    assert levels == {} and len(unknown) == 1


# ------------------------------------------------------------------ digits
@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("学业辅导(1)", {"study": 1}),
        ("学业：3", {"study": 3}),
        ("学业3级", {"study": 3}),
        ("学业 0", {"study": 0}),
        ("学业辅导（10）", {}),  # read study 0 before: the last digit of 10
        ("学业辅导10", {}),
        ("学业:13", {}),
        ("学业2.5", {}),
        ("学业(4)", {}),
        ("3学业", {}),
        ("学业3（严重）", {}),
        ("学业（严重）3", {"study": 3}),  # two phrases: "3" has no level to fill before it
    ],
)
def test_only_a_lone_digit_0_to_3_is_a_level(text, levels) -> None:
    read, unknown = WORDS.read_levels(text, "needs")
    assert read == levels
    assert bool(unknown) == (not levels or text.endswith("）3")), unknown


@pytest.mark.parametrize(
    ("text", "study"),
    [
        ("学业辅导（严重）、学业辅导 一般", 3),
        ("学业辅导 一般、学业辅导（严重）", 3),
        ("学业辅导、学业辅导 严重", 3),
        ("学业辅导（严重）、学业辅导", 3),
        ("学业辅导 一般", 1),
        ("学业：无、学业辅导", 2),
    ],
)
def test_a_need_named_twice_keeps_its_highest_level(text, study) -> None:
    assert WORDS.read_levels(text, "needs") == ({"study": study}, [])


# ------------------------------------------------------------------ vocabulary files
def test_a_vocabulary_file_extends_the_builtin_tables(tmp_path) -> None:
    path = tmp_path / "words.json"
    path.write_text(json.dumps({"severity": {"needs": {"急需": 3, "稍有": 1}}}), encoding="utf-8")
    words = OfficeVocabulary.load(path)
    assert words.read_levels("学业辅导（严重）、心理（稍有）", "needs") == (
        {"study": 3, "psychological": 1},
        [],
    )
    assert words.needs == NEED_WORDS and words.field("children", "儿童编号") == "id"
    path.write_text(json.dumps({"default_level": {"skills": 3}}), encoding="utf-8")
    words = OfficeVocabulary.load(path)  # one scale: the other is the built-in one
    assert words.read_levels("学业", "needs") == ({"study": 2}, [])
    assert words.read_levels("学业", "skills") == ({"study": 3}, [])
    assert OfficeVocabulary(severity={"skills": {"会": 2}}).read_levels("学业", "needs") == (
        {"study": 2},
        [],
    )


def test_a_vocabulary_file_replaces_the_builtin_tables_only_when_it_says_so(tmp_path) -> None:
    path = tmp_path / "words.json"
    path.write_text(json.dumps({"builtin": False, "needs": {"读书": "study"}}), encoding="utf-8")
    words = OfficeVocabulary.load(path)
    assert words.needs == {"读书": "study"}
    assert words.severity == vocab.SEVERITY_WORDS  # a table not given: the built-in one
    path.write_text(json.dumps({"builtin": "no"}), encoding="utf-8")
    with pytest.raises(pm.ArgumentError, match="builtin"):
        OfficeVocabulary.load(path)


def test_a_saved_vocabulary_loads_as_it_was(tmp_path) -> None:
    fewer = OfficeVocabulary(needs={"学业": "study", "陪伴": "psychological"})
    more = WORDS.extend(needs={"陪伴": "psychological"}, severity={"needs": {"稍有": 1}})
    for words in (fewer, more, WORDS):
        path = words.save(tmp_path / "words.json")
        assert OfficeVocabulary.load(path) == words
    assert json.loads(fewer.save(tmp_path / "w.json").read_text("utf-8"))["builtin"] is False


@pytest.mark.parametrize("word", ["", " ", "\u3000", "\n"])
def test_an_empty_or_blank_word_is_refused(word) -> None:
    with pytest.raises(pm.ArgumentError, match="empty word"):
        WORDS.extend(needs={word: "study"})
    with pytest.raises(pm.ArgumentError, match="empty word"):
        WORDS.extend(severity={"needs": {word: 3}})
    with pytest.raises(pm.ArgumentError, match="empty word"):
        WORDS.extend(headers={word: "id"})
    with pytest.raises(pm.ArgumentError, match="empty word"):
        OfficeVocabulary(categories={word: "left_behind"})


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000, "1" * 10_000],
)
def test_a_hostile_json_file_is_an_argument_error(tmp_path, text) -> None:
    path = tmp_path / "words.json"
    path.write_text(text, encoding="utf-8")
    for read in (OfficeVocabulary.load, lambda p: pm.read_children(pd.DataFrame(), columns=p)):
        with pytest.raises(pm.ArgumentError):
            read(path)


def test_a_json_file_too_large_is_refused_before_it_is_read(tmp_path, monkeypatch) -> None:
    path = tmp_path / "words.json"
    path.write_text(json.dumps({"needs": {"陪伴": "psychological"}}), encoding="utf-8")
    monkeypatch.setattr(vocab, "MAX_JSON_BYTES", 10)
    with pytest.raises(pm.ArgumentError, match="larger than"):
        OfficeVocabulary.load(path)


def test_a_vocabulary_file_with_a_byte_order_mark_is_read(tmp_path) -> None:
    path = tmp_path / "words.json"
    text = json.dumps({"needs": {"陪伴": "psychological"}}, ensure_ascii=False)
    path.write_bytes(text.encode("utf-8-sig"))
    assert OfficeVocabulary.load(path).needs["陪伴"] == "psychological"


def test_lookups_use_the_tables_made_once(monkeypatch) -> None:
    words = WORDS.extend(headers={"联系人": "name"}, categories={"单亲儿童": "other_difficulty"})

    def boom(_):
        raise AssertionError("the keyed tables are rebuilt on a lookup")

    monkeypatch.setattr(vocab, "_keyed", boom)
    assert words.field("children", "联系人") == "name"
    assert words.category("单亲儿童") == "other_difficulty"


# ------------------------------------------------------------------ what a message shows
def _children(needs: list[str], **columns: list[str]) -> pd.DataFrame:
    n = len(needs)
    rows = {"儿童编号": [f"C{i}" for i in range(n)], "县": ["K"] * n, "经度": [111] * n,
            "纬度": [30] * n, "儿童类别": ["孤儿"] * n, "监护人是否同意": ["是"] * n,
            "帮扶需求": needs}  # fmt: skip
    return pd.DataFrame({**rows, **columns})


def _said(table: pd.DataFrame) -> str:
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(table)
    return "\n".join(
        [str(err.value), *(p.said(lang) for p in err.value.problems for lang in ("en", "zh"))]
    )


def test_a_phone_number_in_the_needs_column_is_not_shown() -> None:
    for phone in ("138-1234-5678", "138 1234 5678", "13812345678", "0717-123"):
        text = _said(_children(["学业", f"学业、{phone}"] * 2))
        assert "138" not in text and "5678" not in text and "0717" not in text, text


def test_a_name_in_several_rows_is_not_shown() -> None:
    """The phrases of two rows are shown (the office's own words), but not a value of a
    personal column, nor a piece of one, nor a phrase holding one."""
    table = _children(
        ["学业、王小明", "心理、王小明", "学业、小明", "心理、小明", "陪伴", "陪伴"],
        姓名=["王小明", "李红", "张三", "赵四", "钱五", "孙六"],
        监护人=["秘密名字"] * 6,
        家庭住址=["湖北省秭归县茅坪镇幸福路12号"] * 6,
    )
    text = _said(table.assign(帮扶需求=[*table["帮扶需求"][:4], "陪伴", "陪伴"]))
    assert "王小明" not in text and "小明" not in text
    assert "'陪伴'" in text  # in two rows, and nobody's name: the office's word
    for needs in (["秘密名字"] * 2, ["秘密 名字"] * 2, ["幸福路"] * 2, ["茅坪镇幸福路"] * 2):
        text = _said(table.assign(帮扶需求=needs * 3))
        assert not any(p in text for p in ("秘密", "名字", "幸福", "茅坪")), text


def test_a_phrase_of_one_row_is_shown_only_beside_vocabulary_words() -> None:
    text = _said(_children(["学业、李雷", "学业（10）", "学业"]))
    assert "李雷" not in text and "a phrase of 2 characters" in text
    assert "'学业(10)'" in text  # a vocabulary word and 4 characters beside: shown


def test_the_chinese_message_names_the_needs_in_chinese() -> None:
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(_children(["陪伴", "陪伴", "李雷"]))
    zh = [p.said("zh") for p in err.value.problems]
    assert all("→ 学业" in t and "帮扶需求（needs）" in t for t in zh), zh
    assert not any(need in t for t in zh for need in ("study", "psychological", "→ life")), zh
    assert "'陪伴' 不是可识别的需求" in zh[0] and "一个2字的词语" in zh[2]


# ------------------------------------------------------------------ English names
def test_english_text_names_beside_level_columns_stay_extra_columns() -> None:
    children, volunteers = pm.synth.county(20, seed=3)
    kept = pm.read_children(children.assign(needs="tutoring"))
    assert kept["needs"].tolist() == ["tutoring"] * len(children)
    assert kept["need_study"].tolist() == children["need_study"].tolist()
    kept = pm.read_volunteers(volunteers.assign(skills="x", criminal_record="no"))
    assert kept["criminal_record"].tolist() == ["no"] * len(volunteers)
    assert kept["eligible"].tolist() == volunteers["eligible"].tolist()
    with pytest.raises(pm.ValidationError, match="both given"):  # an office's own header
        pm.read_children(children.assign(帮扶需求="学业"))
