"""An outside attack on the office readers (issue 19): each test is one confirmed finding,
built from the smallest input that shows it, and asserts what the house rules require.

House rules: hostile input ends in ONE pairmatch error naming the row and field, or a right
answer (never a raw traceback, never a silently wrong result); nothing a user gave is
silently dropped; children's names, ID numbers and addresses never appear in messages;
same input, same pairs.

These tests are expected to FAIL until the findings are fixed.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.cli import main
from registers import workbook

SECRET = "秘密名字"  # a made-up child's name: never in a message

HEADER = ["儿童编号", "姓名", "县（区）", "经度", "纬度", "儿童类别", "监护人是否同意", "帮扶需求"]


def _child(cid: str = "C1", name: str = "张三", needs: object = "学业辅导（严重）") -> list:
    return [cid, name, "秭归县", 110.98, 30.82, "农村留守儿童", "是", needs]


V_HEADER = [
    "编号",
    "姓名",
    "县",
    "经度",
    "纬度",
    "专长",
    "可结对人数",
    "是否有违法犯罪记录",
    "是否在岗",
]


def _volunteer(vid: str = "V1", active: object = "是", skills: object = "作业辅导") -> list:
    return [vid, "李四", "秭归县", 110.981, 30.821, skills, 2, "无", active]


def _xlsx(path: Path, sheets: dict[str, list[list[object]]], merges: tuple = ()) -> Path:
    path.write_bytes(workbook(sheets, merges))
    return path


def _everything(err: BaseException) -> str:
    text = [str(err), repr(err)]
    for p in getattr(err, "problems", []):
        text += [str(p), repr(p), p.said("zh")]
    return "\n".join(text)


# ---------------------------------------------------------------- silently wrong results
def test_an_id_number_in_an_excel_number_cell_is_not_read_with_invented_digits(tmp_path) -> None:
    """身份证号 typed into a General (number) cell: Excel keeps 15 digits and stores
    4.20599201201197E+17. The reader turns it into '420599201201196992', an 18-digit ID
    number with made-up digits, and accepts it; the same cell saved as CSV (4.20599E+17)
    is an error, as the docs promise."""
    path = _xlsx(
        tmp_path / "c.xlsx", {"登记表": [[*HEADER, "身份证号"], [*_child(), 4.20599201201197e17]]}
    )
    try:
        table = pm.read_children(path)
    except pm.ValidationError as err:
        assert any(p.field == "id_number" and p.sheet_row == 2 for p in err.problems)
    else:  # a reader that drops or blanks the column is defensible; invented digits are not
        values = table["id_number"].astype(str).tolist() if "id_number" in table else []
        assert not any(re.fullmatch(r"\d{17}[\dX]", v) for v in values), values


def test_a_merged_cell_over_several_records_is_not_read_as_blank(tmp_path) -> None:
    """Clerks merge a cell that holds the same value for neighbouring rows. A 是否在岗 of
    否 merged over V1 and V2 makes V2 active (blank = the default, True); merged 帮扶需求
    gives the second child no need at all; a merged 可结对人数 of 3 gives capacity 1."""
    path = _xlsx(
        tmp_path / "v.xlsx",
        {"s": [V_HEADER, _volunteer("V1", "否"), _volunteer("V2", None)]},
        merges=("I2:I3",),
    )
    try:
        volunteers = pm.read_volunteers(path)
    except pm.ValidationError as err:  # or an error naming the merged cell's other rows
        assert any(p.sheet_row == 3 for p in err.problems)
    else:
        assert volunteers["active"].tolist() == [False, False]


@pytest.mark.parametrize(
    ("kind", "text", "field", "below"),
    [
        ("children", "学业辅导（不严重）", "need_study", 3),  # "not severe" read as severe, 3
        ("children", "学业：无", "need_study", 1),  # "study: none" read as a need, 2
        ("children", "学业辅导（否）", "need_study", 1),
        ("volunteers", "心理疏导（不擅长）", "skill_psychological", 3),  # "not good at": 3
    ],
)
def test_a_negated_need_or_skill_is_not_read_as_one(tmp_path, kind, text, field, below) -> None:
    """A severity or level word inside a negation (不严重, 不擅长) counts as the word, and a
    no (无, 否) after a need is ignored: the opposite of what the clerk wrote."""
    if kind == "children":
        rows, read = [HEADER, _child(needs=text)], pm.read_children
    else:
        rows, read = [V_HEADER, _volunteer(skills=text)], pm.read_volunteers
    path = _xlsx(tmp_path / "r.xlsx", {"s": rows})
    try:
        table = read(path)
    except pm.ValidationError as err:  # not understood: said, with row and field
        assert any(p.sheet_row == 2 for p in err.problems)
    else:
        assert table[field].iloc[0] < below, f"{text!r} read as {field}={table[field].iloc[0]}"


def test_a_sparse_row_under_the_header_is_not_taken_for_a_second_header_row(tmp_path) -> None:
    """A header with one blank cell (a notes column with no title) and, right under it, a
    half-filled record (no id yet, just the child's name and a note): the record is taken
    for the second row of a two-row heading. It vanishes (not even in skipped_rows), the
    姓名 column becomes '姓名·秘密名字' (the name field is lost, and the child's name is now
    a column header that goes on into every output)."""
    header = ["儿童编号", "姓名", None, *HEADER[2:]]
    rows = [header, [None, SECRET, "补录"]]
    rows += [[c, "张三", None, *_child(c)[2:]] for c in ("C1", "C2")]
    path = _xlsx(tmp_path / "c.xlsx", {"s": rows})
    try:
        table = pm.read_children(path)
    except pm.ValidationError as err:  # the half-filled record named by its row
        assert any(p.sheet_row == 2 for p in err.problems)
        assert SECRET not in _everything(err)
    else:
        assert not any(SECRET in str(c) for c in table.columns), list(table.columns)
        assert "name" in table.columns
        assert any(row == 2 for row, _ in table.attrs.get("skipped_rows", []))


def test_a_complete_record_whose_id_is_heji_is_not_dropped_as_a_total(tmp_path) -> None:
    """A row is a 合计 total when its first cell starts with 合计, however complete: a
    child with id 合计 (or 合计01), every field filled and valid, disappears from the
    register (only attrs['skipped_rows'] keeps it; the command line says nothing and pairs
    one child fewer)."""
    rows = [HEADER, _child("C1"), _child("合计01"), _child("C3")]
    path = _xlsx(tmp_path / "c.xlsx", {"s": rows})
    try:
        table = pm.read_children(path)
    except pm.ValidationError as err:  # a doubtful row may be an error naming it
        assert any(p.sheet_row == 3 for p in err.problems)
    else:
        assert len(table) == 3, (table["id"].tolist(), table.attrs)


@pytest.mark.parametrize(
    ("encoding", "name", "county"),
    [("shift_jis", "山田太郎", "京都"), ("big5", "林", "台中"), ("latin-1", "Müller", "Köln")],
)
def test_a_csv_in_another_encoding_is_not_read_as_garbled_gbk(
    tmp_path, encoding, name, county
) -> None:
    """Shift-JIS, short Big5 and Latin-1 registers decode as GB18030 and the detector admits
    it, so they are read as garbage: 山田太郎 becomes 嶳揷懢榊, Müller M黮ler, 台中 い, with
    no word said (the module says such text is refused, never read garbled)."""
    head = "id,name,county,lat,lon,category,guardian_consent"
    head += ",need_study,need_life,need_psychological,need_safety\n"
    body = "".join(f"C{i},{name}{i},{county},30.8,110.9,left_behind,yes,1,0,0,0\n" for i in (1, 2))
    path = tmp_path / "c.csv"
    path.write_bytes((head + body).encode(encoding))
    try:
        table = pm.read_children(path)
    except pm.FileReadError:
        return
    assert table["name"].tolist() == [f"{name}1", f"{name}2"]
    assert table["county"].tolist() == [county, county]


def test_a_partial_vocabulary_file_does_not_silently_drop_the_builtin_words(tmp_path) -> None:
    """A vocabulary JSON that adds one severity word replaces the whole built-in severity
    table: 学业辅导（严重） then reads as study 2, not 3, and nothing is said."""
    words = tmp_path / "words.json"
    words.write_text(json.dumps({"severity": {"needs": {"急需": 3}}}), encoding="utf-8")
    path = _xlsx(tmp_path / "c.xlsx", {"s": [HEADER, _child(needs="学业辅导（严重）")]})
    try:
        table = pm.read_children(path, vocabulary=words)
    except pm.PairmatchError:  # a file that is not a whole vocabulary may be refused
        return
    assert table["need_study"].tolist() == [3]


def test_an_empty_word_in_a_vocabulary_is_refused(tmp_path) -> None:
    """OfficeVocabulary().extend(needs={"": "study"}) is accepted, and "" is in every phrase:
    心理疏导 then reads as a study need too."""
    try:
        words = pm.OfficeVocabulary().extend(needs={"": "study"})
    except pm.PairmatchError:
        return
    path = _xlsx(tmp_path / "c.xlsx", {"s": [HEADER, _child(needs="心理疏导")]})
    table = pm.read_children(path, vocabulary=words)
    assert table["need_study"].tolist() == [0]


def test_a_county_argument_that_clashes_with_the_register_is_not_silently_mixed(
    tmp_path,
) -> None:
    """county="兴山县" for a register whose rows say 秭归县 fills the blank rows with 兴山县
    and keeps 秭归县 in the others: one register, two counties, and no word about the
    clash."""
    rows = [HEADER, _child("C1"), [*_child("C2")[:2], "", *_child("C2")[3:]]]
    path = _xlsx(tmp_path / "c.xlsx", {"s": rows})
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            pm.read_children(path, county="兴山县")
        except pm.PairmatchError as err:
            assert "county" in str(err)
            return
    assert any(issubclass(w.category, pm.PairmatchWarning) for w in said), "clash not said"


# ---------------------------------------------------------------- raw tracebacks
def test_a_vocabulary_file_with_one_scale_is_a_pairmatch_error_not_a_keyerror(tmp_path) -> None:
    """{"default_level": {"skills": 2}} (or a severity table for needs only) loads, then
    reading any register raises a raw KeyError('needs') (KeyError('skills') for
    volunteers)."""
    words = tmp_path / "words.json"
    words.write_text(json.dumps({"default_level": {"skills": 2}}), encoding="utf-8")
    path = _xlsx(tmp_path / "c.xlsx", {"s": [HEADER, _child(needs="学业辅导")]})
    try:
        table = pm.read_children(path, vocabulary=words)
    except pm.PairmatchError:
        return
    assert table["need_study"].tolist() == [2]


@pytest.mark.parametrize("argument", ["columns", "vocabulary"])
def test_a_deeply_nested_json_file_is_a_pairmatch_error(tmp_path, argument) -> None:
    """A columns or vocabulary file of deeply nested brackets raises a raw RecursionError
    from json.loads."""
    hostile = tmp_path / "hostile.json"
    hostile.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    path = _xlsx(tmp_path / "c.xlsx", {"s": [HEADER, _child()]})
    with pytest.raises(pm.PairmatchError):
        pm.read_children(path, **{argument: hostile})


# ---------------------------------------------------------------- wrong place in a message
def test_a_place_table_problem_names_the_place_tables_row_not_a_childs(tmp_path) -> None:
    """A bad row of the place table is reported with the register's spreadsheet row and the
    id of the child at the same position: 'place table, row 1 (spreadsheet row 3), id
    'C2'' for the place table's second row, which has nothing to do with C2."""
    header = [
        "儿童编号",
        "姓名",
        "县（区）",
        "乡镇",
        "村",
        "儿童类别",
        "监护人是否同意",
        "帮扶需求",
    ]
    rows = [header] + [[c, "张三", "秭归县", "茅坪镇", "月亮包村", "留守儿童", "是", "学业"]
                       for c in ("C1", "C2")]  # fmt: skip
    path = _xlsx(tmp_path / "c.xlsx", {"s": rows})
    places = pd.DataFrame(
        {
            "乡镇": ["茅坪镇", "茅坪镇"],
            "村": ["月亮包村", ""],
            "纬度": [30.83, 95.0],
            "经度": [110.98, 110.97],
        }
    )
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(path, places=places)
    (problem,) = [p for p in err.value.problems if p.table == "place table"]
    assert problem.row == 1
    assert problem.record_id is None and problem.sheet_row is None, str(problem)


def test_a_boolean_in_the_place_tables_coordinates_is_refused(tmp_path) -> None:
    """A place table (a DataFrame) whose 纬度 is True places the child at latitude 1.0 (in
    the sea off Borneo); the registers' own checks refuse booleans as coordinates."""
    header = [
        "儿童编号",
        "姓名",
        "县（区）",
        "乡镇",
        "村",
        "儿童类别",
        "监护人是否同意",
        "帮扶需求",
    ]
    rows = [header, ["C1", "张三", "秭归县", "茅坪镇", "月亮包村", "留守儿童", "是", "学业"]]
    path = _xlsx(tmp_path / "c.xlsx", {"s": rows})
    places = pd.DataFrame(
        {"乡镇": ["茅坪镇"], "村": ["月亮包村"], "纬度": [True], "经度": [110.98]}
    )
    with pytest.raises(pm.ValidationError):
        pm.read_children(path, places=places)


# ---------------------------------------------------------------- privacy
def test_a_childs_name_split_in_the_needs_column_is_not_echoed(tmp_path) -> None:
    """Names are padded to line up (秘密　名字, a full-width space); a row shifted by one
    column puts the name into 帮扶需求. The reader hides a phrase that holds a name of the
    register, but the padded name splits into two phrases at the space, and each is shown:
    '秘密' names no need ..., '名字' names no need ..."""
    padded = "秘密\u3000名字"
    path = _xlsx(tmp_path / "c.xlsx", {"s": [HEADER, _child(name=padded, needs=padded)]})
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(path)
    text = _everything(err.value)
    assert "秘密" not in text and "名字" not in text, text


def test_a_guardians_name_in_the_needs_column_is_not_echoed(tmp_path) -> None:
    """Only the name, address and id_number columns are searched for personal text; a
    register's 监护人姓名 (a guardian's name, in the wild registers) typed into 帮扶需求 is
    shown back in full."""
    rows = [[*HEADER, "监护人姓名"], [*_child(needs=SECRET), SECRET]]
    path = _xlsx(tmp_path / "c.xlsx", {"s": rows})
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(path)
    assert SECRET not in _everything(err.value)


def test_a_repeated_value_in_a_headerless_register_is_not_echoed(tmp_path) -> None:
    """A register exported without its header row: its first record becomes the header.
    When that record holds the same value twice (现住址 and 户籍地址 are usually the same
    address), the 'names this column more than once' error shows the address as the
    field."""
    address = "幸福路12号"
    text = (
        f"C1,{SECRET},{address},{address},110.98,30.82\nC2,张三,和平路1号,和平路1号,110.98,30.82\n"
    )
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(pm.PairmatchError) as err:
        pm.read_children(path)
    text = _everything(err.value)
    assert address not in text and SECRET not in text, text


def test_sheet_names_that_are_childrens_names_are_not_echoed_by_the_command_line(
    tmp_path, capsys
) -> None:
    """一人一表: a workbook with one sheet per child, each named after the child. The command
    line takes care not to echo a file's name (a file may be named after a child), but it
    lists the sheets by name: 'several sheets of it look like a children register:
    '秘密名字', ...'."""
    sheets = {SECRET: [HEADER, _child("C1")], f"{SECRET}二": [HEADER, _child("C2")]}
    children = _xlsx(tmp_path / "儿童登记表甲.xlsx", sheets)
    volunteers = _xlsx(tmp_path / "爱心妈妈登记表乙.xlsx", {"s": [V_HEADER, _volunteer()]})
    code = main(["match", str(children), str(volunteers), "-o", str(tmp_path / "l.xlsx")])
    err = capsys.readouterr().err
    assert code != 0
    assert SECRET not in err, err


def test_the_command_lines_file_name_scrubbing_does_not_mangle_the_message(
    tmp_path, capsys
) -> None:
    """The command line takes the register's file name out of a reader's message by plain
    text replacement of its stem, anywhere in the message: a register saved as 2.csv with a
    cell too many on line 2 is reported as 'line the file of it has 10 fields' (the line
    is lost), and children.xlsx as 'look like a the file register'."""
    children = tmp_path / "2.csv"
    children.write_text(
        ",".join(HEADER) + "\n" + ",".join(map(str, _child())) + ",x\n", encoding="utf-8"
    )
    volunteers = _xlsx(tmp_path / "爱心妈妈登记表乙.xlsx", {"s": [V_HEADER, _volunteer()]})
    code = main(["match", str(children), str(volunteers), "-o", str(tmp_path / "l.xlsx")])
    err = capsys.readouterr().err
    assert code != 0
    assert "line 2 " in err and "the file of it" not in err, err


# ---------------------------------------------------------------- valid files refused
def test_a_csv_title_cell_with_a_line_break_does_not_hide_the_header(tmp_path) -> None:
    """A merged title typed on two lines (Alt+Enter) is saved by Excel as one quoted cell
    with a line break. The header row is then skipped along with the title: the first
    record is read as the header and every required column is 'missing'."""
    title = '"青溪县农村留守儿童\r\n关爱帮扶台账",,,,,,,\r\n'
    body = ",".join(HEADER) + "\r\n"
    body += "".join(",".join(map(str, _child(c))) + "\r\n" for c in ("C1", "C2"))
    path = tmp_path / "c.csv"
    path.write_bytes((title + body).encode("utf-8"))
    assert pm.read_children(path)["id"].tolist() == ["C1", "C2"]


def test_a_columns_file_saved_with_a_byte_order_mark_is_read(tmp_path) -> None:
    """Windows Notepad saves UTF-8 with a byte-order mark; the registers are read with one,
    but a --columns (or vocabulary) file is refused as 'could not be read as UTF-8 JSON'."""
    mapping = tmp_path / "columns.json"
    mapping.write_bytes(json.dumps({"孩子代码": "id"}, ensure_ascii=False).encode("utf-8-sig"))
    path = _xlsx(tmp_path / "c.xlsx", {"s": [["孩子代码", *HEADER[1:]], _child()]})
    assert pm.read_children(path, columns=mapping)["id"].tolist() == ["C1"]
