"""Reading registers from DataFrames, CSV, Excel, Parquet or records, and writing tables.

Every reader returns the validated, normalised table form (see
:mod:`pairmatch.model.tables`), so what :func:`read_children` returns can be handed
straight to :func:`pairmatch.match` and what a user's system hands over in its own shape
fails early with every problem named.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from numbers import Number
from pathlib import Path
from typing import IO, Any, TypeAlias

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from pairmatch import arguments
from pairmatch.errors import ArgumentTypeError, InputIssue, ValidationError
from pairmatch.files import Read, Sheet, Wanted, format_of, read_file, rows_said
from pairmatch.model.records import CHILD_COLUMNS, VOLUNTEER_COLUMNS, Child, Volunteer
from pairmatch.model.tables import OPTIONAL_DEFAULTS, Kind, validate_children, validate_volunteers
from pairmatch.model.vocab import parse_id
from pairmatch.office.locate import locate
from pairmatch.office.translate import Translated, translate
from pairmatch.office.vocabulary import OfficeVocabulary, read_json, write_json

__all__ = [
    "Source",
    "read_children",
    "read_columns",
    "read_table",
    "read_volunteers",
    "save_columns",
    "write_table",
]

log = logging.getLogger("pairmatch")

Source: TypeAlias = (
    pd.DataFrame | str | os.PathLike[str] | IO[str] | IO[bytes] | Iterable[Child | Volunteer | dict]
)


def _required(kind: Kind) -> tuple[str, ...]:
    columns = CHILD_COLUMNS if kind == "children" else VOLUNTEER_COLUMNS
    return tuple(c for c in columns if c not in OPTIONAL_DEFAULTS[kind])


_ANY = Wanted()
_CHILDREN = Wanted("children", frozenset({"id"}), _required("children"))
_VOLUNTEERS = Wanted("volunteers", frozenset({"id"}), _required("volunteers"))


def read_table(source: Any, *, sheet: Sheet = None) -> pd.DataFrame:
    """Read a table as it is, without validating it.

    CSV and Excel cells are read as text (so ids such as ``"007"`` keep their zeros) and only
    empty cells count as missing; validation turns text into numbers and flags later. A file
    is read whole or refused with one :class:`~pairmatch.FileReadError` (see
    :mod:`pairmatch.files`); ``sheet`` chooses a workbook's sheet: its name, its 0-based
    index, or ``"all"`` for every sheet with an id column, read together.
    """
    return _read(source, _ANY, sheet).table


def _read(source: Any, wanted: Wanted, sheet: Sheet) -> Read:
    if isinstance(source, str | os.PathLike) or hasattr(source, "read"):
        return read_file(source, wanted, sheet)
    if sheet is not None:
        raise wanted.refuse("the table given", "sheet= is for workbooks; leave it out")
    if isinstance(source, pd.DataFrame):
        return Read(source, [], [], [])
    if isinstance(source, Iterable) and not isinstance(source, bytes | bytearray | Mapping):
        return Read(pd.DataFrame([_row(i, item) for i, item in enumerate(source)]), [], [], [])
    raise ArgumentTypeError(
        f"cannot read a table from {type(source).__name__}; pass a DataFrame, a path "
        "(.csv, .xlsx, .parquet), an open file, or a list of records"
    )


def _row(i: int, item: Any) -> dict[str, Any]:
    """One record of a list of records as a table row."""
    if isinstance(item, Child | Volunteer):
        return item.to_row()
    try:
        return dict(item)
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"item {i} of the records given is not a record: give pm.Child or pm.Volunteer "
            "records, or dicts of their fields"
        ) from None


def _validated(
    validate: Callable[[pd.DataFrame, Mapping[str, str] | None], pd.DataFrame],
    source: Source,
    wanted: Wanted,
    columns: Mapping[str, str] | str | os.PathLike[str] | None,
    sheet: Sheet,
    vocabulary: OfficeVocabulary | str | os.PathLike[str] | None,
    county: str | None,
    placing: Mapping[str, Any],
) -> pd.DataFrame:
    """A register read, put in pairmatch's columns (:func:`translate`) and validated; each
    problem names the office's header and the spreadsheet row (and sheet) it is on."""
    columns = read_columns(columns)
    vocabulary = _vocabulary(vocabulary)
    county = arguments.text("county", county) if county is not None else None
    kind: Kind = wanted.table  # type: ignore[assignment]
    read = _read(source, replace(wanted, columns=dict(columns or {}), vocabulary=vocabulary), sheet)
    office = translate(read.table, kind, vocabulary, columns, county)
    issues = list(office.issues)
    table = None
    try:
        if placing.get("places") is not None or placing.get("geocoder") is not None:
            office.table = locate(office.table, kind=kind, **placing)
        table = validate(office.table, None)
    except ValidationError as err:
        issues += err.problems
    if issues:
        issues = [_in_office_terms(p, office, read) for p in issues]
        raise ValidationError(_sorted(issues), what=kind)
    assert table is not None
    if read.skipped:
        table.attrs["skipped_rows"] = list(read.skipped)
        _say_skipped(kind, read.skipped)
    return table


