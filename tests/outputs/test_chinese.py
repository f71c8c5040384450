"""Chinese all the way out (issue 19): with ``lang="zh"`` (or ``PAIRMATCH_LANG=zh``) every
text pairmatch writes for people (explanations, the report, the notebook views, the ledger,
a re-pairing's changes and history) reads in Chinese, without an English fragment; with
``lang="en"`` it is as it was.

Checked by mutation: without the words for OPTIMAL and for "the volunteer left the
programme" in :mod:`pairmatch.labels`, five of these tests fail."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.labels import LANG_VARIABLE, PAIR_REASONS, default_lang, in_chinese
from pairmatch.outputs.words import in_words
from pairmatch.rematching.diff import MOVED_FOR_FIT, MOVED_FOR_RE_PAIRING, MOVED_FOR_UNPAIRED

#: What may stay in Latin letters: the package's name and ids that come from the data.
_ALLOWED = re.compile(r"pairmatch|\b[CV]\d{4}\b")
TEAMS = pm.Policy(max_distance_km=4, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5)


def english(text: str, *own: str) -> list[str]:
    """The runs of three or more Latin letters left in ``text`` (HTML tags, styles and
    entities aside), the allowed ones and the user's ``own`` words taken out."""
    for word in own:
        text = text.replace(word, " ")
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", text))
    return re.findall(r"[A-Za-z]{3,}", _ALLOWED.sub(" ", text))


@pytest.fixture(scope="module")
def county() -> tuple[pd.DataFrame, pd.DataFrame]:
    children, volunteers = pm.synth.county(200, seed=1)
    on_call = [i % 3 == 0 for i in range(len(volunteers))]
    return children, volunteers.assign(手机号="13800000000", on_call=on_call)


@pytest.fixture(scope="module")
def result(county) -> pm.MatchResult:
    return pm.match(*county, pm.Policy(max_distance_km=5))


@pytest.fixture(scope="module")
def team_result() -> pm.MatchResult:
    return pm.match(*pm.synth.county(200, seed=5), TEAMS)


@pytest.fixture(scope="module")
def repaired(county) -> tuple[pm.Matcher, pm.MatchResult]:
    matcher = pm.Matcher(*county, pm.Policy(max_distance_km=5))
    matcher.solve(at="2026-01-01")
    busiest = matcher.active["volunteer_id"].value_counts().index[:2].tolist()
    pair = matcher.active.iloc[-1]
    changes = pm.Changes(
        remove_volunteers=busiest[:1],
        end_pairs=[(pair["child_id"], pair["volunteer_id"], "ended by the office")],
    )
    return matcher, matcher.update(changes, at="2026-02-01")


def test_the_fixtures_have_what_is_to_be_said(result, team_result, repaired) -> None:
    assert len(result.unmatched["reason"].unique()) >= 3
    assert (team_result.pairs["role"] == "support").any()
    assert {"ended", "reassigned", "added"} & set(repaired[1].diff["change"])


def test_report_in_chinese(result, team_result) -> None:
    for r in (result, team_result):
        text = r.report(lang="zh")
        assert "已结对" in text and "最优" in text
        assert english(text) == []
    assert "帮扶小组" in team_result.report(lang="zh")


def test_explanations_in_chinese(result, team_result) -> None:
    unmatched = result.unmatched.drop_duplicates("reason")["child_id"]
    team_children = team_result.pairs.loc[team_result.pairs["role"] == "support", "child_id"]
    asked = [(result, cid) for cid in (*unmatched, result.pairs["child_id"].iat[0])]
    asked += [(team_result, team_children.iat[0])]
    asked += [(team_result, c) for c in team_result.unmatched.drop_duplicates("reason")["child_id"]]
    for r, cid in asked:
        said = r.explain(cid, lang="zh")
        assert said.lang == "zh"
        shown = repr(said).removeprefix("Explanation(")  # the class, as Python names it
        for text in (str(said), said.text, shown, said._repr_html_()):
            assert english(text) == [], text
        # the same explanation, asked in English and turned into Chinese
        assert str(r.explain(cid, lang="en").in_lang("zh")) == str(said)


def test_every_reason_and_detail_reads_in_chinese(result, team_result) -> None:
    for r in (result, team_result):
        for text in r.unmatched["detail"]:
            assert english(in_chinese(text)) == [], text


def test_ledger_in_chinese(tmp_path, result) -> None:
    sheets = result.ledger_tables(lang="zh")
    for name, table in sheets.items():
        assert english(name) == []
        assert [c for c in table.columns if english(str(c), "on_call")] == [], name
    ledger = sheets["结对台账"]
    assert {"爱心妈妈手机号", "爱心妈妈·on_call"} <= set(ledger.columns)
    # pairmatch's own words; the registers' own values (places, names) are the data's
    made = ["结对状态", "未结对原因", "详情", "儿童类别", "性别", "爱心妈妈性别"]
    for col in made:
        assert english(" ".join(ledger[col].dropna().astype(str))) == [], col
    assert set(ledger["爱心妈妈·on_call"].dropna()) <= {"是", "否"}
    pairs = sheets["结对明细"]
    for col in ("角色", "锁定", "覆盖需求"):
        assert english(" ".join(pairs[col].astype(str))) == [], col
    policy = sheets["匹配规则"]
    for col in ("说明", "值"):
        text = " ".join(policy[col].astype(str))
        assert english(text) == [], col
        assert not re.search(r"null|None|true|false|\[|\{", text)
    values = policy.set_index("设置项")["值"]
    assert values["need_weights"] == "学业:1；生活:1；心理:1；安全:1"
    assert values["allow_cross_county"] == "否" and values["max_leads"] == "无"


