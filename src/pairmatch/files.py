"""Reading a table from a file: read whole and right, or refused with one clear error.

A file is read by what it holds, checked against what its name says:

* CSV (``.csv``, ``.txt``): UTF-8 (with or without a byte-order mark), else GB18030 (which
  holds GBK and GB2312), each tried strictly, so a file in another encoding is refused, not
  read as garbled text. Every row must have no more fields than the header (a comma in an
  unquoted cell would shift the cells after it); a row with fewer fields is read with blank
  cells to its right. A header-only file is an empty register.
* Excel (``.xlsx``, ``.xls``): a workbook is never half read. With one sheet, that sheet;
  with several, the one sheet that looks like a register (its header names an id column or
  at least half of the columns the register requires; instructions and notes do not), or
  the one asked for with ``sheet=`` (a name or a 0-based index); ``sheet="all"`` reads every
  register sheet together when their columns are the same.
* Parquet (``.parquet``, ``.pq``).

Every failure is one :class:`~pairmatch.FileReadError` (a :class:`~pairmatch.ValidationError`)
naming the file, the line or sheet, and what to do; a file that cannot be opened is a
:class:`~pairmatch.FileAccessError` (missing: :class:`~pairmatch.MissingFileError`, also a
``FileNotFoundError``). Messages show headers, sheet names and line numbers, never cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from pairmatch.errors import FileAccessError, FileReadError, InputIssue, MissingFileError
from pairmatch.model.records import CHILD_COLUMNS, SENSITIVE_COLUMNS, VOLUNTEER_COLUMNS
from pairmatch.model.tables import header_key as column_key
from pairmatch.office.vocabulary import GROUP_MARK, OfficeVocabulary

__all__ = [
    "HEADER_SEARCH_ROWS",
    "SUFFIXES",
    "Part",
    "Read",
    "Sheet",
    "Wanted",
    "format_of",
    "read_file",
    "rows_said",
]

#: A sheet of a workbook: its name, its 0-based index, or ``"all"`` (every register sheet).
Sheet: TypeAlias = str | int | None

#: File suffixes pairmatch reads and writes, and their formats.
SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: What a file's first bytes say it is (a ``.xlsx`` workbook is a zip archive).
_MAGIC = {
    b"PK\x03\x04": "xlsx",
    b"PK\x05\x06": "xlsx",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "xls",
    b"PAR1": "parquet",
}
#: What the content is: (its format, in words, what to do when the name says otherwise).
_CONTENT = {
    "xlsx": ("excel", "a zip archive, as an Excel workbook (.xlsx) is", "rename it to {}.xlsx"),
    "xls": ("excel", "an Excel 97-2003 workbook (.xls)", "rename it to {}.xls"),
    "parquet": ("parquet", "a Parquet file", "rename it to {}.parquet"),
    "csv": ("csv", "text, as a CSV file is", "rename it to {}.csv"),
    "utf16": ("", "UTF-16 text (Excel's 'Unicode text')", "save it as 'CSV UTF-8' or as .xlsx"),
    "binary": ("", "binary data: neither text, a workbook nor Parquet", "{}"),
    "undecodable": ("csv", "neither a workbook, Parquet, nor UTF-8 or GB18030 text", "{}"),
}
_NAMED = {"csv": "a CSV file", "excel": "an Excel workbook", "parquet": "a Parquet file"}
_REGISTER = {"children": "a children register", "volunteers": "a volunteer register"}
_ENCODINGS = ("utf-8-sig", "gb18030")
_PEEK = 1 << 16
_RESAVE = "export the register again as .xlsx or as CSV UTF-8"


@dataclass(frozen=True)
class Wanted:
    """What the caller reads, for messages and to find the register and its header row:
    the table's name, the headers that mark one (``ids``: any of them; ``required``: at
    least half of them), the caller's renaming of headers, and the office vocabulary that
    reads an office's own headers (儿童编号 → ``id``)."""

    table: str = "table"
    ids: frozenset[str] = frozenset({"id", "child_id", "volunteer_id"})
    required: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    vocabulary: OfficeVocabulary | None = None

    def fields(self, header: list[object]) -> set[str]:
        """The fields a row of cells names, read as headers (blank and number cells name
        none)."""
        out = set()
        for h in header:
            if not isinstance(h, str) or not h.strip():
                continue
            name = self.columns.get(h, h)
            out.add(column_key(name))
            if self.vocabulary is not None and self.table in ("children", "volunteers"):
                known = self.vocabulary.field(self.table, name)  # type: ignore[arg-type]
                if known is not None:
                    out.add(known)
        return out

    def marks(self, header: list[object]) -> bool:
        """Whether a sheet with this header row looks like the register asked for."""
        names = self.fields(header)
        return bool(names & self.ids) or (
            bool(self.required) and 2 * len(names & set(self.required)) >= len(self.required)
        )

    def score(self, header: list[object]) -> int:
        """How much a row of cells looks like this register's header: the fields it names
        that the register has (0 for a title row, a blank row or a row of data)."""
        names = self.fields(header)
        return len(names & ({*self.ids, *self.required} | _OFFICE_FIELDS)) + (
            3 if names & self.ids else 0
        )

    def shown(self, header: object) -> str | None:
        """A header as text when a message may show it: one that names a field pairmatch
        knows (a header row missing, the 'headers' are a record's cells, even a name)."""
        known = {*self.ids, *self.required} | _OFFICE_FIELDS | _FIELDS
        return str(header) if self.fields([header]) & known else None

    def refuse(self, name: str, message: str, row: int | None = None) -> FileReadError:
        return FileReadError([InputIssue(self.table, row, None, None, message)], what=name)


