"""Reading registers from DataFrames, CSV, Excel, Parquet or records, and writing tables.

Every reader returns the validated, normalised table form (see
:mod:`pairmatch.model.tables`), so what :func:`read_children` returns can be handed
straight to :func:`pairmatch.match` and what a user's system hands over in its own shape
fails early with every problem named.
"""

from __future__ import annotations

import io as _io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, TypeAlias

import pandas as pd

from pairmatch.model.records import Child, Volunteer
from pairmatch.model.tables import validate_children, validate_volunteers

__all__ = ["Source", "read_children", "read_table", "read_volunteers", "write_table"]

Source: TypeAlias = (
    pd.DataFrame | str | os.PathLike[str] | IO[str] | IO[bytes] | Iterable[Child | Volunteer | dict]
)

_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def _format_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(
            f"cannot tell the format of {Path(name).name!r} from its suffix {suffix!r}; "
            f"use one of {', '.join(sorted(_SUFFIXES))} or pass a DataFrame"
        )
    return _SUFFIXES[suffix]


def read_table(source: Any) -> pd.DataFrame:
    """Read a table as it is, without validating it.

    CSV and Excel cells are read as text (so ids such as ``"007"`` keep their zeros) and only
    empty cells count as missing; validation turns text into numbers and flags later.
    """
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        kind = _format_of(str(path))
        if not path.exists():
            raise FileNotFoundError(f"no such file: {path}")
        handle: Any = path
    elif hasattr(source, "read"):
        name = getattr(source, "name", "")
        kind = _format_of(name) if isinstance(name, str) and Path(name).suffix else "csv"
        handle = source
    elif isinstance(source, Iterable):
        rows = []
        for item in source:
            rows.append(item.to_row() if isinstance(item, Child | Volunteer) else dict(item))
        return pd.DataFrame(rows)
    else:
        raise TypeError(
            f"cannot read a table from {type(source).__name__}; pass a DataFrame, a path "
            "(.csv, .xlsx, .parquet), an open file, or a list of records"
        )
    if kind == "csv":
        return pd.read_csv(handle, dtype=str, keep_default_na=False, na_values=[""])
    if kind == "excel":
        if hasattr(handle, "read") and isinstance(handle, _io.TextIOBase):
            raise TypeError("open Excel files in binary mode ('rb')")
        return pd.read_excel(handle, dtype=str, keep_default_na=False, na_values=[""])
    return pd.read_parquet(handle)


def read_children(source: Source, *, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read and validate a children register.

    Parameters
    ----------
    source:
        A DataFrame, a path to a ``.csv``, ``.xlsx`` or ``.parquet`` file, an open file, or
        an iterable of :class:`~pairmatch.Child` records (or dicts in the table form).
    columns:
        Optional renaming from the source's headers to pairmatch's, e.g.
        ``{"儿童编号": "id", "纬度": "lat"}``.

    Returns
    -------
    pandas.DataFrame
        The table form, normalised; extra columns are kept.

    Raises
    ------
    pairmatch.ValidationError
        Listing every bad row and field.

    Examples
    --------
    >>> import pairmatch as pm
    >>> children, _ = pm.synth.county(50, seed=1)
    >>> pm.read_children(children).shape[0]
    50
    """
    return validate_children(read_table(source), columns)


def read_volunteers(source: Source, *, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read and validate a volunteer register; see :func:`read_children`."""
    return validate_volunteers(read_table(source), columns)


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
