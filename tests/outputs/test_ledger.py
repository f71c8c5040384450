"""The ledger (结对台账) as it leaves pairmatch: Chinese and English workbooks, summaries that
add up, pseudonyms that are stable, keyed and leak nothing."""

from __future__ import annotations

import json
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.labels import HEADERS, POLICY_LABELS, VALUES, detail_in_chinese, header, status_name
from pairmatch.outputs.ledger import CORE_COLUMNS, KEY_VARIABLE, pseudonyms, summarise

KEY = "county office secret, 2026"
TEAMS = pm.Policy(max_distance_km=4, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5)


@pytest.fixture(scope="module")
def team_result() -> pm.MatchResult:
    children, volunteers = pm.synth.county(200, seed=5)
    children = children.assign(guardian_phone=[f"1390000{i:04d}" for i in range(len(children))])
    return pm.match(children, volunteers, TEAMS)


def _cells(path) -> str:
    """Every text in a workbook's XML (cells, sheet names, shared strings)."""
    with zipfile.ZipFile(path) as book:
        return "".join(book.read(n).decode("utf-8") for n in book.namelist())


def test_every_code_and_column_has_chinese_words(team_result) -> None:
    assert set(VALUES["reason"]) == {r.value for r in pm.Reason}
    assert set(VALUES["category"]) == {c.value for c in pm.ChildCategory}
    assert set(POLICY_LABELS) >= set(pm.Policy.model_fields)
    own = [
        *team_result.ledger(personal=True).columns,
        *team_result.pairs.columns,
        *team_result.unmatched.columns,
        *summarise(team_result.ledger(), "county").columns,
    ]
    extras = {"guardian_phone", "interests", "preferred_gender", "guardian_consent"}
    untranslated = {
        c for c in own if c not in HEADERS and c not in VALUES["reason"] and c not in extras
    }
    untranslated = {c for c in untranslated if not c.startswith("volunteer_")}
    assert not untranslated