#: Fields an office's header may name beyond pairmatch's required columns.
_OFFICE_FIELDS = frozenset(
    {"name", "gender", "id_number", "address", "needs", "skills", "criminal_record", "phone",
     "birth_date", "interests", "specialities", "capacity", "active", "eligible"}
)  # fmt: skip
#: Every field of both registers, for :meth:`Wanted.shown`.
_FIELDS = frozenset(
    {*CHILD_COLUMNS, *VOLUNTEER_COLUMNS, "gender", *SENSITIVE_COLUMNS, "birth_date", "phone"}
)
#: Merged ranges of a sheet: (first row, first column, last row, last column), 0-based.
Spans: TypeAlias = Sequence[tuple[int, int, int, int]]
#: Rows at most this far down are looked at for the header row (title rows above it).
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Read:
    """A file read as one table: the table (every cell text, blank cells missing), the
    sheets read together (``sheet="all"``), each data row's number as the spreadsheet
    shows it, and the rows left out as not data (blank, 合计 and signature rows), each
    with its spreadsheet row and why."""

    table: pd.DataFrame
    parts: list[tuple[str, int]]
    rows: list[int]
    skipped: list[tuple[int, str]]


#: The sheets read together by ``sheet="all"``, in order: (sheet name, rows).
Part: TypeAlias = tuple[str, int]


