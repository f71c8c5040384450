"""Reading registers from DataFrames, CSV, Excel, Parquet or records, and writing tables.

Every reader returns the validated, normalised table form (see
:mod:`pairmatch.model.tables`), so what :func:`read_children` returns can be handed
straight to :func:`pairmatch.match` and what a user's system hands over in its own shape
fails early with every problem named.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, TypeAlias

import numpy as np
import pandas as pd

from pairmatch.errors import InputIssue, ValidationError
from pairmatch.files import Part, Sheet, Wanted, format_of, read_file
from pairmatch.model.records import CHILD_COLUMNS, VOLUNTEER_COLUMNS, Child, Volunteer
from pairmatch.model.tables import _OPTIONAL_DEFAULTS, Kind, validate_children, validate_volunteers

__all__ = ["Source", "read_children", "read_table", "read_volunteers", "write_table"]

Source: TypeAlias = (
    pd.DataFrame | str | os.PathLike[str] | IO[str] | IO[bytes] | Iterable[Child | Volunteer | dict]
)

#: Kept for callers of the old private name; see :func:`pairmatch.files.format_of`.
_format_of = format_of


def _required(kind: Kind) -> tuple[str, ...]:
    columns = CHILD_COLUMNS if kind == "children" else VOLUNTEER_COLUMNS
    return tuple(c for c in columns if c not in _OPTIONAL_DEFAULTS[kind])


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
    return _read(source, _ANY, sheet)[0]


def _read(source: Any, wanted: Wanted, sheet: Sheet) -> tuple[pd.DataFrame, list[Part]]:
    if isinstance(source, str | os.PathLike) or hasattr(source, "read"):
        return read_file(source, wanted, sheet)
    if sheet is not None:
        raise wanted.refuse("the table given", "sheet= is for workbooks; leave it out")
    if isinstance(source, pd.DataFrame):
        return source, []
    if isinstance(source, Iterable):
        rows = [item.to_row() if isinstance(item, Child | Volunteer) else dict(item)
                for item in source]  # fmt: skip
        return pd.DataFrame(rows), []
    raise TypeError(
        f"cannot read a table from {type(source).__name__}; pass a DataFrame, a path "
        "(.csv, .xlsx, .parquet), an open file, or a list of records"
    )


def _validated(
    validate: Callable[[pd.DataFrame, Mapping[str, str] | None], pd.DataFrame],
    source: Source,
    wanted: Wanted,
    columns: Mapping[str, str] | None,
    sheet: Sheet,
) -> pd.DataFrame:
    """A register read and validated; with several sheets read together, each problem
    also names its sheet and its row there."""
    table, parts = _read(source, replace(wanted, columns=dict(columns or {})), sheet)
    try:
        return validate(table, columns)
    except ValidationError as err:
        if not parts:
            raise
        raise ValidationError([_in_sheet(p, parts) for p in err.problems], what=err.what) from None


def _in_sheet(issue: InputIssue, parts: list[Part]) -> InputIssue:
    if issue.row is None:
        return issue
    ends = np.cumsum([rows for _, rows in parts])
    k = int(np.searchsorted(ends, issue.row, side="right"))
    row = issue.row - (int(ends[k - 1]) if k else 0)
    where = f"(sheet {parts[k][0]!r}, spreadsheet row {row + 2})"
    return replace(issue, message=f"{issue.message} {where}")


def read_children(
    source: Source, *, columns: Mapping[str, str] | None = None, sheet: Sheet = None
) -> pd.DataFrame:
    """Read and validate a children register.

    Parameters
    ----------
    source:
        A DataFrame, a path to a ``.csv``, ``.xlsx`` or ``.parquet`` file, an open file, or
        an iterable of :class:`~pairmatch.Child` records (or dicts in the table form).
    columns:
        Optional renaming from the source's headers to pairmatch's, e.g.
        ``{"儿童编号": "id", "纬度": "lat"}``.
    sheet:
        For a workbook: the sheet to read (its name or 0-based index), or ``"all"`` to read
        every sheet that looks like a children register together (their columns must be the
        same; a problem names its sheet and row). Left out, a workbook's only sheet, or its
        only register sheet (instructions and notes are not), is read; several register
        sheets are an error naming them.

    Returns
    -------
    pandas.DataFrame
        The table form, normalised; extra columns are kept.

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
    return _validated(validate_children, source, _CHILDREN, columns, sheet)


def read_volunteers(
    source: Source, *, columns: Mapping[str, str] | None = None, sheet: Sheet = None
) -> pd.DataFrame:
    """Read and validate a volunteer register; see :func:`read_children`."""
    return _validated(validate_volunteers, source, _VOLUNTEERS, columns, sheet)


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write one table to CSV (UTF-8 with BOM, so Excel shows Chinese text) or Parquet."""
    path = Path(path)
    kind = _format_of(str(path))
    if kind == "csv":
        df.to_csv(path, index=False, encoding="utf-8-sig")
    elif kind == "parquet":
        df.to_parquet(path, index=False)
    else:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            df.to_excel(writer, index=False)
    return path
