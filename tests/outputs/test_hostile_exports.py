"""Hostile exports: a CSV pairmatch writes never runs a formula in a spreadsheet, and a
ledger without personal data holds no personal column, whatever the register carried."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.cli import main
from pairmatch.io import FORMULA_STARTS, write_table
from pairmatch.labels import header as header_in
from pairmatch.outputs.ledger import CORE_COLUMNS
from pairmatch.outputs.personal import Personal, personal_columns
from registers import children, volunteers

KEY = "county office secret, 2026"
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", '=HYPERLINK("x")']


def _cells(path: Path) -> list[list[str]]:
    """A CSV file as a spreadsheet opens it: every cell as raw text, the header first."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _runs(cell: str) -> bool:
    """Whether a spreadsheet would run this cell (a plain number runs nothing)."""
    return cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)


# ---------------------------------------------------------------- CSV injection
@pytest.fixture(scope="module")
def hostile_result() -> pm.MatchResult:
    n = len(HOSTILE)
    kids = children(
        [{"id": cid, "note": note, "balance": -1.5 * i, "code": "-5"}
         for i, (cid, note) in enumerate(zip(["=C1", "@C2", "-C3", "+C4", "C5", "C6", "C7"],
                                             HOSTILE, strict=True))]
    ).rename(columns={"code": "=cmd()"})  # fmt: skip
    helpers = volunteers([{"id": f"+V{i}", "capacity": 1, "remark": HOSTILE[i]} for i in range(n)])
    return pm.match(kids, helpers)


@pytest.mark.parametrize(
    "options",
    [{}, {"lang": "zh"}, {"personal": False}, {"pseudonymise": True, "key": KEY}],
    ids=["en", "zh", "no-personal", "pseudonymised"],
)
def test_a_ledger_csv_runs_no_formula(tmp_path, hostile_result, options) -> None:
    path = hostile_result.to_ledger(tmp_path / "l.csv", **options)
    rows = _cells(path)
    assert not [cell for row in rows for cell in row if _runs(cell)]
    text = path.read_text(encoding="utf-8-sig")
    if not options.get("pseudonymise"):
        assert "'=C1" in text and "'+V0" in text  # the ids, shown, not run
        assert "'=1+1" in text and "'@SUM(A1:A9)" in text and "'-2+3" in text
        assert "'=cmd()" in rows[0]  # a header too
        ledger = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        assert "-1.5" in set(ledger["balance"]) and "-5" in set(ledger["'=cmd()"])


def test_write_table_csv_keeps_numbers_and_quotes_formulas(tmp_path) -> None:
    table = pd.DataFrame(
        {
            "text": [*HOSTILE, "-5", "+1.5e3", "ok", None],
            "mixed": [
                *HOSTILE[:4],
                -3,
                -np.inf,
                "=x",
                pd.Timedelta(days=-1),
                np.nan,
                "-",
                "a\r=1+1",
            ],
            "number": [-1, -2.5, 3, 4, 5, 6, 7, 8, 9, -0.5, 1e-9],
        }
    )
    rows = _cells(write_table(table, tmp_path / "t.csv"))
    assert len(rows) == 1 + len(table)  # a carriage return in a cell starts no row
    columns = list(zip(*rows[1:], strict=True))
    assert list(columns[0]) == [f"'{v}" for v in HOSTILE] + ["-5", "+1.5e3", "ok", ""]
    assert list(columns[1]) == [
        *(f"'{v}" for v in HOSTILE[:4]), "-3", "-inf", "'=x", "'-1 days +00:00:00", "", "'-",
        "a\r=1+1",
    ]  # fmt: skip
    assert list(columns[2]) == ["-1.0", "-2.5", "3.0", "4.0", "5.0", "6.0", "7.0", "8.0", "9.0",
                                "-0.5", "1e-09"]  # fmt: skip
    assert table["text"].iat[0] == "=1+1"  # the caller's table is not changed


def test_write_table_xlsx_writes_text_as_text(tmp_path) -> None:
    notes = [v for v in HOSTILE if "\r" not in v]  # openpyxl reads "\r" back as "_x000D_"
    path = write_table(pd.DataFrame({"note": notes}).assign(n=-3), tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(notes))]
    assert [c.value for c in cells] == notes and {c.data_type for c in cells} == {"s"}
    assert {sheet.cell(row=r, column=2).value for r in range(2, 2 + len(notes))} == {-3}


_TEXT = st.text(alphabet="=+-@\t\r\n1.e5a张'\" ,", max_size=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_TEXT, st.one_of(_TEXT, st.integers(-999, 999), st.floats(-1e3, 1e3))),
        min_size=1,
        max_size=12,
    ),
    _TEXT.filter(bool),
)
def test_any_csv_written_runs_nothing_and_reads_back(tmp_path_factory, rows, header) -> None:
    table = pd.DataFrame(rows, columns=[header, "mixed"]).astype(object)
    path = write_table(table, tmp_path_factory.mktemp("csv") / "t.csv")
    cells = _cells(path)
    assert not [cell for row in cells for cell in row if _runs(cell)]
    for given_, read in zip(table[header], (row[0] for row in cells[1:]), strict=True):
        assert read == (f"'{given_}" if _runs(given_) else given_)
    assert cells[0][0] == (f"'{header}" if _runs(header) else header)