def format_of(name: str, wanted: Wanted | None = None) -> str:
    """The format a file's suffix says it has; an error for a suffix pairmatch does not read."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise (wanted or Wanted()).refuse(
            name,
            f"cannot tell the format of {Path(name).name!r} from its suffix {suffix!r}; use "
            f"one of {', '.join(sorted(SUFFIXES))} or pass a DataFrame",
        )
    return SUFFIXES[suffix]


def read_file(source: Any, wanted: Wanted, sheet: Sheet = None) -> Read:
    """A path's or an open file's table (see :class:`Read`)."""
    name, data = _load(source, wanted)
    kind = _kind(name, data, wanted)
    if sheet is not None and kind != "excel":
        raise wanted.refuse(
            name, f"{name} is {_NAMED[kind]}, which has no sheets; leave sheet= out"
        )
    if kind == "csv":
        return _read_csv(name, data, wanted)
    assert isinstance(data, bytes)
    if kind == "parquet":
        table = _read_parquet(name, data, wanted)
        return Read(table, [], list(range(2, len(table) + 2)), [])
    return _read_workbook(name, data, wanted, sheet)


def unnamed(message: str, source: Any) -> str:
    """A reader's message with the file's path and name taken out, for callers that name
    the file by its role instead (a file may be named after a child). Only whole
    occurrences of the path as the reader wrote it are replaced (and the name in "rename it
    to <name>.xlsx"): a file called 2.csv leaves "line 2" alone."""
    if not isinstance(source, str | os.PathLike):
        return message
    path = Path(source)
    for said in dict.fromkeys([str(source), str(path), path.name]):
        if said:
            whole = rf"(?<![^\s('\"]){re.escape(said)}(?=$|[\s:;,)'\"]|\.(?:\s|$))"
            message = re.sub(whole, "it", message)
    if path.stem:
        rename = rf"rename it to {re.escape(path.stem)}\."
        message = re.sub(rename, "rename it to a name ending in .", message)
    return message


def rows_said(rows: Sequence[int]) -> str:
    """Spreadsheet rows in few words: ``12, 14-16``."""
    out: list[str] = []
    ordered = sorted(set(rows))
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            a, b = ordered[start], ordered[i - 1]
            out.append(str(a) if a == b else f"{a}-{b}")
            start = i
    return ", ".join(out)


def reasons(err: BaseException, source: Any) -> str:
    """Why a file could not be read, in one line, without its path (see :func:`unnamed`)
    and without sheet names that may be a person's (see :func:`sheets_hidden`)."""
    said = [p.message for p in err.problems] if isinstance(err, FileReadError) else [str(err)]
    sheets = getattr(err, "sheets", ())
    return "; ".join(sheets_hidden(unnamed(text, source), sheets) for text in said)


# ---------------------------------------------------------------- opening
def _load(source: Any, wanted: Wanted) -> tuple[str, bytes | str]:
    """The file's name, as given, and its bytes (or text, from a file opened as text)."""
    if isinstance(source, str | os.PathLike):
        return str(source), _bytes(Path(source), wanted)
    name = getattr(source, "name", "")
    name = name if isinstance(name, str) and name else "the file given"
    try:
        data = source.read()
    except UnicodeDecodeError:
        raise wanted.refuse(
            name,
            f"{name} could not be decoded with the encoding it was opened with; open it in "
            "binary mode ('rb') and pairmatch reads UTF-8 or GB18030",
        ) from None
    if not isinstance(data, bytes | str):
        raise wanted.refuse(name, f"{name} gave {type(data).__name__}, not bytes or text")
    return name, data


def _bytes(path: Path, wanted: Wanted) -> bytes:
    if path.is_dir():
        raise FileAccessError(f"{path} is a folder, not a file; give the register file in it")
    if path.suffix:
        format_of(str(path), wanted)  # an unknown suffix is said before a missing file
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise MissingFileError(f"no such file: {path}; check the folder and the name") from None
    except PermissionError:
        raise FileAccessError(
            f"{path} may not be read (permission denied); ask for read access or copy it "
            "somewhere you may read"
        ) from None
    except OSError as err:
        raise FileAccessError(f"{path} could not be read ({err.strerror or err})") from None


def _blank(data: bytes | str) -> bool:
    """Nothing but white space (and a byte-order mark); found without copying the data."""
    if isinstance(data, str):
        return re.fullmatch(r"\ufeff?\s*", data) is not None
    return re.fullmatch(rb"(?:\xef\xbb\xbf)?\s*", data) is not None


def _content(data: bytes | str) -> str:
    """What the data is, whatever its name says: xlsx, xls, parquet, csv (text), binary (it
    holds NUL bytes, which no text file does) or undecodable (said when read as CSV)."""
    if isinstance(data, str):
        return "binary" if "\x00" in data else "csv"
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    if b"\x00" in data:
        return "binary"
    return "csv" if _decodes(data[:_PEEK]) else "undecodable"


def _decodes(sample: bytes) -> bool:
    """Whether the start of a file reads as UTF-8 or GB18030 (a character cut at the end of
    the sample is no fault)."""
    for encoding in _ENCODINGS:
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError as err:
            if len(sample) == _PEEK and err.start >= _PEEK - 4:
                return True
    return False


def _kind(name: str, data: bytes | str, wanted: Wanted) -> str:
    """The format to read: the one the name says, when the content agrees."""
    if _blank(data):
        raise wanted.refuse(
            name,
            f"{name} is empty: a register needs a header row naming its columns, then one "
            "row per record",
        )
    content = _content(data)
    is_, looks, todo = _CONTENT[content]
    claimed = format_of(name, wanted) if Path(name).suffix else (is_ or "csv")
    if content == "xls" and Path(name).suffix.lower() == ".xlsx":
        raise wanted.refuse(
            name,
            f"{name} is an Excel 97-2003 workbook, or one locked with a password; open it in "
            "Excel or WPS, remove any password, and save it as .xlsx",
        )
    if claimed == is_:
        return claimed
    if isinstance(data, str) and claimed == "excel":
        raise wanted.refuse(name, f"{name} was opened as text; open Excel files in binary mode")
    todo = todo.format(Path(name).stem if "rename" in todo else _RESAVE)
    raise wanted.refuse(name, f"{name} should be {_NAMED[claimed]} but is {looks}; {todo}")


# ---------------------------------------------------------------- CSV
def _read_csv(name: str, data: bytes | str, wanted: Wanted) -> Read:
    """UTF-8 (with or without a byte-order mark) when the whole file is that, else the
    encoding a detector (charset-normalizer) finds, when it is GB18030 or one it holds
    (GBK, GB2312); anything else is refused, never read as garbled text."""
    if isinstance(data, str):
        return _parsed(name, data.removeprefix("\ufeff"), wanted)
    if _is_utf8(data):
        return _parsed(name, data.decode("utf-8-sig"), wanted)
    return _parsed(name, _chinese_text(name, data, wanted), wanted)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: Encodings a detector may name that GB18030 holds (a GBK file is GB18030 text).
_GB = frozenset({"gb18030", "gbk", "gb2312", "hz", "cp936", "ascii"})


def _chinese_text(name: str, data: bytes, wanted: Wanted) -> str:
    """The text of a CSV file that is not UTF-8: GB18030 when the whole file decodes so, a
    detector (charset-normalizer) finds it a plausible reading, and the text reads as
    Chinese (:func:`_common_chinese`); a clear error naming what the file looks like
    otherwise. The detector alone cannot tell a few GBK names from Korean or Japanese text
    (it ranks cp949 first for 秘密名字), and a Shift-JIS, Big5 or Latin-1 file often decodes
    as GB18030 too, into rare characters (山田太郎 → 嶳揷懢榊, Müller → M黮ler): those are
    refused, never read garbled."""
    from charset_normalizer import from_bytes  # imported for such files only

    try:
        text: str | None = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    found = list(from_bytes(data[: 1 << 20]))
    plausible = {e.replace("_", "").lower() for r in found for e in r.could_be_from_charset}
    common = _common_chinese(text[: 1 << 18]) if text is not None else 0.0
    if text is not None and (common >= 0.9 or (plausible & _GB and common >= 0.5)):
        return text  # a few characters of GBK may be too few for the detector
    looks = found[0].encoding if found else None
    what = f"looks like {looks} text" if looks else "is no text pairmatch knows"
    raise wanted.refuse(
        name,
        f"{name} is neither UTF-8 nor GB18030 (GBK) text: it {what} (line "
        f"{_first_bad_line(data)} holds the first byte that is not UTF-8); save it as 'CSV "
        "UTF-8' (Excel, WPS: Save As) or as .xlsx",
    )


def _common_chinese(text: str) -> float:
    """The share of ``text``'s non-ASCII characters that are common Chinese: the 3,755
    characters of GB2312's first level (rows 0xB0-0xD7) and full-width punctuation (rows
    0xA1-0xA3). A register's names, places and needs are almost all such characters (89%
    of a sample of names with rare characters such as 梓萱, 昊然, 淼, with places and
    needs); GBK text decoded from another encoding is almost none (0% for Shift-JIS, Big5
    and Latin-1 names). 1.0 for text with no such characters."""
    common = other = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            other += 1
            continue
        if 0xB0 <= lead <= 0xD7 or 0xA1 <= lead <= 0xA3:
            common += 1
        else:
            other += 1
    return common / (common + other) if common + other else 1.0


def _first_bad_line(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return data.count(b"\n", 0, err.start) + 1
    return 1  # pragma: no cover - only called on text that is not UTF-8


def _parsed(name: str, text: str, wanted: Wanted) -> Read:
    """The file parsed from its header row on (title rows above it are skipped), every
    record kept in place so that each data row knows its spreadsheet row."""
    top, above = _csv_header_row(text, wanted)
    try:  # pandas skips records, as the csv module counts them (a title may hold a line break)
        raw = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, na_values=[""],
            skiprows=top, skip_blank_lines=False,
        )  # fmt: skip
    except pd.errors.EmptyDataError:
        raise wanted.refuse(name, f"{name} holds no header row (only blank lines)") from None
    except pd.errors.ParserError as err:
        raise _parse_error(name, text, str(err), wanted, top) from None
    return _headed(raw, name, wanted, first_row=top + 1, above=above)


def _csv_header_row(text: str, wanted: Wanted) -> tuple[int, list[object] | None]:
    """The header record among the first rows (see :func:`_header_at`), counting blank
    records, and the record above it (a group heading row, perhaps)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[object]] = []
    try:
        for fields in reader:
            rows.append([f if f.strip() else None for f in fields])
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    top = _header_at(rows, wanted)
    return top, (rows[top - 1] if top else None)


def _parse_error(name: str, text: str, said: str, wanted: Wanted, top: int = 0) -> FileReadError:
    """The parser's complaint in the user's words: the lines at fault and what to do."""
    records = _records(text, top)
    if "EOF inside string" in said and records:
        line = records[-1][0]  # an unclosed quote runs to the end: it is in the last record
        return wanted.refuse(
            name,
            f'{name}: a double quote (") in the row starting on line {line} is never closed, '
            "so the rest of the file would be one cell; close the quote or remove it",
        )
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", said)
    width = records[0][2] if records else int(found[1]) if found else 0
    long: list[tuple[int, int | None, int]] = [r for r in records[1:] if r[2] > width]
    if not long and found:  # the csv module read it otherwise: the parser's line
        long = [(int(found[2]) + (records[0][0] - 1 if records else 0), None, int(found[3]))]
    if not long:
        return wanted.refuse(name, f"{name} could not be read as comma-separated text; {_RESAVE}")
    return FileReadError(
        [
            InputIssue(
                wanted.table,
                row,
                None,
                None,
                f"line {line} of {name} has {n} fields but the header has {width}: a cell "
                "that holds a comma must be in double quotes, or the row has a cell too many",
            )
            for line, row, n in long
        ],
        what=name,
    )


def _records(text: str, top: int = 0) -> list[tuple[int, int | None, int]]:
    """Each record from the header (record ``top``, counting blank ones) on that pandas
    does not skip: the line it starts on, its 0-based row among the data rows (the header
    is -1; a record of blank cells is no data row: None) and its number of fields. Only
    called to explain a parse error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, int | None, int]] = []
    start, row = 1, -1
    try:
        for k, fields in enumerate(reader):
            if k >= top and fields:
                blank = row >= 0 and not any(f.strip() for f in fields)
                out.append((start, None if blank else row, len(fields)))
                row += not blank
            start = reader.line_num + 1
    except csv.Error:  # a cell over the csv module's size limit: stop here
        pass
    return out