def test_chinese_workbook(tmp_path, team_result) -> None:
    path = team_result.to_ledger(tmp_path / "台账.xlsx", lang="zh")
    book = pd.read_excel(path, engine="openpyxl", sheet_name=None, dtype={"儿童编号": str})
    assert list(book) == ["结对台账", "结对明细", "未结对儿童", "县级汇总", "乡镇汇总", "匹配规则"]
    ledger = book["结对台账"]
    wanted = {"儿童编号", "爱心妈妈编号", "距离(公里)", "未结对原因", "原因代码"}
    assert wanted <= set(ledger.columns)
    assert sorted(ledger["儿童编号"]) == sorted(team_result.children["id"])
    assert set(ledger["结对状态"]) <= {"已结对", "未结对"}
    unmatched = ledger[ledger["结对状态"] == "未结对"]
    codes = team_result.unmatched.set_index("child_id")["reason"]
    assert (unmatched["原因代码"].to_numpy() == codes.loc[unmatched["儿童编号"]].to_numpy()).all()
    assert (
        unmatched["未结对原因"].to_numpy() == unmatched["原因代码"].map(VALUES["reason"]).to_numpy()
    ).all()
    assert set(ledger["儿童类别"]) <= set(VALUES["category"].values())
    pairs = book["结对明细"]
    assert set(pairs["角色"]) == {"主结对人", "协助"}  # teams were formed
    assert len(pairs) == len(team_result.pairs)
    # the summary's total row adds up the townships, and the county sheet agrees
    towns = book["乡镇汇总"]
    total = towns.iloc[-1]
    assert total["县(市、区)"] == "合计"
    assert total["儿童数"] == len(team_result.children) == towns["儿童数"].iloc[:-1].sum()
    assert total["已结对"] == team_result.n_paired
    assert book["县级汇总"].iloc[-1]["儿童数"] == total["儿童数"]
    rules = book["匹配规则"].set_index("设置项")
    assert rules.loc["max_distance_km", "说明"] == "最远服务距离(公里)"
    assert rules.loc["status", "值"] == status_name(team_result.status.value, "zh")
    # the office can read it: frozen header, filters and widths that fit the header
    sheet = openpyxl.load_workbook(path)["结对台账"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref
    first = sheet.cell(row=1, column=1)
    assert first.value == "儿童编号"
    assert sheet.column_dimensions[first.column_letter].width >= 2 * len("儿童编号")


def test_english_and_chinese_hold_the_same_figures(team_result) -> None:
    en = team_result.ledger_tables(lang="en")
    zh = team_result.ledger_tables(lang="zh")
    for (name_en, table_en), table_zh in zip(en.items(), zh.values(), strict=True):
        assert table_en.shape[0] == table_zh.shape[0], name_en
        numeric = table_en.select_dtypes("number").columns
        translated = [header(c, "zh") if c not in VALUES["reason"] else VALUES["reason"][c]
                      for c in numeric]  # fmt: skip
        np.testing.assert_array_equal(table_en[numeric].to_numpy(), table_zh[translated].to_numpy())


def test_summary_adds_up(team_result) -> None:
    ledger = team_result.ledger()
    towns = summarise(ledger, ["county", "township"], total="total")
    body, total = towns.iloc[:-1], towns.iloc[-1]
    for col in ["children", "paired", "unmatched", "team_children"]:
        assert body[col].sum() == total[col]
    assert total["unmatched"] == len(team_result.unmatched)
    assert total["team_children"] == int((team_result.pairs.groupby("child_id").size() > 1).sum())
    reasons = team_result.unmatched["reason"].value_counts()
    for code, k in reasons.items():
        assert total[code] == k
    lead = team_result.pairs[team_result.pairs["role"] == "lead"]["distance_km"]
    assert total["mean_distance_km"] == pytest.approx(lead.mean())
    assert total["p90_distance_km"] == pytest.approx(lead.quantile(0.9))


def test_pseudonymised_workbook_leaks_no_identifier(tmp_path, team_result) -> None:
    path = team_result.to_ledger(tmp_path / "up.xlsx", pseudonymise=True, key=KEY)
    text = _cells(path)
    children, volunteers = team_result.children, team_result.volunteers
    for table, cols in ((children, ["id", "name", "id_number", "address", "guardian_phone"]),
                        (volunteers, ["id", "name", "id_number", "address"])):  # fmt: skip
        for col in cols:
            leaked = [v for v in table[col].astype(str) if f">{v}<" in text]
            assert not leaked, (col, leaked[:3])
    book = pd.read_excel(path, engine="openpyxl", sheet_name=None)
    ledger = book["ledger"]
    assert set(ledger.columns) <= set(CORE_COLUMNS)
    # joins still work: the same child has the same pseudonym on every sheet
    assert set(book["pairs"]["child_id"]) <= set(ledger["child_id"])
    assert set(book["unmatched"]["child_id"]) <= set(ledger["child_id"])
    supports = ledger["support_ids"].dropna().str.split(";").explode()
    assert len(supports) > 0 and set(supports) <= set(book["pairs"]["volunteer_id"])
    # and what was left out is said, not dropped in silence
    rules = book["policy"].set_index("setting")
    assert "guardian_phone" in rules.loc["left_out", "value"]
    assert rules.loc["pseudonymised", "value"] in (True, "true")


def test_pseudonyms_are_stable_and_keyed(team_result, monkeypatch) -> None:
    a = team_result.ledger_tables(pseudonymise=True, key=KEY)["ledger"]
    b = team_result.ledger_tables(pseudonymise=True, key=KEY)["ledger"]
    other = team_result.ledger_tables(pseudonymise=True, key=KEY + "!")["ledger"]
    assert a["child_id"].equals(b["child_id"])
    assert not set(a["child_id"]) & set(other["child_id"])
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    from_env = team_result.ledger_tables(pseudonymise=True)["ledger"]
    assert from_env["child_id"].equals(a["child_id"])
    monkeypatch.delenv(KEY_VARIABLE)
    with pytest.raises(ValueError, match=KEY_VARIABLE):
        team_result.to_ledger("never.xlsx", pseudonymise=True)
    with pytest.raises(ValueError, match="at least 16"):
        team_result.ledger_tables(pseudonymise=True, key="short")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=40, unique=True))
def test_pseudonyms_are_one_to_one(ids) -> None:
    child = pseudonyms(ids, "child", key=KEY)
    assert len(set(child)) == len(ids)
    assert all(p.startswith("C") and len(p) == 17 for p in child)
    volunteer = pseudonyms(ids, "volunteer", key=KEY)
    assert not set(child) & set(volunteer)
    np.testing.assert_array_equal(child, pseudonyms(list(ids), "child", key=KEY.encode()))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chinese_table_files(tmp_path, team_result, suffix) -> None:
    path = team_result.to_ledger(tmp_path / f"台账{suffix}", lang="zh", personal=False)
    if suffix == ".csv":
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # Excel opens it as UTF-8
        table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    else:
        table = pd.read_parquet(path)
    assert table.columns[0] == "儿童编号"
    assert len(table) == len(team_result.children)
    assert not {"姓名", "身份证号", "住址"} & set(table.columns)