def test_chinese_csv_rounds_figures_as_the_workbook_shows_them(tmp_path, result) -> None:
    path = result.to_ledger(tmp_path / "台账.csv", lang="zh")
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    for col in ("距离(公里)", "匹配度"):
        decimals = table[col].dropna().str.partition(".")[2].str.len()
        assert decimals.max() <= 2, col
    assert english(" ".join(table.columns), "on_call") == []  # the volunteer's own column
    assert "爱心妈妈·on_call" in table.columns


def test_notebook_views_in_chinese(monkeypatch, result, team_result, repaired) -> None:
    monkeypatch.setenv(LANG_VARIABLE, "zh")
    matcher = repaired[0]
    for shown in (result, team_result, matcher, pm.Policy(max_distance_km=5)):
        html = shown._repr_html_()
        assert english(html) == [], type(shown).__name__


def test_province_view_in_chinese(monkeypatch) -> None:
    province = pm.match_partitioned(*pm.synth.province(240, 2, seed=3), pm.Policy())
    monkeypatch.setenv(LANG_VARIABLE, "zh")
    words = english(province._repr_html_())
    # the parts are named by their county, as the data names it
    assert set(words) <= set(province.parts["part"].str.findall(r"[A-Za-z]{3,}").sum())


def test_repairing_changes_and_history_in_chinese(repaired) -> None:
    matcher, r = repaired
    diff = r.diff_table(lang="zh")
    assert diff is not None
    assert list(diff.columns) == ["儿童编号", "爱心妈妈编号", "变动", "变动原因"]
    assert english(diff.to_string()) == []
    assert "爱心妈妈已退出项目" in set(diff["变动原因"])
    history = matcher.history_table(lang="zh")
    events = matcher.events("2026-01-01", "2026-03-01", lang="zh")
    for table in (history, events):
        shown = table.drop(columns=["县(市、区)", "乡镇(街道)"]).astype(object)
        text = shown.where(shown.notna(), "").to_string()  # blanks, not pandas' NaT
        assert english(text) == []
    assert r.diff_table(lang="en").equals(r.diff)  # English: the diff as it is


def test_every_repairing_reason_has_its_words() -> None:
    for reason in (MOVED_FOR_FIT, MOVED_FOR_RE_PAIRING, MOVED_FOR_UNPAIRED):
        assert reason in PAIR_REASONS
    broken = "a hard rule now breaks it: they are 12.5 km apart, beyond the 10 km limit; " \
             "the volunteer is not active"  # fmt: skip
    assert english(in_chinese(broken)) == []
    assert in_chinese("the child moved away") == "the child moved away"  # an office's words


def test_the_environment_sets_the_default(monkeypatch, result) -> None:
    cid = result.unmatched["child_id"].iat[0]
    monkeypatch.delenv(LANG_VARIABLE, raising=False)
    assert default_lang() == "en"
    english_report, english_text = result.report(), str(result.explain(cid))
    assert english_report == result.report(lang="en")
    assert english_report.startswith("children 200  volunteers 120  candidate pairs")
    assert english_text.startswith(f"Child {cid} (priority ")
    assert next(iter(result.ledger_tables())) == "ledger"
    monkeypatch.setenv(LANG_VARIABLE, "zh")
    assert result.report() == result.report(lang="zh") != english_report
    assert str(result.explain(cid)) == str(result.explain(cid, lang="zh"))
    assert next(iter(result.ledger_tables())) == "结对台账"
    assert result.report(lang="en") == english_report  # asked for: English, unchanged


def test_english_views_are_unchanged(result) -> None:
    html = result._repr_html_()
    assert "MatchResult: 144 of 200 children paired (72.0%), 120 volunteers" in html
    assert '<b class="pm-ok">OPTIMAL</b> by flow' in html
    sheets = result.ledger_tables(lang="en")
    policy = sheets["policy"].set_index("setting")["value"]
    assert policy["need_weights"].startswith('{"study": 1.0')
    assert policy["allow_cross_county"] == "false" and policy["status"] == "OPTIMAL"


@pytest.mark.parametrize("bad", ["fr", "", "ZH", 1, ["zh"]])
def test_a_bad_language_is_an_argument_error(result, bad) -> None:
    cid = result.pairs["child_id"].iat[0]
    calls = [
        lambda: result.report(lang=bad),
        lambda: result.explain(cid, lang=bad),
        lambda: result.explain(cid).in_lang(bad),
        lambda: result.ledger_tables(lang=bad),
        lambda: in_words(result.pairs, bad),
    ]
    for call in calls:
        with pytest.raises(pm.ArgumentError, match="unknown language"):
            call()


def test_the_counties_apart_note_reads_in_chinese() -> None:
    """Registers that share no county: the note in ``result.reasons`` (made in English by
    Registry.counties_apart) is Chinese in the report, the counties kept as written."""
    children, volunteers = pm.synth.county(60, seed=2)
    many = [f"{n}县" for n in "甲乙丙丁戊己庚"]
    with pytest.warns(pm.CountiesApartWarning):
        r = pm.match(
            children.assign(county=[many[i % 7] for i in range(len(children))]),
            volunteers.assign(county="乙县甲"),
        )
    (note,) = [n for n in r.reasons if "share no county" in n]
    text = r.report(lang="zh")
    assert "两张登记表没有相同的县" in text and "乙县甲" in text and "另有2个县" in text
    assert english(text, "allow_cross_county", "True", "county") == [], text
    assert english(in_chinese(note), "allow_cross_county", "True", "county") == []
    assert "share no county" in r.report(lang="en")