# ---------------------------------------------------------------- Excel, Parquet
def _read_workbook(name: str, data: bytes, wanted: Wanted, sheet: Sheet) -> Read:
    # an Excel 97-2003 workbook (.xls) is read by calamine, a Rust reader pandas names as
    # xlrd's successor; .xlsx by openpyxl (named: pandas warns its default will change)
    engine: Literal["openpyxl", "calamine"] = "openpyxl" if data.startswith(b"PK") else "calamine"
    book = _guarded(
        name, wanted, "an Excel workbook", lambda: pd.ExcelFile(io.BytesIO(data), engine=engine)
    )
    with book:
        names = [str(s) for s in book.sheet_names]
        try:
            return _read_sheets(name, data, book, names, wanted, sheet)
        except FileReadError as err:
            err.sheets = tuple(names)  # for callers that hide them (see :func:`reasons`)
            raise


def _read_sheets(
    name: str, data: bytes, book: pd.ExcelFile, names: list[str], wanted: Wanted, sheet: Sheet
) -> Read:
    chosen = _choose(name, book, wanted, sheet)
    merged = _merged_ranges(data) if data.startswith(b"PK") else {}
    reads = []
    for s in chosen:
        raw = _sheet(name, book, s, wanted)
        top = _header_at(raw.head(HEADER_SEARCH_ROWS).values.tolist(), wanted)
        spans = merged.get(s, [])
        raw = _merges_filled(raw, spans, top)
        at = [(r0 - top, c0, r1 - top, c1) for r0, c0, r1, c1 in spans if r0 <= top + 1]
        above = raw.iloc[top - 1].tolist() if top > 0 else None
        reads.append(_headed(raw.iloc[top:], f"sheet {s!r} of {name}", wanted, top + 1, above, at))
    if len(reads) == 1:
        return reads[0]
    frames = [r.table for r in reads]
    _same_columns(name, chosen, frames, wanted)
    parts = [(str(s), len(f)) for s, f in zip(chosen, frames, strict=True)]
    return Read(
        pd.concat(frames, ignore_index=True),
        parts,
        [row for r in reads for row in r.rows],
        [(row, f"sheet {s!r}: {why}") for s, r in zip(chosen, reads, strict=True)
         for row, why in r.skipped],
    )  # fmt: skip


