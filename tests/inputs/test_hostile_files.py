"""Hostile files: whatever a file holds, reading it ends in a correct table or in one
pairmatch error that names the file, says why and what to do, and shows no cell."""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.cli import EXIT_INPUT, main
from pairmatch.io import read_table
from registers import children, rows_of, volunteers, workbook

SECRET = "秘密名字"  # a child's name: never in a message
READERS = {"table": read_table, "children": pm.read_children, "volunteers": pm.read_volunteers}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _register(n: int = 3) -> pd.DataFrame:
    return children([{"id": f"C{i}", "name": SECRET} for i in range(n)])


_xlsx, _rows = workbook, rows_of


def _csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False).encode()


def _parquet(table: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    table.to_parquet(out)
    return out.getvalue()


# ---------------------------------------------------------------- unreadable files
#: name, file name, content, what the message says
UNREADABLE = [
    ("empty csv", "c.csv", b"", "is empty"),
    ("blank csv", "c.csv", b"\xef\xbb\xbf \r\n\n  \n", "is empty"),
    ("empty xlsx", "c.xlsx", b"", "is empty"),
    ("empty parquet", "c.parquet", b"", "is empty"),
    (
        "latin-1",
        "c.csv",
        "id,name\nC1,Zoé,\n".encode("latin-1"),
        "neither UTF-8 nor GB18030 (GBK) text: it looks like",
    ),
    ("utf-16", "c.csv", "id,name\nC1,x\n".encode("utf-16"), "UTF-16 text"),
    ("gbk, ragged", "c.csv", f"id,name\nC1,{SECRET},x\n".encode("gbk"), "line 2 of"),
    ("nul bytes", "c.csv", b"id,name\nC1,\x00\x01\x02\n", "binary data"),
    ("long first row", "c.csv", f"id,name\nC1,{SECRET},x\nC2,y\n".encode(), "line 2 of"),
    ("long later row", "c.csv", f"id,name\nC1,x\n\nC2,{SECRET},y\n".encode(), "line 4 of"),
    ("unclosed quote", "c.csv", f'id,name\nC1,x\nC2,"{SECRET}\nC3,y\n'.encode(), "line 3 is"),
    ("csv named xlsx", "c.xlsx", b"id,name\nC1,x\n", "rename it to c.csv"),
    ("csv named parquet", "c.parquet", b"id,name\nC1,x\n", "rename it to c.csv"),
    ("xlsx named csv", "c.csv", _xlsx({"s": [["id"], ["C1"]]}), "rename it to c.xlsx"),
    (
        "parquet named csv",
        "c.csv",
        _parquet(pd.DataFrame({"id": ["C1"]})),
        "rename it to c.parquet",
    ),
    ("xlsx named parquet", "c.parquet", _xlsx({"s": [["id"]]}), "rename it to c.xlsx"),
    ("zip, no workbook", "c.xlsx", None, "could not be read as an Excel workbook"),
    ("cut workbook", "c.xlsx", _xlsx({"s": [["id"], ["C1"]]})[:300], "could not be read as an"),
    ("zip magic, junk", "c.xlsx", b"PK\x03\x04" + bytes(range(256)), "could not be read as an"),
    ("parquet magic, junk", "c.parquet", b"PAR1" + bytes(range(256)), "could not be read as Parq"),
    ("locked or old xlsx", "c.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "password"),
    ("random bytes csv", "c.csv", bytes(range(256)) * 4, "binary data"),
    ("random bytes xlsx", "c.xlsx", bytes(range(256)) * 4, "but is binary data"),
    ("unknown suffix", "c.docx", b"id\nC1\n", "cannot tell the format"),
    ("repeated header", "c.csv", b"id,name,id\nC1,x,C2\n", "more than once (columns 1, 3)"),
    ("empty sheet", "c.xlsx", _xlsx({"only": []}), "is empty"),
]


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    ("case", "name", "data", "said"), UNREADABLE, ids=[c[0] for c in UNREADABLE]
)
def test_an_unreadable_file_is_one_clear_error(tmp_path, reader, case, name, data, said) -> None:
    path = tmp_path / name
    path.write_bytes(_zip_without_workbook() if data is None else data)
    with pytest.raises(pm.FileReadError) as err:
        READERS[reader](path)
    text = str(err.value)
    assert said in text and str(path) in text
    assert SECRET not in text
    assert isinstance(err.value, pm.ValidationError | ValueError)
    assert len(err.value.problems) >= 1 and err.value.problems[0].table == reader
    # the parser's own words (which may quote cells) are never passed on
    assert "C error" not in text and "Traceback" not in text


def test_a_ragged_row_is_named_by_its_line_and_row(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('id,name\nC1,"two\nlines"\n\nC2,x,extra\nC3,y\nC4,a,b,c\n', encoding="utf-8")
    with pytest.raises(pm.FileReadError) as err:
        read_table(path)
    found = [(p.row, re.search(r"line (\d+)", p.message)[1]) for p in err.value.problems]
    assert found == [(1, "5"), (3, "7")]  # rows as validation counts them; lines as an editor
    assert "has 3 fields but the header has 2" in err.value.problems[0].message


@pytest.mark.skipif(importlib.util.find_spec("xlrd") is not None, reason="xlrd reads .xls")
def test_an_old_workbook_damaged_or_without_its_reader_is_one_clear_error(
    tmp_path, monkeypatch
) -> None:
    path = tmp_path / "c.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(pm.FileReadError, match="could not be read as an Excel workbook"):
        pm.read_children(path)
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # as if it were not installed
    with pytest.raises(pm.FileReadError, match=r"needs the package python.calamine"):
        pm.read_children(path)


@pytest.mark.parametrize("reader", READERS)
def test_files_that_cannot_be_opened(tmp_path, reader, monkeypatch) -> None:
    with pytest.raises(pm.MissingFileError, match="no such file") as missing:
        READERS[reader](tmp_path / "nope.csv")
    assert isinstance(missing.value, FileNotFoundError) and str(tmp_path) in str(missing.value)
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(pm.FileAccessError, match="is a folder"):
        READERS[reader](tmp_path / "folder.csv")
    locked = tmp_path / "locked.csv"
    locked.write_bytes(_csv(_register()))

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(pm.FileAccessError, match="may not be read") as err:
        READERS[reader](locked)
    assert isinstance(err.value, OSError) and isinstance(err.value, pm.PairmatchError)


def test_a_file_without_read_permission(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(_csv(_register()))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("this user reads files without read permission (root)")
        with pytest.raises(pm.FileAccessError, match="may not be read"):
            pm.read_children(path)
    finally:
        path.chmod(0o600)


def test_open_files_in_the_wrong_mode_or_encoding(tmp_path) -> None:
    gbk = tmp_path / "c.csv"
    gbk.write_bytes(_register().to_csv(index=False).encode("gbk"))
    with gbk.open(encoding="utf-8") as handle, pytest.raises(pm.FileReadError, match="'rb'"):
        pm.read_children(handle)
    book = tmp_path / "c.xlsx"
    book.write_bytes(_xlsx({"s": _rows(_register())}))
    with book.open(encoding="latin-1") as handle, pytest.raises(pm.FileReadError, match="mode"):
        pm.read_children(handle)
    with gbk.open("rb") as handle:  # binary: the encoding is found
        assert list(pm.read_children(handle)["name"]) == [SECRET] * 3
    with book.open("rb") as handle:
        assert len(pm.read_children(handle)) == 3


@pytest.mark.parametrize(
    "path",
    ["missing.csv", "folder.csv", "ragged.csv", "gbk-as-xlsx.xlsx", "two-registers.xlsx"],
)
@pytest.mark.parametrize("role", ["children", "forbidden"])
def test_the_command_line_exits_2_naming_the_file(tmp_path, capsys, path, role) -> None:
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "ragged.csv").write_text("id,lat\nC1,30,1\n")
    (tmp_path / "gbk-as-xlsx.xlsx").write_bytes("id,名字\nC1,张三\n".encode("gbk"))
    two = {"A": _rows(_register()), "B": _rows(_register())}
    (tmp_path / "two-registers.xlsx").write_bytes(_xlsx(two))
    (tmp_path / "c.csv").write_bytes(_csv(_register()))
    (tmp_path / "v.csv").write_bytes(_csv(volunteers([{"id": "V1"}])))
    bad, out = str(tmp_path / path), str(tmp_path / "l.csv")
    if role == "children":
        code = main(["match", bad, str(tmp_path / "v.csv"), "-o", out])
    else:
        code = main(["match", str(tmp_path / "c.csv"), str(tmp_path / "v.csv"), "--forbidden",
                     bad, "-o", out])  # fmt: skip
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    lines = err.strip().splitlines()
    role = "children register" if role == "children" else "--forbidden file"
    assert len(lines) == 1 and role in lines[0], err
    assert path not in err and str(tmp_path) not in err  # named by role: a file may be
    assert "Traceback" not in err and SECRET not in err  # named after a child
    assert not (tmp_path / "l.csv").exists()


# ---------------------------------------------------------------- files read right
def test_encodings_pairmatch_reads(tmp_path) -> None:
    table = _register().assign(name=["张三", "𠀀丽", "王五"], note=["甲", "乙", "丙"])
    expected = pm.read_children(table)
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        if encoding == "gbk":  # GBK has no 𠀀 (a GB18030 four-byte character)
            data = table.assign(name=["张三", "李丽", "王五"]).to_csv(index=False).encode("gbk")
        else:
            data = table.to_csv(index=False).encode(encoding)
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(data)
        got = pm.read_children(path)
        assert list(got.columns) == list(expected.columns), encoding  # no '\ufeffid'
        assert list(got["note"]) == ["甲", "乙", "丙"], encoding
        assert got["name"].iat[1] == ("李丽" if encoding == "gbk" else "𠀀丽")


def test_a_header_only_file_is_an_empty_register(tmp_path) -> None:
    for suffix in (".csv", ".xlsx"):
        path = tmp_path / f"c{suffix}"
        header = _register().iloc[:0]
        data = _csv(header) if suffix == ".csv" else _xlsx({"s": _rows(header)})
        path.write_bytes(data)
        got = pm.read_children(path)
        assert len(got) == 0 and {"id", "lat", "name"} <= set(got.columns)


def test_quoted_cells_and_short_rows_read_right(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('id,note,extra\nC1,"a, b","x\ny"\nC2,"say ""hi"""\nC3\n', encoding="utf-8")
    got = read_table(path)
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["C1", "a, b", "x\ny"],
        ["C2", 'say "hi"', None],  # a short row: blank cells to its right
        ["C3", None, None],
    ]


# ---------------------------------------------------------------- workbooks
NOTES = [["填写说明"], ["每行一名儿童"]]


def test_a_register_sheet_beside_notes_is_read(tmp_path) -> None:
    path = tmp_path / "c.xlsx"
    path.write_bytes(_xlsx({"说明": NOTES, "名册": _rows(_register(4)), "字典": [["category"]]}))
    assert len(pm.read_children(path)) == 4
    assert len(read_table(path)) == 4


def test_several_register_sheets_are_named_not_half_read(tmp_path) -> None:
    path = tmp_path / "c.xlsx"
    a, b = _register(2), _register(3).assign(id=["C7", "C8", "C9"])
    path.write_bytes(_xlsx({"说明": NOTES, "甲乡": _rows(a), "乙乡": _rows(b)}))
    for reader in READERS.values():
        with pytest.raises(pm.FileReadError) as err:
            reader(path)
        assert "'甲乡', '乙乡'" in str(err.value) and "sheet='all'" in str(err.value)
    assert list(pm.read_children(path, sheet="乙乡")["id"]) == ["C7", "C8", "C9"]
    assert list(pm.read_children(path, sheet=1)["id"]) == ["C0", "C1"]
    both = pm.read_children(path, sheet="all")
    assert list(both["id"]) == ["C0", "C1", "C7", "C8", "C9"]
    assert len(read_table(path, sheet="all")) == 5


def test_sheets_read_together_name_the_sheet_and_row_of_a_problem(tmp_path) -> None:
    path = tmp_path / "c.xlsx"
    a, b = _register(2), _register(3).assign(id=["C7", "C8", "C9"], need_study=[1, 9, 1])
    b = b[list(reversed(b.columns))]  # the same columns in another order
    path.write_bytes(_xlsx({"甲乡": _rows(a), "乙乡": _rows(b)}))
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(path, sheet="all")
    (problem,) = err.value.problems
    assert problem.row == 3 and problem.field == "need_study"  # numbered across the sheets
    assert (problem.sheet, problem.sheet_row) == ("乙乡", 3)
    assert "(sheet '乙乡', spreadsheet row 3)" in str(problem)


@pytest.mark.parametrize(
    ("sheets", "sheet", "said"),
    [
        ({"说明": NOTES, "备注": [["note"]]}, None, "no sheet of"),
        ({"说明": NOTES, "备注": [["note"]]}, "all", "its sheets are 0: '说明', 1: '备注'"),
        ({"A": _rows(_register())}, "B", "has no sheet 'B'; its sheets are 0: 'A'"),
        ({"A": _rows(_register())}, 3, "has no sheet 3"),
        ({"A": _rows(_register())}, True, "sheet= takes"),
        ({"A": _rows(_register()), "B": [["id", "lat"]]}, "all", "different columns"),
        ({"A": _rows(_register()), "B": []}, "B", "is empty"),
    ],
)
def test_sheets_that_cannot_be_told_apart_or_joined(tmp_path, sheets, sheet, said) -> None:
    path = tmp_path / "c.xlsx"
    path.write_bytes(_xlsx(sheets))
    with pytest.raises(pm.FileReadError, match=re.escape(said)) as err:
        pm.read_children(path, sheet=sheet)
    assert str(path) in str(err.value)


def test_a_single_sheet_is_read_whatever_its_header(tmp_path) -> None:
    path = tmp_path / "c.xlsx"
    path.write_bytes(_xlsx({"名册": [["编号", "纬度"], ["C1", 30]]}))
    assert list(read_table(path).columns) == ["编号", "纬度"]
    with pytest.raises(pm.ValidationError, match="required column is missing"):
        pm.read_children(path)  # validation says which columns are missing


def test_headers_mapped_with_columns_mark_a_register_sheet(tmp_path) -> None:
    table = _register()
    own = {f"列{i}": name for i, name in enumerate(table.columns)}  # the office's headers
    path = tmp_path / "c.xlsx"
    path.write_bytes(_xlsx({"说明": NOTES, "名册": _rows(table.set_axis(list(own), axis=1))}))
    assert len(pm.read_children(path, columns=own)) == 3


@pytest.mark.parametrize("source", ["csv", "parquet", "frame"])
def test_sheet_is_for_workbooks_only(tmp_path, source) -> None:
    table = _register()
    path = tmp_path / f"c.{source}"
    if source != "frame":
        path.write_bytes(_csv(table) if source == "csv" else _parquet(table))
    with pytest.raises(pm.FileReadError, match="sheet"):
        pm.read_children(table if source == "frame" else path, sheet=0)


# ---------------------------------------------------------------- fuzzing
@FUZZ
@given(
    data=st.binary(max_size=600),
    suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".xls", ".parquet"]),
    head=st.sampled_from([b"", b"PK\x03\x04", b"PAR1", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
)
def test_random_bytes_read_or_fail_cleanly(tmp_path_factory, data, suffix, head) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(head + data)
    try:
        table = read_table(path)
    except pm.FileReadError as err:
        assert str(path) in str(err)
    else:
        assert isinstance(table, pd.DataFrame) and suffix in (".csv", ".txt")
    with pytest.raises(pm.ValidationError):  # no register at all: never read as one
        pm.read_children(path)


@FUZZ
@given(
    book=st.sampled_from(["xlsx", "parquet"]),
    cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
    truncate=st.booleans(),
)
def test_damaged_workbooks_and_parquet_read_or_fail_cleanly(tmp_path_factory, book, cuts, truncate):
    table = _register()
    data = bytearray(_xlsx({"s": _rows(table)}) if book == "xlsx" else _parquet(table))
    for at, value in cuts:
        data[at % len(data)] = value
    if truncate:
        data = data[: cuts[0][0] % len(data)]
    path = tmp_path_factory.mktemp("fuzz") / f"f.{book}"
    path.write_bytes(bytes(data))
    try:
        got = read_table(path)
    except pm.FileReadError as err:
        assert str(path) in str(err) and SECRET not in str(err)
    else:
        assert isinstance(got, pd.DataFrame)


_CELL = st.text(alphabet='ab张,"\n\r =-', max_size=5)


@FUZZ
@given(
    width=st.integers(2, 5),
    cells=st.lists(st.lists(_CELL, min_size=5, max_size=5), max_size=8),
    extra=st.lists(st.tuples(st.integers(0, 7), st.lists(_CELL, min_size=1, max_size=2))),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    dialect=st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL)]),
)
def test_random_ragged_csv_reads_right_or_names_every_long_row(
    tmp_path_factory, width, cells, extra, encoding, dialect
) -> None:
    header = [f"h{i}张" for i in range(width)]
    if dialect[0] == "\n":  # the writer leaves a lone \r unquoted: every reader ends a row there
        cells = [[c.replace("\r", "") for c in r] for r in cells]
        extra = [(at, [c.replace("\r", "") for c in more]) for at, more in extra]
    rows = [r[:width] for r in cells]
    longer = {at: more for at, more in extra if at < len(rows)}
    text, lines = io.StringIO(newline=""), []
    out = csv.writer(text, lineterminator=dialect[0], quoting=dialect[1])
    out.writerow(header)
    for i, row in enumerate(rows):
        lines.append(len(re.findall(r"\r\n|\r|\n", text.getvalue())) + 1)
        out.writerow(row + longer.get(i, []))
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_bytes(text.getvalue().encode(encoding))
    # a row of blank cells is no record: left out, and not counted among the data rows
    blank = [not any(c.strip() for c in r + longer.get(i, [])) for i, r in enumerate(rows)]
    position = {i: sum(not b for b in blank[:i]) for i in range(len(rows)) if not blank[i]}
    try:
        got = read_table(path)
    except pm.FileReadError as err:
        assert longer, str(err)
        named = [(p.row, re.search(r"line (\d+) ", p.message)[1]) for p in err.problems]
        assert named == [(position.get(i), str(lines[i])) for i in sorted(longer)]
    else:
        assert not longer
        assert list(got.columns) == header
        cells_read = got.astype(object).where(got.notna(), "").values.tolist()
        assert cells_read == [r for r, b in zip(rows, blank, strict=True) if not b]
