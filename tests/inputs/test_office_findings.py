"""The office readers' fixes of issue 19's attack (tests/inputs/test_office_attack.py), for
the cases the attack did not build: totals and notes in a name column, group headings above
the header, merged cells over records, Excel number cells, skipped rows said, and the
command line's file and sheet names."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import openpyxl
import pytest

import pairmatch as pm
from pairmatch.cli import main
from pairmatch.files import reasons, sheets_hidden, unnamed
from pairmatch.io import read_table
from registers import workbook

SECRET = "秘密名字"
NEEDS = ["学业辅导", "生活照料", "心理疏导", "安全保护"]
BASIC = ["儿童编号", "姓名", "县（区）", "经度", "纬度", "儿童类别", "监护人是否同意"]
HEADER = [*BASIC, "帮扶需求"]
V_HEADER = ["编号", "姓名", "县", "经度", "纬度", "专长", "可结对人数", "是否有违法犯罪记录",
            "是否在岗"]  # fmt: skip


def _child(cid: str = "C1", name: str = "张三", needs: object = "学业辅导（严重）") -> list:
    return [cid, name, "秭归县", 110.98, 30.82, "农村留守儿童", "是", needs]


def _volunteer(vid: str = "V1", active: object = "是", capacity: object = 2) -> list:
    return [vid, "李四", "秭归县", 110.981, 30.821, "作业辅导", capacity, "无", active]


def _xlsx(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    path.write_bytes(workbook({"登记表": rows}, merges))
    return path


# ---------------------------------------------------------------- 1. totals need a blank id
def test_a_name_that_reads_like_a_total_or_a_note_is_a_record_when_its_row_has_an_id(
    tmp_path,
) -> None:
    """姓名 first: a first cell 总计划 or 说明 (a name column's text) on a row with an id
    is a record; a 合计 row whose id cell is blank is still a total, and 合计 alone in the
    id column of a sparse row too."""
    header = ["姓名", *[h for h in HEADER if h != "姓名"]]

    def row(name: str, cid: str) -> list:
        c = _child(cid, name)
        return [c[1], c[0], *c[2:]]

    rows = [header, row("总计划", "C1"), row("说明", "C2"), row("王五", "C3")]
    rows += [["合计", None, None, None, None, None, None, "3人"], [None, "合计", None, "3"]]
    children = pm.read_children(_xlsx(tmp_path / "c.xlsx", rows))
    assert children["id"].tolist() == ["C1", "C2", "C3"]
    assert [r for r, _ in children.attrs["skipped_rows"]] == [5, 6]


# ---------------------------------------------------------------- 2. two-row headers
def test_a_two_row_header_under_a_known_group_heading_is_read_from_csv(tmp_path) -> None:
    """No merged ranges in CSV: 帮扶需求 followed by blank header cells, over need names,
    is a group heading; the tick columns are the needs."""
    lines = [",".join([*BASIC, "帮扶需求", "", "", "", "备注"])]
    lines.append(",".join([""] * len(BASIC) + NEEDS + [""]))
    lines.append(",".join([*map(str, _child("C1")[:7]), "√", "", "", "√", ""]))
    lines.append(",".join([*map(str, _child("C2")[:7]), "", "√", "", "", "补录"]))
    path = tmp_path / "c.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    children = pm.read_children(path)
    assert children["id"].tolist() == ["C1", "C2"]
    assert children["need_study"].tolist()[0] > 0 and children["need_safety"].tolist()[0] > 0
    assert children["need_life"].tolist()[1] > 0 and children["need_study"].tolist()[1] == 0


def test_a_row_under_a_group_heading_that_is_no_header_stays_a_record(tmp_path) -> None:
    """帮扶需求 then a blank header cell; the row below holds, under them, text that names
    no need (a record with no id yet): it is a record, said with its row, not a header."""
    rows = [[*HEADER, None], [None, None, None, None, None, None, None, "待定", "补录"]]
    rows += [[*_child(c), None] for c in ("C1", "C2")]
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(_xlsx(tmp_path / "c.xlsx", rows))
    assert any(p.sheet_row == 2 for p in err.value.problems)


# ---------------------------------------------------------------- 3. group headings above
@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_group_headings_above_the_header_name_the_tick_columns(tmp_path, form) -> None:
    """基本信息 over A:G, 帮扶需求 over H:K (学业辅导 ... 安全保护), ids in the rows below:
    the tick columns under 帮扶需求 are the needs."""
    above = ["基本信息", *[None] * 6, "帮扶需求", None, None, None]
    rows = [above, [*BASIC, *NEEDS]]
    rows += [[*_child("C1")[:7], "√", None, "√", None], [*_child("C2")[:7], None, "√", None, None]]
    if form == "xlsx":
        path = _xlsx(tmp_path / "c.xlsx", rows, merges=("A1:G1", "H1:K1"))
    else:
        path = tmp_path / "c.csv"
        text = "\n".join(",".join("" if c is None else str(c) for c in r) for r in rows)
        path.write_text(text + "\n", encoding="utf-8")
    children = pm.read_children(path)
    assert children["id"].tolist() == ["C1", "C2"]
    assert children["need_study"].tolist()[0] > 0 and children["need_psychological"].iloc[0] > 0
    assert children["need_life"].tolist() == [0, children["need_life"].iloc[1]]
    assert children["need_life"].iloc[1] > 0 and children["need_safety"].tolist() == [0, 0]


# ---------------------------------------------------------------- 4. merged cells
def test_merged_needs_and_capacity_over_several_records_hold_for_each(tmp_path) -> None:
    rows = [HEADER, _child("C1", needs="心理疏导"), _child("C2", needs=None)]
    children = pm.read_children(_xlsx(tmp_path / "c.xlsx", rows, merges=("H2:H3",)))
    assert children["need_psychological"].tolist()[1] == children["need_psychological"].iloc[0]
    assert children["need_psychological"].iloc[1] > 0
    rows = [V_HEADER, _volunteer("V1", capacity=3), _volunteer("V2", capacity=None)]
    volunteers = pm.read_volunteers(_xlsx(tmp_path / "v.xlsx", rows, merges=("G2:G3",)))
    assert volunteers["capacity"].tolist() == [3, 3]


def test_a_merged_title_and_a_merged_signature_line_are_not_spread(tmp_path) -> None:
    """Ranges over the title row, the header, or across columns of one row are no records'
    values: the title stays one cell, a signature line merged across stays a note line."""
    rows = [["某县台账"], HEADER, _child("C1"), _child("C2"), ["填表人：某某"]]
    children = pm.read_children(_xlsx(tmp_path / "c.xlsx", rows, merges=("A1:H1", "A5:H5")))
    assert children["id"].tolist() == ["C1", "C2"]
    assert [r for r, _ in children.attrs["skipped_rows"]] == [5]


# ---------------------------------------------------------------- 5. Excel number cells
def test_excel_cells_are_read_as_excel_shows_them(tmp_path) -> None:
    rows = [["id", "big", "digits15", "date", "when", "flag", "n", "x"]]
    rows += [["C1", 4.20599201201197e17, 123456789012345, dt.datetime(2017, 5, 15),
              dt.datetime(2017, 5, 15, 8, 30), True, 3, 110.98]]  # fmt: skip
    table = read_table(_xlsx(tmp_path / "t.xlsx", rows))
    assert table.iloc[0].tolist() == [
        "C1", "4.20599201201197E+17", "123456789012345", "2017-05-15", "2017-05-15 08:30:00",
        "TRUE", "3", "110.98",
    ]  # fmt: skip


def test_an_id_in_a_number_cell_reads_as_its_digits(tmp_path) -> None:
    rows = [HEADER, [1001, *_child()[1:]], [1002.0, *_child()[1:]]]
    assert pm.read_children(_xlsx(tmp_path / "c.xlsx", rows))["id"].tolist() == ["1001", "1002"]


# ---------------------------------------------------------------- 7. skipped rows are said
def test_rows_left_out_are_logged_by_row_without_their_cells(tmp_path, caplog) -> None:
    rows = [HEADER, _child("C1"), [None, "合计", SECRET], [None, "填表人：" + SECRET]]
    with caplog.at_level(logging.WARNING, logger="pairmatch"):
        children = pm.read_children(_xlsx(tmp_path / "c.xlsx", rows))
    assert len(children) == 1
    said = [r.getMessage() for r in caplog.records if r.name == "pairmatch"]
    assert len(said) == 1 and "2 rows" in said[0] and "3" in said[0] and "4" in said[0]
    assert SECRET not in said[0]


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "spreadsheet rows 4-5"), ("zh", "表格第 4-5 行")]
)
def test_the_command_line_says_which_rows_were_left_out(tmp_path, capsys, lang, expected) -> None:
    rows = [HEADER, _child("C1"), _child("C2"), [None, "合计"], [None, "填表人：" + SECRET]]
    children = _xlsx(tmp_path / "c.xlsx", rows)
    volunteers = _xlsx(tmp_path / "v.xlsx", [V_HEADER, _volunteer()])
    code = main(["match", str(children), str(volunteers), "-o", str(tmp_path / "l.xlsx"),
                 "--lang", lang])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    (line,) = [x for x in out.splitlines() if expected in x]
    assert ("儿童登记表" if lang == "zh" else "children register") in line and "2" in line
    assert SECRET not in out


# ---------------------------------------------------------------- 8. file and sheet names
def test_file_name_scrubbing_replaces_only_the_name_as_written() -> None:
    message = "line 2 of 2.csv has 9 fields; rename it to 2.xlsx"
    assert unnamed(message, "2.csv") == (
        "line 2 of it has 9 fields; rename it to a name ending in .xlsx"
    )
    said = "data/2.csv should be a CSV file but is a zip archive; rename it to 2.xlsx"
    assert unnamed(said, Path("data/2.csv")) == (
        "it should be a CSV file but is a zip archive; rename it to a name ending in .xlsx"
    )


def test_sheet_names_that_may_be_a_persons_are_hidden_for_the_command_line(tmp_path) -> None:
    names = ["说明", SECRET, "Sheet3", "甲乡"]
    said = f"its sheets are 0: '说明', 1: '{SECRET}', 2: 'Sheet3', 3: '甲乡'; sheet '{SECRET}' of"
    hidden = sheets_hidden(said, names)
    assert SECRET not in hidden and "'说明'" in hidden and "'Sheet3'" in hidden
    assert "'甲乡'" in hidden and "sheet 1 of" in hidden
    sheets = {SECRET: [HEADER, _child("C1")], f"{SECRET}二": [HEADER, _child("C2")]}
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "c.xlsx"
    book.save(path)
    with pytest.raises(pm.FileReadError) as err:
        pm.read_children(path)
    assert SECRET not in reasons(err.value, path) and "sheet 0, sheet 1" in reasons(err.value, path)