#: Words in a sheet's name that say what the sheet is (a register, notes, a place), not
#: whose it is: such a name is shown by the command line, any other counted.
_SHEET_WORDS = re.compile(
    r"(?i)^(?:sheet|工作表|表|页)\s*\d*$|登记|名册|名单|台账|花名|统计|汇总|信息|说明|填表|备注|"
    r"儿童|志愿|爱心|妈妈|帮扶|结对|需求|数据|注意|示例|模板|(?:乡|镇|村|县|区|街道|社区)$|"
    r"register|child|volunteer|list|data|note|readme|instruction|template|example"
)


def sheets_hidden(message: str, sheets: Sequence[str]) -> str:
    """A reader's message with each sheet name that may be a person's (一人一表: a sheet per
    child, named after the child) replaced by the sheet's 0-based index; names that say what
    the sheet is (登记表, Sheet1, 说明, 甲乡) stay. Only the names as the reader quotes
    them ('...') are replaced."""
    for i, sheet in enumerate(sheets):
        if _SHEET_WORDS.search(sheet):
            continue
        message = message.replace(f"{i}: {sheet!r}", f"{i}")  # "its sheets are 0: ..."
        message = message.replace(f"sheet {sheet!r}", f"sheet {i}")
        message = message.replace(repr(sheet), f"sheet {i}")
    return message