def test_province_ledger(tmp_path) -> None:
    children, volunteers = pm.synth.province(600, 3, seed=2)
    result = pm.match_partitioned(children, volunteers, pm.Policy(max_distance_km=5))
    path = result.to_ledger(tmp_path / "province.xlsx", lang="zh", pseudonymise=True, key=KEY)
    book = pd.read_excel(path, engine="openpyxl", sheet_name=None)
    counties = book["县级汇总"]
    assert len(counties) == children["county"].nunique() + 1
    assert counties["儿童数"].iat[-1] == len(children)
    assert counties["已结对"].iat[-1] == result.n_paired
    summary = result.summary()
    assert summary["paired"].sum() == result.n_paired


def test_unknown_language(team_result) -> None:
    with pytest.raises(ValueError, match="unknown language"):
        team_result.ledger_tables(lang="fr")  # type: ignore[arg-type]


#: One detail of every form reasons.py writes (kept in step with it by the test below,
#: which translates the details of real results too).
DETAILS = [
    "the hard rules contradict each other; see the result's reasons",
    "the time limit ended the search before any valid pairing was found",
    "the guardian has not consented to pairing",
    "no eligible, active volunteer with capacity in the county",
    "no eligible, active volunteer with capacity",
    "nearest eligible volunteer is 12.3 km away; limit 10 km",
    "nearest eligible volunteer is 3.0 km away, beyond her own travel limit",
    "all 3 volunteers in reach are forbidden pairs",
    "no volunteer in reach has the skill to cover study and safety",
    "no single volunteer in reach covers study, life, and the team may have one member",
    "covering study, life, safety takes 3 volunteers in reach; the team may have 2",
    "all 4 volunteers in reach are full; 2 of them hold locked pairs",
    "all 4 volunteers in reach are at capacity, holding 1 child",
    "all 4 volunteers in reach are at capacity, holding 5 children: 2 of greater priority, "
    "1 of equal priority whose pairing gives a better total fit, 2 of lower priority, whose "
    "pairs the other rules keep",
    "the volunteers in reach who cover psychological are at capacity or lead as many "
    "children as allowed, holding 2 children (the time limit stopped the search before "
    "ranking them)",
    "the volunteers in reach with room left cannot form a valid team for this child "
    "(team size, coverage or lead cap); the rest of their capacity went to children ranked "
    "higher",
    "a volunteer in reach had room; the search stopped before proving the best",
]


def _english_left(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]", text))


def test_every_detail_reads_in_chinese(team_result) -> None:
    for text in DETAILS:
        assert not _english_left(detail_in_chinese(text)), text
    assert detail_in_chinese("something new") == "something new"  # unknown: left as it is
    children, volunteers = pm.synth.county(300, seed=6)
    first = children["id"].iat[0]
    results = [
        team_result,
        pm.match(children, volunteers, pm.Policy(max_distance_km=0.5)),
        pm.match(children, volunteers, pm.Policy(max_distance_km=5, max_leads=1)),
        pm.match(
            children, volunteers, pm.Policy(max_distance_km=3),
            forbidden=[(first, v) for v in volunteers["id"]],
        ),
        pm.match(children, volunteers, TEAMS, solver="cpsat", time_limit=0.5),
    ]  # fmt: skip
    for result in results:
        for text in result.unmatched["detail"]:
            assert not _english_left(detail_in_chinese(text)), text
    ledger = team_result.ledger_tables(lang="zh")["结对台账"]
    assert not ledger["详情"].dropna().map(_english_left).any()


def test_free_text_stays_text(tmp_path) -> None:
    children, volunteers = pm.synth.county(60, seed=2)
    notes = ['=HYPERLINK("http://x","y")', "http://example.org", "007", "+1"]
    children = children.assign(note=[notes[i % 4] for i in range(len(children))])
    path = pm.match(children, volunteers).to_ledger(tmp_path / "l.xlsx")
    sheet = openpyxl.load_workbook(path)["ledger"]
    column = [c.value for c in sheet[1]].index("note") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 6)]
    assert [c.value for c in cells] == notes  # as typed: no formula, no link, no number
    assert all(c.data_type == "s" for c in cells)


def test_keys_must_be_text_or_bytes_and_what_is_left_out_is_said(team_result) -> None:
    with pytest.raises(TypeError, match="text or bytes"):
        pseudonyms(["C1"], "child", key=20)  # type: ignore[arg-type]
    lean = team_result.ledger_tables(personal=False)["policy"].set_index("setting")
    assert {"name", "id_number", "address"} <= set(json.loads(lean.loc["left_out", "value"]))
    tiny = "nearest eligible volunteer is 0.0 km away; limit 1e-05 km"
    said = "最近的符合条件的爱心妈妈相距0.0公里，超过服务距离上限1e-05公里"
    assert detail_in_chinese(tiny) == said