# ---------------------------------------------------------------- personal=False
#: A register's personal extra columns (English and Chinese headers) and one value each.
PERSONAL_BY_HEADER = {
    "guardian_name": "王秘密", "监护人姓名": "王秘密", "phone": "13800000001",
    "手机号": "13900000002", "联系电话": "0731-84512345", "birth_date": "2015-03-07",
    "出生日期": "2015年3月7日", "身份证号码": "11010520150307123X", "家庭住址": "秘密路1号",
    "wechat": "wx_secret", "微信号": "wxmimi", "email": "mimi@example.cn", "QQ号": "12345678",
    "PhoneNumber": "1", "E-Mail": "x",
}  # fmt: skip
#: Innocent headers whose values give them away (all rows checked: one row is enough).
PERSONAL_BY_VALUES = {
    "note": "请联系 138 0000 0003",
    "ref": "110105201503071234",
    "memo_num": 13800000004,
    "office": "(0731)84512345",
    "reply_to": "mimi@example.cn",
}
INNOCENT = {"note_code": "A12", "school_grade": 3, "remark": "喜欢画画", "hobby_level": 2}
VOLUNTEER_PERSONAL = {"phone": "13700000005", "邮箱": "v@example.org"}
VOLUNTEER_BY_VALUES = {"team_note": "reach me at v2@example.org"}
SECRETS = ("王秘密", "秘密路1号", "13800000001", "13800000003", "13800000004", "v2@example.org")


@pytest.fixture(scope="module")
def personal_result() -> pm.MatchResult:
    kids, helpers = pm.synth.county(120, seed=3)
    kids = kids.assign(**PERSONAL_BY_HEADER, **INNOCENT)
    for column, value in PERSONAL_BY_VALUES.items():  # in the last row only
        kids[column] = [None] * (len(kids) - 1) + [value]
    helpers = helpers.assign(**VOLUNTEER_PERSONAL, **VOLUNTEER_BY_VALUES, shift="weekend")
    return pm.match(kids, helpers, pm.Policy(max_distance_km=8))


def _expected_left_out(result: pm.MatchResult) -> set[str]:
    full = result.ledger(personal=True).columns
    volunteer = {f"volunteer_{c}" for c in (*VOLUNTEER_PERSONAL, *VOLUNTEER_BY_VALUES)}
    synth = {"name", "id_number", "address", "volunteer_name", "volunteer_id_number",
             "volunteer_address"}  # fmt: skip
    expected = {*PERSONAL_BY_HEADER, *PERSONAL_BY_VALUES, *volunteer, *synth}
    assert expected <= set(full)
    return expected


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_personal_false_drops_every_personal_column(tmp_path, personal_result, suffix, lang):
    path = personal_result.to_ledger(tmp_path / f"l{suffix}", lang=lang, personal=False)
    if suffix == ".xlsx":
        book = pd.read_excel(path, engine="openpyxl", sheet_name=None, dtype=str)
        ledger = next(iter(book.values()))
    elif suffix == ".csv":
        ledger = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    else:
        ledger = pd.read_parquet(path)
    expected = {header_in(c, lang) for c in _expected_left_out(personal_result)}
    assert not expected & set(ledger.columns)
    innocent = {header_in(c, lang) for c in (*INNOCENT, "volunteer_shift")}
    assert innocent <= set(ledger.columns)  # innocent extras kept
    text = ledger.astype(str).to_string()
    assert not [s for s in SECRETS if s in text]
    if suffix == ".xlsx":
        policy = next(reversed(book.values())).set_index(book[list(book)[-1]].columns[0])
        cell = policy.iloc[:, -1][policy.index.str.contains("left_out")].iat[0]
        said = json.loads(cell) if lang == "en" else _left_out_in_chinese(cell)
        assert set(said) == expected
        header, values = ("表头含", "内容含") if lang == "zh" else ("header word", "values look")
        assert {c for c, why in said.items() if why.startswith(values)} == {
            header_in(c, lang) for c in (*PERSONAL_BY_VALUES, "volunteer_team_note")
        }
        assert all(why.startswith((header, values)) for why in said.values())


def _left_out_in_chinese(cell: str) -> dict[str, str]:
    """The Chinese policy sheet's columns left out, ``header:why；header:why``, as a dict."""
    return dict(item.split(":", 1) for item in cell.split("；"))


def test_the_ledger_table_and_its_exports_leave_out_the_same(personal_result) -> None:
    lean = personal_result.ledger(personal=False)
    sheet = personal_result.ledger_tables(personal=False)["ledger"]
    assert list(lean.columns) == list(sheet.columns)
    assert not _expected_left_out(personal_result) & set(lean.columns)