def _say_skipped(kind: Kind, skipped: list[tuple[int, str]]) -> None:
    """A warning through the ``pairmatch`` logger: which spreadsheet rows were left out as
    no records, and why (rows and reasons only, never a cell)."""
    by_reason: dict[str, list[int]] = {}
    for row, why in skipped:
        by_reason.setdefault(why, []).append(row)
    said = "; ".join(f"{why}: spreadsheet rows {rows_said(r)}" for why, r in by_reason.items())
    log.warning(
        "%s register: %d rows left out as no records (%s); they are listed in "
        "table.attrs['skipped_rows']",
        "the children" if kind == "children" else "the volunteer",
        len(skipped),
        said,
    )


def _sorted(issues: list[InputIssue]) -> list[InputIssue]:
    return sorted(issues, key=lambda p: -1 if p.row is None else p.row)


def _vocabulary(vocabulary: object) -> OfficeVocabulary:
    if vocabulary is None:
        return OfficeVocabulary()
    if isinstance(vocabulary, str | os.PathLike):
        return OfficeVocabulary.load(vocabulary)
    if not isinstance(vocabulary, OfficeVocabulary):
        raise ArgumentTypeError(
            f"vocabulary must be a pm.OfficeVocabulary or the path of one saved as JSON, not "
            f"{type(vocabulary).__name__}"
        )
    return vocabulary


def read_columns(
    columns: Mapping[str, str] | str | os.PathLike[str] | None,
) -> Mapping[str, str] | None:
    """A renaming of headers: a mapping, or the path of a JSON file holding one (as
    :func:`save_columns` writes it)."""
    if isinstance(columns, str | os.PathLike):
        data = read_json(columns, "pairmatch.columns")
        columns = data.get("columns", data)
        if not isinstance(columns, dict):
            raise ArgumentTypeError("the columns file must hold a mapping of header to field")
        columns = {k: v for k, v in columns.items() if k not in ("format", "version")}
    return arguments.renames("columns", columns)


def save_columns(columns: Mapping[str, str], path: str | os.PathLike[str]) -> Path:
    """Write a renaming of headers as JSON (UTF-8), for ``columns=path`` and the command
    line's ``--columns``."""
    mapping = arguments.renames("columns", columns) or {}
    data = {"format": "pairmatch.columns", "version": 1, "columns": dict(mapping)}
    return write_json(path, data)


def _in_office_terms(issue: InputIssue, office: Translated, read: Read) -> InputIssue:
    """A problem with the office's header of its field, its record's spreadsheet row and
    its sheet."""
    if issue.table != office.kind:  # a place table's problem: its own rows, not the register's
        return issue
    header = office.headers.get(issue.field) if issue.field is not None else None
    changes: dict[str, Any] = {"header": header} if header is not None else {}
    if issue.record_id is None and issue.row is not None and "id" in office.table.columns:
        with contextlib.suppress(ValueError, IndexError):  # a bad id is a problem of its own
            changes["record_id"] = parse_id(office.table["id"].iat[issue.row])
    if issue.row is not None and 0 <= issue.row < len(read.rows):
        changes["sheet_row"] = read.rows[issue.row]
        if read.parts:
            ends = np.cumsum([rows for _, rows in read.parts])
            k = int(np.searchsorted(ends, issue.row, side="right"))
            changes["sheet"] = read.parts[k][0]
    return replace(issue, **changes) if changes else issue


