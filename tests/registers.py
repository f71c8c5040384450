"""Small registers for tests: one base row each, overridden field by field."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd

CHILD = {
    "lat": 30.0, "lon": 111.0, "province": "P", "city": "C", "county": "K",
    "township": "T", "village": "V", "category": "left_behind", "need_study": 1,
    "need_life": 0, "need_psychological": 0, "need_safety": 0, "interests": "",
    "guardian_consent": True,
}  # fmt: skip
VOLUNTEER = {
    "lat": 30.0, "lon": 111.001, "province": "P", "city": "C", "county": "K",
    "township": "T", "village": "V", "skill_study": 1, "skill_life": 0,
    "skill_psychological": 0, "skill_safety": 0, "specialities": "", "capacity": 1,
    "max_distance_km": np.nan, "eligible": True, "active": True,
}  # fmt: skip


def children(rows: list[dict]) -> pd.DataFrame:
    """A children table: the base row updated by each of ``rows``."""
    return pd.DataFrame([CHILD | r for r in rows])


def volunteers(rows: list[dict]) -> pd.DataFrame:
    """A volunteers table: the base row updated by each of ``rows``."""
    return pd.DataFrame([VOLUNTEER | r for r in rows])


def workbook(sheets: dict[str, list[list[object]]], merges: tuple[str, ...] = ()) -> bytes:
    """An .xlsx file's bytes: one sheet per entry (its name → its rows), the ``merges``
    (``"A1:I1"``) merged in every sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for at in merges:
            sheet.merge_cells(at)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_of(table: pd.DataFrame) -> list[list[object]]:
    """A table as a sheet's rows: its header, then its cells."""
    return [list(table.columns), *table.astype(object).values.tolist()]