def _merged_ranges(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """Each sheet's merged ranges, (first row, first column, last row, last column) 0-based,
    from the workbook's XML (xl/workbook.xml names the sheets, its rels their parts, each
    part lists its <mergeCell ref="A2:A3"/>); a workbook that cannot be so read has none
    (pandas then says what is wrong with it)."""
    import zipfile
    from xml.etree import ElementTree

    out: dict[str, list[tuple[int, int, int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels if r.get("Id")}
            parts = set(z.namelist())
            for node in book.iter():
                if node.tag.rsplit("}", 1)[-1] != "sheet" or node.get("name") is None:
                    continue
                rid = next((v for k, v in node.attrib.items() if k.endswith("}id")), None)
                target = targets.get(rid, "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if part not in parts:
                    continue
                xml = z.read(part)
                at = xml.find(b"mergeCell")
                if at < 0:
                    continue
                out[str(node.get("name"))] = [
                    _cell_range(ref.decode("ascii")) for ref in _MERGE.findall(xml, at)
                ]
    except Exception:
        return {}
    return out


_MERGE = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)\""
)


def _cell_range(ref: str) -> tuple[int, int, int, int]:
    """'B2:C5' as (1, 1, 4, 2)."""
    corners = []
    for cell in ref.upper().split(":"):
        letters = cell.rstrip("0123456789")
        column = 0
        for ch in letters:
            column = column * 26 + ord(ch) - 64
        corners.append((int(cell[len(letters) :]) - 1, column - 1))
    (r0, c0), (r1, c1) = corners[0], corners[-1]
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def _merges_filled(
    raw: pd.DataFrame, spans: list[tuple[int, int, int, int]], top: int
) -> pd.DataFrame:
    """The sheet with each merged cell below the header spread down over the rows it
    spans (是否在岗 = 否 merged over two volunteers is 否 for each): the value stays in its
    column (a range across columns holds one cell's value, not one per column)."""
    down = [(r0, c0, r1) for r0, c0, r1, _ in spans if r0 > top and r1 > r0 and r0 < len(raw)]
    if not down:
        return raw
    raw = raw.copy()
    by_column: dict[int, list[tuple[int, int]]] = {}
    for r0, c0, r1 in down:
        if c0 < raw.shape[1]:
            by_column.setdefault(c0, []).append((r0, min(r1, len(raw) - 1)))
    for j, ranges in by_column.items():
        values = raw.iloc[:, j].to_numpy(object).copy()
        for r0, r1 in ranges:
            if not pd.isna(values[r0]):
                values[r0 : r1 + 1] = values[r0]
        raw.isetitem(j, values)
    return raw


def _sheet(
    name: str, book: pd.ExcelFile, sheet: str, wanted: Wanted, rows: int | None = None
) -> pd.DataFrame:
    """A sheet as it is (every cell text, blank cells missing; the header is its first
    row). Cells are read as Excel holds them and written as text here (see
    :func:`_as_text`): an ID number typed into a number cell is not given invented digits."""
    raw = _guarded(
        name,
        wanted,
        "an Excel workbook",
        lambda: pd.read_excel(
            book, sheet_name=sheet, header=None, nrows=rows, dtype=object,
            keep_default_na=False, na_values=[""],
        ),
    )  # fmt: skip
    for j in range(raw.shape[1]):
        col = raw.iloc[:, j]
        if infer_dtype(col, skipna=True) not in ("string", "empty"):
            raw.isetitem(j, _as_text(col.to_numpy(object)))
    return raw


def _as_text(values: np.ndarray) -> np.ndarray:
    """A column of cells as Excel shows them, as text: text as it is; a whole number below
    10^15 as its digits; a number of 16 or more digits (Excel keeps 15 significant ones)
    as Excel writes it, 4.20599201201197E+17, which no id or ID number check accepts;
    other numbers as Python writes them; a date at midnight as 2017-05-15, another time
    in ISO form; TRUE and FALSE as Excel shows them. Missing cells stay missing. By type,
    over the column's cells of that type (the column's types are mapped once)."""
    out = values.copy()
    kinds = pd.Series(values, dtype=object).map(type)
    missing = pd.isna(values)
    number = kinds.isin([int, float, np.int64, np.float64]).to_numpy(bool) & ~missing
    truth = kinds.isin([bool, np.bool_]).to_numpy(bool)
    if number.any():
        x = values[number].astype(float)
        text = x.astype(str)
        whole = np.isfinite(x) & (x == np.floor(x)) & (np.abs(x) < 1e15)
        text[whole] = x[whole].astype(np.int64).astype(str)
        big = np.isfinite(x) & (np.abs(x) >= 1e15)
        text[big] = [_scientific(v) for v in x[big]]  # the few 16-digit numbers
        out[number] = text.astype(object)
    if truth.any():
        out[truth] = np.where(values[truth].astype(bool), "TRUE", "FALSE").astype(object)
    other = ~number & ~truth & ~kinds.isin([str]).to_numpy(bool) & ~missing
    if other.any():
        out[other] = [_date_text(v) for v in values[other]]  # dates, times: few columns
    return out


def _scientific(x: float) -> str:
    mantissa, _, exponent = f"{x:.14E}".partition("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{'-' if exponent.startswith('-') else '+'}{abs(int(exponent)):02d}"


def _date_text(value: object) -> str:
    if isinstance(value, pd.Timestamp | dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    return str(value)


def _choose(name: str, book: pd.ExcelFile, wanted: Wanted, sheet: Sheet) -> list[str]:
    """The sheets to read: the one asked for, the only one, or the register sheets."""
    names = [str(s) for s in book.sheet_names]
    listed = ", ".join(f"{i}: {s!r}" for i, s in enumerate(names))
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return [names[sheet]]
        raise wanted.refuse(name, f"{name} has no sheet {sheet}; its sheets are {listed}")
    if isinstance(sheet, str) and sheet != "all":
        if sheet in names:
            return [sheet]
        raise wanted.refuse(name, f"{name} has no sheet {sheet!r}; its sheets are {listed}")
    if sheet is not None and sheet != "all":
        raise wanted.refuse(
            name, f"sheet= takes a sheet's name, its 0-based index or 'all', not {sheet!r}"
        )
    if sheet is None and len(names) == 1:
        return names
    registers = [s for s in names if wanted.marks(_header(name, book, s, wanted))]
    if (sheet == "all" and registers) or len(registers) == 1:
        return registers
    what = _REGISTER.get(wanted.table, "a register")
    if not registers:
        raise wanted.refuse(
            name,
            f"no sheet of {name} looks like {what} (a header row with an id column "
            f"or most of the register's columns); its sheets are {listed}; choose one with "
            "sheet=..., or map the headers with columns={...}",
        )
    raise wanted.refuse(
        name,
        f"several sheets of {name} look like {what}: "
        f"{', '.join(map(repr, registers))}; pass sheet=<name> to read one, or sheet='all' "
        "to read them together",
    )


def _header(name: str, book: pd.ExcelFile, sheet: str, wanted: Wanted) -> list[object]:
    """A sheet's header row: the row among its first that :func:`_header_at` finds."""
    first = _sheet(name, book, sheet, wanted, rows=HEADER_SEARCH_ROWS)
    if not len(first):
        return []
    return list(first.iloc[_header_at(first.values.tolist(), wanted)].tolist())


def _same_columns(name: str, sheets: list[str], frames: list[pd.DataFrame], wanted: Wanted) -> None:
    first = set(frames[0].columns)
    for sheet, frame in zip(sheets[1:], frames[1:], strict=True):
        if set(frame.columns) != first:
            differ = sorted(map(str, first ^ set(frame.columns)))
            named = [h for h in differ if wanted.shown(h)]
            others = len(differ) - len(named)
            listed = ", ".join(named + ([f"{others} other"] if others else []))
            raise wanted.refuse(
                name,
                f"sheets {sheets[0]!r} and {sheet!r} of {name} have different columns "
                f"(only in one: {listed}); give them the same header row, or read "
                "them one at a time with sheet=...",
            )


def _read_parquet(name: str, data: bytes, wanted: Wanted) -> pd.DataFrame:
    table = _guarded(name, wanted, "Parquet", lambda: pd.read_parquet(io.BytesIO(data)))
    if table.shape[1] == 0:
        raise wanted.refuse(name, f"{name} holds no columns; {_RESAVE}")
    return table


def _guarded(name: str, wanted: Wanted, what: str, read: Any) -> Any:
    """``read()``, any failure of the parser (a hostile file can raise anything in it) as
    one error naming the file; the parser's own message is not shown (it may quote cells)."""
    try:
        return read()
    except ImportError as err:
        raise wanted.refuse(
            name,
            f"{name} needs the package {err.name or 'python-calamine'} to be read; install it, or "
            "save the workbook as .xlsx",
        ) from None
    except FileReadError:
        raise
    except Exception as err:
        raise wanted.refuse(
            name, f"{name} could not be read as {what} ({type(err).__name__}); {_RESAVE}"
        ) from err


# ---------------------------------------------------------------- the header row
def _header_at(rows: list[list[object]], wanted: Wanted) -> int:
    """Which of a sheet's first rows is its header: the first of those that name the most
    of the register's fields (a title row, merged across the columns, names none; so do
    the 填报单位 line under it and blank rows). Row 0 when none names a field: the
    register's checks then say which columns are missing."""
    scores = [wanted.score(list(r)) for r in rows[:HEADER_SEARCH_ROWS]]
    best = max(scores, default=0)
    return scores.index(best) if best > 0 else 0


#: A row whose first filled cell starts so is a total, not a record (合计, 总计, 小计), when
#: its id cell is blank.
_TOTAL = re.compile(r"^(?:合计|总计|小计|共计|总数|合\s+计|总\s+计)")
#: A row of at most three filled cells starting so is a signature line under the register,
#: when its id cell is blank.
_SIGNATURE = re.compile(
    r"^(?:填表人|填报人|审核人|负责人|制表人|联系人|填报单位|填表日期|填报日期|单位负责人|审核|说明|注[:：])"
)
#: A total or signature written in the id column itself: the word alone, or followed by a
#: colon, a space or a bracket ("合计", "合计：", "填表人：某某"; never "合计01").
_IN_ID = re.compile(
    r"^(?:合计|总计|小计|共计|总数|合\s+计|总\s+计|填表人|填报人|审核人|负责人|制表人|"
    r"联系人|填报单位|填表日期|填报日期|单位负责人|审核|说明|注)(?:[:：\s(（].*)?$",
    re.DOTALL,
)
#: A heading spanning the columns of a group: the guardian's name, phone, consent.
_GUARDIAN = re.compile(r"^.{0,4}(?:监护人|情况).{0,6}$", re.DOTALL)


def _headed(
    raw: pd.DataFrame,
    name: str,
    wanted: Wanted,
    first_row: int = 1,
    above: list | None = None,
    spans: Spans = (),
) -> Read:
    """The first row of ``raw`` as the header (it is spreadsheet row ``first_row``), the
    rest as the table; blank rows, totals and signature lines left out and listed; empty
    columns with no header dropped. A repeated header is an error (pandas would rename the
    copy 'id.1' and the rule in it would be lost).

    ``spans`` are the workbook's merged ranges that cross the header's rows, as (first
    row, first column, last row, last column) of ``raw`` (the header is row 0, a group
    heading row ``above`` it row -1); a group heading, merged or one the vocabulary knows,
    names the columns under it (see :func:`_sub_header`)."""
    if raw.shape[0] == 0 or raw.shape[1] == 0:
        raise wanted.refuse(name, f"{name} is empty: it has no header row")
    cells = raw.iloc[0].tolist()
    body = raw.iloc[1:]
    if above is not None:
        cells = _grouped_above(cells, list(above), wanted, spans)
    combined = _sub_header(cells, raw.iloc[1].tolist(), wanted, spans) if len(raw) > 1 else None
    if combined is not None:  # a two-row header: its second row is no record
        cells, body, first_row = combined, raw.iloc[2:], first_row + 1
    filled = body.notna().to_numpy()
    named = [isinstance(h, str) and h.strip() != "" for h in cells]
    keep = [j for j in range(len(cells)) if named[j] or filled[:, j].any()]
    header = [" ".join(cells[j].split()) if named[j] else f"Unnamed: {j}" for j in keep]
    repeated = pd.Index(header)
    twice = repeated[repeated.duplicated()].unique().tolist()
    if twice:
        raise FileReadError(
            [
                InputIssue(
                    wanted.table,
                    None,
                    None,
                    wanted.shown(h),
                    f"the header of {name} names "
                    f"{'this column' if wanted.shown(h) else 'one column'} more than once "
                    f"(columns {_positions(keep, header, h)}); rename or remove the copies",
                )
                for h in twice
            ],
            what=name,
        )
    table = body.iloc[:, keep].set_axis(header, axis=1)
    rows = np.arange(first_row + 1, first_row + 1 + len(table))
    ids = [i for i, h in enumerate(header) if named[keep[i]] and wanted.fields([h]) & wanted.ids]
    why = _not_data(table, ids[0] if ids else None)
    skipped = [(int(r), w) for r, w in zip(rows, why, strict=True) if w not in ("", "blank")]
    data = why == ""
    return Read(table[data].reset_index(drop=True), [], rows[data].tolist(), skipped)


def _named(cell: object) -> bool:
    return isinstance(cell, str) and cell.strip() != ""


def _group(heading: object, wanted: Wanted) -> bool:
    """Whether a heading names a group of columns: 帮扶需求 (needs), 专长 or 特长 (skills),
    or the guardian's (监护人情况)."""
    if not _named(heading):
        return False
    fields = wanted.fields([heading]) | _VOCABULARY.fields(wanted, heading)
    return bool(fields & {"needs", "skills"}) or _GUARDIAN.match(str(heading).strip()) is not None


def _under_group(heading: object, cell: object, wanted: Wanted) -> bool:
    """Whether a cell under a group heading reads as a header: a need (学业辅导) under
    帮扶需求 or 专长, a field pairmatch knows (姓名, 联系电话) under 监护人情况."""
    if not _named(cell):
        return False
    vocabulary = _VOCABULARY.get(wanted)
    if vocabulary.need_of(cell) is not None and not _GUARDIAN.match(str(heading).strip()):
        return True
    known = {*wanted.ids, *wanted.required} | _OFFICE_FIELDS | _FIELDS
    return bool((wanted.fields([cell]) | _VOCABULARY.fields(wanted, cell)) & known)


def _spanned(cells: list, row: int, spans: Spans, wanted: Wanted) -> tuple[dict, set]:
    """The columns under each heading of a header row that spans several: a merged range
    (any heading), or a group heading the vocabulary knows followed by blank cells. The
    second set holds the columns whose span is only the vocabulary's guess."""
    under: dict[int, object] = {}
    for r0, c0, r1, c1 in spans:
        if r0 <= row <= r1 and c1 > c0 and c0 < len(cells) and _named(cells[c0]):
            for j in range(c0, min(c1, len(cells) - 1) + 1):
                under[j] = cells[c0]
    guessed: set[int] = set()
    for j, heading in enumerate(cells):
        if j in under or not _group(heading, wanted):
            continue
        k = j + 1
        while k < len(cells) and not _named(cells[k]) and k not in under:
            k += 1
        if k > j + 1:
            for i in range(j, k):
                under[i] = heading
                guessed.add(i)
    return under, guessed


def _sub_header(cells: list, below: list, wanted: Wanted, spans: Spans = ()) -> list | None:
    """The header of a two-row heading, or None when the row below the header is a record.

    A heading may span several columns (帮扶需求 merged over 学业辅导, 生活照料, ...; 监护人
    情况 over 姓名, 联系电话): the row below then names the columns under it, and is no
    record. It is taken for one only when the heading really spans (the workbook merged
    it), or names a group the vocabulary knows (帮扶需求, 专长, 监护人情况) and every cell
    of the row below reads as a header of it; and never when the row below has a cell
    outside the spanned columns or in the id column. Each of those columns is called
    heading·name ("监护人情况·姓名")."""
    under, guessed = _spanned(cells, 0, spans, wanted)
    sub = [j for j, c in enumerate(below) if _named(c)]
    ids = [j for j, c in enumerate(cells) if _named(c) and wanted.fields([c]) & wanted.ids]
    if not sub or not ids or _named(below[ids[0]]) or not all(j in under for j in sub):
        return None
    if any(j in guessed and not _under_group(under[j], below[j], wanted) for j in sub):
        return None
    out = list(cells)
    for j in sub:
        out[j] = _joined(under[j], below[j])
    return out


def _grouped_above(cells: list, above: list, wanted: Wanted, spans: Spans = ()) -> list:
    """The header with the group headings of the row above it (基本信息 over A:F, 帮扶需求
    over 学业辅导 ... 安全保护): a column under a group the vocabulary knows, whose header
    reads as one of that group, is called heading·name, as under a two-row heading."""
    width = len(cells)
    above = (above + [None] * width)[:width]
    under, _ = _spanned(above, -1, spans, wanted)
    out = list(cells)
    for j, heading in under.items():
        if _group(heading, wanted) and _named(cells[j]) and _under_group(heading, cells[j], wanted):
            out[j] = (
                f"{' '.join(str(heading).split())}{GROUP_MARK}{' '.join(str(cells[j]).split())}"
            )
    return out


def _joined(heading: object, name: object) -> str:
    """A column's header under a group heading: "监护人情况·姓名"."""
    return f"{' '.join(str(heading).split())}{GROUP_MARK}{' '.join(str(name).split())}"


class _Words:
    """The vocabulary a header is read with: the caller's, else the built-in one."""

    _default: OfficeVocabulary | None = None

    def get(self, wanted: Wanted) -> OfficeVocabulary:
        if wanted.vocabulary is not None:
            return wanted.vocabulary
        if _Words._default is None:
            _Words._default = OfficeVocabulary()
        return _Words._default

    def fields(self, wanted: Wanted, header: object) -> set[str]:
        """The fields a header names in either register's words (for reading group
        headings when the register is not known, as by read_table)."""
        vocabulary = self.get(wanted)
        found = {vocabulary.field(kind, header) for kind in ("children", "volunteers")}
        return {f for f in found if f is not None}


_VOCABULARY = _Words()


def _positions(keep: list[int], header: list[str], h: str) -> str:
    """The spreadsheet columns (from 1) that carry the header ``h``."""
    return ", ".join(str(keep[i] + 1) for i, x in enumerate(header) if x == h)


def _not_data(table: pd.DataFrame, id_column: int | None = None) -> np.ndarray:
    """Why each row is no record: ``"blank"``, a total or a signature line; ``""`` for a
    record. A row with an id is a record however its first cell reads (an id 合计01 is a
    child's), unless the id cell is the word alone (合计, 填表人：...) on a row no more than
    half filled. Column by column with pandas' string methods (no cell-by-cell Python): a
    province's register is read in one pass."""
    n, k = table.shape
    out = np.full(n, "", dtype=object)
    if n == 0:
        return out
    filled = np.zeros((n, k), bool)
    for j in range(k):
        col = table.iloc[:, j]
        filled[:, j] = col.notna().to_numpy(bool)
        if filled[:, j].any():
            filled[:, j] &= col.astype("str").str.strip().ne("").to_numpy(bool, na_value=False)
    count = filled.sum(axis=1)
    first = filled.argmax(axis=1)  # each row's first filled cell: the only one looked at
    total = np.zeros(n, bool)
    signed = np.zeros(n, bool)
    for j in np.unique(first[count > 0]).tolist():
        at = np.flatnonzero((first == j) & (count > 0))
        text = table.iloc[at, j].astype("str").str.strip()
        total[at] = text.str.match(_TOTAL.pattern).to_numpy(bool, na_value=False)
        signed[at] = text.str.match(_SIGNATURE.pattern).to_numpy(bool, na_value=False)
        if j == id_column:  # the word in the id column: alone, on a sparse row
            alone = text.str.match(_IN_ID.pattern, flags=re.DOTALL).to_numpy(bool, na_value=False)
            alone = alone & (2 * count[at] <= k)
            total[at] &= alone
            signed[at] &= alone
    if id_column is not None:  # an id before it: a record
        late = filled[:, id_column] & (first != id_column)
        total &= ~late
        signed &= ~late
    out[count == 0] = "blank"
    out[total] = "a total row (合计)"
    out[signed & (count <= 3) & ~total] = "a signature or note line under the register"
    return out