def read_children(
    source: Source,
    *,
    columns: Mapping[str, str] | str | os.PathLike[str] | None = None,
    sheet: Sheet = None,
    vocabulary: OfficeVocabulary | str | os.PathLike[str] | None = None,
    county: str | None = None,
    places: Any = None,
    geocoder: Any = None,
    cache: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a children register.

    Parameters
    ----------
    source:
        A DataFrame, a path to a ``.csv``, ``.xlsx`` or ``.parquet`` file, an open file, or
        an iterable of :class:`~pairmatch.Child` records (or dicts in the table form).
    columns:
        Optional renaming from the source's headers to pairmatch's, e.g.
        ``{"联系人姓名": "name"}``, or the path of such a mapping saved as JSON (see
        :func:`save_columns`). Most offices need none: the built-in
        :class:`~pairmatch.OfficeVocabulary` reads the usual Chinese headers (儿童编号,
        经度, 帮扶需求, ...), and pairmatch's own names are always known.
    sheet:
        For a workbook: the sheet to read (its name or 0-based index), or ``"all"`` to read
        every sheet that looks like a children register together (their columns must be the
        same; a problem names its sheet and row). Left out, a workbook's only sheet, or its
        only register sheet (instructions and notes are not), is read; several register
        sheets are an error naming them.

    vocabulary:
        The office's words (headers, categories, needs written as text), when they go
        beyond the built-in ones: a :class:`~pairmatch.OfficeVocabulary` or the path of
        one saved as JSON.
    county:
        The county of a single-county register that leaves it out: filled into every row
        whose county is blank.
    places, geocoder, cache:
        For rows without 经度/纬度: a place table the office keeps (village →
        coordinates) and/or a geopy geocoder, with an on-disk cache; see
        :func:`~pairmatch.locate`. Rows that cannot be placed are named.

    Returns
    -------
    pandas.DataFrame
        The table form, normalised; extra columns are kept. Rows of a file that are no
        records are left out: blank rows silently (they hold nothing), 合计 totals and
        signature lines (their id cell blank) listed with their spreadsheet rows and why
        in ``.attrs["skipped_rows"]`` and said in a warning of the ``pairmatch`` logger.

    Raises
    ------
    pairmatch.ValidationError
        Listing every bad row and field.
    pairmatch.FileReadError
        A file that cannot be read as one table (a ``ValidationError``).
    pairmatch.FileAccessError
        A file that cannot be opened (missing: ``MissingFileError``, a
        ``FileNotFoundError``).

    Examples
    --------
    >>> import pairmatch as pm
    >>> children, _ = pm.synth.county(50, seed=1)
    >>> pm.read_children(children).shape[0]
    50
    """
    placing = {"places": places, "geocoder": geocoder, "cache": cache}
    return _validated(
        validate_children, source, _CHILDREN, columns, sheet, vocabulary, county, placing
    )


def read_volunteers(
    source: Source,
    *,
    columns: Mapping[str, str] | str | os.PathLike[str] | None = None,
    sheet: Sheet = None,
    vocabulary: OfficeVocabulary | str | os.PathLike[str] | None = None,
    county: str | None = None,
    places: Any = None,
    geocoder: Any = None,
    cache: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a volunteer register; see :func:`read_children`. An office's
    特长 (skills written as text: "心理疏导（擅长）、作业辅导") become the four skill
    levels, and 是否有违法犯罪记录 (有/无) is read into ``eligible`` the other way round."""
    placing = {"places": places, "geocoder": geocoder, "cache": cache}
    return _validated(
        validate_volunteers, source, _VOLUNTEERS, columns, sheet, vocabulary, county, placing
    )


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write one table to CSV (UTF-8 with BOM, so Excel shows Chinese text), Excel or Parquet.

    Text never becomes a formula: in CSV, a text cell (or header) a spreadsheet would run
    (see :func:`defused`) is prefixed with a single quote, and lines end in CRLF so that a
    cell holding a carriage return is quoted (unquoted, it would start a row of its own);
    in Excel, text is written as text.
    """
    path = Path(path)
    kind = format_of(str(path))
    if kind == "csv":
        defused(df).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    elif kind == "parquet":
        df.to_parquet(path, index=False)
    else:
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as out:
            df.to_excel(out, index=False)
    return path


#: What makes a spreadsheet run a cell opened from CSV (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def defused(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` for a CSV file: every text cell and header that starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading single quote (``'=1+1``), so a
    spreadsheet shows it instead of running it. Numbers stay numbers, and so does text that
    is exactly a decimal number (``"-5"``, ``"+1.5e3"``): a spreadsheet reads it as that
    number and runs nothing.

    >>> defused(pd.DataFrame({"note": ["=1+1", "-5", "ok"], "n": [-1, 2, 3]}))["note"].tolist()
    ["'=1+1", '-5', 'ok']
    """
    out = df.copy()
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if col.dtype.kind not in "biufcmM":
            risky = _formula_like(col)
            if risky.any():
                out.isetitem(i, _quoted(col.to_numpy(object), risky))
    headers = df.columns.to_numpy(object)
    out.columns = pd.Index(_quoted(headers, _formula_like(pd.Series(headers))), dtype=object)
    return out


def _quoted(values: np.ndarray, risky: np.ndarray) -> np.ndarray:
    out = values.copy()
    out[risky] = [f"'{v}" for v in values[risky]]  # only the few risky cells
    return out


def _formula_like(col: pd.Series) -> np.ndarray:
    """Which cells are text a spreadsheet would run (see :func:`defused`)."""
    text = _text_cells(col)
    starts = text.str.startswith(FORMULA_STARTS).to_numpy(bool, na_value=False, copy=True)
    if starts.any():  # the few that start so: are they plain numbers?
        starts[starts] = ~text[starts].str.fullmatch(_NUMBER).to_numpy(bool)
    return starts


def _text_cells(col: pd.Series) -> pd.Series:
    """A column's cells as the text a CSV file gets, as a string Series (fast string
    methods); numbers (they stay numbers) and missing cells missing."""
    if isinstance(col.dtype, pd.StringDtype):
        return col.reset_index(drop=True)
    values = col.to_numpy(object)
    if infer_dtype(values, skipna=True) not in ("string", "empty"):  # mixed: cell by cell
        values = np.array(
            [None if v is None or isinstance(v, Number) else str(v) for v in values], object
        )
    return pd.Series(values, dtype="str")
