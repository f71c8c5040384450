"""Hostile exports: a CSV pairmatch writes never runs a formula in a spreadsheet, and a
ledger without personal data holds no personal column, whatever the register carried."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pairmatch as pm
from pairmatch.io import FORMULA_STARTS, write_table
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