def test_pseudonymised_export_says_what_it_left_out_and_why(personal_result) -> None:
    tables = personal_result.ledger_tables(pseudonymise=True, key=KEY)
    said = json.loads(tables["policy"].set_index("setting").loc["left_out", "value"])
    assert _expected_left_out(personal_result) <= set(said)
    assert said["phone"] == "header word 'phone'"
    assert said["note"] == "values look like mobile numbers"
    assert said["school_grade"].startswith("not a ledger column")
    assert set(tables["ledger"].columns) <= set(CORE_COLUMNS)


def test_the_command_line_no_personal(tmp_path, personal_result) -> None:
    kids = personal_result.children
    kids.to_csv(tmp_path / "c.csv", index=False)
    personal_result.volunteers.to_csv(tmp_path / "v.csv", index=False)
    args = ["match", str(tmp_path / "c.csv"), str(tmp_path / "v.csv"), "--no-personal"]
    assert main([*args, "-o", str(tmp_path / "l.csv")]) == 0
    ledger = pd.read_csv(tmp_path / "l.csv", encoding="utf-8-sig", dtype=str)
    assert not _expected_left_out(personal_result) & set(ledger.columns)
    assert set(INNOCENT) <= set(ledger.columns)


def test_ids_that_look_like_phone_numbers_stay() -> None:
    kids = children([{"id": "13812345678", "note_code": "A"}, {"id": "0731-8451234"}])
    lean = pm.match(kids, volunteers([{"id": "13912345678"}])).ledger(personal=False)
    assert set(lean["child_id"]) == {"13812345678", "0731-8451234"}  # the ledger's own
    assert "note_code" in lean.columns


PERSONAL_HEADERS = [
    *PERSONAL_BY_HEADER, "name", "Name", "names", "firstName", "nickname", "ID No.", "id_number",
    "IDNumber", "idcard", "passport", "sfzh", "address", "addr", "home_street", "e-mail",
    "mail", "volunteerEmail", "Tel", "mobile_no", "cellphone", "fax", "contact_person",
    "weixin", "qq", "dob", "date_of_birth", "birthday", "photo_url", "mother", "parents",
    "bank_card", "证件号码", "户籍所在地", "父亲", "家长电话", "照片", "邮箱地址", "生日",
    "homeTel", "guardianQQ", "childDOB",
]  # fmt: skip
INNOCENT_HEADERS = [
    *INNOCENT, "kid_note", "gender", "village", "shift", "年级", "备注", "爱好", "class_id",
    "level", "notes", "region_code", "grade", "team", "idle", "scores",
]  # fmt: skip


def test_header_words_english_and_chinese() -> None:
    table = pd.DataFrame({h: ["x"] for h in [*PERSONAL_HEADERS, *INNOCENT_HEADERS]})
    found = personal_columns(table)
    assert set(found) == set(PERSONAL_HEADERS)
    assert {why.by for why in found.values()} == {"header"}


@pytest.mark.parametrize(
    ("values", "what"),
    [
        (["11010519900307123X"], "resident id numbers"),
        (["身份证 110105199003071234。"], "resident id numbers"),
        (["110105900307123"], "resident id numbers"),
        (["13800138000"], "mobile numbers"),
        (["+86 138-0013-8000"], "mobile numbers"),
        ([13800138000], "mobile numbers"),
        ([13800138000.0, np.nan], "mobile numbers"),
        (["010-62345678"], "landline numbers"),
        (["(0731)8451234"], "landline numbers"),
        (["a.b+c@example.com.cn"], "e-mail addresses"),
    ],
)
def test_values_give_a_column_away(values, what) -> None:
    column = [None] * 999 + values  # the last of a thousand rows: every row is checked
    assert personal_columns(pd.DataFrame({"note": column})) == {"note": Personal("values", what)}


@pytest.mark.parametrize(
    "values",
    [["C0001", "2015-03-07", "12345.67", "2024000001", "A-138", "5", "12:30"], [1, 2.5, 10**6],
     [True, False], ["第3组", "学号 20240301"], ["111.13812345678", "30.5110105199003071234"],
     [0.13812345678, 111.01012345678]],
)  # fmt: skip
def test_innocent_values_keep_a_column(values) -> None:
    assert personal_columns(pd.DataFrame({"note": values})) == {}


_SAFE = st.text(alphabet="ab张 -.,:0123", max_size=12).filter(
    lambda t: not re.search(r"\d{6}", t.replace("-", "").replace(" ", ""))
)
_FOUND = st.sampled_from(["13912345678", "0571-87654321", "330106198001011234", "x@y.org"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_SAFE, max_size=30), st.one_of(st.none(), st.tuples(st.integers(0, 30), _FOUND)))
def test_a_column_is_personal_exactly_when_a_cell_holds_a_pattern(cells, planted) -> None:
    if planted is not None:
        at, value = planted
        cells = [*cells]
        cells.insert(min(at, len(cells)), f"见{value}。")
    found = personal_columns(pd.DataFrame({"remark": pd.Series(cells, dtype=object)}))
    assert (found != {}) == (planted is not None)
